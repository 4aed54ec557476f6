//! The `ContainerLaunchInfo` (Mesos 1.11, `mesos.slave.ContainerLaunchInfo`) as the agent
//! passes it: the JSON form of the protobuf message (field names as in the `.proto`, enums by
//! name, unset fields absent, fields with a declared default present with it).
//!
//! Every field is either honoured, accepted because its value asks for nothing (an empty
//! repeated field, `no_new_privileges: false`, a field the agent has already consumed), or
//! refused with [`Error::Unsupported`] naming it. Unknown fields are refused too: a newer agent
//! may ask for something this helper does not know how to do.
//!
//! ```
//! use mesos_launcher::containerizer::launch_info::LaunchInfo;
//! let info = LaunchInfo::parse(r#"{
//!     "command": {"shell": true, "value": "echo hi"},
//!     "environment": {"variables": [{"name": "A", "type": "VALUE", "value": "1"}]},
//!     "working_directory": "/tmp"
//! }"#).unwrap();
//! assert_eq!(info.command.value, "echo hi");
//! assert_eq!(info.environment.unwrap(), vec![("A".to_string(), "1".to_string())]);
//!
//! let err = LaunchInfo::parse(r#"{"command": {"value": "true"}, "clone_namespaces": [131072]}"#)
//!     .unwrap_err();
//! assert!(err.to_string().contains("'clone_namespaces'"));
//! ```

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::error::Error;

/// What to run: `CommandInfo`'s `shell`, `value` and `arguments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Run `value` with `sh -c` (the protobuf default) rather than as a program.
    pub shell: bool,
    /// The shell command, or the program to execute.
    pub value: String,
    /// For a program: its whole argument vector, `argv[0]` included.
    pub arguments: Vec<String>,
}

/// The resource a [`RLimit`] applies to (`RLimitInfo.RLimit.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum RLimitType {
    As,
    Core,
    Cpu,
    Data,
    Fsize,
    Locks,
    Memlock,
    Msgqueue,
    Nice,
    Nofile,
    Nproc,
    Rss,
    Rtprio,
    Rttime,
    Sigpending,
    Stack,
}

const RLIMIT_TYPES: &[(&str, i64, RLimitType)] = &[
    ("RLMT_AS", 1, RLimitType::As),
    ("RLMT_CORE", 2, RLimitType::Core),
    ("RLMT_CPU", 3, RLimitType::Cpu),
    ("RLMT_DATA", 4, RLimitType::Data),
    ("RLMT_FSIZE", 5, RLimitType::Fsize),
    ("RLMT_LOCKS", 6, RLimitType::Locks),
    ("RLMT_MEMLOCK", 7, RLimitType::Memlock),
    ("RLMT_MSGQUEUE", 8, RLimitType::Msgqueue),
    ("RLMT_NICE", 9, RLimitType::Nice),
    ("RLMT_NOFILE", 10, RLimitType::Nofile),
    ("RLMT_NPROC", 11, RLimitType::Nproc),
    ("RLMT_RSS", 12, RLimitType::Rss),
    ("RLMT_RTPRIO", 13, RLimitType::Rtprio),
    ("RLMT_RTTIME", 14, RLimitType::Rttime),
    ("RLMT_SIGPENDING", 15, RLimitType::Sigpending),
    ("RLMT_STACK", 16, RLimitType::Stack),
];

impl RLimitType {
    /// The enum value's name in Mesos (`RLMT_NOFILE`, ...).
    pub fn name(self) -> &'static str {
        RLIMIT_TYPES
            .iter()
            .find(|(_, _, t)| *t == self)
            .map(|(n, _, _)| *n)
            .unwrap_or("?")
    }
}

/// One resource limit to set before running the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RLimit {
    /// Which resource.
    pub kind: RLimitType,
    /// `(soft, hard)`; `None` when neither is given, which Mesos reads as "unlimited".
    pub limits: Option<(u64, u64)>,
}

/// The parts of a `ContainerLaunchInfo` this helper honours, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchInfo {
    /// The command to run (required).
    pub command: Command,
    /// The command's whole environment, in order (a later duplicate wins). `None` when the
    /// field is absent: the command then inherits the helper's environment.
    pub environment: Option<Vec<(String, String)>>,
    /// The directory to run in (created if missing, as Mesos does).
    pub working_directory: Option<PathBuf>,
    /// The user to run as.
    pub user: Option<String>,
    /// Extra group ids for the user (only with a user switch).
    pub supplementary_groups: Vec<u32>,
    /// Resource limits.
    pub rlimits: Vec<RLimit>,
    /// Deprecated preparation commands, run by the helper (as itself, with its own
    /// environment) after the agent's go-ahead and before the command.
    pub pre_exec_commands: Vec<Command>,
    /// Set `PR_SET_NO_NEW_PRIVS` before running the command.
    pub no_new_privileges: bool,
}

