//! The executor side: the [`Executor`] trait, the [`ExecutorDriver`] handle and
//! [`ExecutorEvent`] (one callback as a value).
//!
//! An executor is a program a Mesos agent starts to run tasks. It talks to its agent through
//! one of two backends, behind the same trait and handle:
//!
//! | [`Backend`] | crate feature | how it talks to the agent |
//! | --- | --- | --- |
//! | [`Backend::Libmesos`] | `libmesos` | libmesos' own `MesosExecutorDriver` (libprocess messages) |
//! | [`Backend::Http`] | `http-executor` | the agent's v1 executor HTTP API (`/api/v1/executor`), in pure Rust |
//!
//! [`ExecutorDriver::new`] uses libmesos' driver when the crate is built with `libmesos` and the
//! linked libmesos has it ([`crate::has_executor_driver`]; the dev kit's has not), and the HTTP
//! backend otherwise. [`ExecutorDriver::builder`] chooses explicitly. An executor built with
//! `default-features = false, features = ["http-executor"]` links no libmesos and no C++ at
//! all, so it can be shipped into any container image.
//!
//! # The HTTP backend
//!
//! ## Protocol
//!
//! Messages are the `mesos.executor` `Call`/`Event` of [`crate::types::executor`], sent as
//! `application/x-protobuf` (the v1 messages are wire-identical). Two connections to the
//! agent, as the protocol asks:
//!
//! * the **event stream**: a `SUBSCRIBE` call answered by `200 OK` and a never-ending chunked
//!   body of RecordIO-framed `Event`s, read by a thread the driver owns;
//! * a keep-alive connection for every other call (`UPDATE`, `MESSAGE`, `HEARTBEAT`), each
//!   answered by `202 Accepted`; these calls are made synchronously by the thread that calls
//!   the driver method, so an error answer is returned to it.
//!
//! The transport is std's `TcpStream` (or `UnixStream`) with response heads parsed by the
//! `httparse` crate, rather than an HTTP client crate: the event stream is a body that never
//! ends, read with a timeout that must not lose state (to send heartbeats) and that `stop()`
//! must be able to interrupt from another thread by shutting the socket down; blocking clients
//! such as `ureq` own their socket and only offer overall body deadlines, and an async client
//! would bring a runtime into every executor. No TLS.
//!
//! ## Events and callbacks
//!
//! | agent event | [`Executor`] callback |
//! | --- | --- |
//! | `SUBSCRIBED`, the first time | `registered(executor_info, framework_info, slave_info)` |
//! | `SUBSCRIBED`, after a reconnection | `reregistered(slave_info)` |
//! | the event stream breaks | `disconnected` |
//! | `LAUNCH` | `launch_task(task)` |
//! | `LAUNCH_GROUP` | `launch_task` once per task of the group, in the group's order (the trait has no task-group callback: an executor that needs the group's all-or-nothing semantics must not be used with task groups) |
//! | `KILL` | `kill_task_with_policy(task_id, kill_policy)`, whose default calls `kill_task(task_id)`; `kill_policy` is the event's override of the task's own `TaskInfo.kill_policy`, if any |
//! | `MESSAGE` | `framework_message(data)` |
//! | `SHUTDOWN` | `shutdown` |
//! | `ERROR` | `error(message)`, then the driver is aborted |
//! | `ACKNOWLEDGED` | none: the update is removed from the unacknowledged set (see [`ExecutorDriver::wait_acknowledged`](ExecutorDriver::wait_acknowledged)) |
//! | `HEARTBEAT` | none |
//!
//! ## Status updates
//!
//! [`send_status_update`](ExecutorDriver::send_status_update) fills in, on a copy:
//! `uuid` (always a fresh random UUID), `source` (`SOURCE_EXECUTOR`), `executor_id` (this
//! executor's, when absent; a different one is refused) and `timestamp` (now, when absent).
//! A `TASK_STAGING` update, or one lacking required fields, is refused before anything is
//! sent. Every update is kept until the agent acknowledges it; tasks received are kept until
//! an update of theirs is acknowledged. Both sets are sent again with the next `SUBSCRIBE`
//! after a reconnection, as the protocol requires. An update sent while the driver is not
//! subscribed (before the first subscription, or while reconnecting) is only kept, for that
//! `SUBSCRIBE`, and `Ok` is returned; without checkpointing, once disconnected, it is refused
//! with [`Error::Agent`] instead, as nothing would carry it.
//!
//! ## Disconnections
//!
//! * With framework checkpointing (`MESOS_CHECKPOINT=1`), the driver reconnects: at once,
//!   then after random pauses of at most `MESOS_SUBSCRIPTION_BACKOFF_MAX`, for at most
//!   `MESOS_RECOVERY_TIMEOUT` from the first failure. That applies to the first connection
//!   too (Mesos' own library gives up at once there).
//! * Without checkpointing, a broken or refused connection ends the driver at once, as Mesos
//!   executors do. Only "agent not ready" answers (`503`, `404`) are retried, every second, for
//!   at most a minute (the agent's default executor registration timeout).
//! * After a `SHUTDOWN` event, the end of the stream is expected: the driver ends as stopped
//!   (`DRIVER_STOPPED`), without reconnecting, once the `shutdown` callback has run.
//! * When it gives up, the driver delivers `shutdown` if it had registered (so the executor
//!   kills its tasks, as Mesos' library does) or `error` otherwise, then ends: `join`/`run`
//!   return [`Error::Agent`] naming the endpoint and what happened.
//!
//! A broken connection is noticed when the socket reports it (the agent's process ended or
//! closed it). As Mesos' library does, the driver sends a `HEARTBEAT` call every 30 minutes,
//! on a timer started with the driver (events and other calls do not move it), while
//! subscribed. `stop`, `abort` and dropping the driver interrupt a call in progress: they never
//! wait for the agent's answer.
//! Unlike Mesos' library, the driver never kills the executor's process group after a
//! shutdown: the agent destroys the container once `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD` has
//! passed.
//!
//! ## Environment
//!
//! Read from the process (or the builder's map): `MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`;
//! the agent's address from `MESOS_AGENT_ENDPOINT` (`host:port`), else from
//! `MESOS_SLAVE_PID`; the endpoint's path from `MESOS_SLAVE_PID`'s process name
//! (`/slave(1)/api/v1/executor`; `/api/v1/executor` without it); `MESOS_DOMAIN_SOCKET`
//! (connect through that Unix socket instead); `MESOS_CHECKPOINT`, and with it
//! `MESOS_RECOVERY_TIMEOUT` and `MESOS_SUBSCRIPTION_BACKOFF_MAX`;
//! `MESOS_EXECUTOR_AUTHENTICATION_TOKEN` (sent as `Authorization: Bearer`, and erased from
//! the process environment when the driver is built: see
//! [`ExecutorDriverBuilder::build`]);
//! `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD` (checked only). A missing or unparsable variable is
//! an [`Error::Environment`] naming it, from `build()`. TLS (`LIBPROCESS_SSL_ENABLED`) is not
//! supported: [`Error::Unsupported`].
//!
//! # Threads and lifetimes
//!
//! * Callbacks run one at a time, in the order the agent sent the events, on a thread the
//!   driver owns (named `mesos-executor`). A callback may call any method of the driver.
//!   Long work (running a task) belongs on a thread of its own, so that `kill_task` and
//!   `shutdown` are delivered while it runs.
//! * [`ExecutorDriver`] is a cheap, `Send + Sync` handle. The driver is freed when the last
//!   handle is dropped, or at once by [`ExecutorDriver::close`]. The callback thread holds
//!   only a weak reference, but your [`Executor`] lives on that thread: if it stores an
//!   `ExecutorDriver` clone, the driver can never be freed by dropping handles (a cycle).
//!   Store a [`WeakExecutorDriver`] ([`ExecutorDriver::downgrade`]) instead, or call `close`.
//!   Events queued before the driver was freed are still delivered, with a closed handle
//!   (whose calls return [`Error::Closed`]); then the callback thread drops your `Executor`
//!   and ends. These are the scheduler driver's rules: both drivers share one mechanism.
//! * [`ExecutorDriver::join`] (and `run`) on the callback thread would wait for itself, so it
//!   returns [`Error::JoinInCallback`] there.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use crate::dispatch::{
    Closable, Core, CtxPtr, Dispatcher, Handler, Owner, Shared, ShimObject, DEFAULT_QUEUE_WARNING,
};
use crate::error::{Error, Result};
use crate::types::{
    ExecutorInfo, FrameworkInfo, KillPolicy, SlaveInfo, Status, TaskID, TaskInfo, TaskStatus,
};

