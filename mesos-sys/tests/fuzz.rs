//! Arbitrary bytes into every shim entry point that takes bytes: driver construction
//! (FrameworkInfo, master, Credential, roles), every scheduler driver call on a driver that was
//! never started, and every method of the executor adapter. Checked: no crash or abort (the
//! test is in-process), every refusal is a typed shim code naming the argument (and element)
//! at fault, and the shim's verdict on a message agrees with libmesos' own parser
//! (`mesos_shim_reserialize` with the required-field check). Also replays the seed corpus in
//! this package's `tests/fuzz-corpus/` (a copy of the safe crate's, kept identical by the
//! repository's test script). Cases: `MESOS_FUZZ_CASES` (default 2000).

mod support;

use std::ffi::CString;

use mesos_sys::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use support::*;

fn cases() -> u32 {
    std::env::var("MESOS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// libmesos' verdict on `bytes` as `type_name` with the required-field check: 0 or a code.
fn verdict(type_name: &str, bytes: &[u8]) -> i32 {
    let name = CString::new(type_name).unwrap();
    let (mut out, mut len, mut err) = (std::ptr::null_mut(), 0usize, mesos_shim_error::default());
    // SAFETY: valid pointers for the call; the output buffer is freed once.
    unsafe {
        let rc = mesos_shim_reserialize(
            name.as_ptr(),
            mesos_bytes::from_slice(bytes),
            1,
            &mut out,
            &mut len,
            &mut err,
        );
        mesos_shim_error_clear(&mut err);
        if rc == 0 {
            mesos_shim_bytes_free(out);
        }
        rc
    }
}

/// The outcome of one shim call: its code and where the shim put the blame.
#[derive(Debug)]
struct Outcome {
    code: i32,
    argument: i32,
    element: i32,
    type_name: String,
}

fn call(f: impl FnOnce(*mut mesos_shim_error) -> i32) -> Outcome {
    let mut err = mesos_shim_error::default();
    let code = f(&mut err);
    let (argument, element) = (err.argument, err.element);
    let (_, type_name, _) = take_error(&mut err);
    Outcome {
        code,
        argument,
        element,
        type_name,
    }
}

/// Checks a call that took one message argument (`argument`, optionally list `element` 0):
/// refused exactly when libmesos' parser refuses the bytes, with the same code, naming the
/// argument and type; otherwise libmesos answered with the idle driver's status.
fn expect(
    o: &Outcome,
    type_name: &str,
    bytes: &[u8],
    argument: i32,
    element: i32,
    accepted: i32,
) -> Result<(), TestCaseError> {
    let v = verdict(type_name, bytes);
    if v == 0 {
        prop_assert_eq!(
            o.code,
            accepted,
            "{} accepted by libmesos: {:?}",
            type_name,
            o
        );
    } else {
        prop_assert_eq!(o.code, v, "{}: {:?}", type_name, o);
        prop_assert_eq!(o.argument, argument);
        prop_assert_eq!(o.element, element);
        prop_assert_eq!(&o.type_name, type_name);
    }
    Ok(())
}

fn run(name: &str, f: impl Fn(Vec<u8>) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    });
    // Arbitrary bytes, and the valid seeds of the corpus with arbitrary bytes appended.
    let seeds = corpus();
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        (
            0..seeds.len(),
            proptest::collection::vec(any::<u8>(), 0..8),
            any::<usize>()
        )
            .prop_map(move |(i, tail, cut)| {
                let mut b = seeds[i].clone();
                b.truncate(cut % (b.len() + 1));
                b.extend(tail);
                b
            }),
    ];
    if let Err(e) = runner.run(&strategy, &f) {
        panic!("{name}: {e}");
    }
    for seed in corpus() {
        f(seed).unwrap_or_else(|e| panic!("{name}, corpus seed: {e}"));
    }
}

/// Every seed of the fuzz corpus.
fn corpus() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fuzz corpus") {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            out.push(std::fs::read(f.unwrap().path()).unwrap());
        }
    }
    out.sort();
    out
}

