//! `mesos-local`: a Mesos master and agents in one process, from the linked libmesos, until
//! SIGINT or SIGTERM. See `docs/mesos-local.md` or `mesos-local --help`.
//!
//! The cluster is libmesos' own local cluster (what a scheduler driver with master `"local"`
//! starts), set up with [`mesos::local::LocalCluster`]. A small framework of this program
//! starts it, registers to learn the master's address and unregisters again, so the master
//! serves other processes' frameworks only. With `--zk`, the master joins the ZooKeeper
//! group as a Mesos master's contender does, so that frameworks detect it (and the next
//! leader when it goes) through the group.

mod flags;
mod procs;
mod zk;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mesos::local::LocalCluster;
use mesos::types::{Credential, Credentials, FrameworkID, FrameworkInfo, MasterInfo};
use mesos::{Scheduler, SchedulerDriver};

use flags::Flags;

/// How long the agents get to register before `mesos-local` gives up.
const AGENTS_TIMEOUT: Duration = Duration::from_secs(120);
/// How long executors and tasks get to end after SIGTERM before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = match Flags::parse(&args) {
        Ok(flags::Parsed::Run(flags)) => flags,
        Ok(flags::Parsed::Help) => {
            print!("{}", flags::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(flags::Parsed::Version) => {
            println!("mesos-local {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mesos-local: {e}\nTry 'mesos-local --help'.");
            return ExitCode::from(2);
        }
    };
    match run(*flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mesos-local: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether the master's ZooKeeper session ended (the master then gives up, as Mesos' does).
static ZK_LOST: AtomicBool = AtomicBool::new(false);

fn run(flags: Flags) -> Result<(), String> {
    // Still the only thread: the environment may change.
    if std::env::var_os(mesos::logging::LIBMESOS_LOG_ENV).is_none() {
        let to = match (flags.quiet, flags.logging_level.as_str()) {
            (true, _) => "off",
            (false, "INFO") => "stderr",
            (false, "WARNING") => "stderr:warning",
            (false, _) => "stderr:error",
        };
        std::env::set_var(mesos::logging::LIBMESOS_LOG_ENV, to);
    }
    // libmesos aborts the process (leaving the work directory) when it cannot bind the
    // port: say so first, in words.
    if flags.port != 0 {
        if let Err(e) = std::net::TcpListener::bind((flags.ip, flags.port)) {
            return Err(format!("cannot listen on {}:{}: {e}", flags.ip, flags.port));
        }
    }
    let credential = match &flags.credentials {
        Some(file) => Some(first_credential(file)?),
        None => None,
    };
    let cluster = cluster_settings(&flags)
        .apply()
        .map_err(|e| format!("cannot set up the cluster: {e}"))?;
    let mut guard = Some(cluster);
    // Orphaned tasks (their executor gone) stay this process' descendants, to be stopped.
    procs::become_subreaper();

    let (tx, rx) = std::sync::mpsc::channel();
    let mut info = FrameworkInfo::new();
    info.set_user(String::new());
    info.set_name("mesos-local".into());
    let mut builder = SchedulerDriver::builder(info, "local").suppressed_roles(["*"]);
    if let Some(c) = credential {
        builder = builder.credential(c);
    }
    let driver = builder
        .build(Starter(tx))
        .map_err(|e| format!("cannot start the cluster: {e}"))?;
    let signals = mesos::shutdown::stop_on_signals(&driver, false)
        .map_err(|e| format!("cannot handle SIGINT/SIGTERM: {e}"))?;
    driver
        .start()
        .map_err(|e| format!("cannot start the cluster: {e}"))?;
    let (framework_id, master) = match rx.recv_timeout(AGENTS_TIMEOUT) {
        Ok(Ok(registered)) => registered,
        Ok(Err(message)) => return Err(format!("the master refused this program: {message}")),
        Err(_) => return Err("the master did not answer in time".into()),
    };
    // Its work done, the starting framework leaves: the master serves others only.
    let address = master
        .socket_addr()
        .ok_or_else(|| format!("the master gave no address: {master:?}"))?
        .to_string();
    leave(&address, &framework_id);
    wait_for_agents(&address, flags.num_slaves, &signals)?;

    let _zk = match &flags.zk {
        Some(url) => Some(zk::Member::join(
            url,
            flags.zk_session_timeout,
            &master,
            || ZK_LOST.store(true, Ordering::SeqCst),
        )?),
        None => None,
    };
    let work_dir = guard.as_ref().map(|g| g.work_dir().to_path_buf());
    let work_dir = work_dir.unwrap_or_default();
    if flags.json {
        let zk = flags.zk.as_deref().map(zk::shown);
        let member = _zk.as_ref().map(|m| m.path.clone());
        println!(
            "{{\"master\":{},\"pid\":{},\"id\":{},\"agents\":{},\"work_dir\":{},\"zk\":{},\"zk_member\":{}}}",
            json_str(&address),
            json_str(&format!("master@{address}")),
            json_str(master.id()),
            flags.num_slaves,
            json_str(&work_dir.to_string_lossy()),
            zk.as_deref().map_or("null".into(), json_str),
            member.as_deref().map_or("null".into(), json_str),
        );
    } else {
        println!(
            "Master at {address} with {} agent(s) registered; work directory {}{}",
            flags.num_slaves,
            work_dir.display(),
            flags
                .zk
                .as_deref()
                .map(|u| format!("; member of {}", zk::shown(u)))
                .unwrap_or_default()
        );
    }
    let _ = std::io::stdout().flush();

    let why = loop {
        if let Some(signal) = signals.received() {
            break format!("stopping on {signal}");
        }
        if ZK_LOST.load(Ordering::SeqCst) {
            break "the ZooKeeper session ended: giving up, as a Mesos master does".into();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!("mesos-local: {why}");
    drop(_zk);
    // Executors and tasks first, while the agents still report what happens to them.
    let left = procs::stop_descendants(KILL_GRACE);
    if left > 0 {
        eprintln!("mesos-local: {left} process(es) needed SIGKILL");
    }
    drop(signals);
    // Freeing the driver shuts the master and agents down.
    drop(driver);
    procs::reap_all();
    if flags.keep_work_dir {
        if let Some(mut g) = guard.take() {
            eprintln!("mesos-local: work directory kept: {}", g.keep().display());
        }
    }
    drop(guard);
    if ZK_LOST.load(Ordering::SeqCst) {
        return Err("lost the ZooKeeper session".into());
    }
    Ok(())
}

/// The cluster's settings from the flags.
fn cluster_settings(flags: &Flags) -> LocalCluster {
    let mut c = LocalCluster::new()
        .ip(flags.ip)
        .port(flags.port)
        .agents(flags.num_slaves)
        .logging_level(flags.logging_level.clone())
        .keep_work_dir(flags.keep_work_dir);
    if let Some(r) = &flags.resources {
        c = c.resources(r.clone());
    }
    if let Some(a) = &flags.attributes {
        c = c.attributes(a.clone());
    }
    if let Some(r) = &flags.roles {
        c = c.roles(r.clone());
    }
    if let Some(w) = &flags.weights {
        c = c.weights(w.clone());
    }
    if let Some(f) = &flags.credentials {
        c = c.credentials(f.clone());
    }
    if let Some(on) = flags.authenticate_frameworks {
        c = c.authenticate_frameworks(on);
    }
    if let Some(d) = &flags.work_dir {
        c = c.work_dir_parent(d.clone());
    }
    if let Some(d) = &flags.launcher_dir {
        c = c.launcher_dir(d.clone());
    }
    c
}

/// The first credential of a credentials file (JSON, the only format Mesos 1.11's master
/// reads): this program's own framework authenticates with it when the master asks for
/// authentication. A file libmesos would refuse is refused here first, in words (libmesos
/// would end the process).
fn first_credential(file: &std::path::Path) -> Result<Credential, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("--credentials: cannot read {}: {e}", file.display()))?;
    let credentials =
        protobuf_json_mapping::parse_from_str::<Credentials>(text.trim()).map_err(|e| {
            format!(
                "--credentials: {} is not JSON credentials \
                 ({{\"credentials\":[{{\"principal\":..,\"secret\":..}}]}}): {e}",
                file.display()
            )
        })?;
    credentials
        .credentials
        .into_iter()
        .next()
        .ok_or_else(|| format!("--credentials: {} holds no credential", file.display()))
}

/// Hands the framework's ID and the master's `MasterInfo` (or the master's error) to `run`.
struct Starter(std::sync::mpsc::Sender<Result<(FrameworkID, MasterInfo), String>>);

impl Scheduler for Starter {
    fn registered(&mut self, _: &SchedulerDriver, id: &FrameworkID, master: &MasterInfo) {
        let _ = self.0.send(Ok((id.clone(), master.clone())));
    }
    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        let _ = self.0.send(Err(message.to_owned()));
    }
}

