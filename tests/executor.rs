//! The executor side: the shim's C++ executor adapter driven with libmesos' own message
//! objects, and executors end to end under the local cluster's agents (custom executors with
//! the HTTP executor API or libmesos' driver, and command tasks under `mesos-executor`).

mod support;

use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use mesos::executor::{Backend, ExecutorEvent, ExecutorHarness};
use mesos::types::*;
use mesos::{Error, Executor, ExecutorDriver};

/// Records every callback with the name of the thread it ran on.
struct Recorder(Sender<(String, ExecutorEvent)>);

impl Recorder {
    fn send(&self, e: ExecutorEvent) {
        let name = std::thread::current().name().unwrap_or("?").to_owned();
        let _ = self.0.send((name, e));
    }
}

impl Executor for Recorder {
    fn registered(
        &mut self,
        d: &ExecutorDriver,
        e: &ExecutorInfo,
        f: &FrameworkInfo,
        s: &SlaveInfo,
    ) {
        // Driver calls from the adapter's callbacks are answered with a typed error.
        assert!(matches!(
            d.send_framework_message(b"x"),
            Err(Error::Unsupported { .. })
        ));
        self.send(ExecutorEvent::Registered {
            executor_info: e.clone(),
            framework_info: f.clone(),
            slave_info: s.clone(),
        });
    }
    fn reregistered(&mut self, _: &ExecutorDriver, s: &SlaveInfo) {
        self.send(ExecutorEvent::Reregistered {
            slave_info: s.clone(),
        });
    }
    fn disconnected(&mut self, _: &ExecutorDriver) {
        self.send(ExecutorEvent::Disconnected);
    }
    fn launch_task(&mut self, _: &ExecutorDriver, t: &TaskInfo) {
        self.send(ExecutorEvent::LaunchTask { task: t.clone() });
    }
    fn kill_task(&mut self, _: &ExecutorDriver, t: &TaskID) {
        self.send(ExecutorEvent::KillTask {
            task_id: t.clone(),
            kill_policy: None,
        });
    }
    fn framework_message(&mut self, _: &ExecutorDriver, data: &[u8]) {
        self.send(ExecutorEvent::FrameworkMessage {
            data: data.to_vec(),
        });
    }
    fn shutdown(&mut self, _: &ExecutorDriver) {
        self.send(ExecutorEvent::Shutdown);
    }
    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        self.send(ExecutorEvent::Error {
            message: message.into(),
        });
    }
}

fn id<T: protobuf::MessageFull>(value: &str) -> T {
    let mut m = T::new();
    let d = T::descriptor();
    let f = d.field_by_name("value").unwrap();
    f.set_singular_field(&mut m, value.to_owned().into());
    m
}

fn scalar(name: &str, v: f64) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(v);
    r
}

fn realistic() -> (ExecutorInfo, FrameworkInfo, SlaveInfo, TaskInfo) {
    let mut executor = ExecutorInfo::new();
    executor.executor_id = Some(id::<ExecutorID>("exec-1")).into();
    executor.framework_id = Some(id::<FrameworkID>("fw-1")).into();
    executor.set_name("Rust test executor".into());
    executor.set_source("tests".into());
    executor
        .command
        .mut_or_insert_default()
        .set_value("/usr/bin/test-executor --flag".into());
    let mut uri = command_info::URI::new();
    uri.set_value("http://example.invalid/executor.tar.gz".into());
    uri.set_extract(true);
    executor.command.mut_or_insert_default().uris.push(uri);
    executor.resources.push(scalar("cpus", 0.1));
    executor.resources.push(scalar("mem", 32.0));
    executor.set_data(vec![0, 1, 2, 255]);

    let mut framework = FrameworkInfo::new();
    framework.set_user("alice".into());
    framework.set_name("executor test".into());
    framework.id = Some(id::<FrameworkID>("fw-1")).into();
    framework.set_failover_timeout(3600.5);
    framework.set_checkpoint(true);
    framework.roles = vec!["web".into(), "batch".into()];
    framework.set_principal("alice".into());
    let mut label = Label::new();
    label.set_key("team".into());
    label.set_value("infra".into());
    framework.labels.mut_or_insert_default().labels.push(label);

    let mut slave = SlaveInfo::new();
    slave.set_hostname("agent-7.example.invalid".into());
    slave.set_port(5051);
    slave.id = Some(id::<SlaveID>("agent-7")).into();
    slave.resources.push(scalar("cpus", 8.0));
    let mut rack = Attribute::new();
    rack.set_name("rack".into());
    rack.set_type(value::Type::TEXT);
    rack.text.mut_or_insert_default().set_value("r12".into());
    slave.attributes.push(rack);

    let mut task = TaskInfo::new();
    task.set_name("task one".into());
    task.task_id = Some(id::<TaskID>("task-1")).into();
    task.slave_id = Some(id::<SlaveID>("agent-7")).into();
    task.resources.push(scalar("cpus", 1.0));
    task.resources.push(scalar("mem", 128.0));
    task.executor = Some(executor.clone()).into();
    task.set_data(b"echo hello".to_vec());
    (executor, framework, slave, task)
}

