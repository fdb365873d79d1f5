//! dummy-ups's repeater mode (`port = ups@host[:port]`): a NUT client of
//! another upsd, republishing its UPS on our driver socket.
//!
//! As in NUT: the upstream UPS's variables are copied every poll (all but
//! `driver.*`); a failure marks the data stale and the next poll connects
//! again; a failure at start-up is fatal unless `repeater_disable_strict_start`
//! is set.
//!
//! Beyond NUT 2.8.0 (whose repeater mirrors values only, so that nothing
//! can be written through it):
//!
//! * variables that vanish upstream are deleted here too;
//! * the RW metadata is mirrored: `RW`, `STRING` with its length, enum and
//!   range lists (read at each connection and every
//!   [`METADATA_EVERY_POLLS`] polls), and the upstream instant commands
//!   (`driver.*` ones excepted: they are this driver's own);
//! * SET and INSTCMD are forwarded upstream, logged in with the `username`
//!   and `password` options when given, with tracking when the upstream
//!   allows it, and the upstream result becomes our `TRACKING` answer; a
//!   successful SET is shown here at once.
//!
//! The network side runs as a tokio task talking to the driver through
//! channels; the driver itself never waits on the network.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use nut_proto::client::tokio::Client;
use nut_proto::client::{ConnectOptions, Range, Target, TrackingStatus};
use nut_proto::model::{ValueKind, VarType};
use nut_proto::net::ErrorCode;
use tokio::sync::mpsc;

use super::{DummyUps, Mode, Options};
use crate::error::Error;
use crate::runtime::log::{Level, LogRecord};
use crate::runtime::program::InitContext;
use crate::runtime::{Answer, CallId};
use crate::state::{DriverState, Flags, TrackingResult};

/// How often the RW metadata and command list are read again, in polls.
pub const METADATA_EVERY_POLLS: u32 = 15;

/// Connect and I/O timeout towards the upstream upsd.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a forwarded SET or INSTCMD may take upstream.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);

/// What the network task reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum RepeaterEvent {
    /// A fresh reading of the upstream UPS.
    Snapshot(UpstreamState),
    /// The upstream could not be read (why).
    Lost(String),
    /// The upstream result of a forwarded SET or INSTCMD.
    Answer(CallId, TrackingResult),
}

/// One reading of the upstream UPS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamState {
    /// `LIST VAR`, in upstream order.
    pub vars: Vec<(String, String)>,
    /// The RW metadata and commands, when read this time.
    pub metadata: Option<Metadata>,
}

/// Writable variables and instant commands of the upstream UPS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Writable variables with their type, enums and ranges.
    pub writable: Vec<Writable>,
    /// Instant commands.
    pub commands: Vec<String>,
}

/// One writable upstream variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writable {
    /// Its name.
    pub name: String,
    /// `GET TYPE`.
    pub var_type: VarType,
    /// `LIST ENUM`, when the type says ENUM.
    pub enums: Vec<String>,
    /// `LIST RANGE`, when the type says RANGE.
    pub ranges: Vec<Range>,
}

/// Where and how to reach the upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Upstream {
    target: Target,
    ups: String,
    username: Option<String>,
    password: Option<String>,
}

enum Command {
    Poll,
    Set {
        call: CallId,
        var: String,
        value: String,
    },
    InstCmd {
        call: CallId,
        cmd: String,
        param: Option<String>,
    },
}

/// The repeater's driver half.
#[derive(Debug)]
pub struct RepeaterDriver {
    upstream: mpsc::UnboundedSender<Command>,
    mirrored: BTreeSet<String>,
    writable: BTreeSet<String>,
    commands: BTreeSet<String>,
    pending_sets: HashMap<CallId, (String, String)>,
    answers: VecDeque<(CallId, TrackingResult)>,
    logs: VecDeque<LogRecord>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Poll => "Poll",
            Self::Set { .. } => "Set",
            Self::InstCmd { .. } => "InstCmd",
        })
    }
}

