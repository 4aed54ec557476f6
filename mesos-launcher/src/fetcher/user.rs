//! Becoming the task's user before fetching, so that what is fetched belongs to it and the
//! user's own permissions decide which local files it may read.

use std::ffi::CString;
use std::path::Path;

/// A user from the password database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login name.
    pub name: String,
    /// Its uid.
    pub uid: libc::uid_t,
    /// Its primary gid.
    pub gid: libc::gid_t,
}

/// Looks `name` up in the password database.
pub fn lookup(name: &str) -> Result<User, String> {
    let c = CString::new(name).map_err(|_| "the name contains a NUL byte".to_owned())?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    loop {
        // SAFETY: all-zero is a valid `passwd` (integers and null pointers); it is only read
        // after getpwnam_r filled it.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: `c` is a NUL-terminated string, `pwd`, `buf` (with its true length) and
        // `found` are valid for writing for the duration of the call.
        let rc = unsafe {
            libc::getpwnam_r(
                c.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 {
            return Err(format!(
                "looking it up failed: {}",
                std::io::Error::from_raw_os_error(rc)
            ));
        }
        if found.is_null() {
            return Err("no such user".into());
        }
        return Ok(User {
            name: name.to_owned(),
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
        });
    }
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Gives `path` (not recursively) to `user`.
pub fn chown(path: &Path, user: &User) -> Result<(), String> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .map_err(|e| format!("chown '{}' to '{}': {e}", path.display(), user.name))
}

/// Switches this process to `user` (supplementary groups, gid, then uid), when it is not that
/// user already; only root can switch.
pub fn switch_to(user: &User) -> Result<(), String> {
    // SAFETY: getuid/getgid have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    if !is_root() {
        if uid == user.uid && gid == user.gid {
            return Ok(());
        }
        return Err("switching users needs root, and this fetcher does not run as root".into());
    }
    let name = CString::new(user.name.as_str()).map_err(|_| "NUL in the name".to_owned())?;
    // SAFETY: `name` is NUL-terminated; initgroups only reads it.
    if unsafe { libc::initgroups(name.as_ptr(), user.gid) } != 0 {
        return Err(format!("initgroups: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: setgid/setuid take plain integers; failures are checked below.
    if unsafe { libc::setgid(user.gid) } != 0 {
        return Err(format!(
            "setgid({}): {}",
            user.gid,
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: as above.
    if unsafe { libc::setuid(user.uid) } != 0 {
        return Err(format!(
            "setuid({}): {}",
            user.uid,
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}
