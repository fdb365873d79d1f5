//! SNMP values (the value half of a varbind) and the text conversions
//! snmp-ups applies to them before mapping (snmp-maps.md 1.2).

use std::fmt;

use crate::oid::Oid;

/// Size of snmp-ups's value buffer for row reads (`SU_INFOSIZE`): texts are
/// cut to one byte less, and binary strings are rendered as hex only while
/// they fit.
pub const SU_INFOSIZE: usize = 128;

/// Bytes per line of net-snmp's hex rendering (`hexOutputLength`, 16 by
/// default).
const HEX_LINE_BYTES: usize = 16;

/// The value of one variable binding, by ASN.1 / SMI type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Value {
    /// INTEGER / Integer32 (tag 2).
    Integer(i32),
    /// OCTET STRING (tag 4), any bytes.
    OctetString(Vec<u8>),
    /// NULL (tag 5).
    Null,
    /// OBJECT IDENTIFIER (tag 6).
    ObjectId(Oid),
    /// IpAddress (application 0, tag 64).
    IpAddress([u8; 4]),
    /// Counter32 (application 1, tag 65).
    Counter32(u32),
    /// Gauge32 / Unsigned32 (application 2, tag 66).
    Gauge32(u32),
    /// TimeTicks in hundredths of a second (application 3, tag 67).
    TimeTicks(u32),
    /// Opaque (application 4, tag 68), kept as its bytes.
    Opaque(Vec<u8>),
    /// Counter64 (application 6, tag 70).
    Counter64(u64),
    /// The v2c exception `noSuchObject` (context 0, tag 128).
    NoSuchObject,
    /// The v2c exception `noSuchInstance` (context 1, tag 129).
    NoSuchInstance,
    /// The v2c exception `endOfMibView` (context 2, tag 130).
    EndOfMibView,
}

impl Value {
    /// The snmpsim / BER tag number of this value's type (`2`, `4`, `65`…).
    pub fn tag(&self) -> u8 {
        match self {
            Self::Integer(_) => 2,
            Self::OctetString(_) => 4,
            Self::Null => 5,
            Self::ObjectId(_) => 6,
            Self::IpAddress(_) => 64,
            Self::Counter32(_) => 65,
            Self::Gauge32(_) => 66,
            Self::TimeTicks(_) => 67,
            Self::Opaque(_) => 68,
            Self::Counter64(_) => 70,
            Self::NoSuchObject => 128,
            Self::NoSuchInstance => 129,
            Self::EndOfMibView => 130,
        }
    }

    /// Whether this is one of the v2c exceptions (`noSuchObject`,
    /// `noSuchInstance`, `endOfMibView`): a GET that returns one failed.
    pub fn is_exception(&self) -> bool {
        matches!(
            self,
            Self::NoSuchObject | Self::NoSuchInstance | Self::EndOfMibView
        )
    }

    /// The integer snmp-ups reads from INTEGER, Counter32 and Gauge32
    /// values (TimeTicks and strings need more, see the engine).
    pub fn as_integer(&self) -> Option<i64> {
        match *self {
            Self::Integer(v) => Some(i64::from(v)),
            Self::Counter32(v) | Self::Gauge32(v) => Some(i64::from(v)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// A short human-readable rendering for logs (`INTEGER: 3`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer(v) => write!(f, "INTEGER: {v}"),
            Self::OctetString(b) => write!(f, "STRING: {}", octets_text(b, SU_INFOSIZE)),
            Self::Null => f.write_str("NULL"),
            Self::ObjectId(o) => write!(f, "OID: {o}"),
            Self::IpAddress([a, b, c, d]) => write!(f, "IpAddress: {a}.{b}.{c}.{d}"),
            Self::Counter32(v) => write!(f, "Counter32: {v}"),
            Self::Gauge32(v) => write!(f, "Gauge32: {v}"),
            Self::TimeTicks(v) => write!(f, "Timeticks: ({v})"),
            Self::Opaque(b) => write!(f, "Opaque: {}", octets_text(b, SU_INFOSIZE)),
            Self::Counter64(v) => write!(f, "Counter64: {v}"),
            Self::NoSuchObject => f.write_str("noSuchObject"),
            Self::NoSuchInstance => f.write_str("noSuchInstance"),
            Self::EndOfMibView => f.write_str("endOfMibView"),
        }
    }
}

/// Whether snmp-ups shows these bytes as text: every byte printable or
/// white space in the C locale (so any byte ≥ 0x80 or a NUL makes it hex).
pub(crate) fn is_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (0x20..=0x7e).contains(&b) || (0x09..=0x0d).contains(&b))
}

