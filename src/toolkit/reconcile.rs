//! Task reconciliation: making the framework's idea of its tasks agree with the master's.
//!
//! Messages between a framework and Mesos can be lost, and a scheduler can restart; either
//! way the framework may believe a task is staging when Mesos never heard of it, or miss the
//! update that ended it. Mesos' answer is reconciliation: the framework asks, the master
//! answers with status updates (reason `REASON_RECONCILIATION`). The [`Reconciler`] runs the
//! procedure Mesos documents:
//!
//! 1. after every registration or re-registration, note the time `start` and take every task
//!    the [`TaskStore`] holds in a non-terminal state;
//! 2. ask the master about exactly those tasks (explicit reconciliation);
//! 3. a task is answered once any status update for it arrived after `start`;
//! 4. while some tasks are unanswered, ask again about those only, waiting longer each time
//!    (a truncated exponential backoff: the master may be busy re-registering agents after
//!    its own failover);
//! 5. once every task is answered, ask about all tasks at once (implicit reconciliation),
//!    which also reveals tasks the master knows and the store does not, and repeat that at a
//!    fixed interval (15 minutes by default) as a defence against lost state.
//!
//! Between registrations, a task that was launched ([`Reconciler::launching`]) and has had no
//! update at all after [`ReconcileConfig::launch_timeout`] is asked about explicitly, again
//! with a backoff, until something is heard of it: its launch may have been lost.
//!
//! Only one round runs at a time: a new registration starts a new round, which replaces the
//! previous one. Answers are ordinary status updates: the framework's `status_update` sees
//! them and hands each to [`Reconciler::status_update`], which records it in the store and
//! says what it was ([`UpdateKind`]).
//!
//! ```
//! use std::time::Instant;
//! use mesos::ids::task_id;
//! use mesos::task_status::task_status;
//! use mesos::toolkit::{InMemoryTaskStore, Reconciler, TaskRecord, TaskStore, UpdateKind};
//! use mesos::types::TaskState;
//!
//! let mut store = InMemoryTaskStore::new();
//! store.save(&TaskRecord::new(task_id("web-1"), TaskState::TASK_STAGING))?;
//! let mut reconciler = Reconciler::new(store, Default::default());
//!
//! let mut running = task_status(&task_id("web-1"), TaskState::TASK_RUNNING);
//! running.set_uuid(b"u1".to_vec());
//! let now = Instant::now();
//! assert_eq!(reconciler.status_update(&running, now)?.kind, UpdateKind::New);
//! // The agent re-sends an update until it is acknowledged: the same uuid is a duplicate.
//! assert_eq!(reconciler.status_update(&running, now)?.kind, UpdateKind::Duplicate);
//! // A task the framework never recorded.
//! let stranger = task_status(&task_id("who"), TaskState::TASK_RUNNING);
//! assert_eq!(reconciler.status_update(&stranger, now)?.kind, UpdateKind::Orphan);
//! # Ok::<(), mesos::toolkit::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use protobuf::MessageField;

use super::{Backoff, Result};
use crate::scheduler::SchedulerEvent;
use crate::task_status::is_terminal;
use crate::types::task_status::Reason;
use crate::types::{SlaveID, TaskID, TaskInfo, TaskState, TaskStatus};
use crate::SchedulerDriver;

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

/// What the framework remembers about one of its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// The task.
    pub task_id: TaskID,
    /// The agent it was launched on, if known (makes reconciliation faster for the master).
    pub agent_id: Option<SlaveID>,
    /// The last state the framework learned.
    pub state: TaskState,
    /// The `uuid`s of the last updates processed for the task, most recent last (at most
    /// [`ReconcileConfig::remembered_uuids`]): how duplicates are recognised.
    pub recent_uuids: Vec<Vec<u8>>,
    /// Anything the framework wants to keep with the task (e.g. the job it runs).
    pub payload: Vec<u8>,
}

