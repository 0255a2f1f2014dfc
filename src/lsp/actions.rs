//! Code actions and hover for one analysed document.

use super::convert::{self, Encoding};
use super::Analysis;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::fix::FixMode;
use crate::suppress::UNUSED;
use lsp_types as lsp;
use std::collections::HashMap;

/// The kind of the "fix all" action, as ruff names its own
/// (`source.fixAll.ruff`), so editors can run it on save.
pub fn fix_all_kind() -> lsp::CodeActionKind {
    lsp::CodeActionKind::new("source.fixAll.rmw-lint")
}

/// Whether the client asked for actions of this kind (`only` lists
/// prefixes: `source` takes `source.fixAll.rmw-lint`).
fn wanted(only: Option<&Vec<lsp::CodeActionKind>>, kind: &lsp::CodeActionKind) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|o| {
            kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str()))
        })
    })
}

/// The actions for the findings that touch the requested range: each
/// suggestion with edits (preferred when machine-applicable), a
/// suppression comment per finding, and one action that applies every
/// machine-applicable fix of the file.
pub fn code_actions(
    params: &lsp::CodeActionParams,
    a: &Analysis,
    version: i32,
    enc: Encoding,
) -> Vec<lsp::CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let only = params.context.only.as_ref();
    let src = &a.source;
    let mut out = Vec::new();
    let edit = |edits: Vec<lsp::TextEdit>| lsp::WorkspaceEdit {
        document_changes: Some(lsp::DocumentChanges::Edits(vec![lsp::TextDocumentEdit {
            text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                uri: uri.clone(),
                version: Some(version),
            },
            edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
        }])),
        ..Default::default()
    };
    if wanted(only, &lsp::CodeActionKind::QUICKFIX) {
        for d in &a.diagnostics {
            let diag = convert::diagnostic(d, src, uri, enc);
            if !convert::touches(&diag.range, &params.range) {
                continue;
            }
            for s in &d.suggestions {
                if s.edits.is_empty() || s.applicability == Applicability::Manual {
                    continue;
                }
                let edits = s
                    .edits
                    .iter()
                    .map(|e| convert::text_edit(src, e, enc))
                    .collect();
                out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: s.message.clone(),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diag.clone()]),
                    edit: Some(edit(edits)),
                    is_preferred: Some(s.applicability == Applicability::MachineApplicable),
                    ..Default::default()
                }));
            }
            if d.rule != UNUSED {
                let edits: Vec<lsp::TextEdit> = crate::suppress_add::edits(src, [d])
                    .into_iter()
                    .map(|e| lsp::TextEdit {
                        range: convert::range(src, src.span(e.range), enc),
                        new_text: e.replacement,
                    })
                    .collect();
                out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: format!("Suppress with `// rmw-lint: allow({})`", d.rule),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diag]),
                    edit: Some(edit(edits)),
                    ..Default::default()
                }));
            }
        }
    }
    let kind = fix_all_kind();
    if wanted(only, &kind) {
        if let Some(text) = fix_all(a) {
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: "Fix all machine-applicable rmw-lint findings in this file".into(),
                kind: Some(kind),
                edit: Some(edit(vec![lsp::TextEdit {
                    range: convert::whole(src, enc),
                    new_text: text,
                }])),
                ..Default::default()
            }));
        }
    }
    out
}

/// The file's text after every machine-applicable fix, as `--fix` would
/// write it; `None` when there is nothing to fix.
fn fix_all(a: &Analysis) -> Option<String> {
    let fixable = |d: &Diagnostic| {
        d.suggestions
            .iter()
            .any(|s| s.applicability == Applicability::MachineApplicable && !s.edits.is_empty())
    };
    if !a.diagnostics.iter().any(fixable) {
        return None;
    }
    let mode = FixMode {
        unsafe_fixes: false,
        write: false,
    };
    let fixed = crate::fix::fix_text(
        &a.source.path,
        &a.source.text,
        a.diagnostics.clone(),
        &a.krate,
        &a.project.settings,
        mode,
    )?;
    (fixed.fixed > 0 && fixed.text != a.source.text).then_some(fixed.text)
}

/// The documentation of the rules of the findings under the cursor.
pub fn hover(a: &Analysis, at: lsp::Position, enc: Encoding) -> Option<lsp::Hover> {
    let point = lsp::Range { start: at, end: at };
    let mut docs: HashMap<&str, &str> = HashMap::new();
    let mut order = Vec::new();
    for d in &a.diagnostics {
        let r = convert::range(&a.source, d.span, enc);
        if !convert::touches(&r, &point) {
            continue;
        }
        let Some(rule) = crate::rules::rule(d.rule) else {
            continue;
        };
        if docs.insert(rule.id, rule.doc).is_none() {
            order.push(rule.id);
        }
    }
    if order.is_empty() {
        return None;
    }
    let value = order
        .iter()
        .map(|id| docs[id])
        .collect::<Vec<_>>()
        .join("\n\n---\n\n");
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: None,
    })
}
