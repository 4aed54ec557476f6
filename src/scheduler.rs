//! The scheduler side: the [`Scheduler`] trait, the [`SchedulerDriver`] handle and its
//! builder, and [`SchedulerEvent`] (one libmesos callback as a value).

use std::ffi::c_void;
use std::sync::{Arc, Weak};

use mesos_sys as sys;

use crate::dispatch::{enqueue, Context, Dispatcher, Handler};
use crate::error::{Error, Result};
use crate::ffi::{self, action_call, encode, status_call, Buffers, ErrorSlot, SendPtr};
use crate::types::{
    offer, Credential, ExecutorID, Filters, FrameworkID, FrameworkInfo, MasterInfo, Offer,
    OfferConstraints, OfferID, Request, SlaveID, Status, TaskID, TaskInfo, TaskStatus,
};

/// The callbacks of a Mesos framework (the C++ `mesos::Scheduler`, hs-mesos' `ToScheduler`).
///
/// Every method has a default that does nothing. Methods run one at a time, in the order
/// libmesos produced them, on a thread owned by the driver; they may call any method of the
/// `driver` they are given (or of any clone of it). A panic in a callback aborts the driver
/// and is reported by [`SchedulerDriver::run`]/[`SchedulerDriver::join`].
///
/// ```
/// use mesos::{Scheduler, SchedulerDriver, types::TaskStatus, task_status::is_terminal};
///
/// #[derive(Default)]
/// struct Counter { finished: usize }
///
/// impl Scheduler for Counter {
///     fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
///         if is_terminal(status.state()) {
///             self.finished += 1;
///         }
///     }
/// }
/// ```
#[allow(unused_variables)]
pub trait Scheduler: Send + 'static {
    /// The framework registered with a master, which gave it `framework_id`.
    fn registered(
        &mut self,
        driver: &SchedulerDriver,
        framework_id: &FrameworkID,
        master_info: &MasterInfo,
    ) {
    }
    /// The framework re-registered with a (possibly new) master.
    fn reregistered(&mut self, driver: &SchedulerDriver, master_info: &MasterInfo) {}
    /// The scheduler lost its master; libmesos keeps trying to reconnect.
    fn disconnected(&mut self, driver: &SchedulerDriver) {}
    /// Resources offered to the framework.
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {}
    /// An offer is no longer valid.
    fn offer_rescinded(&mut self, driver: &SchedulerDriver, offer_id: &OfferID) {}
    /// A task changed state. With implicit acknowledgements (the default) the update is
    /// acknowledged after this method returns.
    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {}
    /// A message from an executor.
    fn framework_message(
        &mut self,
        driver: &SchedulerDriver,
        executor_id: &ExecutorID,
        slave_id: &SlaveID,
        data: &[u8],
    ) {
    }
    /// An agent is unreachable.
    fn slave_lost(&mut self, driver: &SchedulerDriver, slave_id: &SlaveID) {}
    /// An executor exited or was lost with `status`.
    fn executor_lost(
        &mut self,
        driver: &SchedulerDriver,
        executor_id: &ExecutorID,
        slave_id: &SlaveID,
        status: i32,
    ) {
    }
    /// An unrecoverable error; libmesos aborts the driver after this callback.
    fn error(&mut self, driver: &SchedulerDriver, message: &str) {}
}

