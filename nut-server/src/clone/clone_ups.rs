//! The `clone` driver's logic, sans-IO (NUT's `clone.c`, 0.03 in 2.8.0).
//!
//! [`CloneUps`] mirrors another driver's variables from its socket and
//! adds a shutdown sequence of its own, for a UPS that can only switch
//! its whole output (or an outlet) on and off:
//!
//! * upstream `SETINFO`/`DELINFO` are copied, except `driver.*`,
//!   `battery.charge.low`, `battery.runtime.low`, `ups.delay.*` and
//!   `ups.timer.*`, which are the clone's own; enums, flags and commands
//!   of the upstream are not relayed. `DATAOK`/`DATASTALE` are relayed;
//! * `shutdown.return` and `shutdown.stayoff` start the `offdelay`
//!   countdown (when the outlet is on and none runs) and put `FSD` before
//!   the upstream status. When the countdown passes zero, the clone sends
//!   `INSTCMD <load.off>` upstream; after `shutdown.return` it then counts
//!   `ondelay` down while the upstream is on line (restarting while it is
//!   not) and sends `INSTCMD <load.on>`, dropping `FSD`;
//! * on battery with the outlet on, `battery.charge` below
//!   `battery.charge.low` (option `mincharge`, RW) or `battery.runtime`
//!   below `battery.runtime.low` (`minruntime`) starts `shutdown.return`
//!   by itself;
//! * `load.status` names an upstream variable that tells whether the
//!   outlet is on (`on`/`yes`) or off (`off`/`no`), read at each command.
//!
//! Timers count whole seconds as NUT's do: `ups.timer.shutdown` shows
//! `offdelay` minus the whole seconds elapsed, and the command fires once
//! it would go below zero (`offdelay` + 1 s after the command). The
//! caller wakes the core at [`CloneUps::poll_timeout`] so that it fires on
//! time, not at the next poll.
//!
//! Deliberate differences from NUT 2.8.0 (each a bug there):
//!
//! * when the upstream socket closes or the upstream falls silent for
//!   [`UPSTREAM_DEAD_AFTER`], the clone's data goes stale (NUT keeps
//!   serving the last data as fresh, and spins on the closed socket until
//!   its 15 s timer fires), and it reconnects at the next poll;
//! * an upstream that reports `DATASTALE` makes the clone stale but stays
//!   connected (NUT reconnects on every poll while it lasts, flashing
//!   `ups.status` to `WAIT`);
//! * an instant command without `load.status` configured works (NUT
//!   crashes on a null pointer);
//! * negative `offdelay`/`ondelay` count as 0;
//! * an upstream `DELINFO` of one of the clone's own variables is ignored.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use nut_proto::sock::DriverMessage;

use super::cfloat::{format_g, strtod};
use super::link::{Link, LinkAction, LinkEvent, LinkOutput};
use super::{CONNECT_FAILURE_LOG_INTERVAL, UPSTREAM_DEAD_AFTER, starts_with_ignore_case};
use crate::driver::{Settings, VarKind, VarTable};
use crate::runtime::log::{Level, LogRecord};
use crate::state::{DriverState, Flags, TrackingResult};

/// NUT's default `offdelay`, seconds.
pub const DEFAULT_OFFDELAY: i64 = 120;

/// NUT's default `ondelay`, seconds.
pub const DEFAULT_ONDELAY: i64 = 30;

/// The commands the clone offers.
pub const COMMANDS: [&str; 2] = ["shutdown.return", "shutdown.stayoff"];

/// `battery.charge.low`'s aux (the longest value accepted by SET).
const CHARGE_LOW_AUX: i64 = 3;

/// `battery.runtime.low`'s aux.
const RUNTIME_LOW_AUX: i64 = 4;

/// Longest wait [`CloneUps::poll_timeout`] asks for (about 68 years).
const MAX_TIMER_SECONDS: u64 = 1 << 31;

/// The status published before the upstream's arrives.
const WAIT_STATUS: &str = "WAIT";

/// clone's options (`-h`), in NUT's order and words.
pub fn vartab() -> VarTable {
    let mut table = VarTable::new();
    table
        .add(
            "offdelay",
            VarKind::Value,
            "Delay before outlet shutdown (seconds)",
        )
        .add(
            "ondelay",
            VarKind::Value,
            "Delay before outlet startup (seconds)",
        )
        .add(
            "mincharge",
            VarKind::Value,
            "Remaining battery level when UPS switches to LB (percent)",
        )
        .add(
            "minruntime",
            VarKind::Value,
            "Remaining battery runtime when UPS switches to LB (seconds)",
        )
        .add("load.off", VarKind::Value, "Command to switch off outlet")
        .add("load.on", VarKind::Value, "Command to switch on outlet")
        .add(
            "load.status",
            VarKind::Value,
            "Variable that indicates outlet is on/off",
        );
    table
}

