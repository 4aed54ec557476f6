//! A small job-queue framework built on the toolkit (`mesos::toolkit`): reconciliation, offer
//! management and placement together, on libmesos' in-process local cluster with 3 agents.
//!
//! ```text
//! cargo run --example job_queue -- [--jobs N] [--restart-after K] [--command CMD]
//!                                  [--state-dir DIR] [--timeout-secs S] [--verbose]
//! ```
//!
//! N jobs (default 24) of three kinds, each with its own resource needs and constraints, are
//! placed on offers by bin packing. The scheduler keeps what it must not forget in a state
//! directory: its FrameworkID (a file) and its task store (a file-backed
//! `mesos::toolkit::TaskStore`; a task is written there *before* it is launched). Once K jobs
//! are done (default N / 3), right after launching a batch, the scheduler "crashes": its
//! driver is aborted and dropped with all its memory. A new scheduler starts from the state
//! directory, registers under the same FrameworkID, reconciles the tasks it believes alive,
//! and carries on; no job is launched twice (a job is launched again only if the master
//! says it never heard of its task). The program exits once every job is done, printing one
//! summary line, and fails (exit status 1) if a job ran twice or did not end.
//!
//! Each job is a command task (`sleep 1` unless `--command` says otherwise), which the local
//! cluster runs under the kit's command executor and which ends `TASK_FINISHED`. A job is
//! "done" when its task ended, whatever the state (the summary counts the states).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mesos::ids;
use mesos::local::LocalCluster;
use mesos::task_status::is_terminal;
use mesos::toolkit::placement::{AgentView, Constraint, Existing, Field, Placer, Strategy};
use mesos::toolkit::{
    OfferConfig, OfferManager, ReconcileConfig, ReconcileStats, Reconciler, StoreError, TaskRecord,
    TaskRequest, TaskStore, Ticker, UpdateKind,
};
use mesos::types::*;
use mesos::{Scheduler, SchedulerDriver};
use protobuf::Enum;

const AGENTS: u32 = 3;
const AGENT_RESOURCES: &str = "cpus:2;mem:512;ports:[31000-31009]";
const ROLE: &str = "*";

// ---------------------------------------------------------------------------------------------
// The jobs
// ---------------------------------------------------------------------------------------------

/// The task of attempt `attempt` of job `job`.
fn task_id_of(job: usize, attempt: u32) -> String {
    format!("job-{job}-{attempt}")
}

/// What job `job` needs, by kind: batch jobs anywhere; web jobs need a port and at most one
/// per agent; analytics jobs need zone "a" and are spread evenly over the agents.
fn request(job: usize, attempt: u32) -> TaskRequest {
    let id = task_id_of(job, attempt);
    match job % 3 {
        0 => TaskRequest::new(id).group("batch").cpus(0.5).mem(64.0),
        1 => TaskRequest::new(id)
            .group("web")
            .cpus(0.25)
            .mem(32.0)
            .ports(1)
            .constraint(Constraint::unique(Field::Agent)),
        _ => TaskRequest::new(id)
            .group("analytics")
            .cpus(0.5)
            .mem(128.0)
            .constraint(Constraint::attribute_equals("zone", "a"))
            .constraint(Constraint::GroupBy {
                field: Field::Agent,
            }),
    }
}

/// What a task record keeps besides the task: its job, attempt and group.
fn payload(job: usize, attempt: u32, group: &str) -> Vec<u8> {
    format!("{job} {attempt} {group}").into_bytes()
}

fn parse_payload(p: &[u8]) -> Option<(usize, u32, String)> {
    let text = std::str::from_utf8(p).ok()?;
    let mut parts = text.split(' ');
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.to_owned(),
    ))
}

// ---------------------------------------------------------------------------------------------
// A task store in a file
// ---------------------------------------------------------------------------------------------

