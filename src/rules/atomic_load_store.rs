//! `atomic-load-store`: an atomic is loaded and written back in two steps.

use super::{substitute, text, under_same_lock};
use crate::diagnostic::{Applicability, Edit, Finding, Suggestion};
use crate::lower::effects::{FnFacts, Op, OpId, OpKind, TargetId, Time, ValueShape};
use crate::source::SourceFile;
use std::collections::HashMap;

const RULE: &str = "atomic-load-store";

/// Per-function lookups, built once so that each act is checked against
/// the loads and re-validations of its own atomic only.
struct Index {
    /// Loads per target, in source order.
    loads: HashMap<TargetId, Vec<OpId>>,
    /// Times of re-validating ops per target (CAS, `fetch_update`, an RMW
    /// whose result is used), ascending.
    validations: HashMap<TargetId, Vec<Time>>,
    /// The latest time a load's value is used by a condition or a return.
    last_use: HashMap<OpId, Time>,
    /// Per target, for the loads in `loads`: the maximum `last_use` of the
    /// loads up to and including each one.
    used_until: HashMap<TargetId, Vec<Time>>,
}

impl Index {
    fn new(facts: &FnFacts) -> Index {
        let mut ix = Index {
            loads: HashMap::new(),
            validations: HashMap::new(),
            last_use: HashMap::new(),
            used_until: HashMap::new(),
        };
        for (id, op) in facts.ops.iter().enumerate() {
            let validates = match op.kind {
                OpKind::AtomicLoad => {
                    ix.loads.entry(op.target).or_default().push(id);
                    false
                }
                OpKind::AtomicCas | OpKind::AtomicFetchUpdate => true,
                // An RMW whose result the code looks at re-reads the value too.
                OpKind::AtomicFetch(_) | OpKind::AtomicSwap => op.result_used,
                _ => false,
            };
            if validates {
                ix.validations.entry(op.target).or_default().push(op.time);
            }
        }
        let uses = facts
            .conds
            .iter()
            .map(|c| (c.time, &c.deps))
            .chain(facts.returns.iter().map(|(t, deps)| (*t, deps)));
        for (time, deps) in uses {
            for &d in deps {
                let last = ix.last_use.entry(d).or_insert(0);
                *last = (*last).max(time);
            }
        }
        for (&target, loads) in &ix.loads {
            let mut max = 0;
            let prefix = loads
                .iter()
                .map(|l| {
                    max = max.max(ix.last_use.get(l).copied().unwrap_or(0));
                    max
                })
                .collect();
            ix.used_until.insert(target, prefix);
        }
        ix
    }

    /// Whether any load of `act`'s atomic made before it is used after it.
    fn any_load_used_after(&self, facts: &FnFacts, act: &Op) -> bool {
        let (Some(loads), Some(until)) = (
            self.loads.get(&act.target),
            self.used_until.get(&act.target),
        ) else {
            return false;
        };
        let before = loads.partition_point(|&l| facts.op(l).time < act.time);
        before > 0 && until[before - 1] > act.time
    }

    /// Whether a re-validating op on `act`'s atomic lies between `load` and
    /// `act`: after a successful `compare_exchange` the thread acts as its
    /// winner.
    fn validated_between(&self, act: &Op, load: &Op) -> bool {
        self.validations.get(&act.target).is_some_and(|times| {
            let after_load = times.partition_point(|&t| t <= load.time);
            times.get(after_load).is_some_and(|&t| t < act.time)
        })
    }
}

pub fn check(facts: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    let ix = Index::new(facts);
    for act in &facts.ops {
        let is_act = matches!(
            act.kind,
            OpKind::AtomicStore | OpKind::AtomicSwap | OpKind::AtomicFetch(_)
        );
        // Written while a lock guard is held: an atomic that mirrors
        // lock-protected data is serialised by that lock.
        if !is_act || !act.shared || !act.live.is_empty() {
            continue;
        }
        if owned_by_win(facts, act) {
            continue;
        }
        if let Some(f) = flow(facts, file, &ix, act)
            .or_else(|| guarded(facts, file, &ix, act))
            .or_else(|| outcome(facts, file, &ix, act))
        {
            out.push(f);
        }
    }
}

