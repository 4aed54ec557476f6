//! `mesos-containerizer launch`: the first process of a container started by the Mesos
//! containerizer's POSIX launcher.
//!
//! The agent forks this program (in a new session) with the flags in `MESOS_CONTAINERIZER_*`
//! environment variables (see [`flags`]), the sandbox's `stdout`/`stderr` files as its standard
//! output and error, and the two ends of a pipe. The helper then, in order:
//!
//! 1. opens `<runtime_directory>/status` (if that flag is given) so that any later outcome,
//!    failures included, is recorded there;
//! 2. installs handlers that forward every catchable signal to the command once it runs (a
//!    signal that arrives earlier ends the helper and is recorded as a death by that signal);
//! 3. parses and checks the `ContainerLaunchInfo` (see [`launch_info`]), refusing any field it
//!    cannot honour;
//! 4. closes the pipe's write end and blocks until the agent writes one byte (the agent does so
//!    once the container is isolated and its URIs fetched); end of file means the agent went
//!    away, and the helper gives up;
//! 5. runs the deprecated `pre_exec_commands`, then changes to the working directory;
//! 6. with a runtime directory: forks the command (resource limits, user switch and
//!    `no_new_privileges` are applied in the child just before `exec`), forwards signals to it,
//!    reaps it, writes its raw wait status in decimal to the status file (where the agent reads
//!    it) and exits with status 0, as Mesos' helper does. Without one, it becomes the command
//!    (`exec`).
//!
//! Every failure is printed on standard error naming what failed, recorded as exit status 1
//! in the status file, and ends the helper with status 1.
//!
//! ```no_run
//! // What src/bin/mesos-containerizer.rs does:
//! let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
//! std::process::exit(mesos_launcher::containerizer::main(&args));
//! ```

pub mod error;
pub mod flags;
pub mod launch_info;
mod sys;

use std::collections::HashMap;
use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub use error::Error;
use flags::{Flags, RawFlags};
use launch_info::{Command, LaunchInfo, RLimitType};

/// The name of the status file in the runtime directory.
pub const STATUS_FILE: &str = "status";

/// The `PATH` given to a command whose environment does not set one (Mesos' host default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const NAME: &str = "mesos-containerizer";

/// Runs the program with its whole argument vector (`argv[0]` first) and returns the exit
/// code; does not return when it becomes the command.
pub fn main(args: &[OsString]) -> i32 {
    match args.get(1).map(|a| a.as_bytes()) {
        Some(b"launch") => launch(&args[2..], std::env::vars_os()),
        Some(b"--help") | Some(b"-h") | Some(b"help") => {
            print!("{}", usage());
            0
        }
        None => {
            eprint!("{NAME}: no subcommand given\n{}", usage());
            1
        }
        Some(other) => {
            eprint!(
                "{NAME}: unknown subcommand '{}': this {NAME} implements only 'launch'\n{}",
                String::from_utf8_lossy(other),
                usage()
            );
            1
        }
    }
}

fn usage() -> String {
    format!(
        "usage: {NAME} <subcommand> [--name=value ...]\n\
         subcommands:\n  launch   run a container's command for the Mesos agent\n"
    )
}

