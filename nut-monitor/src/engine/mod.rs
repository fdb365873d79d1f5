//! upsmon's policy engine: a deterministic, sans-IO state machine.
//!
//! The engine never reads a clock, opens a socket or runs a program. The
//! runtime feeds it inputs (`handle_*`, each with `now`), drains its
//! [`Output`]s with [`Engine::poll_output`] and sleeps until
//! [`Engine::poll_timeout`], then calls [`Engine::handle_timeout`].
//!
//! A poll cycle (NUT's main loop) works like this: at the cycle time the
//! engine asks for [`Request::Status`] of every UPS; the runtime answers
//! each with [`Engine::handle_poll`]; when the last answer is in (or
//! [`REPLY_TIMEOUT`] has passed, which counts the missing ones as failed)
//! the engine judges the power situation (NUT `recalc`) and schedules the
//! next cycle after POLLFREQ, or POLLFREQALERT while any UPS is on
//! battery, OFF, on bypass, in alarm or overloaded (with OVERDURATION set),
//! or every gcd(POLLFREQALERT, OBLBDURATION) seconds while an OB+LB waits
//! out OBLBDURATION. The interval is computed from all UPSes each cycle;
//! NUT keeps one global value that the last UPS polled overwrites.
//!
//! # Clock jumps
//!
//! `now` must come from a monotonic clock. If a cycle starts more than
//! [`CLOCK_JUMP_TOLERANCE`] later than scheduled (the host slept, or the
//! process was stopped), the readings taken before the gap are stale:
//! NUT 2.8.0 then counts the whole gap against DEADTIME and HOSTSYNC, so a
//! UPS last seen on battery whose first poll after resume fails is
//! "dead, on battery" and shuts the host down at once. Like NUT 2.8.x
//! (`SUSPEND_TIMEJUMP_UNEXPECTED`), the engine treats such a gap as a
//! wake-up: it logs "Unexpected clock change", restarts the DEADTIME,
//! HOSTSYNC, OFFDURATION, OVERDURATION and OBLBDURATION timers from `now`,
//! and judges only on fresh polls. A real low battery is still acted on
//! at the first poll after the gap; a UPS that stays silent becomes
//! critical DEADTIME after it. [`Engine::handle_resume`] does the same
//! for an announced resume. A `now` earlier than a previous one is read as
//! no time having passed.
//!
//! ```no_run
//! use std::time::Instant;
//! use nut_monitor::{config, Engine, Output, PollResult, Request};
//!
//! # fn ask_upsd(_: &Request) -> PollResult { PollResult::status("OL") }
//! let parsed = config::parse(b"MONITOR ups@localhost 1 mon pass primary\n", "upsmon.conf")?;
//! let mut engine = Engine::new(parsed.config, Instant::now())?;
//! loop {
//!     while let Some(output) = engine.poll_output() {
//!         match output {
//!             Output::Send { ups, request: Request::Status } => {
//!                 let answer = ask_upsd(&Request::Status);
//!                 engine.handle_poll(Instant::now(), ups, answer);
//!             }
//!             Output::Exit => return Ok(()),
//!             other => println!("{other}"),
//!         }
//!     }
//!     let Some(deadline) = engine.poll_timeout() else { break };
//!     std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
//!     engine.handle_timeout(Instant::now());
//! }
//! # Ok::<(), nut_monitor::Error>(())
//! ```

mod io;
mod shutdown;
mod ups;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use io::{LogLevel, MAX_STATUS_LEN, Output, POWERDOWN_MAGIC, PollResult, Request, UpsId};
pub use shutdown::SYNC_POLL_PERIOD;

use crate::Error;
use crate::config::{Config, Role};
use crate::notify::{NotifyKind, truncate_at_boundary};
use shutdown::Phase;
use ups::{Sink, UpsState};

/// How long the engine waits for an answer to a [`Output::Send`] before
/// counting it as failed (NUT's `NET_TIMEOUT`).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A cycle that starts later than this past its time is a clock jump
/// (NUT: 5 s beyond the sleep).
pub const CLOCK_JUMP_TOLERANCE: Duration = Duration::from_secs(5);

/// Shortest poll interval the engine schedules, whatever the config says.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// NUT repeats NOPARENT at most this often.
const NOPARENT_PERIOD: Duration = Duration::from_secs(120);

