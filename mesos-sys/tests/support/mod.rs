//! Test support for the raw C ABI: a minimal protobuf wire encoder/decoder (so that these
//! tests depend on nothing but the shim) and a recorder for scheduler callbacks.
#![allow(dead_code)]

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use mesos_sys::*;

/// Builds one protobuf message by appending fields.
#[derive(Default, Clone)]
pub struct Msg(pub Vec<u8>);

impl Msg {
    pub fn new() -> Self {
        Msg(Vec::new())
    }
    fn varint(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                break;
            }
            self.0.push(b | 0x80);
        }
    }
    pub fn uint(mut self, field: u32, v: u64) -> Self {
        self.varint((field as u64) << 3);
        self.varint(v);
        self
    }
    pub fn double(mut self, field: u32, v: f64) -> Self {
        self.varint(((field as u64) << 3) | 1);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bytes(mut self, field: u32, v: &[u8]) -> Self {
        self.varint(((field as u64) << 3) | 2);
        self.varint(v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }
    pub fn str(self, field: u32, v: &str) -> Self {
        self.bytes(field, v.as_bytes())
    }
    pub fn msg(self, field: u32, m: &Msg) -> Self {
        self.bytes(field, &m.0)
    }
}

/// One decoded field value.
#[derive(Debug, Clone)]
pub enum Value {
    Varint(u64),
    Fixed64(u64),
    Bytes(Vec<u8>),
    Fixed32(u32),
}

/// Decodes the top-level fields of a message (None on malformed input).
pub fn fields(mut buf: &[u8]) -> Option<Vec<(u32, Value)>> {
    fn varint(buf: &mut &[u8]) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = buf.split_first()?;
            *buf = rest;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        let field = (key >> 3) as u32;
        let value = match key & 7 {
            0 => Value::Varint(varint(&mut buf)?),
            1 => {
                let (b, rest) = buf.split_at_checked(8)?;
                buf = rest;
                Value::Fixed64(u64::from_le_bytes(b.try_into().ok()?))
            }
            2 => {
                let n = varint(&mut buf)? as usize;
                let (b, rest) = buf.split_at_checked(n)?;
                buf = rest;
                Value::Bytes(b.to_vec())
            }
            5 => {
                let (b, rest) = buf.split_at_checked(4)?;
                buf = rest;
                Value::Fixed32(u32::from_le_bytes(b.try_into().ok()?))
            }
            _ => return None,
        };
        out.push((field, value));
    }
    Some(out)
}

/// The first length-delimited value of `field`.
pub fn get_bytes(msg: &[u8], field: u32) -> Option<Vec<u8>> {
    fields(msg)?.into_iter().find_map(|(f, v)| match v {
        Value::Bytes(b) if f == field => Some(b),
        _ => None,
    })
}

/// Every length-delimited value of `field`.
pub fn get_all_bytes(msg: &[u8], field: u32) -> Vec<Vec<u8>> {
    fields(msg)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(f, v)| match v {
            Value::Bytes(b) if f == field => Some(b),
            _ => None,
        })
        .collect()
}

/// The first varint value of `field`.
pub fn get_varint(msg: &[u8], field: u32) -> Option<u64> {
    fields(msg)?.into_iter().find_map(|(f, v)| match v {
        Value::Varint(x) if f == field => Some(x),
        _ => None,
    })
}

/// The first double value of `field`.
pub fn get_double(msg: &[u8], field: u32) -> Option<f64> {
    fields(msg)?.into_iter().find_map(|(f, v)| match v {
        Value::Fixed64(x) if f == field => Some(f64::from_bits(x)),
        _ => None,
    })
}

/// Environment for an in-process local cluster with a fresh work dir. Must run before the
/// first libmesos call of the process.
pub fn local_cluster_env(work_dir: &std::path::Path, resources: &str) {
    // SAFETY (set_var): called at the start of a test process, before any thread that could
    // read the environment concurrently (libmesos is not initialised yet).
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_WORK_DIR", work_dir);
    std::env::set_var("MESOS_LAUNCHER", "posix");
    std::env::set_var("MESOS_RESOURCES", resources);
    std::env::set_var("MESOS_LOGGING_LEVEL", "WARNING");
    std::env::set_var("GLOG_minloglevel", "1");
    // The agent's helper programs, so that tasks really run: Mesos' own when
    // MESOS_RS_NATIVE_HELPERS is set, else MESOS_LAUNCHER_DIR if set, else the dev kit's
    // (a real installation's agent has its own default).
    let native = std::env::var_os("MESOS_RS_NATIVE_HELPERS").filter(|d| !d.is_empty());
    let dir = native
        .clone()
        .or_else(|| std::env::var_os("MESOS_LAUNCHER_DIR").filter(|d| !d.is_empty()))
        .map(std::path::PathBuf::from)
        .or_else(|| {
            mesos_sys::linked::DEVKIT_DIR
                .map(|kit| std::path::Path::new(kit).join("libexec").join("mesos"))
        });
    if let Some(dir) = dir {
        for program in ["mesos-containerizer", "mesos-executor"] {
            assert!(
                dir.join(program).is_file(),
                "{} holds no {program}, so no task could launch: provision the dev kit with \
                 its helper programs (python3 mesos-sys/devkit/provision.py)",
                dir.display()
            );
        }
        std::env::set_var("MESOS_LAUNCHER_DIR", &dir);
        if native.is_none() {
            // The project's launch helper: task output to the sandbox files.
            std::env::set_var("MESOS_CONTAINERIZER_SANDBOX_STDIO", "true");
        }
    }
}

