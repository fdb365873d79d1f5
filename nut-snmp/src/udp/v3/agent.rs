//! The agent side of SNMPv3 (the authoritative engine of RFC 3414),
//! sans-IO, for the simulator: the engine's ID, boots and time, its users,
//! the USM checks in RFC 3414 §3.2's order with the reports they call for,
//! and sealing the answer the PDU handler gives.

use std::collections::BTreeMap;
use std::time::Instant;

use super::message::{FLAG_REPORTABLE, Message, Pdu, REPORT, ScopedData, ScopedPdu, UsmParams};
use super::session::{TIME_WINDOW, USM_STATS};
use super::user::{Envelope, LocalKeys, UserKeys, V3Config, authentic, scoped_pdu, seal};
use super::usm::SecurityLevel;
use crate::error::Error;
use crate::oid::Oid;
use crate::udp::sim::MAX_DATAGRAM;
use crate::value::Value;

/// The simulator's engine ID unless one is set: RFC 3411 format 4 (text)
/// under enterprise 0.
pub const DEFAULT_ENGINE_ID: &[u8] = b"\x80\x00\x00\x00\x04nut-rs-sim";
/// `authorizationError` (RFC 3416): the user may not use a level below
/// its own.
const AUTHORIZATION_ERROR: i64 = 16;
/// `tooBig`.
const TOO_BIG: i64 = 1;

/// The `usmStats` counters (RFC 3414 §5), as the simulator counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsmStats {
    /// usmStatsUnsupportedSecLevels.
    pub unsupported_sec_levels: u32,
    /// usmStatsNotInTimeWindows.
    pub not_in_time_windows: u32,
    /// usmStatsUnknownUserNames.
    pub unknown_user_names: u32,
    /// usmStatsUnknownEngineIDs.
    pub unknown_engine_ids: u32,
    /// usmStatsWrongDigests.
    pub wrong_digests: u32,
    /// usmStatsDecryptionErrors.
    pub decryption_errors: u32,
}

#[derive(Debug, Clone)]
struct AgentUser {
    level: SecurityLevel,
    keys: LocalKeys,
    target: String,
}

/// An SNMPv3 engine serving users.
#[derive(Debug, Clone)]
pub struct UsmAgent {
    engine_id: Vec<u8>,
    boots: u32,
    /// When the engine time was 0.
    epoch: Instant,
    users: BTreeMap<Vec<u8>, AgentUser>,
    stats: UsmStats,
    salt: u64,
}

/// A refusal, answered with a report.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    UnsupportedSecLevel = 1,
    NotInTimeWindow = 2,
    UnknownUserName = 3,
    UnknownEngineId = 4,
    WrongDigest = 5,
    DecryptionError = 6,
}

impl UsmAgent {
    /// An engine with this ID, booted `boots` times, its time 0 at `now`.
    pub fn new(engine_id: &[u8], boots: u32, now: Instant) -> Self {
        Self {
            engine_id: engine_id.to_vec(),
            boots,
            epoch: now,
            users: BTreeMap::new(),
            stats: UsmStats::default(),
            salt: u64::from(boots) << 32,
        }
    }

    /// Restarts the privacy salt counter at `seed` (random in the
    /// simulator: salts must not repeat under one key, across runs too).
    pub fn seed_salt(&mut self, seed: u64) {
        self.salt = seed;
    }

    /// Adds (or replaces) a user; `target` names the recording it reads
    /// when a request's context name is empty.
    ///
    /// # Errors
    ///
    /// [`Error::Option`] for a missing name or a password too short.
    pub fn add_user(&mut self, config: &V3Config, target: &str) -> Result<(), Error> {
        let keys = UserKeys::new(config)?.localize(&self.engine_id);
        self.users.insert(
            config.user.as_bytes().to_vec(),
            AgentUser {
                level: config.level,
                keys,
                target: target.to_owned(),
            },
        );
        Ok(())
    }

    /// The engine ID.
    pub fn engine_id(&self) -> &[u8] {
        &self.engine_id
    }

    /// The engine's boots.
    pub fn boots(&self) -> u32 {
        self.boots
    }

    /// The engine's time at `now`, in seconds.
    pub fn engine_time(&self, now: Instant) -> u32 {
        u32::try_from(now.saturating_duration_since(self.epoch).as_secs()).unwrap_or(u32::MAX)
    }

    /// Reboots the engine: boots + 1, time 0 (clients must resync).
    pub fn reboot(&mut self, now: Instant) {
        self.boots = self.boots.saturating_add(1);
        self.epoch = now;
    }

    /// The report counters.
    pub fn stats(&self) -> UsmStats {
        self.stats
    }

