//! Constructors of single resources and the builder methods on [`Resource`].

use protobuf::MessageField;

use super::value::write_ranges;
use super::{CPUS, DISK, GPUS, MEM, PORTS};
use crate::types::resource::{reservation_info, AllocationInfo, ReservationInfo, RevocableInfo};
use crate::types::{value, Resource};

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
/// The ranges are stored as given; [`Resources`](super::Resources) sorts and coalesces them.
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
