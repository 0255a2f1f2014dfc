//! What a user installing rmw-lint relies on: license files for the
//! declared licenses (and shipped in the package), a release profile
//! without debug info, and a README whose prerequisites and pre-commit
//! `rev` agree with `Cargo.toml`.

mod common;

use common::{readme_snippet, repo_root};

fn manifest() -> toml::Table {
    std::fs::read_to_string(repo_root().join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("valid TOML")
}

#[test]
fn every_declared_license_has_its_file_in_the_package() {
    let m = manifest();
    let package = &m["package"];
    let expr = package["license"].as_str().expect("license");
    let include: Vec<globset::GlobMatcher> = package["include"]
        .as_array()
        .expect("include")
        .iter()
        .map(|g| {
            globset::Glob::new(g.as_str().expect("glob"))
                .expect("valid glob")
                .compile_matcher()
        })
        .collect();
    for id in expr.split(" OR ") {
        let (file, marks): (&str, &[&str]) = match id.trim() {
            "MIT" => (
                "LICENSE-MIT",
                &["MIT License", "Permission is hereby granted"],
            ),
            "Apache-2.0" => (
                "LICENSE-APACHE",
                &[
                    "Apache License",
                    "Version 2.0, January 2004",
                    "END OF TERMS AND CONDITIONS",
                ],
            ),
            other => panic!("no check for license `{other}`"),
        };
        let text = std::fs::read_to_string(repo_root().join(file))
            .unwrap_or_else(|_| panic!("{file} is missing for `{id}`"));
        for mark in marks {
            assert!(text.contains(mark), "{file} lacks `{mark}`");
        }
        assert!(
            include.iter().any(|g| g.is_match(file)),
            "{file} is not in the package"
        );
    }
}

#[test]
fn the_installed_binary_is_built_without_debug_info() {
    let m = manifest();
    let release = m["profile"]["release"]
        .as_table()
        .expect("[profile.release]");
    let debug = release.get("debug");
    assert!(
        matches!(debug, None | Some(toml::Value::Boolean(false)))
            || debug.and_then(|d| d.as_integer()) == Some(0)
            || debug.and_then(|d| d.as_str()) == Some("none"),
        "profile.release.debug = {debug:?}"
    );
    assert_eq!(release["strip"].as_str(), Some("debuginfo"));
}

#[test]
fn readme_states_the_rust_version_and_a_valid_pre_commit_rev() {
    let m = manifest();
    let rust = m["package"]["rust-version"].as_str().expect("rust-version");
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    assert!(
        readme.contains(&format!("Rust {rust} or later")),
        "the README states the Rust version ({rust})"
    );
    let version = m["package"]["version"].as_str().expect("version");
    let hook = readme_snippet("pre-commit");
    assert!(
        hook.contains(&format!("rev: v{version}\n")),
        "the pre-commit rev is this version's tag: {hook}"
    );
    assert!(
        readme.contains("git ls-remote"),
        "the README says how to pin a commit before a tag exists"
    );
}
