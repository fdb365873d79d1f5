//! The sans-IO apcsmart engine: smart-mode entry, discovery, polls,
//! instant commands, settings and shutdown, driven as NUT's apcsmart 3.2
//! drives a unit.
//!
//! Every exchange is a short script of I/O actions (flush, send, pause,
//! watch for an unexpected answer, read one reply) tagged with what to do
//! with its outcome. This file holds the engine's state, the script runner
//! and the sans-IO interface; the phases live in `setup` (smart mode and
//! discovery), `poll` (status and variable polls, staleness), `command`
//! (instant commands and settings) and `shutdown` (the shutdown methods).

mod command;
mod poll;
mod setup;
mod shutdown;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use nut_proto::model::Status;

use super::alert::Alert;
use super::config::{ApcConfig, ShutdownMethod};
use super::reply::{Feed, LineReader, OK, ReadMode, Terminator};
use super::status::{StatusBits, ignore_lb};
use super::table::{COMMANDS, VARS};
use crate::error::{Error, Received};
use crate::qx::vars::Vars;

pub use command::{CommandOutcome, SetOutcome};

/// Most received bytes kept while nothing reads them (line noise between
/// polls); older ones are dropped.
pub const MAX_PENDING: usize = 4096;

/// Something the engine reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Smart mode entered and discovery finished: variables, writable
    /// ones and commands are known.
    Ready,
    /// A variable was published (`Some`) or deleted (`None`).
    Var {
        /// Variable name.
        name: String,
        /// New value.
        value: Option<String>,
    },
    /// `ups.status` changed.
    Status(Status),
    /// An alert character arrived.
    Alert(Alert),
    /// A poll (status and variables) succeeded.
    PollOk {
        /// Whether every variable was read (hourly), not only the polled ones.
        full: bool,
    },
    /// A poll failed; the error names what was received.
    PollFailed {
        /// Why.
        error: Error,
    },
    /// Data went stale (NUT: at the first failed poll).
    Stale {
        /// The failure.
        error: Error,
    },
    /// The unit answers again after data went stale.
    Recovered,
    /// A reply could not be used (the variable keeps its old value, or is
    /// not published); polling goes on.
    BadReply {
        /// What was wrong, with the bytes.
        error: Error,
    },
    /// An instant command finished.
    CommandDone {
        /// The id returned by [`Engine::instcmd`].
        id: u64,
        /// The command.
        name: String,
        /// Outcome.
        result: Result<CommandOutcome, Error>,
    },
    /// A setting finished.
    SetDone {
        /// The id returned by [`Engine::setvar`].
        id: u64,
        /// The variable.
        name: String,
        /// Outcome.
        result: Result<SetOutcome, Error>,
    },
    /// The shutdown sequence finished: the method that worked, or the last
    /// failure.
    ShutdownDone(Result<ShutdownMethod, Error>),
    /// The engine cannot go on (no smart mode, no communication).
    Fatal(Error),
}

/// What the driver publishes about a variable besides its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VarInfo {
    /// Writable (`RW`).
    pub writable: bool,
    /// A string of at most this many characters (`STRING`, `SETAUX`).
    pub string_len: Option<usize>,
    /// The allowed values (`ENUM`), in the unit's order.
    pub enums: Vec<String>,
}

/// One read: how long, which bytes are alerts, whether silence is fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReadSpec {
    mode: ReadMode,
    timeout: Duration,
    timeout_ok: bool,
}

/// One step of an exchange script.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    /// Drop unread input; `alerts`: act on the alerts in it first.
    Flush { alerts: bool },
    /// Send bytes.
    Send(Vec<u8>),
    /// Wait.
    Pause(Duration),
    /// Wait, failing if any reply text arrives.
    Peek(Duration),
    /// Read one reply (always the last action).
    Read(ReadSpec),
}

/// The action in progress.
#[derive(Debug, Clone)]
enum Io {
    Pause {
        until: Instant,
    },
    Peek {
        until: Instant,
        reader: LineReader,
    },
    Read {
        until: Instant,
        reader: LineReader,
        spec: ReadSpec,
    },
}

