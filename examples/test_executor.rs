//! A custom executor, the counterpart of `test_framework`: runs each task's `data` as a shell
//! command in a process group of its own, reports `TASK_RUNNING` then `TASK_FINISHED` or
//! `TASK_FAILED`, kills a task's whole process group (SIGTERM, then SIGKILL after the grace
//! period) and waits for it, echoes framework messages, and kills everything on shutdown.
//! The code is in `shared/test_executor.rs`, which `test_framework` also runs when it is its
//! own executor.
//!
//! The agent starts it with the environment its driver reads; `ExecutorDriver::new` picks
//! libmesos' executor driver where the linked libmesos has one, and the agent's executor HTTP
//! API otherwise (the dev kit).

use std::process::ExitCode;

#[path = "shared/test_executor.rs"]
mod test_executor;

fn main() -> ExitCode {
    test_executor::run()
}
