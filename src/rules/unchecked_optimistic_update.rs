//! `unchecked-optimistic-update`: an UPDATE guarded by a version column
//! (`WHERE id = $1 AND version = $2`) whose affected-row count is thrown
//! away. When another writer got there first the UPDATE changes nothing,
//! and the code carries on as if it had succeeded.

use super::select_then_update::is_version;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{FnFacts, SqlApi};
use crate::source::SourceFile;
use crate::sql::Kind;

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    for u in &f.sql {
        let us = u.stmt();
        if us.kind != Kind::Update || u.result_checked() {
            continue;
        }
        let Some(col) = us.where_eq.iter().find(|c| is_version(c)) else {
            continue;
        };
        let table = us.target.clone().unwrap_or_default();
        let expr = u
            .discarded_expr
            .as_ref()
            .map(|r| super::text(file, r))
            .unwrap_or_else(|| super::text(file, &u.call));
        let expr = expr.trim_start_matches("let _ = ").trim_end_matches(';').to_string();
        let check = match u.api {
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
