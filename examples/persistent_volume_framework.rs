//! A port of Mesos' C++ example `persistent_volume_framework` and the shard tasks it runs.
//!
//! Each shard takes 0.1 cpu, 32 MB and 16 MB of disk reserved for the framework's role,
//! turns 8 MB of that disk into a persistent volume (CREATE) mounted at `volume` in its
//! tasks, and launches in the same accept a writer task (`echo hello > volume/persisted`);
//! then reader tasks, the volume mounted read-only, that find the file there. A regular
//! shard's tasks run one after the other (its volume is offered again only when the task
//! before ends); a shared shard's volume (`SHARED_RESOURCES`) is offered while in use, so its
//! tasks run side by side. When all of a shard's tasks have finished, the volume is destroyed
//! (DESTROY); when an offer no longer holds it, the shard is done. When every shard is done
//! the driver stops. Any task that ends otherwise than finished aborts it.
//!
//!     cargo run --example persistent_volume_framework -- --master=local --role=test
//!
//! Flags as in the C++ program: `--master` (required), `--role` (not `*`; the agents'
//! resources must be reserved for it: with master `local` the agent's default role is set
//! to it), `--principal`, `--num_shards` (2), `--num_shared_shards` (2),
//! `--tasks_per_shard` (2), `--authenticate`, `--secret`, `--checkpoint`; each also read from
//! `MESOS_EXAMPLE_<NAME>`. Exits 0 when the driver was stopped, 1 otherwise.

use std::collections::HashSet;
use std::io::Read;
use std::process::ExitCode;

use mesos::resources::{operations, Resources};
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

#[path = "shared/cpp_flags.rs"]
mod cpp_flags;
use cpp_flags::Flag;

const FRAMEWORK_NAME: &str = "Persistent Volume Framework (Rust)";

const OWN_FLAGS: [Flag; 3] = [
    Flag::value(
        "num_shards",
        "How many shards use a regular persistent volume",
        "2",
    ),
    Flag::value(
        "num_shared_shards",
        "How many shards use a shared persistent volume",
        "2",
    ),
    Flag::value("tasks_per_shard", "How many tasks each shard launches", "2"),
];

/// The writer task, first on a fresh volume.
const WRITE: &str = "echo hello > volume/persisted";
/// A reader task: the writer may not have written yet, so it looks for 15 seconds.
const READ: &str =
    "for attempt in $(seq 15); do cat volume/persisted && exit 0; sleep 1; done; exit 1";

