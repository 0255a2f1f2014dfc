//! `--format sarif`: one SARIF 2.1.0 log, in the shape GitHub code scanning
//! accepts (SPEC §5).
//!
//! The log is written with plain serde structs instead of the `serde-sarif`
//! crate's typed model: we emit a small, fixed subset of SARIF, the structs
//! below are that subset and nothing else, and the crate would add a build
//! script that generates code from the schema plus builder proc macros to
//! every build of the linter. The tests validate the output against the
//! published schema instead (`tests/data/sarif-schema-2.1.0.json`).

use super::{details, Helps};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::{RuleInfo, RULES};
use crate::source::Span;
use crate::{FileError, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of our fingerprint in `partialFingerprints`. Versioned so that a
/// change of the hashing can move to `rmwLint/v2` without GitHub matching old
/// alerts against new hashes.
pub const FINGERPRINT_KEY: &str = "rmwLint/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    /// Our columns count Unicode scalar values; SARIF's default would be
    /// UTF-16 code units, which differ after any character outside the BMP.
    column_kind: &'static str,
    results: Vec<ResultObject>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn new(text: impl Into<String>) -> Message {
        Message { text: text.into() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultObject {
    rule_id: &'static str,
    /// Absent only for a rule missing from the catalogue, which SARIF
    /// allows (the `ruleId` still names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// A region in both of SARIF's terms: 1-based lines and exclusive end
/// column (as ours), and the byte range, which is what the linter itself
/// works with and is exact whatever a viewer thinks a column is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

impl From<Span> for Region {
    fn from(s: Span) -> Region {
        Region {
            start_line: s.start.line,
            start_column: s.start.column,
            end_line: s.end.line,
            end_column: s.end.column,
            byte_offset: s.start.offset,
            byte_length: s.end.offset.saturating_sub(s.start.offset),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: ArtifactContent,
}

#[derive(Serialize)]
struct ArtifactContent {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
}

/// SARIF's name for a severity (`error`, `warning`, `note`, as ours).
fn level(s: Severity) -> &'static str {
    s.as_str()
}

/// Renders the whole outcome as one SARIF log, pretty-printed.
pub fn render(outcome: &Outcome) -> String {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "rmw-lint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: Some(env!("CARGO_PKG_HOMEPAGE")).filter(|u| !u.is_empty()),
                    rules: RULES.iter().map(rule).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: outcome.errors.is_empty(),
                tool_execution_notifications: outcome.errors.iter().map(notification).collect(),
            }],
            column_kind: "unicodeCodePoints",
            results: outcome.diagnostics.iter().map(result).collect(),
        }],
    };
    // Serialising plain data to a string cannot fail.
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn rule(r: &'static RuleInfo) -> Rule {
    Rule {
        id: r.id,
        name: camel_case(r.id),
        short_description: Message::new(r.summary()),
        full_description: Message::new(
            what_it_does(r.doc).unwrap_or_else(|| r.summary().to_string()),
        ),
        help_uri: crate::rule_docs::url(r.id),
        help: Help {
            text: r.doc,
            markdown: r.doc,
        },
        default_configuration: Configuration {
            level: level(r.severity),
        },
    }
}

/// `select-then-update` → `SelectThenUpdate`: SARIF's `name` is meant to be
/// an identifier-like form of the rule.
pub fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The first paragraph of a rule doc's `## What it does` section, its lines
/// joined: longer than the one-line summary, short enough for a tooltip.
/// A paragraph that ends with `:` introduces a list and would say nothing
/// alone, so the list that follows comes with it, one item a line.
pub fn what_it_does(doc: &str) -> Option<String> {
    let mut lines = doc.lines().map(str::trim);
    lines.find(|l| l.eq_ignore_ascii_case("## What it does"))?;
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut block = Vec::new();
    for line in lines.take_while(|l| !l.starts_with('#')) {
        if line.is_empty() {
            if !block.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
        } else {
            block.push(line);
        }
    }
    if !block.is_empty() {
        blocks.push(block);
    }
    let mut text = join_block(blocks.first()?);
    if text.ends_with(':') {
        if let Some(list) = blocks.get(1) {
            text.push('\n');
            text.push_str(&join_block(list));
        }
    }
    Some(text)
}

/// Joins a block's lines with spaces, starting a new line at each list item.
fn join_block(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        if !out.is_empty() {
            out.push(if line.starts_with("- ") { '\n' } else { ' ' });
        }
        out.push_str(line);
    }
    out
}

