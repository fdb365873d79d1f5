//! Conversions between snmp2's borrowed wire types and ours.

use crate::oid::{MAX_OID_ARCS, Oid};
use crate::value::Value;

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
