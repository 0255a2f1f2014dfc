//! Embedded SQL: finding it in Rust literals and macros ([`text`]), and
//! reading what each statement does ([`parse`]) with `sqlparser`.
//!
//! The rules never see SQL text: the lowering records, for every statement a
//! function runs, the summary built here (kind, tables, columns read and
//! written, WHERE guards, locking and conflict clauses, transaction control).

pub mod parse;
pub mod text;

pub use parse::{analyze, Isolation, Kind, Lock, Parsed, SqlStmt};

/// The SQL dialect a statement is written in. It decides how it is parsed
/// and how rewrites are spelled (`$1` or `?`, `RETURNING`, `FOR UPDATE`,
/// `ON CONFLICT` or `INSERT IGNORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
            Dialect::Sqlite => "SQLite",
        }
    }

    /// The `dialect` configuration value.
    pub fn parse(s: &str) -> Option<Option<Dialect>> {
        match s {
            "auto" => Some(None),
            "postgres" | "postgresql" => Some(Some(Dialect::Postgres)),
            "mysql" => Some(Some(Dialect::MySql)),
            "sqlite" => Some(Some(Dialect::Sqlite)),
            _ => None,
        }
    }
}
