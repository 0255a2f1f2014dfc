//! Writing suppressions: the `// rmw-lint: allow(rule) -- reason` comments
//! that `--add-suppressions` adds for every current finding (as ruff's
//! `--add-noqa`) and that the language server offers as a code action.
//!
//! A comment goes alone on the line above the line where the finding's
//! primary span starts (SPEC §4), indented like it, so the code line itself
//! is not touched. Where such a comment already exists, the rule joins its
//! list instead of stacking a second comment.

use crate::diagnostic::{Diagnostic, Edit};
use crate::source::SourceFile;
use crate::suppress::{self, UNUSED};
use std::collections::{BTreeMap, BTreeSet};

/// The reason written into new comments: a placeholder the user replaces
/// with why the code is safe, so a suppression never goes unexplained.
pub const REASON: &str = "TODO: say why this is safe";

/// The edits that suppress `diags` (all of `src`'s file): one per line.
/// `unused-suppression` notes are left out: their fix is to remove the
/// comment, not to add another.
pub fn edits<'a>(src: &SourceFile, diags: impl IntoIterator<Item = &'a Diagnostic>) -> Vec<Edit> {
    let mut by_line: BTreeMap<usize, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for d in diags {
        if d.rule == UNUSED {
            continue;
        }
        let at = d.span.start.offset.min(src.text.len());
        let line_start = src.text[..at].rfind('\n').map_or(0, |i| i + 1);
        by_line
            .entry(d.span.start.line)
            .or_insert((line_start, BTreeSet::new()))
            .1
            .insert(d.rule);
    }
    if by_line.is_empty() {
        return Vec::new();
    }
    let existing = suppress::directives(src);
    let mut out = Vec::new();
    for (line, (line_start, rules)) in by_line {
        let above = existing
            .iter()
            .find(|d| !d.file_wide && d.alone && !d.malformed && d.line == line);
        if let Some(d) = above {
            let have: Vec<&str> = d.rules.iter().map(|(r, _)| r.as_str()).collect();
            let add: Vec<&str> = rules.into_iter().filter(|r| !have.contains(r)).collect();
            if !add.is_empty() {
                out.push(Edit {
                    range: d.list.end..d.list.end,
                    replacement: format!(", {}", add.join(", ")),
                });
            }
            continue;
        }
        let rest = &src.text[line_start..];
        let indent: String = rest
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        out.push(Edit {
            range: line_start..line_start,
            replacement: format!(
                "{indent}// rmw-lint: allow({}) -- {REASON}\n",
                rules.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    out
}

/// `text` with non-overlapping `edits` applied.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    let mut out = text.to_string();
    for e in sorted {
        out.replace_range(e.range.clone(), &e.replacement);
    }
    out
}

/// What `--add-suppressions` did.
#[derive(Debug, Default)]
pub struct AddReport {
    /// Comments written or extended.
    pub added: usize,
    pub files: usize,
    /// Files that could not be changed, and why.
    pub errors: Vec<crate::FileError>,
    /// The new text of standard input, printed instead of written.
    pub stdin_text: Option<String>,
}

/// Writes a suppression for every finding of `outcome`, file by file. A
/// file whose new text would not parse (a finding starting on a line inside
/// a multi-line string) is left unchanged, with an error naming it.
pub fn run(
    outcome: &crate::Outcome,
    settings: &crate::Settings,
    stdin_name: Option<&str>,
) -> AddReport {
    let mut report = AddReport::default();
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &outcome.diagnostics {
        by_file.entry(d.file.as_str()).or_default().push(d);
    }
    let editions = crate::edition::EditionCache::default();
    for (file, diags) in by_file {
        let Some(src) = outcome.sources.get(file) else {
            continue;
        };
        let edits = edits(src, diags.iter().copied());
        if edits.is_empty() {
            continue;
        }
        let text = apply(&src.text, &edits);
        let krate = editions.for_file(std::path::Path::new(file));
        let nested = settings.for_file(std::path::Path::new(file)).ok().flatten();
        let settings = nested.as_deref().unwrap_or(settings);
        let check = crate::analyze_bytes(file, text.clone().into_bytes(), &krate, settings);
        if check.error.is_some() {
            report.errors.push(crate::FileError::new(
                file.to_string(),
                "adding suppression comments would leave this file unparseable, so it was left unchanged".into(),
            ));
            continue;
        }
        if Some(file) == stdin_name {
            report.stdin_text = Some(text);
        } else if let Err(e) = crate::fix::write_atomically(std::path::Path::new(file), &text) {
            report.errors.push(crate::FileError::new(
                file.to_string(),
                format!("cannot write the file: {e}; it was left unchanged"),
            ));
            continue;
        }
        report.added += edits.len();
        report.files += 1;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::SourceFile;

    fn diag(src: &SourceFile, rule: &'static str, at: &str) -> Diagnostic {
        let start = src.text.find(at).expect("anchor");
        Diagnostic {
            rule,
            severity: Severity::Warning,
            message: String::new(),
            file: src.path.clone(),
            span: src.span(start..start + at.len()),
            labels: Vec::new(),
            notes: Vec::new(),
            suggestions: Vec::new(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn one_comment_per_line_indented_and_existing_ones_extended() {
        let src = SourceFile::new(
            "a.rs".into(),
            "fn f() {\n    a(); b();\n\t// rmw-lint: allow(x) -- known\n\tc();\n}\n".into(),
        );
        let ds = [
            diag(&src, "rule-b", "b()"),
            diag(&src, "rule-a", "a()"),
            diag(&src, "rule-a", "a();"),
            diag(&src, "rule-c", "c()"),
            diag(&src, "x", "c()"),
            diag(&src, UNUSED, "fn f"),
        ];
        let out = apply(&src.text, &edits(&src, ds.iter()));
        assert_eq!(
            out,
            "fn f() {\n    // rmw-lint: allow(rule-a, rule-b) -- TODO: say why this is safe\n    a(); b();\n\t// rmw-lint: allow(x, rule-c) -- known\n\tc();\n}\n"
        );
    }
}
