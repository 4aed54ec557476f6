//! Fuzzing the decoders the crate exposes and the path from a Rust message through
//! libmesos' classes back to Rust, with arbitrary bytes and with structured mutations of
//! valid encodings (truncation, bit flips, wrong wire types, huge lengths, unknown enum
//! values, repeated fields).
//!
//! Checked for every input: no panic and no abort (the tests run in-process, so either fails
//! the test); a decoder either returns a message or a typed error, and so does libmesos'
//! parser; a decoded message encodes and decodes to itself; whatever the crate decodes,
//! encoded again, libmesos accepts and re-serializes into bytes both sides decode; what
//! libmesos hands to an executor callback reaches the `Executor` trait.
//!
//! Every run first replays the corpus in `tests/fuzz-corpus/<type>/` (seeds: valid encodings
//! of realistic messages and inputs that once failed), then `MESOS_FUZZ_CASES` random cases
//! per target (default 2000). `MESOS_FUZZ_BLESS=1` rewrites the generated seeds.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use mesos::executor::ExecutorHarness;
use mesos::types::{self, *};
use mesos::{Error, Executor, ExecutorDriver};
use mesos_sys as sys;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use protobuf::reflect::{MessageDescriptor, ReflectFieldRef, ReflectValueRef};
use protobuf::{EnumOrUnknown, Message, MessageDyn};

