//! Finds libmesos, compiles the C shim in `cbits/` against its headers, and links both.
//!
//! Search order (the first that is set or found wins, and the build says which):
//! 1. `MESOS_INCLUDE_DIR` + `MESOS_LIB_DIR`, or `MESOS_HOME` (`include/` and `lib/` below it);
//! 2. `pkg-config mesos`;
//! 3. the mesos-rs dev kit: `MESOS_DEVKIT_DIR`, else `$XDG_CACHE_HOME/mesos-rs/devkit`,
//!    else `~/.cache/mesos-rs/devkit`; made by `python3 devkit/provision.py`, which ships in
//!    this package (the error for a missing libmesos prints the command with its full path).
//!
//! Each candidate must be a supported Mesos release, 1.5 to 1.11 (the ones mesos-rs is tested
//! with): its `mesos/version.hpp` (and for pkg-config the package version) is read, and a
//! candidate of another version is an error naming the version found and the supported range
//! (for an explicit `MESOS_HOME` or `MESOS_INCLUDE_DIR`), or is passed over with a warning
//! (pkg-config).
//!
//! The shim is compiled against that version's own headers (it adapts to the three shapes of
//! the scheduler driver API with `#if` on `MESOS_*_VERSION_NUM`), and the version is handed on:
//! to dependents' build scripts as `DEP_MESOS_VERSION` (and `DEP_MESOS_VERSION_NUM`, e.g.
//! `10900` for 1.9.0), to this crate as the `cfg`s `mesos_at_least_1_X` (one per supported minor
//! release up to the linked one) and the constant `LINKED_MESOS_VERSION`.
//!
//! The build prints nothing when it succeeds, unless a candidate was passed over or
//! `MESOS_SYS_VERBOSE` is set: then it says where libmesos came from.
//!
//! `MESOS_SYS_NO_LINK=1` (also set automatically on docs.rs) skips all of it, for building
//! documentation on a machine without libmesos.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Found {
    include: PathBuf,
    lib: PathBuf,
    how: String,
    version: String,
    /// The dev kit's root, when that is what was found.
    devkit: Option<PathBuf>,
}

/// The oldest and the newest Mesos release mesos-rs supports (every patch release of each minor
/// release in between; the ones it is tested with).
const OLDEST: (u32, u32) = (1, 5);
const NEWEST: (u32, u32) = (1, 11);

const SHIM_SOURCES: &[&str] = &["common.cpp", "scheduler.cpp", "executor.cpp", "logging.cpp"];