/// What the clone takes from its configuration.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CloneOptions {
    /// `offdelay` (read with `strtol`).
    pub offdelay: i64,
    /// `ondelay` (read with `strtol`).
    pub ondelay: i64,
    /// `mincharge`: the initial `battery.charge.low`.
    pub mincharge: f64,
    /// `minruntime`: the initial `battery.runtime.low`.
    pub minruntime: f64,
    /// `load.off`: the upstream command that switches the outlet off.
    pub load_off: Option<String>,
    /// `load.on`: the upstream command that switches it on.
    pub load_on: Option<String>,
    /// `load.status`: the upstream variable that tells its state.
    pub load_status: Option<String>,
}

impl Default for CloneOptions {
    fn default() -> Self {
        Self {
            offdelay: DEFAULT_OFFDELAY,
            ondelay: DEFAULT_ONDELAY,
            mincharge: 0.0,
            minruntime: 0.0,
            load_off: None,
            load_on: None,
            load_status: None,
        }
    }
}

impl CloneOptions {
    /// The options as NUT reads them from the settings.
    pub fn from_settings(settings: &Settings) -> Self {
        let defaults = Self::default();
        let owned = |name: &str| settings.value(name).map(str::to_owned);
        Self {
            offdelay: settings
                .value("offdelay")
                .map_or(defaults.offdelay, nut_proto::cnum::strtol),
            ondelay: settings
                .value("ondelay")
                .map_or(defaults.ondelay, nut_proto::cnum::strtol),
            mincharge: settings.value("mincharge").map_or(0.0, strtod),
            minruntime: settings.value("minruntime").map_or(0.0, strtod),
            load_off: owned("load.off"),
            load_on: owned("load.on"),
            load_status: owned("load.status"),
        }
    }
}

/// An actual value and the clone's threshold for it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Threshold {
    actual: f64,
    low: f64,
}

/// The clone driver; see the module docs.
#[derive(Debug)]
pub struct CloneUps {
    socket: String,
    options: CloneOptions,
    link: Link,
    /// The upstream's `ups.status`, as last received.
    status: String,
    online: bool,
    outlet_on: bool,
    charge: Threshold,
    runtime: Threshold,
    /// When the `offdelay` countdown started.
    shutdown_since: Option<Instant>,
    /// When the `ondelay` countdown (re)started; while a shutdown is
    /// pending it only says that one will follow.
    start_since: Option<Instant>,
    last_failure_log: Option<Instant>,
    logs: VecDeque<LogRecord>,
}

impl CloneUps {
    /// A clone of the driver serving socket `socket` (the `port`, for
    /// messages).
    pub fn new(socket: &str, options: CloneOptions) -> Self {
        Self {
            socket: socket.to_owned(),
            charge: Threshold {
                actual: 0.0,
                low: options.mincharge,
            },
            runtime: Threshold {
                actual: 0.0,
                low: options.minruntime,
            },
            options,
            link: Link::new(UPSTREAM_DEAD_AFTER),
            status: WAIT_STATUS.to_owned(),
            online: true,
            outlet_on: true,
            shutdown_since: None,
            start_since: None,
            last_failure_log: None,
            logs: VecDeque::new(),
        }
    }

    /// Publishes the clone's own variables and commands and asks for the
    /// upstream connection (`upsdrv_initups`, `upsdrv_initinfo`).
    pub fn init(&mut self, now: Instant, state: &mut DriverState) {
        self.link.connect();
        for cmd in COMMANDS {
            state.add_cmd(cmd);
        }
        state.set_info("ups.delay.shutdown", &self.options.offdelay.to_string());
        state.set_info("ups.delay.start", &self.options.ondelay.to_string());
        self.publish_timers(now, state);
    }

    /// Whether the upstream connection is still being made, or made and
    /// its first dump not complete.
    pub fn settling(&self) -> bool {
        self.link.is_connecting() || (self.link.is_connected() && !self.link.dump_done())
    }

    /// The upstream's status as last received (`WAIT` before any).
    pub fn upstream_status(&self) -> &str {
        &self.status
    }

    /// Whether the clone believes the outlet is on.
    pub fn outlet_on(&self) -> bool {
        self.outlet_on
    }

    /// A report of the I/O adapter about the upstream connection.
    pub fn handle_link_event(&mut self, now: Instant, state: &mut DriverState, event: LinkEvent) {
        self.link.handle_event(now, event);
        self.drain_link(now, state);
    }

