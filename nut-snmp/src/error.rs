//! The crate's error type.
//!
//! Parse errors name the input line and show the offending text truncated
//! to [`SHOWN_CHARS`]; detection errors name the `mibs` value, as snmp-ups's
//! fatal messages do.

/// At most this many characters of an offending input are shown in an
/// error message; the rest is replaced by `…`.
pub const SHOWN_CHARS: usize = 64;

/// Input text shown in an error message: truncated to [`SHOWN_CHARS`]
/// characters, control characters escaped.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Everything that can go wrong in `nut-snmp`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An OBJECT IDENTIFIER in text form could not be read.
    #[error("invalid OID '{text}': {reason}")]
    Oid {
        /// The text, truncated.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A line of an `.snmprec` recording could not be read.
    #[error("snmprec line {line}: {reason}: '{text}'")]
    Snmprec {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
        /// The line, truncated.
        text: String,
    },
    /// An `.snmprec` recording exceeds one of the parser's limits.
    #[error("snmprec recording too large: more than {limit} {what}")]
    SnmprecLimit {
        /// What was counted (`bytes`, `records`).
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A driver option has a value snmp-ups rejects.
    #[error("{option}: {reason}")]
    Option {
        /// The option (`port`, `snmp_version`…).
        option: &'static str,
        /// What is wrong, in snmp-ups's words where it has some.
        reason: String,
    },
    /// The agent cannot be reached at all (no socket, unknown host).
    #[error("cannot reach SNMP agent {peer}: {reason}")]
    Transport {
        /// `host[:port]` as configured.
        peer: String,
        /// The system's reason.
        reason: String,
    },
    /// No usable answer to a request in all its tries.
    #[error(
        "SNMP agent {peer}: no usable answer to {request} after {tries} tries (last: {reason})"
    )]
    Timeout {
        /// `host[:port]` as configured.
        peer: String,
        /// The request, e.g. `GET .1.3.6.1.2.1.1.2.0`.
        request: String,
        /// Tries made (`snmp_retries` + 1).
        tries: u32,
        /// What went wrong on the last try.
        reason: String,
    },
    /// A walk was answered with an OID that does not follow the previous
    /// one: the agent loops.
    #[error("SNMP agent {peer} loops in its walk: after {after} it answered {got}")]
    WalkLoop {
        /// `host[:port]` as configured.
        peer: String,
        /// The OID asked from.
        after: String,
        /// The OID answered.
        got: String,
    },
    /// The agent refused a SET.
    #[error("SNMP agent {peer} refused SET {oid}: {status}")]
    SetFailed {
        /// `host[:port]` as configured.
        peer: String,
        /// The OID set.
        oid: String,
        /// The error status or reason.
        status: String,
    },
    /// An SNMPv3 agent refused a request with a USM report (RFC 3414
    /// §3.2): the user's settings do not match the agent's.
    #[error("SNMPv3 agent {peer} refused user '{user}': {failure}")]
    Usm {
        /// `host[:port]` as configured.
        peer: String,
        /// `secName`, truncated.
        user: String,
        /// What the agent reported.
        failure: UsmFailure,
    },
    /// `mibs=<name>` names no mapping snmp-ups knows.
    #[error("Unknown 'mibs' value: {0}")]
    UnknownMibs(String),
    /// `mibs=<name>` names a known mapping, but the device answers none of
    /// its probes.
    #[error("Requested 'mibs' value '{0}' was not found on the device")]
    MibNotFound(String),
    /// `mibs=auto` found no mapping the device answers.
    #[error("No supported device detected")]
    NoSupportedDevice,
    /// A NetXML document is not well-formed XML or exceeds a limit of the
    /// reader (`netxml::xml`).
    #[error("malformed NetXML document: {reason}")]
    Xml {
        /// What is wrong, with the offending text truncated.
        reason: String,
    },
    /// A well-formed NetXML document netxml-ups cannot use (e.g. the
    /// unsupported `XML.V4` protocol, or no product page at all).
    #[error("NetXML: {0}")]
    Netxml(String),
    /// An HTTP request to a NetXML card failed before an answer (connect,
    /// TLS, time-out, body too large).
    #[error("{url}: {reason}")]
    Http {
        /// The URL requested.
        url: String,
        /// The reason, from the HTTP client.
        reason: String,
    },
    /// A NetXML card answered with an HTTP error status.
    #[error("{url}: HTTP status {status}")]
    HttpStatus {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A NetXML card answered with a redirect (never followed: the driver
    /// talks to the card it was given, and only to it).
    #[error("{url}: redirected (HTTP {status}) to '{location}', not followed; fix `port`")]
    HttpRedirect {
        /// The URL requested.
        url: String,
        /// The status code (3xx).
        status: u16,
        /// The `Location` header, truncated.
        location: String,
    },
}

/// Why an SNMPv3 agent refused a request: the USM report it sent (the
/// `usmStats*` counter named), with what to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsmFailure {
    /// `usmStatsUnknownEngineIDs` even after discovery: the agent's engine
    /// ID changes between requests.
    UnknownEngineId,
    /// `usmStatsNotInTimeWindows` even after synchronising: the agent's
    /// engine boots/time cannot be followed.
    NotInTimeWindow,
    /// `usmStatsUnknownUserNames`.
    UnknownUserName,
    /// `usmStatsWrongDigests`.
    WrongDigest,
    /// `usmStatsDecryptionErrors`.
    DecryptionError,
    /// `usmStatsUnsupportedSecLevels`.
    UnsupportedSecLevel,
}

impl std::fmt::Display for UsmFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UnknownEngineId => {
                "unknown engine ID (usmStatsUnknownEngineIDs) even after discovery: \
                 the agent's engine ID keeps changing"
            }
            Self::NotInTimeWindow => {
                "not in time window (usmStatsNotInTimeWindows) even after synchronising: \
                 the agent's engine boots/time keep changing"
            }
            Self::UnknownUserName => {
                "unknown user name (usmStatsUnknownUserNames): check secName against the agent's users"
            }
            Self::WrongDigest => {
                "wrong digest (usmStatsWrongDigests): check authPassword and authProtocol"
            }
            Self::DecryptionError => {
                "decryption error (usmStatsDecryptionErrors): check privPassword and privProtocol"
            }
            Self::UnsupportedSecLevel => {
                "unsupported security level (usmStatsUnsupportedSecLevels): check secLevel \
                 against the user's on the agent"
            }
        })
    }
}
