//! `docs/porting-from-cpp.md` names every method of the C++ classes `Scheduler`,
//! `SchedulerDriver`, `Executor` and `ExecutorDriver`, as `Class::method`. The method lists
//! come from the class declarations in the linked libmesos' own headers
//! (`include/mesos/scheduler.hpp` and `executor.hpp`), so a method the headers gain is missed
//! by the guide until it has a row.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// Where the headers of the linked libmesos are: the dev kit's, or `MESOS_INCLUDE_DIR`.
fn include_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MESOS_INCLUDE_DIR") {
        return PathBuf::from(dir);
    }
    let kit = mesos_sys::linked::DEVKIT_DIR
        .expect("not linked against the dev kit: set MESOS_INCLUDE_DIR to libmesos' include dir");
    PathBuf::from(kit).join("include")
}

/// The names of the methods declared in `class <class> {` ... `};` of `header`.
fn methods(header: &str, class: &str) -> BTreeSet<String> {
    let start = header
        .find(&format!("class {class} {{"))
        .or_else(|| header.find(&format!("class {class}\n{{")))
        .unwrap_or_else(|| panic!("no declaration of class {class}"));
    let body = &header[start..];
    let body = &body[..body.find("\n};").expect("the class declaration ends")];
    let mut names = BTreeSet::new();
    // Every declaration: `virtual <return type> <name>(`, destructors aside.
    for decl in body.split("virtual ").skip(1) {
        let head = decl.split('(').next().unwrap_or_default();
        let name = head.split_whitespace().last().unwrap_or_default();
        let name = name.trim_start_matches(['*', '&']);
        if !name.is_empty() && !name.starts_with('~') {
            names.insert(name.to_owned());
        }
    }
    names
}

#[test]
fn the_cpp_guide_names_every_method_of_the_four_classes() {
    let guide = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/porting-from-cpp.md"),
    )
    .unwrap();
    let include = include_dir().join("mesos");
    let scheduler = std::fs::read_to_string(include.join("scheduler.hpp")).unwrap();
    let executor = std::fs::read_to_string(include.join("executor.hpp")).unwrap();
    let mut missing = Vec::new();
    let mut counted = 0;
    for (header, class, at_least) in [
        (&scheduler, "Scheduler", 10),
        (&scheduler, "SchedulerDriver", 16),
        (&executor, "Executor", 8),
        (&executor, "ExecutorDriver", 7),
    ] {
        let names = methods(header, class);
        assert!(
            names.len() >= at_least,
            "read only {names:?} from class {class}: the header parser is broken"
        );
        for name in names {
            counted += 1;
            if !guide.contains(&format!("`{class}::{name}(")) {
                missing.push(format!("{class}::{name}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in the guide: {missing:?}");
    println!("{counted} methods named in docs/porting-from-cpp.md");
}
