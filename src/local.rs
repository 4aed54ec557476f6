//! Configuration of libmesos' in-process local cluster (master `"local"`).
//!
//! With master `"local"`, the scheduler driver starts a master and agent(s) inside the
//! process. They read their flags from `MESOS_*` environment variables, which must be set
//! before the driver is created. [`LocalCluster`] sets sensible ones (loopback address, a
//! fresh work directory, the POSIX launcher, quiet logging, and the dev kit's helper programs
//! when the linked libmesos is the dev kit) and removes the work directory again.
//!
//! Changing the environment is only sound while no other thread reads it, so
//! [`LocalCluster::apply`] refuses to run unless it is the only thread of the process: call
//! it first thing in `main`. Where other threads exist already (an async runtime, a test
//! harness, a second cluster after a first one), [`LocalCluster::apply_unchecked`] does the
//! same under a contract the caller keeps.
//!
//! ```no_run
//! use mesos::local::LocalCluster;
//! fn main() -> std::io::Result<()> {
//!     let cluster = LocalCluster::new().resources("cpus:4;mem:1024").agents(2).apply()?;
//!     // ... SchedulerDriver::builder(info, "local") ...
//!     drop(cluster);
//!     Ok(())
//! }
//! ```
//!
//! Only one local cluster can run in a process at a time; a second driver in the same
//! process connects to the first one's master by its address (`host:port` from
//! `MasterInfo`), not with `"local"`.
//!
//! # A master other processes can reach
//!
//! The master listens on this process' own libprocess address: [`LocalCluster::ip`] and
//! [`LocalCluster::port`] choose it (default `127.0.0.1` and a free port). Frameworks in other
//! processes then use `ip:port` as their master. The `mesos-local` program does exactly this
//! from the command line (a master and agents until SIGINT/SIGTERM).
//!
//! ```no_run
//! use mesos::local::LocalCluster;
//! fn main() -> std::io::Result<()> {
//!     let _cluster = LocalCluster::new()
//!         .ip("127.0.0.1".parse().unwrap())
//!         .port(5050)
//!         .agents(2)
//!         .resources("cpus:2;mem:512;ports:[31000-31099]")
//!         .attributes("rack:r1;zone:a")
//!         .roles("web,batch")
//!         .weights("web=2,batch=1")
//!         .authenticate_frameworks(true)
//!         .credentials("/etc/mesos/credentials.json")
//!         .apply()?;
//!     // SchedulerDriver::builder(info, "local") ... starts the master on 127.0.0.1:5050.
//!     Ok(())
//! }
//! ```
//!
//! # The work directory
//!
//! Every [`apply`](LocalCluster::apply) makes a fresh directory (in the system's temporary
//! directory, or under [`LocalCluster::work_dir_parent`]) and removes it again: when the
//! guard drops (or, while a driver with master `"local"` still runs, once it is freed), at
//! normal process exit, and right before SIGINT or SIGTERM end the process. A process killed
//! with SIGKILL (or dying of another signal) cannot remove anything: its directory stays
//! behind, and the next [`apply`](LocalCluster::apply) in the same parent directory, in any
//! process, removes it. Each directory holds a lock (`flock`) for as long as the process that
//! made it lives, which the kernel releases however that process ends, so only directories of
//! processes that are gone are removed, and never one that was kept. (When libmesos ends the
//! process on an error of its own while its agents run, an agent may make part of the
//! directory again after the exit's removal, without the lock: that one is not swept.)

use crate::process::threads_in_process;
use std::ffi::c_int;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

/// The prefix of every work directory's name.
const DIR_PREFIX: &str = "mesos-rs-local-";
/// The file in a work directory locked by the process that made it, for its lifetime.
const LOCK_FILE: &str = ".mesos-rs-local.lock";
/// The file in a work directory that was kept: never swept.
const KEEP_FILE: &str = ".mesos-rs-local.keep";

/// Settings for the in-process local cluster; see the [module docs](self).
#[derive(Debug, Clone)]
#[must_use]
pub struct LocalCluster {
    resources: Option<String>,
    agents: u32,
    logging_level: String,
    launcher_dir: Option<PathBuf>,
    extra: Vec<(String, String)>,
    keep_work_dir: bool,
    ip: Option<std::net::IpAddr>,
    port: Option<u16>,
    attributes: Option<String>,
    roles: Option<String>,
    weights: Option<String>,
    credentials: Option<PathBuf>,
    authenticate_frameworks: Option<bool>,
    work_dir_parent: Option<PathBuf>,
}

