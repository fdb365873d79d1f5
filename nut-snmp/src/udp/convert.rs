//! Conversions between snmp2's borrowed wire types and ours.

use crate::oid::{MAX_OID_ARCS, Oid};
use crate::value::Value;

/// Most nesting [`safe_for_snmp2`] follows (message, PDU, varbind list,
/// varbind, and a little room).
const MAX_SCAN_DEPTH: usize = 8;

/// BER tags snmp2 decodes as integers (INTEGER, Counter32, Gauge32,
/// TimeTicks, Counter64).
const INTEGER_TAGS: [u8; 5] = [0x02, 0x41, 0x42, 0x43, 0x46];

/// Whether BER bytes may be handed to snmp2's decoder: every TLV well
/// formed, and no zero-length integer, on which snmp2 0.4's `decode_i64`
/// shifts by 64 bits (a panic where overflow checks are on, as in test
/// and fuzz builds). Found by the `snmp_v3_message` fuzz target.
///
/// snmp2 also reads a varbind's value after failing to read its name: a
/// SEQUENCE not opening with an OID has its value read one byte in (the
/// name's tag consumed), so a zero-length integer there counts too.
pub(crate) fn safe_for_snmp2(data: &[u8]) -> bool {
    scan(data, 0)
}

/// Whether snmp2, reading `content` as a varbind whose name is not an
/// OID, would next decode a zero-length integer.
fn misread_zero_integer(content: &[u8]) -> bool {
    if content.first() == Some(&0x06) {
        return false;
    }
    let Some((&tag, rest)) = content.get(1..).and_then(<[u8]>::split_first) else {
        return false;
    };
    if !INTEGER_TAGS.contains(&tag) {
        return false;
    }
    // snmp2's length: short form, or up to 8 length bytes.
    match rest.split_first() {
        Some((&first, _)) if first < 0x80 => first == 0,
        Some((&first, tail)) => {
            let count = usize::from(first & 0x7f);
            (1..=8).contains(&count) && tail.get(..count).is_some_and(|b| b.iter().all(|&x| x == 0))
        }
        None => false,
    }
}

fn scan(mut data: &[u8], depth: usize) -> bool {
    if depth > MAX_SCAN_DEPTH {
        return false;
    }
    while let Some((&tag, rest)) = data.split_first() {
        let Some((&first, mut rest)) = rest.split_first() else {
            return false;
        };
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 3 {
                return false;
            }
            let Some((bytes, tail)) = rest.split_at_checked(count) else {
                return false;
            };
            rest = tail;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let Some((content, tail)) = rest.split_at_checked(len) else {
            return false;
        };
        if INTEGER_TAGS.contains(&tag) && content.is_empty() {
            return false;
        }
        if tag == 0x30 && misread_zero_integer(content) {
            return false;
        }
        if tag & 0x20 != 0 && !scan(content, depth + 1) {
            return false;
        }
        data = tail;
    }
    true
}

/// snmp2's OID (asn1-rs) as ours, decoded from its BER content (X.690
/// §8.19: base-128 sub-identifiers, the first one holding two arcs);
/// `None` for a truncated encoding or beyond our limits.
pub(crate) fn oid_from_wire(oid: &snmp2::Oid<'_>) -> Option<Oid> {
    let mut arcs: Vec<u32> = Vec::new();
    let mut value: u64 = 0;
    let mut pending = false;
    for &byte in oid.as_bytes() {
        value = value
            .checked_mul(128)?
            .checked_add(u64::from(byte & 0x7f))?;
        pending = byte & 0x80 != 0;
        if pending {
            continue;
        }
        if arcs.is_empty() {
            let (first, second) = match value {
                0..=39 => (0, value),
                40..=79 => (1, value - 40),
                _ => (2, value - 80),
            };
            arcs.push(first);
            arcs.push(u32::try_from(second).ok()?);
        } else {
            arcs.push(u32::try_from(value).ok()?);
        }
        if arcs.len() > MAX_OID_ARCS {
            return None;
        }
        value = 0;
    }
    if pending {
        return None;
    }
    Oid::from_arcs(&arcs)
}

