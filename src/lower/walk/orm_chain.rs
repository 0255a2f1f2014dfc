//! ORM chains, method by method: what each builder method adds to a query
//! (filter, columns, locks, assignments, conflict handling), what a model
//! method writes, and the statement recorded when a method runs the chain
//! on an executor. Entry points (paths, free functions, struct literals,
//! transactions, field assignments) are in `orm.rs`.

use super::orm::{apply_model_writes, compact_text, is_aggregate, model_target};
use super::orm_state::*;
use super::state::{Val, Walker};
use super::vocab::{segments, strip_ref, PASS_THROUGH};
use crate::krate::schema::snake_case;
use crate::lower::effects::*;
use crate::lower::range_of;
use crate::sql::orm::{Orm, OrmInfo, OrmSet};
use crate::sql::parse::{Col, Kind, Lock, SqlStmt, Write};
use crate::sql::{Dialect, Isolation, Parsed, SqlSrc, SqlText};
use quote::ToTokens;
use std::sync::Arc;
use syn::visit::Visit;
use syn::Expr;

/// diesel methods that run a statement on the connection they are given.
const DIESEL_RUN: &[&str] = &[
    "first",
    "get_result",
    "get_results",
    "load",
    "execute",
    "load_iter",
    "load_stream",
];

/// sea-orm methods that run a statement on the connection they are given.
const SEA_RUN: &[&str] = &[
    "one",
    "all",
    "count",
    "stream",
    "exec",
    "exec_with_returning",
    "exec_without_returning",
];

/// Builder methods that change nothing the rules look at.
const NEUTRAL: &[&str] = &[
    "order",
    "order_by",
    "then_order_by",
    "order_by_asc",
    "order_by_desc",
    "limit",
    "offset",
    "inner_join",
    "left_join",
    "left_outer_join",
    "into_boxed",
    "distinct",
    "group_by",
    "having",
    "skip_locked",
    "no_wait",
    "into_model",
    "into_json",
    "into_tuple",
    "into_partial_model",
    "to_owned",
    "boxed",
    "as_query",
    "cursor_by",
];

/// Comparison methods of diesel's and sea-orm's column expressions.
const COMPARISONS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "gte",
    "lte",
    "eq_any",
    "ne_all",
    "is_in",
    "is_not_in",
    "is_null",
    "is_not_null",
    "like",
    "ilike",
    "not_like",
    "between",
    "contains",
    "starts_with",
    "ends_with",
];