/// Whether the act runs only in the thread that won an atomic step on a
/// *different* atomic earlier (`if slot.state.compare_exchange(..).is_ok()`,
/// `if refs.fetch_sub(1, o) == 1`, `if busy.swap(true, o) { return }`): the
/// win hands this thread ownership of what the act writes, so no other
/// thread writes it between the load and the act.
fn owned_by_win(facts: &FnFacts, act: &Op) -> bool {
    facts.ops.iter().enumerate().any(|(id, o)| {
        let decides = match o.kind {
            OpKind::AtomicCas | OpKind::AtomicFetchUpdate => true,
            OpKind::AtomicFetch(_) | OpKind::AtomicSwap => o.result_used,
            _ => false,
        };
        decides
            && o.target != act.target
            && o.time < act.time
            && act
                .guards
                .iter()
                .any(|&c| facts.conds[c].deps.contains(&id))
    })
}

/// Loads of the act's atomic, earlier than it, not under a common lock and
/// not re-validated in between.
fn is_racing_load(facts: &FnFacts, ix: &Index, act: &Op, load: OpId) -> bool {
    let l = facts.op(load);
    l.kind == OpKind::AtomicLoad
        && l.target == act.target
        && l.time < act.time
        && !under_same_lock(l, act)
        && !ix.validated_between(act, l)
}

fn finding(facts: &FnFacts, act: &Op, message: String) -> Finding {
    Finding {
        rule: RULE,
        message,
        primary: act.range.clone(),
        labels: Vec::new(),
        notes: Vec::new(),
        suggestions: Vec::new(),
        function: facts.name.clone(),
        target_key: facts.target(act.target).key.clone(),
        severity: None,
    }
}

fn method(file: &SourceFile, op: &Op) -> String {
    op.call
        .as_ref()
        .map(|c| file.slice(c.method.clone()).to_string())
        .unwrap_or_default()
}

fn receiver(file: &SourceFile, op: &Op) -> String {
    op.call
        .as_ref()
        .map(|c| text(file, &c.receiver))
        .unwrap_or_default()
}

fn arg(file: &SourceFile, op: &Op, i: usize) -> String {
    op.call
        .as_ref()
        .and_then(|c| c.args.get(i))
        .map(|r| text(file, r))
        .unwrap_or_default()
}

/// The ordering argument of an op (its last argument).
fn ordering(file: &SourceFile, op: &Op) -> String {
    op.call
        .as_ref()
        .and_then(|c| c.args.last())
        .map(|r| text(file, r))
        .unwrap_or_else(|| "Ordering::SeqCst".into())
}

/// The ordering for one RMW replacing a load with `load_o` and a write with
/// `store_o`: the stronger of the two (Acquire + Release = AcqRel).
fn combined_ordering(load_o: &str, store_o: &str) -> String {
    let last = |s: &str| s.rsplit("::").next().unwrap_or(s).trim().to_string();
    let (l, s) = (last(load_o), last(store_o));
    let prefix = store_o.strip_suffix(s.as_str()).unwrap_or("").to_string();
    let pick = match (l.as_str(), s.as_str()) {
        (a, b) if a == b => return store_o.to_string(),
        ("SeqCst", _) | (_, "SeqCst") => "SeqCst",
        ("Acquire", "Release") | ("AcqRel", _) | (_, "AcqRel") => "AcqRel",
        ("Acquire", "Relaxed") => "Acquire",
        ("Relaxed", _) => return store_o.to_string(),
        _ => return store_o.to_string(),
    };
    format!("{prefix}{pick}")
}

/// The stored value is computed from a load of the same atomic.
fn flow(facts: &FnFacts, file: &SourceFile, ix: &Index, act: &Op) -> Option<Finding> {
    let load = *act
        .deps
        .iter()
        .find(|&&d| is_racing_load(facts, ix, act, d))?;
    let l = facts.op(load);
    let name = &facts.target(act.target).display;
    let m = method(file, act);
    let mut f = finding(
        facts,
        act,
        format!("`{name}` is loaded, then written back with `{m}` in a separate step"),
    );
    f.labels
        .push((l.range.clone(), format!("`{name}` loaded here")));
    f.notes.push(format!(
        "another thread can change `{name}` between the load and the `{m}`; its update is then lost"
    ));
    f.suggestions
        .push(rmw_suggestion(facts, file, act, l, load));
    Some(f)
}

