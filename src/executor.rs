//! The executor side: the [`Executor`] trait, the [`ExecutorDriver`] handle and
//! [`ExecutorEvent`] (one libmesos callback as a value).
//!
//! An executor is a program the Mesos agent starts to run tasks; it talks to the agent
//! through `MesosExecutorDriver`, configured from environment variables the agent sets.
//! The dev kit's libmesos has no executor driver: there [`ExecutorDriver::new`] returns
//! [`Error::Unsupported`].

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::{Arc, Weak};

use mesos_sys as sys;

use crate::dispatch::{enqueue, Context, Dispatcher, Handler};
use crate::error::{Error, Result};
use crate::ffi::{self, action_call, encode, status_call, ErrorSlot, Params, SendPtr};
use crate::types::{ExecutorInfo, FrameworkInfo, SlaveInfo, Status, TaskID, TaskInfo, TaskStatus};

/// The callbacks of a Mesos executor (the C++ `mesos::Executor`, hs-mesos' `ToExecutor`).
///
/// Every method has a default that does nothing. Methods run one at a time, in libmesos'
/// order, on a thread owned by the driver, and may call any method of `driver`. Long work
/// (running a task) belongs on a thread of its own, so that `kill_task` and `shutdown` are
/// delivered while it runs.
///
/// ```
/// use mesos::{Executor, ExecutorDriver, types::{TaskInfo, TaskState}, task_status};
///
/// struct Echo;
/// impl Executor for Echo {
///     fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
///         let update = task_status::task_status(&task.task_id, TaskState::TASK_FINISHED);
///         driver.send_status_update(&update).ok();
///     }
/// }
/// ```
#[allow(unused_variables)]
pub trait Executor: Send + 'static {
    /// The executor registered with its agent.
    fn registered(
        &mut self,
        driver: &ExecutorDriver,
        executor_info: &ExecutorInfo,
        framework_info: &FrameworkInfo,
        slave_info: &SlaveInfo,
    ) {
    }
    /// The executor re-registered with a restarted agent.
    fn reregistered(&mut self, driver: &ExecutorDriver, slave_info: &SlaveInfo) {}
    /// The agent went away; libmesos waits for it to come back (if checkpointing).
    fn disconnected(&mut self, driver: &ExecutorDriver) {}
    /// Run a task; report its progress with [`ExecutorDriver::send_status_update`].
    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {}
    /// Kill a task; report its terminal state (e.g. `TASK_KILLED`).
    fn kill_task(&mut self, driver: &ExecutorDriver, task_id: &TaskID) {}
    /// A message from the scheduler.
    fn framework_message(&mut self, driver: &ExecutorDriver, data: &[u8]) {}
    /// Kill every task and exit: the agent asked the executor to shut down.
    fn shutdown(&mut self, driver: &ExecutorDriver) {}
    /// An unrecoverable error; libmesos aborts the driver after this callback.
    fn error(&mut self, driver: &ExecutorDriver, message: &str) {}
}

/// One executor callback as a value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Events are built once and moved to the callback thread; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum ExecutorEvent {
    /// See [`Executor::registered`].
    Registered {
        /// This executor.
        executor_info: ExecutorInfo,
        /// Its framework.
        framework_info: FrameworkInfo,
        /// Its agent.
        slave_info: SlaveInfo,
    },
    /// See [`Executor::reregistered`].
    Reregistered {
        /// The agent.
        slave_info: SlaveInfo,
    },
    /// See [`Executor::disconnected`].
    Disconnected,
    /// See [`Executor::launch_task`].
    LaunchTask {
        /// The task.
        task: TaskInfo,
    },
    /// See [`Executor::kill_task`].
    KillTask {
        /// The task.
        task_id: TaskID,
    },
    /// See [`Executor::framework_message`].
    FrameworkMessage {
        /// The message.
        data: Vec<u8>,
    },
    /// See [`Executor::shutdown`].
    Shutdown,
    /// See [`Executor::error`].
    Error {
        /// What libmesos said.
        message: String,
    },
}

