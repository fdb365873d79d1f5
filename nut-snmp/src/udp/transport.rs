//! A blocking SNMP v1/v2c client over snmp2's session, with what snmp2
//! leaves to its user: tries and time-outs per request (`snmp_retries`,
//! `snmp_timeout`), late or mismatched answers (request-id checks), error
//! statuses, and bounded GETNEXT/GETBULK walks that stop on loops.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::str::FromStr;
use std::time::{Duration, Instant};

use super::convert::{oid_from_wire, value_from_wire};
use super::sim::MAX_DATAGRAM;
use crate::ber;
use crate::engine::{Agent, SetRequest, SetValue};
use crate::error::{Error, shown};
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

/// SNMP version (`snmp_version`); v3 is not implemented here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SnmpVersion {
    /// SNMPv1 (snmp-ups's default).
    #[default]
    V1,
    /// SNMPv2c.
    V2c,
}

impl FromStr for SnmpVersion {
    type Err = Error;

    /// `v1` or `v2c`, as `snmp_version` takes them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v1" => Ok(Self::V1),
            "v2c" => Ok(Self::V2c),
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
    /// GETBULK `max-repetitions` for v2c walks.
    pub max_repetitions: u32,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            version: SnmpVersion::V1,
            community: "public".to_owned(),
            timeout: Duration::from_secs(1),
            retries: 5,
            max_repetitions: 10,
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
    /// [`Error::Option`] for a bad peer, [`Error::Transport`] when no
    /// socket can be opened or the name does not resolve.
    pub fn connect(peer: &str, config: &TransportConfig) -> Result<Self, Error> {
        let (host, port) = split_peer(peer)?;
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
        })
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
        let version = match self.config.version {
            SnmpVersion::V1 => 0,
            SnmpVersion::V2c => 1,
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
                let Ok(pdu) = snmp2::Pdu::from_bytes(self.buffer.get(..len).unwrap_or_default())
                else {
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
                SnmpVersion::V2c => {
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
        let err = "v4".parse::<SnmpVersion>().unwrap_err();
        assert!(err.to_string().contains("Bad SNMP version: v4"), "{err}");
    }
}
