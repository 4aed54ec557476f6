//! Keeping a framework's ID across scheduler restarts.
//!
//! A framework that restarts under the `FrameworkID` the master gave it (within its
//! `failover_timeout`) gets its running tasks back; one that registers without it is a new
//! framework, and the old one's tasks are killed when its failover timeout ends. A
//! [`FrameworkIdStore`] keeps the ID between runs; give one to
//! [`SchedulerDriverBuilder::framework_id_store`](crate::SchedulerDriverBuilder::framework_id_store)
//! and the driver
//!
//! * registers with the stored ID (if the `FrameworkInfo` has none),
//! * saves the ID the master confirms on `registered`,
//! * and, when the master answers that the framework was removed (its failover timeout
//!   passed, or an operator tore it down), clears the store and registers afresh.
//!
//! [`FileStore`] keeps it in a file; implement the trait to keep it elsewhere (ZooKeeper, a
//! database).
//!
//! **A save that fails stops the framework.** If the store cannot save the ID the master
//! confirmed, the driver is aborted: the scheduler's `error` callback (an
//! [`SchedulerEvent::Error`](crate::scheduler::SchedulerEvent::Error) on an event stream)
//! gets a message naming the ID and the error, and `run`/`join` return
//! [`Error::Aborted`](crate::Error::Aborted) with it. A framework that went on would lose its
//! tasks at its next restart (it would register as a new framework); stopping at once
//! leaves them running for the failover timeout, while the cause (a full disk, a directory
//! gone) is fixed, or the ID from the message is written to the store by hand.
//!
//! ```
//! use mesos::framework_id::{FileStore, FileStoreError, FrameworkIdStore};
//! use mesos::types::FrameworkID;
//!
//! let dir = std::env::temp_dir().join(format!("framework-id-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let store = FileStore::new(dir.join("framework-id"))?;
//! // A second store on the same file (another copy of the scheduler) is refused.
//! assert!(matches!(
//!     FileStore::new(dir.join("framework-id")),
//!     Err(FileStoreError::InUse { .. })
//! ));
//! // So is a directory that does not exist.
//! assert!(matches!(
//!     FileStore::new(dir.join("no-such-dir").join("framework-id")),
//!     Err(FileStoreError::MissingDirectory { .. })
//! ));
//! assert_eq!(store.load()?, None);
//! let mut id = FrameworkID::new();
//! id.set_value("4a5e3c1f-0001".into());
//! store.save(&id)?;
//! assert_eq!(store.load()?.map(|id| id.value().to_owned()), Some("4a5e3c1f-0001".into()));
//! store.clear()?;
//! assert_eq!(store.load()?, None);
//! # drop(store);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::types::FrameworkID;

/// Where a framework's ID is kept between runs of its scheduler. Called from the driver's
/// callback thread (save, clear) and from the builder (load).
pub trait FrameworkIdStore: Send + Sync + 'static {
    /// The stored ID, if any.
    fn load(&self) -> std::io::Result<Option<FrameworkID>>;
    /// Stores `id`, replacing any other.
    fn save(&self, id: &FrameworkID) -> std::io::Result<()>;
    /// Forgets the stored ID.
    fn clear(&self) -> std::io::Result<()>;
}

/// A store in one file holding the ID as text (one line), replaced atomically on save.
///
/// While a `FileStore` (or a clone of it) exists, it holds an exclusive lock (`flock`) on
/// a lock file next to the ID file (its name with `.lock` appended), so that two copies of
/// a scheduler never share one ID: the second one's [`FileStore::new`] fails with
/// [`FileStoreError::InUse`]. The lock goes with the process (even when it is killed); the
/// lock file stays (removing it would let two processes lock two different files).
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    lock: Arc<Lock>,
}

/// The lock file, locked while open.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    _file: File,
}

