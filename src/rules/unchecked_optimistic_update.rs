//! `unchecked-optimistic-update`: an UPDATE guarded by a version column
//! (`WHERE id = $1 AND version = $2`) whose affected-row count is thrown
//! away. When another writer got there first the UPDATE changes nothing,
//! and the code carries on as if it had succeeded.

use super::select_then_update::is_version;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{FnFacts, SqlApi};
use crate::source::SourceFile;
use crate::sql::Kind;

/// The text of `r`, its continuation lines shifted left by the indentation
/// of the line it starts on.
fn dedented(file: &SourceFile, r: &std::ops::Range<usize>) -> String {
    let line_start = file.text[..r.start].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = file.text[line_start..r.start]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    file.slice(r.clone())
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l
            } else {
                l.strip_prefix(indent.as_str()).unwrap_or(l)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    for u in &f.sql {
        let us = u.stmt();
        if us.kind != Kind::Update || u.result_checked() {
            continue;
        }
        // The version check sits beside the row's key (`id = $1 AND
        // version = $2`); a version column that is the key itself (a
        // migrations table keyed by version) is no optimistic check.
        let Some(col) = us.where_eq.iter().find(|c| is_version(c)) else {
            continue;
        };
        if !us.where_eq.iter().any(|c| !is_version(c)) {
            continue;
        }
        let table = us.target.clone().unwrap_or_default();
        let range = u.discarded_expr.clone().unwrap_or_else(|| u.call.clone());
        let expr = dedented(file, &range);
        let expr = expr
            .trim_start_matches("let _ = ")
            .trim_end_matches(';')
            .to_string();
        let check = match u.api {
            // The callee returns the count it got.
            _ if u.via.is_some() => "updated == 0",
            Some(SqlApi::SeaOrm) => "updated.rows_affected == 0",
            Some(SqlApi::Sqlx) | None => "updated.rows_affected() == 0",
            Some(SqlApi::MySql) => "conn.affected_rows() == 0",
            _ => "updated == 0",
        };
        let fix = if u.api == Some(SqlApi::MySql) {
            format!("{expr};\nif {check} {{\n    // another writer changed the row first: reload and retry, or report a conflict\n}}")
        } else {
            format!("let updated = {expr};\nif {check} {{\n    // another writer changed the row first: reload and retry, or report a conflict\n}}")
        };
        out.push(Finding {
            rule: "unchecked-optimistic-update",
            message: format!("optimistic update of `{table}` never checks whether it matched a row"),
            primary: u.range.clone(),
            labels: vec![(
                u.discarded_expr.clone().unwrap_or_else(|| u.call.clone()),
                "the affected-row count is thrown away here".to_string(),
            )],
            notes: vec![format!(
                "when another writer changed `{col}` first, this UPDATE matches no row and changes nothing, and the caller is never told"
            )],
            suggestions: vec![Suggestion {
                message: "check the affected rows and treat zero as a conflict".to_string(),
                applicability: Applicability::Manual,
                replacement_text: Some(fix),
                edits: Vec::new(),
            }],
            function: f.name.clone(),
            target_key: format!("sql:{table}"),
            severity: None,
        });
    }
}