/// The applied configuration: owns the cluster's work directory, which is removed when the
/// guard is dropped (or, if a driver with master `"local"` still runs then, as soon as the
/// last one is freed), and in any case when the process exits normally or is ended by SIGINT
/// or SIGTERM (see [`crate::shutdown`] to stop cleanly on those instead); unless kept
/// ([`LocalCluster::keep_work_dir`], [`LocalClusterGuard::keep`]). Its
/// [`sandbox`](LocalClusterGuard::sandbox) gives the files of a task's sandbox.
#[derive(Debug)]
#[must_use = "the work directory is removed when the guard is dropped: keep it while the cluster runs"]
pub struct LocalClusterGuard {
    work_dir: PathBuf,
    kept: bool,
}

impl LocalClusterGuard {
    /// The cluster's work directory (fresh for every [`LocalCluster::apply`]).
    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }

    /// The sandbox of a task run by this cluster's agents, to read its `stdout`, `stderr`
    /// and other files (see [`crate::sandbox`]). Takes a task id, a `&TaskStatus` or a
    /// `&TaskInfo`.
    ///
    /// ```no_run
    /// # fn f(cluster: &mesos::local::LocalClusterGuard, status: &mesos::types::TaskStatus)
    /// # -> Result<(), mesos::sandbox::SandboxError> {
    /// // In `status_update`, once the task has finished:
    /// print!("{}", cluster.sandbox(status)?.stdout()?);
    /// # Ok(()) }
    /// ```
    pub fn sandbox(
        &self,
        task: impl Into<crate::sandbox::TaskRef>,
    ) -> Result<crate::sandbox::Sandbox, crate::sandbox::SandboxError> {
        crate::sandbox::Sandbox::find_in(&self.work_dir, task)
    }

    /// Keeps the work directory (and so every sandbox) after this guard drops and after the
    /// process exits; returns its path. Removing it is then up to you.
    pub fn keep(&mut self) -> &Path {
        self.kept = true;
        work_dirs().retain(|(d, _)| *d != self.work_dir);
        mark_kept(&self.work_dir);
        &self.work_dir
    }
}

impl Drop for LocalClusterGuard {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let mut dirs = work_dirs();
        if let Some(entry) = dirs.iter_mut().find(|(d, _)| *d == self.work_dir) {
            entry.1 = true;
        }
        if LOCAL_DRIVERS.load(Ordering::SeqCst) == 0 {
            remove(&self.work_dir);
        } else {
            // The agent still writes there and would make it again: wait for the driver.
            tracing::debug!(work_dir = %self.work_dir.display(),
                "local cluster still running; its work directory goes when the driver is freed");
        }
    }
}

/// Drivers with master `"local"` alive in this process.
static LOCAL_DRIVERS: AtomicUsize = AtomicUsize::new(0);

/// Every work directory made in this process, and whether its guard is gone.
static WORK_DIRS: Mutex<Vec<(PathBuf, bool)>> = Mutex::new(Vec::new());

fn work_dirs() -> MutexGuard<'static, Vec<(PathBuf, bool)>> {
    WORK_DIRS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn remove(dir: &Path) {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {
            tracing::debug!(work_dir = %dir.display(), "local cluster work directory removed")
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(work_dir = %dir.display(), error = %e,
            "could not remove the local cluster's work directory"),
    }
}

/// A driver with master `"local"` was created (libmesos started the cluster).
pub(crate) fn local_driver_created() {
    LOCAL_DRIVERS.fetch_add(1, Ordering::SeqCst);
    // A SIGINT or SIGTERM now removes the work directory before ending the process.
    crate::signals::before_ending(remove_work_dirs_now);
    if let Err(e) = crate::signals::install() {
        tracing::warn!(error = %e, "the local cluster's work directory stays on SIGINT/SIGTERM");
    }
}

/// A driver with master `"local"` was freed (libmesos shut the cluster down): remove the work
/// directories whose guards went while it ran.
pub(crate) fn local_driver_freed() {
    if LOCAL_DRIVERS.fetch_sub(1, Ordering::SeqCst) == 1 {
        for (dir, released) in work_dirs().iter() {
            if *released {
                remove(dir);
            }
        }
    }
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> c_int;
}

/// At exit, whatever is left of this process' work directories goes (a guard that was never
/// dropped, e.g. after `std::process::exit`, or a directory libmesos made again).
extern "C" fn remove_work_dirs_at_exit() {
    remove_work_dirs_now();
}

/// Removes every work directory of this process now (at exit, or before a signal ends it).
fn remove_work_dirs_now() {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // Never wait at exit: a thread holding the list is still using it.
        let dirs = match WORK_DIRS.try_lock() {
            Ok(dirs) => dirs,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        for (dir, _) in dirs.iter() {
            remove_while_written(dir);
        }
    }));
}