impl LaunchInfo {
    /// Parses the JSON text of a `ContainerLaunchInfo`.
    pub fn parse(text: &str) -> Result<LaunchInfo, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::flag("launch_info", format!("not valid JSON: {e}")))?;
        LaunchInfo::from_json(&value)
    }

    /// Reads a parsed JSON value as a `ContainerLaunchInfo`.
    pub fn from_json(value: &Value) -> Result<LaunchInfo, Error> {
        let Value::Object(obj) = value else {
            return Err(Error::flag(
                "launch_info",
                format!("expected a JSON object, found {}", kind(value)),
            ));
        };
        let mut command = None;
        let mut info = LaunchInfo {
            command: Command {
                shell: true,
                value: String::new(),
                arguments: Vec::new(),
            },
            environment: None,
            working_directory: None,
            user: None,
            supplementary_groups: Vec::new(),
            rlimits: Vec::new(),
            pre_exec_commands: Vec::new(),
            no_new_privileges: false,
        };
        for (name, v) in obj {
            if v.is_null() {
                // Stout's JSON-to-protobuf reader treats null as "not set".
                continue;
            }
            let f = name.as_str();
            match f {
                "command" => command = Some(parse_command(f, v)?),
                "environment" => info.environment = Some(parse_environment(f, v)?),
                "working_directory" => info.working_directory = Some(string(f, v)?.into()),
                "user" => info.user = Some(string(f, v)?),
                "supplementary_groups" => info.supplementary_groups = u32s(f, v)?,
                "rlimits" => info.rlimits = parse_rlimits(f, v)?,
                "pre_exec_commands" => {
                    for (i, c) in array(f, v)?.iter().enumerate() {
                        info.pre_exec_commands
                            .push(parse_command(&format!("{f}[{i}]"), c)?);
                    }
                }
                "no_new_privileges" => info.no_new_privileges = boolean(f, v)?,
                // Consumed by the agent itself: for a command task it turns them into the
                // command executor's --task_environment and --task_supplementary_groups
                // arguments before it runs the helper.
                "task_environment" => {
                    object(f, v)?;
                }
                "task_supplementary_groups" => {
                    u32s(f, v)?;
                }
                // Repeated fields: an empty list asks for nothing.
                "enter_namespaces" | "clone_namespaces" => {
                    refuse_non_empty(f, v, "Linux namespaces are not supported (POSIX launcher)")?
                }
                "mounts" => refuse_non_empty(f, v, "mounts need a mount namespace")?,
                "masked_paths" => refuse_non_empty(f, v, "masking paths needs mounts")?,
                "file_operations" => refuse_non_empty(
                    f,
                    v,
                    "container file operations (symlink, mount, rename, mkdir) are not supported",
                )?,
                // Optional fields: present means asked for.
                "rootfs" => {
                    return Err(Error::unsupported(
                        f,
                        "a container root filesystem (chroot) is not supported",
                    ))
                }
                "seccomp_profile" => {
                    return Err(Error::unsupported(f, "seccomp filtering is not supported"))
                }
                "effective_capabilities" | "bounding_capabilities" => {
                    return Err(Error::unsupported(
                        f,
                        "setting Linux capabilities is not supported",
                    ))
                }
                "tty_slave_path" => {
                    return Err(Error::unsupported(
                        f,
                        "attaching a TTY as controlling terminal is not supported",
                    ))
                }
                _ => return Err(unknown(f)),
            }
        }
        let Some(command) = command else {
            return Err(Error::field(
                "command",
                "missing: the launch info has no command to run",
            ));
        };
        info.command = command;
        if !info.supplementary_groups.is_empty() && info.user.is_none() {
            return Err(Error::unsupported(
                "supplementary_groups",
                "extra groups are only applied together with a user switch, and no user is given",
            ));
        }
        Ok(info)
    }
}

