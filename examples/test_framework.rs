//! The classic Mesos test framework: registers, launches N tasks with a custom executor
//! (`test_executor`), pings each running task's executor, waits for every task's terminal
//! status, and prints a one-line summary. Exits 0 when every task finished.
//!
//!     cargo run --example test_framework                       # local cluster, 5 tasks
//!     cargo run --example test_framework -- --master 10.0.0.1:5050 --tasks 20
//!     cargo run --example test_framework -- --executor /path/to/an/executor
//!
//! **Which executor.** By default the tasks run under `test_executor`, found next to this
//! program (`target/<profile>/examples/`). `cargo run --example test_framework` builds only
//! this example, so when `test_executor` is not there, this program is its own executor: the
//! agent runs it as `test_framework --run-as-executor`, which runs exactly the code of
//! `test_executor` (both include `shared/test_executor.rs`). This way the first command of
//! the README works without a second build step, and never runs a stale `test_executor`
//! build by surprise (the line `executor: ...` says which one is used). Against a remote
//! master, the executor path must exist on the agents: pass it with `--executor`.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

#[path = "shared/children.rs"]
mod children;
#[path = "shared/test_executor.rs"]
mod test_executor;

/// The argument that makes this program run as the test executor.
const EXECUTOR_MODE: &str = "--run-as-executor";