/// What a running script is for: the step that handles its outcome.
#[derive(Debug, Clone)]
enum Purpose {
    Setup(setup::Step),
    Poll(poll::Step),
    Command(command::CmdStep),
    Set(command::SetStep),
    Shutdown(shutdown::Step),
}

/// A script's result: a reply, silence (`None`, when allowed) or a failure.
type Outcome = Result<Option<Vec<u8>>, Error>;

/// Per-table-entry discovery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct VarState {
    present: bool,
    /// Packed variables: sub-fields published last time.
    count: usize,
}

/// The apcsmart driver engine. See the [module docs](crate::apc) for the
/// drive loop.
#[derive(Debug)]
pub struct Engine {
    cfg: ApcConfig,
    running: Option<(Purpose, VecDeque<Action>)>,
    io: Option<Io>,
    rx: Vec<u8>,
    tx: VecDeque<Vec<u8>>,
    last_sent: Vec<u8>,
    events: VecDeque<Event>,
    vars: Vars,
    var_state: Vec<VarState>,
    info: BTreeMap<String, VarInfo>,
    cmd_present: Vec<bool>,
    bits: StatusBits,
    committed: Option<Status>,
    /// Alerts changed the bits; committed once the input at hand is read.
    alerted: bool,
    ready: bool,
    dead: bool,
    stale: bool,
    nudge: u32,
    next_poll: Instant,
    last_full: Option<Instant>,
    jobs: VecDeque<command::Job>,
    next_id: u64,
    armed: HashMap<String, Instant>,
}

impl Engine {
    /// Starts at `now`: the first `Y` is ready for
    /// [`poll_transmit`](Self::poll_transmit).
    pub fn new(cfg: ApcConfig, now: Instant) -> Self {
        let vars = Vars::new(&cfg.overrides, &cfg.defaults);
        let mut engine = Self {
            running: None,
            io: None,
            rx: Vec::new(),
            tx: VecDeque::new(),
            last_sent: Vec::new(),
            events: VecDeque::new(),
            vars,
            var_state: vec![VarState::default(); VARS.len()],
            info: BTreeMap::new(),
            cmd_present: vec![false; COMMANDS.len()],
            bits: StatusBits::default(),
            committed: None,
            alerted: false,
            ready: false,
            dead: false,
            stale: false,
            nudge: 0,
            next_poll: now,
            last_full: None,
            jobs: VecDeque::new(),
            next_id: 1,
            armed: HashMap::new(),
            cfg,
        };
        engine.start_setup(now);
        engine.drive(now);
        engine
    }

    // ----- the sans-IO interface -----

