//! The shutdown methods (`S`, `@nnn`, `K`, `Z`, the CS hack) and NUT's
//! shutdown sequence: `Y`, the line status, then `advorder` (each method
//! in turn until one is accepted) or `sdtype`.

use std::collections::VecDeque;
use std::time::Instant;

use super::command::CommandOutcome;
use super::{Action, Engine, Event, Outcome, Purpose};
use crate::apc::config::{ApcConfig, ShutdownMethod};
use crate::apc::reply::{OK, ReadMode, SM};
use crate::apc::status::{StatusBits, decode_status};
use crate::error::{Error, Received};

/// Who asked for a shutdown method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ctx {
    /// An instant command.
    Command { id: u64, name: String },
    /// The shutdown sequence, with the methods left to try.
    Shutdown { rest: VecDeque<ShutdownMethod> },
}

/// Where a method stands.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stage {
    Soft,
    Hard { two_digits: bool },
    HardAbort { error: Error },
    Delayed,
    Instant,
    CsSimulatedFailure,
}

/// A shutdown step waiting for its reply.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    SmartMode,
    SmartModeEsc,
    Status,
    Method {
        ctx: Ctx,
        method: ShutdownMethod,
        stage: Stage,
    },
}

impl Engine {
    /// Starts NUT's shutdown sequence (after the polls and jobs in
    /// progress). The outcome comes as [`Event::ShutdownDone`].
    pub fn shutdown(&mut self, now: Instant) {
        self.jobs.push_back(super::command::Job::Shutdown);
        self.drive(now);
        self.drain_changes();
    }

    /// An engine that only shuts the unit down (the driver's `-k` without
    /// a running instance): no discovery, no polls.
    pub fn for_shutdown(cfg: ApcConfig, now: Instant) -> Self {
        let mut engine = Self::new(cfg, now);
        engine.running = None;
        engine.io = None;
        engine.tx.clear();
        engine.start_shutdown();
        engine.drive(now);
        engine
    }

    pub(super) fn start_shutdown(&mut self) {
        let script = vec![
            Action::Flush { alerts: false },
            Action::Send(b"Y".to_vec()),
            self.read(ReadMode::Alerts, self.cfg.short_timeout, true),
        ];
        self.run(Purpose::Shutdown(Step::SmartMode), script);
    }

    fn shutdown_status(&mut self) {
        let script = vec![
            Action::Send(b"Q".to_vec()),
            self.read(ReadMode::Alerts, self.cfg.short_timeout, false),
        ];
        self.run(Purpose::Shutdown(Step::Status), script);
    }

    /// The methods to try, from `advorder` or else `sdtype`.
    fn shutdown_plan(&self, bits: StatusBits) -> VecDeque<ShutdownMethod> {
        use ShutdownMethod as M;
        if let Some(order) = &self.cfg.advorder {
            return order.iter().copied().collect();
        }
        let plan: &[M] = match self.cfg.sdtype {
            1 if !bits.has(StatusBits::OB) => &[M::Hard],
            1 => &[M::Soft, M::Hard],
            2 => &[M::Instant],
            3 => &[M::Delayed],
            4 => &[M::Cs],
            5 => &[M::Hard],
            _ if bits.has(StatusBits::OL) => &[M::Hard],
            _ => &[M::Soft],
        };
        plan.iter().copied().collect()
    }

    /// Runs `method`; `digits` overrides `awd` for `@`.
    pub(super) fn start_method(
        &mut self,
        _now: Instant,
        ctx: Ctx,
        method: ShutdownMethod,
        digits: Option<String>,
    ) {
        let short = self.cfg.short_timeout;
        let answer = self.read(ReadMode::ShutdownReply, short, true);
        let mut script = vec![Action::Flush { alerts: false }];
        let stage = match method {
            ShutdownMethod::Soft => {
                script.push(Action::Send(b"S".to_vec()));
                Stage::Soft
            }
            ShutdownMethod::Hard => {
                let digits =
                    digits.unwrap_or_else(|| ApcConfig::awd_digits(self.cfg.awd.as_deref()));
                script.extend(self.long_write(b'@', digits.as_bytes()));
                Stage::Hard {
                    two_digits: digits.len() == 2,
                }
            }
            ShutdownMethod::Delayed => {
                script.extend(self.repeated(b'K'));
                Stage::Delayed
            }
            ShutdownMethod::Instant => {
                script.extend(self.repeated(b'Z'));
                Stage::Instant
            }
            ShutdownMethod::Cs if self.bits.has(StatusBits::OL) => {
                script.push(Action::Send(b"U".to_vec()));
                script.push(self.read(ReadMode::Alerts, short, true));
                let step = Step::Method {
                    ctx,
                    method,
                    stage: Stage::CsSimulatedFailure,
                };
                return self.run(Purpose::Shutdown(step), script);
            }
            ShutdownMethod::Cs => {
                script.push(Action::Send(b"S".to_vec()));
                Stage::Soft
            }
        };
        script.push(answer);
        self.run(
            Purpose::Shutdown(Step::Method { ctx, method, stage }),
            script,
        );
    }

