//! `fs-create-then-chmod`: a file, directory or symlink is made by path,
//! then given its permissions or owner through the same path in a second
//! call. In between it exists with the default mode (another process can
//! open it and keep the handle), and the path can be swapped for a symlink
//! so the second call changes another file.
//!
//! Not reported: a mode given at creation with nothing after it, a change
//! through the open handle (`file.set_permissions`), a path in a temporary
//! directory the function made, another path.

use super::fs_check_then_use::{module_prefix, short_call};
use super::text;
use crate::diagnostic::{Applicability, Edit, Finding, Suggestion};
use crate::lower::context::FileCtx;
use crate::lower::effects::{FnFacts, FsEffect, FsKind};
use crate::source::SourceFile;
use std::collections::HashMap;

const RULE: &str = "fs-create-then-chmod";

pub fn check(f: &FnFacts, file: &SourceFile, ctx: &FileCtx, out: &mut Vec<Finding>) {
    // One finding per create: further changes of the same path are labels.
    let mut by_create: HashMap<usize, usize> = HashMap::new();
    for p in &f.fs {
        if !matches!(p.kind, FsKind::SetPermissions | FsKind::SetOwner) || p.temp {
            continue;
        }
        let po = f.op(p.op);
        let made = f.fs.iter().rev().find(|m| {
            let mo = f.op(m.op);
            m.kind.makes()
                && (m.kind != FsKind::Write || m.creates)
                && mo.target == po.target
                && mo.time < po.time
        });
        let Some(m) = made else { continue };
        if m.temp {
            continue;
        }
        match by_create.get(&m.op) {
            Some(&i) => out[i]
                .labels
                .push((p.call.clone(), format!("also {} here", changed(p)))),
            None => {
                by_create.insert(m.op, out.len());
                out.push(finding(f, file, ctx, m, p));
            }
        }
    }
}

fn changed(p: &FsEffect) -> &'static str {
    if p.kind == FsKind::SetOwner {
        "given an owner"
    } else {
        "given permissions"
    }
}

fn made(m: &FsEffect) -> &'static str {
    match m.kind {
        FsKind::CreateDir | FsKind::CreateDirAll => "directory",
        FsKind::Symlink => "symlink",
        _ => "file",
    }
}

fn finding(f: &FnFacts, file: &SourceFile, ctx: &FileCtx, m: &FsEffect, p: &FsEffect) -> Finding {
    let path = text(file, &p.path);
    let create = short_call(m);
    let change = short_call(p);
    let what = if p.kind == FsKind::SetOwner {
        "its owner"
    } else {
        "its permissions"
    };
    let mut notes = Vec::new();
    if p.kind == FsKind::SetOwner {
        notes.push(format!(
            "between the `{create}` and the `{change}`, `{path}` belongs to this process's user: another process of that user can open it in the gap and keep the handle after the change"
        ));
    } else if !m.with_mode {
        notes.push(format!(
            "between the `{create}` and the `{change}`, `{path}` exists with the default mode (what the umask leaves, often readable by everyone): another process can open it in the gap and keep the handle after the change"
        ));
    }
    let follows = if change == "lchown" {
        format!("`lchown` changes the owner of whatever is at `{path}` then (a hard link to another file)")
    } else {
        format!("`{change}` follows the link and changes the file it points to")
    };
    notes.push(format!(
        "another process that can write the directory can replace `{path}` with a symlink in the gap: {follows}"
    ));
    Finding {
        rule: RULE,
        message: format!(
            "`{path}` is created as a {}, then given {what} through the path in a separate step",
            made(m)
        ),
        primary: p.call.clone(),
        labels: vec![(m.call.clone(), format!("`{path}` created here"))],
        notes,
        suggestions: vec![suggestion(file, ctx, m, p)],
        function: f.name.clone(),
        target_key: f.target(f.op(p.op).target).key.clone(),
        severity: None,
    }
}

/// The client API a call goes through, for spelling the rewrite.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    Std,
    Tokio,
    Other,
}