/// Why a [`FileStore`] could not be made. Every variant names the ID file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileStoreError {
    /// The directory the file is to be in does not exist.
    #[error("the directory {} of the framework ID file {} does not exist", .dir.display(), .path.display())]
    MissingDirectory {
        /// The ID file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
    },
    /// The file's directory is not a directory.
    #[error("the framework ID file {}: {} is not a directory", .path.display(), .dir.display())]
    NotADirectory {
        /// The ID file.
        path: PathBuf,
        /// What should be its directory.
        dir: PathBuf,
    },
    /// Files cannot be created in the file's directory (the store replaces the file through
    /// a new one there), or the lock file cannot be opened.
    #[error("cannot write in {} for the framework ID file {}: {source}", .dir.display(), .path.display())]
    NotWritable {
        /// The ID file.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Another `FileStore`, in this process or another one, holds the file's lock: another
    /// copy of the scheduler uses the same ID file.
    #[error(
        "the framework ID file {} is in use by another scheduler{} (its lock {} is held); \
         two schedulers must not share a framework ID",
        .path.display(),
        .holder.map(|pid| format!(" (process {pid})")).unwrap_or_default(),
        .lock.display()
    )]
    InUse {
        /// The ID file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The process that took the lock, as it wrote in the lock file (if it did).
        holder: Option<u32>,
    },
    /// Locking failed for another reason (e.g. a file system without locks).
    #[error("cannot lock the framework ID file {} (through {}): {source}", .path.display(), .lock.display())]
    Lock {
        /// The ID file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl From<FileStoreError> for std::io::Error {
    fn from(e: FileStoreError) -> std::io::Error {
        let kind = match &e {
            FileStoreError::MissingDirectory { .. } => std::io::ErrorKind::NotFound,
            FileStoreError::NotADirectory { .. } => std::io::ErrorKind::InvalidInput,
            FileStoreError::NotWritable { source, .. } | FileStoreError::Lock { source, .. } => {
                source.kind()
            }
            FileStoreError::InUse { .. } => std::io::ErrorKind::WouldBlock,
        };
        std::io::Error::new(kind, e)
    }
}

extern "C" {
    /// flock(2) of the C library.
    fn flock(fd: std::ffi::c_int, operation: std::ffi::c_int) -> std::ffi::c_int;
}
/// flock(2)'s operations (the same values on Linux, the BSDs and macOS).
const LOCK_EX: std::ffi::c_int = 2;
const LOCK_NB: std::ffi::c_int = 4;

/// Takes an exclusive lock on `file` without waiting; `Ok(false)` if another open file
/// holds it.
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: the descriptor is open (owned by `file`, borrowed for the call); flock
        // reads nothing else.
        if unsafe { flock(file.as_raw_fd(), LOCK_EX | LOCK_NB) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.kind() {
            std::io::ErrorKind::Interrupted => continue,
            std::io::ErrorKind::WouldBlock => return Ok(false),
            _ => return Err(e),
        }
    }
}

impl FileStore {
    /// A store in the file `path` (created on the first save). Checks that its directory
    /// exists and that files can be created there, and locks the store for this process
    /// (see [`FileStore`]); each failure is a [`FileStoreError`] naming the path.
    pub fn new(path: impl Into<PathBuf>) -> Result<FileStore, FileStoreError> {
        let path = path.into();
        let dir = directory_of(&path);
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(FileStoreError::NotADirectory { path, dir }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FileStoreError::MissingDirectory { path, dir })
            }
            Err(source) => return Err(FileStoreError::NotWritable { path, dir, source }),
        }
        // A save writes a new file next to the old one and renames it: try that now.
        let probe = dir.join(format!(
            ".{}.{}.probe",
            file_name(&path),
            std::process::id()
        ));
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .or_else(|e| match e.kind() {
                // Left over from a process with our pid: ours to replace.
                std::io::ErrorKind::AlreadyExists => File::create(&probe),
                _ => Err(e),
            });
        match created {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
            }
            Err(source) => return Err(FileStoreError::NotWritable { path, dir, source }),
        }
        let lock_path = dir.join(format!("{}.lock", file_name(&path)));
        let mut file = match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
        {
            Ok(f) => f,
            Err(source) => return Err(FileStoreError::NotWritable { path, dir, source }),
        };
        match try_lock(&file) {
            Ok(true) => {}
            Ok(false) => {
                let holder = std::fs::read_to_string(&lock_path)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                return Err(FileStoreError::InUse {
                    path,
                    lock: lock_path,
                    holder,
                });
            }
            Err(source) => {
                return Err(FileStoreError::Lock {
                    path,
                    lock: lock_path,
                    source,
                })
            }
        }
        // Who holds it, for the next one's error message (only a hint: never read back).
        let _ = file.set_len(0);
        let _ = writeln!(file, "{}", std::process::id());
        Ok(FileStore {
            path,
            lock: Arc::new(Lock {
                path: lock_path,
                _file: file,
            }),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file next to it.
    pub fn lock_path(&self) -> &Path {
        &self.lock.path
    }

    fn error(&self, what: &str, e: std::io::Error) -> std::io::Error {
        std::io::Error::new(
            e.kind(),
            format!("{what} the framework ID file {}: {e}", self.path.display()),
        )
    }
}

impl FrameworkIdStore for FileStore {
    fn load(&self) -> std::io::Result<Option<FrameworkID>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error("cannot read", e)),
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            self.error(
                "cannot use",
                std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
            )
        })?;
        let value = text.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.contains(char::is_whitespace) {
            return Err(self.error(
                "cannot use",
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "more than one word (a framework ID has no spaces)",
                ),
            ));
        }
        Ok(Some(framework_id(value)))
    }

    fn save(&self, id: &FrameworkID) -> std::io::Result<()> {
        let dir = directory_of(&self.path);
        let name = file_name(&self.path);
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            writeln!(f, "{}", id.value())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            // The rename is durable once the directory is.
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            self.error("cannot write", e)
        })
    }

    fn clear(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.error("cannot remove", e)),
        }
    }
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The file name of `path`, as text.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "framework-id".into())
}

