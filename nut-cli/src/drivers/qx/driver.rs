//! [`QxDriver`]: the sans-IO Megatec/Q* [`Engine`] on a blocking
//! [`QxWire`] (a serial [`Link`](nut_serial::port::Link) or a USB bridge),
//! as a [`Driver`] of the runtime.
//!
//! Like NUT's `nutdrv_qx`, every exchange blocks the driver for at most the
//! reply timeout (1 s): [`QxDriver::update`] runs one poll to its end,
//! instant commands and the shutdown run to their reply. The engine's
//! events become the published state: variables, `ups.status` and
//! `ups.alarm` through the status helpers, `DATAOK`/`DATASTALE`, the RW
//! delay variables with their ranges, the instant commands. A device that
//! stops answering (cable pulled, UPS off) is retried every poll; its data
//! goes stale after the fifth failed poll, with a log line naming the port
//! and what was (not) received, and comes back by itself.

use std::collections::VecDeque;
use std::time::Instant;

use nut_serial::qx::commands::DELAY_VARS;
use nut_serial::qx::{Engine, Event, Protocol, QxConfig};
use nut_server::runtime::log::{Level, LogRecord};
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};

use super::options::Flavour;
use super::wire::{QxWire, Step};

/// Longest wait for an instant command's or the shutdown's outcome (a
/// poll under way finishes first; each exchange is bounded by the reply
/// timeout, the shutdown sends at most six).
const AWAIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Why a driver could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartError(pub String);

/// A Megatec/Q* UPS on a wire.
#[derive(Debug)]
pub struct QxDriver<L: QxWire> {
    engine: Engine,
    link: L,
    flavour: Flavour,
    logs: VecDeque<LogRecord>,
    /// The last link error logged, so that a dead port logs once.
    link_error: Option<String>,
    /// Events taken from the engine but not yet applied to a state.
    events: Vec<Event>,
}

impl<L: QxWire> QxDriver<L> {
    /// Probes `candidates` (each with its own engine, in order; empty: the
    /// engine's own probe order or `config.protocol`) on `link`, runs the
    /// start-up walk and the first poll, and publishes the result in
    /// `state`.
    ///
    /// # Errors
    ///
    /// No protocol claimed the device (NUT's `Device not supported!`), or
    /// its start-up walk failed; the text names the port and the last
    /// thing received.
    pub fn start(
        link: L,
        config: &QxConfig,
        candidates: &[Protocol],
        flavour: Flavour,
        state: &mut DriverState,
    ) -> Result<Self, StartError> {
        let configs: Vec<QxConfig> = if candidates.is_empty() {
            vec![config.clone()]
        } else {
            candidates
                .iter()
                .map(|p| QxConfig {
                    protocol: Some(*p),
                    ..config.clone()
                })
                .collect()
        };
        let mut link = link;
        let mut last = String::from("no protocol tried");
        for cfg in configs {
            let mut driver = Self {
                engine: Engine::new(cfg, Instant::now()),
                link,
                flavour,
                logs: VecDeque::new(),
                link_error: None,
                events: Vec::new(),
            };
            driver.pump();
            let fatal = driver.events.iter().find_map(|e| match e {
                // A protocol claimed the device but its first readings failed.
                Event::Fatal(error @ nut_serial::Error::InitFailed(_)) => Some(error.to_string()),
                Event::Fatal(error) => Some(format!("Device not supported! ({error})")),
                _ => None,
            });
            match fatal {
                None if driver.engine.protocol().is_some() => {
                    driver.apply(state);
                    driver.publish_commands(state);
                    return Ok(driver);
                }
                None => last = String::from("Device not supported! (no protocol claimed it)"),
                Some(error) => last = error,
            }
            link = driver.link;
        }
        Err(StartError(format!("{}: {last}", link.name())))
    }

    /// The engine (for tests and diagnostics).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Moves bytes between the engine and the link until the engine waits
    /// for its next poll, is dead, or has just finished a poll (a poll
    /// that outlasts the poll interval must not starve the socket: the
    /// next one, already sent, continues at the next call); keeps the
    /// events.
    fn pump(&mut self) {
        let mut out = Vec::new();
        let mut poll_finished = false;
        loop {
            out.clear();
            if self.engine.poll_transmit(&mut out)
                && let Err(e) = self.link.send(&out)
            {
                self.link_failed(e);
            }
            while let Some(event) = self.engine.poll_event() {
                poll_finished |= matches!(event, Event::PollOk { .. } | Event::PollFailed { .. });
                self.events.push(event);
            }
            if !self.engine.awaiting_reply() || poll_finished {
                return;
            }
            match self.link.receive(&mut self.engine) {
                Ok(Step::Arrived) => self.link_ok(),
                Ok(Step::Waited) => {}
                Ok(Step::Idle) => return,
                Err(e) => self.link_failed(e),
            }
        }
    }

