//! The command executor's logic and process control, driven directly (no agent): real
//! processes are started, signalled and waited for; what is asserted is what the agent
//! would receive and what is left in `/proc`.

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mesos::types::framework_info::capability::Type as Capability;
use mesos::types::task_status::Reason;
use mesos::types::{
    CommandInfo, DurationInfo, Environment, FrameworkInfo, KillPolicy, Resource, TaskID, TaskInfo,
    TaskState, TaskStatus,
};
use mesos_launcher::command::executor::{
    Acknowledgements, CommandExecutor, Input, Outbox, Outcome, Settings,
};
use mesos_launcher::command::flags::{AgentEnvironment, Flags};
use mesos_launcher::command::process::{all_processes, Reaping};

struct ChannelOutbox(Sender<TaskStatus>);

impl Outbox for ChannelOutbox {
    fn send(&mut self, status: &TaskStatus) -> Result<(), String> {
        self.0.send(status.clone()).map_err(|e| e.to_string())
    }
}

struct Harness {
    inputs: Sender<Input>,
    updates: Receiver<TaskStatus>,
    done: JoinHandle<Outcome>,
}

fn settings(flags: Flags) -> Settings {
    let mut framework_id = mesos::types::FrameworkID::new();
    framework_id.set_value("fw-1".into());
    let mut executor_id = mesos::types::ExecutorID::new();
    executor_id.set_value("exec-1".into());
    Settings {
        agent: AgentEnvironment {
            framework_id,
            executor_id,
            shutdown_grace_period: Duration::from_secs(5),
        },
        flags,
        base_environment: vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("FROM_EXECUTOR".into(), "base".into()),
            ("OVERRIDDEN".into(), "base".into()),
        ],
        reaping: Reaping::FirstProcessOnly,
        die_with_parent: true,
        acknowledgements: Acknowledgements::Reported(Duration::from_secs(10)),
    }
}

impl Harness {
    fn start(settings: Settings) -> Harness {
        let (tx, rx) = channel();
        let (utx, updates) = channel();
        let exec = CommandExecutor::new(settings, ChannelOutbox(utx), rx, tx.clone());
        let done = std::thread::spawn(move || exec.run());
        Harness {
            inputs: tx,
            updates,
            done,
        }
    }

    fn subscribed(self, killing_capable: bool) -> Harness {
        let mut f = FrameworkInfo::new();
        f.set_user("u".into());
        f.set_name("test".into());
        if killing_capable {
            f.capabilities.push(Default::default());
            f.capabilities[0].set_type(Capability::TASK_KILLING_STATE);
        }
        self.send(Input::Subscribed {
            framework_info: Box::new(f),
        });
        self
    }

    fn send(&self, input: Input) {
        self.inputs.send(input).unwrap();
    }

    /// The next update, acknowledged at once.
    fn next(&self) -> TaskStatus {
        let s = self
            .updates
            .recv_timeout(Duration::from_secs(20))
            .expect("an update within 20s");
        self.send(Input::Acknowledged {
            uuid: s.uuid().to_vec(),
        });
        s
    }

    fn expect(&self, state: TaskState) -> TaskStatus {
        let s = self.next();
        assert_eq!(s.state(), state, "{s:?}");
        assert_eq!(s.uuid().len(), 16);
        assert_eq!(s.executor_id.value(), "exec-1");
        s
    }

    fn outcome(self) -> Outcome {
        self.done.join().unwrap()
    }
}

fn task(id: &str, command: CommandInfo) -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name(id.into());
    let mut tid = TaskID::new();
    tid.set_value(id.into());
    t.task_id = Some(tid).into();
    t.slave_id
        .mut_or_insert_default()
        .set_value("agent-1".into());
    let mut cpus = Resource::new();
    cpus.set_name("cpus".into());
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

fn task_id(id: &str) -> TaskID {
    let mut t = TaskID::new();
    t.set_value(id.into());
    t
}

