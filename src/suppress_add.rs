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
