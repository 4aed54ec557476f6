//! The dev kit's real agent runs the project's own `mesos-containerizer` (package
//! `mesos-launcher`): executors whose command is a plain shell command run in their sandbox,
//! and the agent learns how they ended from the helper's status file.
//!
//! The helper is taken from `MESOS_RS_NATIVE_HELPERS` (Mesos' own, for the conformance run),
//! else from `MESOS_LAUNCHER_DIR` when that directory holds one, and built with cargo
//! otherwise.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use mesos::local::LocalCluster;
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::SchedulerDriver;
use support::*;

/// A directory holding an executable `mesos-containerizer` (and nothing else we build).
fn launcher_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    // The conformance run: Mesos' own launch helper.
    if let Some(dir) = native_helpers_dir() {
        return (dir, None);
    }
    if let Some(dir) = std::env::var_os("MESOS_LAUNCHER_DIR") {
        let dir = PathBuf::from(dir);
        if dir.join("mesos-containerizer").is_file() {
            return (dir, None);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("mesos-launcher").join("target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--bin", "mesos-containerizer", "--manifest-path"])
        .arg(root.join("mesos-launcher").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("run cargo to build mesos-launcher");
    assert!(status.success(), "building mesos-containerizer failed");
    let built = target.join("debug").join("mesos-containerizer");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&built, dir.path().join("mesos-containerizer")).unwrap();
    (dir.path().to_owned(), Some(dir))
}

fn resource(name: &str, value: f64) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(value);
    r
}

/// A task run by a custom executor whose command is `shell` (it never registers).
fn executor_task(name: &str, offer: &Offer, shell: &str) -> TaskInfo {
    let mut executor = ExecutorInfo::new();
    executor
        .executor_id
        .mut_or_insert_default()
        .set_value(format!("{name}-executor"));
    executor.set_name(format!("shell executor of {name}"));
    executor
        .command
        .mut_or_insert_default()
        .set_value(shell.into());
    executor.resources.push(resource("cpus", 0.1));
    executor.resources.push(resource("mem", 32.0));
    let mut t = TaskInfo::new();
    t.set_name(name.into());
    t.task_id.mut_or_insert_default().set_value(name.into());
    t.slave_id = offer.slave_id.clone();
    t.resources.push(resource("cpus", 0.1));
    t.resources.push(resource("mem", 32.0));
    t.executor = Some(executor).into();
    t
}

/// The sandbox of `executor_id`'s latest run under the cluster's work directory.
fn sandbox(work: &Path, executor_id: &str) -> PathBuf {
    find_sandbox(work, executor_id)
        .unwrap_or_else(|| panic!("no sandbox for {executor_id} under {}", work.display()))
}

fn find_sandbox(work: &Path, executor_id: &str) -> Option<PathBuf> {
    // The latest run of the executor, found by `mesos::sandbox`.
    let task = mesos::sandbox::TaskRef::default().executor(executor_id);
    mesos::sandbox::Sandbox::find_in(work, task)
        .ok()
        .map(|s| s.directory().to_owned())
}

