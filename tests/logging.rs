//! Logging: the binding's own events reach a `tracing` subscriber at the documented levels,
//! and libmesos' own logging is quiet by default under `LocalCluster` and louder when asked.

mod support;

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};

use mesos::local::LocalCluster;
use mesos::{SchedulerDriver, Status};
use support::*;

/// A `tracing` writer that appends to a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[test]
fn binding_events_go_through_tracing() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter("mesos=trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let _work = local_cluster("cpus:1;mem:128", &[]);
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("logging"), "local").unwrap();
    driver.start().unwrap();
    let (id, _) = registered(&mut events);
    next_offers(&mut events);
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    driver.join().unwrap();
    drop(driver);

    let text = capture.text();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no log line with {needle:?} in:\n{text}"))
            .to_owned()
    };
    let registered = line("framework registered");
    assert!(registered.contains("DEBUG"), "{registered}");
    assert!(registered.contains(id.value()), "{registered}");
    let offers = line("callback=\"resource_offers\"");
    assert!(offers.contains("TRACE"), "{offers}");
    assert!(line("scheduler driver started").contains("DRIVER_RUNNING"));
    assert!(line("scheduler driver stopped").contains("DRIVER_STOPPED"));
    assert!(line("freeing the scheduler driver").contains("DEBUG"));
    // Nothing at warn or error on a clean run.
    assert!(
        !text
            .lines()
            .any(|l| l.contains(" WARN ") || l.contains("ERROR")),
        "{text}"
    );
}

/// Child mode of the two tests below: run a local cluster configured only by `LocalCluster`
/// (plus whatever the parent put in the environment), register, launch nothing, stop.
fn child_cluster() {
    // SAFETY: the test harness' main thread only waits for this test, and no driver exists.
    let _guard = unsafe {
        LocalCluster::new()
            .resources("cpus:1;mem:128")
            .apply_unchecked()
            .unwrap()
    };
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("logging-child"), "local").unwrap();
    driver.start().unwrap();
    registered(&mut events);
    next_offers(&mut events);
    driver.stop(false).unwrap();
    driver.join().unwrap();
    println!("child done");
}

/// Runs this test binary as a child in `child_cluster` mode; returns its stderr.
fn run_child(env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "libmesos_logging_is_quiet_by_default_and_configurable",
        "--nocapture",
    ])
    .env("MESOS_RS_LOGGING_CHILD", "1");
    // Start from an environment without any libmesos logging settings.
    for k in [
        "MESOS_LOGGING_LEVEL",
        "GLOG_minloglevel",
        "GLOG_v",
        "MESOS_QUIET",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains("child done"),
        "child failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    stderr
}

/// glog's line prefix: a severity letter, then `mmdd hh:mm:ss`.
fn glog_lines(text: &str, severity: char) -> usize {
    text.lines()
        .filter(|l| {
            let b = l.as_bytes();
            b.len() > 5 && b[0] == severity as u8 && b[1..5].iter().all(u8::is_ascii_digit)
        })
        .count()
}

#[test]
fn libmesos_logging_is_quiet_by_default_and_configurable() {
    if std::env::var_os("MESOS_RS_LOGGING_CHILD").is_some() {
        return child_cluster();
    }
    let quiet = run_child(&[]);
    assert_eq!(
        glog_lines(&quiet, 'I'),
        0,
        "INFO lines from libmesos by default:\n{quiet}"
    );
    let loud = run_child(&[("MESOS_LOGGING_LEVEL", "INFO")]);
    let info = glog_lines(&loud, 'I');
    println!(
        "libmesos INFO lines: {} by default, {info} with MESOS_LOGGING_LEVEL=INFO",
        glog_lines(&quiet, 'I')
    );
    assert!(
        info > 10,
        "MESOS_LOGGING_LEVEL=INFO gave {info} INFO lines:\n{loud}"
    );
}

/// A ZooKeeper password in the master string never reaches the logs, even at trace level.
#[test]
fn master_passwords_are_redacted_in_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter("mesos=trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("GLOG_minloglevel", "2");
    let (probe, _events) = probe();
    let master = "zk://zkuser:topsecret@127.0.0.1:1/mesos";
    let driver = SchedulerDriver::builder(framework("redacted"), master)
        .registration_timeout(std::time::Duration::from_millis(500))
        .build(probe)
        .unwrap();
    let err = driver.run().unwrap_err();
    drop(driver);
    let text = capture.text();
    assert!(text.contains("scheduler driver created"), "{text}");
    assert!(
        text.contains("zk://zkuser:<redacted>@127.0.0.1:1/mesos"),
        "{text}"
    );
    assert!(!text.contains("topsecret"), "{text}");
    assert!(!err.to_string().contains("topsecret"), "{err}");
}
