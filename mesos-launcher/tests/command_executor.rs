//! The command executor as an agent runs it: the program (ours, or Mesos' own when
//! `MESOS_RS_NATIVE_HELPERS` names a directory holding Mesos' `mesos-executor` and
//! `mesos-containerizer`) started with the environment and flags an agent gives it, talking
//! to a stand-in agent over the v1 executor HTTP API. What is asserted is what the agent
//! receives on the wire, the program's exit status, and what is left in `/proc`. Where
//! Mesos' program behaves otherwise on purpose (see docs/executor.md), each test asserts
//! each implementation's behaviour.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use mesos::types::executor::event;
use mesos::types::framework_info::capability::Type as Capability;
use mesos::types::task_status::Reason;
use mesos::types::{
    CommandInfo, DurationInfo, Environment, FrameworkInfo, KillPolicy, Resource, TaskID, TaskInfo,
    TaskState, TaskStatus,
};
use mesos_launcher::command::process::{all_processes, LaunchSpec, Program, Reaping, TaskProcess};

mod support;

use support::fake_agent::{self, FakeAgent};
use support::*;

const OURS: &str = env!("CARGO_BIN_EXE_mesos-executor");

/// The command executor under test and the launcher directory it is given.
fn program() -> (PathBuf, PathBuf) {
    match native_dir() {
        Some(dir) => {
            for p in ["mesos-executor", "mesos-containerizer"] {
                assert!(
                    dir.join(p).is_file(),
                    "MESOS_RS_NATIVE_HELPERS={} holds no {p}",
                    dir.display()
                );
            }
            (dir.join("mesos-executor"), dir)
        }
        None => {
            let ours = PathBuf::from(OURS);
            let dir = ours.parent().unwrap().to_owned();
            (ours, dir)
        }
    }
}

/// A task script that loops until it is killed, for the kill tests. Once its TERM handling
/// is in place it writes its pid to `ready`; with `ignore_term` it ignores SIGTERM, else it
/// answers it by writing "term" to `got` and exiting with status 0.
struct Looper {
    /// Holds `ready` and `got`.
    _dir: tempfile::TempDir,
    ready: PathBuf,
    got: PathBuf,
    script: String,
}

impl Looper {
    fn new(ignore_term: bool) -> Looper {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let got = dir.path().join("got");
        let on_term = if ignore_term {
            String::new()
        } else {
            format!("echo term > {}; exit 0", got.display())
        };
        let script = format!(
            "trap '{on_term}' TERM; echo $$ > {}; while :; do sleep 0.05; done",
            ready.display()
        );
        Looper {
            _dir: dir,
            ready,
            got,
            script,
        }
    }
}