/// Every record in memory, the whole file rewritten (to a temporary file, then renamed) on
/// every change. One line per task: ID, agent, state number, uuids (hex, comma-separated),
/// payload, separated by tabs.
struct FileTaskStore {
    path: PathBuf,
    records: BTreeMap<String, TaskRecord>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl FileTaskStore {
    fn open(path: PathBuf) -> Result<FileTaskStore, StoreError> {
        let mut records = BTreeMap::new();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(StoreError::with_source(
                    format!("reading {}", path.display()),
                    e,
                ))
            }
        };
        for (n, line) in text.lines().enumerate() {
            let bad = || StoreError::new(format!("{} line {}: malformed", path.display(), n + 1));
            let f: Vec<&str> = line.split('\t').collect();
            let [id, agent, state, uuids, payload] = f[..] else {
                return Err(bad());
            };
            let state = state
                .parse::<i32>()
                .ok()
                .and_then(TaskState::from_i32)
                .ok_or_else(bad)?;
            let mut record = TaskRecord::new(ids::task_id(id), state)
                .with_payload(unhex(payload).ok_or_else(bad)?);
            record.agent_id = (!agent.is_empty()).then(|| ids::agent_id(agent));
            for u in uuids.split(',').filter(|u| !u.is_empty()) {
                record.recent_uuids.push(unhex(u).ok_or_else(bad)?);
            }
            records.insert(id.to_owned(), record);
        }
        Ok(FileTaskStore { path, records })
    }

    fn flush(&self) -> Result<(), StoreError> {
        let mut text = String::new();
        for r in self.records.values() {
            let uuids: Vec<String> = r.recent_uuids.iter().map(|u| hex(u)).collect();
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                r.task_id.value(),
                r.agent_id.as_ref().map_or("", |a| a.value()),
                r.state.value(),
                uuids.join(","),
                hex(&r.payload)
            ));
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| StoreError::with_source(format!("writing {}", self.path.display()), e))
    }
}

impl TaskStore for FileTaskStore {
    fn load(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        Ok(self.records.get(task_id).cloned())
    }
    fn save(&mut self, record: &TaskRecord) -> Result<(), StoreError> {
        self.records
            .insert(record.task_id.value().to_owned(), record.clone());
        self.flush()
    }
    fn remove(&mut self, task_id: &str) -> Result<(), StoreError> {
        if self.records.remove(task_id).is_some() {
            self.flush()?;
        }
        Ok(())
    }
    fn all(&self) -> Result<Vec<TaskRecord>, StoreError> {
        Ok(self.records.values().cloned().collect())
    }
}

// ---------------------------------------------------------------------------------------------
// The scheduler
// ---------------------------------------------------------------------------------------------

/// What the scheduler tells `main`.
enum Note {
    Registered(String),
    /// Time to simulate a crash (done so far, in flight).
    Crash(usize, usize),
    AllDone,
    Failed(String),
}

/// One incarnation of the scheduler: everything it knows, rebuilt from the state directory.
struct Queue {
    jobs: usize,
    command: String,
    state_dir: PathBuf,
    reconciler: Reconciler<FileTaskStore>,
    offers: OfferManager,
    placer: Placer,
    /// Jobs to launch, with the attempt to launch.
    pending: BTreeMap<usize, u32>,
    /// Tasks believed alive: ID to (job, where it runs).
    running: BTreeMap<String, (usize, Existing)>,
    /// Jobs done, with the final state of their task.
    done: BTreeMap<usize, TaskState>,
    /// Crash once this many jobs are done (first incarnation only).
    crash_after: Option<usize>,
    crashed: bool,
    agents_used: BTreeSet<String>,
    orphans_killed: usize,
    notes: Sender<Note>,
    verbose: bool,
}

impl Queue {
    fn load(
        jobs: usize,
        command: &str,
        state_dir: &Path,
        crash_after: Option<usize>,
        notes: Sender<Note>,
        verbose: bool,
    ) -> Result<Queue, StoreError> {
        let store = FileTaskStore::open(state_dir.join("tasks"))?;
        let mut pending: BTreeMap<usize, u32> = (0..jobs).map(|j| (j, 1)).collect();
        let mut running = BTreeMap::new();
        let mut done = BTreeMap::new();
        let mut agents_used = BTreeSet::new();
        for r in store.all()? {
            let Some((job, _attempt, group)) = parse_payload(&r.payload) else {
                return Err(StoreError::new(format!(
                    "task {} has no job",
                    r.task_id.value()
                )));
            };
            pending.remove(&job);
            if let Some(agent) = &r.agent_id {
                agents_used.insert(agent.value().to_owned());
            }
            if is_terminal(r.state) {
                done.insert(job, r.state);
            } else {
                let existing = Existing {
                    group,
                    agent: AgentView {
                        agent_id: r
                            .agent_id
                            .as_ref()
                            .map_or(String::new(), |a| a.value().to_owned()),
                        ..AgentView::default()
                    },
                };
                running.insert(r.task_id.value().to_owned(), (job, existing));
            }
        }
        let reconcile = ReconcileConfig::default()
            .retry(Duration::from_millis(500), Duration::from_secs(8))
            .implicit_interval(Some(Duration::from_secs(30)));
        let offers = OfferConfig::default()
            .refuse(Duration::from_secs(60), Duration::from_millis(500))
            .max_hold(Duration::from_millis(500))
            .suppress_when_idle(true, Duration::from_millis(500))
            .revive_interval(Duration::from_millis(200), Duration::from_secs(5));
        Ok(Queue {
            jobs,
            command: command.to_owned(),
            state_dir: state_dir.to_owned(),
            reconciler: Reconciler::new(store, reconcile),
            offers: OfferManager::new(offers),
            placer: Placer::new(Strategy::BinPack),
            pending,
            running,
            done,
            crash_after,
            crashed: false,
            agents_used,
            orphans_killed: 0,
            notes,
            verbose,
        })
    }