fn unknown(field: &str) -> Error {
    Error::unsupported(
        field,
        "unknown field (not in Mesos 1.11's ContainerLaunchInfo)",
    )
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(f: &str, v: &'a Value) -> Result<&'a Map<String, Value>, Error> {
    v.as_object()
        .ok_or_else(|| Error::field(f, format!("expected an object, found {}", kind(v))))
}

fn array<'a>(f: &str, v: &'a Value) -> Result<&'a Vec<Value>, Error> {
    v.as_array()
        .ok_or_else(|| Error::field(f, format!("expected an array, found {}", kind(v))))
}

fn string(f: &str, v: &Value) -> Result<String, Error> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::field(f, format!("expected a string, found {}", kind(v))))
}

fn boolean(f: &str, v: &Value) -> Result<bool, Error> {
    v.as_bool()
        .ok_or_else(|| Error::field(f, format!("expected a boolean, found {}", kind(v))))
}

fn u64_of(f: &str, v: &Value) -> Result<u64, Error> {
    match v {
        Value::Number(n) => n.as_u64(),
        // Stout writes 64-bit numbers as JSON numbers; accept digits in a string as well.
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Error::field(f, format!("expected a non-negative integer, found {}", v)))
}

fn u32s(f: &str, v: &Value) -> Result<Vec<u32>, Error> {
    array(f, v)?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let p = format!("{f}[{i}]");
            u32::try_from(u64_of(&p, x)?)
                .map_err(|_| Error::field(&p, format!("{x} does not fit a 32-bit id")))
        })
        .collect()
}

fn refuse_non_empty(f: &str, v: &Value, reason: &str) -> Result<(), Error> {
    if array(f, v)?.is_empty() {
        Ok(())
    } else {
        Err(Error::unsupported(f, reason))
    }
}

/// `CommandInfo` fields: `shell`, `value`, `arguments` are honoured; `uris`, `environment`
/// and `user` are refused unless empty (the agent fetches URIs itself and moves a command's
/// environment and user into the launch info's own fields before it runs the helper).
fn parse_command(path: &str, v: &Value) -> Result<Command, Error> {
    let obj = object(path, v)?;
    let mut shell = true;
    let mut value = None;
    let mut arguments = Vec::new();
    for (name, x) in obj {
        if x.is_null() {
            continue;
        }
        let f = format!("{path}.{name}");
        match name.as_str() {
            "shell" => shell = boolean(&f, x)?,
            "value" => value = Some(string(&f, x)?),
            "arguments" => {
                for (i, a) in array(&f, x)?.iter().enumerate() {
                    arguments.push(string(&format!("{f}[{i}]"), a)?);
                }
            }
            "uris" => refuse_non_empty(
                &f,
                x,
                "the agent's fetcher downloads URIs before the launch; the helper cannot",
            )?,
            "environment" => {
                let vars = parse_environment(&f, x)?;
                if !vars.is_empty() {
                    return Err(Error::unsupported(
                        &f,
                        "a command's own environment is not merged by the helper; \
                         the agent passes it in the launch info's 'environment'",
                    ));
                }
            }
            "user" => {
                return Err(Error::unsupported(
                    &f,
                    "a command's own user is not applied by the helper; \
                     the agent passes it as the launch info's 'user'",
                ))
            }
            _ => return Err(unknown(&f)),
        }
    }
    let Some(value) = value else {
        return Err(Error::field(
            &format!("{path}.value"),
            if shell {
                "missing: a shell command needs its text"
            } else {
                "missing: the path of the program to execute is not given"
            },
        ));
    };
    Ok(Command {
        shell,
        value,
        arguments,
    })
}

/// `Environment`: a list of `{name, value, type}`; `type` must be `VALUE` (its default).
/// Secrets are refused: the agent resolves them into values before the launch.
fn parse_environment(path: &str, v: &Value) -> Result<Vec<(String, String)>, Error> {
    let obj = object(path, v)?;
    let mut out = Vec::new();
    for (name, x) in obj {
        if x.is_null() {
            continue;
        }
        let f = format!("{path}.{name}");
        match name.as_str() {
            "variables" => {
                for (i, var) in array(&f, x)?.iter().enumerate() {
                    out.push(parse_variable(&format!("{f}[{i}]"), var)?);
                }
            }
            _ => return Err(unknown(&f)),
        }
    }
    Ok(out)
}

