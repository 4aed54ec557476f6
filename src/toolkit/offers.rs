//! Offer hygiene: hold what may be used, give the rest back promptly, and ask for offers only
//! when there is work.
//!
//! The [`OfferManager`] keeps the offers the framework received and has not used yet, and
//! decides, per role, on every [`tick`](OfferManager::tick):
//!
//! * **nothing pending** for the role: its held offers are declined with a long filter
//!   ([`OfferConfig::idle_refuse`]), and once nothing has been pending for
//!   [`OfferConfig::suppress_after`], the role is suppressed (if
//!   [`OfferConfig::suppress_when_idle`]), so the allocator stops offering it resources it
//!   would only decline (the grace period keeps work that comes and goes from turning into
//!   a stream of suppress and revive calls);
//! * **work pending** ([`set_pending`](OfferManager::set_pending)): an offer that is still
//!   held after [`OfferConfig::max_hold`] (nothing fitted it) is declined with a short filter
//!   ([`OfferConfig::unfit_refuse`]); if the role was suppressed, or offers were declined with
//!   the long filter since the last revive, the role is revived, but never twice within
//!   the current revive interval. The interval starts at
//!   [`OfferConfig::revive_min_interval`], doubles (up to
//!   [`OfferConfig::revive_max_interval`]) after every revive that was not followed by a
//!   launch on the role, and falls back to the minimum after one that was. However often
//!   work arrives, revives are rate-limited: no revive storm.
//!
//! Offers are forgotten when rescinded, when the framework (re-)registers or disconnects
//! (they are no longer valid), and when used through [`launch`](OfferManager::launch),
//! [`accept`](OfferManager::accept) or [`take`](OfferManager::take).
//!
//! **Registration.** The manager makes no suppress or revive call before the framework's
//! first registration (libmesos would send a suppression made then with its registration,
//! behind the manager's back), and none while disconnected. On every registration and
//! re-registration it forgets what it believed about the master's view and re-asserts its
//! own at the next tick: roles with work pending are revived at once, idle roles are
//! suppressed once they have been idle for [`OfferConfig::suppress_after`] counted from the
//! registration. A suppress or revive call that fails (the driver is not running) is not
//! taken as done: the next tick tries again.
//!
//! ```no_run
//! use std::time::Instant;
//! use mesos::toolkit::{OfferConfig, OfferManager};
//! use mesos::scheduler::SchedulerEvent;
//! # fn run(driver: &mesos::SchedulerDriver, events: Vec<SchedulerEvent>, queue: &mut Vec<mesos::types::TaskInfo>) -> Result<(), mesos::toolkit::Error> {
//! let mut manager = OfferManager::new(OfferConfig::default());
//! for event in &events {
//!     let now = Instant::now();
//!     // Offers, rescinds, (re-)registrations and disconnections.
//!     manager.on_event(event, now);
//!     // Work waiting for resources: the role is revived if it has to be.
//!     manager.set_pending("*", !queue.is_empty(), now);
//!     if let Some(held) = manager.held().first() {
//!         if let Some(mut task) = queue.pop() {
//!             let offer = held.offer.clone();
//!             task.slave_id = offer.slave_id.clone();
//!             manager.launch(driver, [&offer.id], &[task], None)?;
//!         }
//!     }
//!     // Declines what is not needed, suppresses an idle role, revives a busy one.
//!     manager.tick(driver, now)?;
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::Result;
use crate::resources::DEFAULT_ROLE;
use crate::scheduler::SchedulerEvent;
use crate::types::{offer, Filters, Offer, OfferID, TaskInfo};
use crate::SchedulerDriver;

