//! The [`Resources`] collection and its queries.

use super::combine::*;
use super::inspect::*;
use super::kind::{divisible, same_kind};
use super::value::*;
use super::{CPUS, DISK, GPUS, MEM, PORTS};
use crate::types::Resource;

/// A collection of resources, kept consolidated: resources of the same kind are merged into
/// one entry, empty ones are dropped, scalars are rounded to `0.001` and ranges coalesced.
///
/// Build one from resources with `From`/`collect()`/`+`, read it as a slice of [`Resource`]
/// (it dereferences to `[Resource]`), and turn it back into the `Vec<Resource>` a
/// [`TaskInfo`](crate::types::TaskInfo) wants with [`Resources::into_vec`] or `into()`.
/// Equality (`==`) compares contents, ignoring order.
///
/// ```
/// use mesos::resources::{cpus, mem, Resources};
///
/// let mut total = Resources::new();
/// total += cpus(1.0);
/// total += cpus(0.5);
/// total += mem(64.0);
/// assert_eq!(total.len(), 2);
/// assert_eq!(total.cpus(), Some(1.5));
///
/// let doubled = &total + &total;
/// assert_eq!(doubled.mem(), Some(128.0));
/// assert_eq!(doubled - total.clone(), total);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Resources(pub(super) Vec<Resource>);

impl Resources {
    /// An empty collection.
    ///
    /// ```
    /// assert!(mesos::resources::Resources::new().is_empty());
    /// ```
    pub fn new() -> Resources {
        Resources(Vec::new())
    }

    /// Whether there are no resources at all.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// assert!(Resources::from(cpus(0.0)).is_empty());
    /// assert!(!Resources::from(cpus(0.1)).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The resources, as a vector (for `TaskInfo::resources` and the like).
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let v = Resources::from(cpus(1.0)).into_vec();
    /// assert_eq!(v.len(), 1);
    /// ```
    pub fn into_vec(self) -> Vec<Resource> {
        self.0
    }

    /// Adds one resource, merging it into an entry of the same kind if there is one. Empty
    /// resources (and negative scalars) are ignored. Same as `+=`.
    ///
    /// ```
    /// use mesos::resources::{ports, Resources};
    /// let mut rs = Resources::new();
    /// rs.add_resource(ports(&[(1, 5)]));
    /// rs.add_resource(ports(&[(6, 9), (20, 20)]));
    /// assert_eq!(rs.ports(), Some(vec![(1, 9), (20, 20)]));
    /// ```
    pub fn add_resource(&mut self, resource: Resource) {
        if let Some(r) = canonical(resource) {
            self.add_canonical(r);
        }
    }

    pub(super) fn add_canonical(&mut self, r: Resource) {
        if divisible(&r) {
            if let Some(entry) = self.0.iter_mut().find(|e| same_kind(e, &r)) {
                merge_into(entry, &r);
                return;
            }
        }
        self.0.push(r);
    }

    /// Takes one resource away from the entry of the same kind: scalars are subtracted (an
    /// entry that reaches zero or less disappears), ranges and sets lose the given items.
    /// Resources that are never split (persistent volumes, shared resources, ...) are only
    /// taken away by an identical resource. Nothing happens if there is no such entry.
    /// Same as `-=`.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let mut rs = Resources::from(cpus(1.0));
    /// rs.subtract_resource(&cpus(0.25));
    /// assert_eq!(rs.cpus(), Some(0.75));
    /// rs.subtract_resource(&cpus(5.0));
    /// assert!(rs.is_empty());
    /// ```
    pub fn subtract_resource(&mut self, resource: &Resource) {
        if let Some(r) = canonical(resource.clone()) {
            self.subtract_canonical(&r);
        }
    }

    pub(super) fn subtract_canonical(&mut self, r: &Resource) {
        if divisible(r) {
            if let Some(i) = self.0.iter().position(|e| same_kind(e, r)) {
                if !take_from(&mut self.0[i], r) {
                    self.0.remove(i);
                }
            }
        } else if let Some(i) = self
            .0
            .iter()
            .position(|e| same_kind(e, r) && same_value(e, r))
        {
            self.0.remove(i);
        }
    }

