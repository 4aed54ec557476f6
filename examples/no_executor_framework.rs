//! Runs shell commands as Mesos command tasks (a `CommandInfo`, no executor of its own: the
//! agent runs each under its command executor, `mesos-executor`) and reports how each ended.
//!
//!     cargo run --example no_executor_framework                 # three sample commands
//!     cargo run --example no_executor_framework -- 'echo hello' 'sleep 2'
//!     cargo run --example no_executor_framework -- --master 10.0.0.1:5050 'uname -a'
//!
//! Each command's output is in its task's sandbox (`stdout`, `stderr`): after the run it
//! prints how each task ended and what it wrote to `stdout`, read back with `mesos::sandbox`
//! (from the local cluster's work directory, or through the agent's `/files` endpoint when
//! `--master` is `host:port`). Then a one-line summary; exits 0 when every command's task
//! finished (`TASK_FINISHED`: exit status 0).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::*;
use mesos::{Resources, Scheduler, SchedulerDriver};

#[path = "shared/children.rs"]
mod children;

/// What runs when no command is given.
const SAMPLE_COMMANDS: [&str; 3] = [
    "echo hello from a command task",
    "uname -a",
    "sleep 1 && echo slept",
];

/// How each task ended: task id -> (command, terminal state, message).
type Ended = Arc<Mutex<BTreeMap<String, (String, TaskState, String)>>>;

struct Commands {
    pending: Vec<(String, String)>, // (task id, command)
    total: usize,
    ended: Ended,
    commands: BTreeMap<String, String>,
}

impl Scheduler for Commands {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let need: Resources = vec![cpus(0.1), mem(16.0)].into();
        for offer in offers {
            let mut left = Resources::from(offer.resources.clone());
            let mut tasks = Vec::new();
            while !self.pending.is_empty() && left.contains(&need) {
                let (id, cmd) = self.pending.remove(0);
                let mut t = mesos::ids::task_info(
                    format!("command {id}"),
                    mesos::ids::task_id(&id),
                    offer.slave_id.clone().unwrap(),
                    need.clone().into(),
                );
                t.command = Some(mesos::ids::command_info(&cmd)).into();
                left -= need.clone();
                tasks.push(t);
            }
            if tasks.is_empty() {
                driver.decline_offer(&offer.id, None).ok();
            } else if let Err(e) = driver.launch_tasks([&offer.id], &tasks, None) {
                eprintln!("launch failed: {e}");
            }
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let id = status.task_id.value();
        println!("task {id} is in state {:?}", status.state());
        if status.is_terminal() {
            let cmd = self.commands.get(id).cloned().unwrap_or_default();
            let mut ended = self.ended.lock().unwrap();
            ended.insert(
                id.to_owned(),
                (cmd, status.state(), status.message().to_owned()),
            );
            if ended.len() == self.total {
                driver.stop(false).ok();
            }
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("error: {message}");
    }
}

fn main() -> ExitCode {
    let mut master = "local".to_owned();
    let mut commands = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--master" => match args.next() {
                Some(m) => master = m,
                None => {
                    eprintln!("--master needs a value");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                eprintln!("usage: no_executor_framework [--master MASTER] [COMMAND...]");
                return ExitCode::from(2);
            }
            _ => commands.push(a),
        }
    }
    if commands.is_empty() {
        commands = SAMPLE_COMMANDS.iter().map(|c| c.to_string()).collect();
    }
    let local = master == "local";
    let _cluster = if local {
        match LocalCluster::new().resources("cpus:2;mem:512").apply() {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("cannot prepare the local cluster: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let pending: Vec<(String, String)> = commands
        .iter()
        .enumerate()
        .map(|(i, c)| (i.to_string(), c.clone()))
        .collect();
    let ended: Ended = Arc::new(Mutex::new(BTreeMap::new()));
    let scheduler = Commands {
        total: pending.len(),
        commands: pending.iter().cloned().collect(),
        pending,
        ended: ended.clone(),
    };
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("No-executor framework (Rust)".into());
    let driver = match SchedulerDriver::new(scheduler, info, master.clone()) {
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
    let started = Instant::now();
    let watchdog = driver.clone();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if wait.recv_timeout(Duration::from_secs(120)) == Err(RecvTimeoutError::Timeout) {
            eprintln!("timed out");
            watchdog.abort().ok();
        }
    });
    let result = driver.run();
    drop(done);
    watchdog.join().ok();
    if local {
        // Wait for the command executors the agents shut down, so that none outlives us.
        let left = children::wait_for_descendants(Duration::from_secs(15));
        if !left.is_empty() {
            eprintln!("processes still running after the framework stopped: {left:?}");
        }
    }
    drop(driver);
    let ended = ended.lock().unwrap();
    // A command task's sandbox is its executor's, which has the task's id.
    let sandbox_of = |id: &str| match &_cluster {
        Some(cluster) => cluster.sandbox(id),
        None => mesos::sandbox::Agent::of_task(&master, id).and_then(|a| a.sandbox(id)),
    };
    for (id, (cmd, state, message)) in ended.iter() {
        println!("task {id} `{cmd}`: {state:?} ({message})");
        match sandbox_of(id).and_then(|s| s.stdout()) {
            Ok(out) => {
                for line in out.lines() {
                    println!("    stdout: {line}");
                }
            }
            Err(e) => println!("    (its output cannot be read: {e})"),
        }
    }
    let finished = ended
        .values()
        .filter(|(_, s, _)| *s == TaskState::TASK_FINISHED)
        .count();
    println!(
        "{finished} of {} tasks finished in {:.1}s",
        commands.len(),
        started.elapsed().as_secs_f64()
    );
    match result {
        Ok(_) if finished == commands.len() => ExitCode::SUCCESS,
        other => {
            eprintln!(
                "{} of {} commands accounted for, {finished} finished ({other:?})",
                ended.len(),
                commands.len()
            );
            ExitCode::FAILURE
        }
    }
}
