//! An upload service on tokio::fs.

use std::path::{Path, PathBuf};
use tokio::fs;
use tokio::io::AsyncWriteExt;

pub struct Store {
    root: PathBuf,
}

impl Store {
    // fire: try_exists, then write: two uploads with the same name both see
    // no file, and the second silently replaces the first.
    pub async fn put(&self, name: &str, body: &[u8]) -> std::io::Result<bool> {
        let path = self.root.join(name);
        if fs::try_exists(&path).await? {
            return Ok(false);
        }
        fs::write(&path, body).await?; //~ fs-check-then-use
        Ok(true)
    }

    // fire: metadata(..).await.is_ok(), then remove_file.
    pub async fn delete(&self, name: &str) -> std::io::Result<()> {
        let path = self.root.join(name);
        if fs::metadata(&path).await.is_ok() {
            fs::remove_file(&path).await?; //~ fs-check-then-use
        }
        Ok(())
    }

    // fire: tokio File::create after a std `exists` check.
    pub async fn create_index(&self) -> std::io::Result<()> {
        let index = self.root.join("index.json");
        if !index.exists() {
            let mut f = fs::File::create(&index).await?; //~ fs-check-then-use
            f.write_all(b"{}").await?;
        }
        Ok(())
    }

    // fire: create_dir after checking the directory.
    pub async fn bucket(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(name);
        if !fs::try_exists(&dir).await.unwrap_or(false) {
            fs::create_dir(&dir).await?; //~ fs-check-then-use
        }
        Ok(dir)
    }

    // quiet: create_dir_all is idempotent.
    pub async fn bucket_idempotent(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = self.root.join(name);
        if !fs::try_exists(&dir).await? {
            fs::create_dir_all(&dir).await?;
        }
        Ok(dir)
    }

    // quiet: tokio OpenOptions with create_new(true).
    pub async fn put_new(&self, name: &str, body: &[u8]) -> std::io::Result<bool> {
        let path = self.root.join(name);
        if fs::try_exists(&path).await? {
            return Ok(false);
        }
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        f.write_all(body).await?;
        Ok(true)
    }

    // quiet: a temporary file renamed over the target.
    pub async fn replace(&self, name: &str, body: &[u8]) -> std::io::Result<()> {
        let path = self.root.join(name);
        let tmp = self.root.join(format!(".{name}.part"));
        if fs::try_exists(&path).await? {
            fs::write(&tmp, body).await?;
            fs::rename(&tmp, &path).await?;
        }
        Ok(())
    }
}

// quiet: the check is in test code.
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cleans_up() {
        let p = Path::new("/tmp/rmw-test");
        if p.exists() {
            fs::remove_file(p).await.unwrap();
        }
    }
}