/// `mesos-containerizer launch`: `args` are the arguments after `launch`, `env` the
/// environment to read `MESOS_CONTAINERIZER_*` flags from. Returns the exit code, or does not
/// return (it execs the command when there is no runtime directory).
pub fn launch(args: &[OsString], env: impl IntoIterator<Item = (OsString, OsString)>) -> i32 {
    let raw = RawFlags::collect(args, env);
    if let Some(dir) = raw.runtime_directory() {
        let path = dir.join(STATUS_FILE);
        if let Err(e) = sys::open_status_file(&path) {
            let e = Error::launch(
                &format!("open the container status file '{}'", path.display()),
                e,
            );
            eprintln!("{NAME} launch: {e}");
            return 1;
        }
    }
    if let Err(e) = sys::install_forwarding() {
        return fail(Error::launch("install signal handlers", e));
    }
    match run(raw) {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

/// Reports `e`, records exit status 1 and returns the exit code 1.
fn fail(e: Error) -> i32 {
    eprintln!("{NAME} launch: {e}");
    // W_EXITCODE(1, 0): "exited with status 1".
    sys::record_status(1 << 8);
    1
}

fn run(raw: RawFlags) -> Result<i32, Error> {
    let flags = raw.parse()?;
    if flags.help {
        print!("{}", Flags::usage());
        sys::record_status(0);
        return Ok(0);
    }
    let text = match flags.launch_info.as_deref() {
        None => return Err(Error::flag("launch_info", "missing (required)")),
        Some(t) => match t.strip_prefix("file://") {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| Error::flag("launch_info", format!("cannot read '{path}': {e}")))?,
            None => t.to_owned(),
        },
    };
    let info = LaunchInfo::parse(&text)?;
    if flags.sandbox_stdio {
        sandbox_stdio(&info)?;
    }
    if flags.unshare_namespace_mnt {
        return Err(Error::flag(
            "unshare_namespace_mnt",
            "a new mount namespace is not supported by this helper",
        ));
    }
    if flags.namespace_mnt_target.is_some() {
        return Err(Error::flag(
            "namespace_mnt_target",
            "entering another process's mount namespace is not supported by this helper",
        ));
    }
    let user = resolve_user(&info)?;

    match (flags.pipe_read, flags.pipe_write) {
        (Some(read), Some(write)) => synchronize(read, write)?,
        (None, None) => {}
        _ => {
            return Err(Error::flag(
                if flags.pipe_read.is_some() {
                    "pipe_write"
                } else {
                    "pipe_read"
                },
                "--pipe_read and --pipe_write must be given together",
            ))
        }
    }

    for (i, c) in info.pre_exec_commands.iter().enumerate() {
        run_pre_exec(i, c)?;
    }

    if let Some(dir) = &info.working_directory {
        // Mesos creates a missing working directory (one level) and only reports a failure.
        if !dir.exists() {
            if let Err(e) = std::fs::create_dir(dir) {
                eprintln!(
                    "{NAME} launch: could not create working directory '{}': {e}",
                    dir.display()
                );
            }
        }
        std::env::set_current_dir(dir).map_err(|e| {
            Error::launch(
                &format!("change to working directory '{}'", dir.display()),
                e,
            )
        })?;
    }

    let prepared = prepare_exec(&info, user)?;
    if flags.runtime_directory.is_none() {
        // Nothing to checkpoint: become the command, as Mesos' helper does.
        become_command(&prepared);
    }

    let blocked = sys::block_signals();
    let child = match sys::fork() {
        Err(e) => {
            blocked.restore();
            return Err(Error::launch("fork the command", e));
        }
        Ok(sys::Forked::Child) => {
            // The parent records the outcome; the child must not touch the status file.
            sys::forget_status_file();
            become_command(&prepared)
        }
        Ok(sys::Forked::Parent(pid)) => pid,
    };
    blocked.restore();
    let status = sys::wait_for(child).map_err(|e| Error::launch("wait for the command", e))?;
    sys::record_status(status);
    // As Mesos' helper: the command's status is in the status file, which is what the agent
    // reads; the helper itself succeeded.
    Ok(0)
}

/// Points standard output and error at `stdout` and `stderr` in the working directory
/// (appending, created if missing), as an agent outside local mode would have.
fn sandbox_stdio(info: &LaunchInfo) -> Result<(), Error> {
    let Some(dir) = &info.working_directory else {
        return Err(Error::flag(
            "sandbox_stdio",
            "needs launch_info.working_directory (the sandbox)",
        ));
    };
    for (fd, name) in [(1, "stdout"), (2, "stderr")] {
        let path = dir.join(name);
        sys::redirect(fd, &path)
            .map_err(|e| Error::launch(&format!("send fd {fd} to '{}'", path.display()), e))?;
    }
    Ok(())
}

/// Closes the write end and waits for the agent's byte on the read end.
fn synchronize(read: i32, write: i32) -> Result<(), Error> {
    sys::close(write)
        .map_err(|e| Error::launch(&format!("close the sync pipe's write end (fd {write})"), e))?;
    let n = sys::read_byte(read).map_err(|e| {
        Error::launch(
            &format!("synchronize with the agent (reading fd {read})"),
            e,
        )
    })?;
    if n != 1 {
        return Err(Error::launch(
            "synchronize with the agent",
            "the sync pipe was closed without the go-ahead byte (the agent probably exited \
             or gave up on this container)",
        ));
    }
    sys::close(read)
        .map_err(|e| Error::launch(&format!("close the sync pipe's read end (fd {read})"), e))
}

/// The ids to switch to, if the launch info names a user other than the one running the
/// helper.
struct Switch {
    uid: libc::uid_t,
    gid: libc::gid_t,
    groups: Vec<libc::gid_t>,
}

fn resolve_user(info: &LaunchInfo) -> Result<Option<Switch>, Error> {
    let Some(name) = &info.user else {
        return Ok(None);
    };
    let user = sys::lookup_user(name)
        .map_err(|e| Error::launch(&format!("look up user '{name}'"), e))?
        .ok_or_else(|| Error::field("user", format!("no user named '{name}' on this host")))?;
    let euid = sys::geteuid();
    if user.uid == euid {
        if !info.supplementary_groups.is_empty() {
            return Err(Error::unsupported(
                "supplementary_groups",
                format!(
                    "the helper already runs as '{name}', so no user switch happens and the \
                     extra groups would not be applied"
                ),
            ));
        }
        return Ok(None);
    }
    if euid != 0 {
        return Err(Error::field(
            "user",
            format!(
                "running the command as '{name}' (uid {}) needs root, but this helper runs as \
                 uid {euid}; start the agent as root or launch as the agent's own user",
                user.uid
            ),
        ));
    }
    let mut groups = sys::group_list(name, user.gid)
        .map_err(|e| Error::launch(&format!("list the groups of user '{name}'"), e))?;
    groups.extend(info.supplementary_groups.iter().copied());
    Ok(Some(Switch {
        uid: user.uid,
        gid: user.gid,
        groups,
    }))
}

fn run_pre_exec(i: usize, c: &Command) -> Result<(), Error> {
    eprintln!(
        "{NAME} launch: executing pre-exec command {i}: {}",
        if c.shell {
            format!("sh -c {:?}", c.value)
        } else {
            format!("{} {:?}", c.value, c.arguments)
        }
    );
    let mut cmd = if c.shell {
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c").arg(&c.value);
        cmd
    } else {
        let mut cmd = std::process::Command::new(&c.value);
        if let Some((arg0, rest)) = c.arguments.split_first() {
            std::os::unix::process::CommandExt::arg0(&mut cmd, arg0);
            cmd.args(rest);
        }
        cmd
    };
    let step = format!("run pre_exec_commands[{i}]");
    let status = cmd.status().map_err(|e| Error::launch(&step, e))?;
    if !status.success() {
        return Err(Error::launch(&step, status));
    }
    Ok(())
}

/// Everything `exec` needs, prepared before forking.
struct Prepared {
    /// Where the program may be, in order (see [`program_candidates`]).
    candidates: Vec<CString>,
    /// The error when no candidate is executable (`None`: there is one candidate, executed
    /// as it is so that its own error is reported).
    not_found: Option<String>,
    argv: Vec<CString>,
    envp: Vec<CString>,
    rlimits: Vec<launch_info::RLimit>,
    switch: Option<Switch>,
    no_new_privileges: bool,
    display: String,
}

fn rlimit_resource(kind: RLimitType) -> i32 {
    (match kind {
        RLimitType::As => libc::RLIMIT_AS,
        RLimitType::Core => libc::RLIMIT_CORE,
        RLimitType::Cpu => libc::RLIMIT_CPU,
        RLimitType::Data => libc::RLIMIT_DATA,
        RLimitType::Fsize => libc::RLIMIT_FSIZE,
        RLimitType::Locks => libc::RLIMIT_LOCKS,
        RLimitType::Memlock => libc::RLIMIT_MEMLOCK,
        RLimitType::Msgqueue => libc::RLIMIT_MSGQUEUE,
        RLimitType::Nice => libc::RLIMIT_NICE,
        RLimitType::Nofile => libc::RLIMIT_NOFILE,
        RLimitType::Nproc => libc::RLIMIT_NPROC,
        RLimitType::Rss => libc::RLIMIT_RSS,
        RLimitType::Rtprio => libc::RLIMIT_RTPRIO,
        RLimitType::Rttime => libc::RLIMIT_RTTIME,
        RLimitType::Sigpending => libc::RLIMIT_SIGPENDING,
        RLimitType::Stack => libc::RLIMIT_STACK,
    }) as i32
}

/// The command's environment: the launch info's variables (a later duplicate wins, with a
/// notice) plus a default `PATH`; or, when the launch info has no environment, the helper's
/// own minus the `MESOS_CONTAINERIZER_*` flags.
fn command_environment(info: &LaunchInfo) -> Vec<(OsString, OsString)> {
    let mut out: Vec<(OsString, OsString)> = Vec::new();
    let mut index: HashMap<OsString, usize> = HashMap::new();
    let mut put =
        |k: OsString, v: OsString, out: &mut Vec<(OsString, OsString)>| match index.get(&k) {
            Some(&i) => {
                if out[i].1 != v {
                    eprintln!(
                        "{NAME} launch: overwriting environment variable '{}'",
                        k.to_string_lossy()
                    );
                }
                out[i].1 = v;
            }
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, v));
            }
        };
    match &info.environment {
        Some(vars) => {
            for (k, v) in vars {
                put(k.into(), v.into(), &mut out);
            }
            if !out.iter().any(|(k, _)| k == "PATH") {
                out.push(("PATH".into(), DEFAULT_PATH.into()));
            }
        }
        None => {
            for (k, v) in std::env::vars_os() {
                if !k.as_bytes().starts_with(flags::ENV_PREFIX.as_bytes()) {
                    put(k, v, &mut out);
                }
            }
        }
    }
    out
}

