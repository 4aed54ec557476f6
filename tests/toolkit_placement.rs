//! Placement: property tests over generated offers and tasks (a plan never exceeds an offer,
//! gives every task exactly what it asked for, never violates a constraint), and launches
//! produced by placement on the local cluster, which the master must accept.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use mesos::ids;
use mesos::resources::{
    cpus, is_revocable, mem, ports, reservation_role, scalar_value, set, Resources,
};
use mesos::scheduler::SchedulerEvent;
use mesos::toolkit::placement::{
    AgentView, Constraint, Existing, Field, NotPlaced, Placer, Plan, ReservationPolicy,
    Strategy as PlacementStrategy, TaskRequest,
};
use mesos::types::*;
use mesos::SchedulerDriver;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use support::*;

// ---- generators ----

const ROLES: [&str; 2] = ["web", "batch"];
const HOSTS: [&str; 3] = ["h0", "h1", "h2"];
const RACKS: [&str; 3] = ["r0", "r1", "r2"];
const COLORS: [&str; 4] = ["red", "green", "blue", "black"];

fn text_attribute(name: &str, v: &str) -> Attribute {
    let mut a = Attribute::new();
    a.set_name(name.into());
    a.set_type(value::Type::TEXT);
    a.text.mut_or_insert_default().set_value(v.into());
    a
}

prop_compose! {
    /// One agent's offer: unreserved and reserved scalars, ports, a set, maybe revocable
    /// cpus, a hostname shared with other agents, maybe a rack attribute.
    fn offer_strategy(i: usize, multi_role: bool)(
        host in 0..HOSTS.len(),
        rack in proptest::option::of(0..RACKS.len()),
        c in 0u32..80, m in 0u32..64,
        reserved_c in 0u32..20, reserved_m in 0u32..8,
        dynamic in any::<bool>(),
        port_ranges in proptest::collection::vec((31000u64..31100, 0u64..8), 0..3),
        colors in proptest::sample::subsequence(COLORS.to_vec(), 0..=4),
        revocable_c in 0u32..10,
        role in 0..ROLES.len(),
    ) -> Offer {
        let role = ROLES[role];
        let mut o = Offer::new();
        o.id = Some(ids::offer_id(format!("o{i}"))).into();
        o.slave_id = Some(ids::agent_id(format!("a{i}"))).into();
        o.framework_id = Some(ids::framework_id("f")).into();
        o.set_hostname(HOSTS[host].into());
        if let Some(r) = rack {
            o.attributes.push(text_attribute("rack", RACKS[r]));
        }
        let mut rs: Vec<Resource> = Vec::new();
        if c > 0 { rs.push(cpus(f64::from(c) / 10.0)); }
        if m > 0 { rs.push(mem(f64::from(m) * 64.0)); }
        let reserve = |r: Resource| if dynamic { r.reserved(role, Some("ops")) } else { r.with_role(role) };
        if reserved_c > 0 { rs.push(reserve(cpus(f64::from(reserved_c) / 10.0))); }
        if reserved_m > 0 { rs.push(reserve(mem(f64::from(reserved_m) * 64.0))); }
        let items: Vec<(u64, u64)> = port_ranges.iter().map(|&(b, len)| (b, b + len)).collect();
        if !items.is_empty() { rs.push(ports(&items)); }
        if !colors.is_empty() { rs.push(set("colors", colors)); }
        if revocable_c > 0 { rs.push(cpus(f64::from(revocable_c) / 10.0).with_revocable()); }
        if multi_role {
            rs = rs.into_iter().map(|r| r.with_allocation_role(role)).collect();
            o.allocation_info.mut_or_insert_default().set_role(role.into());
        }
        // Offers carry consolidated resources, as the master sends them.
        o.resources = Resources::from(rs).into_vec();
        o
    }
}

fn field_strategy() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Hostname),
        Just(Field::Agent),
        Just(Field::attribute("rack")),
    ]
}

