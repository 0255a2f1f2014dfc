//! The SQL text of a Rust string literal, `concat!` or `format!`, with a map
//! from each byte of the decoded text back to the file.
//!
//! The map is what lets a fix insert ` FOR UPDATE` inside the user's literal:
//! escapes (`\n`, a `\` line continuation) make the decoded text and the
//! source differ, so offsets are tracked run by run rather than assumed.

/// A run of decoded text that appears verbatim in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    text: usize,
    file: usize,
    len: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlText {
    pub text: String,
    runs: Vec<Run>,
}

impl SqlText {
    /// Appends `s`; `file` is where it starts in the file when it is there
    /// verbatim.
    pub fn push(&mut self, s: &str, file: Option<usize>) {
        let at = self.text.len();
        self.text.push_str(s);
        let Some(file) = file else { return };
        if let Some(last) = self.runs.last_mut() {
            if last.text + last.len == at && last.file + last.len == file {
                last.len += s.len();
                return;
            }
        }
        self.runs.push(Run {
            text: at,
            file,
            len: s.len(),
        });
    }

    /// The file offset of text offset `at`, if that position is in the file
    /// verbatim (the end of a run counts).
    pub fn file_offset(&self, at: usize) -> Option<usize> {
        let i = self.runs.partition_point(|r| r.text + r.len < at);
        let r = self.runs.get(i)?;
        (r.text <= at && at <= r.text + r.len).then(|| r.file + (at - r.text))
    }

    /// Appends `src.text[from..to]`, keeping its map.
    fn copy_range(&mut self, src: &SqlText, from: usize, to: usize) {
        let mut pos = from;
        let first = src.runs.partition_point(|r| r.text + r.len <= from);
        for r in &src.runs[first..] {
            if r.text >= to {
                break;
            }
            let (a, b) = (r.text.max(pos), (r.text + r.len).min(to));
            if a >= b {
                continue;
            }
            if a > pos {
                self.push(&src.text[pos..a], None);
            }
            self.push(&src.text[a..b], Some(r.file + (a - r.text)));
            pos = b;
        }
        if pos < to {
            self.push(&src.text[pos..to], None);
        }
    }
}

/// Decodes a string literal token (`"…"`, `r#"…"#`) that starts at `start`
/// in the file. Byte strings and C strings are not SQL.
pub fn decode_literal(repr: &str, start: usize) -> Option<SqlText> {
    let mut out = SqlText::default();
    if let Some(rest) = repr.strip_prefix('r') {
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        let open = 1 + hashes + 1;
        let close = hashes + 1;
        if repr.len() < open + close {
            return None;
        }
        let body = &repr[open..repr.len() - close];
        out.push(body, Some(start + open));
        return Some(out);
    }
    let body = repr.strip_prefix('"')?.strip_suffix('"')?;
    let base = start + 1;
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut run_start = 0;
    while i < body.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        if run_start < i {
            out.push(&body[run_start..i], Some(base + run_start));
        }
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        let mut j = i + 2;
        match next {
            b'n' => out.push("\n", None),
            b't' => out.push("\t", None),
            b'r' => out.push("\r", None),
            b'0' => out.push("\0", None),
            b'\\' => out.push("\\", None),
            b'\'' => out.push("'", None),
            b'"' => out.push("\"", None),
            b'x' => {
                let hex = body.get(i + 2..i + 4)?;
                let c = u8::from_str_radix(hex, 16).ok()? as char;
                out.push(c.encode_utf8(&mut [0; 4]), None);
                j = i + 4;
            }
            b'u' => {
                let close = body[i..].find('}')? + i;
                let hex = body.get(i + 3..close)?;
                let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                out.push(c.encode_utf8(&mut [0; 4]), None);
                j = close + 1;
            }
            b'\n' | b'\r' => {
                // A line continuation: the newline and the next line's
                // leading whitespace are not part of the string.
                j = i + 1;
                while j < body.len() && (bytes[j] as char).is_whitespace() {
                    j += 1;
                }
            }
            _ => return None,
        }
        i = j;
        run_start = j;
    }
    if run_start < body.len() {
        out.push(&body[run_start..], Some(base + run_start));
    }
    Some(out)
}

/// `concat!` of literals.
pub fn concat(parts: &[SqlText]) -> SqlText {
    let mut out = SqlText::default();
    for p in parts {
        out.copy_range(p, 0, p.text.len());
    }
    out
}

/// The text of a `format!` string with each `{…}` placeholder replaced by an
/// opaque identifier (`__fmt0`, `__fmt1`…), and `{{`/`}}` unescaped.
pub fn format_template(fmt: &SqlText) -> SqlText {
    let mut out = SqlText::default();
    let text = &fmt.text;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut n = 0;
    let mut plain = 0;
    let flush = |out: &mut SqlText, from: usize, to: usize| out.copy_range(fmt, from, to);
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                flush(&mut out, plain, i + 1);
                i += 2;
                plain = i;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                flush(&mut out, plain, i + 1);
                i += 2;
                plain = i;
            }
            b'{' => {
                flush(&mut out, plain, i);
                let close = text[i..].find('}').map_or(text.len(), |c| c + i + 1);
                out.push(&format!("__fmt{n}"), None);
                n += 1;
                i = close;
                plain = i;
            }
            _ => i += 1,
        }
    }
    flush(&mut out, plain, bytes.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_literal_maps_every_byte() {
        let t = decode_literal("\"SELECT 1\"", 10).unwrap();
        assert_eq!(t.text, "SELECT 1");
        assert_eq!(t.file_offset(0), Some(11));
        assert_eq!(t.file_offset(8), Some(19));
    }

    #[test]
    fn escapes_and_continuations() {
        let src = "\"SELECT a \\\n     FROM t\\nWHERE x = 1\"";
        let t = decode_literal(src, 0).unwrap();
        assert_eq!(t.text, "SELECT a FROM t\nWHERE x = 1");
        let end = t.text.len();
        assert_eq!(t.file_offset(end), Some(src.len() - 1));
        // The decoded newline has no place in the file, but the text after
        // it does.
        let w = t.text.find("WHERE").unwrap();
        assert_eq!(t.file_offset(w), Some(src.find("WHERE").unwrap()));
    }

    #[test]
    fn raw_strings() {
        let t = decode_literal("r#\"SELECT \"x\"\"#", 5).unwrap();
        assert_eq!(t.text, "SELECT \"x\"");
        assert_eq!(t.file_offset(0), Some(8));
    }

    #[test]
    fn format_placeholders_are_opaque() {
        let src = "\"UPDATE {} SET a = {{b}} WHERE id = {id}\"";
        let t = format_template(&decode_literal(src, 0).unwrap());
        assert_eq!(t.text, "UPDATE __fmt0 SET a = {b} WHERE id = __fmt1");
        let end = t.text.len();
        assert_eq!(t.file_offset(end), None);
        assert_eq!(t.file_offset(0), Some(1));
    }

    #[test]
    fn concat_keeps_both_maps() {
        let a = decode_literal("\"SELECT a \"", 0).unwrap();
        let b = decode_literal("\"FROM t\"", 20).unwrap();
        let t = concat(&[a, b]);
        assert_eq!(t.text, "SELECT a FROM t");
        assert_eq!(t.file_offset(t.text.len()), Some(27));
    }
}
