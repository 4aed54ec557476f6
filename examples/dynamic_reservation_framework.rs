//! A port of Mesos' C++ example `dynamic_reservation_framework`: it reserves, on every agent
//! it is offered, the resources of one task (1 cpu, 128 MB) for its role with a dynamic
//! reservation by its principal, runs five tasks one at a time on those reserved resources,
//! and once all five have finished gives the reservations back (UNRESERVE) and stops. Any
//! task ending lost, killed or failed aborts it.
//!
//!     cargo run --example dynamic_reservation_framework -- --master=local --role=test
//!     cargo run --example dynamic_reservation_framework -- --master=10.0.0.1:5050 \
//!         --role=ops --principal=ops --command='echo hi'
//!
//! Flags as in the C++ program (`--help` lists them): `--master` (required), `--role` (not
//! `*`), `--principal`, `--command`, `--authenticate`, `--secret`, `--checkpoint`; each also
//! read from `MESOS_EXAMPLE_<NAME>`. Exits 0 when the driver was stopped, 1 otherwise.
//! `docs/porting-from-cpp.md` sets this port beside the C++ one.

use std::collections::HashMap;
use std::process::ExitCode;

use mesos::resources::{dynamic_reservation, operations, Resources};
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

#[path = "shared/cpp_flags.rs"]
mod cpp_flags;
use cpp_flags::Flag;

const CPUS_PER_TASK: u32 = 1;
const MEM_PER_TASK: u32 = 128;
const FRAMEWORK_NAME: &str = "Dynamic Reservation Framework (Rust)";
/// Refusal attached to every accept (two weeks, as in the original).
const REFUSE_SECONDS: f64 = 14.0 * 24.0 * 3600.0;

const OWN_FLAGS: [Flag; 1] = [Flag::value(
    "command",
    "The command every task runs",
    "echo hello",
)];

/// Where the framework is with one agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// First offer seen from the agent.
    Init,
    /// RESERVE sent.
    Reserving,
    /// The reserved resources came back in an offer.
    Reserved,
    /// A task runs on them.
    TaskRunning,
    /// UNRESERVE sent.
    Unreserving,
    /// The reservation is gone.
    Unreserved,
}

struct DynamicReservationScheduler {
    command: String,
    role: String,
    tasks_launched: usize,
    tasks_finished: usize,
    total_tasks: usize,
    states: HashMap<String, State>,
    task_resources: Resources,
}

impl DynamicReservationScheduler {
    fn new(command: String, role: String, principal: &str) -> Self {
        let task_resources =
            Resources::parse(&format!("cpus:{CPUS_PER_TASK};mem:{MEM_PER_TASK}"), None)
                .expect("the task's resources are well formed")
                .allocate(&role)
                .push_reservation(&dynamic_reservation(role.clone(), Some(principal)));
        DynamicReservationScheduler {
            command,
            role,
            tasks_launched: 0,
            tasks_finished: 0,
            total_tasks: 5,
            states: HashMap::new(),
            task_resources,
        }
    }
}

