//! Task URIs on the local cluster: the agent runs `mesos-fetcher` from its launcher directory
//! (the dev kit's `libexec/mesos`, or `MESOS_LAUNCHER_DIR`) before starting each command task,
//! and the task finds what was fetched in its sandbox.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mesos::local::{LocalCluster, LocalClusterGuard};
use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::SchedulerDriver;

/// A local cluster with one agent, using the kit's helper programs (or `MESOS_LAUNCHER_DIR`).
fn cluster(extra: &[(&str, &str)]) -> LocalClusterGuard {
    let mut c = LocalCluster::new()
        .resources("cpus:2;mem:512")
        .env("MESOS_ALLOCATION_INTERVAL", "100ms");
    for (k, v) in extra {
        c = c.env(*k, *v);
    }
    // SAFETY: each test runs in a process of its own (nextest); its only other thread is the
    // harness' main thread, which reads no environment, and no driver exists yet.
    let guard = unsafe { c.apply_unchecked() }.expect("local cluster");
    // LocalCluster has set MESOS_LAUNCHER_DIR (the kit's helpers unless the environment chose).
    let dir = PathBuf::from(std::env::var_os("MESOS_LAUNCHER_DIR").unwrap_or_default());
    assert!(
        dir.join("mesos-fetcher").is_file(),
        "the agent's launcher directory '{}' has no mesos-fetcher (the agent would fail every \
         task with URIs: \"failed to find mesos-fetcher\"): provision the dev kit again \
         (python3 mesos-sys/devkit/provision.py) or set MESOS_LAUNCHER_DIR to a directory \
         holding mesos-launcher's programs",
        dir.display()
    );
    guard
}

fn scalar(name: &str, v: f64) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(v);
    r
}

fn uri(value: &str) -> command_info::URI {
    let mut u = command_info::URI::new();
    u.set_value(value.into());
    u
}

/// A command task running `script` after fetching `uris`.
fn task(name: &str, offer: &Offer, script: &str, uris: Vec<command_info::URI>) -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name(name.into());
    t.task_id.mut_or_insert_default().set_value(name.into());
    t.slave_id = offer.slave_id.clone();
    t.resources = vec![scalar("cpus", 0.1), scalar("mem", 16.0)];
    let c = t.command.mut_or_insert_default();
    c.set_value(script.into());
    c.uris = uris;
    t
}

/// Launches `tasks` on the next offer's agent and returns each one's terminal update.
fn run_tasks(
    work: &Path,
    build: impl FnOnce(&Offer) -> Vec<TaskInfo>,
) -> (Vec<TaskStatus>, PathBuf) {
    let (probe, mut events) = support::probe();
    let driver = SchedulerDriver::new(probe, support::framework("fetcher"), "local").unwrap();
    driver.start().unwrap();
    let offer = support::next_offers(&mut events).remove(0);
    let tasks = build(&offer);
    let n = tasks.len();
    driver
        .launch_tasks(&[offer.id.clone().unwrap()], &tasks, None)
        .unwrap();
    let mut done: Vec<TaskStatus> = Vec::new();
    events.wait_for(Duration::from_secs(120), "every task ended", |e| {
        if let SchedulerEvent::StatusUpdate { status } = e {
            if status.is_terminal() {
                done.push(status.clone());
            }
        }
        (done.len() == n).then_some(())
    });
    driver.stop(false).unwrap();
    for s in &done {
        eprintln!(
            "{}: {:?} reason {:?} message {:?}",
            s.task_id.value(),
            s.state(),
            s.reason(),
            s.message()
        );
    }
    (done, work.to_owned())
}

fn status<'a>(done: &'a [TaskStatus], task: &str) -> &'a TaskStatus {
    done.iter()
        .find(|s| s.task_id.value() == task)
        .unwrap_or_else(|| panic!("no update for {task}"))
}

/// The sandbox of the command task `task` (its executor has the task's id).
fn sandbox(work: &Path, task: &str) -> PathBuf {
    fn walk(dir: &Path, task: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if !std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            let is_run = p.parent().and_then(Path::file_name) == Some("runs".as_ref())
                && p.parent()
                    .and_then(Path::parent)
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == task)
                && !p.to_string_lossy().contains("/meta/");
            if is_run {
                out.push(p);
            } else {
                walk(&p, task, out);
            }
        }
    }
    let mut found = Vec::new();
    walk(work, task, &mut found);
    assert_eq!(found.len(), 1, "sandboxes of {task}: {found:?}");
    found.remove(0)
}

