//! Scheduler events as an asynchronous stream (feature `stream`).
//!
//! Instead of implementing [`Scheduler`](crate::Scheduler), a framework can build its driver
//! with [`SchedulerDriverBuilder::build_stream`] and consume the callbacks as a
//! [`futures_core::Stream`] of [`SchedulerEvent`]s, [`SchedulerEvents`]. The stream is
//! runtime-agnostic: it only uses the waker of the task that polls it, so it works with
//! tokio, async-std, smol or `futures::executor`.
//!
//! ```no_run
//! use futures::StreamExt;
//! use mesos::scheduler::SchedulerEvent;
//! use mesos::{types::FrameworkInfo, SchedulerDriver};
//!
//! # async fn framework() -> Result<(), mesos::Error> {
//! let mut info = FrameworkInfo::new();
//! info.set_user(String::new()); // libmesos fills in the current user
//! info.set_name("streaming".into());
//! let (driver, mut events) = SchedulerDriver::builder(info, "127.0.0.1:5050").build_stream()?;
//! driver.start()?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         SchedulerEvent::ResourceOffers { offers } => {
//!             for offer in &offers {
//!                 driver.decline_offer(&offer.id, None)?;
//!             }
//!         }
//!         // Taking the update from the stream acknowledged it (implicit acknowledgements).
//!         SchedulerEvent::StatusUpdate { status } => println!("{status:?}"),
//!         SchedulerEvent::Error { message } => eprintln!("driver aborted: {message}"),
//!         _ => {}
//!     }
//! }
//! // The loop ends once the driver was stopped or aborted and every earlier event was taken.
//! # Ok(())
//! # }
//! ```
//!
//! # Guarantees
//!
//! * **Order.** Events come out in the order libmesos made the callbacks, exactly as the
//!   [`Scheduler`](crate::Scheduler) methods would have been called. They are decoded on the
//!   driver's callback thread, so taking one from the stream is cheap.
//! * **Acknowledgements.** With implicit acknowledgements (the builder's default) a
//!   [`SchedulerEvent::StatusUpdate`] is acknowledged when the consumer takes it from the
//!   stream (in `poll_next`, just before it is returned), never earlier: an update still
//!   queued in the stream is not acknowledged, and the agent keeps re-sending it. With
//!   [`implicit_acknowledgements(false)`](crate::SchedulerDriverBuilder::implicit_acknowledgements)
//!   call [`SchedulerDriver::acknowledge_status_update`] once the update is handled.
//! * **No backpressure.** The queue between libmesos and the consumer is unbounded: libmesos'
//!   own thread must never wait for the consumer, and Mesos' event rate is bounded by the
//!   cluster (offers per allocation interval, one update per task transition). A consumer that
//!   stops polling lets events pile up in memory, and updates wait unacknowledged (agents
//!   re-send them). [`SchedulerDriver::queue_depth`] counts the events not yet taken, and the
//!   driver logs a warning past a threshold, as described under "Slow callbacks" on
//!   [`Scheduler`](crate::Scheduler).
//! * **Decode failures.** An event whose bytes cannot be decoded (which would be a bug:
//!   libmesos serialized them) is logged with `tracing` at error level, counted in
//!   [`SchedulerDriver::stats`] and skipped, as on the [`Scheduler`](crate::Scheduler) path;
//!   a skipped status update is not acknowledged.
//!
//! # The end of the stream
//!
//! The stream returns `None` (and stays ended) once every earlier event has been taken and
//! one of these happened:
//!
//! * [`SchedulerDriver::stop`] or [`SchedulerDriver::abort`] stopped the driver (through any
//!   handle), after which libmesos makes no more callbacks;
//! * libmesos delivered [`SchedulerEvent::Error`] (it aborts the driver before that callback);
//! * the last [`SchedulerDriver`] handle was dropped, or [`SchedulerDriver::close`] was called
//!   (the driver was freed).
//!
//! So `while let Some(event) = events.next().await { ... driver.stop(false)?; }` ends cleanly.
//! The stream does not keep the driver alive: keep a handle while consuming it, since
//! updates taken after the driver was freed cannot be acknowledged.
//!
//! Dropping the stream stops the delivery: events still queued and later ones are
//! discarded (counted in [`SchedulerDriver::stats`] and logged at debug level), and their
//! status updates are never acknowledged (the agent re-sends them to the framework, e.g.
//! after a failover). The driver keeps running until stopped or dropped.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_core::{FusedStream, Stream};

use crate::dispatch::{probe, Handler, Shared};
use crate::error::Result;
use crate::scheduler::{Inner, RawEvent, SchedulerDriverBuilder, SchedulerEvent};
use crate::SchedulerDriver;