/// Removes `dir` although libmesos' threads may still be writing into it (they run until the
/// process is gone): a removal that meets a file made meanwhile fails, and a directory made
/// again after it appears anew. So it is removed again while it is there, a few times over
/// about 0.2 s at most, and checked once more after the first success.
fn remove_while_written(dir: &Path) {
    let mut confirmed = false;
    for _ in 0..40 {
        if dir.exists() {
            let _ = std::fs::remove_dir_all(dir);
            confirmed = false;
        } else if confirmed {
            return;
        } else {
            confirmed = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn remove_at_exit() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a function that takes no arguments and never unwinds.
        if unsafe { atexit(remove_work_dirs_at_exit) } != 0 {
            tracing::warn!(
                "could not register the removal of local cluster work directories at exit"
            );
        }
    });
}

/// Where the dev kit keeps the programs an agent runs to start executors
/// (`<kit>/libexec/mesos`), when the linked libmesos is the dev kit; `None` for a real Mesos
/// installation, which has its own.
///
/// ```
/// if let Some(dir) = mesos::local::devkit_launcher_dir() {
///     assert!(dir.ends_with("libexec/mesos"));
/// }
/// ```
pub fn devkit_launcher_dir() -> Option<PathBuf> {
    mesos_sys::linked::DEVKIT_DIR.map(|kit| Path::new(kit).join("libexec").join("mesos"))
}

impl Default for LocalCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalCluster {
    /// Defaults: one agent with the machine's resources, libmesos logging at `ERROR`.
    pub fn new() -> Self {
        LocalCluster {
            resources: None,
            agents: 1,
            logging_level: "ERROR".into(),
            launcher_dir: None,
            extra: Vec::new(),
            keep_work_dir: false,
            ip: None,
            port: None,
            attributes: None,
            roles: None,
            weights: None,
            credentials: None,
            authenticate_frameworks: None,
            work_dir_parent: None,
        }
    }