/// The RMW method that does `shape` in one step.
fn fetch_for(shape: &ValueShape) -> Option<(&'static str, OpId, std::ops::Range<usize>)> {
    match shape {
        ValueShape::Binary {
            op,
            load,
            other,
            load_on_left,
        } => {
            let m = match (*op, load_on_left) {
                ("+", _) => "fetch_add",
                ("-", true) => "fetch_sub",
                ("|", _) => "fetch_or",
                ("&", _) => "fetch_and",
                ("^", _) => "fetch_xor",
                _ => return None,
            };
            Some((m, *load, other.clone()))
        }
        ValueShape::Method { name, load, other } => {
            let m = match name.as_str() {
                "max" => "fetch_max",
                "min" => "fetch_min",
                "wrapping_add" => "fetch_add",
                "wrapping_sub" => "fetch_sub",
                _ => return None,
            };
            Some((m, *load, other.clone()))
        }
    }
}

fn rmw_suggestion(facts: &FnFacts, file: &SourceFile, act: &Op, l: &Op, load: OpId) -> Suggestion {
    let recv = receiver(file, act);
    let order = combined_ordering(&ordering(file, l), &ordering(file, act));
    if let Some((fetch, shape_load, other)) = act.shape.as_ref().and_then(fetch_for) {
        if shape_load == load {
            let replacement = format!("{recv}.{fetch}({}, {order})", text(file, &other));
            // A receiver split over lines (`dest.inner\n    .back`) is kept
            // as written: the edit replaces only the method call after it.
            let method_start = act
                .call
                .as_ref()
                .filter(|c| file.slice(c.receiver.clone()).contains('\n'))
                .map(|c| c.method.start)
                .filter(|&m| m > act.range.start)
                .unwrap_or(act.range.start);
            let mut edits = vec![Edit {
                range: method_start..act.range.end,
                replacement: if method_start == act.range.start {
                    replacement.clone()
                } else {
                    format!("{fetch}({}, {order})", file.slice(other.clone()).trim())
                },
            }];
            // `let v = X.load(o);` used only by this store: remove it too.
            if let Some(b) = facts
                .load_bindings
                .iter()
                .find(|b| b.load == load && b.reads == 1)
            {
                edits.push(Edit {
                    range: whole_lines(file, &b.stmt),
                    replacement: String::new(),
                });
            }
            edits.sort_by_key(|e| e.range.start);
            return Suggestion {
                message: format!("do the read-modify-write in one atomic step with `{fetch}`"),
                applicability: Applicability::MachineApplicable,
                replacement_text: Some(replacement),
                edits,
            };
        }
    }
    // No single instruction: a `fetch_update` closure computing the same value.
    let value = act.call.as_ref().and_then(|c| c.args.first()).cloned();
    let load_order = ordering(file, l);
    let (param, body) = match value {
        Some(v) => match substitute(file, &v, &l.range, "current") {
            Some(body) => ("current".to_string(), body),
            None => {
                let binding = facts
                    .load_bindings
                    .iter()
                    .find(|b| b.load == load)
                    .map(|b| b.name.clone());
                (
                    binding.unwrap_or_else(|| "current".into()),
                    inline_lets(facts, file, act, load, file.slice(v).trim()),
                )
            }
        },
        None => ("current".into(), "current".into()),
    };
    let text = format!(
        "{recv}.fetch_update({}, {load_order}, |{param}| Some({body}))",
        ordering(file, act)
    );
    Suggestion {
        message: "compute the new value inside `fetch_update`, which retries if another thread wrote in between".into(),
        applicability: Applicability::Manual,
        replacement_text: Some(text),
        edits: Vec::new(),
    }
}

/// `next` → `current_gen * 2 + 1` when `let next = current_gen * 2 + 1;`
/// carried the loaded value: the closure must compute from its parameter.
fn inline_lets(facts: &FnFacts, file: &SourceFile, act: &Op, load: OpId, value: &str) -> String {
    let mut body = value.to_string();
    for _ in 0..4 {
        let is_ident = !body.is_empty() && body.chars().all(|c| c.is_alphanumeric() || c == '_');
        let Some(def) = facts.value_lets.iter().rev().find(|l| {
            is_ident && l.name == body && l.init.end <= act.range.start && l.deps.contains(&load)
        }) else {
            break;
        };
        body = text(file, &def.init);
    }
    body
}

