//! Hosts on other networks, made of Linux network namespaces on this machine: each "host" is
//! a namespace, joined to a router namespace by a veth pair. Processes run in a host through
//! `ip netns exec` (see `RoleChild::spawn_with`). Needs root, `ip` (iproute2) and `nft`
//! (nftables); traffic stays inside the namespaces the test creates.
//!
//! Every namespace is deleted when the [`Lab`] is dropped (also when the test panics), which
//! removes its links and rules with it; namespaces left by a test process that was killed are
//! deleted by the next [`Lab::new`].
#![allow(dead_code)]

use std::process::Command;

/// The prefix of every namespace the tests create: `mrs-<pid>-<name>`.
const PREFIX: &str = "mrs-";

/// Why namespaces cannot be built here, if they cannot (the test is then skipped).
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("network namespaces need root".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("no `ip` (Debian's iproute2)".into());
    }
    None
}

/// A set of namespaces and links, removed on drop.
pub struct Lab {
    namespaces: Vec<String>,
}

impl Lab {
    /// An empty lab; first removes namespaces of test processes that no longer exist.
    pub fn new() -> Lab {
        sweep();
        assert!(
            Command::new("nft").arg("--version").output().is_ok(),
            "no `nft`: install Debian's nftables (scripts/test.sh does)"
        );
        Lab {
            namespaces: Vec::new(),
        }
    }

    /// Creates host `name` (a namespace with its loopback up) and returns its full name.
    pub fn host(&mut self, name: &str) -> String {
        let full = format!("{PREFIX}{}-{name}", std::process::id());
        run("ip", &["netns", "add", &full]);
        self.namespaces.push(full.clone());
        self.exec(&full, "ip", &["link", "set", "lo", "up"]);
        full
    }

    /// Joins hosts `a` and `b` with a veth pair, interface `a_if` with `a_addr` (CIDR) in
    /// `a`, `b_if` with `b_addr` in `b`, both up.
    pub fn link(&self, a: &str, a_if: &str, a_addr: &str, b: &str, b_if: &str, b_addr: &str) {
        // Created in `a` directly, so no interface ever appears outside the lab.
        self.exec(
            a,
            "ip",
            &[
                "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b,
            ],
        );
        for (ns, ifname, addr) in [(a, a_if, a_addr), (b, b_if, b_addr)] {
            self.exec(ns, "ip", &["addr", "add", addr, "dev", ifname]);
            self.exec(ns, "ip", &["link", "set", ifname, "up"]);
        }
    }

    /// Adds a route in host `ns` to `dest` (CIDR or `default`) via `gateway`.
    pub fn route(&self, ns: &str, dest: &str, gateway: &str) {
        self.exec(ns, "ip", &["route", "add", dest, "via", gateway]);
    }

    /// Makes host `ns` forward IPv4 packets between its interfaces (a router).
    pub fn forwarding(&self, ns: &str) {
        self.exec(ns, "sysctl", &["-q", "-w", "net.ipv4.ip_forward=1"]);
    }

    /// Loads an nftables ruleset into host `ns`.
    pub fn nft(&self, ns: &str, ruleset: &str) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), ruleset).unwrap();
        self.exec(ns, "nft", &["-f", file.path().to_str().unwrap()]);
    }

    /// Runs `program args` in host `ns`, panicking with its output if it fails.
    pub fn exec(&self, ns: &str, program: &str, args: &[&str]) -> String {
        let mut all = vec!["netns", "exec", ns, program];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// The launcher prefix that runs a program in host `ns`.
    pub fn prefix(ns: &str) -> [&str; 4] {
        ["ip", "netns", "exec", ns]
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.namespaces.drain(..).rev() {
            let _ = Command::new("ip").args(["netns", "del", &ns]).output();
        }
    }
}

/// Deletes namespaces left by test processes that are gone.
fn sweep() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
