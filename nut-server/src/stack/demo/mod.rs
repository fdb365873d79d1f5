//! `nut demo`: the whole stack on loopback with no configuration and no
//! hardware.
//!
//! [`run`] creates a private temporary directory ([`DemoDir`]) with
//! `ups.conf` (one UPS, `demo`, whose dummy-ups driver upsd hosts, see
//! [`crate::stack`]), `upsd.conf` (`LISTEN 127.0.0.1 <port>`), `upsd.users`
//! (the credentials it prints) and the built-in device
//! [`DEVICE_SEQUENCE`]; reads them back with upsd's own readers; starts the
//! driver and upsd on one current-thread runtime; prints how to query the
//! UPS with `upsc`, `upscmd` and `upsrw` (ours and NUT's); and serves until
//! SIGINT (Ctrl-C), SIGTERM or SIGHUP, after which it stops both and
//! removes the directory.
//!
//! The port is 3493 when free, else one the system picks (`--port` forces
//! one). Logs go to stderr: warnings and errors, or everything with
//! `--foreground`.
//!
//! That is `nut demo --no-outage`. By default the `nut` binary (crate
//! `nut-cli`, which may depend on upsmon; this crate may not) plays an
//! outage instead, from the same pieces: it writes its own device sequence
//! and `upsmon.conf` into the [`DemoDir`] ([`DemoDir::write_file`]), serves
//! a [`DemoStack`] and runs upsmon beside it on the same runtime, all
//! stopped by [`StopSignals`]. The outage options of [`DemoOptions`] are
//! parsed here so that both share one command line; [`main`] ignores them.

mod dir;
mod options;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;

pub use dir::{
    DEVICE_FILE_NAME, DEVICE_SEQUENCE, DemoDir, ups_conf_text, upsd_conf_text, users_text,
};
pub use options::{DemoOptions, FAST_SPEED, MAX_SPEED, Parsed, USAGE, parse_args};

use super::{HostPlan, HostedDrivers};
use crate::error::Error;
use crate::runtime::log::{LogRecord, Logger};
use crate::runtime::program::Environment;
use crate::upsd::Server;
use crate::upsd::files::load_all;
use crate::upsd::serve::listen;
use crate::upsd::serve::{Control, Upsd, UpsdOptions};

/// The simulated UPS's name.
pub const UPS_NAME: &str = "demo";

/// The port tried first: NUT's.
pub const DEFAULT_PORT: u16 = 3493;

/// The administrator of `upsd.users` (SET, FSD, every instant command).
pub const ADMIN_USER: &str = "admin";
/// Its password.
pub const ADMIN_PASSWORD: &str = "demoadmin";
/// The upsmon user of `upsd.users` (`upsmon primary`).
pub const MONITOR_USER: &str = "monuser";
/// Its password.
pub const MONITOR_PASSWORD: &str = "demomon";

/// The last line of the instructions: once it is printed, the UPS serves.
pub const READY_LINE: &str = "Press Ctrl-C to stop.";

/// Exit status for a bad command line.
const USAGE_EXIT: u8 = 2;

/// `syslog`-style `-q` count that keeps warnings and errors only.
const QUIET_WARNINGS_ONLY: u8 = 2;

/// Runs `nut demo --no-outage` with the words after `demo` (the outage
/// options are accepted and ignored: see the module docs); `program` is
/// how to run our clients from the instructions (the `nut` binary's path).
/// Returns the exit status: 0 after a signal, 1 when the stack cannot
/// start, 2 for a bad command line.
pub fn main(program: &str, args: &[String]) -> u8 {
    let options = match parse_args(args) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return 0;
        }
        Err(error) => {
            eprint!("nut demo: {error}\n{USAGE}");
            return USAGE_EXIT;
        }
    };
    match run(program, &options) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("nut demo: {error}");
            1
        }
    }
}

