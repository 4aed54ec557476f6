//! Status updates: acknowledgements (implicit and explicit) and reconciliation.

mod support;

use std::sync::mpsc::{channel, Sender};
use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Error, Scheduler, SchedulerDriver};
use support::cluster::Framework;
use support::*;

#[test]
fn explicit_reconciliation_answers_for_the_named_task() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let Framework { driver, mut events } = Framework::start("reconcile explicit");
    let offer = next_offers(&mut events).remove(0);
    let mut ghost = TaskStatus::new();
    ghost.task_id = Some(tid("ghost")).into();
    ghost.set_state(TaskState::TASK_RUNNING);
    ghost.slave_id = offer.slave_id.clone();
    driver.reconcile_tasks(&[ghost]).unwrap();
    let update = next_update(&mut events, "reconciliation of ghost", |s| {
        s.task_id.value() == "ghost"
    });
    assert_eq!(update.reason(), task_status::Reason::REASON_RECONCILIATION);
    assert_eq!(update.source(), task_status::Source::SOURCE_MASTER);
    driver.stop(false).unwrap();
}

/// A reconciliation request for an unknown task named `reconcile-<i>`.
fn unknown(i: usize) -> TaskStatus {
    let mut s = TaskStatus::new();
    s.task_id = Some(tid(&format!("reconcile-{i}"))).into();
    s.set_state(TaskState::TASK_RUNNING);
    s
}

/// A list longer than one request to libmesos is answered for every task exactly once; a
/// list with one bad status deep inside (a missing field, a state that is no `TaskState`)
/// fails with that status' position and sends nothing.
#[test]
fn a_long_reconciliation_list_is_answered_whole_and_a_bad_one_sends_nothing() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let Framework { driver, mut events } = Framework::start("reconcile long");
    registered(&mut events);

    let n = 3000;
    // A missing task ID; a state that is no TaskState (libmesos' classes keep it as an
    // unknown field, so the status lacks its required state). Both refused before anything
    // is sent.
    fn no_task_id(s: &mut TaskStatus) {
        s.task_id = Default::default();
    }
    fn bad_state(s: &mut TaskStatus) {
        s.state = Some(protobuf::EnumOrUnknown::from_i32(999));
    }
    type Spoil = fn(&mut TaskStatus);
    let cases: [(usize, Spoil, &str); 2] =
        [(2500, no_task_id, "task_id"), (2600, bad_state, "state")];
    for (at, spoil, field) in cases {
        let mut bad: Vec<TaskStatus> = (0..n).map(unknown).collect();
        spoil(&mut bad[at]);
        match driver.reconcile_tasks(&bad) {
            Err(Error::MissingFields {
                element, fields, ..
            }) => {
                assert_eq!(element, Some(at));
                assert_eq!(fields, vec![field.to_string()]);
            }
            other => panic!("expected MissingFields, got {other:?}"),
        }
    }

    let good: Vec<TaskStatus> = (0..n).map(unknown).collect();
    driver.reconcile_tasks(&good).unwrap();
    let mut seen = vec![0u32; n];
    let mut answers = 0;
    while answers < n {
        let status = next_update(&mut events, "reconciliation answers", |_| true);
        let i: usize = status
            .task_id
            .value()
            .strip_prefix("reconcile-")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("unexpected update {status:?}"));
        seen[i] += 1;
        answers += 1;
    }
    assert!(seen.iter().all(|&c| c == 1), "every task answered once");
    // Nothing more: the failed call sent no request, so no second answer arrives.
    let extra = events.during(Duration::from_millis(500), |e| match e {
        SchedulerEvent::StatusUpdate { status } => Some(status.task_id.value().to_owned()),
        _ => None,
    });
    assert!(extra.is_empty(), "answers to the failed call: {extra:?}");
    driver.stop(false).unwrap();
}

/// A started driver with explicit acknowledgements that has launched one task named `task_name`.
fn explicit_ack_driver_with_task(
    framework_name: &str,
    task_name: &str,
) -> (SchedulerDriver, Events) {
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::builder(framework(framework_name), "local")
        .implicit_acknowledgements(false)
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);
    launch(&driver, &offer, &[task(task_name, &offer, 1.0, "true")]);
    (driver, events)
}

