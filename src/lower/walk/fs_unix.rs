//! Unix path calls outside `std::fs`'s mirror: `std::os::unix::fs`
//! (`symlink`, `chown`, `lchown`), and the `nix` and `rustix` functions that
//! create, remove, re-permission or re-own a path. A table, no state.

use crate::lower::effects::FsKind;

/// What a unix path function does and where its arguments are.
#[derive(Debug, Clone, Copy)]
pub(super) struct UnixFn {
    pub(super) kind: FsKind,
    /// The argument that is the path acted on.
    pub(super) path: usize,
    /// An `open` whose flags argument decides whether it creates
    /// (`O_CREAT` / `OFlags::CREATE`) and only creates (`O_EXCL`).
    pub(super) flags: Option<usize>,
    /// Made with its mode (`mkdir(p, mode)`, an `open` with `O_CREAT`).
    pub(super) with_mode: bool,
}

const fn f(kind: FsKind, path: usize) -> UnixFn {
    UnixFn {
        kind,
        path,
        flags: None,
        with_mode: false,
    }
}

/// `full` is the call's path with its imports resolved
/// (`std::os::unix::fs::symlink`, `nix::unistd::chown`, `rustix::fs::chmod`).
pub(super) fn unix_function(full: &str) -> Option<UnixFn> {
    let (module, name) = full.rsplit_once("::")?;
    let module = module.trim_start_matches("::");
    let std_unix = matches!(
        module,
        "std::os::unix::fs"
            | "os::unix::fs"
            | "unix::fs"
            | "fs_err::os::unix::fs"
            | "async_std::os::unix::fs"
            | "tokio::fs"
            | "fs_err::tokio"
    );
    if std_unix {
        return Some(match name {
            "symlink" => f(FsKind::Symlink, 1),
            "chown" | "lchown" if !module.contains("tokio") => f(FsKind::SetOwner, 0),
            _ => return None,
        });
    }
    let nix = module.starts_with("nix::");
    let rustix = module.starts_with("rustix::");
    if !(nix || rustix) {
        return None;
    }
    Some(match name {
        "chown" | "lchown" => f(FsKind::SetOwner, 0),
        "fchownat" | "chownat" => f(FsKind::SetOwner, 1),
        "chmod" => f(FsKind::SetPermissions, 0),
        "fchmodat" | "chmodat" => f(FsKind::SetPermissions, 1),
        "mkdir" => UnixFn {
            with_mode: true,
            ..f(FsKind::CreateDir, 0)
        },
        "mkdirat" => UnixFn {
            with_mode: true,
            ..f(FsKind::CreateDir, 1)
        },
        "unlink" | "rmdir" => f(FsKind::Remove, 0),
        "unlinkat" => f(FsKind::Remove, 1),
        "symlinkat" => f(FsKind::Symlink, 2),
        "open" if nix || module.ends_with("fs") => UnixFn {
            flags: Some(1),
            with_mode: true,
            ..f(FsKind::Write, 0)
        },
        "openat" => UnixFn {
            flags: Some(2),
            with_mode: true,
            ..f(FsKind::Write, 1)
        },
        _ => return None,
    })
}

/// From an `open`'s flags as written: whether it creates the file, and
/// whether it fails on an existing one (`O_EXCL`, `OFlags::EXCL`).
pub(super) fn open_flags(text: &str) -> (bool, bool) {
    let creates = text.contains("O_CREAT") || text.contains("CREATE");
    let excl = text.contains("O_EXCL") || text.contains("EXCL");
    (creates, creates && excl)
}
