//! Baselines (SPEC §4): `--write-baseline FILE` records today's findings;
//! `--baseline FILE` reports only findings that are not in it, so a large
//! code base can adopt the linter today and fix the backlog later.
//!
//! Findings are keyed by their fingerprint, which does not hash line
//! numbers: a finding stays baselined when unrelated lines are added above
//! it. The file is pretty, sorted JSON (rule, file, message, fingerprint per
//! entry, no line numbers) so that it reviews and diffs well.

use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    file: String,
    rule: String,
    message: String,
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Document {
    version: u32,
    tool: String,
    findings: Vec<Entry>,
}

/// The findings a baseline file records.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
    /// The files its findings are in, as they were named when it was
    /// written.
    files: std::collections::BTreeSet<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{0}: cannot read the baseline: {1}")]
    Read(String, String),
    #[error("{0}: not an rmw-lint baseline ({1}); write one with --write-baseline")]
    Format(String, String),
    #[error("{0}: cannot write the baseline: {1}")]
    Write(String, String),
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = crate::discover::display_path(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| BaselineError::Read(shown.clone(), e.to_string()))?;
        let doc: Document = serde_json::from_str(&text)
            .map_err(|e| BaselineError::Format(shown.clone(), e.to_string()))?;
        if doc.version != 1 {
            return Err(BaselineError::Format(
                shown,
                format!("version {} is not supported", doc.version),
            ));
        }
        Ok(Baseline {
            files: doc.findings.iter().map(|e| e.file.clone()).collect(),
            fingerprints: doc.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    pub fn contains(&self, d: &Diagnostic) -> bool {
        self.fingerprints.contains(&d.fingerprint)
    }

    /// Why a baseline that left out no finding at all is probably not
    /// matching the code: it records findings, but none of the files it
    /// names exists from here. Fingerprints hash file paths as they were
    /// discovered, so a run from another directory matches nothing and
    /// every old finding comes back. `None` when nothing looks wrong (the
    /// recorded findings may simply have been fixed).
    pub fn mismatch(&self) -> Option<String> {
        if self.fingerprints.is_empty() || self.files.iter().any(|f| Path::new(f).exists()) {
            return None;
        }
        let example = self.files.iter().next().cloned().unwrap_or_default();
        Some(format!(
            "it records {} but none of its files exists from this directory (e.g. `{example}`); run rmw-lint from the directory it was written in, with the same paths",
            crate::report::plural(self.fingerprints.len(), "finding")
        ))
    }
}

/// Writes the baseline for `diagnostics` (atomically); returns how many
/// findings it records.
pub fn write(path: &Path, diagnostics: &[Diagnostic]) -> Result<usize, BaselineError> {
    let mut findings: Vec<Entry> = diagnostics
        .iter()
        .map(|d| Entry {
            file: d.file.clone(),
            rule: d.rule.to_string(),
            message: d.message.clone(),
            fingerprint: d.fingerprint.clone(),
        })
        .collect();
    findings.sort();
    findings.dedup();
    let n = findings.len();
    let doc = Document {
        version: 1,
        tool: "rmw-lint".into(),
        findings,
    };
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    crate::fix::write_atomically(path, &text)
        .map_err(|e| BaselineError::Write(crate::discover::display_path(path), e.to_string()))?;
    Ok(n)
}
