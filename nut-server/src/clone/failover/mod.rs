//! The `failover` driver's logic, sans-IO (NUT's `failover.c`, new in NUT
//! 2.8.3; there is no 2.8.0 counterpart to compare with).
//!
//! [`Failover`] tracks several upstream drivers' sockets (`port =
//! drv1-ups1,drv2-ups2,...`), elects a *primary* among them at every poll
//! and presents the primary's variables, commands and status as its own.
//!
//! Election (NUT's priorities, lower wins; ties go to the earlier socket
//! in `port`, or with `checkruntime` to the longer runtime among
//! candidates of priority 3 and 4):
//!
//! * only upstreams that are connected and have answered `DUMPALL`
//!   completely are candidates; `<socket>.force.ignore [s]` excludes one
//!   (for `s` seconds, or for good when negative, 0 resets);
//! * 0: forced by `<socket>.force.primary [s]`; 1: passes the `status_*`
//!   filters; 2: fresh data and `OL`; 3: fresh data; 4: the rest. With
//!   `strictfiltering`, only 0 and 1 count.
//!
//! Without a candidate: during `inittime` after start, `ups.status` stays
//! `WAIT`; later, after `noprimarytime`, `fsdmode` decides: 0 keeps the
//! last primary's data and declares it stale, 1 clears it, raises
//! `ALARM` and declares it stale [`ALARM_PROPAGATION`] later, 2 clears it
//! and raises `ALARM` and `FSD`.
//!
//! Connections: an upstream silent for `deadtime` is dead (`PING` after a
//! third of it); a failed connection is retried at the next poll, except
//! after more than `maxconnfails` failures in a row, which pause retries
//! for `coolofftime`; failures are logged at most every `relogtime`.
//!
//! SET and INSTCMD go to the primary if it has the variable or command
//! (`upstream.` removed from the name), with a tracking id, and its answer
//! is ours; no primary means FAILED, an unknown name UNKNOWN, no answer
//! within [`FORWARD_TIMEOUT`] FAILED.
//!
//! Differences from NUT's failover: requests are forwarded over the
//! connection failover already holds rather than a new one per request
//! (a NUT 2.8.0 driver crashes when a client leaves, see the lab notes),
//! and without blocking the driver; the primary's state is exported by
//! difference rather than wiped and rewritten on each change of primary;
//! `driver.primary.*` is published in the poll that elects, not the next;
//! the fsdmode alarm is set afresh each poll rather than appended again.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use nut_proto::sock::{ClientMessage, DriverMessage};

use super::link::{LinkAction, LinkEvent, LinkOutput};
use crate::runtime::log::{Level, LogRecord};
use crate::runtime::{Answer, CallId};
use crate::state::{DriverState, TrackingResult};

pub mod export;
pub mod options;
pub mod upstream;

pub use options::{FailoverOptions, FsdMode, RuntimeCheck, StatusFilters, vartab};
pub use upstream::{Override, Priority, Upstream};

/// How long fsdmode 1 keeps the data fresh after raising `ALARM`, so
/// that every client sees the alarm before the data goes stale.
pub const ALARM_PROPAGATION: Duration = Duration::from_secs(15);

/// How long a forwarded SET or INSTCMD may wait for the primary's answer.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(3);

/// The alarm raised by fsdmode 1 and 2.
pub const NO_PRIMARY_ALARM: &str = "No suitable primaries for failover";

/// A forwarded request waiting for the upstream's `TRACKING` answer.
#[derive(Debug, Clone, Copy)]
struct Pending {
    call: CallId,
    upstream: usize,
    deadline: Instant,
}

/// The failover driver; see the module docs.
#[derive(Debug)]
pub struct Failover {
    options: FailoverOptions,
    upstreams: Vec<Upstream>,
    primary: Option<usize>,
    started: Instant,
    init_elapsed: bool,
    primaries_gone: bool,
    gone_since: Option<Instant>,
    candidates: usize,
    tracking_prefix: String,
    next_tracking: u64,
    pending: BTreeMap<String, Pending>,
    answers: VecDeque<(CallId, TrackingResult)>,
    logs: VecDeque<LogRecord>,
}

