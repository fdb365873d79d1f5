//! One upstream driver as failover tracks it: its connection, a copy of
//! its state with failover's renaming, and what the election needs.
//!
//! Renaming, as NUT's failover does: upstream `driver.*` variables become
//! `upstream.driver.*` (the failover's own `driver.*` stay its own), and
//! every upstream instant command becomes `upstream.<cmd>`.

use std::time::{Duration, Instant};

use nut_proto::sock::{DriverMessage, Snapshot};

use super::super::link::Link;

/// The prefix of renamed variables and commands.
pub const UPSTREAM_PREFIX: &str = "upstream.";

/// An administrative override (`force.ignore`, `force.primary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Override {
    /// Not in force.
    Off,
    /// In force until reset (a negative value was given).
    Permanent,
    /// In force for `seconds` after `since`.
    For {
        /// When it was given.
        since: Instant,
        /// For how long.
        seconds: u32,
    },
}

impl Override {
    /// From a command's value: negative is permanent, 0 resets, positive
    /// lasts that many seconds.
    pub fn from_value(value: i32, now: Instant) -> Self {
        match u32::try_from(value) {
            Err(_) => Self::Permanent,
            Ok(0) => Self::Off,
            Ok(seconds) => Self::For {
                since: now,
                seconds,
            },
        }
    }

    /// Whether it is in force at `now`; one that ran out turns itself off
    /// (NUT: in force while the elapsed whole seconds are at most the
    /// value).
    pub fn check(&mut self, now: Instant) -> bool {
        match *self {
            Self::Off => false,
            Self::Permanent => true,
            Self::For { since, seconds } => {
                let elapsed = now.saturating_duration_since(since).as_secs();
                if elapsed > u64::from(seconds) {
                    *self = Self::Off;
                    false
                } else {
                    true
                }
            }
        }
    }

    /// The value NUT logs for it.
    pub fn value(self) -> i64 {
        match self {
            Self::Off => 0,
            Self::Permanent => -1,
            Self::For { seconds, .. } => i64::from(seconds),
        }
    }
}

/// An election priority (lower is better), NUT's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Priority {
    /// 0: forced by `force.primary`.
    Forced,
    /// 1: passed the `status_*` filters.
    UserFilters,
    /// 2: fresh data and on line.
    Good,
    /// 3: fresh data.
    Weak,
    /// 4: alive, data not fresh.
    LastResort,
}

impl Priority {
    /// NUT's number (`driver.primary.priority`).
    pub fn number(self) -> u8 {
        match self {
            Self::Forced => 0,
            Self::UserFilters => 1,
            Self::Good => 2,
            Self::Weak => 3,
            Self::LastResort => 4,
        }
    }
}

/// One tracked upstream driver.
#[derive(Debug)]
pub struct Upstream {
    /// Its socket name, as in `port`.
    pub name: String,
    /// The connection.
    pub link: Link,
    /// Its state, renamed (see the module docs).
    pub snapshot: Snapshot,
    /// Its `ups.status`, as last received.
    pub status: Option<String>,
    /// It answered `DUMPALL` completely (since the last connection).
    pub dumped: bool,
    /// Its last word was `DATAOK`.
    pub data_ok: bool,
    /// `OL` is in its status.
    pub online: bool,
    /// `battery.runtime`, or -1.
    pub runtime: i64,
    /// `battery.runtime.low`, or -1.
    pub runtime_low: i64,
    /// Failed connection attempts in a row.
    pub failures: u32,
    /// When the last attempt failed.
    pub last_failure: Option<Instant>,
    /// `<name>.force.ignore`.
    pub force_ignore: Override,
    /// `<name>.force.primary`.
    pub force_primary: Override,
    /// Its priority at the last election (`None`: not a candidate).
    pub priority: Option<Priority>,
}

impl Upstream {
    /// An upstream not yet connected; it is dead after `deadtime` of
    /// silence.
    pub fn new(name: &str, deadtime: Duration) -> Self {
        Self {
            name: name.to_owned(),
            link: Link::new(deadtime),
            snapshot: Snapshot::new(),
            status: None,
            dumped: false,
            data_ok: false,
            online: false,
            runtime: -1,
            runtime_low: -1,
            failures: 0,
            last_failure: None,
            force_ignore: Override::Off,
            force_primary: Override::Off,
            priority: None,
        }
    }

    /// Whether the connection is up (NUT's `UPS_FLAG_ALIVE`).
    pub fn alive(&self) -> bool {
        self.link.is_connected()
    }

    /// A new connection: the old state is dropped (NUT's `ups_connect`).
    pub fn reset_for_connection(&mut self) {
        self.snapshot = Snapshot::new();
        self.status = None;
        self.clear_flags();
        self.runtime = -1;
        self.runtime_low = -1;
        self.failures = 0;
        self.last_failure = None;
    }

    /// The connection is gone: the flags go, the last state stays.
    pub fn clear_flags(&mut self) {
        self.dumped = false;
        self.data_ok = false;
        self.online = false;
    }

