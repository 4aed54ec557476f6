//! The libmesos backend: libmesos' own `MesosExecutorDriver` through the shim, and the
//! [`ExecutorHarness`] that drives the shim's executor adapter without a driver.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

use mesos_sys as sys;

use super::env::{self, Env};
use super::{Engine, EngineOps, Executor, ExecutorDriver, ExecutorEvent, Incoming};
use crate::dispatch::enqueue;
use crate::error::{Error, Result};
use crate::ffi::{self, action_call, encode, status_call, ErrorSlot, Params, SendPtr};
use crate::types::{ExecutorInfo, FrameworkInfo, SlaveInfo, Status, TaskID, TaskInfo, TaskStatus};

/// Queues one libmesos callback (see `dispatch::enqueue`); `ctx` is the context the shim holds.
fn queue(ctx: *mut c_void, make: impl FnOnce() -> RawEvent) {
    enqueue(ctx, || Incoming::Raw(make()));
}

/// A callback as the shim delivered it: still serialized.
pub(crate) enum RawEvent {
    Registered(Vec<u8>, Vec<u8>, Vec<u8>),
    Reregistered(Vec<u8>),
    Disconnected,
    Launch(Vec<u8>),
    Kill(Vec<u8>),
    Message(Vec<u8>),
    Shutdown,
    Error(Vec<u8>),
}

impl RawEvent {
    pub(crate) fn decode(self) -> Result<ExecutorEvent> {
        use ffi::decode;
        Ok(match self {
            RawEvent::Registered(e, f, s) => ExecutorEvent::Registered {
                executor_info: decode(&e)?,
                framework_info: decode(&f)?,
                slave_info: decode(&s)?,
            },
            RawEvent::Reregistered(s) => ExecutorEvent::Reregistered {
                slave_info: decode(&s)?,
            },
            RawEvent::Disconnected => ExecutorEvent::Disconnected,
            RawEvent::Launch(t) => ExecutorEvent::LaunchTask { task: decode(&t)? },
            // libmesos' kill callback carries no kill policy.
            RawEvent::Kill(t) => ExecutorEvent::KillTask {
                task_id: decode(&t)?,
                kill_policy: None,
            },
            RawEvent::Message(data) => ExecutorEvent::FrameworkMessage { data },
            RawEvent::Shutdown => ExecutorEvent::Shutdown,
            RawEvent::Error(m) => ExecutorEvent::Error {
                message: String::from_utf8_lossy(&m).into_owned(),
            },
        })
    }
}

unsafe extern "C" fn cb_registered(
    ctx: *mut c_void,
    e: sys::mesos_bytes,
    f: sys::mesos_bytes,
    s: sys::mesos_bytes,
) {
    // SAFETY (all callbacks): buffers are valid for the duration of the callback.
    queue(ctx, || unsafe {
        RawEvent::Registered(ffi::owned(e), ffi::owned(f), ffi::owned(s))
    });
}
unsafe extern "C" fn cb_reregistered(ctx: *mut c_void, s: sys::mesos_bytes) {
    queue(ctx, || unsafe { RawEvent::Reregistered(ffi::owned(s)) });
}
unsafe extern "C" fn cb_disconnected(ctx: *mut c_void) {
    queue(ctx, || RawEvent::Disconnected);
}
unsafe extern "C" fn cb_launch(ctx: *mut c_void, t: sys::mesos_bytes) {
    queue(ctx, || unsafe { RawEvent::Launch(ffi::owned(t)) });
}
unsafe extern "C" fn cb_kill(ctx: *mut c_void, t: sys::mesos_bytes) {
    queue(ctx, || unsafe { RawEvent::Kill(ffi::owned(t)) });
}
unsafe extern "C" fn cb_message(ctx: *mut c_void, d: sys::mesos_bytes) {
    queue(ctx, || unsafe { RawEvent::Message(ffi::owned(d)) });
}
unsafe extern "C" fn cb_shutdown(ctx: *mut c_void) {
    queue(ctx, || RawEvent::Shutdown);
}
unsafe extern "C" fn cb_error(ctx: *mut c_void, m: sys::mesos_bytes) {
    queue(ctx, || unsafe { RawEvent::Error(ffi::owned(m)) });
}