impl TaskRecord {
    /// A record of `task_id` in `state`, with nothing else known.
    pub fn new(task_id: TaskID, state: TaskState) -> TaskRecord {
        TaskRecord {
            task_id,
            agent_id: None,
            state,
            recent_uuids: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// The record of a task about to be launched: `TASK_STAGING` on the task's agent.
    ///
    /// ```
    /// use mesos::ids::task_info;
    /// use mesos::toolkit::TaskRecord;
    /// use mesos::types::TaskState;
    /// let record = TaskRecord::launching(&task_info("t", "t-1", "S1", vec![]));
    /// assert_eq!(record.state, TaskState::TASK_STAGING);
    /// assert_eq!(record.agent_id.unwrap().value(), "S1");
    /// ```
    pub fn launching(task: &TaskInfo) -> TaskRecord {
        TaskRecord {
            task_id: task.task_id.clone().unwrap_or_default(),
            agent_id: task.slave_id.clone().into_option(),
            state: TaskState::TASK_STAGING,
            recent_uuids: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// Keeps `payload` with the record.
    pub fn with_payload(mut self, payload: impl Into<Vec<u8>>) -> TaskRecord {
        self.payload = payload.into();
        self
    }

    /// Whether the task is known to have ended (see [`crate::task_status::is_terminal`]).
    pub fn is_terminal(&self) -> bool {
        is_terminal(self.state)
    }
}

/// A failure of a [`TaskStore`] (I/O, serialization, ...), with what the store was doing.
#[derive(Debug, thiserror::Error)]
#[error("task store: {what}")]
pub struct StoreError {
    what: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error described by `what`.
    pub fn new(what: impl Into<String>) -> StoreError {
        StoreError {
            what: what.into(),
            source: None,
        }
    }

    /// An error described by `what`, caused by `source`.
    pub fn with_source(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError {
            what: what.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// Where a framework keeps its [`TaskRecord`]s. Keyed by task ID value.
///
/// The framework decides how durable it is: the [`InMemoryTaskStore`] forgets everything
/// with the process; a framework that must survive its own restart implements this trait
/// over a file, a database or ZooKeeper (see `examples/job_queue.rs` for a file). Write the
/// record of a task *before* launching it, so that a task the master never heard of is
/// still asked about after a crash (and comes back as [`UpdateKind::Unknown`]).
pub trait TaskStore: Send {
    /// The record of `task_id`, if any.
    fn load(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError>;
    /// Creates or replaces the record of `record.task_id`.
    fn save(&mut self, record: &TaskRecord) -> Result<(), StoreError>;
    /// Removes the record of `task_id` (nothing happens if there is none).
    fn remove(&mut self, task_id: &str) -> Result<(), StoreError>;
    /// Every record.
    fn all(&self) -> Result<Vec<TaskRecord>, StoreError>;
}

/// A [`TaskStore`] in memory (lost with the process).
///
/// ```
/// use mesos::ids::task_id;
/// use mesos::toolkit::{InMemoryTaskStore, TaskRecord, TaskStore};
/// use mesos::types::TaskState;
/// let mut store = InMemoryTaskStore::new();
/// store.save(&TaskRecord::new(task_id("a"), TaskState::TASK_RUNNING))?;
/// assert_eq!(store.load("a")?.unwrap().state, TaskState::TASK_RUNNING);
/// store.remove("a")?;
/// assert!(store.all()?.is_empty());
/// # Ok::<(), mesos::toolkit::StoreError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryTaskStore {
    records: BTreeMap<String, TaskRecord>,
}

impl InMemoryTaskStore {
    /// An empty store.
    pub fn new() -> InMemoryTaskStore {
        InMemoryTaskStore::default()
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl TaskStore for InMemoryTaskStore {
    fn load(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        Ok(self.records.get(task_id).cloned())
    }
    fn save(&mut self, record: &TaskRecord) -> Result<(), StoreError> {
        self.records
            .insert(record.task_id.value().to_owned(), record.clone());
        Ok(())
    }
    fn remove(&mut self, task_id: &str) -> Result<(), StoreError> {
        self.records.remove(task_id);
        Ok(())
    }
    fn all(&self) -> Result<Vec<TaskRecord>, StoreError> {
        Ok(self.records.values().cloned().collect())
    }
}

/// A store shared with other code (e.g. kept by a test or by a scheduler that outlives one
/// driver): every call locks the mutex.
impl<S: TaskStore> TaskStore for Arc<Mutex<S>> {
    fn load(&self, task_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        lock(self).load(task_id)
    }
    fn save(&mut self, record: &TaskRecord) -> Result<(), StoreError> {
        lock(self).save(record)
    }
    fn remove(&mut self, task_id: &str) -> Result<(), StoreError> {
        lock(self).remove(task_id)
    }
    fn all(&self) -> Result<Vec<TaskRecord>, StoreError> {
        lock(self).all()
    }
}

fn lock<S>(m: &Mutex<S>) -> std::sync::MutexGuard<'_, S> {
    // A store poisoned by a panic elsewhere still holds consistent records (every write is
    // a single insert or remove).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Classifying updates
// ---------------------------------------------------------------------------------------------

/// What a status update means for the framework, given what its [`TaskStore`] held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateKind {
    /// New information about a known task: a state change, or a new update (new `uuid`) in
    /// the same non-terminal state (e.g. a health change). Recorded in the store.
    New,
    /// Nothing new: an update whose `uuid` was already processed (the agent re-sends an
    /// update until it is acknowledged, and again to a scheduler that failed over), or the
    /// terminal state the store already holds, learned again. Acknowledge it; do not act.
    Duplicate,
    /// A reconciliation answer agreeing with the store.
    Confirmed,
    /// The master does not know the task (`TASK_UNKNOWN`, or `TASK_LOST` as a reconciliation
    /// answer): it was never launched (e.g. the scheduler crashed between writing the record
    /// and launching), or its agent is gone. Recorded; the task will not run, so launch a
    /// replacement (under a new task ID) if the work still needs doing.
    Unknown,
    /// The task is not in the store: Mesos knows a task the framework forgot. Kill it or
    /// adopt it ([`Reconciler::adopt`]); nothing is recorded.
    Orphan,
    /// A non-terminal update for a task the store already holds in a final state (other than
    /// `TASK_LOST`/`TASK_UNKNOWN`/`TASK_UNREACHABLE`, from which tasks may come back). Ignored.
    Stale,
}

/// The result of [`Reconciler::status_update`].
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// What the update means.
    pub kind: UpdateKind,
    /// The state the store held before (`None` for an [`UpdateKind::Orphan`]).
    pub previous: Option<TaskState>,
    /// Whether the update is an answer to reconciliation (reason `REASON_RECONCILIATION`).
    pub reconciliation: bool,
}

fn is_reconciliation(status: &TaskStatus) -> bool {
    status.reason.map(|r| r.enum_value()) == Some(Ok(Reason::REASON_RECONCILIATION))
}

/// States after which no update can legitimately follow. `TASK_LOST` is terminal for Mesos,
/// but without a strict registry a lost task may reappear, so it is not final here.
fn is_final(state: TaskState) -> bool {
    is_terminal(state) && state != TaskState::TASK_LOST
}

/// The master's way of saying it does not know a task.
fn is_unknown_answer(status: &TaskStatus) -> bool {
    match status.state() {
        TaskState::TASK_UNKNOWN => true,
        TaskState::TASK_LOST => is_reconciliation(status),
        _ => false,
    }
}

fn classify(record: Option<&TaskRecord>, status: &TaskStatus) -> UpdateKind {
    let Some(record) = record else {
        return UpdateKind::Orphan;
    };
    if let Some(uuid) = &status.uuid {
        if record.recent_uuids.iter().any(|u| u == uuid) {
            return UpdateKind::Duplicate;
        }
    }
    let state = status.state();
    if is_reconciliation(status) && state == record.state {
        return UpdateKind::Confirmed;
    }
    if is_final(record.state) {
        return if state == record.state {
            UpdateKind::Duplicate
        } else {
            UpdateKind::Stale
        };
    }
    if is_unknown_answer(status) {
        return UpdateKind::Unknown;
    }
    if state == record.state && status.uuid.is_none() {
        // The same state again with nothing to tell them apart.
        return UpdateKind::Duplicate;
    }
    UpdateKind::New
}

// ---------------------------------------------------------------------------------------------
// The reconciler
// ---------------------------------------------------------------------------------------------

/// Settings of a [`Reconciler`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReconcileConfig {
    /// How long to wait for answers before asking again, the first time (default 2 s).
    pub retry_initial: Duration,
    /// The longest wait between two explicit requests of one round (default 60 s).
    pub retry_max: Duration,
    /// The interval of implicit reconciliation once a round is complete (default 15 min);
    /// `None`: only the implicit request that ends each round.
    pub implicit_interval: Option<Duration>,
    /// How long a launched task may stay without any update before it is asked about
    /// explicitly (default 60 s); `None`: never.
    pub launch_timeout: Option<Duration>,
    /// At most this many tasks per explicit request (default 1000).
    pub batch_size: usize,
    /// How many update `uuid`s to remember per task for recognising duplicates (default 8).
    pub remembered_uuids: usize,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            retry_initial: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            implicit_interval: Some(Duration::from_secs(900)),
            launch_timeout: Some(Duration::from_secs(60)),
            batch_size: 1000,
            remembered_uuids: 8,
        }
    }
}

impl ReconcileConfig {
    /// Sets [`retry_initial`](Self::retry_initial) and [`retry_max`](Self::retry_max).
    pub fn retry(mut self, initial: Duration, max: Duration) -> Self {
        self.retry_initial = initial;
        self.retry_max = max;
        self
    }

    /// Sets [`implicit_interval`](Self::implicit_interval).
    pub fn implicit_interval(mut self, interval: Option<Duration>) -> Self {
        self.implicit_interval = interval;
        self
    }

    /// Sets [`launch_timeout`](Self::launch_timeout).
    pub fn launch_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.launch_timeout = timeout;
        self
    }

    /// Sets [`batch_size`](Self::batch_size) (at least 1).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }
}

/// Counters of what a [`Reconciler`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileStats {
    /// Rounds started (one per registration or re-registration).
    pub rounds_started: u64,
    /// Rounds in which every task got an answer.
    pub rounds_completed: u64,
    /// Explicit `reconcile_tasks` calls (one per batch).
    pub explicit_requests: u64,
    /// Tasks named in explicit requests, retries included.
    pub tasks_asked: u64,
    /// Implicit `reconcile_tasks` calls.
    pub implicit_requests: u64,
    /// Explicit `reconcile_tasks` calls about launched tasks that stayed silent (one per
    /// batch).
    pub silent_launch_requests: u64,
    /// Updates classified, by kind: new, duplicate, confirmed, unknown, orphan, stale.
    pub new: u64,
    /// See [`new`](Self::new).
    pub duplicate: u64,
    /// See [`new`](Self::new).
    pub confirmed: u64,
    /// See [`new`](Self::new).
    pub unknown: u64,
    /// See [`new`](Self::new).
    pub orphan: u64,
    /// See [`new`](Self::new).
    pub stale: u64,
}

/// A launched task nothing was heard of yet.
#[derive(Debug)]
struct Launched {
    id: TaskID,
    agent: Option<SlaveID>,
    next_ask: Instant,
    backoff: Backoff,
}

#[derive(Debug)]
struct Round {
    start: Instant,
    /// Unanswered tasks: ID value to (ID, agent, state the store held).
    remaining: BTreeMap<String, (TaskID, Option<SlaveID>, TaskState)>,
    next_request: Instant,
    backoff: Backoff,
}

/// Runs reconciliation for one framework over a [`TaskStore`]; see the [module docs](self).
///
/// Feed it the driver's events ([`registered`](Self::registered),
/// [`disconnected`](Self::disconnected), [`status_update`](Self::status_update), or all of
/// them through [`on_event`](Self::on_event)) and call [`tick`](Self::tick) periodically
/// (every few hundred milliseconds is plenty): that is where requests are sent.
#[derive(Debug)]
pub struct Reconciler<S> {
    store: S,
    config: ReconcileConfig,
    connected: bool,
    round: Option<Round>,
    /// Task ID value to the arrival time of its latest update.
    arrivals: HashMap<String, Instant>,
    implicit_due: Option<Instant>,
    /// Launched tasks without any update yet, by ID value.
    launched: BTreeMap<String, Launched>,
    stats: ReconcileStats,
}

impl<S: TaskStore> Reconciler<S> {
    /// A reconciler over `store`. Nothing happens until the framework registers.
    pub fn new(store: S, config: ReconcileConfig) -> Reconciler<S> {
        Reconciler {
            store,
            config,
            connected: false,
            round: None,
            arrivals: HashMap::new(),
            implicit_due: None,
            launched: BTreeMap::new(),
            stats: ReconcileStats::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, to change (e.g. to record a task before launching it, see
    /// [`launching`](Self::launching)).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> S {
        self.store
    }

    /// What the reconciler did so far.
    pub fn stats(&self) -> ReconcileStats {
        self.stats
    }

    /// Records `task` as `TASK_STAGING`, with `payload`; call it before launching the task
    /// (at `now`). If nothing is heard of the task within
    /// [`ReconcileConfig::launch_timeout`], it is asked about.
    pub fn launching(
        &mut self,
        task: &TaskInfo,
        payload: impl Into<Vec<u8>>,
        now: Instant,
    ) -> Result<()> {
        let record = TaskRecord::launching(task).with_payload(payload);
        self.store.save(&record)?;
        if let Some(timeout) = self.config.launch_timeout {
            self.launched.insert(
                record.task_id.value().to_owned(),
                Launched {
                    id: record.task_id.clone(),
                    agent: record.agent_id.clone(),
                    next_ask: now + timeout,
                    backoff: Backoff::new(self.config.retry_initial, self.config.retry_max),
                },
            );
        }
        Ok(())
    }

    /// Records an [`UpdateKind::Orphan`] task as the framework's own, in the state of
    /// `status`.
    pub fn adopt(&mut self, status: &TaskStatus, payload: impl Into<Vec<u8>>) -> Result<()> {
        let mut record =
            TaskRecord::new(status.task_id.clone().unwrap_or_default(), status.state())
                .with_payload(payload);
        record.agent_id = status.slave_id.clone().into_option();
        if let Some(uuid) = &status.uuid {
            record.recent_uuids.push(uuid.clone());
        }
        self.store.save(&record)?;
        Ok(())
    }

    /// Forgets a task (e.g. once it ended and its outcome was handled).
    pub fn forget(&mut self, task_id: &str) -> Result<()> {
        self.store.remove(task_id)?;
        self.arrivals.remove(task_id);
        self.launched.remove(task_id);
        if let Some(round) = &mut self.round {
            round.remaining.remove(task_id);
        }
        Ok(())
    }

    /// The framework registered or re-registered (failed over to a new master, or a
    /// restarted scheduler took over its FrameworkID): starts a new round, replacing any
    /// round in progress, and sends the first explicit request (or, when the store holds no
    /// live task, the implicit one).
    pub fn registered(&mut self, driver: &SchedulerDriver, now: Instant) -> Result<()> {
        self.connected = true;
        self.stats.rounds_started += 1;
        let mut remaining = BTreeMap::new();
        for record in self.store.all()? {
            if !record.is_terminal() {
                remaining.insert(
                    record.task_id.value().to_owned(),
                    (record.task_id, record.agent_id, record.state),
                );
            }
        }
        tracing::debug!(tasks = remaining.len(), "reconciliation round started");
        self.round = Some(Round {
            start: now,
            remaining,
            next_request: now,
            backoff: Backoff::new(self.config.retry_initial, self.config.retry_max),
        });
        self.implicit_due = None;
        self.tick(driver, now)
    }

    /// The framework lost its master: the round in progress stops (requests would be
    /// dropped); the next registration starts a new one.
    pub fn disconnected(&mut self) {
        self.connected = false;
        self.round = None;
        self.implicit_due = None;
    }

    /// Classifies a status update against the store and records what it taught. Call it
    /// from the framework's `status_update`, for every update (reconciliation answers
    /// included).
    pub fn status_update(&mut self, status: &TaskStatus, now: Instant) -> Result<Classified> {
        let id = status.task_id.value();
        self.arrivals.insert(id.to_owned(), now);
        self.launched.remove(id);
        if let Some(round) = &mut self.round {
            // Answered: an update arrived after the round started (now >= start).
            if now >= round.start {
                round.remaining.remove(id);
            }
        }
        let record = self.store.load(id)?;
        let kind = classify(record.as_ref(), status);
        let previous = record.as_ref().map(|r| r.state);
        match kind {
            UpdateKind::New | UpdateKind::Unknown => {
                if let Some(mut record) = record {
                    record.state = status.state();
                    if let Some(agent) = status.slave_id.as_ref() {
                        record.agent_id = Some(agent.clone());
                    }
                    self.remember_uuid(&mut record, status);
                    self.store.save(&record)?;
                }
            }
            UpdateKind::Duplicate | UpdateKind::Confirmed | UpdateKind::Stale => {
                // Remember a re-delivered uuid too (e.g. a final state learned first through
                // reconciliation), so that its next re-delivery is recognised at once.
                if let (Some(mut record), Some(_)) = (record, status.uuid.as_ref()) {
                    if self.remember_uuid(&mut record, status) {
                        self.store.save(&record)?;
                    }
                }
            }
            UpdateKind::Orphan => {}
        }
        let counter = match kind {
            UpdateKind::New => &mut self.stats.new,
            UpdateKind::Duplicate => &mut self.stats.duplicate,
            UpdateKind::Confirmed => &mut self.stats.confirmed,
            UpdateKind::Unknown => &mut self.stats.unknown,
            UpdateKind::Orphan => &mut self.stats.orphan,
            UpdateKind::Stale => &mut self.stats.stale,
        };
        *counter += 1;
        tracing::trace!(task_id = id, ?kind, state = ?status.state(), "status update classified");
        Ok(Classified {
            kind,
            previous,
            reconciliation: is_reconciliation(status),
        })
    }

    /// Adds the update's uuid to the record; whether it was new.
    fn remember_uuid(&self, record: &mut TaskRecord, status: &TaskStatus) -> bool {
        let Some(uuid) = &status.uuid else {
            return false;
        };
        if record.recent_uuids.iter().any(|u| u == uuid) {
            return false;
        }
        record.recent_uuids.push(uuid.clone());
        let keep = self.config.remembered_uuids.max(1);
        if record.recent_uuids.len() > keep {
            let extra = record.recent_uuids.len() - keep;
            record.recent_uuids.drain(..extra);
        }
        true
    }

    /// Feeds one driver event: registration events start a round, a disconnection stops it,
    /// status updates are classified (the result is returned). Other events are ignored.
    pub fn on_event(
        &mut self,
        driver: &SchedulerDriver,
        event: &SchedulerEvent,
        now: Instant,
    ) -> Result<Option<Classified>> {
        match event {
            SchedulerEvent::Registered { .. } | SchedulerEvent::Reregistered { .. } => {
                self.registered(driver, now)?
            }
            SchedulerEvent::Disconnected | SchedulerEvent::Error { .. } => self.disconnected(),
            SchedulerEvent::StatusUpdate { status } => {
                return self.status_update(status, now).map(Some)
            }
            _ => {}
        }
        Ok(None)
    }

    /// Whether an explicit round is in progress (some task has no answer yet).
    pub fn is_reconciling(&self) -> bool {
        self.round.as_ref().is_some_and(|r| !r.remaining.is_empty())
    }

    /// The tasks of the current round that have no answer yet.
    pub fn unanswered(&self) -> Vec<TaskID> {
        self.round
            .as_ref()
            .map(|r| r.remaining.values().map(|(id, _, _)| id.clone()).collect())
            .unwrap_or_default()
    }

    /// When [`tick`](Self::tick) next has something to do, if ever (for async frameworks
    /// that sleep until then).
    pub fn next_deadline(&self) -> Option<Instant> {
        if !self.connected {
            return None;
        }
        let main = match &self.round {
            Some(round) => Some(round.next_request),
            None => self.implicit_due,
        };
        let silent = self.launched.values().map(|l| l.next_ask).min();
        [main, silent].into_iter().flatten().min()
    }

    /// Sends what is due: the next explicit request of the round (or, once every task is
    /// answered, the implicit request that ends it), or the periodic implicit request.
    pub fn tick(&mut self, driver: &SchedulerDriver, now: Instant) -> Result<()> {
        if !self.connected {
            return Ok(());
        }
        self.ask_about_silent_launches(driver, now)?;
        if let Some(round) = &mut self.round {
            if round.remaining.is_empty() {
                self.round = None;
                self.stats.rounds_completed += 1;
                tracing::debug!("reconciliation round complete");
                return self.implicit(driver, now);
            }
            if now < round.next_request {
                return Ok(());
            }
            let statuses: Vec<TaskStatus> = round
                .remaining
                .values()
                .map(|(id, agent, state)| {
                    let mut s = TaskStatus::new();
                    s.task_id = MessageField::some(id.clone());
                    s.slave_id = MessageField::from_option(agent.clone());
                    s.set_state(*state);
                    s
                })
                .collect();
            round.next_request = now + round.backoff.next_delay();
            for batch in statuses.chunks(self.config.batch_size.max(1)) {
                driver.reconcile_tasks(batch)?;
                self.stats.explicit_requests += 1;
                self.stats.tasks_asked += batch.len() as u64;
            }
            tracing::debug!(tasks = statuses.len(), "explicit reconciliation requested");
            return Ok(());
        }
        match self.implicit_due {
            Some(due) if now >= due => self.implicit(driver, now),
            _ => Ok(()),
        }
    }

    /// Asks about launched tasks that stayed silent past their deadline (those the current
    /// round asks about anyway are left to it).
    fn ask_about_silent_launches(&mut self, driver: &SchedulerDriver, now: Instant) -> Result<()> {
        let in_round = |id: &str| {
            self.round
                .as_ref()
                .is_some_and(|r| r.remaining.contains_key(id))
        };
        let mut due = Vec::new();
        for (key, l) in &self.launched {
            if l.next_ask <= now && !in_round(key) {
                due.push(key.clone());
            }
        }
        if due.is_empty() {
            return Ok(());
        }
        let mut statuses = Vec::with_capacity(due.len());
        for key in &due {
            if let Some(l) = self.launched.get_mut(key) {
                let mut s = TaskStatus::new();
                s.task_id = MessageField::some(l.id.clone());
                s.slave_id = MessageField::from_option(l.agent.clone());
                s.set_state(TaskState::TASK_STAGING);
                statuses.push(s);
                l.next_ask = now + l.backoff.next_delay();
            }
        }
        for batch in statuses.chunks(self.config.batch_size.max(1)) {
            driver.reconcile_tasks(batch)?;
            self.stats.silent_launch_requests += 1;
            self.stats.tasks_asked += batch.len() as u64;
        }
        tracing::debug!(
            tasks = statuses.len(),
            "launched tasks without any update asked about"
        );
        Ok(())
    }

    fn implicit(&mut self, driver: &SchedulerDriver, now: Instant) -> Result<()> {
        self.implicit_due = self.config.implicit_interval.map(|i| now + i);
        driver.reconcile_tasks(&[])?;
        self.stats.implicit_requests += 1;
        tracing::debug!("implicit reconciliation requested");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::task_id;
    use crate::task_status::task_status;

    fn record(id: &str, state: TaskState, uuids: &[&[u8]]) -> TaskRecord {
        let mut r = TaskRecord::new(task_id(id), state);
        r.recent_uuids = uuids.iter().map(|u| u.to_vec()).collect();
        r
    }

    fn with_uuid(mut s: TaskStatus, uuid: &[u8]) -> TaskStatus {
        s.set_uuid(uuid.to_vec());
        s
    }

    fn answer(id: &str, state: TaskState) -> TaskStatus {
        task_status(&task_id(id), state).with_reason(Reason::REASON_RECONCILIATION)
    }

    #[test]
    fn classification_table() {
        use TaskState::*;
        use UpdateKind::*;
        let staging = record("t", TASK_STAGING, &[]);
        let running = record("t", TASK_RUNNING, &[b"u1"]);
        let failed = record("t", TASK_FAILED, &[b"u2"]);
        let lost = record("t", TASK_LOST, &[]);
        let up = |s: TaskState, u: &[u8]| with_uuid(task_status(&task_id("t"), s), u);
        let cases: Vec<(Option<&TaskRecord>, TaskStatus, UpdateKind)> = vec![
            (None, up(TASK_RUNNING, b"x"), Orphan),
            (Some(&staging), up(TASK_RUNNING, b"u1"), New),
            (Some(&running), up(TASK_RUNNING, b"u1"), Duplicate),
            (Some(&running), up(TASK_RUNNING, b"u9"), New),
            (Some(&running), answer("t", TASK_RUNNING), Confirmed),
            (Some(&running), answer("t", TASK_FAILED), New),
            (Some(&staging), answer("t", TASK_LOST), Unknown),
            (Some(&running), answer("t", TASK_UNKNOWN), Unknown),
            (Some(&failed), up(TASK_FAILED, b"u3"), Duplicate),
            (Some(&failed), answer("t", TASK_FAILED), Confirmed),
            (Some(&failed), up(TASK_RUNNING, b"u4"), Stale),
            (Some(&failed), answer("t", TASK_LOST), Stale),
            // A lost task may come back.
            (Some(&lost), up(TASK_RUNNING, b"u5"), New),
            (
                Some(&running),
                task_status(&task_id("t"), TASK_RUNNING),
                Duplicate,
            ),
            // A TASK_LOST that is not a reconciliation answer is an ordinary transition.
            (Some(&running), up(TASK_LOST, b"u6"), New),
        ];
        for (i, (rec, status, want)) in cases.into_iter().enumerate() {
            assert_eq!(classify(rec, &status), want, "case {i}: {rec:?} {status:?}");
        }
    }

    #[test]
    fn updates_are_recorded_and_duplicates_recognised() {
        let mut store = InMemoryTaskStore::new();
        store
            .save(&record("a", TaskState::TASK_STAGING, &[]))
            .unwrap();
        let mut r = Reconciler::new(store, ReconcileConfig::default());
        let now = Instant::now();
        let up = with_uuid(task_status(&task_id("a"), TaskState::TASK_RUNNING), b"1");
        let c = r.status_update(&up, now).unwrap();
        assert_eq!(c.kind, UpdateKind::New);
        assert_eq!(c.previous, Some(TaskState::TASK_STAGING));
        assert_eq!(
            r.status_update(&up, now).unwrap().kind,
            UpdateKind::Duplicate
        );
        let stored = r.store().load("a").unwrap().unwrap();
        assert_eq!(stored.state, TaskState::TASK_RUNNING);
        assert_eq!(stored.recent_uuids, vec![b"1".to_vec()]);
        // Only the last `remembered_uuids` are kept.
        for i in 0..20u8 {
            let up = with_uuid(task_status(&task_id("a"), TaskState::TASK_RUNNING), &[i, i]);
            r.status_update(&up, now).unwrap();
        }
        let stored = r.store().load("a").unwrap().unwrap();
        assert_eq!(stored.recent_uuids.len(), 8);
        assert_eq!(stored.recent_uuids.last().unwrap(), &vec![19u8, 19]);
        let s = r.stats();
        assert_eq!((s.new, s.duplicate), (21, 1));
    }
}