impl Failover {
    /// A failover over `options.sockets`. Tracking ids of forwarded
    /// requests start with `tracking_prefix` (make it unique, e.g. a
    /// UUID).
    pub fn new(options: FailoverOptions, tracking_prefix: &str, now: Instant) -> Self {
        let upstreams = options
            .sockets
            .iter()
            .map(|name| Upstream::new(name, options.deadtime))
            .collect();
        Self {
            options,
            upstreams,
            primary: None,
            started: now,
            init_elapsed: false,
            primaries_gone: false,
            gone_since: None,
            candidates: 0,
            tracking_prefix: tracking_prefix.to_owned(),
            next_tracking: 0,
            pending: BTreeMap::new(),
            answers: VecDeque::new(),
            logs: VecDeque::new(),
        }
    }

    /// The tracked upstreams, in `port` order.
    pub fn upstreams(&self) -> &[Upstream] {
        &self.upstreams
    }

    /// The elected primary's index.
    pub fn primary(&self) -> Option<usize> {
        self.primary
    }

    /// Connects to every upstream and publishes the start-up state
    /// (`upsdrv_initinfo`): the `force.*` commands, `ups.status` `WAIT`,
    /// fresh data.
    pub fn init(&mut self, now: Instant, state: &mut DriverState) {
        self.started = now;
        for upstream in &mut self.upstreams {
            upstream.link.connect();
            state.add_cmd(&format!("{}.force.ignore", upstream.name));
            state.add_cmd(&format!("{}.force.primary", upstream.name));
        }
        state.status_init();
        state.status_set("WAIT");
        state.status_commit();
        self.publish_stats(state);
        state.data_ok();
    }

    /// A report of the I/O adapter about upstream `index`.
    pub fn handle_link_event(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        index: usize,
        event: LinkEvent,
    ) {
        let Some(upstream) = self.upstreams.get_mut(index) else {
            return;
        };
        upstream.link.handle_event(now, event);
        self.drain_link(now, state, index);
    }

    /// One poll (`upsdrv_updateinfo`): connections, election, export.
    pub fn handle_update(&mut self, now: Instant, state: &mut DriverState) {
        self.expire_forwards(now);
        self.handle_connections(now, state);
        let candidate = self.elect(now);
        if self.handle_init_time(now, candidate, state) {
            self.publish_stats(state);
            return;
        }
        let Some(candidate) = candidate else {
            self.handle_no_primaries(now, state);
            self.publish_stats(state);
            return;
        };
        if self.primaries_gone {
            if Some(candidate) == self.primary {
                self.log(
                    Level::Notice,
                    format!(
                        "upsdrv_updateinfo: [{}] was declared to be a suitable primary (again)",
                        self.upstreams[candidate].name
                    ),
                );
            }
            self.primaries_gone = false;
            self.gone_since = None;
        }
        if self.primary == Some(candidate) {
            export::export(state, &self.upstreams[candidate].snapshot);
        } else {
            self.promote(candidate, state);
        }
        if self.upstreams[candidate].data_ok {
            state.data_ok();
        } else {
            state.data_stale();
        }
        self.publish_stats(state);
    }

