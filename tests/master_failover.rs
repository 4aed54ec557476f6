//! Fault tolerance across processes: a framework whose master goes away and comes back, and
//! a framework taken over by a second process after the first one was killed.
//!
//! The masters here live in child processes (re-runs of this test binary, see
//! `support::hosted`), so that they can be killed with SIGKILL without killing the framework
//! under test.
//!
//! Master loss needs master detection through ZooKeeper: with a plain `host:port` master the
//! driver's detector never changes its answer, so libmesos neither reports `disconnected`
//! when that master dies nor registers again when a new one starts at the same address.
//! `support::zk` runs a real ZooKeeper server; each hosted master joins its group as a Mesos
//! master does (tests/zookeeper.rs has the ensemble and leader-election cases).

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{SchedulerDriver, Status};
use support::hosted::{self, host_master, host_master_with, Phases, RoleChild};
use support::zk::Ensemble;
use support::*;

/// The master this child role connects to.
const MASTER_VAR: &str = "MESOS_RS_TEST_MASTER";
const LOSS_TEST: &str = "a_framework_survives_the_loss_of_its_master_and_registers_with_the_next";

/// The JSON object of framework `id` in a `/master/frameworks` or `/master/state` body, up to
/// its last field (`offer_constraints`): good enough to look for its fields and tasks.
fn framework_json(body: &str, id: &str) -> Option<String> {
    let at = body.find(&format!("{{\"id\":\"{id}\""))?;
    let rest = &body[at..];
    let end = rest.find("\"offer_constraints\"").unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Polls `/master/frameworks` until `pred` accepts framework `id`'s JSON; panics after `within`.
fn wait_framework(
    master: &str,
    id: &str,
    within: Duration,
    what: &str,
    pred: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        let body = http_get(master, "/master/frameworks");
        let json = framework_json(&body, id);
        if let Some(json) = &json {
            if pred(json) {
                return json.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "framework {id} not {what} within {within:?}: {json:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn framework_id(value: &str) -> FrameworkID {
    let mut id = FrameworkID::new();
    id.set_value(value.into());
    id
}

fn reconcile_request(task: &str) -> TaskStatus {
    let mut s = TaskStatus::new();
    s.task_id = Some(tid(task)).into();
    s.set_state(TaskState::TASK_RUNNING);
    s
}

const FAILOVER_TEST: &str =
    "a_second_process_takes_over_a_killed_framework_and_reconciles_its_tasks";
const FAILOVER_TASKS: [&str; 2] = ["a-1", "a-2"];

/// Framework process A: registers with a failover timeout, launches two tasks, waits for
/// their terminal updates without acknowledging those, reports, and waits to be killed.
fn framework_a() {
    let master = std::env::var(MASTER_VAR).expect("master address");
    hosted::framework_process();
    let (probe, mut events) = probe();
    let mut info = framework("failing over");
    info.set_failover_timeout(300.0);
    let driver = SchedulerDriver::builder(info, master)
        .implicit_acknowledgements(false)
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (id, _) = registered(&mut events);
    let offer = next_offers(&mut events).remove(0);
    let tasks: Vec<_> = FAILOVER_TASKS
        .iter()
        .map(|name| task(name, &offer, 0.5, "true"))
        .collect();
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &tasks, None)
        .unwrap();
    // Every update before the terminal one is acknowledged (the agent holds back a task's
    // next update until then); the terminal ones are not.
    for (name, s) in terminal_updates(&driver, &mut events, &FAILOVER_TASKS) {
        println!("A_TASK {name} {:?}", s.state());
    }
    println!("A_FRAMEWORK_ID {}", id.value());
    // Keep the driver (and so the registration) until the parent kills this process.
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    std::process::exit(0);
}

#[test]
fn a_second_process_takes_over_a_killed_framework_and_reconciles_its_tasks() {
    if hosted::enter(&[("framework-a", framework_a)]) {
        return;
    }
    let mut phases = Phases::start();
    let host = host_master(FAILOVER_TEST, hosted::free_port(), Duration::from_secs(60));
    let master = host.address.clone();

    // Process A registers, launches, and is killed with its updates unacknowledged.
    let mut a = RoleChild::spawn(
        FAILOVER_TEST,
        "framework-a",
        &[(MASTER_VAR, master.clone())],
    );
    let mut a_states = BTreeMap::new();
    for _ in FAILOVER_TASKS {
        let line = a
            .wait_line("A_TASK", Duration::from_secs(90))
            .unwrap_or_else(|| panic!("A reported no task state: {:?}", a.seen));
        let (name, state) = line.split_once(' ').unwrap();
        a_states.insert(name.to_owned(), state.to_owned());
    }
    let id = a
        .wait_line("A_FRAMEWORK_ID", Duration::from_secs(30))
        .unwrap_or_else(|| panic!("A reported no framework id: {:?}", a.seen));
    let before = wait_framework(&master, &id, Duration::from_secs(30), "active", |f| {
        f.contains("\"active\":true")
    });
    let pid_of = |json: &str| {
        let at = json.find("\"pid\":\"").unwrap() + 7;
        json[at..at + json[at..].find('"').unwrap()].to_owned()
    };
    // The tasks (`true`) really ran.
    for (name, state) in &a_states {
        assert_eq!(state, "TASK_FINISHED", "{name}: {a_states:?}");
    }
    let a_pid = pid_of(&before);
    phases.mark("A reported");
    a.kill();

    // The master notices A is gone but keeps the framework for its failover timeout.
    let gone = wait_framework(&master, &id, Duration::from_secs(60), "deactivated", |f| {
        f.contains("\"active\":false")
    });
    assert!(gone.contains("\"connected\":false"), "{gone}");
    assert!(gone.contains("\"failover_timeout\":300"), "{gone}");
    let reregistrations = metric(&master, "master/messages_reregister_framework");
    phases.mark("A seen gone");

    // Process B (this one) registers with A's FrameworkID and takes over.
    let (probe, mut events) = probe();
    let mut info = framework("failing over");
    info.set_failover_timeout(300.0);
    info.id = Some(framework_id(&id)).into();
    let b = SchedulerDriver::builder(info, master.clone())
        .implicit_acknowledgements(false)
        .build(probe)
        .unwrap();
    b.start().unwrap();
    let got = events.wait_for(Duration::from_secs(60), "registration of B", |e| match e {
        SchedulerEvent::Registered { framework_id, .. } => Some(framework_id.value().to_owned()),
        SchedulerEvent::Reregistered { .. } => Some(id.clone()),
        SchedulerEvent::Error { message } => panic!("B got an error: {message}"),
        _ => None,
    });
    assert_eq!(got, id, "B runs under A's framework id");
    phases.mark("B registered");
    // A failover (FrameworkInfo with an id) is reported as `registered`, not `reregistered`.
    assert!(events
        .log
        .iter()
        .any(|(_, e)| matches!(e, SchedulerEvent::Registered { .. })));

    // The master hands A's tasks to B: active again, from B's address, re-registered.
    let after = wait_framework(&master, &id, Duration::from_secs(30), "re-activated", |f| {
        f.contains("\"active\":true")
    });
    assert!(after.contains("\"connected\":true"), "{after}");
    assert!(after.contains("\"reregistered_time\""), "{after}");
    assert_ne!(pid_of(&after), a_pid, "the framework's pid is now B's");
    for name in FAILOVER_TASKS {
        assert!(
            after.contains(&format!("\"id\":\"{name}\"")),
            "{name} not in {after}"
        );
    }
    assert!(metric(&master, "master/messages_reregister_framework") >= reregistrations + 1.0);

    // Explicit reconciliation: A's tasks in the state A last saw, an unknown task as lost.
    let mut requests: Vec<_> = FAILOVER_TASKS
        .iter()
        .map(|t| reconcile_request(t))
        .collect();
    requests.push(reconcile_request("never-launched"));
    b.reconcile_tasks(&requests).unwrap();
    let mut explicit = BTreeMap::new();
    while explicit.len() < 3 {
        let s = next_update(&mut events, "explicit reconciliation", |s| {
            s.reason() == task_status::Reason::REASON_RECONCILIATION
                && !explicit.contains_key(s.task_id.value())
        });
        explicit.insert(s.task_id.value().to_owned(), format!("{:?}", s.state()));
    }
    for name in FAILOVER_TASKS {
        assert_eq!(
            explicit[name], a_states[name],
            "explicit reconciliation of {name}"
        );
    }
    // Not partition-aware: the master answers an unknown task with TASK_LOST.
    assert_eq!(explicit["never-launched"], "TASK_LOST");

    // Implicit reconciliation names exactly A's tasks.
    b.reconcile_tasks(&[]).unwrap();
    let mut implicit = BTreeMap::new();
    while implicit.len() < FAILOVER_TASKS.len() {
        let s = next_update(&mut events, "implicit reconciliation", |s| {
            s.reason() == task_status::Reason::REASON_RECONCILIATION
        });
        implicit.insert(s.task_id.value().to_owned(), format!("{:?}", s.state()));
    }
    assert_eq!(implicit, a_states, "implicit reconciliation");
    phases.mark("reconciled");

    // A's unacknowledged updates are delivered again, to B, which can acknowledge them.
    let mut resent: BTreeMap<String, TaskStatus> = events
        .log
        .iter()
        .filter_map(|(_, e)| match e {
            SchedulerEvent::StatusUpdate { status } if status.has_uuid() => {
                Some((status.task_id.value().to_owned(), status.clone()))
            }
            _ => None,
        })
        .collect();
    while resent.len() < FAILOVER_TASKS.len() {
        let s = next_update(&mut events, "A's updates re-sent to B", |s| {
            s.has_uuid() && !resent.contains_key(s.task_id.value())
        });
        resent.insert(s.task_id.value().to_owned(), s);
    }
    assert_eq!(
        resent.keys().collect::<Vec<_>>(),
        FAILOVER_TASKS,
        "A's updates re-sent to B: {resent:?}"
    );
    for s in resent.values() {
        assert_eq!(format!("{:?}", s.state()), a_states[s.task_id.value()]);
        b.acknowledge_status_update(s).unwrap();
    }
    phases.mark("re-sent updates acknowledged");
    // Acknowledged terminal tasks leave the framework's active task list.
    wait_framework(
        &master,
        &id,
        Duration::from_secs(30),
        "without A's tasks",
        |f| {
            let tasks = &f[f.find("\"tasks\":").unwrap()..];
            let tasks = &tasks[..tasks.find("\"completed_tasks\"").unwrap_or(tasks.len())];
            FAILOVER_TASKS
                .iter()
                .all(|t| !tasks.contains(&format!("\"id\":\"{t}\"")))
        },
    );

    phases.mark("tasks gone");
    eprintln!("A saw {a_states:?}; B reconciled {explicit:?}; phases {phases:?}");
    assert_eq!(b.stop(false).unwrap(), Status::DRIVER_STOPPED);
}

#[test]
fn a_framework_survives_the_loss_of_its_master_and_registers_with_the_next() {
    if hosted::enter(&[]) {
        return;
    }
    let zk = Ensemble::standalone();
    let observer = zk.observer();
    let port = hosted::free_port();
    let with_zk = [(hosted::ZK_VAR, zk.url("/mesos"))];
    let mut first = host_master_with(LOSS_TEST, port, &with_zk, Duration::from_secs(60));
    let members = observer.masters("/mesos");
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0].1.id(), first.info.id());

    let (probe, mut events) = probe();
    let mut info = framework("survivor");
    info.set_failover_timeout(300.0);
    let driver = SchedulerDriver::new(probe, info, zk.url("/mesos")).unwrap();
    driver.start().unwrap();
    let (id, master) = registered(&mut events);
    assert_eq!(master.pid(), first.info.pid());
    let offer = next_offers(&mut events).remove(0);
    assert!(offer.id.value().starts_with(first.info.id()), "{offer:?}");

    // The master's process dies; ZooKeeper ends its session (and so its leadership) when
    // the session times out.
    first.child.kill();
    events.wait_for(Duration::from_secs(60), "disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected).then_some(())
    });
    assert!(observer.masters("/mesos").is_empty());
    // While there is no master, calls are accepted and dropped by libmesos.
    driver.revive_offers().unwrap();

    // A new master on the same address (a new cluster: new master id, new agent).
    let second = host_master_with(LOSS_TEST, port, &with_zk, Duration::from_secs(60));
    assert_eq!(second.address, first.address);
    assert_ne!(second.info.id(), first.info.id());
    let again = events.wait_for(
        Duration::from_secs(60),
        "registration with the new master",
        |e| match e {
            SchedulerEvent::Registered {
                framework_id,
                master_info,
            } => Some((framework_id.value().to_owned(), master_info.id().to_owned())),
            SchedulerEvent::Reregistered { master_info } => {
                Some((id.value().to_owned(), master_info.id().to_owned()))
            }
            SchedulerEvent::Error { message } => panic!("error instead: {message}"),
            _ => None,
        },
    );
    assert_eq!(again, (id.value().to_owned(), second.info.id().to_owned()));
    // Offers again, from the new master's agent.
    let offer = next_offers(&mut events).remove(0);
    assert!(offer.id.value().starts_with(second.info.id()), "{offer:?}");
    assert!(
        offer.slave_id.value().starts_with(second.info.id()),
        "{offer:?}"
    );

    // The new master knows the framework under its old id, active and connected.
    let known = wait_framework(
        &second.address,
        id.value(),
        Duration::from_secs(30),
        "active",
        |f| f.contains("\"active\":true"),
    );
    assert!(known.contains("\"connected\":true"), "{known}");
    assert!(known.contains("\"name\":\"survivor\""), "{known}");
    // Seen by the driver in this order, with no error.
    let kinds = connection_events(&events);
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    let which = kinds[2];
    assert_eq!(kinds[..2], ["registered", "disconnected"], "{kinds:?}");
    assert!(
        which == "registered" || which == "reregistered",
        "{kinds:?}"
    );
    eprintln!(
        "driver saw {kinds:?}; new master bound after {} spawn(s)",
        second.attempts
    );
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}
