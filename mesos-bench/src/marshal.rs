//! The marshalling benchmark: per-message cost of crossing the shim boundary, next to what C++
//! alone pays to serialize and parse the same bytes.
//!
//! * callback direction: libmesos' C++ object is serialized (as the shim's callbacks do, into a
//!   fresh string), the bytes are handed to a Rust `extern "C"` function which copies them (as
//!   the shim's callbacks do) and decodes them with the crate's own decoder;
//! * call direction: the crate's own encoder, then the shim's own argument parser
//!   (`ParsePartialFromArray` + required-field check into libmesos' class), through the C ABI
//!   with an error slot, as every driver call does;
//! * C++ only: serialize into a fresh string, parse into a fresh object.

use std::ffi::c_void;
use std::hint::black_box;

use mesos::__bench::{decode, encode};
use mesos::resources::{
    cpus, disk, dynamic_reservation, gpus, mem, ports, ranges, scalar, set, static_reservation,
};
use mesos::types::*;
use mesos_sys::{mesos_bytes, mesos_shim_error, mesos_shim_error_clear};
use protobuf::{MessageField, MessageFull};

use crate::cpp::{self, Kind};

/// The calling thread's CPU time (not wall time: the machine may be shared).
struct CpuClock(u64);

impl CpuClock {
    fn start() -> Self {
        // SAFETY: a pure query of the calling thread's clock.
        CpuClock(unsafe { cpp::bench_thread_cpu_ns() })
    }

    fn ns_per(&self, n: u64) -> f64 {
        // SAFETY: as above.
        let now = unsafe { cpp::bench_thread_cpu_ns() };
        now.saturating_sub(self.0) as f64 / n as f64
    }
}

/// What one message kind costs, in ns per message (each the median over the trials).
#[derive(Debug, Clone)]
pub struct Row {
    pub name: &'static str,
    pub bytes: usize,
    pub callback_boundary: f64,
    pub call_boundary: f64,
    pub cpp_roundtrip: f64,
    pub cpp_serialize: f64,
    pub cpp_parse: f64,
    pub rust_encode: f64,
    pub rust_decode: f64,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    let mut l = Labels::new();
    for (k, v) in pairs {
        let mut label = Label::new();
        label.set_key((*k).into());
        label.set_value((*v).into());
        l.labels.push(label);
    }
    l
}

fn with_allocation(r: Resource) -> Resource {
    r.with_allocation_role("analytics")
}

/// What every offer of the marshalling benchmark starts with: its IDs and the hostname.
fn offer_head() -> Offer {
    let mut o = Offer::new();
    o.id = MessageField::some(mesos::ids::offer_id(
        "a3c2b0f1-8d7e-4c55-9b1a-2f6e0d9c7b41-O123456",
    ));
    o.framework_id = MessageField::some(mesos::ids::framework_id(
        "a3c2b0f1-8d7e-4c55-9b1a-2f6e0d9c7b41-0007",
    ));
    o.slave_id = MessageField::some(mesos::ids::slave_id(
        "a3c2b0f1-8d7e-4c55-9b1a-2f6e0d9c7b41-S42",
    ));
    o.set_hostname("agent-042.rack-07.dc-east.example.org".into());
    o
}

