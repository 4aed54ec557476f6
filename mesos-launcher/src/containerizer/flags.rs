//! The flags of `mesos-containerizer launch`.
//!
//! A flag comes either from the command line (`--name=value`; a boolean also as `--name` or
//! `--no-name`) or from the environment variable `MESOS_CONTAINERIZER_<NAME>` (the name in
//! upper case), which is how the agent passes them, so that the launch information never shows
//! in `ps`. The command line wins over the environment. An unknown flag on the command line is
//! an error; environment variables with the prefix that name no flag are ignored, as the agent
//! inherits its own environment into the helper.
//!
//! ```
//! use mesos_launcher::containerizer::flags::Flags;
//! let flags = Flags::load(
//!     &["--pipe_read=5".into(), "--pipe_write=6".into()],
//!     [("MESOS_CONTAINERIZER_LAUNCH_INFO".into(), r#"{"command":{"value":"true"}}"#.into())],
//! )
//! .unwrap();
//! assert_eq!(flags.pipe_read, Some(5));
//! assert!(flags.launch_info.unwrap().contains("true"));
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::RawFd;
use std::path::PathBuf;

use super::error::Error;

/// The prefix of the environment variables that carry the flags.
pub const ENV_PREFIX: &str = "MESOS_CONTAINERIZER_";

/// Every flag this helper knows, with whether it is a boolean.
const KNOWN: &[(&str, bool)] = &[
    ("launch_info", false),
    ("pipe_read", false),
    ("pipe_write", false),
    ("runtime_directory", false),
    ("namespace_mnt_target", false),
    ("unshare_namespace_mnt", true),
    ("sandbox_stdio", true),
    ("help", true),
];

/// The typed flags of `launch`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `--launch_info`: the `ContainerLaunchInfo` as JSON text (a value `file://<path>` is
    /// read from that file). Required.
    pub launch_info: Option<String>,
    /// `--pipe_read`: the read end of the agent's sync pipe (a file descriptor number).
    pub pipe_read: Option<RawFd>,
    /// `--pipe_write`: the write end of the same pipe, which the helper closes.
    pub pipe_write: Option<RawFd>,
    /// `--runtime_directory`: the container's runtime directory, where the exit status is
    /// checkpointed in the file `status`.
    pub runtime_directory: Option<PathBuf>,
    /// `--namespace_mnt_target`: a pid whose mount namespace to enter (refused: Linux
    /// namespaces are not supported).
    pub namespace_mnt_target: Option<i64>,
    /// `--unshare_namespace_mnt`: run in a new mount namespace (refused when true).
    pub unshare_namespace_mnt: bool,
    /// `--sandbox_stdio`: not a Mesos flag. Send the command's standard output and error to
    /// the files `stdout` and `stderr` of its working directory (the sandbox). For an agent
    /// in local mode, which otherwise gives containers its own standard output and error.
    pub sandbox_stdio: bool,
    /// `--help`: print the usage and exit.
    pub help: bool,
}

/// The flags as text, before their values are checked, plus the errors met while collecting
/// them. Lets the caller find the runtime directory (to record a failure in its status file)
/// even when another flag is wrong.
#[derive(Debug, Clone, Default)]
pub struct RawFlags {
    values: BTreeMap<&'static str, String>,
    errors: Vec<Error>,
}

fn known(name: &str) -> Option<(&'static str, bool)> {
    KNOWN.iter().copied().find(|(n, _)| *n == name)
}

impl RawFlags {
    /// Collects the flags from `args` (the arguments after the subcommand) and `env`.
    pub fn collect(
        args: &[OsString],
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> RawFlags {
        let mut raw = RawFlags::default();
        for (key, value) in env {
            let key = key.as_bytes();
            let Some(rest) = key.strip_prefix(ENV_PREFIX.as_bytes()) else {
                continue;
            };
            let name = String::from_utf8_lossy(rest).to_ascii_lowercase();
            if let Some((name, _)) = known(&name) {
                raw.values
                    .insert(name, String::from_utf8_lossy(value.as_bytes()).into_owned());
            }
        }
        let mut seen_on_command_line: Vec<&'static str> = Vec::new();
        for arg in args {
            let arg = String::from_utf8_lossy(arg.as_bytes()).into_owned();
            let Some(body) = arg.strip_prefix("--") else {
                raw.errors.push(Error::flag(
                    &arg,
                    "not a flag (expected --name=value); launch takes no positional arguments",
                ));
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (body.to_owned(), None),
            };
            let (name, value) = match (known(&name), value) {
                (Some((n, _)), Some(v)) => (n, v),
                (Some((n, true)), None) => (n, "true".to_owned()),
                (Some((n, false)), None) => {
                    raw.errors
                        .push(Error::flag(n, "needs a value (--name=value)"));
                    continue;
                }
                (None, None) => match name.strip_prefix("no-").and_then(known) {
                    Some((n, true)) => (n, "false".to_owned()),
                    _ => {
                        raw.errors.push(Error::flag(&name, "unknown flag"));
                        continue;
                    }
                },
                (None, Some(_)) => {
                    raw.errors.push(Error::flag(&name, "unknown flag"));
                    continue;
                }
            };
            if seen_on_command_line.contains(&name) {
                raw.errors.push(Error::flag(
                    name,
                    "given more than once on the command line",
                ));
                continue;
            }
            seen_on_command_line.push(name);
            raw.values.insert(name, value);
        }
        raw
    }

    /// The runtime directory, if the flag was given (whatever else is wrong).
    pub fn runtime_directory(&self) -> Option<PathBuf> {
        self.values.get("runtime_directory").map(PathBuf::from)
    }

    /// Checks every value and returns the typed flags, or the first error.
    pub fn parse(self) -> Result<Flags, Error> {
        if let Some(e) = self.errors.into_iter().next() {
            return Err(e);
        }
        let v = &self.values;
        Ok(Flags {
            launch_info: v.get("launch_info").cloned(),
            pipe_read: v.get("pipe_read").map(|s| fd("pipe_read", s)).transpose()?,
            pipe_write: v
                .get("pipe_write")
                .map(|s| fd("pipe_write", s))
                .transpose()?,
            runtime_directory: v.get("runtime_directory").map(PathBuf::from),
            namespace_mnt_target: v
                .get("namespace_mnt_target")
                .map(|s| {
                    s.trim().parse::<i64>().map_err(|_| {
                        Error::flag("namespace_mnt_target", format!("'{s}' is not a pid"))
                    })
                })
                .transpose()?,
            unshare_namespace_mnt: v
                .get("unshare_namespace_mnt")
                .map(|s| boolean("unshare_namespace_mnt", s))
                .transpose()?
                .unwrap_or(false),
            sandbox_stdio: v
                .get("sandbox_stdio")
                .map(|s| boolean("sandbox_stdio", s))
                .transpose()?
                .unwrap_or(false),
            help: v
                .get("help")
                .map(|s| boolean("help", s))
                .transpose()?
                .unwrap_or(false),
        })
    }
}

fn fd(flag: &str, s: &str) -> Result<RawFd, Error> {
    match s.trim().parse::<RawFd>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(Error::flag(
            flag,
            format!("'{s}' is not a file descriptor number"),
        )),
    }
}

