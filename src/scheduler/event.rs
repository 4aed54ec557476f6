//! One scheduler callback as a value ([`SchedulerEvent`]), and the C callbacks that queue
//! them for the callback thread.

use std::borrow::Cow;
use std::ffi::c_void;

use mesos_sys as sys;

use super::{Scheduler, SchedulerDriver};
use crate::dispatch::{cb_dropped, enqueue, enqueue_with, Shared};
use crate::error::{Error, Result};
use crate::ffi;
use crate::types::{
    ExecutorID, FrameworkID, MasterInfo, Offer, OfferID, SlaveID, Status, TaskStatus,
};

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
                reason = ?status.reason_if_set(),
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
    /// error level, counted as dropped and skipped: `None`. An error message has the
    /// driver's secrets (a ZooKeeper password in the master string) replaced.
    pub(crate) fn into_event(self, shared: &Shared) -> Option<SchedulerEvent> {
        match self.decode() {
            Ok(mut event) => {
                if let SchedulerEvent::Error { message } = &mut event {
                    if let Cow::Owned(shown) = shared.redact(message) {
                        *message = shown;
                    }
                }
                event.trace();
                Some(event)
            }
            Err(e) => {
                tracing::error!(error = %e, "could not decode a scheduler callback from libmesos");
                shared.note_dropped(1, "event", "it could not be decoded", false);
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

/// Queues an event that comes from the master, noting its arrival (for liveness checks) on
/// libmesos' thread.
fn enqueue_heard(ctx: *mut c_void, make: impl FnOnce() -> RawEvent) {
    enqueue_with(ctx, |shared| {
        shared.note_arrival();
        make()
    });
}

unsafe extern "C" fn cb_registered(
    ctx: *mut c_void,
    id: sys::mesos_bytes,
    master: sys::mesos_bytes,
) {
    // SAFETY (all callbacks): buffers are valid for the duration of the callback.
    enqueue_with(ctx, |shared| {
        shared.note_arrival();
        shared.set_registered();
        unsafe { RawEvent::Registered(ffi::owned(id), ffi::owned(master)) }
    });
}
unsafe extern "C" fn cb_reregistered(ctx: *mut c_void, master: sys::mesos_bytes) {
    enqueue_with(ctx, |shared| {
        shared.note_arrival();
        shared.set_registered();
        unsafe { RawEvent::Reregistered(ffi::owned(master)) }
    });
}
unsafe extern "C" fn cb_disconnected(ctx: *mut c_void) {
    enqueue(ctx, || RawEvent::Disconnected);
}
unsafe extern "C" fn cb_offers(ctx: *mut c_void, offers: *const sys::mesos_bytes, n: usize) {
    enqueue_heard(ctx, || {
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
    enqueue_heard(ctx, || unsafe { RawEvent::Rescinded(ffi::owned(id)) });
}
unsafe extern "C" fn cb_status(ctx: *mut c_void, status: sys::mesos_bytes) {
    enqueue_heard(ctx, || unsafe { RawEvent::Status(ffi::owned(status)) });
}
unsafe extern "C" fn cb_message(
    ctx: *mut c_void,
    e: sys::mesos_bytes,
    s: sys::mesos_bytes,
    d: sys::mesos_bytes,
) {
    enqueue_heard(ctx, || unsafe {
        RawEvent::Message(ffi::owned(e), ffi::owned(s), ffi::owned(d))
    });
}
unsafe extern "C" fn cb_slave_lost(ctx: *mut c_void, s: sys::mesos_bytes) {
    enqueue_heard(ctx, || unsafe { RawEvent::SlaveLost(ffi::owned(s)) });
}
unsafe extern "C" fn cb_executor_lost(
    ctx: *mut c_void,
    e: sys::mesos_bytes,
    s: sys::mesos_bytes,
    status: i32,
) {
    enqueue_heard(ctx, || unsafe {
        RawEvent::ExecutorLost(ffi::owned(e), ffi::owned(s), status)
    });
}
unsafe extern "C" fn cb_error(ctx: *mut c_void, m: sys::mesos_bytes) {
    // libmesos aborts the driver before this callback (or the driver's constructor or
    // start() fails with it, on the caller's thread): record why, for run/start/join.
    enqueue_with(ctx, |shared| {
        let bytes = unsafe { ffi::owned(m) };
        let message = shared.redact(&String::from_utf8_lossy(&bytes)).into_owned();
        shared.set_status(Status::DRIVER_ABORTED);
        shared.record_failure(Error::Aborted(message));
        RawEvent::Error(bytes)
    });
}

pub(crate) const CALLBACKS: sys::mesos_scheduler_callbacks = sys::mesos_scheduler_callbacks {
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
    dropped: Some(cb_dropped::<RawEvent>),
};
