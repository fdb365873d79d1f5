//! The client side of a driver's state socket for one-shot requests, as
//! NUT's `upsdrvquery_oneshot` makes them: `-c exit`, `-c reload-or-error`,
//! `-k` through the running instance, and the duplicate-instance check.
//!
//! The dialog: `NOBROADCAST`, then `PING` and up to [`PREPARE_TIMEOUT`] for
//! the `PONG` (older drivers answer `PING` too), then the request with
//! ` TRACKING <id>` appended, and the result code from the matching
//! `TRACKING <id> <rc>` line; every other line is ignored. Blocking, with a
//! deadline on every read.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use nut_proto::sock::{DecodeOptions, DriverDecoder, DriverMessage};

/// How long the `PING`/`PONG` preamble may take.
pub const PREPARE_TIMEOUT: Duration = Duration::from_secs(3);

/// Most bytes read while waiting for one answer (a driver that floods us
/// with broadcasts despite `NOBROADCAST` cannot keep us forever).
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

/// Why a query got no result code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// No driver listens on the socket (or it cannot be reached).
    #[error("can't connect to {path}: {source}")]
    Connect {
        /// The socket.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The dialog broke or the driver closed the connection.
    #[error("socket dialog with the driver failed: {0}")]
    Io(#[source] std::io::Error),
    /// No `TRACKING` answer in time.
    #[error("no answer from the driver within {0:?}")]
    Timeout(Duration),
}

/// Sends `request` (one socket line without its LF, e.g.
/// `INSTCMD driver.exit`) with a fresh tracking id and returns the driver's
/// result code, waiting at most `timeout` for it.
///
/// # Errors
///
/// [`QueryError`] when the socket cannot be reached, breaks, or the answer
/// does not come in time.
pub fn oneshot(socket: &Path, request: &str, timeout: Duration) -> Result<i32, QueryError> {
    let mut stream = UnixStream::connect(socket).map_err(|source| QueryError::Connect {
        path: socket.display().to_string(),
        source,
    })?;
    stream
        .write_all(b"NOBROADCAST\nPING\n")
        .map_err(QueryError::Io)?;
    let mut reader = Reader::new(&mut stream);
    // An old driver may stay silent here; go on anyway, as NUT does.
    let _ = reader.wait_for(PREPARE_TIMEOUT, |m| matches!(m, DriverMessage::Pong));
    let id = tracking_id();
    let line = format!("{request} TRACKING {id}\n");
    reader
        .stream
        .write_all(line.as_bytes())
        .map_err(QueryError::Io)?;
    let answer = reader.wait_for(
        timeout,
        |m| matches!(m, DriverMessage::Tracking { id: got, .. } if *got == id),
    )?;
    match answer {
        DriverMessage::Tracking { result, .. } => Ok(result.code()),
        _ => Err(QueryError::Timeout(timeout)),
    }
}

/// Whether something answers on `socket` (connect succeeds).
pub fn is_listening(socket: &Path) -> bool {
    UnixStream::connect(socket).is_ok()
}

struct Reader<'s> {
    stream: &'s mut UnixStream,
    decoder: DriverDecoder,
    pending: Vec<u8>,
}

impl<'s> Reader<'s> {
    fn new(stream: &'s mut UnixStream) -> Self {
        Self {
            stream,
            decoder: DriverDecoder::with_options(DecodeOptions::NUT),
            pending: Vec::new(),
        }
    }

    /// Reads until a message matches `want`, or the deadline passes.
    fn wait_for(
        &mut self,
        timeout: Duration,
        want: impl Fn(&DriverMessage) -> bool,
    ) -> Result<DriverMessage, QueryError> {
        let deadline = Instant::now() + timeout;
        let mut total = 0usize;
        loop {
            let mut rest: &[u8] = &self.pending;
            let mut found = None;
            while let nut_proto::sock::Decoded::Complete { item, consumed } =
                self.decoder.decode_next(rest)
            {
                rest = rest.get(consumed..).unwrap_or_default();
                if let Ok(message) = item
                    && want(&message)
                {
                    found = Some(message);
                    break;
                }
            }
            let left = rest.len();
            let start = self.pending.len() - left;
            self.pending.drain(..start);
            if let Some(message) = found {
                return Ok(message);
            }
            self.pending.clear();
            let now = Instant::now();
            if now >= deadline || total > MAX_REPLY_BYTES {
                return Err(QueryError::Timeout(timeout));
            }
            self.stream
                .set_read_timeout(Some(deadline - now))
                .map_err(QueryError::Io)?;
            let mut buf = [0u8; 4096];
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    return Err(QueryError::Io(std::io::Error::from(
                        std::io::ErrorKind::UnexpectedEof,
                    )));
                }
                Ok(n) => {
                    total += n;
                    self.pending
                        .extend_from_slice(buf.get(..n).unwrap_or_default());
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(QueryError::Timeout(timeout));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(QueryError::Io(e)),
            }
        }
    }
}

/// A UUID-shaped tracking id (upper-case hex, as NUT makes them), random
/// enough to tell our answer from anyone else's.
pub fn tracking_id() -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_usize(i);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex[..4].concat(),
        hex[4..6].concat(),
        hex[6..8].concat(),
        hex[8..10].concat(),
        hex[10..].concat()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_ids_look_like_nuts_and_differ() {
        let a = tracking_id();
        let b = tracking_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let dashes: Vec<usize> = a.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, [8, 13, 18, 23]);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(
            a.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
    }

    #[test]
    fn a_missing_socket_is_a_connect_error() {
        let err = oneshot(
            Path::new("/nonexistent/socket"),
            "PING",
            Duration::from_millis(10),
        )
        .unwrap_err();
        assert!(matches!(err, QueryError::Connect { .. }));
    }
}
