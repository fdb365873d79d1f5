//! failover's options, with NUT's names, defaults, ranges and messages.
//!
//! A value that is not an integer, or out of its range, is replaced by the
//! default and logged (NUT's `str_arg_to_int`), not fatal.

use std::time::Duration;

use crate::driver::{Settings, VarKind, VarTable};
use crate::runtime::log::{Level, LogRecord};

/// Default `inittime`, seconds.
pub const DEFAULT_INITTIME: i32 = 30;
/// Default `deadtime`, seconds.
pub const DEFAULT_DEADTIME: i32 = 30;
/// Default `relogtime`, seconds.
pub const DEFAULT_RELOGTIME: i32 = 5;
/// Default `noprimarytime`, seconds.
pub const DEFAULT_NOPRIMARYTIME: i32 = 15;
/// Default `maxconnfails`.
pub const DEFAULT_MAXCONNFAILS: i32 = 5;
/// Default `coolofftime`, seconds.
pub const DEFAULT_COOLOFFTIME: i32 = 15;
/// Default `fsdmode`.
pub const DEFAULT_FSDMODE: i32 = 0;
/// Default `checkruntime`.
pub const DEFAULT_CHECKRUNTIME: i32 = 0;
/// Default `strictfiltering`.
pub const DEFAULT_STRICTFILTERING: i32 = 0;

/// What failover does once no primary has been found for `noprimarytime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FsdMode {
    /// 0: keep the last primary's data and declare it stale.
    KeepStale,
    /// 1: demote the primary, raise `ALARM`, and declare the data stale
    /// [`super::ALARM_PROPAGATION`] later.
    AlarmStale,
    /// 2: demote the primary, raise `ALARM` and set `FSD`.
    AlarmFsd,
}

/// Which runtime figures break ties between candidates that are not fully
/// on line (`checkruntime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeCheck {
    /// 0: none (the order in `port` decides).
    Off,
    /// 1: the longer `battery.runtime`.
    Runtime,
    /// 2: the longer `battery.runtime.low`.
    RuntimeLow,
    /// 3: both longer.
    Both,
}

/// The `status_*` filters (comma-separated token lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusFilters {
    /// `status_have_any`: one of these present qualifies.
    pub have_any: Vec<String>,
    /// `status_have_all`: all of these must be present.
    pub have_all: Vec<String>,
    /// `status_nothave_any`: one of these present disqualifies.
    pub nothave_any: Vec<String>,
    /// `status_nothave_all`: all of these present disqualifies.
    pub nothave_all: Vec<String>,
}

impl StatusFilters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.have_any.is_empty()
            && self.have_all.is_empty()
            && self.nothave_any.is_empty()
            && self.nothave_all.is_empty()
    }

    /// Whether `status` passes, in NUT's order: `nothave_any`, `have_all`,
    /// `nothave_all`, `have_any`. No status, or no filter, never passes.
    pub fn passes(&self, status: Option<&str>) -> bool {
        let Some(status) = status.filter(|s| !s.is_empty()) else {
            return false;
        };
        if self.is_empty() {
            return false;
        }
        let has = |token: &String| status.split_ascii_whitespace().any(|t| t == token);
        if self.nothave_any.iter().any(has) {
            return false;
        }
        if !self.have_all.iter().all(has) {
            return false;
        }
        if !self.nothave_all.is_empty() && self.nothave_all.iter().all(has) {
            return false;
        }
        self.have_any.is_empty() || self.have_any.iter().any(has)
    }
}

/// failover's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailoverOptions {
    /// The upstream sockets, in `port` order (the tie-break order).
    pub sockets: Vec<String>,
    /// `inittime`: how long no primary is fine after start.
    pub inittime: Duration,
    /// `deadtime`: silence after which an upstream is dead.
    pub deadtime: Duration,
    /// `relogtime`: how long repeated connection failures stay unlogged.
    pub relogtime: Duration,
    /// `noprimarytime`: how long without a primary before `fsdmode`.
    pub noprimarytime: Duration,
    /// `maxconnfails`: failed connections before `coolofftime`.
    pub maxconnfails: u32,
    /// `coolofftime`: how long connections are not retried then.
    pub coolofftime: Duration,
    /// `fsdmode`.
    pub fsdmode: FsdMode,
    /// `checkruntime`.
    pub checkruntime: RuntimeCheck,
    /// `strictfiltering`: only the filters qualify.
    pub strictfiltering: bool,
    /// The `status_*` filters.
    pub filters: StatusFilters,
}

