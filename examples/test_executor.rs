//! A custom executor, the counterpart of `test_framework --executor`: on `launch_task` it
//! reports `TASK_RUNNING`, runs the task's `data` as a shell command (or sleeps a second when
//! there is none), then reports `TASK_FINISHED` or `TASK_FAILED`. It answers every framework
//! message with `echo: <message>`, kills tasks on request, and exits when shut down.
//!
//! The agent starts it with the environment its driver reads. The dev kit's libmesos has no
//! executor driver: there it exits with status 3 and says so.

use std::collections::HashMap;
use std::process::{Child, Command, ExitCode};
use std::sync::{Arc, Mutex};

use mesos::task_status::task_status;
use mesos::types::{TaskID, TaskInfo, TaskState};
use mesos::{Error, Executor, ExecutorDriver, Status};

#[derive(Default)]
struct TestExecutor {
    running: Arc<Mutex<HashMap<String, Child>>>,
}

fn update(driver: &ExecutorDriver, id: &TaskID, state: TaskState, message: &str) {
    let mut s = task_status(id, state);
    if !message.is_empty() {
        s.set_message(message.into());
    }
    if let Err(e) = driver.send_status_update(&s) {
        eprintln!("could not send {state:?} for {}: {e}", id.value());
    }
}

impl Executor for TestExecutor {
    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
        let id = task.task_id.clone().unwrap();
        let script = if task.has_data() {
            String::from_utf8_lossy(task.data()).into_owned()
        } else {
            "sleep 1".into()
        };
        let child = match Command::new("sh").arg("-c").arg(&script).spawn() {
            Ok(c) => c,
            Err(e) => {
                return update(
                    driver,
                    &id,
                    TaskState::TASK_FAILED,
                    &format!("cannot start: {e}"),
                )
            }
        };
        update(driver, &id, TaskState::TASK_RUNNING, "");
        self.running
            .lock()
            .unwrap()
            .insert(id.value().to_owned(), child);
        // Wait on a thread of its own, so that kill_task and shutdown are delivered meanwhile.
        let running = self.running.clone();
        let driver = driver.clone();
        std::thread::spawn(move || loop {
            let done = {
                let mut map = running.lock().unwrap();
                match map.get_mut(id.value()).map(|c| c.try_wait()) {
                    None => return, // killed
                    Some(Ok(Some(status))) => {
                        map.remove(id.value());
                        Some(status)
                    }
                    Some(_) => None,
                }
            };
            if let Some(status) = done {
                let state = if status.success() {
                    TaskState::TASK_FINISHED
                } else {
                    TaskState::TASK_FAILED
                };
                return update(
                    &driver,
                    &id,
                    state,
                    &format!("command exited with {status}"),
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        });
    }

    fn kill_task(&mut self, driver: &ExecutorDriver, task_id: &TaskID) {
        if let Some(mut child) = self.running.lock().unwrap().remove(task_id.value()) {
            let _ = child.kill();
            let _ = child.wait();
        }
        update(
            driver,
            task_id,
            TaskState::TASK_KILLED,
            "killed by the framework",
        );
    }

    fn framework_message(&mut self, driver: &ExecutorDriver, data: &[u8]) {
        let mut reply = b"echo: ".to_vec();
        reply.extend_from_slice(data);
        driver.send_framework_message(&reply).ok();
    }

    fn shutdown(&mut self, driver: &ExecutorDriver) {
        let ids: Vec<String> = self.running.lock().unwrap().keys().cloned().collect();
        for id in ids {
            self.kill_task(driver, &mesos::ids::task_id(&id));
        }
        driver.stop().ok();
    }

    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        eprintln!("executor error: {message}");
    }
}

fn main() -> ExitCode {
    let driver = match ExecutorDriver::new(TestExecutor::default()) {
        Ok(d) => d,
        Err(Error::Unsupported(why)) => {
            eprintln!("test_executor: {why}");
            return ExitCode::from(3);
        }
        Err(e) => {
            eprintln!("test_executor: cannot create the executor driver: {e}");
            return ExitCode::FAILURE;
        }
    };
    match driver.run() {
        Ok(Status::DRIVER_STOPPED) => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("test_executor: driver ended with {s:?}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("test_executor: {e}");
            ExitCode::FAILURE
        }
    }
}
