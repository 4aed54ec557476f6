//! The build script, run by cargo as users run it: silent when it finds a supported
//! libmesos, talkative when asked (`MESOS_SYS_VERBOSE`) or when it passed over a candidate,
//! and refusing a libmesos of another version with the version it found.
//!
//! Builds happen in a target directory of their own (`target/` next to this package's
//! manifest), so the regular build is not disturbed; they need the dev kit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn package() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo build` of this package with the given environment (and nothing of the caller's that
/// points the build at a libmesos).
fn build(env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(package())
        .args(["build", "--color", "never", "--manifest-path"])
        .arg(package().join("Cargo.toml"))
        .env(
            "CARGO_TARGET_DIR",
            package().join("target").join("build-script-tests"),
        );
    for var in [
        "MESOS_HOME",
        "MESOS_INCLUDE_DIR",
        "MESOS_LIB_DIR",
        "MESOS_SYS_VERBOSE",
        "MESOS_SYS_NO_LINK",
        "DOCS_RS",
        "PKG_CONFIG_PATH",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output { status, stderr, .. } = cmd.output().expect("running cargo");
    (
        status.success(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// The dev kit's root, where the default search finds it; `None` (after printing why the
/// calling test is skipped) when the linked libmesos is another one, e.g. a real installation
/// given with `MESOS_HOME`: these tests build against the kit's library and expect the
/// default search to end at the kit.
fn devkit(test: &str) -> Option<PathBuf> {
    match mesos_sys::linked::DEVKIT_DIR {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            println!(
                "SKIPPED {test}: the linked libmesos is not the mesos-rs dev kit ({}); this test \
                 builds against the kit's",
                mesos_sys::linked::SOURCE.unwrap_or("source unknown")
            );
            None
        }
    }
}

/// A directory laid out like a Mesos installation whose `mesos/version.hpp` says `version`;
/// its library is the dev kit's.
fn fake_install(kit: &Path, version: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let include = home.path().join("include").join("mesos");
    std::fs::create_dir_all(&include).unwrap();
    std::fs::write(include.join("scheduler.hpp"), "// stand-in\n").unwrap();
    std::fs::write(
        include.join("version.hpp"),
        format!("#define MESOS_VERSION \"{version}\"\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(kit.join("lib"), home.path().join("lib")).unwrap();
    home
}

fn mesos_sys_warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: mesos-sys@"))
        .collect()
}

#[test]
fn a_successful_build_is_silent_unless_asked() {
    let Some(kit) = devkit("a_successful_build_is_silent_unless_asked") else {
        return;
    };
    // Releases whose libmesos carries glog 0.4's LogSink (1.9 on) can route its log lines, and
    // then the build is silent; older ones cannot, and the build says so, once.
    let sink = glog_04_sink(&kit);
    let (ok, stderr) = build(&[]);
    assert!(ok, "{stderr}");
    let said = mesos_sys_warnings(&stderr);
    if sink {
        assert_eq!(said, Vec::<&str>::new(), "{stderr}");
    } else {
        assert_eq!(said.len(), 1, "{stderr}");
        assert!(
            said[0].contains("libmesos' log lines cannot be routed"),
            "{stderr}"
        );
    }

    let (ok, stderr) = build(&[("MESOS_SYS_VERBOSE", "1")]);
    assert!(ok, "{stderr}");
    let said = mesos_sys_warnings(&stderr);
    let first = said
        .iter()
        .position(|l| l.contains("using libmesos"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        said[first].contains(&format!(
            "using libmesos {} from the mesos-rs dev kit at {}",
            linked_version(),
            kit.display()
        )),
        "{stderr}"
    );
    if sink {
        assert_eq!(said.len(), 2, "{stderr}");
        // The kit's libmesos carries glog (0.4's LogSink) itself: no libglog to link.
        assert!(
            said[first + 1].contains("glog: inside libmesos"),
            "{stderr}"
        );
    } else {
        assert!(
            said.iter().any(|l| l.contains("glog: not available")),
            "{stderr}"
        );
    }
}

/// Whether the kit's libmesos defines glog 0.4's `LogSink::send` (what the log sink needs).
fn glog_04_sink(kit: &Path) -> bool {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(kit.join("lib").join("libmesos.so"))
        .output()
        .expect("running nm");
    String::from_utf8_lossy(&out.stdout).contains("_ZN6google7LogSink4sendEiPKcS2_iPK2tmS2_mi")
}

/// The Mesos release of the linked libmesos (the kit's), e.g. `1.9.0`.
fn linked_version() -> &'static str {
    mesos_sys::linked::VERSION.expect("built with libmesos")
}

#[test]
fn an_explicit_libmesos_of_an_unsupported_version_is_refused_with_the_range() {
    let Some(kit) =
        devkit("an_explicit_libmesos_of_an_unsupported_version_is_refused_with_the_range")
    else {
        return;
    };
    for version in ["1.3.2", "1.12.0"] {
        let home = fake_install(&kit, version);
        let home_dir = home.path().to_str().unwrap();
        let (ok, stderr) = build(&[("MESOS_HOME", home_dir)]);
        assert!(!ok, "a {version} installation must not build: {stderr}");
        assert!(
            stderr.contains(&format!(
                "MESOS_HOME={home_dir} (its mesos/version.hpp) is Mesos {version}"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("supports Mesos 1.5 to 1.11"), "{stderr}");

        let include = home.path().join("include");
        let lib = home.path().join("lib");
        let (ok, stderr) = build(&[
            ("MESOS_INCLUDE_DIR", include.to_str().unwrap()),
            ("MESOS_LIB_DIR", lib.to_str().unwrap()),
        ]);
        assert!(!ok, "{stderr}");
        assert!(stderr.contains(&format!("is Mesos {version}")), "{stderr}");
    }
}

/// A `MESOS_HOME` laid out as `make install` of the linked release writes it: headers under
/// include/ (its version.hpp with the string macros and the integer `_NUM` ones), the library
/// as lib/libmesos-X.Y.Z.so with a libmesos.so link, a pkg-config file. The shim compiles
/// against it (its version checks read the `_NUM` macros) and the build says so.
#[test]
fn a_make_install_layout_of_the_linked_release_is_accepted() {
    let Some(kit) = devkit("a_make_install_layout_of_the_linked_release_is_accepted") else {
        return;
    };
    let version = linked_version();
    let home = tempfile::tempdir().unwrap();
    let include = home.path().join("include");
    let lib = home.path().join("lib");
    std::fs::create_dir_all(lib.join("pkgconfig")).unwrap();
    copy_tree(&kit.join("include"), &include);
    let header = std::fs::read_to_string(include.join("mesos").join("version.hpp")).unwrap();
    let (major, minor) = {
        let mut parts = version.split('.');
        (parts.next().unwrap(), parts.next().unwrap())
    };
    for (name, value) in [
        ("MESOS_VERSION", format!("\"{version}\"")),
        ("MESOS_MAJOR_VERSION", format!("\"{major}\"")),
        ("MESOS_MINOR_VERSION", format!("\"{minor}\"")),
        ("MESOS_MINOR_VERSION_NUM", minor.to_string()),
    ] {
        assert!(
            header.contains(&format!("#define {name} {value}\n")),
            "the kit's version.hpp must define {name} as an installation does: {header}"
        );
    }
    let so = format!("libmesos-{version}.so");
    std::os::unix::fs::symlink(kit.join("lib").join(&so), lib.join(&so)).unwrap();
    std::os::unix::fs::symlink(&so, lib.join("libmesos.so")).unwrap();
    let home_dir = home.path().to_str().unwrap();
    let (ok, stderr) = build(&[("MESOS_HOME", home_dir), ("MESOS_SYS_VERBOSE", "1")]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "using libmesos {version} from MESOS_HOME={home_dir}"
        )),
        "{stderr}"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// pkg-config is only a candidate: one of another version is passed over (with a warning
/// saying so) and the search goes on, here to the dev kit.
#[test]
fn a_pkg_config_libmesos_of_another_version_is_passed_over() {
    let Some(kit) = devkit("a_pkg_config_libmesos_of_another_version_is_passed_over") else {
        return;
    };
    let home = fake_install(&kit, "1.12.0");
    let pc = tempfile::tempdir().unwrap();
    std::fs::write(
        pc.path().join("mesos.pc"),
        format!(
            "prefix={}\nlibdir=${{prefix}}/lib\nincludedir=${{prefix}}/include\n\n\
             Name: mesos\nDescription: test\nVersion: 1.12.0\n\
             Libs: -L${{libdir}} -lmesos\nCflags: -I${{includedir}}\n",
            home.path().display()
        ),
    )
    .unwrap();
    let (ok, stderr) = build(&[("PKG_CONFIG_PATH", pc.path().to_str().unwrap())]);
    assert!(ok, "{stderr}");
    let said = mesos_sys_warnings(&stderr);
    assert!(
        said.iter()
            .any(|l| l.contains("passed over pkg-config mesos") && l.contains("is Mesos 1.12.0")),
        "{stderr}"
    );
    assert!(
        said.iter().any(|l| l.contains("from the mesos-rs dev kit")),
        "{stderr}"
    );
}

/// With no libmesos anywhere, the build stops and prints the provisioner's command with the
/// path where these sources are (a checkout or the unpacked package): a file that exists.
#[test]
fn a_missing_libmesos_names_the_provisioner_inside_this_package() {
    let nowhere = tempfile::tempdir().unwrap();
    let kit = nowhere.path().join("no-kit");
    let (ok, stderr) = build(&[
        ("MESOS_DEVKIT_DIR", kit.to_str().unwrap()),
        ("PKG_CONFIG_PATH", nowhere.path().to_str().unwrap()),
    ]);
    assert!(!ok, "the build must fail without libmesos: {stderr}");
    assert!(stderr.contains("could not find libmesos"), "{stderr}");
    let provisioner = package().join("devkit").join("provision.py");
    let command = format!("python3 {}", provisioner.display());
    assert!(stderr.contains(&command), "no `{command}` in: {stderr}");
    assert!(
        provisioner.is_file(),
        "{} is not a file",
        provisioner.display()
    );
    assert!(
        stderr.contains(&format!("{}", kit.display())),
        "the dev kit looked for is not named: {stderr}"
    );
}

/// A shared library `dir/name` built from C source `code`, needing `needed` (file names in
/// `dir`).
fn shared_library(dir: &Path, name: &str, code: &str, needed: &[&str]) {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, code).unwrap();
    let mut cc = Command::new("cc");
    cc.args(["-shared", "-fPIC", "-o"])
        .arg(dir.join(name))
        .arg(&src)
        .arg(format!("-Wl,-soname,{name}"))
        .arg("-Wl,--no-as-needed")
        .arg("-L")
        .arg(dir);
    for n in needed {
        cc.arg(format!("-l:{n}"));
    }
    let out = cc.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A real installation whose libmesos links glog as a separate `libglog.so.0`: the build
/// finds it through libmesos' own dependencies and links it (when its `LogSink` is glog 0.4's),
/// or leaves the log sink out with a warning (another glog). The libraries here are stand-ins
/// with the right names; only the build script's decision is checked.
#[test]
fn a_libmesos_with_a_separate_libglog_gets_it_linked() {
    let Some(kit) = devkit("a_libmesos_with_a_separate_libglog_gets_it_linked") else {
        return;
    };
    let include = kit.join("include");
    for (glog, expect) in [
        (
            "void _ZN6google10AddLogSinkEPNS_7LogSinkE(void) {}\n\
             void _ZN6google7LogSink4sendEiPKcS2_iPK2tmS2_mi(void) {}\n",
            "glog: libglog.so.0 from",
        ),
        (
            // glog 0.6: `send` takes a LogMessageTime, another vtable.
            "void _ZN6google10AddLogSinkEPNS_7LogSinkE(void) {}\n\
             void _ZN6google7LogSink4sendEiPKcS2_iRKNS_14LogMessageTimeES2_m(void) {}\n",
            "libmesos' log lines cannot be routed",
        ),
    ] {
        let lib = tempfile::tempdir().unwrap();
        shared_library(lib.path(), "libglog.so.0", glog, &[]);
        shared_library(
            lib.path(),
            "libmesos.so",
            "void mesos_stand_in(void) {}\n",
            &["libglog.so.0"],
        );
        let (ok, stderr) = build(&[
            ("MESOS_INCLUDE_DIR", include.to_str().unwrap()),
            ("MESOS_LIB_DIR", lib.path().to_str().unwrap()),
            ("MESOS_SYS_VERBOSE", "1"),
        ]);
        assert!(ok, "{stderr}");
        let said = mesos_sys_warnings(&stderr);
        assert!(said.iter().any(|l| l.contains(expect)), "{stderr}");
        if expect.starts_with("glog: libglog") {
            assert!(
                said.iter()
                    .any(|l| l.contains(&lib.path().display().to_string())),
                "{stderr}"
            );
        }
    }
}
