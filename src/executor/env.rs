//! The environment a Mesos agent gives the executors it starts, read the same way by both
//! backends: from the process environment, or from a map given to the builder.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Error, Result};

/// The variables an executor reads, taken from the process or from a user's map.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The current process environment (variables whose name or value is not UTF-8 are
    /// skipped: none of those Mesos sets can be such).
    pub(crate) fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Env { vars }
    }

    /// Exactly `map`, nothing from the process.
    pub(crate) fn from_map(map: &BTreeMap<String, String>) -> Env {
        Env { vars: map.clone() }
    }

    /// The value of `name`, if set.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Forgets `name`.
    #[cfg_attr(not(feature = "libmesos"), allow(dead_code))]
    pub(crate) fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// The value of `name`, or an [`Error::Environment`] naming it.
    #[cfg_attr(not(feature = "http-executor"), allow(dead_code))]
    pub(crate) fn require(&self, name: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| missing(&[name]))
    }

    /// Whether the agent asked for checkpointing (`MESOS_CHECKPOINT=1`).
    pub(crate) fn checkpoint(&self) -> bool {
        self.get("MESOS_CHECKPOINT") == Some("1")
    }

    /// `name` parsed as a Mesos duration, `None` when unset, an error naming it when invalid.
    pub(crate) fn duration(&self, name: &str) -> Result<Option<Duration>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_duration(v).map(Some).ok_or_else(|| {
                invalid(
                    name,
                    &format!("'{v}' is not a duration such as '5secs' or '15mins'"),
                )
            }),
        }
    }
}

/// The variable through which an agent gives an executor its authentication token.
pub(crate) const TOKEN: &str = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN";

#[cfg(unix)]
extern "C" {
    /// The C library's environment: a null-terminated array of `NAME=value` strings.
    static mut environ: *mut *mut std::ffi::c_char;
}

/// Takes the authentication token out of the process: every `TOKEN=value` entry of the C
/// environment has its value overwritten with NUL bytes where it lies, then the variable is
/// removed. The entries the process started with lie in the block the kernel shows as
/// `/proc/<pid>/environ`, so overwriting them hides the token from other processes (which
/// removing the variable alone does not); removing it keeps it out of every child's
/// environment. The caller has already copied the token (into its [`Env`]).
///
/// Called once, when a driver is built from the process environment
/// ([`ExecutorDriverBuilder::build`](super::ExecutorDriverBuilder::build)).
pub(crate) fn erase_token_from_process() {
    #[cfg(unix)]
    {
        let prefix = format!("{TOKEN}=");
        // SAFETY: the environment is not thread-safe: this reads the `environ` array and
        // writes into its strings without any lock, so no other thread may read or change
        // the environment meanwhile (`setenv` may move the array and free strings). That
        // is why it happens only while a driver is built from the process environment,
        // which an executor does at the top of `main` before it starts threads of its own
        // (the documented contract of `ExecutorDriver::new`), as Mesos' executor library
        // requires of its own constructor. Within that: `environ` is null or points to a
        // null-terminated array of pointers to NUL-terminated strings (the C library's
        // invariant); only bytes before each string's terminator are written, so every
        // string stays terminated, and only in strings that start with `TOKEN=`.
        unsafe {
            let mut entry = environ;
            while !entry.is_null() && !(*entry).is_null() {
                let text = std::ffi::CStr::from_ptr(*entry);
                if text.to_bytes().starts_with(prefix.as_bytes()) {
                    let value = (*entry).add(prefix.len());
                    let len = text.to_bytes().len() - prefix.len();
                    std::ptr::write_bytes(value, 0, len);
                }
                entry = entry.add(1);
            }
        }
    }
    // Removes every `TOKEN=` entry from the array (under the standard library's lock).
    std::env::remove_var(TOKEN);
}

/// The error for variables that are not set.
pub(crate) fn missing(names: &[&str]) -> Error {
    Error::Environment {
        variables: names.iter().map(|s| (*s).to_owned()).collect(),
        reason: "not set (is this process running as an executor started by a Mesos agent?)".into(),
    }
}

/// The error for a variable whose value cannot be used.
pub(crate) fn invalid(name: &str, why: &str) -> Error {
    Error::Environment {
        variables: vec![name.to_owned()],
        reason: why.to_owned(),
    }
}

pub(crate) use crate::duration::parse as parse_duration;

