//! Identities of keys and paths: two Redis commands touch the same key, and
//! two filesystem calls the same path, when their expressions name the same
//! binding, the same literal, the same `format!` template with the same
//! arguments, or are the same text.

use super::state::Walker;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::Expr;

/// Conversions that keep naming the same key or path.
const SAME_VALUE_METHODS: &[&str] = &[
    "as_str",
    "as_ref",
    "as_deref",
    "clone",
    "to_string",
    "to_owned",
    "as_bytes",
    "as_path",
    "to_path_buf",
    "into",
    "as_os_str",
    "borrow",
    "deref",
];

/// Functions that wrap a value without changing what it names.
const SAME_VALUE_FNS: &[&str] = &["Path::new", "PathBuf::from", "String::from", "OsStr::new"];

/// The expression without references, derefs, parentheses and conversions.
pub(super) fn strip_key(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip_key(&r.expr),
        Expr::Paren(p) => strip_key(&p.expr),
        Expr::Group(g) => strip_key(&g.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip_key(&u.expr),
        Expr::MethodCall(mc)
            if mc.args.is_empty()
                && SAME_VALUE_METHODS.contains(&mc.method.to_string().as_str()) =>
        {
            strip_key(&mc.receiver)
        }
        Expr::Call(c) if c.args.len() == 1 => {
            let segs = super::vocab::path_segments(&c.func);
            let tail = segs[segs.len().saturating_sub(2)..].join("::");
            if SAME_VALUE_FNS.contains(&tail.as_str()) {
                strip_key(&c.args[0])
            } else {
                e
            }
        }
        _ => e,
    }
}

/// An expression's tokens with all whitespace removed.
pub(super) fn compact(e: &impl ToTokens) -> String {
    e.to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `format!` / `concat!` by name.
fn is_template_macro(m: &syn::Macro) -> bool {
    m.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "format" || s.ident == "concat")
}

impl Walker<'_> {
    /// The identity of a key or path expression.
    pub(super) fn expr_key(&self, e: &Expr) -> String {
        let e = strip_key(e);
        match e {
            Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
                let name = p.path.segments[0].ident.to_string();
                match self.lookup(&name) {
                    Some(at) => {
                        let b = &self.scopes[at.0].bindings[at.1];
                        b.key_text
                            .clone()
                            .unwrap_or_else(|| format!("{}#{}", b.name, b.id))
                    }
                    None => name,
                }
            }
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => format!("lit:{}", s.value()),
            // A list of one key (`vec![k]`, `[k]`): that key.
            Expr::Array(a) if a.elems.len() == 1 => self.expr_key(&a.elems[0]),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                match m
                    .mac
                    .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
                {
                    Ok(items) if items.len() == 1 => self.expr_key(&items[0]),
                    _ => compact(m),
                }
            }
            Expr::Macro(m) if is_template_macro(&m.mac) => {
                let args = m
                    .mac
                    .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated);
                match args {
                    Ok(args) => {
                        let parts: Vec<String> = args
                            .iter()
                            .map(|a| match a {
                                Expr::Lit(syn::ExprLit {
                                    lit: syn::Lit::Str(s),
                                    ..
                                }) => s.value(),
                                other => self.expr_key(other),
                            })
                            .collect();
                        format!("fmt:{}", parts.join("\u{1}"))
                    }
                    Err(_) => compact(m),
                }
            }
            other => compact(other),
        }
    }

    /// The identity of a path: as [`Walker::expr_key`], and also the same
    /// for `dir.join(&name)` and `dir.join(name)` (arguments compared as
    /// keys), and for a directory entry's `entry.path()`,
    /// `dir.join(entry.file_name())` and `entry` itself (its `metadata()`,
    /// `file_type()`), and a temporary directory's `tmp.path()` and `tmp`.
    pub(super) fn path_key(&self, e: &Expr) -> String {
        let e = strip_key(e);
        if let Expr::MethodCall(mc) = e {
            let m = mc.method.to_string();
            if m == "path" && mc.args.is_empty() {
                return self.path_key(&mc.receiver);
            }
            if m == "join" && mc.args.len() == 1 {
                if let Expr::MethodCall(a) = strip_key(&mc.args[0]) {
                    if a.method == "file_name" && a.args.is_empty() {
                        return self.path_key(&a.receiver);
                    }
                }
                return format!(
                    "{}/{}",
                    self.path_key(&mc.receiver),
                    self.path_key(&mc.args[0])
                );
            }
        }
        self.expr_key(e)
    }

    /// The key identity a `let` binding's value carries: for a literal or a
    /// `format!`/`concat!`, the template itself, so that the same template
    /// written inline elsewhere names the same key.
    pub(super) fn binding_key_text(&self, init: &Expr) -> Option<String> {
        match strip_key(init) {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(_),
                ..
            }) => Some(self.expr_key(init)),
            Expr::Macro(m) if is_template_macro(&m.mac) && self.ctx.redis.is_some() => {
                Some(self.expr_key(init))
            }
            // `let path = dir.join(name)`, `let path = entry.path()`,
            // `let path = Path::new(&name)`: the same path as the
            // expression written inline.
            Expr::Call(c)
                if c.args.len() == 1 && {
                    let segs = super::vocab::path_segments(&c.func);
                    let tail = segs[segs.len().saturating_sub(2)..].join("::");
                    tail == "Path::new" || tail == "PathBuf::from"
                } =>
            {
                Some(self.path_key(init))
            }
            Expr::MethodCall(mc)
                if (mc.method == "join" && mc.args.len() == 1)
                    || (mc.method == "path" && mc.args.is_empty()) =>
            {
                Some(self.path_key(init))
            }
            _ => None,
        }
    }
}
