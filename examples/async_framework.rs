//! A framework written as an async loop over the driver's event stream (feature `stream`),
//! on tokio: registers, launches N command tasks, waits until each has a terminal status,
//! stops the driver and prints a summary. Exits 0 when every task was accounted for.
//!
//!     cargo run --features stream --example async_framework                 # local cluster
//!     cargo run --features stream --example async_framework -- --tasks 10
//!     cargo run --features stream --example async_framework -- --master 10.0.0.1:5050
//!
//! On the local cluster the tasks run under the kit's command executor and end
//! `TASK_FINISHED`; any terminal state counts as done.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::StreamExt;
use mesos::ids::{command_task, task_id};
use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Resources, SchedulerDriver};

struct Options {
    master: String,
    tasks: usize,
    timeout: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        master: "local".into(),
        tasks: 3,
        timeout: Duration::from_secs(120),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--master" => o.master = value()?,
            "--tasks" => o.tasks = value()?.parse().map_err(|e| format!("--tasks: {e}"))?,
            "--timeout-secs" => {
                let secs = value()?
                    .parse()
                    .map_err(|e| format!("--timeout-secs: {e}"))?;
                o.timeout = Duration::from_secs(secs);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// What the loop saw.
#[derive(Default)]
struct Seen {
    registered: Option<String>,
    offers: usize,
    updates: usize,
    /// Task id -> its terminal state and message.
    ended: BTreeMap<String, (TaskState, String)>,
    error: Option<String>,
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "{e}\nusage: async_framework [--master MASTER] [--tasks N] [--timeout-secs S]"
            );
            return ExitCode::from(2);
        }
    };
    // The local cluster's environment is written first, while this is the only thread;
    // the runtime and its worker threads come after.
    let _cluster = (opts.master == "local").then(|| {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .apply()
            .expect("local cluster work dir")
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(framework(opts))
}

async fn framework(opts: Options) -> ExitCode {
    let mut info = FrameworkInfo::new();
    info.set_user(String::new()); // libmesos fills in the current user
    info.set_name("Async framework (Rust)".into());
    let (driver, mut events) =
        match SchedulerDriver::builder(info, opts.master.clone()).build_stream() {
            Ok(pair) => pair,
            Err(e) => {
                eprintln!("cannot create the driver: {e}");
                return ExitCode::FAILURE;
            }
        };
    // Ctrl-C or SIGTERM stops the driver (the framework unregisters, its tasks are killed),
    // so that the program ends normally and a local cluster's work directory goes.
    let _signals = mesos::shutdown::stop_on_signals(&driver, false)
        .inspect_err(|e| eprintln!("no clean stop on Ctrl-C/SIGTERM: {e}"));
    if let Err(e) = driver.start() {
        eprintln!("cannot start the driver: {e}");
        return ExitCode::FAILURE;
    }

    // Another task holding a driver handle: aborting ends the event stream below.
    let watchdog = driver.clone();
    let timeout = opts.timeout;
    tokio::spawn(async move {
        tokio::time::sleep(timeout).await;
        eprintln!("timed out after {timeout:?}; aborting the driver");
        watchdog.abort().ok();
    });

    let started = Instant::now();
    let need: Resources = vec![cpus(0.1), mem(16.0)].into();
    let mut launched = 0;
    let mut seen = Seen::default();
    // Ends when the driver is stopped (below), aborted (watchdog) or after an error event.
    while let Some(event) = events.next().await {
        match event {
            SchedulerEvent::Registered { framework_id, .. } => {
                println!("registered as {}", framework_id.value());
                seen.registered = Some(framework_id.value().to_owned());
            }
            SchedulerEvent::ResourceOffers { offers } => {
                seen.offers += offers.len();
                for offer in &offers {
                    let mut left = Resources::from(offer.resources.clone());
                    let mut tasks = Vec::new();
                    while launched < opts.tasks && left.contains(&need) {
                        let id = format!("async-{launched}");
                        let name = format!("async task {launched}");
                        tasks.push(command_task(
                            name,
                            task_id(&id),
                            offer,
                            need.clone().into(),
                            "sleep 1",
                        ));
                        left -= need.clone();
                        launched += 1;
                    }
                    let result = if tasks.is_empty() {
                        driver.decline_offer(&offer.id, None)
                    } else {
                        println!("launching {} task(s) on {}", tasks.len(), offer.hostname());
                        driver.launch_tasks([&offer.id], &tasks, None)
                    };
                    if let Err(e) = result {
                        eprintln!("offer {}: {e}", offer.id.value());
                    }
                }
            }
            // Taking the update from the stream acknowledged it (implicit acknowledgements).
            SchedulerEvent::StatusUpdate { status } => {
                seen.updates += 1;
                let id = status.task_id.value().to_owned();
                println!("task {id}: {:?}", status.state());
                if status.is_terminal() {
                    let message = status.message().to_owned();
                    seen.ended.insert(id, (status.state(), message));
                    if seen.ended.len() == opts.tasks {
                        // The stream ends once the events before the stop have been taken.
                        if let Err(e) = driver.stop(false) {
                            eprintln!("stop: {e}");
                        }
                    }
                }
            }
            SchedulerEvent::Error { message } => {
                eprintln!("driver error: {message}");
                seen.error = Some(message);
            }
            _ => {}
        }
    }

    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for (state, _) in seen.ended.values() {
        *by_state.entry(format!("{state:?}")).or_default() += 1;
    }
    println!(
        "summary: registered {}, {} offer(s), {} update(s), {} of {} task(s) ended in {:.1}s",
        seen.registered.as_deref().unwrap_or("no"),
        seen.offers,
        seen.updates,
        seen.ended.len(),
        opts.tasks,
        started.elapsed().as_secs_f64()
    );
    for (state, n) in &by_state {
        println!("  {state}: {n}");
    }
    if let Some((state, message)) = seen.ended.values().next() {
        println!("  e.g. {state:?}: {message}");
    }
    if seen.registered.is_some() && seen.error.is_none() && seen.ended.len() == opts.tasks {
        ExitCode::SUCCESS
    } else {
        eprintln!("the framework did not see every task end");
        ExitCode::FAILURE
    }
}
