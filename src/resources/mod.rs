//! Building, inspecting and doing arithmetic on Mesos resources.
//!
//! The free functions build single [`Resource`](crate::types::Resource) messages ([`cpus`], [`mem`], [`ports`],
//! [`scalar`], [`ranges`], [`set`], ...) and read their values back ([`scalar_value`],
//! [`ranges_value`], [`set_value`]). Reservations and allocation roles are added with the
//! builder methods this module defines on [`Resource`](crate::types::Resource) ([`Resource::with_role`](crate::types::Resource::with_role),
//! [`Resource::reserved`](crate::types::Resource::reserved), [`Resource::with_allocation_role`](crate::types::Resource::with_allocation_role), ...).
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

mod collection;
mod combine;
mod constructors;
mod convert;
mod display;
mod inspect;
mod kind;
pub mod operations;
mod ops;
mod value;

pub use collection::Resources;
pub use constructors::{
    cpus, disk, dynamic_reservation, gpus, mem, ports, ranges, scalar, set, static_reservation,
};
pub use inspect::{
    is_dynamically_reserved, is_persistent_volume, is_reserved, is_revocable, is_unreserved,
    ranges_value, reservation_role, scalar_value, set_value,
};

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

#[cfg(test)]
mod tests;
