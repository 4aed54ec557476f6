//! Errors of the safe API.

use crate::types::Status;

/// What went wrong in a driver call or construction.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A message lacks required fields; nothing was passed to libmesos.
    #[error("{type_name}{} is missing required fields: {}", position(*.argument, *.element), .fields.join(", "))]
    MissingFields {
        /// Full protobuf name of the message type, e.g. `mesos.TaskInfo`.
        type_name: String,
        /// 0-based position of the argument in the driver call, if known.
        argument: Option<u32>,
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
    /// The linked libmesos lacks a feature (e.g. the executor driver).
    #[error("not supported by the linked libmesos: {0}")]
    Unsupported(String),
    /// A C++ exception was caught at the shim boundary.
    #[error("libmesos raised an exception: {0}")]
    Cpp(String),
    /// A callback of the user's `Scheduler`/`Executor` panicked; the driver was aborted.
    #[error("a callback panicked: {0}")]
    CallbackPanicked(String),
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
    /// A status code the shim does not know (a bug).
    #[error("unexpected status code {0} from the shim")]
    Unexpected(i32),
}

fn position(argument: Option<u32>, element: Option<usize>) -> String {
    match (argument, element) {
        (Some(a), Some(e)) => format!(" (argument {a}, element {e})"),
        (Some(a), None) => format!(" (argument {a})"),
        _ => String::new(),
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
