//! Roles played by a re-run of the test binary itself: a local cluster hosted by another
//! process (so that the test process can lose its master and get a new one at the same
//! address), and any other child a test needs (e.g. a framework that gets killed).
//!
//! A test that uses a child starts with `if let Some(role) = hosted::role() { ... }` and runs
//! the role's body instead of the test; the parent re-runs the same test by its exact name
//! with [`ROLE_VAR`] set. A child reads its stdin until EOF and exits then, so it never
//! outlives the test process, even when that one is killed.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use mesos::types::MasterInfo;
use protobuf::Message;

use super::{framework, local_cluster, master_address, start_host};

/// Environment variable naming the role of a child run of the test binary.
pub const ROLE_VAR: &str = "MESOS_RS_TEST_ROLE";
/// The port a hosting child pins its libprocess (and so its master) to.
pub const PORT_VAR: &str = "MESOS_RS_TEST_HOST_PORT";
/// The address a hosting child binds (default `127.0.0.1`).
pub const IP_VAR: &str = "MESOS_RS_TEST_HOST_IP";
/// If set, a `zk://[user:password@]servers/path` URL: a hosting child's master joins that
/// group the way a Mesos master does (see `super::zk`).
pub const ZK_VAR: &str = "MESOS_RS_TEST_HOST_ZK";
/// The line a hosting child prints once its master is up, followed by the master's address
/// and its serialized `MasterInfo` in hex.
pub const READY: &str = "MESOS_RS_HOST_READY";
/// The line a hosting child prints before it exits because its ZooKeeper session ended.
pub const LOST: &str = "MESOS_RS_HOST_LOST_CANDIDACY";
/// The session timeout a hosting child's master asks ZooKeeper for: a Mesos master run with
/// `--zk_session_timeout=6secs` (the default is 10 s), so that a dead master is noticed sooner.
pub const CONTENDER_SESSION: Duration = Duration::from_secs(6);

/// The role this process was started for, if it is a child.
pub fn role() -> Option<String> {
    std::env::var(ROLE_VAR).ok()
}

/// A port on the loopback interface that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child run of this test binary, with its stdout delivered line by line.
pub struct RoleChild {
    child: Child,
    lines: Receiver<String>,
    /// Everything the child printed so far.
    pub seen: Vec<String>,
}

impl RoleChild {
    /// Re-runs test `test` of this binary with role `role` and the extra environment `env`.
    pub fn spawn(test: &str, role: &str, env: &[(&str, String)]) -> RoleChild {
        RoleChild::spawn_with(&[], test, role, env, false)
    }

