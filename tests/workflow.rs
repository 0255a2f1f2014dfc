//! How users adopt and run rmw-lint day to day: configuration files and
//! their errors, suppression comments, baselines, and `--fix` / `--diff`.

mod common;

use common::{bin, run, write, HAZARD, LOCKS};
use serde_json::Value;
use std::path::Path;
use std::process::{Output, Stdio};

/// A check-then-insert on MySQL or PostgreSQL, whichever the dialect says.
const SQL: &str = "pub async fn register(pool: &Pool, email: &str) -> anyhow::Result<()> {\n    \
let existing = sqlx::query(\"SELECT id FROM users WHERE email = ?\").bind(email).fetch_optional(pool).await?;\n    \
if existing.is_none() {\n        sqlx::query(\"INSERT INTO users (email) VALUES (?)\").bind(email).execute(pool).await?;\n    }\n    Ok(())\n}\n";

fn json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

fn rules_of(v: &Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read file")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---- configuration ---------------------------------------------------------

#[test]
fn rmw_lint_toml_sets_rules_fail_on_and_exclude() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "src/a.rs", HAZARD);
    write(d, "src/locks.rs", LOCKS);
    write(d, "src/generated/b.rs", HAZARD);
    write(
        d,
        "rmw-lint.toml",
        "exclude = [\"src/generated/\"]\nfail-on = \"error\"\n\n[rules]\nlock-check-then-act = \"off\"\n",
    );
    let (code, v) = json(d, &["src"]);
    assert_eq!(rules_of(&v), vec!["atomic-load-store"], "{v}");
    assert_eq!(v["diagnostics"][0]["file"], "src/a.rs");
    assert_eq!(v["summary"]["files"], 2, "the excluded file is not walked");
    assert_eq!(code, Some(1));
    // A file named on the command line is always linted, excluded or not.
    let (_, v) = json(d, &["src/generated/b.rs"]);
    assert_eq!(rules_of(&v), vec!["atomic-load-store"]);
    // `--select` names a rule the configuration turned off: it runs.
    let (_, v) = json(d, &["--select", "lock-check-then-act", "src"]);
    assert_eq!(rules_of(&v), vec!["lock-check-then-act"]);
    // fail-on = "error": a warning alone does not fail; --fail-on wins.
    std::fs::remove_file(d.join("src/a.rs")).expect("rm");
    write(
        d,
        "rmw-lint.toml",
        "fail-on = \"error\"\n[rules]\nunused-suppression = \"off\"\n",
    );
    assert_eq!(run(d, &["src/locks.rs"]).status.code(), Some(0));
    assert_eq!(
        run(d, &["--fail-on", "warning", "src/locks.rs"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn severities_and_dialect_come_from_the_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "locks.rs", LOCKS);
    write(d, "sql.rs", SQL);
    write(
        d,
        ".rmw-lint.toml",
        "dialect = \"mysql\"\n[rules]\nlock-check-then-act = \"error\"\ncheck-then-insert = \"note\"\n",
    );
    let (code, v) = json(d, &["."]);
    let sev: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default(),
                d["severity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        sev,
        vec![
            ("lock-check-then-act", "error"),
            ("check-then-insert", "note")
        ]
    );
    assert_eq!(code, Some(1));
    let text = v["diagnostics"][1]["suggestions"][0]["replacement_text"]
        .as_str()
        .expect("a rewrite");
    assert!(text.contains("INSERT IGNORE"), "the MySQL dialect: {text}");
    write(d, ".rmw-lint.toml", "dialect = \"sqlite\"\n");
    let (_, v) = json(d, &["sql.rs"]);
    let text = v["diagnostics"][0]["suggestions"][0]["replacement_text"]
        .as_str()
        .expect("a rewrite");
    assert!(text.contains("ON CONFLICT"), "the SQLite dialect: {text}");
}

#[test]
fn configuration_is_found_in_ancestors_and_cargo_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "ws/crates/app/src/a.rs", HAZARD);
    write(
        d,
        "ws/Cargo.toml",
        "[workspace]\nmembers = [\"crates/app\"]\n\n[workspace.metadata.rmw-lint]\n[workspace.metadata.rmw-lint.rules]\natomic-load-store = \"warning\"\n",
    );
    let app = d.join("ws/crates/app");
    let (_, v) = json(&app, &["src"]);
    assert_eq!(v["diagnostics"][0]["severity"], "warning", "{v}");
    // The package's own table, in the nearest Cargo.toml, wins.
    write(
        d,
        "ws/crates/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.rmw-lint.rules]\natomic-load-store = \"note\"\n",
    );
    let (_, v) = json(&app, &["src"]);
    assert_eq!(v["diagnostics"][0]["severity"], "note");
    // An rmw-lint.toml anywhere above wins over Cargo.toml metadata.
    write(
        d,
        "ws/rmw-lint.toml",
        "[rules]\natomic-load-store = \"off\"\n",
    );
    let (code, v) = json(&app, &["src"]);
    assert_eq!(rules_of(&v), Vec::<String>::new());
    assert_eq!(code, Some(0));
    // --config overrides discovery, for either kind of file.
    let (_, v) = json(&app, &["--config", "Cargo.toml", "src"]);
    assert_eq!(v["diagnostics"][0]["severity"], "note");
    write(
        d,
        "other.toml",
        "[rules]\natomic-load-store = \"warning\"\n",
    );
    let cfg = d.join("other.toml");
    let (_, v) = json(
        &app,
        &["--config", cfg.to_str().expect("utf-8 path"), "src"],
    );
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
}

