//! The apcsmart I/O thread: owns the serial port and the sans-IO
//! [`Engine`], moves bytes between them with the engine's timeouts, and
//! reports to the driver runtime through a channel.
//!
//! The engine's exchanges are paced in seconds (3 s reply timeouts, the
//! 1.5 s gap of a repeated command, `cshdelay`), so they run here and not
//! in the runtime's task, which keeps answering socket clients meanwhile.
//! When the port itself fails (a USB adapter unplugged), it is closed and
//! opened again at every poll interval; the engine meanwhile sees silence,
//! so data goes stale and comes back as for a silent unit.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use nut_serial::apc::{Cable, CommandOutcome, Engine, Event, ShutdownMethod, VarInfo};
use nut_server::runtime::CallId;
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::state::TrackingResult;
use serialport::TTYPort;
use tokio::sync::mpsc::UnboundedSender;

use crate::drivers::apc_port::{self, READ_SLICE};

/// Bytes read from the port at a time.
const READ_CHUNK: usize = 256;

/// A request from the runtime side.
#[derive(Debug)]
pub(crate) enum Request {
    /// `INSTCMD`.
    InstCmd {
        call: CallId,
        name: String,
        param: Option<String>,
    },
    /// `SET`.
    Set {
        call: CallId,
        name: String,
        value: String,
    },
    /// The shutdown sequence; the outcome goes back on the sender.
    Shutdown(Sender<Result<ShutdownMethod, String>>),
    /// Close the port and end the thread.
    Stop,
}

/// What the thread reports to the runtime side.
#[derive(Debug)]
pub enum IoEvent {
    /// A variable was published (`Some`) or deleted.
    Var(String, Option<String>),
    /// Discovery finished: flags, enums and commands to publish.
    Ready {
        /// Every variable with flags or enums.
        infos: BTreeMap<String, VarInfo>,
        /// The instant commands.
        commands: Vec<&'static str>,
    },
    /// A poll succeeded.
    PollOk,
    /// Data went stale.
    Stale,
    /// The unit answers again.
    Recovered,
    /// The engine gave up (no smart mode).
    Fatal(String),
    /// A SET or INSTCMD finished.
    Answer(CallId, TrackingResult),
    /// Something to log.
    Log(LogRecord),
}

/// The thread's state.
pub(crate) struct IoThread {
    engine: Engine,
    port: Option<TTYPort>,
    path: String,
    cable: Cable,
    pollinterval: Duration,
    reopen_at: Instant,
    events: UnboundedSender<IoEvent>,
    requests: Receiver<Request>,
    calls: HashMap<u64, CallId>,
    shutdown: Option<Sender<Result<ShutdownMethod, String>>>,
}

impl IoThread {
    /// A thread body for `engine` on `port` (opened from `path`).
    pub(crate) fn new(
        engine: Engine,
        port: TTYPort,
        path: String,
        cable: Cable,
        pollinterval: Duration,
        events: UnboundedSender<IoEvent>,
        requests: Receiver<Request>,
    ) -> Self {
        Self {
            engine,
            port: Some(port),
            path,
            cable,
            pollinterval,
            reopen_at: Instant::now(),
            events,
            requests,
            calls: HashMap::new(),
            shutdown: None,
        }
    }

    /// Runs until [`Request::Stop`] or the runtime side is gone.
    pub(crate) fn run(mut self) {
        let mut buf = [0u8; READ_CHUNK];
        loop {
            loop {
                match self.requests.try_recv() {
                    Ok(Request::Stop) | Err(TryRecvError::Disconnected) => return,
                    Ok(request) => self.request(request),
                    Err(TryRecvError::Empty) => break,
                }
            }
            self.transmit();
            self.forward_events();
            let now = Instant::now();
            let deadline = self.engine.poll_timeout();
            if let Some(at) = deadline.filter(|at| *at <= now) {
                self.engine.handle_timeout(at.max(now));
                continue;
            }
            let wait = deadline.map_or(READ_SLICE, |at| (at - now).min(READ_SLICE));
            self.receive(&mut buf, wait);
        }
    }

    fn log(&self, level: Level, message: String) {
        let _ = self
            .events
            .send(IoEvent::Log(LogRecord::new(level, message)));
    }

    fn request(&mut self, request: Request) {
        let now = Instant::now();
        match request {
            Request::InstCmd { call, name, param } => {
                match self.engine.instcmd(now, &name, param.as_deref()) {
                    Ok(id) => {
                        self.calls.insert(id, call);
                    }
                    Err(e) => {
                        self.log(Level::Warning, format!("instcmd: {name}: {e}"));
                        let _ = self
                            .events
                            .send(IoEvent::Answer(call, TrackingResult::Invalid));
                    }
                }
            }
            Request::Set { call, name, value } => match self.engine.setvar(now, &name, &value) {
                Ok(id) => {
                    self.calls.insert(id, call);
                }
                Err(e) => {
                    self.log(Level::Warning, format!("setvar: {name}: {e}"));
                    let _ = self
                        .events
                        .send(IoEvent::Answer(call, TrackingResult::Invalid));
                }
            },
            Request::Shutdown(reply) => {
                self.shutdown = Some(reply);
                self.engine.shutdown(now);
            }
            Request::Stop => {}
        }
    }

