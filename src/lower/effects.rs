//! The vocabulary that rules read: what one function body does to shared
//! state, in source order.
//!
//! A rule never walks syntax. Everything it needs — which atomic was loaded,
//! which lock acquisition a read happened under, which conditions decide
//! whether a write runs, when a guard dies — is recorded here by the lowering.

use std::ops::Range;

pub type OpId = usize;
pub type CondId = usize;
pub type AcqId = usize;
pub type TargetId = usize;
pub type ExecId = usize;
pub type TxId = usize;
pub type RedisId = usize;
pub type FsId = usize;

/// Sorted, deduplicated set of the ops whose *values* flow into an expression.
pub type Deps = Vec<OpId>;

/// A logical time stamp; every recorded event gets a larger one than the last.
pub type Time = u32;

/// Where a piece of shared state lives, which decides whether two calls of
/// the function can touch it at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// A `static` item (always shared).
    Static { mutable: bool },
    /// A field reached through `self`.
    SelfField,
    /// A local binding or a parameter.
    Local,
    /// A path the analysis cannot resolve (another module's static, say).
    Other,
}

/// One piece of state: an atomic, a lock, a concurrent map, a `static mut`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Identity: two accesses with the same key touch the same object.
    pub key: String,
    /// How the user wrote it, for messages (`self.sessions`, `NEXT_ID`).
    pub display: String,
    pub root: Root,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// `lock()`, `try_lock()`: exclusive.
    Exclusive,
    /// `read()`: shared.
    Read,
    /// `write()`: exclusive.
    Write,
    /// One call on a concurrent map (`DashMap::insert`), which locks inside.
    MapCall,
}

/// One acquisition of a lock: from the call that takes it to the moment its
/// guard is dropped.
#[derive(Debug, Clone)]
pub struct Acq {
    pub target: TargetId,
    pub mode: LockMode,
    pub start: Time,
    /// When the guard died; `Time::MAX` while alive (and at the end, if it
    /// lived to the end of the function).
    pub end: Time,
    /// The acquisition expression with its `.unwrap()` / `.await` / `?`.
    pub range: Range<usize>,
    pub shared: bool,
}

/// A decision: the code it guards runs or not depending on `deps`.
#[derive(Debug, Clone)]
pub struct Cond {
    pub time: Time,
    pub range: Range<usize>,
    pub deps: Deps,
    /// Where the whole construct (`if … else …`, `match`, loop) ends: an op
    /// after this offset runs only when the condition did *not* lead out.
    pub end: usize,
}

impl Cond {
    /// Whether `op_start` lies after the construct, i.e. the op is guarded
    /// by an early exit rather than sitting in a branch.
    pub fn guards_from_before(&self, op_start: usize) -> bool {
        op_start >= self.end
    }
}

/// A literal written by a store or an assignment, for telling a flag's
/// "set" from its "clear".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literal {
    Bool(bool),
    Int(u128),
}

impl Literal {
    /// `true`/non-zero sets a flag; `false`/0 clears it.
    pub fn is_set(self) -> bool {
        match self {
            Literal::Bool(b) => b,
            Literal::Int(i) => i != 0,
        }
    }
}

