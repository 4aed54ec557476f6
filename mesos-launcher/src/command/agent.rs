//! The connection to the agent: a `mesos::Executor` that turns driver callbacks into
//! [`Input`]s, an [`Outbox`] that sends status updates through the driver, and the program's
//! `main`.

use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use mesos::types::{
    ExecutorInfo, FrameworkInfo, KillPolicy, SlaveInfo, TaskID, TaskInfo, TaskStatus,
};
use mesos::{Executor, ExecutorDriver};

use super::executor::{Acknowledgements, CommandExecutor, Input, Outbox, Settings};
use super::flags::{AgentEnvironment, Flags, USAGE};
use super::process::{become_subreaper, Reaping};

/// Forwards driver callbacks to the executor's channel.
struct Forwarder {
    inputs: Sender<Input>,
}

impl Executor for Forwarder {
    fn registered(
        &mut self,
        _: &ExecutorDriver,
        _: &ExecutorInfo,
        framework_info: &FrameworkInfo,
        slave_info: &SlaveInfo,
    ) {
        eprintln!(
            "mesos-executor: subscribed on agent {}",
            slave_info.hostname()
        );
        let _ = self.inputs.send(Input::Subscribed {
            framework_info: Box::new(framework_info.clone()),
        });
    }

    fn launch_task(&mut self, _: &ExecutorDriver, task: &TaskInfo) {
        let _ = self.inputs.send(Input::Launch(Box::new(task.clone())));
    }

    fn kill_task(&mut self, driver: &ExecutorDriver, task_id: &TaskID) {
        self.kill_task_with_policy(driver, task_id, None);
    }

    /// The `KILL` event's own policy, if any, takes precedence over the task's.
    fn kill_task_with_policy(
        &mut self,
        _: &ExecutorDriver,
        task_id: &TaskID,
        kill_policy: Option<&KillPolicy>,
    ) {
        let _ = self.inputs.send(Input::Kill {
            task_id: task_id.clone(),
            kill_policy: kill_policy.cloned(),
        });
    }

    fn shutdown(&mut self, _: &ExecutorDriver) {
        let _ = self.inputs.send(Input::Shutdown);
    }

    fn disconnected(&mut self, _: &ExecutorDriver) {
        eprintln!("mesos-executor: disconnected from the agent");
    }

    fn error(&mut self, _: &ExecutorDriver, message: &str) {
        eprintln!("mesos-executor: error from the agent: {message}");
    }
}

/// Sends updates through the driver (which gives each its own `uuid`); learns of the
/// terminal update's acknowledgement with `wait_acknowledged`.
struct DriverOutbox(ExecutorDriver);

impl Outbox for DriverOutbox {
    fn send(&mut self, status: &TaskStatus) -> Result<(), String> {
        self.0.send_status_update(status).map_err(|e| e.to_string())
    }

    fn watch_terminal_acknowledgement(
        &mut self,
        uuid: Vec<u8>,
        timeout: Duration,
        inputs: Sender<Input>,
    ) {
        let driver = self.0.downgrade();
        std::thread::spawn(move || {
            let Some(driver) = driver.upgrade() else {
                return;
            };
            match driver.wait_acknowledged(timeout) {
                // Every update sent so far, the terminal one included, was acknowledged.
                Ok(true) => {
                    let _ = inputs.send(Input::Acknowledged { uuid });
                }
                Ok(false) => {}
                Err(e) => eprintln!("mesos-executor: cannot learn of acknowledgements: {e}"),
            }
        });
    }
}

/// The signals that ask the executor itself to stop.
const STOP_SIGNALS: [i32; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// Blocks [`STOP_SIGNALS`] in this thread (and so in every thread started after it); the
/// task gets a clean mask again ([`TaskProcess::spawn`](super::process::TaskProcess::spawn)
/// clears it in the child).
fn block_stop_signals() -> libc::sigset_t {
    // SAFETY: the set is initialised by sigemptyset before use; pthread_sigmask only reads
    // it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in STOP_SIGNALS {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

/// Turns the first stop signal into a shutdown (the task is killed with its grace period,
/// its terminal update sent) and a second one into an immediate kill.
fn forward_stop_signals(set: libc::sigset_t, inputs: Sender<Input>) {
    std::thread::spawn(move || {
        let mut first = true;
        loop {
            let mut sig = 0;
            // SAFETY: `set` holds blocked signals; sigwait stores the one taken in `sig`.
            if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
                return;
            }
            eprintln!("mesos-executor: got signal {sig}");
            let input = if first {
                Input::Shutdown
            } else {
                Input::AgentGone(format!("stopped by signal {sig}"))
            };
            first = false;
            if inputs.send(input).is_err() {
                return;
            }
        }
    });
}

/// The program: parses flags and environment, connects to the agent, runs the executor,
/// and returns the process' exit status.
pub fn main() -> i32 {
    // Before any thread exists, so that every thread inherits the mask.
    let stop_signals = block_stop_signals();
    let flags = match Flags::parse(std::env::args_os().skip(1)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mesos-executor: {e}");
            return 1;
        }
    };
    if flags.help {
        println!("{USAGE}");
        return 0;
    }
    let agent = match AgentEnvironment::from_lookup(|k| std::env::var(k).ok()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mesos-executor: {e}");
            return 1;
        }
    };
    // Orphans of the task come back to this process, so that none escapes a kill.
    let reaping = match become_subreaper() {
        Ok(()) => Reaping::AllChildren,
        Err(e) => {
            eprintln!("mesos-executor: cannot become a child subreaper ({e}); orphans of the task are found by session only");
            Reaping::FirstProcessOnly
        }
    };
    let settings = Settings {
        agent,
        flags,
        base_environment: std::env::vars_os().collect(),
        reaping,
        die_with_parent: true,
        // Mesos' command executor waits as long for the acknowledgement of its last update.
        acknowledgements: Acknowledgements::Reported(Duration::from_secs(60)),
    };
    let (tx, rx) = channel();
    forward_stop_signals(stop_signals, tx.clone());
    let driver = match ExecutorDriver::new(Forwarder { inputs: tx.clone() }) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mesos-executor: cannot connect to the agent: {e}");
            return 1;
        }
    };
    let executor = CommandExecutor::new(settings, DriverOutbox(driver.clone()), rx, tx.clone());
    let core = std::thread::Builder::new()
        .name("command-executor".into())
        .spawn(move || executor.run())
        .expect("spawn the executor thread");
    if let Err(e) = driver.start() {
        eprintln!("mesos-executor: cannot connect to the agent: {e}");
        let _ = tx.send(Input::AgentGone(e.to_string()));
    }
    // The driver ends when the agent goes away for good; tell the executor then.
    let watcher = {
        let driver = driver.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            let why = match driver.join() {
                Ok(status) => format!("the driver ended ({status:?})"),
                Err(e) => format!("the driver failed: {e}"),
            };
            let _ = tx.send(Input::AgentGone(why));
        })
    };
    drop(watcher);
    let outcome = core.join().unwrap_or_else(|_| {
        super::executor::Outcome::AgentGone("the executor thread panicked".into())
    });
    eprintln!("mesos-executor: done: {outcome:?}");
    let _ = driver.stop();
    outcome.exit_code()
}