    /// Logs a wire error once (a dead port logs once, not every poll).
    fn link_failed(&mut self, text: String) {
        if self.link_error.as_deref() != Some(text.as_str()) {
            self.log(Level::Warning, format!("{}: {text}", self.link.name()));
            self.link_error = Some(text);
        }
    }

    fn link_ok(&mut self) {
        if self.link_error.take().is_some() {
            self.log(
                Level::Info,
                format!("{}: the link works again", self.link.name()),
            );
        }
    }

    fn log(&mut self, level: Level, message: String) {
        self.logs.push_back(LogRecord::new(level, message));
    }

    /// Queues a log line of the program around the driver.
    pub fn note(&mut self, level: Level, message: String) {
        self.log(level, message);
    }

    /// Applies the events kept by [`pump`](Self::pump) to `state`.
    fn apply(&mut self, state: &mut DriverState) {
        let events = std::mem::take(&mut self.events);
        let mut indicators_changed = false;
        for event in events {
            match event {
                Event::Detected { protocol } => {
                    self.log(
                        Level::Info,
                        format!("Using protocol: {}", protocol.version_data()),
                    );
                }
                Event::Var { name, value } => {
                    if name == "ups.status" || name == "ups.alarm" {
                        indicators_changed = true;
                    } else {
                        self.publish_var(state, &name, value.as_deref());
                    }
                }
                Event::PollOk { .. } => state.data_ok(),
                Event::PollFailed { error, failures } => self.log(
                    Level::Debug(1),
                    format!(
                        "{}: poll failed ({failures} in a row): {error}",
                        self.link.name()
                    ),
                ),
                Event::Stale { error } => {
                    state.data_stale();
                    let port_error = self
                        .link_error
                        .as_ref()
                        .map(|e| format!(" (the port itself fails: {e})"))
                        .unwrap_or_default();
                    self.log(
                        Level::Warning,
                        format!(
                            "Communications with the UPS on {} lost: {error}{port_error}; data is \
                             stale, retrying every poll (check the cable, the port and that the UPS is on)",
                            self.link.name()
                        ),
                    );
                }
                Event::Recovered { failures } => self.log(
                    Level::Info,
                    format!(
                        "Communications with the UPS on {} re-established after {failures} failed polls",
                        self.link.name()
                    ),
                ),
                Event::Fatal(error) => {
                    state.data_stale();
                    self.log(Level::Error, format!("{}: {error}", self.link.name()));
                }
                // Answered where they are awaited; ups.status comes as a Var.
                _ => {}
            }
        }
        if indicators_changed {
            self.commit_indicators(state);
        }
    }

    fn publish_var(&self, state: &mut DriverState, name: &str, value: Option<&str>) {
        if self.flavour == Flavour::BlazerSer && name == "driver.version.data" {
            return;
        }
        let Some(value) = value else {
            state.del_info(name);
            return;
        };
        state.set_info(name, value);
        // blazer_ser 2.8.0 publishes the delays read-only.
        if self.flavour == Flavour::NutdrvQx
            && let Some(index) = DELAY_VARS.iter().position(|v| *v == name)
            && let Some(p) = self.engine.protocol()
        {
            let range = if index == 0 {
                p.ondelay()
            } else {
                p.offdelay()
            };
            let clamp = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
            state.set_flags(name, Flags::RW | Flags::NUMBER);
            state.add_range(name, clamp(range.min), clamp(range.max));
        }
        if self.flavour == Flavour::NutdrvQx
            && let Some((min, max)) = self.engine.device_setting_range(name)
            && !state
                .tree()
                .get(name)
                .is_some_and(|v| v.flags().contains(Flags::RW))
        {
            let clamp = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
            state.set_flags(name, Flags::RW | Flags::NUMBER);
            state.add_range(name, clamp(min), clamp(max));
        }
        if self.flavour == Flavour::BlazerSer
            && let Some(ups) = match name {
                "device.mfr" => Some("ups.mfr"),
                "device.model" => Some("ups.model"),
                _ => None,
            }
        {
            state.set_info(ups, value);
        }
    }

    /// `ups.alarm` then `ups.status` (with `ALARM` while an alarm is on),
    /// from the engine's current values.
    fn commit_indicators(&self, state: &mut DriverState) {
        let vars = self.engine.vars();
        state.alarm_init();
        if let Some(alarm) = vars.get("ups.alarm") {
            state.alarm_set(alarm);
        }
        state.alarm_commit();
        if let Some(status) = vars.get("ups.status") {
            state.status_init();
            state.status_set(status);
            state.status_commit();
        }
    }

    /// A setting sent to the device (voltronic `battery.packs`), awaited
    /// like an instant command.
    fn set_device_var(&mut self, state: &mut DriverState, var: &str, value: &str) -> Answer {
        let id = match self.engine.setvar_device(Instant::now(), var, value) {
            Ok(id) => id,
            Err(e) => {
                self.log(Level::Notice, format!("setvar: {var}: {e}"));
                return Answer::Done(TrackingResult::Unknown);
            }
        };
        let result = self.await_event(state, |e| match e {
            Event::CommandDone {
                id: done, result, ..
            } if *done == id => Some(result.clone()),
            _ => None,
        });
        match result {
            Some(Ok(())) => {
                self.log(Level::Info, format!("setvar: {var} set to {value}"));
                Answer::Done(TrackingResult::Handled)
            }
            Some(Err(e)) => {
                self.log(Level::Error, format!("setvar: {var} failed: {e}"));
                Answer::Done(TrackingResult::Failed)
            }
            None => {
                self.log(Level::Error, format!("setvar: {var} got no result"));
                Answer::Done(TrackingResult::Failed)
            }
        }
    }

