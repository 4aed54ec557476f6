//! Which libmesos release the process runs with, and what that release can do.

use std::fmt;

/// A Mesos release, as [`libmesos_version`](crate::libmesos_version) reports it.
///
/// mesos-rs builds against libmesos 1.5 to 1.11; the Rust API is the same for all of them (1.11's
/// message types). A driver call the linked release lacks returns
/// [`Error::Unsupported`](crate::Error::Unsupported) naming the first release that has it; the
/// `has_*` methods tell in advance.
///
/// ```no_run
/// let v = mesos::libmesos_version();
/// println!("linked against libmesos {v}");
/// if !v.has_update_framework() {
///     println!("update_framework needs Mesos 1.9 or newer");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LibmesosVersion {
    /// The major release number (1).
    pub major: u32,
    /// The minor release number (4 to 11).
    pub minor: u32,
    /// The patch release number.
    pub patch: u32,
}

impl LibmesosVersion {
    /// Whether this is release `major.minor` or a newer one.
    ///
    /// ```
    /// let v = mesos::LibmesosVersion { major: 1, minor: 9, patch: 0 };
    /// assert!(v.at_least(1, 9) && !v.at_least(1, 10));
    /// ```
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// `SchedulerDriver::update_framework` (Mesos 1.9 and newer).
    pub fn has_update_framework(self) -> bool {
        self.at_least(1, 9)
    }

    /// Offers suppressed or revived per role (`revive_offers_for_roles`,
    /// `suppress_offers_for_roles`) and a driver started with suppressed roles
    /// (`SchedulerDriverBuilder::suppressed_roles`): Mesos 1.9 and newer.
    pub fn has_role_offer_calls(self) -> bool {
        self.at_least(1, 9)
    }

    /// Offer constraints given to `update_framework` (Mesos 1.11 and newer).
    pub fn has_offer_constraints(self) -> bool {
        self.at_least(1, 11)
    }

    /// Parses `"1.9.0"` (or `"1.9"`).
    #[cfg_attr(not(feature = "libmesos"), allow(dead_code))]
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = match parts.next() {
            Some(p) => p?,
            None => 0,
        };
        parts.next().is_none().then_some(LibmesosVersion {
            major,
            minor,
            patch,
        })
    }

    /// The release in a library file name such as `/usr/local/lib/libmesos-1.9.0.so`.
    #[cfg_attr(not(feature = "libmesos"), allow(dead_code))]
    pub(crate) fn from_file_name(path: &str) -> Option<Self> {
        let name = path.rsplit('/').next()?;
        let rest = name.strip_prefix("libmesos-")?;
        Self::parse(rest.split(".so").next()?)
    }
}

impl fmt::Display for LibmesosVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::LibmesosVersion;

    #[test]
    fn versions_parse_from_text_and_library_names() {
        let v = |major, minor, patch| LibmesosVersion {
            major,
            minor,
            patch,
        };
        assert_eq!(LibmesosVersion::parse("1.9.0"), Some(v(1, 9, 0)));
        assert_eq!(LibmesosVersion::parse("1.11"), Some(v(1, 11, 0)));
        assert_eq!(LibmesosVersion::parse("1.x.0"), None);
        assert_eq!(LibmesosVersion::parse("1.9.0.1"), None);
        assert_eq!(
            LibmesosVersion::from_file_name("/opt/mesos/lib/libmesos-1.6.2.so"),
            Some(v(1, 6, 2))
        );
        assert_eq!(
            LibmesosVersion::from_file_name("/usr/lib/libmesos.so"),
            None
        );
        assert!(v(1, 10, 0) > v(1, 9, 3));
        assert!(v(1, 9, 0).has_update_framework() && !v(1, 9, 0).has_offer_constraints());
        assert!(!v(1, 8, 1).has_role_offer_calls());
    }
}