/// Settings of an [`OfferManager`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OfferConfig {
    /// The framework's roles (default `["*"]`). An offer without `allocation_info` belongs
    /// to the first one.
    pub roles: Vec<String>,
    /// Roles the driver was built with suppressed
    /// ([`SchedulerDriverBuilder::suppressed_roles`](crate::SchedulerDriverBuilder::suppressed_roles));
    /// default none. Only what [`OfferManager::is_suppressed`] says before the first
    /// registration: every registration makes the manager re-assert its own view.
    pub initially_suppressed: Vec<String>,
    /// The filter of offers declined because nothing is pending (default 120 s).
    pub idle_refuse: Duration,
    /// The filter of offers declined because nothing pending fitted them (default 5 s).
    pub unfit_refuse: Duration,
    /// The longest an offer is held while work is pending (default 2 s).
    pub max_hold: Duration,
    /// Whether to suppress a role that has nothing pending (default `true`).
    pub suppress_when_idle: bool,
    /// How long a role must have had nothing pending before it is suppressed (default 1 s;
    /// counted from the last registration at the earliest).
    pub suppress_after: Duration,
    /// The shortest interval between two revives of a role (default 1 s).
    pub revive_min_interval: Duration,
    /// The longest interval the revive backoff grows to (default 60 s).
    pub revive_max_interval: Duration,
}

impl Default for OfferConfig {
    fn default() -> Self {
        OfferConfig {
            roles: vec![DEFAULT_ROLE.to_owned()],
            initially_suppressed: Vec::new(),
            idle_refuse: Duration::from_secs(120),
            unfit_refuse: Duration::from_secs(5),
            max_hold: Duration::from_secs(2),
            suppress_when_idle: true,
            suppress_after: Duration::from_secs(1),
            revive_min_interval: Duration::from_secs(1),
            revive_max_interval: Duration::from_secs(60),
        }
    }
}

impl OfferConfig {
    /// Sets [`roles`](Self::roles) (an empty list means `["*"]`).
    pub fn roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        if self.roles.is_empty() {
            self.roles.push(DEFAULT_ROLE.to_owned());
        }
        self
    }

    /// Sets [`initially_suppressed`](Self::initially_suppressed).
    pub fn initially_suppressed<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.initially_suppressed = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`idle_refuse`](Self::idle_refuse) and [`unfit_refuse`](Self::unfit_refuse).
    pub fn refuse(mut self, idle: Duration, unfit: Duration) -> Self {
        self.idle_refuse = idle;
        self.unfit_refuse = unfit;
        self
    }

    /// Sets [`max_hold`](Self::max_hold).
    pub fn max_hold(mut self, max_hold: Duration) -> Self {
        self.max_hold = max_hold;
        self
    }

    /// Sets [`suppress_when_idle`](Self::suppress_when_idle) and
    /// [`suppress_after`](Self::suppress_after).
    pub fn suppress_when_idle(mut self, suppress: bool, after: Duration) -> Self {
        self.suppress_when_idle = suppress;
        self.suppress_after = after;
        self
    }

    /// Sets the revive interval's minimum and maximum.
    pub fn revive_interval(mut self, min: Duration, max: Duration) -> Self {
        self.revive_min_interval = min;
        self.revive_max_interval = max.max(min);
        self
    }
}

/// Counters of what an [`OfferManager`] did (driver calls that failed are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfferStats {
    /// Offers received.
    pub received: u64,
    /// Offers declined because nothing was pending for their role.
    pub declined_idle: u64,
    /// Offers declined after being held for [`OfferConfig::max_hold`].
    pub declined_expired: u64,
    /// Offers declined through [`OfferManager::decline`].
    pub declined_explicitly: u64,
    /// Offers used by launches or other operations.
    pub used: u64,
    /// Offers forgotten because the master rescinded them.
    pub rescinded: u64,
    /// Offers forgotten because the framework (re-)registered or disconnected.
    pub invalidated: u64,
    /// `suppress_offers_for_roles` calls.
    pub suppress_calls: u64,
    /// `revive_offers_for_roles` calls.
    pub revive_calls: u64,
    /// Revives that were due but had to wait for the revive interval.
    pub revives_delayed: u64,
}

