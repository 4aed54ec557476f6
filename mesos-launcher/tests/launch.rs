//! `mesos-containerizer launch` run as the agent runs it: flags in `MESOS_CONTAINERIZER_*`,
//! the sandbox's stdout/stderr files as its standard output and error, a sync pipe, a runtime
//! directory; each test checks what the command did and what the helper recorded.

use std::fs::File;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;

use support::*;

const OURS: &str = env!("CARGO_BIN_EXE_mesos-containerizer");
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The launch helper under test: ours, or Mesos' own when `MESOS_RS_NATIVE_HELPERS` names a
/// directory holding Mesos' `mesos-containerizer` (the same tests then check that ours
/// behaves as Mesos' does, and assert each documented difference for each).
fn helper() -> String {
    program_under_test("mesos-containerizer", OURS)
        .to_str()
        .unwrap()
        .to_owned()
}

/// How to start the helper for one test.
struct Launch {
    dir: tempfile::TempDir,
    info: Option<String>,
    runtime: bool,
    env: Vec<(String, String)>,
    args: Vec<String>,
    pipe: bool,
    setsid: bool,
    uid: Option<u32>,
    /// Start the helper with SIGTERM blocked (a mask inherited from its parent).
    block_term: bool,
    /// Give the helper this file, open on descriptor 10 without close-on-exec (a
    /// descriptor the agent leaked to it).
    leak_fd10: Option<PathBuf>,
    /// Start the helper in a mount namespace of its own with an empty `/proc`.
    hide_proc: bool,
}

/// What happened.
#[derive(Debug)]
struct Outcome {
    exit: ExitStatus,
    stdout: String,
    stderr: String,
    /// The status file's content; `None` if it does not exist.
    status_file: Option<String>,
    /// Keeps the test's files until the outcome is dropped.
    _dir: tempfile::TempDir,
}

impl Outcome {
    fn code(&self) -> Option<i32> {
        self.exit.code()
    }
}

/// A started helper whose sync pipe the test controls.
struct Running {
    child: Child,
    write_end: Option<i32>,
    launch: Launch,
}

fn shell(cmd: &str) -> Value {
    json!({"command": {"shell": true, "value": cmd}})
}

impl Launch {
    fn new(info: Value) -> Launch {
        Launch::raw(Some(info.to_string()))
    }

