//! The classic Mesos test framework: registers, launches N tasks across offers, waits for every
//! task's terminal status, prints a per-state summary, and exits 0 when all N are accounted
//! for (non-zero otherwise).
//!
//!     cargo run --example test_framework                       # local cluster, 5 tasks
//!     cargo run --example test_framework -- --master 10.0.0.1:5050 --tasks 20
//!     cargo run --example test_framework -- --executor target/debug/examples/test_executor
//!
//! The dev kit's libmesos cannot start executors, so there every task ends `TASK_FAILED`
//! ("Executor terminated"); against a real Mesos they finish.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::task_status::is_terminal;
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

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

struct TestScheduler {
    total: usize,
    launched: usize,
    executor: Option<ExecutorInfo>,
    finished: Arc<Mutex<BTreeMap<String, TaskState>>>,
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
                match &self.executor {
                    Some(e) => {
                        task.executor = Some(e.clone()).into();
                        task.set_data(b"sleep 1".to_vec());
                    }
                    None => task.command = Some(mesos::ids::command_info("sleep 1")).into(),
                }
                available -= need.clone();
                tasks.push(task);
                self.launched += 1;
            }
            if tasks.is_empty() {
                driver.decline_offer(&offer.id, None).ok();
            } else {
                println!("launching {} task(s) on {}", tasks.len(), offer.hostname());
                if let Err(e) = driver.launch_tasks(&[offer.id.clone().unwrap()], &tasks, None) {
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
        if is_terminal(status.state()) {
            let mut finished = self.finished.lock().unwrap();
            finished.insert(id, status.state());
            if finished.len() == self.total {
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
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: test_framework [--master local|host:port|zk://...] [--tasks N] [--executor PATH] [--timeout-secs S]");
            return ExitCode::from(2);
        }
    };
    let _cluster = if opts.master == "local" {
        Some(
            LocalCluster::new()
                .resources("cpus:4;mem:1024;disk:1024")
                .apply()
                .expect("local cluster work dir"),
        )
    } else {
        None
    };
    let executor = opts.executor.as_ref().map(|path| {
        let mut e = ExecutorInfo::new();
        e.executor_id = Some(mesos::ids::executor_id("test-executor")).into();
        e.set_name("Test Executor (Rust)".into());
        e.command = Some(mesos::ids::command_info(path)).into();
        e
    });
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("Test Framework (Rust)".into());
    let finished = Arc::new(Mutex::new(BTreeMap::new()));
    let scheduler = TestScheduler {
        total: opts.tasks,
        launched: 0,
        executor,
        finished: finished.clone(),
    };
    let driver = match SchedulerDriver::new(scheduler, info, opts.master.clone()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            return ExitCode::FAILURE;
        }
    };
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
    // The last handle: frees libmesos' driver and ends the callback thread.
    drop(driver);
    let finished = finished.lock().unwrap().clone();
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for state in finished.values() {
        *by_state.entry(format!("{state:?}")).or_default() += 1;
    }
    println!(
        "summary: {} of {} tasks accounted for in {:.1}s",
        finished.len(),
        opts.tasks,
        started.elapsed().as_secs_f64()
    );
    for (state, n) in &by_state {
        println!("  {state}: {n}");
    }
    match status {
        Ok(s) if finished.len() == opts.tasks => {
            println!("driver ended with {s:?}");
            ExitCode::SUCCESS
        }
        Ok(s) => {
            eprintln!("driver ended with {s:?} before every task was accounted for");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("driver failed: {e}");
            ExitCode::FAILURE
        }
    }
}