    /// The address the master (and this process' libprocess) listens on, `LIBPROCESS_IP`;
    /// default: `LIBPROCESS_IP` from the environment, else `127.0.0.1`. Use `0.0.0.0` only
    /// together with `LIBPROCESS_ADVERTISE_IP`, as with any Mesos master.
    pub fn ip(mut self, ip: std::net::IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// The port the master listens on, `LIBPROCESS_PORT` (the port of the whole process'
    /// libprocess, which the master shares); `0` or unset: any free port, which
    /// `MasterInfo` (e.g. in `registered`) tells. A port in use makes libmesos end the
    /// process when the driver is created, as a Mesos master does.
    ///
    /// ```no_run
    /// # fn main() -> std::io::Result<()> {
    /// let _cluster = mesos::local::LocalCluster::new().port(5050).apply()?;
    /// // Other processes reach this master at 127.0.0.1:5050 once the driver started it.
    /// # Ok(()) }
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The attributes of each agent, in Mesos syntax (`"rack:r1;zone:a;gpu_model:none"`),
    /// the agent flag `attributes`; every agent of the local cluster gets the same ones.
    pub fn attributes(mut self, attributes: impl Into<String>) -> Self {
        self.attributes = Some(attributes.into());
        self
    }

    /// The roles frameworks may use, comma-separated (`"web,batch"`), the master flag
    /// `roles` (deprecated in Mesos but honoured by 1.11: a framework asking for another
    /// role is refused). Unset: any role.
    pub fn roles(mut self, roles: impl Into<String>) -> Self {
        self.roles = Some(roles.into());
        self
    }

    /// The roles' weights in the allocator's fair sharing, `role=weight` pairs separated by
    /// commas (`"web=2,batch=0.5"`), the master flag `weights`. Each weight must be a
    /// positive number: anything else is refused by [`apply`](Self::apply).
    pub fn weights(mut self, weights: impl Into<String>) -> Self {
        self.weights = Some(weights.into());
        self
    }

    /// The file of credentials frameworks authenticate with (CRAM-MD5), the master flag
    /// `credentials`, in JSON (`{"credentials":[{"principal":"p","secret":"s"}]}`, the only
    /// format Mesos 1.11 reads; another makes libmesos end the process when the driver
    /// starts the cluster). It must exist when [`apply`](Self::apply) runs.
    pub fn credentials(mut self, file: impl Into<PathBuf>) -> Self {
        self.credentials = Some(file.into());
        self
    }

    /// Whether the master accepts only authenticated frameworks, the master flag
    /// `authenticate_frameworks`. Needs [`credentials`](Self::credentials) (or
    /// `MESOS_CREDENTIALS`): [`apply`](Self::apply) refuses it otherwise.
    ///
    /// ```no_run
    /// # fn main() -> std::io::Result<()> {
    /// std::fs::write("creds.json", r#"{"credentials":[{"principal":"me","secret":"s3cret"}]}"#)?;
    /// let _cluster = mesos::local::LocalCluster::new()
    ///     .authenticate_frameworks(true)
    ///     .credentials("creds.json")
    ///     .apply()?;
    /// // The driver then needs SchedulerDriverBuilder::credential (principal "me").
    /// # Ok(()) }
    /// ```
    pub fn authenticate_frameworks(mut self, on: bool) -> Self {
        self.authenticate_frameworks = Some(on);
        self
    }

    /// The directory in which the cluster's fresh work directory is made (created if
    /// missing); default: the system's temporary directory. Only the fresh directory inside
    /// it is ever removed, never `dir` itself; directories left there by processes killed
    /// with SIGKILL are removed by the next [`apply`](Self::apply) with the same `dir`.
    pub fn work_dir_parent(mut self, dir: impl Into<PathBuf>) -> Self {
        self.work_dir_parent = Some(dir.into());
        self
    }

    /// Keeps the work directory after the guard drops and after the process exits, to read
    /// the sandboxes afterwards (e.g. while debugging); the guard's
    /// [`work_dir`](LocalClusterGuard::work_dir) says where it is. Removing it is then up to
    /// you. [`LocalClusterGuard::keep`] decides the same later.
    pub fn keep_work_dir(mut self, keep: bool) -> Self {
        self.keep_work_dir = keep;
        self
    }

    /// The resources of each agent, in Mesos syntax (`"cpus:4;mem:1024;ports:[31000-32000]"`).
    pub fn resources(mut self, resources: impl Into<String>) -> Self {
        self.resources = Some(resources.into());
        self
    }

    /// The number of agents.
    pub fn agents(mut self, n: u32) -> Self {
        self.agents = n;
        self
    }

    /// The level of libmesos' log files (`INFO`, `WARNING`, `ERROR`), written only when
    /// `MESOS_LOG_DIR` is set; `MESOS_LOGGING_LEVEL` in the environment wins. What reaches
    /// `tracing` or stderr is set by `MESOS_RS_LIBMESOS_LOG` (see [`crate::logging`]).
    pub fn logging_level(mut self, level: impl Into<String>) -> Self {
        self.logging_level = level.into();
        self
    }

    /// Where the agents find `mesos-containerizer`, `mesos-executor` and `mesos-fetcher`, the
    /// programs they run to start executors and fetch task URIs (the agent flag `launcher_dir`,
    /// `MESOS_LAUNCHER_DIR`).
    ///
    /// Without it: `MESOS_LAUNCHER_DIR` from the environment if set, else
    /// [`devkit_launcher_dir`] when the linked libmesos is the dev kit (and that directory
    /// exists), else libmesos' own default (a real installation's `libexec/mesos`).
    pub fn launcher_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.launcher_dir = Some(dir.into());
        self
    }

    /// Any other master/agent flag, as `MESOS_<FLAG>` (e.g. `("MESOS_ALLOCATION_INTERVAL", "100ms")`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    /// Makes a fresh work directory and writes the environment, when this is the only thread
    /// of the process (so nothing can read the environment while it changes): call it at the
    /// start of `main`, before any runtime, logger thread or driver exists. Otherwise it
    /// fails with an error saying so, and [`apply_unchecked`](Self::apply_unchecked) is the
    /// way. Settings the linked libmesos cannot honour are refused as there.
    ///
    /// ```no_run
    /// fn main() -> std::io::Result<()> {
    ///     let _cluster = mesos::local::LocalCluster::new().apply()?;
    ///     // start runtimes and threads, create the driver with master "local", ...
    ///     Ok(())
    /// }
    /// ```
    pub fn apply(self) -> io::Result<LocalClusterGuard> {
        match threads_in_process() {
            Some(1) => {}
            Some(n) => {
                return Err(io::Error::other(format!(
                    "LocalCluster::apply changes the environment, which is only sound while no \
                     other thread runs, and this process has {n} threads: call it first in \
                     main, or see LocalCluster::apply_unchecked"
                )))
            }
            None => {
                return Err(io::Error::other(
                    "LocalCluster::apply could not count this process' threads \
                     (/proc/self/status); see LocalCluster::apply_unchecked",
                ))
            }
        }
        // SAFETY: this is the only thread of the process: nothing else reads or writes the
        // environment while it changes, and no driver (and so no libmesos thread) exists.
        unsafe { self.apply_unchecked() }
    }

