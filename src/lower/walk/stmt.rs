//! Blocks, statements and `let`: scopes, statement temporaries (where
//! guards die), and binding patterns to the values they receive.
use super::state::*;
use super::vocab::*;
use crate::lower::effects::*;
use crate::lower::range_of;
use syn::{Expr, Pat, Stmt};

impl Walker<'_> {
    pub(super) fn block(&mut self, b: &syn::Block) -> Val {
        self.block_with(b, false)
    }

    /// A block; with `propagate`, an early exit inside it (`if c { return }`)
    /// keeps guarding the code after the block, as it does for a plain
    /// `{ … }` or `unsafe { … }` statement.
    pub(super) fn block_with(&mut self, b: &syn::Block, propagate: bool) -> Val {
        self.push_scope();
        let mut val = Val::default();
        let mut diverges = false;
        let n = b.stmts.len();
        for (i, stmt) in b.stmts.iter().enumerate() {
            let v = self.stmt(stmt);
            diverges |= v.diverges;
            if i + 1 == n && matches!(stmt, Stmt::Expr(_, None)) {
                val = v;
            }
        }
        let post = self.pop_scope();
        if propagate {
            for c in post {
                self.add_post_guard(c);
            }
        }
        val.diverges = diverges;
        val
    }

    pub(super) fn stmt(&mut self, stmt: &Stmt) -> Val {
        let outer = self.cur_stmt.take();
        self.cur_stmt = stmt_info(stmt);
        let v = self.stmt_inner(stmt);
        self.cur_stmt = outer;
        v
    }

    fn stmt_inner(&mut self, stmt: &Stmt) -> Val {
        match stmt {
            Stmt::Local(local) => {
                self.local(local);
                Val::default()
            }
            // Nested items are lowered on their own by the item visitor.
            Stmt::Item(_) => Val::default(),
            Stmt::Expr(e, semi) => {
                self.push_frame();
                if semi.is_some() {
                    self.discarded = Some(e as *const Expr);
                }
                let v = self.expr(e);
                self.pop_frame();
                if semi.is_some() {
                    self.discard(&v, range_of(e));
                    Val {
                        diverges: v.diverges,
                        ..Val::default()
                    }
                } else {
                    v
                }
            }
            Stmt::Macro(m) => {
                self.push_frame();
                let mut v = self.macro_expr(&m.mac);
                self.pop_frame();
                v.diverges |= is_diverging_macro(&m.mac);
                if m.semi_token.is_some() {
                    self.discard(&v, range_of(&m.mac));
                }
                v
            }
        }
    }

    pub(super) fn local(&mut self, local: &syn::Local) {
        self.push_frame();
        let (val, init_expr) = match &local.init {
            Some(init) => {
                if let Pat::Wild(_) = local.pat {
                    self.discarded = Some(&*init.expr as *const Expr);
                }
                let v = self.expr(&init.expr);
                if let Pat::Wild(_) = local.pat {
                    self.discard(&v, range_of(&init.expr));
                }
                (v, Some(&*init.expr))
            }
            None => (Val::default(), None),
        };
        if let Some(init) = &local.init {
            if let Some((_, else_block)) = &init.diverge {
                // `let Some(x) = … else { return }`
                let end = else_block_end(else_block);
                let cond = self.push_cond(range_of(&init.expr), val.deps.clone(), end);
                self.cond_stack.push(cond);
                self.expr(else_block);
                self.cond_stack.pop();
                // The pattern's temporaries die at the end of the statement.
                self.bind_pattern(&local.pat, &val, init_expr, Some(local));
                self.pop_frame();
                self.add_post_guard(cond);
                return;
            }
        }
        self.bind_pattern(&local.pat, &val, init_expr, Some(local));
        self.pop_frame();
    }

    /// A raw lock (`try_lock() -> bool`) taken: it outlives its statement and
    /// is released by an `unlock` call on the same lock or at the end.
    pub(super) fn hold_raw_lock(&mut self, acq: AcqId) {
        for frame in &mut self.temp_frames {
            frame.retain(|&a| a != acq);
        }
        self.raw_locks.push(acq);
    }

    /// Moves a temporary guard of the current statement into a binding of
    /// the current scope: it now lives until the scope ends or `drop`.
    pub(super) fn claim_guard(&mut self, acq: AcqId) {
        let claimed = self
            .temp_frames
            .last_mut()
            .and_then(|f| f.iter().position(|&a| a == acq).map(|i| f.remove(i)));
        if claimed.is_some() {
            if let Some(scope) = self.scopes.last_mut() {
                scope.guards.push(acq);
            }
        }
    }

    /// Binds every identifier of a pattern to a value.
    pub(super) fn bind_pattern(
        &mut self,
        pat: &Pat,
        val: &Val,
        init: Option<&Expr>,
        local: Option<&syn::Local>,
    ) {
        match pat {
            Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let mut b = self.blank_binding(&name);
                b.deps = val.deps.clone();
                b.direct_load = val.direct_load;
                b.alias = val.alias.clone();
                // A let-bound string is SQL "made elsewhere": statements
                // run from it are reported at the call.
                b.sql = val.sql.clone().map(|(src, _)| (src, false));
                b.builder = val.builder.clone();
                b.exec = val.exec;
                b.tx_builder = val.tx_builder;
                b.ext = val.ext;
                b.shape = val.shape.clone().filter(|s| self.is_redis_shape(s));
                b.orm = val.orm.clone();
                if let Some(super::orm_state::OrmVal::Model(m)) = &mut b.orm {
                    if m.key.is_none() && !m.fresh {
                        m.key = Some(format!("{name}.id"));
                    }
                }
                if let Some(init) = init {
                    b.key_text = self.binding_key_text(init);
                    if self.ctx.redis.is_some() {
                        b.init_text = Some(super::keys::compact(init));
                    }
                }
                if name.starts_with('_') {
                    self.discard(val, init.map(range_of).unwrap_or_default());
                } else {
                    for &x in &val.result_of {
                        self.facts.sql[x].bound_reads = Some(0);
                    }
                    b.result_of = val.result_of.clone();
                }
                if val.constructed {
                    b.origin = Origin::Constructed;
                }
                if let (Some(acq), true) = (val.guard, val.guard_owned) {
                    // The guard moves into the binding instead of dying with
                    // the statement.
                    self.claim_guard(acq);
                    b.guard = Some(acq);
                }
                if let (Some(load), Some(l)) = (val.direct_load, local) {
                    if matches!(init, Some(Expr::MethodCall(_))) {
                        self.facts.load_bindings.push(LoadBinding {
                            name: name.clone(),
                            load,
                            stmt: range_of(l),
                            reads: 0,
                        });
                        b.load_binding = Some(self.facts.load_bindings.len() - 1);
                    }
                }
                if let Some(init) = init {
                    if b.ty.is_none() {
                        b.ty = constructor_type(init);
                    }
                    if local.is_some() && !val.deps.is_empty() {
                        self.facts.value_lets.push(ValueLet {
                            name: name.clone(),
                            init: range_of(init),
                            deps: val.deps.clone(),
                        });
                    }
                }
                self.bind(name, b);
            }
            Pat::Type(pt) => {
                let ty = crate::lower::context::type_text(&pt.ty);
                self.bind_pattern(&pt.pat, val, init, local);
                if let Pat::Ident(pi) = &*pt.pat {
                    if let Some(at) = self.lookup(&pi.ident.to_string()) {
                        self.binding_mut(at).ty = Some(ty);
                    }
                }
            }
            Pat::Reference(r) => self.bind_pattern(&r.pat, val, init, None),
            Pat::Paren(p) => self.bind_pattern(&p.pat, val, init, None),
            Pat::Tuple(t) => {
                // `let (a, b) = lock_pair(..)`: the guards move into the bindings.
                if let (Some(acq), true) = (val.guard, val.guard_owned) {
                    self.claim_guard(acq);
                }
                let v = Val::deps(val.deps.clone());
                for (i, p) in t.elems.iter().enumerate() {
                    // `let (client, connection) = tokio_postgres::connect(..)`
                    let v = if i == 0 && val.exec.is_some() {
                        Val {
                            exec: val.exec,
                            ..v.clone()
                        }
                    } else {
                        v.clone()
                    };
                    self.bind_pattern(p, &v, None, None);
                }
            }
            Pat::TupleStruct(t) => {
                // `let Some(guard) = m.try_lock() else { … }`, `Ok(guard)`.
                if let (Some(acq), true) = (val.guard, val.guard_owned) {
                    self.claim_guard(acq);
                }
                // `Some(m)`, `Ok(m)`: the model inside.
                let v = Val {
                    deps: val.deps.clone(),
                    orm: if t.elems.len() == 1 {
                        val.orm.clone()
                    } else {
                        None
                    },
                    ..Val::default()
                };
                for p in &t.elems {
                    self.bind_pattern(p, &v, None, None);
                }
            }
            Pat::Struct(s) => {
                let v = Val::deps(val.deps.clone());
                for f in &s.fields {
                    self.bind_pattern(&f.pat, &v, None, None);
                }
            }
            Pat::Slice(s) => {
                let v = Val::deps(val.deps.clone());
                for p in &s.elems {
                    self.bind_pattern(p, &v, None, None);
                }
            }
            Pat::Or(o) => {
                for p in &o.cases {
                    self.bind_pattern(p, &Val::deps(val.deps.clone()), None, None);
                }
            }
            _ => {}
        }
    }
}

