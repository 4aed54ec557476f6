//! Building, inspecting and doing arithmetic on Mesos resources.
//!
//! The free functions build single [`Resource`] messages ([`cpus`], [`mem`], [`ports`],
//! [`scalar`], [`ranges`], [`set`], ...) and read their values back ([`scalar_value`],
//! [`ranges_value`], [`set_value`]). Reservations and allocation roles are added with the
//! builder methods this module defines on [`Resource`] ([`Resource::with_role`],
//! [`Resource::reserved`], [`Resource::with_allocation_role`], ...).
//!
//! [`Resources`] is a collection of resources with the arithmetic a framework needs to match
//! offers: `+` merges resources of the same kind (scalars add up, ranges are united and
//! coalesced, sets are united), `-` takes them away, [`Resources::contains`] tells whether an
//! offer is big enough and [`Resources::find`] picks what a task needs out of an offer.
//!
//! ```
//! use mesos::resources::{cpus, mem, ports, Resources};
//!
//! let offered: Resources = [cpus(4.0), mem(4096.0), ports(&[(31000, 32000)])].into();
//! let task: Resources = [cpus(1.5), mem(512.0), ports(&[(31000, 31000)])].into();
//!
//! assert!(offered.contains(&task));
//! let left = &offered - &task;
//! assert_eq!(left.cpus(), Some(2.5));
//! assert_eq!(left.mem(), Some(3584.0));
//! assert_eq!(left.ports(), Some(vec![(31001, 32000)]));
//! ```
//!
//! # What counts as "the same kind" of resource
//!
//! Two resources are merged (or subtracted from one another) only when they agree on name,
//! value type, reservations, allocation, disk information, provider, and on being revocable
//! or shared, just as in libmesos. Reservations compare alike whether they are written in the
//! older format (the `role` and `reservation` fields) or in the "reservation refinement"
//! format (the `reservations` stack): `cpus(1.0).with_role("web")` and a `cpus` resource
//! whose `reservations` hold one static reservation for `"web"` are the same kind.
//!
//! Resources that libmesos never splits or merges — shared resources, persistent volumes,
//! `MOUNT` and `BLOCK` disks, `RAW` disks with an id, and resources of the `TEXT` type — are
//! kept as separate entries and are only ever taken away whole, by an identical resource.
//!
//! Scalars are fixed-point numbers with three decimal places, as in libmesos: every scalar
//! in a [`Resources`] is rounded to the nearest `0.001`, and a scalar that drops to zero (or
//! below) disappears from the collection.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Deref, Sub, SubAssign};

use protobuf::{Enum, MessageField};

use crate::types::resource::{
    disk_info, reservation_info, AllocationInfo, ReservationInfo, RevocableInfo,
};
use crate::types::{value, Labels, Resource};

/// The role of resources that are not reserved for any role.
pub const DEFAULT_ROLE: &str = "*";

/// Conventional resource name for CPU shares.
pub const CPUS: &str = "cpus";
/// Conventional resource name for memory, in MB.
pub const MEM: &str = "mem";
/// Conventional resource name for disk space, in MB.
pub const DISK: &str = "disk";
/// Conventional resource name for GPUs.
pub const GPUS: &str = "gpus";
/// Conventional resource name for ports.
pub const PORTS: &str = "ports";

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/// A scalar resource called `name`, unreserved.
///
/// ```
/// use mesos::resources::{scalar, scalar_value};
/// let r = scalar("bandwidth", 100.0);
/// assert_eq!(r.name(), "bandwidth");
/// assert_eq!(scalar_value(&r), Some(100.0));
/// ```
pub fn scalar(name: impl Into<String>, value: f64) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SCALAR);
    r.scalar.mut_or_insert_default().set_value(value);
    r
}

/// A `cpus` resource (CPU shares), unreserved.
///
/// ```
/// let r = mesos::resources::cpus(0.5);
/// assert_eq!(r.name(), "cpus");
/// assert_eq!(mesos::resources::scalar_value(&r), Some(0.5));
/// ```
pub fn cpus(value: f64) -> Resource {
    scalar(CPUS, value)
}

/// A `mem` resource, in MB, unreserved.
///
/// ```
/// let r = mesos::resources::mem(128.0);
/// assert_eq!((r.name(), mesos::resources::scalar_value(&r)), ("mem", Some(128.0)));
/// ```
pub fn mem(megabytes: f64) -> Resource {
    scalar(MEM, megabytes)
}

/// A `disk` resource, in MB, unreserved.
///
/// ```
/// let r = mesos::resources::disk(1024.0);
/// assert_eq!((r.name(), mesos::resources::scalar_value(&r)), ("disk", Some(1024.0)));
/// ```
pub fn disk(megabytes: f64) -> Resource {
    scalar(DISK, megabytes)
}

/// A `gpus` resource, unreserved.
///
/// ```
/// let r = mesos::resources::gpus(1.0);
/// assert_eq!((r.name(), mesos::resources::scalar_value(&r)), ("gpus", Some(1.0)));
/// ```
pub fn gpus(value: f64) -> Resource {
    scalar(GPUS, value)
}

/// A ranges resource called `name`, from inclusive `(begin, end)` pairs, unreserved.
///
/// The ranges are stored as given; [`Resources`] sorts and coalesces them.
///
/// ```
/// use mesos::resources::{ranges, ranges_value};
/// let r = ranges("vlans", &[(10, 20), (30, 30)]);
/// assert_eq!(ranges_value(&r), Some(vec![(10, 20), (30, 30)]));
/// ```
pub fn ranges(name: impl Into<String>, items: &[(u64, u64)]) -> Resource {
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::RANGES);
    write_ranges(&mut r, items);
    r
}

/// A `ports` resource from inclusive `(begin, end)` pairs, unreserved.
///
/// ```
/// use mesos::resources::{ports, ranges_value};
/// let r = ports(&[(31000, 31009)]);
/// assert_eq!(r.name(), "ports");
/// assert_eq!(ranges_value(&r), Some(vec![(31000, 31009)]));
/// ```
pub fn ports(items: &[(u64, u64)]) -> Resource {
    ranges(PORTS, items)
}

