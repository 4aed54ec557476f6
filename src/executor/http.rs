//! The HTTP backend: the agent's v1 executor HTTP API. (Milestone 1: the API and the feature
//! gating only; the protocol itself follows.)

use super::env::Env;
use super::{EngineOps, Incoming};
use crate::dispatch::Context;
use crate::error::{Error, Result};
use crate::types::{Status, TaskStatus};

/// The HTTP backend's driver.
pub(crate) struct Driver {
    ctx: Option<Box<Context<Incoming>>>,
}

fn unimplemented() -> Error {
    Error::Unsupported("the HTTP executor backend is not implemented yet".into())
}

impl Driver {
    pub(super) fn new(ctx: Box<Context<Incoming>>, env: Env) -> Result<Driver> {
        let _ = (ctx, env);
        Err(unimplemented())
    }
}

impl EngineOps for Driver {
    fn start(&self) -> Result<Status> {
        Err(unimplemented())
    }
    fn stop(&self) -> Result<Status> {
        Err(unimplemented())
    }
    fn abort(&self) -> Result<Status> {
        Err(unimplemented())
    }
    fn join(&self) -> Result<Status> {
        Err(unimplemented())
    }
    fn send_status_update(&self, _: &TaskStatus) -> Result<()> {
        Err(unimplemented())
    }
    fn send_framework_message(&self, _: &[u8]) -> Result<()> {
        Err(unimplemented())
    }
    fn release(&mut self) -> Option<Box<Context<Incoming>>> {
        self.ctx.take()
    }
}
