//! The client side of SNMPv3 (the non-authoritative engine of RFC 3414),
//! sans-IO: engine discovery, time synchronisation, the messages for a
//! request, and what an incoming datagram means for it. The caller (the
//! UDP [`crate::udp::Client`]) owns the socket, the clock and the tries.

use std::time::Instant;

use super::message::{Message, Pdu, REPORT, ScopedData, ScopedPdu, UsmParams};
use super::user::{Envelope, LocalKeys, UserKeys, V3Config, open, seal};
use super::usm::SecurityLevel;
use crate::error::{Error, UsmFailure};
use crate::oid::Oid;
use crate::udp::sim::MAX_DATAGRAM;

/// RFC 3414 §3.2 step 7: a message more than this many seconds off the
/// engine's time is outside the time window.
pub const TIME_WINDOW: u32 = 150;
/// The largest engine boots value; at it the engine must be reconfigured.
const MAX_BOOTS: u32 = i32::MAX as u32;
/// `usmStats` (1.3.6.1.6.3.15.1.1): the counters reports name.
pub(crate) const USM_STATS: [u32; 9] = [1, 3, 6, 1, 6, 3, 15, 1, 1];

/// What the agent's engine is known to be.
#[derive(Debug, Clone)]
struct Engine {
    id: Vec<u8>,
    boots: u32,
    /// The engine's time when `at` was seen.
    time: u32,
    at: Instant,
    keys: LocalKeys,
}

impl Engine {
    /// The agent's time now, estimated from the last one heard.
    fn time_now(&self, now: Instant) -> u32 {
        let elapsed = now.saturating_duration_since(self.at).as_secs();
        u32::try_from(u64::from(self.time).saturating_add(elapsed))
            .unwrap_or(MAX_BOOTS)
            .min(MAX_BOOTS)
    }
}

/// One message sent for a request.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The datagram.
    pub bytes: Vec<u8>,
    msg_id: u32,
    discovery: bool,
}

/// What a datagram means for the request it may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// The authenticated (and decrypted) answer.
    Response(Pdu),
    /// A report that taught the engine ID or time: build the request again
    /// ([`Session::request`]) and send it.
    Resend,
    /// The agent refused the request.
    Refused(UsmFailure),
    /// Not an answer to this request (unreadable, another message, failed
    /// authentication): keep waiting. The reason is for the log.
    Ignored(&'static str),
}

/// The client's USM state for one agent.
#[derive(Debug, Clone)]
pub struct Session {
    config: V3Config,
    keys: UserKeys,
    engine: Option<Engine>,
    next_msg_id: u32,
    salt: u64,
}

impl Session {
    /// A session for `config`'s user; `seed` starts the message ids and
    /// privacy salts (random in the UDP client, fixed in tests).
    ///
    /// # Errors
    ///
    /// [`Error::Option`] for a missing `secName` or a password too short.
    pub fn new(config: &V3Config, seed: u64) -> Result<Self, Error> {
        Ok(Self {
            keys: UserKeys::new(config)?,
            config: config.clone(),
            engine: None,
            next_msg_id: u32::try_from(seed & 0x3fff_ffff).unwrap_or(1).max(1),
            salt: seed,
        })
    }

    /// The user this session speaks for.
    pub fn config(&self) -> &V3Config {
        &self.config
    }

    /// The discovered engine: ID, boots and time (estimated at `now`).
    pub fn engine(&self, now: Instant) -> Option<(&[u8], u32, u32)> {
        self.engine
            .as_ref()
            .map(|e| (e.id.as_slice(), e.boots, e.time_now(now)))
    }

    /// Forgets the engine (the next request discovers it again).
    pub fn forget_engine(&mut self) {
        self.engine = None;
    }

    fn msg_id(&mut self) -> u32 {
        let id = self.next_msg_id;
        self.next_msg_id = if id >= MAX_BOOTS - 1 { 1 } else { id + 1 };
        id
    }

    /// The message to send for `pdu` now: the discovery probe (an empty
    /// unauthenticated GET) while the engine is unknown, else the request
    /// itself at the configured security level.
    pub fn request(&mut self, pdu: &Pdu, now: Instant) -> Outgoing {
        let msg_id = self.msg_id();
        self.salt = self.salt.wrapping_add(1);
        let max_size = u32::try_from(MAX_DATAGRAM).unwrap_or(u32::MAX);
        let Some(engine) = &self.engine else {
            let probe = ScopedPdu {
                context_engine_id: Vec::new(),
                context_name: Vec::new(),
                pdu: Pdu {
                    tag: 0xa0,
                    request_id: pdu.request_id,
                    error_status: 0,
                    error_index: 0,
                    varbinds: Vec::new(),
                },
            };
            let envelope = Envelope {
                msg_id,
                max_size,
                reportable: true,
                level: SecurityLevel::NoAuthNoPriv,
                usm: UsmParams::default(),
                salt: 0,
            };
            return Outgoing {
                bytes: seal(envelope, &LocalKeys::default(), &probe),
                msg_id,
                discovery: true,
            };
        };
        let scoped = ScopedPdu {
            context_engine_id: engine.id.clone(),
            context_name: self.config.context_name.as_bytes().to_vec(),
            pdu: pdu.clone(),
        };
        let envelope = Envelope {
            msg_id,
            max_size,
            reportable: true,
            level: self.config.level,
            usm: UsmParams {
                engine_id: engine.id.clone(),
                boots: engine.boots,
                time: engine.time_now(now),
                user: self.config.user.as_bytes().to_vec(),
                ..UsmParams::default()
            },
            salt: self.salt,
        };
        Outgoing {
            bytes: seal(envelope, &engine.keys, &scoped),
            msg_id,
            discovery: false,
        }
    }

