//! Reading one OID the way snmp-ups does (snmp-maps.md 1.2): as a string
//! (with a lookup table), as an integer, and the number formatting and
//! conversion functions applied before publishing (1.6, 1.11).

use super::Agent;
use crate::mib::{Conversion, Lookup};
use crate::oid::Oid;
use crate::value::{SU_INFOSIZE, Value, octets_text, strtol};

/// How many OBJECT IDENTIFIER values in a row are followed (a value that
/// points at another OID is read through). snmp-ups has no limit and
/// recurses forever on a loop; we stop here and fall back to the last arc.
pub(crate) const MAX_OID_INDIRECTION: usize = 4;

/// GET `oid`: the value, or `None` when the agent has none (no answer, an
/// error status, or a v2c exception).
pub(crate) fn get(agent: &mut dyn Agent, oid: &Oid) -> Option<Value> {
    agent.get(oid).filter(|v| !v.is_exception())
}

/// Parses a table OID text (already instantiated); `None` for a text that
/// is not a numeric OID (a template left unfilled, for example).
pub(crate) fn table_oid(text: &str) -> Option<Oid> {
    Oid::parse(text).ok()
}

/// State the conversion functions keep between rows (the sensor unit read
/// by `ambient.N.temperature.unit` and used by `ambient.N.temperature`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConversionState {
    /// 0 Kelvin, 1 Celsius, 2 Fahrenheit, other unknown; `None` before the
    /// unit row was read.
    pub(crate) temperature_unit: Option<i64>,
}

impl ConversionState {
    /// Applies an integer→text conversion function to a raw value; `None`
    /// when the function does not take integers.
    pub(crate) fn integer(&mut self, conversion: Conversion, value: i64) -> Option<String> {
        match conversion {
            Conversion::SensorTemperatureUnit => {
                self.temperature_unit = Some(value);
                Some("celsius".to_owned())
            }
            Conversion::TemperatureRead => Some(temperature_celsius(self.temperature_unit, value)),
            Conversion::UsDateToIsoDate | Conversion::DeviceCount => None,
        }
    }
}

/// `su_temperature_read_fun`: tenths in the stored unit → whole degrees
/// Celsius, integer arithmetic truncating towards zero; an unknown unit
/// gives an empty text.
fn temperature_celsius(unit: Option<i64>, raw: i64) -> String {
    let tenths = raw / 10;
    match unit {
        // Truncation towards zero, as the C conversion to long does.
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        Some(0) => ((tenths as f64 - 273.15) as i64).to_string(),
        Some(1) => tenths.to_string(),
        Some(2) => (tenths.saturating_sub(32).saturating_mul(5) / 9).to_string(),
        _ => String::new(),
    }
}

/// `su_usdate_to_isodate_info_fun`: `mm/dd/yyyy` → `yyyy-mm-dd`, as
/// `strptime("%m/%d/%Y")` then `strftime("%F")`; text that does not match
/// gives an empty text.
pub(crate) fn us_date_to_iso(text: &str) -> String {
    fn number(s: &str, max_digits: usize) -> Option<(u32, &str)> {
        let s = s.trim_start();
        let digits = s
            .bytes()
            .take(max_digits)
            .take_while(u8::is_ascii_digit)
            .count();
        let value = s.get(..digits)?.parse().ok()?;
        Some((value, &s[digits..]))
    }
    let parsed = (|| {
        let (month, rest) = number(text, 2)?;
        let rest = rest.strip_prefix('/')?;
        let (day, rest) = number(rest, 2)?;
        let rest = rest.strip_prefix('/')?;
        let (year, _) = number(rest, 4)?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
    })();
    parsed.map_or_else(String::new, |(y, m, d)| format!("{y}-{m:02}-{d:02}"))
}

/// `marlin_device_count_fun`: the number of devices in a list such as
/// `0,3,4,5` (commas + 1; an empty text gives 0).
pub(crate) fn device_count(text: &str) -> i64 {
    if text.is_empty() {
        0
    } else {
        i64::try_from(text.matches(',').count()).map_or(i64::MAX, |n| n.saturating_add(1))
    }
}

