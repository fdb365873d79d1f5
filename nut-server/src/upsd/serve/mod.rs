//! The tokio side of upsd: listeners (TCP, and the Unix sockets of
//! `LISTEN_UNIX`, see [`unix`]), one task per client connection that only
//! moves bytes through its [`Session`](super::Session), one task per
//! driver socket, reload and shutdown.
//!
//! Every task locks the shared [`Server`] only to hand it bytes or ask what
//! to write, never across an `.await`, so the whole server runs on one
//! current-thread runtime (the default, for NAS boxes) or on several
//! threads unchanged.
//!
//! ```no_run
//! use nut_server::upsd::serve::{Control, Upsd, UpsdOptions};
//! use nut_server::upsd::{Server, ServerConfig};
//!
//! # async fn demo(listener: std::net::TcpListener) -> std::io::Result<()> {
//! let server = Server::new(ServerConfig::new(Vec::new()));
//! let upsd = Upsd::new(server, UpsdOptions::new("/run/nut".into()), Box::new(|r| eprintln!("{r}")));
//! let (control, controls) = tokio::sync::mpsc::unbounded_channel();
//! drop(control); // nobody will reload or stop it: it serves until dropped
//! upsd.run(vec![tokio::net::TcpListener::from_std(listener)?], controls).await;
//! # Ok(())
//! # }
//! ```

mod client;
mod conn;
mod driver;
pub mod listen;
#[cfg(feature = "tls")]
pub mod tls;
pub mod unix;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio::task::{AbortHandle, JoinHandle};

use super::server::{ClientId, Server, ServerConfig};
use super::ups::UpsId;
use crate::runtime::log::{Level, LogRecord};

/// How often a missing driver socket is tried again.
pub const RECONNECT_INTERVAL: Duration = Duration::from_secs(1);

/// Pause after `accept` fails for lack of file descriptors, so that upsd
/// never spins (NUT 2.8.0 does, at 100% CPU).
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Bytes read from a socket at once.
pub const READ_BUFFER_BYTES: usize = 16 * 1024;

/// Where log records go (stderr, syslog, a test's collector).
pub type LogSink = Box<dyn FnMut(&LogRecord) + Send>;

/// What the outside world asks of a running upsd.
#[derive(Debug)]
#[non_exhaustive]
pub enum Control {
    /// Apply a freshly loaded configuration (SIGHUP, `-c reload`).
    Reload(Box<ServerConfig>),
    /// Log why a reload could not happen; keep serving the old one.
    ReloadFailed(String),
    /// Stop: close everything and return (SIGTERM, `-c stop`); the number
    /// is the signal, for the "Signal N: exiting" line.
    Stop(i32),
}

/// Settings of the runtime that are not part of the served data.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UpsdOptions {
    /// Where the driver sockets are.
    pub statepath: PathBuf,
    /// Most client connections at once (NUT's `MAXCONN`, less the sockets
    /// upsd needs for itself); past it new clients are closed at once.
    pub max_clients: usize,
    /// The STARTTLS configuration (`CERTFILE`); STARTTLS is offered exactly
    /// when this is set, whatever [`ServerConfig::tls_available`] says.
    #[cfg(feature = "tls")]
    pub tls: Option<tls::TlsServer>,
}

impl UpsdOptions {
    /// Whether the runtime can serve STARTTLS.
    fn tls_offered(&self) -> bool {
        #[cfg(feature = "tls")]
        {
            self.tls.is_some()
        }
        #[cfg(not(feature = "tls"))]
        {
            false
        }
    }

