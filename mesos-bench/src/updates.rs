//! The update storm: status updates that come from an agent, carry a uuid and must be
//! acknowledged (the C++ twin is `UpdatesScheduler` in `cpp/baseline.cpp`).
//!
//! Reconciliation answers carry no uuid and need no acknowledgement, so they cannot measure
//! acknowledgements. Here the framework launches `tasks` tasks under ONE custom executor: this
//! very program, re-executed by the agent (through the dev kit's launch helper) in its
//! executor role ([`run_executor`], `mesos-bench --executor ...`, HTTP executor backend). The
//! executor sends `per_task` `TASK_RUNNING` updates per task (message `"<k>"`), each with a
//! fresh uuid, then creates a "ready" file. The agent's status update manager forwards one
//! update per task at a time and releases the next only once the previous one was
//! acknowledged, so every update after the first of each task needs an acknowledgement to go
//! framework -> master -> agent before it can come agent -> master -> framework: with
//! explicit acknowledgements, two crossings of the binding per update.
//!
//! The gate: the first update to arrive holds the framework's callback until the ready file
//! exists, so the executor's own sending (HTTP calls) is not timed. Then the clock starts and
//! every further update is timed until the last one is in. An update the agent re-sends
//! (unacknowledged for 10 s while the gate was closed) is counted as a duplicate and not
//! twice. Every counted update must carry a uuid and an agent ID, or the run fails.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mesos::executor::Backend;
use mesos::types::{
    ExecutorInfo, Filters, FrameworkInfo, Offer, SlaveInfo, TaskID, TaskInfo, TaskState, TaskStatus,
};
use mesos::{Executor, ExecutorDriver, SchedulerDriver};
use protobuf::MessageField;

use crate::cpp::UpdatesResult;
use crate::frameworks::{builder, drive, scalar_resource, Bench};
use crate::reconcile::task_index;
use crate::sampler::{now_ns, rss_kib, QueueSlot};

/// CPU and memory of one task of the storm.
const TASK_CPUS: f64 = 0.01;
const TASK_MEM: f64 = 1.0;

/// How one Rust update storm went: the same figures as the C++ side's, and the Rust side's
/// own.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub r: UpdatesResult,
    /// The driver's high-water mark of queued events (`DriverStats::peak_queued`).
    pub peak_queued: usize,
    pub error: Option<String>,
}

/// The executor of the storm: this program with `--executor` and the storm's sizes.
pub fn executor_info(tasks: u32, per_task: u32, ready_file: &Path) -> Result<ExecutorInfo, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let me = me.to_string_lossy().into_owned();
    let mut e = ExecutorInfo::new();
    e.executor_id = MessageField::some(mesos::ids::executor_id("mesos-bench-updates"));
    e.set_name("mesos-bench update storm executor".into());
    let c = e.command.mut_or_insert_default();
    c.set_shell(false);
    c.set_value(me.clone());
    c.arguments = vec![
        me,
        "--executor".into(),
        tasks.to_string(),
        per_task.to_string(),
        ready_file.to_string_lossy().into_owned(),
    ];
    Ok(e)
}

/// What both deliveries share.
struct Storm {
    tasks: u32,
    per_task: u32,
    executor: ExecutorInfo,
    ready_file: PathBuf,
    explicit: bool,
    timeout: Duration,
    launched: bool,
    next: Vec<u32>,
    start: Option<Instant>,
    out: Outcome,
}

impl Storm {
    fn offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let mut filters = Filters::new();
        filters.set_refuse_seconds(3600.0);
        for offer in offers {
            if self.launched {
                let _ = driver.decline_offer(&offer.id, Some(&filters));
                continue;
            }
            let list: Vec<TaskInfo> = (0..self.tasks)
                .map(|i| {
                    let id = format!("t-{i}");
                    let mut t = TaskInfo::new();
                    t.set_name(id.clone());
                    t.task_id = MessageField::some(mesos::ids::task_id(id));
                    t.slave_id = offer.slave_id.clone();
                    t.resources = vec![
                        scalar_resource("cpus", TASK_CPUS),
                        scalar_resource("mem", TASK_MEM),
                    ];
                    t.executor = MessageField::some(self.executor.clone());
                    t
                })
                .collect();
            self.launched = true;
            if let Err(e) =
                driver.launch_tasks(std::slice::from_ref(&*offer.id), &list, Some(&filters))
            {
                self.out.error = Some(format!("launch_tasks: {e}"));
                let _ = driver.stop(false);
            }
        }
    }

    /// Handles one update; the acknowledgement (explicit mode) is sent from here.
    fn update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        match self.start {
            None => {
                let deadline = Instant::now() + self.timeout;
                while !self.ready_file.exists() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                self.out.r.window.rss_start_kib = rss_kib();
                self.out.r.window.start_ns = now_ns();
                self.start = Some(Instant::now());
            }
            Some(_) => self.out.r.timed += 1,
        }
        if !status.has_uuid() || status.slave_id.is_none() {
            self.out.r.missing_uuid += 1;
        }
        let index = task_index(status.task_id.value(), u64::from(self.tasks));
        let k = status.message().parse::<u32>().ok();
        match (index, k) {
            (Some(i), Some(k)) if status.state() == TaskState::TASK_RUNNING => {
                if k == self.next[i] {
                    self.next[i] += 1;
                    self.out.r.distinct += 1;
                } else if k < self.next[i] {
                    self.out.r.duplicates += 1;
                } else {
                    self.out.r.bad += 1;
                }
            }
            _ => {
                self.out.r.bad += 1;
                if status.state() != TaskState::TASK_RUNNING {
                    eprintln!(
                        "Rust framework: unexpected update {:?} for {}: {}",
                        status.state(),
                        status.task_id.value(),
                        status.message()
                    );
                    let _ = driver.stop(false);
                    return;
                }
            }
        }
        if self.explicit {
            if let Err(e) = driver.acknowledge_status_update(status) {
                self.out.error = Some(format!("acknowledge_status_update: {e}"));
            }
        }
        if self.out.r.distinct == u64::from(self.tasks) * u64::from(self.per_task) {
            let start = self.start.unwrap_or_else(Instant::now);
            self.out.r.seconds = start.elapsed().as_secs_f64();
            self.out.r.window.end_ns = now_ns();
            self.out.r.window.rss_end_kib = rss_kib();
            let _ = driver.stop(false);
        }
    }
}

