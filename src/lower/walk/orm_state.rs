//! What the walk tracks about ORM values: a query chain being built, and a
//! model (a row loaded by a query, or a sea-orm `ActiveModel`) with the
//! fields assigned since it was loaded.

use crate::lower::effects::Deps;
use crate::sql::orm::{Orm, OrmSet, TableRef};
use crate::sql::parse::{Kind, Lock, Write};
use std::ops::Range;

/// A diesel or sea-orm statement being built, not yet run.
#[derive(Debug, Clone)]
pub(crate) struct OrmQuery {
    pub orm: Orm,
    pub kind: Kind,
    pub table: TableRef,
    pub table_text: String,
    pub reads: Vec<String>,
    pub star: bool,
    pub aggregate: bool,
    /// `exists(..)` rather than a count.
    pub exists: bool,
    pub writes: Vec<Write>,
    pub sets: Vec<OrmSet>,
    /// Dependencies of the written values (not of the filter's keys: a
    /// row picked by the id read earlier is not a value computed from it).
    pub set_deps: Deps,
    pub where_cols: Vec<String>,
    pub where_eq: Vec<String>,
    /// `col = <Rust value>` in the filter, with the value's range.
    pub where_params: Vec<(String, Range<usize>)>,
    pub key: Option<String>,
    pub lock: Option<Lock>,
    pub conflict: bool,
    pub returning: bool,
    pub insert_columns: Vec<String>,
}

impl OrmQuery {
    pub fn new(orm: Orm, kind: Kind, table: TableRef, table_text: String) -> OrmQuery {
        OrmQuery {
            orm,
            kind,
            table,
            table_text,
            reads: Vec::new(),
            star: kind == Kind::Select,
            aggregate: false,
            exists: false,
            writes: Vec::new(),
            sets: Vec::new(),
            set_deps: Vec::new(),
            where_cols: Vec::new(),
            where_eq: Vec::new(),
            where_params: Vec::new(),
            key: None,
            lock: None,
            conflict: false,
            returning: false,
            insert_columns: Vec::new(),
        }
    }
}

/// A field assigned on a model: the column, what its value depends on,
/// and the value as written.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub column: String,
    pub deps: Deps,
    pub value: String,
    /// The value refers to the database column itself (sea-orm
    /// `Expr::col(..)`), not to a value read into Rust.
    pub self_relative: bool,
}

/// A row of a table held in Rust.
#[derive(Debug, Clone)]
pub(crate) struct OrmModel {
    pub orm: Orm,
    pub table: TableRef,
    pub table_text: String,
    /// A sea-orm `ActiveModel` (only the fields set are written).
    pub active: bool,
    /// Built in Rust (`ActiveModel { .. }`), not loaded: `save` inserts.
    pub fresh: bool,
    pub fields: Vec<Field>,
    /// How the row's key is written (`m.id`, `id`).
    pub key: Option<String>,
}

/// An ORM value.
#[derive(Debug, Clone)]
pub(crate) enum OrmVal {
    Query(Box<OrmQuery>),
    Model(Box<OrmModel>),
}
