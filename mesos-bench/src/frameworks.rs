//! The Rust frameworks of the cluster benchmarks, and the one loop that runs them all
//! ([`drive`]). Each does exactly what its C++ twin in `cpp/baseline.cpp` does, through the
//! safe crate's public API.

use std::ffi::CString;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mesos::scheduler::SchedulerEvent;
use mesos::task_status::is_terminal;
use mesos::types::{
    value, CommandInfo, ExecutorID, Filters, FrameworkID, FrameworkInfo, MasterInfo, Offer,
    Resource, SlaveID, TaskInfo, TaskStatus,
};
use mesos::{Scheduler, SchedulerDriver, SchedulerDriverBuilder, Status};

use crate::sampler::{rss_kib, QueueSlot};

/// A benchmark framework: what it does with the events it cares about. [`drive`] runs the
/// same code under either delivery (the [`Scheduler`] trait or the event stream).
pub trait Bench: Send + 'static {
    /// What a run reports.
    type Outcome: Send + 'static;
    fn registered(&mut self, _driver: &SchedulerDriver) {}
    fn offers(&mut self, _driver: &SchedulerDriver, _offers: &[Offer]) {}
    fn update(&mut self, _driver: &SchedulerDriver, _status: &TaskStatus) {}
    /// Latency runs: the delivery latency (ns) of the update about to be handled.
    fn wants_latency(&self) -> bool {
        false
    }
    fn latency_sample(&mut self, _ns: u64) {}
    fn executor_lost(&mut self, driver: &SchedulerDriver, status: i32) {
        eprintln!("Rust framework: the executor ended (status {status})");
        let _ = driver.stop(false);
    }
    /// The outcome, also of a run that did not complete (how far it got).
    fn finish(self) -> Self::Outcome;
}

/// The [`Scheduler`] delivery of a [`Bench`]; the outcome is left in `out` when the driver
/// drops it.
struct Delivered<B: Bench> {
    bench: Option<B>,
    out: Arc<Mutex<Option<B::Outcome>>>,
}

