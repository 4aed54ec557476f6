//! Encoding and decoding of Mesos messages, shared by every driver backend: the libmesos
//! shim (`ffi`) and the HTTP executor backend. Pure Rust, no libmesos needed.

use protobuf::reflect::{MessageDescriptor, RuntimeFieldType, RuntimeType};
use protobuf::{CodedOutputStream, Message, MessageFull};

use crate::error::{Error, Result};

/// Serializes a message without checking required fields: the shim checks them with
/// libmesos' own classes and names the missing ones.
pub(crate) fn encode<M: Message>(msg: &M) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(msg, &mut out);
    out
}

/// Appends the serialized form of `msg` to `out`.
pub(crate) fn encode_into<M: Message>(msg: &M, out: &mut Vec<u8>) {
    let size = msg.compute_size() as usize;
    out.reserve(size);
    let mut os = CodedOutputStream::vec(out);
    // Writing into a Vec cannot fail for lack of space; only a message whose size changed
    // between compute_size and the write could, which shared borrows rule out.
    msg.write_to_with_cached_sizes(&mut os)
        .and_then(|()| os.flush())
        .expect("serializing into a Vec");
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
        type_name: M::descriptor().full_name().to_owned(),
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

/// The paths of the required fields missing in `msg`, at any depth, in the style the shim
/// reports them (`"task_id"`, `"resources[0].name"`); empty when the message is complete.
#[cfg_attr(not(feature = "http-executor"), allow(dead_code))]
pub(crate) fn missing_fields(msg: &dyn protobuf::MessageDyn) -> Vec<String> {
    let mut out = Vec::new();
    collect_missing(msg, "", &mut out);
    out
}

#[cfg_attr(not(feature = "http-executor"), allow(dead_code))]
fn collect_missing(msg: &dyn protobuf::MessageDyn, prefix: &str, out: &mut Vec<String>) {
    use protobuf::reflect::{ReflectFieldRef, ReflectValueRef};
    let descriptor = msg.descriptor_dyn();
    for field in descriptor.fields() {
        let proto = field.proto();
        let path = format!("{prefix}{}", field.name());
        match field.get_reflect(msg) {
            ReflectFieldRef::Optional(value) => match value.value() {
                None if proto.label()
                    == protobuf::descriptor::field_descriptor_proto::Label::LABEL_REQUIRED =>
                {
                    out.push(path)
                }
                Some(ReflectValueRef::Message(m)) => collect_missing(&*m, &format!("{path}."), out),
                _ => {}
            },
            ReflectFieldRef::Repeated(list) => {
                for (i, value) in list.into_iter().enumerate() {
                    if let ReflectValueRef::Message(m) = value {
                        collect_missing(&*m, &format!("{path}[{i}]."), out);
                    }
                }
            }
            ReflectFieldRef::Map(map) => {
                for (key, value) in &map {
                    if let ReflectValueRef::Message(m) = value {
                        collect_missing(&*m, &format!("{path}[{key}]."), out);
                    }
                }
            }
        }
    }
}
