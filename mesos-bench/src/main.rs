//! mesos-rs benchmarks: the Rust bindings against a C++ framework on the same libmesos.
//!
//! ```text
//! cargo run --release -p mesos-bench -- --full     # the documented full run
//! cargo run --release -p mesos-bench -- --short    # the short form the test script runs
//! ```
//!
//! Every cluster run happens in a fresh child process (this binary re-executed with
//! `--one KIND`), because libmesos allows one in-process local cluster per process. Runs
//! alternate between the sides (ABBA order), figures are medians of their runs, and the
//! ratios are printed; timing targets are reported, never asserted. The exit status is
//! non-zero only when a run did not complete (not every answer or update arrived, a run
//! timed out or crashed). The agent of the update storm re-executes this binary once more,
//! as its executor (`--executor ...`).
//!
//! Two forms (`--form`, both by default): in-process, every child with its own cluster
//! (master `"local"`); and over TCP, where the storms and end to end run again against a
//! `mesos-local` in another process (one per part, the one built next to this program unless
//! `--mesos-local PATH`), the children registering with its `host:port`. See
//! `docs/performance.md`.

mod cpp;
mod frameworks;
mod marshal;
mod placement;
mod plots;
mod probe;
mod reconcile;
mod runner;
mod sampler;
mod sections;
mod stats;
mod tcp;
mod updates;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mesos::local::LocalCluster;

use crate::sampler::{QueueSlot, Sampler};

/// What to run and how much of it.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: &'static str,
    pub only: Vec<String>,
    pub out: PathBuf,
    /// Reconciliation storm sizes and trials per side and size.
    pub reconcile_sizes: Vec<u64>,
    pub reconcile_trials: usize,
    /// The size at which the stream delivery and memory are measured too.
    pub throughput_n: u64,
    /// Update storm: tasks under the one executor, updates per task, trials per variant.
    pub updates_tasks: u32,
    pub updates_per_task: u32,
    pub updates_trials: usize,
    /// Latency: answers per run, runs per side.
    pub latency_n: u64,
    pub latency_trials: usize,
    /// Latency without a backlog: this many reconciliations of one task, one at a time.
    pub latency_paced_n: u64,
    /// End to end: tasks per run, interleaved pairs, bootstrap resamples.
    pub tasks: u32,
    pub e2e_pairs: usize,
    pub e2e_agents: u32,
    pub bootstrap_resamples: usize,
    /// Offer storm.
    pub storm_agents: u32,
    pub storm_warmup: u64,
    pub storm_offers: u64,
    pub storm_trials: usize,
    /// Marshalling: messages per loop, trials; resources per offer of the size series.
    pub marshal_messages: u64,
    pub marshal_trials: usize,
    pub marshal_sizes: Vec<usize>,
    pub placement_trials: usize,
    pub timeout: Duration,
    /// Run the cluster parts with the master in the framework's process (master `"local"`).
    pub in_process: bool,
    /// Run the storms and end to end against a `mesos-local` in another process, too.
    pub tcp: bool,
    /// The `mesos-local` program of the TCP form.
    pub mesos_local: PathBuf,
    /// The master the children register with: None for `"local"`, else the TCP form's.
    pub master: Option<String>,
}

/// Every part, in the order they run.
pub const PARTS: [&str; 8] = [
    "reconcile",
    "updates",
    "latency",
    "marshal",
    "e2e",
    "storm",
    "placement",
    "plots",
];

