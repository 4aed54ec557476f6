//! Placeholder for the command executor (`mesos-executor`); not built yet.
fn main() {
    eprintln!("mesos-executor: not built yet");
    std::process::exit(1);
}
