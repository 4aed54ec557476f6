//! Stopping cleanly on SIGINT (Ctrl-C) and SIGTERM.
//!
//! By default a signal ends the process at once: libmesos is not told, the master keeps the
//! framework (and its tasks) until `failover_timeout`, and nothing of the program runs any
//! more. [`stop_on_signals`] instead stops the given driver(s) on the first SIGINT or SIGTERM
//! with [`SchedulerDriver::stop`]`(failover)`, so that `run()`/`join()` return and the
//! program ends the normal way (its destructors run, it exits 0):
//!
//! * `failover = false`: the framework unregisters and the master kills its tasks;
//! * `failover = true`: the framework stays registered and its tasks keep running, for a
//!   new instance of the scheduler (same `FrameworkID`) to take them over within the
//!   framework's `failover_timeout`.
//!
//! A second signal while the drivers stop ends the process at once, as the default would.
//!
//! ```no_run
//! use mesos::{shutdown, types::FrameworkInfo, SchedulerDriver};
//! # struct MyScheduler;
//! # impl mesos::Scheduler for MyScheduler {}
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let info = FrameworkInfo::new();
//! let driver = SchedulerDriver::new(MyScheduler, info, "10.0.0.1:5050")?;
//! let signals = shutdown::stop_on_signals(&driver, false)?;
//! let status = driver.run()?;
//! if let Some(signal) = signals.received() {
//!     eprintln!("stopped on {signal}, driver ended with {status:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! The local cluster ([`crate::local::LocalCluster`]) removes its work directory on these
//! signals too: with `stop_on_signals`, when the program ends normally; without, right before
//! the signal ends the process (which then dies of the signal, as before).
//!
//! Both work through one thread (`mesos-signals`) that waits for the signals, started the
//! first time either is needed; the signal handler itself only wakes it
//! ([`signal-hook`](https://docs.rs/signal-hook)). libmesos installs no handler of its own
//! for SIGINT or SIGTERM.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::scheduler::{SchedulerDriver, WeakSchedulerDriver};
use crate::signals;

/// A signal that ends a program: SIGINT or SIGTERM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C at a terminal).
    Interrupt,
    /// SIGTERM (`kill`, a service manager, a container runtime stopping the program).
    Terminate,
}

impl Signal {
    fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            SIGINT => Some(Signal::Interrupt),
            SIGTERM => Some(Signal::Terminate),
            _ => None,
        }
    }

    /// The signal's number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => SIGINT,
            Signal::Terminate => SIGTERM,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        })
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The guard of [`stop_on_signals`]: while it lives, SIGINT and SIGTERM stop its drivers.
/// Dropping it gives the signals back to the default (ending the process; the local
/// cluster's work directory is still removed first).
#[derive(Debug)]
#[must_use = "the drivers are stopped on a signal only while the guard lives"]
pub struct StopOnSignals {
    id: u64,
    received: Arc<AtomicI32>,
    drivers: Arc<Mutex<Vec<WeakSchedulerDriver>>>,
}

/// Stops `driver` with `stop(failover)` on the first SIGINT or SIGTERM of the process; see
/// the [module docs](self). Fails only if the signal handlers or their thread cannot be set
/// up.
pub fn stop_on_signals(driver: &SchedulerDriver, failover: bool) -> io::Result<StopOnSignals> {
    signals::install()?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let received = Arc::new(AtomicI32::new(0));
    let drivers = Arc::new(Mutex::new(vec![driver.downgrade()]));
    let (watched, record) = (drivers.clone(), received.clone());
    signals::watch(
        id,
        Arc::new(move |raw| {
            let live: Vec<SchedulerDriver> = watched
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .filter_map(WeakSchedulerDriver::upgrade)
                .collect();
            if !live.is_empty() {
                tracing::info!(target: "mesos::shutdown", signal = raw,
                    "stopping the scheduler driver(s)");
            }
            for driver in &live {
                record.store(raw, Ordering::SeqCst);
                if let Err(e) = driver.stop(failover) {
                    tracing::debug!(target: "mesos::shutdown", error = %e,
                        "driver not stopped on the signal (already stopped?)");
                }
            }
            !live.is_empty()
        }),
    );
    Ok(StopOnSignals {
        id,
        received,
        drivers,
    })
}

impl StopOnSignals {
    /// Also stops `driver` (with the same `failover`) on a signal.
    pub fn add(&self, driver: &SchedulerDriver) {
        self.drivers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(driver.downgrade());
    }

    /// The signal that stopped the drivers, if one came.
    pub fn received(&self) -> Option<Signal> {
        Signal::from_raw(self.received.load(Ordering::SeqCst))
    }
}

impl Drop for StopOnSignals {
    fn drop(&mut self) {
        signals::unwatch(self.id);
    }
}
