//! The SNMPv3 message codec (RFC 3412 §6, RFC 3414 §2.4): the header,
//! the USM security parameters and the scoped PDU, plain or encrypted.
//!
//! Decoding is bounded (lengths checked against the input, integers
//! against their ranges, at most [`MAX_NESTING`]-deep reads) and never
//! panics; varbind lists are kept as their BER bytes and read through
//! `snmp2`'s varbind decoder, as the v1/v2c path reads them.

use crate::ber;
use crate::oid::Oid;
use crate::value::Value;

use super::super::convert::{oid_from_wire, safe_for_snmp2, value_from_wire};

/// The only `msgVersion` of an SNMPv3 message.
pub const VERSION_3: i64 = 3;
/// `msgSecurityModel` of the USM.
pub const USM_MODEL: i64 = 3;
/// Longest engine ID (RFC 3411 `SnmpEngineID`: 5 to 32 octets; an empty
/// one asks for discovery).
pub const MAX_ENGINE_ID: usize = 32;
/// Longest user name (RFC 3414 `SnmpAdminString (SIZE(1..32))`).
pub const MAX_USER_NAME: usize = 32;
/// Longest authentication or privacy parameters accepted (the longest
/// digest, HMAC-SHA-512's, is 48 bytes).
pub const MAX_SECURITY_PARAMS: usize = 64;
/// Longest context name (`SnmpAdminString (SIZE(0..32))`).
pub const MAX_CONTEXT_NAME: usize = 32;
/// How deep a decoder nests (message, header, parameters, scoped PDU, PDU).
pub const MAX_NESTING: usize = 5;
/// `msgFlags` bit: the sender wants a Report on failure.
pub const FLAG_REPORTABLE: u8 = 0x04;

/// PDU tag of a Report (RFC 3416).
pub const REPORT: u8 = 0xa8;

/// Why a message could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Truncated, wrong tag, bad length, trailing bytes inside a SEQUENCE.
    Malformed(&'static str),
    /// A field out of its range (version, model, lengths of names).
    OutOfRange(&'static str),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(what) => write!(f, "malformed SNMPv3 message: {what}"),
            Self::OutOfRange(what) => write!(f, "SNMPv3 field out of range: {what}"),
        }
    }
}

/// A bounded BER reader over one level of TLVs.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next TLV: (tag, content, offset of content within `self.data`
    /// before the read).
    fn any(&mut self, what: &'static str) -> Result<(u8, &'a [u8], usize), DecodeError> {
        let bad = DecodeError::Malformed(what);
        let (&tag, rest) = self.data.split_first().ok_or(bad)?;
        let (&first, mut rest) = rest.split_first().ok_or(bad)?;
        let mut header = 2;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 3 {
                return Err(bad);
            }
            let (bytes, tail) = rest.split_at_checked(count).ok_or(bad)?;
            rest = tail;
            header += count;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let (content, tail) = rest.split_at_checked(len).ok_or(bad)?;
        self.data = tail;
        Ok((tag, content, header))
    }

    fn expect(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], DecodeError> {
        match self.any(what)? {
            (t, content, _) if t == tag => Ok(content),
            _ => Err(DecodeError::Malformed(what)),
        }
    }

    fn integer(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        let content = self.expect(0x02, what)?;
        if content.is_empty() || content.len() > 8 {
            return Err(DecodeError::Malformed(what));
        }
        let negative = content.first().is_some_and(|b| b & 0x80 != 0);
        let start: i64 = if negative { -1 } else { 0 };
        Ok(content
            .iter()
            .fold(start, |acc, &b| (acc << 8) | i64::from(b)))
    }

    /// An INTEGER within `0..=i32::MAX`.
    fn non_negative(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let value = self.integer(what)?;
        if !(0..=i64::from(i32::MAX)).contains(&value) {
            return Err(DecodeError::OutOfRange(what));
        }
        u32::try_from(value).map_err(|_| DecodeError::OutOfRange(what))
    }

    fn octets(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let content = self.expect(0x04, what)?;
        if content.len() > max {
            return Err(DecodeError::OutOfRange(what));
        }
        Ok(content)
    }

    fn end(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Malformed(what))
        }
    }
}

