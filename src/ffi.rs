//! The one place where the safe crate talks to the shim's C ABI: encoding arguments,
//! decoding callback bytes, and turning shim results into `Result`.

use std::ffi::{c_char, CStr};

use mesos_sys as sys;
use protobuf::Message;

pub(crate) use crate::codec::{decode, encode};
use crate::error::{Error, Result};
use crate::types::Status;

/// Encoded messages (or strings) kept alive together with the views passed to the shim. All
/// of them live in one buffer, so a list of 100,000 messages costs two allocations, not
/// 100,000.
pub(crate) struct Buffers {
    /// Keeps the bytes the views point into.
    _data: Vec<u8>,
    views: Vec<sys::mesos_bytes>,
}

impl Buffers {
    pub(crate) fn messages<'a, M: Message + 'a>(items: impl IntoIterator<Item = &'a M>) -> Self {
        let mut data = Vec::new();
        let ends: Vec<usize> = items
            .into_iter()
            .map(|m| {
                crate::codec::encode_into(m, &mut data);
                data.len()
            })
            .collect();
        Self::from_parts(data, ends)
    }

    pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> Self {
        let mut data = Vec::new();
        let ends = items
            .iter()
            .map(|s| {
                data.extend_from_slice(s.as_ref().as_bytes());
                data.len()
            })
            .collect();
        Self::from_parts(data, ends)
    }

    /// `ends[i]` is where item `i` ends in `data` (it starts where item `i - 1` ended). The
    /// views are made once `data` no longer grows.
    fn from_parts(data: Vec<u8>, ends: Vec<usize>) -> Self {
        let mut start = 0;
        let views = ends
            .into_iter()
            .map(|end| {
                let view = sys::mesos_bytes::from_slice(&data[start..end]);
                start = end;
                view
            })
            .collect();
        Buffers { _data: data, views }
    }

    pub(crate) fn ptr(&self) -> *const sys::mesos_bytes {
        if self.views.is_empty() {
            std::ptr::null()
        } else {
            self.views.as_ptr()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.views.len()
    }
}

/// How the shim's argument numbers (which count its own arguments, such as the driver
/// pointer) map onto the parameters of the Rust call that made it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Params {
    /// A driver method: the shim's argument `i` (`i >= 1`; argument 0 is the driver) is the
    /// Rust method's parameter `i - 1`, named `names[i - 1]`.
    Method(&'static [&'static str]),
    /// The shim's argument `i` is entry `i`: a name, and the position of that parameter in
    /// the Rust call when it is one (`None` for a builder method).
    Table(&'static [(&'static str, Option<u32>)]),
}

impl Params {
    /// A driver method without message parameters.
    pub(crate) const NONE: Params = Params::Method(&[]);

    /// The Rust position and name for the shim's argument number `shim` (-1: none).
    pub(crate) fn map(self, shim: i32) -> (Option<u32>, Option<&'static str>) {
        match self {
            Params::Method(names) => match u32::try_from(shim) {
                Ok(i) if i >= 1 => (Some(i - 1), names.get(i as usize - 1).copied()),
                _ => (None, None),
            },
            Params::Table(entries) => match usize::try_from(shim).ok().and_then(|i| entries.get(i))
            {
                Some(&(name, position)) => (position, Some(name)),
                None => (None, None),
            },
        }
    }
}

/// A shim error slot that frees its strings when dropped.
pub(crate) struct ErrorSlot(pub(crate) sys::mesos_shim_error);