/// How a stored value is computed from a load of the same atomic, when it
/// maps onto one read-modify-write instruction.
#[derive(Debug, Clone)]
pub enum ValueShape {
    /// `load <op> other` or `other <op> load` (`op` is `+ - | & ^`).
    Binary {
        op: &'static str,
        load: OpId,
        other: Range<usize>,
        load_on_left: bool,
    },
    /// `load.max(other)`, `load.min(other)`, `load.wrapping_add(other)`,
    /// `load.wrapping_sub(other)`.
    Method {
        name: String,
        load: OpId,
        other: Range<usize>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpKind {
    AtomicLoad,
    AtomicStore,
    AtomicSwap,
    /// `fetch_add`, `fetch_or`, … (the method name).
    AtomicFetch(String),
    /// `compare_exchange` / `compare_exchange_weak` / `compare_and_swap`.
    AtomicCas,
    AtomicFetchUpdate,
    /// A value read through the guard of an acquisition.
    GuardRead {
        acq: AcqId,
    },
    /// A mutation through the guard of an acquisition (method name or `=`).
    GuardMutate {
        acq: AcqId,
        what: String,
    },
    /// A read of a `static mut`.
    StaticRead,
    /// An assignment to a `static mut`: `op` is `=` or a compound operator.
    StaticWrite {
        op: String,
    },
    /// A SQL statement run against a database (see [`SqlExec`]).
    Sql(ExecId),
    /// A command sent to Redis (see [`RedisCmd`]); the target is its key.
    Redis(RedisId),
    /// A filesystem check or use (see [`FsEffect`]); the target is its path.
    Fs(FsId),
    /// A call that may reach a function of the crate (see [`CallSite`]);
    /// the crate-level phase replaces it with what the callee does.
    Call(usize),
}

/// How a call names its callee, for resolution against the crate's
/// functions (SPEC §7, resolution without types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// `f(..)`, `module::f(..)`, `Type::f(..)` with the first segment
    /// resolved through the file's `use` items.
    Path(Vec<String>),
    /// `recv.f(..)`.
    Method { name: String, recv: Recv },
}

/// What is known about a method call's receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recv {
    /// `self.f(..)`.
    SelfValue,
    /// A receiver of a known type (its last path segment).
    Typed(String),
    Unknown,
}

/// One argument of a call (the receiver first, for methods).
#[derive(Debug, Clone)]
pub struct CallArg {
    pub deps: Deps,
    /// The argument is a pool, connection or transaction.
    pub exec: Option<Executor>,
    pub range: Range<usize>,
}

/// A call the lowering could not read as any known family.
#[derive(Debug, Clone)]
pub struct CallSite {
    pub op: OpId,
    pub callee: Callee,
    pub args: Vec<CallArg>,
    /// Whether `args[0]` is the receiver.
    pub method: bool,
    pub range: Range<usize>,
    /// The `?` on the call's result: an early exit that decides the rest of
    /// the block when the callee is a check function.
    pub check_cond: Option<CondId>,
    /// The call's result is thrown away (`repo.save(..).await?;`): the
    /// expression, for a callee that returns what must be checked.
    pub discarded: Option<Range<usize>>,
}

/// What a statement runs on, which decides whether a transaction is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executor {
    /// A connection pool: each statement may take another connection, in
    /// autocommit mode.
    Pool,
    /// A connection the function obtained itself (`pool.acquire()`,
    /// `Client::connect`): autocommit unless a transaction is open on it.
    OwnConn,
    /// A connection or executor the caller handed in: it may already be
    /// inside the caller's transaction.
    Param,
    Tx(TxId),
    Unknown,
}

/// The database client crate a statement goes through, which decides how
/// a rewrite is spelled in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlApi {
    Sqlx,
    /// tokio-postgres or postgres.
    Postgres,
    Rusqlite,
    /// mysql_async or mysql.
    MySql,
    /// diesel or diesel-async query builders.
    Diesel,
    /// sea-orm query builders.
    SeaOrm,
}

/// A transaction: begun by a builder call or a raw `BEGIN`, or received as
/// a parameter.
#[derive(Debug, Clone)]
pub struct Tx {
    pub isolation: Option<crate::sql::Isolation>,
    /// SQLite `BEGIN IMMEDIATE`/`EXCLUSIVE`: writers are serialised from
    /// the start.
    pub immediate: bool,
    pub begin: Time,
    pub end: Time,
}

/// One SQL statement the function runs.
#[derive(Debug, Clone)]
pub struct SqlExec {
    pub src: std::sync::Arc<crate::sql::SqlSrc>,
    /// Which statement of the string.
    pub index: usize,
    pub op: OpId,
    /// The primary span: the literal when it is in this function, else the
    /// call that runs it.
    pub range: Range<usize>,
    /// The literal is in this function, so an edit may change it.
    pub local: bool,
    pub executor: Executor,
    /// The executor expression as written (`&mut *tx`, `&pool`).
    pub executor_range: Option<Range<usize>>,
    /// The whole call that runs the statement.
    pub call: Range<usize>,
    pub api: Option<SqlApi>,
    /// The method that runs it (`execute`, `fetch_optional`, `query_one`).
    pub method: String,
    /// Bound values in placeholder order (`.bind(x)`, `&[&a, &b]`, macro
    /// arguments).
    pub params: Vec<Range<usize>>,
    /// The result (affected rows, returned row) is thrown away.
    pub discarded: bool,
    /// The result went into a binding: how often that binding is read.
    pub bound_reads: Option<u32>,
    /// The expression whose value was thrown away (`q.execute(&pool).await?`).
    pub discarded_expr: Option<Range<usize>>,
    /// The statement runs inside this called function of the crate (the
    /// call is `call`); its result reaches the caller as the callee returns it.
    pub via: Option<String>,
}

