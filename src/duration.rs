//! Durations in the syntax of Mesos' flags and environment variables.

use std::time::Duration;

/// Parses a duration as Mesos writes them: a non-negative decimal number followed by one of the
/// units `ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days`, `weeks`. `None` for anything else (no
/// unit, another unit, not a number, too large).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(mesos::duration::parse("5secs"), Some(Duration::from_secs(5)));
/// assert_eq!(mesos::duration::parse("1.5mins"), Some(Duration::from_secs(90)));
/// assert_eq!(mesos::duration::parse("10"), None);
/// ```
pub fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds_per_unit = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "secs" => 1.0,
        "mins" => 60.0,
        "hrs" => 3_600.0,
        "days" => 86_400.0,
        "weeks" => 604_800.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(number * seconds_per_unit).ok()
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::time::Duration;

    #[test]
    fn every_unit_and_the_refusals() {
        assert_eq!(parse("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse(" 2hrs "), Some(Duration::from_secs(7_200)));
        assert_eq!(parse("1weeks"), Some(Duration::from_secs(604_800)));
        assert_eq!(parse("3us"), Some(Duration::from_micros(3)));
        for bad in ["", "5", "secs", "5sec", "-1secs", "1e3secs", "1..2secs"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