impl<B: Bench> Scheduler for Delivered<B> {
    fn registered(&mut self, driver: &SchedulerDriver, _: &FrameworkID, _: &MasterInfo) {
        if let Some(b) = &mut self.bench {
            b.registered(driver);
        }
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        if let Some(b) = &mut self.bench {
            b.offers(driver, offers);
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let Some(b) = &mut self.bench else { return };
        if b.wants_latency() {
            if let Some(ns) = crate::probe::delivery_latency_ns() {
                b.latency_sample(ns);
            }
        }
        b.update(driver, status);
    }

    fn executor_lost(&mut self, driver: &SchedulerDriver, _: &ExecutorID, _: &SlaveID, s: i32) {
        if let Some(b) = &mut self.bench {
            b.executor_lost(driver, s);
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("Rust framework error: {message}");
    }
}

impl<B: Bench> Drop for Delivered<B> {
    fn drop(&mut self) {
        if let Some(b) = self.bench.take() {
            *self.out.lock().unwrap_or_else(|p| p.into_inner()) = Some(b.finish());
        }
    }
}

/// How a [`drive`] went: the framework's outcome and the driver's peak queue depth.
pub struct Driven<O> {
    pub outcome: O,
    pub peak_queued: usize,
}

/// Runs `bench` against [`master`] (the environment describes the cluster) with a
/// driver from `builder`, through the event stream when `stream`, else through the
/// [`Scheduler`] trait, until it stops or `timeout` passes. `slot` gets the driver for the
/// sampler's queue probe while it runs.
pub fn drive<B: Bench>(
    builder: SchedulerDriverBuilder,
    bench: B,
    stream: bool,
    timeout: Duration,
    slot: &QueueSlot,
) -> Result<Driven<B::Outcome>, String> {
    if !stream {
        let out = Arc::new(Mutex::new(None));
        let driver = builder
            .build(Delivered {
                bench: Some(bench),
                out: out.clone(),
            })
            .map_err(|e| e.to_string())?;
        slot.set(&driver);
        run_with_timeout(&driver, timeout)?;
        let peak_queued = driver.stats().peak_queued;
        slot.clear();
        // Dropping the last handle joins the callback thread, which drops the scheduler.
        drop(driver);
        let outcome = out.lock().unwrap_or_else(|p| p.into_inner()).take();
        let outcome = outcome.ok_or("the framework reported nothing")?;
        return Ok(Driven {
            outcome,
            peak_queued,
        });
    }
    let (driver, mut events) = builder.build_stream().map_err(|e| e.to_string())?;
    slot.set(&driver);
    let watchdog = Watchdog::new(&driver, timeout);
    driver.start().map_err(|e| e.to_string())?;
    let mut bench = bench;
    futures::executor::block_on(async {
        while let Some(event) = events.next().await {
            match event {
                SchedulerEvent::Registered { .. } => bench.registered(&driver),
                SchedulerEvent::ResourceOffers { offers } => bench.offers(&driver, &offers),
                SchedulerEvent::StatusUpdate { status } => {
                    if bench.wants_latency() {
                        if let Some(ns) = crate::probe::stream_latency_ns() {
                            bench.latency_sample(ns);
                        }
                    }
                    bench.update(&driver, &status);
                }
                SchedulerEvent::ExecutorLost { status, .. } => bench.executor_lost(&driver, status),
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
    Ok(Driven {
        outcome: bench.finish(),
        peak_queued,
    })
}

/// Outcome of one Rust end-to-end run: the C++ side's figures.
pub type E2eOutcome = crate::cpp::E2eResult;
/// Outcome of one Rust offer-storm run: the C++ side's figures.
pub type StormOutcome = crate::cpp::StormResult;

/// CPU time of the whole process (framework, master and agents), read with the same clock as
/// the C++ baseline uses.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: a pure query of the process clock.
    unsafe { crate::cpp::bench_process_cpu_seconds() }
}

/// A `FrameworkInfo` named `name`, run as the current user.
pub fn framework_info(name: &str) -> FrameworkInfo {
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name(name.into());
    info
}

/// The master of this process' runs (see [`set_master`]).
static MASTER: OnceLock<String> = OnceLock::new();

/// Sets the master that every run of this process, Rust and C++, registers with: `"local"`
/// (a cluster in this process, the default) or a `host:port`. Call it once, before any run.
pub fn set_master(master: &str) -> Result<(), String> {
    let c = CString::new(master).map_err(|_| format!("the master {master:?} has a NUL byte"))?;
    MASTER
        .set(master.to_owned())
        .map_err(|_| "the master was set twice".to_string())?;
    // SAFETY: `c` is a valid C string for the call; the C++ side copies it.
    unsafe { crate::cpp::bench_set_master(c.as_ptr()) };
    Ok(())
}

/// The master of this process' runs: `"local"` unless [`set_master`] said otherwise.
pub fn master() -> &'static str {
    MASTER.get().map_or("local", String::as_str)
}

/// A driver builder for [`master`], acknowledging explicitly unless `implicit`.
pub fn builder(name: &str, implicit: bool) -> SchedulerDriverBuilder {
    SchedulerDriver::builder(framework_info(name), master()).implicit_acknowledgements(implicit)
}

fn scalar_sum(offer: &Offer, name: &str) -> f64 {
    offer
        .resources
        .iter()
        .filter(|r| r.name() == name && r.type_() == value::Type::SCALAR)
        .map(|r| r.scalar.value())
        .sum()
}

/// A scalar resource.
pub fn scalar_resource(name: &str, amount: f64) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(amount);
    r
}

/// Launches `total` tasks (cpus 0.01, mem 1, command `true`) as offers allow, declines the
/// offers it cannot use, acknowledges every update explicitly and stops once every task
/// reached a terminal state.
struct E2e {
    total: u64,
    launched: u64,
    finished: u64,
    done: Vec<bool>,
    start: Option<(Instant, f64)>,
    out: E2eOutcome,
}

impl Bench for E2e {
    type Outcome = E2eOutcome;

    fn offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        if self.start.is_none() {
            self.start = Some((Instant::now(), process_cpu_seconds()));
        }
        for offer in offers {
            let by_cpus = (scalar_sum(offer, "cpus") / 0.01 + 1e-6) as u64;
            let by_mem = (scalar_sum(offer, "mem") / 1.0 + 1e-6) as u64;
            let n = by_cpus.min(by_mem).min(self.total - self.launched);
            if n == 0 {
                let _ = driver.decline_offer(&offer.id, None);
                continue;
            }
            let mut tasks = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let id = self.launched.to_string();
                self.launched += 1;
                let mut task = TaskInfo::new();
                task.set_name(format!("task {id}"));
                task.task_id.mut_or_insert_default().set_value(id);
                task.slave_id = offer.slave_id.clone();
                task.resources = vec![scalar_resource("cpus", 0.01), scalar_resource("mem", 1.0)];
                let mut command = CommandInfo::new();
                command.set_value("true".into());
                task.command = Some(command).into();
                tasks.push(task);
            }
            let _ = driver.launch_tasks(std::slice::from_ref(&*offer.id), &tasks, None);
        }
    }

    fn update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        let _ = driver.acknowledge_status_update(status);
        if !is_terminal(status.state()) {
            return;
        }
        let Ok(index) = status.task_id.value().parse::<u64>() else {
            return;
        };
        if index >= self.total || self.done[index as usize] {
            return;
        }
        self.done[index as usize] = true;
        self.finished += 1;
        if self.finished == self.total {
            let (start, cpu_start) = self.start.unwrap_or((Instant::now(), 0.0));
            self.out.seconds = start.elapsed().as_secs_f64();
            self.out.cpu_seconds = process_cpu_seconds() - cpu_start;
            let _ = driver.stop(false);
        }
    }

