//! The shim's bookkeeping of the executor driver's lifecycle.
//!
//! libmesos 1.11's `MesosExecutorDriver` crashes when it is destroyed, or stopped, before
//! `start()` got it running, and ends the process when started outside an agent's
//! environment. The dev kit's libmesos has no executor driver at all, so these tests drive the
//! shim's real entry points over its test stand-in (`mesos_executor_driver_new_standin`),
//! which follows libmesos' state rules and aborts the process (or exits) exactly where
//! libmesos would crash. What they check is the shim's own bookkeeping: that it never calls
//! into such a state.

use std::ffi::{c_char, c_void, CString};
use std::sync::Mutex;

use mesos_sys::*;

/// The `error` callbacks, and the `dropped` reports, a driver made.
#[derive(Default)]
struct Seen {
    errors: Mutex<Vec<String>>,
}

unsafe extern "C" fn on_error(ctx: *mut c_void, message: mesos_bytes) {
    // SAFETY: ctx is the &Seen the test passed and keeps alive; the buffer is valid during
    // the callback.
    let seen = unsafe { &*(ctx as *const Seen) };
    let text = String::from_utf8_lossy(unsafe { message.as_slice() }).into_owned();
    seen.errors.lock().unwrap().push(text);
}

fn callbacks() -> mesos_executor_callbacks {
    mesos_executor_callbacks {
        registered: None,
        reregistered: None,
        disconnected: None,
        launch_task: None,
        kill_task: None,
        framework_message: None,
        shutdown: None,
        error: Some(on_error),
        dropped: None,
    }
}

/// What an agent gives an executor (enough for libmesos' start()).
fn agent_environment() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MESOS_SLAVE_PID", "slave(1)@127.0.0.1:5051"),
        ("MESOS_SLAVE_ID", "S0"),
        ("MESOS_FRAMEWORK_ID", "F0"),
        ("MESOS_EXECUTOR_ID", "E0"),
        ("MESOS_DIRECTORY", "/nonexistent/sandbox"),
        ("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs"),
    ]
}

struct Driver(*mut mesos_executor_driver);

impl Driver {
    /// A stand-in driver over `env` (`None`: the process environment), its constructor
    /// failing with `constructor_error` if given.
    fn new(seen: &Seen, env: Option<&[(&str, &str)]>, constructor_error: Option<&str>) -> Driver {
        let pairs = env.unwrap_or(&[]);
        let keys: Vec<mesos_bytes> = pairs
            .iter()
            .map(|(k, _)| mesos_bytes::from_slice(k.as_bytes()))
            .collect();
        let values: Vec<mesos_bytes> = pairs
            .iter()
            .map(|(_, v)| mesos_bytes::from_slice(v.as_bytes()))
            .collect();
        let error = constructor_error.map(|e| CString::new(e).unwrap());
        let mut err = mesos_shim_error::default();
        // SAFETY: every pointer is valid for the call; `seen` outlives the driver.
        let d = unsafe {
            mesos_executor_driver_new_standin(
                &callbacks(),
                seen as *const Seen as *mut c_void,
                i32::from(env.is_some()),
                keys.as_ptr(),
                values.as_ptr(),
                keys.len(),
                error
                    .as_ref()
                    .map_or(std::ptr::null(), |e| e.as_ptr() as *const c_char),
                &mut err,
            )
        };
        assert!(!d.is_null(), "stand-in driver not made: code {}", err.code);
        Driver(d)
    }

    fn call(
        &self,
        f: unsafe extern "C" fn(*mut mesos_executor_driver, *mut mesos_shim_error) -> i32,
    ) -> (i32, String) {
        let mut err = mesos_shim_error::default();
        // SAFETY: the driver is live until Drop; err is a valid slot.
        let code = unsafe { f(self.0, &mut err) };
        let detail = if err.detail.is_null() {
            String::new()
        } else {
            // SAFETY: the shim stores a NUL-terminated string.
            unsafe { std::ffi::CStr::from_ptr(err.detail) }
                .to_string_lossy()
                .into_owned()
        };
        // SAFETY: releases what the shim allocated in the slot.
        unsafe { mesos_shim_error_clear(&mut err) };
        (code, detail)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SAFETY: made by the shim, freed once.
        unsafe { mesos_executor_driver_free(self.0) };
    }
}

/// libmesos' destructor of a driver that never ran dereferences a null process (the
/// stand-in aborts there): the shim must not run it.
#[test]
fn a_driver_that_never_ran_is_freed_without_crashing() {
    let seen = Seen::default();
    let env = agent_environment();
    drop(Driver::new(&seen, Some(&env), None));
    // Also after calls that do not start it.
    let d = Driver::new(&seen, Some(&env), None);
    assert_eq!(
        d.call(mesos_executor_driver_abort).0,
        status::DRIVER_NOT_STARTED
    );
    assert_eq!(
        d.call(mesos_executor_driver_stop).0,
        status::DRIVER_NOT_STARTED
    );
    assert_eq!(
        d.call(mesos_executor_driver_join).0,
        status::DRIVER_NOT_STARTED
    );
    drop(d);
    assert!(seen.errors.lock().unwrap().is_empty());
}

