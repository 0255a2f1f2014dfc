//! Expressions: the dispatch over syn's expression kinds, paths, operators,
//! function calls and macros. Method calls are in `method.rs`, assignments
//! in `assign.rs`, control flow in `control.rs`.
use super::state::*;
use super::vocab::*;
use crate::lower::effects::*;
use crate::lower::place::Place;
use crate::lower::range_of;
use syn::punctuated::Punctuated;
use syn::Expr;

impl Walker<'_> {
    pub(crate) fn expr(&mut self, e: &Expr) -> Val {
        if self.ctx.budget.expired() {
            return Val::default();
        }
        let discarded = self.discarded.take() == Some(e as *const Expr);
        match e {
            Expr::Lit(l) => self.lit_sql(l),
            Expr::Path(p) => self.path_expr(p),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Group(g) => self.expr(&g.expr),
            Expr::Unary(u) => {
                let v = self.expr(&u.expr);
                match u.op {
                    syn::UnOp::Deref(_) => self.read_through(v, e),
                    // `!raw.try_lock()`: still the lock just taken.
                    syn::UnOp::Not(_) if v.guard_owned => v,
                    _ => Val {
                        deps: v.deps,
                        diverges: v.diverges,
                        ..Val::default()
                    },
                }
            }
            Expr::Field(f) => {
                let v = self.expr(&f.base);
                self.read_through(v, e)
            }
            Expr::Index(ix) => {
                let base = self.expr(&ix.expr);
                let idx = self.expr(&ix.index);
                let mut v = self.read_through(base, e);
                v.deps = union(&v.deps, &idx.deps);
                v
            }
            Expr::Reference(r) => self.expr(&r.expr),
            Expr::Binary(b) => match compound_assign_op(&b.op) {
                Some(op) => {
                    self.assign(&b.left, &b.right, op, e);
                    Val::default()
                }
                None => self.binary(b),
            },
            Expr::MethodCall(mc) => self.method_call(mc, e, discarded),
            Expr::Call(c) => self.call(c),
            Expr::Macro(m) => {
                let mut v = self.macro_expr(&m.mac);
                v.diverges |= is_diverging_macro(&m.mac);
                v
            }
            Expr::If(i) => self.expr_if(i),
            Expr::Match(m) => self.expr_match(m),
            Expr::While(w) => self.expr_while(w),
            Expr::ForLoop(f) => {
                self.push_frame();
                let it = self.expr(&f.expr);
                self.push_scope();
                // The rows of a loaded list are models of its table.
                let item = Val {
                    deps: it.deps,
                    orm: it.orm,
                    ..Val::default()
                };
                self.bind_pattern(&f.pat, &item, None, None);
                self.block(&f.body);
                self.pop_scope();
                self.pop_frame();
                Val::default()
            }
            Expr::Loop(l) => {
                self.block(&l.body);
                Val::default()
            }
            Expr::Block(b) if b.label.is_none() => self.block_with(&b.block, true),
            Expr::Block(b) => self.block(&b.block),
            Expr::Unsafe(u) => self.block_with(&u.block, true),
            Expr::Const(c) => self.block(&c.block),
            Expr::TryBlock(t) => self.block(&t.block),
            Expr::Async(a) => {
                self.closure_depth += 1;
                self.async_depth += 1;
                self.push_frame();
                self.block(&a.block);
                self.pop_frame();
                self.async_depth -= 1;
                self.closure_depth -= 1;
                Val::default()
            }
            Expr::Closure(c) => {
                // A closure handed to an arbitrary function (a callback) runs
                // later: the conditions around its definition do not decide
                // the state it sees. One handed to `spawn` starts now.
                let saved = (!self.spawning).then(|| std::mem::take(&mut self.cond_stack));
                self.spawning = false;
                self.closure_depth += 1;
                self.push_scope();
                let given = self.closure_inputs.take().unwrap_or_default();
                for (i, input) in c.inputs.iter().enumerate() {
                    let v = given.get(i).cloned().unwrap_or_default();
                    self.bind_pattern(input, &v, None, None);
                }
                self.push_frame();
                self.expr(&c.body);
                self.pop_frame();
                self.pop_scope();
                self.closure_depth -= 1;
                if let Some(saved) = saved {
                    self.cond_stack = saved;
                }
                Val::default()
            }
            Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    let val = self.expr(v);
                    if self.closure_depth == 0 {
                        let t = self.tick();
                        self.facts.returns.push((t, val.deps));
                    }
                }
                Val {
                    diverges: true,
                    ..Val::default()
                }
            }
            Expr::Break(b) => {
                if let Some(v) = &b.expr {
                    self.expr(v);
                }
                Val {
                    diverges: true,
                    ..Val::default()
                }
            }
            Expr::Continue(_) => Val {
                diverges: true,
                ..Val::default()
            },
            Expr::Try(t) => {
                // `m.lock()?` is still the guard.
                let mut v = self.expr(&t.expr);
                self.widen_acquisition(&v, &t.expr, e);
                self.call_checked(&v, e);
                v.shape = None;
                v
            }
            Expr::Await(a) => {
                let v = self.expr(&a.base);
                self.widen_acquisition(&v, &a.base, e);
                v
            }
            Expr::Assign(a) => {
                self.assign(&a.left, &a.right, "=", e);
                Val::default()
            }
            Expr::Let(l) => {
                // Only reached outside `if`/`while` conditions (let chains in
                // other positions); evaluate the scrutinee.
                self.expr(&l.expr)
            }
            Expr::Cast(c) => {
                let v = self.expr(&c.expr);
                Val {
                    deps: v.deps,
                    direct_load: v.direct_load,
                    ..Val::default()
                }
            }
            Expr::Tuple(t) => self.all(t.elems.iter()),
            Expr::Array(a) => self.all(a.elems.iter()),
            Expr::Repeat(r) => self.all([&*r.expr, &*r.len]),
            Expr::Struct(s) => {
                let fields: Vec<Val> = s.fields.iter().map(|f| self.expr(&f.expr)).collect();
                let mut v = Val::default();
                for f in &fields {
                    v.deps = union(&v.deps, &f.deps);
                    v.diverges |= f.diverges;
                }
                if let Some(rest) = &s.rest {
                    let r = self.expr(rest);
                    v.deps = union(&v.deps, &r.deps);
                }
                v.orm = self.orm_struct(s, &fields);
                v
            }
            Expr::Range(r) => self.all(r.start.iter().chain(r.end.iter()).map(|b| &**b)),
            Expr::Yield(y) => {
                if let Some(v) = &y.expr {
                    self.expr(v);
                }
                Val::default()
            }
            _ => Val::default(),
        }
    }

    /// `m.lock().await`, `m.lock()?`: the acquisition expression includes
    /// the wrapper, so suggestions quote the whole of it.
    pub(super) fn widen_acquisition(&mut self, v: &Val, inner: &Expr, outer: &Expr) {
        if let (Some(acq), true) = (v.guard, v.guard_owned) {
            if self.facts.acqs[acq].range == range_of(inner) {
                self.facts.acqs[acq].range = range_of(outer);
            }
        }
    }

    /// A call's arguments; closures among them start now when the call is
    /// `spawn`-like, and run later (as callbacks) otherwise.
    pub(super) fn call_args_each<'e, I: IntoIterator<Item = &'e Expr>>(
        &mut self,
        args: I,
        spawn_like: bool,
    ) -> (Val, Vec<Val>) {
        let mut v = Val::default();
        let mut each = Vec::new();
        for a in args {
            self.spawning = spawn_like;
            let x = self.expr(a);
            v.deps = union(&v.deps, &x.deps);
            v.diverges |= x.diverges;
            each.push(x);
        }
        self.spawning = false;
        (v, each)
    }

    pub(super) fn all<'e, I: IntoIterator<Item = &'e Expr>>(&mut self, items: I) -> Val {
        let mut deps = Vec::new();
        let mut diverges = false;
        for e in items {
            let v = self.expr(e);
            deps = union(&deps, &v.deps);
            diverges |= v.diverges;
        }
        Val {
            deps,
            diverges,
            ..Val::default()
        }
    }

    pub(super) fn path_expr(&mut self, p: &syn::ExprPath) -> Val {
        if p.path.segments.len() == 1 {
            let name = p.path.segments[0].ident.to_string();
            if let Some(at) = self.lookup(&name) {
                let depth = self.closure_depth;
                let b = self.binding_mut(at);
                if b.closure_depth < depth {
                    b.escaped = true;
                }
                let b = b.clone();
                if let Some(lb) = b.load_binding {
                    self.facts.load_bindings[lb].reads += 1;
                }
                for &x in &b.result_of {
                    if let Some(r) = &mut self.facts.sql[x].bound_reads {
                        *r += 1;
                    }
                }
                return Val {
                    deps: b.deps,
                    guard: b.guard,
                    guard_owned: b.guard.is_some(),
                    direct_load: b.direct_load,
                    alias: b.alias,
                    sql: b.sql,
                    builder: b.builder,
                    exec: b.exec,
                    tx_builder: b.tx_builder,
                    ext: b.ext,
                    shape: b.shape,
                    orm: b.orm,
                    ..Val::default()
                };
            }
        }
        if let Some(v) = self.const_sql(p) {
            return v;
        }
        if let Some(v) = self.orm_path(p) {
            return v;
        }
        // A read of a `static mut`.
        let last = p.path.segments.last().map(|s| s.ident.to_string());
        if let Some(last) = last {
            if self.ctx.statics.get(&last).is_some_and(|s| s.mutable) && p.qself.is_none() {
                if let Some(place) = self.place(&Expr::Path((*p).clone())) {
                    let op = self.push_op(
                        OpKind::StaticRead,
                        &place,
                        range_of(p),
                        Vec::new(),
                        true,
                        None,
                        None,
                        None,
                    );
                    return Val::deps(vec![op]);
                }
            }
        }
        Val::default()
    }

    /// A field access, deref or index on a value: reading through a guard
    /// records a read under its acquisition.
    pub(super) fn read_through(&mut self, v: Val, e: &Expr) -> Val {
        if let Some(acq) = v.guard {
            let op = self.push_guard_op(OpKind::GuardRead { acq }, acq, range_of(e), Vec::new());
            return Val {
                deps: union(&v.deps, &vec![op]),
                guard: Some(acq),
                ..Val::default()
            };
        }
        Val {
            deps: v.deps,
            direct_load: v.direct_load,
            diverges: v.diverges,
            ..Val::default()
        }
    }

    /// A binary operation. A long left-nested chain (`a + b + c + …`) is
    /// walked as a loop over its left spine, not by recursion, so its
    /// length costs no stack.
    pub(super) fn binary(&mut self, b: &syn::ExprBinary) -> Val {
        let mut spine = vec![b];
        let mut leftmost = &*b.left;
        while let Expr::Binary(x) = leftmost {
            if compound_assign_op(&x.op).is_some() {
                break;
            }
            spine.push(x);
            leftmost = &*x.left;
        }
        let mut acc = self.expr(leftmost);
        for x in spine.into_iter().rev() {
            let r = self.expr(&x.right);
            acc = self.combine(x, acc, r);
        }
        acc
    }

    pub(super) fn combine(&mut self, b: &syn::ExprBinary, l: Val, r: Val) -> Val {
        use syn::BinOp;
        let op = match b.op {
            BinOp::Add(_) => Some("+"),
            BinOp::Sub(_) => Some("-"),
            BinOp::BitOr(_) => Some("|"),
            BinOp::BitAnd(_) => Some("&"),
            BinOp::BitXor(_) => Some("^"),
            _ => None,
        };
        let shape = op.and_then(|op| match (l.direct_load, r.direct_load) {
            (Some(load), None) => Some(ValueShape::Binary {
                op,
                load,
                other: range_of(&b.right),
                load_on_left: true,
            }),
            (None, Some(load)) if op != "-" => Some(ValueShape::Binary {
                op,
                load,
                other: range_of(&b.left),
                load_on_left: false,
            }),
            _ => None,
        });
        Val {
            deps: union(&l.deps, &r.deps),
            shape,
            diverges: l.diverges || r.diverges,
            ..Val::default()
        }
    }

    pub(super) fn call(&mut self, c: &syn::ExprCall) -> Val {
        let segs = path_segments(&c.func);
        let last = segs.last().map(String::as_str).unwrap_or("");
        // `drop(guard)` ends an acquisition.
        if last == "drop"
            && c.args.len() == 1
            && (segs.len() == 1 || segs.contains(&"mem".to_string()))
        {
            if let Some(name) = path_last(&c.args[0]) {
                if let Some(at) = self.lookup(&name) {
                    if let Some(acq) = self.binding_mut(at).guard.take() {
                        self.release(acq);
                        for scope in &mut self.scopes {
                            scope.guards.retain(|&a| a != acq);
                        }
                        return Val::default();
                    }
                }
            }
        }
        if segs
            .iter()
            .any(|s| s == "fs" || s == "File" || s == "OpenOptions")
            || (segs.first().is_some_and(|s| s == "sqlx" || s == "redis") && segs.len() > 1)
        {
            let t = self.tick();
            self.facts.external_calls.push((t, range_of(c)));
        }
        if last == "clone" && c.args.len() == 1 && segs.len() >= 2 {
            if let Some(mut place) = self.place(&c.args[0]) {
                // A second handle to the object: it is shared from now on.
                place.shared = true;
                self.expr(&c.args[0]);
                self.mark_escaped(&c.args[0]);
                return Val {
                    alias: Some(place),
                    ..Val::default()
                };
            }
        }
        // `lock_bucket(key)`, `lock_exclusive(..)`: a function named `lock…`
        // returns guards; bound with `let`, they hold a lock until dropped.
        if (last.starts_with("lock") || last.starts_with("try_lock")) && !segs.is_empty() {
            let args = self.all(c.args.iter());
            let key = segs.join("::");
            let place = Place {
                key: format!("fn:{key}"),
                display: key,
                root: Root::Other,
                shared: true,
                ty: None,
            };
            let acq = self.acquire(&place, LockMode::Exclusive, range_of(c));
            return Val {
                deps: args.deps,
                guard: Some(acq),
                guard_owned: true,
                ..Val::default()
            };
        }
        if last.starts_with("unlock") {
            let found = self.raw_locks.iter().rposition(|&a| {
                self.facts.targets[self.facts.acqs[a].target]
                    .key
                    .starts_with("fn:")
            });
            if let Some(i) = found {
                let acq = self.raw_locks.remove(i);
                self.release(acq);
            }
        }
        let f = self.expr(&c.func);
        let tx_closure = self.redis_transaction_call(&segs, c.args.len());
        let (mut v, each) = self.call_args_each(c.args.iter(), is_spawn_like(last));
        if tx_closure {
            self.redis.tx_depth -= 1;
        }
        if let Some(x) = self.redis_call(c, &segs, &each) {
            return x;
        }
        if let Some(x) = self.fs_call(c, &segs, &each) {
            return x;
        }
        if let Some(x) = self.orm_call(c, &segs, &each) {
            return x;
        }
        if let Some(x) = self.sql_call(c, &segs, &each) {
            return x;
        }
        v.deps = union(&v.deps, &f.deps);
        if let Some(mut x) = self.crate_call(c, &segs, &each) {
            x.deps = union(&x.deps, &f.deps);
            x.diverges = v.diverges;
            return x;
        }
        if (last == "max" || last == "min") && c.args.len() == 2 {
            let a = self.expr_shape_probe(&c.args[0], &c.args[1]);
            if let Some((load, other)) = a {
                v.shape = Some(ValueShape::Method {
                    name: last.to_string(),
                    load,
                    other,
                });
            }
        }
        if last == "new" || last == "default" || last == "with_capacity" {
            v.constructed = true;
        }
        v
    }

    /// For `max(a, b)`: which argument is a direct load, and the other's range.
    pub(super) fn expr_shape_probe(
        &self,
        a: &Expr,
        b: &Expr,
    ) -> Option<(OpId, std::ops::Range<usize>)> {
        let direct = |w: &Walker, e: &Expr| -> Option<OpId> {
            let name = path_last(e)?;
            let at = w.lookup(&name)?;
            w.scopes[at.0].bindings[at.1].direct_load
        };
        if let Some(l) = direct(self, a) {
            return Some((l, range_of(b)));
        }
        if let Some(l) = direct(self, b) {
            return Some((l, range_of(a)));
        }
        None
    }

    pub(super) fn mark_escaped(&mut self, e: &Expr) {
        let mut e = e;
        loop {
            match e {
                Expr::Reference(r) => e = &r.expr,
                Expr::Paren(p) => e = &p.expr,
                Expr::Field(f) => e = &f.base,
                _ => break,
            }
        }
        if let Some(name) = path_last(e) {
            if let Some(at) = self.lookup(&name) {
                self.binding_mut(at).escaped = true;
            }
        }
    }

    /// A macro: SQL macros and `format!` carry statements; `ensure!` guards
    /// the rest of the block like an early return (`assert!` is left out:
    /// it states an invariant rather than deciding what runs); others have
    /// their arguments walked.
    pub(super) fn macro_expr(&mut self, m: &syn::Macro) -> Val {
        if let Some(v) = self.sql_macro(m) {
            return v;
        }
        let name = m.path.segments.last().map(|s| s.ident.to_string());
        if matches!(name.as_deref(), Some("ensure")) {
            let v = self.macro_args(m);
            let r = range_of(m);
            let cond = self.push_cond(r.clone(), v.deps.clone(), r.end);
            self.add_post_guard(cond);
            return Val::default();
        }
        self.macro_args(m)
    }

    /// Parses a macro's arguments as expressions where they are (`println!`,
    /// `assert!`, `vec!`), so effects inside them are seen.
    pub(super) fn macro_args(&mut self, m: &syn::Macro) -> Val {
        if !self
            .ctx
            .budget
            .take_macro(crate::lower::macro_range(m).len())
        {
            return Val::default();
        }
        let parsed = m.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated);
        match parsed {
            Ok(args) => self.all(args.iter()),
            Err(_) => Val::default(),
        }
    }
}
