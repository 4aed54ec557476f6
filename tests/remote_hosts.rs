//! A master on another host, reached through a router, and a scheduler behind NAT: hosts are
//! network namespaces joined by veth pairs (`support::netns`), built by the test as root;
//! without root the tests print why and do nothing.
//!
//! ```text
//!   dc (master)             router                office (scheduler, routed)
//!   198.51.100.10 ----- 198.51.100.1  203.0.113.1 ----- 203.0.113.10
//!                           192.0.2.1
//!                               |        NAT: masquerade 192.0.2.0/24 towards dc,
//!                          192.0.2.10    forward 198.51.100.1:<port> to 192.0.2.10:<port>
//!                     home (scheduler behind NAT)
//! ```
//!
//! The master is a local cluster hosted by a child process in `dc`; each scheduler is a child
//! process in its namespace. Addresses are documentation ranges (RFC 5737), only ever assigned
//! inside the test's namespaces.

mod support;

use std::time::Duration;

use mesos::process::ProcessConfig;
use mesos::scheduler::SchedulerEvent;
use mesos::SchedulerDriver;
use support::hosted::{self, RoleChild};
use support::netns::{self, Lab};
use support::*;

const MASTER_IP: &str = "198.51.100.10";
const ROUTER_DC: &str = "198.51.100.1";
const OFFICE_IP: &str = "203.0.113.10";
const HOME_IP: &str = "192.0.2.10";
/// The port the master binds in `dc`.
const MASTER_PORT: u16 = 5050;
/// The port a scheduler binds (and the router forwards to `home`).
const SCHEDULER_PORT: u16 = 9090;

/// What a scheduler role reads from its environment.
const MASTER_VAR: &str = "MESOS_RS_TEST_MASTER";
const BIND_VAR: &str = "MESOS_RS_TEST_BIND";
const ADVERTISE_VAR: &str = "MESOS_RS_TEST_ADVERTISE";
const WAIT_VAR: &str = "MESOS_RS_TEST_WAIT_SECS";
const TIMEOUT_VAR: &str = "MESOS_RS_TEST_REGISTRATION_TIMEOUT_SECS";

/// Builds the lab of the module docs; returns it with the names of `dc`, `office`, `home`.
fn build_lab() -> (Lab, String, String, String) {
    let mut lab = Lab::new();
    let router = lab.host("router");
    let dc = lab.host("dc");
    let office = lab.host("office");
    let home = lab.host("home");
    lab.link(
        &router,
        "to-dc",
        "198.51.100.1/24",
        &dc,
        "eth0",
        "198.51.100.10/24",
    );
    lab.link(
        &router,
        "to-office",
        "203.0.113.1/24",
        &office,
        "eth0",
        "203.0.113.10/24",
    );
    lab.link(
        &router,
        "to-home",
        "192.0.2.1/24",
        &home,
        "eth0",
        "192.0.2.10/24",
    );
    lab.forwarding(&router);
    // dc knows the office's network, not the home's: that one is private, behind NAT.
    lab.route(&dc, "203.0.113.0/24", ROUTER_DC);
    lab.route(&office, "default", "203.0.113.1");
    lab.route(&home, "default", "192.0.2.1");
    lab.nft(
        &router,
        &format!(
            "table ip nat {{
               chain prerouting {{
                 type nat hook prerouting priority dstnat; policy accept;
                 iifname \"to-dc\" ip daddr {ROUTER_DC} tcp dport {SCHEDULER_PORT} dnat to {HOME_IP}:{SCHEDULER_PORT}
               }}
               chain postrouting {{
                 type nat hook postrouting priority srcnat; policy accept;
                 ip saddr 192.0.2.0/24 oifname \"to-dc\" masquerade
               }}
             }}"
        ),
    );
    (lab, dc, office, home)
}

