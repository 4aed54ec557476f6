//! Masters found through a real ZooKeeper (Debian's `zookeeper` package): a three-member
//! ensemble on loopback ports, several masters announced in it as Mesos masters announce
//! themselves (`support::zk`), and a framework that follows the leading master.
//!
//! Each master is a local cluster hosted by a child process (`support::hosted`), so it can be
//! killed with SIGKILL; ZooKeeper members are killed the same way.

mod support;

use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::{SchedulerDriver, Status};
use support::hosted::{self, host_master_with, HostedMaster, Phases, RoleChild};
use support::zk::{self, Ensemble, ZkClient};
use support::*;

const GROUP: &str = "/mesos";

/// Starts `n` masters one after the other, each joining the group of `url`; the first one
/// started leads.
fn start_masters(test: &str, url: &str, n: usize) -> Vec<HostedMaster> {
    let env = [(hosted::ZK_VAR, url.to_owned())];
    (0..n)
        .map(|_| host_master_with(test, hosted::free_port(), &env, Duration::from_secs(60)))
        .collect()
}

/// The framework's JSON in a master's `/master/frameworks`, if the master knows it.
fn framework_on(master: &str, id: &str) -> Option<String> {
    let body = http_get(master, "/master/frameworks");
    let at = body.find(&format!("{{\"id\":\"{id}\""))?;
    Some(body[at..].chars().take(400).collect())
}

/// Waits for the next registration (`registered` or `reregistered`) and returns the
/// framework ID it reports (`known` for a re-registration) and the master's ID.
fn next_registration(events: &mut Events, known: &str, what: &str) -> (String, String) {
    events.wait_for(Duration::from_secs(60), what, |e| match e {
        SchedulerEvent::Registered {
            framework_id,
            master_info,
        } => Some((framework_id.value().to_owned(), master_info.id().to_owned())),
        SchedulerEvent::Reregistered { master_info } => {
            Some((known.to_owned(), master_info.id().to_owned()))
        }
        SchedulerEvent::Error { message } => panic!("error while waiting for {what}: {message}"),
        _ => None,
    })
}

const ELECTION_TEST: &str =
    "the_framework_follows_the_next_leader_and_a_lost_ensemble_member_goes_unnoticed";

