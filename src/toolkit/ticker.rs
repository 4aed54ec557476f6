//! A thread that calls a closure at a fixed period, for schedulers whose callbacks are the
//! only other place where code runs (the [`Scheduler`](crate::Scheduler) trait path).

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Calls a closure every `period` on a thread of its own until the closure returns `false`
/// or the `Ticker` is dropped (dropping waits for a call in progress to finish).
///
/// The toolkit's `tick` methods need a [`SchedulerDriver`](crate::SchedulerDriver) handle;
/// a closure that holds one keeps the driver alive, so stop the driver (the closure's driver
/// calls then fail and it can return `false`) or drop the `Ticker` when the framework ends.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use mesos::toolkit::Ticker;
///
/// let count = Arc::new(AtomicU32::new(0));
/// let seen = count.clone();
/// let ticker = Ticker::every(Duration::from_millis(5), move |_now| {
///     seen.fetch_add(1, Ordering::SeqCst) < 2 // stop after the third call
/// });
/// ticker.join();
/// assert_eq!(count.load(Ordering::SeqCst), 3);
/// ```
#[must_use = "dropping a Ticker stops it"]
pub struct Ticker {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts calling `tick(now)` every `period` (the first call after one period). A zero
    /// period is treated as one millisecond.
    pub fn every<F>(period: Duration, mut tick: F) -> Ticker
    where
        F: FnMut(Instant) -> bool + Send + 'static,
    {
        let period = period.max(Duration::from_millis(1));
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("mesos-toolkit-ticker".into())
            .spawn(move || {
                let (lock, wake) = &*flag;
                let mut next = Instant::now() + period;
                loop {
                    let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                    loop {
                        if *stopped {
                            return;
                        }
                        let left = next.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        stopped = wake
                            .wait_timeout(stopped, left)
                            .unwrap_or_else(|p| p.into_inner())
                            .0;
                    }
                    drop(stopped);
                    let now = Instant::now();
                    if !tick(now) {
                        return;
                    }
                    // Skip missed periods rather than calling in a burst.
                    next += period;
                    if next < now {
                        next = now + period;
                    }
                }
            })
            .ok();
        if thread.is_none() {
            tracing::error!("could not start the toolkit's ticker thread");
        }
        Ticker { stop, thread }
    }

    /// Waits until the closure has returned `false` (the ticker stopped by itself).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Whether the ticker still runs.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    fn stop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            // Never join ourselves (a closure that dropped its own Ticker).
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Ticker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticker")
            .field("running", &self.is_running())
            .finish()
    }
}