#[test]
fn driver_construction_with_arbitrary_bytes() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    let rec = Recorder::default();
    let callbacks = recorder_callbacks();
    let valid = framework_info("fuzz").0;
    run("driver_new", |bytes| {
        // Arbitrary FrameworkInfo, then arbitrary Credential, then arbitrary master and roles.
        for which in 0..3 {
            let (info, credential, master): (&[u8], Option<&[u8]>, &[u8]) = match which {
                0 => (&bytes, None, b"127.0.0.1:1"),
                1 => (&valid, Some(&bytes), b"127.0.0.1:1"),
                _ => (&valid, None, &bytes),
            };
            if master == b"local" {
                continue; // would start a cluster
            }
            let cred = credential.map(mesos_bytes::from_slice);
            let roles = [mesos_bytes::from_slice(&bytes)];
            let options = mesos_scheduler_options {
                framework_info: mesos_bytes::from_slice(info),
                master: mesos_bytes::from_slice(master),
                credential: cred.as_ref().map_or(std::ptr::null(), |c| c as *const _),
                implicit_acknowledgements: 1,
                has_suppressed_roles: 1,
                suppressed_roles: roles.as_ptr(),
                suppressed_roles_count: 1,
            };
            let mut d = std::ptr::null_mut();
            let o = call(|e| {
                // SAFETY: every pointer is valid for the call; `rec` outlives the driver.
                d = unsafe {
                    mesos_scheduler_driver_new(&callbacks, &rec as *const _ as *mut _, &options, e)
                };
                if d.is_null() {
                    // SAFETY: the shim records its error in `e`.
                    unsafe { (*e).code }
                } else {
                    0
                }
            });
            let _guard = (!d.is_null()).then(|| RawDriver(d));
            match which {
                0 => expect(&o, "mesos.FrameworkInfo", info, 0, -1, 0)?,
                1 => expect(&o, "mesos.Credential", &bytes, 2, -1, 0)?,
                _ => {
                    let bad = master.is_empty() || master.contains(&0);
                    prop_assert_eq!(
                        o.code,
                        if bad {
                            MESOS_SHIM_ERR_INVALID_ARGUMENT
                        } else {
                            0
                        }
                    );
                }
            }
        }
        Ok(())
    });
    assert!(rec.events().is_empty(), "no driver was started");
}

#[test]
fn scheduler_calls_with_arbitrary_bytes() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    let rec = Recorder::default();
    let driver = RawDriver::new(&rec, &framework_info("fuzz").0, "127.0.0.1:1").unwrap();
    let d = driver.0;
    let offer = Msg::new().str(1, "o").0;
    let idle = status::DRIVER_NOT_STARTED;
    run("scheduler calls", |b| {
        let one = [mesos_bytes::from_slice(&b)];
        let offers = [mesos_bytes::from_slice(&offer)];
        // SAFETY (all calls): live driver, arrays and buffers valid for the call.
        unsafe {
            let o = call(|e| {
                mesos_scheduler_driver_launch_tasks(
                    d,
                    offers.as_ptr(),
                    1,
                    one.as_ptr(),
                    1,
                    std::ptr::null(),
                    e,
                )
            });
            expect(&o, "mesos.TaskInfo", &b, 2, 0, idle)?;
            let o = call(|e| {
                mesos_scheduler_driver_launch_tasks(
                    d,
                    one.as_ptr(),
                    1,
                    std::ptr::null(),
                    0,
                    std::ptr::null(),
                    e,
                )
            });
            expect(&o, "mesos.OfferID", &b, 1, 0, idle)?;
            let o = call(|e| {
                mesos_scheduler_driver_launch_tasks_on_offer(
                    d,
                    mesos_bytes::from_slice(&offer),
                    std::ptr::null(),
                    0,
                    one.as_ptr(),
                    e,
                )
            });
            expect(&o, "mesos.Filters", &b, 3, -1, idle)?;
            let o = call(|e| {
                mesos_scheduler_driver_accept_offers(
                    d,
                    offers.as_ptr(),
                    1,
                    one.as_ptr(),
                    1,
                    std::ptr::null(),
                    e,
                )
            });
            expect(&o, "mesos.Offer.Operation", &b, 2, 0, idle)?;
            let o = call(|e| mesos_scheduler_driver_kill_task(d, one[0], e));
            expect(&o, "mesos.TaskID", &b, 1, -1, idle)?;
            let o = call(|e| mesos_scheduler_driver_decline_offer(d, one[0], std::ptr::null(), e));
            expect(&o, "mesos.OfferID", &b, 1, -1, idle)?;
            let o = call(|e| mesos_scheduler_driver_acknowledge_status_update(d, one[0], e));
            expect(&o, "mesos.TaskStatus", &b, 1, -1, idle)?;
            let o = call(|e| mesos_scheduler_driver_reconcile_tasks(d, one.as_ptr(), 1, e));
            expect(&o, "mesos.TaskStatus", &b, 1, 0, idle)?;
            let o = call(|e| mesos_scheduler_driver_request_resources(d, one.as_ptr(), 1, e));
            expect(&o, "mesos.Request", &b, 1, 0, idle)?;
            let o = call(|e| {
                mesos_scheduler_driver_send_framework_message(
                    d,
                    one[0],
                    mesos_bytes::from_slice(&offer),
                    one[0],
                    e,
                )
            });
            expect(&o, "mesos.ExecutorID", &b, 1, -1, idle)?;
            let o = call(|e| {
                mesos_scheduler_driver_update_framework(
                    d,
                    one[0],
                    one.as_ptr(),
                    1,
                    std::ptr::null(),
                    e,
                )
            });
            expect(&o, "mesos.FrameworkInfo", &b, 1, -1, idle)?;
            let o = call(|e| {
                mesos_scheduler_driver_update_framework(
                    d,
                    mesos_bytes::from_slice(&framework_info("f").0),
                    std::ptr::null(),
                    0,
                    &one[0],
                    e,
                )
            });
            expect(&o, "mesos.scheduler.OfferConstraints", &b, 3, -1, idle)?;
            // Role names are strings: any bytes are passed on.
            let o =
                call(|e| mesos_scheduler_driver_suppress_offers_for_roles(d, one.as_ptr(), 1, e));
            prop_assert_eq!(o.code, idle);
            let o = call(|e| mesos_scheduler_driver_revive_offers_for_roles(d, one.as_ptr(), 1, e));
            prop_assert_eq!(o.code, idle);
        }
        Ok(())
    });
    assert!(rec.events().is_empty(), "the idle driver made no callback");
}

