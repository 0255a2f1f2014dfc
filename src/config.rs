//! Configuration (SPEC §4): `rmw-lint.toml` or `.rmw-lint.toml` in the
//! working directory or one of its ancestors; else the nearest `Cargo.toml`
//! with a `[package.metadata.rmw-lint]` or `[workspace.metadata.rmw-lint]`
//! table; `--config FILE` overrides both.
//!
//! Keys: `exclude` (gitignore-style globs, relative to the configuration's
//! directory), `dialect` (`auto|postgres|mysql|sqlite`), `fail-on`
//! (`error|warning|note|never`), and `[rules]` mapping a rule id to
//! `error|warning|note|off`. Anything else is an error that names the file,
//! the key and the valid choices: a typo must not silently turn a setting off.

use crate::diagnostic::Severity;
use crate::rules;
use crate::sql::Dialect;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const KEYS: &str = "exclude, dialect, fail-on, rules, per-file-ignores";
const FILE_NAMES: &[&str] = &["rmw-lint.toml", ".rmw-lint.toml"];

/// The severity at which the exit status becomes 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn parse(s: &str) -> Option<FailOn> {
        Some(match s {
            "error" => FailOn::Error,
            "warning" => FailOn::Warning,
            "note" => FailOn::Note,
            "never" => FailOn::Never,
            _ => return None,
        })
    }

    /// The lowest severity that fails, if any does.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// A loaded configuration.
#[derive(Debug)]
pub struct Config {
    /// The file it was read from, as shown in messages.
    pub path: PathBuf,
    /// The table it was read from (`[package.metadata.rmw-lint]`), empty
    /// for an `rmw-lint.toml`.
    pub table: String,
    /// `exclude` patterns, matched relative to the configuration's directory.
    pub exclude: Option<Exclude>,
    /// `None`: detect from the code (`auto`).
    pub dialect: Option<Dialect>,
    pub fail_on: Option<FailOn>,
    /// Rule id → severity; `None` turns the rule off.
    pub rules: BTreeMap<String, Option<Severity>>,
    /// `per-file-ignores`: glob → rules left out for matching files.
    pub per_file_ignores: crate::per_file::PerFileIgnores,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}: cannot read the configuration: {1}")]
    Read(String, String),
    #[error("{0}: not valid TOML: {1}")]
    Toml(String, String),
    #[error("{0}: unknown key `{1}`; valid keys: {KEYS}")]
    UnknownKey(String, String),
    #[error("{file}: `{key}` must be {expected}")]
    Type {
        file: String,
        key: String,
        expected: &'static str,
    },
    #[error("{file}: invalid value `{value}` for `{key}`; valid values: {valid}")]
    Value {
        file: String,
        key: String,
        value: String,
        valid: &'static str,
    },
    #[error("{0}: unknown rule `{1}` in `{2}`; valid rules: {3}")]
    UnknownRule(String, String, String, String),
    #[error("{0}: invalid pattern `{1}` in `{2}`: {3}")]
    Glob(String, String, String, String),
    #[error("{file}: `{key}` {message}; valid rules: {valid}")]
    PerFile {
        file: String,
        key: String,
        message: String,
        valid: String,
    },
    #[error("{0}: no `[package.metadata.rmw-lint]` or `[workspace.metadata.rmw-lint]` table")]
    NoTable(String),
}

/// Finds and loads the configuration for a run in `cwd`, or the explicit
/// `--config` file.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Option<Config>, ConfigError> {
    if let Some(path) = explicit {
        let is_manifest = path.file_name().is_some_and(|n| n == "Cargo.toml");
        let doc = read(path)?;
        return if is_manifest {
            match metadata_table(&doc) {
                Some((table, name)) => from_table(path, &name, table).map(Some),
                None => Err(ConfigError::NoTable(shown(path))),
            }
        } else {
            from_table(path, "", &doc).map(Some)
        };
    }
    for dir in cwd.ancestors() {
        for name in FILE_NAMES {
            let path = dir.join(name);
            if path.is_file() {
                let doc = read(&path)?;
                return from_table(&path, "", &doc).map(Some);
            }
        }
    }
    for dir in cwd.ancestors() {
        let path = dir.join("Cargo.toml");
        if !path.is_file() {
            continue;
        }
        let doc = read(&path)?;
        if let Some((table, name)) = metadata_table(&doc) {
            return from_table(&path, &name, table).map(Some);
        }
    }
    Ok(None)
}

/// How a configuration file is named in messages: relative to the working
/// directory when it is below it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    crate::discover::display_path(path.strip_prefix(&cwd).unwrap_or(path))
}

fn read(path: &Path) -> Result<toml::Table, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read(shown(path), e.to_string()))?;
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError::Toml(shown(path), e.message().to_string()))
}

/// `[package.metadata.rmw-lint]`, else `[workspace.metadata.rmw-lint]`.
fn metadata_table(doc: &toml::Table) -> Option<(&toml::Table, String)> {
    for section in ["package", "workspace"] {
        let table = doc
            .get(section)
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("rmw-lint"))
            .and_then(|t| t.as_table());
        if let Some(t) = table {
            return Some((t, format!("{section}.metadata.rmw-lint.")));
        }
    }
    None
}