fn main() {
    for var in [
        "MESOS_HOME",
        "MESOS_INCLUDE_DIR",
        "MESOS_LIB_DIR",
        "MESOS_DEVKIT_DIR",
        "XDG_CACHE_HOME",
        "HOME",
        "MESOS_SYS_NO_LINK",
        "DOCS_RS",
        "PKG_CONFIG_PATH",
        "MESOS_SYS_VERBOSE",
        "NM",
        "READELF",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let cbits = manifest.join("cbits");
    println!("cargo:rerun-if-changed={}", cbits.display());

    let verbose = env::var_os("MESOS_SYS_VERBOSE").is_some_and(|v| !v.is_empty() && v != "0");
    if env::var_os("MESOS_SYS_NO_LINK").is_some() || env::var_os("DOCS_RS").is_some() {
        // Documentation describes the newest release.
        announce_version(&format!("{}.{}.0", NEWEST.0, NEWEST.1));
        if verbose {
            println!(
                "cargo:warning=mesos-sys: MESOS_SYS_NO_LINK/DOCS_RS set; not linking libmesos"
            );
        }
        return;
    }

    let mut tried = Vec::new();
    let mut passed_over = Vec::new();
    let found = from_env(&mut tried)
        .or_else(|| from_pkg_config(&mut tried, &mut passed_over))
        .or_else(|| from_devkit(&mut tried))
        .unwrap_or_else(|| not_found(&tried));

    if verbose || !passed_over.is_empty() {
        for t in &passed_over {
            println!("cargo:warning=mesos-sys: passed over {t}");
        }
        println!(
            "cargo:warning=mesos-sys: using libmesos {} from {} (include {}, lib {})",
            found.version,
            found.how,
            found.include.display(),
            found.lib.display()
        );
    }
    // Rebuild when the library or its version changes (e.g. a re-provisioned dev kit).
    println!(
        "cargo:rerun-if-changed={}",
        found.lib.join("libmesos.so").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        found.include.join("mesos").join("version.hpp").display()
    );

    announce_version(&found.version);
    check_executor_symbol_names(&found.include, &cbits);
    let glog = glog_linkage(&found.lib);
    if verbose {
        println!("cargo:warning=mesos-sys: glog: {}", glog.describe());
    }
    if let Glog::Missing(why) = &glog {
        println!(
            "cargo:warning=mesos-sys: libmesos' log lines cannot be routed ({why}); \
             they stay where libmesos' own flags send them"
        );
    }

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++14")
        .include(&cbits)
        // The Mesos and protobuf headers are third-party: keep their warnings out of ours.
        .flag("-isystem")
        .flag(found.include.to_str().expect("include dir is not UTF-8"))
        .flag_if_supported("-Wno-unused-parameter")
        .define("MESOS_RS_SHIM", None);
    if matches!(glog, Glog::Missing(_)) {
        build.define("MESOS_RS_NO_GLOG", None);
    }
    for src in SHIM_SOURCES {
        build.file(cbits.join(src));
    }
    build.compile("mesos_shim");

    println!("cargo:rustc-link-search=native={}", found.lib.display());
    println!("cargo:rustc-link-lib=dylib=mesos");
    if let Glog::Separate(_, dirs) = &glog {
        // libmesos needs libglog itself; the shim refers to glog's names directly, so it is
        // linked explicitly (a linker that does not follow libmesos' own dependencies would
        // otherwise fail), from where libmesos or pkg-config found it.
        for dir in dirs {
            println!("cargo:rustc-link-search=native={}", dir.display());
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
        }
        println!("cargo:rustc-link-lib=dylib:+verbatim={}", glog.name());
    }
    // This crate's own tests and examples find libmesos without LD_LIBRARY_PATH; dependents
    // get the directory as DEP_MESOS_LIB_DIR and do the same in their build scripts.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", found.lib.display());
    println!(
        "cargo:rustc-link-arg=-Wl,-rpath-link,{}",
        found.lib.display()
    );
    println!("cargo:include={}", found.include.display());
    println!("cargo:lib_dir={}", found.lib.display());
    println!("cargo:source={}", found.how);
    println!("cargo:version={}", found.version);
    // And for this crate itself (mesos_sys::linked): which libmesos the shim was built with.
    println!("cargo:rustc-env=MESOS_SYS_SOURCE={}", found.how);
    println!("cargo:rustc-env=MESOS_SYS_LIB_DIR={}", found.lib.display());
    println!("cargo:rustc-env=MESOS_SYS_MESOS_VERSION={}", found.version);
    if let Some(kit) = &found.devkit {
        println!("cargo:devkit={}", kit.display());
        println!("cargo:rustc-env=MESOS_SYS_DEVKIT_DIR={}", kit.display());
    }
}

/// The version in `<include>/mesos/version.hpp` (`#define MESOS_VERSION "1.11.0"`).
fn header_version(include: &Path) -> Result<String, String> {
    let path = include.join("mesos").join("version.hpp");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("#define MESOS_VERSION"))
        .find_map(|rest| {
            let rest = rest.trim();
            rest.strip_prefix('"')?.split('"').next().map(str::to_owned)
        })
        .ok_or_else(|| format!("{} defines no MESOS_VERSION", path.display()))
}

/// `"1.9.0"` as `(1, 9, 0)`; `None` for anything else.
fn parse_version(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Some(major)), Some(Some(minor)), patch, None) => {
            Some((major, minor, patch.flatten().unwrap_or(0)))
        }
        _ => None,
    }
}

/// Whether `version` ("1.11.0") is one mesos-rs supports.
fn supported(version: &str) -> bool {
    parse_version(version)
        .is_some_and(|(major, minor, _)| (major, minor) >= OLDEST && (major, minor) <= NEWEST)
}

fn unsupported(what: &str, version: &str) -> String {
    format!(
        "{what} is Mesos {version}, but mesos-rs supports Mesos {}.{} to {}.{} (the releases it \
         is tested with)",
        OLDEST.0, OLDEST.1, NEWEST.0, NEWEST.1
    )
}

/// Tells Rust which libmesos the shim was built against: `cfg`s for this crate, the numeric
/// version for dependents' build scripts, and a generated constant.
fn announce_version(version: &str) {
    let (major, minor, patch) = parse_version(version).expect("a supported version parses");
    for m in OLDEST.1..=NEWEST.1 {
        println!("cargo:rustc-check-cfg=cfg(mesos_at_least_1_{m})");
        if (major, minor) >= (1, m) {
            println!("cargo:rustc-cfg=mesos_at_least_1_{m}");
        }
    }
    println!("cargo:version_num={}", major * 10000 + minor * 100 + patch);
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(
        out.join("linked_version.rs"),
        format!(
            "/// The Mesos release of the headers the shim was compiled against, as\n\
             /// `(major, minor, patch)`.\n\
             pub const LINKED_MESOS_VERSION: (u32, u32, u32) = ({major}, {minor}, {patch});\n"
        ),
    )
    .unwrap();
}

