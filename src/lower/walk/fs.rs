//! The filesystem part of the walk: checks of a path (`exists`,
//! `try_exists`, `is_file`, `is_dir`, `metadata(..)`) and uses of it
//! (`File::create`, `fs::write`, `create_dir`, `remove_*`, `rename`, `copy`,
//! `set_permissions`, `OpenOptions::open` for writing), in `std::fs`,
//! `tokio::fs` and the `fs-err` / async-std mirrors of them.
//!
//! Also what makes a path (`create_dir_all`, `DirBuilder::create`,
//! `os::unix::fs::symlink`, `nix`/`rustix` `mkdir` and `open` with
//! `O_CREAT`), what re-owns it (`chown`, `lchown`), and whether a create
//! gives the mode, fails on an existing path, or lies in a fresh temporary
//! directory; the `nix`/`rustix` table is in `fs_unix`.
//!
//! A check is recorded on any receiver with a path-check method name; it
//! only matters when a use of the same path (by key identity) follows, and
//! the use calls are unambiguous.

use super::fs_unix::{open_flags, unix_function};
use super::keys::{compact, strip_key};
use super::state::{Ext, Val, Walker};
use crate::lower::effects::*;
use crate::lower::place::Place;
use crate::lower::range_of;
use syn::Expr;

/// Methods on `Path` / `PathBuf` (and `DirEntry`) that look at a path.
const CHECK_METHODS: &[&str] = &[
    "exists",
    "try_exists",
    "is_file",
    "is_dir",
    "metadata",
    "symlink_metadata",
    // `DirEntry::file_type`: what the entry is, without following a link.
    "file_type",
];

/// Calls that make a temporary directory only this process can write.
const TEMP_DIRS: &[&str] = &["tempdir", "tempdir_in", "TempDir::new", "TempDir::new_in"];

/// Methods on a `metadata(..)` result that still say whether (or as what)
/// the path exists.
const META_KEEP: &[&str] = &[
    "is_ok",
    "is_err",
    "ok",
    "err",
    "is_file",
    "is_dir",
    "is_symlink",
    "file_type",
    "unwrap",
    "expect",
    "map",
    "is_ok_and",
    "is_err_and",
];

/// The filesystem modules whose functions mirror `std::fs`.
const FS_MODULES: &[&str] = &[
    "std::fs::",
    "tokio::fs::",
    "async_std::fs::",
    "fs_err::tokio::",
    "fs_err::",
    "fs::",
];

/// What a filesystem function does, by its name inside the module.
fn fs_function(name: &str) -> Option<FsKind> {
    Some(match name {
        "write" | "File::create" | "File::create_new" => FsKind::Write,
        "create_dir" => FsKind::CreateDir,
        "create_dir_all" => FsKind::CreateDirAll,
        "remove_file" | "remove_dir" | "remove_dir_all" => FsKind::Remove,
        "rename" => FsKind::Rename,
        "copy" => FsKind::Copy,
        "set_permissions" => FsKind::SetPermissions,
        // Listing a directory to act on its entries: following a link
        // swapped in after a check that did not follow it.
        "read_dir" => FsKind::Recurse,
        "metadata" | "symlink_metadata" | "try_exists" | "exists" => FsKind::Check,
        _ => return None,
    })
}

fn is_true(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(b),
            ..
        }) if b.value
    )
}

/// One filesystem call: what every path it touches is recorded with.
struct FsCall {
    kind: FsKind,
    what: String,
    call: std::ops::Range<usize>,
    args: Vec<std::ops::Range<usize>>,
    tokio: bool,
    creates: bool,
    new_only: bool,
    with_mode: bool,
    mode: Option<std::ops::Range<usize>>,
    /// The call node's address, to tell whether it is the whole statement.
    node: usize,
}

impl FsCall {
    fn new(kind: FsKind, what: String, call: std::ops::Range<usize>, tokio: bool) -> FsCall {
        FsCall {
            node: 0,
            kind,
            what,
            call,
            args: Vec::new(),
            tokio,
            creates: kind == FsKind::Write,
            new_only: false,
            with_mode: false,
            mode: None,
        }
    }
}

/// `Permissions::from_mode(m)` (any prefix): `m`.
fn from_mode_arg(e: &Expr) -> Option<std::ops::Range<usize>> {
    let Expr::Call(c) = strip_key(e) else {
        return None;
    };
    let segs = super::vocab::path_segments(&c.func);
    let n = segs.len();
    (n >= 2 && segs[n - 2] == "Permissions" && segs[n - 1] == "from_mode" && c.args.len() == 1)
        .then(|| range_of(&c.args[0]))
}