impl Default for FailoverOptions {
    fn default() -> Self {
        let secs = |s: i32| Duration::from_secs(u64::try_from(s).unwrap_or(0));
        Self {
            sockets: Vec::new(),
            inittime: secs(DEFAULT_INITTIME),
            deadtime: secs(DEFAULT_DEADTIME),
            relogtime: secs(DEFAULT_RELOGTIME),
            noprimarytime: secs(DEFAULT_NOPRIMARYTIME),
            maxconnfails: u32::try_from(DEFAULT_MAXCONNFAILS).unwrap_or(0),
            coolofftime: secs(DEFAULT_COOLOFFTIME),
            fsdmode: FsdMode::KeepStale,
            checkruntime: RuntimeCheck::Off,
            strictfiltering: false,
            filters: StatusFilters::default(),
        }
    }
}

impl FailoverOptions {
    /// Reads `port` and the options; returns them with the messages NUT
    /// logs for values it replaced by defaults.
    pub fn from_settings(settings: &Settings) -> (Self, Vec<LogRecord>) {
        let mut logs = Vec::new();
        let mut int = |name: &str, default: i32, min: i32, max: i32| {
            int_option(name, settings.value(name), default, min, max, &mut logs)
        };
        let secs = |s: i32| Duration::from_secs(u64::try_from(s).unwrap_or(0));
        let inittime = secs(int("inittime", DEFAULT_INITTIME, 0, i32::MAX));
        let deadtime = secs(int("deadtime", DEFAULT_DEADTIME, 0, i32::MAX));
        let relogtime = secs(int("relogtime", DEFAULT_RELOGTIME, 0, i32::MAX));
        let noprimarytime = secs(int("noprimarytime", DEFAULT_NOPRIMARYTIME, 0, i32::MAX));
        let maxconnfails =
            u32::try_from(int("maxconnfails", DEFAULT_MAXCONNFAILS, 0, i32::MAX)).unwrap_or(0);
        let coolofftime = secs(int("coolofftime", DEFAULT_COOLOFFTIME, 0, i32::MAX));
        let fsdmode = match int("fsdmode", DEFAULT_FSDMODE, 0, 2) {
            1 => FsdMode::AlarmStale,
            2 => FsdMode::AlarmFsd,
            _ => FsdMode::KeepStale,
        };
        let checkruntime = match int("checkruntime", DEFAULT_CHECKRUNTIME, 0, 3) {
            1 => RuntimeCheck::Runtime,
            2 => RuntimeCheck::RuntimeLow,
            3 => RuntimeCheck::Both,
            _ => RuntimeCheck::Off,
        };
        let strictfiltering = int("strictfiltering", DEFAULT_STRICTFILTERING, 0, 1) == 1;
        let list = |name: &str| csv(settings.value(name).unwrap_or_default());
        let options = Self {
            sockets: csv(settings.port.as_deref().unwrap_or_default()),
            inittime,
            deadtime,
            relogtime,
            noprimarytime,
            maxconnfails,
            coolofftime,
            fsdmode,
            checkruntime,
            strictfiltering,
            filters: StatusFilters {
                have_any: list("status_have_any"),
                have_all: list("status_have_all"),
                nothave_any: list("status_nothave_any"),
                nothave_all: list("status_nothave_all"),
            },
        };
        (options, logs)
    }
}

