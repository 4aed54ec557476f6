//! `mesos-fetcher`: puts a task's `CommandInfo.uris` into its sandbox before the agent starts
//! the container.
//!
//! # Contract (Mesos 1.11 agent)
//!
//! The agent runs `<launcher_dir>/mesos-fetcher` with no arguments whenever a container's
//! command has URIs. It passes everything in one environment variable, `MESOS_FETCHER_INFO`:
//! a `mesos.fetcher.FetcherInfo` message as JSON with the protobuf field names, e.g.
//!
//! ```json
//! {"sandbox_directory": "/var/lib/mesos/slaves/.../runs/<id>",
//!  "cache_directory": "/tmp/mesos/fetch/slaves/<agent>/<user>",
//!  "user": "alice",
//!  "stall_timeout": {"nanoseconds": 60000000000},
//!  "items": [{"uri": {"value": "https://example.com/app.tgz", "extract": true},
//!             "action": "BYPASS_CACHE"}]}
//! ```
//!
//! Its standard output and error are the sandbox's `stdout` and `stderr` files (so its log is
//! the first thing in `stderr`). Exit status 0 means every URI was fetched; anything else
//! fails the container, and the agent reports `TASK_FAILED` (reason
//! `REASON_CONTAINER_LAUNCH_FAILED`) with the message `Failed to launch container: Failed to
//! fetch all URIs for container '<id>': exited with status 1`; it copies this program's
//! `stderr` (which names the URI and the cause) into its own log at WARNING level.
//!
//! For each item, in order:
//!
//! * The file name is `uri.output_file` (a path relative to the sandbox; `..` refused) or the
//!   URI's last path segment. `file://` URIs, `file://localhost/...` and plain absolute paths
//!   are copied (a relative path is taken under `frameworks_home`); `http://` and `https://`
//!   are downloaded (status 200 only; redirects followed; `user:password@` sent as basic
//!   authentication; the system's trust store for TLS; the first proxy set among
//!   `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (either case) for both schemes, `NO_PROXY`
//!   honoured). Other schemes (`ftp`, `hdfs`, `s3`, ...) fail with a message saying so.
//! * `BYPASS_CACHE`: straight into the sandbox. `DOWNLOAD_AND_CACHE`: into
//!   `cache_directory/cache_filename` first, then as `RETRIEVE_FROM_CACHE`: copied (or
//!   extracted) from that cache file. Which URIs use the cache, the file names and eviction
//!   are the agent's business.
//! * `executable`: the file is made mode 0755 and never extracted. Otherwise with `extract`
//!   (true unless the framework said false), `.tar`, `.tgz`, `.tar.gz`, `.tbz2`, `.tar.bz2`,
//!   `.txz`, `.tar.xz` and `.zip` are unpacked into the sandbox's top directory (the archive
//!   itself stays, unless it came from the cache), and another `*.gz` is decompressed to the
//!   name without `.gz`. See [`extract`] for what an archive may not do.
//!
//! With a `user`, the cache directory is created and given to that user, then this program
//! becomes the user (supplementary groups, gid, uid) before fetching anything, so what it
//! writes belongs to the user and local files are read with the user's permissions.
//!
//! Nothing secret is printed: URIs appear with their user information and query values
//! replaced ([`redact`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use mesos::types::command_info::URI;

mod download;
pub mod extract;
pub mod sandbox;
mod uri;
pub mod user;

pub use uri::redact;

use sandbox::Sandbox;