    /// Options for drivers in `statepath`, with no client limit.
    pub fn new(statepath: PathBuf) -> Self {
        Self {
            statepath,
            max_clients: usize::MAX,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// One driver link task and the bell that tells it there is data to write.
#[derive(Debug)]
struct DriverTask {
    bell: Arc<Notify>,
    task: JoinHandle<()>,
}

/// State shared by every task.
struct Shared {
    server: Mutex<Server>,
    log: Mutex<LogSink>,
    drivers: Mutex<HashMap<UpsId, DriverTask>>,
    /// Every client connection's task, to abort it when a reload kicks it
    /// or upsd stops.
    tasks: Mutex<HashMap<ClientId, AbortHandle>>,
    clients: AtomicUsize,
    options: UpsdOptions,
}

impl Shared {
    fn lock_server(&self) -> MutexGuard<'_, Server> {
        // A panic in another task must not take the whole server down.
        self.server.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the server, then prints its log lines and rings the
    /// drivers that have bytes to write.
    fn with_server<R>(&self, f: impl FnOnce(&mut Server) -> R) -> R {
        let mut records = Vec::new();
        let mut wake = Vec::new();
        let result = {
            let mut server = self.lock_server();
            let result = f(&mut server);
            while let Some(record) = server.poll_log() {
                records.push(record);
            }
            while let Some(id) = server.poll_driver_wakeup() {
                wake.push(id);
            }
            result
        };
        if !records.is_empty() {
            let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
            for record in &records {
                log(record);
            }
        }
        if !wake.is_empty() {
            let drivers = self.drivers.lock().unwrap_or_else(PoisonError::into_inner);
            for id in wake {
                if let Some(driver) = drivers.get(&id) {
                    driver.bell.notify_one();
                }
            }
        }
        result
    }

    fn log(&self, level: Level, message: impl Into<String>) {
        let record = LogRecord::new(level, message);
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log(&record);
    }
}

/// A ready-to-run upsd.
pub struct Upsd {
    shared: Arc<Shared>,
    /// `LISTEN_UNIX` sockets, served beside the TCP listeners.
    unix: Vec<unix::UnixListen>,
}

impl std::fmt::Debug for Upsd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upsd")
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl Upsd {
    /// Wraps a configured server.
    pub fn new(mut server: Server, options: UpsdOptions, log: LogSink) -> Self {
        server.tls_available = options.tls_offered();
        Self {
            shared: Arc::new(Shared {
                server: Mutex::new(server),
                log: Mutex::new(log),
                drivers: Mutex::new(HashMap::new()),
                tasks: Mutex::new(HashMap::new()),
                clients: AtomicUsize::new(0),
                options,
            }),
            unix: Vec::new(),
        }
    }

    /// Also serves the network protocol on these Unix sockets (see
    /// [`unix`]); their files are removed when [`Upsd::run`] returns.
    #[must_use]
    pub fn with_unix_listeners(mut self, listeners: Vec<unix::UnixListen>) -> Self {
        self.unix.extend(listeners);
        self
    }

    /// Serves until a [`Control::Stop`] arrives (or every control sender is
    /// dropped and `controls` closes, which also stops it), then closes
    /// every connection and driver link. Must run inside a tokio runtime.
    pub async fn run(
        self,
        listeners: Vec<TcpListener>,
        mut controls: mpsc::UnboundedReceiver<Control>,
    ) {
        let shared = self.shared;
        let ids = shared.lock_server().ups_ids();
        for id in ids {
            start_driver(&shared, id);
        }
        let mut accepters: Vec<_> = listeners
            .into_iter()
            .map(|listener| tokio::spawn(client::accept_loop(Arc::clone(&shared), listener)))
            .collect();
        let mut unix_files = Vec::new();
        for unix in self.unix {
            let (listener, file, access) = unix.split();
            let path: Arc<str> = file.path.display().to_string().into();
            match tokio::net::UnixListener::from_std(listener) {
                Ok(listener) => accepters.push(tokio::spawn(client::accept_unix_loop(
                    Arc::clone(&shared),
                    listener,
                    path,
                    access,
                ))),
                Err(error) => shared.log(
                    Level::Error,
                    format!(
                        "not listening on unix socket {path}: {}",
                        os_error_text(&error)
                    ),
                ),
            }
            unix_files.push(file);
        }
        let signal = loop {
            match controls.recv().await {
                Some(Control::Reload(config)) => reload(&shared, *config),
                Some(Control::ReloadFailed(reason)) => {
                    shared.log(Level::Error, format!("Reload failed: {reason}"));
                }
                Some(Control::Stop(signal)) => break Some(signal),
                None => break None,
            }
        };
        if let Some(signal) = signal {
            shared.log(Level::Info, format!("Signal {signal}: exiting"));
        }
        for accepter in accepters {
            accepter.abort();
        }
        for unix in &unix_files {
            unix.remove();
        }
        let drivers: Vec<_> = shared
            .drivers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (_, driver) in drivers {
            driver.task.abort();
        }
        shared.lock_server().kick_all();
        let clients: Vec<_> = shared
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        for (_, task) in clients {
            task.abort();
        }
    }
}

/// Applies a reload and adjusts the driver tasks and connections.
fn reload(shared: &Arc<Shared>, mut config: ServerConfig) {
    // Like upsd, TLS is set up once at start; a reload does not change it.
    config.tls_available = shared.options.tls_offered();
    let report = shared.with_server(|server| server.reload(config));
    {
        let mut drivers = shared
            .drivers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for id in report.removed.iter().chain(&report.redefined) {
            if let Some(driver) = drivers.remove(id) {
                driver.task.abort();
            }
        }
    }
    for id in report.added.iter().chain(&report.redefined) {
        start_driver(shared, *id);
    }
    // Out of the map first, aborted after: an ending task's slot takes
    // the map's lock.
    let kicked: Vec<_> = {
        let mut tasks = shared.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        report
            .kicked
            .iter()
            .filter_map(|id| tasks.remove(id))
            .collect()
    };
    for task in kicked {
        task.abort();
    }
}

/// Starts the link task of one UPS.
fn start_driver(shared: &Arc<Shared>, id: UpsId) {
    let bell = Arc::new(Notify::new());
    let task = tokio::spawn(driver::link(Arc::clone(shared), id, Arc::clone(&bell)));
    let mut drivers = shared
        .drivers
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(old) = drivers.insert(id, DriverTask { bell, task }) {
        old.task.abort();
    }
}

pub(crate) use super::os_error_text;

/// Counts a client connection for as long as it lives; once its session
/// is open, also closes that session (first) and forgets the task (then),
/// however the task ends: returned, or aborted by a kick or a stop.
struct ClientSlot {
    shared: Arc<Shared>,
    session: Option<ClientId>,
}

impl ClientSlot {
    fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            session: None,
        }
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        self.shared.clients.fetch_sub(1, Ordering::Relaxed);
        if let Some(id) = self.session {
            self.shared.with_server(|server| server.close_client(id));
            self.shared
                .tasks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_like_strerror() {
        let error = std::io::Error::from_raw_os_error(2);
        assert_eq!(os_error_text(&error), "No such file or directory");
        let custom = std::io::Error::other("plain");
        assert_eq!(os_error_text(&custom), "plain");
    }
}
