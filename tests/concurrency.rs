//! Many threads calling one driver while its callbacks fire: every call returns, nothing
//! deadlocks or crashes, and the calls reach the master.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Error, Scheduler, SchedulerDriver, Status};
use support::*;

const THREADS: usize = 8;
/// How long the threads keep calling (a bound, not a goal).
const WINDOW: Duration = Duration::from_secs(3);
/// At most this many calls per thread, and a short pause between two calls, so that the
/// calls spread over the window instead of flooding the master in its first moments.
const MAX_CALLS: usize = 1000;
const PAUSE: Duration = Duration::from_millis(2);

/// What the callbacks leave for the calling threads, and how many of them ran.
#[derive(Default)]
struct Shared {
    offers: Mutex<Vec<Offer>>,
    updates: Mutex<Vec<TaskStatus>>,
    agent: Mutex<Option<SlaveID>>,
    callbacks: AtomicUsize,
}

struct Busy {
    shared: Arc<Shared>,
    events: Sender<SchedulerEvent>,
}

impl Scheduler for Busy {
    fn registered(&mut self, _: &SchedulerDriver, framework_id: &FrameworkID, master: &MasterInfo) {
        self.shared.callbacks.fetch_add(1, Ordering::SeqCst);
        let _ = self.events.send(SchedulerEvent::Registered {
            framework_id: framework_id.clone(),
            master_info: master.clone(),
        });
    }
    fn resource_offers(&mut self, _: &SchedulerDriver, offers: &[Offer]) {
        self.shared.callbacks.fetch_add(1, Ordering::SeqCst);
        if let Some(o) = offers.first() {
            *self.shared.agent.lock().unwrap() = o.slave_id.clone().into_option();
        }
        self.shared.offers.lock().unwrap().extend_from_slice(offers);
    }
    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        self.shared.callbacks.fetch_add(1, Ordering::SeqCst);
        if status.has_uuid() {
            self.shared.updates.lock().unwrap().push(status.clone());
        }
        let _ = self.events.send(SchedulerEvent::StatusUpdate {
            status: status.clone(),
        });
    }
    fn offer_rescinded(&mut self, _: &SchedulerDriver, _: &OfferID) {
        self.shared.callbacks.fetch_add(1, Ordering::SeqCst);
    }
    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        let _ = self.events.send(SchedulerEvent::Error {
            message: message.into(),
        });
    }
}

/// The driver calls of the mix, with the master counter each one increments.
const CALLS: [(&str, Option<&str>); 11] = [
    ("revive", Some("master/messages_revive_offers")),
    ("suppress", Some("master/messages_suppress_offers")),
    ("reconcile_all", Some("master/messages_reconcile_tasks")),
    ("reconcile_one", Some("master/messages_reconcile_tasks")),
    ("decline_unknown", Some("master/messages_decline_offers")),
    ("kill_unknown", Some("master/messages_kill_task")),
    (
        "message_unknown",
        Some("master/messages_framework_to_executor"),
    ),
    ("request", Some("master/messages_resource_request")),
    (
        "acknowledge",
        Some("master/messages_status_update_acknowledgement"),
    ),
    ("launch", Some("master/messages_launch_tasks")),
    // A malformed argument: must come back as a typed error without reaching libmesos.
    ("kill_malformed", None),
];

#[derive(Default, Debug)]
struct Tally {
    ok: BTreeMap<&'static str, u64>,
    errors: Vec<(&'static str, Error)>,
    skipped: u64,
}

fn bogus_agent() -> SlaveID {
    let mut s = SlaveID::new();
    s.set_value("no-such-agent".into());
    s
}

/// One call of kind `CALLS[k]`; `None` when it had nothing to work on (no offer, no update).
fn call(
    driver: &SchedulerDriver,
    shared: &Shared,
    k: usize,
    thread: usize,
    n: usize,
) -> Option<mesos::Result<()>> {
    Some(match CALLS[k].0 {
        "revive" => driver.revive_offers(),
        "suppress" => driver.suppress_offers(),
        "reconcile_all" => driver.reconcile_tasks(&[]),
        "reconcile_one" => {
            let mut s = TaskStatus::new();
            s.task_id = Some(tid(&format!("ghost-{thread}-{n}"))).into();
            s.set_state(TaskState::TASK_RUNNING);
            driver.reconcile_tasks(&[s])
        }
        "decline_unknown" => {
            driver.decline_offer(&oid(&format!("bogus-{thread}-{n}")), Some(&filters(0.0)))
        }
        "kill_unknown" => driver.kill_task(&tid(&format!("unknown-{thread}-{n}"))),
        "message_unknown" => {
            let mut e = ExecutorID::new();
            e.set_value("no-such-executor".into());
            // An agent the driver never saw: the message goes through the master.
            driver.send_framework_message(&e, &bogus_agent(), b"ping")
        }
        "request" => {
            let mut r = Request::new();
            r.slave_id = shared.agent.lock().unwrap().clone().into();
            driver.request_resources(&[r])
        }
        "acknowledge" => {
            let s = shared.updates.lock().unwrap().pop()?;
            driver.acknowledge_status_update(&s)
        }
        "launch" => {
            let offer = shared.offers.lock().unwrap().pop()?;
            let t = task(&format!("t-{thread}-{n}"), &offer, 0.1, "true");
            driver.launch_tasks(&[offer.id.clone().unwrap()], &[t], Some(&filters(0.0)))
        }
        "kill_malformed" => driver.kill_task(&TaskID::new()),
        other => unreachable!("{other}"),
    })
}

#[test]
fn eight_threads_calling_the_driver_while_callbacks_fire() {
    let _work = local_cluster("cpus:4;mem:1024", &[("MESOS_ALLOCATION_INTERVAL", "50ms")]);
    let shared = Arc::new(Shared::default());
    let (tx, rx) = channel();
    let mut events = Events::from_receiver(rx);
    let driver = SchedulerDriver::builder(framework("busy"), "local")
        .implicit_acknowledgements(false)
        .build(Busy {
            shared: shared.clone(),
            events: tx,
        })
        .unwrap();
    driver.start().unwrap();
    let (_, master) = registered(&mut events);
    let master = master_address(&master);
    // Offers are flowing before the threads start.
    let deadline = Instant::now() + Duration::from_secs(30);
    while shared.offers.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no offers");
        std::thread::sleep(Duration::from_millis(20));
    }
    let names: Vec<&str> = CALLS.iter().filter_map(|(_, m)| *m).collect();
    let counters: BTreeMap<&str, f64> = names
        .iter()
        .copied()
        .zip(metrics(&master, &names))
        .collect();

