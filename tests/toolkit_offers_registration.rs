//! The toolkit's offer manager when registration is slow: a framework whose master is not
//! there yet ticks its manager for longer than `suppress_after` before it registers, and still
//! gets offers once work is pending. And a driver call that fails is not taken as done.
//!
//! The master is the local cluster of this process, started (by a second, "host" framework
//! with master `"local"`) only after the framework under test has been trying to register
//! with it at its address for a while.

mod support;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::toolkit::{OfferConfig, OfferManager};
use mesos::SchedulerDriver;
use support::*;

const SUPPRESSES: &str = "master/messages_suppress_offers";
const REVIVES: &str = "master/messages_revive_offers";

/// Feeds every event that arrives within `d` to `manager` and ticks it every 50 ms (and
/// after each event); returns the events `pred` accepts. `pred` sees the manager after it
/// took the event and before its tick, as a framework's event handler does.
fn drive<T>(
    events: &mut Events,
    manager: &mut OfferManager,
    driver: &SchedulerDriver,
    d: Duration,
    mut pred: impl FnMut(&mut OfferManager, &SchedulerEvent) -> Option<T>,
) -> Vec<T> {
    let deadline = Instant::now() + d;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        let seen = events.during(Duration::from_millis(50), |e| Some(e.clone()));
        for e in &seen {
            let now = Instant::now();
            manager.on_event(e, now);
            out.extend(pred(manager, e));
            manager.tick(driver, now).unwrap();
        }
        manager.tick(driver, Instant::now()).unwrap();
    }
    out
}

/// Drives until `pred` accepts an event, for at most `timeout`.
fn drive_until<T>(
    events: &mut Events,
    manager: &mut OfferManager,
    driver: &SchedulerDriver,
    timeout: Duration,
    what: &str,
    mut pred: impl FnMut(&mut OfferManager, &SchedulerEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let mut got = drive(
            events,
            manager,
            driver,
            Duration::from_millis(100),
            &mut pred,
        );
        if !got.is_empty() {
            return got.remove(0);
        }
        assert!(
            Instant::now() < deadline,
            "no {what} within {timeout:?}; manager {:?}, suppressed {:?}",
            manager.stats(),
            manager.is_suppressed("*")
        );
    }
}

/// Every `stderr` file under `dir` (the executors' sandboxes), for a failure message.
fn sandbox_stderr(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out += &sandbox_stderr(&p);
        } else if p.file_name().is_some_and(|n| n == "stderr") {
            out += &format!(
                "\n{}:\n{}",
                p.display(),
                std::fs::read_to_string(&p).unwrap_or_default()
            );
        }
    }
    out
}