impl Bench for Storm {
    type Outcome = Outcome;

    fn offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        Storm::offers(self, driver, offers);
    }

    fn update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        Storm::update(self, driver, status);
    }

    fn finish(self) -> Outcome {
        self.out
    }
}

/// The sizes and the delivery of one Rust run.
pub struct Options {
    pub tasks: u32,
    pub per_task: u32,
    pub stream: bool,
    pub explicit: bool,
    pub ready_file: PathBuf,
    pub timeout: Duration,
}

/// The Rust update storm against master `"local"`.
pub fn run(o: &Options, slot: &QueueSlot) -> Result<Outcome, String> {
    let storm = Storm {
        tasks: o.tasks,
        per_task: o.per_task,
        executor: executor_info(o.tasks, o.per_task, &o.ready_file)?,
        ready_file: o.ready_file.clone(),
        explicit: o.explicit,
        timeout: o.timeout,
        launched: false,
        next: vec![0; o.tasks as usize],
        start: None,
        out: Outcome::default(),
    };
    let builder = builder("mesos-bench updates (Rust)", !o.explicit);
    let driven = drive(builder, storm, o.stream, o.timeout, slot)?;
    let mut out = driven.outcome;
    out.peak_queued = driven.peak_queued;
    Ok(out)
}

// ---- the executor role ----

/// The executor: collects its tasks; once all `tasks` are there, a thread sends `per_task`
/// updates per task (round-robin over the tasks, so that every task's first update goes out
/// first), then creates the ready file.
struct StormExecutor {
    tasks: u32,
    per_task: u32,
    ready_file: PathBuf,
    received: Vec<TaskID>,
    sender: Option<std::thread::JoinHandle<()>>,
}

impl Executor for StormExecutor {
    fn registered(
        &mut self,
        _: &ExecutorDriver,
        _: &ExecutorInfo,
        _: &FrameworkInfo,
        _: &SlaveInfo,
    ) {
    }

    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
        self.received.push(task.task_id.clone().unwrap_or_default());
        if self.received.len() != self.tasks as usize || self.sender.is_some() {
            return;
        }
        let ids = std::mem::take(&mut self.received);
        let per_task = self.per_task;
        let ready = self.ready_file.clone();
        let driver = driver.downgrade();
        self.sender = Some(std::thread::spawn(move || {
            let Some(driver) = driver.upgrade() else {
                return;
            };
            for k in 0..per_task {
                let message = k.to_string();
                for id in &ids {
                    let mut s = mesos::task_status::task_status(id, TaskState::TASK_RUNNING);
                    s.set_message(message.clone());
                    if let Err(e) = driver.send_status_update(&s) {
                        eprintln!("bench executor: update {k} of {}: {e}", id.value());
                        let _ = driver.stop();
                        return;
                    }
                }
            }
            let tmp = ready.with_extension("tmp");
            if std::fs::write(&tmp, b"ready")
                .and_then(|()| std::fs::rename(&tmp, &ready))
                .is_err()
            {
                eprintln!("bench executor: cannot create {}", ready.display());
            }
        }));
    }

    fn kill_task(&mut self, _: &ExecutorDriver, _: &TaskID) {}

    fn framework_message(&mut self, _: &ExecutorDriver, _: &[u8]) {}

    fn shutdown(&mut self, driver: &ExecutorDriver) {
        let _ = driver.stop();
    }

    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        eprintln!("bench executor error: {message}");
    }
}

/// `mesos-bench --executor TASKS PER_TASK READY_FILE`: the executor role, started by the agent.
pub fn run_executor(args: &[String]) -> std::process::ExitCode {
    let parsed = (|| -> Option<(u32, u32, PathBuf)> {
        Some((
            args.first()?.parse().ok()?,
            args.get(1)?.parse().ok()?,
            PathBuf::from(args.get(2)?),
        ))
    })();
    let Some((tasks, per_task, ready_file)) = parsed else {
        eprintln!("usage: mesos-bench --executor TASKS PER_TASK READY_FILE");
        return std::process::ExitCode::from(2);
    };
    let executor = StormExecutor {
        tasks,
        per_task,
        ready_file,
        received: Vec::new(),
        sender: None,
    };
    let driver = match ExecutorDriver::builder(executor)
        .backend(Backend::Http)
        .build()
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("bench executor: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match driver.run() {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench executor: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