impl Walker<'_> {
    /// Records what `c` does to `path` (`dest`: the destination of a
    /// `rename`/`copy`).
    fn record_fs(&mut self, c: &FsCall, path: &Expr, dest: bool, deps: Deps, temp: bool) -> OpId {
        let key = self.path_key(path);
        let stmt = self
            .cur_stmt
            .as_ref()
            .filter(|s| c.node != 0 && s.node == c.node)
            .map(|s| FsStmt {
                range: s.start.unwrap_or(c.call.start)..s.end,
                binding: s.binding.clone(),
            });
        let place = Place::external(format!("fs:{key}"), "");
        let op = self.push_op(
            OpKind::Fs(self.facts.fs.len()),
            &place,
            c.call.clone(),
            deps,
            true,
            None,
            None,
            None,
        );
        self.facts.fs.push(FsEffect {
            op,
            kind: c.kind,
            what: c.what.clone(),
            path: range_of(strip_key(path)),
            call: c.call.clone(),
            args: c.args.clone(),
            tokio: c.tokio,
            dest,
            other: None,
            creates: c.creates,
            new_only: c.new_only,
            with_mode: c.with_mode,
            temp,
            mode: c.mode.clone(),
            stmt,
        });
        op
    }

    /// `fs::write(p, ..)`, `File::create(p)`, `tokio::fs::metadata(p)`,
    /// `OpenOptions::new()`, `DirBuilder::new()`, `symlink(a, p)`,
    /// `nix::unistd::chown(p, ..)`, `tempfile::tempdir()`, and a call of
    /// the function itself (recursing into a path).
    pub(super) fn fs_call(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        args: &[Val],
    ) -> Option<Val> {
        let last = segs.last()?.as_str();
        let interesting = fs_function(last).is_some()
            || matches!(
                last,
                "create"
                    | "create_new"
                    | "new"
                    | "new_in"
                    | "options"
                    | "tempdir"
                    | "tempdir_in"
                    | "symlink"
                    | "symlinkat"
                    | "chown"
                    | "lchown"
                    | "fchownat"
                    | "chownat"
                    | "chmod"
                    | "fchmodat"
                    | "chmodat"
                    | "mkdir"
                    | "mkdirat"
                    | "unlink"
                    | "unlinkat"
                    | "rmdir"
                    | "open"
                    | "openat"
            )
            || self.is_recursion(segs);
        if !interesting {
            return None;
        }
        let deps = super::state::call_deps(&Val::default(), args);
        if self.is_recursion(segs) {
            self.record_recursion(c.args.iter().zip(args), range_of(c), &deps);
            return None;
        }
        let written = segs.join("::");
        let full = self.ctx.resolve(&written);
        let tail2 = segs[segs.len().saturating_sub(2)..].join("::");
        if TEMP_DIRS.contains(&last) || TEMP_DIRS.contains(&tail2.as_str()) {
            return Some(Val {
                deps,
                ext: Some(Ext::TempPath),
                ..Val::default()
            });
        }
        if let Some(u) = unix_function(&full) {
            return self.unix_call(c, &written, &full, u, args, deps);
        }
        let (module, name) = FS_MODULES
            .iter()
            .find_map(|m| full.strip_prefix(m).map(|rest| (*m, rest)))
            .or_else(|| {
                matches!(
                    full.as_str(),
                    "File::create"
                        | "File::create_new"
                        | "File::options"
                        | "OpenOptions::new"
                        | "DirBuilder::new"
                )
                .then_some(("", full.as_str()))
            })?;
        let tokio = module.contains("tokio") || module.contains("async_std");
        if matches!(name, "OpenOptions::new" | "File::options") {
            return Some(Val {
                deps,
                ext: Some(Ext::OpenOptions {
                    writes: false,
                    creates: false,
                    create_new: false,
                    mode: false,
                }),
                ..Val::default()
            });
        }
        if name == "DirBuilder::new" {
            return Some(Val {
                deps,
                ext: Some(Ext::DirBuilder {
                    recursive: false,
                    mode: false,
                }),
                ..Val::default()
            });
        }
        let kind = fs_function(name)?;
        let path = c.args.first()?;
        let mut call = FsCall::new(kind, written, range_of(c), tokio);
        call.node = c as *const syn::ExprCall as usize;
        call.args = c.args.iter().map(range_of).collect();
        call.new_only = name.ends_with("create_new");
        if kind == FsKind::SetPermissions {
            call.mode = c.args.get(1).and_then(from_mode_arg);
        }
        let temp = is_temp(args.first());
        match kind {
            FsKind::Check => {
                let op = self.record_fs(&call, path, false, Vec::new(), temp);
                let target = self.facts.ops[op].target;
                let meta = name.ends_with("metadata");
                Some(Val {
                    deps: vec![op],
                    ext: meta.then_some(Ext::FsMeta(target)),
                    ..Val::default()
                })
            }
            FsKind::Rename | FsKind::Copy => {
                let to = c.args.get(1)?;
                let a = self.record_fs(&call, path, false, deps.clone(), temp);
                let b = self.record_fs(&call, to, true, deps.clone(), is_temp(args.get(1)));
                let (ta, tb) = (self.facts.ops[a].target, self.facts.ops[b].target);
                let n = self.facts.fs.len();
                self.facts.fs[n - 2].other = Some(tb);
                self.facts.fs[n - 1].other = Some(ta);
                Some(Val::deps(union(&deps, &vec![a, b])))
            }
            _ => {
                let op = self.record_fs(&call, path, false, deps.clone(), temp);
                Some(Val::deps(union(&deps, &vec![op])))
            }
        }
    }

    /// `symlink(target, link)`, `chown(p, ..)`, `nix`/`rustix` calls.
    fn unix_call(
        &mut self,
        c: &syn::ExprCall,
        written: &str,
        full: &str,
        u: super::fs_unix::UnixFn,
        args: &[Val],
        deps: Deps,
    ) -> Option<Val> {
        let path = c.args.get(u.path)?;
        let tokio = full.contains("tokio") || full.contains("async_std");
        let mut call = FsCall::new(u.kind, written.to_string(), range_of(c), tokio);
        call.node = c as *const syn::ExprCall as usize;
        call.args = c.args.iter().map(range_of).collect();
        call.with_mode = u.with_mode;
        if let Some(i) = u.flags {
            let (creates, excl) = open_flags(&compact(c.args.get(i)?));
            call.creates = creates;
            call.new_only = excl;
        }
        let op = self.record_fs(&call, path, false, deps.clone(), is_temp(args.get(u.path)));
        Some(Val::deps(union(&deps, &vec![op])))
    }

    /// A call of the function being walked (`walk(&entry.path())`,
    /// `Self::walk(..)`).
    fn is_recursion(&self, segs: &[String]) -> bool {
        let me = self.facts.name.rsplit("::").next().unwrap_or("");
        !me.is_empty()
            && segs.last().is_some_and(|l| l == me)
            && (segs.len() == 1 || (segs.len() == 2 && segs[0] == "Self"))
    }

    /// Records a recursion into each argument that names a path.
    fn record_recursion<'e>(
        &mut self,
        args: impl Iterator<Item = (&'e Expr, &'e Val)>,
        call: std::ops::Range<usize>,
        deps: &Deps,
    ) {
        let what = self
            .facts
            .name
            .rsplit("::")
            .next()
            .unwrap_or("")
            .to_string();
        for (a, v) in args {
            if matches!(strip_key(a), Expr::Lit(_)) {
                continue;
            }
            let mut c = FsCall::new(FsKind::Recurse, what.clone(), call.clone(), false);
            c.args = vec![range_of(a)];
            self.record_fs(&c, a, false, deps.clone(), is_temp(Some(v)));
        }
    }

    /// Path checks (`p.exists()`, `entry.file_type()`), `metadata(..)`
    /// results, `OpenOptions` and `DirBuilder` chains ending in `open(p)` /
    /// `create(p)`, paths inside a temporary directory, and `self.walk(p)`
    /// inside `walk`.
    pub(super) fn fs_method(
        &mut self,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        recv: &Val,
        args: &[Val],
    ) -> Option<Val> {
        let name = mc.method.to_string();
        let name = name.as_str();
        // Most method calls are none of these: decide that before any work.
        let check = mc.args.is_empty()
            && CHECK_METHODS.contains(&name)
            && !matches!(recv.ext, Some(Ext::Redis(_) | Ext::RedisBuilder(_)));
        let builds = matches!(
            recv.ext,
            Some(Ext::OpenOptions { .. } | Ext::FsMeta(_) | Ext::DirBuilder { .. } | Ext::TempPath)
        );
        let temp_dir = matches!(name, "tempdir" | "tempdir_in");
        let recursion = !mc.args.is_empty()
            && self.is_recursion(&[name.to_string()])
            && matches!(strip_key(&mc.receiver), Expr::Path(p) if p.path.is_ident("self"));
        if !(check || builds || temp_dir || recursion) {
            return None;
        }
        let deps = super::state::call_deps(recv, args);
        if recursion {
            self.record_recursion(mc.args.iter().zip(args), range_of(e), &deps);
            return None;
        }
        if temp_dir || (recv.ext == Some(Ext::TempPath) && !check) {
            return Some(Val {
                deps,
                ext: Some(Ext::TempPath),
                ..Val::default()
            });
        }
        match recv.ext {
            Some(Ext::OpenOptions {
                writes,
                creates,
                create_new,
                mode,
            }) => {
                if name == "open" && mc.args.len() == 1 {
                    if !writes {
                        // Reading: no race.
                        return Some(Val::deps(deps));
                    }
                    let mut call = FsCall::new(
                        FsKind::Write,
                        "OpenOptions::open".into(),
                        range_of(e),
                        self.builder_is_tokio("OpenOptions", mc),
                    );
                    call.node = mc as *const syn::ExprMethodCall as usize;
                    call.args = vec![range_of(&mc.args[0])];
                    call.creates = creates || create_new;
                    call.new_only = create_new;
                    call.with_mode = mode;
                    let op = self.record_fs(
                        &call,
                        &mc.args[0],
                        false,
                        deps.clone(),
                        is_temp(args.first()),
                    );
                    return Some(Val::deps(union(&deps, &vec![op])));
                }
                let on = mc.args.first().is_some_and(is_true);
                let ext = Ext::OpenOptions {
                    writes: writes
                        || (on && matches!(name, "write" | "append" | "truncate" | "create")),
                    creates: creates || (on && name == "create"),
                    create_new: create_new || (on && name == "create_new"),
                    mode: mode || name == "mode",
                };
                self.update_builder(mc, ext);
                return Some(Val {
                    deps,
                    ext: Some(ext),
                    ..Val::default()
                });
            }
            Some(Ext::DirBuilder { recursive, mode }) => {
                if name == "create" && mc.args.len() == 1 {
                    let kind = if recursive {
                        FsKind::CreateDirAll
                    } else {
                        FsKind::CreateDir
                    };
                    let mut call = FsCall::new(
                        kind,
                        "DirBuilder::create".into(),
                        range_of(e),
                        self.builder_is_tokio("DirBuilder", mc),
                    );
                    call.node = mc as *const syn::ExprMethodCall as usize;
                    call.args = vec![range_of(&mc.args[0])];
                    call.with_mode = mode;
                    let op = self.record_fs(
                        &call,
                        &mc.args[0],
                        false,
                        deps.clone(),
                        is_temp(args.first()),
                    );
                    return Some(Val::deps(union(&deps, &vec![op])));
                }
                let ext = Ext::DirBuilder {
                    recursive: recursive
                        || (name == "recursive" && mc.args.first().is_some_and(is_true)),
                    mode: mode || name == "mode",
                };
                self.update_builder(mc, ext);
                return Some(Val {
                    deps,
                    ext: Some(ext),
                    ..Val::default()
                });
            }
            Some(Ext::FsMeta(_)) => {
                if META_KEEP.contains(&name) {
                    return Some(Val {
                        deps,
                        ext: recv.ext,
                        ..Val::default()
                    });
                }
                // `meta.len()`, `meta.modified()`: facts about the file,
                // not whether it is there.
                let deps = deps
                    .into_iter()
                    .filter(|&d| !matches!(self.facts.ops[d].kind, OpKind::Fs(_)))
                    .collect();
                return Some(Val::deps(deps));
            }
            _ => {}
        }
        let call = FsCall::new(
            FsKind::Check,
            format!("{}()", compact(&mc.method)),
            range_of(e),
            false,
        );
        let op = self.record_fs(&call, &mc.receiver, false, Vec::new(), false);
        let target = self.facts.ops[op].target;
        let meta = name.ends_with("metadata") || name == "file_type";
        Some(Val {
            deps: union(&deps, &vec![op]),
            ext: meta.then_some(Ext::FsMeta(target)),
            ..Val::default()
        })
    }

    /// `opts.create_new(true);`, `builder.recursive(true);`: the call
    /// changes the builder held in the binding.
    fn update_builder(&mut self, mc: &syn::ExprMethodCall, ext: Ext) {
        if let Expr::Path(p) = strip_key(&mc.receiver) {
            if let Some(at) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                self.binding_mut(at).ext = Some(ext);
            }
        }
    }

    /// Whether the `OpenOptions` / `DirBuilder` of this chain is tokio's
    /// (or async-std's): imported so, or named so in the chain.
    fn builder_is_tokio(&self, ty: &str, mc: &syn::ExprMethodCall) -> bool {
        self.ctx
            .imports
            .get(ty)
            .is_some_and(|p| p.starts_with("tokio") || p.starts_with("async_std"))
            || {
                let chain = compact(&mc.receiver);
                chain.contains("tokio::fs::") || chain.contains("async_std::fs::")
            }
    }
}

/// Whether a path value lies in a temporary directory of this function.
fn is_temp(v: Option<&Val>) -> bool {
    v.is_some_and(|v| v.ext == Some(Ext::TempPath))
}
