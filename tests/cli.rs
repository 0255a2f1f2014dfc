//! The command line as users run it: exit codes, broken input, formats.

mod common;

use common::{bin, run, write, CLEAN, HAZARD};
use serde_json::Value;
use std::path::Path;
use std::process::{Output, Stdio};

fn status(dir: &Path, args: &[&str]) -> Option<i32> {
    run(dir, args).status.code()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "clean.rs", CLEAN);
    assert_eq!(status(dir.path(), &["clean.rs"]), Some(0));
    write(dir.path(), "hazard.rs", HAZARD);
    assert_eq!(status(dir.path(), &["hazard.rs"]), Some(1));
    assert_eq!(
        run(dir.path(), &["--fail-on", "never", "hazard.rs"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(dir.path(), &["--fail-on", "error", "hazard.rs"])
            .status
            .code(),
        Some(1)
    );
    // A warning-level rule does not fail `--fail-on error`.
    write(
        dir.path(),
        "warn.rs",
        "use std::sync::Mutex;\nuse std::collections::HashSet;\npub struct S { seen: Mutex<HashSet<u32>> }\nimpl S {\n    pub fn add(&self, k: u32) {\n        if !self.seen.lock().unwrap().contains(&k) {\n            self.seen.lock().unwrap().insert(k);\n        }\n    }\n}\n",
    );
    let out = run(dir.path(), &["--format", "json", "warn.rs"]);
    assert_eq!(json(&out)["diagnostics"][0]["severity"], "warning");
    assert_eq!(
        run(dir.path(), &["--fail-on", "error", "warn.rs"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(status(dir.path(), &["warn.rs"]), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.rs", CLEAN);
    let out = run(dir.path(), &["--select", "no-such-rule", "a.rs"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-rule") && err.contains("atomic-load-store"),
        "{err}"
    );
    assert_eq!(status(dir.path(), &["--no-such-flag"]), Some(2));
    assert_eq!(status(dir.path(), &["--format", "xml", "a.rs"]), Some(2));
    assert_eq!(status(dir.path(), &["--jobs", "0", "a.rs"]), Some(2));
    assert_eq!(status(dir.path(), &["explain", "no-such-rule"]), Some(2));
}

#[test]
fn broken_inputs_are_reported_and_the_rest_still_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "src/good.rs", HAZARD);
    write(
        dir.path(),
        "src/broken.rs",
        "fn main() {\n    let x = ;\n}\n",
    );
    write(dir.path(), "src/latin1.rs", b"// caf\xe9\nfn f() {}\n");
    let out = run(dir.path(), &["--format", "json", "src", "missing_dir"]);
    assert_eq!(out.status.code(), Some(2));
    let doc = json(&out);
    assert_eq!(doc["summary"]["diagnostics"], 1, "good.rs is still linted");
    let errors = doc["errors"].as_array().expect("errors array");
    let files: Vec<&str> = errors
        .iter()
        .map(|e| e["file"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(files, ["missing_dir", "src/broken.rs", "src/latin1.rs"]);
    assert_eq!(
        errors[1]["span"]["start"]["line"], 2,
        "syntax error position"
    );
    assert!(errors[2]["message"]
        .as_str()
        .unwrap_or("")
        .contains("UTF-8"));
    // Human output names the file and the position too.
    let human = run(dir.path(), &["--color", "never", "src"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("src/broken.rs:2:"), "{text}");
    assert!(
        text.contains("src/latin1.rs") && text.contains("could not be analysed"),
        "{text}"
    );
}

#[test]
fn deep_nesting_and_huge_files_do_not_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let depth = 5000;
    let nested = format!(
        "pub fn f() -> i32 {{ {}1{} }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    write(dir.path(), "nested.rs", nested);
    let blocks = format!(
        "pub fn g() {{ {}{} }}\n",
        "{ ".repeat(depth),
        "} ".repeat(depth)
    );
    write(dir.path(), "blocks.rs", blocks);
    // Deeper than rmw-lint reads: a clear error for that file alone.
    let chain = format!("pub fn h() -> i32 {{ 1{} }}\n", " + 1".repeat(100_000));
    write(dir.path(), "chain.rs", chain);
    // Several megabytes of ordinary code, one hazard per function.
    let mut big = String::from("use std::sync::atomic::{AtomicUsize, Ordering};\n");
    for i in 0..20_000 {
        big.push_str(&format!(
            "static C{i}: AtomicUsize = AtomicUsize::new(0);\n/// Counts event {i}.\npub fn bump_{i}(extra: usize) -> usize {{\n    let before = C{i}.load(Ordering::Relaxed);\n    let doubled = extra * 2 + {i};\n    C{i}.store(before + doubled, Ordering::Relaxed);\n    before\n}}\n"
        ));
    }
    assert!(big.len() > 4_000_000);
    write(dir.path(), "big.rs", &big);
    let out = run(dir.path(), &["--format", "json", "."]);
    let doc = json(&out);
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", doc["errors"]);
    assert_eq!(errors[0]["file"], "chain.rs");
    assert!(errors[0]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("nesting deeper than")));
    assert_eq!(doc["summary"]["files"], 4);
    assert_eq!(doc["summary"]["diagnostics"], 20_000);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn stdin_with_a_file_name() {
    let mut child = bin()
        .args([
            "--format",
            "json",
            "--stdin-filename",
            "src/counter.rs",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(HAZARD.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["diagnostics"][0]["file"], "src/counter.rs");
}

#[test]
fn output_does_not_depend_on_jobs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let one = run(root, &["--format", "json", "--jobs", "1", "test-fixtures"]);
    let four = run(root, &["--format", "json", "--jobs", "4", "test-fixtures"]);
    assert_eq!(one.stdout, four.stdout);
    let doc = json(&one);
    let keys: Vec<(String, u64, u64, String)> = doc["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["span"]["start"]["line"].as_u64().unwrap_or(0),
                d["span"]["start"]["column"].as_u64().unwrap_or(0),
                d["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "sorted by file, line, column, rule");
}

#[test]
fn json_document_matches_the_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "src/hits.rs", HAZARD);
    let doc = json(&run(dir.path(), &["--format", "json", "src"]));
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "rmw-lint");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc["summary"],
        serde_json::json!({"files": 1, "diagnostics": 1, "errors": 0})
    );
    let d = &doc["diagnostics"][0];
    let mut keys: Vec<&str> = d
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "file",
            "fingerprint",
            "labels",
            "message",
            "notes",
            "rule",
            "severity",
            "span",
            "suggestions",
            "url"
        ]
    );
    assert_eq!(d["rule"], "atomic-load-store");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "src/hits.rs");
    // The primary span is the store call on line 4.
    let start = &d["span"]["start"];
    assert_eq!(
        (start["line"].as_u64(), start["column"].as_u64()),
        (Some(4), Some(5))
    );
    let offset = start["offset"].as_u64().expect("offset") as usize;
    let end = d["span"]["end"]["offset"].as_u64().expect("offset") as usize;
    assert_eq!(
        &HAZARD[offset..end],
        "HITS.store(HITS.load(Ordering::SeqCst) + 1, Ordering::SeqCst)"
    );
    assert_eq!(d["labels"][0]["span"]["start"]["line"], 4);
    assert!(d["notes"][0].is_string());
    let s = &d["suggestions"][0];
    assert_eq!(s["applicability"], "machine-applicable");
    assert_eq!(s["replacement_text"], "HITS.fetch_add(1, Ordering::SeqCst)");
    let edit = &s["edits"][0];
    assert_eq!(edit["replacement"], "HITS.fetch_add(1, Ordering::SeqCst)");
    assert_eq!(
        edit["span"]["start"]["offset"].as_u64(),
        Some(offset as u64)
    );
    assert!(d["fingerprint"].as_str().is_some_and(|f| f.len() == 32));
}

#[test]
fn fingerprint_survives_lines_added_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.rs", HAZARD);
    let before = json(&run(dir.path(), &["--format", "json", "a.rs"]));
    write(
        dir.path(),
        "a.rs",
        format!("// a comment\n\n// another\n{HAZARD}"),
    );
    let after = json(&run(dir.path(), &["--format", "json", "a.rs"]));
    assert_eq!(
        before["diagnostics"][0]["fingerprint"],
        after["diagnostics"][0]["fingerprint"]
    );
    assert_ne!(
        before["diagnostics"][0]["span"]["start"]["line"],
        after["diagnostics"][0]["span"]["start"]["line"]
    );
}

#[test]
fn test_code_is_skipped_unless_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = HAZARD.replace("pub fn hit()", "#[test]\nfn hit()");
    write(dir.path(), "t.rs", body);
    assert_eq!(status(dir.path(), &["t.rs"]), Some(0));
    assert_eq!(status(dir.path(), &["--include-tests", "t.rs"]), Some(1));
}

#[test]
fn walk_skips_target_and_ignored_files_but_not_named_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "target/debug/gen.rs", HAZARD);
    write(dir.path(), ".ignore", "skipped/\n");
    write(dir.path(), "skipped/x.rs", HAZARD);
    write(dir.path(), ".hidden/y.rs", HAZARD);
    write(dir.path(), "src/ok.rs", CLEAN);
    let doc = json(&run(dir.path(), &["--format", "json", "."]));
    assert_eq!(doc["summary"]["files"], 1);
    let named = json(&run(dir.path(), &["--format", "json", "skipped/x.rs"]));
    assert_eq!(
        named["summary"]["diagnostics"], 1,
        "a file named explicitly is always linted"
    );
}

