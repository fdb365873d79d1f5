//! The value conversions of netxml-ups's table, with C's `atoi`/`atof`
//! reading rules (leading blanks, optional sign, as many digits as there
//! are; no digits reads as 0).

/// C's `atoi`/`atof` as netxml-ups applies them; `atoi` reads a 64-bit
/// `long` (saturating, no 32-bit wrap): the values NUT reads this way fit
/// an `int` anyway.
pub use nut_proto::cnum::{atof, atol as atoi};

/// First character `1` → `yes`, `0` → `no`, anything else `<unknown>`.
pub fn yes_no(value: &str) -> &'static str {
    match value.as_bytes().first() {
        Some(b'1') => "yes",
        Some(b'0') => "no",
        _ => "<unknown>",
    }
}

/// First character `1` → `on`, `0` → `off`, anything else `<unknown>`.
pub fn on_off(value: &str) -> &'static str {
    match value.as_bytes().first() {
        Some(b'1') => "on",
        Some(b'0') => "off",
        _ => "<unknown>",
    }
}

/// Battery test result text, by code.
pub fn test_result(value: &str) -> Option<&'static str> {
    Some(match atoi(value) {
        1 => "done and passed",
        2 => "done and warning",
        3 => "done and error",
        4 => "aborted",
        5 => "in progress",
        6 => "no test initiated",
        7 => "test scheduled",
        _ => return None,
    })
}

/// Beeper status text, by code.
pub fn beeper(value: &str) -> Option<&'static str> {
    Some(match atoi(value) {
        1 => "disabled",
        2 => "enabled",
        3 => "muted",
        _ => return None,
    })
}

/// UPS type text, by converter type code (NUT's spelling kept).
pub fn converter_type(value: &str) -> Option<&'static str> {
    Some(match atoi(value) {
        1 => "offline / line interactive",
        2 => "online",
        3 => "online - unitary/parallel",
        4 => "online - parallel with hot standy",
        5 => "online - hot standby redundancy",
        _ => return None,
    })
}

/// Input sensitivity text, by code.
pub fn sensitivity(value: &str) -> Option<&'static str> {
    Some(match atoi(value) {
        0 => "normal",
        1 => "high",
        2 => "low",
        _ => return None,
    })
}

/// Dry contact text, by code.
pub fn contact(value: &str) -> Option<&'static str> {
    Some(match atoi(value) {
        0 => "opened",
        1 => "closed",
        _ => return None,
    })
}

/// `atoi(v) / 3600` as `%.2f` (battery capacity, Ah from As).
pub fn capacity(value: &str) -> String {
    format!("{:.2}", atoi(value) as f64 / 3600.0)
}

/// `atoi(v) / 100` as `%.2f` (power factor).
pub fn power_factor(value: &str) -> String {
    format!("{:.2}", atoi(value) as f64 / 100.0)
}

/// `atof(v) × 0.1` as `%.1f` (old MGE firmware's deci-units).
pub fn deci(value: &str) -> String {
    format!("{:.1}", atof(value) * 0.1)
}

/// A date-time text split at its first space or `-`: (date, time).
pub fn split_date(text: &str) -> (&str, Option<&str>) {
    match text.find([' ', '-']) {
        Some(at) => (text.get(..at).unwrap_or_default(), text.get(at + 1..)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_reads_like_c() {
        assert_eq!(atoi("  -12abc"), -12);
        assert_eq!(atoi("+7"), 7);
        assert_eq!(atoi("x1"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn atof_reads_like_c() {
        assert_eq!(atof("2305"), 2305.0);
        assert_eq!(atof(" 12.5V"), 12.5);
        assert_eq!(atof("-.5"), -0.5);
        assert_eq!(atof("1e2x"), 100.0);
        assert_eq!(atof("1e"), 1.0);
        assert_eq!(atof("."), 0.0);
        assert_eq!(atof("abc"), 0.0);
    }

    #[test]
    fn conversions() {
        assert_eq!(capacity("25200"), "7.00");
        assert_eq!(power_factor("87"), "0.87");
        assert_eq!(deci("2305"), "230.5");
        assert_eq!(yes_no("1"), "yes");
        assert_eq!(yes_no("0"), "no");
        assert_eq!(yes_no("2"), "<unknown>");
        assert_eq!(on_off("0"), "off");
        assert_eq!(test_result("5"), Some("in progress"));
        assert_eq!(test_result("8"), None);
        assert_eq!(beeper("3"), Some("muted"));
        assert_eq!(
            converter_type("4"),
            Some("online - parallel with hot standy")
        );
        assert_eq!(sensitivity("2"), Some("low"));
        assert_eq!(contact("1"), Some("closed"));
        assert_eq!(
            split_date("2026/11/22 10:11:12"),
            ("2026/11/22", Some("10:11:12"))
        );
        assert_eq!(
            split_date("2026/11/22-10:11"),
            ("2026/11/22", Some("10:11"))
        );
        assert_eq!(split_date("today"), ("today", None));
    }
}