    fn fail(&self, what: impl std::fmt::Display) {
        let _ = self.notes.send(Note::Failed(what.to_string()));
    }

    fn log(&self, what: impl std::fmt::Display) {
        if self.verbose {
            eprintln!("job_queue: {what}");
        }
    }

    /// Places pending jobs on the offers held and launches them.
    fn place(&mut self, driver: &SchedulerDriver) {
        let now = Instant::now();
        if !self.pending.is_empty() && !self.offers.held().is_empty() {
            let order: Vec<(usize, u32)> = self.pending.iter().map(|(&j, &a)| (j, a)).collect();
            let requests: Vec<TaskRequest> = order.iter().map(|&(j, a)| request(j, a)).collect();
            let existing: Vec<Existing> = self.running.values().map(|(_, e)| e.clone()).collect();
            let plan = self
                .placer
                .plan(&requests, &self.offers.offers(), &existing);
            let mut launched = 0;
            for launch in &plan.launches {
                let mut tasks = Vec::new();
                for a in &launch.tasks {
                    let (job, attempt) = order[a.request];
                    let task = launch
                        .task_info(a, format!("job {job}"))
                        .with_command(ids::command_info(self.command.clone()));
                    // Write the task down before launching it.
                    if let Err(e) =
                        self.reconciler
                            .launching(&task, payload(job, attempt, &a.group), now)
                    {
                        return self.fail(e);
                    }
                    tasks.push((job, task, a.group.clone()));
                }
                let infos: Vec<TaskInfo> = tasks.iter().map(|(_, t, _)| t.clone()).collect();
                let mut refuse = Filters::new();
                refuse.set_refuse_seconds(0.5);
                if let Err(e) = self.offers.launch(
                    driver,
                    std::slice::from_ref(&launch.offer_id),
                    &infos,
                    Some(&refuse),
                ) {
                    return self.fail(e);
                }
                self.agents_used.insert(launch.agent.agent_id.clone());
                for (job, task, group) in tasks {
                    launched += 1;
                    let existing = Existing {
                        group,
                        agent: launch.agent.clone(),
                    };
                    self.running
                        .insert(task.task_id.value().to_owned(), (job, existing));
                }
            }
            let running_jobs: BTreeSet<usize> = self.running.values().map(|(j, _)| *j).collect();
            self.pending.retain(|job, _| !running_jobs.contains(job));
            if launched > 0 {
                self.log(format!(
                    "launched {launched} tasks; {} pending, {} running, {} done",
                    self.pending.len(),
                    self.running.len(),
                    self.done.len()
                ));
                self.maybe_crash();
            }
        }
        self.offers.set_pending(ROLE, !self.pending.is_empty(), now);
        if let Err(e) = self.offers.tick(driver, now) {
            self.fail(e);
        }
    }