mod env;
#[cfg(feature = "http-executor")]
mod http;
#[cfg(feature = "http-executor")]
mod http1;
#[cfg(feature = "libmesos")]
mod libmesos;
#[cfg(feature = "http-executor")]
mod recordio;

#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub use libmesos::ExecutorHarness;

/// The callbacks of a Mesos executor (the C++ `mesos::Executor`, hs-mesos' `ToExecutor`).
///
/// Every method has a default that does nothing. Methods run one at a time, in the agent's
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
    /// The agent went away; the driver waits for it to come back (if checkpointing).
    fn disconnected(&mut self, driver: &ExecutorDriver) {}
    /// Run a task; report its progress with [`ExecutorDriver::send_status_update`].
    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {}
    /// Kill a task; report its terminal state (e.g. `TASK_KILLED`).
    ///
    /// Called by the default [`kill_task_with_policy`](Self::kill_task_with_policy); an
    /// executor that implements that method instead need not implement this one.
    fn kill_task(&mut self, driver: &ExecutorDriver, task_id: &TaskID) {}
    /// Kill a task, with the kill policy the kill request carries, if any: what every kill
    /// request is delivered to.
    ///
    /// `kill_policy` is the `KillPolicy` of the agent's `KILL` event (HTTP backend), which a
    /// scheduler may set to override the task's own `TaskInfo.kill_policy` for this kill (for
    /// example a shorter grace period); `None` when the request has none. libmesos' driver
    /// never passes one (its kill message has no policy), so it is always `None` there.
    ///
    /// The default calls [`kill_task`](Self::kill_task) and drops the policy. An executor
    /// that honours kill policies implements this method, preferring `kill_policy` to the
    /// task's own when it is given:
    ///
    /// ```
    /// use std::time::Duration;
    /// use mesos::{Executor, ExecutorDriver, types::{KillPolicy, TaskID}};
    ///
    /// struct Grace { default_grace: Duration }
    /// impl Executor for Grace {
    ///     fn kill_task_with_policy(&mut self, _: &ExecutorDriver, task_id: &TaskID,
    ///                              kill_policy: Option<&KillPolicy>) {
    ///         let grace = kill_policy
    ///             .filter(|p| p.grace_period.is_some())
    ///             .map(|p| Duration::from_nanos(p.grace_period.nanoseconds().max(0) as u64))
    ///             .unwrap_or(self.default_grace);
    ///         println!("killing {} within {grace:?}", task_id.value());
    ///     }
    /// }
    /// ```
    fn kill_task_with_policy(
        &mut self,
        driver: &ExecutorDriver,
        task_id: &TaskID,
        kill_policy: Option<&KillPolicy>,
    ) {
        self.kill_task(driver, task_id)
    }
    /// A message from the scheduler.
    fn framework_message(&mut self, driver: &ExecutorDriver, data: &[u8]) {}
    /// Kill every task and exit: the agent asked the executor to shut down.
    fn shutdown(&mut self, driver: &ExecutorDriver) {}
    /// An unrecoverable error; the driver is aborted after this callback.
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
    /// See [`Executor::kill_task_with_policy`] (and [`Executor::kill_task`]).
    KillTask {
        /// The task.
        task_id: TaskID,
        /// The kill policy of the request, overriding the task's own (HTTP backend only;
        /// always `None` with libmesos' driver).
        kill_policy: Option<KillPolicy>,
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
        /// What went wrong.
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
            ExecutorEvent::KillTask {
                task_id,
                kill_policy,
            } => executor.kill_task_with_policy(driver, task_id, kill_policy.as_ref()),
            ExecutorEvent::FrameworkMessage { data } => executor.framework_message(driver, data),
            ExecutorEvent::Shutdown => executor.shutdown(driver),
            ExecutorEvent::Error { message } => executor.error(driver, message),
        }
    }
}

