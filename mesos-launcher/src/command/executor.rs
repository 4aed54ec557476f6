//! The command executor's logic, apart from any transport: it takes [`Input`]s (what the
//! agent said, plus its own process events) on a channel and sends status updates through
//! an [`Outbox`]. `mesos-executor` connects it to the agent with `mesos::ExecutorDriver`;
//! tests drive it directly.
//!
//! # The contract (Mesos 1.11's command executor, as the agent expects it)
//!
//! * One task per executor. On `LAUNCH`: `TASK_STARTING`, start the command, `TASK_RUNNING`.
//!   A second `LAUNCH` gets `TASK_FAILED`.
//! * The command is the task's `CommandInfo` (or `--task_command`): `shell` true (the
//!   default) runs `/bin/sh -c <value>`; `shell` false execs `value` with `arguments` as argv.
//!   Its environment: the executor's own (never its authentication token), then
//!   `--task_environment`, then the command's variables (secrets skipped), then
//!   `MESOS_ALLOCATION_ROLE` (see [`task_environment`]). It inherits the executor's
//!   stdin/stdout/stderr: under an agent, the sandbox's `stdout` and `stderr` files.
//! * When the command ends: `TASK_FINISHED` (exit status 0) or `TASK_FAILED`, with the
//!   message `Command exited with status N` / `Command terminated with signal NAME`.
//! * `KILL`: `TASK_KILLING` if the framework has the `TASK_KILLING_STATE` capability,
//!   SIGTERM to every process of the task, SIGKILL after the grace period (the `KILL`'s
//!   policy, else the task's `KillPolicy`, else 3 seconds), then `TASK_KILLED`. A second
//!   `KILL` can shorten the grace period, never lengthen it.
//! * `SHUTDOWN`: a kill with the agent's shutdown grace period less two seconds; before a
//!   launch, just exit.
//! * `max_completion_time`: the task is killed at once when it runs longer, and ends
//!   `TASK_FAILED` with reason `REASON_MAX_COMPLETION_TIME_REACHED`.
//! * The executor exits once the agent acknowledged the terminal update, or after a
//!   bounded wait for that acknowledgement (exit status 1 then, as Mesos').
//! * Whatever is left of the task when its first process exits is SIGKILLed before the
//!   terminal update is sent: nothing of the task outlives its executor.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mesos::types::environment::variable::Type as VariableType;
use mesos::types::framework_info::capability::Type as Capability;
use mesos::types::task_status::{Reason, Source};
use mesos::types::{
    CommandInfo, ExecutorID, FrameworkInfo, KillPolicy, TaskID, TaskInfo, TaskState, TaskStatus,
};

use super::duration::from_nanos;
use super::flags::{AgentEnvironment, Flags};
use super::process::{LaunchSpec, Program, Reaping, TaskProcess, WaitStatus};

/// The grace period of a kill when neither the `KILL` nor the task has a kill policy.
pub const DEFAULT_KILL_GRACE_PERIOD: Duration = Duration::from_secs(3);

/// How much of the agent's shutdown grace period a `SHUTDOWN` keeps back from the task's:
/// the time to SIGKILL, reap and report it before the agent destroys the container (the
/// same two seconds as Mesos' executor).
pub const SHUTDOWN_RESERVE: Duration = Duration::from_secs(2);

/// How long the terminal update's acknowledgement is waited for after a `SHUTDOWN`.
const SHUTDOWN_ACK_WAIT: Duration = Duration::from_secs(1);

/// How long leftovers of a task get to die after SIGKILL before the executor gives up on
/// them (they are reported on stderr).
const LEFTOVER_KILL_WAIT: Duration = Duration::from_secs(5);

