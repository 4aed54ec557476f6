//! What the ports of Mesos' C++ example frameworks share: their command-line flags, read the
//! way the C++ programs read theirs (`--name=value`, `--name` / `--no-name` for booleans,
//! `MESOS_EXAMPLE_NAME` in the environment, the command line winning), the common flags every
//! one of them has (`--master`, `--authenticate`, `--principal`, `--secret`, `--checkpoint`,
//! `--role`), byte sizes and durations in Mesos' notation (`64MB`, `10secs`), and the set-up
//! they all do before creating the driver.
// Each port uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use mesos::local::{LocalCluster, LocalClusterGuard};
use mesos::types::{Credential, FrameworkInfo};
use mesos::{Scheduler, SchedulerDriver};

/// One flag: its name, help text and default (`None`: required, unless optional).
pub struct Flag {
    pub name: &'static str,
    pub help: &'static str,
    pub default: Option<&'static str>,
    /// May be left out with no default (the C++ flag is an `Option<T>`).
    pub optional: bool,
    pub boolean: bool,
}

impl Flag {
    pub const fn value(name: &'static str, help: &'static str, default: &'static str) -> Flag {
        Flag {
            name,
            help,
            default: Some(default),
            optional: false,
            boolean: false,
        }
    }
    pub const fn required(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            help,
            default: None,
            optional: false,
            boolean: false,
        }
    }
    pub const fn optional(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            help,
            default: None,
            optional: true,
            boolean: false,
        }
    }
    pub const fn boolean(name: &'static str, help: &'static str, default: bool) -> Flag {
        Flag {
            name,
            help,
            default: Some(if default { "true" } else { "false" }),
            optional: false,
            boolean: true,
        }
    }
}

/// The flags every example framework of Mesos has.
pub const COMMON: [Flag; 6] = [
    Flag::required(
        "master",
        "The master to connect to: host:port, master@host:port, zk://..., file://... or local",
    ),
    Flag::boolean(
        "authenticate",
        "Whether the framework authenticates with the master",
        false,
    ),
    Flag::value("principal", "The principal this framework is known by", "test"),
    Flag::optional(
        "secret",
        "The secret to authenticate with; a value starting with '/' or 'file://' names a file holding it",
    ),
    Flag::boolean("checkpoint", "Whether the agent checkpoints this framework", false),
    Flag::value("role", "The role the framework registers in", "*"),
];

/// Parsed flag values.
pub struct Flags {
    program: String,
    specs: Vec<&'static Flag>,
    values: BTreeMap<&'static str, String>,
}

/// What loading the flags ended with, when it is not a set of values.
pub enum Load {
    /// `--help`: the usage was printed, exit 0.
    Help,
    /// An error, printed with the usage: exit 1.
    Failed,
}

impl Flags {
    /// Reads `specs` (and [`COMMON`]) from `MESOS_EXAMPLE_*` and the command line.
    pub fn load(own: &'static [Flag]) -> Result<Flags, Load> {
        let program = std::env::args()
            .next()
            .map(|p| p.rsplit('/').next().unwrap_or(&p).to_owned())
            .unwrap_or_default();
        let specs: Vec<&'static Flag> = COMMON.iter().chain(own.iter()).collect();
        let mut flags = Flags {
            program,
            specs,
            values: BTreeMap::new(),
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.iter().any(|a| a == "--help" || a == "-h") {
            println!("{}", flags.usage(None));
            return Err(Load::Help);
        }
        match flags.read(&args) {
            Ok(()) => Ok(flags),
            Err(e) => {
                eprintln!("{}", flags.usage(Some(&e)));
                Err(Load::Failed)
            }
        }
    }

    fn spec(&self, name: &str) -> Option<&'static Flag> {
        self.specs.iter().copied().find(|f| f.name == name)
    }