/// An offer as an agent with a varied inventory sends it: 20 resources (unreserved,
/// statically and dynamically reserved, a persistent volume, a mount disk, ranges, sets,
/// revocable), 6 attributes, a URL and a fault domain.
pub fn offer() -> Offer {
    let mut o = offer_head();
    let mut url = URL::new();
    url.set_scheme("http".into());
    url.address
        .mut_or_insert_default()
        .set_hostname("agent-042.rack-07.dc-east.example.org".into());
    url.address
        .mut_or_insert_default()
        .set_ip("10.7.0.42".into());
    url.address.mut_or_insert_default().set_port(5051);
    url.set_path("/slave(1)".into());
    o.url = MessageField::some(url);
    let mut domain = DomainInfo::new();
    let fault = domain.fault_domain.mut_or_insert_default();
    fault
        .region
        .mut_or_insert_default()
        .set_name("us-east".into());
    fault
        .zone
        .mut_or_insert_default()
        .set_name("us-east-1b".into());
    o.domain = MessageField::some(domain);
    let mut volume = disk(2048.0).reserved("analytics", Some("ops"));
    {
        let info = volume.disk.mut_or_insert_default();
        info.persistence
            .mut_or_insert_default()
            .set_id("pv-7f3a".into());
        info.persistence
            .mut_or_insert_default()
            .set_principal("ops".into());
        let v = info.volume.mut_or_insert_default();
        v.set_container_path("data".into());
        v.set_mode(volume::Mode::RW);
    }
    let mut mount = disk(100000.0);
    {
        let source = mount
            .disk
            .mut_or_insert_default()
            .source
            .mut_or_insert_default();
        source.set_type(resource::disk_info::source::Type::MOUNT);
        source
            .mount
            .mut_or_insert_default()
            .set_root("/mnt/ssd0".into());
    }
    let mut reserved_cpus = cpus(4.0).with_reservation(static_reservation("analytics"));
    reserved_cpus.reservations.push({
        let mut r = dynamic_reservation("analytics/batch", Some("ops"));
        r.labels = MessageField::some(labels(&[("owner", "batch-team"), ("ticket", "OPS-1234")]));
        r
    });
    let resources = vec![
        cpus(31.5),
        mem(245760.0),
        disk(819200.0),
        ports(&[(31000, 31099), (31200, 31999), (32100, 32767)]),
        gpus(2.0),
        cpus(4.0).with_reservation(static_reservation("analytics")),
        mem(32768.0).with_reservation(static_reservation("analytics")),
        reserved_cpus,
        mem(16384.0).reserved("analytics", Some("ops")),
        volume,
        mount,
        ports(&[(40000, 40099)]).reserved("analytics", Some("ops")),
        ranges("ephemeral_ports", &[(49152, 57343)]),
        set("network_zones", ["blue", "green", "dmz"]),
        scalar("network_bandwidth", 10000.0),
        scalar("fpgas", 1.0),
        cpus(2.0).with_revocable(),
        mem(8192.0).with_revocable(),
        set("numa_nodes", ["0", "1"]),
        scalar("iops", 50000.0),
    ];
    o.resources = resources.into_iter().map(with_allocation).collect();
    let text = |name: &str, v: &str| {
        let mut a = Attribute::new();
        a.set_name(name.into());
        a.set_type(value::Type::TEXT);
        a.text.mut_or_insert_default().set_value(v.into());
        a
    };
    let mut generation = Attribute::new();
    generation.set_name("generation".into());
    generation.set_type(value::Type::SCALAR);
    generation.scalar.mut_or_insert_default().set_value(7.0);
    let mut features = Attribute::new();
    features.set_name("cpu_features".into());
    features.set_type(value::Type::SET);
    features.set.mut_or_insert_default().item =
        vec!["avx2".into(), "avx512f".into(), "aes".into(), "sha".into()];
    o.attributes = vec![
        text("rack", "rack-07"),
        text("zone", "us-east-1b"),
        text("kernel", "6.1.0-18-amd64"),
        text("os", "debian-12"),
        generation,
        features,
    ];
    o.allocation_info
        .mut_or_insert_default()
        .set_role("analytics".into());
    o
}

/// An offer of `n` resources, as an agent with that many resource entries sends it: a fixed
/// mix repeated (plain and reserved scalars, `ports` with 32 ranges, other range and set
/// resources, a persistent volume), every name made unique by its index where the kind
/// allows several, with allocation info; the ID fields, hostname and two attributes as
/// `offer()` has them.
pub fn offer_with(n: usize) -> Offer {
    let mut o = offer_head();
    let port_ranges: Vec<(u64, u64)> = (0..32)
        .map(|i| (31000 + i * 40, 31000 + i * 40 + 19))
        .collect();
    o.resources = (0..n)
        .map(|i| {
            let r = match i % 8 {
                0 => cpus(0.5 + i as f64),
                1 => mem(1024.0 + i as f64),
                2 => ports(&port_ranges),
                3 => disk(4096.0).reserved("analytics", Some("ops")),
                4 => scalar(format!("accelerator_{i}"), 1.0),
                5 => ranges(
                    format!("ephemeral_ports_{i}"),
                    &[(49152, 50000), (51000, 52000), (53000, 57343)],
                ),
                6 => set(format!("zones_{i}"), ["blue", "green", "dmz"]),
                _ => {
                    let mut v = disk(2048.0).reserved("analytics", Some("ops"));
                    let info = v.disk.mut_or_insert_default();
                    info.persistence
                        .mut_or_insert_default()
                        .set_id(format!("pv-{i}"));
                    let vol = info.volume.mut_or_insert_default();
                    vol.set_container_path("data".into());
                    vol.set_mode(volume::Mode::RW);
                    v
                }
            };
            with_allocation(r)
        })
        .collect();
    let mut rack = Attribute::new();
    rack.set_name("rack".into());
    rack.set_type(value::Type::TEXT);
    rack.text
        .mut_or_insert_default()
        .set_value("rack-07".into());
    o.attributes = vec![rack];
    o.allocation_info
        .mut_or_insert_default()
        .set_role("analytics".into());
    o
}

