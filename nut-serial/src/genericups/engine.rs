//! The sans-IO genericups engine: powers the cable, polls the input lines
//! into `ups.status`, reports communication loss as NUT does, and runs the
//! shutdown sequence (`-k`).
//!
//! NUT's genericups does not debounce: every poll (`pollinterval`, 2 s by
//! default) reads the lines once and publishes the status they give, so
//! one reading is enough to go from `OL` to `OB`. Nothing is published
//! when the status did not change.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use nut_proto::model::{Status, StatusToken};

use super::config::GenericConfig;
use super::lines::InputLines;
use crate::error::Error;

/// How long genericups holds a break to shut a UPS down: NUT calls
/// `tcsendbreak(fd, 4901)` (Linux rounds that up to 5 s) and does not apply
/// `sdtime` to a break.
pub const BREAK_DURATION: Duration = Duration::from_millis(4901);

/// Consecutive failed reads after which NUT limits its reports
/// (`SER_ERR_LIMIT`): from then on one in ten is logged.
pub const COMM_FAILURE_LIMIT: u32 = 10;

/// Every this many failed reads NUT repeats the "limiting" warning
/// (`SER_ERR_RATE`).
pub const COMM_FAILURE_RATE: u32 = 100;

/// Something the adapter must do on the serial port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineAction {
    /// Set DTR and RTS to exactly these levels (NUT: one `TIOCMSET`).
    SetOutputs {
        /// DTR level.
        dtr: bool,
        /// RTS level.
        rts: bool,
    },
    /// Start (`true`) or end a break.
    Break(bool),
    /// Read the input lines and hand them to
    /// [`Engine::handle_poll`] (or the failure to
    /// [`Engine::handle_read_failure`]).
    ReadInputs,
}

/// Severity of a [`Event::Log`] line (syslog's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LogLevel {
    /// Warning: communication lost.
    Warning,
    /// Notice: communication back, an override that changes nothing.
    Notice,
    /// Informational: the UPS type, the shutdown hold.
    Info,
}

/// Something the engine reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A variable to publish (`ups.mfr`, `ups.model`, `ups.serial`; once,
    /// at start).
    Var {
        /// Variable name.
        name: &'static str,
        /// Value.
        value: String,
    },
    /// `ups.status` changed (and at the first reading).
    Status(Status),
    /// A reading succeeded after none had or after a failure (NUT's
    /// `dstate_dataok`).
    DataOk,
    /// A reading failed while data was fresh (NUT's `dstate_datastale`).
    DataStale,
    /// A line for the log.
    Log {
        /// Severity.
        level: LogLevel,
        /// The message.
        message: String,
    },
    /// The shutdown signal was sent and held: the driver may exit (and
    /// must leave the lines as they are).
    ShutdownDone,
}

/// What runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading the lines every `pollinterval`.
    Polling { next: Instant, reading: bool },
    /// A break is held until then.
    Breaking { until: Instant },
    /// The shutdown lines are held until then.
    Holding { until: Instant },
    /// Shutdown sent; nothing more to do.
    Done,
}

/// The genericups driver engine. See the [module docs](crate::genericups)
/// for the drive loop.
#[derive(Debug)]
pub struct Engine {
    cfg: GenericConfig,
    phase: Phase,
    actions: VecDeque<LineAction>,
    events: VecDeque<Event>,
    committed: Option<Status>,
    stale: bool,
    comm_failures: u32,
}

impl Engine {
    /// Starts a driver: announces the type and the identity variables,
    /// powers the cable (`CP`) and asks for the first reading right away,
    /// as NUT does before its first `pollinterval`.
    pub fn new(cfg: GenericConfig, now: Instant) -> Self {
        let mut engine = Self::opened(cfg, now);
        engine.push_var("ups.mfr", engine.cfg.mfr.clone());
        engine.push_var("ups.model", engine.cfg.model.clone());
        if let Some(serial) = engine.cfg.serial.clone() {
            engine.push_var("ups.serial", serial);
        }
        engine.actions.push_back(LineAction::ReadInputs);
        engine.phase = Phase::Polling {
            next: now,
            reading: true,
        };
        engine
    }

