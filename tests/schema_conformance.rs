//! The project's schema (`proto/`, as embedded in the generated message types) against the
//! schema compiled into libmesos itself: the `FileDescriptorSet` the dev kit read out of
//! libmesos (`share/mesos-rs/mesos-<version>.fds`).
//!
//! Every message (nested ones included, by full name), every field (name, number, type,
//! type name, label, default value, oneof membership), every enum and enum value must agree.
//! All differences are collected and reported together. Without the dev kit (e.g. when
//! building against a plain Mesos install) the test prints why it skips and passes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use protobuf::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    FileDescriptorSet,
};
use protobuf::Message;

/// The reference descriptor set inside the dev kit.
const FDS_RELATIVE: &str = "share/mesos-rs/mesos-1.11.0.fds";

/// The sizes of `mesos/mesos.proto` in Mesos 1.11.
const MESOS_PROTO_MESSAGES: usize = 175;
const MESOS_PROTO_FIELDS: usize = 705;
const MESOS_PROTO_ENUMS: usize = 34;

/// Where the dev kit lives, found the way the build finds it: `MESOS_DEVKIT_DIR`, else
/// `$XDG_CACHE_HOME/mesos-rs/devkit`, else `$HOME/.cache/mesos-rs/devkit`.
fn devkit_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MESOS_DEVKIT_DIR") {
        return Some(PathBuf::from(dir));
    }
    let cache = match std::env::var_os("XDG_CACHE_HOME") {
        Some(c) if !c.is_empty() => PathBuf::from(c),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    };
    Some(cache.join("mesos-rs").join("devkit"))
}

fn load_reference(path: &Path) -> FileDescriptorSet {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("cannot read the reference schema {}: {e}", path.display()));
    FileDescriptorSet::parse_from_bytes(&bytes).unwrap_or_else(|e| {
        panic!(
            "{} is not a valid serialized FileDescriptorSet: {e}",
            path.display()
        )
    })
}

/// What one file holds, flattened by full name.
#[derive(Default)]
struct Flat<'a> {
    /// Message full name (without the leading dot) -> message.
    messages: BTreeMap<String, &'a DescriptorProto>,
    /// Enum full name -> enum.
    enums: BTreeMap<String, &'a EnumDescriptorProto>,
}

impl<'a> Flat<'a> {
    fn of(file: &'a FileDescriptorProto) -> Self {
        let mut flat = Flat::default();
        let prefix = file.package().to_string();
        for e in &file.enum_type {
            flat.enums.insert(join(&prefix, e.name()), e);
        }
        for m in &file.message_type {
            flat.add_message(&prefix, m);
        }
        flat
    }

    fn add_message(&mut self, scope: &str, m: &'a DescriptorProto) {
        let name = join(scope, m.name());
        for e in &m.enum_type {
            self.enums.insert(join(&name, e.name()), e);
        }
        for nested in &m.nested_type {
            self.add_message(&name, nested);
        }
        self.messages.insert(name, m);
    }

