//! The crate's error type and the printable view of received bytes.

use std::fmt;

/// At most this many received bytes are shown in an error message; the
/// rest is replaced by `…` (the bytes themselves are kept, bounded by the
/// reply limit).
pub const SHOWN_BYTES: usize = 64;

/// Bytes received from (or sent to) a device, kept for error messages and
/// displayed C-escaped (`\r`, `\xNN`) and truncated to [`SHOWN_BYTES`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Received(pub Vec<u8>);

impl Received {
    /// Copies `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0.iter().take(SHOWN_BYTES) {
            match b {
                b'\r' => f.write_str("\\r")?,
                b'\n' => f.write_str("\\n")?,
                b'\\' => f.write_str("\\\\")?,
                b'"' => f.write_str("\\\"")?,
                0x20..=0x7e => write!(f, "{}", char::from(b))?,
                _ => write!(f, "\\x{b:02X}")?,
            }
        }
        if self.0.len() > SHOWN_BYTES {
            write!(f, "…\" ({} bytes)", self.0.len())
        } else {
            f.write_str("\"")
        }
    }
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Everything that can go wrong in `nut-serial`.
///
/// Reply errors carry the query that was sent and the bytes that came back,
/// so a log line names what the device actually said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nothing came back within the reply timeout.
    #[error("no reply to {query} within the timeout")]
    NoReply {
        /// The query sent.
        query: Received,
    },
    /// The reply was shorter than the protocol's minimum for this query.
    #[error("short reply to {query}: {len} bytes, expected at least {min}: {received}")]
    ShortReply {
        /// The query sent.
        query: Received,
        /// Bytes received (terminator included).
        len: usize,
        /// The minimum length.
        min: usize,
        /// What came back.
        received: Received,
    },
    /// The reply did not start with the expected lead byte.
    #[error("reply to {query} does not start with '{lead}': {received}")]
    WrongLead {
        /// The query sent.
        query: Received,
        /// The expected first byte.
        lead: char,
        /// What came back.
        received: Received,
    },
    /// The reply equals the protocol's "rejected" answer (e.g. `(NAK\r`).
    #[error("device rejected {query}: {received}")]
    Rejected {
        /// The query sent.
        query: Received,
        /// What came back.
        received: Received,
    },
    /// More than the reply limit arrived without a line terminator.
    #[error("reply to {query} exceeds {limit} bytes without a terminator: {received}")]
    TooLong {
        /// The query sent.
        query: Received,
        /// The limit.
        limit: usize,
        /// The first bytes received.
        received: Received,
    },
    /// A field failed its check or conversion (not numeric, not `0`/`1`,
    /// out of range, unknown code …).
    #[error("reply to {query}: bad {var} field {field:?} ({reason}): {received}")]
    BadField {
        /// The query sent.
        query: Received,
        /// The NUT variable the field maps to.
        var: &'static str,
        /// The field text (lossy UTF-8, truncated).
        field: String,
        /// What was wrong.
        reason: &'static str,
        /// The whole reply.
        received: Received,
    },
    /// The reply's framing is wrong (binary QS decoding, BestUPS `ID` shape …).
    #[error("malformed reply to {query} ({reason}): {received}")]
    Malformed {
        /// The query sent.
        query: Received,
        /// What was wrong.
        reason: &'static str,
        /// What came back.
        received: Received,
    },
    /// The transport failed (write error, port gone); reported by an adapter.
    #[error("transport error: {0}")]
    Transport(String),
    /// No protocol claimed the device during probing.
    #[error("device not supported: no protocol answered (tried {tried})")]
    NotSupported {
        /// The protocols tried, comma-separated.
        tried: String,
    },
    /// The start-up walk failed on a quick-poll row.
    #[error("can't initialise data from the ups: {0}")]
    InitFailed(Box<Self>),
    /// `protocol=` named no known protocol.
    #[error("unknown protocol {0:?}")]
    UnknownProtocol(String),
    /// `protocol=` named a protocol this crate does not implement yet.
    #[error("protocol {0} is not implemented")]
    UnimplementedProtocol(&'static str),
    /// A ups.conf option had an invalid value.
    #[error("invalid value {value:?} for option {name}: {reason}")]
    InvalidOption {
        /// The option name.
        name: String,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The instant command is not offered by this protocol.
    #[error("instant command {0} is not supported")]
    UnknownCommand(String),
    /// The variable is not writable (or unknown) for this protocol.
    #[error("variable {0} is not writable")]
    UnknownVariable(String),
    /// A command parameter or a setvar value was refused before sending.
    #[error("invalid value {value:?} for {name}: {reason}")]
    InvalidValue {
        /// The command or variable.
        name: String,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The device answered a command with something other than its
    /// "accepted" string (typically the command echoed back).
    #[error("device refused {command}: {received}")]
    CommandRefused {
        /// The bytes sent.
        command: Received,
        /// What came back.
        received: Received,
    },
    /// The engine is not ready (still probing) or was stopped.
    #[error("engine not ready: {0}")]
    NotReady(&'static str),
    /// Part of a reply arrived, but its line end did not come before the
    /// timeout (a truncated reply).
    #[error("truncated reply to {query}, no line end before the timeout: {received}")]
    Truncated {
        /// The query sent.
        query: Received,
        /// The bytes received so far.
        received: Received,
    },
    /// The device answered where it must stay silent (APC: between a
    /// command letter and its argument, which then would be taken as
    /// commands).
    #[error("device answered {query} before its argument was sent: {received}")]
    UnexpectedReply {
        /// The bytes sent so far.
        query: Received,
        /// What came back.
        received: Received,
    },
    /// APC Smart: the device never answered `Y` with `SM`.
    #[error(
        "unable to detect an APC Smart protocol UPS: no SM answer to Y in {tries} tries (last: {received})"
    )]
    SmartModeFailed {
        /// How many times `Y` was sent.
        tries: u32,
        /// The last reply (empty when silent).
        received: Received,
    },
    /// An instant command cannot run in the device's current state (APC
    /// calibration already running, or not running when asked to stop).
    #[error("{command}: {reason}")]
    CommandNotApplicable {
        /// The command.
        command: String,
        /// Why.
        reason: &'static str,
    },
    /// Setting a variable failed on the device side (`NO`, wrapped enum,
    /// unexpected answer).
    #[error("setting {name} failed ({reason}): {received}")]
    SetRefused {
        /// The variable.
        name: String,
        /// What went wrong.
        reason: &'static str,
        /// The last reply.
        received: Received,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_escapes_and_truncates() {
        assert_eq!(Received::new(b"(A\r\x01").to_string(), "\"(A\\r\\x01\"");
        let long = Received(vec![b'a'; SHOWN_BYTES + 1]);
        let shown = long.to_string();
        assert!(shown.ends_with(&format!("…\" ({} bytes)", SHOWN_BYTES + 1)));
        let exact = Received(vec![b'a'; SHOWN_BYTES]).to_string();
        assert!(!exact.contains('…'));
    }

    #[test]
    fn messages_are_lower_case_and_name_the_bytes() {
        let e = Error::ShortReply {
            query: Received::new(b"Q1\r"),
            len: 3,
            min: 47,
            received: Received::new(b"Q1\r"),
        };
        assert_eq!(
            e.to_string(),
            "short reply to \"Q1\\r\": 3 bytes, expected at least 47: \"Q1\\r\""
        );
    }
}
