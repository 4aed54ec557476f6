//! Opt-in liveness checks: noticing a master that went silent.
//!
//! With a `zk://` master, libmesos learns from ZooKeeper that its master is gone and calls
//! `disconnected`. With a plain `host:port` master it never does: its detector always answers
//! with that address, so a dead master (or a network that dropped the way back) goes
//! unnoticed and the scheduler waits forever. [`Liveness`] makes the driver check:
//!
//! * every `interval` while registered, it asks the master about a task that does not exist
//!   (explicit reconciliation): a master that knows the framework answers at once with a
//!   status update for it, which the driver takes for itself (your code never sees it);
//! * anything from the master (those answers, offers, updates, ...) counts as a sign of life,
//!   from the moment libmesos delivers it: a callback that takes long, holding up the events
//!   queued behind it, does not make a healthy master look silent;
//! * after `silence` without one, your scheduler's `disconnected` is called (once);
//! * when the master is heard again, `reregistered` is called with the master last
//!   registered with.
//!
//! libmesos itself keeps its connection state: it does not register again with a master
//! restarted at the same address (that master does not know the framework and ignores it, so
//! the silence goes on). On `disconnected` from a liveness check, the usual remedy is to stop
//! the driver and build a new one with the same `FrameworkID` (a
//! [`FrameworkIdStore`](crate::framework_id::FrameworkIdStore) does that for you), or to
//! use ZooKeeper.
//!
//! ```
//! use std::time::Duration;
//! use mesos::liveness::Liveness;
//!
//! let liveness = Liveness::new(Duration::from_secs(5), Duration::from_secs(20))?;
//! assert_eq!(liveness.interval(), Duration::from_secs(5));
//! assert!(Liveness::new(Duration::from_secs(5), Duration::from_secs(1)).is_err());
//! # Ok::<(), mesos::Error>(())
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::RawEvent;
use crate::dispatch::{Arrivals, Handler};
use crate::error::{Error, Result};
use crate::types::{TaskID, TaskStatus};

/// How often to check that the master hears the framework, and how long a silence means
/// it does not; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    interval: Duration,
    silence: Duration,
}

impl Liveness {
    /// Checks every `interval`; `silence` (at least one interval) without a sign of the
    /// master means disconnected.
    pub fn new(interval: Duration, silence: Duration) -> Result<Liveness> {
        if interval.is_zero() {
            return Err(Error::InvalidArgument(
                "liveness interval must not be zero".into(),
            ));
        }
        if silence < interval {
            return Err(Error::InvalidArgument(format!(
                "liveness silence ({silence:?}) must be at least one interval ({interval:?})"
            )));
        }
        Ok(Liveness { interval, silence })
    }

    /// How often the master is asked.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How long a silence means disconnected.
    pub fn silence(&self) -> Duration {
        self.silence
    }
}

/// The state of one driver's liveness check, shared by its callback thread (which sees
/// every event) and its pulse thread (which asks and decides).
pub(crate) struct Pulse {
    liveness: Liveness,
    /// The reserved ID of the task asked about; unique per driver.
    task_id: String,
    state: Mutex<PulseState>,
    /// Arrivals of events, noted on libmesos' thread (see [`Pulse::arrivals`]).
    arrivals: Arc<Arrivals>,
}

struct PulseState {
    /// Registered (or re-registered) and not known to be disconnected.
    connected: bool,
    /// The user was told `disconnected` by this check (and not yet `reregistered`).
    told_disconnected: bool,
    /// The last sign of life the callback thread saw (events that did not come through
    /// libmesos' thread, e.g. in tests); see also `Pulse::arrivals`.
    last_heard: Instant,
    /// The last `MasterInfo` libmesos reported, serialized.
    master: Option<Vec<u8>>,
    /// Events this check put in the queue, not yet seen by the callback thread (they are
    /// passed on without counting as signs of life).
    synthesized: std::collections::VecDeque<Kind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Disconnected,
    Reregistered,
}

impl Pulse {
    pub(crate) fn new(liveness: Liveness) -> Pulse {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Pulse {
            liveness,
            task_id: format!("mesos-rs-liveness-{}-{nanos:x}", std::process::id()),
            state: Mutex::new(PulseState {
                connected: false,
                told_disconnected: false,
                last_heard: Instant::now(),
                master: None,
                synthesized: Default::default(),
            }),
            arrivals: Arc::new(Arrivals::new()),
        }
    }

