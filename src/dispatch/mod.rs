//! What both drivers share: the callback thread, the queue in front of it, and the lifetime
//! of the shim object behind the handles.
//!
//! libmesos calls the shim on one of its own threads (or, for some errors, on the thread
//! that called into it). The shim's C callbacks (in `scheduler.rs` and `executor.rs`) only
//! copy the serialized bytes into an event and [`enqueue`] it; a dedicated thread owned by
//! the driver decodes each event and runs the user's trait method, one at a time, in arrival
//! order. libmesos' thread therefore never waits for user code, which is what makes it safe
//! to call any driver method (or to drop the driver) from inside a callback.
//!
//! Lifetime ([`Core`], [`Owner`]): a driver handle is an `Arc<Owner<_>>`. The callback thread
//! holds only a `Weak` to the owner, so the handles alone decide when the shim object is
//! freed: when the last one is dropped, or when [`Core::close`] is called through any of
//! them. Calls made after that get [`Error::Closed`]; events queued before it are still
//! delivered (with a closed handle), never dropped silently.

use std::any::Any;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, Weak};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::types::Status;

pub(crate) mod probe;
mod queue;

pub(crate) use queue::{Rx, Tx};

/// What travels from libmesos' thread (or the driver handle) to the callback thread.
pub(crate) enum Item<E> {
    /// A callback from libmesos, with when the shim entered it (latency probe only, else 0).
    Event(E, u64),
    /// Answered once every item sent before it has been handled.
    Barrier(SyncSender<()>),
    /// The driver was stopped or aborted through a handle: libmesos makes no more callbacks.
    Stopped,
}

/// Runs the user's code for one event.
pub(crate) trait Handler<E>: Send + 'static {
    /// Delivers one event to the user's trait object.
    fn deliver(&mut self, event: E);
    /// Called once, on the callback thread, after `deliver` panicked.
    fn panicked(&mut self, message: &str);
    /// Called on the callback thread after every event queued before the driver was stopped
    /// or aborted has been delivered (possibly more than once).
    fn stopped(&mut self) {}
    /// Called on the callback thread once it has delivered every event it took from the
    /// queue in one go, before it waits for more.
    fn idle(&mut self) {}
}

/// The queue depth above which a driver logs a warning, unless its builder says otherwise.
pub(crate) const DEFAULT_QUEUE_WARNING: usize = 1000;

/// Counters of one driver, as returned by `stats()` on a driver handle.
///
/// ```
/// let stats = mesos::DriverStats::default();
/// assert_eq!(stats.queued, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriverStats {
    /// Events libmesos delivered that your code has not finished with yet: waiting for the
    /// callback thread, in a callback right now, or (for an event stream) not yet taken
    /// from the stream.
    pub queued: usize,
    /// The largest `queued` seen since the driver was created: how far your code fell behind
    /// at worst.
    pub peak_queued: usize,
    /// Events that never reached your code, each logged when it happened: a callback panicked
    /// earlier (the driver was aborted), an event stream was dropped, an event could not be
    /// decoded or serialized, or arrived after the driver was stopped.
    pub dropped_events: u64,
    /// Status updates that should have been acknowledged implicitly but were not (the
    /// acknowledgement failed, or the driver had already stopped); the agent re-sends them.
    pub unacknowledged_updates: u64,
}

/// Whether the driver has registered, for a registration timeout.
#[derive(Default)]
struct Registration {
    registered: bool,
    /// The driver stopped, aborted or was closed: nobody needs to wait any more.
    ended: bool,
}

/// State shared between the driver handle, the shim context and the callback thread.
pub(crate) struct Shared {
    panic: Mutex<Option<String>>,
    thread: OnceLock<ThreadId>,
    queued: AtomicUsize,
    peak_queued: AtomicUsize,
    dropped: AtomicU64,
    unacknowledged: AtomicU64,
    queue_warning: usize,
    warned: AtomicBool,
    /// The status libmesos reported last (0 until the first call).
    status: AtomicI32,
    /// Why the driver ended, when libmesos (or the registration timeout) aborted it.
    failure: Mutex<Option<Error>>,
    registration: Mutex<Registration>,
    registration_changed: Condvar,
    /// Text never to show (passwords), with what to show instead.
    redactions: Vec<(String, String)>,
    /// "scheduler" or "executor", for log messages.
    kind: &'static str,
    /// Where libmesos' thread notes the arrival of each event from the master, for drivers
    /// that watch it (liveness checks); unset for the others, which pay one atomic load per
    /// event.
    arrivals: OnceLock<Arc<Arrivals>>,
}

