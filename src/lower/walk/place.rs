//! Naming shared state: turning a receiver expression (`self.sessions`,
//! `COUNTER`, a local `Arc` clone) into a stable identity, and deciding
//! whether the function could be racing another caller on it.

use super::state::{Origin, Walker};
use crate::lower::effects::Root;
use crate::lower::place::{Place, Receiver};
use quote::ToTokens;

fn tokens(t: &impl ToTokens) -> String {
    let s = t.to_token_stream().to_string();
    s.replace(" . ", ".")
        .replace(" :: ", "::")
        .replace(" (", "(")
}

impl Walker<'_> {
    /// Resolves an expression naming a piece of state, or `None` when it is
    /// not a place (a call with arguments, a literal…).
    pub(crate) fn place(&mut self, e: &syn::Expr) -> Option<Place> {
        use syn::Expr;
        match e {
            Expr::Paren(p) => self.place(&p.expr),
            Expr::Group(g) => self.place(&g.expr),
            Expr::Reference(r) => self.place(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.place(&u.expr),
            Expr::Path(p) if p.qself.is_none() => self.path_place(&p.path),
            Expr::Field(f) => {
                let base = self.place(&f.base)?;
                let member = match &f.member {
                    syn::Member::Named(id) => id.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                // `self.f`, `inner.f` with `inner: Arc<Inner>`, and `state.f`
                // with `State(state): State<AppState>` (extractor wrappers).
                let owner = if base.key == "self" {
                    self.self_ty.clone()
                } else {
                    base.ty
                        .as_deref()
                        .and_then(crate::lower::context::owner_type)
                };
                let ty = owner.and_then(|o| self.ctx.field_type(&o, &member).map(str::to_string));
                Some(Place {
                    key: format!("{}.{}", base.key, member),
                    display: format!("{}.{}", base.display, member),
                    root: if base.key == "self" {
                        Root::SelfField
                    } else {
                        base.root
                    },
                    shared: base.shared,
                    ty,
                })
            }
            Expr::Index(ix) => {
                let base = self.place(&ix.expr)?;
                let index = tokens(&ix.index);
                Some(Place {
                    key: format!("{}[{}]", base.key, index),
                    display: format!("{}[{}]", base.display, index),
                    ty: None,
                    ..base
                })
            }
            Expr::MethodCall(mc) if mc.args.is_empty() => {
                let base = self.place(&mc.receiver)?;
                let m = mc.method.to_string();
                if matches!(
                    m.as_str(),
                    "clone" | "as_ref" | "deref" | "borrow" | "get_ref" | "as_deref"
                ) {
                    return Some(base);
                }
                Some(Place {
                    key: format!("{}.{}()", base.key, m),
                    display: format!("{}.{}()", base.display, m),
                    ty: None,
                    ..base
                })
            }
            Expr::Call(c) if c.args.len() == 1 => {
                // `Arc::clone(&x)`, `Rc::clone(&x)`: the same object.
                if let Expr::Path(p) = &*c.func {
                    let segs: Vec<String> = p
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    if segs.len() >= 2
                        && segs[segs.len() - 1] == "clone"
                        && matches!(segs[segs.len() - 2].as_str(), "Arc" | "Rc")
                    {
                        return self.place(&c.args[0]);
                    }
                }
                None
            }
            _ => None,
        }
    }

    fn path_place(&mut self, path: &syn::Path) -> Option<Place> {
        let last = path.segments.last()?.ident.to_string();
        if path.segments.len() == 1 {
            if last == "self" {
                return (self.receiver != Receiver::None).then(|| Place {
                    key: "self".into(),
                    display: "self".into(),
                    root: Root::SelfField,
                    shared: self.receiver == Receiver::Shared,
                    ty: self.self_ty.clone(),
                });
            }
            if let Some(b) = self.lookup(&last) {
                let depth = self.closure_depth;
                let b = self.binding_mut(b);
                if b.closure_depth < depth {
                    b.escaped = true;
                }
                if let Some(alias) = b.alias.clone() {
                    return Some(alias);
                }
                let shared = match b.origin {
                    Origin::Param { exclusive } => !exclusive,
                    Origin::Constructed => b.escaped || depth > 0,
                    Origin::Unknown => true,
                };
                return Some(Place {
                    key: format!("{}#{}", b.name, b.id),
                    display: b.name.clone(),
                    root: Root::Local,
                    shared,
                    ty: b.ty.clone(),
                });
            }
        } else {
            let first = path.segments.first()?.ident.to_string();
            let known_prefix = matches!(first.as_str(), "crate" | "self" | "super");
            if !(known_prefix || self.ctx.statics.contains_key(&last)) {
                return Some(unresolved(path));
            }
        }
        if let Some(info) = self.ctx.statics.get(&last) {
            return Some(Place {
                key: format!("static:{last}"),
                display: last,
                root: Root::Static {
                    mutable: info.mutable,
                },
                shared: true,
                ty: Some(info.ty.clone()),
            });
        }
        Some(unresolved(path))
    }
}

/// A path the analysis cannot resolve (another module's static, a `const`):
/// identified by its text, and assumed shared.
fn unresolved(path: &syn::Path) -> Place {
    let text = tokens(path);
    Place {
        key: text.clone(),
        display: text,
        root: Root::Other,
        shared: true,
        ty: None,
    }
}
