//! Process control for one task: start it in a session of its own, signal every process
//! that belongs to it, wait for it, and make sure none is left.
//!
//! A task is started with `setsid`, so its first process leads a new session and a new
//! process group whose ids equal its pid. A process *belongs to the task* while it is in
//! that session or that process group, or descends from the task's first process. With
//! [`Reaping::AllChildren`] (what `mesos-executor` uses: it makes itself a child
//! subreaper), processes orphaned inside the task are re-parented to the executor instead
//! of init, so every descendant of the executor belongs to the task too, even one that
//! started a session of its own and whose parent exited.
//!
//! Everything here is Linux-specific (`/proc`, `prctl`).

use std::ffi::{CStr, CString, OsString};
use std::io;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `/bin/sh -c <script>` (a `CommandInfo` with `shell` true, the default).
    Shell(String),
    /// `path` executed directly with `argv` (a `CommandInfo` with `shell` false: `value`
    /// is the program, `arguments` the whole argv including `argv[0]`). An empty `argv`
    /// means `[path]`. A `path` without `/` is looked up in the task's `PATH`.
    Exec {
        /// The executable.
        path: String,
        /// Its argument vector, `argv[0]` first.
        argv: Vec<String>,
    },
}

/// Everything needed to start a task's process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSpec {
    /// The program.
    pub program: Program,
    /// The task's complete environment (nothing else is inherited).
    pub environment: Vec<(OsString, OsString)>,
    /// The working directory; `None` keeps the executor's (the sandbox).
    pub working_directory: Option<PathBuf>,
    /// Run as this user (needs root unless it is the current user).
    pub user: Option<String>,
    /// Supplementary groups added to the user's own.
    pub supplementary_groups: Vec<u32>,
    /// Ask the kernel to SIGKILL the task's first process when the thread that started it
    /// ends (so a killed executor does not leave its task running). That thread must live
    /// as long as the task.
    pub die_with_parent: bool,
}

impl LaunchSpec {
    /// A spec running `program` with `environment`, in the current directory, as the
    /// current user.
    pub fn new(program: Program, environment: Vec<(OsString, OsString)>) -> LaunchSpec {
        LaunchSpec {
            program,
            environment,
            working_directory: None,
            user: None,
            supplementary_groups: Vec::new(),
            die_with_parent: false,
        }
    }
}

/// Why a task could not be started.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The user does not exist.
    #[error("unknown user '{0}'")]
    UnknownUser(String),
    /// The executor may not switch to that user.
    #[error("cannot run the task as '{user}' (uid {uid}): this executor runs as uid {euid} without the privilege to switch users")]
    CannotSwitchUser {
        /// The requested user.
        user: String,
        /// Their uid.
        uid: u32,
        /// This process' effective uid.
        euid: u32,
    },
    /// A string with a NUL byte.
    #[error("{what} contains a NUL byte")]
    Nul {
        /// Which string.
        what: String,
    },
    /// `fork`/`exec` or a step in between failed.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The program, for the message.
        program: String,
        /// The error.
        source: io::Error,
    },
}

/// How the task's processes are waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaping {
    /// Only the task's first process is waited for (`waitpid(pid)`); the rest of its
    /// processes are re-parented to init or another subreaper when their parent exits.
    /// Safe in a process with other children (e.g. a test).
    FirstProcessOnly,
    /// This process is a child subreaper ([`become_subreaper`]) and has no children but the
    /// task: every child is waited for (`waitpid(-1)`), orphans included.
    AllChildren,
}

/// Makes this process a child subreaper: orphaned descendants are re-parented to it
/// rather than to init, so they can still be found, signalled and reaped.
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag; no memory is passed.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A user's ids, resolved before forking (the lookup is not async-signal-safe).
#[derive(Debug, Clone)]
struct Identity {
    uid: libc::uid_t,
    gid: libc::gid_t,
    groups: Vec<libc::gid_t>,
}

