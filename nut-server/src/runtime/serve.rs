//! The tokio adapter of the driver runtime: accepts socket clients, moves
//! their bytes to and from the [`Hub`], runs the [`Driver`] every poll
//! interval and on its own wake-ups, and answers the hub's requests.
//!
//! One task per client does the reading and writing; everything else runs
//! in the caller's task, so the hub and the driver need no locking. A
//! client that vanishes is simply forgotten (NUT 2.8.0 crashed on the next
//! broadcast); a client that stops reading is dropped once
//! [`hub::MAX_CLIENT_BACKLOG`] bytes wait for it. Build the runtime as
//! current-thread: nothing here needs more.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::hub::{self, ClientId, Event, Hub, ReloadKind, Request, Transmit};
use super::log::{Level, LogRecord};
use super::reload::ReloadPlan;
use super::{Answer, Driver, run_shutdown};
use crate::state::{DriverState, Flags, TrackingResult};

/// Bytes read from a client at a time.
const READ_CHUNK: usize = 4096;

/// Inbound messages waiting for the main loop, all clients together; a
/// client that floods waits for the driver instead of growing memory.
const INBOUND_QUEUE: usize = 256;

/// How long the exit waits for clients to take their last bytes.
const EXIT_FLUSH_TIMEOUT: Duration = Duration::from_secs(1);

/// Pause after a failed `accept` (e.g. out of file descriptors), so that a
/// full process table does not make the driver spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A request from outside the socket: signals, or whoever embeds the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Control {
    /// Exit cleanly (SIGTERM, SIGINT, SIGQUIT carry their number).
    Exit(Option<i32>),
    /// Reload the configuration (SIGHUP: `Reload`, SIGUSR1: `OrExit`).
    Reload(ReloadKind),
    /// Print the state in `upsc` format (SIGURG, SIGWINCH).
    Dump,
}

/// Why [`serve`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// A signal or [`Control::Exit`] (with the signal number, if any).
    Signal(Option<i32>),
    /// `driver.exit` on the socket.
    Requested,
    /// `driver.killpower` ran the shutdown with this result.
    KillPower(TrackingResult),
    /// `reload-or-exit` found a change that needs a restart.
    ReloadNeedsRestart,
}

impl Exit {
    /// The process exit status NUT uses: 0, except a failed killpower (1)
    /// and `reload-or-exit` (128 + SIGUSR1).
    pub fn code(self) -> u8 {
        match self {
            Self::Signal(_) | Self::Requested => 0,
            Self::KillPower(status) => u8::from(status != TrackingResult::Handled),
            Self::ReloadNeedsRestart => 128 + 10,
        }
    }
}

/// What the runtime needs from the program around it.
pub trait Host {
    /// Prints (or drops) a log record.
    fn log(&mut self, record: &LogRecord);

    /// `SET driver.debug`: applies the level asked for (`None`: back to the
    /// configured one) and returns the level now in force.
    fn set_debug_level(&mut self, requested: Option<u8>) -> u8;

    /// Re-reads the configuration; `None` when it cannot be read (the old
    /// one stays, and the host has logged why).
    fn reload(&mut self) -> Option<ReloadPlan>;

    /// Prints the state in `upsc` format (`-d`, SIGURG).
    fn dump(&mut self, state: &DriverState);
}

/// Settings the loop runs with (a reload may change them).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeConfig {
    /// Time between two [`Driver::update`]s.
    pub pollinterval: Duration,
    /// `sdcommands` for `driver.killpower`.
    pub sdcommands: Option<String>,
}

impl ServeConfig {
    /// A configuration with the given poll interval and no `sdcommands`.
    pub fn new(pollinterval: Duration) -> Self {
        Self {
            pollinterval,
            sdcommands: None,
        }
    }
}

enum Inbound {
    Data(ClientId, Vec<u8>),
    Gone(ClientId),
}

enum Outbound {
    Data(Vec<u8>),
    Close,
}

struct ClientHandle {
    tx: mpsc::UnboundedSender<Outbound>,
    queued: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

/// The parts [`serve`] drives.
struct Loop<'a, D: Driver, H: Host> {
    hub: Hub,
    driver: D,
    host: &'a mut H,
    config: ServeConfig,
    clients: HashMap<ClientId, ClientHandle>,
    /// Tasks of clients being closed, still writing their last bytes.
    closing: Vec<JoinHandle<()>>,
    inbound: mpsc::Sender<Inbound>,
    next_update: Instant,
    exit: Option<Exit>,
}

