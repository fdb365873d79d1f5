//! An SNMP v1/v2c/v3 agent simulator serving recordings, one per community
//! (as snmpsim serves one `.snmprec` per community) and per SNMPv3 user
//! (or context name), over UDP.
//!
//! The answering logic is sans-IO ([`answer`]: a datagram in, a datagram
//! out); [`Simulator`] adds the socket and [`Running`] a thread. The served
//! recordings are shared ([`SharedAgents`]) so a test or a user can change
//! the device state between polls (on battery, low battery…).

use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use snmp2::{MessageType, Pdu, Version};

use super::convert::{oid_from_wire, safe_for_snmp2, value_from_wire};
use super::v3::{self, UsmAgent, V3Config};
use crate::ber;
use crate::error::Error;
use crate::oid::Oid;
use crate::snmprec::Recording;
use crate::value::Value;

/// Most varbinds read from one request.
pub const MAX_REQUEST_VARBINDS: usize = 128;
/// Most varbinds in one GETBULK answer.
pub const MAX_BULK_VARBINDS: usize = 64;
/// Largest datagram accepted or sent (the largest UDP payload over IPv4).
pub const MAX_DATAGRAM: usize = 65_507;

/// Error statuses (RFC 3416).
const NO_SUCH_NAME: i64 = 2;
const GEN_ERR: i64 = 5;
const NOT_WRITABLE: i64 = 17;

/// How the simulated agent behaves: a faithful agent by default, or one
/// with the faults real cards show, to test clients against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// SETs to recorded OIDs replace their values (else `notWritable`).
    pub writable: bool,
    /// Never answer (a dead or firewalled card).
    pub silent: bool,
    /// Answer only every Nth request (0: all): a lossy network.
    pub answer_every: u32,
    /// Before each answer, send the answer to the previous request again
    /// (a late answer with a stale request id).
    pub stale_first: bool,
    /// Before each answer, send bytes that are not SNMP.
    pub garbage_first: bool,
    /// Answer GETNEXT/GETBULK with the OID asked about instead of the
    /// next one (an agent that loops in walks).
    pub loop_walks: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            writable: true,
            silent: false,
            answer_every: 0,
            stale_first: false,
            garbage_first: false,
            loop_walks: false,
        }
    }
}

/// Recordings by community, shared between the serving thread and whoever
/// changes the device state.
pub type SharedAgents = Arc<Mutex<BTreeMap<String, Recording>>>;

/// Locks the shared recordings, recovering from a poisoned lock (the data
/// is plain values; a panicking holder cannot leave it half-written).
pub fn lock(agents: &SharedAgents) -> MutexGuard<'_, BTreeMap<String, Recording>> {
    match agents.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Answers one request datagram from the recordings; `None` when nothing
/// should be sent back (not an SNMP v1/v2c request, or an unknown
/// community, which real agents ignore too). Only `writable` and
/// `loop_walks` of `behaviour` matter here; the others are the socket's.
pub fn answer(
    agents: &mut BTreeMap<String, Recording>,
    datagram: &[u8],
    behaviour: &Behaviour,
) -> Option<Vec<u8>> {
    if datagram.len() > MAX_DATAGRAM || !safe_for_snmp2(datagram) {
        return None;
    }
    let pdu = Pdu::from_bytes(datagram).ok()?;
    let version = pdu.version().ok()?;
    let v1 = match version {
        Version::V1 => true,
        Version::V2C => false,
        Version::V3 => return None,
    };
    let community = std::str::from_utf8(pdu.community).ok()?;
    let recording = agents.get_mut(community)?;
    let mut names: Vec<Option<(Oid, Value)>> = Vec::new();
    for (oid, value) in pdu.varbinds.clone().take(MAX_REQUEST_VARBINDS + 1) {
        names
            .push(oid_from_wire(&oid).map(|o| (o, value_from_wire(&value).unwrap_or(Value::Null))));
    }
    let tag = match pdu.message_type {
        MessageType::GetRequest => GET,
        MessageType::GetNextRequest => GET_NEXT,
        MessageType::GetBulkRequest => GET_BULK,
        MessageType::SetRequest => SET,
        _ => return None,
    };
    let request = Request {
        tag,
        request_id: pdu.req_id,
        non_repeaters: i64::from(pdu.error_status),
        repetitions: i64::from(pdu.error_index),
        names,
    };
    let (fields, varbinds) = answer_request(recording, v1, &request, behaviour)?;
    let mut encoded = Vec::new();
    for (oid, value) in &varbinds {
        encoded.extend(ber::varbind(oid, value)?);
    }
    Some(ber::message(
        if v1 { 0 } else { 1 },
        pdu.community,
        ber::RESPONSE,
        fields,
        &encoded,
    ))
}