const CALLBACKS: sys::mesos_executor_callbacks = sys::mesos_executor_callbacks {
    registered: Some(cb_registered),
    reregistered: Some(cb_reregistered),
    disconnected: Some(cb_disconnected),
    launch_task: Some(cb_launch),
    kill_task: Some(cb_kill),
    framework_message: Some(cb_message),
    shutdown: Some(cb_shutdown),
    error: Some(cb_error),
    dropped: Some(crate::dispatch::cb_dropped::<Incoming>),
};

/// libmesos' `MesosExecutorDriver`.
pub(crate) struct Driver {
    ptr: SendPtr<sys::mesos_executor_driver>,
    /// The environment `start()` checks before libmesos reads it.
    env: Env,
    /// Whether `start()` reached libmesos: stop/abort/join on a driver that never started
    /// are answered here, never by libmesos (which cannot handle them).
    started: AtomicBool,
}

impl Driver {
    pub(super) fn new(
        ctx: *mut c_void,
        environment: Option<&BTreeMap<String, String>>,
        mut env: Env,
    ) -> Result<Driver> {
        // libmesos' driver never uses the authentication token (its messages are not
        // authenticated): keep no copy of it.
        env.remove(env::TOKEN);
        let keys: Vec<&str> = environment
            .iter()
            .flat_map(|m| m.keys())
            .map(String::as_str)
            .collect();
        let values: Vec<&str> = environment
            .iter()
            .flat_map(|m| m.values())
            .map(String::as_str)
            .collect();
        // libmesos' log lines go where the process' logging switch says, as for schedulers.
        crate::logging::configure()?;
        let k = ffi::Buffers::strings(&keys);
        let v = ffi::Buffers::strings(&values);
        let mut slot = ErrorSlot::new();
        // SAFETY: key/value buffers live across the call; the context stays valid until
        // the `Core` has freed the shim driver (through `release`).
        let raw = unsafe {
            sys::mesos_executor_driver_new(
                &CALLBACKS,
                ctx,
                i32::from(environment.is_some()),
                k.ptr(),
                v.ptr(),
                k.len(),
                slot.as_mut_ptr(),
            )
        };
        if raw.is_null() {
            return Err(slot.to_error(slot.0.code, Params::NONE));
        }
        Ok(Driver {
            ptr: SendPtr(raw),
            env,
            started: AtomicBool::new(false),
        })
    }

    fn not_started(&self) -> Option<Status> {
        (!self.started.load(Ordering::SeqCst)).then_some(Status::DRIVER_NOT_STARTED)
    }
}

impl EngineOps for Driver {
    fn start(&self) -> Result<Status> {
        // libmesos ends the process (EXIT(1)) on a missing or unparsable variable.
        env::check_for_libmesos(&self.env)?;
        let d = self.ptr.0;
        // SAFETY (every call below): the driver pointer is live until `release`, which needs
        // `&mut self`.
        // Marked started before libmesos starts: its first callbacks (a `launch_task` that
        // sends an update at once) can run on libmesos' thread before `start` returns here.
        let was_started = self.started.swap(true, Ordering::SeqCst);
        let status = status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_start(d, e)
        });
        // Only a start that did not reach a running driver undoes the mark.
        if !was_started && !matches!(status, Ok(s) if s != Status::DRIVER_NOT_STARTED) {
            self.started.store(false, Ordering::SeqCst);
        }
        status
    }

    fn stop(&self) -> Result<Status> {
        if let Some(s) = self.not_started() {
            return Ok(s);
        }
        let d = self.ptr.0;
        status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_stop(d, e)
        })
    }

    fn abort(&self) -> Result<Status> {
        if let Some(s) = self.not_started() {
            return Ok(s);
        }
        let d = self.ptr.0;
        status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_abort(d, e)
        })
    }

    fn join(&self) -> Result<Status> {
        if let Some(s) = self.not_started() {
            return Ok(s);
        }
        let d = self.ptr.0;
        status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_join(d, e)
        })
    }

    fn send_status_update(&self, status: &TaskStatus) -> Result<()> {
        if let Some(s) = self.not_started() {
            return Err(Error::NotRunning(s));
        }
        let d = self.ptr.0;
        let s = encode(status);
        action_call(Params::Method(&["status"]), |e| unsafe {
            sys::mesos_executor_driver_send_status_update(d, sys::mesos_bytes::from_slice(&s), e)
        })
    }

    fn send_framework_message(&self, data: &[u8]) -> Result<()> {
        if let Some(s) = self.not_started() {
            return Err(Error::NotRunning(s));
        }
        let d = self.ptr.0;
        action_call(Params::Method(&["data"]), |e| unsafe {
            sys::mesos_executor_driver_send_framework_message(
                d,
                sys::mesos_bytes::from_slice(data),
                e,
            )
        })
    }

    fn release(&mut self) {
        // SAFETY: the pointer came from the shim's constructor and is freed exactly once
        // (`ShimObject::free` consumes the engine). This thread is never libmesos' own, so the
        // shim may wait for libmesos.
        unsafe { sys::mesos_executor_driver_free(self.ptr.0) };
    }
}