#[test]
fn the_real_agent_runs_executors_through_our_launch_helper() {
    let (dir, _keep) = launcher_dir();
    // SAFETY: no other thread of this test reads or writes the environment while the
    // cluster's variables are set, and libprocess has not started yet.
    let cluster = unsafe {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .env("MESOS_LAUNCHER_DIR", dir.to_str().unwrap())
            .apply_unchecked()
            .unwrap()
    };
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("containerizer"), "local").unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);

    let exits = executor_task(
        "exits",
        &offer,
        "echo hello from exits; echo to stderr from exits >&2; env > env.txt; exit 3",
    );
    let killed = executor_task(
        "killed",
        &offer,
        "echo about to die > last-words.txt; echo hello from killed; kill -TERM $$",
    );
    // In local mode the agent gives containers its own standard output and error (the
    // process's fds 1 and 2) rather than the sandbox files: catch them while the helpers fork.
    let captured = tempfile::NamedTempFile::new().unwrap();
    let stdio = Redirect::to(captured.path());
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &[exits, killed], None)
        .unwrap();

    let mut updates = Vec::new();
    let mut lost = Vec::new();
    events.wait_for(
        Duration::from_secs(60),
        "both tasks ended and both executors lost",
        |e| {
            match e {
                SchedulerEvent::StatusUpdate { status } if status.is_terminal() => {
                    updates.push(status.clone())
                }
                SchedulerEvent::ExecutorLost {
                    executor_id,
                    status,
                    ..
                } => lost.push((executor_id.value().to_owned(), *status)),
                _ => {}
            }
            (updates.len() == 2 && lost.len() == 2).then_some(())
        },
    );
    drop(stdio);
    driver.stop(false).unwrap();

    let output = std::fs::read_to_string(captured.path()).unwrap();
    eprintln!("--- the executors' output (the agent's stdout/stderr) ---\n{output}---");
    for line in [
        "hello from exits",
        "to stderr from exits",
        "hello from killed",
    ] {
        assert!(
            output.lines().any(|l| l == line),
            "{line:?} not in {output:?}"
        );
    }
    for u in &updates {
        eprintln!(
            "task {}: {:?} reason {:?} source {:?} message {:?}",
            u.task_id.value(),
            u.state(),
            u.reason(),
            u.source(),
            u.message()
        );
    }
    for (executor, status) in &lost {
        eprintln!("executor {executor} lost with wait status {status}");
    }
    lost.sort();
    // The agent read the wait status our helper checkpointed: exit 3 is W_EXITCODE(3, 0);
    // the shell killed by SIGTERM is 15 (the helper itself exited 143, which as a wait status
    // would be 36608: what the agent reports is the status file, not the helper's own exit).
    assert_eq!(
        lost,
        vec![
            ("exits-executor".to_owned(), 3 << 8),
            ("killed-executor".to_owned(), libc_sigterm()),
        ]
    );
    for u in &updates {
        assert_eq!(u.state(), TaskState::TASK_FAILED, "{u:?}");
        assert_eq!(u.source(), task_status::Source::SOURCE_SLAVE, "{u:?}");
        assert_eq!(
            u.reason(),
            task_status::Reason::REASON_EXECUTOR_TERMINATED,
            "{u:?}"
        );
    }

    // The commands ran in their sandboxes (their working directory).
    let work = cluster.work_dir();
    let exits = sandbox(work, "exits-executor");
    // The executor's environment is the one the agent built, not the agent's own.
    let env = std::fs::read_to_string(exits.join("env.txt")).unwrap();
    assert!(
        env.lines().any(|l| l == "MESOS_EXECUTOR_ID=exits-executor"),
        "{env}"
    );
    assert!(
        env.lines()
            .any(|l| l == format!("MESOS_SANDBOX={}", exits.canonicalize().unwrap().display())),
        "{env}"
    );
    assert!(
        !env.contains("MESOS_WORK_DIR="),
        "agent environment leaked: {env}"
    );
    assert!(
        !env.contains("MESOS_CONTAINERIZER_"),
        "helper flags leaked: {env}"
    );
    let killed = sandbox(work, "killed-executor");
    assert_eq!(
        std::fs::read_to_string(killed.join("last-words.txt")).unwrap(),
        "about to die\n"
    );
    drop(cluster);
}

#[test]
fn limits_from_the_agents_rlimits_isolator_reach_the_command() {
    let (dir, _keep) = launcher_dir();
    // SAFETY: no other thread of this test reads or writes the environment while the
    // cluster's variables are set, and libprocess has not started yet.
    let cluster = unsafe {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .env("MESOS_LAUNCHER_DIR", dir.to_str().unwrap())
            .env("MESOS_ISOLATION", "posix/cpu,posix/mem,posix/rlimits")
            .apply_unchecked()
            .unwrap()
    };
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("containerizer rlimits"), "local").unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);
    let mut task = executor_task(
        "limited",
        &offer,
        "ulimit -n > nofile.txt; ulimit -c > core.txt",
    );
    let container = task
        .executor
        .mut_or_insert_default()
        .container
        .mut_or_insert_default();
    container.set_type(container_info::Type::MESOS);
    let mut nofile = rlimit_info::RLimit::new();
    nofile.set_type(rlimit_info::rlimit::Type::RLMT_NOFILE);
    nofile.set_soft(321);
    nofile.set_hard(654);
    let mut core = rlimit_info::RLimit::new();
    core.set_type(rlimit_info::rlimit::Type::RLMT_CORE);
    let limits = container.rlimit_info.mut_or_insert_default();
    limits.rlimits.push(nofile);
    limits.rlimits.push(core);
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &[task], None)
        .unwrap();
    let status = events.wait_for(Duration::from_secs(60), "the executor lost", |e| match e {
        SchedulerEvent::ExecutorLost { status, .. } => Some(*status),
        _ => None,
    });
    driver.stop(false).unwrap();
    assert_eq!(status, 0, "the command failed");
    let sandbox = sandbox(cluster.work_dir(), "limited-executor");
    assert_eq!(
        std::fs::read_to_string(sandbox.join("nofile.txt")).unwrap(),
        "321\n"
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.join("core.txt")).unwrap(),
        "unlimited\n"
    );
}

