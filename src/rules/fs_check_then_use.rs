//! `fs-check-then-use`: a path is checked (`exists`, `try_exists`,
//! `is_file`, `is_dir`, `metadata(..)`) in a condition, and the branch it
//! guards creates, writes, removes, renames, copies or re-permissions the
//! same path. Another process can change the path in between (a TOCTOU
//! race): the check's answer is stale when the call runs.
//!
//! Not reported: idempotent calls (`create_dir_all`), another path, a file
//! written under a temporary name and renamed into place, and opens that
//! fail on an existing file (`create_new(true)`).

use super::text;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{FnFacts, FsEffect, FsKind};
use crate::source::SourceFile;
use std::collections::{HashMap, HashSet};

const RULE: &str = "fs-check-then-use";

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    let mut calls = HashSet::new();
    // One finding per check: further uses it guards (the other branch of
    // an `if`, a `match` arm) become labels of the first.
    let mut by_check: HashMap<usize, usize> = HashMap::new();
    for u in &f.fs {
        if !is_use(u) || calls.contains(&u.call.start) {
            continue;
        }
        let uo = f.op(u.op);
        if u.kind == FsKind::Rename && u.dest && renamed_into_place(f, u) {
            continue;
        }
        let found = f.fs.iter().rev().find(|c| {
            let co = f.op(c.op);
            c.kind == FsKind::Check
                && pairs(c, u)
                && co.target == uo.target
                && co.time < uo.time
                && f.controls(c.op, u.op)
        });
        let Some(c) = found else { continue };
        if content_rewrite(f, c, u) {
            continue;
        }
        calls.insert(u.call.start);
        match by_check.get(&c.op) {
            Some(&i) => out[i]
                .labels
                .push((u.call.clone(), format!("also {} here", verb(u)))),
            None => {
                by_check.insert(c.op, out.len());
                out.push(finding(f, file, c, u));
            }
        }
    }
}

/// The calls this rule judges. Making a directory tree (idempotent), a
/// symlink or an owner change is the business of the other path rules, and
/// an open that fails on an existing file has no race.
fn is_use(u: &FsEffect) -> bool {
    !matches!(
        u.kind,
        FsKind::Check | FsKind::CreateDirAll | FsKind::Symlink | FsKind::SetOwner
    ) && !u.new_only
}

/// A use computed from the metadata the check read
/// (`let m = fs::metadata(p)?; … fs::set_permissions(p, m.permissions() …)`):
/// the check reads the file's content, not whether the path exists.
fn content_rewrite(f: &FnFacts, c: &FsEffect, u: &FsEffect) -> bool {
    c.what.ends_with("metadata") && f.feeds(c.op, u.op)
}

/// A check that does not follow symlinks (`symlink_metadata`, a directory
/// entry's `file_type()`): made to keep out of links, so acting on the
/// path afterwards (which follows them) reopens the hole.
fn no_follow(c: &FsEffect) -> bool {
    c.what.ends_with("symlink_metadata")
        || c.what.ends_with("symlink_metadata()")
        || c.what == "file_type()"
}

/// Whether check `c` and use `u` are a pair this rule reports: recursing
/// into a path only after a check that does not follow links, and a
/// directory entry's `file_type()` only before removing, re-permissioning
/// or recursing into it.
fn pairs(c: &FsEffect, u: &FsEffect) -> bool {
    match u.kind {
        FsKind::Recurse => no_follow(c),
        FsKind::Remove | FsKind::SetPermissions => true,
        _ => c.what != "file_type()",
    }
}

/// `fs::write(&tmp, ..)` … `fs::rename(&tmp, &target)`: the new content
/// appears at `target` in one step, whatever was there.
fn renamed_into_place(f: &FnFacts, u: &FsEffect) -> bool {
    let Some(src) = u.other else { return false };
    let t = f.op(u.op).time;
    f.fs.iter()
        .any(|w| w.kind == FsKind::Write && f.op(w.op).target == src && f.op(w.op).time < t)
}

/// `fs::`, `std::fs::`, `tokio::fs::`: the module prefix the user wrote
/// (for `File::create`, what comes before `File`).
pub(super) fn module_prefix(u: &FsEffect) -> String {
    if let Some(base) = u.what.strip_suffix("File::create") {
        return base.to_string();
    }
    match u.what.rfind("::") {
        Some(i) => u.what[..i + 2].to_string(),
        None => String::new(),
    }
}

