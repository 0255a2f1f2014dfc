//! Untrusted and careless input: each test reproduces one way the tool was
//! made to read outside the crate, hang, abort, blow up its output, or break
//! code with `--fix`, and checks that it no longer does.

mod common;

use common::{bin, run, write};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

fn json(dir: &Path, args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(dir, &all);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code())
}

const QUERY_FILE: &str = "pub async fn pay(pool: &sqlx::PgPool, id: i64) -> anyhow::Result<()> {\n    let row = sqlx::query_file!(\"PATH\", id).fetch_one(pool).await?;\n    let balance = row.balance - 10;\n    sqlx::query!(\"UPDATE accounts SET balance = $1 WHERE id = $2\", balance, id).execute(pool).await?;\n    Ok(())\n}\n";

#[test]
fn query_file_reads_only_regular_files_inside_the_crate() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "secret.sql",
        "SELECT balance FROM accounts WHERE id = $1 -- TOKEN=hunter2",
    );
    write(
        dir.path(),
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        dir.path(),
        "app/q/get.sql",
        "SELECT balance FROM accounts WHERE id = $1",
    );
    // Inside the crate: read, and the finding fires.
    write(
        dir.path(),
        "app/src/ok.rs",
        QUERY_FILE.replace("PATH", "q/get.sql"),
    );
    let (v, code) = json(dir.path(), &["app/src/ok.rs"]);
    assert_eq!(v["diagnostics"][0]["rule"], "select-then-update", "{v:#}");
    assert_eq!(code, Some(1));
    let secret = std::fs::canonicalize(dir.path().join("secret.sql")).unwrap();
    let fifo = dir.path().join("app/q/pipe.sql");
    let _ = std::process::Command::new("mkfifo").arg(&fifo).status();
    for path in [
        "../secret.sql",
        secret.to_str().unwrap(),
        "/dev/zero",
        "/proc/self/environ",
        "q/pipe.sql",
        "q",
    ] {
        write(
            dir.path(),
            "app/src/bad.rs",
            QUERY_FILE.replace("PATH", path),
        );
        let start = Instant::now();
        let (v, code) = json(dir.path(), &["app/src/bad.rs"]);
        assert!(start.elapsed() < Duration::from_secs(20), "{path} blocked");
        let text = v.to_string();
        assert!(!text.contains("hunter2"), "{path}: {text}");
        assert_eq!(
            v["diagnostics"].as_array().unwrap().len(),
            0,
            "{path}: {v:#}"
        );
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{path}: {v:#}");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.contains("query_file!") && message.contains("not read"),
            "{message}"
        );
        assert_eq!(errors[0]["span"]["start"]["line"], 2);
        assert_eq!(code, Some(2));
    }
}