/// A PDU inside a scoped PDU: the RFC 3416 PDU with its varbind list kept
/// as BER bytes. For GETBULK `error_status`/`error_index` hold
/// non-repeaters and max-repetitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// The PDU's BER tag (0xa0 GET … 0xa8 Report).
    pub tag: u8,
    /// `request-id`.
    pub request_id: i32,
    /// `error-status` (or non-repeaters).
    pub error_status: i64,
    /// `error-index` (or max-repetitions).
    pub error_index: i64,
    /// The `VarBindList` content (a run of varbind SEQUENCEs).
    pub varbinds: Vec<u8>,
}

impl Pdu {
    /// A PDU with `varbinds` encoded; `None` when an OID cannot be encoded.
    pub fn new(
        tag: u8,
        request_id: i32,
        fields: [i64; 2],
        varbinds: &[(Oid, Value)],
    ) -> Option<Self> {
        let mut encoded = Vec::new();
        for (oid, value) in varbinds {
            encoded.extend(ber::varbind(oid, value)?);
        }
        Some(Self {
            tag,
            request_id,
            error_status: fields[0],
            error_index: fields[1],
            varbinds: encoded,
        })
    }

    /// The varbinds, each `None` where its name or value cannot be read;
    /// at most `limit` of them.
    pub fn varbinds(&self, limit: usize) -> Vec<Option<(Oid, Value)>> {
        if !safe_for_snmp2(&self.varbinds) {
            return vec![None];
        }
        snmp2::Varbinds::from_bytes(&self.varbinds)
            .take(limit)
            .map(|(oid, value)| {
                oid_from_wire(&oid).map(|o| (o, value_from_wire(&value).unwrap_or(Value::Null)))
            })
            .collect()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let mut body = Vec::with_capacity(self.varbinds.len() + 16);
        ber::tlv(0x02, &ber::signed(i64::from(self.request_id)), &mut body);
        ber::tlv(0x02, &ber::signed(self.error_status), &mut body);
        ber::tlv(0x02, &ber::signed(self.error_index), &mut body);
        ber::tlv(0x30, &self.varbinds, &mut body);
        ber::tlv(self.tag, &body, out);
    }

    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (tag, content, _) = reader.any("PDU")?;
        if !(0xa0..=0xa8).contains(&tag) || tag == 0xa4 {
            return Err(DecodeError::Malformed("PDU type"));
        }
        let mut pdu = Reader::new(content);
        let request_id = pdu.integer("request-id")?;
        let request_id =
            i32::try_from(request_id).map_err(|_| DecodeError::OutOfRange("request-id"))?;
        let error_status = pdu.integer("error-status")?;
        let error_index = pdu.integer("error-index")?;
        let varbinds = pdu.expect(0x30, "varbind list")?.to_vec();
        pdu.end("PDU")?;
        Ok(Self {
            tag,
            request_id,
            error_status,
            error_index,
            varbinds,
        })
    }
}

/// `ScopedPDU`: the context and the PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedPdu {
    /// `contextEngineID`.
    pub context_engine_id: Vec<u8>,
    /// `contextName`.
    pub context_name: Vec<u8>,
    /// The PDU.
    pub pdu: Pdu,
}

impl ScopedPdu {
    /// The BER encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::new();
        ber::tlv(0x04, &self.context_engine_id, &mut body);
        ber::tlv(0x04, &self.context_name, &mut body);
        self.pdu.encode(&mut body);
        let mut out = Vec::with_capacity(body.len() + 4);
        ber::tlv(0x30, &body, &mut out);
        out
    }

    /// Reads a scoped PDU; bytes after it are ignored (DES padding).
    ///
    /// # Errors
    ///
    /// [`DecodeError`] for anything malformed.
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut outer = Reader::new(data);
        let mut scoped = Reader::new(outer.expect(0x30, "scoped PDU")?);
        let context_engine_id = scoped.octets("contextEngineID", MAX_ENGINE_ID)?.to_vec();
        let context_name = scoped.octets("contextName", MAX_CONTEXT_NAME)?.to_vec();
        let pdu = Pdu::decode(&mut scoped)?;
        scoped.end("scoped PDU")?;
        Ok(Self {
            context_engine_id,
            context_name,
            pdu,
        })
    }
}