/// A task as a typical framework launches it: resources, a command with URIs and an
/// environment, a container image, labels and a health check.
pub fn task_info() -> TaskInfo {
    let mut t = TaskInfo::new();
    t.set_name("web-frontend.instance-17".into());
    t.task_id = MessageField::some(mesos::ids::task_id(
        "web-frontend.6f1c9a2e-3b8d-4e7f-a0c5-9d2b7e4f1a38",
    ));
    t.slave_id = MessageField::some(mesos::ids::slave_id(
        "a3c2b0f1-8d7e-4c55-9b1a-2f6e0d9c7b41-S42",
    ));
    t.resources = vec![
        cpus(0.5).with_allocation_role("analytics"),
        mem(512.0).with_allocation_role("analytics"),
        disk(1024.0).with_allocation_role("analytics"),
        ports(&[(31005, 31006)]).with_allocation_role("analytics"),
    ];
    let mut command = mesos::ids::command_info("./bin/server --port $PORT0 --workers 4");
    for uri in [
        "https://artifacts.example.org/web/server-1.4.2.tar.gz",
        "https://artifacts.example.org/web/config.json",
    ] {
        let mut u = command_info::URI::new();
        u.set_value(uri.into());
        u.set_extract(uri.ends_with(".tar.gz"));
        u.set_cache(true);
        command.uris.push(u);
    }
    let env = command.environment.mut_or_insert_default();
    for (k, v) in [
        ("PORT0", "31005"),
        ("PORT1", "31006"),
        ("ENV", "production"),
        ("LOG_LEVEL", "info"),
        ("REGION", "us-east"),
    ] {
        let mut var = environment::Variable::new();
        var.set_name(k.into());
        var.set_value(v.into());
        env.variables.push(var);
    }
    command.set_user("www".into());
    t.command = MessageField::some(command);
    let mut container = ContainerInfo::new();
    container.set_type(container_info::Type::MESOS);
    let image = container
        .mesos
        .mut_or_insert_default()
        .image
        .mut_or_insert_default();
    image.set_type(image::Type::DOCKER);
    image
        .docker
        .mut_or_insert_default()
        .set_name("registry.example.org/web/server:1.4.2".into());
    let mut net = NetworkInfo::new();
    net.set_name("overlay-blue".into());
    container.network_infos.push(net);
    t.container = MessageField::some(container);
    let mut health = HealthCheck::new();
    health.set_type(health_check::Type::HTTP);
    health.http.mut_or_insert_default().set_port(31005);
    health
        .http
        .mut_or_insert_default()
        .set_path("/health".into());
    health.set_interval_seconds(10.0);
    health.set_timeout_seconds(5.0);
    t.health_check = MessageField::some(health);
    t.labels = MessageField::some(labels(&[
        ("app", "web-frontend"),
        ("version", "1.4.2"),
        ("team", "web"),
    ]));
    t
}

