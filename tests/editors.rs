//! The editor setups the README gives for `rmw-lint server`, run as
//! written: a real headless Neovim session (diagnostics arrive, a quick fix
//! is applied through the code-action menu, the finding goes away), and the
//! Helix and VS Code snippets' commands started and initialised as those
//! editors would. Zed's setup is rust-analyzer's check command, the same one
//! `tests/setups.rs` runs.

mod common;

use common::lsp_client::Client;
use common::{path_with_binary, readme_snippet, CLEAN, HAZARD};
use serde_json::{json, Value};
use std::process::Command;

/// Starts the server command a setup names, in a scratch directory, and
/// checks the handshake and one published diagnostic.
fn handshake(program: &str, args: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir.path())
        .env("PATH", path_with_binary());
    let mut c = Client::spawn(cmd);
    let caps = c.initialize(dir.path(), &[]);
    assert_eq!(caps["serverInfo"]["name"], "rmw-lint", "{caps}");
    let uri = common::lsp_client::url(&dir.path().join("hits.rs"));
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": HAZARD } }),
    );
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "atomic-load-store");
    c.shutdown();
}

#[test]
fn helix_languages_toml_starts_the_server_for_rust() {
    let doc: toml::Table = readme_snippet("helix").parse().expect("valid TOML");
    let server = &doc["language-server"]["rmw-lint"];
    let command = server["command"].as_str().expect("command");
    let args: Vec<String> = server["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect();
    let rust = doc["language"]
        .as_array()
        .expect("[[language]]")
        .iter()
        .find(|l| l["name"].as_str() == Some("rust"))
        .expect("a rust entry");
    let servers: Vec<&str> = rust["language-servers"]
        .as_array()
        .expect("language-servers")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(servers, ["rust-analyzer", "rmw-lint"]);
    handshake(command, &args);
}

#[test]
fn vscode_generic_client_settings_start_the_server_for_rust() {
    let doc: Value = serde_json::from_str(&readme_snippet("vscode-server")).expect("valid JSON");
    let command = doc["glspc.server.command"].as_str().expect("command");
    let args: Vec<String> = doc["glspc.server.commandArguments"]
        .as_array()
        .expect("arguments")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect();
    assert_eq!(doc["glspc.server.languageId"], json!(["rust"]));
    handshake(command, &args);
}

#[test]
fn zed_runs_the_same_check_command_as_rust_analyzer_elsewhere() {
    let zed: Value = serde_json::from_str(&readme_snippet("zed")).expect("valid JSON");
    let vscode: Value = serde_json::from_str(&readme_snippet("vscode")).expect("valid JSON");
    assert_eq!(
        zed["lsp"]["rust-analyzer"]["initialization_options"]["check"]["overrideCommand"],
        vscode["rust-analyzer.check.overrideCommand"],
        "Zed's command is the one tests/setups.rs runs"
    );
}

/// For Neovim before 0.11, which has no `vim.lsp.config` / `vim.lsp.enable`:
/// the same behaviour (start the configured command for its file types and
/// attach it) on `vim.lsp.start_client`, so the README's snippet runs
/// unchanged on the Neovim the CI machine's distribution ships.
const NVIM_SHIM: &str = r#"
if vim.lsp.config == nil then
  local configs = {}
  vim.lsp.config = setmetatable({}, { __call = function(_, name, cfg) configs[name] = cfg end })
  vim.lsp.enable = function(name)
    local cfg = configs[name]
    vim.api.nvim_create_autocmd('FileType', {
      pattern = cfg.filetypes,
      callback = function(args)
        local id = vim.lsp.start_client({ name = name, cmd = cfg.cmd, root_dir = vim.fn.getcwd() })
        vim.lsp.buf_attach_client(args.buf, id)
      end,
    })
  end
end
"#;

const NVIM_HARNESS: &str = r#"
local result = {}
local ok, err = pcall(function()
  dofile('shim.lua')
  vim.cmd('filetype on')
  dofile('init.lua')
  vim.cmd('edit hits.rs')
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50),
    'no diagnostics from the server')
  local d = vim.diagnostic.get(buf)[1]
  local lsp = (d.user_data or {}).lsp or {}
  result.before = {
    lnum = d.lnum, col = d.col, severity = d.severity, source = d.source,
    code = d.code or lsp.code, message = d.message,
  }
  -- The code-action menu: pick the preferred action, as a user picks the
  -- first entry. Items are `{ client_id, action }` (0.7) or `{ action = }`.
  local titles = {}
  vim.ui.select = function(items, _, on_choice)
    local chosen, index
    for i, item in ipairs(items) do
      local action = item.action or item[2]
      table.insert(titles, action.title)
      if action.isPreferred and not chosen then chosen, index = item, i end
    end
    on_choice(chosen, index)
  end
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  vim.lsp.buf.code_action()
  assert(vim.wait(20000, function() return #titles > 0 end, 50), 'no code actions')
  result.titles = titles
  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 50),
    'the diagnostic stayed after the fix')
  result.after = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') .. '\n'
end)
if not ok then result.error = tostring(err) end
local f = io.open('result.json', 'w')
f:write(vim.json.encode(result))
f:close()
vim.cmd('qa!')
"#;

#[test]
fn neovim_session_receives_diagnostics_and_applies_a_quick_fix() {
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
    std::fs::write(d.join("init.lua"), readme_snippet("nvim-server")).expect("write");
    std::fs::write(d.join("shim.lua"), NVIM_SHIM).expect("write");
    std::fs::write(d.join("harness.lua"), NVIM_HARNESS).expect("write");
    // A non-ASCII comment before the store: the server counts UTF-16 units
    // (what Neovim asks for), Neovim shows bytes.
    let source = HAZARD.replace("    HITS.store", "    /* é */ HITS.store");
    std::fs::write(d.join("hits.rs"), &source).expect("write");
    let out = Command::new("timeout")
        .args(["90", "nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n"])
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
    let before = &result["before"];
    assert_eq!(before["lnum"], 3, "{result}");
    // `    /* é */ ` is 12 characters but 13 bytes.
    assert_eq!(before["col"], 13, "{result}");
    assert_eq!(before["severity"], 1, "vim.diagnostic.severity.ERROR");
    assert_eq!(before["source"], "rmw-lint");
    assert_eq!(before["code"], "atomic-load-store");
    let titles = result["titles"].as_array().expect("titles");
    assert!(
        titles
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.starts_with("Suppress with"))),
        "{result}"
    );
    assert_eq!(
        result["after"],
        CLEAN.replace("    HITS.fetch_add", "    /* é */ HITS.fetch_add"),
        "{result}"
    );
    eprintln!("neovim session: {result}");
}