/// The shim's forwarding executor alone, driven by an [`ExecutorHarness`].
pub(crate) struct Adapter {
    ptr: SendPtr<sys::mesos_executor_adapter>,
}

fn adapter_only() -> Error {
    Error::unsupported(
        "this handle drives the shim's executor adapter, not a libmesos driver".into(),
    )
}

impl EngineOps for Adapter {
    fn start(&self) -> Result<Status> {
        Err(adapter_only())
    }
    fn stop(&self) -> Result<Status> {
        Err(adapter_only())
    }
    fn abort(&self) -> Result<Status> {
        Err(adapter_only())
    }
    fn join(&self) -> Result<Status> {
        Err(adapter_only())
    }
    fn send_status_update(&self, _: &TaskStatus) -> Result<()> {
        Err(adapter_only())
    }
    fn send_framework_message(&self, _: &[u8]) -> Result<()> {
        Err(adapter_only())
    }
    fn release(&mut self) {
        // SAFETY: the pointer came from the shim's constructor and is freed exactly once.
        unsafe { sys::mesos_executor_adapter_free(self.ptr.0) };
    }
}

/// Drives the shim's C++ executor adapter (the `mesos::Executor` that forwards libmesos'
/// callbacks) without a `MesosExecutorDriver`: each call builds libmesos' own message
/// objects from the given Rust messages and invokes the adapter's virtual method, so the
/// callback travels the same path as under a real agent (C++ object -> bytes -> callback
/// thread -> your [`Executor`]). Meant for testing executors where libmesos has no executor
/// driver. The driver handle given to callbacks answers driver calls with
/// [`Error::Unsupported`].
///
/// ```no_run
/// use mesos::executor::ExecutorHarness;
/// use mesos::ids::task_id;
/// # struct E; impl mesos::Executor for E {}
/// let harness = ExecutorHarness::new(E)?;
/// harness.kill_task(&task_id("t1"))?;
/// harness.drain();
/// # Ok::<(), mesos::Error>(())
/// ```
pub struct ExecutorHarness {
    driver: ExecutorDriver,
}

impl std::fmt::Debug for ExecutorHarness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutorHarness").finish_non_exhaustive()
    }
}

impl ExecutorHarness {
    /// Creates the adapter with `executor` behind it.
    pub fn new<E: Executor>(executor: E) -> Result<ExecutorHarness> {
        let driver = ExecutorDriver::assemble(executor, |ctx| {
            // SAFETY: the context stays valid until the adapter is freed (the `Core` frees
            // the engine before the context).
            let adapter = unsafe { sys::mesos_executor_adapter_new(&CALLBACKS, ctx.as_c()) };
            if adapter.is_null() {
                return Err(Error::Cpp("could not create the executor adapter".into()));
            }
            Ok(Engine::Adapter(Adapter {
                ptr: SendPtr(adapter),
            }))
        })?;
        Ok(ExecutorHarness { driver })
    }

