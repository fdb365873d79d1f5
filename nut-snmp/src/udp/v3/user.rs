//! An SNMPv3 user (snmp-ups's `secName`, `secLevel`, protocols and
//! passwords), its keys, and sealing/opening messages with them: the
//! part of the USM both the client and the agent simulator share.

use super::message::{Decoded, Message, ScopedData, ScopedPdu, UsmParams};
use super::usm::{AuthProtocol, PrivProtocol, SecurityLevel};
use crate::error::Error;

/// The SNMPv3 options of snmp-ups, for one user.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct V3Config {
    /// `secName`.
    pub user: String,
    /// `secLevel`.
    pub level: SecurityLevel,
    /// `authProtocol` (used from `authNoPriv` up).
    pub auth_protocol: AuthProtocol,
    /// `authPassword` (used from `authNoPriv` up).
    pub auth_password: String,
    /// `privProtocol` (used with `authPriv`).
    pub priv_protocol: PrivProtocol,
    /// `privPassword` (used with `authPriv`).
    pub priv_password: String,
    /// The context name (snmp-ups sends the empty one).
    pub context_name: String,
}

impl std::fmt::Debug for V3Config {
    /// The passwords are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V3Config")
            .field("user", &self.user)
            .field("level", &self.level)
            .field("auth_protocol", &self.auth_protocol)
            .field("priv_protocol", &self.priv_protocol)
            .field("context_name", &self.context_name)
            .finish_non_exhaustive()
    }
}

impl V3Config {
    /// `noAuthNoPriv` for `user`, with snmp-ups's default protocols (MD5,
    /// DES) for when a level is raised.
    pub fn new(user: &str) -> Self {
        Self {
            user: user.to_owned(),
            level: SecurityLevel::NoAuthNoPriv,
            auth_protocol: AuthProtocol::default(),
            auth_password: String::new(),
            priv_protocol: PrivProtocol::default(),
            priv_password: String::new(),
            context_name: String::new(),
        }
    }

    /// The same with authentication (`authNoPriv` unless privacy is set).
    #[must_use]
    pub fn with_auth(mut self, protocol: AuthProtocol, password: &str) -> Self {
        self.auth_protocol = protocol;
        password.clone_into(&mut self.auth_password);
        self.level = self.level.max(SecurityLevel::AuthNoPriv);
        self
    }

    /// The same with privacy (`authPriv`).
    #[must_use]
    pub fn with_privacy(mut self, protocol: PrivProtocol, password: &str) -> Self {
        self.priv_protocol = protocol;
        password.clone_into(&mut self.priv_password);
        self.level = SecurityLevel::AuthPriv;
        self
    }
}

/// The user's keys made from the passwords (Ku), not yet localised.
#[derive(Clone)]
pub(crate) struct UserKeys {
    level: SecurityLevel,
    auth: AuthProtocol,
    privacy: PrivProtocol,
    auth_key: Vec<u8>,
    priv_key: Vec<u8>,
}

impl std::fmt::Debug for UserKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserKeys")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

/// Keys localised to one engine.
#[derive(Clone, Default)]
pub(crate) struct LocalKeys {
    pub(crate) level: SecurityLevel,
    auth: AuthProtocol,
    privacy: PrivProtocol,
    auth_key: Vec<u8>,
    priv_key: Vec<u8>,
}

impl std::fmt::Debug for LocalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKeys")
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

impl UserKeys {
    /// Makes the keys the level needs (hashing 1 MiB per password).
    ///
    /// # Errors
    ///
    /// [`Error::Option`] for a missing `secName` or a password net-snmp
    /// would refuse.
    pub(crate) fn new(config: &V3Config) -> Result<Self, Error> {
        if config.user.is_empty() {
            return Err(Error::Option {
                option: "secName",
                reason: "securityName is required for SNMPv3".to_owned(),
            });
        }
        if config.user.len() > super::message::MAX_USER_NAME {
            return Err(Error::Option {
                option: "secName",
                reason: format!(
                    "securityName longer than {} bytes",
                    super::message::MAX_USER_NAME
                ),
            });
        }
        let auth_key = if config.level >= SecurityLevel::AuthNoPriv {
            config
                .auth_protocol
                .password_to_key("authPassword", config.auth_password.as_bytes())?
        } else {
            Vec::new()
        };
        let priv_key = if config.level == SecurityLevel::AuthPriv {
            config
                .auth_protocol
                .password_to_key("privPassword", config.priv_password.as_bytes())?
        } else {
            Vec::new()
        };
        Ok(Self {
            level: config.level,
            auth: config.auth_protocol,
            privacy: config.priv_protocol,
            auth_key,
            priv_key,
        })
    }