#[test]
fn a_destroyed_container_takes_its_whole_process_tree_with_it() {
    // The task is killed; its executor never registers, so the agent destroys the container
    // at the registration timeout: the POSIX launcher's destroy.
    let (dir, _keep) = launcher_dir();
    // SAFETY: no other thread of this test reads or writes the environment while the
    // cluster's variables are set, and libprocess has not started yet.
    let cluster = unsafe {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .env("MESOS_LAUNCHER_DIR", dir.to_str().unwrap())
            .env("MESOS_EXECUTOR_REGISTRATION_TIMEOUT", "2secs")
            .apply_unchecked()
            .unwrap()
    };
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("containerizer kill"), "local").unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);
    let task = executor_task(
        "sleeper",
        &offer,
        "echo $$ > shell.pid; sleep 600 & echo $! > child.pid; touch ready; wait",
    );
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &[task], None)
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let sandbox = loop {
        if let Some(s) = find_sandbox(cluster.work_dir(), "sleeper-executor") {
            if s.join("ready").exists() {
                break s;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the executor never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let pids: Vec<i32> = ["shell.pid", "child.pid"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(sandbox.join(f))
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(pids.iter().all(|p| alive(*p)), "{pids:?} not running");

    driver.kill_task(&tid("sleeper")).unwrap();
    let mut killed = None;
    let mut lost = None;
    events.wait_for(
        Duration::from_secs(60),
        "TASK_KILLED and the executor lost",
        |e| {
            match e {
                SchedulerEvent::StatusUpdate { status } if status.is_terminal() => {
                    killed = Some(status.clone())
                }
                SchedulerEvent::ExecutorLost { status, .. } => lost = Some(*status),
                _ => {}
            }
            (killed.is_some() && lost.is_some()).then_some(())
        },
    );
    driver.stop(false).unwrap();
    let killed = killed.unwrap();
    eprintln!(
        "task sleeper: {:?} reason {:?} message {:?}; executor lost with wait status {:?}",
        killed.state(),
        killed.reason(),
        killed.message(),
        lost
    );
    assert_eq!(killed.state(), TaskState::TASK_KILLED);
    // The agent destroyed the container: SIGKILL to the helper's session and process group,
    // so nothing was recorded and the agent reports a death by SIGKILL.
    assert_eq!(lost, Some(9));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn with_sandbox_stdio_the_output_lands_in_the_sandbox_files() {
    // `--sandbox_stdio` (not a Mesos flag) reaches the helper through the agent's own
    // environment, which the helper inherits.
    let (dir, _keep) = launcher_dir();
    // SAFETY: no other thread of this test reads or writes the environment while the
    // cluster's variables are set, and libprocess has not started yet.
    let cluster = unsafe {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .env("MESOS_LAUNCHER_DIR", dir.to_str().unwrap())
            .env("MESOS_CONTAINERIZER_SANDBOX_STDIO", "true")
            .apply_unchecked()
            .unwrap()
    };
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("containerizer stdio"), "local").unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);
    let task = executor_task(
        "talks",
        &offer,
        "echo hello from the sandbox; echo to stderr >&2",
    );
    let captured = tempfile::NamedTempFile::new().unwrap();
    let stdio = Redirect::to(captured.path());
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &[task], None)
        .unwrap();
    let status = events.wait_for(Duration::from_secs(60), "the executor lost", |e| match e {
        SchedulerEvent::ExecutorLost { status, .. } => Some(*status),
        _ => None,
    });
    drop(stdio);
    driver.stop(false).unwrap();
    assert_eq!(status, 0);
    let sandbox = sandbox(cluster.work_dir(), "talks-executor");
    let stdout = std::fs::read_to_string(sandbox.join("stdout")).unwrap();
    let stderr = std::fs::read_to_string(sandbox.join("stderr")).unwrap();
    let agents = std::fs::read_to_string(captured.path()).unwrap();
    match helpers() {
        Helpers::Ours => {
            assert_eq!(stdout, "hello from the sandbox\n");
            assert_eq!(stderr, "to stderr\n");
            assert!(!agents.contains("hello from the sandbox"), "{agents}");
        }
        // Mesos' launch helper has no such option: in local mode the command writes to the
        // agent's own output, and the sandbox files stay empty.
        Helpers::Mesos => {
            assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
            for line in ["hello from the sandbox", "to stderr"] {
                assert!(
                    agents.lines().any(|l| l == line),
                    "{line:?} not in {agents:?}"
                );
            }
        }
    }
}

/// Whether `pid` is a running (not zombie) process.
fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    match stat.rsplit_once(')') {
        Some((_, rest)) => !rest.trim_start().starts_with('Z'),
        None => false,
    }
}

/// SIGTERM's number (15 on every platform this project runs on).
fn libc_sigterm() -> i32 {
    15
}
