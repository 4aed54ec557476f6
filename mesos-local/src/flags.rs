//! The command line, in Mesos' flag syntax: `--name=value` (or `--name value`), booleans as
//! `--name`, `--name=true|false` or `--no-name`; `-` and `_` in names are the same.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What `--help` prints.
pub const USAGE: &str = "\
Usage: mesos-local [options]

Runs a Mesos master and agents (libmesos' local cluster) in this process until SIGINT or
SIGTERM, then stops the agents' executors and tasks, the agents and the master, and removes
the work directory. Once the agents have registered it prints the master's address on stdout.

Options (Mesos' names; `--name=value` or `--name value`):
  --ip=IP                       address the master listens on [127.0.0.1]
  --port=PORT                   port the master listens on, 0 for any free one [5050]
  --num_slaves=N, --agents=N    number of agents [1]
  --resources=RESOURCES         each agent's resources, e.g. 'cpus:4;mem:2048;ports:[31000-32000]'
                                [the machine's]
  --attributes=ATTRIBUTES       each agent's attributes, e.g. 'rack:r1;zone:a'
  --roles=ROLES                 the only roles frameworks may use, comma-separated [any]
  --weights=WEIGHTS             role weights, e.g. 'web=2,batch=1'
  --credentials=FILE            framework credentials, JSON: {\"credentials\":[{\"principal\":..,\"secret\":..}]}
  --[no-]authenticate_frameworks
                                accept only authenticated frameworks (needs --credentials)
  --zk=zk://[user:pass@]host:port[,host:port...]/path
                                join this ZooKeeper group as a master; several mesos-local
                                processes on one group give a leader and standbys
  --zk_session_timeout=DURATION ZooKeeper session timeout, e.g. 10secs, 500ms [10secs]
  --work_dir=DIR                make the work directory inside DIR [the temporary directory]
  --[no-]keep_work_dir          keep the work directory at exit
  --launcher_dir=DIR            where the agents find mesos-containerizer and mesos-executor
  --logging_level=LEVEL         INFO, WARNING or ERROR: libmesos' lines on stderr [INFO]
  --[no-]quiet                  no libmesos lines on stderr
  --json                        print the master's address as one JSON line
  --help, --version

Any other master or agent flag can be given as a MESOS_<FLAG> environment variable, e.g.
MESOS_ALLOCATION_INTERVAL=100ms.
";

/// The settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Flags {
    /// `--ip`: the master's address.
    pub ip: IpAddr,
    /// `--port`: the master's port (0: any free one).
    pub port: u16,
    /// `--num_slaves` (`--agents`): how many agents.
    pub num_slaves: u32,
    /// `--resources`: each agent's resources.
    pub resources: Option<String>,
    /// `--attributes`: each agent's attributes.
    pub attributes: Option<String>,
    /// `--roles`: the roles frameworks may use.
    pub roles: Option<String>,
    /// `--weights`: `role=weight` pairs.
    pub weights: Option<String>,
    /// `--credentials`: the framework credentials file.
    pub credentials: Option<PathBuf>,
    /// `--authenticate_frameworks`.
    pub authenticate_frameworks: Option<bool>,
    /// `--zk`: the ZooKeeper group to join.
    pub zk: Option<String>,
    /// `--zk_session_timeout`.
    pub zk_session_timeout: Duration,
    /// `--work_dir`: where the fresh work directory is made.
    pub work_dir: Option<PathBuf>,
    /// `--keep_work_dir`.
    pub keep_work_dir: bool,
    /// `--launcher_dir`: the agents' helper programs.
    pub launcher_dir: Option<PathBuf>,
    /// `--logging_level`: `INFO`, `WARNING` or `ERROR`.
    pub logging_level: String,
    /// `--quiet`: no libmesos lines on stderr.
    pub quiet: bool,
    /// `--json`: the ready line as JSON.
    pub json: bool,
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// Run with these settings.
    Run(Box<Flags>),
    /// `--help`.
    Help,
    /// `--version`.
    Version,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            ip: IpAddr::from([127, 0, 0, 1]),
            port: 5050,
            num_slaves: 1,
            resources: None,
            attributes: None,
            roles: None,
            weights: None,
            credentials: None,
            authenticate_frameworks: None,
            zk: None,
            zk_session_timeout: Duration::from_secs(10),
            work_dir: None,
            keep_work_dir: false,
            launcher_dir: None,
            logging_level: "INFO".into(),
            quiet: false,
            json: false,
        }
    }
}

const BOOLEANS: &[&str] = &["authenticate_frameworks", "keep_work_dir", "quiet", "json"];

impl Flags {
    /// Parses the arguments (without the program name); the error names the bad one.
    pub fn parse(args: &[String]) -> Result<Parsed, String> {
        let mut f = Flags::default();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            let Some(body) = arg.strip_prefix("--") else {
                return Err(format!(
                    "unexpected argument {arg:?} (options start with --)"
                ));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.replace('-', "_"), Some(v.to_owned())),
                None => (body.replace('-', "_"), None),
            };
            match name.as_str() {
                "help" => return Ok(Parsed::Help),
                "version" => return Ok(Parsed::Version),
                _ => {}
            }
            if let Some(flag) = name.strip_prefix("no_").filter(|n| BOOLEANS.contains(n)) {
                if value.is_some() {
                    return Err(format!("--no-{flag} takes no value"));
                }
                f.set_bool(flag, false);
                continue;
            }
            if BOOLEANS.contains(&name.as_str()) {
                let on = match value.as_deref() {
                    None | Some("true") => true,
                    Some("false") => false,
                    Some(v) => return Err(format!("--{name}: {v:?} is not true or false")),
                };
                f.set_bool(&name, on);
                continue;
            }
            let value = match value {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => return Err(format!("--{name} needs a value")),
            };
            f.set(&name, value)?;
        }
        if f.authenticate_frameworks == Some(true) && f.credentials.is_none() {
            return Err("--authenticate_frameworks needs --credentials".into());
        }
        Ok(Parsed::Run(Box::new(f)))
    }

    fn set_bool(&mut self, name: &str, on: bool) {
        match name {
            "authenticate_frameworks" => self.authenticate_frameworks = Some(on),
            "keep_work_dir" => self.keep_work_dir = on,
            "quiet" => self.quiet = on,
            _ => self.json = on,
        }
    }

    fn set(&mut self, name: &str, value: String) -> Result<(), String> {
        let bad = |what: &str| format!("--{name}: {value:?} is not {what}");
        match name {
            "ip" => self.ip = value.parse().map_err(|_| bad("an IP address"))?,
            "port" => self.port = value.parse().map_err(|_| bad("a port number"))?,
            "num_slaves" | "agents" => {
                self.num_slaves = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("a positive number"))?
            }
            "resources" => self.resources = Some(value),
            "attributes" => self.attributes = Some(value),
            "roles" => self.roles = Some(value),
            "weights" => self.weights = Some(value),
            "credentials" => {
                // Mesos also takes `file://` paths.
                let path = value.strip_prefix("file://").unwrap_or(&value);
                self.credentials = Some(path.into())
            }
            "zk" => {
                let rest = value
                    .strip_prefix("zk://")
                    .ok_or_else(|| bad("a zk:// URL"))?;
                let servers = rest.rsplit_once('@').map_or(rest, |(_, s)| s);
                match servers.split_once('/') {
                    Some((hosts, path)) if !hosts.is_empty() && !path.is_empty() => {}
                    _ => return Err(bad("zk://host:port[,host:port...]/path")),
                }
                self.zk = Some(value)
            }
            "zk_session_timeout" => {
                self.zk_session_timeout =
                    parse_duration(&value).ok_or_else(|| bad("a duration such as 10secs"))?
            }
            "work_dir" => self.work_dir = Some(value.into()),
            "launcher_dir" => self.launcher_dir = Some(value.into()),
            "logging_level" => {
                let level = value.to_ascii_uppercase();
                if !["INFO", "WARNING", "ERROR"].contains(&level.as_str()) {
                    return Err(bad("INFO, WARNING or ERROR"));
                }
                self.logging_level = level
            }
            _ => return Err(format!("unknown option --{name}")),
        }
        Ok(())
    }
}

