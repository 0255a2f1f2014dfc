//! `per-file-ignores` in the configuration: glob → rule ids, as ruff has it.
//! A rule listed for a file does not run on it, so a suppression comment
//! naming it there is not judged either.
//!
//! Globs are relative to the configuration's directory; `*` stays within
//! one path component and `**` crosses them; a pattern without `/` also
//! matches the file name alone (`"generated.rs"`, `"*_gen.rs"`).

use globset::{GlobBuilder, GlobMatcher};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct PerFileIgnores {
    /// The configuration's directory (absolute).
    root: PathBuf,
    entries: Vec<(GlobMatcher, bool, Vec<&'static str>)>,
}

/// What is wrong with an entry: `(pattern, message)`.
pub type EntryError = (String, String);

impl PerFileIgnores {
    /// From the `per-file-ignores` table; `rule` resolves an id (unknown
    /// ids are an error the caller reports with the valid ones).
    pub fn parse(
        root: &Path,
        table: &toml::Table,
        rule: impl Fn(&str) -> Option<&'static str>,
    ) -> Result<PerFileIgnores, EntryError> {
        let mut entries = Vec::new();
        for (pattern, rules) in table {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| (pattern.clone(), e.to_string()))?;
            let list = rules
                .as_array()
                .ok_or_else(|| (pattern.clone(), "must be an array of rule ids".to_string()))?;
            let mut ids = Vec::new();
            for r in list {
                let name = r
                    .as_str()
                    .ok_or_else(|| (pattern.clone(), "must be an array of rule ids".to_string()))?;
                ids.push(
                    rule(name)
                        .ok_or_else(|| (pattern.clone(), format!("unknown rule `{name}`")))?,
                );
            }
            entries.push((glob.compile_matcher(), !pattern.contains('/'), ids));
        }
        Ok(PerFileIgnores {
            root: root.to_path_buf(),
            entries,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The rules to leave out for `file` (as discovered: relative to the
    /// working directory, or absolute).
    pub fn rules_for(&self, file: &str) -> Vec<&'static str> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let path = Path::new(file);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        let absolute: PathBuf = absolute
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        let Ok(relative) = absolute.strip_prefix(&self.root) else {
            return Vec::new();
        };
        let name = relative.file_name().map(Path::new);
        let mut out = Vec::new();
        for (glob, bare, ids) in &self.entries {
            let hit = glob.is_match(relative) || (*bare && name.is_some_and(|n| glob.is_match(n)));
            if hit {
                out.extend(ids.iter().copied());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignores(src: &str) -> PerFileIgnores {
        let table: toml::Table = src.parse().expect("toml");
        PerFileIgnores::parse(Path::new("/proj"), &table, |r| {
            ["a", "b"].into_iter().find(|x| *x == r)
        })
        .expect("valid")
    }

    #[test]
    fn globs_match_relative_to_the_configuration() {
        let p = ignores(
            "\"src/legacy/**\" = [\"a\"]\n\"*_gen.rs\" = [\"b\"]\n\"src/*.rs\" = [\"b\"]\n",
        );
        assert_eq!(p.rules_for("/proj/src/legacy/x/y.rs"), ["a"]);
        assert_eq!(p.rules_for("/proj/src/deep/api_gen.rs"), ["b"]);
        assert_eq!(p.rules_for("/proj/src/main.rs"), ["b"]);
        assert!(
            p.rules_for("/proj/src/deep/main.rs").is_empty(),
            "`*` stays in one component"
        );
        assert!(p.rules_for("/other/src/legacy/y.rs").is_empty());
    }

    #[test]
    fn unknown_rules_and_bad_values_are_errors() {
        let table: toml::Table = "\"x.rs\" = [\"nope\"]".parse().expect("toml");
        let e = PerFileIgnores::parse(Path::new("/p"), &table, |_| None).unwrap_err();
        assert_eq!(e, ("x.rs".to_string(), "unknown rule `nope`".to_string()));
        let table: toml::Table = "\"x.rs\" = \"a\"".parse().expect("toml");
        assert!(PerFileIgnores::parse(Path::new("/p"), &table, |_| None).is_err());
    }
}
