//! The packages of the current cargo workspace, read from the `Cargo.toml`
//! files themselves (`cargo rmw-lint` never runs cargo: no build scripts,
//! no dependency resolution, no network).
//!
//! From the working directory up, the nearest manifest is found; if a
//! manifest further up has a `[workspace]` whose `members` (globs allowed)
//! include that package, the workspace root is that one. The packages are
//! the root's own `[package]` and its members less `exclude`.

use std::path::{Path, PathBuf};

/// The directories of the workspace's packages, sorted; an error when no
/// `Cargo.toml` is found or the root manifest cannot be read.
pub fn packages(cwd: &Path) -> Result<Vec<PathBuf>, String> {
    let nearest = cwd
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .ok_or_else(|| {
            format!(
                "no Cargo.toml in {} or its parents; run `cargo rmw-lint` inside a cargo project, or `rmw-lint PATH`",
                cwd.display()
            )
        })?
        .to_path_buf();
    let mut root = nearest.clone();
    let mut root_doc = read(&nearest)?;
    if root_doc.get("workspace").is_none() {
        for d in nearest.ancestors().skip(1) {
            if !d.join("Cargo.toml").is_file() {
                continue;
            }
            let Ok(doc) = read(d) else { continue };
            if doc.get("workspace").is_some() {
                if members(d, &doc).iter().any(|m| same(m, &nearest)) {
                    root = d.to_path_buf();
                    root_doc = doc;
                }
                break;
            }
        }
    }
    let mut out = Vec::new();
    if root_doc.get("package").is_some() {
        out.push(root.clone());
    }
    if root_doc.get("workspace").is_some() {
        out.extend(members(&root, &root_doc));
    } else if out.is_empty() {
        return Err(format!(
            "{}: neither a [package] nor a [workspace]",
            root.join("Cargo.toml").display()
        ));
    }
    out.sort();
    out.dedup_by(|a, b| same(a, b));
    Ok(out)
}

/// `path` as seen from `base` (both absolute): `crates/a`, `../a`, `.`,
/// so diagnostics name files relative to where the user is.
pub fn relative(path: &Path, base: &Path) -> PathBuf {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, base) = (canon(path), canon(base));
    let common = path
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn read(dir: &Path) -> Result<toml::Table, String> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    text.parse::<toml::Table>()
        .map_err(|e| format!("{}: not valid TOML: {}", path.display(), e.message()))
}

fn same(a: &Path, b: &Path) -> bool {
    let c = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    c(a) == c(b)
}

/// The member directories of a `[workspace]` (each holding a
/// `Cargo.toml`), globs expanded, `exclude` left out.
fn members(root: &Path, doc: &toml::Table) -> Vec<PathBuf> {
    let ws = doc.get("workspace");
    let list = |key: &str| -> Vec<String> {
        ws.and_then(|w| w.get(key))
            .and_then(|m| m.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let excluded: Vec<PathBuf> = list("exclude").iter().map(|e| root.join(e)).collect();
    let mut out = Vec::new();
    for pattern in list("members") {
        for dir in expand(root, &pattern) {
            if dir.join("Cargo.toml").is_file() && !excluded.iter().any(|x| same(x, &dir)) {
                out.push(dir);
            }
        }
    }
    out
}

/// A member pattern (`crates/*`, `tools/cli`) as directories: each path
/// component may be a glob, matched against the entries of the directory.
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    for part in pattern.split('/').filter(|p| !p.is_empty() && *p != ".") {
        let glob = globset::Glob::new(part).map(|g| g.compile_matcher());
        let mut next = Vec::new();
        for d in dirs {
            let literal = !part.contains(['*', '?', '[']);
            match (&glob, literal) {
                (_, true) | (Err(_), _) => next.push(d.join(part)),
                (Ok(g), false) => {
                    let Ok(entries) = std::fs::read_dir(&d) else {
                        continue;
                    };
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                        .filter(|e| g.is_match(e.file_name()))
                        .map(|e| e.path())
                        .collect();
                    found.sort();
                    next.extend(found);
                }
            }
        }
        dirs = next;
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    #[test]
    fn members_from_globs_less_exclude_found_from_inside_a_member() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = std::fs::canonicalize(t.path()).expect("canonical");
        write(
            &r,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"tools/cli\"]\nexclude = [\"crates/skip\"]\n",
        );
        for m in ["crates/a", "crates/b", "crates/skip", "tools/cli"] {
            write(&r, &format!("{m}/Cargo.toml"), "[package]\nname = \"x\"\n");
        }
        write(&r, "crates/notes/README.md", "not a package");
        let want = vec![r.join("crates/a"), r.join("crates/b"), r.join("tools/cli")];
        assert_eq!(packages(&r).expect("ok"), want);
        assert_eq!(packages(&r.join("crates/b")).expect("ok"), want);
        // A package that is not a member is linted alone.
        write(&r, "loose/Cargo.toml", "[package]\nname = \"loose\"\n");
        assert_eq!(
            packages(&r.join("loose")).expect("ok"),
            vec![r.join("loose")]
        );
    }
}
