//! Thin wrappers over the POSIX calls the launch helper needs. Every `unsafe` block is small
//! and states why it is sound. Functions marked "async-signal-safe" only call functions that
//! POSIX lists as such, and allocate nothing: they run in a signal handler or between `fork`
//! and `exec`.

use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::io::RawFd;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

/// The pid the signal handler forwards to: 0 before the command is forked, the command's pid
/// while it runs, -1 once it has been reaped.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The open status file, or -1.
static STATUS_FD: AtomicI32 = AtomicI32::new(-1);

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Opens (creating, mode 0600, close-on-exec, truncated) the status file and makes it the one
/// the signal handler writes to.
pub fn open_status_file(path: &Path) -> io::Result<RawFd> {
    let c = cstring(path.as_os_str().as_encoded_bytes())?;
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let fd = check(unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    })?;
    STATUS_FD.store(fd, Ordering::SeqCst);
    Ok(fd)
}

/// Writes `status` in decimal to the status file (if open) and closes it. Async-signal-safe.
pub fn record_status(status: i32) {
    let fd = STATUS_FD.swap(-1, Ordering::SeqCst);
    if fd < 0 {
        return;
    }
    let mut buf = [0u8; 12];
    let text = decimal(status, &mut buf);
    let mut off = 0;
    while off < text.len() {
        // SAFETY: the pointer and length describe initialized bytes of `buf`; `fd` is a file
        // descriptor this process opened and has not closed (it was swapped out above, so no
        // other caller can close it meanwhile).
        let n = unsafe { libc::write(fd, text[off..].as_ptr().cast(), text.len() - off) };
        if n > 0 {
            off += n as usize;
        } else if n == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        } else {
            let msg = b"mesos-containerizer: failed to write the container status file\n";
            // SAFETY: writing a static buffer to standard error.
            unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
            break;
        }
    }
    // SAFETY: closing the descriptor this process owns, once (it was swapped out above).
    unsafe { libc::close(fd) };
}

/// Forgets the status file without writing or closing it (in the forked child, whose copy of
/// the descriptor closes on exec). Async-signal-safe.
pub fn forget_status_file() {
    STATUS_FD.store(-1, Ordering::SeqCst);
}

