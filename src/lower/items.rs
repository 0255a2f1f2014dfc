//! Finds every function body in a file (free functions, methods, trait
//! default methods, functions nested in other bodies), skips test code, and
//! lowers each one.

use super::context::{type_text, FileCtx};
use super::effects::FnFacts;
use super::place::Receiver;
use super::walk::{FnInput, Walker};
use syn::visit::Visit;

/// The lowered functions of a file, and the byte ranges of the test code
/// that was skipped (suppression comments there cannot be judged).
pub struct Lowered {
    pub functions: Vec<FnFacts>,
    pub skipped: Vec<std::ops::Range<usize>>,
}

/// Lowers every non-test function body of a file.
pub fn lower_file(file: &syn::File, ctx: &FileCtx, include_tests: bool) -> Lowered {
    let mut v = FnVisitor {
        ctx,
        include_tests,
        out: Vec::new(),
        skipped: Vec::new(),
        modules: Vec::new(),
        self_ty: Vec::new(),
    };
    v.visit_file(file);
    Lowered {
        functions: v.out,
        skipped: v.skipped,
    }
}

/// From an item's first attribute to `end`: what a skipped test item covers.
fn item_range(attrs: &[syn::Attribute], end: proc_macro2::Span) -> std::ops::Range<usize> {
    let start = attrs
        .first()
        .map(|a| a.pound_token.span.byte_range().start)
        .unwrap_or(0);
    start..end.byte_range().end
}

/// Whether attributes mark an item as test code: `#[test]`, `#[tokio::test]`,
/// `#[rstest]`, `#[bench]`, `#[cfg(test)]`, `#[cfg(all(test, …))]`.
pub fn is_test_attrs(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        let last = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if matches!(
            last.as_str(),
            "test" | "rstest" | "bench" | "test_case" | "quickcheck" | "proptest"
        ) {
            return true;
        }
        if path.is_ident("cfg") {
            if let syn::Meta::List(list) = &a.meta {
                let text = list.tokens.to_string();
                let words: Vec<&str> = text
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .collect();
                return words.contains(&"test")
                    && !words.contains(&"not")
                    && !words.contains(&"any");
            }
        }
        false
    })
}

/// Type parameters with their bounds as text, from `<C: AsyncCommands>`
/// and `where C: ConnectionLike`.
fn generic_bounds(g: &syn::Generics) -> std::collections::HashMap<String, String> {
    use quote::ToTokens;
    let mut out = std::collections::HashMap::new();
    for p in g.type_params() {
        if !p.bounds.is_empty() {
            out.insert(
                p.ident.to_string(),
                format!("impl{}", type_bounds_text(&p.bounds)),
            );
        }
    }
    if let Some(w) = &g.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred {
                let name = t.bounded_ty.to_token_stream().to_string();
                let text = format!("impl{}", type_bounds_text(&t.bounds));
                out.entry(name)
                    .and_modify(|b: &mut String| {
                        b.push('+');
                        b.push_str(&text[4..]);
                    })
                    .or_insert(text);
            }
        }
    }
    out
}