#[test]
fn the_framework_follows_the_next_leader_and_a_lost_ensemble_member_goes_unnoticed() {
    if hosted::enter(&[]) {
        return;
    }
    let mut phases = Phases::start();
    let mut ensemble = Ensemble::three();
    let url = ensemble.url(GROUP);
    let observer = ensemble.observer();
    let masters = start_masters(ELECTION_TEST, &url, 3);
    phases.mark("ensemble and 3 masters up");

    // Three members, in the order the masters joined, with their MasterInfo as JSON.
    let members = observer.masters(GROUP);
    let ids: Vec<_> = members.iter().map(|(_, m)| m.id().to_owned()).collect();
    let started: Vec<_> = masters.iter().map(|m| m.info.id().to_owned()).collect();
    assert_eq!(ids, started, "{members:?}");
    for (name, info) in &members {
        assert!(name.starts_with("json.info_"), "{name}");
        let raw = observer.data(&format!("{GROUP}/{name}")).unwrap();
        let json = String::from_utf8(raw).unwrap();
        assert!(json.starts_with('{') && json.contains("\"pid\""), "{json}");
        assert!(json.contains(info.pid()), "{json}");
    }

    let (probe, mut events) = probe();
    let mut info = framework("follower");
    info.set_failover_timeout(300.0);
    let driver = SchedulerDriver::new(probe, info, url.clone()).unwrap();
    driver.start().unwrap();
    let (id, master) = registered(&mut events);
    let id = id.value().to_owned();
    assert_eq!(
        master.id(),
        masters[0].info.id(),
        "registered with the leader"
    );
    let offer = next_offers(&mut events).remove(0);
    assert!(offer.id.value().starts_with(masters[0].info.id()));
    phases.mark("registered with the leader");

    // One ensemble member dies: the ensemble's leader, which makes the others elect a new
    // one (they drop their clients meanwhile). Clients reconnect within their sessions.
    let zk_leader = ensemble.leader().expect("an ensemble leader");
    let killed_at = Instant::now();
    ensemble.kill(zk_leader);
    let new_zk_leader = ensemble.wait_new_leader(zk_leader, Duration::from_secs(30));
    ensemble.wait_serving(Duration::from_secs(30));
    let outage = killed_at.elapsed();
    eprintln!(
        "ZooKeeper member {zk_leader} (the leader) killed; member {new_zk_leader} leads, \
         serving again after {outage:?}"
    );
    // Nothing notices, for a session timeout: no disconnection, the same members.
    let noticed = events.during(hosted::CONTENDER_SESSION, |e| {
        matches!(
            e,
            SchedulerEvent::Disconnected
                | SchedulerEvent::Error { .. }
                | SchedulerEvent::Registered { .. }
                | SchedulerEvent::Reregistered { .. }
        )
        .then(|| e.callback_name())
    });
    assert!(
        noticed.is_empty(),
        "the driver noticed: {noticed:?} (the ensemble served again after {outage:?}; \
         sessions last {:?} for masters, {:?} for the driver)",
        hosted::CONTENDER_SESSION,
        zk::MAX_SESSION,
    );
    assert_eq!(
        observer
            .masters(GROUP)
            .iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        members.iter().map(|(n, _)| n).collect::<Vec<_>>(),
    );
    assert!(framework_on(&masters[0].address, &id).is_some_and(|f| f.contains("\"active\":true")));
    ensemble.start_member(zk_leader);
    ensemble.wait_serving(Duration::from_secs(30));
    phases.mark("ensemble member lost and back");

    // The leading master dies. Its member goes when its session times out; the driver is
    // disconnected, then registers with the next master under the same FrameworkID.
    let [mut first, second, third] = <[HostedMaster; 3]>::try_from(masters).ok().unwrap();
    first.child.kill();
    events.wait_for(Duration::from_secs(60), "disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected).then_some(())
    });
    let (again, by) = next_registration(&mut events, &id, "registration with the next leader");
    assert_eq!(again, id, "the framework keeps its FrameworkID");
    assert_eq!(
        by,
        second.info.id(),
        "the next leader is the next in sequence"
    );
    let left: Vec<_> = observer
        .masters(GROUP)
        .into_iter()
        .map(|(_, m)| m.id().to_owned())
        .collect();
    assert_eq!(left, [second.info.id(), third.info.id()]);
    let offer = next_offers(&mut events).remove(0);
    assert!(offer.id.value().starts_with(second.info.id()), "{offer:?}");
    let known = framework_on(&second.address, &id).expect("the new leader knows the framework");
    assert!(known.contains("\"active\":true"), "{known}");
    assert!(
        framework_on(&third.address, &id).is_none(),
        "only the leader hears from the framework"
    );
    phases.mark("followed the next leader");

    assert_eq!(
        connection_events(&events),
        ["registered", "disconnected", "registered"],
        "a registration with a FrameworkID is reported as `registered`"
    );
    eprintln!("phases {phases:?}");
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}

const QUORUM_TEST: &str = "the_ensemble_loses_its_quorum_and_regains_it";