fn resolve_user(name: &str, extra_groups: &[u32]) -> Result<Identity, LaunchError> {
    let cname = CString::new(name).map_err(|_| LaunchError::Nul {
        what: "the user name".into(),
    })?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: passwd is plain old data; getpwnam_r fills it and points its strings into
    // `buf`, which outlives every use below.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return Err(LaunchError::UnknownUser(name.to_owned()));
    }
    let (uid, gid) = (pwd.pw_uid, pwd.pw_gid);
    let mut groups: Vec<libc::gid_t> = vec![0; 256];
    let mut n = groups.len() as libc::c_int;
    // SAFETY: `groups` has room for `n` entries; getgrouplist writes at most that many and
    // sets `n` to the number it found (or needed).
    let rc = unsafe { libc::getgrouplist(cname.as_ptr(), gid, groups.as_mut_ptr(), &mut n) };
    if rc < 0 {
        groups.resize(n.max(0) as usize, 0);
        // SAFETY: as above, now with the size getgrouplist asked for.
        unsafe { libc::getgrouplist(cname.as_ptr(), gid, groups.as_mut_ptr(), &mut n) };
    }
    groups.truncate(n.max(0) as usize);
    for g in extra_groups {
        if !groups.contains(g) {
            groups.push(*g);
        }
    }
    Ok(Identity { uid, gid, groups })
}

/// The task's first process; see the [module docs](self).
#[derive(Debug)]
pub struct TaskProcess {
    pid: i32,
    reaping: Reaping,
    /// Every process ever found to belong to the task, as `(pid, start time)`: one that
    /// left the task's session and lost its parent is still known (and, thanks to the start
    /// time, never confused with a later process that reuses its pid).
    seen: std::sync::Mutex<Vec<(i32, u64)>>,
    /// Whether the first process has been reaped. Until then its pid, session id and process
    /// group id cannot be reused; after, they can. Held while the group is signalled and
    /// while the first process is reaped, so the two never overlap.
    reaped: std::sync::Mutex<bool>,
}

