//! A server that writes its config, socket directory and TLS keys at
//! start-up, with tokio::fs, fs-err, nix and rustix.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct Server {
    pub data_dir: PathBuf,
}

impl Server {
    // fire: tokio create, then tokio set_permissions by path (machine-
    // applicable: tokio's OpenOptions has `mode`, its File `set_permissions`).
    pub async fn write_tls_key(&self, pem: &[u8]) -> std::io::Result<()> {
        let key = self.data_dir.join("tls.key");
        let mut file = tokio::fs::File::create(&key).await?;
        tokio::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).await?; //~ fs-create-then-chmod
        tokio::io::AsyncWriteExt::write_all(&mut file, pem).await
    }

    // fire: tokio create_dir, then set_permissions.
    pub async fn make_socket_dir(&self) -> std::io::Result<()> {
        let dir = self.data_dir.join("run");
        tokio::fs::create_dir(&dir).await?;
        tokio::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).await?; //~ fs-create-then-chmod
        Ok(())
    }

    // fire: tokio::fs::write of the config, then chmod.
    pub async fn save_config(&self, toml: String) -> std::io::Result<()> {
        let cfg = self.data_dir.join("config.toml");
        tokio::fs::write(&cfg, toml).await?;
        tokio::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o640)).await //~ fs-create-then-chmod
    }

    // quiet: tokio's OpenOptions with the mode, nothing after it.
    pub async fn write_tls_key_safely(&self, pem: &[u8]) -> std::io::Result<()> {
        let key = self.data_dir.join("tls.key");
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .mode(0o600)
            .open(&key)
            .await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, pem).await
    }

    // quiet: tokio DirBuilder with the mode.
    pub async fn make_socket_dir_safely(&self) -> std::io::Result<()> {
        tokio::fs::DirBuilder::new()
            .mode(0o700)
            .create(self.data_dir.join("run"))
            .await
    }
}

// fire: fs-err mirrors std::fs.
pub fn write_state(path: &Path, state: &str) -> std::io::Result<()> {
    fs_err::write(path, state)?;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o600)) //~ fs-create-then-chmod
}

// fire: nix mkdir gives a mode, but nix chown by path can still be
// redirected by a link swapped in.
pub fn make_home(home: &Path, uid: nix::unistd::Uid) -> nix::Result<()> {
    nix::unistd::mkdir(home, nix::sys::stat::Mode::S_IRWXU)?;
    nix::unistd::chown(home, Some(uid), None) //~ fs-create-then-chmod
}

// fire: rustix open with CREATE, then rustix chmod by path.
pub fn rustix_key(path: &Path) -> rustix::io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let _fd = rustix::fs::open(path, OFlags::CREATE | OFlags::WRONLY, Mode::RUSR | Mode::WUSR)?;
    rustix::fs::chmod(path, Mode::RUSR)?; //~ fs-create-then-chmod
    Ok(())
}

// fire: nix fchmodat on a path created with fs::write.
pub fn nix_chmod(dir: &Path) -> nix::Result<()> {
    let p = dir.join("pid");
    std::fs::write(&p, b"1").ok();
    nix::sys::stat::fchmodat( //~ fs-create-then-chmod
        None,
        &p,
        nix::sys::stat::Mode::S_IRUSR,
        nix::sys::stat::FchmodatFlags::FollowSymlink,
    )
}

// quiet: nix open with O_CREAT and a mode, then fchmod on the descriptor.
pub fn nix_key(path: &Path) -> nix::Result<()> {
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;
    let fd = nix::fcntl::open(path, OFlag::O_CREAT | OFlag::O_WRONLY, Mode::S_IRUSR)?;
    nix::sys::stat::fchmod(fd, Mode::S_IRUSR)
}

// quiet: rustix mkdir with a mode, nothing after it.
pub fn rustix_dir(path: &Path) -> rustix::io::Result<()> {
    rustix::fs::mkdir(path, rustix::fs::Mode::RWXU)
}

// quiet: fs-err create_dir_all only.
pub fn ensure(path: &Path) -> std::io::Result<()> {
    fs_err::create_dir_all(path)
}