/// What the executor reacts to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// The agent accepted the subscription (`SUBSCRIBED`).
    Subscribed {
        /// The task's framework (its capabilities decide whether `TASK_KILLING` is sent).
        framework_info: Box<FrameworkInfo>,
    },
    /// `LAUNCH`.
    Launch(Box<TaskInfo>),
    /// `KILL`, with the kill policy that overrides the task's, if any.
    Kill {
        /// The task.
        task_id: TaskID,
        /// The override.
        kill_policy: Option<KillPolicy>,
    },
    /// `SHUTDOWN`.
    Shutdown,
    /// `ACKNOWLEDGED`: the agent took the update with this `uuid`.
    Acknowledged {
        /// The update's uuid.
        uuid: Vec<u8>,
    },
    /// The connection to the agent ended for good (the driver stopped or gave up).
    AgentGone(String),
    /// The task's first process exited (sent by the executor's own waiting thread).
    Exited(io::Result<WaitStatus>),
}

/// Where status updates go (the agent, or a test).
pub trait Outbox: Send + 'static {
    /// Sends `status` (which has its `uuid` set) to the agent.
    fn send(&mut self, status: &TaskStatus) -> Result<(), String>;

    /// Called right after the task's terminal update (with `uuid`) was sent: a transport
    /// that learns of acknowledgements by other means than [`Input::Acknowledged`] events
    /// sends `Input::Acknowledged { uuid }` to `inputs` once every update so far, that one
    /// included, was acknowledged, within `timeout`. The default does nothing (the
    /// acknowledgements come as inputs anyway).
    fn watch_terminal_acknowledgement(
        &mut self,
        uuid: Vec<u8>,
        timeout: Duration,
        inputs: Sender<Input>,
    ) {
        let _ = (uuid, timeout, inputs);
    }
}

/// Whether and how long to wait for the agent's acknowledgement of the terminal update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledgements {
    /// The transport reports [`Input::Acknowledged`]: wait up to this long, then exit with
    /// failure (Mesos waits 60 seconds).
    Reported(Duration),
    /// The transport cannot tell: linger this long after the terminal update, then exit
    /// with success.
    NotReported(Duration),
}

/// Everything the executor is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// From the agent's environment.
    pub agent: AgentEnvironment,
    /// From the command line.
    pub flags: Flags,
    /// The executor's own environment, the base of the task's.
    pub base_environment: Vec<(OsString, OsString)>,
    /// How the task's processes are waited for ([`Reaping::AllChildren`] only in a process
    /// that made itself a subreaper and has no other children).
    pub reaping: Reaping,
    /// Kill the task if the executor's thread dies (see [`LaunchSpec::die_with_parent`]).
    pub die_with_parent: bool,
    /// See [`Acknowledgements`].
    pub acknowledgements: Acknowledgements,
}

/// How the executor ended; [`Outcome::exit_code`] is the process' exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The terminal update was acknowledged (or, without acknowledgements, sent).
    Done {
        /// The terminal state.
        state: TaskState,
    },
    /// Asked to shut down before any task was launched.
    ShutdownBeforeLaunch,
    /// The terminal update was sent but not acknowledged in time.
    NoAcknowledgement {
        /// The terminal state that was sent.
        state: TaskState,
    },
    /// A `KILL` came before any `LAUNCH` (Mesos' executor aborts too).
    KillBeforeLaunch,
    /// The agent went away; the task (if any) was killed.
    AgentGone(String),
    /// Asked to shut down, the task was killed and the connection to the agent ended (as it
    /// does after `SHUTDOWN`) before the terminal update could be acknowledged.
    ShutDown {
        /// The task's terminal state.
        state: TaskState,
    },
}

impl Outcome {
    /// 0 for [`Outcome::Done`], [`Outcome::ShutDown`] and [`Outcome::ShutdownBeforeLaunch`],
    /// 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Done { .. } | Outcome::ShutDown { .. } | Outcome::ShutdownBeforeLaunch => 0,
            _ => 1,
        }
    }
}