fn valid(include: &Path, lib: &Path) -> Result<(), String> {
    let header = include.join("mesos").join("scheduler.hpp");
    if !header.is_file() {
        return Err(format!("{} does not exist", header.display()));
    }
    let so = lib.join("libmesos.so");
    if !so.exists() {
        return Err(format!("{} does not exist", so.display()));
    }
    Ok(())
}

fn from_env(tried: &mut Vec<String>) -> Option<Found> {
    let (include, lib, how) = match (
        env::var_os("MESOS_INCLUDE_DIR"),
        env::var_os("MESOS_LIB_DIR"),
    ) {
        (Some(i), Some(l)) => (
            PathBuf::from(i),
            PathBuf::from(l),
            "MESOS_INCLUDE_DIR/MESOS_LIB_DIR".to_string(),
        ),
        (Some(_), None) | (None, Some(_)) => {
            not_found_msg("set both MESOS_INCLUDE_DIR and MESOS_LIB_DIR, or MESOS_HOME");
        }
        (None, None) => match env::var_os("MESOS_HOME") {
            Some(home) => {
                let home = PathBuf::from(home);
                let lib = if home.join("lib64").join("libmesos.so").exists() {
                    home.join("lib64")
                } else {
                    home.join("lib")
                };
                (
                    home.join("include"),
                    lib,
                    format!("MESOS_HOME={}", home.display()),
                )
            }
            None => {
                tried.push("MESOS_HOME / MESOS_INCLUDE_DIR + MESOS_LIB_DIR: not set".into());
                return None;
            }
        },
    };
    // An explicit choice that does not work is an error, not a reason to look elsewhere.
    if let Err(e) = valid(&include, &lib) {
        not_found_msg(&format!("{how} was set but {e}"));
    }
    let version = header_version(&include)
        .unwrap_or_else(|e| not_found_msg(&format!("{how} was set but {e}")));
    if !supported(&version) {
        not_found_msg(&unsupported(
            &format!("{how} (its mesos/version.hpp)"),
            &version,
        ));
    }
    Some(Found {
        include,
        lib,
        how,
        version,
        devkit: None,
    })
}

fn from_pkg_config(tried: &mut Vec<String>, passed_over: &mut Vec<String>) -> Option<Found> {
    match pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("mesos")
    {
        Ok(lib) => {
            let include = lib.include_paths.first().cloned();
            let libdir = lib.link_paths.first().cloned();
            match (include, libdir) {
                (Some(i), Some(l)) if valid(&i, &l).is_ok() => {
                    let how = format!("pkg-config mesos ({})", l.display());
                    let version = header_version(&i).unwrap_or_else(|_| lib.version.clone());
                    if !supported(&lib.version) || !supported(&version) {
                        let shown = if supported(&lib.version) {
                            &version
                        } else {
                            &lib.version
                        };
                        tried.push(unsupported(&how, shown));
                        passed_over.push(unsupported(&how, shown));
                        return None;
                    }
                    Some(Found {
                        include: i,
                        lib: l,
                        how,
                        version,
                        devkit: None,
                    })
                }
                _ => {
                    tried.push(
                        "pkg-config mesos: found, but without usable include/lib dirs".into(),
                    );
                    None
                }
            }
        }
        Err(e) => {
            let text = e.to_string();
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("not found")
                .to_string();
            tried.push(format!("pkg-config mesos: {first}"));
            None
        }
    }
}

fn devkit_dir() -> Option<PathBuf> {
    if let Some(dir) = env::var_os("MESOS_DEVKIT_DIR") {
        return Some(PathBuf::from(dir));
    }
    let cache = match env::var_os("XDG_CACHE_HOME") {
        Some(c) if !c.is_empty() => PathBuf::from(c),
        _ => PathBuf::from(env::var_os("HOME")?).join(".cache"),
    };
    Some(cache.join("mesos-rs").join("devkit"))
}

fn from_devkit(tried: &mut Vec<String>) -> Option<Found> {
    let dir = devkit_dir()?;
    let include = dir.join("include");
    let lib = dir.join("lib");
    let how = format!("the mesos-rs dev kit at {}", dir.display());
    match valid(&include, &lib).and_then(|()| header_version(&include)) {
        Ok(version) if supported(&version) => Some(Found {
            include,
            lib,
            how,
            version,
            devkit: Some(dir),
        }),
        Ok(version) => {
            tried.push(unsupported(&how, &version));
            None
        }
        Err(e) => {
            tried.push(format!("the mesos-rs dev kit at {}: {e}", dir.display()));
            None
        }
    }
}