    fn learn_engine(&mut self, usm: &UsmParams, now: Instant) {
        self.engine = Some(Engine {
            id: usm.engine_id.clone(),
            boots: usm.boots,
            time: usm.time,
            at: now,
            keys: self.keys.localize(&usm.engine_id),
        });
    }

    /// What `datagram` means for the request `sent` was sent for.
    pub fn receive(&mut self, datagram: &[u8], sent: &Outgoing, now: Instant) -> Incoming {
        let Ok(decoded) = Message::decode(datagram) else {
            return Incoming::Ignored("unreadable answer");
        };
        let message = &decoded.message;
        if message.msg_id != sent.msg_id {
            return Incoming::Ignored("answer to another message");
        }
        let engine_id_ok = !message.usm.engine_id.is_empty();
        // Unauthenticated reports: discovery, or a refusal.
        if message.flags & 0x01 == 0 {
            let ScopedData::Plain(scoped) = &message.data else {
                return Incoming::Ignored("encrypted answer without a digest");
            };
            let report = (scoped.pdu.tag == REPORT).then(|| report_kind(&scoped.pdu));
            if sent.discovery && engine_id_ok {
                self.learn_engine(&message.usm, now);
                return Incoming::Resend;
            }
            return match report.flatten() {
                Some(Report::UnknownEngineId) => {
                    if self
                        .engine
                        .as_ref()
                        .is_some_and(|e| e.id == message.usm.engine_id)
                    {
                        Incoming::Refused(UsmFailure::UnknownEngineId)
                    } else if engine_id_ok {
                        // The agent's engine changed (a replaced card).
                        self.learn_engine(&message.usm, now);
                        Incoming::Resend
                    } else {
                        Incoming::Ignored("report without an engine ID")
                    }
                }
                Some(Report::Failure(failure)) => Incoming::Refused(failure),
                Some(Report::NotInTimeWindow) => {
                    Incoming::Ignored("unauthenticated notInTimeWindows report")
                }
                None if self.config.level == SecurityLevel::NoAuthNoPriv
                    && scoped.pdu.tag != REPORT =>
                {
                    Incoming::Response(scoped.pdu.clone())
                }
                None => Incoming::Ignored("unauthenticated answer to an authenticated request"),
            };
        }
        let Some(engine) = &self.engine else {
            return Incoming::Ignored("authenticated answer before discovery");
        };
        if engine.id != message.usm.engine_id {
            return Incoming::Ignored("answer from another engine");
        }
        let Ok(scoped) = open(&decoded, datagram, &engine.keys) else {
            return Incoming::Ignored("answer failed authentication or decryption");
        };
        if scoped.pdu.tag == REPORT {
            return match report_kind(&scoped.pdu) {
                Some(Report::NotInTimeWindow) => {
                    // RFC 3414 §3.2 step 7b: an authenticated report carries
                    // the engine's boots and time; adopt them.
                    let keys = engine.keys.clone();
                    self.engine = Some(Engine {
                        id: message.usm.engine_id.clone(),
                        boots: message.usm.boots,
                        time: message.usm.time,
                        at: now,
                        keys,
                    });
                    Incoming::Resend
                }
                Some(Report::Failure(failure)) => Incoming::Refused(failure),
                Some(Report::UnknownEngineId) => Incoming::Refused(UsmFailure::UnknownEngineId),
                None => Incoming::Ignored("unknown report"),
            };
        }
        if SecurityLevel::from_flags(message.flags) != Some(self.config.level) {
            return Incoming::Ignored("answer at another security level");
        }
        // RFC 3414 §3.2 step 7b: follow the engine's clock forward, and
        // refuse answers from its past.
        let estimate = engine.time_now(now);
        let (boots, time) = (message.usm.boots, message.usm.time);
        if boots == MAX_BOOTS
            || boots < engine.boots
            || (boots == engine.boots && time.saturating_add(TIME_WINDOW) < estimate)
        {
            return Incoming::Ignored("answer outside the time window");
        }
        if boots > engine.boots || time > estimate {
            let keys = engine.keys.clone();
            let id = engine.id.clone();
            self.engine = Some(Engine {
                id,
                boots,
                time,
                at: now,
                keys,
            });
        }
        Incoming::Response(scoped.pdu)
    }
}

/// What a report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    UnknownEngineId,
    NotInTimeWindow,
    Failure(UsmFailure),
}

/// The `usmStats` counter a report names.
fn report_kind(pdu: &Pdu) -> Option<Report> {
    let (oid, _) = pdu.varbinds(1).into_iter().next().flatten()?;
    let stats = Oid::from_arcs(&USM_STATS)?;
    if !oid.starts_with(&stats) {
        return None;
    }
    Some(match oid.arcs().get(USM_STATS.len()) {
        Some(1) => Report::Failure(UsmFailure::UnsupportedSecLevel),
        Some(2) => Report::NotInTimeWindow,
        Some(3) => Report::Failure(UsmFailure::UnknownUserName),
        Some(4) => Report::UnknownEngineId,
        Some(5) => Report::Failure(UsmFailure::WrongDigest),
        Some(6) => Report::Failure(UsmFailure::DecryptionError),
        _ => return None,
    })
}
