//! The helper programs a Mesos agent execs from its launcher directory
//! (`--launcher_dir`, `MESOS_LAUNCHER_DIR`), written in Rust without libmesos:
//!
//! * [`containerizer`]: `mesos-containerizer launch`, the first process of every container the
//!   Mesos containerizer starts with the POSIX launcher. It waits for the agent, prepares the
//!   process (environment, working directory, user, resource limits) and runs the executor's
//!   command, forwarding signals to it and recording its exit status where the agent reads it.
//!
//! See `README.md` of this package for the contract as implemented.
#![deny(missing_docs)]

pub mod containerizer;
