//! `mesos::sandbox`: a task's output read back from the local cluster's work directory and
//! from the agent's `/files` endpoints, for a command task and a custom executor's task; and
//! the local cluster's work directory kept on request.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use mesos::local::{LocalCluster, LocalClusterGuard};
use mesos::sandbox::{Agent, Sandbox, SandboxError, TaskRef};
use mesos::types::*;
use mesos::SchedulerDriver;

fn cluster(keep: bool) -> LocalClusterGuard {
    // SAFETY: each test runs in a process of its own (nextest); its only other thread is the
    // harness' main thread, which reads no environment, and no driver exists yet.
    unsafe {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .env("MESOS_ALLOCATION_INTERVAL", "100ms")
            .keep_work_dir(keep)
            .apply_unchecked()
    }
    .expect("local cluster work directory")
}

fn resources() -> Vec<Resource> {
    vec![mesos::resources::cpus(0.1), mesos::resources::mem(16.0)]
}

fn command_task(id: &str, offer: &Offer, script: &str) -> TaskInfo {
    mesos::ids::task_info(id, mesos::ids::task_id(id), &offer.slave_id, resources())
        .with_command(mesos::ids::command_info(script))
}

struct Running {
    driver: SchedulerDriver,
    events: support::Events,
    framework_id: FrameworkID,
    master: String,
}

fn start(name: &str, checkpoint: bool) -> Running {
    let (probe, mut events) = support::probe();
    let mut info = support::framework(name);
    info.set_checkpoint(checkpoint);
    let driver = SchedulerDriver::new(probe, info, "local").unwrap();
    driver.start().unwrap();
    let (framework_id, master) = support::registered(&mut events);
    Running {
        driver,
        events,
        framework_id,
        master: support::master_address(&master),
    }
}

fn terminal(r: &mut Running, task: &str) -> TaskStatus {
    support::next_update(&mut r.events, &format!("terminal update of {task}"), |s| {
        s.task_id.value() == task && s.is_terminal()
    })
}

#[test]
fn a_command_tasks_stdout_and_stderr_read_back_from_disk_and_over_http() {
    let cluster = cluster(false);
    let mut r = start("sandbox command", false);
    let offer = support::next_offers(&mut r.events).remove(0);
    let marker = format!("m{}", std::process::id());
    let t = command_task(
        "speaks",
        &offer,
        &format!("echo out-{marker}; echo err-{marker} >&2; mkdir logs; printf 'é\\001' > logs/x"),
    );
    r.driver
        .launch_tasks(&[(*offer.id).clone()], &[t], None)
        .unwrap();
    let status = terminal(&mut r, "speaks");
    assert_eq!(status.state(), TaskState::TASK_FINISHED, "{status:?}");

    // From the work directory, by task id and by the status.
    let by_id = cluster.sandbox("speaks").unwrap();
    assert!(by_id.is_local());
    assert_eq!(by_id.stdout().unwrap(), format!("out-{marker}\n"));
    // The command executor logs to its stderr too, as Mesos' own does.
    let stderr = by_id.stderr().unwrap();
    assert!(stderr.contains(&format!("\nerr-{marker}\n")), "{stderr}");
    assert_eq!(by_id.read("logs/x").unwrap(), "é\u{1}".as_bytes());
    assert_eq!(by_id.framework_id(), r.framework_id.value());
    assert_eq!(by_id.executor_id(), "speaks");
    let by_status = cluster.sandbox(&status).unwrap();
    assert_eq!(by_status.directory(), by_id.directory());
    assert!(by_id.directory().starts_with(cluster.work_dir()));

    // Over HTTP: the master names the agent, the agent's /state the directory.
    let agent = Agent::of_task(&r.master, "speaks").unwrap();
    let remote = agent.sandbox("speaks").unwrap();
    assert!(!remote.is_local());
    assert_eq!(remote.directory(), by_id.directory());
    assert_eq!(remote.stdout().unwrap(), format!("out-{marker}\n"));
    assert!(remote.stderr().unwrap().starts_with(&stderr), "{stderr}");
    assert_eq!(remote.read("logs/x").unwrap(), "é\u{1}".as_bytes());
    let chunk = remote.read_at("stdout", 4, 3).unwrap();
    assert_eq!(
        (chunk.offset, chunk.data),
        (4, marker.as_bytes()[..3].to_vec())
    );
    let listed: Vec<(String, bool)> = remote
        .list("")
        .unwrap()
        .into_iter()
        .filter(|f| ["logs", "stdout", "stderr"].contains(&f.name.as_str()))
        .map(|f| (f.name, f.is_dir))
        .collect();
    assert_eq!(
        listed,
        [
            (String::from("logs"), true),
            (String::from("stderr"), false),
            (String::from("stdout"), false)
        ]
    );
    let local_logs = by_id.list("").unwrap();
    assert!(
        local_logs.iter().any(|f| f.name == "logs" && f.is_dir)
            && local_logs.iter().any(|f| f.name == "stdout" && f.size > 0),
        "{local_logs:?}"
    );
    // The status names the agent: no search in the master's state.
    let direct = Agent::of_task(&r.master, &status)
        .unwrap()
        .sandbox(&status)
        .unwrap();
    assert_eq!(direct.stdout().unwrap(), format!("out-{marker}\n"));

    // What is not there is said so, with a type.
    assert!(matches!(
        cluster.sandbox("no-such-task"),
        Err(SandboxError::NotFound { .. })
    ));
    assert!(matches!(
        agent.sandbox("no-such-task"),
        Err(SandboxError::NotFound { .. })
    ));
    assert!(matches!(
        remote.read("no-such-file"),
        Err(SandboxError::Status { status: 404, .. })
    ));
    assert!(matches!(
        remote.read("../../x"),
        Err(SandboxError::BadName { .. })
    ));
    r.driver.stop(false).unwrap();
}

