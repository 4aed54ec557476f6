//! A framework toolkit over [`SchedulerDriver`](crate::SchedulerDriver): the three things
//! every serious Mesos framework ends up writing, written once.
//!
//! * [`reconcile`]: the task reconciliation algorithm Mesos documents. After every
//!   (re-)registration the [`Reconciler`] asks the master about every task the framework
//!   believes is alive, retries with a truncated exponential backoff until each one has been
//!   answered, then reconciles implicitly at a fixed interval. It classifies every status
//!   update ([`UpdateKind`]): new information, a duplicate, a confirmation, a task the master
//!   does not know, a task the framework does not know. The framework's own record of its
//!   tasks is the [`TaskStore`] trait, with an in-memory default.
//! * [`offers`]: offer hygiene. The [`OfferManager`] holds the offers the framework has not
//!   used yet and gets rid of them on time: declined with a long filter when nothing is
//!   pending, with a short one when nothing fitted, never held longer than a configured time,
//!   forgotten when rescinded. It suppresses a role that has nothing to do and revives it when
//!   work arrives, at most once per interval, with a backoff while revives bring nothing
//!   usable (no revive storm).
//! * [`placement`]: which pending task goes on which offer. Scalars, ranges (e.g. "any two
//!   ports"), sets, roles and reservations, agent attributes and constraints (unique host,
//!   group-by attribute, max per host or per attribute value), with first-fit, bin-packing and
//!   spreading strategies, built on [`crate::resources`].
//!
//! Each piece is a plain state machine: it is fed the driver's events and a clock reading
//! (`now`), and acts through the [`SchedulerDriver`](crate::SchedulerDriver) handle it is given. Nothing here owns a
//! thread or a runtime, so the same code serves a [`Scheduler`](crate::Scheduler)
//! implementation and an event stream (feature `stream`). Timed work (reconciliation retries,
//! offers held too long, a revive that had to wait) happens in the `tick` methods; a
//! [`Ticker`] calls them periodically for trait-based schedulers, and an async framework
//! calls them from its own timer (each piece reports its `next_deadline`).
//!
//! ```no_run
//! use std::sync::{Arc, Mutex};
//! use std::time::{Duration, Instant};
//! use mesos::toolkit::{InMemoryTaskStore, OfferManager, Reconciler, Ticker};
//! use mesos::{types::*, Scheduler, SchedulerDriver};
//!
//! struct Framework {
//!     reconciler: Reconciler<InMemoryTaskStore>,
//!     offers: OfferManager,
//!     /// Tasks waiting for resources.
//!     queue: Vec<TaskInfo>,
//! }
//!
//! // Callbacks and ticks share the state through a mutex: one of them runs at a time.
//! struct Shared(Arc<Mutex<Framework>>);
//!
//! impl Scheduler for Shared {
//!     fn registered(&mut self, driver: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
//!         let mut f = self.0.lock().unwrap();
//!         let now = Instant::now();
//!         f.reconciler.registered(driver, now).ok();
//!         f.offers.registered(now);
//!         // Offers are wanted while tasks wait (the manager revives or suppresses).
//!         let waiting = !f.queue.is_empty();
//!         f.offers.set_pending("*", waiting, now);
//!     }
//!     fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
//!         let mut f = self.0.lock().unwrap();
//!         let now = Instant::now();
//!         f.offers.add(offers, now);
//!         // Place waiting tasks (one per offer here; see `mesos::toolkit::placement`),
//!         // launch them through the manager, then let it decline the rest.
//!         for offer in f.offers.offers() {
//!             let Some(mut task) = f.queue.pop() else { break };
//!             task.slave_id = offer.slave_id.clone();
//!             f.offers.launch(driver, [&offer.id], &[task], None).ok();
//!         }
//!         let waiting = !f.queue.is_empty();
//!         f.offers.set_pending("*", waiting, now);
//!         f.offers.tick(driver, now).ok();
//!     }
//!     fn offer_rescinded(&mut self, _: &SchedulerDriver, id: &OfferID) {
//!         self.0.lock().unwrap().offers.rescinded(id);
//!     }
//!     fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
//!         let kind = self.0.lock().unwrap().reconciler.status_update(status, Instant::now());
//!         println!("{:?}: {kind:?}", status.state());
//!     }
//! }
//!
//! let framework = Arc::new(Mutex::new(Framework {
//!     reconciler: Reconciler::new(InMemoryTaskStore::new(), Default::default()),
//!     offers: OfferManager::new(Default::default()),
//!     queue: Vec::new(),
//! }));
//! let info = mesos::ids::framework_info("", "toolkit");
//! let driver = SchedulerDriver::new(Shared(framework.clone()), info, "127.0.0.1:5050")?;
//! let ticking = driver.clone();
//! let _ticker = Ticker::every(Duration::from_millis(200), move |now| {
//!     let mut f = framework.lock().unwrap();
//!     f.reconciler.tick(&ticking, now).is_ok() && f.offers.tick(&ticking, now).is_ok()
//! });
//! driver.run()?;
//! # Ok::<(), mesos::Error>(())
//! ```
//!
//! See `docs/toolkit.md` for the algorithms and how they compare with other libraries.

pub mod offers;
pub mod placement;
pub mod reconcile;

mod ticker;

use std::time::Duration;

pub use offers::{OfferConfig, OfferManager, OfferStats};
pub use placement::{Constraint, Field, Placer, Plan, Strategy, TaskRequest};
pub use reconcile::{
    Classified, InMemoryTaskStore, ReconcileConfig, ReconcileStats, Reconciler, StoreError,
    TaskRecord, TaskStore, UpdateKind,
};
pub use ticker::Ticker;

/// What a toolkit call that acts on the cluster or on the framework's store can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The driver refused the call (e.g. it is not running); see [`crate::Error`].
    #[error("driver call failed: {0}")]
    Driver(#[from] crate::Error),
    /// The framework's [`TaskStore`] failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `Result` with the toolkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A truncated exponential backoff: `initial`, then twice the previous delay, never more
/// than `max`.
///
/// ```
/// use std::time::Duration;
/// use mesos::toolkit::Backoff;
/// let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
/// let delays: Vec<u64> = (0..5).map(|_| b.next_delay().as_secs()).collect();
/// assert_eq!(delays, [1, 2, 4, 5, 5]);
/// b.reset();
/// assert_eq!(b.next_delay(), Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff starting at `initial` and capped at `max` (a `max` below `initial` is
    /// raised to `initial`).
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max: max.max(initial),
            next: initial,
        }
    }

    /// The delay to wait now; the following one is twice as long, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = delay.saturating_mul(2).min(self.max);
        delay
    }

    /// The delay [`next_delay`](Self::next_delay) would return, without advancing.
    pub fn peek(&self) -> Duration {
        self.next
    }

    /// Starts again from the initial delay.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}
