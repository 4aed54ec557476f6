//! `LocalCluster`: sound environment changes, nothing left in the temporary directory after
//! a normal exit (whatever the order in which guard and driver go), and the agents' launcher
//! directory. The cases that exit run as child processes of this test binary with a private
//! `TMPDIR`, so that what is left there can be seen.

mod support;

use std::path::Path;
use std::process::Command;

use mesos::local::{devkit_launcher_dir, LocalCluster};
use mesos::{SchedulerDriver, Status};
use support::cluster::Framework;
use support::*;

/// `apply` changes the environment, which is only sound while no other thread runs; a test
/// runs on a thread of the harness, so `apply` refuses here and says why.
#[test]
fn apply_refuses_while_other_threads_exist() {
    let err = LocalCluster::new().apply().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("threads"), "{text}");
    assert!(text.contains("apply_unchecked"), "{text}");
    assert!(
        std::env::var_os("MESOS_WORK_DIR").is_none(),
        "nothing was set"
    );
}

/// The child modes below, selected by MESOS_RS_LOCAL_CHILD.
fn child(mode: &str) {
    // SAFETY: the harness' main thread only waits for this test; no driver exists yet.
    let guard = unsafe {
        LocalCluster::new()
            .resources("cpus:1;mem:128")
            .apply_unchecked()
            .unwrap()
    };
    println!("WORK_DIR={}", guard.work_dir().display());
    let Framework { driver, mut events } = Framework::start("local child");
    registered(&mut events);
    let offers = next_offers(&mut events);
    match mode {
        // The guard goes first; then a task makes the agent write (and so make again) its
        // directories in the work directory.
        "guard-first" => {
            drop(guard);
            let t = task("after-guard", &offers[0], 0.1, "true");
            driver
                .launch_tasks(&[offers[0].id.clone().unwrap()], &[t], None)
                .unwrap();
            next_update(&mut events, "a terminal update", |s| {
                mesos::task_status::is_terminal(s.state())
            });
            driver.stop(false).unwrap();
            drop(driver);
        }
        // Neither the guard nor the driver is dropped: exit() skips destructors.
        "exit" => {
            driver.stop(false).unwrap();
            std::process::exit(0);
        }
        // A second cluster while the first one's driver runs is refused.
        "second" => {
            // SAFETY: as above; it is refused before the environment is touched.
            let second = unsafe { LocalCluster::new().apply_unchecked() };
            let err = second.unwrap_err().to_string();
            assert!(err.contains("one local cluster at a time"), "{err}");
            driver.stop(false).unwrap();
            drop(driver);
            drop(guard);
        }
        other => panic!("unknown child mode {other}"),
    }
    println!("child done");
}

