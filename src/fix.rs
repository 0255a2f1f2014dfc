//! `--fix` and `--diff` (SPEC §4): apply the edits of machine-applicable
//! suggestions (and, with `--unsafe-fixes`, maybe-incorrect ones).
//!
//! - Edits of one suggestion are applied together or not at all; a
//!   suggestion overlapping one already taken waits for the next pass.
//! - After each pass the new text is parsed and analysed again, until no
//!   fix is left (at most [`MAX_PASSES`]), so a second `--fix` changes
//!   nothing.
//! - A file whose fixed text does not parse is left untouched, with a
//!   message: a fix must never turn working code into broken code.
//! - Files are written atomically: a temporary file in the same directory,
//!   synced, given the original's permissions, then renamed over it.

use crate::diagnostic::{Applicability, Diagnostic, EditOut};
use crate::source::SourceFile;
use crate::{FileError, Outcome, Settings};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Passes of fix-and-reanalyse before giving up on a file.
pub const MAX_PASSES: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
pub struct FixMode {
    /// Also apply maybe-incorrect suggestions.
    pub unsafe_fixes: bool,
    /// Write the files (`--fix`); otherwise only compute the diff (`--diff`).
    pub write: bool,
}

/// What a fix run did.
#[derive(Debug, Default)]
pub struct FixReport {
    /// Suggestions applied.
    pub fixed: usize,
    /// Files changed (or, with `--diff`, that would change).
    pub files: usize,
    /// Unified diffs, one per changed file, in file order.
    pub diff: String,
    /// The fixed text of standard input, which is printed instead of written.
    pub stdin_text: Option<String>,
}

/// Whether a suggestion may be applied in this mode.
fn allowed(a: Applicability, mode: FixMode) -> bool {
    match a {
        Applicability::MachineApplicable => true,
        Applicability::MaybeIncorrect => mode.unsafe_fixes,
        Applicability::Manual => false,
    }
}

/// The edits of each fixable diagnostic: the first allowed suggestion with
/// edits.
fn edit_sets(diags: &[Diagnostic], mode: FixMode) -> Vec<Vec<EditOut>> {
    diags
        .iter()
        .filter_map(|d| {
            d.suggestions
                .iter()
                .find(|s| allowed(s.applicability, mode) && !s.edits.is_empty())
                .map(|s| s.edits.clone())
        })
        .collect()
}

fn overlaps(a: &EditOut, b: &EditOut) -> bool {
    let (a0, a1) = (a.span.start.offset, a.span.end.offset);
    let (b0, b1) = (b.span.start.offset, b.span.end.offset);
    // Two insertions at one point, or any shared byte, conflict.
    (a0 < b1 && b0 < a1) || (a0 == b0 && (a0 == a1 || b0 == b1))
}

/// Applies the sets that do not overlap an earlier one; returns the new
/// text and how many sets were applied.
fn apply(text: &str, mut sets: Vec<Vec<EditOut>>) -> (String, usize) {
    sets.sort_by_key(|s| s.iter().map(|e| e.span.start.offset).min().unwrap_or(0));
    sets.dedup_by(|a, b| {
        a.len() == b.len()
            && a.iter().zip(b.iter()).all(|(x, y)| {
                x.span.start.offset == y.span.start.offset
                    && x.span.end.offset == y.span.end.offset
                    && x.replacement == y.replacement
            })
    });
    let mut taken: Vec<EditOut> = Vec::new();
    let mut n = 0;
    for set in sets {
        let valid = set.iter().all(|e| {
            e.span.start.offset <= e.span.end.offset
                && text.is_char_boundary(e.span.start.offset)
                && text.is_char_boundary(e.span.end.offset)
                && e.span.end.offset <= text.len()
        });
        let clashes = set.iter().enumerate().any(|(i, e)| {
            set[..i].iter().any(|f| overlaps(e, f)) || taken.iter().any(|t| overlaps(e, t))
        });
        if valid && !clashes {
            taken.extend(set);
            n += 1;
        }
    }
    taken.sort_by_key(|e| std::cmp::Reverse(e.span.start.offset));
    let mut out = text.to_string();
    for e in taken {
        out.replace_range(e.span.start.offset..e.span.end.offset, &e.replacement);
    }
    (out, n)
}

