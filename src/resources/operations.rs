//! Offer operations (`RESERVE`, `UNRESERVE`, `CREATE`, `DESTROY`, `LAUNCH`) for
//! [`SchedulerDriver::accept_offers`](crate::SchedulerDriver::accept_offers), what they do to
//! a collection of resources ([`Resources::apply`]), persistent volumes, and parsing resources
//! from their text form ([`Resources::parse`]).

use protobuf::MessageField;

use super::collection::Resources;
use super::constructors::{ranges, scalar, set, static_reservation};
use super::inspect::is_persistent_volume;
use super::DEFAULT_ROLE;
use crate::types::offer::operation::Type as OperationType;
use crate::types::offer::Operation;
use crate::types::resource::{DiskInfo, ReservationInfo, SharedInfo};
use crate::types::{volume, Resource, TaskInfo, Volume};
use crate::{Error, Result};

fn operation(type_: OperationType) -> Operation {
    let mut op = Operation::new();
    op.set_type(type_);
    op
}

/// A `RESERVE` operation: reserves `resources` as they are given, i.e. each with the
/// reservation it is to get on top of its `reservations` stack (see
/// [`Resources::push_reservation`]).
///
/// ```
/// use mesos::resources::{cpus, dynamic_reservation, operations, Resources};
/// let wanted = Resources::from(cpus(1.0)).push_reservation(&dynamic_reservation("web", Some("ops")));
/// let op = operations::reserve(wanted);
/// assert_eq!(op.reserve.resources[0].reservations[0].role(), "web");
/// ```
pub fn reserve(resources: impl Into<Vec<Resource>>) -> Operation {
    let mut op = operation(OperationType::RESERVE);
    op.reserve.mut_or_insert_default().resources = resources.into();
    op
}

/// An `UNRESERVE` operation: gives back `resources` (as they were offered, reservation
/// included), whose top reservation is removed.
///
/// ```
/// use mesos::resources::{cpus, operations};
/// let op = operations::unreserve(vec![cpus(1.0).reserved("web", Some("ops"))]);
/// assert_eq!(op.type_(), mesos::types::offer::operation::Type::UNRESERVE);
/// ```
pub fn unreserve(resources: impl Into<Vec<Resource>>) -> Operation {
    let mut op = operation(OperationType::UNRESERVE);
    op.unreserve.mut_or_insert_default().resources = resources.into();
    op
}

/// A `CREATE` operation: makes persistent volumes (see [`Resource::persistent_volume`]) out
/// of reserved disk.
///
/// ```
/// use mesos::resources::{disk, operations, static_reservation};
/// let volume = disk(8.0)
///     .with_reservation(static_reservation("db"))
///     .persistent_volume("id-1", "data", None);
/// let op = operations::create(vec![volume]);
/// assert_eq!(op.create.volumes[0].disk.persistence.id(), "id-1");
/// ```
pub fn create(volumes: impl Into<Vec<Resource>>) -> Operation {
    let mut op = operation(OperationType::CREATE);
    op.create.mut_or_insert_default().volumes = volumes.into();
    op
}

/// A `DESTROY` operation: destroys persistent volumes (their data goes), turning them back
/// into plain reserved disk.
///
/// ```
/// use mesos::resources::{disk, operations};
/// let volume = disk(8.0).with_role("db").persistent_volume("id-1", "data", None);
/// assert_eq!(operations::destroy(vec![volume]).destroy.volumes.len(), 1);
/// ```
pub fn destroy(volumes: impl Into<Vec<Resource>>) -> Operation {
    let mut op = operation(OperationType::DESTROY);
    op.destroy.mut_or_insert_default().volumes = volumes.into();
    op
}

/// A `LAUNCH` operation for `tasks`.
///
/// ```
/// let task = mesos::types::TaskInfo::new();
/// assert_eq!(mesos::resources::operations::launch([task]).launch.task_infos.len(), 1);
/// ```
pub fn launch(tasks: impl IntoIterator<Item = TaskInfo>) -> Operation {
    let mut op = operation(OperationType::LAUNCH);
    op.launch.mut_or_insert_default().task_infos = tasks.into_iter().collect();
    op
}

/// `r` without persistence, volume and sharing: the disk a volume is made of.
fn strip_volume(mut r: Resource) -> Resource {
    if let Some(disk) = r.disk.as_mut() {
        disk.persistence = MessageField::none();
        disk.volume = MessageField::none();
        if disk.source.is_none() {
            r.disk = MessageField::none();
        }
    }
    r.shared = MessageField::none();
    r
}

/// `r` with its top reservation removed (unreserved if it had one).
fn pop_reservation(mut r: Resource) -> Resource {
    if r.reservations.is_empty() {
        r.role = None;
        r.reservation = MessageField::none();
    } else {
        r.reservations.pop();
    }
    r
}

