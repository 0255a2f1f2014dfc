//! Untrusted and careless input: each test reproduces one way the tool was
//! made to read outside the crate, hang, abort, blow up its output, or break
//! code with `--fix`, and checks that it no longer does.

mod common;

use common::{run, write};
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

/// Every shape of deep nesting the parser, the lowering or a drop would
/// recurse on, a million levels deep: a clear error for that file, the
/// other files still reported, well within five seconds, no abort.
#[test]
fn nesting_a_million_deep_is_a_clear_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let n = 1_000_000;
    let shapes = [
        (
            "braces.rs",
            format!("fn f() {}{}\n", "{".repeat(n), "}".repeat(n)),
        ),
        (
            "parens.rs",
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "assign.rs",
            format!("fn f() {{ {}1; }}\n", "C = ".repeat(n)),
        ),
        (
            "unary.rs",
            format!("fn f() {{ let x = {}1; }}\n", "-".repeat(n)),
        ),
        (
            "vec.rs",
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "vec![".repeat(n),
                "]".repeat(n)
            ),
        ),
        (
            "elseif.rs",
            format!(
                "fn f(x: i32) {{ if x == 0 {{}} {} }}\n",
                "else if x == 1 {} ".repeat(n / 10)
            ),
        ),
        (
            "closures.rs",
            format!("fn f() {{ let g = {}1; }}\n", "|| ".repeat(n)),
        ),
        (
            "ors.rs",
            format!("fn f() -> u32 {{ 1{} }}\n", " | 1".repeat(n)),
        ),
    ];
    for (name, text) in &shapes {
        write(dir.path(), name, text);
    }
    write(dir.path(), "z_hazard.rs", common::HAZARD);
    let start = Instant::now();
    let (v, code) = json(dir.path(), &["."]);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(code, Some(2));
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), shapes.len(), "{:#}", v["errors"]);
    for e in errors {
        let m = e["message"].as_str().unwrap();
        assert!(
            m.starts_with("nesting deeper than 10000 levels; not analysed"),
            "{m}"
        );
        assert!(e["span"]["start"]["line"].is_number());
    }
    assert_eq!(v["diagnostics"][0]["file"], "z_hazard.rs");
}

#[test]
fn jobs_are_clamped_and_absurd_counts_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", common::HAZARD);
    for bad in ["0", "99999", "-1", "many"] {
        let out = run(dir.path(), &["--jobs", bad, "a.rs"]);
        assert_eq!(out.status.code(), Some(2), "--jobs {bad}");
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("jobs") || bad == "-1" || bad == "many"
        );
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let many = (cores * 4 + 1).to_string();
    let start = Instant::now();
    let out = run(dir.path(), &["--jobs", &many, "a.rs"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "note: --jobs {many} is more than four threads per core; using {}",
            cores * 4
        )),
        "{err}"
    );
}

