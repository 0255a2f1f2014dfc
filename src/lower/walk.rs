//! The walk over one function body that records [`FnFacts`].
//!
//! It follows Rust's evaluation order and drop rules closely enough to know,
//! for every effect, which lock guards are alive, which conditions decide
//! whether it runs, and which earlier reads its value comes from:
//!
//! - a `let`-bound guard lives to the end of its block or to `drop(guard)`;
//! - a temporary guard dies at the end of its statement;
//! - the temporaries of an `if` condition die before the block runs;
//! - a `match` scrutinee's temporaries live through every arm;
//! - an `if let` scrutinee's temporaries live through `else` before edition
//!   2024 and are dropped before it from 2024 on;
//! - a branch that leaves the block (`return`, `continue`, `panic!`…) makes
//!   its condition guard the rest of the block.

use super::context::{Edition, FileCtx};
use super::effects::Root;
use super::effects::*;
use super::place::{Place, Receiver};
use super::range_of;
use crate::sql::{Isolation, SqlSrc};
use std::collections::HashMap;
use std::sync::Arc;
use syn::punctuated::Punctuated;

mod fs;
mod keys;
mod redis;
mod sql;
use super::context::RedisHandle;
use syn::{Expr, Pat, Stmt};

/// A handle to external state, or a builder for an operation on it, that a
/// value stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ext {
    /// A Redis connection, client or pool.
    Redis(RedisHandle),
    /// A `redis::cmd(..)`, `redis::pipe()` or `redis::Script` being built
    /// (an index into the walker's builders).
    RedisBuilder(usize),
    /// A fred transaction (`client.multi()`): its commands are queued.
    FredTrx,
    /// `OpenOptions` being built: whether it opens for writing, and whether
    /// `create_new(true)` makes the open fail on an existing file.
    OpenOptions { writes: bool, create_new: bool },
    /// The result of `fs::metadata(path)`: its `Ok`/`Err` tells whether the
    /// path exists.
    FsMeta(TargetId),
}

/// Where a local binding's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A parameter: `exclusive` for `&mut T` and owned non-`Arc` values.
    Param { exclusive: bool },
    /// Built in this function (`Mutex::new(..)`, `AtomicUsize::new(0)`):
    /// shared only once it escapes into a closure or is cloned.
    Constructed,
    /// Anything else (a call's result, a field clone): assumed shared.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub name: String,
    pub id: usize,
    pub deps: Deps,
    pub guard: Option<AcqId>,
    pub alias: Option<Place>,
    pub origin: Origin,
    pub ty: Option<String>,
    pub direct_load: Option<OpId>,
    pub load_binding: Option<usize>,
    pub escaped: bool,
    pub closure_depth: u32,
    pub sql: Option<(Arc<SqlSrc>, bool)>,
    pub builder: Vec<ExecId>,
    pub result_of: Vec<ExecId>,
    pub exec: Option<Executor>,
    pub tx_builder: Option<Option<Isolation>>,
    pub(crate) ext: Option<Ext>,
    /// For a binding made from a literal or `format!`: the key identity of
    /// its value, so the same template written inline matches it.
    pub key_text: Option<String>,
    /// The initialiser's text (files that use Redis only), for reading
    /// options held in a binding (`let opts = SetOptions::default()…`).
    pub init_text: Option<String>,
    /// How the value is computed from a Redis read (`count.unwrap_or(0) + 1`).
    pub shape: Option<ValueShape>,
}

#[derive(Default)]
struct Scope {
    bindings: Vec<Binding>,
    guards: Vec<AcqId>,
    post_guards: Vec<CondId>,
}

