//! Reading a task's output and other files of its sandbox: from an agent's work directory on
//! this machine (the in-process local cluster, or an agent whose `--work_dir` you can read),
//! or from any agent through its `/files` HTTP endpoints.
//!
//! Every executor runs in a sandbox, a directory the agent makes for each run of it:
//! `<work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>`.
//! An agent of a real cluster points the executor's standard output and error at the files
//! `stdout` and `stderr` there; a command task (no `executor` in its `TaskInfo`) runs under
//! an executor with the task's own id, so its command's output is in those two files too.
//!
//! Three ways to a [`Sandbox`], each taking a [`TaskRef`] (a task id, or a `TaskStatus` /
//! `TaskInfo` that also says which executor, framework and agent):
//!
//! * [`LocalClusterGuard::sandbox`](crate::local::LocalClusterGuard::sandbox) for the
//!   in-process local cluster, and [`Sandbox::find_in`] for any agent work directory this
//!   process can read;
//! * [`Agent::sandbox`] asks an agent (`host:port`) over HTTP: its `/state` names the run's
//!   directory, its `/files/read` serves the files;
//! * [`Agent::of_task`] first asks the master which agent runs the task.
//!
//! ```no_run
//! use mesos::sandbox::{Agent, TaskRef};
//! # fn main() -> Result<(), mesos::sandbox::SandboxError> {
//! // A task's output on a cluster, knowing only the master and the task id.
//! let agent = Agent::of_task("10.0.0.1:5050", "my-task")?;
//! let sandbox = agent.sandbox("my-task")?;
//! print!("{}", sandbox.stdout()?);
//! eprint!("{}", sandbox.stderr()?);
//! for file in sandbox.list("")? {
//!     println!("{} {} bytes", file.name, file.size);
//! }
//! # Ok(()) }
//! ```
//!
//! **In-process local cluster.** libmesos' local mode gives every executor the agent's own
//! standard output and error, i.e. your program's, and leaves the sandbox's `stdout` and
//! `stderr` empty. The dev kit's launch helper (`mesos-containerizer` from `mesos-launcher`)
//! writes them into the sandbox instead when `MESOS_CONTAINERIZER_SANDBOX_STDIO=true`, which
//! [`LocalCluster`](crate::local::LocalCluster) sets when the agent uses the kit's helpers.
//! Mesos' own helpers do not know that variable: with them the sandbox files stay empty in
//! local mode (a real agent, `mesos-agent`, fills them either way). The local cluster's work
//! directory is removed when its guard drops; keep it with
//! [`LocalCluster::keep_work_dir`](crate::local::LocalCluster::keep_work_dir) or
//! [`LocalClusterGuard::keep`](crate::local::LocalClusterGuard::keep) to read the files
//! afterwards.
//!
//! **Limits.** The HTTP side speaks plain HTTP without authentication (an agent started with
//! `--authenticate_http_readonly` answers 401: read the files another way), and does not
//! follow redirects: give [`Agent::of_task`] the leading master (another one answers 307,
//! reported as [`SandboxError::Status`]). Paths given to
//! [`Sandbox::read`] are relative to the sandbox and may not leave it (`..` is refused).

mod http;
mod json;

use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::types::{TaskID, TaskInfo, TaskStatus};

use json::Value;