impl Resource {
    /// Makes this (reserved) disk a persistent volume: gives it persistence id `id` (unique
    /// per role and agent), created by `principal` if given, mounted read-write at
    /// `container_path` (relative to the sandbox) in the tasks that use it.
    ///
    /// ```
    /// use mesos::resources::{disk, is_persistent_volume};
    /// let v = disk(8.0).with_role("db").persistent_volume("id-1", "data", Some("ops"));
    /// assert!(is_persistent_volume(&v));
    /// assert_eq!(v.disk.volume.container_path(), "data");
    /// assert_eq!(v.disk.persistence.principal(), "ops");
    /// ```
    pub fn persistent_volume(
        mut self,
        id: impl Into<String>,
        container_path: impl Into<String>,
        principal: Option<&str>,
    ) -> Resource {
        let disk: &mut DiskInfo = self.disk.mut_or_insert_default();
        let persistence = disk.persistence.mut_or_insert_default();
        persistence.set_id(id.into());
        if let Some(p) = principal {
            persistence.set_principal(p.to_string());
        }
        let mut v = Volume::new();
        v.set_container_path(container_path.into());
        v.set_mode(volume::Mode::RW);
        disk.volume = MessageField::some(v);
        self
    }

    /// Sets the access mode of this persistent volume's mount (`RW` or `RO`); no effect on a
    /// resource that has no volume.
    ///
    /// ```
    /// use mesos::resources::disk;
    /// use mesos::types::volume::Mode;
    /// let v = disk(8.0).with_role("db").persistent_volume("id-1", "data", None);
    /// assert_eq!(v.with_volume_mode(Mode::RO).disk.volume.mode(), Mode::RO);
    /// ```
    pub fn with_volume_mode(mut self, mode: volume::Mode) -> Resource {
        if let Some(v) = self.disk.as_mut().and_then(|d| d.volume.as_mut()) {
            v.set_mode(mode);
        }
        self
    }

    /// Marks this resource as shared (several tasks may use it at once; a persistent volume
    /// of a framework with the `SHARED_RESOURCES` capability).
    ///
    /// ```
    /// assert!(mesos::resources::disk(8.0).with_shared().shared.is_some());
    /// ```
    pub fn with_shared(mut self) -> Resource {
        self.shared = MessageField::some(SharedInfo::new());
        self
    }
}

