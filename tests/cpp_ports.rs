//! The ports of Mesos' own C++ example frameworks (`examples/*_framework.rs`), each run as a
//! program against a master in this test process, and what they did read back from the
//! master's endpoints (`/state`, `/slaves`, `/roles`, `/metrics/snapshot`), not from what they
//! print. Each test's cluster is its own (nextest runs every test in a process of its own);
//! a probe framework with suppressed offers starts it and tells its address.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mesos::SchedulerDriver;
use serde_json::Value;
use support::*;

const FAST_ALLOCATION: (&str, &str) = ("MESOS_ALLOCATION_INTERVAL", "100ms");

/// The built example `name` (building it if a narrow build left it out).
fn example(name: &str) -> PathBuf {
    let me = std::env::current_exe().unwrap();
    let path = me
        .parent()
        .and_then(|d| d.parent())
        .map(|d| d.join("examples").join(name))
        .unwrap();
    if !path.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "--features", "mesos-rs/stream", "--example", name])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok && path.is_file(),
            "example {name} is not built at {path:?}"
        );
    }
    path
}

/// A local cluster in this process with agents of `resources`, started by a framework that
/// takes no offers; gives the master's `host:port`.
struct Cluster {
    master: String,
    _driver: SchedulerDriver,
    _work: tempfile::TempDir,
}

fn cluster(resources: &str, extra: &[(&str, &str)]) -> Cluster {
    let mut env = vec![FAST_ALLOCATION];
    env.extend_from_slice(extra);
    let work = local_cluster(resources, &env);
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::builder(framework("observer"), "local")
        .suppressed_roles(["*"])
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (_, master) = registered(&mut events);
    // The probe's events are not read again: it has no tasks and gets no offers.
    Cluster {
        master: master_address(&master),
        _driver: driver,
        _work: work,
    }
}