/// A scheduler callback as recorded by [`Recorder`].
#[derive(Debug, Clone)]
pub enum Event {
    Registered {
        framework_id: Vec<u8>,
        master: Vec<u8>,
    },
    Reregistered,
    Disconnected,
    Offers(Vec<Vec<u8>>),
    Rescinded(Vec<u8>),
    Status(Vec<u8>),
    FrameworkMessage(Vec<u8>),
    SlaveLost(Vec<u8>),
    ExecutorLost(i32),
    Error(String),
    /// The shim could not pass a callback on: libmesos' method name and why.
    Dropped(String, String),
}

/// Records every callback; the test thread waits on it.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
    cond: Condvar,
}

impl Recorder {
    fn push(&self, e: Event) {
        self.events.lock().unwrap().push(e);
        self.cond.notify_all();
    }

    /// Waits until `pred` matches a recorded event and returns it (panics after `timeout`).
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut pred: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        let mut events = self.events.lock().unwrap();
        loop {
            if let Some(t) = events.iter().find_map(&mut pred) {
                return t;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out waiting for {what}; events so far: {events:?}"
            );
            events = self.cond.wait_timeout(events, deadline - now).unwrap().0;
        }
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
}

fn rec<'a>(ctx: *mut std::ffi::c_void) -> &'a Recorder {
    // SAFETY: ctx is the &Recorder the test passed to mesos_scheduler_driver_new, which it
    // keeps alive until after mesos_scheduler_driver_free.
    unsafe { &*(ctx as *const Recorder) }
}

fn owned(b: mesos_bytes) -> Vec<u8> {
    // SAFETY: the shim passes buffers valid for the duration of the callback.
    unsafe { b.as_slice() }.to_vec()
}

unsafe extern "C" fn on_registered(
    ctx: *mut std::ffi::c_void,
    id: mesos_bytes,
    master: mesos_bytes,
) {
    rec(ctx).push(Event::Registered {
        framework_id: owned(id),
        master: owned(master),
    });
}
unsafe extern "C" fn on_reregistered(ctx: *mut std::ffi::c_void, _m: mesos_bytes) {
    rec(ctx).push(Event::Reregistered);
}
unsafe extern "C" fn on_disconnected(ctx: *mut std::ffi::c_void) {
    rec(ctx).push(Event::Disconnected);
}
unsafe extern "C" fn on_offers(ctx: *mut std::ffi::c_void, offers: *const mesos_bytes, n: usize) {
    // SAFETY: the shim passes `n` valid entries for the duration of the callback.
    let list = unsafe { std::slice::from_raw_parts(offers, n) };
    rec(ctx).push(Event::Offers(list.iter().map(|b| owned(*b)).collect()));
}
unsafe extern "C" fn on_rescinded(ctx: *mut std::ffi::c_void, id: mesos_bytes) {
    rec(ctx).push(Event::Rescinded(owned(id)));
}
unsafe extern "C" fn on_status(ctx: *mut std::ffi::c_void, s: mesos_bytes) {
    rec(ctx).push(Event::Status(owned(s)));
}
unsafe extern "C" fn on_message(
    ctx: *mut std::ffi::c_void,
    _e: mesos_bytes,
    _s: mesos_bytes,
    d: mesos_bytes,
) {
    rec(ctx).push(Event::FrameworkMessage(owned(d)));
}
unsafe extern "C" fn on_slave_lost(ctx: *mut std::ffi::c_void, s: mesos_bytes) {
    rec(ctx).push(Event::SlaveLost(owned(s)));
}
unsafe extern "C" fn on_executor_lost(
    ctx: *mut std::ffi::c_void,
    _e: mesos_bytes,
    _s: mesos_bytes,
    st: i32,
) {
    rec(ctx).push(Event::ExecutorLost(st));
}
unsafe extern "C" fn on_error(ctx: *mut std::ffi::c_void, m: mesos_bytes) {
    rec(ctx).push(Event::Error(
        String::from_utf8_lossy(&owned(m)).into_owned(),
    ));
}

