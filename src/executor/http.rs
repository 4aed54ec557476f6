//! The HTTP backend: the agent's v1 executor HTTP API (`/api/v1/executor`), in pure Rust.
//!
//! What it does for the user (events and callbacks, what an update gets filled in,
//! disconnections, the environment) is documented on the `executor` module, where users look.
//!
//! # HTTP client
//!
//! See `http1.rs`: std's `TcpStream` plus `httparse`, not a client crate, because the event
//! stream needs reads that a timeout does not disturb and that `stop()` can interrupt.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use protobuf::MessageField;

use super::env::{self, Env, Upid};
use super::http1::{self, Address, Dechunker, Framing, Stream};
use super::recordio;
use super::{EngineOps, ExecutorEvent, Incoming};
use crate::codec;
use crate::dispatch::Context;
use crate::error::{Error, Result};
use crate::types::executor::{call, event, Call, Event};
use crate::types::{task_status, ExecutorID, FrameworkID, Status, TaskInfo, TaskState, TaskStatus};

const PROTOBUF: &str = "application/x-protobuf";
/// The period of the `HEARTBEAT` timer (Mesos' library: 30 minutes, not configurable).
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// The read timeout of the event stream: how often its reader looks whether the driver
/// still runs (a stop interrupts the read at once anyway).
const STREAM_POLL: Duration = Duration::from_secs(60);
/// The longest wait for a TCP connection to the agent.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait for the agent's answer to a call (and for a write to go through).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// The pause before retrying a `SUBSCRIBE` the agent was not ready for.
const NOT_READY_RETRY: Duration = Duration::from_secs(1);
/// Without checkpointing, how long "agent not ready" answers are retried.
const NOT_READY_LIMIT: Duration = Duration::from_secs(60);
/// The largest event accepted.
const MAX_EVENT: usize = 256 << 20;
/// The largest error body read.
const MAX_ERROR_BODY: usize = 64 << 10;

/// Everything the backend takes from the environment. Its `Debug` leaves the token out.
#[derive(Clone, PartialEq)]
pub(crate) struct Config {
    pub(crate) address: Address,
    /// `host:port` (the `Host` header, and the endpoint named in errors).
    pub(crate) endpoint: String,
    pub(crate) path: String,
    pub(crate) framework_id: String,
    pub(crate) executor_id: String,
    pub(crate) checkpoint: bool,
    pub(crate) recovery_timeout: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) token: Option<String>,
    /// The period of the `HEARTBEAT` timer.
    pub(crate) heartbeat_interval: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("address", &self.address)
            .field("endpoint", &self.endpoint)
            .field("path", &self.path)
            .field("framework_id", &self.framework_id)
            .field("executor_id", &self.executor_id)
            .field("checkpoint", &self.checkpoint)
            .field("recovery_timeout", &self.recovery_timeout)
            .field("backoff_max", &self.backoff_max)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("heartbeat_interval", &self.heartbeat_interval)
            .finish()
    }
}

fn parse_hostport(text: &str) -> Option<(String, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    if host.is_empty() {
        return None;
    }
    Some((host.to_owned(), port.parse().ok()?))
}

impl Config {
    pub(crate) fn from_env(env: &Env) -> Result<Config> {
        let checkpoint = env.checkpoint();
        let mut absent = Vec::new();
        for name in ["MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID"] {
            if env.get(name).is_none() {
                absent.push(name);
            }
        }
        if env.get("MESOS_AGENT_ENDPOINT").is_none() && env.get("MESOS_SLAVE_PID").is_none() {
            absent.push("MESOS_AGENT_ENDPOINT");
        }
        if checkpoint {
            for name in ["MESOS_RECOVERY_TIMEOUT", "MESOS_SUBSCRIPTION_BACKOFF_MAX"] {
                if env.get(name).is_none() {
                    absent.push(name);
                }
            }
        }
        if !absent.is_empty() {
            return Err(env::missing(&absent));
        }
        for name in ["LIBPROCESS_SSL_ENABLED", "SSL_ENABLED"] {
            if matches!(env.get(name), Some("1" | "true")) {
                return Err(Error::unsupported(format!(
                    "{name} is set: the HTTP executor backend has no TLS support"
                )));
            }
        }
        let pid = match env.get("MESOS_SLAVE_PID") {
            None => None,
            Some(text) => Some(Upid::parse(text).ok_or_else(|| {
                env::invalid(
                    "MESOS_SLAVE_PID",
                    &format!("'{text}' is not a process id of the form name@host:port"),
                )
            })?),
        };
        let endpoint = match (env.get("MESOS_AGENT_ENDPOINT"), &pid) {
            (Some(text), _) => {
                parse_hostport(text).ok_or_else(|| {
                    env::invalid(
                        "MESOS_AGENT_ENDPOINT",
                        &format!("'{text}' is not an address of the form host:port"),
                    )
                })?;
                text.to_owned()
            }
            (None, Some(pid)) => format!("{}:{}", pid.host, pid.port),
            (None, None) => unreachable!("checked above"),
        };
        let path = match &pid {
            Some(pid) => format!("/{}/api/v1/executor", pid.id),
            None => "/api/v1/executor".to_owned(),
        };
        let address = match env.get("MESOS_DOMAIN_SOCKET") {
            Some(socket) if !socket.is_empty() => Address::Unix(socket.into()),
            _ => Address::Tcp(endpoint.clone()),
        };
        env.duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD")?;
        let (recovery_timeout, backoff_max) = if checkpoint {
            (
                env.duration("MESOS_RECOVERY_TIMEOUT")?
                    .expect("checked above"),
                env.duration("MESOS_SUBSCRIPTION_BACKOFF_MAX")?
                    .expect("checked above"),
            )
        } else {
            (Duration::ZERO, Duration::ZERO)
        };
        Ok(Config {
            address,
            endpoint,
            path,
            framework_id: env.require("MESOS_FRAMEWORK_ID")?.to_owned(),
            executor_id: env.require("MESOS_EXECUTOR_ID")?.to_owned(),
            checkpoint,
            recovery_timeout,
            backoff_max,
            token: env.get(env::TOKEN).map(str::to_owned),
            heartbeat_interval: HEARTBEAT_INTERVAL,
        })
    }