    /// Whether these resources hold at least all of `other` (same kinds, same reservations,
    /// at least the same amounts).
    ///
    /// ```
    /// use mesos::resources::{cpus, mem, ports, Resources};
    /// let offer: Resources = [cpus(2.0), mem(1024.0), ports(&[(31000, 31100)])].into();
    /// assert!(offer.contains(&[cpus(2.0), ports(&[(31005, 31010)])].into()));
    /// assert!(!offer.contains(&cpus(2.001).into()));
    /// assert!(!offer.contains(&ports(&[(30999, 31000)]).into()));
    /// assert!(!offer.contains(&cpus(1.0).with_role("web").into()));
    /// ```
    pub fn contains(&self, other: &Resources) -> bool {
        let mut remaining = self.clone();
        other.0.iter().all(|r| {
            let found = remaining
                .0
                .iter()
                .any(|e| same_kind(e, r) && value_contains(e, r));
            if found {
                remaining.subtract_canonical(r);
            }
            found
        })
    }

    /// Whether these resources hold at least `resource`.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// assert!(Resources::from(cpus(1.0)).contains_resource(&cpus(0.5)));
    /// ```
    pub fn contains_resource(&self, resource: &Resource) -> bool {
        self.contains(&Resources::from(resource.clone()))
    }

    /// Picks out of these resources (an offer, say) the amounts `wanted` asks for, whatever
    /// their reservations and allocation: for each wanted resource, resources reserved for
    /// the same role come first, then unreserved ones, then any others. The result carries
    /// the reservations and allocation of the resources it was taken from, ready for a
    /// `TaskInfo`. `None` if there is not enough.
    ///
    /// ```
    /// use mesos::resources::{cpus, mem, Resources};
    /// let offer: Resources = [
    ///     cpus(1.0).with_role("web").with_allocation_role("web"),
    ///     cpus(4.0).with_allocation_role("web"),
    ///     mem(512.0).with_allocation_role("web"),
    /// ]
    /// .into();
    /// let picked = offer.find(&[cpus(2.0).with_role("web"), mem(256.0)].into()).unwrap();
    /// assert_eq!(picked.reserved("web").cpus(), Some(1.0));
    /// assert_eq!(picked.unreserved().cpus(), Some(1.0));
    /// assert_eq!(picked.mem(), Some(256.0));
    /// assert!(offer.contains(&picked));
    /// assert!(offer.find(&cpus(6.0).into()).is_none());
    /// ```
    pub fn find(&self, wanted: &Resources) -> Option<Resources> {
        let mut total = self.clone();
        let mut found = Resources::new();
        for target in &wanted.0 {
            let mut need = Some(amount_only(target));
            let role = reservation_role(target);
            let passes: [&dyn Fn(&Resource) -> bool; 3] = [
                &|r| role.is_some() && reservation_role(r) == role,
                &is_unreserved,
                &|_| true,
            ];
            for pass in passes {
                let candidates: Vec<Resource> =
                    total.0.iter().filter(|r| pass(r)).cloned().collect();
                for candidate in candidates {
                    let Some(still) = need.as_mut() else { break };
                    let amount = amount_only(&candidate);
                    if !same_kind(&amount, still) {
                        continue;
                    }
                    let taken = if divisible(&candidate) {
                        match intersection(&amount, still) {
                            Some(common) => {
                                let mut part = candidate.clone();
                                copy_value(&mut part, &common);
                                part
                            }
                            None => continue,
                        }
                    } else if same_value(&amount, still) {
                        candidate.clone()
                    } else {
                        continue;
                    };
                    let taken_amount = amount_only(&taken);
                    if !divisible(still) || !take_from(still, &taken_amount) {
                        need = None;
                    }
                    total.subtract_canonical(&taken);
                    found.add_canonical(taken);
                }
                if need.is_none() {
                    break;
                }
            }
            if need.is_some() {
                return None;
            }
        }
        Some(found)
    }

    /// The resources for which `keep` returns `true`.
    ///
    /// ```
    /// use mesos::resources::{cpus, is_revocable, Resources};
    /// let rs: Resources = [cpus(1.0), cpus(2.0).with_revocable()].into();
    /// assert_eq!(rs.filter(|r| !is_revocable(r)).cpus(), Some(1.0));
    /// ```
    pub fn filter(&self, mut keep: impl FnMut(&Resource) -> bool) -> Resources {
        Resources(self.0.iter().filter(|r| keep(r)).cloned().collect())
    }

