//! Safe Rust bindings to Apache Mesos' own C++ library, libmesos.
//!
//! Write Mesos frameworks and executors in Rust on top of the official
//! `MesosSchedulerDriver` and `MesosExecutorDriver`, linked against the libmesos installed on
//! your cluster (or the dev kit this project provisions for development).
//!
//! * [`types`]: every message and enum of Mesos 1.11 `mesos.proto` (plus `OfferConstraints`
//!   and the rest of `scheduler.proto`), generated with the `protobuf` crate. Unknown fields
//!   are preserved, so a message received from libmesos and sent back loses nothing.
//! * [`SchedulerDriver`] and the [`Scheduler`] trait; [`ExecutorDriver`] and the
//!   [`Executor`] trait. Callbacks run one at a time, in libmesos' order, on a thread owned by
//!   the driver; driver handles are cheap to clone and usable from any thread.
//! * With the `stream` feature, the `stream` module: the scheduler's events as a runtime-agnostic
//!   `futures::Stream` instead of a trait object (`SchedulerDriverBuilder::build_stream`).
//! * Deployment: [`process`] (libprocess' process-wide networking: bind and advertised
//!   address, for containers and NAT), [`framework_id`] (keeping the `FrameworkID` across
//!   restarts), [`liveness`] (noticing a silent `host:port` master). See docs/deployment.md.
//! * [`sandbox`]: a task's `stdout`, `stderr` and other sandbox files, from the local
//!   cluster's work directory or from any agent's `/files` endpoint.
//! * Helpers in the spirit of hs-mesos: [`resources`] (resource constructors and the
//!   [`Resources`] collection), [`task_status`] (task-state predicates), [`ids`].
//!
//! # Crate features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `libmesos` | yes | links libmesos (through `mesos-sys`): `scheduler`, `local`, the libmesos executor backend, `mesos_version`, `has_executor_driver` |
//! | `http-executor` | yes | the executor backend over the agent's v1 executor HTTP API, in pure Rust (see `executor`) |
//! | `stream` | no | the scheduler's events as a `futures::Stream` (implies `libmesos`) |
//!
//! With `default-features = false, features = ["http-executor"]` nothing of libmesos or C++
//! is built or linked: [`types`], [`resources`], [`ids`], [`task_status`], the errors and the
//! `executor` module (HTTP backend) remain, enough for an executor that can be shipped into
//! any container image.
//!
//! ```no_run
//! use mesos::{Scheduler, SchedulerDriver, types::{FrameworkInfo, Offer}};
//!
//! struct Hello;
//! impl Scheduler for Hello {
//!     fn resource_offers(&mut self, driver: &SchedulerDriver, offers: &[Offer]) {
//!         for offer in offers {
//!             driver.decline_offer(&offer.id, None).ok();
//!         }
//!     }
//! }
//!
//! let mut info = FrameworkInfo::new();
//! info.set_user(String::new()); // empty: libmesos fills in the current user
//! info.set_name("hello".into());
//! let driver = SchedulerDriver::builder(info, "127.0.0.1:5050").build(Hello)?;
//! let status = driver.run()?;
//! println!("driver ended: {status:?}");
//! # Ok::<(), mesos::Error>(())
//! ```
//!
//! # Logging
//!
//! Two separate streams:
//!
//! * **The binding's own events** go through [`tracing`](https://docs.rs/tracing), with targets
//!   under `mesos` (`mesos::scheduler`, `mesos::executor`, ...): every callback at `trace` (with its name), driver lifecycle
//!   (created, started, stopped, registered, disconnected, freed) at `debug`, libmesos'
//!   `error` callback at `warn`, and a callback that panicked or an event that could not
//!   be decoded at `error`. At `warn` too: an event that will not reach your code (each is
//!   also counted, see `SchedulerDriver::stats`), an implicit acknowledgement that failed,
//!   and a queue of events that grew past its threshold (see "Slow callbacks" on
//!   [`Scheduler`]). Nothing is printed unless the application installs a subscriber,
//!   e.g. `tracing_subscriber::fmt().with_env_filter("mesos=debug").init()`.
//! * **libmesos' own log lines** (glog) become `tracing` events too, with the target
//!   `libmesos` (level mapped, `file` and `line` as fields), and nothing reaches stderr
//!   unless asked: one switch, `MESOS_RS_LIBMESOS_LOG` (`tracing`, the default; `stderr`;
//!   `off`), replaces libmesos' own variables. See [`logging`].
#![warn(missing_docs)]
// Without libmesos, the docs still mention the scheduler side (documented with all features).
#![cfg_attr(not(feature = "libmesos"), allow(rustdoc::broken_intra_doc_links))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod codec;
#[cfg(any(feature = "libmesos", feature = "http-executor"))]
// Parts of it (the C callbacks' entry point, the stream's stop marker) serve libmesos only.
#[cfg_attr(not(feature = "libmesos"), allow(dead_code))]
mod dispatch;
pub mod duration;
mod error;
#[cfg(any(feature = "libmesos", feature = "http-executor"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "libmesos", feature = "http-executor"))))]
pub mod executor;
#[cfg(feature = "libmesos")]
mod ffi;
pub mod ids;
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub mod local;
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub mod logging;
// `MasterInfo::socket_addr`.
mod master_address;
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub mod process;
pub mod resources;
pub mod sandbox;
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub mod scheduler;
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub mod shutdown;
#[cfg(feature = "libmesos")]
mod signals;
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub mod stream;
pub mod task_status;
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub mod toolkit;
pub mod types;
mod version;

