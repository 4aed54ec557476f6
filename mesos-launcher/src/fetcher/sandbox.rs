//! Writing inside a directory without leaving it: every parent directory is created one
//! component at a time and checked (after resolving symbolic links) to lie inside the
//! directory, and files are opened without following a symbolic link in their last
//! component.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::Cause;

/// A directory (the sandbox) that files are written into.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The directory as given.
    root: PathBuf,
    /// The directory with every symbolic link resolved.
    canonical: PathBuf,
}

impl Sandbox {
    /// The sandbox at `root`, which must be an existing directory.
    pub fn open(root: &Path) -> Result<Sandbox, Cause> {
        let canonical = root
            .canonicalize()
            .map_err(|e| Cause::Local(format!("sandbox directory '{}': {e}", root.display())))?;
        if !canonical.is_dir() {
            return Err(Cause::Local(format!(
                "sandbox '{}' is not a directory",
                root.display()
            )));
        }
        Ok(Sandbox {
            root: root.to_owned(),
            canonical,
        })
    }

    /// The sandbox directory as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `rel` (a relative path of normal components) under the sandbox, with its parent
    /// directories created (mode 0755 before the umask) and checked to lie inside it.
    pub fn prepare(&self, rel: &Path) -> Result<PathBuf, Cause> {
        let mut dir = self.canonical.clone();
        let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(p) => parts.push(p),
                Component::CurDir => {}
                _ => {
                    return Err(Cause::Unsafe(format!(
                        "'{}' is not a plain relative path",
                        rel.display()
                    )))
                }
            }
        }
        let Some((last, parents)) = parts.split_last() else {
            return Err(Cause::Unsafe("an empty path".into()));
        };
        for p in parents {
            dir.push(p);
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(Cause::Local(format!(
                        "create directory '{}': {e}",
                        dir.display()
                    )))
                }
            }
            dir = self.inside(&dir, rel)?;
        }
        Ok(dir.join(last))
    }

    /// The directory `rel` under the sandbox, created if missing, checked to lie inside it.
    pub fn directory(&self, rel: &Path) -> Result<PathBuf, Cause> {
        let path = self.prepare(rel)?;
        match std::fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(Cause::Local(format!(
                    "create directory '{}': {e}",
                    path.display()
                )))
            }
        }
        self.inside(&path, rel)
    }

    /// `path` resolved, if it lies inside the sandbox.
    fn inside(&self, path: &Path, rel: &Path) -> Result<PathBuf, Cause> {
        let resolved = path
            .canonicalize()
            .map_err(|e| Cause::Local(format!("resolve '{}': {e}", path.display())))?;
        if !resolved.is_dir() {
            return Err(Cause::Local(format!(
                "'{}' is not a directory",
                path.display()
            )));
        }
        if !resolved.starts_with(&self.canonical) {
            return Err(Cause::Unsafe(format!(
                "'{}' would be written outside the sandbox (through a symbolic link to '{}')",
                rel.display(),
                resolved.display()
            )));
        }
        Ok(resolved)
    }

    /// Creates (or truncates) the file at `path` (from [`prepare`](Self::prepare)) for
    /// writing, mode 0644 before the umask; refuses a symbolic link in its place.
    pub fn create(path: &Path) -> Result<File, Cause> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    Cause::Unsafe(format!(
                        "'{}' is a symbolic link; refusing to write through it",
                        path.display()
                    ))
                } else {
                    Cause::Local(format!("create '{}': {e}", path.display()))
                }
            })
    }
}

/// Makes `path` executable by everyone and writable by its owner (mode 0755), as the agent's
/// `executable` asks.
pub fn make_executable(path: &Path) -> Result<(), Cause> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Cause::Local(format!("chmod 0755 '{}': {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_are_created_and_symlinks_out_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let sb = Sandbox::open(dir.path()).unwrap();
        let p = sb.prepare(Path::new("a/b/c.txt")).unwrap();
        assert!(dir.path().join("a/b").is_dir());
        std::fs::write(&p, "x").unwrap();

        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        let err = sb.prepare(Path::new("out/x")).unwrap_err();
        assert!(matches!(err, Cause::Unsafe(_)), "{err:?}");
        let err = sb.prepare(Path::new("out/new/x")).unwrap_err();
        assert!(matches!(err, Cause::Unsafe(_)), "{err:?}");
        assert!(!outside.path().join("new").exists());

        // A link inside the sandbox is fine.
        std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("in")).unwrap();
        sb.prepare(Path::new("in/y")).unwrap();

        // The file itself may not be a link.
        std::os::unix::fs::symlink(outside.path().join("f"), dir.path().join("lnk")).unwrap();
        let p = sb.prepare(Path::new("lnk")).unwrap();
        assert!(matches!(Sandbox::create(&p), Err(Cause::Unsafe(_))));
        assert!(!outside.path().join("f").exists());
    }
}
