//! The crate's latency probe (`mesos::__bench`), behind a small wrapper so that the rest of the
//! bench does not depend on its exact form.
//!
//! With the probe enabled, every scheduler callback notes the monotonic time at which the
//! Rust side of the shim's callback was entered on libmesos' thread; inside a `Scheduler`
//! method, on the callback thread, the probe tells how long ago that was for the event being
//! delivered. Until the probe is in the crate, [`available`] is false and the latency runs
//! report that they have no samples.

/// Whether the linked crate has the probe.
pub fn available() -> bool {
    false
}

/// Turns the probe on, process-wide; call before the driver is created.
pub fn enable() {}

/// Inside a `Scheduler` method: ns from the shim's callback entry to now, for this event.
pub fn delivery_latency_ns() -> Option<u64> {
    None
}

/// Whether the linked crate's probe also covers the event stream.
pub fn stream_available() -> bool {
    false
}

/// For an event just taken from the stream: ns from the shim's callback entry to now.
pub fn stream_latency_ns(_event: &mesos::scheduler::SchedulerEvent) -> Option<u64> {
    None
}