/// A set resource called `name`, unreserved.
///
/// ```
/// use mesos::resources::{set, set_value};
/// let r = set("zones", ["a", "b"]);
/// assert_eq!(set_value(&r), Some(&["a".to_string(), "b".to_string()][..]));
/// ```
pub fn set<I, S>(name: impl Into<String>, items: I) -> Resource
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut r = Resource::new();
    r.set_name(name.into());
    r.set_type(value::Type::SET);
    r.set.mut_or_insert_default().item = items.into_iter().map(Into::into).collect();
    r
}

/// A static reservation for `role`, for [`Resource::with_reservation`].
///
/// ```
/// use mesos::resources::static_reservation;
/// let r = static_reservation("web");
/// assert_eq!(r.role(), "web");
/// ```
pub fn static_reservation(role: impl Into<String>) -> ReservationInfo {
    let mut info = ReservationInfo::new();
    info.set_type(reservation_info::Type::STATIC);
    info.set_role(role.into());
    info
}

/// A dynamic reservation for `role`, made by `principal` if given, for
/// [`Resource::with_reservation`].
///
/// ```
/// use mesos::resources::dynamic_reservation;
/// let r = dynamic_reservation("web", Some("ops"));
/// assert_eq!((r.role(), r.principal()), ("web", "ops"));
/// ```
pub fn dynamic_reservation(role: impl Into<String>, principal: Option<&str>) -> ReservationInfo {
    let mut info = ReservationInfo::new();
    info.set_type(reservation_info::Type::DYNAMIC);
    info.set_role(role.into());
    if let Some(p) = principal {
        info.set_principal(p.to_string());
    }
    info
}

/// Builder methods for single resources, to chain after a constructor such as [`cpus`].
impl Resource {
    /// Reserves this resource statically for `role`, in the older format (the `role` field),
    /// which every framework may use; `"*"` means unreserved.
    ///
    /// ```
    /// use mesos::resources::{cpus, reservation_role};
    /// let r = cpus(1.0).with_role("web");
    /// assert_eq!(r.role(), "web");
    /// assert_eq!(reservation_role(&r), Some("web"));
    /// ```
    pub fn with_role(mut self, role: impl Into<String>) -> Resource {
        self.set_role(role.into());
        self
    }

    /// Pushes `reservation` on this resource's `reservations` stack (the "reservation
    /// refinement" format, for frameworks with the `RESERVATION_REFINEMENT` capability).
    ///
    /// ```
    /// use mesos::resources::{cpus, reservation_role, static_reservation};
    /// let r = cpus(1.0).with_reservation(static_reservation("eng"));
    /// assert_eq!(reservation_role(&r), Some("eng"));
    /// ```
    pub fn with_reservation(mut self, reservation: ReservationInfo) -> Resource {
        self.reservations.push(reservation);
        self
    }

    /// Reserves this resource dynamically for `role`, made by `principal` if given: pushes a
    /// [`dynamic_reservation`] on the `reservations` stack.
    ///
    /// ```
    /// use mesos::resources::{mem, reservation_role};
    /// let r = mem(256.0).reserved("web", Some("ops"));
    /// assert_eq!(reservation_role(&r), Some("web"));
    /// assert_eq!(r.reservations[0].principal(), "ops");
    /// ```
    pub fn reserved(self, role: impl Into<String>, principal: Option<&str>) -> Resource {
        self.with_reservation(dynamic_reservation(role, principal))
    }

    /// Marks this resource as allocated to `role` (its `allocation_info`), as the resources
    /// of an offer to a multi-role framework are, and as a task's resources must then be.
    ///
    /// ```
    /// let r = mesos::resources::cpus(1.0).with_allocation_role("web");
    /// assert_eq!(r.allocation_info.role(), "web");
    /// ```
    pub fn with_allocation_role(mut self, role: impl Into<String>) -> Resource {
        let mut info = AllocationInfo::new();
        info.set_role(role.into());
        self.allocation_info = MessageField::some(info);
        self
    }

