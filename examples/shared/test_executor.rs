//! The test executor's code, shared by `examples/test_executor.rs` and by
//! `examples/test_framework.rs`, which runs it when it is started as its own executor
//! (`test_framework --run-as-executor`, see there).
//!
//! On `launch_task` it runs the task's `data` as a shell command (`sleep 1` when there is
//! none) in a process group of its own, reports `TASK_RUNNING`, then `TASK_FINISHED` or
//! `TASK_FAILED` with the exit status. `kill_task` sends SIGTERM to the task's whole process
//! group, SIGKILL after the task's kill-policy grace period (3 seconds by default), and
//! reports `TASK_KILLED` once the task has exited. Whatever is still in the group when the
//! task's shell exits is SIGKILLed and waited for before the terminal update: nothing the
//! task started outlives it. `shutdown` kills every task that way, then stops the driver.
//!
//! The executor makes itself a child subreaper, so processes orphaned inside a task are
//! re-parented to it and reaped by it (not by init, which in a container may never reap).
//!
//! It sends the scheduler `registered <executor id> pid <pid>` when it registers and answers
//! every framework message with `echo: <message>`.
// Each includer uses part of it (the tests only `exit_status`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::task_status::task_status;
use mesos::types::{ExecutorInfo, FrameworkInfo, SlaveInfo, TaskID, TaskInfo, TaskState};
use mesos::{Error, Executor, ExecutorDriver, Status};

/// Kill grace period when the task has no kill policy.
const DEFAULT_GRACE: Duration = Duration::from_secs(3);
/// How long `shutdown` gives the tasks after SIGTERM (the agent's shutdown grace period is
/// 5 seconds by default).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long a group's leftovers may take to die after SIGKILL.
const REAP_WAIT: Duration = Duration::from_secs(5);

/// One running task.
struct Running {
    /// The pid of the task's shell, which is also its process group id.
    pgid: i32,
    /// Set before the group is signalled: the task ends `TASK_KILLED`.
    killed: Arc<AtomicBool>,
    grace: Duration,
}

#[derive(Default)]
struct Shared {
    tasks: Mutex<HashMap<String, Running>>,
    /// Pid of each task shell -> where the reaper sends its wait status.
    waiting: Mutex<HashMap<i32, Sender<i32>>>,
}

/// The executor; see the [module docs](self).
#[derive(Default)]
pub struct TestExecutor {
    shared: Arc<Shared>,
    /// One thread per task: waits for the task and sends its terminal update.
    watchers: Vec<std::thread::JoinHandle<()>>,
}

fn update(driver: &ExecutorDriver, id: &TaskID, state: TaskState, message: &str) {
    let mut s = task_status(id, state);
    if !message.is_empty() {
        s.set_message(message.into());
    }
    if let Err(e) = driver.send_status_update(&s) {
        eprintln!(
            "test_executor: could not send {state:?} for {}: {e}",
            id.value()
        );
    }
}

fn describe(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("terminated by signal {}", libc::WTERMSIG(status))
    } else {
        format!("wait status {status:#x}")
    }
}