#[test]
fn the_ensemble_loses_its_quorum_and_regains_it() {
    if hosted::enter(&[]) {
        return;
    }
    let mut phases = Phases::start();
    let mut ensemble = Ensemble::three();
    let url = ensemble.url(GROUP);
    let mut master = start_masters(QUORUM_TEST, &url, 1).remove(0);
    let observer = ensemble.observer();
    let member = observer.masters(GROUP).remove(0).0;

    let (probe, mut events) = probe();
    let mut info = framework("quorum");
    info.set_failover_timeout(300.0);
    let driver = SchedulerDriver::new(probe, info, url.clone()).unwrap();
    driver.start().unwrap();
    let (id, _) = registered(&mut events);
    let id = id.value().to_owned();
    phases.mark("registered");

    // A short loss: two of three members down, started again at once (back well before
    // any session times out).
    let down = [0, 1];
    for i in down {
        ensemble.kill(i);
    }
    ensemble.wait_not_serving(Duration::from_secs(10));
    let lost_at = Instant::now();
    for i in down {
        ensemble.start_member(i);
    }
    ensemble.wait_serving(Duration::from_secs(30));
    let outage = lost_at.elapsed();
    let noticed = events.during(hosted::CONTENDER_SESSION, |e| {
        matches!(
            e,
            SchedulerEvent::Disconnected | SchedulerEvent::Error { .. }
        )
        .then(|| e.callback_name())
    });
    assert!(
        noticed.is_empty(),
        "a {outage:?} outage was noticed: {noticed:?}"
    );
    assert_eq!(
        observer.masters(GROUP).remove(0).0,
        member,
        "the master's membership survived"
    );
    assert!(!master.child.exited());
    phases.mark("short quorum loss unnoticed");

    // A long loss: no quorum for longer than a session. The driver's detector gives up its
    // session and reports no master; the master, like a Mesos master, loses its candidacy
    // and exits.
    for i in down {
        ensemble.kill(i);
    }
    ensemble.wait_not_serving(Duration::from_secs(10));
    events.wait_for(3 * zk::MAX_SESSION, "disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected).then_some(())
    });
    let lost = master
        .child
        .wait_line(hosted::LOST, 3 * zk::MAX_SESSION)
        .unwrap_or_else(|| panic!("the master kept its candidacy: {:?}", master.child.seen));
    assert!(lost.starts_with(&format!("{GROUP}/{member}")), "{lost}");
    phases.mark("long quorum loss: disconnected, master gone");

    // Quorum again; a master is started again (a supervisor's job) and the framework
    // registers with it under the same FrameworkID.
    for i in down {
        ensemble.start_member(i);
    }
    ensemble.wait_serving(Duration::from_secs(30));
    let restarted = start_masters(QUORUM_TEST, &url, 1).remove(0);
    let (again, by) = next_registration(&mut events, &id, "registration after the outage");
    assert_eq!(again, id);
    assert_eq!(by, restarted.info.id());
    // The test's own session expired in the outage too: look with a new one.
    drop(observer);
    let observer = ensemble.observer();
    let members = observer.masters(GROUP);
    assert_eq!(members.len(), 1, "{members:?}");
    assert!(zk::sequence(&members[0].0) > zk::sequence(&member));
    phases.mark("registered after quorum came back");
    eprintln!(
        "connection events {:?}; phases {phases:?}",
        connection_events(&events)
    );
    assert_eq!(driver.stop(false).unwrap(), Status::DRIVER_STOPPED);
}

const DIGEST_TEST: &str = "digest_credentials_in_the_zk_url_work_and_are_never_shown";
/// The ZooKeeper identity of the cluster.
const ZK_USER: &str = "mesos";
const ZK_PASSWORD: &str = "zk-pw-7e4d1c";

/// Framework role: registers through `zk://user:password@...` with libmesos logging at INFO
/// and every `tracing` event of the crate printed, prints the builder's `Debug`, reports.
fn digest_framework() {
    let url = std::env::var("MESOS_RS_TEST_URL").unwrap();
    std::env::set_var("LIBPROCESS_IP", "127.0.0.1");
    std::env::set_var("MESOS_LOGGING_LEVEL", "INFO");
    std::env::set_var("GLOG_minloglevel", "0");
    std::env::set_var("GLOG_v", "1");
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(std::io::stderr)
        .init();
    let builder = SchedulerDriver::builder(framework("digest"), url.clone());
    println!("BUILDER_DEBUG {builder:?}");
    let (probe, mut events) = probe();
    let driver = builder.build(probe).unwrap();
    println!("DRIVER_DEBUG {driver:?}");
    driver.start().unwrap();
    let wait: u64 = std::env::var("MESOS_RS_TEST_WAIT_SECS")
        .unwrap()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(wait);
    let mut outcome = "OUTCOME NONE".to_string();
    'wait: while Instant::now() < deadline {
        for e in events.during(Duration::from_millis(200), |e| Some(e.clone())) {
            match e {
                SchedulerEvent::Registered { master_info, .. } => {
                    outcome = format!("OUTCOME REGISTERED {}", master_info.id());
                    break 'wait;
                }
                SchedulerEvent::Error { message } => {
                    outcome = format!("OUTCOME ERROR {message}");
                    break 'wait;
                }
                _ => {}
            }
        }
    }
    println!("{outcome}");
    let _ = driver.stop(false);
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

