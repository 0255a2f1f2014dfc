//! The walker's state: the values it tracks for expressions and bindings,
//! its scopes and temporaries, and the bookkeeping that records effects
//! (ops, conditions, acquisitions) with their logical time.

use super::orm_state::OrmVal;
use super::redis_state::RedisState;
use super::vocab::call_parts;
use crate::lower::context::{FileCtx, RedisHandle};
use crate::lower::effects::*;
use crate::lower::place::{Place, Receiver};
use crate::lower::range_of;
use crate::sql::{Isolation, SqlSrc};
use std::collections::HashMap;
use std::sync::Arc;
use syn::Expr;

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
    /// `OpenOptions` being built: whether it opens for writing, whether it
    /// can create the file, whether `create_new(true)` makes the open fail
    /// on an existing file, and whether a `mode(..)` was given.
    OpenOptions {
        writes: bool,
        creates: bool,
        create_new: bool,
        mode: bool,
    },
    /// `DirBuilder` being built: `recursive(true)`, `mode(..)`.
    DirBuilder { recursive: bool, mode: bool },
    /// A temporary directory this function made (`tempfile::tempdir()`),
    /// or a path inside one.
    TempPath,
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
    /// An ORM query or model held in the binding.
    pub(crate) orm: Option<OrmVal>,
}

#[derive(Default)]
pub(super) struct Scope {
    pub(super) bindings: Vec<Binding>,
    pub(super) guards: Vec<AcqId>,
    pub(super) post_guards: Vec<CondId>,
}

/// The value of an expression, as far as the rules care.
#[derive(Debug, Clone, Default)]
pub(crate) struct Val {
    pub(super) deps: Deps,
    /// The value is a lock guard (or a place inside one) of this acquisition.
    pub(super) guard: Option<AcqId>,
    /// The value is the guard itself (not a place inside it): binding it
    /// with `let` moves the guard into the binding.
    pub(super) guard_owned: bool,
    /// The value is exactly the result of this atomic load.
    pub(super) direct_load: Option<OpId>,
    pub(super) shape: Option<ValueShape>,
    /// The value is another handle to this shared object (`Arc::clone(&x)`).
    pub(super) alias: Option<Place>,
    /// The value was just constructed (`Mutex::new(..)`).
    pub(super) constructed: bool,
    pub(super) diverges: bool,
    /// SQL text, and whether its literal is in this function.
    pub(super) sql: Option<(Arc<SqlSrc>, bool)>,
    /// A query builder or prepared statement holding these statements.
    pub(super) builder: Vec<ExecId>,
    /// The result of running these statements.
    pub(super) result_of: Vec<ExecId>,
    /// The value is a pool, a connection or a transaction.
    pub(super) exec: Option<Executor>,
    /// A transaction builder, with the isolation chosen so far.
    pub(super) tx_builder: Option<Option<Isolation>>,
    /// A Redis or filesystem handle or builder.
    pub(super) ext: Option<Ext>,
    /// An ORM query being built, or a model (row) it loaded.
    pub(super) orm: Option<OrmVal>,
    /// The value is the result of this call site (see `calls.rs`).
    pub(super) call_site: Option<usize>,
}