/// A statement's range widened to whole lines when it is alone on them, so
/// removing it leaves no blank line behind.
fn whole_lines(file: &SourceFile, r: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let text = &file.text;
    let line_start = text[..r.start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let before_blank = text[line_start..r.start].chars().all(char::is_whitespace);
    let line_end = text[r.end..]
        .find('\n')
        .map(|i| r.end + i + 1)
        .unwrap_or(text.len());
    let after_blank = text[r.end..line_end].trim().is_empty();
    if before_blank && after_blank {
        line_start..line_end
    } else {
        r.clone()
    }
}

/// A condition on a load of the same atomic decides whether the act runs.
fn guarded(facts: &FnFacts, file: &SourceFile, ix: &Index, act: &Op) -> Option<Finding> {
    match &act.kind {
        // The RMW's own result is looked at: the code re-validates with it
        // (`let f = x.fetch_add(1, o); if f >= b { … }`).
        OpKind::AtomicSwap | OpKind::AtomicFetch(_) if act.result_used => return None,
        // Setting or clearing bits is idempotent: a check that only skips a
        // no-op cannot lose an update.
        OpKind::AtomicFetch(k) if k == "fetch_or" || k == "fetch_and" => return None,
        _ => {}
    }
    let mut racing = None;
    let innermost = act.guards.last().copied();
    for &c in &act.guards {
        // A constant store is idempotent on the atomic itself; it is a race
        // only when the check on the atomic is what directly decides it (a
        // claim: `if !STARTED.load(o) { STARTED.store(true, o); start() }`),
        // not when it records an unrelated observation under another
        // condition (`if errno == ENOSYS { UNSUPPORTED.store(true, o) }`).
        if act.kind == OpKind::AtomicStore && act.constant && Some(c) != innermost {
            continue;
        }
        let cond = &facts.conds[c];
        for &d in &cond.deps {
            let l = facts.op(d);
            if l.kind != OpKind::AtomicLoad || l.target != act.target || l.time > act.time {
                continue;
            }
            if ix.validated_between(act, l) {
                continue;
            }
            if under_same_lock(l, act) {
                // Re-checked under a lock held across the act: the
                // double-checked pattern.
                return None;
            }
            racing.get_or_insert((c, d));
        }
    }
    let (c, load) = racing?;
    if repeatable_write(facts, file, act, c) {
        return None;
    }
    let l = facts.op(load);
    let name = &facts.target(act.target).display;
    let m = method(file, act);
    let mut f = finding(
        facts,
        act,
        format!("`{name}` is checked, then changed with `{m}` in a separate step"),
    );
    f.labels
        .push((l.range.clone(), format!("`{name}` checked here")));
    f.notes.push(format!(
        "two threads can both pass the check before either one's `{m}` lands, so the condition no longer holds when it runs"
    ));
    f.suggestions
        .push(check_suggestion(facts, file, act, c, load));
    Some(f)
}

/// Whether losing the check's race only repeats work: the stored value does
/// not come from the atomic itself, so racing writers store the same thing
/// (a lazily detected value, `if X.load(o) == UNINIT { X.store(detect(), o) }`,
/// or a "done" flag set as the last step after the work), and the guarded
/// section has no effect that must not happen twice (a database, Redis or
/// file call, a counter bumped, a lock-protected write, a `static mut`).
/// A constant stored *before* other work is a claim, which stays reported.
fn repeatable_write(facts: &FnFacts, file: &SourceFile, act: &Op, c: usize) -> bool {
    if act.kind != OpKind::AtomicStore {
        return false;
    }
    let from_itself = act.deps.iter().any(|&d| facts.op(d).target == act.target);
    if from_itself {
        return false;
    }
    let cond = &facts.conds[c];
    // After an early exit (`if X.load(o) != 0 { return … }`) the section
    // runs to the end of the function.
    let end = if cond.guards_from_before(act.range.start) {
        usize::MAX
    } else {
        cond.end
    };
    let in_section = |time: Time, start: usize| time > cond.time && start < end;
    let effect = facts.ops.iter().any(|o| {
        let writes = !matches!(
            o.kind,
            OpKind::AtomicLoad
                | OpKind::GuardRead { .. }
                | OpKind::StaticRead
                | OpKind::AtomicStore
        );
        writes && o.target != act.target && in_section(o.time, o.range.start)
    }) || facts
        .external_calls
        .iter()
        .any(|(t, r)| in_section(*t, r.start));
    if effect {
        return false;
    }
    // The store is the section's last step: a constant flag set before
    // further work is a claim (`X.store(true); start()`), and so is a
    // constant followed by a value handed out (`X.store(true); true`). A
    // computed value may be followed by the block's value (`detected`).
    let rest =
        file.text[act.range.end..].trim_start_matches(|c: char| c.is_whitespace() || c == ';');
    rest.starts_with('}') || (!act.constant && tail_only(rest))
}

/// Whether `rest` (what follows a statement) is only the block's tail
/// expression: no further statement or block before the closing brace.
fn tail_only(rest: &str) -> bool {
    let Some(end) = rest.find('}') else {
        return false;
    };
    let tail = &rest[..end];
    !tail.contains(';') && !tail.contains('{')
}

/// The value an RMW `kind` writes, computed from the old value `param`.
fn rmw_value(kind: &OpKind, param: &str, operand: &str) -> Option<String> {
    let OpKind::AtomicFetch(k) = kind else {
        return Some(operand.to_string());
    };
    Some(match k.as_str() {
        "fetch_add" => format!("{param} + {operand}"),
        "fetch_sub" => format!("{param} - {operand}"),
        "fetch_or" => format!("{param} | {operand}"),
        "fetch_and" => format!("{param} & {operand}"),
        "fetch_xor" => format!("{param} ^ {operand}"),
        "fetch_nand" => format!("!({param} & {operand})"),
        "fetch_max" => format!("{param}.max({operand})"),
        "fetch_min" => format!("{param}.min({operand})"),
        _ => return None,
    })
}

/// Whether `name` occurs in `text` as a whole identifier.
fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back().is_none_or(|c| !ident(c));
        let after = text[i + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| !ident(c));
        before && after
    })
}

