//! The Rust side of the reconciliation storm (the C++ twin is `ReconcileScheduler` in
//! `cpp/baseline.cpp`): explicit reconciliation of `n` tasks the master does not know.
//!
//! The statuses (task `t-<i>`, `TASK_STAGING`, an agent ID no agent has) are built in
//! `registered`, then the clock starts, `reconcile_tasks` is called, and the clock stops when
//! the n-th answer is handled. Master 1.11 answers each unknown task on an unknown agent once,
//! with `TASK_LOST` (the framework is not `PARTITION_AWARE`; it would be `TASK_UNKNOWN`
//! otherwise), reason `REASON_RECONCILIATION` and no uuid; only such first answers count.
//!
//! Two deliveries: the [`Scheduler`](mesos::Scheduler) trait, and the event stream (`mesos::stream`), consumed
//! on the thread that built the driver.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::types::{task_status, Filters, Offer, TaskState, TaskStatus};
use mesos::SchedulerDriver;
use protobuf::MessageField;

use crate::cpp::ReconcileResult;
use crate::frameworks::{builder, drive, Bench};
use crate::probe;
use crate::sampler::{now_ns, rss_kib, thread_cpu_ns, QueueSlot};

/// The agent ID of the storm: no agent of the cluster has it.
pub const UNKNOWN_AGENT: &str = "mesos-bench-unknown-agent-S0";

/// How one Rust storm went: the same figures as the C++ side's, and the Rust side's own.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub r: ReconcileResult,
    /// The driver's high-water mark of queued events (`DriverStats::peak_queued`).
    pub peak_queued: usize,
    /// Latency samples (ns), when the probe was on.
    pub latency: Vec<u64>,
    /// Error text when the call failed.
    pub error: Option<String>,
}

/// The `n` statuses of the storm.
pub fn statuses(n: u64) -> Vec<TaskStatus> {
    (0..n)
        .map(|i| {
            let mut s = mesos::task_status::task_status(
                &mesos::ids::task_id(format!("t-{i}")),
                TaskState::TASK_STAGING,
            );
            s.slave_id = MessageField::some(mesos::ids::slave_id(UNKNOWN_AGENT));
            s
        })
        .collect()
}

/// Index `i` of a task ID `t-<i>` below `limit`.
pub fn task_index(id: &str, limit: u64) -> Option<usize> {
    let i: u64 = id.strip_prefix("t-")?.parse().ok()?;
    (i < limit).then_some(i as usize)
}

/// Seconds a call made on its own thread took, and its error, once it returned.
type CallTiming = Arc<Mutex<Option<(f64, Option<String>)>>>;

/// The counting and timing both deliveries share.
struct Storm {
    n: u64,
    /// 0: every status in one call; else this many per call, the next call once they were
    /// all answered (paced).
    batch: u64,
    sent: u64,
    seen: Vec<bool>,
    statuses: Vec<TaskStatus>,
    start: Option<Instant>,
    latency: Option<Vec<u64>>,
    /// Latency runs: how long the call made on its own thread took, and its error.
    call_timing: CallTiming,
    out: Outcome,
}

impl Storm {
    fn new(n: u64, batch: u64, latency: bool) -> Self {
        Storm {
            n,
            batch,
            sent: 0,
            seen: vec![false; n as usize],
            statuses: Vec::new(),
            start: None,
            latency: latency.then(|| Vec::with_capacity(n as usize)),
            call_timing: Arc::default(),
            out: Outcome::default(),
        }
    }