fn from_table(path: &Path, prefix: &str, t: &toml::Table) -> Result<Config, ConfigError> {
    let file = shown(path);
    let key = |k: &str| format!("{prefix}{k}");
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let root = std::fs::canonicalize(&parent).unwrap_or(parent);
    let mut config = Config {
        path: path.to_path_buf(),
        table: prefix.trim_end_matches('.').to_string(),
        exclude: None,
        dialect: None,
        fail_on: None,
        rules: BTreeMap::new(),
        per_file_ignores: Default::default(),
    };
    for (k, v) in t {
        match k.as_str() {
            "exclude" => {
                let arr = v.as_array().ok_or_else(|| ConfigError::Type {
                    file: file.clone(),
                    key: key(k),
                    expected: "an array of glob strings",
                })?;
                let mut b = ignore::gitignore::GitignoreBuilder::new(&root);
                for item in arr {
                    let glob = item.as_str().ok_or_else(|| ConfigError::Type {
                        file: file.clone(),
                        key: key(k),
                        expected: "an array of glob strings",
                    })?;
                    b.add_line(None, glob).map_err(|e| {
                        ConfigError::Glob(file.clone(), glob.to_string(), key(k), e.to_string())
                    })?;
                }
                let gi = b.build().map_err(|e| {
                    ConfigError::Glob(file.clone(), String::new(), key(k), e.to_string())
                })?;
                config.exclude = Some(Exclude(gi));
            }
            "dialect" => {
                let s = string(v, &file, &key(k))?;
                config.dialect = match s {
                    "auto" => None,
                    "postgres" | "postgresql" => Some(Dialect::Postgres),
                    "mysql" => Some(Dialect::MySql),
                    "sqlite" => Some(Dialect::Sqlite),
                    other => {
                        return Err(ConfigError::Value {
                            file,
                            key: key(k),
                            value: other.to_string(),
                            valid: "auto, postgres, mysql, sqlite",
                        })
                    }
                };
            }
            "fail-on" => {
                let s = string(v, &file, &key(k))?;
                config.fail_on = Some(FailOn::parse(s).ok_or_else(|| ConfigError::Value {
                    file: file.clone(),
                    key: key(k),
                    value: s.to_string(),
                    valid: "error, warning, note, never",
                })?);
            }
            "rules" => {
                let table = v.as_table().ok_or_else(|| ConfigError::Type {
                    file: file.clone(),
                    key: key(k),
                    expected: "a table of rule ids",
                })?;
                for (rule, level) in table {
                    let rk = format!("{}.{rule}", key(k));
                    if rules::rule(rule).is_none() {
                        return Err(ConfigError::UnknownRule(
                            file,
                            rule.clone(),
                            key(k),
                            rules::ids().join(", "),
                        ));
                    }
                    let s = string(level, &file, &rk)?;
                    let sev = match s {
                        "error" => Some(Severity::Error),
                        "warning" => Some(Severity::Warning),
                        "note" => Some(Severity::Note),
                        "off" => None,
                        other => {
                            return Err(ConfigError::Value {
                                file,
                                key: rk,
                                value: other.to_string(),
                                valid: "error, warning, note, off",
                            })
                        }
                    };
                    config.rules.insert(rule.clone(), sev);
                }
            }
            "per-file-ignores" => {
                let table = v.as_table().ok_or_else(|| ConfigError::Type {
                    file: file.clone(),
                    key: key(k),
                    expected: "a table of glob = [rule ids]",
                })?;
                config.per_file_ignores =
                    crate::per_file::PerFileIgnores::parse(&root, table, |r| {
                        rules::rule(r).map(|i| i.id)
                    })
                    .map_err(|(pattern, message)| ConfigError::PerFile {
                        file: file.clone(),
                        key: format!("{}.\"{pattern}\"", key(k)),
                        message,
                        valid: rules::ids().join(", "),
                    })?;
            }
            other => return Err(ConfigError::UnknownKey(file, key(other))),
        }
    }
    Ok(config)
}

fn string<'a>(v: &'a toml::Value, file: &str, key: &str) -> Result<&'a str, ConfigError> {
    v.as_str().ok_or_else(|| ConfigError::Type {
        file: file.to_string(),
        key: key.to_string(),
        expected: "a string",
    })
}

/// The `exclude` patterns: gitignore syntax, rooted at the configuration's
/// directory.
#[derive(Debug, Clone)]
pub struct Exclude(ignore::gitignore::Gitignore);

impl Exclude {
    /// Whether a walked file (or a directory on the way to it) matches an
    /// `exclude` pattern.
    pub fn matches(&self, path: &Path, is_dir: bool) -> bool {
        let gi = &self.0;
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        // `./src/x.rs` and `src/x.rs` name the same file.
        let path: PathBuf = joined
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        if !path.starts_with(gi.path()) {
            return false;
        }
        gi.matched_path_or_any_parents(&path, is_dir).is_ignore()
    }
}