/// A loopback HTTP server: `GET /<name>` answers 200 with the file's bytes when `files` has
/// it, 404 otherwise. Returns `host:port` and the request paths seen.
fn http_server(files: Vec<(&'static str, Vec<u8>)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&req)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            let path = line.split(' ').nth(1).unwrap_or("").to_owned();
            log.lock().unwrap().push(path.clone());
            let (status, body) = match files.iter().find(|(n, _)| format!("/{n}") == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"not here".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    (address, seen)
}

fn sh(dir: &Path, command: &str) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}: {out:?}");
}

#[test]
fn a_task_runs_a_script_fetched_over_http() {
    let guard = cluster(&[]);
    let marker = format!("marker-{}", std::process::id());
    let script = b"#!/bin/sh\necho \"script ran with $1 in $(pwd)\" > proof.txt\n".to_vec();
    let (addr, seen) = http_server(vec![("tools/run.sh", script)]);
    let mut u = uri(&format!("http://{addr}/tools/run.sh"));
    u.set_executable(true);
    let (done, work) = run_tasks(guard.work_dir(), |offer| {
        vec![task(
            "scripted",
            offer,
            &format!("./run.sh {marker}"),
            vec![u],
        )]
    });
    let s = status(&done, "scripted");
    assert_eq!(s.state(), TaskState::TASK_FINISHED, "{s:?}");
    let dir = sandbox(&work, "scripted");
    let proof = std::fs::read_to_string(dir.join("proof.txt")).unwrap();
    assert!(
        proof.contains(&format!("script ran with {marker}")),
        "{proof}"
    );
    assert_eq!(*seen.lock().unwrap(), vec!["/tools/run.sh".to_owned()]);
    // The fetcher's log is in the sandbox's stderr.
    let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    assert!(
        stderr.contains(&format!("fetched 'http://{addr}/tools/run.sh'")),
        "{stderr}"
    );
}

#[test]
fn tar_gz_and_zip_archives_are_extracted_into_the_sandbox() {
    let guard = cluster(&[]);
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(src.path().join("app/conf")).unwrap();
    std::fs::write(src.path().join("app/conf/value"), "from-tar\n").unwrap();
    std::fs::create_dir_all(src.path().join("zipped")).unwrap();
    std::fs::write(src.path().join("zipped/value"), "from-zip\n").unwrap();
    sh(src.path(), "tar czf app.tar.gz app");
    sh(src.path(), "python3 -m zipfile -c bundle.zip zipped");
    let zip = std::fs::read(src.path().join("bundle.zip")).unwrap();
    let (addr, _) = http_server(vec![("bundle.zip", zip)]);
    let uris = vec![
        uri(&format!(
            "file://{}",
            src.path().join("app.tar.gz").display()
        )),
        uri(&format!("http://{addr}/bundle.zip")),
    ];
    let (done, work) = run_tasks(guard.work_dir(), |offer| {
        vec![task(
            "unpacked",
            offer,
            "cat app/conf/value zipped/value > seen.txt",
            uris,
        )]
    });
    let s = status(&done, "unpacked");
    assert_eq!(s.state(), TaskState::TASK_FINISHED, "{s:?}");
    let dir = sandbox(&work, "unpacked");
    assert_eq!(
        std::fs::read_to_string(dir.join("seen.txt")).unwrap(),
        "from-tar\nfrom-zip\n"
    );
    // The archives stay next to what they held, as with Mesos' own fetcher.
    assert!(dir.join("app.tar.gz").is_file() && dir.join("bundle.zip").is_file());
}

