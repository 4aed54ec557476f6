//! Generates the Rust message types from the project's schema in `proto/`, gives them the
//! project's documentation, and lets this crate's tests, examples and benches find libmesos at
//! run time.
//!
//! # Documentation of the generated types
//!
//! `protobuf-codegen` turns `.proto` comments into rustdoc only when the parser records them
//! (`protoc` does; the pure-Rust parser this build uses does not), and our `.proto` files are
//! written from libmesos' descriptors, which hold no comments at all. So the documentation lives
//! in a file next to each schema, `proto/<path>/<name>.docs` for `proto/<path>/<name>.proto`, and
//! this script applies it after code generation:
//!
//! * The generator writes a marker comment before every element it emits,
//!   `// @@protoc_insertion_point(KIND:FULL.NAME)` (message, enum, field, enum value, oneof and
//!   oneof member). For each marker the text written for `FULL.NAME` is inserted as `///` lines.
//!   An element without text gets a line saying so and naming its declaration
//!   ([`UNDOCUMENTED`]), which `tests/type_docs.rs` rejects for the files it covers.
//! * The accessors the generator writes for a field (`name()`, `set_name()`, `has_name()`, ...)
//!   get a one-line description of what they do, naming the field.
//! * The generator's `#![allow(missing_docs)]` is removed, so the crate's `missing_docs` lint
//!   covers the generated code too.
//!
//! A key in a `.docs` file that matches no element stops the build, so text cannot silently
//! outlive a renamed or removed field. A schema without a `.docs` file builds as well: every
//! element then carries the "undocumented" line until someone writes its text.
//!
//! The format of a `.docs` file:
//!
//! ```text
//! # A comment line.
//! == mesos.TaskInfo
//! Text about the message (Markdown, any number of lines and paragraphs).
//!
//! .name: Text about the field `name` (also enum values and oneofs),
//!   continued on lines indented by two spaces.
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The schemas compiled into `mesos::types`.
const INPUTS: &[&str] = &[
    "proto/mesos/mesos.proto",
    "proto/mesos/scheduler/scheduler.proto",
    "proto/mesos/executor/executor.proto",
];

/// How an element without documentation is described (`tests/type_docs.rs` looks for it).
const UNDOCUMENTED: &str = "Not described yet:";

/// How an accessor of an unknown shape is described (`tests/type_docs.rs` looks for it).
const UNDESCRIBED_ACCESSOR: &str = "Generated accessor";

