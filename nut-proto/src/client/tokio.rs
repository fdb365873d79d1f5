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
        let io_timeout = options.effective_io_timeout();
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
                    let mut client = Self {
                        stream: Stream::Tcp(stream),
                        session: Session::with_limits(options.limits),
                        peer,
                        host: host.to_owned(),
                        io_timeout,
                    };
                    if let Some(tls) = &options.tls {
                        client.starttls(tls).await?;
                    }
                    return Ok(client);
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

    /// Connects to `target.host:target.port` (see [`Client::connect`]).
    ///
    /// # Errors
    ///
    /// As [`Client::connect`].
    pub async fn connect_target(target: &Target, options: &ConnectOptions) -> Result<Self, Error> {
        Self::connect(&target.host, target.port, options).await
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
        Ok(Self {
            stream: Stream::Unix(stream),
            session: Session::with_limits(options.limits),
            host: "localhost".to_owned(),
            peer,
            io_timeout,
        })
    }

    /// `host:port` or socket path of the server.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Whether STARTTLS succeeded on this connection.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tokio-tls")]
        if matches!(self.stream, Stream::Tls(_)) {
            return true;
        }
        false
    }

    /// `VER`: the server's version text, e.g. `Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/`.
    ///
    /// # Errors
    ///
    /// Transport errors, [`Error::Server`] on `ERR`, [`Error::Protocol`].
    pub async fn ver(&mut self) -> Result<String, Error> {
        self.call(calls::ver()).await
    }

    /// `NETVER`: the protocol version, e.g. `1.3`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn netver(&mut self) -> Result<String, Error> {
        self.call(calls::netver()).await
    }

    /// `HELP`: the command list text.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn help(&mut self) -> Result<String, Error> {
        self.call(calls::help()).await
    }

    /// `LIST UPS`, in the server's order.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`], plus LIST errors ([`Error::ListTooLong`], [`Error::Closed`]).
    pub async fn list_ups(&mut self) -> Result<Vec<UpsEntry>, Error> {
        self.call(calls::list_ups()).await
    }

    /// `LIST VAR <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub async fn list_var(&mut self, ups: &str) -> Result<Vec<Var>, Error> {
        self.call(calls::list_var(ups)).await
    }

    /// `LIST RW <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub async fn list_rw(&mut self, ups: &str) -> Result<Vec<Var>, Error> {
        self.call(calls::list_rw(ups)).await
    }

    /// `LIST CMD <ups>`: instant command names.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub async fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, Error> {
        self.call(calls::list_cmd(ups)).await
    }

    /// `LIST ENUM <ups> <var>`: allowed values.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub async fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, Error> {
        self.call(calls::list_enum(ups, var)).await
    }

    /// `LIST RANGE <ups> <var>`: allowed intervals.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub async fn list_range(&mut self, ups: &str, var: &str) -> Result<Vec<Range>, Error> {
        self.call(calls::list_range(ups, var)).await
    }

    /// `LIST CLIENT <ups>`: addresses of logged-in clients.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub async fn list_client(&mut self, ups: &str) -> Result<Vec<String>, Error> {
        self.call(calls::list_client(ups)).await
    }

    /// `GET VAR <ups> <var>`: the value.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`]; e.g. `Error::Server { code: VarNotSupported, .. }`.
    pub async fn get_var(&mut self, ups: &str, var: &str) -> Result<String, Error> {
        self.call(calls::get_var(ups, var)).await
    }

    /// `GET TYPE <ups> <var>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn get_type(&mut self, ups: &str, var: &str) -> Result<VarType, Error> {
        self.call(calls::get_type(ups, var)).await
    }

    /// `GET DESC <ups> <var>` (`Description unavailable` when unknown).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, Error> {
        self.call(calls::get_desc(ups, var)).await
    }

    /// `GET CMDDESC <ups> <cmd>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, Error> {
        self.call(calls::get_cmddesc(ups, cmd)).await
    }

    /// `GET UPSDESC <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn get_upsdesc(&mut self, ups: &str) -> Result<String, Error> {
        self.call(calls::get_upsdesc(ups)).await
    }

    /// `GET NUMLOGINS <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn get_numlogins(&mut self, ups: &str) -> Result<u32, Error> {
        self.call(calls::get_numlogins(ups)).await
    }

    /// `USERNAME <name>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn username(&mut self, name: &str) -> Result<(), Error> {
        self.call(calls::username(name)).await
    }

    /// `PASSWORD <password>` (checked by upsd only at the next action).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn password(&mut self, password: &str) -> Result<(), Error> {
        self.call(calls::password(password)).await
    }

    /// `LOGIN <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn login(&mut self, ups: &str) -> Result<(), Error> {
        self.call(calls::login(ups)).await
    }

    /// `LOGOUT`; the server closes the connection afterwards, so this client
    /// is unusable once it returns.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn logout(&mut self) -> Result<(), Error> {
        let result = self.call(calls::logout()).await;
        self.session.mark_broken();
        result
    }

    /// `PRIMARY <ups>`, falling back to `MASTER <ups>` when the server
    /// answers `ERR UNKNOWN-COMMAND` or `ERR INVALID-ARGUMENT` (before 2.8).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn primary(&mut self, ups: &str) -> Result<(), Error> {
        match self.call(calls::primary(ups)).await {
            Err(e) if calls::primary_unsupported(&e) => self.call(calls::master(ups)).await,
            other => other,
        }
    }

    /// `FSD <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn fsd(&mut self, ups: &str) -> Result<(), Error> {
        self.call(calls::fsd(ups)).await
    }

    /// `SET VAR <ups> <var> "<value>"`; `Some(id)` when tracking is on.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn set_var(
        &mut self,
        ups: &str,
        var: &str,
        value: &str,
    ) -> Result<Option<String>, Error> {
        self.call(calls::set_var(ups, var, value)).await
    }

    /// `INSTCMD <ups> <cmd> [<param>]`; `Some(id)` when tracking is on.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn instcmd(
        &mut self,
        ups: &str,
        cmd: &str,
        param: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.call(calls::instcmd(ups, cmd, param)).await
    }

    /// `SET TRACKING ON|OFF` (needs USERNAME and PASSWORD first).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn set_tracking(&mut self, on: bool) -> Result<(), Error> {
        self.call(calls::set_tracking(on)).await
    }

    /// `GET TRACKING`: whether tracking is on for this connection.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub async fn tracking_enabled(&mut self) -> Result<bool, Error> {
        self.call(calls::tracking_enabled()).await
    }

    /// `GET TRACKING <id>`. Every `ERR` answer is a final
    /// [`TrackingStatus::Failed`], as upscmd prints it.
    ///
    /// # Errors
    ///
    /// Transport and protocol errors only.
    pub async fn get_tracking(&mut self, id: &str) -> Result<TrackingStatus, Error> {
        self.call(calls::get_tracking(id)).await
    }

    /// Polls `GET TRACKING <id>` every `poll` until it is not PENDING.
    ///
    /// # Errors
    ///
    /// [`Error::TrackingTimeout`] when still PENDING after `timeout`.
    pub async fn wait_for_tracking(
        &mut self,
        id: &str,
        timeout: Duration,
        poll: Duration,
    ) -> Result<TrackingStatus, Error> {
        let start = Instant::now();
        loop {
            let status = self.get_tracking(id).await?;
            if status != TrackingStatus::Pending {
                return Ok(status);
            }
            let elapsed = start.elapsed();
            if elapsed >= timeout {
                return Err(Error::TrackingTimeout {
                    id: id.to_owned(),
                    after: timeout,
                });
            }
            tokio::time::sleep(poll.min(timeout - elapsed)).await;
        }
    }

    /// Sends one raw line (no LF) and returns the first reply line verbatim.
    /// A LIST answer is read to its end; only its `BEGIN LIST` line is
    /// returned.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a line holding CR/LF; transport errors.
    /// `ERR` answers are returned as text, not as errors.
    pub async fn request_raw(&mut self, line: &str) -> Result<String, Error> {
        self.ensure_usable()?;
        self.session.send_raw(line)?;
        let response = self.round_trip().await?;
        calls::raw_line(response)
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
            if self.session.has_buffered_input() {
                self.session.mark_broken();
                return Err(Error::Tls(
                    "server sent data before the TLS handshake".into(),
                ));
            }
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

    fn ensure_usable(&self) -> Result<(), Error> {
        if self.session.is_broken() || matches!(self.stream, Stream::Gone) {
            return Err(Error::Broken);
        }
        Ok(())
    }

    async fn call<T>(&mut self, call: Call<T>) -> Result<T, Error> {
        self.ensure_usable()?;
        self.session.send(&call.request);
        let response = self.round_trip().await?;
        (call.finish)(response)
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
