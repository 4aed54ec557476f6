//! The driver core against the local cluster: no event lost when the last handle goes, a
//! driver freed although its scheduler keeps a handle, weak handles, `close` waking `join`,
//! the queue depth and its warning, `join` inside a callback, and updates that could not be
//! acknowledged. One local cluster per test (one process per test under nextest).

mod support;

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::types::*;
use mesos::{Error, Scheduler, SchedulerDriver, Status, WeakSchedulerDriver};
use support::*;

/// An explicit reconciliation request for a task the master does not know: the master
/// answers each with a status update at once, which makes events on demand.
fn unknown_task(n: usize) -> TaskStatus {
    let mut s = TaskStatus::new();
    s.task_id = Some(tid(&format!("unknown-{n}"))).into();
    s.set_state(TaskState::TASK_RUNNING);
    s
}

/// What a callback saw: the task of an update, whether its driver handle was closed, and
/// what a call through it returned.
type Seen = (String, bool, mesos::Result<()>);

/// How the first offer callback holds up the ones after it.
enum Hold {
    /// For this long.
    Sleep(Duration),
    /// Until the test says so.
    Gate(Receiver<()>),
}

/// Holds up its first offer callback, then records every update. `registered` is signalled
/// on registration and again when the first offer callback starts holding.
struct Slow {
    registered: Sender<()>,
    first_offer: Option<Hold>,
    updates: Sender<Seen>,
}

impl Scheduler for Slow {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        let _ = self.registered.send(());
    }
    fn resource_offers(&mut self, _: &SchedulerDriver, _: &[Offer]) {
        if self.first_offer.is_some() {
            let _ = self.registered.send(());
        }
        match self.first_offer.take() {
            Some(Hold::Sleep(pause)) => std::thread::sleep(pause),
            Some(Hold::Gate(gate)) => {
                let _ = gate.recv_timeout(Duration::from_secs(60));
            }
            None => {}
        }
    }
    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let _ = self.updates.send((
            status.task_id.value().to_owned(),
            driver.is_closed(),
            driver.revive_offers(),
        ));
    }
}

fn slow(hold: Hold) -> (Slow, Receiver<()>, Receiver<Seen>) {
    let (registered, r) = channel();
    let (updates, u) = channel();
    (
        Slow {
            registered,
            first_offer: Some(hold),
            updates,
        },
        r,
        u,
    )
}

/// Events still queued when the last handle is dropped reach the scheduler (with a closed
/// handle), instead of being skipped.
#[test]
fn events_queued_when_the_last_handle_goes_are_still_delivered() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    // The last handle is dropped while the callback still sleeps: dropping waits for the
    // callback thread, so nothing else could open a gate.
    let (scheduler, registered, updates) = slow(Hold::Sleep(Duration::from_secs(5)));
    let driver = SchedulerDriver::new(scheduler, framework("last handle"), "local").unwrap();
    driver.start().unwrap();
    registered.recv_timeout(Duration::from_secs(30)).unwrap();
    // The first offer callback sleeps (signalled as it starts); the answers to these requests
    // queue behind it.
    registered.recv_timeout(Duration::from_secs(30)).unwrap();
    let statuses: Vec<TaskStatus> = (0..5).map(unknown_task).collect();
    driver.reconcile_tasks(&statuses).unwrap();
    wait_until("five queued updates", || driver.queue_depth() >= 6);
    drop(driver); // the only handle

    let seen: Vec<Seen> = updates.iter().collect();
    let tasks: Vec<&str> = seen.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        tasks,
        [
            "unknown-0",
            "unknown-1",
            "unknown-2",
            "unknown-3",
            "unknown-4"
        ],
        "every queued update delivered, in order"
    );
    for (task, closed, call) in &seen {
        assert!(closed, "{task}: delivered with a closed handle");
        assert_eq!(call, &Err(Error::Closed), "{task}");
    }
}

/// Keeps a strong handle to its own driver (the pitfall): takes it from `slot` when it
/// registers. Reports that, and its own drop.
struct Keeper {
    slot: Arc<Mutex<Option<SchedulerDriver>>>,
    kept: Option<SchedulerDriver>,
    dropped: Sender<&'static str>,
}