#[test]
fn a_framework_that_registers_after_suppress_after_still_gets_offers_for_pending_work() {
    let port = hosted::free_port();
    // The agent's programs that start executors (for the command task below).
    let launcher = mesos::local::devkit_launcher_dir()
        .expect("the dev kit's libexec/mesos")
        .display()
        .to_string();
    let _work = local_cluster(
        "cpus:1;mem:128",
        &[
            ("MESOS_LAUNCHER_DIR", &launcher),
            ("LIBPROCESS_PORT", &port.to_string()),
            ("MESOS_ALLOCATION_INTERVAL", "100ms"),
            // libmesos retries its registration at random within a backoff that starts at
            // this and doubles: keep the wait after the master comes up short.
            ("MESOS_REGISTRATION_BACKOFF_FACTOR", "1secs"),
        ],
    );
    let master = format!("{}:{port}", Ipv4Addr::LOCALHOST);
    let suppress_after = Duration::from_millis(200);
    let mut manager =
        OfferManager::new(OfferConfig::default().suppress_when_idle(true, suppress_after));
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::builder(framework("slow-registration"), master.clone())
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let created = Instant::now();

    // Nothing answers at the master's address yet: the manager ticks for many times
    // `suppress_after` with nothing pending, before any registration.
    let early = drive(
        &mut events,
        &mut manager,
        &driver,
        Duration::from_millis(1500),
        |_, e| Some(format!("{e:?}")),
    );
    assert!(early.is_empty(), "nothing is there to answer: {early:?}");
    assert_eq!(
        manager.stats().suppress_calls,
        0,
        "suppressed before registering: libmesos would send it with its registration"
    );

    // The master comes up (the local cluster of this process, at the address above).
    let (host_probe, mut host_events) = support::probe();
    let host = SchedulerDriver::builder(framework("host"), "local")
        .suppressed_roles(["*"])
        .build(host_probe)
        .unwrap();
    host.start().unwrap();
    let (_, host_master) = registered(&mut host_events);
    assert_eq!(master_address(&host_master), master);

    // Registered: the framework has work at once (e.g. tasks it learnt of while
    // registering), before the manager's next tick.
    let registered_at = drive_until(
        &mut events,
        &mut manager,
        &driver,
        Duration::from_secs(90),
        "registration",
        |m, e| {
            let SchedulerEvent::Registered { .. } = e else {
                return None;
            };
            let now = Instant::now();
            m.set_pending("*", true, now);
            Some(now)
        },
    );
    let slow = registered_at - created;
    assert!(slow > suppress_after * 5, "registered after {slow:?}");

    // Offers follow.
    let offers = drive_until(
        &mut events,
        &mut manager,
        &driver,
        Duration::from_secs(30),
        "offer after set_pending",
        |_, e| offers_event(e),
    );
    // The manager holds them: the framework can place its work on them.
    let offer = offers[0].clone();
    assert!(manager.held().iter().any(|h| h.offer.id == offer.id));
    let task = mesos::ids::command_task(
        "after-slow-registration",
        "after-slow-registration",
        &offer,
        vec![mesos::resources::cpus(0.1), mesos::resources::mem(16.0)],
        "true",
    );
    manager
        .launch(
            &driver,
            &[offer.id.clone().unwrap()],
            std::slice::from_ref(&task),
            None,
        )
        .unwrap();
    let finished = drive_until(
        &mut events,
        &mut manager,
        &driver,
        Duration::from_secs(60),
        "the task's end",
        |_, e| match e {
            SchedulerEvent::StatusUpdate { status } if status.is_terminal() => Some(status.clone()),
            _ => None,
        },
    );
    assert_eq!(
        finished.state(),
        mesos::types::TaskState::TASK_FINISHED,
        "{finished:?}; the sandbox's stderr: {}",
        sandbox_stderr(_work.path())
    );
    let s = manager.stats();
    let m = metrics(&master, &[SUPPRESSES, REVIVES]);
    eprintln!(
        "registered {slow:?} after the driver started; manager {s:?}; master: suppress {}, revive {}",
        m[0], m[1]
    );
    assert!(s.revive_calls >= 1, "{s:?}");
    driver.stop(false).unwrap();
    host.stop(false).unwrap();
}

#[test]
fn a_driver_call_that_fails_is_not_recorded_as_done() {
    let _work = local_cluster("cpus:1;mem:128", &[("MESOS_ALLOCATION_INTERVAL", "100ms")]);
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::builder(framework("failing-calls"), "local")
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (_, master_info) = registered(&mut events);
    let master = master_address(&master_info);
    let mut manager = OfferManager::new(
        OfferConfig::default().suppress_when_idle(true, Duration::from_millis(100)),
    );
    let t0 = Instant::now();
    manager.registered(t0);
    manager.set_pending("*", false, t0);
    // A handle whose calls fail: a second driver, built but never started.
    let (idle_probe, _idle_events) = support::probe();
    let not_started = SchedulerDriver::builder(framework("never-started"), "127.0.0.1:1")
        .build(idle_probe)
        .unwrap();
    let later = t0 + Duration::from_millis(500);
    assert!(manager.tick(&not_started, later).is_err());
    assert_ne!(
        manager.is_suppressed("*"),
        Some(true),
        "the suppress failed"
    );
    assert_eq!(manager.stats().suppress_calls, 0);
    // With a driver that works, the suppress happens at the next tick.
    manager.tick(&driver, later).unwrap();
    assert_eq!(manager.is_suppressed("*"), Some(true));
    assert_eq!(manager.stats().suppress_calls, 1);
    // A revive that fails is retried (not delayed by the revive interval).
    manager.set_pending("*", true, later);
    assert!(manager.tick(&not_started, later).is_err());
    assert_eq!(manager.stats().revive_calls, 0);
    manager.tick(&driver, later).unwrap();
    assert_eq!(manager.stats().revive_calls, 1);
    assert_eq!(manager.is_suppressed("*"), Some(false));
    // The master saw exactly the calls that worked.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = metrics(&master, &[SUPPRESSES, REVIVES]);
        if m == [1.0, 1.0] {
            break;
        }
        assert!(Instant::now() < deadline, "master counted {m:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // And offers come.
    drive_until(
        &mut events,
        &mut manager,
        &driver,
        Duration::from_secs(30),
        "offer after the revive",
        |_, e| offers_event(e),
    );
    driver.stop(false).unwrap();
}
