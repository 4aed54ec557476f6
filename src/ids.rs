//! Short constructors for ids, commands, tasks and the other descriptions frameworks build.
//!
//! Every id message (`TaskID`, `OfferID`, `SlaveID`, `FrameworkID`, `ExecutorID`,
//! `ContainerID`) gets a one-call constructor ([`task_id`], [`offer_id`], ...) and converts
//! from `&str`, `String`, a reference to itself, and a reference to the
//! [`MessageField`] that holds it inside another message — so functions taking
//! `impl Into<TaskID>` accept `"t1"`, `task_id("t1")`, `&status.task_id`, ...
//!
//! ```
//! use mesos::ids::{command_task, offer_id, agent_id};
//! use mesos::resources::{cpus, mem};
//! use mesos::types::Offer;
//!
//! let mut offer = Offer::new();
//! offer.id = Some(offer_id("O1")).into();
//! offer.slave_id = Some(agent_id("S1")).into();
//!
//! let task = command_task("hello", "task-1", &offer, vec![cpus(0.1), mem(32.0)], "echo hello");
//! assert_eq!(task.task_id.value(), "task-1");
//! assert_eq!(task.slave_id.value(), "S1");
//! assert_eq!(task.command.value(), "echo hello");
//! assert_eq!(task.resources.len(), 2);
//! ```

use protobuf::MessageField;

use crate::types::command_info::URI;
use crate::types::environment::Variable;
use crate::types::{
    Attribute, CommandInfo, ContainerID, Credential, ExecutorID, ExecutorInfo, FrameworkID,
    FrameworkInfo, MasterInfo, Offer, OfferID, Resource, SlaveID, SlaveInfo, TaskID, TaskInfo,
};

macro_rules! id_conversions {
    ($($id:ident),* $(,)?) => {$(
        impl From<&str> for $id {
            fn from(value: &str) -> $id {
                let mut id = $id::new();
                id.set_value(value.to_owned());
                id
            }
        }

        impl From<String> for $id {
            fn from(value: String) -> $id {
                let mut id = $id::new();
                id.set_value(value);
                id
            }
        }

        impl From<&String> for $id {
            fn from(value: &String) -> $id {
                $id::from(value.as_str())
            }
        }

        impl From<&$id> for $id {
            fn from(id: &$id) -> $id {
                id.clone()
            }
        }

        /// An unset field converts to an empty id.
        impl From<&MessageField<$id>> for $id {
            fn from(field: &MessageField<$id>) -> $id {
                (**field).clone()
            }
        }
    )*};
}

id_conversions!(
    TaskID,
    OfferID,
    SlaveID,
    FrameworkID,
    ExecutorID,
    ContainerID
);

/// A task id.
///
/// ```
/// assert_eq!(mesos::ids::task_id("web-1").value(), "web-1");
/// ```
pub fn task_id(value: impl Into<String>) -> TaskID {
    TaskID::from(value.into())
}

/// An offer id.
///
/// ```
/// assert_eq!(mesos::ids::offer_id("O-42").value(), "O-42");
/// ```
pub fn offer_id(value: impl Into<String>) -> OfferID {
    OfferID::from(value.into())
}

/// An agent id (Mesos' messages still call agents slaves); same as [`agent_id`].
///
/// ```
/// assert_eq!(mesos::ids::slave_id("S0").value(), "S0");
/// ```
pub fn slave_id(value: impl Into<String>) -> SlaveID {
    SlaveID::from(value.into())
}

/// An agent id, as the `SlaveID` message Mesos' messages use; same as [`slave_id`].
///
/// ```
/// assert_eq!(mesos::ids::agent_id("S0"), mesos::ids::slave_id("S0"));
/// ```
pub fn agent_id(value: impl Into<String>) -> SlaveID {
    slave_id(value)
}

/// A framework id.
///
/// ```
/// assert_eq!(mesos::ids::framework_id("F-1").value(), "F-1");
/// ```
pub fn framework_id(value: impl Into<String>) -> FrameworkID {
    FrameworkID::from(value.into())
}