/// The repeater's start-up: reads the upstream once (fatal on failure
/// unless `repeater_disable_strict_start`), publishes it, and starts the
/// network task.
///
/// # Errors
///
/// [`Error::Upstream`] when the port is not `ups@host[:port]` or, in
/// strict mode, the upstream cannot be read.
pub async fn init(
    ctx: InitContext<'_>,
    state: &mut DriverState,
    options: Options,
) -> Result<(RepeaterDriver, mpsc::UnboundedReceiver<RepeaterEvent>), Error> {
    let port = ctx.settings.port.clone().unwrap_or_default();
    let target = Target::parse(&port).map_err(|e| Error::Upstream {
        target: port.clone(),
        source: nut_proto::Error::InvalidTarget(e),
    })?;
    let upstream = Upstream {
        ups: target.ups.clone().unwrap_or_default(),
        target,
        username: ctx.settings.value("username").map(str::to_owned),
        password: ctx.settings.value("password").map(str::to_owned),
    };
    let strict = !ctx.settings.flag("repeater_disable_strict_start");
    let ups = DummyUps::new((Mode::Repeater, "repeater"), options);
    ups.init_ups(state);
    let mut client = None;
    let mut first = None;
    match connect(&upstream).await {
        Ok(mut c) => match read_upstream(&mut c, &upstream.ups, true).await {
            Ok(snapshot) => {
                first = Some(snapshot);
                client = Some(c);
            }
            Err(source) if strict => {
                return Err(Error::Upstream {
                    target: port,
                    source,
                });
            }
            Err(_) => {}
        },
        Err(source) if strict => {
            return Err(Error::Upstream {
                target: port,
                source,
            });
        }
        Err(_) => {}
    }
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let mut driver = RepeaterDriver {
        upstream: commands_tx,
        mirrored: BTreeSet::new(),
        writable: BTreeSet::new(),
        commands: BTreeSet::new(),
        pending_sets: HashMap::new(),
        answers: VecDeque::new(),
        logs: VecDeque::new(),
    };
    let mut init_state = ups;
    init_state.init_info(ctx.now, state, super::Definition::default());
    match first {
        Some(snapshot) => driver.apply(state, snapshot),
        None => driver.logs.push_back(LogRecord::new(
            Level::Warning,
            format!("repeater: upstream {port} not reachable at start-up, will retry"),
        )),
    }
    tokio::spawn(network_task(upstream, client, commands_rx, events_tx));
    Ok((driver, events_rx))
}

impl RepeaterDriver {
    /// The log records waiting.
    pub fn logs(&mut self) -> &mut VecDeque<LogRecord> {
        &mut self.logs
    }

    /// A poll: asks the network task for a fresh reading.
    pub fn update(&mut self, _now: Instant, state: &mut DriverState) {
        if self.upstream.send(Command::Poll).is_err() {
            state.data_stale();
        }
    }

    /// Forwards a SET upstream.
    pub fn set_var(
        &mut self,
        _now: Instant,
        _state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let command = Command::Set {
            call,
            var: var.to_owned(),
            value: value.to_owned(),
        };
        if self.upstream.send(command).is_err() {
            return Answer::Done(TrackingResult::Failed);
        }
        self.pending_sets
            .insert(call, (var.to_owned(), value.to_owned()));
        Answer::Pending
    }

    /// Forwards an INSTCMD upstream.
    pub fn instcmd(
        &mut self,
        _now: Instant,
        _state: &mut DriverState,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        let command = Command::InstCmd {
            call,
            cmd: cmd.to_owned(),
            param: param.map(str::to_owned),
        };
        if self.upstream.send(command).is_err() {
            return Answer::Done(TrackingResult::Failed);
        }
        Answer::Pending
    }

    /// A report of the network task.
    pub fn handle_event(&mut self, _now: Instant, state: &mut DriverState, event: RepeaterEvent) {
        match event {
            RepeaterEvent::Snapshot(snapshot) => self.apply(state, snapshot),
            RepeaterEvent::Lost(why) => {
                if !state.is_stale() {
                    self.logs.push_back(LogRecord::new(
                        Level::Warning,
                        format!("repeater: lost the upstream UPS: {why}"),
                    ));
                }
                state.data_stale();
            }
            RepeaterEvent::Answer(call, status) => {
                if let Some((var, value)) = self.pending_sets.remove(&call)
                    && status == TrackingResult::Handled
                {
                    state.set_info(&var, &value);
                }
                self.answers.push_back((call, status));
            }
        }
    }

