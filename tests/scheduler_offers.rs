//! Offer handling against the local cluster: decline filters, suppress/revive, accept with
//! LAUNCH and RESERVE/UNRESERVE, request_resources, update_framework.

mod support;

use std::time::{Duration, Instant};

use mesos::scheduler::SchedulerEvent;
use mesos::types::*;
use mesos::SchedulerDriver;
use support::cluster::Framework;
use support::*;

const FAST_ALLOCATION: (&str, &str) = ("MESOS_ALLOCATION_INTERVAL", "100ms");

#[test]
fn decline_with_refuse_seconds_holds_the_agent_back_for_that_long() {
    let _work = local_cluster("cpus:2;mem:256", &[FAST_ALLOCATION]);
    let Framework { driver, mut events } = Framework::start("decline");
    let (_, master) = registered(&mut events);
    let master = master_address(&master);

    // refuse_seconds = 0: the same agent is offered again.
    let first = next_offers(&mut events);
    decline_all(&driver, &first, 0.0);
    let again = next_offers(&mut events);
    assert_eq!(again[0].slave_id.value(), first[0].slave_id.value());

    // refuse_seconds = 3: nothing from that agent until the filter expires, then it returns.
    let refuse = Duration::from_secs(3);
    decline_all(&driver, &again, refuse.as_secs_f64());
    let declined_at = Instant::now();
    let early = events.during(refuse - Duration::from_millis(300), offers_event);
    assert!(
        early.is_empty(),
        "offered again inside the refusal window: {early:?}"
    );
    let later = next_offers(&mut events);
    assert!(declined_at.elapsed() >= refuse - Duration::from_millis(300));
    assert_eq!(later[0].slave_id.value(), first[0].slave_id.value());
    assert_eq!(metric(&master, "master/messages_decline_offers"), 2.0);
    driver.stop(false).unwrap();
}

#[test]
fn suppress_stops_offers_and_revive_resumes_them() {
    let _work = local_cluster("cpus:2;mem:256", &[FAST_ALLOCATION]);
    let (probe, mut events) = probe();
    let driver = SchedulerDriver::new(probe, framework("suppress"), "local").unwrap();
    driver.start().unwrap();
    let (_, master) = registered(&mut events);
    let master = master_address(&master);
    let offers = next_offers(&mut events);
    driver.suppress_offers().unwrap();
    decline_all(&driver, &offers, 0.0);
    let during = events.during(Duration::from_secs(2), offers_event);
    assert!(during.is_empty(), "offers while suppressed: {during:?}");
    driver.revive_offers().unwrap();
    let back = next_offers(&mut events);
    assert_eq!(back[0].slave_id.value(), offers[0].slave_id.value());

    if !mesos::libmesos_version().has_role_offer_calls() {
        // Before Mesos 1.9 there are no per-role variants: a typed refusal, nothing sent.
        expect_unsupported(
            driver.suppress_offers_for_roles(&["*"]),
            "SchedulerDriver::suppress_offers_for_roles",
            "1.9.0",
        );
        expect_unsupported(
            driver.revive_offers_for_roles(&["*"]),
            "SchedulerDriver::revive_offers_for_roles",
            "1.9.0",
        );
        assert_eq!(metric(&master, "master/messages_suppress_offers"), 1.0);
        assert_eq!(metric(&master, "master/messages_revive_offers"), 1.0);
        driver.stop(false).unwrap();
        return;
    }
    // The per-role variants act on the named roles ("*" is this framework's role). As above:
    // suppressed before the offer goes back, so nothing can be offered in between.
    driver.suppress_offers_for_roles(&["*"]).unwrap();
    decline_all(&driver, &back, 0.0);
    let during = events.during(Duration::from_secs(2), offers_event);
    assert!(during.is_empty(), "offers while '*' suppressed: {during:?}");
    driver.revive_offers_for_roles(&["*"]).unwrap();
    next_offers(&mut events);
    driver.stop(false).unwrap();
}

