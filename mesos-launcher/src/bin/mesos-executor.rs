//! `mesos-executor`: the command executor; see `mesos_launcher::command`.

fn main() {
    std::process::exit(mesos_launcher::command::main());
}
