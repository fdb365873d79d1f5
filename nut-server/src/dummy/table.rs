//! The flags dummy-ups gives the variables it sets.
//!
//! Established by loading 1,128 distinct variable names (every name in the
//! nut-ddl corpus plus the standard ones) into the real dummy-ups 2.8.0 and
//! reading its `DUMPALL`: the names below get these flags; every other
//! variable becomes `RW STRING` with a maximum length of 32.

use crate::state::Flags;

/// Maximum length of variables outside the table.
pub const DEFAULT_STRING_LEN: i64 = 32;

/// Variables published before the definition file is read, with their
/// defaults (all `RW STRING:32`).
pub const INITIAL: &[(&str, &str)] = &[
    ("ups.mfr", "Dummy Manufacturer"),
    ("ups.model", "Dummy UPS"),
    ("ups.status", "OL"),
];

/// Variables that are `RW` numbers (no `STRING` flag, no aux).
const RW_NUMBERS: &[&str] = &[
    "ambient.humidity",
    "ambient.humidity.alarm",
    "ambient.humidity.high",
    "ambient.humidity.low",
    "ambient.temperature",
    "ambient.temperature.alarm",
    "ambient.temperature.high",
    "ambient.temperature.low",
    "battery.charge",
    "battery.charge.low",
    "battery.charge.restart",
    "battery.current",
    "battery.runtime",
    "battery.runtime.low",
    "battery.temperature",
    "battery.voltage",
    "battery.voltage.nominal",
    "input.frequency",
    "input.transfer.boost.high",
    "input.transfer.boost.low",
    "input.transfer.high",
    "input.transfer.low",
    "input.transfer.trim.high",
    "input.transfer.trim.low",
    "input.voltage",
    "input.voltage.maximum",
    "input.voltage.minimum",
    "input.voltage.nominal",
    "output.current",
    "output.frequency",
    "output.voltage",
    "ups.delay.reboot",
    "ups.delay.shutdown",
    "ups.delay.start",
    "ups.load",
    "ups.temperature",
    "ups.test.interval",
];

/// `RW STRING` variables whose maximum length is not the default 32.
const SHORT_STRINGS: &[(&str, i64)] = &[
    ("input.quality", 6),
    ("input.sensitivity", 1),
    ("input.transfer.reason", 1),
    ("ups.date", 16),
    ("ups.firmware", 16),
    ("ups.firmware.aux", 16),
    ("ups.id", 16),
    ("ups.mfr.date", 16),
    ("ups.test.result", 16),
    ("ups.time", 16),
];

/// Flags and aux value dummy-ups gives variable `name` (matched ignoring
/// case); the aux is 0 for numbers, meaning "none".
pub fn flags_for(name: &str) -> (Flags, i64) {
    if RW_NUMBERS.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return (Flags::RW, 0);
    }
    let len = SHORT_STRINGS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or(DEFAULT_STRING_LEN, |(_, len)| *len);
    (Flags::RW | Flags::STRING, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_strings_and_the_default() {
        assert_eq!(flags_for("battery.charge"), (Flags::RW, 0));
        assert_eq!(flags_for("Battery.Charge"), (Flags::RW, 0));
        assert_eq!(flags_for("ups.id"), (Flags::RW | Flags::STRING, 16));
        assert_eq!(flags_for("input.quality"), (Flags::RW | Flags::STRING, 6));
        assert_eq!(flags_for("ups.status"), (Flags::RW | Flags::STRING, 32));
        assert_eq!(
            flags_for("experimental.anything"),
            (Flags::RW | Flags::STRING, 32)
        );
        assert_eq!(RW_NUMBERS.len(), 37);
    }

    #[test]
    fn tables_are_sorted_and_disjoint() {
        assert!(RW_NUMBERS.windows(2).all(|w| w[0] < w[1]));
        assert!(SHORT_STRINGS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(SHORT_STRINGS.iter().all(|(n, _)| !RW_NUMBERS.contains(n)));
    }
}
