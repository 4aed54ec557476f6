//! `mesos-local` as a user runs it: a program of its own, reached by frameworks in other
//! processes (here, the test process) over TCP or through ZooKeeper.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{SchedulerDriver, Status};
use support::zk::{Ensemble, ZkClient};
use support::*;

/// A running `mesos-local`, stopped with SIGTERM (SIGKILL if that hangs) if the test ends
/// without stopping it.
struct MesosLocal {
    child: Child,
    lines: Receiver<String>,
    /// The master's `ip:port`.
    master: String,
    /// The master's ID.
    id: String,
    /// Its work directory.
    work_dir: PathBuf,
    /// Its ZooKeeper member znode, with `--zk`.
    zk_member: Option<String>,
}

/// The value of string field `name` in a flat JSON object (`null` gives `None`).
fn field(json: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\":\"");
    let at = json.find(&key)? + key.len();
    let end = json[at..].find('"')?;
    Some(json[at..at + end].to_owned())
}

impl MesosLocal {
    /// Starts `mesos-local` with `args` (plus `--port=0 --json --quiet` and the test
    /// clusters' launcher directory) and waits for its JSON line.
    fn start(args: &[&str]) -> MesosLocal {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mesos-local"));
        cmd.args(["--port=0", "--json", "--quiet"]).args(args);
        if let Some(dir) = launcher_dir() {
            cmd.arg(format!("--launcher_dir={}", dir.display()));
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run mesos-local");
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let json = loop {
            match lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) if line.starts_with("{\"master\"") => break line,
                Ok(_) => continue,
                Err(e) => {
                    let _ = child.kill();
                    panic!("mesos-local printed no JSON line: {e} ({:?})", child.wait());
                }
            }
        };
        eprintln!("mesos-local: {json}");
        MesosLocal {
            master: field(&json, "master").expect("master in the JSON line"),
            id: field(&json, "id").expect("id in the JSON line"),
            work_dir: field(&json, "work_dir").expect("work_dir").into(),
            zk_member: field(&json, "zk_member"),
            child,
            lines,
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `signal` and waits up to `within` for the exit; returns its status.
    fn signal_and_wait(&mut self, signal: i32, within: Duration) -> std::process::ExitStatus {
        // SAFETY: sends a signal to our own child, which is not reaped yet.
        unsafe {
            libc::kill(self.pid(), signal);
        }
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "mesos-local still runs after {within:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for MesosLocal {
    fn drop(&mut self) {
        // A clean stop first (it removes the work directory), SIGKILL if that hangs.
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: sends a signal to our own child, which is not reaped yet.
            unsafe {
                libc::kill(self.pid(), libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        while self.lines.try_recv().is_ok() {}
    }
}

/// Settings for a framework process: loopback address, libmesos logging at WARNING.
fn framework_process() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_LOGGING_LEVEL", "WARNING");
    std::env::set_var("GLOG_minloglevel", "1");
}

/// Launches `tasks` (`(name, command)`) on one offer and waits for each one's terminal
/// update, acknowledging the updates before it; returns them by name.
fn run_tasks(
    driver: &SchedulerDriver,
    events: &mut Events,
    tasks: &[(&str, &str)],
) -> std::collections::BTreeMap<String, TaskStatus> {
    let offer = next_offers(events).remove(0);
    let infos: Vec<TaskInfo> = tasks
        .iter()
        .map(|(name, cmd)| task(name, &offer, 0.1, cmd))
        .collect();
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &infos, None)
        .unwrap();
    let names: Vec<&str> = tasks.iter().map(|(n, _)| *n).collect();
    terminal_updates(driver, events, &names)
}

/// The pids of live processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rfind(')')
                .is_some_and(|at| stat[at + 1..].trim_start().starts_with('Z'));
            !zombie
                && String::from_utf8_lossy(&cmdline)
                    .replace('\0', " ")
                    .contains(marker)
        })
        .collect()
}