    /// Copies the next bytes to send into `out`; `false` when there is
    /// nothing to send.
    #[must_use]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        match self.tx.pop_front() {
            Some(bytes) => {
                out.extend_from_slice(&bytes);
                true
            }
            None => false,
        }
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next;
    /// `None` once the engine is dead.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.dead {
            return None;
        }
        match &self.io {
            Some(Io::Pause { until } | Io::Peek { until, .. } | Io::Read { until, .. }) => {
                Some(*until)
            }
            None if self.running.is_none() && self.ready => Some(self.next_poll),
            None => None,
        }
    }

    /// Bytes from the unit: replies, alert characters, noise.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            match &mut self.io {
                Some(Io::Read { reader, .. }) => match reader.push(b) {
                    Feed::Text | Feed::Ignored => {}
                    Feed::Alert(a) => self.on_alert(a),
                    Feed::Complete(t) => {
                        let text = if t == Terminator::Asterisk {
                            OK.to_vec()
                        } else {
                            reader.take_text()
                        };
                        self.io = None;
                        self.keep_pending(bytes.get(i + 1..).unwrap_or_default());
                        self.commit_alerts();
                        self.complete(now, Ok(Some(text)));
                        return self.after_input(now);
                    }
                    Feed::Overflow => {
                        let error = Error::TooLong {
                            query: Received::new(&self.last_sent),
                            limit: super::reply::MAX_REPLY_LEN,
                            received: Received(reader.take_text()),
                        };
                        self.io = None;
                        self.complete(now, Err(error));
                        return self.after_input(now);
                    }
                },
                Some(Io::Peek { reader, .. }) => match reader.push(b) {
                    Feed::Alert(a) => self.on_alert(a),
                    Feed::Ignored => {}
                    _ => {
                        let error = Error::UnexpectedReply {
                            query: Received::new(&self.last_sent),
                            received: Received::new(bytes.get(i..).unwrap_or_default()),
                        };
                        self.io = None;
                        self.complete(now, Err(error));
                        return self.after_input(now);
                    }
                },
                Some(Io::Pause { .. }) | None => {
                    self.keep_pending(bytes.get(i..).unwrap_or_default());
                    break;
                }
            }
        }
        if self.io.is_none() && self.running.is_none() && self.ready {
            // Idle: alerts act at once, the rest waits for the next flush.
            self.flush(true);
        }
        self.after_input(now);
    }

    /// Commits what alerts changed, moves on, reports.
    fn after_input(&mut self, now: Instant) {
        self.commit_alerts();
        self.drive(now);
        self.commit_alerts();
        self.drain_changes();
    }

    /// Time passed: a read, pause or watch ended, or the next poll is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.io.take() {
            Some(Io::Read {
                until,
                mut reader,
                spec,
            }) if now >= until => {
                let text = reader.take_text();
                let outcome = if !text.is_empty() {
                    Err(Error::Truncated {
                        query: Received::new(&self.last_sent),
                        received: Received(text),
                    })
                } else if spec.timeout_ok {
                    Ok(None)
                } else {
                    Err(Error::NoReply {
                        query: Received::new(&self.last_sent),
                    })
                };
                self.complete(now, outcome);
            }
            Some(Io::Pause { until } | Io::Peek { until, .. }) if now >= until => {}
            other => self.io = other,
        }
        self.drive(now);
        self.drain_changes();
    }

    // ----- what the engine knows -----

    /// All published variables.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        self.vars.map()
    }

    /// What is published about `name` besides its value (flags, enums).
    pub fn var_info(&self, name: &str) -> Option<&VarInfo> {
        self.info.get(name)
    }

    /// Every variable with flags or enums.
    pub fn var_infos(&self) -> &BTreeMap<String, VarInfo> {
        &self.info
    }

    /// The instant commands the unit supports (each name once, table
    /// order).
    pub fn commands(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (def, _) in COMMANDS
            .iter()
            .zip(&self.cmd_present)
            .filter(|(_, on)| **on)
        {
            if !out.contains(&def.name) {
                out.push(def.name);
            }
        }
        out
    }

    /// The status byte as last read (and changed by alerts since).
    pub fn status_bits(&self) -> StatusBits {
        self.bits
    }

    /// Whether discovery finished.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Whether data is stale.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    // ----- the script runner -----

    fn run(&mut self, purpose: Purpose, script: Vec<Action>) {
        self.running = Some((purpose, script.into()));
    }

    fn drive(&mut self, now: Instant) {
        loop {
            if self.dead || self.io.is_some() {
                return;
            }
            let Some((_, script)) = &mut self.running else {
                if !self.ready {
                    return;
                }
                if !self.start_job(now) && !self.start_poll(now) {
                    return;
                }
                continue;
            };
            let Some(action) = script.pop_front() else {
                self.complete(now, Ok(None));
                continue;
            };
            match action {
                Action::Flush { alerts } => self.flush(alerts),
                Action::Send(bytes) => {
                    self.last_sent.clone_from(&bytes);
                    self.tx.push_back(bytes);
                }
                Action::Pause(d) => self.io = Some(Io::Pause { until: now + d }),
                Action::Peek(d) => {
                    self.io = Some(Io::Peek {
                        until: now + d,
                        reader: LineReader::new(ReadMode::Alerts),
                    });
                }
                Action::Read(spec) => {
                    self.io = Some(Io::Read {
                        until: now + spec.timeout,
                        reader: LineReader::new(spec.mode),
                        spec,
                    });
                    // Bytes that came while nothing read are read first.
                    let pending = std::mem::take(&mut self.rx);
                    if !pending.is_empty() {
                        self.handle_input(now, &pending);
                        return;
                    }
                }
            }
        }
    }

    /// Ends the running script with `outcome` and hands it on.
    fn complete(&mut self, now: Instant, outcome: Outcome) {
        self.io = None;
        if let Some((purpose, _)) = self.running.take() {
            self.on_done(now, purpose, outcome);
        }
    }

    fn on_done(&mut self, now: Instant, purpose: Purpose, outcome: Outcome) {
        match purpose {
            Purpose::Setup(step) => self.setup_done(now, step, outcome),
            Purpose::Poll(step) => self.poll_done(now, step, outcome),
            Purpose::Command(step) => self.command_done(now, step, outcome),
            Purpose::Set(step) => self.set_done(now, step, outcome),
            Purpose::Shutdown(step) => self.shutdown_done(now, step, outcome),
        }
    }

    fn keep_pending(&mut self, bytes: &[u8]) {
        self.rx.extend_from_slice(bytes);
        if self.rx.len() > MAX_PENDING {
            let excess = self.rx.len() - MAX_PENDING;
            self.rx.drain(..excess);
        }
    }

    /// Drops unread input, acting on its alerts first when `alerts`.
    fn flush(&mut self, alerts: bool) {
        let pending = std::mem::take(&mut self.rx);
        if alerts {
            for a in pending.iter().filter_map(|b| ReadMode::Alerts.alert(*b)) {
                self.on_alert(a);
            }
        }
    }

    /// Applies an alert; the status is committed once the bytes at hand
    /// are read, so alerts that arrive together (`+$`) make one change.
    fn on_alert(&mut self, alert: Alert) {
        self.events.push_back(Event::Alert(alert));
        if self.ready && alert.changes_status() {
            self.bits = alert.apply(self.bits);
            self.alerted = true;
        }
    }

    fn commit_alerts(&mut self) {
        if std::mem::take(&mut self.alerted) {
            self.commit_status();
        }
    }

    /// Publishes `ups.status` from the status byte (and `ignorelb`).
    fn commit_status(&mut self) {
        self.alerted = false;
        let mut status = self.bits.render();
        if self.cfg.ignorelb {
            status = ignore_lb(&status, self.vars.map());
        }
        self.vars.set("ups.status", status.to_string());
        if self.committed.as_ref() != Some(&status) {
            self.committed = Some(status.clone());
            self.events.push_back(Event::Status(status));
        }
    }

    fn fatal(&mut self, error: Error) {
        self.dead = true;
        self.io = None;
        self.running = None;
        self.tx.clear();
        self.events.push_back(Event::Fatal(error));
    }

    fn drain_changes(&mut self) {
        for (name, value) in self.vars.take_changes() {
            self.events.push_back(Event::Var { name, value });
        }
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    // ----- script building blocks -----

    fn read(&self, mode: ReadMode, timeout: Duration, timeout_ok: bool) -> Action {
        Action::Read(ReadSpec {
            mode,
            timeout,
            timeout_ok,
        })
    }

    /// `[flush, letter, read]`: one alert-aware query.
    fn query(&self, letter: u8, flush_alerts: bool, timeout_ok: bool) -> Vec<Action> {
        vec![
            Action::Flush {
                alerts: flush_alerts,
            },
            Action::Send(vec![letter]),
            self.read(ReadMode::Alerts, self.cfg.reply_timeout, timeout_ok),
        ]
    }

    /// A letter sent twice: send, watch, wait, send (NUT's repeated write).
    fn repeated(&self, letter: u8) -> Vec<Action> {
        vec![
            Action::Send(vec![letter]),
            Action::Peek(self.cfg.peek),
            Action::Pause(self.cfg.repeat_gap),
            Action::Send(vec![letter]),
        ]
    }

    /// A command letter then its argument, paced: send, watch, then each
    /// argument byte with a gap (NUT's long write).
    fn long_write(&self, letter: u8, argument: &[u8]) -> Vec<Action> {
        let mut out = vec![Action::Send(vec![letter]), Action::Peek(self.cfg.peek)];
        for &b in argument {
            out.push(Action::Send(vec![b]));
            out.push(Action::Pause(self.cfg.pace));
        }
        out
    }
}

#[cfg(test)]
mod tests;
