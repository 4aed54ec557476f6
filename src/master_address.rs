//! Where a master listens, read from the `MasterInfo` that `registered` and `reregistered`
//! carry: a method on the generated type, so that it shows on that type's page.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::types::MasterInfo;

impl MasterInfo {
    /// The IP address and port the master listens on, ready to connect to or to put in a URL
    /// (its `Display` brackets an IPv6 address: `[::1]:5050`).
    ///
    /// Masters fill in two places: `address` (`ip` as text, IPv4 or IPv6, and `port`), and
    /// the older `ip` and `port` fields, where `ip` is an IPv4 address as Mesos packs it
    /// (`in_addr.s_addr`: the address' bytes in network order, read as a native `u32`). This
    /// reads `address` when its `ip` parses and its `port` fits in a `u16`, and otherwise the
    /// older fields; `None` when neither holds an address (the older `ip` unset too).
    ///
    /// ```
    /// use mesos::types::{Address, MasterInfo};
    ///
    /// // From the older fields alone (`port` defaults to 5050).
    /// let m = mesos::ids::master_info("m1", u32::from_ne_bytes([10, 0, 0, 7]));
    /// assert_eq!(m.socket_addr().unwrap().to_string(), "10.0.0.7:5050");
    ///
    /// // `address` wins when it holds one; IPv6 is shown in brackets.
    /// let mut m = m;
    /// let mut address = Address::new();
    /// address.set_ip("::1".into());
    /// address.set_port(5051);
    /// m.address = Some(address).into();
    /// let url = format!("http://{}/master/state", m.socket_addr().unwrap());
    /// assert_eq!(url, "http://[::1]:5051/master/state");
    ///
    /// assert_eq!(MasterInfo::new().socket_addr(), None);
    /// ```
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        let from_address = self.address.as_ref().and_then(|a| {
            let ip = a.ip.as_deref()?.parse::<IpAddr>().ok()?;
            let port = u16::try_from(a.port()).ok()?;
            Some(SocketAddr::new(ip, port))
        });
        from_address.or_else(|| {
            let port = u16::try_from(self.port()).ok()?;
            // `ntohl` of the packed value is the address as a number, most significant
            // byte first, which is what `Ipv4Addr::from(u32)` takes.
            self.ip
                .map(|packed| SocketAddr::new(Ipv4Addr::from(u32::from_be(packed)).into(), port))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::types::{Address, MasterInfo};

    fn with_address(ip: &str, port: i32) -> MasterInfo {
        let mut m = crate::ids::master_info("m", u32::from_ne_bytes([192, 0, 2, 1]));
        m.set_port(5052);
        let mut a = Address::new();
        a.set_ip(ip.into());
        a.set_port(port);
        m.address = Some(a).into();
        m
    }

    #[test]
    fn the_address_field_first_then_the_older_fields() {
        let shown = |m: &MasterInfo| m.socket_addr().map(|a| a.to_string());
        assert_eq!(
            shown(&with_address("127.0.0.1", 5051)).as_deref(),
            Some("127.0.0.1:5051")
        );
        assert_eq!(
            shown(&with_address("fe80::1", 5051)).as_deref(),
            Some("[fe80::1]:5051")
        );
        // An `address` that does not hold a usable one gives way to the older fields.
        for (ip, port) in [("not-an-ip", 5051), ("127.0.0.1", 70000), ("127.0.0.1", -1)] {
            assert_eq!(
                shown(&with_address(ip, port)).as_deref(),
                Some("192.0.2.1:5052")
            );
        }
        let mut no_ip = with_address("127.0.0.1", 5051);
        no_ip.address.as_mut().unwrap().ip = None;
        assert_eq!(shown(&no_ip).as_deref(), Some("192.0.2.1:5052"));
        // Neither place holds an address.
        let mut empty = MasterInfo::new();
        empty.set_port(5050);
        assert_eq!(empty.socket_addr(), None);
        let mut bad_port = crate::ids::master_info("m", 1);
        bad_port.set_port(1 << 20);
        assert_eq!(bad_port.socket_addr(), None);
    }
}