    /// [`apply`](Self::apply) without the check that no other thread exists. Fails if a
    /// driver with master `"local"` still runs in this process (libmesos runs one local
    /// cluster at a time).
    ///
    /// When the linked libmesos is the dev kit, whose OpenSSL is a stand-in that aborts the
    /// process when called, settings that make libmesos call it are refused before anything
    /// is written or started, whether they come from [`env`](Self::env) or the process
    /// environment: executor authentication (`MESOS_AUTHENTICATE_HTTP_EXECUTORS`,
    /// `MESOS_JWT_SECRET_KEY` or its older name `MESOS_EXECUTOR_SECRET_KEY`, `jwt` in
    /// `MESOS_HTTP_AUTHENTICATORS`) and SSL (`LIBPROCESS_SSL_ENABLED`). The error is of kind
    /// [`io::ErrorKind::Unsupported`] and carries a
    /// [`crate::Error::UnsupportedSettings`] naming them:
    ///
    /// ```no_run
    /// use mesos::local::LocalCluster;
    /// // SAFETY: no other thread exists yet.
    /// let refused = unsafe {
    ///     LocalCluster::new().env("LIBPROCESS_SSL_ENABLED", "true").apply_unchecked()
    /// };
    /// if let Err(e) = refused {
    ///     if let Some(mesos::Error::UnsupportedSettings { settings, .. }) =
    ///         e.get_ref().and_then(|e| e.downcast_ref::<mesos::Error>())
    ///     {
    ///         eprintln!("not on the dev kit: {settings:?}");
    ///     }
    /// }
    /// ```
    ///
    /// # Safety
    ///
    /// This sets environment variables (`std::env::set_var`), which is sound only while no
    /// other thread reads or writes the environment except through `std::env` (which takes
    /// the same lock). So during the call: no libmesos driver may be running (drivers dropped
    /// earlier are fine: libmesos' threads then sit idle), and no other thread may call into C
    /// code that reads the environment (`getenv`, DNS resolution, time zone or locale
    /// functions, ...). A test harness thread waiting for the test is fine.
    ///
    /// ```no_run
    /// use mesos::local::LocalCluster;
    /// # #[tokio::main] async fn main() -> std::io::Result<()> {
    /// // SAFETY: the runtime's worker threads are idle and no driver exists yet.
    /// let _cluster = unsafe { LocalCluster::new().apply_unchecked()? };
    /// # Ok(()) }
    /// ```
    pub unsafe fn apply_unchecked(self) -> io::Result<LocalClusterGuard> {
        if standin_libcrypto() {
            let refused = settings_needing_openssl(&self.extra);
            if !refused.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    crate::Error::UnsupportedSettings {
                        settings: refused,
                        reason: format!(
                            "the linked libmesos is the mesos-rs dev kit at {}, whose OpenSSL \
                             (libcrypto.so.1.0.0, libssl.so.1.0.0) is a stand-in that aborts \
                             the process when called: the agent signs a token for every \
                             executor with HMAC-SHA256 when it has a secret key, a JWT \
                             authenticator checks tokens the same way, and SSL needs all of \
                             OpenSSL; use a Mesos installation built with SSL for these",
                            mesos_sys::linked::DEVKIT_DIR.unwrap_or("?")
                        ),
                    },
                ));
            }
        }
        if LOCAL_DRIVERS.load(Ordering::SeqCst) > 0 {
            return Err(io::Error::other(
                "a driver with master \"local\" still runs in this process, and libmesos runs \
                 one local cluster at a time: drop it before applying another",
            ));
        }
        self.check()?;
        let parent = match &self.work_dir_parent {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("LocalCluster: work directory parent {}: {e}", dir.display()),
                    )
                })?;
                dir.clone()
            }
            None => std::env::temp_dir(),
        };
        sweep_orphans(&parent);
        let work_dir = fresh_dir(&parent)?;
        hold_lock(&work_dir);
        if self.keep_work_dir {
            mark_kept(&work_dir);
        } else {
            work_dirs().push((work_dir.clone(), false));
            remove_at_exit();
        }
        let set_default = |k: &str, v: &std::ffi::OsStr| {
            if std::env::var_os(k).is_none() {
                std::env::set_var(k, v);
            }
        };
        match self.ip {
            Some(ip) => std::env::set_var("LIBPROCESS_IP", ip.to_string()),
            None => set_default("LIBPROCESS_IP", "127.0.0.1".as_ref()),
        }
        if let Some(port) = self.port {
            std::env::set_var("LIBPROCESS_PORT", port.to_string());
        }
        let typed = [
            ("MESOS_ATTRIBUTES", self.attributes.clone()),
            ("MESOS_ROLES", self.roles.clone()),
            ("MESOS_WEIGHTS", self.weights.clone()),
            (
                "MESOS_CREDENTIALS",
                self.credentials
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned()),
            ),
            (
                "MESOS_AUTHENTICATE_FRAMEWORKS",
                self.authenticate_frameworks.map(|on| on.to_string()),
            ),
        ];
        for (name, value) in typed {
            if let Some(value) = value {
                std::env::set_var(name, value);
            }
        }
        set_default("MESOS_LAUNCHER", "posix".as_ref());
        set_default("MESOS_LOGGING_LEVEL", self.logging_level.as_ref());
        let glog = match self.logging_level.as_str() {
            "INFO" => "0",
            "WARNING" => "1",
            _ => "2",
        };
        set_default("GLOG_minloglevel", glog.as_ref());
        match (&self.launcher_dir, devkit_launcher_dir()) {
            (Some(dir), _) => std::env::set_var("MESOS_LAUNCHER_DIR", dir),
            (None, Some(kit)) if kit.is_dir() => set_default("MESOS_LAUNCHER_DIR", kit.as_os_str()),
            (None, Some(kit)) => tracing::debug!(
                launcher_dir = %kit.display(),
                "the dev kit has no helper programs (provisioned before they existed?); \
                 MESOS_LAUNCHER_DIR left to libmesos"
            ),
            (None, None) => {}
        }
        // A reused work dir makes the agent fail recovery: always a fresh one.
        std::env::set_var("MESOS_WORK_DIR", &work_dir);
        std::env::set_var("MESOS_NUM_SLAVES", self.agents.to_string());
        if let Some(r) = &self.resources {
            std::env::set_var("MESOS_RESOURCES", r);
        }
        for (k, v) in &self.extra {
            std::env::set_var(k, v);
        }
        // In local mode libmesos hands every container the agent's own stdout and stderr,
        // i.e. this program's. The kit's launch helper can instead give the executor its
        // sandbox's `stdout`/`stderr` files, as an agent of a real cluster does: the program's
        // output stays its own, and task output can be read back from the sandbox. (A real
        // installation's helper does not know the variable, so it is only set for the kit's.)
        if let Some(kit) = devkit_launcher_dir() {
            if std::env::var_os("MESOS_LAUNCHER_DIR").as_deref() == Some(kit.as_os_str()) {
                set_default("MESOS_CONTAINERIZER_SANDBOX_STDIO", "true".as_ref());
            }
        }
        tracing::debug!(
            work_dir = %work_dir.display(),
            agents = self.agents,
            launcher_dir = ?std::env::var_os("MESOS_LAUNCHER_DIR"),
            "local cluster configured"
        );
        Ok(LocalClusterGuard {
            work_dir,
            kept: self.keep_work_dir,
        })
    }
}