/// A store in memory (for tests, or to share the ID inside one process).
#[derive(Debug, Default)]
pub struct MemoryStore {
    id: Mutex<Option<String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl FrameworkIdStore for MemoryStore {
    fn load(&self) -> std::io::Result<Option<FrameworkID>> {
        Ok(self
            .id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            .map(framework_id))
    }

    fn save(&self, id: &FrameworkID) -> std::io::Result<()> {
        *self.id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id.value().to_owned());
        Ok(())
    }

    fn clear(&self) -> std::io::Result<()> {
        *self.id.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }
}

impl<T: FrameworkIdStore> FrameworkIdStore for std::sync::Arc<T> {
    fn load(&self) -> std::io::Result<Option<FrameworkID>> {
        (**self).load()
    }
    fn save(&self, id: &FrameworkID) -> std::io::Result<()> {
        (**self).save(id)
    }
    fn clear(&self) -> std::io::Result<()> {
        (**self).clear()
    }
}

/// The message of the master's error when a framework registers with an ID it removed
/// (`FrameworkErrorMessage`, delivered through `Scheduler::error`).
pub const FRAMEWORK_REMOVED: &str = "Framework has been removed";

/// Sets `framework.id` from `store` unless it has one; returns whether it did. Warns when the
/// framework has no failover timeout (the master then forgets it as soon as it disconnects,
/// so a stored ID is of no use).
pub(crate) fn prepare(
    framework: &mut crate::types::FrameworkInfo,
    store: &dyn FrameworkIdStore,
) -> std::io::Result<bool> {
    if framework.failover_timeout() <= 0.0 {
        tracing::warn!(
            "a FrameworkID store is used but the FrameworkInfo has no failover_timeout: \
             the master removes the framework as soon as the scheduler disconnects"
        );
    }
    if framework.id.is_some() {
        return Ok(false);
    }
    match store.load()? {
        Some(id) => {
            tracing::info!(
                framework_id = id.value(),
                "registering with the stored FrameworkID"
            );
            framework.id = Some(id).into();
            Ok(true)
        }
        None => Ok(false),
    }
}

/// With a store: saves the ID on `registered` (if that fails: delivers `registered`, calls
/// `on_save_failed`, which aborts the driver, and delivers an error saying why); on the
/// master's "framework removed" error, clears the store and calls `on_removed` (which
/// registers afresh) instead of delivering the error. Without: passes everything on.
pub(crate) struct StoreHandler<H> {
    pub(crate) inner: H,
    pub(crate) store: Option<std::sync::Arc<dyn FrameworkIdStore>>,
    /// Registers the framework afresh; `false` returned: deliver the error after all.
    pub(crate) on_removed: Box<dyn FnMut() -> bool + Send>,
    /// Aborts the driver with this message (for `run` and `join`).
    pub(crate) on_save_failed: Box<dyn FnMut(&str) + Send>,
}