fn alive(pid: i32) -> bool {
    all_processes()
        .iter()
        .any(|p| p.pid == pid && p.state != 'Z' && p.state != 'X')
}

/// Waits until `path` holds a line, and returns the file's content.
fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if s.ends_with('\n') {
                return s;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_successful_command_goes_starting_running_finished_and_exits_on_the_ack() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell("exit 0")))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let done = h.expect(TaskState::TASK_FINISHED);
    assert_eq!(done.message(), "Command exited with status 0");
    assert_eq!(done.task_id.value(), "t1");
    assert_eq!(
        h.outcome(),
        Outcome::Done {
            state: TaskState::TASK_FINISHED
        }
    );
}

#[test]
fn a_failing_command_reports_its_exit_status() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell("exit 3")))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let failed = h.expect(TaskState::TASK_FAILED);
    assert_eq!(failed.message(), "Command exited with status 3");
    let outcome = h.outcome();
    assert_eq!(
        outcome,
        Outcome::Done {
            state: TaskState::TASK_FAILED
        }
    );
    assert_eq!(outcome.exit_code(), 0);
}

#[test]
fn argv_commands_and_the_environment_layers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("env");
    let mut command = CommandInfo::new();
    command.set_shell(false);
    command.set_value("/usr/bin/env".into());
    command.arguments = vec!["env".into()];
    let mut var = mesos::types::environment::Variable::new();
    var.set_name("OVERRIDDEN".into());
    var.set_value("command".into());
    command
        .environment
        .mut_or_insert_default()
        .variables
        .push(var);
    let mut secret = mesos::types::environment::Variable::new();
    secret.set_name("A_SECRET".into());
    secret.set_type(mesos::types::environment::variable::Type::SECRET);
    command
        .environment
        .mut_or_insert_default()
        .variables
        .push(secret);
    let mut extra = Environment::new();
    let mut v = mesos::types::environment::Variable::new();
    v.set_name("FROM_ISOLATOR".into());
    v.set_value("iso".into());
    extra.variables.push(v);
    let mut v = mesos::types::environment::Variable::new();
    v.set_name("OVERRIDDEN".into());
    v.set_value("isolator".into());
    extra.variables.push(v);
    let flags = Flags {
        task_environment: Some(extra),
        working_directory: Some(dir.path().to_owned()),
        ..Flags::default()
    };
    // `env` writes to stdout, which the task inherits: run it through a shell redirect
    // instead, with the same environment, to capture it.
    let mut s = settings(flags);
    s.base_environment
        .push(("OUT".into(), OsString::from(out.as_os_str())));
    command.set_value("/bin/sh".into());
    command.arguments = vec![
        "sh".into(),
        "-c".into(),
        "env > \"$OUT\"; pwd >> \"$OUT\"".into(),
    ];
    let h = Harness::start(s).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", command))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    h.expect(TaskState::TASK_FINISHED);
    h.outcome();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"FROM_EXECUTOR=base"), "{text}");
    assert!(lines.contains(&"FROM_ISOLATOR=iso"), "{text}");
    assert!(lines.contains(&"OVERRIDDEN=command"), "{text}");
    assert!(lines.contains(&"MESOS_ALLOCATION_ROLE=analytics"), "{text}");
    assert!(!text.contains("A_SECRET"), "{text}");
    let cwd = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(lines.last().copied(), Some(cwd.to_str().unwrap()), "{text}");
}

#[test]
fn a_kill_within_the_grace_period_is_task_killed_with_task_killing_first() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let script = format!(
        "trap 'echo term > {dir}/got; exit 0' TERM; echo up > {r}; while :; do sleep 0.05; done",
        dir = dir.path().display(),
        r = ready.display()
    );
    let mut t = task("t1", shell(&script));
    t.kill_policy = Some(KillPolicy {
        grace_period: Some(DurationInfo {
            nanoseconds: Some(20_000_000_000),
            ..Default::default()
        })
        .into(),
        ..Default::default()
    })
    .into();
    let h = Harness::start(settings(Flags::default())).subscribed(true);
    h.send(Input::Launch(Box::new(t)));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    wait_file(&ready);
    let asked = Instant::now();
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: None,
    });
    h.expect(TaskState::TASK_KILLING);
    let killed = h.expect(TaskState::TASK_KILLED);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    // The task handled SIGTERM itself (exit 0), yet it was killed: TASK_KILLED.
    assert_eq!(killed.message(), "Command exited with status 0");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("got")).unwrap(),
        "term\n"
    );
    h.outcome();
}