fn cases() -> u32 {
    std::env::var("MESOS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target)
}

/// Every file of a target's corpus.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("corpus for {target}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

// ---- libmesos ----------------------------------------------------------------------------

/// libmesos' verdict on bytes as `type_name`: its re-serialization, or the shim's error code.
fn libmesos_parse(type_name: &str, bytes: &[u8], check_required: bool) -> Result<Vec<u8>, i32> {
    let name = CString::new(type_name).unwrap();
    let mut out: *mut u8 = std::ptr::null_mut();
    let mut len = 0usize;
    let mut err = sys::mesos_shim_error::default();
    // SAFETY: every pointer is valid for the call; `bytes` outlives it.
    let rc = unsafe {
        sys::mesos_shim_reserialize(
            name.as_ptr(),
            sys::mesos_bytes::from_slice(bytes),
            i32::from(check_required),
            &mut out,
            &mut len,
            &mut err,
        )
    };
    // SAFETY: the error was filled by the shim (or is still empty); cleared once.
    unsafe { sys::mesos_shim_error_clear(&mut err) };
    if rc != 0 {
        return Err(rc);
    }
    // SAFETY: on success the shim hands over `len` bytes at `out`, freed once after the copy.
    let v = unsafe { std::slice::from_raw_parts(out, len) }.to_vec();
    unsafe { sys::mesos_shim_bytes_free(out) };
    Ok(v)
}

// ---- the checks ----------------------------------------------------------------------------

/// Encodes a message without checking its required fields (as the driver calls do).
fn encode_partial(m: &dyn MessageDyn) -> Vec<u8> {
    let mut out = Vec::new();
    m.compute_size_dyn();
    let mut os = protobuf::CodedOutputStream::vec(&mut out);
    m.write_to_with_cached_sizes_dyn(&mut os).unwrap();
    os.flush().unwrap();
    drop(os);
    out
}

/// Whether an enum field anywhere in `m` holds a number its enum does not define.
fn has_unknown_enum(m: &dyn MessageDyn) -> bool {
    fn value(v: ReflectValueRef) -> bool {
        match v {
            ReflectValueRef::Enum(e, n) => e.value_by_number(n).is_none(),
            ReflectValueRef::Message(m) => has_unknown_enum(&*m),
            _ => false,
        }
    }
    m.descriptor_dyn().fields().any(|f| match f.get_reflect(m) {
        ReflectFieldRef::Optional(o) => o.value().is_some_and(value),
        ReflectFieldRef::Repeated(r) => r.into_iter().any(value),
        ReflectFieldRef::Map(map) => map.into_iter().any(|(_, v)| value(v)),
    })
}

/// Decodes arbitrary bytes as `desc` with the crate's decoder and with libmesos'.
fn check_decode(desc: &MessageDescriptor, bytes: &[u8]) -> Result<(), TestCaseError> {
    let full = desc.full_name().to_owned();
    let rust = desc.parse_from_bytes(bytes);
    // libmesos' parser on the raw bytes: a message or the typed parse error, nothing else.
    match libmesos_parse(&full, bytes, false) {
        Ok(_) | Err(sys::MESOS_SHIM_ERR_PARSE) => {}
        Err(code) => prop_assert!(false, "{full}: unexpected shim code {code}"),
    }
    // The typed decoder's required-field check is the only other source of errors than the
    // wire format; with it off (merge), the crate accepts what the wire format accepts.
    let mut lenient = desc.new_instance();
    let merged = lenient.merge_from_bytes_dyn(bytes);
    if let Ok(m) = &rust {
        prop_assert!(merged.is_ok(), "{full}: parse accepted what merge refused");
        // Encoding is stable: decode(encode(m)) == m.
        let again = encode_partial(&**m);
        let back = desc
            .parse_from_bytes(&again)
            .map_err(|e| TestCaseError::fail(format!("{full}: re-decoding failed: {e}")))?;
        prop_assert!(desc.eq(&**m, &*back), "{full}: decode(encode(m)) != m");
    }
    if merged.is_ok() {
        // Whatever the crate decodes, once encoded again (the way it reaches libmesos),
        // libmesos accepts; and what libmesos makes of it the crate decodes again. (The raw
        // bytes themselves may be refused by libmesos: it checks length prefixes the
        // protobuf crate reads modulo 2^32, see docs/reliability.md.)
        let encoded = encode_partial(&*lenient);
        let cxx = libmesos_parse(&full, &encoded, false);
        prop_assert!(cxx.is_ok(), "{full}: libmesos refused the crate's encoding");
        let cxx = cxx.unwrap();
        prop_assert!(libmesos_parse(&full, &cxx, false).is_ok());
        // libmesos' re-serialization decodes in the crate exactly when the crate's own
        // encoding does. (Not always: the protobuf crate refuses a map value message that
        // lacks required fields, yet decodes the map entry without the value.)
        let mut again = desc.new_instance();
        let mut from_cxx = desc.new_instance();
        prop_assert_eq!(
            again.merge_from_bytes_dyn(&encoded).is_ok(),
            from_cxx.merge_from_bytes_dyn(&cxx).is_ok(),
            "{}: libmesos changed whether the crate decodes the message",
            full
        );
    }
    Ok(())
}

/// A decoded `TaskInfo` through libmesos' executor adapter into an `Executor`.
struct Launches(Sender<TaskInfo>);
impl Executor for Launches {
    fn launch_task(&mut self, _: &ExecutorDriver, t: &TaskInfo) {
        let _ = self.0.send(t.clone());
    }
}

fn check_adapter(
    harness: &ExecutorHarness,
    rx: &std::sync::mpsc::Receiver<TaskInfo>,
    bytes: &[u8],
) -> Result<(), TestCaseError> {
    let mut task = TaskInfo::new();
    if task.merge_from_bytes(bytes).is_err() {
        return Ok(());
    }
    match harness.launch_task(&task) {
        Ok(()) => {
            harness.drain();
            let got = rx
                .recv_timeout(Duration::from_secs(10))
                .map_err(|_| TestCaseError::fail("launch_task accepted but never delivered"))?;
            // libmesos delivers the task it parsed: the same fields, apart from unknown enum
            // values, which its proto2 classes move among the unknown fields.
            prop_assert_eq!(got.name(), task.name());
            prop_assert_eq!(got.task_id.value(), task.task_id.value());
            prop_assert_eq!(got.data(), task.data());
            prop_assert_eq!(got.resources.len(), task.resources.len());
        }
        Err(Error::MissingFields {
            type_name, fields, ..
        }) => {
            prop_assert_eq!(type_name, "mesos.TaskInfo");
            prop_assert!(!fields.is_empty());
            // Refused although complete for the crate: only when an enum holds a value
            // libmesos does not know (its proto2 classes then see the field as unset).
            prop_assert!(
                !task.is_initialized() || has_unknown_enum(&task),
                "complete task refused: {fields:?}"
            );
        }
        Err(other) => prop_assert!(false, "unexpected error {other:?}"),
    }
    prop_assert!(rx.try_recv().is_err(), "one launch, one callback");
    Ok(())
}

// ---- mutations -----------------------------------------------------------------------------

fn read_varint(b: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(i)?;
        i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((v, i));
        }
    }
    None
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// Offsets of the top-level field keys of a (valid) encoding.
fn key_offsets(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        out.push(i);
        let Some((key, j)) = read_varint(b, i) else {
            break;
        };
        i = match key & 7 {
            0 => match read_varint(b, j) {
                Some((_, k)) => k,
                None => break,
            },
            1 => j + 8,
            5 => j + 4,
            2 => match read_varint(b, j).and_then(|(n, k)| k.checked_add(usize::try_from(n).ok()?))
            {
                Some(end) => end,
                None => break,
            },
            _ => break,
        };
    }
    out
}