    /// Marks this resource as revocable.
    ///
    /// ```
    /// use mesos::resources::{cpus, is_revocable};
    /// assert!(is_revocable(&cpus(1.0).with_revocable()));
    /// ```
    pub fn with_revocable(mut self) -> Resource {
        self.revocable = MessageField::some(RevocableInfo::new());
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Extractors and predicates on single resources
// ---------------------------------------------------------------------------------------------

/// The value of a scalar resource, or `None` if `resource` is not a scalar.
///
/// ```
/// use mesos::resources::{cpus, ports, scalar_value};
/// assert_eq!(scalar_value(&cpus(2.0)), Some(2.0));
/// assert_eq!(scalar_value(&ports(&[(1, 2)])), None);
/// ```
pub fn scalar_value(resource: &Resource) -> Option<f64> {
    match kind(resource) {
        Kind::Scalar => Some(resource.scalar.value()),
        _ => None,
    }
}

/// The `(begin, end)` pairs of a ranges resource, as stored, or `None` if `resource` is not
/// a ranges resource.
///
/// ```
/// use mesos::resources::{cpus, ports, ranges_value};
/// assert_eq!(ranges_value(&ports(&[(80, 80), (443, 443)])), Some(vec![(80, 80), (443, 443)]));
/// assert_eq!(ranges_value(&cpus(1.0)), None);
/// ```
pub fn ranges_value(resource: &Resource) -> Option<Vec<(u64, u64)>> {
    match kind(resource) {
        Kind::Ranges => Some(read_ranges(resource)),
        _ => None,
    }
}

/// The items of a set resource, or `None` if `resource` is not a set.
///
/// ```
/// use mesos::resources::{cpus, set, set_value};
/// assert_eq!(set_value(&set("disks", ["sda"])).map(|s| s.len()), Some(1));
/// assert_eq!(set_value(&cpus(1.0)), None);
/// ```
pub fn set_value(resource: &Resource) -> Option<&[String]> {
    match kind(resource) {
        Kind::Set => Some(resource.set.item.as_slice()),
        _ => None,
    }
}

/// The role `resource` is reserved for (the innermost reservation of a refined stack), or
/// `None` if it is unreserved. Understands both reservation formats.
///
/// ```
/// use mesos::resources::{cpus, reservation_role, static_reservation};
/// assert_eq!(reservation_role(&cpus(1.0)), None);
/// assert_eq!(reservation_role(&cpus(1.0).with_role("*")), None);
/// assert_eq!(reservation_role(&cpus(1.0).with_role("a")), Some("a"));
/// let refined = cpus(1.0)
///     .with_reservation(static_reservation("eng"))
///     .reserved("eng/dev", None);
/// assert_eq!(reservation_role(&refined), Some("eng/dev"));
/// ```
pub fn reservation_role(resource: &Resource) -> Option<&str> {
    match resource.reservations.last() {
        Some(r) => Some(r.role()),
        None if resource.role() != DEFAULT_ROLE => Some(resource.role()),
        None => None,
    }
}

/// Whether `resource` is reserved for some role.
///
/// ```
/// use mesos::resources::{cpus, is_reserved};
/// assert!(is_reserved(&cpus(1.0).with_role("web")));
/// assert!(!is_reserved(&cpus(1.0)));
/// ```
pub fn is_reserved(resource: &Resource) -> bool {
    reservation_role(resource).is_some()
}

/// Whether `resource` is not reserved for any role.
///
/// ```
/// use mesos::resources::{cpus, is_unreserved};
/// assert!(is_unreserved(&cpus(1.0)));
/// assert!(!is_unreserved(&cpus(1.0).reserved("web", None)));
/// ```
pub fn is_unreserved(resource: &Resource) -> bool {
    !is_reserved(resource)
}

/// Whether `resource` is dynamically reserved (by an operator or a framework) for its role.
///
/// ```
/// use mesos::resources::{cpus, is_dynamically_reserved};
/// assert!(is_dynamically_reserved(&cpus(1.0).reserved("web", Some("ops"))));
/// assert!(!is_dynamically_reserved(&cpus(1.0).with_role("web")));
/// ```
pub fn is_dynamically_reserved(resource: &Resource) -> bool {
    match resource.reservations.last() {
        Some(r) => r.type_() == reservation_info::Type::DYNAMIC,
        None => resource.role() != DEFAULT_ROLE && resource.reservation.is_some(),
    }
}

/// Whether `resource` is revocable.
///
/// ```
/// use mesos::resources::{cpus, is_revocable};
/// assert!(!is_revocable(&cpus(1.0)));
/// ```
pub fn is_revocable(resource: &Resource) -> bool {
    resource.revocable.is_some()
}

/// Whether `resource` is a persistent volume (a disk with persistence information).
///
/// ```
/// assert!(!mesos::resources::is_persistent_volume(&mesos::resources::disk(10.0)));
/// ```
pub fn is_persistent_volume(resource: &Resource) -> bool {
    resource
        .disk
        .as_ref()
        .is_some_and(|d| d.persistence.is_some())
}

// ---------------------------------------------------------------------------------------------
// Internals: value kinds, fixed-point scalars, ranges and sets
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Scalar,
    Ranges,
    Set,
    /// `TEXT` or a type this version does not know: never merged or split.
    Other,
}

fn kind(r: &Resource) -> Kind {
    match r.type_.map(|t| t.enum_value()) {
        // `type` is a required field whose default is SCALAR.
        None | Some(Ok(value::Type::SCALAR)) => Kind::Scalar,
        Some(Ok(value::Type::RANGES)) => Kind::Ranges,
        Some(Ok(value::Type::SET)) => Kind::Set,
        Some(_) => Kind::Other,
    }
}

fn type_code(r: &Resource) -> i32 {
    // An unset type reads as SCALAR, whose number is 0.
    r.type_.map_or(0, |t| t.value())
}

const FIXED_POINT_SCALE: f64 = 1000.0;

/// A scalar as a count of thousandths (saturating; NaN counts as zero).
fn to_fixed(v: f64) -> i64 {
    (v * FIXED_POINT_SCALE).round() as i64
}

fn from_fixed(v: i64) -> f64 {
    v as f64 / FIXED_POINT_SCALE
}

fn fixed_value(r: &Resource) -> i64 {
    to_fixed(r.scalar.value())
}

fn set_fixed_value(r: &mut Resource, v: i64) {
    r.scalar.mut_or_insert_default().set_value(from_fixed(v));
}

fn read_ranges(r: &Resource) -> Vec<(u64, u64)> {
    r.ranges
        .as_ref()
        .map(|rs| rs.range.iter().map(|x| (x.begin(), x.end())).collect())
        .unwrap_or_default()
}

fn write_ranges(r: &mut Resource, items: &[(u64, u64)]) {
    let rs = r.ranges.mut_or_insert_default();
    rs.range = items
        .iter()
        .map(|&(begin, end)| {
            let mut x = value::Range::new();
            x.set_begin(begin);
            x.set_end(end);
            x
        })
        .collect();
}

/// Sorts `items`, drops inverted pairs and merges overlapping or adjacent ones.
fn coalesce(mut items: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    items.retain(|&(b, e)| b <= e);
    items.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(items.len());
    for (b, e) in items {
        match out.last_mut() {
            Some(last) if b <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((b, e)),
        }
    }
    out
}

/// `left` without `right`; both coalesced.
fn ranges_difference(left: &[(u64, u64)], right: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &piece in left {
        let mut rest = Some(piece);
        for &(rb, re) in right {
            let Some((cb, ce)) = rest else { break };
            if re < cb || rb > ce {
                continue;
            }
            if rb > cb {
                out.push((cb, rb - 1));
            }
            rest = if re < ce { Some((re + 1, ce)) } else { None };
        }
        out.extend(rest);
    }
    out
}

/// Whether every range of `inner` lies within `outer`; both coalesced.
fn ranges_contain(outer: &[(u64, u64)], inner: &[(u64, u64)]) -> bool {
    inner
        .iter()
        .all(|&(b, e)| outer.iter().any(|&(ob, oe)| ob <= b && e <= oe))
}

fn set_union(left: &mut Vec<String>, right: &[String]) {
    for item in right {
        if !left.contains(item) {
            left.push(item.clone());
        }
    }
}

fn dedup_keep_order(items: &mut Vec<String>) {
    let mut seen: Vec<String> = Vec::with_capacity(items.len());
    items.retain(|i| {
        if seen.contains(i) {
            false
        } else {
            seen.push(i.clone());
            true
        }
    });
}

/// One level of reservation, with the older format mapped onto the refined one.
#[derive(PartialEq)]
struct ReservationKey<'a> {
    type_: i32,
    role: &'a str,
    principal: Option<&'a str>,
    labels: Option<&'a Labels>,
}