impl Val {
    pub(super) fn deps(deps: Deps) -> Val {
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
    pub(super) ctx: &'a FileCtx,
    pub(super) receiver: Receiver,
    pub(super) self_ty: Option<String>,
    pub(super) closure_depth: u32,
    pub(super) facts: FnFacts,
    pub(super) time: Time,
    pub(super) next_binding: usize,
    pub(super) scopes: Vec<Scope>,
    pub(super) cond_stack: Vec<CondId>,
    pub(super) temp_frames: Vec<Vec<AcqId>>,
    pub(super) live: Vec<AcqId>,
    pub(super) target_ids: HashMap<String, TargetId>,
    /// Name → where its bindings are, innermost last: lookups cost the same
    /// however many bindings a long function makes.
    pub(super) names: HashMap<String, Vec<(usize, usize)>>,
    pub(super) discarded: Option<*const Expr>,
    /// The closure being evaluated is an argument of a `spawn`-like call.
    pub(super) spawning: bool,
    /// Raw locks held (see [`Walker::hold_raw_lock`]).
    pub(super) raw_locks: Vec<AcqId>,
    /// Transactions opened with a raw `BEGIN`, by connection.
    pub(super) raw_tx: HashMap<String, TxId>,
    /// `SET TRANSACTION ISOLATION LEVEL` run before the `BEGIN` it applies to.
    pub(super) pending_iso: HashMap<String, Isolation>,
    /// The transaction the function runs in when it received one.
    pub(super) outer_tx: Option<TxId>,
    pub(super) exec_keys: HashMap<OpId, String>,
    pub(super) generics: HashMap<String, String>,
    pub(super) fn_async: bool,
    pub(super) async_depth: u32,
    pub(super) redis: RedisState,
    /// Values for the parameters of the next closure (the connection and
    /// pipeline `redis::transaction` hands its closure).
    pub(super) closure_inputs: Option<Vec<Val>>,
    /// The statement being walked: its range, the name a `let` binds, and
    /// the call it is the whole of (without `?`, `.await`, `.unwrap()`).
    pub(super) cur_stmt: Option<CurStmt>,
}

/// See [`Walker::cur_stmt`]. Found from the statement's own tokens
/// (`let`, `;`), never by re-reading a whole expression.
#[derive(Debug, Clone)]
pub(super) struct CurStmt {
    /// Where a `let` starts; an expression statement starts where its call
    /// does (only suffixes are stripped from it).
    pub(super) start: Option<usize>,
    /// The end of the `;`.
    pub(super) end: usize,
    pub(super) binding: Option<String>,
    /// The address of the call node the statement is the whole of, as an
    /// identity (never dereferenced).
    pub(super) node: usize,
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
                self_ty: input.self_ty.clone(),
                short_name: input
                    .name
                    .rsplit("::")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                arity: input.params.len(),
                params: input.params.iter().map(|(n, _)| n.clone()).collect(),
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
            redis: RedisState::default(),
            closure_inputs: None,
            cur_stmt: None,
        };
        for (name, ty) in &input.params {
            let exclusive = ty.starts_with("&mut")
                || !(ty.starts_with('&')
                    || ty.contains("Arc<")
                    || ty.contains("Rc<")
                    || ty.starts_with("impl")
                    || ty.contains("'static"))
                // `&T` where `T` cannot be shared between threads (it holds a
                // `Cell`, `RefCell`, `Rc`, raw pointer): as for `&self`.
                || (ty.starts_with('&')
                    && crate::lower::context::owner_type(ty).is_some_and(|o| ctx.is_not_sync(&o)));
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

    pub(super) fn tick(&mut self) -> Time {
        self.time += 1;
        self.time
    }

    pub(super) fn blank_binding(&self, name: &str) -> Binding {
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
            orm: None,
        }
    }

    pub(super) fn bind(&mut self, name: String, mut b: Binding) {
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

    pub(super) fn intern(&mut self, place: &Place) -> TargetId {
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
    pub(super) fn push_op(
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
    pub(super) fn push_guard_op(
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

    pub(super) fn push_cond(
        &mut self,
        range: std::ops::Range<usize>,
        deps: Deps,
        end: usize,
    ) -> CondId {
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
    pub(super) fn push_mutation(
        &mut self,
        acq: AcqId,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        deps: Deps,
    ) {
        let what = mc.method.to_string();
        let op = self.push_guard_op(OpKind::GuardMutate { acq, what }, acq, range_of(e), deps);
        self.facts.ops[op].call = Some(call_parts(mc));
    }

    pub(super) fn acquire(
        &mut self,
        place: &Place,
        mode: LockMode,
        range: std::ops::Range<usize>,
    ) -> AcqId {
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

    pub(super) fn release(&mut self, acq: AcqId) {
        if self.facts.acqs[acq].end == Time::MAX {
            let t = self.tick();
            self.facts.acqs[acq].end = t;
            self.live.retain(|&a| a != acq);
        }
    }

    pub(super) fn push_frame(&mut self) {
        self.temp_frames.push(Vec::new());
    }

    /// Ends a statement: its temporaries die.
    pub(super) fn pop_frame(&mut self) {
        if let Some(frame) = self.temp_frames.pop() {
            for acq in frame {
                self.release(acq);
            }
        }
    }

    /// Kills the temporaries of the current frame but keeps the frame.
    pub(super) fn kill_frame_temps(&mut self) {
        let frame = self
            .temp_frames
            .last_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for acq in frame {
            self.release(acq);
        }
    }

    pub(super) fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    pub(super) fn pop_scope(&mut self) -> Vec<CondId> {
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

    pub(super) fn end_scope_guards_all(&mut self) {
        while !self.scopes.is_empty() {
            self.pop_scope();
        }
        while !self.temp_frames.is_empty() {
            self.pop_frame();
        }
    }

    /// The rest of the current block runs only when `cond` went the way that
    /// did not leave it.
    pub(super) fn add_post_guard(&mut self, cond: CondId) {
        self.facts.exit_conds.push(cond);
        self.cond_stack.push(cond);
        if let Some(scope) = self.scopes.last_mut() {
            scope.post_guards.push(cond);
        }
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