impl TaskProcess {
    /// Starts the task. The new process leads its own session and process group; its
    /// stdin, stdout and stderr are this process' (under an agent: the sandbox's `stdout`
    /// and `stderr` files).
    pub fn spawn(spec: &LaunchSpec, reaping: Reaping) -> Result<TaskProcess, LaunchError> {
        let (mut cmd, label) = match &spec.program {
            Program::Shell(script) => {
                let mut c = Command::new("/bin/sh");
                c.arg0("sh").arg("-c").arg(script);
                (c, format!("sh -c '{script}'"))
            }
            Program::Exec { path, argv } => {
                let mut c = Command::new(path);
                match argv.split_first() {
                    Some((first, rest)) => {
                        c.arg0(first).args(rest);
                    }
                    None => {
                        c.arg0(path);
                    }
                }
                (c, format!("'{path}'"))
            }
        };
        cmd.env_clear();
        for (k, v) in &spec.environment {
            cmd.env(k, v);
        }
        if let Some(dir) = &spec.working_directory {
            cmd.current_dir(dir);
        }
        // SAFETY: geteuid has no preconditions.
        let euid = unsafe { libc::geteuid() };
        let identity = match &spec.user {
            None => None,
            Some(user) => {
                let id = resolve_user(user, &spec.supplementary_groups)?;
                if id.uid == euid && spec.supplementary_groups.is_empty() {
                    None // already that user: nothing to switch
                } else if euid != 0 {
                    return Err(LaunchError::CannotSwitchUser {
                        user: user.clone(),
                        uid: id.uid,
                        euid,
                    });
                } else {
                    Some(id)
                }
            }
        };
        let die_with_parent = spec.die_with_parent;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the closure runs in the child between fork and exec and calls only
        // async-signal-safe functions (sigemptyset, pthread_sigmask, setsid, setgroups,
        // setgid, setuid, prctl, getppid) on data prepared before the fork; it allocates
        // nothing.
        unsafe {
            cmd.pre_exec(move || {
                // The standard library does not reset the signal mask in the child: without
                // this, signals the executor blocks (its stop signals) would stay blocked in
                // the task, and a kill's SIGTERM would never reach it.
                let mut none: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut none);
                let rc = libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
                if rc != 0 {
                    return Err(io::Error::from_raw_os_error(rc));
                }
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                // Supplementary groups first (it needs the privilege setuid gives up), then
                // the group, then the user.
                if let Some(id) = &identity {
                    if libc::setgroups(id.groups.len(), id.groups.as_ptr()) < 0
                        || libc::setgid(id.gid) < 0
                        || libc::setuid(id.uid) < 0
                    {
                        return Err(io::Error::last_os_error());
                    }
                }
                if die_with_parent {
                    // After the switch: the kernel clears the parent-death signal when the
                    // credentials change.
                    if libc::prctl(
                        libc::PR_SET_PDEATHSIG,
                        libc::SIGKILL as libc::c_ulong,
                        0,
                        0,
                        0,
                    ) < 0
                    {
                        return Err(io::Error::last_os_error());
                    }
                    // The parent may have died before the signal was armed.
                    if libc::getppid() != parent {
                        return Err(io::Error::from_raw_os_error(libc::ESRCH));
                    }
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|source| LaunchError::Spawn {
            program: label,
            source,
        })?;
        // The pid is what is kept: waiting is done with waitpid (see `wait`), never through
        // `Child`, whose drop neither waits nor kills.
        Ok(TaskProcess {
            pid: child.id() as i32,
            reaping,
            seen: std::sync::Mutex::new(Vec::new()),
            reaped: std::sync::Mutex::new(false),
        })
    }

    /// The pid of the task's first process (also its session and process group id).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Blocks until the task's first process has exited and returns its wait status. With
    /// [`Reaping::AllChildren`] it also reaps any other child meanwhile.
    ///
    /// Just before the first process is reaped (while its pid still holds its session and
    /// process group), the task's members are recorded, so that those still alive keep
    /// being found by start time once its pid may be reused.
    pub fn wait(&self) -> io::Result<WaitStatus> {
        loop {
            let exited = wait_exited(self.pid, self.reaping)?;
            if exited != self.pid {
                // An orphan re-parented to us: reap it and go on.
                reap(exited)?;
                continue;
            }
            let mut reaped = lock(&self.reaped);
            self.scan(false);
            let status = reap(self.pid)?;
            *reaped = true;
            return Ok(WaitStatus(status));
        }
    }

    /// The live processes that belong to the task now (zombies excluded), including any
    /// seen earlier that is still alive.
    pub fn members(&self) -> Vec<i32> {
        let reaped = *lock(&self.reaped);
        self.scan(reaped).into_iter().map(|(pid, _)| pid).collect()
    }

    /// The members as `(pid, start time)`; records them in `seen`.
    ///
    /// Before the first process is reaped, a process belongs to the task if it is in the
    /// task's session or process group or descends from the first process. After, the first
    /// process' pid may have been given to an unrelated process, which may have made it its
    /// own session and group id: the session is then only trusted while a process recorded
    /// as a member still holds it (a process cannot rejoin a session, so the id was never
    /// free), and otherwise only recorded members (by pid and start time) and their
    /// descendants count.
    fn scan(&self, reaped: bool) -> Vec<(i32, u64)> {
        let procs = all_processes();
        let mut seen = lock(&self.seen);
        let alive = |p: &ProcStat| p.state != 'Z' && p.state != 'X';
        let is_seen = |p: &ProcStat, seen: &[(i32, u64)]| seen.contains(&(p.pid, p.start_time));
        let ids_trusted = !reaped
            || procs
                .iter()
                .any(|p| alive(p) && p.session == self.pid && is_seen(p, &seen));
        let mut roots: Vec<i32> = Vec::new();
        if ids_trusted {
            roots.extend(
                procs
                    .iter()
                    .filter(|p| p.session == self.pid || p.pgrp == self.pid)
                    .map(|p| p.pid),
            );
        }
        if !reaped {
            roots.push(self.pid);
        }
        roots.extend(
            procs
                .iter()
                .filter(|p| alive(p) && is_seen(p, &seen))
                .map(|p| p.pid),
        );
        let me = std::process::id() as i32;
        if self.reaping == Reaping::AllChildren {
            roots.push(me);
        }
        let mut pids = roots.clone();
        for r in &roots {
            pids.extend(descendants(&procs, *r));
        }
        pids.sort_unstable();
        pids.dedup();
        let mut members: Vec<(i32, u64)> = procs
            .iter()
            .filter(|p| p.pid != me && alive(p) && pids.contains(&p.pid))
            .map(|p| (p.pid, p.start_time))
            .collect();
        members.sort_unstable();
        for m in &members {
            if !seen.contains(m) {
                seen.push(*m);
            }
        }
        members
    }

    /// Sends `signal` to every process that belongs to the task and, while the first process
    /// is not reaped, to its process group; then `SIGCONT` so that a stopped process handles
    /// it. Returns the pids signalled.
    ///
    /// Each process is signalled through a pidfd opened after checking its start time, so a
    /// process that ended and whose pid was reused meanwhile is never hit. The members are
    /// listed before anything is signalled: once the task's shell dies, a child that started
    /// a session of its own is re-parented and no longer looks like part of the task (it
    /// stays known to this `TaskProcess`, see [`TaskProcess::members`]).
    pub fn signal(&self, signal: i32) -> Vec<i32> {
        let reaped = lock(&self.reaped);
        let mut signalled = self.scan(*reaped);
        let send = |pids: &[(i32, u64)]| {
            for &(p, start) in pids {
                signal_exact(p, start, signal);
                if signal != libc::SIGKILL && signal != libc::SIGCONT {
                    signal_exact(p, start, libc::SIGCONT);
                }
            }
        };
        send(&signalled);
        if !*reaped {
            // SAFETY: kill takes integers. The first process is not reaped (and cannot be
            // while `reaped` is locked), so the group id is still the task's.
            unsafe {
                libc::kill(-self.pid, signal);
            }
        }
        // Processes forked while the first ones were being signalled.
        let late: Vec<(i32, u64)> = self
            .scan(*reaped)
            .into_iter()
            .filter(|p| !signalled.contains(p))
            .collect();
        send(&late);
        signalled.extend(late);
        signalled.into_iter().map(|(pid, _)| pid).collect()
    }

    /// SIGKILLs whatever is left of the task until nothing is, or until `within` passed;
    /// reaps them too with [`Reaping::AllChildren`]. Returns the pids still alive at the
    /// end (empty on success). Call it after the first process was waited for.
    pub fn kill_remaining(&self, within: Duration) -> Vec<i32> {
        let deadline = Instant::now() + within;
        loop {
            let left = self.signal(libc::SIGKILL);
            if self.reaping == Reaping::AllChildren {
                reap_nonblocking();
            }
            if left.is_empty() {
                return left;
            }
            if Instant::now() >= deadline {
                return self.members();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The start time of process `pid`, from `/proc/<pid>/stat`.
fn start_time(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text).map(|s| s.start_time)
}

/// Sends `signal` to `pid` only if it is still the process that started at `start`: a pidfd
/// is opened first (it keeps referring to that process even if it exits), then the start
/// time is checked, then the signal goes through the pidfd. Without pidfds (Linux before
/// 5.3), the start time is checked just before `kill`.
fn signal_exact(pid: i32, start: u64, signal: i32) {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if fd < 0 {
        if io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS)
            && start_time(pid) == Some(start)
        {
            // SAFETY: kill takes integers.
            unsafe { libc::kill(pid, signal) };
        }
        return;
    }
    if start_time(pid) == Some(start) {
        // SAFETY: `fd` is the pidfd opened above; no siginfo is passed.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                fd,
                signal,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
    }
    // SAFETY: closing the descriptor opened above, once.
    unsafe { libc::close(fd) };
}

/// A raw wait status as `waitpid` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitStatus(pub i32);

impl WaitStatus {
    /// Exited with status 0.
    pub fn success(self) -> bool {
        libc::WIFEXITED(self.0) && libc::WEXITSTATUS(self.0) == 0
    }

    /// The exit status, if the process exited.
    pub fn code(self) -> Option<i32> {
        libc::WIFEXITED(self.0).then(|| libc::WEXITSTATUS(self.0))
    }

    /// The signal that ended the process, if one did.
    pub fn signal(self) -> Option<i32> {
        libc::WIFSIGNALED(self.0).then(|| libc::WTERMSIG(self.0))
    }

    /// How Mesos words it: `exited with status 3`, `terminated with signal Killed`.
    ///
    /// ```
    /// use mesos_launcher::command::process::WaitStatus;
    /// assert_eq!(WaitStatus(3 << 8).describe(), "exited with status 3");
    /// assert_eq!(WaitStatus(9).describe(), "terminated with signal Killed");
    /// ```
    pub fn describe(self) -> String {
        match (self.code(), self.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(sig)) => format!("terminated with signal {}", signal_name(sig)),
            _ => format!("ended with wait status {:#x}", self.0),
        }
    }
}

/// The C library's description of a signal (`Terminated`, `Killed`, ...).
pub fn signal_name(signal: i32) -> String {
    // SAFETY: strsignal returns a pointer to a NUL-terminated string (static for known
    // signals, a per-thread buffer otherwise) that stays valid until the next call on this
    // thread; it is copied at once.
    unsafe {
        let p = libc::strsignal(signal);
        if p.is_null() {
            format!("signal {signal}")
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

/// Waits until the first process (or, with [`Reaping::AllChildren`], any child) has exited,
/// without reaping it, and returns its pid.
fn wait_exited(pid: i32, reaping: Reaping) -> io::Result<i32> {
    let (idtype, id) = match reaping {
        Reaping::FirstProcessOnly => (libc::P_PID, pid as libc::id_t),
        Reaping::AllChildren => (libc::P_ALL, 0),
    };
    loop {
        // SAFETY: a zeroed siginfo_t is valid for waitid to fill in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid out pointer; WNOWAIT leaves the child waitable.
        let r = unsafe { libc::waitid(idtype, id, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if r < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        // SAFETY: waitid succeeded for an exited child, so si_pid is the field it set.
        return Ok(unsafe { info.si_pid() });
    }
}

/// Reaps child `pid`, which has exited, and returns its raw wait status.
fn reap(pid: i32) -> io::Result<i32> {
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer.
        let got = unsafe { libc::waitpid(pid, &mut status, 0) };
        if got == pid {
            return Ok(status);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Reaps every child that has already exited, without blocking.
fn reap_nonblocking() {
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer.
        let got = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if got <= 0 {
            return;
        }
    }
}

/// One line of `/proc/<pid>/stat`, the fields used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: i32,
    /// State letter (`R`, `S`, `Z`, ...).
    pub state: char,
    /// Parent's pid.
    pub ppid: i32,
    /// Process group id.
    pub pgrp: i32,
    /// Session id.
    pub session: i32,
    /// Start time in clock ticks after boot (with the pid, identifies a process).
    pub start_time: u64,
}

/// Parses `/proc/<pid>/stat` text (the command name may hold spaces and parentheses).
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let mut rest = text[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    let session = rest.next()?.parse().ok()?;
    // Fields 7 to 21 (tty_nr ... itrealvalue), then 22: starttime.
    let start_time = rest.nth(15)?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        ppid,
        pgrp,
        session,
        start_time,
    })
}

/// Every process visible in `/proc` now.
pub fn all_processes() -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let name = e.file_name();
        let pid: i32 = name.to_str()?.parse().ok()?;
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        parse_stat(&text)
    })
    .collect()
}

/// The pids in `procs` that descend from `root` (not `root` itself).
pub fn descendants(procs: &[ProcStat], root: i32) -> Vec<i32> {
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        for p in procs {
            if p.ppid == parent && !found.contains(&p.pid) {
                found.push(p.pid);
            }
        }
        i += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names() {
        let line = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 151 0 0 0 1 2 0 0 20 0 1 0 987654 \
                    2000000 300";
        let s = parse_stat(line).unwrap();
        assert_eq!(
            s,
            ProcStat {
                pid: 4242,
                state: 'S',
                ppid: 1,
                pgrp: 4242,
                session: 4242,
                start_time: 987654,
            }
        );
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn descendants_follow_parent_links() {
        let p = |pid, ppid| ProcStat {
            pid,
            state: 'S',
            ppid,
            pgrp: pid,
            session: pid,
            start_time: 0,
        };
        let procs = [p(10, 1), p(11, 10), p(12, 11), p(13, 1), p(14, 12)];
        let mut d = descendants(&procs, 10);
        d.sort();
        assert_eq!(d, vec![11, 12, 14]);
    }

    #[test]
    fn wait_status_wording() {
        assert_eq!(WaitStatus(0).describe(), "exited with status 0");
        assert!(WaitStatus(0).success());
        assert_eq!(
            WaitStatus(15).describe(),
            "terminated with signal Terminated"
        );
        assert_eq!(WaitStatus(15).signal(), Some(15));
        assert!(!WaitStatus(1 << 8).success());
    }
}