/// Why a sandbox or one of its files could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// No sandbox matches the task.
    #[error("no sandbox of task {task} in {place}")]
    NotFound {
        /// The task id looked for.
        task: String,
        /// Where it was looked for (a directory, or an agent's or master's address).
        place: String,
    },
    /// Sandboxes of several executors or frameworks match the task id; name the framework
    /// (or the executor) in the [`TaskRef`].
    #[error("task {task} matches {} sandboxes ({}): name its framework or executor in the TaskRef",
        .candidates.len(), .candidates.join(", "))]
    Ambiguous {
        /// The task id looked for.
        task: String,
        /// `framework/executor` of each match.
        candidates: Vec<String>,
    },
    /// A file name that is absolute or leaves the sandbox.
    #[error("{name:?} is not a path inside the sandbox (relative, without `..`)")]
    BadName {
        /// The name given.
        name: String,
    },
    /// Reading a local file or directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// The HTTP request could not be made or its answer not read.
    #[error("GET http://{url}: {source}")]
    Request {
        /// Address and path asked.
        url: String,
        /// What went wrong.
        #[source]
        source: io::Error,
    },
    /// The server answered with an error status (404: no such file on the agent).
    #[error("GET http://{url}: HTTP {status}: {body}")]
    Status {
        /// Address and path asked.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },
    /// The answer was not the JSON the endpoint documents.
    #[error("GET http://{url}: unexpected answer: {what}")]
    BadAnswer {
        /// Address and path asked.
        url: String,
        /// What was wrong with it.
        what: String,
    },
}

/// Which task's sandbox: its id, and as much as is known of where it runs. Built from a task
/// id (`"my-task"`, `&TaskID`), a `&TaskStatus` (which names the executor and agent) or a
/// `&TaskInfo`.
///
/// A command task's executor has the task's id, so the task id alone finds it; a task of a
/// custom executor is found through the agent's records (its `/state`, or on disk the
/// agent's `meta` directory), or directly when the executor id is given.
///
/// ```
/// use mesos::sandbox::TaskRef;
/// let t = TaskRef::new("t1").executor("my-executor").framework("fw-1");
/// assert_eq!(t.task_id, "t1");
/// assert_eq!(TaskRef::from("t1").executor_id, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskRef {
    /// The task id.
    pub task_id: String,
    /// The executor that runs it, if known.
    pub executor_id: Option<String>,
    /// Its framework, if known.
    pub framework_id: Option<String>,
    /// The agent it runs on, if known.
    pub agent_id: Option<String>,
}

impl TaskRef {
    /// A task known by its id only.
    pub fn new(task_id: impl Into<String>) -> TaskRef {
        TaskRef {
            task_id: task_id.into(),
            ..TaskRef::default()
        }
    }

    /// Names the executor that runs the task.
    pub fn executor(mut self, executor_id: impl Into<String>) -> TaskRef {
        self.executor_id = Some(executor_id.into());
        self
    }

    /// Names the task's framework.
    pub fn framework(mut self, framework_id: impl Into<String>) -> TaskRef {
        self.framework_id = Some(framework_id.into());
        self
    }

    /// Names the agent the task runs on.
    pub fn agent(mut self, agent_id: impl Into<String>) -> TaskRef {
        self.agent_id = Some(agent_id.into());
        self
    }
}

impl From<&str> for TaskRef {
    fn from(task_id: &str) -> TaskRef {
        TaskRef::new(task_id)
    }
}

impl From<String> for TaskRef {
    fn from(task_id: String) -> TaskRef {
        TaskRef::new(task_id)
    }
}

impl From<&TaskID> for TaskRef {
    fn from(id: &TaskID) -> TaskRef {
        TaskRef::new(id.value())
    }
}

impl From<&TaskRef> for TaskRef {
    fn from(t: &TaskRef) -> TaskRef {
        t.clone()
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

impl From<&TaskStatus> for TaskRef {
    fn from(s: &TaskStatus) -> TaskRef {
        TaskRef {
            task_id: s.task_id.value().to_owned(),
            executor_id: s.executor_id.as_ref().and_then(|e| non_empty(e.value())),
            framework_id: None,
            agent_id: s.slave_id.as_ref().and_then(|a| non_empty(a.value())),
        }
    }
}

impl From<&TaskInfo> for TaskRef {
    fn from(t: &TaskInfo) -> TaskRef {
        let executor = t
            .executor
            .as_ref()
            .and_then(|e| e.executor_id.as_ref().and_then(|id| non_empty(id.value())));
        TaskRef {
            task_id: t.task_id.value().to_owned(),
            // A command task's executor has the task's id.
            executor_id: executor.or_else(|| non_empty(t.task_id.value())),
            framework_id: None,
            agent_id: t.slave_id.as_ref().and_then(|a| non_empty(a.value())),
        }
    }
}

/// One entry of a sandbox directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The file's name.
    pub name: String,
    /// Its full path on the agent's machine.
    pub path: PathBuf,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Its size in bytes.
    pub size: u64,
}

/// Bytes read from a file at an offset ([`Sandbox::read_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Where the bytes start in the file.
    pub offset: u64,
    /// The bytes; empty at the end of the file.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Place {
    Local,
    Remote(Agent),
}

