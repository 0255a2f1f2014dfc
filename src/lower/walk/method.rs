//! Method calls: atomics (by signature), lock acquisitions, concurrent
//! maps, calls through guards, then the SQL, Redis and filesystem families.
use super::state::*;
use super::vocab::*;
use crate::lower::effects::*;
use crate::lower::place::Place;
use crate::lower::range_of;
use syn::Expr;

impl Walker<'_> {
    pub(super) fn method_call(
        &mut self,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        discarded: bool,
    ) -> Val {
        let name = mc.method.to_string();
        let nargs = mc.args.len();
        // 1. Atomic operations, recognised by their signatures.
        let atomic = match name.as_str() {
            "load" if nargs == 1 && is_ordering(&mc.args[0]) => Some(OpKind::AtomicLoad),
            "store" if nargs == 2 && is_ordering(&mc.args[1]) => Some(OpKind::AtomicStore),
            "swap" if nargs == 2 && is_ordering(&mc.args[1]) => Some(OpKind::AtomicSwap),
            "fetch_add" | "fetch_sub" | "fetch_or" | "fetch_and" | "fetch_xor" | "fetch_nand"
            | "fetch_max" | "fetch_min"
                if nargs == 2 && is_ordering(&mc.args[1]) =>
            {
                Some(OpKind::AtomicFetch(name.clone()))
            }
            "compare_exchange" | "compare_exchange_weak" if nargs == 4 => Some(OpKind::AtomicCas),
            "compare_and_swap" if nargs == 3 => Some(OpKind::AtomicCas),
            "fetch_update" if nargs == 3 => Some(OpKind::AtomicFetchUpdate),
            _ => None,
        };
        if let Some(kind) = atomic {
            if let Some(place) = self.place(&mc.receiver) {
                let args: Vec<Val> = mc.args.iter().map(|a| self.expr(a)).collect();
                let mut deps = Vec::new();
                for a in &args {
                    deps = union(&deps, &a.deps);
                }
                let literal = mc.args.first().and_then(literal_of);
                let shape = match kind {
                    OpKind::AtomicStore | OpKind::AtomicSwap => {
                        args.first().and_then(|a| a.shape.clone())
                    }
                    _ => None,
                };
                let call = call_parts(mc);
                let is_load = kind == OpKind::AtomicLoad;
                let is_store = kind == OpKind::AtomicStore;
                let constant = mc.args.first().is_some_and(|a| self.is_constant(a));
                let op = self.push_op(
                    kind,
                    &place,
                    range_of(e),
                    deps,
                    !discarded,
                    Some(call),
                    literal,
                    shape,
                );
                self.facts.ops[op].constant = constant;
                return if is_load {
                    Val {
                        deps: vec![op],
                        direct_load: Some(op),
                        ..Val::default()
                    }
                } else if !is_store {
                    // The previous value an RMW returns: a condition on it
                    // (`cas(..).is_ok()`, `fetch_sub(..) == 1`) decides who won.
                    Val {
                        deps: vec![op],
                        ..Val::default()
                    }
                } else {
                    Val::default()
                };
            }
        }
        // 2. Lock acquisitions: `m.lock()`, `rw.read()`, `rw.write()`.
        if nargs == 0 && LOCK_METHODS.contains(&name.as_str()) {
            let recv_is_guard = self.peek_guard(&mc.receiver);
            if !recv_is_guard {
                if let Some(place) = self.place(&mc.receiver) {
                    self.expr(&mc.receiver);
                    let mode = match name.as_str() {
                        "read" | "try_read" | "read_owned" | "blocking_read"
                        | "upgradable_read" | "read_arc" => LockMode::Read,
                        "write" | "try_write" | "write_owned" | "blocking_write" | "write_arc" => {
                            LockMode::Write
                        }
                        _ => LockMode::Exclusive,
                    };
                    let ext = place
                        .ty
                        .as_deref()
                        .and_then(|t| self.ctx.redis_handle(t, &self.generics))
                        .map(Ext::Redis);
                    let acq = self.acquire(&place, mode, range_of(e));
                    return Val {
                        guard: Some(acq),
                        guard_owned: true,
                        ext,
                        ..Val::default()
                    };
                }
            }
        }
        // 3. Concurrent maps: every call locks a shard inside.
        // The method name is checked first: resolving the receiver's place
        // is not free, and most calls are not map calls.
        let base = name.trim_end_matches("_async").trim_end_matches("_sync");
        let is_check = MAP_CHECKS.contains(&name.as_str()) || MAP_CHECKS.contains(&base);
        let is_write = MAP_WRITES.contains(&name.as_str()) || MAP_WRITES.contains(&base);
        let map = if is_check || is_write {
            self.map_place(&mc.receiver)
        } else {
            None
        };
        if let Some(place) = map {
            {
                let args = self.all(mc.args.iter());
                let acq = self.acquire(&place, LockMode::MapCall, range_of(e));
                let parts = call_parts(mc);
                if is_write {
                    self.push_mutation(acq, mc, e, args.deps);
                    return Val::default();
                }
                let op =
                    self.push_guard_op(OpKind::GuardRead { acq }, acq, range_of(e), Vec::new());
                self.facts.ops[op].call = Some(parts);
                return Val {
                    deps: union(&args.deps, &vec![op]),
                    guard: (name == "get" || name == "get_mut" || name == "iter").then_some(acq),
                    guard_owned: true,
                    ..Val::default()
                };
            }
        }
        // `raw.unlock()`: releases a raw lock taken on the same place.
        if name.starts_with("unlock") || name == "force_unlock" {
            if let Some(place) = self.place(&mc.receiver) {
                let found = self
                    .raw_locks
                    .iter()
                    .rposition(|&a| self.facts.targets[self.facts.acqs[a].target].key == place.key);
                if let Some(i) = found {
                    let acq = self.raw_locks.remove(i);
                    self.release(acq);
                }
            }
        }
        // 4. Calls on a guard.
        let recv = self.expr(&mc.receiver);
        // `ONCE.call_once(|| …)`: the closure runs exactly once, as if under
        // a lock on the `Once`.
        let once = if matches!(
            name.as_str(),
            "call_once" | "call_once_force" | "get_or_init" | "get_or_try_init"
        ) {
            self.place(&mc.receiver)
                .map(|p| self.acquire(&p, LockMode::Exclusive, range_of(&mc.receiver)))
        } else {
            None
        };
        let orm_tx = self.orm_tx_closure(mc, &recv);
        let (args, each) = self.call_args_each(mc.args.iter(), is_spawn_like(&name));
        if let Some(tx) = orm_tx {
            self.orm_tx_end(tx);
            return Val::deps(args.deps);
        }
        if let Some(v) = self.redis_method(mc, e, &recv, &each) {
            return v;
        }
        if let Some(v) = self.fs_method(mc, e, &recv, &each) {
            return v;
        }
        if let Some(v) = self.orm_method(mc, e, &recv, &each) {
            return v;
        }
        if let Some(v) = self.sql_method(mc, e, &recv, &each) {
            return v;
        }
        if let Some(acq) = once {
            self.release(acq);
            if let Some(frame) = self.temp_frames.last_mut() {
                frame.retain(|&a| a != acq);
            }
        }
        if EXTERNAL_METHODS.contains(&name.as_str()) {
            let t = self.tick();
            self.facts.external_calls.push((t, range_of(e)));
        }
        if let Some(acq) = recv.guard {
            if GUARD_TRANSPARENT.contains(&name.as_str()) {
                // `m.lock().unwrap()`: still the same guard; widen the
                // acquisition's range to the whole chain.
                let recv_range = range_of(&mc.receiver);
                if self.facts.acqs[acq].range == recv_range {
                    self.facts.acqs[acq].range = range_of(e);
                }
                return Val {
                    guard: Some(acq),
                    guard_owned: recv.guard_owned,
                    deps: recv.deps,
                    ext: recv.ext,
                    ..Val::default()
                };
            }
            if MUTATING.contains(&name.as_str()) {
                self.push_mutation(acq, mc, e, args.deps.clone());
                return Val::deps(args.deps);
            }
            let op = self.push_guard_op(OpKind::GuardRead { acq }, acq, range_of(e), Vec::new());
            return Val {
                deps: union(&union(&recv.deps, &args.deps), &vec![op]),
                guard: BORROWING.contains(&name.as_str()).then_some(acq),
                ..Val::default()
            };
        }
        // 5. A call that may reach the crate's own functions.
        if let Some(mut x) = self.crate_method(mc, e, &recv, &each) {
            x.diverges = recv.diverges || args.diverges;
            return x;
        }
        // 6. Anything else: the result depends on the receiver and arguments.
        let mut v = Val {
            deps: union(&recv.deps, &args.deps),
            diverges: recv.diverges || args.diverges,
            ..Val::default()
        };
        if name == "clone" && nargs == 0 {
            if let Some(mut place) = self.place(&mc.receiver) {
                self.mark_escaped(&mc.receiver);
                place.shared = true;
                v.alias = Some(place);
            }
        }
        if let Some(load) = recv.direct_load {
            if matches!(
                name.as_str(),
                "max" | "min" | "wrapping_add" | "wrapping_sub"
            ) && nargs == 1
            {
                v.shape = Some(ValueShape::Method {
                    name: name.clone(),
                    load,
                    other: range_of(&mc.args[0]),
                });
            }
        }
        v
    }

    /// A literal, or a path that names no local binding (a `const`, an enum
    /// variant, a static).
    pub(super) fn is_constant(&self, e: &Expr) -> bool {
        match e {
            Expr::Lit(_) => true,
            Expr::Paren(p) => self.is_constant(&p.expr),
            Expr::Cast(c) => self.is_constant(&c.expr),
            Expr::Path(p) => {
                p.path.segments.len() > 1
                    || self.lookup(&p.path.segments[0].ident.to_string()).is_none()
            }
            _ => false,
        }
    }

    /// Whether an expression is (a place inside) a guard, without recording
    /// anything.
    pub(super) fn peek_guard(&self, e: &Expr) -> bool {
        match e {
            Expr::Path(p) if p.path.segments.len() == 1 => self
                .lookup(&p.path.segments[0].ident.to_string())
                .is_some_and(|at| self.scopes[at.0].bindings[at.1].guard.is_some()),
            Expr::Paren(p) => self.peek_guard(&p.expr),
            Expr::Unary(u) => self.peek_guard(&u.expr),
            Expr::Field(f) => self.peek_guard(&f.base),
            Expr::MethodCall(mc) => {
                GUARD_TRANSPARENT.contains(&mc.method.to_string().as_str())
                    && self.peek_guard(&mc.receiver)
                    || LOCK_METHODS.contains(&mc.method.to_string().as_str()) && mc.args.is_empty()
            }
            Expr::Await(a) => self.peek_guard(&a.base),
            Expr::Try(t) => self.peek_guard(&t.expr),
            _ => false,
        }
    }

    /// The place of a receiver whose declared type is a concurrent map.
    pub(super) fn map_place(&mut self, e: &Expr) -> Option<Place> {
        if self.peek_guard(e) {
            return None;
        }
        let place = self.place(e)?;
        let ty = place.ty.as_deref()?;
        self.ctx.is_concurrent_map(ty).then_some(place)
    }
}