/// An OCTET STRING as snmp-ups reads it into a buffer of `buffer` bytes:
/// text cut to `buffer - 1` bytes, or else net-snmp's hex rendering
/// (`"00 1A "` per byte, a new line every 16 bytes) as far as it fits.
///
/// net-snmp refuses a line that would not fit with its terminator and
/// stops there, leaving the lines already written (snmp-ups ignores the
/// failure), so long binary values come out cut at a line boundary.
pub(crate) fn octets_text(bytes: &[u8], buffer: usize) -> String {
    if is_text(bytes) {
        let keep = bytes.len().min(buffer.saturating_sub(1));
        return bytes[..keep].iter().map(|&b| char::from(b)).collect();
    }
    let mut out = String::new();
    let mut chunks = bytes.chunks(HEX_LINE_BYTES).peekable();
    while let Some(line) = chunks.next() {
        if out.len() + line.len() * 3 + 1 >= buffer {
            break;
        }
        for b in line {
            out.push_str(&format!("{b:02X} "));
        }
        if chunks.peek().is_some() {
            out.push('\n');
        }
    }
    out
}

/// C `strtol(text, NULL, 0)` on the bytes of an OCTET STRING: leading
/// white space, an optional sign, then `0x` hexadecimal, `0` octal or
/// decimal digits, stopping at the first byte that does not fit. No digits
/// give 0; overflow clamps to `i64::MIN`/`i64::MAX`. The text ends at the
/// first NUL, as it would in C.
pub(crate) fn strtol(bytes: &[u8]) -> i64 {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = &bytes[..end];
    let mut at = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .unwrap_or(text.len());
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = text.get(at) {
        negative = sign == b'-';
        at += 1;
    }
    let mut radix = 10;
    if text.get(at) == Some(&b'0') {
        let hex_digit_follows = text.get(at + 2).is_some_and(u8::is_ascii_hexdigit);
        if matches!(text.get(at + 1), Some(b'x' | b'X')) && hex_digit_follows {
            radix = 16;
            at += 2;
        } else {
            radix = 8;
        }
    }
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for &b in &text[at..] {
        let Some(digit) = char::from(b).to_digit(radix) else {
            break;
        };
        match magnitude
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(digit)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
    }
    if negative {
        if overflow || magnitude > i64::MIN.unsigned_abs() {
            i64::MIN
        } else {
            0i64.wrapping_sub_unsigned(magnitude)
        }
    } else if overflow || magnitude > i64::MAX.unsigned_abs() {
        i64::MAX
    } else {
        i64::try_from(magnitude).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_kept_and_cut_to_the_buffer() {
        assert_eq!(octets_text(b"Smart-UPS 1500", 128), "Smart-UPS 1500");
        assert_eq!(octets_text(b"tab\there\r\n", 128), "tab\there\r\n");
        let long = vec![b'a'; 200];
        assert_eq!(octets_text(&long, 128).len(), 127);
        assert_eq!(octets_text(&long[..127], 128).len(), 127);
        assert_eq!(octets_text(b"", 128), "");
    }

    #[test]
    fn binary_is_rendered_like_net_snmp() {
        assert_eq!(
            octets_text(&[0x00, 0x20, 0x85, 0xf9, 0x0a, 0x9e], 128),
            "00 20 85 F9 0A 9E "
        );
        // UTF-8 is not "printable" in the C locale.
        assert_eq!(octets_text("é".as_bytes(), 128), "C3 A9 ");
        let seventeen: Vec<u8> = (0..17).collect();
        assert_eq!(
            octets_text(&seventeen, 128),
            "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n10 "
        );
    }

    #[test]
    fn binary_stops_at_the_line_that_does_not_fit() {
        // Two full lines take 98 bytes; a third full line would need 147.
        let text = octets_text(&[0xff; 48], 128);
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        // A short third line still fits (98 + 8 * 3 + 1 < 128).
        assert_eq!(octets_text(&[0xff; 40], 128).lines().count(), 3);
        // 32 bytes: the second line is the last one and fits (49 + 49 < 128).
        let thirty_two = vec![0u8; 32];
        assert_eq!(octets_text(&thirty_two, 128).len(), 97);
    }

    #[test]
    fn strtol_follows_c() {
        assert_eq!(strtol(b"42"), 42);
        assert_eq!(strtol(b"  -17abc"), -17);
        assert_eq!(strtol(b"+8"), 8);
        assert_eq!(strtol(b"0x1F"), 31);
        assert_eq!(strtol(b"0X"), 0);
        assert_eq!(strtol(b"010"), 8);
        assert_eq!(strtol(b"09"), 0);
        assert_eq!(strtol(b"abc"), 0);
        assert_eq!(strtol(b""), 0);
        assert_eq!(strtol(b"12\x0034"), 12);
        assert_eq!(strtol(b"99999999999999999999"), i64::MAX);
        assert_eq!(strtol(b"-99999999999999999999"), i64::MIN);
        assert_eq!(strtol(b"-9223372036854775808"), i64::MIN);
        assert_eq!(strtol(b"9223372036854775807"), i64::MAX);
    }

    #[test]
    fn integers_widen_without_sign_surprises() {
        assert_eq!(Value::Integer(-1).as_integer(), Some(-1));
        assert_eq!(Value::Gauge32(u32::MAX).as_integer(), Some(4_294_967_295));
        assert_eq!(Value::TimeTicks(5).as_integer(), None);
        assert!(Value::NoSuchInstance.is_exception());
        assert!(!Value::Null.is_exception());
    }
}
