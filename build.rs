//! Generates the Rust message types from the project's schema in `proto/` and lets this
//! crate's tests, examples and benches find libmesos at run time.

fn main() {
    println!("cargo:rerun-if-changed=proto");
    protobuf_codegen::Codegen::new()
        .pure()
        .includes(["proto"])
        .inputs([
            "proto/mesos/mesos.proto",
            "proto/mesos/scheduler/scheduler.proto",
            "proto/mesos/executor/executor.proto",
        ])
        .cargo_out_dir("protos")
        .run_from_script();

    // mesos-sys exports the directory holding the libmesos it linked (DEP_MESOS_LIB_DIR).
    println!("cargo:rerun-if-env-changed=DEP_MESOS_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_MESOS_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        println!("cargo:rustc-link-arg=-Wl,-rpath-link,{dir}");
    }
}
