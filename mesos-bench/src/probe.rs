//! The crate's latency probe (`mesos::__bench`), behind a small wrapper so that the rest of the
//! bench does not depend on its exact form.
//!
//! With the probe enabled, the shim notes on libmesos' thread the monotonic time at which it
//! entered each scheduler callback; inside a `Scheduler` method on the callback thread (or on
//! the stream consumer's thread, right after it took an event) the probe tells how long ago
//! that was for the event being handled.

/// Whether the linked crate has the probe for `Scheduler` methods.
pub fn available() -> bool {
    true
}

/// Turns the probe on, process-wide; call before the driver is created.
pub fn enable() {
    mesos::__bench::enable_latency_probe();
}

/// Inside a `Scheduler` method: ns from the shim's callback entry to now, for this event.
pub fn delivery_latency_ns() -> Option<u64> {
    mesos::__bench::delivery_latency_ns()
}

/// Whether the linked crate's probe also covers the event stream.
pub fn stream_available() -> bool {
    true
}

/// On the consumer's thread, right after the stream returned an event: ns from the shim's
/// callback entry for that event to now.
pub fn stream_latency_ns() -> Option<u64> {
    mesos::__bench::stream_latency_ns()
}