impl LocalCluster {
    /// Refuses typed settings libmesos would only refuse by ending the process (or accept
    /// into a cluster no framework can use), naming what is wrong.
    fn check(&self) -> io::Result<()> {
        let invalid = |what: String| {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                crate::Error::InvalidArgument(what),
            ))
        };
        if let Some(weights) = &self.weights {
            for pair in weights.split(',') {
                let ok = pair.split_once('=').is_some_and(|(role, w)| {
                    !role.trim().is_empty()
                        && w.trim()
                            .parse::<f64>()
                            .is_ok_and(|w| w > 0.0 && w.is_finite())
                });
                if !ok {
                    return invalid(format!(
                        "LocalCluster::weights: {pair:?} in {weights:?} is not role=weight \
                         with a positive weight"
                    ));
                }
            }
        }
        if let Some(file) = &self.credentials {
            if !file.is_file() {
                return invalid(format!(
                    "LocalCluster::credentials: {} is not a readable file",
                    file.display()
                ));
            }
        }
        if self.authenticate_frameworks == Some(true)
            && self.credentials.is_none()
            && std::env::var_os("MESOS_CREDENTIALS").is_none()
        {
            return invalid(
                "LocalCluster::authenticate_frameworks(true) without credentials (nor \
                 MESOS_CREDENTIALS): no framework could ever register"
                    .into(),
            );
        }
        Ok(())
    }
}