/// When libmesos last handed a driver an event, noted on libmesos' own thread as the event
/// is queued: unlike the callback thread's view, it does not fall behind while a slow
/// callback holds up the queue.
#[derive(Debug)]
pub(crate) struct Arrivals {
    origin: Instant,
    /// Nanoseconds from `origin` to the latest arrival.
    last: AtomicU64,
}

impl Arrivals {
    pub(crate) fn new() -> Arrivals {
        Arrivals {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    /// An event arrived now.
    pub(crate) fn stamp(&self) {
        let nanos = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last.fetch_max(nanos, Ordering::Relaxed);
    }

    /// When the latest event arrived (the creation time before any).
    pub(crate) fn last(&self) -> Instant {
        self.origin + Duration::from_nanos(self.last.load(Ordering::Relaxed))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every lock here guards plain data that stays valid if a holder panicked.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        kind: &'static str,
        queue_warning: usize,
        redactions: Vec<(String, String)>,
    ) -> Shared {
        Shared {
            panic: Mutex::new(None),
            thread: OnceLock::new(),
            queued: AtomicUsize::new(0),
            peak_queued: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            unacknowledged: AtomicU64::new(0),
            queue_warning,
            warned: AtomicBool::new(false),
            status: AtomicI32::new(0),
            failure: Mutex::new(None),
            registration: Mutex::new(Registration::default()),
            registration_changed: Condvar::new(),
            redactions,
            kind,
            arrivals: OnceLock::new(),
        }
    }

    /// From now on, [`note_arrival`](Self::note_arrival) notes in `arrivals`. Set once;
    /// later calls are ignored.
    pub(crate) fn watch_arrivals(&self, arrivals: Arc<Arrivals>) {
        let _ = self.arrivals.set(arrivals);
    }

    /// On libmesos' thread: an event that is a sign of the master's life arrived (noted
    /// only for drivers that watch arrivals).
    pub(crate) fn note_arrival(&self) {
        if let Some(arrivals) = self.arrivals.get() {
            arrivals.stamp();
        }
    }

    /// The message of the first callback panic, if any.
    pub(crate) fn panic_message(&self) -> Option<String> {
        lock(&self.panic).clone()
    }

    /// Whether the current thread is the callback thread.
    pub(crate) fn on_callback_thread(&self) -> bool {
        self.thread.get() == Some(&std::thread::current().id())
    }

    /// The counters, for `stats()`.
    pub(crate) fn stats(&self) -> DriverStats {
        DriverStats {
            queued: self.queued.load(Ordering::Relaxed),
            peak_queued: self.peak_queued.load(Ordering::Relaxed),
            dropped_events: self.dropped.load(Ordering::Relaxed),
            unacknowledged_updates: self.unacknowledged.load(Ordering::Relaxed),
        }
    }

    /// One more event waits for the user's code. Logs a warning when the queue grows past
    /// the threshold (once, until it has shrunk to half of it again).
    pub(crate) fn note_queued(&self, n: usize) {
        let depth = self.queued.fetch_add(n, Ordering::Relaxed) + n;
        if depth > self.peak_queued.load(Ordering::Relaxed) {
            self.peak_queued.fetch_max(depth, Ordering::Relaxed);
        }
        if depth > self.queue_warning && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                queued = depth,
                threshold = self.queue_warning,
                "{depth} {} events wait for your code: callbacks are slower than libmesos \
                 delivers events; status updates are acknowledged only once handled, so agents \
                 keep re-sending them meanwhile",
                self.kind
            );
        }
    }

    /// `n` events left the queue (handled, dropped, or taken from a stream).
    pub(crate) fn note_taken(&self, n: usize) {
        let depth = self
            .queued
            .fetch_sub(n, Ordering::Relaxed)
            .saturating_sub(n);
        if depth <= self.queue_warning / 2 {
            self.warned.store(false, Ordering::Relaxed);
        }
    }