fn result(d: &Diagnostic) -> ResultObject {
    let uri = artifact_uri(&d.file);
    let mut text = d.message.clone();
    let more = details(d, Helps::All);
    if !more.is_empty() {
        text.push_str("\n\n");
        text.push_str(&more.join("\n"));
    }
    ResultObject {
        rule_id: d.rule,
        rule_index: RULES.iter().position(|r| r.id == d.rule),
        level: level(d.severity),
        message: Message::new(text),
        locations: vec![location(&uri, Some(d.span), None, None)],
        related_locations: d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| location(&uri, Some(l.span), Some(i), Some(l.message.clone())))
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, d.fingerprint.clone())]),
        fixes: d
            .suggestions
            .iter()
            // Only suggestions whose edits make the whole fix; a manual
            // suggestion is text to adapt and stays in the message.
            .filter(|s| s.applicability != Applicability::Manual && !s.edits.is_empty())
            .map(|s| Fix {
                description: Message::new(s.message.clone()),
                artifact_changes: vec![ArtifactChange {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    replacements: s
                        .edits
                        .iter()
                        .map(|e| Replacement {
                            deleted_region: e.span.into(),
                            inserted_content: ArtifactContent {
                                text: e.replacement.clone(),
                            },
                        })
                        .collect(),
                }],
            })
            .collect(),
    }
}

fn location(uri: &str, span: Option<Span>, id: Option<usize>, message: Option<String>) -> Location {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri.to_string(),
            },
            region: span.map(Region::from),
        },
        message: message.map(Message::new),
    }
}

/// A file that could not be analysed: a tool execution notification, so
/// code scanning shows that the run was incomplete instead of a clean file.
fn notification(e: &FileError) -> Notification {
    Notification {
        level: "error",
        message: Message::new(e.message.clone()),
        locations: vec![location(&artifact_uri(&e.file), e.span, None, None)],
    }
}

/// The `artifactLocation.uri` of a path as discovered: a relative path stays
/// a relative reference (GitHub resolves it against the checkout), with
/// every byte a URI reference cannot hold percent-encoded; an absolute path
/// becomes a `file://` URI.
pub fn artifact_uri(path: &str) -> String {
    if let Some(rest) = path.strip_prefix('/') {
        return format!("file:///{}", encode_path(rest));
    }
    // A Windows path as discovered (`C:/src/a.rs`): the drive's colon stays.
    let bytes = path.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        return format!("file:///{}:{}", &path[..1], encode_path(&path[2..]));
    }
    encode_path(path)
}

/// Percent-encodes all but the characters a URI path may hold literally
/// (RFC 3986 unreserved and sub-delims, `@`, `/`). `:` is encoded too: in the
/// first segment of a relative reference it would read as a scheme.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let literal = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b);
        if literal {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references_or_file_uris() {
        assert_eq!(artifact_uri("src/lib.rs"), "src/lib.rs");
        assert_eq!(
            artifact_uri("src/my file%#?.rs"),
            "src/my%20file%25%23%3F.rs"
        );
        assert_eq!(artifact_uri("a:b/c.rs"), "a%3Ab/c.rs");
        assert_eq!(artifact_uri("src/zähler.rs"), "src/z%C3%A4hler.rs");
        assert_eq!(artifact_uri("/home/u/x y.rs"), "file:///home/u/x%20y.rs");
        assert_eq!(artifact_uri("C:/work/a.rs"), "file:///C:/work/a.rs");
        assert_eq!(artifact_uri("-"), "-");
    }

    #[test]
    fn rule_names_and_descriptions() {
        assert_eq!(camel_case("select-then-update"), "SelectThenUpdate");
        assert_eq!(
            what_it_does("# x\n\nsummary\n\n## What it does\n\nFlags a\n`load`.\n\nMore.\n"),
            Some("Flags a `load`.".to_string())
        );
        assert_eq!(
            what_it_does("## What it does\n\nFlags two:\n\n- one\n  more\n- two\n\nLater.\n"),
            Some("Flags two:\n- one more\n- two".to_string())
        );
        assert_eq!(what_it_does("# x\n\nsummary\n"), None);
        assert_eq!(what_it_does("## What it does\n\n## Why\n"), None);
        for r in RULES {
            assert!(
                what_it_does(r.doc).is_some(),
                "{} has a What it does paragraph",
                r.id
            );
        }
    }
}
