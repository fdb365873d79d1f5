//! snmpsim `.snmprec` recordings: `OID|TAG|VALUE` lines read into a table
//! sorted in GETNEXT order.
//!
//! The grammar, as snmpsim reads it: each non-empty line, with surrounding
//! white space stripped, is split at its first two `|`. `TAG` is the
//! decimal BER tag of the value's type (`2` INTEGER, `4` OCTET STRING, `5`
//! NULL, `6` OBJECT IDENTIFIER, `64` IpAddress, `65` Counter32, `66`
//! Gauge32, `67` TimeTicks, `68` Opaque, `70` Counter64, `128`–`130` the v2c
//! exceptions), optionally followed by `x` (the value is hex-encoded bytes)
//! or `e` (the value holds Python-style escapes such as `\x07` or `\t`).
//! Variation modules (`TAG:module`) are not supported and are reported as
//! errors.
//!
//! snmpsim answers from an index in which a later line for the same OID
//! replaces an earlier one; [`Recording`] does the same and counts the
//! replaced lines in [`Recording::duplicates`]. Unsorted files are sorted.

use std::collections::BTreeMap;

use crate::error::{Error, shown};
use crate::oid::Oid;
use crate::value::Value;

/// Largest recording accepted, in bytes.
pub const MAX_RECORDING_BYTES: usize = 16 * 1024 * 1024;
/// Most records (non-empty lines) accepted in one recording.
pub const MAX_RECORDS: usize = 200_000;
/// Largest decoded OCTET STRING / Opaque value (the BER length of an SNMP
/// string is at most 65535 in practice).
pub const MAX_VALUE_BYTES: usize = 65_535;

/// An agent recording: OIDs and their values in GETNEXT order.
///
/// ```
/// use nut_snmp::{Oid, Recording, Value};
///
/// let rec = Recording::parse(b"1.3.6.1.2.1.1.1.0|4|UPS card\n1.3.6.1.2.1.1.3.0|67|4242\n")?;
/// let descr: Oid = "1.3.6.1.2.1.1.1.0".parse()?;
/// assert_eq!(rec.get(&descr), Some(&Value::OctetString(b"UPS card".to_vec())));
/// let (next, value) = rec.next_after(&descr).unwrap();
/// assert_eq!(next.to_string(), ".1.3.6.1.2.1.1.3.0");
/// assert_eq!(value, &Value::TimeTicks(4242));
/// # Ok::<(), nut_snmp::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recording {
    table: BTreeMap<Oid, Value>,
    duplicates: usize,
}

impl Recording {
    /// An empty recording (an agent that knows nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a whole `.snmprec` file.
    ///
    /// # Errors
    ///
    /// [`Error::SnmprecLimit`] beyond [`MAX_RECORDING_BYTES`] or
    /// [`MAX_RECORDS`]; [`Error::Snmprec`] naming the line for a line
    /// without two `|`, a bad OID, an unknown or unsupported tag, or a value
    /// that does not fit its type.
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_RECORDING_BYTES {
            return Err(Error::SnmprecLimit {
                what: "bytes",
                limit: MAX_RECORDING_BYTES,
            });
        }
        let mut recording = Self::new();
        let mut records = 0;
        for (index, raw) in input.split(|&b| b == b'\n').enumerate() {
            let line = raw.trim_ascii();
            if line.is_empty() {
                continue;
            }
            records += 1;
            if records > MAX_RECORDS {
                return Err(Error::SnmprecLimit {
                    what: "records",
                    limit: MAX_RECORDS,
                });
            }
            let (oid, value) = parse_line(line).map_err(|reason| Error::Snmprec {
                line: index + 1,
                reason,
                text: shown(&String::from_utf8_lossy(line)),
            })?;
            recording.insert(oid, value);
        }
        Ok(recording)
    }

    /// Sets (or replaces) the value of `oid`, as a later line would.
    pub fn insert(&mut self, oid: Oid, value: Value) {
        if self.table.insert(oid, value).is_some() {
            self.duplicates += 1;
        }
    }

    /// Removes `oid`; returns its value if it had one.
    pub fn remove(&mut self, oid: &Oid) -> Option<Value> {
        self.table.remove(oid)
    }

    /// The value recorded for exactly `oid` (an SNMP GET).
    pub fn get(&self, oid: &Oid) -> Option<&Value> {
        self.table.get(oid)
    }

    /// The first OID after `oid` in lexicographic order, with its value
    /// (an SNMP GETNEXT); `None` at the end of the recording.
    pub fn next_after(&self, oid: &Oid) -> Option<(&Oid, &Value)> {
        use std::ops::Bound::{Excluded, Unbounded};
        self.table.range((Excluded(oid), Unbounded)).next()
    }

    /// All records in GETNEXT order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        self.table.iter()
    }

    /// Number of distinct OIDs.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the recording holds no record.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// How many lines replaced an earlier line for the same OID.
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }
}

