//! One monitored UPS: what upsmon remembers about it, how a poll changes
//! that (and which notifications it raises), and whether the UPS is
//! critical (NUT `parse_status`, `ups_is_gone`, `is_ups_critical`).

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use super::io::{LogLevel, Output};
use crate::config::{Config, MonitorEntry, Role};
use crate::notify::NotifyKind;

/// NUT's `commstate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comm {
    /// Never polled (-1): the first good poll is silent.
    Unknown,
    /// Last poll worked (1).
    Up,
    /// Last poll failed (0).
    Down,
}

/// NUT's `linestate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Never seen OL or OB (-1): the first OL is silent.
    Unknown,
    /// Seen OB since the last OL (0).
    Battery,
    /// On line (1).
    Mains,
}

/// The status flags upsmon tracks (NUT `ST_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Flags {
    pub(crate) online: bool,
    pub(crate) onbatt: bool,
    pub(crate) lowbatt: bool,
    pub(crate) fsd: bool,
    pub(crate) cal: bool,
    pub(crate) off: bool,
    pub(crate) bypass: bool,
    pub(crate) alarm: bool,
    pub(crate) over: bool,
    pub(crate) trim: bool,
    pub(crate) boost: bool,
    pub(crate) eco: bool,
}

impl Flags {
    /// NUT's `update_crittimer` test: not (OB and LB), or calibrating.
    fn non_critical(self) -> bool {
        !(self.onbatt && self.lowbatt) || self.cal
    }
}

/// Why a UPS counts as critical (for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Fsd,
    LostWhileCal,
    LostWhileBypass,
    LostWhileOff,
    LostWhileOverloaded,
    LostWhileAlarm,
    Off,
    LowBattery,
    GaveUpOnPrimary,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fsd => "forced shutdown (FSD) is set",
            Self::LostWhileCal => "was last known to be calibrating and is not communicating",
            Self::LostWhileBypass => "was last known to be on BYPASS and is not communicating",
            Self::LostWhileOff => "was last known to be OFF and is not communicating",
            Self::LostWhileOverloaded => "was last known to be overloaded and is not communicating",
            Self::LostWhileAlarm => "was last known to be in ALARM and is not communicating",
            Self::Off => "is administratively OFF for longer than OFFDURATION",
            Self::LowBattery => "is on battery with a low battery",
            Self::GaveUpOnPrimary => {
                "is on battery with a low battery and the primary did not set FSD within HOSTSYNC"
            }
        })
    }
}

/// Known tokens that change nothing (NUT accepts them silently).
const SILENT_TOKENS: [&str; 3] = ["HB", "CHRG", "DISCHRG"];

/// Sub-strings of the buzzwords that mean "ECO mode", as NUT intends them
/// (see [`UpsState::handle_status`] for the NUT bug this avoids).
const ECO_BUZZWORDS: [&str; 4] = [":ECO", ":ESS", ":HE", ":SMART"];

/// Failure-log throttling state (`POLLFAIL_LOG_THROTTLE_MAX`).
#[derive(Debug, Clone, Default)]
struct FailLog {
    reason: Option<String>,
    count: u32,
}

/// Everything upsmon keeps about one UPS (NUT `utype_t`).
#[derive(Debug, Clone)]
pub(crate) struct UpsState {
    pub(crate) name: String,
    pub(crate) power_value: u32,
    pub(crate) primary: bool,
    pub(crate) comm: Comm,
    line: Line,
    pub(crate) flags: Flags,
    /// Unclassified tokens of the last good poll, space-joined.
    other: Option<String>,
    /// `ups.alarm` text last notified (per UPS: NUT shares one buffer,
    /// which misfires with several alarming UPSes).
    alarm_text: String,
    /// NUT `lastpoll`: last good poll.
    pub(crate) last_good: Option<Instant>,
    /// NUT `lastnoncrit`.
    pub(crate) last_noncrit: Option<Instant>,
    last_rb_warn: Option<Instant>,
    last_nocomm_warn: Option<Instant>,
    off_since: Option<Instant>,
    off_state: bool,
    over_since: Option<Instant>,
    /// When OB and LB both became true (for OBLBDURATION).
    oblb_since: Option<Instant>,
    fail_log: FailLog,
}