    /// Starts `-k` when no driver is running: powers the cable as the
    /// driver's start-up does, then sends the shutdown signal at once
    /// (see [`start_shutdown`](Self::start_shutdown)); no reading is made.
    pub fn for_shutdown(cfg: GenericConfig, now: Instant) -> Result<Self, Error> {
        let mut engine = Self::opened(cfg, now);
        engine.start_shutdown(now)?;
        Ok(engine)
    }

    /// The common start: logs, cable power.
    fn opened(cfg: GenericConfig, now: Instant) -> Self {
        let mut engine = Self {
            phase: Phase::Polling {
                next: now,
                reading: false,
            },
            actions: VecDeque::new(),
            events: VecDeque::new(),
            committed: None,
            stale: true,
            comm_failures: 0,
            cfg,
        };
        engine.log(
            LogLevel::Info,
            format!("UPS type: {}", engine.cfg.upstype.desc),
        );
        for notice in engine.cfg.notices.clone() {
            engine.log(LogLevel::Notice, notice);
        }
        let cp = engine.cfg.lines.cable_power;
        engine.actions.push_back(LineAction::SetOutputs {
            dtr: cp.dtr,
            rts: cp.rts,
        });
        engine
    }

    /// The configuration in use.
    pub fn config(&self) -> &GenericConfig {
        &self.cfg
    }

    /// The status last published, if any reading succeeded yet.
    pub fn status(&self) -> Option<&Status> {
        self.committed.as_ref()
    }

