//! [`ProcessConfig`]: the typed form of libprocess' settings, read from and written to the
//! environment, checked as libprocess checks them.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::*;
use crate::error::{Error, Result};

/// libprocess' process-wide settings; `None` leaves a setting to the environment (or to
/// libprocess' default when the environment has none).
///
/// ```
/// use std::net::Ipv4Addr;
/// use mesos::process::ProcessConfig;
///
/// let config = ProcessConfig::new().ip(Ipv4Addr::LOCALHOST).port(5051).worker_threads(4);
/// assert_eq!(
///     config.env(),
///     [
///         ("LIBPROCESS_IP", "127.0.0.1".to_string()),
///         ("LIBPROCESS_PORT", "5051".to_string()),
///         ("LIBPROCESS_NUM_WORKER_THREADS", "4".to_string()),
///     ]
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ProcessConfig {
    pub(super) ip: Option<Ipv4Addr>,
    ip6: Option<Ipv6Addr>,
    port: Option<u16>,
    pub(super) advertise_ip: Option<Ipv4Addr>,
    advertise_port: Option<u16>,
    require_peer_address_ip_match: Option<bool>,
    worker_threads: Option<u16>,
    metrics_snapshot_rate_limit: Option<(u32, Duration)>,
}

impl ProcessConfig {
    /// Nothing set: everything is left to the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the `LIBPROCESS_*` variables of the environment, checking each as libprocess
    /// would; [`Error::InvalidArgument`] names a variable libprocess would refuse.
    ///
    /// ```
    /// let config = mesos::process::ProcessConfig::from_env()?;
    /// println!("{config:?}");
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|k| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()))
    }

    pub(super) fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut c = ProcessConfig::new();
        if let Some(v) = get(IP) {
            c.ip = Some(parse_ipv4(IP, &v)?);
        }
        if let Some(v) = get(IP6) {
            c.ip6 = Some(
                v.trim()
                    .parse()
                    .map_err(|_| invalid(IP6, &v, "not an IPv6 address"))?,
            );
        }
        if let Some(v) = get(PORT) {
            c.port = Some(parse_port(PORT, &v, 0)?);
        }
        if let Some(v) = get(ADVERTISE_IP) {
            c.advertise_ip = Some(parse_ipv4(ADVERTISE_IP, &v)?);
        }
        if let Some(v) = get(ADVERTISE_PORT) {
            c.advertise_port = Some(parse_port(ADVERTISE_PORT, &v, 1)?);
        }
        if let Some(v) = get(REQUIRE_PEER_ADDRESS_IP_MATCH) {
            c.require_peer_address_ip_match = Some(match v.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(invalid(
                        REQUIRE_PEER_ADDRESS_IP_MATCH,
                        &v,
                        "expected true, false, 1 or 0",
                    ))
                }
            });
        }
        if let Some(v) = get(NUM_WORKER_THREADS) {
            let n: u16 = v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=1024).contains(n))
                .ok_or_else(|| invalid(NUM_WORKER_THREADS, &v, "expected 1 to 1024"))?;
            c.worker_threads = Some(n);
        }
        if let Some(v) = get(METRICS_SNAPSHOT_RATE_LIMIT) {
            c.metrics_snapshot_rate_limit = Some(parse_rate(&v)?);
        }
        Ok(c)
    }

    /// The IPv4 address to bind (`0.0.0.0`: every interface; libprocess then advertises the
    /// address of the host's name unless [`advertise_ip`](Self::advertise_ip) is set).
    pub fn ip(mut self, ip: Ipv4Addr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// The IPv6 address libprocess records for IPv6 communication.
    pub fn ip6(mut self, ip: Ipv6Addr) -> Self {
        self.ip6 = Some(ip);
        self
    }

    /// The port to bind (0: any free port, the default).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The address peers (the master) should send to, when it is not the bound one (NAT,
    /// containers). Traffic to it must reach the bound address.
    pub fn advertise_ip(mut self, ip: Ipv4Addr) -> Self {
        self.advertise_ip = Some(ip);
        self
    }

    /// The port peers should send to, when it is not the bound one; libprocess does not bind
    /// it, so it must be forwarded to the bound port. Must not be 0.
    pub fn advertise_port(mut self, port: u16) -> Self {
        self.advertise_port = Some(port);
        self
    }

    /// Refuse messages whose sender's address differs from the connection's peer address
    /// (breaks peers that advertise another address than they connect from).
    pub fn require_peer_address_ip_match(mut self, require: bool) -> Self {
        self.require_peer_address_ip_match = Some(require);
        self
    }

    /// libprocess' worker threads, 1 to 1024 (default: the number of cores, at least 8).
    pub fn worker_threads(mut self, n: u16) -> Self {
        self.worker_threads = Some(n);
        self
    }

    /// At most `requests` per `per` on this process' own `/metrics/snapshot` endpoint.
    pub fn metrics_snapshot_rate_limit(mut self, requests: u32, per: Duration) -> Self {
        self.metrics_snapshot_rate_limit = Some((requests, per));
        self
    }

    /// The bound address, if set.
    pub fn get_ip(&self) -> Option<Ipv4Addr> {
        self.ip
    }

    /// The bound port, if set.
    pub fn get_port(&self) -> Option<u16> {
        self.port
    }

    /// The advertised address, if set.
    pub fn get_advertise_ip(&self) -> Option<Ipv4Addr> {
        self.advertise_ip
    }

    /// The advertised port, if set.
    pub fn get_advertise_port(&self) -> Option<u16> {
        self.advertise_port
    }

    /// The environment variables this configuration sets, in the order of [`VARIABLES`].
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put(IP, self.ip.map(|v| v.to_string()));
        put(IP6, self.ip6.map(|v| v.to_string()));
        put(PORT, self.port.map(|v| v.to_string()));
        put(ADVERTISE_IP, self.advertise_ip.map(|v| v.to_string()));
        put(ADVERTISE_PORT, self.advertise_port.map(|v| v.to_string()));
        put(
            REQUIRE_PEER_ADDRESS_IP_MATCH,
            self.require_peer_address_ip_match.map(|v| v.to_string()),
        );
        put(
            NUM_WORKER_THREADS,
            self.worker_threads.map(|v| v.to_string()),
        );
        put(
            METRICS_SNAPSHOT_RATE_LIMIT,
            self.metrics_snapshot_rate_limit
                .map(|(n, per)| format!("{n}/{}ms", per.as_millis())),
        );
        out
    }

    /// Checks every value as libprocess will.
    pub fn validate(&self) -> Result<()> {
        if self.advertise_port == Some(0) {
            return Err(invalid(ADVERTISE_PORT, "0", "must be 1 to 65535"));
        }
        if let Some(n) = self.worker_threads {
            if !(1..=1024).contains(&n) {
                return Err(invalid(
                    NUM_WORKER_THREADS,
                    &n.to_string(),
                    "expected 1 to 1024",
                ));
            }
        }
        if let Some((n, per)) = self.metrics_snapshot_rate_limit {
            if n == 0 || per.as_millis() == 0 {
                return Err(invalid(
                    METRICS_SNAPSHOT_RATE_LIMIT,
                    &format!("{n}/{per:?}"),
                    "needs at least one request per at least a millisecond",
                ));
            }
        }
        Ok(())
    }

    /// Makes these the settings libprocess starts with: writes the variables that are set
    /// into the environment. Call it before the first driver (or local cluster) of the
    /// process.
    ///
    /// Changing the environment is only sound while no other thread reads it, so `apply`
    /// refuses ([`Error::ThreadsRunning`]) unless it is the only thread of the process: call
    /// it first thing in `main`. Where other threads exist already (an async runtime, a test
    /// harness), see [`apply_unchecked`](Self::apply_unchecked).
    ///
    /// Once libprocess runs, its settings cannot change: `apply` then succeeds only if every
    /// setting given equals the one libprocess started with, and otherwise returns
    /// [`Error::ProcessAlreadyStarted`] naming the first that differs (the environment is
    /// left alone in both cases).
    pub fn apply(&self) -> Result<()> {
        self.validate()?;
        if let Some(running) = started() {
            return self.compare(&running);
        }
        match threads_in_process() {
            Some(1) => {}
            threads => return Err(Error::ThreadsRunning { threads }),
        }
        // SAFETY: this is the only thread of the process.
        unsafe { self.apply_unchecked() }
    }

    /// [`apply`](Self::apply) without the check that no other thread runs.
    ///
    /// # Safety
    ///
    /// No other thread may read or write the environment while this runs (through
    /// `std::env` or C's `getenv`/`setenv`, which libraries such as libmesos use).
    pub unsafe fn apply_unchecked(&self) -> Result<()> {
        self.validate()?;
        let started = STARTED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = started.as_ref() {
            return self.compare(running);
        }
        for (k, v) in self.env() {
            std::env::set_var(k, v);
        }
        drop(started);
        tracing::debug!(config = ?self, "libprocess settings applied");
        Ok(())
    }

    /// [`Error::ProcessAlreadyStarted`] for the first setting of `self` that differs from
    /// `running`'s.
    fn compare(&self, running: &ProcessConfig) -> Result<()> {
        let running_env = running.env();
        for (k, v) in self.env() {
            let current = running_env.iter().find(|(rk, _)| *rk == k).map(|(_, v)| v);
            if current != Some(&v) {
                return Err(Error::ProcessAlreadyStarted {
                    variable: k,
                    running: current.cloned(),
                    requested: v,
                });
            }
        }
        Ok(())
    }

    /// Where the master will send this process' messages, in words (for diagnostics):
    /// e.g. `192.0.2.10:9090 (LIBPROCESS_ADVERTISE_IP, LIBPROCESS_ADVERTISE_PORT)` or
    /// `the address of this host's name, port chosen at start`.
    pub fn advertised(&self) -> String {
        let ip = match (self.advertise_ip, self.ip) {
            (Some(ip), _) => format!("{ip} ({ADVERTISE_IP})"),
            (None, Some(ip)) if !ip.is_unspecified() => format!("{ip} ({IP})"),
            _ => "the address of this host's name (no LIBPROCESS_IP)".to_string(),
        };
        let port = match (self.advertise_port, self.port) {
            (Some(p), _) => format!("port {p} ({ADVERTISE_PORT})"),
            (None, Some(p)) if p != 0 => format!("port {p} ({PORT})"),
            _ => "a port chosen at start (no LIBPROCESS_PORT)".to_string(),
        };
        format!("{ip}, {port}")
    }
}

