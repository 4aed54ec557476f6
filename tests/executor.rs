//! The executor side. The dev kit's libmesos has no `MesosExecutorDriver`, so the executor
//! path is tested by driving the shim's C++ executor adapter with libmesos' own message
//! objects; the end-to-end test runs only where libmesos has the executor driver.

mod support;

use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use mesos::executor::{ExecutorEvent, ExecutorHarness};
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
            Err(Error::Unsupported(_))
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
        self.send(ExecutorEvent::KillTask { task_id: t.clone() });
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
    let (tx, _rx) = channel();
    match ExecutorDriver::new(Recorder(tx)) {
        Err(Error::Unsupported(why)) => assert!(why.contains("MesosExecutorDriver"), "{why}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let (tx, _rx) = channel();
    let env = [("MESOS_FRAMEWORK_ID".to_owned(), "x".to_owned())]
        .into_iter()
        .collect();
    assert!(matches!(
        ExecutorDriver::with_environment(Recorder(tx), &env),
        Err(Error::Unsupported(_))
    ));
}

/// Why the end-to-end test cannot run here, if it cannot.
fn e2e_skip_reason() -> Option<String> {
    if !mesos::has_executor_driver() {
        return Some(
            "the linked libmesos has no MesosExecutorDriver (the dev kit's is scheduler-only)"
                .into(),
        );
    }
    match std::env::var_os("MESOS_LAUNCHER_DIR") {
        None => Some("MESOS_LAUNCHER_DIR is not set (it must hold mesos-containerizer)".into()),
        Some(dir)
            if !std::path::Path::new(&dir)
                .join("mesos-containerizer")
                .exists() =>
        {
            Some(format!(
                "{} holds no mesos-containerizer",
                dir.to_string_lossy()
            ))
        }
        Some(_) => None,
    }
}

#[test]
fn end_to_end_framework_and_test_executor_under_the_local_agent() {
    if let Some(reason) = e2e_skip_reason() {
        println!("SKIPPED end-to-end executor test: {reason}");
        return;
    }
    use mesos::scheduler::SchedulerEvent;
    use support::*;
    let exe = std::env::current_exe().unwrap();
    let executor_path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("test_executor");
    assert!(
        executor_path.exists(),
        "build the example first: cargo build --example test_executor"
    );
    let _work = local_cluster("cpus:2;mem:512", &[]);
    let (probe, mut events) = probe();
    let driver = mesos::SchedulerDriver::new(probe, framework("executor e2e"), "local").unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);
    let mut e = ExecutorInfo::new();
    e.executor_id = Some(id::<ExecutorID>("rust-test-executor")).into();
    e.command
        .mut_or_insert_default()
        .set_value(executor_path.to_string_lossy().into_owned());
    let mut t = task("e2e-1", &offer, 0.5, "unused");
    t.command.clear();
    t.executor = Some(e.clone()).into();
    t.set_data(b"sleep 2".to_vec());
    let mut k = task("e2e-kill", &offer, 0.5, "unused");
    k.command.clear();
    k.executor = Some(e).into();
    k.set_data(b"sleep 600".to_vec());
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &[t, k], None)
        .unwrap();
    let running = next_update(&mut events, "TASK_RUNNING of e2e-1", |s| {
        s.task_id.value() == "e2e-1" && s.state() == TaskState::TASK_RUNNING
    });
    driver
        .send_framework_message(&running.executor_id, &running.slave_id, b"ping")
        .unwrap();
    let reply = events.wait_for(
        Duration::from_secs(30),
        "the executor's reply",
        |e| match e {
            SchedulerEvent::FrameworkMessage { data, .. } => Some(data.clone()),
            _ => None,
        },
    );
    assert_eq!(reply, b"echo: ping");
    next_update(&mut events, "TASK_FINISHED of e2e-1", |s| {
        s.task_id.value() == "e2e-1" && s.state() == TaskState::TASK_FINISHED
    });
    driver.kill_task(&id::<TaskID>("e2e-kill")).unwrap();
    next_update(&mut events, "TASK_KILLED of e2e-kill", |s| {
        s.task_id.value() == "e2e-kill" && s.state() == TaskState::TASK_KILLED
    });
    driver.stop(false).unwrap();
}