/// The executor: [`CommandExecutor::run`] takes [`Input`]s from the channel given to
/// [`CommandExecutor::new`] until the executor is done.
///
/// ```no_run
/// use std::sync::mpsc::channel;
/// use mesos::types::TaskStatus;
/// use mesos_launcher::command::executor::{CommandExecutor, Input, Outbox, Settings};
///
/// struct Print;
/// impl Outbox for Print {
///     fn send(&mut self, status: &TaskStatus) -> Result<(), String> {
///         println!("{:?}: {}", status.state(), status.message());
///         Ok(())
///     }
/// }
///
/// # fn settings() -> Settings { unimplemented!() }
/// let (tx, rx) = channel();
/// let executor = CommandExecutor::new(settings(), Print, rx, tx.clone());
/// let done = std::thread::spawn(move || executor.run());
/// tx.send(Input::Shutdown).unwrap();
/// assert_eq!(done.join().unwrap().exit_code(), 0);
/// ```
pub struct CommandExecutor<O: Outbox> {
    settings: Settings,
    outbox: O,
    inputs: Receiver<Input>,
    /// A sender to itself, for the waiting thread.
    to_self: Sender<Input>,
    framework_info: Option<FrameworkInfo>,
    task: Option<TaskInfo>,
    process: Option<Arc<TaskProcess>>,
    launched: bool,
    killed: bool,
    killed_by_completion_timer: bool,
    terminated: bool,
    kill_started: Option<Instant>,
    /// When SIGKILL follows the SIGTERM of a kill.
    escalate_at: Option<Instant>,
    /// When the task has run for its `max_completion_time`.
    completion_deadline: Option<Instant>,
    unacknowledged: BTreeMap<Vec<u8>, TaskState>,
    terminal: Option<(Vec<u8>, TaskState, Instant)>,
    /// Why the connection to the agent ended, once it did.
    gone: Option<String>,
    shutdown_requested: bool,
    /// The terminal update could not be sent.
    undelivered: bool,
}

impl<O: Outbox> CommandExecutor<O> {
    /// An executor that reads `inputs`; `to_self` must send to the same channel.
    pub fn new(
        settings: Settings,
        outbox: O,
        inputs: Receiver<Input>,
        to_self: Sender<Input>,
    ) -> Self {
        CommandExecutor {
            settings,
            outbox,
            inputs,
            to_self,
            framework_info: None,
            task: None,
            process: None,
            launched: false,
            killed: false,
            killed_by_completion_timer: false,
            terminated: false,
            kill_started: None,
            escalate_at: None,
            completion_deadline: None,
            unacknowledged: BTreeMap::new(),
            terminal: None,
            gone: None,
            shutdown_requested: false,
            undelivered: false,
        }
    }

    /// Runs until the executor is done; call it on a thread that lives until it returns
    /// (with `die_with_parent`, the task dies with that thread).
    pub fn run(mut self) -> Outcome {
        loop {
            let now = Instant::now();
            if let Some(outcome) = self.check_deadlines(now) {
                return outcome;
            }
            let input = match self.next_deadline() {
                Some(at) => match self.inputs.recv_timeout(at.saturating_duration_since(now)) {
                    Ok(i) => i,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => {
                        Input::AgentGone("the driver's channel closed".into())
                    }
                },
                None => match self.inputs.recv() {
                    Ok(i) => i,
                    Err(_) => Input::AgentGone("the driver's channel closed".into()),
                },
            };
            if let Some(outcome) = self.handle(input) {
                return outcome;
            }
        }
    }

