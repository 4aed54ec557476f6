//! `LocalCluster`: sound environment changes, nothing left in the temporary directory after
//! a normal exit (whatever the order in which guard and driver go), and the agents' launcher
//! directory. The cases that exit run as child processes of this test binary with a private
//! `TMPDIR`, so that what is left there can be seen.

mod support;

use std::path::Path;
use std::process::Command;

use mesos::local::{devkit_launcher_dir, LocalCluster};
use mesos::{SchedulerDriver, Status};
use support::*;

/// `apply` changes the environment, which is only sound while no other thread runs; a test
/// runs on a thread of the harness, so `apply` refuses here and says why.
#[test]
fn apply_refuses_while_other_threads_exist() {
    let err = LocalCluster::new().apply().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("threads"), "{text}");
    assert!(text.contains("apply_unchecked"), "{text}");
    assert!(
        std::env::var_os("MESOS_WORK_DIR").is_none(),
        "nothing was set"
    );
}

/// The child modes below, selected by MESOS_RS_LOCAL_CHILD.
fn child(mode: &str) {
    // SAFETY: the harness' main thread only waits for this test; no driver exists yet.
    let guard = unsafe {
        LocalCluster::new()
            .resources("cpus:1;mem:128")
            .apply_unchecked()
            .unwrap()
    };
    println!("WORK_DIR={}", guard.work_dir().display());
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("local child"), "local").unwrap();
    driver.start().unwrap();
    registered(&mut events);
    let offers = next_offers(&mut events);
    match mode {
        // The guard goes first; then a task makes the agent write (and so make again) its
        // directories in the work directory.
        "guard-first" => {
            drop(guard);
            let t = task("after-guard", &offers[0], 0.1, "true");
            driver
                .launch_tasks(&[offers[0].id.clone().unwrap()], &[t], None)
                .unwrap();
            next_update(&mut events, "a terminal update", |s| {
                mesos::task_status::is_terminal(s.state())
            });
            driver.stop(false).unwrap();
            drop(driver);
        }
        // Neither the guard nor the driver is dropped: exit() skips destructors.
        "exit" => {
            driver.stop(false).unwrap();
            std::process::exit(0);
        }
        // A second cluster while the first one's driver runs is refused.
        "second" => {
            // SAFETY: as above; it is refused before the environment is touched.
            let second = unsafe { LocalCluster::new().apply_unchecked() };
            let err = second.unwrap_err().to_string();
            assert!(err.contains("one local cluster at a time"), "{err}");
            driver.stop(false).unwrap();
            drop(driver);
            drop(guard);
        }
        other => panic!("unknown child mode {other}"),
    }
    println!("child done");
}

/// Runs `test` of this binary as a child in `mode` with a private temporary directory;
/// returns that directory's entries after the child exited, and the child's stdout.
fn run_child(test: &str, mode: &str) -> (Vec<String>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("MESOS_RS_LOCAL_CHILD", mode)
        .env("TMPDIR", tmp.path())
        .env_remove("MESOS_WORK_DIR")
        .env("MESOS_QUIET", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {mode} failed ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("WORK_DIR={}", tmp.path().display())),
        "the work directory was made in the private TMPDIR: {stdout}"
    );
    (entries(tmp.path()), stdout)
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn nothing_is_left_when_the_guard_goes_before_the_driver() {
    const TEST: &str = "nothing_is_left_when_the_guard_goes_before_the_driver";
    if let Ok(mode) = std::env::var("MESOS_RS_LOCAL_CHILD") {
        return child(&mode);
    }
    let (left, stdout) = run_child(TEST, "guard-first");
    assert!(stdout.contains("child done"), "{stdout}");
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn nothing_is_left_after_exit_with_the_guard_alive() {
    const TEST: &str = "nothing_is_left_after_exit_with_the_guard_alive";
    if let Ok(mode) = std::env::var("MESOS_RS_LOCAL_CHILD") {
        return child(&mode);
    }
    let (left, _) = run_child(TEST, "exit");
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn a_second_cluster_while_a_local_driver_runs_is_refused() {
    const TEST: &str = "a_second_cluster_while_a_local_driver_runs_is_refused";
    if let Ok(mode) = std::env::var("MESOS_RS_LOCAL_CHILD") {
        return child(&mode);
    }
    let (left, stdout) = run_child(TEST, "second");
    assert!(stdout.contains("child done"), "{stdout}");
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

/// The agent's `launcher_dir` flag (read back from the agent's own `/flags` endpoint): the
/// builder's directory when given; otherwise the dev kit's helper programs when the linked
/// libmesos is the dev kit and has them, else libmesos' default, untouched.
#[test]
fn the_agents_launcher_dir() {
    if let Ok(dir) = std::env::var("MESOS_RS_LAUNCHER_CHILD") {
        let cluster = LocalCluster::new().resources("cpus:1;mem:128");
        let cluster = if dir.is_empty() {
            cluster
        } else {
            cluster.launcher_dir(&dir)
        };
        // SAFETY: the harness' main thread only waits for this test; no driver exists yet.
        let _guard = unsafe { cluster.apply_unchecked().unwrap() };
        let (probe, mut events) = probe();
        let driver = SchedulerDriver::new(probe, framework("launcher dir"), "local").unwrap();
        driver.start().unwrap();
        let (_, master) = registered(&mut events);
        next_offers(&mut events);
        let flags = http_get(&master_address(&master), "/slave(1)/flags");
        let value = flags
            .split("\"launcher_dir\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no launcher_dir in {flags}"));
        println!("LAUNCHER_DIR={value}");
        assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
        return;
    }
    let run = |dir: &str| {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "the_agents_launcher_dir", "--nocapture"])
            .env("MESOS_RS_LAUNCHER_CHILD", dir)
            .env_remove("MESOS_LAUNCHER_DIR")
            .env_remove("MESOS_WORK_DIR")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "child failed: {stdout}");
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("LAUNCHER_DIR="))
            .unwrap_or_else(|| panic!("no LAUNCHER_DIR line: {stdout}"))
            .to_owned()
    };
    let chosen = tempfile::tempdir().unwrap();
    let chosen = chosen.path().to_str().unwrap().to_owned();
    assert_eq!(run(&chosen), chosen, "the builder's directory");
    let default = run("");
    match devkit_launcher_dir() {
        Some(kit) if kit.is_dir() => assert_eq!(Path::new(&default), kit, "the kit's programs"),
        kit => {
            println!("the kit's helper directory {kit:?} is absent: libmesos' default {default}");
            assert_ne!(default, chosen);
            assert!(!default.is_empty());
        }
    }
}