#[test]
fn every_executor_callback_reaches_the_trait_intact_in_order_on_the_callback_thread() {
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Recorder(tx)).unwrap();
    let (executor, framework, slave, task) = realistic();
    harness.registered(&executor, &framework, &slave).unwrap();
    harness.reregistered(&slave).unwrap();
    harness.disconnected().unwrap();
    harness.launch_task(&task).unwrap();
    harness.kill_task(&task.task_id).unwrap();
    harness
        .framework_message(&[0, 159, 146, 150, b'x'])
        .unwrap();
    harness.shutdown().unwrap();
    harness.error("agent went away").unwrap();
    harness.drain();

    let got: Vec<(String, ExecutorEvent)> = rx.try_iter().collect();
    let expected = vec![
        ExecutorEvent::Registered {
            executor_info: executor,
            framework_info: framework,
            slave_info: slave.clone(),
        },
        ExecutorEvent::Reregistered { slave_info: slave },
        ExecutorEvent::Disconnected,
        ExecutorEvent::LaunchTask { task: task.clone() },
        ExecutorEvent::KillTask {
            task_id: task.task_id.clone().unwrap(),
            kill_policy: None,
        },
        ExecutorEvent::FrameworkMessage {
            data: vec![0, 159, 146, 150, b'x'],
        },
        ExecutorEvent::Shutdown,
        ExecutorEvent::Error {
            message: "agent went away".into(),
        },
    ];
    let events: Vec<ExecutorEvent> = got.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(events, expected);
    let me = std::thread::current().name().map(str::to_owned);
    for (thread, _) in &got {
        assert_eq!(thread, "mesos-executor");
        assert_ne!(Some(thread.clone()), me);
    }
    assert_eq!(harness.panic_message(), None);
}

#[test]
fn the_adapter_rejects_bad_messages_with_the_missing_fields() {
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Recorder(tx)).unwrap();
    let err = harness.launch_task(&TaskInfo::new()).unwrap_err();
    assert_eq!(
        err,
        Error::MissingFields {
            type_name: "mesos.TaskInfo".into(),
            argument: Some(0),
            parameter: Some("task"),
            element: None,
            fields: vec!["name".into(), "task_id".into(), "slave_id".into()],
        }
    );
    harness.drain();
    assert!(rx.try_recv().is_err(), "nothing was delivered");
}

struct Panicky(Sender<&'static str>);
impl Executor for Panicky {
    fn launch_task(&mut self, _: &ExecutorDriver, _: &TaskInfo) {
        panic!("executor boom");
    }
    fn shutdown(&mut self, _: &ExecutorDriver) {
        let _ = self.0.send("shutdown after panic");
    }
}

#[test]
fn a_panicking_executor_callback_is_contained() {
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Panicky(tx)).unwrap();
    let (_, _, _, task) = realistic();
    harness.launch_task(&task).unwrap();
    harness.shutdown().unwrap();
    harness.drain();
    assert_eq!(harness.panic_message().as_deref(), Some("executor boom"));
    assert!(
        rx.try_recv().is_err(),
        "callbacks after a panic are not delivered"
    );
}