    /// The first incarnation "crashes" right after a launch once enough jobs are done, so
    /// that tasks are in flight when it dies (or, if nothing is left to launch, as soon as
    /// enough are done).
    fn maybe_crash(&mut self) {
        if let Some(k) = self.crash_after {
            if !self.crashed && self.done.len() >= k && !self.running.is_empty() {
                self.crashed = true;
                let _ = self
                    .notes
                    .send(Note::Crash(self.done.len(), self.running.len()));
            }
        }
    }

    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        if self.crashed {
            // Dead already: this incarnation neither records nor acknowledges anything more.
            return;
        }
        let id = status.task_id.value().to_owned();
        let classified = match self.reconciler.status_update(status, Instant::now()) {
            Ok(c) => c,
            Err(e) => return self.fail(e),
        };
        match classified.kind {
            UpdateKind::New if status.is_terminal() => {
                if let Some((job, _)) = self.running.remove(&id) {
                    self.done.insert(job, status.state());
                    self.log(format!("job {job} ended {:?}", status.state()));
                }
            }
            UpdateKind::Unknown => {
                // The master never ran it: launch the job again under a new task ID.
                if let Some((job, _)) = self.running.remove(&id) {
                    let attempt = id
                        .rsplit('-')
                        .next()
                        .and_then(|a| a.parse::<u32>().ok())
                        .unwrap_or(1);
                    self.pending.insert(job, attempt + 1);
                    self.log(format!(
                        "{id} is unknown to the master: job {job} queued again"
                    ));
                }
                if let Err(e) = self.reconciler.forget(&id) {
                    return self.fail(e);
                }
            }
            UpdateKind::Orphan => {
                // Not ours (any more): make sure it does not run.
                let _ = driver.kill_task(&ids::task_id(id.clone()));
                self.orphans_killed += 1;
            }
            _ => {}
        }
        // Acknowledge only once the update is recorded (the reconciler wrote it to the
        // store): an update acknowledged and then lost would be lost for good.
        if let Err(e) = driver.acknowledge_status_update(status) {
            return self.fail(e);
        }
        if self.done.len() == self.jobs {
            let _ = self.notes.send(Note::AllDone);
        } else if self.pending.is_empty() {
            self.maybe_crash();
        }
        self.offers
            .set_pending(ROLE, !self.pending.is_empty(), Instant::now());
    }
}

/// The `Scheduler`: every callback locks the queue (the ticker shares it).
struct QueueScheduler(Arc<Mutex<Queue>>);

fn lock(q: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    q.lock().unwrap_or_else(|p| p.into_inner())
}

impl Scheduler for QueueScheduler {
    fn registered(&mut self, driver: &SchedulerDriver, id: &FrameworkID, _: &MasterInfo) {
        let mut q = lock(&self.0);
        if let Err(e) = std::fs::write(q.state_dir.join("framework_id"), id.value()) {
            return q.fail(format!("cannot save the FrameworkID: {e}"));
        }
        let now = Instant::now();
        q.offers.registered(now);
        if let Err(e) = q.reconciler.registered(driver, now) {
            q.fail(e);
        }
        let _ = q.notes.send(Note::Registered(id.value().to_owned()));
    }
    fn reregistered(&mut self, driver: &SchedulerDriver, _: &MasterInfo) {
        let mut q = lock(&self.0);
        let now = Instant::now();
        q.offers.reregistered(now);
        if let Err(e) = q.reconciler.registered(driver, now) {
            q.fail(e);
        }
    }
    fn disconnected(&mut self, _: &SchedulerDriver) {
        let mut q = lock(&self.0);
        q.offers.disconnected();
        q.reconciler.disconnected();
    }
    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        let mut q = lock(&self.0);
        if q.crashed {
            return;
        }
        q.offers.add(offers, Instant::now());
        q.place(driver);
    }
    fn offer_rescinded(&mut self, _: &SchedulerDriver, offer_id: &OfferID) {
        lock(&self.0).offers.rescinded(offer_id);
    }
    fn status_update(&mut self, driver: &SchedulerDriver, status: &TaskStatus) {
        lock(&self.0).status_update(driver, status);
    }
    fn error(&mut self, _: &SchedulerDriver, message: &str) {
        lock(&self.0).fail(format!("libmesos: {message}"));
    }
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

/// Keeps the local cluster up while schedulers come and go (it takes no offers).
struct ClusterHost(Sender<MasterInfo>);

impl Scheduler for ClusterHost {
    fn registered(&mut self, driver: &SchedulerDriver, _: &FrameworkID, master: &MasterInfo) {
        if !mesos::libmesos_version().has_role_offer_calls() {
            // Before Mesos 1.9 a driver cannot start with its role suppressed: suppress now
            // (the whole framework, which has that one role).
            let _ = driver.suppress_offers();
        }
        let _ = self.0.send(master.clone());
    }

    fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
        // Only before the suppression above took effect: give them back to the queue.
        for offer in offers {
            let _ = driver.decline_offer(&offer.id, None);
        }
    }
}

