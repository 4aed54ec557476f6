//! FrameworkID persistence across scheduler processes: a scheduler killed and started again
//! with the same `FileStore` comes back as the same framework with its tasks; after its
//! failover timeout the master has removed the framework, and the restarted scheduler clears
//! the store and registers afresh.
//!
//! The master is a local cluster hosted by a child process; each scheduler is a child too, so
//! that it can be killed with SIGKILL. While a scheduler runs, its store's lock keeps a second
//! copy from using the same file.
//!
//! And an ID that cannot be saved stops the framework, loudly.

mod support;

use std::time::{Duration, Instant};

use mesos::framework_id::{FileStore, FileStoreError, FrameworkIdStore};
use mesos::scheduler::SchedulerEvent;
use mesos::SchedulerDriver;
use support::hosted::{self, host_master, RoleChild};
use support::*;

const TEST: &str = "a_restarted_scheduler_keeps_its_framework_until_the_failover_timeout";
const MASTER_VAR: &str = "MESOS_RS_TEST_MASTER";
const STORE_VAR: &str = "MESOS_RS_TEST_STORE";
const LAUNCH_VAR: &str = "MESOS_RS_TEST_LAUNCH";
/// The frameworks' failover timeout.
/// Long enough for a new scheduler process to start and register on a loaded machine.
const FAILOVER: Duration = Duration::from_secs(15);

/// A scheduler process: registers through a `FileStore`, optionally launches a task whose
/// update it never acknowledges (so the master keeps the task), reports, and waits to be
/// killed.
fn scheduler_role() {
    let master = std::env::var(MASTER_VAR).unwrap();
    let store = FileStore::new(std::env::var(STORE_VAR).unwrap()).unwrap();
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_LOGGING_LEVEL", "WARNING");
    std::env::set_var("GLOG_minloglevel", "1");
    let (probe, mut events) = probe();
    let mut info = framework("persistent");
    info.set_failover_timeout(FAILOVER.as_secs_f64());
    let driver = SchedulerDriver::builder(info, master)
        .implicit_acknowledgements(false)
        .framework_id_store(store.clone())
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let id = events.wait_for(Duration::from_secs(60), "registration", |e| match e {
        SchedulerEvent::Registered { framework_id, .. } => Some(framework_id.value().to_owned()),
        SchedulerEvent::Error { message } => panic!("error: {message}"),
        _ => None,
    });
    // The store holds the ID by the time `registered` runs.
    assert_eq!(store.load().unwrap().unwrap().value(), id);
    println!("REGISTERED {id}");
    if std::env::var_os(LAUNCH_VAR).is_some() {
        let offer = next_offers(&mut events).remove(0);
        driver
            .launch_tasks(
                &[offer.id.clone().unwrap()],
                &[task("kept-1", &offer, 0.5, "true")],
                None,
            )
            .unwrap();
        let s = next_update(&mut events, "the task's update", |s| {
            s.task_id.value() == "kept-1"
        });
        println!("TASK {:?}", s.state());
    }
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    std::process::exit(0);
}

/// The framework's entry in `/master/frameworks` (active ones first, then completed).
fn framework_entry(master: &str, id: &str) -> Option<String> {
    let body = http_get(master, "/master/frameworks");
    let at = body.find(&format!("{{\"id\":\"{id}\""))?;
    let completed = body
        .find("\"completed_frameworks\"")
        .is_some_and(|c| c < at);
    let rest = &body[at..];
    let end = rest.find("\"offer_constraints\"").unwrap_or(rest.len());
    Some(format!(
        "{}{}",
        if completed { "completed " } else { "" },
        &rest[..end]
    ))
}

