//! Assignments: to a `static mut`, to a local (its dependencies change),
//! and through a lock guard.
use super::state::*;
use super::vocab::*;
use crate::lower::effects::*;
use crate::lower::place::Place;
use crate::lower::range_of;
use syn::Expr;

impl Walker<'_> {
    pub(super) fn assign(&mut self, left: &Expr, right: &Expr, op: &str, whole: &Expr) {
        let rhs = self.expr(right);
        // A `static mut` (or a field / element of one).
        if let Some(place) = self.static_mut_root(left) {
            let display = self
                .place(left)
                .map(|p| p.display)
                .unwrap_or(place.display.clone());
            let place = Place { display, ..place };
            self.push_op(
                OpKind::StaticWrite { op: op.to_string() },
                &place,
                range_of(whole),
                rhs.deps,
                true,
                Some(CallParts {
                    receiver: range_of(left),
                    method: 0..0,
                    args: vec![range_of(right)],
                }),
                literal_of(right),
                None,
            );
            return;
        }
        // A field of a loaded model: remembered until the model is saved.
        if self.orm_assign(left, right, &rhs, op) {
            return;
        }
        // A local: its value now depends on the right-hand side.
        if let Expr::Path(p) = left {
            if p.path.segments.len() == 1 {
                if let Some(at) = self.lookup(&p.path.segments[0].ident.to_string()) {
                    let b = self.binding_mut(at);
                    if op == "=" {
                        b.deps = rhs.deps;
                        b.direct_load = rhs.direct_load;
                    } else {
                        b.deps = union(&b.deps, &rhs.deps);
                        b.direct_load = None;
                    }
                    return;
                }
            }
        }
        // Through a guard: `*g = v`, `g.count += 1`, `*m.lock().unwrap() = v`.
        let base = self.assign_base(left);
        if let Some(acq) = base.guard {
            if op != "=" {
                self.push_guard_op(OpKind::GuardRead { acq }, acq, range_of(left), Vec::new());
            }
            self.push_guard_op(
                OpKind::GuardMutate {
                    acq,
                    what: op.to_string(),
                },
                acq,
                range_of(whole),
                rhs.deps,
            );
        }
    }

    /// Evaluates the base of an assignment target without counting the
    /// assigned place itself as a read.
    pub(super) fn assign_base(&mut self, left: &Expr) -> Val {
        match left {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.expr(&u.expr),
            Expr::Field(f) => self.assign_base(&f.base),
            Expr::Index(ix) => {
                let v = self.assign_base(&ix.expr);
                self.expr(&ix.index);
                v
            }
            Expr::Paren(p) => self.assign_base(&p.expr),
            other => self.expr(other),
        }
    }

    pub(super) fn static_mut_root(&mut self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Path(p) => {
                let last = p.path.segments.last()?.ident.to_string();
                if p.path.segments.len() == 1 && self.lookup(&last).is_some() {
                    return None;
                }
                if self.ctx.statics.get(&last).is_some_and(|s| s.mutable) {
                    return self.place(e);
                }
                None
            }
            Expr::Field(f) => self.static_mut_root(&f.base),
            Expr::Index(ix) => self.static_mut_root(&ix.expr),
            Expr::Paren(p) => self.static_mut_root(&p.expr),
            _ => None,
        }
    }
}
