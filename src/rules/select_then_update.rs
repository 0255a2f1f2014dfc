//! `select-then-update`: a SELECT reads a column, and a later UPDATE of the
//! same table writes it back — computed from the read (a lost update) or
//! only when the read passed a check (a stale check) — with nothing keeping
//! another caller from doing the same in between.

use super::sql_support::*;
use crate::diagnostic::{Applicability, Edit, Finding, Suggestion};
use crate::lower::effects::{FnFacts, SqlExec};
use crate::source::SourceFile;
use crate::sql::parse::Write;
use crate::sql::{Dialect, Kind};
use sqlparser::ast::{AssignmentTarget, BinaryOperator, Expr, Statement};

/// Columns whose comparison in a WHERE is an optimistic-lock check.
pub const VERSION_COLUMNS: &[&str] = &[
    "version",
    "lock_version",
    "revision",
    "row_version",
    "updated_at",
    "etag",
];

pub fn is_version(col: &str) -> bool {
    VERSION_COLUMNS.contains(&col) || col.ends_with("_version") || col.ends_with("_revision")
}

/// The Rust text bound to a WHERE key, by column.
fn key_args(file: &SourceFile, e: &SqlExec) -> Vec<(String, String)> {
    e.stmt()
        .where_params
        .iter()
        .filter_map(|(col, ph, at)| {
            let r = param_for(e, ph, *at)?;
            let t = super::text(file, &r);
            Some((col.clone(), t.trim_start_matches('&').to_string()))
        })
        .collect()
}

/// The SELECT and the UPDATE filter the same key column on different Rust
/// values: they touch different rows (a transfer's debit and credit).
fn different_rows(file: &SourceFile, s: &SqlExec, u: &SqlExec) -> bool {
    let sk = key_args(file, s);
    let uk = key_args(file, u);
    sk.iter()
        .any(|(c, a)| uk.iter().any(|(c2, b)| c == c2 && a != b))
        && !sk
            .iter()
            .any(|(c, a)| uk.iter().any(|(c2, b)| c == c2 && a == b))
}

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    for u in &f.sql {
        let us = u.stmt();
        if us.kind != Kind::Update || us.where_opaque || us.modifies {
            continue;
        }
        let Some(table) = us.target.as_deref() else {
            continue;
        };
        let guarded = us
            .where_cols
            .iter()
            .any(|c| is_version(c) || us.writes.iter().any(|w| &w.column == c));
        if guarded {
            continue;
        }
        let ut = f.op(u.op).time;
        let found = f.sql.iter().rev().find_map(|s| {
            let ss = s.stmt();
            if f.op(s.op).time >= ut
                || ss.kind != Kind::Select
                || ss.modifies
                || ss.lock.is_some_and(|l| l.excludes_writers())
                || !ss.tables.iter().any(|t| t == table)
            {
                return None;
            }
            let cols: Vec<&Write> = us
                .writes
                .iter()
                .filter(|w| ss.star || ss.reads_column(table, &w.column))
                .collect();
            if cols.is_empty() {
                return None;
            }
            // A self-relative write (`col = col + 1`) applies its change to
            // the current value: a read that only picks its row (the key)
            // does not make it a lost update.
            let data = f.feeds(s.op, u.op) && cols.iter().any(|w| !w.self_relative);
            let control = f.controls(s.op, u.op);
            if !data && !control {
                return None;
            }
            if serialised_together(f, s, u) || different_rows(file, s, u) {
                return None;
            }
            Some((s, cols, data))
        });
        let Some((s, cols, data)) = found else {
            continue;
        };
        if explicitly_locked_before(f, u) {
            continue;
        }
        out.push(finding(f, file, s, u, &cols, data));
    }
}

