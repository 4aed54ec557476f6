//! A framework as a newcomer writes it from the README: one command task on the in-process
//! local cluster, run by the agent's command executor. Prints one line and exits 0 when the
//! task finished.

use std::process::ExitCode;
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::*;
use mesos::{ids, Scheduler, SchedulerDriver};

struct OneTask {
    launched: bool,
    done: Sender<TaskStatus>,
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
                .launch_tasks(&[offer.id.clone().unwrap()], &[task], None)
                .expect("launch");
            self.launched = true;
        }
    }

    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        if status.is_terminal() {
            let _ = self.done.send(status.clone());
        }
    }
}

fn main() -> ExitCode {
    let _cluster = LocalCluster::new().resources("cpus:1;mem:256").apply().expect("cluster");
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("outside".into());
    let (tx, rx) = channel();
    let driver = SchedulerDriver::new(OneTask { launched: false, done: tx }, info, "local")
        .expect("driver");
    driver.start().expect("start");
    let status = rx.recv_timeout(Duration::from_secs(60));
    driver.stop(false).ok();
    driver.join().ok();
    match status {
        Ok(s) if s.state() == TaskState::TASK_FINISHED => {
            println!("outside crate: task {} {:?}", s.task_id.value(), s.state());
            ExitCode::SUCCESS
        }
        Ok(s) => {
            println!("outside crate: task ended {:?}: {}", s.state(), s.message());
            ExitCode::FAILURE
        }
        Err(_) => {
            println!("outside crate: no terminal update within 60 s");
            ExitCode::FAILURE
        }
    }
}