/// Answers an SNMPv3 request PDU from the recording named `target` (the
/// v3 user's, or the request's context name), as a v2c agent would;
/// `None` for an unknown recording or a PDU that gets no answer.
pub fn answer_v3_pdu(
    agents: &mut BTreeMap<String, Recording>,
    target: &str,
    pdu: &v3::Pdu,
    behaviour: &Behaviour,
) -> Option<v3::Pdu> {
    let recording = agents.get_mut(target)?;
    let request = Request {
        tag: pdu.tag,
        request_id: pdu.request_id,
        non_repeaters: pdu.error_status,
        repetitions: pdu.error_index,
        names: pdu.varbinds(MAX_REQUEST_VARBINDS + 1),
    };
    let (fields, varbinds) = answer_request(recording, false, &request, behaviour)?;
    let [request_id, status, index] = fields;
    v3::Pdu::new(
        ber::RESPONSE,
        i32::try_from(request_id).ok()?,
        [status, index],
        &varbinds,
    )
}

/// PDU tags (RFC 3416) the agent answers.
const GET: u8 = 0xa0;
const GET_NEXT: u8 = 0xa1;
const SET: u8 = 0xa3;
const GET_BULK: u8 = 0xa5;

/// One request PDU, whatever the SNMP version.
struct Request {
    tag: u8,
    request_id: i32,
    /// GETBULK non-repeaters (the error-status field).
    non_repeaters: i64,
    /// GETBULK max-repetitions (the error-index field).
    repetitions: i64,
    /// The names (and SET values); `None` where one cannot be read.
    names: Vec<Option<(Oid, Value)>>,
}

/// An answer: (request-id, error-status, error-index) and varbinds.
type Reply = ([i64; 3], Vec<(Oid, Value)>);

/// The answer's (request-id, error-status, error-index) and varbinds.
fn answer_request(
    recording: &mut Recording,
    v1: bool,
    pdu: &Request,
    behaviour: &Behaviour,
) -> Option<Reply> {
    let writable = behaviour.writable;
    let names = &pdu.names;
    if names.len() > MAX_REQUEST_VARBINDS {
        return None;
    }
    let request = [i64::from(pdu.request_id), 0, 0];
    let reply = |fields: [i64; 3], varbinds: &[(Oid, Value)]| Some((fields, varbinds.to_vec()));
    let echo: Vec<(Oid, Value)> = names.iter().flatten().cloned().collect();
    // A name we cannot even read: genErr at its position.
    if let Some(bad) = names.iter().position(Option::is_none) {
        let index = i64::try_from(bad + 1).unwrap_or(0);
        return reply([request[0], GEN_ERR, index], &echo);
    }
    let usable =
        |value: &Value| !(v1 && (value.is_exception() || matches!(value, Value::Counter64(_))));
    if behaviour.loop_walks && matches!(pdu.tag, GET_NEXT | GET_BULK) {
        let looped: Vec<(Oid, Value)> = echo
            .iter()
            .map(|(o, _)| (o.clone(), Value::Integer(0)))
            .collect();
        return reply(request, &looped);
    }
    match pdu.tag {
        GET => {
            let mut out = Vec::new();
            for (n, (oid, _)) in echo.iter().enumerate() {
                match recording.get(oid).filter(|v| usable(v)) {
                    Some(value) => out.push((oid.clone(), value.clone())),
                    None if v1 => return reply([request[0], NO_SUCH_NAME, index(n)], &echo),
                    None => out.push((oid.clone(), Value::NoSuchInstance)),
                }
            }
            reply(request, &out)
        }
        GET_NEXT => {
            let mut out = Vec::new();
            for (n, (oid, _)) in echo.iter().enumerate() {
                match next_usable(recording, oid, &usable) {
                    Some(found) => out.push(found),
                    None if v1 => return reply([request[0], NO_SUCH_NAME, index(n)], &echo),
                    None => out.push((oid.clone(), Value::EndOfMibView)),
                }
            }
            reply(request, &out)
        }
        GET_BULK if !v1 => {
            let non_repeaters = usize::try_from(pdu.non_repeaters)
                .unwrap_or(0)
                .min(echo.len());
            let repetitions = usize::try_from(pdu.repetitions).unwrap_or(0);
            reply(
                request,
                &bulk(recording, &echo, non_repeaters, repetitions, &usable),
            )
        }
        SET => {
            for (n, (oid, value)) in echo.iter().enumerate() {
                if !writable || recording.get(oid).is_none() || value.is_exception() {
                    let status = if v1 { NO_SUCH_NAME } else { NOT_WRITABLE };
                    return reply([request[0], status, index(n)], &echo);
                }
            }
            for (oid, value) in &echo {
                recording.insert(oid.clone(), value.clone());
            }
            reply(request, &echo)
        }
        _ => None,
    }
}