fn not_found(tried: &[String]) -> ! {
    let mut msg = String::from(
        "could not find libmesos (the Mesos C++ library and headers, 1.5 to 1.11).\nLooked for:\n",
    );
    for t in tried {
        msg.push_str(&format!("  - {t}\n"));
    }
    not_found_msg(&msg)
}

fn not_found_msg(reason: &str) -> ! {
    // The provisioner ships inside this package: the command names it where cargo put these
    // sources (a checkout, or the unpacked package in cargo's registry cache).
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let provision = shell_quote(&Path::new(&manifest).join("devkit").join("provision.py"));
    let kit = devkit_dir().map_or_else(
        || "~/.cache/mesos-rs/devkit".to_owned(),
        |d| d.display().to_string(),
    );
    eprintln!(
        "\nerror: mesos-sys: {reason}\n
To fix it, do one of:
  * provision the mesos-rs dev kit (a real libmesos 1.11.0 made from pinned artifacts of
    your Python package index) into {kit},
    where this build looks for it, then build again (Debian/Ubuntu with python3; run it as
    root, or install the Debian packages it lists first):
        python3 {provision}
    (another release with --mesos-version X.Y.Z, then MESOS_DEVKIT_DIR=<the prefix it prints>)
  * point the build at a Mesos installation (its include/ and lib/ directories):
        MESOS_HOME=/opt/mesos cargo build
        MESOS_INCLUDE_DIR=/opt/mesos/include MESOS_LIB_DIR=/opt/mesos/lib cargo build
  * point it at a dev kit provisioned elsewhere (--prefix DIR): MESOS_DEVKIT_DIR=DIR cargo build
  * install Mesos so that `pkg-config mesos` finds it (or add its .pc file to PKG_CONFIG_PATH)
  * only building documentation? set MESOS_SYS_NO_LINK=1
See mesos-sys' README.md (next to the provisioner's devkit/ folder) and docs/devkit.md of
mesos-rs for details.\n"
    );
    std::process::exit(1);
}

/// `path` as one word for a POSIX shell (quoted only when it has to be).
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=@%:,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The executor shim refers to MesosExecutorDriver's constructors by their mangled names (so
/// that a libmesos without them still links). Check, with the same compiler and headers, that
/// those names are what the compiler itself produces for the constructors.
fn check_executor_symbol_names(include: &Path, cbits: &Path) {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let probe = out.join("executor_probe.cpp");
    fs::write(
        &probe,
        "#include <mesos/executor.hpp>\n\
         mesos::ExecutorDriver* a(mesos::Executor* e) { return new mesos::MesosExecutorDriver(e); }\n\
         mesos::ExecutorDriver* b(mesos::Executor* e, const std::map<std::string, std::string>& m)\n\
         { return new mesos::MesosExecutorDriver(e, m); }\n",
    )
    .unwrap();
    let object = out.join("executor_probe.o");
    let compiler = cc::Build::new().cpp(true).std("c++14").get_compiler();
    let status = Command::new(compiler.path())
        .args(["-c", "-w", "-isystem"])
        .arg(include)
        .arg(&probe)
        .arg("-o")
        .arg(&object)
        .status();
    let Ok(status) = status else { return };
    if !status.success() {
        println!("cargo:warning=mesos-sys: could not compile the executor symbol probe");
        return;
    }
    let bytes = fs::read(&object).unwrap_or_default();
    let source = fs::read_to_string(cbits.join("executor.cpp")).unwrap_or_default();
    let names = asm_labels(&source);
    assert_eq!(
        names.len(),
        2,
        "mesos-sys: expected two asm labels in cbits/executor.cpp"
    );
    for name in names {
        if !contains(&bytes, name.as_bytes()) {
            panic!(
                "mesos-sys: this compiler names a MesosExecutorDriver constructor differently \
                 from the shim's asm label {name}; update cbits/executor.cpp"
            );
        }
    }
}