impl Config {
    fn full() -> Self {
        Config {
            mode: "full",
            only: PARTS.iter().map(|s| s.to_string()).collect(),
            out: PathBuf::from("target").join("mesos-bench"),
            reconcile_sizes: vec![1_000, 10_000, 50_000, 100_000],
            reconcile_trials: 5,
            throughput_n: 100_000,
            updates_tasks: 500,
            updates_per_task: 30,
            updates_trials: 3,
            latency_n: 100_000,
            latency_trials: 2,
            latency_paced_n: 20_000,
            tasks: 400,
            e2e_pairs: 10,
            e2e_agents: 2,
            bootstrap_resamples: 10_000,
            storm_agents: 50,
            storm_warmup: 1000,
            storm_offers: 20_000,
            storm_trials: 2,
            marshal_messages: 20_000,
            marshal_trials: 5,
            marshal_sizes: vec![1, 10, 100, 1000],
            placement_trials: 7,
            timeout: Duration::from_secs(600),
            in_process: true,
            tcp: true,
            mesos_local: tcp::default_program(),
            master: None,
        }
    }

    fn short() -> Self {
        Config {
            mode: "short",
            reconcile_sizes: vec![1_000, 10_000],
            reconcile_trials: 2,
            throughput_n: 10_000,
            updates_tasks: 100,
            updates_per_task: 10,
            updates_trials: 2,
            latency_n: 10_000,
            latency_trials: 1,
            latency_paced_n: 2_000,
            tasks: 100,
            e2e_pairs: 3,
            storm_offers: 6000,
            storm_trials: 1,
            marshal_messages: 2_000,
            marshal_trials: 3,
            placement_trials: 3,
            timeout: Duration::from_secs(180),
            ..Config::full()
        }
    }

    pub fn wants(&self, part: &str) -> bool {
        self.only.iter().any(|p| p == part)
    }
}

const USAGE: &str = "usage: mesos-bench [--full | --short] [--only PART,...] [--out DIR] \
[--sizes N,...] [--trials N] [--tasks N] [--pairs N] [--updates TASKSxPER_TASK] \
[--latency-n N] [--offers N] [--agents N] [--messages N] [--timeout-secs S] \
[--form in-process|tcp|both] [--mesos-local PATH]
parts: reconcile, updates, latency, marshal, e2e, storm, placement, plots
forms: in-process (master \"local\"), tcp (the reconciliation and update storms, end to end and
the offer storm against a mesos-local in another process, by default the one next to this
program); both by default";

fn parse_args(args: &[String]) -> Result<Config, String> {
    let mut config = Config::full();
    let mut it = args.iter();
    let mut overrides = Vec::new();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--full" => config = Config::full(),
            "--short" => config = Config::short(),
            "--only" | "--out" | "--sizes" | "--trials" | "--tasks" | "--pairs" | "--updates"
            | "--latency-n" | "--offers" | "--agents" | "--messages" | "--timeout-secs"
            | "--form" | "--mesos-local" => overrides.push((a.clone(), value()?)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    for (flag, v) in overrides {
        let num = |v: &str| v.trim().parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--only" => config.only = v.split(',').map(str::to_owned).collect(),
            "--out" => config.out = PathBuf::from(v),
            "--sizes" => {
                config.reconcile_sizes = v.split(',').map(num).collect::<Result<_, _>>()?;
                config.throughput_n = config.reconcile_sizes.iter().copied().max().unwrap_or(0);
            }
            "--trials" => {
                let n = num(&v)? as usize;
                config.reconcile_trials = n;
                config.updates_trials = n;
                config.latency_trials = n;
                config.storm_trials = n;
                config.marshal_trials = n;
                config.placement_trials = n;
            }
            "--tasks" => config.tasks = num(&v)? as u32,
            "--pairs" => config.e2e_pairs = num(&v)? as usize,
            "--updates" => {
                let (t, k) = v
                    .split_once('x')
                    .ok_or(format!("--updates: expected TASKSxPER_TASK, got {v}"))?;
                config.updates_tasks = num(t)? as u32;
                config.updates_per_task = num(k)? as u32;
            }
            "--latency-n" => config.latency_n = num(&v)?,
            "--offers" => config.storm_offers = num(&v)?,
            "--agents" => config.storm_agents = num(&v)? as u32,
            "--messages" => config.marshal_messages = num(&v)?,
            "--form" => {
                (config.in_process, config.tcp) = match v.as_str() {
                    "in-process" => (true, false),
                    "tcp" => (false, true),
                    "both" => (true, true),
                    _ => return Err(format!("--form: in-process, tcp or both, not {v}")),
                }
            }
            "--mesos-local" => config.mesos_local = PathBuf::from(v),
            _ => config.timeout = Duration::from_secs(num(&v)?),
        }
    }
    for part in &config.only {
        if !PARTS.contains(&part.as_str()) {
            return Err(format!("--only: unknown part {part}\n{USAGE}"));
        }
    }
    if config.storm_offers <= config.storm_warmup {
        return Err(format!(
            "--offers must exceed the warm-up of {}",
            config.storm_warmup
        ));
    }
    if config.reconcile_sizes.is_empty() || config.reconcile_sizes.contains(&0) {
        return Err("--sizes: give one or more sizes above 0".into());
    }
    if config.updates_tasks == 0 || config.updates_per_task == 0 || config.updates_tasks > 2000 {
        return Err("--updates: 1 to 2000 tasks, at least 1 update per task".into());
    }
    Ok(config)
}

