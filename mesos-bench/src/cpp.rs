//! The C++ baseline (`cpp/baseline.cpp`), compiled by this crate's build script.

use std::ffi::c_void;

use mesos_sys::{mesos_bytes, mesos_shim_error};

/// When a sampled storm's clock started and stopped (`CLOCK_MONOTONIC`, ns), and the RSS
/// (KiB) at both: what the sampler's peak is taken between (`bench_window`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct Window {
    pub start_ns: u64,
    pub end_ns: u64,
    pub rss_start_kib: i64,
    pub rss_end_kib: i64,
}

/// Outcome of one C++ end-to-end run (see `bench_cpp_e2e`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct E2eResult {
    pub launched: u64,
    pub finished: u64,
    /// First offer seen -> last terminal update seen.
    pub seconds: f64,
    /// Process CPU time over the same interval.
    pub cpu_seconds: f64,
    pub final_status: i32,
}

/// Outcome of one C++ offer-storm run (see `bench_cpp_storm`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct StormResult {
    pub handled: u64,
    /// From the warm-up-th offer handled to the last.
    pub seconds: f64,
    /// Process CPU time over the same interval.
    pub cpu_seconds: f64,
    pub rss_first_kib: i64,
    pub rss_last_kib: i64,
    pub final_status: i32,
}

/// Outcome of one C++ reconciliation storm (see `bench_cpp_reconcile`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct ReconcileResult {
    pub answered: u64,
    /// Updates that were not a first answer of the expected kind.
    pub bad: u64,
    /// The `reconcileTasks` call -> the n-th answer.
    pub seconds: f64,
    /// The `reconcileTasks` call alone.
    pub call_seconds: f64,
    /// CPU time of the calling thread during the call.
    pub call_cpu_seconds: f64,
    pub window: Window,
    /// Latency samples written.
    pub samples: u64,
    pub final_status: i32,
}

/// Outcome of one C++ update storm (see `bench_cpp_updates`).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct UpdatesResult {
    /// Updates counted once each.
    pub distinct: u64,
    /// Updates handled after the clock started (duplicates included).
    pub timed: u64,
    pub duplicates: u64,
    pub missing_uuid: u64,
    pub bad: u64,
    /// Gate opened -> last distinct update.
    pub seconds: f64,
    pub window: Window,
    pub final_status: i32,
}

/// The message kinds of the marshalling benchmark, as the C++ side numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Kind {
    Offer = 0,
    TaskInfo = 1,
    TaskStatus = 2,
}

/// Receives one serialized message from C++ (the shape of the shim's callbacks).
pub type BytesCallback = unsafe extern "C" fn(ctx: *mut c_void, bytes: mesos_bytes);

extern "C" {
    pub fn bench_set_master(master: *const std::ffi::c_char);
    pub fn bench_cpp_e2e(tasks: u32, timeout: f64, out: *mut E2eResult) -> i32;
    pub fn bench_cpp_storm(warmup: u64, total: u64, timeout: f64, out: *mut StormResult) -> i32;
    pub fn bench_cpp_reconcile(
        n: u64,
        batch: u64,
        timeout: f64,
        samples: *mut u64,
        out: *mut ReconcileResult,
    ) -> i32;
    pub fn bench_cpp_updates(
        tasks: u32,
        per_task: u32,
        executor: *const u8,
        executor_len: usize,
        ready_file: *const std::ffi::c_char,
        implicit: i32,
        timeout: f64,
        out: *mut UpdatesResult,
    ) -> i32;
    pub fn bench_monotonic_ns() -> u64;
    pub fn bench_thread_cpu_ns() -> u64;
    pub fn bench_process_cpu_seconds() -> f64;
    pub fn bench_cpp_msg_new(kind: i32, data: *const u8, len: usize) -> *mut c_void;
    pub fn bench_cpp_msg_free(msg: *mut c_void);
    pub fn bench_cpp_serialize_to(
        kind: i32,
        msg: *const c_void,
        iterations: u64,
        callback: BytesCallback,
        ctx: *mut c_void,
    ) -> u64;
    pub fn bench_cpp_roundtrip(kind: i32, msg: *const c_void, iterations: u64) -> u64;
    pub fn bench_cpp_serialize(kind: i32, msg: *const c_void, iterations: u64) -> u64;
    pub fn bench_cpp_parse(kind: i32, data: *const u8, len: usize, iterations: u64) -> u64;
    pub fn bench_cpp_shim_parse(kind: i32, bytes: mesos_bytes, err: *mut mesos_shim_error) -> i32;
}
