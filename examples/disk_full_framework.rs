//! A port of Mesos' C++ example `disk_full_framework`: it runs one task at a time that asks
//! for 5 MB of disk, sleeps `--pre_sleep_duration`, writes `--disk_use_limit` of zeros into
//! its sandbox, then sleeps `--post_sleep_duration`. Where the agent enforces disk quotas
//! (isolation `disk/du` with `--enforce_container_disk_quota`), a task writing more than
//! 5 MB is killed and ends `TASK_FAILED` with reason `REASON_CONTAINER_LIMITATION_DISK`.
//! With `--run_once` the framework stops after a task that finished and aborts after one that
//! did not (exit status 1); without it, it launches tasks for ever.
//!
//!     MESOS_ISOLATION=disk/du MESOS_ENFORCE_CONTAINER_DISK_QUOTA=true \
//!     MESOS_CONTAINER_DISK_WATCH_INTERVAL=1secs \
//!     cargo run --example disk_full_framework -- --master=local --run_once \
//!         --pre_sleep_duration=1secs --post_sleep_duration=30secs --disk_use_limit=10MB
//!
//! Flags as in the C++ program: `--master`, `--disk_use_limit` (both required), `--name`,
//! `--run_once`, `--pre_sleep_duration`, `--post_sleep_duration`, `--role`, `--principal`,
//! `--authenticate`, `--secret`, `--checkpoint`; each also read from `MESOS_EXAMPLE_<NAME>`.
//! The C++ framework also counts what happened in libprocess metrics
//! (`disk_full_framework/...` on its own `/metrics/snapshot`); this port keeps the same
//! counters and prints them when they change, as it has no libprocess endpoint of its own.

use std::process::ExitCode;

use mesos::resources::Resources;
use mesos::types::task_status::Reason;
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

#[path = "shared/cpp_flags.rs"]
#[macro_use]
mod cpp_flags;
use cpp_flags::Flag;

const CPUS_PER_TASK: f64 = 0.1;
const MEMORY_PER_TASK: u32 = 16;
const DISK_PER_TASK_MB: u64 = 5;

const OWN_FLAGS: [Flag; 5] = [
    Flag::value("name", "The framework's name", "Disk Full Framework"),
    Flag::boolean(
        "run_once",
        "Exit after one task (otherwise tasks are run for ever)",
        false,
    ),
    Flag::value(
        "pre_sleep_duration",
        "How long each task sleeps before it starts to fill the disk",
        "600secs",
    ),
    Flag::value(
        "post_sleep_duration",
        "How long each task sleeps after filling the disk (if not killed first)",
        "600secs",
    ),
    Flag::required(
        "disk_use_limit",
        "How much disk each task fills (to the KB); over 5MB the quota should stop it",
    ),
];

#[derive(Default, Debug)]
struct Metrics {
    tasks_finished: u64,
    tasks_disk_full: u64,
    abnormal_terminations: u64,
}

struct DiskFullScheduler {
    name: String,
    run_once: bool,
    command: String,
    disk_use_limit: u64,
    role: String,
    tasks_launched: usize,
    task_active: bool,
    metrics: Metrics,
}

