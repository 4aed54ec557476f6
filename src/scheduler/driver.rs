//! [`SchedulerDriver`], [`WeakSchedulerDriver`] and what runs behind them.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use mesos_sys as sys;

use super::builder::SchedulerDriverBuilder;
use super::event::CALLBACKS;
use super::framework_id::StoreHandler;
use super::liveness::{self, Pulse, PulseHandler};
use super::master::{Kind, Master};
use super::{RawEvent, Scheduler, SchedulerEvent};
use crate::dispatch::{
    Closable, Core, CtxPtr, Dispatcher, DriverStats, Handler, Owner, Shared, ShimObject,
};
use crate::error::{Error, Result};
use crate::ffi::{action_call, encode, status_call, Buffers, ErrorSlot, Params, SendPtr};
use crate::types::{
    offer, ExecutorID, Filters, FrameworkInfo, OfferConstraints, OfferID, Request, SlaveID, Status,
    TaskID, TaskInfo, TaskStatus,
};

type Raw = SendPtr<sys::mesos_scheduler_driver>;

impl ShimObject for Raw {
    unsafe fn release_waiters(&self) {
        let mut slot = ErrorSlot::new();
        // SAFETY: live, per the trait's contract. A stop that keeps the framework registered
        // (as freeing does) triggers the latch every join() waits on.
        unsafe { sys::mesos_scheduler_driver_stop(self.0, 1, slot.as_mut_ptr()) };
    }

    unsafe fn free(self) {
        // SAFETY: per the trait's contract. The shim waits for libmesos' process to end; this
        // thread is never libmesos' own (callbacks only enqueue).
        unsafe { sys::mesos_scheduler_driver_free(self.0) }
    }
}

/// Everything behind the handles of one driver.
pub(crate) struct Inner {
    core: Core<Raw, RawEvent>,
    implicit_acknowledgements: bool,
    master: Master,
    registration_timeout: Option<Duration>,
    watching: AtomicBool,
    /// With a FrameworkID store: the options for registering afresh (no framework ID).
    fresh: Option<SchedulerDriverBuilder>,
    /// How many times libmesos' driver was replaced by a fresh one.
    generation: AtomicU64,
    /// Implicit acknowledgements not yet handed to libmesos (see [`Acks`]).
    acks: std::sync::Mutex<Acks>,
}

impl Closable for Inner {
    fn close(&self) {
        if self.core.is_closed() {
            return;
        }
        tracing::debug!("freeing the scheduler driver");
        if self.core.close() && self.master.kind == Kind::Local {
            crate::local::local_driver_freed();
        }
    }

    fn is_closed(&self) -> bool {
        self.core.is_closed()
    }
}

