//! `--format concise`: one line per finding, `path:line:col: rule message`,
//! as ruff's `concise` and clippy's `short` formats print them (editors and
//! `grep` read these lines), then the summary line unless `--quiet`.

use crate::Outcome;

pub fn render(outcome: &Outcome, quiet: bool) -> String {
    let mut out = String::new();
    for d in &outcome.diagnostics {
        out.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            d.file,
            d.span.start.line,
            d.span.start.column,
            d.rule,
            one_line(&d.message)
        ));
    }
    for e in &outcome.errors {
        match e.span {
            Some(s) => out.push_str(&format!(
                "{}:{}:{}: error: {}\n",
                e.file,
                s.start.line,
                s.start.column,
                one_line(&e.message)
            )),
            None => out.push_str(&format!("{}: error: {}\n", e.file, one_line(&e.message))),
        }
    }
    if !quiet {
        out.push_str(&super::human::summary(outcome));
        out.push('\n');
    }
    out
}

/// A message on one line, so every output line is one finding.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
