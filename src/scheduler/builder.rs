//! [`SchedulerDriverBuilder`]: the options of a scheduler driver.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::driver::{Inner, TraitHandler};
use super::framework_id::FrameworkIdStore;
use super::liveness::Liveness;
use super::master::redact;
use super::{RawEvent, Scheduler, SchedulerDriver};
use crate::dispatch::{Handler, Owner, DEFAULT_QUEUE_WARNING};
use crate::error::Result;
use crate::types::{Credential, FrameworkInfo};

/// Configures and creates a [`SchedulerDriver`] (the constructors of the C++
/// `MesosSchedulerDriver`).
///
/// `Debug` shows neither the credential's secret nor a password in a `zk://` master string.
///
/// ```no_run
/// use std::time::Duration;
/// use mesos::{SchedulerDriver, types::{Credential, FrameworkInfo}};
/// # struct S; impl mesos::Scheduler for S {}
/// let mut info = FrameworkInfo::new();
/// info.set_user("nobody".into());
/// info.set_name("example".into());
/// let mut credential = Credential::new();
/// credential.set_principal("me".into());
/// credential.set_secret("s3cret".into());
/// let builder = SchedulerDriver::builder(info, "zk://zk1:2181/mesos")
///     .credential(credential)
///     .implicit_acknowledgements(false)
///     .suppressed_roles(["batch"])
///     .registration_timeout(Duration::from_secs(60));
/// assert!(!format!("{builder:?}").contains("s3cret"));
/// let driver = builder.build(S)?;
/// # Ok::<(), mesos::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct SchedulerDriverBuilder {
    pub(super) framework: FrameworkInfo,
    pub(super) master: String,
    pub(super) credential: Option<Credential>,
    pub(super) implicit_acknowledgements: bool,
    pub(super) suppressed_roles: Option<Vec<String>>,
    pub(super) registration_timeout: Option<Duration>,
    pub(super) queue_warning: usize,
    pub(super) framework_id_store: Option<Arc<dyn FrameworkIdStore>>,
    pub(super) liveness: Option<Liveness>,
}

impl std::fmt::Debug for SchedulerDriverBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// A credential as it may be shown: the principal, never the secret.
        struct Shown<'a>(&'a Credential);
        impl std::fmt::Debug for Shown<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut d = f.debug_struct("Credential");
                d.field("principal", &self.0.principal());
                if self.0.has_secret() {
                    d.field("secret", &format_args!("<redacted>"));
                }
                d.finish()
            }
        }
        f.debug_struct("SchedulerDriverBuilder")
            .field("framework", &self.framework)
            .field("master", &redact(&self.master))
            .field("credential", &self.credential.as_ref().map(Shown))
            .field("implicit_acknowledgements", &self.implicit_acknowledgements)
            .field("suppressed_roles", &self.suppressed_roles)
            .field("registration_timeout", &self.registration_timeout)
            .field("queue_warning_threshold", &self.queue_warning)
            .field("framework_id_store", &self.framework_id_store.is_some())
            .field("liveness", &self.liveness)
            .finish()
    }
}

impl SchedulerDriverBuilder {
    pub(super) fn new(framework: FrameworkInfo, master: String) -> Self {
        SchedulerDriverBuilder {
            framework,
            master,
            credential: None,
            implicit_acknowledgements: true,
            suppressed_roles: None,
            registration_timeout: None,
            queue_warning: DEFAULT_QUEUE_WARNING,
            framework_id_store: None,
            liveness: None,
        }
    }

    /// Authenticate with this credential (CRAM-MD5 with the master).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// `true` (the default): each status update is acknowledged after
    /// [`Scheduler::status_update`] returns (for a driver built with `build_stream`, when
    /// the update is taken from the stream). `false`: call
    /// [`SchedulerDriver::acknowledge_status_update`] yourself; until then the agent re-sends it.
    pub fn implicit_acknowledgements(mut self, implicit: bool) -> Self {
        self.implicit_acknowledgements = implicit;
        self
    }

