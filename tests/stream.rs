//! The event stream (feature `stream`) against the local cluster: order, acknowledgement
//! when an update is taken (observed in the master's counters and in the agent's re-sends),
//! and the end of the stream.
#![cfg(feature = "stream")]

mod support;

use std::time::{Duration, Instant};

use futures::stream::FusedStream;
use futures::{FutureExt, Stream, StreamExt};
use mesos::scheduler::SchedulerEvent;
use mesos::stream::SchedulerEvents;
use mesos::types::*;
use mesos::SchedulerDriver;
use support::*;

const ACKS: &str = "master/messages_status_update_acknowledgement";
/// Status updates the master received from agents (a re-send counts again).
const UPDATES: &str = "master/messages_status_update";

/// The next event, failing the test after `timeout` or if the stream ended.
async fn next(events: &mut SchedulerEvents, timeout: Duration, what: &str) -> SchedulerEvent {
    match tokio::time::timeout(timeout, events.next()).await {
        Ok(Some(e)) => e,
        Ok(None) => panic!("the stream ended while waiting for {what}"),
        Err(_) => panic!("timed out after {timeout:?} waiting for {what}"),
    }
}

/// Takes events until `pred` accepts one.
async fn take_until<T>(
    events: &mut SchedulerEvents,
    what: &str,
    mut pred: impl FnMut(&SchedulerEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(t) = pred(&next(events, left, what).await) {
            return t;
        }
    }
}

/// Every event that is queued right now, without waiting.
fn take_queued(events: &mut SchedulerEvents) -> Vec<SchedulerEvent> {
    let mut out = Vec::new();
    while let Some(Some(e)) = events.next().now_or_never() {
        out.push(e);
    }
    out
}

