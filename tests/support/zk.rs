//! Real ZooKeeper for the tests: Debian's `zookeeper` package, run as a standalone server or
//! as a three-member ensemble on loopback ports, each member with its own data directory, all
//! stopped when the [`Ensemble`] is dropped (also when the test panics, and, through the
//! parent-death signal, when the test process itself is killed).
//!
//! [`ZkClient`] is the tests' own ZooKeeper session (the `zookeeper-client` crate): it looks at
//! the group znode and, for a process hosting a master, announces that master the way a Mesos
//! master's contender does (see [`announce`]).
//!
//! # How Mesos masters appear in ZooKeeper (Mesos 1.11)
//!
//! * The group is the path of the `zk://` URL (e.g. `/mesos`), a persistent znode created (with
//!   its parents) by whoever needs it first.
//! * Every master joins the group with an *ephemeral sequential* child named
//!   `json.info_<10-digit sequence>`; its data is the master's `MasterInfo` as JSON, with the
//!   message's field names (`{"id":...,"ip":...,"port":...,"pid":"master@ip:port",...}`).
//! * The leader is the member with the lowest sequence number; a detector (what the scheduler
//!   driver runs) watches the group's children and reads the leader's data.
//! * With credentials in the URL (`zk://user:pass@...`) the session authenticates with the
//!   `digest` scheme and creates its znodes readable by anyone, writable only by their creator;
//!   without, the znodes are open to anyone.
//! * A master whose session expires (or that cannot reach ZooKeeper for a session timeout) has
//!   lost its candidacy and exits; its supervisor starts it again.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mesos::types::MasterInfo;
use zookeeper_client as zkc;

/// The label of a master's member znode (`json.info_0000000001`).
pub const MASTER_LABEL: &str = "json.info";

/// The ZooKeeper server jar of Debian's `zookeeper` package (its manifest names the
/// libraries it needs); `MESOS_RS_TEST_ZOOKEEPER_JAR` overrides it.
const DEFAULT_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Prints the servers' own logs on stderr when set (needs Debian's `libslf4j-java`).
const LOG_VAR: &str = "MESOS_RS_TEST_ZK_LOG";

/// The server's tick: the unit of its heartbeats and timeouts.
pub const TICK: Duration = Duration::from_millis(200);
/// How long (in ticks) a newly elected leader waits for followers to connect and sync: 10 s.
/// ZooKeeper's sample configuration says 10 ticks, 2 s with this short tick; on a 2-core
/// machine busy compiling C++ a follower can miss that, and each miss costs a new election.
const INIT_LIMIT: u32 = 50;
/// How far (in ticks) a follower may lag before the leader drops it: 5 s (see `INIT_LIMIT`).
/// Dropping the only other live member loses the quorum. A killed member is noticed at once
/// anyway: its sockets close.
const SYNC_LIMIT: u32 = 25;
/// The longest pause (ms) between an electing member's re-sent votes. ZooKeeper doubles the
/// pause up to 60 s when a vote goes unanswered, so one vote lost while members reconnect can
/// stall an election for seconds; capped, a lost vote costs at most this.
const MAX_VOTE_PAUSE_MS: u32 = 1000;
/// The longest session the servers grant: what Mesos' master detector (in the scheduler
/// driver) asks for, 10 s.
pub const MAX_SESSION: Duration = Duration::from_secs(10);

/// Why ZooKeeper cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    let jar = jar();
    if !Path::new(&jar).exists() {
        return Some(format!(
            "the ZooKeeper server jar {jar} is missing: install Debian's packages \
             `zookeeper default-jre-headless` (scripts/test.sh does)"
        ));
    }
    match Command::new("java").arg("-version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("no working `java`: install Debian's `default-jre-headless`".into()),
    }
}

fn jar() -> String {
    std::env::var("MESOS_RS_TEST_ZOOKEEPER_JAR").unwrap_or_else(|_| DEFAULT_JAR.into())
}

/// One ZooKeeper server process.
struct Server {
    id: u32,
    client_port: u16,
    config: PathBuf,
    child: Option<Child>,
}

/// A standalone server or an ensemble, on loopback ports; stopped on drop.
pub struct Ensemble {
    servers: Vec<Server>,
    _dir: tempfile::TempDir,
}

impl Ensemble {
    /// A client of the ensemble without credentials, to watch what the masters announce.
    pub fn observer(&self) -> ZkClient {
        ZkClient::connect(&self.servers(), None, Duration::from_secs(10))
    }

