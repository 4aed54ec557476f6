//! Arithmetic on single canonical resources of one kind: normalising a value, adding,
//! taking away, intersecting and comparing.

use protobuf::MessageField;

use super::kind::divisible;
use super::value::*;
use crate::types::Resource;

/// Whether two canonical resources of the same kind hold equal values.
pub(super) fn same_value(a: &Resource, b: &Resource) -> bool {
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
pub(super) fn value_contains(outer: &Resource, inner: &Resource) -> bool {
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
pub(super) fn canonical(mut r: Resource) -> Option<Resource> {
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
pub(super) fn merge_into(left: &mut Resource, right: &Resource) {
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
pub(super) fn take_from(left: &mut Resource, right: &Resource) -> bool {
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
pub(super) fn intersection(a: &Resource, b: &Resource) -> Option<Resource> {
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
pub(super) fn unreserved_copy(mut r: Resource) -> Resource {
    r.role = None;
    r.reservation = MessageField::none();
    r.reservations.clear();
    r
}

/// `r` without reservations nor allocation: what [`Resources::find`] compares.
pub(super) fn amount_only(r: &Resource) -> Resource {
    let mut r = unreserved_copy(r.clone());
    r.allocation_info = MessageField::none();
    r
}

/// Gives `target` the (canonical) value of `source`.
pub(super) fn copy_value(target: &mut Resource, source: &Resource) {
    target.scalar = source.scalar.clone();
    target.ranges = source.ranges.clone();
    target.set = source.set.clone();
}