fn parse_variable(path: &str, v: &Value) -> Result<(String, String), Error> {
    let obj = object(path, v)?;
    let mut name = None;
    let mut value = String::new();
    for (key, x) in obj {
        if x.is_null() {
            continue;
        }
        let f = format!("{path}.{key}");
        match key.as_str() {
            "name" => name = Some(string(&f, x)?),
            "value" => value = string(&f, x)?,
            "type" => match x.as_str() {
                Some("VALUE") => {}
                Some("SECRET") => {
                    return Err(Error::unsupported(
                        &f,
                        "secret environment variables must be resolved by the agent",
                    ))
                }
                _ if x.as_i64() == Some(1) => {}
                _ => {
                    return Err(Error::field(
                        &f,
                        format!("expected \"VALUE\" or \"SECRET\", found {x}"),
                    ))
                }
            },
            "secret" => {
                return Err(Error::unsupported(
                    &f,
                    "secret environment variables must be resolved by the agent",
                ))
            }
            _ => return Err(unknown(&f)),
        }
    }
    let name = name.ok_or_else(|| Error::field(&format!("{path}.name"), "missing"))?;
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(Error::field(
            &format!("{path}.name"),
            format!("'{name}' cannot be an environment variable name"),
        ));
    }
    if value.contains('\0') {
        return Err(Error::field(
            &format!("{path}.value"),
            "contains a NUL byte",
        ));
    }
    Ok((name, value))
}

/// `RLimitInfo`: `{"rlimits": [{"type": "RLMT_NOFILE", "soft": n, "hard": m}]}`.
fn parse_rlimits(path: &str, v: &Value) -> Result<Vec<RLimit>, Error> {
    let obj = object(path, v)?;
    let mut out = Vec::new();
    for (name, x) in obj {
        if x.is_null() {
            continue;
        }
        let f = format!("{path}.{name}");
        match name.as_str() {
            "rlimits" => {
                for (i, l) in array(&f, x)?.iter().enumerate() {
                    out.push(parse_rlimit(&format!("{f}[{i}]"), l)?);
                }
            }
            _ => return Err(unknown(&f)),
        }
    }
    Ok(out)
}