impl ProcessConfig {
    pub(super) fn merge(&mut self, other: ProcessConfig) {
        self.ip = other.ip.or(self.ip);
        self.ip6 = other.ip6.or(self.ip6);
        self.port = other.port.or(self.port);
        self.advertise_ip = other.advertise_ip.or(self.advertise_ip);
        self.advertise_port = other.advertise_port.or(self.advertise_port);
        self.require_peer_address_ip_match = other
            .require_peer_address_ip_match
            .or(self.require_peer_address_ip_match);
        self.worker_threads = other.worker_threads.or(self.worker_threads);
        self.metrics_snapshot_rate_limit = other
            .metrics_snapshot_rate_limit
            .or(self.metrics_snapshot_rate_limit);
    }
}

/// The number of threads of this process, if `/proc` tells.
pub(crate) fn threads_in_process() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

fn invalid(variable: &str, value: &str, why: &str) -> Error {
    Error::InvalidArgument(format!("{variable}={value:?}: {why}"))
}

fn parse_ipv4(variable: &str, v: &str) -> Result<Ipv4Addr> {
    v.trim()
        .parse()
        .map_err(|_| invalid(variable, v, "not an IPv4 address"))
}

fn parse_port(variable: &str, v: &str, min: u16) -> Result<u16> {
    v.trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p >= min)
        .ok_or_else(|| invalid(variable, v, &format!("expected a port from {min} to 65535")))
}