/// A libprocess process id, `name@host:port` (what `MESOS_SLAVE_PID` holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upid {
    /// The process name, e.g. `slave(1)`.
    pub(crate) id: String,
    /// The host (an address, as the agent writes it).
    pub(crate) host: String,
    /// The port.
    pub(crate) port: u16,
}

impl Upid {
    /// Parses `name@host:port`; `None` when it has another shape.
    pub(crate) fn parse(text: &str) -> Option<Upid> {
        let (id, address) = text.split_once('@')?;
        let (host, port) = address.rsplit_once(':')?;
        if id.is_empty() || host.is_empty() {
            return None;
        }
        Some(Upid {
            id: id.to_owned(),
            host: host.to_owned(),
            port: port.parse().ok()?,
        })
    }
}

/// What libmesos' `MesosExecutorDriver::start()` needs from the environment; libmesos ends
/// the whole process when one is missing or unparsable, so this is checked first.
#[cfg(feature = "libmesos")]
pub(crate) fn check_for_libmesos(env: &Env) -> Result<()> {
    const REQUIRED: [&str; 5] = [
        "MESOS_SLAVE_PID",
        "MESOS_SLAVE_ID",
        "MESOS_FRAMEWORK_ID",
        "MESOS_EXECUTOR_ID",
        "MESOS_DIRECTORY",
    ];
    let absent: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|name| env.get(name).is_none())
        .collect();
    if !absent.is_empty() {
        return Err(missing(&absent));
    }
    let pid = env.get("MESOS_SLAVE_PID").unwrap_or_default();
    if Upid::parse(pid).is_none() {
        return Err(invalid(
            "MESOS_SLAVE_PID",
            &format!("'{pid}' is not a process id of the form name@host:port"),
        ));
    }
    env.duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD")?;
    if env.checkpoint() {
        env.duration("MESOS_RECOVERY_TIMEOUT")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_mesos_writes_them() {
        assert_eq!(parse_duration("5secs"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("15mins"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1.5secs"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2hrs"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1weeks"), Some(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("10us"), Some(Duration::from_micros(10)));
        for bad in [
            "", "5", "secs", "5 s", "-1secs", "1e3secs", "5sec", "x5secs",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn upids() {
        assert_eq!(
            Upid::parse("slave(1)@127.0.0.1:5051"),
            Some(Upid {
                id: "slave(1)".into(),
                host: "127.0.0.1".into(),
                port: 5051
            })
        );
        for bad in [
            "",
            "slave(1)",
            "@1.2.3.4:5",
            "a@:5",
            "a@h:",
            "a@h:99999",
            "a@h",
        ] {
            assert_eq!(Upid::parse(bad), None, "{bad:?}");
        }
    }

    #[cfg(feature = "libmesos")]
    #[test]
    fn libmesos_check_names_every_missing_variable() {
        let mut map = BTreeMap::new();
        map.insert("MESOS_FRAMEWORK_ID".to_owned(), "fw".to_owned());
        match check_for_libmesos(&Env::from_map(&map)) {
            Err(Error::Environment { variables, .. }) => assert_eq!(
                variables,
                [
                    "MESOS_SLAVE_PID",
                    "MESOS_SLAVE_ID",
                    "MESOS_EXECUTOR_ID",
                    "MESOS_DIRECTORY"
                ]
            ),
            other => panic!("{other:?}"),
        }
        for (k, v) in [
            ("MESOS_SLAVE_PID", "slave(1)@127.0.0.1:5051"),
            ("MESOS_SLAVE_ID", "s"),
            ("MESOS_EXECUTOR_ID", "e"),
            ("MESOS_DIRECTORY", "/tmp"),
        ] {
            map.insert(k.into(), v.into());
        }
        assert_eq!(check_for_libmesos(&Env::from_map(&map)), Ok(()));
        map.insert("MESOS_CHECKPOINT".into(), "1".into());
        map.insert("MESOS_RECOVERY_TIMEOUT".into(), "soon".into());
        match check_for_libmesos(&Env::from_map(&map)) {
            Err(Error::Environment { variables, reason }) => {
                assert_eq!(variables, ["MESOS_RECOVERY_TIMEOUT"]);
                assert!(reason.contains("'soon'"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        map.insert("MESOS_SLAVE_PID".into(), "127.0.0.1:5051".into());
        match check_for_libmesos(&Env::from_map(&map)) {
            Err(Error::Environment { variables, .. }) => {
                assert_eq!(variables, ["MESOS_SLAVE_PID"])
            }
            other => panic!("{other:?}"),
        }
    }
}
