//! The callback thread shared by both drivers.
//!
//! libmesos calls the shim on one of its own threads. The shim's C callbacks (see
//! `scheduler.rs` and `executor.rs`) only copy the serialized bytes into an [`Item`] and send
//! it here; a dedicated thread owned by the driver decodes each event and runs the user's
//! trait method, one at a time, in arrival order. libmesos' thread therefore never waits for
//! user code, which is what makes it safe to call any driver method (or to drop the driver)
//! from inside a callback.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{JoinHandle, ThreadId};

/// What travels from libmesos' thread (or the driver handle) to the callback thread.
pub(crate) enum Item<E> {
    /// A callback from libmesos.
    Event(E),
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
}

/// State shared between the driver handle and its callback thread.
#[derive(Default)]
pub(crate) struct Shared {
    panic: Mutex<Option<String>>,
    thread: OnceLock<ThreadId>,
}

impl Shared {
    /// The message of the first callback panic, if any.
    pub(crate) fn panic_message(&self) -> Option<String> {
        self.panic.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the current thread is the callback thread.
    pub(crate) fn on_callback_thread(&self) -> bool {
        self.thread.get() == Some(&std::thread::current().id())
    }
}

/// The sending side, handed (boxed) to the shim as the callbacks' context.
pub(crate) struct Context<E> {
    pub(crate) tx: Sender<Item<E>>,
}

impl<E> Context<E> {
    pub(crate) fn send(&self, event: E) {
        // The receiver lives until the driver is freed, after which libmesos makes no more
        // callbacks; a failed send can only happen during teardown and is harmless.
        let _ = self.tx.send(Item::Event(event));
    }
}

/// Queues one callback from libmesos' thread. `ctx` must be the `Box<Context<E>>` handed to
/// the shim, which keeps it alive until the shim object is freed (after which libmesos makes
/// no more callbacks). A panic while copying must not unwind into C++, so it is caught here.
pub(crate) fn enqueue<E>(ctx: *mut std::ffi::c_void, make: impl FnOnce() -> E) {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as documented above, ctx points to a live Context<E>.
        let ctx = unsafe { &*(ctx as *const Context<E>) };
        ctx.send(make());
    }));
    if r.is_err() {
        eprintln!("mesos-rs: failed to queue a driver callback");
    }
}

/// The callback thread of one driver.
pub(crate) struct Dispatcher<E> {
    pub(crate) shared: Arc<Shared>,
    tx: Sender<Item<E>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl<E: Send + 'static> Dispatcher<E> {
    /// Creates the channel; returns the dispatcher (not yet running) and the shim context.
    pub(crate) fn new() -> (Self, Box<Context<E>>, Receiver<Item<E>>) {
        let (tx, rx) = channel();
        let ctx = Box::new(Context { tx: tx.clone() });
        let d = Dispatcher {
            shared: Arc::new(Shared::default()),
            tx,
            thread: Mutex::new(None),
        };
        (d, ctx, rx)
    }

    /// Starts the callback thread.
    pub(crate) fn start(&self, name: &str, rx: Receiver<Item<E>>, mut handler: impl Handler<E>) {
        let shared = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _ = shared.thread.set(std::thread::current().id());
                let mut poisoned = false;
                while let Ok(item) = rx.recv() {
                    match item {
                        Item::Barrier(done) => {
                            let _ = done.send(());
                        }
                        Item::Stopped => {
                            let _ = catch_unwind(AssertUnwindSafe(|| handler.stopped()));
                        }
                        Item::Event(_) if poisoned => {
                            tracing::debug!("callback dropped: an earlier callback panicked");
                        }
                        Item::Event(event) => {
                            let r = catch_unwind(AssertUnwindSafe(|| handler.deliver(event)));
                            if let Err(payload) = r {
                                let msg = panic_text(payload.as_ref());
                                tracing::error!(panic = %msg, "a driver callback panicked; aborting the driver");
                                *shared.panic.lock().unwrap_or_else(|p| p.into_inner()) =
                                    Some(msg.clone());
                                poisoned = true;
                                let _ = catch_unwind(AssertUnwindSafe(|| handler.panicked(&msg)));
                            }
                        }
                    }
                }
                // Dropping the handler (the user's trait object) here, on this thread.
                drop(catch_unwind(AssertUnwindSafe(move || drop(handler))));
            })
            .expect("spawning the driver's callback thread");
        *self.thread.lock().unwrap() = Some(handle);
    }

    /// Waits until every event queued so far has been handled. Returns at once when called
    /// on the callback thread itself (it cannot wait for itself).
    pub(crate) fn drain(&self) {
        if self.shared.on_callback_thread() {
            return;
        }
        let (done, wait) = sync_channel(1);
        if self.tx.send(Item::Barrier(done)).is_ok() {
            let _ = wait.recv();
        }
    }

    /// Tells the handler, after every event queued so far, that the driver was stopped or
    /// aborted. Never blocks.
    pub(crate) fn mark_stopped(&self) {
        let _ = self.tx.send(Item::Stopped);
    }

    /// Ends the callback thread once the shim no longer holds the context: closes the
    /// channel and joins the thread (unless called on it, in which case it ends by itself
    /// after the current callback returns).
    pub(crate) fn finish(&mut self, ctx: Box<Context<E>>) {
        drop(ctx);
        // Replace our sender so that the channel closes once the context's is gone.
        let (dead, _) = channel();
        drop(std::mem::replace(&mut self.tx, dead));
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            if !self.shared.on_callback_thread() {
                let _ = handle.join();
            }
        }
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
