//! The helper programs a Mesos agent execs from its launcher directory
//! (`--launcher_dir`, `MESOS_LAUNCHER_DIR`), written in Rust without libmesos:
//!
//! * [`containerizer`]: `mesos-containerizer launch`, the first process of every container the
//!   Mesos containerizer starts with the POSIX launcher. It waits for the agent, prepares the
//!   process (environment, working directory, user, resource limits) and runs the executor's
//!   command, forwarding signals to it and recording its exit status where the agent reads it.
//! * [`command`]: `mesos-executor`, the command executor the agent starts for a task that has
//!   a `CommandInfo` and no `ExecutorInfo`: it runs the task's command, reports its states
//!   through the agent's executor HTTP API and honours kill policies and shutdown.
//! * [`fetcher`]: `mesos-fetcher`, which the agent runs before starting a container whose
//!   command has URIs: it downloads or copies them into the sandbox, unpacks archives and marks
//!   executables.
//!
//! See `README.md` of this package for the contract as implemented.
#![deny(missing_docs)]

pub mod command;
pub mod containerizer;
pub mod fetcher;
