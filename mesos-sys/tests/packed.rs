//! The packed status lists of `mesos_scheduler_driver_reconcile_tasks_packed` and
//! `mesos_scheduler_driver_acknowledge_status_updates_packed`. The shim reads the layout the
//! crate writes (`task_id`, `state`, then optionally `slave_id` and `uuid`) without the
//! general protobuf parser, and hands anything else to that parser: both must give libmesos
//! the same statuses, and bad bytes must be refused naming the status, never crash.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use mesos_sys::*;
use support::*;

const TASK_STAGING: u64 = 6;
const TASK_LOST: u64 = 5;
/// `TaskStatus.reason` REASON_RECONCILIATION.
const REASON_RECONCILIATION: u64 = 9;

fn id(value: &str) -> Msg {
    Msg::new().str(1, value)
}

/// The crate's layout: task_id (1), state (2), slave_id (5), uuid (11).
fn crate_layout(task: &str, agent: Option<&str>, uuid: Option<&[u8]>) -> Msg {
    let mut m = Msg::new().msg(1, &id(task)).uint(2, TASK_STAGING);
    if let Some(agent) = agent {
        m = m.msg(5, &id(agent));
    }
    if let Some(uuid) = uuid {
        m = m.bytes(11, uuid);
    }
    m
}

fn pack(statuses: &[Msg]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in statuses {
        out.extend_from_slice(&(s.0.len() as u32).to_ne_bytes());
        out.extend_from_slice(&s.0);
    }
    out
}

fn reconcile(driver: &RawDriver, packed: &[u8], count: usize, part: usize) -> (i32, i32, String) {
    let mut err = mesos_shim_error::default();
    // SAFETY: live driver; `packed` and `err` are valid for the call.
    let rc = unsafe {
        mesos_scheduler_driver_reconcile_tasks_packed(
            driver.0,
            mesos_bytes::from_slice(packed),
            count,
            part,
            &mut err,
        )
    };
    let element = err.element;
    (rc, element, take_error(&mut err).2)
}

fn acknowledge(driver: &RawDriver, packed: &[u8], count: usize) -> (i32, i32, String) {
    let mut err = mesos_shim_error::default();
    // SAFETY: as in `reconcile`.
    let rc = unsafe {
        mesos_scheduler_driver_acknowledge_status_updates_packed(
            driver.0,
            mesos_bytes::from_slice(packed),
            count,
            &mut err,
        )
    };
    let element = err.element;
    (rc, element, take_error(&mut err).2)
}

