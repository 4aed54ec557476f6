//! A port of hs-mesos' own `test/TestFramework.hs` (its newest revision), with the same
//! observable behaviour: it registers (printing `Registered!`), and answers every offer by
//! launching one task `foo` ("Task foo", 1 CPU and 32 MB) under the executor `default`
//! ("Test Executor", also 1 CPU and 32 MB), printing `Starting task on "<host>"` and
//! `Launched tasks`; once 5 tasks have finished it declines offers. It prints every status
//! update (`Task "foo" is in state TASK_RUNNING`, then the whole `TaskStatus`), and after the
//! fifth `TASK_FINISHED` reads one line from standard input (press Enter; at end of input it
//! goes on at once) and stops the driver. It exits 0 when the driver ended `DRIVER_STOPPED`.
//!
//!     cargo run --example hs_test_framework </dev/null         # local cluster
//!     cargo run --example hs_test_framework -- --master 10.0.0.1:5050 --executor /path/on/agents
//!
//! The executor is `hs_test_executor` (the port of `TestExecutor.hs`) next to this program,
//! else this program itself started as `hs_test_framework --run-as-executor` (it includes
//! the executor's code). `--show-executor-output` prints, after the run, what the executor
//! printed in its sandbox (`mesos::sandbox`): not something the Haskell program does.
//!
//! Where the port differs from the Haskell source: the master is the in-process local
//! cluster unless `--master` says otherwise (hs-mesos hard-codes `127.0.0.1:5050`), the
//! executor's path is found rather than hard-coded, and a watchdog aborts the driver after
//! `--timeout-secs` (300). `docs/porting-from-hs-mesos.md` walks through the port.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use mesos::ids::{command_info, executor_info, framework_info, task_id, task_info};
use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::{ExecutorInfo, FrameworkID, MasterInfo, Offer, Resource, TaskState, TaskStatus};
use mesos::{Scheduler, SchedulerDriver, Status};

#[allow(dead_code)]
#[path = "hs_test_executor.rs"]
mod hs_test_executor;

/// The argument that makes this program run as the executor.
const EXECUTOR_MODE: &str = "--run-as-executor";

const CPUS_PER_TASK: f64 = 1.0;
const MEM_PER_TASK: f64 = 32.0;

fn required_resources() -> Vec<Resource> {
    vec![cpus(CPUS_PER_TASK), mem(MEM_PER_TASK)]
}

struct TestScheduler {
    /// Kept from the Haskell record, which never reads it either.
    _role: String,
    total_tasks: usize,
    tasks_finished: usize,
    /// The shell command that starts the executor.
    executor_command: String,
}

impl TestScheduler {
    fn executor_settings(&self, framework_id: &FrameworkID) -> ExecutorInfo {
        executor_info("default", command_info(self.executor_command.clone()))
            .with_framework_id(framework_id)
            .with_resources(required_resources())
            .with_name("Test Executor (Rust port of hs-mesos)")
    }
}

impl Scheduler for TestScheduler {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        println!("Registered!");
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            if self.tasks_finished == self.total_tasks {
                let _ = driver.decline_offer(&offer.id, None);
                continue;
            }
            println!("Starting task on {:?}", offer.hostname());
            let task = task_info(
                "Task foo",
                task_id("foo"),
                &offer.slave_id,
                required_resources(),
            )
            .with_executor(self.executor_settings(&offer.framework_id));
            // hs-mesos passes `Filters Nothing`: libmesos' default filters, as `None` here.
            let _ = driver.launch_tasks([&offer.id], &[task], None);
            println!("Launched tasks");
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        println!(
            "Task {:?} is in state {:?}",
            status.task_id.value(),
            status.state()
        );
        // The whole status in protobuf text format (what Haskell's `print` of the record is).
        println!("{status}");
        if status.state() == TaskState::TASK_FINISHED {
            self.tasks_finished += 1;
            if self.tasks_finished == self.total_tasks {
                let _ = std::io::stdin().lock().read_line(&mut String::new());
                let _ = driver.stop(false);
            }
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        println!("{message}");
    }
}

struct Options {
    master: String,
    executor: Option<String>,
    show_executor_output: bool,
    timeout: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        master: "local".into(),
        executor: None,
        show_executor_output: false,
        timeout: Duration::from_secs(300),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--master" => o.master = value()?,
            "--executor" => o.executor = Some(value()?),
            "--show-executor-output" => o.show_executor_output = true,
            "--timeout-secs" => {
                let v = value()?;
                o.timeout =
                    Duration::from_secs(v.parse().map_err(|e| format!("--timeout-secs: {e}"))?)
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// Single-quotes `s` for `sh`.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shell command starting the executor: `--executor`, else `hs_test_executor` next to
/// this program, else this program in executor mode.
fn executor_command(explicit: Option<String>) -> Result<String, String> {
    if let Some(path) = explicit {
        return Ok(quoted(&path));
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let sibling = me.with_file_name("hs_test_executor");
    if sibling.is_file() {
        return Ok(quoted(&sibling.to_string_lossy()));
    }
    Ok(format!("{} {EXECUTOR_MODE}", quoted(&me.to_string_lossy())))
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(EXECUTOR_MODE) {
        return hs_test_executor::run();
    }
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: hs_test_framework [--master local|host:port|zk://...] [--executor PATH] [--show-executor-output] [--timeout-secs S]");
            return ExitCode::from(2);
        }
    };
    let cluster = if opts.master == "local" {
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
    let executor_command = match executor_command(opts.executor) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let role = "*"; // the role to register in
    let info = framework_info("", "Test Framework (Rust port of hs-mesos)").with_role(role);
    let scheduler = TestScheduler {
        _role: "master".into(),
        total_tasks: 5,
        tasks_finished: 0,
        executor_command,
    };
    let driver = match SchedulerDriver::new(scheduler, info, opts.master.clone()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Ctrl-C or SIGTERM stops the driver (its tasks are killed) and the program ends normally.
    let _signals = mesos::shutdown::stop_on_signals(&driver, false)
        .inspect_err(|e| eprintln!("no clean stop on Ctrl-C/SIGTERM: {e}"));
    let watchdog = driver.clone();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if wait.recv_timeout(opts.timeout) == Err(RecvTimeoutError::Timeout) {
            eprintln!("timed out after {:?}", opts.timeout);
            let _ = watchdog.abort();
        }
    });
    let _ = driver.run();
    // As in the Haskell program: stop once more, so that the driver surely ends, and exit
    // on what that says.
    let status = driver.stop(false);
    drop(done);
    let _ = watchdog.join();
    if opts.show_executor_output {
        // The task ran in the sandbox of executor "default".
        let task = mesos::sandbox::TaskRef::new("foo").executor("default");
        let sandbox = match &cluster {
            Some(c) => c.sandbox(&task),
            None => {
                mesos::sandbox::Agent::of_task(&opts.master, &task).and_then(|a| a.sandbox(&task))
            }
        };
        match sandbox.and_then(|s| s.stdout()) {
            Ok(out) => print!("executor stdout:\n{out}"),
            Err(e) => eprintln!("cannot read the executor's output: {e}"),
        }
    }
    drop(driver);
    match status {
        Ok(Status::DRIVER_STOPPED) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
