//! The shared conversion functions of `usbhid-ups.c` (hid-maps.md §3.3)
//! and C's `atoi`/`atof` as NUT applies them to published texts.

use super::{Env, Function, format_float, truncate};

/// Longest text `stringid_conversion` returns: NUT reads string
/// descriptors into a 20-byte buffer.
pub(crate) const MAX_STRING_ID_LEN: usize = 19;

// C's `atoi`/`atof` as NUT applies them to published texts. `c_atoi`
// is the 64-bit `atol` (no 32-bit wrap): the values read this way fit an
// `int` anyway.
pub(crate) use nut_proto::cnum::{atof as c_atof, atol as c_atoi};

pub(super) fn to_text(function: Function, value: f64, env: &mut Env<'_>) -> Option<String> {
    match function {
        Function::Date => Some(date_to_text(truncate(value))),
        Function::Hex => Some(format!("{:08x}", truncate(value))),
        Function::StringId => Some(string_id(value, env)),
        Function::DivideBy10 => format_float("%0.1f", value * 0.1),
        Function::DivideBy100 => format_float("%0.1f", value * 0.01),
        Function::KelvinCelsius => {
            let celsius = if (273.0..=373.0).contains(&value) {
                value - 273.15
            } else {
                value
            };
            format_float("%.1f", celsius)
        }
        _ => None,
    }
}

/// The USB string whose index is `value`, as `stringid_conversion` reads
/// it: at most 19 characters, a trailing newline removed, empty when the
/// index is 0, out of range or unreadable.
pub(crate) fn string_id(value: f64, env: &mut Env<'_>) -> String {
    let index = truncate(value);
    if !(1..=255).contains(&index) {
        return String::new();
    }
    let text = env.device.string(index as u32).unwrap_or_default();
    let mut text: String = text.chars().take(MAX_STRING_ID_LEN).collect();
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

/// HID PDC `ManufacturerDate`: `(year − 1980) × 512 + month × 32 + day`.
fn date_to_text(value: i64) -> String {
    if value == 0 {
        return "not set".to_owned();
    }
    let year = 1980 + (value >> 9);
    let month = (value >> 5) & 0x0F;
    let day = value & 0x1F;
    format!("{year:04}/{month:02}/{day:02}")
}

/// `YYYY/MM/DD` split into numbers (C `sscanf("%d/%d/%d")` on well-formed text).
pub(crate) fn parse_ymd(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.trim().splitn(3, '/');
    let mut next = || -> Option<i64> {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    Some((next()?, next()?, next()?))
}

/// The reverse of `date_conversion`; out-of-range dates write 0, text
/// that is not `YYYY/MM/DD` is a conversion failure.
pub(super) fn date_from_text(text: &str) -> Option<i64> {
    let (year, month, day) = parse_ymd(text)?;
    if year - 1980 > 127 || month > 12 || day > 31 {
        return Some(0);
    }
    Some(((year - 1980) << 9) + (month << 5) + day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_both_ways() {
        assert_eq!(date_to_text(0x3A2F), "2009/01/15");
        assert_eq!(date_to_text(0), "not set");
        assert_eq!(date_from_text("2009/01/15"), Some(0x3A2F));
        assert_eq!(date_from_text("2200/01/01"), Some(0));
        assert_eq!(date_from_text("2009/13/01"), Some(0));
        assert_eq!(date_from_text("yesterday"), None);
        // Before 1980: the arithmetic shift gives a negative year offset.
        assert_eq!(date_to_text(-512 + 33), "1979/01/01");
    }

    #[test]
    fn c_number_parsing() {
        assert_eq!(c_atoi(" 42abc"), 42);
        assert_eq!(c_atoi("-7"), -7);
        assert_eq!(c_atoi("100.0"), 100);
        assert_eq!(c_atoi("x"), 0);
        assert_eq!(c_atof("0.80"), 0.8);
        assert_eq!(c_atof("230.5 V"), 230.5);
        assert_eq!(c_atof("-1.5e"), -1.5);
        assert_eq!(c_atof("."), 0.0);
        assert_eq!(c_atof("12."), 12.0);
    }
}