/// Which implementation an [`ExecutorDriver`] uses to talk to its agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Backend {
    /// libmesos' driver where the crate has the `libmesos` feature and the linked libmesos has
    /// an executor driver, else the HTTP backend. Never the answer of
    /// [`ExecutorDriver::backend`].
    #[default]
    Auto,
    /// libmesos' `MesosExecutorDriver` (feature `libmesos`).
    Libmesos,
    /// The agent's v1 executor HTTP API (feature `http-executor`).
    Http,
}

impl Backend {
    /// What [`Backend::Auto`] stands for in this build and with this libmesos.
    fn resolve(self) -> Result<Backend> {
        match self {
            Backend::Auto => {
                #[cfg(feature = "libmesos")]
                if crate::has_executor_driver() {
                    return Ok(Backend::Libmesos);
                }
                #[cfg(feature = "http-executor")]
                return Ok(Backend::Http);
                #[allow(unreachable_code)]
                Err(Error::unsupported(
                    "the linked libmesos has no executor driver and this build of mesos-rs lacks the http-executor feature".into(),
                ))
            }
            other => Ok(other),
        }
    }
}

/// What reaches the callback thread.
// Moved once into the channel; boxing would only add an allocation per event.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Incoming {
    /// A callback from libmesos, still serialized.
    #[cfg(feature = "libmesos")]
    Raw(libmesos::RawEvent),
    /// An event already decoded by the backend.
    #[cfg_attr(not(feature = "http-executor"), allow(dead_code))]
    Event(ExecutorEvent),
}