fn boolean(flag: &str, s: &str) -> Result<bool, Error> {
    match s.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Error::flag(
            flag,
            format!("'{s}' is not a boolean (true or false)"),
        )),
    }
}

impl Flags {
    /// Collects and checks the flags from `args` and `env` in one go.
    pub fn load(
        args: &[OsString],
        env: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Flags, Error> {
        RawFlags::collect(args, env).parse()
    }

    /// The usage text of `launch`.
    pub fn usage() -> &'static str {
        "usage: mesos-containerizer launch [--name=value ...]\n\
         Each flag may also come from the environment as MESOS_CONTAINERIZER_<NAME>;\n\
         the command line wins.\n\
         \x20 --launch_info=JSON          the ContainerLaunchInfo (JSON, or file://PATH); required\n\
         \x20 --pipe_read=FD              read end of the agent's sync pipe (with --pipe_write)\n\
         \x20 --pipe_write=FD             write end of the same pipe (closed by the helper)\n\
         \x20 --runtime_directory=DIR     where to checkpoint the exit status (file 'status')\n\
         \x20 --unshare_namespace_mnt     refused: mount namespaces are not supported\n\
         \x20 --namespace_mnt_target=PID  refused: mount namespaces are not supported\n\
         \x20 --sandbox_stdio            (not in Mesos) write the command's stdout/stderr to\n\
         \x20                            the files stdout/stderr of its working directory\n\
         \x20 --help                      this text\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn env(v: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        v.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn environment_and_command_line_merge_with_the_command_line_winning() {
        let f = Flags::load(
            &os(&["--pipe_read=7", "--unshare_namespace_mnt"]),
            env(&[
                ("MESOS_CONTAINERIZER_PIPE_READ", "3"),
                ("MESOS_CONTAINERIZER_PIPE_WRITE", "4"),
                ("MESOS_CONTAINERIZER_RUNTIME_DIRECTORY", "/x/y"),
                ("MESOS_CONTAINERIZER_SOMETHING_NEW", "ignored"),
                ("MESOS_WORK_DIR", "/ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(f.pipe_read, Some(7));
        assert_eq!(f.pipe_write, Some(4));
        assert_eq!(f.runtime_directory, Some(PathBuf::from("/x/y")));
        assert!(f.unshare_namespace_mnt);
        assert_eq!(f.launch_info, None);
    }

    #[test]
    fn booleans_take_every_spelling() {
        let f = Flags::load(&os(&["--no-unshare_namespace_mnt"]), env(&[])).unwrap();
        assert!(!f.unshare_namespace_mnt);
        let f = Flags::load(
            &[],
            env(&[("MESOS_CONTAINERIZER_UNSHARE_NAMESPACE_MNT", "false")]),
        )
        .unwrap();
        assert!(!f.unshare_namespace_mnt);
        let e = Flags::load(&os(&["--unshare_namespace_mnt=maybe"]), env(&[])).unwrap_err();
        assert!(e.to_string().contains("--unshare_namespace_mnt"), "{e}");
    }

    #[test]
    fn bad_flags_are_named() {
        for (args, flag) in [
            (&["--bogus=1"][..], "--bogus"),
            (&["--pipe_read=x"][..], "--pipe_read"),
            (&["--pipe_read=-2"][..], "--pipe_read"),
            (&["--launch_info"][..], "--launch_info"),
            (&["--pipe_read=1", "--pipe_read=2"][..], "--pipe_read"),
            (&["stray"][..], "--stray"),
        ] {
            let e = Flags::load(&os(args), env(&[])).unwrap_err();
            assert!(e.to_string().starts_with(&format!("flag {flag}")), "{e}");
        }
    }

    #[test]
    fn the_runtime_directory_is_known_even_when_another_flag_is_wrong() {
        let raw = RawFlags::collect(&os(&["--bogus", "--runtime_directory=/r"]), env(&[]));
        assert_eq!(raw.runtime_directory(), Some(PathBuf::from("/r")));
        assert!(raw.parse().is_err());
    }
}