pub use dispatch::DriverStats;
pub use error::{Error, Result};
#[cfg(any(feature = "libmesos", feature = "http-executor"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "libmesos", feature = "http-executor"))))]
pub use executor::{Executor, ExecutorDriver};
pub use resources::Resources;
// Scheduler features, kept at the crate root where users have always found them.
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub use scheduler::{framework_id, liveness};
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub use scheduler::{Scheduler, SchedulerDriver, SchedulerDriverBuilder, WeakSchedulerDriver};
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub use stream::SchedulerEvents;
pub use types::Status;
pub use version::LibmesosVersion;

/// The Mesos version of the headers the shim was compiled against (e.g. `"1.11.0"`).
///
/// ```no_run
/// assert!(mesos::mesos_version().starts_with("1."));
/// ```
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub fn mesos_version() -> &'static str {
    ffi::mesos_version()
}

/// The libmesos release this process runs with: read from the file the dynamic loader loaded
/// it from (`libmesos-X.Y.Z.so`, as a Mesos installation and the dev kit name it), else the
/// version of the headers the shim was compiled against ([`mesos_version`]).
///
/// ```no_run
/// let v = mesos::libmesos_version();
/// assert!(v.at_least(1, 4));
/// if v.has_update_framework() { /* ... */ }
/// ```
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub fn libmesos_version() -> LibmesosVersion {
    static VERSION: std::sync::OnceLock<LibmesosVersion> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        ffi::libmesos_file()
            .and_then(|f| LibmesosVersion::from_file_name(&f))
            .or_else(|| LibmesosVersion::parse(ffi::mesos_version()))
            .unwrap_or(LibmesosVersion {
                major: mesos_sys::LINKED_MESOS_VERSION.0,
                minor: mesos_sys::LINKED_MESOS_VERSION.1,
                patch: mesos_sys::LINKED_MESOS_VERSION.2,
            })
    })
}

/// Whether the linked libmesos contains `MesosExecutorDriver` (the dev kit's does not).
///
/// ```no_run
/// if !mesos::has_executor_driver() {
///     eprintln!("this libmesos is scheduler-only");
/// }
/// ```
#[cfg(feature = "libmesos")]
#[cfg_attr(docsrs, doc(cfg(feature = "libmesos")))]
pub fn has_executor_driver() -> bool {
    ffi::has_executor_driver()
}

/// Not part of the API (may change at any time): the crate's own encoding and decoding of
/// messages at the libmesos boundary, exposed so that the benchmarks in `mesos-bench` measure
/// exactly the code the drivers run.
#[doc(hidden)]
pub mod __bench {
    /// Serializes a message as every driver call does before handing it to libmesos.
    pub fn encode<M: protobuf::Message>(msg: &M) -> Vec<u8> {
        crate::codec::encode(msg)
    }

    /// Decodes callback bytes as the drivers' callback thread does.
    pub fn decode<M: protobuf::MessageFull>(bytes: &[u8]) -> crate::Result<M> {
        crate::codec::decode(bytes)
    }

    /// Turns on the latency probe for the whole process (it cannot be turned off): from then
    /// on the shim records when it entered each callback, and the times below are available.
    #[cfg(feature = "libmesos")]
    pub fn enable_latency_probe() {
        crate::dispatch::probe::enable()
    }

    /// Inside a [`Scheduler`](crate::Scheduler) method, on the callback thread: nanoseconds
    /// from the moment the shim entered libmesos' callback for this event until now. `None`
    /// when the probe is off or the event did not come from libmesos.
    #[cfg(feature = "libmesos")]
    pub fn delivery_latency_ns() -> Option<u64> {
        crate::dispatch::probe::since(crate::dispatch::probe::DELIVERING.get())
    }

    /// On the thread that took an event from a
    /// [`SchedulerEvents`](crate::stream::SchedulerEvents) stream, right after `next()`
    /// returned it: nanoseconds from the moment the shim entered libmesos' callback for that
    /// event until now. `None` when the probe is off.
    #[cfg(feature = "stream")]
    pub fn stream_latency_ns() -> Option<u64> {
        crate::dispatch::probe::since(crate::dispatch::probe::TAKEN.get())
    }
}

/// The README's code, compiled as a doc test so that it stays correct.
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "libmesos"))]
pub struct ReadmeDoctests;