/// A random identifier in the form of a UUID (for persistence and task ids).
fn random_id() -> String {
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .expect("/dev/urandom is readable");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The resources a shard starts from: reserved for (and allocated to) `role`.
fn shard_initial_resources(role: &str) -> Resources {
    Resources::parse("cpus:0.1;mem:32;disk:16", Some(role))
        .expect("the shard's resources are well formed")
        .allocate(role)
}

/// A fresh 8 MB volume for a shard, at `volume` in its tasks' sandboxes.
fn shard_persistent_volume(role: &str, principal: &str, shared: bool) -> Resource {
    let disk = Resources::parse("disk:8", Some(role)).expect("well formed")[0].clone();
    let volume = disk
        .persistent_volume(random_id(), "volume", Some(principal))
        .with_allocation_role(role);
    if shared {
        volume.with_shared()
    } else {
        volume
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ShardState {
    /// Nothing launched yet.
    Init,
    /// Tasks launched, more to launch or not all running yet.
    Staging,
    /// Every task launched and running.
    Running,
    /// Every task finished: the volume is to be destroyed.
    Terminating,
    /// The volume is gone.
    Done,
}

struct Shard {
    name: String,
    state: ShardState,
    task_ids: HashSet<String>,
    /// The shard's volume, once created.
    volume: Option<Resource>,
    shared: bool,
    /// What each task of the shard uses (the volume included once it exists).
    resources: Resources,
    launched: usize,
    terminated: usize,
    tasks: usize,
}

struct PersistentVolumeScheduler {
    role: String,
    principal: String,
    shards: Vec<Shard>,
}

impl PersistentVolumeScheduler {
    fn new(role: String, principal: String, shards: usize, shared: usize, tasks: usize) -> Self {
        let shard = |name: String, shared: bool| Shard {
            name,
            state: ShardState::Init,
            task_ids: HashSet::new(),
            volume: None,
            shared,
            resources: shard_initial_resources(&role),
            launched: 0,
            terminated: 0,
            tasks,
        };
        let mut all: Vec<Shard> = (0..shards)
            .map(|i| shard(format!("shard-{i}"), false))
            .collect();
        all.extend((0..shared).map(|i| shard(format!("shared-shard-{i}"), true)));
        PersistentVolumeScheduler {
            role,
            principal,
            shards: all,
        }
    }
}

impl Scheduler for PersistentVolumeScheduler {
    fn registered(&mut self, _: &SchedulerDriver, id: &FrameworkID, master: &MasterInfo) {
        eprintln!(
            "Registered with master {} and got framework ID {}",
            master.id(),
            id.value()
        );
    }

    fn reregistered(&mut self, _: &SchedulerDriver, master: &MasterInfo) {
        eprintln!("Reregistered with master {}", master.id());
    }

    fn disconnected(&mut self, _: &SchedulerDriver) {
        eprintln!("Disconnected!");
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            let mut offered = Resources::from(offer.resources.clone());
            eprintln!(
                "Received offer {} from agent {} ({}) with {offered}",
                offer.id.value(),
                offer.slave_id.value(),
                offer.hostname()
            );
            let mut ops = Vec::new();
            for shard in &mut self.shards {
                match shard.state {
                    ShardState::Init => {
                        assert_eq!(shard.launched, 0);
                        if !offered.contains(&shard.resources) {
                            continue;
                        }
                        let volume =
                            shard_persistent_volume(&self.role, &self.principal, shard.shared);
                        let create = operations::create(vec![volume.clone()]);
                        let resources = shard
                            .resources
                            .apply(&create)
                            .expect("the shard's disk holds its volume");
                        let task = mesos::ids::command_task(
                            shard.name.clone(),
                            random_id().as_str(),
                            offer,
                            resources.clone().into_vec(),
                            WRITE,
                        );
                        shard.state = ShardState::Staging;
                        shard.task_ids.insert(task.task_id.value().to_owned());
                        shard.resources = resources;
                        shard.volume = Some(volume);
                        shard.launched += 1;
                        offered = offered
                            .apply(&create)
                            .expect("the offer holds the shard's disk");
                        ops.push(create);
                        ops.push(operations::launch([task]));
                    }
                    ShardState::Staging => {
                        assert!(shard.launched <= shard.tasks);
                        if shard.launched == shard.tasks {
                            eprintln!("All tasks launched, but one or more yet to run");
                            continue;
                        }
                        if !offered.contains(&shard.resources) {
                            continue;
                        }
                        // Readers get the volume read-only.
                        let volume = shard.volume.clone().expect("created in Init");
                        let resources = shard.resources.clone() - volume.clone()
                            + volume.with_volume_mode(volume::Mode::RO);
                        let task = mesos::ids::command_task(
                            shard.name.clone(),
                            random_id().as_str(),
                            offer,
                            resources.into_vec(),
                            READ,
                        );
                        shard.task_ids.insert(task.task_id.value().to_owned());
                        shard.launched += 1;
                        ops.push(operations::launch([task]));
                    }
                    ShardState::Terminating => {
                        assert_eq!(shard.terminated, shard.launched);
                        let volume = shard.volume.clone().expect("created in Init");
                        // DESTROY (again) while an offer still holds the volume.
                        if offered.contains(&Resources::from(volume.clone())) {
                            ops.push(operations::destroy(vec![volume]));
                        } else {
                            shard.state = ShardState::Done;
                        }
                    }
                    ShardState::Running | ShardState::Done => {}
                }
            }
            if self.shards.iter().all(|s| s.state == ShardState::Done) {
                driver.stop(false).ok();
            }
            if let Err(e) = driver.accept_offers([&offer.id], &ops, None) {
                eprintln!("accept: {e}");
            }
        }
    }

    fn offer_rescinded(&mut self, _: &SchedulerDriver, offer_id: &OfferID) {
        eprintln!("Offer {} has been rescinded", offer_id.value());
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let id = status.task_id.value();
        eprintln!("Task '{id}' is in state {:?}", status.state());
        let Some(shard) = self.shards.iter_mut().find(|s| s.task_ids.contains(id)) else {
            return;
        };
        match status.state() {
            TaskState::TASK_RUNNING => {
                assert!(shard.launched <= shard.tasks);
                if shard.launched == shard.tasks && shard.state == ShardState::Staging {
                    shard.state = ShardState::Running;
                }
            }
            TaskState::TASK_FINISHED => {
                shard.terminated += 1;
                assert!(shard.terminated <= shard.tasks);
                if shard.terminated == shard.tasks && shard.state == ShardState::Running {
                    shard.state = ShardState::Terminating;
                }
            }
            TaskState::TASK_STAGING | TaskState::TASK_STARTING => {}
            other => {
                eprintln!("Unexpected task state {other:?} for task '{id}'");
                driver.abort().ok();
            }
        }
    }

    fn framework_message(&mut self, _: &SchedulerDriver, e: &ExecutorID, s: &SlaveID, d: &[u8]) {
        eprintln!(
            "Received framework message from executor '{}' on agent {}: '{}'",
            e.value(),
            s.value(),
            String::from_utf8_lossy(d)
        );
    }

    fn slave_lost(&mut self, _: &SchedulerDriver, slave_id: &SlaveID) {
        eprintln!("Lost agent {}", slave_id.value());
    }

    fn executor_lost(&mut self, _: &SchedulerDriver, e: &ExecutorID, s: &SlaveID, status: i32) {
        eprintln!(
            "Lost executor '{}' on agent {}, wait status {status}",
            e.value(),
            s.value()
        );
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
    let counts = (
        flags.parse::<usize>("num_shards"),
        flags.parse::<usize>("num_shared_shards"),
        flags.parse::<usize>("tasks_per_shard"),
    );
    let (shards, shared, tasks) = match counts {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return flags.fail(&e),
    };
    let role = flags.string("role");
    if role == "*" {
        eprintln!("Role is incorrect; the default '*' role cannot be used");
        return ExitCode::FAILURE;
    }
    let _cluster =
        match cpp_flags::local_cluster(&flags, &[&role], &[("MESOS_DEFAULT_ROLE", &role)]) {
            Ok(c) => c,
            Err(code) => return code,
        };
    let principal = flags.string("principal");
    let framework = cpp_flags::framework_info(
        &flags,
        FRAMEWORK_NAME,
        &role,
        &[framework_info::capability::Type::SHARED_RESOURCES],
    );
    let scheduler = PersistentVolumeScheduler::new(role, principal, shards, shared, tasks);
    match cpp_flags::driver(&flags, scheduler, framework) {
        Ok(driver) => cpp_flags::run(&driver),
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            ExitCode::FAILURE
        }
    }
}
