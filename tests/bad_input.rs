//! Bad input at every public entry point of the safe crate: each case ends in a typed
//! [`Error`] naming what is wrong, or in libmesos' documented behaviour, never in a crash.
//! docs/reliability.md has the table of what is tried here.
//!
//! Each test runs in its own process (nextest); none starts a local cluster, drivers that
//! need a master point at one that is not there.

mod support;

use std::sync::mpsc::channel;
use std::time::Duration;

use mesos::executor::{ExecutorEvent, ExecutorHarness};
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Error, Executor, ExecutorDriver, SchedulerDriver, Status};
use protobuf::{EnumOrUnknown, Message, UnknownValueRef};
use support::*;

/// A port on the loopback interface where no master listens.
const UNREACHABLE: &str = "127.0.0.1:1";

/// A driver that was never started (calls are validated, then libmesos answers
/// `DRIVER_NOT_STARTED` without acting).
fn idle_driver(implicit_acks: bool) -> (SchedulerDriver, Events) {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    let (p, events) = probe();
    let d = SchedulerDriver::builder(framework("bad-input"), UNREACHABLE)
        .implicit_acknowledgements(implicit_acks)
        .build(p)
        .expect("driver");
    (d, events)
}

/// A complete TaskInfo (name, id, agent, one cpu resource, a command).
fn good_task(name: &str) -> TaskInfo {
    let mut offer = Offer::new();
    offer.slave_id = Some(mesos::ids::slave_id("s")).into();
    task(name, &offer, 0.1, "true")
}

/// What a `MissingFields` error names: message type, the Rust parameter (name and
/// position), the list element, the fields.
type Missing = (
    String,
    Option<&'static str>,
    Option<u32>,
    Option<usize>,
    Vec<String>,
);

fn missing(r: mesos::Result<impl std::fmt::Debug>) -> Missing {
    match r {
        Err(Error::MissingFields {
            type_name,
            argument,
            parameter,
            element,
            fields,
        }) => (type_name, parameter, argument, element, fields),
        other => panic!("expected MissingFields, got {other:?}"),
    }
}

/// What `acknowledge_status_update` says is missing from `status`, given a uuid and an
/// agent so that it needs acknowledging.
fn missing_in_acknowledgement(d: &SchedulerDriver, mut status: TaskStatus) -> Missing {
    status.set_uuid(vec![1; 16]);
    status.slave_id = Some(mesos::ids::slave_id("s")).into();
    missing(d.acknowledge_status_update(&status))
}

/// What an empty FrameworkInfo lacks.
fn framework_without_user_and_name() -> Missing {
    expected(
        "mesos.FrameworkInfo",
        Some("framework"),
        Some(0),
        None,
        &["user", "name"],
    )
}

