//! A port of Mesos' C++ example `balloon_framework`: it runs one task at a time under its own
//! executor (`balloon_executor`, 0.1 cpu and 64 MB), the task asking for 0.1 cpu and
//! `--task_memory`, and the executor growing its memory up to `--task_memory_usage_limit`.
//! Where the agent enforces memory limits (the cgroups memory isolator) and the limit is
//! over what the container has, the container is killed: `TASK_FAILED` with reason
//! `REASON_CONTAINER_LIMITATION_MEMORY`, and the framework aborts (exit status 1), which is
//! what Mesos' own test of it expects. Otherwise the task finishes and the framework stops
//! (exit status 0). With `--long_running` it launches tasks for ever.
//!
//!     cargo run --example balloon_framework -- --master=local --task_memory=64MB \
//!         --task_memory_usage_limit=128MB
//!
//! Flags as in the C++ program: `--master`, `--task_memory`, `--task_memory_usage_limit`
//! (all required; the limit at least 64MB), `--name`, `--executor_command`, `--build_dir`,
//! `--executor_uri`, `--executor_uris` (JSON, or a file holding it), `--long_running`,
//! `--role`, `--principal`, `--authenticate`, `--secret`, `--checkpoint`; each also read from
//! `MESOS_EXAMPLE_<NAME>`. The executor is, unless `--executor_command` says otherwise,
//! `balloon_executor` next to this program (`<build_dir>/src/balloon-executor` with
//! `--build_dir`, as for the C++ one). The C++ framework's libprocess metrics
//! (`balloon_framework/...`) are counters printed when they change here.

use std::process::ExitCode;

use mesos::resources::Resources;
use mesos::types::command_info::URI;
use mesos::types::task_status::Reason;
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

#[path = "shared/cpp_flags.rs"]
#[macro_use]
mod cpp_flags;
use cpp_flags::Flag;

const CPUS_PER_TASK: f64 = 0.1;
const CPUS_PER_EXECUTOR: f64 = 0.1;
const MEM_PER_EXECUTOR: u64 = 64;
const EXECUTOR_BINARY: &str = "balloon_executor";

const OWN_FLAGS: [Flag; 8] = [
    Flag::value("name", "The framework's name", "Balloon Framework"),
    Flag::required(
        "task_memory_usage_limit",
        "How far (bytes, e.g. 256MB) the task grows its memory; at least 64MB",
    ),
    Flag::required("task_memory", "How much memory each task asks for (e.g. 64MB)"),
    Flag::optional(
        "build_dir",
        "A Mesos build directory holding the executor (framework, executor and agents on one machine)",
    ),
    Flag::optional(
        "executor_uri",
        "A URI to fetch the executor from (deprecated: --executor_uris)",
    ),
    Flag::optional(
        "executor_uris",
        "JSON array of CommandInfo.URI to fetch before starting the executor, or a file (/path, file:///path) holding it",
    ),
    Flag::optional(
        "executor_command",
        "The command starting the executor (wins over --build_dir)",
    ),
    Flag::boolean(
        "long_running",
        "Launch tasks for ever instead of stopping after one",
        false,
    ),
];

#[derive(Default, Debug)]
struct Metrics {
    tasks_finished: u64,
    tasks_oomed: u64,
    tasks_running: u64,
    launch_failures: u64,
    abnormal_terminations: u64,
}

struct BalloonScheduler {
    name: String,
    role: String,
    executor: ExecutorInfo,
    task_memory: u64,
    usage_limit: u64,
    long_running: bool,
    task_active: bool,
    tasks_launched: usize,
    metrics: Metrics,
}

