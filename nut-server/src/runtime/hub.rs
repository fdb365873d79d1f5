//! [`Hub`]: the sans-IO core of a driver's state socket (NUT's `dstate.c`
//! socket half): every connected client, what each one sent, what each one
//! is owed, and the broadcast of every state change.
//!
//! The hub owns the [`DriverState`]. Its caller (the runtime adapter) moves
//! bytes and runs the driver:
//!
//! * [`Hub::handle_connect`] / [`Hub::handle_input`] / [`Hub::handle_disconnect`]
//!   for socket events;
//! * [`Hub::poll_event`] yields what the driver must act on
//!   ([`Request`], each with a [`CallId`] to answer with
//!   [`Hub::handle_answer`]) and log records;
//! * [`Hub::state_mut`] lets the driver change the state; the changes are
//!   broadcast by the next [`Hub::poll_transmit`], which yields the bytes
//!   owed to each client.
//!
//! Replies follow the NUT driver byte for byte (see `nut-spec.md` §3):
//! `PONG`, `PID <n>`, dumps in tree order, `TRACKING <id> <rc>` after the
//! broadcast the SET caused, `OK Goodbye`; unknown lines are logged and get
//! no reply. The handler shared by all drivers comes first, as in NUT:
//! `driver.killpower` (only while `driver.flag.allow_killpower` is 1),
//! `driver.reload`, `driver.reload-or-exit`, `driver.reload-or-error`,
//! `driver.exit`, `shutdown.default`, `SET driver.debug` and
//! `SET driver.flag.allow_killpower`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

use nut_proto::sock::{
    ClientDecoder, ClientMessage, DecodeErrorKind, DecodeOptions, DriverMessage, TrackingResult,
    VarFlag,
};

use super::log::{Level, LogRecord};
use crate::state::{DriverState, Flags, Update};

/// Most bytes owed to one client before it is dropped as a reader that does
/// not keep up (NUT drops a client whose non-blocking write fails).
pub const MAX_CLIENT_BACKLOG: usize = 16 * 1024 * 1024;

/// Most events waiting in [`Hub::poll_event`]; past this, the oldest log
/// records are dropped (requests are never dropped).
pub const MAX_PENDING_EVENTS: usize = 4096;

/// The instant commands of newer NUT's shared handler, in the order NUT
/// advertises them (only with [`HubOptions::advertise_shared`]).
pub const SHARED_COMMANDS: [&str; 5] = [
    "shutdown.default",
    "driver.killpower",
    "driver.reload",
    "driver.reload-or-exit",
    "driver.reload-or-error",
];

/// A connected client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(u64);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {}", self.0)
    }
}

/// One SET or INSTCMD waiting for its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(u64);

impl CallId {
    /// A call no client waits for (the runtime's own, e.g. `-k`); answers
    /// to it are ignored.
    pub const INTERNAL: Self = Self(u64::MAX);
}

/// Which reload a client asked for (`driver.reload*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadKind {
    /// `driver.reload` / SIGHUP: apply what can change, log the rest.
    Reload,
    /// `driver.reload-or-exit` / SIGUSR1: exit if something needs a restart.
    OrExit,
    /// `driver.reload-or-error`: answer INVALID if something needs a restart.
    OrError,
}

/// What the driver (or the runtime around it) must do; answer each with
/// [`Hub::handle_answer`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// `SET` of a variable the shared handler does not own.
    Set {
        /// The call to answer.
        call: CallId,
        /// Variable name.
        var: String,
        /// New value.
        value: String,
    },
    /// `INSTCMD` of a command the shared handler does not own.
    InstCmd {
        /// The call to answer.
        call: CallId,
        /// Command name.
        cmd: String,
        /// Optional parameter.
        param: Option<String>,
    },
    /// `driver.killpower` while allowed: run `sdcommands` (or the driver's
    /// shutdown), answer, then exit.
    KillPower {
        /// The call to answer.
        call: CallId,
    },
    /// `shutdown.default`: the driver's own shutdown routine.
    ShutdownDefault {
        /// The call to answer.
        call: CallId,
    },
    /// `driver.reload*`.
    Reload {
        /// The call to answer.
        call: CallId,
        /// Which one.
        kind: ReloadKind,
    },
    /// `driver.exit`: answer, then exit cleanly.
    Exit {
        /// The call to answer.
        call: CallId,
    },
}