#[test]
fn missing_or_unreachable_uris_fail_the_task_and_the_sandbox_names_them() {
    let guard = cluster(&[]);
    let (addr, _) = http_server(vec![]);
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let missing_file = format!("/nonexistent-{}/app.tar.gz", std::process::id());
    let cases = [
        ("no-file", missing_file.clone(), "No such file or directory"),
        (
            "http-404",
            format!("http://{addr}/gone.sh"),
            "HTTP 404 Not Found",
        ),
        (
            "refused",
            format!("http://{closed}/run.sh"),
            "connection refused",
        ),
    ];
    let (done, work) = run_tasks(guard.work_dir(), |offer| {
        cases
            .iter()
            .map(|(name, u, _)| task(name, offer, "echo should not run > ran.txt", vec![uri(u)]))
            .collect()
    });
    for (name, u, cause) in &cases {
        let s = status(&done, name);
        assert_eq!(s.state(), TaskState::TASK_FAILED, "{s:?}");
        assert_eq!(
            s.reason(),
            task_status::Reason::REASON_CONTAINER_LAUNCH_FAILED,
            "{s:?}"
        );
        // The agent's message says that fetching failed (and the exit status); the fetcher's
        // own reason, naming the URI, is in the sandbox's stderr (and the agent's log).
        assert!(
            s.message().contains("Failed to fetch all URIs"),
            "{name}: {s:?}"
        );
        let dir = sandbox(&work, name);
        let stderr = std::fs::read_to_string(dir.join("stderr")).unwrap();
        eprintln!("--- {name}: the sandbox's stderr ---\n{stderr}");
        assert!(
            stderr.contains(&format!("failed to fetch '{u}'")) && stderr.contains(cause),
            "{name}: {stderr}"
        );
        assert!(!dir.join("ran.txt").exists());
    }
}

#[test]
fn a_cached_uri_is_fetched_once_and_served_from_the_cache() {
    let guard = cluster(&[]);
    let src = tempfile::tempdir().unwrap();
    let data = src.path().join("data.txt");
    std::fs::write(&data, "first\n").unwrap();
    let cached = || {
        let mut u = uri(data.to_str().unwrap());
        u.set_cache(true);
        u
    };
    let (probe, mut events) = support::probe();
    let driver = SchedulerDriver::new(probe, support::framework("fetcher cache"), "local").unwrap();
    driver.start().unwrap();
    let mut states = Vec::new();
    for (name, rewrite) in [("first", None), ("second", Some("changed\n"))] {
        if let Some(text) = rewrite {
            std::fs::write(&data, text).unwrap();
        }
        let offer = support::next_offers(&mut events).remove(0);
        let t = task(name, &offer, "cp data.txt seen.txt", vec![cached()]);
        driver
            .launch_tasks(&[offer.id.clone().unwrap()], &[t], None)
            .unwrap();
        let s = support::next_update(&mut events, name, |s| s.is_terminal());
        states.push((name, s.state(), s.message().to_owned()));
    }
    let log = |name: &str| {
        let dir = sandbox(guard.work_dir(), name);
        std::fs::read_to_string(dir.join("stderr")).unwrap_or_default()
    };
    // (In local mode each agent's cache is `<work>/agents/<n>/fetch/<user>`.)
    let mut cached_files = Vec::new();
    let mut stack = vec![guard.work_dir().to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.parent().and_then(Path::parent).and_then(Path::file_name)
                == Some("fetch".as_ref())
            {
                cached_files.push(p);
            }
        }
    }
    driver.stop(false).unwrap();
    for (name, state, message) in &states {
        assert_eq!(*state, TaskState::TASK_FINISHED, "{name}: {message}");
    }
    // The agent chose the cache actions: download into the cache once, then only take from it.
    let (first, second) = (log("first"), log("second"));
    eprintln!("--- the sandboxes' stderr ---\n{first}\n{second}");
    assert!(first.contains("downloading into the cache"), "{first}");
    assert!(
        second.contains("taking it from the cache") && !second.contains("downloading"),
        "{second}"
    );
    assert_eq!(cached_files.len(), 1, "{cached_files:?}");
    assert_eq!(
        std::fs::read_to_string(&cached_files[0]).unwrap(),
        "first\n"
    );
    // ...and the second task got that copy, not the changed file.
    for name in ["first", "second"] {
        let dir = sandbox(guard.work_dir(), name);
        assert_eq!(
            std::fs::read_to_string(dir.join("seen.txt")).unwrap(),
            "first\n",
            "{name}"
        );
    }
}

/// uid of `name`, from the password database (`getent`).
fn uid_of(name: &str) -> u32 {
    let out = std::process::Command::new("getent")
        .args(["passwd", name])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    line.split(':')
        .nth(2)
        .and_then(|u| u.parse().ok())
        .unwrap_or_else(|| panic!("no uid for {name} in {line:?}"))
}

