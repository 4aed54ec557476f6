//! mesos-rs benchmarks: the Rust bindings against a C++ framework on the same libmesos.
//!
//! ```text
//! cargo run --release -p mesos-bench -- --full     # the documented full run
//! cargo run --release -p mesos-bench -- --short    # the short form the test script runs
//! ```
//!
//! Every cluster run happens in a fresh child process (this binary re-executed with
//! `--one KIND`), because libmesos allows one in-process local cluster per process. Runs
//! alternate between Rust and C++ (ABBA order), each figure is the median of its runs, and
//! the ratios are printed; timing targets are reported, never asserted. The exit status is
//! non-zero only when a run did not complete (e.g. not every terminal update arrived).
//! See `docs/performance.md`.

mod cpp;
mod frameworks;
mod marshal;
mod placement;

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use mesos::local::LocalCluster;

/// What to run and how much of it.
#[derive(Debug, Clone)]
struct Config {
    mode: &'static str,
    only: Vec<String>,
    tasks: u32,
    e2e_trials: usize,
    e2e_agents: u32,
    storm_agents: u32,
    storm_warmup: u64,
    storm_offers: u64,
    storm_trials: usize,
    marshal_messages: u64,
    marshal_trials: usize,
    placement_trials: usize,
    timeout: Duration,
}

impl Config {
    fn full() -> Self {
        Config {
            mode: "full",
            only: vec![
                "e2e".into(),
                "storm".into(),
                "marshal".into(),
                "placement".into(),
            ],
            tasks: 2000,
            e2e_trials: 5,
            e2e_agents: 2,
            storm_agents: 50,
            storm_warmup: 1000,
            storm_offers: 100_000,
            storm_trials: 3,
            marshal_messages: 50_000,
            marshal_trials: 7,
            placement_trials: 7,
            timeout: Duration::from_secs(600),
        }
    }

    fn short() -> Self {
        Config {
            mode: "short",
            tasks: 100,
            e2e_trials: 3,
            storm_offers: 6000,
            storm_trials: 3,
            marshal_messages: 10_000,
            marshal_trials: 3,
            placement_trials: 3,
            timeout: Duration::from_secs(180),
            ..Config::full()
        }
    }

    fn wants(&self, part: &str) -> bool {
        self.only.iter().any(|p| p == part)
    }
}

/// The cluster of the end-to-end runs: every agent holds 1000 tasks' worth of cpus and mem.
const E2E_RESOURCES: &str = "cpus:10;mem:1024;disk:1024";
/// The cluster of the offer storm: many small agents.
const STORM_RESOURCES: &str = "cpus:1;mem:128;disk:128";
/// The placement benchmark: pending tasks matched against offers in one plan.
const PLACEMENT_TASKS: usize = 1000;
const PLACEMENT_OFFERS: usize = 100;
const E2E_ALLOCATION_INTERVAL: &str = "100ms";
const STORM_ALLOCATION_INTERVAL: &str = "10ms";

const USAGE: &str =
    "usage: mesos-bench [--full | --short] [--only e2e,storm,marshal,placement] [--tasks N] \
[--trials N] [--offers N] [--agents N (offer storm)] [--messages N] [--timeout-secs S]";

fn parse_args(args: &[String]) -> Result<Config, String> {
    let mut config = Config::full();
    let mut it = args.iter();
    let mut overrides = Vec::new();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--full" => config = Config::full(),
            "--short" => config = Config::short(),
            "--only" | "--tasks" | "--trials" | "--offers" | "--agents" | "--messages"
            | "--timeout-secs" => overrides.push((a.clone(), value()?)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    for (flag, v) in overrides {
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--only" => config.only = v.split(',').map(str::to_owned).collect(),
            "--tasks" => config.tasks = num(&v)? as u32,
            "--trials" => {
                let n = num(&v)? as usize;
                config.e2e_trials = n;
                config.storm_trials = n;
                config.marshal_trials = n;
                config.placement_trials = n;
            }
            "--offers" => config.storm_offers = num(&v)?,
            "--agents" => config.storm_agents = num(&v)? as u32,
            "--messages" => config.marshal_messages = num(&v)?,
            _ => config.timeout = Duration::from_secs(num(&v)?),
        }
    }
    for part in &config.only {
        if !["e2e", "storm", "marshal", "placement"].contains(&part.as_str()) {
            return Err(format!("--only: unknown part {part}"));
        }
    }
    if config.storm_offers <= config.storm_warmup {
        return Err(format!(
            "--offers must exceed the warm-up of {}",
            config.storm_warmup
        ));
    }
    Ok(config)
}