/// Where notifications and log lines go.
pub(crate) struct Sink<'a> {
    pub(crate) config: &'a Config,
    pub(crate) out: &'a mut VecDeque<Output>,
}

impl Sink<'_> {
    pub(crate) fn notify(&mut self, kind: NotifyKind, ups: Option<&str>, detail: Option<&str>) {
        let n = self.config.notify.render(kind, ups, detail);
        self.out.push_back(Output::Notify(n));
    }

    pub(crate) fn log(&mut self, level: LogLevel, message: String) {
        self.out.push_back(Output::Log { level, message });
    }
}

/// Time since `since`, to the nearest second. NUT stamps its events with
/// `time()` and compares whole seconds; polls come at whole-second
/// intervals plus a few milliseconds of jitter, so comparing exact
/// durations would decide a `> DEADTIME` or `> NOCOMMWARNTIME` one poll
/// earlier than NUT whenever a poll runs late (seen against the real
/// upsmon: NOCOMM repeated at 2.003 s with NOCOMMWARNTIME 2).
fn elapsed(now: Instant, since: Instant) -> Duration {
    let exact = now.saturating_duration_since(since);
    Duration::from_secs((exact + Duration::from_millis(500)).as_secs())
}

impl UpsState {
    pub(crate) fn new(entry: &MonitorEntry) -> Self {
        Self {
            name: entry.system.clone(),
            power_value: entry.power_value,
            primary: entry.role == Role::Primary,
            comm: Comm::Unknown,
            line: Line::Unknown,
            flags: Flags::default(),
            other: None,
            alarm_text: String::new(),
            last_good: None,
            last_noncrit: None,
            last_rb_warn: None,
            last_nocomm_warn: None,
            off_since: None,
            off_state: false,
            over_since: None,
            oblb_since: None,
            fail_log: FailLog::default(),
        }
    }

    fn notify(&self, sink: &mut Sink<'_>, kind: NotifyKind) {
        sink.notify(kind, Some(&self.name), None);
    }

    /// A failed or empty poll (NUT `ups_is_gone`). `start` stands in for
    /// the last good poll of a UPS never heard from.
    pub(crate) fn handle_failure(
        &mut self,
        now: Instant,
        start: Instant,
        reason: &str,
        sink: &mut Sink<'_>,
    ) {
        self.log_failure(reason, sink);
        if self.comm != Comm::Down {
            self.comm = Comm::Down;
            self.notify(sink, NotifyKind::CommBad);
            return;
        }
        let warn = sink.config.nocomm_warn_time;
        if elapsed(now, self.last_good.unwrap_or(start)) < warn {
            return;
        }
        if self.last_nocomm_warn.is_none_or(|t| elapsed(now, t) > warn) {
            self.notify(sink, NotifyKind::NoComm);
            self.last_nocomm_warn = Some(now);
        }
    }

    fn log_failure(&mut self, reason: &str, sink: &mut Sink<'_>) {
        let message = format!("Poll UPS [{}] failed - {reason}", self.name);
        let throttle = sink.config.pollfail_log_throttle_max;
        let same = self.fail_log.reason.as_deref() == Some(reason);
        let level = match throttle {
            None => LogLevel::Error,
            Some(_) if !same => {
                self.fail_log = FailLog {
                    reason: Some(reason.to_owned()),
                    count: 0,
                };
                LogLevel::Error
            }
            Some(0) => LogLevel::Debug,
            Some(max) => {
                self.fail_log.count += 1;
                if self.fail_log.count >= max {
                    self.fail_log.count = 0;
                    LogLevel::Error
                } else {
                    LogLevel::Debug
                }
            }
        };
        sink.log(level, message);
    }