impl ErrorSlot {
    pub(crate) fn new() -> Self {
        ErrorSlot(sys::mesos_shim_error::default())
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut sys::mesos_shim_error {
        &mut self.0
    }

    /// The typed error for a negative shim result; `params` names the Rust parameters the
    /// shim's argument numbers stand for.
    pub(crate) fn to_error(&self, code: i32, params: Params) -> Error {
        let e = &self.0;
        let type_name = cstr(e.type_name);
        let detail = cstr(e.detail);
        let (argument, parameter) = params.map(e.argument);
        let element = usize::try_from(e.element).ok();
        match code {
            sys::MESOS_SHIM_ERR_MISSING_FIELDS => Error::MissingFields {
                type_name,
                argument,
                parameter,
                element,
                fields: detail.split(", ").map(str::to_owned).collect(),
            },
            sys::MESOS_SHIM_ERR_PARSE => Error::Malformed { type_name, detail },
            sys::MESOS_SHIM_ERR_NULL_ARGUMENT | sys::MESOS_SHIM_ERR_INVALID_ARGUMENT => {
                Error::InvalidArgument(detail)
            }
            sys::MESOS_SHIM_ERR_EXCEPTION => Error::Cpp(detail),
            sys::MESOS_SHIM_ERR_UNSUPPORTED => Error::unsupported(detail),
            sys::MESOS_SHIM_ERR_UNKNOWN_TYPE => Error::InvalidArgument(detail),
            sys::MESOS_SHIM_ERR_UNSUPPORTED_CALL => unsupported_call(&detail),
            other => Error::Unexpected(other),
        }
    }
}

impl Drop for ErrorSlot {
    fn drop(&mut self) {
        // SAFETY: the slot was zero-initialised and only ever filled by the shim, whose strings
        // are released exactly once here.
        unsafe { sys::mesos_shim_error_clear(&mut self.0) }
    }
}

/// [`Error::Unsupported`] from the shim's `"<C++ call>@<first release>"`, naming the Rust call.
fn unsupported_call(detail: &str) -> Error {
    let (cpp, since) = detail.split_once('@').unwrap_or((detail, ""));
    let call = match cpp {
        "MesosSchedulerDriver(suppressedRoles)" => "SchedulerDriverBuilder::suppressed_roles",
        "reviveOffers(roles)" => "SchedulerDriver::revive_offers_for_roles",
        "suppressOffers(roles)" => "SchedulerDriver::suppress_offers_for_roles",
        "updateFramework" => "SchedulerDriver::update_framework",
        "updateFramework(offerConstraints)" => {
            "SchedulerDriver::update_framework with offer_constraints"
        }
        other => other,
    };
    Error::Unsupported {
        call: call.to_owned(),
        since: (!since.is_empty()).then(|| since.to_owned()),
    }
}

/// The file the process loaded libmesos from, as the dynamic loader says.
pub(crate) fn libmesos_file() -> Option<String> {
    // SAFETY: the shim returns NULL or a static NUL-terminated string owned by the loader.
    let p = unsafe { sys::mesos_shim_libmesos_file() };
    (!p.is_null()).then(|| cstr(p))
}

fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: the shim stores NUL-terminated strings it allocated (or NULL).
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// Runs one shim call and converts its result into the driver's status; `params` names the
/// Rust parameters for errors about them.
pub(crate) fn status_call(
    params: Params,
    f: impl FnOnce(*mut sys::mesos_shim_error) -> i32,
) -> Result<Status> {
    let mut slot = ErrorSlot::new();
    let code = f(slot.as_mut_ptr());
    to_status(code).ok_or_else(|| slot.to_error(code, params))
}

/// Like [`status_call`], for calls that only act while the driver runs.
pub(crate) fn action_call(
    params: Params,
    f: impl FnOnce(*mut sys::mesos_shim_error) -> i32,
) -> Result<()> {
    match status_call(params, f)? {
        Status::DRIVER_RUNNING => Ok(()),
        other => Err(Error::NotRunning(other)),
    }
}

pub(crate) fn to_status(code: i32) -> Option<Status> {
    match code {
        1 => Some(Status::DRIVER_NOT_STARTED),
        2 => Some(Status::DRIVER_RUNNING),
        3 => Some(Status::DRIVER_ABORTED),
        4 => Some(Status::DRIVER_STOPPED),
        _ => None,
    }
}

pub(crate) fn mesos_version() -> &'static str {
    // SAFETY: the shim returns a pointer to a static NUL-terminated string.
    unsafe { CStr::from_ptr(sys::mesos_shim_mesos_version()) }
        .to_str()
        .unwrap_or("unknown")
}

pub(crate) fn has_executor_driver() -> bool {
    // SAFETY: a pure query of the shim with no arguments.
    unsafe { sys::mesos_shim_has_executor_driver() != 0 }
}

/// Copies a buffer the shim lends to a callback.
///
/// # Safety
/// `b` must be a buffer passed to the currently running callback.
pub(crate) unsafe fn owned(b: sys::mesos_bytes) -> Vec<u8> {
    // SAFETY: guaranteed by the caller.
    unsafe { b.as_slice() }.to_vec()
}

/// A pointer to one of the shim's objects that may cross threads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SendPtr<T: ThreadSafe>(pub(crate) *mut T);

/// The shim objects that may be used from any thread: libmesos' drivers lock internally,
/// the shim's bookkeeping is atomic or locked, and the executor adapter only forwards into a
/// thread-safe channel. Nothing else may be wrapped in a [`SendPtr`].
pub(crate) trait ThreadSafe: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

impl sealed::Sealed for sys::mesos_scheduler_driver {}
impl ThreadSafe for sys::mesos_scheduler_driver {}
impl sealed::Sealed for sys::mesos_executor_driver {}
impl ThreadSafe for sys::mesos_executor_driver {}
impl sealed::Sealed for sys::mesos_executor_adapter {}
impl ThreadSafe for sys::mesos_executor_adapter {}

// SAFETY: only the shim's thread-safe objects implement `ThreadSafe` (see there).
unsafe impl<T: ThreadSafe> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T: ThreadSafe> Sync for SendPtr<T> {}