/// `msgData`: a plain or an encrypted scoped PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopedData {
    /// `plaintext` (noAuthNoPriv, authNoPriv).
    Plain(ScopedPdu),
    /// `encryptedPDU` (authPriv).
    Encrypted(Vec<u8>),
}

/// `UsmSecurityParameters`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsmParams {
    /// `msgAuthoritativeEngineID`.
    pub engine_id: Vec<u8>,
    /// `msgAuthoritativeEngineBoots`.
    pub boots: u32,
    /// `msgAuthoritativeEngineTime`.
    pub time: u32,
    /// `msgUserName`.
    pub user: Vec<u8>,
    /// `msgAuthenticationParameters` (the truncated HMAC, or empty).
    pub auth: Vec<u8>,
    /// `msgPrivacyParameters` (the salt, or empty).
    pub privacy: Vec<u8>,
}

/// An SNMPv3 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `msgID`.
    pub msg_id: u32,
    /// `msgMaxSize`.
    pub max_size: u32,
    /// `msgFlags` (auth 0x01, priv 0x02, reportable 0x04).
    pub flags: u8,
    /// The USM parameters.
    pub usm: UsmParams,
    /// The scoped PDU.
    pub data: ScopedData,
}

/// A decoded message and where its authentication parameters sit in the
/// datagram (to zero them when checking the digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The message.
    pub message: Message,
    /// Byte range of `msgAuthenticationParameters`' content.
    pub auth_range: std::ops::Range<usize>,
}

/// Whether `datagram` looks like an SNMPv3 message (SEQUENCE, INTEGER 3).
pub fn is_v3(datagram: &[u8]) -> bool {
    let mut outer = Reader::new(datagram);
    outer
        .expect(0x30, "message")
        .is_ok_and(|body| Reader::new(body).integer("msgVersion") == Ok(VERSION_3))
}

impl Message {
    /// The BER encoding and the byte range of the authentication
    /// parameters' content within it.
    pub fn encode(&self) -> (Vec<u8>, std::ops::Range<usize>) {
        let mut header = Vec::new();
        ber::tlv(0x02, &ber::signed(i64::from(self.msg_id)), &mut header);
        ber::tlv(0x02, &ber::signed(i64::from(self.max_size)), &mut header);
        ber::tlv(0x04, &[self.flags], &mut header);
        ber::tlv(0x02, &ber::signed(USM_MODEL), &mut header);
        // UsmSecurityParameters up to the auth parameters, then the rest.
        let mut params_head = Vec::new();
        ber::tlv(0x04, &self.usm.engine_id, &mut params_head);
        ber::tlv(
            0x02,
            &ber::signed(i64::from(self.usm.boots)),
            &mut params_head,
        );
        ber::tlv(
            0x02,
            &ber::signed(i64::from(self.usm.time)),
            &mut params_head,
        );
        ber::tlv(0x04, &self.usm.user, &mut params_head);
        let mut auth = Vec::new();
        ber::tlv(0x04, &self.usm.auth, &mut auth);
        let auth_content_at = params_head.len() + (auth.len() - self.usm.auth.len());
        params_head.extend_from_slice(&auth);
        ber::tlv(0x04, &self.usm.privacy, &mut params_head);
        let mut params_seq = Vec::new();
        ber::tlv(0x30, &params_head, &mut params_seq);
        let seq_header = params_seq.len() - params_head.len();
        let mut params = Vec::new();
        ber::tlv(0x04, &params_seq, &mut params);
        let params_header = params.len() - params_seq.len();

        let mut body = Vec::new();
        ber::tlv(0x02, &ber::signed(VERSION_3), &mut body);
        ber::tlv(0x30, &header, &mut body);
        let params_at = body.len();
        body.extend_from_slice(&params);
        match &self.data {
            ScopedData::Plain(scoped) => body.extend(scoped.encode()),
            ScopedData::Encrypted(bytes) => ber::tlv(0x04, bytes, &mut body),
        }
        let mut out = Vec::with_capacity(body.len() + 4);
        ber::tlv(0x30, &body, &mut out);
        let outer_header = out.len() - body.len();
        let start = outer_header + params_at + params_header + seq_header + auth_content_at;
        (out, start..start + self.usm.auth.len())
    }

