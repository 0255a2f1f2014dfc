//! The command-line conventions users bring from ruff and clippy:
//! `--format concise` / `--output-format`, `--exit-zero`, shell
//! completions, `--add-suppressions`, `per-file-ignores`, configuration
//! found next to each file, the baseline warning, progress only on a
//! terminal, and `explain` rendered for one.

mod common;

use common::{bin, run, write, CLEAN, HAZARD, LOCKS};
use std::path::Path;
use std::process::Command;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn concise_prints_one_line_per_finding_under_either_flag_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.rs", HAZARD);
    write(dir.path(), "locks.rs", LOCKS);
    write(dir.path(), "broken.rs", "fn f( {\n");
    let out = run(dir.path(), &["--format", "concise", "."]);
    assert_eq!(out.status.code(), Some(2), "a file could not be parsed");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "a.rs:4:5: atomic-load-store `HITS` is loaded, then written back with `store` in a separate step"
    );
    assert!(
        lines[1].starts_with("locks.rs:7:13: lock-check-then-act "),
        "{text}"
    );
    assert!(lines[2].starts_with("broken.rs:1:"), "{text}");
    assert!(
        lines[2].contains(": error: could not parse this file"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("1 error, 1 warning in 2 files (3 files checked)"),
        "{text}"
    );
    assert_eq!(lines.len(), 4, "{text}");

    let alias = run(dir.path(), &["--output-format", "concise", "."]);
    assert_eq!(stdout(&alias), text);
    let quiet = run(dir.path(), &["--output-format=concise", "-q", "a.rs"]);
    assert_eq!(stdout(&quiet).lines().count(), 1);
    assert!(
        stderr(&quiet).is_empty(),
        "no progress bar on a pipe: {}",
        stderr(&quiet)
    );
}

#[test]
fn exit_zero_reports_findings_but_keeps_errors_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.rs", HAZARD);
    let out = run(dir.path(), &["--exit-zero", "a.rs"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("error[atomic-load-store]"));
    let diff = run(dir.path(), &["--exit-zero", "--diff", "a.rs"]);
    assert_eq!(diff.status.code(), Some(0));
    assert!(stdout(&diff).contains("+    HITS.fetch_add(1, Ordering::SeqCst);"));
    write(dir.path(), "broken.rs", "fn f( {\n");
    assert_eq!(
        run(dir.path(), &["--exit-zero", "."]).status.code(),
        Some(2)
    );
}

#[test]
fn completions_are_generated_for_each_shell_and_work_in_bash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(root, &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(script.contains("rmw-lint"), "{shell}");
        assert!(script.contains("output-format"), "{shell}: {script}");
    }
    assert_eq!(run(root, &["completions", "tcsh"]).status.code(), Some(2));
    // Source the bash script and complete as bash would.
    let script = stdout(&run(root, &["completions", "bash"]));
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "rmw-lint.bash", &script);
    let probe = r#"
source ./rmw-lint.bash
f=$(complete -p rmw-lint | sed -E 's/.* -F ([^ ]+) .*/\1/')
COMP_WORDS=(rmw-lint --format ''); COMP_CWORD=2; $f rmw-lint '' --format; echo "formats: ${COMPREPLY[*]}"
COMP_WORDS=(rmw-lint comp); COMP_CWORD=1; $f rmw-lint comp rmw-lint; echo "subcommands: ${COMPREPLY[*]}"
"#;
    let out = Command::new("bash")
        .arg("-c")
        .arg(probe)
        .current_dir(dir.path())
        .output()
        .expect("bash runs");
    let text = stdout(&out);
    assert!(
        text.contains("formats: human concise json sarif github rustc-json"),
        "{text}{}",
        stderr(&out)
    );
    assert!(text.contains("subcommands: completions"), "{text}");
}

