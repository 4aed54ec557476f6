//! The toolkit's offer manager on the local cluster, driven from the event stream (feature
//! `stream`): idle offers are declined with a filter and the role suppressed, work that comes
//! and goes revives the role without a revive storm, offers are never held longer than the
//! configured time, rescinded offers are forgotten. Asserted on the master's counters
//! (`/metrics/snapshot`) and on the offers observed.
#![cfg(feature = "stream")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mesos::scheduler::SchedulerEvent;
use mesos::toolkit::{OfferConfig, OfferManager};
use mesos::types::Offer;
use mesos::{SchedulerDriver, SchedulerEvents};
use support::*;

const DECLINES: &str = "master/messages_decline_offers";
const SUPPRESSES: &str = "master/messages_suppress_offers";
const REVIVES: &str = "master/messages_revive_offers";

/// A framework on the stream path whose offers all go through an [`OfferManager`].
struct Harness {
    driver: SchedulerDriver,
    events: SchedulerEvents,
    manager: OfferManager,
    master: String,
    /// Every offer received, with when.
    observed: Vec<(Instant, Offer)>,
    /// Every rescinded offer ID.
    rescinded: Vec<String>,
    /// Offer ID to how long the manager held it (received to gone from `held()`).
    held_for: BTreeMap<String, Duration>,
}