#[test]
fn a_framework_in_another_process_registers_and_runs_tasks_to_finished() {
    framework_process();
    let parent = tempfile::tempdir().unwrap();
    let mut local = MesosLocal::start(&[
        "--agents=2",
        "--resources=cpus:1;mem:128",
        "--attributes=rack:r1;zone:a",
        &format!("--work_dir={}", parent.path().display()),
    ]);
    assert!(local.work_dir.starts_with(parent.path()), "{local:?}");
    assert!(local.work_dir.is_dir());

    let (probe, mut events) = probe();
    let driver = SchedulerDriver::builder(framework("remote"), local.master.clone())
        .implicit_acknowledgements(false)
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (id, master) = registered(&mut events);
    assert_eq!(master.id(), local.id);
    // The master's only framework is this one: mesos-local's own has left, and the master
    // still answers its metrics.
    let frameworks = http_get(&local.master, "/master/frameworks");
    let active = frameworks
        .split("\"completed_frameworks\"")
        .next()
        .unwrap()
        .to_owned();
    assert!(active.contains(id.value()), "{frameworks}");
    assert_eq!(active.matches("\"name\":").count(), 1, "{active}");
    assert_eq!(metric(&local.master, "master/slaves_active"), 2.0);
    assert_eq!(metric(&local.master, "master/frameworks_active"), 1.0);

    // Two agents with the resources and attributes asked for.
    let slaves = http_get(&local.master, "/master/slaves");
    assert_eq!(slaves.matches("\"rack\":\"r1\"").count(), 2, "{slaves}");
    assert_eq!(slaves.matches("\"zone\":\"a\"").count(), 2, "{slaves}");

    let ended = run_tasks(
        &driver,
        &mut events,
        &[("one", "true"), ("two", "echo hello from two")],
    );
    for (name, status) in &ended {
        assert_eq!(
            status.state(),
            TaskState::TASK_FINISHED,
            "{name}: {status:?}"
        );
    }
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    drop(driver);

    let status = local.signal_and_wait(libc::SIGTERM, Duration::from_secs(60));
    assert!(status.success(), "{status:?}");
    assert!(
        !local.work_dir.exists(),
        "{} left behind",
        local.work_dir.display()
    );
    assert!(
        parent.path().is_dir(),
        "the parent directory is the user's: it stays"
    );
}

impl std::fmt::Debug for MesosLocal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mesos-local {} at {}", self.pid(), self.master)
    }
}

