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
}
