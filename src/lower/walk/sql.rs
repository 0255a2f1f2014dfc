//! The SQL part of the walk: where statements come from (literals,
//! `format!`, `concat!`, sqlx macros, `const`s), what runs them (a pool, a
//! connection, a transaction), and what happens to their results.
//!
//! A string that reads as SQL becomes a value carrying it; the statement is
//! recorded where that value is *used* — handed to `sqlx::query`, a
//! client's `execute`, a macro — so a `let q = "…"` made before an `if`
//! still runs under the `if`. A query builder carries its statements until
//! a method with an executor runs them (`.fetch_one(&mut *tx)`).

use super::state::{Val, Walker};
use super::vocab::PASS_THROUGH;
use crate::lower::effects::*;
use crate::lower::range_of;
use crate::sql::{self, Isolation, Kind, SqlSrc, SqlText};
use quote::ToTokens;
use std::ops::Range;
use std::sync::Arc;
use syn::punctuated::Punctuated;
use syn::Expr;

/// sqlx functions whose first argument is the query.
const SQLX_FNS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
];

/// sqlx macros; `*_as` ones take the output type first.
const SQLX_MACROS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
    "query_file",
    "query_file_as",
    "query_file_scalar",
    "query_file_unchecked",
    "query_file_as_unchecked",
];

/// Client methods whose first argument is the statement.
const CLIENT_METHODS: &[&str] = &[
    "query",
    "query_one",
    "query_opt",
    "query_raw",
    "query_typed",
    "execute",
    "execute_raw",
    "prepare",
    "prepare_cached",
    "prepare_typed",
    "batch_execute",
    "simple_query",
    "query_row",
    "query_row_and_then",
    "execute_batch",
    "exec_first",
    "exec_drop",
    "exec",
    "exec_map",
    "exec_iter",
    "exec_fold",
    "query_first",
    "query_drop",
    "query_map",
    "query_iter",
    "query_fold",
    "fetch_one",
    "fetch_optional",
    "fetch_all",
    "fetch",
];

/// Methods that run a built query (sqlx builders, prepared statements,
/// mysql_async's `Query` trait on strings).
const RUN_METHODS: &[&str] = &[
    "execute",
    "execute_many",
    "fetch",
    "fetch_one",
    "fetch_optional",
    "fetch_all",
    "fetch_many",
    "run",
    "first",
    "ignore",
    "query",
    "query_row",
    "query_map",
    "query_and_then",
    "exists",
    "insert",
    "get_result",
    "get_results",
    "load",
];

/// Methods that add to a query builder without running it.
const BUILDER_METHODS: &[&str] = &[
    "bind",
    "bind_all",
    "persistent",
    "map",
    "try_map",
    "with",
    "bind_unchecked",
];

/// Methods that open a transaction.
const BEGIN_METHODS: &[&str] = &[
    "begin",
    "begin_with_config",
    "begin_with",
    "transaction",
    "unchecked_transaction",
    "transaction_with_behavior",
    "start_transaction",
];

fn macro_name(m: &syn::Macro) -> (String, bool) {
    let segs: Vec<String> = m
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let last = segs.last().cloned().unwrap_or_default();
    (last, segs.first().is_some_and(|s| s == "sqlx"))
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip(&r.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
        Expr::MethodCall(mc)
            if mc.args.is_empty()
                && matches!(
                    mc.method.to_string().as_str(),
                    "as_mut" | "as_ref" | "deref" | "deref_mut" | "borrow" | "borrow_mut"
                ) =>
        {
            strip(&mc.receiver)
        }
        _ => e,
    }
}

fn tokens_text(e: &impl ToTokens) -> String {
    e.to_token_stream().to_string()
}

/// Isolation named in builder arguments (`IsolationLevel::Serializable`,
/// `TxOpts::default().with_isolation_level(..)`).
fn isolation_in(text: &str) -> Option<Isolation> {
    if text.contains("Serializable") {
        Some(Isolation::Serializable)
    } else if text.contains("RepeatableRead") {
        Some(Isolation::RepeatableRead)
    } else {
        None
    }
}