#[test]
fn executor_driver_construction_reports_a_missing_executor_driver() {
    if mesos::has_executor_driver() {
        eprintln!("this libmesos has MesosExecutorDriver; nothing to check here");
        return;
    }
    // Asked for explicitly; `ExecutorDriver::new` would pick the HTTP backend here.
    let (tx, _rx) = channel();
    match ExecutorDriver::builder(Recorder(tx))
        .backend(Backend::Libmesos)
        .build()
    {
        Err(Error::Unsupported { call: why, .. }) => {
            assert!(why.contains("MesosExecutorDriver"), "{why}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let (tx, _rx) = channel();
    let env = [("MESOS_FRAMEWORK_ID".to_owned(), "x".to_owned())]
        .into_iter()
        .collect();
    assert!(matches!(
        ExecutorDriver::builder(Recorder(tx))
            .backend(Backend::Libmesos)
            .environment(env)
            .build(),
        Err(Error::Unsupported { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// End to end, under the local cluster's real agent(s): the agent starts executors through
// the launch helper and the command executor in MESOS_LAUNCHER_DIR (on the dev kit,
// `LocalCluster` points it at the kit's `libexec/mesos`; set it yourself to use other
// builds). Custom-executor tests run `test_executor` (the example, when built; otherwise
// this test binary, re-run as that executor, runs the same code).
// ---------------------------------------------------------------------------------------

#[path = "../examples/shared/test_executor.rs"]
mod test_executor;

use std::path::{Path, PathBuf};
use std::time::Instant;

use mesos::local::{LocalCluster, LocalClusterGuard};
use mesos::scheduler::SchedulerEvent;
use mesos::SchedulerDriver;
use support::{launch, Helpers, Redirect};

/// The role variable of a re-run of this test binary.
const ROLE_VAR: &str = "MESOS_RS_TEST_ROLE";

/// In a test that may run `test_executor` as this binary: become it when asked to.
fn executor_role() {
    if std::env::var(ROLE_VAR).as_deref() == Ok("test-executor") {
        std::process::exit(i32::from(test_executor::exit_status()));
    }
}

/// Starts a local cluster and checks that its agents can find the helper programs. In
/// local mode the agent gives containers its own stdin/stdout/stderr (the test's); when the
/// launch helper can send them to the sandbox files instead (this project's helper, option
/// `sandbox_stdio`), that is asked for, so that output lands where a real agent puts it.
fn cluster(agents: u32, resources: &str) -> LocalClusterGuard {
    // SAFETY: each test runs in a process of its own (nextest); its only other thread is the
    // harness' main thread, which waits for the test and reads no environment, and no driver
    // (so no libmesos thread) exists yet.
    let mut config = LocalCluster::new()
        .agents(agents)
        .resources(resources)
        .env("MESOS_ALLOCATION_INTERVAL", "100ms");
    // Mesos' own helpers in the conformance run, else the kit's (or MESOS_LAUNCHER_DIR's).
    if let Some(dir) = support::launcher_dir() {
        config = config.launcher_dir(dir);
    }
    let guard = unsafe { config.apply_unchecked() }.expect("local cluster work directory");
    match std::env::var_os("MESOS_LAUNCHER_DIR") {
        Some(dir) => {
            for program in ["mesos-containerizer", "mesos-executor"] {
                let p = Path::new(&dir).join(program);
                assert!(
                    p.is_file(),
                    "MESOS_LAUNCHER_DIR={} holds no {program}: provision the dev kit \
                     (python3 mesos-sys/devkit/provision.py) or build mesos-launcher into that directory",
                    Path::new(&dir).display()
                );
            }
            let usage = std::process::Command::new(Path::new(&dir).join("mesos-containerizer"))
                .args(["launch", "--help"])
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout).into_owned()
                        + &String::from_utf8_lossy(&o.stderr)
                })
                .unwrap_or_default();
            if usage.contains("sandbox_stdio") {
                // Read when the agents start; no other thread reads the environment yet.
                std::env::set_var("MESOS_CONTAINERIZER_SANDBOX_STDIO", "true");
            }
        }
        None => assert!(
            mesos::has_executor_driver(),
            "MESOS_LAUNCHER_DIR is not set and the linked libmesos ({}) ships no agent helper \
             programs: provision the dev kit (python3 mesos-sys/devkit/provision.py) or set it",
            linked_libmesos()
        ),
    }
    guard
}

/// The libmesos this process has loaded, from `/proc/self/maps`.
fn linked_libmesos() -> String {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|path| {
            Path::new(path)
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libmesos"))
        })
        .unwrap_or("no libmesos mapped")
        .to_owned()
}

/// A framework on the local cluster, registered; returns its id too.
fn framework_on_local(name: &str) -> (SchedulerDriver, Watch, FrameworkID, MasterInfo) {
    let (probe, mut events) = support::probe();
    let mut info = support::framework(name);
    // Tasks may report TASK_KILLING.
    let mut cap = framework_info::Capability::new();
    cap.set_type(framework_info::capability::Type::TASK_KILLING_STATE);
    info.capabilities.push(cap);
    let driver = SchedulerDriver::new(probe, info, "local").unwrap();
    driver.start().unwrap();
    let (framework_id, master) = support::registered(&mut events);
    (driver, Watch::new(events), framework_id, master)
}

/// The custom executor: the `test_executor` example if built, else this test binary re-run
/// in the executor role of test `test`.
fn test_executor_info(test: &str) -> ExecutorInfo {
    let me = std::env::current_exe().unwrap();
    let example = me
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("examples").join("test_executor"))
        .filter(|p| p.is_file());
    let mut e = ExecutorInfo::new();
    e.executor_id = Some(id::<ExecutorID>("rust-test-executor")).into();
    e.set_name("test_executor".into());
    let c = e.command.mut_or_insert_default();
    c.set_shell(false);
    match example {
        Some(path) => {
            println!("custom executor: {}", path.display());
            let path = path.to_string_lossy().into_owned();
            c.set_value(path.clone());
            c.arguments = vec![path];
        }
        None => {
            let path = me.to_string_lossy().into_owned();
            println!("custom executor: {path} (re-run as test_executor; the example is not built)");
            c.set_value(path.clone());
            c.arguments = vec![
                path,
                "--exact".into(),
                test.into(),
                "--nocapture".into(),
                "--test-threads=1".into(),
            ];
            let mut v = environment::Variable::new();
            v.set_name(ROLE_VAR.into());
            v.set_value("test-executor".into());
            c.environment.mut_or_insert_default().variables.push(v);
        }
    }
    e
}

fn resources(cpus: f64, mem: f64) -> Vec<Resource> {
    vec![scalar("cpus", cpus), scalar("mem", mem)]
}

/// A task with the custom executor, running `script` (its `data`).
fn executor_task(name: &str, offer: &Offer, executor: &ExecutorInfo, script: &str) -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name(name.into());
    t.task_id = Some(id::<TaskID>(name)).into();
    t.slave_id = offer.slave_id.clone();
    t.resources = resources(0.2, 32.0);
    t.executor = Some(executor.clone()).into();
    t.set_data(script.as_bytes().to_vec());
    t
}

/// A command task (run by `mesos-executor`).
fn command_task(name: &str, offer: &Offer, script: &str) -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name(name.into());
    t.task_id = Some(id::<TaskID>(name)).into();
    t.slave_id = offer.slave_id.clone();
    t.resources = resources(0.1, 16.0);
    t.command.mut_or_insert_default().set_value(script.into());
    t
}

fn grace(seconds: u64) -> KillPolicy {
    let mut k = KillPolicy::new();
    k.grace_period
        .mut_or_insert_default()
        .set_nanoseconds(seconds as i64 * 1_000_000_000);
    k
}

/// The scheduler's events, with every status update and framework message kept, so that
/// waiting for one task's update never loses another's.
struct Watch {
    events: support::Events,
    statuses: Vec<TaskStatus>,
    messages: Vec<Vec<u8>>,
}

impl Watch {
    fn new(events: support::Events) -> Watch {
        Watch {
            events,
            statuses: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// Takes events (keeping updates and messages) until `done` finds what it needs in
    /// what was kept, for up to `timeout`.
    fn until<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut(&[TaskStatus], &[Vec<u8>]) -> Option<T>,
    ) -> T {
        if let Some(t) = done(&self.statuses, &self.messages) {
            return t;
        }
        let Watch {
            events,
            statuses,
            messages,
        } = self;
        events.wait_for(timeout, what, |e| {
            match e {
                SchedulerEvent::StatusUpdate { status } => statuses.push(status.clone()),
                SchedulerEvent::FrameworkMessage { data, .. } => messages.push(data.clone()),
                _ => {}
            }
            done(statuses, messages)
        })
    }

    /// The next offers (updates and messages meanwhile are kept).
    fn offers(&mut self) -> Vec<Offer> {
        let Watch {
            events,
            statuses,
            messages,
        } = self;
        events.wait_for(Duration::from_secs(30), "offers", |e| match e {
            SchedulerEvent::ResourceOffers { offers } if !offers.is_empty() => Some(offers.clone()),
            SchedulerEvent::StatusUpdate { status } => {
                statuses.push(status.clone());
                None
            }
            SchedulerEvent::FrameworkMessage { data, .. } => {
                messages.push(data.clone());
                None
            }
            _ => None,
        })
    }

    /// The update of `task` in `state`; fails if the task reached another terminal state.
    fn state(&mut self, task: &str, state: TaskState) -> TaskStatus {
        let s = self.until(
            Duration::from_secs(60),
            &format!("{state:?} of {task}"),
            |statuses, _| {
                statuses
                    .iter()
                    .find(|s| s.task_id.value() == task && (s.state() == state || s.is_terminal()))
                    .cloned()
            },
        );
        assert_eq!(
            s.state(),
            state,
            "{task} ended otherwise: {s:?} (helpers from MESOS_LAUNCHER_DIR={:?})",
            std::env::var_os("MESOS_LAUNCHER_DIR")
        );
        s
    }

    /// The first framework message `accept` takes.
    fn message(&mut self, what: &str, accept: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        self.until(Duration::from_secs(60), what, |_, messages| {
            messages.iter().find(|m| accept(m)).cloned()
        })
    }
}

/// `(pid, command line)` of live processes that carry `MESOS_FRAMEWORK_ID=<framework>` in
/// their environment (executors, and the tasks they started) or descend from this process
/// (the in-process agents' launch helpers and executors).
fn leftovers(framework: &FrameworkID) -> Vec<(i32, String)> {
    let me = std::process::id() as i32;
    let marker = format!("MESOS_FRAMEWORK_ID={}", framework.value());
    let mut stats = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut rest = stat[close + 1..].split_whitespace();
        let state = rest.next().unwrap_or("?").to_owned();
        let ppid: i32 = rest.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        stats.push((pid, ppid, state));
    }
    let mut descendants = vec![me];
    let mut i = 0;
    while i < descendants.len() {
        let parent = descendants[i];
        for (pid, ppid, _) in &stats {
            if *ppid == parent && !descendants.contains(pid) {
                descendants.push(*pid);
            }
        }
        i += 1;
    }
    stats
        .iter()
        .filter(|(pid, _, state)| *pid != me && state != "Z" && state != "X")
        .filter(|(pid, _, _)| {
            descendants.contains(pid)
                || std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| env.split(|b| *b == 0).any(|v| v == marker.as_bytes()))
                    .unwrap_or(false)
        })
        .map(|(pid, _, _)| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .unwrap_or_default();
            (*pid, cmd)
        })
        .collect()
}