impl ExecutorEvent {
    /// The name of the [`Executor`] method this event is delivered to.
    ///
    /// ```
    /// use mesos::executor::ExecutorEvent;
    /// assert_eq!(ExecutorEvent::Shutdown.callback_name(), "shutdown");
    /// ```
    pub fn callback_name(&self) -> &'static str {
        match self {
            ExecutorEvent::Registered { .. } => "registered",
            ExecutorEvent::Reregistered { .. } => "reregistered",
            ExecutorEvent::Disconnected => "disconnected",
            ExecutorEvent::LaunchTask { .. } => "launch_task",
            ExecutorEvent::KillTask { .. } => "kill_task",
            ExecutorEvent::FrameworkMessage { .. } => "framework_message",
            ExecutorEvent::Shutdown => "shutdown",
            ExecutorEvent::Error { .. } => "error",
        }
    }

    /// Calls the matching method of `executor`.
    pub fn dispatch_to<E: Executor + ?Sized>(&self, executor: &mut E, driver: &ExecutorDriver) {
        match self {
            ExecutorEvent::Registered {
                executor_info,
                framework_info,
                slave_info,
            } => executor.registered(driver, executor_info, framework_info, slave_info),
            ExecutorEvent::Reregistered { slave_info } => executor.reregistered(driver, slave_info),
            ExecutorEvent::Disconnected => executor.disconnected(driver),
            ExecutorEvent::LaunchTask { task } => executor.launch_task(driver, task),
            ExecutorEvent::KillTask { task_id } => executor.kill_task(driver, task_id),
            ExecutorEvent::FrameworkMessage { data } => executor.framework_message(driver, data),
            ExecutorEvent::Shutdown => executor.shutdown(driver),
            ExecutorEvent::Error { message } => executor.error(driver, message),
        }
    }
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
    fn decode(self) -> Result<ExecutorEvent> {
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
            RawEvent::Kill(t) => ExecutorEvent::KillTask {
                task_id: decode(&t)?,
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
    enqueue(ctx, || unsafe {
        RawEvent::Registered(ffi::owned(e), ffi::owned(f), ffi::owned(s))
    });
}
unsafe extern "C" fn cb_reregistered(ctx: *mut c_void, s: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Reregistered(ffi::owned(s)) });
}
unsafe extern "C" fn cb_disconnected(ctx: *mut c_void) {
    enqueue(ctx, || RawEvent::Disconnected);
}
unsafe extern "C" fn cb_launch(ctx: *mut c_void, t: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Launch(ffi::owned(t)) });
}
unsafe extern "C" fn cb_kill(ctx: *mut c_void, t: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Kill(ffi::owned(t)) });
}
unsafe extern "C" fn cb_message(ctx: *mut c_void, d: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Message(ffi::owned(d)) });
}
unsafe extern "C" fn cb_shutdown(ctx: *mut c_void) {
    enqueue(ctx, || RawEvent::Shutdown);
}
unsafe extern "C" fn cb_error(ctx: *mut c_void, m: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Error(ffi::owned(m)) });
}

pub(crate) const CALLBACKS: sys::mesos_executor_callbacks = sys::mesos_executor_callbacks {
    registered: Some(cb_registered),
    reregistered: Some(cb_reregistered),
    disconnected: Some(cb_disconnected),
    launch_task: Some(cb_launch),
    kill_task: Some(cb_kill),
    framework_message: Some(cb_message),
    shutdown: Some(cb_shutdown),
    error: Some(cb_error),
    dropped: Some(crate::dispatch::cb_dropped::<RawEvent>),
};

/// What the shim object behind a driver handle is.
enum Backend {
    /// libmesos' MesosExecutorDriver.
    Driver(SendPtr<sys::mesos_executor_driver>),
    /// The shim's forwarding executor alone, driven by test code (see `testing`).
    Adapter(SendPtr<sys::mesos_executor_adapter>),
}

pub(crate) struct Inner {
    backend: Backend,
    dispatcher: Dispatcher<RawEvent>,
    ctx: Option<Box<Context<RawEvent>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        match self.backend {
            // SAFETY: the pointer came from the shim's constructor and is freed exactly once.
            // This thread is never libmesos' own, so the shim may wait for libmesos.
            Backend::Driver(p) => unsafe { sys::mesos_executor_driver_free(p.0) },
            // SAFETY: as above.
            Backend::Adapter(p) => unsafe { sys::mesos_executor_adapter_free(p.0) },
        }
        if let Some(ctx) = self.ctx.take() {
            self.dispatcher.finish(ctx);
        }
    }
}

/// A handle to libmesos' executor driver (the C++ `MesosExecutorDriver`).
///
/// Cheap to clone, `Send + Sync`, usable from any thread and from inside callbacks. Dropping
/// the last handle stops and frees the driver, from any thread.
#[derive(Clone)]
pub struct ExecutorDriver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ExecutorDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutorDriver").finish_non_exhaustive()
    }
}

struct TraitHandler<E> {
    executor: E,
    driver: Weak<Inner>,
}

impl<E: Executor> Handler<RawEvent> for TraitHandler<E> {
    fn deliver(&mut self, raw: RawEvent) {
        let Some(inner) = self.driver.upgrade() else {
            return;
        };
        let driver = ExecutorDriver { inner };
        match raw.decode() {
            Ok(event) => {
                tracing::trace!(callback = event.callback_name(), "executor callback");
                match &event {
                    ExecutorEvent::Registered { executor_info, .. } => tracing::debug!(
                        executor_id = executor_info.executor_id.value(),
                        "executor registered"
                    ),
                    ExecutorEvent::Disconnected => tracing::debug!("disconnected from the agent"),
                    ExecutorEvent::Error { message } => {
                        tracing::warn!(message = %message, "libmesos reported an error")
                    }
                    _ => {}
                }
                event.dispatch_to(&mut self.executor, &driver)
            }
            Err(e) => tracing::error!(error = %e, "could not decode an executor callback"),
        }
    }

