//! Shared support of the launcher's tests: which programs are under test (this project's, or
//! Mesos' own for the conformance run), waiting on files and processes, and a stand-in agent
//! ([`fake_agent`]).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mesos_launcher::command::process::all_processes;

pub mod fake_agent;

/// When set, a directory holding Mesos' own `mesos-containerizer` and `mesos-executor`: the
/// tests run them instead of this project's programs, and assert each documented difference.
pub const NATIVE_HELPERS_VAR: &str = "MESOS_RS_NATIVE_HELPERS";

/// The directory of Mesos' own programs, in the conformance run.
pub fn native_dir() -> Option<PathBuf> {
    std::env::var_os(NATIVE_HELPERS_VAR)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Whether the programs under test are Mesos' own.
pub fn native() -> bool {
    native_dir().is_some()
}

/// Mesos' `program` in the conformance run (panics when that directory lacks it), else
/// `ours`.
pub fn program_under_test(program: &str, ours: &str) -> PathBuf {
    match native_dir() {
        Some(dir) => {
            let p = dir.join(program);
            assert!(
                p.is_file(),
                "{NATIVE_HELPERS_VAR}={} holds no {program}",
                dir.display()
            );
            p
        }
        None => PathBuf::from(ours),
    }
}

/// Asserts that a program under test was killed by `signal`.
pub fn assert_killed_by(status: &std::process::ExitStatus, signal: i32) {
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(status),
        Some(signal),
        "{status:?}"
    );
}

/// Asserts how the program under test ended, where Mesos' program and ours differ on
/// purpose: killed by `native_signal` when it is Mesos' own, else exited with `our_code`.
pub fn assert_ended(status: &std::process::ExitStatus, native_signal: i32, our_code: i32) {
    if native() {
        assert_killed_by(status, native_signal);
    } else {
        assert_eq!(status.code(), Some(our_code), "{status:?}");
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A directory every user may write to (for a task run as `nobody`).
pub fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    dir
}

/// Whether `pid` is a live process (not a zombie).
pub fn alive(pid: i32) -> bool {
    all_processes()
        .iter()
        .any(|p| p.pid == pid && p.state != 'Z' && p.state != 'X')
}

/// Waits until `pid` is gone (or a zombie), up to `within`.
pub fn gone_within(pid: i32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Waits until `path` holds a line, and returns the file's content.
pub fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if s.ends_with('\n') {
                return s;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