    /// The keys localised to `engine_id`.
    pub(crate) fn localize(&self, engine_id: &[u8]) -> LocalKeys {
        let auth_key = if self.auth_key.is_empty() {
            Vec::new()
        } else {
            self.auth.localize(&self.auth_key, engine_id)
        };
        let priv_key = if self.priv_key.is_empty() {
            Vec::new()
        } else {
            self.privacy.localize(self.auth, &self.priv_key, engine_id)
        };
        LocalKeys {
            level: self.level,
            auth: self.auth,
            privacy: self.privacy,
            auth_key,
            priv_key,
        }
    }
}

/// What to put around a scoped PDU.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub(crate) msg_id: u32,
    pub(crate) max_size: u32,
    pub(crate) reportable: bool,
    pub(crate) level: SecurityLevel,
    pub(crate) usm: UsmParams,
    pub(crate) salt: u64,
}

/// Encodes a message: the scoped PDU encrypted when the level says so,
/// the whole message signed when it says so.
pub(crate) fn seal(envelope: Envelope, keys: &LocalKeys, scoped: &ScopedPdu) -> Vec<u8> {
    let Envelope {
        msg_id,
        max_size,
        reportable,
        level,
        mut usm,
        salt,
    } = envelope;
    let data = if level == SecurityLevel::AuthPriv {
        let (ciphertext, params) =
            keys.privacy
                .encrypt(&keys.priv_key, usm.boots, usm.time, salt, &scoped.encode());
        usm.privacy = params.to_vec();
        ScopedData::Encrypted(ciphertext)
    } else {
        usm.privacy = Vec::new();
        ScopedData::Plain(scoped.clone())
    };
    let auth = level >= SecurityLevel::AuthNoPriv;
    usm.auth = if auth {
        vec![0; keys.auth.mac_len()]
    } else {
        Vec::new()
    };
    let message = Message {
        msg_id,
        max_size,
        flags: level.flags()
            | if reportable {
                super::message::FLAG_REPORTABLE
            } else {
                0
            },
        usm,
        data,
    };
    let (mut bytes, range) = message.encode();
    if auth {
        let tag = keys.auth.sign(&keys.auth_key, &bytes);
        if let Some(slot) = bytes.get_mut(range) {
            slot.copy_from_slice(&tag);
        }
    }
    bytes
}

/// Why a received message could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// The digest does not match (or is missing, or the keys cannot check it).
    WrongDigest,
    /// The scoped PDU cannot be decrypted or read after decryption.
    Decryption,
}

/// Whether the message's digest (when its flags say it is signed) is
/// right under `keys`.
pub(crate) fn authentic(decoded: &Decoded, datagram: &[u8], keys: &LocalKeys) -> bool {
    let message = &decoded.message;
    if message.flags & 0x01 == 0 {
        return true;
    }
    if keys.auth_key.is_empty() {
        return false;
    }
    let mut zeroed = datagram.to_vec();
    let Some(slot) = zeroed.get_mut(decoded.auth_range.clone()) else {
        return false;
    };
    slot.fill(0);
    keys.auth.verify(&keys.auth_key, &zeroed, &message.usm.auth)
}

/// The scoped PDU, decrypted when it is encrypted; `None` when it cannot
/// be decrypted or read.
pub(crate) fn scoped_pdu(message: &Message, keys: &LocalKeys) -> Option<ScopedPdu> {
    match &message.data {
        ScopedData::Plain(scoped) => Some(scoped.clone()),
        ScopedData::Encrypted(ciphertext) => {
            if keys.priv_key.is_empty() {
                return None;
            }
            let plain = keys.privacy.decrypt(
                &keys.priv_key,
                message.usm.boots,
                message.usm.time,
                &message.usm.privacy,
                ciphertext,
            )?;
            ScopedPdu::decode(&plain).ok()
        }
    }
}

/// Checks the digest, then decrypts: the scoped PDU.
pub(crate) fn open(
    decoded: &Decoded,
    datagram: &[u8],
    keys: &LocalKeys,
) -> Result<ScopedPdu, OpenError> {
    if !authentic(decoded, datagram, keys) {
        return Err(OpenError::WrongDigest);
    }
    scoped_pdu(&decoded.message, keys).ok_or(OpenError::Decryption)
}
