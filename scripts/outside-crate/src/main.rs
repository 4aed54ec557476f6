//! A framework as a newcomer writes it from the README: one command task on the in-process
//! local cluster, run by the agent's command executor. Prints one line and exits 0 when the
//! task finished. Alongside it, the toolkit checks of `toolkit_checks.rs`.

mod toolkit_checks;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::*;
use mesos::{ids, Scheduler, SchedulerDriver};

struct OneTask {
    launched: bool,
    outcome: Arc<Mutex<Option<TaskStatus>>>,
}

impl Scheduler for OneTask {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            if self.launched {
                driver.decline_offer(&offer.id, None).ok();
                continue;
            }
            let task = ids::command_task(
                "outside",
                "outside-1",
                offer,
                vec![cpus(0.1), mem(32.0)],
                "echo hello from outside",
            );
            driver
                .launch_tasks([&offer.id], &[task], None)
                .expect("launch");
            self.launched = true;
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        if status.is_terminal() {
            *self.outcome.lock().unwrap() = Some(status.clone());
            driver.stop(false).ok();
        }
    }
}

fn main() -> ExitCode {
    // Before any thread exists, as LocalCluster::apply requires.
    let _cluster = LocalCluster::new()
        .resources("cpus:2;mem:256")
        .apply()
        .expect("cluster");
    let port = toolkit_checks::pin_master_port();
    if let Err(e) = toolkit_checks::missing_framework_id_directory() {
        println!("outside crate: {e}");
        return ExitCode::FAILURE;
    }
    // A framework that registers late: it waits for the master the driver below starts.
    let toolkit = toolkit_checks::SlowRegistration::start(port);
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("outside".into());
    let outcome = Arc::new(Mutex::new(None));
    let scheduler = OneTask {
        launched: false,
        outcome: outcome.clone(),
    };
    let driver = SchedulerDriver::new(scheduler, info, "local").expect("driver");
    let ended = driver.run();
    // (The local cluster lives as long as `driver`.)
    match toolkit.finish() {
        Ok(line) => println!("{line}"),
        Err(e) => {
            println!("outside crate: {e}");
            return ExitCode::FAILURE;
        }
    }
    let status = outcome.lock().unwrap().take();
    match status {
        Some(s) if s.state() == TaskState::TASK_FINISHED => {
            println!("outside crate: task {} {:?}", s.task_id.value(), s.state());
            ExitCode::SUCCESS
        }
        Some(s) => {
            println!("outside crate: task ended {:?}: {}", s.state(), s.message());
            ExitCode::FAILURE
        }
        None => {
            println!("outside crate: the driver ended ({ended:?}) before the task did");
            ExitCode::FAILURE
        }
    }
}