struct Options {
    master: String,
    tasks: usize,
    executor: Option<String>,
    timeout: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        master: "local".into(),
        tasks: 5,
        executor: None,
        timeout: Duration::from_secs(300),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--master" => o.master = value()?,
            "--tasks" => o.tasks = value()?.parse().map_err(|e| format!("--tasks: {e}"))?,
            "--executor" => o.executor = Some(value()?),
            "--timeout-secs" => {
                o.timeout = Duration::from_secs(
                    value()?
                        .parse()
                        .map_err(|e| format!("--timeout-secs: {e}"))?,
                )
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// The executor's command: `--executor PATH`, else `test_executor` next to this program,
/// else this program in executor mode.
fn executor_command(explicit: Option<&str>) -> Result<(CommandInfo, String), String> {
    let mut command = CommandInfo::new();
    command.set_shell(false);
    if let Some(path) = explicit {
        command.set_value(path.to_owned());
        command.arguments = vec![path.to_owned()];
        return Ok((command, path.to_owned()));
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let sibling = me.with_file_name("test_executor");
    if sibling.is_file() {
        let path = sibling.to_string_lossy().into_owned();
        command.set_value(path.clone());
        command.arguments = vec![path.clone()];
        return Ok((command, path));
    }
    let path = me.to_string_lossy().into_owned();
    command.set_value(path.clone());
    command.arguments = vec![path.clone(), EXECUTOR_MODE.into()];
    Ok((
        command,
        format!("{path} {EXECUTOR_MODE} (test_executor is not built; this program runs its code)"),
    ))
}

struct TestScheduler {
    total: usize,
    launched: usize,
    executor: ExecutorInfo,
    ended: Arc<Mutex<BTreeMap<String, TaskState>>>,
}

const CPUS_PER_TASK: f64 = 0.5;
const MEM_PER_TASK: f64 = 32.0;

impl Scheduler for TestScheduler {
    fn registered(&mut self, _: &SchedulerDriver, id: &FrameworkID, master: &MasterInfo) {
        println!(
            "registered as {} with master {}:{}",
            id.value(),
            master.hostname(),
            master.port()
        );
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            let mut available = mesos::Resources::from(offer.resources.clone());
            let mut tasks = Vec::new();
            let need: mesos::Resources = vec![cpus(CPUS_PER_TASK), mem(MEM_PER_TASK)].into();
            while self.launched < self.total && available.contains(&need) {
                let id = self.launched.to_string();
                let mut task = mesos::ids::task_info(
                    format!("task {id}"),
                    mesos::ids::task_id(&id),
                    offer.slave_id.clone().unwrap(),
                    need.clone().into(),
                );
                task.executor = Some(self.executor.clone()).into();
                task.set_data(b"sleep 1".to_vec());
                available -= need.clone();
                tasks.push(task);
                self.launched += 1;
            }
            if tasks.is_empty() {
                driver.decline_offer(&offer.id, None).ok();
            } else {
                println!("launching {} task(s) on {}", tasks.len(), offer.hostname());
                if let Err(e) = driver.launch_tasks([&offer.id], &tasks, None) {
                    eprintln!("launch failed: {e}");
                }
            }
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let id = status.task_id.value().to_owned();
        println!(
            "task {id} is in state {:?}{}",
            status.state(),
            if status.has_message() {
                format!(": {}", status.message())
            } else {
                String::new()
            }
        );
        if status.state() == TaskState::TASK_RUNNING && status.executor_id.is_some() {
            driver
                .send_framework_message(&status.executor_id, &status.slave_id, b"ping")
                .ok();
        }
        if status.is_terminal() {
            let mut ended = self.ended.lock().unwrap();
            ended.insert(id, status.state());
            if ended.len() == self.total {
                driver.stop(false).ok();
            }
        }
    }

    fn framework_message(&mut self, _: &SchedulerDriver, e: &ExecutorID, _: &SlaveID, data: &[u8]) {
        println!(
            "message from executor {}: {}",
            e.value(),
            String::from_utf8_lossy(data)
        );
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("error: {message}");
    }
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(EXECUTOR_MODE) {
        return test_executor::run();
    }
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: test_framework [--master local|host:port|zk://...] [--tasks N] [--executor PATH] [--timeout-secs S]");
            return ExitCode::from(2);
        }
    };
    let (command, described) = match executor_command(opts.executor.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!("executor: {described}");
    let local = opts.master == "local";
    let _cluster = if local {
        match LocalCluster::new()
            .resources("cpus:4;mem:1024;disk:1024")
            .apply()
        {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("cannot prepare the local cluster: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let mut executor = ExecutorInfo::new();
    executor.executor_id = Some(mesos::ids::executor_id("test-executor")).into();
    executor.set_name("Test Executor (Rust)".into());
    executor.command = Some(command).into();
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("Test Framework (Rust)".into());
    let ended = Arc::new(Mutex::new(BTreeMap::new()));
    let scheduler = TestScheduler {
        total: opts.tasks,
        launched: 0,
        executor,
        ended: ended.clone(),
    };
    let driver = match SchedulerDriver::new(scheduler, info, opts.master.clone()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Ctrl-C or SIGTERM stops the driver (the framework unregisters, its tasks are killed),
    // so that the program ends normally and a local cluster's work directory goes.
    let _signals = mesos::shutdown::stop_on_signals(&driver, false)
        .inspect_err(|e| eprintln!("no clean stop on Ctrl-C/SIGTERM: {e}"));
    // A watchdog: give up after the timeout. It ends (and lets go of its driver handle) as
    // soon as `run` returns, so that the driver and its threads are freed before exit.
    let watchdog = driver.clone();
    let started = Instant::now();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if wait.recv_timeout(opts.timeout) == Err(RecvTimeoutError::Timeout) {
            eprintln!("timed out after {:?}", started.elapsed());
            watchdog.abort().ok();
        }
    });
    let status = driver.run();
    drop(done);
    watchdog.join().ok();
    if local {
        // The framework is gone: the agents shut its executors down. Wait for them, so
        // that nothing this run started outlives it.
        let left = children::wait_for_descendants(Duration::from_secs(15));
        if !left.is_empty() {
            eprintln!("processes still running after the framework stopped: {left:?}");
        }
    }
    // The last handle: frees libmesos' driver (and the local cluster).
    drop(driver);
    let ended = ended.lock().unwrap().clone();
    let finished = ended
        .values()
        .filter(|s| **s == TaskState::TASK_FINISHED)
        .count();
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for state in ended.values() {
        *by_state.entry(format!("{state:?}")).or_default() += 1;
    }
    let breakdown: Vec<String> = by_state.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    println!(
        "{finished} of {} tasks finished in {:.1}s ({})",
        opts.tasks,
        started.elapsed().as_secs_f64(),
        if breakdown.is_empty() {
            "no terminal update".to_owned()
        } else {
            breakdown.join(", ")
        }
    );
    match status {
        Ok(s) if finished == opts.tasks => {
            println!("driver ended with {s:?}");
            ExitCode::SUCCESS
        }
        Ok(s) => {
            eprintln!("driver ended with {s:?} before every task finished");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("driver failed: {e}");
            ExitCode::FAILURE
        }
    }
}
