//! Stopping on SIGINT/SIGTERM (`mesos::shutdown`), the local cluster's work directory on those
//! signals, and the README's pattern of stopping from `status_update`.
//!
//! The frameworks sent a signal are this test binary run again as a child process (in the
//! mode named by `MESOS_RS_SHUTDOWN_CHILD`): one long command task (`sleep` with a duration
//! unique to the test, found again in the process table), then SIGTERM from the test.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use mesos::local::LocalCluster;
use mesos::resources::{cpus, mem};
use mesos::types::*;
use mesos::{ids, shutdown, Scheduler, SchedulerDriver, Status};
use support::*;

const CHILD: &str = "MESOS_RS_SHUTDOWN_CHILD";

/// The child's framework: launches one task running `command`, says when it runs.
struct OneTask {
    command: String,
    launched: bool,
}

impl Scheduler for OneTask {
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        for offer in offers {
            if self.launched {
                driver.decline_offer(&offer.id, None).ok();
                continue;
            }
            let task = ids::task_info(
                "long",
                ids::task_id("long-1"),
                offer.slave_id.clone().unwrap(),
                vec![cpus(0.1), mem(32.0)],
            )
            .with_command(ids::command_info(&self.command));
            driver
                .launch_tasks(&[offer.id.clone().unwrap()], &[task], None)
                .unwrap();
            self.launched = true;
        }
    }

    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        println!("update {:?}", status.state());
        if status.state() == TaskState::TASK_RUNNING {
            println!("running");
        }
    }
}

/// Child mode: `local` (its own local cluster) or `master=host:port`; `watch` whether it
/// uses `stop_on_signals`; `failover` how it stops.
fn child(mode: &str) {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let failover = var("MESOS_RS_SHUTDOWN_FAILOVER") == "1";
    let watch = var("MESOS_RS_SHUTDOWN_WATCH") == "1";
    let (master, _cluster) = match mode.strip_prefix("master=") {
        Some(addr) => {
            std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
            (addr.to_owned(), None)
        }
        None => {
            // SAFETY: the harness' main thread only waits for this test; no driver exists.
            let cluster = unsafe {
                LocalCluster::new()
                    .resources("cpus:1;mem:256")
                    .apply_unchecked()
                    .unwrap()
            };
            println!("work_dir={}", cluster.work_dir().display());
            ("local".to_owned(), Some(cluster))
        }
    };
    let mut info = framework("shutdown-child");
    info.set_failover_timeout(3600.0);
    let scheduler = OneTask {
        command: var("MESOS_RS_SHUTDOWN_COMMAND"),
        launched: false,
    };
    let driver = SchedulerDriver::new(scheduler, info, &master).unwrap();
    let signals = watch.then(|| shutdown::stop_on_signals(&driver, failover).unwrap());
    let status = driver.run();
    println!(
        "driver ended {status:?} signal={:?}",
        signals.as_ref().and_then(|s| s.received())
    );
    drop(driver);
    println!("child done");
}

/// A `sleep` command whose duration is unique to this run, and that duration as the marker
/// to find its process by.
fn long_command() -> (String, String) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let marker = format!("{}.{nanos}", 3000 + std::process::id() % 1000);
    (format!("sleep {marker}"), marker)
}

/// Processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(marker) && !cmdline.contains("--exact") {
                found.push(pid);
            }
        }
    }
    found
}