fn type_bounds_text(
    b: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> String {
    use quote::ToTokens;
    b.to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

struct FnVisitor<'c> {
    ctx: &'c FileCtx,
    include_tests: bool,
    out: Vec<FnFacts>,
    skipped: Vec<std::ops::Range<usize>>,
    modules: Vec<String>,
    self_ty: Vec<Option<String>>,
}

impl FnVisitor<'_> {
    /// Whether an item is test code to leave out; its range is noted.
    fn skip(&mut self, attrs: &[syn::Attribute], end: proc_macro2::Span) -> bool {
        let skip = !self.include_tests && is_test_attrs(attrs);
        if skip {
            self.skipped.push(item_range(attrs, end));
        }
        skip
    }

    fn lower(
        &mut self,
        name: &str,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        body: &syn::Block,
    ) {
        let self_ty = self.self_ty.last().cloned().flatten();
        let mut receiver = Receiver::None;
        let mut params = Vec::new();
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(r) => {
                    receiver = if r.colon_token.is_some() {
                        let ty = type_text(&r.ty);
                        if ty.starts_with("&mut") {
                            Receiver::Exclusive
                        } else if ty.starts_with('&')
                            || ty.contains("Arc<")
                            || ty.contains("Rc<")
                            || ty.contains("Pin<&")
                        {
                            Receiver::Shared
                        } else {
                            Receiver::Exclusive
                        }
                    } else if r.reference.is_some() && r.mutability.is_none() {
                        Receiver::Shared
                    } else {
                        Receiver::Exclusive
                    };
                }
                syn::FnArg::Typed(t) => match &*t.pat {
                    syn::Pat::Ident(pi) => params.push((pi.ident.to_string(), type_text(&t.ty))),
                    // Extractors: `State(pool): State<PgPool>`, `Data(db): Data<Db>`.
                    syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
                        if let Some(syn::Pat::Ident(pi)) = ts.elems.first() {
                            params.push((pi.ident.to_string(), type_text(&t.ty)));
                        }
                    }
                    _ => {}
                },
            }
        }
        // `&self` on a type that cannot be shared between threads is not
        // shared state.
        if receiver == Receiver::Shared
            && self_ty.as_deref().is_some_and(|t| self.ctx.is_not_sync(t))
        {
            receiver = Receiver::Exclusive;
        }
        // Methods of a write guard run while it holds its lock: `&self` there
        // is exclusive access to what the guard protects.
        let write_guard = |t: &str| t.ends_with("Guard") && !t.contains("Read");
        if receiver == Receiver::Shared && self_ty.as_deref().is_some_and(write_guard) {
            receiver = Receiver::Exclusive;
        }
        let mut qualified = self.modules.clone();
        if let Some(ty) = &self_ty {
            qualified.push(ty.clone());
        }
        qualified.push(name.to_string());
        let input = FnInput {
            name: qualified.join("::"),
            receiver,
            self_ty,
            params,
            generics: generic_bounds(&sig.generics),
            is_async: sig.asyncness.is_some(),
            body,
        };
        let mut facts = Walker::new(self.ctx, &input).run(body);
        // The caller's contract serialises every call: nothing here races.
        if super::contract::serialised_by_caller(attrs, sig) {
            facts.ops.iter_mut().for_each(|o| o.shared = false);
            facts.acqs.iter_mut().for_each(|a| a.shared = false);
        }
        self.out.push(facts);
    }
}

impl<'ast> Visit<'ast> for FnVisitor<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let end = m
            .content
            .as_ref()
            .map(|(b, _)| b.span.close())
            .or(m.semi.map(|s| s.span))
            .unwrap_or(m.ident.span());
        if self.skip(&m.attrs, end) {
            return;
        }
        self.modules.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.modules.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if self.skip(&f.attrs, f.block.brace_token.span.close()) {
            return;
        }
        self.self_ty.push(None);
        self.lower(&f.sig.ident.to_string(), &f.attrs, &f.sig, &f.block);
        // Visit the body for nested items only.
        syn::visit::visit_block(self, &f.block);
        self.self_ty.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if self.skip(&i.attrs, i.brace_token.span.close()) {
            return;
        }
        let name = match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        self.self_ty.push(name);
        syn::visit::visit_item_impl(self, i);
        self.self_ty.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if self.skip(&f.attrs, f.block.brace_token.span.close()) {
            return;
        }
        self.lower(&f.sig.ident.to_string(), &f.attrs, &f.sig, &f.block);
        syn::visit::visit_block(self, &f.block);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        if self.skip(&t.attrs, t.brace_token.span.close()) {
            return;
        }
        self.self_ty.push(Some(t.ident.to_string()));
        syn::visit::visit_item_trait(self, t);
        self.self_ty.pop();
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        let end = f
            .default
            .as_ref()
            .map(|b| b.brace_token.span.close())
            .or(f.semi_token.map(|s| s.span))
            .unwrap_or(f.sig.ident.span());
        if self.skip(&f.attrs, end) {
            return;
        }
        if let Some(body) = &f.default {
            self.lower(&f.sig.ident.to_string(), &f.attrs, &f.sig, body);
            syn::visit::visit_block(self, body);
        }
    }

    // Expressions are the walker's business; only items inside them matter
    // here, and `visit_block` reaches those through statements.
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Block(b) => syn::visit::visit_block(self, &b.block),
            syn::Expr::Unsafe(b) => syn::visit::visit_block(self, &b.block),
            syn::Expr::Async(b) => syn::visit::visit_block(self, &b.block),
            syn::Expr::Closure(c) => self.visit_expr(&c.body),
            _ => syn::visit::visit_expr(self, e),
        }
    }
}