#[test]
fn rules_explain_and_help() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(root, &["rules"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "atomic-load-store",
        "lock-check-then-act",
        "static-flag-lock",
        "static-mut-rmw",
    ] {
        assert!(text.contains(id), "{text}");
        let doc = run(root, &["explain", id]);
        assert_eq!(doc.status.code(), Some(0));
        let doc = String::from_utf8_lossy(&doc.stdout);
        for section in [
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Use instead",
            "## Known limits",
        ] {
            assert!(doc.contains(section), "{id} lacks {section}");
        }
    }
    let help = String::from_utf8_lossy(&run(root, &["--help"]).stdout).to_string();
    for flag in [
        "--format",
        "--color",
        "--select",
        "--ignore",
        "--fail-on",
        "--include-tests",
        "--jobs",
        "--quiet",
        "--statistics",
        "--stdin-filename",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn human_output_has_summary_statistics_and_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.rs", HAZARD);
    let out = run(dir.path(), &["--color", "never", "a.rs"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[atomic-load-store]"), "{text}");
    assert!(
        text.contains("= help:") && text.contains("HITS.fetch_add(1, Ordering::SeqCst)"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("1 error in 1 file (1 file checked)"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes with --color never"
    );
    let colored = run(dir.path(), &["--color", "always", "a.rs"]);
    assert!(String::from_utf8_lossy(&colored.stdout).contains('\u{1b}'));
    let quiet = run(dir.path(), &["--color", "never", "--quiet", "a.rs"]);
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("checked"));
    let stats = run(dir.path(), &["--color", "never", "--statistics", "a.rs"]);
    let stats = String::from_utf8_lossy(&stats.stdout);
    assert!(
        stats.contains("1  atomic-load-store") && !stats.contains("= help"),
        "{stats}"
    );
}

#[test]
fn sql_for_update_edit_lands_after_limit_inside_the_literal() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A `\` line continuation makes the literal's text differ from the
    // source: the edit must still land right after `LIMIT 1`.
    let src = "use sqlx::PgPool;\n\npub async fn reserve(pool: &PgPool, id: i64) -> anyhow::Result<()> {\n    let mut tx = pool.begin().await?;\n    let stock: i32 = sqlx::query_scalar(\"SELECT stock FROM items \\\n        WHERE id = $1 ORDER BY id LIMIT 1\")\n        .bind(id)\n        .fetch_one(&mut *tx)\n        .await?;\n    if stock > 0 {\n        sqlx::query(\"UPDATE items SET stock = stock - 1 WHERE id = $1\").bind(id).execute(&mut *tx).await?;\n    }\n    let note = \"update the stock\";\n    let broken = \"SELECT FROM WHERE\";\n    println!(\"{note} {broken}\");\n    tx.commit().await?;\n    Ok(())\n}\n";
    write(dir.path(), "shop.rs", src);
    let out = run(dir.path(), &["--format", "json", "shop.rs"]);
    let doc = json(&out);
    let diags = doc["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diags.len(), 1, "{doc}");
    assert_eq!(diags[0]["rule"], "select-then-update");
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));
    let edit = diags[0]["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .find(|s| s["applicability"] == "maybe-incorrect")
        .expect("a FOR UPDATE edit");
    let e = &edit["edits"][0];
    let at = e["span"]["start"]["offset"].as_u64().expect("offset") as usize;
    assert_eq!(e["replacement"], " FOR UPDATE");
    assert!(
        src[..at].ends_with("LIMIT 1"),
        "edit at {at}: {:?}",
        &src[at - 10..at]
    );
    assert_eq!(&src[at..at + 1], "\"");
}