/// The rewrite for a check on a load that decides a later write: the
/// check moves onto the value the atomic step itself sees. With the check
/// expressible on the closure's parameter, `fetch_update`; a one-shot flag,
/// `swap`; otherwise `compare_exchange` from the value that was checked.
fn check_suggestion(
    facts: &FnFacts,
    file: &SourceFile,
    act: &Op,
    c: usize,
    load: OpId,
) -> Suggestion {
    let cond = &facts.conds[c];
    let l = facts.op(load);
    let recv = receiver(file, act);
    let order = ordering(file, act);
    let load_order = ordering(file, l);
    let m = method(file, act);
    let after_exit = cond.guards_from_before(act.range.start);
    let negate = |c: String| if after_exit { format!("!({c})") } else { c };
    let binding = facts
        .load_bindings
        .iter()
        .find(|b| b.load == load)
        .map(|b| b.name.clone());
    let cond_text = text(file, &cond.range);
    // The check on the closure's parameter: the load replaced by `current`,
    // or the binding the loaded value went into. A bare value (a `match`
    // scrutinee) is not a check.
    let on_param = substitute(file, &cond.range, &l.range, "current")
        .map(|t| {
            (
                "current".to_string(),
                t.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .or_else(|| {
            binding
                .clone()
                .filter(|n| mentions(&cond_text, n))
                .map(|n| (n, cond_text.clone()))
        })
        .filter(|(p, t)| t != p);
    if act.kind == OpKind::AtomicStore && act.literal.is_some() {
        // A one-shot flag: test and set in one step.
        let swapped = format!("{recv}.swap({}, {order})", arg(file, act, 0));
        if let Some(t) = substitute(file, &cond.range, &l.range, &swapped) {
            return Suggestion {
                message: format!(
                    "test and set in one step with `swap`, and remove the separate `{m}`"
                ),
                applicability: Applicability::Manual,
                replacement_text: Some(format!(
                    "if {} {{\n    // the guarded code\n}}",
                    negate(t.split_whitespace().collect::<Vec<_>>().join(" "))
                )),
                edits: Vec::new(),
            };
        }
        if let Some((p, t)) = &on_param {
            return Suggestion {
                message: format!(
                    "test and set in one step with `swap`, and remove the separate `{m}`"
                ),
                applicability: Applicability::Manual,
                replacement_text: Some(format!(
                    "let {p} = {swapped};\nif {} {{\n    // the guarded code\n}}",
                    negate(t.clone())
                )),
                edits: Vec::new(),
            };
        }
    }
    let operand = arg(file, act, 0);
    if let Some((p, check)) = &on_param {
        if let Some(value) = rmw_value(&act.kind, p, &operand) {
            return Suggestion {
                message: "check and update in one atomic step with `fetch_update` (it returns `Err` when the check fails)".into(),
                applicability: Applicability::Manual,
                replacement_text: Some(format!(
                    "{recv}.fetch_update({order}, {load_order}, |{p}| ({}).then_some({value}))",
                    negate(check.clone())
                )),
                edits: Vec::new(),
            };
        }
    }
    // The write succeeds only if the atomic still holds the value that
    // was checked; a lazily initialised value is filled at most once.
    let (seen, bind) = match &binding {
        Some(b) => (b.clone(), String::new()),
        None => (
            "current".to_string(),
            format!("let current = {};\n", text(file, &l.range)),
        ),
    };
    let value = rmw_value(&act.kind, &seen, &operand).unwrap_or(operand);
    Suggestion {
        message: format!(
            "make the `{m}` conditional on the value that was checked, with `compare_exchange` (for a value initialised once, `std::sync::OnceLock` does this for you)"
        ),
        applicability: Applicability::Manual,
        replacement_text: Some(format!(
            "{bind}// the check on `{seen}`, then:\nif {recv}.compare_exchange({seen}, {value}, {order}, {load_order}).is_ok() {{\n    // the guarded code: `{seen}` was still current\n}}"
        )),
        edits: Vec::new(),
    }
}

/// A load's value is used as the outcome of a later RMW whose own result
/// is thrown away.
fn outcome(facts: &FnFacts, file: &SourceFile, ix: &Index, act: &Op) -> Option<Finding> {
    if act.result_used && act.kind != OpKind::AtomicStore {
        return None;
    }
    if !ix.any_load_used_after(facts, act) {
        return None;
    }
    // A lazily filled value: the load reported in the branch that found it
    // set is not stale, the store fills it in the branch that found it empty.
    let checked_here =
        act.guards.iter().any(|&c| {
            facts.conds[c].deps.iter().any(|&d| {
                facts.op(d).kind == OpKind::AtomicLoad && facts.op(d).target == act.target
            }) && repeatable_write(facts, file, act, c)
        });
    if checked_here {
        return None;
    }
    let load = *ix.loads.get(&act.target)?.iter().find(|&&l| {
        is_racing_load(facts, ix, act, l) && ix.last_use.get(&l).is_some_and(|&t| t > act.time)
    })?;
    let l = facts.op(load);
    let name = &facts.target(act.target).display;
    let m = method(file, act);
    let mut f = finding(
        facts,
        act,
        format!("the old value of `{name}` is taken from an earlier load, not from the `{m}` that changes it"),
    );
    f.labels.push((
        l.range.clone(),
        format!("`{name}` loaded here, and this value is used afterwards"),
    ));
    f.notes.push(format!(
        "another thread can change `{name}` between the load and the `{m}`, so the value this function reports is stale"
    ));
    let recv = receiver(file, act);
    let binding = facts
        .load_bindings
        .iter()
        .find(|b| b.load == load)
        .map(|b| b.name.clone())
        .unwrap_or_else(|| "previous".into());
    let call = if act.kind == OpKind::AtomicStore {
        format!(
            "{recv}.swap({}, {})",
            arg(file, act, 0),
            ordering(file, act)
        )
    } else {
        text(file, &act.range)
    };
    f.suggestions.push(Suggestion {
        message: "use the previous value that the read-modify-write itself returns, instead of the separate load".into(),
        applicability: Applicability::Manual,
        replacement_text: Some(format!("let {binding} = {call};")),
        edits: Vec::new(),
    });
    Some(f)
}