    fn framework_id(&self) -> FrameworkID {
        let mut id = FrameworkID::new();
        id.set_value(self.framework_id.clone());
        id
    }

    fn executor_id(&self) -> ExecutorID {
        let mut id = ExecutorID::new();
        id.set_value(self.executor_id.clone());
        id
    }

    /// A call of `kind` with this executor's ids.
    fn call(&self, kind: call::Type) -> Call {
        let mut c = Call::new();
        c.executor_id = MessageField::some(self.executor_id());
        c.framework_id = MessageField::some(self.framework_id());
        c.set_type(kind);
        c
    }

    /// The request bytes for `call`.
    fn request(&self, call: &Call) -> Vec<u8> {
        let body = codec::encode(call);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", PROTOBUF), ("Accept", PROTOBUF)];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        http1::post(&self.path, &self.endpoint, &headers, &body)
    }
}

/// What changes while the driver runs.
struct State {
    status: Status,
    /// Why the driver ended by itself (it gave up, or the agent sent `ERROR`).
    failure: Option<Error>,
    /// Whether the event stream is open.
    subscribed: bool,
    /// Whether the agent sent `SHUTDOWN` (its closing the stream is then expected).
    shutdown_requested: bool,
    /// Whether a subscription ever succeeded.
    ever_subscribed: bool,
    /// Updates sent and not acknowledged, in sending order (each with its `uuid`).
    unacked_updates: Vec<TaskStatus>,
    /// Tasks received none of whose updates was acknowledged yet, in arrival order.
    unacked_tasks: Vec<TaskInfo>,
    /// How many updates, past their validation, could not be delivered
    /// (`send_status_update` returned an error for them): they will never be acknowledged.
    undelivered: usize,
}

struct Shared {
    config: Config,
    state: Mutex<State>,
    changed: Condvar,
    /// A handle on the event stream's socket: `stop()` shuts it down to end the reader's read.
    stream: Mutex<Option<Stream>>,
    /// The keep-alive connection for the other calls.
    calls: Mutex<Option<Stream>>,
    /// A handle on the socket of the call being made, if any: `stop()` shuts it down so that
    /// a call the agent does not answer cannot hold the stop up.
    in_flight: Mutex<Option<Stream>>,
    /// The callback queue; `None` once the driver is released.
    ctx: Mutex<Option<Box<Context<Incoming>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What one attempt at holding a subscription ended with.
enum Outcome {
    /// The driver was stopped or aborted.
    Stopped,
    /// The agent answered that it is not ready (503, 404).
    NotReady(String),
    /// The connection failed or broke.
    Lost(String),
    /// The agent refused the subscription for good.
    Refused(String),
}

/// The HTTP backend's driver.
pub(crate) struct Driver {
    shared: Arc<Shared>,
    /// The connection thread and the heartbeat timer's thread.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Driver {
    pub(super) fn new(
        ctx: Box<Context<Incoming>>,
        env: Env,
        heartbeat_interval: Option<Duration>,
    ) -> Result<Driver> {
        let mut config = Config::from_env(&env)?;
        if let Some(interval) = heartbeat_interval {
            config.heartbeat_interval = interval;
        }
        tracing::debug!(endpoint = %config.endpoint, path = %config.path, checkpoint = config.checkpoint, "HTTP executor driver created");
        Ok(Driver {
            shared: Arc::new(Shared {
                config,
                state: Mutex::new(State {
                    status: Status::DRIVER_NOT_STARTED,
                    failure: None,
                    subscribed: false,
                    shutdown_requested: false,
                    ever_subscribed: false,
                    unacked_updates: Vec::new(),
                    unacked_tasks: Vec::new(),
                    undelivered: 0,
                }),
                changed: Condvar::new(),
                stream: Mutex::new(None),
                calls: Mutex::new(None),
                in_flight: Mutex::new(None),
                ctx: Mutex::new(Some(ctx)),
            }),
            threads: Mutex::new(Vec::new()),
        })
    }
}

/// How one request on one connection went.
enum Exchange {
    /// The kept-alive connection turned out closed: try a fresh one.
    Retry,
    /// No answer.
    Failed(CallError),
    /// The agent answered `status`, with `body` (reason and body text); `keep`: the
    /// connection may carry another call.
    Answered {
        status: u16,
        body: String,
        keep: bool,
    },
}

/// An `UPDATE` or `MESSAGE` the agent did not accept.
enum CallError {
    /// No answer: the connection failed.
    Io(String),
    /// An answer other than `202 Accepted`.
    Status(u16, String),
}

impl CallError {
    fn text(&self) -> String {
        match self {
            CallError::Io(e) => e.clone(),
            CallError::Status(code, body) => format!("answered {code}: {body}"),
        }
    }
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A random duration in `[0, max]`.
fn random_up_to(max: Duration) -> Duration {
    let r = (uuid::Uuid::new_v4().as_u128() as u64) as f64 / u64::MAX as f64;
    max.mul_f64(r)
}

impl Shared {
    fn running(&self) -> bool {
        lock(&self.state).status == Status::DRIVER_RUNNING
    }

