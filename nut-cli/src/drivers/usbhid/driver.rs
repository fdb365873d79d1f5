//! The runtime half of `usbhid-ups`: [`UsbHidUps`] runs the
//! [`UsbHidDriver`] loop core of nut-hid on the runtime's poll schedule
//! and mirrors what it publishes (variables with their flags, commands,
//! `driver.state`, stale/fresh) into the driver state that upsd reads.

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use nut_hid::Refusal;
use nut_hid::transport::{DriverEvent, UsbHidDriver, WriteFailure, WriteOutcome};
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};

use super::bus::HidBus;

/// Longest a shutdown (`-k`, `shutdown.default`) may wait through the
/// pauses between its SET_REPORTs.
pub const MAX_SHUTDOWN_WAIT: Duration = Duration::from_secs(30);
/// Most log records kept for the runtime; older ones are dropped.
const MAX_LOGS: usize = 64;

/// The `usbhid-ups` driver on the runtime.
#[derive(Debug)]
pub struct UsbHidUps {
    hid: UsbHidDriver<HidBus>,
    /// Variables we published last time (to delete those that vanish).
    published: BTreeSet<String>,
    /// Commands we published last time.
    commands: BTreeSet<String>,
    /// A SET or INSTCMD waiting for its paused SET_REPORTs.
    pending: Option<CallId>,
    answers: VecDeque<(CallId, TrackingResult)>,
    logs: VecDeque<LogRecord>,
}

/// NUT's result for a write outcome.
fn tracking(outcome: &WriteOutcome) -> TrackingResult {
    match outcome {
        WriteOutcome::Done | WriteOutcome::Pending => TrackingResult::Handled,
        WriteOutcome::Refused(Refusal::Unknown) => TrackingResult::Unknown,
        WriteOutcome::Refused(Refusal::Invalid) => TrackingResult::Invalid,
        WriteOutcome::Refused(Refusal::ConversionFailed) => TrackingResult::ConversionFailed,
        _ => TrackingResult::Failed,
    }
}

impl UsbHidUps {
    /// Wraps a started loop core and publishes its first state.
    pub fn new(hid: UsbHidDriver<HidBus>, state: &mut DriverState) -> Self {
        let mut driver = Self {
            hid,
            published: BTreeSet::new(),
            commands: BTreeSet::new(),
            pending: None,
            answers: VecDeque::new(),
            logs: VecDeque::new(),
        };
        driver.drain_events();
        driver.publish(state);
        driver
    }

    /// The loop core (for tests and dumps).
    #[must_use]
    pub fn core(&self) -> &UsbHidDriver<HidBus> {
        &self.hid
    }

    fn log(&mut self, level: Level, message: String) {
        if self.logs.len() >= MAX_LOGS {
            self.logs.pop_front();
        }
        self.logs.push_back(LogRecord::new(level, message));
    }

    /// Turns the core's events into log records and late answers; returns
    /// the command a finished shutdown used (`Some(None)`: it failed).
    fn drain_events(&mut self) -> Option<Option<String>> {
        let mut shutdown = None;
        while let Some(event) = self.hid.poll_event() {
            match event {
                DriverEvent::State(state) => {
                    self.log(Level::Debug(2), format!("driver.state: {state}"));
                }
                DriverEvent::Connected { device, reconnect } => {
                    let what = if reconnect { "Reconnected to" } else { "Using" };
                    self.log(Level::Notice, format!("{what} USB device {device}"));
                }
                DriverEvent::Disconnected { error } => {
                    let why = error
                        .map_or_else(|| "no data from the device".to_owned(), |e| e.to_string());
                    self.log(
                        Level::Warning,
                        format!("Lost the UPS ({why}); data is stale, reconnecting"),
                    );
                }
                DriverEvent::DataStale => self.log(Level::Debug(1), "Data stale".to_owned()),
                DriverEvent::DataOk => self.log(Level::Debug(1), "Data ok".to_owned()),
                DriverEvent::ReconnectFailed { error } => {
                    self.log(Level::Debug(1), format!("Reconnect failed: {error}"));
                }
                DriverEvent::WriteFinished { name, outcome } => {
                    self.log(Level::Debug(1), format!("{name}: {outcome:?}"));
                    if let Some(call) = self.pending.take() {
                        self.answers.push_back((call, tracking(&outcome)));
                    }
                }
                DriverEvent::ShutdownFinished { command } => shutdown = Some(command),
                _ => {}
            }
        }
        shutdown
    }