    /// A good poll (NUT `ups_is_alive` + `parse_status`).
    ///
    /// Tokens are matched without regard to case, as NUT's `strcasecmp`.
    /// Departures from NUT, on purpose:
    /// * a flag disappears when its token is gone, not when its text is no
    ///   longer a substring of the status (NUT's `strstr` keeps LB set while
    ///   an unrelated token such as `BLB` is present);
    /// * ECO from the buzzwords needs one of [`ECO_BUZZWORDS`]; NUT's test
    ///   is inverted and raises ECO for any non-empty buzzwords;
    /// * CAL is cleared (with NOTCAL) when its token goes, as in NUT 2.8.1+.
    ///   NUT 2.8.0 never clears it: every later OB+LB of that UPS counts as
    ///   "calibrating" and the host never shuts down, even after a return
    ///   to line power in between (a missed shutdown; pinned by the oracle
    ///   scenario `calibration_exemption`).
    pub(crate) fn handle_status(
        &mut self,
        now: Instant,
        status: &str,
        alarm: Option<&str>,
        buzzwords: Option<&str>,
        sink: &mut Sink<'_>,
    ) {
        self.last_good = Some(now);
        self.fail_log = FailLog::default();
        match self.comm {
            Comm::Up => {}
            Comm::Down => self.notify(sink, NotifyKind::CommOk),
            Comm::Unknown => {}
        }
        self.comm = Comm::Up;

        let tokens: Vec<(String, &str)> = status
            .split_ascii_whitespace()
            .map(|t| (t.to_ascii_uppercase(), t))
            .collect();
        let has = |name: &str| tokens.iter().any(|(t, _)| t == name);
        let unknown: Vec<&str> = tokens
            .iter()
            .filter(|(t, _)| !is_known(t))
            .map(|(_, raw)| *raw)
            .collect();
        let eco_words = buzzwords.is_some_and(|b| ECO_BUZZWORDS.iter().any(|w| b.contains(w)));

        // Disappearing flags first, as NUT does before walking the tokens.
        if !has("LB") {
            self.flags.lowbatt = false;
        }
        if !has("FSD") {
            self.flags.fsd = false;
        }
        if !has("CAL") && self.flags.cal {
            self.flags.cal = false;
            self.notify(sink, NotifyKind::NotCal);
        }
        if !has("OFF") {
            self.off_since = None;
            self.off_state = false;
            if self.flags.off {
                self.flags.off = false;
                self.notify(sink, NotifyKind::NotOff);
            }
        }
        if !has("BYPASS") && self.flags.bypass {
            self.flags.bypass = false;
            self.notify(sink, NotifyKind::NotBypass);
        }
        if !has("ALARM") && self.flags.alarm {
            self.flags.alarm = false;
            self.alarm_text.clear();
            self.notify(sink, NotifyKind::NotAlarm);
        }
        if !has("OVER") && self.flags.over {
            self.flags.over = false;
            self.over_since = None;
            self.notify(sink, NotifyKind::NotOver);
        }
        if !has("TRIM") && self.flags.trim {
            self.flags.trim = false;
            self.notify(sink, NotifyKind::NotTrim);
        }
        if !has("BOOST") && self.flags.boost {
            self.flags.boost = false;
            self.notify(sink, NotifyKind::NotBoost);
        }
        if !has("ECO") && !eco_words && self.flags.eco {
            self.flags.eco = false;
            self.notify(sink, NotifyKind::NotEco);
        }
        if unknown.is_empty() && self.other.take().is_some() {
            self.notify(sink, NotifyKind::NotOther);
        }

        for (token, _) in &tokens {
            self.token(now, token, alarm, sink);
            self.update_crit_timer(now);
        }
        if tokens.is_empty() {
            self.update_crit_timer(now);
        }
        if eco_words && !self.flags.eco {
            self.flags.eco = true;
            self.notify(sink, NotifyKind::Eco);
        }
        if !unknown.is_empty() {
            let list = unknown.join(" ");
            if self.other.as_deref() != Some(list.as_str()) {
                sink.notify(NotifyKind::Other, Some(&self.name), Some(&list));
                self.other = Some(list);
            }
        }
        self.track_oblb(now);
    }