    fn read(&mut self, args: &[String]) -> Result<(), String> {
        for spec in &self.specs {
            let var = format!("MESOS_EXAMPLE_{}", spec.name.to_ascii_uppercase());
            if let Ok(v) = std::env::var(&var) {
                self.values.insert(spec.name, v);
            }
        }
        for arg in args {
            let Some(body) = arg.strip_prefix("--") else {
                return Err(format!("Unexpected argument '{arg}'"));
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.replace('-', "_"), Some(v.to_owned())),
                None => (body.replace('-', "_"), None),
            };
            let (spec, value) = match (self.spec(&name), value) {
                (Some(spec), Some(v)) => (spec, v),
                (Some(spec), None) if spec.boolean => (spec, "true".to_owned()),
                (Some(_), None) => return Err(format!("Missing value for flag '{name}'")),
                (None, None) => match name.strip_prefix("no_").and_then(|n| self.spec(n)) {
                    Some(spec) if spec.boolean => (spec, "false".to_owned()),
                    _ => return Err(format!("Failed to load unknown flag '{name}'")),
                },
                (None, Some(_)) => return Err(format!("Failed to load unknown flag '{name}'")),
            };
            self.values.insert(spec.name, value);
        }
        for spec in &self.specs {
            if spec.boolean {
                let v = self.get(spec.name).unwrap_or_default();
                if v != "true" && v != "false" {
                    return Err(format!(
                        "Failed to load flag '{}': expected 'true' or 'false', got '{v}'",
                        spec.name
                    ));
                }
            }
            if !spec.optional && self.get(spec.name).is_none() {
                return Err(format!(
                    "Flag '{}' is required, but it was not provided",
                    spec.name
                ));
            }
        }
        Ok(())
    }

    /// The usage text, after `error` if given.
    pub fn usage(&self, error: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(e) = error {
            out += &format!("{e}\n\n");
        }
        out += &format!("Usage: {} [options]\n\n", self.program);
        for spec in &self.specs {
            let default = spec
                .default
                .map(|d| format!(" (default: {d})"))
                .unwrap_or_default();
            let form = if spec.boolean {
                format!("--[no-]{}", spec.name)
            } else {
                format!("--{}=VALUE", spec.name)
            };
            out += &format!("  {form:<32} {}{default}\n", spec.help);
        }
        out
    }

    /// The value of flag `name`, or its default.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .cloned()
            .or_else(|| self.spec(name).and_then(|s| s.default.map(str::to_owned)))
    }

    /// The value of a flag that has a default or is required.
    pub fn string(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    pub fn boolean(&self, name: &str) -> bool {
        self.get(name).as_deref() == Some("true")
    }

    /// A flag's value read as `T`, or an error naming the flag.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<T, String> {
        let v = self.string(name);
        v.parse()
            .map_err(|_| format!("Failed to load flag '{name}': cannot read '{v}'"))
    }

    /// A flag's value read as a byte size (`64MB`).
    pub fn bytes(&self, name: &str) -> Result<u64, String> {
        parse_bytes(&self.string(name)).map_err(|e| format!("Failed to load flag '{name}': {e}"))
    }

    /// A flag's value read as a duration (`10secs`), `None` when an optional flag is absent.
    pub fn duration(&self, name: &str) -> Result<Option<Duration>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_duration(&v)
                .map(Some)
                .map_err(|e| format!("Failed to load flag '{name}': {e}")),
        }
    }

    /// Prints `error` with the usage; the exit code of a bad flag.
    pub fn fail(&self, error: &str) -> ExitCode {
        eprintln!("{}", self.usage(Some(error)));
        ExitCode::FAILURE
    }
}

const KB: u64 = 1024;
const MB: u64 = 1024 * KB;
const GB: u64 = 1024 * MB;
const TB: u64 = 1024 * GB;

/// A byte size in Mesos' notation: a number then `B`, `KB`, `MB`, `GB` or `TB`.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{text}' has no unit (B, KB, MB, GB, TB)"))?;
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a byte size"))?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "B" => 1,
        "KB" => KB,
        "MB" => MB,
        "GB" => GB,
        "TB" => TB,
        other => return Err(format!("unknown unit '{other}' in '{text}'")),
    };
    Ok((value * scale as f64) as u64)
}