impl SqlExec {
    pub fn stmt(&self) -> &crate::sql::SqlStmt {
        &self.src.parsed.stmts[self.index]
    }

    /// The statement's dialect: from the file's crates or placeholders,
    /// else from the client crate that runs it.
    pub fn dialect(&self) -> crate::sql::Dialect {
        use crate::sql::Dialect;
        match (self.src.parsed.dialect_known, self.api) {
            (false, Some(SqlApi::MySql)) => Dialect::MySql,
            (false, Some(SqlApi::Rusqlite)) => Dialect::Sqlite,
            _ => self.src.parsed.dialect,
        }
    }

    /// Whether anything looks at the result.
    pub fn result_checked(&self) -> bool {
        !self.discarded && self.bound_reads != Some(0)
    }
}

/// What a Redis command does to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisKind {
    /// `GET`, `HGET`, `EXISTS`, `HEXISTS`: the value (or its presence) is read.
    Read,
    /// `SET`, `SETEX`, `PSETEX`, `SETNX`, `HSET`, `HMSET`, `GETSET`.
    Write,
    /// `DEL`, `UNLINK`.
    Delete,
    /// `INCR`, `INCRBY`, `DECRBY`, `HINCRBY`: read-modify-write in one step.
    Incr,
    /// `EXPIRE`, `PEXPIRE`.
    Expire,
    /// `EVAL`, `EVALSHA`, `redis::Script`: atomic on the server.
    Script,
    /// `WATCH`.
    Watch,
}

/// How the user sends a command, which decides how a rewrite is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisForm {
    /// A `redis` crate `Commands` / `AsyncCommands` method on a connection
    /// (also through deadpool-redis and bb8-redis connections).
    Commands,
    /// `redis::cmd("SET").arg(…)…query(&mut con)`.
    Cmd,
    /// A method added to a `redis::pipe()`.
    Pipe,
    /// A `fred` client, pool or transaction method.
    Fred,
}

/// One Redis command the function sends.
#[derive(Debug, Clone)]
pub struct RedisCmd {
    pub op: OpId,
    /// The command as Redis names it (`GET`, `SET`, `HSET`, `DEL`).
    pub name: String,
    pub kind: RedisKind,
    pub form: RedisForm,
    /// The key as written.
    pub key: Range<usize>,
    /// The hash field: its identity and how it is written.
    pub field: Option<(String, Range<usize>)>,
    /// The value written (SET, HSET) or the increment (INCRBY).
    pub value: Option<Range<usize>>,
    /// `SET … NX`, `SETNX`, `HSETNX`, `set_nx`: only written when absent.
    pub nx: bool,
    /// An expiry in the same command (`EX`/`PX`, `SETEX`, `set_ex`).
    pub expiry: bool,
    /// The expiry as written: its unit (`EX`, `PX`; empty for a fred
    /// `Expiration` argument) and the argument.
    pub ttl: Option<(&'static str, Range<usize>)>,
    /// Queued in a MULTI: an atomic pipeline, raw `MULTI` … `EXEC`, a fred
    /// transaction, or `redis::transaction`'s closure.
    pub in_multi: bool,
    /// The key was WATCHed before this command (or it runs inside
    /// `redis::transaction`, which watches its keys).
    pub watched: bool,
    /// The whole command expression (`con.set(&k, v)`, the `cmd(…)…query(…)` chain).
    pub call: Range<usize>,
    /// The connection as written (the receiver, or the argument of `query`).
    pub conn: Option<Range<usize>>,
    /// The receiver is already a `&mut` connection (a `&mut C` parameter),
    /// so it is passed to `query(..)` as it is.
    pub conn_ref: bool,
    /// The method's turbofish (`::<_, _, ()>`), kept by rewrites.
    pub turbofish: Option<Range<usize>>,
    /// The method that sends a `cmd` chain or pipeline (`query_async`).
    pub runner: Option<String>,
    /// That method call as written, through its arguments
    /// (`query_async::<()>(con)`), kept by in-place rewrites.
    pub tail: Option<Range<usize>>,
    /// The function is async (or this is inside an `async` block).
    pub is_async: bool,
}

/// What a filesystem call does with its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    /// `exists`, `try_exists`, `is_file`, `is_dir`, `metadata(..)`.
    Check,
    /// `File::create`, `fs::write`, `OpenOptions::…open` for writing.
    Write,
    CreateDir,
    /// `remove_file`, `remove_dir`, `remove_dir_all`.
    Remove,
    Rename,
    Copy,
    SetPermissions,
    /// `create_dir_all`, `DirBuilder` with `recursive(true)`: succeeds when
    /// the directory is already there.
    CreateDirAll,
    /// `os::unix::fs::symlink(target, link)`: the path is the link.
    Symlink,
    /// `os::unix::fs::chown` / `lchown`, `nix`/`rustix` `chown` by path.
    SetOwner,
    /// A call of the function itself with the path (`what` is the
    /// function's name), or `read_dir` of it: going into the directory.
    Recurse,
}

