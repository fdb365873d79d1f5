//! `upsmon.conf`: the settings, with NUT's defaults, and its parser.
//!
//! [`parse`] reads the file with the shared parseconf tokenizer and returns
//! the [`Config`] plus the [`Diagnostic`]s NUT would log for lines it
//! rejects or ignores, each worded as NUT words it and naming the file and
//! line. Only what makes NUT exit is an [`Error`].
//!
//! ```
//! use nut_monitor::config::{self, Role};
//!
//! let text = b"MONITOR ups@nas 1 monuser secret primary\nPOLLFREQ 2\nBOGUS 1\n";
//! let parsed = config::parse(text, "upsmon.conf")?;
//! assert_eq!(parsed.config.monitors[0].role, Role::Primary);
//! assert_eq!(parsed.config.poll_freq.as_secs(), 2);
//! assert_eq!(parsed.diagnostics[0].message, "upsmon.conf line 3: invalid directive BOGUS 1");
//! parsed.config.check_power()?;
//! # Ok::<(), nut_monitor::Error>(())
//! ```

mod address;
mod parse;

use std::fmt;
use std::time::Duration;

pub use address::{AddressError, DEFAULT_HOST, DEFAULT_PORT, UpsAddress};
pub use parse::{MAX_CONFIG_LEN, parse};

use crate::Error;
use crate::notify::NotifyTable;

/// What this host does for a UPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Directly attached: sets FSD and waits for secondaries (`primary`,
    /// alias `master`).
    Primary,
    /// Powered by the UPS but not in charge of it (`secondary`, alias `slave`).
    Secondary,
}

/// One `MONITOR` line.
#[derive(Clone, PartialEq, Eq)]
pub struct MonitorEntry {
    /// The UPS as written (`ups@host:port`): its identity in notifications.
    pub system: String,
    /// The same, split.
    pub address: UpsAddress,
    /// How many of this host's power supplies the UPS feeds (0 = monitor only).
    pub power_value: u32,
    /// `USERNAME` for upsd.
    pub username: String,
    /// `PASSWORD` for upsd (hidden from `Debug`).
    pub password: String,
    /// Primary or secondary.
    pub role: Role,
}

impl fmt::Debug for MonitorEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonitorEntry")
            .field("system", &self.system)
            .field("address", &self.address)
            .field("power_value", &self.power_value)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("role", &self.role)
            .finish()
    }
}

/// `SHUTDOWNEXIT`: what upsmon does after running `SHUTDOWNCMD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownExit {
    /// Exit at once (`yes`, the default).
    Immediately,
    /// Stay this long, then exit (`<seconds>`).
    After(Duration),
    /// Never exit on its own (`no`, or a negative number).
    Never,
}

/// `CERTHOST <host> <certname> <verify> <forcessl>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertHost {
    /// `host[:port]`.
    pub host: String,
    /// Expected certificate name.
    pub cert_name: String,
    /// Verify the server certificate.
    pub verify: bool,
    /// Refuse to talk without TLS.
    pub force_ssl: bool,
}

/// `CERTIDENT <name> <password>` (hidden from `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct CertIdent {
    /// Certificate name.
    pub name: String,
    /// Password of the certificate database.
    pub password: String,
}

