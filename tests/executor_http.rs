//! The HTTP executor backend: under the dev kit's real agent (registered, launch, updates
//! acknowledged, a framework message each way, a clean exit), and against endpoints where no
//! agent listens (a clear error within the configured times, never a hang).
//!
//! The executor of the agent test is this test binary itself, started by the agent through
//! `mesos-containerizer` with `MESOS_RS_TEST_EXECUTOR` set: the same test then runs the
//! executor instead of the framework. `mesos-containerizer` is taken from `MESOS_LAUNCHER_DIR`
//! when that directory holds one, else built from the repository's `mesos-launcher` package.

mod support;

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

use mesos::executor::{Backend, ExecutorDriver, ExecutorEvent};
use mesos::ids;
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Error, Executor, SchedulerDriver, Status};
use support::*;

const MODE: &str = "MESOS_RS_TEST_EXECUTOR";

fn scalar(name: &str, value: f64) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(value);
    r
}

fn status_of(task: &TaskID, state: TaskState) -> TaskStatus {
    mesos::task_status::task_status(task, state)
}

/// The executor run by the agent. It reports every task running; once it has both tasks it
/// breaks its event stream (as a network failure would) and, re-subscribed, tells the
/// framework what it saw; it reports a killed task killed, and finishes the other one when the
/// framework pings it, then stops once the agent has acknowledged everything.
struct Child {
    tasks: Vec<TaskID>,
    seen: Vec<String>,
}

impl Executor for Child {
    fn registered(
        &mut self,
        _: &ExecutorDriver,
        executor_info: &ExecutorInfo,
        framework_info: &FrameworkInfo,
        _: &SlaveInfo,
    ) {
        self.seen.push(format!(
            "registered {} of {}",
            executor_info.executor_id.value(),
            framework_info.name()
        ));
    }
    fn reregistered(&mut self, driver: &ExecutorDriver, _: &SlaveInfo) {
        self.seen.push("reregistered".into());
        driver
            .send_framework_message(self.seen.join("; ").as_bytes())
            .unwrap();
    }
    fn disconnected(&mut self, _: &ExecutorDriver) {
        self.seen.push("disconnected".into());
    }
    fn launch_task(&mut self, driver: &ExecutorDriver, task: &TaskInfo) {
        eprintln!("child: launch {}", task.task_id.value());
        self.tasks.push(task.task_id.clone().unwrap());
        driver
            .send_status_update(&status_of(&task.task_id, TaskState::TASK_RUNNING))
            .unwrap();
        if self.tasks.len() == 2 {
            driver.__break_connection();
        }
    }
    fn kill_task(&mut self, driver: &ExecutorDriver, task_id: &TaskID) {
        eprintln!("child: kill {}", task_id.value());
        driver
            .send_status_update(&status_of(task_id, TaskState::TASK_KILLED))
            .unwrap();
    }
    fn framework_message(&mut self, driver: &ExecutorDriver, data: &[u8]) {
        eprintln!("child: message {:?}", String::from_utf8_lossy(data));
        let mut reply = b"pong: ".to_vec();
        reply.extend_from_slice(data);
        driver.send_framework_message(&reply).unwrap();
        let mut done = status_of(&self.tasks[0], TaskState::TASK_FINISHED);
        done.set_message("done".into());
        driver.send_status_update(&done).unwrap();
        // The agent acknowledges on the connection thread: waiting here does not block it.
        let acked = driver.wait_acknowledged(Duration::from_secs(30)).unwrap();
        eprintln!("child: acknowledged {acked}");
        assert!(acked, "the updates were not all acknowledged");
        assert_eq!(driver.stop().unwrap(), Status::DRIVER_STOPPED);
    }
    fn shutdown(&mut self, driver: &ExecutorDriver) {
        eprintln!("child: shutdown");
        driver.stop().ok();
    }
    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        eprintln!("child: error {message}");
    }
}