#[test]
fn every_configuration_error_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.rs", HAZARD);
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "excludes = []\n",
            "rmw-lint.toml",
            &[
                "unknown key `excludes`",
                "valid keys: exclude, dialect, fail-on, rules",
            ],
        ),
        (
            "[rules]\natomic-load-stor = \"off\"\n",
            "rmw-lint.toml",
            &[
                "unknown rule `atomic-load-stor`",
                "valid rules:",
                "atomic-load-store",
            ],
        ),
        (
            "[rules]\natomic-load-store = \"fatal\"\n",
            "rmw-lint.toml",
            &[
                "invalid value `fatal` for `rules.atomic-load-store`",
                "valid values: error, warning, note, off",
            ],
        ),
        (
            "dialect = \"oracle\"\n",
            "rmw-lint.toml",
            &[
                "invalid value `oracle` for `dialect`",
                "auto, postgres, mysql, sqlite",
            ],
        ),
        (
            "fail-on = \"always\"\n",
            "rmw-lint.toml",
            &[
                "invalid value `always` for `fail-on`",
                "error, warning, note, never",
            ],
        ),
        (
            "exclude = \"gen\"\n",
            "rmw-lint.toml",
            &["`exclude` must be an array of glob strings"],
        ),
        (
            "exclude = [\"{a\"]\n",
            "rmw-lint.toml",
            &["invalid pattern `{a` in `exclude`"],
        ),
        (
            "rules = 3\n",
            "rmw-lint.toml",
            &["`rules` must be a table of rule ids"],
        ),
        ("dialect = \n", "rmw-lint.toml", &["not valid TOML"]),
        (
            "[package]\nname = \"x\"\n[package.metadata.rmw-lint]\nselect = []\n",
            "Cargo.toml",
            &[
                "Cargo.toml",
                "unknown key `package.metadata.rmw-lint.select`",
            ],
        ),
    ];
    for (text, name, wanted) in cases {
        let case = tempfile::tempdir().expect("tempdir");
        write(case.path(), "a.rs", HAZARD);
        write(case.path(), name, text);
        let out = run(case.path(), &["a.rs"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(name), "names the file: {err}");
        for w in *wanted {
            assert!(err.contains(w), "{text}: wanted `{w}` in: {err}");
        }
        assert!(
            out.stdout.is_empty(),
            "no diagnostics on a configuration error"
        );
    }
    // --config with a missing file, and with a Cargo.toml without a table.
    let out = run(d, &["--config", "missing.toml", "a.rs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml: cannot read the configuration"));
    write(
        d,
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    );
    let out = run(d, &["--config", "Cargo.toml", "a.rs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no `[package.metadata.rmw-lint]`"),
        "{}",
        stderr(&out)
    );
}

// ---- suppressions ----------------------------------------------------------

#[test]
fn suppressions_follow_the_rules_that_ran() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let text = HAZARD.replace(
        "    HITS.store",
        "    // rmw-lint: allow(atomic-load-store, lock-check-then-act) -- one writer\n    HITS.store",
    );
    write(d, "a.rs", &text);
    // The atomic finding is suppressed; the lock rule found nothing here.
    let (code, v) = json(d, &["a.rs"]);
    assert_eq!(rules_of(&v), vec!["unused-suppression"]);
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("`lock-check-then-act`"));
    assert_eq!(code, Some(0), "a note does not fail the run");
    // A rule that did not run cannot be judged.
    let (_, v) = json(d, &["--ignore", "lock-check-then-act", "a.rs"]);
    assert_eq!(rules_of(&v), Vec::<String>::new());
    // The note itself can be turned off.
    write(
        d,
        "rmw-lint.toml",
        "[rules]\nunused-suppression = \"off\"\n",
    );
    let (_, v) = json(d, &["a.rs"]);
    assert_eq!(rules_of(&v), Vec::<String>::new());
}