fn main() {
    println!("cargo:rerun-if-changed=proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    protobuf_codegen::Codegen::new()
        .pure()
        .includes(["proto"])
        .inputs(INPUTS)
        .cargo_out_dir("protos")
        .run_from_script();

    let docs = load_docs(INPUTS).unwrap_or_else(|e| fail(&e));
    let mut used = BTreeSet::new();
    let generated = out_dir.join("protos");
    let mut files: Vec<PathBuf> = fs::read_dir(&generated)
        .unwrap_or_else(|e| fail(&format!("reading {}: {e}", generated.display())))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    for file in files {
        let source = fs::read_to_string(&file)
            .unwrap_or_else(|e| fail(&format!("reading {}: {e}", file.display())));
        let documented = document(&source, &docs, &mut used);
        fs::write(&file, documented)
            .unwrap_or_else(|e| fail(&format!("writing {}: {e}", file.display())));
    }
    let unused: Vec<&String> = docs.keys().filter(|k| !used.contains(*k)).collect();
    if !unused.is_empty() {
        fail(&format!(
            "the .docs files describe elements the schema does not have: {unused:?}"
        ));
    }

    // mesos-sys exports the directory holding the libmesos it linked (DEP_MESOS_LIB_DIR).
    println!("cargo:rerun-if-env-changed=DEP_MESOS_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_MESOS_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        println!("cargo:rustc-link-arg=-Wl,-rpath-link,{dir}");
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// Reads the `.docs` file of every schema that has one: full element name -> text.
fn load_docs(inputs: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let mut docs = BTreeMap::new();
    for input in inputs {
        let path = Path::new(input).with_extension("docs");
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("reading {}: {e}", path.display())),
        };
        for (key, value) in parse_docs(&text).map_err(|e| format!("{}: {e}", path.display()))? {
            if docs.insert(key.clone(), value).is_some() {
                return Err(format!("{}: `{key}` is described twice", path.display()));
            }
        }
    }
    Ok(docs)
}

/// Parses one `.docs` file (format in the comment at the top of this file).
fn parse_docs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut section: Option<String> = None;
    // Index in `entries` of the text being extended and whether it is a member's.
    let mut current: Option<(usize, bool)> = None;
    for (number, line) in text.lines().enumerate() {
        let at = |m: &str| format!("line {}: {m}", number + 1);
        if line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("== ") {
            let name = name.trim().to_owned();
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(at("expected `== full.element.Name`"));
            }
            entries.push((name.clone(), String::new()));
            current = Some((entries.len() - 1, false));
            section = Some(name);
        } else if let Some(rest) = line.strip_prefix('.') {
            let Some(section) = &section else {
                return Err(at("a `.member:` line before any `== Name` line"));
            };
            let Some((member, doc)) = rest.split_once(':') else {
                return Err(at("expected `.member: text`"));
            };
            if member.is_empty() || !member.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(at("a member name is letters, digits and `_`"));
            }
            entries.push((format!("{section}.{member}"), doc.trim().to_owned()));
            current = Some((entries.len() - 1, true));
        } else {
            let Some((index, member)) = current else {
                if line.trim().is_empty() {
                    continue;
                }
                return Err(at("text before any `== Name` line"));
            };
            let text = &mut entries[index].1;
            if member {
                if line.trim().is_empty() {
                    current = None;
                    continue;
                }
                let Some(more) = line.strip_prefix("  ") else {
                    return Err(at(
                        "a member's text continues on lines indented by two spaces",
                    ));
                };
                text.push(' ');
                text.push_str(more.trim());
            } else {
                text.push_str(line.trim_end());
                text.push('\n');
            }
        }
    }
    let mut out = Vec::new();
    for (key, text) in entries {
        let text = text.trim().to_owned();
        if !text.is_empty() {
            out.push((key, text));
        }
    }
    Ok(out)
}