/// An offer the manager holds.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOffer {
    /// The offer.
    pub offer: Offer,
    /// When it arrived.
    pub received: Instant,
    /// The role it was allocated to.
    pub role: String,
}

#[derive(Debug, Clone)]
struct RoleState {
    pending: bool,
    /// Since when nothing is pending (`None`: pending, or not observed by a tick yet).
    idle_since: Option<Instant>,
    /// What the master believes: `None` when unknown (after a re-registration).
    suppressed: Option<bool>,
    /// Offers of the role were declined with the idle filter since the last revive.
    filtered: bool,
    last_revive: Option<Instant>,
    interval: Duration,
    used_since_revive: bool,
}

/// Holds a framework's unused offers and keeps offers flowing only when there is work; see
/// the [module docs](self).
#[derive(Debug, Clone)]
pub struct OfferManager {
    config: OfferConfig,
    held: Vec<HeldOffer>,
    roles: BTreeMap<String, RoleState>,
    stats: OfferStats,
    /// Registered (or re-registered) and not disconnected since: driver calls reach the
    /// master rather than libmesos' next registration.
    connected: bool,
}

fn refuse_filter(d: Duration) -> Filters {
    let mut f = Filters::new();
    f.set_refuse_seconds(d.as_secs_f64());
    f
}

impl OfferManager {
    /// A manager with nothing pending and no offer held.
    pub fn new(config: OfferConfig) -> OfferManager {
        let mut config = config;
        if config.roles.is_empty() {
            config.roles.push(DEFAULT_ROLE.to_owned());
        }
        let mut manager = OfferManager {
            roles: BTreeMap::new(),
            held: Vec::new(),
            stats: OfferStats::default(),
            config,
            connected: false,
        };
        let initially = manager.config.initially_suppressed.clone();
        for role in manager.config.roles.clone() {
            manager.role_mut(&role).suppressed = Some(initially.contains(&role));
        }
        manager
    }

    /// The settings.
    pub fn config(&self) -> &OfferConfig {
        &self.config
    }

    /// What the manager did so far.
    pub fn stats(&self) -> OfferStats {
        self.stats
    }

    fn role_mut(&mut self, role: &str) -> &mut RoleState {
        let min = self.config.revive_min_interval;
        self.roles.entry(role.to_owned()).or_insert(RoleState {
            pending: false,
            idle_since: None,
            suppressed: Some(false),
            filtered: false,
            last_revive: None,
            interval: min,
            used_since_revive: false,
        })
    }

    /// After a (re-)registration the master's view is not known for sure (libmesos sends the
    /// suppressions it was asked for, whoever asked, with its registration): forget it, so
    /// that the next tick re-asserts the manager's own. Revives may happen at once, and an
    /// idle role's grace period starts again.
    fn connected_now(&mut self, now: Instant) {
        self.connected = true;
        let min = self.config.revive_min_interval;
        for role in self.roles.values_mut() {
            role.suppressed = None;
            role.filtered = false;
            role.last_revive = None;
            role.interval = min;
            role.used_since_revive = false;
            if !role.pending {
                role.idle_since = Some(now);
            }
        }
    }

    /// The role an offer is allocated to.
    pub fn role_of(&self, offer: &Offer) -> String {
        match offer.allocation_info.as_ref() {
            Some(info) if info.has_role() => info.role().to_owned(),
            _ => self.config.roles[0].clone(),
        }
    }

    /// Starts holding `offers` (received at `now`).
    pub fn add(&mut self, offers: &[Offer], now: Instant) {
        for offer in offers {
            let role = self.role_of(offer);
            self.role_mut(&role);
            self.stats.received += 1;
            self.held.push(HeldOffer {
                offer: offer.clone(),
                received: now,
                role,
            });
        }
    }

    /// The master rescinded an offer: forgets it.
    pub fn rescinded(&mut self, offer_id: &OfferID) {
        let before = self.held.len();
        self.held.retain(|h| h.offer.id.value() != offer_id.value());
        self.stats.rescinded += (before - self.held.len()) as u64;
    }