    /// Queues an event for the callback thread, unless the driver no longer runs.
    fn queue(&self, event: ExecutorEvent) {
        let state = lock(&self.state);
        if state.status != Status::DRIVER_RUNNING {
            tracing::debug!(
                callback = event.callback_name(),
                "event dropped: the driver no longer runs"
            );
            return;
        }
        if let Some(ctx) = lock(&self.ctx).as_ref() {
            ctx.send(Incoming::Event(event));
        }
        drop(state);
    }

    /// Ends the driver from its own thread: `last` is delivered, then `join` returns `why`.
    fn give_up(&self, last: ExecutorEvent, why: String) {
        tracing::warn!(endpoint = %self.config.endpoint, reason = %why, "the executor driver gives up");
        self.queue(last);
        let mut state = lock(&self.state);
        if state.status == Status::DRIVER_RUNNING {
            state.status = Status::DRIVER_ABORTED;
            state.failure = Some(Error::Agent {
                endpoint: self.config.endpoint.clone(),
                detail: why,
            });
        }
        state.subscribed = false;
        self.changed.notify_all();
    }

    /// Waits up to `pause` unless the driver stops; whether it still runs.
    fn pause(&self, pause: Duration) -> bool {
        let state = lock(&self.state);
        let (state, _) = self
            .changed
            .wait_timeout_while(state, pause, |s| s.status == Status::DRIVER_RUNNING)
            .unwrap_or_else(|p| p.into_inner());
        state.status == Status::DRIVER_RUNNING
    }

    /// Ends a blocked read of the event stream (and any later one on that socket).
    fn interrupt(&self) {
        if let Some(s) = lock(&self.stream).take() {
            s.shutdown();
        }
    }

    /// Ends the call being made, if any (its caller gets an error at once).
    fn interrupt_call(&self) {
        if let Some(s) = lock(&self.in_flight).take() {
            s.shutdown();
        }
    }

    /// The heartbeat timer, on a thread of its own: every `heartbeat_interval` from the
    /// start, a `HEARTBEAT` call while subscribed (none while not), as Mesos' library does;
    /// neither events nor other calls move the timer.
    fn heartbeats(self: Arc<Self>) {
        let interval = self.config.heartbeat_interval;
        let mut next = Instant::now() + interval;
        loop {
            let subscribed = {
                let state = lock(&self.state);
                let wait = next.saturating_duration_since(Instant::now());
                let (state, _) = self
                    .changed
                    .wait_timeout_while(state, wait, |s| s.status == Status::DRIVER_RUNNING)
                    .unwrap_or_else(|p| p.into_inner());
                if state.status != Status::DRIVER_RUNNING {
                    return;
                }
                if Instant::now() < next {
                    continue; // woken by another change of state
                }
                state.subscribed
            };
            next += interval;
            if next < Instant::now() {
                next = Instant::now() + interval;
            }
            if subscribed {
                self.heartbeat();
            }
        }
    }

    /// The `SUBSCRIBE` call, with what is still unacknowledged.
    fn subscribe_call(&self) -> Call {
        let mut c = self.config.call(call::Type::SUBSCRIBE);
        let state = lock(&self.state);
        let s = c.subscribe.mut_or_insert_default();
        s.unacknowledged_tasks = state.unacked_tasks.clone();
        s.unacknowledged_updates = state
            .unacked_updates
            .iter()
            .map(|status| {
                let mut u = call::Update::new();
                u.status = MessageField::some(status.clone());
                u
            })
            .collect();
        c
    }

    /// The connection thread: subscribes, reads events, reconnects as the rules say.
    fn run(self: Arc<Self>) {
        let mut registered = false;
        let mut outage: Option<Instant> = None;
        let mut immediate_retry = false;
        loop {
            let outcome = self.subscribe_once(&mut registered, &mut outage);
            let (why, not_ready) = match outcome {
                Outcome::Stopped => return,
                Outcome::Refused(why) => {
                    let last = if registered {
                        ExecutorEvent::Shutdown
                    } else {
                        ExecutorEvent::Error {
                            message: format!(
                                "the agent at {} refused the subscription: {why}",
                                self.config.endpoint
                            ),
                        }
                    };
                    return self.give_up(last, format!("subscription refused: {why}"));
                }
                Outcome::NotReady(why) => (why, true),
                Outcome::Lost(why) => (why, false),
            };
            {
                let mut state = lock(&self.state);
                if state.status != Status::DRIVER_RUNNING {
                    return;
                }
                if state.shutdown_requested {
                    // Told to shut down, then the agent closed the stream: the expected end.
                    tracing::debug!(reason = %why, "event stream ended after SHUTDOWN");
                    state.status = Status::DRIVER_STOPPED;
                    state.subscribed = false;
                    self.changed.notify_all();
                    return;
                }
            }
            let was_subscribed = std::mem::replace(&mut lock(&self.state).subscribed, false);
            if was_subscribed {
                immediate_retry = true;
                self.queue(ExecutorEvent::Disconnected);
            }
            let since = *outage.get_or_insert_with(Instant::now);
            let limit = if self.config.checkpoint {
                self.config.recovery_timeout
            } else if not_ready {
                NOT_READY_LIMIT
            } else {
                Duration::ZERO
            };
            let left = limit.saturating_sub(since.elapsed());
            if left.is_zero() {
                let why = if self.config.checkpoint {
                    format!(
                        "no subscription within the recovery timeout of {:?}; last failure: {why}",
                        self.config.recovery_timeout
                    )
                } else if not_ready {
                    format!("the agent was not ready for {NOT_READY_LIMIT:?}: {why}")
                } else {
                    format!("{why} (framework checkpointing is off, so the executor does not reconnect)")
                };
                let last = if registered {
                    ExecutorEvent::Shutdown
                } else {
                    ExecutorEvent::Error {
                        message: format!(
                            "cannot subscribe to the agent at {}: {why}",
                            self.config.endpoint
                        ),
                    }
                };
                return self.give_up(last, why);
            }
            let pause = if not_ready {
                NOT_READY_RETRY
            } else if std::mem::take(&mut immediate_retry) {
                Duration::ZERO
            } else {
                random_up_to(self.config.backoff_max)
            };
            tracing::debug!(reason = %why, pause = ?pause, left = ?left, "reconnecting to the agent");
            if !self.pause(pause.min(left)) {
                return;
            }
        }
    }