impl Harness {
    async fn start(
        cluster_env: &[(&str, &str)],
        config: OfferConfig,
    ) -> (tempfile::TempDir, Harness) {
        let mut env = vec![
            ("MESOS_NUM_SLAVES", "2"),
            ("MESOS_ALLOCATION_INTERVAL", "100ms"),
        ];
        env.extend_from_slice(cluster_env);
        let work = local_cluster("cpus:1;mem:128", &env);
        let (driver, mut events) = SchedulerDriver::builder(framework("offers"), "local")
            .build_stream()
            .unwrap();
        driver.start().unwrap();
        let mut manager = OfferManager::new(config);
        // The first event of a driver is its registration.
        let master = match events.next().await {
            Some(SchedulerEvent::Registered { master_info, .. }) => master_address(&master_info),
            other => panic!("expected the registration first, got {other:?}"),
        };
        // The agents register in their own time (later on a loaded machine); the tests'
        // clocks start once both are there. Offers made meanwhile wait in the stream.
        let deadline = Instant::now() + Duration::from_secs(30);
        while metric(&master, "master/slaves_active") < 2.0 {
            assert!(Instant::now() < deadline, "the two agents never registered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        manager.registered(Instant::now());
        let h = Harness {
            driver,
            events,
            manager,
            master,
            observed: Vec::new(),
            rescinded: Vec::new(),
            held_for: BTreeMap::new(),
        };
        (work, h)
    }

    /// Runs the framework for `duration`: events go to the manager, and every 50 ms
    /// `each_tick` may change what is pending before the manager's own tick.
    async fn drive(
        &mut self,
        duration: Duration,
        mut each_tick: impl FnMut(&mut OfferManager, Instant),
    ) {
        let deadline = tokio::time::Instant::now() + duration;
        let mut period = tokio::time::interval(Duration::from_millis(50));
        loop {
            let before: BTreeMap<String, Instant> = self
                .manager
                .held()
                .iter()
                .map(|h| (h.offer.id.value().to_owned(), h.received))
                .collect();
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                event = self.events.next() => {
                    let event = event.expect("the event stream ended");
                    let now = Instant::now();
                    match &event {
                        SchedulerEvent::ResourceOffers { offers } => {
                            self.observed.extend(offers.iter().map(|o| (now, o.clone())))
                        }
                        SchedulerEvent::OfferRescinded { offer_id } => {
                            self.rescinded.push(offer_id.value().to_owned())
                        }
                        _ => {}
                    }
                    self.manager.on_event(&event, now);
                    self.manager.tick(&self.driver, now).unwrap();
                }
                _ = period.tick() => {
                    let now = Instant::now();
                    each_tick(&mut self.manager, now);
                    self.manager.tick(&self.driver, now).unwrap();
                }
            }
            let now = Instant::now();
            let after: BTreeSet<&str> = self
                .manager
                .held()
                .iter()
                .map(|h| h.offer.id.value())
                .collect();
            for (id, received) in before {
                if !after.contains(id.as_str()) {
                    self.held_for.insert(id, now - received);
                }
            }
        }
    }

    fn metrics(&self) -> (f64, f64, f64) {
        let v = metrics(&self.master, &[DECLINES, SUPPRESSES, REVIVES]);
        (v[0], v[1], v[2])
    }

    /// Waits until the master's counters reach what the manager says it sent (calls travel
    /// asynchronously).
    fn settled_metrics(&self) -> (f64, f64, f64) {
        let s = self.manager.stats();
        let sent = (
            (s.declined_idle + s.declined_expired + s.declined_explicitly) as f64,
            s.suppress_calls as f64,
            s.revive_calls as f64,
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self.metrics();
            if m == sent || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[tokio::test]
async fn idle_offers_are_declined_with_a_filter_and_the_role_suppressed_once() {
    // The role is suppressed once it has been idle for `suppress_after` since registration:
    // long enough here for the agents' first offers to arrive on a loaded machine.
    let config = OfferConfig::default()
        .suppress_when_idle(true, Duration::from_millis(1500))
        .refuse(Duration::from_secs(120), Duration::from_secs(1));
    let (_work, mut h) = Harness::start(&[], config).await;
    let t0 = Instant::now();
    h.drive(Duration::from_secs(4), |_, _| {}).await;

    // Declined with a long filter, then suppressed: no agent was offered twice (an agent
    // that registers after the suppression is never offered at all).
    let seen: Vec<(Duration, &str)> = h
        .observed
        .iter()
        .map(|(t, o)| (*t - t0, o.slave_id.value()))
        .collect();
    let agents: BTreeSet<&str> = seen.iter().map(|(_, a)| *a).collect();
    assert!(!seen.is_empty());
    assert_eq!(seen.len(), agents.len(), "an agent offered again: {seen:?}");
    let (declines, suppresses, revives) = h.settled_metrics();
    assert_eq!(
        declines,
        h.observed.len() as f64,
        "every offer declined once"
    );
    assert_eq!(suppresses, 1.0, "one suppress call");
    assert_eq!(revives, 0.0);
    assert!(h.manager.held().is_empty());
    assert_eq!(h.manager.is_suppressed("*"), Some(true));
    let s = h.manager.stats();
    assert_eq!(s.declined_idle, h.observed.len() as u64);
    eprintln!(
        "observed {} offers; master counted declines {declines}, suppresses {suppresses}; {s:?}",
        h.observed.len()
    );
    h.driver.stop(false).unwrap();
}

#[tokio::test]
async fn work_that_comes_and_goes_revives_the_role_without_a_revive_storm() {
    let config = OfferConfig::default()
        // A grace period ten times the idle spells below: only a stall of the test's runtime
        // longer than a second could make one of them look long.
        .suppress_when_idle(true, Duration::from_secs(1))
        .refuse(Duration::from_secs(120), Duration::from_millis(200))
        .max_hold(Duration::from_millis(200))
        .revive_interval(Duration::from_millis(500), Duration::from_secs(8));
    let (_work, mut h) = Harness::start(&[], config).await;
    // Idle first: suppressed.
    h.drive(Duration::from_millis(2500), |_, _| {}).await;
    assert_eq!(h.manager.is_suppressed("*"), Some(true));
    let idle_offers = h.observed.len();

    // Then work arrives every 200 ms and is gone 100 ms later, for 4 s (never placed).
    let work_from = Instant::now();
    let mut arrivals = 0;
    let mut was_pending = false;
    h.drive(Duration::from_secs(4), |m, now| {
        let pending = (now - work_from).as_millis() / 100 % 2 == 0;
        if pending && !was_pending {
            arrivals += 1;
        }
        was_pending = pending;
        m.set_pending("*", pending, now);
    })
    .await;
    let (_, suppresses, revives) = h.settled_metrics();
    let s = h.manager.stats();
    eprintln!(
        "{arrivals} arrivals of work: {revives} revives at the master, {suppresses} suppresses; \
         offers while idle {idle_offers}, while busy {}; {s:?}",
        h.observed.len() - idle_offers
    );
    assert!(arrivals >= 15, "{arrivals}");
    // Revives at about 0, 0.5, 1.5 and 3.5 s: the minimum interval, then a doubling gap
    // because no revive led to a launch.
    // However slow the machine, never more than that.
    assert!(
        (1.0..=4.0).contains(&revives),
        "{revives} revives for {arrivals} arrivals"
    );
    assert_eq!(revives, s.revive_calls as f64);
    assert!(s.revives_delayed > 0);
    // Idle spells shorter than the grace period never suppress again.
    assert_eq!(suppresses, 1.0);
    // The revives did bring offers.
    assert!(h.observed.len() > idle_offers, "no offer after a revive");
    h.driver.stop(false).unwrap();
}

#[tokio::test]
async fn an_offer_is_never_held_longer_than_the_configured_time() {
    let hold = Duration::from_millis(800);
    let config = OfferConfig::default()
        .max_hold(hold)
        .refuse(Duration::from_secs(120), Duration::from_millis(500));
    let (_work, mut h) = Harness::start(&[], config).await;
    // Work is pending all along, but nothing ever fits.
    h.manager.set_pending("*", true, Instant::now());
    h.drive(Duration::from_secs(4), |_, _| {}).await;
    let (declines, suppresses, _) = h.settled_metrics();
    let s = h.manager.stats();
    eprintln!("held for {:?}; {s:?}", h.held_for);
    assert!(
        h.observed.len() >= 4,
        "the agents re-offer after each short filter: {}",
        h.observed.len()
    );
    assert_eq!(s.declined_expired as f64, declines);
    assert_eq!(suppresses, 0.0, "work was pending");
    assert!(!h.held_for.is_empty());
    // Never declined early; declined at the first tick after the limit (ticks every 50 ms;
    // the slack only absorbs a slow machine).
    let slack = Duration::from_secs(1);
    for (id, d) in &h.held_for {
        assert!(*d >= hold, "{id} declined after {d:?}, before {hold:?}");
        assert!(*d < hold + slack, "{id} held for {d:?}");
    }
    for held in h.manager.held() {
        assert!(held.received.elapsed() < hold + slack);
    }
    h.driver.stop(false).unwrap();
}

#[tokio::test]
async fn rescinded_offers_are_forgotten_and_never_declined() {
    // The master takes back offers held for more than a second.
    let config = OfferConfig::default().max_hold(Duration::from_secs(60));
    let (_work, mut h) = Harness::start(&[("MESOS_OFFER_TIMEOUT", "1secs")], config).await;
    h.manager.set_pending("*", true, Instant::now());
    h.drive(Duration::from_millis(3500), |_, _| {}).await;
    let s = h.manager.stats();
    eprintln!(
        "observed {} offers, {} rescinded; {s:?}",
        h.observed.len(),
        h.rescinded.len()
    );
    assert!(
        h.rescinded.len() >= 2,
        "the master rescinded {:?}",
        h.rescinded
    );
    assert_eq!(s.rescinded, h.rescinded.len() as u64);
    for id in &h.rescinded {
        assert!(h
            .manager
            .held()
            .iter()
            .all(|held| held.offer.id.value() != id));
    }
    // Rescinded offers come back as new ones.
    assert!(h.observed.len() > h.rescinded.len());
    let (declines, _, _) = h.settled_metrics();
    assert_eq!(
        declines, 0.0,
        "the manager declined an offer it should have forgotten"
    );
    h.driver.stop(false).unwrap();
}
