//! Process-wide networking through `mesos::process`, the liveness check for `host:port`
//! masters, and the diagnosis of a registration that does not happen.
//!
//! The master is a local cluster hosted by a child process (`support::hosted`), so that it
//! can be paused (SIGSTOP) or be absent without touching the framework under test.

mod support;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use mesos::liveness::Liveness;
use mesos::process::{self, ProcessConfig};
use mesos::scheduler::SchedulerEvent;
use mesos::{Error, SchedulerDriver, Status};
use support::hosted::{self, host_master};
use support::*;

fn quiet() {
    std::env::set_var("MESOS_LOGGING_LEVEL", "WARNING");
    std::env::set_var("GLOG_minloglevel", "1");
}

/// The `pid`s of the frameworks a master knows (where it sends their messages).
fn framework_pids(master: &str) -> Vec<String> {
    let body = http_get(master, "/master/frameworks");
    body.split("\"pid\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|p| p.starts_with("scheduler"))
        .map(str::to_owned)
        .collect()
}

const PROCESS_TEST: &str = "process_settings_are_what_libprocess_runs_with_and_cannot_change_later";

#[test]
fn process_settings_are_what_libprocess_runs_with_and_cannot_change_later() {
    if hosted::play(&[]) {
        return;
    }
    quiet();
    let host = host_master(PROCESS_TEST, hosted::free_port(), Duration::from_secs(60));
    let port = hosted::free_port();
    assert_eq!(process::started(), None, "no driver yet");
    let config = ProcessConfig::new()
        .ip(Ipv4Addr::LOCALHOST)
        .port(port)
        .worker_threads(2);
    // The test harness runs threads: the checked form refuses to touch the environment.
    assert!(matches!(
        config.apply(),
        Err(Error::ThreadsRunning { threads: Some(n) }) if n > 1
    ));
    // SAFETY: one test per process (nextest); no other thread uses the environment now.
    unsafe { config.apply_unchecked() }.unwrap();

    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("process"), host.address.clone()).unwrap();
    driver.start().unwrap();
    registered(&mut events);
    // The master sends to the address and port given.
    let pids = framework_pids(&host.address);
    assert!(
        pids.iter()
            .any(|p| p.ends_with(&format!("@127.0.0.1:{port}"))),
        "{pids:?}"
    );
    // libprocess runs with them; the same values again are fine, others are refused.
    let started = process::started().expect("recorded when the driver started libprocess");
    assert_eq!(started.get_port(), Some(port));
    assert_eq!(config.apply(), Ok(()));
    assert_eq!(
        ProcessConfig::new().port(port + 1).apply(),
        Err(Error::ProcessAlreadyStarted {
            variable: process::PORT,
            running: Some(port.to_string()),
            requested: (port + 1).to_string(),
        })
    );
    let e = ProcessConfig::new()
        .advertise_ip(Ipv4Addr::new(192, 0, 2, 1))
        .apply()
        .unwrap_err();
    assert!(
        e.to_string().contains("LIBPROCESS_ADVERTISE_IP unset"),
        "{e}"
    );
    // The environment was not touched by the refused calls.
    assert_eq!(std::env::var(process::PORT).unwrap(), port.to_string());
    assert!(std::env::var_os(process::ADVERTISE_IP).is_none());
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}

const LIVENESS_TEST: &str = "liveness_reports_a_silent_master_and_its_return";

#[test]
fn liveness_reports_a_silent_master_and_its_return() {
    if hosted::play(&[]) {
        return;
    }
    quiet();
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    let host = host_master(LIVENESS_TEST, hosted::free_port(), Duration::from_secs(60));
    // Many probes per silence, so that a loaded machine's late answer is no silence.
    let liveness = Liveness::new(Duration::from_millis(200), Duration::from_secs(3)).unwrap();
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::builder(framework("liveness"), host.address.clone())
        .liveness(liveness)
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (_, master_info) = registered(&mut events);
    let before = metric(&host.address, "master/messages_reconcile_tasks");

    // While the master answers: probes go out, nothing reaches the scheduler but offers.
    let seen = events.during(Duration::from_secs(2), |e| match e {
        SchedulerEvent::ResourceOffers { .. } => None,
        other => Some(format!("{other:?}")),
    });
    assert!(seen.is_empty(), "unexpected events: {seen:#?}");
    let after = metric(&host.address, "master/messages_reconcile_tasks");
    assert!(after >= before + 3.0, "probes sent: {before} -> {after}");

    // The master stops answering (its process is paused): disconnected after the silence.
    let pid = host.child.pid();
    // SAFETY: kill has no memory preconditions; pid is our child.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGSTOP) }, 0);
    let paused = Instant::now();
    events.wait_for(Duration::from_secs(10), "disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected).then_some(())
    });
    let noticed = paused.elapsed();
    assert!(
        noticed >= liveness.silence() / 2,
        "noticed after {noticed:?}"
    );

    // It answers again: reregistered, with the master registered with.
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGCONT) }, 0);
    let again = events.wait_for(Duration::from_secs(10), "reregistered", |e| match e {
        SchedulerEvent::Reregistered { master_info } => Some(master_info.clone()),
        _ => None,
    });
    assert_eq!(again.id(), master_info.id());
    // No probe answer ever reached the scheduler.
    assert!(!events.log.iter().any(|(_, e)| matches!(e,
        SchedulerEvent::StatusUpdate { status } if status.task_id.value().starts_with("mesos-rs-liveness"))));
    eprintln!("disconnected {noticed:?} after the master was paused");
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}

#[test]
fn a_registration_timeout_says_which_master_was_tried_and_what_was_advertised() {
    quiet();
    let port = hosted::free_port();
    let config = ProcessConfig::new()
        .ip(Ipv4Addr::LOCALHOST)
        .port(hosted::free_port());
    // SAFETY: one test per process (nextest); no other thread uses the environment now.
    unsafe { config.apply_unchecked() }.unwrap();
    // Nothing listens at the master's address.
    let master = format!("127.0.0.1:{port}");
    let (probe, _events) = probe();
    let driver = SchedulerDriver::builder(framework("unheard"), master.clone())
        .registration_timeout(Duration::from_secs(2))
        .build(probe)
        .unwrap();
    let e = driver.run().unwrap_err();
    let Error::RegistrationTimeout { master: m, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(m, &master);
    let text = e.to_string();
    assert!(text.contains(&master), "{text}");
    assert!(
        text.contains("127.0.0.1 (LIBPROCESS_IP)"),
        "names the advertised address: {text}"
    );
    assert!(
        text.contains("LIBPROCESS_ADVERTISE_IP"),
        "suggests the fix: {text}"
    );
}