    /// The framework registered: offers held before, if any, are gone, and the next
    /// [`tick`](Self::tick) re-asserts what the manager wants for each role (revive the
    /// roles with work pending, suppress the idle ones after their grace period). Until the
    /// first registration the manager makes no suppress or revive call.
    pub fn registered(&mut self, now: Instant) {
        self.invalidate();
        self.connected_now(now);
    }

    /// The framework re-registered (with a new master, or the same one after a
    /// disconnection): as [`registered`](Self::registered).
    pub fn reregistered(&mut self, now: Instant) {
        self.invalidate();
        self.connected_now(now);
    }

    /// The framework lost its master: its offers are no longer valid, and no suppress or
    /// revive call is made until it registers again.
    pub fn disconnected(&mut self) {
        self.invalidate();
        self.connected = false;
    }

    /// Whether the framework is registered as far as the manager knows (a registration
    /// event was fed to it, and no disconnection since).
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    fn invalidate(&mut self) {
        self.stats.invalidated += self.held.len() as u64;
        self.held.clear();
    }

    /// Feeds one driver event: offers are held, rescinded offers forgotten, registration
    /// events reset the manager. Other events are ignored.
    pub fn on_event(&mut self, event: &SchedulerEvent, now: Instant) {
        match event {
            SchedulerEvent::ResourceOffers { offers } => self.add(offers, now),
            SchedulerEvent::OfferRescinded { offer_id } => self.rescinded(offer_id),
            SchedulerEvent::Registered { .. } => self.registered(now),
            SchedulerEvent::Reregistered { .. } => self.reregistered(now),
            SchedulerEvent::Disconnected | SchedulerEvent::Error { .. } => self.disconnected(),
            _ => {}
        }
    }

    /// Says whether work is pending for `role` (tasks waiting for resources). Turning it on
    /// makes the next [`tick`](Self::tick) revive the role if needed; turning it off makes
    /// it decline the role's offers and suppress it.
    pub fn set_pending(&mut self, role: &str, pending: bool, now: Instant) {
        let state = self.role_mut(role);
        if pending {
            state.idle_since = None;
        } else if state.pending || state.idle_since.is_none() {
            state.idle_since = Some(now);
        }
        state.pending = pending;
    }

    /// Whether work is pending for `role`.
    pub fn is_pending(&self, role: &str) -> bool {
        self.roles.get(role).is_some_and(|r| r.pending)
    }

    /// Whether the manager believes `role` is suppressed (`None`: not known, e.g. after a
    /// registration until the next [`tick`](Self::tick) re-asserted it).
    pub fn is_suppressed(&self, role: &str) -> Option<bool> {
        self.roles.get(role).and_then(|r| r.suppressed)
    }

    /// The offers held, oldest first.
    pub fn held(&self) -> &[HeldOffer] {
        &self.held
    }

    /// Copies of the offers held, oldest first (e.g. for [`super::placement`]).
    pub fn offers(&self) -> Vec<Offer> {
        self.held.iter().map(|h| h.offer.clone()).collect()
    }

    /// Stops holding an offer (the framework uses it in its own way); `None` if it is not
    /// held.
    pub fn take(&mut self, offer_id: &OfferID) -> Option<Offer> {
        let at = self
            .held
            .iter()
            .position(|h| h.offer.id.value() == offer_id.value())?;
        let held = self.held.remove(at);
        self.stats.used += 1;
        if let Some(role) = self.roles.get_mut(&held.role) {
            role.used_since_revive = true;
        }
        Some(held.offer)
    }

    /// Stops holding the offers in `ids` (whatever the call made with them does); once the
    /// call worked (`used`), counts them as used.
    fn take_all(&mut self, ids: &[&OfferID], used: bool) {
        for id in ids {
            let Some(at) = self
                .held
                .iter()
                .position(|h| h.offer.id.value() == id.value())
            else {
                continue;
            };
            let held = self.held.remove(at);
            if used {
                self.stats.used += 1;
                if let Some(role) = self.roles.get_mut(&held.role) {
                    role.used_since_revive = true;
                }
            }
        }
    }

