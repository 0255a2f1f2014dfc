//! A command-line tool that regenerates its outputs: it removes the old
//! file, then makes it again through the same path. Another process can
//! plant a file or a symlink in between, and the create follows it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

// fire: remove, then File::create follows a symlink planted in the gap.
pub fn regenerate(out: &Path, body: &str) -> std::io::Result<()> {
    fs::remove_file(out)?;
    let mut f = File::create(out)?; //~ fs-remove-then-create
    f.write_all(body.as_bytes())
}

// fire: the error of the removal ignored, then fs::write.
pub fn reset_lockfile(dir: &Path) -> std::io::Result<()> {
    let lock = dir.join("app.lock");
    let _ = fs::remove_file(&lock);
    fs::write(&lock, std::process::id().to_string()) //~ fs-remove-then-create
}

// fire: an OpenOptions open with `create` after the removal.
pub fn truncate_log(log: PathBuf) -> std::io::Result<File> {
    fs::remove_file(&log).ok();
    OpenOptions::new().write(true).create(true).open(log.as_path()) //~ fs-remove-then-create
}

// fire: fs::copy onto the removed path follows what appeared there.
pub fn install(src: &Path, dest: &Path) -> std::io::Result<()> {
    if dest.exists() {
        fs::remove_file(dest)?; //~ fs-check-then-use
    }
    fs::copy(src, dest)?; //~ fs-remove-then-create
    Ok(())
}

// fire: a directory removed and made again: a planted one makes
// create_dir fail, or a caller that ignores that works inside it.
pub fn fresh_out(out: &Path) -> std::io::Result<()> {
    fs::remove_dir_all(out)?;
    fs::create_dir(out) //~ fs-remove-then-create
}

// fire: a symlink replaced by remove + symlink (`ln -sf` by hand).
pub fn point_current(release: &Path, current: &Path) -> std::io::Result<()> {
    let _ = fs::remove_file(current);
    symlink(release, current) //~ fs-remove-then-create
}

// fire: the create sits in another branch after the removal; both creates
// are one finding (the second is a label).
pub fn rewrite(path: &Path, data: &[u8], backup: bool) -> std::io::Result<()> {
    fs::remove_file(path)?;
    if backup {
        fs::write(path, data)?; //~ fs-remove-then-create
    } else {
        File::create(path)?.write_all(data)?;
    }
    Ok(())
}

// fire: the same path through `dir.join(name)` and `dir.join(&name)`.
pub fn replace_entry(dir: &Path, name: String, data: &[u8]) -> std::io::Result<()> {
    fs::remove_file(dir.join(&name))?;
    fs::write(dir.join(name), data) //~ fs-remove-then-create
}

// quiet: create_new fails on anything planted after the removal.
pub fn regenerate_safely(out: &Path, body: &str) -> std::io::Result<()> {
    fs::remove_file(out)?;
    let mut f = OpenOptions::new().write(true).create_new(true).open(out)?;
    f.write_all(body.as_bytes())
}

// quiet: File::create_new likewise.
pub fn reset_lockfile_safely(lock: &Path) -> std::io::Result<()> {
    let _ = fs::remove_file(lock);
    File::create_new(lock)?.write_all(b"1")
}

// quiet: the new content goes to a temporary file renamed over the path.
pub fn replace_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    fs::remove_file(path)?;
    fs::write(&tmp, data)?;
    fs::rename(&tmp, path)
}

// quiet: a fresh temporary directory only this process can write.
pub fn scratch(data: &[u8]) -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let p = dir.path().join("work");
    fs::write(&p, data)?;
    fs::remove_file(&p)?;
    fs::write(&p, data)
}

// quiet: the create comes before the removal.
pub fn write_then_clean(path: &Path) -> std::io::Result<()> {
    fs::write(path, b"x")?;
    fs::remove_file(path)
}

// quiet: another path is created.
pub fn move_aside(old: &Path, new: &Path) -> std::io::Result<()> {
    fs::remove_file(old)?;
    fs::write(new, b"x")
}

// quiet: create_dir_all after remove_dir_all is not in this rule's list.
pub fn clean_out(out: &Path) -> std::io::Result<()> {
    fs::remove_dir_all(out)?;
    fs::create_dir_all(out)
}

// quiet: opened for writing without `create`: nothing is made.
pub fn reopen(path: &Path) -> std::io::Result<File> {
    let _ = fs::remove_file(path);
    OpenOptions::new().write(true).open(path)
}

// quiet: a rename onto the removed path replaces whatever is there in one step.
pub fn publish(draft: &Path, live: &Path) -> std::io::Result<()> {
    let _ = fs::remove_file(live);
    fs::rename(draft, live)
}

// quiet: reading after the removal makes nothing.
pub fn reread(path: &Path) -> std::io::Result<String> {
    let _ = fs::remove_file(path.with_extension("cache"));
    fs::read_to_string(path)
}
