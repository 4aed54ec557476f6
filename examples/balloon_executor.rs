//! A port of Mesos' C++ example `balloon_executor`, run by `balloon_framework`: for its one
//! task it reports `TASK_RUNNING`, then grows its memory by 64 MB a second (memory it fills,
//! so that it is really used, and locks when the machine has swap) up to the size in the
//! task's `data` (`128MB`, say), and reports `TASK_FINISHED`. Where the agent enforces the
//! container's memory limit (the cgroups memory isolator) and that size is over it, the
//! container is killed first and the task ends `TASK_FAILED`. A second task given to the
//! same executor fails at once.

use std::process::ExitCode;
use std::time::Duration;

use mesos::task_status::task_status;
use mesos::types::{ExecutorInfo, FrameworkInfo, SlaveInfo, TaskID, TaskInfo, TaskState};
use mesos::{Executor, ExecutorDriver};

#[path = "shared/cpp_flags.rs"]
#[allow(unused)]
mod cpp_flags;

/// How much each step of the balloon takes, in MB.
const BALLOON_STEP_MB: u64 = 64;

/// Whether the machine may swap: `/proc/swaps` lists a device (or cannot be read).
fn has_swap() -> bool {
    match std::fs::read_to_string("/proc/swaps") {
        Ok(text) => text.lines().count() > 1,
        Err(_) => true,
    }
}

fn update(driver: &ExecutorDriver, id: &TaskID, state: TaskState, message: Option<&str>) {
    let mut status = task_status(id, state);
    if let Some(m) = message {
        status.set_message(m.into());
    }
    if let Err(e) = driver.send_status_update(&status) {
        eprintln!("could not send {state:?}: {e}");
    }
}

fn run(driver: ExecutorDriver, task: TaskInfo) {
    let id = task.task_id.clone().unwrap_or_default();
    update(&driver, &id, TaskState::TASK_RUNNING, None);
    let limit_mb = match cpp_flags::parse_bytes(&String::from_utf8_lossy(task.data())) {
        Ok(bytes) => bytes / (1024 * 1024),
        Err(e) => {
            update(&driver, &id, TaskState::TASK_FAILED, Some(&e));
            driver.stop().ok();
            return;
        }
    };
    let lock = has_swap();
    if lock {
        eprintln!(
            "System might use swap partitions, will explicitly lock memory to prevent swapping"
        );
    }
    let step = (BALLOON_STEP_MB * 1024 * 1024) as usize;
    let mut balloon: Vec<Vec<u8>> = Vec::new();
    for _ in 0..limit_mb / BALLOON_STEP_MB {
        eprintln!("Increasing memory footprint by {BALLOON_STEP_MB} MB");
        // Filled, so that every page is really there and counted.
        let chunk = vec![1u8; step];
        if lock {
            // SAFETY: locks the pages of `chunk`, which is alive (kept in `balloon`) until
            // the process ends; mlock reads nothing through the pointer.
            if unsafe { libc::mlock(chunk.as_ptr().cast(), chunk.len()) } != 0 {
                eprintln!(
                    "Failed to lock memory, mlock: {}",
                    std::io::Error::last_os_error()
                );
                std::process::exit(1);
            }
        }
        balloon.push(chunk);
        std::thread::sleep(Duration::from_secs(1));
    }
    eprintln!("Finishing task {}", id.value());
    update(&driver, &id, TaskState::TASK_FINISHED, None);
    // Gives the update time to leave before the driver stops.
    std::thread::sleep(Duration::from_secs(1));
    driver.stop().ok();
    drop(balloon);
}

#[derive(Default)]
struct BalloonExecutor {
    launched: bool,
}

impl Executor for BalloonExecutor {
    fn registered(
        &mut self,
        _: &ExecutorDriver,
        _: &ExecutorInfo,
        _: &FrameworkInfo,
        _: &SlaveInfo,
    ) {
        eprintln!("Registered");
    }

    fn reregistered(&mut self, _: &ExecutorDriver, _: &SlaveInfo) {
        eprintln!("Reregistered");
    }

    fn disconnected(&mut self, _: &ExecutorDriver) {
        eprintln!("Disconnected");
    }

    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
        if self.launched {
            update(
                driver,
                &task.task_id,
                TaskState::TASK_FAILED,
                Some("Attempted to run multiple balloon tasks with the same executor"),
            );
            return;
        }
        eprintln!("Starting task {}", task.task_id.value());
        // Callbacks are delivered one at a time: the balloon grows on a thread of its own.
        let (driver, task) = (driver.clone(), task.clone());
        std::thread::spawn(move || run(driver, task));
        self.launched = true;
    }

    fn kill_task(&mut self, _: &ExecutorDriver, task_id: &TaskID) {
        eprintln!("Kill task {}", task_id.value());
    }

    fn framework_message(&mut self, _: &ExecutorDriver, data: &[u8]) {
        eprintln!("Framework message: {}", String::from_utf8_lossy(data));
    }

    fn shutdown(&mut self, _: &ExecutorDriver) {
        eprintln!("Shutdown");
    }

    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        eprintln!("Error message: {message}");
    }
}

fn main() -> ExitCode {
    let driver = match ExecutorDriver::new(BalloonExecutor::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("balloon_executor: {e}");
            return ExitCode::FAILURE;
        }
    };
    match driver.run() {
        Ok(mesos::Status::DRIVER_STOPPED) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