fn wait_entry(master: &str, id: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let entry = framework_entry(master, id);
        if let Some(e) = &entry {
            if pred(e) {
                return e.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "framework {id} not {what}: {entry:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_restarted_scheduler_keeps_its_framework_until_the_failover_timeout() {
    if hosted::play(&[("scheduler", scheduler_role)]) {
        return;
    }
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("framework-id");
    let host = host_master(TEST, hosted::free_port(), Duration::from_secs(60));
    let master = host.address.clone();
    let env = |launch: bool| {
        let mut env = vec![
            (MASTER_VAR, master.clone()),
            (STORE_VAR, path.display().to_string()),
        ];
        if launch {
            env.push((LAUNCH_VAR, "1".into()));
        }
        env
    };

    // A registers (fresh: the store is empty), launches a task, and is killed.
    let mut a = RoleChild::spawn(TEST, "scheduler", &env(true));
    let id = a
        .wait_line("REGISTERED", Duration::from_secs(60))
        .unwrap_or_else(|| panic!("A: {:?}", a.seen));
    a.wait_line("TASK", Duration::from_secs(60))
        .unwrap_or_else(|| panic!("A launched nothing: {:?}", a.seen));
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), id);
    // A second copy of the scheduler (here: this process) cannot use A's file.
    match FileStore::new(&path) {
        Err(FileStoreError::InUse { holder, .. }) => assert_eq!(holder, Some(a.pid())),
        other => panic!("a second store on A's file: {other:?}"),
    }
    a.kill();
    wait_entry(&master, &id, "disconnected", |e| {
        e.contains("\"active\":false")
    });

    // B, started with the same store within the failover timeout, is the same framework,
    // and the master gives it A's task.
    let mut b = RoleChild::spawn(TEST, "scheduler", &env(false));
    let again = b
        .wait_line("REGISTERED", Duration::from_secs(60))
        .unwrap_or_else(|| panic!("B: {:?}", b.seen));
    assert_eq!(again, id, "B registered as A's framework");
    let entry = wait_entry(&master, &id, "active again", |e| {
        e.contains("\"active\":true")
    });
    assert!(
        entry.contains("\"id\":\"kept-1\""),
        "A's task is B's: {entry}"
    );
    let took_over = t0.elapsed();
    b.kill();

    // Past the failover timeout the master removes the framework (and kills its task) ...
    let removed = wait_entry(&master, &id, "removed", |e| e.starts_with("completed "));
    assert!(!removed.contains("\"active\":true"), "{removed}");
    // ... and C, started with the same store, is told so, clears it and starts fresh.
    let mut c = RoleChild::spawn(TEST, "scheduler", &env(false));
    let fresh = c
        .wait_line("REGISTERED", Duration::from_secs(60))
        .unwrap_or_else(|| panic!("C: {:?}", c.seen));
    assert_ne!(fresh, id, "C is a new framework");
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), fresh);
    wait_entry(&master, &fresh, "active", |e| e.contains("\"active\":true"));
    c.kill();
    eprintln!(
        "took over after {took_over:?}; fresh registration after {:?}",
        t0.elapsed()
    );
}

#[test]
fn an_id_that_cannot_be_saved_aborts_the_driver_and_says_why() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("state");
    std::fs::create_dir(&sub).unwrap();
    let path = sub.join("framework-id");
    let store = FileStore::new(&path).unwrap();
    // The directory goes away after the store was made (an operator, a cleanup job).
    std::fs::remove_dir_all(&sub).unwrap();
    let (probe, mut events) = probe();
    let mut info = framework("unsaved");
    info.set_failover_timeout(60.0);
    let driver = SchedulerDriver::builder(info, "local")
        .framework_id_store(store)
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (id, master) = registered(&mut events);
    let message = events.wait_for(Duration::from_secs(30), "the error", |e| match e {
        SchedulerEvent::Error { message } => Some(message.clone()),
        _ => None,
    });
    assert!(message.contains(id.value()), "names the ID: {message}");
    assert!(
        message.contains(&path.display().to_string()),
        "names the file: {message}"
    );
    match driver.join() {
        Err(mesos::Error::Aborted(m)) => assert_eq!(m, message),
        other => panic!("join gave {other:?}"),
    }
    // The master was told: the framework is inactive (its tasks wait for a failover).
    let master = master_address(&master);
    wait_entry(&master, id.value(), "deactivated", |e| {
        e.contains("\"active\":false")
    });
}