/// A comma-separated list, entries trimmed, empty ones dropped.
pub fn csv(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

/// NUT's `str_arg_to_int`: the value if it is an integer in
/// `min..=max`, else the default (logged).
fn int_option(
    name: &str,
    value: Option<&str>,
    default: i32,
    min: i32,
    max: i32,
    logs: &mut Vec<LogRecord>,
) -> i32 {
    let Some(text) = value else {
        return default;
    };
    match text.trim().parse::<i32>() {
        Ok(number) if (min..=max).contains(&number) => number,
        Ok(number) => {
            logs.push(LogRecord::new(
                Level::Error,
                format!(
                    "str_arg_to_int: '{name}' value [{number}] out of range [{min}..{max}], \
                     set to the default '{name}' value of [{default}] instead"
                ),
            ));
            default
        }
        Err(_) => {
            logs.push(LogRecord::new(
                Level::Error,
                format!(
                    "str_arg_to_int: invalid '{name}' of [{text}] from configuration, \
                     set to the default '{name}' value of [{default}] instead"
                ),
            ));
            default
        }
    }
}

/// failover's options (`-h`), in NUT's order and words.
pub fn vartab() -> VarTable {
    let mut table = VarTable::new();
    let value = VarKind::Value;
    table
        .add(
            "inittime",
            value,
            &format!(
                "Grace period in seconds during which no primaries found are acceptable \
                 (for driver startup) (default: {DEFAULT_INITTIME})"
            ),
        )
        .add(
            "deadtime",
            value,
            &format!(
                "Grace period in seconds after which a non-responsive UPS driver is \
                 considered dead (default: {DEFAULT_DEADTIME})"
            ),
        )
        .add(
            "relogtime",
            value,
            &format!(
                "Grace period in seconds until connection failures are logged again \
                 (to reduce spamming logs) (default: {DEFAULT_RELOGTIME})"
            ),
        )
        .add(
            "noprimarytime",
            value,
            &format!(
                "Grace period in seconds until 'fsdmode' is entered into after not finding \
                 any primaries (default: {DEFAULT_NOPRIMARYTIME})"
            ),
        )
        .add(
            "maxconnfails",
            value,
            &format!(
                "Maximum amount of failures connecting to a driver until 'coolofftime' is \
                 entered into (default: {DEFAULT_MAXCONNFAILS})"
            ),
        )
        .add(
            "coolofftime",
            value,
            &format!(
                "Period in seconds during which driver connections are not retried after \
                 exceeding 'maxconnfails' (default: {DEFAULT_COOLOFFTIME})"
            ),
        )
        .add(
            "fsdmode",
            value,
            &format!(
                "Sets no primary behavior (0: last primary data + stale, 1: no data + alarm + \
                 stale, 2: no data + fsd + alarm) (default: {DEFAULT_FSDMODE})"
            ),
        )
        .add(
            "checkruntime",
            value,
            &format!(
                "Sets if runtime remaining variables should resolve ties for non-OL priorities \
                 3 and lower (0: disabled, 1: runtime, 2: runtime low, 3: both) \
                 (default: {DEFAULT_CHECKRUNTIME})"
            ),
        )
        .add(
            "strictfiltering",
            value,
            &format!(
                "Sets if only the given status filters should be considered for UPS driver \
                 to be electable as primary (default: {DEFAULT_STRICTFILTERING})"
            ),
        )
        .add(
            "status_have_any",
            value,
            "Comma separated list of status tokens, any present qualifies the UPS driver \
             for primary (default: unset)",
        )
        .add(
            "status_have_all",
            value,
            "Comma separated list of status tokens, only all present qualifies the UPS \
             driver for primary (default: unset)",
        )
        .add(
            "status_nothave_any",
            value,
            "Comma separated list of status tokens, any present disqualifies the UPS driver \
             for primary (default: unset)",
        )
        .add(
            "status_nothave_all",
            value,
            "Comma separated list of status tokens, only all present disqualifies the UPS \
             driver for primary (default: unset)",
        );
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UpsConf;
    use crate::runtime::program::DriverConfig;
    use crate::state::DriverState;
    use std::path::Path;

    fn settings(lines: &str) -> Settings {
        let text = format!("[f]\ndriver = failover\nport = a-b\n{lines}");
        let conf = UpsConf::parse(Path::new("ups.conf"), text.as_bytes()).expect("parses");
        let config = DriverConfig::from_conf(&conf, Path::new("ups.conf"), "f").expect("section");
        config
            .apply(&mut DriverState::new(), "failover", &vartab(), true)
            .expect("applies")
    }

    #[test]
    fn defaults_are_nuts() {
        let (options, logs) = FailoverOptions::from_settings(&settings(""));
        assert!(logs.is_empty());
        assert_eq!(options.sockets, ["a-b"]);
        assert_eq!(options.inittime, Duration::from_secs(30));
        assert_eq!(options.deadtime, Duration::from_secs(30));
        assert_eq!(options.relogtime, Duration::from_secs(5));
        assert_eq!(options.noprimarytime, Duration::from_secs(15));
        assert_eq!(options.maxconnfails, 5);
        assert_eq!(options.coolofftime, Duration::from_secs(15));
        assert_eq!(options.fsdmode, FsdMode::KeepStale);
        assert_eq!(options.checkruntime, RuntimeCheck::Off);
        assert!(!options.strictfiltering);
        assert!(options.filters.is_empty());
    }

    #[test]
    fn values_are_read_and_bad_ones_replaced_with_a_message() {
        let (options, logs) = FailoverOptions::from_settings(&settings(concat!(
            "port = \" a-b , c-d,,e-f \"\ninittime = 0\ndeadtime = 9\nfsdmode = 2\n",
            "checkruntime = 4\nstrictfiltering = yes\nstatus_have_any = \"OL, CHRG\"\n",
            "status_nothave_all = OB,LB\n"
        )));
        assert_eq!(options.sockets, ["a-b", "c-d", "e-f"]);
        assert_eq!(options.inittime, Duration::ZERO);
        assert_eq!(options.deadtime, Duration::from_secs(9));
        assert_eq!(options.fsdmode, FsdMode::AlarmFsd);
        assert_eq!(options.checkruntime, RuntimeCheck::Off);
        assert!(!options.strictfiltering);
        assert_eq!(options.filters.have_any, ["OL", "CHRG"]);
        assert_eq!(options.filters.nothave_all, ["OB", "LB"]);
        let messages: Vec<_> = logs.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "str_arg_to_int: 'checkruntime' value [4] out of range [0..3], set to the \
                 default 'checkruntime' value of [0] instead",
                "str_arg_to_int: invalid 'strictfiltering' of [yes] from configuration, set \
                 to the default 'strictfiltering' value of [0] instead",
            ]
        );
    }

    #[test]
    fn ranges_hold_at_their_limits() {
        let (options, logs) = FailoverOptions::from_settings(&settings("fsdmode = 2\n"));
        assert_eq!((options.fsdmode, logs.len()), (FsdMode::AlarmFsd, 0));
        let (options, logs) = FailoverOptions::from_settings(&settings("fsdmode = 3\n"));
        assert_eq!((options.fsdmode, logs.len()), (FsdMode::KeepStale, 1));
        let (options, logs) = FailoverOptions::from_settings(&settings("deadtime = -1\n"));
        assert_eq!((options.deadtime, logs.len()), (Duration::from_secs(30), 1));
    }

    #[test]
    fn filters_apply_in_nuts_order() {
        let filters = StatusFilters {
            have_any: vec!["OL".into(), "CHRG".into()],
            have_all: vec!["BYPASS".into()],
            nothave_any: vec!["OFF".into()],
            nothave_all: vec!["OB".into(), "LB".into()],
        };
        assert!(filters.passes(Some("OL BYPASS")));
        assert!(!filters.passes(Some("OL")), "have_all missing");
        assert!(!filters.passes(Some("OL BYPASS OFF")), "nothave_any");
        assert!(!filters.passes(Some("OB LB BYPASS CHRG")), "nothave_all");
        assert!(filters.passes(Some("OB BYPASS CHRG")));
        assert!(!filters.passes(Some("BYPASS")), "have_any none");
        assert!(!filters.passes(Some("")));
        assert!(!filters.passes(None));
        assert!(!StatusFilters::default().passes(Some("OL")));
        // Tokens match whole and with case.
        let only = StatusFilters {
            have_any: vec!["OL".into()],
            ..StatusFilters::default()
        };
        assert!(!only.passes(Some("OLX ol")));
    }
}