/// One scheduler callback as a value (what [`Scheduler`]'s methods receive as arguments).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SchedulerEvent {
    /// See [`Scheduler::registered`].
    Registered {
        /// The ID the master gave the framework.
        framework_id: FrameworkID,
        /// The master.
        master_info: MasterInfo,
    },
    /// See [`Scheduler::reregistered`].
    Reregistered {
        /// The master.
        master_info: MasterInfo,
    },
    /// See [`Scheduler::disconnected`].
    Disconnected,
    /// See [`Scheduler::resource_offers`].
    ResourceOffers {
        /// The offers.
        offers: Vec<Offer>,
    },
    /// See [`Scheduler::offer_rescinded`].
    OfferRescinded {
        /// The rescinded offer.
        offer_id: OfferID,
    },
    /// See [`Scheduler::status_update`].
    StatusUpdate {
        /// The update.
        status: TaskStatus,
    },
    /// See [`Scheduler::framework_message`].
    FrameworkMessage {
        /// The sending executor.
        executor_id: ExecutorID,
        /// Its agent.
        slave_id: SlaveID,
        /// The message.
        data: Vec<u8>,
    },
    /// See [`Scheduler::slave_lost`].
    SlaveLost {
        /// The lost agent.
        slave_id: SlaveID,
    },
    /// See [`Scheduler::executor_lost`].
    ExecutorLost {
        /// The executor.
        executor_id: ExecutorID,
        /// Its agent.
        slave_id: SlaveID,
        /// Its exit status.
        status: i32,
    },
    /// See [`Scheduler::error`].
    Error {
        /// What libmesos said.
        message: String,
    },
}

impl SchedulerEvent {
    /// The name of the [`Scheduler`] method this event is delivered to.
    ///
    /// ```
    /// use mesos::scheduler::SchedulerEvent;
    /// assert_eq!(SchedulerEvent::Disconnected.callback_name(), "disconnected");
    /// ```
    pub fn callback_name(&self) -> &'static str {
        match self {
            SchedulerEvent::Registered { .. } => "registered",
            SchedulerEvent::Reregistered { .. } => "reregistered",
            SchedulerEvent::Disconnected => "disconnected",
            SchedulerEvent::ResourceOffers { .. } => "resource_offers",
            SchedulerEvent::OfferRescinded { .. } => "offer_rescinded",
            SchedulerEvent::StatusUpdate { .. } => "status_update",
            SchedulerEvent::FrameworkMessage { .. } => "framework_message",
            SchedulerEvent::SlaveLost { .. } => "slave_lost",
            SchedulerEvent::ExecutorLost { .. } => "executor_lost",
            SchedulerEvent::Error { .. } => "error",
        }
    }

    /// Records the event with `tracing`: lifecycle events at `debug`, libmesos' `error`
    /// callback at `warn`, everything at `trace`.
    pub(crate) fn trace(&self) {
        tracing::trace!(callback = self.callback_name(), "scheduler callback");
        match self {
            SchedulerEvent::Registered { framework_id, .. } => {
                tracing::debug!(framework_id = framework_id.value(), "framework registered")
            }
            SchedulerEvent::Reregistered { .. } => tracing::debug!("framework re-registered"),
            SchedulerEvent::Disconnected => tracing::debug!("disconnected from the master"),
            SchedulerEvent::StatusUpdate { status } => tracing::trace!(
                task_id = status.task_id.value(),
                state = ?status.state(),
                "status update"
            ),
            SchedulerEvent::SlaveLost { slave_id } => {
                tracing::debug!(slave_id = slave_id.value(), "agent lost")
            }
            SchedulerEvent::Error { message } => {
                tracing::warn!(message = %message, "libmesos reported an error; the driver is aborted")
            }
            _ => {}
        }
    }

    /// Calls the matching method of `scheduler`.
    pub fn dispatch_to<S: Scheduler + ?Sized>(&self, scheduler: &mut S, driver: &SchedulerDriver) {
        match self {
            SchedulerEvent::Registered {
                framework_id,
                master_info,
            } => scheduler.registered(driver, framework_id, master_info),
            SchedulerEvent::Reregistered { master_info } => {
                scheduler.reregistered(driver, master_info)
            }
            SchedulerEvent::Disconnected => scheduler.disconnected(driver),
            SchedulerEvent::ResourceOffers { offers } => scheduler.resource_offers(driver, offers),
            SchedulerEvent::OfferRescinded { offer_id } => {
                scheduler.offer_rescinded(driver, offer_id)
            }
            SchedulerEvent::StatusUpdate { status } => scheduler.status_update(driver, status),
            SchedulerEvent::FrameworkMessage {
                executor_id,
                slave_id,
                data,
            } => scheduler.framework_message(driver, executor_id, slave_id, data),
            SchedulerEvent::SlaveLost { slave_id } => scheduler.slave_lost(driver, slave_id),
            SchedulerEvent::ExecutorLost {
                executor_id,
                slave_id,
                status,
            } => scheduler.executor_lost(driver, executor_id, slave_id, *status),
            SchedulerEvent::Error { message } => scheduler.error(driver, message),
        }
    }
}

