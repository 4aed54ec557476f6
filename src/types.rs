//! The Mesos 1.11 message types (`package mesos`), generated from the project's schema in
//! `proto/` with the `protobuf` crate, plus the messages of `mesos.scheduler`
//! ([`scheduler`], which holds [`OfferConstraints`]) and of `mesos.executor` ([`executor`]).
//!
//! Every type implements [`protobuf::Message`]: build with `new()` and the `set_*`/`mut_*`
//! accessors or struct fields, serialize with `write_to_bytes()`, parse with
//! `parse_from_bytes()`. Unknown fields are kept in `special_fields`.
//!
//! Each message, field, enum and enum value is documented in the project's words: the text
//! lives next to the schema, in `proto/mesos/mesos.docs` and
//! `proto/mesos/scheduler/scheduler.docs`, and the build script attaches it to the generated
//! items (the schema files themselves are written from libmesos' descriptors, which carry no
//! comments).
//!
//! ```
//! use mesos::types::{TaskID, TaskState};
//! let mut id = TaskID::new();
//! id.set_value("task-1".into());
//! assert_eq!(id.value(), "task-1");
//! assert_eq!(TaskState::TASK_RUNNING as i32, 1);
//! ```
#![allow(clippy::all)]

mod generated {
    include!(concat!(env!("OUT_DIR"), "/protos/mod.rs"));
}

pub use generated::mesos::*;

/// Messages of `mesos/scheduler/scheduler.proto` (package `mesos.scheduler`).
pub mod scheduler {
    pub use super::generated::scheduler::*;
}

/// Messages of `mesos/executor/executor.proto` (package `mesos.executor`): the `Call` and
/// `Event` of the agent's executor HTTP API, as libmesos itself carries them (the v1 API's
/// messages have the same field numbers, so these are what `/api/v1/executor` speaks on the
/// wire).
pub mod executor {
    pub use super::generated::executor::*;
}

pub use generated::scheduler::{AttributeConstraint, OfferConstraints};

/// The raw generated modules, named like the proto files.
pub mod proto_files {
    pub use super::generated::executor;
    pub use super::generated::mesos;
    pub use super::generated::scheduler;
}