fn reservation_stack(r: &Resource) -> Vec<ReservationKey<'_>> {
    if !r.reservations.is_empty() {
        return r
            .reservations
            .iter()
            .map(|info| ReservationKey {
                type_: info.type_.map_or(0, |t| t.value()),
                role: info.role(),
                principal: info.principal.as_deref(),
                labels: info.labels.as_ref(),
            })
            .collect();
    }
    if r.role() == DEFAULT_ROLE {
        return Vec::new();
    }
    let dynamic = r.reservation.as_ref();
    vec![ReservationKey {
        type_: if dynamic.is_some() {
            reservation_info::Type::DYNAMIC.value()
        } else {
            reservation_info::Type::STATIC.value()
        },
        role: r.role(),
        principal: dynamic.and_then(|d| d.principal.as_deref()),
        labels: dynamic.and_then(|d| d.labels.as_ref()),
    }]
}

/// Whether `a` and `b` describe the same kind of resource (everything but the value).
fn same_kind(a: &Resource, b: &Resource) -> bool {
    a.name() == b.name()
        && type_code(a) == type_code(b)
        && a.allocation_info == b.allocation_info
        && a.disk == b.disk
        && a.revocable.is_some() == b.revocable.is_some()
        && a.shared.is_some() == b.shared.is_some()
        && a.provider_id == b.provider_id
        && reservation_stack(a) == reservation_stack(b)
}

/// Whether `r` may be merged with and split from resources of its kind.
fn divisible(r: &Resource) -> bool {
    if r.shared.is_some() || kind(r) == Kind::Other {
        return false;
    }
    let Some(disk) = r.disk.as_ref() else {
        return true;
    };
    if disk.persistence.is_some() {
        return false;
    }
    match disk.source.as_ref() {
        None => true,
        Some(source) => match source.type_.map(|t| t.enum_value()) {
            Some(Ok(disk_info::source::Type::MOUNT)) | Some(Ok(disk_info::source::Type::BLOCK)) => {
                false
            }
            Some(Ok(disk_info::source::Type::RAW)) => source.id.is_none(),
            _ => true,
        },
    }
}

/// Whether two canonical resources of the same kind hold equal values.
fn same_value(a: &Resource, b: &Resource) -> bool {
    match kind(a) {
        Kind::Scalar => fixed_value(a) == fixed_value(b),
        Kind::Ranges => read_ranges(a) == read_ranges(b),
        Kind::Set => {
            let (x, y) = (&a.set.item, &b.set.item);
            x.len() == y.len() && x.iter().all(|i| y.contains(i))
        }
        Kind::Other => a == b,
    }
}

/// Whether canonical `outer` holds at least canonical `inner`, of the same kind.
fn value_contains(outer: &Resource, inner: &Resource) -> bool {
    if !divisible(outer) {
        return same_value(outer, inner);
    }
    match kind(outer) {
        Kind::Scalar => fixed_value(outer) >= fixed_value(inner),
        Kind::Ranges => ranges_contain(&read_ranges(outer), &read_ranges(inner)),
        Kind::Set => inner.set.item.iter().all(|i| outer.set.item.contains(i)),
        Kind::Other => same_value(outer, inner),
    }
}

/// Rounds, coalesces or deduplicates the value of `r`; `None` if it is empty or negative.
fn canonical(mut r: Resource) -> Option<Resource> {
    match kind(&r) {
        Kind::Scalar => {
            let v = fixed_value(&r);
            if v <= 0 {
                return None;
            }
            set_fixed_value(&mut r, v);
        }
        Kind::Ranges => {
            let items = coalesce(read_ranges(&r));
            if items.is_empty() {
                return None;
            }
            write_ranges(&mut r, &items);
        }
        Kind::Set => {
            let items = &mut r.set.mut_or_insert_default().item;
            dedup_keep_order(items);
            if items.is_empty() {
                return None;
            }
        }
        Kind::Other => {}
    }
    Some(r)
}

/// Adds the value of canonical `right` to canonical `left`, of the same divisible kind.
fn merge_into(left: &mut Resource, right: &Resource) {
    match kind(left) {
        Kind::Scalar => {
            let v = fixed_value(left).saturating_add(fixed_value(right));
            set_fixed_value(left, v);
        }
        Kind::Ranges => {
            let mut items = read_ranges(left);
            items.extend(read_ranges(right));
            write_ranges(left, &coalesce(items));
        }
        Kind::Set => set_union(&mut left.set.mut_or_insert_default().item, &right.set.item),
        Kind::Other => {}
    }
}

/// Takes the value of canonical `right` from canonical `left`, of the same divisible kind;
/// returns whether anything is left.
fn take_from(left: &mut Resource, right: &Resource) -> bool {
    match kind(left) {
        Kind::Scalar => {
            let v = fixed_value(left).saturating_sub(fixed_value(right));
            set_fixed_value(left, v);
            v > 0
        }
        Kind::Ranges => {
            let items = ranges_difference(&read_ranges(left), &read_ranges(right));
            write_ranges(left, &items);
            !items.is_empty()
        }
        Kind::Set => {
            let items = &mut left.set.mut_or_insert_default().item;
            items.retain(|i| !right.set.item.contains(i));
            !items.is_empty()
        }
        Kind::Other => true,
    }
}

/// The part of canonical `a` that canonical `b` (same divisible kind) also has, with `a`'s
/// metadata; `None` if they have nothing in common.
fn intersection(a: &Resource, b: &Resource) -> Option<Resource> {
    let mut out = a.clone();
    match kind(a) {
        Kind::Scalar => set_fixed_value(&mut out, fixed_value(a).min(fixed_value(b))),
        Kind::Ranges => {
            let (x, y) = (read_ranges(a), read_ranges(b));
            write_ranges(&mut out, &ranges_difference(&x, &ranges_difference(&x, &y)));
        }
        Kind::Set => {
            out.set
                .mut_or_insert_default()
                .item
                .retain(|i| b.set.item.contains(i));
        }
        Kind::Other => return None,
    }
    canonical(out)
}

/// `r` without reservations (in either format).
fn unreserved_copy(mut r: Resource) -> Resource {
    r.role = None;
    r.reservation = MessageField::none();
    r.reservations.clear();
    r
}