/// The call as named in messages: `File::create`, `OpenOptions::open`,
/// `remove_file`.
pub(super) fn short_call(u: &FsEffect) -> String {
    if u.what.ends_with("File::create") || u.what == "OpenOptions::open" {
        return u
            .what
            .rsplit("::")
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("::");
    }
    u.what.rsplit("::").next().unwrap_or(&u.what).to_string()
}

fn verb(u: &FsEffect) -> &'static str {
    match u.kind {
        FsKind::Write if u.what.ends_with("write") => "written",
        FsKind::Write if u.what.ends_with("open") => "opened for writing",
        FsKind::Write | FsKind::CreateDir => "created",
        FsKind::Remove => "removed",
        FsKind::Rename if u.dest => "replaced by a rename",
        FsKind::Rename => "renamed",
        FsKind::Copy if u.dest => "overwritten by a copy",
        FsKind::Copy => "copied",
        FsKind::SetPermissions => "given new permissions",
        FsKind::Recurse if u.what.ends_with("read_dir") => "listed to walk into",
        FsKind::Recurse => "recursed into",
        FsKind::SetOwner => "given a new owner",
        FsKind::Symlink => "made a symlink",
        FsKind::CreateDirAll => "created",
        FsKind::Check => "checked",
    }
}

fn finding(f: &FnFacts, file: &SourceFile, c: &FsEffect, u: &FsEffect) -> Finding {
    let path = text(file, &u.path);
    let call = short_call(u);
    let mut labels = vec![(c.call.clone(), format!("`{path}` checked here"))];
    let cond = f
        .op(u.op)
        .guards
        .iter()
        .map(|&g| &f.conds[g])
        .find(|g| g.deps.contains(&c.op) && !super::contains(&g.range, &c.call));
    if let Some(g) = cond {
        labels.push((g.range.clone(), format!("the `{call}` depends on this")));
    }
    let race = match u.kind {
        FsKind::Write => format!(
            "if `{path}` appears in between (another process, or a symlink planted by an attacker), `{call}` truncates and overwrites it"
        ),
        FsKind::CreateDir => format!("if `{path}` is created in between, `{call}` fails with `AlreadyExists`"),
        FsKind::Remove => format!("if `{path}` is removed in between, `{call}` fails with `NotFound`"),
        FsKind::Rename | FsKind::Copy if u.dest => {
            format!("if `{path}` is created in between, `{call}` replaces it")
        }
        FsKind::Rename | FsKind::Copy => {
            format!("if `{path}` is moved or removed in between, `{call}` fails with `NotFound`")
        }
        FsKind::Recurse => format!(
            "if `{path}` is replaced by a symlink in between, `{call}` follows it and works inside the directory the link points to"
        ),
        _ => format!(
            "if `{path}` is replaced in between, the permissions land on another file, or `{call}` fails with `NotFound`"
        ),
    };
    let notes = vec![
        format!(
            "another process can change `{path}` between the `{}` and the `{call}`: the check's answer is stale when the call runs",
            c.what.rsplit("::").next().unwrap_or(&c.what)
        ),
        race,
    ];
    Finding {
        rule: RULE,
        message: format!("`{path}` is checked, then {} in a separate step", verb(u)),
        primary: u.call.clone(),
        labels,
        notes,
        suggestions: vec![suggestion(file, u, &path)],
        function: f.name.clone(),
        target_key: f.target(f.op(u.op).target).key.clone(),
        severity: None,
    }
}

