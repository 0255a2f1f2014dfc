//! The filesystem part of the walk: checks of a path (`exists`,
//! `try_exists`, `is_file`, `is_dir`, `metadata(..)`) and uses of it
//! (`File::create`, `fs::write`, `create_dir`, `remove_*`, `rename`, `copy`,
//! `set_permissions`, `OpenOptions::open` for writing), in `std::fs`,
//! `tokio::fs` and the `fs-err` / async-std mirrors of them.
//!
//! A check is recorded on any receiver with a path-check method name; it
//! only matters when a use of the same path (by key identity) follows, and
//! the use calls are unambiguous.

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
];

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
        "write" | "File::create" => FsKind::Write,
        "create_dir" => FsKind::CreateDir,
        "remove_file" | "remove_dir" | "remove_dir_all" => FsKind::Remove,
        "rename" => FsKind::Rename,
        "copy" => FsKind::Copy,
        "set_permissions" => FsKind::SetPermissions,
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
}

impl Walker<'_> {
    /// Records what `c` does to `path` (`dest`: the destination of a
    /// `rename`/`copy`).
    fn record_fs(&mut self, c: &FsCall, path: &Expr, dest: bool, deps: Deps) -> OpId {
        let key = self.expr_key(path);
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
        });
        op
    }

    /// `fs::write(p, ..)`, `File::create(p)`, `tokio::fs::metadata(p)`,
    /// `OpenOptions::new()`.
    pub(super) fn fs_call(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        args: &[Val],
    ) -> Option<Val> {
        let last = segs.last()?.as_str();
        let interesting =
            fs_function(last).is_some() || matches!(last, "create" | "new" | "options");
        if !interesting {
            return None;
        }
        let written = segs.join("::");
        let full = self.ctx.resolve(&written);
        let (module, name) = FS_MODULES
            .iter()
            .find_map(|m| full.strip_prefix(m).map(|rest| (*m, rest)))
            .or_else(|| {
                matches!(
                    full.as_str(),
                    "File::create" | "File::options" | "OpenOptions::new"
                )
                .then_some(("", full.as_str()))
            })?;
        let tokio = module.contains("tokio") || module.contains("async_std");
        let deps = super::state::call_deps(&Val::default(), args);
        if matches!(name, "OpenOptions::new" | "File::options") {
            return Some(Val {
                deps,
                ext: Some(Ext::OpenOptions {
                    writes: false,
                    create_new: false,
                }),
                ..Val::default()
            });
        }
        let kind = fs_function(name)?;
        let path = c.args.first()?;
        let call = FsCall {
            kind,
            what: written,
            call: range_of(c),
            args: c.args.iter().map(range_of).collect(),
            tokio,
        };
        match kind {
            FsKind::Check => {
                let op = self.record_fs(&call, path, false, Vec::new());
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
                let a = self.record_fs(&call, path, false, deps.clone());
                let b = self.record_fs(&call, to, true, deps.clone());
                let (ta, tb) = (self.facts.ops[a].target, self.facts.ops[b].target);
                let n = self.facts.fs.len();
                self.facts.fs[n - 2].other = Some(tb);
                self.facts.fs[n - 1].other = Some(ta);
                Some(Val::deps(union(&deps, &vec![a, b])))
            }
            _ => {
                let op = self.record_fs(&call, path, false, deps.clone());
                Some(Val::deps(union(&deps, &vec![op])))
            }
        }
    }

    /// Path checks (`p.exists()`), `metadata(..)` results, and
    /// `OpenOptions` chains ending in `open(p)`.
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
        let builds = matches!(recv.ext, Some(Ext::OpenOptions { .. } | Ext::FsMeta(_)));
        if !(check || builds) {
            return None;
        }
        let deps = super::state::call_deps(recv, args);
        match recv.ext {
            Some(Ext::OpenOptions { writes, create_new }) => {
                if name == "open" && mc.args.len() == 1 {
                    if !writes || create_new {
                        // Reading, or failing on an existing file: no race.
                        return Some(Val::deps(deps));
                    }
                    let call = FsCall {
                        kind: FsKind::Write,
                        what: "OpenOptions::open".into(),
                        call: range_of(e),
                        args: vec![range_of(&mc.args[0])],
                        tokio: self.open_options_are_tokio(),
                    };
                    let op = self.record_fs(&call, &mc.args[0], false, deps.clone());
                    return Some(Val::deps(union(&deps, &vec![op])));
                }
                let on = mc.args.first().is_some_and(is_true);
                let ext = Ext::OpenOptions {
                    writes: writes
                        || (on && matches!(name, "write" | "append" | "truncate" | "create")),
                    create_new: create_new || (on && name == "create_new"),
                };
                // `opts.create_new(true);` changes the options held in `opts`.
                if let Expr::Path(p) = strip_key(&mc.receiver) {
                    if let Some(at) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                        self.binding_mut(at).ext = Some(ext);
                    }
                }
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
        let call = FsCall {
            kind: FsKind::Check,
            what: format!("{}()", compact(&mc.method)),
            call: range_of(e),
            args: Vec::new(),
            tokio: false,
        };
        let op = self.record_fs(&call, &mc.receiver, false, Vec::new());
        let target = self.facts.ops[op].target;
        Some(Val {
            deps: union(&deps, &vec![op]),
            ext: name.ends_with("metadata").then_some(Ext::FsMeta(target)),
            ..Val::default()
        })
    }

    /// Whether `OpenOptions` in this file is tokio's.
    fn open_options_are_tokio(&self) -> bool {
        self.ctx
            .imports
            .get("OpenOptions")
            .is_some_and(|p| p.starts_with("tokio") || p.starts_with("async_std"))
    }
}
