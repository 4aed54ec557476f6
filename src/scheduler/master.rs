//! The master string: checked before libmesos sees it, shown without passwords, and
//! described for a registration timeout.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::{Error, Result};

/// What a master string asks libmesos to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `local`: an in-process cluster.
    Local,
    /// `zk://...`: find the leading master through ZooKeeper.
    ZooKeeper,
    /// `file://...`: read the master string from a file when the driver starts.
    File,
    /// `host:port` (or `master@host:port`): one master.
    Address { host: String, port: u16 },
}

/// A master string, checked.
#[derive(Clone)]
pub(crate) struct Master {
    pub(crate) raw: String,
    pub(crate) kind: Kind,
    /// The string as it may be shown: a ZooKeeper password replaced by `<redacted>`.
    pub(crate) shown: String,
}

impl std::fmt::Debug for Master {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.shown, f)
    }
}

const REDACTED: &str = "<redacted>";

impl Master {
    /// Checks `raw` the way libmesos will read it, so that a typo is an error here instead
    /// of a driver that retries forever: libmesos reads `host:port` with a lenient number
    /// parser (`127.0.0.1:505O` would mean port 505).
    pub(crate) fn parse(raw: &str) -> Result<Master> {
        let invalid = |why: String| Err(Error::InvalidArgument(why));
        if raw.is_empty() {
            return invalid("master must not be empty".into());
        }
        if raw.contains('\0') {
            // libmesos would read the string only up to the NUL and connect somewhere else.
            return invalid("master must not contain a NUL byte".into());
        }
        let kind = if raw == "local" {
            Kind::Local
        } else if raw.starts_with("zk://") {
            Kind::ZooKeeper
        } else if raw.starts_with("file://") {
            Kind::File
        } else {
            let shown = raw;
            let address = raw.strip_prefix("master@").unwrap_or(raw);
            let Some((host, port)) = address.rsplit_once(':') else {
                return invalid(format!(
                    "master {shown:?} is none of \"host:port\", \"zk://host:port/path\", \
                     \"file:///path\" or \"local\""
                ));
            };
            if host.is_empty()
                || host
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '@' | '/'))
            {
                return invalid(format!(
                    "master {shown:?}: {host:?} is not a host name or address"
                ));
            }
            let port = match port.parse::<u16>() {
                Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => p,
                _ => {
                    return invalid(format!(
                        "master {shown:?}: port {port:?} is not a number from 1 to 65535"
                    ))
                }
            };
            Kind::Address {
                host: host.to_owned(),
                port,
            }
        };
        Ok(Master {
            raw: raw.to_owned(),
            shown: redact(raw),
            kind,
        })
    }

    /// Pairs of (secret text, what to show instead) for everything the driver logs or
    /// returns: the master string itself and its `user:password@` part.
    pub(crate) fn redactions(&self) -> Vec<(String, String)> {
        if self.shown == self.raw {
            return Vec::new();
        }
        let mut out = vec![(self.raw.clone(), self.shown.clone())];
        if let (Some(secret), Some(shown)) = (userinfo(&self.raw), userinfo(&self.shown)) {
            out.push((secret.to_owned(), shown.to_owned()));
        }
        out
    }

    /// Whether the master's address is a loopback one; `None` when that is not known
    /// without a lookup (a host name, ZooKeeper, a file).
    pub(crate) fn is_loopback(&self) -> Option<bool> {
        match &self.kind {
            Kind::Local => Some(true),
            Kind::Address { host, .. } if host == "localhost" => Some(true),
            Kind::Address { host, .. } => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| ip.is_loopback()),
            _ => None,
        }
    }

    /// What a driver with this master does to register, and what can be found out about it
    /// now, in words (for [`Error::RegistrationTimeout`]).
    pub(crate) fn tried(&self) -> String {
        match &self.kind {
            Kind::Local => "registering with the in-process local cluster".into(),
            Kind::ZooKeeper => format!(
                "looking up the leading master in ZooKeeper at {}, then registering with it \
                 (no leader elected, ZooKeeper unreachable, or the master did not answer)",
                self.shown
            ),
            Kind::File => format!(
                "reading the master from {}, then registering with it",
                self.shown
            ),
            Kind::Address { host, port } => {
                format!(
                    "registering with the master at {host}:{port}: {}",
                    probe(host, *port)
                )
            }
        }
    }
}