/// Runs `test` of this binary as a child in `mode` with a private temporary directory;
/// returns that directory's entries after the child exited, and the child's stdout.
fn run_child(test: &str, mode: &str) -> (Vec<String>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("MESOS_RS_LOCAL_CHILD", mode)
        .env("TMPDIR", tmp.path())
        .env_remove("MESOS_WORK_DIR")
        .env("MESOS_QUIET", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {mode} failed ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("WORK_DIR={}", tmp.path().display())),
        "the work directory was made in the private TMPDIR: {stdout}"
    );
    (entries(tmp.path()), stdout)
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn nothing_is_left_when_the_guard_goes_before_the_driver() {
    const TEST: &str = "nothing_is_left_when_the_guard_goes_before_the_driver";
    if let Ok(mode) = std::env::var("MESOS_RS_LOCAL_CHILD") {
        return child(&mode);
    }
    let (left, stdout) = run_child(TEST, "guard-first");
    assert!(stdout.contains("child done"), "{stdout}");
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn nothing_is_left_after_exit_with_the_guard_alive() {
    const TEST: &str = "nothing_is_left_after_exit_with_the_guard_alive";
    if let Ok(mode) = std::env::var("MESOS_RS_LOCAL_CHILD") {
        return child(&mode);
    }
    let (left, _) = run_child(TEST, "exit");
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn a_second_cluster_while_a_local_driver_runs_is_refused() {
    const TEST: &str = "a_second_cluster_while_a_local_driver_runs_is_refused";
    if let Ok(mode) = std::env::var("MESOS_RS_LOCAL_CHILD") {
        return child(&mode);
    }
    let (left, stdout) = run_child(TEST, "second");
    assert!(stdout.contains("child done"), "{stdout}");
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

/// The agent's `launcher_dir` flag (read back from the agent's own `/flags` endpoint): the
/// builder's directory when given; otherwise the dev kit's helper programs when the linked
/// libmesos is the dev kit and has them, else libmesos' default, untouched.
#[test]
fn the_agents_launcher_dir() {
    if let Ok(dir) = std::env::var("MESOS_RS_LAUNCHER_CHILD") {
        let cluster = LocalCluster::new().resources("cpus:1;mem:128");
        let cluster = if dir.is_empty() {
            cluster
        } else {
            cluster.launcher_dir(&dir)
        };
        // SAFETY: the harness' main thread only waits for this test; no driver exists yet.
        let _guard = unsafe { cluster.apply_unchecked().unwrap() };
        let (probe, mut events) = probe();
        let driver = SchedulerDriver::new(probe, framework("launcher dir"), "local").unwrap();
        driver.start().unwrap();
        let (_, master) = registered(&mut events);
        next_offers(&mut events);
        // Read as JSON: older agents (1.6) write '/' in strings as "\/".
        let flags: serde_json::Value =
            serde_json::from_str(&http_get(&master_address(&master), "/slave(1)/flags")).unwrap();
        let value = flags["flags"]["launcher_dir"]
            .as_str()
            .unwrap_or_else(|| panic!("no launcher_dir in {flags}"));
        println!("LAUNCHER_DIR={value}");
        assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
        return;
    }
    let run = |dir: &str| {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "the_agents_launcher_dir", "--nocapture"])
            .env("MESOS_RS_LAUNCHER_CHILD", dir)
            .env_remove("MESOS_LAUNCHER_DIR")
            .env_remove("MESOS_WORK_DIR")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "child failed: {stdout}");
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("LAUNCHER_DIR="))
            .unwrap_or_else(|| panic!("no LAUNCHER_DIR line: {stdout}"))
            .to_owned()
    };
    let chosen = tempfile::tempdir().unwrap();
    let chosen = chosen.path().to_str().unwrap().to_owned();
    assert_eq!(run(&chosen), chosen, "the builder's directory");
    let default = run("");
    match devkit_launcher_dir() {
        Some(kit) if kit.is_dir() => assert_eq!(Path::new(&default), kit, "the kit's programs"),
        kit => {
            println!("the kit's helper directory {kit:?} is absent: libmesos' default {default}");
            assert_ne!(default, chosen);
            assert!(!default.is_empty());
        }
    }
}

/// The `mesos-rs-local-<pid>-*` work directories this process made in the temporary directory.
fn own_work_dirs() -> Vec<String> {
    let prefix = format!("mesos-rs-local-{}-", std::process::id());
    entries(&std::env::temp_dir())
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

/// The settings of a refused `apply_unchecked`, after checking that it wrote and made nothing.
fn refused(cluster: LocalCluster) -> Vec<String> {
    let before = own_work_dirs();
    // SAFETY: the harness' main thread only waits for this test; no driver exists.
    let err = unsafe { cluster.apply_unchecked() }.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported, "{err}");
    let text = err.to_string();
    assert!(text.contains("stand-in"), "{text}");
    assert!(
        std::env::var_os("MESOS_WORK_DIR").is_none(),
        "the environment was written"
    );
    assert!(std::env::var_os("MESOS_NUM_SLAVES").is_none());
    assert_eq!(own_work_dirs(), before, "a work directory was made");
    match err.get_ref().and_then(|e| e.downcast_ref::<mesos::Error>()) {
        Some(mesos::Error::UnsupportedSettings { settings, .. }) => {
            for s in settings {
                assert!(text.contains(s.as_str()), "{s} not named in {text}");
            }
            settings.clone()
        }
        other => panic!("not an UnsupportedSettings error: {other:?} ({text})"),
    }
}