/// Whether the OpenSSL libmesos calls is the dev kit's stand-in, every function of which
/// aborts the process: the linked libmesos is the dev kit and the `libcrypto.so.1.0.0` mapped
/// into this process is the one from the kit's stand-in directory (or, when that cannot be
/// read, the kit has one).
fn standin_libcrypto() -> bool {
    standin_loaded("libcrypto.so.1.0.0")
}

/// Whether the library `name` that libmesos uses is the dev kit's stand-in (see
/// [`standin_libcrypto`]).
fn standin_loaded(name: &str) -> bool {
    const STANDINS: &str = "mesos-rs-standins";
    let Some(kit) = mesos_sys::linked::DEVKIT_DIR else {
        return false;
    };
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let mapped = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(Path::new)
        .find(|p| p.file_name() == Some(name.as_ref()));
    match mapped {
        Some(path) => path.parent().and_then(Path::file_name) == Some(STANDINS.as_ref()),
        None => Path::new(kit)
            .join("lib")
            .join(STANDINS)
            .join(name)
            .is_file(),
    }
}

/// Refuses, before libmesos sees them, the task URIs that the dev kit's in-process agent
/// would hand to its stand-in libcurl, which aborts the whole process: a URI to be cached
/// (`cache: true`) whose scheme is fetched over the network (`http`, `https`, `ftp`, `ftps`),
/// for which the agent asks curl for the size. Does nothing unless the linked libmesos is the
/// dev kit with that stand-in loaded. Called for launches through a local master.
pub(crate) fn refuse_uris_the_kit_cannot_cache<'a>(
    tasks: impl Iterator<Item = &'a crate::types::TaskInfo>,
) -> crate::Result<()> {
    let mut refused = Vec::new();
    for task in tasks {
        let commands = task
            .command
            .as_ref()
            .into_iter()
            .chain(task.executor.as_ref().and_then(|e| e.command.as_ref()));
        for uri in commands.flat_map(|c| c.uris.iter()) {
            let scheme = uri.value().split("://").next().unwrap_or_default();
            let remote = uri.value().contains("://")
                && matches!(
                    scheme.to_ascii_lowercase().as_str(),
                    "http" | "https" | "ftp" | "ftps"
                );
            if uri.cache() && remote {
                refused.push(format!(
                    "task {}: URI {} with cache",
                    task.task_id.value(),
                    uri.value()
                ));
            }
        }
    }
    if refused.is_empty() || !standin_loaded("libcurl.so.4") {
        return Ok(());
    }
    Err(crate::Error::UnsupportedSettings {
        settings: refused,
        reason: "the dev kit's agent asks its stand-in libcurl for the size of a network URI \
                 it is to cache, and every call into that stand-in aborts the process; launch \
                 it without `cache` on the dev kit (a real Mesos installation honours it)"
            .into(),
    })
}

/// The settings (the builder's [`LocalCluster::env`] over the process environment) under
/// which libmesos calls OpenSSL, as `NAME=value`.
fn settings_needing_openssl(extra: &[(String, String)]) -> Vec<String> {
    let value = |name: &str| -> Option<String> {
        match extra.iter().rev().find(|(k, _)| k == name) {
            Some((_, v)) => Some(v.clone()),
            None => std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
        }
    };
    // libmesos' boolean flags: "false" and "0" turn them off; anything else either turns
    // them on or is an error of the agent.
    let on = |v: &str| !matches!(v.trim().to_ascii_lowercase().as_str(), "false" | "0");
    let mut refused = Vec::new();
    for (name, needs) in [
        // The agent refuses to start without a key, and with one signs every executor's token.
        ("MESOS_AUTHENTICATE_HTTP_EXECUTORS", on as fn(&str) -> bool),
        // With a key the agent signs a token for every executor it launches (HMAC-SHA256).
        ("MESOS_JWT_SECRET_KEY", |v: &str| !v.is_empty()),
        ("MESOS_EXECUTOR_SECRET_KEY", |v: &str| !v.is_empty()),
        // The JWT authenticator checks the HMAC of every token presented to it.
        ("MESOS_HTTP_AUTHENTICATORS", |v: &str| {
            v.split(',').any(|a| a.trim() == "jwt")
        }),
        // SSL sockets: libprocess initialises OpenSSL when it starts.
        ("LIBPROCESS_SSL_ENABLED", on),
    ] {
        if let Some(v) = value(name) {
            if needs(&v) {
                refused.push(format!("{name}={v}"));
            }
        }
    }
    refused
}

fn fresh_dir(base: &Path) -> io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "{DIR_PREFIX}{}-{nanos}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("could not create a fresh work directory"))
}

