//! `mesos-containerizer`: the launch helper a Mesos agent runs for every container.
//! Only the `launch` subcommand is implemented; see the library's `containerizer` module.
fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    std::process::exit(mesos_launcher::containerizer::main(&args));
}
