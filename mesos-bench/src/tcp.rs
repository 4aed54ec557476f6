//! The TCP form: a master in another process (`mesos-local`), which the runs of both sides
//! reach over loopback TCP, as every deployed framework reaches its master.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long `mesos-local` may take to print its ready line (all agents registered).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `mesos-local` may take to stop after SIGTERM (it gives executors 5 s).
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The default `mesos-local`: the one built next to this program (`cargo build --release -p
/// mesos-local` puts both in the same target directory).
pub fn default_program() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("mesos-local")))
        .unwrap_or_else(|| PathBuf::from("mesos-local"))
}

/// The cluster one part of the bench needs.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub agents: u32,
    pub resources: &'a str,
    pub allocation_interval: &'a str,
}

/// A running `mesos-local` child; stopped with SIGTERM (and waited for) when dropped, so no
/// cluster outlives the bench, whatever way a part ends.
pub struct MesosLocal {
    child: Option<Child>,
    /// The master's `host:port`.
    pub address: String,
}

impl MesosLocal {
    /// Starts `program` with the cluster of `spec` on a free port and waits for its ready line.
    pub fn start(program: &Path, spec: &Spec) -> Result<Self, String> {
        if !program.is_file() {
            return Err(format!(
                "no mesos-local at {} (build it with `cargo build --release -p mesos-local`, \
                 or give --mesos-local PATH)",
                program.display()
            ));
        }
        let mut child = Command::new(program)
            .arg("--port=0")
            .arg("--json")
            .arg("--quiet")
            .arg(format!("--num_slaves={}", spec.agents))
            .arg(format!("--resources={}", spec.resources))
            .env("MESOS_ALLOCATION_INTERVAL", spec.allocation_interval)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        // From here on, dropping `cluster` stops the child.
        let mut cluster = MesosLocal {
            child: Some(child),
            address: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = tx.send(first);
            // Keep reading, so that the child never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => return Err("mesos-local ended before its ready line".into()),
            Err(_) => {
                return Err(format!(
                    "mesos-local printed no ready line in {} s",
                    READY_TIMEOUT.as_secs()
                ))
            }
        };
        cluster.address = json_field(&line, "master")
            .ok_or_else(|| format!("no master in mesos-local's ready line: {line}"))?;
        Ok(cluster)
    }

    /// Stops the cluster (SIGTERM) and waits for it; Err when it did not exit cleanly.
    pub fn stop(mut self) -> Result<(), String> {
        match self.child.take() {
            Some(child) => terminate(child),
            None => Ok(()),
        }
    }
}

impl Drop for MesosLocal {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            if let Err(e) = terminate(child) {
                eprintln!("{e}");
            }
        }
    }
}

/// SIGTERM, then waits up to [`STOP_TIMEOUT`]; SIGKILL after that.
fn terminate(mut child: Child) -> Result<(), String> {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    const SIGTERM: i32 = 15;
    if let Ok(Some(status)) = child.try_wait() {
        return Err(format!("mesos-local had already ended ({status})"));
    }
    let pid = i32::try_from(child.id()).map_err(|_| "mesos-local's pid is out of range")?;
    // SAFETY: `pid` is our own child, not yet waited for, so the id still names it; kill(2)
    // touches no memory of this process.
    unsafe { kill(pid, SIGTERM) };
    let deadline = Instant::now() + STOP_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("mesos-local ended with {status}")),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "mesos-local did not stop in {} s after SIGTERM and was killed",
                    STOP_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for mesos-local: {e}")),
        }
    }
}

/// The string value of `"key":"..."` in a one-line JSON object (the values mesos-local
/// prints there have no escapes that matter here: an address).
fn json_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = line[start..].find('"')?;
    Some(line[start..start + len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::json_field;

    #[test]
    fn the_master_field_is_read() {
        let line = r#"{"master":"127.0.0.1:40123","pid":"master@127.0.0.1:40123","agents":2}"#;
        assert_eq!(
            json_field(line, "master").as_deref(),
            Some("127.0.0.1:40123")
        );
        assert_eq!(json_field(line, "zk"), None);
    }
}