/// A varbind value from the wire; `None` for types that cannot appear in
/// a varbind (PDUs, SEQUENCE, BOOLEAN…) or an INTEGER beyond Integer32.
pub(crate) fn value_from_wire(value: &snmp2::Value<'_>) -> Option<Value> {
    use snmp2::Value as W;
    Some(match value {
        W::Integer(i) => Value::Integer(i32::try_from(*i).ok()?),
        W::OctetString(b) => Value::OctetString(b.to_vec()),
        W::Null => Value::Null,
        W::ObjectIdentifier(o) => Value::ObjectId(oid_from_wire(o)?),
        W::IpAddress(ip) => Value::IpAddress(*ip),
        W::Counter32(c) => Value::Counter32(*c),
        W::Unsigned32(g) => Value::Gauge32(*g),
        W::Timeticks(t) => Value::TimeTicks(*t),
        W::Opaque(b) => Value::Opaque(b.to_vec()),
        W::Counter64(c) => Value::Counter64(*c),
        W::NoSuchObject => Value::NoSuchObject,
        W::NoSuchInstance => Value::NoSuchInstance,
        W::EndOfMibView => Value::EndOfMibView,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ber;

    /// Our BER encoding read back by snmp2's decoder.
    fn round_trip(oid: &Oid, value: &Value) -> Option<(Oid, Value)> {
        let encoded = ber::varbind(oid, value)?;
        let (wire_oid, wire_value) = snmp2::Varbinds::from_bytes(&encoded).next()?;
        Some((oid_from_wire(&wire_oid)?, value_from_wire(&wire_value)?))
    }

    #[test]
    fn zero_length_integers_never_reach_snmp2() {
        let good = ber::message(1, b"public", 0xa2, [7, 0, 0], &[]);
        assert!(safe_for_snmp2(&good));
        // The same with a zero-length request-id: 0x02 0x00.
        let mut bad = vec![0x30, 0x0f, 0x02, 0x01, 0x01, 0x04, 0x01, b'p'];
        bad.extend([0xa2, 0x07, 0x02, 0x00, 0x02, 0x01, 0x00, 0x30, 0x00]);
        assert!(!safe_for_snmp2(&bad));
        for tag in INTEGER_TAGS {
            let varbind = [0x30, 0x06, 0x06, 0x02, 0x2b, 0x06, tag, 0x00];
            assert!(!safe_for_snmp2(&varbind), "{tag:#x}");
            let varbind = [0x30, 0x07, 0x06, 0x02, 0x2b, 0x06, tag, 0x01, 0x05];
            assert!(safe_for_snmp2(&varbind), "{tag:#x}");
        }
        // A varbind whose name is not an OID: snmp2 reads its value one
        // byte in (the second fuzz find).
        let misreads: [&[u8]; 2] = [
            &[0x30, 0x05, 0x01, 0x02, 0x00, 0x00, 0x09],
            // The same with a long-form zero length.
            &[0x30, 0x06, 0x01, 0x02, 0x81, 0x00, 0x05, 0x00],
        ];
        for misread in misreads {
            assert!(!safe_for_snmp2(misread), "{misread:x?}");
        }
        assert!(safe_for_snmp2(&[0x30, 0x05, 0x01, 0x03, 0x02, 0x01, 0x05]));
        // Truncated and too deep inputs are refused too.
        assert!(!safe_for_snmp2(&good[..good.len() - 1]));
        let mut deep = Vec::new();
        for _ in 0..=MAX_SCAN_DEPTH + 1 {
            let mut outer = Vec::new();
            ber::tlv(0x30, &deep, &mut outer);
            deep = outer;
        }
        assert!(!safe_for_snmp2(&deep));
        assert!(safe_for_snmp2(b""));
    }

    #[test]
    fn our_encoding_reads_back_through_snmp2() {
        let oid: Oid = ".1.3.6.1.4.1.534.1.7.4294967295".parse().unwrap();
        let zero: Oid = "0.0".parse().unwrap();
        assert_eq!(
            round_trip(&zero, &Value::ObjectId(zero.clone())),
            Some((zero.clone(), Value::ObjectId(zero)))
        );
        let values = [
            Value::Integer(-5),
            Value::Integer(i32::MIN),
            Value::OctetString(vec![0; 300]),
            Value::Null,
            Value::ObjectId("1.3.6.1.2.1.33".parse().unwrap()),
            Value::IpAddress([1, 2, 3, 4]),
            Value::Counter32(u32::MAX),
            Value::Gauge32(8),
            Value::TimeTicks(9),
            Value::Opaque(vec![1]),
            Value::Counter64(u64::MAX >> 1),
            Value::NoSuchObject,
            Value::NoSuchInstance,
            Value::EndOfMibView,
        ];
        for value in values {
            assert_eq!(
                round_trip(&oid, &value),
                Some((oid.clone(), value.clone())),
                "{value}"
            );
        }
        // snmp2 rejects the 9-byte encoding of a Counter64 at or above 2^63:
        // such a varbind reads as missing (the engine never maps Counter64).
        assert_eq!(round_trip(&oid, &Value::Counter64(u64::MAX)), None);
        assert!(ber::varbind(&"1.40".parse().unwrap(), &Value::Null).is_none());
        assert_eq!(value_from_wire(&snmp2::Value::Integer(1 << 40)), None);
    }
}