/// An executor id.
///
/// ```
/// assert_eq!(mesos::ids::executor_id("exec").value(), "exec");
/// ```
pub fn executor_id(value: impl Into<String>) -> ExecutorID {
    ExecutorID::from(value.into())
}

/// A container id (without a parent).
///
/// ```
/// let id = mesos::ids::container_id("c1");
/// assert_eq!(id.value(), "c1");
/// assert!(id.parent.is_none());
/// ```
pub fn container_id(value: impl Into<String>) -> ContainerID {
    ContainerID::from(value.into())
}

/// A command run with `/bin/sh -c`.
///
/// ```
/// let c = mesos::ids::command_info("echo hello && sleep 1");
/// assert!(c.shell());
/// assert_eq!(c.value(), "echo hello && sleep 1");
/// ```
pub fn command_info(shell_command: impl Into<String>) -> CommandInfo {
    let mut command = CommandInfo::new();
    command.set_shell(true);
    command.set_value(shell_command.into());
    command
}

/// A command that runs `program` directly, without a shell, with `args` after it (the
/// program's own name is passed as `argv[0]`).
///
/// ```
/// let c = mesos::ids::command_argv("/bin/echo", ["hello", "world"]);
/// assert!(!c.shell());
/// assert_eq!(c.value(), "/bin/echo");
/// assert_eq!(c.arguments, ["/bin/echo", "hello", "world"]);
/// ```
pub fn command_argv<I, S>(program: impl Into<String>, args: I) -> CommandInfo
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let program = program.into();
    let mut command = CommandInfo::new();
    command.set_shell(false);
    command.arguments = std::iter::once(program.clone())
        .chain(args.into_iter().map(Into::into))
        .collect();
    command.set_value(program);
    command
}

/// Builder methods for commands.
impl CommandInfo {
    /// Adds an environment variable.
    ///
    /// ```
    /// let c = mesos::ids::command_info("env").with_env("PORT", "8080");
    /// let var = &c.environment.variables[0];
    /// assert_eq!((var.name(), var.value()), ("PORT", "8080"));
    /// ```
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> CommandInfo {
        let mut var = Variable::new();
        var.set_name(name.into());
        var.set_value(value.into());
        self.environment.mut_or_insert_default().variables.push(var);
        self
    }

    /// Adds a URI for the Mesos fetcher to download into the sandbox before the command runs.
    ///
    /// ```
    /// let c = mesos::ids::command_info("./run.sh").with_uri("https://example.com/app.tgz");
    /// assert_eq!(c.uris[0].value(), "https://example.com/app.tgz");
    /// ```
    pub fn with_uri(mut self, uri: impl Into<String>) -> CommandInfo {
        let mut entry = URI::new();
        entry.set_value(uri.into());
        self.uris.push(entry);
        self
    }

    /// Sets the user the command runs as.
    ///
    /// ```
    /// let c = mesos::ids::command_info("id").with_user("nobody");
    /// assert_eq!(c.user(), "nobody");
    /// ```
    pub fn with_user(mut self, user: impl Into<String>) -> CommandInfo {
        self.set_user(user.into());
        self
    }
}

/// A task called `name` with id `task_id`, to run on agent `slave_id` with `resources`.
///
/// Give it either a command ([`TaskInfo::with_command`]) or an executor
/// ([`TaskInfo::with_executor`]) before launching it; [`command_task`] does both at once.
///
/// ```
/// use mesos::ids::{command_info, task_info};
/// use mesos::resources::{cpus, Resources};
///
/// let need = Resources::from(cpus(0.5));
/// let task = task_info("t", "t-1", "S0", need.into()).with_command(command_info("true"));
/// assert_eq!(task.name(), "t");
/// assert_eq!(task.slave_id.value(), "S0");
/// assert_eq!(task.resources.len(), 1);
/// assert!(task.command.shell());
/// ```
pub fn task_info(
    name: impl Into<String>,
    task_id: impl Into<TaskID>,
    slave_id: impl Into<SlaveID>,
    resources: Vec<Resource>,
) -> TaskInfo {
    let mut task = TaskInfo::new();
    task.set_name(name.into());
    task.task_id = MessageField::some(task_id.into());
    task.slave_id = MessageField::some(slave_id.into());
    task.resources = resources;
    task
}

