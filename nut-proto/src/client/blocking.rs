//! Blocking client over std TCP (optionally STARTTLS) and Unix sockets.
//!
//! Every read and write has a timeout ([`ConnectOptions::io_timeout`]), and
//! connecting has one when configured, so no call can hang forever.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use super::calls::{self, Call};
use super::methods::typed_methods;
use super::{
    ConnectOptions, Range, Response, Session, Target, TlsOptions, UpsEntry, Var, io_error,
};
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
    #[cfg(feature = "tls")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    /// Left behind by a failed STARTTLS upgrade.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    Gone,
}

impl Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Self::Unix(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Self::Tls(s) => s.read(buf),
            Self::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.write_all(bytes),
            #[cfg(unix)]
            Self::Unix(s) => s.write_all(bytes),
            #[cfg(feature = "tls")]
            Self::Tls(s) => s.write_all(bytes).and_then(|()| s.flush()),
            Self::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

/// Waits between two tracking polls.
fn pause(duration: Duration) {
    std::thread::sleep(duration);
}

/// A blocking connection to upsd.
///
/// ```no_run
/// use nut_proto::client::{ConnectOptions, blocking::Client};
///
/// let mut client = Client::connect("localhost", 3493, &ConnectOptions::default())?;
/// println!("{}", client.get_var("ups", "ups.status")?);
/// client.username("admin")?;
/// client.password("secret")?;
/// if let Some(id) = client.instcmd("ups", "test.battery.start", None)? {
///     let status = client.wait_for_tracking(&id, std::time::Duration::from_secs(10),
///                                           std::time::Duration::from_secs(1))?;
///     println!("{status}");
/// }
/// # Ok::<(), nut_proto::Error>(())
/// ```
pub struct Client {
    stream: Stream,
    session: Session,
    /// `host:port` or socket path, for messages.
    peer: String,
    /// Host name connected to, for TLS name checks.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
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
    /// Connects over TCP to `host:port` (name or address; IPv6 without
    /// brackets), trying each resolved address in turn, then does STARTTLS
    /// when `options.tls` is set.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchHost`], [`Error::Io`] / [`Error::Timeout`] with
    /// [`IoAction::Connect`] (the last address's error), or a TLS error.
    pub fn connect(host: &str, port: u16, options: &ConnectOptions) -> Result<Self, Error> {
        let peer = Target::new(None, host, port).authority();
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|_| Error::NoSuchHost {
                host: host.to_owned(),
            })?
            .collect();
        let connect_timeout = options.effective_connect_timeout();
        let mut last = Error::NoSuchHost {
            host: host.to_owned(),
        };
        for addr in addrs {
            let attempt = match connect_timeout {
                Some(timeout) => TcpStream::connect_timeout(&addr, timeout),
                None => TcpStream::connect(addr),
            };
            match attempt {
                Ok(stream) => {
                    let io_timeout = options.effective_io_timeout();
                    let setup = stream
                        .set_nodelay(true)
                        .and_then(|()| stream.set_read_timeout(Some(io_timeout)))
                        .and_then(|()| stream.set_write_timeout(Some(io_timeout)));
                    if let Err(source) = setup {
                        return Err(io_error(IoAction::Connect, &peer, source, io_timeout));
                    }
                    let client = Self::over(Stream::Tcp(stream), host, peer, options);
                    return client.with_tls(options);
                }
                Err(source) => {
                    last = io_error(
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
    /// [`Error::Io`] with [`IoAction::Connect`]; [`Error::TlsUnavailable`]
    /// when `options.tls` is set.
    #[cfg(unix)]
    pub fn connect_unix(path: &Path, options: &ConnectOptions) -> Result<Self, Error> {
        let peer = path.display().to_string();
        if options.tls.is_some() {
            return Err(Error::TlsUnavailable);
        }
        let io_timeout = options.effective_io_timeout();
        let stream = UnixStream::connect(path)
            .and_then(|s| {
                s.set_read_timeout(Some(io_timeout))?;
                s.set_write_timeout(Some(io_timeout))?;
                Ok(s)
            })
            .map_err(|source| io_error(IoAction::Connect, &peer, source, io_timeout))?;
        Ok(Self::over(Stream::Unix(stream), "localhost", peer, options))
    }

    typed_methods!(blocking);

    /// Whether STARTTLS succeeded on this connection.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
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
    /// [`Error::TlsUnavailable`] without the `tls` feature or on a Unix socket.
    pub fn starttls(&mut self, options: &TlsOptions) -> Result<(), Error> {
        #[cfg(feature = "tls")]
        {
            if !matches!(self.stream, Stream::Tcp(_)) {
                return Err(Error::TlsUnavailable);
            }
            let (config, name) = super::tls::client_config(options, &self.host)?;
            self.call(calls::starttls())?;
            self.session.prepare_tls()?;
            let Stream::Tcp(mut tcp) = std::mem::replace(&mut self.stream, Stream::Gone) else {
                return Err(Error::TlsUnavailable);
            };
            let mut conn = rustls::ClientConnection::new(config, name)
                .map_err(|e| Error::Tls(e.to_string()))?;
            while conn.is_handshaking() {
                if let Err(e) = conn.complete_io(&mut tcp) {
                    self.session.mark_broken();
                    return Err(super::tls::handshake_error(e));
                }
            }
            self.stream = Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)));
            Ok(())
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = options;
            Err(Error::TlsUnavailable)
        }
    }

    /// Writes what the session queued, then reads until it has an answer.
    fn round_trip(&mut self) -> Result<Response, Error> {
        let mut out = Vec::new();
        if self.session.poll_transmit(&mut out)
            && let Err(source) = self.stream.write_all(&out)
        {
            self.session.mark_broken();
            return Err(io_error(
                IoAction::Write,
                &self.peer,
                source,
                self.io_timeout,
            ));
        }
        let mut buf = [0u8; READ_CHUNK];
        loop {
            if let Some(response) = self.session.poll_response() {
                return response;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => self.session.handle_eof(),
                Ok(n) => self.session.handle_input(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    self.session.mark_broken();
                    return Err(io_error(
                        IoAction::Read,
                        &self.peer,
                        source,
                        self.io_timeout,
                    ));
                }
            }
        }
    }
}