    /// Counts and logs events that will never reach the user's code. `deliberate`: the user
    /// asked for it (e.g. dropped a stream), logged at debug; otherwise at warn.
    pub(crate) fn note_dropped(&self, n: u64, what: &str, why: &str, deliberate: bool) {
        let total = self.dropped.fetch_add(n, Ordering::Relaxed) + n;
        if deliberate {
            tracing::debug!(
                count = n,
                total,
                "{} {what} not delivered: {why}",
                self.kind
            );
        } else {
            tracing::warn!(
                count = n,
                total,
                "{} {what} not delivered: {why}",
                self.kind
            );
        }
    }

    /// Counts a status update that was not acknowledged although it should have been.
    pub(crate) fn note_unacknowledged(&self) {
        self.unacknowledged.fetch_add(1, Ordering::Relaxed);
    }

    /// Records the status libmesos reported.
    pub(crate) fn set_status(&self, status: Status) {
        self.status.store(status as i32, Ordering::Relaxed);
        if status != Status::DRIVER_RUNNING && status != Status::DRIVER_NOT_STARTED {
            self.end_registration_wait();
        }
    }

    /// The status libmesos reported last, if any.
    pub(crate) fn status(&self) -> Option<Status> {
        <Status as protobuf::Enum>::from_i32(self.status.load(Ordering::Relaxed))
    }

    /// Records why libmesos (or a timeout) aborted the driver; the first reason is kept.
    pub(crate) fn record_failure(&self, failure: Error) {
        let mut slot = lock(&self.failure);
        if slot.is_none() {
            *slot = Some(failure);
        }
    }

    /// Why the driver was aborted, if libmesos (or a timeout) did it.
    pub(crate) fn failure(&self) -> Option<Error> {
        lock(&self.failure).clone()
    }

    /// Forgets the recorded failure (the driver was replaced by a fresh one).
    pub(crate) fn clear_failure(&self) {
        *lock(&self.failure) = None;
    }

    /// The driver registered (or re-registered).
    pub(crate) fn set_registered(&self) {
        lock(&self.registration).registered = true;
        self.registration_changed.notify_all();
    }

    /// The driver stopped, aborted or was closed: stop waiting for a registration.
    pub(crate) fn end_registration_wait(&self) {
        lock(&self.registration).ended = true;
        self.registration_changed.notify_all();
    }

    /// Waits up to `timeout` for a registration; `false` only when it timed out while the
    /// driver still waited for one.
    pub(crate) fn wait_registered(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = lock(&self.registration);
        while !state.registered && !state.ended {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .registration_changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// `text` with every secret replaced.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for (secret, shown) in &self.redactions {
            if !secret.is_empty() && out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), shown));
            }
        }
        out
    }
}

/// The sending side, handed to the shim as the callbacks' context (or, cloned, to a backend
/// that queues events from threads of its own).
pub(crate) struct Context<E> {
    pub(crate) tx: Tx<Item<E>>,
    pub(crate) shared: Arc<Shared>,
}