    let callbacks_before = shared.callbacks.load(Ordering::SeqCst);
    let start = Instant::now();
    let mut handles = Vec::new();
    for thread in 0..THREADS {
        let driver = driver.clone();
        let shared = shared.clone();
        handles.push(std::thread::spawn(move || {
            let mut tally = Tally::default();
            let mut n = 0;
            while start.elapsed() < WINDOW && n < MAX_CALLS {
                // Each thread walks the mix from a different place.
                let k = (n + thread) % CALLS.len();
                match call(&driver, &shared, k, thread, n) {
                    Some(Ok(())) => *tally.ok.entry(CALLS[k].0).or_default() += 1,
                    Some(Err(e)) => tally.errors.push((CALLS[k].0, e)),
                    None => tally.skipped += 1,
                }
                n += 1;
                std::thread::sleep(PAUSE);
            }
            tally
        }));
    }

    // Every thread comes back (a deadlock would keep one waiting).
    let deadline = start + WINDOW + Duration::from_secs(60);
    loop {
        let running: Vec<usize> = (0..THREADS)
            .filter(|t| !handles[*t].is_finished())
            .collect();
        if running.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "threads {running:?} did not return (a call never came back)"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let window = start.elapsed();
    let tallies: BTreeMap<usize, Tally> = handles
        .into_iter()
        .enumerate()
        .map(|(t, h)| (t, h.join().expect("a calling thread panicked")))
        .collect();
    let callbacks_during = shared.callbacks.load(Ordering::SeqCst) - callbacks_before;

    // Every call was answered: Ok, or the typed error for the malformed one.
    let mut ok: BTreeMap<&str, u64> = BTreeMap::new();
    let mut total = 0;
    for (thread, tally) in &tallies {
        for (name, n) in &tally.ok {
            *ok.entry(name).or_default() += n;
            total += n;
        }
        for (name, e) in &tally.errors {
            total += 1;
            assert_eq!(
                *name, "kill_malformed",
                "thread {thread}: {name} failed: {e}"
            );
            assert!(
                matches!(e, Error::MissingFields { type_name, fields, .. }
                    if type_name == "mesos.TaskID" && fields == &["value"]),
                "thread {thread}: {e:?}"
            );
        }
        assert!(
            !tally.errors.is_empty(),
            "thread {thread} made no malformed call"
        );
    }
    eprintln!(
        "{total} calls in {window:?} from {THREADS} threads; {callbacks_during} callbacks meanwhile; ok: {ok:?}"
    );
    assert!(
        callbacks_during > 0,
        "no callback ran while the threads called"
    );

    // The calls reached the master: its counters grew by at least the accepted calls.
    let mut expected: BTreeMap<&str, f64> = BTreeMap::new();
    for (name, m) in CALLS {
        if let Some(m) = m {
            *expected.entry(m).or_default() += *ok.get(name).unwrap_or(&0) as f64;
        }
    }
    for (m, want) in &expected {
        assert!(
            *want > 0.0
                || *m == "master/messages_launch_tasks"
                || *m == "master/messages_status_update_acknowledgement",
            "no successful call for {m}"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let grown = loop {
        let names: Vec<&str> = expected.keys().copied().collect();
        let grown: BTreeMap<&str, f64> = names
            .iter()
            .zip(metrics(&master, &names))
            .map(|(m, now)| (*m, now - counters[m]))
            .collect();
        let short: Vec<_> = expected
            .iter()
            .filter(|(m, want)| grown[*m] < **want)
            .collect();
        if short.is_empty() {
            break grown;
        }
        assert!(
            Instant::now() < deadline,
            "master counters short of the accepted calls: expected {short:?}, grown {grown:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    eprintln!("accepted calls by counter: {expected:?}; master counters grew by {grown:?}");
    // The driver still answers: a reconciliation after the storm gets its reply.
    let mut s = TaskStatus::new();
    s.task_id = Some(tid("after-the-storm")).into();
    s.set_state(TaskState::TASK_RUNNING);
    driver.reconcile_tasks(&[s]).unwrap();
    let reply = next_update(&mut events, "reconciliation after the threads", |s| {
        s.task_id.value() == "after-the-storm"
    });
    assert_eq!(reply.reason(), task_status::Reason::REASON_RECONCILIATION);
    assert!(!events
        .log
        .iter()
        .any(|(_, e)| matches!(e, SchedulerEvent::Error { .. })));
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    assert_eq!(driver.join().unwrap(), Status::DRIVER_STOPPED);
}