/// Starts the master in host `dc` and returns it with its address.
fn start_master(test: &str, dc: &str) -> (RoleChild, String) {
    let mut master = RoleChild::spawn_with(
        &Lab::prefix(dc),
        test,
        "host",
        &[
            (hosted::PORT_VAR, MASTER_PORT.to_string()),
            (hosted::IP_VAR, MASTER_IP.to_owned()),
            // The hosts have no name service: master and agent name themselves by address.
            ("MESOS_HOSTNAME_LOOKUP", "false".to_owned()),
        ],
        false,
    );
    let ready = master
        .wait_line(hosted::READY, Duration::from_secs(60))
        .unwrap_or_else(|| panic!("no master in dc: {:?}", master.seen));
    let address = ready.split(' ').next().unwrap().to_owned();
    assert_eq!(address, format!("{MASTER_IP}:{MASTER_PORT}"));
    (master, address)
}

/// The scheduler role: libprocess configured through `mesos::process` from the role's
/// environment, then register, take an offer, launch a task, report its first update and
/// the framework's pid as the master knows it.
fn scheduler_role() {
    let master = std::env::var(MASTER_VAR).unwrap();
    let bind: std::net::Ipv4Addr = std::env::var(BIND_VAR).unwrap().parse().unwrap();
    let mut config = ProcessConfig::new().ip(bind).port(SCHEDULER_PORT);
    if let Ok(ip) = std::env::var(ADVERTISE_VAR) {
        config = config
            .advertise_ip(ip.parse().unwrap())
            .advertise_port(SCHEDULER_PORT);
    }
    // SAFETY: this role's process runs no other thread that uses the environment yet.
    unsafe { config.apply_unchecked() }.unwrap();
    std::env::set_var("MESOS_LOGGING_LEVEL", "WARNING");
    std::env::set_var("GLOG_minloglevel", "1");
    let wait = Duration::from_secs(std::env::var(WAIT_VAR).unwrap().parse().unwrap());

    let (probe, mut events) = probe();
    let mut builder = SchedulerDriver::builder(framework("remote"), master.clone());
    if let Ok(secs) = std::env::var(TIMEOUT_VAR) {
        builder = builder.registration_timeout(Duration::from_secs(secs.parse().unwrap()));
    }
    let driver = builder.build(probe).unwrap();
    driver.start().unwrap();
    // Registered (and maybe offered) within `wait`, or not at all.
    let deadline = std::time::Instant::now() + wait;
    let mut registered = None;
    let mut offers = None;
    while registered.is_none() && std::time::Instant::now() < deadline {
        for e in events.during(Duration::from_millis(200), |e| Some(e.clone())) {
            match e {
                SchedulerEvent::Registered { framework_id, .. } => {
                    registered = Some(framework_id.value().to_owned())
                }
                e => offers = offers.or_else(|| offers_event(&e)),
            }
        }
    }
    // The framework as the master sees it: its pid is where the master sends.
    let body = http_get(&master, "/master/frameworks");
    let pids: Vec<_> = body
        .split("\"pid\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|p| p.starts_with("scheduler"))
        .collect();
    println!("MASTER_VIEW {}", pids.join(" "));
    let Some(id) = registered else {
        println!("NOT_REGISTERED");
        if std::env::var_os(TIMEOUT_VAR).is_some() {
            match driver.join() {
                Err(e) => println!("GAVE_UP {e}"),
                Ok(status) => println!("GAVE_UP no error, {status:?}"),
            }
        }
        return;
    };
    println!("REGISTERED {id}");
    let offer = offers.unwrap_or_else(|| next_offers(&mut events)).remove(0);
    driver
        .launch_tasks(
            &[offer.id.clone().unwrap()],
            &[task("remote-1", &offer, 0.1, "true")],
            None,
        )
        .unwrap();
    let update = next_update(&mut events, "the task's update", |s| {
        s.task_id.value() == "remote-1"
    });
    println!("TASK {:?}", update.state());
    driver.stop(false).unwrap();
}

/// Runs a scheduler role in `ns` and returns its output once it ends.
fn run_scheduler(test: &str, ns: &str, env: &[(&str, String)]) -> Vec<String> {
    let mut child = RoleChild::spawn_with(&Lab::prefix(ns), test, "scheduler", env, false);
    child.wait_line("MASTER_VIEW", Duration::from_secs(90));
    child.wait_line("TASK", Duration::from_secs(60));
    child.finish(Duration::from_secs(20));
    std::mem::take(&mut child.seen)
}

fn line<'a>(output: &'a [String], prefix: &str) -> Option<&'a str> {
    output
        .iter()
        .find_map(|l| l.find(prefix).map(|at| l[at + prefix.len()..].trim()))
}