/// The backend object behind a handle.
enum Engine {
    #[cfg(feature = "libmesos")]
    Libmesos(libmesos::Driver),
    #[cfg(feature = "libmesos")]
    Adapter(libmesos::Adapter),
    #[cfg(feature = "http-executor")]
    Http(http::Driver),
}

/// Calls `$body` with the backend object bound to `$e`.
macro_rules! with_engine {
    ($engine:expr, $e:ident => $body:expr) => {
        match $engine {
            #[cfg(feature = "libmesos")]
            Engine::Libmesos($e) => $body,
            #[cfg(feature = "libmesos")]
            Engine::Adapter($e) => $body,
            #[cfg(feature = "http-executor")]
            Engine::Http($e) => $body,
        }
    };
}

/// What each backend object does for the handle.
trait EngineOps {
    fn start(&self) -> Result<Status>;
    fn stop(&self) -> Result<Status>;
    fn abort(&self) -> Result<Status>;
    /// Waits until the driver is stopped or aborted (not for the callbacks).
    fn join(&self) -> Result<Status>;
    fn send_status_update(&self, status: &TaskStatus) -> Result<()>;
    fn send_framework_message(&self, data: &[u8]) -> Result<()>;
    /// Waits until every status update sent was acknowledged by the agent.
    fn wait_acknowledged(&self, timeout: std::time::Duration) -> Result<bool> {
        let _ = timeout;
        Err(Error::unsupported(
            "libmesos' executor driver does not report acknowledgements".into(),
        ))
    }
    /// Breaks the connection to the agent as a failure would (tests only).
    fn break_connection(&self) {}
    /// Frees the backend's resources; afterwards no more events are queued. Called once,
    /// through [`ShimObject::free`], after `stop` and once no call is in progress.
    fn release(&mut self);
}

