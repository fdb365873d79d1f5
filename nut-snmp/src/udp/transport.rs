//! A blocking SNMP v1/v2c/v3 client, with what snmp2 leaves to its user:
//! tries and time-outs per request (`snmp_retries`, `snmp_timeout`), late
//! or mismatched answers (request-id checks), error statuses, and bounded
//! GETNEXT/GETBULK walks that stop on loops. SNMPv3 adds engine discovery,
//! time synchronisation and USM reports ([`super::v3::Session`]).

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::str::FromStr;
use std::time::{Duration, Instant};

use super::convert::{oid_from_wire, safe_for_snmp2, value_from_wire};
use super::sim::MAX_DATAGRAM;
use super::v3::{self, Incoming, V3Config};
use crate::ber;
use crate::engine::{Agent, SetRequest, SetValue};
use crate::error::{Error, UsmFailure, shown};
use crate::oid::Oid;
use crate::value::Value;

/// PDU tags (RFC 3416).
const GET: u8 = 0xa0;
const GET_NEXT: u8 = 0xa1;
const SET: u8 = 0xa3;
const GET_BULK: u8 = 0xa5;

/// The default SNMP port.
pub const DEFAULT_PORT: u16 = 161;
/// Most varbinds one walk returns.
pub const MAX_WALK_VARBINDS: usize = 100_000;
/// Most times one SNMPv3 request is rebuilt after a report taught the
/// engine ID or time (discovery, resync, a replaced card).
const MAX_V3_RESENDS: u32 = 4;

/// SNMP version (`snmp_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SnmpVersion {
    /// SNMPv1 (snmp-ups's default).
    #[default]
    V1,
    /// SNMPv2c.
    V2c,
    /// SNMPv3 (USM; the user is [`TransportConfig::v3`]).
    V3,
}

impl FromStr for SnmpVersion {
    type Err = Error;

    /// `v1`, `v2c` or `v3`, as `snmp_version` takes them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v1" => Ok(Self::V1),
            "v2c" => Ok(Self::V2c),
            "v3" => Ok(Self::V3),
            other => Err(Error::Option {
                option: "snmp_version",
                reason: format!("Bad SNMP version: {}", shown(other)),
            }),
        }
    }
}

/// Transport options, named as snmp-ups names them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportConfig {
    /// `snmp_version`.
    pub version: SnmpVersion,
    /// `community` (v1/v2c).
    pub community: String,
    /// `snmp_timeout`: how long one try waits for its answer.
    pub timeout: Duration,
    /// `snmp_retries`: tries after the first.
    pub retries: u32,
    /// GETBULK `max-repetitions` for v2c and v3 walks.
    pub max_repetitions: u32,
    /// The SNMPv3 user (`secName`, `secLevel`, protocols, passwords);
    /// required with [`SnmpVersion::V3`].
    pub v3: Option<V3Config>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            version: SnmpVersion::V1,
            community: "public".to_owned(),
            timeout: Duration::from_secs(1),
            retries: 5,
            max_repetitions: 10,
            v3: None,
        }
    }
}

/// What one answer said about one varbind.
enum Answer {
    /// An error status (v1 `noSuchName` and friends).
    Status(u32),
    /// The varbinds.
    Varbinds(Vec<(Oid, Value)>),
}