/// One run of an executor: the directory its task(s) ran in, on this machine or on an agent.
/// See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sandbox {
    place: Place,
    directory: PathBuf,
    framework_id: String,
    executor_id: String,
    agent_id: String,
}

/// The most one `/files/read` answer holds (the agent caps it at 16 pages).
const PAGE: u64 = 64 * 1024;

impl Sandbox {
    /// Finds the sandbox of `task` under an agent work directory on this machine: the local
    /// cluster's (`LocalClusterGuard::work_dir`), or an agent's `--work_dir`. Agents of the
    /// local cluster have their own work directories below it; the search covers them all.
    ///
    /// When the executor runs several times, the latest run is taken (what `runs/latest`
    /// points to).
    pub fn find_in(
        work_dir: impl AsRef<Path>,
        task: impl Into<TaskRef>,
    ) -> Result<Sandbox, SandboxError> {
        let work_dir = work_dir.as_ref();
        let task = task.into();
        let mut runs = Vec::new();
        collect_runs(work_dir, 0, &mut runs).map_err(|source| SandboxError::Io {
            path: work_dir.to_owned(),
            source,
        })?;
        let wanted = |r: &Run| {
            task.framework_id
                .as_ref()
                .map_or(true, |f| *f == r.framework)
                && task.agent_id.as_ref().map_or(true, |a| *a == r.agent)
                && match &task.executor_id {
                    Some(e) => *e == r.executor,
                    None => r.executor == task.task_id || r.ran_task(&task.task_id),
                }
        };
        let mut matching: Vec<Run> = runs.into_iter().filter(wanted).collect();
        // Several runs of one executor: the latest.
        matching.sort_by(|a, b| {
            a.key()
                .cmp(&b.key())
                .then(b.is_latest.cmp(&a.is_latest))
                .then(b.modified.cmp(&a.modified))
        });
        matching.dedup_by(|later, first| later.key() == first.key());
        match matching.len() {
            0 => Err(SandboxError::NotFound {
                place: if task.executor_id.is_none() {
                    format!(
                        "{} (a task of a custom executor is found by its id alone only when its \
                         framework checkpoints: give the executor id, or the TaskStatus)",
                        work_dir.display()
                    )
                } else {
                    work_dir.display().to_string()
                },
                task: task.task_id,
            }),
            1 => {
                let r = matching.remove(0);
                Ok(Sandbox {
                    place: Place::Local,
                    directory: r.directory,
                    framework_id: r.framework,
                    executor_id: r.executor,
                    agent_id: r.agent,
                })
            }
            _ => Err(SandboxError::Ambiguous {
                task: task.task_id,
                candidates: matching
                    .iter()
                    .map(|r| format!("{}/{}/{}", r.agent, r.framework, r.executor))
                    .collect(),
            }),
        }
    }

    /// The sandbox directory (on the agent's machine, for one read over HTTP).
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Whether the files are read from this machine's file system (else over HTTP).
    pub fn is_local(&self) -> bool {
        matches!(self.place, Place::Local)
    }

    /// The framework the executor belongs to.
    pub fn framework_id(&self) -> &str {
        &self.framework_id
    }

    /// The executor (for a command task: the task's id).
    pub fn executor_id(&self) -> &str {
        &self.executor_id
    }