    /// The next upstream result.
    pub fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        self.answers.pop_front()
    }

    /// Publishes an upstream reading; see the module docs.
    fn apply(&mut self, state: &mut DriverState, snapshot: UpstreamState) {
        let mut seen = BTreeSet::new();
        for (name, value) in snapshot.vars {
            if name.starts_with("driver.") {
                continue;
            }
            state.set_info(&name, &value);
            seen.insert(name);
        }
        for gone in self.mirrored.difference(&seen) {
            state.del_info(gone);
        }
        self.mirrored = seen;
        if let Some(metadata) = snapshot.metadata {
            self.apply_metadata(state, metadata);
        }
        state.data_ok();
    }

    fn apply_metadata(&mut self, state: &mut DriverState, metadata: Metadata) {
        let mut writable = BTreeSet::new();
        for var in metadata.writable {
            if !self.mirrored.contains(&var.name) {
                continue;
            }
            let (flags, aux) = match var.var_type.kind() {
                ValueKind::String { max_len } => (Flags::RW | Flags::STRING, i64::from(max_len)),
                _ => (Flags::RW, 0),
            };
            state.set_flags(&var.name, flags);
            if aux > 0 {
                state.set_aux(&var.name, aux);
            }
            let old_enums: Vec<String> = state
                .tree()
                .get(&var.name)
                .map(|v| v.enums().to_vec())
                .unwrap_or_default();
            for value in old_enums.iter().filter(|v| !var.enums.contains(v)) {
                state.del_enum(&var.name, value);
            }
            for value in &var.enums {
                state.add_enum(&var.name, value);
            }
            for range in &var.ranges {
                if let (Ok(min), Ok(max)) = (range.min.parse(), range.max.parse()) {
                    state.add_range(&var.name, min, max);
                }
            }
            writable.insert(var.name);
        }
        for gone in self.writable.difference(&writable) {
            if self.mirrored.contains(gone) {
                state.set_flags(gone, Flags::NONE);
            }
        }
        self.writable = writable;
        let commands: BTreeSet<String> = metadata
            .commands
            .into_iter()
            .filter(|c| !c.starts_with("driver."))
            .collect();
        for cmd in &commands {
            state.add_cmd(cmd);
        }
        for gone in self.commands.difference(&commands) {
            if gone != super::ADVERTISED_COMMAND {
                state.del_cmd(gone);
            }
        }
        self.commands = commands;
    }
}

async fn connect(upstream: &Upstream) -> Result<Client, nut_proto::Error> {
    let options = ConnectOptions {
        connect_timeout: Some(UPSTREAM_TIMEOUT),
        io_timeout: Some(UPSTREAM_TIMEOUT),
        ..ConnectOptions::default()
    };
    let mut client = Client::connect_target(&upstream.target, &options).await?;
    if let Some(user) = &upstream.username {
        client.username(user).await?;
        client
            .password(upstream.password.as_deref().unwrap_or_default())
            .await?;
    }
    Ok(client)
}

async fn read_upstream(
    client: &mut Client,
    ups: &str,
    with_metadata: bool,
) -> Result<UpstreamState, nut_proto::Error> {
    let vars = client
        .list_var(ups)
        .await?
        .into_iter()
        .map(|v| (v.name, v.value))
        .collect();
    let metadata = if with_metadata {
        let mut writable = Vec::new();
        for var in client.list_rw(ups).await? {
            let var_type = client.get_type(ups, &var.name).await?;
            let enums = if var_type.is_enumerated() {
                client.list_enum(ups, &var.name).await?
            } else {
                Vec::new()
            };
            let ranges = if var_type.has_range() {
                client.list_range(ups, &var.name).await?
            } else {
                Vec::new()
            };
            writable.push(Writable {
                name: var.name,
                var_type,
                enums,
                ranges,
            });
        }
        let commands = client.list_cmd(ups).await?;
        Some(Metadata { writable, commands })
    } else {
        None
    };
    Ok(UpstreamState { vars, metadata })
}