/// Launches a task under an "executor" that writes and exits without registering: the task
/// fails, and the output stays in the sandbox of executor `talker`.
fn custom_executor_run(checkpoint: bool) -> (LocalClusterGuard, Running, TaskStatus) {
    let cluster = cluster(false);
    let mut r = start("sandbox executor", checkpoint);
    let offer = support::next_offers(&mut r.events).remove(0);
    let mut executor = ExecutorInfo::new();
    executor.executor_id = Some(mesos::ids::executor_id("talker")).into();
    executor.command = Some(mesos::ids::command_info(
        "echo executor says hi; echo executor complains >&2; exit 3",
    ))
    .into();
    executor.resources = resources();
    let t = mesos::ids::task_info(
        "quiet",
        mesos::ids::task_id("quiet"),
        &offer.slave_id,
        resources(),
    )
    .with_executor(executor);
    r.driver
        .launch_tasks(&[(*offer.id).clone()], &[t], None)
        .unwrap();
    let status = terminal(&mut r, "quiet");
    assert_ne!(status.state(), TaskState::TASK_FINISHED, "{status:?}");
    (cluster, r, status)
}

#[test]
fn a_checkpointing_frameworks_custom_executor_is_found_by_the_task_id_alone() {
    let (cluster, r, _) = custom_executor_run(true);
    // On disk: the agent's records of the executor's tasks (kept when checkpointing).
    let local = cluster.sandbox("quiet").unwrap();
    assert_eq!(local.executor_id(), "talker");
    assert_eq!(local.stdout().unwrap(), "executor says hi\n");
    assert_eq!(local.stderr().unwrap(), "executor complains\n");
    // Over HTTP: the agent's /state, which lists the task under its executor.
    let remote = Agent::of_task(&r.master, "quiet")
        .unwrap()
        .sandbox("quiet")
        .unwrap();
    assert_eq!(remote.executor_id(), "talker");
    assert_eq!(remote.directory(), local.directory());
    assert_eq!(remote.stdout().unwrap(), "executor says hi\n");
    r.driver.stop(false).unwrap();
}

#[test]
fn without_checkpointing_a_custom_executors_task_is_found_through_its_status_or_executor() {
    let (cluster, r, status) = custom_executor_run(false);
    // Nothing on disk ties the task to its executor: the task id alone is not enough there...
    let err = cluster.sandbox("quiet").unwrap_err();
    assert!(matches!(err, SandboxError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("executor"), "{err}");
    // ... but the status names the executor, and so can the caller.
    assert_eq!(status.executor_id.value(), "talker", "{status:?}");
    let by_status = cluster.sandbox(&status).unwrap();
    assert_eq!(by_status.stdout().unwrap(), "executor says hi\n");
    let named = cluster
        .sandbox(TaskRef::new("quiet").executor("talker"))
        .unwrap();
    assert_eq!(named.directory(), by_status.directory());
    // The agent's /state knows the task either way.
    let remote = Agent::of_task(&r.master, "quiet")
        .unwrap()
        .sandbox("quiet")
        .unwrap();
    assert_eq!(remote.directory(), by_status.directory());
    r.driver.stop(false).unwrap();
}

#[test]
fn a_kept_work_directory_outlives_the_guard_and_the_driver() {
    let cluster = cluster(true);
    let work: PathBuf = cluster.work_dir().to_owned();
    let mut r = start("sandbox kept", false);
    let offer = support::next_offers(&mut r.events).remove(0);
    r.driver
        .launch_tasks(
            &[(*offer.id).clone()],
            &[command_task("kept", &offer, "echo still here")],
            None,
        )
        .unwrap();
    terminal(&mut r, "kept");
    r.driver.stop(false).unwrap();
    drop(cluster);
    drop(r);
    // Let the agent's last writes settle; the directory must still be there.
    std::thread::sleep(Duration::from_millis(500));
    let sandbox = Sandbox::find_in(&work, "kept").unwrap();
    assert_eq!(sandbox.stdout().unwrap(), "still here\n");
    std::fs::remove_dir_all(&work).unwrap();
}