fn parse_rlimit(path: &str, v: &Value) -> Result<RLimit, Error> {
    let obj = object(path, v)?;
    let mut kind = None;
    let mut soft = None;
    let mut hard = None;
    for (name, x) in obj {
        if x.is_null() {
            continue;
        }
        let f = format!("{path}.{name}");
        match name.as_str() {
            "type" => {
                let found = RLIMIT_TYPES
                    .iter()
                    .find(|(n, num, _)| x.as_str() == Some(*n) || x.as_i64() == Some(*num));
                kind = Some(match found {
                    Some((_, _, t)) => *t,
                    None => {
                        return Err(Error::field(
                            &f,
                            format!("{x} is not a known resource limit type (RLMT_...)"),
                        ))
                    }
                });
            }
            "soft" => soft = Some(u64_of(&f, x)?),
            "hard" => hard = Some(u64_of(&f, x)?),
            _ => return Err(unknown(&f)),
        }
    }
    let kind = kind.ok_or_else(|| {
        Error::field(
            &format!("{path}.type"),
            "missing (Mesos' UNKNOWN type cannot be set)",
        )
    })?;
    let limits = match (soft, hard) {
        (Some(s), Some(h)) => {
            if s > h {
                return Err(Error::field(
                    path,
                    format!("{}: soft limit {s} is above hard limit {h}", kind.name()),
                ));
            }
            Some((s, h))
        }
        (None, None) => None,
        _ => {
            return Err(Error::field(
                path,
                format!(
                    "{}: give both 'soft' and 'hard', or neither for unlimited",
                    kind.name()
                ),
            ))
        }
    };
    Ok(RLimit { kind, limits })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        LaunchInfo::parse(json).unwrap_err().to_string()
    }

    #[test]
    fn a_launch_info_as_the_agent_writes_it() {
        let info = LaunchInfo::parse(
            r#"{"command":{"shell":false,"value":"/bin/x","arguments":["x","-v"]},
               "environment":{"variables":[
                   {"name":"A","type":"VALUE","value":"1"},
                   {"name":"MESOS_SANDBOX","type":"VALUE","value":"/s"}]},
               "working_directory":"/s","user":"root",
               "rlimits":{"rlimits":[{"type":"RLMT_NOFILE","soft":10,"hard":20},
                                     {"type":"RLMT_CORE"}]},
               "task_environment":{"variables":[]},
               "clone_namespaces":[],"no_new_privileges":false}"#,
        )
        .unwrap();
        assert_eq!(
            info.command,
            Command {
                shell: false,
                value: "/bin/x".into(),
                arguments: vec!["x".into(), "-v".into()]
            }
        );
        assert_eq!(info.environment.as_ref().unwrap().len(), 2);
        assert_eq!(info.user.as_deref(), Some("root"));
        assert_eq!(
            info.rlimits,
            vec![
                RLimit {
                    kind: RLimitType::Nofile,
                    limits: Some((10, 20))
                },
                RLimit {
                    kind: RLimitType::Core,
                    limits: None
                }
            ]
        );
    }

    #[test]
    fn every_unsupported_field_is_named() {
        for (json, field) in [
            (r#""rootfs":"/r""#, "'rootfs'"),
            (r#""clone_namespaces":[131072]"#, "'clone_namespaces'"),
            (r#""enter_namespaces":[1]"#, "'enter_namespaces'"),
            (r#""mounts":[{"target":"/t"}]"#, "'mounts'"),
            (r#""masked_paths":["/p"]"#, "'masked_paths'"),
            (
                r#""file_operations":[{"operation":"MKDIR"}]"#,
                "'file_operations'",
            ),
            (r#""seccomp_profile":{}"#, "'seccomp_profile'"),
            (r#""effective_capabilities":{}"#, "'effective_capabilities'"),
            (
                r#""bounding_capabilities":{"capabilities":[]}"#,
                "'bounding_capabilities'",
            ),
            (r#""tty_slave_path":"/dev/pts/3""#, "'tty_slave_path'"),
            (r#""brand_new_field":1"#, "'brand_new_field'"),
            (
                r#""environment":{"variables":[{"name":"S","type":"SECRET"}]}"#,
                "'environment.variables[0].type'",
            ),
            (
                r#""environment":{"variables":[{"name":"S","secret":{}}]}"#,
                "'environment.variables[0].secret'",
            ),
            (r#""supplementary_groups":[5]"#, "'supplementary_groups'"),
        ] {
            let e = err(&format!(r#"{{"command":{{"value":"true"}},{json}}}"#));
            assert!(e.starts_with("unsupported launch_info field "), "{e}");
            assert!(e.contains(field), "{field} not named in: {e}");
        }
        for (cmd, field) in [
            (r#""uris":[{"value":"http://x"}]"#, "'command.uris'"),
            (r#""user":"bob""#, "'command.user'"),
            (
                r#""environment":{"variables":[{"name":"A","value":"1"}]}"#,
                "'command.environment'",
            ),
            (r#""container":{}"#, "'command.container'"),
        ] {
            let e = err(&format!(r#"{{"command":{{"value":"true",{cmd}}}}}"#));
            assert!(e.contains(field), "{field} not named in: {e}");
        }
    }

    #[test]
    fn malformed_fields_are_named() {
        for (json, field) in [
            (r#"{}"#, "'command'"),
            (r#"{"command":{"shell":true}}"#, "'command.value'"),
            (r#"{"command":{"shell":false}}"#, "'command.value'"),
            (r#"{"command":{"value":7}}"#, "'command.value'"),
            (r#"{"command":{"value":"x"},"user":5}"#, "'user'"),
            (
                r#"{"command":{"value":"x"},"environment":{"variables":[{"value":"1"}]}}"#,
                "'environment.variables[0].name'",
            ),
            (
                r#"{"command":{"value":"x"},"rlimits":{"rlimits":[{"type":"RLMT_NOFILE","soft":1}]}}"#,
                "'rlimits.rlimits[0]'",
            ),
            (
                r#"{"command":{"value":"x"},"rlimits":{"rlimits":[{"type":"RLMT_BOGUS"}]}}"#,
                "'rlimits.rlimits[0].type'",
            ),
            (
                r#"{"command":{"value":"x"},"rlimits":{"rlimits":[{"type":"RLMT_CPU","soft":-1,"hard":1}]}}"#,
                "'rlimits.rlimits[0].soft'",
            ),
        ] {
            let e = err(json);
            assert!(e.starts_with("invalid launch_info field "), "{e}");
            assert!(e.contains(field), "{field} not named in: {e}");
        }
        assert!(err("{not json").starts_with("flag --launch_info: not valid JSON"));
        assert!(err("[1]").contains("expected a JSON object"));
    }
}
