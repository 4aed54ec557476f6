//! The toolkit's reconciler on the local cluster: a scheduler restarted under the same
//! FrameworkID learns the true state of every task it had, tasks the master never heard of
//! come back as unknown, updates already processed come back as duplicates, tasks the store
//! does not know come back as orphans; unanswered requests are retried with backoff; implicit
//! reconciliation repeats. The scheduler is a `Scheduler` trait object with a `Ticker`.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::ids;
use mesos::resources::{cpus, mem};
use mesos::toolkit::{
    Classified, InMemoryTaskStore, ReconcileConfig, Reconciler, TaskRecord, TaskStore, Ticker,
    UpdateKind,
};
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};
use support::*;

type Store = Arc<Mutex<InMemoryTaskStore>>;
type Shared = Arc<Mutex<Reconciler<Store>>>;
/// When the reconciler sent explicit requests, by the clock it was given.
type Sent = Arc<Mutex<Vec<Instant>>>;

/// What the framework under test saw.
#[derive(Debug)]
enum Seen {
    Registered(FrameworkID),
    Offers(Vec<Offer>),
    Update(TaskStatus, Classified),
    Ignored(TaskStatus),
}

/// A framework whose status updates go through the reconciler; updates for which `ignore`
/// says so are dropped unseen and unacknowledged (a scheduler that crashed before handling
/// them), and only updates for which `ack` says so are acknowledged.
struct Framework {
    reconciler: Shared,
    sent: Sent,
    tx: Sender<Seen>,
    ignore: Arc<dyn Fn(&TaskStatus) -> bool + Send + Sync>,
    ack: fn(&TaskStatus) -> bool,
}

impl Scheduler for Framework {
    fn registered(&mut self, driver: &SchedulerDriver, id: &FrameworkID, _: &MasterInfo) {
        noting(&self.reconciler, &self.sent, Instant::now(), |r, now| {
            r.registered(driver, now)
        })
        .unwrap();
        let _ = self.tx.send(Seen::Registered(id.clone()));
    }
    fn reregistered(&mut self, driver: &SchedulerDriver, _: &MasterInfo) {
        noting(&self.reconciler, &self.sent, Instant::now(), |r, now| {
            r.registered(driver, now)
        })
        .unwrap();
    }
    fn disconnected(&mut self, _: &SchedulerDriver) {
        lock(&self.reconciler).disconnected();
    }
    fn resource_offers(&mut self, _: &SchedulerDriver, offers: &[Offer]) {
        let _ = self.tx.send(Seen::Offers(offers.to_vec()));
    }
    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        if (self.ignore)(status) {
            let _ = self.tx.send(Seen::Ignored(status.clone()));
            return;
        }
        let classified = lock(&self.reconciler)
            .status_update(status, Instant::now())
            .unwrap();
        if (self.ack)(status) {
            driver.acknowledge_status_update(status).unwrap();
        }
        let _ = self.tx.send(Seen::Update(status.clone(), classified));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap()
}

/// Runs `step` on the reconciler at `now`, and notes `now` in `sent` when the step sent
/// explicit requests: the instants the reconciler itself went by, which a test sampling the
/// counters from another thread can only approximate.
fn noting<T>(
    r: &Shared,
    sent: &Sent,
    now: Instant,
    step: impl FnOnce(&mut Reconciler<Store>, Instant) -> T,
) -> T {
    let mut r = lock(r);
    let before = r.stats().explicit_requests;
    let out = step(&mut r, now);
    if r.stats().explicit_requests > before {
        lock(sent).push(now);
    }
    out
}

/// One incarnation of the scheduler: its driver, its reconciler and the ticker driving it.
struct Incarnation {
    driver: SchedulerDriver,
    reconciler: Shared,
    sent: Sent,
    rx: Receiver<Seen>,
    _ticker: Ticker,
}

