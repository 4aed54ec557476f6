//! When two resources are "the same kind" (everything but the value agrees) and which
//! resources may be merged and split at all.

use protobuf::Enum;

use super::value::{kind, type_code, Kind};
use super::DEFAULT_ROLE;
use crate::types::resource::{disk_info, reservation_info};
use crate::types::{Labels, Resource};

/// One level of reservation, with the older format mapped onto the refined one.
#[derive(PartialEq)]
pub(super) struct ReservationKey<'a> {
    type_: i32,
    role: &'a str,
    principal: Option<&'a str>,
    labels: Option<&'a Labels>,
}

pub(super) fn reservation_stack(r: &Resource) -> Vec<ReservationKey<'_>> {
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
pub(super) fn same_kind(a: &Resource, b: &Resource) -> bool {
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
pub(super) fn divisible(r: &Resource) -> bool {
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
