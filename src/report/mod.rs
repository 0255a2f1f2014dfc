//! Output formats. Each renders the same [`Outcome`](crate::Outcome).

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod rustc_json;
pub mod sarif;

use crate::diagnostic::{Diagnostic, SuggestionOut};

/// Counts for the closing summary line.
pub fn count(
    diagnostics: &[crate::diagnostic::Diagnostic],
    severity: crate::diagnostic::Severity,
) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

/// `1 error`, `2 warnings`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Which suggestions [`details`] includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Helps {
    /// The first suggestion, its code only when it is short: a GitHub
    /// annotation is a small box next to a line.
    FirstShort,
    /// Every suggestion with its code: a SARIF result is read in a viewer
    /// with room for the whole rewrite.
    All,
}

/// Code of at most this many lines and bytes fits in an annotation.
const SHORT_CODE_LINES: usize = 8;
const SHORT_CODE_BYTES: usize = 500;

/// The text that follows a diagnostic's message in the formats that carry a
/// single plain message (`github`, `sarif`): `note:` lines, then `help:`
/// with the suggested rewrite, worded as in the human format. Without them
/// the annotation would name the hazard but not the fix built from the
/// user's own code.
pub(crate) fn details(d: &Diagnostic, helps: Helps) -> Vec<String> {
    let mut out: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    let suggestions: &[SuggestionOut] = match helps {
        Helps::FirstShort => d.suggestions.get(..1).unwrap_or(&[]),
        Helps::All => &d.suggestions,
    };
    for s in suggestions {
        let code = s.replacement_text.as_deref().filter(|code| {
            helps == Helps::All
                || (code.lines().count() <= SHORT_CODE_LINES && code.len() <= SHORT_CODE_BYTES)
        });
        out.push(human::help_text(
            &s.message,
            s.applicability,
            !s.edits.is_empty(),
            code,
        ));
    }
    out
}