// The backends sit behind the lifetime mechanism libmesos' scheduler driver uses: a `Core`
// frees the engine once no call on it is in progress, after waking `join`, and then the
// callback context and thread.
impl ShimObject for Engine {
    unsafe fn release_waiters(&self) {
        // A stop wakes every thread blocked in `join` (freeing stops the driver anyway).
        let _ = with_engine!(self, e => e.stop());
    }

    unsafe fn free(mut self) {
        with_engine!(&mut self, e => e.release())
    }
}

/// Everything behind the handles of one driver.
pub(crate) struct Inner {
    core: Core<Engine, Incoming>,
}

impl Closable for Inner {
    fn close(&self) {
        if !self.core.is_closed() {
            tracing::debug!("freeing the executor driver");
            self.core.close();
        }
    }

    fn is_closed(&self) -> bool {
        self.core.is_closed()
    }
}

/// A handle to an executor driver: libmesos' `MesosExecutorDriver` or the HTTP backend (see
/// the [module documentation](self)).
///
/// Cheap to clone, `Send + Sync`, usable from any thread and from inside callbacks. Dropping
/// the last handle stops and frees the driver, from any thread; [`close`](Self::close) frees it
/// even while other handles exist.
///
/// ```no_run
/// # struct E; impl mesos::Executor for E {}
/// let driver = mesos::ExecutorDriver::new(E)?;
/// std::process::exit(if driver.run()? == mesos::Status::DRIVER_STOPPED { 0 } else { 1 });
/// # Ok::<(), mesos::Error>(())
/// ```
#[derive(Clone)]
pub struct ExecutorDriver {
    owner: Arc<Owner<Inner>>,
}

/// A weak reference to an [`ExecutorDriver`] that does not keep it alive: what an
/// [`Executor`] should store instead of a driver clone. See [`ExecutorDriver::downgrade`].
#[derive(Clone, Default)]
pub struct WeakExecutorDriver {
    owner: Weak<Owner<Inner>>,
}

impl WeakExecutorDriver {
    /// The driver, unless every handle was dropped or it was closed.
    pub fn upgrade(&self) -> Option<ExecutorDriver> {
        Owner::upgrade(&self.owner).map(|owner| ExecutorDriver { owner })
    }
}

impl std::fmt::Debug for WeakExecutorDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakExecutorDriver").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ExecutorDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ExecutorDriver");
        match self.backend() {
            Ok(b) => d.field("backend", &b),
            Err(_) => d.field("closed", &true),
        };
        d.finish_non_exhaustive()
    }
}

struct TraitHandler<E> {
    executor: E,
    driver: Weak<Owner<Inner>>,
    inner: Arc<Inner>,
}

impl<E: Executor> Handler<Incoming> for TraitHandler<E> {
    // Without libmesos the match below has a single arm.
    #[allow(clippy::infallible_destructuring_match)]
    fn deliver(&mut self, item: Incoming) {
        let driver = ExecutorDriver {
            owner: Owner::for_callback(&self.driver, &self.inner),
        };
        let event = match item {
            #[cfg(feature = "libmesos")]
            Incoming::Raw(raw) => match raw.decode() {
                Ok(event) => event,
                Err(e) => {
                    tracing::error!(error = %e, "could not decode an executor callback");
                    return;
                }
            },
            Incoming::Event(event) => event,
        };
        tracing::trace!(callback = event.callback_name(), "executor callback");
        match &event {
            ExecutorEvent::Registered { executor_info, .. } => tracing::debug!(
                executor_id = executor_info.executor_id.value(),
                "executor registered"
            ),
            ExecutorEvent::Disconnected => tracing::debug!("disconnected from the agent"),
            ExecutorEvent::Error { message } => {
                tracing::warn!(message = %message, "executor driver error")
            }
            _ => {}
        }
        event.dispatch_to(&mut self.executor, &driver)
    }

    fn panicked(&mut self, message: &str) {
        tracing::error!(panic = message, "aborting the executor driver");
        let _ = self.inner.core.with(|e| with_engine!(e, e => e.abort()));
    }
}