fn finding(
    f: &FnFacts,
    file: &SourceFile,
    s: &SqlExec,
    u: &SqlExec,
    cols: &[&Write],
    data: bool,
) -> Finding {
    let col = &cols[0].column;
    let table = u.stmt().target.clone().unwrap_or_default();
    let message = if data {
        format!("`{col}` is read, then written back without a row lock")
    } else {
        format!("`{col}` is checked, then written without a row lock")
    };
    let mut labels = vec![(
        s.range.clone(),
        format!("`{col}` read here without FOR UPDATE"),
    )];
    let mut notes = Vec::new();
    if data {
        notes.push(format!(
            "two concurrent calls can interleave: A reads `{col}`, B reads `{col}`, A writes its new value, B writes its own — A's update to `{table}` is lost"
        ));
    } else {
        // The decision the UPDATE depends on.
        let cond = f
            .op(u.op)
            .guards
            .iter()
            .map(|&c| &f.conds[c])
            .find(|c| c.deps.contains(&s.op));
        if let Some(c) = cond {
            labels.push((
                c.range.clone(),
                "decided here on the value read".to_string(),
            ));
        }
        notes.push(format!(
            "two concurrent calls can interleave: A and B both read `{col}` and pass the check, then both write — the second write acts on a value that no longer holds"
        ));
    }
    if let Some(tx) = f.tx_of(u) {
        if tx.isolation.is_none() && !tx.immediate {
            notes.push(
                "a transaction at the default isolation level does not prevent this: it does not lock the rows a plain SELECT reads".to_string(),
            );
        }
    }
    let mut suggestions = Vec::new();
    if u.src.orm.is_some() {
        if let Some((text, extra)) = super::orm_rewrite::single_update(f, file, u, cols) {
            notes.extend(extra);
            suggestions.push(Suggestion {
                message:
                    "do the check and the write in one statement, and look at the affected rows"
                        .to_string(),
                applicability: Applicability::Manual,
                replacement_text: Some(text),
                edits: Vec::new(),
            });
        }
        if let Some((how, text)) =
            super::orm_rewrite::locked_read(file, s, "the update", f.tx_of(s).is_some())
        {
            suggestions.push(Suggestion {
                message: if suggestions.is_empty() {
                    how
                } else {
                    format!("or {how}")
                },
                applicability: Applicability::Manual,
                replacement_text: Some(text),
                edits: Vec::new(),
            });
        }
    } else if let Some((text, extra)) = single_statement(f, file, u, cols) {
        notes.extend(extra);
        suggestions.push(Suggestion {
            message: "do the check and the write in one statement, and look at the returned row"
                .to_string(),
            applicability: Applicability::Manual,
            replacement_text: Some(text),
            edits: Vec::new(),
        });
    }
    if s.src.orm.is_none() {
        suggestions.push(lock_suggestion(f, file, s));
    }
    let lock = if s
        .src
        .orm
        .as_ref()
        .is_some_and(|o| o.orm == crate::sql::orm::Orm::Diesel)
    {
        "`.for_update()`"
    } else if s.src.orm.is_some() {
        "`.lock_exclusive()`"
    } else {
        "FOR UPDATE"
    };
    labels[0].1 = format!("`{col}` read here without {lock}");
    Finding {
        rule: "select-then-update",
        message,
        primary: u.range.clone(),
        labels,
        notes,
        suggestions,
        function: f.name.clone(),
        target_key: format!("sql:{table}.{col}"),
        severity: None,
    }
}

/// `SELECT … FOR UPDATE` in the SELECT's transaction (an edit to the
/// literal), or a transaction to open first; `BEGIN IMMEDIATE` on SQLite.
fn lock_suggestion(f: &FnFacts, file: &SourceFile, s: &SqlExec) -> Suggestion {
    let conn = match s.executor {
        // Already in a (deferred) transaction: it is the connection that
        // has to begin differently.
        crate::lower::effects::Executor::Tx(_) => None,
        _ => executor_text(file, s),
    };
    let conn = conn.unwrap_or_else(|| {
        if s.dialect() == Dialect::Sqlite {
            "conn"
        } else {
            "pool"
        }
        .to_string()
    });
    if s.dialect() == Dialect::Sqlite {
        let (begin, on, commit) = begin_snippet(s, &conn, true);
        return Suggestion {
            message: "SQLite has no FOR UPDATE: take the write lock when the transaction begins, and run both statements in it".to_string(),
            applicability: Applicability::Manual,
            replacement_text: Some(format!(
                "{begin}\n// run the SELECT and the UPDATE on `{on}`\n{commit}"
            )),
            edits: Vec::new(),
        };
    }
    let locked = format!("{} FOR UPDATE", stmt_text(s));
    if f.tx_of(s).is_some() {
        if let Some(at) = end_in_file(s) {
            return Suggestion {
                message:
                    "lock the row when reading it, so the transaction holds it until the UPDATE"
                        .to_string(),
                applicability: Applicability::MaybeIncorrect,
                replacement_text: Some(locked),
                edits: vec![Edit {
                    range: at..at,
                    replacement: " FOR UPDATE".to_string(),
                }],
            };
        }
        return Suggestion {
            message: "lock the row when reading it, so the transaction holds it until the UPDATE"
                .to_string(),
            applicability: Applicability::Manual,
            replacement_text: Some(locked),
            edits: Vec::new(),
        };
    }
    let (begin, on, commit) = begin_snippet(s, &conn, false);
    Suggestion {
        message: "or read with FOR UPDATE inside a transaction that also runs the UPDATE"
            .to_string(),
        applicability: Applicability::Manual,
        replacement_text: Some(format!(
            "{begin}\n// on `{on}`: {locked}\n// on `{on}`: the UPDATE\n{commit}"
        )),
        edits: Vec::new(),
    }
}