    /// One poll (`upsdrv_updateinfo`): keep-alive and reconnection, the
    /// timers, the low-battery check, `ups.timer.*`.
    pub fn handle_update(&mut self, now: Instant, state: &mut DriverState) {
        self.link.handle_timeout(now);
        self.drain_link(now, state);
        self.link.connect();
        if let Some(since) = self.shutdown_since {
            if remaining(self.offdelay(), since, now) < 0 {
                self.shutdown_since = None;
                self.outlet_on = false;
                if self.start_since.is_some() {
                    self.start_since = Some(now);
                }
                let command = self.options.load_off.clone();
                self.send_command(command.as_deref());
            }
        } else if let Some(since) = self.start_since {
            let since = if self.online {
                since
            } else {
                self.start_since = Some(now);
                now
            };
            if remaining(self.ondelay(), since, now) < 0 {
                self.start_since = None;
                self.outlet_on = true;
                let command = self.options.load_on.clone();
                self.send_command(command.as_deref());
                state.set_info("ups.status", &self.status);
            }
        } else if !self.online && self.outlet_on {
            if self.charge.actual < self.charge.low {
                self.log(Level::Info, "Battery charge low");
                self.instcmd(now, state, "shutdown.return", None);
            } else if self.runtime.actual < self.runtime.low {
                self.log(Level::Info, "Battery runtime low");
                self.instcmd(now, state, "shutdown.return", None);
            }
        }
        self.publish_timers(now, state);
    }

    /// `INSTCMD` (the clone's `instcmd`).
    pub fn instcmd(
        &mut self,
        now: Instant,
        state: &mut DriverState,
        cmd: &str,
        param: Option<&str>,
    ) -> TrackingResult {
        if let Some(value) = self
            .options
            .load_status
            .as_deref()
            .and_then(|var| state.get(var))
        {
            if value.eq_ignore_ascii_case("off") || value.eq_ignore_ascii_case("no") {
                self.outlet_on = false;
            }
            if value.eq_ignore_ascii_case("on") || value.eq_ignore_ascii_case("yes") {
                self.outlet_on = true;
            }
        }
        let stay_off = if cmd.eq_ignore_ascii_case("shutdown.return") {
            false
        } else if cmd.eq_ignore_ascii_case("shutdown.stayoff") {
            true
        } else {
            self.log(
                Level::Notice,
                format!(
                    "instcmd: unknown command [{cmd}] [{}]",
                    param.unwrap_or("(null)")
                ),
            );
            return TrackingResult::Unknown;
        };
        if self.outlet_on && self.shutdown_since.is_none() {
            self.shutdown_since = Some(now);
            state.set_info("ups.status", &format!("FSD {}", self.status));
        }
        self.start_since = (!stay_off).then_some(now);
        TrackingResult::Handled
    }

    /// `SET` (the clone's `setvar`): only the two thresholds.
    pub fn set_var(&mut self, state: &mut DriverState, var: &str, value: &str) -> TrackingResult {
        let threshold = if var.eq_ignore_ascii_case("battery.charge.low") {
            &mut self.charge
        } else if var.eq_ignore_ascii_case("battery.runtime.low") {
            &mut self.runtime
        } else {
            self.log(Level::Notice, format!("setvar: unknown variable [{var}]"));
            return TrackingResult::Unknown;
        };
        threshold.low = strtod(value);
        state.set_info(var, &format_g(threshold.low));
        TrackingResult::Handled
    }