/// Listens on 127.0.0.1: `port` exactly when given, else
/// [`DEFAULT_PORT`] or, when that is taken, a port the system picks.
///
/// # Errors
///
/// [`Error::Listen`] when the port cannot be listened on.
pub fn bind_listener(port: Option<u16>) -> Result<std::net::TcpListener, Error> {
    bind_with_default(DEFAULT_PORT, port)
}

/// [`bind_listener`] with `default` in place of [`DEFAULT_PORT`].
fn bind_with_default(default: u16, port: Option<u16>) -> Result<std::net::TcpListener, Error> {
    let at = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let wanted = at(port.unwrap_or(default));
    match listen::bind_one(wanted) {
        Ok(listener) => Ok(listener),
        Err(_) if port.is_none() => listen::bind_one(at(0)).map_err(|source| Error::Listen {
            addr: at(0),
            source,
        }),
        Err(source) => Err(Error::Listen {
            addr: wanted,
            source,
        }),
    }
}

/// Runs the demo until a signal (see the module docs).
///
/// # Errors
///
/// The port, the directory, the files or the driver could not be set up.
pub fn run(program: &str, options: &DemoOptions) -> Result<(), Error> {
    let runtime = build_runtime()?;
    let mut signals = {
        let _inside = runtime.enter();
        StopSignals::install().map_err(|source| Error::Runtime { source })?
    };
    let device = match &options.device {
        Some(path) => Some(std::path::absolute(path).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?),
        None => None,
    };
    let listener = bind_listener(options.port)?;
    let port = local_port(&listener)?;
    let dir = DemoDir::create(&std::env::temp_dir())?;
    dir.write_config(port, device.as_deref())?;
    let stack = DemoStack::load(&dir, listener, options)?;
    let text = instructions(program, port, dir.path(), device.as_deref());
    let ready = || write_ignoring_errors(&mut std::io::stdout(), &text);
    let signal = runtime.block_on(stack.serve(ready, signals.recv()))?;
    drop(runtime);
    let where_ = dir.path().display().to_string();
    drop(dir);
    write_ignoring_errors(
        &mut std::io::stderr(),
        &format!("nut demo: stopped by signal {signal}; removed {where_}\n"),
    );
    Ok(())
}

/// The current-thread runtime the demo runs on (the style guide's choice
/// for small devices).
///
/// # Errors
///
/// [`Error::Runtime`] when it cannot be built.
pub fn build_runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })
}

/// The port `listener` listens on.
///
/// # Errors
///
/// [`Error::Runtime`] when the socket cannot say.
pub fn local_port(listener: &std::net::TcpListener) -> Result<u16, Error> {
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|source| Error::Runtime { source })
}

/// The demo's upsd and its hosted driver, configured from a [`DemoDir`]
/// and ready to serve: what [`run`] serves until a signal, and what the
/// `nut` binary's outage demo serves while its upsmon watches the UPS.
pub struct DemoStack {
    listener: std::net::TcpListener,
    server: Server,
    upsd_options: UpsdOptions,
    upsd_logger: Logger,
    plan: HostPlan,
    env: Environment,
    options: DemoOptions,
}

impl std::fmt::Debug for DemoStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoStack")
            .field("listener", &self.listener)
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

