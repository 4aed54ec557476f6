//! Runs shell commands as Mesos command tasks (no custom executor) and reports how each ended.
//!
//!     cargo run --example no_executor_framework -- 'echo hello' 'sleep 2'
//!     cargo run --example no_executor_framework -- --master 10.0.0.1:5050 'uname -a'
//!
//! Exits 0 when every command's task reached a terminal state, non-zero otherwise. On the dev
//! kit's local cluster tasks end `TASK_FAILED` (it cannot start executors).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::task_status::is_terminal;
use mesos::types::*;
use mesos::{Resources, Scheduler, SchedulerDriver};

struct Commands {
    pending: Vec<(String, String)>, // (task id, command)
    total: usize,
    ended: Arc<Mutex<BTreeMap<String, (String, TaskState)>>>,
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
            } else if let Err(e) = driver.launch_tasks(&[offer.id.clone().unwrap()], &tasks, None) {
                eprintln!("launch failed: {e}");
            }
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let id = status.task_id.value();
        if is_terminal(status.state()) {
            let cmd = self.commands.get(id).cloned().unwrap_or_default();
            let mut ended = self.ended.lock().unwrap();
            ended.insert(id.to_owned(), (cmd, status.state()));
            if ended.len() == self.total {
                driver.stop(false).ok();
            }
        }
    }
}

fn main() -> ExitCode {
    let mut master = "local".to_owned();
    let mut commands = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--master" => master = args.next().unwrap_or_default(),
            _ => commands.push(a),
        }
    }
    if commands.is_empty() {
        eprintln!("usage: no_executor_framework [--master MASTER] COMMAND...");
        return ExitCode::from(2);
    }
    let _cluster = (master == "local").then(|| {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .apply()
            .expect("work dir")
    });
    let pending: Vec<(String, String)> = commands
        .iter()
        .enumerate()
        .map(|(i, c)| (i.to_string(), c.clone()))
        .collect();
    let ended = Arc::new(Mutex::new(BTreeMap::new()));
    let scheduler = Commands {
        total: pending.len(),
        commands: pending.iter().cloned().collect(),
        pending,
        ended: ended.clone(),
    };
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("No-executor framework (Rust)".into());
    let driver = match SchedulerDriver::new(scheduler, info, master) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            return ExitCode::FAILURE;
        }
    };
    let watchdog = driver.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        watchdog.abort().ok();
    });
    let result = driver.run();
    let ended = ended.lock().unwrap();
    for (id, (cmd, state)) in ended.iter() {
        println!("task {id} `{cmd}`: {state:?}");
    }
    match result {
        Ok(_) if ended.len() == commands.len() => ExitCode::SUCCESS,
        other => {
            eprintln!(
                "only {} of {} commands accounted for ({other:?})",
                ended.len(),
                commands.len()
            );
            ExitCode::FAILURE
        }
    }
}