unsafe extern "C" fn on_dropped(
    ctx: *mut std::ffi::c_void,
    callback: *const std::ffi::c_char,
    reason: *const std::ffi::c_char,
) {
    // SAFETY: the shim passes two NUL-terminated strings valid during the call.
    let text = |p| {
        unsafe { std::ffi::CStr::from_ptr(p) }
            .to_string_lossy()
            .into_owned()
    };
    rec(ctx).push(Event::Dropped(text(callback), text(reason)));
}

/// The callback table that feeds a [`Recorder`].
pub fn recorder_callbacks() -> mesos_scheduler_callbacks {
    mesos_scheduler_callbacks {
        registered: Some(on_registered),
        reregistered: Some(on_reregistered),
        disconnected: Some(on_disconnected),
        resource_offers: Some(on_offers),
        offer_rescinded: Some(on_rescinded),
        status_update: Some(on_status),
        framework_message: Some(on_message),
        slave_lost: Some(on_slave_lost),
        executor_lost: Some(on_executor_lost),
        error: Some(on_error),
        dropped: Some(on_dropped),
    }
}

/// A scheduler driver made with the raw ABI (freed on drop).
pub struct RawDriver(pub *mut mesos_scheduler_driver);

impl RawDriver {
    /// Creates a driver or returns the shim's error (code, type name, detail).
    pub fn new(
        rec: &Recorder,
        framework_info: &[u8],
        master: &str,
    ) -> Result<RawDriver, (i32, String, String)> {
        let callbacks = recorder_callbacks();
        let options = mesos_scheduler_options {
            framework_info: mesos_bytes::from_slice(framework_info),
            master: mesos_bytes::from_slice(master.as_bytes()),
            credential: std::ptr::null(),
            implicit_acknowledgements: 1,
            has_suppressed_roles: 0,
            suppressed_roles: std::ptr::null(),
            suppressed_roles_count: 0,
        };
        let mut err = mesos_shim_error::default();
        // SAFETY: all pointers are valid for the call; `rec` outlives the driver (tests free
        // the driver before the recorder goes out of scope).
        let d = unsafe {
            mesos_scheduler_driver_new(
                &callbacks,
                rec as *const Recorder as *mut _,
                &options,
                &mut err,
            )
        };
        if d.is_null() {
            Err(take_error(&mut err))
        } else {
            Ok(RawDriver(d))
        }
    }
}

impl Drop for RawDriver {
    fn drop(&mut self) {
        // SAFETY: self.0 came from mesos_scheduler_driver_new and is freed once.
        unsafe { mesos_scheduler_driver_free(self.0) }
    }
}

/// Converts a filled-in shim error to (code, type name, detail) and releases it.
pub fn take_error(err: &mut mesos_shim_error) -> (i32, String, String) {
    let s = |p: *mut std::ffi::c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: the shim stores NUL-terminated malloc'd strings or NULL.
            unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        }
    };
    let out = (err.code, s(err.type_name), s(err.detail));
    // SAFETY: err was filled by the shim; clearing frees its strings once.
    unsafe { mesos_shim_error_clear(err) };
    out
}

/// A minimal valid FrameworkInfo.
pub fn framework_info(name: &str) -> Msg {
    Msg::new().str(1, "").str(2, name)
}

/// A driver for master `"local"` with its cluster's environment and work directory set up,
/// and the recorder of its callbacks (boxed: the driver keeps its address). Fields drop in
/// order: the driver first, then the recorder, then the work directory.
pub struct LocalDriver {
    pub driver: RawDriver,
    pub rec: Box<Recorder>,
    _work: tempfile::TempDir,
}

/// A [`LocalDriver`] for a framework called `name` with agents of `resources`; not started.
pub fn local_driver(name: &str, resources: &str) -> LocalDriver {
    let work = tempfile::tempdir().unwrap();
    local_cluster_env(work.path(), resources);
    let rec = Box::new(Recorder::default());
    let driver = RawDriver::new(&rec, &framework_info(name).0, "local").expect("driver");
    LocalDriver {
        driver,
        rec,
        _work: work,
    }
}

impl LocalDriver {
    /// Starts the driver and waits for `registered`: (FrameworkID, MasterInfo) as bytes.
    pub fn start_and_register(&self) -> (Vec<u8>, Vec<u8>) {
        let mut err = mesos_shim_error::default();
        // SAFETY: the driver is live; err is a valid error slot.
        let status = unsafe { mesos_scheduler_driver_start(self.driver.0, &mut err) };
        assert_eq!(status, mesos_sys::status::DRIVER_RUNNING);
        self.rec
            .wait_for(Duration::from_secs(30), "registered", |e| match e {
                Event::Registered {
                    framework_id,
                    master,
                } => Some((framework_id.clone(), master.clone())),
                _ => None,
            })
    }
}
