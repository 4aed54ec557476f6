//! The Rust half of the worked port in `docs/porting-from-hs-mesos.md`: a framework that
//! runs a few `echo` commands as tasks, packing as many into each offer as fit, and stops once
//! every task has reached a terminal state.
//!
//!     cargo run --example hs_port
//!     cargo run --example hs_port -- --master 10.0.0.1:5050 --tasks 5
//!
//! Without `--master` it starts an in-process local cluster. Exits 0 when the driver stopped
//! after a terminal update for every task, 1 otherwise. (On the dev kit's local cluster the
//! tasks end `TASK_FAILED`: that libmesos cannot start executors.)

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mesos::ids::{command_info, framework_info, task_id, task_info};
use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::task_status::is_terminal;
use mesos::types::{FrameworkID, MasterInfo, Offer, TaskState, TaskStatus};
use mesos::{Resources, Scheduler, SchedulerDriver, Status};

/// What each task needs.
fn per_task() -> Resources {
    [cpus(0.1), mem(32.0)].into()
}

struct Pinger {
    /// Numbers of the tasks not launched yet.
    to_launch: Vec<u32>,
    total: usize,
    /// Final state of each finished task, shared with `main`.
    finished: Arc<Mutex<Vec<(String, TaskState)>>>,
}

impl Scheduler for Pinger {
    fn registered(&mut self, _: &SchedulerDriver, id: &FrameworkID, _: &MasterInfo) {
        println!("registered as {}", id.value());
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let need = per_task();
        for offer in offers {
            let mut left = Resources::from(offer.resources.clone());
            let mut tasks = Vec::new();
            while !self.to_launch.is_empty() && left.contains(&need) {
                let n = self.to_launch.remove(0);
                let task = task_info(
                    "ping",
                    task_id(format!("ping-{n}")),
                    &offer.slave_id,
                    need.clone().into(),
                )
                .with_command(command_info(format!("echo ping {n}")));
                left -= &need;
                tasks.push(task);
            }
            let sent = if tasks.is_empty() {
                driver.decline_offer(&offer.id, None)
            } else {
                println!("launching {} task(s) on {}", tasks.len(), offer.hostname());
                driver.launch_tasks(&[(*offer.id).clone()], &tasks, None)
            };
            if let Err(e) = sent {
                eprintln!("answering offer {}: {e}", offer.id.value());
            }
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        if !is_terminal(status.state()) {
            return;
        }
        let mut finished = self.finished.lock().unwrap();
        finished.push((status.task_id.value().to_owned(), status.state()));
        println!(
            "{}: {:?} {}",
            status.task_id.value(),
            status.state(),
            status.message()
        );
        if finished.len() == self.total {
            driver.stop(false).ok();
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("error from the driver: {message}");
    }
}

fn main() -> ExitCode {
    let mut master = "local".to_owned();
    let mut count: u32 = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--master", Some(m)) => master = m,
            ("--tasks", Some(n)) if n.parse::<u32>().is_ok_and(|n| n > 0) => {
                count = n.parse().unwrap()
            }
            _ => {
                eprintln!("usage: hs_port [--master MASTER] [--tasks N]");
                return ExitCode::from(2);
            }
        }
    }
    let _cluster = (master == "local").then(|| {
        LocalCluster::new()
            .resources("cpus:1;mem:256")
            .apply()
            .expect("a work directory for the local cluster")
    });

    let finished = Arc::new(Mutex::new(Vec::new()));
    let pinger = Pinger {
        to_launch: (1..=count).collect(),
        total: count as usize,
        finished: finished.clone(),
    };
    let info = framework_info("", "pinger (Rust port)");
    let driver = match SchedulerDriver::new(pinger, info, master) {
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
    // Give up (and fail) if the tasks have not all ended within two minutes.
    let watchdog = driver.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        watchdog.abort().ok();
    });

    let status = driver.run();
    let finished = finished.lock().unwrap();
    println!(
        "driver: {status:?}; {} of {count} tasks finished",
        finished.len()
    );
    match status {
        Ok(Status::DRIVER_STOPPED) if finished.len() == count as usize => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
