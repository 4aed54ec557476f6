//! Ctrl-C/SIGTERM as a newcomer handles it from the README: one long command task on the
//! local cluster, `mesos::shutdown::stop_on_signals` (no failover: the framework unregisters
//! and its task is killed), then the program ends normally. Prints its work directory, the
//! task's marker, `running` once the task runs, and how the driver ended.

use std::io::Write;
use std::process::ExitCode;

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::*;
use mesos::{ids, shutdown, Scheduler, SchedulerDriver};

struct LongTask {
    command: String,
    launched: bool,
}

impl Scheduler for LongTask {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            if self.launched {
                driver.decline_offer(&offer.id, None).ok();
                continue;
            }
            let task = ids::command_task(
                "long",
                "long-1",
                offer,
                vec![cpus(0.1), mem(32.0)],
                &self.command,
            );
            driver
                .launch_tasks([&offer.id], &[task], None)
                .expect("launch");
            self.launched = true;
        }
    }

    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        if status.state() == TaskState::TASK_RUNNING {
            println!("running");
            std::io::stdout().flush().ok();
        }
    }
}

fn main() -> ExitCode {
    let cluster = LocalCluster::new()
        .resources("cpus:1;mem:256")
        .apply()
        .expect("cluster");
    // A duration unique to this run: the task's process is found by it.
    let marker = format!("{}.{}", 3000 + std::process::id() % 1000, std::process::id());
    println!("work_dir={}", cluster.work_dir().display());
    println!("marker={marker}");
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("outside-sigterm".into());
    let scheduler = LongTask {
        command: format!("sleep {marker}"),
        launched: false,
    };
    let driver = SchedulerDriver::new(scheduler, info, "local").expect("driver");
    let signals = shutdown::stop_on_signals(&driver, false).expect("signal handling");
    let status = driver.run();
    println!(
        "driver ended {status:?} on {}",
        signals
            .received()
            .map_or("no signal".to_owned(), |s| s.to_string())
    );
    match (status, signals.received()) {
        (Ok(_), Some(_)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