    /// Makes `call` with the ids of `offer_ids`, then stops holding those offers (recording
    /// them as used only when the call worked).
    fn release_after<I>(
        &mut self,
        offer_ids: I,
        call: impl FnOnce(&[&OfferID]) -> crate::Result<()>,
    ) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<OfferID>,
    {
        let items: Vec<I::Item> = offer_ids.into_iter().collect();
        let ids: Vec<&OfferID> = items.iter().map(AsRef::as_ref).collect();
        let r = call(&ids);
        self.take_all(&ids, r.is_ok());
        Ok(r?)
    }

    /// Launches `tasks` on held offers (all from one agent) and stops holding them (even if
    /// the call fails: the offers are of no use then). The resources left over are declined
    /// by the master with `filters`. `offer_ids` is what
    /// [`SchedulerDriver::launch_tasks`] takes, e.g. `[&offer.id]`.
    pub fn launch<I>(
        &mut self,
        driver: &SchedulerDriver,
        offer_ids: I,
        tasks: &[TaskInfo],
        filters: Option<&Filters>,
    ) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<OfferID>,
    {
        self.release_after(offer_ids, |ids| {
            driver.launch_tasks(ids.iter().copied(), tasks, filters)
        })
    }

    /// Accepts held offers with `operations` and stops holding them (even if the call
    /// fails). `offer_ids` as for [`launch`](Self::launch).
    pub fn accept<I>(
        &mut self,
        driver: &SchedulerDriver,
        offer_ids: I,
        operations: &[offer::Operation],
        filters: Option<&Filters>,
    ) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<OfferID>,
    {
        self.release_after(offer_ids, |ids| {
            driver.accept_offers(ids.iter().copied(), operations, filters)
        })
    }

    /// Declines a held offer now with a filter of `refuse` (forgets it even if the call
    /// fails).
    pub fn decline(
        &mut self,
        driver: &SchedulerDriver,
        offer_id: &OfferID,
        refuse: Duration,
    ) -> Result<()> {
        let before = self.held.len();
        self.held.retain(|h| h.offer.id.value() != offer_id.value());
        driver.decline_offer(offer_id, Some(&refuse_filter(refuse)))?;
        self.stats.declined_explicitly += (before - self.held.len()) as u64;
        Ok(())
    }

    /// When [`tick`](Self::tick) next has something to do (an offer reaching its maximum
    /// hold time, a revive waiting for its interval, an idle role to suppress), if the
    /// manager knows (for async
    /// frameworks that sleep until then). Call `tick` after every change too.
    pub fn next_deadline(&self) -> Option<Instant> {
        if !self.connected {
            return None;
        }
        let hold = self
            .held
            .iter()
            .filter(|h| self.is_pending(&h.role))
            .map(|h| h.received + self.config.max_hold)
            .min();
        let revive = self
            .roles
            .values()
            .filter(|r| r.pending && needs_revive(r))
            .filter_map(|r| {
                r.last_revive
                    .map(|t| t + revive_gap(r, self.config.revive_min_interval))
            })
            .min();
        let suppress = self
            .roles
            .values()
            .filter(|r| !r.pending && self.config.suppress_when_idle && r.suppressed != Some(true))
            .filter_map(|r| r.idle_since.map(|t| t + self.config.suppress_after))
            .min();
        [hold, revive, suppress].into_iter().flatten().min()
    }