/// On the dev kit, whose OpenSSL is a stand-in that aborts the process when called, executor
/// authentication and SSL are refused with an error naming them before anything starts,
/// whether the builder or the process environment asks for them. (Before, the cluster came
/// up and the whole process aborted at the first launch: `EVP_sha256 from the stand-in
/// libcrypto.so.1.0.0 was called`.)
#[test]
fn settings_the_kits_openssl_stand_in_cannot_honour_are_refused_before_anything_starts() {
    if mesos::local::devkit_launcher_dir().is_none() {
        println!(
            "SKIPPED: the linked libmesos is not the dev kit; a Mesos installation can honour these settings"
        );
        return;
    }
    let key = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key.path(), "a secret key of the agent").unwrap();
    let key = key.path().to_str().unwrap().to_owned();
    let settings = refused(
        LocalCluster::new()
            .resources("cpus:1;mem:128")
            .env("MESOS_AUTHENTICATE_HTTP_EXECUTORS", "true")
            .env("MESOS_HTTP_AUTHENTICATORS", "basic,jwt")
            .env("MESOS_JWT_SECRET_KEY", &key),
    );
    assert_eq!(
        settings,
        [
            "MESOS_AUTHENTICATE_HTTP_EXECUTORS=true".to_owned(),
            format!("MESOS_JWT_SECRET_KEY={key}"),
            "MESOS_HTTP_AUTHENTICATORS=basic,jwt".to_owned(),
        ]
    );
    // A key alone: the agent would sign a token for every executor it starts.
    assert_eq!(
        refused(LocalCluster::new().env("MESOS_EXECUTOR_SECRET_KEY", &key)),
        [format!("MESOS_EXECUTOR_SECRET_KEY={key}")]
    );

    // From the process environment (read by libmesos as much as the builder's).
    std::env::set_var("LIBPROCESS_SSL_ENABLED", "1");
    std::env::set_var("MESOS_AUTHENTICATE_HTTP_EXECUTORS", "true");
    assert_eq!(
        refused(LocalCluster::new()),
        [
            "MESOS_AUTHENTICATE_HTTP_EXECUTORS=true",
            "LIBPROCESS_SSL_ENABLED=1"
        ]
    );
    // The builder's value wins over the environment's.
    assert_eq!(
        refused(LocalCluster::new().env("MESOS_AUTHENTICATE_HTTP_EXECUTORS", "false")),
        ["LIBPROCESS_SSL_ENABLED=1"]
    );

    // Turned off, nothing is refused and the cluster is configured.
    std::env::set_var("LIBPROCESS_SSL_ENABLED", "false");
    std::env::set_var("MESOS_AUTHENTICATE_HTTP_EXECUTORS", "false");
    // SAFETY: as above.
    let guard = unsafe {
        LocalCluster::new()
            .env("MESOS_HTTP_AUTHENTICATORS", "basic")
            .apply_unchecked()
    }
    .unwrap();
    assert_eq!(
        std::env::var_os("MESOS_WORK_DIR").as_deref(),
        Some(guard.work_dir().as_os_str())
    );
}

/// The typed settings reach the master and agents: the master listens on the port asked for,
/// has the roles, weights and credentials (and accepts an authenticated framework), the
/// agents have the attributes, and the work directory is made in the parent asked for.
#[test]
fn typed_settings_reach_the_master_and_agents() {
    let parent = tempfile::tempdir().unwrap();
    let creds = parent.path().join("credentials.json");
    std::fs::write(
        &creds,
        r#"{"credentials":[{"principal":"alice","secret":"right"}]}"#,
    )
    .unwrap();
    let port = support::hosted::free_port();
    let cluster = LocalCluster::new()
        .ip("127.0.0.1".parse().unwrap())
        .port(port)
        .agents(2)
        .resources("cpus:1;mem:128")
        .attributes("rack:r7;zone:b")
        .roles("web,batch")
        .weights("web=3,batch=1")
        .credentials(&creds)
        .authenticate_frameworks(true)
        .work_dir_parent(parent.path().join("clusters"));
    // SAFETY: the harness' main thread only waits for this test; no driver exists yet.
    let guard = unsafe { cluster.apply_unchecked().unwrap() };
    assert!(guard.work_dir().starts_with(parent.path().join("clusters")));
    let (driver, mut events) = start_authenticated("typed", "right");
    let (_, master) = registered(&mut events);
    assert_eq!(master.port(), u32::from(port));
    let address = format!("127.0.0.1:{port}");
    // Read as JSON: older masters (1.6) write '/' in strings as "\/".
    let flags: serde_json::Value =
        serde_json::from_str(&http_get(&address, "/master/flags")).unwrap();
    for (flag, expected) in [
        ("roles", "web,batch".to_owned()),
        ("weights", "web=3,batch=1".to_owned()),
        ("authenticate_frameworks", "true".to_owned()),
        ("credentials", creds.display().to_string()),
    ] {
        assert_eq!(flags["flags"][flag], expected.as_str(), "{flag} in {flags}");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let slaves = http_get(&address, "/master/slaves");
        if slaves.matches("\"rack\":\"r7\"").count() == 2 {
            assert_eq!(slaves.matches("\"zone\":\"b\"").count(), 2, "{slaves}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{slaves}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}