// ---- child processes: one cluster run each ----

/// The cluster of the end-to-end runs: every agent holds 1000 tasks' worth of cpus and mem.
pub const E2E_RESOURCES: &str = "cpus:10;mem:1024;disk:1024";
/// The cluster of the offer storm: many small agents.
pub const STORM_RESOURCES: &str = "cpus:1;mem:128;disk:128";
/// The one agent of the reconciliation and update storms (room for 2000 storm tasks).
pub const UPDATES_RESOURCES: &str = "cpus:32;mem:8192;disk:1024";
pub const E2E_ALLOCATION_INTERVAL: &str = "100ms";
pub const STORM_ALLOCATION_INTERVAL: &str = "10ms";
/// How often the storm children read their RSS and queue depth.
const SAMPLE_PERIOD: Duration = Duration::from_millis(5);

/// Runs one cluster benchmark in this process and prints its `BENCH-RESULT` line.
fn child(args: &[String]) -> ExitCode {
    let mut kv = BTreeMap::new();
    let mut it = args.iter();
    let kind = it.next().cloned().unwrap_or_default();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        kv.insert(k.trim_start_matches("--").to_owned(), v.clone());
    }
    let get = |k: &str| -> u64 { kv.get(k).and_then(|v| v.parse().ok()).unwrap_or(0) };
    let text = |k: &str| kv.get(k).cloned().unwrap_or_default();
    let timeout = Duration::from_secs(get("timeout").max(1));
    let (resources, interval, agents) = match kind.as_str() {
        k if k.ends_with("-e2e") => (E2E_RESOURCES, E2E_ALLOCATION_INTERVAL, get("agents")),
        k if k.ends_with("-storm") => (STORM_RESOURCES, STORM_ALLOCATION_INTERVAL, get("agents")),
        _ => (UPDATES_RESOURCES, "1secs", 1),
    };
    // Against a master in another process (`--master host:port`, the TCP form) this process
    // holds the framework only; else the cluster is in this process, master "local".
    let master = text("master");
    let cluster = if master.is_empty() || master == "local" {
        // Before any other thread exists: LocalCluster::apply changes the environment.
        let cluster = LocalCluster::new()
            .agents(agents as u32)
            .resources(resources)
            .env("MESOS_ALLOCATION_INTERVAL", interval)
            .env("MESOS_QUIET", "true")
            .apply();
        match cluster {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("cannot prepare the local cluster: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        if let Err(e) = frameworks::set_master(&master) {
            return fail(&e);
        }
        None
    };
    let sampled = !kind.ends_with("-e2e") && !kind.ends_with("-storm");
    let slot = QueueSlot::default();
    let sampler = sampled.then(|| Sampler::start(SAMPLE_PERIOD, slot.clone()));
    let stream = text("path") == "stream";
    let line = match kind.as_str() {
        "rust-e2e" => {
            frameworks::run_e2e(get("tasks") as u32, timeout).map_or_else(error_line, e2e_line)
        }
        "cpp-e2e" => {
            let mut r = cpp::E2eResult::default();
            // SAFETY: `r` is a valid out-pointer for the call.
            unsafe { cpp::bench_cpp_e2e(get("tasks") as u32, timeout.as_secs_f64(), &mut r) };
            e2e_line(r)
        }
        "rust-storm" => frameworks::run_storm(get("warmup"), get("offers"), timeout)
            .map_or_else(error_line, storm_line),
        "cpp-storm" => {
            let mut r = cpp::StormResult::default();
            // SAFETY: `r` is a valid out-pointer for the call.
            unsafe {
                cpp::bench_cpp_storm(get("warmup"), get("offers"), timeout.as_secs_f64(), &mut r)
            };
            storm_line(r)
        }
        "rust-reconcile" | "rust-latency" => {
            let latency = kind == "rust-latency";
            let probed = if stream {
                probe::stream_available()
            } else {
                probe::available()
            };
            if latency && !probed {
                "probe=0 answered=0".to_string()
            } else {
                match reconcile::run(get("n"), get("batch"), stream, latency, timeout, &slot) {
                    Ok(o) => {
                        if let Err(e) = write_samples(&text("samples-dir"), &o.latency) {
                            eprintln!("{e}");
                        }
                        let samples = sampler.expect("sampled").finish();
                        reconcile_line(&o, samples, o.latency.len())
                    }
                    Err(e) => error_line(e),
                }
            }
        }
        "cpp-reconcile" | "cpp-latency" => {
            let n = get("n");
            let mut samples = if kind == "cpp-latency" {
                vec![0u64; n as usize]
            } else {
                Vec::new()
            };
            let mut o = reconcile::Outcome::default();
            let ptr = if samples.is_empty() {
                std::ptr::null_mut()
            } else {
                samples.as_mut_ptr()
            };
            // SAFETY: `o.r` is a valid out-pointer; `ptr` is NULL or has room for n values.
            unsafe {
                cpp::bench_cpp_reconcile(n, get("batch"), timeout.as_secs_f64(), ptr, &mut o.r)
            };
            samples.truncate(o.r.samples as usize);
            if let Err(e) = write_samples(&text("samples-dir"), &samples) {
                eprintln!("{e}");
            }
            reconcile_line(&o, sampler.expect("sampled").finish(), samples.len())
        }
        "rust-updates" => {
            let o = updates::Options {
                tasks: get("tasks") as u32,
                per_task: get("per-task") as u32,
                stream,
                explicit: text("acks") != "implicit",
                ready_file: ready_file(&text("ready-dir")),
                timeout,
            };
            match updates::run(&o, &slot) {
                Ok(out) => updates_line(&out, sampler.expect("sampled").finish()),
                Err(e) => error_line(e),
            }
        }
        "cpp-updates" => {
            let tasks = get("tasks") as u32;
            let per_task = get("per-task") as u32;
            let ready = ready_file(&text("ready-dir"));
            let info = match updates::executor_info(tasks, per_task, &ready) {
                Ok(i) => mesos::__bench::encode(&i),
                Err(e) => return fail(&e),
            };
            let Ok(ready_c) = std::ffi::CString::new(ready.to_string_lossy().into_owned()) else {
                return fail("the ready file's path has a NUL byte");
            };
            let mut o = updates::Outcome::default();
            // SAFETY: pointer and length describe `info`; `ready_c` is a C string; `o.r` is a
            // valid out-pointer; all outlive the call.
            unsafe {
                cpp::bench_cpp_updates(
                    tasks,
                    per_task,
                    info.as_ptr(),
                    info.len(),
                    ready_c.as_ptr(),
                    i32::from(text("acks") == "implicit"),
                    timeout.as_secs_f64(),
                    &mut o.r,
                )
            };
            updates_line(&o, sampler.expect("sampled").finish())
        }
        other => {
            eprintln!("unknown run kind {other}");
            return ExitCode::from(2);
        }
    };
    drop(cluster);
    println!("BENCH-RESULT {line}");
    ExitCode::SUCCESS
}

