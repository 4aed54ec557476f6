//! `mesos-executor`: the command executor a Mesos agent starts for a task that has a
//! `CommandInfo` and no `ExecutorInfo`.
//!
//! * [`flags`]: what the agent passes (flags and environment).
//! * [`process`]: starting the task in a session of its own, signalling and reaping every
//!   process of it; usable and tested without an agent.
//! * [`executor`]: the executor's logic (launch, kill policy, shutdown, status updates,
//!   waiting for the acknowledgement), fed by a channel, independent of the transport.
//! * [`agent`]: the connection to the agent through `mesos::ExecutorDriver` (the v1
//!   executor HTTP API), and [`main`], the program.
//!
//! Unlike Mesos' own command executor, which starts the task through
//! `<launcher_dir>/mesos-containerizer launch`, this one starts it itself: the agent's
//! posix launcher already runs the executor inside the container, and without namespaces,
//! a root filesystem or capabilities there is nothing more for a second launch helper to
//! set up. Flags that would need that isolation fail the task with a message naming them.

pub mod agent;
pub mod duration;
pub mod executor;
pub mod flags;
pub mod process;

pub use agent::main;
