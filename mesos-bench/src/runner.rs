//! Running child processes (one cluster run each) and interleaving them.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Config;

/// One finished child run: the `key=value` pairs of its result line.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub values: BTreeMap<String, f64>,
}

impl RunResult {
    pub fn get(&self, k: &str) -> f64 {
        self.values.get(k).copied().unwrap_or(f64::NAN)
    }
}

/// One side of a comparison: a label for the report, the child kind and its arguments.
#[derive(Debug, Clone)]
pub struct Side {
    pub label: String,
    pub kind: String,
    pub args: Vec<(String, String)>,
}

impl Side {
    pub fn new(label: &str, kind: &str, args: &[(&str, String)]) -> Self {
        Side {
            label: label.into(),
            kind: kind.into(),
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    /// The two sides of a run kind: "Rust" (`rust-<kind>`) and "C++" (`cpp-<kind>`).
    pub fn pair(kind: &str, args: &[(&str, String)]) -> [Side; 2] {
        [
            Side::new("Rust", &format!("rust-{kind}"), args),
            Side::new("C++", &format!("cpp-{kind}"), args),
        ]
    }
}

/// Runs `--one kind args...` in a child process; Err when it failed or did not complete.
pub fn spawn(kind: &str, args: &[(String, String)], config: &Config) -> Result<RunResult, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("--one").arg(kind);
    for (k, v) in args {
        cmd.arg(format!("--{k}")).arg(v);
    }
    cmd.arg("--timeout")
        .arg(config.timeout.as_secs().to_string());
    if let Some(master) = &config.master {
        cmd.arg("--master").arg(master);
        // The framework on loopback too, where mesos-local's master listens.
        if std::env::var_os("LIBPROCESS_IP").is_none() {
            cmd.env("LIBPROCESS_IP", "127.0.0.1");
        }
    }
    // libmesos' own output is kept and shown only when the run fails.
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

/// Runs `trials` rounds over `sides`, alternating the order (A B, then B A, ...), checking
/// each run and printing it as it finishes. Returns the runs of each side, in side order.
pub fn interleaved(
    sides: &[Side],
    trials: usize,
    config: &Config,
    check: impl Fn(&Side, &RunResult) -> Result<(), String>,
    describe: impl Fn(&Side, &RunResult) -> String,
) -> Result<Vec<Vec<RunResult>>, String> {
    let mut runs: Vec<Vec<RunResult>> = vec![Vec::new(); sides.len()];
    for t in 0..trials {
        let mut order: Vec<usize> = (0..sides.len()).collect();
        if t % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let side = &sides[i];
            let r = spawn(&side.kind, &side.args, config)?;
            check(side, &r).map_err(|e| format!("{} (trial {}): {e}", side.label, t + 1))?;
            println!(
                "  trial {} {:<26} {}",
                t + 1,
                side.label,
                describe(side, &r)
            );
            runs[i].push(r);
        }
    }
    Ok(runs)
}

/// The machine, for the report.
pub fn machine() -> String {
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
    format!(
        "{cores} cores ({cpu}), {:.1} GiB RAM, load average {}",
        mem_kib as f64 / 1024.0 / 1024.0,
        load()
    )
}

/// The 1/5/15-minute load averages.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