#[test]
fn every_encoding_of_a_status_reaches_the_master_field_for_field() {
    let local = local_driver("packed statuses", "cpus:1;mem:128");
    let (driver, rec) = (&local.driver, &*local.rec);
    local.start_and_register();

    // (task, the agent it names): every one is unknown to the master, which answers each
    // with TASK_LOST naming the task and, when the status named one, the agent.
    let statuses = [
        // The crate's own layout, with and without an agent, with a uuid.
        crate_layout("p-0", Some("agent-a"), None),
        crate_layout("p-1", None, None),
        crate_layout("p-2", Some("agent-b"), Some(b"0123456789abcdef")),
        // Other valid encodings, for the general parser: fields in another order ...
        Msg::new()
            .msg(5, &id("agent-c"))
            .uint(2, TASK_STAGING)
            .msg(1, &id("p-3")),
        // ... a field libmesos does not read (message, 4) ...
        Msg::new()
            .msg(1, &id("p-4"))
            .str(4, "ignored")
            .uint(2, TASK_STAGING)
            .msg(5, &id("agent-d")),
        // ... and a field repeated, the last one winning as protobuf says.
        Msg::new()
            .msg(1, &id("p-wrong"))
            .uint(2, TASK_STAGING)
            .msg(1, &id("p-5")),
    ];
    let expected: BTreeMap<String, Option<String>> = [
        ("p-0", Some("agent-a")),
        ("p-1", None),
        ("p-2", Some("agent-b")),
        ("p-3", Some("agent-c")),
        ("p-4", Some("agent-d")),
        ("p-5", None),
    ]
    .into_iter()
    .map(|(t, a)| (t.to_owned(), a.map(str::to_owned)))
    .collect();

    // Parts of 4: two requests, the second shorter (the part reused from the first).
    let (rc, _, detail) = reconcile(driver, &pack(&statuses), statuses.len(), 4);
    assert_eq!(rc, status::DRIVER_RUNNING, "{detail}");

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let answers = loop {
        let answers = rec_statuses(rec);
        if answers.len() >= expected.len() || std::time::Instant::now() > deadline {
            break answers;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut seen = BTreeMap::new();
    for answer in &answers {
        let task =
            String::from_utf8(get_bytes(&get_bytes(answer, 1).unwrap(), 1).unwrap()).unwrap();
        let agent =
            get_bytes(answer, 5).map(|a| String::from_utf8(get_bytes(&a, 1).unwrap()).unwrap());
        assert_eq!(get_varint(answer, 2), Some(TASK_LOST), "{task}");
        assert_eq!(
            get_varint(answer, 10),
            Some(REASON_RECONCILIATION),
            "{task}"
        );
        assert!(
            seen.insert(task.clone(), agent).is_none(),
            "{task} answered twice"
        );
    }
    assert_eq!(seen, expected);
}

/// The status updates recorded so far.
fn rec_statuses(rec: &Recorder) -> Vec<Vec<u8>> {
    rec.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn bad_statuses_are_refused_naming_their_position() {
    // Never started: a list that parses reaches libmesos, which answers DRIVER_NOT_STARTED.
    let local = local_driver("packed refusals", "cpus:1;mem:128");
    let (driver, rec) = (&local.driver, &*local.rec);
    let good = crate_layout("ok", Some("agent"), None);

    // (what, the list, how many statuses it holds, the answer, the status named, the detail)
    type Case = (&'static str, Vec<u8>, usize, i32, i32, &'static str);
    let cases: Vec<Case> = vec![
        (
            "a good list",
            pack(&[good.clone(), good.clone()]),
            2,
            status::DRIVER_NOT_STARTED,
            -1,
            "",
        ),
        (
            "no state",
            pack(&[good.clone(), Msg::new().msg(1, &id("t"))]),
            2,
            MESOS_SHIM_ERR_MISSING_FIELDS,
            1,
            "state",
        ),
        (
            "an agent ID without its value",
            pack(&[Msg::new()
                .msg(1, &id("t"))
                .uint(2, TASK_STAGING)
                .msg(5, &Msg::new())]),
            1,
            MESOS_SHIM_ERR_MISSING_FIELDS,
            0,
            "slave_id.value",
        ),
        (
            // proto2 keeps an unknown enum number as an unknown field: the state is missing.
            "a state that is no TaskState",
            pack(&[good.clone(), Msg::new().msg(1, &id("t")).uint(2, 99)]),
            2,
            MESOS_SHIM_ERR_MISSING_FIELDS,
            1,
            "state",
        ),
        (
            "a state whose varint runs past its status",
            {
                let mut bad = Msg::new().msg(1, &id("t"));
                bad.0.extend_from_slice(&[2 << 3, 0x80]);
                pack(&[good.clone(), good.clone(), bad])
            },
            3,
            MESOS_SHIM_ERR_PARSE,
            2,
            "not a valid serialized mesos.TaskStatus",
        ),
        (
            "a length running past the list",
            {
                let mut bytes = pack(std::slice::from_ref(&good));
                bytes.truncate(bytes.len() - 1);
                bytes
            },
            1,
            MESOS_SHIM_ERR_PARSE,
            0,
            "ends inside this status",
        ),
    ];
    for (what, bytes, count, code, element, detail) in cases {
        let (rc, at, text) = reconcile(driver, &bytes, count, 64);
        assert_eq!(rc, code, "{what}: {text}");
        if code < 0 {
            assert_eq!(at, element, "{what}: {text}");
            assert!(text.contains(detail), "{what}: {text:?} names {detail:?}");
        }
        // The same list to acknowledge: statuses are acknowledged one by one, and on this
        // driver the first that parses gets libmesos' DRIVER_NOT_STARTED, which ends the walk.
        let (rc, at, _) = acknowledge(driver, &bytes, count);
        if element == 0 {
            assert_eq!((rc, at), (code, 0), "{what} (acknowledged)");
        } else {
            assert_eq!(rc, status::DRIVER_NOT_STARTED, "{what} (acknowledged)");
        }
    }
    assert!(rec.events().is_empty(), "no callback ran");
}

#[test]
fn mangled_lists_are_answered_never_crashed_on() {
    // Never started: a list that parses reaches libmesos, which answers DRIVER_NOT_STARTED.
    let local = local_driver("packed fuzz", "cpus:1;mem:128");
    let (driver, rec) = (&local.driver, &*local.rec);
    let statuses: Vec<Msg> = (0..8)
        .map(|i| {
            crate_layout(
                &format!("task-{i}"),
                (i % 2 == 0).then_some("agent"),
                (i % 3 == 0).then_some(b"uuid-bytes".as_slice()),
            )
        })
        .collect();
    let original = pack(&statuses);
    // A fixed-seed xorshift: the same inputs on every run.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut parsed = 0;
    for round in 0..4000 {
        let mut bytes = original.clone();
        // Flip one to four bytes to random values, and sometimes cut the list short.
        for _ in 0..=(next() % 4) {
            let at = (next() as usize) % bytes.len();
            bytes[at] = next() as u8;
        }
        if round % 5 == 0 {
            bytes.truncate((next() as usize) % bytes.len());
        }
        let (rc, element, _) = reconcile(driver, &bytes, statuses.len(), 64);
        match rc {
            status::DRIVER_NOT_STARTED => parsed += 1,
            MESOS_SHIM_ERR_PARSE | MESOS_SHIM_ERR_MISSING_FIELDS => {
                assert!(
                    (-1..8).contains(&element),
                    "round {round}: element {element}"
                )
            }
            other => panic!("round {round}: unexpected answer {other}"),
        }
        let (rc, _, _) = acknowledge(driver, &bytes, statuses.len());
        assert!(
            [
                status::DRIVER_NOT_STARTED,
                MESOS_SHIM_ERR_PARSE,
                MESOS_SHIM_ERR_MISSING_FIELDS
            ]
            .contains(&rc),
            "round {round}: {rc}"
        );
    }
    // Some mangled lists are still valid (a byte inside an ID changed): they reach libmesos.
    assert!(parsed > 0, "no mangled list parsed");
    assert!(rec.events().is_empty(), "no callback ran");
}