    /// Answers one SNMPv3 datagram; `serve` answers the PDU for a
    /// recording name (`None`: send nothing). `None` when nothing is to be
    /// sent back (unreadable, not reportable).
    pub fn answer(
        &mut self,
        datagram: &[u8],
        now: Instant,
        serve: impl FnOnce(&str, &Pdu) -> Option<Pdu>,
    ) -> Option<Vec<u8>> {
        let decoded = Message::decode(datagram).ok()?;
        let message = &decoded.message;
        let level = SecurityLevel::from_flags(message.flags)?;
        let reportable = message.flags & FLAG_REPORTABLE != 0;
        let plain_id = match &message.data {
            ScopedData::Plain(scoped) => scoped.pdu.request_id,
            ScopedData::Encrypted(_) => 0,
        };
        let refuse = |agent: &mut Self, refusal: Refusal, user: Option<&AgentUser>| {
            agent.report(message, refusal, plain_id, user, now, reportable)
        };
        // RFC 3414 §3.2 steps 3 to 8, in order.
        if message.usm.engine_id != self.engine_id {
            return refuse(self, Refusal::UnknownEngineId, None);
        }
        let Some(user) = self.users.get(&message.usm.user).cloned() else {
            return refuse(self, Refusal::UnknownUserName, None);
        };
        if level > user.level {
            return refuse(self, Refusal::UnsupportedSecLevel, None);
        }
        if level >= SecurityLevel::AuthNoPriv {
            if !authentic(&decoded, datagram, &user.keys) {
                return refuse(self, Refusal::WrongDigest, None);
            }
            let time = self.engine_time(now);
            if message.usm.boots != self.boots
                || self.boots == u32::MAX
                || message.usm.time.abs_diff(time) > TIME_WINDOW
            {
                return refuse(self, Refusal::NotInTimeWindow, Some(&user));
            }
        }
        let Some(scoped) = scoped_pdu(message, &user.keys) else {
            return refuse(self, Refusal::DecryptionError, None);
        };
        if !scoped.context_engine_id.is_empty() && scoped.context_engine_id != self.engine_id {
            return None;
        }
        let target = if scoped.context_name.is_empty() {
            user.target.clone()
        } else {
            String::from_utf8_lossy(&scoped.context_name).into_owned()
        };
        let mut response = if level < user.level {
            Pdu {
                tag: crate::ber::RESPONSE,
                request_id: scoped.pdu.request_id,
                error_status: AUTHORIZATION_ERROR,
                error_index: 0,
                varbinds: scoped.pdu.varbinds.clone(),
            }
        } else {
            serve(&target, &scoped.pdu)?
        };
        let limit = usize::try_from(message.max_size)
            .unwrap_or(MAX_DATAGRAM)
            .min(MAX_DATAGRAM);
        let mut bytes = self.seal_reply(message, level, &user.keys, &scoped, &response, now);
        if bytes.len() > limit {
            response.error_status = TOO_BIG;
            response.error_index = 0;
            response.varbinds.clear();
            bytes = self.seal_reply(message, level, &user.keys, &scoped, &response, now);
        }
        Some(bytes)
    }

    fn seal_reply(
        &mut self,
        request: &Message,
        level: SecurityLevel,
        keys: &LocalKeys,
        scoped: &ScopedPdu,
        pdu: &Pdu,
        now: Instant,
    ) -> Vec<u8> {
        self.salt = self.salt.wrapping_add(1);
        let envelope = Envelope {
            msg_id: request.msg_id,
            max_size: u32::try_from(MAX_DATAGRAM).unwrap_or(u32::MAX),
            reportable: false,
            level,
            usm: UsmParams {
                engine_id: self.engine_id.clone(),
                boots: self.boots,
                time: self.engine_time(now),
                user: request.usm.user.clone(),
                ..UsmParams::default()
            },
            salt: self.salt,
        };
        let reply = ScopedPdu {
            context_engine_id: self.engine_id.clone(),
            context_name: scoped.context_name.clone(),
            pdu: pdu.clone(),
        };
        seal(envelope, keys, &reply)
    }

    /// Counts the refusal and, when the request asked for reports, the
    /// Report: signed (authNoPriv) for notInTimeWindows, plain otherwise.
    fn report(
        &mut self,
        request: &Message,
        refusal: Refusal,
        request_id: i32,
        user: Option<&AgentUser>,
        now: Instant,
        reportable: bool,
    ) -> Option<Vec<u8>> {
        let counter = match refusal {
            Refusal::UnsupportedSecLevel => &mut self.stats.unsupported_sec_levels,
            Refusal::NotInTimeWindow => &mut self.stats.not_in_time_windows,
            Refusal::UnknownUserName => &mut self.stats.unknown_user_names,
            Refusal::UnknownEngineId => &mut self.stats.unknown_engine_ids,
            Refusal::WrongDigest => &mut self.stats.wrong_digests,
            Refusal::DecryptionError => &mut self.stats.decryption_errors,
        };
        *counter = counter.wrapping_add(1);
        let count = *counter;
        if !reportable {
            return None;
        }
        let mut arcs = USM_STATS.to_vec();
        arcs.extend([refusal as u32, 0]);
        let oid = Oid::from_arcs(&arcs)?;
        let pdu = Pdu::new(
            REPORT,
            request_id,
            [0, 0],
            &[(oid, Value::Counter32(count))],
        )?;
        let scoped = ScopedPdu {
            context_engine_id: self.engine_id.clone(),
            context_name: Vec::new(),
            pdu,
        };
        let (level, keys) = match user {
            Some(user) => (SecurityLevel::AuthNoPriv, user.keys.clone()),
            None => (SecurityLevel::NoAuthNoPriv, LocalKeys::default()),
        };
        let envelope = Envelope {
            msg_id: request.msg_id,
            max_size: u32::try_from(MAX_DATAGRAM).unwrap_or(u32::MAX),
            reportable: false,
            level,
            usm: UsmParams {
                engine_id: self.engine_id.clone(),
                boots: self.boots,
                time: self.engine_time(now),
                user: request.usm.user.clone(),
                ..UsmParams::default()
            },
            salt: 0,
        };
        Some(seal(envelope, &keys, &scoped))
    }
}
