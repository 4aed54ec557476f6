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
//! ```
//! use mesos::framework_id::{FileStore, FrameworkIdStore};
//! use mesos::types::FrameworkID;
//!
//! let dir = std::env::temp_dir().join(format!("framework-id-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let store = FileStore::new(dir.join("framework-id"));
//! assert_eq!(store.load()?, None);
//! let mut id = FrameworkID::new();
//! id.set_value("4a5e3c1f-0001".into());
//! store.save(&id)?;
//! assert_eq!(store.load()?.map(|id| id.value().to_owned()), Some("4a5e3c1f-0001".into()));
//! store.clear()?;
//! assert_eq!(store.load()?, None);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in the file `path` (created on the first save; its directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
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
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "framework-id".into());
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

/// With a store: saves the ID on `registered`; on the master's "framework removed" error,
/// clears the store and calls `on_removed` (which registers afresh) instead of delivering
/// the error. Without: passes everything on.
pub(crate) struct StoreHandler<H> {
    pub(crate) inner: H,
    pub(crate) store: Option<std::sync::Arc<dyn FrameworkIdStore>>,
    /// Registers the framework afresh; `false` returned: deliver the error after all.
    pub(crate) on_removed: Box<dyn FnMut() -> bool + Send>,
}

impl<H: crate::dispatch::Handler<crate::scheduler::RawEvent>>
    crate::dispatch::Handler<crate::scheduler::RawEvent> for StoreHandler<H>
{
    fn deliver(&mut self, event: crate::scheduler::RawEvent) {
        use crate::scheduler::RawEvent;
        let Some(store) = &self.store else {
            return self.inner.deliver(event);
        };
        match &event {
            RawEvent::Registered(id, _) => match crate::ffi::decode::<FrameworkID>(id) {
                Ok(id) => {
                    if let Err(e) = store.save(&id) {
                        tracing::error!(error = %e, "could not save the FrameworkID");
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
        let store = FileStore::new(dir.path().join("id"));
        assert_eq!(store.load().unwrap(), None);
        store.save(&framework_id("a-0001")).unwrap();
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "a-0001\n");
        store.save(&framework_id("b-0002")).unwrap();
        assert_eq!(store.load().unwrap().unwrap().value(), "b-0002");
        // Nothing but the file is left in the directory (the temporary was renamed).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
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
        let missing = FileStore::new(dir.path().join("no-such-dir").join("id"));
        let e = missing.save(&framework_id("c")).unwrap_err();
        assert!(e.to_string().contains("no-such-dir"), "{e}");
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
