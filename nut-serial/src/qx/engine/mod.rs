//! The sans-IO nutdrv_qx engine: protocol probing (qx-protocols §1.6), the
//! start-up walk, quick and full polls (§1.8), instant commands (§1.9),
//! settings (§1.10), shutdown (§1.13), failure counting and staleness.
//!
//! This file holds the engine's state and its sans-IO interface; the
//! phases live in `probe` (protocol claims), `walk` (start-up walk and
//! polls) and `jobs` (instant commands, settings, shutdown).

mod jobs;
mod probe;
mod walk;

use std::collections::VecDeque;
use std::time::Instant;

use nut_proto::model::Status;

use super::battery::Battery;
use super::commands::{self, DELAY_VARS};
use super::config::QxConfig;
use super::crc;
use super::decode::{MAX_REPLY_LEN, ProtoState};
use super::protocol::{PROBE_ORDER, Protocol};
use super::rows::Row;
use super::status::StatusSet;
use super::tables::{Check, CmdRow};
use super::vars::Vars;
use crate::error::Error;

/// Something the engine reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A protocol claimed the device.
    Detected {
        /// The protocol.
        protocol: Protocol,
    },
    /// A variable was published (`Some`) or deleted (`None`).
    Var {
        /// Variable name.
        name: String,
        /// New value.
        value: Option<String>,
    },
    /// `ups.status` changed (committed after a successful poll).
    Status(Status),
    /// A poll succeeded.
    PollOk {
        /// Whether it was a full poll.
        full: bool,
    },
    /// A poll failed; `failures` consecutive so far. The error names the
    /// bytes received.
    PollFailed {
        /// Why.
        error: Error,
        /// Consecutive failed polls.
        failures: u32,
    },
    /// Data is stale: [`QxConfig::stale_after`] polls in a row failed.
    Stale {
        /// The last failure.
        error: Error,
    },
    /// Communication re-established after at least `stale_after - 1`
    /// failed polls.
    Recovered {
        /// How many polls had failed.
        failures: u32,
    },
    /// An instant command finished.
    CommandDone {
        /// The id returned by [`Engine::instcmd`].
        id: u64,
        /// Command name.
        name: String,
        /// Outcome.
        result: Result<(), Error>,
    },
    /// The shutdown sequence finished.
    ShutdownDone(Result<(), Error>),
    /// The engine cannot go on (no protocol, start-up failed).
    Fatal(Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WalkKind {
    Init,
    Quick,
    Full,
}

#[derive(Debug, Clone)]
struct Walk {
    kind: WalkKind,
    pos: usize,
    cache: Option<(Vec<u8>, Vec<u8>)>,
}

/// One claim step: process the first row for `var`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ClaimStep {
    var: &'static str,
    query: &'static [u8],
}

#[derive(Debug, Clone)]
struct Probe {
    candidates: Vec<Protocol>,
    index: usize,
    attempt: u32,
    step: usize,
    steps: Vec<ClaimStep>,
    snapshot: Vars,
}

#[derive(Debug, Clone)]
enum Job {
    Command {
        id: u64,
        name: String,
        bytes: Vec<u8>,
        check: Check,
        /// A command that must succeed first (OMRON `An`/`Af`).
        pre: Option<Prelude>,
    },
    Shutdown {
        stop: Option<(Vec<u8>, Check)>,
        main: (Vec<u8>, Check),
        attempt: u32,
        stopping: bool,
        /// Sent (and accepted) before each attempt of `main`.
        pre: Option<Prelude>,
        /// The prelude of the current attempt was accepted.
        pre_done: bool,
    },
}

/// A command sent before another (OMRON's auto-restart switch) and the
/// `ups.start.auto` value its success publishes.
#[derive(Debug, Clone)]
struct Prelude {
    bytes: Vec<u8>,
    start_auto: &'static str,
}

#[derive(Debug, Clone)]
enum Phase {
    Probe(Probe),
    Walk(Walk),
    Job(Job),
    Idle,
    Dead,
}

#[derive(Debug, Clone)]
struct Exchange {
    deadline: Instant,
    buf: Vec<u8>,
}

/// A row that failed: at the acceptance step (the row is disabled during
/// the start-up walk) or at the conversion step (it is retried).
#[derive(Debug)]
enum RowError {
    Accept(Error),
    Convert(Error),
}

impl RowError {
    fn into_error(self) -> Error {
        match self {
            Self::Accept(e) | Self::Convert(e) => e,
        }
    }
}

