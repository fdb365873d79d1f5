//! The typed methods of both client adapters, written once.
//!
//! [`typed_methods!`] expands inside `impl Client` of an adapter module into
//! every typed request method, the tracking wait, raw requests and the
//! private `call` that drives one [`super::calls::Call`]. The blocking
//! adapter invokes it as `typed_methods!(blocking)`, the tokio one as
//! `typed_methods!(async)`, which makes every method `async` and awaits
//! each IO step. Names in the bodies resolve in the invoking module, which
//! provides: `Error`, `Duration`, `Instant` (its clock), `TrackingStatus`,
//! `UpsEntry`, `Var`, `Range`, `VarType`, `Target`, `ConnectOptions`, `Session`,
//! `Call`, `calls`, the `Stream` enum with a `Gone` variant, a `Client`
//! with fields `stream`, `session`, `peer`, `host` and `io_timeout`, the
//! methods `round_trip` and `starttls`, and a free function
//! `pause(Duration)`.

/// Expands to the typed methods of a client adapter; see the module docs.
macro_rules! typed_methods {
    (blocking) => {
        $crate::client::methods::typed_methods!(@methods [] []);
    };
    (async) => {
        $crate::client::methods::typed_methods!(@methods [async] [.await]);
    };
    (@methods [$($async:tt)*] [$($await:tt)*]) => {
        /// Connects to `target.host:target.port` (see [`Client::connect`]).
        ///
        /// # Errors
        ///
        /// As [`Client::connect`].
        pub $($async)* fn connect_target(
            target: &Target,
            options: &ConnectOptions,
        ) -> Result<Self, Error> {
            Self::connect(&target.host, target.port, options) $($await)*
        }

        /// A client over a connected `stream` to `peer`; `host` is the name
        /// TLS checks.
        fn over(stream: Stream, host: &str, peer: String, options: &ConnectOptions) -> Self {
            Self {
                stream,
                session: Session::with_limits(options.limits),
                peer,
                host: host.to_owned(),
                io_timeout: options.effective_io_timeout(),
            }
        }

        /// Does STARTTLS when `options.tls` asks for it.
        $($async)* fn with_tls(mut self, options: &ConnectOptions) -> Result<Self, Error> {
            if let Some(tls) = &options.tls {
                self.starttls(tls) $($await)* ?;
            }
            Ok(self)
        }

        /// `host:port` or socket path of the server.
        pub fn peer(&self) -> &str {
            &self.peer
        }

        /// `VER`: the server's version text, e.g. `Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/`.
        ///
        /// # Errors
        ///
        /// Transport errors, [`Error::Server`] on `ERR`, [`Error::Protocol`].
        pub $($async)* fn ver(&mut self) -> Result<String, Error> {
            self.call(calls::ver()) $($await)*
        }

        /// `NETVER`: the protocol version, e.g. `1.3`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn netver(&mut self) -> Result<String, Error> {
            self.call(calls::netver()) $($await)*
        }

        /// `HELP`: the command list text.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn help(&mut self) -> Result<String, Error> {
            self.call(calls::help()) $($await)*
        }

        /// `LIST UPS`, in the server's order.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`], plus LIST errors ([`Error::ListTooLong`], [`Error::Closed`]).
        pub $($async)* fn list_ups(&mut self) -> Result<Vec<UpsEntry>, Error> {
            self.call(calls::list_ups()) $($await)*
        }

        /// `LIST VAR <ups>`.
        ///
        /// # Errors
        ///
        /// As [`Client::list_ups`].
        pub $($async)* fn list_var(&mut self, ups: &str) -> Result<Vec<Var>, Error> {
            self.call(calls::list_var(ups)) $($await)*
        }

        /// `LIST RW <ups>`.
        ///
        /// # Errors
        ///
        /// As [`Client::list_ups`].
        pub $($async)* fn list_rw(&mut self, ups: &str) -> Result<Vec<Var>, Error> {
            self.call(calls::list_rw(ups)) $($await)*
        }

        /// `LIST CMD <ups>`: instant command names.
        ///
        /// # Errors
        ///
        /// As [`Client::list_ups`].
        pub $($async)* fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, Error> {
            self.call(calls::list_cmd(ups)) $($await)*
        }

        /// `LIST ENUM <ups> <var>`: allowed values.
        ///
        /// # Errors
        ///
        /// As [`Client::list_ups`].
        pub $($async)* fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, Error> {
            self.call(calls::list_enum(ups, var)) $($await)*
        }

        /// `LIST RANGE <ups> <var>`: allowed intervals.
        ///
        /// # Errors
        ///
        /// As [`Client::list_ups`].
        pub $($async)* fn list_range(&mut self, ups: &str, var: &str) -> Result<Vec<Range>, Error> {
            self.call(calls::list_range(ups, var)) $($await)*
        }

        /// `LIST CLIENT <ups>`: addresses of logged-in clients.
        ///
        /// # Errors
        ///
        /// As [`Client::list_ups`].
        pub $($async)* fn list_client(&mut self, ups: &str) -> Result<Vec<String>, Error> {
            self.call(calls::list_client(ups)) $($await)*
        }

        /// `GET VAR <ups> <var>`: the value.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`]; e.g. `Error::Server { code: VarNotSupported, .. }`.
        pub $($async)* fn get_var(&mut self, ups: &str, var: &str) -> Result<String, Error> {
            self.call(calls::get_var(ups, var)) $($await)*
        }

        /// `GET TYPE <ups> <var>`: the type words, in the server's order.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn get_type(&mut self, ups: &str, var: &str) -> Result<VarType, Error> {
            self.call(calls::get_type(ups, var)) $($await)*
        }

        /// `GET DESC <ups> <var>` (`Description unavailable` when unknown).
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, Error> {
            self.call(calls::get_desc(ups, var)) $($await)*
        }

        /// `GET CMDDESC <ups> <cmd>`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, Error> {
            self.call(calls::get_cmddesc(ups, cmd)) $($await)*
        }

        /// `GET UPSDESC <ups>`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn get_upsdesc(&mut self, ups: &str) -> Result<String, Error> {
            self.call(calls::get_upsdesc(ups)) $($await)*
        }

        /// `GET NUMLOGINS <ups>`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn get_numlogins(&mut self, ups: &str) -> Result<u32, Error> {
            self.call(calls::get_numlogins(ups)) $($await)*
        }

        /// `USERNAME <name>`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn username(&mut self, name: &str) -> Result<(), Error> {
            self.call(calls::username(name)) $($await)*
        }

        /// `PASSWORD <password>` (checked by upsd only at the next action).
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn password(&mut self, password: &str) -> Result<(), Error> {
            self.call(calls::password(password)) $($await)*
        }

        /// `LOGIN <ups>`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn login(&mut self, ups: &str) -> Result<(), Error> {
            self.call(calls::login(ups)) $($await)*
        }

        /// `LOGOUT`; the server closes the connection afterwards, so this client
        /// is unusable once it returns.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn logout(&mut self) -> Result<(), Error> {
            let result = self.call(calls::logout()) $($await)*;
            self.session.mark_broken();
            result
        }

        /// `PRIMARY <ups>`, falling back to `MASTER <ups>` when the server
        /// answers `ERR UNKNOWN-COMMAND` or `ERR INVALID-ARGUMENT` (before 2.8).
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn primary(&mut self, ups: &str) -> Result<(), Error> {
            match self.call(calls::primary(ups)) $($await)* {
                Err(e) if calls::primary_unsupported(&e) => {
                    self.call(calls::master(ups)) $($await)*
                }
                other => other,
            }
        }

        /// `FSD <ups>`.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn fsd(&mut self, ups: &str) -> Result<(), Error> {
            self.call(calls::fsd(ups)) $($await)*
        }

        /// `SET VAR <ups> <var> "<value>"`; `Some(id)` when tracking is on.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn set_var(
            &mut self,
            ups: &str,
            var: &str,
            value: &str,
        ) -> Result<Option<String>, Error> {
            self.call(calls::set_var(ups, var, value)) $($await)*
        }

        /// `INSTCMD <ups> <cmd> [<param>]`; `Some(id)` when tracking is on.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn instcmd(
            &mut self,
            ups: &str,
            cmd: &str,
            param: Option<&str>,
        ) -> Result<Option<String>, Error> {
            self.call(calls::instcmd(ups, cmd, param)) $($await)*
        }

        /// `SET TRACKING ON|OFF` (needs USERNAME and PASSWORD first).
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn set_tracking(&mut self, on: bool) -> Result<(), Error> {
            self.call(calls::set_tracking(on)) $($await)*
        }

        /// `GET TRACKING`: whether tracking is on for this connection.
        ///
        /// # Errors
        ///
        /// As [`Client::ver`].
        pub $($async)* fn tracking_enabled(&mut self) -> Result<bool, Error> {
            self.call(calls::tracking_enabled()) $($await)*
        }

        /// `GET TRACKING <id>`. Every `ERR` answer is a final
        /// [`TrackingStatus::Failed`], as upscmd prints it.
        ///
        /// # Errors
        ///
        /// Transport and protocol errors only.
        pub $($async)* fn get_tracking(&mut self, id: &str) -> Result<TrackingStatus, Error> {
            self.call(calls::get_tracking(id)) $($await)*
        }

        /// Polls `GET TRACKING <id>` every `poll` until it is not PENDING.
        ///
        /// # Errors
        ///
        /// [`Error::TrackingTimeout`] when still PENDING after `timeout`.
        pub $($async)* fn wait_for_tracking(
            &mut self,
            id: &str,
            timeout: Duration,
            poll: Duration,
        ) -> Result<TrackingStatus, Error> {
            let start = Instant::now();
            loop {
                let status = self.get_tracking(id) $($await)* ?;
                match calls::tracking_step(id, status, start.elapsed(), timeout, poll)? {
                    calls::TrackingStep::Settled(status) => return Ok(status),
                    calls::TrackingStep::Wait(pause_for) => pause(pause_for) $($await)*,
                }
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
        pub $($async)* fn request_raw(&mut self, line: &str) -> Result<String, Error> {
            self.ensure_usable()?;
            self.session.send_raw(line)?;
            let response = self.round_trip() $($await)* ?;
            calls::raw_line(response)
        }

        /// [`Error::Broken`] once the connection cannot carry requests.
        fn ensure_usable(&self) -> Result<(), Error> {
            if self.session.is_broken() || matches!(self.stream, Stream::Gone) {
                return Err(Error::Broken);
            }
            Ok(())
        }

        /// Sends `call`'s request and reads its typed answer.
        $($async)* fn call<T>(&mut self, call: Call<T>) -> Result<T, Error> {
            self.ensure_usable()?;
            self.session.send(&call.request);
            let response = self.round_trip() $($await)* ?;
            (call.finish)(response)
        }
    };
}
pub(crate) use typed_methods;
