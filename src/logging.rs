//! libmesos' own log lines as [`tracing`] events.
//!
//! libmesos logs through glog. With mesos-rs, its lines become `tracing` events with the
//! target `libmesos`, at the level of glog's severity (`INFO` → info, `WARNING` → warn,
//! `ERROR` and `FATAL` → error; a fatal line also has `fatal = true`), with the source
//! position as the fields `file` (a base name such as `sched.cpp`) and `line`. Nothing is
//! written to stderr and no log file is made, so a program prints only what its own
//! subscriber prints:
//!
//! ```no_run
//! // libmesos' warnings and errors, and the binding's own lifecycle events:
//! tracing_subscriber::fmt().with_env_filter("libmesos=warn,mesos=debug").init();
//! ```
//!
//! Which lines libmesos produces at all follows the subscriber in place when a driver is
//! created (the lowest level enabled for the target `libmesos`): install the subscriber
//! first. With no subscriber, libmesos formats no lines at all.
//!
//! # The one switch: `MESOS_RS_LIBMESOS_LOG`
//!
//! | value | libmesos' lines go |
//! | --- | --- |
//! | unset, `tracing` | to `tracing` (target `libmesos`), nothing on stderr |
//! | `stderr`, `stderr:warning`, `stderr:error` | to stderr in glog's own format, from `INFO` (or the level given) up, as a C++ framework prints them |
//! | `off` | nowhere |
//!
//! Any other value makes driver creation fail with [`Error::InvalidArgument`] naming it.
//! The setting is read whenever a driver is created, and replaces libmesos' own logging
//! variables (`MESOS_LOGGING_LEVEL`, `MESOS_QUIET`, `GLOG_minloglevel`, `GLOG_logtostderr`,
//! ...), which no longer change what reaches stderr. `MESOS_LOG_DIR` still makes libmesos
//! write its log files there (at `MESOS_LOGGING_LEVEL`), in addition.
//!
//! To route even the lines libmesos writes while its first driver starts (in local mode, the
//! whole start-up of the master and agents), the binding sets up libmesos' logging itself
//! just before that driver is created, unless `MESOS_LOG_DIR` asks for log files (then
//! libmesos does, and the lines of those first moments follow its own variables).
//!
//! A line glog reports as `FATAL` ends the process right after; that one line is also written
//! to stderr whatever the setting, so that the reason is never lost.
//!
//! # Caveats
//!
//! A `tracing` subscriber receives libmesos' events on libmesos' own threads while glog holds
//! its lock: it must not call into libmesos (create or use a driver) from its event handling,
//! which would deadlock. Ordinary subscribers (formatting, files, collectors) are fine.

use std::panic::{catch_unwind, AssertUnwindSafe};

use tracing::Level;

use crate::error::{Error, Result};
use crate::ffi::ErrorSlot;

/// The environment variable that says where libmesos' log lines go (see the
/// [module docs](self)).
pub const LIBMESOS_LOG_ENV: &str = "MESOS_RS_LIBMESOS_LOG";

/// The `tracing` target of libmesos' log lines.
pub const TARGET: &str = "libmesos";

/// Where libmesos' log lines go, as [`LIBMESOS_LOG_ENV`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibmesosLog {
    /// `tracing` events with the target [`TARGET`]; nothing on stderr (the default).
    Tracing,
    /// glog's own output on stderr, from this level up.
    Stderr(Level),
    /// Nowhere.
    Off,
}

impl LibmesosLog {
    /// Reads [`LIBMESOS_LOG_ENV`]: unset or empty means [`LibmesosLog::Tracing`].
    ///
    /// ```
    /// use mesos::logging::LibmesosLog;
    /// assert_eq!(LibmesosLog::parse("stderr:warning").unwrap(),
    ///            LibmesosLog::Stderr(tracing::Level::WARN));
    /// assert!(LibmesosLog::parse("loud").is_err());
    /// ```
    pub fn from_env() -> Result<Self> {
        match std::env::var(LIBMESOS_LOG_ENV) {
            Ok(v) => Self::parse(&v),
            Err(std::env::VarError::NotPresent) => Ok(LibmesosLog::Tracing),
            Err(std::env::VarError::NotUnicode(v)) => Err(invalid(&v.to_string_lossy())),
        }
    }