/// The value of an expression, as far as the rules care.
#[derive(Debug, Clone, Default)]
pub(crate) struct Val {
    deps: Deps,
    /// The value is a lock guard (or a place inside one) of this acquisition.
    guard: Option<AcqId>,
    /// The value is the guard itself (not a place inside it): binding it
    /// with `let` moves the guard into the binding.
    guard_owned: bool,
    /// The value is exactly the result of this atomic load.
    direct_load: Option<OpId>,
    shape: Option<ValueShape>,
    /// The value is another handle to this shared object (`Arc::clone(&x)`).
    alias: Option<Place>,
    /// The value was just constructed (`Mutex::new(..)`).
    constructed: bool,
    diverges: bool,
    /// SQL text, and whether its literal is in this function.
    sql: Option<(Arc<SqlSrc>, bool)>,
    /// A query builder or prepared statement holding these statements.
    builder: Vec<ExecId>,
    /// The result of running these statements.
    result_of: Vec<ExecId>,
    /// The value is a pool, a connection or a transaction.
    exec: Option<Executor>,
    /// A transaction builder, with the isolation chosen so far.
    tx_builder: Option<Option<Isolation>>,
    /// A Redis or filesystem handle or builder.
    ext: Option<Ext>,
}

impl Val {
    fn deps(deps: Deps) -> Val {
        Val {
            deps,
            ..Val::default()
        }
    }
}

/// Input for lowering one function.
pub struct FnInput<'a> {
    pub name: String,
    pub receiver: Receiver,
    pub self_ty: Option<String>,
    pub params: Vec<(String, String)>,
    /// Type parameters and their bounds as text (`C` → `AsyncCommands`).
    pub generics: HashMap<String, String>,
    pub is_async: bool,
    pub body: &'a syn::Block,
}

pub struct Walker<'a> {
    pub(crate) ctx: &'a FileCtx,
    pub(crate) receiver: Receiver,
    pub(crate) self_ty: Option<String>,
    pub(crate) closure_depth: u32,
    facts: FnFacts,
    time: Time,
    next_binding: usize,
    scopes: Vec<Scope>,
    cond_stack: Vec<CondId>,
    temp_frames: Vec<Vec<AcqId>>,
    live: Vec<AcqId>,
    target_ids: HashMap<String, TargetId>,
    /// Name → where its bindings are, innermost last: lookups cost the same
    /// however many bindings a long function makes.
    names: HashMap<String, Vec<(usize, usize)>>,
    discarded: Option<*const Expr>,
    /// The closure being evaluated is an argument of a `spawn`-like call.
    spawning: bool,
    /// Raw locks held (see [`Walker::hold_raw_lock`]).
    raw_locks: Vec<AcqId>,
    /// Transactions opened with a raw `BEGIN`, by connection.
    raw_tx: HashMap<String, TxId>,
    /// `SET TRANSACTION ISOLATION LEVEL` run before the `BEGIN` it applies to.
    pending_iso: HashMap<String, Isolation>,
    /// The transaction the function runs in when it received one.
    outer_tx: Option<TxId>,
    exec_keys: sql::ExecKeys,
    generics: HashMap<String, String>,
    fn_async: bool,
    async_depth: u32,
    redis: redis::RedisState,
    /// Values for the parameters of the next closure (the connection and
    /// pipeline `redis::transaction` hands its closure).
    closure_inputs: Option<Vec<Val>>,
}

const LOCK_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "try_read",
    "try_write",
    "lock_owned",
    "read_owned",
    "write_owned",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "upgradable_read",
    "lock_arc",
    "read_arc",
    "write_arc",
];

/// Methods that hand back the guard they were called on (poison handling,
/// `Option`/`Result` unwrapping, explicit derefs).
const GUARD_TRANSPARENT: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok",
    "as_mut",
    "as_ref",
    "deref",
    "deref_mut",
    "borrow",
    "borrow_mut",
    "into_inner",
];

/// Methods that mutate the collection or value behind a guard.
const MUTATING: &[&str] = &[
    "insert",
    "remove",
    "push",
    "push_back",
    "push_front",
    "push_str",
    "pop",
    "pop_back",
    "pop_front",
    "clear",
    "extend",
    "retain",
    "truncate",
    "drain",
    "append",
    "swap_remove",
    "take",
    "replace",
    "get_mut",
    "sort",
    "sort_by",
    "sort_by_key",
    "sort_unstable",
    "dedup",
    "resize",
    "set",
    "remove_entry",
    "split_off",
    "iter_mut",
    "values_mut",
    "insert_str",
    "add_assign",
];

