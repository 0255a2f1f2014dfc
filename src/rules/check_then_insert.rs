//! `check-then-insert`: a SELECT looks for a row (or counts rows), and an
//! INSERT into the same table runs only when the check said so. Two callers
//! can both see "absent" and both insert: a duplicate account, a double
//! booking, a quota exceeded.

use super::sql_support::*;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{FnFacts, SqlExec};
use crate::sql::{Dialect, Kind};
use sqlparser::ast::{ConflictTarget, Ident, OnConflict, OnConflictAction, OnInsert, Statement};

pub fn check(f: &FnFacts, file: &crate::source::SourceFile, out: &mut Vec<Finding>) {
    for i in &f.sql {
        let is = i.stmt();
        if is.kind != Kind::Insert || is.conflict {
            continue;
        }
        let Some(table) = is.target.as_deref() else {
            continue;
        };
        let it = f.op(i.op).time;
        let found = f.sql.iter().rev().find(|s| {
            let ss = s.stmt();
            f.op(s.op).time < it
                && ss.kind == Kind::Select
                && !ss.modifies
                && ss.tables.iter().any(|t| t == table)
                && (f.controls(s.op, i.op) || ss.aggregate && f.feeds(s.op, i.op))
                && !serialised_for_insert(f, s, i)
                && !(s.dialect() == Dialect::MySql && ss.lock.is_some() && f.tx_of(s).is_some())
        });
        let Some(s) = found else {
            continue;
        };
        if explicitly_locked_before(f, i) {
            continue;
        }
        out.push(finding(f, file, s, i, table));
    }
}

fn finding(
    f: &FnFacts,
    file: &crate::source::SourceFile,
    s: &SqlExec,
    i: &SqlExec,
    table: &str,
) -> Finding {
    let ss = s.stmt();
    let counts = ss.aggregate && !ss.star && ss.reads.iter().all(|c| c.name != "exists");
    let mut labels = vec![(
        s.range.clone(),
        if counts {
            format!("`{table}` counted here")
        } else {
            format!("`{table}` checked here")
        },
    )];
    let cond = f
        .op(i.op)
        .guards
        .iter()
        .map(|&c| &f.conds[c])
        .find(|c| c.deps.contains(&s.op));
    if let Some(c) = cond {
        labels.push((
            c.range.clone(),
            "the INSERT depends on this check".to_string(),
        ));
    }
    let mut notes = vec![format!(
        "two concurrent calls can both run the check before either inserts, and both insert into `{table}`"
    )];
    let keys: Vec<String> = ss
        .where_eq
        .iter()
        .filter(|c| i.stmt().insert_columns.is_empty() || i.stmt().insert_columns.contains(c))
        .cloned()
        .collect();
    let mut suggestions = Vec::new();
    let rewrite = if i.src.orm.is_some() {
        // A count is a limit, not a uniqueness check: no key to conflict on.
        (!counts)
            .then(|| super::orm_rewrite::conflict_insert(file, i, &keys))
            .flatten()
    } else {
        conflict_rewrite(i, &keys)
    };
    if let Some(text) = rewrite {
        let on = if keys.is_empty() {
            "the columns that must be unique".to_string()
        } else {
            format!("({})", keys.join(", "))
        };
        notes.push(format!(
            "this needs a unique constraint (or unique index) on {on} of `{table}`"
        ));
        suggestions.push(Suggestion {
            message: if i.src.orm.is_some() {
                "let the database reject the duplicate: insert with conflict handling and look at the affected rows".to_string()
            } else if i.dialect() == Dialect::MySql {
                "let the database reject the duplicate: insert with INSERT IGNORE and look at the affected rows".to_string()
            } else {
                "let the database reject the duplicate: insert with ON CONFLICT DO NOTHING and look at the returned row".to_string()
            },
            applicability: Applicability::Manual,
            replacement_text: Some(text),
            edits: Vec::new(),
        });
    }
    if counts {
        let ph = next_placeholder(&stmt_text(i), i.dialect());
        suggestions.push(Suggestion {
            message: "for a limit (\"at most N\"), claim a slot in a counter row first, in one guarded statement, and insert only when it succeeds".to_string(),
            applicability: Applicability::Manual,
            replacement_text: Some(format!(
                "UPDATE <{table}_counter> SET used = used + 1 WHERE id = <key> AND used < {ph}"
            )),
            edits: Vec::new(),
        });
    }
    Finding {
        rule: "check-then-insert",
        message: format!("row inserted into `{table}` after a separate check for it"),
        primary: i.range.clone(),
        labels,
        notes,
        suggestions,
        function: f.name.clone(),
        target_key: format!("sql:{table}"),
        severity: None,
    }
}

/// The user's INSERT with a conflict clause in its dialect.
fn conflict_rewrite(i: &SqlExec, keys: &[String]) -> Option<String> {
    let Some(Statement::Insert(ins)) = i.stmt().ast.as_deref() else {
        return None;
    };
    let mut ins = ins.clone();
    if i.dialect() == Dialect::MySql {
        ins.ignore = true;
    } else {
        ins.on = Some(OnInsert::OnConflict(OnConflict {
            conflict_target: (!keys.is_empty()).then(|| {
                ConflictTarget::Columns(keys.iter().map(|k| Ident::new(k.as_str())).collect())
            }),
            action: OnConflictAction::DoNothing,
        }));
        if ins.returning.is_none() {
            if let Some(k) = keys.first() {
                ins.returning = Some(vec![sqlparser::ast::SelectItem::UnnamedExpr(
                    sqlparser::ast::Expr::Identifier(Ident::new(k.as_str())),
                )]);
            }
        }
    }
    Some(Statement::Insert(ins).to_string())
}
