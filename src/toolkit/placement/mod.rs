//! Placement: which pending task goes on which offer.
//!
//! [`Placer::plan`] takes the pending tasks ([`TaskRequest`]s, in priority order), the
//! offers at hand and the tasks already running ([`Existing`], for constraints), and returns
//! a [`Plan`]: for each offer used, the tasks to launch on it with the exact resources each
//! takes (reservations and allocation included, ready for a `TaskInfo`), and for each task
//! left out, why.
//!
//! For every task in turn, an offer is a candidate when
//!
//! 1. its role suits the task ([`TaskRequest::role`]; an offer's role is its
//!    `allocation_info`);
//! 2. the task's [`Constraint`]s allow its agent, counting the task's group on that agent
//!    (running tasks plus those placed earlier in this plan);
//! 3. what is left of the offer holds what the task needs, using only resources the task may
//!    use: not revocable unless allowed, reserved for the task's role (or an ancestor) or
//!    unreserved, as its [`ReservationPolicy`] says. "Any `n` ports" takes the lowest free
//!    ports; the final choice of resources is [`Resources::find`], so reserved resources are
//!    used before unreserved ones.
//!
//! Among the candidates, the [`Strategy`] picks: the first one (first fit), the one left
//! fullest after the task (bin packing: fills agents one by one and leaves whole agents free
//! for large tasks), or the one left emptiest (spreading). Fullness is the mean, over the
//! scalars the task asks for, of the share of the offer's total in use. Whatever the
//! strategy, what is placed on an offer never exceeds it and no constraint is violated; a
//! task is never split over offers.
//!
//! ```
//! use mesos::resources::{cpus, mem, ports};
//! use mesos::toolkit::placement::{Constraint, Field, Placer, Strategy, TaskRequest};
//! use mesos::types::Offer;
//!
//! let offer = |id: &str, agent: &str| {
//!     let mut o = Offer::new();
//!     o.id = Some(mesos::ids::offer_id(id)).into();
//!     o.slave_id = Some(mesos::ids::agent_id(agent)).into();
//!     o.set_hostname(format!("{agent}.example"));
//!     o.resources = vec![cpus(2.0), mem(1024.0), ports(&[(31000, 31009)])];
//!     o
//! };
//! let offers = [offer("o1", "a1"), offer("o2", "a2")];
//! let tasks: Vec<TaskRequest> = (0..3)
//!     .map(|i| {
//!         TaskRequest::new(format!("web-{i}"))
//!             .group("web")
//!             .cpus(0.5)
//!             .mem(128.0)
//!             .ports(1)
//!             .constraint(Constraint::unique_host())
//!     })
//!     .collect();
//! let plan = Placer::new(Strategy::BinPack).plan(&tasks, &offers, &[]);
//! // One web task per host: two placed, the third waits for another host.
//! assert_eq!(plan.placed(), 2);
//! assert_eq!(plan.unplaced.len(), 1);
//! let launch = &plan.launches[0];
//! assert_eq!(launch.tasks[0].resources.ports(), Some(vec![(31000, 31000)]));
//! let task = launch.task_info(&launch.tasks[0], "web");
//! assert_eq!(task.slave_id.value(), launch.agent.agent_id);
//! ```

mod constraints;
mod request;

use std::collections::{BTreeSet, HashMap};

pub use constraints::{attribute_text, AgentView, Constraint, Existing, Field};
pub use request::{InvalidRequest, ReservationPolicy, TaskRequest};

use constraints::{allowed, Counts};

use crate::resources::{is_revocable, ranges, reservation_role, set, Resources, DEFAULT_ROLE};
use crate::types::Offer;
use crate::types::{value, OfferID, Resource, TaskInfo};

/// How [`Placer`] chooses among the offers a task fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// The first offer (in the order given) that fits.
    #[default]
    FirstFit,
    /// The offer left fullest after the task.
    BinPack,
    /// The offer left emptiest after the task.
    Spread,
}

/// Matches pending tasks to offers; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placer {
    strategy: Strategy,
}

/// One task placed on an offer.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The index of its request in the slice given to [`Placer::plan`].
    pub request: usize,
    /// Its task ID ([`TaskRequest::id`]).
    pub task_id: String,
    /// Its group ([`TaskRequest::group`]).
    pub group: String,
    /// The resources it takes from the offer, as they appear there (reservations and
    /// allocation included).
    pub resources: Resources,
}