#[test]
fn a_task_that_ignores_sigterm_gets_sigkill_after_the_grace_period_of_the_kill() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let script = format!(
        "trap '' TERM; echo $$ > {}; while :; do sleep 0.05; done",
        ready.display()
    );
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let pid: i32 = wait_file(&ready).trim().parse().unwrap();
    let asked = Instant::now();
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: Some(KillPolicy {
            grace_period: Some(DurationInfo {
                nanoseconds: Some(700_000_000),
                ..Default::default()
            })
            .into(),
            ..Default::default()
        }),
    });
    // No TASK_KILLING: the framework lacks the capability.
    let killed = h.expect(TaskState::TASK_KILLED);
    let took = asked.elapsed();
    assert!(took >= Duration::from_millis(700), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(killed.message(), "Command terminated with signal Killed");
    assert!(!alive(pid));
    h.outcome();
}

#[test]
fn a_second_kill_can_shorten_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let script = format!(
        "trap '' TERM; echo up > {}; while :; do sleep 0.05; done",
        ready.display()
    );
    let policy = |secs: f64| {
        Some(KillPolicy {
            grace_period: Some(DurationInfo {
                nanoseconds: Some((secs * 1e9) as i64),
                ..Default::default()
            })
            .into(),
            ..Default::default()
        })
    };
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    wait_file(&ready);
    let asked = Instant::now();
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: policy(60.0),
    });
    // A longer one changes nothing, a shorter one brings SIGKILL closer.
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: policy(120.0),
    });
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: policy(0.3),
    });
    h.expect(TaskState::TASK_KILLED);
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    h.outcome();
}

/// `sh -c` with more than one command does not exec the last one (Debian's dash): the
/// kill must reach the children, including one that left the process group.
#[test]
fn a_kill_reaches_every_process_of_the_task_and_none_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!(
        "sleep 600 & a=$!; setsid sleep 600 & b=$!; (sleep 600; true) & c=$!; \
         echo \"$$ $a $b $c\" > {}; wait",
        pids.display()
    );
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let text = wait_file(&pids);
    let pids: Vec<i32> = text
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 4);
    for p in &pids {
        assert!(alive(*p), "{p} should be running");
    }
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: None,
    });
    let killed = h.expect(TaskState::TASK_KILLED);
    assert_eq!(
        killed.message(),
        "Command terminated with signal Terminated"
    );
    for p in &pids {
        assert!(!alive(*p), "{p} survived the kill: {text}");
    }
    h.outcome();
}

#[test]
fn leftovers_of_a_finished_task_are_killed_before_its_terminal_update() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("sleep 600 & echo $! > {}; exit 0", pids.display());
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    h.expect(TaskState::TASK_FINISHED);
    let pid: i32 = wait_file(&pids).trim().parse().unwrap();
    assert!(!alive(pid), "the background sleep {pid} outlived its task");
    h.outcome();
}

#[test]
fn shutdown_before_a_launch_exits_at_once() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Shutdown);
    let outcome = h.outcome();
    assert_eq!(outcome, Outcome::ShutdownBeforeLaunch);
    assert_eq!(outcome.exit_code(), 0);
}