    fn raw(info: Option<String>) -> Launch {
        Launch {
            dir: tempfile::tempdir().unwrap(),
            info,
            runtime: true,
            env: Vec::new(),
            args: Vec::new(),
            pipe: true,
            setsid: true,
            uid: None,
            block_term: false,
            leak_fd10: None,
            hide_proc: false,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn runtime_dir(&self) -> PathBuf {
        self.path("runtime")
    }

    /// Starts the helper the way the agent's POSIX launcher does, without writing the
    /// go-ahead byte yet.
    fn start(self) -> Running {
        std::fs::create_dir_all(self.runtime_dir()).unwrap();
        let mut cmd = Command::new(helper());
        cmd.arg("launch")
            .args(&self.args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(File::create(self.path("stdout")).unwrap())
            .stderr(File::create(self.path("stderr")).unwrap());
        // The agent's own environment is inherited by the helper: simulate some of it.
        cmd.env("AGENT_ONLY_VARIABLE", "from the agent");
        if let Some(info) = &self.info {
            cmd.env("MESOS_CONTAINERIZER_LAUNCH_INFO", info);
        }
        if self.runtime {
            cmd.env("MESOS_CONTAINERIZER_RUNTIME_DIRECTORY", self.runtime_dir());
        }
        cmd.env("MESOS_CONTAINERIZER_UNSHARE_NAMESPACE_MNT", "false");
        let mut write_end = None;
        let mut fds = None;
        if self.pipe {
            let mut p = [0; 2];
            // SAFETY: `p` has room for the two descriptors pipe2 returns.
            assert_eq!(unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            cmd.env("MESOS_CONTAINERIZER_PIPE_READ", p[0].to_string())
                .env("MESOS_CONTAINERIZER_PIPE_WRITE", p[1].to_string());
            write_end = Some(p[1]);
            fds = Some(p);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let setsid = self.setsid;
        let block_term = self.block_term;
        let hide_proc = self.hide_proc;
        let leaked = self.leak_fd10.as_ref().map(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .unwrap()
        });
        let leaked_fd = leaked.as_ref().map(std::os::fd::AsRawFd::as_raw_fd);
        // SAFETY: the hook only makes async-signal-safe calls (fcntl, setsid, sigprocmask) in
        // the child.
        unsafe {
            cmd.pre_exec(move || {
                if let Some(p) = fds {
                    // Only this child inherits the pipe (other tests run in parallel threads).
                    for fd in p {
                        libc::fcntl(fd, libc::F_SETFD, 0);
                    }
                }
                if setsid {
                    // The POSIX launcher starts the helper in a session of its own.
                    libc::setsid();
                }
                if let Some(fd) = leaked_fd {
                    // dup2 clears close-on-exec on the copy.
                    if libc::dup2(fd, 10) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                if hide_proc {
                    let none = c"none".as_ptr();
                    if libc::unshare(libc::CLONE_NEWNS) < 0
                        || libc::mount(
                            std::ptr::null(),
                            c"/".as_ptr(),
                            std::ptr::null(),
                            libc::MS_REC | libc::MS_PRIVATE,
                            std::ptr::null(),
                        ) < 0
                        || libc::mount(
                            none,
                            c"/proc".as_ptr(),
                            c"tmpfs".as_ptr(),
                            0,
                            std::ptr::null(),
                        ) < 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                if block_term {
                    let mut set: libc::sigset_t = std::mem::zeroed();
                    libc::sigemptyset(&mut set);
                    libc::sigaddset(&mut set, libc::SIGTERM);
                    libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                }
                Ok(())
            });
        }
        if let Some(uid) = self.uid {
            cmd.uid(uid).gid(uid);
        }
        let child = cmd.spawn().expect("spawn mesos-containerizer");
        drop(leaked);
        if let Some(p) = fds {
            // SAFETY: closing our copy of the read end, which nothing else owns.
            unsafe { libc::close(p[0]) };
        }
        Running {
            child,
            write_end,
            launch: self,
        }
    }

    /// Starts the helper, gives the go-ahead at once and waits for it.
    fn run(self) -> Outcome {
        let mut r = self.start();
        r.go();
        r.wait()
    }
}

impl Running {
    /// Writes the agent's go-ahead byte and closes the pipe.
    fn go(&mut self) {
        if let Some(fd) = self.write_end.take() {
            // SAFETY: writing one byte from a static to our pipe end, then closing it. The write
            // fails (EPIPE) when the helper has already given up, which some tests expect.
            unsafe {
                libc::write(fd, b"x".as_ptr().cast(), 1);
                libc::close(fd);
            }
        }
    }

    /// Closes the pipe without the go-ahead, as an agent that dies would.
    fn hang_up(&mut self) {
        if let Some(fd) = self.write_end.take() {
            // SAFETY: closing our pipe end.
            unsafe { libc::close(fd) };
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child, which has not been reaped yet.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Waits until the helper has its SIGTERM handler installed (`SigCgt` in
    /// `/proc/<pid>/status`).
    fn wait_for_handlers(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = read(Path::new(&format!("/proc/{}/status", self.pid())));
            let caught = status
                .lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))
                .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
                .unwrap_or(0);
            if caught & (1 << (libc::SIGTERM - 1)) != 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the helper never installed its handlers"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn wait_for_file(&self, name: &str) {
        let p = self.launch.path(name);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !p.exists() {
            assert!(
                Instant::now() < deadline,
                "{name} never appeared; stderr: {}",
                read(&self.launch.path("stderr"))
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn wait(mut self) -> Outcome {
        self.hang_up();
        let deadline = Instant::now() + Duration::from_secs(30);
        let exit = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "helper did not exit; stderr: {}",
                    read(&self.launch.path("stderr"))
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let status = self.launch.runtime_dir().join("status");
        Outcome {
            exit,
            stdout: read(&self.launch.path("stdout")),
            stderr: read(&self.launch.path("stderr")),
            status_file: status.exists().then(|| read(&status)),
            _dir: self.launch.dir,
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn a_shell_command_runs_and_its_exit_status_is_checkpointed() {
    let out = Launch::new(shell("echo hello from the command; exit 3")).run();
    assert_eq!(out.stdout, "hello from the command\n");
    // The raw wait status, in decimal, as the agent's reader expects: W_EXITCODE(3, 0).
    assert_eq!(out.status_file.as_deref(), Some("768"), "{out:?}");
    // The helper succeeded; the command's status is in the file (as Mesos' helper).
    assert_eq!(out.code(), Some(0));

    let out = Launch::new(shell("true")).run();
    assert_eq!(out.status_file.as_deref(), Some("0"));
    assert_eq!(out.code(), Some(0));
    assert_eq!(out.stderr, "");
}

#[test]
fn an_argv_command_runs_without_a_shell() {
    let info = json!({"command": {
        "shell": false,
        "value": "printf",
        "arguments": ["printf", "%s|", "a b", "$HOME;x", "*"]
    }});
    let out = Launch::new(info).run();
    assert_eq!(out.stdout, "a b|$HOME;x|*|", "{out:?}");
    assert_eq!(out.status_file.as_deref(), Some("0"));

    // The program's own argv[0] is whatever the arguments say.
    let info = json!({"command": {
        "shell": false, "value": "/bin/sh", "arguments": ["custom-name", "-c", "echo $0"]
    }});
    assert_eq!(Launch::new(info).run().stdout, "custom-name\n");
}

#[test]
fn the_environment_is_exactly_the_launch_infos_plus_a_default_path() {
    let info = json!({
        "command": {"shell": false, "value": "env", "arguments": ["env"]},
        "environment": {"variables": [
            {"name": "MESOS_SANDBOX", "type": "VALUE", "value": "/sandbox"},
            {"name": "TWO_WORDS", "type": "VALUE", "value": "a b"},
            {"name": "MESOS_SANDBOX", "type": "VALUE", "value": "/overridden"},
            {"name": "EMPTY", "type": "VALUE"}
        ]}
    });
    let out = Launch::new(info).run();
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "EMPTY=",
            "MESOS_SANDBOX=/overridden",
            &format!("PATH={DEFAULT_PATH}"),
            "TWO_WORDS=a b"
        ],
        "{out:?}"
    );
    assert!(
        out.stderr
            .to_lowercase()
            .contains("overwriting environment variable 'mesos_sandbox'"),
        "{out:?}"
    );

    // A PATH of the launch info is kept (and used to find the program).
    let info = json!({
        "command": {"shell": false, "value": "env", "arguments": ["env"]},
        "environment": {"variables": [{"name": "PATH", "value": "/usr/bin:/bin"}]}
    });
    assert_eq!(Launch::new(info).run().stdout, "PATH=/usr/bin:/bin\n");
}

#[test]
fn without_an_environment_the_helpers_own_is_inherited_minus_its_flags() {
    let info = json!({"command": {"shell": false, "value": "env", "arguments": ["env"]}});
    let out = Launch::new(info).run();
    assert!(
        out.stdout
            .lines()
            .any(|l| l == "AGENT_ONLY_VARIABLE=from the agent"),
        "{out:?}"
    );
    // Mesos' helper passes its own flags (the launch info among them) on to the command;
    // ours removes them (see docs/executor.md).
    assert_eq!(
        out.stdout.contains("MESOS_CONTAINERIZER_LAUNCH_INFO="),
        native(),
        "{out:?}"
    );
}

#[test]
fn the_working_directory_is_created_and_used() {
    let l = Launch::new(json!(null));
    let wd = l.path("sandbox");
    let mut l = l;
    l.info = Some(
        json!({"command": {"value": "pwd; touch made-here"}, "working_directory": wd}).to_string(),
    );
    let out = l.run();
    assert_eq!(out.stdout.trim_end(), wd.to_str().unwrap(), "{out:?}");
    assert!(wd.join("made-here").exists());
}

#[test]
fn a_program_name_is_looked_up_in_the_working_directory_first() {
    let l = Launch::new(json!(null));
    let wd = l.path("wd");
    std::fs::create_dir(&wd).unwrap();
    let prog = wd.join("my-program");
    std::fs::write(&prog, "#!/bin/sh\necho local program \"$@\"\n").unwrap();
    std::fs::set_permissions(&prog, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut l = l;
    l.info = Some(
        json!({
            "command": {"shell": false, "value": "my-program", "arguments": ["my-program", "x"]},
            "working_directory": wd
        })
        .to_string(),
    );
    let out = l.run();
    assert_eq!(out.stdout, "local program x\n", "{out:?}");

    // Not there and not in PATH: a clear error, exit status 1 recorded.
    let out =
        Launch::new(json!({"command": {"shell": false, "value": "no-such-program-xyz"}})).run();
    assert_eq!(out.code(), Some(0));
    // Mesos' helper records the failed exec twice ("256256", which the agent cannot read as
    // a wait status); ours once (see docs/executor.md).
    let expected = if native() { "256256" } else { "256" };
    assert_eq!(out.status_file.as_deref(), Some(expected), "{out:?}");
    assert!(out.stderr.contains("'no-such-program-xyz'"), "{out:?}");
}

#[test]
fn resource_limits_are_applied() {
    let info = json!({
        "command": {"value": "ulimit -n; ulimit -t; ulimit -c"},
        "rlimits": {"rlimits": [
            {"type": "RLMT_NOFILE", "soft": 64, "hard": 64},
            {"type": "RLMT_CPU", "soft": 50, "hard": 60},
            {"type": "RLMT_CORE"}
        ]}
    });
    let out = Launch::new(info).run();
    assert_eq!(out.stdout, "64\n50\nunlimited\n", "{out:?}");
    assert_eq!(out.status_file.as_deref(), Some("0"));
}

/// Starts `cmd` (which must create `ready`), waits for it, sends `sig` to the helper.
fn signalled(cmd: &str, sig: i32) -> Outcome {
    signalled_with(Launch::new(shell(cmd)), sig)
}

fn signalled_with(l: Launch, sig: i32) -> Outcome {
    let mut r = l.start();
    r.go();
    r.wait_for_file("ready");
    r.signal(sig);
    r.wait()
}

#[test]
fn signals_to_the_helper_reach_the_command_and_its_death_is_recorded() {
    for sig in [
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGUSR1,
        libc::SIGALRM,
    ] {
        let out = signalled("touch ready; exec sleep 30", sig);
        // The command died of the signal: the status file holds W_EXITCODE(0, sig) = sig.
        assert_eq!(
            out.status_file.as_deref(),
            Some(sig.to_string().as_str()),
            "signal {sig}: {out:?}"
        );
        assert_eq!(out.code(), Some(0), "signal {sig}: {out:?}");
    }
}

#[test]
/// Ours unblocks every signal before forwarding; Mesos' helper keeps the mask it was given,
/// so a blocked SIGTERM never reaches the command, which runs on to its end (see
/// docs/executor.md).
fn a_signal_mask_inherited_from_the_agent_does_not_stop_forwarding() {
    let mut l = Launch::new(shell("touch ready; exec sleep 3"));
    l.block_term = true;
    let out = signalled_with(l, libc::SIGTERM);
    let expected = if native() { "0" } else { "15" };
    assert_eq!(out.status_file.as_deref(), Some(expected), "{out:?}");
}

#[test]
fn a_command_that_handles_the_signal_decides_its_own_status() {
    let out = signalled(
        "trap 'echo caught TERM; exit 7' TERM; touch ready; while :; do sleep 0.05; done",
        libc::SIGTERM,
    );
    assert_eq!(out.stdout, "caught TERM\n", "{out:?}");
    assert_eq!(out.status_file.as_deref(), Some("1792")); // W_EXITCODE(7, 0)
    assert_eq!(out.code(), Some(0));
}

#[test]
fn the_command_waits_for_the_agents_go_ahead() {
    let mut r = Launch::new(shell("touch ran")).start();
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        !r.launch.path("ran").exists(),
        "the command ran before the go-ahead byte"
    );
    assert!(r.child.try_wait().unwrap().is_none());
    r.go();
    let dir = r.launch.dir.path().to_owned();
    let out = r.wait();
    assert_eq!(out.status_file.as_deref(), Some("0"), "{out:?}");
    assert!(dir.join("ran").exists());
}

#[test]
fn an_agent_that_goes_away_before_the_go_ahead_means_no_launch() {
    let mut r = Launch::new(shell("touch ran")).start();
    r.hang_up();
    let dir = r.launch.dir.path().to_owned();
    let out = r.wait();
    assert_eq!(out.code(), Some(1), "{out:?}");
    assert_eq!(out.status_file.as_deref(), Some("256"));
    assert!(
        out.stderr
            .to_lowercase()
            .contains("failed to synchronize with"),
        "{out:?}"
    );
    assert!(!dir.join("ran").exists());
}

#[test]
fn a_signal_before_the_command_exists_ends_the_helper_and_is_recorded() {
    let r = Launch::new(shell("touch ran")).start();
    r.wait_for_handlers();
    std::thread::sleep(Duration::from_millis(100)); // most likely blocked on the sync pipe
    r.signal(libc::SIGTERM);
    let dir = r.launch.dir.path().to_owned();
    let out = r.wait();
    assert_eq!(out.status_file.as_deref(), Some("15"), "{out:?}");
    assert_eq!(out.code(), Some(1));
    assert!(!dir.join("ran").exists());
}

#[test]
fn the_command_stays_in_the_helpers_session_so_the_agent_can_kill_the_whole_tree() {
    // What the command sees: its process group and session are the helper's (the agent's
    // POSIX launcher made the helper a session leader and kills that session on destroy).
    let mut r = Launch::new(shell("exec cat /proc/self/stat")).start();
    let helper = r.pid();
    r.go();
    let out = r.wait();
    let after_comm = out.stdout.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // state ppid pgrp session ...
    assert_eq!(fields[1], helper.to_string(), "parent: {out:?}");
    assert_eq!(fields[2], helper.to_string(), "process group: {out:?}");
    assert_eq!(fields[3], helper.to_string(), "session: {out:?}");

    // The agent's destroy: SIGKILL to the helper's process group. The helper cannot record
    // anything (the agent then assumes SIGKILL) and the command's own children die too.
    let mut r = Launch::new(shell("sleep 60 & echo $! > bg.pid; touch ready; wait")).start();
    r.go();
    r.wait_for_file("ready");
    let bg: i32 = read(&r.launch.path("bg.pid")).trim().parse().unwrap();
    // SAFETY: signalling the helper's own process group (it is a session leader).
    assert_eq!(unsafe { libc::kill(-r.pid(), libc::SIGKILL) }, 0);
    let out = r.wait();
    assert_eq!(out.exit.signal(), Some(libc::SIGKILL));
    assert_eq!(out.status_file.as_deref(), Some(""), "{out:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{bg}/stat")).unwrap_or_default();
        let state = stat
            .rsplit_once(')')
            .map(|(_, r)| r.trim_start().chars().next());
        if stat.is_empty() || state == Some(Some('Z')) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "background child survived: {stat}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Ours runs under the POSIX launcher only and refuses, by name, every field that needs Linux
/// isolation; Mesos' helper implements them (with its isolators' help), so there is nothing
/// of ours to compare it with (see docs/executor.md).
#[test]
fn every_field_the_helper_cannot_honour_is_refused_by_name() {
    if native() {
        eprintln!("not compared: Mesos' helper implements these fields; the refusal is ours");
        return;
    }
    let cases: &[(&str, Value)] = &[
        ("rootfs", json!("/some/rootfs")),
        ("clone_namespaces", json!([131072])),
        ("enter_namespaces", json!([536870912])),
        (
            "mounts",
            json!([{"target": "/mnt", "source": "/tmp", "flags": 4096}]),
        ),
        ("masked_paths", json!(["/proc/kcore"])),
        (
            "file_operations",
            json!([{"operation": "MKDIR", "mkdir": {"target": "/x"}}]),
        ),
        ("seccomp_profile", json!({"syscalls": []})),
        (
            "effective_capabilities",
            json!({"capabilities": ["NET_ADMIN"]}),
        ),
        ("bounding_capabilities", json!({"capabilities": []})),
        ("tty_slave_path", json!("/dev/pts/9")),
        ("a_field_from_the_future", json!(true)),
    ];
    for (field, value) in cases {
        let mut info = shell("touch ran");
        info[*field] = value.clone();
        let l = Launch::new(info);
        let dir = l.dir.path().to_owned();
        let out = l.run();
        assert_eq!(out.code(), Some(1), "{field}: {out:?}");
        assert_eq!(out.status_file.as_deref(), Some("256"), "{field}: {out:?}");
        assert!(
            out.stderr
                .contains(&format!("unsupported launch_info field '{field}'")),
            "{field}: {out:?}"
        );
        assert!(!dir.join("ran").exists(), "{field}: the command ran anyway");
    }
    // Nested ones name their path.
    for (info, field) in [
        (
            json!({"command": {"value": "touch ran"},
                   "environment": {"variables": [{"name": "S", "type": "SECRET", "secret": {"type": "REFERENCE"}}]}}),
            "environment.variables[0].secret",
        ),
        (
            json!({"command": {"value": "touch ran", "uris": [{"value": "http://127.0.0.1/x"}]}}),
            "command.uris",
        ),
        (
            json!({"command": {"value": "touch ran", "user": "someone"}}),
            "command.user",
        ),
    ] {
        let out = Launch::new(info).run();
        assert_eq!(out.code(), Some(1));
        assert!(
            out.stderr.contains(&format!("'{field}'")),
            "{field}: {out:?}"
        );
    }
    // Flags asking for mount namespaces.
    for (k, v, flag) in [
        (
            "MESOS_CONTAINERIZER_UNSHARE_NAMESPACE_MNT",
            "true",
            "--unshare_namespace_mnt",
        ),
        (
            "MESOS_CONTAINERIZER_NAMESPACE_MNT_TARGET",
            "1",
            "--namespace_mnt_target",
        ),
    ] {
        let mut l = Launch::new(shell("touch ran"));
        l.env.push((k.into(), v.into()));
        let out = l.run();
        assert_eq!(out.code(), Some(1));
        assert_eq!(out.status_file.as_deref(), Some("256"));
        assert!(out.stderr.contains(flag), "{flag}: {out:?}");
    }
}

#[test]
fn fields_that_ask_for_nothing_are_accepted() {
    let info = json!({
        "command": {"shell": true, "value": "echo ok", "arguments": [], "uris": [],
                    "environment": {"variables": []}},
        "environment": {"variables": [{"name": "X", "type": "VALUE", "value": "1"}]},
        "clone_namespaces": [], "enter_namespaces": [], "mounts": [], "masked_paths": [],
        "file_operations": [], "pre_exec_commands": [], "supplementary_groups": [],
        "no_new_privileges": false,
        "task_environment": {"variables": [{"name": "T", "type": "VALUE", "value": "t"}]},
        "task_supplementary_groups": [4242],
        "rootfs": null
    });
    let out = Launch::new(info).run();
    if native() {
        // Mesos' helper turns `no_new_privileges: false` into prctl(PR_SET_NO_NEW_PRIVS, 0),
        // which the kernel refuses: the launch fails (see docs/executor.md).
        assert!(out.stderr.contains("Failed to set NO_NEW_PRIVS"), "{out:?}");
        assert_eq!(out.status_file.as_deref(), Some("256"), "{out:?}");
    } else {
        assert_eq!(out.stdout, "ok\n", "{out:?}");
        assert_eq!(out.status_file.as_deref(), Some("0"));
    }
}

#[test]
fn bad_input_is_a_clear_error_and_exit_status_1() {
    let cases: Vec<(Launch, &str)> = vec![
        (
            Launch::raw(Some("{not json".into())),
            "flag --launch_info: not valid JSON",
        ),
        (Launch::raw(None), "flag --launch_info: missing"),
        (Launch::raw(Some("[]".into())), "expected a JSON object"),
        (Launch::new(json!({"environment": {}})), "'command'"),
        (
            Launch::new(json!({"command": {"shell": true}})),
            "'command.value'",
        ),
        (
            Launch::new(json!({"command": {"value": 5}})),
            "'command.value'",
        ),
        (
            Launch::new(json!({"command": {"value": "true"},
                "rlimits": {"rlimits": [{"type": "RLMT_NOFILE", "soft": 5}]}})),
            "'rlimits.rlimits[0]'",
        ),
        (
            Launch::new(json!({"command": {"value": "true"}, "user": "no-such-user-xyz"})),
            "'user'",
        ),
    ];
    for (l, needle) in cases {
        let out = l.run();
        if native() {
            // Mesos' words differ, and for flags it cannot parse it exits before opening
            // the status file; to the agent either way reads as exit status 1.
            assert_eq!(out.code(), Some(1), "{needle}: {out:?}");
            assert!(
                matches!(out.status_file.as_deref(), None | Some("256")),
                "{needle}: {out:?}"
            );
            continue;
        }
        assert_eq!(out.code(), Some(1), "{needle}: {out:?}");
        assert_eq!(out.status_file.as_deref(), Some("256"), "{needle}: {out:?}");
        assert!(out.stderr.contains(needle), "{needle}: {out:?}");
    }
    if native() {
        return;
    }

    let mut l = Launch::new(shell("true"));
    l.pipe = false;
    l.env
        .push(("MESOS_CONTAINERIZER_PIPE_READ".into(), "0".into()));
    let out = l.run();
    assert!(
        out.stderr.contains("--pipe_read and --pipe_write"),
        "{out:?}"
    );
    assert_eq!(out.code(), Some(1));

    for args in [
        &["--bogus=1"][..],
        &["--pipe_read=zero"][..],
        &["positional"][..],
    ] {
        let mut l = Launch::new(shell("touch ran"));
        l.args = args.iter().map(|s| s.to_string()).collect();
        let out = l.run();
        assert_eq!(out.code(), Some(1), "{args:?}");
        assert_eq!(out.status_file.as_deref(), Some("256"), "{args:?}");
        assert!(out.stderr.contains("flag --"), "{args:?}: {out:?}");
    }

    // A runtime directory that cannot hold the status file.
    let mut l = Launch::new(shell("true"));
    l.env.push((
        "MESOS_CONTAINERIZER_RUNTIME_DIRECTORY".into(),
        "/nonexistent/runtime/dir".into(),
    ));
    let out = l.run();
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr.contains("'/nonexistent/runtime/dir/status'"),
        "{out:?}"
    );

    // Subcommands.
    for (args, needle) in [
        (&[][..], "no subcommand"),
        (&["mount"][..], "unknown subcommand 'mount'"),
    ] {
        let out = Command::new(helper()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
}

#[test]
fn flags_can_come_from_the_command_line_which_wins_over_the_environment() {
    let mut l = Launch::new(shell("exit 5"));
    l.args = vec![format!("--launch_info={}", shell("exit 6"))];
    let out = l.run();
    assert_eq!(out.code(), Some(0));
    assert_eq!(out.status_file.as_deref(), Some("1536"));

    // Everything on the command line, launch info from a file.
    let mut l = Launch::raw(None);
    l.runtime = false;
    l.pipe = false;
    let info_file = l.path("info.json");
    std::fs::write(&info_file, shell("echo from file").to_string()).unwrap();
    let rt = l.path("rt");
    std::fs::create_dir(&rt).unwrap();
    l.args = vec![
        format!("--launch_info=file://{}", info_file.display()),
        format!("--runtime_directory={}", rt.display()),
    ];
    let out = l.run();
    assert_eq!(out.stdout, "from file\n");
    assert_eq!(std::fs::read_to_string(rt.join("status")).unwrap(), "0");
}

#[test]
fn without_a_runtime_directory_the_helper_becomes_the_command() {
    let mut l = Launch::new(shell("echo $$"));
    l.runtime = false;
    let r = l.start();
    let pid = r.pid();
    let mut r = r;
    r.go();
    let out = r.wait();
    assert_eq!(out.stdout.trim(), pid.to_string(), "{out:?}");
    assert_eq!(out.status_file, None);

    let mut l = Launch::new(shell("touch ready; exec sleep 30"));
    l.runtime = false;
    let mut r = l.start();
    r.go();
    r.wait_for_file("ready");
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait().exit.signal(), Some(libc::SIGTERM));
}

#[test]
fn pre_exec_commands_run_first_and_a_failing_one_stops_the_launch() {
    let info = json!({
        "command": {"value": "cat pre1 pre2"},
        "pre_exec_commands": [
            {"shell": true, "value": "echo shell step > pre1"},
            {"shell": false, "value": "/bin/sh", "arguments": ["sh", "-c", "echo argv step > pre2"]}
        ]
    });
    let out = Launch::new(info).run();
    assert_eq!(out.stdout, "shell step\nargv step\n", "{out:?}");

    let info = json!({
        "command": {"value": "touch ran"},
        "pre_exec_commands": [{"value": "exit 4"}]
    });
    let l = Launch::new(info);
    let dir = l.dir.path().to_owned();
    let out = l.run();
    assert_eq!(out.code(), Some(1));
    assert_eq!(out.status_file.as_deref(), Some("256"));
    let needle = if native() {
        "Failed to execute pre-exec command"
    } else {
        "pre_exec_commands[0]"
    };
    assert!(out.stderr.contains(needle), "{out:?}");
    assert!(!dir.join("ran").exists());
}

#[test]
fn no_new_privileges_is_set_when_asked() {
    let cmd = "grep NoNewPrivs /proc/self/status";
    let out = Launch::new(json!({"command": {"value": cmd}, "no_new_privileges": true})).run();
    assert_eq!(out.stdout, "NoNewPrivs:\t1\n", "{out:?}");
    let out = Launch::new(shell(cmd)).run();
    assert_eq!(out.stdout, "NoNewPrivs:\t0\n", "{out:?}");
}

#[test]
fn the_command_runs_as_the_launch_infos_user() {
    if !is_root() {
        eprintln!("skipped: switching users needs root");
        return;
    }
    let info = json!({
        "command": {"value": "id -u; id -g; id -G"},
        "user": "nobody",
        "supplementary_groups": [4242]
    });
    let out = Launch::new(info).run();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "65534", "{out:?}");
    assert_eq!(lines[1], "65534", "{out:?}");
    assert!(lines[2].split(' ').any(|g| g == "4242"), "{out:?}");
    assert_eq!(out.status_file.as_deref(), Some("0"));

    // The same user as the helper: no switch.
    let out = Launch::new(json!({"command": {"value": "id -u"}, "user": "root"})).run();
    assert_eq!(out.stdout, "0\n");
}

#[test]
fn a_user_switch_without_root_is_a_clear_error() {
    if !is_root() {
        eprintln!("skipped: needs root to start the helper as another user");
        return;
    }
    if native() && !libmesos_readable_by_nobody() {
        eprintln!("not compared: Mesos' helper needs libmesos, which user nobody cannot read here");
        return;
    }
    let mut l = Launch::new(json!({"command": {"value": "touch /tmp/never"}, "user": "root"}));
    // As `nobody`, the helper can neither switch users nor write a root-owned runtime dir.
    l.runtime = false;
    l.uid = Some(65534);
    std::fs::set_permissions(
        l.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = l.run();
    assert_eq!(out.code(), Some(1), "{out:?}");
    if !native() {
        assert!(out.stderr.contains("needs root"), "{out:?}");
        assert!(out.stderr.contains("'user'"), "{out:?}");
    }
}

/// Whether user `nobody` could load Mesos' helper (its libmesos may sit in root's home).
fn libmesos_readable_by_nobody() -> bool {
    let out = Command::new("ldd").arg(helper()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let Some(lib) = text
        .lines()
        .find(|l| l.contains("libmesos-"))
        .and_then(|l| l.split("=>").nth(1))
        .and_then(|r| r.split_whitespace().next())
    else {
        return false;
    };
    readable_by_nobody(lib)
}

fn readable_by_nobody(path: &str) -> bool {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "test -r \"$0\"", path]);
    std::os::unix::process::CommandExt::uid(&mut cmd, 65534);
    std::os::unix::process::CommandExt::gid(&mut cmd, 65534);
    cmd.status().map(|s| s.success()).unwrap_or(false)
}

#[test]
fn the_helpers_usage_is_printed_on_request() {
    if !native() {
        // Mesos' helper (this build of it) has no usage of its own above `launch`.
        let out = Command::new(helper()).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("launch"));
    }
    let out = Command::new(helper())
        .args(["launch", "--help"])
        .env_remove("MESOS_CONTAINERIZER_RUNTIME_DIRECTORY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // (Mesos' helper prints it on standard error.)
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("--launch_info"), "{text}");
}

#[test]
fn sandbox_stdio_sends_the_commands_output_to_the_sandbox_files() {
    let l = Launch::new(json!(null));
    let wd = l.path("sandbox");
    std::fs::create_dir(&wd).unwrap();
    std::fs::write(wd.join("stdout"), "kept\n").unwrap();
    let mut l = l;
    l.info = Some(
        json!({"command": {"value": "echo out; echo err >&2"}, "working_directory": wd})
            .to_string(),
    );
    l.env
        .push(("MESOS_CONTAINERIZER_SANDBOX_STDIO".into(), "true".into()));
    let out = l.run();
    if native() {
        // An extension of ours: Mesos' helper ignores the variable.
        assert_eq!(out.stdout, "out\n", "{out:?}");
        assert_eq!(read(&wd.join("stdout")), "kept\n");
        return;
    }
    assert_eq!(out.stdout, "", "{out:?}");
    assert_eq!(out.stderr, "", "{out:?}");
    assert_eq!(read(&wd.join("stdout")), "kept\nout\n");
    assert_eq!(read(&wd.join("stderr")), "err\n");

    let mut l = Launch::new(shell("true"));
    l.args = vec!["--sandbox_stdio".into()];
    let out = l.run();
    assert_eq!(out.code(), Some(1));
    assert!(
        out.stderr.contains("flag --sandbox_stdio: needs"),
        "{out:?}"
    );
}

/// An executable script at `path` that prints `text`.
fn script(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\necho {text} \"$@\"\n")).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
}

/// `CommandInfo` says a shell command runs as `/bin/sh -c`. Mesos' helper runs the first `sh`
/// in the working directory or the command's `PATH` instead (a sandbox file named `sh` would
/// become the shell); ours runs `/bin/sh` (see docs/executor.md).
#[test]
fn a_shell_command_runs_bin_sh_whatever_the_path_and_working_directory_hold() {
    let l = Launch::new(json!(null));
    let bin = l.path("bin");
    let wd = l.path("wd");
    script(&bin.join("sh"), "sh-from-PATH", 0o755);
    script(&wd.join("sh"), "sh-from-the-working-directory", 0o755);
    let mut l = l;
    let info = json!({
        "command": {"shell": true, "value": "echo real shell"},
        "working_directory": wd,
        "environment": {"variables": [
            {"name": "PATH", "value": format!("{}:/usr/bin:/bin", bin.display())}
        ]}
    });
    l.info = Some(info.to_string());
    let out = l.run();
    if native() {
        assert_eq!(
            out.stdout, "sh-from-the-working-directory -c echo real shell\n",
            "{out:?}"
        );
    } else {
        assert_eq!(out.stdout, "real shell\n", "{out:?}");
    }
    assert_eq!(out.status_file.as_deref(), Some("0"), "{out:?}");
}

/// With a user switch, a program found in the working directory that only root may run is
/// passed over for the next one in `PATH`: executability is judged as the command's user.
/// Mesos' helper takes any file with an execute bit and fails with "Permission denied"
/// (see docs/executor.md).
#[test]
fn the_program_is_looked_up_with_the_commands_own_credentials() {
    if !is_root() {
        eprintln!("skipped: switching users needs root");
        return;
    }
    let l = Launch::new(json!(null));
    std::fs::set_permissions(
        l.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let bin = l.path("bin");
    let wd = l.path("wd");
    script(&wd.join("prog"), "root-only", 0o700);
    script(&bin.join("prog"), "for-everyone", 0o755);
    let mut l = l;
    let info = json!({
        "command": {"shell": false, "value": "prog", "arguments": ["prog"]},
        "working_directory": wd,
        "user": "nobody",
        "environment": {"variables": [
            {"name": "PATH", "value": format!("{}:/usr/bin:/bin", bin.display())}
        ]}
    });
    l.info = Some(info.to_string());
    let out = l.run();
    if native() {
        assert_eq!(out.stdout, "", "{out:?}");
        assert!(out.stderr.contains("Permission denied"), "{out:?}");
        assert_ne!(out.status_file.as_deref(), Some("0"), "{out:?}");
    } else {
        assert_eq!(out.stdout, "for-everyone\n", "{out:?}");
        assert_eq!(out.status_file.as_deref(), Some("0"), "{out:?}");
    }
}

/// A descriptor the helper inherited never reaches the command: not normally, not when the
/// command's `RLIMIT_NOFILE` leaves no descriptor free for listing `/proc/self/fd`, not
/// without `/proc`. Mesos' helper lists `/proc/self/fd` after applying the limits and aborts
/// when it cannot (the launch fails); ours marks them with `close_range` before the limits
/// (the launch succeeds, nothing leaks).
#[test]
fn the_command_inherits_no_descriptor_beyond_standard_io() {
    // 1. Plainly.
    let mut l = Launch::new(shell("(echo leaked >&10) 2>/dev/null || echo closed"));
    l.leak_fd10 = Some(l.path("leak"));
    let leak = l.path("leak");
    let out = l.run();
    assert_eq!(out.status_file.as_deref(), Some("0"), "{out:?}");
    assert!(out.stdout.ends_with("closed\n"), "{out:?}");
    assert_eq!(
        read(&leak),
        "",
        "the command wrote to the helper's descriptor"
    );

    // 2. With a descriptor limit that leaves none free in the helper (0-2, the status file,
    //    10 are open: the lowest free one is 4).
    let cmd = "if test -e /proc/self/fd/10; then echo leaked; else echo closed; fi";
    let mut l = Launch::new(json!({
        "command": {"value": cmd},
        "rlimits": {"rlimits": [{"type": "RLMT_NOFILE", "soft": 4, "hard": 4}]}
    }));
    l.leak_fd10 = Some(l.path("leak"));
    let out = l.run();
    if native() {
        assert_ne!(out.status_file.as_deref(), Some("0"), "{out:?}");
        assert_eq!(out.stdout, "", "{out:?}");
    } else {
        assert_eq!(out.stdout, "closed\n", "{out:?}");
        assert_eq!(out.status_file.as_deref(), Some("0"), "{out:?}");
    }

    // 3. Without /proc (needs root for the mount namespace).
    if !is_root() {
        eprintln!("part 3 skipped: hiding /proc needs root");
        return;
    }
    let mut l = Launch::new(shell("(echo leaked >&10) 2>/dev/null || echo closed"));
    l.leak_fd10 = Some(l.path("leak"));
    l.hide_proc = true;
    let leak = l.path("leak");
    let out = l.run();
    assert_eq!(
        read(&leak),
        "",
        "the command wrote to the helper's descriptor: {out:?}"
    );
    if native() {
        assert_ne!(out.status_file.as_deref(), Some("0"), "{out:?}");
    } else {
        assert!(out.stdout.ends_with("closed\n"), "{out:?}");
        assert_eq!(out.status_file.as_deref(), Some("0"), "{out:?}");
    }
}