fn json(master: &str, path: &str) -> Value {
    let body = http_get(master, &format!("/master{path}"));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

/// Runs example `name` with `args` against `master`, calling `watch` every 200 ms while it
/// runs; gives its exit code. Panics if it runs longer than `limit`.
fn run_port(
    name: &str,
    args: &[&str],
    master: &str,
    limit: Duration,
    mut watch: impl FnMut(),
) -> i32 {
    let mut child: Child = Command::new(example(name))
        .arg(format!("--master={master}"))
        .args(args)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        watch();
        if let Some(status) = child.try_wait().unwrap() {
            // A last look after the end.
            watch();
            return status.code().unwrap_or(-1);
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("{name} {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The framework called `name` among `/state`'s completed frameworks.
fn completed_framework(state: &Value, name: &str) -> Value {
    state["completed_frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no completed framework {name:?} in {state:#}"))
}

/// `(task id, state)` of each of a framework's completed tasks.
fn task_states(framework: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = framework["completed_tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every resource of `/slaves` that is reserved for `role`, with its reservation stack.
fn reserved_on_agents(master: &str, role: &str) -> Vec<Value> {
    let slaves = json(master, "/slaves");
    let mut out = Vec::new();
    for agent in slaves["slaves"].as_array().unwrap() {
        if let Some(rs) = agent["reserved_resources_full"][role].as_array() {
            out.extend(rs.iter().cloned());
        }
    }
    out
}

fn dynamically_reserved_by(r: &Value, role: &str, principal: &str) -> bool {
    r["reservations"].as_array().is_some_and(|stack| {
        stack.last().is_some_and(|top| {
            top["type"] == "DYNAMIC" && top["role"] == role && top["principal"] == principal
        })
    })
}

fn scalar(r: &Value) -> f64 {
    r["scalar"]["value"].as_f64().unwrap_or(0.0)
}

/// How many operations of each kind (`reserve`, `create`, ...) the master counted as finished.
fn finished_operations<const N: usize>(master: &str, kinds: [&str; N]) -> [f64; N] {
    let names = kinds.map(|k| format!("master/operations/{k}/finished"));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    metrics(master, &names).try_into().unwrap()
}

/// The completed tasks as the master's operator API gives them (`GET_TASKS` to
/// `/master/api/v1`: without a `mesos-master` binary there is no `/api/v1` alias): whole `Task`
/// messages, each resource with its reservations.
fn completed_tasks(master: &str) -> Vec<Value> {
    let body = http_post_json(master, "/master/api/v1", r#"{"type":"GET_TASKS"}"#);
    let reply: Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET_TASKS: {e}: {body}"));
    reply["get_tasks"]["completed_tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn dynamic_reservation_framework_reserves_runs_five_tasks_and_unreserves() {
    let c = cluster("cpus:2;mem:512;disk:128", &[]);
    let code = run_port(
        "dynamic_reservation_framework",
        &["--role=test", "--principal=ops", "--command=echo hello"],
        &c.master,
        Duration::from_secs(120),
        || {},
    );
    assert_eq!(code, 0, "the port exits 0 when its driver was stopped");
    // One reservation and its release, as the master counted the operations. (What
    // `/slaves` shows lives only while the tasks run: sampling it is a race on a loaded
    // machine, as the persistent volume test found.)
    assert_eq!(
        finished_operations(&c.master, ["reserve", "unreserve"]),
        [1.0, 1.0]
    );
    // Five tasks, all finished.
    let state = json(&c.master, "/state");
    let framework = completed_framework(&state, "Dynamic Reservation Framework (Rust)");
    let expected: Vec<(String, String)> = (0..5)
        .map(|i| (i.to_string(), "TASK_FINISHED".to_owned()))
        .collect();
    assert_eq!(task_states(&framework), expected);
    assert_eq!(framework["roles"], serde_json::json!(["test"]));
    // Each ran on one task's worth reserved dynamically for the role by the framework's
    // principal, as its resources record.
    let tasks = completed_tasks(&c.master);
    assert_eq!(tasks.len(), 5, "{tasks:#?}");
    for t in &tasks {
        let resources = t["resources"].as_array().unwrap();
        let reserved = |name: &str| {
            resources
                .iter()
                .filter(|r| r["name"] == name && dynamically_reserved_by(r, "test", "ops"))
                .map(scalar)
                .sum::<f64>()
        };
        assert_eq!((reserved("cpus"), reserved("mem")), (1.0, 128.0), "{t:#}");
    }
    // Released: nothing is reserved for the role any more.
    assert_eq!(reserved_on_agents(&c.master, "test"), Vec::<Value>::new());
}

/// The persistent volumes (disk with a persistence id) of `/slaves`, by persistence id.
fn volumes_on_agents(master: &str, role: &str) -> Vec<String> {
    let mut ids: Vec<String> = reserved_on_agents(master, role)
        .iter()
        .filter_map(|r| r["disk"]["persistence"]["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
fn persistent_volume_framework_creates_uses_and_destroys_volumes() {
    let c = cluster("cpus(test):2;mem(test):512;disk(test):256", &[]);
    let code = run_port(
        "persistent_volume_framework",
        &[
            "--role=test",
            "--num_shards=1",
            "--num_shared_shards=1",
            "--tasks_per_shard=2",
        ],
        &c.master,
        Duration::from_secs(120),
        || {},
    );
    assert_eq!(code, 0, "the port exits 0 when its driver was stopped");
    // Two volumes were created (one per shard) and destroyed, as the master counted the
    // operations. (A volume lives for well under a second here: sampling `/slaves` for
    // them while the port runs missed some on a loaded machine.)
    assert_eq!(
        finished_operations(&c.master, ["create", "destroy"]),
        [2.0, 2.0]
    );
    // None is left on the agent.
    assert_eq!(volumes_on_agents(&c.master, "test"), Vec::<String>::new());
    let state = json(&c.master, "/state");
    let framework = completed_framework(&state, "Persistent Volume Framework (Rust)");
    let tasks = framework["completed_tasks"].as_array().unwrap();
    // Per shard a writer and a reader, all finished: a reader fails unless it finds the
    // file its shard's writer left on the volume.
    assert_eq!(tasks.len(), 4, "{tasks:#?}");
    for task in tasks {
        assert_eq!(task["state"], "TASK_FINISHED", "{task:#}");
    }
    let mut names: Vec<&str> = tasks.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        ["shard-0", "shard-0", "shared-shard-0", "shared-shard-0"]
    );
}

#[test]
fn load_generator_framework_sends_reconciliations_at_its_rate() {
    let c = cluster("cpus:1;mem:128", &[]);
    let before = metric(&c.master, "master/messages_reconcile_tasks");
    let code = run_port(
        "load_generator_framework",
        &["--qps=20", "--duration=3secs"],
        &c.master,
        Duration::from_secs(60),
        || {},
    );
    assert_eq!(code, 0, "the port exits 0 when its driver was stopped");
    let sent = metric(&c.master, "master/messages_reconcile_tasks") - before;
    // 20 a second for 3 seconds at most; at least half of that on a loaded machine.
    assert!((30.0..=61.0).contains(&sent), "{sent} reconciliations");
    let state = json(&c.master, "/state");
    let framework = completed_framework(&state, "Load Generator Framework (Rust)");
    assert_eq!(framework["completed_tasks"], serde_json::json!([]));
    assert!(metric(&c.master, "master/messages_decline_offers") >= 1.0);
}

#[test]
fn disk_full_framework_task_is_stopped_by_the_disk_quota() {
    let c = cluster(
        "cpus:1;mem:256;disk:64",
        &[
            ("MESOS_ISOLATION", "disk/du"),
            ("MESOS_ENFORCE_CONTAINER_DISK_QUOTA", "true"),
            ("MESOS_CONTAINER_DISK_WATCH_INTERVAL", "1secs"),
        ],
    );
    let code = run_port(
        "disk_full_framework",
        &[
            "--run_once",
            "--pre_sleep_duration=1secs",
            "--post_sleep_duration=60secs",
            "--disk_use_limit=10MB",
        ],
        &c.master,
        Duration::from_secs(90),
        || {},
    );
    // A failed task aborts a run-once framework, as in the original.
    assert_eq!(code, 1, "the port exits 1 after aborting");
    let state = json(&c.master, "/state");
    let framework = completed_framework(&state, "Disk Full Framework");
    assert_eq!(
        task_states(&framework),
        [("0".to_owned(), "TASK_FAILED".to_owned())]
    );
    assert_eq!(
        metric(
            &c.master,
            "master/task_failed/source_slave/reason_container_limitation_disk"
        ),
        1.0
    );
}

#[test]
fn balloon_framework_runs_its_executor_to_the_end() {
    // The framework finds its executor next to itself: built too, if a narrow build left it out.
    example("balloon_executor");
    let c = cluster("cpus:1;mem:512", &[]);
    let code = run_port(
        "balloon_framework",
        &["--task_memory=64MB", "--task_memory_usage_limit=128MB"],
        &c.master,
        Duration::from_secs(90),
        || {},
    );
    // No memory limit is enforced here (no cgroups): the balloon task finishes.
    assert_eq!(code, 0, "the port exits 0 when its driver was stopped");
    let state = json(&c.master, "/state");
    let framework = completed_framework(&state, "Balloon Framework");
    assert_eq!(
        task_states(&framework),
        [("0".to_owned(), "TASK_FINISHED".to_owned())]
    );
    let task = &framework["completed_tasks"][0];
    // Run by the balloon executor (named after the task), which reported it running.
    assert_eq!(task["executor_id"], "0");
    let states: Vec<&str> = task["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert!(states.contains(&"TASK_RUNNING"), "{states:?}");
}