    /// The agent it ran on.
    pub fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn file(&self, name: &str) -> Result<PathBuf, SandboxError> {
        let p = Path::new(name);
        if p.components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(SandboxError::BadName { name: name.into() });
        }
        Ok(self.directory.join(p))
    }

    /// The whole file `name` (relative to the sandbox, e.g. `"stdout"` or `"logs/app.log"`).
    pub fn read(&self, name: &str) -> Result<Vec<u8>, SandboxError> {
        let path = self.file(name)?;
        match &self.place {
            Place::Local => {
                std::fs::read(&path).map_err(|source| SandboxError::Io { path, source })
            }
            Place::Remote(agent) => agent.read_all(&path),
        }
    }

    /// The file `name` as text (invalid UTF-8 replaced by U+FFFD).
    pub fn read_to_string(&self, name: &str) -> Result<String, SandboxError> {
        Ok(String::from_utf8_lossy(&self.read(name)?).into_owned())
    }

    /// What the executor (and, for a command task, its command) wrote to standard output.
    pub fn stdout(&self) -> Result<String, SandboxError> {
        self.read_to_string("stdout")
    }

    /// What the executor (and, for a command task, its command) wrote to standard error.
    pub fn stderr(&self) -> Result<String, SandboxError> {
        self.read_to_string("stderr")
    }

    /// Up to `max` bytes of `name` from `offset` (at most 64 KiB per call over HTTP); an empty
    /// chunk at the end of the file. Call again from `offset + data.len()` to follow a file
    /// that grows.
    pub fn read_at(&self, name: &str, offset: u64, max: u64) -> Result<Chunk, SandboxError> {
        let path = self.file(name)?;
        match &self.place {
            Place::Local => {
                use std::io::{Read, Seek, SeekFrom};
                let io_err = |source| SandboxError::Io {
                    path: path.clone(),
                    source,
                };
                let mut f = std::fs::File::open(&path).map_err(io_err)?;
                f.seek(SeekFrom::Start(offset)).map_err(io_err)?;
                let mut data = Vec::new();
                f.take(max).read_to_end(&mut data).map_err(io_err)?;
                Ok(Chunk { offset, data })
            }
            Place::Remote(agent) => agent.read(&path, offset, max),
        }
    }

    /// The entries of directory `dir` of the sandbox (`""` for the sandbox itself), by name.
    pub fn list(&self, dir: &str) -> Result<Vec<FileInfo>, SandboxError> {
        let path = if dir.is_empty() {
            self.directory.clone()
        } else {
            self.file(dir)?
        };
        match &self.place {
            Place::Local => {
                let io_err = |source| SandboxError::Io {
                    path: path.clone(),
                    source,
                };
                let mut out = Vec::new();
                for entry in std::fs::read_dir(&path).map_err(io_err)? {
                    let entry = entry.map_err(io_err)?;
                    let meta = entry.metadata().map_err(io_err)?;
                    out.push(FileInfo {
                        name: entry.file_name().to_string_lossy().into_owned(),
                        path: entry.path(),
                        is_dir: meta.is_dir(),
                        size: meta.len(),
                    });
                }
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(out)
            }
            Place::Remote(agent) => agent.browse(&path),
        }
    }
}

/// One run directory found on disk.
struct Run {
    agent: String,
    framework: String,
    executor: String,
    directory: PathBuf,
    /// The agent work directory (above `slaves/`).
    agent_work: PathBuf,
    container: String,
    is_latest: bool,
    modified: Option<std::time::SystemTime>,
}

impl Run {
    fn key(&self) -> (String, String, String) {
        (
            self.agent.clone(),
            self.framework.clone(),
            self.executor.clone(),
        )
    }

    /// Whether the agent's records (`meta/.../runs/<container>/tasks/<task>`) say this run
    /// had the task.
    fn ran_task(&self, task: &str) -> bool {
        self.agent_work
            .join("meta/slaves")
            .join(&self.agent)
            .join("frameworks")
            .join(&self.framework)
            .join("executors")
            .join(&self.executor)
            .join("runs")
            .join(&self.container)
            .join("tasks")
            .join(task)
            .is_dir()
    }
}