/// Why one URI could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    /// The URI (or its `output_file`) is malformed or cannot be used as given.
    #[error("{0}")]
    Invalid(String),
    /// A scheme this fetcher does not download.
    #[error(
        "the '{0}' scheme is not supported (this mesos-fetcher fetches file://, plain paths, \
         http:// and https://)"
    )]
    UnsupportedScheme(String),
    /// A local file (the source, or an archive) could not be opened.
    #[error("{what}: {error}")]
    Missing {
        /// What was opened.
        what: String,
        /// Why it failed (e.g. "No such file or directory").
        error: std::io::Error,
    },
    /// The server answered with another status than 200.
    #[error("the server answered HTTP {code} {reason}")]
    HttpStatus {
        /// The status code.
        code: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// The HTTP(S) exchange failed (connection refused, name resolution, TLS, truncated body).
    #[error("{0}")]
    Transport(String),
    /// Reading or writing local files failed.
    #[error("{0}")]
    Local(String),
    /// An archive could not be read.
    #[error("{0}")]
    Archive(String),
    /// A path would lead out of the sandbox (`..`, or a symbolic link pointing out).
    #[error("{0}")]
    Unsafe(String),
}

/// Why the fetcher failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `MESOS_FETCHER_INFO` is missing or not a FetcherInfo.
    #[error("MESOS_FETCHER_INFO: {0}")]
    Info(String),
    /// The cache directory could not be prepared.
    #[error("could not prepare the fetcher cache directory '{dir}': {cause}")]
    Cache {
        /// The cache directory.
        dir: PathBuf,
        /// Why.
        cause: String,
    },
    /// The task's user cannot be switched to.
    #[error("could not fetch as user '{user}': {cause}")]
    User {
        /// The user.
        user: String,
        /// Why.
        cause: String,
    },
    /// One URI failed (the ones after it were not tried).
    #[error("failed to fetch '{uri}': {cause}")]
    Fetch {
        /// The URI, redacted.
        uri: String,
        /// Why.
        cause: Cause,
    },
}

/// What to do with one URI (`FetcherInfo.Item.Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Straight into the sandbox.
    BypassCache,
    /// Into the cache, then from there into the sandbox.
    DownloadAndCache,
    /// From the cache into the sandbox.
    RetrieveFromCache,
}

/// One URI to fetch (`FetcherInfo.Item`).
#[derive(Debug, Clone)]
pub struct Item {
    /// The framework's URI.
    pub uri: URI,
    /// What to do with it.
    pub action: Action,
    /// The file under the cache directory, for the cache actions.
    pub cache_filename: Option<String>,
}

/// The agent's instructions (`mesos.fetcher.FetcherInfo`).
#[derive(Debug, Clone)]
pub struct FetcherInfo {
    /// The container's sandbox.
    pub sandbox_directory: PathBuf,
    /// This user's cache directory.
    pub cache_directory: Option<PathBuf>,
    /// The URIs.
    pub items: Vec<Item>,
    /// The task's user.
    pub user: Option<String>,
    /// Where relative paths are taken from (the agent's `--frameworks_home`).
    pub frameworks_home: Option<String>,
    /// How long a download may receive nothing.
    pub stall_timeout: Option<Duration>,
}