impl SchedulerDriverBuilder {
    /// Creates the driver (not started) together with the stream of its events, instead of
    /// a [`Scheduler`](crate::Scheduler) receiving them. Requires the `stream` feature; see
    /// the [`stream`](crate::stream) module for the ordering, acknowledgement and end-of-stream
    /// guarantees.
    #[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
    pub fn build_stream(self) -> Result<(SchedulerDriver, SchedulerEvents)> {
        let queue = Arc::new(Queue::default());
        let for_handler = queue.clone();
        let driver = self.build_with(move |_, inner| StreamHandler {
            queue: for_handler,
            shared: inner.shared().clone(),
        })?;
        let events = SchedulerEvents {
            queue,
            inner: driver.inner().clone(),
            terminated: false,
        };
        Ok((driver, events))
    }
}

/// The events of one [`SchedulerDriver`], in libmesos' order; a [`futures_core::Stream`].
///
/// Created by [`SchedulerDriverBuilder::build_stream`]; see the [module docs](self) for when
/// status updates are acknowledged and when the stream ends.
#[must_use = "a driver's events are only delivered (and acknowledged) through its stream"]
pub struct SchedulerEvents {
    queue: Arc<Queue>,
    /// For implicit acknowledgements; not a driver handle, so it does not keep the driver
    /// alive.
    inner: Arc<Inner>,
    terminated: bool,
}

/// What the callback thread and the consumer share.
#[derive(Default)]
struct Queue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// With the time the shim entered each callback (latency probe only, else 0).
    events: VecDeque<(SchedulerEvent, u64)>,
    /// The driver stopped or was freed: nothing follows the events already queued.
    closed: bool,
    /// The stream was dropped: nothing is queued any more.
    abandoned: bool,
    waker: Option<Waker>,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is never held across user code; a poisoned lock still holds valid state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the state, then wakes the consumer (outside the lock).
    fn update(&self, f: impl FnOnce(&mut State)) {
        let waker = {
            let mut state = self.lock();
            f(&mut state);
            state.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// Runs on the driver's callback thread: decodes each event and queues it.
struct StreamHandler {
    queue: Arc<Queue>,
    shared: Arc<Shared>,
}

impl Handler<RawEvent> for StreamHandler {
    fn deliver(&mut self, raw: RawEvent) {
        if self.queue.lock().abandoned {
            self.shared
                .note_dropped(1, "event", "the event stream was dropped", true);
            return;
        }
        let Some(event) = raw.into_event(&self.shared) else {
            return;
        };
        // libmesos aborts the driver before its error callback: nothing follows it.
        let last = matches!(event, SchedulerEvent::Error { .. });
        let mut refused = None;
        self.queue.update(|state| {
            if state.abandoned {
                refused = Some(("the event stream was dropped", true));
            } else if state.closed {
                refused = Some(("it came after the driver was stopped", true));
            } else {
                // Still waiting for the consumer: counted until taken.
                self.shared.note_queued(1);
                state.events.push_back((event, probe::DELIVERING.get()));
                state.closed |= last;
            }
        });
        if let Some((why, deliberate)) = refused {
            self.shared.note_dropped(1, "event", why, deliberate);
        }
    }

    fn panicked(&mut self, _message: &str) {
        // deliver() runs no user code; should it ever panic, end the stream rather than hang.
        self.stopped();
    }

    fn stopped(&mut self) {
        self.queue.update(|state| state.closed = true);
    }
}

impl Drop for StreamHandler {
    /// The callback thread ends when the driver is freed.
    fn drop(&mut self) {
        self.queue.update(|state| state.closed = true);
    }
}

impl Stream for SchedulerEvents {
    type Item = SchedulerEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SchedulerEvent>> {
        if self.terminated {
            return Poll::Ready(None);
        }
        let event = {
            let mut state = self.queue.lock();
            match state.events.pop_front() {
                Some((event, entered)) => {
                    probe::TAKEN.set(entered);
                    event
                }
                None if state.closed => {
                    drop(state);
                    self.terminated = true;
                    return Poll::Ready(None);
                }
                None => {
                    match &state.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => state.waker = Some(cx.waker().clone()),
                    }
                    return Poll::Pending;
                }
            }
        };
        self.inner.shared().note_taken(1);
        if let SchedulerEvent::StatusUpdate { status } = &event {
            // Taken by the consumer: now it is acknowledged (if the driver does so implicitly).
            self.inner.implicit_acknowledge(status);
        }
        Poll::Ready(Some(event))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.terminated {
            (0, Some(0))
        } else {
            (self.queue.lock().events.len(), None)
        }
    }
}

impl FusedStream for SchedulerEvents {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl Drop for SchedulerEvents {
    fn drop(&mut self) {
        let dropped = {
            let mut state = self.queue.lock();
            state.abandoned = true;
            state.waker = None;
            std::mem::take(&mut state.events)
        };
        if !dropped.is_empty() {
            let shared = self.inner.shared();
            shared.note_taken(dropped.len());
            shared.note_dropped(
                dropped.len() as u64,
                "events",
                "the event stream was dropped before they were taken (their updates stay \
                 unacknowledged)",
                true,
            );
        }
    }
}

impl std::fmt::Debug for SchedulerEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.queue.lock();
        f.debug_struct("SchedulerEvents")
            .field("queued", &state.events.len())
            .field("closed", &state.closed)
            .field("terminated", &self.terminated)
            .finish()
    }
}