impl Resources {
    /// Parses resources in Mesos' text form, `name(role):value` separated by `;`, where a
    /// value is a number (scalar), `[a-b, c-d]` (ranges) or `{a, b}` (set). Resources
    /// without a role get `default_role` (`"*"`, i.e. unreserved, when `None`); a role other
    /// than `"*"` makes a static reservation.
    ///
    /// ```
    /// use mesos::resources::Resources;
    /// let rs = Resources::parse("cpus:1;mem:128;ports:[31000-31005];disk(db):16", None)?;
    /// assert_eq!(rs.cpus(), Some(1.0));
    /// assert_eq!(rs.ports(), Some(vec![(31000, 31005)]));
    /// assert_eq!(rs.reserved("db").disk(), Some(16.0));
    /// let reserved = Resources::parse("cpus:0.5", Some("web"))?;
    /// assert_eq!(reserved.reserved("web").cpus(), Some(0.5));
    /// assert!(Resources::parse("cpus:lots", None).is_err());
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn parse(text: &str, default_role: Option<&str>) -> Result<Resources> {
        let bad = |what: &str, item: &str| {
            Error::InvalidArgument(format!("resources {text:?}: {what} in {item:?}"))
        };
        let mut out = Resources::new();
        for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once(':')
                .ok_or_else(|| bad("no ':' between name and value", item))?;
            let key = key.trim();
            let (name, role) = match key.split_once('(') {
                Some((name, rest)) => {
                    let role = rest
                        .strip_suffix(')')
                        .ok_or_else(|| bad("unclosed '(' after the name", item))?;
                    (name.trim(), Some(role.trim()))
                }
                None => (key, None),
            };
            if name.is_empty() {
                return Err(bad("an empty name", item));
            }
            let value = value.trim();
            let mut r = if let Some(inner) = value.strip_prefix('[') {
                let inner = inner
                    .strip_suffix(']')
                    .ok_or_else(|| bad("an unclosed '['", item))?;
                let mut items = Vec::new();
                for span in inner.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let (a, b) = span.split_once('-').unwrap_or((span, span));
                    let a: u64 = a.trim().parse().map_err(|_| bad("a bad range", item))?;
                    let b: u64 = b.trim().parse().map_err(|_| bad("a bad range", item))?;
                    if b < a {
                        return Err(bad("a range whose end is before its start", item));
                    }
                    items.push((a, b));
                }
                ranges(name, &items)
            } else if let Some(inner) = value.strip_prefix('{') {
                let inner = inner
                    .strip_suffix('}')
                    .ok_or_else(|| bad("an unclosed '{'", item))?;
                set(
                    name,
                    inner.split(',').map(str::trim).filter(|s| !s.is_empty()),
                )
            } else {
                let v: f64 = value
                    .parse()
                    .map_err(|_| bad("a value that is not a number", item))?;
                if !v.is_finite() || v < 0.0 {
                    return Err(bad("a negative or infinite number", item));
                }
                scalar(name, v)
            };
            match role.or(default_role) {
                Some(role) if role != DEFAULT_ROLE => {
                    r = r.with_reservation(static_reservation(role));
                }
                _ => {}
            }
            out.add_resource(r);
        }
        Ok(out)
    }

    /// These resources with `reservation` pushed on top of each one's reservations (what a
    /// `RESERVE` operation is given, and what the reserved resources look like afterwards).
    ///
    /// ```
    /// use mesos::resources::{cpus, dynamic_reservation, mem, Resources};
    /// let task: Resources = [cpus(1.0), mem(128.0)].into();
    /// let reserved = task.push_reservation(&dynamic_reservation("web", Some("ops")));
    /// assert_eq!(reserved.reserved("web").mem(), Some(128.0));
    /// assert!(reserved.unreserved().is_empty());
    /// ```
    pub fn push_reservation(&self, reservation: &ReservationInfo) -> Resources {
        self.iter()
            .cloned()
            .map(|r| r.with_reservation(reservation.clone()))
            .collect()
    }

    /// These resources marked as allocated to `role` (`allocation_info`), as a multi-role
    /// framework's task resources must be.
    ///
    /// ```
    /// use mesos::resources::{cpus, Resources};
    /// let rs = Resources::from(cpus(1.0)).allocate("web");
    /// assert_eq!(rs[0].allocation_info.role(), "web");
    /// ```
    pub fn allocate(&self, role: &str) -> Resources {
        self.iter()
            .cloned()
            .map(|r| r.with_allocation_role(role))
            .collect()
    }

    /// The persistent volumes among these resources.
    ///
    /// ```
    /// use mesos::resources::{disk, Resources};
    /// let volume = disk(8.0).with_role("db").persistent_volume("id-1", "data", None);
    /// let rs: Resources = [disk(16.0).with_role("db"), volume.clone()].into();
    /// assert_eq!(rs.persistent_volumes().into_vec(), vec![volume]);
    /// ```
    pub fn persistent_volumes(&self) -> Resources {
        self.filter(is_persistent_volume)
    }

    /// What these resources become when `operation` is applied to them, as the master
    /// computes it: `RESERVE` and `UNRESERVE` push or pop a reservation, `CREATE` turns disk
    /// into volumes and `DESTROY` turns volumes back into disk; other operations (`LAUNCH`, ...)
    /// leave them as they are. An error names what the operation needs and these resources
    /// lack.
    ///
    /// ```
    /// use mesos::resources::{disk, operations, Resources};
    /// let offered = Resources::parse("cpus:1;disk(db):16", None)?;
    /// let volume = Resources::parse("disk(db):8", None)?[0]
    ///     .clone()
    ///     .persistent_volume("id-1", "data", None);
    /// let after = offered.apply(&operations::create(vec![volume.clone()]))?;
    /// assert_eq!(after.persistent_volumes().into_vec(), vec![volume.clone()]);
    /// assert_eq!(after.reserved("db").disk(), Some(16.0));
    /// let back = after.apply(&operations::destroy(vec![volume]))?;
    /// assert_eq!(back, offered);
    /// assert!(offered.apply(&operations::create(vec![disk(99.0).with_role("db")
    ///     .persistent_volume("x", "y", None)])).is_err());
    /// # Ok::<(), mesos::Error>(())
    /// ```
    pub fn apply(&self, operation: &Operation) -> Result<Resources> {
        let (consumed, converted): (Vec<Resource>, Vec<Resource>) = match operation.type_() {
            OperationType::RESERVE => {
                let rs = &operation.reserve.resources;
                (
                    rs.iter().cloned().map(pop_reservation).collect(),
                    rs.clone(),
                )
            }
            OperationType::UNRESERVE => {
                let rs = &operation.unreserve.resources;
                (
                    rs.clone(),
                    rs.iter().cloned().map(pop_reservation).collect(),
                )
            }
            OperationType::CREATE => {
                let vs = &operation.create.volumes;
                (vs.iter().cloned().map(strip_volume).collect(), vs.clone())
            }
            OperationType::DESTROY => {
                let vs = &operation.destroy.volumes;
                (vs.clone(), vs.iter().cloned().map(strip_volume).collect())
            }
            _ => return Ok(self.clone()),
        };
        let consumed: Resources = consumed.into();
        if !self.contains(&consumed) {
            return Err(Error::InvalidArgument(format!(
                "{:?} needs {consumed}, which {self} does not hold",
                operation.type_()
            )));
        }
        let mut out = self - &consumed;
        for r in converted {
            out += r;
        }
        Ok(out)
    }
}
