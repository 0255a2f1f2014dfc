//! The setups README.md tells users to paste, run as written: the
//! rust-analyzer / VS Code `overrideCommand`, the GitHub Actions and GitLab
//! CI steps, and the nvim-lint linter. Each test reads its snippet from the
//! README (the code block after `<!-- setup:NAME -->`), so the README cannot
//! drift from what works. The pre-commit setup is exercised by
//! `ci/pre-commit-test.sh` (it needs PyPI and a release build).

mod common;

use common::{assert_valid_sarif, path_with_binary, repo_root, sarif_validator, HAZARD};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn snippet(name: &str) -> String {
    common::readme_snippet(name)
}

/// A scratch crate with one hazard and one compiler warning.
fn scratch_crate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("src")).expect("mkdir");
    std::fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .expect("write");
    std::fs::write(
        d.join("src/lib.rs"),
        format!("{HAZARD}\npub fn unused() {{\n    let spare = 1;\n}}\n"),
    )
    .expect("write");
    dir
}

fn shell(dir: &Path, line: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .env_remove("NO_COLOR")
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("sh runs")
}

/// The values of `key:` entries of a YAML block (`run:`, list items of
/// `script:`), in order, leaving out the install step this test replaces.
fn yaml_commands(block: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_list = false;
    for line in block.lines() {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t);
        if let Some(v) = t.strip_prefix(&format!("{key}:")) {
            let v = v.trim();
            in_list = v.is_empty();
            if !v.is_empty() {
                out.push(v.to_string());
            }
            continue;
        }
        if in_list {
            match line.trim_start().strip_prefix("- ") {
                Some(v) => out.push(v.trim().to_string()),
                None => in_list = false,
            }
        }
    }
    out.retain(|c| !c.starts_with("cargo install"));
    out
}

/// rust-analyzer reads each line as a cargo message, or failing that as a
/// bare rustc diagnostic.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum FlycheckLine {
    Cargo(Box<cargo_metadata::Message>),
    Rustc(Box<cargo_metadata::diagnostic::Diagnostic>),
}

#[test]
fn rust_analyzer_override_command_from_vscode_settings() {
    let settings: Value = serde_json::from_str(&snippet("vscode")).expect("settings.json is JSON");
    let command: Vec<String> = settings["rust-analyzer.check.overrideCommand"]
        .as_array()
        .expect("overrideCommand is an array")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect();
    let dir = scratch_crate();
    let out = Command::new(&command[0])
        .args(&command[1..])
        .current_dir(dir.path())
        .env("PATH", path_with_binary())
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .output()
        .expect("the override command runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let (mut compiler, mut ours) = (0, Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<FlycheckLine>(line) {
            Ok(FlycheckLine::Cargo(m)) => {
                if let cargo_metadata::Message::CompilerMessage(m) = *m {
                    assert!(m.message.message.contains("unused variable"), "{line}");
                    compiler += 1;
                }
            }
            Ok(FlycheckLine::Rustc(d)) => ours.push(*d),
            Err(e) => panic!("rust-analyzer cannot read this line ({e}): {line}"),
        }
    }
    // Once per target (`--all-targets`: the library and its tests).
    assert!(compiler >= 1, "cargo check's own warning is still there");
    assert_eq!(ours.len(), 1, "{text}");
    let d = &ours[0];
    assert_eq!(
        d.code.as_ref().map(|c| c.code.as_str()),
        Some("rmw-lint::atomic-load-store")
    );
    assert_eq!(d.spans[0].file_name, "src/lib.rs");
    assert_eq!(d.spans[0].line_start, 4);
    let quick_fix = d
        .children
        .iter()
        .flat_map(|c| &c.spans)
        .find_map(|s| s.suggested_replacement.clone());
    assert_eq!(
        quick_fix.as_deref(),
        Some("HITS.fetch_add(1, Ordering::SeqCst)")
    );
    // The Neovim lspconfig setup passes the same command.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!("'{}'", command[2])),
        "the Neovim snippet runs the same command"
    );
}