impl Walker<'_> {
    pub(super) fn orm_method(
        &mut self,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        recv: &Val,
        args: &[Val],
    ) -> Option<Val> {
        let name = mc.method.to_string();
        let name = name.as_str();
        // diesel `build_transaction().serializable()`.
        let level = match name {
            "serializable" => Some(Isolation::Serializable),
            "repeatable_read" => Some(Isolation::RepeatableRead),
            "read_committed" => Some(Isolation::ReadCommitted),
            _ => None,
        };
        if let (Some(iso), true) = (level, recv.tx_builder.is_some() && mc.args.is_empty()) {
            let iso = Some(iso);
            return Some(Val {
                deps: recv.deps.clone(),
                tx_builder: Some(iso),
                ..Val::default()
            });
        }
        let deps = super::state::call_deps(recv, args);
        match recv.orm.clone()? {
            OrmVal::Query(q) => self.query_method(*q, mc, e, name, recv, args, deps),
            OrmVal::Model(m) => self.model_method(*m, mc, e, name, args, deps),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn query_method(
        &mut self,
        mut q: OrmQuery,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        name: &str,
        recv: &Val,
        args: &[Val],
        deps: Deps,
    ) -> Option<Val> {
        let arg_deps = super::state::call_deps(&Val::default(), args);
        let first = mc.args.first();
        let runs = match q.orm {
            Orm::Diesel => DIESEL_RUN.contains(&name),
            Orm::SeaOrm => SEA_RUN.contains(&name) && mc.args.len() == 1,
        };
        if runs {
            let (a, v) = (first?, args.first()?);
            return Some(self.run_query(q, a, v, e, name, deps));
        }
        match name {
            "filter" | "or_filter" | "find" if first.is_some() => {
                let f = first?;
                if name == "find" {
                    let pk = "id".to_string();
                    self.where_key(&mut q, &pk, f);
                } else {
                    self.filter_cols(&mut q, f);
                }
            }
            "select" | "column" | "columns" | "select_only" | "column_as" => {
                if let Some(f) = first {
                    if is_aggregate(f) {
                        q.aggregate = true;
                        q.star = false;
                    } else {
                        let mut cols = Vec::new();
                        self.columns_in(f, &mut cols);
                        if !cols.is_empty() {
                            if q.star {
                                q.reads.clear();
                            }
                            q.star = false;
                            q.reads.extend(cols);
                        }
                    }
                } else if name == "select_only" {
                    q.star = false;
                }
            }
            "count" if mc.args.is_empty() => {
                q.aggregate = true;
                q.star = false;
            }
            "for_update" | "lock_exclusive" => q.lock = Some(Lock::Update),
            "for_no_key_update" => q.lock = Some(Lock::NoKeyUpdate),
            "for_share" | "lock_shared" => q.lock = Some(Lock::Share),
            "for_key_share" => q.lock = Some(Lock::KeyShare),
            "lock" | "lock_with_behavior" | "lock_with_tables" => {
                let t = first
                    .map(|a| a.to_token_stream().to_string())
                    .unwrap_or_default();
                q.lock = Some(if t.contains("Share") {
                    Lock::Share
                } else if t.contains("NoKeyUpdate") {
                    Lock::NoKeyUpdate
                } else {
                    Lock::Update
                });
            }
            "set" if q.kind == Kind::Update => {
                let f = first?;
                match args.first().and_then(|a| a.orm.clone()) {
                    Some(OrmVal::Model(m)) => apply_model_writes(&mut q, &m),
                    _ => self.assignments(&mut q, f, &arg_deps),
                }
            }
            "col_expr" if q.kind == Kind::Update && mc.args.len() == 2 => {
                let col = self.column_of(&mc.args[0])?;
                let self_relative = self.mentions_column(&mc.args[1], &col);
                q.writes.push(Write {
                    column: col.clone(),
                    self_relative,
                });
                q.sets.push(OrmSet {
                    column: col,
                    value: compact_text(&mc.args[1]),
                });
                q.set_deps = union(&q.set_deps, &arg_deps);
            }
            "values" | "set_from_model" if q.kind == Kind::Insert => {
                match args.first().and_then(|a| a.orm.clone()) {
                    Some(OrmVal::Model(m)) => {
                        q.insert_columns = m.fields.iter().map(|f| f.column.clone()).collect();
                    }
                    _ => {
                        let mut tmp =
                            OrmQuery::new(q.orm, Kind::Update, q.table.clone(), String::new());
                        if let Some(f) = first {
                            self.assignments(&mut tmp, f, &arg_deps);
                        }
                        q.insert_columns = tmp.writes.into_iter().map(|w| w.column).collect();
                    }
                }
                q.set_deps = union(&q.set_deps, &arg_deps);
            }
            "on_conflict"
            | "on_conflict_do_nothing"
            | "do_nothing"
            | "do_update"
            | "on_empty_do_nothing" => {
                q.conflict = true;
            }
            "returning" | "return_with" => q.returning = true,
            _ if NEUTRAL.contains(&name) || PASS_THROUGH.contains(&name) => {}
            _ => return None,
        }
        Some(Val {
            deps: union(&recv.deps, &arg_deps),
            orm: Some(OrmVal::Query(Box::new(q))),
            ..Val::default()
        })
    }

    pub(super) fn model_method(
        &mut self,
        m: OrmModel,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        name: &str,
        args: &[Val],
        deps: Deps,
    ) -> Option<Val> {
        let kind = match (m.orm, name) {
            (Orm::Diesel, "save_changes") => Some(Kind::Update),
            (Orm::SeaOrm, "update") => Some(Kind::Update),
            (Orm::SeaOrm, "save") if !m.fresh => Some(Kind::Update),
            (Orm::SeaOrm, "save" | "insert") => Some(Kind::Insert),
            (Orm::SeaOrm, "delete") => Some(Kind::Delete),
            _ => None,
        };
        if let (Some(kind), Some(a), Some(v)) = (kind, mc.args.first(), args.first()) {
            let mut q = model_target(&m, kind);
            if kind == Kind::Insert {
                q.where_cols.clear();
                q.where_eq.clear();
                q.insert_columns = m.fields.iter().map(|f| f.column.clone()).collect();
            }
            return Some(self.run_query(q, a, v, e, name, Vec::new()));
        }
        if name == "set" && m.orm == Orm::SeaOrm && mc.args.len() == 2 {
            let col = self.column_of(&mc.args[0])?;
            let field = Field {
                column: col,
                deps: args.get(1).map(|a| a.deps.clone()).unwrap_or_default(),
                value: compact_text(&mc.args[1]),
                self_relative: false,
            };
            self.add_model_field(&mc.receiver, field);
            return Some(Val::default());
        }
        let keep = PASS_THROUGH.contains(&name)
            || matches!(
                name,
                "into_active_model"
                    | "ok_or"
                    | "ok_or_else"
                    | "optional"
                    | "unwrap_or_default"
                    | "expect_err"
            );
        if !keep {
            return None;
        }
        let mut m = m;
        if matches!(name, "into" | "into_active_model") {
            m.active = m.orm == Orm::SeaOrm;
        }
        Some(Val {
            deps,
            orm: Some(OrmVal::Model(Box::new(m))),
            ..Val::default()
        })
    }

    /// `m.col = v`, `m.col += v`, `am.col = Set(v)` on a model binding.
    /// Returns whether the assignment was to a model.
    /// Records the statement a chain builds, run on `exec`.
    pub(super) fn run_query(
        &mut self,
        q: OrmQuery,
        exec: &Expr,
        exec_val: &Val,
        e: &Expr,
        method: &str,
        deps: Deps,
    ) -> Val {
        let executor = self.classify(exec, exec_val);
        let mut stmt = SqlStmt::new(q.kind, 0..0);
        let table = q.table.fallback();
        stmt.tables = vec![table.clone()];
        if q.kind != Kind::Select {
            stmt.target = Some(table.clone());
            stmt.target_text = Some(table.clone());
        }
        stmt.reads = q
            .reads
            .iter()
            .map(|c| Col {
                table: None,
                name: c.clone(),
            })
            .collect();
        if q.exists {
            stmt.reads = vec![Col {
                table: None,
                name: "exists".into(),
            }];
        }
        stmt.star = q.star;
        stmt.aggregate = q.aggregate || method == "count" && q.orm == Orm::SeaOrm;
        if stmt.aggregate {
            stmt.star = false;
        }
        stmt.writes = q.writes.clone();
        stmt.where_cols = q.where_cols.clone();
        stmt.where_eq = q.where_eq.clone();
        stmt.where_params = q
            .where_params
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.clone(), format!("${}", i + 1), i))
            .collect();
        stmt.lock = q.lock;
        stmt.conflict = q.conflict;
        stmt.returning =
            q.returning || matches!(method, "get_result" | "get_results" | "exec_with_returning");
        stmt.insert_columns = q.insert_columns.clone();
        let text = crate::sql::orm::render(&stmt);
        stmt.range = 0..text.len();
        let mut sql_text = SqlText::default();
        sql_text.push(&text, None);
        let dialect = self.ctx.sql_dialect;
        let src = Arc::new(SqlSrc {
            parsed: Parsed {
                stmts: vec![stmt],
                dialect: dialect.unwrap_or(Dialect::Postgres),
                fallback: false,
                dialect_known: dialect.is_some(),
            },
            text: sql_text,
            range: range_of(e),
            orm: Some(OrmInfo {
                orm: q.orm,
                table: q.table.clone(),
                table_text: q.table_text.clone(),
                key: q.key.clone(),
                sets: q.sets.clone(),
            }),
        });
        let api = match q.orm {
            Orm::Diesel => SqlApi::Diesel,
            Orm::SeaOrm => SqlApi::SeaOrm,
        };
        let op_deps = match q.kind {
            Kind::Update | Kind::Insert => q.set_deps.clone(),
            _ => deps.clone(),
        };
        let params = q.where_params.iter().map(|(_, r)| r.clone()).collect();
        let execs = self.new_execs(
            &src,
            false,
            range_of(e),
            Some(api),
            executor,
            op_deps,
            params,
            method,
            true,
        );
        let mut ops: Deps = execs.iter().map(|&x| self.facts.sql[x].op).collect();
        ops.sort_unstable();
        let orm = (q.kind == Kind::Select && !q.aggregate).then(|| {
            OrmVal::Model(Box::new(OrmModel {
                orm: q.orm,
                table: q.table.clone(),
                table_text: q.table_text.clone(),
                active: false,
                fresh: false,
                fields: Vec::new(),
                key: q.key.clone(),
            }))
        });
        Val {
            deps: union(&deps, &ops),
            result_of: execs,
            orm,
            ..Val::default()
        }
    }

    /// `find(k)` / `find_by_id(k)`: the row with this key.
    pub(super) fn where_key(&mut self, q: &mut OrmQuery, pk: &str, k: &Expr) {
        q.where_cols.push(pk.to_string());
        q.where_eq.push(pk.to_string());
        q.where_params
            .push((pk.to_string(), range_of(strip_ref(k))));
        q.key = Some(compact_text(strip_ref(k)));
    }

    /// The columns a filter compares, with `col = value` pairs.
    pub(super) fn filter_cols(&mut self, q: &mut OrmQuery, e: &Expr) {
        match e {
            Expr::MethodCall(mc) => {
                let name = mc.method.to_string();
                if COMPARISONS.contains(&name.as_str()) {
                    if let Some(col) = self.column_of(&mc.receiver) {
                        if !q.where_cols.contains(&col) {
                            q.where_cols.push(col.clone());
                        }
                        if name == "eq" {
                            if let Some(v) = mc.args.first() {
                                q.where_eq.push(col.clone());
                                q.where_params.push((col.clone(), range_of(strip_ref(v))));
                                if col == "id" || col.ends_with("_id") && q.key.is_none() {
                                    q.key = Some(compact_text(strip_ref(v)));
                                }
                            }
                        }
                        return;
                    }
                }
                self.filter_cols(q, &mc.receiver);
                for a in &mc.args {
                    self.filter_cols(q, a);
                }
            }
            Expr::Call(c) => {
                for a in &c.args {
                    self.filter_cols(q, a);
                }
            }
            Expr::Binary(b) => {
                self.filter_cols(q, &b.left);
                self.filter_cols(q, &b.right);
            }
            Expr::Paren(p) => self.filter_cols(q, &p.expr),
            Expr::Reference(r) => self.filter_cols(q, &r.expr),
            Expr::Unary(u) => self.filter_cols(q, &u.expr),
            _ => {}
        }
    }

    /// `set(t::col.eq(v))`, `set((a.eq(x), b.eq(b + 1)))`.
    pub(super) fn assignments(&mut self, q: &mut OrmQuery, e: &Expr, deps: &Deps) {
        match strip_ref(e) {
            Expr::Tuple(t) => {
                for x in &t.elems {
                    self.assignments(q, x, deps);
                }
            }
            Expr::MethodCall(mc) if mc.method == "eq" && mc.args.len() == 1 => {
                if let Some(col) = self.column_of(&mc.receiver) {
                    let self_relative = self.mentions_column(&mc.args[0], &col);
                    q.writes.push(Write {
                        column: col.clone(),
                        self_relative,
                    });
                    q.sets.push(OrmSet {
                        column: col,
                        value: compact_text(&mc.args[0]),
                    });
                    q.set_deps = union(&q.set_deps, deps);
                }
            }
            _ => {}
        }
    }

    /// The column a path names: diesel `users::name` or `name` (not a
    /// local), sea-orm `Column::Name` / `post::Column::Name`.
    pub(super) fn column_of(&self, e: &Expr) -> Option<String> {
        let e = strip_ref(e);
        let Expr::Path(p) = e else {
            // `Column::Name.into_simple_expr()`, `col.nullable()`.
            if let Expr::MethodCall(mc) = e {
                if mc.args.is_empty() {
                    return self.column_of(&mc.receiver);
                }
            }
            return None;
        };
        let segs = segments(&p.path);
        let n = segs.len();
        let last = segs.last()?;
        if n >= 2 && segs[n - 2] == "Column" {
            return Some(snake_case(last));
        }
        if last.starts_with(|c: char| c.is_ascii_uppercase()) || last == "table" {
            return None;
        }
        if n == 1 && self.is_local(last) {
            return None;
        }
        Some(last.clone())
    }

    /// The columns named in a `select(..)` / `column(..)` argument.
    pub(super) fn columns_in(&self, e: &Expr, out: &mut Vec<String>) {
        match strip_ref(e) {
            Expr::Tuple(t) => {
                for x in &t.elems {
                    self.columns_in(x, out);
                }
            }
            Expr::Array(a) => {
                for x in &a.elems {
                    self.columns_in(x, out);
                }
            }
            other => {
                if let Some(c) = self.column_of(other) {
                    out.push(c);
                }
            }
        }
    }

    /// Whether `e` refers to column `col` of the database (not to a Rust
    /// value read from it): `t::col + 1`, `Expr::col(Column::Col).add(1)`.
    pub(super) fn mentions_column(&self, e: &Expr, col: &str) -> bool {
        struct Finder<'w, 'a> {
            w: &'w Walker<'a>,
            col: &'w str,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_, '_> {
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                if self.w.column_of(&Expr::Path(p.clone())).as_deref() == Some(self.col) {
                    self.found = true;
                }
            }
            fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
                // `m.count + 1` is a Rust value, whatever its name.
                let _ = f;
            }
            fn visit_expr_method_call(&mut self, mc: &'ast syn::ExprMethodCall) {
                // Only the receiver chain and arguments that are expressions
                // over columns count.
                syn::visit::visit_expr_method_call(self, mc);
            }
        }
        let mut f = Finder {
            w: self,
            col,
            found: false,
        };
        f.visit_expr(e);
        f.found
    }
}
