//! The fixture runner: every `test-fixtures/<rule>/**/*.rs` file states its
//! expected findings as `//~ rule-id` at the end of the line where the
//! primary span starts. A missing finding and an unexpected one both fail.
//! Each fixture's human output is also compared with its `.stdout` golden
//! file (regenerate with `BLESS=1 cargo test --test fixtures`).

use rmw_lint::report::human::{self, HumanOptions};
use rmw_lint::{lint, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("test-fixtures/ is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            fixture_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(line, rule)` pairs a fixture expects.
fn expectations(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("//~") {
            for rule in line[pos + 3..].split(|c: char| c.is_whitespace() || c == ',') {
                if !rule.is_empty() {
                    out.push((i + 1, rule.to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn fixtures_report_exactly_the_annotated_findings() {
    let mut files = Vec::new();
    fixture_files(&root().join("test-fixtures"), &mut files);
    assert!(
        files.len() >= 20,
        "expected the fixture suite, found {} files",
        files.len()
    );
    let mut failures = Vec::new();
    let mut fired = BTreeMap::<String, usize>::new();
    for file in &files {
        let outcome = lint(&Options {
            paths: vec![file.clone()],
            jobs: 1,
            ..Options::default()
        })
        .expect("valid options");
        let shown = file
            .strip_prefix(root())
            .unwrap_or(file)
            .display()
            .to_string();
        for e in &outcome.errors {
            failures.push(format!("{shown}: could not be analysed: {}", e.message));
        }
        let text = std::fs::read_to_string(file).expect("fixture is UTF-8");
        let expected = expectations(&text);
        let mut actual: Vec<(usize, String)> = outcome
            .diagnostics
            .iter()
            .map(|d| (d.span.start.line, d.rule.to_string()))
            .collect();
        actual.sort();
        for (line, rule) in &actual {
            *fired.entry(rule.clone()).or_default() += 1;
            if !expected.contains(&(*line, rule.clone())) {
                failures.push(format!("{shown}:{line}: unexpected `{rule}`"));
            }
        }
        for (line, rule) in &expected {
            if !actual.contains(&(*line, rule.clone())) {
                failures.push(format!("{shown}:{line}: missing `{rule}`"));
            }
        }
        check_golden(file, &outcome, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for rule in rmw_lint::rules::RULES {
        assert!(
            fired.get(rule.id).copied().unwrap_or(0) >= 10,
            "rule {} has fewer than 10 must-fire fixture cases",
            rule.id
        );
    }
    // The SQL rules: at least 12 cases that must fire and 12 look-alikes
    // that must stay quiet, each; the external-state rules at least 10 each.
    for (rule, want) in [
        ("select-then-update", 12),
        ("check-then-insert", 12),
        ("for-update-outside-transaction", 12),
        ("unchecked-optimistic-update", 12),
        ("redis-get-then-set", 10),
        ("redis-unsafe-lock", 10),
        ("fs-check-then-use", 10),
        ("fs-create-then-chmod", 10),
        ("fs-remove-then-create", 10),
    ] {
        let fire = fired.get(rule).copied().unwrap_or(0);
        assert!(
            fire >= want,
            "rule {rule} has {fire} must-fire fixture cases, want {want}"
        );
        let mut own = Vec::new();
        fixture_files(&root().join("test-fixtures").join(rule), &mut own);
        let quiet: usize = own
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).expect("fixture is UTF-8");
                text.lines()
                    .filter(|l| l.trim_start().starts_with("// quiet:"))
                    .count()
            })
            .sum();
        assert!(
            quiet >= want,
            "rule {rule} has {quiet} must-stay-quiet fixture cases, want {want}"
        );
    }
}

fn check_golden(file: &Path, outcome: &rmw_lint::Outcome, failures: &mut Vec<String>) {
    let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    human::render(outcome, &mut buf, HumanOptions::default()).expect("render to memory");
    let rendered = String::from_utf8(buf.into_inner()).expect("UTF-8 output");
    // Paths are shown relative to the repository, as a user running
    // `rmw-lint test-fixtures/` would see them.
    let prefix = format!("{}/", root().display());
    let rendered = rendered.replace(&prefix, "");
    let golden = file.with_extension("stdout");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &rendered).expect("write golden file");
        return;
    }
    match std::fs::read_to_string(&golden) {
        Ok(expected) if expected == rendered => {}
        Ok(expected) => failures.push(format!(
            "{}: human output differs from its golden file (BLESS=1 to accept)\n--- expected\n{expected}\n--- actual\n{rendered}",
            golden.display()
        )),
        Err(_) => failures.push(format!("{}: golden file missing (BLESS=1 to create)", golden.display())),
    }
}