#[test]
fn fetched_files_belong_to_the_task_user() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // The command executor runs as the task's user: `nobody` must be able to reach the
    // agent's programs, which the dev kit keeps under its owner's home (root's, mode 0700,
    // in CI). A copy in a directory anyone may enter, as an installation's launcher
    // directory is.
    let helpers = tempfile::tempdir().unwrap();
    std::fs::set_permissions(helpers.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let kit = support::launcher_dir().expect("the agent's helper programs");
    for program in ["mesos-containerizer", "mesos-executor", "mesos-fetcher"] {
        std::fs::copy(kit.join(program), helpers.path().join(program)).unwrap();
    }
    let guard = cluster(&[("MESOS_LAUNCHER_DIR", helpers.path().to_str().unwrap())]);
    // Readable by everyone, as `nobody` must read it.
    let src = tempfile::tempdir().unwrap();
    std::fs::set_permissions(src.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = src.path().join("owned.txt");
    std::fs::write(&data, "x").unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o644)).unwrap();
    let private = src.path().join("private.txt");
    std::fs::write(&private, "secret").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (done, work) = run_tasks(guard.work_dir(), |offer| {
        let mut owned = task(
            "owned",
            offer,
            "test -O owned.txt",
            vec![uri(data.to_str().unwrap())],
        );
        owned
            .command
            .mut_or_insert_default()
            .set_user("nobody".into());
        let mut denied = task(
            "denied",
            offer,
            "true",
            vec![uri(private.to_str().unwrap())],
        );
        denied
            .command
            .mut_or_insert_default()
            .set_user("nobody".into());
        vec![owned, denied]
    });
    let s = status(&done, "owned");
    assert_eq!(s.state(), TaskState::TASK_FINISHED, "{s:?}");
    let dir = sandbox(&work, "owned");
    assert_eq!(
        std::fs::metadata(dir.join("owned.txt")).unwrap().uid(),
        uid_of("nobody")
    );
    // The fetcher reads local files as the task's user, so root's private file stays private.
    let s = status(&done, "denied");
    assert_eq!(s.state(), TaskState::TASK_FAILED, "{s:?}");
    let stderr = std::fs::read_to_string(sandbox(&work, "denied").join("stderr")).unwrap();
    assert!(stderr.contains("Permission denied"), "{stderr}");
}

/// A cached `http://` URI would make the dev kit's in-process agent ask its stand-in libcurl
/// for the size, which aborts the whole process: the launch is refused with a typed error
/// before libmesos sees it, the process lives on, and the master never hears of the task;
/// the same task without `cache` then runs.
#[test]
fn a_cached_http_uri_is_refused_on_the_kit_instead_of_aborting() {
    if mesos_sys::linked::DEVKIT_DIR.is_none() {
        println!("SKIPPED: the linked libmesos is not the dev kit (a real libcurl caches it)");
        return;
    }
    let _guard = cluster(&[]);
    let (base, _requests) = http_server(vec![("data.txt", b"fetched\n".to_vec())]);
    let (probe, mut events) = support::probe();
    let driver =
        SchedulerDriver::new(probe, support::framework("fetcher cached http"), "local").unwrap();
    driver.start().unwrap();
    let (_, master_info) = support::registered(&mut events);
    let offer = support::next_offers(&mut events).remove(0);
    let mut cached = uri(&format!("http://{base}/data.txt"));
    cached.set_cache(true);
    let t = task("cached", &offer, "cat data.txt", vec![cached]);
    match driver.launch_tasks([&offer.id], std::slice::from_ref(&t), None) {
        Err(mesos::Error::UnsupportedSettings { settings, reason }) => {
            assert_eq!(settings.len(), 1, "{settings:?}");
            assert!(settings[0].contains("task cached"), "{settings:?}");
            assert!(settings[0].contains("/data.txt"), "{settings:?}");
            assert!(reason.contains("libcurl"), "{reason}");
        }
        other => panic!("expected UnsupportedSettings, got {other:?}"),
    }
    // Nothing reached the master: the offer is still outstanding and no task exists.
    let master = support::master_address(&master_info);
    let state = support::http_get(&master, "/master/state");
    assert!(!state.contains("\"cached\""), "{state}");
    // Without `cache` the same task is fetched by mesos-fetcher and runs.
    let mut plain = t.clone();
    plain.command.mut_or_insert_default().uris[0].set_cache(false);
    driver
        .launch_tasks([&offer.id], std::slice::from_ref(&plain), None)
        .unwrap();
    let s = support::next_update(&mut events, "cached", |s| s.is_terminal());
    assert_eq!(s.state(), TaskState::TASK_FINISHED, "{:?}", s.message());
    driver.stop(false).unwrap();
}
