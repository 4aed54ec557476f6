//! The harness of tests that run tasks: a local cluster of N agents with the helpers of
//! [`launcher_dir`](super::launcher_dir) (or a directory the test chooses), a framework
//! registered with it through a [`Probe`](super::Probe), launches, waits for terminal states,
//! and task sandboxes read through the public `mesos::sandbox` API.
//!
//! ```ignore
//! let cluster = support::cluster::spec().agents(2).start();
//! let mut fw = Framework::start("my test");
//! let offer = fw.next_offer();
//! fw.launch(&offer, vec![support::task("t", &offer, 0.1, "echo hi")]);
//! assert!(fw.terminal("t").state() == TaskState::TASK_FINISHED);
//! assert_eq!(sandbox(&cluster, "t").stdout().unwrap(), "hi\n");
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mesos::local::{LocalCluster, LocalClusterGuard};
use mesos::sandbox::{Sandbox, TaskRef};
use mesos::scheduler::SchedulerEvent;
use mesos::types::{Offer, TaskInfo, TaskStatus};
use mesos::SchedulerDriver;

use super::{framework, next_offers, next_update, probe, Events};

/// How to configure the cluster: [`spec`], then the builder methods, then [`Spec::start`].
pub struct Spec {
    agents: u32,
    resources: String,
    launcher_dir: Option<PathBuf>,
    env: Vec<(String, String)>,
    keep: bool,
}

/// One agent with `cpus:2;mem:512`, offers every 100 ms, the helpers of
/// [`launcher_dir`](super::launcher_dir).
pub fn spec() -> Spec {
    Spec {
        agents: 1,
        resources: "cpus:2;mem:512".into(),
        launcher_dir: None,
        env: vec![("MESOS_ALLOCATION_INTERVAL".into(), "100ms".into())],
        keep: false,
    }
}

impl Spec {
    /// How many agents the cluster has.
    pub fn agents(mut self, n: u32) -> Spec {
        self.agents = n;
        self
    }

    /// Each agent's resources, as `MESOS_RESOURCES` reads them.
    pub fn resources(mut self, resources: &str) -> Spec {
        self.resources = resources.into();
        self
    }

    /// The directory the agents run `mesos-containerizer` and `mesos-executor` from.
    pub fn launcher_dir(mut self, dir: &Path) -> Spec {
        self.launcher_dir = Some(dir.to_owned());
        self
    }

    /// One more variable for the cluster (an agent or master flag, `MESOS_*`).
    pub fn env(mut self, key: &str, value: &str) -> Spec {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Keeps the work directory after the test.
    pub fn keep_work_dir(mut self, keep: bool) -> Spec {
        self.keep = keep;
        self
    }

    /// Sets the cluster's variables; the master "local" is this cluster from then on.
    pub fn start(self) -> LocalClusterGuard {
        let mut config = LocalCluster::new()
            .agents(self.agents)
            .resources(self.resources)
            .keep_work_dir(self.keep);
        if let Some(dir) = self.launcher_dir.or_else(super::launcher_dir) {
            config = config.launcher_dir(dir);
        }
        for (k, v) in self.env {
            config = config.env(k, v);
        }
        // SAFETY: each test runs in a process of its own (nextest); no other thread of it
        // reads or writes the environment meanwhile, and libprocess has not started yet.
        unsafe { config.apply_unchecked() }.expect("local cluster work directory")
    }
}

/// A framework registered with the local cluster, its callbacks as [`Events`].
pub struct Framework {
    pub driver: SchedulerDriver,
    pub events: Events,
}

impl Framework {
    /// Creates and starts a framework named `name` on the master "local".
    pub fn start(name: &str) -> Framework {
        let (probe, events) = probe();
        let driver = SchedulerDriver::new(probe, framework(name), "local").unwrap();
        driver.start().unwrap();
        Framework { driver, events }
    }

    /// The first offer of the next non-empty offer event.
    pub fn next_offer(&mut self) -> Offer {
        next_offers(&mut self.events).remove(0)
    }

    /// Launches `tasks` on `offer`.
    pub fn launch(&self, offer: &Offer, tasks: Vec<TaskInfo>) {
        super::launch(&self.driver, offer, &tasks);
    }

    /// The next offer, with one task made from it launched on it.
    pub fn launch_one(&mut self, make: impl FnOnce(&Offer) -> TaskInfo) -> TaskInfo {
        let offer = self.next_offer();
        let task = make(&offer);
        self.launch(&offer, vec![task.clone()]);
        task
    }

    /// Waits for task `id`'s terminal update.
    pub fn terminal(&mut self, id: &str) -> TaskStatus {
        next_update(&mut self.events, &format!("{id}'s terminal update"), |s| {
            s.task_id.value() == id && s.is_terminal()
        })
    }

    /// Waits for the next `executor_lost` and returns its wait status.
    pub fn executor_lost(&mut self) -> i32 {
        self.events
            .wait_for(Duration::from_secs(60), "the executor lost", |e| match e {
                SchedulerEvent::ExecutorLost { status, .. } => Some(*status),
                _ => None,
            })
    }

    /// Stops the framework (it unregisters).
    pub fn stop(&self) {
        self.driver.stop(false).unwrap();
    }
}

/// The sandbox of `task`'s latest run on this cluster (a task id, or a `TaskRef` naming an
/// executor); panics when there is none.
pub fn sandbox(cluster: &LocalClusterGuard, task: impl Into<TaskRef>) -> Sandbox {
    let task = task.into();
    let shown = format!("{task:?}");
    cluster
        .sandbox(task)
        .unwrap_or_else(|e| panic!("no sandbox for {shown}: {e}"))
}

/// The sandbox directory of executor `executor_id`'s latest run, once `ready` (a file the
/// executor writes) exists in it; panics after `within`.
pub fn wait_sandbox_file(
    cluster: &LocalClusterGuard,
    executor_id: &str,
    ready: &str,
    within: Duration,
) -> PathBuf {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(s) = cluster.sandbox(TaskRef::default().executor(executor_id)) {
            if s.directory().join(ready).exists() {
                return s.directory().to_owned();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{executor_id} never wrote {ready}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A directory holding an executable `mesos-containerizer` of this project:
/// `MESOS_LAUNCHER_DIR` when that directory holds one, else built from the repository's
/// `mesos-launcher` package with cargo (keep the returned dir alive).
pub fn built_containerizer_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    if let Some(dir) = std::env::var_os("MESOS_LAUNCHER_DIR") {
        let dir = PathBuf::from(dir);
        if dir.join("mesos-containerizer").is_file() {
            return (dir, None);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("mesos-launcher").join("Cargo.toml");
    assert!(
        manifest.is_file(),
        "no mesos-containerizer: set MESOS_LAUNCHER_DIR to a directory holding one"
    );
    let target = root.join("mesos-launcher").join("target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--bin", "mesos-containerizer", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("run cargo to build mesos-launcher");
    assert!(status.success(), "building mesos-containerizer failed");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        target.join("debug").join("mesos-containerizer"),
        dir.path().join("mesos-containerizer"),
    )
    .unwrap();
    (dir.path().to_owned(), Some(dir))
}