fn api(ctx: &FileCtx, u: &FsEffect) -> Api {
    let full = ctx.resolve(&u.what);
    if u.tokio {
        if full.starts_with("tokio::") || !full.contains("::") || u.what == "OpenOptions::open" {
            return Api::Tokio;
        }
        return Api::Other;
    }
    if full.starts_with("std::") || (!full.starts_with("fs_err") && full.starts_with("File::")) {
        return Api::Std;
    }
    if u.what == "OpenOptions::open" || u.what == "DirBuilder::create" {
        return Api::Std;
    }
    Api::Other
}

/// `OpenOptions` / `DirBuilder` as the user can name it: the module they
/// wrote before `File` / `create_dir`, the imported name, or the full path.
fn type_path(ctx: &FileCtx, m: &FsEffect, ty: &str, api: Api) -> String {
    let prefix = module_prefix(m);
    if prefix.ends_with("fs::") || prefix.ends_with("fs_err::") || prefix.ends_with("tokio::") {
        return format!("{prefix}{ty}");
    }
    if ctx.imports.contains_key(ty) {
        return ty.to_string();
    }
    match api {
        Api::Tokio => format!("tokio::fs::{ty}"),
        _ => format!("std::fs::{ty}"),
    }
}

/// `opts.mode(m)` when the extension trait is in scope, else the trait
/// method called by its path (which needs no `use`).
fn with_mode(ctx: &FileCtx, api: Api, builder: &str, trait_: &str, mode: &str) -> String {
    if api == Api::Tokio || ctx.imports.contains_key(trait_) {
        format!("{builder}.mode({mode})")
    } else {
        format!("std::os::unix::fs::{trait_}::mode(&mut {builder}, {mode})")
    }
}

fn suggestion(file: &SourceFile, ctx: &FileCtx, m: &FsEffect, p: &FsEffect) -> Suggestion {
    let api = api(ctx, m);
    let aw = if api == Api::Tokio { ".await" } else { "" };
    // The path argument as written (`&key`), for code.
    let path = text(
        file,
        m.args
            .iter()
            .find(|a| super::contains(a, &m.path))
            .unwrap_or(&m.path),
    );
    let mode = p.mode.as_ref().map(|r| text(file, r));
    let perm = p.args.get(1).map(|r| text(file, r)).unwrap_or_default();
    let adjacent = match (&m.stmt, &p.stmt) {
        (Some(a), Some(b)) => {
            a.range.end <= b.range.start && file.slice(a.range.end..b.range.start).trim().is_empty()
        }
        _ => false,
    };
    let is_file_create = m.what.ends_with("File::create");
    let std_like =
        api != Api::Other && p.kind == FsKind::SetPermissions && api == self::api(ctx, p);
    let shown_mode = mode.clone().unwrap_or_else(|| "0o600".into());
    let open = format!(
        "{}::new().write(true).create(true).truncate(true).mode({shown_mode}).open({path})",
        type_path(ctx, m, "OpenOptions", api)
    );
    // `File::create(p)` bound to a name, and the next statement changes the
    // permissions by path: open with the mode, change them through the handle.
    if is_file_create && std_like && adjacent {
        if let Some(name) = m.stmt.as_ref().and_then(|s| s.binding.clone()) {
            let mut edits = Vec::new();
            if mode.is_some() {
                edits.push(Edit {
                    range: m.call.clone(),
                    replacement: fix_open(ctx, m, api, &path, &shown_mode),
                });
            }
            edits.push(Edit {
                range: p.call.clone(),
                replacement: format!("{name}.set_permissions({perm})"),
            });
            let replacement = edits
                .iter()
                .map(|e| {
                    let stmt = if e.range == m.call { &m.stmt } else { &p.stmt };
                    let s = stmt
                        .as_ref()
                        .map(|s| s.range.clone())
                        .unwrap_or(e.range.clone());
                    super::substitute(file, &s, &e.range, &e.replacement)
                        .unwrap_or_else(|| e.replacement.clone())
                })
                .collect::<Vec<_>>()
                .join("\n");
            return Suggestion {
                message: if mode.is_some() {
                    format!("create `{}` with its mode, and set the permissions through the open file, not the path", super::unref(&path))
                } else {
                    format!("set the permissions through the open file `{name}`, not the path")
                },
                applicability: Applicability::MachineApplicable,
                replacement_text: Some(replacement),
                edits,
            };
        }
    }
    // `fs::create_dir(p)` and the next statement sets `from_mode(m)`: make
    // the directory with the mode and drop the second call.
    if m.kind == FsKind::CreateDir && m.what.ends_with("create_dir") && std_like && adjacent {
        if let (Some(md), Some(ms), Some(ps)) = (&mode, &m.stmt, &p.stmt) {
            let builder = format!("{}::new()", type_path(ctx, m, "DirBuilder", api));
            let call = format!(
                "{}.create({path})",
                with_mode(ctx, api, &builder, "DirBuilderExt", md)
            );
            let edits = vec![
                Edit {
                    range: m.call.clone(),
                    replacement: call.clone(),
                },
                Edit {
                    range: ms.range.end..ps.range.end,
                    replacement: String::new(),
                },
            ];
            let safe = mode_literal(md).is_some_and(|v| v & 0o077 == 0);
            return Suggestion {
                message: format!(
                    "create `{}` with its mode in one step{}",
                    super::unref(&path),
                    if safe {
                        ""
                    } else {
                        " (the umask still applies to a mode given at creation: check the bits it may clear)"
                    }
                ),
                applicability: if safe {
                    Applicability::MachineApplicable
                } else {
                    Applicability::MaybeIncorrect
                },
                replacement_text: super::substitute(file, &ms.range, &m.call, &call),
                edits,
            };
        }
    }
    manual(file, ctx, m, p, api, &path, &shown_mode, &perm, &open, aw)
}

