//! Every rewrite rmw-lint suggests for the atomic, `static mut` and flag
//! lock rules is Rust that parses: a user pasting it gets code, not a
//! sketch with placeholders the compiler rejects.

use rmw_lint::{lint, Options};
use std::path::PathBuf;

const RULES: &[&str] = &["atomic-load-store", "static-mut-rmw", "static-flag-lock"];

/// Parses `text` as an expression, a block of statements or items.
fn parses(text: &str) -> bool {
    let stmts = format!("fn __wrap() {{\n{text}\n}}");
    syn::parse_str::<syn::Expr>(text).is_ok()
        || syn::parse_file(&stmts).is_ok()
        || syn::parse_file(text).is_ok()
        // Items first (a guard type), then statements that use them.
        || text
            .split_once("\n\n")
            .is_some_and(|(items, rest)| {
                syn::parse_file(items).is_ok()
                    && syn::parse_file(&format!("fn __wrap() {{\n{rest}\n}}")).is_ok()
            })
}

#[test]
fn suggested_rewrites_parse() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-fixtures");
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in RULES {
        let dir = root.join(rule);
        if !dir.is_dir() {
            continue;
        }
        let outcome = lint(&Options {
            paths: vec![dir],
            jobs: 1,
            ..Options::default()
        })
        .expect("valid options");
        for d in &outcome.diagnostics {
            for s in &d.suggestions {
                let Some(text) = &s.replacement_text else {
                    continue;
                };
                checked += 1;
                if !parses(text) {
                    failures.push(format!(
                        "{}:{}: {}\n{text}\n",
                        d.file, d.span.start.line, d.rule
                    ));
                }
            }
        }
    }
    assert!(
        checked >= 20,
        "expected suggestions to check, found {checked}"
    );
    assert!(
        failures.is_empty(),
        "{} suggestions do not parse:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