impl Scheduler for DynamicReservationScheduler {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        eprintln!("Registered!");
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let mut refuse = Filters::new();
        refuse.set_refuse_seconds(REFUSE_SECONDS);
        for offer in offers {
            let agent = offer.slave_id.value().to_owned();
            let offered = Resources::from(offer.resources.clone());
            eprintln!(
                "Received offer {} from agent {agent} with {offered}",
                offer.id.value()
            );
            if !self.states.contains_key(&agent) {
                // Every task launched: no new reservations, only the wait for them to end.
                if self.tasks_launched == self.total_tasks {
                    continue;
                }
                self.states.insert(agent.clone(), State::Init);
            }
            let mut state = self.states[&agent];
            if state == State::Init {
                let reserve = operations::reserve(self.task_resources.clone());
                if let Err(e) = offered.apply(&reserve) {
                    eprintln!(
                        "Failed to reserve resources for task in offer {}: {e}",
                        offer.id.value()
                    );
                    continue;
                }
                if let Err(e) = driver.accept_offers([&offer.id], &[reserve], Some(&refuse)) {
                    eprintln!("accept failed: {e}");
                }
                self.states.insert(agent, State::Reserving);
                continue;
            }
            if state == State::Reserving {
                if !offered.reserved(&self.role).contains(&self.task_resources) {
                    continue;
                }
                self.states.insert(agent.clone(), State::Reserved);
                // Straight on to using them, saving an offer cycle.
                state = State::Reserved;
            }
            match state {
                State::Reserved => {
                    let reserved = offered.reserved(&self.role);
                    assert!(
                        reserved.contains(&self.task_resources),
                        "reserved {reserved} lacks the task's {}",
                        self.task_resources
                    );
                    if self.tasks_launched == self.total_tasks {
                        let unreserve = operations::unreserve(self.task_resources.clone());
                        if let Err(e) =
                            driver.accept_offers([&offer.id], &[unreserve], Some(&refuse))
                        {
                            eprintln!("accept failed: {e}");
                        }
                        self.states.insert(agent, State::Unreserving);
                        continue;
                    }
                    let task_id = self.tasks_launched.to_string();
                    self.tasks_launched += 1;
                    eprintln!("Launching task {task_id} using offer {}", offer.id.value());
                    let task = mesos::ids::command_task(
                        format!("Task {task_id}: {}", self.command),
                        task_id.as_str(),
                        offer,
                        self.task_resources.clone().into_vec(),
                        self.command.clone(),
                    );
                    if let Err(e) = driver.launch_tasks([&offer.id], &[task], Some(&refuse)) {
                        eprintln!("launch failed: {e}");
                    }
                    self.states.insert(agent, State::TaskRunning);
                }
                State::TaskRunning => {
                    eprintln!("The task on {agent} is running, waiting for task done");
                }
                State::Unreserving => {
                    if !offered.reserved(&self.role).contains(&self.task_resources) {
                        self.states.insert(agent, State::Unreserved);
                    }
                }
                State::Unreserved | State::Init | State::Reserving => {}
            }
        }
        if self.tasks_finished == self.total_tasks
            && self.states.values().all(|s| *s == State::Unreserved)
        {
            driver.stop(false).ok();
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let task_id = status.task_id.value();
        let agent = status.slave_id.value().to_owned();
        if status.state() == TaskState::TASK_FINISHED {
            self.tasks_finished += 1;
            // The agent's reserved resources are free for the next task.
            assert_eq!(self.states.get(&agent), Some(&State::TaskRunning));
            self.states.insert(agent.clone(), State::Reserved);
            eprintln!("Task {task_id} is finished at agent {agent}");
        } else {
            eprintln!("Task {task_id} is in state {:?}", status.state());
        }
        if matches!(
            status.state(),
            TaskState::TASK_LOST | TaskState::TASK_KILLED | TaskState::TASK_FAILED
        ) {
            eprintln!(
                "Aborting because task {task_id} is in unexpected state {:?} with reason {:?} \
                 from source {:?} with message '{}'",
                status.state(),
                status.reason(),
                status.source(),
                status.message()
            );
            driver.abort().ok();
        }
        if self.tasks_finished == self.total_tasks {
            eprintln!("All tasks done, waiting for unreserving resources");
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("{message}");
    }
}

fn main() -> ExitCode {
    let flags = match cpp_flags::load_or_exit(&OWN_FLAGS) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let role = flags.string("role");
    if role == "*" {
        return flags.fail("Role is incorrect; the default '*' role cannot be used");
    }
    let _cluster = match cpp_flags::local_cluster(&flags, &[&role], &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let framework = cpp_flags::framework_info(&flags, FRAMEWORK_NAME, &role, &[]);
    let scheduler =
        DynamicReservationScheduler::new(flags.string("command"), role, &flags.string("principal"));
    match cpp_flags::driver(&flags, scheduler, framework) {
        Ok(driver) => cpp_flags::run(&driver),
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            ExitCode::FAILURE
        }
    }
}