impl Inner {
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.core.shared()
    }

    fn call(
        &self,
        params: Params,
        f: impl FnOnce(Raw, *mut sys::mesos_shim_error) -> i32,
    ) -> Result<()> {
        // SAFETY (every shim call through here): `raw` is live while `with` runs, and the
        // error slot pointer is valid for the call.
        self.core.with(|raw| action_call(params, |e| f(*raw, e)))
    }

    fn status(&self, f: impl FnOnce(Raw, *mut sys::mesos_shim_error) -> i32) -> Result<Status> {
        let status = self
            .core
            .with(|raw| status_call(Params::NONE, |e| f(*raw, e)))?;
        self.shared().set_status(status);
        Ok(status)
    }

    /// Once libmesos reports the driver stopped or aborted (it then makes no more callbacks),
    /// tells the event handler, in order after the events already queued (this is what
    /// ends an event stream).
    fn after_stop(&self, status: Status) {
        if matches!(status, Status::DRIVER_STOPPED | Status::DRIVER_ABORTED) {
            self.core.dispatcher.mark_stopped();
        }
    }

    fn abort(&self) -> Result<Status> {
        // SAFETY: see `call`.
        let status =
            self.status(|raw, e| unsafe { sys::mesos_scheduler_driver_abort(raw.0, e) })?;
        tracing::debug!(?status, "scheduler driver aborted");
        self.after_stop(status);
        Ok(status)
    }

    /// How the driver ended, for `run` and `join`: a callback panic, libmesos' (or the
    /// registration timeout's) reason for aborting it, or its status.
    fn outcome(&self, status: Status) -> Result<Status> {
        let shared = self.shared();
        if let Some(msg) = shared.panic_message() {
            return Err(Error::CallbackPanicked(msg));
        }
        match shared.failure() {
            Some(failure) => Err(failure),
            None => Ok(status),
        }
    }

    fn acknowledge(&self, status: &TaskStatus) -> Result<()> {
        // libmesos acknowledges with the task, the agent and the uuid; a status with every
        // required field crosses as just those (and its required state). Any other status
        // crosses whole, so that the shim names what is wrong.
        if packable(status) {
            let mut packed = Packed::with_capacity(1);
            packed.push(status, true);
            return self.acknowledge_packed(&packed);
        }
        let s = encode(status);
        // SAFETY: see `call`.
        self.call(Params::Method(&["status"]), |raw, e| unsafe {
            sys::mesos_scheduler_driver_acknowledge_status_update(
                raw.0,
                sys::mesos_bytes::from_slice(&s),
                e,
            )
        })
    }

    /// Acknowledges every status of `packed`, in order, in one call.
    fn acknowledge_packed(&self, packed: &Packed) -> Result<()> {
        // SAFETY: see `call`.
        self.call(Params::Method(&["status"]), |raw, e| unsafe {
            sys::mesos_scheduler_driver_acknowledge_status_updates_packed(
                raw.0,
                packed.bytes(),
                packed.count(),
                e,
            )
        })
    }

    /// The implicit acknowledgement, sent once the user's code has the update (after
    /// `status_update` returned, or when it was taken from the event stream). An update that
    /// cannot be acknowledged is counted, and logged at warn unless the driver had already
    /// stopped (the agent re-sends it in any case).
    pub(crate) fn implicit_acknowledge(&self, status: &TaskStatus) {
        if !self.implicit_acknowledgements || !needs_acknowledgement(status) {
            return;
        }
        let task = status.task_id.value();
        self.implicit_send(1, task, || self.acknowledge(status));
    }

    /// Sends `count` implicit acknowledgements with `send` unless the driver has stopped;
    /// counts and logs those that could not be sent. `task` names the (first) task.
    fn implicit_send(&self, count: usize, task: &str, send: impl FnOnce() -> Result<()>) {
        let shared = self.shared();
        let unsent = || (0..count).for_each(|_| shared.note_unacknowledged());
        if matches!(
            shared.status(),
            Some(Status::DRIVER_STOPPED | Status::DRIVER_ABORTED)
        ) || self.core.is_closed()
        {
            unsent();
            tracing::debug!(
                task_id = task,
                count,
                "status updates not acknowledged: the driver has stopped"
            );
            return;
        }
        if let Err(e) = send() {
            unsent();
            tracing::warn!(
                task_id = task,
                count,
                error = %e,
                "implicit acknowledgement failed; the agent will re-send the update"
            );
        }
    }

    fn lock_acks(&self) -> std::sync::MutexGuard<'_, Acks> {
        self.acks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Hands every implicit acknowledgement kept so far to libmesos, in one call: called
    /// once the callback thread has delivered the events it took from the queue, when
    /// enough have gathered or the oldest waited long enough, and by a `stop` from inside
    /// `status_update` (whose update is then handled too, so that the update that made the
    /// scheduler stop is not left to the agent to re-send).
    fn flush_acks(&self) {
        let mut acks = self.lock_acks();
        acks.current = None;
        acks.oldest = None;
        if acks.packed.is_empty() {
            return;
        }
        let task = acks.first_task.clone();
        self.implicit_send(acks.packed.count(), &task, || {
            self.acknowledge_packed(&acks.packed)
        });
        acks.packed.clear();
    }

    /// The master removed the framework (its stored ID is cleared): replaces libmesos'
    /// driver, aborted by now, with a new one registering without an ID, started if the old
    /// one was. Called on the callback thread; `false` when there is nothing to do it with or
    /// it failed (the error is then delivered as usual).
    fn register_afresh(&self) -> bool {
        let Some(fresh) = &self.fresh else {
            return false;
        };
        tracing::warn!("the master removed the framework; registering as a new framework");
        let replaced = self.core.replace(|ctx| new_raw(fresh, &self.master, ctx));
        if let Err(e) = replaced {
            tracing::error!(error = %e, "could not create a new driver to register afresh");
            return false;
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.shared().clear_failure();
        // SAFETY: see `call`.
        match self.status(|raw, e| unsafe { sys::mesos_scheduler_driver_start(raw.0, e) }) {
            Ok(Status::DRIVER_RUNNING) => true,
            other => {
                tracing::error!(?other, "the new driver did not start");
                false
            }
        }
    }

    /// Aborts the driver for a reason of the binding's own, which `run` and `join` then
    /// return as [`Error::Aborted`].
    fn abort_with(&self, message: &str) {
        self.shared()
            .record_failure(Error::Aborted(message.to_owned()));
        let _ = self.abort();
    }

    /// Called by the registration watchdog when no registration came in time.
    fn registration_timed_out(&self, timeout: Duration) {
        if self.core.is_closed() {
            return;
        }
        let (advertised, hint) = crate::process::registration_diagnosis(self.master.is_loopback());
        let failure = Error::RegistrationTimeout {
            master: self.master.shown.clone(),
            tried: self.master.tried(),
            timeout,
            advertised,
            hint,
        };
        tracing::warn!(error = %failure, "aborting the scheduler driver");
        self.shared().record_failure(failure);
        let _ = self.abort();
    }
}

/// A handle to a libmesos scheduler driver (the C++ `MesosSchedulerDriver`).
///
/// Cheap to clone, `Send + Sync`; every method may be called from any thread, including from
/// inside [`Scheduler`] callbacks. Calls that act on the cluster return `Ok(())` when libmesos
/// accepted them and [`Error::NotRunning`] when the driver was not running; malformed
/// messages give [`Error::MissingFields`] naming the parameter and what is missing, before
/// libmesos sees them.
///
/// # Threads
///
/// Three kinds of threads are involved: yours (any of them may call the handle's methods),
/// libmesos' own (they receive the master's messages and hand each callback to the shim,
/// which copies it into a queue and returns at once), and the driver's callback thread
/// (`mesos-scheduler`, owned by the driver), which takes the events from the queue in order,
/// decodes them and runs your [`Scheduler`] methods one at a time. libmesos' threads never
/// run your code and never wait for it. One exception: libmesos reports a master or a
/// `MESOS_*` variable it cannot use synchronously, from inside [`start`](Self::start) (or
/// `run`) on your thread; `start` then waits until that `error` callback has been
/// delivered, and returns [`Error::Aborted`] with its message.
///
/// # Lifetime
///
/// The libmesos driver lives as long as a strong handle (a `SchedulerDriver`) exists. When
/// the last one is dropped, or when [`close`](Self::close) is called through any of them,
/// from any thread (inside a callback too), the driver is stopped the way a failover does
/// (the framework stays registered until its failover timeout; call `stop(false)` first to
/// unregister it) and libmesos' driver is freed. Calls made afterwards return
/// [`Error::Closed`]. Events that were already queued are still delivered, in order, with a
/// handle whose calls return [`Error::Closed`]; then the callback thread ends and drops the
/// [`Scheduler`]. A [`WeakSchedulerDriver`] ([`downgrade`](Self::downgrade)) does not keep
/// the driver alive: a scheduler that needs its driver outside callbacks should keep one of
/// those, since a `SchedulerDriver` it keeps would keep the driver, and with it the
/// scheduler, alive for ever.
#[derive(Clone)]
pub struct SchedulerDriver {
    owner: Arc<Owner<Inner>>,
}