impl FetcherInfo {
    /// Parses the JSON the agent puts in `MESOS_FETCHER_INFO`.
    ///
    /// ```
    /// use mesos_launcher::fetcher::{Action, FetcherInfo};
    /// let info = FetcherInfo::parse(
    ///     r#"{"sandbox_directory": "/sb", "items": [
    ///         {"uri": {"value": "http://h/a.tgz"}, "action": "BYPASS_CACHE"}]}"#,
    /// )
    /// .unwrap();
    /// assert_eq!(info.items[0].action, Action::BypassCache);
    /// assert!(info.items[0].uri.extract()); // the proto default
    /// ```
    pub fn parse(json: &str) -> Result<FetcherInfo, Error> {
        let bad = |m: String| Error::Info(m);
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| bad(format!("not JSON: {e}")))?;
        let text = |key: &str| -> Result<Option<String>, Error> {
            match v.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(bad(format!("'{key}' is not a string: {other}"))),
            }
        };
        let sandbox = text("sandbox_directory")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("no sandbox_directory".into()))?;
        let stall_timeout = match v.get("stall_timeout") {
            None => None,
            Some(d) => {
                let ns = d
                    .get("nanoseconds")
                    .and_then(|n| n.as_i64().or_else(|| n.as_str()?.parse().ok()))
                    .ok_or_else(|| bad(format!("stall_timeout without nanoseconds: {d}")))?;
                Some(Duration::from_nanos(ns.max(0) as u64))
            }
        };
        let mut items = Vec::new();
        let list = match v.get("items") {
            None => &Vec::new(),
            Some(serde_json::Value::Array(a)) => a,
            Some(other) => return Err(bad(format!("'items' is not a list: {other}"))),
        };
        for (i, item) in list.iter().enumerate() {
            let uri_json = item
                .get("uri")
                .ok_or_else(|| bad(format!("item {i} has no uri")))?;
            let options = protobuf_json_mapping::ParseOptions {
                ignore_unknown_fields: true,
                ..Default::default()
            };
            let uri: URI =
                protobuf_json_mapping::parse_from_str_with_options(&uri_json.to_string(), &options)
                    .map_err(|e| bad(format!("item {i}'s uri: {e}")))?;
            let action = match item.get("action") {
                None => Action::BypassCache,
                Some(a) => match (a.as_str(), a.as_i64()) {
                    (Some("BYPASS_CACHE"), _) | (_, Some(0)) => Action::BypassCache,
                    (Some("DOWNLOAD_AND_CACHE"), _) | (_, Some(1)) => Action::DownloadAndCache,
                    (Some("RETRIEVE_FROM_CACHE"), _) | (_, Some(2)) => Action::RetrieveFromCache,
                    _ => return Err(bad(format!("item {i}: unknown action {a}"))),
                },
            };
            let cache_filename = item
                .get("cache_filename")
                .and_then(|c| c.as_str())
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
            items.push(Item {
                uri,
                action,
                cache_filename,
            });
        }
        Ok(FetcherInfo {
            sandbox_directory: PathBuf::from(sandbox),
            cache_directory: text("cache_directory")?
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            items,
            user: text("user")?.filter(|s| !s.is_empty()),
            frameworks_home: text("frameworks_home")?,
            stall_timeout,
        })
    }
}

/// Fetches every item of `info`, stopping at the first failure. Progress goes to standard
/// error.
pub fn run(info: &FetcherInfo) -> Result<(), Error> {
    let user = match &info.user {
        Some(name) => Some(user::lookup(name).map_err(|cause| Error::User {
            user: name.clone(),
            cause,
        })?),
        None => None,
    };
    let uses_cache = info.items.iter().any(|i| i.action != Action::BypassCache);
    if let (true, Some(dir)) = (uses_cache, &info.cache_directory) {
        let cache = |cause: String| Error::Cache {
            dir: dir.clone(),
            cause,
        };
        std::fs::create_dir_all(dir).map_err(|e| cache(e.to_string()))?;
        if let (Some(user), true) = (&user, user::is_root()) {
            user::chown(dir, user).map_err(cache)?;
        }
    }
    if let Some(user) = &user {
        user::switch_to(user).map_err(|cause| Error::User {
            user: user.name.clone(),
            cause,
        })?;
    }
    for item in &info.items {
        let shown = redact(item.uri.value().trim_start());
        log(&format!("fetching '{shown}'"));
        let result = fetch(item, info).map_err(|cause| Error::Fetch {
            uri: shown.clone(),
            cause,
        })?;
        log(&format!("fetched '{shown}' to '{}'", result.display()));
    }
    log(&format!(
        "fetched all URIs into '{}'",
        info.sandbox_directory.display()
    ));
    Ok(())
}

fn log(line: &str) {
    eprintln!("mesos-fetcher: {line}");
}