impl<H: crate::dispatch::Handler<super::RawEvent>> crate::dispatch::Handler<super::RawEvent>
    for StoreHandler<H>
{
    fn deliver(&mut self, event: super::RawEvent) {
        use super::RawEvent;
        let Some(store) = &self.store else {
            return self.inner.deliver(event);
        };
        match &event {
            RawEvent::Registered(id, _) => match crate::ffi::decode::<FrameworkID>(id) {
                Ok(id) => {
                    if let Err(e) = store.save(&id) {
                        let message = format!(
                            "could not save the FrameworkID {}: {e}; the driver is aborted so \
                             that the framework does not run under an ID its next start would \
                             not know (its tasks keep running for the failover timeout)",
                            id.value()
                        );
                        tracing::error!(framework_id = id.value(), error = %e, "could not save the FrameworkID; aborting the driver");
                        self.inner.deliver(event);
                        (self.on_save_failed)(&message);
                        self.inner.deliver(RawEvent::Error(message.into_bytes()));
                        return;
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not decode the FrameworkID"),
            },
            RawEvent::Error(message) if message.as_slice() == FRAMEWORK_REMOVED.as_bytes() => {
                tracing::warn!("the master removed the framework; forgetting its FrameworkID");
                if let Err(e) = store.clear() {
                    tracing::error!(error = %e, "could not clear the FrameworkID store");
                }
                if (self.on_removed)() {
                    return;
                }
            }
            _ => {}
        }
        self.inner.deliver(event);
    }
    fn panicked(&mut self, message: &str) {
        self.inner.panicked(message)
    }
    fn stopped(&mut self) {
        self.inner.stopped()
    }
    fn idle(&mut self) {
        self.inner.idle()
    }
}

fn framework_id(value: &str) -> FrameworkID {
    let mut id = FrameworkID::new();
    id.set_value(value.to_owned());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_round_trips_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("id")).unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.save(&framework_id("a-0001")).unwrap();
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "a-0001\n");
        store.save(&framework_id("b-0002")).unwrap();
        assert_eq!(store.load().unwrap().unwrap().value(), "b-0002");
        // Nothing but the file and its lock is left in the directory (the temporary was
        // renamed).
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["id", "id.lock"]);
        store.clear().unwrap();
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);

        std::fs::write(store.path(), "  \n").unwrap();
        assert_eq!(store.load().unwrap(), None);
        std::fs::write(store.path(), "two words\n").unwrap();
        let e = store.load().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            e.to_string().contains(&store.path().display().to_string()),
            "{e}"
        );
        std::fs::write(store.path(), [0xff, 0xfe]).unwrap();
        assert_eq!(
            store.load().unwrap_err().kind(),
            std::io::ErrorKind::InvalidData
        );
        // A directory removed after the store was made: the save fails, naming the file.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let gone = FileStore::new(sub.join("id")).unwrap();
        std::fs::remove_dir_all(&sub).unwrap();
        let e = gone.save(&framework_id("c")).unwrap_err();
        assert!(e.to_string().contains("sub"), "{e}");
    }

    #[test]
    fn file_store_checks_its_directory_when_made() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("id");
        let e = FileStore::new(&missing).unwrap_err();
        assert!(
            matches!(&e, FileStoreError::MissingDirectory { path, .. } if path == &missing),
            "{e:?}"
        );
        assert!(e.to_string().contains("no-such-dir"), "{e}");
        assert_eq!(std::io::Error::from(e).kind(), std::io::ErrorKind::NotFound);

        let file = dir.path().join("plain");
        std::fs::write(&file, "").unwrap();
        let e = FileStore::new(file.join("id")).unwrap_err();
        assert!(matches!(e, FileStoreError::NotADirectory { .. }), "{e:?}");

        // Read-only directory (root may write anyway: then the store is fine).
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        match FileStore::new(ro.join("id")) {
            Err(FileStoreError::NotWritable { path, source, .. }) => {
                assert_eq!(path, ro.join("id"));
                assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied);
            }
            Ok(store) => assert!(store.save(&framework_id("root")).is_ok()),
            Err(e) => panic!("{e:?}"),
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        // A directory nobody can create files in, root included (sysfs), when there is one.
        if Path::new("/sys/kernel").is_dir() {
            match FileStore::new("/sys/framework-id") {
                Err(e @ FileStoreError::NotWritable { .. }) => {
                    assert!(e.to_string().contains("/sys/framework-id"), "{e}")
                }
                other => panic!("{other:?}"),
            }
        }
        // The probe file is gone either way.
        assert!(std::fs::read_dir(&ro).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".probe")));
    }

    #[test]
    fn a_second_store_on_the_same_file_is_refused_until_the_first_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id");
        let first = FileStore::new(&path).unwrap();
        let copy = first.clone();
        drop(first);
        // A clone keeps the lock.
        let e = FileStore::new(&path).unwrap_err();
        match &e {
            FileStoreError::InUse {
                path: p, holder, ..
            } => {
                assert_eq!(p, &path);
                assert_eq!(*holder, Some(std::process::id()));
            }
            other => panic!("{other:?}"),
        }
        let text = e.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("in use by another scheduler"), "{text}");
        drop(copy);
        let again = FileStore::new(&path).unwrap();
        assert_eq!(again.lock_path(), dir.path().join("id.lock"));
    }

    #[test]
    fn memory_store_round_trips() {
        let store = MemoryStore::new();
        assert_eq!(store.load().unwrap(), None);
        store.save(&framework_id("x")).unwrap();
        assert_eq!(store.load().unwrap().unwrap().value(), "x");
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }
}