/// Names of `dir`'s ancestors, nearest first (`[parent, grandparent, ...]`).
fn names_above(dir: &Path, n: usize) -> Vec<String> {
    dir.ancestors()
        .skip(1)
        .take(n)
        .map(|p| {
            p.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// Walks `dir` for `slaves/<a>/frameworks/<f>/executors/<e>/runs/<c>` directories, skipping
/// the agents' `meta` trees and symlinks (`runs/latest`), and not entering sandboxes.
fn collect_runs(dir: &Path, depth: usize, out: &mut Vec<Run>) -> io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_dir() || entry.file_name() == "meta" {
            continue;
        }
        let path = entry.path();
        let up = names_above(&path, 7);
        if up.len() == 7
            && up[0] == "runs"
            && up[2] == "executors"
            && up[4] == "frameworks"
            && up[6] == "slaves"
        {
            let runs_dir = path.parent().unwrap_or(dir);
            let container = entry.file_name().to_string_lossy().into_owned();
            let is_latest = std::fs::read_link(runs_dir.join("latest"))
                .map(|t| {
                    t.file_name()
                        .is_some_and(|n| n.to_string_lossy() == container)
                })
                .unwrap_or(false);
            out.push(Run {
                agent: up[5].clone(),
                framework: up[3].clone(),
                executor: up[1].clone(),
                agent_work: path.ancestors().nth(8).unwrap_or(dir).to_owned(),
                directory: path.clone(),
                container,
                is_latest,
                modified: entry.metadata().and_then(|m| m.modified()).ok(),
            });
            continue;
        }
        // An unreadable subdirectory (another user's sandbox) does not stop the search.
        let _ = collect_runs(&path, depth + 1, out);
    }
    Ok(())
}

/// An agent's HTTP endpoints: its `/state` and the `/files` endpoints of its process.
///
/// ```no_run
/// # fn main() -> Result<(), mesos::sandbox::SandboxError> {
/// let agent = mesos::sandbox::Agent::new("10.0.0.7:5051");
/// let out = agent.sandbox("my-task")?.stdout()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    address: String,
    process: String,
    timeout: Duration,
}

/// `host:port` of an address given as `host:port`, `http://host:port[/]` or a libprocess pid
/// `name@host:port`; and the process name, if any.
fn split_address(address: &str) -> (String, Option<String>) {
    let a = address.trim();
    let a = a.strip_prefix("http://").unwrap_or(a);
    let a = a.trim_end_matches('/');
    match a.split_once('@') {
        Some((process, hostport)) => (hostport.to_owned(), Some(process.to_owned())),
        None => (a.to_owned(), None),
    }
}

impl Agent {
    /// The agent at `address`: `host:port`, `http://host:port`, or its libprocess pid
    /// (`slave(1)@host:port`, as a master's `/state` lists agents; the in-process local
    /// cluster's agents are `slave(1)`, `slave(2)`, ... at the master's address).
    pub fn new(address: &str) -> Agent {
        let (address, process) = split_address(address);
        Agent {
            address,
            process: process.unwrap_or_else(|| "slave(1)".into()),
            timeout: Duration::from_secs(30),
        }
    }

