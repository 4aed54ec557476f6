//! Compiles the C++ baseline in `cpp/` against the headers of the libmesos that mesos-sys
//! found (its `DEP_MESOS_*` metadata), with the flags mesos-sys uses for the shim, and sets
//! the runtime search path so that the bench binary finds libmesos without LD_LIBRARY_PATH.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=cpp");
    println!("cargo:rerun-if-env-changed=DEP_MESOS_INCLUDE");
    println!("cargo:rerun-if-env-changed=DEP_MESOS_LIB_DIR");
    let (Ok(include), Ok(lib)) = (env::var("DEP_MESOS_INCLUDE"), env::var("DEP_MESOS_LIB_DIR"))
    else {
        // mesos-sys was built without libmesos (MESOS_SYS_NO_LINK): nothing to compile.
        return;
    };
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let cbits = manifest.join("..").join("cbits");
    cc::Build::new()
        .cpp(true)
        .std("c++14")
        .include(&cbits)
        .flag("-isystem")
        .flag(&include)
        .flag_if_supported("-Wno-unused-parameter")
        .file(manifest.join("cpp").join("baseline.cpp"))
        .compile("mesos_bench_cpp");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    println!("cargo:rustc-link-arg=-Wl,-rpath-link,{lib}");
}