#[test]
fn shutdown_kills_the_task_within_the_agents_grace_period() {
    let mut s = settings(Flags::default());
    s.agent.shutdown_grace_period = Duration::from_millis(1500);
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let script = format!(
        "trap '' TERM; echo $$ > {}; while :; do sleep 0.05; done",
        ready.display()
    );
    let h = Harness::start(s).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let pid: i32 = wait_file(&ready).trim().parse().unwrap();
    let asked = Instant::now();
    h.send(Input::Shutdown);
    h.expect(TaskState::TASK_KILLED);
    // Shutdown grace 1.5s less 1s: SIGKILL after about half a second.
    let took = asked.elapsed();
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(!alive(pid));
    assert_eq!(
        h.outcome(),
        Outcome::Done {
            state: TaskState::TASK_KILLED
        }
    );
}

#[test]
fn a_second_task_is_refused() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell("sleep 0.3")))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    h.send(Input::Launch(Box::new(task("t2", shell("exit 0")))));
    let refused = h.expect(TaskState::TASK_FAILED);
    assert_eq!(refused.task_id.value(), "t2");
    assert!(
        refused.message().contains("one task"),
        "{}",
        refused.message()
    );
    let done = h.expect(TaskState::TASK_FINISHED);
    assert_eq!(done.task_id.value(), "t1");
    h.outcome();
}

#[test]
fn max_completion_time_fails_the_task_with_its_reason() {
    let mut t = task("t1", shell("sleep 600"));
    t.max_completion_time = Some(DurationInfo {
        nanoseconds: Some(300_000_000),
        ..Default::default()
    })
    .into();
    let h = Harness::start(settings(Flags::default())).subscribed(true);
    h.send(Input::Launch(Box::new(t)));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    // No TASK_KILLING for this kill, even with the capability.
    let failed = h.expect(TaskState::TASK_FAILED);
    assert_eq!(failed.reason(), Reason::REASON_MAX_COMPLETION_TIME_REACHED);
    h.outcome();
}

#[test]
fn isolation_flags_fail_the_task_naming_them() {
    let flags = Flags::parse(["--rootfs=/images/x", "--tty_slave_path=/dev/pts/9"]).unwrap();
    let h = Harness::start(settings(flags)).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell("exit 0")))));
    h.expect(TaskState::TASK_STARTING);
    let failed = h.expect(TaskState::TASK_FAILED);
    assert!(
        failed.message().contains("--rootfs"),
        "{}",
        failed.message()
    );
    assert!(
        failed.message().contains("--tty_slave_path"),
        "{}",
        failed.message()
    );
    assert_eq!(failed.reason(), Reason::REASON_COMMAND_EXECUTOR_FAILED);
    h.outcome();
}

#[test]
fn a_program_that_cannot_start_fails_the_task_with_the_reason() {
    let mut c = CommandInfo::new();
    c.set_shell(false);
    c.set_value("/nonexistent/program".into());
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", c))));
    h.expect(TaskState::TASK_STARTING);
    let failed = h.expect(TaskState::TASK_FAILED);
    assert!(
        failed.message().contains("/nonexistent/program")
            && failed.message().contains("No such file"),
        "{}",
        failed.message()
    );
    h.outcome();
}

#[test]
fn a_task_without_a_command_value_fails() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", CommandInfo::new()))));
    h.expect(TaskState::TASK_STARTING);
    let failed = h.expect(TaskState::TASK_FAILED);
    assert!(failed.message().contains("not set"), "{}", failed.message());
    h.outcome();
}

#[test]
fn an_unacknowledged_terminal_update_ends_the_executor_with_failure_after_the_wait() {
    let mut s = settings(Flags::default());
    s.acknowledgements = Acknowledgements::Reported(Duration::from_millis(400));
    let h = Harness::start(s).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell("exit 0")))));
    let mut states = Vec::new();
    for _ in 0..3 {
        // Read without acknowledging.
        states.push(
            h.updates
                .recv_timeout(Duration::from_secs(20))
                .unwrap()
                .state(),
        );
    }
    assert_eq!(
        states,
        [
            TaskState::TASK_STARTING,
            TaskState::TASK_RUNNING,
            TaskState::TASK_FINISHED
        ]
    );
    let started = Instant::now();
    let outcome = h.outcome();
    assert_eq!(
        outcome,
        Outcome::NoAcknowledgement {
            state: TaskState::TASK_FINISHED
        }
    );
    assert_eq!(outcome.exit_code(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn losing_the_agent_kills_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let script = format!("echo $$ > {}; sleep 600", ready.display());
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let pid: i32 = wait_file(&ready).trim().parse().unwrap();
    h.send(Input::AgentGone("test".into()));
    let outcome = h.outcome();
    assert_eq!(outcome, Outcome::AgentGone("test".into()));
    assert_eq!(outcome.exit_code(), 1);
    assert!(!alive(pid));
}

#[test]
fn a_kill_before_any_launch_ends_the_executor() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Kill {
        task_id: task_id("t1"),
        kill_policy: None,
    });
    assert_eq!(h.outcome(), Outcome::KillBeforeLaunch);
}

