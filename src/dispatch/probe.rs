//! The benchmarks' latency probe (reached through `mesos::__bench`, not part of the API).
//!
//! When enabled, the shim records on libmesos' thread the moment each callback was entered
//! (before it serialized anything); the event carries that time to the callback thread, which
//! exposes it while the user's method runs, and the event stream to its consumer. Times are
//! nanoseconds of the monotonic clock the shim reads.

use std::cell::Cell;
#[cfg(feature = "libmesos")]
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    /// On a callback thread: the entry time of the event being delivered (0: none).
    pub(crate) static DELIVERING: Cell<u64> = const { Cell::new(0) };
    /// On a stream consumer's thread: the entry time of the event taken last (0: none).
    pub(crate) static TAKEN: Cell<u64> = const { Cell::new(0) };
}

#[cfg(feature = "libmesos")]
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns the probe on for the whole process.
#[cfg(feature = "libmesos")]
pub(crate) fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
    // SAFETY: sets a process-wide flag; callable at any time from any thread.
    unsafe { mesos_sys::mesos_shim_probe_enable(1) };
}

/// On libmesos' thread inside a callback: when the shim entered it (0 when the probe is off).
pub(crate) fn stamp() -> u64 {
    #[cfg(feature = "libmesos")]
    if ENABLED.load(Ordering::Relaxed) {
        // SAFETY: reads a thread-local of the shim; callable at any time.
        return unsafe { mesos_sys::mesos_shim_probe_entered_ns() };
    }
    0
}

/// Nanoseconds from `entered` to now, on the shim's clock.
#[cfg(feature = "libmesos")]
pub(crate) fn since(entered: u64) -> Option<u64> {
    if entered == 0 {
        return None;
    }
    // SAFETY: reads the monotonic clock; callable at any time.
    let now = unsafe { mesos_sys::mesos_shim_probe_now_ns() };
    Some(now.saturating_sub(entered))
}
