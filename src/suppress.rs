//! Suppression comments (SPEC §4):
//!
//! - `// rmw-lint: allow(rule-a, rule-b) -- reason` on the line where a
//!   diagnostic's primary span starts, or alone on the line above it;
//! - `// rmw-lint: allow-file(rule)` anywhere in the file.
//!
//! A directive that suppresses nothing is reported as `unused-suppression`
//! (a note, with a fix that removes it), as ruff does for `noqa`: stale
//! suppressions otherwise hide the next real finding on that line.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Finding, Suggestion};
use crate::source::SourceFile;
use std::collections::HashSet;
use std::ops::Range;

/// The rule that reports directives suppressing nothing.
pub const UNUSED: &str = "unused-suppression";

/// One `rmw-lint:` comment.
#[derive(Debug, Clone)]
pub struct Directive {
    /// The whole comment.
    pub comment: Range<usize>,
    /// `allow-file(..)`.
    pub file_wide: bool,
    /// The 1-based line an `allow(..)` covers.
    pub line: usize,
    /// Rule ids with their place in the comment.
    pub rules: Vec<(String, Range<usize>)>,
    /// The text between the parentheses.
    pub list: Range<usize>,
    /// Nothing but whitespace before the comment on its line.
    pub alone: bool,
    /// Not of the form `allow(…)` / `allow-file(…)`.
    pub malformed: bool,
}

