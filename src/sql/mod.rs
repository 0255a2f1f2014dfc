//! Embedded SQL: finding it in Rust literals and macros ([`text`]), and
//! reading what each statement does ([`parse`]) with `sqlparser`.
//!
//! The rules never see SQL text: the lowering records, for every statement a
//! function runs, the summary built here (kind, tables, columns read and
//! written, WHERE guards, locking and conflict clauses, transaction control).

pub mod orm;
pub mod parse;
pub mod text;

pub use parse::{analyze, Isolation, Kind, Lock, Parsed, SqlStmt};
pub use text::SqlText;

use std::ops::Range;

/// SQL found in the source: what it says, its decoded text, and where the
/// literal (or `concat!`/`format!`) is in the file.
#[derive(Debug, Clone)]
pub struct SqlSrc {
    pub parsed: Parsed,
    pub text: SqlText,
    pub range: Range<usize>,
    /// Built with an ORM: how the user spelled it.
    pub orm: Option<orm::OrmInfo>,
}

/// The SQL in a string literal, if it is SQL.
pub fn from_literal(lit: &syn::LitStr, hint: Option<Dialect>) -> Option<SqlSrc> {
    let repr = lit.token().to_string();
    let body = repr.find('"').map(|i| &repr[i + 1..])?;
    if !parse::looks_like_sql(body) {
        return None;
    }
    let range = lit.span().byte_range();
    let text = text::decode_literal(&repr, range.start)?;
    from_text(text, range, hint)
}

/// Reads decoded text as SQL.
pub fn from_text(text: SqlText, range: Range<usize>, hint: Option<Dialect>) -> Option<SqlSrc> {
    let parsed = analyze(&text.text, hint, true)?;
    Some(SqlSrc {
        parsed,
        text,
        range,
        orm: None,
    })
}

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