    /// Applies one upstream message (NUT's `ups_parse_protocol`); returns
    /// whether the exported state may have changed, and the error when the
    /// message was refused for exceeding the snapshot's limits.
    pub fn apply(&mut self, message: DriverMessage) -> Result<bool, String> {
        let renamed = match message {
            DriverMessage::DumpDone => {
                self.dumped = true;
                return Ok(false);
            }
            DriverMessage::DataStale => {
                self.data_ok = false;
                return Ok(false);
            }
            DriverMessage::DataOk => {
                self.data_ok = true;
                return Ok(false);
            }
            DriverMessage::AddCmd { cmd } => DriverMessage::AddCmd {
                cmd: format!("{UPSTREAM_PREFIX}{cmd}"),
            },
            DriverMessage::DelCmd { cmd } => DriverMessage::DelCmd {
                cmd: format!("{UPSTREAM_PREFIX}{cmd}"),
            },
            DriverMessage::SetInfo { var, value } => {
                match var.as_str() {
                    "ups.status" => {
                        self.online = value.split_ascii_whitespace().any(|t| t == "OL");
                        self.status = Some(value.clone());
                    }
                    "battery.runtime" => self.runtime = int_or_unknown(&value),
                    "battery.runtime.low" => self.runtime_low = int_or_unknown(&value),
                    _ => {}
                }
                DriverMessage::SetInfo {
                    var: rename(var),
                    value,
                }
            }
            DriverMessage::DelInfo { var } => DriverMessage::DelInfo { var: rename(var) },
            DriverMessage::AddEnum { var, value } => DriverMessage::AddEnum {
                var: rename(var),
                value,
            },
            DriverMessage::DelEnum { var, value } => DriverMessage::DelEnum {
                var: rename(var),
                value,
            },
            DriverMessage::AddRange { var, min, max } => DriverMessage::AddRange {
                var: rename(var),
                min,
                max,
            },
            DriverMessage::DelRange { var, min, max } => DriverMessage::DelRange {
                var: rename(var),
                min,
                max,
            },
            DriverMessage::SetAux { var, aux } => DriverMessage::SetAux {
                var: rename(var),
                aux,
            },
            DriverMessage::SetFlags { var, flags } => DriverMessage::SetFlags {
                var: rename(var),
                flags,
            },
            _ => return Ok(false),
        };
        self.snapshot
            .apply(&renamed)
            .map(|applied| applied.is_changed())
            .map_err(|e| e.to_string())
    }
}

/// `driver.*` → `upstream.driver.*`; other names unchanged.
pub fn rename(var: String) -> String {
    if var.starts_with("driver.") {
        format!("{UPSTREAM_PREFIX}{var}")
    } else {
        var
    }
}

/// The name to use upstream for an exported name: without `upstream.`.
pub fn upstream_name(name: &str) -> &str {
    name.strip_prefix(UPSTREAM_PREFIX).unwrap_or(name)
}

/// NUT's `str_to_int` or -1.
fn int_or_unknown(text: &str) -> i64 {
    text.trim().parse::<i32>().map_or(-1, i64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_run_out_after_their_seconds() {
        let t0 = Instant::now();
        let mut o = Override::from_value(5, t0);
        assert!(o.check(t0 + Duration::from_millis(5999)));
        assert!(!o.check(t0 + Duration::from_secs(6)));
        assert_eq!(o, Override::Off);
        let mut o = Override::from_value(-1, t0);
        assert!(o.check(t0 + Duration::from_secs(1_000_000)));
        assert_eq!(o.value(), -1);
        assert_eq!(Override::from_value(0, t0), Override::Off);
    }

    #[test]
    fn names_are_renamed_like_nut() {
        let mut up = Upstream::new("dummy-ups-a", Duration::from_secs(30));
        for message in [
            DriverMessage::SetInfo {
                var: "driver.name".into(),
                value: "dummy-ups".into(),
            },
            DriverMessage::SetInfo {
                var: "ups.status".into(),
                value: "OL CHRG".into(),
            },
            DriverMessage::SetInfo {
                var: "battery.runtime".into(),
                value: "1800".into(),
            },
            DriverMessage::SetInfo {
                var: "battery.runtime.low".into(),
                value: "x".into(),
            },
            DriverMessage::AddCmd {
                cmd: "load.off".into(),
            },
            DriverMessage::DataOk,
            DriverMessage::DumpDone,
        ] {
            up.apply(message).expect("within limits");
        }
        assert_eq!(up.snapshot.value("upstream.driver.name"), Some("dummy-ups"));
        assert_eq!(up.snapshot.value("driver.name"), None);
        assert!(up.snapshot.has_command("upstream.load.off"));
        assert_eq!(up.status.as_deref(), Some("OL CHRG"));
        assert!(up.online && up.data_ok && up.dumped);
        assert_eq!((up.runtime, up.runtime_low), (1800, -1));
        up.apply(DriverMessage::SetInfo {
            var: "ups.status".into(),
            value: "OLX OB".into(),
        })
        .expect("ok");
        assert!(!up.online, "OL is a whole token");
        up.reset_for_connection();
        assert!(up.snapshot.is_empty() && up.status.is_none() && !up.dumped);
        assert_eq!(upstream_name("upstream.load.off"), "load.off");
        assert_eq!(upstream_name("ups.load"), "ups.load");
    }
}
