//! Where a task may go: [`Constraint`]s over the agent's hostname, ID or attributes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::types::{value, Attribute, Offer};

/// What a constraint looks at on an agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Field {
    /// The agent's hostname.
    Hostname,
    /// The agent's ID (on an in-process local cluster every agent has the same hostname, so
    /// per-agent constraints use this).
    Agent,
    /// An agent attribute, by name (text as is; scalars, ranges and sets written as Mesos
    /// prints them: `2`, `[1-5]`, `{a,b}`).
    Attribute(String),
}

impl Field {
    /// The attribute `name`.
    pub fn attribute(name: impl Into<String>) -> Field {
        Field::Attribute(name.into())
    }
}

/// A rule about where the tasks of one group (see
/// [`TaskRequest::group`](super::TaskRequest::group)) may go. Counts include the group's
/// tasks already running (passed to [`Placer::plan`](super::Placer::plan) as
/// [`Existing`]) and those placed earlier in the same plan.
///
/// An agent that lacks the attribute a constraint looks at satisfies only
/// [`Constraint::NotEquals`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Constraint {
    /// At most `max` tasks of the group per value of `field` (`max = 1`: unique).
    MaxPer {
        /// What is counted per value.
        field: Field,
        /// The most tasks per value (at least 1).
        max: usize,
    },
    /// Spread the group evenly over the values of `field`: a task goes only where the group
    /// has the fewest tasks among the values known (from the offers and the running tasks).
    GroupBy {
        /// What to spread over.
        field: Field,
    },
    /// Only where `field` equals `value`.
    Equals {
        /// What is compared.
        field: Field,
        /// The value required.
        value: String,
    },
    /// Only where `field` is absent or differs from `value`.
    NotEquals {
        /// What is compared.
        field: Field,
        /// The value excluded.
        value: String,
    },
}

impl Constraint {
    /// At most one task of the group per host.
    pub fn unique_host() -> Constraint {
        Constraint::MaxPer {
            field: Field::Hostname,
            max: 1,
        }
    }

    /// At most one task of the group per value of `field`.
    pub fn unique(field: Field) -> Constraint {
        Constraint::MaxPer { field, max: 1 }
    }

    /// At most `max` tasks of the group per host.
    pub fn max_per_host(max: usize) -> Constraint {
        Constraint::MaxPer {
            field: Field::Hostname,
            max,
        }
    }

    /// At most `max` tasks of the group per value of `field`.
    pub fn max_per(field: Field, max: usize) -> Constraint {
        Constraint::MaxPer { field, max }
    }

    /// Spread the group evenly over the values of attribute `name`.
    pub fn group_by_attribute(name: impl Into<String>) -> Constraint {
        Constraint::GroupBy {
            field: Field::attribute(name),
        }
    }

    /// Only on agents whose attribute `name` is `value`.
    pub fn attribute_equals(name: impl Into<String>, value: impl Into<String>) -> Constraint {
        Constraint::Equals {
            field: Field::attribute(name),
            value: value.into(),
        }
    }

    /// Only on agents whose attribute `name` is absent or not `value`.
    pub fn attribute_not_equals(name: impl Into<String>, value: impl Into<String>) -> Constraint {
        Constraint::NotEquals {
            field: Field::attribute(name),
            value: value.into(),
        }
    }

    /// The field the constraint looks at.
    pub fn field(&self) -> &Field {
        match self {
            Constraint::MaxPer { field, .. }
            | Constraint::GroupBy { field }
            | Constraint::Equals { field, .. }
            | Constraint::NotEquals { field, .. } => field,
        }
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        if let Constraint::MaxPer { max: 0, .. } = self {
            return Err("a MaxPer constraint with max 0 can never be met".into());
        }
        if let Field::Attribute(name) = self.field() {
            if name.is_empty() {
                return Err("a constraint names an empty attribute".into());
            }
        }
        Ok(())
    }
}

/// What constraints see of an agent: its ID, hostname and attributes as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentView {
    /// The agent's ID.
    pub agent_id: String,
    /// Its hostname.
    pub hostname: String,
    /// Its attributes, by name, as text.
    pub attributes: BTreeMap<String, String>,
}

impl AgentView {
    /// The view of the agent an offer comes from.
    pub fn of_offer(offer: &Offer) -> AgentView {
        AgentView {
            agent_id: offer.slave_id.value().to_owned(),
            hostname: offer.hostname().to_owned(),
            attributes: offer
                .attributes
                .iter()
                .map(|a| (a.name().to_owned(), attribute_text(a)))
                .collect(),
        }
    }

