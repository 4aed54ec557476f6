//! Raw FFI bindings to libmesos through the mesos-rs C shim.
//!
//! This crate compiles the shim in `cbits/` (a C ABI over the C++ `MesosSchedulerDriver` and
//! `MesosExecutorDriver`) and links libmesos. Messages cross the boundary as serialized
//! protobuf bytes; see `cbits/mesos_c.h` for the contract. Almost everyone wants the safe
//! crate (`mesos`) instead.
//!
//! Finding libmesos: `MESOS_HOME` (or `MESOS_INCLUDE_DIR` + `MESOS_LIB_DIR`), then
//! `pkg-config mesos`, then the dev kit provisioned by `devkit/provision.py`, which ships in
//! this package (`python3 <this package's directory>/devkit/provision.py`; a build that finds
//! no libmesos prints the command with the full path); each must be a Mesos release from 1.4 to
//! 1.11, and the shim is compiled against that release's own headers. The chosen library
//! directory is exported to dependent build scripts as `DEP_MESOS_LIB_DIR` (and the headers as
//! `DEP_MESOS_INCLUDE`, the version as `DEP_MESOS_VERSION` and `DEP_MESOS_VERSION_NUM` (e.g.
//! `10900`), the dev kit's root as `DEP_MESOS_DEVKIT` when that is what was linked),
//! so they can add it to their binaries' run path; [`linked`] says the same at run time.
//!
//! ```no_run
//! // The version of the Mesos headers the shim was compiled against.
//! let v = unsafe { std::ffi::CStr::from_ptr(mesos_sys::mesos_shim_mesos_version()) };
//! assert!(v.to_str().unwrap().starts_with("1."));
//! ```
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod bindings;
pub use bindings::*;

/// Which libmesos this build of the crate was compiled and linked against, as its build
/// script found it. Every item is `None` when built without libmesos (`MESOS_SYS_NO_LINK`).
///
/// ```
/// if let Some(source) = mesos_sys::linked::SOURCE {
///     println!("libmesos {} from {source}", mesos_sys::linked::VERSION.unwrap_or("?"));
/// }
/// ```
pub mod linked {
    /// Where the build found libmesos, in words: `MESOS_HOME=/opt/mesos`,
    /// `MESOS_INCLUDE_DIR/MESOS_LIB_DIR`, `pkg-config mesos (/usr/lib)` or
    /// `the mesos-rs dev kit at /home/me/.cache/mesos-rs/devkit`.
    pub const SOURCE: Option<&str> = option_env!("MESOS_SYS_SOURCE");
    /// The directory holding the linked `libmesos.so`.
    pub const LIB_DIR: Option<&str> = option_env!("MESOS_SYS_LIB_DIR");
    /// The Mesos version of the headers the shim was compiled against (e.g. `1.11.0`).
    pub const VERSION: Option<&str> = option_env!("MESOS_SYS_MESOS_VERSION");
    /// The root directory of the mesos-rs dev kit, when the linked libmesos is the dev kit's
    /// (`None` for a real Mesos installation).
    pub const DEVKIT_DIR: Option<&str> = option_env!("MESOS_SYS_DEVKIT_DIR");
}

// LINKED_MESOS_VERSION, written by the build script.
include!(concat!(env!("OUT_DIR"), "/linked_version.rs"));

/// Status values returned by driver calls (the `mesos::Status` enum of `mesos.proto`).
pub mod status {
    /// The driver was created but not started.
    pub const DRIVER_NOT_STARTED: i32 = 1;
    /// The driver is running.
    pub const DRIVER_RUNNING: i32 = 2;
    /// The driver was aborted.
    pub const DRIVER_ABORTED: i32 = 3;
    /// The driver was stopped.
    pub const DRIVER_STOPPED: i32 = 4;
}

impl mesos_bytes {
    /// A borrowed view of `bytes`, valid as long as `bytes` is.
    pub fn from_slice(bytes: &[u8]) -> Self {
        mesos_bytes {
            data: bytes.as_ptr(),
            len: bytes.len(),
        }
    }

    /// The bytes this view points at.
    ///
    /// # Safety
    /// `data` must point to `len` readable bytes that outlive the returned slice (true for
    /// every buffer the shim passes to a callback, for the duration of the callback).
    pub unsafe fn as_slice<'a>(&self) -> &'a [u8] {
        if self.len == 0 || self.data.is_null() {
            &[]
        } else {
            // SAFETY: the caller guarantees `data` points to `len` live bytes.
            unsafe { std::slice::from_raw_parts(self.data, self.len) }
        }
    }
}

impl Default for mesos_shim_error {
    fn default() -> Self {
        mesos_shim_error {
            code: 0,
            argument: -1,
            element: -1,
            type_name: std::ptr::null_mut(),
            detail: std::ptr::null_mut(),
        }
    }
}
