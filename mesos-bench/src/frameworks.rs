//! The Rust frameworks of the cluster benchmarks. Each does exactly what its C++ twin in
//! `cpp/baseline.cpp` does, through the safe crate's public API.

use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::task_status::is_terminal;
use mesos::types::{
    value, CommandInfo, Filters, FrameworkInfo, Offer, Resource, TaskInfo, TaskStatus,
};
use mesos::{Scheduler, SchedulerDriver, Status};

use crate::sampler::rss_kib;

/// Outcome of one Rust end-to-end run.
#[derive(Debug, Default, Clone)]
pub struct E2eOutcome {
    pub launched: u64,
    pub finished: u64,
    /// First offer seen -> last terminal update seen.
    pub seconds: f64,
    /// Process CPU time over the same interval.
    pub cpu_seconds: f64,
}

/// Outcome of one Rust offer-storm run.
#[derive(Debug, Default, Clone)]
pub struct StormOutcome {
    pub handled: u64,
    /// From the warm-up-th offer handled to the last.
    pub seconds: f64,
    /// Process CPU time over the same interval.
    pub cpu_seconds: f64,
    pub rss_first_kib: i64,
    pub rss_last_kib: i64,
}

/// CPU time of the whole process (framework, master and agents), read with the same clock as
/// the C++ baseline uses.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: a pure query of the process clock.
    unsafe { crate::cpp::bench_process_cpu_seconds() }
}

fn framework_info() -> FrameworkInfo {
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("mesos-rs bench (Rust)".into());
    info
}

fn scalar_sum(offer: &Offer, name: &str) -> f64 {
    offer
        .resources
        .iter()
        .filter(|r| r.name() == name && r.type_() == value::Type::SCALAR)
        .map(|r| r.scalar.value())
        .sum()
}

fn scalar_resource(name: &str, amount: f64) -> Resource {
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
    out: Arc<Mutex<E2eOutcome>>,
}

impl Scheduler for E2e {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
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

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
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
            *self.out.lock().unwrap() = E2eOutcome {
                launched: self.launched,
                finished: self.finished,
                seconds: start.elapsed().as_secs_f64(),
                cpu_seconds: process_cpu_seconds() - cpu_start,
            };
            let _ = driver.stop(false);
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("Rust framework error: {message}");
    }
}

impl Drop for E2e {
    fn drop(&mut self) {
        // A run that did not complete still reports how far it got.
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if out.finished != self.total {
            out.launched = self.launched;
            out.finished = self.finished;
        }
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
    out: Arc<Mutex<StormOutcome>>,
}

impl Scheduler for Storm {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            let _ = driver.decline_offer(&offer.id, Some(&self.filters));
            self.handled += 1;
            if self.handled == self.warmup {
                self.first = Some((Instant::now(), process_cpu_seconds(), rss_kib()));
            }
            if self.handled == self.total {
                let (first, cpu_first, rss_first_kib) =
                    self.first.unwrap_or((Instant::now(), 0.0, -1));
                *self.out.lock().unwrap() = StormOutcome {
                    handled: self.handled,
                    seconds: first.elapsed().as_secs_f64(),
                    cpu_seconds: process_cpu_seconds() - cpu_first,
                    rss_first_kib,
                    rss_last_kib: rss_kib(),
                };
                let _ = driver.stop(false);
            }
        }
    }

    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        eprintln!("Rust framework error: {message}");
    }
}

impl Drop for Storm {
    fn drop(&mut self) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if out.handled < self.total {
            out.handled = self.handled;
        }
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

/// The Rust end-to-end run against master `"local"` (the environment describes the cluster).
pub fn run_e2e(tasks: u32, timeout: Duration) -> Result<E2eOutcome, String> {
    let out = Arc::new(Mutex::new(E2eOutcome::default()));
    let scheduler = E2e {
        total: u64::from(tasks),
        launched: 0,
        finished: 0,
        done: vec![false; tasks as usize],
        start: None,
        out: out.clone(),
    };
    let driver = SchedulerDriver::builder(framework_info(), "local")
        .implicit_acknowledgements(false)
        .build(scheduler)
        .map_err(|e| e.to_string())?;
    run_with_timeout(&driver, timeout)?;
    // Dropping the last handle joins the callback thread, which drops the scheduler.
    drop(driver);
    let out = out.lock().unwrap().clone();
    Ok(out)
}

/// The Rust offer-storm run against master `"local"`.
pub fn run_storm(warmup: u64, total: u64, timeout: Duration) -> Result<StormOutcome, String> {
    let out = Arc::new(Mutex::new(StormOutcome::default()));
    let mut filters = Filters::new();
    filters.set_refuse_seconds(0.0);
    let scheduler = Storm {
        warmup,
        total,
        handled: 0,
        filters,
        first: None,
        out: out.clone(),
    };
    let driver = SchedulerDriver::builder(framework_info(), "local")
        .implicit_acknowledgements(false)
        .build(scheduler)
        .map_err(|e| e.to_string())?;
    run_with_timeout(&driver, timeout)?;
    drop(driver);
    let out = out.lock().unwrap().clone();
    Ok(out)
}
