//! Shared test support: a local cluster per test process, a probe scheduler that turns
//! callbacks into events, and small HTTP reads of the local master's endpoints; the harness
//! of tests that run tasks ([`cluster`]) and of tests that host masters in child processes
//! ([`hosted`]).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};

/// When set, a directory holding Mesos' own `mesos-containerizer` and `mesos-executor`: every
/// test cluster's agents run them instead of this project's helpers (the conformance run).
pub const NATIVE_HELPERS_VAR: &str = "MESOS_RS_NATIVE_HELPERS";

/// Whose helper programs the test clusters' agents run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helpers {
    /// This project's (`mesos-launcher`, the dev kit's `libexec/mesos`).
    Ours,
    /// Mesos' own, from [`NATIVE_HELPERS_VAR`].
    Mesos,
}

/// Whose helpers the test clusters use in this run.
pub fn helpers() -> Helpers {
    if native_helpers_dir().is_some() {
        Helpers::Mesos
    } else {
        Helpers::Ours
    }
}

/// Mesos' own helpers, when this run is asked to use them.
pub fn native_helpers_dir() -> Option<std::path::PathBuf> {
    std::env::var_os(NATIVE_HELPERS_VAR)
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
}

/// The launcher directory of every test cluster: Mesos' own helpers when
/// [`NATIVE_HELPERS_VAR`] is set, else `MESOS_LAUNCHER_DIR` if the caller set it, else the
/// dev kit's (`None` only for a real installation, whose agent has its own default). Panics
/// with what to do when that directory lacks the programs: no test may pass (or skip) because
/// tasks cannot launch.
pub fn launcher_dir() -> Option<std::path::PathBuf> {
    let (dir, from) = match native_helpers_dir() {
        Some(dir) => (dir, NATIVE_HELPERS_VAR),
        None => match std::env::var_os("MESOS_LAUNCHER_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => (dir.into(), "MESOS_LAUNCHER_DIR"),
            None => (mesos::local::devkit_launcher_dir()?, "the dev kit"),
        },
    };
    for program in ["mesos-containerizer", "mesos-executor"] {
        assert!(
            dir.join(program).is_file(),
            "{} (from {from}) holds no {program}, so no task could launch: provision the dev \
             kit with its helper programs (python3 mesos-sys/devkit/provision.py) or point \
             {from} at a directory that has them",
            dir.display()
        );
    }
    Some(dir)
}

/// Points this process' standard output and error at a file until dropped. With Mesos' own
/// helpers, an agent in local mode hands each container its own standard output and error
/// (this process'), not the sandbox files: a test that reads a task's output catches it this
/// way while the helpers start, and whatever a container leaves behind then holds the file
/// rather than the test harness' pipes.
pub struct Redirect {
    saved: [i32; 2],
}

impl Redirect {
    /// Redirects both to `path` (appending).
    pub fn to(path: &std::path::Path) -> Redirect {
        use std::os::unix::io::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        let mut saved = [0; 2];
        for (i, fd) in [1, 2].into_iter().enumerate() {
            // SAFETY: duplicating this process' own standard descriptors; `file` is open
            // during the calls.
            unsafe {
                saved[i] = libc::dup(fd);
                assert!(saved[i] >= 0);
                assert_eq!(libc::dup2(file.as_raw_fd(), fd), fd);
            }
        }
        Redirect { saved }
    }
}

impl Drop for Redirect {
    fn drop(&mut self) {
        for (i, fd) in [1, 2].into_iter().enumerate() {
            // SAFETY: putting back the descriptors saved in `to`, then closing the copies.
            unsafe {
                libc::dup2(self.saved[i], fd);
                libc::close(self.saved[i]);
            }
        }
    }
}

/// A fresh local cluster configuration for this test process. Keep the returned dir alive.
/// Its agents run the helpers of [`launcher_dir`]; this project's are asked to send task
/// output to the sandbox files (as a real agent does), so it does not mix with the test's.
pub fn local_cluster(resources: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    // Environment set before libmesos starts (each test is its own process under nextest).
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_WORK_DIR", work.path());
    std::env::set_var("MESOS_LAUNCHER", "posix");
    if let Some(dir) = launcher_dir() {
        std::env::set_var("MESOS_LAUNCHER_DIR", &dir);
        if helpers() == Helpers::Ours {
            std::env::set_var("MESOS_CONTAINERIZER_SANDBOX_STDIO", "true");
        }
    }
    std::env::set_var("MESOS_RESOURCES", resources);
    std::env::set_var("MESOS_LOGGING_LEVEL", "ERROR");
    std::env::set_var("GLOG_minloglevel", "2");
    std::env::set_var("MESOS_QUIET", "true");
    for (k, v) in extra {
        std::env::set_var(k, v);
    }
    work
}