/// Formats `v` in decimal into `buf` without allocating. Async-signal-safe.
pub fn decimal(v: i32, buf: &mut [u8; 12]) -> &[u8] {
    let mut n = (v as i64).unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// The signals forwarded to the command: every catchable signal except `SIGCHLD` (the helper
/// reaps its child itself) and the ones the kernel raises for a fault in the helper's own code
/// (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`, `SIGTRAP`, `SIGSYS`), which must keep their
/// default action. Real-time signals are included where the C library lets them be caught.
fn forwarded(sig: libc::c_int) -> bool {
    !matches!(
        sig,
        libc::SIGKILL
            | libc::SIGSTOP
            | libc::SIGCHLD
            | libc::SIGSEGV
            | libc::SIGBUS
            | libc::SIGILL
            | libc::SIGFPE
            | libc::SIGTRAP
            | libc::SIGSYS
    )
}

const NSIG: libc::c_int = 65;

extern "C" fn on_signal(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe. `pid` is the command, not yet reaped (CHILD is
        // set to -1 before the helper reaps it), so the pid cannot have been reused.
        unsafe { libc::kill(pid, sig) };
    } else if pid == 0 {
        // Killed before the command exists: record it as a death by this signal and leave
        // with status 1, as Mesos' helper does.
        record_status(sig);
        // SAFETY: _exit is async-signal-safe and ends the process at once.
        unsafe { libc::_exit(1) };
    }
    // pid < 0: the command is gone and the helper is about to exit with its status.
}

/// Installs the forwarding handler for every forwarded signal (see [`forwarded`]) and
/// unblocks all signals.
pub fn install_forwarding() -> io::Result<()> {
    for sig in 1..NSIG {
        if !forwarded(sig) {
            continue;
        }
        // SAFETY: a zeroed sigaction is a valid value to fill in; the handler is an
        // `extern "C" fn(c_int)` as `sa_handler` expects (no SA_SIGINFO).
        let r = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigfillset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        // The C library reserves some real-time signals for itself; only the standard ones
        // must succeed.
        if r == -1 && sig < 32 {
            return Err(io::Error::last_os_error());
        }
    }
    // A mask inherited from the process that started us would keep signals from being
    // handled (and so forwarded): start with none blocked.
    // SAFETY: an emptied sigset_t is a valid mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
    Ok(())
}

/// Puts every signal back to its default action and unblocks all signals, so the command
/// starts as a fresh process would (an ignored signal would otherwise stay ignored across
/// exec). Async-signal-safe.
pub fn reset_signals() {
    for sig in 1..NSIG {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: SIG_DFL is a valid disposition for every signal; errors (reserved
        // real-time signals) are harmless and ignored.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    // SAFETY: an emptied sigset_t is a valid mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
}

/// A blocked signal mask, restored on [`SignalsBlocked::restore`].
pub struct SignalsBlocked(libc::sigset_t);

/// Blocks every signal (so none is handled between `fork` and recording the child's pid).
pub fn block_signals() -> SignalsBlocked {
    // SAFETY: both sets are valid (zeroed then filled by sigfillset / written by the kernel).
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::sigprocmask(libc::SIG_BLOCK, &all, &mut old);
        SignalsBlocked(old)
    }
}

impl SignalsBlocked {
    /// Restores the mask saved by [`block_signals`]; pending signals are delivered now.
    pub fn restore(self) {
        // SAFETY: the saved mask came from sigprocmask.
        unsafe { libc::sigprocmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut()) };
    }
}

/// The result of [`fork`].
pub enum Forked {
    /// In the parent, with the child's pid.
    Parent(libc::pid_t),
    /// In the child.
    Child,
}

/// Forks. The helper has a single thread, so the child may go on using the allocator.
pub fn fork() -> io::Result<Forked> {
    // SAFETY: the process is single-threaded (the helper starts no threads), so the child is a
    // full copy with no lock held by another thread.
    let pid = check(unsafe { libc::fork() })?;
    Ok(if pid == 0 {
        Forked::Child
    } else {
        CHILD.store(pid, Ordering::SeqCst);
        Forked::Parent(pid)
    })
}

/// Waits for `child` to terminate and returns its raw wait status, reaping any other child on
/// the way. Stopped children are not reported (no `WUNTRACED`). Forwarding stops (CHILD = -1)
/// before the child is reaped, so a late signal can never reach a reused pid.
pub fn wait_for(child: libc::pid_t) -> io::Result<i32> {
    loop {
        // SAFETY: a zeroed siginfo_t is valid for waitid to fill in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid out pointer; WNOWAIT leaves the child waitable.
        let r = unsafe { libc::waitid(libc::P_ALL, 0, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        // SAFETY: waitid succeeded for an exited child, so si_pid is the field it set.
        let pid = unsafe { info.si_pid() };
        if pid == child {
            CHILD.store(-1, Ordering::SeqCst);
        }
        let mut status = 0;
        loop {
            // SAFETY: `status` is a valid out pointer; `pid` is a terminated child of ours.
            let r = unsafe { libc::waitpid(pid, &mut status, 0) };
            if r == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            check(r)?;
            break;
        }
        if pid == child {
            return Ok(status);
        }
    }
}

/// Opens `path` for appending (created with mode 0644 if missing) and makes it `fd`.
pub fn redirect(fd: RawFd, path: &Path) -> io::Result<()> {
    let c = cstring(path.as_os_str().as_encoded_bytes())?;
    // SAFETY: `c` is a valid NUL-terminated path; the new descriptor is ours until dup2 has
    // copied it onto `fd`, then closed.
    unsafe {
        let new = check(libc::open(
            c.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND | libc::O_CLOEXEC,
            0o644 as libc::c_uint,
        ))?;
        let r = libc::dup2(new, fd);
        libc::close(new);
        check(r)?;
    }
    Ok(())
}

/// Closes `fd`.
pub fn close(fd: RawFd) -> io::Result<()> {
    // SAFETY: closing a descriptor number the agent handed to us; no Rust object owns it.
    check(unsafe { libc::close(fd) }).map(drop)
}

/// Reads one byte from `fd`, retrying on EINTR. Returns how many bytes were read (0 at EOF).
pub fn read_byte(fd: RawFd) -> io::Result<usize> {
    let mut b = 0u8;
    loop {
        // SAFETY: reading at most one byte into a local byte.
        let n = unsafe { libc::read(fd, (&mut b as *mut u8).cast(), 1) };
        if n == -1 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        return Ok(n as usize);
    }
}

/// A user's ids from the password database.
pub struct User {
    /// The user id.
    pub uid: libc::uid_t,
    /// The primary group id.
    pub gid: libc::gid_t,
}

/// Looks `name` up in the password database; `Ok(None)` if there is no such user.
pub fn lookup_user(name: &str) -> io::Result<Option<User>> {
    let c = cstring(name.as_bytes())?;
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: a zeroed passwd is a valid out value; `buf` is writable for its length;
        // `result` is a valid out pointer.
        let (r, found, pw) = unsafe {
            let mut pw: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let r = libc::getpwnam_r(
                c.as_ptr(),
                &mut pw,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            );
            (r, !result.is_null(), pw)
        };
        if r == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if r != 0 {
            return Err(io::Error::from_raw_os_error(r));
        }
        return Ok(found.then_some(User {
            uid: pw.pw_uid,
            gid: pw.pw_gid,
        }));
    }
}

/// The groups `name` belongs to (its primary group `gid` included).
pub fn group_list(name: &str, gid: libc::gid_t) -> io::Result<Vec<libc::gid_t>> {
    let c = cstring(name.as_bytes())?;
    let mut groups: Vec<libc::gid_t> = vec![0; 64];
    loop {
        let mut n = groups.len() as libc::c_int;
        // SAFETY: `groups` has room for `n` entries; getgrouplist writes at most `n` and sets
        // `n` to the number needed.
        let r = unsafe { libc::getgrouplist(c.as_ptr(), gid, groups.as_mut_ptr(), &mut n) };
        if r == -1 {
            if n as usize > groups.len() {
                groups.resize(n as usize, 0);
                continue;
            }
            return Err(io::Error::other("getgrouplist failed"));
        }
        groups.truncate(n as usize);
        return Ok(groups);
    }
}

/// The effective user id.
pub fn geteuid() -> libc::uid_t {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// Switches to the supplementary `groups`, then `gid`, then `uid`: the order in which each
/// step still has the privilege it needs. Async-signal-safe.
pub fn switch_user(uid: libc::uid_t, gid: libc::gid_t, groups: &[libc::gid_t]) -> io::Result<()> {
    // SAFETY: plain system calls on integers and a slice of the stated length.
    unsafe {
        check(libc::setgroups(groups.len(), groups.as_ptr()))?;
        check(libc::setgid(gid))?;
        check(libc::setuid(uid))?;
    }
    Ok(())
}

/// Sets a resource limit to `(soft, hard)`, or to unlimited for `None`. Async-signal-safe.
pub fn set_rlimit(resource: i32, limits: Option<(u64, u64)>) -> io::Result<()> {
    let lim = match limits {
        Some((soft, hard)) => libc::rlimit {
            rlim_cur: soft as libc::rlim_t,
            rlim_max: hard as libc::rlim_t,
        },
        None => libc::rlimit {
            rlim_cur: libc::RLIM_INFINITY,
            rlim_max: libc::RLIM_INFINITY,
        },
    };
    // SAFETY: `lim` is a valid rlimit; the resource number comes from libc's constants.
    check(unsafe { libc::setrlimit(resource as _, &lim) }).map(drop)
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`. Async-signal-safe.
pub fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: a plain prctl call with integer arguments.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }).map(drop)
}

/// Marks every descriptor above standard error close-on-exec, so the command inherits only
/// standard input, output and error. Uses `close_range(3, ~0, CLOSE_RANGE_CLOEXEC)`, which
/// needs neither `/proc` nor a free descriptor; on a kernel without it (before 5.11), lists
/// `/proc/self/fd` instead. An error means descriptors may leak: the caller fails the launch.
pub fn cloexec_above_stderr() -> io::Result<()> {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    // SAFETY: close_range takes integers only; with CLOSE_RANGE_CLOEXEC it changes flags and
    // closes nothing, so no descriptor owned by Rust code is invalidated.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if !matches!(e.raw_os_error(), Some(libc::ENOSYS) | Some(libc::EINVAL)) {
        return Err(e);
    }
    let fds: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map_err(|e| io::Error::new(e.kind(), format!("cannot list /proc/self/fd: {e}")))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: fcntl on a descriptor number; the directory stream that listed them is
        // closed by now, so its number fails with EBADF, which is skipped.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags != -1 && libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) == -1 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// `execve(path, argv, envp)`; returns only on failure.
pub fn exec(path: &CStr, argv: &[CString], envp: &[CString]) -> io::Error {
    let mut a: Vec<*const libc::c_char> = argv.iter().map(|s| s.as_ptr()).collect();
    a.push(std::ptr::null());
    let mut e: Vec<*const libc::c_char> = envp.iter().map(|s| s.as_ptr()).collect();
    e.push(std::ptr::null());
    // SAFETY: both arrays are NULL-terminated and point into CStrings that outlive the call.
    unsafe { libc::execve(path.as_ptr(), a.as_ptr(), e.as_ptr()) };
    io::Error::last_os_error()
}

/// Whether `path` names a regular file this process may execute, judged with its real user
/// and group ids (call it after the user switch, so it is the command's user's view).
pub fn is_executable_file(path: &CStr) -> bool {
    // SAFETY: a zeroed stat is a valid out value; `path` is NUL-terminated; access only
    // reads the path.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::stat(path.as_ptr(), &mut st) == 0
            && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
            && libc::access(path.as_ptr(), libc::X_OK) == 0
    }
}

/// Ends the process at once with `code`, without running destructors or flushing.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns.
    unsafe { libc::_exit(code) }
}

/// A C string from bytes, or an error naming the NUL byte.
pub fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "contains a NUL byte"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_formats_like_to_string() {
        for v in [0, 7, 15, 256, 768, 65280, -1, i32::MAX, i32::MIN] {
            let mut buf = [0u8; 12];
            assert_eq!(super::decimal(v, &mut buf), v.to_string().as_bytes());
        }
    }
}
