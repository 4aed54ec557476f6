//! For frameworks that run the in-process local cluster (master `"local"`): the cluster's
//! agents are threads of this process, so the executors they start are descendants of it.
//! Once the framework has stopped, the agents shut its executors down; waiting for those
//! processes before exiting means none of them is left behind.

use std::time::{Duration, Instant};

/// `(pid, ppid, state)` of every process in `/proc`.
fn processes() -> Vec<(i32, i32, char)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (in parentheses) may hold spaces: read after its last ')'.
        let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
        let state = rest.next()?.chars().next()?;
        let ppid = rest.next()?.parse().ok()?;
        Some((pid, ppid, state))
    })
    .collect()
}

/// The live (non-zombie) descendants of this process.
pub fn descendants() -> Vec<i32> {
    let procs = processes();
    let mut found = vec![std::process::id() as i32];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            procs
                .iter()
                .filter(|(pid, ppid, state)| {
                    *ppid == parent && *state != 'Z' && !found.contains(pid)
                })
                .map(|(pid, _, _)| *pid)
                .collect::<Vec<_>>(),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// Waits until this process has no live descendants, for up to `within`; returns those
/// still there.
pub fn wait_for_descendants(within: Duration) -> Vec<i32> {
    let deadline = Instant::now() + within;
    loop {
        let left = descendants();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