impl Scheduler for Keeper {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        self.kept = self.slot.lock().unwrap().take();
        let _ = self.dropped.send("kept");
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        let _ = self.dropped.send("scheduler dropped");
    }
}

/// A scheduler holding a `SchedulerDriver` keeps the driver alive; `close` frees it all the
/// same (and the scheduler with it), and the kept handle then answers `Closed`.
#[test]
fn close_frees_a_driver_whose_scheduler_keeps_a_handle() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let slot = Arc::new(Mutex::new(None));
    let (dropped, gone) = channel();
    let driver = SchedulerDriver::new(
        Keeper {
            slot: slot.clone(),
            kept: None,
            dropped,
        },
        framework("keeper"),
        "local",
    )
    .unwrap();
    *slot.lock().unwrap() = Some(driver.clone());
    driver.start().unwrap();
    assert_eq!(gone.recv_timeout(Duration::from_secs(30)).unwrap(), "kept");
    assert!(
        slot.lock().unwrap().is_none(),
        "only the scheduler holds it now"
    );
    let weak = driver.downgrade();

    // Dropping the caller's handle frees nothing: the scheduler's keeps it alive.
    drop(driver);
    assert!(gone.recv_timeout(Duration::from_secs(2)).is_err());
    let again = weak
        .upgrade()
        .expect("still alive through the scheduler's handle");
    again.revive_offers().unwrap();

    // close() frees it although the scheduler still holds a handle.
    let joiner_handle = again.clone();
    let joiner = {
        let d = again.clone();
        std::thread::spawn(move || d.join())
    };
    std::thread::sleep(Duration::from_millis(200));
    again.close();
    assert_eq!(
        gone.recv_timeout(Duration::from_secs(30)).unwrap(),
        "scheduler dropped"
    );
    // A thread blocked in join() was woken.
    let joined = joiner.join().unwrap();
    assert!(
        matches!(joined, Ok(Status::DRIVER_STOPPED) | Err(Error::Closed)),
        "{joined:?}"
    );
    // Handles made before answer Closed; a weak handle no longer upgrades.
    let other = joiner_handle;
    assert!(other.is_closed());
    assert_eq!(other.revive_offers(), Err(Error::Closed));
    assert_eq!(other.start(), Err(Error::Closed));
    assert!(weak.upgrade().is_none());
}

/// Keeps only a weak handle: dropping the caller's handle frees the driver.
struct WeakKeeper {
    driver: Arc<Mutex<Option<WeakSchedulerDriver>>>,
    dropped: Sender<&'static str>,
}

impl Scheduler for WeakKeeper {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        let upgraded = self
            .driver
            .lock()
            .unwrap()
            .as_ref()
            .and_then(|w| w.upgrade());
        let _ = self.dropped.send(if upgraded.is_some() {
            "upgraded in a callback"
        } else {
            "no upgrade"
        });
    }
}

impl Drop for WeakKeeper {
    fn drop(&mut self) {
        let _ = self.dropped.send("scheduler dropped");
    }
}

#[test]
fn a_weak_handle_does_not_keep_the_driver_alive() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let slot = Arc::new(Mutex::new(None));
    let (dropped, events) = channel();
    let driver = SchedulerDriver::new(
        WeakKeeper {
            driver: slot.clone(),
            dropped,
        },
        framework("weak keeper"),
        "local",
    )
    .unwrap();
    *slot.lock().unwrap() = Some(driver.downgrade());
    driver.start().unwrap();
    assert_eq!(
        events.recv_timeout(Duration::from_secs(30)).unwrap(),
        "upgraded in a callback"
    );
    let weak = driver.downgrade();
    drop(driver);
    assert_eq!(
        events.recv_timeout(Duration::from_secs(30)).unwrap(),
        "scheduler dropped"
    );
    assert!(weak.upgrade().is_none());
    assert!(format!("{weak:?}").contains("alive: false"));
}