impl Scheduler for BalloonScheduler {
    connection_callbacks!();

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        eprintln!("Resource offers received");
        let task_resources = Resources::parse(
            &format!(
                "cpus:{CPUS_PER_TASK};mem:{}",
                self.task_memory as f64 / (1024.0 * 1024.0)
            ),
            None,
        )
        .expect("well formed")
        .allocate(&self.role);
        let executor_resources =
            Resources::from(self.executor.resources.clone()).allocate(&self.role);
        let needed = &task_resources + &executor_resources;
        for offer in offers {
            let offered = Resources::from(offer.resources.clone());
            if self.task_active || !offered.flatten().contains(&needed) {
                let mut filters = Filters::new();
                filters.set_refuse_seconds(600.0);
                driver.decline_offer(&offer.id, Some(&filters)).ok();
                continue;
            }
            let task_id = self.tasks_launched.to_string();
            self.tasks_launched += 1;
            eprintln!("Launching task {task_id}");
            let mut task = mesos::ids::task_info(
                format!("{} Task", self.name),
                task_id.as_str(),
                &offer.slave_id,
                task_resources.clone().into_vec(),
            );
            task.set_data(cpp_flags::format_bytes(self.usage_limit).into_bytes());
            let mut executor = self.executor.clone();
            executor.executor_id = Some(mesos::ids::executor_id(task_id.as_str())).into();
            task.executor = Some(executor).into();
            if let Err(e) = driver.launch_tasks([&offer.id], &[task], None) {
                eprintln!("launch: {e}");
            }
            self.task_active = true;
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let state = status.state();
        eprintln!("{}", cpp_flags::status_line(status));
        if !self.long_running {
            if state == TaskState::TASK_FAILED
                && status.reason() == Reason::REASON_CONTAINER_LIMITATION_MEMORY
            {
                // The outcome expected where memory limits are enforced.
                driver.abort().ok();
            } else if matches!(
                state,
                TaskState::TASK_FAILED
                    | TaskState::TASK_FINISHED
                    | TaskState::TASK_KILLED
                    | TaskState::TASK_LOST
                    | TaskState::TASK_ERROR
            ) {
                driver.stop(false).ok();
            }
        }
        if !cpp_flags::is_latest_task(self.tasks_launched, status) {
            return;
        }
        let before = format!("{:?}", self.metrics);
        match state {
            TaskState::TASK_FINISHED => {
                self.task_active = false;
                self.metrics.tasks_finished += 1;
            }
            TaskState::TASK_FAILED => {
                self.task_active = false;
                if status.reason() == Reason::REASON_CONTAINER_LIMITATION_MEMORY {
                    self.metrics.tasks_oomed += 1;
                }
                if status.reason() == Reason::REASON_CONTAINER_LAUNCH_FAILED {
                    self.metrics.launch_failures += 1;
                }
            }
            TaskState::TASK_KILLED | TaskState::TASK_LOST | TaskState::TASK_ERROR => {
                self.task_active = false;
                if status.reason() != Reason::REASON_INVALID_OFFERS {
                    self.metrics.abnormal_terminations += 1;
                }
            }
            TaskState::TASK_RUNNING => self.metrics.tasks_running += 1,
            _ => {}
        }
        let after = format!("{:?}", self.metrics);
        if after != before {
            eprintln!("balloon_framework metrics: {after}");
        }
    }

    logged_callbacks!();
}

/// `--executor_uris`: a JSON array of `CommandInfo.URI`, or a file holding one.
fn executor_uris(value: &str) -> Result<Vec<URI>, String> {
    let path = value.strip_prefix("file://").unwrap_or(value);
    let text = if path.starts_with('/') {
        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?
    } else {
        value.to_owned()
    };
    let items: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| format!("Failed to convert '--executor_uris' to protobuf: {e}"))?;
    items
        .iter()
        .map(|item| {
            protobuf_json_mapping::parse_from_str::<URI>(&item.to_string())
                .map_err(|e| format!("Failed to convert '--executor_uris' to protobuf: {e}"))
        })
        .collect()
}

fn main() -> ExitCode {
    let flags = match cpp_flags::load_or_exit(&OWN_FLAGS) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (task_memory, usage_limit) = match (
        flags.bytes("task_memory"),
        flags.bytes("task_memory_usage_limit"),
    ) {
        (Ok(m), Ok(l)) => (m, l),
        (Err(e), _) | (_, Err(e)) => return flags.fail(&e),
    };
    if usage_limit < MEM_PER_EXECUTOR * 1024 * 1024 {
        return flags.fail(&format!(
            "Please use a --task_memory_usage_limit greater than {MEM_PER_EXECUTOR} MB"
        ));
    }
    let _cluster = match cpp_flags::local_cluster(&flags, &[&flags.string("role")], &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let command = match (flags.get("executor_command"), flags.get("build_dir")) {
        (Some(c), _) => c,
        (None, Some(dir)) => format!("{dir}/src/balloon-executor"),
        (None, None) => {
            let me = std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .expect("this program's path");
            me.with_file_name(EXECUTOR_BINARY)
                .to_string_lossy()
                .into_owned()
        }
    };
    let mut executor = mesos::ids::executor_info("", mesos::ids::command_info(command));
    executor.set_name(format!("{} Executor", flags.string("name")));
    executor.resources = Resources::parse(
        &format!("cpus:{CPUS_PER_EXECUTOR};mem:{MEM_PER_EXECUTOR}"),
        None,
    )
    .expect("well formed")
    .into_vec();
    if flags.get("executor_uris").is_some() && flags.get("executor_uri").is_some() {
        eprintln!("Flag '--executor_uris' shall not be used with '--executor_uri'");
        return ExitCode::FAILURE;
    }
    if let Some(uri) = flags.get("executor_uri") {
        eprintln!("Flag '--executor_uri' is deprecated, use '--executor_uris' instead");
        let mut u = URI::new();
        u.set_value(uri);
        u.set_executable(true);
        executor.command.mut_or_insert_default().uris.push(u);
    }
    if let Some(uris) = flags.get("executor_uris") {
        match executor_uris(&uris) {
            Ok(uris) => executor.command.mut_or_insert_default().uris = uris,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let role = flags.string("role");
    let framework = cpp_flags::framework_info(&flags, &flags.string("name"), &role, &[]);
    let scheduler = BalloonScheduler {
        name: flags.string("name"),
        role,
        executor,
        task_memory,
        usage_limit,
        long_running: flags.boolean("long_running"),
        task_active: false,
        tasks_launched: 0,
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