/// The shell that runs a shell command: `/bin/sh`, as `CommandInfo` documents it, never an
/// `sh` found in the working directory or the command's `PATH`.
pub const SHELL: &str = "/bin/sh";

/// Where the program may be, in the order it is looked for. A shell command runs [`SHELL`].
/// A program name with a slash is taken as it is; one without is looked for in the working
/// directory first (as Mesos does), then in each directory of the command's `PATH`. Whether
/// a candidate is executable is decided in the child, once it runs as the command's user
/// (see [`become_command`]).
fn program_candidates(info: &LaunchInfo, path_var: Option<&OsString>) -> Vec<PathBuf> {
    if info.command.shell {
        return vec![PathBuf::from(SHELL)];
    }
    let value = &info.command.value;
    if value.contains('/') {
        return vec![PathBuf::from(value)];
    }
    let search = path_var
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_PATH.to_owned());
    let mut out = Vec::new();
    if let Some(wd) = &info.working_directory {
        out.push(wd.join(value));
    }
    out.extend(
        search
            .split(':')
            .map(|d| Path::new(if d.is_empty() { "." } else { d }).join(value)),
    );
    out
}

fn prepare_exec(info: &LaunchInfo, switch: Option<Switch>) -> Result<Prepared, Error> {
    let env = command_environment(info);
    let path_var = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v);
    let candidates = program_candidates(info, path_var);
    let search = path_var
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_PATH.to_owned());
    let argv: Vec<String> = if info.command.shell {
        vec!["sh".into(), "-c".into(), info.command.value.clone()]
    } else if info.command.arguments.is_empty() {
        // Mesos would pass an empty argument vector; give the program its own name instead.
        vec![info.command.value.clone()]
    } else {
        info.command.arguments.clone()
    };
    let nul = |what: &str| Error::field(what, "contains a NUL byte");
    let candidates_c = candidates
        .iter()
        .map(|p| sys::cstring(p.as_os_str().as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul("command.value"))?;
    let argv_c = argv
        .iter()
        .map(|a| sys::cstring(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul("command.arguments"))?;
    let envp = env
        .iter()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            sys::cstring(&kv)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul("environment"))?;
    let rlimits = info.rlimits.clone();
    let not_found = if info.command.shell || info.command.value.contains('/') {
        None
    } else {
        Some(format!(
            "execute '{}': not found (or not executable by the command's user) in the \
             working directory or PATH '{search}'",
            info.command.value
        ))
    };
    Ok(Prepared {
        display: format!("{:?}", argv),
        candidates: candidates_c,
        not_found,
        argv: argv_c,
        envp,
        rlimits,
        switch,
        no_new_privileges: info.no_new_privileges,
    })
}

