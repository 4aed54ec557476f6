//! A framework linked with one libmesos release runs its tasks on a master and agent of
//! another release: what has to agree between them is the wire protocol, not the library.
//!
//! The master and agent are this test's own local cluster (the release this test binary is
//! built against). The framework is the `no_executor_framework` example, run as another
//! process: the one named by `MESOS_RS_PEER_FRAMEWORK` (scripts/test-versions.sh builds it
//! against another release's kit and sets the variable), else this build's own (both sides
//! the same release). The test reads the framework's libmesos release from the binary's
//! `NEEDED` entries and checks the outcome through the master's `/state`, not the printout.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::*;

const PEER_VAR: &str = "MESOS_RS_PEER_FRAMEWORK";

/// The framework program to run, and whether it came from the environment.
fn peer_framework() -> PathBuf {
    if let Some(path) = std::env::var_os(PEER_VAR).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    // This build's own example, built on demand (cargo builds examples for `cargo test`, but
    // nextest may run without them).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--features",
            "mesos-rs/stream",
            "--example",
            "no_executor_framework",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("running cargo build");
    assert!(status.success(), "building no_executor_framework failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target
        .join("debug")
        .join("examples")
        .join("no_executor_framework")
}

/// The libmesos release a program is linked with: its `NEEDED libmesos-X.Y.Z.so`.
fn linked_release(program: &std::path::Path) -> String {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(program)
        .output()
        .expect("running readelf");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| l.contains("(NEEDED)"))
        .find_map(|l| {
            let name = l.split('[').nth(1)?.split(']').next()?;
            Some(
                name.strip_prefix("libmesos-")?
                    .strip_suffix(".so")?
                    .to_owned(),
            )
        })
        .unwrap_or_else(|| panic!("{} does not link a libmesos-X.Y.Z.so", program.display()))
}

#[test]
fn a_framework_of_another_release_runs_tasks_on_this_releases_cluster() {
    let _work = local_cluster("cpus:2;mem:512", &[("MESOS_ALLOCATION_INTERVAL", "200ms")]);
    // A host framework brings the cluster up and says where its master listens; it takes no
    // offers, so the peer gets the agent.
    let (host, _events, master) = start_host(framework("cross-version host"));
    let master = master_address(&master);

    let peer = peer_framework();
    let ours = mesos::libmesos_version().to_string();
    let theirs = linked_release(&peer);
    if std::env::var_os(PEER_VAR).is_some() {
        assert_ne!(
            theirs, ours,
            "{PEER_VAR} names a framework linked with this test's own release"
        );
    } else {
        assert_eq!(theirs, ours);
    }
    println!("framework linked with libmesos {theirs}, cluster of libmesos {ours}");

    let mut cmd = Command::new(&peer);
    cmd.args(["--master", &master, "echo one", "echo two"]);
    // Only what a framework on another host would have: none of this process' cluster settings.
    for (k, _) in std::env::vars() {
        if k.starts_with("MESOS_") || k.starts_with("LIBPROCESS_") || k.starts_with("GLOG_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("LIBPROCESS_IP", "127.0.0.1");
    let out = run_with_timeout(cmd, Duration::from_secs(150));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the framework of libmesos {theirs} failed: {}\n{stdout}\n{stderr}",
        out.status
    );

    // What the master saw: that framework (completed by now) with both tasks finished.
    let state: serde_json::Value =
        serde_json::from_str(&http_get(&master, "/master/state")).unwrap();
    let mut frameworks = state["completed_frameworks"]
        .as_array()
        .into_iter()
        .chain(state["frameworks"].as_array())
        .flatten();
    let peer_framework = frameworks
        .rfind(|f| f["name"] == "No-executor framework (Rust)")
        .unwrap_or_else(|| panic!("the master never saw the framework: {state}"));
    let tasks: Vec<_> = peer_framework["completed_tasks"]
        .as_array()
        .into_iter()
        .chain(peer_framework["tasks"].as_array())
        .flatten()
        .collect();
    assert_eq!(tasks.len(), 2, "{peer_framework}");
    for task in tasks {
        assert_eq!(task["state"], "TASK_FINISHED", "{task}");
    }
    host.stop(false).unwrap();
}

/// Runs `cmd` to its end, killing it after `timeout`.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if rx.recv_timeout(timeout).is_err() {
            // The child is not reaped before `wait_with_output` returns, so the pid is its.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = tx.send(());
    out
}
