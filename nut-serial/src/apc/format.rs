//! Raw APC values to NUT values: text checks, the raw-value patterns, the
//! conversions of [`Format`], and packed (comma-separated) variables.

use super::table::{Format, PACK_MAX, Pattern, VarDef, packed_name};
use crate::error::{Error, Received};

/// Longest field text kept in an error message.
const SHOWN_FIELD: usize = 32;

fn bad(def: &VarDef, raw: &[u8], reason: &'static str) -> Error {
    Error::BadField {
        query: Received::new(&[def.letter]),
        var: def.name,
        field: String::from_utf8_lossy(&raw[..raw.len().min(SHOWN_FIELD)]).into_owned(),
        reason,
        received: Received::new(raw),
    }
}

/// Checks a reply to `def`'s letter is a usable value: text without
/// control characters, not empty, and not the letter echoed back.
pub fn check_text<'r>(def: &VarDef, raw: &'r [u8]) -> Result<&'r str, Error> {
    if raw.is_empty() {
        return Err(bad(def, raw, "empty value"));
    }
    if raw == [def.letter] {
        return Err(bad(def, raw, "the query letter echoed back"));
    }
    let text = std::str::from_utf8(raw).map_err(|_| bad(def, raw, "not text"))?;
    if text.chars().any(char::is_control) {
        return Err(bad(def, raw, "control characters"));
    }
    Ok(text)
}

impl Pattern {
    /// Whether `raw` has this shape.
    pub fn matches(self, raw: &[u8]) -> bool {
        let digits = |s: &[u8], n: usize| s.len() == n && s.iter().all(u8::is_ascii_digit);
        match self {
            Self::Firmware => {
                let parts: Vec<&[u8]> = raw.split(|b| *b == b'.').collect();
                parts.len() == 3
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_alphanumeric))
            }
            Self::AmbientTemperature => {
                matches!(raw.split_at_checked(2), Some((a, rest)) if digits(a, 2)
                    && rest.first() == Some(&b'.') && digits(&rest[1..], 2))
            }
            Self::Uptime => {
                matches!(raw.split_at_checked(3), Some((a, rest)) if digits(a, 3)
                    && rest.first() == Some(&b'.') && digits(&rest[1..], 1))
            }
        }
    }
}

/// C's `strtol(text, NULL, 10)`, shared with every crate that reads
/// numbers as NUT does.
pub use nut_proto::cnum::strtol;

/// A transfer-reason letter as text (`G`).
pub fn transfer_reason(text: &str) -> Option<&'static str> {
    Some(match text.as_bytes().first()? {
        b'R' => "unacceptable utility voltage rate of change",
        b'H' => "high utility voltage",
        b'L' => "low utility voltage",
        b'T' => "line voltage notch or spike",
        b'O' => "no transfers yet since turnon",
        b'S' => "simulated power failure or UPS test",
        _ => return None,
    })
}

/// The NUT value of a checked raw value.
///
/// ```
/// use nut_serial::apc::format::convert;
/// use nut_serial::apc::table::Format;
///
/// assert_eq!(convert(Format::Minutes, "0120:"), "7200");
/// assert_eq!(convert(Format::Volt, "229.4"), "229.4");
/// assert_eq!(convert(Format::Reason, "O"), "no transfers yet since turnon");
/// ```
pub fn convert(format: Format, text: &str) -> String {
    match format {
        Format::Minutes => strtol(text).saturating_mul(60).to_string(),
        Format::Hours => strtol(text).saturating_mul(3600).to_string(),
        Format::Reason => transfer_reason(text).map_or_else(|| text.to_owned(), str::to_owned),
        Format::Leave
        | Format::Percent
        | Format::Volt
        | Format::Amp
        | Format::Celsius
        | Format::Hex
        | Format::Dec
        | Format::Seconds => text.to_owned(),
    }
}

/// The variables a raw reply to `def` publishes: one, or one per sub-field
/// of a packed variable (at most [`PACK_MAX`]; empty sub-fields read
/// `N/A`).
pub fn values(def: &VarDef, raw: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let text = check_text(def, raw)?;
    if !def.pack {
        return Ok(vec![(def.name.to_owned(), convert(def.format, text))]);
    }
    Ok(text
        .split(',')
        .take(PACK_MAX)
        .enumerate()
        .map(|(i, field)| {
            let value = if field.is_empty() {
                "N/A".to_owned()
            } else {
                convert(def.format, field)
            };
            (packed_name(def.name, i), value)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apc::table::VARS;

    fn def(name: &str) -> &'static VarDef {
        VARS.iter().find(|d| d.name == name).unwrap()
    }

    #[test]
    fn conversions_follow_nut() {
        assert_eq!(convert(Format::Hours, "336"), "1209600");
        assert_eq!(convert(Format::Hours, "OFF"), "0");
        assert_eq!(convert(Format::Minutes, " -2"), "-120");
        assert_eq!(convert(Format::Reason, "Q"), "Q");
        assert_eq!(convert(Format::Seconds, "020"), "020");
        assert_eq!(strtol("99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn patterns_disambiguate_t() {
        assert!(Pattern::AmbientTemperature.matches(b"23.45"));
        assert!(!Pattern::AmbientTemperature.matches(b"123.4"));
        assert!(Pattern::Uptime.matches(b"123.4"));
        assert!(!Pattern::Uptime.matches(b"23.45"));
        assert!(Pattern::Firmware.matches(b"50.14.I"));
        assert!(!Pattern::Firmware.matches(b"NA"));
        assert!(!Pattern::Firmware.matches(b"5..I"));
        assert!(!Pattern::Firmware.matches(b"50.14.I.x"));
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let l = def("input.voltage");
        assert!(matches!(values(l, b"L"), Err(Error::BadField { .. })));
        assert!(values(l, b"").is_err());
        assert!(values(l, b"22\x019").is_err());
        assert!(values(l, b"\xff").is_err());
        assert_eq!(
            values(l, b"229.4").unwrap(),
            vec![("input.voltage".into(), "229.4".into())]
        );
    }

    #[test]
    fn packed_values_split_up_to_the_limit() {
        let h = def("ambient.0.humidity");
        let v = values(h, b"45.0,,50.1,1,2").unwrap();
        assert_eq!(v.len(), PACK_MAX);
        assert_eq!(v[0], ("ambient.1.humidity".into(), "45.0".into()));
        assert_eq!(v[1], ("ambient.2.humidity".into(), "N/A".into()));
        assert_eq!(v[3], ("ambient.4.humidity".into(), "1".into()));
    }
}