/// A minimal FrameworkInfo (the user is filled in by libmesos).
pub fn framework(name: &str) -> FrameworkInfo {
    let mut f = FrameworkInfo::new();
    f.set_user(String::new());
    f.set_name(name.into());
    f
}

/// Forwards every callback as a [`SchedulerEvent`].
pub struct Probe(pub Sender<SchedulerEvent>);

impl Scheduler for Probe {
    fn registered(
        &mut self,
        _: &SchedulerDriver,
        framework_id: &FrameworkID,
        master_info: &MasterInfo,
    ) {
        let _ = self.0.send(SchedulerEvent::Registered {
            framework_id: framework_id.clone(),
            master_info: master_info.clone(),
        });
    }
    fn reregistered(&mut self, _: &SchedulerDriver, master_info: &MasterInfo) {
        let _ = self.0.send(SchedulerEvent::Reregistered {
            master_info: master_info.clone(),
        });
    }
    fn disconnected(&mut self, _: &SchedulerDriver) {
        let _ = self.0.send(SchedulerEvent::Disconnected);
    }
    fn resource_offers(&mut self, _: &SchedulerDriver, offers: &[Offer]) {
        let _ = self.0.send(SchedulerEvent::ResourceOffers {
            offers: offers.to_vec(),
        });
    }
    fn offer_rescinded(&mut self, _: &SchedulerDriver, offer_id: &OfferID) {
        let _ = self.0.send(SchedulerEvent::OfferRescinded {
            offer_id: offer_id.clone(),
        });
    }
    fn status_update(&mut self, _: &SchedulerDriver, status: &TaskStatus) {
        let _ = self.0.send(SchedulerEvent::StatusUpdate {
            status: status.clone(),
        });
    }
    fn framework_message(&mut self, _: &SchedulerDriver, e: &ExecutorID, s: &SlaveID, data: &[u8]) {
        let _ = self.0.send(SchedulerEvent::FrameworkMessage {
            executor_id: e.clone(),
            slave_id: s.clone(),
            data: data.to_vec(),
        });
    }
    fn slave_lost(&mut self, _: &SchedulerDriver, slave_id: &SlaveID) {
        let _ = self.0.send(SchedulerEvent::SlaveLost {
            slave_id: slave_id.clone(),
        });
    }
    fn executor_lost(&mut self, _: &SchedulerDriver, e: &ExecutorID, s: &SlaveID, status: i32) {
        let _ = self.0.send(SchedulerEvent::ExecutorLost {
            executor_id: e.clone(),
            slave_id: s.clone(),
            status,
        });
    }
    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        let _ = self.0.send(SchedulerEvent::Error {
            message: message.into(),
        });
    }
}

/// The receiving side of a [`Probe`], with timestamps.
pub struct Events {
    rx: Receiver<SchedulerEvent>,
    pub log: Vec<(Instant, SchedulerEvent)>,
}

pub fn probe() -> (Probe, Events) {
    let (tx, rx) = channel();
    (
        Probe(tx),
        Events {
            rx,
            log: Vec::new(),
        },
    )
}

impl Events {
    /// Events sent by another scheduler through `tx` of `channel()`.
    pub fn from_receiver(rx: Receiver<SchedulerEvent>) -> Events {
        Events {
            rx,
            log: Vec::new(),
        }
    }

    /// Waits for the next event (after those already taken) that `pred` accepts.
    pub fn wait_for<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pred: impl FnMut(&SchedulerEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(e) => {
                    let r = pred(&e);
                    self.log.push((Instant::now(), e));
                    if let Some(t) = r {
                        return t;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "timed out after {timeout:?} waiting for {what}; seen: {:#?}",
                        self.kinds()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("driver gone while waiting for {what}")
                }
            }
        }
    }

    /// Collects events for `d`, returning those `pred` accepts.
    pub fn during<T>(
        &mut self,
        d: Duration,
        mut pred: impl FnMut(&SchedulerEvent) -> Option<T>,
    ) -> Vec<T> {
        let deadline = Instant::now() + d;
        let mut out = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(e) => {
                    if let Some(t) = pred(&e) {
                        out.push(t);
                    }
                    self.log.push((Instant::now(), e));
                }
                Err(_) => break,
            }
        }
        out
    }

    fn kinds(&self) -> Vec<String> {
        self.log
            .iter()
            .map(|(_, e)| format!("{e:?}").chars().take(160).collect())
            .collect()
    }
}