    /// Register with offers suppressed for these roles.
    pub fn suppressed_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.suppressed_roles = Some(roles.into_iter().map(Into::into).collect());
        self
    }

    /// Gives up when the framework has not registered `timeout` after
    /// [`start`](SchedulerDriver::start): the driver is aborted, and
    /// [`run`](SchedulerDriver::run)/[`join`](SchedulerDriver::join) return
    /// [`Error::RegistrationTimeout`](crate::Error::RegistrationTimeout) naming the master and
    /// what was tried (for `host:port`, whether anything accepts connections there).
    ///
    /// Without it (the default, as in libmesos) a driver whose master is unreachable keeps
    /// trying for ever and makes no callback at all.
    pub fn registration_timeout(mut self, timeout: Duration) -> Self {
        self.registration_timeout = Some(timeout);
        self
    }

    /// Keeps the framework's ID in `store` across runs of the scheduler (see
    /// [`framework_id`](crate::framework_id)): registers with the stored ID when the
    /// `FrameworkInfo` has none, saves the ID on `registered`, and when the master answers that
    /// it removed the framework (its `failover_timeout` passed), clears the store and
    /// registers afresh instead of reporting the error. If the ID cannot be saved, the driver
    /// is aborted with an error saying why (see [`framework_id`](crate::framework_id)). Give
    /// the framework a `failover_timeout`, or the master forgets it as soon as the scheduler
    /// disconnects.
    ///
    /// ```no_run
    /// use mesos::{SchedulerDriver, framework_id::FileStore, types::FrameworkInfo};
    /// # struct S; impl mesos::Scheduler for S {}
    /// let mut info = FrameworkInfo::new();
    /// info.set_user(String::new());
    /// info.set_name("keeps its id".into());
    /// info.set_failover_timeout(7.0 * 24.0 * 3600.0);
    /// let driver = SchedulerDriver::builder(info, "10.0.0.1:5050")
    ///     .framework_id_store(FileStore::new("/var/lib/my-framework/framework-id")?)
    ///     .build(S)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn framework_id_store(mut self, store: impl FrameworkIdStore) -> Self {
        self.framework_id_store = Some(Arc::new(store));
        self
    }

    /// Checks that the master still hears the framework and reports a silence as
    /// `disconnected` (see [`liveness`](crate::liveness)); meant for `host:port` masters,
    /// whose death libmesos itself never notices.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use mesos::{SchedulerDriver, liveness::Liveness, types::FrameworkInfo};
    /// # struct S; impl mesos::Scheduler for S {}
    /// # let info = FrameworkInfo::new();
    /// let driver = SchedulerDriver::builder(info, "10.0.0.1:5050")
    ///     .liveness(Liveness::new(Duration::from_secs(10), Duration::from_secs(30))?)
    ///     .build(S)?;
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn liveness(mut self, liveness: Liveness) -> Self {
        self.liveness = Some(liveness);
        self
    }

    /// Logs a `tracing` warning when more than `events` wait for the callbacks (default
    /// 1000); see "Slow callbacks" on [`Scheduler`]. `usize::MAX` turns the warning off.
    pub fn queue_warning_threshold(mut self, events: usize) -> Self {
        self.queue_warning = events;
        self
    }

    /// Creates the driver (not started) with `scheduler` receiving its callbacks.
    ///
    /// Fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a master
    /// string that is none of `host:port` (a port from 1 to 65535), `zk://...`, `file://...`
    /// or `local`, and for `local` when `MESOS_WORK_DIR` is not set (see
    /// [`LocalCluster`](crate::local::LocalCluster): libmesos' default work directory is shared
    /// by every run, and a second run's agent fails its recovery there and ends the process).
    pub fn build<S: Scheduler>(self, scheduler: S) -> Result<SchedulerDriver> {
        let handler = move |driver: Weak<Owner<Inner>>, inner: Arc<Inner>| TraitHandler {
            scheduler,
            driver,
            inner,
        };
        SchedulerDriver::create(self, handler)
    }

    /// Creates the driver with a custom event handler (used by the event stream).
    #[cfg_attr(not(feature = "stream"), allow(dead_code))]
    pub(crate) fn build_with<H: Handler<RawEvent>>(
        self,
        handler: impl FnOnce(Weak<Owner<Inner>>, Arc<Inner>) -> H,
    ) -> Result<SchedulerDriver> {
        SchedulerDriver::create(self, handler)
    }
}