/// What [`Hub::poll_event`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Work for the driver.
    Request(Request),
    /// `SET driver.debug`: the debug level a client asked for (`None`:
    /// back to the configured level).
    DebugLevel(Option<u8>),
    /// Something to log.
    Log(LogRecord),
}

/// Bytes owed to one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The client.
    pub client: ClientId,
    /// What to write (possibly empty).
    pub data: Vec<u8>,
    /// Close the connection once `data` is written; the hub has forgotten
    /// the client.
    pub close: bool,
}

/// How the hub behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubOptions {
    /// What `GETPID` answers.
    pub pid: u32,
    /// Publish what newer NUT (2.8.1+) publishes for its shared handler:
    /// `driver.debug` and `driver.flag.allow_killpower` (RW NUMBER) and
    /// the [`SHARED_COMMANDS`]. Off by default: a 2.8.0 driver publishes
    /// none of them (they are handled either way).
    pub advertise_shared: bool,
    /// `allow_killpower` from the configuration.
    pub allow_killpower: bool,
    /// The debug level to publish as `driver.debug`.
    pub debug_level: u8,
    /// See [`MAX_CLIENT_BACKLOG`].
    pub max_client_backlog: usize,
}

impl HubOptions {
    /// Options for a driver whose process id is `pid`.
    pub fn new(pid: u32) -> Self {
        Self {
            pid,
            advertise_shared: false,
            allow_killpower: false,
            debug_level: 0,
            max_client_backlog: MAX_CLIENT_BACKLOG,
        }
    }
}

#[derive(Debug)]
struct Client {
    decoder: ClientDecoder,
    out: Vec<u8>,
    broadcast: bool,
    close: bool,
}

#[derive(Debug, Clone)]
struct PendingCall {
    client: ClientId,
    tracking: Option<String>,
    what: CallKind,
}

#[derive(Debug, Clone)]
enum CallKind {
    Set,
    InstCmd { cmd: String, param: Option<String> },
}

/// The state socket's clients and state; see the module docs.
#[derive(Debug)]
pub struct Hub {
    state: DriverState,
    options: HubOptions,
    allow_killpower: bool,
    clients: BTreeMap<ClientId, Client>,
    next_client: u64,
    calls: HashMap<CallId, PendingCall>,
    next_call: u64,
    events: VecDeque<Event>,
}

impl Hub {
    /// A hub serving `state`; updates queued before now are dropped (no
    /// client could have seen the state before).
    pub fn new(mut state: DriverState, options: HubOptions) -> Self {
        if options.advertise_shared {
            publish_shared(&mut state, &options);
        }
        while state.poll_update().is_some() {}
        Self {
            state,
            allow_killpower: options.allow_killpower,
            options,
            clients: BTreeMap::new(),
            next_client: 0,
            calls: HashMap::new(),
            next_call: 0,
            events: VecDeque::new(),
        }
    }

    /// The published state.
    pub fn state(&self) -> &DriverState {
        &self.state
    }

    /// The published state, for the driver to change; changes reach the
    /// clients at the next [`Hub::poll_transmit`].
    pub fn state_mut(&mut self) -> &mut DriverState {
        &mut self.state
    }

    /// Whether `driver.killpower` is allowed now.
    pub fn killpower_allowed(&self) -> bool {
        self.allow_killpower
    }

    /// Number of connected clients.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// A client connected.
    pub fn handle_connect(&mut self) -> ClientId {
        self.flush_updates();
        let id = ClientId(self.next_client);
        self.next_client += 1;
        self.clients.insert(
            id,
            Client {
                decoder: ClientDecoder::with_options(DecodeOptions::NUT),
                out: Vec::new(),
                broadcast: true,
                close: false,
            },
        );
        self.debug(3, format!("sock_connect: new connection ({id})"));
        id
    }

    /// A client went away (EOF or error): forget it. Answers still due to
    /// it are dropped when they come.
    pub fn handle_disconnect(&mut self, client: ClientId) {
        if self.clients.remove(&client).is_some() {
            self.debug(2, format!("sock_read: {client} closed the connection"));
        }
    }

    /// Bytes from a client.
    pub fn handle_input(&mut self, client: ClientId, bytes: &[u8]) {
        self.flush_updates();
        let mut rest = bytes;
        while !rest.is_empty() {
            let Some(state) = self.clients.get_mut(&client) else {
                return;
            };
            if state.close {
                // After LOGOUT nothing more is read (NUT returns early).
                return;
            }
            match state.decoder.decode_next(rest) {
                nut_proto::sock::Decoded::Incomplete => return,
                nut_proto::sock::Decoded::Complete { item, consumed } => {
                    rest = rest.get(consumed..).unwrap_or_default();
                    match item {
                        Ok(message) => self.dispatch(client, message),
                        Err(error) => self.bad_line(&error),
                    }
                }
            }
        }
    }

