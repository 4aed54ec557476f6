//! The dev kit's real agent runs the project's own `mesos-containerizer` (package
//! `mesos-launcher`): executors whose command is a plain shell command run in their sandbox,
//! and the agent learns how they ended from the helper's status file.
//!
//! The helper is taken from `MESOS_RS_NATIVE_HELPERS` (Mesos' own, for the conformance run),
//! else from `MESOS_LAUNCHER_DIR` when that directory holds one, and built with cargo
//! otherwise.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use mesos::local::LocalClusterGuard;
use mesos::sandbox::TaskRef;
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use support::cluster::{self, Framework};
use support::*;

/// A directory holding an executable `mesos-containerizer`: Mesos' own in the conformance
/// run, else this project's.
fn launcher_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    match native_helpers_dir() {
        Some(dir) => (dir, None),
        None => cluster::built_containerizer_dir(),
    }
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

/// The sandbox directory of `executor_id`'s latest run on `cluster`.
fn sandbox(cluster: &LocalClusterGuard, executor_id: &str) -> PathBuf {
    cluster::sandbox(cluster, TaskRef::default().executor(executor_id))
        .directory()
        .to_owned()
}

#[test]
fn the_real_agent_runs_executors_through_our_launch_helper() {
    let (dir, _keep) = launcher_dir();
    let cluster = cluster::spec().launcher_dir(&dir).start();
    let mut fw = Framework::start("containerizer");
    let offer = fw.next_offer();

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
    fw.launch(&offer, vec![exits, killed]);

    let mut updates = Vec::new();
    let mut lost = Vec::new();
    fw.events.wait_for(
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
    fw.stop();

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
    let exits = sandbox(&cluster, "exits-executor");
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
    let killed = sandbox(&cluster, "killed-executor");
    assert_eq!(
        std::fs::read_to_string(killed.join("last-words.txt")).unwrap(),
        "about to die\n"
    );
    drop(cluster);
}

#[test]
fn limits_from_the_agents_rlimits_isolator_reach_the_command() {
    let (dir, _keep) = launcher_dir();
    let cluster = cluster::spec()
        .launcher_dir(&dir)
        .env("MESOS_ISOLATION", "posix/cpu,posix/mem,posix/rlimits")
        .start();
    let mut fw = Framework::start("containerizer rlimits");
    let offer = fw.next_offer();
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
    fw.launch(&offer, vec![task]);
    let status = fw.executor_lost();
    fw.stop();
    assert_eq!(status, 0, "the command failed");
    let sandbox = sandbox(&cluster, "limited-executor");
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
    let cluster = cluster::spec()
        .launcher_dir(&dir)
        .env("MESOS_EXECUTOR_REGISTRATION_TIMEOUT", "10secs")
        .start();
    let mut fw = Framework::start("containerizer kill");
    fw.launch_one(|offer| {
        executor_task(
            "sleeper",
            offer,
            "echo $$ > shell.pid; sleep 600 & echo $! > child.pid; touch ready; wait",
        )
    });
    let sandbox = cluster::wait_sandbox_file(
        &cluster,
        "sleeper-executor",
        "ready",
        Duration::from_secs(60),
    );
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

    fw.driver.kill_task(&tid("sleeper")).unwrap();
    let mut killed = None;
    let mut lost = None;
    fw.events.wait_for(
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
    fw.stop();
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
    let cluster = cluster::spec()
        .launcher_dir(&dir)
        .env("MESOS_CONTAINERIZER_SANDBOX_STDIO", "true")
        .start();
    let mut fw = Framework::start("containerizer stdio");
    let offer = fw.next_offer();
    let task = executor_task(
        "talks",
        &offer,
        "echo hello from the sandbox; echo to stderr >&2",
    );
    let captured = tempfile::NamedTempFile::new().unwrap();
    let stdio = Redirect::to(captured.path());
    fw.launch(&offer, vec![task]);
    let status = fw.executor_lost();
    drop(stdio);
    fw.stop();
    assert_eq!(status, 0);
    let sandbox = sandbox(&cluster, "talks-executor");
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