    pub(super) fn shutdown_done(&mut self, now: Instant, step: Step, outcome: Outcome) {
        match step {
            Step::SmartMode => match outcome {
                Ok(Some(r)) if r == SM => self.shutdown_status(),
                other => {
                    let script = self.escape_script(other.is_err());
                    self.run(Purpose::Shutdown(Step::SmartModeEsc), script);
                }
            },
            Step::SmartModeEsc => {
                self.events.push_back(Event::BadReply {
                    error: Error::SmartModeFailed {
                        tries: 1,
                        received: Received::default(),
                    },
                });
                self.shutdown_status();
            }
            Step::Status => {
                let bits = match outcome {
                    Ok(Some(raw)) => decode_status(&raw),
                    Ok(None) => Err(Error::NoReply {
                        query: Received::new(b"Q"),
                    }),
                    Err(e) => Err(e),
                };
                // Unknown line status: assume the worst, as NUT does.
                let bits = bits.unwrap_or(StatusBits::OB.with(StatusBits::LB));
                self.bits = bits;
                let mut rest = self.shutdown_plan(bits);
                match rest.pop_front() {
                    Some(first) => self.start_method(now, Ctx::Shutdown { rest }, first, None),
                    None => self
                        .events
                        .push_back(Event::ShutdownDone(Err(Error::NotReady(
                            "no shutdown method configured",
                        )))),
                }
            }
            Step::Method { ctx, method, stage } => {
                self.method_step(now, ctx, method, stage, outcome)
            }
        }
    }

    fn method_step(
        &mut self,
        now: Instant,
        ctx: Ctx,
        method: ShutdownMethod,
        stage: Stage,
        outcome: Outcome,
    ) {
        let result = match stage {
            Stage::Soft => accepted(b"S", outcome, false),
            Stage::Delayed => accepted(b"K", outcome, false),
            Stage::Instant => accepted(b"Z", outcome, true),
            Stage::Hard { two_digits } => match accepted(b"@", outcome, false) {
                Err(error) if two_digits => {
                    // Abort the half-entered command with something bogus.
                    let script = vec![
                        Action::Send(b"Y".to_vec()),
                        self.read(ReadMode::Alerts, self.cfg.short_timeout, true),
                    ];
                    let stage = Stage::HardAbort { error };
                    return self.run(
                        Purpose::Shutdown(Step::Method { ctx, method, stage }),
                        script,
                    );
                }
                other => other,
            },
            Stage::HardAbort { error } => Err(error),
            Stage::CsSimulatedFailure => match outcome {
                Err(e) => Err(e),
                Ok(_) => {
                    let script = vec![
                        Action::Pause(self.cfg.cshdelay),
                        Action::Flush { alerts: false },
                        Action::Send(b"S".to_vec()),
                        self.read(ReadMode::ShutdownReply, self.cfg.short_timeout, true),
                    ];
                    let stage = Stage::Soft;
                    return self.run(
                        Purpose::Shutdown(Step::Method { ctx, method, stage }),
                        script,
                    );
                }
            },
        };
        match ctx {
            Ctx::Command { id, name } => self.events.push_back(Event::CommandDone {
                id,
                name,
                result: result.map(|()| CommandOutcome::Executed),
            }),
            Ctx::Shutdown { mut rest } => match result {
                Ok(()) => self.events.push_back(Event::ShutdownDone(Ok(method))),
                Err(e) => match rest.pop_front() {
                    Some(next) => self.start_method(now, Ctx::Shutdown { rest }, next, None),
                    None => self.events.push_back(Event::ShutdownDone(Err(e))),
                },
            },
        }
    }
}

/// NUT's `sdok`: `OK` (or `*`) accepts; silence accepts only when
/// `silence_ok` (`Z` answers nothing).
fn accepted(command: &[u8], outcome: Outcome, silence_ok: bool) -> Result<(), Error> {
    match outcome? {
        Some(r) if r == OK => Ok(()),
        Some(r) => Err(Error::CommandRefused {
            command: Received::new(command),
            received: Received(r),
        }),
        None if silence_ok => Ok(()),
        None => Err(Error::NoReply {
            query: Received::new(command),
        }),
    }
}