/// Methods whose result borrows from the guard (so the guard stays alive
/// with it).
const BORROWING: &[&str] = &[
    "get", "get_mut", "iter", "values", "keys", "first", "last", "as_slice", "as_str",
];

const MAP_CHECKS: &[&str] = &[
    "contains_key",
    "contains",
    "get",
    "get_mut",
    "len",
    "is_empty",
    "iter",
    "read",
    "get_async",
    "contains_async",
    "read_async",
];

const MAP_WRITES: &[&str] = &[
    "insert",
    "remove",
    "remove_if",
    "remove_if_mut",
    "clear",
    "retain",
    "alter",
    "alter_all",
    "insert_async",
    "remove_async",
    "upsert",
    "upsert_async",
    "invalidate",
    "invalidate_all",
    "put",
];

/// Methods that hand back what they were called on, as far as SQL values
/// and Redis handles go: error plumbing, conversions, reborrows, clones.
pub(crate) const PASS_THROUGH: &[&str] = &[
    "unwrap",
    "expect",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "inspect_err",
    "ok",
    "to_string",
    "to_owned",
    "into",
    "as_str",
    "as_ref",
    "as_mut",
    "deref",
    "deref_mut",
    "borrow",
    "borrow_mut",
    "clone",
];

/// Calls that reach a database, Redis or the filesystem.
const EXTERNAL_METHODS: &[&str] = &[
    "execute",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "query_one",
    "query_opt",
    "query_row",
    "batch_execute",
    "execute_batch",
    "exec_drop",
    "exec_first",
    "query_drop",
    "query_first",
    "query_async",
    "query_as",
];

const ORDERINGS: &[&str] = &["Relaxed", "Release", "Acquire", "AcqRel", "SeqCst"];

fn is_ordering(e: &Expr) -> bool {
    match e {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
            let id = s.ident.to_string();
            ORDERINGS.contains(&id.as_str()) || id.to_ascii_lowercase().contains("ord")
        }),
        Expr::Paren(p) => is_ordering(&p.expr),
        _ => false,
    }
}

fn literal_of(e: &Expr) -> Option<Literal> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Bool(b) => Some(Literal::Bool(b.value)),
            syn::Lit::Int(i) => i.base10_parse::<u128>().ok().map(Literal::Int),
            _ => None,
        },
        Expr::Paren(p) => literal_of(&p.expr),
        Expr::Cast(c) => literal_of(&c.expr),
        _ => None,
    }
}

fn path_last(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn path_segments(e: &Expr) -> Vec<String> {
    match e {
        Expr::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// `panic!`, `unreachable!`… never return.
fn is_diverging_macro(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
        )
    })
}