fn index(n: usize) -> i64 {
    i64::try_from(n + 1).unwrap_or(0)
}

fn next_usable(
    recording: &Recording,
    from: &Oid,
    usable: &impl Fn(&Value) -> bool,
) -> Option<(Oid, Value)> {
    let mut at = from.clone();
    loop {
        let (oid, value) = recording.next_after(&at)?;
        if usable(value) {
            return Some((oid.clone(), value.clone()));
        }
        at = oid.clone();
    }
}

/// GETBULK (RFC 3416 §4.2.3): one GETNEXT for each of the first
/// `non_repeaters` names, then `repetitions` rounds over the others.
fn bulk(
    recording: &Recording,
    names: &[(Oid, Value)],
    non_repeaters: usize,
    repetitions: usize,
    usable: &impl Fn(&Value) -> bool,
) -> Vec<(Oid, Value)> {
    let mut out = Vec::new();
    let step = |from: &Oid| {
        next_usable(recording, from, usable).unwrap_or_else(|| (from.clone(), Value::EndOfMibView))
    };
    for (oid, _) in names.iter().take(non_repeaters) {
        out.push(step(oid));
    }
    let mut columns: Vec<Oid> = names
        .iter()
        .skip(non_repeaters)
        .map(|(o, _)| o.clone())
        .collect();
    for _ in 0..repetitions {
        if columns.is_empty() || out.len() >= MAX_BULK_VARBINDS {
            break;
        }
        let mut all_ended = true;
        for column in &mut columns {
            if out.len() >= MAX_BULK_VARBINDS {
                break;
            }
            let (oid, value) = step(column);
            all_ended &= value == Value::EndOfMibView;
            *column = oid.clone();
            out.push((oid, value));
        }
        if all_ended {
            break;
        }
    }
    out
}

/// An SNMPv3 engine starting now, its salts from a random start.
fn new_engine(engine_id: &[u8], boots: u32) -> UsmAgent {
    let mut engine = UsmAgent::new(engine_id, boots, Instant::now());
    engine.seed_salt(super::transport::random_seed());
    engine
}

/// An agent simulator bound to a UDP socket.
#[derive(Debug)]
pub struct Simulator {
    socket: UdpSocket,
    agents: SharedAgents,
    behaviour: Behaviour,
    usm: SharedUsm,
}

/// The simulator's SNMPv3 engine and users, shared like the recordings
/// (to reboot the engine or read its report counters while serving).
pub type SharedUsm = Arc<Mutex<UsmAgent>>;