/// Chooses the backend and the environment of an [`ExecutorDriver`]; from
/// [`ExecutorDriver::builder`].
///
/// ```no_run
/// use mesos::executor::{Backend, ExecutorDriver};
/// # struct E; impl mesos::Executor for E {}
/// let driver = ExecutorDriver::builder(E).backend(Backend::Http).build()?;
/// driver.run()?;
/// # Ok::<(), mesos::Error>(())
/// ```
pub struct ExecutorDriverBuilder<E> {
    executor: E,
    backend: Backend,
    environment: Option<BTreeMap<String, String>>,
    heartbeat_interval: Option<std::time::Duration>,
}

impl<E> std::fmt::Debug for ExecutorDriverBuilder<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutorDriverBuilder")
            .field("backend", &self.backend)
            .field(
                "environment",
                &self
                    .environment
                    .as_ref()
                    .map(|m| m.keys().collect::<Vec<_>>()),
            )
            .finish_non_exhaustive()
    }
}

impl<E: Executor> ExecutorDriverBuilder<E> {
    /// The backend to use (default [`Backend::Auto`]). A backend this build lacks gives
    /// [`Error::Unsupported`] from [`build`](Self::build).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Reads the agent's variables (`MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`, ...) from
    /// `environment` instead of the process environment; nothing of the process environment
    /// is used then.
    pub fn environment(mut self, environment: BTreeMap<String, String>) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Not part of the API: the HTTP backend's `HEARTBEAT` interval instead of Mesos' 30
    /// minutes, so that tests can watch heartbeats.
    #[doc(hidden)]
    pub fn __heartbeat_interval(mut self, interval: std::time::Duration) -> Self {
        self.heartbeat_interval = Some(interval);
        self
    }

    /// Creates the driver (not started).
    ///
    /// Without [`environment`](Self::environment), the agent's variables are read from the
    /// process environment, and `MESOS_EXECUTOR_AUTHENTICATION_TOKEN` is then taken out of
    /// it, as Mesos' executor library does: the driver keeps the token in memory (the HTTP
    /// backend sends it as `Authorization: Bearer`), its value is overwritten in place (so
    /// neither `/proc/<pid>/environ` nor anything else still shows it) and the variable is
    /// removed, so processes started afterwards (the tasks) do not inherit it. Changing the
    /// environment is not thread-safe: build the driver before starting threads that read or
    /// change the environment, e.g. first thing in `main`.
    pub fn build(self) -> Result<ExecutorDriver> {
        let backend = self.backend.resolve()?;
        let env = match &self.environment {
            Some(map) => env::Env::from_map(map),
            None => {
                let env = env::Env::from_process();
                env::erase_token_from_process();
                env
            }
        };
        let (environment, heartbeat_interval) = (self.environment, self.heartbeat_interval);
        ExecutorDriver::assemble(self.executor, move |ctx| {
            // Silences the unused-variable lint in builds with one backend only.
            let _ = (&environment, &heartbeat_interval, ctx);
            Ok(match backend {
                #[cfg(feature = "libmesos")]
                Backend::Libmesos => Engine::Libmesos(libmesos::Driver::new(
                    ctx.as_c(),
                    environment.as_ref(),
                    env,
                )?),
                #[cfg(feature = "http-executor")]
                Backend::Http => Engine::Http(http::Driver::new(
                    Box::new(ctx.get().clone()),
                    env,
                    heartbeat_interval,
                )?),
                other => {
                    return Err(Error::unsupported(format!(
                        "the {other:?} executor backend is not in this build of mesos-rs (see its crate features)"
                    )))
                }
            })
        })
    }
}