/// Applies the per-process settings and execs the command; on any failure prints it and
/// exits with status 1 (in the forked child, the parent records that status).
///
/// Order: every descriptor but standard input, output and error is marked close-on-exec
/// first (before the command's `RLIMIT_NOFILE` could keep a directory listing from
/// opening); then resource limits; then the user switch (supplementary groups, group,
/// user); then `no_new_privileges`; then the program is looked up with the command's own
/// credentials and executed.
fn become_command(p: &Prepared) -> ! {
    let fail = |e: Error| -> ! {
        eprintln!("{NAME} launch: {e}");
        sys::record_status(1 << 8);
        sys::exit_now(1)
    };
    if let Err(e) = sys::cloexec_above_stderr() {
        fail(Error::launch(
            "mark the helper's descriptors close-on-exec (the command would inherit them)",
            e,
        ));
    }
    for l in &p.rlimits {
        if let Err(e) = sys::set_rlimit(rlimit_resource(l.kind), l.limits) {
            fail(Error::launch(
                &format!("set the {} limit", l.kind.name()),
                e,
            ));
        }
    }
    if let Some(s) = &p.switch {
        if let Err(e) = sys::switch_user(s.uid, s.gid, &s.groups) {
            fail(Error::launch(
                &format!("switch to uid {} gid {}", s.uid, s.gid),
                e,
            ));
        }
    }
    if p.no_new_privileges {
        if let Err(e) = sys::set_no_new_privs() {
            fail(Error::launch("set no_new_privileges", e));
        }
    }
    sys::reset_signals();
    // Looked up now, as the command's user: a file only root may execute is skipped.
    let program = match &p.not_found {
        None => p.candidates.first(),
        Some(_) => p.candidates.iter().find(|c| sys::is_executable_file(c)),
    };
    let Some(program) = program else {
        fail(Error::launch(
            p.not_found.as_deref().unwrap_or("execute the command"),
            "no such program",
        ))
    };
    let e = sys::exec(program, &p.argv, &p.envp);
    fail(Error::launch(
        &format!("execute '{}' {}", program.to_string_lossy(), p.display),
        e,
    ))
}
