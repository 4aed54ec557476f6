//! Unit tests of the resource arithmetic.

use protobuf::MessageField;

use super::value::{coalesce, ranges_difference};
use super::*;
use crate::types::resource::{disk_info, DiskInfo, ReservationInfo, SharedInfo};
use crate::types::Resource;

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

mod operations_and_parsing {
    use crate::resources::operations::{create, destroy, launch, reserve, unreserve};
    use crate::resources::{cpus, disk, dynamic_reservation, mem, Resources};
    use crate::types::volume::Mode;

    #[test]
    fn reserve_then_unreserve_gives_back_what_was_offered() {
        let offered: Resources = [cpus(2.0), mem(256.0)].into();
        let offered = offered.allocate("web");
        let wanted = Resources::parse("cpus:1;mem:128", None)
            .unwrap()
            .allocate("web")
            .push_reservation(&dynamic_reservation("web", Some("ops")));
        let reserved = offered.apply(&reserve(wanted.clone())).unwrap();
        assert_eq!(reserved.reserved("web"), wanted);
        assert_eq!(reserved.unreserved().cpus(), Some(1.0));
        let back = reserved.apply(&unreserve(wanted.clone())).unwrap();
        assert_eq!(back, offered);
        // Nothing to unreserve in the original offer.
        assert!(offered.apply(&unreserve(wanted)).is_err());
    }

    #[test]
    fn create_and_destroy_convert_disk_and_volumes_and_launch_changes_nothing() {
        let offered = Resources::parse("disk(db):16", None).unwrap();
        let volume = Resources::parse("disk(db):8", None).unwrap()[0]
            .clone()
            .persistent_volume("v1", "data", Some("ops"))
            .with_shared();
        let after = offered.apply(&create(vec![volume.clone()])).unwrap();
        assert_eq!(after.persistent_volumes().len(), 1);
        assert_eq!(after.reserved("db").disk(), Some(16.0));
        assert_eq!(after.apply(&launch([])).unwrap(), after);
        assert_eq!(
            after.apply(&destroy(vec![volume.clone()])).unwrap(),
            offered
        );
        // A read-only mount of the volume is another resource here.
        let read_only = volume.with_volume_mode(Mode::RO);
        assert!(after.apply(&destroy(vec![read_only])).is_err());
        // Unreserved disk cannot hold a volume of a role.
        assert!(Resources::from(disk(16.0))
            .apply(&create(vec![after.persistent_volumes()[0].clone()]))
            .is_err());
    }

    #[test]
    fn parse_reads_every_value_type_and_names_what_is_wrong() {
        let rs = Resources::parse(
            " cpus:1.5 ; ports(web):[1-3, 7-7] ; zones:{a,b} ; mem:0",
            Some("*"),
        )
        .unwrap();
        assert_eq!(rs.cpus(), Some(1.5));
        assert_eq!(rs.reserved("web").ports(), Some(vec![(1, 3), (7, 7)]));
        assert_eq!(rs.set("zones"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(rs.mem(), None);
        for (bad, what) in [
            ("cpus", "no ':'"),
            ("cpus:x", "not a number"),
            ("cpus:-1", "negative"),
            ("ports:[5-1]", "end is before"),
            ("ports:[1-2", "unclosed '['"),
            ("cpus(web:1", "unclosed '('"),
            (":1", "empty name"),
        ] {
            let e = Resources::parse(bad, None).unwrap_err().to_string();
            assert!(e.contains(what) && e.contains(bad), "{bad}: {e}");
        }
    }
}
