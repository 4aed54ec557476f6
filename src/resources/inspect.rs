//! Reading the value of a single resource, and predicates on it.

use super::value::{kind, read_ranges, Kind};
use super::DEFAULT_ROLE;
use crate::types::resource::reservation_info;
use crate::types::Resource;

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
