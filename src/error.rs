//! Errors of the safe API.

use std::time::Duration;

use crate::types::Status;

fn since_text(since: &Option<String>) -> String {
    match since {
        Some(since) => format!(" (added in Mesos {since})"),
        None => String::new(),
    }
}

/// What went wrong in a driver call or construction.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A message lacks required fields; nothing was passed to libmesos.
    #[error("{type_name}{} is missing required fields: {}", position(*.parameter, *.argument, *.element), .fields.join(", "))]
    MissingFields {
        /// Full protobuf name of the message type, e.g. `mesos.TaskInfo`.
        type_name: String,
        /// 0-based position of the offending parameter among the Rust method's parameters
        /// (`self` not counted), e.g. `Some(1)` for the `tasks` of
        /// [`launch_tasks`](crate::SchedulerDriver::launch_tasks); `None` when the message
        /// was given to a builder method or the position is unknown.
        argument: Option<u32>,
        /// The name of that parameter (or builder method) in the Rust API, e.g. `"tasks"`.
        parameter: Option<&'static str>,
        /// 0-based index inside a list argument (e.g. the second task), if any.
        element: Option<usize>,
        /// The missing field paths, e.g. `["name", "task_id", "resources[0].name"]`.
        fields: Vec<String>,
    },
    /// Bytes that are not a valid serialized message of the expected type.
    #[error("malformed {type_name}: {detail}")]
    Malformed {
        /// Full protobuf name of the expected message type.
        type_name: String,
        /// What the decoder said.
        detail: String,
    },
    /// The driver is not running, so the call had no effect.
    #[error("the driver is not running (status {0:?})")]
    NotRunning(Status),
    /// An argument is invalid (for example an empty master string).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// `acknowledge_status_update` on a driver built with implicit acknowledgements.
    #[error("status updates are acknowledged implicitly by this driver; build it with implicit_acknowledgements(false) to acknowledge them yourself")]
    ImplicitAcknowledgements,
    /// The linked libmesos (or the executor backend in use) lacks what was asked for: a driver
    /// call older Mesos releases do not have, or a feature such as the executor driver.
    ///
    /// ```
    /// # fn f(driver: &mesos::SchedulerDriver, info: mesos::types::FrameworkInfo) {
    /// match driver.update_framework(&info, &[], None) {
    ///     Err(mesos::Error::Unsupported { call, since: Some(since) }) => {
    ///         eprintln!("{call} needs Mesos {since} or newer; linked: {}", mesos::libmesos_version());
    ///     }
    ///     other => println!("{other:?}"),
    /// }
    /// # }
    /// ```
    #[error("not supported by the linked libmesos: {call}{}", since_text(.since))]
    Unsupported {
        /// What was asked for: the Rust call (e.g. `SchedulerDriver::update_framework`), or
        /// the feature that is missing, in words.
        call: String,
        /// The first Mesos release that has it, when a newer libmesos would (`None` when no
        /// release does, or it is not a matter of the version).
        since: Option<String>,
    },
    /// A C++ exception was caught at the shim boundary.
    #[error("libmesos raised an exception: {0}")]
    Cpp(String),
    /// A callback of the user's `Scheduler`/`Executor` panicked; the driver was aborted.
    #[error("a callback panicked: {0}")]
    CallbackPanicked(String),
    /// libmesos aborted the driver and said why (the message of its `error` callback), e.g.
    /// `Failed to create a master detector for 'zk://': ...` for a master it cannot use, or
    /// `Master refused authentication`. Returned by `start`, `run` and `join`.
    #[error("libmesos aborted the driver: {0}")]
    Aborted(String),
    /// The driver was closed (`close`, or its last handle was dropped): libmesos' driver is
    /// freed and nothing reaches it any more.
    #[error("the driver was closed")]
    Closed,
    /// The driver did not register with a master within the time given to the builder's
    /// `registration_timeout`, so it was aborted.
    #[error("no master registered the framework within {timeout:?} (master {master}: {tried}); this scheduler advertised {advertised}; likely fix: {hint}; the driver was aborted")]
    RegistrationTimeout {
        /// The master string (with any password replaced by `<redacted>`).
        master: String,
        /// What the driver tried, and what could be found out, in words.
        tried: String,
        /// The timeout that ran out.
        timeout: Duration,
        /// The address and port this process advertised to the master (where the master
        /// sends its answers), and where they came from, in words.
        advertised: String,
        /// The likely fix, in words.
        hint: String,
    },
    /// `join` (or `run`) was called inside a callback of the same running driver: it would
    /// wait forever, since whatever stops the driver would be delivered by a later callback
    /// on the very thread that waits.
    #[error("join() inside a callback of the same running driver would wait forever; stop the driver, or join from another thread")]
    JoinInCallback,
    /// The environment an executor needs (set by the Mesos agent) lacks variables or holds
    /// values that cannot be parsed. Names every variable concerned.
    #[error("executor environment: {}: {reason}", .variables.join(", "))]
    Environment {
        /// The variables concerned, e.g. `["MESOS_AGENT_ENDPOINT"]`.
        variables: Vec<String>,
        /// What is wrong with them.
        reason: String,
    },
    /// The HTTP executor backend could not reach the agent, or the agent refused a call.
    #[error("agent at {endpoint}: {detail}")]
    Agent {
        /// The agent's `host:port` (`MESOS_AGENT_ENDPOINT`).
        endpoint: String,
        /// What happened (connection error, HTTP status and body, ...).
        detail: String,
    },
    /// [`ProcessConfig::apply`](crate::process::ProcessConfig::apply) changes the environment,
    /// which is only sound while no other thread runs, and other threads run (`None`: their
    /// number could not be read).
    #[error("changing the environment is only sound while no other thread runs, and this process has {} threads: apply the settings first in main, or see ProcessConfig::apply_unchecked", .threads.map_or("several (or an unknown number of)".to_string(), |n| n.to_string()))]
    ThreadsRunning {
        /// The number of threads of the process, if known.
        threads: Option<usize>,
    },
    /// libprocess (whose networking is process-wide and read once) already runs with another
    /// value of a setting that [`crate::process::ProcessConfig::apply`] was asked to set.
    #[error("libprocess already runs in this process with {variable} {}, not {requested}: its networking is read once, before the first driver starts", .running.as_ref().map_or("unset".to_string(), |v| format!("={v}")))]
    ProcessAlreadyStarted {
        /// The environment variable, e.g. `LIBPROCESS_PORT`.
        variable: &'static str,
        /// Its value when libprocess started (`None`: unset).
        running: Option<String>,
        /// The value asked for.
        requested: String,
    },
    /// Settings the linked libmesos cannot honour, refused before anything started: on the
    /// mesos-rs dev kit, whose OpenSSL is a stand-in that aborts the process when called,
    /// executor authentication (`MESOS_AUTHENTICATE_HTTP_EXECUTORS`, a JWT secret key or
    /// authenticator) and SSL (`LIBPROCESS_SSL_ENABLED`). Returned (inside an
    /// [`std::io::Error`] of kind `Unsupported`) by
    /// [`LocalCluster::apply`](crate::local::LocalCluster::apply).
    #[error("the linked libmesos cannot honour {}: {reason}", .settings.join(", "))]
    UnsupportedSettings {
        /// The settings concerned, as `NAME=value`, e.g. `["LIBPROCESS_SSL_ENABLED=true"]`.
        settings: Vec<String>,
        /// Why, in words.
        reason: String,
    },
    /// A status code the shim does not know (a bug).
    #[error("unexpected status code {0} from the shim")]
    Unexpected(i32),
}

fn position(parameter: Option<&str>, argument: Option<u32>, element: Option<usize>) -> String {
    let mut parts = Vec::new();
    match (parameter, argument) {
        (Some(name), Some(a)) => parts.push(format!("parameter `{name}`, position {a}")),
        (Some(name), None) => parts.push(format!("parameter `{name}`")),
        (None, Some(a)) => parts.push(format!("argument {a}")),
        (None, None) => {}
    }
    if let Some(e) = element {
        parts.push(format!("element {e}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// [`Error::Unsupported`] for a missing feature that is not a matter of the version.
    pub(crate) fn unsupported(what: String) -> Self {
        Error::Unsupported {
            call: what,
            since: None,
        }
    }
}