/// The symbol names given in `__asm__("...")` labels, adjacent string literals joined.
fn asm_labels(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(pos) = rest.find("__asm__(") {
        rest = &rest[pos + "__asm__(".len()..];
        let end = rest.find(')').unwrap_or(rest.len());
        let mut name = String::new();
        for (i, part) in rest[..end].split('"').enumerate() {
            if i % 2 == 1 {
                name.push_str(part);
            }
        }
        names.push(name);
        rest = &rest[end..];
    }
    names
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Where glog's symbols come from for the shim's log sink (cbits/logging.cpp).
enum Glog {
    /// libmesos exports them itself (glog linked statically into it, as in the dev kit).
    Inside,
    /// libmesos links a separate libglog (its `NEEDED` name); it is linked too, searched in
    /// these directories (none: the linker's default ones).
    Separate(String, Vec<PathBuf>),
    /// Neither, or a glog whose `LogSink` differs from glog 0.4's: the sink is left out.
    Missing(String),
}

impl Glog {
    fn name(&self) -> &str {
        match self {
            Glog::Separate(name, _) => name,
            _ => "",
        }
    }

    fn describe(&self) -> String {
        match self {
            Glog::Inside => "inside libmesos".into(),
            Glog::Separate(name, dirs) if dirs.is_empty() => format!("{name} (default path)"),
            Glog::Separate(name, dirs) => format!(
                "{name} from {}",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Glog::Missing(why) => format!("not available: {why}"),
        }
    }
}

/// Where the dynamic loader looks by default (no run path needed).
const SYSTEM_LIB_DIRS: &[&str] = &[
    "/usr/local/lib",
    "/usr/lib64",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib",
];

/// The names the sink needs: `google::AddLogSink`, and `LogSink::send` with the signature of
/// glog 0.4 (Mesos 1.11's bundled version), whose vtable layout the shim declares.
const ADD_LOG_SINK: &str = "_ZN6google10AddLogSinkEPNS_7LogSinkE";
const SEND_04: &str = "_ZN6google7LogSink4sendEiPKcS2_iPK2tmS2_mi";
/// glog 0.6's `send` taking a `LogMessageTime`: another vtable layout.
const SEND_06: &str = "LogMessageTime";

/// The dynamic symbols `library` defines, by `nm -D --defined-only` (binutils, which the C++
/// build needs anyway for `ar`); `None` when nm cannot be run.
fn defined_symbols(library: &Path) -> Option<String> {
    let nm = env::var("NM").unwrap_or_else(|_| "nm".into());
    let out = Command::new(nm)
        .args(["-D", "--defined-only"])
        .arg(library)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `NEEDED` entries of `library`, by `readelf -d`.
fn needed(library: &Path) -> Vec<String> {
    let readelf = env::var("READELF").unwrap_or_else(|_| "readelf".into());
    let Ok(out) = Command::new(readelf).arg("-d").arg(library).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split('[').nth(1)?.split(']').next()?.to_owned()))
        .collect()
}

fn glog_layout(symbols: &str) -> Result<(), String> {
    if symbols.contains(SEND_06) || !symbols.contains(SEND_04) {
        Err("its glog::LogSink is not glog 0.4's (the layout the shim declares)".into())
    } else {
        Ok(())
    }
}

fn glog_linkage(lib: &Path) -> Glog {
    let libmesos = lib.join("libmesos.so");
    let Some(symbols) = defined_symbols(&libmesos) else {
        // Without nm, assume the common case (glog inside libmesos); a wrong guess fails the
        // link with glog's names, which says what is missing.
        return Glog::Inside;
    };
    if symbols.contains(ADD_LOG_SINK) {
        return match glog_layout(&symbols) {
            Ok(()) => Glog::Inside,
            Err(e) => Glog::Missing(format!("libmesos exports glog, but {e}")),
        };
    }
    let Some(name) = needed(&libmesos)
        .into_iter()
        .find(|n| n.starts_with("libglog.so"))
    else {
        return Glog::Missing("libmesos neither exports glog nor links libglog".into());
    };
    // Where is that libglog? Next to libmesos, through pkg-config, or in the default path.
    let mut dirs = Vec::new();
    let mut candidates = vec![lib.join(&name)];
    if let Ok(pc) = pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("libglog")
    {
        for dir in pc.link_paths {
            candidates.push(dir.join(&name));
            dirs.push(dir);
        }
    }
    for dir in SYSTEM_LIB_DIRS {
        candidates.push(Path::new(dir).join(&name));
    }
    let Some(found) = candidates.into_iter().find(|c| c.exists()) else {
        return Glog::Missing(format!("libmesos links {name}, which was not found"));
    };
    if let Some(symbols) = defined_symbols(&found) {
        if let Err(e) = glog_layout(&symbols) {
            return Glog::Missing(format!("{}: {e}", found.display()));
        }
    }
    let dir = found.parent().map(Path::to_path_buf).unwrap_or_default();
    if !dirs.contains(&dir) && !SYSTEM_LIB_DIRS.iter().any(|d| Path::new(d) == dir) {
        dirs.insert(0, dir);
    }
    Glog::Separate(name, dirs)
}
