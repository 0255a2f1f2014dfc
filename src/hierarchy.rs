//! Configuration found relative to each linted file (ruff's hierarchy): a
//! file is analysed with the configuration that the run would have found if
//! it had started in the file's own directory, so a workspace run from its
//! root still honours each member's `rmw-lint.toml` or
//! `[package.metadata.rmw-lint]`. `--config FILE` turns this off: one file
//! then configures every input.
//!
//! The search per directory is the one [`config::load`] does from the
//! working directory (an `rmw-lint.toml` / `.rmw-lint.toml` in the
//! directory or an ancestor, else the nearest `Cargo.toml` with a metadata
//! table), memoised per directory so a large tree reads each manifest once.
//! Only the run's own configuration decides `exclude` and `fail-on`.

use crate::{config, Options, Settings};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct Hierarchy {
    /// The command line's options, for the settings of other configurations.
    template: Options,
    /// The run's own configuration file (canonical).
    run_config: Option<PathBuf>,
    toml: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    meta: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    settings: Mutex<HashMap<PathBuf, Result<Arc<Settings>, String>>>,
}

impl Hierarchy {
    pub fn new(opts: &Options) -> Hierarchy {
        Hierarchy {
            template: Options {
                paths: Vec::new(),
                stdin: None,
                config: None,
                config_explicit: true,
                progress: None,
                ..opts.clone()
            },
            run_config: opts
                .config
                .as_ref()
                .map(|c| std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())),
            toml: Mutex::default(),
            meta: Mutex::default(),
            settings: Mutex::default(),
        }
    }

    /// The settings for `file` when its configuration is not the run's;
    /// `None` when the run's settings apply. An invalid configuration is an
    /// error for the files it covers.
    pub fn for_file(&self, file: &Path) -> Result<Option<Arc<Settings>>, String> {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let found = self
            .nearest(&dir, &self.toml, has_config_file)
            .or_else(|| self.nearest(&dir, &self.meta, has_metadata));
        let Some(path) = found else {
            return Ok(None);
        };
        if Some(&path) == self.run_config.as_ref() {
            return Ok(None);
        }
        let mut cache = self.settings.lock().map_err(|e| e.to_string())?;
        cache
            .entry(path.clone())
            .or_insert_with(|| {
                let config = config::load(Some(&path), &dir).map_err(|e| e.to_string())?;
                let opts = Options {
                    config: config.map(Arc::new),
                    ..self.template.clone()
                };
                Settings::new(&opts)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map(Some)
    }

    /// The first of `dir` and its ancestors for which `probe` finds a file,
    /// memoised per directory.
    fn nearest(
        &self,
        dir: &Path,
        memo: &Mutex<HashMap<PathBuf, Option<PathBuf>>>,
        probe: fn(&Path) -> Option<PathBuf>,
    ) -> Option<PathBuf> {
        let mut walked = Vec::new();
        let mut found = None;
        for d in dir.ancestors() {
            if let Some(hit) = memo.lock().ok().and_then(|m| m.get(d).cloned()) {
                found = hit;
                break;
            }
            walked.push(d.to_path_buf());
            if let Some(p) = probe(d) {
                found = Some(p);
                break;
            }
        }
        if let Ok(mut m) = memo.lock() {
            for d in walked {
                m.insert(d, found.clone());
            }
        }
        found
    }
}

fn has_config_file(dir: &Path) -> Option<PathBuf> {
    ["rmw-lint.toml", ".rmw-lint.toml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn has_metadata(dir: &Path) -> Option<PathBuf> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).ok()?;
    let doc = text.parse::<toml::Table>().ok()?;
    let has = ["package", "workspace"].iter().any(|s| {
        doc.get(*s)
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("rmw-lint"))
            .is_some()
    });
    has.then_some(path)
}