    /// [`spawn`](Self::spawn) through a launcher `prefix` (e.g. `ip netns exec NAME`), with
    /// the child's stderr delivered as lines too when `capture_stderr` (else inherited).
    pub fn spawn_with(
        prefix: &[&str],
        test: &str,
        role: &str,
        env: &[(&str, String)],
        capture_stderr: bool,
    ) -> RoleChild {
        let exe = std::env::current_exe().unwrap();
        let mut cmd = match prefix.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(ROLE_VAR, role)
            .env_remove("MESOS_WORK_DIR")
            .env_remove("LIBPROCESS_PORT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            });
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("re-run the test binary");
        let (tx, lines) = channel();
        let mut outputs: Vec<Box<dyn Read + Send>> = vec![Box::new(child.stdout.take().unwrap())];
        if let Some(err) = child.stderr.take() {
            outputs.push(Box::new(err));
        }
        for output in outputs {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        RoleChild {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Closes the child's stdin (a role reads it until EOF and then ends), waits up to
    /// `within` for it to exit, collects the rest of its output into [`seen`](Self::seen),
    /// and returns whether it exited by itself.
    pub fn finish(&mut self, within: Duration) -> bool {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + within;
        let mut exited = false;
        while Instant::now() < deadline {
            if self.exited() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        exited
    }

    /// The rest of the first line (after `prefix` and a space) that contains `prefix`, or
    /// `None` if the child ends its output or `timeout` passes first.
    pub fn wait_line(&mut self, prefix: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    // The test harness may have printed the test's name on the same line.
                    let found = line
                        .find(prefix)
                        .map(|at| line[at + prefix.len()..].trim().to_owned());
                    self.seen.push(line);
                    if found.is_some() {
                        return found;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Kills the child with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the child has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for RoleChild {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Plays this process' role when it is a child (see the module documentation): `"host"`
/// (a hosted master, [`host_role`]) or one of `roles` (a name and its body). Returns whether
/// it played one; the test then returns at once:
///
/// ```ignore
/// if hosted::play(&[("scheduler", scheduler_role)]) {
///     return;
/// }
/// ```
pub fn play(roles: &[(&str, fn())]) -> bool {
    let Some(role) = role() else {
        return false;
    };
    match roles.iter().find(|(name, _)| *name == role) {
        Some((_, body)) => body(),
        None if role == "host" => host_role(),
        None => panic!("unknown role {role}"),
    }
    true
}

/// The start of a test whose frameworks talk to hosted masters: as a child, plays its role
/// ([`play`]) and returns `true` (the test returns at once); otherwise applies the settings
/// of such a process (loopback address, libmesos logging at WARNING) and returns `false`.
pub fn enter(roles: &[(&str, fn())]) -> bool {
    if play(roles) {
        return true;
    }
    framework_process();
    false
}

/// Settings for a process whose frameworks talk to hosted masters: loopback address,
/// libmesos logging at WARNING.
pub fn framework_process() {
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_LOGGING_LEVEL", "WARNING");
    std::env::set_var("GLOG_minloglevel", "1");
}

/// How long each phase of a long test took from its start, for the test's output.
pub struct Phases {
    start: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    /// Starts the clock.
    pub fn start() -> Phases {
        Phases {
            start: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Phase `name` is over.
    pub fn mark(&mut self, name: &'static str) {
        self.done.push((name, self.start.elapsed()));
    }
}

impl std::fmt::Debug for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.done).finish()
    }
}

/// A local master in a child process.
pub struct HostedMaster {
    /// The hosting child.
    pub child: RoleChild,
    /// `127.0.0.1:<port>`.
    pub address: String,
    /// What the master says about itself.
    pub info: MasterInfo,
    /// How many spawns it took until the port was bound (1 when the first one worked).
    pub attempts: u32,
}

/// Starts a child that hosts a local cluster whose master listens on `127.0.0.1:port`;
/// the child re-runs test `test` with role `"host"` (see [`host_role`]). Retries the spawn
/// while the port cannot be bound yet (e.g. right after a previous host on it was killed),
/// for up to `within`.
pub fn host_master(test: &str, port: u16, within: Duration) -> HostedMaster {
    host_master_with(test, port, &[], within)
}

/// [`host_master`] with extra environment for the child (e.g. [`ZK_VAR`]).
pub fn host_master_with(
    test: &str,
    port: u16,
    env: &[(&str, String)],
    within: Duration,
) -> HostedMaster {
    let deadline = Instant::now() + within;
    let mut attempts = 0;
    let mut env = env.to_vec();
    env.push((PORT_VAR, port.to_string()));
    loop {
        attempts += 1;
        let mut child = RoleChild::spawn(test, "host", &env);
        // A child that cannot bind the port exits at once; one that hangs is given up on
        // after a while, and the spawn is tried again.
        let left = deadline.saturating_duration_since(Instant::now());
        let attempt = left.clamp(Duration::from_secs(1), Duration::from_secs(30));
        if let Some(line) = child.wait_line(READY, attempt) {
            let (address, hex) = line.split_once(' ').expect("address and master info");
            assert_eq!(address, format!("127.0.0.1:{port}"), "{:?}", child.seen);
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            return HostedMaster {
                child,
                address: address.to_owned(),
                info: MasterInfo::parse_from_bytes(&bytes).unwrap(),
                attempts,
            };
        }
        child.kill();
        assert!(
            Instant::now() < deadline,
            "no master came up on port {port} in {within:?} ({attempts} attempts); last child said {:?}",
            child.seen
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The body of a hosting child: a local cluster on the port in [`PORT_VAR`], started by a
/// framework that never takes offers (its role is suppressed), so that frameworks in other
/// processes get all of them. Prints [`READY`] and the master's address once the master
/// answered (and, with [`ZK_VAR`], once it joined the ZooKeeper group), then serves until
/// stdin closes (the parent died or let it go).
pub fn host_role() {
    let port = std::env::var(PORT_VAR).expect("host port");
    let ip = std::env::var(IP_VAR).unwrap_or_else(|_| "127.0.0.1".into());
    let _work = local_cluster(
        "cpus:2;mem:256",
        &[
            ("LIBPROCESS_IP", &ip),
            ("LIBPROCESS_PORT", &port),
            ("MESOS_ALLOCATION_INTERVAL", "100ms"),
        ],
    );
    let (_driver, _events, master) = start_host(framework("host"));
    let _contender = std::env::var(ZK_VAR).ok().map(|url| {
        let url = super::zk::ZkUrl::parse(&url);
        let zk = super::zk::ZkClient::connect(
            &url.servers,
            url.credentials.as_deref(),
            CONTENDER_SESSION,
        );
        let member = zk.announce(&url.path, &master, url.credentials.is_some());
        // Like a Mesos master, give up (exit) once the session is gone: another master
        // may lead by now.
        zk.on_session_lost(move |state| {
            println!("{LOST} {member} {state}");
            std::process::exit(1);
        });
        zk
    });
    let hex: String = master
        .write_to_bytes()
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("{READY} {} {hex}", master_address(&master));
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    // Leave without tearing the cluster down: the parent only cares that it is gone.
    std::process::exit(0);
}
