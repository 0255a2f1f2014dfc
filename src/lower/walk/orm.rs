//! ORM statements (SPEC §6): diesel and sea-orm builder chains read as the
//! same statements SQL text gives, so every SQL rule applies to them.
//!
//! A chain starts at a table (`users::table`), an entity (`Post::find()`)
//! or a free function (`diesel::update(..)`), gathers its filter, locking,
//! assignments and conflict handling method by method, and becomes a
//! statement when a method runs it on an executor (`.first(conn)`,
//! `.one(db)`, `.execute(conn)`). A loaded row is a model value: reading
//! `m.col` depends on the query, and `m.col = v` / `am.col = Set(v)` are
//! remembered until `save_changes` / `update` writes them. A chain that is
//! not understood stays a plain value: nothing is recorded.

use super::orm_state::*;
use super::state::{Val, Walker};
use super::vocab::{path_segments, segments, strip_ref};
use crate::lower::effects::*;
use crate::sql::orm::{Orm, OrmSet, TableRef};
use crate::sql::parse::{Kind, Write};
use crate::sql::Isolation;
use quote::ToTokens;
use syn::Expr;

/// Calls on an entity type that start a sea-orm statement.
const SEA_ENTITY_FNS: &[&str] = &[
    "find",
    "find_by_id",
    "update",
    "update_many",
    "insert",
    "insert_many",
    "delete",
    "delete_many",
    "delete_by_id",
];

