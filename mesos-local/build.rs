//! Sets the runtime search path so that `mesos-local` finds the libmesos it was linked with
//! (mesos-sys' `DEP_MESOS_LIB_DIR`) without `LD_LIBRARY_PATH`.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MESOS_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_MESOS_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
        println!("cargo:rustc-link-arg=-Wl,-rpath-link,{dir}");
    }
}
