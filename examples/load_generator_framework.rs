//! A port of Mesos' C++ example `load_generator_framework`: once registered it sends the
//! master task reconciliation requests (with no tasks) at a steady rate, `--qps` a second,
//! for `--duration` (for ever without it), then stops its driver. It declines every offer
//! for as long as the master allows, and runs no task. An error from the master ends the
//! program with exit status 1.
//!
//!     cargo run --example load_generator_framework -- --master=local --qps=50 --duration=5secs
//!
//! Flags as in the C++ program: `--master` and `--qps` (both required), `--duration` (`5secs`,
//! `2mins`, ...), `--role`, `--principal`, `--authenticate`, `--secret`, `--checkpoint`; each
//! also read from `MESOS_EXAMPLE_<NAME>`. The rate is an upper bound: each pause is shortened
//! by the time the call took, never made negative.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

#[path = "shared/cpp_flags.rs"]
mod cpp_flags;
use cpp_flags::Flag;

const FRAMEWORK_NAME: &str = "Load Generator Framework (Rust)";

const OWN_FLAGS: [Flag; 2] = [
    Flag::required(
        "qps",
        "The rate of the load, in calls a second (an upper bound: the real rate may be lower)",
    ),
    Flag::optional(
        "duration",
        "How long to generate load (e.g. 30secs); for as long as the framework is connected without it",
    ),
];

/// A refusal as long as Mesos' longest duration (about 292 years).
const FOREVER_SECONDS: f64 = 9_223_372_036.0;

/// The thread sending the load; ends when `stop` is set or the duration is over.
struct LoadGenerator {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LoadGenerator {
    fn start(driver: SchedulerDriver, qps: f64, duration: Option<Duration>) -> LoadGenerator {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut messages: u64 = 0;
            let gap = Duration::from_secs_f64(1.0 / qps);
            while !stopped.load(Ordering::SeqCst) {
                let elapsed = started.elapsed();
                if duration.is_some_and(|d| elapsed >= d) {
                    eprintln!(
                        "LoadGenerator generated {messages} messages in {elapsed:?} \
                         (throughput = {:.1} messages/sec)",
                        messages as f64 / elapsed.as_secs_f64()
                    );
                    eprintln!("Stopping LoadGenerator and scheduler driver");
                    driver.stop(false).ok();
                    return;
                }
                let call = Instant::now();
                if let Err(e) = driver.reconcile_tasks(&[]) {
                    eprintln!("reconcile: {e}");
                }
                messages += 1;
                std::thread::sleep(gap.saturating_sub(call.elapsed()));
            }
        });
        LoadGenerator {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for LoadGenerator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

struct LoadGeneratorScheduler {
    generator: Option<LoadGenerator>,
    qps: f64,
    duration: Option<Duration>,
}

impl LoadGeneratorScheduler {
    fn start_generator(&mut self, driver: &SchedulerDriver) {
        if self.generator.is_none() {
            eprintln!("Starting LoadGenerator at QPS: {}", self.qps);
            self.generator = Some(LoadGenerator::start(
                driver.clone(),
                self.qps,
                self.duration,
            ));
        }
    }
}

impl Scheduler for LoadGeneratorScheduler {
    fn registered(&mut self, driver: &SchedulerDriver, _: &FrameworkID, master: &MasterInfo) {
        eprintln!("Registered with {}", master.pid());
        self.start_generator(driver);
    }

    fn reregistered(&mut self, driver: &SchedulerDriver, master: &MasterInfo) {
        eprintln!("Reregistered with {}", master.pid());
        self.start_generator(driver);
    }

    fn disconnected(&mut self, _: &SchedulerDriver) {
        eprintln!("Disconnected!");
        self.generator = None;
        eprintln!("Stopped LoadGenerator");
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        eprintln!("Received {} resource offers. Declining them", offers.len());
        let mut filters = Filters::new();
        filters.set_refuse_seconds(FOREVER_SECONDS);
        for offer in offers {
            driver.decline_offer(&offer.id, Some(&filters)).ok();
        }
    }

    fn error(&mut self, _: &SchedulerDriver, error: &str) {
        // The generator's loop cannot be interrupted from here: end the program.
        eprintln!("Error received: {error}");
        std::process::exit(1);
    }
}

fn main() -> ExitCode {
    let flags = match cpp_flags::load_or_exit(&OWN_FLAGS) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let qps: f64 = match flags.parse("qps") {
        Ok(q) => q,
        Err(e) => return flags.fail(&e),
    };
    let duration = match flags.duration("duration") {
        Ok(d) => d,
        Err(e) => return flags.fail(&e),
    };
    if qps <= 0.0 || !qps.is_finite() {
        eprintln!("Flag '--qps' needs to be greater than zero");
        return ExitCode::FAILURE;
    }
    let _cluster = match cpp_flags::local_cluster(&flags, &["*"], &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let framework = cpp_flags::framework_info(&flags, FRAMEWORK_NAME, &flags.string("role"), &[]);
    let scheduler = LoadGeneratorScheduler {
        generator: None,
        qps,
        duration,
    };
    match cpp_flags::driver(&flags, scheduler, framework) {
        Ok(driver) => cpp_flags::run(&driver),
        Err(e) => {
            eprintln!("cannot create the driver: {e}");
            ExitCode::FAILURE
        }
    }
}