/// Fixes every file of `outcome` that has fixable diagnostics, replacing
/// their diagnostics with what is left after fixing. Files that could not
/// be fixed get an error entry.
pub fn run(
    outcome: &mut Outcome,
    settings: &Settings,
    stdin_name: Option<&str>,
    mode: FixMode,
) -> FixReport {
    let mut report = FixReport::default();
    let mut by_file: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for d in std::mem::take(&mut outcome.diagnostics) {
        by_file.entry(d.file.clone()).or_default().push(d);
    }
    let editions = crate::edition::EditionCache::default();
    let mut kept = Vec::new();
    for (file, diags) in by_file {
        if edit_sets(&diags, mode).is_empty() {
            kept.extend(diags);
            continue;
        }
        let Some(src) = outcome.sources.get(&file).cloned() else {
            kept.extend(diags);
            continue;
        };
        let krate = editions.for_file(Path::new(&file));
        let nested = settings.for_file(Path::new(&file)).ok().flatten();
        let settings = nested.as_deref().unwrap_or(settings);
        let original = src.text.clone();
        let Some(Fixed {
            text,
            remaining: current,
            fixed,
        }) = fix_text(&file, &original, diags.clone(), &krate, settings, mode)
        else {
            outcome.errors.push(FileError::new(
                file.clone(),
                "a fix would leave this file unparseable, so it was left unchanged; please report this with the file attached".into(),
            ));
            kept.extend(diags);
            continue;
        };
        if text == original {
            kept.extend(diags);
            continue;
        }
        if Some(file.as_str()) == stdin_name {
            report.stdin_text = Some(text.clone());
        } else if mode.write {
            if let Err(e) = write_atomically(Path::new(&file), &text) {
                outcome.errors.push(FileError::new(
                    file.clone(),
                    format!("cannot write the fixed file: {e}; it was left unchanged"),
                ));
                kept.extend(diags);
                continue;
            }
        } else {
            report.diff.push_str(&unified_diff(&file, &original, &text));
        }
        report.fixed += fixed;
        report.files += 1;
        outcome
            .sources
            .insert(file.clone(), Arc::new(SourceFile::new(file.clone(), text)));
        kept.extend(current);
    }
    crate::sort_diagnostics(&mut kept);
    outcome.diagnostics = kept;
    outcome.fixed = report.fixed;
    report
}

/// One file's text after fixing.
#[derive(Debug)]
pub struct Fixed {
    pub text: String,
    /// The diagnostics of the fixed text.
    pub remaining: Vec<Diagnostic>,
    /// Suggestions applied.
    pub fixed: usize,
}

/// Applies the fixes of `diags` (the diagnostics of `text`) and analyses
/// the result again, until nothing fixable is left. `None` when a pass
/// would not parse: the text must then be left as it is. Used by `--fix`
/// and by the language server's "fix all".
pub fn fix_text(
    file: &str,
    text: &str,
    diags: Vec<Diagnostic>,
    krate: &crate::edition::CrateInfo,
    settings: &Settings,
    mode: FixMode,
) -> Option<Fixed> {
    let mut text = text.to_string();
    let mut current = diags;
    let mut fixed = 0;
    for _ in 0..MAX_PASSES {
        let sets = edit_sets(&current, mode);
        if sets.is_empty() {
            break;
        }
        let (next, n) = apply(&text, sets);
        if n == 0 || next == text {
            break;
        }
        let result = crate::analyze_bytes(file, next.clone().into_bytes(), krate, settings);
        if result.error.is_some() {
            return None;
        }
        fixed += n;
        text = next;
        current = settings.filter_baselined(result.diagnostics);
    }
    Some(Fixed {
        text,
        remaining: current,
        fixed,
    })
}

/// A unified diff of one file, `--- a/F` / `+++ b/F`, as `git diff` shows it.
pub fn unified_diff(file: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&header(file, "a/"), &header(file, "b/"))
        .to_string()
}

/// `a/src/x.rs` for a relative path, as `git diff` writes it; an absolute
/// path as it is.
fn header(file: &str, side: &str) -> String {
    if file.starts_with('/') {
        file.to_string()
    } else {
        format!("{side}{file}")
    }
}

/// Replaces `path`'s content in one step: a reader sees the old file or the
/// new one, never half of either. A symbolic link is followed, so the link
/// stays a link.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target: PathBuf = match std::fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let permissions = std::fs::metadata(&target).ok().map(|m| m.permissions());
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(
            ".{name}.rmw-lint-{}-{attempt}.tmp",
            std::process::id()
        ));
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = f
            .write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .and_then(|()| match &permissions {
                Some(p) => std::fs::set_permissions(&tmp, p.clone()),
                None => Ok(()),
            })
            .and_then(|()| std::fs::rename(&tmp, &target));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return written;
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary file name in the directory",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn edit(src: &SourceFile, r: std::ops::Range<usize>, with: &str) -> EditOut {
        EditOut {
            span: src.span(r),
            replacement: with.into(),
        }
    }

    #[test]
    fn overlapping_edits_are_never_both_applied() {
        let src = SourceFile::new("a.rs".into(), "abcdefgh".into());
        let sets = vec![
            vec![edit(&src, 2..5, "X")],
            vec![edit(&src, 4..6, "Y")],
            vec![edit(&src, 6..6, "+"), edit(&src, 7..8, "Z")],
            vec![edit(&src, 6..6, "-")],
        ];
        let (out, n) = apply(&src.text, sets);
        // The second overlaps the first; the last inserts where the third does.
        assert_eq!(out, "abXf+gZ");
        assert_eq!(n, 2);
    }

    #[test]
    fn identical_suggestions_apply_once_and_bad_ranges_not_at_all() {
        let src = SourceFile::new("a.rs".into(), "é = 1;".into());
        let sets = vec![vec![edit(&src, 5..6, "2")], vec![edit(&src, 5..6, "2")]];
        assert_eq!(apply(&src.text, sets), ("é = 2;".to_string(), 1));
        // A range inside a character is refused, not a panic.
        let bad = vec![vec![EditOut {
            span: crate::source::Span {
                start: crate::source::Position {
                    line: 1,
                    column: 1,
                    offset: 1,
                },
                end: crate::source::Position {
                    line: 1,
                    column: 1,
                    offset: 1,
                },
            },
            replacement: "x".into(),
        }]];
        assert_eq!(apply(&src.text, bad), ("é = 1;".to_string(), 0));
    }
}