fn start(
    master: &str,
    id: Option<&FrameworkID>,
    store: &Store,
    config: ReconcileConfig,
    ignore: Arc<dyn Fn(&TaskStatus) -> bool + Send + Sync>,
    ack: fn(&TaskStatus) -> bool,
) -> Incarnation {
    let reconciler = Arc::new(Mutex::new(Reconciler::new(store.clone(), config)));
    let sent = Sent::default();
    let (tx, rx) = channel();
    let mut info = framework("reconciled");
    info.set_failover_timeout(300.0);
    info.id = id.cloned().into();
    let driver = SchedulerDriver::builder(info, master)
        .implicit_acknowledgements(false)
        .build(Framework {
            reconciler: reconciler.clone(),
            sent: sent.clone(),
            tx,
            ignore,
            ack,
        })
        .unwrap();
    driver.start().unwrap();
    let (d, r, s) = (driver.clone(), reconciler.clone(), sent.clone());
    let ticker = Ticker::every(Duration::from_millis(100), move |now| {
        noting(&r, &s, now, |r, now| r.tick(&d, now)).is_ok()
    });
    Incarnation {
        driver,
        reconciler,
        sent,
        rx,
        _ticker: ticker,
    }
}

impl Incarnation {
    fn wait<T>(&self, what: &str, mut pred: impl FnMut(&Seen) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let seen = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
            if let Some(t) = pred(&seen) {
                return t;
            }
        }
    }
}

/// A local cluster whose "host" framework keeps it alive (and takes no offers), so that the
/// framework under test can come and go, connecting to the master by address.
fn host_cluster() -> (tempfile::TempDir, SchedulerDriver, String) {
    let work = local_cluster("cpus:4;mem:512", &[("MESOS_ALLOCATION_INTERVAL", "100ms")]);
    let (probe, mut events) = probe();
    let host = SchedulerDriver::builder(framework("host"), "local")
        .suppressed_roles(["*"])
        .build(probe)
        .unwrap();
    host.start().unwrap();
    let (_, master) = registered(&mut events);
    (work, host, master_address(&master))
}

fn command_task(name: &str, offer: &Offer) -> TaskInfo {
    ids::task_info(
        name,
        ids::task_id(name),
        offer.slave_id.clone().unwrap(),
        vec![cpus(0.1), mem(16.0)],
    )
    .with_command(ids::command_info("true"))
}