    fn panicked(&mut self, message: &str) {
        if let Some(inner) = self.driver.upgrade() {
            tracing::error!(panic = message, "aborting the executor driver");
            let _ = ExecutorDriver { inner }.abort();
        }
    }
}

impl ExecutorDriver {
    /// Creates a driver configured from the environment the agent gave this process
    /// (`MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`, `MESOS_SLAVE_PID`, ...).
    ///
    /// ```no_run
    /// # struct E; impl mesos::Executor for E {}
    /// let driver = mesos::ExecutorDriver::new(E)?;
    /// std::process::exit(if driver.run()? == mesos::Status::DRIVER_STOPPED { 0 } else { 1 });
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn new<E: Executor>(executor: E) -> Result<ExecutorDriver> {
        Self::create(executor, None)
    }

    /// Creates a driver configured from `environment` instead of the process environment.
    pub fn with_environment<E: Executor>(
        executor: E,
        environment: &BTreeMap<String, String>,
    ) -> Result<ExecutorDriver> {
        Self::create(executor, Some(environment))
    }

    fn create<E: Executor>(
        executor: E,
        environment: Option<&BTreeMap<String, String>>,
    ) -> Result<ExecutorDriver> {
        let (dispatcher, ctx, rx) = Dispatcher::new();
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
        let k = ffi::Buffers::strings(&keys);
        let v = ffi::Buffers::strings(&values);
        let mut slot = ErrorSlot::new();
        let ctx_ptr = &*ctx as *const Context<RawEvent> as *mut c_void;
        // SAFETY: key/value buffers live across the call; ctx_ptr stays valid until
        // Inner::drop, which frees the shim driver before the context.
        let raw = unsafe {
            sys::mesos_executor_driver_new(
                &CALLBACKS,
                ctx_ptr,
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
        Ok(Self::assemble(
            Backend::Driver(SendPtr(raw)),
            dispatcher,
            ctx,
            rx,
            executor,
        ))
    }

    fn assemble<E: Executor>(
        backend: Backend,
        dispatcher: Dispatcher<RawEvent>,
        ctx: Box<Context<RawEvent>>,
        rx: std::sync::mpsc::Receiver<crate::dispatch::Item<RawEvent>>,
        executor: E,
    ) -> ExecutorDriver {
        let inner = Arc::new(Inner {
            backend,
            dispatcher,
            ctx: Some(ctx),
        });
        let handler = TraitHandler {
            executor,
            driver: Arc::downgrade(&inner),
        };
        inner.dispatcher.start("mesos-executor", rx, handler);
        ExecutorDriver { inner }
    }

    fn driver(&self) -> Result<*mut sys::mesos_executor_driver> {
        match self.inner.backend {
            Backend::Driver(p) => Ok(p.0),
            Backend::Adapter(_) => Err(Error::Unsupported(
                "this handle drives the shim's executor adapter, not a libmesos driver".into(),
            )),
        }
    }

    /// Starts the driver: it registers with the agent.
    pub fn start(&self) -> Result<Status> {
        let d = self.driver()?;
        // SAFETY (every call below): the driver pointer is live while `self` holds the Arc.
        status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_start(d, e)
        })
    }

    /// Stops the driver.
    pub fn stop(&self) -> Result<Status> {
        let d = self.driver()?;
        status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_stop(d, e)
        })
    }

    /// Aborts the driver.
    pub fn abort(&self) -> Result<Status> {
        let d = self.driver()?;
        status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_abort(d, e)
        })
    }

    /// Waits until the driver is stopped or aborted and the queued callbacks have run.
    /// [`Error::CallbackPanicked`] if a callback panicked.
    pub fn join(&self) -> Result<Status> {
        let d = self.driver()?;
        let status = status_call(Params::NONE, |e| unsafe {
            sys::mesos_executor_driver_join(d, e)
        })?;
        self.inner.dispatcher.drain();
        match self.inner.dispatcher.shared.panic_message() {
            Some(msg) => Err(Error::CallbackPanicked(msg)),
            None => Ok(status),
        }
    }

    /// [`start`](Self::start), then [`join`](Self::join).
    pub fn run(&self) -> Result<Status> {
        match self.start()? {
            Status::DRIVER_RUNNING => self.join(),
            other => Err(Error::NotRunning(other)),
        }
    }

    /// Reports a task's state to the framework (through the agent).
    pub fn send_status_update(&self, status: &TaskStatus) -> Result<()> {
        let d = self.driver()?;
        let s = encode(status);
        action_call(Params::Method(&["status"]), |e| unsafe {
            sys::mesos_executor_driver_send_status_update(d, sys::mesos_bytes::from_slice(&s), e)
        })
    }

    /// Sends `data` to the scheduler.
    pub fn send_framework_message(&self, data: &[u8]) -> Result<()> {
        let d = self.driver()?;
        action_call(Params::Method(&["data"]), |e| unsafe {
            sys::mesos_executor_driver_send_framework_message(
                d,
                sys::mesos_bytes::from_slice(data),
                e,
            )
        })
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
    adapter: *mut sys::mesos_executor_adapter,
}