extern "C" {
    fn flock(fd: c_int, operation: c_int) -> c_int;
}
/// `flock` operations (Linux values).
const LOCK_EX: c_int = 2;
const LOCK_NB: c_int = 4;

/// Files whose locks mark this process' work directories as in use; never closed.
static LOCKS: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());

/// Takes an exclusive lock on `dir`'s lock file for the rest of this process' life (the
/// kernel drops it however the process ends). The file is opened close-on-exec, so the
/// executors the agents start do not hold it.
fn hold_lock(dir: &Path) {
    use std::os::unix::io::AsRawFd;
    // Locked under another name first and then renamed into place: a sweep never sees the
    // lock file unlocked.
    let pending = dir.join(format!("{LOCK_FILE}.new"));
    let locked = std::fs::File::create(&pending).and_then(|file| {
        // SAFETY: `file` is open for the whole call; flock only acts on that descriptor.
        if unsafe { flock(file.as_raw_fd(), LOCK_EX | LOCK_NB) } != 0 {
            return Err(io::Error::last_os_error());
        }
        std::fs::rename(&pending, dir.join(LOCK_FILE))?;
        Ok(file)
    });
    match locked {
        Ok(file) => LOCKS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(file),
        Err(e) => tracing::warn!(work_dir = %dir.display(), error = %e,
            "could not lock the work directory (a later sweep will not remove it)"),
    }
}

/// Marks `dir` as kept, so that no later sweep removes it.
fn mark_kept(dir: &Path) {
    if let Err(e) = std::fs::write(dir.join(KEEP_FILE), b"") {
        tracing::warn!(work_dir = %dir.display(), error = %e, "could not mark the work directory as kept");
    }
}

/// Removes the work directories in `parent` whose process is gone without removing them
/// (killed with SIGKILL, say): those with a lock file nobody holds, and not kept.
fn sweep_orphans(parent: &Path) {
    use std::os::unix::io::AsRawFd;
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(DIR_PREFIX));
        if !ours || !entry.file_type().is_ok_and(|t| t.is_dir()) || dir.join(KEEP_FILE).exists() {
            continue;
        }
        let Ok(lock) = std::fs::File::open(dir.join(LOCK_FILE)) else {
            continue; // Made by an older version, or not ours: leave it.
        };
        // SAFETY: `lock` is open for the whole call; flock only acts on that descriptor.
        if unsafe { flock(lock.as_raw_fd(), LOCK_EX | LOCK_NB) } == 0 {
            tracing::debug!(work_dir = %dir.display(), "removing the work directory of a process that is gone");
            remove(&dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(cluster: LocalCluster) -> String {
        let e = cluster.check().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let inner = e.get_ref().and_then(|e| e.downcast_ref::<crate::Error>());
        assert!(
            matches!(inner, Some(crate::Error::InvalidArgument(_))),
            "{e:?}"
        );
        e.to_string()
    }

    #[test]
    fn bad_typed_settings_are_refused_by_name() {
        let e = refused(LocalCluster::new().weights("web=2,batch=0"));
        assert!(e.contains("weights") && e.contains("batch=0"), "{e}");
        let e = refused(LocalCluster::new().weights("web"));
        assert!(e.contains("\"web\""), "{e}");
        let e = refused(LocalCluster::new().credentials("/nonexistent/creds.json"));
        assert!(e.contains("/nonexistent/creds.json"), "{e}");
        if std::env::var_os("MESOS_CREDENTIALS").is_none() {
            let e = refused(LocalCluster::new().authenticate_frameworks(true));
            assert!(e.contains("authenticate_frameworks"), "{e}");
        }
        assert!(LocalCluster::new()
            .weights("web=2, batch=0.5")
            .authenticate_frameworks(false)
            .check()
            .is_ok());
    }

    #[test]
    fn a_sweep_removes_unlocked_directories_only() {
        let parent = tempfile::tempdir().unwrap();
        let make = |name: &str, lock: bool, keep: bool| {
            let dir = parent.path().join(format!("{DIR_PREFIX}{name}"));
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("file"), b"x").unwrap();
            if lock {
                std::fs::write(dir.join(LOCK_FILE), b"").unwrap();
            }
            if keep {
                mark_kept(&dir);
            }
            dir
        };
        let orphan = make("orphan", true, false);
        let kept = make("kept", true, true);
        let old = make("old", false, false);
        let live = make("live", false, false);
        hold_lock(&live);
        let other = parent.path().join("something-else");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join(LOCK_FILE), b"").unwrap();
        sweep_orphans(parent.path());
        assert!(!orphan.exists());
        assert!(kept.is_dir() && old.is_dir() && live.is_dir() && other.is_dir());
    }
}
