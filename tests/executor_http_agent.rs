//! The HTTP executor backend against a fake agent: a loopback HTTP server run by the test,
//! which records every call (with its `Authorization` header), answers each as the test
//! asks (accept, refuse, or never answer), and writes the events the test gives it onto the
//! executor's event stream. What is checked is what reaches that server, and what the
//! executor's callbacks receive.
//!
//! * the authentication token is sent, but taken out of the executor's environment: neither
//!   its `/proc/<pid>/environ` nor a child it starts shows it (the executor is this test
//!   binary run again as a subprocess, with the token in its environment);
//! * a `KILL` event's kill policy reaches `kill_task_with_policy`;
//! * `HEARTBEAT` calls are sent on a timer, even while events keep arriving;
//! * `stop()` and dropping the driver do not wait for a call the agent does not answer;
//! * `wait_acknowledged` reports an update the agent refused as not acknowledged.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mesos::executor::{Backend, ExecutorDriver, ExecutorEvent};
use mesos::types::executor::{call, event, Call, Event};
use mesos::types::{KillPolicy, TaskID, TaskState};
use mesos::{Error, Executor};
use protobuf::Message;

/// How the fake agent answers a call other than `SUBSCRIBE`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    /// `202 Accepted` (and, for an `UPDATE`, an `ACKNOWLEDGED` event on the stream).
    Accept,
    /// `400 Bad Request`.
    Refuse,
    /// No answer at all; the connection stays open.
    Stall,
}

/// One call as the fake agent received it.
#[derive(Debug, Clone)]
struct Received {
    call: Call,
    authorization: Option<String>,
}

struct AgentState {
    received: Vec<Received>,
    /// The event stream of the latest `SUBSCRIBE`.
    stream: Option<TcpStream>,
}

struct FakeAgent {
    endpoint: String,
    state: Arc<(Mutex<AgentState>, Condvar)>,
}

