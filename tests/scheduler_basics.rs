//! The scheduler driver against libmesos' in-process local cluster: registration, offers,
//! launches, kills, status updates. One cluster per test process (run with cargo nextest).

mod support;

use std::time::Duration;

use mesos::types::*;
use mesos::{Error, SchedulerDriver, Status};
use support::cluster::Framework;
use support::*;

#[test]
fn registers_and_gets_a_framework_id() {
    let _work = local_cluster("cpus:2;mem:256", &[]);
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("registration"), "local").unwrap();
    assert_eq!(driver.start().unwrap(), Status::DRIVER_RUNNING);
    let (id, master) = registered(&mut events);
    assert!(!id.value().is_empty());
    assert!(master.port() > 0);
    // The master knows the framework under that ID.
    let state = http_get(&master_address(&master), "/master/state");
    assert!(
        state.contains(id.value()),
        "framework {} not in master state",
        id.value()
    );
    assert!(state.contains("\"name\":\"registration\""));
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    assert_eq!(driver.join().unwrap(), Status::DRIVER_STOPPED);
}

#[test]
fn offers_carry_the_configured_resources() {
    let _work = local_cluster("cpus:3;mem:777;disk:1234", &[]);
    let Framework { driver, mut events } = Framework::start("offers");
    let (id, _) = registered(&mut events);
    let offers = next_offers(&mut events);
    let o = &offers[0];
    assert_eq!(o.framework_id.value(), id.value());
    assert_eq!(scalar(o, "cpus"), 3.0);
    assert_eq!(scalar(o, "mem"), 777.0);
    assert_eq!(scalar(o, "disk"), 1234.0);
    assert!(!o.hostname().is_empty());
    driver.stop(false).unwrap();
}

#[test]
fn launched_task_reaches_a_terminal_state() {
    let _work = local_cluster("cpus:2;mem:256", &[]);
    let Framework { driver, mut events } = Framework::start("launch");
    let offer = next_offers(&mut events).remove(0);
    let t = task("t-1", &offer, 1.0, "true");
    launch(&driver, &offer, &[t]);
    let update = next_update(&mut events, "terminal update of t-1", |s| {
        s.task_id.value() == "t-1" && s.is_terminal()
    });
    assert_eq!(update.slave_id.value(), offer.slave_id.value());
    assert!(update.has_uuid(), "agent updates carry a uuid");
    driver.stop(false).unwrap();
}

#[test]
fn kill_task_yields_a_terminal_update_for_that_task() {
    let _work = local_cluster("cpus:2;mem:256", &[]);
    let Framework { driver, mut events } = Framework::start("kill");
    let offer = next_offers(&mut events).remove(0);
    let t = task("doomed", &offer, 1.0, "sleep 1000");
    launch(&driver, &offer, &[t]);
    driver.kill_task(&tid("doomed")).unwrap();
    let update = next_update(&mut events, "terminal update of the killed task", |s| {
        s.task_id.value() == "doomed" && s.is_terminal()
    });
    assert_eq!(
        update.state(),
        TaskState::TASK_KILLED,
        "{}",
        update.message()
    );
    // Killing a task the master has never heard of is answered too.
    driver.kill_task(&tid("never-launched")).unwrap();
    let unknown = next_update(&mut events, "update for an unknown task", |s| {
        s.task_id.value() == "never-launched"
    });
    assert!(unknown.is_terminal() || unknown.state() == TaskState::TASK_UNKNOWN);
    driver.stop(false).unwrap();
}

#[test]
fn calls_on_a_driver_that_is_not_running_say_so() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (probe, _events) = probe();
    let driver = SchedulerDriver::new(probe, framework("not running"), "local").unwrap();
    assert_eq!(
        driver.revive_offers(),
        Err(Error::NotRunning(Status::DRIVER_NOT_STARTED))
    );
    // Bad messages are rejected with the missing fields named, before libmesos sees them.
    let err = driver
        .launch_tasks(&[oid("o")], &[TaskInfo::new()], None)
        .unwrap_err();
    match err {
        Error::MissingFields {
            type_name,
            element,
            fields,
            ..
        } => {
            assert_eq!(type_name, "mesos.TaskInfo");
            assert_eq!(element, Some(0));
            assert_eq!(fields, ["name", "task_id", "slave_id"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut info = FrameworkInfo::new();
    info.set_name("no user".into());
    let (probe, _e) = support::probe();
    let err = SchedulerDriver::new(probe, info, "local").unwrap_err();
    assert_eq!(
        err.to_string(),
        "mesos.FrameworkInfo (parameter `framework`, position 0) is missing required fields: user"
    );
    let (probe, _e) = support::probe();
    assert!(matches!(
        SchedulerDriver::new(probe, framework("x"), ""),
        Err(Error::InvalidArgument(_))
    ));
    let _ = Duration::ZERO;
}
