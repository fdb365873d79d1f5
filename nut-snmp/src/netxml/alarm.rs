//! The alarm subscription channel (`subscribe`): a POST to the card's
//! subscription page gives a TCP port and a secret; the driver connects
//! there, identifies with the secret, and the card then pushes `ALARM`
//! documents as things change.
//!
//! The messages are built and read in [`super::request`]; this module only
//! moves them.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http::Transport;
use super::request::{self, HttpRequest, Method};
use crate::error::Error;

/// Largest alarm message read at once, in bytes.
pub const MAX_ALARM_BYTES: usize = 16 * 1024;
/// Silence after which the channel counts as lost (netxml-ups: 180 s).
pub const SILENCE_LIMIT: Duration = Duration::from_secs(180);

/// An open alarm channel.
#[derive(Debug)]
pub struct AlarmChannel {
    stream: TcpStream,
    host: String,
}

impl AlarmChannel {
    /// The card's host name, as in NUT's log lines.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Subscribes: POSTs `body` to `path`, connects to the port the card
    /// names and identifies with its secret.
    ///
    /// # Errors
    ///
    /// The HTTP error, [`Error::Netxml`] for a reply without port or
    /// secret or a refused identification, [`Error::Http`] when the port
    /// cannot be reached.
    pub async fn open(transport: &Transport, path: &str, body: String) -> Result<Self, Error> {
        let reply = transport
            .send(&HttpRequest {
                method: Method::Post,
                path: path.to_owned(),
                content_type: Some("text/xml".into()),
                body: body.into_bytes(),
            })
            .await?;
        let (port, secret) = request::parse_subscribe_reply(&reply)?;
        let options = transport.options();
        let host = options.host().to_owned();
        let timeout = Duration::from_secs(u64::from(options.timeout));
        let unreachable = |reason: String| Error::Http {
            url: format!("{host}:{port}"),
            reason,
        };
        let mut stream = tokio::time::timeout(timeout, TcpStream::connect((host.as_str(), port)))
            .await
            .map_err(|_| unreachable("connect timed out".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        stream
            .write_all(&request::subscription_identification(secret))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let mut answer = vec![0u8; 256];
        let n = tokio::time::timeout(timeout, stream.read(&mut answer))
            .await
            .map_err(|_| unreachable("no answer to the identification".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        answer.truncate(n);
        if !request::subscription_accepted(&answer) {
            return Err(Error::Netxml(format!(
                "subscription refused by {host}: '{}'",
                crate::error::shown(&String::from_utf8_lossy(&answer))
            )));
        }
        Ok(Self { stream, host })
    }

    /// The next message, waiting at most [`SILENCE_LIMIT`].
    ///
    /// # Errors
    ///
    /// [`Error::Netxml`] when the card closed the channel or was silent too
    /// long, [`Error::Http`] for a socket error.
    pub async fn next(&mut self) -> Result<Vec<u8>, Error> {
        let mut buffer = vec![0u8; MAX_ALARM_BYTES];
        let n = tokio::time::timeout(SILENCE_LIMIT, self.stream.read(&mut buffer))
            .await
            .map_err(|_| {
                Error::Netxml(format!("no alarm message in {} s", SILENCE_LIMIT.as_secs()))
            })?
            .map_err(|e| Error::Http {
                url: self.host.clone(),
                reason: e.to_string(),
            })?;
        if n == 0 {
            return Err(Error::Netxml("the card closed the alarm channel".into()));
        }
        buffer.truncate(n);
        // A message may end with the NUL the card's C code writes.
        while buffer.last() == Some(&0) {
            buffer.pop();
        }
        Ok(buffer)
    }
}