/// One stripped, non-empty line: `OID|TAG|VALUE`.
fn parse_line(line: &[u8]) -> Result<(Oid, Value), String> {
    let mut parts = line.splitn(3, |&b| b == b'|');
    let (Some(oid), Some(tag), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected OID|TAG|VALUE".into());
    };
    let oid = std::str::from_utf8(oid).map_err(|_| "OID is not ASCII".to_string())?;
    let oid = Oid::parse(oid).map_err(|e| e.to_string())?;
    let tag = std::str::from_utf8(tag).map_err(|_| "tag is not ASCII".to_string())?;
    Ok((oid, parse_value(tag, value)?))
}

/// How a value's text is encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Plain,
    Hex,
    Escaped,
}

fn parse_value(tag: &str, text: &[u8]) -> Result<Value, String> {
    if tag.contains(':') {
        return Err(format!(
            "variation module tag '{}' is not supported",
            shown(tag)
        ));
    }
    let (number, encoding) = if let Some(n) = tag.strip_suffix('x') {
        (n, Encoding::Hex)
    } else if let Some(n) = tag.strip_suffix('e') {
        (n, Encoding::Escaped)
    } else {
        (tag, Encoding::Plain)
    };
    let bytes = match encoding {
        Encoding::Plain => text.to_vec(),
        Encoding::Hex => decode_hex(text)?,
        Encoding::Escaped => decode_escapes(text),
    };
    if bytes.len() > MAX_VALUE_BYTES {
        return Err(format!("value longer than {MAX_VALUE_BYTES} bytes"));
    }
    let textual = |what: &str| -> Result<String, String> {
        if encoding == Encoding::Hex {
            return Err(format!("hex encoding is not allowed for {what}"));
        }
        String::from_utf8(bytes.clone()).map_err(|_| format!("{what} is not ASCII"))
    };
    let number_of = |what: &str| -> Result<String, String> {
        let t = textual(what)?;
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(format!("{what} '{}' is not a number", shown(&t)));
        }
        Ok(t)
    };
    match number {
        "2" => number_of("INTEGER")?
            .parse()
            .map(Value::Integer)
            .map_err(|_| "INTEGER out of Integer32 range".into()),
        "4" => Ok(Value::OctetString(bytes)),
        "5" => Ok(Value::Null),
        "6" => Oid::parse(&textual("OBJECT IDENTIFIER")?)
            .map(Value::ObjectId)
            .map_err(|e| e.to_string()),
        "64" => ip_address(&bytes, encoding == Encoding::Hex).map(Value::IpAddress),
        "65" => unsigned(&number_of("Counter32")?).map(Value::Counter32),
        "66" => unsigned(&number_of("Gauge32")?).map(Value::Gauge32),
        "67" => unsigned(&number_of("TimeTicks")?).map(Value::TimeTicks),
        "68" => Ok(Value::Opaque(bytes)),
        "70" => number_of("Counter64")?
            .parse()
            .map(Value::Counter64)
            .map_err(|_| "Counter64 out of range".into()),
        "128" => Ok(Value::NoSuchObject),
        "129" => Ok(Value::NoSuchInstance),
        "130" => Ok(Value::EndOfMibView),
        _ => Err(format!("unknown type tag '{}'", shown(tag))),
    }
}