/// The tasks to launch on one offer.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    /// The offer.
    pub offer_id: OfferID,
    /// The index of the offer in the slice given to [`Placer::plan`].
    pub offer_index: usize,
    /// Its agent.
    pub agent: AgentView,
    /// The tasks, in placement order.
    pub tasks: Vec<Assignment>,
}

impl Launch {
    /// A `TaskInfo` for `assignment` on this launch's agent, named `name`, with the
    /// assignment's ID and resources (add a command or an executor before launching).
    pub fn task_info(&self, assignment: &Assignment, name: impl Into<String>) -> TaskInfo {
        crate::ids::task_info(
            name,
            crate::ids::task_id(assignment.task_id.clone()),
            crate::ids::agent_id(self.agent.agent_id.clone()),
            assignment.resources.clone().into_vec(),
        )
    }
}

/// Why a task was not placed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotPlaced {
    /// The request itself is invalid.
    Invalid(InvalidRequest),
    /// There were no offers.
    NoOffers,
    /// No offer was allocated to the task's role.
    Role,
    /// The task's constraints excluded every offer of its role.
    Constraints,
    /// No offer it was allowed on had enough of what it needs left.
    Resources,
}

/// A task left out of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    /// The index of its request.
    pub request: usize,
    /// Its task ID.
    pub task_id: String,
    /// Why.
    pub reason: NotPlaced,
}

/// The result of [`Placer::plan`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// One entry per offer used, in offer order.
    pub launches: Vec<Launch>,
    /// The tasks not placed, in request order.
    pub unplaced: Vec<Unplaced>,
}

impl Plan {
    /// How many tasks were placed.
    pub fn placed(&self) -> usize {
        self.launches.iter().map(|l| l.tasks.len()).sum()
    }

    /// The placed tasks as [`Existing`] tasks (to pass to the next plan while they run).
    pub fn existing(&self) -> Vec<Existing> {
        self.launches
            .iter()
            .flat_map(|l| {
                l.tasks.iter().map(|a| Existing {
                    group: a.group.clone(),
                    agent: l.agent.clone(),
                })
            })
            .collect()
    }
}

/// What is left of one offer during planning.
struct Slot {
    offer_id: OfferID,
    agent: AgentView,
    role: Option<String>,
    total: Resources,
    remaining: Resources,
    tasks: Vec<Assignment>,
}

/// How far a task got with the best offer, for [`NotPlaced`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    None,
    Role,
    Constraints,
}

impl Placer {
    /// A placer using `strategy`.
    pub fn new(strategy: Strategy) -> Placer {
        Placer { strategy }
    }