/// Waits until `n` agents are active on the master at `address` (its `master/slaves_active`
/// metric), or a signal came.
fn wait_for_agents(
    address: &str,
    n: u32,
    signals: &mesos::shutdown::StopOnSignals,
) -> Result<(), String> {
    let deadline = Instant::now() + AGENTS_TIMEOUT;
    let mut last = String::new();
    while Instant::now() < deadline && signals.received().is_none() {
        match active_agents(address) {
            Ok(active) if active >= n as f64 => return Ok(()),
            Ok(active) => last = format!("{active} active"),
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    if signals.received().is_some() {
        return Ok(());
    }
    Err(format!(
        "{n} agent(s) did not register within {AGENTS_TIMEOUT:?} ({last})"
    ))
}

/// The number of active agents in the master's `/master/slaves`.
fn active_agents(address: &str) -> Result<f64, String> {
    let body = http(address, "GET", "/master/slaves", "")?;
    if !body.contains("\"slaves\"") {
        return Err(format!(
            "unexpected answer from /master/slaves: {body:.200}"
        ));
    }
    Ok(body.matches("\"active\":true").count() as f64)
}

/// Removes this program's own framework from the master (the operator endpoint
/// `/master/teardown`), so that the master's frameworks are the users' only. (Stopping its
/// driver instead would leave the master's `/metrics/snapshot` unanswered.)
fn leave(address: &str, id: &FrameworkID) {
    let body = format!("frameworkId={}", id.value());
    if let Err(e) = http(address, "POST", "/master/teardown", &body) {
        eprintln!("mesos-local: its own framework stays registered: {e}");
    }
}

/// One HTTP/1.0 request to the master; the body of a 2xx answer.
fn http(address: &str, method: &str, path: &str, body: &str) -> Result<String, String> {
    let mut s = TcpStream::connect(address).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {address}\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if !status.starts_with('2') {
        return Err(format!(
            "{method} {path}: {}",
            head.lines().next().unwrap_or("")
        ));
    }
    Ok(body.to_owned())
}

/// `s` as a JSON string.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }

    #[test]
    fn credentials_files_are_json() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("c.json");
        std::fs::write(&json, r#"{"credentials":[{"principal":"p","secret":"s"}]}"#).unwrap();
        let c = first_credential(&json).unwrap();
        assert_eq!((c.principal(), c.secret()), ("p", "s"));
        let text = dir.path().join("c.txt");
        std::fs::write(&text, "alice right\n").unwrap();
        assert!(first_credential(&text).unwrap_err().contains("not JSON"));
        std::fs::write(&text, r#"{"credentials":[]}"#).unwrap();
        assert!(first_credential(&text)
            .unwrap_err()
            .contains("no credential"));
    }
}