    /// The value of `field` on this agent.
    pub fn value(&self, field: &Field) -> Option<&str> {
        match field {
            Field::Hostname => Some(&self.hostname),
            Field::Agent => Some(&self.agent_id),
            Field::Attribute(name) => self.attributes.get(name).map(String::as_str),
        }
    }
}

/// A task of some group that already runs (or was placed) on an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// Its group.
    pub group: String,
    /// Its agent.
    pub agent: AgentView,
}

impl Existing {
    /// A task of `group` on the agent of `offer`.
    pub fn on_offer(group: impl Into<String>, offer: &Offer) -> Existing {
        Existing {
            group: group.into(),
            agent: AgentView::of_offer(offer),
        }
    }
}

/// An attribute's value as text, the way Mesos prints it.
///
/// ```
/// use mesos::toolkit::placement::attribute_text;
/// use mesos::types::{value, Attribute};
/// let mut a = Attribute::new();
/// a.set_name("rack".into());
/// a.set_type(value::Type::SCALAR);
/// a.scalar.mut_or_insert_default().set_value(3.0);
/// assert_eq!(attribute_text(&a), "3");
/// ```
pub fn attribute_text(a: &Attribute) -> String {
    match a.type_.map(|t| t.enum_value()) {
        Some(Ok(value::Type::SCALAR)) => {
            let v = a.scalar.value();
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        }
        Some(Ok(value::Type::RANGES)) => {
            let items: Vec<String> = a
                .ranges
                .range
                .iter()
                .map(|r| format!("{}-{}", r.begin(), r.end()))
                .collect();
            format!("[{}]", items.join(", "))
        }
        Some(Ok(value::Type::SET)) => format!("{{{}}}", a.set.item.join(",")),
        _ => a.text.value().to_owned(),
    }
}

/// Tasks per group, per field, per value.
#[derive(Debug, Default)]
pub(super) struct Counts {
    counts: HashMap<String, HashMap<Field, HashMap<String, usize>>>,
}

impl Counts {
    pub(super) fn add(&mut self, group: &str, fields: &[&Field], agent: &AgentView) {
        let per_field = self.counts.entry(group.to_owned()).or_default();
        for field in fields {
            if let Some(v) = agent.value(field) {
                *per_field
                    .entry((*field).clone())
                    .or_default()
                    .entry(v.to_owned())
                    .or_default() += 1;
            }
        }
    }

    fn get(&self, group: &str, field: &Field) -> Option<&HashMap<String, usize>> {
        self.counts.get(group)?.get(field)
    }

    pub(super) fn count(&self, group: &str, field: &Field, value: &str) -> usize {
        self.get(group, field)
            .and_then(|m| m.get(value).copied())
            .unwrap_or(0)
    }

    /// The values of `field` the group has tasks on.
    pub(super) fn values<'a>(
        &'a self,
        group: &str,
        field: &Field,
    ) -> impl Iterator<Item = &'a str> {
        self.get(group, field)
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }
}

/// Whether a task of `group` with `constraints` may go on `agent`. `known` holds the values
/// of each spread-over field across the offers of the plan (for [`Constraint::GroupBy`]).
pub(super) fn allowed(
    group: &str,
    constraints: &[Constraint],
    agent: &AgentView,
    counts: &Counts,
    known: &HashMap<Field, BTreeSet<String>>,
) -> bool {
    constraints.iter().all(|c| match c {
        Constraint::MaxPer { field, max } => match agent.value(field) {
            Some(v) => counts.count(group, field, v) < *max,
            None => false,
        },
        Constraint::Equals { field, value } => agent.value(field) == Some(value.as_str()),
        Constraint::NotEquals { field, value } => agent.value(field) != Some(value.as_str()),
        Constraint::GroupBy { field } => {
            let Some(v) = agent.value(field) else {
                return false;
            };
            let mine = counts.count(group, field, v);
            if mine == 0 {
                return true;
            }
            // The fewest tasks on any value known from the offers or from the group's tasks
            // (a value in both is simply counted twice: the minimum is the same).
            let offered = known.get(field).into_iter().flatten().map(String::as_str);
            let least = offered
                .chain(counts.values(group, field))
                .map(|x| counts.count(group, field, x))
                .min()
                .unwrap_or(0);
            mine <= least
        }
    })
}