impl<E> Clone for Context<E> {
    fn clone(&self) -> Self {
        Context {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<E> Context<E> {
    pub(crate) fn send(&self, event: E) {
        self.shared.note_queued(1);
        // The receiver lives on the callback thread until every sender is gone, so this
        // fails only if that thread died (a bug): count the event rather than lose it quietly.
        if self.tx.send(Item::Event(event, probe::stamp())).is_err() {
            self.shared.note_taken(1);
            self.shared
                .note_dropped(1, "event", "the callback thread has ended", false);
        }
    }
}

/// The shim's context pointer: a `Context` on the heap, owned through this raw pointer from
/// `Box::into_raw` until [`CtxPtr::free`] (no `Box` is kept, so nothing asserts unique
/// access while the shim holds the pointer).
pub(crate) struct CtxPtr<E>(NonNull<Context<E>>);

// SAFETY: a Context is a Sender (Send + Sync for E: Send) and an Arc<Shared> (atomics and
// mutexes); the pointer is only dereferenced as a shared reference.
unsafe impl<E: Send> Send for CtxPtr<E> {}
// SAFETY: as above.
unsafe impl<E: Send> Sync for CtxPtr<E> {}

impl<E> CtxPtr<E> {
    pub(crate) fn new(ctx: Context<E>) -> Self {
        CtxPtr(NonNull::from(Box::leak(Box::new(ctx))))
    }

    /// The pointer to hand to the shim.
    pub(crate) fn as_c(&self) -> *mut c_void {
        self.0.as_ptr().cast()
    }

    /// The context itself.
    #[cfg_attr(not(feature = "http-executor"), allow(dead_code))]
    pub(crate) fn get(&self) -> &Context<E> {
        // SAFETY: the pointer came from Box::leak in `new` and stays valid until `free`, which
        // consumes `self`; it is only ever read through shared references.
        unsafe { self.0.as_ref() }
    }

    /// Frees the context.
    ///
    /// # Safety
    /// The shim must no longer use the pointer: the object it was given to is freed.
    pub(crate) unsafe fn free(self) {
        // SAFETY: the pointer came from Box::leak in `new` and is freed once (self is moved).
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// Queues one callback from libmesos' thread. `ctx` must be a context pointer handed to the
/// shim (a [`CtxPtr`], or a `Box<Context<E>>` kept alive by its owner) that stays valid
/// until the shim object is freed, after which libmesos makes no more callbacks. Nothing
/// may unwind into C++: a panic while copying is caught, and the lost callback counted.
pub(crate) fn enqueue<E>(ctx: *mut c_void, make: impl FnOnce() -> E) {
    enqueue_with(ctx, |_| make());
}

/// Like [`enqueue`], with access to the driver's shared state on libmesos' thread (e.g. to
/// note a registration before the event reaches the callback thread).
pub(crate) fn enqueue_with<E>(ctx: *mut c_void, make: impl FnOnce(&Shared) -> E) {
    // SAFETY: as documented above, ctx points to a live Context<E>.
    let ctx = unsafe { &*(ctx as *const Context<E>) };
    let r = catch_unwind(AssertUnwindSafe(|| ctx.send(make(&ctx.shared))));
    if r.is_err() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            ctx.shared
                .note_dropped(1, "callback", "copying its arguments failed", false)
        }));
    }
}

/// The shim's `dropped` callback: libmesos made a callback the shim could not serialize.
///
/// # Safety
/// Called by the shim with a live context of type `E` and two NUL-terminated strings.
pub(crate) unsafe extern "C" fn cb_dropped<E>(
    ctx: *mut c_void,
    callback: *const c_char,
    reason: *const c_char,
) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: see the function's contract.
        let ctx = unsafe { &*(ctx as *const Context<E>) };
        // SAFETY: NUL-terminated strings valid for the call (or NULL).
        let (callback, reason) = unsafe { (c_text(callback), c_text(reason)) };
        ctx.shared.note_dropped(
            1,
            &format!("callback ({callback})"),
            &format!("the shim could not pass it on: {reason}"),
            false,
        );
    }));
}

/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the returned lifetime.
unsafe fn c_text<'a>(p: *const c_char) -> Cow<'a, str> {
    if p.is_null() {
        Cow::Borrowed("?")
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { CStr::from_ptr(p) }.to_string_lossy()
    }
}

/// The callback thread of one driver.
pub(crate) struct Dispatcher<E> {
    pub(crate) shared: Arc<Shared>,
    tx: Mutex<Option<Tx<Item<E>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl<E: Send + 'static> Dispatcher<E> {
    /// Creates the channel around `shared`.
    pub(crate) fn with_shared(shared: Arc<Shared>) -> (Self, Context<E>, Rx<Item<E>>) {
        let (tx, rx) = queue::queue();
        let ctx = Context {
            tx: tx.clone(),
            shared: shared.clone(),
        };
        let d = Dispatcher {
            shared,
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(None),
        };
        (d, ctx, rx)
    }

