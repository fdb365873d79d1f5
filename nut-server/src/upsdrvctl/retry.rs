//! The start of one driver with `maxretry` attempts `retrydelay` apart, as
//! a sans-IO state machine: the caller asks [`StartAttempts::next`] what to
//! do at `now`, launches when told, reports with
//! [`StartAttempts::handle_outcome`], and sleeps until the instant it is
//! given.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use nut_server::upsdrvctl::retry::{AttemptOutcome, Next, StartAttempts, StartResult};
//!
//! let mut start = StartAttempts::new(2, Duration::from_secs(5));
//! let t0 = Instant::now();
//! assert_eq!(start.next(t0), Next::Launch { remaining: 2 });
//! start.handle_outcome(t0, AttemptOutcome::Failed);
//! assert_eq!(start.next(t0), Next::Sleep(t0 + Duration::from_secs(5)));
//! let t1 = t0 + Duration::from_secs(5);
//! assert_eq!(start.next(t1), Next::Launch { remaining: 1 });
//! start.handle_outcome(t1, AttemptOutcome::Started);
//! assert_eq!(start.next(t1), Next::Done(StartResult::Started));
//! ```

use std::time::{Duration, Instant};

/// How one attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The driver went to the background (exit status 0), or was not
    /// waited for.
    Started,
    /// It exited with an error or died from a signal.
    Failed,
    /// It was still running at `maxstartdelay`.
    TimedOut,
}

/// The result of all attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartResult {
    /// An attempt succeeded, or none was made (`maxretry = 0`: NUT then
    /// starts nothing and reports no error).
    Started,
    /// The last attempt failed.
    Failed,
    /// The last attempt timed out; NUT looks at that driver again before
    /// exiting. `earlier_failures` is whether another attempt failed first
    /// (which is an error whatever the late driver does).
    TimedOut {
        /// Whether an earlier attempt failed.
        earlier_failures: bool,
    },
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Next {
    /// Launch an attempt; `remaining` counts this one (NUT's debug line
    /// "`<n>` remaining attempts").
    Launch {
        /// Attempts left, this one included.
        remaining: u32,
    },
    /// Nothing until this instant (the retry delay).
    Sleep(Instant),
    /// Finished.
    Done(StartResult),
}

/// The attempts for one driver.
#[derive(Debug, Clone)]
pub struct StartAttempts {
    remaining: u32,
    delay: Duration,
    retry_at: Option<Instant>,
    launched: bool,
    failures: u32,
    last: Option<AttemptOutcome>,
}

impl StartAttempts {
    /// `attempts` tries (`maxretry`), `delay` apart (`retrydelay`).
    pub fn new(attempts: u32, delay: Duration) -> Self {
        Self {
            remaining: attempts,
            delay,
            retry_at: None,
            launched: false,
            failures: 0,
            last: None,
        }
    }

    /// What to do at `now`. After a [`Next::Launch`], call
    /// [`StartAttempts::handle_outcome`] before asking again.
    pub fn next(&mut self, now: Instant) -> Next {
        if let Some(at) = self.retry_at {
            if now < at {
                return Next::Sleep(at);
            }
            self.retry_at = None;
        }
        if self.remaining == 0 {
            return Next::Done(match self.last {
                None | Some(AttemptOutcome::Started) => StartResult::Started,
                Some(AttemptOutcome::Failed) => StartResult::Failed,
                Some(AttemptOutcome::TimedOut) => StartResult::TimedOut {
                    earlier_failures: self.failures > 0,
                },
            });
        }
        self.launched = true;
        Next::Launch {
            remaining: self.remaining,
        }
    }

    /// How the attempt launched last went, at `now`.
    pub fn handle_outcome(&mut self, now: Instant, outcome: AttemptOutcome) {
        if !std::mem::take(&mut self.launched) {
            return;
        }
        self.remaining = self.remaining.saturating_sub(1);
        if outcome == AttemptOutcome::Started {
            self.remaining = 0;
        } else if self.remaining > 0 {
            if outcome == AttemptOutcome::Failed {
                self.failures += 1;
            }
            self.retry_at = Some(now + self.delay);
        }
        self.last = Some(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `outcomes` through the machine, jumping to each sleep's end;
    /// returns the launch times (seconds after t0) and the result.
    fn drive(attempts: u32, delay: u64, outcomes: &[AttemptOutcome]) -> (Vec<u64>, StartResult) {
        let t0 = Instant::now();
        let mut now = t0;
        let mut start = StartAttempts::new(attempts, Duration::from_secs(delay));
        let mut launches = Vec::new();
        let mut script = outcomes.iter();
        loop {
            match start.next(now) {
                Next::Launch { remaining } => {
                    assert_eq!(remaining, attempts - launches.len() as u32);
                    launches.push((now - t0).as_secs());
                    let outcome = *script.next().expect("more launches than scripted");
                    start.handle_outcome(now, outcome);
                }
                Next::Sleep(until) => {
                    assert!(until > now);
                    now = until;
                }
                Next::Done(result) => return (launches, result),
            }
        }
    }

    use AttemptOutcome::{Failed, Started, TimedOut};

    #[test]
    fn first_success_stops_the_attempts() {
        assert_eq!(drive(3, 5, &[Started]), (vec![0], StartResult::Started));
    }

    #[test]
    fn failures_are_retried_retrydelay_apart_up_to_maxretry() {
        assert_eq!(
            drive(3, 5, &[Failed, Failed, Failed]),
            (vec![0, 5, 10], StartResult::Failed)
        );
        assert_eq!(
            drive(3, 1, &[Failed, Started]),
            (vec![0, 1], StartResult::Started)
        );
        // No pause after the last attempt.
        assert_eq!(drive(1, 60, &[Failed]), (vec![0], StartResult::Failed));
    }

    #[test]
    fn zero_attempts_start_nothing_and_report_no_error() {
        assert_eq!(drive(0, 5, &[]), (vec![], StartResult::Started));
    }

    #[test]
    fn timeouts_are_retried_and_the_last_one_is_reported() {
        assert_eq!(
            drive(2, 0, &[TimedOut, TimedOut]),
            (
                vec![0, 0],
                StartResult::TimedOut {
                    earlier_failures: false
                }
            )
        );
        assert_eq!(
            drive(2, 2, &[Failed, TimedOut]),
            (
                vec![0, 2],
                StartResult::TimedOut {
                    earlier_failures: true
                }
            )
        );
        assert_eq!(drive(2, 2, &[TimedOut, Failed]).1, StartResult::Failed);
    }

    #[test]
    fn a_stray_outcome_without_a_launch_changes_nothing() {
        let now = Instant::now();
        let mut start = StartAttempts::new(1, Duration::ZERO);
        start.handle_outcome(now, Failed);
        assert_eq!(start.next(now), Next::Launch { remaining: 1 });
    }
}