fn unsigned(text: &str) -> Result<u32, String> {
    text.parse()
        .map_err(|_| format!("'{}' is not a 32-bit unsigned number", shown(text)))
}

fn ip_address(bytes: &[u8], hex: bool) -> Result<[u8; 4], String> {
    if hex {
        return bytes
            .try_into()
            .map_err(|_| "IpAddress must be 4 bytes".to_string());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "IpAddress is not ASCII".to_string())?;
    let parts: Vec<&str> = text.split('.').collect();
    let mut out = [0u8; 4];
    if parts.len() != 4 {
        return Err(format!("'{}' is not a dotted IPv4 address", shown(text)));
    }
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = part
            .parse()
            .map_err(|_| format!("'{}' is not a dotted IPv4 address", shown(text)))?;
    }
    Ok(out)
}

fn decode_hex(text: &[u8]) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("hex value has an odd number of digits".into());
    }
    text.chunks(2)
        .map(|pair| {
            let hi = char::from(pair[0]).to_digit(16);
            let lo = char::from(pair[1]).to_digit(16);
            match (hi, lo) {
                (Some(h), Some(l)) => u8::try_from(h * 16 + l).map_err(|_| String::new()),
                _ => Err("hex value holds a non-hex digit".to_string()),
            }
        })
        .collect()
}

