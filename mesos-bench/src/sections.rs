//! The parts of a bench run: each runs its children (or loops), prints its runs as they
//! finish, and adds Markdown tables and `RATIO` lines to the report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::plots::{self, Axes, Series};
use crate::runner::{self, interleaved, RunResult, Side};
use crate::stats::{self, bootstrap_ratio_of_means, interval_verdict, linear_fit, median};
use crate::tcp::{MesosLocal, Spec};
use crate::{marshal, placement, probe, Config};
use crate::{
    E2E_ALLOCATION_INTERVAL, E2E_RESOURCES, STORM_ALLOCATION_INTERVAL, STORM_RESOURCES,
    UPDATES_RESOURCES,
};

/// What the parts print at the end, and what the charts need.
#[derive(Default)]
struct Report {
    tables: Vec<String>,
    ratios: Vec<String>,
    /// label -> (N, updates/s medians)
    throughput: Vec<Series>,
    latency: Vec<(String, Vec<u64>)>,
    marshal: Vec<Series>,
    /// Appended to the tables' titles: which form (master in or out of the process) ran.
    form: &'static str,
}

impl Report {
    fn table(&mut self, title: &str, head: &str, rows: &[String]) {
        let cols = head.matches('|').count() - 1;
        let form = self.form;
        let mut t = format!("\n### {title}{form}\n\n{head}\n|{}\n", "---|".repeat(cols));
        for r in rows {
            t.push_str(r);
            t.push('\n');
        }
        self.tables.push(t);
    }
}

