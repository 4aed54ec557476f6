//! The process' SIGINT/SIGTERM thread, below the modules that act on those signals: it knows
//! no driver and no cluster, only what they registered. `shutdown` registers the drivers to
//! stop; `local` registers the removal of its work directories, done right before a signal
//! ends the process. So neither `scheduler` nor `local` depends on `shutdown`.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Stops what one watch holds on the signal given (its number); returns whether it stopped
/// anything that was still running.
pub(crate) type Stop = Arc<dyn Fn(i32) -> bool + Send + Sync>;

static WATCHES: Mutex<Vec<(u64, Stop)>> = Mutex::new(Vec::new());
/// Run right before a signal ends the process (the local cluster's work directories).
static LAST_WORDS: Mutex<Vec<fn()>> = Mutex::new(Vec::new());
/// Set by the first signal that stopped something: the next one ends the process.
static STOPPING: AtomicBool = AtomicBool::new(false);
/// Whether the signal thread runs.
static INSTALLED: Mutex<bool> = Mutex::new(false);

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Adds a watch under `id`; it stays until [`unwatch`].
pub(crate) fn watch(id: u64, stop: Stop) {
    lock(&WATCHES).push((id, stop));
}

/// Removes the watch `id`.
pub(crate) fn unwatch(id: u64) {
    lock(&WATCHES).retain(|(w, _)| *w != id);
}

/// Runs `f` right before a signal ends the process (once registered, for the process' life).
pub(crate) fn before_ending(f: fn()) {
    let mut last = lock(&LAST_WORDS);
    if !last.contains(&f) {
        last.push(f);
    }
}

/// Starts the signal thread once.
pub(crate) fn install() -> io::Result<()> {
    let mut installed = lock(&INSTALLED);
    if *installed {
        return Ok(());
    }
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("mesos-signals".into())
        .spawn(move || {
            for raw in signals.forever() {
                on_signal(raw);
            }
        })?;
    *installed = true;
    Ok(())
}

/// On the signal thread: stop what the watches hold, or (nothing left to stop, or a second
/// signal) end the process as the signal would, after the registered last words.
fn on_signal(raw: i32) {
    if !STOPPING.load(Ordering::SeqCst) {
        // Called outside the lock: stopping a driver may drop a watch's guard.
        let stops: Vec<Stop> = lock(&WATCHES).iter().map(|(_, s)| s.clone()).collect();
        let mut stopped = false;
        for stop in stops {
            stopped |= stop(raw);
        }
        if stopped {
            STOPPING.store(true, Ordering::SeqCst);
            return;
        }
    }
    tracing::debug!(target: "mesos::shutdown", signal = raw, "ending the process");
    let last: Vec<fn()> = match LAST_WORDS.try_lock() {
        Ok(l) => l.clone(),
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().clone(),
        Err(std::sync::TryLockError::WouldBlock) => Vec::new(),
    };
    for f in last {
        f();
    }
    // Ends the process the way the signal's default action does (SIGINT and SIGTERM
    // terminate), so that its parent sees it die of the signal.
    let _ = signal_hook::low_level::emulate_default_handler(raw);
    std::process::exit(128 + raw);
}
