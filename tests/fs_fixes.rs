//! The fixes of `fs-create-then-chmod`: `File::create` + `set_permissions`
//! becomes an open with the mode and a change through the handle (also
//! without `OpenOptionsExt` imported), `create_dir` + `set_permissions`
//! becomes `DirBuilder` with the mode, only with `--unsafe-fixes` when the
//! umask could narrow the mode; every fix is idempotent.

mod common;

use common::{run, write};

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read file")
}

#[test]
fn create_then_chmod_fix_opens_with_the_mode_and_changes_the_handle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let src = "use std::fs::{self, File, Permissions};\nuse std::io::Write;\nuse std::os::unix::fs::PermissionsExt;\nuse std::path::Path;\n\npub fn write_key(path: &Path, key: &[u8]) -> std::io::Result<()> {\n    let mut f = File::create(path)?;\n    fs::set_permissions(path, Permissions::from_mode(0o600))?;\n    f.write_all(key)\n}\n";
    write(d, "a.rs", src);
    let out = run(d, &["--fix", "a.rs"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 finding fixed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let fixed = read(d, "a.rs");
    // No `use` of OpenOptionsExt in the file: the trait method by its path.
    assert!(
        fixed.contains("let mut f = std::os::unix::fs::OpenOptionsExt::mode(std::fs::OpenOptions::new().write(true).create(true).truncate(true), 0o600).open(path)?;"),
        "{fixed}"
    );
    assert!(
        fixed.contains("    f.set_permissions(Permissions::from_mode(0o600))?;\n"),
        "{fixed}"
    );
    assert!(!fixed.contains("fs::set_permissions(path"), "{fixed}");
    assert_eq!(run(d, &["a.rs"]).status.code(), Some(0), "nothing left");
    run(d, &["--fix", "a.rs"]);
    assert_eq!(read(d, "a.rs"), fixed, "idempotent");
}

#[test]
fn create_dir_fix_needs_unsafe_fixes_when_the_umask_could_narrow_the_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let src = "use std::fs;\nuse std::os::unix::fs::{DirBuilderExt, PermissionsExt};\nuse std::path::Path;\n\npub fn private(dir: &Path) -> std::io::Result<()> {\n    fs::create_dir(dir)?;\n    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;\n    Ok(())\n}\n\npub fn shared(dir: &Path) -> std::io::Result<()> {\n    fs::create_dir(dir)?;\n    fs::set_permissions(dir, fs::Permissions::from_mode(0o775))?;\n    Ok(())\n}\n";
    write(d, "a.rs", src);
    run(d, &["--fix", "a.rs"]);
    let fixed = read(d, "a.rs");
    assert!(
        fixed.contains("    fs::DirBuilder::new().mode(0o700).create(dir)?;\n    Ok(())"),
        "{fixed}"
    );
    assert!(
        fixed.contains("from_mode(0o775)"),
        "0o775 can lose group write to the umask: not applied without --unsafe-fixes\n{fixed}"
    );
    run(d, &["--fix", "--unsafe-fixes", "a.rs"]);
    let fixed = read(d, "a.rs");
    assert!(
        fixed.contains("fs::DirBuilder::new().mode(0o775).create(dir)?;"),
        "{fixed}"
    );
    assert!(!fixed.contains("set_permissions"), "{fixed}");
}