/// A scratch directory for the children's files (ready files, latency samples), removed at
/// the end of the run.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("mesos-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }

    fn dir(&self, name: &str) -> Result<String, String> {
        let d = self.0.join(name);
        std::fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        Ok(d.to_string_lossy().into_owned())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn k(n: u64) -> String {
    if n >= 1000 && n % 1000 == 0 {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

fn verdict(ratio: f64, target: f64) -> &'static str {
    if ratio >= target {
        "met"
    } else {
        "NOT met"
    }
}

fn medians(runs: &[RunResult], f: impl Fn(&RunResult) -> f64) -> f64 {
    median(runs.iter().map(f).collect())
}

/// The median over trials of `a[i] / b[i]` (runs of one trial ran back to back).
/// A run completed when its count `key` reached `want` and its clock ran; else says how far
/// it got.
fn reached(r: &RunResult, key: &str, want: f64, what: &str) -> Result<(), String> {
    if r.get(key) >= want && r.get("seconds") > 0.0 {
        Ok(())
    } else {
        Err(format!("only {} of {want} {what}", r.get(key)))
    }
}

/// A run of `count` units (end to end, offer storm): seconds, units per second, and process
/// CPU per unit (`scale` per second, e.g. 1e3 for `ms`).
fn cpu_rate_line(r: &RunResult, count: f64, unit: &str, scale: f64, scale_unit: &str) -> String {
    format!(
        "{:>8.2} s  {:>8.1} {unit}s/s  process CPU {:>6.2} {scale_unit}/{unit}",
        r.get("seconds"),
        count / r.get("seconds"),
        r.get("cpu") * scale / count
    )
}

fn pair_ratio(a: &[RunResult], b: &[RunResult], f: impl Fn(&RunResult) -> f64) -> f64 {
    median(a.iter().zip(b).map(|(x, y)| f(x) / f(y)).collect())
}

pub fn run(config: &Config) -> Result<(), String> {
    let started = Instant::now();
    println!(
        "mesos-bench ({} run): libmesos {}; {}",
        config.mode,
        mesos::mesos_version(),
        runner::machine()
    );
    let scratch = Scratch::new()?;
    let mut report = Report::default();
    if config.in_process {
        if config.wants("reconcile") {
            reconcile(config, &mut report)?;
        }
        if config.wants("updates") {
            updates(config, &scratch, &mut report)?;
        }
        if config.wants("latency") {
            latency(config, &scratch, &mut report)?;
        }
    }
    if config.wants("marshal") {
        marshalling(config, &mut report);
    }
    if config.in_process {
        if config.wants("e2e") {
            e2e(config, &mut report)?;
        }
        if config.wants("storm") {
            offer_storm(config, &mut report)?;
        }
    }
    if config.wants("placement") {
        placement_part(config, &mut report);
    }
    if config.tcp {
        over_tcp(config, &scratch, &mut report)?;
    }
    println!(
        "\n== results ({} run, {:.0} s; load average at the end {})",
        config.mode,
        started.elapsed().as_secs_f64(),
        runner::load()
    );
    for t in &report.tables {
        print!("{t}");
    }
    if config.wants("plots") {
        // A chart that cannot be written is reported, but every run did complete.
        if let Err(e) = charts(config, &report) {
            eprintln!("mesos-bench: no charts: {e}");
        }
    }
    println!();
    for line in &report.ratios {
        println!("RATIO {line}");
    }
    Ok(())
}

/// The TCP form: the storms and end to end again, each part against a fresh `mesos-local` in
/// another process (the cluster its in-process form has), with Rust and C++ runs interleaved
/// against that same master. Its tables say "over TCP" and its ratios start with `tcp_`.
fn over_tcp(config: &Config, scratch: &Scratch, report: &mut Report) -> Result<(), String> {
    type Part = fn(&Config, &Scratch, &mut Report) -> Result<(), String>;
    let one_agent = Spec {
        agents: 1,
        resources: UPDATES_RESOURCES,
        allocation_interval: "1secs",
    };
    let parts: [(&str, Spec, Part); 4] = [
        ("reconcile", one_agent, |c, _, r| reconcile(c, r)),
        ("updates", one_agent, updates),
        (
            "e2e",
            Spec {
                agents: config.e2e_agents,
                resources: E2E_RESOURCES,
                allocation_interval: E2E_ALLOCATION_INTERVAL,
            },
            |c, _, r| e2e(c, r),
        ),
        (
            "storm",
            Spec {
                agents: config.storm_agents,
                resources: STORM_RESOURCES,
                allocation_interval: STORM_ALLOCATION_INTERVAL,
            },
            |c, _, r| offer_storm(c, r),
        ),
    ];
    report.form = " — over TCP, master in another process (mesos-local)";
    let first_ratio = report.ratios.len();
    for (name, spec, part) in parts {
        if !config.wants(name) {
            continue;
        }
        let cluster = MesosLocal::start(&config.mesos_local, &spec)?;
        println!(
            "\n==== over TCP: {name} against mesos-local at {} ({} agent(s), {})",
            cluster.address, spec.agents, spec.resources
        );
        let tcp_config = Config {
            master: Some(cluster.address.clone()),
            ..config.clone()
        };
        // On an error the cluster is dropped, which stops it too.
        part(&tcp_config, scratch, report)?;
        cluster.stop()?;
    }
    report.form = "";
    for line in &mut report.ratios[first_ratio..] {
        *line = line
            .split_whitespace()
            .map(|kv| format!("tcp_{kv}"))
            .collect::<Vec<_>>()
            .join(" ");
    }
    Ok(())
}

// ---- 1. reconciliation storm (and the memory figures of its largest N) ----

fn reconcile(config: &Config, report: &mut Report) -> Result<(), String> {
    println!(
        "\n== reconciliation storm: explicit reconciliation of N unknown tasks, N = {}; \
         {} interleaved runs per side and N",
        config
            .reconcile_sizes
            .iter()
            .map(|&n| k(n))
            .collect::<Vec<_>>()
            .join(", "),
        config.reconcile_trials
    );
    let mut rows = Vec::new();
    let mut growth_rows = Vec::new();
    let mut mem_rows = Vec::new();
    let mut points: [Vec<(f64, f64)>; 3] = Default::default();
    let mut med: [Vec<(f64, f64)>; 3] = Default::default();
    let labels = ["Rust (trait)", "C++", "Rust (stream)"];
    for &n in &config.reconcile_sizes {
        let args = [("n", n.to_string())];
        let mut sides = vec![
            Side::new(labels[0], "rust-reconcile", &args),
            Side::new(labels[1], "cpp-reconcile", &args),
        ];
        if n == config.throughput_n {
            let mut a = args.to_vec();
            a.push(("path", "stream".into()));
            sides.push(Side::new(labels[2], "rust-reconcile", &a));
        }
        println!("-- N = {n}");
        let runs = interleaved(
            &sides,
            config.reconcile_trials,
            config,
            |_, r| reached(r, "answered", n as f64, "answers arrived"),
            |_, r| {
                format!(
                    "{:>7.3} s {:>8.0} updates/s  call {:>6.1} ms (CPU {:>6.1} ms)  \
                     RSS {} / {} / {} KiB  queue peak {}  other updates {}",
                    r.get("seconds"),
                    n as f64 / r.get("seconds"),
                    r.get("call_seconds") * 1e3,
                    r.get("call_cpu_seconds") * 1e3,
                    r.get("rss_start"),
                    r.get("rss_peak"),
                    r.get("rss_end"),
                    r.get("queue_peak"),
                    r.get("bad")
                )
            },
        )?;
        let rate = |r: &RunResult| n as f64 / r.get("seconds");
        for (i, side_runs) in runs.iter().enumerate() {
            let idx = labels
                .iter()
                .position(|l| *l == sides[i].label)
                .unwrap_or(0);
            for r in side_runs {
                points[idx].push((n as f64, r.get("seconds")));
            }
            med[idx].push((n as f64, medians(side_runs, rate)));
        }
        let (rust, cpp) = (&runs[0], &runs[1]);
        let (r, c) = (medians(rust, rate), medians(cpp, rate));
        let call = |v: &[RunResult]| medians(v, |r| r.get("call_seconds") * 1e3);
        let cpu = |v: &[RunResult]| medians(v, |r| r.get("call_cpu_seconds") * 1e3);
        let call_ratio = call(rust) / call(cpp);
        rows.push(format!(
            "| {} | {r:.0} | {c:.0} | {:.3} | {:.3} | {} | {:.1} ms (CPU {:.1}) | {:.1} ms \
             (CPU {:.1}) | {call_ratio:.2} ({:.2}) | {} |",
            k(n),
            r / c,
            pair_ratio(rust, cpp, rate),
            verdict(r / c, 0.95),
            call(rust),
            cpu(rust),
            call(cpp),
            cpu(cpp),
            pair_ratio(rust, cpp, |r| r.get("call_seconds")),
            if call_ratio <= 1.5 { "met" } else { "NOT met" }
        ));
        report.ratios.push(format!(
            "reconcile_{}_rust_over_cpp={:.3} reconcile_{}_pairs_median={:.3} \
             reconcile_{}_call_rust_over_cpp={call_ratio:.3} reconcile_{}_call_cpu_rust_over_cpp={:.3}",
            k(n),
            r / c,
            k(n),
            pair_ratio(rust, cpp, rate),
            k(n),
            k(n),
            cpu(rust) / cpu(cpp)
        ));
        if let Some(stream) = runs.get(2) {
            let s = medians(stream, rate);
            rows.push(format!(
                "| {} (stream delivery) | {s:.0} | {c:.0} | {:.3} | {:.3} | {} | {:.1} ms (CPU {:.1}) \
                 | | {:.2} | {} |",
                k(n),
                s / c,
                pair_ratio(stream, cpp, rate),
                verdict(s / c, 0.95),
                call(stream),
                cpu(stream),
                call(stream) / call(cpp),
                if call(stream) / call(cpp) <= 1.5 { "met" } else { "NOT met" }
            ));
            report
                .ratios
                .push(format!("reconcile_{}_stream_over_cpp={:.3}", k(n), s / c));
        }
        if n == config.throughput_n {
            for (label, side_runs) in [("Rust", rust), ("C++", cpp)]
                .into_iter()
                .chain(runs.get(2).map(|s| ("Rust (stream)", s)))
            {
                let m = |key: &str| medians(side_runs, |r| r.get(key));
                let spread = |key: &str| {
                    let v: Vec<f64> = side_runs.iter().map(|r| r.get(key)).collect();
                    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    format!("{lo:.0}..{hi:.0}")
                };
                mem_rows.push(format!(
                    "| {label} | {:.0} | {:.0} (runs {}) | {:.0} | {:+.0} | {} |",
                    m("rss_start"),
                    m("rss_peak"),
                    spread("rss_peak"),
                    m("rss_end"),
                    m("rss_peak") - m("rss_start"),
                    if label == "C++" {
                        "(none: libmesos' own queue)".to_string()
                    } else {
                        format!("{:.0} (runs {})", m("queue_peak"), spread("queue_peak"))
                    }
                ));
            }
            let peak = |v: &[RunResult]| medians(v, |r| r.get("rss_peak"));
            let ratio = peak(rust) / peak(cpp);
            mem_rows.push(format!(
                "| Rust / C++ peak RSS | | {ratio:.3} | | | target <= 1.05 ({}) |",
                if ratio <= 1.05 { "met" } else { "NOT met" }
            ));
            report.ratios.push(format!(
                "rss_peak_{}_rust_over_cpp={ratio:.3} queue_peak_{}_rust={:.0}",
                k(n),
                k(n),
                medians(rust, |r| r.get("queue_peak"))
            ));
        }
    }
    // Growth: time per update against the smallest N, and a line through every run.
    let n0 = config.reconcile_sizes[0] as f64;
    for (idx, label) in labels.iter().enumerate().take(2) {
        let per_update: Vec<(f64, f64)> =
            med[idx].iter().map(|&(n, rate)| (n, 1e6 / rate)).collect();
        let base = per_update
            .iter()
            .find(|p| p.0 == n0)
            .map_or(f64::NAN, |p| p.1);
        let fit = linear_fit(&points[idx]);
        growth_rows.push(format!(
            "| {label} | {} | {:.2} us | {:.1} ms | {:.4} |",
            per_update
                .iter()
                .map(|&(n, us)| format!("{}: {us:.2} us ({:.2}x)", k(n as u64), us / base))
                .collect::<Vec<_>>()
                .join(", "),
            fit.slope * 1e6,
            fit.intercept * 1e3,
            fit.r2
        ));
        report.ratios.push(format!(
            "reconcile_fit_{}_us_per_update={:.3} reconcile_fit_{}_r2={:.4}",
            if idx == 0 { "rust" } else { "cpp" },
            fit.slope * 1e6,
            if idx == 0 { "rust" } else { "cpp" },
            fit.r2
        ));
    }
    report.table(
        "Reconciliation storm (updates/s, medians; ratio = Rust / C++)",
        "| N | Rust | C++ | ratio of medians | median of per-trial ratios | target >= 0.95 | call, Rust | call, C++ | call ratio (per-trial) | call target <= 1.5 |",
        &rows,
    );
    report.table(
        "Reconciliation storm: growth with N (time per update at each N, relative to the \
         smallest N; least-squares line through every run's (N, seconds))",
        "| side | time per update at N (x of smallest N) | slope | intercept | R^2 |",
        &growth_rows,
    );
    if !mem_rows.is_empty() {
        report.table(
            &format!(
                "Memory through the {} storm (VmRSS KiB, medians; sampled every 5 ms between \
                 the call and the last answer) and the Rust queue's peak depth",
                k(config.throughput_n)
            ),
            "| side | RSS at the call | peak RSS | RSS at the last answer | peak - start | queue peak (events) |",
            &mem_rows,
        );
    }
    for (idx, label) in labels.iter().enumerate() {
        if !med[idx].is_empty() {
            report.throughput.push(Series {
                label: format!(
                    "{label}, reconciliation answers{}",
                    if config.master.is_some() { ", TCP" } else { "" }
                ),
                points: med[idx].clone(),
            });
        }
    }
    Ok(())
}

// ---- 2. update storm with acknowledgements ----

fn updates(config: &Config, scratch: &Scratch, report: &mut Report) -> Result<(), String> {
    let (t, per) = (config.updates_tasks, config.updates_per_task);
    let total = u64::from(t) * u64::from(per);
    println!(
        "\n== update storm: {t} tasks under one executor x {per} TASK_RUNNING updates each = \
         {total} updates with uuids; {} interleaved runs per variant",
        config.updates_trials
    );
    let dir = scratch.dir("ready")?;
    let base = |acks: &str| {
        vec![
            ("tasks", t.to_string()),
            ("per-task", per.to_string()),
            ("acks", acks.to_string()),
            ("ready-dir", dir.clone()),
        ]
    };
    let with_path = |mut a: Vec<(&'static str, String)>, p: &str| {
        a.push(("path", p.into()));
        a
    };
    let sides = vec![
        Side::new(
            "Rust trait, explicit",
            "rust-updates",
            &with_path(base("explicit"), "trait"),
        ),
        Side::new(
            "Rust stream, explicit",
            "rust-updates",
            &with_path(base("explicit"), "stream"),
        ),
        Side::new("C++, explicit", "cpp-updates", &base("explicit")),
        Side::new(
            "Rust trait, implicit",
            "rust-updates",
            &with_path(base("implicit"), "trait"),
        ),
        Side::new(
            "Rust stream, implicit",
            "rust-updates",
            &with_path(base("implicit"), "stream"),
        ),
        Side::new("C++, implicit", "cpp-updates", &base("implicit")),
    ];
    let timed = |r: &RunResult| (r.get("distinct") - 1.0) / r.get("seconds");
    let runs = interleaved(
        &sides,
        config.updates_trials,
        config,
        |_, r| {
            reached(r, "distinct", total as f64, "updates arrived")?;
            if r.get("missing_uuid") != 0.0 {
                Err(format!("{} updates had no uuid", r.get("missing_uuid")))
            } else {
                Ok(())
            }
        },
        |_, r| {
            format!(
                "{:>7.3} s {:>8.0} updates/s  duplicates {}  RSS {} / {} / {} KiB  queue peak {}",
                r.get("seconds"),
                timed(r),
                r.get("duplicates"),
                r.get("rss_start"),
                r.get("rss_peak"),
                r.get("rss_end"),
                r.get("queue_peak")
            )
        },
    )?;
    let mut rows = Vec::new();
    for (rust_i, cpp_i) in [(0, 2), (1, 2), (3, 5), (4, 5)] {
        let (r, c) = (medians(&runs[rust_i], timed), medians(&runs[cpp_i], timed));
        rows.push(format!(
            "| {} | {r:.0} | {} | {c:.0} | {:.3} | {:.3} | {} |",
            sides[rust_i].label,
            sides[cpp_i].label,
            r / c,
            pair_ratio(&runs[rust_i], &runs[cpp_i], timed),
            verdict(r / c, 0.95)
        ));
        report.ratios.push(format!(
            "updates_{}_rust_over_cpp={:.3}",
            sides[rust_i]
                .label
                .to_lowercase()
                .replace("rust ", "")
                .replace(", ", "_"),
            r / c
        ));
    }
    report.table(
        &format!(
            "Update storm: {t} tasks x {per} updates from one executor, every update with a \
             uuid (updates/s after the gate, medians)"
        ),
        "| Rust variant | Rust | C++ variant | C++ | ratio of medians | median of per-trial ratios | target >= 0.95 |",
        &rows,
    );
    Ok(())
}

// ---- 3. callback latency ----

fn read_samples(dir: &str) -> Vec<u64> {
    let mut all = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return all;
    };
    for e in entries.flatten() {
        if let Ok(bytes) = std::fs::read(e.path()) {
            all.extend(
                bytes
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
            );
        }
    }
    all
}

fn latency(config: &Config, scratch: &Scratch, report: &mut Report) -> Result<(), String> {
    let modes = [
        ("storm", config.latency_n, 0u64),
        ("paced", config.latency_paced_n, 1u64),
    ];
    let mut rows = Vec::new();
    for (mode, n, batch) in modes {
        println!(
            "\n== callback latency, {mode}: {} with the latency probe, {} runs per side",
            if batch == 0 {
                format!("a reconciliation storm of {n} answers")
            } else {
                format!("{n} reconciliations of one task, each sent once the previous was answered")
            },
            config.latency_trials
        );
        let mut sides = Vec::new();
        let mut add = |label: &str, kind: &str, key: &str, stream: bool| -> Result<(), String> {
            let mut args = vec![
                ("n", n.to_string()),
                ("batch", batch.to_string()),
                (
                    "samples-dir",
                    scratch.dir(&format!("latency-{mode}-{key}"))?,
                ),
            ];
            if stream {
                args.push(("path", "stream".into()));
            }
            sides.push((Side::new(label, kind, &args), key.to_string()));
            Ok(())
        };
        if probe::available() {
            add("Rust (shim entry -> trait)", "rust-latency", "rust", false)?;
        }
        add("C++ (entry -> empty user fn)", "cpp-latency", "cpp", false)?;
        if probe::stream_available() {
            add(
                "Rust (shim entry -> stream)",
                "rust-latency",
                "rust_stream",
                true,
            )?;
        }
        let only_sides: Vec<Side> = sides.iter().map(|(s, _)| s.clone()).collect();
        interleaved(
            &only_sides,
            config.latency_trials,
            config,
            |_, r| {
                if r.get("answered") == n as f64 && r.get("samples") == n as f64 {
                    Ok(())
                } else {
                    Err(format!(
                        "{} of {n} answers, {} samples",
                        r.get("answered"),
                        r.get("samples")
                    ))
                }
            },
            |_, r| {
                format!(
                    "{:>7.3} s {:>8.0} updates/s  {} samples  queue peak {}",
                    r.get("seconds"),
                    n as f64 / r.get("seconds"),
                    r.get("samples"),
                    r.get("queue_peak")
                )
            },
        )?;
        for (side, key) in &sides {
            let dir = side
                .args
                .iter()
                .find(|(k, _)| k == "samples-dir")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut v = read_samples(&dir);
            v.sort_unstable();
            let q = |p: f64| stats::quantile_sorted(&v, p) as f64 / 1e3;
            rows.push(format!(
                "| {mode} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                side.label,
                v.len(),
                q(0.5),
                q(0.99),
                q(0.999),
                q(1.0),
                if q(0.99) < 100.0 { "met" } else { "NOT met" }
            ));
            report.ratios.push(format!(
                "latency_{mode}_{key}_p50_us={:.2} latency_{mode}_{key}_p99_us={:.2} \
                 latency_{mode}_{key}_p999_us={:.2} latency_{mode}_{key}_max_us={:.2}",
                q(0.5),
                q(0.99),
                q(0.999),
                q(1.0)
            ));
            report.latency.push((format!("{}, {mode}", side.label), v));
        }
    }
    report.table(
        "Callback latency (µs, exact order statistics over every sample of every run)",
        "| load | side | samples | p50 | p99 | p99.9 | max | p99 < 100 µs |",
        &rows,
    );
    Ok(())
}

// ---- 4. marshalling ----

fn marshalling(config: &Config, report: &mut Report) {
    println!(
        "\n== marshalling: {} messages per loop (fewer for larger offers), {} interleaved \
         trials, median ns/message",
        config.marshal_messages, config.marshal_trials
    );
    let head = "| message | bytes | callback: C++ ser + Rust parse | call: Rust ser + C++ parse | \
                C++ only: ser + parse | callback / C++ | call / C++ | C++ ser | C++ parse | \
                Rust ser | Rust parse |";
    let line = |name: &str, r: &marshal::Row| {
        format!(
            "| {name} | {} | {:.0} ns | {:.0} ns | {:.0} ns | {:.2} | {:.2} | {:.0} ns | {:.0} ns | \
             {:.0} ns | {:.0} ns |",
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
        )
    };
    let rows = marshal::run(config.marshal_messages, config.marshal_trials);
    let mut lines = Vec::new();
    for row in &rows {
        lines.push(line(row.name, row));
        report.ratios.push(format!(
            "marshal_{}_callback_over_cpp={:.3} marshal_{}_call_over_cpp={:.3}",
            row.name.to_lowercase(),
            row.callback_boundary / row.cpp_roundtrip,
            row.name.to_lowercase(),
            row.call_boundary / row.cpp_roundtrip
        ));
    }
    report.table("Marshalling: realistic messages", head, &lines);
    let sized = marshal::run_sizes(
        &config.marshal_sizes,
        config.marshal_messages,
        config.marshal_trials,
    );
    let mut lines = Vec::new();
    let mut series: [Vec<(f64, f64)>; 6] = Default::default();
    for (size, row) in &sized {
        lines.push(line(&format!("Offer, {size} resources"), row));
        let x = *size as f64;
        for (i, v) in [
            row.callback_boundary,
            row.call_boundary,
            row.cpp_serialize,
            row.cpp_parse,
            row.rust_encode,
            row.rust_decode,
        ]
        .into_iter()
        .enumerate()
        {
            series[i].push((x, v));
        }
        report.ratios.push(format!(
            "marshal_offer{size}_callback_over_cpp={:.3} marshal_offer{size}_call_over_cpp={:.3}",
            row.callback_boundary / row.cpp_roundtrip,
            row.call_boundary / row.cpp_roundtrip
        ));
    }
    report.table(
        "Marshalling against offer size (resources per offer; ports with 32 ranges among them)",
        head,
        &lines,
    );
    let names = [
        "callback: C++ serialize + Rust decode",
        "call: Rust encode + shim parse",
        "C++ serialize",
        "C++ parse",
        "Rust encode",
        "Rust decode",
    ];
    report.marshal = names
        .iter()
        .zip(series)
        .map(|(n, points)| Series {
            label: (*n).into(),
            points,
        })
        .collect();
}

// ---- 5. end to end, with a bootstrap interval ----

fn e2e(config: &Config, report: &mut Report) -> Result<(), String> {
    println!(
        "\n== end to end: {} tasks (cpus 0.01, mem 1) on {} agents ({E2E_RESOURCES}), {} \
         interleaved pairs",
        config.tasks, config.e2e_agents, config.e2e_pairs
    );
    let tasks = f64::from(config.tasks);
    let args = [
        ("tasks", config.tasks.to_string()),
        ("agents", config.e2e_agents.to_string()),
    ];
    let sides = Side::pair("e2e", &args);
    let runs = interleaved(
        &sides,
        config.e2e_pairs,
        config,
        |_, r| reached(r, "finished", tasks, "tasks reached a terminal state"),
        |_, r| cpu_rate_line(r, tasks, "task", 1e3, "ms"),
    )?;
    let rate = |r: &RunResult| tasks / r.get("seconds");
    let pairs: Vec<(f64, f64)> = runs[0]
        .iter()
        .zip(&runs[1])
        .map(|(a, b)| (rate(a), rate(b)))
        .collect();
    let iv = bootstrap_ratio_of_means(
        &pairs,
        config.bootstrap_resamples,
        0.95,
        0x6d65_736f_7372_7300,
    );
    let v = interval_verdict(&iv, 0.95);
    let per_pair: Vec<String> = pairs.iter().map(|(a, b)| format!("{:.2}", a / b)).collect();
    let rows = vec![format!(
        "| {} tasks, {} pairs | {:.1} | {:.1} | {:.3} | [{:.3}, {:.3}] | {v} | {} |",
        config.tasks,
        pairs.len(),
        stats::mean(&pairs.iter().map(|p| p.0).collect::<Vec<_>>()),
        stats::mean(&pairs.iter().map(|p| p.1).collect::<Vec<_>>()),
        iv.estimate,
        iv.low,
        iv.high,
        per_pair.join(" ")
    )];
    report.table(
        &format!(
            "End to end (tasks/s; estimate = mean Rust / mean C++ over the pairs; 95 % \
             percentile bootstrap over pairs, {} resamples, fixed seed)",
            iv.resamples
        ),
        "| run | Rust mean | C++ mean | ratio | 95 % interval | verdict (>= 0.95) | per-pair ratios |",
        &rows,
    );
    report.ratios.push(format!(
        "e2e_throughput_rust_over_cpp={:.3} e2e_ci95_low={:.3} e2e_ci95_high={:.3} e2e_verdict={v}",
        iv.estimate, iv.low, iv.high
    ));
    let cpu = |v: &[RunResult]| medians(v, |r| r.get("cpu") * 1e3 / tasks);
    report.ratios.push(format!(
        "e2e_cpu_per_task_rust_over_cpp={:.3}",
        cpu(&runs[0]) / cpu(&runs[1])
    ));
    Ok(())
}

// ---- offer storm and placement (kept from the first harness) ----

fn offer_storm(config: &Config, report: &mut Report) -> Result<(), String> {
    println!(
        "\n== offer storm: {} agents ({STORM_RESOURCES}), allocation interval \
         {STORM_ALLOCATION_INTERVAL}, decline with refuse_seconds=0; rate from offer {} to offer \
         {}; {} runs per side",
        config.storm_agents, config.storm_warmup, config.storm_offers, config.storm_trials
    );
    let window = (config.storm_offers - config.storm_warmup) as f64;
    let args = [
        ("agents", config.storm_agents.to_string()),
        ("warmup", config.storm_warmup.to_string()),
        ("offers", config.storm_offers.to_string()),
    ];
    let sides = Side::pair("storm", &args);
    let runs = interleaved(
        &sides,
        config.storm_trials,
        config,
        |_, r| reached(r, "handled", config.storm_offers as f64, "offers handled"),
        |_, r| cpu_rate_line(r, window, "offer", 1e6, "us"),
    )?;
    let rate = |r: &RunResult| window / r.get("seconds");
    let (r, c) = (medians(&runs[0], rate), medians(&runs[1], rate));
    let cpu = |v: &[RunResult]| medians(v, |r| r.get("cpu") * 1e6 / window);
    report.table(
        "Offer storm (medians)",
        "| figure | Rust | C++ | Rust / C++ | target |",
        &[
            format!(
                "| offers/s, {} agents | {r:.0} | {c:.0} | {:.3} | >= 0.9 ({}) |",
                config.storm_agents,
                r / c,
                verdict(r / c, 0.9)
            ),
            format!(
                "| process CPU per offer | {:.1} us | {:.1} us | {:.3} | none |",
                cpu(&runs[0]),
                cpu(&runs[1]),
                cpu(&runs[0]) / cpu(&runs[1])
            ),
        ],
    );
    report
        .ratios
        .push(format!("storm_offers_rust_over_cpp={:.3}", r / c));
    Ok(())
}

fn placement_part(config: &Config, report: &mut Report) {
    const TASKS: usize = 1000;
    const OFFERS: usize = 100;
    println!(
        "\n== placement: {TASKS} pending tasks x {OFFERS} offers, {} trials, median CPU time \
         per plan",
        config.placement_trials
    );
    let rows = placement::run(TASKS, OFFERS, config.placement_trials);
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "| {} | {} x {} | {} | {:.1} ms | {:.1} us | {:.2} us |",
                r.strategy, r.tasks, r.offers, r.placed, r.plan_ms, r.us_per_offer, r.us_per_task
            )
        })
        .collect();
    report.table(
        "Placement (toolkit, pure computation)",
        "| strategy | tasks x offers | placed | per plan | per offer | per task |",
        &lines,
    );
    for r in &rows {
        report.ratios.push(format!(
            "placement_{}_us_per_offer={:.1}",
            r.strategy, r.us_per_offer
        ));
    }
}