/// An outstanding poll cycle.
#[derive(Debug, Clone)]
struct Cycle {
    pending: Vec<bool>,
    remaining: usize,
    deadline: Instant,
}

/// upsmon's policy (see the module docs).
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    ups: Vec<UpsState>,
    out: VecDeque<Output>,
    /// Creation time: stands in for "last good poll" of a UPS never heard from.
    start: Instant,
    next_cycle: Instant,
    cycle: Option<Cycle>,
    phase: Phase,
    last_parent_warn: Option<Instant>,
}

impl Engine {
    /// An engine that polls at once.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientPower`] when the power values cannot reach
    /// MINSUPPLIES (NUT refuses to start).
    pub fn new(config: Config, now: Instant) -> Result<Self, Error> {
        config.check_power()?;
        let ups = config.monitors.iter().map(UpsState::new).collect();
        Ok(Self {
            config,
            ups,
            out: VecDeque::new(),
            start: now,
            next_cycle: now,
            cycle: None,
            phase: Phase::Monitoring,
            last_parent_warn: None,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every monitored UPS, in `MONITOR` order.
    pub fn ups_ids(&self) -> impl Iterator<Item = UpsId> + use<> {
        (0..self.ups.len()).map(UpsId)
    }

    /// The UPS written `system` in `MONITOR`.
    pub fn ups_id(&self, system: &str) -> Option<UpsId> {
        self.ups.iter().position(|u| u.name == system).map(UpsId)
    }

    /// The `MONITOR` name of a UPS.
    pub fn ups_name(&self, ups: UpsId) -> Option<&str> {
        self.ups.get(ups.0).map(|u| u.name.as_str())
    }

    /// Whether the forced-shutdown sequence has started.
    pub fn is_shutting_down(&self) -> bool {
        self.phase != Phase::Monitoring
    }

    /// Whether [`Output::Exit`] has been emitted.
    pub fn has_exited(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Sum of the power values of the UPSes that are not critical as of
    /// `now` (what NUT compares with MINSUPPLIES).
    pub fn power_value(&self, now: Instant) -> u64 {
        self.ups
            .iter()
            .filter(|u| u.critical(now, &self.config).is_none())
            .map(|u| u64::from(u.power_value))
            .sum()
    }

    /// The next action for the runtime.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`Engine::handle_timeout`] must be called next; `None` after exit
    /// (or while lingering forever).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Monitoring => Some(self.cycle.as_ref().map_or(self.next_cycle, |c| c.deadline)),
            phase => phase.timeout(),
        }
    }

    /// Time has passed: start a poll cycle, give up on late answers, or
    /// move the shutdown sequence on. Calling it early does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase != Phase::Monitoring {
            self.shutdown_timeout(now);
            return;
        }
        match &self.cycle {
            Some(cycle) if now >= cycle.deadline => {
                let deadline = cycle.deadline;
                let pending: Vec<usize> = cycle
                    .pending
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| **p)
                    .map(|(i, _)| i)
                    .collect();
                self.check_clock_jump(now, deadline);
                for i in pending {
                    self.poll_failed(now, i, "no reply");
                }
                self.end_cycle(now);
            }
            Some(_) => {}
            None if now >= self.next_cycle => {
                self.check_clock_jump(now, self.next_cycle);
                self.start_cycle(now);
            }
            None => {}
        }
    }

    /// The answer to a [`Request::Status`] for `ups`. Answers that arrive
    /// outside a cycle are applied and judged at once; during the shutdown
    /// sequence they are ignored (NUT stops polling then).
    pub fn handle_poll(&mut self, now: Instant, ups: UpsId, result: PollResult) {
        if self.phase != Phase::Monitoring || ups.0 >= self.ups.len() {
            return;
        }
        match result {
            PollResult::Status {
                mut status,
                alarm,
                buzzwords,
            } if !status.trim().is_empty() => {
                // The variant can be built directly, so bound it here too.
                truncate_at_boundary(&mut status, MAX_STATUS_LEN);
                let mut sink = Sink {
                    config: &self.config,
                    out: &mut self.out,
                };
                self.ups[ups.0].handle_status(
                    now,
                    &status,
                    alarm.as_deref(),
                    buzzwords.as_deref(),
                    &mut sink,
                );
            }
            PollResult::Status { .. } => self.poll_failed(now, ups.0, "empty status"),
            PollResult::Failed(reason) => self.poll_failed(now, ups.0, &reason),
        }
        match &mut self.cycle {
            Some(cycle) => {
                if let Some(p) = cycle.pending.get_mut(ups.0)
                    && *p
                {
                    *p = false;
                    cycle.remaining -= 1;
                }
                if cycle.remaining == 0 {
                    self.end_cycle(now);
                }
            }
            None => self.recalc(now),
        }
    }

    /// The answer to [`Request::SetFsd`]: `Ok` when upsd said `OK…`.
    pub fn handle_fsd_ack(&mut self, now: Instant, ups: UpsId, result: Result<(), String>) {
        self.fsd_ack(now, ups, result);
    }

    /// The answer to [`Request::NumLogins`].
    pub fn handle_numlogins(&mut self, now: Instant, ups: UpsId, result: Result<u32, String>) {
        self.numlogins(now, ups, result);
    }

    /// `upsmon -c fsd` (SIGUSR1): shut down now, whatever the UPSes say.
    pub fn handle_user_fsd(&mut self, now: Instant) {
        if self.phase == Phase::Monitoring {
            self.log(LogLevel::Info, "User requested FSD".to_owned());
        }
        self.force_shutdown(now);
    }

    /// The OS is about to suspend.
    pub fn handle_suspend(&mut self, _now: Instant) {
        self.notify(NotifyKind::SuspendStarting, None);
    }

    /// The OS resumed: notify, forget timers measured across the sleep, and
    /// poll at once.
    pub fn handle_resume(&mut self, now: Instant) {
        self.notify(NotifyKind::SuspendFinished, None);
        self.forget_stale_timers(now);
        if self.phase == Phase::Monitoring && self.cycle.is_none() {
            self.next_cycle = now;
        }
    }

    /// `upsmon -c reload` (SIGHUP): take a re-read configuration.
    ///
    /// As in NUT, a UPS still listed keeps everything upsmon knows about it
    /// (its power value and role follow the new file), new ones start
    /// fresh, and dropped ones are forgotten ("No longer monitoring UPS").
    /// SHUTDOWNCMD and POWERDOWNFLAG keep their old values with a warning
    /// (the privileged parent cannot learn new ones). The current poll
    /// cycle is abandoned and a new one starts at once; [`UpsId`]s are
    /// renumbered, so the runtime must drop answers to earlier requests.
    /// Ignored once the shutdown sequence has started.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientPower`]: NUT exits then ("Impossible power
    /// configuration, unable to continue"); the engine keeps the old
    /// configuration and leaves that decision to the runtime.
    pub fn handle_reload(&mut self, now: Instant, mut config: Config) -> Result<(), Error> {
        if self.phase != Phase::Monitoring {
            return Ok(());
        }
        config.check_power()?;
        for (name, old, new) in [
            (
                "SHUTDOWNCMD",
                &self.config.shutdown_cmd,
                &mut config.shutdown_cmd,
            ),
            (
                "POWERDOWNFLAG",
                &self.config.powerdown_flag,
                &mut config.powerdown_flag,
            ),
        ] {
            if old != new {
                self.out.push_back(Output::Log {
                    level: LogLevel::Warning,
                    message: format!(
                        "Warning: {name} redefined in split-process mode! You must restart upsmon for this change to work"
                    ),
                });
                new.clone_from(old);
            }
        }
        let mut old: Vec<Option<UpsState>> = std::mem::take(&mut self.ups)
            .into_iter()
            .map(Some)
            .collect();
        for entry in &config.monitors {
            let kept = old
                .iter_mut()
                .find(|u| u.as_ref().is_some_and(|u| u.name == entry.system))
                .and_then(Option::take);
            self.ups.push(match kept {
                Some(mut u) => {
                    u.power_value = entry.power_value;
                    u.primary = entry.role == Role::Primary;
                    u
                }
                None => UpsState::new(entry),
            });
        }
        for gone in old.into_iter().flatten() {
            self.log(
                LogLevel::Notice,
                format!("No longer monitoring UPS [{}]", gone.name),
            );
        }
        self.config = config;
        self.cycle = None;
        self.next_cycle = now;
        Ok(())
    }

    /// The privileged parent is gone: NOPARENT, at most every two minutes.
    pub fn handle_parent_died(&mut self, now: Instant) {
        if self
            .last_parent_warn
            .is_some_and(|t| now.saturating_duration_since(t) < NOPARENT_PERIOD)
        {
            return;
        }
        self.last_parent_warn = Some(now);
        self.notify(NotifyKind::NoParent, None);
        self.log(
            LogLevel::Alert,
            "Parent died - shutdown impossible".to_owned(),
        );
    }

    fn notify(&mut self, kind: NotifyKind, ups: Option<&str>) {
        let n = self.config.notify.render(kind, ups, None);
        self.out.push_back(Output::Notify(n));
    }

    fn log(&mut self, level: LogLevel, message: String) {
        self.out.push_back(Output::Log { level, message });
    }

    fn poll_failed(&mut self, now: Instant, index: usize, reason: &str) {
        let mut sink = Sink {
            config: &self.config,
            out: &mut self.out,
        };
        if let Some(u) = self.ups.get_mut(index) {
            u.handle_failure(now, self.start, reason, &mut sink);
        }
    }

    fn check_clock_jump(&mut self, now: Instant, expected: Instant) {
        let late = now.saturating_duration_since(expected);
        if late > CLOCK_JUMP_TOLERANCE {
            self.log(
                LogLevel::Warning,
                format!(
                    "Unexpected clock change by {} sec, treating as wake up from sleep",
                    late.as_secs()
                ),
            );
            self.forget_stale_timers(now);
        }
    }

    fn forget_stale_timers(&mut self, now: Instant) {
        self.start = now;
        for u in &mut self.ups {
            u.forget_stale_timers(now);
        }
    }

    fn start_cycle(&mut self, now: Instant) {
        if self.ups.is_empty() {
            self.end_cycle(now);
            return;
        }
        self.cycle = Some(Cycle {
            pending: vec![true; self.ups.len()],
            remaining: self.ups.len(),
            deadline: now + REPLY_TIMEOUT,
        });
        for i in 0..self.ups.len() {
            self.out.push_back(Output::Send {
                ups: UpsId(i),
                request: Request::Status,
            });
        }
    }

    fn end_cycle(&mut self, now: Instant) {
        self.cycle = None;
        self.recalc(now);
        if self.phase == Phase::Monitoring {
            self.next_cycle = now + self.poll_interval(now);
        }
    }

    /// NUT `recalc`: promote dead UPSes, add up the power of the
    /// non-critical ones, shut down below MINSUPPLIES.
    fn recalc(&mut self, now: Instant) {
        let mut promoted = Vec::new();
        for u in &mut self.ups {
            if u.promote_if_dead(now, &self.config) {
                promoted.push(u.name.clone());
            }
        }
        for name in promoted {
            self.log(LogLevel::Debug, format!("Promoting dead UPS: {name}"));
        }
        let mut power = 0u64;
        let mut critical = Vec::new();
        for u in &self.ups {
            match u.critical(now, &self.config) {
                Some(reason) => critical.push(format!("UPS [{}] is critical: {reason}", u.name)),
                None => power += u64::from(u.power_value),
            }
        }
        let min = u64::from(self.config.min_supplies);
        if power < min {
            for line in critical {
                self.log(LogLevel::Warning, line);
            }
            self.log(
                LogLevel::Warning,
                format!("Power value {power} is below MINSUPPLIES {min}"),
            );
            self.force_shutdown(now);
        }
    }

    fn poll_interval(&self, now: Instant) -> Duration {
        let c = &self.config;
        let alert = self.ups.iter().any(|u| u.alert(c));
        let mut interval = if alert {
            c.poll_freq_alert
        } else {
            c.poll_freq
        };
        if self.ups.iter().any(|u| u.oblb_pending(now, c)) {
            let g = gcd(c.poll_freq_alert.as_secs(), c.oblb_duration.as_secs());
            interval = Duration::from_secs(g);
        }
        interval.max(MIN_POLL_INTERVAL)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests;