#[test]
fn fix_removes_a_suppression_that_matches_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let clean = "pub fn f(x: u32) -> u32 {\n    x + 1\n}\n";
    let stale = "pub fn f(x: u32) -> u32 {\n    // rmw-lint: allow(atomic-load-store) -- fixed long ago\n    x + 1\n}\n";
    write(d, "a.rs", stale);
    let out = run(d, &["--fix", "a.rs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(d, "a.rs"), clean);
    let trailing =
        "pub fn f(x: u32) -> u32 {\n    x + 1 // rmw-lint: allow(atomic-load-store)\n}\n";
    write(d, "a.rs", trailing);
    run(d, &["--fix", "a.rs"]);
    assert_eq!(read(d, "a.rs"), clean);
}

// ---- baselines -------------------------------------------------------------

#[test]
fn baseline_round_trip_survives_lines_inserted_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "src/a.rs", HAZARD);
    write(d, "src/locks.rs", LOCKS);
    let out = run(d, &["--write-baseline", "rmw-baseline.json", "src"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("recorded 2 findings in rmw-baseline.json"));
    // A readable, sorted file: rule, file, message and fingerprint.
    let doc: Value = serde_json::from_str(&read(d, "rmw-baseline.json")).expect("JSON");
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2);
    let files: Vec<&str> = findings
        .iter()
        .map(|f| f["file"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(files, vec!["src/a.rs", "src/locks.rs"]);
    for f in findings {
        for key in ["rule", "file", "message", "fingerprint"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        assert!(
            f.get("line").is_none(),
            "no line numbers: they change with every edit"
        );
    }
    // Everything known is left out.
    let (code, v) = json(d, &["--baseline", "rmw-baseline.json", "src"]);
    assert_eq!(rules_of(&v), Vec::<String>::new());
    assert_eq!(code, Some(0));
    // Lines added above the findings do not bring them back...
    write(d, "src/a.rs", format!("// a header\n\n/// docs\n{HAZARD}"));
    write(d, "src/locks.rs", format!("//! module docs\n\n{LOCKS}"));
    let out = run(d, &["--baseline", "rmw-baseline.json", "src"]);
    assert_eq!(out.status.code(), Some(0));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("2 findings left out by the baseline"),
        "{human}"
    );
    // ...but a new hazard is reported.
    let second = HAZARD.replace("HITS", "MISSES");
    write(d, "src/b.rs", second);
    let (code, v) = json(d, &["--baseline", "rmw-baseline.json", "src"]);
    assert_eq!(rules_of(&v), vec!["atomic-load-store"]);
    assert_eq!(v["diagnostics"][0]["file"], "src/b.rs");
    assert_eq!(code, Some(1));
    // A missing or broken baseline is a usage error.
    let out = run(d, &["--baseline", "nope.json", "src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.json: cannot read the baseline"));
    write(d, "broken.json", "{\"version\": 1}");
    let out = run(d, &["--baseline", "broken.json", "src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.json: not an rmw-lint baseline"));
}

// ---- fixes -----------------------------------------------------------------

#[cfg(unix)]
#[test]
fn fix_is_atomic_keeps_permissions_and_is_idempotent() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "src/a.rs", HAZARD);
    write(d, "src/locks.rs", LOCKS);
    std::fs::set_permissions(d.join("src/a.rs"), std::fs::Permissions::from_mode(0o640))
        .expect("chmod");
    std::os::unix::fs::symlink("a.rs", d.join("src/link.rs")).expect("symlink");
    let out = run(d, &["--fix", "src/a.rs", "src/locks.rs"]);
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("1 finding fixed"), "{human}");
    assert!(
        human.contains("1 warning"),
        "the lock finding remains: {human}"
    );
    assert_eq!(out.status.code(), Some(1));
    let fixed = read(d, "src/a.rs");
    assert!(
        fixed.contains("HITS.fetch_add(1, Ordering::SeqCst);"),
        "{fixed}"
    );
    assert!(!fixed.contains("HITS.load"));
    let mode = std::fs::metadata(d.join("src/a.rs"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640, "permissions kept");
    // No temporary file is left behind, and the link is still a link.
    let names: Vec<String> = std::fs::read_dir(d.join("src"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
    assert!(std::fs::symlink_metadata(d.join("src/link.rs"))
        .expect("lstat")
        .file_type()
        .is_symlink());
    // A second run changes nothing.
    let before_a = read(d, "src/a.rs");
    let before_l = read(d, "src/locks.rs");
    let out = run(d, &["--fix", "src"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("fixed"));
    assert_eq!(read(d, "src/a.rs"), before_a);
    assert_eq!(read(d, "src/locks.rs"), before_l);
    // Fixing through the link writes the file it points to.
    write(d, "src/a.rs", HAZARD);
    run(d, &["--fix", "src/link.rs"]);
    assert!(std::fs::symlink_metadata(d.join("src/link.rs"))
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert!(read(d, "src/a.rs").contains("fetch_add"));
}

#[test]
fn diff_prints_without_writing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.rs", HAZARD);
    let out = run(d, &["--diff", "a.rs"]);
    assert_eq!(out.status.code(), Some(1), "something to fix");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.starts_with("--- a/a.rs\n+++ b/a.rs\n@@ "), "{diff}");
    assert!(
        diff.contains("\n-    HITS.store(HITS.load(Ordering::SeqCst) + 1, Ordering::SeqCst);\n")
    );
    assert!(diff.contains("\n+    HITS.fetch_add(1, Ordering::SeqCst);\n"));
    assert!(stderr(&out).contains("1 finding in 1 file would be fixed"));
    assert_eq!(read(d, "a.rs"), HAZARD, "--diff writes nothing");
    run(d, &["--fix", "a.rs"]);
    let out = run(d, &["--diff", "a.rs"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn unsafe_fixes_apply_maybe_incorrect_edits_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let src = "use sqlx::PgPool;\n\npub async fn reserve(pool: &PgPool, id: i64) -> anyhow::Result<()> {\n    let mut tx = pool.begin().await?;\n    let stock: i32 = sqlx::query_scalar(\"SELECT stock FROM items WHERE id = $1\")\n        .bind(id)\n        .fetch_one(&mut *tx)\n        .await?;\n    if stock > 0 {\n        sqlx::query(\"UPDATE items SET stock = $2 WHERE id = $1\").bind(id).bind(stock - 1).execute(&mut *tx).await?;\n    }\n    tx.commit().await?;\n    Ok(())\n}\n";
    write(d, "a.rs", src);
    run(d, &["--fix", "a.rs"]);
    assert_eq!(
        read(d, "a.rs"),
        src,
        "a maybe-incorrect edit needs --unsafe-fixes"
    );
    let out = run(d, &["--fix", "--unsafe-fixes", "a.rs"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 finding fixed"));
    let fixed = read(d, "a.rs");
    assert!(
        fixed.contains("\"SELECT stock FROM items WHERE id = $1 FOR UPDATE\""),
        "{fixed}"
    );
    let out = run(d, &["--fix", "--unsafe-fixes", "a.rs"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(read(d, "a.rs"), fixed, "idempotent");
}

#[test]
fn fix_on_standard_input_prints_the_fixed_text() {
    let mut child = bin()
        .args(["--fix", "-", "--stdin-filename", "src/a.rs"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(HAZARD.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("HITS.fetch_add(1, Ordering::SeqCst);"),
        "{text}"
    );
    assert!(text.starts_with("use std::sync::atomic"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_fix_that_would_not_parse_leaves_the_file_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.rs", HAZARD);
    let path = d.join("a.rs");
    let opts = rmw_lint::Options {
        paths: vec![path.clone()],
        jobs: 1,
        ..Default::default()
    };
    let settings = rmw_lint::Settings::new(&opts).expect("settings");
    let mut outcome = rmw_lint::lint_with(&opts, &settings).expect("lint");
    assert_eq!(outcome.diagnostics.len(), 1);
    // Break the suggestion's edit, as a buggy rule might.
    outcome.diagnostics[0].suggestions[0].edits[0].replacement = "HITS.fetch_add(1, ((".into();
    let mode = rmw_lint::fix::FixMode {
        unsafe_fixes: false,
        write: true,
    };
    let report = rmw_lint::fix::run(&mut outcome, &settings, None, mode);
    assert_eq!(report.fixed, 0);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), HAZARD);
    assert_eq!(outcome.errors.len(), 1);
    assert!(outcome.errors[0].message.contains("left unchanged"));
    assert_eq!(
        outcome.diagnostics.len(),
        1,
        "the finding is still reported"
    );
}

#[test]
fn fix_keeps_a_receiver_split_over_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let src = "use std::sync::atomic::{AtomicUsize, Ordering};\npub struct Inner { back: AtomicUsize }\npub struct Q { inner: Inner }\nimpl Q {\n    pub fn push(&self, n: usize) {\n        let b = self.inner.back.load(Ordering::Relaxed);\n        self.inner\n            .back\n            .store(b.wrapping_add(n), Ordering::Release);\n    }\n}\n";
    write(d, "q.rs", src);
    let out = run(d, &["--fix", "q.rs"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 finding fixed"));
    let fixed = read(d, "q.rs");
    assert!(
        fixed.contains("        self.inner\n            .back\n            .fetch_add(n, Ordering::Release);\n"),
        "{fixed}"
    );
}