impl FsKind {
    /// Whether the call makes a new file, directory or link at its path.
    pub fn makes(self) -> bool {
        matches!(
            self,
            FsKind::Write | FsKind::CreateDir | FsKind::CreateDirAll | FsKind::Symlink
        )
    }
}

/// The statement a filesystem call is the whole of (`let f = File::create(p)?;`,
/// `fs::set_permissions(p, m)?;`), so a fix can rewrite or remove it.
#[derive(Debug, Clone)]
pub struct FsStmt {
    /// The statement, from its first token through the `;`.
    pub range: Range<usize>,
    /// `let [mut] name = …`: the name the result is bound to.
    pub binding: Option<String>,
}

/// One filesystem check or use of a path.
#[derive(Debug, Clone)]
pub struct FsEffect {
    pub op: OpId,
    pub kind: FsKind,
    /// The call as the user spelled it (`path.exists`, `fs::write`,
    /// `tokio::fs::remove_file`, `OpenOptions::open`).
    pub what: String,
    /// The path expression as written.
    pub path: Range<usize>,
    /// The whole call.
    pub call: Range<usize>,
    /// The call's arguments (`fs::write(path, contents)`).
    pub args: Vec<Range<usize>>,
    /// Through `tokio::fs` (rewrites add `.await`).
    pub tokio: bool,
    /// For `rename`/`copy`: this effect is on the destination path.
    pub dest: bool,
    /// For `rename`/`copy`: the other path's target.
    pub other: Option<TargetId>,
    /// A `Write` that can make the file (`File::create`, `fs::write`, an
    /// open with `create`), not only open one that is there.
    pub creates: bool,
    /// Fails on an existing path instead of following it (`create_new(true)`,
    /// `O_CREAT | O_EXCL`): a fresh file, never a planted one.
    pub new_only: bool,
    /// Made with its mode (`OpenOptionsExt::mode`, `DirBuilderExt::mode`,
    /// `mkdir(p, mode)`).
    pub with_mode: bool,
    /// The path lies in a temporary directory this function made
    /// (`tempfile::tempdir()`), which no other process can write.
    pub temp: bool,
    /// For `set_permissions(p, Permissions::from_mode(m))`: `m`.
    pub mode: Option<Range<usize>>,
    /// The statement the call is the whole of.
    pub stmt: Option<FsStmt>,
}

/// Source ranges of a method call, so rules can rebuild it from the user's
/// own text.
#[derive(Debug, Clone, Default)]
pub struct CallParts {
    pub receiver: Range<usize>,
    pub method: Range<usize>,
    pub args: Vec<Range<usize>>,
}