fn fail(e: &str) -> ExitCode {
    eprintln!("{e}");
    println!("BENCH-RESULT error={e:?}");
    ExitCode::FAILURE
}

fn error_line(e: String) -> String {
    format!("error={e:?}")
}

fn e2e_line(r: cpp::E2eResult) -> String {
    format!(
        "launched={} finished={} seconds={} cpu={}",
        r.launched, r.finished, r.seconds, r.cpu_seconds
    )
}

fn storm_line(r: cpp::StormResult) -> String {
    format!(
        "handled={} seconds={} cpu={} rss_first={} rss_last={}",
        r.handled, r.seconds, r.cpu_seconds, r.rss_first_kib, r.rss_last_kib
    )
}

/// The result line of a sampled storm: its own `fields`, then the RSS at the window's ends
/// and the peaks (RSS, Rust queue) the sampler saw in between.
fn sampled_line(
    error: &Option<String>,
    window: &cpp::Window,
    peak_queued: usize,
    samples: Vec<sampler::Sample>,
    fields: String,
) -> String {
    if let Some(e) = error {
        return format!("error={e:?}");
    }
    let w = window;
    let (rss_peak, queue_sampled) = sampler::peaks(
        &samples,
        w.start_ns,
        w.end_ns,
        &[w.rss_start_kib, w.rss_end_kib],
    );
    format!(
        "{fields} rss_start={} rss_peak={rss_peak} rss_end={} queue_peak={peak_queued} \
         queue_sampled={queue_sampled}",
        w.rss_start_kib, w.rss_end_kib
    )
}

