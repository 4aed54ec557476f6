//! The errors of the launch helper. Each one names the flag, the `ContainerLaunchInfo` field
//! or the step it is about; the helper prints it on its standard error (the sandbox's
//! `stderr` file under an agent) and exits with status 1.

use std::fmt;

/// Why `mesos-containerizer launch` could not run the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A flag is unknown, repeated, missing or has a value of the wrong kind.
    Flag {
        /// The flag's name, without `--` (`launch_info`, `pipe_read`, ...).
        flag: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A field of the `ContainerLaunchInfo` JSON is malformed (wrong JSON type, missing
    /// value, out of range, unknown enum name).
    Field {
        /// The field's path, e.g. `command.value` or `rlimits.rlimits[0].soft`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A field of the `ContainerLaunchInfo` asks for something this helper cannot do
    /// (namespaces, mounts, a root filesystem, capabilities, seccomp, a TTY, ...).
    Unsupported {
        /// The field's path, e.g. `clone_namespaces` or `environment.variables[2].secret`.
        field: String,
        /// Why it is refused.
        reason: String,
    },
    /// A step of the launch failed at run time (status file, sync pipe, user switch,
    /// resource limit, working directory, exec, ...).
    Launch {
        /// The step, e.g. `synchronize with the agent`.
        step: String,
        /// The cause, usually the operating system's error.
        reason: String,
    },
}

impl Error {
    pub(crate) fn flag(flag: &str, reason: impl Into<String>) -> Error {
        Error::Flag {
            flag: flag.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn field(field: &str, reason: impl Into<String>) -> Error {
        Error::Field {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(field: &str, reason: impl Into<String>) -> Error {
        Error::Unsupported {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn launch(step: &str, reason: impl fmt::Display) -> Error {
        Error::Launch {
            step: step.to_owned(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Flag { flag, reason } => write!(f, "flag --{flag}: {reason}"),
            Error::Field { field, reason } => {
                write!(f, "invalid launch_info field '{field}': {reason}")
            }
            Error::Unsupported { field, reason } => write!(
                f,
                "unsupported launch_info field '{field}': {reason}; \
                 this mesos-containerizer cannot honour it, refusing to launch"
            ),
            Error::Launch { step, reason } => write!(f, "failed to {step}: {reason}"),
        }
    }
}

impl std::error::Error for Error {}