    /// The agent that runs (or ran) `task`, asking the master at `master` (`host:port`) for
    /// its `/master/state`. With an agent id in the [`TaskRef`] only the agent is looked up.
    pub fn of_task(master: &str, task: impl Into<TaskRef>) -> Result<Agent, SandboxError> {
        let task = task.into();
        let (master, _) = split_address(master);
        let state = get_json(&master, "/master/state", Duration::from_secs(30))?;
        let url = format!("{master}/master/state");
        let agent_id = match &task.agent_id {
            Some(a) => a.clone(),
            None => {
                let mut found = Vec::new();
                for fw in frameworks_in(&state, task.framework_id.as_deref()) {
                    for list in ["tasks", "unreachable_tasks", "completed_tasks"] {
                        for t in fw.get(list).map(Value::items).unwrap_or_default() {
                            if t.get("id").and_then(Value::str) == Some(task.task_id.as_str()) {
                                if let Some(a) = t.get("slave_id").and_then(Value::str) {
                                    if !found.iter().any(|x| x == a) {
                                        found.push(a.to_owned());
                                    }
                                }
                            }
                        }
                    }
                }
                match found.len() {
                    0 => {
                        return Err(SandboxError::NotFound {
                            task: task.task_id,
                            place: url,
                        })
                    }
                    1 => found.remove(0),
                    _ => {
                        return Err(SandboxError::Ambiguous {
                            task: task.task_id,
                            candidates: found.iter().map(|a| format!("agent {a}")).collect(),
                        })
                    }
                }
            }
        };
        let slaves = state.get("slaves").map(Value::items).unwrap_or_default();
        let pid = slaves
            .iter()
            .find(|s| s.get("id").and_then(Value::str) == Some(agent_id.as_str()))
            .and_then(|s| s.get("pid").and_then(Value::str))
            .ok_or_else(|| SandboxError::BadAnswer {
                url,
                what: format!("agent {agent_id} is not listed with a pid"),
            })?;
        Ok(Agent::new(pid))
    }