/// Signals the whole process group `pgid`; false once the group is empty.
fn signal_group(pgid: i32, signal: i32) -> bool {
    // SAFETY: kill takes plain integers; a negative pid addresses a process group.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// Sends SIGKILL to the group until it is empty (its members are reaped by the reaper, as
/// this process is their subreaper), for up to `within`.
fn kill_group_and_wait(pgid: i32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while signal_group(pgid, libc::SIGKILL) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// Reaps every child of this process; a task shell's status goes to its watcher.
fn reaper(shared: Arc<Shared>) {
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid > 0 {
            if let Some(tx) = shared.waiting.lock().unwrap().remove(&pid) {
                let _ = tx.send(status);
            }
        } else {
            // No child right now (ECHILD) or interrupted: look again shortly.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl TestExecutor {
    /// A test executor whose reaper thread is running.
    pub fn new() -> TestExecutor {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag only.
        if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) } != 0 {
            eprintln!(
                "test_executor: cannot become a child subreaper: {}",
                std::io::Error::last_os_error()
            );
        }
        let executor = TestExecutor::default();
        let shared = executor.shared.clone();
        std::thread::Builder::new()
            .name("reaper".into())
            .spawn(move || reaper(shared))
            .expect("spawn the reaper");
        executor
    }

    /// Starts killing a task: SIGTERM to its group now, SIGKILL after its grace period.
    fn start_kill(&self, task_id: &str, grace: Option<Duration>) -> bool {
        let tasks = self.shared.tasks.lock().unwrap();
        let Some(task) = tasks.get(task_id) else {
            return false;
        };
        task.killed.store(true, Ordering::SeqCst);
        let (pgid, grace) = (task.pgid, grace.unwrap_or(task.grace));
        signal_group(pgid, libc::SIGTERM);
        let shared = self.shared.clone();
        let id = task_id.to_owned();
        std::thread::spawn(move || {
            std::thread::sleep(grace);
            // Still running (its watcher has not removed it yet): escalate.
            if shared.tasks.lock().unwrap().contains_key(&id) {
                signal_group(pgid, libc::SIGKILL);
            }
        });
        true
    }
}

impl Executor for TestExecutor {
    fn registered(
        &mut self,
        driver: &ExecutorDriver,
        executor: &ExecutorInfo,
        _: &FrameworkInfo,
        agent: &SlaveInfo,
    ) {
        eprintln!(
            "test_executor: registered as {} on {}",
            executor.executor_id.value(),
            agent.hostname()
        );
        let hello = format!(
            "registered {} pid {}",
            executor.executor_id.value(),
            std::process::id()
        );
        driver.send_framework_message(hello.as_bytes()).ok();
    }

    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
        let id = task.task_id.clone().unwrap_or_default();
        let script = if task.has_data() {
            String::from_utf8_lossy(task.data()).into_owned()
        } else {
            "sleep 1".into()
        };
        let grace = task
            .kill_policy
            .grace_period
            .as_ref()
            .map(|d| Duration::from_nanos(d.nanoseconds().max(0) as u64))
            .unwrap_or(DEFAULT_GRACE);
        // Registered before the spawn, so that the reaper cannot miss a quick exit.
        let mut waiting = self.shared.waiting.lock().unwrap();
        let child = match Command::new("/bin/sh")
            .arg("-c")
            .arg(&script)
            .process_group(0)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                drop(waiting);
                return update(
                    driver,
                    &id,
                    TaskState::TASK_FAILED,
                    &format!("cannot start: {e}"),
                );
            }
        };
        let pgid = child.id() as i32;
        let (tx, rx) = channel();
        waiting.insert(pgid, tx);
        drop(waiting);
        // The reaper waits for the child, not `Child` (whose drop neither waits nor kills).
        drop(child);
        let killed = Arc::new(AtomicBool::new(false));
        self.shared.tasks.lock().unwrap().insert(
            id.value().to_owned(),
            Running {
                pgid,
                killed: killed.clone(),
                grace,
            },
        );
        update(
            driver,
            &id,
            TaskState::TASK_RUNNING,
            &format!("process group {pgid}"),
        );
        let shared = self.shared.clone();
        let driver = driver.clone();
        let watcher = std::thread::spawn(move || {
            let status = rx.recv().unwrap_or(-1);
            // The shell is gone; kill and wait for whatever it left in its group.
            let clean = kill_group_and_wait(pgid, REAP_WAIT);
            shared.tasks.lock().unwrap().remove(id.value());
            let (state, mut message) = if killed.load(Ordering::SeqCst) {
                (
                    TaskState::TASK_KILLED,
                    format!("killed; command {}", describe(status)),
                )
            } else if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
                (
                    TaskState::TASK_FINISHED,
                    format!("command {}", describe(status)),
                )
            } else {
                (
                    TaskState::TASK_FAILED,
                    format!("command {}", describe(status)),
                )
            };
            if !clean {
                message.push_str("; some of its processes would not die");
            }
            update(&driver, &id, state, &message);
        });
        self.watchers.retain(|w| !w.is_finished());
        self.watchers.push(watcher);
    }

    fn kill_task(&mut self, _: &ExecutorDriver, task_id: &TaskID) {
        // A task that already ended has sent its terminal update: nothing to do.
        if !self.start_kill(task_id.value(), None) {
            eprintln!(
                "test_executor: kill of {}: no such running task",
                task_id.value()
            );
        }
    }

    fn framework_message(&mut self, driver: &ExecutorDriver, data: &[u8]) {
        let mut reply = b"echo: ".to_vec();
        reply.extend_from_slice(data);
        driver.send_framework_message(&reply).ok();
    }

    fn shutdown(&mut self, driver: &ExecutorDriver) {
        let ids: Vec<String> = self.shared.tasks.lock().unwrap().keys().cloned().collect();
        for id in &ids {
            self.start_kill(id, Some(SHUTDOWN_GRACE));
        }
        // Each watcher sends its task's TASK_KILLED once the group is gone.
        for w in self.watchers.drain(..) {
            let _ = w.join();
        }
        driver.stop().ok();
    }

    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        eprintln!("test_executor: error: {message}");
    }
}

/// Runs the test executor under the agent that started this process and returns the
/// process' exit status: 0 when the driver stopped, 3 when no executor driver is available,
/// 1 otherwise.
pub fn exit_status() -> u8 {
    let driver = match ExecutorDriver::new(TestExecutor::new()) {
        Ok(d) => d,
        Err(Error::Unsupported { call: why, .. }) => {
            eprintln!("test_executor: {why}");
            return 3;
        }
        Err(e) => {
            eprintln!("test_executor: cannot create the executor driver: {e}");
            return 1;
        }
    };
    match driver.run() {
        Ok(Status::DRIVER_STOPPED) => 0,
        Ok(s) => {
            eprintln!("test_executor: driver ended with {s:?}");
            1
        }
        Err(e) => {
            eprintln!("test_executor: {e}");
            1
        }
    }
}

/// [`exit_status`] as a `main`'s return value.
pub fn run() -> ExitCode {
    ExitCode::from(exit_status())
}