/// The byte ranges of the `//` comments of a Rust file. Strings, raw
/// strings, character literals and block comments are skipped, so a
/// `"// rmw-lint: …"` inside a literal is not a directive.
pub fn line_comments(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(b.len(), |e| i + e);
                out.push(i..end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 1;
                i += 2;
                while i < b.len() && depth > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' if (i == 0 || !ident(b[i - 1]) || matches!(b[i - 1], b'b' | b'c'))
                && matches!(b.get(i + 1), Some(b'#') | Some(b'"')) =>
            {
                // r"…", r#"…"#, br"…", cr#"…"#
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                i = text[j + 1..]
                    .find(&close)
                    .map_or(b.len(), |e| j + 1 + e + close.len());
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'\'' => {
                // A character literal ('x', '\n', '\u{1F600}') or a lifetime.
                if b.get(i + 1) == Some(&b'\\') {
                    let mut j = i + 2;
                    while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                        j += 1;
                    }
                    i = j + 1;
                } else {
                    let next = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                    if b.get(i + 1 + next) == Some(&b'\'') {
                        i += next + 2;
                    } else {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Every `rmw-lint:` directive of a file.
pub fn directives(src: &SourceFile) -> Vec<Directive> {
    let text = &src.text;
    if !text.contains("rmw-lint:") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in line_comments(text) {
        let body = &text[c.clone()];
        // `///` and `//!` are documentation, which `--fix` must never
        // delete as an unused suppression (`////` is a plain comment).
        let doc = body.starts_with("//!") || (body.starts_with("///") && !body.starts_with("////"));
        if doc {
            continue;
        }
        let after = body.trim_start_matches('/');
        let lead = body.len() - after.len();
        let trimmed = after.trim_start();
        let Some(rest) = trimmed.strip_prefix("rmw-lint:") else {
            continue;
        };
        let rest_at = c.start + lead + (after.len() - trimmed.len()) + "rmw-lint:".len();
        let pos = src.position(c.start);
        let line_start = text[..c.start].rfind('\n').map_or(0, |i| i + 1);
        let alone = text[line_start..c.start].trim().is_empty();
        let mut d = Directive {
            comment: c.clone(),
            file_wide: false,
            line: if alone { pos.line + 1 } else { pos.line },
            rules: Vec::new(),
            list: c.end..c.end,
            alone,
            malformed: true,
        };
        let rest_trim = rest.trim_start();
        let at = rest_at + (rest.len() - rest_trim.len());
        let (file_wide, open) = if let Some(r) = rest_trim.strip_prefix("allow-file(") {
            (true, rest_trim.len() - r.len())
        } else if let Some(r) = rest_trim.strip_prefix("allow(") {
            (false, rest_trim.len() - r.len())
        } else {
            out.push(d);
            continue;
        };
        let list_start = at + open;
        let Some(close) = text[list_start..c.end].find(')') else {
            out.push(d);
            continue;
        };
        d.file_wide = file_wide;
        d.list = list_start..list_start + close;
        let mut off = list_start;
        for part in text[d.list.clone()].split(',') {
            let name = part.trim();
            let start = off + (part.len() - part.trim_start().len());
            if !name.is_empty() {
                d.rules.push((name.to_string(), start..start + name.len()));
            }
            off += part.len() + 1;
        }
        d.malformed = d.rules.is_empty();
        out.push(d);
    }
    out
}

/// What the suppressions of a file leave, and the notes about directives
/// that suppress nothing.
pub struct Applied {
    pub kept: Vec<Diagnostic>,
    pub unused: Vec<Finding>,
}

/// Removes suppressed diagnostics. `enabled` are the rules that ran (a
/// directive for a rule that did not run cannot be judged), and `skipped`
/// the byte ranges of test code that was not analysed.
pub fn apply(
    src: &SourceFile,
    diagnostics: Vec<Diagnostic>,
    enabled: &HashSet<&'static str>,
    skipped: &[Range<usize>],
) -> Applied {
    let dirs = directives(src);
    if dirs.is_empty() {
        return Applied {
            kept: diagnostics,
            unused: Vec::new(),
        };
    }
    let mut used: Vec<Vec<bool>> = dirs.iter().map(|d| vec![false; d.rules.len()]).collect();
    let mut kept = Vec::with_capacity(diagnostics.len());
    for diag in diagnostics {
        let mut suppressed = false;
        for (di, d) in dirs.iter().enumerate() {
            if !(d.file_wide || d.line == diag.span.start.line) {
                continue;
            }
            for (ri, (rule, _)) in d.rules.iter().enumerate() {
                if rule == diag.rule {
                    used[di][ri] = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(diag);
        }
    }
    let mut unused = Vec::new();
    if enabled.contains(UNUSED) {
        let judged: Vec<bool> = dirs
            .iter()
            .map(|d| {
                !skipped
                    .iter()
                    .any(|r| r.start <= d.comment.start && d.comment.end <= r.end)
            })
            .collect();
        // Notes about every rule but `unused-suppression` itself, which is
        // judged once these notes have met the directives that name it.
        for (di, d) in dirs.iter().enumerate() {
            if judged[di] {
                let pending: Vec<bool> = d
                    .rules
                    .iter()
                    .zip(&used[di])
                    .map(|((n, _), &u)| u || n == UNUSED)
                    .collect();
                unused.extend(unused_note(src, d, &pending, enabled));
            }
        }
        unused.retain(|note| {
            let line = src.position(note.primary.start).line;
            let mut silenced = false;
            for (di, d) in dirs.iter().enumerate() {
                if d.file_wide || d.line == line {
                    for (ri, (rule, _)) in d.rules.iter().enumerate() {
                        if rule == UNUSED {
                            used[di][ri] = true;
                            silenced = true;
                        }
                    }
                }
            }
            !silenced
        });
        for (di, d) in dirs.iter().enumerate() {
            let meta_unused = d
                .rules
                .iter()
                .zip(&used[di])
                .any(|((n, _), &u)| n == UNUSED && !u);
            if judged[di] && meta_unused {
                let only_meta: Vec<bool> = d
                    .rules
                    .iter()
                    .zip(&used[di])
                    .map(|((n, _), &u)| u || n != UNUSED)
                    .collect();
                unused.extend(unused_note(src, d, &only_meta, enabled));
            }
        }
    }
    Applied { kept, unused }
}

fn unused_note(
    src: &SourceFile,
    d: &Directive,
    used: &[bool],
    enabled: &HashSet<&'static str>,
) -> Option<Finding> {
    let kind = if d.file_wide { "allow-file" } else { "allow" };
    if d.malformed {
        return Some(note(
            d.comment.clone(),
            "this `rmw-lint:` comment is not a directive: write `rmw-lint: allow(rule, …)` or `rmw-lint: allow-file(rule)`".into(),
            vec![format!("valid rules: {}", crate::rules::ids().join(", "))],
            removal(src, d),
        ));
    }
    let mut dead = Vec::new();
    let mut notes = Vec::new();
    for ((rule, range), &u) in d.rules.iter().zip(used) {
        if u {
            continue;
        }
        match crate::rules::rule(rule) {
            None => {
                notes.push(format!(
                    "`{rule}` is not a rule; valid rules: {}",
                    crate::rules::ids().join(", ")
                ));
                dead.push((rule.as_str(), range.clone()));
            }
            Some(r) if !enabled.contains(r.id) => {}
            Some(_) => dead.push((rule.as_str(), range.clone())),
        }
    }
    if dead.is_empty() {
        return None;
    }
    let names: Vec<String> = dead.iter().map(|(n, _)| format!("`{n}`")).collect();
    let scope = if d.file_wide {
        "in this file".to_string()
    } else {
        format!("starting on line {}", d.line)
    };
    let all_dead = dead.len() == d.rules.len();
    let (primary, edit, message) = if all_dead {
        (
            d.comment.clone(),
            removal(src, d),
            format!(
                "`rmw-lint: {kind}({})` suppresses nothing: no finding of {} {scope}",
                d.rules
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                names.join(", ")
            ),
        )
    } else {
        let keep: Vec<&str> = d
            .rules
            .iter()
            .zip(used)
            .filter(|((n, _), &u)| u || !dead.iter().any(|(x, _)| x == n))
            .map(|((n, _), _)| n.as_str())
            .collect();
        (
            dead[0].1.clone(),
            Edit {
                range: d.list.clone(),
                replacement: keep.join(", "),
            },
            format!(
                "{} in this suppression matches no finding {scope}",
                names.join(", ")
            ),
        )
    };
    Some(note(primary, message, notes, edit))
}

fn note(primary: Range<usize>, message: String, notes: Vec<String>, edit: Edit) -> Finding {
    Finding {
        rule: UNUSED,
        message,
        primary,
        labels: Vec::new(),
        notes,
        suggestions: vec![Suggestion {
            message: if edit.replacement.is_empty() {
                "remove the comment".into()
            } else {
                "remove the rules that match nothing".into()
            },
            applicability: Applicability::MachineApplicable,
            replacement_text: None,
            edits: vec![edit],
        }],
        function: String::new(),
        target_key: String::new(),
        severity: None,
    }
}

/// An edit deleting a directive: its whole line when it stands alone, else
/// the comment and the spaces before it.
fn removal(src: &SourceFile, d: &Directive) -> Edit {
    let text = &src.text;
    if d.alone {
        let start = text[..d.comment.start].rfind('\n').map_or(0, |i| i + 1);
        let end = if text[d.comment.end..].starts_with("\r\n") {
            d.comment.end + 2
        } else if text[d.comment.end..].starts_with('\n') {
            d.comment.end + 1
        } else {
            d.comment.end
        };
        return Edit {
            range: start..end,
            replacement: String::new(),
        };
    }
    let before = text[..d.comment.start].trim_end_matches([' ', '\t']);
    Edit {
        range: before.len()..d.comment.end,
        replacement: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comments_are_not_directives() {
        let src = SourceFile::new(
            "a.rs".into(),
            "/// rmw-lint: allow(atomic-load-store)\n//! rmw-lint: allow-file(static-mut-rmw)\nfn f() {}\n//// rmw-lint: allow(lock-check-then-act)\n".into(),
        );
        let found = directives(&src);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rules[0].0, "lock-check-then-act");
    }

    #[test]
    fn comments_inside_strings_are_not_directives() {
        let text = "let a = \"// rmw-lint: allow(x)\"; let b = r#\"// no\"#; let c = '\"'; // real\nfn f<'a>() {} // two\n/* // not */";
        let got: Vec<&str> = line_comments(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, vec!["// real", "// two"]);
    }

    #[test]
    fn directive_lists_and_lines() {
        let src = SourceFile::new(
            "a.rs".into(),
            "fn f() {\n    // rmw-lint: allow(atomic-load-store, lock-check-then-act) -- reviewed\n    x(); // rmw-lint: allow( static-mut-rmw )\n}\n// rmw-lint: allow-file(fs-check-then-use)\n// rmw-lint: allow atomic-load-store\n".into(),
        );
        let d = directives(&src);
        assert_eq!(d.len(), 4);
        assert_eq!(d[0].line, 3);
        assert!(d[0].alone);
        let names: Vec<&str> = d[0].rules.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["atomic-load-store", "lock-check-then-act"]);
        assert_eq!(&src.text[d[0].rules[1].1.clone()], "lock-check-then-act");
        assert_eq!(d[1].line, 3);
        assert!(!d[1].alone);
        assert_eq!(d[1].rules[0].0, "static-mut-rmw");
        assert!(d[2].file_wide);
        assert!(d[3].malformed);
    }
}