fn kill_all(marker: &str) {
    for pid in processes_with(marker) {
        // SAFETY: plain kill(2) of a process this test started (through the agent).
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Polls `cond` for up to `within`.
fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A child framework with its stdout read line by line.
struct Framework {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Framework {
    fn spawn(test: &str, mode: &str, watch: bool, failover: bool, command: &str) -> Framework {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", test, "--nocapture"])
            .env(CHILD, mode)
            .env("MESOS_RS_SHUTDOWN_WATCH", if watch { "1" } else { "0" })
            .env(
                "MESOS_RS_SHUTDOWN_FAILOVER",
                if failover { "1" } else { "0" },
            )
            .env("MESOS_RS_SHUTDOWN_COMMAND", command)
            .env_remove("MESOS_WORK_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Framework {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line starting with `prefix`; returns it.
    fn wait_line(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!(
            "no line {prefix:?} from the child; it said: {:#?}",
            self.seen
        );
    }

    fn terminate(&mut self) {
        // SAFETY: kill(2) of our own child process.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) },
            0
        );
    }

    /// Waits (generously) for the child to end; returns its status and the rest of its output.
    fn wait(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the child did not end after SIGTERM: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        self.seen.extend(self.lines.try_iter());
        // The reader thread may still hold the last lines for a moment.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status, std::mem::take(&mut self.seen).join("\n"))
    }
}

impl Drop for Framework {
    /// A test that fails midway does not leave its child running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn child_mode() -> Option<String> {
    std::env::var(CHILD).ok()
}

/// A local cluster in this test process that the child frameworks use (through its master's
/// address); this process' own framework only keeps it running and declines everything.
fn hosting_cluster() -> (SchedulerDriver, String, mesos::local::LocalClusterGuard) {
    // SAFETY: the harness' main thread only waits for this test; no driver exists.
    let guard = unsafe {
        LocalCluster::new()
            .resources("cpus:2;mem:512")
            .apply_unchecked()
            .unwrap()
    };
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("host"), "local").unwrap();
    driver.start().unwrap();
    let (_, master) = registered(&mut events);
    driver.suppress_offers().unwrap();
    // Offers made before the suppression are declined for good.
    for offers in events.during(Duration::from_secs(2), offers_event) {
        decline_all(&driver, &offers, 3600.0);
    }
    (driver, master_address(&master), guard)
}

fn sigterm_to_a_framework_of_a_running_master(test: &str, failover: bool) {
    let (_host, master, _cluster) = hosting_cluster();
    let (command, marker) = long_command();
    let mut fw = Framework::spawn(test, &format!("master={master}"), true, failover, &command);
    fw.wait_line("running");
    assert!(
        eventually(Duration::from_secs(30), || !processes_with(&marker)
            .is_empty()),
        "the task does not run: {:#?}",
        fw.seen
    );
    assert_eq!(metric(&master, "master/tasks_running"), 1.0);
    fw.terminate();
    let (status, output) = fw.wait();
    assert_eq!(status.code(), Some(0), "{status}: {output}");
    assert!(
        output.contains("driver ended Ok(DRIVER_STOPPED) signal=Some(Terminate)"),
        "{output}"
    );
    if failover {
        // Still registered (disconnected, waiting for a new scheduler), its task running.
        wait_until("the master to see the framework disconnected", || {
            metric(&master, "master/frameworks_disconnected") == 1.0
        });
        let &[disconnected, running, killed] = &metrics(
            &master,
            &[
                "master/frameworks_disconnected",
                "master/tasks_running",
                "master/tasks_killed",
            ],
        )[..] else {
            unreachable!()
        };
        assert_eq!((disconnected, running, killed), (1.0, 1.0, 0.0));
        assert!(!processes_with(&marker).is_empty(), "the task still runs");
        kill_all(&marker);
    } else {
        // Unregistered: the master kills its task, and the process goes.
        assert!(
            eventually(Duration::from_secs(60), || {
                metric(&master, "master/tasks_killed") == 1.0
            }),
            "task not killed: running {}",
            metric(&master, "master/tasks_running")
        );
        assert_eq!(metric(&master, "master/frameworks_disconnected"), 0.0);
        assert!(
            eventually(Duration::from_secs(60), || processes_with(&marker)
                .is_empty()),
            "the task's process still runs"
        );
    }
}

#[test]
fn sigterm_with_failover_stops_and_leaves_the_task_running() {
    if let Some(mode) = child_mode() {
        return child(&mode);
    }
    sigterm_to_a_framework_of_a_running_master(
        "sigterm_with_failover_stops_and_leaves_the_task_running",
        true,
    );
}

#[test]
fn sigterm_without_failover_stops_and_the_task_is_killed() {
    if let Some(mode) = child_mode() {
        return child(&mode);
    }
    sigterm_to_a_framework_of_a_running_master(
        "sigterm_without_failover_stops_and_the_task_is_killed",
        false,
    );
}

/// A framework on its own local cluster, stopping on SIGTERM: exits 0, its work directory
/// is gone, and its task's process goes too.
#[test]
fn sigterm_stops_a_local_cluster_framework_and_removes_its_work_dir() {
    if let Some(mode) = child_mode() {
        return child(&mode);
    }
    let (command, marker) = long_command();
    let mut fw = Framework::spawn(
        "sigterm_stops_a_local_cluster_framework_and_removes_its_work_dir",
        "local",
        true,
        false,
        &command,
    );
    let work_dir = fw.wait_line("work_dir=")["work_dir=".len()..].to_owned();
    fw.wait_line("running");
    assert!(Path::new(&work_dir).is_dir());
    assert!(!processes_with(&marker).is_empty(), "the task runs");
    fw.terminate();
    let (status, output) = fw.wait();
    assert_eq!(status.code(), Some(0), "{status}: {output}");
    assert!(output.contains("signal=Some(Terminate)"), "{output}");
    assert!(output.contains("child done"), "{output}");
    assert!(!Path::new(&work_dir).exists(), "{work_dir} is left behind");
    let gone = eventually(Duration::from_secs(60), || {
        processes_with(&marker).is_empty()
    });
    kill_all(&marker);
    assert!(gone, "the task's process outlived the framework");
}

/// Without `stop_on_signals`, SIGTERM still ends the program as before (it dies of the
/// signal), and its local cluster's work directory goes first.
#[test]
fn sigterm_without_the_guard_removes_the_local_work_dir() {
    if let Some(mode) = child_mode() {
        return child(&mode);
    }
    let (command, marker) = long_command();
    let mut fw = Framework::spawn(
        "sigterm_without_the_guard_removes_the_local_work_dir",
        "local",
        false,
        false,
        &command,
    );
    let work_dir = fw.wait_line("work_dir=")["work_dir=".len()..].to_owned();
    fw.wait_line("running");
    fw.terminate();
    let (status, output) = fw.wait();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}: {output}");
    assert!(!Path::new(&work_dir).exists(), "{work_dir} is left behind");
    kill_all(&marker);
}

/// The README's pattern: `stop(false)` from `status_update` on the terminal update. That
/// update is acknowledged too: nothing is left unacknowledged.
#[test]
fn stop_inside_status_update_leaves_no_update_unacknowledged() {
    if let Some(mode) = child_mode() {
        return child(&mode);
    }
    struct StopOnTerminal {
        inner: OneTask,
        terminal: Option<TaskState>,
    }
    impl Scheduler for StopOnTerminal {
        fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
            self.inner.resource_offers(driver, offers);
        }
        fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
            if status.is_terminal() {
                self.terminal = Some(status.state());
                driver.stop(false).unwrap();
            }
        }
    }
    // SAFETY: the harness' main thread only waits for this test; no driver exists.
    let _cluster = unsafe {
        LocalCluster::new()
            .resources("cpus:1;mem:256")
            .apply_unchecked()
            .unwrap()
    };
    let (tx, rx) = channel();
    struct Report<S>(S, std::sync::mpsc::Sender<Option<TaskState>>);
    impl Scheduler for Report<StopOnTerminal> {
        fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
            self.0.resource_offers(driver, offers);
        }
        fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
            self.0.status_update(driver, status);
            let _ = self.1.send(self.0.terminal);
        }
    }
    let scheduler = Report(
        StopOnTerminal {
            inner: OneTask {
                command: "true".into(),
                launched: false,
            },
            terminal: None,
        },
        tx,
    );
    let driver = SchedulerDriver::new(scheduler, framework("readme-pattern"), "local").unwrap();
    assert_eq!(driver.run().unwrap(), Status::DRIVER_STOPPED);
    let terminal = rx.try_iter().flatten().last();
    assert_eq!(terminal, Some(TaskState::TASK_FINISHED), "the task ran");
    let stats = driver.stats();
    assert_eq!(stats.unacknowledged_updates, 0, "{stats:?}");
}