impl<'a> Walker<'a> {
    pub fn new(ctx: &'a FileCtx, input: &FnInput<'_>) -> Walker<'a> {
        let mut w = Walker {
            ctx,
            receiver: input.receiver,
            self_ty: input.self_ty.clone(),
            closure_depth: 0,
            facts: FnFacts {
                name: input.name.clone(),
                ..FnFacts::default()
            },
            time: 0,
            next_binding: 0,
            scopes: vec![Scope::default()],
            cond_stack: Vec::new(),
            temp_frames: vec![Vec::new()],
            live: Vec::new(),
            target_ids: HashMap::new(),
            names: HashMap::new(),
            discarded: None,
            spawning: false,
            raw_locks: Vec::new(),
            raw_tx: HashMap::new(),
            pending_iso: HashMap::new(),
            outer_tx: None,
            exec_keys: HashMap::new(),
            generics: input.generics.clone(),
            fn_async: input.is_async,
            async_depth: 0,
            redis: redis::RedisState::default(),
            closure_inputs: None,
        };
        for (name, ty) in &input.params {
            let exclusive = ty.starts_with("&mut")
                || !(ty.starts_with('&')
                    || ty.contains("Arc<")
                    || ty.contains("Rc<")
                    || ty.starts_with("impl")
                    || ty.contains("'static"));
            w.bind(
                name.clone(),
                Binding {
                    origin: Origin::Param { exclusive },
                    ty: Some(ty.clone()),
                    ..w.blank_binding(name)
                },
            );
        }
        w
    }

    /// Lowers the body and returns the facts.
    pub fn run(mut self, body: &syn::Block) -> FnFacts {
        let val = self.block(body);
        let t = self.tick();
        self.facts.returns.push((t, val.deps));
        self.end_scope_guards_all();
        self.facts
    }

    fn tick(&mut self) -> Time {
        self.time += 1;
        self.time
    }

    fn blank_binding(&self, name: &str) -> Binding {
        Binding {
            name: name.to_string(),
            id: 0,
            deps: Vec::new(),
            guard: None,
            alias: None,
            origin: Origin::Unknown,
            ty: None,
            direct_load: None,
            load_binding: None,
            escaped: false,
            closure_depth: self.closure_depth,
            sql: None,
            builder: Vec::new(),
            result_of: Vec::new(),
            exec: None,
            tx_builder: None,
            ext: None,
            key_text: None,
            init_text: None,
            shape: None,
        }
    }

    fn bind(&mut self, name: String, mut b: Binding) {
        self.next_binding += 1;
        b.id = self.next_binding;
        b.name = name;
        b.closure_depth = self.closure_depth;
        let Some(si) = self.scopes.len().checked_sub(1) else {
            return;
        };
        let at = (si, self.scopes[si].bindings.len());
        self.names.entry(b.name.clone()).or_default().push(at);
        self.scopes[si].bindings.push(b);
    }

    /// Finds the innermost binding of `name`: (scope index, binding index).
    pub(crate) fn lookup(&self, name: &str) -> Option<(usize, usize)> {
        self.names.get(name).and_then(|at| at.last().copied())
    }

    pub(crate) fn binding_mut(&mut self, at: (usize, usize)) -> &mut Binding {
        &mut self.scopes[at.0].bindings[at.1]
    }

    fn intern(&mut self, place: &Place) -> TargetId {
        if let Some(&id) = self.target_ids.get(&place.key) {
            return id;
        }
        let id = self.facts.targets.len();
        self.facts.targets.push(Target {
            key: place.key.clone(),
            display: place.display.clone(),
            root: place.root,
        });
        self.target_ids.insert(place.key.clone(), id);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn push_op(
        &mut self,
        kind: OpKind,
        place: &Place,
        range: std::ops::Range<usize>,
        deps: Deps,
        result_used: bool,
        call: Option<CallParts>,
        literal: Option<Literal>,
        shape: Option<ValueShape>,
    ) -> OpId {
        let target = self.intern(place);
        let time = self.tick();
        self.facts.ops.push(Op {
            kind,
            target,
            time,
            range,
            deps,
            guards: self.cond_stack.clone(),
            live: self.live.clone(),
            in_closure: self.closure_depth > 0,
            result_used,
            shared: place.shared,
            call,
            literal,
            constant: literal.is_some(),
            shape,
        });
        self.facts.ops.len() - 1
    }

    /// A guard op on the target of acquisition `acq`.
    fn push_guard_op(
        &mut self,
        kind: OpKind,
        acq: AcqId,
        range: std::ops::Range<usize>,
        deps: Deps,
    ) -> OpId {
        let target = self.facts.acqs[acq].target;
        let shared = self.facts.acqs[acq].shared;
        let time = self.tick();
        self.facts.ops.push(Op {
            kind,
            target,
            time,
            range,
            deps,
            guards: self.cond_stack.clone(),
            live: self.live.clone(),
            in_closure: self.closure_depth > 0,
            result_used: true,
            shared,
            call: None,
            literal: None,
            constant: false,
            shape: None,
        });
        self.facts.ops.len() - 1
    }

    fn push_cond(&mut self, range: std::ops::Range<usize>, deps: Deps, end: usize) -> CondId {
        let time = self.tick();
        self.facts.conds.push(Cond {
            time,
            range,
            deps,
            end,
        });
        self.facts.conds.len() - 1
    }

    /// A mutating method call through the guard of `acq`.
    fn push_mutation(&mut self, acq: AcqId, mc: &syn::ExprMethodCall, e: &Expr, deps: Deps) {
        let what = mc.method.to_string();
        let op = self.push_guard_op(OpKind::GuardMutate { acq, what }, acq, range_of(e), deps);
        self.facts.ops[op].call = Some(call_parts(mc));
    }

    fn acquire(&mut self, place: &Place, mode: LockMode, range: std::ops::Range<usize>) -> AcqId {
        let target = self.intern(place);
        let start = self.tick();
        self.facts.acqs.push(Acq {
            target,
            mode,
            start,
            end: Time::MAX,
            range,
            shared: place.shared,
        });
        let id = self.facts.acqs.len() - 1;
        self.live.push(id);
        if let Some(frame) = self.temp_frames.last_mut() {
            frame.push(id);
        }
        id
    }

    fn release(&mut self, acq: AcqId) {
        if self.facts.acqs[acq].end == Time::MAX {
            let t = self.tick();
            self.facts.acqs[acq].end = t;
            self.live.retain(|&a| a != acq);
        }
    }

    fn push_frame(&mut self) {
        self.temp_frames.push(Vec::new());
    }

    /// Ends a statement: its temporaries die.
    fn pop_frame(&mut self) {
        if let Some(frame) = self.temp_frames.pop() {
            for acq in frame {
                self.release(acq);
            }
        }
    }

    /// Kills the temporaries of the current frame but keeps the frame.
    fn kill_frame_temps(&mut self) {
        let frame = self
            .temp_frames
            .last_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for acq in frame {
            self.release(acq);
        }
    }

    fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    fn pop_scope(&mut self) -> Vec<CondId> {
        let Some(scope) = self.scopes.pop() else {
            return Vec::new();
        };
        for b in &scope.bindings {
            if let Some(at) = self.names.get_mut(&b.name) {
                at.pop();
            }
        }
        for acq in scope.guards.into_iter().rev() {
            self.release(acq);
        }
        let keep = self
            .cond_stack
            .len()
            .saturating_sub(scope.post_guards.len());
        self.cond_stack.truncate(keep);
        scope.post_guards
    }

    fn end_scope_guards_all(&mut self) {
        while !self.scopes.is_empty() {
            self.pop_scope();
        }
        while !self.temp_frames.is_empty() {
            self.pop_frame();
        }
    }

    /// The rest of the current block runs only when `cond` went the way that
    /// did not leave it.
    fn add_post_guard(&mut self, cond: CondId) {
        self.cond_stack.push(cond);
        if let Some(scope) = self.scopes.last_mut() {
            scope.post_guards.push(cond);
        }
    }

    // ---- blocks and statements -------------------------------------------

    fn block(&mut self, b: &syn::Block) -> Val {
        self.block_with(b, false)
    }

    /// A block; with `propagate`, an early exit inside it (`if c { return }`)
    /// keeps guarding the code after the block, as it does for a plain
    /// `{ … }` or `unsafe { … }` statement.
    fn block_with(&mut self, b: &syn::Block, propagate: bool) -> Val {
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

    fn stmt(&mut self, stmt: &Stmt) -> Val {
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

    fn local(&mut self, local: &syn::Local) {
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
    fn hold_raw_lock(&mut self, acq: AcqId) {
        for frame in &mut self.temp_frames {
            frame.retain(|&a| a != acq);
        }
        self.raw_locks.push(acq);
    }

    /// Moves a temporary guard of the current statement into a binding of
    /// the current scope: it now lives until the scope ends or `drop`.
    fn claim_guard(&mut self, acq: AcqId) {
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
    fn bind_pattern(
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
                if let Some(init) = init {
                    b.key_text = self.binding_key_text(init);
                    if self.ctx.redis.is_some() {
                        b.init_text = Some(keys::compact(init));
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
                let ty = super::context::type_text(&pt.ty);
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
                let v = Val {
                    deps: val.deps.clone(),
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

    // ---- expressions -------------------------------------------------------

    pub(crate) fn expr(&mut self, e: &Expr) -> Val {
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
                self.bind_pattern(&f.pat, &Val::deps(it.deps), None, None);
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
                let mut v = self.all(s.fields.iter().map(|f| &f.expr));
                if let Some(rest) = &s.rest {
                    let r = self.expr(rest);
                    v.deps = union(&v.deps, &r.deps);
                }
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
    fn widen_acquisition(&mut self, v: &Val, inner: &Expr, outer: &Expr) {
        if let (Some(acq), true) = (v.guard, v.guard_owned) {
            if self.facts.acqs[acq].range == range_of(inner) {
                self.facts.acqs[acq].range = range_of(outer);
            }
        }
    }

    /// A call's arguments; closures among them start now when the call is
    /// `spawn`-like, and run later (as callbacks) otherwise.
    fn call_args_each<'e, I: IntoIterator<Item = &'e Expr>>(
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

    fn all<'e, I: IntoIterator<Item = &'e Expr>>(&mut self, items: I) -> Val {
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

    fn path_expr(&mut self, p: &syn::ExprPath) -> Val {
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
                    ..Val::default()
                };
            }
        }
        if let Some(v) = self.const_sql(p) {
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
    fn read_through(&mut self, v: Val, e: &Expr) -> Val {
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
    fn binary(&mut self, b: &syn::ExprBinary) -> Val {
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

    fn combine(&mut self, b: &syn::ExprBinary, l: Val, r: Val) -> Val {
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

    fn call(&mut self, c: &syn::ExprCall) -> Val {
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
        if let Some(x) = self.sql_call(c, &segs, &each) {
            return x;
        }
        v.deps = union(&v.deps, &f.deps);
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
    fn expr_shape_probe(&self, a: &Expr, b: &Expr) -> Option<(OpId, std::ops::Range<usize>)> {
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

    fn mark_escaped(&mut self, e: &Expr) {
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
    fn macro_expr(&mut self, m: &syn::Macro) -> Val {
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
    fn macro_args(&mut self, m: &syn::Macro) -> Val {
        let parsed = m.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated);
        match parsed {
            Ok(args) => self.all(args.iter()),
            Err(_) => Val::default(),
        }
    }

    fn method_call(&mut self, mc: &syn::ExprMethodCall, e: &Expr, discarded: bool) -> Val {
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
        let (args, each) = self.call_args_each(mc.args.iter(), is_spawn_like(&name));
        if let Some(v) = self.redis_method(mc, e, &recv, &each) {
            return v;
        }
        if let Some(v) = self.fs_method(mc, e, &recv, &each) {
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
        // 5. Anything else: the result depends on the receiver and arguments.
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
    fn is_constant(&self, e: &Expr) -> bool {
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
    fn peek_guard(&self, e: &Expr) -> bool {
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
    fn map_place(&mut self, e: &Expr) -> Option<Place> {
        if self.peek_guard(e) {
            return None;
        }
        let place = self.place(e)?;
        let ty = place.ty.as_deref()?;
        self.ctx.is_concurrent_map(ty).then_some(place)
    }

    fn assign(&mut self, left: &Expr, right: &Expr, op: &str, whole: &Expr) {
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
    fn assign_base(&mut self, left: &Expr) -> Val {
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

    fn static_mut_root(&mut self, e: &Expr) -> Option<Place> {
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

    // ---- control flow ------------------------------------------------------

    /// Evaluates a condition, binding the patterns of its `let`s as it goes
    /// (in the scope the caller opened for the branch), so that a later
    /// operand of a let chain sees them: `if let Some(j) = raw && let Ok(x) =
    /// parse(&j)`. Returns the condition's value and whether it has a `let`.
    fn condition(&mut self, e: &Expr) -> (Val, bool) {
        match e {
            Expr::Let(l) => {
                let v = self.expr(&l.expr);
                self.bind_pattern(&l.pat, &v, None, None);
                (v, true)
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                let (l, ll) = self.condition(&b.left);
                let (r, rl) = self.condition(&b.right);
                (
                    Val {
                        deps: union(&l.deps, &r.deps),
                        ..Val::default()
                    },
                    ll || rl,
                )
            }
            Expr::Paren(p) => self.condition(&p.expr),
            other => (self.expr(other), false),
        }
    }

    fn expr_if(&mut self, i: &syn::ExprIf) -> Val {
        self.push_frame();
        // The scope of the condition's pattern bindings: the then-branch.
        self.push_scope();
        let (cond_val, is_let) = self.condition(&i.cond);
        if !is_let {
            if let (Some(acq), true) = (cond_val.guard, cond_val.guard_owned) {
                // `if raw.try_lock() { … }`: a lock whose API returns `bool`
                // stays held until `unlock()`, not until the statement ends.
                self.hold_raw_lock(acq);
            }
        }
        let cond = self.push_cond(range_of(&i.cond), cond_val.deps.clone(), if_end(i));
        if !is_let {
            // An `if` condition's temporaries die before the block runs.
            self.kill_frame_temps();
        }
        self.cond_stack.push(cond);
        let then = self.block(&i.then_branch);
        self.pop_scope();
        if is_let && self.ctx.edition >= Edition::E2024 {
            self.kill_frame_temps();
        }
        let els = i.else_branch.as_ref().map(|(_, e)| self.expr(e));
        self.cond_stack.pop();
        self.pop_frame();
        let else_div = els.as_ref().is_some_and(|v| v.diverges);
        if then.diverges != else_div {
            self.add_post_guard(cond);
        }
        // An `if` without `else` has type `()`: its value depends on nothing.
        let deps = match &els {
            Some(v) => union(&union(&cond_val.deps, &then.deps), &v.deps),
            None => Vec::new(),
        };
        Val {
            deps,
            diverges: then.diverges && else_div,
            ..Val::default()
        }
    }

    fn expr_match(&mut self, m: &syn::ExprMatch) -> Val {
        self.push_frame();
        let scrut = self.expr(&m.expr);
        let cond = self.push_cond(
            range_of(&m.expr),
            scrut.deps.clone(),
            m.brace_token.span.close().byte_range().end,
        );
        self.cond_stack.push(cond);
        let mut deps = scrut.deps.clone();
        let mut any_div = false;
        let mut all_div = !m.arms.is_empty();
        for arm in &m.arms {
            self.push_scope();
            self.bind_pattern(&arm.pat, &Val::deps(scrut.deps.clone()), None, None);
            let mut pushed = false;
            if let Some((_, g)) = &arm.guard {
                let gv = self.expr(g);
                let gc = self.push_cond(
                    range_of(g),
                    gv.deps,
                    m.brace_token.span.close().byte_range().end,
                );
                self.cond_stack.push(gc);
                pushed = true;
            }
            let v = self.expr(&arm.body);
            if pushed {
                self.cond_stack.pop();
            }
            self.pop_scope();
            deps = union(&deps, &v.deps);
            any_div |= v.diverges;
            all_div &= v.diverges;
        }
        self.cond_stack.pop();
        // The scrutinee's temporaries live through every arm.
        self.pop_frame();
        if any_div && !all_div {
            self.add_post_guard(cond);
        }
        Val {
            deps,
            diverges: all_div,
            ..Val::default()
        }
    }

    fn expr_while(&mut self, w: &syn::ExprWhile) -> Val {
        self.push_frame();
        self.push_scope();
        let (cond_val, is_let) = self.condition(&w.cond);
        let cond = self.push_cond(
            range_of(&w.cond),
            cond_val.deps.clone(),
            w.body.brace_token.span.close().byte_range().end,
        );
        if !is_let {
            self.kill_frame_temps();
        }
        self.cond_stack.push(cond);
        self.block(&w.body);
        self.pop_scope();
        self.cond_stack.pop();
        self.pop_frame();
        // A spin-wait (`while FLAG.load(o) { spin_loop() }`) guards what
        // follows it: the code after runs once the condition went false.
        if !is_let && is_spin_body(&w.body) {
            self.add_post_guard(cond);
        }
        Val::default()
    }
}
/// The dependencies of a call's result: its receiver's and its arguments'.
pub(crate) fn call_deps(recv: &Val, args: &[Val]) -> Deps {
    let mut deps = recv.deps.clone();
    for a in args {
        deps = union(&deps, &a.deps);
    }
    deps
}

/// `thread::spawn`, `tokio::spawn`, `spawn_blocking`, `scope.spawn`…: the
/// closure starts running now, under the conditions around the call.
fn is_spawn_like(name: &str) -> bool {
    name.starts_with("spawn") || name.ends_with("_spawn") || name == "block_on" || name == "scope"
}

/// Where an `if … else if … else …` chain ends.
fn if_end(i: &syn::ExprIf) -> usize {
    match &i.else_branch {
        None => i.then_branch.brace_token.span.close().byte_range().end,
        Some((_, e)) => match &**e {
            Expr::If(x) => if_end(x),
            Expr::Block(b) => b.block.brace_token.span.close().byte_range().end,
            other => range_of(other).end,
        },
    }
}

fn else_block_end(e: &Expr) -> usize {
    match e {
        Expr::Block(b) => b.block.brace_token.span.close().byte_range().end,
        other => range_of(other).end,
    }
}

/// `+=`, `-=`… (syn 2 writes them as binary expressions).
fn compound_assign_op(op: &syn::BinOp) -> Option<&'static str> {
    use syn::BinOp::*;
    Some(match op {
        AddAssign(_) => "+=",
        SubAssign(_) => "-=",
        MulAssign(_) => "*=",
        DivAssign(_) => "/=",
        RemAssign(_) => "%=",
        BitXorAssign(_) => "^=",
        BitAndAssign(_) => "&=",
        BitOrAssign(_) => "|=",
        ShlAssign(_) => "<<=",
        ShrAssign(_) => ">>=",
        _ => return None,
    })
}

fn call_parts(mc: &syn::ExprMethodCall) -> CallParts {
    CallParts {
        receiver: range_of(&mc.receiver),
        method: range_of(&mc.method),
        args: mc.args.iter().map(range_of).collect(),
    }
}

/// A loop body that only waits: empty, or calls such as `spin_loop()`,
/// `yield_now()`, `sleep(..)`.
fn is_spin_body(body: &syn::Block) -> bool {
    body.stmts.len() <= 1
        && body.stmts.iter().all(|s| match s {
            Stmt::Expr(Expr::Call(_), _) | Stmt::Expr(Expr::Await(_), _) | Stmt::Macro(_) => true,
            Stmt::Expr(Expr::MethodCall(mc), _) => {
                !MUTATING.contains(&mc.method.to_string().as_str())
            }
            _ => false,
        })
}

/// The type a constructor call names: `DashMap::new()` → `DashMap`,
/// `Arc::new(DashMap::new())` → `Arc<DashMap>`.
fn constructor_type(init: &Expr) -> Option<String> {
    match init {
        Expr::Call(c) => {
            let segs = path_segments(&c.func);
            if segs.len() >= 2
                && matches!(
                    segs[segs.len() - 1].as_str(),
                    "new" | "default" | "with_capacity"
                )
            {
                // The whole path (`scc::HashMap`), so the crate is known
                // even without a `use`.
                let ty = segs[..segs.len() - 1].join("::");
                let wrapper = segs[segs.len() - 2].as_str();
                if matches!(wrapper, "Arc" | "Rc" | "Box") {
                    let inner = c
                        .args
                        .first()
                        .and_then(constructor_type)
                        .unwrap_or_default();
                    return Some(format!("{wrapper}<{inner}>"));
                }
                return Some(ty);
            }
            None
        }
        Expr::Paren(p) => constructor_type(&p.expr),
        _ => None,
    }
}