/// A constructor that fails (a bad MESOS_* variable) reports it through `error` before the
/// shim's constructor returns, and leaves a DRIVER_ABORTED driver without a process:
/// libmesos' stop() CHECKs for that process (the stand-in aborts), its destructor crashes.
#[test]
fn a_driver_whose_constructor_failed_answers_aborted_and_is_freed() {
    let seen = Seen::default();
    let env = agent_environment();
    let d = Driver::new(&seen, Some(&env), Some("Failed to load flag 'quiet'"));
    assert_eq!(
        *seen.errors.lock().unwrap(),
        ["Failed to load flag 'quiet'"],
        "delivered synchronously, before the constructor returned"
    );
    assert_eq!(d.call(mesos_executor_driver_stop).0, status::DRIVER_ABORTED);
    assert_eq!(
        d.call(mesos_executor_driver_abort).0,
        status::DRIVER_ABORTED
    );
    assert_eq!(d.call(mesos_executor_driver_join).0, status::DRIVER_ABORTED);
    assert_eq!(
        d.call(mesos_executor_driver_start).0,
        status::DRIVER_ABORTED
    );
    assert_eq!(d.call(mesos_executor_driver_run).0, status::DRIVER_ABORTED);
    assert_eq!(d.call(mesos_executor_driver_stop).0, status::DRIVER_ABORTED);
    drop(d);
}

/// Outside an agent's environment libmesos' start() ends the process (the stand-in exits
/// with 70): the shim checks first and names what is wrong.
#[test]
fn start_outside_an_agent_environment_names_what_is_missing() {
    let seen = Seen::default();
    let with = |changes: &[(&'static str, Option<&'static str>)]| {
        let mut env = agent_environment();
        for (key, value) in changes {
            env.retain(|(k, _)| k != key);
            if let Some(v) = value {
                env.push((key, v));
            }
        }
        env
    };
    for (changes, says) in [
        (vec![("MESOS_SLAVE_PID", None)], "no MESOS_SLAVE_PID"),
        (vec![("MESOS_DIRECTORY", None)], "no MESOS_DIRECTORY"),
        (vec![("MESOS_SLAVE_ID", None)], "no MESOS_SLAVE_ID"),
        (
            vec![("MESOS_SLAVE_PID", Some("127.0.0.1:5051"))],
            "MESOS_SLAVE_PID '127.0.0.1:5051' is not an agent address",
        ),
        (
            vec![("MESOS_SLAVE_PID", Some("slave(1)@127.0.0.1:port"))],
            "is not an agent address",
        ),
        (
            vec![("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", Some("5 parsecs"))],
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD '5 parsecs' is not a duration",
        ),
        (
            vec![
                ("MESOS_CHECKPOINT", Some("1")),
                ("MESOS_RECOVERY_TIMEOUT", Some("soon")),
            ],
            "MESOS_RECOVERY_TIMEOUT 'soon' is not a duration",
        ),
    ] {
        let env = with(&changes);
        let d = Driver::new(&seen, Some(&env), None);
        for call in [mesos_executor_driver_start, mesos_executor_driver_run] {
            let (code, detail) = d.call(call);
            assert_eq!(
                code, MESOS_SHIM_ERR_INVALID_ARGUMENT,
                "{changes:?}: {detail}"
            );
            assert!(detail.contains(says), "{changes:?}: {detail}");
        }
        // Still not started: freed without libmesos' destructor.
        assert_eq!(
            d.call(mesos_executor_driver_stop).0,
            status::DRIVER_NOT_STARTED
        );
    }
    // A checkpointing executor's recovery timeout is fine when well formed.
    let env = with(&[
        ("MESOS_CHECKPOINT", Some("1")),
        ("MESOS_RECOVERY_TIMEOUT", Some("15mins")),
    ]);
    let d = Driver::new(&seen, Some(&env), None);
    assert_eq!(
        d.call(mesos_executor_driver_start).0,
        status::DRIVER_RUNNING
    );
    assert_eq!(d.call(mesos_executor_driver_stop).0, status::DRIVER_STOPPED);

    // The process environment (read when the driver is made) is checked the same way.
    assert!(std::env::var_os("MESOS_SLAVE_PID").is_none());
    let d = Driver::new(&seen, None, None);
    let (code, detail) = d.call(mesos_executor_driver_start);
    assert_eq!(code, MESOS_SHIM_ERR_INVALID_ARGUMENT);
    assert!(detail.contains("no MESOS_SLAVE_PID"), "{detail}");
}

/// A driver that ran is stopped, joined and destroyed the normal way.
#[test]
fn a_driver_that_ran_stops_joins_and_is_destroyed() {
    let seen = Seen::default();
    let env = agent_environment();
    let d = Driver::new(&seen, Some(&env), None);
    assert_eq!(
        d.call(mesos_executor_driver_start).0,
        status::DRIVER_RUNNING
    );
    assert_eq!(
        d.call(mesos_executor_driver_start).0,
        status::DRIVER_RUNNING
    );
    let raw = d.0 as usize;
    let joiner = std::thread::spawn(move || {
        let mut err = mesos_shim_error::default();
        // SAFETY: the driver stays live until the thread is joined below.
        unsafe { mesos_executor_driver_join(raw as *mut mesos_executor_driver, &mut err) }
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(d.call(mesos_executor_driver_stop).0, status::DRIVER_STOPPED);
    assert_eq!(joiner.join().unwrap(), status::DRIVER_STOPPED);
    let mut err = mesos_shim_error::default();
    let data = b"hello";
    // SAFETY: live driver, valid buffer.
    let sent = unsafe {
        mesos_executor_driver_send_framework_message(d.0, mesos_bytes::from_slice(data), &mut err)
    };
    assert_eq!(sent, status::DRIVER_STOPPED);
    drop(d);
    assert!(seen.errors.lock().unwrap().is_empty());
}
