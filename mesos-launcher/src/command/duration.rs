//! Durations written the way Mesos writes them in flags and environment variables:
//! a non-negative decimal number followed by a unit, with no space (`5secs`, `2.5mins`,
//! `100ms`). Units: `ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days`, `weeks`.

use std::time::Duration;

/// Parses a Mesos duration such as `"5secs"` or `"1.5mins"`.
///
/// ```
/// use std::time::Duration;
/// use mesos_launcher::command::duration::parse_duration;
/// assert_eq!(parse_duration("5secs"), Ok(Duration::from_secs(5)));
/// assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
/// assert!(parse_duration("5 seconds").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| {
            format!("'{text}' has no unit (ns, us, ms, secs, mins, hrs, days, weeks)")
        })?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' does not start with a number"))?;
    let nanos_per_unit: f64 = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "secs" => 1e9,
        "mins" => 60e9,
        "hrs" => 3600e9,
        "days" => 86_400e9,
        "weeks" => 604_800e9,
        other => {
            return Err(format!(
                "unknown unit '{other}' in '{text}' (ns, us, ms, secs, mins, hrs, days, weeks)"
            ))
        }
    };
    let nanos = value * nanos_per_unit;
    if !nanos.is_finite() || nanos > u64::MAX as f64 {
        return Err(format!("'{text}' is too long a duration"));
    }
    Ok(Duration::from_nanos(nanos.round() as u64))
}

/// The `DurationInfo` nanoseconds of a kill policy or completion time as a [`Duration`];
/// a negative value counts as zero.
pub fn from_nanos(nanoseconds: i64) -> Duration {
    Duration::from_nanos(nanoseconds.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit() {
        assert_eq!(parse_duration("7ns").unwrap(), Duration::from_nanos(7));
        assert_eq!(parse_duration("7us").unwrap(), Duration::from_micros(7));
        assert_eq!(parse_duration("7ms").unwrap(), Duration::from_millis(7));
        assert_eq!(parse_duration("7secs").unwrap(), Duration::from_secs(7));
        assert_eq!(parse_duration("2mins").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1hrs").unwrap(), Duration::from_secs(3600));
        assert_eq!(
            parse_duration("1days").unwrap(),
            Duration::from_secs(86_400)
        );
        assert_eq!(
            parse_duration("1weeks").unwrap(),
            Duration::from_secs(604_800)
        );
        assert_eq!(
            parse_duration("1.5secs").unwrap(),
            Duration::from_millis(1500)
        );
    }

    #[test]
    fn bad_input_is_named() {
        for bad in ["", "5", "secs", "5s", "-5secs", "5 secs", "1.2.3secs"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn negative_nanos_are_zero() {
        assert_eq!(from_nanos(-5), Duration::ZERO);
        assert_eq!(from_nanos(1_500_000_000), Duration::from_millis(1500));
    }
}
