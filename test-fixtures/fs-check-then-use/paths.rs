//! A clean-up tool that walks directory trees. The checks and the calls
//! spell the same path differently (`dir.join(&name)` / `dir.join(name)`,
//! `entry.path()` / `dir.join(entry.file_name())`), and a check made not to
//! follow symlinks is undone when the path is acted on again by name.

use std::fs::{self, DirEntry};
use std::io;
use std::path::Path;

// fire: the same join with the argument borrowed in one place.
pub fn drop_stale(dir: &Path, name: String) -> io::Result<()> {
    if dir.join(&name).exists() {
        fs::remove_file(dir.join(name))?; //~ fs-check-then-use
    }
    Ok(())
}

// fire: a directory entry's file_type (no symlink followed), then removal by
// path: the entry can be swapped for a symlink in between.
pub fn purge(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(dir.join(entry.file_name()))?; //~ fs-check-then-use
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

// fire: symlink_metadata says "a real directory", then the directory is
// listed by name (following whatever is there by then) and its entries
// removed: the remove_dir_all race (CVE-2022-21658). The removals are
// labels of the same finding.
pub fn wipe(path: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.is_dir() {
        for entry in fs::read_dir(path)? { //~ fs-check-then-use
            wipe(&entry?.path())?;
        }
        fs::remove_dir(path)?;
    } else {
        fs::remove_file(path)?;
    }
    Ok(())
}

pub struct Cleaner;

impl Cleaner {
    // fire: a DirEntry's file_type, then recursing into the entry by path.
    pub fn sweep(&self, dir: &Path) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry: DirEntry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                self.sweep(&path)?; //~ fs-check-then-use
            }
        }
        Ok(())
    }
}

// fire: the entry's metadata through `entry.metadata()`, then its path.
pub fn drop_empty(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.metadata()?.len() == 0 && entry.path().is_file() {
            fs::remove_file(entry.path())?; //~ fs-check-then-use
        }
    }
    Ok(())
}

// quiet: file_type decides a copy of the entry, not a removal or recursion.
pub fn copy_files(src: &Path, dst: &Path) -> io::Result<()> {
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            fs::copy(entry.path(), dst.join(entry.file_name()))?;
        }
    }
    Ok(())
}

// quiet: `is_dir()` follows symlinks already: recursing after it is what the
// check said (no check kept out of links to undo).
pub fn count(path: &Path) -> io::Result<usize> {
    let mut n = 0;
    if path.is_dir() {
        for entry in fs::read_dir(path)? {
            n += count(&entry?.path())?;
        }
    }
    Ok(n + 1)
}

// quiet: the removed entry is another one than the one checked.
pub fn drop_sibling(dir: &Path, a: String, b: String) -> io::Result<()> {
    if dir.join(&a).exists() {
        fs::remove_file(dir.join(&b))?;
    }
    Ok(())
}