/// `nut_snmp_get_str`: the value of `oid` as text, with `lookup` applied
/// to integer values (no match = failure).
pub(crate) fn read_str(
    agent: &mut dyn Agent,
    oid: &Oid,
    lookup: Option<&Lookup>,
    conversions: &mut ConversionState,
) -> Option<String> {
    read_str_at(agent, oid, lookup, conversions, 0)
}

fn read_str_at(
    agent: &mut dyn Agent,
    oid: &Oid,
    lookup: Option<&Lookup>,
    conversions: &mut ConversionState,
    depth: usize,
) -> Option<String> {
    match get(agent, oid)? {
        Value::OctetString(bytes) | Value::Opaque(bytes) => Some(octets_text(&bytes, SU_INFOSIZE)),
        value @ (Value::Integer(_) | Value::Counter32(_) | Value::Gauge32(_)) => {
            let number = value.as_integer()?;
            match lookup {
                None => Some(number.to_string()),
                Some(Lookup::Pairs(_)) => lookup?.text(number).map(str::to_owned),
                Some(Lookup::Function(f)) => conversions.integer(*f, number),
            }
        }
        Value::TimeTicks(ticks) => Some((ticks / 100).to_string()),
        Value::ObjectId(target) => {
            let pointed = (depth < MAX_OID_INDIRECTION)
                .then(|| read_str_at(agent, &target, lookup, conversions, depth + 1))
                .flatten();
            Some(pointed.unwrap_or_else(|| last_arc_text(&target)))
        }
        _ => None,
    }
}

/// `nut_snmp_get_int`: the value of `oid` as an integer.
pub(crate) fn read_int(agent: &mut dyn Agent, oid: &Oid) -> Option<i64> {
    read_int_at(agent, oid, 0)
}

fn read_int_at(agent: &mut dyn Agent, oid: &Oid, depth: usize) -> Option<i64> {
    match get(agent, oid)? {
        Value::OctetString(bytes) => Some(strtol(&bytes)),
        value @ (Value::Integer(_) | Value::Counter32(_) | Value::Gauge32(_)) => value.as_integer(),
        Value::TimeTicks(ticks) => Some(i64::from(ticks / 100)),
        Value::ObjectId(target) => {
            let pointed = (depth < MAX_OID_INDIRECTION)
                .then(|| read_int_at(agent, &target, depth + 1))
                .flatten();
            Some(pointed.unwrap_or_else(|| target.last_arc().map_or(0, i64::from)))
        }
        _ => None,
    }
}

/// The text after the last dot of an OID's numeric rendering.
fn last_arc_text(oid: &Oid) -> String {
    oid.last_arc().map(|a| a.to_string()).unwrap_or_default()
}

/// A number row's value: `raw × multiplier`, printed as an integer when
/// that loses nothing (and fits a C `int`), else with two decimals after a
/// round trip through `float`, as snmp-ups prints it.
pub(crate) fn format_number(raw: i64, multiplier: f64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let scaled = raw as f64 * multiplier;
    if scaled.fract() == 0.0 && scaled >= f64::from(i32::MIN) && scaled <= f64::from(i32::MAX) {
        #[allow(clippy::cast_possible_truncation)]
        let whole = scaled as i32;
        whole.to_string()
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let single = scaled as f32;
        format!("{single:.2}")
    }
}

/// `ambient.temperature`'s formatting: one decimal.
pub(crate) fn format_one_decimal(value: f64) -> String {
    format!("{value:.1}")
}

