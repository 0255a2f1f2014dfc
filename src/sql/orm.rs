//! Statements built with an ORM (diesel, sea-orm) rather than written as
//! text: what the lowering knows about how the user spelled them, so that
//! rewrites come back in the same API, and the symbolic table a chain names
//! until the crate's schema resolves it.

use super::parse::{Kind, SqlStmt};

/// The ORM a statement was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orm {
    Diesel,
    SeaOrm,
}

/// How a chain names its table, before the crate index resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TableRef {
    /// diesel `t::table`, `t::dsl::t`: the table name itself.
    Table(String),
    /// A diesel model type (`User`), mapped by `#[diesel(table_name)]`.
    Model(String),
    /// A sea-orm entity module (`post` of `post::Entity`).
    Entity(String),
    /// A sea-orm entity alias (`Post` of `use super::post::Entity as Post`).
    Alias(String),
}

impl TableRef {
    /// The name used until (or unless) the schema says otherwise.
    pub fn fallback(&self) -> String {
        match self {
            TableRef::Table(t) | TableRef::Entity(t) => t.clone(),
            TableRef::Model(m) | TableRef::Alias(m) => crate::krate::schema::snake_case(m),
        }
    }
}

/// One column a builder writes, as the user spelled it.
#[derive(Debug, Clone)]
pub struct OrmSet {
    pub column: String,
    /// The written value's text (`m.balance - amount`).
    pub value: String,
}

/// What a rewrite in the user's ORM needs.
#[derive(Debug, Clone)]
pub struct OrmInfo {
    pub orm: Orm,
    pub table: TableRef,
    /// The table or entity as written (`accounts`, `post::Entity`, `Post`).
    pub table_text: String,
    /// The key the statement picks its row by (`id` of `find(id)`).
    pub key: Option<String>,
    pub sets: Vec<OrmSet>,
}

impl OrmInfo {
    /// How a column is spelled in this ORM (`accounts::balance`,
    /// `post::Column::Balance`).
    pub fn column(&self, col: &str) -> String {
        match self.orm {
            Orm::Diesel => format!("{}::{col}", self.table_text),
            Orm::SeaOrm => {
                let camel: String = col
                    .split('_')
                    .map(|w| {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect::<String>())
                            .unwrap_or_default()
                    })
                    .collect();
                match self.entity_module() {
                    Some(m) => format!("{m}::Column::{camel}"),
                    None => format!("Column::{camel}"),
                }
            }
        }
    }

    /// The sea-orm entity as a type path (`post::Entity`, `Post`).
    pub fn entity(&self) -> String {
        self.table_text.clone()
    }

    fn entity_module(&self) -> Option<String> {
        self.table_text
            .strip_suffix("::Entity")
            .map(str::to_string)
            .or_else(|| match &self.table {
                TableRef::Entity(m) if self.table_text == "Entity" => None.or(Some(m.clone())),
                _ => None,
            })
    }
}

/// A readable SQL form of a built statement, for notes and the text of
/// suggestions that quote the statement.
pub fn render(s: &SqlStmt) -> String {
    let table = s.tables.first().cloned().unwrap_or_default();
    let mut out = match s.kind {
        Kind::Select => {
            let cols = if s.aggregate {
                "COUNT(*)".to_string()
            } else if s.star || s.reads.is_empty() {
                "*".to_string()
            } else {
                s.reads
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("SELECT {cols} FROM {table}")
        }
        Kind::Update => {
            let sets = s
                .writes
                .iter()
                .map(|w| {
                    if w.self_relative {
                        format!("{0} = {0} + …", w.column)
                    } else {
                        format!("{} = …", w.column)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("UPDATE {table} SET {sets}")
        }
        Kind::Insert => format!("INSERT INTO {table} …"),
        Kind::Delete => format!("DELETE FROM {table}"),
        _ => String::new(),
    };
    if !s.where_cols.is_empty() {
        let conds = s
            .where_cols
            .iter()
            .map(|c| {
                if s.where_eq.contains(c) {
                    format!("{c} = …")
                } else {
                    format!("{c} …")
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        out.push_str(" WHERE ");
        out.push_str(&conds);
    }
    if s.conflict {
        out.push_str(" ON CONFLICT DO NOTHING");
    }
    if let Some(l) = s.lock {
        out.push(' ');
        out.push_str(l.text());
    }
    out
}