impl Scheduler for DiskFullScheduler {
    connection_callbacks!();

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        eprintln!("Resource offers received");
        let task_resources = Resources::parse(
            &format!("cpus:{CPUS_PER_TASK};mem:{MEMORY_PER_TASK};disk:{DISK_PER_TASK_MB}"),
            None,
        )
        .expect("well formed")
        .allocate(&self.role);
        for offer in offers {
            let offered = Resources::from(offer.resources.clone());
            eprintln!(
                "Received offer {} from agent {} ({}) with {offered}",
                offer.id.value(),
                offer.slave_id.value(),
                offer.hostname()
            );
            // One task at a time, and only in an offer big enough (reservations aside).
            if self.task_active || !offered.flatten().contains(&task_resources) {
                eprintln!(
                    "Declining offer {}: {}",
                    offer.id.value(),
                    if self.task_active {
                        "a task is already running"
                    } else {
                        "offer does not fit"
                    }
                );
                let mut filters = Filters::new();
                filters.set_refuse_seconds(600.0);
                driver.decline_offer(&offer.id, Some(&filters)).ok();
                continue;
            }
            let task_id = self.tasks_launched.to_string();
            self.tasks_launched += 1;
            let task = mesos::ids::command_task(
                format!("{} Task", self.name),
                task_id.as_str(),
                offer,
                task_resources.clone().into_vec(),
                self.command.clone(),
            );
            eprintln!("Starting task {task_id}");
            if let Err(e) = driver.launch_tasks([&offer.id], &[task], None) {
                eprintln!("launch: {e}");
            }
            self.task_active = true;
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        eprintln!("{}", cpp_flags::status_line(status));
        if !cpp_flags::is_latest_task(self.tasks_launched, status) {
            return;
        }
        let before = format!("{:?}", self.metrics);
        match status.state() {
            TaskState::TASK_FINISHED => {
                if self.run_once {
                    driver.stop(false).ok();
                } else {
                    self.task_active = false;
                    self.metrics.tasks_finished += 1;
                }
            }
            TaskState::TASK_FAILED => {
                if self.run_once {
                    driver.abort().ok();
                } else {
                    self.task_active = false;
                    if status.reason() == Reason::REASON_CONTAINER_LIMITATION_DISK {
                        self.metrics.tasks_disk_full += 1;
                        // Killed for using more than it asked for, though it was not to.
                        if self.disk_use_limit >= DISK_PER_TASK_MB * 1024 * 1024 {
                            self.metrics.abnormal_terminations += 1;
                        }
                    } else {
                        self.metrics.abnormal_terminations += 1;
                    }
                }
            }
            TaskState::TASK_KILLED
            | TaskState::TASK_LOST
            | TaskState::TASK_ERROR
            | TaskState::TASK_DROPPED
            | TaskState::TASK_UNREACHABLE
            | TaskState::TASK_GONE
            | TaskState::TASK_GONE_BY_OPERATOR => {
                if self.run_once {
                    driver.abort().ok();
                }
                self.task_active = false;
                if status.reason() != Reason::REASON_INVALID_OFFERS {
                    self.metrics.abnormal_terminations += 1;
                }
            }
            _ => {}
        }
        let after = format!("{:?}", self.metrics);
        if after != before {
            eprintln!("disk_full_framework metrics: {after}");
        }
    }

    logged_callbacks!();
}

fn main() -> ExitCode {
    let flags = match cpp_flags::load_or_exit(&OWN_FLAGS) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let read = (
        flags.duration("pre_sleep_duration"),
        flags.duration("post_sleep_duration"),
        flags.bytes("disk_use_limit"),
    );
    let (pre, post, limit) = match read {
        (Ok(Some(pre)), Ok(Some(post)), Ok(limit)) => (pre, post, limit),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return flags.fail(&e),
        _ => return flags.fail("a duration is missing"),
    };
    let _cluster = match cpp_flags::local_cluster(&flags, &[&flags.string("role")], &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let command = format!(
        "sleep {} && dd if=/dev/zero of=file bs=1K count={} && sleep {}",
        pre.as_secs_f64(),
        limit / 1024,
        post.as_secs_f64()
    );
    let role = flags.string("role");
    let framework = cpp_flags::framework_info(&flags, &flags.string("name"), &role, &[]);
    let scheduler = DiskFullScheduler {
        name: flags.string("name"),
        run_once: flags.boolean("run_once"),
        command,
        disk_use_limit: limit,
        role,
        tasks_launched: 0,
        task_active: false,
        metrics: Metrics::default(),
    };
    match cpp_flags::driver(&flags, scheduler, framework) {
        Ok(driver) => cpp_flags::run(&driver),
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            ExitCode::FAILURE
        }
    }
}
