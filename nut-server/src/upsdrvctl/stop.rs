//! Stopping one driver, as a sans-IO state machine: SIGTERM, then up to
//! [`TERM_GRACE`] for the process to go, then SIGKILL and up to
//! [`KILL_GRACE`] more (newer NUT's escalation; 2.8.0 sent SIGTERM and
//! went on without waiting).
//!
//! The caller sends the signals and checks whether the process is alive
//! when told, reporting with [`StopEscalation::handle_sent`] and
//! [`StopEscalation::handle_check`].

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

/// How long a driver gets to exit after SIGTERM.
pub const TERM_GRACE: Duration = Duration::from_secs(5);

/// How long a driver gets to vanish after SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// How often the process is looked at while waiting.
pub const CHECK_PERIOD: Duration = Duration::from_millis(50);

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum StopStep {
    /// Send this signal, then report with [`StopEscalation::handle_sent`].
    /// A SIGKILL comes only after SIGTERM was not enough (NUT logs
    /// "Stopping `<x>` failed, retrying harder" then).
    Send(Signal),
    /// Check at this instant whether the process is alive, then report with
    /// [`StopEscalation::handle_check`].
    CheckAt(Instant),
    /// Finished.
    Done(StopResult),
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopResult {
    /// The driver exited after SIGTERM.
    Stopped,
    /// It needed SIGKILL (it left its PID file behind, which the caller
    /// removes).
    Killed,
    /// A signal could not be sent (the caller has the OS error to log).
    SignalFailed,
    /// Still alive after SIGKILL (NUT: "Stopping `<x>` failed").
    StillRunning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Term,
    AfterTerm { deadline: Instant, check: Instant },
    Kill,
    AfterKill { deadline: Instant, check: Instant },
    Done(StopResult),
}

/// The escalation for one process.
#[derive(Debug, Clone)]
pub struct StopEscalation {
    phase: Phase,
}

impl Default for StopEscalation {
    fn default() -> Self {
        Self::new()
    }
}

impl StopEscalation {
    /// Starts with SIGTERM.
    pub fn new() -> Self {
        Self { phase: Phase::Term }
    }

    /// What to do now.
    pub fn next(&self) -> StopStep {
        match self.phase {
            Phase::Term => StopStep::Send(Signal::SIGTERM),
            Phase::Kill => StopStep::Send(Signal::SIGKILL),
            Phase::AfterTerm { check, .. } | Phase::AfterKill { check, .. } => {
                StopStep::CheckAt(check)
            }
            Phase::Done(result) => StopStep::Done(result),
        }
    }

    /// Whether the signal asked for went out.
    pub fn handle_sent(&mut self, now: Instant, sent: bool) {
        self.phase = match (self.phase, sent) {
            (Phase::Term | Phase::Kill, false) => Phase::Done(StopResult::SignalFailed),
            (Phase::Term, true) => Phase::AfterTerm {
                deadline: now + TERM_GRACE,
                check: now,
            },
            (Phase::Kill, true) => Phase::AfterKill {
                deadline: now + KILL_GRACE,
                check: now,
            },
            (other, _) => other,
        };
    }

    /// Whether the process was alive at `now`.
    pub fn handle_check(&mut self, now: Instant, alive: bool) {
        self.phase = match self.phase {
            Phase::AfterTerm { .. } if !alive => Phase::Done(StopResult::Stopped),
            Phase::AfterKill { .. } if !alive => Phase::Done(StopResult::Killed),
            Phase::AfterTerm { deadline, .. } if now >= deadline => Phase::Kill,
            Phase::AfterKill { deadline, .. } if now >= deadline => {
                Phase::Done(StopResult::StillRunning)
            }
            Phase::AfterTerm { deadline, .. } => Phase::AfterTerm {
                deadline,
                check: now + CHECK_PERIOD,
            },
            Phase::AfterKill { deadline, .. } => Phase::AfterKill {
                deadline,
                check: now + CHECK_PERIOD,
            },
            other => other,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the machine against a process that dies `dies_after_term`
    /// after SIGTERM (or never) and `dies_after_kill` after SIGKILL;
    /// returns the signals sent and the result.
    fn drive(
        term_works: bool,
        dies_after_term: Option<Duration>,
        dies_after_kill: Option<Duration>,
    ) -> (Vec<Signal>, StopResult) {
        let t0 = Instant::now();
        let mut now = t0;
        let mut stop = StopEscalation::new();
        let mut sent = Vec::new();
        let mut death: Option<Instant> = None;
        for _ in 0..10_000 {
            match stop.next() {
                StopStep::Send(signal) => {
                    sent.push(signal);
                    let ok = signal == Signal::SIGKILL || term_works;
                    if ok {
                        let after = if signal == Signal::SIGTERM {
                            dies_after_term
                        } else {
                            dies_after_kill
                        };
                        death = death.or_else(|| after.map(|d| now + d));
                    }
                    stop.handle_sent(now, ok);
                }
                StopStep::CheckAt(at) => {
                    assert!(at >= now);
                    now = at;
                    stop.handle_check(now, death.is_none_or(|d| now < d));
                }
                StopStep::Done(result) => return (sent, result),
            }
        }
        panic!("no end");
    }

    #[test]
    fn a_driver_that_obeys_sigterm_is_stopped() {
        let (sent, result) = drive(true, Some(Duration::from_millis(120)), None);
        assert_eq!(sent, [Signal::SIGTERM]);
        assert_eq!(result, StopResult::Stopped);
    }

    #[test]
    fn sigterm_just_within_the_grace_period_is_enough() {
        let (sent, result) = drive(true, Some(TERM_GRACE), None);
        assert_eq!(sent, [Signal::SIGTERM]);
        assert_eq!(result, StopResult::Stopped);
    }

    #[test]
    fn a_stuck_driver_is_killed_after_the_grace_period() {
        let (sent, result) = drive(
            true,
            Some(TERM_GRACE + CHECK_PERIOD * 2),
            Some(Duration::ZERO),
        );
        assert_eq!(sent, [Signal::SIGTERM, Signal::SIGKILL]);
        assert_eq!(result, StopResult::Killed);
        let (_, result) = drive(true, None, Some(Duration::from_millis(10)));
        assert_eq!(result, StopResult::Killed);
    }

    #[test]
    fn an_unkillable_process_is_reported() {
        let (sent, result) = drive(true, None, None);
        assert_eq!(sent, [Signal::SIGTERM, Signal::SIGKILL]);
        assert_eq!(result, StopResult::StillRunning);
    }

    #[test]
    fn a_signal_that_cannot_be_sent_ends_at_once() {
        let (sent, result) = drive(false, None, None);
        assert_eq!(sent, [Signal::SIGTERM]);
        assert_eq!(result, StopResult::SignalFailed);
    }
}