/// A handle to a [`SchedulerDriver`] that does not keep the driver alive; see "Lifetime" on
/// [`SchedulerDriver`].
///
/// ```no_run
/// use mesos::{Scheduler, SchedulerDriver, WeakSchedulerDriver, types::FrameworkInfo};
///
/// struct Reviver { driver: Option<WeakSchedulerDriver> }
/// impl Scheduler for Reviver {}
///
/// # let info = FrameworkInfo::new();
/// let driver = SchedulerDriver::new(Reviver { driver: None }, info, "127.0.0.1:5050")?;
/// let weak = driver.downgrade();
/// std::thread::spawn(move || {
///     // Revives offers for as long as the driver exists.
///     while let Some(driver) = weak.upgrade() {
///         driver.revive_offers().ok();
///         drop(driver);
///         std::thread::sleep(std::time::Duration::from_secs(60));
///     }
/// });
/// # Ok::<(), mesos::Error>(())
/// ```
#[derive(Clone)]
pub struct WeakSchedulerDriver {
    owner: Weak<Owner<Inner>>,
}

impl WeakSchedulerDriver {
    /// A handle to the driver, unless it was freed or closed.
    pub fn upgrade(&self) -> Option<SchedulerDriver> {
        Owner::upgrade(&self.owner).map(|owner| SchedulerDriver { owner })
    }
}

impl std::fmt::Debug for WeakSchedulerDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakSchedulerDriver")
            .field("alive", &(self.owner.strong_count() > 0))
            .finish()
    }
}

/// An offer ID is a reference to itself, so that the driver's offer methods take owned IDs,
/// references and the `id` field of an offer alike.
impl AsRef<OfferID> for OfferID {
    fn as_ref(&self) -> &OfferID {
        self
    }
}

/// The `id` field of an [`Offer`](crate::types::Offer) (an unset field reads as an empty ID,
/// which the master refuses).
impl AsRef<OfferID> for protobuf::MessageField<OfferID> {
    fn as_ref(&self) -> &OfferID {
        self
    }
}

impl std::fmt::Debug for SchedulerDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner();
        f.debug_struct("SchedulerDriver")
            .field("master", &inner.master)
            .field(
                "implicit_acknowledgements",
                &inner.implicit_acknowledgements,
            )
            .field("closed", &inner.core.is_closed())
            .finish_non_exhaustive()
    }
}

/// Delivers events to a [`Scheduler`] trait object.
pub(super) struct TraitHandler<S> {
    pub(super) scheduler: S,
    pub(super) driver: Weak<Owner<Inner>>,
    pub(super) inner: Arc<Inner>,
}

impl<S> TraitHandler<S> {
    /// A handle for a callback: the driver's, or, once every handle is gone, a closed one
    /// (so that events queued before the driver was freed are still delivered).
    fn handle(&self) -> SchedulerDriver {
        SchedulerDriver {
            owner: Owner::for_callback(&self.driver, &self.inner),
        }
    }
}

impl<S: Scheduler> Handler<RawEvent> for TraitHandler<S> {
    fn deliver(&mut self, raw: RawEvent) {
        let Some(event) = raw.into_event(self.inner.shared()) else {
            return;
        };
        let driver = self.handle();
        let mut acked = false;
        if let SchedulerEvent::StatusUpdate { status } = &event {
            if self.inner.implicit_acknowledgements && needs_acknowledgement(status) {
                acked = true;
                if packable(status) {
                    self.inner.lock_acks().begin(status);
                }
            }
        }
        event.dispatch_to(&mut self.scheduler, &driver);
        if !acked {
            return;
        }
        let mut acks = self.inner.lock_acks();
        if acks.current.is_some() {
            // Handled: its acknowledgement joins the others.
            let due = acks.handled();
            drop(acks);
            if due {
                self.inner.flush_acks();
            }
            return;
        }
        // Not packable (never seen from libmesos), or already sent by a `stop`.
        drop(acks);
        if let SchedulerEvent::StatusUpdate { status } = &event {
            if !packable(status) {
                self.inner.implicit_acknowledge(status);
            }
        }
    }

    fn idle(&mut self) {
        self.inner.flush_acks();
    }

    fn panicked(&mut self, message: &str) {
        // The update whose callback panicked is not acknowledged (the driver aborts); those
        // handled before it are.
        self.inner.lock_acks().drop_current();
        self.inner.flush_acks();
        tracing::error!(panic = message, "aborting the scheduler driver");
        let _ = self.inner.abort();
    }
}

impl SchedulerDriver {
    /// Starts configuring a driver for `framework` that connects to `master`
    /// (`"host:port"`, `"zk://host:port/path"`, `"file:///path"` or `"local"` for an
    /// in-process cluster).
    pub fn builder(framework: FrameworkInfo, master: impl Into<String>) -> SchedulerDriverBuilder {
        SchedulerDriverBuilder::new(framework, master.into())
    }

    /// Shorthand for `builder(framework, master).build(scheduler)`.
    pub fn new<S: Scheduler>(
        scheduler: S,
        framework: FrameworkInfo,
        master: impl Into<String>,
    ) -> Result<SchedulerDriver> {
        Self::builder(framework, master).build(scheduler)
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.owner.0
    }

