//! `--format human`: rustc-style diagnostics rendered by codespan-reporting,
//! then a one-line summary.

use super::{count, plural};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::source::SourceFile;
use crate::{FileError, Outcome};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{NoColor, WriteColor};
use codespan_reporting::term::{self, Config};
use std::collections::HashMap;

/// What to print besides the diagnostics.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// No summary line.
    pub quiet: bool,
    /// A count per rule instead of each diagnostic.
    pub statistics: bool,
}

/// The files codespan renders from, each added once.
#[derive(Default)]
struct Files {
    files: SimpleFiles<String, String>,
    ids: HashMap<String, usize>,
}

impl Files {
    fn id(&mut self, src: &SourceFile) -> usize {
        if let Some(&id) = self.ids.get(&src.path) {
            return id;
        }
        let id = self.files.add(src.path.clone(), src.text.clone());
        self.ids.insert(src.path.clone(), id);
        id
    }
}

fn cs_severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    }
}

/// The `= help:` text of a suggestion: its message, then the code to paste.
/// Shared with the formats that carry the help as plain text (`github`,
/// `sarif`), so a suggestion reads the same everywhere.
pub(crate) fn help_text(
    message: &str,
    applicability: Applicability,
    has_edits: bool,
    code: Option<&str>,
) -> String {
    let mut s = format!("help: {message}");
    match applicability {
        Applicability::MachineApplicable => s.push_str(" (fixable with --fix)"),
        Applicability::MaybeIncorrect if has_edits => {
            s.push_str(" (fixable with --fix --unsafe-fixes)")
        }
        _ => {}
    }
    if let Some(code) = code {
        s.push_str(":\n");
        for line in code.lines() {
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
        }
        s.pop();
    }
    s
}

pub fn render(
    outcome: &Outcome,
    out: &mut dyn WriteColor,
    opts: HumanOptions,
) -> std::io::Result<()> {
    let mut files = Files::default();
    let config = Config::default();
    let write_err = |e: codespan_reporting::files::Error| std::io::Error::other(e.to_string());

    if opts.statistics {
        statistics(outcome, out)?;
    } else {
        for d in &outcome.diagnostics {
            let Some(src) = outcome.sources.get(&d.file) else {
                continue;
            };
            let id = files.id(src);
            let cs = to_codespan(d, id);
            term::emit_to_write_style(out, &config, &files.files, &cs).map_err(write_err)?;
        }
    }
    for e in &outcome.errors {
        let cs = error_diagnostic(e, outcome, &mut files);
        term::emit_to_write_style(out, &config, &files.files, &cs).map_err(write_err)?;
    }
    if !opts.quiet {
        writeln!(out, "{}", summary(outcome))?;
    }
    Ok(())
}

/// Renders diagnostics one at a time into strings, exactly as `--format
/// human` prints them, without colour and without the summary line.
/// `--format rustc-json` carries them as `rendered`, the text cargo and
/// rust-analyzer show for the full message. Each file's text is handed to
/// codespan once, however many diagnostics it has: a copy per diagnostic
/// would be quadratic on a large file with many findings.
#[derive(Default)]
pub struct PlainRenderer {
    files: Files,
}

impl PlainRenderer {
    /// One diagnostic of `src`.
    pub fn diagnostic(&mut self, d: &Diagnostic, src: &SourceFile) -> String {
        let id = self.files.id(src);
        self.plain(&to_codespan(d, id))
    }

    /// A file that could not be analysed.
    pub fn error(&mut self, e: &FileError, outcome: &Outcome) -> String {
        let cs = error_diagnostic(e, outcome, &mut self.files);
        self.plain(&cs)
    }

    /// Renders into memory through the same writer path as [`render`], so
    /// the text is byte for byte what a terminal without colour shows.
    fn plain(&self, cs: &CsDiagnostic<usize>) -> String {
        let mut buf = NoColor::new(Vec::new());
        // Writing to memory cannot fail; a span outside its file (a bug)
        // would end the rendering early, and what was written is still the
        // best text there is.
        let _ = term::emit_to_write_style(&mut buf, &Config::default(), &self.files.files, cs);
        String::from_utf8_lossy(&buf.into_inner()).into_owned()
    }
}

fn to_codespan(d: &Diagnostic, id: usize) -> CsDiagnostic<usize> {
    let mut labels = vec![Label::primary(id, d.span.start.offset..d.span.end.offset)];
    labels.extend(d.labels.iter().map(|l| {
        Label::secondary(id, l.span.start.offset..l.span.end.offset).with_message(l.message.clone())
    }));
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    notes.extend(d.suggestions.iter().map(|s| {
        help_text(
            &s.message,
            s.applicability,
            !s.edits.is_empty(),
            s.replacement_text.as_deref(),
        )
    }));
    CsDiagnostic::new(cs_severity(d.severity))
        .with_code(d.rule)
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

fn error_diagnostic(e: &FileError, outcome: &Outcome, files: &mut Files) -> CsDiagnostic<usize> {
    let located = e
        .span
        .and_then(|span| outcome.sources.get(&e.file).map(|src| (span, src)));
    match located {
        Some((span, src)) => {
            let id = files.id(src);
            CsDiagnostic::error()
                .with_message(e.message.clone())
                .with_labels(vec![Label::primary(id, span.start.offset..span.end.offset)])
        }
        None => CsDiagnostic::error().with_message(format!("{}: {}", e.file, e.message)),
    }
}

/// `3 errors, 1 warning in 2 files (41 files checked)`.
pub fn summary(outcome: &Outcome) -> String {
    let d = &outcome.diagnostics;
    let checked = format!("({} checked)", plural(outcome.files, "file"));
    let mut parts = Vec::new();
    for (sev, word) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ] {
        let n = count(d, sev);
        if n > 0 {
            parts.push(plural(n, word));
        }
    }
    let mut line = if parts.is_empty() {
        format!("no hazards found {checked}")
    } else {
        let mut files: Vec<&str> = d.iter().map(|x| x.file.as_str()).collect();
        files.dedup();
        format!(
            "{} in {} {checked}",
            parts.join(", "),
            plural(files.len(), "file")
        )
    };
    if outcome.fixed > 0 {
        line.push_str(&format!(
            "; {} fixed, {} remaining",
            plural(outcome.fixed, "finding"),
            d.len()
        ));
    }
    if outcome.baselined > 0 {
        line.push_str(&format!(
            "; {} left out by the baseline",
            plural(outcome.baselined, "finding")
        ));
    }
    if !outcome.errors.is_empty() {
        line.push_str(&format!(
            "; {} could not be analysed",
            plural(outcome.errors.len(), "input")
        ));
    }
    line
}

fn statistics(outcome: &Outcome, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let mut counts: Vec<(&str, Severity, usize)> = Vec::new();
    for d in &outcome.diagnostics {
        match counts
            .iter_mut()
            .find(|(r, s, _)| *r == d.rule && *s == d.severity)
        {
            Some(c) => c.2 += 1,
            None => counts.push((d.rule, d.severity, 1)),
        }
    }
    counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    for (rule, severity, n) in counts {
        writeln!(out, "{n:>6}  {rule:<32} {}", severity.as_str())?;
    }
    Ok(())
}