fn run_child() {
    let driver = ExecutorDriver::builder(Child {
        tasks: Vec::new(),
        seen: Vec::new(),
    })
    .backend(Backend::Http)
    .build()
    .expect("the agent's environment is complete");
    assert_eq!(driver.backend().unwrap(), Backend::Http);
    let status = driver.run().expect("the driver runs to its stop");
    assert_eq!(status, Status::DRIVER_STOPPED);
    eprintln!("child: exiting");
}

fn task(name: &str, offer: &Offer, executor: &ExecutorInfo) -> TaskInfo {
    let mut task = TaskInfo::new();
    task.set_name(name.into());
    task.task_id.mut_or_insert_default().set_value(name.into());
    task.slave_id = offer.slave_id.clone();
    task.resources = vec![scalar("cpus", 0.1), scalar("mem", 32.0)];
    task.executor = Some(executor.clone()).into();
    task
}

#[test]
fn http_executor_under_the_real_agent() {
    if std::env::var_os(MODE).is_some() {
        return run_child();
    }
    let (launcher, _keep) = support::cluster::built_containerizer_dir();
    let _work = local_cluster(
        "cpus:2;mem:1024;disk:1024",
        &[("MESOS_LAUNCHER_DIR", launcher.to_str().unwrap())],
    );
    let (probe, mut events) = probe();
    let mut info = framework("http executor test");
    info.set_checkpoint(true); // the executor then gets MESOS_CHECKPOINT=1 and reconnects
    let driver = SchedulerDriver::new(probe, info, "local").unwrap();
    driver.start().unwrap();
    registered(&mut events);
    let offer = next_offers(&mut events).remove(0);

    let mut executor = ExecutorInfo::new();
    executor
        .executor_id
        .mut_or_insert_default()
        .set_value("http-exec".into());
    executor.set_name("HTTP backend under test".into());
    let command = executor.command.mut_or_insert_default();
    let me = std::env::current_exe().unwrap();
    command.set_shell(false);
    command.set_value(me.to_str().unwrap().into());
    command.arguments = vec![
        me.to_str().unwrap().into(),
        "--exact".into(),
        "http_executor_under_the_real_agent".into(),
        "--nocapture".into(),
    ];
    let mut var = environment::Variable::new();
    var.set_name(MODE.into());
    var.set_value("1".into());
    command
        .environment
        .mut_or_insert_default()
        .variables
        .push(var);
    executor.resources = vec![scalar("cpus", 0.1), scalar("mem", 64.0)];

    let tasks = [
        task("one", &offer, &executor),
        task("two", &offer, &executor),
    ];
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &tasks, None)
        .unwrap();

    let long = Duration::from_secs(60);
    let mut running = Vec::new();
    while running.len() < 2 {
        let status = events.wait_for(long, "TASK_RUNNING", |e| match e {
            SchedulerEvent::StatusUpdate { status } => Some(status.clone()),
            _ => None,
        });
        assert_eq!(status.state(), TaskState::TASK_RUNNING, "{status:?}");
        assert_eq!(status.source(), task_status::Source::SOURCE_EXECUTOR);
        assert_eq!(status.executor_id.value(), "http-exec");
        assert_eq!(status.uuid().len(), 16, "the driver's fresh uuid");
        assert!(status.timestamp() > 1.0e9, "the driver's timestamp");
        if !running.contains(&status.task_id.value().to_owned()) {
            running.push(status.task_id.value().to_owned());
        }
    }

    // Re-subscribed after its event stream broke, the executor says what it saw.
    let (hello, slave_id) = events.wait_for(long, "the executor's message", |e| match e {
        SchedulerEvent::FrameworkMessage {
            data,
            executor_id,
            slave_id,
        } => {
            assert_eq!(executor_id.value(), "http-exec");
            Some((data.clone(), slave_id.clone()))
        }
        _ => None,
    });
    assert_eq!(
        String::from_utf8_lossy(&hello),
        "registered http-exec of http executor test; disconnected; reregistered"
    );

    // KILL reaches the executor through the new stream.
    driver.kill_task(&ids::task_id("two")).unwrap();
    let killed = events.wait_for(long, "TASK_KILLED", |e| match e {
        SchedulerEvent::StatusUpdate { status } if status.is_terminal() => Some(status.clone()),
        _ => None,
    });
    assert_eq!(killed.task_id.value(), "two");
    assert_eq!(killed.state(), TaskState::TASK_KILLED, "{killed:?}");

    driver
        .send_framework_message(&ids_executor("http-exec"), &slave_id, b"ping")
        .unwrap();
    let pong = events.wait_for(long, "the executor's reply", |e| match e {
        SchedulerEvent::FrameworkMessage { data, .. } => Some(data.clone()),
        _ => None,
    });
    assert_eq!(pong, b"pong: ping");

    let finished = events.wait_for(long, "TASK_FINISHED", |e| match e {
        SchedulerEvent::StatusUpdate { status } if status.is_terminal() => Some(status.clone()),
        _ => None,
    });
    assert_eq!(finished.task_id.value(), "one");
    assert_eq!(finished.state(), TaskState::TASK_FINISHED, "{finished:?}");
    assert_eq!(finished.message(), "done");

    // The executor exits by itself once its updates are acknowledged: status 0.
    let code = events.wait_for(long, "the executor's exit", |e| match e {
        SchedulerEvent::ExecutorLost { status, .. } => Some(*status),
        _ => None,
    });
    assert_eq!(
        code, 0,
        "the executor process exited with wait status {code}"
    );
    driver.stop(false).unwrap();
}

