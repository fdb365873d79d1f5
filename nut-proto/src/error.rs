//! The crate's error type.

use std::io;
use std::time::Duration;

use crate::client::TargetError;
use crate::net::{DecodeError, ErrorCode};
use crate::tokenizer::ParseError;

/// What the client was doing when an I/O error or timeout happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoAction {
    /// Opening the connection.
    Connect,
    /// Sending a request.
    Write,
    /// Waiting for a reply.
    Read,
}

impl std::fmt::Display for IoAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting to",
            Self::Write => "sending to",
            Self::Read => "reading from",
        })
    }
}

/// Everything that can go wrong in `nut-proto`.
///
/// NUT's `ERR` codes are *data* ([`crate::net::ErrorCode`]); a client call
/// that receives one returns [`Error::Server`]. [`Error::nut_message`] gives
/// the text NUT's own clients print after `Error: `.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line could not be tokenized.
    #[error(transparent)]
    Parse(#[from] ParseError),

    /// A socket operation failed.
    #[error("{action} {peer}: {}", strerror(source))]
    #[non_exhaustive]
    Io {
        /// What was being done.
        action: IoAction,
        /// The server (`host:port` or socket path).
        peer: String,
        /// The OS error.
        source: io::Error,
    },

    /// A socket operation took longer than its timeout.
    #[error("timed out after {after:?} {action} {peer}")]
    #[non_exhaustive]
    Timeout {
        /// What was being done.
        action: IoAction,
        /// The server.
        peer: String,
        /// The timeout that expired.
        after: Duration,
    },

    /// The server closed the connection before answering in full.
    #[error("server closed the connection{}", during.as_ref().map(|d| format!(" in the middle of {d}")).unwrap_or_default())]
    #[non_exhaustive]
    Closed {
        /// The LIST being received when the connection closed, if any.
        during: Option<String>,
    },

    /// The server answered `ERR <code>`.
    #[error("server error {code}{}", extra.as_ref().map(|e| format!(" ({e})")).unwrap_or_default())]
    #[non_exhaustive]
    Server {
        /// The code.
        code: ErrorCode,
        /// Extra words after the code, if any.
        extra: Option<String>,
    },

    /// A reply line could not be decoded.
    #[error(transparent)]
    InvalidResponse(#[from] DecodeError),

    /// A well-formed reply that does not answer what was asked.
    #[error("protocol error: expected {expected}, got {line:?}")]
    #[non_exhaustive]
    Protocol {
        /// What the request called for.
        expected: String,
        /// The line received (cut to [`crate::net::MAX_ERROR_EXCERPT`] bytes).
        line: String,
    },

    /// A reply line exceeded the session's line length limit.
    #[error("reply line longer than {limit} bytes")]
    #[non_exhaustive]
    LineTooLong {
        /// The limit.
        limit: usize,
    },

    /// A LIST answer exceeded the session's entry limit.
    #[error("{query} has more than {limit} entries")]
    #[non_exhaustive]
    ListTooLong {
        /// The LIST query (`LIST VAR ups`).
        query: String,
        /// The limit.
        limit: usize,
    },

    /// The session is unusable after an earlier fatal error or LOGOUT.
    #[error("connection unusable after an earlier error or logout")]
    Broken,

    /// A request the client refuses to send (e.g. a raw line holding LF).
    #[error("invalid request: {reason}")]
    #[non_exhaustive]
    InvalidRequest {
        /// Why.
        reason: &'static str,
    },

    /// A `upsname[@host[:port]]` or `host[:port]` argument is malformed.
    #[error(transparent)]
    InvalidTarget(#[from] TargetError),

    /// The host name did not resolve.
    #[error("no such host: {host}")]
    #[non_exhaustive]
    NoSuchHost {
        /// The name that failed.
        host: String,
    },

    /// TLS setup or handshake failed.
    #[error("tls: {0}")]
    Tls(String),

    /// The server refused STARTTLS (`ERR FEATURE-NOT-CONFIGURED` when it has
    /// no certificate, `FEATURE-NOT-SUPPORTED` without TLS support, ...).
    #[error("server refused STARTTLS: {code}")]
    #[non_exhaustive]
    StartTlsRefused {
        /// The server's code.
        code: ErrorCode,
    },

    /// TLS was requested but this build has no `tls` feature (or the
    /// connection is a Unix socket).
    #[error("tls is not available on this connection")]
    TlsUnavailable,

    /// `wait_for_tracking` gave up while the result was still PENDING.
    #[error("tracking {id} still pending after {after:?}")]
    #[non_exhaustive]
    TrackingTimeout {
        /// The tracking id.
        id: String,
        /// How long it waited.
        after: Duration,
    },

    /// A driver-socket line could not be decoded.
    #[error(transparent)]
    SockDecode(#[from] crate::sock::DecodeError),

    /// A driver's state would grow past its [`crate::sock::SnapshotLimits`].
    #[error(transparent)]
    SockState(#[from] crate::sock::SnapshotError),
}

impl Error {
    /// The message NUT's client library (`upscli_strerror`) gives for this
    /// error, which NUT's CLIs print after `Error: `: "Unknown UPS",
    /// "Connection failure: Connection refused", "No such host", "Server
    /// disconnected", ... OS error texts are given without Rust's
    /// ` (os error N)` suffix.
    pub fn nut_message(&self) -> String {
        match self {
            Self::Parse(e) => format!("Parse error: {}", e.kind),
            Self::Io { action, source, .. } => {
                format!("{}{}", nut_io_prefix(*action), strerror(source))
            }
            Self::Timeout { action, .. } => {
                format!("{}Connection timed out", nut_io_prefix(*action))
            }
            Self::Closed { .. } | Self::Broken => "Server disconnected".to_owned(),
            Self::Server { code, .. } => code.client_message().to_owned(),
            Self::InvalidResponse(_) => "Invalid response from server".to_owned(),
            Self::Protocol { .. } | Self::LineTooLong { .. } | Self::ListTooLong { .. } => {
                "Protocol error".to_owned()
            }
            Self::InvalidRequest { .. } => "Invalid argument".to_owned(),
            Self::InvalidTarget(e) => e.nut_message().to_owned(),
            Self::NoSuchHost { .. } => "No such host".to_owned(),
            Self::Tls(msg) => format!("SSL error: {msg}"),
            Self::StartTlsRefused { code } => {
                format!("SSL error: server refused STARTTLS ({code})")
            }
            Self::TlsUnavailable => "SSL is not available".to_owned(),
            Self::TrackingTimeout { .. } => {
                "Can't receive status tracking information: timeout".to_owned()
            }
            Self::SockDecode(_) | Self::SockState(_) => "Protocol error".to_owned(),
        }
    }

    /// The server's `ERR` code, when this is [`Error::Server`].
    pub fn server_code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Server { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// libupsclient's prefix for an I/O failure during `action`.
fn nut_io_prefix(action: IoAction) -> &'static str {
    match action {
        IoAction::Connect => "Connection failure: ",
        IoAction::Write => "Write error: ",
        IoAction::Read => "Read error: ",
    }
}

/// The C library's `strerror` text of an I/O error: Rust's message less its
/// ` (os error N)` suffix.
pub fn strerror(error: &io::Error) -> String {
    let text = error.to_string();
    match error.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .map_or_else(|| text.clone(), str::to_owned),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_drops_the_rust_suffix() {
        let e = io::Error::from_raw_os_error(111);
        assert_eq!(strerror(&e), "Connection refused");
        let custom = io::Error::other("boom");
        assert_eq!(strerror(&custom), "boom");
    }

    #[test]
    fn nut_messages_match_upscli_strerror() {
        let refused = Error::Io {
            action: IoAction::Connect,
            peer: "127.0.0.1:1".into(),
            source: io::Error::from_raw_os_error(111),
        };
        assert_eq!(
            refused.nut_message(),
            "Connection failure: Connection refused"
        );
        let stale = Error::Server {
            code: ErrorCode::DataStale,
            extra: None,
        };
        assert_eq!(stale.nut_message(), "Data stale");
        assert_eq!(
            Error::Closed { during: None }.nut_message(),
            "Server disconnected"
        );
        assert_eq!(
            Error::NoSuchHost { host: "x".into() }.nut_message(),
            "No such host"
        );
    }
}