    /// Starts the callback thread.
    pub(crate) fn start(&self, name: &str, rx: Rx<Item<E>>, mut handler: impl Handler<E>) {
        let shared = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _ = shared.thread.set(std::thread::current().id());
                let mut poisoned = false;
                let mut batch = VecDeque::new();
                while rx.recv_batch(&mut batch) {
                    for item in batch.drain(..) {
                        match item {
                            Item::Barrier(done) => {
                                let _ = done.send(());
                            }
                            Item::Stopped => {
                                let _ = catch_unwind(AssertUnwindSafe(|| handler.stopped()));
                            }
                            Item::Event(..) if poisoned => {
                                shared.note_dropped(
                                    1,
                                    "event",
                                    "an earlier callback panicked and the driver was aborted",
                                    false,
                                );
                                shared.note_taken(1);
                            }
                            Item::Event(event, stamp) => {
                                probe::DELIVERING.set(stamp);
                                let r = catch_unwind(AssertUnwindSafe(|| handler.deliver(event)));
                                shared.note_taken(1);
                                if let Err(payload) = r {
                                    let msg = panic_text(payload.as_ref());
                                    tracing::error!(panic = %msg, "a driver callback panicked; aborting the driver");
                                    *lock(&shared.panic) = Some(msg.clone());
                                    poisoned = true;
                                    let _ =
                                        catch_unwind(AssertUnwindSafe(|| handler.panicked(&msg)));
                                }
                            }
                        }
                    }
                    let _ = catch_unwind(AssertUnwindSafe(|| handler.idle()));
                }
                // Dropping the handler (the user's trait object) here, on this thread.
                drop(catch_unwind(AssertUnwindSafe(move || drop(handler))));
            })
            .expect("spawning the driver's callback thread");
        *lock(&self.thread) = Some(handle);
    }

    fn sender(&self) -> Option<Tx<Item<E>>> {
        lock(&self.tx).clone()
    }

    /// Waits until every event queued so far has been handled. Returns at once when called
    /// on the callback thread itself (it cannot wait for itself) or after `close`.
    pub(crate) fn drain(&self) {
        if self.shared.on_callback_thread() {
            return;
        }
        let Some(tx) = self.sender() else { return };
        let (done, wait) = sync_channel(1);
        if tx.send(Item::Barrier(done)).is_ok() {
            drop(tx);
            let _ = wait.recv();
        }
    }

    /// Queues an event made by the binding itself (not by libmesos), after those queued so
    /// far. Never blocks; does nothing once closed.
    pub(crate) fn inject(&self, event: E) {
        if let Some(tx) = self.sender() {
            self.shared.note_queued(1);
            if tx.send(Item::Event(event, 0)).is_err() {
                self.shared.note_taken(1);
            }
        }
    }

    /// Tells the handler, after every event queued so far, that the driver was stopped or
    /// aborted. Never blocks.
    pub(crate) fn mark_stopped(&self) {
        if let Some(tx) = self.sender() {
            let _ = tx.send(Item::Stopped);
        }
    }

    /// Once the shim no longer holds any context: drops this side's sender, so that the
    /// channel closes and the callback thread ends after the events still queued, and joins
    /// that thread (unless called on it: it then ends by itself after the current callback).
    pub(crate) fn close(&self) {
        drop(lock(&self.tx).take());
        let handle = lock(&self.thread).take();
        if let Some(handle) = handle {
            if !self.shared.on_callback_thread() {
                let _ = handle.join();
            }
        }
    }
}

/// A shim object behind driver handles (libmesos' driver, or an executor backend): how to wake
/// `join` and how to free it.
pub(crate) trait ShimObject: Send + Sync + 'static {
    /// Makes every thread blocked in the driver's `join` return (a stop that keeps the
    /// framework registered, as freeing does). Called just before [`free`](Self::free).
    ///
    /// # Safety
    /// The object is live.
    unsafe fn release_waiters(&self);

    /// Frees the object; afterwards libmesos makes no more callbacks with its context.
    ///
    /// # Safety
    /// The object is live, no call on it is in progress and none follows.
    unsafe fn free(self);
}

/// The shim object, its callback context and its callback thread, with the rules for
/// freeing them: [`close`](Self::close) frees the object once no call on it is in progress;
/// calls made afterwards get [`Error::Closed`].
pub(crate) struct Core<S: ShimObject, E: Send + 'static> {
    /// `None` once closed. Every call holds the read lock while the shim runs.
    raw: RwLock<Option<S>>,
    /// Freed right after the shim object.
    ctx: Mutex<Option<CtxPtr<E>>>,
    pub(crate) dispatcher: Dispatcher<E>,
}