/// The Megatec/Q* driver engine. See the [module docs](super) for the
/// drive loop.
#[derive(Debug)]
pub struct Engine {
    cfg: QxConfig,
    phase: Phase,
    protocol: Option<Protocol>,
    rows: Vec<Row>,
    enabled: Vec<bool>,
    commands: Vec<CmdRow>,
    cmd_enabled: Vec<bool>,
    vars: Vars,
    status: StatusSet,
    committed: Option<Status>,
    alarms: Vec<String>,
    state: ProtoState,
    battery: Option<Battery>,
    exchange: Option<Exchange>,
    tx: Option<Vec<u8>>,
    events: VecDeque<Event>,
    next_poll: Instant,
    last_full: Instant,
    force_full: bool,
    failures: u32,
    stale: bool,
    jobs: VecDeque<Job>,
    next_id: u64,
    delay_start: i64,
    delay_shutdown: i64,
}

impl Engine {
    /// Starts probing at `now` (the first query is ready for
    /// [`poll_transmit`](Self::poll_transmit)).
    pub fn new(cfg: QxConfig, now: Instant) -> Self {
        let candidates: Vec<Protocol> = match cfg.protocol {
            Some(p) => vec![p],
            None => PROBE_ORDER
                .iter()
                .copied()
                .filter(|p| p.is_implemented())
                .collect(),
        };
        let mut vars = Vars::new(&cfg.overrides, &cfg.defaults);
        if let Some((vendor, product)) = cfg.usb_ids {
            vars.set("ups.vendorid", format!("{vendor:04x}"));
            vars.set("ups.productid", format!("{product:04x}"));
        }
        let mut engine = Self {
            phase: Phase::Dead,
            protocol: None,
            rows: Vec::new(),
            enabled: Vec::new(),
            commands: Vec::new(),
            cmd_enabled: Vec::new(),
            status: StatusSet::default(),
            committed: None,
            alarms: Vec::new(),
            state: ProtoState::default(),
            battery: None,
            exchange: None,
            tx: None,
            events: VecDeque::new(),
            next_poll: now,
            last_full: now,
            force_full: false,
            failures: 0,
            stale: false,
            jobs: VecDeque::new(),
            next_id: 1,
            delay_start: 0,
            delay_shutdown: 0,
            vars,
            cfg,
        };
        if let Some(p) = engine.cfg.protocol.filter(|p| !p.is_implemented()) {
            engine.fatal(Error::UnimplementedProtocol(p.name()));
            return engine;
        }
        engine.phase = Phase::Probe(Probe {
            candidates,
            index: 0,
            attempt: 0,
            step: 0,
            steps: Vec::new(),
            snapshot: engine.vars.clone(),
        });
        engine.start_protocol_claim();
        engine.drive(now);
        engine
    }
}

impl Engine {
    // ----- the sans-IO interface -----

    /// Copies the next bytes to send into `out`; `false` when there is
    /// nothing to send.
    #[must_use]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        match self.tx.take() {
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