const ROUTED_TEST: &str = "a_scheduler_registers_with_a_master_on_another_subnet";

#[test]
fn a_scheduler_registers_with_a_master_on_another_subnet() {
    if hosted::play(&[("scheduler", scheduler_role)]) {
        return;
    }
    if let Some(why) = netns::unavailable() {
        println!("skipped: {why}");
        return;
    }
    let (_lab, dc, office, _) = build_lab();
    let (_master, address) = start_master(ROUTED_TEST, &dc);
    let out = run_scheduler(
        ROUTED_TEST,
        &office,
        &[
            (MASTER_VAR, address),
            (BIND_VAR, OFFICE_IP.into()),
            (WAIT_VAR, "30".into()),
        ],
    );
    assert!(line(&out, "REGISTERED").is_some(), "{out:#?}");
    let pids = line(&out, "MASTER_VIEW").unwrap();
    assert!(
        pids.split(' ')
            .any(|p| p.ends_with(&format!("@{OFFICE_IP}:{SCHEDULER_PORT}"))),
        "the master sends to the office's address: {pids}"
    );
    assert!(line(&out, "TASK TASK_").is_some(), "{out:#?}");
}

const NAT_TEST: &str = "a_scheduler_behind_nat_registers_only_when_it_advertises_the_nat_address";

#[test]
fn a_scheduler_behind_nat_registers_only_when_it_advertises_the_nat_address() {
    if hosted::play(&[("scheduler", scheduler_role)]) {
        return;
    }
    if let Some(why) = netns::unavailable() {
        println!("skipped: {why}");
        return;
    }
    let (_lab, dc, _, home) = build_lab();
    let (_master, address) = start_master(NAT_TEST, &dc);

    // Without advertise settings the scheduler announces its private address, which the
    // master cannot reach: its messages arrive (through NAT), the answers never do.
    let out = run_scheduler(
        NAT_TEST,
        &home,
        &[
            (MASTER_VAR, address.clone()),
            (BIND_VAR, HOME_IP.into()),
            (WAIT_VAR, "6".into()),
            (TIMEOUT_VAR, "6".into()),
        ],
    );
    assert!(line(&out, "NOT_REGISTERED").is_some(), "{out:#?}");
    // The registration timeout says what was advertised, and what to do about it.
    let gave_up = line(&out, "GAVE_UP").unwrap_or_else(|| panic!("{out:#?}"));
    assert!(
        gave_up.contains(&format!("{HOME_IP} (LIBPROCESS_IP), port {SCHEDULER_PORT}")),
        "{gave_up}"
    );
    assert!(gave_up.contains("LIBPROCESS_ADVERTISE_IP"), "{gave_up}");
    eprintln!("{gave_up}");
    let pids = line(&out, "MASTER_VIEW").unwrap();
    assert!(
        pids.split(' ')
            .any(|p| p.ends_with(&format!("@{HOME_IP}:{SCHEDULER_PORT}"))),
        "the master would send to the private address: {pids}"
    );

    // Advertising the router's address and the forwarded port: registered, offers, launch.
    let out = run_scheduler(
        NAT_TEST,
        &home,
        &[
            (MASTER_VAR, address),
            (BIND_VAR, HOME_IP.into()),
            (ADVERTISE_VAR, ROUTER_DC.into()),
            (WAIT_VAR, "30".into()),
        ],
    );
    assert!(line(&out, "REGISTERED").is_some(), "{out:#?}");
    let pids = line(&out, "MASTER_VIEW").unwrap();
    assert!(
        pids.split(' ')
            .any(|p| p.ends_with(&format!("@{ROUTER_DC}:{SCHEDULER_PORT}"))),
        "the master sends to the advertised address: {pids}"
    );
    assert!(line(&out, "TASK TASK_").is_some(), "{out:#?}");
}
