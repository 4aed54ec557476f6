//! libmesos' text form of [`Resources`].

use std::fmt;

use super::inspect::{is_revocable, reservation_role};
use super::value::{kind, read_ranges, Kind};
use super::Resources;

/// Formats like libmesos: `cpus:1.5; mem(web):128; ports:[31000-31009, 31020-31020]`, with
/// the reservation role in parentheses and `{REV}` after revocable resources.
///
/// ```
/// use mesos::resources::{cpus, ports, set, Resources};
/// let rs: Resources = [cpus(1.5).with_role("web"), ports(&[(1, 2)]), set("s", ["a", "b"])].into();
/// assert_eq!(rs.to_string(), "cpus(web):1.5; ports:[1-2]; s:{a, b}");
/// ```
impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(r.name())?;
            if let Some(role) = reservation_role(r) {
                write!(f, "({role})")?;
            }
            if is_revocable(r) {
                f.write_str("{REV}")?;
            }
            f.write_str(":")?;
            match kind(r) {
                Kind::Scalar => write!(f, "{}", r.scalar.value())?,
                Kind::Ranges => {
                    let items: Vec<String> = read_ranges(r)
                        .iter()
                        .map(|(b, e)| format!("{b}-{e}"))
                        .collect();
                    write!(f, "[{}]", items.join(", "))?;
                }
                Kind::Set => write!(f, "{{{}}}", r.set.item.join(", "))?,
                Kind::Other => f.write_str("?")?,
            }
        }
        Ok(())
    }
}