    /// Mirrors the core's view into `state`.
    fn publish(&mut self, state: &mut DriverState) {
        state.set_info("driver.state", self.hid.state().as_str());
        let Some(vars) = self.hid.data() else {
            if !state.is_stale() {
                state.data_stale();
            }
            return;
        };
        let mut now_published = BTreeSet::new();
        for (name, var) in vars.iter() {
            state.set_info(name, &var.value);
            let mut flags = Flags::NONE;
            if var.writable {
                flags |= Flags::RW;
            }
            if let Some(len) = var.string_len {
                flags |= Flags::STRING;
                state.set_aux(name, i64::from(len));
            }
            if var.number {
                flags |= Flags::NUMBER;
            }
            // Only changes reach the socket; a flag the map dropped goes too.
            state.set_flags(name, flags);
            for value in &var.enum_values {
                state.add_enum(name, value);
            }
            now_published.insert(name.to_owned());
        }
        for gone in self.published.difference(&now_published) {
            state.del_info(gone);
        }
        self.published = now_published;
        let commands: BTreeSet<String> =
            self.hid.commands().into_iter().map(str::to_owned).collect();
        for gone in self.commands.difference(&commands) {
            state.del_cmd(gone);
        }
        for command in &commands {
            state.add_cmd(command);
        }
        self.commands = commands;
        if state.is_stale() {
            state.data_ok();
        }
    }

    fn write(&mut self, call: CallId, outcome: WriteOutcome) -> Answer {
        match outcome {
            WriteOutcome::Pending => {
                self.pending = Some(call);
                Answer::Pending
            }
            WriteOutcome::Failed(WriteFailure::NotConnected) => {
                self.log(
                    Level::Warning,
                    "UPS not connected: write refused".to_owned(),
                );
                Answer::Done(TrackingResult::Failed)
            }
            other => Answer::Done(tracking(&other)),
        }
    }
}

impl Driver for UsbHidUps {
    type Event = ();

    fn update(&mut self, now: Instant, state: &mut DriverState) {
        let _ = self.hid.handle_timeout(now);
        self.drain_events();
        self.publish(state);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.hid.poll_timeout()
    }

    fn set_var(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let outcome = self.hid.setvar(now, var, value);
        let answer = self.write(call, outcome);
        self.drain_events();
        self.publish(state);
        answer
    }

    fn instcmd(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        let outcome = self.hid.instcmd(now, cmd, param);
        let answer = self.write(call, outcome);
        self.drain_events();
        self.publish(state);
        answer
    }

    /// NUT's `upsdrv_shutdown`: the subdriver's shutdown sequence, waiting
    /// (at most [`MAX_SHUTDOWN_WAIT`]) through its pauses.
    fn shutdown(&mut self, now: Instant, state: &mut DriverState) -> TrackingResult {
        let _ = self.hid.handle_shutdown(now);
        let deadline = Instant::now() + MAX_SHUTDOWN_WAIT;
        let result = loop {
            if let Some(command) = self.drain_events() {
                break command;
            }
            let Some(at) = self.hid.poll_timeout() else {
                break None;
            };
            if Instant::now() >= deadline {
                break None;
            }
            let wait = at.saturating_duration_since(Instant::now());
            std::thread::sleep(wait.min(deadline.saturating_duration_since(Instant::now())));
            let _ = self.hid.handle_timeout(Instant::now());
        };
        self.publish(state);
        match result {
            Some(command) => {
                self.log(
                    Level::Notice,
                    format!("Shutdown successful with '{command}'"),
                );
                TrackingResult::Handled
            }
            None => {
                self.log(Level::Error, "Shutdown failed!".to_owned());
                TrackingResult::Failed
            }
        }
    }

    fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        self.answers.pop_front()
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }
}