/// The upstream connection: polls on request, forwards SET and INSTCMD,
/// reconnects after any failure.
async fn network_task(
    upstream: Upstream,
    mut client: Option<Client>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<RepeaterEvent>,
) {
    let mut polls: u32 = 0;
    let mut tracking = None;
    while let Some(command) = commands.recv().await {
        let fresh = client.is_none();
        if fresh {
            match connect(&upstream).await {
                Ok(c) => client = Some(c),
                Err(e) => {
                    let event = match command {
                        Command::Poll => RepeaterEvent::Lost(e.to_string()),
                        Command::Set { call, .. } | Command::InstCmd { call, .. } => {
                            RepeaterEvent::Answer(call, TrackingResult::Failed)
                        }
                    };
                    if events.send(event).is_err() {
                        return;
                    }
                    continue;
                }
            }
            tracking = None;
        }
        let Some(connection) = client.as_mut() else {
            continue;
        };
        let event = match command {
            Command::Poll => {
                polls = polls.wrapping_add(1);
                let with_metadata = fresh || polls.is_multiple_of(METADATA_EVERY_POLLS);
                match read_upstream(connection, &upstream.ups, with_metadata).await {
                    Ok(snapshot) => RepeaterEvent::Snapshot(snapshot),
                    Err(e) => {
                        client = None;
                        RepeaterEvent::Lost(e.to_string())
                    }
                }
            }
            Command::Set { call, var, value } => {
                let status = forward(
                    connection,
                    &mut tracking,
                    &upstream,
                    Forward::Set(&var, &value),
                )
                .await;
                RepeaterEvent::Answer(call, status)
            }
            Command::InstCmd { call, cmd, param } => {
                let status = forward(
                    connection,
                    &mut tracking,
                    &upstream,
                    Forward::InstCmd(&cmd, param.as_deref()),
                )
                .await;
                RepeaterEvent::Answer(call, status)
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

enum Forward<'a> {
    Set(&'a str, &'a str),
    InstCmd(&'a str, Option<&'a str>),
}

/// Sends one SET or INSTCMD upstream and turns the outcome into a driver
/// result (tracked when the upstream allows `SET TRACKING ON`).
async fn forward(
    client: &mut Client,
    tracking: &mut Option<bool>,
    upstream: &Upstream,
    request: Forward<'_>,
) -> TrackingResult {
    if tracking.is_none() {
        *tracking = Some(upstream.username.is_some() && client.set_tracking(true).await.is_ok());
    }
    let sent = match request {
        Forward::Set(var, value) => client.set_var(&upstream.ups, var, value).await,
        Forward::InstCmd(cmd, param) => client.instcmd(&upstream.ups, cmd, param).await,
    };
    match sent {
        Ok(Some(id)) => {
            match client
                .wait_for_tracking(&id, FORWARD_TIMEOUT, Duration::from_millis(100))
                .await
            {
                Ok(TrackingStatus::Success) => TrackingResult::Handled,
                Ok(TrackingStatus::Failed(code)) => status_for(&code),
                _ => TrackingResult::Failed,
            }
        }
        Ok(None) => TrackingResult::Handled,
        Err(e) => e.server_code().map_or(TrackingResult::Failed, status_for),
    }
}

/// The driver result matching an upstream error code.
fn status_for(code: &ErrorCode) -> TrackingResult {
    match code {
        ErrorCode::VarNotSupported
        | ErrorCode::CmdNotSupported
        | ErrorCode::Unknown
        | ErrorCode::UnknownUps => TrackingResult::Unknown,
        ErrorCode::InvalidArgument
        | ErrorCode::InvalidValue
        | ErrorCode::TooLong
        | ErrorCode::Readonly => TrackingResult::Invalid,
        _ => TrackingResult::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver() -> (RepeaterDriver, mpsc::UnboundedReceiver<Command>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let driver = RepeaterDriver {
            upstream: tx,
            mirrored: BTreeSet::new(),
            writable: BTreeSet::new(),
            commands: BTreeSet::new(),
            pending_sets: HashMap::new(),
            answers: VecDeque::new(),
            logs: VecDeque::new(),
        };
        (driver, rx)
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn values_are_mirrored_except_driver_ones_and_vanished_ones_go() {
        let (mut d, _rx) = driver();
        let mut state = DriverState::new();
        let snapshot = UpstreamState {
            vars: vars(&[
                ("ups.status", "OL"),
                ("driver.name", "x"),
                ("battery.charge", "9"),
            ]),
            metadata: None,
        };
        d.apply(&mut state, snapshot);
        assert_eq!(state.get("ups.status"), Some("OL"));
        assert_eq!(state.get("driver.name"), None);
        assert!(!state.is_stale());
        d.apply(
            &mut state,
            UpstreamState {
                vars: vars(&[("ups.status", "OB")]),
                metadata: None,
            },
        );
        assert_eq!(state.get("battery.charge"), None);
        d.handle_event(
            Instant::now(),
            &mut state,
            RepeaterEvent::Lost("gone".into()),
        );
        assert!(state.is_stale());
    }

    #[test]
    fn metadata_brings_flags_enums_and_commands() {
        let (mut d, _rx) = driver();
        let mut state = DriverState::new();
        let metadata = Metadata {
            writable: vec![
                Writable {
                    name: "ups.id".into(),
                    var_type: VarType::parse_words(&["RW", "STRING:8"]),
                    enums: vec![],
                    ranges: vec![],
                },
                Writable {
                    name: "input.transfer.high".into(),
                    var_type: VarType::parse_words(&["RW", "ENUM", "NUMBER"]),
                    enums: vec!["253".into(), "264".into()],
                    ranges: vec![],
                },
            ],
            commands: vec![
                "load.off".into(),
                "driver.reload".into(),
                "beeper.toggle".into(),
            ],
        };
        let snapshot = UpstreamState {
            vars: vars(&[("ups.id", "A"), ("input.transfer.high", "253")]),
            metadata: Some(metadata),
        };
        d.apply(&mut state, snapshot);
        let id = state.tree().get("ups.id").expect("mirrored");
        assert_eq!((id.flags(), id.aux()), (Flags::RW | Flags::STRING, 8));
        let high = state.tree().get("input.transfer.high").expect("mirrored");
        assert_eq!(high.enums(), ["253", "264"]);
        let cmds: Vec<&str> = state.tree().commands().collect();
        assert_eq!(cmds, ["beeper.toggle", "load.off"]);
        // Next metadata without the commands and RW: they go away.
        let snapshot = UpstreamState {
            vars: vars(&[("ups.id", "A"), ("input.transfer.high", "253")]),
            metadata: Some(Metadata::default()),
        };
        d.apply(&mut state, snapshot);
        assert_eq!(
            state.tree().get("ups.id").map(|v| v.flags()),
            Some(Flags::NONE)
        );
        let cmds: Vec<&str> = state.tree().commands().collect();
        assert_eq!(cmds, ["load.off"]);
    }

    #[test]
    fn forwarded_sets_wait_for_upstream_and_show_on_success() {
        let (mut d, mut rx) = driver();
        let mut state = DriverState::new();
        let now = Instant::now();
        let call = CallId::INTERNAL;
        assert_eq!(
            d.set_var(now, &mut state, call, "ups.id", "B"),
            Answer::Pending
        );
        assert!(matches!(rx.try_recv(), Ok(Command::Set { .. })));
        d.handle_event(
            now,
            &mut state,
            RepeaterEvent::Answer(call, TrackingResult::Handled),
        );
        assert_eq!(state.get("ups.id"), Some("B"));
        assert_eq!(d.poll_answer(), Some((call, TrackingResult::Handled)));
        assert_eq!(status_for(&ErrorCode::Readonly), TrackingResult::Invalid);
        assert_eq!(
            status_for(&ErrorCode::CmdNotSupported),
            TrackingResult::Unknown
        );
        assert_eq!(status_for(&ErrorCode::AccessDenied), TrackingResult::Failed);
    }
}