    /// Its strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// Places `requests` (in order) on `offers`, given the tasks already `existing`.
    pub fn plan(&self, requests: &[TaskRequest], offers: &[Offer], existing: &[Existing]) -> Plan {
        let mut slots: Vec<Slot> = offers
            .iter()
            .map(|o| {
                let total = Resources::from(o.resources.as_slice());
                Slot {
                    offer_id: o.id.clone().unwrap_or_default(),
                    agent: AgentView::of_offer(o),
                    role: o
                        .allocation_info
                        .as_ref()
                        .filter(|a| a.has_role())
                        .map(|a| a.role().to_owned()),
                    remaining: total.clone(),
                    total,
                    tasks: Vec::new(),
                }
            })
            .collect();

        // The fields each group's constraints look at, counted for every task of the group.
        let mut fields: HashMap<&str, Vec<&Field>> = HashMap::new();
        for r in requests {
            let list = fields.entry(r.group.as_str()).or_default();
            for c in &r.constraints {
                if !list.contains(&c.field()) {
                    list.push(c.field());
                }
            }
        }
        let mut counts = Counts::default();
        for e in existing {
            if let Some(list) = fields.get(e.group.as_str()) {
                counts.add(&e.group, list, &e.agent);
            }
        }
        // The values of each spread-over field across the offers.
        let mut known: HashMap<Field, BTreeSet<String>> = HashMap::new();
        for r in requests {
            for c in &r.constraints {
                if let Constraint::GroupBy { field } = c {
                    known.entry(field.clone()).or_insert_with(|| {
                        slots
                            .iter()
                            .filter_map(|s| s.agent.value(field).map(str::to_owned))
                            .collect()
                    });
                }
            }
        }

        let mut unplaced = Vec::new();
        for (index, request) in requests.iter().enumerate() {
            let not_placed = |reason| Unplaced {
                request: index,
                task_id: request.id.clone(),
                reason,
            };
            if let Err(e) = request.validate() {
                unplaced.push(not_placed(NotPlaced::Invalid(e)));
                continue;
            }
            let need = Resources::from(request.resources.as_slice());
            let mut stage = Stage::None;
            let mut candidates: Vec<(usize, f64)> = Vec::new();
            let mut chosen = None;
            for (i, slot) in slots.iter().enumerate() {
                if !role_suits(request, slot) {
                    continue;
                }
                stage = stage.max(Stage::Role);
                if !allowed(
                    &request.group,
                    &request.constraints,
                    &slot.agent,
                    &counts,
                    &known,
                ) {
                    continue;
                }
                stage = stage.max(Stage::Constraints);
                if !might_fit(request, &need, slot) {
                    continue;
                }
                match self.strategy {
                    Strategy::FirstFit => {
                        if let Some(found) = fit(request, &need, slot) {
                            chosen = Some((i, found));
                            break;
                        }
                    }
                    Strategy::BinPack | Strategy::Spread => {
                        candidates.push((i, fullness_after(&need, slot)));
                    }
                }
            }
            if chosen.is_none() && !candidates.is_empty() {
                // Stable sort: equal scores keep the offers' order.
                match self.strategy {
                    Strategy::Spread => candidates.sort_by(|a, b| a.1.total_cmp(&b.1)),
                    _ => candidates.sort_by(|a, b| b.1.total_cmp(&a.1)),
                }
                chosen = candidates
                    .iter()
                    .find_map(|&(i, _)| fit(request, &need, &slots[i]).map(|f| (i, f)));
            }
            let Some((i, found)) = chosen else {
                let reason = if offers.is_empty() {
                    NotPlaced::NoOffers
                } else {
                    match stage {
                        Stage::None => NotPlaced::Role,
                        Stage::Role => NotPlaced::Constraints,
                        Stage::Constraints => NotPlaced::Resources,
                    }
                };
                unplaced.push(not_placed(reason));
                continue;
            };
            let slot = &mut slots[i];
            slot.remaining = &slot.remaining - &found;
            if let Some(list) = fields.get(request.group.as_str()) {
                counts.add(&request.group, list, &slot.agent);
            }
            slot.tasks.push(Assignment {
                request: index,
                task_id: request.id.clone(),
                group: request.group.clone(),
                resources: found,
            });
        }

        let launches = slots
            .into_iter()
            .enumerate()
            .filter(|(_, s)| !s.tasks.is_empty())
            .map(|(offer_index, s)| Launch {
                offer_id: s.offer_id,
                offer_index,
                agent: s.agent,
                tasks: s.tasks,
            })
            .collect();
        Plan { launches, unplaced }
    }
}

fn role_suits(request: &TaskRequest, slot: &Slot) -> bool {
    match (&request.role, &slot.role) {
        (Some(want), Some(have)) => want == have,
        _ => true,
    }
}

/// The role whose reservations the task may use: its own, or the offer's.
fn effective_role<'a>(request: &'a TaskRequest, slot: &'a Slot) -> Option<&'a str> {
    request.role.as_deref().or(slot.role.as_deref())
}

/// Whether `reserved_for` is `role` or one of its ancestors.
fn may_use_reservation(role: &str, reserved_for: &str) -> bool {
    role == reserved_for
        || (role.len() > reserved_for.len()
            && role.starts_with(reserved_for)
            && role.as_bytes()[reserved_for.len()] == b'/')
}

fn usable(r: &Resource, request: &TaskRequest, role: Option<&str>) -> bool {
    if is_revocable(r) && !request.revocable {
        return false;
    }
    if let (Some(want), Some(info)) = (&request.role, r.allocation_info.as_ref()) {
        if info.has_role() && info.role() != want {
            return false;
        }
    }
    match reservation_role(r) {
        None => request.reservation != ReservationPolicy::ReservedOnly,
        Some(reserved_for) => {
            request.reservation != ReservationPolicy::UnreservedOnly
                && role.map_or(true, |role| may_use_reservation(role, reserved_for))
        }
    }
}

/// A cheap upper bound: the scalars and counted ranges are there at all.
fn might_fit(request: &TaskRequest, need: &Resources, slot: &Slot) -> bool {
    need.iter()
        .all(|r| match crate::resources::scalar_value(r) {
            Some(v) => slot
                .remaining
                .scalar(r.name())
                .is_some_and(|have| have + 1e-9 >= v),
            None => true,
        })
        && request.range_counts.iter().all(|(name, n)| {
            *n == 0
                || slot
                    .remaining
                    .ranges(name)
                    .is_some_and(|rs| range_size(&rs) >= *n)
        })
}