/// `<lhs> - <rhs>` / `<lhs> + <rhs>` at the top level of a Rust expression.
pub(crate) fn split_arith(text: &str) -> Option<(&str, char, &str)> {
    let b = text.as_bytes();
    let mut depth = 0i32;
    let mut at = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'+' | b'-'
                if depth == 0 && i > 0 && b[i - 1] == b' ' && b.get(i + 1) == Some(&b' ') =>
            {
                at = Some(i)
            }
            _ => {}
        }
    }
    let i = at?;
    Some((text[..i].trim(), b[i] as char, text[i + 1..].trim()))
}

/// The last identifier of a Rust place (`row.balance`, `acct.balance()`).
fn last_ident(text: &str) -> &str {
    let t = text.trim_end_matches("()").trim_end_matches(".clone");
    t.rsplit(['.', ' ']).next().unwrap_or(t)
}

/// The single guarded `UPDATE … RETURNING` built from the user's UPDATE.
fn single_statement(
    f: &FnFacts,
    file: &SourceFile,
    u: &SqlExec,
    cols: &[&Write],
) -> Option<(String, Vec<String>)> {
    let Some(Statement::Update(up)) = u.stmt().ast.as_deref() else {
        return None;
    };
    let dialect = u.dialect();
    let mut text_so_far = stmt_text(u);
    let mut fresh = || {
        let p = next_placeholder(&text_so_far, dialect);
        text_so_far.push_str(&format!(" {p}"));
        p
    };
    let mut sets = Vec::new();
    let mut guards = Vec::new();
    let mut notes = Vec::new();
    let mut bare = 0usize;
    for a in &up.assignments {
        let value = a.value.to_string();
        let name = match &a.target {
            AssignmentTarget::ColumnName(n) => n.to_string(),
            AssignmentTarget::Tuple(_) => {
                sets.push(a.to_string());
                continue;
            }
        };
        let col = name
            .rsplit('.')
            .next()
            .unwrap_or(&name)
            .to_ascii_lowercase();
        let bare_here = bare;
        bare += value.matches('?').count();
        if !cols.iter().any(|w| w.column == col) {
            sets.push(a.to_string());
            continue;
        }
        match &a.value {
            Expr::BinaryOp { left, op, right }
                if cols.iter().any(|w| w.column == col && w.self_relative) =>
            {
                sets.push(a.to_string());
                if *op == BinaryOperator::Minus && left.to_string().eq_ignore_ascii_case(&name) {
                    guards.push(format!("{name} >= {right}"));
                }
            }
            Expr::Value(v) if matches!(v.value, sqlparser::ast::Value::Placeholder(_)) => {
                let ph = v.value.to_string();
                let bound = param_for(u, &ph, bare_here).map(|r| super::text(file, &r));
                // `let new_balance = row.balance - amount;` bound as the value.
                let init = bound.as_deref().and_then(|b| {
                    let name = b.trim_start_matches('&');
                    f.value_lets
                        .iter()
                        .rev()
                        .find(|v| v.name == name)
                        .map(|v| super::text(file, &v.init))
                });
                let source = init.or(bound.clone());
                let shape = source.as_deref().and_then(|b| {
                    let b = b.trim_start_matches('&');
                    split_arith(b).filter(|(l, _, _)| last_ident(l).eq_ignore_ascii_case(&col))
                });
                match shape {
                    Some((_, op, delta)) => {
                        sets.push(format!("{name} = {name} {op} {ph}"));
                        if op == '-' {
                            guards.push(format!("{name} >= {ph}"));
                        }
                        notes.push(format!(
                            "in the one-statement form, bind `{delta}` as {ph} (instead of `{}`): the database applies the change to the current `{col}`",
                            bound.as_deref().unwrap_or_default().trim_start_matches('&')
                        ));
                    }
                    None => {
                        sets.push(a.to_string());
                        let old = fresh();
                        guards.push(format!("{name} = {old}"));
                        notes.push(format!(
                            "in the one-statement form, bind the `{col}` you read as {old}: the UPDATE then changes nothing if another call changed it first"
                        ));
                    }
                }
            }
            _ => {
                sets.push(a.to_string());
                let old = fresh();
                guards.push(format!("{name} = {old}"));
                notes.push(format!(
                    "in the one-statement form, bind the `{col}` your check saw as {old}: the UPDATE then changes nothing if another call changed it first"
                ));
            }
        }
    }
    let mut sql = format!("UPDATE {} SET {}", up.table, sets.join(", "));
    let mut conds: Vec<String> = up.selection.iter().map(|w| w.to_string()).collect();
    conds.extend(guards);
    if !conds.is_empty() {
        sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
    }
    let returned: Vec<&str> = cols.iter().map(|w| w.column.as_str()).collect();
    if dialect != Dialect::MySql {
        sql.push_str(&format!(" RETURNING {}", returned.join(", ")));
        notes.push(
            "no returned row means the check failed or the row changed: report it or retry"
                .to_string(),
        );
    } else {
        notes.push(
            "zero affected rows means the check failed or the row changed: report it or retry"
                .to_string(),
        );
    }
    Some((shown(&sql), notes))
}