#[test]
fn add_suppressions_silences_every_finding_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.rs", HAZARD);
    write(dir.path(), "clean.rs", CLEAN);
    let out = run(dir.path(), &["--add-suppressions", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("added 1 suppression comment in 1 file"));
    let text = std::fs::read_to_string(dir.path().join("a.rs")).expect("read");
    assert_eq!(
        text,
        HAZARD.replace(
            "    HITS.store",
            "    // rmw-lint: allow(atomic-load-store) -- TODO: say why this is safe\n    HITS.store"
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("clean.rs")).expect("read"),
        CLEAN
    );
    let again = run(dir.path(), &["."]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).contains("no hazards found"));
    let twice = run(dir.path(), &["--add-suppressions", "."]);
    assert!(stderr(&twice).contains("added 0 suppression comments in 0 files"));
    // Standard input comes back on standard output.
    let mut child = bin()
        .args(["--add-suppressions", "-", "--stdin-filename", "s.rs"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), HAZARD.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(stdout(&out).contains("// rmw-lint: allow(atomic-load-store)"));
    assert!(
        run(dir.path(), &["--add-suppressions", "--fix", "."])
            .status
            .code()
            == Some(2)
    );
}

#[test]
fn per_file_ignores_leave_rules_out_for_matching_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "rmw-lint.toml",
        "[per-file-ignores]\n\"legacy/**\" = [\"atomic-load-store\"]\n\"*_gen.rs\" = [\"lock-check-then-act\"]\n",
    );
    write(dir.path(), "legacy/old/a.rs", HAZARD);
    write(dir.path(), "src/a.rs", HAZARD);
    write(dir.path(), "src/locks_gen.rs", LOCKS);
    write(dir.path(), "src/locks.rs", LOCKS);
    let out = run(dir.path(), &["--format", "concise", "-q", "."]);
    let text = stdout(&out);
    let files: Vec<&str> = text.lines().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(files, ["src/a.rs", "src/locks.rs"], "{text}");
    // Run from a subdirectory, the same configuration applies.
    let sub = run(
        &dir.path().join("legacy"),
        &["--format", "concise", "-q", "."],
    );
    assert!(stdout(&sub).is_empty(), "{}", stdout(&sub));

    write(
        dir.path(),
        "rmw-lint.toml",
        "[per-file-ignores]\n\"x.rs\" = [\"no-such-rule\"]\n",
    );
    let bad = run(dir.path(), &["."]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad)
            .contains("rmw-lint.toml: `per-file-ignores.\"x.rs\"` unknown rule `no-such-rule`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn each_file_uses_the_configuration_nearest_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "rmw-lint.toml",
        "[rules]\natomic-load-store = \"warning\"\n",
    );
    write(root, "a.rs", HAZARD);
    write(
        root,
        "member/Cargo.toml",
        "[package]\nname = \"member\"\nversion = \"0.1.0\"\n\n[package.metadata.rmw-lint.rules]\natomic-load-store = \"off\"\n",
    );
    write(root, "member/src/lib.rs", HAZARD);
    write(
        root,
        "other/rmw-lint.toml",
        "[rules]\natomic-load-store = \"note\"\n",
    );
    write(root, "other/b.rs", HAZARD);
    let out = run(root, &["--format", "json", "."]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let got: Vec<(String, String)> = doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_string(),
                d["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // The root's rmw-lint.toml is nearer to member/ than the member's
    // manifest metadata, as when running inside member/ (rmw-lint.toml
    // files come first); other/ has its own.
    assert_eq!(
        got,
        [
            ("a.rs".to_string(), "warning".to_string()),
            ("member/src/lib.rs".to_string(), "warning".to_string()),
            ("other/b.rs".to_string(), "note".to_string()),
        ]
    );
    // `--config` applies one file to every input.
    let one = run(
        root,
        &[
            "--format",
            "concise",
            "-q",
            "--config",
            "rmw-lint.toml",
            ".",
        ],
    );
    assert_eq!(stdout(&one).lines().count(), 3);
    let all_warnings = run(
        root,
        &["--config", "rmw-lint.toml", "--fail-on", "error", "."],
    );
    assert_eq!(all_warnings.status.code(), Some(0));
    // Without the root's file, the member's metadata turns the rule off
    // for its files only.
    std::fs::remove_file(root.join("rmw-lint.toml")).expect("rm");
    let out = run(root, &["--format", "concise", "-q", "."]);
    let files: Vec<String> = stdout(&out)
        .lines()
        .filter_map(|l| l.split(':').next().map(str::to_string))
        .collect();
    assert_eq!(files, ["a.rs", "other/b.rs"]);
}

#[test]
fn a_baseline_from_another_directory_is_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app");
    write(&app, "a.rs", HAZARD);
    let wrote = run(&app, &["--write-baseline", "base.json", "."]);
    assert_eq!(wrote.status.code(), Some(0), "{}", stderr(&wrote));
    let here = run(&app, &["--baseline", "base.json", "."]);
    assert_eq!(here.status.code(), Some(0));
    assert!(!stderr(&here).contains("warning"), "{}", stderr(&here));
    // From the parent, `app/a.rs` is not the recorded `a.rs`.
    let parent = run(dir.path(), &["--baseline", "app/base.json", "app"]);
    assert_eq!(parent.status.code(), Some(1));
    let err = stderr(&parent);
    assert!(
        err.contains("warning: the baseline app/base.json matched no finding: it records 1 finding but none of its files exists from this directory (e.g. `a.rs`)"),
        "{err}"
    );
    // Fixed findings are not a mistake: no warning.
    write(&app, "a.rs", CLEAN);
    let fixed = run(&app, &["--baseline", "base.json", "."]);
    assert!(stderr(&fixed).is_empty(), "{}", stderr(&fixed));
}