    /// Does what is due now: suppresses idle roles and declines their offers, declines
    /// offers held too long, revives roles with pending work (subject to the interval).
    /// Nothing before the first registration, nor while disconnected. Offers are forgotten
    /// even if a driver call fails; a suppress or revive that fails is tried again at the
    /// next tick; the first failure is returned.
    pub fn tick(&mut self, driver: &SchedulerDriver, now: Instant) -> Result<()> {
        if !self.connected {
            return Ok(());
        }
        let mut first_error = None;
        let mut note = |r: crate::Result<()>| {
            if let Err(e) = r {
                first_error.get_or_insert(e);
            }
        };
        let names: Vec<String> = self.roles.keys().cloned().collect();
        for name in names {
            let Some(role) = self.roles.get_mut(&name) else {
                continue;
            };
            let (pending, suppressed) = (role.pending, role.suppressed);
            let idle_for = if pending {
                Duration::ZERO
            } else {
                now.saturating_duration_since(*role.idle_since.get_or_insert(now))
            };
            if pending {
                self.revive_if_due(driver, &name, now, &mut note);
            } else if self.config.suppress_when_idle
                && suppressed != Some(true)
                && idle_for >= self.config.suppress_after
            {
                // Suppress before declining, so that declined resources are not re-offered.
                let Some(r) = suppress_role(driver, &name, self.roles.len()) else {
                    continue;
                };
                if r.is_ok() {
                    self.stats.suppress_calls += 1;
                    if let Some(r) = self.roles.get_mut(&name) {
                        r.suppressed = Some(true);
                    }
                    tracing::debug!(role = %name, "offers suppressed: nothing pending");
                }
                note(r);
            }
        }
        let idle_filter = refuse_filter(self.config.idle_refuse);
        let unfit_filter = refuse_filter(self.config.unfit_refuse);
        let max_hold = self.config.max_hold;
        let mut keep = Vec::with_capacity(self.held.len());
        for held in std::mem::take(&mut self.held) {
            let pending = self.roles.get(&held.role).is_some_and(|r| r.pending);
            if !pending {
                let r = driver.decline_offer(&held.offer.id, Some(&idle_filter));
                if r.is_ok() {
                    self.stats.declined_idle += 1;
                    if let Some(r) = self.roles.get_mut(&held.role) {
                        r.filtered = true;
                    }
                }
                note(r);
            } else if now.saturating_duration_since(held.received) >= max_hold {
                let r = driver.decline_offer(&held.offer.id, Some(&unfit_filter));
                if r.is_ok() {
                    self.stats.declined_expired += 1;
                }
                note(r);
            } else {
                keep.push(held);
            }
        }
        self.held = keep;
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    fn revive_if_due(
        &mut self,
        driver: &SchedulerDriver,
        name: &str,
        now: Instant,
        note: &mut impl FnMut(crate::Result<()>),
    ) {
        let (min, max) = (
            self.config.revive_min_interval,
            self.config.revive_max_interval,
        );
        let Some(role) = self.roles.get_mut(name) else {
            return;
        };
        if !needs_revive(role) {
            return;
        }
        if let Some(last) = role.last_revive {
            if now < last + revive_gap(role, min) {
                self.stats.revives_delayed += 1;
                return;
            }
        }
        let r = if crate::libmesos_version().has_role_offer_calls() {
            driver.revive_offers_for_roles(&[name])
        } else {
            // Before Mesos 1.9: the framework's offers as a whole (all its roles).
            driver.revive_offers()
        };
        if r.is_err() {
            // Not done: due again at the next tick.
            note(r);
            return;
        }
        // The gap after this revive: back to the minimum if the previous one led to a
        // launch, twice the previous gap if it did not.
        role.interval = match role.last_revive {
            Some(_) if !role.used_since_revive => role.interval.saturating_mul(2).min(max.max(min)),
            _ => min,
        };
        self.stats.revive_calls += 1;
        role.last_revive = Some(now);
        role.suppressed = Some(false);
        role.filtered = false;
        role.used_since_revive = false;
        tracing::debug!(role = %name, interval = ?role.interval, "offers revived: work pending");
    }
}

/// Suppresses offers for one role: by role from Mesos 1.9 on. Before 1.9 there are only the
/// calls for the framework as a whole, which mean the same while it has one role; with several
/// roles nothing is suppressed there (`None`), and the declines' filters keep idle offers away.
fn suppress_role(driver: &SchedulerDriver, name: &str, roles: usize) -> Option<crate::Result<()>> {
    if crate::libmesos_version().has_role_offer_calls() {
        Some(driver.suppress_offers_for_roles(&[name]))
    } else if roles == 1 {
        Some(driver.suppress_offers())
    } else {
        None
    }
}

/// How long after its last revive a role may be revived again.
fn revive_gap(role: &RoleState, min: Duration) -> Duration {
    if role.used_since_revive {
        min
    } else {
        role.interval
    }
}

/// Whether offers for the role may not come by themselves.
fn needs_revive(role: &RoleState) -> bool {
    role.suppressed != Some(false) || role.filtered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registration_makes_the_master_s_view_unknown() {
        let mut m = OfferManager::new(OfferConfig::default().initially_suppressed(["*"]));
        assert_eq!(m.is_suppressed("*"), Some(true));
        assert!(!m.is_connected());
        for registration in [OfferManager::registered, OfferManager::reregistered] {
            let now = Instant::now();
            registration(&mut m, now);
            assert!(m.is_connected());
            assert_eq!(m.is_suppressed("*"), None);
            let r = &m.roles["*"];
            assert!(needs_revive(r));
            assert_eq!(r.idle_since, Some(now), "the grace period starts again");
            assert_eq!(r.last_revive, None, "a revive may happen at once");
            m.disconnected();
            assert!(!m.is_connected());
        }
    }

    #[test]
    fn nothing_is_due_before_the_first_registration() {
        let mut m = OfferManager::new(
            OfferConfig::default().suppress_when_idle(true, Duration::from_millis(1)),
        );
        let t0 = Instant::now();
        m.set_pending("*", false, t0);
        assert_eq!(m.next_deadline(), None);
        m.registered(t0);
        assert_eq!(
            m.next_deadline(),
            Some(t0 + Duration::from_millis(1)),
            "suppressed one grace period after the registration"
        );
    }

    #[test]
    fn offers_are_held_by_role_and_forgotten() {
        let mut m = OfferManager::new(OfferConfig::default().roles(["a", "b"]));
        let mut o1 = Offer::new();
        o1.id = Some(crate::ids::offer_id("o1")).into();
        let mut o2 = o1.clone();
        o2.id = Some(crate::ids::offer_id("o2")).into();
        o2.allocation_info
            .mut_or_insert_default()
            .set_role("b".into());
        let now = Instant::now();
        m.add(&[o1.clone(), o2.clone()], now);
        assert_eq!(m.held()[0].role, "a");
        assert_eq!(m.held()[1].role, "b");
        m.rescinded(&crate::ids::offer_id("o1"));
        assert_eq!(m.held().len(), 1);
        assert!(m.take(&crate::ids::offer_id("o2")).is_some());
        assert!(m.take(&crate::ids::offer_id("o2")).is_none());
        m.add(&[o1], now);
        m.reregistered(now);
        assert!(m.held().is_empty());
        let s = m.stats();
        assert_eq!(
            (s.received, s.rescinded, s.used, s.invalidated),
            (3, 1, 1, 1)
        );
    }

    #[test]
    fn the_next_deadline_is_the_oldest_pending_offer_s_hold_limit() {
        let mut m = OfferManager::new(OfferConfig::default().max_hold(Duration::from_secs(3)));
        let t0 = Instant::now();
        m.registered(t0);
        let mut o = Offer::new();
        o.id = Some(crate::ids::offer_id("o")).into();
        m.add(&[o], t0);
        assert_eq!(
            m.next_deadline(),
            Some(t0 + Duration::from_secs(1)),
            "nothing pending: the offer is declined at the next tick, the role suppressed \
             after its grace period"
        );
        m.set_pending("*", true, t0);
        assert_eq!(m.next_deadline(), Some(t0 + Duration::from_secs(3)));
    }
}
