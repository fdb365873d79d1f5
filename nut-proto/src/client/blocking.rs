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
                    let mut client = Self {
                        stream: Stream::Tcp(stream),
                        session: Session::with_limits(options.limits),
                        peer,
                        host: host.to_owned(),
                        io_timeout,
                    };
                    if let Some(tls) = &options.tls {
                        client.starttls(tls)?;
                    }
                    return Ok(client);
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

    /// Connects to `target.host:target.port` (see [`Client::connect`]).
    ///
    /// # Errors
    ///
    /// As [`Client::connect`].
    pub fn connect_target(target: &Target, options: &ConnectOptions) -> Result<Self, Error> {
        Self::connect(&target.host, target.port, options)
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
        #[cfg(feature = "tls")]
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
    pub fn ver(&mut self) -> Result<String, Error> {
        self.call(calls::ver())
    }

    /// `NETVER`: the protocol version, e.g. `1.3`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn netver(&mut self) -> Result<String, Error> {
        self.call(calls::netver())
    }

    /// `HELP`: the command list text.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn help(&mut self) -> Result<String, Error> {
        self.call(calls::help())
    }

    /// `LIST UPS`, in the server's order.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`], plus LIST errors ([`Error::ListTooLong`], [`Error::Closed`]).
    pub fn list_ups(&mut self) -> Result<Vec<UpsEntry>, Error> {
        self.call(calls::list_ups())
    }

    /// `LIST VAR <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub fn list_var(&mut self, ups: &str) -> Result<Vec<Var>, Error> {
        self.call(calls::list_var(ups))
    }

    /// `LIST RW <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub fn list_rw(&mut self, ups: &str) -> Result<Vec<Var>, Error> {
        self.call(calls::list_rw(ups))
    }

    /// `LIST CMD <ups>`: instant command names.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, Error> {
        self.call(calls::list_cmd(ups))
    }

    /// `LIST ENUM <ups> <var>`: allowed values.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, Error> {
        self.call(calls::list_enum(ups, var))
    }

    /// `LIST RANGE <ups> <var>`: allowed intervals.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub fn list_range(&mut self, ups: &str, var: &str) -> Result<Vec<Range>, Error> {
        self.call(calls::list_range(ups, var))
    }

    /// `LIST CLIENT <ups>`: addresses of logged-in clients.
    ///
    /// # Errors
    ///
    /// As [`Client::list_ups`].
    pub fn list_client(&mut self, ups: &str) -> Result<Vec<String>, Error> {
        self.call(calls::list_client(ups))
    }

    /// `GET VAR <ups> <var>`: the value.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`]; e.g. `Error::Server { code: VarNotSupported, .. }`.
    pub fn get_var(&mut self, ups: &str, var: &str) -> Result<String, Error> {
        self.call(calls::get_var(ups, var))
    }

    /// `GET TYPE <ups> <var>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn get_type(&mut self, ups: &str, var: &str) -> Result<VarType, Error> {
        self.call(calls::get_type(ups, var))
    }

    /// `GET DESC <ups> <var>` (`Description unavailable` when unknown).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, Error> {
        self.call(calls::get_desc(ups, var))
    }

    /// `GET CMDDESC <ups> <cmd>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, Error> {
        self.call(calls::get_cmddesc(ups, cmd))
    }

    /// `GET UPSDESC <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn get_upsdesc(&mut self, ups: &str) -> Result<String, Error> {
        self.call(calls::get_upsdesc(ups))
    }

    /// `GET NUMLOGINS <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn get_numlogins(&mut self, ups: &str) -> Result<u32, Error> {
        self.call(calls::get_numlogins(ups))
    }

    /// `USERNAME <name>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn username(&mut self, name: &str) -> Result<(), Error> {
        self.call(calls::username(name))
    }

    /// `PASSWORD <password>` (checked by upsd only at the next action).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn password(&mut self, password: &str) -> Result<(), Error> {
        self.call(calls::password(password))
    }

    /// `LOGIN <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn login(&mut self, ups: &str) -> Result<(), Error> {
        self.call(calls::login(ups))
    }

    /// `LOGOUT`; the server closes the connection afterwards, so this client
    /// is unusable once it returns.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn logout(&mut self) -> Result<(), Error> {
        let result = self.call(calls::logout());
        self.session.mark_broken();
        result
    }

    /// `PRIMARY <ups>`, falling back to `MASTER <ups>` when the server
    /// answers `ERR UNKNOWN-COMMAND` or `ERR INVALID-ARGUMENT` (before 2.8).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn primary(&mut self, ups: &str) -> Result<(), Error> {
        match self.call(calls::primary(ups)) {
            Err(e) if calls::primary_unsupported(&e) => self.call(calls::master(ups)),
            other => other,
        }
    }

    /// `FSD <ups>`.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn fsd(&mut self, ups: &str) -> Result<(), Error> {
        self.call(calls::fsd(ups))
    }

    /// `SET VAR <ups> <var> "<value>"`; `Some(id)` when tracking is on.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn set_var(&mut self, ups: &str, var: &str, value: &str) -> Result<Option<String>, Error> {
        self.call(calls::set_var(ups, var, value))
    }

    /// `INSTCMD <ups> <cmd> [<param>]`; `Some(id)` when tracking is on.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn instcmd(
        &mut self,
        ups: &str,
        cmd: &str,
        param: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.call(calls::instcmd(ups, cmd, param))
    }

    /// `SET TRACKING ON|OFF` (needs USERNAME and PASSWORD first).
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn set_tracking(&mut self, on: bool) -> Result<(), Error> {
        self.call(calls::set_tracking(on))
    }

    /// `GET TRACKING`: whether tracking is on for this connection.
    ///
    /// # Errors
    ///
    /// As [`Client::ver`].
    pub fn tracking_enabled(&mut self) -> Result<bool, Error> {
        self.call(calls::tracking_enabled())
    }

    /// `GET TRACKING <id>`. Every `ERR` answer is a final
    /// [`TrackingStatus::Failed`], as upscmd prints it.
    ///
    /// # Errors
    ///
    /// Transport and protocol errors only.
    pub fn get_tracking(&mut self, id: &str) -> Result<TrackingStatus, Error> {
        self.call(calls::get_tracking(id))
    }

    /// Polls `GET TRACKING <id>` every `poll` until it is not PENDING.
    ///
    /// # Errors
    ///
    /// [`Error::TrackingTimeout`] when still PENDING after `timeout`.
    pub fn wait_for_tracking(
        &mut self,
        id: &str,
        timeout: Duration,
        poll: Duration,
    ) -> Result<TrackingStatus, Error> {
        let start = Instant::now();
        loop {
            let status = self.get_tracking(id)?;
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
            std::thread::sleep(poll.min(timeout - elapsed));
        }
    }

    /// Sends one raw line (no LF) and returns the first reply line verbatim,
    /// for CLIs that print server text as is. A LIST answer is read to its
    /// end; only its `BEGIN LIST` line is returned.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a line holding CR/LF; transport errors.
    /// `ERR` answers are returned as text, not as errors.
    pub fn request_raw(&mut self, line: &str) -> Result<String, Error> {
        self.ensure_usable()?;
        self.session.send_raw(line)?;
        let response = self.round_trip()?;
        calls::raw_line(response)
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
            if self.session.has_buffered_input() {
                self.session.mark_broken();
                return Err(Error::Tls(
                    "server sent data before the TLS handshake".into(),
                ));
            }
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

    fn ensure_usable(&self) -> Result<(), Error> {
        if self.session.is_broken() || matches!(self.stream, Stream::Gone) {
            return Err(Error::Broken);
        }
        Ok(())
    }

    fn call<T>(&mut self, call: Call<T>) -> Result<T, Error> {
        self.ensure_usable()?;
        self.session.send(&call.request);
        let response = self.round_trip()?;
        (call.finish)(response)
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