    fn finish(mut self) -> E2eOutcome {
        self.out.launched = self.launched;
        self.out.finished = self.finished;
        self.out
    }
}

/// Declines every offer with `refuse_seconds = 0`; notes the time and RSS after `warmup`
/// offers and after `total`, then stops.
struct Storm {
    warmup: u64,
    total: u64,
    handled: u64,
    filters: Filters,
    first: Option<(Instant, f64, i64)>,
    out: StormOutcome,
}

impl Bench for Storm {
    type Outcome = StormOutcome;

    fn offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            let _ = driver.decline_offer(&offer.id, Some(&self.filters));
            self.handled += 1;
            if self.handled == self.warmup {
                self.first = Some((Instant::now(), process_cpu_seconds(), rss_kib()));
            }
            if self.handled == self.total {
                let (first, cpu_first, rss_first_kib) =
                    self.first.unwrap_or((Instant::now(), 0.0, -1));
                self.out = StormOutcome {
                    handled: self.handled,
                    seconds: first.elapsed().as_secs_f64(),
                    cpu_seconds: process_cpu_seconds() - cpu_first,
                    rss_first_kib,
                    rss_last_kib: rss_kib(),
                    final_status: 0,
                };
                let _ = driver.stop(false);
            }
        }
    }

    fn finish(mut self) -> StormOutcome {
        self.out.handled = self.handled;
        self.out
    }
}

/// Aborts a driver unless dropped before `timeout` has passed.
pub struct Watchdog {
    done: Option<Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    pub fn new(driver: &SchedulerDriver, timeout: Duration) -> Self {
        let (done_tx, done_rx) = channel::<()>();
        // A weak handle: the watchdog must not keep the driver alive.
        let driver = driver.downgrade();
        let thread = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                eprintln!("Rust framework: timed out after {timeout:?}, aborting");
                if let Some(d) = driver.upgrade() {
                    let _ = d.abort();
                }
            }
        });
        Watchdog {
            done: Some(done_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `driver` until it stops, aborting it after `timeout`.
pub fn run_with_timeout(driver: &SchedulerDriver, timeout: Duration) -> Result<Status, String> {
    let watchdog = Watchdog::new(driver, timeout);
    let status = driver.run().map_err(|e| e.to_string());
    drop(watchdog);
    status
}

/// The Rust end-to-end run against [`master`] (the environment describes the cluster).
pub fn run_e2e(tasks: u32, timeout: Duration) -> Result<E2eOutcome, String> {
    let e2e = E2e {
        total: u64::from(tasks),
        launched: 0,
        finished: 0,
        done: vec![false; tasks as usize],
        start: None,
        out: E2eOutcome::default(),
    };
    let builder = builder(E2E_NAME, false);
    Ok(drive(builder, e2e, false, timeout, &QueueSlot::default())?.outcome)
}

/// The Rust offer-storm run against [`master`].
pub fn run_storm(warmup: u64, total: u64, timeout: Duration) -> Result<StormOutcome, String> {
    let mut filters = Filters::new();
    filters.set_refuse_seconds(0.0);
    let storm = Storm {
        warmup,
        total,
        handled: 0,
        filters,
        first: None,
        out: StormOutcome::default(),
    };
    let builder = builder(E2E_NAME, false);
    Ok(drive(builder, storm, false, timeout, &QueueSlot::default())?.outcome)
}

/// The name of the end-to-end and offer-storm frameworks.
const E2E_NAME: &str = "mesos-rs bench (Rust)";