// ---- charts ----

fn charts(config: &Config, report: &Report) -> Result<(), String> {
    let out: &Path = &config.out;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut written = Vec::new();
    if !report.throughput.is_empty() {
        let p = out.join("throughput.svg");
        plots::Chart {
            title: "Reconciliation storm: answers per second against N (medians)",
            x_desc: "N (tasks reconciled, log scale)",
            y_desc: "updates/s",
            axes: Axes::LogX,
            y_from_zero: true,
            markers: true,
        }
        .draw(&p, &report.throughput)?;
        written.push(p);
    }
    if !report.latency.is_empty() {
        let series: Vec<Series> = report
            .latency
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(label, v)| Series {
                label: label.clone(),
                points: plots::cdf_points(v, 2000),
            })
            .collect();
        if !series.is_empty() {
            let p = out.join("latency.svg");
            plots::Chart {
                title: "Callback latency: cumulative distribution",
                x_desc: "latency, µs (log scale)",
                y_desc: "fraction of callbacks at or below",
                axes: Axes::LogX,
                y_from_zero: true,
                markers: false,
            }
            .draw(&p, &series)?;
            written.push(p);
        }
    }
    if !report.marshal.is_empty() {
        let p = out.join("marshal.svg");
        plots::Chart {
            title: "Marshalling an offer: ns per message against resources per offer",
            x_desc: "resources per offer (log scale)",
            y_desc: "ns per message (log scale)",
            axes: Axes::LogLog,
            y_from_zero: false,
            markers: true,
        }
        .draw(&p, &report.marshal)?;
        written.push(p);
    }
    for p in written {
        println!("chart: {}", p.display());
    }
    Ok(())
}
