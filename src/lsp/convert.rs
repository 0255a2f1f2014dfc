//! Between rmw-lint's model (byte offsets, 1-based lines) and the protocol's
//! (0-based lines, columns in the negotiated encoding: UTF-16 code units by
//! default, UTF-8 bytes when the client offers them).

use crate::diagnostic::{Diagnostic, EditOut, Severity};
use crate::source::{Position, SourceFile, Span};
use crate::suppress::UNUSED;
use lsp_types as lsp;

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf16,
    Utf8,
}

impl Encoding {
    /// UTF-8 when the client lists it (no conversion, as ruff and
    /// rust-analyzer prefer), else the protocol's default UTF-16.
    pub fn negotiate(caps: &lsp::ClientCapabilities) -> Encoding {
        let offered = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        match offered {
            Some(kinds) if kinds.contains(&lsp::PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> lsp::PositionEncodingKind {
        match self {
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
        }
    }
}

/// A position of the file in the client's encoding.
pub fn position(src: &SourceFile, p: Position, enc: Encoding) -> lsp::Position {
    let offset = p.offset.min(src.text.len());
    let line_start = src.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = src.text.get(line_start..offset).unwrap_or("");
    let character = match enc {
        Encoding::Utf8 => before.len(),
        Encoding::Utf16 => before.encode_utf16().count(),
    };
    lsp::Position {
        line: (p.line.saturating_sub(1)) as u32,
        character: character as u32,
    }
}

pub fn range(src: &SourceFile, s: Span, enc: Encoding) -> lsp::Range {
    lsp::Range {
        start: position(src, s.start, enc),
        end: position(src, s.end, enc),
    }
}

/// The range of the whole text, for edits that replace it.
pub fn whole(src: &SourceFile, enc: Encoding) -> lsp::Range {
    let end = src.position(src.text.len());
    lsp::Range {
        start: lsp::Position::new(0, 0),
        end: position(src, end, enc),
    }
}

pub fn text_edit(src: &SourceFile, e: &EditOut, enc: Encoding) -> lsp::TextEdit {
    lsp::TextEdit {
        range: range(src, e.span, enc),
        new_text: e.replacement.clone(),
    }
}

/// Whether two ranges share a position (touching counts: a cursor at
/// either end of a finding asks about it).
pub fn touches(a: &lsp::Range, b: &lsp::Range) -> bool {
    let key = |p: &lsp::Position| (p.line, p.character);
    key(&a.start) <= key(&b.end) && key(&b.start) <= key(&a.end)
}

/// A diagnostic as the protocol shows it: the rule as its code with a link
/// to its documentation, labels as related information, notes after the
/// message (editors show one text), and `unused-suppression` faded.
pub fn diagnostic(
    d: &Diagnostic,
    src: &SourceFile,
    uri: &lsp::Url,
    enc: Encoding,
) -> lsp::Diagnostic {
    let severity = match (d.rule, d.severity) {
        (UNUSED, _) => lsp::DiagnosticSeverity::HINT,
        (_, Severity::Error) => lsp::DiagnosticSeverity::ERROR,
        (_, Severity::Warning) => lsp::DiagnosticSeverity::WARNING,
        (_, Severity::Note) => lsp::DiagnosticSeverity::INFORMATION,
    };
    let mut message = d.message.clone();
    for n in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(n);
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location {
                uri: uri.clone(),
                range: range(src, l.span, enc),
            },
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: range(src, d.span, enc),
        severity: Some(severity),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: lsp::Url::parse(&crate::rule_docs::url(d.rule))
            .ok()
            .map(|href| lsp::CodeDescription { href }),
        source: Some("rmw-lint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (d.rule == UNUSED).then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
        data: Some(serde_json::json!({ "fingerprint": d.fingerprint })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_negotiated_encoding() {
        let src = SourceFile::new("a.rs".into(), "x\n/* é𝄞 */ y\n".into());
        let at = src.text.find('y').expect("y");
        let p = src.position(at);
        // `/* é𝄞 */ ` is 13 bytes, 10 UTF-16 code units.
        assert_eq!(position(&src, p, Encoding::Utf8).character, 13);
        assert_eq!(position(&src, p, Encoding::Utf16).character, 10);
        assert_eq!(position(&src, p, Encoding::Utf16).line, 1);
        assert_eq!(
            whole(&src, Encoding::Utf16).end,
            lsp::Position::new(2, 0),
            "the end of a text ending in a newline is the start of the next line"
        );
    }
}
