//! What the agent gives the command executor: command-line flags (`--name=value`) and a few
//! environment variables.
//!
//! The agent runs `<launcher_dir>/mesos-executor --launcher_dir=<dir>` for a task that has a
//! `CommandInfo` and no `ExecutorInfo`; the Mesos containerizer may append
//! `--task_environment=<JSON Environment>`, `--task_supplementary_groups=<gid,...>` and,
//! for tasks with a container image, `--rootfs`, `--sandbox_directory` and `--user`.
//! Mesos' own command executor also takes `--working_directory`, `--task_command`
//! (a JSON `CommandInfo` that replaces the task's), `--task_launch_info`,
//! `--tty_slave_path` and two capability sets. Each of these flags is accepted here; those
//! that need isolation this program does not do (a root filesystem, capabilities, a TTY,
//! mounts) make the task fail with a message naming the flag, never run it half-configured.
//! An unknown flag is an error, as it is for Mesos' executor.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use mesos::types::{CommandInfo, Environment, ExecutorID, FrameworkID};

use super::duration::parse_duration;

/// The agent's default `--executor_shutdown_grace_period`.
pub const DEFAULT_SHUTDOWN_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// The command-line flags of `mesos-executor`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flags {
    /// `--launcher_dir`: where the agent's helper programs are (informational here: the
    /// task is started by this program itself, see the module docs of `command`).
    pub launcher_dir: Option<PathBuf>,
    /// `--sandbox_directory`: the sandbox's path inside the task's root filesystem.
    pub sandbox_directory: Option<PathBuf>,
    /// `--working_directory`: the task's working directory inside its root filesystem. As
    /// for Mesos' executor, it has no effect without `--rootfs` (the task runs in the
    /// executor's working directory, the sandbox).
    pub working_directory: Option<PathBuf>,
    /// `--user`: the user to run the task as.
    pub user: Option<String>,
    /// `--task_command`: replaces the task's `CommandInfo`.
    pub task_command: Option<CommandInfo>,
    /// `--task_environment`: variables added to the task's environment (below the
    /// command's own).
    pub task_environment: Option<Environment>,
    /// `--task_supplementary_groups`: extra group ids for the task.
    pub task_supplementary_groups: Vec<u32>,
    /// Flags that were given but ask for isolation this program cannot provide
    /// (`--rootfs`, capabilities, `--tty_slave_path`, `--task_launch_info`), by name.
    pub unsupported: Vec<String>,
    /// `--quiet`: no log lines of the executor's own on stderr.
    pub quiet: bool,
    /// `--help`.
    pub help: bool,
}

/// One line per flag, for `--help` and for errors.
pub const USAGE: &str = "\
usage: mesos-executor [--launcher_dir=DIR] [--working_directory=DIR] [--user=NAME]
                      [--task_command=JSON] [--task_environment=JSON]
                      [--task_supplementary_groups=GID,...] [--sandbox_directory=DIR]
                      [--quiet] [--help]
The command executor of a Mesos agent: runs the one task it is given (its CommandInfo,
as `sh -c VALUE` or as an argv), reports TASK_STARTING, TASK_RUNNING and a terminal state
through the agent's executor HTTP API, and exits once the agent acknowledged that state.
It reads MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT and
MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD from the environment the agent gives it.
Accepted but refused at launch (they need isolation this program does not do):
  --rootfs --effective_capabilities --bounding_capabilities --tty_slave_path
  --task_launch_info
