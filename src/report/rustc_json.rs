//! `--format rustc-json`: one JSON object per line per diagnostic, in the
//! shape rustc prints with `--error-format=json` (SPEC §5).
//!
//! rust-analyzer reads such bare lines from `rust-analyzer.check.overrideCommand`
//! into its `cargo_metadata::diagnostic::Diagnostic`, so an editor shows our
//! findings inline next to `cargo check`'s: the primary span becomes the
//! squiggle, labels become related information, spanless children become
//! extra message lines, and help children whose spans carry a
//! `suggested_replacement` become quick fixes. The field names, the
//! 1-based character columns with an exclusive end, and the `text` lines
//! all follow rustc, because that is what those readers assume.

use crate::diagnostic::{Applicability, Diagnostic, SuggestionOut};
use crate::report::human::PlainRenderer;
use crate::source::{SourceFile, Span};
use crate::{FileError, Outcome};
use serde::Serialize;

#[derive(Serialize)]
struct RustcDiagnostic {
    /// rustc tags top-level messages only; children have no tag.
    #[serde(rename = "$message_type", skip_serializing_if = "Option::is_none")]
    message_type: Option<&'static str>,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<RustcSpan>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct RustcSpan {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    /// We never expand macros, so no span comes from an expansion.
    expansion: Option<()>,
}

/// One source line a span touches, with the highlighted part as 1-based
/// character columns (end exclusive).
#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

/// Renders every diagnostic, then every file error, one JSON object a line.
/// There is no summary line: each line must be a diagnostic for the readers.
pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    let mut human = PlainRenderer::default();
    for d in &outcome.diagnostics {
        let src = outcome.sources.get(&d.file).map(|s| &**s);
        push_line(&mut out, &diagnostic(d, src, &mut human));
    }
    for e in &outcome.errors {
        push_line(&mut out, &file_error(e, outcome, &mut human));
    }
    out
}

fn push_line(out: &mut String, d: &RustcDiagnostic) {
    // Serialising plain data to a string cannot fail.
    out.push_str(&serde_json::to_string(d).unwrap_or_default());
    out.push('\n');
}

fn diagnostic(
    d: &Diagnostic,
    src: Option<&SourceFile>,
    human: &mut PlainRenderer,
) -> RustcDiagnostic {
    let mut spans = vec![span(&d.file, src, d.span, true, None)];
    spans.extend(
        d.labels
            .iter()
            .map(|l| span(&d.file, src, l.span, false, Some(l.message.clone()))),
    );
    let mut children: Vec<RustcDiagnostic> = d
        .notes
        .iter()
        .map(|n| child("note", n.clone(), Vec::new()))
        .collect();
    children.extend(d.suggestions.iter().map(|s| help(s, &d.file, src)));
    RustcDiagnostic {
        message_type: Some("diagnostic"),
        message: d.message.clone(),
        code: Some(Code {
            code: format!("rmw-lint::{}", d.rule),
            // As rustc carries the `--explain` text of an error code.
            explanation: crate::rules::rule(d.rule).map(|r| r.doc.to_string()),
        }),
        level: d.severity.as_str(),
        spans,
        children,
        rendered: Some(match src {
            Some(src) => human.diagnostic(d, src),
            None => format!("{}[{}]: {}\n", d.severity.as_str(), d.rule, d.message),
        }),
    }
}

/// A suggestion as a `help` child. With edits, each edit is a span that
/// carries its replacement (rust-analyzer offers machine-applicable and
/// maybe-incorrect ones as quick fixes); without, the code to paste goes
/// into the message, which editors show as an extra line.
fn help(s: &SuggestionOut, file: &str, src: Option<&SourceFile>) -> RustcDiagnostic {
    if s.edits.is_empty() {
        let message = match &s.replacement_text {
            Some(code) => format!("{}:\n{code}", s.message),
            None => s.message.clone(),
        };
        return child("help", message, Vec::new());
    }
    let spans = s
        .edits
        .iter()
        .map(|e| {
            let mut sp = span(file, src, e.span, true, None);
            sp.suggested_replacement = Some(e.replacement.clone());
            sp.suggestion_applicability = Some(applicability(s.applicability));
            sp
        })
        .collect();
    child("help", s.message.clone(), spans)
}

