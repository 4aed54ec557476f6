//! Bad input through the raw C ABI: typed errors naming what is wrong, never a crash.

mod support;

use mesos_sys::*;
use support::*;

#[test]
fn framework_info_missing_user_and_name_is_rejected_with_the_field_names() {
    let rec = Recorder::default();
    // Only a role (field 6): both required fields are absent.
    let info = Msg::new().str(6, "*").0;
    let (code, type_name, detail) = RawDriver::new(&rec, &info, "local")
        .err()
        .expect("rejected");
    assert_eq!(code, MESOS_SHIM_ERR_MISSING_FIELDS);
    assert_eq!(type_name, "mesos.FrameworkInfo");
    assert_eq!(detail, "user, name");

    // Only `name` missing.
    let info = Msg::new().str(1, "someone").0;
    let (code, _, detail) = RawDriver::new(&rec, &info, "local")
        .err()
        .expect("rejected");
    assert_eq!(code, MESOS_SHIM_ERR_MISSING_FIELDS);
    assert_eq!(detail, "name");
    assert!(rec.events().is_empty(), "no callback ran");
}

#[test]
fn garbage_bytes_are_rejected_not_crashed_on() {
    let rec = Recorder::default();
    for garbage in [
        vec![0xff, 0xff, 0xff, 0xff],
        vec![0x0a, 0x20, b'x'], // length-delimited field running past the end
        vec![0x07],             // wire type 7 does not exist
    ] {
        let (code, type_name, detail) = RawDriver::new(&rec, &garbage, "local")
            .err()
            .expect("rejected");
        assert_eq!(code, MESOS_SHIM_ERR_PARSE, "{garbage:?}");
        assert_eq!(type_name, "mesos.FrameworkInfo");
        assert!(
            detail.contains("not a valid serialized mesos.FrameworkInfo"),
            "{detail}"
        );
    }

    // Empty master string: a typed error, not an abort inside libmesos.
    let info = framework_info("x").0;
    let (code, _, detail) = RawDriver::new(&rec, &info, "").err().expect("rejected");
    assert_eq!(code, MESOS_SHIM_ERR_INVALID_ARGUMENT);
    assert!(detail.contains("master"));

    // The test-support entry point: garbage and unknown types are errors too.
    let mut out = std::ptr::null_mut();
    let mut len = 0usize;
    let mut err = mesos_shim_error::default();
    let bytes = [0xffu8, 0x01];
    // SAFETY: valid pointers for the duration of the call.
    let rc = unsafe {
        mesos_shim_reserialize(
            c"mesos.TaskInfo".as_ptr(),
            mesos_bytes::from_slice(&bytes),
            1,
            &mut out,
            &mut len,
            &mut err,
        )
    };
    assert_eq!(rc, MESOS_SHIM_ERR_PARSE);
    assert_eq!(take_error(&mut err).1, "mesos.TaskInfo");
    // SAFETY: as above.
    let rc = unsafe {
        mesos_shim_reserialize(
            c"mesos.NoSuchThing".as_ptr(),
            mesos_bytes::from_slice(&[]),
            1,
            &mut out,
            &mut len,
            &mut err,
        )
    };
    assert_eq!(rc, MESOS_SHIM_ERR_UNKNOWN_TYPE);
    assert!(take_error(&mut err).2.contains("mesos.NoSuchThing"));
}

#[test]
fn driver_calls_reject_bad_messages_before_libmesos_sees_them() {
    let local = local_driver("validation", "cpus:1;mem:128");
    let (driver, rec) = (&local.driver, &*local.rec);
    let mut err = mesos_shim_error::default();

    // A TaskInfo without name, task_id and slave_id, as the second task of the list.
    let good = Msg::new()
        .str(1, "t")
        .msg(2, &Msg::new().str(1, "t"))
        .msg(3, &Msg::new().str(1, "s"));
    let bad = Msg::new().msg(7, &Msg::new().str(3, "true"));
    let offer = Msg::new().str(1, "o");
    let offers = [mesos_bytes::from_slice(&offer.0)];
    let tasks = [
        mesos_bytes::from_slice(&good.0),
        mesos_bytes::from_slice(&bad.0),
    ];
    // SAFETY: live driver (never started) and arrays valid for the call.
    let rc = unsafe {
        mesos_scheduler_driver_launch_tasks(
            driver.0,
            offers.as_ptr(),
            1,
            tasks.as_ptr(),
            2,
            std::ptr::null(),
            &mut err,
        )
    };
    assert_eq!(rc, MESOS_SHIM_ERR_MISSING_FIELDS);
    assert_eq!((err.argument, err.element), (2, 1));
    let (_, type_name, detail) = take_error(&mut err);
    assert_eq!(type_name, "mesos.TaskInfo");
    assert_eq!(detail, "name, task_id, slave_id");

    // Garbage as an OfferID.
    let garbage = [0x0au8, 0x05, 1];
    // SAFETY: as above.
    let rc = unsafe {
        mesos_scheduler_driver_decline_offer(
            driver.0,
            mesos_bytes::from_slice(&garbage),
            std::ptr::null(),
            &mut err,
        )
    };
    assert_eq!(rc, MESOS_SHIM_ERR_PARSE);
    assert_eq!(take_error(&mut err).1, "mesos.OfferID");

    // A well-formed call on a driver that was never started reaches libmesos, which answers
    // with its status instead of acting.
    // SAFETY: as above.
    let rc = unsafe { mesos_scheduler_driver_revive_offers(driver.0, &mut err) };
    assert_eq!(rc, mesos_sys::status::DRIVER_NOT_STARTED);
    assert!(rec.events().is_empty());
}