impl<S: ShimObject, E: Send + 'static> Core<S, E> {
    pub(crate) fn new(raw: S, ctx: CtxPtr<E>, dispatcher: Dispatcher<E>) -> Self {
        Core {
            raw: RwLock::new(Some(raw)),
            ctx: Mutex::new(Some(ctx)),
            dispatcher,
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.dispatcher.shared
    }

    /// Runs `f` with the shim object, which stays live until `f` returns; [`Error::Closed`]
    /// once the driver was closed. `f` must not close the driver.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&S) -> Result<T>) -> Result<T> {
        let guard = self.raw.read().unwrap_or_else(PoisonError::into_inner);
        match &*guard {
            Some(raw) => f(raw),
            None => Err(Error::Closed),
        }
    }

    /// Whether the driver was closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.raw
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Frees the shim object and its context, then ends the callback thread after the
    /// events already queued. Returns whether this call closed the driver (`false`: it was
    /// closed before). Waits for calls in progress, so a thread blocked in `join` is woken
    /// first. Must not be called from a libmesos thread (the callbacks never are).
    pub(crate) fn close(&self) -> bool {
        {
            let guard = self.raw.read().unwrap_or_else(PoisonError::into_inner);
            match &*guard {
                // SAFETY: live while the read lock is held.
                Some(raw) => unsafe { raw.release_waiters() },
                None => return false,
            }
        }
        let taken = self
            .raw
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(raw) = taken else { return false };
        self.shared().end_registration_wait();
        // SAFETY: taken out under the write lock, so no call is in progress, and none can
        // start: every later call finds `None`.
        unsafe { raw.free() };
        if let Some(ctx) = lock(&self.ctx).take() {
            // SAFETY: the shim object is freed, so libmesos makes no more callbacks with it.
            unsafe { ctx.free() };
        }
        self.dispatcher.close();
        true
    }
}

impl<S: ShimObject, E: Send + 'static> Core<S, E> {
    /// Frees the shim object and puts the one `make` creates (with the same callback context)
    /// in its place; calls made meanwhile wait, calls made afterwards reach the new object.
    /// [`Error::Closed`] once closed. When `make` fails the driver is closed. Must not be
    /// called from a libmesos thread.
    pub(crate) fn replace(&self, make: impl FnOnce(*mut c_void) -> Result<S>) -> Result<()> {
        {
            let guard = self.raw.read().unwrap_or_else(PoisonError::into_inner);
            match &*guard {
                // SAFETY: live while the read lock is held.
                Some(raw) => unsafe { raw.release_waiters() },
                None => return Err(Error::Closed),
            }
        }
        let mut guard = self.raw.write().unwrap_or_else(PoisonError::into_inner);
        let Some(old) = guard.take() else {
            return Err(Error::Closed);
        };
        // SAFETY: taken out under the write lock: no call is in progress, none can start.
        unsafe { old.free() };
        let ctx = lock(&self.ctx).as_ref().map(|c| c.as_c());
        let made = match ctx {
            Some(ctx) => make(ctx),
            None => Err(Error::Closed),
        };
        match made {
            Ok(new) => {
                *guard = Some(new);
                Ok(())
            }
            Err(e) => {
                drop(guard);
                self.shared().end_registration_wait();
                if let Some(ctx) = lock(&self.ctx).take() {
                    // SAFETY: the old object is freed and no new one holds the context.
                    unsafe { ctx.free() };
                }
                self.dispatcher.close();
                Err(e)
            }
        }
    }
}

impl<S: ShimObject, E: Send + 'static> Drop for Core<S, E> {
    fn drop(&mut self) {
        // Normally closed by its owner already; this is what makes a forgotten close sound.
        self.close();
    }
}

/// Something a driver handle closes when the last handle goes.
pub(crate) trait Closable: Send + Sync + 'static {
    fn close(&self);
    fn is_closed(&self) -> bool;
}

/// What every strong driver handle shares: dropping the last one closes the driver. The
/// callback thread and weak handles hold only a `Weak<Owner<T>>` (and the thread an `Arc<T>`
/// to build closed handles for events still queued), so they never keep a driver alive.
pub(crate) struct Owner<T: Closable>(pub(crate) Arc<T>);

impl<T: Closable> Owner<T> {
    /// What a weak handle upgrades to: the owner, while a strong handle exists and the driver
    /// is not closed.
    pub(crate) fn upgrade(weak: &Weak<Owner<T>>) -> Option<Arc<Owner<T>>> {
        weak.upgrade().filter(|owner| !owner.0.is_closed())
    }

    /// The handle the callback thread passes to the user's code: the owner while a strong
    /// handle exists, else a closed one (for the events still queued after the driver was
    /// freed; dropping it closes nothing more).
    pub(crate) fn for_callback(weak: &Weak<Owner<T>>, inner: &Arc<T>) -> Arc<Owner<T>> {
        weak.upgrade()
            .unwrap_or_else(|| Arc::new(Owner(inner.clone())))
    }
}