/// rustc's names. A manual suggestion is text to adapt, which rustc calls
/// `HasPlaceholders`: shown, never applied.
fn applicability(a: Applicability) -> &'static str {
    match a {
        Applicability::MachineApplicable => "MachineApplicable",
        Applicability::MaybeIncorrect => "MaybeIncorrect",
        Applicability::Manual => "HasPlaceholders",
    }
}

fn child(level: &'static str, message: String, spans: Vec<RustcSpan>) -> RustcDiagnostic {
    RustcDiagnostic {
        message_type: None,
        message,
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

fn span(
    file: &str,
    src: Option<&SourceFile>,
    s: Span,
    is_primary: bool,
    label: Option<String>,
) -> RustcSpan {
    RustcSpan {
        file_name: file.to_string(),
        byte_start: s.start.offset,
        byte_end: s.end.offset,
        line_start: s.start.line,
        line_end: s.end.line,
        column_start: s.start.column,
        column_end: s.end.column,
        is_primary,
        text: src.map(|src| span_lines(src, s)).unwrap_or_default(),
        label,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}

/// The lines a span touches, as rustc lists them: the first highlighted
/// from the span's start column, the last up to its end column, lines in
/// between (and the rest of the first) to the end of the line.
/// rust-analyzer converts columns to the editor's encoding from this text.
fn span_lines(src: &SourceFile, s: Span) -> Vec<SpanLine> {
    (s.start.line..=s.end.line)
        .filter_map(|line| {
            let text = src.line_text(line)?;
            let highlight_start = if line == s.start.line {
                s.start.column
            } else {
                1
            };
            let highlight_end = if line == s.end.line {
                s.end.column
            } else {
                text.chars().count() + 1
            };
            Some(SpanLine {
                text: text.to_string(),
                highlight_start,
                highlight_end,
            })
        })
        .collect()
}

/// A file that could not be analysed: an error without a code, at its
/// position when it has one (a syntax error), else naming the file in the
/// message since nothing else would.
fn file_error(e: &FileError, outcome: &Outcome, human: &mut PlainRenderer) -> RustcDiagnostic {
    let src = outcome.sources.get(&e.file).map(|s| &**s);
    let (message, spans) = match e.span {
        Some(s) => (e.message.clone(), vec![span(&e.file, src, s, true, None)]),
        None => (format!("{}: {}", e.file, e.message), Vec::new()),
    };
    RustcDiagnostic {
        message_type: Some("diagnostic"),
        message,
        code: None,
        level: "error",
        spans,
        children: Vec::new(),
        rendered: Some(human.error(e, outcome)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Position;

    #[test]
    fn span_lines_follow_rustc() {
        let src = SourceFile::new("a.rs".into(), "ab\r\nçdé\nxyz\n".into());
        // From `b` (line 1, column 2) to before `z` (line 3, column 3).
        let s = Span {
            start: Position {
                line: 1,
                column: 2,
                offset: 1,
            },
            end: Position {
                line: 3,
                column: 3,
                offset: 12,
            },
        };
        let lines = span_lines(&src, s);
        let got: Vec<(&str, usize, usize)> = lines
            .iter()
            .map(|l| (l.text.as_str(), l.highlight_start, l.highlight_end))
            .collect();
        assert_eq!(got, [("ab", 2, 3), ("çdé", 1, 4), ("xyz", 1, 3)]);
    }

    #[test]
    fn errors_without_a_position_name_the_file() {
        let outcome = Outcome {
            errors: vec![FileError::new("gone.rs".into(), "cannot read".into())],
            ..Outcome::default()
        };
        let text = render(&outcome);
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap_or_default();
        assert_eq!(v["$message_type"], "diagnostic");
        assert_eq!(v["level"], "error");
        assert_eq!(v["message"], "gone.rs: cannot read");
        assert!(v["code"].is_null());
        assert_eq!(v["spans"], serde_json::json!([]));
        assert!(v["rendered"]
            .as_str()
            .is_some_and(|r| r.contains("gone.rs: cannot read")));
    }
}
