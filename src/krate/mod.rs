//! The crate-level phase: what one file cannot know alone.
//!
//! Phase 1 parses and lowers every file of a crate in parallel and reads
//! each file's [`schema::FileSchema`]; this module merges those into one
//! [`CrateIndex`] per crate (package), and phase 2 resolves what the
//! lowering left symbolic — the table an ORM chain names through a model
//! type or a sea-orm entity alias — before the rules run. The index is the
//! place for every cross-file fact the analysis needs.

pub mod schema;
pub mod summary;

use crate::lower::effects::FnFacts;
use crate::sql::orm::TableRef;
use std::collections::HashMap;
use std::sync::Arc;

/// Cross-file facts of one crate.
#[derive(Debug, Default)]
pub struct CrateIndex {
    /// diesel tables by name.
    pub tables: HashMap<String, schema::Table>,
    /// diesel model type → table.
    pub models: HashMap<String, String>,
    /// sea-orm entity module → table.
    pub entities: HashMap<String, String>,
    /// sea-orm entity alias → entity module.
    pub aliases: HashMap<String, String>,
}

impl CrateIndex {
    /// Merges the schema facts of a crate's files. A name declared twice
    /// (two crates' schemas in one loose run, say) keeps its first meaning.
    pub fn build<'a>(parts: impl IntoIterator<Item = &'a schema::FileSchema>) -> CrateIndex {
        let mut ix = CrateIndex::default();
        let mut structs = Vec::new();
        for p in parts {
            for t in &p.tables {
                ix.tables.entry(t.name.clone()).or_insert_with(|| t.clone());
            }
            for (m, t) in &p.models {
                ix.models.entry(m.clone()).or_insert_with(|| t.clone());
            }
            for (m, t) in &p.entities {
                ix.entities.entry(m.clone()).or_insert_with(|| t.clone());
            }
            for (a, m) in &p.aliases {
                ix.aliases.entry(a.clone()).or_insert_with(|| m.clone());
            }
            structs.extend(p.structs.iter().cloned());
        }
        // diesel's default: a struct without `table_name` maps to its name
        // in snake case plus `s`, when such a table is declared.
        for s in structs {
            if ix.models.contains_key(&s) {
                continue;
            }
            let t = format!("{}s", schema::snake_case(&s));
            if ix.tables.contains_key(&t) {
                ix.models.insert(s, t);
            }
        }
        ix
    }

    /// The table a chain's reference names, when the schema says.
    pub fn table(&self, r: &TableRef) -> Option<String> {
        match r {
            TableRef::Table(t) => Some(t.clone()),
            TableRef::Model(m) => self.models.get(m).cloned(),
            TableRef::Entity(m) => self.entities.get(m).cloned(),
            TableRef::Alias(a) => {
                let m = self.aliases.get(a)?;
                self.entities.get(m).cloned()
            }
        }
    }

    /// Rewrites the tables of a function's ORM statements to the names the
    /// schema gives them.
    pub fn resolve(&self, f: &mut FnFacts) {
        for x in &mut f.sql {
            let Some(orm) = &x.src.orm else { continue };
            let Some(table) = self.table(&orm.table) else {
                continue;
            };
            let stmt = &x.src.parsed.stmts[x.index];
            if stmt.tables.first() == Some(&table) {
                continue;
            }
            let mut src = (*x.src).clone();
            for s in &mut src.parsed.stmts {
                s.tables = vec![table.clone()];
                if s.target.is_some() {
                    s.target = Some(table.clone());
                    s.target_text = Some(table.clone());
                }
                for c in &mut s.reads {
                    if c.table.is_some() {
                        c.table = Some(table.clone());
                    }
                }
            }
            let text = src
                .parsed
                .stmts
                .first()
                .map(crate::sql::orm::render)
                .unwrap_or_default();
            let mut t = crate::sql::SqlText::default();
            t.push(&text, None);
            if let Some(s) = src.parsed.stmts.first_mut() {
                s.range = 0..text.len();
            }
            src.text = t;
            x.src = Arc::new(src);
        }
    }
}
