//! An explicit bound on how deeply a file's syntax can nest, checked on the
//! raw text before parsing. Parsing (syn), lowering and dropping a syntax
//! tree all recurse once per level of nesting; a generated or hostile file
//! with 250,000 nested `{` would overflow any thread's stack and abort the
//! whole run. A file over the bound is reported as not analysed instead.
//!
//! The bound is on an estimate that is never below the real depth of the
//! tree: every token of an expression can add at most one level, so the
//! estimate at a token is, summed over the brackets that enclose it, the
//! number of tokens since the last `;` or `,` at each bracket's level (a
//! bracketed group counting as one token of its parent). A `}` ends a
//! statement unless `else` follows, so an `else if` chain keeps counting.
//! The highest estimate among the 31,000 files of 1,100 published crates is
//! 373, far below the bound; the estimate costs one pass over the bytes.

/// The deepest nesting analysed.
pub const MAX_DEPTH: usize = 10_000;

/// The longest chain of `|` analysed. Alternatives of a pattern
/// (`'a'..='z' | '0'..='9' | …`, thousands long in generated tables) do not
/// nest, but `a | b | c` in an expression makes a left-deep tree, which is
/// walked recursively; a left-deep level costs far less stack than a
/// bracket, so these chains get a looser bound of their own.
pub const MAX_CHAIN: usize = 200_000;

/// The bracket levels enclosing a point, each with the tokens counted
/// since its last separator.
#[derive(Default)]
struct Levels {
    /// The parent's count when each open group started, and whether the
    /// group is an attribute's `#[…]`.
    stack: Vec<(usize, bool)>,
    base: usize,
    cur: usize,
}

impl Levels {
    fn open(&mut self, attr: bool) {
        self.cur += 1;
        self.stack.push((self.cur, attr));
        self.base += self.cur;
        self.cur = 0;
    }

    /// Closes a group; an attribute's group leaves no count behind.
    fn close(&mut self) {
        if let Some((parent, attr)) = self.stack.pop() {
            self.base -= parent;
            self.cur = if attr { parent - 1 } else { parent };
        }
    }

    fn depth(&self) -> usize {
        self.base + self.cur
    }
}

/// Where the text first nests deeper than `limit` (a byte offset), if it
/// does, checking `|` chains against [`MAX_CHAIN`] scaled the same way.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let chain_limit = limit.saturating_mul(MAX_CHAIN / MAX_DEPTH);
    let b = text.as_bytes();
    // `strict` counts alternatives separated by a single `|` as siblings;
    // `chained` counts them as nested.
    let mut strict = Levels::default();
    let mut chained = Levels::default();
    let mut after_brace = false;
    let mut attr = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // One token: where it ends.
        i = match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = skip_line(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i);
                continue;
            }
            b'"' => skip_string(b, i + 1),
            b'r' | b'b' | b'c' if raw_or_prefixed(b, i).is_some() => {
                raw_or_prefixed(b, i).unwrap_or(i + 1)
            }
            b'\'' => skip_quote(b, i),
            b'|' if b.get(i + 1) == Some(&b'|') => i + 2,
            _ if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 => {
                let mut j = i + 1;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric() || b[j] >= 0x80)
                {
                    j += 1;
                }
                j
            }
            _ => i + 1,
        };
        if after_brace {
            after_brace = false;
            if &b[start..i] != b"else" {
                strict.cur = 0;
                chained.cur = 0;
            }
        }
        let in_attr = std::mem::take(&mut attr);
        match c {
            // `#[…]` and `#![…]` on an item or statement add nothing.
            b'#' => attr = true,
            b'!' if in_attr => attr = true,
            b'(' | b'[' | b'{' => {
                let is_attr = in_attr && c == b'[';
                strict.open(is_attr);
                chained.open(is_attr);
            }
            b')' | b']' | b'}' => {
                strict.close();
                chained.close();
                after_brace = c == b'}';
            }
            b';' | b',' => {
                strict.cur = 0;
                chained.cur = 0;
            }
            b'|' if i == start + 1 => {
                strict.cur = 0;
                chained.cur += 1;
            }
            _ => {
                strict.cur += 1;
                chained.cur += 1;
            }
        }
        if strict.depth() > limit || chained.depth() > chain_limit {
            return Some(start);
        }
    }
    None
}