/// A byte size written the way Mesos writes one: the largest unit that divides it.
pub fn format_bytes(bytes: u64) -> String {
    for (scale, unit) in [(TB, "TB"), (GB, "GB"), (MB, "MB"), (KB, "KB")] {
        if bytes >= scale && bytes % scale == 0 {
            return format!("{}{unit}", bytes / scale);
        }
    }
    format!("{bytes}B")
}

/// A duration in Mesos' notation: a number then `ns`, `us`, `ms`, `secs`, `mins`, `hrs`,
/// `days` or `weeks`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    mesos::duration::parse(text).ok_or_else(|| {
        format!(
            "'{text}' is not a duration (a number and ns, us, ms, secs, mins, hrs, days or weeks)"
        )
    })
}

/// For master `local`: the master settings Mesos' examples make (their role allowed, framework
/// authentication as `--authenticate` says, any principal may register in `roles`), plus
/// `extra` agent settings. Call first in `main`.
pub fn local_cluster(
    flags: &Flags,
    acl_roles: &[&str],
    extra: &[(&str, &str)],
) -> Result<Option<LocalClusterGuard>, ExitCode> {
    if flags.string("master") != "local" {
        return Ok(None);
    }
    let roles: Vec<String> = acl_roles.iter().map(|r| format!("\"{r}\"")).collect();
    let acls = format!(
        r#"{{"register_frameworks":[{{"principals":{{"type":"ANY"}},"roles":{{"values":[{}]}}}}]}}"#,
        roles.join(",")
    );
    let mut cluster = LocalCluster::new()
        .env(
            "MESOS_AUTHENTICATE_FRAMEWORKS",
            flags.string("authenticate"),
        )
        .env("MESOS_ACLS", acls);
    if flags.string("role") != "*" {
        cluster = cluster.env("MESOS_ROLES", flags.string("role"));
    }
    for (k, v) in extra {
        cluster = cluster.env(*k, *v);
    }
    match cluster.apply() {
        Ok(guard) => Ok(Some(guard)),
        Err(e) => {
            eprintln!("cannot prepare the local cluster: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// The driver, with a credential when `--authenticate` is set (its secret from `--secret`,
/// read from a file when that names one).
pub fn driver<S: Scheduler>(
    flags: &Flags,
    scheduler: S,
    framework: FrameworkInfo,
) -> mesos::Result<SchedulerDriver> {
    let builder = SchedulerDriver::builder(framework, flags.string("master"));
    let builder = if flags.boolean("authenticate") {
        eprintln!("Enabling authentication for the framework");
        let mut credential = Credential::new();
        credential.set_principal(flags.string("principal"));
        if let Some(secret) = flags.get("secret") {
            let path = secret.strip_prefix("file://").unwrap_or(&secret);
            let secret = if path.starts_with('/') {
                std::fs::read_to_string(path)
                    .map_err(|e| {
                        mesos::Error::InvalidArgument(format!("--secret file {path}: {e}"))
                    })?
                    .trim_end_matches('\n')
                    .to_owned()
            } else {
                secret.clone()
            };
            credential.set_secret(secret);
        }
        builder.credential(credential)
    } else {
        builder
    };
    builder.build(scheduler)
}

/// Runs the driver as the C++ examples do: exit 0 when it ended stopped, 1 otherwise.
pub fn run(driver: &SchedulerDriver) -> ExitCode {
    let status = driver.run();
    // Makes sure the driver is stopped, as the C++ programs do after `run` returns.
    driver.stop(false).ok();
    match status {
        Ok(mesos::Status::DRIVER_STOPPED) => ExitCode::SUCCESS,
        other => {
            eprintln!("driver ended: {other:?}");
            ExitCode::FAILURE
        }
    }
}

/// The `FrameworkInfo` the C++ examples fill in the same way: the user left to libmesos (the
/// one running the program), principal and checkpointing from the flags, one role, and the
/// capabilities MULTI_ROLE (a 1.11 master refuses `roles` without it), RESERVATION_REFINEMENT and
/// any `extra`.
pub fn framework_info(
    flags: &Flags,
    name: &str,
    role: &str,
    extra: &[mesos::types::framework_info::capability::Type],
) -> FrameworkInfo {
    use mesos::types::framework_info::capability::Type;
    let mut framework = FrameworkInfo::new();
    framework.set_user(String::new());
    framework.set_principal(flags.string("principal"));
    framework.set_name(name.into());
    framework.set_checkpoint(flags.boolean("checkpoint"));
    framework.roles.push(role.into());
    for capability in [Type::MULTI_ROLE, Type::RESERVATION_REFINEMENT]
        .iter()
        .chain(extra)
    {
        let mut c = mesos::types::framework_info::Capability::new();
        c.set_type(*capability);
        framework.capabilities.push(c);
    }
    framework
}

/// Reads the flags, or gives the exit code: 0 after `--help`, 1 after an error (both printed).
pub fn load_or_exit(own: &'static [Flag]) -> Result<Flags, ExitCode> {
    match Flags::load(own) {
        Ok(flags) => Ok(flags),
        Err(Load::Help) => Err(ExitCode::SUCCESS),
        Err(Load::Failed) => Err(ExitCode::FAILURE),
    }
}

/// The connection callbacks balloon_framework and disk_full_framework only log, as their C++
/// originals do (the same lines in both), written once: expands inside `impl Scheduler for ...`.
#[allow(unused_macros)]
macro_rules! connection_callbacks {
    () => {
        fn registered(&mut self, _: &SchedulerDriver, id: &FrameworkID, _: &MasterInfo) {
            eprintln!("Registered with framework ID: {}", id.value());
        }

        fn reregistered(&mut self, _: &SchedulerDriver, _: &MasterInfo) {
            eprintln!("Reregistered");
        }

        fn disconnected(&mut self, _: &SchedulerDriver) {
            eprintln!("Disconnected");
        }

        fn offer_rescinded(&mut self, _: &SchedulerDriver, _: &OfferID) {
            eprintln!("Offer rescinded");
        }
    };
}

/// How balloon_framework and disk_full_framework print a status update.
#[allow(dead_code)]
pub fn status_line(status: &mesos::types::TaskStatus) -> String {
    format!(
        "Task {} in state {:?}, Source: {:?}, Reason: {:?}{}",
        status.task_id.value(),
        status.state(),
        status.source(),
        status.reason(),
        status
            .message
            .as_ref()
            .map(|m| format!(", Message: {m}"))
            .unwrap_or_default()
    )
}

/// Whether `status` is about the latest of `launched` tasks (named 0, 1, ...); says so when
/// it is not, as those two frameworks do, which only follow their latest task.
#[allow(dead_code)]
pub fn is_latest_task(launched: usize, status: &mesos::types::TaskStatus) -> bool {
    let latest = (launched as i64 - 1).to_string() == status.task_id.value();
    if !latest {
        eprintln!(
            "Ignoring status update from older task {}",
            status.task_id.value()
        );
    }
    latest
}

/// The other callbacks those two only log, in the same way.
#[allow(unused_macros)]
macro_rules! logged_callbacks {
    () => {
        fn framework_message(
            &mut self,
            _: &SchedulerDriver,
            _: &ExecutorID,
            _: &SlaveID,
            d: &[u8],
        ) {
            eprintln!("Framework message: {}", String::from_utf8_lossy(d));
        }

        fn slave_lost(&mut self, _: &SchedulerDriver, slave_id: &SlaveID) {
            eprintln!("Agent lost: {}", slave_id.value());
        }

        fn executor_lost(&mut self, _: &SchedulerDriver, e: &ExecutorID, s: &SlaveID, _: i32) {
            eprintln!("Executor '{}' lost on agent: {}", e.value(), s.value());
        }

        fn error(&mut self, _: &SchedulerDriver, message: &str) {
            eprintln!("Error message: {message}");
        }
    };
}