fn ids_executor(value: &str) -> ExecutorID {
    let mut id = ExecutorID::new();
    id.set_value(value.into());
    id
}

/// Records callbacks, and checks inside `error` that `join` refuses to deadlock.
struct Recorder(Sender<ExecutorEvent>);

impl Executor for Recorder {
    fn registered(
        &mut self,
        _: &ExecutorDriver,
        e: &ExecutorInfo,
        f: &FrameworkInfo,
        s: &SlaveInfo,
    ) {
        let _ = self.0.send(ExecutorEvent::Registered {
            executor_info: e.clone(),
            framework_info: f.clone(),
            slave_info: s.clone(),
        });
    }
    fn shutdown(&mut self, _: &ExecutorDriver) {
        let _ = self.0.send(ExecutorEvent::Shutdown);
    }
    fn error(&mut self, driver: &ExecutorDriver, message: &str) {
        assert_eq!(driver.join(), Err(Error::JoinInCallback));
        assert_eq!(driver.run(), Err(Error::JoinInCallback));
        let _ = self.0.send(ExecutorEvent::Error {
            message: message.into(),
        });
    }
}

/// An address where nothing listens (a port that was just free).
fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

/// An HTTP-backend driver whose [`Recorder`] sends to the returned receiver, with the agent
/// environment of `endpoint` and `extra`.
fn recorded_driver(
    endpoint: &str,
    extra: &[(&str, &str)],
) -> (ExecutorDriver, Receiver<ExecutorEvent>) {
    let (tx, rx) = channel();
    let driver = ExecutorDriver::builder(Recorder(tx))
        .backend(Backend::Http)
        .environment(agent_env(endpoint, extra))
        .build()
        .unwrap();
    (driver, rx)
}

/// Runs `driver`; its result and how long it took.
fn run_timed(driver: &ExecutorDriver) -> (mesos::Result<Status>, Duration) {
    let started = Instant::now();
    let result = driver.run();
    (result, started.elapsed())
}

fn agent_env(endpoint: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        ("MESOS_FRAMEWORK_ID", "fw"),
        ("MESOS_EXECUTOR_ID", "ex"),
        ("MESOS_AGENT_ENDPOINT", endpoint),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}