/// One effect on shared state.
#[derive(Debug, Clone)]
pub struct Op {
    pub kind: OpKind,
    pub target: TargetId,
    pub time: Time,
    /// The whole expression (call or assignment).
    pub range: Range<usize>,
    /// Ops whose values flow into this op's input (a store's value, a
    /// fetch's operand, an assignment's right-hand side).
    pub deps: Deps,
    /// Conditions deciding whether this op runs, outermost first.
    pub guards: Vec<CondId>,
    /// Acquisitions whose guards are alive when this op runs.
    pub live: Vec<AcqId>,
    pub in_closure: bool,
    /// False when the call's result is thrown away (`x.fetch_or(b, o);`).
    pub result_used: bool,
    /// Whether the state is shared (see [`Root`] and the receiver kind).
    pub shared: bool,
    pub call: Option<CallParts>,
    pub literal: Option<Literal>,
    /// The written value is a constant: a literal, or a path that is not a
    /// local (a `const`, an enum variant, a static).
    pub constant: bool,
    pub shape: Option<ValueShape>,
}

/// `let v = X.load(o);`: kept so a fix can remove the binding when the store
/// it feeds was its only use.
#[derive(Debug, Clone)]
pub struct LoadBinding {
    pub name: String,
    pub load: OpId,
    pub stmt: Range<usize>,
    pub reads: u32,
}

#[derive(Debug, Clone)]
pub struct ValueLet {
    pub name: String,
    pub init: Range<usize>,
    pub deps: Deps,
}

/// Everything the rules know about one function body.
#[derive(Debug, Default)]
pub struct FnFacts {
    /// `Type::method` or `function`, inside inline modules `module::…`.
    pub name: String,
    pub targets: Vec<Target>,
    pub ops: Vec<Op>,
    pub conds: Vec<Cond>,
    pub acqs: Vec<Acq>,
    /// Values that leave the function (`return v`, the tail expression).
    pub returns: Vec<(Time, Deps)>,
    pub load_bindings: Vec<LoadBinding>,
    /// `let name = init;` bindings whose value depends on shared state, so a
    /// suggestion can inline `init` where `name` is used.
    pub value_lets: Vec<ValueLet>,
    /// Calls that reach a database, Redis or the filesystem.
    pub external_calls: Vec<(Time, Range<usize>)>,
    pub sql: Vec<SqlExec>,
    pub txs: Vec<Tx>,
    pub redis: Vec<RedisCmd>,
    pub fs: Vec<FsEffect>,
    /// Calls that may reach the crate's own functions.
    pub calls: Vec<CallSite>,
    /// Conditions whose branch leaves the function or block early.
    pub exit_conds: Vec<CondId>,
    /// The `impl` type of a method, its bare name and its parameter count
    /// (receiver excluded), for resolving calls to it.
    pub self_ty: Option<String>,
    pub short_name: String,
    pub arity: usize,
    /// Parameter names by position (receiver excluded).
    pub params: Vec<String>,
}

impl FnFacts {
    pub fn target(&self, id: TargetId) -> &Target {
        &self.targets[id]
    }

    pub fn op(&self, id: OpId) -> &Op {
        &self.ops[id]
    }

    /// The transaction a statement runs in, if any.
    pub fn tx_of(&self, exec: &SqlExec) -> Option<&Tx> {
        match exec.executor {
            Executor::Tx(id) => self.txs.get(id),
            _ => None,
        }
    }

    /// Whether `dep` (an op) decides whether `op` runs: a condition around
    /// it, or an early exit before it, depends on `dep`'s value.
    pub fn controls(&self, dep: OpId, op: OpId) -> bool {
        self.ops[op]
            .guards
            .iter()
            .any(|&c| self.conds[c].deps.contains(&dep))
    }

    /// Whether `dep`'s value flows into `op`'s input.
    pub fn feeds(&self, dep: OpId, op: OpId) -> bool {
        self.ops[op].deps.contains(&dep)
    }
}

/// Union of two dependency sets.
pub fn union(a: &Deps, b: &Deps) -> Deps {
    if a.is_empty() {
        return b.clone();
    }
    if b.is_empty() {
        return a.clone();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out.dedup();
    out
}