/// A callback as the shim delivered it: still serialized.
pub(crate) enum RawEvent {
    Registered(Vec<u8>, Vec<u8>),
    Reregistered(Vec<u8>),
    Disconnected,
    Offers(Vec<Vec<u8>>),
    Rescinded(Vec<u8>),
    Status(Vec<u8>),
    Message(Vec<u8>, Vec<u8>, Vec<u8>),
    SlaveLost(Vec<u8>),
    ExecutorLost(Vec<u8>, Vec<u8>, i32),
    Error(Vec<u8>),
}

impl RawEvent {
    /// Decodes the event on the callback thread and records it with `tracing`. An event
    /// that cannot be decoded (libmesos serialized it, so this would be a bug) is logged at
    /// error level and skipped: `None`.
    pub(crate) fn into_event(self) -> Option<SchedulerEvent> {
        match self.decode() {
            Ok(event) => {
                event.trace();
                Some(event)
            }
            Err(e) => {
                tracing::error!(error = %e, "could not decode a scheduler callback from libmesos");
                None
            }
        }
    }

    fn decode(self) -> Result<SchedulerEvent> {
        use ffi::decode;
        Ok(match self {
            RawEvent::Registered(id, master) => SchedulerEvent::Registered {
                framework_id: decode(&id)?,
                master_info: decode(&master)?,
            },
            RawEvent::Reregistered(master) => SchedulerEvent::Reregistered {
                master_info: decode(&master)?,
            },
            RawEvent::Disconnected => SchedulerEvent::Disconnected,
            RawEvent::Offers(list) => SchedulerEvent::ResourceOffers {
                offers: list.iter().map(|b| decode(b)).collect::<Result<_>>()?,
            },
            RawEvent::Rescinded(id) => SchedulerEvent::OfferRescinded {
                offer_id: decode(&id)?,
            },
            RawEvent::Status(s) => SchedulerEvent::StatusUpdate {
                status: decode(&s)?,
            },
            RawEvent::Message(e, s, data) => SchedulerEvent::FrameworkMessage {
                executor_id: decode(&e)?,
                slave_id: decode(&s)?,
                data,
            },
            RawEvent::SlaveLost(s) => SchedulerEvent::SlaveLost {
                slave_id: decode(&s)?,
            },
            RawEvent::ExecutorLost(e, s, status) => SchedulerEvent::ExecutorLost {
                executor_id: decode(&e)?,
                slave_id: decode(&s)?,
                status,
            },
            RawEvent::Error(m) => SchedulerEvent::Error {
                message: String::from_utf8_lossy(&m).into_owned(),
            },
        })
    }
}