    /// All resources called `name`, whatever their reservations.
    ///
    /// ```
    /// use mesos::resources::{cpus, mem, Resources};
    /// let rs: Resources = [cpus(1.0), cpus(2.0).with_role("a"), mem(8.0)].into();
    /// assert_eq!(rs.get("cpus").len(), 2);
    /// assert!(rs.get("gpus").is_empty());
    /// ```
    pub fn get(&self, name: &str) -> Resources {
        self.filter(|r| r.name() == name)
    }

    /// The first resource called `name`, if any.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs = Resources::from(cpus(1.0));
    /// assert_eq!(rs.find_named("cpus").map(|r| r.name()), Some("cpus"));
    /// assert!(rs.find_named("mem").is_none());
    /// ```
    pub fn find_named(&self, name: &str) -> Option<&Resource> {
        self.0.iter().find(|r| r.name() == name)
    }

    /// These resources with all reservations removed (so they all become unreserved, role
    /// `"*"`), merged again. Allocation information is kept.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_role("a"), cpus(2.0).reserved("b", None), cpus(0.5)].into();
    /// assert_eq!(rs.len(), 3);
    /// let flat = rs.flatten();
    /// assert_eq!(flat.len(), 1);
    /// assert_eq!(flat.cpus(), Some(3.5));
    /// assert_eq!(flat[0].role(), "*");
    /// ```
    pub fn flatten(&self) -> Resources {
        self.0.iter().cloned().map(unreserved_copy).collect()
    }