    /// Where the driver notes, on libmesos' thread, when each event arrives: the arrival
    /// of an answer is a sign of life even while the callback thread is still busy with
    /// events before it.
    pub(crate) fn arrivals(&self) -> Arc<Arrivals> {
        self.arrivals.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PulseState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The status to reconcile: a task that does not exist.
    pub(crate) fn probe(&self) -> TaskStatus {
        let mut id = TaskID::new();
        id.set_value(self.task_id.clone());
        let mut s = TaskStatus::new();
        s.task_id = Some(id).into();
        s.set_state(crate::types::TaskState::TASK_RUNNING);
        s
    }

    /// Whether the driver is registered and not known to be disconnected (worth asking).
    pub(crate) fn should_ask(&self) -> bool {
        let st = self.state();
        st.connected || st.told_disconnected
    }

    /// Looks at an event from libmesos before it is delivered; `false`: it is the answer to
    /// a probe, not for the user.
    pub(crate) fn observe(&self, raw: &RawEvent) -> bool {
        let mut st = self.state();
        let kind = match raw {
            RawEvent::Disconnected => Some(Kind::Disconnected),
            RawEvent::Reregistered(_) => Some(Kind::Reregistered),
            _ => None,
        };
        if kind.is_some() && st.synthesized.front().copied() == kind {
            st.synthesized.pop_front();
            return true;
        }
        st.last_heard = Instant::now();
        match raw {
            RawEvent::Registered(_, master) | RawEvent::Reregistered(master) => {
                st.connected = true;
                st.told_disconnected = false;
                st.master = Some(master.clone());
                true
            }
            RawEvent::Disconnected => {
                st.connected = false;
                st.told_disconnected = false;
                true
            }
            RawEvent::Error(_) => {
                st.connected = false;
                st.told_disconnected = false;
                true
            }
            RawEvent::Status(bytes) => !self.is_probe_answer(bytes),
            _ => true,
        }
    }

    fn is_probe_answer(&self, bytes: &[u8]) -> bool {
        let id = self.task_id.as_bytes();
        // Cheap test first: most updates are not about the probe task.
        if !bytes.windows(id.len()).any(|w| w == id) {
            return false;
        }
        crate::ffi::decode::<TaskStatus>(bytes)
            .map(|s| s.task_id.value() == self.task_id)
            .unwrap_or(false)
    }

    /// What the silence so far means: `Some(Disconnected)` once a connected driver has not
    /// heard the master for `silence`, `Some(Reregistered)` once a driver told so hears it
    /// again, else `None`. Called by the pulse thread; the event goes through the driver's
    /// queue like libmesos' own.
    pub(crate) fn verdict(&self) -> Option<RawEvent> {
        let mut st = self.state();
        let heard = st.last_heard.max(self.arrivals.last());
        let silent = heard.elapsed() >= self.liveness.silence;
        if st.connected && silent {
            st.connected = false;
            st.told_disconnected = true;
            tracing::warn!(
                silence = ?self.liveness.silence,
                "no sign of the master within the liveness silence; reporting disconnected"
            );
            st.synthesized.push_back(Kind::Disconnected);
            return Some(RawEvent::Disconnected);
        }
        if st.told_disconnected && !silent {
            st.told_disconnected = false;
            st.connected = true;
            tracing::info!("the master answers again; reporting reregistered");
            let master = st.master.clone()?;
            st.synthesized.push_back(Kind::Reregistered);
            return Some(RawEvent::Reregistered(master));
        }
        None
    }
}

/// Runs the pulse of one driver on a thread of its own while `alive` says the driver is
/// there: every interval, `ask` (reconcile the probe) while worth asking, then `send`
/// whatever [`Pulse::verdict`] decides into the driver's queue.
pub(crate) fn spawn(
    pulse: std::sync::Arc<Pulse>,
    alive: impl Fn() -> bool + Send + 'static,
    ask: impl Fn(&TaskStatus) + Send + 'static,
    send: impl Fn(RawEvent) + Send + 'static,
) {
    let interval = pulse.liveness.interval;
    let spawned = std::thread::Builder::new()
        .name("mesos-liveness".into())
        .spawn(move || {
            let probe = pulse.probe();
            loop {
                // Short sleeps, so that the thread ends soon after the driver does.
                let until = Instant::now() + interval;
                while let Some(left) = until.checked_duration_since(Instant::now()) {
                    std::thread::sleep(left.min(Duration::from_millis(200)));
                    if !alive() {
                        return;
                    }
                }
                if pulse.should_ask() {
                    ask(&probe);
                }
                if let Some(event) = pulse.verdict() {
                    send(event);
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the liveness thread; no liveness checks");
    }
}

/// Passes every event to `inner`, except answers to liveness probes (with a pulse).
pub(crate) struct PulseHandler<H> {
    pub(crate) inner: H,
    pub(crate) pulse: Option<std::sync::Arc<Pulse>>,
}

impl<H: Handler<RawEvent>> Handler<RawEvent> for PulseHandler<H> {
    fn deliver(&mut self, event: RawEvent) {
        let for_user = match &self.pulse {
            Some(pulse) => pulse.observe(&event),
            None => true,
        };
        if for_user {
            self.inner.deliver(event);
        }
    }
    fn panicked(&mut self, message: &str) {
        self.inner.panicked(message)
    }
    fn stopped(&mut self) {
        self.inner.stopped()
    }
    fn idle(&mut self) {
        self.inner.idle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protobuf::Message;

    fn pulse() -> Pulse {
        Pulse::new(Liveness::new(Duration::from_millis(10), Duration::from_millis(50)).unwrap())
    }

    fn registered() -> RawEvent {
        let mut master = crate::types::MasterInfo::new();
        master.set_id("m1".into());
        master.set_ip(0x0100_007f);
        master.set_port(5050);
        RawEvent::Registered(Vec::new(), master.write_to_bytes().unwrap())
    }

    #[test]
    fn silence_means_disconnected_once_and_an_answer_means_reregistered() {
        let p = pulse();
        assert!(!p.should_ask(), "not registered yet");
        assert!(p.observe(&registered()));
        assert!(p.should_ask());
        assert!(p.verdict().is_none(), "heard just now");
        std::thread::sleep(Duration::from_millis(60));
        let Some(RawEvent::Disconnected) = p.verdict() else {
            panic!("expected disconnected");
        };
        assert!(p.verdict().is_none(), "told once");
        assert!(p.should_ask(), "keeps asking while disconnected");
        // The synthesized event passes through without counting as a sign of life.
        assert!(p.observe(&RawEvent::Disconnected));
        assert!(p.verdict().is_none());
        // The probe's answer: swallowed, and a sign of life.
        let answer = p.probe().write_to_bytes().unwrap();
        assert!(!p.observe(&RawEvent::Status(answer)));
        let Some(RawEvent::Reregistered(master)) = p.verdict() else {
            panic!("expected reregistered");
        };
        let master = crate::types::MasterInfo::parse_from_bytes(&master).unwrap();
        assert_eq!(master.id(), "m1");
        assert!(p.observe(&RawEvent::Reregistered(Vec::new())));
        assert!(p.verdict().is_none());
    }

    #[test]
    fn other_updates_reach_the_user_and_libmesos_disconnections_reset_the_check() {
        let p = pulse();
        p.observe(&registered());
        let mut other = p.probe();
        other
            .task_id
            .mut_or_insert_default()
            .set_value("user-task".into());
        assert!(p.observe(&RawEvent::Status(other.write_to_bytes().unwrap())));
        // libmesos' own disconnected: nothing to tell until it registers again.
        assert!(p.observe(&RawEvent::Disconnected));
        std::thread::sleep(Duration::from_millis(60));
        assert!(p.verdict().is_none());
        assert!(!p.should_ask());
    }

    #[test]
    fn an_arrival_noted_on_libmesos_thread_is_a_sign_of_life() {
        let p = pulse();
        p.observe(&registered());
        // The callback thread sees nothing for longer than the silence (it is busy), but
        // events keep arriving.
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(20));
            p.arrivals().stamp();
            assert!(p.verdict().is_none(), "heard on libmesos' thread");
        }
        std::thread::sleep(Duration::from_millis(60));
        assert!(matches!(p.verdict(), Some(RawEvent::Disconnected)));
        // An arrival while told disconnected: reregistered, before the callback thread
        // got to the event.
        p.arrivals().stamp();
        assert!(matches!(p.verdict(), Some(RawEvent::Reregistered(_))));
    }

    #[test]
    fn silence_shorter_than_the_interval_is_refused() {
        assert!(Liveness::new(Duration::ZERO, Duration::from_secs(1)).is_err());
        assert!(Liveness::new(Duration::from_secs(2), Duration::from_secs(1)).is_err());
        assert!(Liveness::new(Duration::from_secs(1), Duration::from_secs(1)).is_ok());
    }
}