    /// `INSTCMD`: the `force.*` commands, else forwarded to the primary.
    pub fn instcmd(
        &mut self,
        now: Instant,
        call: CallId,
        cmd: &str,
        param: Option<&str>,
    ) -> Answer {
        for index in 0..self.upstreams.len() {
            let name = &self.upstreams[index].name;
            let which = if *cmd == format!("{name}.force.ignore") {
                "force_ignore"
            } else if *cmd == format!("{name}.force.primary") {
                "force_primary"
            } else {
                continue;
            };
            let name = name.clone();
            let value = match param {
                None => 0,
                Some(text) => match text.trim().parse::<i32>() {
                    Ok(value) => value,
                    Err(_) => {
                        self.log(
                            Level::Warning,
                            format!(
                                "instcmd: conversion failed setting [{which}] to [{text}] on [{name}]"
                            ),
                        );
                        return Answer::Done(TrackingResult::ConversionFailed);
                    }
                },
            };
            let setting = Override::from_value(value, now);
            let upstream = &mut self.upstreams[index];
            if which == "force_ignore" {
                upstream.force_ignore = setting;
            } else {
                upstream.force_primary = setting;
            }
            self.log(
                Level::Notice,
                format!("instcmd: set [{which}] to [{value}] on [{name}]"),
            );
            return Answer::Done(TrackingResult::Handled);
        }
        let shown = param.unwrap_or("(null)");
        let Some(primary) = self.primary else {
            self.log(
                Level::Warning,
                format!(
                    "instcmd: received [{cmd}] [{shown}], but there is currently no elected \
                     primary able to handle it"
                ),
            );
            return Answer::Done(TrackingResult::Failed);
        };
        if !self.upstreams[primary].snapshot.has_command(cmd) {
            self.log(
                Level::Warning,
                format!(
                    "instcmd: received [{cmd}] [{shown}], but it is not among the primary's \
                     supported commands"
                ),
            );
            return Answer::Done(TrackingResult::Unknown);
        }
        let tracking = self.tracking_id();
        let message = ClientMessage::InstCmd {
            cmd: upstream::upstream_name(cmd).to_owned(),
            param: param.map(str::to_owned),
            tracking: Some(tracking.clone()),
        };
        self.forward(now, call, primary, tracking, &message)
    }

    /// `SET`: forwarded to the primary if it has the variable.
    pub fn set_var(&mut self, now: Instant, call: CallId, var: &str, value: &str) -> Answer {
        let Some(primary) = self.primary else {
            self.log(
                Level::Warning,
                format!(
                    "setvar: received [{var}] [{value}], but there is currently no elected \
                     primary able to handle it"
                ),
            );
            return Answer::Done(TrackingResult::Failed);
        };
        if self.upstreams[primary].snapshot.get(var).is_none() {
            self.log(
                Level::Warning,
                format!(
                    "setvar: received [{var}] [{value}], but it is not among the primary's \
                     supported variables"
                ),
            );
            return Answer::Done(TrackingResult::Unknown);
        }
        let tracking = self.tracking_id();
        let message = ClientMessage::Set {
            var: upstream::upstream_name(var).to_owned(),
            value: value.to_owned(),
            tracking: Some(tracking.clone()),
        };
        self.forward(now, call, primary, tracking, &message)
    }

