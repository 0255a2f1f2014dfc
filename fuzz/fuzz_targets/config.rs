//! Any bytes as `rmw-lint.toml` and as a `Cargo.toml` with metadata: a
//! configuration or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["rmw-lint.toml", "Cargo.toml"] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("write");
        let _ = rmw_lint::config::load(Some(&path), dir.path());
    }
});
