//! The Rust side of the reconciliation storm (the C++ twin is `ReconcileScheduler` in
//! `cpp/baseline.cpp`): explicit reconciliation of `n` tasks the master does not know.
//!
//! The statuses (task `t-<i>`, `TASK_STAGING`, an agent ID no agent has) are built in
//! `registered`, then the clock starts, `reconcile_tasks` is called, and the clock stops when
//! the n-th answer is handled. Master 1.11 answers each unknown task on an unknown agent once,
//! with `TASK_LOST` (the framework is not `PARTITION_AWARE`; it would be `TASK_UNKNOWN`
//! otherwise), reason `REASON_RECONCILIATION` and no uuid; only such first answers count.
//!
//! Two deliveries: the [`Scheduler`] trait, and the event stream (`mesos::stream`), consumed
//! on the thread that built the driver.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mesos::scheduler::SchedulerEvent;
use mesos::types::{task_status, Filters, FrameworkInfo, Offer, TaskState, TaskStatus};
use mesos::{Scheduler, SchedulerDriver};
use protobuf::MessageField;

use crate::probe;
use crate::sampler::{now_ns, rss_kib, QueueSlot};

/// The agent ID of the storm: no agent of the cluster has it.
pub const UNKNOWN_AGENT: &str = "mesos-bench-unknown-agent-S0";

/// How one Rust storm went.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub answered: u64,
    /// Updates that were not a first answer of the expected kind.
    pub bad: u64,
    /// The `reconcile_tasks` call -> the n-th answer.
    pub seconds: f64,
    /// The `reconcile_tasks` call alone.
    pub call_seconds: f64,
    pub start_ns: u64,
    pub end_ns: u64,
    pub rss_start_kib: i64,
    pub rss_end_kib: i64,
    /// The driver's high-water mark of queued events (`DriverStats::peak_queued`).
    pub peak_queued: usize,
    /// Latency samples (ns), when the probe was on.
    pub latency: Vec<u64>,
    /// Error text when the call failed.
    pub error: Option<String>,
}

fn framework_info() -> FrameworkInfo {
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("mesos-bench reconcile (Rust)".into());
    info
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
        self.out.rss_start_kib = rss_kib();
        self.out.start_ns = now_ns();
        let start = Instant::now();
        self.start = Some(start);
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
        self.out.call_seconds = start.elapsed().as_secs_f64();
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
            self.out.bad += 1;
            return false;
        };
        self.seen[i] = true;
        self.out.answered += 1;
        if self.out.answered == self.n {
            self.finish(driver);
            return true;
        }
        if self.batch != 0 && self.out.answered == self.sent {
            if let Err(e) = self.send_next(driver) {
                self.out.error = Some(format!("reconcile_tasks: {e}"));
                let _ = driver.stop(false);
            }
        }
        false
    }

    fn finish(&mut self, driver: &SchedulerDriver) {
        let start = self.start.unwrap_or_else(Instant::now);
        self.out.seconds = start.elapsed().as_secs_f64();
        self.out.end_ns = now_ns();
        self.out.rss_end_kib = rss_kib();
        let _ = driver.stop(false);
    }

    fn decline(driver: &SchedulerDriver, offers: &[Offer]) {
        let mut filters = Filters::new();
        filters.set_refuse_seconds(3600.0);
        for offer in offers {
            let _ = driver.decline_offer(&offer.id, Some(&filters));
        }
    }

    fn outcome(mut self) -> Outcome {
        self.out.latency = self.latency.take().unwrap_or_default();
        if let Some((seconds, error)) = self
            .call_timing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            self.out.call_seconds = seconds;
            if error.is_some() {
                self.out.error = error.map(|e| format!("reconcile_tasks: {e}"));
            }
        }
        self.out
    }
}

/// The trait delivery; the outcome is left in `out` when the scheduler is dropped.
struct TraitStorm {
    storm: Option<Storm>,
    out: Arc<Mutex<Outcome>>,
}

impl Scheduler for TraitStorm {
    fn registered(
        &mut self,
        driver: &SchedulerDriver,
        _: &mesos::types::FrameworkID,
        _: &mesos::types::MasterInfo,
    ) {
        if let Some(s) = &mut self.storm {
            s.registered(driver);
        }
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        Storm::decline(driver, offers);
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let Some(s) = &mut self.storm else { return };
        if let Some(samples) = &mut s.latency {
            if let Some(ns) = probe::delivery_latency_ns() {
                samples.push(ns);
            }
        }
        s.update(driver, status);
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("Rust framework error: {message}");
    }
}

impl Drop for TraitStorm {
    fn drop(&mut self) {
        if let Some(s) = self.storm.take() {
            *self.out.lock().unwrap_or_else(|p| p.into_inner()) = s.outcome();
        }
    }
}

/// The Rust storm against master `"local"`; `on_driver` gets the driver before it starts
/// (for the sampler's queue probe).
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
    let builder =
        SchedulerDriver::builder(framework_info(), "local").implicit_acknowledgements(false);
    if !stream {
        let out = Arc::new(Mutex::new(Outcome::default()));
        let scheduler = TraitStorm {
            storm: Some(Storm::new(n, batch, latency)),
            out: out.clone(),
        };
        let driver = builder.build(scheduler).map_err(|e| e.to_string())?;
        slot.set(&driver);
        crate::frameworks::run_with_timeout(&driver, timeout)?;
        // Dropping the last handle joins the callback thread, which drops the scheduler.
        let peak_queued = driver.stats().peak_queued;
        slot.clear();
        drop(driver);
        let mut out = out.lock().unwrap_or_else(|p| p.into_inner()).clone();
        out.peak_queued = peak_queued;
        return Ok(out);
    }
    let (driver, mut events) = builder.build_stream().map_err(|e| e.to_string())?;
    slot.set(&driver);
    let watchdog = crate::frameworks::Watchdog::new(&driver, timeout);
    driver.start().map_err(|e| e.to_string())?;
    let mut storm = Storm::new(n, batch, latency);
    futures::executor::block_on(async {
        while let Some(event) = events.next().await {
            if let (Some(samples), SchedulerEvent::StatusUpdate { .. }) =
                (&mut storm.latency, &event)
            {
                if let Some(ns) = probe::stream_latency_ns() {
                    samples.push(ns);
                }
            }
            match event {
                SchedulerEvent::Registered { .. } => {
                    storm.registered(&driver);
                }
                SchedulerEvent::ResourceOffers { offers } => Storm::decline(&driver, &offers),
                SchedulerEvent::StatusUpdate { status } => {
                    storm.update(&driver, &status);
                }
                SchedulerEvent::Error { message } => eprintln!("Rust framework error: {message}"),
                _ => {}
            }
        }
    });
    let _ = driver.join();
    drop(watchdog);
    let peak_queued = driver.stats().peak_queued;
    slot.clear();
    drop(driver);
    let mut out = storm.outcome();
    out.peak_queued = peak_queued;
    Ok(out)
}