    /// Whether data is stale (before the first reading, or after a failed
    /// one).
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Whether the shutdown sequence finished.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The next line action to carry out, in order.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<LineAction> {
        self.actions.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due: the next
    /// poll, or the end of a break or of the shutdown hold. `None` once the
    /// shutdown is done, and while a reading asked for is outstanding.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Polling {
                next,
                reading: false,
            } => Some(next),
            Phase::Breaking { until } | Phase::Holding { until } => Some(until),
            Phase::Polling { reading: true, .. } | Phase::Done => None,
        }
    }

    /// Time passed: asks for a reading when a poll is due, ends a break or
    /// the shutdown hold when its time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Polling {
                next,
                reading: false,
            } if now >= next => {
                self.actions.push_back(LineAction::ReadInputs);
                self.phase = Phase::Polling {
                    next,
                    reading: true,
                };
            }
            Phase::Breaking { until } if now >= until => {
                self.actions.push_back(LineAction::Break(false));
                self.finish_shutdown();
            }
            Phase::Holding { until } if now >= until => self.finish_shutdown(),
            _ => {}
        }
    }

    /// A reading of the input lines: publishes the status if it changed,
    /// marks data fresh, schedules the next poll. Ignored unless a reading
    /// was asked for (a shutdown may have started meanwhile).
    pub fn handle_poll(&mut self, now: Instant, lines: InputLines) {
        if !self.take_reading(now) {
            return;
        }
        let mut status = self.cfg.lines.status(lines);
        if self.cfg.ignorelb {
            status.remove(&StatusToken::LowBattery);
        }
        if self.committed.as_ref() != Some(&status) {
            self.committed = Some(status.clone());
            self.events.push_back(Event::Status(status));
        }
        if self.comm_failures > 0 {
            self.comm_failures = 0;
            self.log(
                LogLevel::Notice,
                "Communications with UPS re-established".to_owned(),
            );
        }
        if self.stale {
            self.stale = false;
            self.events.push_back(Event::DataOk);
        }
    }

    /// A reading failed (the port went away): reports it with NUT's rate
    /// limit and marks data stale; the next poll tries again. The status
    /// is kept, not guessed.
    pub fn handle_read_failure(&mut self, now: Instant, error: Error) {
        if !self.take_reading(now) {
            return;
        }
        self.comm_failures = self.comm_failures.saturating_add(1);
        let n = self.comm_failures;
        if n == COMM_FAILURE_LIMIT || n.is_multiple_of(COMM_FAILURE_RATE) {
            self.log(
                LogLevel::Warning,
                "Warning: excessive comm failures, limiting error reporting".to_owned(),
            );
        }
        if n <= COMM_FAILURE_LIMIT || n.is_multiple_of(COMM_FAILURE_LIMIT) {
            self.log(
                LogLevel::Warning,
                format!("Communications with UPS lost: status read failed: {error}"),
            );
        }
        if !self.stale {
            self.stale = true;
            self.events.push_back(Event::DataStale);
        }
    }

    /// Sends the shutdown signal (`-k`, or `driver.killpower` in a running
    /// driver), as genericups does for the configured `SD`:
    /// * `ST` alone: a break of [`BREAK_DURATION`], `sdtime` not applied;
    /// * otherwise: DTR and RTS set to exactly the `SD` levels (lines not
    ///   named are dropped, cable power included), held `sdtime` seconds.
    ///
    /// Polling stops. Fails, changing nothing, when the type has no
    /// shutdown (types 8, 16, 17, 18 without an `SD` override) or a
    /// shutdown already started.
    pub fn start_shutdown(&mut self, now: Instant) -> Result<(), Error> {
        let not_applicable = |reason| Error::CommandNotApplicable {
            command: "shutdown".to_owned(),
            reason,
        };
        if !matches!(self.phase, Phase::Polling { .. }) {
            return Err(not_applicable("the shutdown signal was already sent"));
        }
        let sd = self
            .cfg
            .lines
            .shutdown
            .ok_or_else(|| not_applicable("no shutdown command defined for this model"))?;
        // a reading asked for but not yet made is dropped
        self.actions.retain(|a| *a != LineAction::ReadInputs);
        if sd.is_break() {
            self.actions.push_back(LineAction::Break(true));
            self.phase = Phase::Breaking {
                until: now + BREAK_DURATION,
            };
            return Ok(());
        }
        self.actions.push_back(LineAction::SetOutputs {
            dtr: sd.dtr,
            rts: sd.rts,
        });
        if let Some(secs) = self.cfg.sdtime {
            self.log(
                LogLevel::Info,
                format!("Holding shutdown signal for {secs} seconds..."),
            );
        }
        let hold = self.cfg.sdtime_hold();
        if hold.is_zero() {
            self.finish_shutdown();
        } else {
            self.phase = Phase::Holding { until: now + hold };
        }
        Ok(())
    }

    /// Consumes the outstanding reading; `false` if none was asked for.
    fn take_reading(&mut self, now: Instant) -> bool {
        if let Phase::Polling { reading: true, .. } = self.phase {
            self.phase = Phase::Polling {
                next: now + self.cfg.pollinterval,
                reading: false,
            };
            true
        } else {
            false
        }
    }

    fn finish_shutdown(&mut self) {
        self.phase = Phase::Done;
        self.events.push_back(Event::ShutdownDone);
    }

    fn log(&mut self, level: LogLevel, message: String) {
        self.events.push_back(Event::Log { level, message });
    }

    fn push_var(&mut self, name: &'static str, value: String) {
        self.events.push_back(Event::Var { name, value });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(engine: &mut Engine) -> (Vec<LineAction>, Vec<Event>) {
        let actions = std::iter::from_fn(|| engine.poll_action()).collect();
        let events = std::iter::from_fn(|| engine.poll_event()).collect();
        (actions, events)
    }

    fn statuses(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Status(s) => Some(s.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn start_powers_cable_then_reads() {
        let t0 = Instant::now();
        let cfg = GenericConfig::from_options([("upstype", "2"), ("serial", "X1")]).unwrap();
        let mut engine = Engine::new(cfg, t0);
        let (actions, events) = drain(&mut engine);
        assert_eq!(
            actions,
            [
                LineAction::SetOutputs {
                    dtr: false,
                    rts: true
                },
                LineAction::ReadInputs
            ]
        );
        let vars: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Var { name, value } => Some((*name, value.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            vars,
            [
                ("ups.mfr", "APC"),
                ("ups.model", "Back-UPS"),
                ("ups.serial", "X1")
            ]
        );
        assert!(events.contains(&Event::Log {
            level: LogLevel::Info,
            message: "UPS type: APC Back-UPS (940-0020B/C cable)".into()
        }));
        assert_eq!(engine.poll_timeout(), None, "a reading is outstanding");
    }

    #[test]
    fn polls_every_interval_and_publishes_changes_only() {
        let t0 = Instant::now();
        let mut engine = Engine::new(GenericConfig::new(1).unwrap(), t0);
        let _ = drain(&mut engine);
        engine.handle_poll(t0, InputLines::default());
        let (_, events) = drain(&mut engine);
        assert_eq!(statuses(&events), ["OL"]);
        assert!(events.contains(&Event::DataOk));
        let next = engine.poll_timeout().unwrap();
        assert_eq!(next, t0 + Duration::from_secs(2));
        engine.handle_timeout(next - Duration::from_millis(1));
        assert_eq!(engine.poll_action(), None, "not yet due");
        engine.handle_timeout(next);
        assert_eq!(engine.poll_action(), Some(LineAction::ReadInputs));
        engine.handle_poll(next, InputLines::default());
        assert_eq!(drain(&mut engine).1, [], "same status: nothing");
        engine.handle_timeout(next + Duration::from_secs(2));
        let _ = drain(&mut engine);
        engine.handle_poll(next + Duration::from_secs(2), InputLines::from_bits(0b0110));
        assert_eq!(statuses(&drain(&mut engine).1), ["LB OB"]);
    }

    #[test]
    fn unrequested_readings_are_ignored() {
        let t0 = Instant::now();
        let mut engine = Engine::new(GenericConfig::new(1).unwrap(), t0);
        engine.handle_poll(t0, InputLines::default());
        let _ = drain(&mut engine);
        engine.handle_poll(t0, InputLines::from_bits(0b0100));
        engine.handle_read_failure(t0, Error::Transport("x".into()));
        assert_eq!(drain(&mut engine).1, []);
        assert_eq!(
            engine.status().map(ToString::to_string).as_deref(),
            Some("OL")
        );
    }

    #[test]
    fn ignorelb_drops_lb() {
        let t0 = Instant::now();
        let cfg = GenericConfig::from_options([("upstype", "1"), ("ignorelb", "")]).unwrap();
        let mut engine = Engine::new(cfg, t0);
        engine.handle_poll(t0, InputLines::from_bits(0b0110));
        assert_eq!(statuses(&drain(&mut engine).1), ["OB"]);
    }

    #[test]
    fn comm_failures_are_rate_limited_like_ser_comm_fail() {
        let t0 = Instant::now();
        let mut engine = Engine::new(GenericConfig::new(1).unwrap(), t0);
        let mut now = t0;
        engine.handle_poll(now, InputLines::default());
        let _ = drain(&mut engine);
        let mut lost = Vec::new();
        let mut limiting = Vec::new();
        let mut stale = 0;
        for n in 1..=COMM_FAILURE_RATE {
            now += Duration::from_secs(2);
            engine.handle_timeout(now);
            let _ = engine.poll_action();
            engine.handle_read_failure(now, Error::Transport("gone".into()));
            for e in drain(&mut engine).1 {
                match e {
                    Event::Log { message, .. } if message.starts_with("Communications") => {
                        assert!(message.ends_with("status read failed: transport error: gone"));
                        lost.push(n);
                    }
                    Event::Log { message, .. } if message.contains("limiting") => limiting.push(n),
                    Event::DataStale => stale += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        let expected: Vec<u32> = (1..=10).chain((20..=100).step_by(10)).collect();
        assert_eq!(lost, expected);
        assert_eq!(limiting, [COMM_FAILURE_LIMIT, COMM_FAILURE_RATE]);
        assert_eq!(stale, 1);
        assert!(engine.is_stale());
        now += Duration::from_secs(2);
        engine.handle_timeout(now);
        let _ = engine.poll_action();
        engine.handle_poll(now, InputLines::default());
        let events = drain(&mut engine).1;
        assert_eq!(
            events,
            [
                Event::Log {
                    level: LogLevel::Notice,
                    message: "Communications with UPS re-established".into()
                },
                Event::DataOk
            ],
            "status unchanged: not republished"
        );
    }

    #[test]
    fn shutdown_with_lines_holds_sdtime() {
        let t0 = Instant::now();
        let cfg = GenericConfig::from_options([("upstype", "2"), ("sdtime", "3")]).unwrap();
        let mut engine = Engine::new(cfg, t0);
        let _ = drain(&mut engine);
        engine.start_shutdown(t0).unwrap();
        let (actions, events) = drain(&mut engine);
        assert_eq!(
            actions,
            [LineAction::SetOutputs {
                dtr: true,
                rts: true
            }],
            "the outstanding reading is dropped"
        );
        assert!(events.iter().any(|e| matches!(e, Event::Log { message, .. }
            if message == "Holding shutdown signal for 3 seconds...")));
        assert_eq!(engine.poll_timeout(), Some(t0 + Duration::from_secs(3)));
        engine.handle_timeout(t0 + Duration::from_millis(2999));
        assert!(!engine.is_done());
        engine.handle_timeout(t0 + Duration::from_secs(3));
        assert!(engine.is_done());
        assert_eq!(drain(&mut engine).1, [Event::ShutdownDone]);
        assert_eq!(engine.poll_timeout(), None);
        assert!(engine.start_shutdown(t0).is_err());
    }

    #[test]
    fn shutdown_by_break_ignores_sdtime() {
        let t0 = Instant::now();
        let cfg = GenericConfig::from_options([("upstype", "11"), ("sdtime", "30")]).unwrap();
        let mut engine = Engine::for_shutdown(cfg, t0).unwrap();
        let (actions, events) = drain(&mut engine);
        assert_eq!(
            actions,
            [
                LineAction::SetOutputs {
                    dtr: true,
                    rts: false
                },
                LineAction::Break(true)
            ]
        );
        assert!(
            !events.iter().any(|e| matches!(e, Event::Log { message, .. }
            if message.contains("Holding")))
        );
        assert_eq!(engine.poll_timeout(), Some(t0 + BREAK_DURATION));
        engine.handle_timeout(t0 + BREAK_DURATION);
        let (actions, events) = drain(&mut engine);
        assert_eq!(actions, [LineAction::Break(false)]);
        assert_eq!(events, [Event::ShutdownDone]);
    }

    #[test]
    fn no_shutdown_for_unknown_types() {
        let t0 = Instant::now();
        for t in [8, 16, 17, 18] {
            let e = Engine::for_shutdown(GenericConfig::new(t).unwrap(), t0).unwrap_err();
            assert_eq!(
                e.to_string(),
                "shutdown: no shutdown command defined for this model"
            );
        }
        let mut engine = Engine::new(GenericConfig::new(8).unwrap(), t0);
        assert!(engine.start_shutdown(t0).is_err());
        assert!(!engine.is_done());
        assert!(engine.poll_action().is_some(), "start-up actions kept");
    }

    #[test]
    fn zero_or_negative_sdtime_ends_at_once_but_is_logged() {
        let t0 = Instant::now();
        for secs in ["0", "-2"] {
            let cfg = GenericConfig::from_options([("upstype", "1"), ("sdtime", secs)]).unwrap();
            let mut engine = Engine::for_shutdown(cfg, t0).unwrap();
            let events = drain(&mut engine).1;
            assert!(engine.is_done());
            assert_eq!(events.last(), Some(&Event::ShutdownDone));
            let hold = format!("Holding shutdown signal for {secs} seconds...");
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, Event::Log { message, .. } if *message == hold))
            );
        }
    }
}