const LONG: Duration = Duration::from_secs(60);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeAgent {
    /// Listens on a free loopback port; `answer` decides how each non-`SUBSCRIBE` call is
    /// answered.
    fn start(answer: fn(&Call) -> Answer) -> FakeAgent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = listener.local_addr().unwrap().to_string();
        let state = Arc::new((
            Mutex::new(AgentState {
                received: Vec::new(),
                stream: None,
            }),
            Condvar::new(),
        ));
        let shared = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let shared = shared.clone();
                std::thread::spawn(move || serve(conn, &shared, answer));
            }
        });
        FakeAgent { endpoint, state }
    }

    /// What an executor of this agent finds in its environment.
    fn env(&self) -> BTreeMap<String, String> {
        [
            ("MESOS_FRAMEWORK_ID", "fw"),
            ("MESOS_EXECUTOR_ID", "ex"),
            ("MESOS_AGENT_ENDPOINT", self.endpoint.as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    /// Waits until `done` holds for the calls received so far; they are returned.
    fn wait(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let (m, cv) = &*self.state;
        let (state, timeout) = cv
            .wait_timeout_while(lock(m), LONG, |s| !done(&s.received))
            .unwrap_or_else(|p| p.into_inner());
        assert!(
            !timeout.timed_out(),
            "the fake agent waited {LONG:?} for {what}; it received {:?}",
            types(&state.received)
        );
        state.received.clone()
    }

    /// How many calls of `kind` were received.
    fn count(&self, kind: call::Type) -> usize {
        let state = lock(&self.state.0);
        state
            .received
            .iter()
            .filter(|r| r.call.type_() == kind)
            .count()
    }

    /// Writes `event` onto the current event stream.
    fn send(&self, event: &Event) {
        let mut state = lock(&self.state.0);
        let stream = state.stream.as_mut().expect("a subscribed event stream");
        write_event(stream, event).expect("writing an event");
    }
}

fn types(received: &[Received]) -> Vec<call::Type> {
    received.iter().map(|r| r.call.type_()).collect()
}

fn of_type(received: &[Received], kind: call::Type) -> Vec<Received> {
    received
        .iter()
        .filter(|r| r.call.type_() == kind)
        .cloned()
        .collect()
}

/// One HTTP chunk holding one RecordIO record holding `event`.
fn write_event(stream: &mut TcpStream, event: &Event) -> std::io::Result<()> {
    let bytes = event.write_to_bytes().unwrap();
    let mut record = format!("{}\n", bytes.len()).into_bytes();
    record.extend_from_slice(&bytes);
    let mut chunk = format!("{:x}\r\n", record.len()).into_bytes();
    chunk.extend_from_slice(&record);
    chunk.extend_from_slice(b"\r\n");
    stream.write_all(&chunk)
}

/// Reads requests from one connection until the executor closes it.
fn serve(conn: TcpStream, shared: &(Mutex<AgentState>, Condvar), answer: fn(&Call) -> Answer) {
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut authorization = None;
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').expect("a header line");
            match name.to_ascii_lowercase().as_str() {
                "authorization" => authorization = Some(value.trim().to_owned()),
                "content-length" => length = value.trim().parse().unwrap(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let call = Call::parse_from_bytes(&body).expect("a Call");
        let kind = call.type_();
        let (m, cv) = shared;
        let mut state = lock(m);
        state.received.push(Received {
            call: call.clone(),
            authorization,
        });
        cv.notify_all();
        if kind == call::Type::SUBSCRIBE {
            out.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n",
            )
            .unwrap();
            let mut subscribed = Event::new();
            subscribed.set_type(event::Type::SUBSCRIBED);
            let s = subscribed.subscribed.mut_or_insert_default();
            s.executor_info
                .mut_or_insert_default()
                .executor_id
                .mut_or_insert_default()
                .set_value("ex".into());
            let framework = s.framework_info.mut_or_insert_default();
            framework.set_name("fake".into());
            framework.set_user("nobody".into());
            s.slave_info
                .mut_or_insert_default()
                .set_hostname("fake-agent".into());
            let _ = write_event(&mut out, &subscribed);
            state.stream = out.try_clone().ok();
            continue;
        }
        match answer(&call) {
            Answer::Accept => {
                let _ = out.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
                if kind == call::Type::UPDATE {
                    let status = call.update.status.clone().unwrap();
                    let mut ack = Event::new();
                    ack.set_type(event::Type::ACKNOWLEDGED);
                    let a = ack.acknowledged.mut_or_insert_default();
                    a.task_id = status.task_id.clone();
                    a.set_uuid(status.uuid().to_vec());
                    if let Some(stream) = state.stream.as_mut() {
                        let _ = write_event(stream, &ack);
                    }
                }
            }
            Answer::Refuse => {
                let _ = out.write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 13\r\n\r\nrefused, test",
                );
            }
            // Nothing is written; the next read waits until the executor closes.
            Answer::Stall => {}
        }
    }
}

/// Forwards `kill_task_with_policy` (and nothing else of interest) to the test.
struct Kills(Sender<ExecutorEvent>);

impl Executor for Kills {
    fn kill_task_with_policy(
        &mut self,
        _: &ExecutorDriver,
        task_id: &TaskID,
        kill_policy: Option<&KillPolicy>,
    ) {
        let _ = self.0.send(ExecutorEvent::KillTask {
            task_id: task_id.clone(),
            kill_policy: kill_policy.cloned(),
        });
    }
}

/// Implements only the old `kill_task`.
struct OnlyKillTask(Sender<TaskID>);

impl Executor for OnlyKillTask {
    fn kill_task(&mut self, _: &ExecutorDriver, task_id: &TaskID) {
        let _ = self.0.send(task_id.clone());
    }
}

fn kill_event(task: &str, grace_nanos: Option<i64>) -> Event {
    let mut e = Event::new();
    e.set_type(event::Type::KILL);
    let kill = e.kill.mut_or_insert_default();
    kill.task_id.mut_or_insert_default().set_value(task.into());
    if let Some(n) = grace_nanos {
        kill.kill_policy
            .mut_or_insert_default()
            .grace_period
            .mut_or_insert_default()
            .set_nanoseconds(n);
    }
    e
}

fn http_driver<E: Executor>(
    executor: E,
    env: BTreeMap<String, String>,
) -> mesos::executor::ExecutorDriverBuilder<E> {
    ExecutorDriver::builder(executor)
        .backend(Backend::Http)
        .environment(env)
}

fn subscribed(agent: &FakeAgent) {
    agent.wait("SUBSCRIBE", |r| {
        r.iter().any(|r| r.call.type_() == call::Type::SUBSCRIBE)
    });
}

#[test]
fn a_kill_events_kill_policy_reaches_the_executor() {
    let agent = FakeAgent::start(|_| Answer::Accept);
    let (tx, rx) = channel();
    let driver = http_driver(Kills(tx), agent.env()).build().unwrap();
    driver.start().unwrap();
    subscribed(&agent);
    agent.send(&kill_event("with-policy", Some(3_000_000_000)));
    agent.send(&kill_event("without", None));
    match rx.recv_timeout(LONG).unwrap() {
        ExecutorEvent::KillTask {
            task_id,
            kill_policy: Some(policy),
        } => {
            assert_eq!(task_id.value(), "with-policy");
            assert_eq!(policy.grace_period.nanoseconds(), 3_000_000_000);
        }
        other => panic!("expected a kill with its policy, got {other:?}"),
    }
    match rx.recv_timeout(LONG).unwrap() {
        ExecutorEvent::KillTask {
            task_id,
            kill_policy: None,
        } => assert_eq!(task_id.value(), "without"),
        other => panic!("expected a kill without a policy, got {other:?}"),
    }
    driver.stop().unwrap();

    // An executor that implements only `kill_task` still gets every kill there.
    let agent = FakeAgent::start(|_| Answer::Accept);
    let (tx, rx) = channel();
    let driver = http_driver(OnlyKillTask(tx), agent.env()).build().unwrap();
    driver.start().unwrap();
    subscribed(&agent);
    agent.send(&kill_event("old-style", Some(1)));
    assert_eq!(rx.recv_timeout(LONG).unwrap().value(), "old-style");
    driver.stop().unwrap();
}

#[test]
fn heartbeats_are_sent_on_a_timer_while_events_keep_arriving() {
    struct Quiet;
    impl Executor for Quiet {}
    let agent = Arc::new(FakeAgent::start(|_| Answer::Accept));
    let driver = http_driver(Quiet, agent.env())
        .__heartbeat_interval(Duration::from_secs(1))
        .build()
        .unwrap();
    driver.start().unwrap();
    subscribed(&agent);
    // The agent's own HEARTBEAT events, every 100 ms: the stream is never silent.
    let pinger = {
        let agent = agent.clone();
        std::thread::spawn(move || {
            let mut beat = Event::new();
            beat.set_type(event::Type::HEARTBEAT);
            let until = Instant::now() + LONG;
            while Instant::now() < until && agent.count(call::Type::HEARTBEAT) < 2 {
                agent.send(&beat);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let received = agent.wait("two HEARTBEAT calls", |r| {
        of_type(r, call::Type::HEARTBEAT).len() >= 2
    });
    pinger.join().unwrap();
    for beat in of_type(&received, call::Type::HEARTBEAT) {
        assert_eq!(beat.call.executor_id.value(), "ex");
        assert_eq!(beat.call.framework_id.value(), "fw");
    }
    driver.stop().unwrap();
}

#[test]
fn stop_and_drop_do_not_wait_for_a_call_the_agent_never_answers() {
    struct Quiet;
    impl Executor for Quiet {}
    let agent = FakeAgent::start(|c| match c.type_() {
        call::Type::HEARTBEAT => Answer::Stall,
        _ => Answer::Accept,
    });
    let driver = http_driver(Quiet, agent.env())
        .__heartbeat_interval(Duration::from_millis(300))
        .build()
        .unwrap();
    driver.start().unwrap();
    subscribed(&agent);
    // A HEARTBEAT call is now waiting for an answer that never comes.
    agent.wait("a HEARTBEAT call", |r| {
        !of_type(r, call::Type::HEARTBEAT).is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    let (tx, rx) = channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let status = driver.stop();
        drop(driver);
        let _ = tx.send(status);
    });
    // The call's own timeout is a minute, twice over; a stop must not wait for it.
    let status = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("stop and drop returned within 30 s");
    assert_eq!(status, Ok(mesos::Status::DRIVER_STOPPED));
    eprintln!("stop and drop took {:?}", started.elapsed());
}

#[test]
fn an_update_the_agent_refused_is_not_reported_acknowledged() {
    /// Says when it is registered: the driver is subscribed then, so updates are sent at
    /// once (before, they would only be kept for the subscription).
    struct Registers(Sender<()>);
    impl Executor for Registers {
        fn registered(
            &mut self,
            _: &ExecutorDriver,
            _: &mesos::types::ExecutorInfo,
            _: &mesos::types::FrameworkInfo,
            _: &mesos::types::SlaveInfo,
        ) {
            let _ = self.0.send(());
        }
    }
    let update = |task: &str| {
        mesos::task_status::task_status(&mesos::ids::task_id(task), TaskState::TASK_FINISHED)
    };

    // Control: an accepted update is acknowledged.
    let agent = FakeAgent::start(|_| Answer::Accept);
    let (tx, registered) = channel();
    let driver = http_driver(Registers(tx), agent.env()).build().unwrap();
    driver.start().unwrap();
    registered.recv_timeout(LONG).unwrap();
    driver.send_status_update(&update("fine")).unwrap();
    assert_eq!(driver.wait_acknowledged(LONG), Ok(true));
    driver.stop().unwrap();

    // The agent refuses the update: it will never be acknowledged.
    let agent = FakeAgent::start(|c| match c.type_() {
        call::Type::UPDATE => Answer::Refuse,
        _ => Answer::Accept,
    });
    let (tx, registered) = channel();
    let driver = http_driver(Registers(tx), agent.env()).build().unwrap();
    driver.start().unwrap();
    registered.recv_timeout(LONG).unwrap();
    match driver.send_status_update(&update("lost")) {
        Err(Error::Agent { detail, .. }) => assert!(detail.contains("400"), "{detail}"),
        other => panic!("expected the agent's refusal, got {other:?}"),
    }
    let received = agent.wait("the UPDATE", |r| !of_type(r, call::Type::UPDATE).is_empty());
    assert_eq!(
        of_type(&received, call::Type::UPDATE)[0]
            .call
            .update
            .status
            .task_id
            .value(),
        "lost"
    );
    assert_eq!(driver.wait_acknowledged(Duration::from_secs(5)), Ok(false));
    driver.stop().unwrap();
}

/// Set in the executor subprocess of the token test.
const TOKEN_CHILD: &str = "MESOS_RS_TEST_TOKEN_CHILD";
const TOKEN: &str = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN";
const SECRET: &str = "s3cret-executor-token-0123456789";

/// The executor subprocess: builds its driver from the process environment, then, once
/// registered, runs `env` and sends what it printed to the scheduler (the fake agent).
fn token_child() {
    struct Child;
    impl Executor for Child {
        fn registered(
            &mut self,
            driver: &ExecutorDriver,
            _: &mesos::types::ExecutorInfo,
            _: &mesos::types::FrameworkInfo,
            _: &mesos::types::SlaveInfo,
        ) {
            let out = std::process::Command::new("env").output().expect("run env");
            driver.send_framework_message(&out.stdout).unwrap();
        }
        fn shutdown(&mut self, driver: &ExecutorDriver) {
            driver.stop().ok();
        }
    }
    let driver = ExecutorDriver::builder(Child)
        .backend(Backend::Http)
        .build()
        .expect("the fake agent's environment is complete");
    let status = driver.run().expect("the driver runs until SHUTDOWN");
    assert_eq!(status, mesos::Status::DRIVER_STOPPED);
}

#[test]
fn the_token_is_sent_but_erased_from_the_executors_environment() {
    if std::env::var_os(TOKEN_CHILD).is_some() {
        return token_child();
    }
    let agent = FakeAgent::start(|_| Answer::Accept);
    let me = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(me)
        .args([
            "--exact",
            "the_token_is_sent_but_erased_from_the_executors_environment",
            "--nocapture",
            "--test-threads=1",
        ])
        .envs(agent.env())
        .env(TOKEN_CHILD, "1")
        .env(TOKEN, SECRET)
        .spawn()
        .unwrap();
    let guard = KillOnDrop(child.id());

    let received = agent.wait("the executor's MESSAGE", |r| {
        !of_type(r, call::Type::MESSAGE).is_empty()
    });
    // The kernel's copy of the executor's environment no longer holds the token.
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    let text = String::from_utf8_lossy(&environ);
    assert!(
        !text.contains(SECRET),
        "/proc/<pid>/environ still shows the token"
    );
    assert!(
        text.contains("MESOS_RS_TEST_TOKEN_CHILD=1"),
        "the rest of the environment is intact"
    );
    // A process the executor started did not inherit it.
    let message = of_type(&received, call::Type::MESSAGE).remove(0);
    let child_env = String::from_utf8_lossy(message.call.message.data()).into_owned();
    assert!(child_env.contains("MESOS_EXECUTOR_ID=ex"), "{child_env}");
    assert!(!child_env.contains(TOKEN), "{child_env}");
    assert!(!child_env.contains(SECRET), "{child_env}");
    // Yet every call carried it.
    for r in &received {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {SECRET}").as_str()),
            "{:?}",
            r.call.type_()
        );
    }

    let mut shutdown = Event::new();
    shutdown.set_type(event::Type::SHUTDOWN);
    agent.send(&shutdown);
    let until = Instant::now() + LONG;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < until, "the executor did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::mem::forget(guard);
    assert!(status.success(), "the executor exited with {status}");
}

/// The libmesos-backend subprocess: builds its (unstarted) driver from the process
/// environment, prints what `env` shows between two marker lines, and waits for a line on
/// its stdin before it exits.
fn token_child_libmesos() {
    struct Nothing;
    impl Executor for Nothing {}
    let driver = ExecutorDriver::builder(Nothing)
        .backend(Backend::Libmesos)
        .build()
        .expect("libmesos' executor driver is there");
    let out = std::process::Command::new("env").output().expect("run env");
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(b"\n--env--\n").unwrap();
    stdout.write_all(&out.stdout).unwrap();
    stdout.write_all(b"--end--\n").unwrap();
    stdout.flush().unwrap();
    drop(stdout);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    drop(driver);
}

#[test]
fn the_libmesos_backend_erases_the_token_too() {
    if std::env::var_os(TOKEN_CHILD).is_some() {
        return token_child_libmesos();
    }
    if !mesos::has_executor_driver() {
        // The conformance run preloads Mesos' own driver and says so: then this must run.
        assert!(
            std::env::var_os("MESOS_RS_EXPECT_EXECUTOR_DRIVER").is_none(),
            "MESOS_RS_EXPECT_EXECUTOR_DRIVER is set, so a MesosExecutorDriver was expected"
        );
        eprintln!("skipped: the linked libmesos has no MesosExecutorDriver");
        return;
    }
    use std::process::Stdio;
    let me = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(me)
        .args([
            "--exact",
            "the_libmesos_backend_erases_the_token_too",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(TOKEN_CHILD, "1")
        .env(TOKEN, SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let guard = KillOnDrop(child.id());
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut child_env = String::new();
    let mut inside = false;
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
        match line.trim_end() {
            "--env--" => inside = true,
            "--end--" => break,
            _ if inside => child_env.push_str(&line),
            _ => {}
        }
    }
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    let text = String::from_utf8_lossy(&environ);
    assert!(
        !text.contains(SECRET),
        "/proc/<pid>/environ still shows the token"
    );
    assert!(text.contains("MESOS_RS_TEST_TOKEN_CHILD=1"));
    assert!(
        child_env.contains("MESOS_RS_TEST_TOKEN_CHILD=1"),
        "{child_env}"
    );
    assert!(!child_env.contains(SECRET), "{child_env}");
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let status = child.wait().unwrap();
    std::mem::forget(guard);
    assert!(status.success(), "the child exited with {status}");
}

/// Kills a subprocess left behind by a failed assertion.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .status();
    }
}
