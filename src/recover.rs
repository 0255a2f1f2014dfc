//! Parsing a file that `syn` rejects as a whole, item by item.
//!
//! rustc accepts some syntax that `syn` does not (edition-2015 bare trait
//! objects, `impl !Trait for T {}` under `cfg`). One such item must not
//! hide the rest of the file: the file is lexed into tokens, cut at item
//! boundaries (a `;` or a `{ … }` at the top level), and every item that
//! parses is kept; only the pieces that fail are skipped.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Parses `text` as a file; when that fails, recovers the items that parse.
/// The error is the whole-file one, returned when nothing can be recovered
/// (the text does not even lex, or no item parses).
pub fn parse_file(text: &str) -> syn::Result<syn::File> {
    let err = match syn::parse_file(text) {
        Ok(f) => return Ok(f),
        Err(e) => e,
    };
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return Err(err);
    };
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    // Candidate item ends: after a top-level `;` or brace group.
    let mut ends = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let boundary = match t {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
            _ => false,
        };
        if boundary {
            ends.push(i + 1);
        }
    }
    let mut items = Vec::new();
    // Where the unconsumed tokens start, and the boundaries since then at
    // which an item could start (after a piece that did not parse).
    let mut starts = vec![0usize];
    for &end in &ends {
        let found = starts.iter().position(|&s| {
            let piece: TokenStream = tokens[s..end].iter().cloned().collect();
            syn::parse2::<syn::Item>(piece).is_ok()
        });
        match found {
            Some(k) => {
                let piece: TokenStream = tokens[starts[k]..end].iter().cloned().collect();
                if let Ok(item) = syn::parse2::<syn::Item>(piece) {
                    items.push(item);
                }
                starts = vec![end];
            }
            None => starts.push(end),
        }
    }
    if items.is_empty() {
        return Err(err);
    }
    Ok(syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_parses_as_a_whole() {
        let f = parse_file("fn a() {}\nstruct S;\n").expect("valid file");
        assert_eq!(f.items.len(), 2);
    }

    #[test]
    fn items_around_a_rejected_one_are_kept() {
        let src = "use std::sync::atomic::AtomicUsize;\n\
                   type Action = Fn(u8) + Send;\n\
                   #[cfg(never)] impl !Send for S {}\n\
                   pub struct S { n: AtomicUsize }\n\
                   impl S { fn bump(&self) { let _ = S { n: AtomicUsize::new(0) }; } }\n";
        assert!(syn::parse_file(src).is_err(), "syn rejects the whole file");
        let f = parse_file(src).expect("recovered");
        let kinds: Vec<&str> = f
            .items
            .iter()
            .map(|i| match i {
                syn::Item::Use(_) => "use",
                syn::Item::Struct(_) => "struct",
                syn::Item::Impl(_) => "impl",
                syn::Item::Type(_) => "type",
                _ => "other",
            })
            .collect();
        assert!(
            kinds.contains(&"use") && kinds.contains(&"struct"),
            "{kinds:?}"
        );
        assert!(kinds.contains(&"impl"), "{kinds:?}");
    }

    #[test]
    fn text_that_does_not_lex_keeps_the_error() {
        assert!(parse_file("fn a() { ").is_err());
    }
}