impl<T: Closable> Drop for Owner<T> {
    fn drop(&mut self) {
        self.0.close();
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc::{channel, Sender};

    /// A `tracing` writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// These tests log through the same callsites; run one at a time, so that each sees its
    /// own subscriber (tracing caches which subscribers a callsite reaches).
    static SERIAL: Mutex<()> = Mutex::new(());

    fn logged(f: impl FnOnce()) -> String {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let text = String::from_utf8_lossy(&lock(&capture.0)).into_owned();
        text
    }

    /// Nothing unwinds out of the C callbacks: a panic while copying an event, and a
    /// callback the shim could not serialize, are each counted and logged at warn.
    #[test]
    fn lost_callbacks_are_counted_and_logged_never_unwound() {
        let _serial = lock(&SERIAL);
        let shared = Arc::new(Shared::new("scheduler", DEFAULT_QUEUE_WARNING, Vec::new()));
        let (_dispatcher, ctx, _rx) = Dispatcher::<u32>::with_shared(shared.clone());
        let ctx = CtxPtr::new(ctx);
        let text = logged(|| {
            enqueue_with::<u32>(ctx.as_c(), |_| panic!("copying failed"));
            // SAFETY: a live context of type u32 and two NUL-terminated strings.
            unsafe {
                cb_dropped::<u32>(
                    ctx.as_c(),
                    c"statusUpdate".as_ptr(),
                    c"out of memory".as_ptr(),
                )
            };
            enqueue::<u32>(ctx.as_c(), || 7);
        });
        let stats = shared.stats();
        assert_eq!(stats.dropped_events, 2, "{text}");
        assert_eq!(stats.queued, 1, "the good event waits");
        let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
        assert_eq!(warnings.len(), 2, "{text}");
        assert!(
            warnings[0].contains("copying its arguments failed"),
            "{text}"
        );
        assert!(warnings[1].contains("statusUpdate"), "{text}");
        assert!(warnings[1].contains("out of memory"), "{text}");
        // SAFETY: no shim holds the pointer.
        unsafe { ctx.free() };
    }

    struct PanicsFirst(Sender<u32>);

    impl Handler<u32> for PanicsFirst {
        fn deliver(&mut self, event: u32) {
            if event == 0 {
                panic!("first callback");
            }
            let _ = self.0.send(event);
        }
        fn panicked(&mut self, _: &str) {}
    }

    /// After a callback panicked, later events are not delivered; each is counted.
    #[test]
    fn events_after_a_panic_are_counted_not_lost_silently() {
        let _serial = lock(&SERIAL);
        let shared = Arc::new(Shared::new("executor", DEFAULT_QUEUE_WARNING, Vec::new()));
        let (dispatcher, ctx, rx) = Dispatcher::<u32>::with_shared(shared.clone());
        let (tx, delivered) = channel();
        dispatcher.start("test-callbacks", rx, PanicsFirst(tx));
        for i in 0..4 {
            ctx.send(i);
        }
        dispatcher.drain();
        assert!(delivered.try_recv().is_err());
        assert_eq!(shared.panic_message().as_deref(), Some("first callback"));
        let stats = shared.stats();
        assert_eq!(stats.dropped_events, 3);
        assert_eq!(stats.queued, 0);
        drop(ctx);
        dispatcher.close();
    }

    /// The warning threshold: once past it, one warning until the queue shrinks to half.
    #[test]
    fn one_queue_warning_per_crossing() {
        let _serial = lock(&SERIAL);
        let shared = Shared::new("scheduler", 4, Vec::new());
        let text = logged(|| {
            shared.note_queued(4);
            shared.note_queued(1); // 5 > 4: warn
            shared.note_queued(3); // still above: no second warning
            shared.note_taken(6); // 2 <= 4 / 2: re-armed
            shared.note_queued(3); // 5 > 4: warn again
        });
        assert_eq!(
            text.lines().filter(|l| l.contains("WARN")).count(),
            2,
            "{text}"
        );
        assert_eq!(shared.stats().queued, 5);
        assert_eq!(shared.stats().peak_queued, 8);
    }

    #[test]
    fn redaction_replaces_every_secret() {
        let shared = Shared::new(
            "scheduler",
            DEFAULT_QUEUE_WARNING,
            vec![("u:pw".into(), "u:<redacted>".into())],
        );
        assert_eq!(
            shared.redact("Failed for 'zk://u:pw@h/p' (u:pw)"),
            "Failed for 'zk://u:<redacted>@h/p' (u:<redacted>)"
        );
        assert!(matches!(shared.redact("nothing"), Cow::Borrowed("nothing")));
    }
}