impl Walker<'_> {
    pub(super) fn has_diesel(&self) -> bool {
        self.ctx.orms.diesel
            || self.ctx.crates.contains("diesel")
            || self.ctx.crates.contains("diesel_async")
    }

    pub(super) fn has_sea(&self) -> bool {
        self.ctx.orms.sea_orm || self.ctx.crates.contains("sea_orm")
    }

    pub(super) fn is_local(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    /// A path naming a diesel table: `users::table`, `users::dsl::users`,
    /// `schema::users::table`, or `users` brought in by `use …::users::dsl::*`.
    pub(super) fn orm_path(&self, p: &syn::ExprPath) -> Option<Val> {
        if !self.has_diesel() {
            return None;
        }
        let segs = segments(&p.path);
        let n = segs.len();
        let table = if n >= 2 && segs[n - 1] == "table" {
            segs[n - 2].clone()
        } else if n >= 3 && segs[n - 2] == "dsl" && segs[n - 1] == segs[n - 3] {
            segs[n - 1].clone()
        } else if n == 1 && !self.is_local(&segs[0]) {
            let name = &segs[0];
            let from_dsl =
                self.ctx.globs.iter().any(|g| {
                    g.ends_with(&format!("{name}::dsl")) || g.ends_with(&format!("::{name}"))
                }) || self
                    .ctx
                    .imports
                    .get(name)
                    .is_some_and(|full| full.ends_with(&format!("{name}::dsl::{name}")));
            if !from_dsl {
                return None;
            }
            name.clone()
        } else {
            return None;
        };
        let q = OrmQuery::new(
            Orm::Diesel,
            Kind::Select,
            TableRef::Table(table.clone()),
            table,
        );
        Some(orm_val(Vec::new(), OrmVal::Query(Box::new(q))))
    }

    /// Free functions: `diesel::update(..)`, `insert_into(..)`,
    /// `delete(..)`, `exists(..)`, `select(..)`, and sea-orm entity calls
    /// (`Post::find()`, `post::Entity::update_many()`).
    pub(super) fn orm_call(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        args: &[Val],
    ) -> Option<Val> {
        let last = segs.last()?.as_str();
        let deps = super::state::call_deps(&Val::default(), args);
        if self.has_diesel() && self.is_diesel_fn(segs) {
            let target = args.first().and_then(|a| a.orm.clone());
            let q = match (last, target) {
                ("update", Some(OrmVal::Query(q))) => {
                    let mut u = *q;
                    u.kind = Kind::Update;
                    u.star = false;
                    u.lock = None;
                    Some(u)
                }
                ("update", Some(OrmVal::Model(m))) => Some(model_target(&m, Kind::Update)),
                ("delete", Some(OrmVal::Query(q))) => {
                    let mut d = *q;
                    d.kind = Kind::Delete;
                    d.star = false;
                    Some(d)
                }
                ("delete", Some(OrmVal::Model(m))) => Some(model_target(&m, Kind::Delete)),
                (
                    "insert_into" | "insert_or_ignore_into" | "replace_into",
                    Some(OrmVal::Query(q)),
                ) => {
                    let mut i = OrmQuery::new(
                        Orm::Diesel,
                        Kind::Insert,
                        q.table.clone(),
                        q.table_text.clone(),
                    );
                    i.conflict = last != "insert_into";
                    Some(i)
                }
                ("exists", Some(OrmVal::Query(q))) => {
                    let mut x = *q;
                    x.aggregate = true;
                    x.exists = true;
                    x.star = false;
                    Some(x)
                }
                ("select", Some(OrmVal::Query(q))) if q.aggregate => Some(*q),
                _ => None,
            }?;
            return Some(orm_val(deps, OrmVal::Query(Box::new(q))));
        }
        if self.has_sea() && segs.len() >= 2 && SEA_ENTITY_FNS.contains(&last) {
            let entity = segs[segs.len() - 2].as_str();
            if !entity.starts_with(|ch: char| ch.is_ascii_uppercase()) || entity == "Self" {
                return None;
            }
            let table_text = segs[..segs.len() - 1].join("::");
            let table = if entity == "Entity" {
                match segs.len() {
                    2 => TableRef::Entity(self.ctx.module.clone()),
                    n => TableRef::Entity(segs[n - 3].clone()),
                }
            } else {
                TableRef::Alias(entity.to_string())
            };
            let kind = match last {
                "find" | "find_by_id" => Kind::Select,
                "update" | "update_many" => Kind::Update,
                "insert" | "insert_many" => Kind::Insert,
                _ => Kind::Delete,
            };
            let mut q = OrmQuery::new(Orm::SeaOrm, kind, table, table_text);
            if matches!(last, "find_by_id" | "delete_by_id") {
                if let Some(k) = c.args.first() {
                    self.where_key(&mut q, "id", k);
                }
            }
            if matches!(last, "update" | "insert" | "delete") {
                if let Some(OrmVal::Model(m)) = args.first().and_then(|a| a.orm.clone()) {
                    apply_model_writes(&mut q, &m);
                    if last != "insert" {
                        q.key = m.key.clone();
                        q.where_eq.push("id".into());
                        q.where_cols.push("id".into());
                    }
                }
            }
            return Some(orm_val(deps, OrmVal::Query(Box::new(q))));
        }
        None
    }

    pub(super) fn is_diesel_fn(&self, segs: &[String]) -> bool {
        let last = segs.last().map(String::as_str).unwrap_or("");
        if !matches!(
            last,
            "update"
                | "delete"
                | "insert_into"
                | "insert_or_ignore_into"
                | "replace_into"
                | "exists"
                | "select"
        ) {
            return false;
        }
        if segs.len() > 1 {
            return segs[0] == "diesel";
        }
        self.ctx
            .imports
            .get(last)
            .is_some_and(|full| full.starts_with("diesel"))
            || self.ctx.globs.iter().any(|g| g.starts_with("diesel::dsl"))
            || (last == "exists" || last == "select")
                && self.ctx.globs.iter().any(|g| g.starts_with("diesel"))
    }

    /// `post::ActiveModel { title: Set(..), ..Default::default() }`.
    pub(super) fn orm_struct(&mut self, s: &syn::ExprStruct, fields: &[Val]) -> Option<OrmVal> {
        if !self.has_sea() {
            return None;
        }
        let segs = segments(&s.path);
        if segs.last().map(String::as_str) != Some("ActiveModel") {
            return None;
        }
        let table = match segs.len() {
            1 => TableRef::Entity(self.ctx.module.clone()),
            n => TableRef::Entity(segs[n - 2].clone()),
        };
        let table_text = match segs.len() {
            1 => "Entity".to_string(),
            n => format!("{}::Entity", segs[..n - 1].join("::")),
        };
        let mut m = OrmModel {
            orm: Orm::SeaOrm,
            table,
            table_text,
            active: true,
            fresh: true,
            fields: Vec::new(),
            key: None,
        };
        for (f, v) in s.fields.iter().zip(fields) {
            if let syn::Member::Named(n) = &f.member {
                if is_not_set(&f.expr) {
                    continue;
                }
                if n == "id" {
                    m.fresh = false;
                }
                m.fields.push(Field {
                    column: n.to_string(),
                    deps: v.deps.clone(),
                    value: set_inner_text(&f.expr),
                    self_relative: false,
                });
            }
        }
        Some(OrmVal::Model(Box::new(m)))
    }

    /// Before a method's arguments are walked: a closure handed to
    /// `transaction` / `build_transaction()….run` runs inside the
    /// transaction, on the connection it receives. Returns the transaction.
    pub(super) fn orm_tx_closure(&mut self, mc: &syn::ExprMethodCall, recv: &Val) -> Option<TxId> {
        let name = mc.method.to_string();
        let is_tx = matches!(
            name.as_str(),
            "transaction"
                | "immediate_transaction"
                | "exclusive_transaction"
                | "transaction_with_config"
        ) || (name == "run" && recv.tx_builder.is_some());
        if !is_tx || !mc.args.iter().any(|a| matches!(a, Expr::Closure(_))) {
            return None;
        }
        if !(self.has_diesel() || self.has_sea()) {
            return None;
        }
        let arg_text: String = mc
            .args
            .iter()
            .skip(1)
            .map(|a| a.to_token_stream().to_string())
            .collect();
        let isolation = recv
            .tx_builder
            .flatten()
            .or(if arg_text.contains("Serializable") {
                Some(Isolation::Serializable)
            } else if arg_text.contains("RepeatableRead") {
                Some(Isolation::RepeatableRead)
            } else {
                None
            });
        let t = self.tick();
        self.facts.txs.push(Tx {
            isolation,
            immediate: name == "immediate_transaction" || name == "exclusive_transaction",
            begin: t,
            end: Time::MAX,
        });
        let id = self.facts.txs.len() - 1;
        self.closure_inputs = Some(vec![Val {
            exec: Some(Executor::Tx(id)),
            ..Val::default()
        }]);
        Some(id)
    }

    /// Ends a closure transaction once its closure has been walked.
    pub(super) fn orm_tx_end(&mut self, tx: TxId) {
        let t = self.tick();
        self.facts.txs[tx].end = t;
    }

    /// Method calls on ORM values.
    pub(super) fn orm_assign(&mut self, left: &Expr, right: &Expr, rhs: &Val, op: &str) -> bool {
        let Expr::Field(f) = left else { return false };
        let syn::Member::Named(col) = &f.member else {
            return false;
        };
        let Some(name) =
            super::vocab::path_last(&f.base).filter(|_| path_segments(&f.base).len() == 1)
        else {
            return false;
        };
        let Some(at) = self.lookup(&name) else {
            return false;
        };
        let b = self.binding_mut(at);
        let Some(OrmVal::Model(_)) = &b.orm else {
            return false;
        };
        let mut deps = rhs.deps.clone();
        if op != "=" {
            // `m.count += 1` reads the loaded value.
            deps = union(&deps, &b.deps);
        }
        let value = if op == "=" {
            set_inner_text(right)
        } else {
            format!(
                "{name}.{col} {} {}",
                op.trim_end_matches('='),
                compact_text(right)
            )
        };
        let field = Field {
            column: col.to_string(),
            deps,
            value,
            self_relative: false,
        };
        self.add_model_field(&f.base, field);
        true
    }

    pub(super) fn add_model_field(&mut self, base: &Expr, field: Field) {
        let mut base = base;
        while let Expr::Reference(r) = base {
            base = &r.expr;
        }
        let Some(name) = super::vocab::path_last(base) else {
            return;
        };
        let Some(at) = self.lookup(&name) else { return };
        if let Some(OrmVal::Model(m)) = &mut self.binding_mut(at).orm {
            m.fields.retain(|x| x.column != field.column);
            m.fields.push(field);
        }
    }
}

