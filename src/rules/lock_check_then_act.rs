//! `lock-check-then-act`: a decision made under one lock acquisition, acted
//! on under another.

use super::{substitute, text};
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{AcqId, FnFacts, LockMode, Op, OpId, OpKind};
use crate::source::SourceFile;
use std::collections::HashSet;

const RULE: &str = "lock-check-then-act";

pub fn check(facts: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    let mut reported: HashSet<(AcqId, AcqId)> = HashSet::new();
    for act in &facts.ops {
        let OpKind::GuardMutate { acq: a2, .. } = act.kind else {
            continue;
        };
        if !act.shared {
            continue;
        }
        // Re-checked under the acquisition that acts: safe.
        let rechecked = act.guards.iter().any(|&c| {
            facts.conds[c]
                .deps
                .iter()
                .any(|&d| matches!(facts.op(d).kind, OpKind::GuardRead { acq } if acq == a2))
        });
        if rechecked {
            continue;
        }
        let stale = |d: &OpId| -> Option<AcqId> {
            let r = facts.op(*d);
            let OpKind::GuardRead { acq: a1 } = r.kind else {
                return None;
            };
            let (first, second) = (&facts.acqs[a1], &facts.acqs[a2]);
            let separate = a1 != a2 && first.target == second.target && first.end <= second.start;
            // Both under a further lock (an outer mutex): serialised anyway.
            let outer = r.live.iter().any(|x| *x != a1 && act.live.contains(x));
            (separate && !outer).then_some(a1)
        };
        // A decision (a condition guarding the act) or a value (flowing into
        // the act) that came from an earlier acquisition.
        let decision = act
            .guards
            .iter()
            .flat_map(|&c| facts.conds[c].deps.iter().map(move |d| (Some(c), *d)))
            .find_map(|(c, d)| stale(&d).map(|a1| (c, d, a1)));
        let flow = || {
            act.deps
                .iter()
                .find_map(|d| stale(d).map(|a1| (None, *d, a1)))
        };
        let Some((cond, read, a1)) = decision.or_else(flow) else {
            continue;
        };
        if !reported.insert((a1, a2)) {
            continue;
        }
        out.push(finding(facts, file, act, cond, read, a1, a2));
    }
}

fn finding(
    facts: &FnFacts,
    file: &SourceFile,
    act: &Op,
    cond: Option<usize>,
    read: OpId,
    a1: AcqId,
    a2: AcqId,
) -> Finding {
    let target = facts.target(act.target);
    let name = &target.display;
    let second = &facts.acqs[a2];
    let map = second.mode == LockMode::MapCall;
    let what = match &act.kind {
        OpKind::GuardMutate { what, .. } if what.ends_with('=') => "assignment".to_string(),
        OpKind::GuardMutate { what, .. } => format!("`{what}`"),
        _ => "write".into(),
    };
    let r = facts.op(read);
    let (message, check_label, note) = match (cond, map) {
        (Some(_), false) => (
            format!("`{name}` is checked under one lock acquisition and changed under another"),
            format!("`{name}` checked here; the guard is dropped after this"),
            format!(
                "another thread can take the lock between the two acquisitions and change `{name}`, so the decision is stale when the {what} runs"
            ),
        ),
        (None, false) => (
            format!("a value read from `{name}` under one lock acquisition is written back under another"),
            format!("`{name}` read here; the guard is dropped after this"),
            format!("an update another thread makes between the two acquisitions is lost by the {what}"),
        ),
        (_, true) => (
            format!("`{name}` is checked, then changed by a separate call; each call locks on its own"),
            format!("`{name}` checked here"),
            format!("another task can insert or remove the same key between the check and the {what}"),
        ),
    };
    let mut labels = vec![(r.range.clone(), check_label)];
    if !map {
        labels.push((second.range.clone(), "locked again here".to_string()));
    }
    Finding {
        rule: RULE,
        message,
        primary: act.range.clone(),
        labels,
        notes: vec![note],
        suggestions: vec![suggestion(facts, file, act, cond, read, a1, a2)],
        function: facts.name.clone(),
        target_key: target.key.clone(),
        severity: None,
    }
}

fn suggestion(
    facts: &FnFacts,
    file: &SourceFile,
    act: &Op,
    cond: Option<usize>,
    read: OpId,
    a1: AcqId,
    a2: AcqId,
) -> Suggestion {
    let (first, second) = (&facts.acqs[a1], &facts.acqs[a2]);
    let name = &facts.target(act.target).display;
    if second.mode == LockMode::MapCall {
        let key = act
            .call
            .as_ref()
            .and_then(|c| c.args.first())
            .map(|r| text(file, r))
            .unwrap_or_else(|| "key".into());
        let value = act
            .call
            .as_ref()
            .and_then(|c| c.args.get(1))
            .map(|r| text(file, r));
        let replacement = match value {
            Some(v) => format!("{name}.entry({key}).or_insert({v});"),
            None => format!("if let dashmap::Entry::Occupied(entry) = {name}.entry({key}) {{ entry.remove(); }}"),
        };
        return Suggestion {
            message: "check and change the key in one call with the `entry` API, which holds the shard lock across both".into(),
            applicability: Applicability::Manual,
            replacement_text: Some(replacement),
            edits: Vec::new(),
        };
    }
    let acquire = text(file, &second.range);
    let act_text = substitute(file, &act.range, &second.range, "guard")
        .unwrap_or_else(|| text(file, &act.range));
    let check_text = match cond {
        Some(c) => {
            substitute(file, &facts.conds[c].range, &first.range, "guard").unwrap_or_else(|| {
                format!(
                    "/* re-check on guard: */ {}",
                    text(file, &facts.conds[c].range)
                )
            })
        }
        None => substitute(file, &facts.op(read).range, &first.range, "guard")
            .unwrap_or_else(|| "/* read through guard */".into()),
    };
    let body = match cond {
        Some(c) if facts.conds[c].guards_from_before(act.range.start) => format!(
            "let mut guard = {acquire};\nif {check_text} {{\n    // leave as before, still holding the guard\n}}\n{act_text};"
        ),
        Some(_) => format!("let mut guard = {acquire};\nif {check_text} {{\n    {act_text};\n}}"),
        None => format!(
            "let mut guard = {acquire};\n// read through the same guard: {check_text}\n{act_text};"
        ),
    };
    Suggestion {
        message: format!(
            "hold one guard across the check and the change{}",
            if first.mode == LockMode::Read {
                " (take `write()` from the start, or re-check after taking it)"
            } else {
                ""
            }
        ),
        applicability: Applicability::Manual,
        replacement_text: Some(body),
        edits: Vec::new(),
    }
}