pub fn registered(events: &mut Events) -> (FrameworkID, MasterInfo) {
    events.wait_for(Duration::from_secs(30), "registered", |e| match e {
        SchedulerEvent::Registered {
            framework_id,
            master_info,
        } => Some((framework_id.clone(), master_info.clone())),
        _ => None,
    })
}

pub fn next_offers(events: &mut Events) -> Vec<Offer> {
    events.wait_for(Duration::from_secs(30), "offers", |e| match e {
        SchedulerEvent::ResourceOffers { offers } if !offers.is_empty() => Some(offers.clone()),
        _ => None,
    })
}

pub fn next_update(
    events: &mut Events,
    what: &str,
    mut pred: impl FnMut(&TaskStatus) -> bool,
) -> TaskStatus {
    events.wait_for(Duration::from_secs(60), what, |e| match e {
        SchedulerEvent::StatusUpdate { status } if pred(status) => Some(status.clone()),
        _ => None,
    })
}

/// Waits for the terminal update of each of `tasks` on a driver with explicit
/// acknowledgements, acknowledging every earlier update of theirs on the way and leaving the
/// terminal ones unacknowledged. (The agent sends a task's next update only once the one
/// before was acknowledged, so without that a task that really ran never gets past its first
/// update, `TASK_STARTING`.)
pub fn terminal_updates(
    driver: &SchedulerDriver,
    events: &mut Events,
    tasks: &[&str],
) -> std::collections::BTreeMap<String, TaskStatus> {
    let mut ended = std::collections::BTreeMap::new();
    while ended.len() < tasks.len() {
        let s = next_update(events, "terminal updates", |s| {
            tasks.contains(&s.task_id.value()) && !ended.contains_key(s.task_id.value())
        });
        if s.is_terminal() {
            ended.insert(s.task_id.value().to_owned(), s);
        } else if s.has_uuid() {
            driver.acknowledge_status_update(&s).unwrap();
        }
    }
    ended
}

/// `ip:port` of a master, as the crate reads it (`MasterInfo::socket_addr`).
pub fn master_address(m: &MasterInfo) -> String {
    m.socket_addr()
        .unwrap_or_else(|| panic!("no address in the master's MasterInfo: {m:?}"))
        .to_string()
}

/// GET an endpoint of the master (e.g. `/metrics/snapshot`, `/master/state`) and return the body.
pub fn http_get(master: &str, path: &str) -> String {
    http_request(
        master,
        &format!("GET {path} HTTP/1.0\r\nHost: {master}\r\nAccept: application/json\r\n\r\n"),
    )
}

/// Sends `request` (HTTP/1.0, whole) to `master` and returns the response body.
fn http_request(master: &str, request: &str) -> String {
    let mut s = TcpStream::connect(master).expect("connect to master");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    match text.split_once("\r\n\r\n") {
        Some((_, body)) => body.to_owned(),
        None => text,
    }
}

