//! Reading the SQL file a `sqlx::query_file!` names. The path comes from the
//! code under analysis, which may be an untrusted pull request, so the file
//! is read only when it is a regular file inside the crate root (after
//! resolving symbolic links), no larger than [`MAX_QUERY_FILE`], and opened
//! without blocking: `/dev/zero`, a FIFO, `/proc/self/environ` or
//! `../../secret` is never read, and its text never reaches a suggestion.

use std::io::Read;
use std::path::Path;

/// The largest SQL file read (1 MB): a query file is a statement or a few.
pub const MAX_QUERY_FILE: u64 = 1 << 20;

/// The text of `rel` under `root`, or why it was not read (a sentence that
/// names the path, for the file's `errors` entry).
pub fn read(root: &Path, rel: &str) -> Result<String, String> {
    let refuse = |why: &str| {
        Err(format!(
            "`query_file!(\"{rel}\")` was not read: {why}; its SQL is treated as unknown"
        ))
    };
    if rel.contains('\0') {
        return refuse("the path contains a NUL byte");
    }
    let Ok(root) = std::fs::canonicalize(root) else {
        return refuse("the crate root cannot be resolved");
    };
    let real = match std::fs::canonicalize(root.join(rel)) {
        Ok(p) => p,
        Err(e) => return refuse(&format!("the file cannot be opened ({e})")),
    };
    if !real.starts_with(&root) {
        return refuse("the file is outside the crate root (rmw-lint reads only files under the directory of the crate's Cargo.toml)");
    }
    // Decided on the open handle, so that the path cannot be swapped for a
    // FIFO or a device between the check and the read; the open itself
    // does not block on a FIFO.
    let mut file = match open_nonblocking(&real) {
        Ok(f) => f,
        Err(e) => return refuse(&format!("the file cannot be opened ({e})")),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return refuse(&format!("the file cannot be read ({e})")),
    };
    if !meta.is_file() {
        return refuse("it is not a regular file");
    }
    if meta.len() > MAX_QUERY_FILE {
        return refuse("the file is larger than 1 MB");
    }
    let mut bytes = Vec::new();
    if let Err(e) = (&mut file).take(MAX_QUERY_FILE + 1).read_to_end(&mut bytes) {
        return refuse(&format!("the file cannot be read ({e})"));
    }
    if bytes.len() as u64 > MAX_QUERY_FILE {
        return refuse("the file is larger than 1 MB");
    }
    String::from_utf8(bytes).or_else(|_| refuse("the file is not UTF-8"))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_regular_files_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("krate");
        std::fs::create_dir_all(root.join("queries")).unwrap();
        std::fs::write(root.join("queries/q.sql"), "SELECT 1").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "TOKEN=hunter2").unwrap();
        assert_eq!(read(&root, "queries/q.sql").unwrap(), "SELECT 1");
        let outside = read(&root, "../secret.txt").unwrap_err();
        assert!(outside.contains("outside the crate root"), "{outside}");
        assert!(!outside.contains("hunter2"));
        let abs = dir.path().join("secret.txt");
        assert!(read(&root, abs.to_str().unwrap()).is_err());
        assert!(read(&root, "/etc/passwd").is_err());
        assert!(read(&root, "/proc/self/environ").is_err());
        assert!(read(&root, "queries")
            .unwrap_err()
            .contains("not a regular file"));
        assert!(read(&root, "missing.sql").is_err());
        std::fs::write(
            root.join("big.sql"),
            vec![b'-'; MAX_QUERY_FILE as usize + 1],
        )
        .unwrap();
        assert!(read(&root, "big.sql")
            .unwrap_err()
            .contains("larger than 1 MB"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_devices_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("krate");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "TOKEN").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.sql")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.sql")).unwrap();
        assert!(read(&root, "link.sql").unwrap_err().contains("outside"));
        assert!(read(&root, "zero.sql").is_err());
        // A FIFO inside the root: opened without blocking, then refused.
        let fifo = root.join("pipe.sql");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let start = std::time::Instant::now();
            assert!(read(&root, "pipe.sql")
                .unwrap_err()
                .contains("not a regular file"));
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
        }
        // A symlink inside the root to a file inside the root is fine.
        std::fs::write(root.join("real.sql"), "SELECT 2").unwrap();
        std::os::unix::fs::symlink(root.join("real.sql"), root.join("alias.sql")).unwrap();
        assert_eq!(read(&root, "alias.sql").unwrap(), "SELECT 2");
    }
}
