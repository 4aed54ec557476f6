//! This process' descendants: the agents' executors (their children, in sessions of their
//! own) and the executors' tasks. Stopping the local cluster alone leaves them running, so
//! `mesos-local` stops them itself.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Makes this process the reaper of its orphaned descendants (`PR_SET_CHILD_SUBREAPER`): a
/// task whose executor died stays a descendant instead of moving to init, so that it can be
/// found and stopped.
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag of this process.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        eprintln!(
            "mesos-local: cannot become a subreaper ({}): orphaned tasks may outlive it",
            std::io::Error::last_os_error()
        );
    }
}

/// `(pid, parent pid, state)` of every process, from `/proc`.
fn processes() -> Vec<(i32, i32, char)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let rest = &stat[stat.rfind(')')? + 1..];
            let mut fields = rest.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let ppid = fields.next()?.parse().ok()?;
            Some((pid, ppid, state))
        })
        .collect()
}

/// The live (not zombie) descendants of this process.
pub fn descendants() -> BTreeSet<i32> {
    let all = processes();
    let mut found = BTreeSet::new();
    let mut parents = vec![std::process::id() as i32];
    while let Some(parent) = parents.pop() {
        for &(pid, ppid, state) in &all {
            if ppid == parent && found.insert(pid) {
                parents.push(pid);
                if state == 'Z' {
                    found.remove(&pid);
                }
            }
        }
    }
    found
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill only sends a signal; `pid` is positive, so it names one process.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Sends SIGTERM to every descendant, waits up to `grace` for them (and any they start
/// meanwhile) to end, then sends SIGKILL to what is left; returns how many needed it.
pub fn stop_descendants(grace: Duration) -> usize {
    // As the subreaper of its descendants, this process keeps every one of them in its tree
    // until it is reaped: the tree is all there is to stop, and no pid is stale.
    let mut termed = BTreeSet::new();
    let deadline = Instant::now() + grace;
    loop {
        let now = descendants();
        for &pid in now.difference(&termed) {
            signal(pid, libc::SIGTERM);
        }
        termed.extend(now.iter().copied());
        if now.is_empty() || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = descendants();
    for &pid in &left {
        signal(pid, libc::SIGKILL);
    }
    left.len()
}

/// Reaps every child that ended (the orphans this process inherited as subreaper), once the
/// agents no longer wait for their own.
pub fn reap_all() {
    loop {
        let mut status = 0;
        // SAFETY: waitpid with WNOHANG only reaps ended children and writes `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
    }
}
