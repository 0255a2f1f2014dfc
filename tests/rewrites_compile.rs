//! The machine-applicable rewrites of the rules whose fixes need only std
//! (atomics, `static mut`, flag locks) keep a std-only fixture compiling:
//! each fixture that `rustc` accepts before the fix must be accepted after.

use rmw_lint::diagnostic::Applicability;
use rmw_lint::{lint, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

const RULES: &[&str] = &["atomic-load-store", "static-mut-rmw", "static-flag-lock"];

/// Whether `rustc` type-checks `text` as a library (no code generated).
fn compiles(text: &str, dir: &Path, name: &str) -> bool {
    let src = dir.join(format!("{name}.rs"));
    std::fs::write(&src, text).expect("temp file is writable");
    Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
        ])
        .args(["-A", "warnings", "--crate-name", name, "-o"])
        .arg(dir.join(format!("{name}.rmeta")))
        .arg(&src)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn machine_applicable_rewrites_compile() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-fixtures");
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut fixed = 0;
    let mut failures = Vec::new();
    for rule in RULES {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(rule))
            .expect("fixture dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .collect();
        files.sort();
        for (i, file) in files.iter().enumerate() {
            let text = std::fs::read_to_string(file).expect("fixture is UTF-8");
            let name = format!("fx_{}_{i}", rule.replace('-', "_"));
            if !compiles(&text, tmp.path(), &name) {
                continue; // not a std-only fixture
            }
            let outcome = lint(&Options {
                paths: vec![file.clone()],
                jobs: 1,
                ..Options::default()
            })
            .expect("valid options");
            let mut edits: Vec<(usize, usize, String)> = outcome
                .diagnostics
                .iter()
                .flat_map(|d| &d.suggestions)
                .filter(|s| s.applicability == Applicability::MachineApplicable)
                .flat_map(|s| &s.edits)
                .map(|e| {
                    (
                        e.span.start.offset,
                        e.span.end.offset,
                        e.replacement.clone(),
                    )
                })
                .collect();
            if edits.is_empty() {
                continue;
            }
            edits.sort();
            edits.dedup();
            let mut out = text.clone();
            let mut last = usize::MAX;
            for (start, end, rep) in edits.into_iter().rev() {
                if end > last {
                    continue; // overlapping: the fixer applies one of them
                }
                out.replace_range(start..end, &rep);
                last = start;
            }
            fixed += 1;
            if !compiles(&out, tmp.path(), &format!("{name}_fixed")) {
                failures.push(format!("{}:\n{out}", file.display()));
            }
        }
    }
    assert!(
        fixed >= 3,
        "expected std-only fixtures with fixes, found {fixed}"
    );
    assert!(
        failures.is_empty(),
        "fixed code does not compile:\n{}",
        failures.join("\n\n")
    );
}