    /// The resources reserved for exactly `role` (in either reservation format).
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_role("a"), cpus(2.0).reserved("b", None), cpus(4.0)].into();
    /// assert_eq!(rs.reserved("a").cpus(), Some(1.0));
    /// assert_eq!(rs.reserved("b").cpus(), Some(2.0));
    /// assert!(rs.reserved("c").is_empty());
    /// ```
    pub fn reserved(&self, role: &str) -> Resources {
        self.filter(|r| reservation_role(r) == Some(role))
    }

    /// The resources reserved for any role.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_role("a"), cpus(2.0).reserved("b", None), cpus(4.0)].into();
    /// assert_eq!(rs.all_reserved().cpus(), Some(3.0));
    /// ```
    pub fn all_reserved(&self) -> Resources {
        self.filter(is_reserved)
    }

    /// The resources not reserved for any role.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_role("a"), cpus(4.0)].into();
    /// assert_eq!(rs.unreserved().cpus(), Some(4.0));
    /// ```
    pub fn unreserved(&self) -> Resources {
        self.filter(is_unreserved)
    }

    /// The resources `role` may use: unreserved ones, and those reserved for `role` or for
    /// one of its ancestors in the role hierarchy (`"eng"` for `"eng/web"`).
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [
    ///     cpus(1.0),
    ///     cpus(2.0).with_role("eng"),
    ///     cpus(4.0).with_role("eng/web"),
    ///     cpus(8.0).with_role("ops"),
    /// ]
    /// .into();
    /// assert_eq!(rs.allocatable_to("eng/web").cpus(), Some(7.0));
    /// assert_eq!(rs.allocatable_to("eng").cpus(), Some(3.0));
    /// ```
    pub fn allocatable_to(&self, role: &str) -> Resources {
        self.filter(|r| match reservation_role(r) {
            None => true,
            Some(reserved) => {
                role == reserved
                    || (role.len() > reserved.len()
                        && role.starts_with(reserved)
                        && role.as_bytes()[reserved.len()] == b'/')
            }
        })
    }

    /// The resources allocated to `role` (their `allocation_info`).
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_allocation_role("a"), cpus(2.0)].into();
    /// assert_eq!(rs.allocated_to("a").cpus(), Some(1.0));
    /// ```
    pub fn allocated_to(&self, role: &str) -> Resources {
        self.filter(|r| r.allocation_info.is_some() && r.allocation_info.role() == role)
    }

    /// The revocable resources.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_revocable(), cpus(2.0)].into();
    /// assert_eq!(rs.revocable().cpus(), Some(1.0));
    /// ```
    pub fn revocable(&self) -> Resources {
        self.filter(is_revocable)
    }

    /// The resources that are not revocable.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs: Resources = [cpus(1.0).with_revocable(), cpus(2.0)].into();
    /// assert_eq!(rs.non_revocable().cpus(), Some(2.0));
    /// ```
    pub fn non_revocable(&self) -> Resources {
        self.filter(|r| !is_revocable(r))
    }

    /// The total of the scalar resources called `name`, whatever their reservations, or
    /// `None` if there are none.
    ///
    /// ```
    /// use mesos::resources::{scalar, Resources};
    /// let rs: Resources = [scalar("net", 0.1), scalar("net", 0.2).with_role("a")].into();
    /// assert_eq!(rs.scalar("net"), Some(0.3));
    /// assert_eq!(rs.scalar("cpus"), None);
    /// ```
    pub fn scalar(&self, name: &str) -> Option<f64> {
        let mut values = self
            .0
            .iter()
            .filter(|r| r.name() == name && kind(r) == Kind::Scalar)
            .map(fixed_value)
            .peekable();
        values.peek()?;
        Some(from_fixed(values.fold(0i64, i64::saturating_add)))
    }

    /// The union of the ranges resources called `name`, sorted and coalesced, or `None` if
    /// there are none.
    ///
    /// ```
    /// use mesos::resources::{ranges, Resources};
    /// let rs: Resources = [ranges("r", &[(5, 9)]), ranges("r", &[(1, 4)]).with_role("a")].into();
    /// assert_eq!(rs.ranges("r"), Some(vec![(1, 9)]));
    /// ```
    pub fn ranges(&self, name: &str) -> Option<Vec<(u64, u64)>> {
        let mut any = false;
        let mut items = Vec::new();
        for r in self.0.iter().filter(|r| r.name() == name) {
            if kind(r) == Kind::Ranges {
                any = true;
                items.extend(read_ranges(r));
            }
        }
        any.then(|| coalesce(items))
    }

    /// The union of the set resources called `name`, or `None` if there are none.
    ///
    /// ```
    /// use mesos::resources::{set, Resources};
    /// let rs: Resources = [set("s", ["a", "b"]), set("s", ["b", "c"]).with_role("x")].into();
    /// assert_eq!(rs.set("s"), Some(vec!["a".into(), "b".into(), "c".into()]));
    /// ```
    pub fn set(&self, name: &str) -> Option<Vec<String>> {
        let mut any = false;
        let mut items = Vec::new();
        for r in self.0.iter().filter(|r| r.name() == name) {
            if kind(r) == Kind::Set {
                any = true;
                set_union(&mut items, &r.set.item);
            }
        }
        any.then_some(items)
    }

    /// Total `cpus`, whatever their reservations.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// assert_eq!(Resources::from(cpus(1.25)).cpus(), Some(1.25));
    /// assert_eq!(Resources::new().cpus(), None);
    /// ```
    pub fn cpus(&self) -> Option<f64> {
        self.scalar(CPUS)
    }

    /// Total `mem`, in MB, whatever its reservations.
    ///
    /// ```
    /// use mesos::resources::{mem, Resources};
    /// assert_eq!(Resources::from(mem(512.0)).mem(), Some(512.0));
    /// ```
    pub fn mem(&self) -> Option<f64> {
        self.scalar(MEM)
    }

    /// Total `disk`, in MB, whatever its reservations.
    ///
    /// ```
    /// use mesos::resources::{disk, Resources};
    /// assert_eq!(Resources::from(disk(100.0)).disk(), Some(100.0));
    /// ```
    pub fn disk(&self) -> Option<f64> {
        self.scalar(DISK)
    }

    /// Total `gpus`, whatever their reservations.
    ///
    /// ```
    /// use mesos::resources::{gpus, Resources};
    /// assert_eq!(Resources::from(gpus(2.0)).gpus(), Some(2.0));
    /// ```
    pub fn gpus(&self) -> Option<f64> {
        self.scalar(GPUS)
    }

    /// All `ports`, sorted and coalesced, whatever their reservations.
    ///
    /// ```
    /// use mesos::resources::{ports, Resources};
    /// let rs: Resources = [ports(&[(8080, 8080)]), ports(&[(8081, 8090)])].into();
    /// assert_eq!(rs.ports(), Some(vec![(8080, 8090)]));
    /// ```
    pub fn ports(&self) -> Option<Vec<(u64, u64)>> {
        self.ranges(PORTS)
    }
}