/// `File::create(p)` → an `OpenOptions` open with the mode.
fn fix_open(ctx: &FileCtx, m: &FsEffect, api: Api, path: &str, mode: &str) -> String {
    let b = format!(
        "{}::new().write(true).create(true).truncate(true)",
        type_path(ctx, m, "OpenOptions", api)
    );
    if api == Api::Tokio || ctx.imports.contains_key("OpenOptionsExt") {
        format!("{b}.mode({mode}).open({path})")
    } else {
        // `write(true)` already gives `&mut OpenOptions`, the trait's receiver.
        format!("std::os::unix::fs::OpenOptionsExt::mode({b}, {mode}).open({path})")
    }
}

/// `0o600`, `0o7_00`, `384`: the value.
fn mode_literal(t: &str) -> Option<u32> {
    let t = t.replace('_', "");
    let t = t.trim_end_matches("u32").trim_end_matches("u16");
    match t.strip_prefix("0o") {
        Some(o) => u32::from_str_radix(o, 8).ok(),
        None => t.parse().ok(),
    }
}

/// The crate a call comes from when it is `nix` or `rustix`.
fn low_level(ctx: &FileCtx, u: &FsEffect) -> Option<&'static str> {
    let full = ctx.resolve(&u.what);
    if full.starts_with("nix::") {
        Some("nix")
    } else if full.starts_with("rustix::") {
        Some("rustix")
    } else {
        None
    }
}

