//! The scheduler side: the [`Scheduler`] trait, the [`SchedulerDriver`] handle and its
//! builder, [`WeakSchedulerDriver`], and [`SchedulerEvent`] (one libmesos callback as a
//! value); with the driver's own features [`framework_id`] (keeping the FrameworkID across
//! restarts) and [`liveness`] (noticing a silent master), also reachable as
//! `mesos::framework_id` and `mesos::liveness`.

mod builder;
mod driver;
mod event;
pub mod framework_id;
pub mod liveness;
mod master;

pub use builder::SchedulerDriverBuilder;
pub use driver::{SchedulerDriver, WeakSchedulerDriver};
pub use event::SchedulerEvent;

#[cfg(feature = "stream")]
pub(crate) use driver::Inner;
pub(crate) use event::RawEvent;

use crate::types::{ExecutorID, FrameworkID, MasterInfo, Offer, OfferID, SlaveID, TaskStatus};

/// The callbacks of a Mesos framework (the C++ `mesos::Scheduler`, hs-mesos' `ToScheduler`).
///
/// Every method has a default that does nothing.
///
/// # Threads
///
/// Methods run one at a time, in the order libmesos produced them, on a thread the driver
/// owns (named `mesos-scheduler`), never on libmesos' own threads: libmesos' callback only
/// copies the event into a queue and returns. So a method may block, and may call any
/// method of the `driver` it is given (or of any clone of it, from any thread), including
/// [`stop`](SchedulerDriver::stop), [`abort`](SchedulerDriver::abort) and
/// [`close`](SchedulerDriver::close). It must not [`join`](SchedulerDriver::join) its own
/// running driver: the stop it would wait for could only be delivered after it returns
/// (`join` answers [`Error::JoinInCallback`](crate::Error::JoinInCallback) instead).
///
/// A panic in a method is caught: the driver is aborted, later events are not delivered
/// (each is counted and logged), and [`SchedulerDriver::run`]/[`SchedulerDriver::join`]
/// return [`Error::CallbackPanicked`](crate::Error::CallbackPanicked).
///
/// # Slow callbacks
///
/// The queue between libmesos and these methods is unbounded: libmesos' thread must never
/// wait for your code. While a method runs, later events wait, and a status update is
/// acknowledged (implicitly) only after `status_update` has returned; agents re-send
/// unacknowledged updates meanwhile (after 10 s, then at growing intervals), which adds to the
/// queue. [`SchedulerDriver::queue_depth`] says how many events wait, and the driver logs a
/// `tracing` warning once the queue grows past a threshold (1000 by default, see
/// [`SchedulerDriverBuilder::queue_warning_threshold`]). Move long work to threads of your
/// own and keep the methods short.
///
/// # Keeping the driver
///
/// The driver object lives as long as a [`SchedulerDriver`] handle exists (or until
/// [`SchedulerDriver::close`]). A scheduler that stores a handle to its own driver keeps it
/// alive for ever: the scheduler itself lives until the driver is freed. Store a
/// [`WeakSchedulerDriver`] ([`SchedulerDriver::downgrade`]) instead, or call
/// [`close`](SchedulerDriver::close) when done.
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
    /// acknowledged after this method returns, so until then (and while the update waits
    /// behind slower callbacks) the agent re-sends it; see "Slow callbacks" above. The
    /// acknowledgements of updates handled one after another are handed to libmesos together:
    /// once the events taken from the queue in one go are delivered, once 64 have gathered,
    /// or once the oldest has waited 2 ms (checked as each callback returns), so a slow
    /// callback also holds back those of the updates handled just before it. A
    /// [`stop`](SchedulerDriver::stop) from inside this method sends them first.
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
    /// An unrecoverable error; libmesos aborted the driver before this callback, and
    /// [`SchedulerDriver::run`]/[`SchedulerDriver::join`] return [`Error::Aborted`](crate::Error::Aborted)
    /// with the same message. It may come on the thread that called
    /// [`SchedulerDriver::start`] or `run`, before that call returns (for a master or a
    /// `MESOS_*` variable libmesos cannot use); `start` waits until it has run.
    fn error(&mut self, driver: &SchedulerDriver, message: &str) {}
}