// ---- child processes: one cluster run each ----

/// Runs one cluster benchmark in this process and prints its `BENCH-RESULT` line.
fn child(args: &[String]) -> ExitCode {
    let mut kv = BTreeMap::new();
    let mut it = args.iter();
    let kind = it.next().cloned().unwrap_or_default();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        kv.insert(k.trim_start_matches("--").to_owned(), v.clone());
    }
    let get = |k: &str| -> u64 { kv.get(k).and_then(|v| v.parse().ok()).unwrap_or(0) };
    let timeout = Duration::from_secs(get("timeout").max(1));
    let agents = get("agents") as u32;
    let e2e = kind.ends_with("-e2e");
    let cluster = LocalCluster::new()
        .agents(agents)
        .resources(if e2e { E2E_RESOURCES } else { STORM_RESOURCES })
        .env(
            "MESOS_ALLOCATION_INTERVAL",
            if e2e {
                E2E_ALLOCATION_INTERVAL
            } else {
                STORM_ALLOCATION_INTERVAL
            },
        )
        .env("MESOS_QUIET", "true")
        .apply();
    let cluster = match cluster {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot prepare the local cluster: {e}");
            return ExitCode::FAILURE;
        }
    };
    let line = match kind.as_str() {
        "rust-e2e" => match frameworks::run_e2e(get("tasks") as u32, timeout) {
            Ok(o) => format!(
                "launched={} finished={} seconds={} cpu={}",
                o.launched, o.finished, o.seconds, o.cpu_seconds
            ),
            Err(e) => format!("error={e:?}"),
        },
        "cpp-e2e" => {
            let mut r = cpp::E2eResult::default();
            // SAFETY: `r` is a valid out-pointer for the call.
            unsafe { cpp::bench_cpp_e2e(get("tasks") as u32, timeout.as_secs_f64(), &mut r) };
            format!(
                "launched={} finished={} seconds={} cpu={}",
                r.launched, r.finished, r.seconds, r.cpu_seconds
            )
        }
        "rust-storm" => match frameworks::run_storm(get("warmup"), get("offers"), timeout) {
            Ok(o) => format!(
                "handled={} seconds={} cpu={} rss_first={} rss_last={}",
                o.handled, o.seconds, o.cpu_seconds, o.rss_first_kib, o.rss_last_kib
            ),
            Err(e) => format!("error={e:?}"),
        },
        "cpp-storm" => {
            let mut r = cpp::StormResult::default();
            // SAFETY: `r` is a valid out-pointer for the call.
            unsafe {
                cpp::bench_cpp_storm(get("warmup"), get("offers"), timeout.as_secs_f64(), &mut r)
            };
            format!(
                "handled={} seconds={} cpu={} rss_first={} rss_last={}",
                r.handled, r.seconds, r.cpu_seconds, r.rss_first_kib, r.rss_last_kib
            )
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

/// One finished child run.
#[derive(Debug, Clone)]
struct RunResult {
    values: BTreeMap<String, f64>,
}

impl RunResult {
    fn get(&self, k: &str) -> f64 {
        self.values.get(k).copied().unwrap_or(f64::NAN)
    }
}

/// Runs `--one kind args...` in a child process; Err when it failed or did not complete.
fn spawn(kind: &str, args: &[(&str, String)], config: &Config) -> Result<RunResult, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("--one").arg(kind);
    for (k, v) in args {
        cmd.arg(format!("--{k}")).arg(v);
    }
    cmd.arg("--timeout")
        .arg(config.timeout.as_secs().to_string());
    // libmesos' own output (one line per failed executor launch in the dev kit) is kept and
    // shown only when the run fails.
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {kind}: {e}"))?;
    let read_all = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let reader = read_all(Box::new(child.stdout.take().expect("piped stdout")));
    let err_reader = read_all(Box::new(child.stderr.take().expect("piped stderr")));
    let stderr_tail = |h: std::thread::JoinHandle<String>| {
        let text = h.join().unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        eprintln!("--- last lines of the {kind} run's stderr ---\n{tail}\n---");
    };
    // The child aborts its own driver at the timeout; this is the backstop if it hangs.
    let deadline = Instant::now() + config.timeout + Duration::from_secs(60);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                stderr_tail(err_reader);
                return Err(format!("{kind}: the child process hung and was killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{kind}: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("BENCH-RESULT "))
        .map(str::to_owned);
    let result = match line {
        None => Err(format!("{kind}: no result (exit status {status})")),
        Some(line) if !status.success() || line.starts_with("error=") => {
            Err(format!("{kind}: exit status {status}: {line}"))
        }
        Some(line) => {
            let mut values = BTreeMap::new();
            for pair in line.split_whitespace() {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                values.insert(k.to_owned(), v.parse().unwrap_or(f64::NAN));
            }
            Ok(RunResult { values })
        }
    };
    match result {
        Ok(r) => {
            drop(err_reader.join());
            Ok(r)
        }
        Err(e) => {
            stderr_tail(err_reader);
            Err(e)
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median over trials of `rust[i] / cpp[i]` (the two runs of one trial ran back to back,
/// so a slow period of the machine or a drift over the run hits both halves of a pair).
fn median_pair_ratio(rust: &[RunResult], cpp: &[RunResult], f: impl Fn(&RunResult) -> f64) -> f64 {
    median(rust.iter().zip(cpp).map(|(r, c)| f(r) / f(c)).collect())
}

/// Runs `trials` pairs of (Rust, C++) child runs in ABBA order; returns (rust, cpp).
fn interleaved(
    name: &str,
    trials: usize,
    args: &[(&str, String)],
    config: &Config,
    check: impl Fn(&RunResult) -> Result<(), String>,
    describe: impl Fn(&RunResult) -> String,
) -> Result<(Vec<RunResult>, Vec<RunResult>), String> {
    let mut rust = Vec::new();
    let mut cpp = Vec::new();
    for t in 0..trials {
        let order = if t % 2 == 0 {
            ["rust", "cpp"]
        } else {
            ["cpp", "rust"]
        };
        for side in order {
            let kind = format!("{side}-{name}");
            let r = spawn(&kind, args, config)?;
            check(&r).map_err(|e| format!("{kind} (trial {}): {e}", t + 1))?;
            println!("  trial {} {:<4} {}", t + 1, side, describe(&r));
            if side == "rust" {
                rust.push(r)
            } else {
                cpp.push(r)
            }
        }
    }
    Ok((rust, cpp))
}

/// The machine, for the report.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), {:.1} GiB RAM, load average at start {load}",
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

fn verdict(ratio: f64, target: f64) -> &'static str {
    if ratio >= target {
        "met"
    } else {
        "NOT met"
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        return child(&args[1..]);
    }
    let config = match parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mesos-bench: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: &Config) -> Result<(), String> {
    let started = Instant::now();
    println!(
        "mesos-bench ({} run): libmesos {}; {}",
        config.mode,
        mesos::mesos_version(),
        machine()
    );
    let mut summary: Vec<String> = Vec::new();
    let mut ratios: Vec<String> = Vec::new();

    if config.wants("e2e") {
        println!(
            "\n== end to end: {} tasks (cpus 0.01, mem 1) on {} agents ({E2E_RESOURCES}), \
             {} runs per side",
            config.tasks, config.e2e_agents, config.e2e_trials
        );
        let tasks = f64::from(config.tasks);
        let (rust, cpp) = interleaved(
            "e2e",
            config.e2e_trials,
            &[
                ("tasks", config.tasks.to_string()),
                ("agents", config.e2e_agents.to_string()),
            ],
            config,
            |r| {
                if r.get("finished") == tasks && r.get("seconds") > 0.0 {
                    Ok(())
                } else {
                    Err(format!(
                        "only {} of {} tasks reached a terminal state",
                        r.get("finished"),
                        config.tasks
                    ))
                }
            },
            |r| {
                format!(
                    "{:>8.2} s  {:>8.1} tasks/s  process CPU {:.2} ms/task",
                    r.get("seconds"),
                    tasks / r.get("seconds"),
                    r.get("cpu") * 1e3 / tasks
                )
            },
        )?;
        let rate = |v: &[RunResult]| median(v.iter().map(|r| tasks / r.get("seconds")).collect());
        let (r, c) = (rate(&rust), rate(&cpp));
        let ratio = r / c;
        summary.push(format!(
            "| end to end, {} tasks | {:.1} tasks/s | {:.1} tasks/s | {:.3} | >= 0.95 ({}) |",
            config.tasks,
            r,
            c,
            ratio,
            verdict(ratio, 0.95)
        ));
        ratios.push(format!("e2e_throughput_rust_over_cpp={ratio:.3}"));
        let pairs = median_pair_ratio(&rust, &cpp, |r| tasks / r.get("seconds"));
        summary.push(format!(
            "| end to end, median of the per-trial Rust / C++ ratios | | | {pairs:.3} | none (second estimator) |"
        ));
        ratios.push(format!("e2e_throughput_pairs_median={pairs:.3}"));
        let cpu = |v: &[RunResult]| median(v.iter().map(|r| r.get("cpu") * 1e3 / tasks).collect());
        let (r, c) = (cpu(&rust), cpu(&cpp));
        summary.push(format!(
            "| end to end, process CPU per task (framework + in-process master and agents) | \
             {r:.2} ms | {c:.2} ms | {:.3} | none (lower is cheaper) |",
            r / c
        ));
        ratios.push(format!("e2e_cpu_per_task_rust_over_cpp={:.3}", r / c));
    }

    if config.wants("storm") {
        println!(
            "\n== offer storm: {} agents ({STORM_RESOURCES}), allocation interval \
             {STORM_ALLOCATION_INTERVAL}, decline with refuse_seconds=0; rate from offer {} \
             to offer {}; {} runs per side",
            config.storm_agents, config.storm_warmup, config.storm_offers, config.storm_trials
        );
        let window = (config.storm_offers - config.storm_warmup) as f64;
        let (rust, cpp) = interleaved(
            "storm",
            config.storm_trials,
            &[
                ("agents", config.storm_agents.to_string()),
                ("warmup", config.storm_warmup.to_string()),
                ("offers", config.storm_offers.to_string()),
            ],
            config,
            |r| {
                if r.get("handled") >= config.storm_offers as f64 && r.get("seconds") > 0.0 {
                    Ok(())
                } else {
                    Err(format!(
                        "only {} of {} offers handled",
                        r.get("handled"),
                        config.storm_offers
                    ))
                }
            },
            |r| {
                format!(
                    "{:>8.2} s  {:>8.0} offers/s  process CPU {:>5.1} us/offer  \
                     RSS {} -> {} KiB ({:+} KiB)",
                    r.get("seconds"),
                    window / r.get("seconds"),
                    r.get("cpu") * 1e6 / window,
                    r.get("rss_first"),
                    r.get("rss_last"),
                    r.get("rss_last") - r.get("rss_first")
                )
            },
        )?;
        let rate = |v: &[RunResult]| median(v.iter().map(|r| window / r.get("seconds")).collect());
        let (r, c) = (rate(&rust), rate(&cpp));
        let ratio = r / c;
        summary.push(format!(
            "| offer storm, {} agents | {:.0} offers/s | {:.0} offers/s | {:.3} | >= 0.9 ({}) |",
            config.storm_agents,
            r,
            c,
            ratio,
            verdict(ratio, 0.9)
        ));
        ratios.push(format!("storm_offers_rust_over_cpp={ratio:.3}"));
        let pairs = median_pair_ratio(&rust, &cpp, |r| window / r.get("seconds"));
        summary.push(format!(
            "| offer storm, median of the per-trial Rust / C++ ratios | | | {pairs:.3} | none (second estimator) |"
        ));
        ratios.push(format!("storm_offers_pairs_median={pairs:.3}"));
        let cpu = |v: &[RunResult]| median(v.iter().map(|r| r.get("cpu") * 1e6 / window).collect());
        let (r, c) = (cpu(&rust), cpu(&cpp));
        summary.push(format!(
            "| offer storm, process CPU per offer (framework + in-process master and agents) | \
             {r:.1} us | {c:.1} us | {:.3} | none (lower is cheaper) |",
            r / c
        ));
        ratios.push(format!("storm_cpu_per_offer_rust_over_cpp={:.3}", r / c));
        let rss = |v: &[RunResult], k: &str| median(v.iter().map(|r| r.get(k)).collect());
        let growth = |v: &[RunResult]| {
            median(
                v.iter()
                    .map(|r| r.get("rss_last") - r.get("rss_first"))
                    .collect(),
            )
        };
        let spread = |v: &[RunResult]| {
            let g: Vec<f64> = v
                .iter()
                .map(|r| r.get("rss_last") - r.get("rss_first"))
                .collect();
            let lo = g.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = g.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{lo:+.0}..{hi:+.0}")
        };
        let k = |n: u64| format!("{}k", n / 1000);
        summary.push(format!(
            "| RSS after {} / {} offers | {:.0} / {:.0} KiB (growth {:+.0} KiB, runs {}) | \
             {:.0} / {:.0} KiB (growth {:+.0} KiB, runs {}) | {:+.0} KiB | no growth beyond C++ |",
            k(config.storm_warmup),
            k(config.storm_offers),
            rss(&rust, "rss_first"),
            rss(&rust, "rss_last"),
            growth(&rust),
            spread(&rust),
            rss(&cpp, "rss_first"),
            rss(&cpp, "rss_last"),
            growth(&cpp),
            spread(&cpp),
            growth(&rust) - growth(&cpp)
        ));
        ratios.push(format!(
            "rss_growth_kib_rust={:.0} rss_growth_kib_cpp={:.0}",
            growth(&rust),
            growth(&cpp)
        ));
    }

    let mut marshal_rows = Vec::new();
    if config.wants("marshal") {
        println!(
            "\n== marshalling: {} messages per loop, {} interleaved trials, median ns/message",
            config.marshal_messages, config.marshal_trials
        );
        marshal_rows = marshal::run(config.marshal_messages, config.marshal_trials);
        for row in &marshal_rows {
            ratios.push(format!(
                "marshal_{}_callback_over_cpp={:.3} marshal_{}_call_over_cpp={:.3}",
                row.name.to_lowercase(),
                row.callback_boundary / row.cpp_roundtrip,
                row.name.to_lowercase(),
                row.call_boundary / row.cpp_roundtrip
            ));
        }
    }

    let mut placement_rows = Vec::new();
    if config.wants("placement") {
        println!(
            "\n== placement: {} pending tasks x {} offers, {} trials, median CPU time per plan",
            PLACEMENT_TASKS, PLACEMENT_OFFERS, config.placement_trials
        );
        placement_rows = placement::run(PLACEMENT_TASKS, PLACEMENT_OFFERS, config.placement_trials);
    }

    println!(
        "\n== results ({} run, {:.0} s)",
        config.mode,
        started.elapsed().as_secs_f64()
    );
    if !summary.is_empty() {
        println!("| benchmark | Rust (median) | C++ (median) | Rust / C++ | target |");
        println!("|---|---|---|---|---|");
        for line in &summary {
            println!("{line}");
        }
    }
    if !marshal_rows.is_empty() {
        println!();
        println!(
            "| message | bytes | callback: C++ ser + Rust parse | call: Rust ser + C++ parse | \
             C++ only: ser + parse | callback / C++ | call / C++ | C++ ser | C++ parse | \
             Rust ser | Rust parse |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for r in &marshal_rows {
            println!(
                "| {} | {} | {:.0} ns | {:.0} ns | {:.0} ns | {:.2} | {:.2} | {:.0} ns | {:.0} ns | \
                 {:.0} ns | {:.0} ns |",
                r.name,
                r.bytes,
                r.callback_boundary,
                r.call_boundary,
                r.cpp_roundtrip,
                r.callback_boundary / r.cpp_roundtrip,
                r.call_boundary / r.cpp_roundtrip,
                r.cpp_serialize,
                r.cpp_parse,
                r.rust_encode,
                r.rust_decode
            );
        }
    }
    if !placement_rows.is_empty() {
        println!();
        println!(
            "| placement strategy | tasks x offers | placed | per plan | per offer | per task |"
        );
        println!("|---|---|---|---|---|---|");
        for r in &placement_rows {
            println!(
                "| {} | {} x {} | {} | {:.1} ms | {:.1} us | {:.2} us |",
                r.strategy, r.tasks, r.offers, r.placed, r.plan_ms, r.us_per_offer, r.us_per_task
            );
        }
    }
    println!();
    for r in &placement_rows {
        println!(
            "PLACEMENT {}_us_per_offer={:.1} {}_ms_per_plan={:.1}",
            r.strategy, r.us_per_offer, r.strategy, r.plan_ms
        );
    }
    for line in &ratios {
        println!("RATIO {line}");
    }
    Ok(())
}