/// How to start the executor for one test.
#[derive(Default)]
struct Setup {
    /// Flags after `--launcher_dir`.
    args: Vec<String>,
    /// Variables added to the executor's environment.
    env: Vec<(String, String)>,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`.
    shutdown_grace: Option<String>,
    /// The framework has the `TASK_KILLING_STATE` capability.
    killing_capable: bool,
}

/// A running executor, its sandbox and the agent it talks to.
struct Harness {
    agent: FakeAgent,
    child: Option<Child>,
    sandbox: tempfile::TempDir,
    /// A variable given to the executor (and so to its task) to find leftovers by.
    mark: String,
    /// The environment the executor was started with.
    env: Vec<(String, String)>,
}

impl Setup {
    fn start(self) -> Harness {
        let sandbox = tempfile::tempdir().unwrap();
        let mut framework = FrameworkInfo::new();
        framework.set_user("root".into());
        framework.set_name("test".into());
        framework
            .id
            .mut_or_insert_default()
            .set_value("fw-1".into());
        if self.killing_capable {
            framework.capabilities.push(Default::default());
            framework.capabilities[0].set_type(Capability::TASK_KILLING_STATE);
        }
        let agent = FakeAgent::start(framework, "exec-1");
        let (program, launcher_dir) = program();
        let mark = format!(
            "{}-{}",
            std::process::id(),
            sandbox.path().file_name().unwrap().to_string_lossy()
        );
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("FROM_EXECUTOR".into(), "base".into()),
            ("OVERRIDDEN".into(), "base".into()),
            ("MESOS_FRAMEWORK_ID".into(), "fw-1".into()),
            ("MESOS_EXECUTOR_ID".into(), "exec-1".into()),
            ("MESOS_SLAVE_ID".into(), "agent-1".into()),
            (
                "MESOS_SLAVE_PID".into(),
                format!("slave(1)@127.0.0.1:{}", agent.port),
            ),
            (
                "MESOS_AGENT_ENDPOINT".into(),
                format!("127.0.0.1:{}", agent.port),
            ),
            (
                "MESOS_DIRECTORY".into(),
                sandbox.path().display().to_string(),
            ),
            ("MESOS_SANDBOX".into(), sandbox.path().display().to_string()),
            ("MESOS_CHECKPOINT".into(), "0".into()),
            ("MESOS_HTTP_COMMAND_EXECUTOR".into(), "1".into()),
            ("LIBPROCESS_IP".into(), "127.0.0.1".into()),
            ("TEST_LEFTOVER_MARK".into(), mark.clone()),
        ];
        // The agent always sets it (its --executor_shutdown_grace_period, 5 seconds by
        // default); Mesos' executor exits without it.
        env.push((
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD".into(),
            self.shutdown_grace
                .clone()
                .unwrap_or_else(|| "5secs".into()),
        ));
        env.extend(self.env);
        let mut cmd = Command::new(&program);
        cmd.arg(format!("--launcher_dir={}", launcher_dir.display()))
            .args(&self.args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(sandbox.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(sandbox.path().join("stdout")).unwrap())
            .stderr(std::fs::File::create(sandbox.path().join("stderr")).unwrap());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("start the command executor");
        let mut h = Harness {
            agent,
            child: Some(child),
            sandbox,
            mark,
            env,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !h.agent.wait_subscribed(Duration::from_millis(100)) {
            let exited = h.child.as_mut().unwrap().try_wait().unwrap();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "the executor never subscribed ({exited:?}); stderr: {}",
                h.stderr()
            );
        }
        h
    }
}

impl Harness {
    fn dir(&self) -> &Path {
        self.sandbox.path()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir().join("stderr")).unwrap_or_default()
    }

    fn launch(&self, task: TaskInfo) {
        let mut e = fake_agent::event(event::Type::LAUNCH);
        e.launch.mut_or_insert_default().task = Some(task).into();
        self.agent.send(e);
    }

    /// Launches `task` and waits for its `TASK_STARTING` and `TASK_RUNNING` updates.
    fn launch_running(&self, task: TaskInfo) -> TaskStatus {
        self.launch(task);
        self.expect(TaskState::TASK_STARTING);
        self.expect(TaskState::TASK_RUNNING)
    }

    /// Launches `task` (until `TASK_RUNNING`) and waits until it has written its pid to
    /// `ready`; returns that pid.
    fn run_until_ready(&self, task: TaskInfo, ready: &Path) -> i32 {
        self.launch_running(task);
        wait_file(ready).trim().parse().unwrap()
    }

    /// Launches task `t1` running `script` (until `TASK_RUNNING`), in which `{pids}` names a
    /// file the script writes process ids to, on one line; returns them.
    fn run_reporting_pids(&self, script: &str) -> Vec<i32> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pids");
        let script = script.replace("{pids}", &file.display().to_string());
        self.launch_running(task("t1", shell(&script)));
        wait_file(&file)
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect()
    }

    fn kill(&self, id: &str, kill_policy: Option<KillPolicy>) {
        let mut e = fake_agent::event(event::Type::KILL);
        let k = e.kill.mut_or_insert_default();
        k.task_id = Some(task_id(id)).into();
        k.kill_policy = kill_policy.into();
        self.agent.send(e);
    }

    fn shutdown(&self) {
        self.agent.send(fake_agent::event(event::Type::SHUTDOWN));
    }

    /// The next update, not acknowledged.
    fn raw_next(&self) -> TaskStatus {
        self.agent
            .next_update(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("no update within 30s; stderr: {}", self.stderr()))
    }

    /// The next update, acknowledged at once.
    fn next(&self) -> TaskStatus {
        let s = self.raw_next();
        self.acknowledge(&s);
        s
    }

    fn acknowledge(&self, s: &TaskStatus) {
        let mut e = fake_agent::event(event::Type::ACKNOWLEDGED);
        let a = e.acknowledged.mut_or_insert_default();
        a.task_id = s.task_id.clone();
        a.set_uuid(s.uuid().to_vec());
        self.agent.send(e);
    }

    fn expect(&self, state: TaskState) -> TaskStatus {
        let s = self.next();
        assert_eq!(s.state(), state, "{s:?}; stderr: {}", self.stderr());
        assert_eq!(s.uuid().len(), 16);
        assert_eq!(s.executor_id.value(), "exec-1");
        s
    }

    /// Waits (up to `within`) for the executor to exit.
    fn exit_within(&mut self, within: Duration) -> ExitStatus {
        let child = self.child.as_mut().unwrap();
        let deadline = Instant::now() + within;
        loop {
            if let Some(s) = child.try_wait().unwrap() {
                self.child = None;
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "the executor did not exit within {within:?}; stderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn exit(&mut self) -> ExitStatus {
        self.exit_within(Duration::from_secs(90))
    }

    fn pid(&self) -> i32 {
        self.child.as_ref().unwrap().id() as i32
    }

    /// The live processes started with this harness' mark in their environment (the task
    /// and anything it started), excluding the executor.
    fn leftovers(&self) -> Vec<i32> {
        let needle = format!("TEST_LEFTOVER_MARK={}", self.mark);
        let exec = self.child.as_ref().map(|c| c.id() as i32);
        all_processes()
            .into_iter()
            .filter(|p| p.state != 'Z' && p.state != 'X' && Some(p.pid) != exec)
            .filter(|p| {
                std::fs::read(format!("/proc/{}/environ", p.pid))
                    .map(|e| e.split(|b| *b == 0).any(|v| v == needle.as_bytes()))
                    .unwrap_or(false)
            })
            .map(|p| p.pid)
            .collect()
    }
}

impl Drop for Harness {
    /// Ends the executor and whatever of its task is left (Mesos' executor can leave
    /// orphans, which would keep the test's output pipes open).
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for _ in 0..50 {
            let left = self.leftovers();
            if left.is_empty() {
                break;
            }
            for p in left {
                // SAFETY: kill takes integers; these are processes this test started.
                unsafe { libc::kill(p, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn task(id: &str, command: CommandInfo) -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name(id.into());
    t.task_id = Some(task_id(id)).into();
    t.slave_id
        .mut_or_insert_default()
        .set_value("agent-1".into());
    let mut cpus = Resource::new();
    cpus.set_name("cpus".into());
    cpus.set_type(mesos::types::value::Type::SCALAR);
    cpus.scalar.mut_or_insert_default().set_value(0.1);
    cpus.allocation_info
        .mut_or_insert_default()
        .set_role("analytics".into());
    t.resources.push(cpus);
    t.command = Some(command).into();
    t
}

fn shell(script: &str) -> CommandInfo {
    let mut c = CommandInfo::new();
    c.set_value(script.into());
    c
}

/// An argv command (no shell): `program` with `args` (`args[0]` included).
fn argv(program: &str, args: &[&str]) -> CommandInfo {
    let mut c = CommandInfo::new();
    c.set_shell(false);
    c.set_value(program.into());
    c.arguments = args.iter().map(|a| (*a).to_owned()).collect();
    c
}

fn task_id(id: &str) -> TaskID {
    let mut t = TaskID::new();
    t.set_value(id.into());
    t
}

fn grace(secs: f64) -> KillPolicy {
    KillPolicy {
        grace_period: Some(DurationInfo {
            nanoseconds: Some((secs * 1e9) as i64),
            ..Default::default()
        })
        .into(),
        ..Default::default()
    }
}

#[test]
fn a_successful_command_goes_starting_running_finished_and_exits_on_the_ack() {
    let mut h = Setup::default().start();
    h.launch_running(task("t1", shell("exit 0")));
    let done = h.expect(TaskState::TASK_FINISHED);
    assert_eq!(done.message(), "Command exited with status 0");
    assert_eq!(done.task_id.value(), "t1");
    assert_eq!(h.exit().code(), Some(0));
}

#[test]
fn a_failing_command_reports_its_exit_status() {
    let mut h = Setup::default().start();
    h.launch_running(task("t1", shell("exit 3")));
    let failed = h.expect(TaskState::TASK_FAILED);
    assert_eq!(failed.message(), "Command exited with status 3");
    assert_eq!(h.exit().code(), Some(0));
}

fn variable(name: &str, value: &str) -> mesos::types::environment::Variable {
    let mut v = mesos::types::environment::Variable::new();
    v.set_name(name.into());
    v.set_value(value.into());
    v
}

/// The task's environment is exactly the executor's (without its authentication token; Mesos'
/// executor library erases it from the executor's environment before the task's is built),
/// then `--task_environment`, then the command's variables (secrets skipped), then
/// `MESOS_ALLOCATION_ROLE`; nothing else (no `MESOS_TASK_ID`). The token still reaches the
/// agent, as the executor's credential.
#[test]
fn the_task_environment_is_the_executors_layered_and_never_holds_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("env");
    let mut command = argv("/bin/sh", &["sh", "-c", "env > \"$OUT\"; pwd >> \"$OUT\""]);
    let cenv = command.environment.mut_or_insert_default();
    cenv.variables.push(variable("OVERRIDDEN", "command"));
    let mut secret = mesos::types::environment::Variable::new();
    secret.set_name("A_SECRET".into());
    secret.set_type(mesos::types::environment::variable::Type::SECRET);
    secret
        .secret
        .mut_or_insert_default()
        .set_type(mesos::types::secret::Type::VALUE);
    secret
        .secret
        .mut_or_insert_default()
        .value
        .mut_or_insert_default()
        .set_data(b"s3cr3t".to_vec());
    cenv.variables.push(secret);
    let mut extra = Environment::new();
    extra.variables.push(variable("FROM_ISOLATOR", "iso"));
    extra.variables.push(variable("OVERRIDDEN", "isolator"));
    let extra = protobuf_json_mapping::print_to_string_with_options(
        &extra,
        &protobuf_json_mapping::PrintOptions {
            proto_field_name: true,
            ..Default::default()
        },
    )
    .unwrap();
    let wd = dir.path().join("wd");
    std::fs::create_dir(&wd).unwrap();
    let mut h = Setup {
        args: vec![
            format!("--task_environment={extra}"),
            format!("--working_directory={}", wd.display()),
        ],
        env: vec![
            ("OUT".into(), out.display().to_string()),
            (
                "MESOS_EXECUTOR_AUTHENTICATION_TOKEN".into(),
                "the-executors-token".into(),
            ),
        ],
        ..Setup::default()
    }
    .start();
    h.launch_running(task("t1", command));
    h.expect(TaskState::TASK_FINISHED);
    h.exit();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    // `--working_directory` only applies inside a root filesystem: the task runs in the
    // sandbox.
    let cwd = lines.pop().unwrap();
    assert_eq!(cwd, h.dir().to_str().unwrap(), "{text}");
    // `env` itself adds nothing but `_` where the shell exports it.
    lines.retain(|l| !l.starts_with("_="));
    lines.sort_unstable();
    let mut expected: Vec<String> = h
        .env
        .iter()
        .filter(|(k, _)| k != "MESOS_EXECUTOR_AUTHENTICATION_TOKEN" && k != "OVERRIDDEN")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    expected.extend([
        "FROM_ISOLATOR=iso".to_owned(),
        "OVERRIDDEN=command".to_owned(),
        "MESOS_ALLOCATION_ROLE=analytics".to_owned(),
        // sh's own, as it exports it.
        format!("PWD={}", h.dir().display()),
    ]);
    expected.sort_unstable();
    assert_eq!(lines, expected, "{text}");
    assert!(!text.contains("the-executors-token"), "{text}");
    assert!(!text.contains("MESOS_TASK_ID"), "{text}");
    assert!(
        h.agent
            .authorization()
            .contains(&Some("Bearer the-executors-token".into())),
        "the executor did not authenticate with its token: {:?}",
        h.agent.authorization()
    );
}

#[test]
fn a_kill_within_the_grace_period_is_task_killed_with_task_killing_first() {
    let looper = Looper::new(false);
    let mut t = task("t1", shell(&looper.script));
    t.kill_policy = Some(grace(20.0)).into();
    let mut h = Setup {
        killing_capable: true,
        ..Setup::default()
    }
    .start();
    h.run_until_ready(t, &looper.ready);
    let asked = Instant::now();
    h.kill("t1", None);
    h.expect(TaskState::TASK_KILLING);
    let killed = h.expect(TaskState::TASK_KILLED);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    // The task handled SIGTERM itself (exit 0), yet it was killed: TASK_KILLED.
    assert_eq!(killed.message(), "Command exited with status 0");
    assert_eq!(std::fs::read_to_string(&looper.got).unwrap(), "term\n");
    assert_eq!(h.exit().code(), Some(0));
}

/// The `KILL` event's own kill policy takes precedence over the task's: a task given 60
/// seconds at launch is SIGKILLed after the 0.7 seconds of the `KILL`.
#[test]
fn the_kill_events_policy_takes_precedence_over_the_tasks() {
    let looper = Looper::new(true);
    let mut t = task("t1", shell(&looper.script));
    t.kill_policy = Some(grace(60.0)).into();
    let mut h = Setup::default().start();
    let pid = h.run_until_ready(t, &looper.ready);
    let asked = Instant::now();
    h.kill("t1", Some(grace(0.7)));
    // No TASK_KILLING: the framework lacks the capability.
    let killed = h.expect(TaskState::TASK_KILLED);
    let took = asked.elapsed();
    assert!(took >= Duration::from_millis(700), "{took:?}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(killed.message(), "Command terminated with signal Killed");
    assert!(!alive(pid));
    assert_eq!(h.exit().code(), Some(0));
}

#[test]
fn a_second_kill_can_shorten_the_grace_period() {
    let looper = Looper::new(true);
    let mut h = Setup::default().start();
    h.run_until_ready(task("t1", shell(&looper.script)), &looper.ready);
    let asked = Instant::now();
    h.kill("t1", Some(grace(60.0)));
    // A longer one changes nothing, a shorter one brings SIGKILL closer.
    h.kill("t1", Some(grace(120.0)));
    h.kill("t1", Some(grace(0.3)));
    h.expect(TaskState::TASK_KILLED);
    assert!(
        asked.elapsed() < Duration::from_secs(20),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(h.exit().code(), Some(0));
}

/// The task starts with no signal blocked, whatever the executor blocks for itself (ours
/// blocks its stop signals to take them on a thread of its own): a blocked SIGTERM would
/// make every kill wait out its grace period and end in SIGKILL.
#[test]
fn the_task_starts_with_no_signal_blocked() {
    let c = argv("/bin/grep", &["grep", "SigBlk", "/proc/self/status"]);
    let mut h = Setup::default().start();
    h.launch_running(task("t1", c));
    h.expect(TaskState::TASK_FINISHED);
    assert_eq!(h.exit().code(), Some(0));
    let out = std::fs::read_to_string(h.dir().join("stdout")).unwrap();
    assert!(
        out.lines().any(|l| l == "SigBlk:\t0000000000000000"),
        "{out}"
    );
}

/// `sh -c` with more than one command does not exec the last one (Debian's dash): the
/// kill must reach the children, including one that started a session of its own.
#[test]
fn a_kill_reaches_every_process_of_the_task_and_none_is_left() {
    let mut h = Setup::default().start();
    let pids = h.run_reporting_pids(
        "sleep 600 & a=$!; setsid sleep 600 & b=$!; (sleep 600; true) & c=$!; \
         echo \"$$ $a $b $c\" > {pids}; wait",
    );
    assert_eq!(pids.len(), 4);
    for p in &pids {
        assert!(alive(*p), "{p} should be running");
    }
    h.kill("t1", None);
    let killed = h.expect(TaskState::TASK_KILLED);
    assert_eq!(
        killed.message(),
        "Command terminated with signal Terminated"
    );
    for p in &pids {
        assert!(
            gone_within(*p, Duration::from_secs(10)),
            "{p} survived the kill: {pids:?}"
        );
    }
    assert_eq!(h.exit().code(), Some(0));
}

/// Ours kills what is left of a task whose first process exited before it reports the
/// terminal state; Mesos' leaves it running (see docs/executor.md).
#[test]
fn leftovers_of_a_finished_task_are_killed_before_its_terminal_update() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("sleep 600 & echo $! > {}; exit 0", pids.display());
    let mut h = Setup::default().start();
    h.launch_running(task("t1", shell(&script)));
    h.expect(TaskState::TASK_FINISHED);
    let pid: i32 = wait_file(&pids).trim().parse().unwrap();
    if native() {
        assert!(alive(pid), "Mesos' executor killed the leftover {pid}");
    } else {
        assert!(!alive(pid), "the background sleep {pid} outlived its task");
    }
    assert_eq!(h.exit().code(), Some(0));
}

#[test]
fn shutdown_before_a_launch_exits_at_once() {
    let mut h = Setup::default().start();
    h.shutdown();
    assert_eq!(h.exit_within(Duration::from_secs(20)).code(), Some(0));
}

/// SHUTDOWN kills with the agent's shutdown grace period less two seconds (Mesos keeps one
/// second for its reaper's polling and one to send the update).
#[test]
fn shutdown_kills_the_task_within_the_agents_grace_period() {
    let looper = Looper::new(true);
    let mut h = Setup {
        shutdown_grace: Some("4secs".into()),
        ..Setup::default()
    }
    .start();
    let pid = h.run_until_ready(task("t1", shell(&looper.script)), &looper.ready);
    let asked = Instant::now();
    h.shutdown();
    h.expect(TaskState::TASK_KILLED);
    // Shutdown grace 4s less 2s: SIGKILL after about two seconds.
    let took = asked.elapsed();
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    // Well before the full grace period (4 s), with room for a loaded machine.
    assert!(took < Duration::from_millis(3700), "{took:?}");
    assert!(!alive(pid));
    assert_eq!(h.exit().code(), Some(0));
}

/// A second LAUNCH is refused. Mesos' executor then exits on that refusal's acknowledgement,
/// leaving the first task running unreported; ours goes on with the first task (see
/// docs/executor.md).
#[test]
fn a_second_task_is_refused() {
    let mut h = Setup::default().start();
    h.launch_running(task("t1", shell("sleep 1")));
    h.launch(task("t2", shell("exit 0")));
    let refused = h.expect(TaskState::TASK_FAILED);
    assert_eq!(refused.task_id.value(), "t2");
    assert_eq!(
        refused.message(),
        "Attempted to run multiple tasks using a \"command\" executor"
    );
    if native() {
        // Mesos' executor ends on the acknowledgement of any terminal update, the refused
        // task's included: the first task is never reported (its process is left behind).
        assert_eq!(h.exit_within(Duration::from_secs(30)).code(), Some(0));
        assert!(h.agent.next_update(Duration::from_millis(1500)).is_none());
    } else {
        let done = h.expect(TaskState::TASK_FINISHED);
        assert_eq!(done.task_id.value(), "t1");
        assert_eq!(h.exit().code(), Some(0));
    }
}

#[test]
fn max_completion_time_fails_the_task_with_its_reason() {
    let mut t = task("t1", shell("sleep 600"));
    t.max_completion_time = Some(DurationInfo {
        nanoseconds: Some(300_000_000),
        ..Default::default()
    })
    .into();
    let mut h = Setup {
        killing_capable: true,
        ..Setup::default()
    }
    .start();
    h.launch_running(t);
    // No TASK_KILLING for this kill, even with the capability.
    let failed = h.expect(TaskState::TASK_FAILED);
    assert_eq!(failed.reason(), Reason::REASON_MAX_COMPLETION_TIME_REACHED);
    assert_eq!(h.exit().code(), Some(0));
}

/// Ours refuses flags that need isolation it does not do, naming them; Mesos' tries them
/// with its own launch helper (here: a root filesystem that does not exist).
#[test]
fn isolation_flags_fail_the_task() {
    let mut h = Setup {
        args: vec![
            "--rootfs=/nonexistent/image".into(),
            "--sandbox_directory=/mnt/mesos/sandbox".into(),
        ],
        ..Setup::default()
    }
    .start();
    h.launch(task("t1", shell("exit 0")));
    h.expect(TaskState::TASK_STARTING);
    if native() {
        h.expect(TaskState::TASK_RUNNING);
        let failed = h.expect(TaskState::TASK_FAILED);
        assert_eq!(failed.message(), "Command exited with status 1");
        assert!(h.stderr().contains("/nonexistent/image"), "{}", h.stderr());
    } else {
        let failed = h.expect(TaskState::TASK_FAILED);
        assert!(
            failed.message().contains("--rootfs"),
            "{}",
            failed.message()
        );
        assert_eq!(failed.reason(), Reason::REASON_COMMAND_EXECUTOR_FAILED);
    }
    assert_eq!(h.exit().code(), Some(0));
}

/// An argv command whose program does not exist: Mesos' executor reports TASK_RUNNING, then
/// TASK_FAILED "Command exited with status 1" (its launch helper's exit); ours fails the task
/// at once naming the program (see docs/executor.md).
#[test]
fn a_program_that_cannot_start_fails_the_task() {
    let c = argv("/nonexistent/program", &["program"]);
    let mut h = Setup::default().start();
    h.launch(task("t1", c));
    h.expect(TaskState::TASK_STARTING);
    if native() {
        h.expect(TaskState::TASK_RUNNING);
        let failed = h.expect(TaskState::TASK_FAILED);
        assert_eq!(failed.message(), "Command exited with status 1");
    } else {
        let failed = h.expect(TaskState::TASK_FAILED);
        assert!(
            failed.message().contains("/nonexistent/program")
                && failed.message().contains("No such file"),
            "{}",
            failed.message()
        );
    }
    assert_eq!(h.exit().code(), Some(0));
}

/// A task whose command has no value: Mesos' executor aborts (no terminal update, the agent
/// later reports the task lost); ours fails the task with a message (see docs/executor.md).
#[test]
fn a_task_without_a_command_value() {
    let mut h = Setup::default().start();
    h.launch(task("t1", CommandInfo::new()));
    h.expect(TaskState::TASK_STARTING);
    if native() {
        let status = h.exit();
        assert_killed_by(&status, libc::SIGABRT);
    } else {
        let failed = h.expect(TaskState::TASK_FAILED);
        assert!(failed.message().contains("not set"), "{}", failed.message());
        assert_eq!(h.exit().code(), Some(0));
    }
}

/// Without an acknowledgement of the terminal update, the executor gives up after a minute
/// and exits with status 1.
#[test]
fn an_unacknowledged_terminal_update_ends_the_executor_with_failure_after_the_wait() {
    let mut h = Setup::default().start();
    h.launch(task("t1", shell("exit 0")));
    let mut states = Vec::new();
    for _ in 0..3 {
        // Read without acknowledging.
        states.push(h.raw_next().state());
    }
    assert_eq!(
        states,
        [
            TaskState::TASK_STARTING,
            TaskState::TASK_RUNNING,
            TaskState::TASK_FINISHED
        ]
    );
    let sent = Instant::now();
    assert_eq!(h.exit_within(Duration::from_secs(120)).code(), Some(1));
    assert!(
        sent.elapsed() >= Duration::from_secs(50),
        "{:?}",
        sent.elapsed()
    );
}

/// A terminal update the agent refuses (answered with an error) was not delivered: the
/// executor must not exit as if it had been.
#[test]
fn a_refused_terminal_update_ends_the_executor_with_failure() {
    let mut h = Setup::default().start();
    h.agent.reject_updates(TaskState::TASK_FINISHED);
    h.launch_running(task("t1", shell("exit 0")));
    assert_eq!(h.raw_next().state(), TaskState::TASK_FINISHED);
    assert_eq!(h.exit_within(Duration::from_secs(120)).code(), Some(1));
}

/// The agent goes away (framework checkpointing off): both executors treat it as a SHUTDOWN
/// and kill the task with the shutdown grace period. Mesos' executor library then SIGKILLs
/// the executor's whole process group once that grace period has passed; ours exits with
/// status 0 once the task is gone (see docs/executor.md).
#[test]
fn losing_the_agent_kills_the_task() {
    let looper = Looper::new(false);
    let mut h = Setup::default().start();
    let pid = h.run_until_ready(task("t1", shell(&looper.script)), &looper.ready);
    h.agent.disappear();
    let status = h.exit();
    assert!(
        gone_within(pid, Duration::from_secs(10)),
        "the task outlived its executor"
    );
    assert_eq!(std::fs::read_to_string(&looper.got).unwrap(), "term\n");
    if native() {
        assert_killed_by(&status, libc::SIGKILL);
    } else {
        assert_eq!(status.code(), Some(0), "{status:?}; stderr: {}", h.stderr());
    }
}

/// A KILL before any LAUNCH: Mesos' executor aborts (SIGABRT); ours exits with status 1
/// (see docs/executor.md).
#[test]
fn a_kill_before_any_launch_ends_the_executor() {
    let mut h = Setup::default().start();
    h.kill("t1", None);
    let status = h.exit_within(Duration::from_secs(30));
    assert_ended(&status, libc::SIGABRT, 1);
}

#[test]
fn the_user_flag_switches_user() {
    let Some((mut h, dir)) = as_nobody() else {
        return;
    };
    let out = dir.path().join("id");
    h.launch_running(task("t1", shell(&format!("id -u > {}", out.display()))));
    h.expect(TaskState::TASK_FINISHED);
    let uid = std::fs::read_to_string(&out).unwrap();
    assert_eq!(uid.trim(), nobody_uid().to_string());
    assert_eq!(h.exit().code(), Some(0));
}

/// An executor started with `--user=nobody`, and a directory its task may write to; `None`
/// (the test is skipped) without root.
fn as_nobody() -> Option<(Harness, tempfile::TempDir)> {
    if !is_root() {
        eprintln!("skipped: switching users needs root");
        return None;
    }
    let dir = open_dir();
    let h = Setup {
        args: vec!["--user=nobody".into()],
        ..Setup::default()
    }
    .start();
    Some((h, dir))
}

fn nobody_uid() -> u32 {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    passwd
        .lines()
        .find(|l| l.starts_with("nobody:"))
        .and_then(|l| l.split(':').nth(2))
        .and_then(|u| u.parse().ok())
        .expect("a nobody user")
}

/// A task run as another user still dies with its executor: the parent-death signal is
/// armed after the user switch (the kernel clears it on a credential change). Mesos'
/// executor arms none: its task outlives it, until the agent destroys the container (see
/// docs/executor.md).
#[test]
fn a_task_run_as_another_user_dies_when_its_executor_is_killed() {
    let Some((mut h, dir)) = as_nobody() else {
        return;
    };
    let ready = dir.path().join("ready");
    h.launch(task(
        "t1",
        shell(&format!("echo $$ > {}; exec sleep 600", ready.display())),
    ));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let pid: i32 = wait_file(&ready).trim().parse().unwrap();
    let uid = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        uid.lines()
            .any(|l| l.starts_with("Uid:") && l.contains(&nobody_uid().to_string())),
        "{uid}"
    );
    // SAFETY: killing the executor this test started.
    assert_eq!(unsafe { libc::kill(h.pid(), libc::SIGKILL) }, 0);
    h.exit();
    let died = gone_within(pid, Duration::from_secs(10));
    if native() {
        assert!(!died, "Mesos' executor took its task with it");
    } else {
        assert!(died, "the task ({pid}) outlived its executor");
    }
}

/// What the agent does on SHUTDOWN: the event, then the end of the event stream. The kill
/// keeps its grace period.
#[test]
fn shutdown_followed_by_the_end_of_the_connection_still_kills_gracefully() {
    let looper = Looper::new(false);
    let mut h = Setup::default().start();
    let pid = h.run_until_ready(task("t1", shell(&looper.script)), &looper.ready);
    h.shutdown();
    h.agent.disappear();
    let status = h.exit();
    // SIGTERM, not SIGKILL: the task's handler ran.
    assert_eq!(std::fs::read_to_string(&looper.got).unwrap(), "term\n");
    assert!(gone_within(pid, Duration::from_secs(10)));
    // As when the agent goes away: Mesos' executor library SIGKILLs its process group
    // once the shutdown grace period has passed.
    assert_ended(&status, libc::SIGKILL, 0);
}

/// SIGTERM to the executor itself (what a stopping agent or an operator sends). Mesos' executor
/// dies of it and leaves its task running; ours kills the task with the shutdown grace
/// period, reports TASK_KILLED and leaves nothing (see docs/executor.md).
#[test]
fn sigterm_to_the_executor() {
    let mut h = Setup::default().start();
    let pids = h.run_reporting_pids("sleep 600 & echo \"$$ $!\" > {pids}; wait");
    // SAFETY: signalling the executor this test started.
    assert_eq!(unsafe { libc::kill(h.pid(), libc::SIGTERM) }, 0);
    let mut states = Vec::new();
    while let Some(s) = h.agent.next_update(Duration::from_secs(10)) {
        h.acknowledge(&s);
        states.push((s.state(), s.message().to_owned()));
    }
    let status = h.exit();
    let left: Vec<i32> = pids.iter().copied().filter(|p| alive(*p)).collect();
    eprintln!(
        "SIGTERM: updates {states:?}, exit {status:?}, left {left:?}\n{}",
        h.stderr()
    );
    if native() {
        // Mesos' executor dies of the signal without a word (the agent then fails the task
        // with "Executor terminated"); the task is left running, orphaned (ended by this
        // harness when it is dropped).
        assert_killed_by(&status, libc::SIGTERM);
        assert!(states.is_empty(), "{states:?}");
        assert_eq!(left, pids, "{states:?}");
    } else {
        assert_eq!(
            states,
            [(
                TaskState::TASK_KILLED,
                "Command terminated with signal Terminated".to_owned()
            )]
        );
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(status.code(), Some(0));
    }
}

/// After a SHUTDOWN the agent may never acknowledge the terminal update (it destroys the
/// container after its grace period): ours leaves after a second, with status 0; Mesos'
/// executor library SIGKILLs its own process group once the shutdown grace period is over
/// (see docs/executor.md).
#[test]
fn after_a_shutdown_an_unacknowledged_terminal_update_is_waited_for_briefly() {
    let mut h = Setup::default().start();
    h.launch_running(task("t1", shell("sleep 600")));
    h.shutdown();
    assert_eq!(h.raw_next().state(), TaskState::TASK_KILLED);
    let sent = Instant::now();
    let status = h.exit_within(Duration::from_secs(120));
    let waited = sent.elapsed();
    if native() {
        // Its library SIGKILLs its process group once the shutdown grace period is over.
        assert_killed_by(&status, libc::SIGKILL);
    } else {
        assert_eq!(status.code(), Some(0), "{status:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }
}

/// After the task's first process was reaped its pid may be given to an unrelated process:
/// the kill of what is left of the task must never reach that process (nor its group).
#[test]
fn a_reused_pid_of_the_reaped_first_process_is_never_signalled() {
    if !is_root() {
        eprintln!("skipped: choosing the next pid needs root");
        return;
    }
    let env: Vec<(OsString, OsString)> = vec![("PATH".into(), "/usr/bin:/bin".into())];
    for _ in 0..50 {
        let task = TaskProcess::spawn(
            &LaunchSpec::new(Program::Shell("exit 0".into()), env.clone()),
            Reaping::FirstProcessOnly,
        )
        .unwrap();
        let pid = task.pid();
        task.wait().unwrap();
        // The next process gets the task's pid (unless another one is started between).
        if std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).is_err() {
            eprintln!("skipped: /proc/sys/kernel/ns_last_pid is not writable here");
            return;
        }
        let mut cmd = Command::new("sleep");
        cmd.arg("600");
        // SAFETY: setsid is async-signal-safe.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::setsid();
                Ok(())
            });
        }
        let mut impostor = cmd.spawn().unwrap();
        if impostor.id() as i32 != pid {
            let _ = impostor.kill();
            let _ = impostor.wait();
            continue;
        }
        let left = task.kill_remaining(Duration::from_millis(300));
        task.signal(libc::SIGTERM);
        let survived = impostor.try_wait().unwrap().is_none();
        let _ = impostor.kill();
        let _ = impostor.wait();
        assert!(
            survived,
            "an unrelated process that took the task's pid {pid} was killed"
        );
        assert!(left.is_empty(), "{left:?}");
        return;
    }
    panic!("the task's pid was never reused in 50 attempts");
}