    /// The next I/O for upstream connections: `(upstream index, action)`.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<(usize, LinkAction)> {
        self.upstreams
            .iter_mut()
            .enumerate()
            .find_map(|(index, upstream)| upstream.link.poll_action().map(|a| (index, a)))
    }

    /// The answer to a forwarded request.
    #[must_use]
    pub fn poll_answer(&mut self) -> Option<(CallId, TrackingResult)> {
        self.answers.pop_front()
    }

    /// When the core wants [`Failover::handle_update`] called next, at the
    /// latest (keep-alive checks, forward deadlines).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let links = self.upstreams.iter().filter_map(|u| u.link.poll_timeout());
        let forwards = self.pending.values().map(|p| p.deadline);
        links.chain(forwards).min()
    }

    /// Something to log.
    #[must_use]
    pub fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }

    fn tracking_id(&mut self) -> String {
        self.next_tracking += 1;
        format!("{}-{}", self.tracking_prefix, self.next_tracking)
    }

    fn forward(
        &mut self,
        now: Instant,
        call: CallId,
        index: usize,
        tracking: String,
        message: &ClientMessage,
    ) -> Answer {
        if !self.upstreams[index].link.send(message) {
            self.log(
                Level::Warning,
                format!(
                    "forward: [{}]: not connected, can't send [{message}]",
                    self.upstreams[index].name
                ),
            );
            return Answer::Done(TrackingResult::Failed);
        }
        self.pending.insert(
            tracking,
            Pending {
                call,
                upstream: index,
                deadline: now + FORWARD_TIMEOUT,
            },
        );
        Answer::Pending
    }

    fn expire_forwards(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| now >= p.deadline)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(pending) = self.pending.remove(&id) {
                self.log(
                    Level::Warning,
                    format!(
                        "forward: [{}]: no answer within {} seconds",
                        self.upstreams[pending.upstream].name,
                        FORWARD_TIMEOUT.as_secs()
                    ),
                );
                self.answers
                    .push_back((pending.call, TrackingResult::Failed));
            }
        }
    }

    fn fail_forwards_of(&mut self, index: usize) {
        let lost: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.upstream == index)
            .map(|(id, _)| id.clone())
            .collect();
        for id in lost {
            if let Some(pending) = self.pending.remove(&id) {
                self.answers
                    .push_back((pending.call, TrackingResult::Failed));
            }
        }
    }

    /// `handle_connections`: reconnect the dead (outside cool-off), check
    /// the living.
    fn handle_connections(&mut self, now: Instant, state: &mut DriverState) {
        for index in 0..self.upstreams.len() {
            let upstream = &mut self.upstreams[index];
            if upstream.alive() {
                upstream.link.handle_timeout(now);
            } else if !upstream.link.is_connecting() {
                let cooling = upstream.failures > self.options.maxconnfails
                    && upstream.last_failure.is_some_and(|at| {
                        now.saturating_duration_since(at) <= self.options.coolofftime
                    });
                if !cooling {
                    upstream.link.connect();
                }
            }
            self.drain_link(now, state, index);
        }
    }

    fn drain_link(&mut self, now: Instant, state: &mut DriverState, index: usize) {
        let was_dumped = self.upstreams[index].dumped;
        let mut changed = false;
        while let Some(output) = self.upstreams[index].link.poll_output() {
            let upstream = &mut self.upstreams[index];
            match output {
                LinkOutput::Connected => {
                    upstream.reset_for_connection();
                    let message = format!(
                        "ups_connect: [{}]: connection is now established",
                        upstream.name
                    );
                    self.log(Level::Notice, message);
                }
                LinkOutput::ConnectFailed(why) => {
                    let quiet = upstream.last_failure.is_some_and(|at| {
                        now.saturating_duration_since(at) <= self.options.relogtime
                    });
                    upstream.failures = upstream.failures.saturating_add(1);
                    upstream.last_failure = Some(now);
                    if !quiet {
                        let message = format!(
                            "ups_connect: [{}]: failed to establish connection: {why}",
                            upstream.name
                        );
                        self.log(Level::Error, message);
                    }
                }
                LinkOutput::Lost(why) => {
                    upstream.clear_flags();
                    let message = format!(
                        "handle_connections: [{}]: connection to UPS driver was lost ({why})",
                        upstream.name
                    );
                    self.log(Level::Warning, message);
                    self.fail_forwards_of(index);
                }
                LinkOutput::Message(DriverMessage::Tracking { id, result }) => {
                    if let Some(pending) = self.pending.remove(&id) {
                        self.answers.push_back((pending.call, result));
                    }
                }
                LinkOutput::Message(message) => match upstream.apply(message) {
                    Ok(true) => changed = true,
                    Ok(false) => {}
                    Err(why) => {
                        let message = format!("[{}]: {why}", upstream.name);
                        self.log(Level::Debug(2), message);
                    }
                },
            }
        }
        // The primary's news reaches clients at once, not at the next poll;
        // a dump in progress (after a reconnection) waits for its end.
        let upstream = &self.upstreams[index];
        if upstream.dumped
            && (changed || !was_dumped)
            && self.primary == Some(index)
            && !self.primaries_gone
        {
            export::export(state, &upstream.snapshot);
        }
    }

    /// `get_primary_candidate`: the best candidate; records every
    /// upstream's priority and the number of candidates.
    fn elect(&mut self, now: Instant) -> Option<usize> {
        let mut best: Option<(usize, Priority)> = None;
        let mut candidates = 0;
        for index in 0..self.upstreams.len() {
            let upstream = &mut self.upstreams[index];
            let forced = upstream.force_primary.check(now);
            let ignored = upstream.force_ignore.check(now);
            let priority = if !(upstream.alive() && upstream.dumped) || ignored {
                None
            } else if forced {
                Some(Priority::Forced)
            } else if self.options.filters.passes(upstream.status.as_deref()) {
                Some(Priority::UserFilters)
            } else if self.options.strictfiltering {
                None
            } else if upstream.data_ok && upstream.online {
                Some(Priority::Good)
            } else if upstream.data_ok {
                Some(Priority::Weak)
            } else {
                Some(Priority::LastResort)
            };
            upstream.priority = priority;
            let Some(priority) = priority else {
                continue;
            };
            candidates += 1;
            best = match best {
                None => Some((index, priority)),
                Some((_, current)) if priority < current => Some((index, priority)),
                Some((chosen, current))
                    if priority == current
                        && priority >= Priority::Weak
                        && self.better_runtime(index, chosen) =>
                {
                    Some((index, priority))
                }
                keep => keep,
            };
        }
        self.candidates = candidates;
        best.map(|(index, _)| index)
    }

    /// `has_better_runtime` under `checkruntime`.
    fn better_runtime(&self, index: usize, best: usize) -> bool {
        let (a, b) = (&self.upstreams[index], &self.upstreams[best]);
        match self.options.checkruntime {
            RuntimeCheck::Off => false,
            RuntimeCheck::Runtime => a.runtime > b.runtime,
            RuntimeCheck::RuntimeLow => a.runtime_low > b.runtime_low,
            RuntimeCheck::Both => a.runtime > b.runtime && a.runtime_low > b.runtime_low,
        }
    }

    /// `handle_init_time`: true while still waiting for a first primary.
    fn handle_init_time(
        &mut self,
        now: Instant,
        candidate: Option<usize>,
        state: &mut DriverState,
    ) -> bool {
        if self.init_elapsed {
            return false;
        }
        let elapsed = now.saturating_duration_since(self.started);
        if candidate.is_none() && elapsed <= self.options.inittime {
            self.log(
                Level::Notice,
                format!(
                    "handle_init_time: still waiting for first primary to emerge... \
                     ({}s of {}s max), if this was too short for drivers to start, consider \
                     increasing 'inittime'",
                    elapsed.as_secs(),
                    self.options.inittime.as_secs()
                ),
            );
            state.data_ok();
            return true;
        }
        self.init_elapsed = true;
        false
    }

    /// `handle_no_primaries`: see `fsdmode` in the module docs.
    fn handle_no_primaries(&mut self, now: Instant, state: &mut DriverState) {
        let since = *self.gone_since.get_or_insert(now);
        if let Some(primary) = self.primary
            && self.options.fsdmode != FsdMode::KeepStale
        {
            self.demote(primary, state);
        }
        let elapsed = now.saturating_duration_since(since);
        let limit = self.options.noprimarytime;
        if elapsed <= limit {
            self.log(
                Level::Warning,
                format!(
                    "handle_no_primaries: No suitable primaries, waiting for one to emerge... \
                     ({}s of {}s max)",
                    elapsed.as_secs(),
                    limit.as_secs()
                ),
            );
            state.data_ok();
            return;
        }
        let first = !self.primaries_gone;
        if first {
            self.log(
                Level::Warning,
                "handle_no_primaries: none of the tracked UPS drivers are suitable primaries",
            );
        }
        match self.options.fsdmode {
            FsdMode::KeepStale => {
                if first {
                    self.log(
                        Level::Warning,
                        "handle_no_primaries: 'fsdmode' is [0]: keeping last primary and \
                         declaring data stale immediately",
                    );
                }
                state.data_stale();
            }
            FsdMode::AlarmStale => {
                if first {
                    self.log(
                        Level::Warning,
                        format!(
                            "handle_no_primaries: 'fsdmode' is [1]: demoting last primary, \
                             raising alarm, and declaring data stale after another {} seconds \
                             elapse to ensure full ALARM propagation",
                            ALARM_PROPAGATION.as_secs()
                        ),
                    );
                }
                raise_alarm(state, false);
                if elapsed < limit + ALARM_PROPAGATION {
                    state.data_ok();
                } else {
                    state.data_stale();
                }
            }
            FsdMode::AlarmFsd => {
                if first {
                    self.log(
                        Level::Warning,
                        "handle_no_primaries: 'fsdmode' is [2]: demoting last primary, raising \
                         alarm, and setting FSD",
                    );
                }
                raise_alarm(state, true);
                state.data_ok();
            }
        }
        self.primaries_gone = true;
    }

    fn promote(&mut self, index: usize, state: &mut DriverState) {
        if let Some(old) = self.primary {
            self.demote(old, state);
        }
        self.primary = Some(index);
        let upstream = &self.upstreams[index];
        let message = format!(
            "ups_promote_primary: [{}]: was promoted to primary with status [{}] and priority [{}]",
            upstream.name,
            upstream.status.as_deref().unwrap_or("(null)"),
            upstream.priority.map_or(-1, |p| i32::from(p.number()))
        );
        self.log(Level::Notice, message);
        export::export(state, &self.upstreams[index].snapshot);
    }

    fn demote(&mut self, index: usize, state: &mut DriverState) {
        self.primary = None;
        let upstream = &self.upstreams[index];
        let message = format!(
            "ups_demote_primary: [{}]: is no longer primary with (last known) status [{}] and \
             priority [{}]",
            upstream.name,
            upstream.status.as_deref().unwrap_or("(null)"),
            upstream.priority.map_or(-1, |p| i32::from(p.number()))
        );
        self.log(Level::Notice, message);
        export::clean(state);
    }

    /// `export_driver_state`: `driver.stats.*` and `driver.primary.*`.
    fn publish_stats(&self, state: &mut DriverState) {
        let alive = self.upstreams.iter().filter(|u| u.alive()).count();
        let online = self
            .upstreams
            .iter()
            .filter(|u| u.alive() && u.online)
            .count();
        state.set_info("driver.stats.alive_drivers", &alive.to_string());
        state.set_info("driver.stats.online_drivers", &online.to_string());
        state.set_info("driver.stats.primary_drivers", &self.candidates.to_string());
        state.set_info(
            "driver.stats.total_drivers",
            &self.upstreams.len().to_string(),
        );
        match self.primary.and_then(|i| self.upstreams.get(i)) {
            Some(primary) => {
                state.set_info("driver.primary.socketname", &primary.name);
                state.set_info(
                    "driver.primary.priority",
                    &primary
                        .priority
                        .map_or(-1, |p| i32::from(p.number()))
                        .to_string(),
                );
                state.set_info(
                    "driver.primary.stats.cmds",
                    &primary.snapshot.commands().count().to_string(),
                );
                state.set_info(
                    "driver.primary.stats.vars",
                    &primary.snapshot.len().to_string(),
                );
            }
            None => {
                for var in [
                    "driver.primary.socketname",
                    "driver.primary.priority",
                    "driver.primary.stats.cmds",
                    "driver.primary.stats.vars",
                ] {
                    state.del_info(var);
                }
            }
        }
    }

    fn log(&mut self, level: Level, message: impl Into<String>) {
        self.logs.push_back(LogRecord::new(level, message));
    }
}

/// The no-primary alarm (and `FSD`) on an otherwise empty status.
fn raise_alarm(state: &mut DriverState, fsd: bool) {
    state.status_init();
    if fsd {
        state.status_set("FSD");
    }
    state.alarm_init();
    state.alarm_set(NO_PRIMARY_ALARM);
    state.alarm_commit();
    state.status_commit();
}

#[cfg(test)]
mod tests;
