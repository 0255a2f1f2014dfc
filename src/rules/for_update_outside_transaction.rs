//! `for-update-outside-transaction`: `SELECT … FOR UPDATE` on a pool or an
//! autocommit connection. The statement is its own transaction, so the row
//! lock is released the moment it returns — before the code that relies on
//! it runs.

use super::sql_support::*;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{Executor, FnFacts};
use crate::source::SourceFile;
use crate::sql::Kind;

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    for s in &f.sql {
        let ss = s.stmt();
        let Some(lock) = ss.lock else { continue };
        if ss.kind != Kind::Select || ss.modifies {
            continue;
        }
        let on = match s.executor {
            Executor::Pool => "a connection pool",
            Executor::OwnConn => "a connection in autocommit mode",
            _ => continue,
        };
        let table = ss.tables.first().cloned().unwrap_or_default();
        let conn = executor_text(file, s).unwrap_or_else(|| "pool".to_string());
        let (begin, tx, commit) = begin_snippet(s, &conn, false);
        let mut labels = Vec::new();
        if let Some(r) = &s.executor_range {
            labels.push((r.clone(), format!("runs on {on}, outside any transaction")));
        }
        out.push(Finding {
            rule: "for-update-outside-transaction",
            message: format!("`{}` outside a transaction: the row lock is released when the statement ends", lock.text()),
            primary: s.range.clone(),
            labels,
            notes: vec![format!(
                "each statement on {on} commits on its own, so no lock on `{table}` is held while the code after it decides and writes"
            )],
            suggestions: vec![match super::orm_rewrite::locked_read(file, s, "the write that relies on the lock", false) {
                Some((_, text)) => Suggestion {
                    message: "begin a transaction, run the locking read and the write on it, then commit".to_string(),
                    applicability: Applicability::Manual,
                    replacement_text: Some(text),
                    edits: Vec::new(),
                },
                None => Suggestion {
                    message: "begin a transaction, run the locking SELECT and the write on it, then commit".to_string(),
                    applicability: Applicability::Manual,
                    replacement_text: Some(format!(
                        "{begin}\n// on `{tx}`: {}\n// on `{tx}`: the write that relies on the lock\n{commit}",
                        stmt_text(s)
                    )),
                    edits: Vec::new(),
                },
            }],
            function: f.name.clone(),
            target_key: format!("sql:{table}"),
            severity: None,
        });
    }
}