    /// The next thing for the I/O adapter to do.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<LinkAction> {
        self.link.poll_action()
    }

    /// When the core wants [`CloneUps::handle_update`] called next, at the
    /// latest (a timer expiring, a keep-alive check).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let shutdown = self
            .shutdown_since
            .map(|since| fire_at(self.offdelay(), since));
        let start = match (self.shutdown_since, self.start_since) {
            (None, Some(since)) if self.online => Some(fire_at(self.ondelay(), since)),
            _ => None,
        };
        [shutdown, start, self.link.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Something to log.
    #[must_use]
    pub fn poll_log(&mut self) -> Option<LogRecord> {
        self.logs.pop_front()
    }

    fn offdelay(&self) -> i64 {
        self.options.offdelay.max(0)
    }

    fn ondelay(&self) -> i64 {
        self.options.ondelay.max(0)
    }

    fn publish_timers(&self, now: Instant, state: &mut DriverState) {
        let shutdown = self
            .shutdown_since
            .map_or(-1, |since| remaining(self.offdelay(), since, now));
        let start = match (self.shutdown_since, self.start_since) {
            (_, None) => -1,
            (Some(_), Some(_)) => self.ondelay(),
            (None, Some(since)) => remaining(self.ondelay(), since, now),
        };
        state.set_info("ups.timer.shutdown", &shutdown.to_string());
        state.set_info("ups.timer.start", &start.to_string());
    }

    fn send_command(&mut self, command: Option<&str>) {
        let Some(command) = command else {
            return;
        };
        if !self
            .link
            .send_raw(format!("INSTCMD {command}\n").into_bytes())
        {
            self.log(
                Level::Notice,
                format!("Send to UPS [{}] failed: not connected", self.socket),
            );
        }
    }

    fn drain_link(&mut self, now: Instant, state: &mut DriverState) {
        while let Some(output) = self.link.poll_output() {
            match output {
                LinkOutput::Connected => {
                    state.set_info("ups.status", WAIT_STATUS);
                    self.last_failure_log = None;
                    self.log(Level::Info, format!("Connected to UPS [{}]", self.socket));
                }
                LinkOutput::ConnectFailed(why) => {
                    state.data_stale();
                    let quiet = self.last_failure_log.is_some_and(|at| {
                        now.saturating_duration_since(at) < CONNECT_FAILURE_LOG_INTERVAL
                    });
                    if !quiet {
                        self.last_failure_log = Some(now);
                        self.log(
                            Level::Error,
                            format!("Can't connect to UPS [{}]: {why}", self.socket),
                        );
                    }
                }
                LinkOutput::Lost(why) => {
                    state.data_stale();
                    self.log(
                        Level::Warning,
                        format!("Lost the connection to UPS [{}]: {why}", self.socket),
                    );
                }
                LinkOutput::Message(message) => self.apply(now, state, message),
            }
        }
    }

    /// One upstream line (`parse_args`).
    fn apply(&mut self, now: Instant, state: &mut DriverState, message: DriverMessage) {
        match message {
            DriverMessage::DataStale => state.data_stale(),
            DriverMessage::DataOk => state.data_ok(),
            DriverMessage::DelInfo { var } if !is_own(&var) => {
                state.del_info(&var);
            }
            DriverMessage::SetInfo { var, value } if !is_own(&var) => {
                if var.eq_ignore_ascii_case("ups.status") {
                    self.online = value.contains("OL");
                    self.status.clone_from(&value);
                    let pending = self
                        .shutdown_since
                        .is_some_and(|since| remaining(self.offdelay(), since, now) > 0);
                    if pending {
                        state.set_info("ups.status", &format!("FSD {value}"));
                        return;
                    }
                }
                if var.eq_ignore_ascii_case("battery.charge") {
                    self.charge.actual = strtod(&value);
                    publish_threshold(state, "battery.charge.low", self.charge.low, CHARGE_LOW_AUX);
                }
                if var.eq_ignore_ascii_case("battery.runtime") {
                    self.runtime.actual = strtod(&value);
                    publish_threshold(
                        state,
                        "battery.runtime.low",
                        self.runtime.low,
                        RUNTIME_LOW_AUX,
                    );
                }
                state.set_info(&var, &value);
            }
            _ => {}
        }
    }

    fn log(&mut self, level: Level, message: impl Into<String>) {
        self.logs.push_back(LogRecord::new(level, message));
    }
}

/// Whether an upstream variable is one the clone keeps for itself.
fn is_own(var: &str) -> bool {
    starts_with_ignore_case(var, "driver.")
        || var.eq_ignore_ascii_case("battery.charge.low")
        || var.eq_ignore_ascii_case("battery.runtime.low")
        || starts_with_ignore_case(var, "ups.delay.")
        || starts_with_ignore_case(var, "ups.timer.")
}

fn publish_threshold(state: &mut DriverState, var: &str, low: f64, aux: i64) {
    state.set_info(var, &format_g(low));
    state.set_flags(var, Flags::RW | Flags::STRING);
    state.set_aux(var, aux);
}

/// A countdown of `delay` seconds started at `since`, as NUT shows it at
/// `now`: `delay` less the whole seconds elapsed (negative once over).
fn remaining(delay: i64, since: Instant, now: Instant) -> i64 {
    let elapsed = i64::try_from(now.saturating_duration_since(since).as_secs()).unwrap_or(i64::MAX);
    delay.saturating_sub(elapsed)
}

/// When a countdown of `delay` seconds started at `since` goes below zero
/// (delays past [`MAX_TIMER_SECONDS`] wake up then and keep waiting).
fn fire_at(delay: i64, since: Instant) -> Instant {
    let seconds = u64::try_from(delay.saturating_add(1))
        .unwrap_or(0)
        .min(MAX_TIMER_SECONDS);
    since
        .checked_add(Duration::from_secs(seconds))
        .unwrap_or(since + Duration::from_secs(1))
}

#[cfg(test)]
#[path = "clone_ups_tests.rs"]
mod tests;
