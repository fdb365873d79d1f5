//! Async client on tokio, with the same methods as [`super::blocking::Client`].
//!
//! Every connect, read and write is wrapped in a timeout, so no future
//! waits forever. STARTTLS needs the `tokio-tls` feature.

use std::io;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;
use tokio::time::{Instant, timeout};

use super::calls::{self, Call};
use super::methods::typed_methods;
use super::{ConnectOptions, Range, Response, Session, Target, TlsOptions, UpsEntry, Var};
use crate::Error;
use crate::error::IoAction;
use crate::model::VarType;
use crate::net::TrackingStatus;

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 4096;

/// The transport under a [`Client`].
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    #[cfg(feature = "tokio-tls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// Left behind by a failed STARTTLS upgrade.
    #[cfg_attr(not(feature = "tokio-tls"), allow(dead_code))]
    Gone,
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read(buf).await,
            #[cfg(unix)]
            Self::Unix(s) => s.read(buf).await,
            #[cfg(feature = "tokio-tls")]
            Self::Tls(s) => s.read(buf).await,
            Self::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        async fn write<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> io::Result<()> {
            s.write_all(bytes).await?;
            s.flush().await
        }
        match self {
            Self::Tcp(s) => write(s, bytes).await,
            #[cfg(unix)]
            Self::Unix(s) => write(s, bytes).await,
            #[cfg(feature = "tokio-tls")]
            Self::Tls(s) => write(s.as_mut(), bytes).await,
            Self::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

/// Waits between two tracking polls.
async fn pause(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// An async connection to upsd.
///
/// ```no_run
/// # async fn demo() -> Result<(), nut_proto::Error> {
/// use nut_proto::client::{ConnectOptions, tokio::Client};
///
/// let mut client = Client::connect("localhost", 3493, &ConnectOptions::default()).await?;
/// println!("{}", client.get_var("ups", "ups.status").await?);
/// # Ok(()) }
/// ```
pub struct Client {
    stream: Stream,
    session: Session,
    /// `host:port` or socket path, for messages.
    peer: String,
    /// Host name connected to, for TLS name checks.
    #[cfg_attr(not(feature = "tokio-tls"), allow(dead_code))]
    host: String,
    io_timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("peer", &self.peer)
            .field("tls", &self.is_tls())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects over TCP to `host:port`, trying each resolved address in
    /// turn, then does STARTTLS when `options.tls` is set.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchHost`], [`Error::Io`] / [`Error::Timeout`] with
    /// [`IoAction::Connect`], or a TLS error.
    pub async fn connect(host: &str, port: u16, options: &ConnectOptions) -> Result<Self, Error> {
        let peer = Target::new(None, host, port).authority();
        let no_such_host = || Error::NoSuchHost {
            host: host.to_owned(),
        };
        let addrs: Vec<_> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| no_such_host())?
            .collect();
        let connect_timeout = options.effective_connect_timeout();
        let mut last = no_such_host();
        for addr in addrs {
            let attempt = match connect_timeout {
                Some(limit) => match timeout(limit, TcpStream::connect(addr)).await {
                    Ok(attempt) => attempt,
                    Err(_) => Err(io::ErrorKind::TimedOut.into()),
                },
                None => TcpStream::connect(addr).await,
            };
            match attempt.and_then(|stream| stream.set_nodelay(true).map(|()| stream)) {
                Ok(stream) => {
                    let client = Self::over(Stream::Tcp(stream), host, peer, options);
                    return client.with_tls(options).await;
                }
                Err(source) => {
                    last = super::io_error(
                        IoAction::Connect,
                        &peer,
                        source,
                        connect_timeout.unwrap_or_default(),
                    );
                }
            }
        }
        Err(last)
    }

    /// Connects to a Unix stream socket speaking the network protocol.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] / [`Error::Timeout`] with [`IoAction::Connect`];
    /// [`Error::TlsUnavailable`] when `options.tls` is set.
    #[cfg(unix)]
    pub async fn connect_unix(path: &Path, options: &ConnectOptions) -> Result<Self, Error> {
        let peer = path.display().to_string();
        if options.tls.is_some() {
            return Err(Error::TlsUnavailable);
        }
        let io_timeout = options.effective_io_timeout();
        let limit = options.effective_connect_timeout().unwrap_or(io_timeout);
        let stream = match timeout(limit, UnixStream::connect(path)).await {
            Ok(attempt) => attempt,
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
        .map_err(|source| super::io_error(IoAction::Connect, &peer, source, limit))?;
        Ok(Self::over(Stream::Unix(stream), "localhost", peer, options))
    }

    typed_methods!(async);

    /// Whether STARTTLS succeeded on this connection.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tokio-tls")]
        if matches!(self.stream, Stream::Tls(_)) {
            return true;
        }
        false
    }

    /// `STARTTLS` then a TLS handshake with `options`.
    ///
    /// # Errors
    ///
    /// [`Error::StartTlsRefused`] when the server answers `ERR ...`,
    /// [`Error::Tls`] for configuration or handshake failures,
    /// [`Error::TlsUnavailable`] without the `tokio-tls` feature or on a
    /// Unix socket.
    pub async fn starttls(&mut self, options: &TlsOptions) -> Result<(), Error> {
        #[cfg(feature = "tokio-tls")]
        {
            if !matches!(self.stream, Stream::Tcp(_)) {
                return Err(Error::TlsUnavailable);
            }
            let (config, name) = super::tls::client_config(options, &self.host)?;
            self.call(calls::starttls()).await?;
            self.session.prepare_tls()?;
            let Stream::Tcp(tcp) = std::mem::replace(&mut self.stream, Stream::Gone) else {
                return Err(Error::TlsUnavailable);
            };
            let connector = tokio_rustls::TlsConnector::from(config);
            let handshake = timeout(self.io_timeout, connector.connect(name, tcp)).await;
            match handshake {
                Ok(Ok(tls)) => {
                    self.stream = Stream::Tls(Box::new(tls));
                    Ok(())
                }
                Ok(Err(e)) => {
                    self.session.mark_broken();
                    Err(super::tls::handshake_error(e))
                }
                Err(_) => {
                    self.session.mark_broken();
                    Err(Error::Timeout {
                        action: IoAction::Connect,
                        peer: self.peer.clone(),
                        after: self.io_timeout,
                    })
                }
            }
        }
        #[cfg(not(feature = "tokio-tls"))]
        {
            let _ = options;
            Err(Error::TlsUnavailable)
        }
    }

    /// Writes what the session queued, then reads until it has an answer,
    /// each step bounded by the I/O timeout.
    async fn round_trip(&mut self) -> Result<Response, Error> {
        let mut out = Vec::new();
        if self.session.poll_transmit(&mut out) {
            let written = timeout(self.io_timeout, self.stream.write_all(&out)).await;
            if let Some(error) = self.transport_error(IoAction::Write, written) {
                return Err(error);
            }
        }
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            if let Some(response) = self.session.poll_response() {
                return response;
            }
            let read = timeout(self.io_timeout, self.stream.read(&mut buf)).await;
            match read {
                Ok(Ok(0)) => self.session.handle_eof(),
                Ok(Ok(n)) => self.session.handle_input(buf.get(..n).unwrap_or_default()),
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                other => {
                    let other = other.map(|r| r.map(|_| ()));
                    if let Some(error) = self.transport_error(IoAction::Read, other) {
                        return Err(error);
                    }
                }
            }
        }
    }

    /// The error of a timed I/O step, if it failed; the session is then
    /// unusable.
    fn transport_error(
        &mut self,
        action: IoAction,
        result: Result<io::Result<()>, tokio::time::error::Elapsed>,
    ) -> Option<Error> {
        let source = match result {
            Ok(Ok(())) => return None,
            Ok(Err(source)) => source,
            Err(_) => io::ErrorKind::TimedOut.into(),
        };
        self.session.mark_broken();
        Some(super::io_error(action, &self.peer, source, self.io_timeout))
    }
}