impl fmt::Debug for CertIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertIdent")
            .field("name", &self.name)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// Everything `upsmon.conf` sets. [`Default`] holds NUT's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The `MONITOR` lines, in file order.
    pub monitors: Vec<MonitorEntry>,
    /// `MINSUPPLIES` (1): power supplies that must stay fed.
    pub min_supplies: u32,
    /// `POLLFREQ` (5 s).
    pub poll_freq: Duration,
    /// `POLLFREQALERT` (5 s): interval while any UPS needs watching.
    pub poll_freq_alert: Duration,
    /// `DEADTIME` (15 s): silence after which a UPS last seen on battery
    /// counts as low on battery too.
    pub dead_time: Duration,
    /// `HOSTSYNC` (15 s).
    pub host_sync: Duration,
    /// `FINALDELAY` (5 s).
    pub final_delay: Duration,
    /// `NOCOMMWARNTIME` (300 s).
    pub nocomm_warn_time: Duration,
    /// `RBWARNTIME` (43200 s).
    pub rb_warn_time: Duration,
    /// `OFFDURATION` (30 s); `None` = an OFF UPS never counts as lost.
    pub off_duration: Option<Duration>,
    /// `OVERDURATION` (never); `None` = overload never counts.
    pub over_duration: Option<Duration>,
    /// `OBLBDURATION` (0 = OB+LB is critical at once).
    pub oblb_duration: Duration,
    /// `ALARMCRITICAL` (true).
    pub alarm_critical: bool,
    /// `POLLFAIL_LOG_THROTTLE_MAX` (`None` = log every failed poll).
    pub pollfail_log_throttle_max: Option<u32>,
    /// `SHUTDOWNCMD`: a shell command line (several words are joined with
    /// spaces, as NUT 2.8.6 does).
    pub shutdown_cmd: Option<String>,
    /// `SHUTDOWNEXIT` (immediately).
    pub shutdown_exit: ShutdownExit,
    /// `NOTIFYCMD`: program and its arguments; the message is appended.
    pub notify_cmd: Option<Vec<String>>,
    /// `NOTIFYMSG` and `NOTIFYFLAG`.
    pub notify: NotifyTable,
    /// `POWERDOWNFLAG`.
    pub powerdown_flag: Option<String>,
    /// `RUN_AS_USER`.
    pub run_as_user: Option<String>,
    /// `CERTPATH`.
    pub cert_path: Option<String>,
    /// `CERTFILE`.
    pub cert_file: Option<String>,
    /// `CERTIDENT`.
    pub cert_ident: Option<CertIdent>,
    /// `CERTHOST` lines.
    pub cert_hosts: Vec<CertHost>,
    /// `CERTVERIFY` (false).
    pub cert_verify: bool,
    /// `FORCESSL` (false).
    pub force_ssl: bool,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            monitors: Vec::new(),
            min_supplies: 1,
            poll_freq: Duration::from_secs(5),
            poll_freq_alert: Duration::from_secs(5),
            dead_time: Duration::from_secs(15),
            host_sync: Duration::from_secs(15),
            final_delay: Duration::from_secs(5),
            nocomm_warn_time: Duration::from_secs(300),
            rb_warn_time: Duration::from_secs(43200),
            off_duration: Some(Duration::from_secs(30)),
            over_duration: None,
            oblb_duration: Duration::ZERO,
            alarm_critical: true,
            pollfail_log_throttle_max: None,
            shutdown_cmd: None,
            shutdown_exit: ShutdownExit::Immediately,
            notify_cmd: None,
            notify: NotifyTable::default(),
            powerdown_flag: None,
            run_as_user: None,
            cert_path: None,
            cert_file: None,
            cert_ident: None,
            cert_hosts: Vec::new(),
            cert_verify: false,
            force_ssl: false,
            debug_min: None,
        }
    }
}

impl Config {
    /// Sum of the power values of every `MONITOR` line.
    pub fn total_power(&self) -> u64 {
        self.monitors.iter().map(|m| u64::from(m.power_value)).sum()
    }

    /// NUT's start-up check: the power values must reach `MINSUPPLIES`.
    ///
    /// # Errors
    ///
    /// [`Error::InsufficientPower`] ("Fatal error: insufficient power
    /// configured!" in NUT's words, see [`Error::nut_message`]).
    pub fn check_power(&self) -> Result<(), Error> {
        let total = self.total_power();
        if total < u64::from(self.min_supplies) {
            return Err(Error::InsufficientPower {
                total,
                min_supplies: self.min_supplies,
            });
        }
        Ok(())
    }
}

/// How serious a [`Diagnostic`] is, as NUT logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// `LOG_WARNING`: the line or value was ignored, or a default was used.
    Warning,
    /// `LOG_ERR`: the line could not be read.
    Error,
}

/// A config line NUT complains about, with NUT's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line in the file (0 for a summary about the whole file).
    pub line: u32,
    /// How serious it is.
    pub severity: Severity,
    /// The log line, as NUT writes it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A parsed file: the settings and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The settings (defaults where the file says nothing usable).
    pub config: Config,
    /// Complaints, in file order.
    pub diagnostics: Vec<Diagnostic>,
}