// SAFETY: the adapter is only used through &self methods that each make one shim call; the
// adapter's forwarding methods only enqueue onto a thread-safe channel.
unsafe impl Send for ExecutorHarness {}
// SAFETY: as above.
unsafe impl Sync for ExecutorHarness {}

impl ExecutorHarness {
    /// Creates the adapter with `executor` behind it.
    pub fn new<E: Executor>(executor: E) -> Result<ExecutorHarness> {
        let (dispatcher, ctx, rx) = Dispatcher::new();
        let ctx_ptr = &*ctx as *const Context<RawEvent> as *mut c_void;
        // SAFETY: ctx_ptr stays valid until Inner::drop frees the adapter first.
        let adapter = unsafe { sys::mesos_executor_adapter_new(&CALLBACKS, ctx_ptr) };
        if adapter.is_null() {
            return Err(Error::Cpp("could not create the executor adapter".into()));
        }
        let driver = ExecutorDriver::assemble(
            Backend::Adapter(SendPtr(adapter)),
            dispatcher,
            ctx,
            rx,
            executor,
        );
        Ok(ExecutorHarness { driver, adapter })
    }

    fn call(
        &self,
        params: &'static [&'static str],
        f: impl FnOnce(*mut sys::mesos_shim_error) -> i32,
    ) -> Result<()> {
        let mut slot = ErrorSlot::new();
        match f(slot.as_mut_ptr()) {
            0 => Ok(()),
            code => Err(slot.to_error(code, Params::Method(params))),
        }
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
        self.call(PARAMS, |err| unsafe {
            sys::mesos_executor_adapter_registered(
                self.adapter,
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
        self.call(&["slave_info"], |err| unsafe {
            sys::mesos_executor_adapter_reregistered(
                self.adapter,
                sys::mesos_bytes::from_slice(&s),
                err,
            )
        })
    }

    /// Invokes `disconnected`.
    pub fn disconnected(&self) -> Result<()> {
        self.call(&[], |err| unsafe {
            sys::mesos_executor_adapter_disconnected(self.adapter, err)
        })
    }

    /// Invokes `launchTask`.
    pub fn launch_task(&self, task: &TaskInfo) -> Result<()> {
        let t = encode(task);
        self.call(&["task"], |err| unsafe {
            sys::mesos_executor_adapter_launch_task(
                self.adapter,
                sys::mesos_bytes::from_slice(&t),
                err,
            )
        })
    }

    /// Invokes `killTask`.
    pub fn kill_task(&self, task_id: &TaskID) -> Result<()> {
        let t = encode(task_id);
        self.call(&["task_id"], |err| unsafe {
            sys::mesos_executor_adapter_kill_task(
                self.adapter,
                sys::mesos_bytes::from_slice(&t),
                err,
            )
        })
    }

    /// Invokes `frameworkMessage`.
    pub fn framework_message(&self, data: &[u8]) -> Result<()> {
        self.call(&["data"], |err| unsafe {
            sys::mesos_executor_adapter_framework_message(
                self.adapter,
                sys::mesos_bytes::from_slice(data),
                err,
            )
        })
    }

    /// Invokes `shutdown`.
    pub fn shutdown(&self) -> Result<()> {
        self.call(&[], |err| unsafe {
            sys::mesos_executor_adapter_shutdown(self.adapter, err)
        })
    }

    /// Invokes `error`.
    pub fn error(&self, message: &str) -> Result<()> {
        self.call(&["message"], |err| unsafe {
            sys::mesos_executor_adapter_error(
                self.adapter,
                sys::mesos_bytes::from_slice(message.as_bytes()),
                err,
            )
        })
    }

    /// Waits until every callback invoked so far has run on the callback thread.
    pub fn drain(&self) {
        self.driver.inner.dispatcher.drain();
    }

    /// The message of a callback panic, if one happened.
    pub fn panic_message(&self) -> Option<String> {
        self.driver.inner.dispatcher.shared.panic_message()
    }
}