fn suggestion(file: &SourceFile, u: &FsEffect, path: &str) -> Suggestion {
    let aw = if u.tokio { ".await" } else { "" };
    let m = module_prefix(u);
    let arg = |i: usize| u.args.get(i).map(|r| text(file, r)).unwrap_or_default();
    let open_new = if u.tokio {
        format!(
            "tokio::fs::OpenOptions::new().write(true).create_new(true).open({})",
            arg_or(&arg(0), path)
        )
    } else {
        format!(
            "std::fs::OpenOptions::new().write(true).create_new(true).open({})",
            arg_or(&arg(0), path)
        )
    };
    let exists_arm = "Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {\n        // it already exists: what the check's other branch did\n    }";
    let (message, code) = match u.kind {
        FsKind::Write if u.what.ends_with("File::create") => (
            "create the file only if it does not exist, in one step, and handle `AlreadyExists`".to_string(),
            format!(
                "match {} {{\n    Ok(file) => {{\n        // write to `file`\n    }}\n    {exists_arm}\n    Err(e) => return Err(e.into()),\n}}",
                if u.tokio {
                    open_new.clone() + aw
                } else {
                    format!("{m}File::create_new({})", arg(0))
                }
            ),
        ),
        FsKind::Write if u.what == "OpenOptions::open" => {
            let chain = text(file, &u.call);
            let fixed = if chain.contains(".create(true)") {
                chain.replacen(".create(true)", ".create_new(true)", 1)
            } else {
                match chain.rfind(".open(") {
                    Some(i) => format!("{}.create_new(true){}", &chain[..i], &chain[i..]),
                    None => chain.clone(),
                }
            };
            (
                "open with `create_new(true)`, which fails with `AlreadyExists` instead of opening a file that appeared in between".to_string(),
                format!("match {fixed}{aw} {{\n    Ok(file) => {{ /* … */ }}\n    {exists_arm}\n    Err(e) => return Err(e.into()),\n}}"),
            )
        }
        FsKind::Write => (
            "create and write the file in one step with `create_new(true)`, and handle `AlreadyExists`".to_string(),
            format!(
                "match {open_new}{aw} {{\n    Ok(mut file) => file.write_all({}){aw}?, // std::io::Write{}\n    {exists_arm}\n    Err(e) => return Err(e.into()),\n}}",
                as_bytes(&arg(1)),
                if u.tokio { " / tokio::io::AsyncWriteExt" } else { "" }
            ),
        ),
        FsKind::CreateDir => (
            "create the directory without the check: `create_dir_all` succeeds when it already exists (or match `AlreadyExists` on `create_dir`)".to_string(),
            format!("{m}create_dir_all({}){aw}?;", arg(0)),
        ),
        FsKind::Remove => (
            "remove it without the check, and treat `NotFound` as done".to_string(),
            format!(
                "match {}{aw} {{\n    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),\n    _ => {{}} // removed, or it was already gone\n}}",
                text(file, &u.call)
            ),
        ),
        FsKind::Rename if u.dest => (
            "to move only onto a free name, link first: `hard_link` fails with `AlreadyExists` in one step; then remove the old name".to_string(),
            format!(
                "match {m}hard_link({}, {}){aw} {{\n    Ok(()) => {m}remove_file({}){aw}?,\n    {exists_arm}\n    Err(e) => return Err(e.into()),\n}}",
                arg(0),
                arg(1),
                arg(0)
            ),
        ),
        FsKind::Copy if u.dest => (
            "open the destination with `create_new(true)` and copy into it, so an existing file is never overwritten".to_string(),
            if u.tokio {
                format!(
                    "let mut to = tokio::fs::OpenOptions::new().write(true).create_new(true).open({}).await?;\ntokio::io::copy(&mut tokio::fs::File::open({}).await?, &mut to).await?;",
                    arg(1),
                    arg(0)
                )
            } else {
                format!(
                    "let mut to = std::fs::OpenOptions::new().write(true).create_new(true).open({})?;\nstd::io::copy(&mut std::fs::File::open({})?, &mut to)?;",
                    arg(1),
                    arg(0)
                )
            },
        ),
        FsKind::Recurse => (
            "do not re-resolve the path after the check: open the directory once and walk it through the handle (`openat` with `O_NOFOLLOW`, `cap_std::fs::Dir`), or use a crate that does (`remove_dir_all`, std's `fs::remove_dir_all`)".to_string(),
            format!(
                "let dir = cap_std::fs::Dir::open_ambient_dir({}, cap_std::ambient_authority())?;\n// recurse with `dir.open_dir(name)` and `dir.entries()`: no step follows a symlink",
                arg(0)
            ),
        ),
        _ => (
            "call it without the check, and handle `NotFound` from the call itself".to_string(),
            format!(
                "match {}{aw} {{\n    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {{\n        // it was not there: what the check's other branch did\n    }}\n    other => other?,\n}}",
                text(file, &u.call)
            ),
        ),
    };
    Suggestion {
        message,
        applicability: Applicability::Manual,
        replacement_text: Some(code),
        edits: Vec::new(),
    }
}

fn arg_or(a: &str, fallback: &str) -> String {
    if a.is_empty() {
        fallback.to_string()
    } else {
        a.to_string()
    }
}

/// `contents` for `write_all`: strings and `Vec`s need their bytes.
fn as_bytes(a: &str) -> String {
    if a.is_empty() {
        return "contents".into();
    }
    if a.starts_with('"') || a.starts_with("format!") {
        format!("{a}.as_bytes()")
    } else if a.starts_with("&") || a.starts_with("b\"") {
        a.to_string()
    } else {
        format!("{a}.as_ref()")
    }
}