    /// Connects, subscribes and reads events until something ends the subscription.
    fn subscribe_once(&self, registered: &mut bool, outage: &mut Option<Instant>) -> Outcome {
        let endpoint = &self.config.endpoint;
        let mut stream = match Stream::connect(&self.config.address, CONNECT_TIMEOUT) {
            Ok(s) => s,
            Err(e) => return Outcome::Lost(format!("cannot connect to {endpoint}: {e}")),
        };
        *lock(&self.stream) = stream.try_clone().ok();
        if !self.running() {
            stream.shutdown();
            return Outcome::Stopped;
        }
        stream.set_timeouts(Some(CALL_TIMEOUT), Some(CALL_TIMEOUT));
        let request = self.config.request(&self.subscribe_call());
        let lost = |what: &str, e: std::io::Error| {
            if self.running() {
                Outcome::Lost(format!("{what}: {e}"))
            } else {
                Outcome::Stopped
            }
        };
        if let Err(e) = std::io::Write::write_all(&mut stream, &request) {
            return lost("sending SUBSCRIBE failed", e);
        }
        let (head, rest) = match http1::read_head(&mut stream) {
            Ok(Some(x)) => x,
            Ok(None) => {
                return lost(
                    "SUBSCRIBE got no answer",
                    std::io::ErrorKind::UnexpectedEof.into(),
                )
            }
            Err(e) => return lost("reading the answer to SUBSCRIBE failed", e),
        };
        if head.status != 200 {
            let body = http1::read_body(&mut stream, &head, rest, MAX_ERROR_BODY)
                .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
                .unwrap_or_default();
            let why = format!("{} {}: {body}", head.status, head.reason);
            return match head.status {
                503 | 404 => Outcome::NotReady(why),
                _ => Outcome::Refused(why),
            };
        }
        if let Some(kind) = head
            .header("Content-Type")
            .filter(|t| !t.starts_with(PROTOBUF))
        {
            return Outcome::Refused(format!("the event stream has content type '{kind}'"));
        }
        tracing::debug!(endpoint = %endpoint, "subscribed to the agent");
        {
            let mut state = lock(&self.state);
            if state.status != Status::DRIVER_RUNNING {
                return Outcome::Stopped;
            }
            state.subscribed = true;
            state.ever_subscribed = true;
        }
        *outage = None;
        stream.set_timeouts(Some(STREAM_POLL), Some(CALL_TIMEOUT));
        let mut dechunker = (head.framing == Framing::Chunked).then(Dechunker::new);
        let mut records = recordio::Decoder::new(MAX_EVENT);
        let mut payload = Vec::new();
        let mut pending = rest;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            payload.clear();
            let input: &[u8] = &pending;
            match &mut dechunker {
                Some(d) => {
                    if let Err(e) = d.feed(input, &mut payload) {
                        return Outcome::Lost(format!("malformed event stream: {e}"));
                    }
                }
                None => payload.extend_from_slice(input),
            }
            let events = match records.feed(&payload) {
                Ok(events) => events,
                Err(e) => return Outcome::Lost(format!("malformed event stream: {e}")),
            };
            for bytes in events {
                match codec::decode::<Event>(&bytes) {
                    Ok(event) => {
                        if let Some(outcome) = self.handle(event, registered) {
                            return outcome;
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not decode an event from the agent")
                    }
                }
            }
            if dechunker.as_ref().is_some_and(Dechunker::is_done) {
                return Outcome::Lost("the agent ended the event stream".into());
            }
            pending.clear();
            match std::io::Read::read(&mut stream, &mut buf) {
                Ok(0) => {
                    return if self.running() {
                        let partial = if records.is_idle() {
                            ""
                        } else {
                            " inside an event"
                        };
                        Outcome::Lost(format!("the agent closed the event stream{partial}"))
                    } else {
                        Outcome::Stopped
                    }
                }
                Ok(n) => pending.extend_from_slice(&buf[..n]),
                Err(e) if http1::is_timeout(&e) => {
                    if !self.running() {
                        return Outcome::Stopped;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return lost("reading the event stream failed", e),
            }
        }
    }

    /// Acts on one event; `Some` when it ends the subscription.
    fn handle(&self, event: Event, registered: &mut bool) -> Option<Outcome> {
        use event::Type;
        let kind = event.type_();
        tracing::trace!(event = ?kind, "event from the agent");
        match kind {
            Type::SUBSCRIBED => {
                let s = event.subscribed.unwrap_or_default();
                let slave_info = s.slave_info.unwrap_or_default();
                if std::mem::replace(registered, true) {
                    self.queue(ExecutorEvent::Reregistered { slave_info });
                } else {
                    self.queue(ExecutorEvent::Registered {
                        executor_info: s.executor_info.unwrap_or_default(),
                        framework_info: s.framework_info.unwrap_or_default(),
                        slave_info,
                    });
                }
            }
            Type::LAUNCH => {
                let task = event.launch.unwrap_or_default().task.unwrap_or_default();
                self.launch(task);
            }
            Type::LAUNCH_GROUP => {
                let group = event
                    .launch_group
                    .unwrap_or_default()
                    .task_group
                    .unwrap_or_default();
                for task in group.tasks {
                    self.launch(task);
                }
            }
            Type::KILL => {
                let kill = event.kill.unwrap_or_default();
                self.queue(ExecutorEvent::KillTask {
                    task_id: kill.task_id.unwrap_or_default(),
                    kill_policy: kill.kill_policy.into_option(),
                });
            }
            Type::ACKNOWLEDGED => {
                let ack = event.acknowledged.unwrap_or_default();
                let mut state = lock(&self.state);
                state.unacked_updates.retain(|u| u.uuid() != ack.uuid());
                state
                    .unacked_tasks
                    .retain(|t| t.task_id.value() != ack.task_id.value());
                self.changed.notify_all();
            }
            Type::MESSAGE => {
                let data = event.message.unwrap_or_default().data().to_vec();
                self.queue(ExecutorEvent::FrameworkMessage { data });
            }
            Type::SHUTDOWN => {
                lock(&self.state).shutdown_requested = true;
                self.queue(ExecutorEvent::Shutdown);
            }
            Type::ERROR => {
                let message = event.error.unwrap_or_default().message().to_owned();
                self.give_up(
                    ExecutorEvent::Error {
                        message: message.clone(),
                    },
                    format!("the agent sent ERROR: {message}"),
                );
                return Some(Outcome::Stopped);
            }
            Type::HEARTBEAT => {}
            Type::UNKNOWN => tracing::warn!("an event of unknown type from the agent, ignored"),
        }
        None
    }

    fn launch(&self, task: TaskInfo) {
        {
            let mut state = lock(&self.state);
            state
                .unacked_tasks
                .retain(|t| t.task_id.value() != task.task_id.value());
            state.unacked_tasks.push(task.clone());
        }
        self.queue(ExecutorEvent::LaunchTask { task });
    }

    fn heartbeat(&self) {
        if let Err(e) = self.post(&self.config.call(call::Type::HEARTBEAT)) {
            tracing::debug!(error = %e.text(), "HEARTBEAT call failed");
        }
    }

    /// Sends one non-subscribe call on the keep-alive connection. A stop ends it at once.
    fn post(&self, call: &Call) -> std::result::Result<(), CallError> {
        let request = self.config.request(call);
        let mut slot = lock(&self.calls);
        let stopped = || CallError::Io("the driver was stopped".into());
        for attempt in 0..2 {
            if !self.running() {
                return Err(stopped());
            }
            let reused = slot.is_some();
            let mut conn = match slot.take() {
                Some(c) => c,
                None => Stream::connect(&self.config.address, CONNECT_TIMEOUT).map_err(|e| {
                    CallError::Io(format!("cannot connect to {}: {e}", self.config.endpoint))
                })?,
            };
            conn.set_timeouts(Some(CALL_TIMEOUT), Some(CALL_TIMEOUT));
            *lock(&self.in_flight) = conn.try_clone().ok();
            // A stop between the check above and this point found no call to interrupt.
            if !self.running() {
                lock(&self.in_flight).take();
                return Err(stopped());
            }
            let answer = self.exchange(&mut conn, &request, reused && attempt == 0);
            lock(&self.in_flight).take();
            match answer {
                Exchange::Retry => continue,
                Exchange::Failed(e) if !self.running() => {
                    tracing::debug!(error = %e.text(), "call ended by a stop");
                    return Err(stopped());
                }
                Exchange::Failed(e) => return Err(e),
                Exchange::Answered { status, body, keep } => {
                    if keep {
                        *slot = Some(conn);
                    }
                    return match status {
                        202 => Ok(()),
                        code => Err(CallError::Status(code, body)),
                    };
                }
            }
        }
        Err(CallError::Io("the agent closed the connection".into()))
    }

    /// Writes `request` on `conn` and reads the answer. `retry`: a failure that a
    /// kept-alive connection closed by the agent explains asks for a fresh connection.
    fn exchange(&self, conn: &mut Stream, request: &[u8], retry: bool) -> Exchange {
        let failed = |e: String| Exchange::Failed(CallError::Io(e));
        if let Err(e) = std::io::Write::write_all(conn, request) {
            if retry {
                return Exchange::Retry;
            }
            return failed(format!("sending the call failed: {e}"));
        }
        let (head, rest) = match http1::read_head(conn) {
            Ok(Some(x)) => x,
            // A kept-alive connection the agent had closed: once more on a fresh one.
            Ok(None) if retry => return Exchange::Retry,
            Ok(None) => return failed("the agent closed the connection".into()),
            Err(e) => return failed(format!("reading the answer failed: {e}")),
        };
        let body = match http1::read_body(conn, &head, rest, MAX_ERROR_BODY) {
            Ok(body) => body,
            Err(e) => return failed(format!("reading the answer failed: {e}")),
        };
        Exchange::Answered {
            status: head.status,
            body: format!("{} {}", head.reason, String::from_utf8_lossy(&body).trim()),
            keep: head.keep_alive,
        }
    }

    fn agent_error(&self, detail: String) -> Error {
        Error::Agent {
            endpoint: self.config.endpoint.clone(),
            detail,
        }
    }
}

impl Driver {
    /// Sends a validated, filled-in update (or keeps it for the next `SUBSCRIBE`).
    fn deliver_update(&self, status: TaskStatus) -> Result<()> {
        let shared = &self.shared;
        let mut call = shared.config.call(call::Type::UPDATE);
        call.update.mut_or_insert_default().status = MessageField::some(status.clone());
        {
            let mut state = lock(&shared.state);
            if state.status != Status::DRIVER_RUNNING {
                return Err(Error::NotRunning(state.status));
            }
            if !state.subscribed {
                if state.ever_subscribed && !shared.config.checkpoint {
                    return Err(shared.agent_error(format!(
                        "UPDATE for task '{}': disconnected from the agent, and without \
                         checkpointing the executor does not reconnect",
                        status.task_id.value()
                    )));
                }
                tracing::debug!(
                    task_id = status.task_id.value(),
                    "not subscribed: the update goes with the next SUBSCRIBE"
                );
                state.unacked_updates.push(status);
                return Ok(());
            }
            state.unacked_updates.push(status.clone());
        }
        match shared.post(&call) {
            Ok(()) => Ok(()),
            // Stopped or aborted meanwhile: nothing will carry it.
            Err(_) if !shared.running() => Err(Error::NotRunning(lock(&shared.state).status)),
            Err(CallError::Io(e)) if shared.config.checkpoint => {
                tracing::debug!(error = %e, "UPDATE failed; it goes with the next SUBSCRIBE");
                Ok(())
            }
            Err(e) => {
                let mut state = lock(&shared.state);
                state.unacked_updates.retain(|u| u.uuid() != status.uuid());
                shared.changed.notify_all();
                Err(shared.agent_error(format!(
                    "UPDATE for task '{}': {}",
                    status.task_id.value(),
                    e.text()
                )))
            }
        }
    }
}

impl EngineOps for Driver {
    fn start(&self) -> Result<Status> {
        let mut state = lock(&self.shared.state);
        if state.status != Status::DRIVER_NOT_STARTED {
            return Ok(state.status);
        }
        state.status = Status::DRIVER_RUNNING;
        drop(state);
        let spawn = |name: &str, body: fn(Arc<Shared>)| {
            let shared = self.shared.clone();
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || body(shared))
                .map_err(|e| Error::unsupported(format!("cannot start a thread: {e}")))
        };
        let connection = spawn("mesos-executor-http", Shared::run);
        let timer = connection
            .as_ref()
            .ok()
            .map(|_| spawn("mesos-executor-heartbeat", Shared::heartbeats));
        let mut threads = lock(&self.threads);
        for handle in [Some(connection), timer].into_iter().flatten() {
            match handle {
                Ok(handle) => threads.push(handle),
                Err(e) => {
                    drop(threads);
                    let mut state = lock(&self.shared.state);
                    state.status = Status::DRIVER_ABORTED;
                    self.shared.changed.notify_all();
                    drop(state);
                    self.shared.interrupt();
                    return Err(e);
                }
            }
        }
        Ok(Status::DRIVER_RUNNING)
    }

    fn stop(&self) -> Result<Status> {
        let mut state = lock(&self.shared.state);
        let answer = match state.status {
            Status::DRIVER_RUNNING => Status::DRIVER_STOPPED,
            Status::DRIVER_ABORTED => Status::DRIVER_ABORTED,
            other => return Ok(other),
        };
        state.status = Status::DRIVER_STOPPED;
        state.subscribed = false;
        self.shared.changed.notify_all();
        drop(state);
        self.shared.interrupt();
        self.shared.interrupt_call();
        Ok(answer)
    }

    fn abort(&self) -> Result<Status> {
        let mut state = lock(&self.shared.state);
        if state.status != Status::DRIVER_RUNNING {
            return Ok(state.status);
        }
        state.status = Status::DRIVER_ABORTED;
        state.subscribed = false;
        self.shared.changed.notify_all();
        drop(state);
        self.shared.interrupt();
        self.shared.interrupt_call();
        Ok(Status::DRIVER_ABORTED)
    }

    fn join(&self) -> Result<Status> {
        let state = lock(&self.shared.state);
        if state.status == Status::DRIVER_NOT_STARTED {
            return Ok(state.status);
        }
        let state = self
            .shared
            .changed
            .wait_while(state, |s| s.status == Status::DRIVER_RUNNING)
            .unwrap_or_else(|p| p.into_inner());
        match &state.failure {
            Some(e) => Err(e.clone()),
            None => Ok(state.status),
        }
    }

    fn send_status_update(&self, status: &TaskStatus) -> Result<()> {
        let shared = &self.shared;
        let missing = codec::missing_fields(status);
        if !missing.is_empty() {
            return Err(Error::MissingFields {
                type_name: "mesos.TaskStatus".into(),
                argument: Some(0),
                parameter: Some("status"),
                element: None,
                fields: missing,
            });
        }
        if status.state() == TaskState::TASK_STAGING {
            return Err(Error::InvalidArgument(
                "an executor may not send TASK_STAGING updates".into(),
            ));
        }
        let ours = &shared.config.executor_id;
        if status.executor_id.is_some() && status.executor_id.value() != ours {
            return Err(Error::InvalidArgument(format!(
                "the update names executor '{}', but this is executor '{ours}'",
                status.executor_id.value()
            )));
        }
        let mut status = status.clone();
        status.executor_id = MessageField::some(shared.config.executor_id());
        status.set_source(task_status::Source::SOURCE_EXECUTOR);
        status.set_uuid(uuid::Uuid::new_v4().as_bytes().to_vec());
        if !status.has_timestamp() {
            status.set_timestamp(now_seconds());
        }
        let result = self.deliver_update(status);
        if result.is_err() {
            // A valid update that will never be acknowledged: `wait_acknowledged` says so.
            lock(&shared.state).undelivered += 1;
            shared.changed.notify_all();
        }
        result
    }

    fn send_framework_message(&self, data: &[u8]) -> Result<()> {
        let shared = &self.shared;
        {
            let state = lock(&shared.state);
            if state.status != Status::DRIVER_RUNNING {
                return Err(Error::NotRunning(state.status));
            }
            if !state.subscribed {
                return Err(shared.agent_error(
                    "not subscribed to the agent (disconnected); the message was not sent".into(),
                ));
            }
        }
        let mut call = shared.config.call(call::Type::MESSAGE);
        call.message.mut_or_insert_default().set_data(data.to_vec());
        shared
            .post(&call)
            .map_err(|e| shared.agent_error(format!("MESSAGE: {}", e.text())))
    }

    fn wait_acknowledged(&self, timeout: Duration) -> Result<bool> {
        let state = lock(&self.shared.state);
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, timeout, |s| {
                !s.unacked_updates.is_empty()
                    && s.undelivered == 0
                    && s.status == Status::DRIVER_RUNNING
            })
            .unwrap_or_else(|p| p.into_inner());
        Ok(state.unacked_updates.is_empty() && state.undelivered == 0)
    }

