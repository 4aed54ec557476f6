//! Process-wide networking of libprocess, the actor runtime inside libmesos.
//!
//! libprocess reads its settings from `LIBPROCESS_*` environment variables **once per
//! process**, when the first driver (or the local cluster) starts it: the address it binds,
//! the address it tells the master to send messages to, its worker threads. Every driver of
//! the process shares them. [`ProcessConfig`] is a typed form of those settings;
//! [`ProcessConfig::apply`] writes them before the first driver and refuses, with
//! [`Error::ProcessAlreadyStarted`](crate::Error::ProcessAlreadyStarted), to pretend it
//! changed them afterwards.
//!
//! # Containers and NAT
//!
//! The master sends every message to the address the scheduler *advertises* (its libprocess
//! address: by default the address it binds, or the address of the host's name when it binds
//! every interface). A scheduler in a container or behind NAT binds an address the master
//! cannot reach; it must advertise the address and port that the master can reach, and that
//! address must be forwarded to the bound one (a published container port, a DNAT rule):
//!
//! ```no_run
//! use std::net::Ipv4Addr;
//! use mesos::process::ProcessConfig;
//!
//! // Inside the container: bind every interface on a fixed port ...
//! ProcessConfig::new()
//!     .ip(Ipv4Addr::UNSPECIFIED)
//!     .port(9090)
//!     // ... and advertise the host's address and the port published for it
//!     // (`docker run -p 9090:9090 ...`, or a DNAT rule on the NAT gateway).
//!     .advertise_ip(Ipv4Addr::new(192, 0, 2, 10))
//!     .advertise_port(9090)
//!     .apply()?; // first thing in main: no other thread may read the environment meanwhile
//! // ... then build and start the driver.
//! # Ok::<(), mesos::Error>(())
//! ```
//!
//! The same settings can come from the environment (`LIBPROCESS_IP`, `LIBPROCESS_PORT`,
//! `LIBPROCESS_ADVERTISE_IP`, `LIBPROCESS_ADVERTISE_PORT`, ...): [`ProcessConfig::from_env`]
//! reads and checks them. See docs/deployment.md for the whole recipe.
//!
//! Not covered: libprocess' SSL settings (`LIBPROCESS_SSL_*`, for a libmesos built with SSL;
//! the dev kit's is not) and the profiler switches of builds with gperftools or jemalloc.

use std::sync::Mutex;

mod config;
pub(crate) use config::threads_in_process;

pub use config::ProcessConfig;

/// `LIBPROCESS_IP`: the IPv4 address libprocess binds.
pub const IP: &str = "LIBPROCESS_IP";
/// `LIBPROCESS_IP6`: the IPv6 address libprocess records for IPv6 communication.
pub const IP6: &str = "LIBPROCESS_IP6";
/// `LIBPROCESS_PORT`: the port libprocess binds (0 or unset: any free port).
pub const PORT: &str = "LIBPROCESS_PORT";
/// `LIBPROCESS_ADVERTISE_IP`: the address announced to peers instead of the bound one.
pub const ADVERTISE_IP: &str = "LIBPROCESS_ADVERTISE_IP";
/// `LIBPROCESS_ADVERTISE_PORT`: the port announced to peers instead of the bound one.
pub const ADVERTISE_PORT: &str = "LIBPROCESS_ADVERTISE_PORT";
/// `LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH`: refuse messages whose sender address does
/// not match the connection's.
pub const REQUIRE_PEER_ADDRESS_IP_MATCH: &str = "LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH";
/// `LIBPROCESS_NUM_WORKER_THREADS`: libprocess' worker threads (1 to 1024).
pub const NUM_WORKER_THREADS: &str = "LIBPROCESS_NUM_WORKER_THREADS";
/// `LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT`: `<requests>/<duration>` for the
/// process' own `/metrics/snapshot` endpoint.
pub const METRICS_SNAPSHOT_RATE_LIMIT: &str = "LIBPROCESS_METRICS_SNAPSHOT_ENDPOINT_RATE_LIMIT";

/// Every variable [`ProcessConfig`] stands for, in the order it reports them.
pub const VARIABLES: [&str; 8] = [
    IP,
    IP6,
    PORT,
    ADVERTISE_IP,
    ADVERTISE_PORT,
    REQUIRE_PEER_ADDRESS_IP_MATCH,
    NUM_WORKER_THREADS,
    METRICS_SNAPSHOT_RATE_LIMIT,
];

/// For a registration that did not happen: what this process advertised (as far as the
/// crate knows) and the likely fix, in words. `master_is_loopback`: whether the master's
/// address is a loopback one (`None`: unknown, e.g. found through ZooKeeper).
pub(crate) fn registration_diagnosis(master_is_loopback: Option<bool>) -> (String, String) {
    let config = started()
        .or_else(|| ProcessConfig::from_env().ok())
        .unwrap_or_default();
    let advertised = config.advertised();
    let advertised_ip = config
        .advertise_ip
        .or(config.ip.filter(|ip| !ip.is_unspecified()));
    let mut hint = String::new();
    if advertised_ip.is_some_and(|ip| ip.is_loopback()) && master_is_loopback == Some(false) {
        hint.push_str(
            "this scheduler advertises a loopback address, which a master on another host \
             cannot reach: set LIBPROCESS_IP to an address of this host that the master can \
             reach; ",
        );
    }
    hint.push_str(
        "the master sends its answers to the advertised address on a connection of its own: \
         if it cannot reach it (NAT, a container, another network), advertise an address and \
         port that are forwarded to this process with LIBPROCESS_ADVERTISE_IP and \
         LIBPROCESS_ADVERTISE_PORT (mesos::process::ProcessConfig); if nothing answers at the \
         master's address, check that the master runs there",
    );
    (advertised, hint)
}

/// The settings libprocess started with in this process, as far as this crate knows: read
/// from the environment when this crate started its first driver. `None` before that.
pub fn started() -> Option<ProcessConfig> {
    STARTED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The settings libprocess started with, if it has.
static STARTED: Mutex<Option<ProcessConfig>> = Mutex::new(None);

/// Records the environment libprocess is about to read (call right before the first call
/// into libmesos that initializes libprocess; later calls do nothing). A variable that
/// libprocess would refuse is recorded as unset.
#[allow(dead_code)]
pub(crate) fn starting() {
    let mut started = STARTED.lock().unwrap_or_else(|e| e.into_inner());
    if started.is_none() {
        let mut config = ProcessConfig::new();
        for k in VARIABLES {
            // Take each variable on its own, so that one bad value hides only itself.
            let one = ProcessConfig::from_vars(|name| {
                (name == k)
                    .then(|| std::env::var_os(k))
                    .flatten()
                    .map(|v| v.to_string_lossy().into_owned())
            });
            if let Ok(one) = one {
                config.merge(one);
            }
        }
        tracing::debug!(config = ?config, "libprocess starts with these settings");
        *started = Some(config);
    }
}