impl DemoStack {
    /// Reads the configuration [`DemoDir::write_config`] wrote into `dir`
    /// with upsd's own readers, for a upsd on `listener`; logs at the
    /// verbosity of `options` (`--foreground`, `-D`). With feature `tls`,
    /// a `CERTFILE` added to `upsd.conf` offers STARTTLS, as in upsd (the
    /// upsmon TLS tests of `nut-monitor` serve this stack so).
    ///
    /// # Errors
    ///
    /// A file cannot be read or is refused.
    pub fn load(
        dir: &DemoDir,
        listener: std::net::TcpListener,
        options: &DemoOptions,
    ) -> Result<Self, Error> {
        let paths = dir.upsd_paths();
        let mut upsd_logger = logger("upsd", options);
        let mut early = Vec::new();
        let loaded = load_all(&paths, None, &mut early);
        for record in &early {
            upsd_logger.log(record);
        }
        let loaded = loaded?;
        let plan = HostPlan::load(&paths.ups_conf())?;
        let mut env = Environment::with_paths(dir.nut_paths());
        dir.path().clone_into(&mut env.cwd);
        #[cfg(feature = "tls")]
        let tls = {
            let mut log = Vec::new();
            let tls = crate::upsd::serve::tls::TlsServer::from_conf(&loaded.upsd_conf, &mut log);
            for record in &log {
                upsd_logger.log(record);
            }
            tls?
        };
        let server = Server::new(loaded.server_config());
        #[allow(unused_mut)] // without feature `tls`
        let mut upsd_options = UpsdOptions::new(loaded.statepath);
        #[cfg(feature = "tls")]
        {
            upsd_options.tls = tls;
        }
        Ok(Self {
            listener,
            server,
            upsd_options,
            upsd_logger,
            plan,
            env,
            options: options.clone(),
        })
    }

    /// Starts the hosted driver, calls `ready` (the listener is bound and
    /// the driver's socket serves: clients may connect), and serves until
    /// `stop` resolves to a signal number; then stops upsd and the driver
    /// and returns that number. Must run inside a tokio runtime with IO
    /// and time enabled (see [`build_runtime`]).
    ///
    /// # Errors
    ///
    /// The listener cannot join the runtime or the driver cannot start.
    pub async fn serve(
        self,
        ready: impl FnOnce(),
        stop: impl Future<Output = i32>,
    ) -> Result<i32, Error> {
        let runtime_error = |source| Error::Runtime { source };
        // tokio takes only non-blocking sockets (`bind_listener`'s are).
        self.listener.set_nonblocking(true).map_err(runtime_error)?;
        let listener = tokio::net::TcpListener::from_std(self.listener).map_err(runtime_error)?;
        let options = &self.options;
        let make_logger = |program: &str, ups: &str| {
            logger(program, options).with_prefix(&format!("{program}-{ups}: "))
        };
        let (hosted, failures) = HostedDrivers::start(&self.plan, &self.env, &make_logger).await;
        if let Some((_, error)) = failures.into_iter().next() {
            hosted.stop().await;
            return Err(error);
        }
        let mut upsd_logger = self.upsd_logger.with_prefix("upsd: ");
        let sink = Box::new(move |record: &LogRecord| upsd_logger.log(record));
        let upsd = Upsd::new(self.server, self.upsd_options, sink);
        let (control, controls) = mpsc::unbounded_channel();
        ready();
        let serving = upsd.run(vec![listener], controls);
        tokio::pin!(serving);
        let signal = tokio::select! {
            () = &mut serving => 0,
            signal = stop => {
                let _ = control.send(Control::Stop(signal));
                serving.await;
                signal
            }
        };
        hosted.stop().await;
        Ok(signal)
    }
}

/// The signals that stop the demo (SIGINT, SIGTERM, SIGHUP), installed
/// before the directory is created: a signal must never find the default
/// action, which would leave the directory behind.
#[derive(Debug)]
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl StopSignals {
    /// Installs the handlers; call inside the runtime.
    ///
    /// # Errors
    ///
    /// The handlers cannot be installed.
    pub fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for the next one; returns its number (2, 15 or 1).
    pub async fn recv(&mut self) -> i32 {
        tokio::select! {
            _ = self.interrupt.recv() => 2,
            _ = self.terminate.recv() => 15,
            _ = self.hangup.recv() => 1,
        }
    }
}

