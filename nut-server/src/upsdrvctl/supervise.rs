//! `upsdrvctl -F start` of several UPSes: upsdrvctl stays in the foreground
//! with its drivers as children, as newer NUT does. This is the policy,
//! sans-IO:
//!
//! * SIGTERM, SIGINT, SIGQUIT: stop every driver and exit;
//! * SIGHUP (reload), SIGURG (data dump), SIGUSR1 (reload-or-exit): passed
//!   on to every driver;
//! * a driver that exits within [`RELOAD_GRACE`] of a SIGUSR1, or with
//!   status `128 + SIGUSR1` (it chose to exit for a restart), is started
//!   again; any other exit stops the others and upsdrvctl exits with an
//!   error, so that a service manager restarts the bundle.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

/// How long after a reload-or-exit signal a driver's exit counts as the
/// restart it asked for.
pub const RELOAD_GRACE: Duration = Duration::from_secs(60);

/// NUT's fatal message when a supervised driver went away.
pub const DRIVER_LOST: &str = "At least one tracked driver running in foreground mode has exited, \
    stopping upsdrvctl (and other tracked drivers) so the bundle can be restarted by system \
    properly";

/// The signals the supervisor waits for.
pub const SIGNALS: [Signal; 7] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGHUP,
    Signal::SIGUSR1,
    Signal::SIGURG,
    Signal::SIGCHLD,
];

/// What to do about an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Reaction {
    /// Stop every driver and exit successfully.
    Stop,
    /// Send this signal to every driver.
    Forward(Signal),
    /// Start that driver again.
    Restart,
    /// Stop the others and exit with an error ([`DRIVER_LOST`]).
    Abort,
    /// Nothing.
    Ignore,
}

/// The supervisor's memory: when the last reload-or-exit went out.
#[derive(Debug, Clone, Default)]
pub struct Supervisor {
    last_reload_or_exit: Option<Instant>,
}

impl Supervisor {
    /// A supervisor that has sent nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A signal to upsdrvctl at `now`.
    pub fn handle_signal(&mut self, now: Instant, signal: Signal) -> Reaction {
        match signal {
            Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT => Reaction::Stop,
            Signal::SIGUSR1 => {
                self.last_reload_or_exit = Some(now);
                Reaction::Forward(signal)
            }
            Signal::SIGHUP | Signal::SIGURG => Reaction::Forward(signal),
            _ => Reaction::Ignore,
        }
    }

    /// A driver exited at `now` with `code` (`None`: killed by a signal).
    pub fn handle_exit(&self, now: Instant, code: Option<i32>) -> Reaction {
        let recent = self
            .last_reload_or_exit
            .is_some_and(|at| now.saturating_duration_since(at) < RELOAD_GRACE);
        let asked_for_restart = code == Some(128 + Signal::SIGUSR1 as i32);
        if recent || asked_for_restart {
            Reaction::Restart
        } else {
            Reaction::Abort
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_signals_stop_and_reload_signals_are_forwarded() {
        let mut sup = Supervisor::new();
        let now = Instant::now();
        for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT] {
            assert_eq!(sup.handle_signal(now, signal), Reaction::Stop);
        }
        for signal in [Signal::SIGHUP, Signal::SIGURG, Signal::SIGUSR1] {
            assert_eq!(sup.handle_signal(now, signal), Reaction::Forward(signal));
        }
        assert_eq!(sup.handle_signal(now, Signal::SIGCHLD), Reaction::Ignore);
    }

    #[test]
    fn an_exit_soon_after_reload_or_exit_is_a_restart() {
        let mut sup = Supervisor::new();
        let t0 = Instant::now();
        assert_eq!(sup.handle_exit(t0, Some(0)), Reaction::Abort);
        let _ = sup.handle_signal(t0, Signal::SIGUSR1);
        assert_eq!(
            sup.handle_exit(t0 + Duration::from_secs(59), Some(1)),
            Reaction::Restart
        );
        assert_eq!(sup.handle_exit(t0 + RELOAD_GRACE, Some(1)), Reaction::Abort);
        assert_eq!(sup.handle_exit(t0 + RELOAD_GRACE, None), Reaction::Abort);
    }

    #[test]
    fn a_driver_exiting_with_128_plus_sigusr1_asked_for_a_restart() {
        let sup = Supervisor::new();
        let now = Instant::now();
        let code = 128 + Signal::SIGUSR1 as i32;
        assert_eq!(sup.handle_exit(now, Some(code)), Reaction::Restart);
        assert_eq!(sup.handle_exit(now, Some(code + 1)), Reaction::Abort);
    }
}