/// `r` without reservations nor allocation: what [`Resources::find`] compares.
fn amount_only(r: &Resource) -> Resource {
    let mut r = unreserved_copy(r.clone());
    r.allocation_info = MessageField::none();
    r
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

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
pub struct Resources(Vec<Resource>);

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

    fn add_canonical(&mut self, r: Resource) {
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

    fn subtract_canonical(&mut self, r: &Resource) {
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

/// Gives `target` the (canonical) value of `source`.
fn copy_value(target: &mut Resource, source: &Resource) {
    target.scalar = source.scalar.clone();
    target.ranges = source.ranges.clone();
    target.set = source.set.clone();
}

impl PartialEq for Resources {
    fn eq(&self, other: &Resources) -> bool {
        self.0.len() == other.0.len() && self.contains(other) && other.contains(self)
    }
}

impl Deref for Resources {
    type Target = [Resource];

    fn deref(&self) -> &[Resource] {
        &self.0
    }
}

impl AsRef<[Resource]> for Resources {
    fn as_ref(&self) -> &[Resource] {
        &self.0
    }
}

impl From<Resource> for Resources {
    fn from(resource: Resource) -> Resources {
        let mut rs = Resources::new();
        rs.add_resource(resource);
        rs
    }
}

impl From<Vec<Resource>> for Resources {
    fn from(resources: Vec<Resource>) -> Resources {
        resources.into_iter().collect()
    }
}

impl From<&[Resource]> for Resources {
    fn from(resources: &[Resource]) -> Resources {
        resources.iter().cloned().collect()
    }
}

impl<const N: usize> From<[Resource; N]> for Resources {
    fn from(resources: [Resource; N]) -> Resources {
        resources.into_iter().collect()
    }
}

impl From<Resources> for Vec<Resource> {
    fn from(resources: Resources) -> Vec<Resource> {
        resources.0
    }
}

impl FromIterator<Resource> for Resources {
    fn from_iter<I: IntoIterator<Item = Resource>>(iter: I) -> Resources {
        let mut rs = Resources::new();
        rs.extend(iter);
        rs
    }
}

impl<'a> FromIterator<&'a Resource> for Resources {
    fn from_iter<I: IntoIterator<Item = &'a Resource>>(iter: I) -> Resources {
        iter.into_iter().cloned().collect()
    }
}

impl Extend<Resource> for Resources {
    fn extend<I: IntoIterator<Item = Resource>>(&mut self, iter: I) {
        for r in iter {
            self.add_resource(r);
        }
    }
}

impl IntoIterator for Resources {
    type Item = Resource;
    type IntoIter = std::vec::IntoIter<Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Sum for Resources {
    fn sum<I: Iterator<Item = Resources>>(iter: I) -> Resources {
        iter.fold(Resources::new(), |acc, r| acc + r)
    }
}

impl<'a> Sum<&'a Resources> for Resources {
    fn sum<I: Iterator<Item = &'a Resources>>(iter: I) -> Resources {
        iter.fold(Resources::new(), |acc, r| acc + r)
    }
}

impl Sum<Resource> for Resources {
    fn sum<I: Iterator<Item = Resource>>(iter: I) -> Resources {
        iter.collect()
    }
}

impl AddAssign<&Resources> for Resources {
    fn add_assign(&mut self, other: &Resources) {
        for r in &other.0 {
            self.add_canonical(r.clone());
        }
    }
}

impl AddAssign<Resources> for Resources {
    fn add_assign(&mut self, other: Resources) {
        for r in other.0 {
            self.add_canonical(r);
        }
    }
}

impl AddAssign<Resource> for Resources {
    fn add_assign(&mut self, other: Resource) {
        self.add_resource(other);
    }
}

impl SubAssign<&Resources> for Resources {
    fn sub_assign(&mut self, other: &Resources) {
        for r in &other.0 {
            self.subtract_canonical(r);
        }
    }
}

impl SubAssign<Resources> for Resources {
    fn sub_assign(&mut self, other: Resources) {
        *self -= &other;
    }
}

impl SubAssign<&Resource> for Resources {
    fn sub_assign(&mut self, other: &Resource) {
        self.subtract_resource(other);
    }
}

impl SubAssign<Resource> for Resources {
    fn sub_assign(&mut self, other: Resource) {
        self.subtract_resource(&other);
    }
}

impl Add for Resources {
    type Output = Resources;

    fn add(mut self, other: Resources) -> Resources {
        self += other;
        self
    }
}

impl Add<&Resources> for Resources {
    type Output = Resources;

    fn add(mut self, other: &Resources) -> Resources {
        self += other;
        self
    }
}

impl Add<&Resources> for &Resources {
    type Output = Resources;

    fn add(self, other: &Resources) -> Resources {
        self.clone() + other
    }
}

impl Add<Resource> for Resources {
    type Output = Resources;

    fn add(mut self, other: Resource) -> Resources {
        self += other;
        self
    }
}

impl Sub for Resources {
    type Output = Resources;

    fn sub(mut self, other: Resources) -> Resources {
        self -= &other;
        self
    }
}

impl Sub<&Resources> for Resources {
    type Output = Resources;

    fn sub(mut self, other: &Resources) -> Resources {
        self -= other;
        self
    }
}

impl Sub<&Resources> for &Resources {
    type Output = Resources;

    fn sub(self, other: &Resources) -> Resources {
        self.clone() - other
    }
}

impl Sub<Resource> for Resources {
    type Output = Resources;

    fn sub(mut self, other: Resource) -> Resources {
        self -= &other;
        self
    }
}

impl Sub<&Resource> for Resources {
    type Output = Resources;

    fn sub(mut self, other: &Resource) -> Resources {
        self -= other;
        self
    }
}

/// Formats like libmesos: `cpus:1.5; mem(web):128; ports:[31000-31009, 31020-31020]`, with
/// the reservation role in parentheses and `{REV}` after revocable resources.
///
/// ```
/// use mesos::resources::{cpus, ports, set, Resources};
/// let rs: Resources = [cpus(1.5).with_role("web"), ports(&[(1, 2)]), set("s", ["a", "b"])].into();
/// assert_eq!(rs.to_string(), "cpus(web):1.5; ports:[1-2]; s:{a, b}");
/// ```
impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(r.name())?;
            if let Some(role) = reservation_role(r) {
                write!(f, "({role})")?;
            }
            if is_revocable(r) {
                f.write_str("{REV}")?;
            }
            f.write_str(":")?;
            match kind(r) {
                Kind::Scalar => write!(f, "{}", r.scalar.value())?,
                Kind::Ranges => {
                    let items: Vec<String> = read_ranges(r)
                        .iter()
                        .map(|(b, e)| format!("{b}-{e}"))
                        .collect();
                    write!(f, "[{}]", items.join(", "))?;
                }
                Kind::Set => write!(f, "{{{}}}", r.set.item.join(", "))?,
                Kind::Other => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::resource::{disk_info, DiskInfo, SharedInfo};

    fn rs<const N: usize>(items: [Resource; N]) -> Resources {
        Resources::from(items)
    }

    fn persistent_volume(id: &str, size: f64) -> Resource {
        let mut d = disk(size).with_role("db");
        let mut info = DiskInfo::new();
        let mut p = disk_info::Persistence::new();
        p.set_id(id.to_string());
        info.persistence = MessageField::some(p);
        d.disk = MessageField::some(info);
        d
    }

    #[test]
    fn sum_merges_same_kind() {
        let total = rs([cpus(1.0), mem(10.0), cpus(2.0), mem(5.5)]);
        assert_eq!(total.len(), 2);
        assert_eq!(total.cpus(), Some(3.0));
        assert_eq!(total.mem(), Some(15.5));

        let summed: Resources = vec![rs([cpus(1.0)]), rs([cpus(0.5), disk(3.0)])]
            .into_iter()
            .sum();
        assert_eq!(summed, rs([disk(3.0), cpus(1.5)]));
    }

    #[test]
    fn different_roles_are_kept_apart() {
        let total = rs([
            cpus(1.0),
            cpus(2.0).with_role("a"),
            cpus(4.0).with_role("b"),
        ]);
        assert_eq!(total.len(), 3);
        assert_eq!(total.cpus(), Some(7.0));
        let more = total.clone() + cpus(1.0).with_role("a");
        assert_eq!(more.len(), 3);
        assert_eq!(more.reserved("a").cpus(), Some(3.0));
    }

    #[test]
    fn reservation_formats_compare_alike() {
        let old = cpus(1.0).with_role("web");
        let refined = cpus(1.0).with_reservation(static_reservation("web"));
        let total = rs([old.clone(), refined.clone()]);
        assert_eq!(total.len(), 1);
        assert_eq!(total.cpus(), Some(2.0));

        let mut old_dynamic = cpus(1.0).with_role("web");
        let mut info = ReservationInfo::new();
        info.set_principal("ops".into());
        old_dynamic.reservation = MessageField::some(info);
        let new_dynamic = cpus(1.0).reserved("web", Some("ops"));
        assert_eq!(rs([old_dynamic.clone(), new_dynamic]).len(), 1);
        assert_eq!(rs([old_dynamic, refined]).len(), 2);
    }

    #[test]
    fn allocation_revocable_and_disk_separate_kinds() {
        let total = rs([
            cpus(1.0),
            cpus(1.0).with_allocation_role("a"),
            cpus(1.0).with_allocation_role("b"),
            cpus(1.0).with_revocable(),
        ]);
        assert_eq!(total.len(), 4);
        assert_eq!(total.allocated_to("a").len(), 1);
        assert_eq!(total.revocable().cpus(), Some(1.0));
        assert_eq!(total.non_revocable().cpus(), Some(3.0));
    }

    #[test]
    fn scalars_are_fixed_point() {
        let total = rs([cpus(0.1), cpus(0.2)]);
        assert_eq!(total.cpus(), Some(0.3));
        let total = rs([cpus(0.0004)]);
        assert!(total.is_empty());
        let total = rs([cpus(1.0006)]);
        assert_eq!(total.cpus(), Some(1.001));
        let left = rs([cpus(1.0)]) - rs([cpus(0.9999)]);
        assert!(left.is_empty());
        let left = rs([cpus(0.3)]) - rs([cpus(0.1)]);
        assert_eq!(left.cpus(), Some(0.2));
    }

    #[test]
    fn subtract_to_zero_and_below_drops() {
        let mut total = rs([cpus(2.0), mem(100.0)]);
        total -= cpus(2.0);
        assert_eq!(total.cpus(), None);
        assert_eq!(total.len(), 1);
        total -= mem(200.0);
        assert!(total.is_empty());
        // Subtracting what is not there does nothing.
        let mut total = rs([cpus(2.0)]);
        total -= cpus(1.0).with_role("a");
        total -= mem(1.0);
        assert_eq!(total, rs([cpus(2.0)]));
    }

    #[test]
    fn ranges_coalesce() {
        let total = rs([
            ports(&[(10, 20), (40, 50)]),
            ports(&[(21, 30)]),
            ports(&[(45, 60), (5, 5), (7, 6)]),
        ]);
        assert_eq!(total.len(), 1);
        assert_eq!(total.ports(), Some(vec![(5, 5), (10, 30), (40, 60)]));
        let edge = rs([
            ports(&[(u64::MAX - 1, u64::MAX)]),
            ports(&[(0, 0), (u64::MAX, u64::MAX)]),
        ]);
        assert_eq!(edge.ports(), Some(vec![(0, 0), (u64::MAX - 1, u64::MAX)]));
        assert_eq!(coalesce(vec![(3, 4), (1, 2)]), vec![(1, 4)]);
        assert_eq!(coalesce(vec![(1, 10), (2, 3)]), vec![(1, 10)]);
    }

    #[test]
    fn ranges_difference_splits() {
        let total = rs([ports(&[(1, 100)])]);
        let left = total.clone() - rs([ports(&[(10, 19), (50, 50), (90, 120)])]);
        assert_eq!(left.ports(), Some(vec![(1, 9), (20, 49), (51, 89)]));
        let none = total.clone() - rs([ports(&[(0, 1000)])]);
        assert!(none.is_empty());
        let same = total.clone() - rs([ports(&[(200, 300)])]);
        assert_eq!(same, total);
        assert_eq!(
            ranges_difference(&[(0, 0)], &[(0, 0)]),
            Vec::<(u64, u64)>::new()
        );
        assert_eq!(
            ranges_difference(&[(0, u64::MAX)], &[(0, 0), (u64::MAX, u64::MAX)]),
            vec![(1, u64::MAX - 1)]
        );
    }

    #[test]
    fn sets_union_and_difference() {
        let total = rs([set("s", ["a", "b", "a"]), set("s", ["c", "b"])]);
        assert_eq!(total.len(), 1);
        assert_eq!(
            total.set("s"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
        let left = total.clone() - rs([set("s", ["b", "z"])]);
        assert_eq!(left.set("s"), Some(vec!["a".into(), "c".into()]));
        let none = total - rs([set("s", ["a", "b", "c"])]);
        assert!(none.is_empty());
    }

    #[test]
    fn contains_checks_amounts_and_kinds() {
        let offer = rs([
            cpus(4.0),
            mem(1024.0).with_role("web"),
            ports(&[(1000, 1010)]),
            set("zones", ["a", "b"]),
        ]);
        assert!(offer.contains(&Resources::new()));
        assert!(offer.contains(&offer));
        assert!(offer.contains(&rs([cpus(4.0)])));
        assert!(!offer.contains(&rs([cpus(4.001)])));
        assert!(offer.contains(&rs([cpus(1.0), cpus(3.0)])));
        assert!(offer.contains(&rs([mem(1024.0).with_role("web")])));
        assert!(!offer.contains(&rs([mem(1.0)])));
        assert!(offer.contains(&rs([ports(&[(1000, 1000), (1005, 1010)])])));
        assert!(!offer.contains(&rs([ports(&[(1010, 1011)])])));
        assert!(offer.contains(&rs([set("zones", ["b"])])));
        assert!(!offer.contains(&rs([set("zones", ["c"])])));
        assert!(!Resources::new().contains(&offer));
        assert!(offer.flatten().contains(&rs([mem(1024.0)])));
    }

    #[test]
    fn flatten_strips_reservations() {
        let total = rs([
            cpus(1.0).with_role("a"),
            cpus(2.0).reserved("b", Some("p")),
            cpus(3.0)
                .with_reservation(static_reservation("c"))
                .reserved("c/d", None),
            cpus(4.0),
            mem(5.0).with_role("a"),
        ]);
        assert_eq!(total.len(), 5);
        let flat = total.flatten();
        assert_eq!(flat, rs([cpus(10.0), mem(5.0)]));
        assert!(flat.iter().all(is_unreserved));
        assert!(flat.all_reserved().is_empty());
    }

    #[test]
    fn role_filters() {
        let total = rs([
            cpus(1.0).with_role("a"),
            cpus(2.0).reserved("b", None),
            cpus(4.0),
            cpus(8.0).with_role("a/x"),
        ]);
        assert_eq!(total.reserved("a").cpus(), Some(1.0));
        assert_eq!(total.reserved("b").cpus(), Some(2.0));
        assert_eq!(total.reserved("a/x").cpus(), Some(8.0));
        assert_eq!(total.unreserved().cpus(), Some(4.0));
        assert_eq!(total.all_reserved().cpus(), Some(11.0));
        assert_eq!(total.allocatable_to("a/x").cpus(), Some(13.0));
        assert_eq!(total.allocatable_to("ab").cpus(), Some(4.0));
        assert_eq!(
            total.reserved("a") + total.reserved("b") + total.reserved("a/x") + total.unreserved(),
            total
        );
    }

    #[test]
    fn get_and_extractors() {
        let total = rs([cpus(1.0), mem(2.0), cpus(3.0).with_role("r")]);
        assert_eq!(total.get("cpus").len(), 2);
        assert_eq!(total.get("cpus").cpus(), Some(4.0));
        assert_eq!(total.find_named("mem").and_then(scalar_value), Some(2.0));
        assert_eq!(total.disk(), None);
        assert_eq!(total.gpus(), None);
        assert_eq!(total.ports(), None);
        assert_eq!(scalar_value(&ports(&[(1, 1)])), None);
        assert_eq!(ranges_value(&ports(&[(1, 1)])), Some(vec![(1, 1)]));
        assert_eq!(set_value(&set("s", ["x"])), Some(&["x".to_string()][..]));
        assert_eq!(set_value(&cpus(1.0)), None);
    }

    #[test]
    fn non_divisible_resources_stay_whole() {
        let v1 = persistent_volume("v1", 100.0);
        let total = rs([
            v1.clone(),
            v1.clone(),
            persistent_volume("v2", 100.0),
            disk(5.0),
        ]);
        assert_eq!(total.len(), 4);
        assert_eq!(total.disk(), Some(305.0));
        // A smaller piece of a volume takes nothing away.
        let same = total.clone() - persistent_volume("v1", 50.0);
        assert_eq!(same, total);
        assert!(!total.contains(&rs([persistent_volume("v1", 50.0)])));
        assert!(total.contains(&rs([v1.clone(), v1.clone()])));
        assert!(!total.contains(&rs([v1.clone(), v1.clone(), v1.clone()])));
        let left = total.clone() - v1.clone();
        assert_eq!(left.len(), 3);
        assert_eq!(left.disk(), Some(205.0));

        let mut shared = cpus(1.0);
        shared.shared = MessageField::some(SharedInfo::new());
        let total = rs([shared.clone(), shared.clone()]);
        assert_eq!(total.len(), 2);
        assert_eq!((total - shared).len(), 1);

        let mut mount = disk(1000.0);
        let mut info = DiskInfo::new();
        info.source
            .mut_or_insert_default()
            .set_type(disk_info::source::Type::MOUNT);
        mount.disk = MessageField::some(info);
        assert_eq!(rs([mount.clone(), mount.clone()]).len(), 2);
        let mut half = mount.clone();
        half.scalar.mut_or_insert_default().set_value(500.0);
        assert_eq!(rs([mount.clone()]) - half, rs([mount]));
    }

    #[test]
    fn find_prefers_role_then_unreserved() {
        let offer = rs([
            cpus(1.0).with_role("web"),
            cpus(1.0).with_role("db"),
            cpus(2.0),
            mem(100.0),
            ports(&[(10, 12)]).with_role("web"),
            ports(&[(13, 20)]),
        ]);
        let picked = offer
            .find(&rs([
                cpus(1.5).with_role("web"),
                ports(&[(11, 14)]).with_role("web"),
            ]))
            .unwrap();
        assert_eq!(picked.reserved("web").cpus(), Some(1.0));
        assert_eq!(picked.unreserved().cpus(), Some(0.5));
        assert_eq!(picked.reserved("web").ports(), Some(vec![(11, 12)]));
        assert_eq!(picked.unreserved().ports(), Some(vec![(13, 14)]));
        assert!(offer.contains(&picked));

        // Unreserved requests use unreserved resources first, then any role.
        let picked = offer.find(&rs([cpus(3.5)])).unwrap();
        assert_eq!(picked.unreserved().cpus(), Some(2.0));
        assert_eq!(picked.all_reserved().cpus(), Some(1.5));
        assert!(offer.contains(&picked));

        assert!(offer.find(&rs([cpus(4.5)])).is_none());
        assert!(offer.find(&rs([ports(&[(9, 10)])])).is_none());
        assert!(offer.find(&rs([gpus(1.0)])).is_none());
        assert_eq!(offer.find(&Resources::new()), Some(Resources::new()));
    }

    #[test]
    fn find_ignores_allocation_but_keeps_it() {
        let offer = rs([
            cpus(2.0).with_allocation_role("a"),
            mem(64.0).with_allocation_role("a"),
        ]);
        let picked = offer.find(&rs([cpus(1.0), mem(64.0)])).unwrap();
        assert_eq!(picked.allocated_to("a"), picked);
        assert_eq!(picked.cpus(), Some(1.0));
        assert_eq!((offer - &picked).cpus(), Some(1.0));
    }

    #[test]
    fn equality_ignores_order() {
        assert_eq!(rs([cpus(1.0), mem(2.0)]), rs([mem(2.0), cpus(1.0)]));
        assert_ne!(rs([cpus(1.0), mem(2.0)]), rs([cpus(1.0)]));
        assert_ne!(rs([cpus(1.0)]), rs([cpus(1.0).with_role("a")]));
    }

    mod algebra {
        use super::*;
        use proptest::prelude::*;

        fn resource() -> impl Strategy<Value = Resource> {
            let name = prop_oneof![Just("cpus"), Just("mem")];
            let role = prop_oneof![Just(None), Just(Some("a")), Just(Some("b"))];
            let scalar_r = (name, 0u32..5000, role.clone()).prop_map(|(n, v, role)| {
                let r = scalar(n, f64::from(v) / 1000.0);
                match role {
                    Some(role) => r.with_role(role),
                    None => r,
                }
            });
            let ranges_r = (
                prop::collection::vec((0u64..60, 0u64..8), 0..4),
                role.clone(),
            )
                .prop_map(|(items, role)| {
                    let items: Vec<(u64, u64)> = items.iter().map(|&(b, l)| (b, b + l)).collect();
                    let r = ports(&items);
                    match role {
                        Some(role) => r.reserved(role, None),
                        None => r,
                    }
                });
            let set_r = prop::collection::vec(prop_oneof![Just("x"), Just("y"), Just("z")], 0..3)
                .prop_map(|items| set("zones", items));
            prop_oneof![scalar_r, ranges_r, set_r]
        }

        fn resources() -> impl Strategy<Value = Resources> {
            prop::collection::vec(resource(), 0..6).prop_map(Resources::from)
        }

        proptest! {
            #[test]
            fn addition_is_commutative(a in resources(), b in resources()) {
                prop_assert_eq!(&a + &b, &b + &a);
            }

            #[test]
            fn sum_contains_parts(a in resources(), b in resources()) {
                let sum = &a + &b;
                prop_assert!(sum.contains(&a));
                prop_assert!(sum.contains(&b));
            }

            #[test]
            fn subtraction_undoes_addition_of_disjoint(a in resources(), b in resources()) {
                // Take away what `a` has, so that `b'` and `a` share nothing divisible.
                let b = &b - &a;
                prop_assert_eq!(&(&a + &b) - &b, a.clone());
            }

            #[test]
            fn difference_is_contained(a in resources(), b in resources()) {
                let d = &a - &b;
                prop_assert!(a.contains(&d));
                prop_assert!((&a - &a).is_empty());
            }

            #[test]
            fn contains_matches_subtraction(a in resources(), b in resources()) {
                if a.contains(&b) {
                    prop_assert_eq!(&(&a - &b) + &b, a.clone());
                }
            }

            #[test]
            fn flatten_keeps_totals(a in resources()) {
                let flat = a.flatten();
                prop_assert_eq!(flat.cpus(), a.cpus());
                prop_assert_eq!(flat.mem(), a.mem());
                prop_assert_eq!(flat.ports(), a.ports());
                prop_assert!(flat.all_reserved().is_empty());
                prop_assert_eq!(a.unreserved() + a.all_reserved(), a.clone());
            }

            #[test]
            fn find_returns_contained_amounts(a in resources(), b in resources()) {
                if let Some(found) = a.find(&b) {
                    prop_assert!(a.contains(&found));
                    prop_assert_eq!(found.flatten(), b.flatten());
                }
                if a.contains(&b) {
                    prop_assert!(a.find(&b).is_some());
                }
            }
        }
    }

    #[test]
    fn conversions_and_iteration() {
        let total: Resources = vec![cpus(1.0), cpus(1.0)].into();
        let v: Vec<Resource> = total.clone().into();
        assert_eq!(v.len(), 1);
        let again: Resources = total.iter().collect();
        assert_eq!(again, total);
        let names: Vec<&str> = (&total).into_iter().map(|r| r.name()).collect();
        assert_eq!(names, ["cpus"]);
        let slice: &[Resource] = &total;
        assert_eq!(Resources::from(slice), total);
        let summed: Resources = [cpus(1.0), mem(1.0)].into_iter().sum();
        assert_eq!(summed.len(), 2);
        assert_eq!(
            rs([cpus(1.5), mem(64.0), ports(&[(1, 3), (5, 5)])]).to_string(),
            "cpus:1.5; mem:64; ports:[1-3, 5-5]"
        );
        assert_eq!(rs([cpus(1.0).with_revocable()]).to_string(), "cpus{REV}:1");
    }
}
