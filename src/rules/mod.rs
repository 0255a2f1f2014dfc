//! The rule catalogue. Each rule is a small function from one function's
//! effects ([`FnFacts`]) to findings; none of them looks at syntax.

pub mod atomic_load_store;
pub mod check_then_insert;
pub mod for_update_outside_transaction;
pub mod fs_check_then_use;
pub mod fs_create_then_chmod;
pub mod fs_remove_then_create;
pub mod lock_check_then_act;
pub mod orm_rewrite;
pub mod redis_get_then_set;
pub mod redis_support;
pub mod redis_unsafe_lock;
pub mod select_then_update;
pub mod sql_support;
pub mod static_flag_lock;
pub mod static_mut_rmw;
pub mod unchecked_optimistic_update;

use crate::diagnostic::{Finding, Severity};
use crate::lower::context::FileCtx;
use crate::lower::effects::{FnFacts, Op};
use crate::source::SourceFile;
use std::collections::HashSet;
use std::ops::Range;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    /// `rules/<id>.md`, embedded.
    pub doc: &'static str,
}

impl RuleInfo {
    /// The one-sentence summary: the first plain paragraph of the doc.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("**"))
            .unwrap_or("")
    }
}

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "select-then-update",
        severity: Severity::Error,
        doc: include_str!("../../rules/select-then-update.md"),
    },
    RuleInfo {
        id: "check-then-insert",
        severity: Severity::Warning,
        doc: include_str!("../../rules/check-then-insert.md"),
    },
    RuleInfo {
        id: "for-update-outside-transaction",
        severity: Severity::Error,
        doc: include_str!("../../rules/for-update-outside-transaction.md"),
    },
    RuleInfo {
        id: "unchecked-optimistic-update",
        severity: Severity::Warning,
        doc: include_str!("../../rules/unchecked-optimistic-update.md"),
    },
    RuleInfo {
        id: "atomic-load-store",
        severity: Severity::Error,
        doc: include_str!("../../rules/atomic-load-store.md"),
    },
    RuleInfo {
        id: "lock-check-then-act",
        severity: Severity::Warning,
        doc: include_str!("../../rules/lock-check-then-act.md"),
    },
    RuleInfo {
        id: "static-flag-lock",
        severity: Severity::Error,
        doc: include_str!("../../rules/static-flag-lock.md"),
    },
    RuleInfo {
        id: "static-mut-rmw",
        severity: Severity::Error,
        doc: include_str!("../../rules/static-mut-rmw.md"),
    },
    RuleInfo {
        id: "redis-get-then-set",
        severity: Severity::Warning,
        doc: include_str!("../../rules/redis-get-then-set.md"),
    },
    RuleInfo {
        id: "redis-unsafe-lock",
        severity: Severity::Warning,
        doc: include_str!("../../rules/redis-unsafe-lock.md"),
    },
    RuleInfo {
        id: "fs-check-then-use",
        severity: Severity::Warning,
        doc: include_str!("../../rules/fs-check-then-use.md"),
    },
    RuleInfo {
        id: "fs-create-then-chmod",
        severity: Severity::Warning,
        doc: include_str!("../../rules/fs-create-then-chmod.md"),
    },
    RuleInfo {
        id: "fs-remove-then-create",
        severity: Severity::Warning,
        doc: include_str!("../../rules/fs-remove-then-create.md"),
    },
    RuleInfo {
        id: crate::suppress::UNUSED,
        severity: Severity::Note,
        doc: include_str!("../../rules/unused-suppression.md"),
    },
];

pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// Every rule id, in catalogue order.
pub fn ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

/// Runs every enabled rule over one function.
///
/// One hazard gives one finding: a flag reported as a hand-made lock is not
/// reported again by the rules for its individual loads and stores.
pub fn check_function(
    facts: &FnFacts,
    file: &SourceFile,
    ctx: &FileCtx,
    enabled: &HashSet<&'static str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut flags = Vec::new();
    static_flag_lock::check(facts, file, &mut flags);
    let claimed: HashSet<String> = flags.iter().map(|f| f.target_key.clone()).collect();
    if enabled.contains("static-flag-lock") {
        out.extend(flags);
    }
    let mut rest = Vec::new();
    if enabled.contains("atomic-load-store") {
        atomic_load_store::check(facts, file, &mut rest);
    }
    if enabled.contains("static-mut-rmw") {
        static_mut_rmw::check(facts, file, ctx, &mut rest);
    }
    if enabled.contains("lock-check-then-act") {
        lock_check_then_act::check(facts, file, &mut rest);
    }
    if !facts.sql.is_empty() {
        if enabled.contains("select-then-update") {
            select_then_update::check(facts, file, &mut rest);
        }
        if enabled.contains("check-then-insert") {
            check_then_insert::check(facts, file, &mut rest);
        }
        if enabled.contains("for-update-outside-transaction") {
            for_update_outside_transaction::check(facts, file, &mut rest);
        }
        if enabled.contains("unchecked-optimistic-update") {
            unchecked_optimistic_update::check(facts, file, &mut rest);
        }
    }
    if !facts.redis.is_empty() {
        if enabled.contains("redis-get-then-set") {
            redis_get_then_set::check(facts, file, &mut rest);
        }
        if enabled.contains("redis-unsafe-lock") {
            redis_unsafe_lock::check(facts, file, &mut rest);
        }
    }
    if !facts.fs.is_empty() {
        if enabled.contains("fs-check-then-use") {
            fs_check_then_use::check(facts, file, &mut rest);
        }
        if enabled.contains("fs-create-then-chmod") {
            fs_create_then_chmod::check(facts, file, ctx, &mut rest);
        }
        if enabled.contains("fs-remove-then-create") {
            fs_remove_then_create::check(facts, file, &mut rest);
        }
    }
    out.extend(
        rest.into_iter()
            .filter(|f| f.rule == "lock-check-then-act" || !claimed.contains(&f.target_key)),
    );
    out
}

/// Whether two ops ran under the same live lock acquisition, which makes
/// the pair atomic with respect to everyone who takes that lock.
pub fn under_same_lock(a: &Op, b: &Op) -> bool {
    a.live.iter().any(|x| b.live.contains(x))
}

/// `outer`'s text with `inner` (a range inside it) replaced.
pub fn substitute(
    file: &SourceFile,
    outer: &Range<usize>,
    inner: &Range<usize>,
    with: &str,
) -> Option<String> {
    if inner.start < outer.start || inner.end > outer.end {
        return None;
    }
    Some(format!(
        "{}{}{}",
        file.slice(outer.start..inner.start),
        with,
        file.slice(inner.end..outer.end)
    ))
}

/// An expression's text without the borrow or deref in front of it
/// (`&mut *tx` → `tx`, `&mut con` → `con`).
pub fn unref(t: &str) -> &str {
    t.trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim_start_matches('*')
        .trim()
}

/// Whether range `outer` contains `inner` (a label that would repeat one
/// already shown is left out).
pub fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The text of a range, with runs of whitespace folded to one space.
pub fn text(file: &SourceFile, r: &Range<usize>) -> String {
    file.slice(r.clone())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Indents every line after the first by `pad`.
pub fn indent(s: &str, pad: &str) -> String {
    s.lines().collect::<Vec<_>>().join(&format!("\n{pad}"))
}