/// Calls `join` on its own driver from inside a callback.
struct Joiner(Sender<mesos::Result<Status>>);

impl Scheduler for Joiner {
    fn registered(&mut self, driver: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        let _ = self.0.send(driver.join());
        let _ = self.0.send(driver.run());
    }
}

/// `join` inside a callback of its own running driver would wait for ever (whatever stops the
/// driver would be delivered on this very thread): a typed error instead.
#[test]
fn join_inside_a_callback_is_refused_instead_of_blocking_for_ever() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (tx, rx) = channel();
    let driver = SchedulerDriver::new(Joiner(tx), framework("joiner"), "local").unwrap();
    driver.start().unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        Err(Error::JoinInCallback)
    );
    // run() is start (the driver already runs) then join: the same.
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        Err(Error::JoinInCallback)
    );
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    assert_eq!(driver.join().unwrap(), Status::DRIVER_STOPPED);
}

/// The queue in front of slow callbacks is visible: `queue_depth` counts what waits, and a
/// warning is logged once it passes the threshold.
#[test]
fn the_queue_depth_is_reported_and_warned_about() {
    let capture = Capture::install("mesos=warn");
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (gate, held) = channel();
    let (scheduler, registered, updates) = slow(Hold::Gate(held));
    let driver = SchedulerDriver::builder(framework("queue"), "local")
        .queue_warning_threshold(4)
        .build(scheduler)
        .unwrap();
    assert_eq!(driver.queue_depth(), 0);
    driver.start().unwrap();
    registered.recv_timeout(Duration::from_secs(30)).unwrap();
    // The first offer callback is being held (the registered callback alone would also make
    // the depth 1, and updates answered before the offer came would not queue up).
    registered.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(driver.queue_depth() >= 1);
    assert!(!capture.text().contains("WARN"));
    let statuses: Vec<TaskStatus> = (0..8).map(unknown_task).collect();
    driver.reconcile_tasks(&statuses).unwrap();
    wait_until("eight queued updates", || driver.queue_depth() >= 9);
    assert!(driver.stats().queued >= 9, "{:?}", driver.stats());
    let text = capture.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning when the threshold is passed:\n{text}"
    );
    assert!(warnings[0].contains("wait for your code"), "{text}");
    // Once the callbacks catch up, the queue is empty again.
    gate.send(()).unwrap();
    for _ in 0..8 {
        let (_, closed, _) = updates.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(!closed);
    }
    wait_until("an empty queue", || driver.queue_depth() == 0);
    assert_eq!(driver.stats().dropped_events, 0);
    driver.stop(false).unwrap();
}

/// Aborts its driver inside `status_update`, so that the implicit acknowledgement after it
/// cannot be sent.
struct StopOnUpdate(Sender<TaskStatus>, bool);

impl Scheduler for StopOnUpdate {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        if std::mem::replace(&mut self.1, true) {
            return;
        }
        let offer = &offers[0];
        let t = task("acked", offer, 0.1, "true");
        driver
            .launch_tasks(&[offer.id.clone().unwrap()], &[t], None)
            .unwrap();
    }
    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        if status.has_uuid() {
            driver.abort().unwrap();
            let _ = self.0.send(status.clone());
        }
    }
}

/// An update that the driver should have acknowledged implicitly but could not is counted.
#[test]
fn updates_that_could_not_be_acknowledged_are_counted() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (tx, rx) = channel();
    let driver =
        SchedulerDriver::new(StopOnUpdate(tx, false), framework("unacked"), "local").unwrap();
    driver.start().unwrap();
    let status = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(status.has_uuid());
    wait_until("the update counted", || {
        driver.stats().unacknowledged_updates == 1
    });
    assert_eq!(driver.join().unwrap(), Status::DRIVER_ABORTED);
}
/// A driver that registers in time is not touched by its timeout.
#[test]
fn registration_timeout_leaves_a_registered_driver_alone() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (p, mut events) = probe();
    // Long enough for the local cluster to come up and register the framework on a loaded
    // machine; the test then waits past it.
    let timeout = Duration::from_secs(6);
    let d = SchedulerDriver::builder(framework("registers"), "local")
        .registration_timeout(timeout)
        .build(p)
        .unwrap();
    let started = Instant::now();
    assert_eq!(d.start().unwrap(), Status::DRIVER_RUNNING);
    registered(&mut events);
    std::thread::sleep(
        (started + timeout + Duration::from_secs(1)).saturating_duration_since(Instant::now()),
    );
    d.revive_offers().unwrap();
    assert_eq!(d.stop(false).unwrap(), Status::DRIVER_STOPPED);
    assert_eq!(d.join().unwrap(), Status::DRIVER_STOPPED);
}