impl ExecutorDriver {
    /// Creates a driver configured from the environment the agent gave this process
    /// (`MESOS_FRAMEWORK_ID`, `MESOS_EXECUTOR_ID`, ...), with the backend [`Backend::Auto`]
    /// picks. Takes `MESOS_EXECUTOR_AUTHENTICATION_TOKEN` out of the process environment
    /// (see [`ExecutorDriverBuilder::build`]): call it before starting threads that use the
    /// environment.
    ///
    /// ```no_run
    /// # struct E; impl mesos::Executor for E {}
    /// let driver = mesos::ExecutorDriver::new(E)?;
    /// std::process::exit(if driver.run()? == mesos::Status::DRIVER_STOPPED { 0 } else { 1 });
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn new<E: Executor>(executor: E) -> Result<ExecutorDriver> {
        Self::builder(executor).build()
    }

    /// Creates a driver configured from `environment` instead of the process environment.
    pub fn with_environment<E: Executor>(
        executor: E,
        environment: &BTreeMap<String, String>,
    ) -> Result<ExecutorDriver> {
        Self::builder(executor)
            .environment(environment.clone())
            .build()
    }

    /// A builder, to choose the [`Backend`] or the environment.
    pub fn builder<E: Executor>(executor: E) -> ExecutorDriverBuilder<E> {
        ExecutorDriverBuilder {
            executor,
            backend: Backend::Auto,
            environment: None,
            heartbeat_interval: None,
        }
    }

    /// Creates the callback channel, the backend `make` builds around its context, and the
    /// callback thread; the handle owns them all from then on.
    fn assemble<E: Executor>(
        executor: E,
        make: impl FnOnce(&CtxPtr<Incoming>) -> Result<Engine>,
    ) -> Result<ExecutorDriver> {
        let shared = Shared::new("executor", DEFAULT_QUEUE_WARNING, Vec::new());
        let (dispatcher, ctx, rx) = Dispatcher::with_shared(Arc::new(shared));
        let ctx = CtxPtr::new(ctx);
        let engine = match make(&ctx) {
            Ok(engine) => engine,
            Err(e) => {
                // SAFETY: no backend was made, so nothing holds the context.
                unsafe { ctx.free() };
                return Err(e);
            }
        };
        let inner = Arc::new(Inner {
            core: Core::new(engine, ctx, dispatcher),
        });
        let owner = Arc::new(Owner(inner.clone()));
        let handler = TraitHandler {
            executor,
            driver: Arc::downgrade(&owner),
            inner: inner.clone(),
        };
        inner.core.dispatcher.start("mesos-executor", rx, handler);
        Ok(ExecutorDriver { owner })
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.owner.0
    }

    /// Runs `f` with the backend, which stays live until `f` returns; [`Error::Closed`]
    /// after [`close`](Self::close).
    fn with<T>(&self, f: impl FnOnce(&Engine) -> Result<T>) -> Result<T> {
        self.inner().core.with(f)
    }

    /// The backend this driver uses ([`Error::Closed`] after [`close`](Self::close)).
    pub fn backend(&self) -> Result<Backend> {
        self.with(|engine| {
            Ok(match engine {
                #[cfg(feature = "libmesos")]
                Engine::Libmesos(_) | Engine::Adapter(_) => Backend::Libmesos,
                #[cfg(feature = "http-executor")]
                Engine::Http(_) => Backend::Http,
            })
        })
    }

    /// Starts the driver: it registers (subscribes) with the agent.
    pub fn start(&self) -> Result<Status> {
        self.with(|engine| with_engine!(engine, e => e.start()))
    }

    /// Stops the driver: it disconnects from the agent and makes no more callbacks.
    pub fn stop(&self) -> Result<Status> {
        self.with(|engine| with_engine!(engine, e => e.stop()))
    }

    /// Aborts the driver: no more callbacks, calls fail with [`Error::NotRunning`].
    pub fn abort(&self) -> Result<Status> {
        self.with(|engine| with_engine!(engine, e => e.abort()))
    }

