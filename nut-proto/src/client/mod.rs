//! The NUT client: target parsing, a sans-IO session, and blocking and tokio
//! adapters with one typed API.
//!
//! * [`Target`]: `upsname[@host[:port]]` and `host[:port]` arguments, read
//!   as NUT reads them or strictly ([`TargetSyntax`]).
//! * [`Session`]: the sans-IO core (requests → bytes, bytes → [`Response`]s),
//!   with LIST assembly and limits.
//! * [`blocking::Client`] (feature `blocking`, default) and
//!   `tokio::Client` (feature `tokio`): TCP or Unix socket, timeouts on
//!   every operation, STARTTLS with rustls (feature `tls`; `tokio-tls` for
//!   the async client), and the same typed methods: `ver`, `list_var`,
//!   `get_var`, `set_var`, `instcmd`, `wait_for_tracking`, `request_raw`...
//!
//! Errors are [`crate::Error`]; [`crate::Error::nut_message`] gives the text
//! NUT's CLIs print after `Error: `.
//!
//! ```no_run
//! # #[cfg(feature = "blocking")] {
//! use nut_proto::client::{ConnectOptions, Target, blocking::Client};
//!
//! let target = Target::parse("ups@localhost:3493")?;
//! let mut client = Client::connect_target(&target, &ConnectOptions::default())?;
//! for var in client.list_var("ups")? {
//!     println!("{}: {}", var.name, var.value);
//! }
//! # }
//! # Ok::<(), nut_proto::Error>(())
//! ```

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(any(feature = "blocking", feature = "tokio"))]
mod calls;
#[cfg(any(feature = "blocking", feature = "tokio"))]
mod methods;
mod options;
mod session;
mod target;
#[cfg(any(all(feature = "blocking", feature = "tls"), feature = "tokio-tls"))]
mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use crate::net::TrackingStatus;

#[cfg(any(feature = "blocking", feature = "tokio"))]
use crate::error::IoAction;
pub use options::{
    CONNECT_TIMEOUT_ENV, ClientIdentity, ConnectOptions, DEFAULT_IO_TIMEOUT, TlsOptions,
};
pub use session::{MAX_LIST_ENTRIES, MAX_REPLY_LINE_LEN, Response, Session, SessionLimits};
pub use target::{
    DEFAULT_HOST, MAX_TARGET_LEN, Target, TargetError, TargetErrorKind, TargetSyntax,
};

/// One `LIST UPS` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UpsEntry {
    /// UPS name.
    pub name: String,
    /// Description from ups.conf (`Description unavailable` when none).
    pub description: String,
}

/// A variable and its value (`LIST VAR` / `LIST RW`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Var {
    /// Variable name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// One `LIST RANGE` entry: an allowed interval, bounds as sent (integers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Range {
    /// Lower bound.
    pub min: String,
    /// Upper bound.
    pub max: String,
}

/// Maps an I/O error: timeouts become [`crate::Error::Timeout`].
#[cfg(any(feature = "blocking", feature = "tokio"))]
pub(crate) fn io_error(
    action: IoAction,
    peer: &str,
    source: std::io::Error,
    after: std::time::Duration,
) -> crate::Error {
    if matches!(
        source.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ) {
        crate::Error::Timeout {
            action,
            peer: peer.to_owned(),
            after,
        }
    } else {
        crate::Error::Io {
            action,
            peer: peer.to_owned(),
            source,
        }
    }
}