#[test]
fn unreachable_agent_without_checkpointing_ends_at_once() {
    let endpoint = dead_endpoint();
    let (driver, rx) = recorded_driver(&endpoint, &[("MESOS_CHECKPOINT", "0")]);
    let (result, took) = run_timed(&driver);
    match &result {
        Err(Error::Agent {
            endpoint: e,
            detail,
        }) => {
            assert_eq!(e, &endpoint);
            assert!(detail.contains("cannot connect"), "{detail}");
            assert!(detail.contains("checkpointing is off"), "{detail}");
        }
        other => panic!("expected Error::Agent, got {other:?}"),
    }
    // The executor learnt why, through `error` (it never registered).
    match rx.try_recv() {
        Ok(ExecutorEvent::Error { message }) => {
            assert!(message.contains(&endpoint), "{message}")
        }
        other => panic!("expected the error callback, got {other:?}"),
    }
    assert!(took < Duration::from_secs(15), "took {took:?}");
    // The driver stays ended; calls say so.
    assert_eq!(
        driver.send_framework_message(b"x"),
        Err(Error::NotRunning(Status::DRIVER_ABORTED))
    );
}

#[test]
fn unreachable_agent_with_checkpointing_retries_for_the_recovery_timeout() {
    let endpoint = dead_endpoint();
    let (driver, rx) = recorded_driver(
        &endpoint,
        &[
            ("MESOS_CHECKPOINT", "1"),
            ("MESOS_RECOVERY_TIMEOUT", "2secs"),
            ("MESOS_SUBSCRIPTION_BACKOFF_MAX", "200ms"),
        ],
    );
    let (result, took) = run_timed(&driver);
    match &result {
        Err(Error::Agent { detail, .. }) => {
            assert!(detail.contains("recovery timeout"), "{detail}");
            assert!(detail.contains("cannot connect"), "{detail}");
        }
        other => panic!("expected Error::Agent, got {other:?}"),
    }
    assert!(took >= Duration::from_secs(2), "gave up after {took:?}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(matches!(rx.try_recv(), Ok(ExecutorEvent::Error { .. })));
}

#[test]
fn missing_or_invalid_environment_is_named() {
    struct Nothing;
    impl Executor for Nothing {}
    let names = |r: mesos::Result<ExecutorDriver>| match r {
        Err(Error::Environment { variables, .. }) => variables,
        other => panic!("expected Error::Environment, got {other:?}"),
    };
    assert_eq!(
        names(
            ExecutorDriver::builder(Nothing)
                .backend(Backend::Http)
                .environment(BTreeMap::new())
                .build()
        ),
        [
            "MESOS_FRAMEWORK_ID",
            "MESOS_EXECUTOR_ID",
            "MESOS_AGENT_ENDPOINT"
        ]
    );
    assert_eq!(
        names(
            ExecutorDriver::builder(Nothing)
                .backend(Backend::Http)
                .environment(agent_env("no-port", &[]))
                .build()
        ),
        ["MESOS_AGENT_ENDPOINT"]
    );
    // `ExecutorDriver::new` outside an agent: with the dev kit's libmesos (no executor driver)
    // it picks the HTTP backend, which names what is missing.
    if !mesos::has_executor_driver() {
        let err = ExecutorDriver::new(Nothing).unwrap_err();
        assert!(
            matches!(&err, Error::Environment { variables, .. } if variables.contains(&"MESOS_AGENT_ENDPOINT".to_owned())),
            "{err:?}"
        );
    }
}

#[test]
fn close_and_weak_handles() {
    struct Nothing;
    impl Executor for Nothing {}
    let driver = ExecutorDriver::builder(Nothing)
        .backend(Backend::Http)
        .environment(agent_env(&dead_endpoint(), &[]))
        .build()
        .unwrap();
    let weak = driver.downgrade();
    let other = driver.clone();
    assert!(weak.upgrade().is_some());
    // Not started: stop and join answer without doing anything.
    assert_eq!(other.join(), Ok(Status::DRIVER_NOT_STARTED));
    driver.close();
    assert!(weak.upgrade().is_none(), "a closed driver does not upgrade");
    assert_eq!(other.start(), Err(Error::Closed));
    assert_eq!(other.send_framework_message(b"x"), Err(Error::Closed));
    assert_eq!(other.backend(), Err(Error::Closed));
    let weak = other.downgrade();
    drop(other);
    assert!(weak.upgrade().is_none());
}