/// Waits (without taking anything) until at least `n` events are queued in the stream.
async fn wait_queued(events: &SchedulerEvents, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while events.size_hint().0 < n {
        assert!(
            Instant::now() < deadline,
            "fewer than {n} events queued: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the stream has ended.
async fn end_of(events: &mut SchedulerEvents) -> Vec<SchedulerEvent> {
    let mut rest = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(30), events.next()).await {
            Ok(Some(e)) => rest.push(e),
            Ok(None) => return rest,
            Err(_) => panic!("the stream did not end; taken meanwhile: {rest:#?}"),
        }
    }
}

/// Polls a master metric until it reaches `at_least`, failing with `what` after `timeout`.
async fn wait_metric(master: &str, name: &str, at_least: f64, timeout: Duration, what: &str) {
    let deadline = Instant::now() + timeout;
    while metric(master, name) < at_least {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn update_of(task: &str) -> impl FnMut(&SchedulerEvent) -> Option<TaskStatus> + '_ {
    move |e| match e {
        SchedulerEvent::StatusUpdate { status }
            if status.task_id.value() == task && status.has_uuid() =>
        {
            Some(status.clone())
        }
        _ => None,
    }
}

/// A started stream driver that registered and launched one task called `task_name`, with
/// offers suppressed afterwards. Returns the master's address.
async fn driver_with_task(
    implicit: bool,
    task_name: &str,
) -> (SchedulerDriver, SchedulerEvents, String) {
    let (driver, mut events) = SchedulerDriver::builder(framework("stream acks"), "local")
        .implicit_acknowledgements(implicit)
        .build_stream()
        .unwrap();
    driver.start().unwrap();
    let master = match next(&mut events, Duration::from_secs(30), "registered").await {
        SchedulerEvent::Registered { master_info, .. } => master_address(&master_info),
        other => panic!("first event is not Registered: {other:?}"),
    };
    let offer = take_until(&mut events, "offers", offers_event)
        .await
        .remove(0);
    driver.suppress_offers().unwrap();
    launch(&driver, &offer, &[task(task_name, &offer, 1.0, "true")]);
    (driver, events, master)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registered_comes_first_and_the_stream_ends_after_stop_once_drained() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events) = SchedulerDriver::builder(framework("stream stop"), "local")
        .build_stream()
        .unwrap();
    driver.start().unwrap();
    // Registration and the first offers, left in the stream.
    wait_queued(&events, 2).await;
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    // Events queued before the stop still come out, in order, then the stream ends.
    let taken = end_of(&mut events).await;
    assert!(
        matches!(taken.first(), Some(SchedulerEvent::Registered { .. })),
        "first event: {:?}",
        taken.first()
    );
    assert!(
        matches!(taken.get(1), Some(SchedulerEvent::ResourceOffers { offers }) if !offers.is_empty()),
        "second event: {:?}",
        taken.get(1)
    );
    assert!(events.is_terminated());
    assert!(
        events.next().await.is_none(),
        "the stream resumed after its end"
    );
    // The stop really unregistered the framework.
    let (master, id) = match &taken[0] {
        SchedulerEvent::Registered {
            master_info,
            framework_id,
        } => (master_address(master_info), framework_id.value().to_owned()),
        _ => unreachable!(),
    };
    // The master completes the framework when the teardown reaches it.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let state = http_get(&master, "/master/state");
        let completed = state
            .split_once("\"completed_frameworks\":")
            .map_or("", |(_, c)| c);
        if completed.contains(&format!("\"id\":\"{id}\"")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "framework {id} not completed 30 s after stop: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_ends_when_the_last_driver_handle_is_dropped() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events) = SchedulerDriver::builder(framework("stream drop"), "local")
        .build_stream()
        .unwrap();
    driver.start().unwrap();
    match next(&mut events, Duration::from_secs(30), "registered").await {
        SchedulerEvent::Registered { .. } => {}
        other => panic!("first event is not Registered: {other:?}"),
    }
    // A consumer waiting in another task is woken by the end of the stream.
    let consumer = tokio::spawn(async move {
        let mut rest = Vec::new();
        while let Some(e) = events.next().await {
            rest.push(e);
        }
        (rest, events.is_terminated())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Freeing the driver waits for libmesos: not on a runtime worker.
    tokio::task::spawn_blocking(move || drop(driver))
        .await
        .unwrap();
    let (rest, terminated) = tokio::time::timeout(Duration::from_secs(30), consumer)
        .await
        .expect("the stream did not end after the driver was dropped")
        .unwrap();
    assert!(terminated);
    assert!(
        rest.iter()
            .all(|e| !matches!(e, SchedulerEvent::Registered { .. })),
        "registered twice: {rest:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_ends_after_an_error_event_without_stop() {
    let _work = auth_cluster();
    let mut info = framework("stream auth error");
    info.set_principal("alice".into());
    let credential = credential("wrong");
    let (driver, mut events) = SchedulerDriver::builder(info, "local")
        .credential(credential)
        .build_stream()
        .unwrap();
    driver.start().unwrap();
    // The driver handle stays alive and nobody calls stop or abort: libmesos aborted it.
    let taken = end_of(&mut events).await;
    match taken.as_slice() {
        [SchedulerEvent::Error { message }] => {
            assert!(message.contains("refused authentication"), "{message}")
        }
        other => panic!("expected exactly one error event, got {other:#?}"),
    }
    // join() reports libmesos' reason.
    match driver.join() {
        Err(mesos::Error::Aborted(reason)) => {
            assert!(reason.contains("refused authentication"), "{reason}")
        }
        other => panic!("expected Aborted, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_an_update_left_in_the_stream_is_not_acknowledged_and_is_resent() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events, master) = driver_with_task(true, "queued").await;
    // Not polling the stream: the update arrives and waits in it. The master sees no
    // acknowledgement, and the agent re-sends the update (its first retry is after ~10s).
    let mut samples = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while metric(&master, UPDATES) < 2.0 {
        assert_eq!(
            metric(&master, ACKS),
            0.0,
            "an update was acknowledged while still in the stream"
        );
        samples += 1;
        assert!(
            Instant::now() < deadline,
            "the agent never re-sent the update"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(samples >= 5, "only {samples} samples before the re-send");
    assert_eq!(metric(&master, ACKS), 0.0);
    // Now take them: the original and the re-sent copy, with the same uuid.
    let first = take_until(&mut events, "the update of queued", update_of("queued")).await;
    let again = take_until(&mut events, "the re-sent update", update_of("queued")).await;
    assert_eq!(first.uuid(), again.uuid());
    // Taking it acknowledged it.
    wait_metric(
        &master,
        ACKS,
        1.0,
        Duration::from_secs(10),
        "no acknowledgement after taking the update",
    )
    .await;
    driver.stop(false).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_an_update_taken_at_once_is_acknowledged_and_not_resent() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events, master) = driver_with_task(true, "taken").await;
    // The task runs (`true`): each update is taken as it comes, up to the terminal one. The
    // agent sends a task's next update only once the one before was acknowledged, so seeing
    // the terminal update already shows the earlier ones were.
    let mut taken = Vec::new();
    loop {
        let update = take_until(&mut events, "the updates of taken", update_of("taken")).await;
        let last = update.is_terminal();
        taken.push(update);
        if last {
            break;
        }
    }
    let states: Vec<TaskState> = taken.iter().map(|u| u.state()).collect();
    assert_eq!(states.last(), Some(&TaskState::TASK_FINISHED), "{taken:?}");
    let n = taken.len() as f64;
    wait_metric(
        &master,
        ACKS,
        n,
        Duration::from_secs(10),
        "no acknowledgement after taking the last update",
    )
    .await;
    // Past the agent's first retry: nothing is re-sent, on the wire or in the stream.
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert_eq!(
        metric(&master, UPDATES),
        n,
        "the agent re-sent an acknowledged update ({states:?} taken)"
    );
    assert_eq!(metric(&master, ACKS), n, "{states:?} taken");
    let resent: Vec<_> = take_queued(&mut events)
        .iter()
        .filter_map(update_of("taken"))
        .collect();
    assert!(resent.is_empty(), "re-sent: {resent:?}");
    driver.stop(false).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_a_taken_update_is_resent_until_acknowledged() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, mut events, master) = driver_with_task(false, "explicit").await;
    let first = take_until(&mut events, "the update of explicit", update_of("explicit")).await;
    // Taken but not acknowledged: the agent re-sends it.
    let again = take_until(&mut events, "the re-sent update", update_of("explicit")).await;
    assert_eq!(first.uuid(), again.uuid());
    assert_eq!(metric(&master, ACKS), 0.0);
    driver.acknowledge_status_update(&again).unwrap();
    wait_metric(
        &master,
        ACKS,
        1.0,
        Duration::from_secs(10),
        "explicit acknowledgement not seen by the master",
    )
    .await;
    driver.stop(false).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_leaves_later_updates_unacknowledged() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (driver, events, master) = driver_with_task(true, "dropped").await;
    drop(events);
    // The update reaches the master and is forwarded, but nobody takes it.
    wait_metric(
        &master,
        UPDATES,
        1.0,
        Duration::from_secs(30),
        "no status update reached the master",
    )
    .await;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            metric(&master, ACKS),
            0.0,
            "acknowledged without a consumer"
        );
    }
    // The driver itself keeps running.
    driver.reconcile_tasks(&[]).unwrap();
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}