    /// Parses a value of [`LIBMESOS_LOG_ENV`] (case does not matter).
    pub fn parse(value: &str) -> Result<Self> {
        let v = value.trim().to_ascii_lowercase();
        Ok(match v.as_str() {
            "" | "tracing" => LibmesosLog::Tracing,
            "off" => LibmesosLog::Off,
            "stderr" | "stderr:info" => LibmesosLog::Stderr(Level::INFO),
            "stderr:warning" | "stderr:warn" => LibmesosLog::Stderr(Level::WARN),
            "stderr:error" => LibmesosLog::Stderr(Level::ERROR),
            _ => return Err(invalid(value)),
        })
    }
}

fn invalid(value: &str) -> Error {
    Error::InvalidArgument(format!(
        "{LIBMESOS_LOG_ENV}={value:?}: expected tracing, stderr, stderr:warning, stderr:error or off"
    ))
}

/// glog's severity numbers.
const INFO: i32 = 0;
const WARNING: i32 = 1;
const ERROR: i32 = 2;
const FATAL: i32 = 3;

/// The lowest glog severity that a `tracing` subscriber wants for [`TARGET`] now.
fn wanted_severity() -> i32 {
    if tracing::enabled!(target: "libmesos", Level::INFO) {
        INFO
    } else if tracing::enabled!(target: "libmesos", Level::WARN) {
        WARNING
    } else if tracing::enabled!(target: "libmesos", Level::ERROR) {
        ERROR
    } else {
        FATAL
    }
}

/// Applies [`LIBMESOS_LOG_ENV`] to libmesos' glog; called before every driver is created.
pub(crate) fn configure() -> Result<()> {
    let setting = LibmesosLog::from_env()?;
    let (destination, severity) = match setting {
        LibmesosLog::Tracing => (sys::MESOS_SHIM_LOG_CALLBACK, wanted_severity()),
        LibmesosLog::Stderr(level) => (
            sys::MESOS_SHIM_LOG_STDERR,
            match level {
                Level::ERROR => ERROR,
                Level::WARN => WARNING,
                _ => INFO,
            },
        ),
        LibmesosLog::Off => (sys::MESOS_SHIM_LOG_OFF, FATAL),
    };
    let mut slot = ErrorSlot::new();
    // SAFETY: `log_line` is an `extern "C"` function that never unwinds, takes no lock the
    // shim holds and never calls into libmesos; it lives for the whole program.
    let rc = unsafe {
        sys::mesos_shim_log_configure(
            destination as i32,
            severity,
            Some(log_line),
            slot.as_mut_ptr(),
        )
    };
    match rc {
        0 => Ok(()),
        // A libmesos without glog's sink: its lines stay where its own flags send them.
        sys::MESOS_SHIM_ERR_UNSUPPORTED => {
            tracing::debug!(target: "mesos::logging", "libmesos' log lines cannot be routed: {}",
                slot.to_error(rc, crate::ffi::Params::NONE));
            Ok(())
        }
        _ => Err(slot.to_error(rc, crate::ffi::Params::NONE)),
    }
}

use mesos_sys as sys;

/// Receives one glog line from the shim, on the logging thread, with glog's lock held: it
/// only emits the `tracing` event.
extern "C" fn log_line(
    severity: i32,
    file: sys::mesos_bytes,
    line: i32,
    message: sys::mesos_bytes,
) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the shim passes buffers valid for the duration of this call.
        let (file, message) = unsafe { (file.as_slice(), message.as_slice()) };
        let file = String::from_utf8_lossy(file);
        let message = String::from_utf8_lossy(message);
        match severity {
            INFO => tracing::info!(target: "libmesos", file = %file, line, "{message}"),
            WARNING => tracing::warn!(target: "libmesos", file = %file, line, "{message}"),
            ERROR => tracing::error!(target: "libmesos", file = %file, line, "{message}"),
            _ => tracing::error!(target: "libmesos", file = %file, line, fatal = true, "{message}"),
        }
    }));
}