/// The `Missing` a test expects.
fn expected(
    type_name: &str,
    parameter: Option<&'static str>,
    argument: Option<u32>,
    element: Option<usize>,
    fields: &[&str],
) -> Missing {
    (type_name.into(), parameter, argument, element, strs(fields))
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn framework_info_without_required_fields_is_rejected_naming_them() {
    let (p, _events) = probe();
    let r = SchedulerDriver::builder(FrameworkInfo::new(), UNREACHABLE).build(p);
    assert_eq!(missing(r), framework_without_user_and_name());

    // A nested required field: a capability is fine, a role-less... label without key is not.
    let mut info = framework("x");
    info.labels
        .mut_or_insert_default()
        .labels
        .push(Label::new());
    let (p, _events) = probe();
    let r = SchedulerDriver::new(p, info, UNREACHABLE);
    assert_eq!(
        missing(r).4,
        strs(&["labels.labels[0].key"]),
        "nested missing fields are named by path"
    );

    // A credential without its principal.
    let (p, _events) = probe();
    let r = SchedulerDriver::builder(framework("x"), UNREACHABLE)
        .credential(Credential::new())
        .build(p);
    assert_eq!(
        missing(r),
        expected(
            "mesos.Credential",
            Some("credential"),
            None,
            None,
            &["principal"]
        )
    );
}

#[test]
fn empty_master_or_one_with_a_nul_byte_is_an_invalid_argument() {
    let (p, _events) = probe();
    match SchedulerDriver::new(p, framework("x"), "") {
        Err(Error::InvalidArgument(why)) => assert!(why.contains("master"), "{why}"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    // libmesos would read only up to the NUL (here: a master on port 5050).
    let (p, _events) = probe();
    match SchedulerDriver::new(p, framework("x"), "127.0.0.1:5050\0trailing") {
        Err(Error::InvalidArgument(why)) => assert!(why.contains("NUL"), "{why}"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn unreachable_master_runs_without_registering_and_stops_cleanly() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    let (p, mut events) = probe();
    let d = SchedulerDriver::new(p, framework("unreachable"), UNREACHABLE).unwrap();
    assert_eq!(d.start().unwrap(), Status::DRIVER_RUNNING);
    // libmesos keeps trying to reach the master: no callback at all, neither registered nor
    // error, for as long as we watch.
    let seen = events.during(Duration::from_secs(5), |e| Some(format!("{e:?}")));
    assert!(seen.is_empty(), "no callback expected, got {seen:?}");
    // Calls are accepted while running (libmesos queues or drops them without a master).
    d.revive_offers().unwrap();
    assert_eq!(d.stop(false).unwrap(), Status::DRIVER_STOPPED);
    assert_eq!(d.join().unwrap(), Status::DRIVER_STOPPED);
}

/// Master strings that are none of the forms libmesos reads are refused when the driver is
/// built, naming what is wrong: libmesos would read `127.0.0.1:505O` as port 505 and retry
/// for ever, and fail `locla` only when started.
#[test]
fn malformed_master_strings_are_invalid_arguments() {
    for (master, says) in [
        ("127.0.0.1:505O", "port \"505O\""),
        ("127.0.0.1:0", "port \"0\""),
        ("127.0.0.1:65536", "port \"65536\""),
        ("locla", "none of"),
        ("not a master", "none of"),
        ("master@", "none of"),
        (":", "not a host"),
        (" 10.0.0.1:5050", "not a host"),
    ] {
        let (p, mut events) = probe();
        match SchedulerDriver::new(p, framework("malformed"), master) {
            Err(Error::InvalidArgument(why)) => {
                assert!(why.contains(says), "{master:?}: {why}");
                assert!(why.contains(&format!("{master:?}")), "{master:?}: {why}");
            }
            other => panic!("{master:?}: expected InvalidArgument, got {other:?}"),
        }
        assert!(events
            .during(Duration::from_millis(50), |_| Some(()))
            .is_empty());
    }
}

/// `"local"` without a work directory would use libmesos' default, shared by every run: the
/// second run's agent fails to recover from it and ends the whole process. Refused instead.
#[test]
fn local_master_without_a_work_directory_is_refused() {
    std::env::remove_var("MESOS_WORK_DIR");
    let (p, _events) = probe();
    match SchedulerDriver::new(p, framework("local without work dir"), "local") {
        Err(Error::InvalidArgument(why)) => {
            assert!(why.contains("LocalCluster"), "{why}");
            assert!(why.contains("MESOS_WORK_DIR"), "{why}");
        }
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

/// Masters libmesos cannot use, although well formed: it accepts them when the driver is
/// built, then `start` aborts the driver after an `error` callback naming the master. That
/// reason reaches `start`/`run`/`join` (so `driver.run()?` reports it), and the callback has
/// run by the time `start` returns. Stopping and joining such a driver afterwards must not
/// crash (libmesos' own join() fails a CHECK in that state; the shim answers instead).
#[test]
fn masters_libmesos_cannot_use_abort_start_with_libmesos_reason() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("master");
    std::fs::write(&file, "locla\n").unwrap();
    let from_file = format!("file://{}", file.display());
    for (master, reason) in [
        ("zk://", "Failed to create a master detector for 'zk://'"),
        (
            "zk://host-without-path:2181",
            "Failed to create a master detector for 'zk://host-without-path:2181'",
        ),
        (
            "file:///nonexistent/mesos-master-file",
            "Failed to read from file at '/nonexistent/mesos-master-file'",
        ),
        // The file holds a master libmesos cannot parse: its own words reach the caller.
        (from_file.as_str(), "Failed to parse 'locla'"),
    ] {
        let (p, mut events) = probe();
        let d = SchedulerDriver::new(p, framework("unusable"), master)
            .unwrap_or_else(|e| panic!("{master:?}: the driver is built, got {e}"));
        let message = match d.start() {
            Err(Error::Aborted(message)) => message,
            other => panic!("{master:?}: expected Aborted, got {other:?}"),
        };
        assert!(message.contains(reason), "{master:?}: {message}");
        // Delivered before start returned: no waiting here.
        let delivered = events.wait_for(Duration::ZERO, "error callback", |e| match e {
            SchedulerEvent::Error { message } => Some(message.clone()),
            _ => None,
        });
        assert_eq!(delivered, message);
        // Calls on the aborted driver are refused with its status.
        assert_eq!(
            d.kill_task(&tid("t")),
            Err(Error::NotRunning(Status::DRIVER_ABORTED))
        );
        assert_eq!(d.stop(false).unwrap(), Status::DRIVER_ABORTED, "{master:?}");
        assert_eq!(d.join(), Err(Error::Aborted(message.clone())), "{master:?}");
        assert_eq!(d.start().unwrap(), Status::DRIVER_STOPPED, "no restart");

        // run() on a fresh driver: the reason, ready for `?`, and the callback has run once.
        let (p, mut events) = probe();
        let d = SchedulerDriver::new(p, framework("unusable"), master).unwrap();
        let err = d.run().unwrap_err();
        assert_eq!(err, Error::Aborted(message.clone()), "{master:?}");
        assert!(err.to_string().contains(reason), "{err}");
        assert_eq!(d.join(), Err(Error::Aborted(message.clone())));
        drop(d);
        let errors = events.during(Duration::from_millis(100), |e| {
            matches!(e, SchedulerEvent::Error { .. }).then_some(())
        });
        let early = events
            .log
            .iter()
            .filter(|(_, e)| matches!(e, SchedulerEvent::Error { .. }))
            .count();
        assert_eq!(
            early, 1,
            "{master:?}: the error callback ran before run() returned"
        );
        assert!(errors.len() == 1, "{master:?}: once");
    }
}

/// libmesos reports a `MESOS_*` variable it cannot parse from inside the driver's
/// constructor, on the caller's thread: nothing deadlocks, the callback is delivered, and
/// `start` reports libmesos' reason.
#[test]
fn an_unparsable_mesos_variable_is_reported_from_inside_the_constructor() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_QUIET", "maybe");
    let (p, mut events) = probe();
    let d = SchedulerDriver::new(p, framework("bad flag"), UNREACHABLE).unwrap();
    let delivered = events.wait_for(Duration::from_secs(10), "error callback", |e| match e {
        SchedulerEvent::Error { message } => Some(message.clone()),
        _ => None,
    });
    assert!(delivered.contains("quiet"), "{delivered}");
    assert_eq!(d.start(), Err(Error::Aborted(delivered.clone())));
    assert_eq!(d.stop(false).unwrap(), Status::DRIVER_ABORTED);
    assert_eq!(d.join(), Err(Error::Aborted(delivered)));
    std::env::remove_var("MESOS_QUIET");
}

/// An unreachable master makes libmesos retry for ever without a callback; with a
/// registration timeout the driver is aborted and `run` says which master and what was
/// found there.
#[test]
fn registration_timeout_names_the_master_and_what_was_tried() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    // Nothing listens on port 1.
    let (p, mut events) = probe();
    let d = SchedulerDriver::builder(framework("timeout"), UNREACHABLE)
        .registration_timeout(Duration::from_secs(2))
        .build(p)
        .unwrap();
    match d.run() {
        Err(Error::RegistrationTimeout {
            master,
            tried,
            timeout,
            ..
        }) => {
            assert_eq!(master, UNREACHABLE);
            assert_eq!(timeout, Duration::from_secs(2));
            assert!(
                tried.contains("nothing accepts connections at 127.0.0.1:1"),
                "{tried}"
            );
        }
        other => panic!("expected RegistrationTimeout, got {other:?}"),
    }
    // Aborted in libmesos: calls are refused, and no callback came.
    assert_eq!(
        d.revive_offers(),
        Err(Error::NotRunning(Status::DRIVER_ABORTED))
    );
    assert!(events
        .during(Duration::from_millis(200), |_| Some(()))
        .is_empty());

    // Something that accepts connections but is no master.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let (p, _events) = probe();
    let d = SchedulerDriver::builder(framework("timeout"), address.clone())
        .registration_timeout(Duration::from_secs(2))
        .build(p)
        .unwrap();
    match d.run() {
        Err(e @ Error::RegistrationTimeout { .. }) => {
            let text = e.to_string();
            assert!(text.contains(&address), "{text}");
            assert!(text.contains("something accepts connections"), "{text}");
        }
        other => panic!("expected RegistrationTimeout, got {other:?}"),
    }

    // ZooKeeper that is not there: libmesos keeps looking for a leader.
    let (p, _events) = probe();
    let d = SchedulerDriver::builder(framework("timeout"), "zk://127.0.0.1:1/mesos")
        .registration_timeout(Duration::from_secs(2))
        .build(p)
        .unwrap();
    match d.run() {
        Err(Error::RegistrationTimeout { master, tried, .. }) => {
            assert_eq!(master, "zk://127.0.0.1:1/mesos");
            assert!(tried.contains("ZooKeeper"), "{tried}");
        }
        other => panic!("expected RegistrationTimeout, got {other:?}"),
    }
}

/// Secrets never show: not the credential's secret in the builder's `Debug`, not a
/// ZooKeeper password in it, in an error, or in the driver's logs.
#[test]
fn credentials_are_redacted() {
    let mut credential = Credential::new();
    credential.set_principal("alice".into());
    credential.set_secret("hunter2".into());
    let master = "zk://zkuser:zkpassword@127.0.0.1:1/mesos";
    let builder = SchedulerDriver::builder(framework("redacted"), master)
        .credential(credential)
        .registration_timeout(Duration::from_millis(500));
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("zkpassword"), "{shown}");
    assert!(shown.contains("alice"), "{shown}");
    assert!(
        shown.contains("zk://zkuser:<redacted>@127.0.0.1:1/mesos"),
        "{shown}"
    );
    let (p, _events) = probe();
    let d = builder.build(p).unwrap();
    assert!(!format!("{d:?}").contains("zkpassword"));
    let err = d.run().unwrap_err();
    assert!(matches!(err, Error::RegistrationTimeout { .. }), "{err:?}");
    assert!(!err.to_string().contains("zkpassword"), "{err}");
    assert!(err.to_string().contains("<redacted>"), "{err}");
}

#[test]
fn driver_calls_with_missing_fields_name_argument_element_and_fields() {
    let (d, mut events) = idle_driver(false);

    let good = good_task("good");
    let mut no_name = good.clone();
    no_name.clear_name();
    no_name.slave_id.clear();
    // The second parameter of launch_tasks (`tasks`, position 1), its second element.
    assert_eq!(
        missing(d.launch_tasks(&[oid("o")], &[good.clone(), no_name.clone()], None)),
        (
            "mesos.TaskInfo".into(),
            Some("tasks"),
            Some(1),
            Some(1),
            strs(&["name", "slave_id"])
        )
    );
    assert_eq!(
        missing(d.launch_tasks(&[OfferID::new()], std::slice::from_ref(&good), None)),
        (
            "mesos.OfferID".into(),
            Some("offer_ids"),
            Some(0),
            Some(0),
            strs(&["value"])
        )
    );

    let mut op = offer::Operation::new();
    op.set_type(offer::operation::Type::LAUNCH);
    op.launch
        .mut_or_insert_default()
        .task_infos
        .push(no_name.clone());
    assert_eq!(
        missing(d.accept_offers(&[oid("o")], &[op], None)),
        (
            "mesos.Offer.Operation".into(),
            Some("operations"),
            Some(1),
            Some(0),
            strs(&["launch.task_infos[0].name", "launch.task_infos[0].slave_id"])
        )
    );

    assert_eq!(
        missing(d.kill_task(&TaskID::new())),
        expected("mesos.TaskID", Some("task_id"), Some(0), None, &["value"])
    );
    assert_eq!(
        missing(d.decline_offer(&OfferID::new(), None)),
        expected("mesos.OfferID", Some("offer_id"), Some(0), None, &["value"])
    );

    // A status without task id and state (both required), with a uuid and an agent so that
    // it needs acknowledging.
    let mut status = TaskStatus::new();
    status.set_uuid(vec![1; 16]);
    status.slave_id = Some(mesos::ids::slave_id("s")).into();
    assert_eq!(
        missing(d.acknowledge_status_update(&status)),
        expected(
            "mesos.TaskStatus",
            Some("status"),
            Some(0),
            None,
            &["task_id", "state"]
        )
    );
    assert_eq!(
        missing(d.reconcile_tasks(&[status])),
        expected(
            "mesos.TaskStatus",
            Some("statuses"),
            Some(0),
            Some(0),
            &["task_id", "state"]
        )
    );

    let mut request = Request::new();
    request.resources.push(Resource::new());
    assert_eq!(
        missing(d.request_resources(&[request])),
        (
            "mesos.Request".into(),
            Some("requests"),
            Some(0),
            Some(0),
            strs(&["resources[0].name", "resources[0].type"])
        )
    );
    assert_eq!(
        missing(d.send_framework_message(&ExecutorID::new(), &mesos::ids::slave_id("s"), b"x")),
        (
            "mesos.ExecutorID".into(),
            Some("executor_id"),
            Some(0),
            None,
            strs(&["value"])
        )
    );
    assert_eq!(
        missing(d.send_framework_message(&mesos::ids::executor_id("e"), &SlaveID::new(), b"x")),
        (
            "mesos.SlaveID".into(),
            Some("slave_id"),
            Some(1),
            None,
            strs(&["value"])
        )
    );
    assert_eq!(
        missing(d.update_framework(&FrameworkInfo::new(), &[] as &[&str], None)),
        framework_without_user_and_name()
    );
    // The message names the Rust parameter, not the shim's argument number.
    assert_eq!(
        d.launch_tasks(&[oid("o")], &[no_name.clone()], None)
            .unwrap_err()
            .to_string(),
        "mesos.TaskInfo (parameter `tasks`, position 1, element 0) is missing required fields: \
         name, slave_id"
    );

    // The same calls, well formed, reach libmesos, which answers with its status.
    assert_eq!(
        d.launch_tasks(&[oid("o")], &[good], None),
        Err(Error::NotRunning(Status::DRIVER_NOT_STARTED))
    );
    assert_eq!(
        d.kill_task(&tid("t")),
        Err(Error::NotRunning(Status::DRIVER_NOT_STARTED))
    );
    assert!(events
        .during(Duration::from_millis(200), |_| Some(()))
        .is_empty());
}

#[test]
fn out_of_range_enum_values() {
    let (d, _events) = idle_driver(false);

    // A required enum with a value libmesos does not know: its proto2 classes keep the value
    // only among the unknown fields, so the field counts as missing.
    let mut status = TaskStatus::new();
    status.task_id = Some(tid("t")).into();
    status.state = Some(EnumOrUnknown::from_i32(99));
    assert_eq!(
        missing_in_acknowledgement(&d, status),
        expected(
            "mesos.TaskStatus",
            Some("status"),
            Some(0),
            None,
            &["state"]
        )
    );
    let mut r = Resource::new();
    r.set_name("cpus".into());
    r.type_ = Some(EnumOrUnknown::from_i32(1000));
    let mut t = good_task("t");
    t.resources = vec![r];
    assert_eq!(
        missing(d.launch_tasks(&[oid("o")], &[t], None)).4,
        strs(&["resources[0].type"])
    );

    // An optional enum with an unknown value is not an error: libmesos sees the field unset
    // and keeps the value as an unknown field, so it comes back unchanged.
    let mut status = TaskStatus::new();
    status.task_id = Some(tid("t")).into();
    status.set_state(TaskState::TASK_RUNNING);
    status.reason = Some(EnumOrUnknown::from_i32(4242));
    let harness_status = status.clone();
    assert_eq!(
        d.reconcile_tasks(&[status]),
        Err(Error::NotRunning(Status::DRIVER_NOT_STARTED))
    );

    // Through libmesos' executor adapter and back: the unknown reason survives.
    let (tx, rx) = channel();
    struct Rec(std::sync::mpsc::Sender<TaskInfo>);
    impl Executor for Rec {
        fn launch_task(&mut self, _: &ExecutorDriver, t: &TaskInfo) {
            let _ = self.0.send(t.clone());
        }
    }
    let harness = ExecutorHarness::new(Rec(tx)).unwrap();
    let mut t = good_task("t");
    // TaskInfo has no optional enum of its own at the top; a health check's type is one.
    let mut hc = HealthCheck::new();
    hc.type_ = Some(EnumOrUnknown::from_i32(77));
    t.health_check = Some(hc).into();
    harness.launch_task(&t).unwrap();
    harness.drain();
    let back = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(back.health_check.type_.map(|e| e.value()), Some(77));
    drop(harness_status);
}

#[test]
fn invalid_utf8_in_string_fields() {
    // From bytes: the crate's decoders refuse a string field that is not UTF-8, with a
    // typed protobuf error.
    let bytes = [0x0a, 0x02, 0xff, 0xfe]; // TaskID.value = ff fe
    let err = TaskID::parse_from_bytes(&bytes).unwrap_err();
    assert!(err.to_string().to_lowercase().contains("utf"), "{err}");

    // libmesos' proto2 classes do not check UTF-8: such a string reaches an executor
    // callback through libmesos. The crate decodes it with the invalid sequences replaced
    // by U+FFFD instead of dropping the callback.
    let (tx, rx) = channel();
    struct Rec(std::sync::mpsc::Sender<ExecutorEvent>);
    impl Executor for Rec {
        fn kill_task(&mut self, _: &ExecutorDriver, t: &TaskID) {
            let _ = self.0.send(ExecutorEvent::KillTask {
                task_id: t.clone(),
                kill_policy: None,
            });
        }
        fn launch_task(&mut self, _: &ExecutorDriver, t: &TaskInfo) {
            let _ = self.0.send(ExecutorEvent::LaunchTask { task: t.clone() });
        }
    }
    let harness = ExecutorHarness::new(Rec(tx)).unwrap();
    // A second `value` field (the last one wins in libmesos) carried as an unknown field.
    let mut id = tid("valid");
    id.mut_unknown_fields()
        .add_length_delimited(1, vec![b'a', 0xff, b'b']);
    assert!(matches!(
        id.special_fields.unknown_fields().get(1),
        Some(UnknownValueRef::LengthDelimited(_))
    ));
    harness.kill_task(&id).unwrap();
    harness.drain();
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(ExecutorEvent::KillTask { task_id, .. }) => assert_eq!(task_id.value(), "a\u{fffd}b"),
        other => panic!("expected the kill_task callback, got {other:?}"),
    }

    // Deeper: a nested message's string (CommandInfo.value, field 3) and a map key
    // (TaskInfo.limits, field 15: map<string, Value.Scalar>).
    let mut t = good_task("nested");
    t.command
        .mut_or_insert_default()
        .mut_unknown_fields()
        .add_length_delimited(3, vec![0xc3, 0x28]);
    let scalar = [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]; // value = 1.0
    let mut entry = vec![0x0a, 0x03, b'c', 0xff, b'u', 0x12, scalar.len() as u8];
    entry.extend_from_slice(&scalar);
    t.mut_unknown_fields().add_length_delimited(15, entry);
    harness.launch_task(&t).unwrap();
    harness.drain();
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(ExecutorEvent::LaunchTask { task }) => {
            assert_eq!(task.name(), "nested");
            assert_eq!(task.command.value(), "\u{fffd}(");
            assert_eq!(task.limits.get("c\u{fffd}u").map(|s| s.value()), Some(1.0));
        }
        other => panic!("expected the launch_task callback, got {other:?}"),
    }
}

#[test]
fn executor_driver_and_harness_misuse() {
    struct Nothing;
    impl Executor for Nothing {}
    // No agent environment: the HTTP backend (picked where libmesos has no executor driver)
    // names the missing variables; libmesos' driver may also refuse with a typed error.
    match ExecutorDriver::new(Nothing) {
        Err(Error::Environment { variables, .. }) => {
            assert!(
                variables.contains(&"MESOS_EXECUTOR_ID".to_owned()),
                "{variables:?}"
            )
        }
        Err(Error::Unsupported { .. }) | Err(Error::Cpp(_)) => {}
        Ok(_) => {
            // A libmesos with an executor driver but no agent environment: starting fails
            // with a status, not a crash.
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
    let harness = ExecutorHarness::new(Nothing).unwrap();
    assert_eq!(
        missing(harness.kill_task(&TaskID::new())),
        expected("mesos.TaskID", Some("task_id"), Some(0), None, &["value"])
    );
    assert_eq!(
        missing(harness.registered(
            &ExecutorInfo::new(),
            &FrameworkInfo::new(),
            &SlaveInfo::new()
        )),
        (
            "mesos.ExecutorInfo".into(),
            Some("executor_info"),
            Some(0),
            None,
            strs(&["executor_id"])
        )
    );
    assert_eq!(
        missing(harness.launch_task(&TaskInfo::new())).4,
        strs(&["name", "task_id", "slave_id"])
    );
}