/// What a type says about an executor parameter or field.
fn executor_of_type(ty: &str) -> Option<Executor> {
    if ty.contains("Transaction") {
        return None;
    }
    // sea-orm's `DatabaseConnection` is a pool: each statement autocommits.
    if ty.contains("DatabaseConnection") {
        return Some(Executor::Pool);
    }
    if ty.contains("PoolConnection") || ty.contains("PooledConnection") {
        return Some(Executor::Param);
    }
    if ty.contains("Pool") {
        return Some(Executor::Pool);
    }
    if [
        "Connection",
        "Conn",
        "Client",
        "Executor",
        "Acquire",
        "Object",
    ]
    .iter()
    .any(|k| ty.contains(k))
    {
        return Some(Executor::Param);
    }
    None
}

fn is_tx_name(name: &str) -> bool {
    matches!(
        name,
        "tx" | "txn" | "trx" | "transaction" | "dbtx" | "db_tx"
    ) || name.starts_with("tx_")
        || name.ends_with("_tx")
        || name.ends_with("_txn")
}

/// The elements of a parameter list: `&[&a, &b]`, `params![a, b]`,
/// `(a, b)`, `[a, b]`.
fn param_items(e: &Expr) -> Vec<Range<usize>> {
    match strip(e) {
        Expr::Array(a) => a.elems.iter().map(|x| range_of(strip(x))).collect(),
        Expr::Tuple(t) => t.elems.iter().map(|x| range_of(strip(x))).collect(),
        Expr::Macro(m) => m
            .mac
            .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .map(|p| p.iter().map(|x| range_of(strip(x))).collect())
            .unwrap_or_default(),
        other => vec![range_of(other)],
    }
}