    /// The result of a [`Request`]: queues `TRACKING <id> <rc>` when the
    /// client asked for tracking. The state changes the driver made first
    /// are broadcast before it, as NUT's driver sends them.
    pub fn handle_answer(&mut self, call: CallId, status: TrackingResult) {
        self.flush_updates();
        let Some(pending) = self.calls.remove(&call) else {
            return;
        };
        if let Some(id) = pending.tracking {
            let line = DriverMessage::Tracking { id, result: status };
            self.send(pending.client, &line);
        }
    }

    /// A [`Request::Set`] or [`Request::InstCmd`] that the driver has no
    /// handler for, answered as NUT's core does: a SET gets no reply, an
    /// INSTCMD gets `TRACKING <id> 1`.
    pub fn handle_no_handler(&mut self, call: CallId) {
        self.flush_updates();
        let Some(pending) = self.calls.remove(&call) else {
            return;
        };
        match pending.what {
            CallKind::Set => {
                self.log(Level::Notice, "Got SET, but driver lacks a handler");
            }
            CallKind::InstCmd { cmd, param } => {
                let text = match param {
                    Some(p) => format!("Got INSTCMD '{cmd}' '{p}', but driver lacks a handler"),
                    None => format!("Got INSTCMD '{cmd}', but driver lacks a handler"),
                };
                self.log(Level::Notice, text);
                if let Some(id) = pending.tracking {
                    let line = DriverMessage::Tracking {
                        id,
                        result: TrackingResult::Unknown,
                    };
                    self.send(pending.client, &line);
                }
            }
        }
    }

