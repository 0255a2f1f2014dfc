//! The crate a file belongs to: its edition, read from the nearest
//! `Cargo.toml` (following `edition.workspace = true` to the workspace
//! root), and its root directory (where `sqlx::query_file!` paths start).
//! Files outside any crate are treated as edition 2021.

use crate::lower::context::Edition;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the analysis needs to know about a file's crate.
#[derive(Debug, Clone, Default)]
pub struct CrateInfo {
    pub edition: Edition,
    /// The directory of the nearest `Cargo.toml`.
    pub root: Option<PathBuf>,
    /// The ORMs the package depends on (diesel, sea-orm), which decide
    /// whether builder chains are read as statements even in files that
    /// reach the ORM through another crate's prelude.
    pub orms: Orms,
}

/// ORM dependencies of a package.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Orms {
    pub diesel: bool,
    pub sea_orm: bool,
    /// Any database client (sqlx, tokio-postgres, rusqlite, mysql, an ORM):
    /// the package's own functions may run statements worth summarising.
    pub sql: bool,
}

impl CrateInfo {
    /// The crate's directory name, as progress shows it.
    pub fn name(&self) -> String {
        self.root
            .as_deref()
            .and_then(|r| r.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[derive(Default)]
pub struct EditionCache {
    dirs: Mutex<HashMap<PathBuf, CrateInfo>>,
}

impl EditionCache {
    pub fn for_file(&self, file: &Path) -> CrateInfo {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Keyed by the directory as given: one lookup (and one
        // `canonicalize`) per directory, not per file.
        if let Ok(cache) = self.dirs.lock() {
            if let Some(e) = cache.get(&dir) {
                return e.clone();
            }
        }
        let absolute = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        let info = find(&absolute);
        if let Ok(mut cache) = self.dirs.lock() {
            cache.insert(dir, info.clone());
        }
        info
    }
}

fn find(dir: &Path) -> CrateInfo {
    // The package: the nearest manifest with a `[package]` table (a
    // workspace root's virtual manifest is not a crate), else the nearest.
    let manifests: Vec<&Path> = dir
        .ancestors()
        .filter(|d| d.join("Cargo.toml").is_file())
        .collect();
    let root = manifests
        .iter()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .is_ok_and(|t| t.lines().any(|l| l.trim() == "[package]"))
        })
        .or(manifests.first())
        .map(|d| d.to_path_buf());
    let orms = root.as_deref().map(orms_of).unwrap_or_default();
    CrateInfo {
        edition: find_edition(dir),
        root,
        orms,
    }
}

/// Which ORMs a manifest's dependencies name (any dependency table,
/// including target-specific ones; a `package = "…"` rename counts).
fn orms_of(dir: &Path) -> Orms {
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        return Orms::default();
    };
    let mut o = Orms::default();
    for line in text.lines() {
        let l = line.trim_start();
        let name_is = |n: &str| {
            l.starts_with(n) && l[n.len()..].trim_start().starts_with(['=', '.'])
                || l.contains(&format!("package = \"{n}\""))
                || l.starts_with('[') && l.trim_end().ends_with(&format!(".{n}]"))
        };
        o.diesel |= name_is("diesel") || name_is("diesel-async") || name_is("diesel_async");
        o.sea_orm |= name_is("sea-orm") || name_is("sea_orm") || name_is("loco-rs");
        o.sql |= [
            "sqlx",
            "tokio-postgres",
            "postgres",
            "rusqlite",
            "mysql_async",
            "mysql",
        ]
        .iter()
        .any(|n| name_is(n));
    }
    o.sql |= o.diesel || o.sea_orm;
    o
}

fn find_edition(dir: &Path) -> Edition {
    for d in dir.ancestors() {
        let manifest = d.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(doc) = text.parse::<toml::Table>() else {
            return Edition::default();
        };
        let Some(package) = doc.get("package").and_then(|p| p.as_table()) else {
            // A virtual workspace manifest: keep looking upward.
            continue;
        };
        return match package.get("edition") {
            Some(toml::Value::String(s)) => Edition::parse(s).unwrap_or_default(),
            Some(toml::Value::Table(t))
                if t.get("workspace").and_then(|w| w.as_bool()) == Some(true) =>
            {
                workspace_edition(d.parent()).unwrap_or_default()
            }
            // Cargo's own default for a manifest without `edition`.
            _ => Edition::E2015,
        };
    }
    Edition::default()
}

fn workspace_edition(start: Option<&Path>) -> Option<Edition> {
    for d in start?.ancestors() {
        let Ok(text) = std::fs::read_to_string(d.join("Cargo.toml")) else {
            continue;
        };
        let doc = text.parse::<toml::Table>().ok()?;
        if let Some(ws) = doc.get("workspace").and_then(|w| w.as_table()) {
            return ws
                .get("package")
                .and_then(|p| p.get("edition"))
                .and_then(|e| e.as_str())
                .and_then(Edition::parse);
        }
    }
    None
}