/// A status update as an executor sends it for a running task.
pub fn task_status() -> TaskStatus {
    let mut s = TaskStatus::new();
    s.task_id = MessageField::some(mesos::ids::task_id(
        "web-frontend.6f1c9a2e-3b8d-4e7f-a0c5-9d2b7e4f1a38",
    ));
    s.set_state(TaskState::TASK_RUNNING);
    s.set_message("Task is healthy and serving".into());
    s.set_source(task_status::Source::SOURCE_EXECUTOR);
    s.slave_id = MessageField::some(mesos::ids::slave_id(
        "a3c2b0f1-8d7e-4c55-9b1a-2f6e0d9c7b41-S42",
    ));
    s.executor_id = MessageField::some(mesos::ids::executor_id(
        "web-frontend.6f1c9a2e-3b8d-4e7f-a0c5-9d2b7e4f1a38",
    ));
    s.set_timestamp(1_764_130_000.123_456);
    s.set_uuid((0u8..16).collect());
    s.set_healthy(true);
    s.labels = MessageField::some(labels(&[("probe", "http"), ("attempt", "3")]));
    let status = s.container_status.mut_or_insert_default();
    status.container_id = MessageField::some(mesos::ids::container_id(
        "c0ffee00-1234-4abc-9def-0123456789ab",
    ));
    let mut net = NetworkInfo::new();
    net.set_name("overlay-blue".into());
    let mut ip = network_info::IPAddress::new();
    ip.set_ip_address("192.168.40.17".into());
    net.ip_addresses.push(ip);
    status.network_infos.push(net);
    status.set_executor_pid(4242);
    s
}

/// A Rust message together with the same message as a libmesos C++ object.
struct Sample<M> {
    kind: Kind,
    msg: M,
    bytes: Vec<u8>,
    cpp: *mut c_void,
}

impl<M: MessageFull + PartialEq> Sample<M> {
    fn new(kind: Kind, msg: M) -> Self {
        let bytes = encode(&msg);
        // SAFETY: the pointer and length describe `bytes`, alive for the call.
        let cpp = unsafe { cpp::bench_cpp_msg_new(kind as i32, bytes.as_ptr(), bytes.len()) };
        assert!(
            !cpp.is_null(),
            "libmesos could not parse the {kind:?} sample"
        );
        Sample {
            kind,
            msg,
            bytes,
            cpp,
        }
    }
}

impl<M> Drop for Sample<M> {
    fn drop(&mut self) {
        // SAFETY: `cpp` came from bench_cpp_msg_new and is freed once, here.
        unsafe { cpp::bench_cpp_msg_free(self.cpp) }
    }
}

/// Counts what the callback side received; checks nothing was lost in decoding.
struct Sink<M> {
    received: u64,
    failed: u64,
    last: Option<M>,
}

/// The Rust side of the callback direction: copy the lent bytes, decode them.
unsafe extern "C" fn on_bytes<M: MessageFull>(ctx: *mut c_void, bytes: mesos_bytes) {
    // SAFETY: ctx is the &mut Sink<M> passed by `callback_loop`, alive for the whole loop, and
    // the bytes are valid for the duration of this call (as in the shim's callbacks).
    let sink = unsafe { &mut *(ctx as *mut Sink<M>) };
    let owned = unsafe { bytes.as_slice() }.to_vec();
    match decode::<M>(&owned) {
        Ok(m) => {
            sink.received += 1;
            black_box(&m);
            sink.last = Some(m);
        }
        Err(_) => sink.failed += 1,
    }
}

fn callback_loop<M: MessageFull + PartialEq>(s: &Sample<M>, n: u64) -> f64 {
    let mut sink = Sink::<M> {
        received: 0,
        failed: 0,
        last: None,
    };
    let t = CpuClock::start();
    // SAFETY: `cpp` is a live message of `kind`; the sink outlives the call.
    let bytes = unsafe {
        cpp::bench_cpp_serialize_to(
            s.kind as i32,
            s.cpp,
            n,
            on_bytes::<M>,
            &mut sink as *mut Sink<M> as *mut c_void,
        )
    };
    let ns = t.ns_per(n);
    assert!(
        bytes > 0 && sink.received == n && sink.failed == 0,
        "callback loop lost messages"
    );
    assert!(
        sink.last.as_ref() == Some(&s.msg),
        "the decoded {:?} differs from the original",
        s.kind
    );
    ns
}

fn call_loop<M: MessageFull>(s: &Sample<M>, n: u64) -> f64 {
    let t = CpuClock::start();
    for _ in 0..n {
        let bytes = encode(black_box(&s.msg));
        let mut err = mesos_shim_error::default();
        // SAFETY: the view points into `bytes`, alive for the call; the error slot is ours.
        let rc = unsafe {
            cpp::bench_cpp_shim_parse(s.kind as i32, mesos_bytes::from_slice(&bytes), &mut err)
        };
        // SAFETY: the slot was zero-initialised and filled only by the shim.
        unsafe { mesos_shim_error_clear(&mut err) };
        assert_eq!(rc, 0, "the shim rejected the {:?} sample", s.kind);
    }
    t.ns_per(n)
}