/// Fetches one item; returns what it produced (a file, or the sandbox for an extraction from
/// the cache).
fn fetch(item: &Item, info: &FetcherInfo) -> Result<PathBuf, Cause> {
    let value = item.uri.value().trim_start();
    let name = match item.uri.output_file.as_deref() {
        Some(out) => uri::relative(out)?,
        None => PathBuf::from(uri::basename(value)?),
    };
    let sandbox = Sandbox::open(&info.sandbox_directory)?;
    let dest = sandbox.prepare(&name)?;
    let extract_kind = || {
        (!item.uri.executable() && item.uri.extract())
            .then(|| extract::kind(&name.to_string_lossy()))
            .flatten()
    };
    match item.action {
        Action::BypassCache => {
            download(value, &dest, info)?;
            if item.uri.executable() {
                sandbox::make_executable(&dest)?;
            } else if let Some(kind) = extract_kind() {
                extract::extract(&dest, kind, &sandbox)?;
                log(&format!("extracted '{}' into the sandbox", dest.display()));
            } else if item.uri.extract() {
                log("extract is set, but the name is no archive's: kept as it is");
            }
            Ok(dest)
        }
        Action::DownloadAndCache | Action::RetrieveFromCache => {
            let dir = info.cache_directory.as_deref().ok_or_else(|| {
                Cause::Invalid("the cache is asked for but no cache_directory is given".into())
            })?;
            let file = item
                .cache_filename
                .as_deref()
                .filter(|f| !f.contains('/') && *f != "." && *f != "..")
                .ok_or_else(|| {
                    Cause::Invalid(
                        "the cache is asked for but no plain cache_filename is given".into(),
                    )
                })?;
            let cached = dir.join(file);
            if item.action == Action::DownloadAndCache {
                log(&format!(
                    "downloading into the cache as '{}'",
                    cached.display()
                ));
                download(value, &cached, info)?;
            } else {
                log(&format!(
                    "taking it from the cache ('{}')",
                    cached.display()
                ));
            }
            let kind = (!item.uri.executable() && item.uri.extract())
                .then(|| extract::kind(file))
                .flatten();
            if let Some(kind) = kind {
                extract::extract(&cached, kind, &sandbox)?;
                return Ok(sandbox.root().to_owned());
            }
            let mut out = Sandbox::create(&dest)?;
            download::copy_local(&cached, &mut out)?;
            if item.uri.executable() {
                sandbox::make_executable(&dest)?;
            }
            Ok(dest)
        }
    }
}

/// Gets `uri` into the file `dest` (created or truncated, never through a symbolic link).
fn download(uri: &str, dest: &Path, info: &FetcherInfo) -> Result<(), Cause> {
    match uri::source(uri, info.frameworks_home.as_deref())? {
        uri::Source::Local(path) => {
            let mut out = Sandbox::create(dest)?;
            download::copy_local(&path, &mut out)?;
        }
        uri::Source::Http => {
            let mut out = Sandbox::create(dest)?;
            download::http(uri, &redact(uri), &mut out, info.stall_timeout)?;
        }
        uri::Source::Unsupported(scheme) => return Err(Cause::UnsupportedScheme(scheme)),
    }
    Ok(())
}

const USAGE: &str = "\
Usage: mesos-fetcher

Fetches a container's URIs into its sandbox, as a Mesos agent asks: the instructions are a
mesos.fetcher.FetcherInfo message as JSON in the environment variable MESOS_FETCHER_INFO.
Exits 0 when every URI was fetched, 1 otherwise (the reason is written to standard error).
";

/// The program: reads `MESOS_FETCHER_INFO`, fetches, and returns the exit status.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return 0;
    }
    let result = match std::env::var("MESOS_FETCHER_INFO") {
        Ok(json) => FetcherInfo::parse(&json).and_then(|info| run(&info)),
        Err(std::env::VarError::NotPresent) => Err(Error::Info(
            "not set (this program is run by a Mesos agent)".into(),
        )),
        Err(e) => Err(Error::Info(e.to_string())),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            log(&e.to_string());
            1
        }
    }
}

#[cfg(test)]
mod tests;