    fn transmit(&mut self) {
        let mut out = Vec::new();
        while self.engine.poll_transmit(&mut out) {}
        if out.is_empty() {
            return;
        }
        let Some(port) = self.port.as_mut() else {
            // No port: the bytes are lost, the engine sees silence.
            return;
        };
        if let Err(e) = port.write_all(&out).and_then(|()| port.flush()) {
            self.port_lost("writing to", &e);
        }
    }

    fn receive(&mut self, buf: &mut [u8], wait: Duration) {
        let Some(port) = self.port.as_mut() else {
            std::thread::sleep(wait);
            self.reopen();
            return;
        };
        apc_port::set_read_timeout(port, wait);
        match port.read(buf) {
            // poll() said readable and nothing came: the other end hung up
            // (a USB adapter unplugged, a pty whose master closed).
            Ok(0) => self.port_lost(
                "reading",
                &io::Error::new(io::ErrorKind::UnexpectedEof, "hung up"),
            ),
            Ok(n) => {
                let bytes = buf.get(..n).unwrap_or_default().to_vec();
                self.engine.handle_input(Instant::now(), &bytes);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => self.port_lost("reading", &e),
        }
    }

    /// The port failed: closed, and opened again at each poll interval.
    fn port_lost(&mut self, doing: &str, error: &io::Error) {
        self.port = None;
        self.reopen_at = Instant::now() + self.pollinterval;
        self.log(
            Level::Warning,
            format!(
                "error {doing} {}: {error}; opening it again every {} s",
                self.path,
                self.pollinterval.as_secs()
            ),
        );
    }

    fn reopen(&mut self) {
        let now = Instant::now();
        if now < self.reopen_at {
            return;
        }
        self.reopen_at = now + self.pollinterval;
        match apc_port::open(&self.path) {
            Ok(mut port) => {
                if let Err(e) = self.cable.prepare(&mut port) {
                    self.log(Level::Warning, format!("{}: {e}", self.path));
                }
                self.log(Level::Notice, format!("{} opened again", self.path));
                self.port = Some(port);
            }
            Err(e) => self.log(
                Level::Debug(1),
                format!("can't open {} yet: {}", self.path, e.description),
            ),
        }
    }

    fn send(&self, event: IoEvent) {
        let _ = self.events.send(event);
    }

    /// Hands the engine's events on, as the runtime side needs them.
    fn forward_events(&mut self) {
        while let Some(event) = self.engine.poll_event() {
            match event {
                Event::Var { name, value } => self.send(IoEvent::Var(name, value)),
                Event::Ready => self.send(IoEvent::Ready {
                    infos: self.engine.var_infos().clone(),
                    commands: self.engine.commands(),
                }),
                Event::PollOk { .. } => self.send(IoEvent::PollOk),
                Event::PollFailed { error } => self.log(
                    Level::Debug(1),
                    format!("poll of the UPS on {} failed: {error}", self.path),
                ),
                Event::Stale { error } => {
                    self.log(
                        Level::Warning,
                        format!(
                            "Communications with UPS lost on {}: {error} - check the cable; \
                             retrying at every poll",
                            self.path
                        ),
                    );
                    self.send(IoEvent::Stale);
                }
                Event::Recovered => {
                    self.log(
                        Level::Notice,
                        format!("Communications with UPS re-established on {}", self.path),
                    );
                    self.send(IoEvent::Recovered);
                }
                Event::BadReply { error } => self.log(
                    Level::Debug(1),
                    format!("unusable reply on {}: {error}", self.path),
                ),
                Event::Alert(alert) => {
                    self.log(Level::Debug(1), format!("alert from the UPS: {alert:?}"));
                }
                Event::CommandDone { id, name, result } => {
                    let status = match result {
                        Ok(CommandOutcome::Executed) => TrackingResult::Handled,
                        Ok(CommandOutcome::AwaitingConfirmation) => {
                            self.log(
                                Level::Info,
                                format!(
                                    "instcmd: {name} needs confirmation: send it again \
                                     3 to 15 seconds from now"
                                ),
                            );
                            TrackingResult::Handled
                        }
                        Ok(_) => TrackingResult::Handled,
                        Err(e) => {
                            self.log(Level::Warning, format!("instcmd: {name} failed: {e}"));
                            TrackingResult::Failed
                        }
                    };
                    self.answer(id, status);
                }
                Event::SetDone { id, name, result } => {
                    let status = match result {
                        Ok(_) => TrackingResult::Handled,
                        Err(e) => {
                            self.log(Level::Warning, format!("setvar: {name} failed: {e}"));
                            TrackingResult::Failed
                        }
                    };
                    self.answer(id, status);
                }
                Event::ShutdownDone(result) => {
                    if let Some(reply) = self.shutdown.take() {
                        let _ = reply.send(result.map_err(|e| e.to_string()));
                    }
                }
                Event::Fatal(error) => self.send(IoEvent::Fatal(error.to_string())),
                _ => {}
            }
        }
    }

    fn answer(&mut self, id: u64, status: TrackingResult) {
        if let Some(call) = self.calls.remove(&id) {
            self.send(IoEvent::Answer(call, status));
        }
    }
}
