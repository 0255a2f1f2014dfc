//! The one diagnostic model every output format renders.

use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Safe to apply automatically.
    MachineApplicable,
    /// Probably right, but a human should look.
    MaybeIncorrect,
    /// Text to read and adapt.
    Manual,
}

/// A replacement of a byte range of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    pub message: String,
    pub applicability: Applicability,
    pub replacement_text: Option<String>,
    pub edits: Vec<Edit>,
}

/// What a rule reports, in byte ranges; the pipeline turns it into a
/// [`Diagnostic`] with positions and a fingerprint.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub message: String,
    pub primary: Range<usize>,
    pub labels: Vec<(Range<usize>, String)>,
    pub notes: Vec<String>,
    pub suggestions: Vec<Suggestion>,
    /// The function the finding is in (part of the fingerprint).
    pub function: String,
    /// The state it is about (for one-hazard-one-finding de-duplication).
    pub target_key: String,
    /// Overrides the rule's default severity (the note-level flag locks).
    pub severity: Option<Severity>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Label {
    pub message: String,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct EditOut {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuggestionOut {
    pub message: String,
    pub applicability: Applicability,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement_text: Option<String>,
    pub edits: Vec<EditOut>,
}

/// A finding placed in its file.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub span: Span,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub suggestions: Vec<SuggestionOut>,
    pub fingerprint: String,
}

impl Diagnostic {
    /// Places a finding in its file. `occurrence` tells apart findings that
    /// would otherwise hash the same (same rule, function, message, code).
    pub fn from_finding(
        f: Finding,
        severity: Severity,
        file: &SourceFile,
        occurrence: usize,
    ) -> Diagnostic {
        let fingerprint = fingerprint(&f, file, occurrence);
        Diagnostic {
            rule: f.rule,
            severity,
            message: f.message,
            file: file.path.clone(),
            span: file.span(f.primary.clone()),
            labels: f
                .labels
                .into_iter()
                .map(|(r, message)| Label {
                    message,
                    span: file.span(r),
                })
                .collect(),
            notes: f.notes,
            suggestions: f
                .suggestions
                .into_iter()
                .map(|s| SuggestionOut {
                    message: s.message,
                    applicability: s.applicability,
                    replacement_text: s.replacement_text,
                    edits: s
                        .edits
                        .into_iter()
                        .map(|e| EditOut {
                            span: file.span(e.range),
                            replacement: e.replacement,
                        })
                        .collect(),
                })
                .collect(),
            fingerprint,
        }
    }
}

/// The text a fingerprint hashes for a finding: everything that identifies
/// it except where it is, so that lines added above it do not change it.
pub fn fingerprint_key(f: &Finding, file: &SourceFile) -> String {
    let code: String = file
        .slice(f.primary.clone())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        f.rule, file.path, f.function, f.message, code
    )
}

fn fingerprint(f: &Finding, file: &SourceFile, occurrence: usize) -> String {
    let key = format!("{}\u{0}{}", fingerprint_key(f, file), occurrence);
    // Two FNV-1a 64-bit hashes with different offsets: stable across
    // platforms and compiler versions, unlike `DefaultHasher`.
    let h1 = fnv1a(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let h2 = fnv1a(key.as_bytes(), 0x6c62_272e_07bb_0142);
    format!("{h1:016x}{h2:016x}")
}

fn fnv1a(bytes: &[u8], offset: u64) -> u64 {
    let mut h = offset;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