Accepted and ignored (glog settings of Mesos' own executor):
  --logging_level --log_dir --logbufsecs --initialize_driver_logging --external_log_file";

impl Flags {
    /// Parses the arguments after the program name.
    ///
    /// ```
    /// use mesos_launcher::command::flags::Flags;
    /// let f = Flags::parse(["--launcher_dir=/usr/libexec/mesos", "--user=nobody"]).unwrap();
    /// assert_eq!(f.user.as_deref(), Some("nobody"));
    /// assert!(Flags::parse(["--frobnicate=1"]).unwrap_err().contains("--frobnicate"));
    /// ```
    pub fn parse<I, S>(args: I) -> Result<Flags, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut flags = Flags::default();
        let mut args = args.into_iter().map(Into::into).peekable();
        while let Some(arg) = args.next() {
            let arg = arg
                .into_string()
                .map_err(|a| format!("argument {a:?} is not UTF-8"))?;
            let Some(body) = arg.strip_prefix("--") else {
                return Err(format!(
                    "unexpected argument '{arg}' (flags are --name=value)"
                ));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (body.to_owned(), None),
            };
            // Boolean flags: `--quiet`, `--quiet=true`, `--no-quiet`.
            let boolean = |value: Option<String>| -> Result<bool, String> {
                match value.as_deref() {
                    None | Some("true") => Ok(true),
                    Some("false") => Ok(false),
                    Some(other) => Err(format!("--{name} takes true or false, not '{other}'")),
                }
            };
            match name.as_str() {
                "help" => flags.help = boolean(value)?,
                "quiet" => flags.quiet = boolean(value)?,
                "no-quiet" => flags.quiet = false,
                "no-help" => flags.help = false,
                _ => {
                    // Every other flag takes a value: `--name=value` or `--name value`.
                    let value = match value {
                        Some(v) => v,
                        None => match args.next() {
                            Some(v) => v.into_string().map_err(|v| {
                                format!("the value of --{name} ({v:?}) is not UTF-8")
                            })?,
                            None => return Err(format!("--{name} needs a value")),
                        },
                    };
                    flags.set(&name, value)?;
                }
            }
        }
        Ok(flags)
    }

    fn set(&mut self, name: &str, value: String) -> Result<(), String> {
        match name {
            "launcher_dir" => self.launcher_dir = Some(value.into()),
            "sandbox_directory" => self.sandbox_directory = Some(value.into()),
            "working_directory" => self.working_directory = Some(value.into()),
            "user" => self.user = Some(value),
            "task_command" => {
                self.task_command = Some(
                    parse_json::<CommandInfo>(&value)
                        .map_err(|e| format!("--task_command is not a JSON CommandInfo: {e}"))?,
                )
            }
            "task_environment" => {
                self.task_environment =
                    Some(parse_json::<Environment>(&value).map_err(|e| {
                        format!("--task_environment is not a JSON Environment: {e}")
                    })?)
            }
            "task_supplementary_groups" => {
                self.task_supplementary_groups = value
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        s.trim().parse::<u32>().map_err(|_| {
                            format!("--task_supplementary_groups: '{s}' is not a group id")
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
            "rootfs"
            | "effective_capabilities"
            | "bounding_capabilities"
            | "tty_slave_path"
            | "task_launch_info" => self.unsupported.push(name.to_owned()),
            "logging_level"
            | "log_dir"
            | "logbufsecs"
            | "initialize_driver_logging"
            | "external_log_file" => {}
            other => return Err(format!("unknown flag --{other}\n{USAGE}")),
        }
        Ok(())
    }
}

/// Parses Mesos' JSON form of a message (field names as in the `.proto`, enums by name).
pub fn parse_json<M: protobuf::MessageFull>(text: &str) -> Result<M, String> {
    protobuf_json_mapping::parse_from_str::<M>(text).map_err(|e| e.to_string())
}

/// What the agent puts in the executor's environment that this program needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentEnvironment {
    /// `MESOS_FRAMEWORK_ID`.
    pub framework_id: FrameworkID,
    /// `MESOS_EXECUTOR_ID` (for a command task: the task's id).
    pub executor_id: ExecutorID,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD` (default 5 seconds): how long the agent waits
    /// after asking the executor to shut down before it destroys the container.
    pub shutdown_grace_period: Duration,
}

impl AgentEnvironment {
    /// Reads the variables with `get` (e.g. `|k| std::env::var(k).ok()`).
    ///
    /// ```
    /// use mesos_launcher::command::flags::AgentEnvironment;
    /// let env = |k: &str| match k {
    ///     "MESOS_FRAMEWORK_ID" => Some("fw".to_owned()),
    ///     "MESOS_EXECUTOR_ID" => Some("task-1".to_owned()),
    ///     _ => None,
    /// };
    /// let a = AgentEnvironment::from_lookup(env).unwrap();
    /// assert_eq!(a.executor_id.value(), "task-1");
    /// assert_eq!(a.shutdown_grace_period.as_secs(), 5);
    /// ```
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<AgentEnvironment, String> {
        let required = |name: &str| {
            get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("{name} is not set: mesos-executor runs under a Mesos agent, which sets it")
            })
        };
        let mut framework_id = FrameworkID::new();
        framework_id.set_value(required("MESOS_FRAMEWORK_ID")?);
        let mut executor_id = ExecutorID::new();
        executor_id.set_value(required("MESOS_EXECUTOR_ID")?);
        let shutdown_grace_period = match get("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD") {
            None => DEFAULT_SHUTDOWN_GRACE_PERIOD,
            Some(v) => parse_duration(&v)
                .map_err(|e| format!("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: {e}"))?,
        };
        Ok(AgentEnvironment {
            framework_id,
            executor_id,
            shutdown_grace_period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesos::types::environment::variable::Type;

    #[test]
    fn what_the_agent_passes() {
        let f = Flags::parse([
            "--launcher_dir=/opt/mesos/libexec",
            r#"--task_environment={"variables":[{"name":"A","value":"1"},{"name":"B","type":"VALUE","value":"x=y"}]}"#,
            "--task_supplementary_groups=10,20",
        ])
        .unwrap();
        assert_eq!(f.launcher_dir, Some(PathBuf::from("/opt/mesos/libexec")));
        let env = f.task_environment.unwrap();
        assert_eq!(env.variables.len(), 2);
        assert_eq!(env.variables[1].name(), "B");
        assert_eq!(env.variables[1].value(), "x=y");
        assert_eq!(env.variables[1].type_(), Type::VALUE);
        assert_eq!(f.task_supplementary_groups, vec![10, 20]);
        assert!(f.unsupported.is_empty());
    }

    #[test]
    fn task_command_json_with_proto_field_names() {
        let f = Flags::parse([
            r#"--task_command={"shell":false,"value":"/bin/echo","arguments":["echo","hi"],"environment":{"variables":[{"name":"X","value":"1"}]}}"#,
        ])
        .unwrap();
        let c = f.task_command.unwrap();
        assert!(!c.shell());
        assert_eq!(c.value(), "/bin/echo");
        assert_eq!(c.arguments, vec!["echo", "hi"]);
        assert_eq!(c.environment.variables[0].name(), "X");
    }

    #[test]
    fn space_separated_values_and_booleans() {
        let f =
            Flags::parse(["--user", "nobody", "--quiet", "--working_directory", "/tmp"]).unwrap();
        assert_eq!(f.user.as_deref(), Some("nobody"));
        assert!(f.quiet);
        assert_eq!(f.working_directory, Some(PathBuf::from("/tmp")));
        assert!(Flags::parse(["--help"]).unwrap().help);
        assert!(!Flags::parse(["--quiet=false"]).unwrap().quiet);
    }

    #[test]
    fn isolation_flags_are_recorded_not_ignored() {
        let f = Flags::parse(["--rootfs=/img", "--tty_slave_path=/dev/pts/3"]).unwrap();
        assert_eq!(f.unsupported, vec!["rootfs", "tty_slave_path"]);
    }

    #[test]
    fn errors_name_the_flag() {
        for (args, needle) in [
            (vec!["--bogus=1"], "--bogus"),
            (vec!["--task_command={not json"], "--task_command"),
            (vec!["--task_environment=[]"], "--task_environment"),
            (vec!["--task_supplementary_groups=a,b"], "'a'"),
            (vec!["--user"], "--user needs a value"),
            (vec!["positional"], "'positional'"),
            (vec!["--quiet=maybe"], "--quiet"),
        ] {
            let err = Flags::parse(args.clone()).unwrap_err();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    #[test]
    fn agent_environment() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let a = AgentEnvironment::from_lookup(vars(&[
            ("MESOS_FRAMEWORK_ID", "f"),
            ("MESOS_EXECUTOR_ID", "e"),
            ("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "3secs"),
        ]))
        .unwrap();
        assert_eq!(a.shutdown_grace_period, Duration::from_secs(3));
        let err = AgentEnvironment::from_lookup(vars(&[("MESOS_EXECUTOR_ID", "e")])).unwrap_err();
        assert!(err.contains("MESOS_FRAMEWORK_ID"), "{err}");
        let err = AgentEnvironment::from_lookup(vars(&[
            ("MESOS_FRAMEWORK_ID", "f"),
            ("MESOS_EXECUTOR_ID", "e"),
            ("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "soon"),
        ]))
        .unwrap_err();
        assert!(
            err.contains("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"),
            "{err}"
        );
    }
}