    /// A standalone server, up and serving.
    pub fn standalone() -> Ensemble {
        Ensemble::start(1)
    }

    /// A three-member ensemble, up and serving with a leader elected.
    pub fn three() -> Ensemble {
        Ensemble::start(3)
    }

    fn start(n: u32) -> Ensemble {
        if let Some(why) = unavailable() {
            panic!("{why}");
        }
        let dir = tempfile::Builder::new()
            .prefix("mesos-rs-zk-")
            .tempdir()
            .unwrap();
        // Client, quorum and election ports for every member.
        let ports: Vec<[u16; 3]> = (0..n)
            .map(|_| [free_port(), free_port(), free_port()])
            .collect();
        let mut servers = Vec::new();
        for id in 1..=n {
            let data = dir.path().join(format!("server-{id}"));
            std::fs::create_dir_all(&data).unwrap();
            std::fs::write(data.join("myid"), format!("{id}\n")).unwrap();
            let [client_port, ..] = ports[id as usize - 1];
            // `forceSync=no`: the data is thrown away with the test, and an fsync queued
            // behind other tests' compilers would stall the ensemble.
            let mut cfg = format!(
                "tickTime={}\ninitLimit={INIT_LIMIT}\nsyncLimit={SYNC_LIMIT}\ndataDir={}\n\
                 clientPort={client_port}\nclientPortAddress=127.0.0.1\n\
                 maxSessionTimeout={}\nadmin.enableServer=false\n\
                 4lw.commands.whitelist=srvr,ruok\nquorumListenOnAllIPs=false\n\
                 forceSync=no\n",
                TICK.as_millis(),
                data.display(),
                MAX_SESSION.as_millis(),
            );
            if n > 1 {
                for (i, [_, quorum, election]) in ports.iter().enumerate() {
                    cfg += &format!("server.{}=127.0.0.1:{quorum}:{election}\n", i + 1);
                }
            }
            let config = data.join("zoo.cfg");
            std::fs::write(&config, cfg).unwrap();
            servers.push(Server {
                id,
                client_port,
                config,
                child: None,
            });
        }
        let mut ensemble = Ensemble { servers, _dir: dir };
        for i in 0..n as usize {
            ensemble.start_member(i);
        }
        ensemble.wait_serving(Duration::from_secs(60));
        ensemble
    }

