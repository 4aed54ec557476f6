//! The programs a Mesos agent execs from its `MESOS_LAUNCHER_DIR`, for agents that do not
//! ship their own (the project's dev kit).
#![warn(missing_docs)]

pub mod command;