/// Waits until [`leftovers`] is empty, for up to `within`.
fn wait_no_leftovers(framework: &FrameworkID, within: Duration) -> Vec<(i32, String)> {
    let deadline = Instant::now() + within;
    loop {
        let left = leftovers(framework);
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn custom_executor_end_to_end_registers_runs_messages_kills_and_shuts_down() {
    executor_role();
    let started = Instant::now();
    let _cluster = cluster(1, "cpus:4;mem:1024");
    let (driver, mut w, framework_id, _) = framework_on_local("executor e2e");
    let executor = test_executor_info(
        "custom_executor_end_to_end_registers_runs_messages_kills_and_shuts_down",
    );
    let offer = w.offers().remove(0);
    let finishes = executor_task("finishes", &offer, &executor, "echo working; sleep 1");
    let mut killed = executor_task(
        "killed",
        &offer,
        &executor,
        "trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.1; done",
    );
    killed.kill_policy = Some(grace(30)).into();
    // dash does not exec the last command: the sleeps are children of the task's shell.
    let lingers = executor_task("lingers", &offer, &executor, "sleep 600 & sleep 600");
    driver
        .launch_tasks(
            &[offer.id.clone().unwrap()],
            &[finishes, killed, lingers],
            None,
        )
        .unwrap();

    // registered: the executor says so (with its pid) in a framework message.
    let hello = String::from_utf8_lossy(
        &w.message("the executor's hello", |m| m.starts_with(b"registered ")),
    )
    .into_owned();
    assert!(
        hello.starts_with("registered rust-test-executor pid "),
        "{hello}"
    );
    let executor_pid: i32 = hello.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(Path::new(&format!("/proc/{executor_pid}")).exists());

    // launch, TASK_RUNNING, a framework message each way.
    let running = w.state("finishes", TaskState::TASK_RUNNING);
    assert_eq!(running.executor_id.value(), "rust-test-executor");
    driver
        .send_framework_message(&running.executor_id, &running.slave_id, b"ping")
        .unwrap();
    let reply = w.message("the executor's reply", |m| m.starts_with(b"echo: "));
    assert_eq!(reply, b"echo: ping");
    let finished = w.state("finishes", TaskState::TASK_FINISHED);
    assert!(
        finished.message().contains("exited with status 0"),
        "{finished:?}"
    );

    // A kill within the grace period: the task handles SIGTERM and exits at once.
    w.state("killed", TaskState::TASK_RUNNING);
    let asked = Instant::now();
    driver.kill_task(&id::<TaskID>("killed")).unwrap();
    w.state("killed", TaskState::TASK_KILLED);
    let kill_took = asked.elapsed();
    assert!(kill_took < Duration::from_secs(30), "{kill_took:?}");

    // Shutdown: the framework goes away, the agent shuts the executor down, which kills
    // the task's whole process group; nothing of the framework is left.
    w.state("lingers", TaskState::TASK_RUNNING);
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "left after shutdown: {left:?}");
    assert!(
        !Path::new(&format!("/proc/{executor_pid}/stat")).exists()
            || std::fs::read_to_string(format!("/proc/{executor_pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
    );
    println!(
        "custom executor end to end: {:?} (kill took {kill_took:?})",
        started.elapsed()
    );
}

#[test]
fn command_task_output_lands_in_the_sandbox_and_the_agent_serves_it() {
    let _cluster = cluster(1, "cpus:2;mem:512");
    let (driver, mut w, framework_id, master) = framework_on_local("command output");
    let offer = w.offers().remove(0);
    let marker = format!("marker-{}", std::process::id());
    let t = command_task(
        "speaks",
        &offer,
        &format!("echo out-{marker}; echo err-{marker} >&2"),
    );
    // Mesos' helpers hand the task this process' own output (see below): catch it.
    let captured = tempfile::NamedTempFile::new().unwrap();
    let stdio = (support::helpers() == Helpers::Mesos).then(|| Redirect::to(captured.path()));
    launch(&driver, &offer, &[t]);
    // The command executor's own sequence, as Mesos': STARTING, RUNNING, FINISHED.
    let starting = w.state("speaks", TaskState::TASK_STARTING);
    assert_eq!(starting.source(), task_status::Source::SOURCE_EXECUTOR);
    w.state("speaks", TaskState::TASK_RUNNING);
    let finished = w.state("speaks", TaskState::TASK_FINISHED);
    assert_eq!(finished.message(), "Command exited with status 0");
    // The command executor's id is the task's.
    assert_eq!(finished.executor_id.value(), "speaks");
    drop(stdio);

    let local = _cluster.sandbox(&finished).unwrap();
    let stdout = local.stdout().unwrap();
    let stderr = local.stderr().unwrap();
    match support::helpers() {
        Helpers::Ours => {
            assert!(
                stdout.contains(&format!("out-{marker}\n")),
                "stdout: {stdout}"
            );
            assert!(
                stderr.contains(&format!("err-{marker}\n")),
                "stderr: {stderr}"
            );
            assert!(
                !stdout.contains(&format!("err-{marker}")),
                "stdout: {stdout}"
            );
        }
        // Mesos' launch helper ignores MESOS_CONTAINERIZER_SANDBOX_STDIO: an agent in local
        // mode gives the container its own stdout/stderr (this process'), not the sandbox
        // files.
        Helpers::Mesos => {
            let agents = std::fs::read_to_string(captured.path()).unwrap();
            for line in [format!("out-{marker}"), format!("err-{marker}")] {
                assert!(agents.lines().any(|l| l == line), "{line} not in {agents}");
            }
            assert!(!stdout.contains(&marker), "stdout: {stdout}");
            assert!(!stderr.contains(&marker), "stderr: {stderr}");
        }
    }

    // The same bytes through the agent's /files endpoint.
    let address = support::master_address(&master);
    let remote = mesos::sandbox::Agent::of_task(&address, &finished)
        .and_then(|agent| agent.sandbox(&finished))
        .unwrap();
    assert_eq!(remote.directory(), local.directory());
    assert_eq!(remote.stdout().unwrap(), stdout);
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_failing_command_reports_its_exit_code_in_task_failed() {
    let _cluster = cluster(1, "cpus:2;mem:512");
    let (driver, mut w, framework_id, _) = framework_on_local("command failure");
    let offer = w.offers().remove(0);
    let mut argv = command_task("no-such-program", &offer, "");
    argv.command.mut_or_insert_default().set_shell(false);
    argv.command
        .mut_or_insert_default()
        .set_value("/nonexistent/program".into());
    driver
        .launch_tasks(
            &[offer.id.clone().unwrap()],
            &[
                command_task("fails", &offer, "echo about to fail; exit 7"),
                argv,
            ],
            None,
        )
        .unwrap();
    let failed = w.state("fails", TaskState::TASK_FAILED);
    assert_eq!(failed.message(), "Command exited with status 7");
    assert_eq!(failed.source(), task_status::Source::SOURCE_EXECUTOR);
    // Bad launch info: a clear reason, not a hang.
    let bad = w.state("no-such-program", TaskState::TASK_FAILED);
    let states: Vec<TaskState> = w
        .statuses
        .iter()
        .filter(|s| s.task_id.value() == "no-such-program")
        .map(|s| s.state())
        .collect();
    println!("no-such-program: {states:?}, {:?}", bad.message());
    match support::helpers() {
        // Ours checks the program before starting the task, and names it.
        Helpers::Ours => {
            assert!(
                bad.message().contains("/nonexistent/program")
                    && bad.message().contains("No such file"),
                "{bad:?}"
            );
            assert!(!states.contains(&TaskState::TASK_RUNNING), "{states:?}");
        }
        // Mesos' reports the task running, then the launch helper's exit status.
        Helpers::Mesos => {
            assert_eq!(bad.message(), "Command exited with status 1", "{bad:?}");
            assert!(states.contains(&TaskState::TASK_RUNNING), "{states:?}");
        }
    }
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn command_tasks_are_killed_within_their_grace_period_and_shutdown_leaves_nothing() {
    let started = Instant::now();
    let _cluster = cluster(1, "cpus:2;mem:512");
    let (driver, mut w, framework_id, _) = framework_on_local("command kill");
    let offer = w.offers().remove(0);
    // The task says when its handler is in place: a SIGTERM before that (a slow start, e.g.
    // with a preloaded library in every process) would end the shell by the signal.
    let marks = tempfile::tempdir().unwrap();
    let ready = marks.path().join("polite-ready");
    let mut polite = command_task(
        "polite",
        &offer,
        &format!(
            "trap 'echo bye; exit 0' TERM; touch '{}'; while :; do sleep 0.1; done",
            ready.display()
        ),
    );
    polite.kill_policy = Some(grace(30)).into();
    let stubborn = command_task("stubborn", &offer, "sleep 600 & sleep 600");
    launch(&driver, &offer, &[polite, stubborn]);
    w.state("polite", TaskState::TASK_RUNNING);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready.exists() {
        assert!(Instant::now() < deadline, "the polite task never got ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    let asked = Instant::now();
    driver.kill_task(&id::<TaskID>("polite")).unwrap();
    // The framework has TASK_KILLING_STATE: the executor says it is killing first.
    w.state("polite", TaskState::TASK_KILLING);
    let killed = w.state("polite", TaskState::TASK_KILLED);
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
    // The task's own end, from both implementations: it handled SIGTERM and exited 0.
    assert_eq!(killed.message(), "Command exited with status 0");

    w.state("stubborn", TaskState::TASK_RUNNING);
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "left after shutdown: {left:?}");
    println!(
        "command kill and shutdown: {:?} (kill took {took:?})",
        started.elapsed()
    );
}

/// What the launch helper does when the agent kills a container gracefully: it forwards
/// SIGTERM to the command executor, which then kills its task with the grace period and
/// reports it, instead of dying and leaving the task behind.
#[test]
fn sigterm_to_the_command_executor_kills_and_reports_its_task() {
    let cluster = cluster(1, "cpus:2;mem:512");
    let (driver, mut w, framework_id, _) = framework_on_local("command executor signal");
    let offer = w.offers().remove(0);
    // The task's shell writes its parent's pid (the executor's) into the sandbox.
    let t = command_task(
        "signalled",
        &offer,
        "echo $PPID > executor.pid; sleep 600 & sleep 600",
    );
    // With Mesos' helpers the task's processes outlive it (below) and would hold this
    // process' output, which they were given: give them a file instead.
    let captured = tempfile::NamedTempFile::new().unwrap();
    let stdio = (support::helpers() == Helpers::Mesos).then(|| Redirect::to(captured.path()));
    launch(&driver, &offer, &[t]);
    w.state("signalled", TaskState::TASK_RUNNING);
    let pid_file = cluster
        .sandbox("signalled")
        .unwrap()
        .directory()
        .join("executor.pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    let executor_pid: i32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "no {}", pid_file.display());
        std::thread::sleep(Duration::from_millis(20));
    };
    let cmdline = std::fs::read(format!("/proc/{executor_pid}/cmdline")).unwrap();
    assert!(
        String::from_utf8_lossy(&cmdline).starts_with("mesos-executor"),
        "{}",
        String::from_utf8_lossy(&cmdline)
    );
    // SAFETY: kill takes plain integers; the pid is the command executor's, a child of
    // this process' agent.
    assert_eq!(unsafe { libc::kill(executor_pid, libc::SIGTERM) }, 0);
    match support::helpers() {
        // Ours kills the task (with its grace period) and reports it.
        Helpers::Ours => {
            let killed = w.state("signalled", TaskState::TASK_KILLED);
            assert_eq!(
                killed.message(),
                "Command terminated with signal Terminated"
            );
            driver.stop(false).unwrap();
        }
        // Mesos' dies of the signal: the agent reports the task failed with its executor,
        // and the task's processes live on, orphaned. This test ends them.
        Helpers::Mesos => {
            let failed = w.state("signalled", TaskState::TASK_FAILED);
            assert_eq!(failed.message(), "Executor terminated", "{failed:?}");
            assert_eq!(failed.source(), task_status::Source::SOURCE_SLAVE);
            driver.stop(false).unwrap();
            let orphans = wait_no_leftovers(&framework_id, Duration::from_secs(5));
            for (pid, cmd) in &orphans {
                // SAFETY: kill takes plain integers; the pid is one of the task's processes.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
                println!("ended orphan {pid}: {cmd}");
            }
            assert!(
                orphans.iter().any(|(_, cmd)| cmd.starts_with("sleep 600")),
                "{orphans:?}"
            );
        }
    }
    drop(stdio);
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn twenty_tasks_in_parallel_on_two_agents_all_finish() {
    executor_role();
    let started = Instant::now();
    let _cluster = cluster(2, "cpus:4;mem:2048");
    let (driver, mut w, framework_id, _) = framework_on_local("twenty");
    let executor = test_executor_info("twenty_tasks_in_parallel_on_two_agents_all_finish");
    // Ten command tasks and ten test_executor tasks, spread over both agents.
    let mut offers = Vec::new();
    while offers.len() < 2 {
        for o in w.offers() {
            if !offers.iter().any(|x: &Offer| x.slave_id == o.slave_id) {
                offers.push(o);
            }
        }
    }
    for (a, offer) in offers.iter().enumerate() {
        let mut tasks = Vec::new();
        for i in 0..5 {
            tasks.push(command_task(&format!("cmd-{a}-{i}"), offer, "sleep 0.5"));
            tasks.push(executor_task(
                &format!("exe-{a}-{i}"),
                offer,
                &executor,
                "sleep 0.5",
            ));
        }
        driver
            .launch_tasks(&[offer.id.clone().unwrap()], &tasks, None)
            .unwrap();
    }
    let terminal: Vec<TaskStatus> = w.until(
        Duration::from_secs(120),
        "20 terminal updates",
        |statuses, _| {
            let t: Vec<TaskStatus> = statuses
                .iter()
                .filter(|s| s.is_terminal())
                .cloned()
                .collect();
            (t.len() >= 20).then_some(t)
        },
    );
    let mut finished = std::collections::BTreeMap::new();
    for s in &terminal {
        assert_eq!(s.state(), TaskState::TASK_FINISHED, "{s:?}");
        finished.insert(s.task_id.value().to_owned(), s.slave_id.value().to_owned());
    }
    assert_eq!(finished.len(), 20, "{finished:?}");
    let agents: std::collections::BTreeSet<&String> = finished.values().collect();
    assert_eq!(agents.len(), 2, "{finished:?}");
    let took = started.elapsed();
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(30));
    assert!(left.is_empty(), "{left:?}");
    println!("20 tasks on 2 agents finished in {took:?}");
}

#[test]
fn a_missing_executor_program_fails_its_tasks_instead_of_hanging() {
    let _cluster = cluster(1, "cpus:2;mem:512");
    let (driver, mut w, framework_id, _) = framework_on_local("bad executor");
    let offer = w.offers().remove(0);
    let mut e = ExecutorInfo::new();
    e.executor_id = Some(id::<ExecutorID>("missing")).into();
    e.command
        .mut_or_insert_default()
        .set_value("/nonexistent/executor --flag".into());
    let t = executor_task("orphaned", &offer, &e, "sleep 1");
    let captured = tempfile::NamedTempFile::new().unwrap();
    let stdio = (support::helpers() == Helpers::Mesos).then(|| Redirect::to(captured.path()));
    launch(&driver, &offer, &[t]);
    let failed = w.state("orphaned", TaskState::TASK_FAILED);
    drop(stdio);
    assert_eq!(
        failed.source(),
        task_status::Source::SOURCE_SLAVE,
        "{failed:?}"
    );
    // Why is on the sandbox's stderr (with Mesos' launch helper, on the agent's own).
    let stderr = match support::helpers() {
        Helpers::Ours => _cluster
            .sandbox(mesos::sandbox::TaskRef::new("orphaned").executor("missing"))
            .and_then(|s| s.stderr())
            .unwrap(),
        Helpers::Mesos => std::fs::read_to_string(captured.path()).unwrap(),
    };
    assert!(stderr.contains("/nonexistent/executor"), "{stderr}");
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "{left:?}");
}

/// What an executor finds in its environment, with the agent endpoint at `endpoint`.
fn executor_environment(endpoint: &str, sandbox: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("MESOS_FRAMEWORK_ID", "fw-unreachable".into()),
        ("MESOS_EXECUTOR_ID", "ex-unreachable".into()),
        ("MESOS_SLAVE_ID", "agent-unreachable".into()),
        ("MESOS_AGENT_ENDPOINT", endpoint.into()),
        ("MESOS_SLAVE_PID", format!("slave(1)@{endpoint}")),
        ("MESOS_DIRECTORY", sandbox.to_string_lossy().into_owned()),
        ("MESOS_SANDBOX", sandbox.to_string_lossy().into_owned()),
        ("MESOS_CHECKPOINT", "0".into()),
        ("MESOS_HTTP_COMMAND_EXECUTOR", "0".into()),
        ("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs".into()),
        ("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs".into()),
        ("MESOS_RECOVERY_TIMEOUT", "15mins".into()),
        ("PATH", "/usr/bin:/bin".into()),
    ]
}

/// Runs `program` with `args` and exactly `env`; (exit status, stderr, how long it took).
fn run_bounded(
    program: &Path,
    args: &[&str],
    env: &[(&str, String)],
    limit: Duration,
) -> (Option<i32>, String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let started = Instant::now();
    let mut child = std::process::Command::new(program)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} {args:?} still running after {limit:?}; stderr: {}",
                program.display(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code(),
        std::fs::read_to_string(&err_path).unwrap_or_default(),
        started.elapsed(),
    )
}

#[test]
fn executors_outside_an_agent_or_with_an_unreachable_one_exit_with_a_clear_error() {
    executor_role();
    let _cluster = cluster(1, "cpus:1;mem:128");
    let sandbox_dir = tempfile::tempdir().unwrap();
    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("127.0.0.1:{port}");
    let env = executor_environment(&endpoint, sandbox_dir.path());
    let limit = Duration::from_secs(60);

    let mut programs: Vec<(PathBuf, Vec<&str>)> = Vec::new();
    if let Some(dir) = std::env::var_os("MESOS_LAUNCHER_DIR") {
        programs.push((Path::new(&dir).join("mesos-executor"), vec![]));
    }
    let e = test_executor_info(
        "executors_outside_an_agent_or_with_an_unreachable_one_exit_with_a_clear_error",
    );
    let c = e.command.into_option().unwrap();
    programs.push((
        PathBuf::from(c.value()),
        c.arguments[1..].iter().map(String::as_str).collect(),
    ));
    let role_env: Vec<(&str, String)> = c
        .environment
        .variables
        .iter()
        .map(|v| (ROLE_VAR, v.value().to_owned()))
        .collect();

    for (program, args) in &programs {
        // No agent environment at all.
        let mut bare: Vec<(&str, String)> = vec![("PATH", "/usr/bin:/bin".into())];
        bare.extend(role_env.iter().cloned());
        let (code, stderr, took) = run_bounded(program, args, &bare, limit);
        assert_ne!(code, Some(0), "{}: {stderr}", program.display());
        assert!(stderr.contains("MESOS_"), "{}: {stderr}", program.display());
        println!(
            "{} without an agent: exit {code:?} after {took:?}",
            program.display()
        );

        // An agent endpoint where nothing listens.
        let mut unreachable = env.clone();
        unreachable.extend(role_env.iter().cloned());
        let (code, stderr, took) = run_bounded(program, args, &unreachable, limit);
        if support::helpers() == Helpers::Mesos && program.ends_with("mesos-executor") {
            // Mesos' command executor takes the failed connection for the agent's exit and
            // shuts down with status 0; ours exits non-zero: it could not do its work.
            assert_eq!(code, Some(0), "{}: {stderr}", program.display());
        } else {
            assert_ne!(code, Some(0), "{}: {stderr}", program.display());
        }
        assert!(
            stderr.contains(&endpoint) || stderr.contains(&port.to_string()),
            "{} does not name the endpoint: {stderr}",
            program.display()
        );
        println!(
            "{} with an unreachable agent: exit {code:?} after {took:?}",
            program.display()
        );
    }
    // mesos-executor's own input checks: exit 1, naming the flag (Mesos' names it without
    // the dashes: "Failed to load unknown flag 'frobnicate'").
    if let Some(dir) = std::env::var_os("MESOS_LAUNCHER_DIR") {
        let program = Path::new(&dir).join("mesos-executor");
        let named = |flag: &str| match support::helpers() {
            Helpers::Ours => format!("--{flag}"),
            Helpers::Mesos => format!("'{flag}'"),
        };
        let (code, stderr, _) = run_bounded(&program, &["--frobnicate=1"], &env, limit);
        assert_eq!(code, Some(1));
        assert!(stderr.contains(&named("frobnicate")), "{stderr}");
        let (code, stderr, _) = run_bounded(&program, &["--task_environment={"], &env, limit);
        assert_eq!(code, Some(1));
        assert!(stderr.contains(&named("task_environment")), "{stderr}");
    }
}

/// When set, the run expects a `MesosExecutorDriver` (e.g. Mesos' own, preloaded): the
/// libmesos-driver test fails instead of skipping without one.
const EXPECT_DRIVER_VAR: &str = "MESOS_RS_EXPECT_EXECUTOR_DRIVER";

/// Why the libmesos-driver test cannot run here, if it cannot.
fn libmesos_driver_skip_reason() -> Option<String> {
    if !mesos::has_executor_driver() {
        return Some(format!(
            "the linked libmesos ({}) has no MesosExecutorDriver",
            linked_libmesos()
        ));
    }
    None
}

/// The same custom executor over libmesos' own `MesosExecutorDriver`, where the linked
/// libmesos has one (a real Mesos installation).
#[test]
fn end_to_end_with_libmesos_executor_driver() {
    executor_role();
    if let Some(reason) = libmesos_driver_skip_reason() {
        assert!(
            std::env::var_os(EXPECT_DRIVER_VAR).is_none(),
            "{EXPECT_DRIVER_VAR} is set, so a MesosExecutorDriver was expected (preloaded, or \
             in the linked libmesos), but {reason}"
        );
        println!("SKIPPED end-to-end test of MesosExecutorDriver: {reason}");
        return;
    }
    let _cluster = cluster(1, "cpus:2;mem:512");
    let (driver, mut w, framework_id, _) = framework_on_local("libmesos executor e2e");
    let executor = test_executor_info("end_to_end_with_libmesos_executor_driver");
    let offer = w.offers().remove(0);
    let t = executor_task("e2e-1", &offer, &executor, "sleep 1");
    let mut k = executor_task("e2e-kill", &offer, &executor, "sleep 600");
    k.kill_policy = Some(grace(5)).into();
    launch(&driver, &offer, &[t, k]);
    let running = w.state("e2e-1", TaskState::TASK_RUNNING);
    driver
        .send_framework_message(&running.executor_id, &running.slave_id, b"ping")
        .unwrap();
    let reply = w.message("the executor's reply", |m| m.starts_with(b"echo: "));
    assert_eq!(reply, b"echo: ping");
    w.state("e2e-1", TaskState::TASK_FINISHED);
    w.state("e2e-kill", TaskState::TASK_RUNNING);
    driver.kill_task(&id::<TaskID>("e2e-kill")).unwrap();
    w.state("e2e-kill", TaskState::TASK_KILLED);
    driver.stop(false).unwrap();
    let left = wait_no_leftovers(&framework_id, Duration::from_secs(20));
    assert!(left.is_empty(), "{left:?}");
}
