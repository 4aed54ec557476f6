//! Driver lifecycle: authentication, stop with and without failover, a framework in another
//! process, panics in callbacks, and dropping the driver from inside a callback.

mod support;

use std::process::Command;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Error, Scheduler, SchedulerDriver, Status};
use support::*;

#[test]
fn authentication_with_the_right_secret_registers() {
    let _work = auth_cluster();
    let (driver, mut events) = start_authenticated("auth ok", "right");
    let (id, _) = registered(&mut events);
    assert!(!id.value().is_empty());
    assert!(!events
        .log
        .iter()
        .any(|(_, e)| matches!(e, SchedulerEvent::Error { .. })));
    driver.stop(false).unwrap();
}

#[test]
fn authentication_with_a_wrong_secret_errors_and_aborts() {
    let _work = auth_cluster();
    let (probe, mut events) = probe();
    let mut info = framework("auth bad");
    info.set_principal("alice".into());
    let driver = SchedulerDriver::builder(info, "local")
        .credential(credential("wrong"))
        .build(probe)
        .unwrap();
    // run() gives libmesos' reason, the message of its error callback (delivered before).
    let reason = match driver.run() {
        Err(Error::Aborted(reason)) => reason,
        other => panic!("expected Aborted, got {other:?}"),
    };
    assert!(reason.contains("refused authentication"), "{reason}");
    let message = events.wait_for(Duration::ZERO, "error callback", |e| match e {
        SchedulerEvent::Error { message } => Some(message.clone()),
        _ => None,
    });
    assert_eq!(message, reason);
    assert!(!events
        .log
        .iter()
        .any(|(_, e)| matches!(e, SchedulerEvent::Registered { .. })));
}

fn framework_state(state: &str, id: &str) -> Option<String> {
    // The JSON object of framework `id` in /master/state, with the list it is in.
    for list in ["\"completed_frameworks\":", "\"frameworks\":"] {
        let start = state.find(list)? + list.len();
        let section = &state[start..];
        if let Some(pos) = section.find(&format!("\"id\":\"{id}\"")) {
            let end = section.len().min(pos + 400);
            return Some(format!("{list} {}", &section[pos..end]));
        }
    }
    None
}

#[test]
fn stop_without_failover_unregisters_and_with_failover_keeps_the_framework() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (probe, mut host_events) = probe();
    let host = SchedulerDriver::new(probe, framework("host"), "local").unwrap();
    host.start().unwrap();
    let (_, master) = registered(&mut host_events);
    let master = master_address(&master);

    let connect = |name: &str| {
        let (probe, mut events) = support::probe();
        let mut info = framework(name);
        info.set_failover_timeout(3600.0);
        let d = SchedulerDriver::new(probe, info, master.clone()).unwrap();
        d.start().unwrap();
        let (id, _) = registered(&mut events);
        (d, id.value().to_owned())
    };
    let (keeper, keeper_id) = connect("failover");
    let (quitter, quitter_id) = connect("quitter");

    assert_eq!(keeper.stop(true).unwrap(), Status::DRIVER_STOPPED);
    assert_eq!(quitter.stop(false).unwrap(), Status::DRIVER_STOPPED);
    // The master hears of both in its own time.
    let mut state = String::new();
    wait_until("one framework disconnected, the other completed", || {
        state = http_get(&master, "/master/state");
        framework_state(&state, &keeper_id).is_some_and(|k| k.contains("\"active\":false"))
            && framework_state(&state, &quitter_id)
                .is_some_and(|q| q.starts_with("\"completed_frameworks\":"))
    });
    let kept = framework_state(&state, &keeper_id).expect("failover framework known");
    assert!(kept.starts_with("\"frameworks\":"), "{kept}");
    assert!(kept.contains("\"active\":false"), "{kept}");
    let gone = framework_state(&state, &quitter_id).expect("stopped framework known");
    assert!(gone.starts_with("\"completed_frameworks\":"), "{gone}");
    host.stop(false).unwrap();
}

/// The child half of `second_framework_in_another_process`, run when this test binary is
/// re-executed with MESOS_RS_CHILD_MASTER: registers with that master, prints its framework
/// ID and unregisters.
fn child_process_framework(master: String) {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("child"), master).unwrap();
    driver.start().unwrap();
    let (id, _) = registered(&mut events);
    let offers = next_offers(&mut events);
    println!("CHILD_FRAMEWORK_ID={} OFFERS={}", id.value(), offers.len());
    driver.stop(false).unwrap();
}