    fn log(&self, line: impl AsRef<str>) {
        if !self.settings.flags.quiet {
            eprintln!("mesos-executor: {}", line.as_ref());
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        [
            self.escalate_at,
            self.completion_deadline,
            self.terminal.as_ref().map(|(_, _, at)| *at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn check_deadlines(&mut self, now: Instant) -> Option<Outcome> {
        if let Some(at) = self.escalate_at {
            if now >= at {
                self.escalate_at = None;
                if let Some(p) = &self.process {
                    let pids = p.signal(libc::SIGKILL);
                    self.log(format!(
                        "the task did not end within its grace period: SIGKILL to {pids:?}"
                    ));
                }
            }
        }
        if let Some(at) = self.completion_deadline {
            if now >= at && !self.terminated {
                self.completion_deadline = None;
                self.killed_by_completion_timer = true;
                if let Some(id) = self.task_id() {
                    self.log(format!(
                        "task {} exceeded its max_completion_time: killing it",
                        id.value()
                    ));
                    self.kill(&id, Duration::ZERO);
                }
            }
        }
        if let Some((_, state, at)) = &self.terminal {
            if now >= *at {
                if self.shutdown_requested {
                    return Some(Outcome::ShutDown { state: *state });
                }
                if self.undelivered {
                    return Some(Outcome::NoAcknowledgement { state: *state });
                }
                return Some(match self.settings.acknowledgements {
                    Acknowledgements::NotReported(_) => Outcome::Done { state: *state },
                    Acknowledgements::Reported(wait) => {
                        self.log(format!(
                            "the agent did not acknowledge the terminal update ({state:?}) within {wait:?}"
                        ));
                        Outcome::NoAcknowledgement { state: *state }
                    }
                });
            }
        }
        None
    }

    fn task_id(&self) -> Option<TaskID> {
        self.task
            .as_ref()
            .and_then(|t| t.task_id.clone().into_option())
    }

    fn handle(&mut self, input: Input) -> Option<Outcome> {
        match input {
            Input::Subscribed { framework_info } => {
                self.framework_info = Some(*framework_info);
                None
            }
            Input::Launch(task) => {
                self.launch(*task);
                None
            }
            Input::Kill {
                task_id,
                kill_policy,
            } => {
                if !self.launched && !self.terminated {
                    self.log(format!(
                        "asked to kill task {} before any task was launched: exiting",
                        task_id.value()
                    ));
                    return Some(Outcome::KillBeforeLaunch);
                }
                if self.task_id().as_ref() != Some(&task_id) {
                    self.log(format!(
                        "asked to kill unknown task {}: ignored",
                        task_id.value()
                    ));
                    return None;
                }
                let grace = kill_policy
                    .as_ref()
                    .and_then(|p| p.grace_period.as_ref())
                    .or_else(|| {
                        self.task
                            .as_ref()
                            .and_then(|t| t.kill_policy.as_ref())
                            .and_then(|p| p.grace_period.as_ref())
                    })
                    .map(|d| from_nanos(d.nanoseconds()))
                    .unwrap_or(DEFAULT_KILL_GRACE_PERIOD);
                self.kill(&task_id, grace);
                None
            }
            Input::Shutdown => {
                self.log("shutting down");
                self.shutdown_requested = true;
                if !self.launched {
                    return Some(Outcome::ShutdownBeforeLaunch);
                }
                if let (Some(id), false) = (self.task_id(), self.terminated) {
                    let grace = self
                        .settings
                        .agent
                        .shutdown_grace_period
                        .saturating_sub(SHUTDOWN_RESERVE);
                    self.kill(&id, grace);
                }
                None
            }
            Input::Acknowledged { uuid } => {
                self.unacknowledged.remove(&uuid);
                match &self.terminal {
                    Some((terminal, state, _)) if *terminal == uuid => {
                        Some(Outcome::Done { state: *state })
                    }
                    _ => None,
                }
            }
            Input::AgentGone(why) => {
                if self.gone.is_some() {
                    return None;
                }
                self.log(format!("the connection to the agent ended: {why}"));
                self.gone = Some(why.clone());
                if let Some((_, state, _)) = &self.terminal {
                    // Sent, but no acknowledgement can come any more.
                    return Some(if self.shutdown_requested {
                        Outcome::ShutDown { state: *state }
                    } else {
                        Outcome::AgentGone(why)
                    });
                }
                match &self.process {
                    Some(p) if !self.terminated => {
                        if !self.shutdown_requested {
                            // Nobody to report to: no grace period.
                            p.signal(libc::SIGKILL);
                        }
                        // The task's exit (reported by the waiting thread) ends the executor.
                        None
                    }
                    _ if self.shutdown_requested => Some(Outcome::ShutdownBeforeLaunch),
                    _ => Some(Outcome::AgentGone(why)),
                }
            }
            Input::Exited(status) => self.exited(status),
        }
    }

    fn status(&self, task_id: &TaskID, state: TaskState) -> TaskStatus {
        let mut s = TaskStatus::new();
        s.task_id = Some(task_id.clone()).into();
        s.set_state(state);
        s.set_uuid(random_uuid());
        s.set_timestamp(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
        );
        s.set_source(Source::SOURCE_EXECUTOR);
        let mut e = ExecutorID::new();
        e.set_value(self.settings.agent.executor_id.value().to_owned());
        s.executor_id = Some(e).into();
        s
    }

    fn forward(&mut self, status: TaskStatus) {
        let uuid = status.uuid().to_vec();
        let state = status.state();
        self.log(format!(
            "{:?} for task {}{}",
            state,
            status.task_id.value(),
            if status.has_message() {
                format!(": {}", status.message())
            } else {
                String::new()
            }
        ));
        let sent = self.outbox.send(&status);
        if let Err(e) = &sent {
            self.log(format!("could not send {state:?}: {e}"));
        }
        self.unacknowledged.insert(uuid.clone(), state);
        if status.task_id.as_ref() == self.task_id().as_ref()
            && mesos::task_status::is_terminal(state)
        {
            if sent.is_err() && !self.shutdown_requested {
                // The agent refused it (or it could not be sent): no acknowledgement will
                // come, and the executor must not end as if it had been delivered.
                self.terminal = Some((uuid, state, Instant::now()));
                self.undelivered = true;
                return;
            }
            let mut wait = match self.settings.acknowledgements {
                Acknowledgements::Reported(d) | Acknowledgements::NotReported(d) => d,
            };
            if self.shutdown_requested {
                // An agent that shuts its executors down (e.g. for a framework that went
                // away) may never acknowledge; it destroys the container after its grace
                // period. Leave on our own well before that.
                wait = wait.min(SHUTDOWN_ACK_WAIT);
            }
            self.terminal = Some((uuid.clone(), state, Instant::now() + wait));
            if let Acknowledgements::Reported(d) = self.settings.acknowledgements {
                self.outbox
                    .watch_terminal_acknowledgement(uuid, d, self.to_self.clone());
            }
        }
    }

    /// Sends a terminal update for a task that never ran.
    fn fail_launch(&mut self, task_id: &TaskID, message: String) {
        self.terminated = true;
        let s = self
            .status(task_id, TaskState::TASK_FAILED)
            .with_reason(Reason::REASON_COMMAND_EXECUTOR_FAILED)
            .with_message(message);
        self.forward(s);
    }

    fn launch(&mut self, task: TaskInfo) {
        let task_id = task.task_id.clone().unwrap_or_default();
        if self.task.is_some() {
            let s = self
                .status(&task_id, TaskState::TASK_FAILED)
                .with_message("Attempted to run multiple tasks using a \"command\" executor");
            self.forward(s);
            return;
        }
        self.task = Some(task.clone());
        self.forward(self.status(&task_id, TaskState::TASK_STARTING));

        if !self.settings.flags.unsupported.is_empty() {
            let flags: Vec<String> = self
                .settings
                .flags
                .unsupported
                .iter()
                .map(|f| format!("--{f}"))
                .collect();
            return self.fail_launch(
                &task_id,
                format!(
                    "mesos-executor cannot honour {}: it needs isolation this command executor does not provide",
                    flags.join(", ")
                ),
            );
        }
        let command = match (&self.settings.flags.task_command, task.command.as_ref()) {
            (Some(c), _) => c.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => {
                return self.fail_launch(&task_id, "the task has no CommandInfo".into());
            }
        };
        if !command.has_value() {
            let what = if command.shell() {
                "shell command"
            } else {
                "executable"
            };
            return self.fail_launch(&task_id, format!("the task's {what} is not set"));
        }
        if task.health_check.is_some() || task.check.is_some() {
            self.log("the task's health check / check is not run by this executor");
        }
        let spec = LaunchSpec {
            program: program_of(&command),
            environment: task_environment(
                &self.settings.base_environment,
                self.settings.flags.task_environment.as_ref(),
                &command,
                &task,
            ),
            // As Mesos' executor: `--working_directory` only applies inside a root
            // filesystem (which this executor refuses); the task runs in the sandbox.
            working_directory: None,
            user: self.settings.flags.user.clone(),
            supplementary_groups: self.settings.flags.task_supplementary_groups.clone(),
            die_with_parent: self.settings.die_with_parent,
        };
        self.log(format!("starting task {}", task_id.value()));
        let process = match TaskProcess::spawn(&spec, self.settings.reaping) {
            Ok(p) => Arc::new(p),
            Err(e) => return self.fail_launch(&task_id, format!("failed to launch: {e}")),
        };
        self.log(format!("forked command at {}", process.pid()));
        let waiter = process.clone();
        let tx = self.to_self.clone();
        std::thread::Builder::new()
            .name("task-wait".into())
            .spawn(move || {
                let _ = tx.send(Input::Exited(waiter.wait()));
            })
            .expect("spawn the task's waiting thread");
        self.process = Some(process);
        if let Some(max) = task.max_completion_time.as_ref() {
            if max.nanoseconds() > 0 {
                self.completion_deadline = Some(Instant::now() + from_nanos(max.nanoseconds()));
            }
        }
        self.forward(self.status(&task_id, TaskState::TASK_RUNNING));
        self.launched = true;
    }

    fn kill(&mut self, task_id: &TaskID, grace: Duration) {
        if self.terminated {
            return;
        }
        self.completion_deadline = None;
        let now = Instant::now();
        if self.killed {
            // A later kill may only bring the SIGKILL closer.
            let started = self.kill_started.unwrap_or(now);
            if let Some(at) = self.escalate_at {
                if started + grace < at {
                    self.escalate_at = Some((started + grace).max(now));
                    self.log(format!("SIGKILL rescheduled: grace period now {grace:?}"));
                }
            }
            return;
        }
        self.log(format!(
            "killing task {} with a grace period of {grace:?}",
            task_id.value()
        ));
        let killing_capable = self.framework_info.as_ref().is_some_and(|f| {
            f.capabilities
                .iter()
                .any(|c| c.type_() == Capability::TASK_KILLING_STATE)
        });
        if killing_capable && !self.killed_by_completion_timer {
            self.forward(self.status(task_id, TaskState::TASK_KILLING));
        }
        if let Some(p) = &self.process {
            let pids = p.signal(libc::SIGTERM);
            self.log(format!("SIGTERM to {pids:?}"));
        }
        self.killed = true;
        self.kill_started = Some(now);
        self.escalate_at = Some(now + grace);
    }

    fn exited(&mut self, status: io::Result<WaitStatus>) -> Option<Outcome> {
        self.terminated = true;
        self.escalate_at = None;
        self.completion_deadline = None;
        if let Some(p) = &self.process {
            let left = p.kill_remaining(LEFTOVER_KILL_WAIT);
            if !left.is_empty() {
                self.log(format!(
                    "processes of the task still alive after SIGKILL: {left:?}"
                ));
            }
        }
        let task_id = self.task_id().unwrap_or_default();
        let (state, reason, message) = match status {
            Err(e) => (
                TaskState::TASK_FAILED,
                None,
                format!("Failed to get exit status for Command: {e}"),
            ),
            Ok(ws) => {
                let (state, reason) = if self.killed_by_completion_timer {
                    (
                        TaskState::TASK_FAILED,
                        Some(Reason::REASON_MAX_COMPLETION_TIME_REACHED),
                    )
                } else if self.killed {
                    (TaskState::TASK_KILLED, None)
                } else if ws.success() {
                    (TaskState::TASK_FINISHED, None)
                } else {
                    (TaskState::TASK_FAILED, None)
                };
                (state, reason, format!("Command {}", ws.describe()))
            }
        };
        let mut s = self.status(&task_id, state).with_message(message.clone());
        if let Some(r) = reason {
            s = s.with_reason(r);
        }
        if let Some(why) = self.gone.clone() {
            // Try anyway (the agent may still take it), but expect no acknowledgement.
            self.log(format!(
                "task ended ({message}) after the connection to the agent ended"
            ));
            let _ = self.outbox.send(&s);
            return Some(if self.shutdown_requested {
                Outcome::ShutDown { state }
            } else {
                Outcome::AgentGone(why)
            });
        }
        self.forward(s);
        None
    }
}

/// The program a `CommandInfo` describes.
pub fn program_of(command: &CommandInfo) -> Program {
    if command.shell() {
        Program::Shell(command.value().to_owned())
    } else {
        Program::Exec {
            path: command.value().to_owned(),
            argv: command.arguments.clone(),
        }
    }
}

/// The variable that carries the executor's credential for the agent's executor API. It is
/// the executor's alone: never part of a task's environment (a task holding it could act as
/// its executor).
pub const AUTHENTICATION_TOKEN: &str = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN";

/// The task's environment, as Mesos 1.11's command executor builds it: `base` (the
/// executor's own, without [`AUTHENTICATION_TOKEN`]), overridden by `task_environment`
/// (from the containerizer), overridden by the command's variables (secrets are skipped:
/// an isolator resolves those), plus `MESOS_ALLOCATION_ROLE` (the role of the task's first
/// resource), plus the host's default `PATH` if none of these set one. Nothing else (in
/// particular no `MESOS_TASK_ID`).
///
/// ```
/// use mesos::types::{CommandInfo, TaskInfo};
/// use mesos_launcher::command::executor::task_environment;
/// let base = vec![
///     ("MESOS_EXECUTOR_AUTHENTICATION_TOKEN".into(), "secret".into()),
///     ("HOME".into(), "/root".into()),
/// ];
/// let env = task_environment(&base, None, &CommandInfo::new(), &TaskInfo::new());
/// let names: Vec<_> = env.iter().map(|(k, _)| k.to_str().unwrap()).collect();
/// assert_eq!(names, ["HOME", "PATH"]);
/// ```
pub fn task_environment(
    base: &[(OsString, OsString)],
    extra: Option<&mesos::types::Environment>,
    command: &CommandInfo,
    task: &TaskInfo,
) -> Vec<(OsString, OsString)> {
    let mut env: BTreeMap<OsString, OsString> = base
        .iter()
        .filter(|(k, _)| k != AUTHENTICATION_TOKEN)
        .cloned()
        .collect();
    let layers = extra
        .map(|e| e.variables.as_slice())
        .unwrap_or_default()
        .iter()
        .chain(command.environment.variables.iter());
    for v in layers {
        if v.type_() == VariableType::SECRET {
            continue;
        }
        env.insert(v.name().into(), v.value().into());
    }
    if let Some(first) = task.resources.first() {
        let role = first
            .allocation_info
            .as_ref()
            .map(|a| a.role().to_owned())
            .unwrap_or_default();
        env.insert("MESOS_ALLOCATION_ROLE".into(), role.into());
    }
    env.entry("PATH".into())
        .or_insert_with(|| crate::containerizer::DEFAULT_PATH.into());
    env.into_iter().collect()
}

/// 16 random bytes (a version 4 UUID), as Mesos puts in `TaskStatus.uuid`.
pub fn random_uuid() -> Vec<u8> {
    let mut bytes = [0u8; 16];
    let mut filled = 0;
    while filled < bytes.len() {
        // SAFETY: the pointer and length describe the unfilled tail of `bytes`.
        let n = unsafe {
            libc::getrandom(bytes[filled..].as_mut_ptr().cast(), bytes.len() - filled, 0)
        };
        if n > 0 {
            filled += n as usize;
        } else if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            // No kernel randomness: fall back on time and pid, unique enough for an id.
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            bytes = (t ^ ((std::process::id() as u128) << 64)).to_le_bytes();
            break;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes.to_vec()
}