    /// The next thing for the driver or the log.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next bytes owed to a client, state changes broadcast first.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.flush_updates();
        let (&client, _) = self
            .clients
            .iter()
            .find(|(_, c)| !c.out.is_empty() || c.close)?;
        let state = self.clients.get_mut(&client)?;
        let data = std::mem::take(&mut state.out);
        let close = state.close;
        if close {
            self.clients.remove(&client);
        }
        Some(Transmit {
            client,
            data,
            close,
        })
    }

    /// Drops every client, as at exit; each gets a closing [`Transmit`].
    pub fn close_all(&mut self) {
        for client in self.clients.values_mut() {
            client.close = true;
        }
    }

    fn dispatch(&mut self, client: ClientId, message: ClientMessage) {
        match message {
            ClientMessage::Ping => self.send(client, &DriverMessage::Pong),
            ClientMessage::DumpAll => {
                let dump = self.state.dump();
                self.send_updates(client, dump);
            }
            ClientMessage::DumpValue { var } => {
                let dump = self.state.dump_value(&var);
                self.send_updates(client, dump);
            }
            ClientMessage::DumpStatus => {
                let dump = self.state.dump_value("ups.status");
                self.send_updates(client, dump);
            }
            ClientMessage::GetPid => {
                let pid = self.options.pid.to_string();
                self.send(client, &DriverMessage::Pid { pid });
            }
            ClientMessage::NoBroadcast => self.set_broadcast(client, false),
            ClientMessage::Broadcast { level } => {
                self.set_broadcast(client, level.is_none_or(|n| n >= 1));
            }
            ClientMessage::Logout => {
                self.send(client, &DriverMessage::Goodbye);
                if let Some(state) = self.clients.get_mut(&client) {
                    state.close = true;
                }
                self.debug(2, format!("sock_arg: received LOGOUT on {client}"));
            }
            ClientMessage::InstCmd {
                cmd,
                param,
                tracking,
            } => self.instcmd(client, cmd, param, tracking),
            ClientMessage::Set {
                var,
                value,
                tracking,
            } => self.set(client, var, value, tracking),
            ClientMessage::Unknown { words } => self.unknown_command(&words),
            // A newer codec may know more commands than this hub.
            other => self.unknown_command(&[other.to_string()]),
        }
    }

    fn set_broadcast(&mut self, client: ClientId, on: bool) {
        if let Some(state) = self.clients.get_mut(&client) {
            state.broadcast = on;
        }
        let mode = if on { "" } else { "NO" };
        self.debug(
            1,
            format!("sock_arg: {client} requested {mode}BROADCAST mode"),
        );
    }

    fn instcmd(
        &mut self,
        client: ClientId,
        cmd: String,
        param: Option<String>,
        tracking: Option<String>,
    ) {
        let what = CallKind::InstCmd {
            cmd: cmd.clone(),
            param: param.clone(),
        };
        let call = self.new_call(client, tracking, what);
        let request = match cmd.as_str() {
            "shutdown.default" => Request::ShutdownDefault { call },
            "driver.killpower" => {
                if !self.allow_killpower {
                    self.log(
                        Level::Warning,
                        "Got socket protocol request to power off, but \
                         driver.flag.allow_killpower does not permit this - \
                         request was currently ignored!",
                    );
                    self.handle_answer(call, TrackingResult::Invalid);
                    return;
                }
                self.log(
                    Level::Warning,
                    "Requesting UPS to power off, as/if handled by its driver by \
                     default (may exit), due to socket protocol request",
                );
                Request::KillPower { call }
            }
            "driver.exit" => Request::Exit { call },
            "driver.reload" => Request::Reload {
                call,
                kind: ReloadKind::Reload,
            },
            "driver.reload-or-exit" => Request::Reload {
                call,
                kind: ReloadKind::OrExit,
            },
            "driver.reload-or-error" => Request::Reload {
                call,
                kind: ReloadKind::OrError,
            },
            _ => Request::InstCmd { call, cmd, param },
        };
        self.events.push_back(Event::Request(request));
    }

    fn set(&mut self, client: ClientId, var: String, value: String, tracking: Option<String>) {
        let what = CallKind::Set;
        let call = self.new_call(client, tracking, what);
        match var.as_str() {
            "driver.debug" => {
                let status = match value.parse::<i64>() {
                    Ok(level) => {
                        let level = (level >= 0).then(|| u8::try_from(level).unwrap_or(u8::MAX));
                        self.events.push_back(Event::DebugLevel(level));
                        TrackingResult::Handled
                    }
                    Err(_) => {
                        self.debug(1, format!("Error: invalid driver.debug value: {value}"));
                        TrackingResult::Invalid
                    }
                };
                self.handle_answer(call, status);
            }
            "driver.flag.allow_killpower" => {
                self.allow_killpower = parse_allow_killpower(&value);
                if self.options.advertise_shared {
                    let text = if self.allow_killpower { "1" } else { "0" };
                    self.state.set_info("driver.flag.allow_killpower", text);
                }
                self.debug(
                    1,
                    format!(
                        "main_setvar: Setting driver.flag.allow_killpower={}",
                        u8::from(self.allow_killpower)
                    ),
                );
                self.handle_answer(call, TrackingResult::Handled);
            }
            _ => self
                .events
                .push_back(Event::Request(Request::Set { call, var, value })),
        }
    }

    /// Publishes a new debug level as `driver.debug` (when advertised).
    pub fn publish_debug_level(&mut self, level: u8) {
        if self.options.advertise_shared {
            self.state.set_info("driver.debug", &level.to_string());
        }
    }

    fn new_call(&mut self, client: ClientId, tracking: Option<String>, what: CallKind) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        self.calls.insert(
            call,
            PendingCall {
                client,
                tracking,
                what,
            },
        );
        call
    }

    fn bad_line(&mut self, error: &nut_proto::sock::DecodeError) {
        match &error.kind {
            DecodeErrorKind::Syntax(syntax) => {
                self.log(Level::Notice, format!("Parse error on sock: {syntax}"));
            }
            DecodeErrorKind::ExpectedTracking { command, found } if *command == "SET" => {
                self.log(
                    Level::Notice,
                    format!("Got SET <var> with unsupported parameters ({found})"),
                );
                self.unknown_excerpt(&error.excerpt);
            }
            DecodeErrorKind::ExpectedTracking { command, .. }
            | DecodeErrorKind::ArgCount { command, .. }
                if *command == "INSTCMD" =>
            {
                self.log(Level::Notice, "Malformed INSTCMD request");
                self.unknown_excerpt(&error.excerpt);
            }
            _ => self.unknown_excerpt(&error.excerpt),
        }
    }

    fn unknown_excerpt(&mut self, excerpt: &str) {
        let words = nut_proto::tokenizer::split_line(excerpt).unwrap_or_default();
        self.unknown_command(&words);
    }

    fn unknown_command<S: AsRef<str>>(&mut self, words: &[S]) {
        self.log(Level::Info, "Unknown command on socket: ");
        for (index, word) in words.iter().enumerate() {
            self.log(Level::Info, format!("arg {index}: {}", word.as_ref()));
        }
    }

    /// Sends the state's pending changes to every client in broadcast mode.
    fn flush_updates(&mut self) {
        if !self.state.has_updates() {
            return;
        }
        let mut wire = Vec::new();
        let mut overflow = false;
        while let Some(update) = self.state.poll_update() {
            match update_message(update) {
                Some(message) => message.encode(&mut wire),
                None => overflow = true,
            }
        }
        if overflow {
            self.log(
                Level::Warning,
                "too many state changes queued; dropping the socket clients so they dump again",
            );
            self.close_all();
            return;
        }
        let ids: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.broadcast && !c.close)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.append(id, &wire);
        }
    }

    fn send(&mut self, client: ClientId, message: &DriverMessage) {
        let mut wire = Vec::new();
        message.encode(&mut wire);
        self.append(client, &wire);
    }

    fn send_updates(&mut self, client: ClientId, updates: Vec<Update>) {
        let mut wire = Vec::new();
        for message in updates.into_iter().filter_map(update_message) {
            message.encode(&mut wire);
        }
        self.append(client, &wire);
    }

    fn append(&mut self, client: ClientId, wire: &[u8]) {
        let limit = self.options.max_client_backlog;
        let Some(state) = self.clients.get_mut(&client) else {
            return;
        };
        if state.close {
            return;
        }
        if state.out.len().saturating_add(wire.len()) > limit {
            state.out.clear();
            state.close = true;
            self.log(
                Level::Warning,
                format!(
                    "WARNING: send_to_one: {client} owes more than {limit} bytes, disconnecting."
                ),
            );
            return;
        }
        state.out.extend_from_slice(wire);
    }

    fn log(&mut self, level: Level, message: impl Into<String>) {
        if self.events.len() >= MAX_PENDING_EVENTS
            && let Some(index) = self.events.iter().position(|e| matches!(e, Event::Log(_)))
        {
            self.events.remove(index);
        }
        self.events
            .push_back(Event::Log(LogRecord::new(level, message)));
    }

    fn debug(&mut self, level: u8, message: impl Into<String>) {
        self.log(Level::Debug(level), message);
    }
}