    /// Waits until the driver is stopped or aborted and the queued callbacks have run.
    /// [`Error::CallbackPanicked`] if a callback panicked; [`Error::JoinInCallback`] when called
    /// on the callback thread (inside a callback), where it would wait for itself.
    pub fn join(&self) -> Result<Status> {
        let core = &self.inner().core;
        if core.shared().on_callback_thread() {
            return Err(Error::JoinInCallback);
        }
        // The backend is held (a read lock) only while it waits, not while the callbacks
        // are drained, which may themselves call the driver.
        let status = core.with(|engine| Ok(with_engine!(engine, e => e.join())))?;
        core.dispatcher.drain();
        if let Some(msg) = core.shared().panic_message() {
            return Err(Error::CallbackPanicked(msg));
        }
        status
    }

    /// [`start`](Self::start), then [`join`](Self::join).
    pub fn run(&self) -> Result<Status> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        if self.inner().core.shared().on_callback_thread() {
            return Err(Error::JoinInCallback);
        }
        match self.start()? {
            Status::DRIVER_RUNNING => self.join(),
            other => Err(Error::NotRunning(other)),
        }
    }

    /// Reports a task's state to the framework (through the agent).
    pub fn send_status_update(&self, status: &TaskStatus) -> Result<()> {
        self.with(|engine| with_engine!(engine, e => e.send_status_update(status)))
    }

    /// Sends `data` to the scheduler.
    pub fn send_framework_message(&self, data: &[u8]) -> Result<()> {
        self.with(|engine| with_engine!(engine, e => e.send_framework_message(data)))
    }

    /// Waits until the agent has acknowledged every status update this driver sent, for at
    /// most `timeout`: `Ok(true)` once none is left, `Ok(false)` on timeout, when the
    /// driver stopped first, or (at once) when an update could not be delivered (its
    /// `send_status_update` returned an error other than for invalid input: the agent
    /// refused it, or no connection carried it), as such an update is never acknowledged. An executor that exits after its last task's terminal update
    /// calls this first, so that the update is known to be safe with the agent. HTTP
    /// backend only ([`Error::Unsupported`] with libmesos' driver, which does not tell).
    /// Never waits for callbacks, so it may be called inside one.
    pub fn wait_acknowledged(&self, timeout: std::time::Duration) -> Result<bool> {
        self.with(|engine| with_engine!(engine, e => e.wait_acknowledged(timeout)))
    }

    /// Not part of the API: breaks the HTTP backend's event stream as a network failure would,
    /// so that tests can watch a reconnection against a real agent. No effect on libmesos'
    /// driver.
    #[doc(hidden)]
    pub fn __break_connection(&self) {
        let _ = self.with(|engine| {
            with_engine!(engine, e => e.break_connection());
            Ok(())
        });
    }

    /// A weak handle that does not keep the driver alive; what an [`Executor`] should keep
    /// (a strong clone kept by the executor would keep the driver alive forever).
    ///
    /// ```
    /// use mesos::executor::{ExecutorDriver, WeakExecutorDriver};
    /// use mesos::Executor;
    ///
    /// #[derive(Default)]
    /// struct Keeps { driver: WeakExecutorDriver }
    /// impl Executor for Keeps {
    ///     fn registered(&mut self, driver: &ExecutorDriver, _: &mesos::types::ExecutorInfo,
    ///                   _: &mesos::types::FrameworkInfo, _: &mesos::types::SlaveInfo) {
    ///         self.driver = driver.downgrade();
    ///     }
    /// }
    /// ```
    pub fn downgrade(&self) -> WeakExecutorDriver {
        WeakExecutorDriver {
            owner: Arc::downgrade(&self.owner),
        }
    }

    /// Stops the driver and frees it now, even while other handles (or the executor itself)
    /// still hold clones: from then on every call through any handle returns
    /// [`Error::Closed`]. A call still running on another thread (a `join`, which the stop
    /// ends) finishes first; the driver is freed when it returns. Called inside a callback,
    /// the current callback finishes normally; events queued before the close are still
    /// delivered (with a closed handle), and no new ones come.
    pub fn close(self) {
        self.inner().close();
    }

    /// Whether the driver was closed (by [`close`](Self::close) through any handle).
    pub(crate) fn is_closed(&self) -> bool {
        self.inner().is_closed()
    }
}