/// The statement's bounds, the name a plain `let` binds, and the call it is
/// the whole of, without `?`, `.await`, `.unwrap()`, `.expect(..)`.
fn stmt_info(stmt: &Stmt) -> Option<CurStmt> {
    let (start, end, binding, init) = match stmt {
        Stmt::Local(l) => {
            let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
            let pat = match &l.pat {
                Pat::Type(t) => &*t.pat,
                p => p,
            };
            let binding = match pat {
                Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.to_string()),
                Pat::Wild(_) => None,
                _ => return None,
            };
            let start = l.let_token.span.byte_range().start;
            (
                Some(start),
                l.semi_token.span.byte_range().end,
                binding,
                &*init.expr,
            )
        }
        Stmt::Expr(e, Some(semi)) => (None, semi.span.byte_range().end, None, e),
        _ => return None,
    };
    let node = match unwrap_result(init) {
        Expr::Call(c) => c as *const syn::ExprCall as usize,
        Expr::MethodCall(m) => m as *const syn::ExprMethodCall as usize,
        _ => return None,
    };
    Some(CurStmt {
        start,
        end,
        binding,
        node,
    })
}

/// `call?`, `call.await`, `call.unwrap()`, `call.expect("…")` → `call`.
fn unwrap_result(e: &Expr) -> &Expr {
    match e {
        Expr::Try(t) => unwrap_result(&t.expr),
        Expr::Await(a) => unwrap_result(&a.base),
        Expr::MethodCall(mc)
            if matches!(mc.method.to_string().as_str(), "unwrap" | "expect")
                && mc.args.len() <= 1 =>
        {
            unwrap_result(&mc.receiver)
        }
        _ => e,
    }
}