fn skip_line(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut open = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            open += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            open -= 1;
            i += 2;
            if open == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// The end of a `"…"` string whose body starts at `i`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of `r"…"`, `r#"…"#`, `b"…"`, `br"…"`, `c"…"`, `cr#"…"#`, `b'x'`
/// starting at `i`, if one starts there.
fn raw_or_prefixed(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(b[j], b'b' | b'c') {
        j += 1;
    }
    let raw = b.get(j) == Some(&b'r');
    if raw {
        j += 1;
    }
    if !raw {
        return match b.get(j) {
            Some(b'"') if j > i => Some(skip_string(b, j + 1)),
            Some(b'\'') if b[i] == b'b' && j == i + 1 => Some(skip_quote(b, j)),
            _ => None,
        };
    }
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"'
            && b[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(b.len())
}

/// A character literal (`'x'`, `'\n'`, `'é'`) or a lifetime or label
/// (`'a`), starting at the quote `i`.
fn skip_quote(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 3;
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                j += 1;
            }
            (j + 1).min(b.len())
        }
        Some(&c) => {
            // One character (1 to 4 bytes), then a closing quote.
            let len = match c {
                0xf0.. => 4,
                0xe0.. => 3,
                0xc0.. => 2,
                _ => 1,
            };
            if b.get(i + 1 + len) == Some(&b'\'') {
                return i + 2 + len;
            }
            let mut j = i + 1;
            while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric() || b[j] >= 0x80) {
                j += 1;
            }
            j.max(i + 1)
        }
        None => b.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate for the whole text: the least limit it stays within.
    fn depth(text: &str) -> usize {
        let (mut lo, mut hi) = (0, 1 << 20);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if too_deep(text, mid).is_some() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    #[test]
    fn ordinary_code_is_shallow() {
        let text = "fn f(x: i32) -> i32 {\n    let y = x + 1;\n    if y > 2 { y } else if y > 1 { 1 } else { 0 }\n}\nfn g() {}\n";
        assert!(depth(text) < 30, "{}", depth(text));
        // Strings, comments and character literals do not nest.
        let text = "fn f() { let s = \"((((\"; let r = r#\"{{{\"#; let c = '('; let l: &'a str = b\"[[\"; /* ((( /* ] */ */ // {{{\n}";
        assert!(depth(text) < 30, "{}", depth(text));
        // A long list or a long sequence of statements does not add up.
        let list = format!("const T: &[u8] = &[{}];", "1, ".repeat(100_000));
        assert!(depth(&list) < 30);
        let items = "fn f() { a(); }\n".repeat(100_000);
        assert!(depth(&items) < 30);
    }

    #[test]
    fn nesting_of_every_kind_counts() {
        let n = 20_000;
        let braces = format!("fn f() {}{}", "{".repeat(n), "}".repeat(n));
        assert!(depth(&braces) > n);
        let assign = format!("fn f() {{ {}1; }}", "C = ".repeat(n));
        assert!(depth(&assign) > n);
        let unary = format!("fn f() {{ {}x; }}", "-".repeat(n));
        assert!(depth(&unary) > n);
        let chain = format!(
            "fn f(x: i32) {{ if x == 0 {{ }} {} }}",
            "else if x == 1 { } ".repeat(n)
        );
        assert!(depth(&chain) > n);
        let methods = format!("fn f() {{ x{}; }}", ".a()".repeat(n));
        assert!(depth(&methods) > n);
        let closures = format!("fn f() {{ {}1; }}", "|| ".repeat(n));
        assert!(depth(&closures) > n);
        // Alternatives of a pattern are siblings; a chain of `|` still has
        // a bound.
        let alternatives = format!(
            "fn f(c: u8) {{ match c {{ 0{} => {{}} _ => {{}} }} }}",
            " | 1".repeat(n)
        );
        assert!(too_deep(&alternatives, MAX_DEPTH).is_none());
        let ors = format!("fn f() {{ 0{}; }}", " | 1".repeat(MAX_CHAIN));
        assert!(too_deep(&ors, MAX_DEPTH).is_some());
        // Attributes, however many, do not nest.
        let attrs = format!("{}fn f() {{}}", "#[case(1, 2)]\n".repeat(n));
        assert!(depth(&attrs) < 30);
        let at = too_deep(&braces, MAX_DEPTH).expect("too deep");
        assert!(at > MAX_DEPTH / 2 && at < MAX_DEPTH + 10, "{at}");
    }
}