fn range_size(items: &[(u64, u64)]) -> u64 {
    items
        .iter()
        .map(|(b, e)| e.saturating_sub(*b).saturating_add(1))
        .fold(0u64, u64::saturating_add)
}

/// `items` without the values of `taken` (both coalesced).
fn ranges_without(items: &[(u64, u64)], taken: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(b, e) in items {
        let mut start = b;
        let mut done = false;
        for &(tb, te) in taken {
            if te < start || tb > e {
                continue;
            }
            if tb > start {
                out.push((start, tb - 1));
            }
            if te >= e {
                done = true;
                break;
            }
            start = te + 1;
        }
        if !done {
            out.push((start, e));
        }
    }
    out
}

/// The lowest `n` values of `items`, as ranges.
fn lowest(items: &[(u64, u64)], mut n: u64) -> Option<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    for &(b, e) in items {
        if n == 0 {
            break;
        }
        let size = e.saturating_sub(b).saturating_add(1);
        let take = size.min(n);
        out.push((b, b + (take - 1)));
        n -= take;
    }
    (n == 0).then_some(out)
}

/// The exact resources the task would take from what is left of `slot`, if it fits.
fn fit(request: &TaskRequest, need: &Resources, slot: &Slot) -> Option<Resources> {
    let role = effective_role(request, slot);
    let pool = slot.remaining.filter(|r| usable(r, request, role));
    let mut wanted = need.clone();
    for (name, n) in &request.range_counts {
        if *n == 0 {
            continue;
        }
        let explicit = need.ranges(name).unwrap_or_default();
        let free = ranges_without(&pool.ranges(name)?, &explicit);
        wanted += ranges(name.clone(), &lowest(&free, *n)?);
    }
    for (name, n) in &request.set_counts {
        if *n == 0 {
            continue;
        }
        let explicit = need.set(name).unwrap_or_default();
        let free: Vec<String> = pool
            .set(name)?
            .into_iter()
            .filter(|i| !explicit.contains(i))
            .collect();
        if free.len() < *n {
            return None;
        }
        wanted += set(name.clone(), free.into_iter().take(*n));
    }
    // Prefer resources reserved for the task's role: `find` takes those first when the
    // wanted resource names the role.
    if request.reservation != ReservationPolicy::UnreservedOnly {
        if let Some(role) = role.filter(|r| *r != DEFAULT_ROLE) {
            wanted = wanted
                .into_iter()
                .map(|r| {
                    if reservation_role(&r).is_none() {
                        r.with_role(role)
                    } else {
                        r
                    }
                })
                .collect();
        }
    }
    pool.find(&wanted)
}

/// The share of the offer in use once `need` is taken from what is left, averaged over the
/// scalars asked for.
fn fullness_after(need: &Resources, slot: &Slot) -> f64 {
    let mut sum = 0.0;
    let mut n = 0u32;
    for r in need.iter() {
        if r.type_.map(|t| t.enum_value()) != Some(Ok(value::Type::SCALAR)) && r.type_.is_some() {
            continue;
        }
        let Some(total) = slot.total.scalar(r.name()).filter(|t| *t > 0.0) else {
            continue;
        };
        let left = slot.remaining.scalar(r.name()).unwrap_or(0.0);
        let want = crate::resources::scalar_value(r).unwrap_or(0.0);
        sum += ((total - left + want) / total).min(1.0);
        n += 1;
    }
    if n == 0 {
        0.0
    } else {
        sum / f64::from(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_arithmetic() {
        assert_eq!(
            ranges_without(&[(1, 10)], &[(3, 4), (8, 12)]),
            vec![(1, 2), (5, 7)]
        );
        assert_eq!(ranges_without(&[(1, 3), (5, 6)], &[]), vec![(1, 3), (5, 6)]);
        assert_eq!(ranges_without(&[(1, 3)], &[(0, 9)]), vec![]);
        assert_eq!(lowest(&[(1, 2), (5, 9)], 4), Some(vec![(1, 2), (5, 6)]));
        assert_eq!(lowest(&[(1, 2)], 3), None);
        assert_eq!(range_size(&[(1, 2), (5, 9)]), 7);
    }

    #[test]
    fn reservation_ancestry() {
        assert!(may_use_reservation("eng/web", "eng"));
        assert!(may_use_reservation("eng", "eng"));
        assert!(!may_use_reservation("engineering", "eng"));
        assert!(!may_use_reservation("eng", "eng/web"));
    }
}