/// A task running `shell_command` (see [`command_info`]) with `resources`, on the agent of
/// `offer`.
///
/// ```
/// use mesos::ids::{agent_id, command_task};
/// use mesos::resources::cpus;
/// use mesos::types::Offer;
///
/// let mut offer = Offer::new();
/// offer.slave_id = Some(agent_id("S3")).into();
/// let task = command_task("sleeper", "s-1", &offer, vec![cpus(1.0)], "sleep 10");
/// assert_eq!(task.slave_id.value(), "S3");
/// assert_eq!(task.command.value(), "sleep 10");
/// ```
pub fn command_task(
    name: impl Into<String>,
    task_id: impl Into<TaskID>,
    offer: &Offer,
    resources: Vec<Resource>,
    shell_command: impl Into<String>,
) -> TaskInfo {
    task_info(name, task_id, &offer.slave_id, resources).with_command(command_info(shell_command))
}

/// An executor with id `executor_id` that is started by `command`.
///
/// ```
/// use mesos::ids::{command_info, executor_info};
/// let e = executor_info("exec-1", command_info("./my-executor"));
/// assert_eq!(e.executor_id.value(), "exec-1");
/// assert_eq!(e.command.value(), "./my-executor");
/// ```
pub fn executor_info(executor_id: impl Into<ExecutorID>, command: CommandInfo) -> ExecutorInfo {
    let mut executor = ExecutorInfo::new();
    executor.executor_id = MessageField::some(executor_id.into());
    executor.command = MessageField::some(command);
    executor
}

/// A framework description with its two required fields: the `user` its tasks run as (an
/// empty string lets libmesos fill in the user running the scheduler) and its `name`.
///
/// ```
/// let info = mesos::ids::framework_info("", "my-framework");
/// assert_eq!(info.name(), "my-framework");
/// assert!(info.has_user() && info.user().is_empty());
/// assert!(info.id.is_none() && !info.has_failover_timeout());
/// ```
pub fn framework_info(user: impl Into<String>, name: impl Into<String>) -> FrameworkInfo {
    let mut info = FrameworkInfo::new();
    info.set_user(user.into());
    info.set_name(name.into());
    info
}

/// A credential for `principal`, without a secret (add one with `set_secret`).
///
/// ```
/// let mut c = mesos::ids::credential("ops");
/// assert_eq!(c.principal(), "ops");
/// assert!(!c.has_secret());
/// c.set_secret("s3cret".into());
/// assert_eq!(c.secret(), "s3cret");
/// ```
pub fn credential(principal: impl Into<String>) -> Credential {
    let mut credential = Credential::new();
    credential.set_principal(principal.into());
    credential
}

/// A URI for the Mesos fetcher, with every option left at its default (not executable,
/// extracted if it is an archive, not cached). Add it to a command with `uris.push`, or use
/// [`CommandInfo::with_uri`].
///
/// ```
/// let mut uri = mesos::ids::command_uri("https://example.com/tool");
/// uri.set_executable(true);
/// let mut c = mesos::ids::command_info("./tool");
/// c.uris.push(uri);
/// assert!(c.uris[0].executable());
/// assert!(!c.uris[0].has_extract());
/// ```
pub fn command_uri(value: impl Into<String>) -> URI {
    let mut uri = URI::new();
    uri.set_value(value.into());
    uri
}

/// A master description with id `id` at IPv4 address `ip` (as Mesos stores it: the address'
/// bytes in network order read as a little-endian `u32`) and the default port 5050. Useful
/// for feeding a [`Scheduler`](crate::Scheduler) in tests.
///
/// ```
/// let m = mesos::ids::master_info("master-1", u32::from_le_bytes([127, 0, 0, 1]));
/// assert_eq!(m.id(), "master-1");
/// assert_eq!(m.ip().to_le_bytes(), [127, 0, 0, 1]);
/// assert_eq!(m.port(), 5050);
/// assert!(m.has_port());
/// ```
pub fn master_info(id: impl Into<String>, ip: u32) -> MasterInfo {
    let mut info = MasterInfo::new();
    info.set_id(id.into());
    info.set_ip(ip);
    info.set_port(5050);
    info
}