/// A blocking SNMP agent client; it is an [`Agent`], so the engine runs
/// over it as over a recording.
///
/// Each request gets a fresh request id; a try waits up to `timeout` for
/// an answer carrying that id, discarding anything else that arrives
/// (late answers to earlier requests, duplicates, other communities,
/// garbage); the next try sends the same message again, as net-snmp does.
#[derive(Debug)]
pub struct Client {
    socket: UdpSocket,
    peer: String,
    config: TransportConfig,
    next_id: i32,
    buffer: Vec<u8>,
    last_error: Option<Error>,
    v3: Option<v3::Session>,
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` → (host, port).
fn split_peer(peer: &str) -> Result<(String, u16), Error> {
    let bad = |reason: &str| Error::Option {
        option: "port",
        reason: format!("{reason}: {}", shown(peer)),
    };
    if let Some(rest) = peer.strip_prefix('[') {
        let (host, tail) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad("bad port"))?,
            None if tail.is_empty() => DEFAULT_PORT,
            None => return Err(bad("junk after ']'")),
        };
        return Ok((host.to_owned(), port));
    }
    match peer.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            Ok((host.to_owned(), port.parse().map_err(|_| bad("bad port"))?))
        }
        _ if peer.is_empty() => Err(bad("empty")),
        _ => Ok((peer.to_owned(), DEFAULT_PORT)),
    }
}

impl Client {
    /// Opens a session to `peer` (`host[:port]`, port 161 by default).
    ///
    /// # Errors
    ///
    /// [`Error::Option`] for a bad peer or SNMPv3 user (no `secName`, a
    /// password too short), [`Error::Transport`] when no socket can be
    /// opened or the name does not resolve.
    pub fn connect(peer: &str, config: &TransportConfig) -> Result<Self, Error> {
        let (host, port) = split_peer(peer)?;
        let seed = random_seed();
        let v3 = match (config.version, &config.v3) {
            (SnmpVersion::V3, Some(user)) => Some(v3::Session::new(user, seed)?),
            (SnmpVersion::V3, None) => {
                return Err(Error::Option {
                    option: "secName",
                    reason: "securityName is required for SNMPv3".to_owned(),
                });
            }
            _ => None,
        };
        let transport = |reason: String| Error::Transport {
            peer: peer.to_owned(),
            reason,
        };
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| transport(e.to_string()))?
            .next()
            .ok_or_else(|| transport("no address".to_owned()))?;
        let local: SocketAddr = if addr.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).map_err(|e| transport(e.to_string()))?;
        socket.connect(addr).map_err(|e| transport(e.to_string()))?;
        Ok(Self {
            socket,
            peer: peer.to_owned(),
            config: config.clone(),
            next_id: i32::try_from(std::process::id() & 0x3fff_ffff).unwrap_or(1),
            buffer: vec![0; MAX_DATAGRAM],
            last_error: None,
            v3,
        })
    }

    /// The SNMPv3 engine discovered so far: its ID, boots and (estimated)
    /// time; `None` before discovery and for v1/v2c.
    pub fn v3_engine(&self) -> Option<(Vec<u8>, u32, u32)> {
        let (id, boots, time) = self.v3.as_ref()?.engine(Instant::now())?;
        Some((id.to_vec(), boots, time))
    }

    /// The agent this client talks to.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// The last failure seen through the [`Agent`] interface (which can
    /// only say "no value"), for the driver's log line.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// Sends one request and waits for its answer, with snmp-ups's tries
    /// (see [`Client`]).
    fn request(
        &mut self,
        what: &'static str,
        tag: u8,
        fields: [i64; 2],
        oids: &[&Oid],
    ) -> Result<Answer, Error> {
        let mut varbinds = Vec::new();
        for oid in oids {
            varbinds.extend(
                ber::varbind(oid, &Value::Null).ok_or_else(|| Error::Transport {
                    peer: self.peer.clone(),
                    reason: format!("{what} {oid}: OID cannot be encoded"),
                })?,
            );
        }
        self.exchange(what, oids.first().copied(), tag, fields, &varbinds)
    }

    fn exchange(
        &mut self,
        what: &'static str,
        oid: Option<&Oid>,
        tag: u8,
        fields: [i64; 2],
        varbinds: &[u8],
    ) -> Result<Answer, Error> {
        let id = self.next_id;
        self.next_id = if id >= i32::MAX - 1 { 1 } else { id + 1 };
        if self.v3.is_some() {
            return self.exchange_v3(what, oid, id, tag, fields, varbinds);
        }
        let version = match self.config.version {
            SnmpVersion::V1 => 0,
            SnmpVersion::V2c | SnmpVersion::V3 => 1,
        };
        let community = self.config.community.as_bytes();
        let message = ber::message(
            version,
            community,
            tag,
            [i64::from(id), fields[0], fields[1]],
            varbinds,
        );
        let tries = self.config.retries.saturating_add(1);
        let timeout = self.config.timeout.max(Duration::from_millis(1));
        let mut last = "no answer".to_owned();
        for _ in 0..tries {
            if let Err(e) = self.socket.send(&message) {
                last = e.to_string();
                continue;
            }
            let deadline = Instant::now() + timeout;
            while let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
            {
                if self.socket.set_read_timeout(Some(left)).is_err() {
                    break;
                }
                let len = match self.socket.recv(&mut self.buffer) {
                    Ok(len) => len,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        break;
                    }
                    Err(e) => {
                        last = e.to_string();
                        break;
                    }
                };
                let datagram = self.buffer.get(..len).unwrap_or_default();
                let decoded = if safe_for_snmp2(datagram) {
                    snmp2::Pdu::from_bytes(datagram).ok()
                } else {
                    None
                };
                let Some(pdu) = decoded else {
                    last = "unreadable answer".to_owned();
                    continue;
                };
                if pdu.message_type != snmp2::MessageType::Response
                    || pdu.req_id != id
                    || pdu.community != community
                {
                    last = format!("discarded answer to request id {}", pdu.req_id);
                    continue;
                }
                return Ok(answer_of(&pdu));
            }
        }
        let request = match oid {
            Some(oid) => format!("{what} {oid}"),
            None => what.to_owned(),
        };
        Err(Error::Timeout {
            peer: self.peer.clone(),
            request,
            tries,
            reason: last,
        })
    }

    /// One SNMPv3 request: discovery and time synchronisation as reports
    /// call for them, then the tries of [`Client`] with request-id checks.
    fn exchange_v3(
        &mut self,
        what: &'static str,
        oid: Option<&Oid>,
        id: i32,
        tag: u8,
        fields: [i64; 2],
        varbinds: &[u8],
    ) -> Result<Answer, Error> {
        let pdu = v3::Pdu {
            tag,
            request_id: id,
            error_status: fields[0],
            error_index: fields[1],
            varbinds: varbinds.to_vec(),
        };
        let Some(session) = self.v3.as_mut() else {
            return Err(Error::Option {
                option: "snmp_version",
                reason: "no SNMPv3 session".to_owned(),
            });
        };
        let refused = |failure: UsmFailure, session: &v3::Session| Error::Usm {
            peer: self.peer.clone(),
            user: shown(&session.config().user),
            failure,
        };
        let tries = self.config.retries.saturating_add(1);
        let timeout = self.config.timeout.max(Duration::from_millis(1));
        let mut outgoing = session.request(&pdu, Instant::now());
        let mut last = "no answer";
        let (mut tried, mut resends) = (0, 0);
        while tried < tries {
            tried += 1;
            if self.socket.send(&outgoing.bytes).is_err() {
                last = "cannot send";
                continue;
            }
            let deadline = Instant::now() + timeout;
            while let Some(left) = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
            {
                if self.socket.set_read_timeout(Some(left)).is_err() {
                    break;
                }
                let len = match self.socket.recv(&mut self.buffer) {
                    Ok(len) => len,
                    Err(e) => {
                        if e.kind() == std::io::ErrorKind::ConnectionRefused {
                            last = "connection refused (no agent on that port)";
                        }
                        break;
                    }
                };
                let datagram = self.buffer.get(..len).unwrap_or_default();
                match session.receive(datagram, &outgoing, Instant::now()) {
                    Incoming::Response(answer) if answer.request_id == id => {
                        return Ok(answer_of_v3(&answer));
                    }
                    Incoming::Response(_) => last = "discarded answer to another request id",
                    Incoming::Ignored(reason) => last = reason,
                    Incoming::Refused(failure) => return Err(refused(failure, session)),
                    Incoming::Resend => {
                        resends += 1;
                        if resends > MAX_V3_RESENDS {
                            return Err(refused(UsmFailure::NotInTimeWindow, session));
                        }
                        outgoing = session.request(&pdu, Instant::now());
                        // A new message: its tries start again.
                        tried = 0;
                        break;
                    }
                }
            }
        }
        let request = match oid {
            Some(oid) => format!("{what} {oid}"),
            None => what.to_owned(),
        };
        let mut reason = last.to_owned();
        let level = session.config().level;
        if last == "no answer"
            && level == v3::SecurityLevel::AuthPriv
            && session.engine(Instant::now()).is_some()
        {
            reason.push_str(
                " (agents drop SNMPv3 requests they cannot decrypt: check privPassword and privProtocol)",
            );
        }
        Err(Error::Timeout {
            peer: self.peer.clone(),
            request,
            tries,
            reason,
        })
    }

    /// GET: the value, `Ok(None)` when the agent has none (an error
    /// status such as v1 `noSuchName`, or a v2c exception).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when no usable answer came in all tries.
    pub fn get_value(&mut self, oid: &Oid) -> Result<Option<Value>, Error> {
        let answer = self.request("GET", GET, [0, 0], &[oid])?;
        Ok(first(answer).map(|(_, v)| v).filter(|v| !v.is_exception()))
    }

    /// GETNEXT: the next OID and its value, `Ok(None)` at the end of the
    /// MIB view or on an error status.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when no usable answer came in all tries.
    pub fn get_next_value(&mut self, oid: &Oid) -> Result<Option<(Oid, Value)>, Error> {
        let answer = self.request("GETNEXT", GET_NEXT, [0, 0], &[oid])?;
        Ok(first(answer).filter(|(_, v)| !v.is_exception()))
    }

    /// Every OID under `root` with its value, in order: GETBULK on v2c,
    /// GETNEXT on v1. Stops at the end of the subtree or the MIB view;
    /// bounded by `limit` (and [`MAX_WALK_VARBINDS`]).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] as for a single request, and [`Error::WalkLoop`]
    /// when the agent answers an OID that does not follow the last one
    /// (a GETNEXT loop).
    pub fn walk(&mut self, root: &Oid, limit: usize) -> Result<Vec<(Oid, Value)>, Error> {
        let limit = limit.min(MAX_WALK_VARBINDS);
        let mut out: Vec<(Oid, Value)> = Vec::new();
        let mut current = root.clone();
        while out.len() < limit {
            let batch = match self.config.version {
                SnmpVersion::V2c | SnmpVersion::V3 => {
                    let reps = self.config.max_repetitions.max(1);
                    let answer =
                        self.request("GETBULK", GET_BULK, [0, i64::from(reps)], &[&current])?;
                    match answer {
                        Answer::Varbinds(v) => v,
                        Answer::Status(_) => Vec::new(),
                    }
                }
                SnmpVersion::V1 => self.get_next_value(&current)?.into_iter().collect(),
            };
            if batch.is_empty() {
                break;
            }
            for (oid, value) in batch {
                if value == Value::EndOfMibView || !oid.starts_with(root) {
                    return Ok(out);
                }
                if oid <= current {
                    return Err(Error::WalkLoop {
                        peer: self.peer.clone(),
                        after: current.to_string(),
                        got: oid.to_string(),
                    });
                }
                current = oid.clone();
                out.push((oid, value));
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Sends a planned SET (see [`crate::Engine::instant_command`]).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`], or [`Error::SetFailed`] naming the error status
    /// the agent answered, or a value that cannot be encoded.
    pub fn set(&mut self, request: &SetRequest) -> Result<(), Error> {
        let peer = self.peer.clone();
        let failed = |status: String| Error::SetFailed {
            peer: peer.clone(),
            oid: request.oid.to_string(),
            status,
        };
        let value = match &request.value {
            SetValue::Integer(i) => i32::try_from(*i)
                .map(Value::Integer)
                .map_err(|_| failed("value out of range".into()))?,
            SetValue::String(s) => Value::OctetString(s.as_bytes().to_vec()),
            SetValue::TimeTicks(t) => u32::try_from(*t)
                .map(Value::TimeTicks)
                .map_err(|_| failed("value out of range".into()))?,
        };
        let varbind = ber::varbind(&request.oid, &value)
            .ok_or_else(|| failed("OID cannot be encoded".into()))?;
        let answer = self.exchange("SET", Some(&request.oid), SET, [0, 0], &varbind)?;
        match answer {
            Answer::Status(0) | Answer::Varbinds(_) => Ok(()),
            Answer::Status(status) => Err(failed(format!("error status {status}"))),
        }
    }
}