/// Prints `text` (a closed stdout or stderr must not kill the demo).
pub fn write_ignoring_errors(out: &mut dyn std::io::Write, text: &str) {
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A stderr logger for `tag` at the demo's verbosity.
fn logger(tag: &str, options: &DemoOptions) -> Logger {
    let verbose = options.foreground || options.debug > 0;
    let quiet = if verbose { 0 } else { QUIET_WARNINGS_ONLY };
    Logger::stderr(tag, options.debug, quiet)
}

/// What the demo prints once the UPS serves: how to query it with our
/// clients (`program`, the `nut` binary) and NUT's, and the credentials.
pub fn instructions(program: &str, port: u16, dir: &Path, device: Option<&Path>) -> String {
    let ups = format!("{UPS_NAME}@127.0.0.1:{port}");
    let host = format!("127.0.0.1:{port}");
    let device_text = match device {
        Some(path) => format!("simulating {}", path.display()),
        None => "cycling OL -> OB -> OB LB -> OL CHRG every 4 min 20 s".to_owned(),
    };
    let auth = format!("-u {ADMIN_USER} -p {ADMIN_PASSWORD}");
    let admin = format!("{ADMIN_USER} / {ADMIN_PASSWORD}");
    let monitor = format!("{MONITOR_USER} / {MONITOR_PASSWORD}");
    format!(
        "nut demo: upsd and the simulated UPS \"{UPS_NAME}\" ({device_text}) are running in \
         this process, listening on 127.0.0.1 port {port}.

Query it with our clients (this binary) or NUT's (package nut-client); the output is the same:
  {program} upsc {ups}
  upsc {ups}
  upsc {ups} ups.status
  upsc -l {host}
  upscmd -l {ups}
  upscmd {auth} {ups} load.off
  upsrw {ups}
  upsrw -s ups.delay.shutdown=120 {auth} {ups}
(our upscmd and upsrw: {program} upscmd ..., {program} upsrw ...)

Credentials (upsd.users):
  {admin:<20} SET, FSD and every instant command
  {monitor:<20} upsmon primary; in upsmon.conf:
  {:<20} MONITOR {ups} 1 {MONITOR_USER} {MONITOR_PASSWORD} primary

Configuration and sockets: {} (removed on exit).
{READY_LINE}
",
        "",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_default_falls_back_to_a_free_port_but_an_explicit_one_fails() {
        let taken = listen::bind_one("127.0.0.1:14453".parse().expect("addr")).expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let fallback = bind_with_default(port, None).expect("another port");
        let other = fallback.local_addr().expect("addr").port();
        assert!(other != port && other != 0, "{other}");
        let error = bind_with_default(port, Some(port)).expect_err("taken");
        assert_eq!(
            error.to_string(),
            format!("can't listen on 127.0.0.1:{port}: Address already in use")
        );
        let error = bind_listener(Some(port)).expect_err("taken");
        assert!(matches!(error, Error::Listen { .. }));
        let any = bind_listener(Some(0)).expect("any port");
        assert_ne!(any.local_addr().expect("addr").port(), 0);
    }

    #[test]
    fn the_instructions_name_the_port_credentials_and_directory() {
        let text = instructions("/opt/nut", 14454, Path::new("/tmp/d"), None);
        assert!(text.starts_with("nut demo: upsd and the simulated UPS \"demo\" (cycling"));
        assert!(text.contains("\n  /opt/nut upsc demo@127.0.0.1:14454\n"));
        assert!(text.contains("\n  upsc -l 127.0.0.1:14454\n"));
        assert!(text.contains(
            "\n  upsrw -s ups.delay.shutdown=120 -u admin -p demoadmin demo@127.0.0.1:14454\n"
        ));
        assert!(text.contains("MONITOR demo@127.0.0.1:14454 1 monuser demomon primary\n"));
        assert!(text.contains("/tmp/d (removed on exit)"));
        assert!(text.ends_with(&format!("{READY_LINE}\n")));
        let text = instructions("nut", 1, Path::new("/d"), Some(Path::new("/x/ups.dev")));
        assert!(text.contains("(simulating /x/ups.dev)"));
    }
}
