//! Logging: the binding's own events reach a `tracing` subscriber at the documented levels,
//! and libmesos' own glog lines become `tracing` events (target `libmesos`), with nothing on
//! stderr unless `MESOS_RS_LIBMESOS_LOG` asks.

mod support;

use std::process::Command;

use mesos::local::LocalCluster;
use mesos::{SchedulerDriver, Status};
use support::cluster::Framework;
use support::*;

#[test]
fn binding_events_go_through_tracing() {
    let capture = Capture::install("mesos=trace");

    let _work = local_cluster("cpus:1;mem:128", &[]);
    let Framework { driver, mut events } = Framework::start("logging");
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

/// Child mode of the test below: a subscriber printing libmesos' events on stdout, a local
/// cluster (through `LocalCluster`, or with bare `MESOS_*` variables as a program without it
/// would), register, get an offer, stop.
fn child_cluster() {
    tracing_subscriber::fmt()
        .with_env_filter("libmesos=info")
        .with_ansi(false)
        .with_writer(std::io::stdout)
        .init();
    let work = tempfile::tempdir().unwrap();
    let _guard = if std::env::var("MESOS_RS_LOGGING_CHILD").as_deref() == Ok("bare") {
        std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
        std::env::set_var("MESOS_WORK_DIR", work.path());
        std::env::set_var("MESOS_LAUNCHER", "posix");
        std::env::set_var("MESOS_RESOURCES", "cpus:1;mem:128");
        None
    } else {
        // SAFETY: the test harness' main thread only waits for this test, and no driver exists.
        Some(unsafe {
            LocalCluster::new()
                .resources("cpus:1;mem:128")
                .apply_unchecked()
                .unwrap()
        })
    };
    let Framework { driver, mut events } = Framework::start("logging-child");
    registered(&mut events);
    next_offers(&mut events);
    driver.stop(false).unwrap();
    driver.join().unwrap();
    println!("child done");
}

/// Runs this test binary as a child in `child_cluster` mode (`mode`: `cluster` or `bare`)
/// with `env` added to an environment without any logging settings; returns its stdout and
/// stderr.
fn run_child(mode: &str, env: &[(&str, &str)]) -> (String, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "libmesos_lines_become_tracing_events_and_nothing_reaches_stderr",
        "--nocapture",
    ])
    .env("MESOS_RS_LOGGING_CHILD", mode);
    for k in [
        "MESOS_LOGGING_LEVEL",
        "GLOG_minloglevel",
        "GLOG_v",
        "MESOS_QUIET",
        "MESOS_LOG_DIR",
        "MESOS_RS_LIBMESOS_LOG",
        "RUST_LOG",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains("child done"),
        "child failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
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

/// Lines of the fmt subscriber for target `libmesos` at `level` ("INFO", "WARN", ...).
fn events<'a>(text: &'a str, level: &str) -> Vec<&'a str> {
    let needle = format!("{level} libmesos:");
    text.lines().filter(|l| l.contains(&needle)).collect()
}

#[test]
fn libmesos_lines_become_tracing_events_and_nothing_reaches_stderr() {
    if std::env::var_os("MESOS_RS_LOGGING_CHILD").is_some() {
        return child_cluster();
    }
    // Whatever libmesos' own variables say, the default is: events, an empty stderr.
    let loud_legacy = [("MESOS_LOGGING_LEVEL", "INFO"), ("GLOG_minloglevel", "0")];
    for (mode, env) in [
        ("cluster", &[][..]),
        ("bare", &[][..]),
        ("bare", &loud_legacy[..]),
        ("bare", &[("MESOS_QUIET", "true")][..]),
    ] {
        let (stdout, stderr) = run_child(mode, env);
        assert_eq!(stderr, "", "stderr of a {mode} child with {env:?}");
        let info = events(&stdout, "INFO");
        assert!(
            info.len() > 10,
            "{} INFO events from libmesos ({mode}, {env:?}):\n{stdout}",
            info.len()
        );
        // A line of the scheduler driver, with its source position as fields.
        assert!(
            info.iter()
                .any(|l| l.contains("file=sched.cpp") && l.contains(" line=")),
            "{stdout}"
        );
        // libmesos' WARNING (bound to the loopback interface, a message of several lines,
        // the fields after its last) arrives as warn.
        let warn = events(&stdout, "WARN");
        let banner = stdout
            .split_once("WARN libmesos: \n")
            .map(|(_, rest)| rest.lines().take(3).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default();
        assert!(
            banner.contains("Scheduler driver bound to loopback interface!")
                && banner.contains("*** file=sched.cpp line="),
            "{stdout}"
        );
        println!(
            "{mode} {env:?}: {} INFO and {} WARN events, {} bytes on stderr",
            info.len(),
            warn.len(),
            stderr.len()
        );
    }
    // Asked for: glog's own lines on stderr (and no events).
    let (stdout, stderr) = run_child("bare", &[("MESOS_RS_LIBMESOS_LOG", "stderr")]);
    let info = glog_lines(&stderr, 'I');
    assert!(info > 10, "stderr mode gave {info} INFO lines:\n{stderr}");
    assert!(events(&stdout, "INFO").is_empty(), "{stdout}");
    let (stdout, stderr) = run_child("bare", &[("MESOS_RS_LIBMESOS_LOG", "stderr:warning")]);
    assert_eq!(glog_lines(&stderr, 'I'), 0, "{stderr}");
    assert!(glog_lines(&stderr, 'W') > 0, "{stderr}");
    assert!(events(&stdout, "WARN").is_empty(), "{stdout}");
    let (stdout, stderr) = run_child("bare", &[("MESOS_RS_LIBMESOS_LOG", "off")]);
    assert_eq!(stderr, "");
    assert!(events(&stdout, "INFO").is_empty(), "{stdout}");
}

/// A bad value of the switch is refused when the driver is created, naming it.
#[test]
fn a_bad_logging_switch_is_refused() {
    std::env::set_var("MESOS_RS_LIBMESOS_LOG", "loud");
    let (probe, _events) = probe();
    let err = SchedulerDriver::new(probe, framework("bad-switch"), "127.0.0.1:1")
        .expect_err("a bad MESOS_RS_LIBMESOS_LOG must be refused");
    let text = err.to_string();
    assert!(
        matches!(err, mesos::Error::InvalidArgument(_))
            && text.contains("MESOS_RS_LIBMESOS_LOG=\"loud\""),
        "{text}"
    );
}

/// A ZooKeeper password in the master string never reaches the logs, even at trace level.
#[test]
fn master_passwords_are_redacted_in_logs() {
    let capture = Capture::install("mesos=trace");
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