fn reconcile_line(o: &reconcile::Outcome, samples: Vec<sampler::Sample>, latency: usize) -> String {
    let r = &o.r;
    let fields = format!(
        "answered={} bad={} seconds={} call_seconds={} call_cpu_seconds={} samples={latency} \
         probe=1",
        r.answered, r.bad, r.seconds, r.call_seconds, r.call_cpu_seconds
    );
    sampled_line(&o.error, &r.window, o.peak_queued, samples, fields)
}

fn updates_line(o: &updates::Outcome, samples: Vec<sampler::Sample>) -> String {
    let r = &o.r;
    let fields = format!(
        "distinct={} timed={} duplicates={} missing_uuid={} bad={} seconds={}",
        r.distinct, r.timed, r.duplicates, r.missing_uuid, r.bad, r.seconds
    );
    sampled_line(&o.error, &r.window, o.peak_queued, samples, fields)
}

/// The update storm's ready file: one per child, in the directory the parent chose.
fn ready_file(dir: &str) -> PathBuf {
    PathBuf::from(dir).join(format!("ready-{}", std::process::id()))
}

/// Latency samples go to a file (little-endian u64s) in `dir`, named after this process:
/// too many for the result line.
fn write_samples(dir: &str, samples: &[u64]) -> Result<(), String> {
    if dir.is_empty() || samples.is_empty() {
        return Ok(());
    }
    let path = PathBuf::from(dir).join(format!("{}.bin", std::process::id()));
    let mut bytes = Vec::with_capacity(samples.len() * 8);
    for s in samples {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|e| {
            format!(
                "cannot write the latency samples to {}: {e}",
                path.display()
            )
        })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--one") => return child(&args[1..]),
        Some("--executor") => return updates::run_executor(&args[1..]),
        _ => {}
    }
    let config = match parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match sections::run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mesos-bench: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
