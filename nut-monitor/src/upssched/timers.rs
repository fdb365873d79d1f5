//! The upssched daemon's timer table, sans-IO.
//!
//! [`Timers::handle_action`] applies one matched `AT` action for an event;
//! [`Timers::handle_timeout`] fires expired timers; both queue
//! [`Command`]s (run CMDSCRIPT with this argument and environment) for
//! [`Timers::poll_command`]. [`Timers::poll_timeout`] is the next expiry.
//!
//! Differences from NUT 2.8.0, on purpose:
//! * a timer runs CMDSCRIPT with the UPSNAME/NOTIFYTYPE/NOTIFYMSG of the
//!   event(s) that started it; 2.8.0 uses those of whichever event forked
//!   the daemon (lab §3.3), later NUT does as we do;
//! * expiry is exact; NUT checks once a second, so its timers fire up to
//!   a second early.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::Action;

/// The event upssched was run for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    /// `NOTIFYTYPE`.
    pub notify_type: String,
    /// `UPSNAME`.
    pub ups: String,
    /// The message (`NOTIFYMSG`).
    pub message: String,
}

/// Run CMDSCRIPT with `argument`, and this environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Appended to CMDSCRIPT: the timer name or the `EXECUTE`/`CANCEL` command.
    pub argument: String,
    /// `NOTIFYTYPE` (comma-joined for a shared timer).
    pub notify_type: String,
    /// `UPSNAME` (comma-joined for a shared timer).
    pub ups: String,
    /// `NOTIFYMSG` (TAB-joined for a shared timer).
    pub message: String,
}

/// A running timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    /// Its name.
    pub name: String,
    /// When it fires.
    pub expires: Instant,
    /// Whether it was started by START-TIMER-SHARED.
    pub shared: bool,
    /// Types of the events merged into it.
    pub notify_types: Vec<String>,
    /// UPSes of those events.
    pub ups: Vec<String>,
    /// Their messages.
    pub messages: Vec<String>,
}

impl Timer {
    fn command(&self) -> Command {
        Command {
            argument: self.name.clone(),
            notify_type: self.notify_types.join(","),
            ups: self.ups.join(","),
            message: self.messages.join("\t"),
        }
    }
}

/// Most timers kept at once; a START beyond it is dropped (and reported
/// by [`Timers::handle_action`] returning `false`).
pub const MAX_TIMERS: usize = 4096;

/// Most events merged into one shared timer.
pub const MAX_SHARED_EVENTS: usize = 256;

/// The daemon's state.
#[derive(Debug, Clone, Default)]
pub struct Timers {
    timers: Vec<Timer>,
    out: VecDeque<Command>,
}

impl Timers {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Running timers, earliest first.
    pub fn timers(&self) -> &[Timer] {
        &self.timers
    }

    /// Whether no timer runs (the daemon may exit).
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    /// Applies an `AT` action for `event`. Returns `false` when a timer
    /// could not be started because [`MAX_TIMERS`] are running.
    pub fn handle_action(&mut self, now: Instant, action: &Action, event: &EventContext) -> bool {
        match action {
            Action::StartTimer { name, after } => self.start(now, name, *after, event, false),
            Action::StartTimerShared { name, after } => {
                if let Some(t) = self.timers.iter_mut().find(|t| t.shared && t.name == *name) {
                    if t.ups.len() < MAX_SHARED_EVENTS {
                        t.notify_types.push(event.notify_type.clone());
                        t.ups.push(event.ups.clone());
                        t.messages.push(event.message.clone());
                    }
                    true
                } else {
                    self.start(now, name, *after, event, true)
                }
            }
            Action::CancelTimer { name, otherwise } => {
                self.cancel(|t| t.name == *name, otherwise.as_deref(), event);
                true
            }
            Action::CancelTimerMatched { name, otherwise } => {
                self.cancel(
                    |t| t.name == *name && t.ups.contains(&event.ups),
                    otherwise.as_deref(),
                    event,
                );
                true
            }
            Action::Execute { command } => {
                self.run(command, event);
                true
            }
        }
    }

    fn start(
        &mut self,
        now: Instant,
        name: &str,
        after: Duration,
        event: &EventContext,
        shared: bool,
    ) -> bool {
        if self.timers.len() >= MAX_TIMERS {
            return false;
        }
        let timer = Timer {
            name: name.to_owned(),
            expires: now + after,
            shared,
            notify_types: vec![event.notify_type.clone()],
            ups: vec![event.ups.clone()],
            messages: vec![event.message.clone()],
        };
        // Keep the table sorted by expiry; equal times stay in start order.
        let at = self.timers.partition_point(|t| t.expires <= timer.expires);
        self.timers.insert(at, timer);
        true
    }

    fn cancel(
        &mut self,
        which: impl Fn(&Timer) -> bool,
        otherwise: Option<&str>,
        event: &EventContext,
    ) {
        let before = self.timers.len();
        self.timers.retain(|t| !which(t));
        if self.timers.len() == before
            && let Some(command) = otherwise
        {
            self.run(command, event);
        }
    }

    fn run(&mut self, command: &str, event: &EventContext) {
        self.out.push_back(Command {
            argument: command.to_owned(),
            notify_type: event.notify_type.clone(),
            ups: event.ups.clone(),
            message: event.message.clone(),
        });
    }

    /// Fires every timer due by `now`, in expiry order.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = self.timers.partition_point(|t| t.expires <= now);
        for t in self.timers.drain(..due) {
            self.out.push_back(t.command());
        }
    }

    /// The next command to run.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.out.pop_front()
    }

    /// When the next timer fires.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|t| t.expires)
    }
}