/// One structured mutation of a valid encoding, chosen by `op` and placed by `at`/`x`.
fn mutate(seed: &[u8], op: u8, at: usize, x: u64) -> Vec<u8> {
    let mut b = seed.to_vec();
    let keys = key_offsets(seed);
    let key_at = |n: usize| keys.get(n % keys.len().max(1)).copied().unwrap_or(0);
    match op % 8 {
        // Truncate.
        0 => b.truncate(at % (b.len() + 1)),
        // Flip one bit.
        1 if !b.is_empty() => {
            let i = at % b.len();
            b[i] ^= 1 << (x % 8);
        }
        // Change the wire type of a field key.
        2 if !keys.is_empty() => {
            let i = key_at(at);
            b[i] = (b[i] & !7) | (x % 8) as u8;
        }
        // A field with a huge length prefix.
        3 => {
            let mut f = varint(((x % 40 + 1) << 3) | 2);
            f.extend(varint(u64::MAX >> (x % 40)));
            f.extend_from_slice(b"abc");
            let i = if keys.is_empty() { 0 } else { key_at(at) };
            b.splice(i..i, f);
        }
        // A varint field (enums are varints) with a value no enum has.
        4 => {
            let mut f = varint((x % 40 + 1) << 3);
            f.extend(varint(100_000 + x % 1000));
            b.extend(f);
        }
        // Repeat a field (a second value for a singular field: the last one wins).
        5 if !keys.is_empty() => {
            let i = key_at(at);
            let end = keys.iter().copied().find(|&k| k > i).unwrap_or(b.len());
            let field = b[i..end].to_vec();
            b.extend(field);
        }
        // Non-UTF-8 bytes in a length-delimited field.
        6 => {
            let mut f = varint(((x % 40 + 1) << 3) | 2);
            f.extend(varint(3));
            f.extend_from_slice(&[0xc3, 0x28, 0xff]);
            b.extend(f);
        }
        // An over-long varint (11 bytes of continuation).
        _ => {
            let i = if keys.is_empty() { 0 } else { key_at(at) };
            b.splice(i..i, [0xff; 11]);
        }
    }
    b
}

// ---- the seeds -----------------------------------------------------------------------------

fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    use mesos::ids;
    use mesos::resources::{cpus, disk, mem, ports};
    let mut framework = FrameworkInfo::new();
    framework.set_user("nobody".into());
    framework.set_name("fuzz framework".into());
    framework.set_failover_timeout(3600.0);
    framework.set_checkpoint(true);
    framework.roles = vec!["*".into(), "batch".into()];
    framework
        .capabilities
        .push(framework_info::Capability::new());
    framework.capabilities[0].set_type(framework_info::capability::Type::MULTI_ROLE);

    let mut offer = Offer::new();
    offer.id = Some(ids::offer_id("5b1f-O17")).into();
    offer.framework_id = Some(ids::framework_id("5b1f-0001")).into();
    offer.slave_id = Some(ids::slave_id("5b1f-S0")).into();
    offer.set_hostname("agent-1.example".into());
    offer.resources = vec![
        cpus(4.0),
        mem(2048.0),
        disk(8192.0),
        ports(&[(31000, 32000)]),
    ];

    let task = ids::task_info(
        "fuzz task",
        ids::task_id("t-1"),
        ids::slave_id("5b1f-S0"),
        vec![cpus(0.5), mem(32.0)],
    )
    .with_command(ids::command_info("sleep 1").with_env("A", "b"))
    .with_data(b"payload".to_vec());

    let mut status = mesos::task_status::task_status(&ids::task_id("t-1"), TaskState::TASK_FAILED);
    status.set_message("Executor terminated".into());
    status.slave_id = Some(ids::slave_id("5b1f-S0")).into();
    status.set_uuid(vec![7; 16]);
    status.set_reason(task_status::Reason::REASON_EXECUTOR_TERMINATED);
    status.set_source(task_status::Source::SOURCE_SLAVE);
    status.set_timestamp(1_700_000_000.5);

    let mut credential = Credential::new();
    credential.set_principal("principal".into());
    credential.set_secret("secret".into());

    let mut unknown_enum = status.clone();
    unknown_enum.state = Some(EnumOrUnknown::from_i32(99));
    let mut not_utf8 = ids::task_id("x").write_to_bytes().unwrap();
    not_utf8.extend_from_slice(&[0x0a, 0x02, 0xff, 0xfe]);

    let enc = |m: &dyn protobuf::MessageDyn| m.write_to_bytes_dyn().unwrap();
    vec![
        ("mesos.FrameworkInfo", "valid", enc(&framework)),
        ("mesos.FrameworkInfo", "empty", Vec::new()),
        ("mesos.Offer", "valid", enc(&offer)),
        ("mesos.TaskInfo", "valid", enc(&task)),
        ("mesos.TaskStatus", "valid", enc(&status)),
        ("mesos.TaskStatus", "unknown-state", enc(&unknown_enum)),
        ("mesos.TaskID", "not-utf8", not_utf8),
        ("mesos.Credential", "valid", enc(&credential)),
    ]
}

fn bless() {
    for (target, name, bytes) in seeds() {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.bin")), bytes).unwrap();
    }
}

const TARGETS: [&str; 6] = [
    "mesos.FrameworkInfo",
    "mesos.Offer",
    "mesos.TaskInfo",
    "mesos.TaskStatus",
    "mesos.TaskID",
    "mesos.Credential",
];

fn descriptor(name: &str) -> MessageDescriptor {
    types::proto_files::mesos::file_descriptor()
        .message_by_full_name(&format!(".{name}"))
        .or_else(|| types::proto_files::mesos::file_descriptor().message_by_full_name(name))
        .unwrap_or_else(|| panic!("no message type {name}"))
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })
}

fn report(target: &str, r: Result<(), proptest::test_runner::TestError<impl std::fmt::Debug>>) {
    if let Err(e) = r {
        panic!(
            "{target}: {e}\n(add the minimal failing input to tests/fuzz-corpus/{target}/ \
             once fixed, so that every run replays it)"
        );
    }
}

// ---- the tests -----------------------------------------------------------------------------