/// An agent description: its `hostname`, `resources` and `attributes`, with no id yet. Useful
/// for driving an [`Executor`](crate::Executor) in tests.
///
/// ```
/// use mesos::resources::cpus;
/// let a = mesos::ids::slave_info("node-1", vec![cpus(4.0)], vec![]);
/// assert_eq!(a.hostname(), "node-1");
/// assert_eq!(a.resources.len(), 1);
/// assert!(a.id.is_none());
/// ```
pub fn slave_info(
    hostname: impl Into<String>,
    resources: Vec<Resource>,
    attributes: Vec<Attribute>,
) -> SlaveInfo {
    let mut info = SlaveInfo::new();
    info.set_hostname(hostname.into());
    info.resources = resources;
    info.attributes = attributes;
    info
}

/// Builder methods for tasks; start from [`task_info`].
impl TaskInfo {
    /// Runs the task with the command executor, as `command`.
    ///
    /// ```
    /// use mesos::ids::{command_info, task_info};
    /// let t = task_info("t", "t1", "S0", vec![]).with_command(command_info("ls"));
    /// assert_eq!(t.command.value(), "ls");
    /// ```
    pub fn with_command(mut self, command: CommandInfo) -> TaskInfo {
        self.command = MessageField::some(command);
        self
    }

    /// Runs the task with a custom executor.
    ///
    /// ```
    /// use mesos::ids::{command_info, executor_info, task_info};
    /// let e = executor_info("e1", command_info("./executor"));
    /// let t = task_info("t", "t1", "S0", vec![]).with_executor(e);
    /// assert_eq!(t.executor.executor_id.value(), "e1");
    /// ```
    pub fn with_executor(mut self, executor: ExecutorInfo) -> TaskInfo {
        self.executor = MessageField::some(executor);
        self
    }

    /// Sets the opaque data handed to the executor with the task.
    ///
    /// ```
    /// let t = mesos::ids::task_info("t", "t1", "S0", vec![]).with_data(b"payload");
    /// assert_eq!(t.data(), b"payload");
    /// ```
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> TaskInfo {
        self.set_data(data.into());
        self
    }
}

/// Builder methods for executors; start from [`executor_info`]. Together they take what
/// hs-mesos' four-argument `executorInfo` takes (executor id, framework id, command,
/// resources).
///
/// ```
/// use mesos::ids::{command_info, executor_info};
/// use mesos::resources::{cpus, mem};
/// let e = executor_info("default", command_info("./test-executor"))
///     .with_framework_id("fw-1")
///     .with_resources(vec![cpus(1.0), mem(32.0)])
///     .with_name("Test Executor");
/// assert_eq!(e.framework_id.value(), "fw-1");
/// assert_eq!(e.resources.len(), 2);
/// assert_eq!(e.name(), "Test Executor");
/// ```
impl ExecutorInfo {
    /// Sets the framework the executor belongs to (libmesos fills it in when unset).
    pub fn with_framework_id(mut self, framework_id: impl Into<FrameworkID>) -> ExecutorInfo {
        self.framework_id = MessageField::some(framework_id.into());
        self
    }

    /// Sets the resources the executor itself uses (besides its tasks').
    pub fn with_resources(mut self, resources: Vec<Resource>) -> ExecutorInfo {
        self.resources = resources;
        self
    }

    /// Sets the executor's human-readable name.
    pub fn with_name(mut self, name: impl Into<String>) -> ExecutorInfo {
        self.set_name(name.into());
        self
    }
}

