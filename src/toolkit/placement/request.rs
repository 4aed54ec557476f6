//! What a pending task needs: [`TaskRequest`].

use crate::resources::{self, cpus, disk, mem, ranges, scalar, set, PORTS};
use crate::types::{value, Resource};

use super::constraints::Constraint;

/// Which reservations a task may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReservationPolicy {
    /// Resources reserved for the task's role (or an ancestor of it) first, then unreserved
    /// ones (the default).
    #[default]
    Any,
    /// Only resources reserved for the task's role (or an ancestor of it).
    ReservedOnly,
    /// Only unreserved resources.
    UnreservedOnly,
}

/// A task request the placement rejected before looking at any offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("task request {task:?}: {what}")]
pub struct InvalidRequest {
    /// The request's ID.
    pub task: String,
    /// What is wrong with it.
    pub what: String,
}

/// A pending task: what it needs from an offer, and where it may go.
///
/// Amounts are exact: scalars (`cpus`, `mem`, any custom scalar), specific ranges or set
/// items, plus "any `n` values" of a ranges resource ([`range_count`](Self::range_count),
/// e.g. two ports) or "any `n` items" of a set ([`set_count`](Self::set_count)).
///
/// ```
/// use mesos::toolkit::placement::{Constraint, TaskRequest};
/// let web = TaskRequest::new("web-1")
///     .group("web")
///     .cpus(0.5)
///     .mem(128.0)
///     .ports(2)
///     .constraint(Constraint::unique_host());
/// assert!(web.validate().is_ok());
/// assert!(TaskRequest::new("bad").cpus(f64::NAN).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskRequest {
    /// The task's ID (the [`Assignment`](super::Assignment) carries it back).
    pub id: String,
    /// The set of tasks its constraints count (e.g. the application it belongs to); tasks
    /// of other groups are never counted. Default: empty.
    pub group: String,
    /// The role whose offers it may use; `None`: any offer.
    pub role: Option<String>,
    /// Exact resources (scalars, specific ranges, specific set items).
    pub resources: Vec<Resource>,
    /// Any `n` values of a ranges resource, by name.
    pub range_counts: Vec<(String, u64)>,
    /// Any `n` items of a set resource, by name.
    pub set_counts: Vec<(String, usize)>,
    /// Which reservations it may use.
    pub reservation: ReservationPolicy,
    /// Whether revocable resources may be used (default `false`).
    pub revocable: bool,
    /// Where it may go.
    pub constraints: Vec<Constraint>,
}

impl TaskRequest {
    /// A request for task `id`, needing nothing yet.
    pub fn new(id: impl Into<String>) -> TaskRequest {
        TaskRequest {
            id: id.into(),
            ..TaskRequest::default()
        }
    }

    /// Sets [`group`](Self::group).
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    /// Sets [`role`](Self::role).
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Needs `value` CPUs.
    pub fn cpus(self, value: f64) -> Self {
        self.resource(cpus(value))
    }

    /// Needs `megabytes` of memory.
    pub fn mem(self, megabytes: f64) -> Self {
        self.resource(mem(megabytes))
    }

    /// Needs `megabytes` of disk.
    pub fn disk(self, megabytes: f64) -> Self {
        self.resource(disk(megabytes))
    }

    /// Needs `value` of the scalar resource `name`.
    pub fn scalar(self, name: impl Into<String>, value: f64) -> Self {
        self.resource(scalar(name, value))
    }

    /// Needs these exact ranges of `name` (e.g. port 8080: `("ports", &[(8080, 8080)])`).
    pub fn ranges(self, name: impl Into<String>, items: &[(u64, u64)]) -> Self {
        self.resource(ranges(name, items))
    }

    /// Needs these exact items of the set resource `name`.
    pub fn set_items<I, S>(self, name: impl Into<String>, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.resource(set(name, items))
    }

    /// Needs `resource` as it is (any kind; a reserved resource only matches resources with
    /// the same reservation).
    pub fn resource(mut self, resource: Resource) -> Self {
        self.resources.push(resource);
        self
    }

    /// Needs any `n` ports.
    pub fn ports(self, n: u64) -> Self {
        self.range_count(PORTS, n)
    }

    /// Needs any `n` values of the ranges resource `name`.
    pub fn range_count(mut self, name: impl Into<String>, n: u64) -> Self {
        self.range_counts.push((name.into(), n));
        self
    }

    /// Needs any `n` items of the set resource `name`.
    pub fn set_count(mut self, name: impl Into<String>, n: usize) -> Self {
        self.set_counts.push((name.into(), n));
        self
    }

    /// Sets [`reservation`](Self::reservation).
    pub fn reservation(mut self, policy: ReservationPolicy) -> Self {
        self.reservation = policy;
        self
    }

    /// Allows revocable resources.
    pub fn revocable(mut self, allowed: bool) -> Self {
        self.revocable = allowed;
        self
    }

    /// Adds a constraint.
    pub fn constraint(mut self, constraint: Constraint) -> Self {
        self.constraints.push(constraint);
        self
    }

    /// Checks the request: an ID, finite positive scalars, ranges with `begin <= end`,
    /// non-empty sets, nothing asked twice by count, constraints that can be met.
    pub fn validate(&self) -> Result<(), InvalidRequest> {
        let bad = |what: String| {
            Err(InvalidRequest {
                task: self.id.clone(),
                what,
            })
        };
        if self.id.is_empty() {
            return bad("the task ID is empty".into());
        }
        for r in &self.resources {
            if r.name().is_empty() {
                return bad("a resource has no name".into());
            }
            match r.type_.map(|t| t.enum_value()) {
                None | Some(Ok(value::Type::SCALAR)) => {
                    let v = resources::scalar_value(r).unwrap_or(f64::NAN);
                    if !v.is_finite() || v <= 0.0 {
                        return bad(format!(
                            "{} must be a finite positive number, not {v}",
                            r.name()
                        ));
                    }
                }
                Some(Ok(value::Type::RANGES)) => {
                    let items = resources::ranges_value(r).unwrap_or_default();
                    if items.is_empty() {
                        return bad(format!("{} asks for no range", r.name()));
                    }
                    if let Some((b, e)) = items.iter().find(|(b, e)| b > e) {
                        return bad(format!("{} has an inverted range [{b}-{e}]", r.name()));
                    }
                }
                Some(Ok(value::Type::SET)) => {
                    if resources::set_value(r).map_or(true, |s| s.is_empty()) {
                        return bad(format!("{} asks for no set item", r.name()));
                    }
                }
                _ => return bad(format!("{} has a type placement cannot match", r.name())),
            }
        }
        let mut names: Vec<&str> = self.range_counts.iter().map(|(n, _)| n.as_str()).collect();
        names.extend(self.set_counts.iter().map(|(n, _)| n.as_str()));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        if names.len() != count {
            return bad("the same resource is asked for twice by count".into());
        }
        if names.iter().any(|n| n.is_empty()) {
            return bad("a counted resource has no name".into());
        }
        for c in &self.constraints {
            c.validate().or_else(bad)?;
        }
        Ok(())
    }
}