unsafe extern "C" fn cb_registered(
    ctx: *mut c_void,
    id: sys::mesos_bytes,
    master: sys::mesos_bytes,
) {
    // SAFETY (all callbacks): buffers are valid for the duration of the callback.
    enqueue(ctx, || unsafe {
        RawEvent::Registered(ffi::owned(id), ffi::owned(master))
    });
}
unsafe extern "C" fn cb_reregistered(ctx: *mut c_void, master: sys::mesos_bytes) {
    enqueue(ctx, || unsafe {
        RawEvent::Reregistered(ffi::owned(master))
    });
}
unsafe extern "C" fn cb_disconnected(ctx: *mut c_void) {
    enqueue(ctx, || RawEvent::Disconnected);
}
unsafe extern "C" fn cb_offers(ctx: *mut c_void, offers: *const sys::mesos_bytes, n: usize) {
    enqueue(ctx, || {
        let list = if n == 0 || offers.is_null() {
            &[][..]
        } else {
            // SAFETY: the shim passes `n` valid entries for the duration of the callback.
            unsafe { std::slice::from_raw_parts(offers, n) }
        };
        // SAFETY: as above.
        RawEvent::Offers(list.iter().map(|b| unsafe { ffi::owned(*b) }).collect())
    });
}
unsafe extern "C" fn cb_rescinded(ctx: *mut c_void, id: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Rescinded(ffi::owned(id)) });
}
unsafe extern "C" fn cb_status(ctx: *mut c_void, status: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Status(ffi::owned(status)) });
}
unsafe extern "C" fn cb_message(
    ctx: *mut c_void,
    e: sys::mesos_bytes,
    s: sys::mesos_bytes,
    d: sys::mesos_bytes,
) {
    enqueue(ctx, || unsafe {
        RawEvent::Message(ffi::owned(e), ffi::owned(s), ffi::owned(d))
    });
}
unsafe extern "C" fn cb_slave_lost(ctx: *mut c_void, s: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::SlaveLost(ffi::owned(s)) });
}
unsafe extern "C" fn cb_executor_lost(
    ctx: *mut c_void,
    e: sys::mesos_bytes,
    s: sys::mesos_bytes,
    status: i32,
) {
    enqueue(ctx, || unsafe {
        RawEvent::ExecutorLost(ffi::owned(e), ffi::owned(s), status)
    });
}
unsafe extern "C" fn cb_error(ctx: *mut c_void, m: sys::mesos_bytes) {
    enqueue(ctx, || unsafe { RawEvent::Error(ffi::owned(m)) });
}

const CALLBACKS: sys::mesos_scheduler_callbacks = sys::mesos_scheduler_callbacks {
    registered: Some(cb_registered),
    reregistered: Some(cb_reregistered),
    disconnected: Some(cb_disconnected),
    resource_offers: Some(cb_offers),
    offer_rescinded: Some(cb_rescinded),
    status_update: Some(cb_status),
    framework_message: Some(cb_message),
    slave_lost: Some(cb_slave_lost),
    executor_lost: Some(cb_executor_lost),
    error: Some(cb_error),
};

// ---- the driver ----

/// Configures and creates a [`SchedulerDriver`] (the constructors of the C++
/// `MesosSchedulerDriver`).
///
/// ```no_run
/// use mesos::{SchedulerDriver, types::{Credential, FrameworkInfo}};
/// # struct S; impl mesos::Scheduler for S {}
/// let mut info = FrameworkInfo::new();
/// info.set_user("nobody".into());
/// info.set_name("example".into());
/// let mut credential = Credential::new();
/// credential.set_principal("me".into());
/// credential.set_secret("s3cret".into());
/// let driver = SchedulerDriver::builder(info, "zk://zk1:2181/mesos")
///     .credential(credential)
///     .implicit_acknowledgements(false)
///     .suppressed_roles(["batch"])
///     .build(S)?;
/// # Ok::<(), mesos::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SchedulerDriverBuilder {
    framework: FrameworkInfo,
    master: String,
    credential: Option<Credential>,
    implicit_acknowledgements: bool,
    suppressed_roles: Option<Vec<String>>,
}

impl SchedulerDriverBuilder {
    /// Authenticate with this credential (CRAM-MD5 with the master).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// `true` (the default): each status update is acknowledged after
    /// [`Scheduler::status_update`] returns (for a driver built with `build_stream`, when
    /// the update is taken from the stream). `false`: call
    /// [`SchedulerDriver::acknowledge_status_update`] yourself; until then the agent re-sends it.
    pub fn implicit_acknowledgements(mut self, implicit: bool) -> Self {
        self.implicit_acknowledgements = implicit;
        self
    }