    pub(super) fn create<H: Handler<RawEvent>>(
        mut b: SchedulerDriverBuilder,
        handler: impl FnOnce(Weak<Owner<Inner>>, Arc<Inner>) -> H,
    ) -> Result<SchedulerDriver> {
        let master = Master::parse(&b.master)?;
        if master.kind == Kind::Local && std::env::var_os("MESOS_WORK_DIR").is_none() {
            return Err(Error::InvalidArgument(
                "master \"local\" needs a fresh work directory: libmesos' default is shared \
                 by every run, and a later run's agent fails to recover from it and ends the \
                 process; configure the cluster with mesos::local::LocalCluster (or set \
                 MESOS_WORK_DIR)"
                    .into(),
            ));
        }
        // Without an ID of its own, the framework registers with the stored one (if any).
        let fresh = b.framework_id_store.as_ref().map(|_| {
            let mut fresh = b.clone();
            fresh.framework.id = Default::default();
            fresh
        });
        if let Some(store) = &b.framework_id_store {
            super::framework_id::prepare(&mut b.framework, store.as_ref())
                .map_err(|e| Error::InvalidArgument(format!("framework_id_store: {e}")))?;
        }
        let shared = Arc::new(Shared::new(
            "scheduler",
            b.queue_warning,
            master.redactions(),
        ));
        let (dispatcher, ctx, rx) = Dispatcher::with_shared(shared.clone());
        let ctx = CtxPtr::new(ctx);
        let raw = match new_raw(&b, &master, ctx.as_c()) {
            Ok(raw) => raw,
            Err(e) => {
                // SAFETY: no shim object was made, so nothing holds the context.
                unsafe { ctx.free() };
                return Err(e);
            }
        };
        if master.kind == Kind::Local {
            crate::local::local_driver_created();
        }
        let inner = Arc::new(Inner {
            core: Core::new(raw, ctx, dispatcher),
            implicit_acknowledgements: b.implicit_acknowledgements,
            master,
            registration_timeout: b.registration_timeout,
            watching: AtomicBool::new(false),
            fresh,
            generation: AtomicU64::new(0),
            acks: std::sync::Mutex::new(Acks::default()),
        });
        let owner = Arc::new(Owner(inner.clone()));
        let pulse = b.liveness.map(|l| Arc::new(Pulse::new(l)));
        if let Some(pulse) = &pulse {
            // Before start: every event libmesos delivers is noted.
            shared.watch_arrivals(pulse.arrivals());
        }
        let afresh = inner.clone();
        let aborting = Arc::downgrade(&inner);
        let handler = PulseHandler {
            inner: StoreHandler {
                inner: handler(Arc::downgrade(&owner), inner.clone()),
                store: b.framework_id_store.clone(),
                on_removed: Box::new(move || afresh.register_afresh()),
                on_save_failed: Box::new(move |message| {
                    if let Some(inner) = aborting.upgrade() {
                        inner.abort_with(message);
                    }
                }),
            },
            pulse: pulse.clone(),
        };
        inner.core.dispatcher.start("mesos-scheduler", rx, handler);
        if let Some(pulse) = pulse {
            let (alive, ask, events) = (
                Arc::downgrade(&owner),
                Arc::downgrade(&owner),
                Arc::downgrade(&inner),
            );
            liveness::spawn(
                pulse,
                move || alive.upgrade().is_some_and(|o| !o.0.core.is_closed()),
                move |probe| {
                    if let Some(owner) = ask.upgrade() {
                        let _ =
                            SchedulerDriver { owner }.reconcile_tasks(std::slice::from_ref(probe));
                    }
                },
                move |event| {
                    if let Some(inner) = events.upgrade() {
                        inner.core.dispatcher.inject(event);
                    }
                },
            );
        }
        tracing::debug!(master = %inner.master.shown, "scheduler driver created");
        Ok(SchedulerDriver { owner })
    }

    /// A handle that does not keep the driver alive; see "Lifetime" above.
    pub fn downgrade(&self) -> WeakSchedulerDriver {
        WeakSchedulerDriver {
            owner: Arc::downgrade(&self.owner),
        }
    }

    /// Frees the driver now, even while other handles exist (a scheduler holding one, another
    /// thread): it is stopped the way a failover does, a thread blocked in
    /// [`join`](Self::join) returns, and every later call through any handle returns
    /// [`Error::Closed`]. Events already queued are still delivered (see "Lifetime" above).
    /// Does nothing on a driver already closed.
    ///
    /// ```no_run
    /// # use mesos::{SchedulerDriver, types::FrameworkInfo};
    /// # struct S; impl mesos::Scheduler for S {}
    /// # let info = FrameworkInfo::new();
    /// let driver = SchedulerDriver::new(S, info, "127.0.0.1:5050")?;
    /// let other = driver.clone();
    /// driver.stop(false)?;
    /// driver.close();
    /// assert!(matches!(other.revive_offers(), Err(mesos::Error::Closed)));
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn close(self) {
        self.inner().close();
    }

    /// Whether the driver was closed (see [`close`](Self::close)).
    pub fn is_closed(&self) -> bool {
        self.inner().core.is_closed()
    }

    /// How many events wait for your code right now (queued for the callback thread, in a
    /// callback, or not yet taken from an event stream); see "Slow callbacks" on
    /// [`Scheduler`].
    pub fn queue_depth(&self) -> usize {
        self.inner().shared().stats().queued
    }

    /// The driver's counters: queue depth, events that were not delivered, updates that were
    /// not acknowledged.
    pub fn stats(&self) -> DriverStats {
        self.inner().shared().stats()
    }

    /// Starts the driver: it connects to the master and callbacks begin. Returns the status
    /// after starting (`DRIVER_RUNNING` on success; the status it already had when started
    /// before).
    ///
    /// When libmesos cannot start the driver (a master or a `MESOS_*` variable it cannot
    /// use) it aborts it and reports why through the `error` callback; `start` waits until
    /// that callback has been delivered and returns [`Error::Aborted`] with its message.
    pub fn start(&self) -> Result<Status> {
        let inner = self.inner();
        // SAFETY: see Inner::call.
        let status =
            inner.status(|raw, e| unsafe { sys::mesos_scheduler_driver_start(raw.0, e) })?;
        tracing::debug!(?status, "scheduler driver started");
        if status == Status::DRIVER_RUNNING {
            self.watch_registration();
            return Ok(status);
        }
        // A start that did not get the driver running: libmesos called `error` before
        // returning; the user's code sees it before this returns.
        inner.core.dispatcher.drain();
        match inner.shared().failure() {
            Some(failure) if status == Status::DRIVER_ABORTED => Err(failure),
            _ => Ok(status),
        }
    }