/// One TCP connection attempt, to say whether anything listens at `host:port`.
fn probe(host: &str, port: u16) -> String {
    let addrs = match (host, port).to_socket_addrs() {
        Ok(addrs) => addrs.collect::<Vec<_>>(),
        Err(e) => return format!("{host} does not resolve ({e})"),
    };
    let Some(addr) = addrs.first() else {
        return format!("{host} resolves to no address");
    };
    match TcpStream::connect_timeout(addr, Duration::from_secs(2)) {
        Ok(_) => format!(
            "something accepts connections at {addr} but did not register the framework \
             (not a Mesos master? not the leading master? authentication required?)"
        ),
        Err(e) => format!("nothing accepts connections at {addr} ({e})"),
    }
}

/// `zk://user:password@hosts/path` with the password (or, without a `:`, the whole user
/// part) replaced; anything else unchanged.
pub(crate) fn redact(master: &str) -> String {
    let Some(info) = userinfo(master) else {
        return master.to_owned();
    };
    let shown = match info.split_once(':') {
        Some((user, _)) => format!("{user}:{REDACTED}"),
        None => REDACTED.to_owned(),
    };
    master.replacen(info, &shown, 1)
}

/// The `user:password` part of a `zk://` URL, if any.
fn userinfo(master: &str) -> Option<&str> {
    let rest = master.strip_prefix("zk://")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let (info, _) = authority.rsplit_once('@')?;
    (!info.is_empty()).then_some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_host_port() {
        let err = |m: &str| match Master::parse(m) {
            Err(Error::InvalidArgument(why)) => why,
            other => panic!("{m:?}: expected InvalidArgument, got {other:?}"),
        };
        assert!(err("127.0.0.1:505O").contains("port \"505O\""));
        assert!(err("127.0.0.1:0").contains("port \"0\""));
        assert!(err("127.0.0.1:65536").contains("port \"65536\""));
        assert!(err("127.0.0.1:+5050").contains("port \"+5050\""));
        assert!(err("locla").contains("none of"));
        assert!(err(":5050").contains("not a host"));
        assert!(err("a b:5050").contains("not a host"));
        assert!(err("master@").contains("none of"));
        assert_eq!(
            Master::parse("master@10.0.0.1:5050").unwrap().kind,
            Kind::Address {
                host: "10.0.0.1".into(),
                port: 5050
            }
        );
        assert_eq!(Master::parse("local").unwrap().kind, Kind::Local);
        assert_eq!(Master::parse("zk://").unwrap().kind, Kind::ZooKeeper);
        assert_eq!(Master::parse("file:///x").unwrap().kind, Kind::File);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("zk://alice:s3cret@zk1:2181,zk2:2181/mesos"),
            "zk://alice:<redacted>@zk1:2181,zk2:2181/mesos"
        );
        assert_eq!(
            redact("zk://token@zk1:2181/mesos"),
            "zk://<redacted>@zk1:2181/mesos"
        );
        assert_eq!(redact("zk://zk1:2181/mesos"), "zk://zk1:2181/mesos");
        assert_eq!(redact("10.0.0.1:5050"), "10.0.0.1:5050");
        let m = Master::parse("zk://alice:s3cret@zk1:2181/mesos").unwrap();
        assert!(!format!("{m:?}").contains("s3cret"));
        assert!(m
            .redactions()
            .iter()
            .any(|(secret, shown)| secret == "alice:s3cret" && shown == "alice:<redacted>"));
    }
}