/// The generated source with documentation added (see the comment at the top of this file).
fn document(source: &str, docs: &BTreeMap<String, String>, used: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(source.len() * 5 / 4);
    // The field whose accessors follow, from the generator's `// optional T name = 1;` lines.
    let mut field: Option<FieldDeclaration> = None;
    // The message whose struct is being written, and whether its oneof fields come next.
    let mut message = String::new();
    let mut in_oneofs = false;
    let mut previous = "";
    for line in source.lines() {
        if line.trim() == "#![allow(missing_docs)]" {
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let trimmed = line.trim();
        if let Some(declaration) = field_declaration(trimmed) {
            field = Some(declaration);
        }
        if trimmed.starts_with("pub fn ") && !previous.trim_start().starts_with("///") {
            out.push_str(&format!(
                "{indent}/// {}\n",
                accessor_doc(trimmed, field.as_ref())
            ));
        }
        match trimmed {
            "// message oneof groups" => in_oneofs = true,
            "// special fields" => in_oneofs = false,
            _ => {}
        }
        // The struct field holding a oneof has no marker of its own: it takes the oneof's text.
        let oneof_field = trimmed
            .strip_prefix("pub ")
            .and_then(|rest| rest.split_once(':'))
            .filter(|_| in_oneofs)
            .map(|(name, _)| format!("{message}.{name}"));
        if let Some(name) = oneof_field {
            write_doc(&mut out, indent, &element_doc(docs, used, "oneof", &name));
        }
        out.push_str(line);
        out.push('\n');
        if let Some((kind, name)) = marker(trimmed) {
            if kind == "message" {
                message = name.to_owned();
            }
            let text = if kind == "special_field" {
                "Unknown fields kept from parsing, and the cached encoded size.".to_owned()
            } else {
                element_doc(docs, used, kind, name)
            };
            write_doc(&mut out, indent, &text);
        }
        previous = line;
    }
    out
}

/// The text written for element `name`, or the line saying it has none.
fn element_doc(
    docs: &BTreeMap<String, String>,
    used: &mut BTreeSet<String>,
    kind: &str,
    name: &str,
) -> String {
    match docs.get(name) {
        Some(text) => {
            used.insert(name.to_owned());
            text.clone()
        }
        None => format!("{UNDOCUMENTED} {kind} `{name}`."),
    }
}

/// Appends `text` as `///` lines.
fn write_doc(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
}

/// `(kind, full name)` of a `// @@protoc_insertion_point(kind:full.name)` line.
fn marker(line: &str) -> Option<(&str, &str)> {
    let inner = line
        .strip_prefix("// @@protoc_insertion_point(")?
        .strip_suffix(')')?;
    inner.split_once(':')
}

/// The field a generator comment like `// optional .mesos.TaskID task_id = 1;` announces.
struct FieldDeclaration {
    /// The name in the schema (`type`).
    proto: String,
    /// The name of the Rust struct field (`type_`: the generator appends `_` to keywords).
    rust: String,
    /// The declaration, without the `;`.
    declaration: String,
}

fn field_declaration(line: &str) -> Option<FieldDeclaration> {
    let declaration = line.strip_prefix("// ")?.strip_suffix(';')?;
    let (left, number) = declaration.rsplit_once(" = ")?;
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let name = left.rsplit(' ').next()?;
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let rust = match name {
        "type" | "match" | "mod" | "move" | "ref" | "self" | "super" | "static" | "use"
        | "where" | "loop" | "fn" | "impl" | "in" | "let" | "mut" | "pub" | "return" | "struct"
        | "trait" | "true" | "false" | "while" | "for" | "if" | "else" | "enum" | "extern"
        | "const" | "crate" | "break" | "continue" | "as" | "dyn" | "async" | "await" | "box"
        | "final" | "macro" | "override" | "priv" | "typeof" | "unsized" | "virtual" | "yield"
        | "try" | "abstract" | "become" | "do" => {
            format!("{name}_")
        }
        _ => name.to_owned(),
    };
    Some(FieldDeclaration {
        proto: name.to_owned(),
        rust,
        declaration: declaration.to_owned(),
    })
}

/// What a generated accessor does, from its name and the field it belongs to.
fn accessor_doc(line: &str, field: Option<&FieldDeclaration>) -> String {
    let name = line["pub fn ".len()..]
        .split(['(', '<'])
        .next()
        .unwrap_or_default();
    if name == "new" {
        return "A message with no field set (the same as `Default::default()`).".to_owned();
    }
    if let Some(field) = field {
        let about = format!("`{}` (`{}`)", field.rust, field.declaration);
        // The generator spells accessors with either name (`clear_type_`, `has_type`).
        let is = |prefix: &str| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest == field.rust || rest == field.proto)
        };
        if is("") {
            return format!("The value of {about}, or the field's default when it is unset.");
        }
        if is("clear_") {
            return format!("Unsets {about}.");
        }
        if is("has_") {
            return format!("Whether {about} is set.");
        }
        if is("set_") {
            return format!("Sets {about}.");
        }
        if is("mut_") {
            return format!("A mutable reference to {about}, set to its default first when unset.");
        }
        if is("take_") {
            return format!(
                "Moves the value of {about} out, leaving the field unset (the default when it was unset)."
            );
        }
    }
    format!("{UNDESCRIBED_ACCESSOR} `{name}`.")
}