    /// Register with offers suppressed for these roles.
    pub fn suppressed_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.suppressed_roles = Some(roles.into_iter().map(Into::into).collect());
        self
    }

    /// Creates the driver (not started) with `scheduler` receiving its callbacks.
    pub fn build<S: Scheduler>(self, scheduler: S) -> Result<SchedulerDriver> {
        let handler = move |weak: Weak<Inner>| TraitHandler {
            scheduler,
            driver: weak,
        };
        SchedulerDriver::create(self, handler)
    }

    /// Creates the driver with a custom event handler (used by the event stream).
    #[cfg_attr(not(feature = "stream"), allow(dead_code))]
    pub(crate) fn build_with<H: Handler<RawEvent>>(
        self,
        handler: impl FnOnce(Weak<Inner>) -> H,
    ) -> Result<SchedulerDriver> {
        SchedulerDriver::create(self, handler)
    }
}

/// A handle to a running (or not yet started) libmesos scheduler driver (the C++
/// `MesosSchedulerDriver`).
///
/// Cheap to clone, `Send + Sync`; every method may be called from any thread, including from
/// inside [`Scheduler`] callbacks. Calls that act on the cluster return `Ok(())` when libmesos
/// accepted them and [`Error::NotRunning`] when the driver was not running; malformed
/// messages give [`Error::MissingFields`] naming what is missing, before libmesos sees them.
///
/// Dropping the last handle stops the driver the way a failover does (the framework's
/// tasks keep running until its failover timeout; call `stop(false)` first to unregister)
/// and frees it. This is safe from any thread, including from inside a callback.
#[derive(Clone)]
pub struct SchedulerDriver {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    raw: SendPtr<sys::mesos_scheduler_driver>,
    implicit_acknowledgements: bool,
    dispatcher: Dispatcher<RawEvent>,
    ctx: Option<Box<Context<RawEvent>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        tracing::debug!("freeing the scheduler driver");
        // SAFETY: raw came from mesos_scheduler_driver_new and is freed exactly once, here.
        // This thread is never libmesos' own (callbacks only enqueue), so the shim may wait
        // for libmesos to finish.
        unsafe { sys::mesos_scheduler_driver_free(self.raw.0) };
        if let Some(ctx) = self.ctx.take() {
            self.dispatcher.finish(ctx);
        }
    }
}

impl std::fmt::Debug for SchedulerDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerDriver")
            .field(
                "implicit_acknowledgements",
                &self.inner.implicit_acknowledgements,
            )
            .finish_non_exhaustive()
    }
}

/// Delivers events to a [`Scheduler`] trait object.
struct TraitHandler<S> {
    scheduler: S,
    driver: Weak<Inner>,
}

impl<S: Scheduler> Handler<RawEvent> for TraitHandler<S> {
    fn deliver(&mut self, raw: RawEvent) {
        let Some(inner) = self.driver.upgrade() else {
            return;
        };
        let driver = SchedulerDriver { inner };
        let Some(event) = raw.into_event() else {
            return;
        };
        event.dispatch_to(&mut self.scheduler, &driver);
        if let SchedulerEvent::StatusUpdate { status } = &event {
            driver.implicit_acknowledge(status);
        }
    }

    fn panicked(&mut self, message: &str) {
        if let Some(inner) = self.driver.upgrade() {
            let driver = SchedulerDriver { inner };
            tracing::error!(panic = message, "aborting the scheduler driver");
            let _ = driver.abort();
        }
    }
}

impl SchedulerDriver {
    /// Starts configuring a driver for `framework` that connects to `master`
    /// (`"host:port"`, `"zk://host:port/path"`, `"file:///path"` or `"local"` for an
    /// in-process cluster).
    pub fn builder(framework: FrameworkInfo, master: impl Into<String>) -> SchedulerDriverBuilder {
        SchedulerDriverBuilder {
            framework,
            master: master.into(),
            credential: None,
            implicit_acknowledgements: true,
            suppressed_roles: None,
        }
    }

