//! One source file held in memory, and conversions between byte offsets and
//! the 1-based line / Unicode-scalar column positions that users see.
//!
//! Every span in the analysis is a byte range into the original text; the
//! line/column pair is derived here, once, so that all output formats agree.

use serde::Serialize;
use std::ops::Range;

/// A file that was read and decoded successfully.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as discovered, with `/` separators.
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

/// A position: 1-based line, 1-based column counted in Unicode scalar values,
/// 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// A range of positions in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// The position of a byte offset (clamped to the text, and moved back to a
    /// character boundary so that a bad offset can never panic).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self.text[line_start..offset].chars().count() + 1;
        Position {
            line: line_index + 1,
            column,
            offset,
        }
    }

    pub fn span(&self, range: Range<usize>) -> Span {
        Span {
            start: self.position(range.start),
            end: self.position(range.end.max(range.start)),
        }
    }

    /// The text of a 1-based line without its line break (`\n` or `\r\n`),
    /// or `None` past the end. Formats that quote source lines (rustc's JSON
    /// `text` entries) need them exactly as an editor shows them.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// The text of a byte range, or "" when the range is not valid.
    pub fn slice(&self, range: Range<usize>) -> &str {
        self.text.get(range).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_scalar_values() {
        let f = SourceFile::new("a.rs".into(), "ab\né x\n".into());
        let p = f.position(6); // the `x`
        assert_eq!((p.line, p.column, p.offset), (2, 3, 6));
        assert_eq!(f.position(0).column, 1);
        // An offset inside `é` moves back to its start instead of panicking.
        assert_eq!(f.position(4).column, 1);
        assert_eq!(f.position(1000).offset, f.text.len());
    }

    #[test]
    fn line_text_drops_the_line_break() {
        let f = SourceFile::new("a.rs".into(), "one\r\ntwo\n\nlast".into());
        assert_eq!(f.line_text(1), Some("one"));
        assert_eq!(f.line_text(2), Some("two"));
        assert_eq!(f.line_text(3), Some(""));
        assert_eq!(f.line_text(4), Some("last"));
        assert_eq!(f.line_text(0), None);
        assert_eq!(f.line_text(5), None);
    }
}