#[test]
fn corpus_replays_and_valid_seeds_round_trip_through_libmesos() {
    if std::env::var_os("MESOS_FUZZ_BLESS").is_some() {
        bless();
    }
    let mut replayed = 0;
    for target in TARGETS {
        let desc = descriptor(target);
        for (name, bytes) in corpus(target) {
            check_decode(&desc, &bytes).unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
            for op in 0..8u8 {
                for at in [0usize, 1, 7, bytes.len() / 2, bytes.len()] {
                    let m = mutate(&bytes, op, at, at as u64 * 31 + 5);
                    check_decode(&desc, &m)
                        .unwrap_or_else(|e| panic!("{target}/{name} mutated ({op},{at}): {e}"));
                }
            }
            replayed += 1;
            if name.starts_with("valid") {
                // A valid seed: Rust -> libmesos (required fields checked) -> Rust is the
                // identity.
                let original = desc.parse_from_bytes(&bytes).unwrap();
                let cxx = libmesos_parse(target, &bytes, true)
                    .unwrap_or_else(|code| panic!("{target}/{name}: libmesos said {code}"));
                let back = desc.parse_from_bytes(&cxx).unwrap();
                assert!(desc.eq(&*original, &*back), "{target}/{name} changed");
            }
        }
    }
    // Seeds with a known verdict.
    let status = descriptor("mesos.TaskStatus");
    let unknown = &corpus("mesos.TaskStatus")
        .into_iter()
        .find(|(n, _)| n == "unknown-state.bin")
        .unwrap()
        .1;
    assert!(
        status.parse_from_bytes(unknown).is_ok(),
        "the crate keeps the value"
    );
    assert_eq!(
        libmesos_parse("mesos.TaskStatus", unknown, true),
        Err(sys::MESOS_SHIM_ERR_MISSING_FIELDS),
        "libmesos: state is unknown, so missing"
    );
    let id = &corpus("mesos.TaskID")
        .into_iter()
        .find(|(n, _)| n == "not-utf8.bin")
        .unwrap()
        .1;
    assert!(TaskID::parse_from_bytes(id).is_err());
    assert!(libmesos_parse("mesos.TaskID", id, true).is_ok());
    println!("fuzz corpus: {replayed} seeds replayed, each with 40 mutations");
}

#[test]
fn arbitrary_bytes_never_crash_a_decoder() {
    for target in TARGETS {
        let desc = descriptor(target);
        let r = runner().run(&proptest::collection::vec(any::<u8>(), 0..256), |bytes| {
            check_decode(&desc, &bytes)
        });
        report(target, r);
    }
}

#[test]
fn mutated_valid_encodings_never_crash_a_decoder() {
    for target in TARGETS {
        let desc = descriptor(target);
        let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, b)| b).collect();
        let strategy = (
            0..seeds.len(),
            any::<u8>(),
            any::<usize>(),
            any::<u64>(),
            1..4usize,
        );
        let r = runner().run(&strategy, |(seed, op, at, x, rounds)| {
            let mut b = seeds[seed].clone();
            for r in 0..rounds {
                b = mutate(
                    &b,
                    op.wrapping_add(r as u8 * 3),
                    at.wrapping_add(r),
                    x ^ r as u64,
                );
            }
            check_decode(&desc, &b)
        });
        report(target, r);
    }
}

#[test]
fn decoded_tasks_pass_through_libmesos_executor_adapter() {
    let (tx, rx) = channel();
    let harness = ExecutorHarness::new(Launches(tx)).unwrap();
    let seeds: Vec<Vec<u8>> = corpus("mesos.TaskInfo")
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    let strategy = (0..seeds.len(), any::<u8>(), any::<usize>(), any::<u64>());
    let r = runner().run(&strategy, |(seed, op, at, x)| {
        check_adapter(&harness, &rx, &mutate(&seeds[seed], op, at, x))
    });
    report("mesos.TaskInfo (executor adapter)", r);
    assert!(harness.panic_message().is_none());
}