/// `nix`/`rustix`: open the path without following a link and change the
/// descriptor (`fchmod` / `fchown`), with the user's arguments.
fn descriptor_fix(
    file: &SourceFile,
    ctx: &FileCtx,
    m: &FsEffect,
    p: &FsEffect,
    path: &str,
) -> Suggestion {
    let krate = low_level(ctx, p)
        .or_else(|| low_level(ctx, m))
        .unwrap_or("rustix");
    let a = |i: usize| p.args.get(i).map(|r| text(file, r)).unwrap_or_default();
    let name = short_call(p);
    let at = name.ends_with("at");
    let rest = match (p.kind, at) {
        (FsKind::SetOwner, false) => format!("{}, {}", a(1), a(2)),
        (FsKind::SetOwner, true) => format!("{}, {}", a(2), a(3)),
        (_, false) => a(1),
        (_, true) => a(2),
    };
    let f = if p.kind == FsKind::SetOwner {
        "fchown"
    } else {
        "fchmod"
    };
    let dir = matches!(m.kind, FsKind::CreateDir | FsKind::CreateDirAll);
    let prefix = module_prefix(p);
    let module = if low_level(ctx, p).is_some() && !prefix.is_empty() {
        prefix
    } else if krate == "nix" {
        if f == "fchown" {
            "nix::unistd::".into()
        } else {
            "nix::sys::stat::".into()
        }
    } else {
        "rustix::fs::".into()
    };
    let open = if krate == "nix" {
        format!(
            "nix::fcntl::open({path}, nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_NOFOLLOW{}, nix::sys::stat::Mode::empty())?",
            if dir { " | nix::fcntl::OFlag::O_DIRECTORY" } else { "" }
        )
    } else {
        format!(
            "rustix::fs::open({path}, rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NOFOLLOW{}, rustix::fs::Mode::empty())?",
            if dir { " | rustix::fs::OFlags::DIRECTORY" } else { "" }
        )
    };
    let fd = if krate == "nix" { "fd" } else { "&fd" };
    Suggestion {
        message: format!(
            "change `{}` through a descriptor opened without following links (`O_NOFOLLOW`), not through the path; a new file can get its mode from the `open` that makes it",
            super::unref(path)
        ),
        applicability: Applicability::Manual,
        replacement_text: Some(format!("let fd = {open};\n{module}{f}({fd}, {rest})?;")),
        edits: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn manual(
    file: &SourceFile,
    ctx: &FileCtx,
    m: &FsEffect,
    p: &FsEffect,
    api: Api,
    path: &str,
    mode: &str,
    perm: &str,
    open: &str,
    aw: &str,
) -> Suggestion {
    if low_level(ctx, m).is_some() || low_level(ctx, p).is_some() {
        return descriptor_fix(file, ctx, m, p, path);
    }
    let shown = super::unref(path);
    let change_handle = match p.kind {
        FsKind::SetOwner => {
            let a = |i: usize| p.args.get(i).map(|r| text(file, r)).unwrap_or_default();
            format!("std::os::unix::fs::fchown(&file, {}, {})?;", a(1), a(2))
        }
        _ => format!("file.set_permissions({perm}){aw}?;"),
    };
    let (message, code) = match m.kind {
        FsKind::CreateDir | FsKind::CreateDirAll if p.kind == FsKind::SetOwner => (
            format!("change the owner of `{shown}` through a handle opened without following links, not through the path"),
            format!(
                "let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY).open({path})?; // std::os::unix::fs::OpenOptionsExt\n{change_handle}"
            ),
        ),
        FsKind::CreateDir | FsKind::CreateDirAll => {
            let b = format!("{}::new()", type_path(ctx, m, "DirBuilder", api));
            let b = if m.kind == FsKind::CreateDirAll {
                format!("{b}.recursive(true)")
            } else {
                b
            };
            (
                format!("create `{shown}` with its mode (`DirBuilderExt::mode`), so it never exists with another one"),
                format!(
                    "{b}.mode({mode}).create({path}){aw}?; // std::os::unix::fs::DirBuilderExt"
                ),
            )
        }
        FsKind::Symlink => (
            format!("make the link under a temporary name in a directory only this process can write, change it there, then `rename` it over `{shown}` (one step)"),
            format!(
                "let tmp = {path}.with_extension(\"tmp-link\");\n{}symlink({}, &tmp){aw}?;\n{}rename(&tmp, {path}){aw}?;",
                module_prefix(m),
                m.args.first().map(|r| text(file, r)).unwrap_or_default(),
                if api == Api::Tokio { "tokio::fs::" } else { "std::fs::" }
            ),
        ),
        _ => {
            let write = if m.what.ends_with("write") {
                let data = m.args.get(1).map(|r| text(file, r)).unwrap_or_default();
                format!("\nfile.write_all({data}){aw}?; // std::io::Write")
            } else {
                String::new()
            };
            (
                format!("create `{shown}` with its mode (`OpenOptionsExt::mode`) and change it through the open file, not the path"),
                format!(
                    "let mut file = {open}{aw}?;{}{write}\n{change_handle}",
                    if api == Api::Std { " // std::os::unix::fs::OpenOptionsExt" } else { "" }
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