/// POST `body` as JSON to an endpoint of the master (e.g. the operator API, `/api/v1`) and
/// return the response body.
pub fn http_post_json(master: &str, path: &str, body: &str) -> String {
    http_request(
        master,
        &format!(
            "POST {path} HTTP/1.0\r\nHost: {master}\r\nContent-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// A numeric value of `/metrics/snapshot`.
pub fn metric(master: &str, name: &str) -> f64 {
    metrics(master, &[name])[0]
}

/// Several values of one `/metrics/snapshot` (each snapshot takes the master a while).
pub fn metrics(master: &str, names: &[&str]) -> Vec<f64> {
    let body = http_get(master, "/metrics/snapshot");
    // Parsed as JSON: masters before 1.7 write the '/' in the names as "\/".
    let snapshot: serde_json::Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("/metrics/snapshot is not JSON ({e}): {body}"));
    names
        .iter()
        .map(|name| {
            snapshot[name]
                .as_f64()
                .unwrap_or_else(|| panic!("metric {name} not in {body}"))
        })
        .collect()
}

/// A local cluster whose master requires CRAM-MD5 authentication, with one credential:
/// principal `alice`, secret `right` (in a file in the work directory). Keep the dir alive.
pub fn auth_cluster() -> tempfile::TempDir {
    let work = local_cluster(
        "cpus:1;mem:128",
        &[("MESOS_AUTHENTICATE_FRAMEWORKS", "true")],
    );
    let creds = work.path().join("credentials.json");
    std::fs::write(
        &creds,
        r#"{"credentials":[{"principal":"alice","secret":"right"}]}"#,
    )
    .unwrap();
    std::env::set_var("MESOS_CREDENTIALS", &creds);
    work
}

/// A credential for principal `alice` with `secret`.
pub fn credential(secret: &str) -> Credential {
    let mut c = Credential::new();
    c.set_principal("alice".into());
    c.set_secret(secret.into());
    c
}

pub fn scalar(offer: &Offer, name: &str) -> f64 {
    offer
        .resources
        .iter()
        .filter(|r| r.name() == name)
        .map(|r| r.scalar.value())
        .sum()
}

pub fn task(name: &str, offer: &Offer, cpus: f64, command: &str) -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name(name.into());
    t.task_id.mut_or_insert_default().set_value(name.into());
    t.slave_id = offer.slave_id.clone();
    let mut r = Resource::new();
    r.set_name("cpus".into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(cpus);
    t.resources.push(r);
    t.command.mut_or_insert_default().set_value(command.into());
    t
}

pub fn tid(v: &str) -> TaskID {
    let mut id = TaskID::new();
    id.set_value(v.into());
    id
}

pub fn oid(v: &str) -> OfferID {
    let mut id = OfferID::new();
    id.set_value(v.into());
    id
}

pub fn filters(refuse_seconds: f64) -> Filters {
    let mut f = Filters::new();
    f.set_refuse_seconds(refuse_seconds);
    f
}

/// Declines every offer in `offers` with `refuse_seconds`.
pub fn decline_all(driver: &SchedulerDriver, offers: &[Offer], refuse_seconds: f64) {
    for o in offers {
        driver
            .decline_offer(&o.id, Some(&filters(refuse_seconds)))
            .unwrap();
    }
}

pub fn offers_event(e: &SchedulerEvent) -> Option<Vec<Offer>> {
    match e {
        SchedulerEvent::ResourceOffers { offers } if !offers.is_empty() => Some(offers.clone()),
        _ => None,
    }
}

/// Launches `tasks` on `offer`.
pub fn launch(driver: &SchedulerDriver, offer: &Offer, tasks: &[TaskInfo]) {
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], tasks, None)
        .unwrap();
}

/// A `tracing` writer that appends to a shared buffer: what the crate logged.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Makes a subscriber with `filter` (e.g. `"mesos=trace"`) that writes into a fresh
    /// capture the global default of this test process.
    pub fn install(filter: &str) -> Capture {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        capture
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

pub mod cluster;
pub mod hosted;
pub mod netns;
pub mod zk;

/// Starts a framework whose only job is to bring up (host) the local cluster: it takes no
/// offers. From Mesos 1.9 on it starts with its role suppressed; older releases cannot do that,
/// so it suppresses itself once registered and declines, for an hour, what it was offered
/// before. Returns once it is registered.
pub fn start_host(info: FrameworkInfo) -> (SchedulerDriver, Events, MasterInfo) {
    let (probe, mut events) = probe();
    let role_calls = mesos::libmesos_version().has_role_offer_calls();
    let mut builder = SchedulerDriver::builder(info, "local");
    if role_calls {
        builder = builder.suppressed_roles(["*"]);
    }
    let driver = builder.build(probe).unwrap();
    driver.start().unwrap();
    let (_, master) = registered(&mut events);
    if !role_calls {
        driver.suppress_offers().unwrap();
        for offers in events.during(std::time::Duration::from_millis(500), offers_event) {
            decline_all(&driver, &offers, 3600.0);
        }
    }
    (driver, events, master)
}

/// Starts a framework of principal `alice` on the master "local" with the credential `secret`
/// (see [`auth_cluster`]).
pub fn start_authenticated(name: &str, secret: &str) -> (SchedulerDriver, Events) {
    let (probe, events) = probe();
    let mut info = framework(name);
    info.set_principal("alice".into());
    let driver = SchedulerDriver::builder(info, "local")
        .credential(credential(secret))
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    (driver, events)
}

/// Names of the connection events seen so far.
pub fn connection_events(events: &Events) -> Vec<&'static str> {
    events
        .log
        .iter()
        .filter_map(|(_, e)| match e {
            SchedulerEvent::Registered { .. } => Some("registered"),
            SchedulerEvent::Reregistered { .. } => Some("reregistered"),
            SchedulerEvent::Disconnected => Some("disconnected"),
            SchedulerEvent::Error { .. } => Some("error"),
            _ => None,
        })
        .collect()
}

/// Waits until `cond` holds, polling every 20 ms; fails naming `what` after 30 s. For state
/// that another process reaches in its own time (a master noticing a disconnection): a
/// fixed sleep before one read is too short on a loaded machine.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