/// Records, for every status update, the latency probe's reading and the queue depth seen.
struct Timed {
    hold_first: Duration,
    readings: Sender<(Option<u64>, usize)>,
    registered: Sender<SchedulerDriver>,
}

impl Scheduler for Timed {
    fn registered(&mut self, driver: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        let _ = self.registered.send(driver.clone());
    }
    fn status_update(&mut self, driver: &SchedulerDriver, _: &TaskStatus) {
        let reading = mesos::__bench::delivery_latency_ns();
        if !self.hold_first.is_zero() {
            std::thread::sleep(std::mem::take(&mut self.hold_first));
        }
        let _ = self.readings.send((reading, driver.stats().queued));
    }
}

/// Reconciles `n` unknown tasks and returns what `Timed` read for each answer, with the
/// driver's stats at the end.
fn timed_storm(n: usize, hold_first: Duration) -> (Vec<(Option<u64>, usize)>, mesos::DriverStats) {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (readings, got) = channel();
    let (registered, driver_rx) = channel();
    let scheduler = Timed {
        hold_first,
        readings,
        registered,
    };
    let driver = SchedulerDriver::new(scheduler, framework("timed"), "local").unwrap();
    driver.start().unwrap();
    // Registered: the master answers reconciliation requests from now on.
    drop(driver_rx.recv_timeout(Duration::from_secs(30)).unwrap());
    let statuses: Vec<TaskStatus> = (0..n).map(unknown_task).collect();
    driver.reconcile_tasks(&statuses).unwrap();
    let seen: Vec<_> = (0..n)
        .map(|_| got.recv_timeout(Duration::from_secs(30)).unwrap())
        .collect();
    let stats = driver.stats();
    driver.stop(false).unwrap();
    (seen, stats)
}

/// The benchmarks' latency probe: with it on, every delivered update knows how long ago the
/// shim entered libmesos' callback for it (a positive time, shorter than the whole run);
/// while the first callback is held, the answers pile up and the peak depth records it.
#[test]
fn latency_probe_times_each_update_from_the_shim_and_the_peak_depth_is_kept() {
    mesos::__bench::enable_latency_probe();
    let started = Instant::now();
    let (seen, stats) = timed_storm(500, Duration::from_millis(500));
    let whole = started.elapsed().as_nanos() as u64;
    for (i, (reading, _)) in seen.iter().enumerate() {
        let ns = reading.unwrap_or_else(|| panic!("update {i} has no probe reading"));
        assert!(
            ns > 0 && ns < whole,
            "update {i}: {ns} ns of a {whole} ns run"
        );
    }
    // The later answers waited behind the held callback: they saw long latencies.
    assert!(seen.iter().any(|(r, _)| r.unwrap() >= 100_000_000));
    let deepest = seen.iter().map(|(_, q)| *q).max().unwrap();
    assert!(
        deepest > 100,
        "answers should have queued behind the held callback"
    );
    assert!(stats.peak_queued >= deepest, "{stats:?} vs {deepest}");
    assert_eq!(stats.queued, 0);
}

/// Without the probe nothing is timed.
#[test]
fn without_the_probe_updates_carry_no_reading() {
    let (seen, stats) = timed_storm(50, Duration::ZERO);
    assert!(seen.iter().all(|(r, _)| r.is_none()));
    assert!(stats.peak_queued >= 1);
}