fn constraint_strategy() -> impl Strategy<Value = Constraint> {
    prop_oneof![
        (field_strategy(), 1usize..3).prop_map(|(f, n)| Constraint::max_per(f, n)),
        field_strategy().prop_map(|field| Constraint::GroupBy { field }),
        (0..RACKS.len()).prop_map(|r| Constraint::attribute_equals("rack", RACKS[r])),
        (0..HOSTS.len()).prop_map(|h| Constraint::NotEquals {
            field: Field::Hostname,
            value: HOSTS[h].into()
        }),
    ]
}

prop_compose! {
    fn request_strategy(i: usize)(
        group in 0usize..3,
        role in proptest::option::of(0..ROLES.len()),
        c in 1u32..20, m in proptest::option::of(1u32..12),
        port_count in 0u64..4,
        explicit_port in proptest::option::of(31000u64..31100),
        color_count in 0usize..3,
        explicit_color in proptest::option::of(0..COLORS.len()),
        policy in 0usize..3,
        revocable in any::<bool>(),
        constraints in proptest::collection::vec(constraint_strategy(), 0..3),
    ) -> TaskRequest {
        let mut r = TaskRequest::new(format!("t{i}"))
            .group(format!("g{group}"))
            .cpus(f64::from(c) / 10.0)
            .reservation([ReservationPolicy::Any, ReservationPolicy::ReservedOnly, ReservationPolicy::UnreservedOnly][policy])
            .revocable(revocable);
        if let Some(role) = role { r = r.role(ROLES[role]); }
        if let Some(m) = m { r = r.mem(f64::from(m) * 32.0); }
        if port_count > 0 { r = r.ports(port_count); }
        if let Some(p) = explicit_port { r = r.ranges("ports", &[(p, p)]); }
        if color_count > 0 { r = r.set_count("colors", color_count); }
        if let Some(c) = explicit_color { r = r.set_items("colors", [COLORS[c]]); }
        for c in constraints { r = r.constraint(c); }
        r
    }
}

fn offers_strategy() -> impl Strategy<Value = Vec<Offer>> {
    (any::<bool>(), 0usize..7).prop_flat_map(|(multi_role, n)| {
        (0..n)
            .map(|i| offer_strategy(i, multi_role))
            .collect::<Vec<_>>()
    })
}

fn requests_strategy() -> impl Strategy<Value = Vec<TaskRequest>> {
    (0usize..16).prop_flat_map(|n| (0..n).map(request_strategy).collect::<Vec<_>>())
}

fn existing_strategy() -> impl Strategy<Value = Vec<Existing>> {
    proptest::collection::vec((0usize..3, 0usize..6, 0..HOSTS.len(), 0..RACKS.len()), 0..6)
        .prop_map(|v| {
            v.into_iter()
                .map(|(g, a, h, r)| Existing {
                    group: format!("g{g}"),
                    agent: AgentView {
                        agent_id: format!("a{a}"),
                        hostname: HOSTS[h].into(),
                        attributes: [("rack".to_owned(), RACKS[r].to_owned())].into(),
                    },
                })
                .collect()
        })
}

fn strategy_strategy() -> impl Strategy<Value = PlacementStrategy> {
    prop_oneof![
        Just(PlacementStrategy::FirstFit),
        Just(PlacementStrategy::BinPack),
        Just(PlacementStrategy::Spread)
    ]
}

// ---- the checks, written independently of the placer ----

fn range_values(rs: &[(u64, u64)]) -> u64 {
    rs.iter().map(|(b, e)| e - b + 1).sum()
}