#[test]
fn sigterm_stops_executors_and_tasks_and_removes_the_work_directory() {
    framework_process();
    let marker = format!("mesos-local-test-{}", std::process::id());
    let mut local = MesosLocal::start(&["--resources=cpus:2;mem:256"]);
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("sleepy"), local.master.clone()).unwrap();
    driver.start().unwrap();
    registered(&mut events);
    let offer = next_offers(&mut events).remove(0);
    // A task that sleeps, and one that leaves an orphan behind in a new session (a daemon,
    // whose parent is gone at once, so that no kill of the task's process tree reaches it)
    // before it sleeps too. Each shell's `$0` carries the marker, and so
    // does each `sleep`'s argument (a number of seconds made of this process' id).
    let secs = format!("99{}", std::process::id());
    let sleep = |name: &str| format!("sh -c 'sleep {secs}; :' {marker}-{name}");
    // And an executor of the framework's own that never registers with its agent, so that
    // nothing of Mesos' tells it to go, with an orphan of its own too.
    let mut stubborn = task("stubborn", &offer, 0.1, "");
    stubborn.command.clear();
    let executor = stubborn.executor.mut_or_insert_default();
    executor
        .executor_id
        .mut_or_insert_default()
        .set_value("stubborn".into());
    executor.command.mut_or_insert_default().set_value(format!(
        "(setsid {} </dev/null >/dev/null 2>&1 &); {}",
        sleep("executor-orphan"),
        sleep("executor")
    ));
    let tasks = [
        stubborn,
        task("sleeper", &offer, 0.1, &sleep("sleeper")),
        task(
            "daemon",
            &offer,
            0.1,
            &format!(
                "(setsid {} </dev/null >/dev/null 2>&1 &); {}",
                sleep("orphan"),
                sleep("parent")
            ),
        ),
    ];
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &tasks, None)
        .unwrap();
    let mut running = std::collections::BTreeSet::new();
    while running.len() < 2 {
        let s = next_update(&mut events, "both tasks running", |s| {
            s.state() == TaskState::TASK_RUNNING || s.is_terminal()
        });
        assert_eq!(s.state(), TaskState::TASK_RUNNING, "{s:?}");
        running.insert(s.task_id.value().to_owned());
    }
    // The task processes are there (five shells, five sleeps), and so is an executor per
    // task.
    let ours = || {
        let mut pids = [processes_with(&marker), processes_with(&secs)].concat();
        pids.sort();
        pids.dedup();
        pids
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while processes_with(&format!("sleep {secs}")).len() < 5 {
        assert!(
            Instant::now() < deadline,
            "tasks' processes never appeared: {:?}",
            ours()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = ours();
    eprintln!("task processes {before:?}");
    let executors: Vec<i32> = children_of(local.pid());
    assert!(
        executors.len() >= 2,
        "executors of mesos-local: {executors:?}"
    );

    let status = local.signal_and_wait(libc::SIGTERM, Duration::from_secs(60));
    assert!(status.success(), "{status:?}");
    let left = ours();
    let executors_left: Vec<_> = executors
        .iter()
        .filter(|p| Path::new(&format!("/proc/{p}")).exists())
        .collect();
    assert!(
        left.is_empty() && executors_left.is_empty(),
        "left behind: tasks {left:?} (of {before:?}), executors {executors_left:?}"
    );
    assert!(
        !local.work_dir.exists(),
        "{} left behind",
        local.work_dir.display()
    );
    let _ = driver.abort();
}

/// The pids of the children of `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            stat.rfind(')').and_then(|at| {
                stat[at + 1..]
                    .split_whitespace()
                    .nth(1)?
                    .parse::<i32>()
                    .ok()
            }) == Some(pid)
        })
        .collect()
}

#[test]
fn a_work_directory_left_by_sigkill_goes_with_the_next_start_and_a_kept_one_stays() {
    let parent = tempfile::tempdir().unwrap();
    let dir_arg = format!("--work_dir={}", parent.path().display());
    let mut killed = MesosLocal::start(&[&dir_arg]);
    let mut kept = MesosLocal::start(&[&dir_arg, "--keep_work_dir"]);
    // SIGKILL: nothing of mesos-local runs, its directory stays for now.
    killed.signal_and_wait(libc::SIGKILL, Duration::from_secs(30));
    assert!(killed.work_dir.is_dir());
    // A kept one stays after a clean stop.
    let status = kept.signal_and_wait(libc::SIGTERM, Duration::from_secs(60));
    assert!(status.success(), "{status:?}");
    assert!(kept.work_dir.is_dir());

    // The next start in the same parent removes the killed one's only.
    let mut next = MesosLocal::start(&[&dir_arg]);
    assert!(
        !killed.work_dir.exists(),
        "{} not swept",
        killed.work_dir.display()
    );
    assert!(kept.work_dir.is_dir(), "a kept work directory was swept");
    assert!(next.work_dir.is_dir());
    let status = next.signal_and_wait(libc::SIGINT, Duration::from_secs(60));
    assert!(status.success(), "{status:?}");
    assert!(!next.work_dir.exists());
}

