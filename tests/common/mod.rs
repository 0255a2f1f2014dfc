//! What several test files share: running the binary, writing scratch
//! files, and the SARIF 2.1.0 schema validator.

#![allow(dead_code)]

pub mod lsp_client;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An atomic load-then-store: an error with a machine-applicable fix.
pub const HAZARD: &str = "use std::sync::atomic::{AtomicUsize, Ordering};\n\
static HITS: AtomicUsize = AtomicUsize::new(0);\n\
pub fn hit() {\n    HITS.store(HITS.load(Ordering::SeqCst) + 1, Ordering::SeqCst);\n}\n";

/// The same code, fixed.
pub const CLEAN: &str = "use std::sync::atomic::{AtomicUsize, Ordering};\n\
static HITS: AtomicUsize = AtomicUsize::new(0);\n\
pub fn hit() {\n    HITS.fetch_add(1, Ordering::SeqCst);\n}\n";

/// A check-then-act on a set under two lock acquisitions: a warning.
pub const LOCKS: &str = "use std::sync::Mutex;\nuse std::collections::HashSet;\npub struct S { seen: Mutex<HashSet<u32>> }\nimpl S {\n    pub fn add(&self, k: u32) {\n        if !self.seen.lock().unwrap().contains(&k) {\n            self.seen.lock().unwrap().insert(k);\n        }\n    }\n}\n";

/// The binary under test, with the environment a user's shell would not
/// force on it.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rmw-lint"));
    c.env_remove("NO_COLOR");
    c
}

/// Runs the binary in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("rmw-lint runs")
}

/// Writes `dir/name`, making its directories.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write file");
}

/// The code block that follows `<!-- setup:NAME -->` in README.md: the
/// setups users paste are tested as written.
pub fn readme_snippet(name: &str) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let marker = format!("<!-- setup:{name} -->");
    let at = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no {marker}"));
    let rest = &readme[at + marker.len()..];
    let open = rest.find("```").expect("a code block after the marker");
    let body = &rest[open..];
    let body = &body[body.find('\n').expect("fence line") + 1..];
    let close = body.find("\n```").expect("a closing fence");
    body[..close + 1].to_string()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("schema file");
    let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    // The published schema's one defect: the `language` pattern of `run`
    // and `toolComponent` has a lone `]`, which ECMAScript accepts only under
    // its web-compatibility annex (as a literal `]`) and a strict regex check
    // rejects. Escape it, same meaning, so the schema compiles; we never emit
    // `language` anyway.
    for owner in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][owner]["properties"]["language"]["pattern"];
        assert_eq!(*pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *pattern = Value::from("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

pub fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF does not match the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
}

/// PATH with the rmw-lint under test first, as `cargo install` would leave it.
pub fn path_with_binary() -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_rmw-lint"));
    let dir = bin.parent().expect("binary directory").to_path_buf();
    let old = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![dir];
    paths.extend(std::env::split_paths(&old));
    std::env::join_paths(paths)
        .expect("PATH")
        .to_string_lossy()
        .into_owned()
}