impl Walker<'_> {
    /// A string literal: a value carrying its SQL, if it reads as SQL.
    pub(super) fn lit_sql(&mut self, l: &syn::ExprLit) -> Val {
        let syn::Lit::Str(s) = &l.lit else {
            return Val::default();
        };
        match sql::from_literal(s, self.ctx.sql_dialect) {
            Some(src) => Val {
                sql: Some((Arc::new(src), true)),
                ..Val::default()
            },
            None => Val::default(),
        }
    }

    /// A path naming a `const`/`static` that holds SQL.
    pub(super) fn const_sql(&self, p: &syn::ExprPath) -> Option<Val> {
        let last = p.path.segments.last()?.ident.to_string();
        let src = self.ctx.sql_consts.get(&last)?;
        Some(Val {
            sql: Some((src.clone(), false)),
            ..Val::default()
        })
    }

    /// `format!`, `concat!` and the sqlx query macros.
    pub(super) fn sql_macro(&mut self, m: &syn::Macro) -> Option<Val> {
        let (name, sqlx_path) = macro_name(m);
        let is_sqlx = SQLX_MACROS.contains(&name.as_str())
            && (sqlx_path
                || self.ctx.crates.contains("sqlx")
                || self.ctx.sql_api == Some(SqlApi::Sqlx));
        if name != "format" && name != "concat" && !is_sqlx {
            return None;
        }
        if !self
            .ctx
            .budget
            .take_macro(crate::lower::macro_range(m).len())
        {
            return Some(Val::default());
        }
        let args = m
            .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .ok()?;
        let args: Vec<&Expr> = args.iter().collect();
        let string_lit = |e: &Expr| match e {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.clone()),
            _ => None,
        };
        match name.as_str() {
            "format" => {
                let lit = string_lit(args.first()?)?;
                let mut rest = self.all(args[1..].iter().copied());
                let inline = self.inline_format_deps(&lit.value());
                rest.deps = union(&rest.deps, &inline);
                let repr = lit.token().to_string();
                let range = lit.span().byte_range();
                let text = sql::text::decode_literal(&repr, range.start)?;
                if !sql::parse::looks_like_sql(&text.text) {
                    return Some(rest);
                }
                let text = sql::text::format_template(&text);
                let src = sql::from_text(text, range, self.ctx.sql_dialect);
                Some(Val {
                    deps: rest.deps,
                    sql: src.map(|s| (Arc::new(s), true)),
                    ..Val::default()
                })
            }
            "concat" => {
                let mut parts = Vec::new();
                for a in &args {
                    let lit = string_lit(a)?;
                    let repr = lit.token().to_string();
                    parts.push(sql::text::decode_literal(
                        &repr,
                        lit.span().byte_range().start,
                    )?);
                }
                let text = sql::text::concat(&parts);
                let src = sql::from_text(text, range_of(m), self.ctx.sql_dialect)?;
                Some(Val {
                    sql: Some((Arc::new(src), true)),
                    ..Val::default()
                })
            }
            _ => {
                let sql_at = usize::from(name.contains("_as"));
                let sql_arg = args.get(sql_at)?;
                let rest: Vec<Val> = args[sql_at + 1..].iter().map(|a| self.expr(a)).collect();
                let deps = super::state::call_deps(&Val::default(), &rest);
                let params = args[sql_at + 1..]
                    .iter()
                    .map(|a| range_of(strip(a)))
                    .collect();
                let (src, local) = if name.starts_with("query_file") {
                    let lit = string_lit(sql_arg)?;
                    let read = crate::query_file::read(self.ctx.root.as_ref()?, &lit.value());
                    let text = match read {
                        Ok(text) => text,
                        Err(why) => {
                            if let Ok(mut r) = self.ctx.refused.lock() {
                                r.push((lit.span().byte_range(), why));
                            }
                            return None;
                        }
                    };
                    let mut t = SqlText::default();
                    t.push(&text, None);
                    (
                        Arc::new(sql::from_text(t, range_of(m), self.ctx.sql_dialect)?),
                        false,
                    )
                } else {
                    let v = self.expr(sql_arg);
                    v.sql?
                };
                let execs = self.new_execs(
                    &src,
                    local,
                    range_of(m),
                    Some(SqlApi::Sqlx),
                    (Executor::Unknown, None, None),
                    deps.clone(),
                    params,
                    "",
                    true,
                );
                Some(Val {
                    deps,
                    builder: execs,
                    ..Val::default()
                })
            }
        }
    }

    /// The values `format!("{name}")` captures by name (Rust 2021 inline
    /// arguments), read as the bindings they name.
    fn inline_format_deps(&mut self, template: &str) -> Deps {
        let mut deps = Vec::new();
        let mut rest = template;
        while let Some(i) = rest.find('{') {
            rest = &rest[i + 1..];
            if rest.starts_with('{') {
                rest = &rest[1..];
                continue;
            }
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
                if let Some(at) = self.lookup(name) {
                    deps = union(&deps, &self.binding_mut(at).deps.clone());
                }
            }
            rest = &rest[end..];
        }
        deps
    }

    /// Records the statements of `src` as run (or about to be run) by the
    /// call at `call`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_execs(
        &mut self,
        src: &Arc<SqlSrc>,
        local: bool,
        call: Range<usize>,
        api: Option<SqlApi>,
        executor: (Executor, Option<String>, Option<Range<usize>>),
        deps: Deps,
        params: Vec<Range<usize>>,
        method: &str,
        trusted: bool,
    ) -> Vec<ExecId> {
        if src.parsed.fallback && !trusted {
            return Vec::new();
        }
        let place = crate::lower::place::Place::external("sql:".into(), "database");
        let mut out = Vec::new();
        for index in 0..src.parsed.stmts.len() {
            let op = self.push_op(
                OpKind::Sql(self.facts.sql.len()),
                &place,
                call.clone(),
                deps.clone(),
                true,
                None,
                None,
                None,
            );
            let id = self.facts.sql.len();
            self.facts.sql.push(SqlExec {
                src: src.clone(),
                index,
                op,
                range: if local {
                    src.range.clone()
                } else {
                    call.clone()
                },
                local,
                executor: Executor::Unknown,
                executor_range: None,
                call: call.clone(),
                api: api.or(self.ctx.sql_api),
                method: method.to_string(),
                params: params.clone(),
                discarded: false,
                bound_reads: None,
                discarded_expr: None,
                via: None,
            });
            self.run_on(id, executor.clone(), method);
            out.push(id);
        }
        out
    }

    /// Sets what runs statement `id`, following raw `BEGIN`/`COMMIT` on one
    /// connection.
    fn run_on(
        &mut self,
        id: ExecId,
        (executor, key, range): (Executor, Option<String>, Option<Range<usize>>),
        method: &str,
    ) {
        let kind = self.facts.sql[id].stmt().kind;
        let mut executor = executor;
        if let (Some(k), false) = (&key, matches!(executor, Executor::Pool | Executor::Tx(_))) {
            match kind {
                Kind::Begin => {
                    let s = self.facts.sql[id].stmt();
                    let isolation = s.isolation.or_else(|| self.pending_iso.remove(k));
                    let immediate = s.immediate;
                    let t = self.tick();
                    self.facts.txs.push(Tx {
                        isolation,
                        immediate,
                        begin: t,
                        end: Time::MAX,
                    });
                    self.raw_tx.insert(k.clone(), self.facts.txs.len() - 1);
                }
                Kind::Commit | Kind::Rollback => {
                    if let Some(tx) = self.raw_tx.remove(k) {
                        let t = self.tick();
                        self.facts.txs[tx].end = t;
                    }
                }
                _ => {
                    if let Some(&tx) = self.raw_tx.get(k) {
                        executor = Executor::Tx(tx);
                    }
                }
            }
        }
        if kind == Kind::SetIsolation {
            let level = self.facts.sql[id].stmt().isolation;
            match (executor, &key) {
                (Executor::Tx(tx), _) => {
                    if let Some(l) = level {
                        self.facts.txs[tx].isolation = Some(l);
                    }
                }
                (_, Some(k)) => {
                    if let Some(l) = level {
                        self.pending_iso.insert(k.clone(), l);
                    }
                }
                _ => {}
            }
        }
        if let Some(k) = &key {
            self.exec_keys.insert(self.facts.sql[id].op, k.clone());
        }
        let e = &mut self.facts.sql[id];
        e.executor = executor;
        e.executor_range = range;
        if !method.is_empty() {
            e.method = method.to_string();
        }
    }

    /// What an executor expression is, and a key naming it (for raw
    /// `BEGIN` tracking).
    pub(super) fn classify(
        &mut self,
        e: &Expr,
        v: &Val,
    ) -> (Executor, Option<String>, Option<Range<usize>>) {
        let range = Some(range_of(e));
        let inner = strip(e);
        let key = match inner {
            Expr::Path(p) if p.path.segments.len() == 1 => {
                Some(p.path.segments[0].ident.to_string())
            }
            Expr::Field(_) => Some(tokens_text(inner).replace(' ', "")),
            _ => None,
        };
        if let Some(x) = v.exec {
            return (x, key, range);
        }
        let exec = match inner {
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                let b = self.lookup(&name).map(|at| self.binding_mut(at).clone());
                match b {
                    Some(b) if b.exec.is_some() => b.exec,
                    Some(b) => match b.ty.as_deref() {
                        Some(ty) if ty.contains("Transaction") => Some(self.param_tx()),
                        Some(ty) => executor_of_type(ty).or_else(|| self.by_name(&name)),
                        None => self.by_name(&name),
                    },
                    None => self.by_name(&name),
                }
            }
            Expr::Field(f) => {
                let field = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                match self.place(inner).and_then(|p| p.ty) {
                    Some(ty) if ty.contains("Transaction") => Some(self.param_tx()),
                    Some(ty) => executor_of_type(&ty).or_else(|| self.by_name(&field)),
                    None => self.by_name(&field),
                }
            }
            Expr::MethodCall(mc) if mc.args.is_empty() => self.by_name(&mc.method.to_string()),
            _ => None,
        };
        (exec.unwrap_or(Executor::Unknown), key, range)
    }

    fn by_name(&mut self, name: &str) -> Option<Executor> {
        let lower = name.to_ascii_lowercase();
        if lower.contains("pool") {
            Some(Executor::Pool)
        } else if is_tx_name(&lower) {
            Some(self.param_tx())
        } else {
            None
        }
    }

    /// A transaction the function received: open all along, isolation
    /// unknown.
    fn param_tx(&mut self) -> Executor {
        if let Some(id) = self.outer_tx {
            return Executor::Tx(id);
        }
        self.facts.txs.push(Tx {
            isolation: None,
            immediate: false,
            begin: 0,
            end: Time::MAX,
        });
        let id = self.facts.txs.len() - 1;
        self.outer_tx = Some(id);
        Executor::Tx(id)
    }

    /// Function calls: `sqlx::query(sql)`, `Client::connect(..)`, and SQL
    /// handed to any other function.
    pub(super) fn sql_call(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        args: &[Val],
    ) -> Option<Val> {
        let last = segs.last().map(String::as_str).unwrap_or("");
        let deps = super::state::call_deps(&Val::default(), args);
        // Connections made here.
        let conn_type = segs.iter().any(|s| {
            matches!(
                s.as_str(),
                "Client"
                    | "Connection"
                    | "PgConnection"
                    | "SqliteConnection"
                    | "MySqlConnection"
                    | "Conn"
                    | "tokio_postgres"
                    | "postgres"
            )
        });
        if conn_type && (last.starts_with("connect") || last.starts_with("open") || last == "new") {
            return Some(Val {
                deps,
                exec: Some(Executor::OwnConn),
                ..Val::default()
            });
        }
        if last == "from" && segs.len() >= 2 {
            // `String::from(sql)`
            let v = args.first()?;
            return v.sql.as_ref().map(|_| v.clone());
        }
        let sql_at = args.iter().position(|a| a.sql.is_some())?;
        let (src, local) = args[sql_at].sql.clone()?;
        let is_sqlx = SQLX_FNS.contains(&last)
            && (segs.first().is_some_and(|s| s == "sqlx")
                || self.ctx.crates.contains("sqlx")
                || self.ctx.sql_api == Some(SqlApi::Sqlx));
        let executor = if is_sqlx {
            (Executor::Unknown, None, None)
        } else {
            // A helper taking the executor and the SQL: the first argument
            // that is a known executor.
            let mut found = (Executor::Unknown, None, None);
            for (a, v) in c.args.iter().zip(args) {
                let x = self.classify(a, v);
                if x.0 != Executor::Unknown {
                    found = x;
                    break;
                }
            }
            found
        };
        let api = is_sqlx.then_some(SqlApi::Sqlx);
        let execs = self.new_execs(
            &src,
            local,
            range_of(c),
            api,
            executor,
            deps.clone(),
            Vec::new(),
            "",
            is_sqlx,
        );
        Some(Val {
            deps,
            builder: execs,
            ..Val::default()
        })
    }

    /// Method calls that build, run or bracket statements.
    pub(super) fn sql_method(
        &mut self,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        recv: &Val,
        args: &[Val],
    ) -> Option<Val> {
        let name = mc.method.to_string();
        let name = name.as_str();
        let deps = super::state::call_deps(recv, args);
        // A query builder or prepared statement.
        if !recv.builder.is_empty() {
            if BUILDER_METHODS.contains(&name) {
                for &x in &recv.builder {
                    let op = self.facts.sql[x].op;
                    self.facts.ops[op].deps = union(&self.facts.ops[op].deps, &deps);
                    if name == "bind" || name == "with" {
                        if let Some(a) = mc.args.first() {
                            self.facts.sql[x].params.extend(param_items(a));
                        }
                    }
                }
                return Some(Val {
                    deps,
                    builder: recv.builder.clone(),
                    ..Val::default()
                });
            }
            if RUN_METHODS.contains(&name) {
                let executor = match (mc.args.first(), args.first()) {
                    (Some(a), Some(v)) => self.classify(a, v),
                    _ => (Executor::Unknown, None, None),
                };
                return Some(self.run_builder(&recv.builder, executor, name, e, deps));
            }
            if PASS_THROUGH.contains(&name) {
                return Some(Val {
                    deps,
                    builder: recv.builder.clone(),
                    ..Val::default()
                });
            }
        }
        // `executor.execute(sqlx::query(..))`, `client.execute(&stmt, ..)`.
        if let Some(first) = args.first().filter(|a| !a.builder.is_empty()) {
            if CLIENT_METHODS.contains(&name) {
                let executor = self.classify(&mc.receiver, recv);
                let builder = first.builder.clone();
                return Some(self.run_builder(&builder, executor, name, e, deps));
            }
        }
        // Transactions and connections.
        if BEGIN_METHODS.contains(&name) || (name == "start" && recv.tx_builder.is_some()) {
            let arg_text: String = mc.args.iter().map(tokens_text).collect();
            let mut isolation = recv
                .tx_builder
                .flatten()
                .or_else(|| args.iter().find_map(|a| a.tx_builder.flatten()))
                .or_else(|| isolation_in(&arg_text));
            let mut immediate = arg_text.contains("Immediate") || arg_text.contains("Exclusive");
            if let Some((src, _)) = args.first().and_then(|a| a.sql.clone()) {
                if let Some(s) = src.parsed.stmts.first() {
                    isolation = isolation.or(s.isolation);
                    immediate |= s.immediate;
                }
            }
            let t = self.tick();
            self.facts.txs.push(Tx {
                isolation,
                immediate,
                begin: t,
                end: Time::MAX,
            });
            return Some(Val {
                deps,
                exec: Some(Executor::Tx(self.facts.txs.len() - 1)),
                ..Val::default()
            });
        }
        // SQL handed to a client method.
        if let Some((src, local)) = args.first().and_then(|a| a.sql.clone()) {
            let known = CLIENT_METHODS.contains(&name);
            let executor = if known {
                self.classify(&mc.receiver, recv)
            } else {
                (Executor::Unknown, None, None)
            };
            let params = mc.args.iter().skip(1).flat_map(param_items).collect();
            let api = known
                .then(|| self.api_of(name, src.parsed.dialect))
                .flatten();
            let execs = self.new_execs(
                &src,
                local,
                range_of(e),
                api,
                executor,
                deps.clone(),
                params,
                name,
                known,
            );
            let mut ops: Deps = execs.iter().map(|&x| self.facts.sql[x].op).collect();
            ops.sort_unstable();
            let prepared = name.starts_with("prepare");
            return Some(Val {
                deps: union(&deps, &ops),
                builder: if prepared || !known {
                    execs.clone()
                } else {
                    Vec::new()
                },
                result_of: if prepared || !known {
                    Vec::new()
                } else {
                    execs
                },
                ..Val::default()
            });
        }
        // mysql_async's `Query` trait on a string: `"…".with(p).run(&mut c)`.
        if let Some((src, local)) = recv.sql.clone() {
            if name == "with" || RUN_METHODS.contains(&name) {
                let execs = self.new_execs(
                    &src,
                    local,
                    range_of(e),
                    Some(SqlApi::MySql),
                    (Executor::Unknown, None, None),
                    deps.clone(),
                    Vec::new(),
                    "",
                    true,
                );
                if name == "with" {
                    for &x in &execs {
                        if let Some(a) = mc.args.first() {
                            self.facts.sql[x].params.extend(param_items(a));
                        }
                    }
                    return Some(Val {
                        deps,
                        builder: execs,
                        ..Val::default()
                    });
                }
                let executor = match (mc.args.first(), args.first()) {
                    (Some(a), Some(v)) => self.classify(a, v),
                    _ => (Executor::Unknown, None, None),
                };
                return Some(self.run_builder(&execs, executor, name, e, deps));
            }
            if PASS_THROUGH.contains(&name) {
                return Some(Val {
                    deps,
                    sql: Some((src, local)),
                    ..Val::default()
                });
            }
        }
        if name == "build_transaction" {
            return Some(Val {
                deps,
                tx_builder: Some(None),
                ..Val::default()
            });
        }
        if recv.tx_builder.is_some() || name.contains("isolation_level") {
            let arg_text: String = mc.args.iter().map(tokens_text).collect();
            let iso = isolation_in(&arg_text).or(recv.tx_builder.flatten());
            // `opts.with_isolation_level(..);` on a local options value.
            if let Expr::Path(p) = strip(&mc.receiver) {
                if let Some(at) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                    self.binding_mut(at).tx_builder = Some(iso);
                }
            }
            return Some(Val {
                deps,
                tx_builder: Some(iso),
                ..Val::default()
            });
        }
        if matches!(name, "commit" | "rollback") && mc.args.is_empty() {
            if let (Executor::Tx(tx), _, _) = self.classify(&mc.receiver, recv) {
                if self.facts.txs[tx].begin > 0 {
                    let t = self.tick();
                    self.facts.txs[tx].end = t;
                }
            }
            return None;
        }
        if name == "affected_rows" {
            // mysql: `conn.affected_rows()` reads the count of the last
            // `exec_drop`/`query_drop` on `conn`.
            let (_, key, _) = self.classify(&mc.receiver, recv);
            if let Some(k) = key {
                let last =
                    self.facts.sql.iter_mut().rev().find(|x| {
                        x.method.ends_with("_drop") && self.exec_keys.get(&x.op) == Some(&k)
                    });
                if let Some(x) = last {
                    x.discarded = false;
                    x.bound_reads = None;
                }
            }
            return None;
        }
        if matches!(
            name,
            "acquire" | "get_conn" | "get" | "get_owned" | "begin_conn"
        ) && mc.args.is_empty()
        {
            let (x, _, _) = self.classify(&mc.receiver, recv);
            if x == Executor::Pool {
                return Some(Val {
                    deps,
                    exec: Some(Executor::OwnConn),
                    ..Val::default()
                });
            }
        }
        if recv.exec.is_some() && PASS_THROUGH.contains(&name) {
            return Some(Val {
                deps,
                exec: recv.exec,
                ..Val::default()
            });
        }
        if !recv.result_of.is_empty() && PASS_THROUGH.contains(&name) {
            return Some(Val {
                deps,
                result_of: recv.result_of.clone(),
                ..Val::default()
            });
        }
        None
    }

    /// Runs a builder's statements on `executor` with method `name`.
    fn run_builder(
        &mut self,
        builder: &[ExecId],
        executor: (Executor, Option<String>, Option<Range<usize>>),
        name: &str,
        e: &Expr,
        deps: Deps,
    ) -> Val {
        let mut ops = Vec::new();
        for &x in builder {
            if self.facts.sql[x].executor == Executor::Unknown {
                self.run_on(x, executor.clone(), name);
            } else {
                self.facts.sql[x].method = name.to_string();
            }
            self.facts.sql[x].call = self.facts.sql[x].call.start.min(range_of(e).start)
                ..range_of(e).end.max(self.facts.sql[x].call.end);
            ops.push(self.facts.sql[x].op);
        }
        ops.sort_unstable();
        Val {
            deps: union(&deps, &ops),
            result_of: builder.to_vec(),
            ..Val::default()
        }
    }

    fn api_of(&self, method: &str, dialect: sql::Dialect) -> Option<SqlApi> {
        Some(match method {
            "query_one" | "query_opt" | "query_raw" | "query_typed" | "batch_execute"
            | "simple_query" | "execute_raw" | "prepare_typed" => SqlApi::Postgres,
            "query_row" | "query_row_and_then" | "execute_batch" | "prepare_cached" => {
                SqlApi::Rusqlite
            }
            "exec_first" | "exec_drop" | "exec" | "exec_map" | "exec_iter" | "exec_fold"
            | "query_first" | "query_drop" | "query_iter" | "query_fold" => SqlApi::MySql,
            "fetch_one" | "fetch_optional" | "fetch_all" | "fetch" => SqlApi::Sqlx,
            _ => match self.ctx.sql_api {
                Some(a) => a,
                None => match dialect {
                    sql::Dialect::Postgres => SqlApi::Postgres,
                    sql::Dialect::Sqlite => SqlApi::Rusqlite,
                    sql::Dialect::MySql => SqlApi::MySql,
                },
            },
        })
    }

    /// A statement's value was thrown away (`…;`, `let _ = …`).
    pub(super) fn discard(&mut self, v: &Val, expr: Range<usize>) {
        for &x in &v.result_of {
            self.facts.sql[x].discarded = true;
            self.facts.sql[x].discarded_expr = Some(expr.clone());
        }
        // A call whose callee may return an affected-row count.
        if let Some(ci) = v.call_site {
            self.facts.calls[ci].discarded = Some(expr);
        }
    }
}
