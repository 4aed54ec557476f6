//! A port of hs-mesos' own `test/TestExecutor.hs` (its newest revision): the executor that
//! `hs_test_framework` starts. It prints `"Registered executor on <agent host>"` when it
//! registers (quoted, as Haskell's `print` shows a string), and for every task prints
//! `"Starting task <id>"` and reports `TASK_RUNNING` then `TASK_FINISHED` at once. It runs
//! until the agent shuts it down, and exits 0 when the driver ended `DRIVER_STOPPED`.
//!
//! Its output goes to the sandbox's `stdout`: read it with `mesos::sandbox` (see
//! `hs_test_framework --show-executor-output`).
//!
//! `ExecutorDriver::new` uses libmesos' executor driver where the linked libmesos has one,
//! and the agent's executor HTTP API otherwise (the dev kit's libmesos is scheduler-only).

use std::process::ExitCode;

use mesos::task_status::task_status;
use mesos::types::{ExecutorInfo, FrameworkInfo, SlaveInfo, TaskInfo, TaskState};
use mesos::{Executor, ExecutorDriver, Status};

/// The executor; it keeps no state, as in Haskell.
pub struct TestExecutor;

impl Executor for TestExecutor {
    fn registered(
        &mut self,
        _: &ExecutorDriver,
        _: &ExecutorInfo,
        _: &FrameworkInfo,
        s: &SlaveInfo,
    ) {
        // `{:?}` of a `String` quotes it, as Haskell's `print` does.
        println!("{:?}", format!("Registered executor on {}", s.hostname()));
    }

    fn reregistered(&mut self, _: &ExecutorDriver, s: &SlaveInfo) {
        println!(
            "{:?}",
            format!("Re-registered executor on {}", s.hostname())
        );
    }

    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
        println!("{:?}", format!("Starting task {}", task.task_id.value()));
        // Like hs-mesos' `void`, the results are not looked at.
        let _ = driver.send_status_update(&task_status(&task.task_id, TaskState::TASK_RUNNING));
        // This is where the task's work would be done.
        let _ = driver.send_status_update(&task_status(&task.task_id, TaskState::TASK_FINISHED));
    }
}

/// Runs the executor until the agent stops it; what `main` returns.
pub fn run() -> ExitCode {
    let status = ExecutorDriver::new(TestExecutor).and_then(|driver| driver.run());
    match status {
        Ok(Status::DRIVER_STOPPED) => ExitCode::SUCCESS,
        Ok(other) => {
            eprintln!("executor driver ended {other:?}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("executor driver: {e}");
            ExitCode::FAILURE
        }
    }
}

#[allow(dead_code)] // `hs_test_framework` includes this file for `run` only.
fn main() -> ExitCode {
    run()
}