#[test]
fn digest_credentials_in_the_zk_url_work_and_are_never_shown() {
    if hosted::play(&[("framework", digest_framework)]) {
        return;
    }
    let ensemble = Ensemble::standalone();
    let credentials = format!("{ZK_USER}:{ZK_PASSWORD}");
    // The operator keeps the cluster's group private to the cluster's identity.
    let admin = ZkClient::connect(
        &ensemble.servers(),
        Some(&credentials),
        Duration::from_secs(10),
    );
    admin.create_path(GROUP, true);
    let url = ensemble.url_with_credentials(ZK_USER, ZK_PASSWORD, GROUP);
    let master = start_masters(DIGEST_TEST, &url, 1).remove(0);
    let member = admin.masters(GROUP).remove(0).0;
    // The master's member: readable by anyone, everything else only for its creator.
    let acl = admin.acl(&format!("{GROUP}/{member}")).unwrap();
    assert!(
        acl.contains(&("world".into(), "anyone".into(), 1)),
        "{acl:?}"
    );
    assert!(
        acl.iter()
            .any(|(s, id, p)| s == "digest" && id.starts_with(&format!("{ZK_USER}:")) && *p == 31),
        "{acl:?}"
    );
    // Without the credentials the group cannot even be listed.
    let stranger = ensemble.observer();
    assert!(stranger.children(GROUP).is_err());

    let run = |url: &str, wait: u64| {
        let mut child = RoleChild::spawn_with(
            &[],
            DIGEST_TEST,
            "framework",
            &[
                ("MESOS_RS_TEST_URL", url.to_owned()),
                ("MESOS_RS_TEST_WAIT_SECS", wait.to_string()),
            ],
            true,
        );
        let outcome = child.wait_line("OUTCOME", Duration::from_secs(wait + 30));
        child.finish(Duration::from_secs(10));
        (outcome, std::mem::take(&mut child.seen))
    };
    // Without them, libmesos cannot read the group. Its detector gives up, and libmesos
    // ends the whole scheduler process (exit status 1), before any callback.
    // (It waits up to 20 s for an outcome; libmesos ends it long before on any machine.)
    let (outcome, unauthorized) = run(&ensemble.url(GROUP), 20);
    assert_eq!(outcome, None, "{unauthorized:#?}");
    assert!(
        unauthorized
            .iter()
            .any(|l| l.contains("Failed to detect a master") && l.contains("not authenticated")),
        "{unauthorized:#?}"
    );
    // With the credentials: registered with the master.
    let (outcome, output) = run(&url, 60);
    assert_eq!(
        outcome,
        Some(format!("REGISTERED {}", master.info.id())),
        "{}",
        output.join("\n")
    );
    let debug = output
        .iter()
        .find(|l| l.contains("BUILDER_DEBUG"))
        .expect("the builder's Debug");
    assert!(debug.contains(&ensemble.servers()), "{debug}");
    // The password appears nowhere: not in Debug, not in the crate's tracing, not in
    // libmesos' own log (at INFO, verbose 1).
    let leaks: Vec<_> = output.iter().filter(|l| l.contains(ZK_PASSWORD)).collect();
    assert!(leaks.is_empty(), "the password leaked: {leaks:#?}");
    assert!(
        output.iter().any(|l| l.contains("ZooKeeper")),
        "libmesos' log was captured"
    );
    eprintln!("{} lines of output, none with the password", output.len());
}