#[test]
fn accept_offers_launches_with_a_launch_operation() {
    let _work = local_cluster("cpus:2;mem:256", &[]);
    let Framework { driver, mut events } = Framework::start("accept launch");
    let offer = next_offers(&mut events).remove(0);
    let mut op = offer::Operation::new();
    op.set_type(offer::operation::Type::LAUNCH);
    op.launch
        .mut_or_insert_default()
        .task_infos
        .push(task("via-accept", &offer, 1.0, "true"));
    driver
        .accept_offers(&[offer.id.clone().unwrap()], &[op], None)
        .unwrap();
    let update = next_update(&mut events, "update of via-accept", |s| {
        s.task_id.value() == "via-accept" && s.is_terminal()
    });
    assert_eq!(update.slave_id.value(), offer.slave_id.value());
    driver.stop(false).unwrap();
}

fn reserved_cpus(offer: &Offer, role: &str) -> f64 {
    offer
        .resources
        .iter()
        .filter(|r| {
            r.name() == "cpus"
                && (r.role() == role || r.reservations.iter().any(|x| x.role() == role))
        })
        .map(|r| r.scalar.value())
        .sum()
}

#[test]
fn reserve_and_unreserve_through_accept_offers() {
    let _work = local_cluster("cpus:4;mem:256", &[FAST_ALLOCATION]);
    let (probe, mut events) = probe();
    let mut info = framework("reserve");
    info.set_role("web".into());
    info.set_principal("tester".into());
    let driver = SchedulerDriver::new(probe, info, "local").unwrap();
    driver.start().unwrap();
    let offer = next_offers(&mut events).remove(0);
    assert_eq!(reserved_cpus(&offer, "web"), 0.0);

    let mut cpus = Resource::new();
    cpus.set_name("cpus".into());
    cpus.set_type(value::Type::SCALAR);
    cpus.scalar.mut_or_insert_default().set_value(1.0);
    cpus.set_role("web".into());
    cpus.reservation
        .mut_or_insert_default()
        .set_principal("tester".into());
    let mut reserve = offer::Operation::new();
    reserve.set_type(offer::operation::Type::RESERVE);
    reserve.reserve.mut_or_insert_default().resources.push(cpus);
    driver
        .accept_offers(
            &[offer.id.clone().unwrap()],
            &[reserve],
            Some(&filters(0.0)),
        )
        .unwrap();

    let with_reservation = events.wait_for(
        Duration::from_secs(30),
        "an offer with reserved cpus",
        |e| offers_event(e).and_then(|o| o.into_iter().find(|o| reserved_cpus(o, "web") == 1.0)),
    );
    // Give the reserved resource back exactly as it was offered.
    let reserved: Vec<Resource> = with_reservation
        .resources
        .iter()
        .filter(|r| {
            r.name() == "cpus" && reserved_cpus(&with_reservation, "web") > 0.0 && r.role() != "*"
        })
        .cloned()
        .collect();
    assert_eq!(reserved.len(), 1, "{:?}", with_reservation.resources);
    let mut unreserve = offer::Operation::new();
    unreserve.set_type(offer::operation::Type::UNRESERVE);
    unreserve.unreserve.mut_or_insert_default().resources = reserved;
    driver
        .accept_offers(
            &[with_reservation.id.clone().unwrap()],
            &[unreserve],
            Some(&filters(0.0)),
        )
        .unwrap();
    let unreserved = events.wait_for(
        Duration::from_secs(30),
        "an offer without reservations",
        |e| {
            offers_event(e).and_then(|o| {
                o.into_iter()
                    .find(|o| scalar(o, "cpus") == 4.0 && reserved_cpus(o, "web") == 0.0)
            })
        },
    );
    assert_eq!(unreserved.slave_id.value(), offer.slave_id.value());
    driver.stop(false).unwrap();
}

