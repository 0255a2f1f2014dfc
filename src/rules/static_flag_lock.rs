//! `static-flag-lock`: a boolean (or integer) used as a hand-made lock.

use super::text;
use crate::diagnostic::{Applicability, Finding, Severity, Suggestion};
use crate::lower::effects::{FnFacts, Literal, Op, OpKind, Root, TargetId};
use crate::source::SourceFile;
use std::collections::{HashMap, HashSet};

const RULE: &str = "static-flag-lock";

/// A store or plain assignment of a literal: (is it a set, op).
fn literal_write(op: &Op) -> Option<bool> {
    match &op.kind {
        OpKind::AtomicStore => op.literal.map(Literal::is_set),
        OpKind::StaticWrite { op: o } if o == "=" => op.literal.map(Literal::is_set),
        _ => None,
    }
}

fn is_flag_read(op: &Op) -> bool {
    matches!(op.kind, OpKind::AtomicLoad | OpKind::StaticRead)
}

pub fn check(facts: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    // Clears (`store(false)`, `= false`) per target, in source order.
    let mut clears: HashMap<TargetId, Vec<&Op>> = HashMap::new();
    for op in &facts.ops {
        if literal_write(op) == Some(false) {
            clears.entry(op.target).or_default().push(op);
        }
    }
    let mut seen = HashSet::new();
    for set in &facts.ops {
        if !set.shared || seen.contains(&set.target) {
            continue;
        }
        // A release inside a closure (`CallOnDrop(|| flag.store(false, o))`)
        // is run by whatever holds the closure, typically a `Drop` guard.
        let release = |after: u32| {
            clears
                .get(&set.target)?
                .iter()
                .find(|r| r.time > after && r.in_closure == set.in_closure)
                .copied()
        };
        // A check-then-set flag: read in a condition, set, cleared later.
        if literal_write(set) == Some(true) {
            let check = set.guards.iter().find_map(|&c| {
                facts.conds[c]
                    .deps
                    .iter()
                    .map(|&d| facts.op(d))
                    .find(|d| is_flag_read(d) && d.target == set.target && d.time < set.time)
            });
            if let (Some(check), Some(clear)) = (check, release(set.time)) {
                seen.insert(set.target);
                out.push(flag_finding(facts, set, check, clear));
                continue;
            }
        }
        // A test-and-set lock released by hand: `compare_exchange(false, true)`
        // or `swap(true)` … `store(false)`, with no `Drop` guard.
        let test_and_set = match set.kind {
            OpKind::AtomicCas => {
                let args: Vec<String> = set
                    .call
                    .as_ref()
                    .map(|c| c.args.iter().map(|r| text(file, r)).collect())
                    .unwrap_or_default();
                args.len() >= 2 && is_clear_text(&args[0]) && is_set_text(&args[1])
            }
            OpKind::AtomicSwap => set.result_used && set.literal.is_some_and(Literal::is_set),
            _ => false,
        };
        if test_and_set {
            if let Some(clear) = release(set.time) {
                seen.insert(set.target);
                out.push(manual_release_finding(facts, set, clear));
            }
        }
    }
}

fn is_set_text(s: &str) -> bool {
    s == "true" || s.parse::<u128>().is_ok_and(|v| v != 0)
}

fn is_clear_text(s: &str) -> bool {
    s == "false" || s == "0"
}

fn multi_instance_note(facts: &FnFacts, set: &Op, clear: &Op) -> Option<String> {
    facts
        .external_calls
        .iter()
        .any(|(t, _)| *t > set.time && *t < clear.time)
        .then(|| {
            "the critical section reaches a database, Redis or files: a lock inside one process does not keep a second instance of the service out (use `SELECT … FOR UPDATE`, `pg_advisory_xact_lock`, or a lease in Redis)".to_string()
        })
}

fn guard_rewrite(facts: &FnFacts, set: &Op) -> String {
    let target = facts.target(set.target);
    let name = &target.display;
    let declare = match target.root {
        Root::Static { mutable: true } => format!(
            "static {name}: AtomicBool = AtomicBool::new(false); // instead of `static mut`\n\n"
        ),
        _ => String::new(),
    };
    format!(
        "{declare}struct Release<'a>(&'a AtomicBool);\nimpl Drop for Release<'_> {{\n    fn drop(&mut self) {{ self.0.store(false, Ordering::Release); }}\n}}\n\nif {name}.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {{\n    return; // someone else holds it\n}}\nlet _release = Release(&{name});\n// critical section: released on return and on panic"
    )
}

fn flag_finding(facts: &FnFacts, set: &Op, check: &Op, clear: &Op) -> Finding {
    let name = &facts.target(set.target).display;
    let mut notes = vec![format!(
        "two threads can both see `{name}` clear before either one sets it, and both enter the critical section"
    )];
    notes.extend(multi_instance_note(facts, set, clear));
    Finding {
        rule: RULE,
        message: format!("`{name}` is used as a lock, but checking and setting it are two separate steps"),
        primary: set.range.clone(),
        labels: vec![
            (check.range.clone(), format!("`{name}` checked here")),
            (clear.range.clone(), format!("`{name}` cleared here")),
        ],
        notes,
        suggestions: vec![Suggestion {
            message: "take the flag with one atomic test-and-set and release it from a guard's `Drop`, or use a `Mutex<()>` with `try_lock`".into(),
            applicability: Applicability::Manual,
            replacement_text: Some(guard_rewrite(facts, set)),
            edits: Vec::new(),
        }],
        function: facts.name.clone(),
        target_key: facts.target(set.target).key.clone(),
        severity: None,
    }
}

fn manual_release_finding(facts: &FnFacts, set: &Op, clear: &Op) -> Finding {
    let name = &facts.target(set.target).display;
    let mut notes = vec![format!(
        "if the code between taking and releasing `{name}` panics or returns early, the release never runs and `{name}` stays locked"
    )];
    notes.extend(multi_instance_note(facts, set, clear));
    Finding {
        rule: RULE,
        message: format!(
            "`{name}` is taken atomically but released by hand, not from a `Drop` guard"
        ),
        primary: set.range.clone(),
        labels: vec![(clear.range.clone(), format!("`{name}` released here"))],
        notes,
        suggestions: vec![Suggestion {
            message: "release the flag from a guard's `Drop` so that every exit path releases it"
                .into(),
            applicability: Applicability::Manual,
            replacement_text: Some(guard_rewrite(facts, set)),
            edits: Vec::new(),
        }],
        function: facts.name.clone(),
        target_key: facts.target(set.target).key.clone(),
        severity: Some(Severity::Note),
    }
}
