//! `--format github`: GitHub Actions workflow commands (SPEC §5), one
//! annotation per diagnostic, so findings appear on the pull request's
//! changed lines without uploading anything; then one plain summary line,
//! because GitHub shows only the first ten annotations of a step and the log
//! should still say how many there were.

use super::{details, Helps};
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::human;
use crate::{FileError, Outcome};
use std::fmt::Write as _;

/// Renders the whole outcome. `quiet` leaves out the summary line, as it
/// does for `--format human`.
pub fn render(outcome: &Outcome, quiet: bool) -> String {
    let mut out = String::new();
    for d in &outcome.diagnostics {
        out.push_str(&annotation(d));
        out.push('\n');
    }
    for e in &outcome.errors {
        out.push_str(&error_annotation(e));
        out.push('\n');
    }
    if !quiet {
        // A plain line: it does not start with `::`, so the runner prints it
        // as log text instead of reading it as a command.
        let _ = writeln!(out, "rmw-lint: {}", human::summary(outcome));
    }
    out
}

/// The workflow command's name for a severity: GitHub has `error`,
/// `warning` and `notice`.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// `::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=rmw-lint (rule)::message`.
///
/// `endColumn` is our exclusive end column (the column after the last
/// character), as in every other format; GitHub's documentation does not say
/// which it expects, and one convention everywhere is easier to trust. The
/// notes and the first suggestion follow the message on further lines, so
/// the annotation says how to fix the hazard and not only what it is.
fn annotation(d: &Diagnostic) -> String {
    let mut message = d.message.clone();
    for line in details(d, Helps::FirstShort) {
        message.push('\n');
        message.push_str(&line);
    }
    format!(
        "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        command(d.severity),
        escape_property(&d.file),
        d.span.start.line,
        d.span.end.line,
        d.span.start.column,
        d.span.end.column,
        escape_property(&format!("rmw-lint ({})", d.rule)),
        escape_data(&message)
    )
}

/// `::error file=F[,line=L,col=C]::message` for a file that could not be
/// analysed; the position is there when the error has one (a syntax error).
fn error_annotation(e: &FileError) -> String {
    let mut props = format!("file={}", escape_property(&e.file));
    if let Some(span) = e.span {
        let _ = write!(props, ",line={},col={}", span.start.line, span.start.column);
    }
    format!("::error {props}::{}", escape_data(&e.message))
}

/// Escapes a command's message: `%` first (so the escapes themselves are
/// not escaped again), then the line breaks that would end the command.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value: as [`escape_data`], and also `:` (which would
/// end the properties) and `,` (which would start the next property).
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push_str(&escape_data(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, SuggestionOut};
    use crate::source::{Position, Span};

    fn span(line: usize, column: usize, end_column: usize) -> Span {
        Span {
            start: Position {
                line,
                column,
                offset: 0,
            },
            end: Position {
                line,
                column: end_column,
                offset: 0,
            },
        }
    }

    fn outcome_with(message: &str, file: &str) -> Outcome {
        Outcome {
            files: 2,
            diagnostics: vec![Diagnostic {
                rule: "atomic-load-store",
                severity: Severity::Warning,
                message: message.to_string(),
                file: file.to_string(),
                span: span(3, 5, 9),
                labels: Vec::new(),
                notes: vec!["a 100% real note".into()],
                suggestions: vec![
                    SuggestionOut {
                        message: "use fetch_add".into(),
                        applicability: Applicability::MachineApplicable,
                        replacement_text: Some("X.fetch_add(1, o)".into()),
                        edits: Vec::new(),
                    },
                    SuggestionOut {
                        message: "or a second way".into(),
                        applicability: Applicability::Manual,
                        replacement_text: None,
                        edits: Vec::new(),
                    },
                ],
                fingerprint: "0".repeat(32),
            }],
            errors: vec![
                FileError {
                    file: "src/bro,ken:1.rs".into(),
                    message: "could not parse\r\nthis: 50%".into(),
                    span: Some(span(2, 13, 14)),
                },
                FileError::new("missing_dir".into(), "cannot read".into()),
            ],
            ..Outcome::default()
        }
    }

    #[test]
    fn escapes_messages_and_properties() {
        assert_eq!(escape_data("a%b\r\nc: d, e"), "a%25b%0D%0Ac: d, e");
        assert_eq!(escape_property("a%b\r\nc: d, e"), "a%25b%0D%0Ac%3A d%2C e");
        // Already-escaped text is escaped again, not passed through.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("é:🦀"), "é%3A🦀");
    }

    #[test]
    fn one_command_per_diagnostic_and_error_then_the_summary() {
        let outcome = outcome_with("50% of: a, b\nsecond line", "src/dir,x/a:b.rs");
        let text = render(&outcome, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(
            lines[0],
            "::warning file=src/dir%2Cx/a%3Ab.rs,line=3,endLine=3,col=5,endColumn=9,\
             title=rmw-lint (atomic-load-store)::50%25 of: a, b%0Asecond line\
             %0Anote: a 100%25 real note\
             %0Ahelp: use fetch_add (fixable with --fix):%0A    X.fetch_add(1, o)"
        );
        assert!(
            !lines[0].contains("second way"),
            "only the first suggestion"
        );
        assert_eq!(
            lines[1],
            "::error file=src/bro%2Cken%3A1.rs,line=2,col=13::could not parse%0D%0Athis: 50%25"
        );
        assert_eq!(lines[2], "::error file=missing_dir::cannot read");
        assert_eq!(
            lines[3],
            "rmw-lint: 1 warning in 1 file (2 files checked); 2 inputs could not be analysed"
        );
        assert!(!render(&outcome, true).contains("rmw-lint: "));
    }

    #[test]
    fn long_code_stays_out_of_the_annotation() {
        let mut outcome = outcome_with("m", "a.rs");
        let long = "line\n".repeat(20);
        outcome.diagnostics[0].suggestions[0].replacement_text = Some(long);
        let text = render(&outcome, true);
        let first = text.lines().next().unwrap_or("");
        assert!(
            first.ends_with("help: use fetch_add (fixable with --fix)"),
            "{first}"
        );
    }

    #[test]
    fn severities_map_to_github_commands() {
        let mut outcome = outcome_with("m", "a.rs");
        for (sev, cmd) in [
            (Severity::Error, "::error "),
            (Severity::Warning, "::warning "),
            (Severity::Note, "::notice "),
        ] {
            outcome.diagnostics[0].severity = sev;
            assert!(render(&outcome, true).starts_with(cmd));
        }
    }
}