#[test]
fn github_actions_steps_annotate_and_write_sarif_for_code_scanning() {
    let workflow = snippet("github-actions");
    let steps = yaml_commands(&workflow, "run");
    assert_eq!(steps.len(), 2, "{steps:?}");
    let dir = scratch_crate();
    let d = dir.path();
    let annotate = shell(d, &steps[0]);
    assert_eq!(annotate.status.code(), Some(1), "a finding fails the step");
    let log = String::from_utf8_lossy(&annotate.stdout);
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].starts_with("::error file=src/lib.rs,line=4,endLine=4,col=5,"),
        "{log}"
    );
    assert!(
        lines[0].contains("title=rmw-lint (atomic-load-store)::"),
        "{log}"
    );
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("rmw-lint: 1 error")),
        "{log}"
    );
    let sarif_step = shell(d, &steps[1]);
    assert_eq!(
        sarif_step.status.code(),
        Some(0),
        "the SARIF step runs to the end"
    );
    let uploaded = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("sarif_file:"))
        .expect("upload-sarif names the file")
        .trim();
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join(uploaded)).expect("the step wrote the uploaded file"),
    )
    .expect("SARIF is JSON");
    assert_valid_sarif(&sarif_validator(), &log, "the workflow's SARIF");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/lib.rs"
    );
}

#[test]
fn gitlab_job_fails_on_findings_and_keeps_the_sarif_artifact() {
    let job = snippet("gitlab");
    let script = yaml_commands(&job, "script");
    assert_eq!(script.len(), 2, "{script:?}");
    let dir = scratch_crate();
    let d = dir.path();
    let first = shell(d, &script[0]);
    assert_eq!(first.status.code(), Some(0));
    let second = shell(d, &script[1]);
    assert_eq!(
        second.status.code(),
        Some(1),
        "the job fails on the finding"
    );
    let log = String::from_utf8_lossy(&second.stdout);
    assert!(log.contains("atomic-load-store"), "{log}");
    assert!(log.contains("\u{1b}["), "coloured for the job log");
    let artifact = job
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("paths:"))
        .nth(1)
        .and_then(|l| l.trim().strip_prefix("- "))
        .expect("an artifact path");
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join(artifact)).expect("the artifact exists"),
    )
    .expect("SARIF is JSON");
    assert_valid_sarif(&sarif_validator(), &log, "the job's SARIF");
}

#[test]
fn nvim_lint_linter_reads_findings_into_neovim_diagnostics() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("RMW_LINT_REQUIRE_TOOLS").is_none(),
            "nvim is required (RMW_LINT_REQUIRE_TOOLS is set)"
        );
        eprintln!("skipped: nvim is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("linter.lua"), snippet("nvim-lint")).expect("write");
    // A non-ASCII comment before the store: Neovim columns are bytes.
    let source = HAZARD.replace("    HITS.store", "    /* é */ HITS.store");
    std::fs::write(d.join("hits.rs"), &source).expect("write");
    let harness = r#"
local ok, err = pcall(function()
  package.loaded['lint'] = { linters = {}, linters_by_ft = {}, try_lint = function() end }
  dofile('linter.lua')
  local lint = require('lint')
  assert(lint.linters_by_ft.rust[1] == 'rmw_lint', 'registered for Rust')
  local l = lint.linters.rmw_lint
  vim.cmd('edit hits.rs')
  local bufnr = vim.api.nvim_get_current_buf()
  local cmd = { l.cmd }
  for _, a in ipairs(l.args) do
    if type(a) == 'function' then a = a() end
    table.insert(cmd, a)
  end
  local input = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
  local output = vim.fn.system(cmd, input)
  local diags = l.parser(output, bufnr)
  local f = io.open('result.json', 'w')
  f:write(vim.json.encode({ diagnostics = diags, cmd = cmd }))
  f:close()
end)
if not ok then
  local f = io.open('result.json', 'w')
  f:write(vim.json.encode({ error = tostring(err) }))
  f:close()
end
vim.cmd('qa!')
"#;
    std::fs::write(d.join("harness.lua"), harness).expect("write");
    let out = Command::new("timeout")
        .args(["60", "nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n"])
        .args(["-c", "luafile harness.lua", "-c", "cquit 3"])
        .current_dir(d)
        .env("PATH", path_with_binary())
        .output()
        .expect("nvim runs");
    let result: Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("result.json")).unwrap_or_else(|_| {
            panic!(
                "the harness wrote no result: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        }),
    )
    .expect("JSON");
    assert!(result.get("error").is_none(), "{result}");
    let diags = result["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diags.len(), 1, "{result}");
    let g = &diags[0];
    assert_eq!(g["lnum"], 3);
    // `    /* é */ ` is 12 characters but 13 bytes.
    assert_eq!(g["col"], 13);
    assert_eq!(g["end_lnum"], 3);
    assert_eq!(g["severity"], 1, "vim.diagnostic.severity.ERROR");
    assert_eq!(g["code"], "atomic-load-store");
    assert_eq!(g["source"], "rmw-lint");
    assert!(g["message"].as_str().is_some_and(|m| m.contains("HITS")));
}