    /// Makes one adapter call while holding the driver alive; [`Error::Closed`] once the
    /// driver was closed (e.g. by a callback).
    fn call(
        &self,
        params: &'static [&'static str],
        f: impl FnOnce(*mut sys::mesos_executor_adapter, *mut sys::mesos_shim_error) -> i32,
    ) -> Result<()> {
        self.driver.with(|engine| {
            let Engine::Adapter(adapter) = engine else {
                return Err(Error::Unexpected(0));
            };
            let mut slot = ErrorSlot::new();
            match f(adapter.ptr.0, slot.as_mut_ptr()) {
                0 => Ok(()),
                code => Err(slot.to_error(code, Params::Method(params))),
            }
        })
    }

    /// Invokes `registered` with libmesos' `ExecutorInfo`, `FrameworkInfo` and `SlaveInfo`.
    pub fn registered(
        &self,
        executor_info: &ExecutorInfo,
        framework_info: &FrameworkInfo,
        slave_info: &SlaveInfo,
    ) -> Result<()> {
        let (e, f, s) = (
            encode(executor_info),
            encode(framework_info),
            encode(slave_info),
        );
        const PARAMS: &[&str] = &["executor_info", "framework_info", "slave_info"];
        // SAFETY (every call below): the adapter is live while `self` is; buffers outlive the call.
        self.call(PARAMS, |a, err| unsafe {
            sys::mesos_executor_adapter_registered(
                a,
                sys::mesos_bytes::from_slice(&e),
                sys::mesos_bytes::from_slice(&f),
                sys::mesos_bytes::from_slice(&s),
                err,
            )
        })
    }

    /// Invokes `reregistered`.
    pub fn reregistered(&self, slave_info: &SlaveInfo) -> Result<()> {
        let s = encode(slave_info);
        self.call(&["slave_info"], |a, err| unsafe {
            sys::mesos_executor_adapter_reregistered(a, sys::mesos_bytes::from_slice(&s), err)
        })
    }

    /// Invokes `disconnected`.
    pub fn disconnected(&self) -> Result<()> {
        self.call(&[], |a, err| unsafe {
            sys::mesos_executor_adapter_disconnected(a, err)
        })
    }

    /// Invokes `launchTask`.
    pub fn launch_task(&self, task: &TaskInfo) -> Result<()> {
        let t = encode(task);
        self.call(&["task"], |a, err| unsafe {
            sys::mesos_executor_adapter_launch_task(a, sys::mesos_bytes::from_slice(&t), err)
        })
    }

    /// Invokes `killTask`.
    pub fn kill_task(&self, task_id: &TaskID) -> Result<()> {
        let t = encode(task_id);
        self.call(&["task_id"], |a, err| unsafe {
            sys::mesos_executor_adapter_kill_task(a, sys::mesos_bytes::from_slice(&t), err)
        })
    }

    /// Invokes `frameworkMessage`.
    pub fn framework_message(&self, data: &[u8]) -> Result<()> {
        self.call(&["data"], |a, err| unsafe {
            sys::mesos_executor_adapter_framework_message(
                a,
                sys::mesos_bytes::from_slice(data),
                err,
            )
        })
    }

    /// Invokes `shutdown`.
    pub fn shutdown(&self) -> Result<()> {
        self.call(&[], |a, err| unsafe {
            sys::mesos_executor_adapter_shutdown(a, err)
        })
    }

    /// Invokes `error`.
    pub fn error(&self, message: &str) -> Result<()> {
        self.call(&["message"], |a, err| unsafe {
            sys::mesos_executor_adapter_error(
                a,
                sys::mesos_bytes::from_slice(message.as_bytes()),
                err,
            )
        })
    }

    /// Waits until every callback invoked so far has run on the callback thread.
    pub fn drain(&self) {
        let core = &self.driver.inner().core;
        if !core.is_closed() {
            core.dispatcher.drain();
        }
    }

    /// The message of a callback panic, if one happened.
    pub fn panic_message(&self) -> Option<String> {
        self.driver.inner().core.shared().panic_message()
    }
}