    fn break_connection(&self) {
        self.shared.interrupt();
    }

    fn release(&mut self) {
        {
            let mut state = lock(&self.shared.state);
            if state.status == Status::DRIVER_RUNNING {
                state.status = Status::DRIVER_STOPPED;
            }
            self.shared.changed.notify_all();
        }
        self.shared.interrupt();
        self.shared.interrupt_call();
        // Both threads end promptly: the stream's read and any call were just interrupted,
        // and the timer waits on `changed`. Only a connection attempt in progress (at most
        // CONNECT_TIMEOUT) can make this wait.
        for handle in std::mem::take(&mut *lock(&self.threads)) {
            let _ = handle.join();
        }
        if let Some(conn) = lock(&self.shared.calls).take() {
            conn.shutdown();
        }
        // The callback queue's sender: the callback thread ends once every sender is gone.
        drop(lock(&self.shared.ctx).take());
    }
}

/// For tests: the SUBSCRIBE call a driver with these unacknowledged items would send.
#[cfg(test)]
fn subscribe_with(config: Config, updates: Vec<TaskStatus>, tasks: Vec<TaskInfo>) -> Call {
    let shared = Shared {
        config,
        state: Mutex::new(State {
            status: Status::DRIVER_RUNNING,
            failure: None,
            subscribed: false,
            shutdown_requested: false,
            ever_subscribed: false,
            unacked_updates: updates,
            unacked_tasks: tasks,
            undelivered: 0,
        }),
        changed: Condvar::new(),
        stream: Mutex::new(None),
        calls: Mutex::new(None),
        in_flight: Mutex::new(None),
        ctx: Mutex::new(None),
    };
    shared.subscribe_call()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protobuf::Message;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> Env {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Env::from_map(&map)
    }

    const BASE: [(&str, &str); 4] = [
        ("MESOS_FRAMEWORK_ID", "fw-1"),
        ("MESOS_EXECUTOR_ID", "ex-1"),
        ("MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"),
        ("MESOS_SLAVE_PID", "slave(2)@127.0.0.1:5051"),
    ];

    fn config() -> Config {
        Config::from_env(&env(&BASE)).unwrap()
    }

    #[test]
    fn environment() {
        let c = config();
        assert_eq!(c.address, Address::Tcp("127.0.0.1:5051".into()));
        assert_eq!(c.path, "/slave(2)/api/v1/executor");
        assert!(!c.checkpoint);

        let only_endpoint = Config::from_env(&env(&BASE[..3])).unwrap();
        assert_eq!(only_endpoint.path, "/api/v1/executor");
        let only_pid = Config::from_env(&env(&[BASE[0], BASE[1], BASE[3]])).unwrap();
        assert_eq!(only_pid.endpoint, "127.0.0.1:5051");

        let names = |r: Result<Config>| match r {
            Err(Error::Environment { variables, .. }) => variables,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            names(Config::from_env(&env(&[]))),
            [
                "MESOS_FRAMEWORK_ID",
                "MESOS_EXECUTOR_ID",
                "MESOS_AGENT_ENDPOINT"
            ]
        );
        let mut bad = BASE.to_vec();
        bad[2] = ("MESOS_AGENT_ENDPOINT", "localhost");
        assert_eq!(
            names(Config::from_env(&env(&bad))),
            ["MESOS_AGENT_ENDPOINT"]
        );
        bad[2] = ("MESOS_AGENT_ENDPOINT", "127.0.0.1:port");
        assert_eq!(
            names(Config::from_env(&env(&bad))),
            ["MESOS_AGENT_ENDPOINT"]
        );
        let mut bad = BASE.to_vec();
        bad[3] = ("MESOS_SLAVE_PID", "nonsense");
        assert_eq!(names(Config::from_env(&env(&bad))), ["MESOS_SLAVE_PID"]);

        let mut cp = BASE.to_vec();
        cp.push(("MESOS_CHECKPOINT", "1"));
        assert_eq!(
            names(Config::from_env(&env(&cp))),
            ["MESOS_RECOVERY_TIMEOUT", "MESOS_SUBSCRIPTION_BACKOFF_MAX"]
        );
        cp.push(("MESOS_RECOVERY_TIMEOUT", "15mins"));
        cp.push(("MESOS_SUBSCRIPTION_BACKOFF_MAX", "two"));
        assert_eq!(
            names(Config::from_env(&env(&cp))),
            ["MESOS_SUBSCRIPTION_BACKOFF_MAX"]
        );
        cp.pop();
        cp.push(("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs"));
        let c = Config::from_env(&env(&cp)).unwrap();
        assert!(c.checkpoint);
        assert_eq!(c.recovery_timeout, Duration::from_secs(900));
        assert_eq!(c.backoff_max, Duration::from_secs(2));

        let mut tls = BASE.to_vec();
        tls.push(("LIBPROCESS_SSL_ENABLED", "true"));
        assert!(matches!(
            Config::from_env(&env(&tls)),
            Err(Error::Unsupported { .. })
        ));
        let mut unix = BASE.to_vec();
        unix.push(("MESOS_DOMAIN_SOCKET", "/run/agent.sock"));
        assert_eq!(
            Config::from_env(&env(&unix)).unwrap().address,
            Address::Unix("/run/agent.sock".into())
        );
    }

    /// Every call as the agent receives it: the HTTP request and the protobuf bytes.
    #[test]
    fn call_encodings_on_the_wire() {
        let mut c = config();
        c.token = Some("secret-token".into());
        let heartbeat = c.call(call::Type::HEARTBEAT);
        // executor_id (1) {value "ex-1"}, framework_id (2) {value "fw-1"}, type (3) = 4.
        let body: &[u8] = b"\x0a\x06\x0a\x04ex-1\x12\x06\x0a\x04fw-1\x18\x04";
        assert_eq!(codec::encode(&heartbeat), body);
        assert!(!format!("{c:?}").contains("secret-token"), "{c:?}");
        let mut expected = b"POST /slave(2)/api/v1/executor HTTP/1.1\r\nHost: 127.0.0.1:5051\r\nContent-Type: application/x-protobuf\r\nAccept: application/x-protobuf\r\nAuthorization: Bearer secret-token\r\nContent-Length: 18\r\n\r\n".to_vec();
        expected.extend_from_slice(body);
        assert_eq!(c.request(&heartbeat), expected);

        let mut message = c.call(call::Type::MESSAGE);
        message
            .message
            .mut_or_insert_default()
            .set_data(b"hi".to_vec());
        // ... type (3) = 3, message (6) {data (2) "hi"}.
        assert_eq!(
            codec::encode(&message),
            b"\x0a\x06\x0a\x04ex-1\x12\x06\x0a\x04fw-1\x18\x03\x32\x04\x12\x02hi"
        );
    }

    #[test]
    fn subscribe_carries_what_is_unacknowledged() {
        let first = subscribe_with(config(), Vec::new(), Vec::new());
        // ... type (3) = 1, subscribe (4) {} (present, empty).
        assert_eq!(
            codec::encode(&first),
            b"\x0a\x06\x0a\x04ex-1\x12\x06\x0a\x04fw-1\x18\x01\x22\x00"
        );
        let mut update = TaskStatus::new();
        update
            .task_id
            .mut_or_insert_default()
            .set_value("t1".into());
        update.set_state(TaskState::TASK_RUNNING);
        update.set_uuid(vec![7; 16]);
        let mut task = TaskInfo::new();
        task.set_name("n".into());
        task.task_id.mut_or_insert_default().set_value("t2".into());
        task.slave_id.mut_or_insert_default().set_value("s".into());
        let again = subscribe_with(config(), vec![update.clone()], vec![task.clone()]);
        let bytes = codec::encode(&again);
        let parsed = Call::parse_from_bytes(&bytes).unwrap();
        assert_eq!(parsed.type_(), call::Type::SUBSCRIBE);
        assert_eq!(parsed.subscribe.unacknowledged_tasks, [task.clone()]);
        assert_eq!(parsed.subscribe.unacknowledged_updates.len(), 1);
        assert_eq!(*parsed.subscribe.unacknowledged_updates[0].status, update);
        // On the wire: subscribe (4) holds unacknowledged_tasks (1) then
        // unacknowledged_updates (2), each length-delimited.
        let task_bytes = codec::encode(&task);
        let mut u = call::Update::new();
        u.status = MessageField::some(update);
        let update_bytes = codec::encode(&u);
        let mut inner = vec![0x0a, task_bytes.len() as u8];
        inner.extend_from_slice(&task_bytes);
        inner.extend_from_slice(&[0x12, update_bytes.len() as u8]);
        inner.extend_from_slice(&update_bytes);
        let mut expected = b"\x0a\x06\x0a\x04ex-1\x12\x06\x0a\x04fw-1\x18\x01\x22".to_vec();
        expected.push(inner.len() as u8);
        expected.extend_from_slice(&inner);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn events_decode_from_recordio_frames() {
        // What the agent writes: RecordIO frames of Event messages, split into HTTP chunks.
        let mut launch = Event::new();
        launch.set_type(event::Type::LAUNCH);
        let task = &mut launch.launch.mut_or_insert_default().task;
        task.mut_or_insert_default().set_name("t".into());
        let mut ack = Event::new();
        ack.set_type(event::Type::ACKNOWLEDGED);
        let a = ack.acknowledged.mut_or_insert_default();
        a.task_id.mut_or_insert_default().set_value("t".into());
        a.set_uuid(vec![1; 16]);
        let stream: Vec<u8> = [codec::encode(&launch), codec::encode(&ack)]
            .iter()
            .flat_map(|e| recordio::encode(e))
            .collect();
        let mut chunked = Vec::new();
        for piece in stream.chunks(5) {
            chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            chunked.extend_from_slice(piece);
            chunked.extend_from_slice(b"\r\n");
        }
        let mut d = Dechunker::new();
        let mut payload = Vec::new();
        d.feed(&chunked, &mut payload).unwrap();
        let records = recordio::Decoder::new(MAX_EVENT).feed(&payload).unwrap();
        let events: Vec<Event> = records
            .iter()
            .map(|r| codec::decode::<Event>(r).unwrap())
            .collect();
        assert_eq!(events, [launch, ack]);
    }
}
