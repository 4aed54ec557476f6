//! Configuration of libmesos' in-process local cluster (master `"local"`).
//!
//! With master `"local"`, the scheduler driver starts a master and agent(s) inside the
//! process. They read their flags from `MESOS_*` environment variables, which must be set
//! before the first driver is created. [`LocalCluster`] sets sensible ones (loopback address,
//! a fresh work directory, the POSIX launcher, quiet logging) and removes the work
//! directory when dropped.
//!
//! ```no_run
//! use mesos::local::LocalCluster;
//! let cluster = LocalCluster::new().resources("cpus:4;mem:1024").agents(2).apply()?;
//! // ... SchedulerDriver::builder(info, "local") ...
//! drop(cluster);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::path::{Path, PathBuf};

/// Settings for the in-process local cluster; see the [module docs](self).
#[derive(Debug, Clone)]
#[must_use]
pub struct LocalCluster {
    resources: Option<String>,
    agents: u32,
    logging_level: String,
    extra: Vec<(String, String)>,
}

/// The applied configuration; removes the work directory on drop.
#[derive(Debug)]
pub struct LocalClusterGuard {
    work_dir: PathBuf,
}

impl LocalClusterGuard {
    /// The cluster's work directory (fresh for every [`LocalCluster::apply`]).
    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }
}

impl Drop for LocalClusterGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work_dir);
    }
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
            extra: Vec::new(),
        }
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

    /// libmesos' log level (`INFO`, `WARNING`, `ERROR`); `MESOS_LOGGING_LEVEL` in the
    /// environment wins.
    pub fn logging_level(mut self, level: impl Into<String>) -> Self {
        self.logging_level = level.into();
        self
    }

    /// Any other master/agent flag, as `MESOS_<FLAG>` (e.g. `("MESOS_ALLOCATION_INTERVAL", "100ms")`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    /// Writes the environment. Call it before creating the first driver, while no other
    /// thread reads the environment.
    pub fn apply(self) -> std::io::Result<LocalClusterGuard> {
        let work_dir = fresh_dir()?;
        let set_default = |k: &str, v: &str| {
            if std::env::var_os(k).is_none() {
                std::env::set_var(k, v);
            }
        };
        set_default("LIBPROCESS_IP", "127.0.0.1");
        set_default("MESOS_LAUNCHER", "posix");
        set_default("MESOS_LOGGING_LEVEL", &self.logging_level);
        let glog = match self.logging_level.as_str() {
            "INFO" => "0",
            "WARNING" => "1",
            _ => "2",
        };
        set_default("GLOG_minloglevel", glog);
        // A reused work dir makes the agent fail recovery: always a fresh one.
        std::env::set_var("MESOS_WORK_DIR", &work_dir);
        std::env::set_var("MESOS_NUM_SLAVES", self.agents.to_string());
        if let Some(r) = &self.resources {
            std::env::set_var("MESOS_RESOURCES", r);
        }
        for (k, v) in &self.extra {
            std::env::set_var(k, v);
        }
        tracing::debug!(work_dir = %work_dir.display(), agents = self.agents, "local cluster configured");
        Ok(LocalClusterGuard { work_dir })
    }
}

fn fresh_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "mesos-rs-local-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "could not create a fresh work directory",
    ))
}
