//! The raw C ABI against libmesos' in-process local cluster: register, get offers, launch a
//! task, see its terminal status update. Run one test per process (cargo nextest does).

mod support;

use std::time::Duration;

use mesos_sys::*;
use support::*;

/// Terminal TaskState numbers: FINISHED, FAILED, KILLED, LOST, ERROR, DROPPED, GONE, GONE_BY_OPERATOR.
const TERMINAL: &[u64] = &[2, 3, 4, 5, 7, 9, 11, 12];

#[test]
fn registers_gets_offers_launches_and_sees_terminal_update() {
    let local = local_driver("mesos-sys raw ABI test", "cpus:2;mem:512;disk:1024");
    let (driver, rec) = (&local.driver, &*local.rec);
    let mut err = mesos_shim_error::default();
    let (framework_id, master) = local.start_and_register();
    let id = String::from_utf8(get_bytes(&framework_id, 1).unwrap()).unwrap();
    assert!(!id.is_empty(), "FrameworkID.value is set");
    // MasterInfo.port (field 3) is the local master's libprocess port.
    assert!(get_varint(&master, 3).unwrap() > 0);

    let offer = rec.wait_for(Duration::from_secs(30), "an offer", |e| match e {
        Event::Offers(o) if !o.is_empty() => Some(o[0].clone()),
        _ => None,
    });
    // Offer.framework_id (2) is ours; its resources (5) are what the agent was given.
    assert_eq!(
        get_bytes(&get_bytes(&offer, 2).unwrap(), 1).unwrap(),
        id.as_bytes()
    );
    let cpus = get_all_bytes(&offer, 5)
        .into_iter()
        .find(|r| get_bytes(r, 1).as_deref() == Some(b"cpus".as_slice()))
        .expect("cpus resource offered");
    assert_eq!(get_double(&get_bytes(&cpus, 3).unwrap(), 1), Some(2.0));

    let offer_id = get_bytes(&offer, 1).unwrap();
    let slave_id = get_bytes(&offer, 3).unwrap();
    let task = Msg::new()
        .str(1, "raw-task")
        .msg(2, &Msg::new().str(1, "raw-task-1"))
        .bytes(3, &slave_id)
        .msg(
            4,
            &Msg::new()
                .str(1, "cpus")
                .uint(2, 0)
                .msg(3, &Msg::new().double(1, 1.0)),
        )
        .msg(7, &Msg::new().str(3, "true"));
    let offers = [mesos_bytes::from_slice(&offer_id)];
    let tasks = [mesos_bytes::from_slice(&task.0)];
    // SAFETY: the arrays live across the call; driver.0 is live.
    let status = unsafe {
        mesos_scheduler_driver_launch_tasks(
            driver.0,
            offers.as_ptr(),
            1,
            tasks.as_ptr(),
            1,
            std::ptr::null(),
            &mut err,
        )
    };
    assert_eq!(
        status,
        mesos_sys::status::DRIVER_RUNNING,
        "{:?}",
        take_error(&mut err)
    );

    let (state, task_id) =
        rec.wait_for(Duration::from_secs(60), "a terminal update", |e| match e {
            Event::Status(s) => {
                let state = get_varint(s, 2).unwrap_or(0);
                TERMINAL
                    .contains(&state)
                    .then(|| (state, get_bytes(&get_bytes(s, 1).unwrap(), 1).unwrap()))
            }
            _ => None,
        });
    assert_eq!(task_id, b"raw-task-1");
    // The task (`true`) really ran: TASK_FINISHED.
    assert_eq!(state, 2, "terminal state of raw-task-1");

    // SAFETY: as above.
    let status = unsafe { mesos_scheduler_driver_stop(driver.0, 0, &mut err) };
    assert_eq!(status, mesos_sys::status::DRIVER_STOPPED);
    drop(local);
}