/// A value carrying an ORM value.
pub(super) fn orm_val(deps: Deps, orm: OrmVal) -> Val {
    Val {
        deps,
        orm: Some(orm),
        ..Val::default()
    }
}

/// The statement a model's write is: by its key, writing the fields set.
pub(super) fn model_target(m: &OrmModel, kind: Kind) -> OrmQuery {
    let mut q = OrmQuery::new(m.orm, kind, m.table.clone(), m.table_text.clone());
    q.star = false;
    q.where_cols.push("id".into());
    q.where_eq.push("id".into());
    q.key = m.key.clone();
    apply_model_writes(&mut q, m);
    q
}

pub(super) fn apply_model_writes(q: &mut OrmQuery, m: &OrmModel) {
    for f in &m.fields {
        if f.column == "id" {
            continue;
        }
        q.writes.push(Write {
            column: f.column.clone(),
            self_relative: f.self_relative,
        });
        q.sets.push(OrmSet {
            column: f.column.clone(),
            value: f.value.clone(),
        });
        q.set_deps = union(&q.set_deps, &f.deps);
    }
}

/// `count_star()`, `count(..)`, `exists(..)`, `max(..)` in a select.
pub(super) fn is_aggregate(e: &Expr) -> bool {
    match strip_ref(e) {
        Expr::Call(c) => path_segments(&c.func).last().is_some_and(|l| {
            matches!(
                l.as_str(),
                "count_star" | "count" | "exists" | "max" | "min" | "sum"
            )
        }),
        _ => false,
    }
}

/// `NotSet`, `ActiveValue::NotSet`: the field is not written.
pub(super) fn is_not_set(e: &Expr) -> bool {
    path_segments(e).last().is_some_and(|l| l == "NotSet")
        || matches!(e, Expr::Call(c) if path_segments(&c.func).last().is_some_and(|l| l == "default"))
}

/// The value inside `Set(v)` / `ActiveValue::Set(v)`, as written.
pub(super) fn set_inner_text(e: &Expr) -> String {
    if let Expr::Call(c) = e {
        if path_segments(&c.func)
            .last()
            .is_some_and(|l| l == "Set" || l == "Unchanged")
            && c.args.len() == 1
        {
            return compact_text(&c.args[0]);
        }
    }
    compact_text(e)
}

/// An expression's text with token spacing tidied (`m.balance - amount`).
pub(super) fn compact_text(e: &Expr) -> String {
    let t = e.to_token_stream().to_string();
    t.replace(" . ", ".")
        .replace(" :: ", "::")
        .replace("& ", "&")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
        .replace(" ?", "?")
}