    fn field_count(&self) -> usize {
        self.messages.values().map(|m| m.field.len()).sum()
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

/// The name of the oneof a field belongs to, if any.
fn oneof_of(message: &DescriptorProto, field: &FieldDescriptorProto) -> Option<String> {
    if !field.has_oneof_index() {
        return None;
    }
    let index = field.oneof_index();
    Some(
        usize::try_from(index)
            .ok()
            .and_then(|i| message.oneof_decl.get(i))
            .map(|o| o.name().to_string())
            .unwrap_or_else(|| format!("<bad oneof index {index}>")),
    )
}

/// The attributes of a field that must agree, rendered for comparison and reporting.
fn field_attributes(
    message: &DescriptorProto,
    field: &FieldDescriptorProto,
) -> Vec<(&'static str, String)> {
    vec![
        ("number", format!("{:?}", field.number)),
        ("type", format!("{:?}", field.type_)),
        ("type_name", format!("{:?}", field.type_name)),
        ("label", format!("{:?}", field.label)),
        ("default_value", format!("{:?}", field.default_value)),
        ("oneof", format!("{:?}", oneof_of(message, field))),
    ]
}

/// The result of comparing one file.
struct Report {
    file: String,
    messages: usize,
    enums: usize,
    fields: usize,
    matching_fields: usize,
}

/// Compares the project's `ours` with libmesos' `theirs`, appending every difference.
fn compare_file(
    ours: &FileDescriptorProto,
    theirs: &FileDescriptorProto,
    diffs: &mut Vec<String>,
) -> Report {
    let file = ours.name().to_string();
    if ours.package() != theirs.package() {
        diffs.push(format!(
            "{file}: package is {:?} in proto/, {:?} in libmesos",
            ours.package(),
            theirs.package()
        ));
    }
    let a = Flat::of(ours);
    let b = Flat::of(theirs);

    for name in b.messages.keys().filter(|n| !a.messages.contains_key(*n)) {
        diffs.push(format!(
            "{file}: message {name} is in libmesos but not in proto/"
        ));
    }
    let mut matching_fields = 0;
    for (name, ma) in &a.messages {
        let Some(mb) = b.messages.get(name) else {
            diffs.push(format!(
                "{file}: message {name} is in proto/ but not in libmesos"
            ));
            continue;
        };
        for fb in &mb.field {
            if !ma.field.iter().any(|fa| fa.name() == fb.name()) {
                diffs.push(format!(
                    "{file}: field {name}.{} (number {}) is in libmesos but not in proto/",
                    fb.name(),
                    fb.number()
                ));
            }
        }
        for fa in &ma.field {
            let Some(fb) = mb.field.iter().find(|fb| fb.name() == fa.name()) else {
                diffs.push(format!(
                    "{file}: field {name}.{} (number {}) is in proto/ but not in libmesos",
                    fa.name(),
                    fa.number()
                ));
                continue;
            };
            let mut same = true;
            for ((what, va), (_, vb)) in field_attributes(ma, fa)
                .into_iter()
                .zip(field_attributes(mb, fb))
            {
                if va != vb {
                    same = false;
                    diffs.push(format!(
                        "{file}: field {name}.{}: {what} is {va} in proto/, {vb} in libmesos",
                        fa.name()
                    ));
                }
            }
            if same {
                matching_fields += 1;
            }
        }
    }

    for name in b.enums.keys().filter(|n| !a.enums.contains_key(*n)) {
        diffs.push(format!(
            "{file}: enum {name} is in libmesos but not in proto/"
        ));
    }
    for (name, ea) in &a.enums {
        let Some(eb) = b.enums.get(name) else {
            diffs.push(format!(
                "{file}: enum {name} is in proto/ but not in libmesos"
            ));
            continue;
        };
        for vb in &eb.value {
            if !ea.value.iter().any(|va| va.name() == vb.name()) {
                diffs.push(format!(
                    "{file}: enum value {name}.{} = {} is in libmesos but not in proto/",
                    vb.name(),
                    vb.number()
                ));
            }
        }
        for va in &ea.value {
            match eb.value.iter().find(|vb| vb.name() == va.name()) {
                None => diffs.push(format!(
                    "{file}: enum value {name}.{} = {} is in proto/ but not in libmesos",
                    va.name(),
                    va.number()
                )),
                Some(vb) if vb.number != va.number => diffs.push(format!(
                    "{file}: enum value {name}.{}: number is {:?} in proto/, {:?} in libmesos",
                    va.name(),
                    va.number,
                    vb.number
                )),
                Some(_) => {}
            }
        }
    }

    Report {
        file,
        messages: a.messages.len(),
        enums: a.enums.len(),
        fields: a.field_count(),
        matching_fields,
    }
}

#[test]
fn schema_matches_libmesos() {
    let Some(kit) = devkit_dir() else {
        println!(
            "schema conformance: SKIPPED: neither MESOS_DEVKIT_DIR, XDG_CACHE_HOME nor HOME is \
             set, so the mesos-rs dev kit cannot be located"
        );
        return;
    };
    let fds_path = kit.join(FDS_RELATIVE);
    if !fds_path.is_file() {
        println!(
            "schema conformance: SKIPPED: no reference schema at {} (the mesos-rs dev kit is \
             not installed; building against a Mesos install without it)",
            fds_path.display()
        );
        return;
    }
    let reference = load_reference(&fds_path);

    let ours = [
        mesos::types::proto_files::mesos::file_descriptor().proto(),
        mesos::types::proto_files::scheduler::file_descriptor().proto(),
        mesos::types::proto_files::executor::file_descriptor().proto(),
    ];

    let mut diffs = Vec::new();
    let mut reports = Vec::new();
    for file in ours {
        let Some(theirs) = reference.file.iter().find(|f| f.name() == file.name()) else {
            let present: Vec<&str> = reference.file.iter().map(|f| f.name()).collect();
            diffs.push(format!(
                "{}: not in the reference schema {} (it holds {present:?})",
                file.name(),
                fds_path.display()
            ));
            continue;
        };
        reports.push(compare_file(file, theirs, &mut diffs));
    }

    if !diffs.is_empty() {
        let mut msg = format!(
            "the schema in proto/ differs from libmesos' ({}) in {} places:\n",
            fds_path.display(),
            diffs.len()
        );
        for d in &diffs {
            let _ = writeln!(msg, "  - {d}");
        }
        panic!("{msg}");
    }

    let summary: Vec<String> = reports
        .iter()
        .map(|r| {
            let short = r.file.rsplit('/').next().unwrap_or(&r.file);
            format!(
                "{} of {} fields of {short} match libmesos ({} messages, {} enums)",
                r.matching_fields, r.fields, r.messages, r.enums
            )
        })
        .collect();
    println!("schema conformance: {}", summary.join("; "));

    let mesos = reports
        .iter()
        .find(|r| r.file == "mesos/mesos.proto")
        .unwrap_or_else(|| panic!("mesos/mesos.proto was not compared"));
    assert_eq!(
        (mesos.messages, mesos.fields, mesos.enums),
        (MESOS_PROTO_MESSAGES, MESOS_PROTO_FIELDS, MESOS_PROTO_ENUMS),
        "mesos/mesos.proto should hold (messages, fields, enums) as in Mesos 1.11"
    );
}

/// The comparison itself notices each kind of difference (checked against a doctored copy
/// of the project's own schema, so this needs no dev kit).
#[test]
fn comparison_reports_every_kind_of_difference() {
    let ours = mesos::types::proto_files::mesos::file_descriptor().proto();
    let mut diffs = Vec::new();
    compare_file(ours, ours, &mut diffs);
    assert!(diffs.is_empty(), "a schema should match itself: {diffs:#?}");

    let mut theirs = ours.clone();
    let message = |file: &FileDescriptorProto, name: &str| -> usize {
        file.message_type
            .iter()
            .position(|m| m.name() == name)
            .unwrap_or_else(|| panic!("mesos.proto has no message {name}"))
    };
    let task_info = message(&theirs, "TaskInfo");
    let fields = &mut theirs.message_type[task_info].field;
    fields[0].set_number(99); // name
    fields[1].set_type_name(".mesos.SlaveID".into()); // task_id
    fields.pop();
    let filters = message(&theirs, "Filters");
    theirs.message_type[filters].field[0].set_default_value("6".into());
    let offer = message(&theirs, "Offer");
    theirs.message_type.remove(offer);
    let state = theirs
        .enum_type
        .iter()
        .position(|e| e.name() == "TaskState")
        .unwrap_or_else(|| panic!("mesos.proto has no enum TaskState"));
    theirs.enum_type[state].value[0].set_number(42);
    theirs.enum_type[state].value.pop();

    let mut diffs = Vec::new();
    let report = compare_file(ours, &theirs, &mut diffs);
    let expect = [
        "field mesos.TaskInfo.name: number",
        "field mesos.TaskInfo.task_id: type_name",
        "is in proto/ but not in libmesos",
        "field mesos.Filters.refuse_seconds: default_value",
        "message mesos.Offer is in proto/ but not in libmesos",
        "enum value mesos.TaskState.TASK_STAGING: number",
    ];
    for e in expect {
        assert!(
            diffs.iter().any(|d| d.contains(e)),
            "expected a difference mentioning {e:?} in {diffs:#?}"
        );
    }
    assert!(report.matching_fields < report.fields);
}