fn cpp_roundtrip_loop<M>(s: &Sample<M>, n: u64) -> f64 {
    let t = CpuClock::start();
    // SAFETY: `cpp` is a live message of `kind`.
    let r = unsafe { cpp::bench_cpp_roundtrip(s.kind as i32, s.cpp, n) };
    let ns = t.ns_per(n);
    assert!(r > 0, "C++ round trip failed");
    ns
}

fn cpp_serialize_loop<M>(s: &Sample<M>, n: u64) -> f64 {
    let t = CpuClock::start();
    // SAFETY: as above.
    let r = unsafe { cpp::bench_cpp_serialize(s.kind as i32, s.cpp, n) };
    let ns = t.ns_per(n);
    assert!(r > 0, "C++ serialize failed");
    ns
}

fn cpp_parse_loop<M>(s: &Sample<M>, n: u64) -> f64 {
    let t = CpuClock::start();
    // SAFETY: pointer and length describe `s.bytes`.
    let r = unsafe { cpp::bench_cpp_parse(s.kind as i32, s.bytes.as_ptr(), s.bytes.len(), n) };
    let ns = t.ns_per(n);
    assert!(r > 0, "C++ parse failed");
    ns
}

fn rust_encode_loop<M: MessageFull>(s: &Sample<M>, n: u64) -> f64 {
    let t = CpuClock::start();
    for _ in 0..n {
        black_box(encode(black_box(&s.msg)));
    }
    t.ns_per(n)
}

fn rust_decode_loop<M: MessageFull>(s: &Sample<M>, n: u64) -> f64 {
    let t = CpuClock::start();
    for _ in 0..n {
        let owned = black_box(&s.bytes[..]).to_vec();
        black_box(decode::<M>(&owned).expect("decoding the sample"));
    }
    t.ns_per(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn measure<M: MessageFull + PartialEq>(
    name: &'static str,
    s: &Sample<M>,
    n: u64,
    trials: usize,
) -> Row {
    // Warm up caches and allocators once.
    callback_loop(s, n / 10 + 1);
    call_loop(s, n / 10 + 1);
    cpp_roundtrip_loop(s, n / 10 + 1);
    let mut cols: [Vec<f64>; 7] = Default::default();
    for _ in 0..trials {
        // Interleaved: every trial runs each loop once, boundary and C++-only side by side.
        cols[0].push(callback_loop(s, n));
        cols[2].push(cpp_roundtrip_loop(s, n));
        cols[1].push(call_loop(s, n));
        cols[3].push(cpp_serialize_loop(s, n));
        cols[4].push(cpp_parse_loop(s, n));
        cols[5].push(rust_encode_loop(s, n));
        cols[6].push(rust_decode_loop(s, n));
    }
    let [a, b, c, d, e, f, g] = cols.map(median);
    Row {
        name,
        bytes: s.bytes.len(),
        callback_boundary: a,
        call_boundary: b,
        cpp_roundtrip: c,
        cpp_serialize: d,
        cpp_parse: e,
        rust_encode: f,
        rust_decode: g,
    }
}

/// Measures offers of each size in `sizes` (resources per offer); `n` messages per loop for
/// one resource, fewer for larger offers (about `n * 10 / (size + 9)`, at least 50).
pub fn run_sizes(sizes: &[usize], n: u64, trials: usize) -> Vec<(usize, Row)> {
    sizes
        .iter()
        .map(|&size| {
            let sample = Sample::new(Kind::Offer, offer_with(size));
            let per_loop = (n * 10 / (size as u64 + 9)).max(50);
            (size, measure("Offer", &sample, per_loop, trials))
        })
        .collect()
}

/// Measures the three message kinds, `n` messages per loop, `trials` times each.
pub fn run(n: u64, trials: usize) -> Vec<Row> {
    let offer = Sample::new(Kind::Offer, offer());
    let task = Sample::new(Kind::TaskInfo, task_info());
    let status = Sample::new(Kind::TaskStatus, task_status());
    vec![
        measure("Offer", &offer, n, trials),
        measure("TaskInfo", &task, n, trials),
        measure("TaskStatus", &status, n, trials),
    ]
}
