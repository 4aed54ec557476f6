//! `mesos-fetcher`: fetches a container's URIs into its sandbox; see `mesos_launcher::fetcher`.

fn main() {
    std::process::exit(mesos_launcher::fetcher::main());
}
