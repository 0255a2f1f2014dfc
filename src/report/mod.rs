//! Output formats. Each renders the same [`Outcome`](crate::Outcome).

pub mod human;
pub mod json;

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