#[test]
fn second_framework_in_another_process_uses_this_process_master() {
    if let Ok(master) = std::env::var("MESOS_RS_CHILD_MASTER") {
        return child_process_framework(master);
    }
    let _work = local_cluster("cpus:2;mem:256", &[]);
    let (probe, mut events) = probe();
    let host = SchedulerDriver::new(probe, framework("host"), "local").unwrap();
    host.start().unwrap();
    let (_, master) = registered(&mut events);
    let master = master_address(&master);
    // Leave resources to the child.
    let offers = next_offers(&mut events);
    decline_all(&host, &offers, 3600.0);

    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "second_framework_in_another_process_uses_this_process_master",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MESOS_RS_CHILD_MASTER", &master)
        .env_remove("MESOS_WORK_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("CHILD_FRAMEWORK_ID="))
        .expect("child printed its framework id");
    assert!(stdout.contains("OFFERS=1"), "{stdout}");
    // The child's teardown may still be on its way when the child has exited (libprocess
    // sends asynchronously); its closed connection then ends it too (failover timeout 0).
    // Either way the master ends the framework: it is among the completed ones soon.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let state = http_get(&master, "/master/state");
        let child =
            framework_state(&state, id).expect("the child's framework is known to this master");
        if child.starts_with("\"completed_frameworks\":") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{child}");
        std::thread::sleep(Duration::from_millis(100));
    }
    host.stop(false).unwrap();
}

struct Panicky {
    after: Sender<&'static str>,
}

impl Scheduler for Panicky {
    fn registered(&mut self, _: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        panic!("boom in registered");
    }
    fn resource_offers(&mut self, _: &SchedulerDriver, _: &[Offer]) {
        let _ = self.after.send("offers delivered after a panic");
    }
}

#[test]
fn a_panicking_callback_aborts_the_driver_and_run_reports_it() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (tx, rx) = channel();
    let driver = SchedulerDriver::new(Panicky { after: tx }, framework("panic"), "local").unwrap();
    match driver.run() {
        Err(Error::CallbackPanicked(msg)) => assert_eq!(msg, "boom in registered"),
        other => panic!("expected CallbackPanicked, got {other:?}"),
    }
    // The driver is aborted in libmesos and no further callback ran.
    assert_eq!(driver.abort().unwrap(), Status::DRIVER_ABORTED);
    assert!(rx.try_recv().is_err());
    assert!(matches!(driver.join(), Err(Error::CallbackPanicked(_))));
}

/// Drops the only handle of its own driver from inside `resource_offers`.
struct SelfDropping {
    handle: Arc<Mutex<Option<SchedulerDriver>>>,
    dropped: Sender<&'static str>,
}

impl Scheduler for SelfDropping {
    fn resource_offers(&mut self, _: &SchedulerDriver, _: &[Offer]) {
        let taken = self.handle.lock().unwrap().take();
        drop(taken);
        let _ = self.dropped.send("callback returned");
    }
}

impl Drop for SelfDropping {
    fn drop(&mut self) {
        let _ = self.dropped.send("scheduler dropped");
    }
}

#[test]
fn dropping_the_driver_inside_a_callback_frees_it_cleanly() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (tx, rx) = channel();
    let slot = Arc::new(Mutex::new(None));
    let driver = SchedulerDriver::new(
        SelfDropping {
            handle: slot.clone(),
            dropped: tx,
        },
        framework("self drop"),
        "local",
    )
    .unwrap();
    driver.start().unwrap();
    *slot.lock().unwrap() = Some(driver); // the test keeps no handle of its own
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        "callback returned"
    );
    // The driver (and with it the scheduler) is freed once the callback returns.
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        "scheduler dropped"
    );

    // libmesos let go of the local cluster: a new one starts in the same process.
    let work = tempfile::tempdir().unwrap();
    std::env::set_var("MESOS_WORK_DIR", work.path());
    let (probe, mut events) = probe();
    let again = SchedulerDriver::new(probe, framework("after drop"), "local").unwrap();
    again.start().unwrap();
    registered(&mut events);
    again.stop(false).unwrap();
}