#[test]
fn a_restarted_scheduler_learns_the_true_state_of_every_task() {
    let (_work, host, master) = host_cluster();
    let store: Store = Arc::new(Mutex::new(InMemoryTaskStore::new()));
    let config = ReconcileConfig::default()
        .retry(Duration::from_millis(500), Duration::from_secs(4))
        .implicit_interval(None);

    // ---- the first incarnation ----
    // It never sees the terminal updates of `inflight-1` (it "crashes" before handling them)
    // nor of `orphan-1` (launched without a record: the record was lost), and never
    // acknowledges `unacked-1`'s. It handles and acknowledges every update before those (the
    // agent sends a task's next update only once the one before is acknowledged).
    let crashed_before: Arc<dyn Fn(&TaskStatus) -> bool + Send + Sync> = Arc::new(|s| {
        s.is_terminal()
            && (s.task_id.value().starts_with("inflight-")
                || s.task_id.value().starts_with("orphan-"))
    });
    let first = start(&master, None, &store, config.clone(), crashed_before, |s| {
        !(s.is_terminal() && s.task_id.value().starts_with("unacked-"))
    });
    let id = first.wait("registration", |s| match s {
        Seen::Registered(id) => Some(id.clone()),
        _ => None,
    });
    let offer = first.wait("an offer", |s| match s {
        Seen::Offers(o) if !o.is_empty() => Some(o[0].clone()),
        _ => None,
    });
    let launched = ["done-1", "unacked-1", "inflight-1", "orphan-1"];
    let tasks: Vec<TaskInfo> = launched.iter().map(|n| command_task(n, &offer)).collect();
    {
        let mut r = lock(&first.reconciler);
        for t in &tasks[..3] {
            r.launching(t, t.name().as_bytes().to_vec(), Instant::now())
                .unwrap();
        }
        // Written, then the scheduler died before launching: the master never hears of these.
        r.store_mut()
            .save(&TaskRecord::new(
                ids::task_id("ghost-1"),
                TaskState::TASK_STAGING,
            ))
            .unwrap();
        let mut ghost = TaskRecord::new(ids::task_id("ghost-2"), TaskState::TASK_RUNNING);
        ghost.agent_id = offer.slave_id.clone().into_option();
        r.store_mut().save(&ghost).unwrap();
    }
    first
        .driver
        .launch_tasks(&[offer.id.clone().unwrap()], &tasks, Some(&filters(0.0)))
        .unwrap();
    // Wait until every launched task has ended, seen or not.
    let mut ended = BTreeMap::new();
    while ended.len() < launched.len() {
        let (status, kind) = first.wait("terminal updates", |s| match s {
            Seen::Update(st, c) if st.is_terminal() && !c.reconciliation => {
                Some((st.clone(), Some(c.kind)))
            }
            Seen::Ignored(st) if st.is_terminal() => Some((st.clone(), None)),
            _ => None,
        });
        ended.insert(status.task_id.value().to_owned(), (status.state(), kind));
    }
    for name in ["done-1", "unacked-1"] {
        assert_eq!(ended[name].1, Some(UpdateKind::New), "{name}: {ended:?}");
    }
    let true_state: BTreeMap<String, TaskState> =
        ended.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    // The tasks (`true`) really ran.
    assert!(
        true_state.values().all(|s| *s == TaskState::TASK_FINISHED),
        "{true_state:?}"
    );
    eprintln!("the tasks ended as {true_state:?}");
    // The first incarnation dies, leaving its framework registered for a failover.
    first.driver.stop(true).unwrap();
    drop(first);
    let before = {
        let s = lock(&store);
        s.all().unwrap()
    };
    let staging = |id: &str| {
        before
            .iter()
            .find(|r| r.task_id.value() == id)
            .map(|r| r.state)
    };
    // The store still believes `inflight-1` alive (in the last state it handled).
    assert!(
        staging("inflight-1").is_some_and(|s| !mesos::task_status::is_terminal(s)),
        "{:?}",
        staging("inflight-1")
    );
    assert_eq!(staging("ghost-1"), Some(TaskState::TASK_STAGING));
    assert_eq!(staging("orphan-1"), None);
    let reconcile_calls = metric(&master, "master/messages_reconcile_tasks");

    // ---- the second incarnation, same FrameworkID, same store ----
    let nothing: Arc<dyn Fn(&TaskStatus) -> bool + Send + Sync> = Arc::new(|_| false);
    let second = start(&master, Some(&id), &store, config, nothing, |_| true);
    let again = second.wait("registration under the same id", |s| match s {
        Seen::Registered(id) => Some(id.clone()),
        _ => None,
    });
    assert_eq!(
        again, id,
        "the second incarnation runs under the first one's FrameworkID"
    );
    // Collect classified updates until every task the store believed alive is answered and
    // the re-sent update of `unacked-1` (and of `orphan-1`) has arrived.
    let mut kinds: BTreeMap<String, Vec<(UpdateKind, TaskState, bool)>> = BTreeMap::new();
    let done = |k: &BTreeMap<String, Vec<(UpdateKind, TaskState, bool)>>| {
        ["inflight-1", "ghost-1", "ghost-2"]
            .iter()
            .all(|t| k.get(*t).is_some_and(|v| v.iter().any(|x| x.2)))
            && k.get("unacked-1")
                .is_some_and(|v| v.iter().any(|x| x.0 == UpdateKind::Duplicate))
            && k.contains_key("orphan-1")
    };
    while !done(&kinds) {
        let (status, c) = second.wait("reconciliation answers and re-sent updates", |s| match s {
            Seen::Update(st, c) => Some((st.clone(), c.clone())),
            _ => None,
        });
        kinds
            .entry(status.task_id.value().to_owned())
            .or_default()
            .push((c.kind, status.state(), c.reconciliation));
    }
    eprintln!("the second incarnation saw {kinds:#?}");

    // Tasks the master never heard of come back as such.
    for ghost in ["ghost-1", "ghost-2"] {
        let answer = kinds[ghost].iter().find(|x| x.2).unwrap();
        assert_eq!(answer.0, UpdateKind::Unknown, "{ghost}: {:?}", kinds[ghost]);
        assert_eq!(answer.1, TaskState::TASK_LOST, "{ghost}");
    }
    // The task whose end the first incarnation never saw: its true state is learned once
    // (whichever of the answer and the re-sent update comes first), and the other is not new.
    let inflight = &kinds["inflight-1"];
    assert_eq!(
        inflight.iter().filter(|x| x.0 == UpdateKind::New).count(),
        1,
        "{inflight:?}"
    );
    assert!(inflight.iter().all(|x| x.1 == true_state["inflight-1"]));
    // The update the first incarnation handled but never acknowledged is re-sent: a duplicate.
    assert!(kinds["unacked-1"]
        .iter()
        .all(|x| matches!(x.0, UpdateKind::Duplicate | UpdateKind::Confirmed)));
    // The task the store does not know.
    assert!(kinds["orphan-1"].iter().all(|x| x.0 == UpdateKind::Orphan));

    // The store now holds the true state of every task it knows.
    let after: BTreeMap<String, TaskState> = lock(&store)
        .all()
        .unwrap()
        .into_iter()
        .map(|r| (r.task_id.value().to_owned(), r.state))
        .collect();
    let mut expected = true_state.clone();
    expected.remove("orphan-1");
    expected.insert("ghost-1".into(), TaskState::TASK_LOST);
    expected.insert("ghost-2".into(), TaskState::TASK_LOST);
    assert_eq!(after, expected);

    // The round completed and ended with an implicit request; the master counted them.
    let deadline = Instant::now() + Duration::from_secs(10);
    while lock(&second.reconciler).stats().rounds_completed < 1 {
        assert!(Instant::now() < deadline, "the round never completed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = lock(&second.reconciler).stats();
    assert!(!lock(&second.reconciler).is_reconciling());
    assert!(
        stats.explicit_requests >= 1 && stats.implicit_requests == 1,
        "{stats:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&master, "master/messages_reconcile_tasks") < reconcile_calls + 2.0 {
        assert!(
            Instant::now() < deadline,
            "the master never counted the requests"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("reconciler stats: {stats:?}");
    second.driver.stop(false).unwrap();
    host.stop(false).unwrap();
}

#[test]
fn unanswered_tasks_are_asked_again_with_backoff_then_implicit_reconciliation_repeats() {
    let (_work, host, master) = host_cluster();
    let store: Store = Arc::new(Mutex::new(InMemoryTaskStore::new()));
    for name in ["lost-a", "lost-b"] {
        lock(&store)
            .save(&TaskRecord::new(
                ids::task_id(name),
                TaskState::TASK_RUNNING,
            ))
            .unwrap();
    }
    // The answers are lost on the way (dropped unseen) until `deaf` is cleared.
    let deaf = Arc::new(AtomicBool::new(true));
    let is_deaf = deaf.clone();
    let ignore: Arc<dyn Fn(&TaskStatus) -> bool + Send + Sync> =
        Arc::new(move |_| is_deaf.load(Ordering::SeqCst));
    let config = ReconcileConfig::default()
        .retry(Duration::from_millis(400), Duration::from_millis(1600))
        .implicit_interval(Some(Duration::from_secs(1)));
    let before = metric(&master, "master/messages_reconcile_tasks");
    let fw = start(&master, None, &store, config, ignore, |_| true);
    fw.wait("registration", |s| {
        matches!(s, Seen::Registered(_)).then_some(())
    });

    // Let the explicit requests go out while the answers are lost, for 3.9 s after the first.
    wait_until("the first explicit request", || !lock(&fw.sent).is_empty());
    let first = lock(&fw.sent)[0];
    std::thread::sleep(
        (first + Duration::from_millis(3900)).saturating_duration_since(Instant::now()),
    );
    let sent_at: Vec<Duration> = lock(&fw.sent)
        .iter()
        .map(|&at| at - first)
        .filter(|&d| d < Duration::from_millis(3900))
        .collect();
    let gaps: Vec<Duration> = sent_at.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("explicit requests at {sent_at:?}, gaps {gaps:?}");
    // Due at 0, 0.4, 1.2 and 2.8 s: each wait twice the one before, up to the cap, so at
    // most four requests in 3.9 s (a slow machine only delays them). The instants are the
    // reconciler's own clock, so the gaps are never shorter than the backoff.
    assert!((2..=4).contains(&sent_at.len()), "{sent_at:?}");
    for (gap, due) in gaps.iter().zip([400, 800, 1600]) {
        assert!(
            *gap >= Duration::from_millis(due),
            "asked again after {gap:?}, before the backoff's {due} ms: {gaps:?}"
        );
    }
    assert!(lock(&fw.reconciler).is_reconciling());
    let mut unanswered: Vec<String> = lock(&fw.reconciler)
        .unanswered()
        .iter()
        .map(|t| t.value().to_owned())
        .collect();
    unanswered.sort();
    assert_eq!(unanswered, ["lost-a", "lost-b"]);

    // Answers get through again: the next request completes the round.
    deaf.store(false, Ordering::SeqCst);
    for _ in 0..2 {
        let (status, c) = fw.wait("answers", |s| match s {
            Seen::Update(st, c) => Some((st.clone(), c.clone())),
            _ => None,
        });
        assert_eq!(c.kind, UpdateKind::Unknown, "{status:?}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while lock(&fw.reconciler).stats().rounds_completed < 1 {
        assert!(Instant::now() < deadline, "the round never completed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let explicit = lock(&fw.reconciler).stats().explicit_requests;
    // Then only implicit requests, one per second.
    std::thread::sleep(Duration::from_millis(3300));
    let stats = lock(&fw.reconciler).stats();
    assert_eq!(
        stats.explicit_requests, explicit,
        "no explicit request after the round"
    );
    assert!(
        (2..=5).contains(&stats.implicit_requests),
        "implicit requests: {stats:?}"
    );
    let counted = metric(&master, "master/messages_reconcile_tasks") - before;
    assert!(
        counted >= (stats.explicit_requests + stats.implicit_requests - 1) as f64,
        "the master counted {counted} requests, the reconciler sent {stats:?}"
    );
    fw.driver.stop(false).unwrap();
    host.stop(false).unwrap();
}

#[test]
fn a_launched_task_that_stays_silent_is_asked_about_early() {
    let (_work, host, master) = host_cluster();
    let store: Store = Arc::new(Mutex::new(InMemoryTaskStore::new()));
    let config = ReconcileConfig::default()
        .retry(Duration::from_millis(500), Duration::from_secs(4))
        .implicit_interval(None)
        .launch_timeout(Some(Duration::from_secs(1)));
    let nothing: Arc<dyn Fn(&TaskStatus) -> bool + Send + Sync> = Arc::new(|_| false);
    let fw = start(&master, None, &store, config, nothing, |_| true);
    fw.wait("registration", |s| {
        matches!(s, Seen::Registered(_)).then_some(())
    });
    let offer = fw.wait("an offer", |s| match s {
        Seen::Offers(o) if !o.is_empty() => Some(o[0].clone()),
        _ => None,
    });
    // The first round (empty store) completes at once.
    let deadline = Instant::now() + Duration::from_secs(10);
    while lock(&fw.reconciler).stats().rounds_completed < 1 {
        assert!(Instant::now() < deadline, "the round never completed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Written down as launching, but the launch itself is lost: nothing is ever heard.
    let launched_at = Instant::now();
    lock(&fw.reconciler)
        .launching(&command_task("silent-1", &offer), Vec::new(), launched_at)
        .unwrap();
    let (status, c) = fw.wait("the answer about silent-1", |s| match s {
        Seen::Update(st, c) if st.task_id.value() == "silent-1" => Some((st.clone(), c.clone())),
        _ => None,
    });
    let waited = launched_at.elapsed();
    eprintln!("asked after {waited:?}: {:?} {:?}", status.state(), c);
    assert!(
        waited >= Duration::from_secs(1),
        "asked before the timeout: {waited:?}"
    );
    assert!(waited < Duration::from_secs(10), "asked late: {waited:?}");
    assert!(c.reconciliation);
    assert_eq!(c.kind, UpdateKind::Unknown);
    let stats = lock(&fw.reconciler).stats();
    assert_eq!(stats.silent_launch_requests, 1, "{stats:?}");
    assert_eq!(stats.explicit_requests, 0, "{stats:?}");
    // Answered: not asked again.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(lock(&fw.reconciler).stats().silent_launch_requests, 1);
    fw.driver.stop(false).unwrap();
    host.stop(false).unwrap();
}