    /// The connection string: `127.0.0.1:p1,127.0.0.1:p2,...`.
    pub fn servers(&self) -> String {
        self.servers
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A master URL for a driver: `zk://<servers><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("zk://{}{path}", self.servers())
    }

    /// A master URL with digest credentials: `zk://user:password@<servers><path>`.
    pub fn url_with_credentials(&self, user: &str, password: &str, path: &str) -> String {
        format!("zk://{user}:{password}@{}{path}", self.servers())
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// Starts member `i` (0-based) again after [`kill`](Self::kill), with its data.
    pub fn start_member(&mut self, i: usize) {
        let server = &mut self.servers[i];
        assert!(server.child.is_none(), "member {} is running", server.id);
        let mut classpath = jar();
        let log = std::env::var_os(LOG_VAR).is_some();
        if log {
            classpath += ":/usr/share/java/slf4j-simple.jar";
        }
        let mut cmd = Command::new("java");
        cmd.args([
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Dzookeeper.admin.enableServer=false",
            &format!("-Dzookeeper.fastleader.maxNotificationInterval={MAX_VOTE_PAUSE_MS}"),
            "-cp",
            &classpath,
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        ])
        .arg(&server.config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(if log { Stdio::inherit() } else { Stdio::null() });
        die_with_parent(&mut cmd);
        server.child = Some(cmd.spawn().expect("start a ZooKeeper server (java)"));
    }

    /// Kills member `i` with SIGKILL (no clean shutdown) and reaps it.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.servers[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether member `i` is running.
    pub fn running(&self, i: usize) -> bool {
        self.servers[i].child.is_some()
    }

    /// What member `i` says about itself (`leader`, `follower`, `standalone`), or `None`
    /// when it does not serve clients (down, or no quorum).
    pub fn mode(&self, i: usize) -> Option<String> {
        let reply = four_letter(self.servers[i].client_port, "srvr")?;
        reply
            .lines()
            .find_map(|l| l.strip_prefix("Mode: "))
            .map(|m| m.trim().to_owned())
    }

    /// The index of the ensemble's leader, if one serves.
    pub fn leader(&self) -> Option<usize> {
        (0..self.len()).find(|&i| self.mode(i).as_deref() == Some("leader"))
    }

    /// Waits until a member other than `old` leads the ensemble, and gives it. (Right after the
    /// old leader dies the others may still answer as followers, before they notice and elect.)
    pub fn wait_new_leader(&self, old: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            if let Some(leader) = self.leader().filter(|&l| l != old) {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "no new ZooKeeper leader within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until every running member serves clients.
    pub fn wait_serving(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let modes: Vec<_> = (0..self.len())
                .filter(|&i| self.running(i))
                .map(|i| self.mode(i))
                .collect();
            if modes.iter().all(Option::is_some) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "ZooKeeper not serving within {within:?}: {modes:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until no member serves clients (the ensemble has lost its quorum).
    pub fn wait_not_serving(&self, within: Duration) {
        let deadline = Instant::now() + within;
        while (0..self.len()).any(|i| self.mode(i).is_some()) {
            assert!(Instant::now() < deadline, "ZooKeeper still serving");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        for i in 0..self.len() {
            self.kill(i);
        }
    }
}

/// Has the child killed when the thread that spawned it ends (e.g. the test process dies),
/// so that no server outlives its test.
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; the closure touches nothing else.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Sends a four-letter command to a server and returns its answer.
fn four_letter(port: u16, cmd: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(cmd.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    (!out.is_empty() && !out.contains("not currently serving")).then_some(out)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The parts of a `zk://[user:password@]host:port[,host:port...]/path` URL.
#[derive(Debug, Clone, PartialEq)]
pub struct ZkUrl {
    /// `user:password` for the digest scheme, if any.
    pub credentials: Option<String>,
    /// The connection string.
    pub servers: String,
    /// The group path, e.g. `/mesos`.
    pub path: String,
}

impl ZkUrl {
    /// Parses a `zk://` URL.
    pub fn parse(url: &str) -> ZkUrl {
        let rest = url.strip_prefix("zk://").expect("a zk:// URL");
        let (credentials, rest) = match rest.split_once('@') {
            Some((c, r)) => (Some(c.to_owned()), r),
            None => (None, rest),
        };
        let at = rest.find('/').expect("a path in the zk:// URL");
        ZkUrl {
            credentials,
            servers: rest[..at].to_owned(),
            path: rest[at..].to_owned(),
        }
    }
}

/// A ZooKeeper session of the test (the `zookeeper-client` crate on a small tokio runtime).
pub struct ZkClient {
    runtime: tokio::runtime::Runtime,
    client: zkc::Client,
}

impl ZkClient {
    /// Connects to `servers` (authenticating with `digest` `credentials` if given), asking
    /// for a session of `session`.
    pub fn connect(servers: &str, credentials: Option<&str>, session: Duration) -> ZkClient {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("test-zk-client")
            .enable_all()
            .build()
            .unwrap();
        let client = runtime.block_on(async {
            let mut connector = zkc::Client::connector()
                .with_session_timeout(session)
                .with_connection_timeout(Duration::from_secs(2));
            if let Some(c) = credentials {
                connector = connector.with_auth("digest", c.as_bytes());
            }
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match connector.clone().connect(servers).await {
                    Ok(c) => break c,
                    Err(e) if Instant::now() < deadline => {
                        eprintln!("test ZooKeeper client: {e}; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(e) => panic!("cannot connect to ZooKeeper {servers}: {e}"),
                }
            }
        });
        ZkClient { runtime, client }
    }

    /// The negotiated session timeout.
    pub fn session_timeout(&self) -> Duration {
        self.client.session_timeout()
    }

    /// The children of `path`, sorted; `Err` with ZooKeeper's error (e.g. no node, no auth).
    pub fn children(&self, path: &str) -> Result<Vec<String>, zkc::Error> {
        let mut names = self.runtime.block_on(self.client.list_children(path))?;
        names.sort();
        Ok(names)
    }

    /// The data of `path`.
    pub fn data(&self, path: &str) -> Result<Vec<u8>, zkc::Error> {
        Ok(self.runtime.block_on(self.client.get_data(path))?.0)
    }

    /// The ACL of `path`, as `(scheme, id, permissions)`.
    pub fn acl(&self, path: &str) -> Result<Vec<(String, String, i32)>, zkc::Error> {
        let (acls, _) = self.runtime.block_on(self.client.get_acl(path))?;
        Ok(acls
            .iter()
            .map(|a| {
                let perms = [
                    zkc::Permission::READ,
                    zkc::Permission::WRITE,
                    zkc::Permission::CREATE,
                    zkc::Permission::DELETE,
                    zkc::Permission::ADMIN,
                ]
                .iter()
                .enumerate()
                .filter(|(_, p)| a.permission().has(**p))
                .map(|(i, _)| 1 << i)
                .sum();
                (a.scheme().to_owned(), a.id().to_owned(), perms)
            })
            .collect())
    }

    /// Creates `path` and its missing parents as persistent znodes; with `private`, readable
    /// and writable only by this session's identity (the `auth` scheme), else open to anyone.
    pub fn create_path(&self, path: &str, private: bool) {
        let acls = if private {
            zkc::Acls::creator_all()
        } else {
            zkc::Acls::anyone_all()
        };
        let options = zkc::CreateMode::Persistent.with_acls(acls);
        match self.runtime.block_on(self.client.mkdir(path, &options)) {
            Ok(()) | Err(zkc::Error::NodeExists) => {}
            Err(e) => panic!("create {path}: {e}"),
        }
    }

    /// The members of group `path` that are masters, as `(name, MasterInfo)`, in sequence
    /// order (the first is the leader).
    pub fn masters(&self, path: &str) -> Vec<(String, MasterInfo)> {
        let Ok(names) = self.children(path) else {
            return Vec::new();
        };
        names
            .into_iter()
            .filter(|n| n.starts_with(&format!("{MASTER_LABEL}_")))
            .filter_map(|n| {
                let data = self.data(&format!("{path}/{n}")).ok()?;
                let info = protobuf_json_mapping::parse_from_str::<MasterInfo>(
                    std::str::from_utf8(&data).ok()?,
                )
                .ok()?;
                Some((n, info))
            })
            .collect()
    }

    /// Announces `master` in group `path` as a Mesos master's contender does: the group
    /// znode with its parents (persistent), then an ephemeral sequential member
    /// `json.info_<sequence>` holding the `MasterInfo` as JSON; with credentials, the znodes
    /// are readable by anyone and writable by their creator only. Returns the member's path.
    pub fn announce(&self, path: &str, master: &MasterInfo, credentials: bool) -> String {
        let acl = if credentials {
            EVERYONE_READ_CREATOR_ALL
        } else {
            OPEN
        };
        let options = zkc::CreateMode::Persistent.with_acls(zkc::Acls::new(acl));
        match self.runtime.block_on(self.client.mkdir(path, &options)) {
            Ok(()) | Err(zkc::Error::NodeExists) => {}
            Err(e) => panic!("create the group {path}: {e}"),
        }
        let json = master_info_json(master);
        let options = zkc::CreateMode::EphemeralSequential.with_acls(zkc::Acls::new(acl));
        let member = format!("{path}/{MASTER_LABEL}_");
        let (_, sequence) = self
            .runtime
            .block_on(self.client.create(&member, json.as_bytes(), &options))
            .unwrap_or_else(|e| panic!("join the group {path}: {e}"));
        format!("{member}{sequence}")
    }

    /// Calls `lost` (on a thread of its own) once this session has expired, was closed or
    /// failed authentication: what makes a Mesos master give up its candidacy.
    pub fn on_session_lost(&self, lost: impl FnOnce(String) + Send + 'static) {
        let mut watcher = self.client.state_watcher();
        self.runtime.spawn(async move {
            loop {
                let state = watcher.changed().await;
                if state.is_terminated() {
                    lost(format!("{state:?}"));
                    return;
                }
            }
        });
    }
}

const EVERYONE_READ_CREATOR_ALL: &[zkc::Acl] = &[
    zkc::Acl::new_const(zkc::Permission::READ, "world", "anyone"),
    zkc::Acl::new_const(zkc::Permission::ALL, "auth", ""),
];
const OPEN: &[zkc::Acl] = &[zkc::Acl::new_const(zkc::Permission::ALL, "world", "anyone")];

/// `master` as the JSON a Mesos master writes into its member znode (field names as in
/// `mesos.proto`, enums by name).
pub fn master_info_json(master: &MasterInfo) -> String {
    let options = protobuf_json_mapping::PrintOptions {
        proto_field_name: true,
        ..Default::default()
    };
    protobuf_json_mapping::print_to_string_with_options(master, &options).unwrap()
}

/// The sequence number of a member name (`json.info_0000000003` -> 3).
pub fn sequence(name: &str) -> u32 {
    name.rsplit('_').next().unwrap().parse().unwrap()
}