    /// Shorthand for `builder(framework, master).build(scheduler)`.
    pub fn new<S: Scheduler>(
        scheduler: S,
        framework: FrameworkInfo,
        master: impl Into<String>,
    ) -> Result<SchedulerDriver> {
        Self::builder(framework, master).build(scheduler)
    }

    fn create<H: Handler<RawEvent>>(
        b: SchedulerDriverBuilder,
        handler: impl FnOnce(Weak<Inner>) -> H,
    ) -> Result<SchedulerDriver> {
        if b.master.is_empty() {
            return Err(Error::InvalidArgument("master must not be empty".into()));
        }
        let (dispatcher, ctx, rx) = Dispatcher::new();
        let framework = encode(&b.framework);
        let credential = b.credential.as_ref().map(encode);
        let credential_view = credential.as_deref().map(sys::mesos_bytes::from_slice);
        let roles = Buffers::strings(b.suppressed_roles.as_deref().unwrap_or(&[]));
        let options = sys::mesos_scheduler_options {
            framework_info: sys::mesos_bytes::from_slice(&framework),
            master: sys::mesos_bytes::from_slice(b.master.as_bytes()),
            credential: credential_view
                .as_ref()
                .map_or(std::ptr::null(), |c| c as *const _),
            // Acknowledgements are always explicit inside libmesos: with implicit ones the
            // callback thread acknowledges after `status_update` returns, so that libmesos'
            // thread never waits for user code.
            implicit_acknowledgements: 0,
            has_suppressed_roles: i32::from(b.suppressed_roles.is_some()),
            suppressed_roles: roles.ptr(),
            suppressed_roles_count: roles.len(),
        };
        let mut slot = ErrorSlot::new();
        let ctx_ptr = &*ctx as *const Context<RawEvent> as *mut c_void;
        // SAFETY: every pointer in `options` refers to buffers alive for the call; `ctx_ptr`
        // stays valid until Inner::drop, which frees the shim driver before the context.
        let raw = unsafe {
            sys::mesos_scheduler_driver_new(&CALLBACKS, ctx_ptr, &options, slot.as_mut_ptr())
        };
        if raw.is_null() {
            return Err(slot.to_error(slot.0.code));
        }
        let inner = Arc::new(Inner {
            raw: SendPtr(raw),
            implicit_acknowledgements: b.implicit_acknowledgements,
            dispatcher,
            ctx: Some(ctx),
        });
        inner
            .dispatcher
            .start("mesos-scheduler", rx, handler(Arc::downgrade(&inner)));
        tracing::debug!(master = %b.master, "scheduler driver created");
        Ok(SchedulerDriver { inner })
    }

    fn raw(&self) -> *mut sys::mesos_scheduler_driver {
        self.inner.raw.0
    }

    /// Starts the driver: it connects to the master and callbacks begin.
    /// Returns the status after starting (`DRIVER_RUNNING` on success).
    pub fn start(&self) -> Result<Status> {
        // SAFETY (every call below): `raw()` is live for as long as `self` holds the Arc, and
        // the error slot pointer is valid for the call.
        let status = status_call(|e| unsafe { sys::mesos_scheduler_driver_start(self.raw(), e) });
        tracing::debug!(?status, "scheduler driver started");
        status
    }

    /// Stops the driver. `failover = false` unregisters the framework (its tasks are killed);
    /// `true` leaves it registered so that another scheduler can fail over to it.
    pub fn stop(&self, failover: bool) -> Result<Status> {
        let status = status_call(|e| unsafe {
            sys::mesos_scheduler_driver_stop(self.raw(), i32::from(failover), e)
        })?;
        tracing::debug!(failover, ?status, "scheduler driver stopped");
        self.after_stop(status);
        Ok(status)
    }