    /// With a registration timeout: a thread that aborts the driver if no registration
    /// comes in time. It holds no handle, so it never keeps the driver alive.
    fn watch_registration(&self) {
        let inner = self.inner();
        let Some(timeout) = inner.registration_timeout else {
            return;
        };
        if inner.watching.swap(true, Ordering::Relaxed) {
            return;
        }
        let inner = inner.clone();
        let spawned = std::thread::Builder::new()
            .name("mesos-registration".into())
            .spawn(move || {
                if !inner.shared().wait_registered(timeout) {
                    inner.registration_timed_out(timeout);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no registration timeout: could not start its thread");
        }
    }

    /// Stops the driver. `failover = false` unregisters the framework (its tasks are killed);
    /// `true` leaves it registered so that another scheduler can fail over to it.
    ///
    /// Called from inside `status_update` (with implicit acknowledgements), it acknowledges
    /// the update being handled first, so that stopping on a terminal update leaves nothing
    /// unacknowledged.
    pub fn stop(&self, failover: bool) -> Result<Status> {
        let inner = self.inner();
        if inner.shared().on_callback_thread() {
            // Called from `status_update`: its update (and those handled before it) are
            // acknowledged first, as they would have been once the callback returned.
            inner.flush_acks();
        }
        // SAFETY: see Inner::call.
        let status = inner.status(|raw, e| unsafe {
            sys::mesos_scheduler_driver_stop(raw.0, i32::from(failover), e)
        })?;
        tracing::debug!(failover, ?status, "scheduler driver stopped");
        inner.after_stop(status);
        Ok(status)
    }

    /// Aborts the driver: no more calls or callbacks, the framework stays registered.
    pub fn abort(&self) -> Result<Status> {
        self.inner().abort()
    }

    /// Waits until the driver is stopped or aborted and every callback queued before then has
    /// run. Returns the final status; [`Error::CallbackPanicked`] if a callback panicked;
    /// [`Error::Aborted`] with libmesos' message if libmesos aborted the driver (e.g. the
    /// master refused authentication); [`Error::RegistrationTimeout`] if the builder's
    /// timeout ran out; [`Error::JoinInCallback`] when called inside a callback of this
    /// running driver (it would wait for ever).
    pub fn join(&self) -> Result<Status> {
        let inner = self.inner();
        let shared = inner.shared();
        if shared.on_callback_thread() && shared.status() == Some(Status::DRIVER_RUNNING) {
            return Err(Error::JoinInCallback);
        }
        loop {
            let generation = inner.generation.load(Ordering::SeqCst);
            // SAFETY: see Inner::call. The read lock held for the call is released before
            // waiting for the callback thread below, which may itself need it.
            let status = inner.core.with(|raw| {
                status_call(Params::NONE, |e| unsafe {
                    sys::mesos_scheduler_driver_join(raw.0, e)
                })
            })?;
            inner.core.dispatcher.drain();
            // A driver replaced meanwhile (registering afresh): wait for the new one.
            if inner.generation.load(Ordering::SeqCst) != generation {
                continue;
            }
            shared.set_status(status);
            return inner.outcome(status);
        }
    }

    /// [`start`](Self::start), then [`join`](Self::join). A driver that does not start gives
    /// [`Error::Aborted`] with libmesos' reason, or [`Error::NotRunning`] with its status.
    pub fn run(&self) -> Result<Status> {
        match self.start()? {
            Status::DRIVER_RUNNING => self.join(),
            other => Err(Error::NotRunning(other)),
        }
    }

    /// Asks the allocator for resources.
    pub fn request_resources(&self, requests: &[Request]) -> Result<()> {
        let r = Buffers::messages(requests);
        self.inner()
            .call(Params::Method(&["requests"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_request_resources(raw.0, r.ptr(), r.len(), e)
            })
    }

    /// Launches `tasks` on the resources of `offer_ids` (all from one agent); resources not
    /// used are declined with `filters` (libmesos' default filters when `None`).
    ///
    /// `offer_ids` is any list of offer IDs or references to them: `[&offer.id]` (the
    /// field of an [`Offer`](crate::types::Offer)), `&ids` for a `Vec<OfferID>` or a slice,
    /// or an iterator such as `offers.iter().map(|o| &o.id)`.
    ///
    /// ```no_run
    /// # use mesos::{SchedulerDriver, types::{Offer, TaskInfo}};
    /// # fn f(driver: &SchedulerDriver, offer: &Offer, offers: &[Offer], task: TaskInfo) -> mesos::Result<()> {
    /// driver.launch_tasks([&offer.id], &[task.clone()], None)?;
    /// driver.launch_tasks(offers.iter().map(|o| &o.id), &[task], None)?;
    /// # Ok(()) }
    /// ```
    pub fn launch_tasks<I>(
        &self,
        offer_ids: I,
        tasks: &[TaskInfo],
        filters: Option<&Filters>,
    ) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<OfferID>,
    {
        if self.inner().master.kind == Kind::Local {
            crate::local::refuse_uris_the_kit_cannot_cache(tasks.iter())?;
        }
        let ids: Vec<I::Item> = offer_ids.into_iter().collect();
        let o = Buffers::messages(ids.iter().map(AsRef::as_ref));
        let t = Buffers::messages(tasks);
        let f = filters.map(encode);
        let fv = f.as_deref().map(sys::mesos_bytes::from_slice);
        self.inner().call(
            Params::Method(&["offer_ids", "tasks", "filters"]),
            |raw, e| unsafe {
                sys::mesos_scheduler_driver_launch_tasks(
                    raw.0,
                    o.ptr(),
                    o.len(),
                    t.ptr(),
                    t.len(),
                    fv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                    e,
                )
            },
        )
    }

    /// Kills a task; its terminal update arrives through [`Scheduler::status_update`].
    pub fn kill_task(&self, task_id: &TaskID) -> Result<()> {
        let id = encode(task_id);
        self.inner()
            .call(Params::Method(&["task_id"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_kill_task(raw.0, sys::mesos_bytes::from_slice(&id), e)
            })
    }

    /// Accepts offers with operations (`LAUNCH`, `RESERVE`, `UNRESERVE`, `CREATE`, ...).
    /// `offer_ids` as for [`launch_tasks`](Self::launch_tasks).
    pub fn accept_offers<I>(
        &self,
        offer_ids: I,
        operations: &[offer::Operation],
        filters: Option<&Filters>,
    ) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<OfferID>,
    {
        if self.inner().master.kind == Kind::Local {
            let launched = operations.iter().flat_map(|op| {
                let group = op.launch_group.as_ref().and_then(|g| g.task_group.as_ref());
                op.launch
                    .as_ref()
                    .map(|l| l.task_infos.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .chain(group.map(|g| g.tasks.as_slice()).unwrap_or_default())
            });
            crate::local::refuse_uris_the_kit_cannot_cache(launched)?;
        }
        let ids: Vec<I::Item> = offer_ids.into_iter().collect();
        let o = Buffers::messages(ids.iter().map(AsRef::as_ref));
        let ops = Buffers::messages(operations);
        let f = filters.map(encode);
        let fv = f.as_deref().map(sys::mesos_bytes::from_slice);
        self.inner().call(
            Params::Method(&["offer_ids", "operations", "filters"]),
            |raw, e| unsafe {
                sys::mesos_scheduler_driver_accept_offers(
                    raw.0,
                    o.ptr(),
                    o.len(),
                    ops.ptr(),
                    ops.len(),
                    fv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                    e,
                )
            },
        )
    }

    /// Declines an offer; with `filters.refuse_seconds` the agent's resources are not
    /// re-offered to this framework for that long. `offer_id` is e.g. `&offer.id` (the
    /// field of an [`Offer`](crate::types::Offer)).
    pub fn decline_offer(&self, offer_id: &OfferID, filters: Option<&Filters>) -> Result<()> {
        let id = encode(offer_id);
        let f = filters.map(encode);
        let fv = f.as_deref().map(sys::mesos_bytes::from_slice);
        self.inner()
            .call(Params::Method(&["offer_id", "filters"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_decline_offer(
                    raw.0,
                    sys::mesos_bytes::from_slice(&id),
                    fv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                    e,
                )
            })
    }

    /// Removes all filters and asks for offers again, for all of the framework's roles.
    pub fn revive_offers(&self) -> Result<()> {
        self.inner().call(Params::NONE, |raw, e| unsafe {
            sys::mesos_scheduler_driver_revive_offers(raw.0, e)
        })
    }

    /// Like [`revive_offers`](Self::revive_offers), for the given roles only.
    pub fn revive_offers_for_roles<S: AsRef<str>>(&self, roles: &[S]) -> Result<()> {
        let r = Buffers::strings(roles);
        self.inner()
            .call(Params::Method(&["roles"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_revive_offers_for_roles(raw.0, r.ptr(), r.len(), e)
            })
    }

    /// Stops offers for all of the framework's roles until revived.
    pub fn suppress_offers(&self) -> Result<()> {
        self.inner().call(Params::NONE, |raw, e| unsafe {
            sys::mesos_scheduler_driver_suppress_offers(raw.0, e)
        })
    }

    /// Like [`suppress_offers`](Self::suppress_offers), for the given roles only.
    pub fn suppress_offers_for_roles<S: AsRef<str>>(&self, roles: &[S]) -> Result<()> {
        let r = Buffers::strings(roles);
        self.inner()
            .call(Params::Method(&["roles"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_suppress_offers_for_roles(raw.0, r.ptr(), r.len(), e)
            })
    }

    /// Acknowledges a status update (drivers built with `implicit_acknowledgements(false)`).
    /// Updates without a `uuid` need no acknowledgement and are ignored.
    pub fn acknowledge_status_update(&self, status: &TaskStatus) -> Result<()> {
        let inner = self.inner();
        if inner.implicit_acknowledgements {
            return Err(Error::ImplicitAcknowledgements);
        }
        if !needs_acknowledgement(status) {
            return Ok(());
        }
        inner.acknowledge(status)
    }

    /// Whether this driver acknowledges status updates itself.
    pub fn implicit_acknowledgements(&self) -> bool {
        self.inner().implicit_acknowledgements
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
        self.inner().call(
            Params::Method(&["executor_id", "slave_id", "data"]),
            |raw, e| unsafe {
                sys::mesos_scheduler_driver_send_framework_message(
                    raw.0,
                    sys::mesos_bytes::from_slice(&ex),
                    sys::mesos_bytes::from_slice(&sl),
                    sys::mesos_bytes::from_slice(data),
                    e,
                )
            },
        )
    }

    /// Asks for the current state of the given tasks (explicit reconciliation) or, with an
    /// empty slice, of all the framework's tasks (implicit reconciliation). Answers arrive
    /// as status updates with reason `REASON_RECONCILIATION`.
    ///
    /// libmesos reads only each status' `task_id` and `slave_id`; only those (with the
    /// required `state`) are written. A long list (more than 256 statuses) goes to libmesos
    /// in consecutive parts of 256, each a reconciliation request of its own, each written
    /// into one small reused buffer and handed over before the next is written: the master
    /// answers the first part while the next is still being written, and no side holds a
    /// second copy of the whole list. The answers are the same as for one request. Every
    /// status is checked before anything is sent, so a bad status (a missing required field,
    /// a state that is not a `TaskState`) fails the whole call ([`Error::MissingFields`]
    /// naming its position) with nothing sent.
    pub fn reconcile_tasks(&self, statuses: &[TaskStatus]) -> Result<()> {
        let inner = self.inner();
        if statuses.is_empty() || !statuses.iter().all(packable) {
            // Implicit reconciliation (the empty list), or a bad status: one request with the
            // statuses as given, which the shim refuses naming the status and what is wrong.
            let all = Buffers::messages(statuses);
            return inner.call(Params::Method(&["statuses"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_reconcile_tasks(raw.0, all.ptr(), all.len(), e)
            });
        }
        // Every status is good: each part is written into one small buffer, reused (it stays
        // in the cache while the shim reads it back), and handed over before the next part
        // is written.
        let mut packed = Packed::with_capacity(RECONCILE_PART.min(statuses.len()));
        for part in statuses.chunks(RECONCILE_PART) {
            packed.clear();
            for status in part {
                packed.push(status, false);
            }
            inner.call(Params::Method(&["statuses"]), |raw, e| unsafe {
                sys::mesos_scheduler_driver_reconcile_tasks_packed(
                    raw.0,
                    packed.bytes(),
                    packed.count(),
                    RECONCILE_PART,
                    e,
                )
            })?;
        }
        Ok(())
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
        self.inner().call(
            Params::Method(&["framework", "suppressed_roles", "offer_constraints"]),
            |raw, e| unsafe {
                sys::mesos_scheduler_driver_update_framework(
                    raw.0,
                    sys::mesos_bytes::from_slice(&fw),
                    roles.ptr(),
                    roles.len(),
                    ocv.as_ref().map_or(std::ptr::null(), |x| x as *const _),
                    e,
                )
            },
        )
    }
}

/// Creates libmesos' driver for `b` with the callback context `ctx`. libmesos is started
/// (initialized) here the first time: its process-wide settings are recorded just before.
fn new_raw(b: &SchedulerDriverBuilder, master: &Master, ctx: *mut c_void) -> Result<Raw> {
    let framework = encode(&b.framework);
    let credential = b.credential.as_ref().map(encode);
    let credential_view = credential.as_deref().map(sys::mesos_bytes::from_slice);
    let roles = Buffers::strings(b.suppressed_roles.as_deref().unwrap_or(&[]));
    let options = sys::mesos_scheduler_options {
        framework_info: sys::mesos_bytes::from_slice(&framework),
        master: sys::mesos_bytes::from_slice(master.raw.as_bytes()),
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
    crate::logging::configure()?;
    crate::process::starting();
    let mut slot = ErrorSlot::new();
    // SAFETY: every pointer in `options` refers to buffers alive for the call; the context
    // stays valid until Core::close has freed the shim driver. libmesos may call `error`
    // from inside this call (a MESOS_* variable it cannot parse): that only queues.
    let raw =
        unsafe { sys::mesos_scheduler_driver_new(&CALLBACKS, ctx, &options, slot.as_mut_ptr()) };
    if raw.is_null() {
        const BUILDER: Params = Params::Table(&[
            ("framework", Some(0)),
            ("master", Some(1)),
            ("credential", None),
            ("implicit_acknowledgements", None),
            ("suppressed_roles", None),
        ]);
        return Err(slot.to_error(slot.0.code, BUILDER));
    }
    Ok(SendPtr(raw))
}

/// Statuses written for the shim's `*_packed` calls: one after another, each a 4-byte length
/// in the host's byte order, then a serialized `TaskStatus` with only what libmesos reads when
/// it reconciles (the task and its agent) or acknowledges (also the uuid), and the required
/// state. Written field by field from the borrowed status: no copy of the status is made, and
/// a long status (labels, container status, data) costs nothing to write.
#[derive(Default)]
pub(crate) struct Packed {
    bytes: Vec<u8>,
    count: usize,
}

impl Packed {
    /// Room for about `n` statuses of a usual size.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Packed {
            bytes: Vec::with_capacity(n.saturating_mul(56)),
            count: 0,
        }
    }

    /// Appends `status`, which must be [`packable`] (the shim checks it again).
    pub(crate) fn push(&mut self, status: &TaskStatus, with_uuid: bool) {
        let task = status.task_id.value().as_bytes();
        let agent = status.slave_id.as_ref().map(|a| a.value().as_bytes());
        let uuid = status.uuid.as_deref().filter(|_| with_uuid);
        // Enum values are written as 64-bit varints, negative ones too.
        let state = i64::from(status.state.map_or(0, |s| s.value())) as u64;
        let len = id_field_len(task)
            + 1
            + varint_len(state)
            + agent.map_or(0, id_field_len)
            + uuid.map_or(0, |u| 1 + varint_len(u.len() as u64) + u.len());
        let out = &mut self.bytes;
        out.extend_from_slice(&(len as u32).to_ne_bytes());
        let start = out.len();
        put_id_field(out, 1, task);
        out.push(2 << 3);
        put_varint(out, state);
        if let Some(agent) = agent {
            put_id_field(out, 5, agent);
        }
        if let Some(uuid) = uuid {
            out.push((11 << 3) | 2);
            put_varint(out, uuid.len() as u64);
            out.extend_from_slice(uuid);
        }
        debug_assert_eq!(out.len() - start, len);
        self.count += 1;
    }

    pub(crate) fn bytes(&self) -> sys::mesos_bytes {
        sys::mesos_bytes::from_slice(&self.bytes)
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Forgets every status, keeping the buffer's room.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.count = 0;
    }
}

/// Implicit acknowledgements of updates whose `status_update` has returned, gathered so that
/// several cross to libmesos in one call, and the update a running `status_update` handles.
/// They are handed over once the callback thread has delivered what it took from the queue
/// (before it waits for more), once [`ACK_BATCH`] have gathered, or once the oldest has waited
/// [`ACK_DELAY`] (checked as each callback returns), whichever comes first. An update is
/// never acknowledged before its callback returned (or called `stop`).
#[derive(Default)]
pub(crate) struct Acks {
    packed: Packed,
    /// Where the update being handled starts in `packed`, while its callback runs.
    current: Option<(usize, usize)>,
    /// When the oldest update in `packed` was handled.
    oldest: Option<std::time::Instant>,
    /// The first task in `packed`, for the log when they cannot be sent.
    first_task: String,
}

impl Acks {
    /// The callback for `status` is about to run.
    fn begin(&mut self, status: &TaskStatus) {
        if self.packed.is_empty() {
            self.first_task.clear();
            self.first_task.push_str(status.task_id.value());
        }
        self.current = Some((self.packed.bytes.len(), self.packed.count));
        self.packed.push(status, true);
    }

    /// Its callback returned; true when the gathered ones are to be sent now.
    fn handled(&mut self) -> bool {
        self.current = None;
        let now = std::time::Instant::now();
        let oldest = *self.oldest.get_or_insert(now);
        self.packed.count >= ACK_BATCH || now.duration_since(oldest) >= ACK_DELAY
    }

    /// Its callback panicked: it is not acknowledged.
    fn drop_current(&mut self) {
        if let Some((bytes, count)) = self.current.take() {
            self.packed.bytes.truncate(bytes);
            self.packed.count = count;
        }
    }
}

/// At most this many implicit acknowledgements wait to be handed to libmesos together.
const ACK_BATCH: usize = 64;
/// An implicit acknowledgement waits at most about this long (plus one callback) for others.
const ACK_DELAY: Duration = Duration::from_millis(2);

/// Whether [`Packed::push`] can write `status`: every required field set (so the shim would
/// accept it whole too) and a state that is a `TaskState`. Other statuses cross whole, so
/// that the shim names what is wrong.
fn packable(status: &TaskStatus) -> bool {
    protobuf::Message::is_initialized(status)
        && status.state.is_some_and(|s| s.enum_value().is_ok())
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The size of field `n` holding an ID message (`TaskID`, `SlaveID`: one string field 1).
fn id_field_len(value: &[u8]) -> usize {
    let inner = 1 + varint_len(value.len() as u64) + value.len();
    1 + varint_len(inner as u64) + inner
}

fn put_id_field(out: &mut Vec<u8>, field: u8, value: &[u8]) {
    let inner = 1 + varint_len(value.len() as u64) + value.len();
    out.push((field << 3) | 2);
    put_varint(out, inner as u64);
    out.push((1 << 3) | 2);
    put_varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// How many statuses one reconciliation request to libmesos carries at most.
const RECONCILE_PART: usize = 256;

/// Updates that carry a `uuid` (and come from an agent) are the ones to acknowledge.
fn needs_acknowledgement(status: &TaskStatus) -> bool {
    status.has_uuid() && status.slave_id.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{task_status, TaskState};
    use protobuf::Message;

    fn status(task: &str, agent: Option<&str>, uuid: &[u8]) -> TaskStatus {
        let mut s = TaskStatus::new();
        s.task_id = protobuf::MessageField::some(crate::ids::task_id(task));
        s.set_state(TaskState::TASK_KILLING);
        if let Some(a) = agent {
            s.slave_id = protobuf::MessageField::some(crate::ids::slave_id(a));
        }
        s.set_uuid(uuid.to_vec());
        s.set_message("not for libmesos".into());
        s.set_reason(task_status::Reason::REASON_RECONCILIATION);
        s.data = Some(vec![7; 300]);
        s
    }

    /// The statuses in `packed`, each decoded on its own, as the shim reads them.
    fn unpack(packed: &Packed) -> Vec<TaskStatus> {
        let mut bytes = &packed.bytes[..];
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let len = u32::from_ne_bytes(bytes[..4].try_into().unwrap()) as usize;
            out.push(TaskStatus::parse_from_bytes(&bytes[4..4 + len]).unwrap());
            bytes = &bytes[4 + len..];
        }
        assert_eq!(out.len(), packed.count());
        out
    }

    #[test]
    fn packed_statuses_hold_exactly_what_libmesos_reads() {
        let long = "t".repeat(200); // lengths that need two-byte varints
        let mut packed = Packed::default();
        packed.push(&status("a", Some("agent-1"), b"uuid-1"), true);
        packed.push(&status(&long, None, b"uuid-2"), true);
        packed.push(&status("c", Some(&long), b"uuid-3"), false);
        let got = unpack(&packed);
        let want = |task: &str, agent: Option<&str>, uuid: Option<&[u8]>| {
            let mut s = TaskStatus::new();
            s.task_id = protobuf::MessageField::some(crate::ids::task_id(task));
            s.set_state(TaskState::TASK_KILLING);
            if let Some(a) = agent {
                s.slave_id = protobuf::MessageField::some(crate::ids::slave_id(a));
            }
            if let Some(u) = uuid {
                s.set_uuid(u.to_vec());
            }
            s
        };
        assert_eq!(got[0], want("a", Some("agent-1"), Some(b"uuid-1")));
        assert_eq!(got[1], want(&long, None, Some(b"uuid-2")));
        assert_eq!(got[2], want("c", Some(&long), None));
    }

    #[test]
    fn a_status_the_shim_would_refuse_is_not_packable() {
        assert!(packable(&status("a", None, b"")));
        let mut no_task = status("a", None, b"");
        no_task.task_id = Default::default();
        assert!(!packable(&no_task));
        let mut bad_state = status("a", None, b"");
        bad_state.state = Some(protobuf::EnumOrUnknown::from_i32(999));
        assert!(!packable(&bad_state));
    }

    #[test]
    fn acknowledgements_gather_and_the_one_whose_callback_panicked_is_dropped() {
        let mut acks = Acks::default();
        for i in 0..3 {
            acks.begin(&status(&format!("t-{i}"), Some("agent"), b"u"));
            assert!(!acks.handled(), "sent before {ACK_BATCH} gathered");
        }
        acks.begin(&status("panicked", Some("agent"), b"u"));
        acks.drop_current();
        let tasks: Vec<String> = unpack(&acks.packed)
            .iter()
            .map(|s| s.task_id.value().to_owned())
            .collect();
        assert_eq!(tasks, ["t-0", "t-1", "t-2"]);
        assert_eq!(acks.first_task, "t-0");
        for i in 3..ACK_BATCH - 1 {
            acks.begin(&status(&format!("t-{i}"), Some("agent"), b"u"));
            assert!(!acks.handled() || acks.oldest.unwrap().elapsed() >= ACK_DELAY);
        }
        acks.begin(&status("last", Some("agent"), b"u"));
        assert!(acks.handled(), "a full batch is due");
    }
}
