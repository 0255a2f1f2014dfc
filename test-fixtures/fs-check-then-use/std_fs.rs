//! A CLI that manages project files with std::fs. Each check answers for the
//! moment it runs; another process (an editor, a second run of the tool, an
//! attacker planting a symlink) can change the path before the next call.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

// fire: exists, then create: a file created in between is truncated.
pub fn init_config(dir: &Path) -> std::io::Result<()> {
    let path = dir.join("config.toml");
    if !path.exists() {
        let mut f = File::create(&path)?; //~ fs-check-then-use
        f.write_all(b"[settings]\n")?;
    }
    Ok(())
}

// fire: an early return makes the check guard the write after it.
pub fn save_new(path: &Path, contents: &str) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} already exists", path.display());
    }
    fs::write(path, contents)?; //~ fs-check-then-use
    Ok(())
}

// fire: is_dir, then remove_dir_all.
pub fn clean(out: &PathBuf) -> std::io::Result<()> {
    if out.is_dir() {
        fs::remove_dir_all(out)?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: is_file, then remove_file.
pub fn drop_lockfile(root: &Path) -> std::io::Result<()> {
    let lock = root.join(".lock");
    if lock.is_file() {
        fs::remove_file(&lock)?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: metadata(..).is_ok() as the check, create_dir as the use.
pub fn ensure_cache(cache: &str) -> std::io::Result<()> {
    if fs::metadata(cache).is_err() {
        fs::create_dir(cache)?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: try_exists, then rename of the checked path.
pub fn archive(log: &Path, to: &Path) -> std::io::Result<()> {
    if log.try_exists()? {
        fs::rename(log, to)?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: the destination checked absent, then copied onto: a file that appears
// in between is overwritten.
pub fn install(src: &Path, dest: &Path) -> std::io::Result<()> {
    if !dest.exists() {
        fs::copy(src, dest)?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: OpenOptions opening for writing after the check.
pub fn append_journal(path: &Path, line: &str) -> std::io::Result<()> {
    if !path.exists() {
        let mut f = OpenOptions::new().create(true).write(true).open(path)?; //~ fs-check-then-use
        writeln!(f, "{line}")?;
    }
    Ok(())
}

// fire: set_permissions on a path checked with symlink_metadata.
pub fn make_executable(script: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(script).is_ok() {
        fs::set_permissions(script, fs::Permissions::from_mode(0o755))?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: the path is built with `Path::new` in the check and used as a `&str`.
pub fn reset(name: &str) -> std::io::Result<()> {
    if Path::new(name).exists() {
        fs::remove_dir(name)?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: `match` on metadata: the `Err` arm creates the file.
pub fn touch(path: &Path) -> std::io::Result<()> {
    match fs::metadata(path) {
        Ok(_) => Ok(()),
        Err(_) => File::create(path).map(drop), //~ fs-check-then-use
    }
}

// fire: one check guarding both branches gives one finding; the second use is
// a label of it.
pub fn remove_any(p: &Path) -> std::io::Result<()> {
    if p.is_dir() {
        fs::remove_dir_all(p) //~ fs-check-then-use
    } else {
        fs::remove_file(p)
    }
}

// fire: a move that must not replace an existing file: the destination is
// checked free, then renamed onto.
pub fn publish(draft: &Path, published: &Path) -> std::io::Result<bool> {
    if published.exists() {
        return Ok(false);
    }
    fs::rename(draft, published)?; //~ fs-check-then-use
    Ok(true)
}

// fire: `File::options()` is an `OpenOptions` too.
pub fn append_once(path: &Path, line: &str) -> std::io::Result<()> {
    if path.is_file() {
        let mut f = File::options().append(true).open(path)?; //~ fs-check-then-use
        writeln!(f, "{line}")?;
    }
    Ok(())
}

// quiet: create_dir_all is idempotent.
pub fn ensure_out(out: &Path) -> std::io::Result<()> {
    if !out.exists() {
        fs::create_dir_all(out)?;
    }
    Ok(())
}

// quiet: create_new(true) fails on an existing file in the same step.
pub fn init_config_atomically(path: &Path) -> std::io::Result<()> {
    if !path.exists() {
        let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
        f.write_all(b"[settings]\n")?;
    }
    Ok(())
}

// quiet: written under a temporary name, then renamed into place.
pub fn replace_atomically(target: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = target.with_extension("tmp");
    if !target.exists() {
        fs::write(&tmp, contents)?;
        fs::rename(&tmp, target)?;
    }
    Ok(())
}

// fire: the checked file is the copy's source: if it is removed in between,
// the copy fails instead of being skipped.
pub fn backup(path: &Path) -> std::io::Result<()> {
    let bak = path.with_extension("bak");
    if path.exists() {
        fs::copy(path, &bak)?; //~ fs-check-then-use
    }
    Ok(())
}

// quiet: the file written is not the one checked.
pub fn write_marker(dir: &Path) -> std::io::Result<()> {
    let done = dir.join("done");
    if dir.join("input").exists() {
        fs::write(&done, b"1")?;
    }
    Ok(())
}

// quiet: reading after the check: opening fails cleanly if it vanished.
pub fn read_config(path: &Path) -> std::io::Result<String> {
    if path.exists() {
        return fs::read_to_string(path);
    }
    Ok(String::new())
}

// quiet: OpenOptions for reading only.
pub fn open_log(path: &Path) -> std::io::Result<Option<File>> {
    if path.is_file() {
        return OpenOptions::new().read(true).open(path).map(Some);
    }
    Ok(None)
}

// quiet: the check does not decide the write (it is only reported).
pub fn overwrite(path: &Path, data: &str) -> std::io::Result<bool> {
    let existed = path.exists();
    fs::write(path, data)?;
    Ok(existed)
}

// quiet: the condition is on the file's size, not on whether it exists.
pub fn rotate_if_big(path: &Path) -> std::io::Result<()> {
    let meta = fs::metadata(path)?;
    if meta.len() > 10_000_000 {
        fs::rename(path, path.with_extension("1"))?;
    }
    Ok(())
}

// quiet: create_new in one step, handling AlreadyExists (the rewrite).
pub fn create_once(path: &Path) -> std::io::Result<bool> {
    match File::create_new(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

// quiet: remove without a check, ignoring NotFound (the rewrite).
pub fn drop_lockfile_safely(lock: &Path) -> std::io::Result<()> {
    match fs::remove_file(lock) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