/// A duration in Mesos' syntax: a number and one of `ns`, `us`, `ms`, `secs`, `mins`, `hrs`,
/// `days`, `weeks`.
pub use mesos::duration::parse as parse_duration;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Flags, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match Flags::parse(&args)? {
            Parsed::Run(f) => Ok(*f),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mesos_names_both_value_forms_and_booleans() {
        let f = parse(&[
            "--ip=127.0.0.2",
            "--port",
            "0",
            "--num-slaves=3",
            "--resources=cpus:1;mem:64",
            "--attributes",
            "rack:r1",
            "--roles=a,b",
            "--weights=a=2",
            "--credentials=file:///etc/c.json",
            "--authenticate_frameworks",
            "--zk=zk://u:p@h1:2181,h2:2181/mesos",
            "--zk_session_timeout=500ms",
            "--work_dir=/w",
            "--keep-work-dir",
            "--logging_level=warning",
            "--json",
            "--no-quiet",
        ])
        .unwrap();
        assert_eq!(f.ip.to_string(), "127.0.0.2");
        assert_eq!((f.port, f.num_slaves), (0, 3));
        assert_eq!(f.attributes.as_deref(), Some("rack:r1"));
        assert_eq!(f.credentials, Some(PathBuf::from("/etc/c.json")));
        assert_eq!(f.authenticate_frameworks, Some(true));
        assert_eq!(f.zk_session_timeout, Duration::from_millis(500));
        assert_eq!(f.logging_level, "WARNING");
        assert!(f.keep_work_dir && f.json && !f.quiet);
        assert_eq!(parse(&["--agents=2"]).unwrap().num_slaves, 2);
        assert_eq!(parse(&[]).unwrap(), Flags::default());
    }

    #[test]
    fn bad_input_is_named() {
        for (args, needle) in [
            (&["--port=70000"][..], "--port"),
            (&["--num_slaves=0"][..], "--num_slaves"),
            (&["--ip=localhost"][..], "--ip"),
            (&["--zk=http://h/mesos"][..], "--zk"),
            (&["--zk=zk://h:2181"][..], "--zk"),
            (&["--logging_level=DEBUG"][..], "--logging_level"),
            (&["--bogus=1"][..], "unknown option --bogus"),
            (&["--json=yes"][..], "--json"),
            (&["--port"][..], "--port needs a value"),
            (&["--authenticate_frameworks"][..], "needs --credentials"),
            (&["stray"][..], "unexpected argument"),
        ] {
            let e = parse(args).unwrap_err();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10secs"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5mins"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("10parsecs"), None);
    }
}
