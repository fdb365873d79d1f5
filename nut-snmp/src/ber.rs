//! A small BER encoder for the SNMP v1/v2c messages the simulator sends
//! (snmp2 decodes messages but keeps its encoder private).
//!
//! RFC 3416 message: `SEQUENCE { version INTEGER, community OCTET STRING,
//! PDU }`, the PDU being `[tag] { request-id, error-status, error-index,
//! SEQUENCE OF SEQUENCE { name OID, value } }`.

use crate::oid::Oid;
use crate::value::Value;

/// BER tag of a GetResponse / Response PDU.
pub(crate) const RESPONSE: u8 = 0xa2;

fn length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap_or(0));
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Appends one tag-length-value.
pub(crate) fn tlv(tag: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    length(content.len(), out);
    out.extend_from_slice(content);
}

/// Minimal two's complement content of a signed integer.
pub(crate) fn signed(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes[start..].to_vec()
}

/// Content of an unsigned integer (a leading zero when the top bit is set).
fn unsigned(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut out = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[skip..]);
    out
}

/// Content of an OBJECT IDENTIFIER; `None` when the first two arcs cannot
/// be encoded (fewer than two arcs, first above 2, second above 39 under
/// 0 or 1).
pub(crate) fn oid_content(oid: &Oid) -> Option<Vec<u8>> {
    let arcs = oid.arcs();
    let (&first, &second) = (arcs.first()?, arcs.get(1)?);
    if first > 2 || (first < 2 && second > 39) {
        return None;
    }
    let mut out = Vec::with_capacity(arcs.len() + 4);
    let head = u64::from(first) * 40 + u64::from(second);
    base128(head, &mut out);
    for &arc in &arcs[2..] {
        base128(u64::from(arc), &mut out);
    }
    Some(out)
}

fn base128(mut value: u64, out: &mut Vec<u8>) {
    let mut groups = [0u8; 10];
    let mut n = 0;
    loop {
        groups[n] = u8::try_from(value & 0x7f).unwrap_or(0);
        n += 1;
        value >>= 7;
        if value == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(groups[i] | if i == 0 { 0 } else { 0x80 });
    }
}

/// Appends one encoded value.
pub(crate) fn value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Integer(i) => tlv(0x02, &signed(i64::from(*i)), out),
        Value::OctetString(b) => tlv(0x04, b, out),
        Value::Null => tlv(0x05, &[], out),
        Value::ObjectId(o) => tlv(0x06, &oid_content(o).unwrap_or_else(|| vec![0]), out),
        Value::IpAddress(ip) => tlv(0x40, ip, out),
        Value::Counter32(c) => tlv(0x41, &unsigned(u64::from(*c)), out),
        Value::Gauge32(g) => tlv(0x42, &unsigned(u64::from(*g)), out),
        Value::TimeTicks(t) => tlv(0x43, &unsigned(u64::from(*t)), out),
        Value::Opaque(b) => tlv(0x44, b, out),
        Value::Counter64(c) => tlv(0x46, &unsigned(*c), out),
        Value::NoSuchObject => tlv(0x80, &[], out),
        Value::NoSuchInstance => tlv(0x81, &[], out),
        Value::EndOfMibView => tlv(0x82, &[], out),
    }
}

/// One varbind `SEQUENCE { name, value }`; `None` for a name that cannot
/// be encoded.
pub(crate) fn varbind(name: &Oid, v: &Value) -> Option<Vec<u8>> {
    let mut inner = Vec::new();
    tlv(0x06, &oid_content(name)?, &mut inner);
    value(v, &mut inner);
    let mut out = Vec::with_capacity(inner.len() + 4);
    tlv(0x30, &inner, &mut out);
    Some(out)
}

/// A whole message with an already encoded varbind list.
pub(crate) fn message(
    version: i64,
    community: &[u8],
    pdu_tag: u8,
    fields: [i64; 3],
    varbinds: &[u8],
) -> Vec<u8> {
    let mut pdu = Vec::new();
    for field in fields {
        tlv(0x02, &signed(field), &mut pdu);
    }
    tlv(0x30, varbinds, &mut pdu);
    let mut body = Vec::new();
    tlv(0x02, &signed(version), &mut body);
    tlv(0x04, community, &mut body);
    tlv(pdu_tag, &pdu, &mut body);
    let mut out = Vec::with_capacity(body.len() + 4);
    tlv(0x30, &body, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal() {
        assert_eq!(signed(0), [0]);
        assert_eq!(signed(127), [0x7f]);
        assert_eq!(signed(128), [0x00, 0x80]);
        assert_eq!(signed(-1), [0xff]);
        assert_eq!(signed(-129), [0xff, 0x7f]);
        assert_eq!(unsigned(u64::from(u32::MAX)), [0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(unsigned(0), [0]);
    }

    #[test]
    fn oids_and_lengths() {
        let oid: Oid = "1.3.6.1.4.1.318".parse().unwrap();
        assert_eq!(oid_content(&oid).unwrap(), [0x2b, 6, 1, 4, 1, 0x82, 0x3e]);
        assert!(oid_content(&"1.40".parse().unwrap()).is_none());
        assert!(oid_content(&"3.1".parse().unwrap()).is_none());
        let mut out = Vec::new();
        tlv(0x04, &[0; 200], &mut out);
        assert_eq!(&out[..3], &[0x04, 0x81, 200]);
    }
}