#[test]
fn request_resources_reaches_the_master() {
    let _work = local_cluster("cpus:1;mem:128", &[]);
    let Framework { driver, mut events } = Framework::start("request");
    let (_, master) = registered(&mut events);
    let master = master_address(&master);
    assert_eq!(metric(&master, "master/messages_resource_request"), 0.0);
    let mut request = Request::new();
    let mut cpus = Resource::new();
    cpus.set_name("cpus".into());
    cpus.set_type(value::Type::SCALAR);
    cpus.scalar.mut_or_insert_default().set_value(1.0);
    request.resources.push(cpus);
    driver.request_resources(&[request]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&master, "master/messages_resource_request") < 1.0 {
        assert!(
            Instant::now() < deadline,
            "the master never counted the resource request"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver.stop(false).unwrap();
}

fn offered_role(o: &Offer) -> String {
    o.resources
        .first()
        .map(|r| r.allocation_info.role().to_owned())
        .unwrap_or_default()
}

/// `Error::Unsupported` naming the Rust call and the first release that has it.
fn expect_unsupported<T: std::fmt::Debug>(r: mesos::Result<T>, call: &str, since: &str) {
    match r {
        Err(mesos::Error::Unsupported {
            call: c,
            since: Some(s),
        }) if c == call && s == since => {}
        other => panic!(
            "expected Unsupported {{ {call}, since {since} }} with libmesos {}, got {other:?}",
            mesos::libmesos_version()
        ),
    }
}

#[test]
fn update_framework_changes_which_roles_get_offers() {
    let _work = local_cluster("cpus:2;mem:256", &[FAST_ALLOCATION]);
    let (probe, mut events) = probe();
    let mut info = framework("update");
    info.roles = vec!["alpha".into(), "beta".into()];
    let mut cap = framework_info::Capability::new();
    cap.set_type(framework_info::capability::Type::MULTI_ROLE);
    info.capabilities.push(cap);
    let version = mesos::libmesos_version();
    if !version.has_update_framework() {
        // Mesos 1.4 to 1.8: neither suppressed roles at start nor update_framework.
        expect_unsupported(
            SchedulerDriver::builder(info.clone(), "local")
                .suppressed_roles(["beta"])
                .build(probe),
            "SchedulerDriverBuilder::suppressed_roles",
            "1.9.0",
        );
        let (probe, mut events) = support::probe();
        let driver = SchedulerDriver::builder(info.clone(), "local")
            .build(probe)
            .unwrap();
        driver.start().unwrap();
        let (id, _) = registered(&mut events);
        info.id = Some(id).into();
        expect_unsupported(
            driver.update_framework(&info, &["alpha"], None),
            "SchedulerDriver::update_framework",
            "1.9.0",
        );
        // Both roles are offered: nothing was suppressed.
        let mut roles = std::collections::BTreeSet::new();
        while roles.len() < 2 {
            let offers = next_offers(&mut events);
            roles.extend(offers.iter().map(offered_role));
            decline_all(&driver, &offers, 0.0);
        }
        driver.stop(false).unwrap();
        return;
    }
    if !version.has_offer_constraints() {
        // Mesos 1.9 and 1.10: update_framework without offer constraints; with them it is
        // refused before anything reaches libmesos.
        let (probe, _events) = support::probe();
        let other = SchedulerDriver::builder(framework("constraints"), "local")
            .build(probe)
            .unwrap();
        expect_unsupported(
            other.update_framework(
                &framework("constraints"),
                &[] as &[&str],
                Some(&OfferConstraints::new()),
            ),
            "SchedulerDriver::update_framework with offer_constraints",
            "1.11.0",
        );
    }
    let driver = SchedulerDriver::builder(info.clone(), "local")
        .suppressed_roles(["beta"])
        .build(probe)
        .unwrap();
    driver.start().unwrap();
    let (id, _) = registered(&mut events);
    let mut roles = Vec::new();
    for _ in 0..5 {
        let offers = next_offers(&mut events);
        roles.extend(offers.iter().map(offered_role));
        decline_all(&driver, &offers, 0.0);
    }
    assert!(
        roles.iter().all(|r| r == "alpha"),
        "suppressed role offered: {roles:?}"
    );

    info.id = Some(id).into();
    driver.update_framework(&info, &["alpha"], None).unwrap();
    // An offer for alpha made before the update reached the master is declined, so that it
    // does not hold the agent.
    let beta = events.wait_for(Duration::from_secs(30), "an offer for beta", |e| {
        let offers = offers_event(e)?;
        if offers.iter().any(|o| offered_role(o) == "beta") {
            return Some(offers);
        }
        decline_all(&driver, &offers, 0.0);
        None
    });
    decline_all(&driver, &beta, 0.0);
    let mut roles = Vec::new();
    for _ in 0..3 {
        let offers = next_offers(&mut events);
        roles.extend(offers.iter().map(offered_role));
        decline_all(&driver, &offers, 0.0);
    }
    assert!(
        roles.iter().all(|r| r == "beta"),
        "alpha offered after suppressing it: {roles:?}"
    );
    let _ = SchedulerEvent::Disconnected;
    driver.stop(false).unwrap();
}