    /// Reads a message (the scoped PDU stays encrypted when it is).
    ///
    /// # Errors
    ///
    /// [`DecodeError`] for anything malformed or out of range.
    pub fn decode(datagram: &[u8]) -> Result<Decoded, DecodeError> {
        let mut outer = Reader::new(datagram);
        let (tag, body, outer_header) = outer.any("message")?;
        if tag != 0x30 {
            return Err(DecodeError::Malformed("message"));
        }
        outer.end("message")?;
        let mut message = Reader::new(body);
        if message.integer("msgVersion")? != VERSION_3 {
            return Err(DecodeError::OutOfRange("msgVersion"));
        }
        let mut header = Reader::new(message.expect(0x30, "msgGlobalData")?);
        let msg_id = header.non_negative("msgID")?;
        let max_size = header.non_negative("msgMaxSize")?;
        let flags = match header.octets("msgFlags", 1)? {
            [flags] => *flags,
            _ => return Err(DecodeError::OutOfRange("msgFlags")),
        };
        if header.integer("msgSecurityModel")? != USM_MODEL {
            return Err(DecodeError::OutOfRange("msgSecurityModel"));
        }
        header.end("msgGlobalData")?;
        let before_params = body.len() - message.data.len();
        let (tag, params, params_header) = message.any("msgSecurityParameters")?;
        if tag != 0x04 {
            return Err(DecodeError::Malformed("msgSecurityParameters"));
        }
        let mut seq_reader = Reader::new(params);
        let (tag, usm, seq_header) = seq_reader.any("UsmSecurityParameters")?;
        if tag != 0x30 {
            return Err(DecodeError::Malformed("UsmSecurityParameters"));
        }
        seq_reader.end("msgSecurityParameters")?;
        let mut usm_reader = Reader::new(usm);
        let engine_id = usm_reader
            .octets("msgAuthoritativeEngineID", MAX_ENGINE_ID)?
            .to_vec();
        let boots = usm_reader.non_negative("msgAuthoritativeEngineBoots")?;
        let time = usm_reader.non_negative("msgAuthoritativeEngineTime")?;
        let user = usm_reader.octets("msgUserName", MAX_USER_NAME)?.to_vec();
        let before_auth = usm.len() - usm_reader.data.len();
        let (tag, auth, auth_header) = usm_reader.any("msgAuthenticationParameters")?;
        if tag != 0x04 || auth.len() > MAX_SECURITY_PARAMS {
            return Err(DecodeError::OutOfRange("msgAuthenticationParameters"));
        }
        let privacy = usm_reader
            .octets("msgPrivacyParameters", MAX_SECURITY_PARAMS)?
            .to_vec();
        usm_reader.end("UsmSecurityParameters")?;
        let data = if flags & 0x02 != 0 {
            ScopedData::Encrypted(message.octets("encryptedPDU", usize::MAX)?.to_vec())
        } else {
            let rest = message.data;
            let (_, scoped, header) = message.any("scoped PDU")?;
            // Re-read the whole TLV as a scoped PDU.
            let tlv = rest
                .get(..header + scoped.len())
                .ok_or(DecodeError::Malformed("scoped PDU"))?;
            ScopedData::Plain(ScopedPdu::decode(tlv)?)
        };
        message.end("message")?;
        let start =
            outer_header + before_params + params_header + seq_header + before_auth + auth_header;
        Ok(Decoded {
            message: Self {
                msg_id,
                max_size,
                flags,
                usm: UsmParams {
                    engine_id,
                    boots,
                    time,
                    user,
                    auth: auth.to_vec(),
                    privacy,
                },
                data,
            },
            auth_range: start..start + auth.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(data: ScopedData) -> Message {
        Message {
            msg_id: 0x7fff_ffff,
            max_size: 65_507,
            flags: 0x07,
            usm: UsmParams {
                engine_id: b"\x80\x00\x1f\x88\x04engine".to_vec(),
                boots: 3,
                time: 1_234_567,
                user: b"nut".to_vec(),
                auth: vec![0xaa; 12],
                privacy: vec![1, 2, 3, 4, 5, 6, 7, 8],
            },
            data,
        }
    }

    #[test]
    fn messages_round_trip_and_locate_the_digest() {
        let oid: Oid = "1.3.6.1.2.1.1.2.0".parse().unwrap();
        let pdu = Pdu::new(0xa0, -5, [0, 0], &[(oid.clone(), Value::Null)]).unwrap();
        let scoped = ScopedPdu {
            context_engine_id: b"ctx".to_vec(),
            context_name: Vec::new(),
            pdu,
        };
        for data in [
            ScopedData::Plain(scoped.clone()),
            ScopedData::Encrypted(vec![9; 300]),
        ] {
            let mut message = sample(data);
            if matches!(message.data, ScopedData::Plain(_)) {
                message.flags = 0x05;
            }
            let (bytes, range) = message.encode();
            assert_eq!(&bytes[range.clone()], &[0xaa; 12]);
            let decoded = Message::decode(&bytes).unwrap();
            assert_eq!(decoded.message, message);
            assert_eq!(decoded.auth_range, range);
            assert!(is_v3(&bytes));
        }
        assert_eq!(scoped.pdu.varbinds(10), vec![Some((oid, Value::Null))]);
    }

    /// The `snmp_v3_message` fuzz find: a Report whose varbind holds a
    /// zero-length INTEGER (snmp2 0.4 overflows a shift on it).
    #[test]
    fn zero_length_integers_in_varbinds_are_unreadable_not_a_panic() {
        let pdu = Pdu {
            tag: REPORT,
            request_id: 7,
            error_status: 0,
            error_index: 0,
            varbinds: vec![0x30, 0x06, 0x06, 0x02, 0x2b, 0x06, 0x02, 0x00],
        };
        assert_eq!(pdu.varbinds(10), vec![None]);
    }

    #[test]
    fn truncations_and_garbage_are_errors() {
        let (bytes, _) = sample(ScopedData::Encrypted(vec![1; 40])).encode();
        for len in 0..bytes.len() {
            assert!(Message::decode(&bytes[..len]).is_err(), "{len}");
        }
        let mut extra = bytes;
        extra.push(0);
        assert!(Message::decode(&extra).is_err());
        assert!(!is_v3(b"\x30\x03\x02\x01\x01"));
        // A v2c message is not v3.
        assert!(Message::decode(&ber::message(1, b"public", 0xa0, [1, 0, 0], &[])).is_err());
    }

    #[test]
    fn limits_hold_at_the_edge() {
        let mut message = sample(ScopedData::Encrypted(vec![]));
        message.usm.engine_id = vec![1; MAX_ENGINE_ID];
        message.usm.user = vec![b'u'; MAX_USER_NAME];
        message.usm.auth = vec![0; MAX_SECURITY_PARAMS];
        assert!(Message::decode(&message.encode().0).is_ok());
        for grow in 0..3 {
            let mut over = message.clone();
            match grow {
                0 => over.usm.engine_id.push(1),
                1 => over.usm.user.push(b'u'),
                _ => over.usm.auth.push(0),
            }
            assert!(matches!(
                Message::decode(&over.encode().0),
                Err(DecodeError::OutOfRange(_))
            ));
        }
    }
}