    /// Builds the statuses, then times the call. Returns true when nothing is to be waited for.
    fn registered(&mut self, driver: &SchedulerDriver) -> bool {
        self.statuses = statuses(self.n);
        self.out.r.window.rss_start_kib = rss_kib();
        self.out.r.window.start_ns = now_ns();
        let start = Instant::now();
        self.start = Some(start);
        let cpu_start = thread_cpu_ns();
        let first = if self.batch == 0 && self.latency.is_some() {
            // Latency runs: the call is made on a thread of its own, so that the callback
            // thread (or the stream's consumer) is free to take the first answers while the
            // rest of the list is still being converted; otherwise they would wait behind
            // this call and the figure would measure the call, not the delivery.
            let statuses = std::mem::take(&mut self.statuses);
            let d = driver.clone();
            let timing = self.call_timing.clone();
            std::thread::spawn(move || {
                let r = d.reconcile_tasks(&statuses);
                if r.is_err() {
                    let _ = d.stop(false);
                }
                *timing.lock().unwrap_or_else(|p| p.into_inner()) = Some((
                    start.elapsed().as_secs_f64(),
                    r.err().map(|e| e.to_string()),
                ));
            });
            return false;
        } else if self.batch == 0 {
            driver.reconcile_tasks(&self.statuses)
        } else {
            self.send_next(driver)
        };
        if let Err(e) = first {
            self.out.error = Some(format!("reconcile_tasks: {e}"));
            let _ = driver.stop(false);
            return true;
        }
        self.out.r.call_seconds = start.elapsed().as_secs_f64();
        self.out.r.call_cpu_seconds = thread_cpu_ns().saturating_sub(cpu_start) as f64 / 1e9;
        if self.n == 0 {
            self.finish(driver);
            return true;
        }
        false
    }

    /// Paced mode: the next `batch` statuses.
    fn send_next(&mut self, driver: &SchedulerDriver) -> mesos::Result<()> {
        let end = (self.sent + self.batch).min(self.n);
        let part = &self.statuses[self.sent as usize..end as usize];
        self.sent = end;
        driver.reconcile_tasks(part)
    }

    /// Counts one answer; true when it was the n-th.
    fn update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) -> bool {
        let i = task_index(status.task_id.value(), self.n);
        let Some(i) = i.filter(|&i| {
            !self.seen[i]
                && status.state() == TaskState::TASK_LOST
                && status.reason() == task_status::Reason::REASON_RECONCILIATION
                && !status.has_uuid()
        }) else {
            self.out.r.bad += 1;
            return false;
        };
        self.seen[i] = true;
        self.out.r.answered += 1;
        if self.out.r.answered == self.n {
            self.finish(driver);
            return true;
        }
        if self.batch != 0 && self.out.r.answered == self.sent {
            if let Err(e) = self.send_next(driver) {
                self.out.error = Some(format!("reconcile_tasks: {e}"));
                let _ = driver.stop(false);
            }
        }
        false
    }

    fn finish(&mut self, driver: &SchedulerDriver) {
        let start = self.start.unwrap_or_else(Instant::now);
        self.out.r.seconds = start.elapsed().as_secs_f64();
        self.out.r.window.end_ns = now_ns();
        self.out.r.window.rss_end_kib = rss_kib();
        let _ = driver.stop(false);
    }

    fn decline(driver: &SchedulerDriver, offers: &[Offer]) {
        let mut filters = Filters::new();
        filters.set_refuse_seconds(3600.0);
        for offer in offers {
            let _ = driver.decline_offer(&offer.id, Some(&filters));
        }
    }
}

impl Bench for Storm {
    type Outcome = Outcome;

    fn registered(&mut self, driver: &SchedulerDriver) {
        Storm::registered(self, driver);
    }

    fn offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        Storm::decline(driver, offers);
    }

    fn update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        Storm::update(self, driver, status);
    }

    fn wants_latency(&self) -> bool {
        self.latency.is_some()
    }

    fn latency_sample(&mut self, ns: u64) {
        if let Some(samples) = &mut self.latency {
            samples.push(ns);
        }
    }

    fn finish(mut self) -> Outcome {
        self.out.latency = self.latency.take().unwrap_or_default();
        if let Some((seconds, error)) = self
            .call_timing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            self.out.r.call_seconds = seconds;
            if error.is_some() {
                self.out.error = error.map(|e| format!("reconcile_tasks: {e}"));
            }
        }
        self.out
    }
}

/// The Rust storm against master `"local"`; `slot` gets the driver for the sampler's queue
/// probe.
pub fn run(
    n: u64,
    batch: u64,
    stream: bool,
    latency: bool,
    timeout: Duration,
    slot: &QueueSlot,
) -> Result<Outcome, String> {
    if latency {
        probe::enable();
    }
    let builder = builder("mesos-bench reconcile (Rust)", false);
    let storm = Storm::new(n, batch, latency);
    let driven = drive(builder, storm, stream, timeout, slot)?;
    let mut out = driven.outcome;
    out.peak_queued = driven.peak_queued;
    Ok(out)
}