#[test]
fn two_masters_over_a_zookeeper_ensemble_the_framework_follows_the_next_leader() {
    framework_process();
    let ensemble = Ensemble::three();
    let url = ensemble.url("/mesos");
    let parent = tempfile::tempdir().unwrap();
    let common = [
        format!("--zk={url}"),
        "--zk_session_timeout=6secs".to_owned(),
        format!("--work_dir={}", parent.path().display()),
        "--resources=cpus:1;mem:128".to_owned(),
    ];
    let common: Vec<&str> = common.iter().map(String::as_str).collect();
    let mut first = MesosLocal::start(&common);
    let mut second = MesosLocal::start(&common);

    // Both are members of the group, as Mesos masters are, the first one leading.
    let observer = ZkClient::connect(&ensemble.servers(), None, Duration::from_secs(10));
    let members = observer.masters("/mesos");
    let ids: Vec<&str> = members.iter().map(|(_, m)| m.id()).collect();
    assert_eq!(ids, [first.id.as_str(), second.id.as_str()], "{members:?}");
    assert_eq!(
        first.zk_member.as_deref(),
        Some(format!("/mesos/{}", members[0].0).as_str())
    );

    let (probe, mut events) = probe();
    let mut info = framework("follower");
    info.set_failover_timeout(300.0);
    let driver = SchedulerDriver::builder(info, url.clone())
        .implicit_acknowledgements(false)
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (id, master) = registered(&mut events);
    assert_eq!(master.id(), first.id, "registered with the leader");
    let ended = run_tasks(&driver, &mut events, &[("on-first", "true")]);
    assert_eq!(ended["on-first"].state(), TaskState::TASK_FINISHED);

    // The leader dies: its member goes with its session, the framework is disconnected and
    // registers with the next leader under the same FrameworkID, and runs tasks there.
    first.signal_and_wait(libc::SIGKILL, Duration::from_secs(30));
    events.wait_for(Duration::from_secs(60), "disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected).then_some(())
    });
    let again = events.wait_for(Duration::from_secs(60), "the next leader", |e| match e {
        SchedulerEvent::Registered {
            framework_id,
            master_info,
        } => Some((framework_id.value().to_owned(), master_info.id().to_owned())),
        SchedulerEvent::Reregistered { master_info } => {
            Some((id.value().to_owned(), master_info.id().to_owned()))
        }
        _ => None,
    });
    assert_eq!(again, (id.value().to_owned(), second.id.clone()));
    let left: Vec<String> = observer
        .masters("/mesos")
        .iter()
        .map(|(_, m)| m.id().to_owned())
        .collect();
    assert_eq!(left, [second.id.clone()]);
    let ended = run_tasks(&driver, &mut events, &[("on-second", "true")]);
    assert_eq!(ended["on-second"].state(), TaskState::TASK_FINISHED);
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
    drop(driver);

    // A clean stop leaves the group at once.
    let status = second.signal_and_wait(libc::SIGTERM, Duration::from_secs(60));
    assert!(status.success(), "{status:?}");
    assert!(observer.masters("/mesos").is_empty());
    assert!(!second.work_dir.exists());
}

#[test]
fn with_authenticate_frameworks_only_a_framework_with_a_credential_of_the_file_registers() {
    framework_process();
    let dir = tempfile::tempdir().unwrap();
    // mesos-local's own framework authenticates with the first credential.
    let creds = dir.path().join("credentials.json");
    std::fs::write(
        &creds,
        r#"{"credentials":[{"principal":"starter","secret":"s1"},{"principal":"alice","secret":"right"}]}"#,
    )
    .unwrap();
    let local = MesosLocal::start(&[
        &format!("--credentials={}", creds.display()),
        "--authenticate_frameworks",
    ]);
    let flags = http_get(&local.master, "/master/flags");
    assert!(
        flags.contains("\"authenticate_frameworks\":\"true\""),
        "{flags}"
    );

    let connect = |secret: &str| {
        let (probe, events) = probe();
        let mut info = framework("authenticated");
        info.set_principal("alice".into());
        let driver = SchedulerDriver::builder(info, local.master.clone())
            .credential(credential(secret))
            .build(probe)
            .unwrap();
        driver.start().unwrap();
        (driver, events)
    };
    let (driver, mut events) = connect("right");
    registered(&mut events);
    driver.stop(false).unwrap();

    let (driver, mut events) = connect("wrong");
    let message = events.wait_for(Duration::from_secs(60), "refusal", |e| match e {
        SchedulerEvent::Error { message } => Some(message.clone()),
        SchedulerEvent::Registered { .. } => panic!("registered with a wrong secret"),
        _ => None,
    });
    assert!(message.contains("refused authentication"), "{message}");
    drop(driver);
}