/// Nested macros used to be parsed again at every level (quadratic): now
/// the macro text parsed per file is bounded by a multiple of its size.
#[test]
fn nested_macros_take_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let k = 3000;
    write(
        dir.path(),
        "vec.rs",
        format!(
            "fn f() {{ let x = {}1{}; }}\n",
            "vec![".repeat(k),
            "]".repeat(k)
        ),
    );
    write(
        dir.path(),
        "format.rs",
        format!(
            "fn f() {{ let x = {}1{}; }}\n",
            "format!(\"{}\", ".repeat(1800),
            ")".repeat(1800)
        ),
    );
    let start = Instant::now();
    let (v, code) = json(dir.path(), &["."]);
    let took = start.elapsed();
    assert_eq!(code, Some(0), "{v:#}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[cfg(unix)]
#[test]
fn named_inputs_that_are_not_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", common::CLEAN);
    let fifo = dir.path().join("pipe.rs");
    let _ = std::process::Command::new("mkfifo").arg(&fifo).status();
    for input in ["/dev/null", "/dev/zero", "pipe.rs"] {
        let start = Instant::now();
        let (v, code) = json(dir.path(), &[input, "a.rs"]);
        assert!(start.elapsed() < Duration::from_secs(10), "{input} blocked");
        assert_eq!(code, Some(2), "{input}: {v:#}");
        assert_eq!(v["errors"][0]["file"], input);
        assert!(v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a regular file"));
        assert_eq!(v["summary"]["files"], 1);
    }
}

/// `/// rmw-lint: allow(…)` is documentation: it suppresses nothing and
/// `--fix` never deletes it.
#[test]
fn doc_comments_are_not_suppressions_and_survive_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = common::HAZARD.replace(
        "pub fn hit()",
        "/// rmw-lint: allow(atomic-load-store)\npub fn hit()",
    );
    write(dir.path(), "a.rs", &text);
    let (v, code) = json(dir.path(), &["a.rs"]);
    assert_eq!(code, Some(1));
    assert_eq!(v["diagnostics"][0]["rule"], "atomic-load-store", "{v:#}");
    let out = run(dir.path(), &["--fix", "a.rs"]);
    assert_eq!(out.status.code(), Some(0));
    let fixed = std::fs::read_to_string(dir.path().join("a.rs")).unwrap();
    assert!(
        fixed.contains("/// rmw-lint: allow(atomic-load-store)\npub fn hit()"),
        "{fixed}"
    );
    assert!(fixed.contains("fetch_add"), "{fixed}");
}

/// A small deterministic generator, so a failure names a reproducible seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// One mutant of `text`: a byte range deleted, duplicated or overwritten
/// with Rust punctuation, or a deep bracket run inserted.
fn mutate(text: &[u8], rng: &mut Lcg) -> Vec<u8> {
    let mut out = text.to_vec();
    for _ in 0..1 + rng.next() % 3 {
        if out.is_empty() {
            break;
        }
        let a = rng.next() % out.len();
        let b = (a + rng.next() % 40).min(out.len());
        match rng.next() % 5 {
            0 => {
                out.drain(a..b);
            }
            1 => {
                let piece = out[a..b].to_vec();
                out.splice(a..a, piece);
            }
            2 => {
                let tokens: [&[u8]; 12] = [
                    b"{", b"}", b"(", b")", b"\"", b"'", b"/*", b"//", b"r#\"", b";", b"=", b"\xff",
                ];
                let t = tokens[rng.next() % tokens.len()];
                out.splice(a..a, t.iter().copied());
            }
            3 => {
                let run = "(".repeat(rng.next() % 20_000);
                out.splice(a..a, run.bytes());
            }
            _ => {
                for byte in &mut out[a..b] {
                    *byte = b"{}()[];,.=!&|<>'\" \nxX1"[rng.next() % 22];
                }
            }
        }
    }
    out
}

/// Mutated fixtures never panic: each mutant gives diagnostics or a clear
/// file error, never an internal error.
#[test]
fn mutated_fixtures_never_panic() {
    let settings = rmw_lint::Settings::new(&rmw_lint::Options::default()).unwrap();
    let krate = rmw_lint::edition::CrateInfo::default();
    let mut files = Vec::new();
    for dir in std::fs::read_dir(common::repo_root().join("test-fixtures")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|x| x == "rs") {
                files.push(std::fs::read(&p).unwrap());
            }
        }
    }
    assert!(files.len() > 20);
    let mut rng = Lcg(0x5eed);
    let mut analysed = 0;
    for round in 0..400 {
        let seed = rng.0;
        let text = mutate(&files[round % files.len()], &mut rng);
        let r = rmw_lint::analyze_bytes("mutant.rs", text, &krate, &settings);
        if let Some(e) = &r.error {
            assert!(
                !e.message.contains("internal error"),
                "seed {seed:#x}: {}",
                e.message
            );
        } else {
            analysed += 1;
        }
    }
    assert!(analysed > 20, "{analysed}");
}
