//! `static-mut-rmw`: a read-modify-write of a `static mut`.

use super::text;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::context::FileCtx;
use crate::lower::effects::{FnFacts, Op, OpKind};
use crate::source::SourceFile;

const RULE: &str = "static-mut-rmw";

pub fn check(facts: &FnFacts, file: &SourceFile, ctx: &FileCtx, out: &mut Vec<Finding>) {
    for w in &facts.ops {
        let OpKind::StaticWrite { op } = &w.kind else {
            continue;
        };
        // Written while a lock guard is held: serialised by that lock.
        if !w.live.is_empty() {
            continue;
        }
        let read_of_same = |d: &usize| {
            let r = facts.op(*d);
            r.kind == OpKind::StaticRead
                && r.target == w.target
                && r.time < w.time
                && r.live.is_empty()
        };
        let name = facts.target(w.target).display.clone();
        let (message, label, note) = if op != "=" {
            (
                format!("`{name}` is read, modified and written back by `{op}` without synchronisation"),
                None,
                format!("`{op}` on a `static mut` is a separate load and store: two threads can both read the old value, and one update is lost"),
            )
        } else if let Some(&r) = w.deps.iter().find(|d| read_of_same(d)) {
            (
                format!("`{name}` is written from a value read from it, without synchronisation"),
                Some((facts.op(r).range.clone(), format!("`{name}` read here"))),
                format!("another thread can write `{name}` between this read and the write; that update is lost"),
            )
        } else if let Some(r) = w
            .guards
            .iter()
            .flat_map(|&c| facts.conds[c].deps.iter())
            .find(|d| read_of_same(d))
        {
            (
                format!("`{name}` is checked, then written, without synchronisation"),
                Some((facts.op(*r).range.clone(), format!("`{name}` checked here"))),
                format!("two threads can both pass the check before either one writes `{name}`"),
            )
        } else {
            continue;
        };
        out.push(Finding {
            rule: RULE,
            message,
            primary: w.range.clone(),
            labels: label.into_iter().collect(),
            notes: vec![note],
            suggestions: vec![suggestion(facts, file, ctx, w, op)],
            function: facts.name.clone(),
            target_key: facts.target(w.target).key.clone(),
            severity: None,
        });
    }
}

/// The atomic type for a primitive, if there is one.
fn atomic_type(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "usize" => "AtomicUsize",
        "isize" => "AtomicIsize",
        "u8" => "AtomicU8",
        "u16" => "AtomicU16",
        "u32" => "AtomicU32",
        "u64" => "AtomicU64",
        "i8" => "AtomicI8",
        "i16" => "AtomicI16",
        "i32" => "AtomicI32",
        "i64" => "AtomicI64",
        "bool" => "AtomicBool",
        _ => return None,
    })
}

fn suggestion(facts: &FnFacts, file: &SourceFile, ctx: &FileCtx, w: &Op, op: &str) -> Suggestion {
    let target = facts.target(w.target);
    let name = target
        .key
        .strip_prefix("static:")
        .unwrap_or(&target.display)
        .to_string();
    let info = file_static(ctx, file, &name);
    let rhs = w
        .call
        .as_ref()
        .and_then(|c| c.args.first())
        .map(|r| text(file, r))
        .unwrap_or_default();
    if let Some((ty, init)) = &info {
        if let Some(atomic) = atomic_type(ty) {
            let fetch = match op {
                "+=" => Some("fetch_add"),
                "-=" => Some("fetch_sub"),
                "|=" => Some("fetch_or"),
                "&=" => Some("fetch_and"),
                "^=" => Some("fetch_xor"),
                _ => None,
            };
            let call = match fetch {
                Some(f) => format!("{name}.{f}({rhs}, Ordering::Relaxed);"),
                None => format!(
                    "{name}.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| Some(/* {rhs}, with {name} as current */ current));"
                ),
            };
            return Suggestion {
                message: format!("make `{name}` an `{atomic}` and update it in one atomic step"),
                applicability: Applicability::Manual,
                replacement_text: Some(format!(
                    "static {name}: {atomic} = {atomic}::new({init});\n\n{call}"
                )),
                edits: Vec::new(),
            };
        }
        if let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
            let value = rhs
                .strip_prefix("Some(")
                .and_then(|t| t.strip_suffix(')'))
                .unwrap_or(&rhs)
                .to_string();
            return Suggestion {
                message: format!("initialise `{name}` once with `OnceLock`, which runs the initialiser for exactly one caller"),
                applicability: Applicability::Manual,
                replacement_text: Some(format!(
                    "static {name}: OnceLock<{inner}> = OnceLock::new();\n\nlet value = {name}.get_or_init(|| {value});"
                )),
                edits: Vec::new(),
            };
        }
        return Suggestion {
            message: format!("put `{name}` behind a `Mutex` and update it under one guard"),
            applicability: Applicability::Manual,
            replacement_text: Some(format!(
                "static {name}: Mutex<{ty}> = Mutex::new({init});\n\nlet mut guard = {name}.lock().unwrap();\n// read and write through `guard`"
            )),
            edits: Vec::new(),
        };
    }
    Suggestion {
        message: format!("replace `static mut {name}` with an atomic, a `OnceLock`, or a `Mutex`"),
        applicability: Applicability::Manual,
        replacement_text: None,
        edits: Vec::new(),
    }
}

/// The declared type and initialiser of a static of this file.
fn file_static(ctx: &FileCtx, file: &SourceFile, name: &str) -> Option<(String, String)> {
    let info = ctx.statics.get(name)?;
    Some((text(file, &info.ty_range), text(file, &info.init_range)))
}