/// NUT's reading of `SET driver.flag.allow_killpower`: an integer (≤ 0 is
/// off), else `enable…`, `true`, `yes`, `on`.
pub fn parse_allow_killpower(value: &str) -> bool {
    match value.parse::<i64>() {
        Ok(n) => n > 0,
        Err(_) => value.starts_with("enable") || matches!(value, "true" | "yes" | "on"),
    }
}

fn publish_shared(state: &mut DriverState, options: &HubOptions) {
    let allow = if options.allow_killpower { "1" } else { "0" };
    state.set_info("driver.flag.allow_killpower", allow);
    state.set_flags("driver.flag.allow_killpower", Flags::RW | Flags::NUMBER);
    state.set_info("driver.debug", &options.debug_level.to_string());
    state.set_flags("driver.debug", Flags::RW | Flags::NUMBER);
    for cmd in SHARED_COMMANDS {
        state.add_cmd(cmd);
    }
}

/// The socket line for a state change; `None` for [`Update::Overflow`].
pub fn update_message(update: Update) -> Option<DriverMessage> {
    Some(match update {
        Update::SetInfo { name, value } => DriverMessage::SetInfo { var: name, value },
        Update::DelInfo { name } => DriverMessage::DelInfo { var: name },
        Update::AddEnum { name, value } => DriverMessage::AddEnum { var: name, value },
        Update::DelEnum { name, value } => DriverMessage::DelEnum { var: name, value },
        Update::AddRange { name, min, max } => DriverMessage::AddRange {
            var: name,
            min,
            max,
        },
        Update::DelRange { name, min, max } => DriverMessage::DelRange {
            var: name,
            min,
            max,
        },
        Update::SetAux { name, aux } => DriverMessage::SetAux { var: name, aux },
        Update::SetFlags { name, flags } => DriverMessage::SetFlags {
            var: name,
            flags: flags.words().map(VarFlag::parse).collect(),
        },
        Update::AddCmd { name } => DriverMessage::AddCmd { cmd: name },
        Update::DelCmd { name } => DriverMessage::DelCmd { cmd: name },
        Update::DataOk => DriverMessage::DataOk,
        Update::DataStale => DriverMessage::DataStale,
        Update::DumpDone => DriverMessage::DumpDone,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
