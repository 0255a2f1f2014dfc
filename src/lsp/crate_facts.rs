//! What the server keeps in memory per crate: the schema facts
//! ([`FileSchema`]: diesel tables and models, sea-orm entities and aliases)
//! of every file of the crate, so that analysing one open document sees the
//! whole crate's index, as the command line does, without re-reading the
//! crate on every keystroke.
//!
//! Read once when a document of the crate is first analysed; afterwards a
//! file's entry changes only when that file does: from the editor's text
//! each time an open document is analysed, and from disk when a file is
//! saved.

use crate::config::Config;
use crate::edition::EditionCache;
use crate::krate::schema::FileSchema;
use crate::{discover, pipeline, Settings};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct CrateFacts {
    by_file: HashMap<PathBuf, FileSchema>,
}

/// The key a file is known by (symbolic links and `..` resolved).
pub fn key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl CrateFacts {
    /// Reads the facts of the crate at `root`: the files discovery finds
    /// under it that belong to it, parsed only when they mention a schema
    /// (the same cheap test the command line uses).
    pub fn load(
        root: &Path,
        config: Option<&Config>,
        editions: &EditionCache,
        settings: &Settings,
    ) -> CrateFacts {
        let (files, _) = discover::discover(&[root.to_path_buf()], config);
        let mut by_file = HashMap::new();
        for f in files {
            let krate = editions.for_file(&f.path);
            if krate.root.as_deref() != Some(root) {
                continue;
            }
            if let Some(schema) = read(&f.path, &f.display, &krate, settings) {
                by_file.insert(key(&f.path), schema);
            }
        }
        CrateFacts { by_file }
    }

    /// Records a file's facts; whether they differ from what was known.
    pub fn update(&mut self, file: &Path, schema: FileSchema) -> bool {
        let k = key(file);
        let old = self.by_file.get(&k);
        let changed = match old {
            Some(o) => *o != schema,
            None => !schema.is_empty(),
        };
        if schema.is_empty() && schema.structs.is_empty() {
            self.by_file.remove(&k);
        } else {
            self.by_file.insert(k, schema);
        }
        changed
    }

    /// Re-reads a saved file from disk; whether its facts changed.
    pub fn reload(&mut self, file: &Path, editions: &EditionCache, settings: &Settings) -> bool {
        let krate = editions.for_file(file);
        let name = crate::discover::display_path(file);
        let schema = read(file, &name, &krate, settings).unwrap_or_default();
        self.update(file, schema)
    }

    /// The facts of every file but `except`.
    pub fn others<'a>(&'a self, except: &Path) -> impl Iterator<Item = &'a FileSchema> + 'a {
        let k = key(except);
        self.by_file
            .iter()
            .filter(move |(f, _)| **f != k)
            .map(|(_, s)| s)
    }
}

fn read(
    path: &Path,
    name: &str,
    krate: &crate::edition::CrateInfo,
    settings: &Settings,
) -> Option<FileSchema> {
    let bytes = std::fs::read(path).ok()?;
    if !pipeline::declares_schema(&bytes) {
        return None;
    }
    Some(pipeline::phase1(name, bytes, krate, settings, true).schema)
}