/// Serves `listener` (already bound) until an exit; see the module docs.
///
/// The driver has done its first update already; the next one is due one
/// poll interval from now. `events` carries the driver's own I/O results,
/// `controls` requests from outside (a closed channel is ignored).
pub async fn serve<D: Driver, H: Host>(
    listener: UnixListener,
    hub: Hub,
    driver: D,
    host: &mut H,
    mut events: Option<mpsc::UnboundedReceiver<D::Event>>,
    mut controls: Option<mpsc::UnboundedReceiver<Control>>,
    config: ServeConfig,
) -> Exit {
    let (inbound, mut inbound_rx) = mpsc::channel(INBOUND_QUEUE);
    let mut run = Loop {
        next_update: Instant::now() + config.pollinterval,
        hub,
        driver,
        host,
        config,
        clients: HashMap::new(),
        closing: Vec::new(),
        inbound,
        exit: None,
    };
    loop {
        run.settle();
        if let Some(exit) = run.exit {
            run.shutdown_clients().await;
            return exit;
        }
        let wake = match run.driver.poll_timeout() {
            Some(at) => run.next_update.min(Instant::from_std(at)),
            None => run.next_update,
        };
        tokio::select! {
            control = recv_or_pending(&mut controls) => run.handle_control(control),
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => run.add_client(stream),
                Err(e) => {
                    run.log(Level::Error, format!("sock_connect: accept on unix fd failed: {e}"));
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            message = inbound_rx.recv() => match message {
                Some(Inbound::Data(id, bytes)) => run.hub.handle_input(id, &bytes),
                Some(Inbound::Gone(id)) => {
                    run.clients.remove(&id);
                    run.hub.handle_disconnect(id);
                }
                // The loop holds a sender: never closed.
                None => {}
            },
            event = recv_or_pending(&mut events) => {
                let now = std::time::Instant::now();
                run.driver.handle_event(now, run.hub.state_mut(), event);
            }
            () = tokio::time::sleep_until(wake) => run.update(),
        }
    }
}

/// The next message, or never once the channel is closed (or absent).
async fn recv_or_pending<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> T {
    if let Some(channel) = rx {
        if let Some(value) = channel.recv().await {
            return value;
        }
        *rx = None;
    }
    std::future::pending().await
}

impl<D: Driver, H: Host> Loop<'_, D, H> {
    /// Runs everything the last input caused until nothing is left to do:
    /// hub events, driver answers, bytes for the clients.
    fn settle(&mut self) {
        loop {
            let mut progress = false;
            while let Some(event) = self.hub.poll_event() {
                progress = true;
                self.handle_event(event);
            }
            while let Some((call, status)) = self.driver.poll_answer() {
                progress = true;
                self.hub.handle_answer(call, status);
            }
            while let Some(record) = self.driver.poll_log() {
                self.host.log(&record);
            }
            while let Some(transmit) = self.hub.poll_transmit() {
                progress = true;
                self.transmit(transmit);
            }
            if !progress {
                return;
            }
        }
    }

    fn handle_event(&mut self, event: Event) {
        match event {
            Event::Request(request) => self.handle_request(request),
            Event::DebugLevel(level) => {
                let level = self.host.set_debug_level(level);
                self.hub.publish_debug_level(level);
            }
            Event::Log(record) => self.host.log(&record),
        }
    }

    fn handle_request(&mut self, request: Request) {
        let now = std::time::Instant::now();
        match request {
            Request::Set { call, var, value } => {
                let answer = self
                    .driver
                    .set_var(now, self.hub.state_mut(), call, &var, &value);
                self.answer(call, answer);
            }
            Request::InstCmd { call, cmd, param } => {
                let answer =
                    self.driver
                        .instcmd(now, self.hub.state_mut(), call, &cmd, param.as_deref());
                self.answer(call, answer);
            }
            Request::ShutdownDefault { call } => {
                let status = self.driver.shutdown(now, self.hub.state_mut());
                self.hub.handle_answer(call, status);
            }
            Request::KillPower { call } => {
                let sdcommands = self.config.sdcommands.clone();
                let status = run_shutdown(
                    &mut self.driver,
                    now,
                    self.hub.state_mut(),
                    sdcommands.as_deref(),
                );
                if status == TrackingResult::Handled {
                    self.log(Level::Info, "shutdown request was successful");
                } else {
                    self.log(Level::Error, "shutdown request(s) failed");
                }
                self.hub.handle_answer(call, TrackingResult::Handled);
                self.exit = Some(Exit::KillPower(status));
            }
            Request::Reload { call, kind } => {
                let complete = self.reload(kind);
                let status = if kind == ReloadKind::OrError && !complete {
                    TrackingResult::Invalid
                } else {
                    TrackingResult::Handled
                };
                self.hub.handle_answer(call, status);
            }
            Request::Exit { call } => {
                self.hub.handle_answer(call, TrackingResult::Handled);
                self.exit = Some(Exit::Requested);
            }
        }
    }

    fn answer(&mut self, call: hub::CallId, answer: Answer) {
        match answer {
            Answer::Done(status) => self.hub.handle_answer(call, status),
            Answer::NoHandler => self.hub.handle_no_handler(call),
            Answer::Pending => {}
        }
    }

    /// Applies a reload; returns whether everything could be applied.
    fn reload(&mut self, kind: ReloadKind) -> bool {
        self.log(
            Level::Info,
            "Handling requested live reload of NUT driver configuration",
        );
        let Some(plan) = self.host.reload() else {
            return false;
        };
        let state = self.hub.state_mut();
        for (var, value) in &plan.defaults {
            state.set_info(var, value);
        }
        for (var, value) in &plan.overrides {
            state.set_info(var, value);
            state.set_flags(var, Flags::IMMUTABLE);
        }
        if let Some(seconds) = plan.pollinterval {
            self.config.pollinterval = Duration::from_secs(u64::from(seconds));
            self.next_update = Instant::now() + self.config.pollinterval;
            state.set_info("driver.parameter.pollinterval", &seconds.to_string());
        }
        if let Some(sdcommands) = &plan.sdcommands {
            self.config.sdcommands.clone_from(sdcommands);
        }
        self.driver.reloaded(self.hub.state_mut());
        for key in &plan.needs_restart {
            self.log(
                Level::Warning,
                format!("setting '{key}' was changed and requires a driver restart"),
            );
        }
        let complete = plan.is_complete();
        if kind == ReloadKind::OrExit && !complete {
            self.log(
                Level::Error,
                "NUT driver reload-or-exit: a setting was changed and requires a driver restart",
            );
            self.exit = Some(Exit::ReloadNeedsRestart);
        }
        self.log(
            Level::Info,
            format!(
                "Completed requested live reload of NUT driver configuration: {}",
                i32::from(!complete) * 2
            ),
        );
        complete
    }

    fn handle_control(&mut self, control: Control) {
        match control {
            Control::Exit(signal) => self.exit = Some(Exit::Signal(signal)),
            Control::Reload(kind) => {
                self.reload(kind);
            }
            Control::Dump => self.host.dump(self.hub.state()),
        }
    }

    fn update(&mut self) {
        let now = std::time::Instant::now();
        self.driver.update(now, self.hub.state_mut());
        self.next_update = Instant::now() + self.config.pollinterval;
    }

    fn add_client(&mut self, stream: UnixStream) {
        let id = self.hub.handle_connect();
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(client_task(
            id,
            stream,
            self.inbound.clone(),
            rx,
            Arc::clone(&queued),
        ));
        self.clients.insert(id, ClientHandle { tx, queued, task });
    }

    fn transmit(&mut self, transmit: Transmit) {
        let Transmit {
            client,
            data,
            close,
        } = transmit;
        let Some(handle) = self.clients.get(&client) else {
            return;
        };
        if !data.is_empty() {
            let waiting = handle.queued.fetch_add(data.len(), Ordering::Relaxed) + data.len();
            if waiting > hub::MAX_CLIENT_BACKLOG {
                self.log(
                    Level::Warning,
                    format!("WARNING: {client} does not read its data, disconnecting."),
                );
                self.drop_client(client);
                return;
            }
            let _ = handle.tx.send(Outbound::Data(data));
        }
        if close {
            let _ = handle.tx.send(Outbound::Close);
            // The task ends by itself once it has written everything; an
            // exit waits for it.
            if let Some(handle) = self.clients.remove(&client) {
                self.closing.retain(|task| !task.is_finished());
                self.closing.push(handle.task);
            }
        }
    }

    fn drop_client(&mut self, client: ClientId) {
        if let Some(handle) = self.clients.remove(&client) {
            handle.task.abort();
        }
        self.hub.handle_disconnect(client);
    }

    /// At exit: every client gets what it is owed, then the connection
    /// closes; a client that does not read is cut off after a second.
    async fn shutdown_clients(&mut self) {
        self.hub.close_all();
        self.settle();
        let mut tasks: Vec<_> = self
            .clients
            .drain()
            .map(|(_, h)| {
                let _ = h.tx.send(Outbound::Close);
                h.task
            })
            .collect();
        tasks.append(&mut self.closing);
        let deadline = Instant::now() + EXIT_FLUSH_TIMEOUT;
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                abort.abort();
            }
        }
    }

    fn log(&mut self, level: Level, message: impl Into<String>) {
        self.host.log(&LogRecord::new(level, message));
    }
}

/// One client's connection: reads go to the main loop, writes come from it.
async fn client_task(
    id: ClientId,
    stream: UnixStream,
    inbound: mpsc::Sender<Inbound>,
    mut outbound: mpsc::UnboundedReceiver<Outbound>,
    queued: Arc<AtomicUsize>,
) {
    let (mut reader, mut writer) = stream.into_split();
    let mut buf = vec![0u8; READ_CHUNK];
    let mut reading = true;
    loop {
        tokio::select! {
            read = reader.read(&mut buf), if reading => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let bytes = buf.get(..n).unwrap_or_default().to_vec();
                    if inbound.send(Inbound::Data(id, bytes)).await.is_err() {
                        reading = false;
                    }
                }
            },
            message = outbound.recv() => match message {
                Some(Outbound::Data(data)) => {
                    let len = data.len();
                    if writer.write_all(&data).await.is_err() {
                        break;
                    }
                    queued.fetch_sub(len, Ordering::Relaxed);
                }
                Some(Outbound::Close) | None => {
                    let _ = writer.shutdown().await;
                    return;
                }
            },
        }
    }
    let _ = inbound.send(Inbound::Gone(id)).await;
}

#[cfg(test)]
mod tests;