    /// Gives up on a request after `timeout` without progress (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Agent {
        self.timeout = timeout;
        self
    }

    /// `host:port` of the agent.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The sandbox of `task` on this agent, from the agent's `/state` (the task may be
    /// running, queued or completed; the latest run of its executor is taken).
    pub fn sandbox(&self, task: impl Into<TaskRef>) -> Result<Sandbox, SandboxError> {
        let task = task.into();
        let path = format!("/{}/state", self.process);
        let state = get_json(&self.address, &path, self.timeout)?;
        let agent_id = state
            .get("id")
            .and_then(Value::str)
            .unwrap_or_default()
            .to_owned();
        if task.agent_id.as_ref().is_some_and(|a| *a != agent_id) {
            return Err(SandboxError::NotFound {
                task: task.task_id,
                place: format!(
                    "{}{path} (agent {agent_id}, not {})",
                    self.address,
                    task.agent_id.unwrap_or_default()
                ),
            });
        }
        let runs_task = |e: &Value| {
            let id = e.get("id").and_then(Value::str).unwrap_or_default();
            match &task.executor_id {
                Some(wanted) => id == wanted,
                None => {
                    id == task.task_id
                        || ["tasks", "queued_tasks", "completed_tasks"]
                            .iter()
                            .any(|list| {
                                e.get(list)
                                    .map(Value::items)
                                    .unwrap_or_default()
                                    .iter()
                                    .any(|t| {
                                        t.get("id").and_then(Value::str)
                                            == Some(task.task_id.as_str())
                                    })
                            })
                }
            }
        };
        let mut found: Vec<(String, String, String)> = Vec::new();
        for fw in frameworks_in(&state, task.framework_id.as_deref()) {
            let fw_id = fw.get("id").and_then(Value::str).unwrap_or_default();
            // Running executors first, then the completed ones, latest last.
            let running = fw.get("executors").map(Value::items).unwrap_or_default();
            let mut completed: Vec<&Value> = fw
                .get("completed_executors")
                .map(Value::items)
                .unwrap_or_default()
                .iter()
                .collect();
            completed.reverse();
            for e in running.iter().chain(completed) {
                if !runs_task(e) {
                    continue;
                }
                let (Some(id), Some(dir)) = (
                    e.get("id").and_then(Value::str),
                    e.get("directory").and_then(Value::str),
                ) else {
                    continue;
                };
                if !found.iter().any(|(f, x, _)| f == fw_id && x == id) {
                    found.push((fw_id.to_owned(), id.to_owned(), dir.to_owned()));
                }
            }
        }
        match found.len() {
            0 => Err(SandboxError::NotFound {
                task: task.task_id,
                place: format!("{}{path}", self.address),
            }),
            1 => {
                let (framework_id, executor_id, dir) = found.remove(0);
                Ok(Sandbox {
                    place: Place::Remote(self.clone()),
                    directory: PathBuf::from(dir),
                    framework_id,
                    executor_id,
                    agent_id,
                })
            }
            _ => Err(SandboxError::Ambiguous {
                task: task.task_id,
                candidates: found.iter().map(|(f, e, _)| format!("{f}/{e}")).collect(),
            }),
        }
    }

    /// Up to `max` bytes (at most 64 KiB) of the file at `path` on the agent, from `offset`:
    /// the agent's `/files/read`. `path` is one the agent serves: a sandbox directory as its
    /// `/state` names it, and the files below.
    pub fn read(&self, path: &Path, offset: u64, max: u64) -> Result<Chunk, SandboxError> {
        let query = format!(
            "/files/read?path={}&offset={offset}&length={}",
            http::encode_query(&path.to_string_lossy()),
            max.min(PAGE)
        );
        let answer = get_json(&self.address, &query, self.timeout)?;
        let url = format!("{}{query}", self.address);
        let data = answer
            .get("data")
            .and_then(Value::bytes)
            .ok_or_else(|| SandboxError::BadAnswer {
                url: url.clone(),
                what: "no \"data\" string".into(),
            })?
            .to_vec();
        let at =
            answer
                .get("offset")
                .and_then(Value::u64)
                .ok_or_else(|| SandboxError::BadAnswer {
                    url,
                    what: "no \"offset\" number".into(),
                })?;
        Ok(Chunk { offset: at, data })
    }

    /// The whole file at `path` on the agent, page by page through `/files/read`.
    pub fn read_all(&self, path: &Path) -> Result<Vec<u8>, SandboxError> {
        let mut out = Vec::new();
        loop {
            let chunk = self.read(path, out.len() as u64, PAGE)?;
            if chunk.data.is_empty() {
                return Ok(out);
            }
            out.extend_from_slice(&chunk.data);
        }
    }

    /// The entries of the directory at `path` on the agent: its `/files/browse`.
    pub fn browse(&self, path: &Path) -> Result<Vec<FileInfo>, SandboxError> {
        let query = format!(
            "/files/browse?path={}",
            http::encode_query(&path.to_string_lossy())
        );
        let answer = get_json(&self.address, &query, self.timeout)?;
        let url = format!("{}{query}", self.address);
        let Value::Array(entries) = answer else {
            return Err(SandboxError::BadAnswer {
                url,
                what: "not a JSON array".into(),
            });
        };
        let mut out = Vec::new();
        for e in &entries {
            let Some(p) = e.get("path").and_then(Value::str) else {
                return Err(SandboxError::BadAnswer {
                    url,
                    what: "an entry without \"path\"".into(),
                });
            };
            let path = PathBuf::from(p);
            out.push(FileInfo {
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                is_dir: e
                    .get("mode")
                    .and_then(Value::str)
                    .is_some_and(|m| m.starts_with('d')),
                size: e.get("size").and_then(Value::u64).unwrap_or(0),
                path,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

fn get_json(address: &str, path: &str, timeout: Duration) -> Result<Value, SandboxError> {
    let url = format!("{address}{path}");
    let answer = http::get(address, path, timeout).map_err(|source| SandboxError::Request {
        url: url.clone(),
        source,
    })?;
    if answer.status != 200 {
        let body = String::from_utf8_lossy(&answer.body);
        return Err(SandboxError::Status {
            url,
            status: answer.status,
            body: body.chars().take(200).collect::<String>().trim().to_owned(),
        });
    }
    json::parse(&answer.body).map_err(|what| SandboxError::BadAnswer { url, what })
}

/// The frameworks of a master's or agent's `/state` answer, running then completed, only
/// the one with id `wanted` when given.
fn frameworks_in<'a>(state: &'a Value, wanted: Option<&'a str>) -> impl Iterator<Item = &'a Value> {
    let list = |key| state.get(key).map(Value::items).unwrap_or_default();
    list("frameworks")
        .iter()
        .chain(list("completed_frameworks"))
        .filter(move |fw| wanted.is_none() || fw.get("id").and_then(Value::str) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            split_address("slave(2)@127.0.0.1:5051"),
            ("127.0.0.1:5051".into(), Some("slave(2)".into()))
        );
        assert_eq!(split_address("http://h:5051/"), ("h:5051".into(), None));
        let a = Agent::new("h:1");
        assert_eq!((a.address(), a.process.as_str()), ("h:1", "slave(1)"));
    }

    #[test]
    fn names_may_not_leave_the_sandbox() {
        let s = Sandbox {
            place: Place::Local,
            directory: "/sandbox".into(),
            framework_id: String::new(),
            executor_id: String::new(),
            agent_id: String::new(),
        };
        for bad in ["../x", "/etc/passwd", "a/../../b"] {
            assert!(
                matches!(s.read(bad), Err(SandboxError::BadName { .. })),
                "{bad}"
            );
        }
        assert_eq!(s.file("./logs/a").unwrap(), Path::new("/sandbox/./logs/a"));
    }

    fn layout(root: &Path, agent: &str, fw: &str, exec: &str, run: &str, stdout: &str) -> PathBuf {
        let dir = root
            .join("slaves")
            .join(agent)
            .join("frameworks")
            .join(fw)
            .join("executors")
            .join(exec)
            .join("runs")
            .join(run);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("stdout"), stdout).unwrap();
        dir
    }

    #[test]
    fn finds_runs_on_disk() {
        let root =
            std::env::temp_dir().join(format!("mesos-rs-sandbox-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let a0 = root.join("agents/0/work");
        layout(&a0, "A", "F", "cmd", "c1", "old");
        let latest = layout(&a0, "A", "F", "cmd", "c2", "new");
        std::os::unix::fs::symlink(
            &latest,
            a0.join("slaves/A/frameworks/F/executors/cmd/runs/latest"),
        )
        .unwrap();
        layout(&a0, "A", "F", "custom", "c3", "custom out");
        std::fs::create_dir_all(
            a0.join("meta/slaves/A/frameworks/F/executors/custom/runs/c3/tasks/t9"),
        )
        .unwrap();
        layout(&root.join("agents/1/work"), "B", "G", "dup", "c4", "g");
        layout(&a0, "A", "F", "dup", "c5", "f");

        let s = Sandbox::find_in(&root, "cmd").unwrap();
        assert_eq!(s.stdout().unwrap(), "new");
        assert_eq!(
            (s.agent_id(), s.framework_id(), s.executor_id()),
            ("A", "F", "cmd")
        );
        assert_eq!(
            Sandbox::find_in(&root, "t9").unwrap().stdout().unwrap(),
            "custom out"
        );
        assert_eq!(
            Sandbox::find_in(&root, TaskRef::new("x").executor("custom"))
                .unwrap()
                .stdout()
                .unwrap(),
            "custom out"
        );
        assert!(
            matches!(Sandbox::find_in(&root, "dup"), Err(SandboxError::Ambiguous { ref candidates, .. }) if candidates.len() == 2)
        );
        assert_eq!(
            Sandbox::find_in(&root, TaskRef::new("dup").framework("G"))
                .unwrap()
                .stdout()
                .unwrap(),
            "g"
        );
        assert!(matches!(
            Sandbox::find_in(&root, "nope"),
            Err(SandboxError::NotFound { .. })
        ));
        let chunk = s.read_at("stdout", 1, 1).unwrap();
        assert_eq!((chunk.offset, chunk.data.as_slice()), (1, &b"e"[..]));
        let names: Vec<String> = s.list("").unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["stdout"]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
