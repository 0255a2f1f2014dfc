//! Metadata read for its content, not for whether the path exists, next to
//! an existence check that still races.
use std::fs;
use std::path::Path;

// quiet: the metadata's permissions are read and written back; the path's
// existence is not the question.
pub fn make_writable(path: &Path) {
    let Ok(meta) = fs::metadata(path) else {
        return;
    };
    let mut perms = meta.permissions();
    if !perms.readonly() {
        return;
    }
    perms.set_readonly(false);
    let _ = fs::set_permissions(path, perms);
}

// fires: the existence check decides the write, which computes nothing
// from the metadata.
pub fn seed(path: &Path) -> std::io::Result<()> {
    if fs::metadata(path).is_err() {
        fs::write(path, b"{}")?; //~ fs-check-then-use
    }
    Ok(())
}