/// Task IDs of this framework the master knows (running or completed), from `/master/tasks`.
fn master_task_ids(master: &str, framework_id: &str) -> Result<BTreeSet<String>, String> {
    let mut s = TcpStream::connect(master).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET /master/tasks?limit=100000 HTTP/1.0\r\nHost: {master}\r\nAccept: application/json\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut body = String::new();
    s.read_to_string(&mut body).map_err(|e| e.to_string())?;
    let mut found = BTreeSet::new();
    // Each task object starts with its id and carries the framework id.
    for chunk in body.split("{\"id\":\"").skip(1) {
        let Some(end) = chunk.find('"') else { continue };
        let next_task = chunk.find("{\"id\":\"").unwrap_or(chunk.len());
        if chunk[..next_task].contains(&format!("\"framework_id\":\"{framework_id}\"")) {
            found.insert(chunk[..end].to_owned());
        }
    }
    Ok(found)
}

struct Args {
    jobs: usize,
    restart_after: usize,
    command: String,
    state_dir: Option<PathBuf>,
    timeout: Duration,
    verbose: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        jobs: 24,
        restart_after: usize::MAX,
        command: "sleep 1".into(),
        state_dir: None,
        timeout: Duration::from_secs(50),
        verbose: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--jobs" => args.jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--restart-after" => {
                args.restart_after = value()?
                    .parse()
                    .map_err(|e| format!("--restart-after: {e}"))?
            }
            "--command" => args.command = value()?,
            "--state-dir" => args.state_dir = Some(value()?.into()),
            "--timeout-secs" => {
                args.timeout = Duration::from_secs(
                    value()?
                        .parse()
                        .map_err(|e| format!("--timeout-secs: {e}"))?,
                )
            }
            "--verbose" => args.verbose = true,
            _ => {
                return Err(format!(
                    "unknown argument {a}\nusage: job_queue [--jobs N] [--restart-after K] \
                     [--command CMD] [--state-dir DIR] [--timeout-secs S] [--verbose]"
                ))
            }
        }
    }
    if args.jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    if args.restart_after == usize::MAX {
        args.restart_after = args.jobs / 3;
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("job_queue: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let t0 = Instant::now();
    let deadline = t0 + args.timeout;
    let temp;
    let state_dir = match &args.state_dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            d.clone()
        }
        None => {
            temp = std::env::temp_dir().join(format!("job-queue-{}", std::process::id()));
            std::fs::create_dir_all(&temp).map_err(|e| e.to_string())?;
            temp
        }
    };
    let cluster = LocalCluster::new()
        .agents(AGENTS)
        .resources(AGENT_RESOURCES)
        .env("MESOS_ALLOCATION_INTERVAL", "100ms")
        .env("MESOS_ATTRIBUTES", "zone:a");
    if args.verbose && std::env::var_os(mesos::logging::LIBMESOS_LOG_ENV).is_none() {
        // libmesos' own log lines on stderr too (by default they go to `tracing` only).
        std::env::set_var(mesos::logging::LIBMESOS_LOG_ENV, "stderr:warning");
    }
    let _cluster = cluster
        .apply()
        .map_err(|e| format!("cannot prepare the local cluster: {e}"))?;
    let (tx, rx) = channel();
    let mut host = SchedulerDriver::builder(ids::framework_info("", "job-queue cluster"), "local");
    if mesos::libmesos_version().has_role_offer_calls() {
        host = host.suppressed_roles([ROLE]);
    }
    let host = host.build(ClusterHost(tx)).map_err(|e| e.to_string())?;
    host.start().map_err(|e| e.to_string())?;
    // Ctrl-C or SIGTERM stops the host and the current scheduler (no failover: its tasks are
    // killed), and the program ends normally, so the local cluster's work directory goes.
    let signals = mesos::shutdown::stop_on_signals(&host, false).map_err(|e| e.to_string())?;
    let master = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the local cluster did not come up".to_owned())?;
    let master = master
        .socket_addr()
        .ok_or("the local cluster's master gave no address")?
        .to_string();

    let mut incarnations = 0;
    let mut framework_id = String::new();
    let mut after_restart = ReconcileStats::default();
    let mut crash_note = String::new();
    let final_queue = loop {
        incarnations += 1;
        let (notes, inbox) = channel();
        let crash_after =
            (incarnations == 1 && args.restart_after < args.jobs).then_some(args.restart_after);
        let queue = Queue::load(
            args.jobs,
            &args.command,
            &state_dir,
            crash_after,
            notes,
            args.verbose,
        )
        .map_err(|e| e.to_string())?;
        let queue = Arc::new(Mutex::new(queue));
        let mut info = ids::framework_info("", "job-queue");
        info.set_failover_timeout(120.0);
        if let Ok(id) = std::fs::read_to_string(state_dir.join("framework_id")) {
            info.id = Some(ids::framework_id(id.trim())).into();
        }
        let driver = SchedulerDriver::builder(info, master.clone())
            .implicit_acknowledgements(false)
            .build(QueueScheduler(queue.clone()))
            .map_err(|e| e.to_string())?;
        signals.add(&driver);
        driver.start().map_err(|e| e.to_string())?;
        let (d, q) = (driver.clone(), queue.clone());
        let ticker = Ticker::every(Duration::from_millis(100), move |now| {
            let mut q = lock(&q);
            if q.crashed {
                return false;
            }
            let reconciled = q.reconciler.tick(&d, now);
            q.place(&d);
            reconciled.is_ok()
        });
        let outcome = loop {
            if let Some(signal) = signals.received() {
                return Err(format!("stopped by {signal:?}"));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match inbox.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(Note::Registered(id)) => {
                    if !framework_id.is_empty() && id != framework_id {
                        return Err(format!("registered as {id}, not as {framework_id}"));
                    }
                    if args.verbose {
                        eprintln!("job_queue: scheduler {incarnations} registered as {id}");
                    }
                    framework_id = id;
                }
                Ok(Note::Crash(done, running)) => break Some((done, running)),
                Ok(Note::AllDone) => break None,
                Ok(Note::Failed(e)) => return Err(e),
                Err(RecvTimeoutError::Timeout) if !left.is_zero() => {}
                Err(_) => {
                    let q = lock(&queue);
                    return Err(format!(
                        "timed out after {:?}: {} of {} jobs done, {} running, {} pending",
                        args.timeout,
                        q.done.len(),
                        args.jobs,
                        q.running.len(),
                        q.pending.len()
                    ));
                }
            }
        };
        match outcome {
            Some((done, running)) => {
                // The crash: no goodbye to the master, all memory gone.
                crash_note = format!("after {done} jobs with {running} tasks in flight");
                if args.verbose {
                    eprintln!("job_queue: scheduler {incarnations} crashes {crash_note}");
                }
                let _ = driver.abort();
                drop(ticker);
                drop(driver);
                drop(queue);
            }
            None => {
                drop(ticker);
                driver.stop(false).map_err(|e| e.to_string())?;
                if incarnations > 1 {
                    after_restart = lock(&queue).reconciler.stats();
                }
                break queue;
            }
        }
    };

    // Checks: one task per job, as the store and as the master know them.
    let q = lock(&final_queue);
    let records = q.reconciler.store().all().map_err(|e| e.to_string())?;
    let mut tasks_per_job: BTreeMap<usize, usize> = BTreeMap::new();
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for r in &records {
        if let Some((job, _, _)) = parse_payload(&r.payload) {
            *tasks_per_job.entry(job).or_default() += 1;
        }
        *states.entry(format!("{:?}", r.state)).or_default() += 1;
    }
    let known = master_task_ids(&master, &framework_id)?;
    let mut master_per_job: BTreeMap<usize, usize> = BTreeMap::new();
    for id in &known {
        if let Some(job) = id.split('-').nth(1).and_then(|j| j.parse().ok()) {
            *master_per_job.entry(job).or_default() += 1;
        }
    }
    let twice: Vec<usize> = (0..args.jobs)
        .filter(|j| {
            tasks_per_job.get(j).copied().unwrap_or(0) > 1
                || master_per_job.get(j).copied().unwrap_or(0) > 1
        })
        .collect();
    let all_done =
        q.done.len() == args.jobs && (0..args.jobs).all(|j| master_per_job.get(&j) == Some(&1));
    let states: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let restart = if incarnations > 1 {
        format!(
            "scheduler restarted {crash_note} under the same framework {framework_id}, \
             which reconciled them ({} unknown to the master, {} duplicate updates, {} orphans)",
            after_restart.unknown, after_restart.duplicate, q.orphans_killed
        )
    } else {
        format!("no restart, framework {framework_id}")
    };
    println!(
        "job_queue: {}/{} jobs done ({}) on {} agent{} in {:.1} s; {restart}; {}",
        q.done.len(),
        args.jobs,
        states.join(", "),
        q.agents_used.len(),
        if q.agents_used.len() == 1 { "" } else { "s" },
        t0.elapsed().as_secs_f64(),
        if twice.is_empty() {
            "no job ran twice".to_owned()
        } else {
            format!("jobs run twice: {twice:?}")
        }
    );
    drop(q);
    host.stop(false).map_err(|e| e.to_string())?;
    if args.state_dir.is_none() {
        let _ = std::fs::remove_dir_all(&state_dir);
    }
    Ok(twice.is_empty() && all_done)
}