/// Builder methods for framework descriptions; start from [`framework_info`].
impl FrameworkInfo {
    /// Subscribes the framework to `role`, the Mesos 1.x way: `roles = [role]` and the
    /// `MULTI_ROLE` capability (the single `role` field is deprecated since Mesos 1.2). What
    /// hs-mesos wrote as `frameworkInfo .. & role ?~ r`.
    ///
    /// ```
    /// use mesos::types::framework_info::capability::Type;
    /// let info = mesos::ids::framework_info("", "f").with_role("analytics");
    /// assert_eq!(info.roles, ["analytics"]);
    /// assert!(!info.has_role());
    /// assert!(info.capabilities.iter().any(|c| c.type_() == Type::MULTI_ROLE));
    /// ```
    pub fn with_role(mut self, role: impl Into<String>) -> FrameworkInfo {
        use crate::types::framework_info::{capability::Type, Capability};
        self.roles = vec![role.into()];
        if !self
            .capabilities
            .iter()
            .any(|c| c.type_() == Type::MULTI_ROLE)
        {
            let mut c = Capability::new();
            c.set_type(Type::MULTI_ROLE);
            self.capabilities.push(c);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{cpus, mem, Resources};
    use crate::types::TaskStatus;

    #[test]
    fn id_constructors_set_value() {
        assert_eq!(task_id("a").value(), "a");
        assert_eq!(offer_id(String::from("b")).value(), "b");
        assert_eq!(slave_id("c").value(), "c");
        assert_eq!(agent_id("c"), slave_id("c"));
        assert_eq!(framework_id("d").value(), "d");
        assert_eq!(executor_id("e").value(), "e");
        assert_eq!(container_id("f").value(), "f");
        assert!(task_id("a").has_value());
    }

    #[test]
    fn conversions() {
        let owned = String::from("x");
        assert_eq!(TaskID::from(&owned), task_id("x"));
        assert_eq!(TaskID::from(&task_id("x")), task_id("x"));
        let mut status = TaskStatus::new();
        assert_eq!(TaskID::from(&status.task_id).value(), "");
        status.task_id = Some(task_id("y")).into();
        assert_eq!(TaskID::from(&status.task_id), task_id("y"));
    }

    #[test]
    fn task_info_fields() {
        let need: Resources = [cpus(1.0), mem(64.0)].into();
        let task = task_info("n", task_id("i"), slave_id("s"), need.clone().into());
        assert_eq!(task.name(), "n");
        assert_eq!(task.task_id.value(), "i");
        assert_eq!(task.slave_id.value(), "s");
        assert_eq!(Resources::from(task.resources.clone()), need);
        assert!(task.command.is_none() && task.executor.is_none());
    }

    #[test]
    fn command_task_uses_offer_agent() {
        let mut offer = Offer::new();
        offer.slave_id = Some(agent_id("S9")).into();
        let task = command_task("n", "i", &offer, vec![cpus(0.1)], "true")
            .with_data(vec![7u8])
            .with_command(command_info("false").with_env("A", "1").with_user("u"));
        assert_eq!(task.slave_id.value(), "S9");
        assert_eq!(task.command.value(), "false");
        assert_eq!(task.command.user(), "u");
        assert_eq!(task.command.environment.variables.len(), 1);
        assert_eq!(task.data(), [7]);
    }

    /// Serializing fails when a required field is missing, so a round trip shows that a
    /// constructor set all of them.
    fn round_trip<M: protobuf::Message + PartialEq + std::fmt::Debug>(message: &M) {
        let bytes = message.write_to_bytes().expect("all required fields set");
        assert_eq!(&M::parse_from_bytes(&bytes).unwrap(), message);
    }

    #[test]
    fn description_constructors_serialize() {
        use protobuf::Message;
        round_trip(&framework_info("u", "n"));
        round_trip(&credential("p"));
        round_trip(&command_uri("x"));
        round_trip(&master_info("m", 1));
        round_trip(&slave_info("h", vec![cpus(1.0)], vec![]));
        assert!(FrameworkInfo::new().write_to_bytes().is_err());
        assert!(MasterInfo::new().write_to_bytes().is_err());
    }

    #[test]
    fn argv_command() {
        let c = command_argv("prog", Vec::<String>::new());
        assert_eq!(c.arguments, ["prog"]);
        assert!(!c.shell());
        let e = executor_info(executor_id("e"), c.with_uri("u"));
        assert_eq!(e.command.uris.len(), 1);
    }
}