#[test]
fn implicit_reconciliation_reports_unacknowledged_tasks_and_acks_clear_them() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events) = explicit_ack_driver_with_task("reconcile implicit", "kept");
    // The task runs (`true`): its updates up to the terminal one are acknowledged, that one
    // is not.
    let terminal = terminal_updates(&driver, &mut events, &["kept"])
        .remove("kept")
        .unwrap();
    assert_eq!(terminal.state(), TaskState::TASK_FINISHED, "{terminal:?}");
    assert!(terminal.has_uuid());

    // Not acknowledged: the master still tracks the task and implicit reconciliation reports it.
    driver.reconcile_tasks(&[]).unwrap();
    let reconciled = next_update(&mut events, "implicit reconciliation of kept", |s| {
        s.task_id.value() == "kept" && s.reason() == task_status::Reason::REASON_RECONCILIATION
    });
    assert_eq!(reconciled.state(), terminal.state());
    assert!(
        !reconciled.has_uuid(),
        "master-generated updates carry no uuid"
    );
    // Acknowledging an update without uuid is a no-op, not an error.
    driver.acknowledge_status_update(&reconciled).unwrap();

    // Acknowledged: the master forgets the terminal task.
    driver.acknowledge_status_update(&terminal).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    driver.reconcile_tasks(&[]).unwrap();
    let after = events.during(Duration::from_secs(2), |e| match e {
        SchedulerEvent::StatusUpdate { status } if status.task_id.value() == "kept" => {
            Some(status.clone())
        }
        _ => None,
    });
    assert!(
        after.is_empty(),
        "acknowledged task still reconciled: {after:?}"
    );
    driver.stop(false).unwrap();
}

#[test]
fn explicit_acknowledgements_unacknowledged_updates_are_resent() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events) = explicit_ack_driver_with_task("explicit acks", "unacked");
    let first = next_update(&mut events, "first update of unacked", |s| {
        s.task_id.value() == "unacked" && s.has_uuid()
    });
    // The agent retries an unacknowledged update (its first retry comes after about 10s).
    let again = next_update(&mut events, "the same update re-sent", |s| {
        s.uuid() == first.uuid()
    });
    assert_eq!(again.state(), first.state());
    driver.acknowledge_status_update(&again).unwrap();
    driver.stop(false).unwrap();
}

/// Sleeps in `status_update`, reporting when it returns.
struct SlowAck {
    returned: Sender<Instant>,
    offers: Sender<Offer>,
}

impl Scheduler for SlowAck {
    fn resource_offers(&mut self, _: &SchedulerDriver, offers: &[Offer]) {
        for o in offers {
            let _ = self.offers.send(o.clone());
        }
    }
    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        if status.has_uuid() {
            std::thread::sleep(Duration::from_millis(1500));
            let _ = self.returned.send(Instant::now());
        }
    }
}

#[test]
fn implicit_acknowledgement_is_sent_only_after_status_update_returns() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (returned_tx, returned) = channel();
    let (offers_tx, offers) = channel();
    let driver = SchedulerDriver::new(
        SlowAck {
            returned: returned_tx,
            offers: offers_tx,
        },
        framework("implicit acks"),
        "local",
    )
    .unwrap();
    driver.start().unwrap();
    let offer = offers.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(matches!(
        driver.acknowledge_status_update(&TaskStatus::new()),
        Err(Error::ImplicitAcknowledgements)
    ));
    driver
        .launch_tasks(
            &[offer.id.clone().unwrap()],
            &[task("acked", &offer, 1.0, "true")],
            None,
        )
        .unwrap();
    // While the first update's callback sleeps, the master has seen no acknowledgement.
    let master = master_of(&driver, &offer);
    let mut samples = Vec::new(); // (when the answer had arrived, acknowledgements counted)
    let returned_at = loop {
        let acks = metric(&master, "master/messages_status_update_acknowledgement");
        samples.push((Instant::now(), acks));
        if let Ok(t) = returned.try_recv() {
            break t;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let inside: Vec<f64> = samples
        .iter()
        .filter(|(t, _)| *t < returned_at)
        .map(|(_, a)| *a)
        .collect();
    // A loaded machine answers /metrics/snapshot slowly: two looks inside are enough.
    assert!(
        inside.len() >= 2,
        "polled while the callback ran: {samples:?}"
    );
    assert!(
        inside.iter().all(|&a| a == 0.0),
        "acknowledged before status_update returned: {inside:?}"
    );
    // Afterwards the acknowledgement arrives.
    let deadline = returned_at + Duration::from_secs(10);
    while metric(&master, "master/messages_status_update_acknowledgement") < 1.0 {
        assert!(
            Instant::now() < deadline,
            "no acknowledgement after status_update returned"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver.stop(false).unwrap();
}

/// The local master's address: the agent's hostname is this machine and the master listens on
/// the libprocess port (the agent's `url` in offers names the agent, whose port is the same
/// process's).
fn master_of(_driver: &SchedulerDriver, offer: &Offer) -> String {
    let url = &offer.url;
    format!("{}:{}", url.address.ip(), url.address.port())
}