    fn publish_commands(&self, state: &mut DriverState) {
        for cmd in self.engine.commands() {
            state.add_cmd(cmd);
        }
    }

    fn drain(&mut self, state: &mut DriverState) {
        self.pump();
        self.apply(state);
    }

    /// Runs the engine (a poll under way first, then the queued work)
    /// until an event `pick` likes comes, the engine falls idle without
    /// it, or [`AWAIT_LIMIT`] passes.
    fn await_event<T>(
        &mut self,
        state: &mut DriverState,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Option<T> {
        let limit = Instant::now() + AWAIT_LIMIT;
        loop {
            self.pump();
            let found = self.events.iter().find_map(&mut pick);
            self.apply(state);
            if found.is_some() || !self.engine.awaiting_reply() || Instant::now() > limit {
                return found;
            }
        }
    }
}

impl<L: QxWire> Driver for QxDriver<L> {
    type Event = ();

    fn update(&mut self, _now: Instant, state: &mut DriverState) {
        if !self.engine.awaiting_reply() {
            // Starts the poll if it is due (the engine only acts when
            // called); a poll under way just continues.
            self.engine.handle_timeout(Instant::now());
        }
        self.drain(state);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.engine.poll_timeout()
    }

    fn set_var(
        &mut self,
        _now: Instant,
        state: &mut DriverState,
        _call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        if self.flavour == Flavour::BlazerSer {
            // blazer_ser has no setvar handler at all.
            return Answer::NoHandler;
        }
        if !DELAY_VARS.contains(&var) {
            if self.engine.device_setting_range(var).is_some() {
                return self.set_device_var(state, var, value);
            }
            return Answer::Done(TrackingResult::Unknown);
        }
        match self.engine.setvar(var, value) {
            Ok(()) => {
                self.log(Level::Info, format!("setvar: {var} set to {value}"));
                self.drain(state);
                Answer::Done(TrackingResult::Handled)
            }
            Err(e) => {
                self.log(Level::Notice, format!("setvar: {var}: {e}"));
                Answer::Done(TrackingResult::Unknown)
            }
        }
    }

    fn instcmd(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        _call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        let id = match self.engine.instcmd(now, cmd, param) {
            Ok(id) => id,
            Err(nut_serial::Error::UnknownCommand(_)) => {
                self.log(
                    Level::Notice,
                    format!("instcmd: unknown command [{cmd}] [{}]", param.unwrap_or("")),
                );
                return Answer::Done(TrackingResult::Unknown);
            }
            Err(e) => {
                self.log(Level::Error, format!("instcmd: {cmd}: {e}"));
                return Answer::Done(TrackingResult::Invalid);
            }
        };
        let result = self.await_event(state, |e| match e {
            Event::CommandDone {
                id: done, result, ..
            } if *done == id => Some(result.clone()),
            _ => None,
        });
        match result {
            Some(Ok(())) => {
                self.log(
                    Level::Info,
                    format!("instcmd: successfully sent command [{cmd}]"),
                );
                Answer::Done(TrackingResult::Handled)
            }
            Some(Err(e)) => {
                self.log(
                    Level::Error,
                    format!("instcmd: command [{cmd}] failed: {e}"),
                );
                Answer::Done(TrackingResult::Failed)
            }
            None => {
                self.log(
                    Level::Error,
                    format!("instcmd: command [{cmd}] got no result"),
                );
                Answer::Done(TrackingResult::Failed)
            }
        }
    }

    fn shutdown(&mut self, now: Instant, state: &mut DriverState) -> TrackingResult {
        if let Err(e) = self.engine.shutdown(now) {
            self.log(Level::Error, format!("Shutdown failed! {e}"));
            return TrackingResult::Failed;
        }
        let result = self.await_event(state, |e| match e {
            Event::ShutdownDone(result) => Some(result.clone()),
            _ => None,
        });
        match result {
            Some(Ok(())) => {
                let delay = self
                    .engine
                    .vars()
                    .get(DELAY_VARS[1])
                    .cloned()
                    .unwrap_or_default();
                self.log(Level::Info, format!("Shutting down in {delay} seconds"));
                TrackingResult::Handled
            }
            Some(Err(e)) => {
                self.log(Level::Error, format!("Shutdown failed! {e}"));
                TrackingResult::Failed
            }
            None => {
                self.log(Level::Error, "Shutdown failed! (no result)".to_owned());
                TrackingResult::Failed
            }
        }
    }

    fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }
}