/// The error status, or the varbinds converted (unconvertible ones
/// dropped).
fn answer_of(pdu: &snmp2::Pdu<'_>) -> Answer {
    if pdu.error_status != 0 {
        return Answer::Status(pdu.error_status);
    }
    Answer::Varbinds(
        pdu.varbinds
            .clone()
            .filter_map(|(oid, value)| Some((oid_from_wire(&oid)?, value_from_wire(&value)?)))
            .collect(),
    )
}

/// The same for an SNMPv3 answer.
fn answer_of_v3(pdu: &v3::Pdu) -> Answer {
    match u32::try_from(pdu.error_status) {
        Ok(0) => Answer::Varbinds(
            pdu.varbinds(MAX_WALK_VARBINDS)
                .into_iter()
                .flatten()
                .collect(),
        ),
        Ok(status) => Answer::Status(status),
        Err(_) => Answer::Status(u32::MAX),
    }
}

/// A seed for message ids and privacy salts: random, else from the
/// process id and the clock (salts must not repeat, not be secret).
pub(super) fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_ok() {
        return u64::from_be_bytes(bytes);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    #[allow(clippy::cast_possible_truncation)]
    let low = nanos as u64;
    low ^ u64::from(std::process::id()).rotate_left(32)
}

fn first(answer: Answer) -> Option<(Oid, Value)> {
    match answer {
        Answer::Varbinds(v) => v.into_iter().next(),
        Answer::Status(_) => None,
    }
}