unsafe extern "C" fn on_launch(ctx: *mut std::ffi::c_void, t: mesos_bytes) {
    // SAFETY: ctx is the counter the test passed; the buffer is valid during the callback.
    let (n, last) = unsafe { &mut *(ctx as *mut (usize, Vec<u8>)) };
    *n += 1;
    *last = unsafe { t.as_slice() }.to_vec();
}

#[test]
fn executor_adapter_with_arbitrary_bytes() {
    let callbacks = mesos_executor_callbacks {
        registered: None,
        reregistered: None,
        disconnected: None,
        launch_task: Some(on_launch),
        kill_task: None,
        framework_message: None,
        shutdown: None,
        error: None,
        dropped: None,
    };
    let mut seen: (usize, Vec<u8>) = (0, Vec::new());
    // SAFETY: `seen` outlives the adapter, freed at the end of the test.
    let a = unsafe { mesos_executor_adapter_new(&callbacks, &mut seen as *mut _ as *mut _) };
    assert!(!a.is_null());
    let seen_ptr = &mut seen as *mut (usize, Vec<u8>);
    run("executor adapter", |b| {
        let v = mesos_bytes::from_slice(&b);
        // SAFETY (all calls): live adapter; buffers valid for the call. The callback runs
        // synchronously inside the call, so reading `seen` afterwards is race-free.
        unsafe {
            let before = (*seen_ptr).0;
            let o = call(|e| mesos_executor_adapter_launch_task(a, v, e));
            expect(&o, "mesos.TaskInfo", &b, 1, -1, 0)?;
            if o.code == 0 {
                prop_assert_eq!((*seen_ptr).0, before + 1);
                // What the callback got is libmesos' serialization of what it parsed.
                prop_assert_eq!(verdict("mesos.TaskInfo", &(*seen_ptr).1), 0);
            } else {
                prop_assert_eq!((*seen_ptr).0, before, "no callback for refused bytes");
            }
            let o = call(|e| mesos_executor_adapter_kill_task(a, v, e));
            expect(&o, "mesos.TaskID", &b, 1, -1, 0)?;
            let o = call(|e| mesos_executor_adapter_reregistered(a, v, e));
            expect(&o, "mesos.SlaveInfo", &b, 1, -1, 0)?;
            let empty = framework_info("f").0;
            let o = call(|e| {
                mesos_executor_adapter_registered(a, v, mesos_bytes::from_slice(&empty), v, e)
            });
            let first = verdict("mesos.ExecutorInfo", &b);
            if first != 0 {
                prop_assert_eq!(o.code, first);
                prop_assert_eq!(o.argument, 1);
            } else {
                expect(&o, "mesos.SlaveInfo", &b, 3, -1, 0)?;
            }
            // Strings and data: any bytes are delivered.
            prop_assert_eq!(
                call(|e| mesos_executor_adapter_framework_message(a, v, e)).code,
                0
            );
            prop_assert_eq!(call(|e| mesos_executor_adapter_error(a, v, e)).code, 0);
        }
        Ok(())
    });
    // SAFETY: freed once; no call is in flight.
    unsafe { mesos_executor_adapter_free(a) };
}