    /// When [`handle_timeout`](Self::handle_timeout) must be called next
    /// (reply deadline or next poll); `None` once the engine is dead.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if let Some(ex) = &self.exchange {
            return Some(ex.deadline);
        }
        match self.phase {
            Phase::Idle => Some(self.next_poll),
            _ => None,
        }
    }

    /// Bytes from the device. A reply ends at CR or LF (serial canonical
    /// mode); bytes arriving while no query is outstanding are dropped (the
    /// serial driver flushes before each exchange).
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        let Some(ex) = &mut self.exchange else {
            return;
        };
        let mut complete = false;
        for &b in bytes {
            if ex.buf.is_empty() && b == b'\n' {
                continue;
            }
            ex.buf.push(b);
            if b == b'\r' || b == b'\n' || ex.buf.len() > MAX_REPLY_LEN {
                complete = true;
                break;
            }
        }
        if complete {
            let reply = std::mem::take(&mut ex.buf);
            self.exchange = None;
            self.on_reply(now, reply);
        }
        self.drive(now);
        self.drain_changes();
    }

    /// A whole reply from a transport that delivers replies as units (a
    /// USB bridge, qx-protocols §3): completes the outstanding exchange
    /// with `bytes` at once, with or without a CR (hunnox and snr append
    /// none); empty = no reply. What follows the reply's terminator
    /// (bridge padding) is no part of it.
    pub fn handle_reply(&mut self, now: Instant, bytes: &[u8]) {
        if self.exchange.take().is_none() {
            return;
        }
        let reply = bytes.get(..MAX_REPLY_LEN).unwrap_or(bytes).to_vec();
        self.on_reply(now, reply);
        self.drive(now);
        self.drain_changes();
    }

    /// Time passed: a reply deadline (no reply = 0 bytes, or the partial
    /// bytes received) or the next poll.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(ex) = &mut self.exchange
            && now >= ex.deadline
        {
            let reply = std::mem::take(&mut ex.buf);
            self.exchange = None;
            self.on_reply(now, reply);
        }
        self.drive(now);
        self.drain_changes();
    }

    /// The detected protocol.
    pub fn protocol(&self) -> Option<Protocol> {
        self.protocol
    }

    /// All published variables.
    pub fn vars(&self) -> &std::collections::BTreeMap<String, String> {
        self.vars.map()
    }

    /// The instant commands offered.
    pub fn commands(&self) -> Vec<&'static str> {
        self.commands
            .iter()
            .zip(&self.cmd_enabled)
            .filter(|(_, on)| **on)
            .map(|(c, _)| c.name)
            .collect()
    }

    /// Whether data is stale.
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Whether a query is outstanding (its reply, or its deadline, is
    /// awaited); `false` while idle between polls, so an I/O adapter knows
    /// when one exchange cycle is over.
    pub fn awaiting_reply(&self) -> bool {
        self.exchange.is_some()
    }

    // ----- internals -----

    fn enabled_command(&self, name: &str) -> Option<CmdRow> {
        self.commands
            .iter()
            .zip(&self.cmd_enabled)
            .find(|(c, on)| **on && c.name == name)
            .map(|(c, _)| *c)
    }

    /// The protocol's command hook: the Masterguard slave address, the
    /// voltronic-axpert CRC.
    fn address(&self, bytes: Vec<u8>) -> Vec<u8> {
        match self.current_protocol() {
            Some(Protocol::Masterguard) => {
                commands::substitute_address(&bytes, self.state.mg_slave.unwrap_or(0))
            }
            Some(Protocol::VoltronicAxpert) => crc::add(&bytes),
            _ => bytes,
        }
    }

    fn set_delay(&mut self, name: &str, v: i64) {
        if name == DELAY_VARS[0] {
            self.delay_start = v;
        } else {
            self.delay_shutdown = v;
        }
        self.vars.set(name, v.to_string());
    }

    fn current_protocol(&self) -> Option<Protocol> {
        match &self.phase {
            Phase::Probe(p) => p.candidates.get(p.index).copied(),
            _ => self.protocol,
        }
    }

    fn fatal(&mut self, e: Error) {
        self.phase = Phase::Dead;
        self.exchange = None;
        self.tx = None;
        self.events.push_back(Event::Fatal(e));
    }

    fn drain_changes(&mut self) {
        if matches!(self.phase, Phase::Probe(_)) {
            return;
        }
        for (name, value) in self.vars.take_changes() {
            self.events.push_back(Event::Var { name, value });
        }
    }

    fn send(&mut self, now: Instant, bytes: Vec<u8>) {
        self.tx = Some(bytes);
        self.exchange = Some(Exchange {
            deadline: now + self.cfg.reply_timeout,
            buf: Vec::new(),
        });
    }

    fn drive(&mut self, now: Instant) {
        loop {
            if self.exchange.is_some() {
                return;
            }
            match &mut self.phase {
                Phase::Dead => return,
                Phase::Probe(probe) => {
                    let Some(&step) = probe.steps.get(probe.step) else {
                        self.claimed(now);
                        continue;
                    };
                    if self.claim_row(step).is_none() {
                        // A claim naming a row the table lacks fails
                        // without asking (innovart33, qx-protocols §2.16).
                        self.claim_reply(&[]);
                        continue;
                    }
                    let bytes = self.address(step.query.to_vec());
                    self.send(now, bytes);
                    return;
                }
                Phase::Walk(_) => {
                    if !self.walk_step(now) {
                        return;
                    }
                }
                Phase::Job(job) => {
                    let bytes = match job {
                        Job::Command { pre: Some(p), .. } => p.bytes.clone(),
                        Job::Command { bytes, .. } => bytes.clone(),
                        Job::Shutdown {
                            stop: Some((b, _)),
                            stopping: true,
                            ..
                        } => b.clone(),
                        Job::Shutdown {
                            pre: Some(p),
                            pre_done: false,
                            ..
                        } => p.bytes.clone(),
                        Job::Shutdown { main, .. } => main.0.clone(),
                    };
                    self.send(now, bytes);
                    return;
                }
                Phase::Idle => {
                    if let Some(job) = self.jobs.pop_front() {
                        self.phase = Phase::Job(job);
                        continue;
                    }
                    if now < self.next_poll {
                        return;
                    }
                    self.start_poll(now);
                }
            }
        }
    }

    fn on_reply(&mut self, now: Instant, reply: Vec<u8>) {
        match &self.phase {
            Phase::Probe(_) => self.claim_reply(&reply),
            Phase::Walk(_) => self.walk_reply(now, reply),
            Phase::Job(_) => self.job_reply(&reply),
            Phase::Idle | Phase::Dead => {}
        }
    }
}

#[cfg(test)]
mod dialect_tests;
#[cfg(test)]
mod tests;
