//! A sampler thread for the storm children: every few milliseconds it reads the process'
//! `VmRSS` (and, on the Rust side, the driver's queue depth) and keeps the timeline, so that
//! the peak between two instants of the run can be found afterwards.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mesos::{SchedulerDriver, WeakSchedulerDriver};

/// One reading.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// `CLOCK_MONOTONIC` in ns (the clock of the frameworks' timestamps on both sides).
    pub ns: u64,
    pub rss_kib: i64,
    /// The Rust driver's queue depth at that moment (0 for the C++ side).
    pub queued: usize,
}

/// `CLOCK_MONOTONIC` in ns.
pub fn now_ns() -> u64 {
    // SAFETY: a pure query of the monotonic clock.
    unsafe { crate::cpp::bench_monotonic_ns() }
}

/// CPU time of the calling thread in ns.
pub fn thread_cpu_ns() -> u64 {
    // SAFETY: a pure query of the calling thread's CPU clock.
    unsafe { crate::cpp::bench_thread_cpu_ns() }
}

/// VmRSS of this process in KiB, or -1.
pub fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}

/// Where the sampler finds the Rust driver, to read its queue depth. The run clears it before
/// it drops its driver, so the sampler never holds the last handle.
#[derive(Clone, Default)]
pub struct QueueSlot(Arc<Mutex<Option<WeakSchedulerDriver>>>);

impl QueueSlot {
    pub fn set(&self, driver: &SchedulerDriver) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(driver.downgrade());
    }

    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The queue depth now, while the driver is there.
    pub fn queued(&self) -> Option<usize> {
        let slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let driver = slot.as_ref()?.upgrade()?;
        let queued = driver.stats().queued;
        drop(driver);
        Some(queued)
    }
}

/// The running sampler; [`Sampler::finish`] stops it and returns the timeline.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Sample>>,
}

impl Sampler {
    /// Starts sampling every `period`.
    pub fn start(period: Duration, queue: QueueSlot) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("rss-sampler".into())
            .spawn(move || {
                let mut samples = Vec::with_capacity(1 << 14);
                while !flag.load(Ordering::Relaxed) {
                    let queued = queue.queued().unwrap_or(0);
                    samples.push(Sample {
                        ns: now_ns(),
                        rss_kib: rss_kib(),
                        queued,
                    });
                    std::thread::sleep(period);
                }
                samples
            })
            .expect("starting the sampler thread");
        Sampler { stop, handle }
    }

    /// Stops the sampler and returns its readings.
    pub fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// The highest RSS and queue depth read in `[from, to]` (ns), together with the two readings
/// the framework took itself at those instants.
pub fn peaks(samples: &[Sample], from: u64, to: u64, at_ends: &[i64]) -> (i64, usize) {
    let inside = samples.iter().filter(|s| s.ns >= from && s.ns <= to);
    let rss = inside
        .clone()
        .map(|s| s.rss_kib)
        .chain(at_ends.iter().copied())
        .max()
        .unwrap_or(-1);
    let queued = inside.map(|s| s.queued).max().unwrap_or(0);
    (rss, queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_only_inside_the_window_and_with_the_end_readings() {
        let s = |ns, rss_kib, queued| Sample {
            ns,
            rss_kib,
            queued,
        };
        let samples = [
            s(5, 900, 9),
            s(10, 100, 1),
            s(20, 300, 4),
            s(30, 200, 2),
            s(40, 999, 8),
        ];
        assert_eq!(peaks(&samples, 10, 30, &[150, 250]), (300, 4));
        assert_eq!(peaks(&samples, 10, 30, &[150, 350]), (350, 4));
        assert_eq!(peaks(&[], 0, 1, &[]), (-1, 0));
    }
}
