//! `--format json`: one document, as SPEC §2 defines it.

use crate::diagnostic::Diagnostic;
use crate::{FileError, Outcome};
use serde::Serialize;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    diagnostics: usize,
    errors: usize,
}

/// A diagnostic with the web page of its rule.
#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
    url: String,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    diagnostics: Vec<Entry<'a>>,
    errors: &'a [FileError],
    summary: Summary,
}

pub fn render(outcome: &Outcome) -> String {
    let doc = Document {
        version: 1,
        tool: Tool {
            name: "rmw-lint",
            version: env!("CARGO_PKG_VERSION"),
        },
        diagnostics: outcome
            .diagnostics
            .iter()
            .map(|d| Entry {
                diagnostic: d,
                url: crate::rule_docs::url(d.rule),
            })
            .collect(),
        errors: &outcome.errors,
        summary: Summary {
            files: outcome.files,
            diagnostics: outcome.diagnostics.len(),
            errors: outcome.errors.len(),
        },
    };
    // Serialising plain data to a string cannot fail.
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