    /// Aborts the driver: no more calls or callbacks, the framework stays registered.
    pub fn abort(&self) -> Result<Status> {
        let status = status_call(|e| unsafe { sys::mesos_scheduler_driver_abort(self.raw(), e) })?;
        tracing::debug!(?status, "scheduler driver aborted");
        self.after_stop(status);
        Ok(status)
    }

    /// Once libmesos reports the driver stopped or aborted (it then makes no more callbacks),
    /// tells the event handler, in order after the events already queued (this is what
    /// ends an event stream).
    fn after_stop(&self, status: Status) {
        if matches!(status, Status::DRIVER_STOPPED | Status::DRIVER_ABORTED) {
            self.inner.dispatcher.mark_stopped();
        }
    }

    /// Waits until the driver is stopped or aborted and every callback queued before then has
    /// run. Returns the final status, or [`Error::CallbackPanicked`] if a callback panicked.
    pub fn join(&self) -> Result<Status> {
        let status = status_call(|e| unsafe { sys::mesos_scheduler_driver_join(self.raw(), e) })?;
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

    /// Asks the allocator for resources.
    pub fn request_resources(&self, requests: &[Request]) -> Result<()> {
        let r = Buffers::messages(requests);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_request_resources(self.raw(), r.ptr(), r.len(), e)
        })
    }

    /// Launches `tasks` on the resources of `offer_ids` (all from one agent); resources not
    /// used are declined with `filters` (libmesos' default filters when `None`).
    pub fn launch_tasks(
        &self,
        offer_ids: &[OfferID],
        tasks: &[TaskInfo],
        filters: Option<&Filters>,
    ) -> Result<()> {
        let o = Buffers::messages(offer_ids);
        let t = Buffers::messages(tasks);
        let f = filters.map(encode);
        let fv = f.as_deref().map(sys::mesos_bytes::from_slice);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_launch_tasks(
                self.raw(),
                o.ptr(),
                o.len(),
                t.ptr(),
                t.len(),
                fv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                e,
            )
        })
    }

    /// Kills a task; its terminal update arrives through [`Scheduler::status_update`].
    pub fn kill_task(&self, task_id: &TaskID) -> Result<()> {
        let id = encode(task_id);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_kill_task(self.raw(), sys::mesos_bytes::from_slice(&id), e)
        })
    }

    /// Accepts offers with operations (`LAUNCH`, `RESERVE`, `UNRESERVE`, `CREATE`, ...).
    pub fn accept_offers(
        &self,
        offer_ids: &[OfferID],
        operations: &[offer::Operation],
        filters: Option<&Filters>,
    ) -> Result<()> {
        let o = Buffers::messages(offer_ids);
        let ops = Buffers::messages(operations);
        let f = filters.map(encode);
        let fv = f.as_deref().map(sys::mesos_bytes::from_slice);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_accept_offers(
                self.raw(),
                o.ptr(),
                o.len(),
                ops.ptr(),
                ops.len(),
                fv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                e,
            )
        })
    }

    /// Declines an offer; with `filters.refuse_seconds` the agent's resources are not
    /// re-offered to this framework for that long.
    pub fn decline_offer(&self, offer_id: &OfferID, filters: Option<&Filters>) -> Result<()> {
        let id = encode(offer_id);
        let f = filters.map(encode);
        let fv = f.as_deref().map(sys::mesos_bytes::from_slice);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_decline_offer(
                self.raw(),
                sys::mesos_bytes::from_slice(&id),
                fv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                e,
            )
        })
    }

    /// Removes all filters and asks for offers again, for all of the framework's roles.
    pub fn revive_offers(&self) -> Result<()> {
        action_call(|e| unsafe { sys::mesos_scheduler_driver_revive_offers(self.raw(), e) })
    }

    /// Like [`revive_offers`](Self::revive_offers), for the given roles only.
    pub fn revive_offers_for_roles<S: AsRef<str>>(&self, roles: &[S]) -> Result<()> {
        let r = Buffers::strings(roles);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_revive_offers_for_roles(self.raw(), r.ptr(), r.len(), e)
        })
    }

    /// Stops offers for all of the framework's roles until revived.
    pub fn suppress_offers(&self) -> Result<()> {
        action_call(|e| unsafe { sys::mesos_scheduler_driver_suppress_offers(self.raw(), e) })
    }

    /// Like [`suppress_offers`](Self::suppress_offers), for the given roles only.
    pub fn suppress_offers_for_roles<S: AsRef<str>>(&self, roles: &[S]) -> Result<()> {
        let r = Buffers::strings(roles);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_suppress_offers_for_roles(self.raw(), r.ptr(), r.len(), e)
        })
    }

    /// Acknowledges a status update (drivers built with `implicit_acknowledgements(false)`).
    /// Updates without a `uuid` need no acknowledgement and are ignored.
    pub fn acknowledge_status_update(&self, status: &TaskStatus) -> Result<()> {
        if self.inner.implicit_acknowledgements {
            return Err(Error::ImplicitAcknowledgements);
        }
        if !needs_acknowledgement(status) {
            return Ok(());
        }
        self.acknowledge(status)
    }

    fn acknowledge(&self, status: &TaskStatus) -> Result<()> {
        let s = encode(status);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_acknowledge_status_update(
                self.raw(),
                sys::mesos_bytes::from_slice(&s),
                e,
            )
        })
    }

    /// The implicit acknowledgement, sent by the callback thread after `status_update`.
    pub(crate) fn implicit_acknowledge(&self, status: &TaskStatus) {
        if self.inner.implicit_acknowledgements && needs_acknowledgement(status) {
            if let Err(e) = self.acknowledge(status) {
                tracing::debug!(error = %e, "implicit acknowledgement not sent");
            }
        }
    }

    /// Whether this driver acknowledges status updates itself.
    pub fn implicit_acknowledgements(&self) -> bool {
        self.inner.implicit_acknowledgements
    }

    /// Sends `data` to an executor.
    pub fn send_framework_message(
        &self,
        executor_id: &ExecutorID,
        slave_id: &SlaveID,
        data: &[u8],
    ) -> Result<()> {
        let ex = encode(executor_id);
        let sl = encode(slave_id);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_send_framework_message(
                self.raw(),
                sys::mesos_bytes::from_slice(&ex),
                sys::mesos_bytes::from_slice(&sl),
                sys::mesos_bytes::from_slice(data),
                e,
            )
        })
    }

    /// Asks for the current state of the given tasks (explicit reconciliation) or, with an
    /// empty slice, of all the framework's tasks (implicit reconciliation). Answers arrive
    /// as status updates with reason `REASON_RECONCILIATION`.
    pub fn reconcile_tasks(&self, statuses: &[TaskStatus]) -> Result<()> {
        let s = Buffers::messages(statuses);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_reconcile_tasks(self.raw(), s.ptr(), s.len(), e)
        })
    }

    /// Updates the framework's `FrameworkInfo` (e.g. its roles), the roles whose offers are
    /// suppressed, and the offer constraints, without re-registering.
    pub fn update_framework<S: AsRef<str>>(
        &self,
        framework: &FrameworkInfo,
        suppressed_roles: &[S],
        offer_constraints: Option<&OfferConstraints>,
    ) -> Result<()> {
        let fw = encode(framework);
        let roles = Buffers::strings(suppressed_roles);
        let oc = offer_constraints.map(encode);
        let ocv = oc.as_deref().map(sys::mesos_bytes::from_slice);
        action_call(|e| unsafe {
            sys::mesos_scheduler_driver_update_framework(
                self.raw(),
                sys::mesos_bytes::from_slice(&fw),
                roles.ptr(),
                roles.len(),
                ocv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                e,
            )
        })
    }
}

/// Updates that carry a `uuid` (and come from an agent) are the ones to acknowledge.
fn needs_acknowledgement(status: &TaskStatus) -> bool {
    status.has_uuid() && status.slave_id.is_some()
}