impl Agent for Client {
    fn get(&mut self, oid: &Oid) -> Option<Value> {
        match self.get_value(oid) {
            Ok(value) => value,
            Err(e) => {
                self.last_error = Some(e);
                None
            }
        }
    }

    fn get_next(&mut self, oid: &Oid) -> Option<(Oid, Value)> {
        match self.get_next_value(oid) {
            Ok(next) => next,
            Err(e) => {
                self.last_error = Some(e);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_split_like_net_snmp_peernames() {
        assert_eq!(split_peer("ups.local").unwrap(), ("ups.local".into(), 161));
        assert_eq!(
            split_peer("10.0.0.5:1161").unwrap(),
            ("10.0.0.5".into(), 1161)
        );
        assert_eq!(split_peer("[::1]:162").unwrap(), ("::1".into(), 162));
        assert_eq!(split_peer("[::1]").unwrap(), ("::1".into(), 161));
        assert_eq!(split_peer("::1").unwrap(), ("::1".into(), 161));
        assert!(split_peer("host:port").is_err());
        assert!(split_peer("host:70000").is_err());
        assert!(split_peer("").is_err());
        assert!(split_peer("[::1").is_err());
    }

    #[test]
    fn versions_parse_like_snmp_version() {
        assert_eq!("v1".parse::<SnmpVersion>().unwrap(), SnmpVersion::V1);
        assert_eq!("v2c".parse::<SnmpVersion>().unwrap(), SnmpVersion::V2c);
        assert_eq!("v3".parse::<SnmpVersion>().unwrap(), SnmpVersion::V3);
        let err = "v4".parse::<SnmpVersion>().unwrap_err();
        assert!(err.to_string().contains("Bad SNMP version: v4"), "{err}");
    }
}
