//! Finding the files to lint: explicit files always, directories walked with
//! the `ignore` crate's defaults (`.gitignore`, `.ignore`, hidden files),
//! `target/` skipped.

use crate::config::Config;
use crate::FileError;
use std::path::{Path, PathBuf};

/// A file to lint and the name to report it under.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub display: String,
}

/// The name a path is reported under: as given, `/`-separated, without a
/// leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// Expands the command line's paths into files, in a stable order. The
/// configuration's `exclude` prunes walked directories and files; a file
/// named on the command line is always linted.
pub fn discover(paths: &[PathBuf], config: Option<&Config>) -> (Vec<Input>, Vec<FileError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => errors.push(FileError::new(
                display_path(root),
                format!("cannot read this path: {e}; check that it exists and is readable"),
            )),
            Ok(m) if m.is_file() => files.push(Input {
                path: root.clone(),
                display: display_path(root),
            }),
            Ok(m) if m.is_dir() => walk(root, config, &mut files, &mut errors),
            // A FIFO would block the run, a device never ends or is empty:
            // none of them is source code.
            Ok(_) => errors.push(FileError::new(
                display_path(root),
                "not a regular file or a directory (a FIFO, socket or device); rmw-lint reads source files only".into(),
            )),
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.display == b.display);
    (files, errors)
}

fn walk(root: &Path, config: Option<&Config>, files: &mut Vec<Input>, errors: &mut Vec<FileError>) {
    let exclude = config.and_then(|c| c.exclude.clone());
    let walker = ignore::WalkBuilder::new(root)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && e.file_name() == "target" {
                return false;
            }
            // The walk's root itself is what the user asked for.
            e.depth() == 0
                || !exclude
                    .as_ref()
                    .is_some_and(|x| x.matches(e.path(), is_dir))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let is_file = e.file_type().is_some_and(|t| t.is_file());
                if is_file && e.path().extension().is_some_and(|x| x == "rs") {
                    files.push(Input {
                        path: e.path().to_path_buf(),
                        display: display_path(e.path()),
                    });
                }
            }
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => display_path(path),
                    _ => display_path(root),
                };
                let detail = err.to_string();
                errors.push(FileError::new(
                    path,
                    format!("cannot read this directory entry: {detail}; check its permissions"),
                ));
            }
        }
    }
}
