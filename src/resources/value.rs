//! The three value types of a resource (scalar, ranges, set): fixed-point scalars,
//! range arithmetic and set union, shared by everything that compares or combines values.

use crate::types::{value, Resource};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Scalar,
    Ranges,
    Set,
    /// `TEXT` or a type this version does not know: never merged or split.
    Other,
}

pub(super) fn kind(r: &Resource) -> Kind {
    match r.type_.map(|t| t.enum_value()) {
        // `type` is a required field whose default is SCALAR.
        None | Some(Ok(value::Type::SCALAR)) => Kind::Scalar,
        Some(Ok(value::Type::RANGES)) => Kind::Ranges,
        Some(Ok(value::Type::SET)) => Kind::Set,
        Some(_) => Kind::Other,
    }
}

pub(super) fn type_code(r: &Resource) -> i32 {
    // An unset type reads as SCALAR, whose number is 0.
    r.type_.map_or(0, |t| t.value())
}

pub(super) const FIXED_POINT_SCALE: f64 = 1000.0;

/// A scalar as a count of thousandths (saturating; NaN counts as zero).
pub(super) fn to_fixed(v: f64) -> i64 {
    (v * FIXED_POINT_SCALE).round() as i64
}

pub(super) fn from_fixed(v: i64) -> f64 {
    v as f64 / FIXED_POINT_SCALE
}

pub(super) fn fixed_value(r: &Resource) -> i64 {
    to_fixed(r.scalar.value())
}

pub(super) fn set_fixed_value(r: &mut Resource, v: i64) {
    r.scalar.mut_or_insert_default().set_value(from_fixed(v));
}

pub(super) fn read_ranges(r: &Resource) -> Vec<(u64, u64)> {
    r.ranges
        .as_ref()
        .map(|rs| rs.range.iter().map(|x| (x.begin(), x.end())).collect())
        .unwrap_or_default()
}

pub(super) fn write_ranges(r: &mut Resource, items: &[(u64, u64)]) {
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
pub(super) fn coalesce(mut items: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
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
pub(super) fn ranges_difference(left: &[(u64, u64)], right: &[(u64, u64)]) -> Vec<(u64, u64)> {
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
pub(super) fn ranges_contain(outer: &[(u64, u64)], inner: &[(u64, u64)]) -> bool {
    inner
        .iter()
        .all(|&(b, e)| outer.iter().any(|&(ob, oe)| ob <= b && e <= oe))
}

pub(super) fn set_union(left: &mut Vec<String>, right: &[String]) {
    for item in right {
        if !left.contains(item) {
            left.push(item.clone());
        }
    }
}

pub(super) fn dedup_keep_order(items: &mut Vec<String>) {
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