/// snmpsim's `e` encoding: `\\`, `\'`, `\"`, `\a`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\v` and `\xHH`; any other backslash is kept as it is.
fn decode_escapes(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let b = text[at];
        if b != b'\\' || at + 1 == text.len() {
            out.push(b);
            at += 1;
            continue;
        }
        let simple = match text[at + 1] {
            b'\\' => Some(b'\\'),
            b'\'' => Some(b'\''),
            b'"' => Some(b'"'),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            at += 2;
            continue;
        }
        let hex_byte = (text[at + 1] == b'x')
            .then(|| text.get(at + 2..at + 4))
            .flatten()
            .and_then(|hex| decode_hex(hex).ok())
            .and_then(|bytes| bytes.first().copied());
        if let Some(byte) = hex_byte {
            out.push(byte);
            at += 4;
            continue;
        }
        out.push(b);
        at += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Value {
        let rec = Recording::parse(line.as_bytes()).unwrap();
        rec.iter().next().unwrap().1.clone()
    }

    #[test]
    fn every_type_tag() {
        assert_eq!(one("1.1|2|-273"), Value::Integer(-273));
        assert_eq!(
            one("1.1|4|Smart-UPS 1500"),
            Value::OctetString(b"Smart-UPS 1500".to_vec())
        );
        assert_eq!(
            one("1.1|4x|00208Df9"),
            Value::OctetString(vec![0, 0x20, 0x8d, 0xf9])
        );
        assert_eq!(
            one("1.1|4e|\\x07\\xe4\\t(#"),
            Value::OctetString(vec![7, 0xe4, 9, b'(', b'#'])
        );
        assert_eq!(one("1.1|5|"), Value::Null);
        assert_eq!(
            one("1.1|6|1.3.6.1.4.1.318"),
            Value::ObjectId("1.3.6.1.4.1.318".parse().unwrap())
        );
        assert_eq!(
            one("1.1|64|255.255.255.0"),
            Value::IpAddress([255, 255, 255, 0])
        );
        assert_eq!(one("1.1|64x|0a00000a"), Value::IpAddress([10, 0, 0, 10]));
        assert_eq!(one("1.1|65|4192067549"), Value::Counter32(4_192_067_549));
        assert_eq!(one("1.1|66|4294967295"), Value::Gauge32(u32::MAX));
        assert_eq!(one("1.1|67|456000"), Value::TimeTicks(456_000));
        assert_eq!(one("1.1|68x|ff"), Value::Opaque(vec![0xff]));
        assert_eq!(one("1.1|70|34551177964"), Value::Counter64(34_551_177_964));
        assert_eq!(one("1.1|128|"), Value::NoSuchObject);
        assert_eq!(one("1.1|129|"), Value::NoSuchInstance);
        assert_eq!(one("1.1|130|"), Value::EndOfMibView);
    }

    #[test]
    fn values_may_hold_pipes_and_lose_surrounding_space() {
        assert_eq!(one("  1.1|4|a|b  \r"), Value::OctetString(b"a|b".to_vec()));
    }

    #[test]
    fn bad_lines_name_their_line_number() {
        let cases = [
            "1.1|4",
            "x.1|4|v",
            "1.1|99|v",
            "1.1|2:numeric|v",
            "1.1|2|12a",
            "1.1|2|2147483648",
            "1.1|65|-1",
            "1.1|65|4294967296",
            "1.1|4x|abc",
            "1.1|4x|zz",
            "1.1|64|1.2.3",
            "1.1|64x|0a0000",
            "1.1|6|1..2",
            "1.1|2x|01",
        ];
        for case in cases {
            let input = format!("1.0|4|fine\n\n{case}\n");
            match Recording::parse(input.as_bytes()) {
                Err(Error::Snmprec { line, .. }) => assert_eq!(line, 3, "{case}"),
                other => panic!("{case}: expected a line-3 error, got {other:?}"),
            }
        }
    }

    #[test]
    fn later_lines_replace_earlier_ones_and_order_is_getnext_order() {
        let rec = Recording::parse(b"1.3.6.1.10|2|1\n1.3.6.1.2|2|2\n1.3.6.1.10|2|3\n").unwrap();
        assert_eq!(rec.len(), 2);
        assert_eq!(rec.duplicates(), 1);
        let first: Vec<String> = rec.iter().map(|(o, _)| o.to_string()).collect();
        assert_eq!(first, [".1.3.6.1.2", ".1.3.6.1.10"]);
        assert_eq!(
            rec.get(&"1.3.6.1.10".parse().unwrap()),
            Some(&Value::Integer(3))
        );
        let start: Oid = "1.3.6.1.2".parse().unwrap();
        assert_eq!(rec.next_after(&start).unwrap().1, &Value::Integer(3));
        assert!(rec.next_after(&"1.3.6.1.10".parse().unwrap()).is_none());
        // GETNEXT from a prefix lands on the first record below it.
        let prefix: Oid = "1.3.6".parse().unwrap();
        assert_eq!(rec.next_after(&prefix).unwrap().0.to_string(), ".1.3.6.1.2");
    }

    #[test]
    fn size_limits_hold_at_the_limit_and_fail_beyond() {
        let at_limit = format!("1.1|4x|{}\n", "ab".repeat(MAX_VALUE_BYTES));
        assert!(Recording::parse(at_limit.as_bytes()).is_ok());
        let over = format!("1.1|4x|{}\n", "ab".repeat(MAX_VALUE_BYTES + 1));
        assert!(matches!(
            Recording::parse(over.as_bytes()),
            Err(Error::Snmprec { .. })
        ));

        let records: String = (0..MAX_RECORDS).map(|n| format!("1.{n}|5|\n")).collect();
        assert_eq!(
            Recording::parse(records.as_bytes()).unwrap().len(),
            MAX_RECORDS
        );
        let one_more = format!("{records}9.9|5|\n");
        assert!(matches!(
            Recording::parse(one_more.as_bytes()),
            Err(Error::SnmprecLimit {
                what: "records",
                ..
            })
        ));

        let huge = vec![b'\n'; MAX_RECORDING_BYTES + 1];
        assert!(matches!(
            Recording::parse(&huge),
            Err(Error::SnmprecLimit { what: "bytes", .. })
        ));
        assert!(Recording::parse(&huge[1..]).unwrap().is_empty());
    }

    #[test]
    fn escapes_keep_unknown_backslashes() {
        assert_eq!(decode_escapes(b"a\\qb\\x4"), b"a\\qb\\x4".to_vec());
        assert_eq!(decode_escapes(b"\\\\\\'\\\"\\n"), b"\\'\"\n".to_vec());
        assert_eq!(decode_escapes(b"end\\"), b"end\\".to_vec());
    }
}
