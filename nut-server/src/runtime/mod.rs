//! The driver runtime: what every driver we ship shares (NUT's `main.c` and
//! the socket half of `dstate.c`).
//!
//! Layers, from the wire up:
//!
//! * [`hub`]: the sans-IO state-socket core (clients, replies, broadcasts,
//!   the shared SET/INSTCMD handler);
//! * [`serve`]: the tokio adapter that moves bytes between a Unix listener
//!   and the hub and runs a [`Driver`] on its poll interval;
//! * [`cli`], [`paths`], [`process`], [`query`], [`reload`], [`log`]: the
//!   common driver command line, NUT's file locations, PID files, signals
//!   and privileges, the client side of the socket (`-c`, `-k`, takeover),
//!   configuration reload, and logging (stderr or syslog);
//! * [`program`]: the whole life of a driver process, from `argv` to exit,
//!   for any [`program::Program`] (dummy-ups is one).
//!
//! A driver only implements [`Driver`]: the device logic, on a state it
//! does not own the transport of.
//!
//! ```no_run
//! use std::time::Instant;
//! use nut_server::runtime::{Answer, CallId, Driver};
//! use nut_server::state::{DriverState, TrackingResult};
//!
//! /// A UPS that is always on line.
//! struct AlwaysOnline;
//!
//! impl Driver for AlwaysOnline {
//!     type Event = ();
//!     fn update(&mut self, _now: Instant, state: &mut DriverState) {
//!         state.status_init();
//!         state.status_set("OL");
//!         state.status_commit();
//!         state.data_ok();
//!     }
//!     fn set_var(&mut self, _: Instant, _: &mut DriverState, _: CallId, _: &str, _: &str) -> Answer {
//!         Answer::Done(TrackingResult::Unknown)
//!     }
//! }
//! ```

use std::time::Instant;

use crate::state::{DriverState, TrackingResult};

pub mod cli;
pub mod hub;
pub mod log;
pub mod paths;
pub mod process;
pub mod program;
pub mod query;
pub mod reload;
pub mod serve;

pub use hub::{CallId, ClientId, Hub, HubOptions, ReloadKind, Request};

/// A driver's answer to a SET or INSTCMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Done now, with this result.
    Done(TrackingResult),
    /// The result comes later through [`Driver::poll_answer`] (a driver
    /// that asks another host, for instance).
    Pending,
    /// The driver has no handler for this kind of request (NUT's
    /// `upsh.setvar`/`upsh.instcmd` left unset).
    NoHandler,
}

/// The device-specific half of a driver, driven by [`serve`].
///
/// Every method gets the current time and the published state; changes to
/// the state are broadcast to the socket clients by the runtime.
pub trait Driver {
    /// Messages from the driver's own I/O tasks (for a driver that owns a
    /// network connection, say), delivered through the channel handed to
    /// [`serve::serve`]; `()` when there are none.
    type Event: Send + 'static;

    /// One poll of the device (`upsdrv_updateinfo`), every poll interval and
    /// at [`Driver::poll_timeout`].
    fn update(&mut self, now: Instant, state: &mut DriverState);

    /// An earlier wake-up than the next poll, if the driver needs one.
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// `SET` of a variable (`upsh.setvar`).
    fn set_var(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        call: CallId,
        var: &str,
        value: &str,
    ) -> Answer {
        let _ = (now, state, call, var, value);
        Answer::NoHandler
    }

    /// `INSTCMD` (`upsh.instcmd`).
    fn instcmd(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        let _ = (now, state, call, cmd, param);
        Answer::NoHandler
    }

    /// The driver's own shutdown routine (`upsdrv_shutdown`, what
    /// `shutdown.default` and `-k` run when no `sdcommands` are set).
    fn shutdown(&mut self, now: Instant, state: &mut DriverState) -> TrackingResult {
        let _ = (now, state);
        TrackingResult::Unknown
    }

    /// A message from the driver's I/O tasks.
    fn handle_event(&mut self, now: Instant, state: &mut DriverState, event: Self::Event) {
        let _ = (now, state, event);
    }

    /// A result that was [`Answer::Pending`].
    fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        None
    }

    /// Something the driver wants logged.
    fn poll_log(&mut self) -> Option<log::LogRecord> {
        None
    }

    /// A configuration reload applied a new poll interval or driver
    /// options; the driver may pick up what it can change on the fly.
    fn reloaded(&mut self, state: &mut DriverState) {
        let _ = state;
    }
}

/// Runs the instant commands of `sdcommands` (comma-separated; the default
/// is `shutdown.default`) until one is handled, as NUT's
/// `upsdrv_shutdown_sdcommands_or_default` does: `shutdown.default` is the
/// driver's [`Driver::shutdown`], anything else its [`Driver::instcmd`]
/// (a command answered later counts as not handled). The result is
/// `Handled` or `Invalid`.
pub fn run_shutdown<D: Driver>(
    driver: &mut D,
    now: Instant,
    state: &mut DriverState,
    sdcommands: Option<&str>,
) -> TrackingResult {
    let list = sdcommands.unwrap_or("shutdown.default");
    for cmd in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let status = if cmd == "shutdown.default" {
            driver.shutdown(now, state)
        } else {
            match driver.instcmd(now, state, CallId::INTERNAL, cmd, None) {
                Answer::Done(status) => status,
                Answer::Pending | Answer::NoHandler => TrackingResult::Unknown,
            }
        };
        if status == TrackingResult::Handled {
            return TrackingResult::Handled;
        }
    }
    TrackingResult::Invalid
}