#[test]
fn the_user_flag_switches_user_when_root_and_is_refused_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("id");
    // Let `nobody` write the answer.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let flags = Flags {
        user: Some("nobody".into()),
        ..Flags::default()
    };
    let h = Harness::start(settings(flags)).subscribed(false);
    h.send(Input::Launch(Box::new(task(
        "t1",
        shell(&format!("id -u > {}", out.display())),
    ))));
    h.expect(TaskState::TASK_STARTING);
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        h.expect(TaskState::TASK_RUNNING);
        h.expect(TaskState::TASK_FINISHED);
        let uid = std::fs::read_to_string(&out).unwrap();
        assert_ne!(uid.trim(), "0");
        assert_eq!(uid.trim(), nobody_uid().to_string());
    } else {
        let failed = h.expect(TaskState::TASK_FAILED);
        assert!(failed.message().contains("nobody"), "{}", failed.message());
    }
    h.outcome();
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

/// What the agent does on SHUTDOWN: the event, then the end of the event stream (the
/// driver ends). The kill keeps its grace period; the executor exits once the task is gone.
#[test]
fn shutdown_followed_by_the_end_of_the_connection_still_kills_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    let got = dir.path().join("got");
    let script = format!(
        "trap 'echo term > {}; exit 0' TERM; echo $$ > {}; while :; do sleep 0.05; done",
        got.display(),
        ready.display()
    );
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell(&script)))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    let pid: i32 = wait_file(&ready).trim().parse().unwrap();
    h.send(Input::Shutdown);
    h.send(Input::AgentGone("the driver ended (DRIVER_STOPPED)".into()));
    let outcome = h.done.join().unwrap();
    assert_eq!(
        outcome,
        Outcome::ShutDown {
            state: TaskState::TASK_KILLED
        }
    );
    assert_eq!(outcome.exit_code(), 0);
    // SIGTERM, not SIGKILL: the task's handler ran.
    assert_eq!(std::fs::read_to_string(&got).unwrap(), "term\n");
    assert!(!alive(pid));
    // The terminal update was still attempted.
    let states: Vec<TaskState> = h.updates.try_iter().map(|s| s.state()).collect();
    assert_eq!(states, [TaskState::TASK_KILLED]);
}

/// An agent that shuts an executor down (its framework went away) may never acknowledge the
/// last update; the executor then leaves after a short wait instead of its full minute.
#[test]
fn after_a_shutdown_an_unacknowledged_terminal_update_is_waited_for_briefly() {
    let h = Harness::start(settings(Flags::default())).subscribed(false);
    h.send(Input::Launch(Box::new(task("t1", shell("sleep 600")))));
    h.expect(TaskState::TASK_STARTING);
    h.expect(TaskState::TASK_RUNNING);
    h.send(Input::Shutdown);
    let killed = h
        .updates
        .recv_timeout(Duration::from_secs(20))
        .expect("TASK_KILLED");
    assert_eq!(killed.state(), TaskState::TASK_KILLED);
    let sent = Instant::now();
    let outcome = h.done.join().unwrap();
    let waited = sent.elapsed();
    assert_eq!(
        outcome,
        Outcome::ShutDown {
            state: TaskState::TASK_KILLED
        }
    );
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}