/// Locks the SNMPv3 engine, recovering from a poisoned lock.
pub fn lock_usm(usm: &SharedUsm) -> MutexGuard<'_, UsmAgent> {
    match usm.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Simulator {
    /// Binds the agent's socket (use a loopback address in tests).
    ///
    /// # Errors
    ///
    /// The socket's bind error.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let socket = UdpSocket::bind(addr)?;
        socket.set_read_timeout(Some(Duration::from_millis(50)))?;
        Ok(Self {
            socket,
            agents: SharedAgents::default(),
            behaviour: Behaviour::default(),
            usm: Arc::new(Mutex::new(new_engine(v3::DEFAULT_ENGINE_ID, 1))),
        })
    }

    /// Serves `recording` to the SNMPv3 user `user` (its level, protocols
    /// and passwords) under the name `target` (replacing any recording of
    /// that name). A request with a non-empty context name reads the
    /// recording of that name instead.
    ///
    /// # Errors
    ///
    /// [`Error::Option`] for a user without a name or with a password
    /// shorter than 8 characters.
    pub fn insert_v3_user(
        &self,
        user: &V3Config,
        target: &str,
        recording: Recording,
    ) -> Result<(), Error> {
        lock_usm(&self.usm).add_user(user, target)?;
        self.insert(target, recording);
        Ok(())
    }

    /// Gives the SNMPv3 engine another ID and boots count (users added
    /// before are dropped: their keys are localised to the old ID).
    pub fn set_v3_engine(&self, engine_id: &[u8], boots: u32) {
        *lock_usm(&self.usm) = new_engine(engine_id, boots);
    }

    /// The SNMPv3 engine, to reboot it or read its counters while serving.
    pub fn v3(&self) -> SharedUsm {
        Arc::clone(&self.usm)
    }

    /// Sets how the agent behaves (faithful by default).
    pub fn set_behaviour(&mut self, behaviour: Behaviour) {
        self.behaviour = behaviour;
    }

    /// Serves `recording` under `community` (replacing any).
    pub fn insert(&self, community: &str, recording: Recording) {
        lock(&self.agents).insert(community.to_owned(), recording);
    }

    /// The served recordings, to change the device state while serving.
    pub fn agents(&self) -> SharedAgents {
        Arc::clone(&self.agents)
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// The socket's error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Answers requests until `stop` is set (checked every 50 ms).
    ///
    /// # Errors
    ///
    /// A socket error other than a time-out.
    pub fn serve_until(&self, stop: &AtomicBool) -> io::Result<()> {
        let mut buffer = vec![0u8; MAX_DATAGRAM];
        let mut previous: Option<Vec<u8>> = None;
        let mut received: u32 = 0;
        while !stop.load(Ordering::Relaxed) {
            let (len, from) = match self.socket.recv_from(&mut buffer) {
                Ok(got) => got,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => continue,
                Err(e) => return Err(e),
            };
            let behaviour = self.behaviour;
            received = received.wrapping_add(1);
            let skip =
                behaviour.answer_every > 1 && !received.is_multiple_of(behaviour.answer_every);
            if behaviour.silent || skip {
                continue;
            }
            let datagram = buffer.get(..len).unwrap_or_default();
            let reply = if v3::is_v3(datagram) {
                let mut usm = lock_usm(&self.usm);
                usm.answer(datagram, Instant::now(), |target, pdu| {
                    answer_v3_pdu(&mut lock(&self.agents), target, pdu, &behaviour)
                })
            } else {
                let mut agents = lock(&self.agents);
                answer(&mut agents, datagram, &behaviour)
            };
            // A lost answer is what UDP does; the client retries.
            if let (true, Some(stale)) = (behaviour.stale_first, &previous) {
                let _ = self.socket.send_to(stale, from);
            }
            if behaviour.garbage_first {
                let _ = self.socket.send_to(b"\x30\x03\x02\x01", from);
            }
            if let Some(reply) = reply {
                let _ = self.socket.send_to(&reply, from);
                previous = Some(reply);
            }
        }
        Ok(())
    }

    /// Serves on a thread until the returned handle is stopped or dropped.
    pub fn spawn(self) -> Running {
        let stop = Arc::new(AtomicBool::new(false));
        let agents = self.agents();
        let usm = self.v3();
        let addr = self.local_addr().ok();
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || self.serve_until(&flag));
        Running {
            stop,
            thread: Some(thread),
            addr,
            agents,
            usm,
        }
    }
}

/// A simulator serving on its own thread.
#[derive(Debug)]
pub struct Running {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<()>>>,
    addr: Option<SocketAddr>,
    agents: SharedAgents,
    usm: SharedUsm,
}

impl Running {
    /// The agent's address.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The served recordings.
    pub fn agents(&self) -> SharedAgents {
        Arc::clone(&self.agents)
    }

    /// The SNMPv3 engine.
    pub fn v3(&self) -> SharedUsm {
        Arc::clone(&self.usm)
    }

    /// Stops serving and waits for the thread.
    ///
    /// # Errors
    ///
    /// The socket error that ended the serving loop, if any.
    pub fn stop(mut self) -> io::Result<()> {
        self.halt()
    }

    fn halt(&mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("simulator thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}
