//! `fs-remove-then-create`: a path is removed, then made again through the
//! same path by a call that follows what is there (`File::create`,
//! `fs::write`, `fs::copy` onto it, an open with `create`) or fails on it
//! (`create_dir`, `symlink`). Another process can plant a file or a symlink
//! in the gap; the create then writes through the link.
//!
//! Not reported: a create with `create_new(true)` (it fails instead of
//! following), a path in a temporary directory the function made, a new
//! file written elsewhere and renamed over the path, another path.

use super::fs_check_then_use::{module_prefix, short_call};
use super::text;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{FnFacts, FsEffect, FsKind};
use crate::source::SourceFile;
use std::collections::HashMap;

const RULE: &str = "fs-remove-then-create";

/// The calls that make the path again and follow (or trip over) whatever
/// another process put there.
fn recreates(u: &FsEffect) -> bool {
    match u.kind {
        FsKind::Write => u.creates && !u.new_only,
        FsKind::Copy => u.dest,
        FsKind::CreateDir | FsKind::Symlink => true,
        _ => false,
    }
}

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    // One finding per removal: further creates of the path are labels.
    let mut by_remove: HashMap<usize, usize> = HashMap::new();
    for u in &f.fs {
        if !recreates(u) || u.temp {
            continue;
        }
        let uo = f.op(u.op);
        let removed = f.fs.iter().rev().find(|r| {
            let ro = f.op(r.op);
            r.kind == FsKind::Remove && ro.target == uo.target && ro.time < uo.time
        });
        let Some(r) = removed else { continue };
        if r.temp {
            continue;
        }
        match by_remove.get(&r.op) {
            Some(&i) => out[i].labels.push((
                u.call.clone(),
                format!("also created again here ({})", short_call(u)),
            )),
            None => {
                by_remove.insert(r.op, out.len());
                out.push(finding(f, file, r, u));
            }
        }
    }
}

fn finding(f: &FnFacts, file: &SourceFile, r: &FsEffect, u: &FsEffect) -> Finding {
    let path = text(file, &u.path);
    let remove = short_call(r);
    let create = short_call(u);
    let outcome = match u.kind {
        FsKind::Copy => format!("`{create}` follows it and overwrites the file it points to"),
        FsKind::CreateDir => format!(
            "`{create}` fails with `AlreadyExists`, and code that ignores that goes on inside a directory the other process made"
        ),
        FsKind::Symlink => format!("`{create}` fails with `AlreadyExists`, and the planted file stays"),
        _ => format!("`{create}` follows it and truncates and writes the file it points to"),
    };
    Finding {
        rule: RULE,
        message: format!("`{path}` is removed, then created again through the path in a separate step"),
        primary: u.call.clone(),
        labels: vec![(r.call.clone(), format!("`{path}` removed here"))],
        notes: vec![
            format!(
                "between the `{remove}` and the `{create}`, another process can create `{path}` or plant a symlink there: {outcome}"
            ),
        ],
        suggestions: vec![suggestion(file, u, &path)],
        function: f.name.clone(),
        target_key: f.target(f.op(u.op).target).key.clone(),
        severity: None,
    }
}

fn suggestion(file: &SourceFile, u: &FsEffect, path: &str) -> Suggestion {
    let aw = if u.tokio { ".await" } else { "" };
    let arg = |i: usize| u.args.get(i).map(|r| text(file, r)).unwrap_or_default();
    let opts = if u.tokio {
        "tokio::fs::OpenOptions"
    } else {
        "std::fs::OpenOptions"
    };
    let conflict = "Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {\n        // another process made it after the removal: report a conflict, or remove and retry\n    }";
    let (message, code) = match u.kind {
        FsKind::Symlink => (
            format!("make the link under a temporary name in the same directory and `rename` it over `{path}`: the rename replaces whatever is there in one step, so the removal is not needed"),
            format!(
                "let tmp = {path}.with_extension(\"tmp-link\");\n{}symlink({}, &tmp){aw}?;\n{}rename(&tmp, {path}){aw}?;",
                module_prefix(u),
                arg(0),
                if u.tokio { "tokio::fs::" } else { "std::fs::" }
            ),
        ),
        FsKind::CreateDir => (
            format!("treat `AlreadyExists` from `{}` as a conflict, never as success; or build the new directory under a fresh temporary name and `rename` it over `{path}`", short_call(u)),
            format!(
                "match {}{aw} {{\n    Ok(()) => {{}}\n    {conflict}\n    Err(e) => return Err(e.into()),\n}}",
                text(file, &u.call)
            ),
        ),
        FsKind::Copy => (
            format!("copy into a file opened with `create_new(true)`, which fails instead of following what appeared at `{path}`"),
            format!(
                "let mut to = {opts}::new().write(true).create_new(true).open({}){aw}?;\n{}::io::copy(&mut {}::fs::File::open({}){aw}?, &mut to){aw}?;",
                arg(1),
                if u.tokio { "tokio" } else { "std" },
                if u.tokio { "tokio" } else { "std" },
                arg(0)
            ),
        ),
        _ => {
            let write = if u.what.ends_with("write") {
                format!(" file.write_all({}){aw}?, // std::io::Write", arg(1))
            } else {
                " { /* write to `file` */ }".to_string()
            };
            (
                format!("create `{path}` with `create_new(true)`, which fails with `AlreadyExists` instead of following a file or symlink planted after the removal (or write a temporary file in the same directory and `rename` it over `{path}`)"),
                format!(
                    "match {opts}::new().write(true).create_new(true).open({path}){aw} {{\n    Ok(mut file) =>{write}\n    {conflict}\n    Err(e) => return Err(e.into()),\n}}"
                ),
            )
        }
    };
    Suggestion {
        message,
        applicability: Applicability::Manual,
        replacement_text: Some(code),
        edits: Vec::new(),
    }
}