// C's `atof` on a text, for the engine's modules.
pub(crate) use nut_proto::cnum::atof;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Recording;

    fn agent(lines: &str) -> Recording {
        Recording::parse(lines.as_bytes()).unwrap()
    }

    fn oid(text: &str) -> Oid {
        text.parse().unwrap()
    }

    #[test]
    fn numbers_print_like_snmp_ups() {
        assert_eq!(format_number(2476, 0.1), "247.60");
        assert_eq!(format_number(273, 0.1), "27.30");
        assert_eq!(format_number(500, 0.1), "50");
        assert_eq!(format_number(45, 60.0), "2700");
        assert_eq!(format_number(-1, 1.0), "-1");
        assert_eq!(format_number(-5, 0.1), "-0.50");
        assert_eq!(format_number(230_123, 0.001), "230.12");
        // Beyond a C int the value goes through float: precision is lost.
        assert_eq!(format_number(3_000_000_000, 1.0), "3000000000.00");
        assert_eq!(format_number(123_456_789, 1.0), "123456789");
        assert_eq!(format_number(1_234_567_891, 0.1), "123456792.00");
        assert_eq!(format_number(i64::MAX, 1.0), "9223372036854775808.00");
    }

    #[test]
    fn strings_follow_the_value_type() {
        let mut rec = agent(
            "1.1|4|Smart-UPS\n1.2|2|3\n1.3|67|4567\n1.4|6|1.1\n1.5|6|1.9.42\n1.6|64|1.2.3.4\n\
             1.7|66|7\n1.8|129|\n1.9|6|1.9\n",
        );
        let mut conv = ConversionState::default();
        let mut s = |o: &str, l: Option<&Lookup>| read_str(&mut rec, &oid(o), l, &mut conv);
        let pairs = Lookup::Pairs(&[(3, "OL"), (7, "")]);
        assert_eq!(s("1.1", None).as_deref(), Some("Smart-UPS"));
        assert_eq!(s("1.2", None).as_deref(), Some("3"));
        assert_eq!(s("1.2", Some(&pairs)).as_deref(), Some("OL"));
        assert_eq!(s("1.7", Some(&pairs)).as_deref(), Some(""));
        assert_eq!(
            s("1.3", Some(&pairs)),
            Some("45".into()),
            "lookups skip TimeTicks"
        );
        assert_eq!(
            s("1.1", Some(&Lookup::Pairs(&[(4, "x")]))).as_deref(),
            Some("Smart-UPS")
        );
        assert_eq!(
            s("1.2", Some(&Lookup::Pairs(&[(4, "x")]))),
            None,
            "no match fails"
        );
        assert_eq!(
            s("1.4", None).as_deref(),
            Some("Smart-UPS"),
            "OID values are followed"
        );
        assert_eq!(
            s("1.5", None).as_deref(),
            Some("42"),
            "dangling OID gives its last arc"
        );
        assert_eq!(s("1.9", None).as_deref(), Some("9"), "a self loop stops");
        assert_eq!(s("1.6", None), None);
        assert_eq!(s("1.8", None), None);
        assert_eq!(s("9.9", None), None);
    }

    #[test]
    fn integers_follow_the_value_type() {
        let mut rec = agent(
            "1.1|4|0x10 units\n1.2|2|-3\n1.3|67|4567\n1.4|6|1.2\n1.5|6|1.8.77\n1.6|70|5\n1.7|5|\n",
        );
        let mut i = |o: &str| read_int(&mut rec, &oid(o));
        assert_eq!(i("1.1"), Some(16));
        assert_eq!(i("1.2"), Some(-3));
        assert_eq!(i("1.3"), Some(45));
        assert_eq!(i("1.4"), Some(-3));
        assert_eq!(i("1.5"), Some(77));
        assert_eq!(i("1.6"), None);
        assert_eq!(i("1.7"), None);
    }

    #[test]
    fn conversion_functions() {
        assert_eq!(us_date_to_iso("02/13/2018"), "2018-02-13");
        assert_eq!(us_date_to_iso("2/3/2018 extra"), "2018-02-03");
        assert_eq!(us_date_to_iso("13/02/2018"), "");
        assert_eq!(us_date_to_iso("garbage"), "");
        assert_eq!(device_count("0,3,4,5"), 4);
        assert_eq!(device_count("0"), 1);
        assert_eq!(device_count(""), 0);
        assert_eq!(temperature_celsius(Some(1), 235), "23");
        assert_eq!(temperature_celsius(Some(0), 2981), "24");
        assert_eq!(temperature_celsius(Some(2), 770), "25");
        assert_eq!(temperature_celsius(Some(7), 770), "");
        assert_eq!(temperature_celsius(None, 770), "");
        let mut state = ConversionState::default();
        assert_eq!(
            state
                .integer(Conversion::SensorTemperatureUnit, 1)
                .as_deref(),
            Some("celsius")
        );
        assert_eq!(
            state.integer(Conversion::TemperatureRead, 215).as_deref(),
            Some("21")
        );
        assert_eq!(state.integer(Conversion::UsDateToIsoDate, 1), None);
        assert_eq!(atof("230"), 230.0);
        assert_eq!(atof(" -1.5V"), -1.5);
        assert_eq!(atof("x"), 0.0);
    }
}
