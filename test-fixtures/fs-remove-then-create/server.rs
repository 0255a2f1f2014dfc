//! A server that rewrites its config, its unix-socket directory and its
//! key files at start-up, with tokio::fs, fs-err, nix and rustix.

use std::path::{Path, PathBuf};

pub struct Daemon {
    pub state_dir: PathBuf,
}

impl Daemon {
    // fire: tokio remove, then tokio write of the config.
    pub async fn write_config(&self, toml: String) -> std::io::Result<()> {
        let cfg = self.state_dir.join("config.toml");
        let _ = tokio::fs::remove_file(&cfg).await;
        tokio::fs::write(&cfg, toml).await //~ fs-remove-then-create
    }

    // fire: tokio File::create after the removal.
    pub async fn rotate_key(&self, pem: &[u8]) -> std::io::Result<()> {
        let key = self.state_dir.join("key.pem");
        tokio::fs::remove_file(&key).await?;
        let mut f = tokio::fs::File::create(&key).await?; //~ fs-remove-then-create
        tokio::io::AsyncWriteExt::write_all(&mut f, pem).await
    }

    // fire: tokio remove_dir_all, then create_dir.
    pub async fn reset_sockets(&self) -> std::io::Result<()> {
        let run = self.state_dir.join("run");
        tokio::fs::remove_dir_all(&run).await?;
        tokio::fs::create_dir(&run).await //~ fs-remove-then-create
    }

    // quiet: tokio OpenOptions with create_new.
    pub async fn rotate_key_safely(&self, pem: &[u8]) -> std::io::Result<()> {
        let key = self.state_dir.join("key.pem");
        tokio::fs::remove_file(&key).await?;
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&key)
            .await?;
        tokio::io::AsyncWriteExt::write_all(&mut f, pem).await
    }

    // quiet: written to a temporary name, renamed over the config.
    pub async fn write_config_atomically(&self, toml: String) -> std::io::Result<()> {
        let cfg = self.state_dir.join("config.toml");
        let tmp = self.state_dir.join("config.toml.tmp");
        tokio::fs::write(&tmp, toml).await?;
        tokio::fs::rename(&tmp, &cfg).await
    }
}

// fire: fs-err remove, then fs-err write.
pub fn write_pid(pidfile: &Path) -> std::io::Result<()> {
    let _ = fs_err::remove_file(pidfile);
    fs_err::write(pidfile, std::process::id().to_string()) //~ fs-remove-then-create
}

// fire: nix unlink, then an open with O_CREAT (no O_EXCL).
pub fn nix_recreate(path: &Path) -> nix::Result<std::os::fd::OwnedFd> {
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;
    let _ = nix::unistd::unlink(path);
    nix::fcntl::open(path, OFlag::O_CREAT | OFlag::O_WRONLY, Mode::S_IRUSR) //~ fs-remove-then-create
}

// fire: rustix unlink, then rustix open with CREATE.
pub fn rustix_recreate(path: &Path) -> rustix::io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let _ = rustix::fs::unlink(path);
    rustix::fs::open(path, OFlags::CREATE | OFlags::WRONLY, Mode::RUSR) //~ fs-remove-then-create
}

// quiet: nix open with O_CREAT | O_EXCL fails on a planted file.
pub fn nix_recreate_safely(path: &Path) -> nix::Result<std::os::fd::OwnedFd> {
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;
    let _ = nix::unistd::unlink(path);
    nix::fcntl::open(path, OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_WRONLY, Mode::S_IRUSR)
}

// quiet: rustix open with CREATE | EXCL.
pub fn rustix_recreate_safely(path: &Path) -> rustix::io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let _ = rustix::fs::unlink(path);
    rustix::fs::open(path, OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY, Mode::RUSR)
}

// quiet: fs-err remove only.
pub fn remove_pid(pidfile: &Path) -> std::io::Result<()> {
    fs_err::remove_file(pidfile)
}