/// Runs `line` under a pseudo-terminal (util-linux `script`), as a user at
/// a terminal would.
fn on_terminal(dir: &Path, line: &str) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("RMW_LINT_REQUIRE_TOOLS").is_none(),
            "script (util-linux) is required (RMW_LINT_REQUIRE_TOOLS is set)"
        );
        eprintln!("skipped: `script` is not installed");
        return None;
    }
    let out = Command::new("script")
        .args(["-qec", line, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .expect("script runs");
    Some(stdout(&out))
}

#[test]
fn explain_renders_markdown_on_a_terminal_and_keeps_it_in_a_pipe() {
    let bin = env!("CARGO_BIN_EXE_rmw-lint");
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(text) = on_terminal(dir.path(), &format!("{bin} explain static-mut-rmw")) else {
        return;
    };
    assert!(
        text.contains("\x1b[1m\x1b[4mstatic-mut-rmw\x1b[0m"),
        "{text:?}"
    );
    assert!(text.contains("\x1b[1mWhat it does\x1b[0m"), "{text:?}");
    assert!(!text.contains("## "), "headings are rendered");
    assert!(!text.contains("```"), "code fences are rendered");
    let plain = on_terminal(
        dir.path(),
        &format!("NO_COLOR=1 {bin} explain static-mut-rmw"),
    )
    .expect("script ran before");
    assert!(plain.contains("What it does\r\n------------"), "{plain:?}");
    assert!(!plain.contains('\x1b'));
    let piped = run(dir.path(), &["explain", "static-mut-rmw"]);
    assert!(stdout(&piped).starts_with("# static-mut-rmw\n"));
}

#[test]
fn cargo_subcommand_lints_the_workspace_packages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n",
    );
    for m in ["a", "b", "skip"] {
        write(
            root,
            &format!("crates/{m}/Cargo.toml"),
            format!("[package]\nname = \"{m}\"\nversion = \"0.1.0\"\n"),
        );
        write(root, &format!("crates/{m}/src/lib.rs"), HAZARD);
    }
    write(root, "scratch/notes.rs", HAZARD);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["rmw-lint", "--format", "concise", "-q"])
        .current_dir(root.join("crates/b"))
        .env("PATH", common::path_with_binary())
        .output()
        .expect("cargo runs");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    let files: Vec<&str> = text.lines().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(files, ["../a/src/lib.rs", "src/lib.rs"], "{text}");
    // Paths given explicitly are linted as given.
    let one = Command::new(env!("CARGO_BIN_EXE_cargo-rmw-lint"))
        .args(["rmw-lint", "--format", "concise", "-q", "../../scratch"])
        .current_dir(root.join("crates/b"))
        .output()
        .expect("runs");
    assert_eq!(stdout(&one).lines().count(), 1, "{}", stdout(&one));
    // Outside any cargo project it says what to do.
    let none = tempfile::tempdir().expect("tempdir");
    let lost = Command::new(env!("CARGO_BIN_EXE_cargo-rmw-lint"))
        .arg("rmw-lint")
        .current_dir(none.path())
        .output()
        .expect("runs");
    assert_eq!(lost.status.code(), Some(2));
    assert!(stderr(&lost).contains("no Cargo.toml"), "{}", stderr(&lost));
}
