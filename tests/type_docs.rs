//! Every generated message type, enum, field and enum value carries the project's own
//! documentation.
//!
//! `build.rs` writes the text of `proto/<path>/<name>.docs` after the generator's marker for each
//! element (`// @@protoc_insertion_point(KIND:FULL.NAME)`), and a line starting with
//! "Not described yet:" where a `.docs` file has no text for the element. This test reads the
//! generated sources and fails on any element of the covered schemas left with that line (or
//! any accessor left without a description), and on any element of the types a framework or
//! executor writer handles (the `REQUIRED` list, with everything nested in them) that has no
//! text at all.

use std::collections::BTreeMap;

/// The generated sources, as `build.rs` left them.
const GENERATED: &[(&str, &str)] = &[
    (
        "mesos/mesos.proto",
        include_str!(concat!(env!("OUT_DIR"), "/protos/mesos.rs")),
    ),
    (
        "mesos/scheduler/scheduler.proto",
        include_str!(concat!(env!("OUT_DIR"), "/protos/scheduler.rs")),
    ),
    (
        "mesos/executor/executor.proto",
        include_str!(concat!(env!("OUT_DIR"), "/protos/executor.rs")),
    ),
];

/// The line `build.rs` writes for an element without text.
const UNDOCUMENTED: &str = "Not described yet:";

/// The types framework and executor writers build or read; they and everything nested in them
/// (fields, nested messages and enums, enum values) must be described.
const REQUIRED: &[&str] = &[
    "mesos.FrameworkInfo",
    "mesos.TaskInfo",
    "mesos.TaskStatus",
    "mesos.TaskState",
    "mesos.Offer",
    "mesos.Offer.Operation",
    "mesos.Resource",
    "mesos.ExecutorInfo",
    "mesos.CommandInfo",
    "mesos.ContainerInfo",
    "mesos.Filters",
    "mesos.Credential",
    "mesos.MasterInfo",
    "mesos.SlaveInfo",
    "mesos.FrameworkID",
    "mesos.OfferID",
    "mesos.SlaveID",
    "mesos.TaskID",
    "mesos.ExecutorID",
    "mesos.ContainerID",
    "mesos.Value",
    "mesos.Labels",
    "mesos.Label",
    "mesos.Environment",
    "mesos.HealthCheck",
    "mesos.KillPolicy",
    "mesos.Status",
];

/// The schemas in which every element must be described, not only the `REQUIRED` ones.
const COMPLETE: &[&str] = &["mesos/mesos.proto", "mesos/scheduler/scheduler.proto"];

/// The kinds of marker that stand for an element of the schema.
const ELEMENT_KINDS: &[&str] = &[
    "message",
    "enum",
    "field",
    "enum_value",
    "oneof",
    "oneof_field",
];

/// Full element name -> its documentation (empty when there is none) in one generated source.
fn element_docs(source: &str) -> BTreeMap<String, String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut docs = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(inner) = line
            .trim()
            .strip_prefix("// @@protoc_insertion_point(")
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            continue;
        };
        let Some((kind, name)) = inner.split_once(':') else {
            continue;
        };
        if !ELEMENT_KINDS.contains(&kind) {
            continue;
        }
        let text: Vec<&str> = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .take_while(|l| l.starts_with("///"))
            .map(|l| l.trim_start_matches('/').trim())
            .collect();
        // A oneof member has a marker as a field and another as a oneof member: keep the text.
        let entry = docs.entry(name.to_owned()).or_insert_with(String::new);
        if entry.is_empty() {
            *entry = text.join("\n").trim().to_owned();
        }
    }
    docs
}

/// Every element lacking documentation: of `required` (and what is nested in it) anywhere, and
/// of any kind in the `complete` schemas.
fn problems(generated: &[(&str, &str)], required: &[&str], complete: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen_required = vec![false; required.len()];
    for (schema, source) in generated {
        for (name, text) in element_docs(source) {
            let missing = text.is_empty() || text.starts_with(UNDOCUMENTED);
            let mut is_required = false;
            for (i, r) in required.iter().enumerate() {
                if name == *r {
                    seen_required[i] = true;
                }
                if name == *r || name.starts_with(&format!("{r}.")) {
                    is_required = true;
                }
            }
            if missing && (is_required || complete.contains(schema)) {
                problems.push(format!("{schema}: `{name}` has no documentation"));
            }
        }
        if complete.contains(schema) {
            for line in source.lines() {
                if let Some(accessor) = line.trim().strip_prefix("/// Generated accessor ") {
                    problems.push(format!("{schema}: accessor {accessor} has no description"));
                }
            }
        }
        if source.contains("allow(missing_docs)") {
            problems.push(format!("{schema}: the generated code allows missing_docs"));
        }
    }
    for (r, seen) in required.iter().zip(seen_required) {
        if !seen {
            problems.push(format!("`{r}` is not in any generated schema"));
        }
    }
    problems
}

#[test]
fn every_generated_element_is_documented() {
    let found = problems(GENERATED, REQUIRED, COMPLETE);
    assert!(
        found.is_empty(),
        "{} elements lack documentation (write it in proto/<path>/<name>.docs):\n{}",
        found.len(),
        found.join("\n")
    );
    let counts: Vec<String> = GENERATED
        .iter()
        .map(|(schema, source)| format!("{schema}: {} elements", element_docs(source).len()))
        .collect();
    println!("documented: {}", counts.join(", "));
}

#[test]
fn the_documented_types_reach_rustdoc() {
    // The text ends up on the Rust items themselves: the struct, its fields and its accessors.
    let (_, mesos) = GENERATED[0];
    let task_info = mesos
        .find("pub struct TaskInfo {")
        .expect("the generated TaskInfo");
    let before = &mesos[..task_info];
    let doc_start = before
        .rfind("// @@protoc_insertion_point(message:mesos.TaskInfo)")
        .expect("the TaskInfo marker");
    assert!(
        before[doc_start..].contains("\n/// "),
        "TaskInfo has no doc"
    );
    let accessor = mesos
        .find("pub fn set_name(&mut self, v: ::std::string::String)")
        .expect("an accessor");
    let line_before = mesos[..accessor].trim_end().lines().last().unwrap();
    assert!(line_before.trim().starts_with("/// "), "{line_before:?}");
}

#[test]
fn the_check_notices_missing_documentation() {
    let source = "\
// @@protoc_insertion_point(message:mesos.TaskID)
/// Names a task.
pub struct TaskID {
    // @@protoc_insertion_point(field:mesos.TaskID.value)
    /// Not described yet: field `mesos.TaskID.value`.
    pub value: Option<String>,
}
// @@protoc_insertion_point(message:other.Thing)
pub struct Thing {}
impl Thing {
    /// Generated accessor `frob`.
    pub fn frob(&self) {}
}
";
    let generated = [("x.proto", source)];
    let found = problems(&generated, &["mesos.TaskID", "mesos.Missing"], &[]);
    assert!(
        found.iter().any(|p| p.contains("`mesos.TaskID.value`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("`mesos.Missing` is not in")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|p| p.contains("other.Thing")),
        "{found:?}"
    );
    let found = problems(&generated, &[], &["x.proto"]);
    assert!(
        found.iter().any(|p| p.contains("`other.Thing`")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p.contains("accessor `frob`")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|p| p.contains("`mesos.TaskID` has")),
        "{found:?}"
    );
}