/// Every offer holds the sum of what its tasks take; every task gets exactly what it asked
/// for, from resources it may use.
fn check_resources(requests: &[TaskRequest], offers: &[Offer], plan: &Plan) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for launch in &plan.launches {
        let offer = &offers[launch.offer_index];
        if offer.id.value() != launch.offer_id.value() {
            return Err(format!(
                "launch names {:?} at index {}",
                launch.offer_id, launch.offer_index
            ));
        }
        if launch.agent.agent_id != offer.slave_id.value() {
            return Err("launch agent is not the offer's agent".into());
        }
        let offered = Resources::from(offer.resources.as_slice());
        let mut used = Resources::new();
        for a in &launch.tasks {
            if !seen.insert(a.request) {
                return Err(format!("{} placed twice", a.task_id));
            }
            let req = &requests[a.request];
            if req.id != a.task_id {
                return Err("assignment names the wrong request".into());
            }
            if let (Some(want), true) = (&req.role, offer.allocation_info.is_some()) {
                if offer.allocation_info.role() != want {
                    return Err(format!(
                        "{} (role {want}) on an offer of another role",
                        a.task_id
                    ));
                }
            }
            let role = req
                .role
                .clone()
                .or_else(|| offer.allocation_info.as_ref().map(|i| i.role().to_owned()));
            for r in a.resources.iter() {
                if is_revocable(r) && !req.revocable {
                    return Err(format!("{} got revocable {r:?}", a.task_id));
                }
                match (reservation_role(r), req.reservation) {
                    (None, ReservationPolicy::ReservedOnly) => {
                        return Err(format!(
                            "{} got unreserved {} but wants reserved only",
                            a.task_id,
                            r.name()
                        ))
                    }
                    (Some(_), ReservationPolicy::UnreservedOnly) => {
                        return Err(format!(
                            "{} got reserved {} but wants unreserved only",
                            a.task_id,
                            r.name()
                        ))
                    }
                    (Some(x), _) => {
                        if let Some(role) = &role {
                            if role != x {
                                return Err(format!(
                                    "{} (role {role}) got resources reserved for {x}",
                                    a.task_id
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
            // Exactly the amounts asked for.
            let asked = Resources::from(req.resources.as_slice());
            for r in asked.iter() {
                if let Some(v) = scalar_value(r) {
                    let got = a.resources.scalar(r.name()).unwrap_or(0.0);
                    if (got - (v * 1000.0).round() / 1000.0).abs() > 1e-9 {
                        return Err(format!("{} asked {} {v}, got {got}", a.task_id, r.name()));
                    }
                }
            }
            let got_ports = a.resources.ports().unwrap_or_default();
            let explicit_ports = asked.ports().unwrap_or_default();
            let counted: u64 = req.range_counts.iter().map(|(_, n)| n).sum();
            if range_values(&got_ports) != range_values(&explicit_ports) + counted {
                return Err(format!("{} got ports {got_ports:?}", a.task_id));
            }
            for &(b, e) in &explicit_ports {
                if !got_ports.iter().any(|&(gb, ge)| gb <= b && e <= ge) {
                    return Err(format!("{} did not get its port {b}", a.task_id));
                }
            }
            let got_colors = a.resources.set("colors").unwrap_or_default();
            let explicit_colors = asked.set("colors").unwrap_or_default();
            let counted: usize = req.set_counts.iter().map(|(_, n)| n).sum();
            if got_colors.len() != explicit_colors.len() + counted
                || !explicit_colors.iter().all(|c| got_colors.contains(c))
            {
                return Err(format!("{} got colors {got_colors:?}", a.task_id));
            }
            used += &a.resources;
        }
        if !offered.contains(&used) {
            return Err(format!(
                "offer {} exceeded: offered {offered}, used {used}",
                launch.offer_id.value()
            ));
        }
    }
    for u in &plan.unplaced {
        if !seen.insert(u.request) {
            return Err(format!("{} both placed and unplaced", u.task_id));
        }
        let valid = requests[u.request].validate().is_ok();
        if valid == matches!(u.reason, NotPlaced::Invalid(_)) {
            return Err(format!("{} unplaced as {:?}", u.task_id, u.reason));
        }
    }
    if seen.len() != requests.len() {
        return Err("some request is neither placed nor unplaced".into());
    }
    Ok(())
}

fn value_of(agent: &AgentView, field: &Field) -> Option<String> {
    match field {
        Field::Hostname => Some(agent.hostname.clone()),
        Field::Agent => Some(agent.agent_id.clone()),
        Field::Attribute(n) => agent.attributes.get(n).cloned(),
        _ => None,
    }
}

/// Replays the placements in request order: each task's constraints hold against the
/// running tasks and the tasks placed before it.
fn check_constraints(
    requests: &[TaskRequest],
    offers: &[Offer],
    existing: &[Existing],
    plan: &Plan,
) -> Result<(), String> {
    let mut placed: Vec<(usize, AgentView)> = plan
        .launches
        .iter()
        .flat_map(|l| l.tasks.iter().map(|a| (a.request, l.agent.clone())))
        .collect();
    placed.sort_by_key(|(i, _)| *i);
    let offer_agents: Vec<AgentView> = offers.iter().map(AgentView::of_offer).collect();
    let mut so_far: Vec<(String, AgentView)> = existing
        .iter()
        .map(|e| (e.group.clone(), e.agent.clone()))
        .collect();
    for (i, agent) in placed {
        let req = &requests[i];
        let count = |field: &Field, v: &str, so_far: &[(String, AgentView)]| {
            so_far
                .iter()
                .filter(|(g, a)| *g == req.group && value_of(a, field).as_deref() == Some(v))
                .count()
        };
        for c in &req.constraints {
            let v = value_of(&agent, c.field());
            let ok = match c {
                Constraint::MaxPer { field, max } => v
                    .as_deref()
                    .is_some_and(|v| count(field, v, &so_far) < *max),
                Constraint::Equals { value, .. } => v.as_deref() == Some(value.as_str()),
                Constraint::NotEquals { value, .. } => v.as_deref() != Some(value.as_str()),
                Constraint::GroupBy { field } => match v.as_deref() {
                    None => false,
                    Some(v) => {
                        let mut values: BTreeSet<String> = offer_agents
                            .iter()
                            .filter_map(|a| value_of(a, field))
                            .collect();
                        values.extend(
                            so_far
                                .iter()
                                .filter(|(g, _)| *g == req.group)
                                .filter_map(|(_, a)| value_of(a, field)),
                        );
                        let least = values
                            .iter()
                            .map(|x| count(field, x, &so_far))
                            .min()
                            .unwrap_or(0);
                        count(field, v, &so_far) <= least
                    }
                },
                _ => return Err(format!("unknown constraint {c:?}")),
            };
            if !ok {
                return Err(format!("{} on {agent:?} violates {c:?}", req.id));
            }
        }
        so_far.push((req.group.clone(), agent));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_plan_never_exceeds_an_offer_and_never_violates_a_constraint(
        offers in offers_strategy(),
        requests in requests_strategy(),
        existing in existing_strategy(),
        strategy in strategy_strategy(),
    ) {
        let plan = Placer::new(strategy).plan(&requests, &offers, &existing);
        check_resources(&requests, &offers, &plan).map_err(TestCaseError::fail)?;
        check_constraints(&requests, &offers, &existing, &plan).map_err(TestCaseError::fail)?;
    }

    /// Non-vacuity: a lone unconstrained task is placed exactly when some offer holds what
    /// it needs, whatever the strategy.
    #[test]
    fn a_lone_task_is_placed_when_an_offer_holds_it(
        offers in offers_strategy(),
        c in 1u32..40, m in 1u32..40, p in 0u64..3,
        strategy in strategy_strategy(),
    ) {
        let req = TaskRequest::new("t").cpus(f64::from(c) / 10.0).mem(f64::from(m) * 32.0).ports(p);
        let fits = offers.iter().any(|o| {
            let usable = Resources::from(o.resources.as_slice()).filter(|r| !is_revocable(r));
            usable.cpus().unwrap_or(0.0) + 1e-9 >= f64::from(c) / 10.0
                && usable.mem().unwrap_or(0.0) + 1e-9 >= f64::from(m) * 32.0
                && range_values(&usable.ports().unwrap_or_default()) >= p
        });
        let plan = Placer::new(strategy).plan(&[req], &offers, &[]);
        prop_assert_eq!(plan.placed() == 1, fits, "{:?}", plan);
    }

    /// With one group spread over racks and nothing running, the racks' counts stay within
    /// one of each other.
    #[test]
    fn group_by_keeps_the_spread_within_one(
        offers in offers_strategy(),
        n in 0usize..12,
        strategy in strategy_strategy(),
    ) {
        let requests: Vec<TaskRequest> = (0..n)
            .map(|i| TaskRequest::new(format!("t{i}")).cpus(0.1).constraint(Constraint::group_by_attribute("rack")))
            .collect();
        let plan = Placer::new(strategy).plan(&requests, &offers, &[]);
        let mut per_rack: BTreeMap<String, usize> = offers
            .iter()
            .filter_map(|o| AgentView::of_offer(o).attributes.get("rack").cloned())
            .map(|r| (r, 0))
            .collect();
        for l in &plan.launches {
            *per_rack.get_mut(&l.agent.attributes["rack"]).unwrap() += l.tasks.len();
        }
        let (lo, hi) = (per_rack.values().min().copied().unwrap_or(0), per_rack.values().max().copied().unwrap_or(0));
        prop_assert!(hi - lo <= 1, "{:?}", per_rack);
    }
}

#[test]
fn bin_packing_fills_one_agent_before_the_next_and_spreading_does_not() {
    let offer = |i: usize| {
        let mut o = Offer::new();
        o.id = Some(ids::offer_id(format!("o{i}"))).into();
        o.slave_id = Some(ids::agent_id(format!("a{i}"))).into();
        o.set_hostname(format!("h{i}"));
        o.resources = vec![cpus(4.0), mem(4096.0)];
        o
    };
    let offers = [offer(0), offer(1), offer(2)];
    let requests: Vec<TaskRequest> = (0..3)
        .map(|i| TaskRequest::new(format!("t{i}")).cpus(1.0).mem(512.0))
        .collect();
    let agents = |s| {
        Placer::new(s)
            .plan(&requests, &offers, &[])
            .launches
            .iter()
            .map(|l| l.tasks.len())
            .collect::<Vec<_>>()
    };
    assert_eq!(agents(PlacementStrategy::BinPack), vec![3]);
    assert_eq!(agents(PlacementStrategy::FirstFit), vec![3]);
    assert_eq!(agents(PlacementStrategy::Spread), vec![1, 1, 1]);
}

#[test]
fn reasons_name_what_stopped_a_task() {
    let mut o = Offer::new();
    o.id = Some(ids::offer_id("o")).into();
    o.slave_id = Some(ids::agent_id("a")).into();
    o.set_hostname("h".into());
    o.resources = vec![cpus(1.0).with_allocation_role("web")];
    o.allocation_info
        .mut_or_insert_default()
        .set_role("web".into());
    let offers = [o];
    let plan = Placer::default().plan(
        &[
            TaskRequest::new("role").role("batch").cpus(0.1),
            TaskRequest::new("constraint")
                .cpus(0.1)
                .constraint(Constraint::attribute_equals("rack", "r1")),
            TaskRequest::new("big").cpus(2.0),
            TaskRequest::new("invalid").cpus(-1.0),
            TaskRequest::new("fits").role("web").cpus(1.0),
        ],
        &offers,
        &[],
    );
    let reasons: Vec<String> = plan
        .unplaced
        .iter()
        .map(|u| {
            format!("{}:{:?}", u.task_id, u.reason)
                .chars()
                .take(24)
                .collect()
        })
        .collect();
    assert_eq!(
        reasons[..3],
        ["role:Role", "constraint:Constraints", "big:Resources"]
    );
    assert!(reasons[3].starts_with("invalid:Invalid"), "{reasons:?}");
    assert_eq!(plan.placed(), 1);
    assert_eq!(
        Placer::default()
            .plan(&[TaskRequest::new("x").cpus(1.0)], &[], &[])
            .unplaced[0]
            .reason,
        NotPlaced::NoOffers
    );
}

// ---- on the local cluster ----

const AGENT_RESOURCES: &str =
    "cpus:2;mem:512;disk:256;ports:[31000-31019];colors:{red,green,blue};cpus(web):1;mem(web):128";

/// Holds offers until one from each of `agents` agents is held.
fn offers_from_every_agent(events: &mut Events, held: &mut Vec<Offer>, agents: usize) {
    while held
        .iter()
        .map(|o| o.slave_id.value().to_owned())
        .collect::<BTreeSet<_>>()
        .len()
        < agents
    {
        held.extend(next_offers(events));
    }
}

/// Requests the live test draws: what the cluster's agents can hold, with the framework's
/// role "web", reservations, ports, set items and per-agent constraints.
fn live_requests() -> impl Strategy<Value = Vec<TaskRequest>> {
    proptest::collection::vec(
        (
            1u32..8,
            1u32..6,
            0u64..4,
            prop_oneof![3 => Just(0usize), 1 => Just(1usize)],
            0usize..3,
            any::<bool>(),
            proptest::option::of(prop_oneof![
                Just(Constraint::unique(Field::Agent)),
                Just(Constraint::max_per(Field::Agent, 2)),
                Just(Constraint::GroupBy {
                    field: Field::Agent
                }),
            ]),
        ),
        1..14,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (c, m, p, colors, policy, with_role, constraint))| {
                let mut r = TaskRequest::new(format!("live-{i}"))
                    .group(format!("g{}", i % 2))
                    .cpus(f64::from(c) / 10.0)
                    .mem(f64::from(m) * 16.0)
                    .ports(p)
                    .set_count("colors", colors)
                    .reservation(
                        [
                            ReservationPolicy::Any,
                            ReservationPolicy::ReservedOnly,
                            ReservationPolicy::UnreservedOnly,
                        ][policy],
                    );
                if with_role {
                    r = r.role("web");
                }
                if let Some(c) = constraint {
                    r = r.constraint(c);
                }
                r
            })
            .collect()
    })
}

#[test]
fn launches_produced_by_placement_are_accepted_by_the_master() {
    let _work = local_cluster(
        AGENT_RESOURCES,
        &[
            ("MESOS_NUM_SLAVES", "3"),
            ("MESOS_ALLOCATION_INTERVAL", "100ms"),
        ],
    );
    let (probe, mut events) = probe();
    let mut info = framework("placement");
    info.set_role("web".into());
    let driver = SchedulerDriver::new(probe, info, "local").unwrap();
    driver.start().unwrap();
    registered(&mut events);

    // The control: a launch asking for more than its offer is refused with TASK_ERROR, so
    // the check below can fail.
    let mut held = Vec::new();
    offers_from_every_agent(&mut events, &mut held, 3);
    eprintln!(
        "an offer of the cluster: {}",
        Resources::from(held[0].resources.as_slice())
    );
    let victim = held.remove(0);
    let mut too_big = ids::task_info(
        "too-big",
        ids::task_id("too-big"),
        victim.slave_id.clone().unwrap(),
        vec![cpus(64.0)],
    );
    too_big.command = Some(ids::command_info("true")).into();
    driver
        .launch_tasks(
            &[victim.id.clone().unwrap()],
            &[too_big],
            Some(&filters(0.0)),
        )
        .unwrap();
    let refused = next_update(&mut events, "TASK_ERROR for too-big", |s| {
        s.task_id.value() == "too-big"
    });
    assert_eq!(refused.state(), TaskState::TASK_ERROR, "{refused:?}");

    // Drawn like a property test (deterministic seed), without shrinking: each case costs
    // a round trip to the cluster.
    let mut runner = TestRunner::deterministic();
    let mut placed_total = 0;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let strategies = [
        PlacementStrategy::FirstFit,
        PlacementStrategy::BinPack,
        PlacementStrategy::Spread,
    ];
    // What the launched tasks took: reserved resources, ports, set items.
    let mut took = BTreeMap::from([("reserved", 0), ("ports", 0), ("colors", 0)]);
    let cases = 6;
    for case in 0..cases {
        let requests = live_requests().new_tree(&mut runner).unwrap().current();
        offers_from_every_agent(&mut events, &mut held, 3);
        let strategy = strategies[case % 3];
        // Task IDs unique across cases.
        let requests: Vec<TaskRequest> = requests
            .into_iter()
            .map(|mut r| {
                r.id = format!("c{case}-{}", r.id);
                r
            })
            .collect();
        let plan = Placer::new(strategy).plan(&requests, &held, &[]);
        if let Err(e) = check_resources(&requests, &held, &plan) {
            panic!("case {case}: {e}: {plan:#?}");
        }
        let mut launched = BTreeSet::new();
        let used: Vec<usize> = plan.launches.iter().map(|l| l.offer_index).collect();
        for launch in &plan.launches {
            let tasks: Vec<TaskInfo> = launch
                .tasks
                .iter()
                .map(|a| {
                    launched.insert(a.task_id.clone());
                    let r = &a.resources;
                    *took.get_mut("reserved").unwrap() += usize::from(!r.all_reserved().is_empty());
                    *took.get_mut("ports").unwrap() += usize::from(r.ports().is_some());
                    *took.get_mut("colors").unwrap() += usize::from(r.set("colors").is_some());
                    launch
                        .task_info(a, "placed")
                        .with_command(ids::command_info("true"))
                })
                .collect();
            driver
                .launch_tasks(
                    std::slice::from_ref(&launch.offer_id),
                    &tasks,
                    Some(&filters(0.0)),
                )
                .unwrap();
        }
        // Offers not used go back at once.
        for (i, o) in held.iter().enumerate() {
            if !used.contains(&i) {
                driver.decline_offer(&o.id, Some(&filters(0.0))).unwrap();
            }
        }
        held.clear();
        placed_total += launched.len();
        let mut terminal: HashMap<String, TaskStatus> = HashMap::new();
        while terminal.len() < launched.len() {
            let s = events.wait_for(
                Duration::from_secs(60),
                "terminal updates of placed tasks",
                |e| match e {
                    SchedulerEvent::StatusUpdate { status } if status.is_terminal() => {
                        Some(status.clone())
                    }
                    SchedulerEvent::ResourceOffers { offers } => {
                        held.extend(offers.iter().cloned());
                        None
                    }
                    _ => None,
                },
            );
            if launched.contains(s.task_id.value()) {
                terminal.insert(s.task_id.value().to_owned(), s);
            }
        }
        for (id, s) in &terminal {
            assert_ne!(
                s.state(),
                TaskState::TASK_ERROR,
                "case {case}: {id} refused: {}; plan {plan:#?}",
                s.message()
            );
            assert!(
                !s.message().to_lowercase().contains("invalid"),
                "case {case}: {id} refused: {}",
                s.message()
            );
            *outcomes.entry(format!("{:?}", s.state())).or_default() += 1;
        }
    }
    eprintln!(
        "{cases} cases, {placed_total} tasks placed and launched, outcomes {outcomes:?}, \
         tasks that took {took:?}"
    );
    assert!(
        placed_total >= 6,
        "too few tasks placed to mean anything: {placed_total}"
    );
    for (what, n) in &took {
        assert!(
            *n > 0,
            "no launched task took {what}: the test covers less than it says"
        );
    }
    driver.stop(false).unwrap();
}