/// `<requests>/<duration>` with a stout duration (`10/1secs`, `100/500ms`).
fn parse_rate(v: &str) -> Result<(u32, Duration)> {
    let bad = || {
        invalid(
            METRICS_SNAPSHOT_RATE_LIMIT,
            v,
            "expected <requests>/<duration>, e.g. 10/1secs",
        )
    };
    let (n, d) = v.trim().split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let per = crate::duration::parse(d).ok_or_else(bad)?;
    if n == 0 || per.is_zero() {
        return Err(bad());
    }
    Ok((n, per))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn reads_and_checks_the_variables_as_libprocess_does() {
        let c = ProcessConfig::from_vars(vars(&[
            (IP, "10.1.2.3"),
            (PORT, "0"),
            (ADVERTISE_IP, "192.0.2.7"),
            (ADVERTISE_PORT, "31000"),
            (NUM_WORKER_THREADS, "4"),
            (METRICS_SNAPSHOT_RATE_LIMIT, "10/1secs"),
            (REQUIRE_PEER_ADDRESS_IP_MATCH, "true"),
        ]))
        .unwrap();
        assert_eq!(c.get_ip(), Some(Ipv4Addr::new(10, 1, 2, 3)));
        assert_eq!(c.get_port(), Some(0));
        assert_eq!(c.get_advertise_port(), Some(31000));
        assert_eq!(
            c.metrics_snapshot_rate_limit,
            Some((10, Duration::from_secs(1)))
        );
        assert_eq!(c.require_peer_address_ip_match, Some(true));

        for (k, v) in [
            (IP, "::1"),
            (IP, "host.example"),
            (PORT, "65536"),
            (PORT, "-1"),
            (ADVERTISE_PORT, "0"),
            (NUM_WORKER_THREADS, "0"),
            (NUM_WORKER_THREADS, "1025"),
            (METRICS_SNAPSHOT_RATE_LIMIT, "10"),
            (METRICS_SNAPSHOT_RATE_LIMIT, "10/1parsec"),
            (REQUIRE_PEER_ADDRESS_IP_MATCH, "yes"),
        ] {
            match ProcessConfig::from_vars(vars(&[(k, v)])) {
                Err(Error::InvalidArgument(m)) => assert!(m.starts_with(k), "{m}"),
                other => panic!("{k}={v} gave {other:?}"),
            }
        }
    }

    #[test]
    fn env_round_trips() {
        let c = ProcessConfig::new()
            .ip(Ipv4Addr::UNSPECIFIED)
            .ip6(Ipv6Addr::LOCALHOST)
            .port(9090)
            .advertise_ip(Ipv4Addr::new(192, 0, 2, 10))
            .advertise_port(19090)
            .require_peer_address_ip_match(false)
            .worker_threads(2)
            .metrics_snapshot_rate_limit(5, Duration::from_millis(1500));
        let env = c.env();
        assert_eq!(env.len(), VARIABLES.len());
        let back =
            ProcessConfig::from_vars(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
                .unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn a_running_process_refuses_other_values_and_names_them() {
        let running = ProcessConfig::new().ip(Ipv4Addr::LOCALHOST).port(5051);
        assert_eq!(ProcessConfig::new().port(5051).compare(&running), Ok(()));
        assert_eq!(ProcessConfig::new().compare(&running), Ok(()));
        assert_eq!(
            ProcessConfig::new().port(6000).compare(&running),
            Err(Error::ProcessAlreadyStarted {
                variable: PORT,
                running: Some("5051".into()),
                requested: "6000".into()
            })
        );
        let e = ProcessConfig::new()
            .advertise_ip(Ipv4Addr::new(192, 0, 2, 1))
            .compare(&running)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "libprocess already runs in this process with LIBPROCESS_ADVERTISE_IP unset, \
             not 192.0.2.1: its networking is read once, before the first driver starts"
        );
    }

    #[test]
    fn advertised_says_where_the_master_will_send() {
        assert_eq!(
            ProcessConfig::new().advertised(),
            "the address of this host's name (no LIBPROCESS_IP), a port chosen at start (no LIBPROCESS_PORT)"
        );
        assert_eq!(
            ProcessConfig::new()
                .ip(Ipv4Addr::new(10, 0, 0, 2))
                .port(9090)
                .advertise_ip(Ipv4Addr::new(192, 0, 2, 10))
                .advertised(),
            "192.0.2.10 (LIBPROCESS_ADVERTISE_IP), port 9090 (LIBPROCESS_PORT)"
        );
    }
}
