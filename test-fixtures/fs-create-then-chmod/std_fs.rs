//! A command-line tool that writes keys, scripts and state directories with
//! std::fs. Each create makes the path with the default mode; a later
//! `set_permissions` / `chown` by path can be redirected by a symlink
//! planted in between.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{chown, lchown, symlink, DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

// fire: the key file exists world-readable until the chmod, and the chmod
// follows a symlink swapped in (a machine-applicable fix: open with the
// mode, change the handle).
pub fn write_key(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    fs::set_permissions(path, Permissions::from_mode(0o600))?; //~ fs-create-then-chmod
    f.write_all(key)
}

// fire: a directory made, then chmodded by path (machine-applicable:
// DirBuilder with the mode).
pub fn make_state_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?; //~ fs-create-then-chmod
    Ok(())
}

// fire: fs::write puts the secret on disk with the default mode first.
pub fn save_token(home: &Path, token: &str) -> std::io::Result<()> {
    let path = home.join(".token");
    fs::write(&path, token)?;
    let mut perms = fs::metadata(&path)?.permissions();
    perms.set_mode(0o600);
    fs::set_permissions(&path, perms)?; //~ fs-create-then-chmod
    Ok(())
}

// fire: an executable script made with the default mode, then chmod +x.
pub fn install_hook(hooks: &Path, body: &str) -> std::io::Result<()> {
    let hook = hooks.join("pre-commit");
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&hook)?;
    f.write_all(body.as_bytes())?;
    drop(f);
    fs::set_permissions(&hook, Permissions::from_mode(0o755))?; //~ fs-create-then-chmod
    Ok(())
}

// fire: create_dir_all, then chown by path (a root-run installer).
pub fn make_spool(spool: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    fs::create_dir_all(spool)?;
    chown(spool, Some(uid), Some(gid))?; //~ fs-create-then-chmod
    Ok(())
}

// fire: a symlink made, then re-owned through the path.
pub fn link_current(release: &Path, current: &Path, uid: u32) -> std::io::Result<()> {
    symlink(release, current)?;
    lchown(current, Some(uid), None)?; //~ fs-create-then-chmod
    Ok(())
}

// fire: even a create_new file (fresh, never a planted one) can be renamed
// away and replaced by a link before the chmod by path.
pub fn new_secret(path: &Path) -> std::io::Result<File> {
    let f = OpenOptions::new().write(true).create_new(true).open(path)?;
    fs::set_permissions(path, Permissions::from_mode(0o400))?; //~ fs-create-then-chmod
    Ok(f)
}

// fire: the same path through another spelling (`&p`, `p.as_path()`); the
// owner change after it is a label of the same finding.
pub fn provision(p: std::path::PathBuf, uid: u32) -> std::io::Result<()> {
    File::create(&p)?;
    fs::set_permissions(p.as_path(), Permissions::from_mode(0o640))?; //~ fs-create-then-chmod
    chown(&p, Some(uid), None)?;
    Ok(())
}

// fire: DirBuilder without a mode, then chmod.
pub fn make_cache(root: &Path) -> std::io::Result<()> {
    let cache = root.join("cache");
    DirBuilder::new().recursive(true).create(&cache)?;
    fs::set_permissions(&cache, Permissions::from_mode(0o750))?; //~ fs-create-then-chmod
    Ok(())
}

// quiet: created with its mode, nothing changed by path afterwards.
pub fn write_key_safely(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(key)
}

// quiet: permissions changed through the open handle (fchmod).
pub fn write_key_handle(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    f.set_permissions(Permissions::from_mode(0o600))?;
    f.write_all(key)
}

// quiet: the directory made with its mode.
pub fn make_state_dir_safely(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().mode(0o700).create(dir)
}

// quiet: the chmod is on another path than the one created.
pub fn touch_and_fix(dir: &Path) -> std::io::Result<()> {
    File::create(dir.join("log"))?;
    fs::set_permissions(dir.join("bin"), Permissions::from_mode(0o755))
}

// quiet: the file was only opened (no create), then chmodded: nothing new
// existed with a default mode.
pub fn fix_mode(path: &Path) -> std::io::Result<()> {
    let _f = OpenOptions::new().write(true).open(path)?;
    fs::set_permissions(path, Permissions::from_mode(0o644))
}

// quiet: the chmod comes before the create (of another file).
pub fn chmod_first(path: &Path, out: &Path) -> std::io::Result<()> {
    fs::set_permissions(path, Permissions::from_mode(0o644))?;
    fs::write(out, b"ok")
}

// quiet: inside a temporary directory this function made: no other
// process can write there.
pub fn stage(data: &[u8]) -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let p = dir.path().join("payload");
    fs::write(&p, data)?;
    fs::set_permissions(&p, Permissions::from_mode(0o755))?;
    Ok(())
}

// quiet: only metadata read before the chmod.
pub fn make_executable(path: &Path) -> std::io::Result<()> {
    let mut perms = fs::metadata(path)?.permissions();
    perms.set_mode(perms.mode() | 0o111);
    fs::set_permissions(path, perms)
}

// quiet: chmod in one function, create in another (one body at a time).
pub fn create_only(path: &Path) -> std::io::Result<File> {
    File::create(path)
}

// quiet: reading a file does not make it.
pub fn read_then_chmod(path: &Path) -> std::io::Result<String> {
    let s = fs::read_to_string(path)?;
    fs::set_permissions(path, Permissions::from_mode(0o600))?;
    Ok(s)
}
