//! Lowering: syntax → effects. One pass over each function body records what
//! it does to shared state (see [`effects`]); rules read only that.

pub mod context;
pub mod contract;
pub mod effects;
pub mod items;
pub mod place;
pub mod walk;

use quote::ToTokens;
use std::ops::Range;

/// The byte range of a syntax node in its file.
///
/// Spans come from `proc-macro2` with span locations, which measures offsets
/// from the start of the text handed to the parser.
pub fn range_of(node: &impl ToTokens) -> Range<usize> {
    let mut tokens = node.to_token_stream().into_iter();
    let Some(first) = tokens.next() else {
        return 0..0;
    };
    let start = first.span().byte_range();
    let end = tokens
        .last()
        .map(|t| t.span().byte_range())
        .unwrap_or(start.clone());
    start.start..end.end.max(start.start)
}

/// The byte range of a macro call, from its path to its closing delimiter,
/// without copying its tokens ([`range_of`] costs the size of the node, and
/// macros nest).
pub fn macro_range(m: &syn::Macro) -> Range<usize> {
    let start = match (&m.path.leading_colon, m.path.segments.first()) {
        (Some(c), _) => c.spans[0].byte_range().start,
        (None, Some(s)) => s.ident.span().byte_range().start,
        (None, None) => m.bang_token.span.byte_range().start,
    };
    let end = m.delimiter.span().close().byte_range().end;
    start..end.max(start)
}
