//! The one place where the safe crate talks to the shim's C ABI: encoding arguments,
//! decoding callback bytes, and turning shim results into `Result`.

use std::ffi::{c_char, CStr};

use mesos_sys as sys;
use protobuf::reflect::{MessageDescriptor, RuntimeFieldType, RuntimeType};
use protobuf::{CodedOutputStream, Message, MessageFull};

use crate::error::{Error, Result};
use crate::types::Status;

/// Serializes a message without checking required fields: the shim checks them with
/// libmesos' own classes and names the missing ones.
pub(crate) fn encode<M: Message>(msg: &M) -> Vec<u8> {
    let size = msg.compute_size() as usize;
    let mut out = Vec::with_capacity(size);
    {
        let mut os = CodedOutputStream::vec(&mut out);
        // Writing into a Vec cannot fail for lack of space; only a message whose size changed
        // between compute_size and the write could, which shared borrows rule out.
        msg.write_to_with_cached_sizes(&mut os)
            .and_then(|()| os.flush())
            .expect("serializing into a Vec");
    }
    out
}

/// Decodes bytes handed over by libmesos (lenient about required fields, so nothing that
/// libmesos sent is ever dropped for a missing field). libmesos' proto2 classes do not check
/// that strings are UTF-8, so a string field may hold any bytes (e.g. a status message
/// written by a C++ executor); such strings are decoded with the invalid sequences replaced
/// by U+FFFD rather than losing the whole callback.
pub(crate) fn decode<M: MessageFull>(bytes: &[u8]) -> Result<M> {
    let lenient = |bytes: &[u8]| {
        let mut msg = M::new();
        msg.merge_from_bytes(bytes).map(|()| msg)
    };
    let first = match lenient(bytes) {
        Ok(msg) => return Ok(msg),
        Err(e) => e,
    };
    if let Some(repaired) = lossy_strings(&M::descriptor(), bytes, 0) {
        if let Ok(msg) = lenient(&repaired) {
            tracing::warn!(
                "mesos.{}: a string field from libmesos was not UTF-8; invalid bytes replaced",
                M::NAME
            );
            return Ok(msg);
        }
    }
    Err(Error::Malformed {
        type_name: format!("mesos.{}", M::NAME),
        detail: first.to_string(),
    })
}

/// What a field of a message being rewritten by [`lossy_strings`] holds.
enum FieldKind {
    Text,
    Message(MessageDescriptor),
    MapEntry(RuntimeType, RuntimeType),
    Other,
}

fn kind_of(t: &RuntimeType) -> FieldKind {
    match t {
        RuntimeType::String => FieldKind::Text,
        RuntimeType::Message(m) => FieldKind::Message(m.clone()),
        _ => FieldKind::Other,
    }
}

/// Protobuf nests messages no deeper than this by default; deeper input is refused.
const MAX_NESTING: usize = 100;

/// Copies a serialized message of type `desc`, replacing invalid UTF-8 in every string field
/// (at any depth) by U+FFFD. `None` when the bytes are malformed in any other way.
fn lossy_strings(desc: &MessageDescriptor, bytes: &[u8], depth: usize) -> Option<Vec<u8>> {
    rewrite(bytes, depth, &|number| {
        let Some(field) = desc.field_by_number(number) else {
            return FieldKind::Other;
        };
        match field.runtime_field_type() {
            RuntimeFieldType::Singular(t) | RuntimeFieldType::Repeated(t) => kind_of(&t),
            RuntimeFieldType::Map(k, v) => FieldKind::MapEntry(k, v),
        }
    })
}

fn rewrite(bytes: &[u8], depth: usize, kind: &dyn Fn(u32) -> FieldKind) -> Option<Vec<u8>> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut input = bytes;
    let mut out = Vec::with_capacity(bytes.len() + 8);
    while !input.is_empty() {
        let key = read_varint(&mut input)?;
        let number = u32::try_from(key >> 3).ok()?;
        push_varint(&mut out, key);
        match key & 7 {
            0 => {
                let v = read_varint(&mut input)?;
                push_varint(&mut out, v);
            }
            1 | 5 => {
                let n = if key & 7 == 1 { 8 } else { 4 };
                let (value, rest) = input.split_at_checked(n)?;
                out.extend_from_slice(value);
                input = rest;
            }
            2 => {
                let len = usize::try_from(read_varint(&mut input)?).ok()?;
                let (value, rest) = input.split_at_checked(len)?;
                input = rest;
                let replaced = match kind(number) {
                    FieldKind::Text => match std::str::from_utf8(value) {
                        Ok(_) => None,
                        Err(_) => Some(String::from_utf8_lossy(value).into_owned().into_bytes()),
                    },
                    FieldKind::Message(m) => Some(lossy_strings(&m, value, depth + 1)?),
                    FieldKind::MapEntry(k, v) => Some(rewrite(value, depth + 1, &|n| match n {
                        1 => kind_of(&k),
                        2 => kind_of(&v),
                        _ => FieldKind::Other,
                    })?),
                    FieldKind::Other => None,
                };
                let value = replaced.as_deref().unwrap_or(value);
                push_varint(&mut out, value.len() as u64);
                out.extend_from_slice(value);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn read_varint(input: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = input.split_first()?;
        *input = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Encoded messages (or strings) kept alive together with the views passed to the shim.
pub(crate) struct Buffers {
    owned: Vec<Vec<u8>>,
    views: Vec<sys::mesos_bytes>,
}

impl Buffers {
    pub(crate) fn messages<'a, M: Message + 'a>(items: impl IntoIterator<Item = &'a M>) -> Self {
        Self::from_owned(items.into_iter().map(encode).collect())
    }

    pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> Self {
        Self::from_owned(
            items
                .iter()
                .map(|s| s.as_ref().as_bytes().to_vec())
                .collect(),
        )
    }

    fn from_owned(owned: Vec<Vec<u8>>) -> Self {
        let views = owned
            .iter()
            .map(|b| sys::mesos_bytes::from_slice(b))
            .collect();
        Buffers { owned, views }
    }

    pub(crate) fn ptr(&self) -> *const sys::mesos_bytes {
        if self.views.is_empty() {
            std::ptr::null()
        } else {
            self.views.as_ptr()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.owned.len()
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
            sys::MESOS_SHIM_ERR_UNSUPPORTED => Error::Unsupported(detail),
            sys::MESOS_SHIM_ERR_UNKNOWN_TYPE => Error::InvalidArgument(detail),
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