    /// One status word (already upper-cased). Each flag notifies only on
    /// its rising edge; RB repeats every RBWARNTIME, ALARM on new text.
    fn token(&mut self, now: Instant, token: &str, alarm: Option<&str>, sink: &mut Sink<'_>) {
        let f = &mut self.flags;
        let kind = match token {
            "OL" if !f.online => {
                f.online = true;
                f.onbatt = false;
                let first = self.line == Line::Unknown;
                self.line = Line::Mains;
                // The first OL after start is silent.
                (!first).then_some(NotifyKind::Online)
            }
            "OB" if !f.onbatt => {
                f.onbatt = true;
                f.online = false;
                self.line = Line::Battery;
                Some(NotifyKind::OnBatt)
            }
            "LB" if !f.lowbatt => {
                f.lowbatt = true;
                Some(NotifyKind::LowBatt)
            }
            "RB" if self
                .last_rb_warn
                .is_none_or(|t| elapsed(now, t) > sink.config.rb_warn_time) =>
            {
                self.last_rb_warn = Some(now);
                Some(NotifyKind::ReplBatt)
            }
            "CAL" if !f.cal => {
                f.cal = true;
                Some(NotifyKind::Cal)
            }
            "OFF" => {
                self.off(now, sink);
                None
            }
            "BYPASS" if !f.bypass => {
                f.bypass = true;
                Some(NotifyKind::Bypass)
            }
            "ALARM" if !f.alarm || self.alarm_text != alarm.unwrap_or("") => {
                f.alarm = true;
                alarm.unwrap_or("").clone_into(&mut self.alarm_text);
                sink.notify(NotifyKind::Alarm, Some(&self.name), Some(&self.alarm_text));
                None
            }
            "OVER" if !f.over => {
                f.over = true;
                self.over_since = Some(now);
                Some(NotifyKind::Over)
            }
            "TRIM" if !f.trim => {
                f.trim = true;
                Some(NotifyKind::Trim)
            }
            "BOOST" if !f.boost => {
                f.boost = true;
                Some(NotifyKind::Boost)
            }
            "ECO" if !f.eco => {
                f.eco = true;
                Some(NotifyKind::Eco)
            }
            "FSD" if !f.fsd => {
                f.fsd = true;
                Some(NotifyKind::Fsd)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            self.notify(sink, kind);
        }
    }

    /// NUT `ups_is_off`: OFF counts as a lost feed once it has lasted
    /// longer than OFFDURATION (at once for 0, never for negative).
    fn off(&mut self, now: Instant, sink: &mut Sink<'_>) {
        let limit = sink.config.off_duration;
        if self.flags.off {
            let since = *self.off_since.get_or_insert(now);
            if let Some(limit) = limit
                && !limit.is_zero()
                && elapsed(now, since) > limit
                && !self.off_state
            {
                self.off_state = true;
                sink.log(
                    LogLevel::Warning,
                    format!(
                        "{} is in state OFF for {} sec, assuming the line is not fed (if it is calibrating etc., check the upsmon 'OFFDURATION' option)",
                        self.name,
                        elapsed(now, since).as_secs()
                    ),
                );
            }
            return;
        }
        self.off_since = Some(now);
        if limit == Some(Duration::ZERO) {
            self.off_state = true;
        }
        self.notify(sink, NotifyKind::Off);
        self.flags.off = true;
    }

    /// NUT `update_crittimer`.
    fn update_crit_timer(&mut self, now: Instant) {
        if self.flags.non_critical() {
            self.last_noncrit = Some(now);
        }
    }

    fn track_oblb(&mut self, now: Instant) {
        if self.flags.onbatt && self.flags.lowbatt {
            self.oblb_since.get_or_insert(now);
        } else {
            self.oblb_since = None;
        }
    }

    /// DEADTIME: a UPS silent for longer than DEADTIME that was last on
    /// battery is taken to be on a low battery too. Returns whether it
    /// promoted.
    pub(crate) fn promote_if_dead(&mut self, now: Instant, config: &Config) -> bool {
        let dead = self
            .last_good
            .is_none_or(|t| elapsed(now, t) > config.dead_time);
        if dead && self.flags.onbatt && !self.flags.lowbatt {
            self.flags.lowbatt = true;
            self.track_oblb(now);
            return true;
        }
        false
    }

    /// NUT `is_ups_critical` (§16.4), as of `now`.
    pub(crate) fn critical(&self, now: Instant, config: &Config) -> Option<Reason> {
        let f = self.flags;
        if f.fsd {
            return Some(Reason::Fsd);
        }
        if self.comm == Comm::Down {
            if f.cal {
                return Some(Reason::LostWhileCal);
            }
            if f.bypass {
                return Some(Reason::LostWhileBypass);
            }
            if f.off && config.off_duration.is_some() {
                return Some(Reason::LostWhileOff);
            }
            if f.over
                && let (Some(limit), Some(since)) = (config.over_duration, self.over_since)
                && elapsed(now, since) >= limit
            {
                return Some(Reason::LostWhileOverloaded);
            }
            if f.alarm && config.alarm_critical {
                return Some(Reason::LostWhileAlarm);
            }
        }
        if f.off && config.off_duration.is_some() && self.off_state {
            return Some(Reason::Off);
        }
        if !(f.onbatt && f.lowbatt) || f.cal {
            return None;
        }
        if self.oblb_pending(now, config) {
            return None;
        }
        if self.primary {
            return Some(Reason::LowBattery);
        }
        // A secondary waits up to HOSTSYNC for the primary to set FSD.
        let since = self.last_noncrit?;
        (elapsed(now, since) > config.host_sync).then_some(Reason::GaveUpOnPrimary)
    }

    /// OB+LB is set but has not lasted OBLBDURATION yet.
    pub(crate) fn oblb_pending(&self, now: Instant, config: &Config) -> bool {
        let f = self.flags;
        if !(f.onbatt && f.lowbatt) || f.cal || config.oblb_duration.is_zero() {
            return false;
        }
        self.oblb_since
            .is_none_or(|since| elapsed(now, since) < config.oblb_duration)
    }

    /// Whether this UPS calls for POLLFREQALERT.
    pub(crate) fn alert(&self, config: &Config) -> bool {
        let f = self.flags;
        f.onbatt || f.off || f.bypass || f.alarm || (f.over && config.over_duration.is_some())
    }

    /// After a suspend or a clock jump: timers measured across the gap
    /// say nothing about the UPS, so restart them from `now` (NUT 2.8.x
    /// "de-activating obsolete UPS readings").
    pub(crate) fn forget_stale_timers(&mut self, now: Instant) {
        if self.last_good.is_some() {
            self.last_good = Some(now);
        }
        self.last_noncrit = Some(now);
        for t in [
            &mut self.off_since,
            &mut self.over_since,
            &mut self.oblb_since,
        ] {
            if t.is_some() {
                *t = Some(now);
            }
        }
    }
}

/// Whether a (upper-cased) token is one upsmon classifies.
fn is_known(token: &str) -> bool {
    matches!(
        token,
        "OL" | "OB"
            | "LB"
            | "RB"
            | "CAL"
            | "OFF"
            | "BYPASS"
            | "ECO"
            | "ALARM"
            | "OVER"
            | "TRIM"
            | "BOOST"
            | "FSD"
    ) || SILENT_TOKENS.contains(&token)
}
