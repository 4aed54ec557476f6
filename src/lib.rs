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
//! * Helpers in the spirit of hs-mesos: [`resources`] (resource constructors and the
//!   [`Resources`] collection), [`task_status`] (task-state predicates), [`ids`].
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
//!   be decoded at `error`. Nothing is printed unless the application installs a subscriber,
//!   e.g. `tracing_subscriber::fmt().with_env_filter("mesos=debug").init()`.
//! * **libmesos' own logging** (glog) is configured by environment variables read when the
//!   first driver starts: `MESOS_LOGGING_LEVEL` (`INFO`, `WARNING`, `ERROR`),
//!   `GLOG_minloglevel` (0 to 3), `MESOS_QUIET=true` (nothing on stderr) and `MESOS_LOG_DIR`
//!   (log files). [`local::LocalCluster`] sets `ERROR` unless the environment says otherwise;
//!   the examples and tests of this crate use it, so they are quiet by default.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod dispatch;
mod error;
pub mod executor;
mod ffi;
pub mod framework_id;
pub mod ids;
pub mod liveness;
pub mod local;
pub mod process;
pub mod resources;
pub mod scheduler;
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub mod stream;
pub mod task_status;
pub mod types;

pub use dispatch::DriverStats;
pub use error::{Error, Result};
pub use executor::{Executor, ExecutorDriver};
pub use resources::Resources;
pub use scheduler::{Scheduler, SchedulerDriver, SchedulerDriverBuilder, WeakSchedulerDriver};
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub use stream::SchedulerEvents;
pub use types::Status;

/// The Mesos version of the headers the shim was compiled against (e.g. `"1.11.0"`).
///
/// ```no_run
/// assert!(mesos::mesos_version().starts_with("1."));
/// ```
pub fn mesos_version() -> &'static str {
    ffi::mesos_version()
}

/// Whether the linked libmesos contains `MesosExecutorDriver` (the dev kit's does not).
///
/// ```no_run
/// if !mesos::has_executor_driver() {
///     eprintln!("this libmesos is scheduler-only");
/// }
/// ```
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
        crate::ffi::encode(msg)
    }

    /// Decodes callback bytes as the drivers' callback thread does.
    pub fn decode<M: protobuf::MessageFull>(bytes: &[u8]) -> crate::Result<M> {
        crate::ffi::decode(bytes)
    }
}

/// The README's code, compiled as a doc test so that it stays correct.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
