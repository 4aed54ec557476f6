//! Finds libmesos, compiles the C shim in `cbits/` against its headers, and links both.
//!
//! Search order (the first that is set or found wins, and the build says which):
//! 1. `MESOS_INCLUDE_DIR` + `MESOS_LIB_DIR`, or `MESOS_HOME` (`include/` and `lib/` below it);
//! 2. `pkg-config mesos`;
//! 3. the mesos-rs dev kit: `MESOS_DEVKIT_DIR`, else `$XDG_CACHE_HOME/mesos-rs/devkit`,
//!    else `~/.cache/mesos-rs/devkit`.
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
}

const SHIM_SOURCES: &[&str] = &["common.cpp", "scheduler.cpp", "executor.cpp"];

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
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let cbits = manifest.join("cbits");
    println!("cargo:rerun-if-changed={}", cbits.display());

    println!("cargo::rustc-check-cfg=cfg(mesos_sys_no_link)");
    if env::var_os("MESOS_SYS_NO_LINK").is_some() || env::var_os("DOCS_RS").is_some() {
        println!("cargo:rustc-cfg=mesos_sys_no_link");
        println!("cargo:warning=mesos-sys: MESOS_SYS_NO_LINK/DOCS_RS set; not linking libmesos");
        return;
    }

    let mut tried = Vec::new();
    let found = from_env(&mut tried)
        .or_else(|| from_pkg_config(&mut tried))
        .or_else(|| from_devkit(&mut tried))
        .unwrap_or_else(|| not_found(&tried));

    println!(
        "cargo:warning=mesos-sys: using libmesos from {} (include {}, lib {})",
        found.how,
        found.include.display(),
        found.lib.display()
    );
    if let Ok(stamp) = fs::metadata(found.lib.join("libmesos.so")).and_then(|m| m.modified()) {
        // Rebuild when the library is replaced (e.g. a re-provisioned dev kit).
        let _ = stamp;
        println!(
            "cargo:rerun-if-changed={}",
            found.lib.join("libmesos.so").display()
        );
    }

    check_executor_symbol_names(&found.include, &cbits);

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
    for src in SHIM_SOURCES {
        build.file(cbits.join(src));
    }
    build.compile("mesos_shim");

    println!("cargo:rustc-link-search=native={}", found.lib.display());
    println!("cargo:rustc-link-lib=dylib=mesos");
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
    if let Err(e) = valid(&include, &lib) {
        // An explicit choice that does not work is an error, not a reason to look elsewhere.
        not_found_msg(&format!("{how} was set but {e}"));
    }
    Some(Found { include, lib, how })
}

fn from_pkg_config(tried: &mut Vec<String>) -> Option<Found> {
    match pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("mesos")
    {
        Ok(lib) => {
            let include = lib.include_paths.first().cloned();
            let libdir = lib.link_paths.first().cloned();
            match (include, libdir) {
                (Some(i), Some(l)) if valid(&i, &l).is_ok() => Some(Found {
                    include: i,
                    lib: l,
                    how: format!("pkg-config mesos {}", lib.version),
                }),
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
    match valid(&include, &lib) {
        Ok(()) => Some(Found {
            include,
            lib,
            how: format!("the mesos-rs dev kit at {}", dir.display()),
        }),
        Err(e) => {
            tried.push(format!("the mesos-rs dev kit at {}: {e}", dir.display()));
            None
        }
    }
}

fn not_found(tried: &[String]) -> ! {
    let mut msg = String::from(
        "could not find libmesos (the Mesos 1.11 C++ library and headers).\nLooked for:\n",
    );
    for t in tried {
        msg.push_str(&format!("  - {t}\n"));
    }
    not_found_msg(&msg)
}

fn not_found_msg(reason: &str) -> ! {
    eprintln!(
        "\nerror: mesos-sys: {reason}\n
To fix it, do one of:
  * provision the mesos-rs dev kit (a real libmesos 1.11.0 for development and tests;
    Debian/Ubuntu, needs python3 and network access to your Python package index):
        python3 devkit/provision.py          # from a checkout of mesos-rs
  * point the build at a Mesos installation (its include/ and lib/ directories):
        MESOS_HOME=/opt/mesos cargo build
        MESOS_INCLUDE_DIR=/opt/mesos/include MESOS_LIB_DIR=/opt/mesos/lib cargo build
  * install Mesos so that `pkg-config mesos` finds it (or add its .pc file to PKG_CONFIG_PATH)
  * only building documentation? set MESOS_SYS_NO_LINK=1
See docs/devkit.md for details.\n"
    );
    std::process::exit(1);
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
