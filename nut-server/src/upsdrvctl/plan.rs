//! What upsdrvctl does, decided from `ups.conf` and the command line alone:
//! which UPSes, in which order, which program with which arguments, whether
//! to wait for it, which PID file and socket name a running driver.
//!
//! Everything here is pure; the [adapter](super::process) only carries the
//! decisions out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;

use super::cli::{Action, DriverCommand, Foreground, Options};
use super::log::Message;
use crate::config::UpsConf;

/// Where drivers are when `ups.conf` sets no `driverpath` (Debian's NUT).
pub const DEFAULT_DRIVERPATH: &str = "/lib/nut";

/// upsdrvctl's default wait for a driver to go to the background, in
/// seconds: current NUT's 75 (the same constant `ups.conf` documents).
/// Debian's upsdrvctl 2.8.0 gives up after 45 s (measured); we follow
/// current NUT.
pub use crate::config::ups_conf::DEFAULT_MAXSTARTDELAY;

/// Default number of start attempts (`maxretry`).
pub const DEFAULT_MAXRETRY: u32 = 1;

/// Default pause between start attempts, in seconds (`retrydelay`).
pub const DEFAULT_RETRYDELAY: u32 = 5;

/// Most `D`s passed on to a driver with `-d` (NUT cuts at its buffer size).
pub const MAX_PASSTHROUGH_DEBUG: u32 = 64;

/// What NUT prints for a section without `driver` (C's `"%s"` of NULL).
pub const MISSING_DRIVER: &str = "(null)";

/// One UPS as upsdrvctl sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Device {
    /// The section name.
    pub name: String,
    /// `driver`.
    pub driver: Option<String>,
    /// `port`.
    pub port: Option<String>,
    /// `sdorder` (0 by default; negative: left out of `shutdown` of all).
    pub sdorder: i32,
    /// `maxstartdelay` for this UPS.
    pub maxstartdelay: Option<u32>,
    /// `maxretry` for this UPS (an extension: NUT reads only the global one).
    pub maxretry: Option<u32>,
    /// `retrydelay` for this UPS (an extension, as `maxretry`).
    pub retrydelay: Option<u32>,
}

impl Device {
    /// The driver's name, or NUT's `(null)` when the section has none.
    pub fn driver_name(&self) -> &str {
        self.driver.as_deref().unwrap_or(MISSING_DRIVER)
    }
}

/// `ups.conf` as upsdrvctl uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The UPSes in file order (sections with at least one line: NUT never
    /// hears of an empty `[name]`).
    pub devices: Vec<Device>,
    /// `driverpath`.
    pub driverpath: Option<String>,
    /// Global `maxstartdelay`.
    pub maxstartdelay: u32,
    /// Global `maxretry`.
    pub maxretry: u32,
    /// Global `retrydelay`.
    pub retrydelay: u32,
    /// `nowait`, unless `NUT_IGNORE_NOWAIT=true` cancelled it.
    pub nowait: bool,
}

impl Config {
    /// The settings of `conf`; `ignore_nowait` is `NUT_IGNORE_NOWAIT=true`.
    /// Returns NUT's note when a `nowait` is ignored.
    pub fn from_ups_conf(conf: &UpsConf, ignore_nowait: bool) -> (Self, Vec<Message>) {
        let globals = &conf.globals;
        let mut notes = Vec::new();
        let nowait = if globals.nowait && ignore_nowait {
            notes.push(Message::always(
                "NOTE: 'nowait' setting ignored due to NUT_IGNORE_NOWAIT envvar",
            ));
            false
        } else {
            globals.nowait
        };
        let devices = conf
            .sections
            .iter()
            .filter(|s| !s.entries.is_empty())
            .map(|s| Device {
                name: s.name.clone(),
                driver: s.driver().map(str::to_owned),
                port: s.port().map(str::to_owned),
                sdorder: s.sdorder,
                maxstartdelay: s.maxstartdelay,
                maxretry: s.maxretry,
                retrydelay: s.retrydelay,
            })
            .collect();
        let config = Self {
            devices,
            driverpath: globals.driverpath.clone(),
            maxstartdelay: globals.maxstartdelay.unwrap_or(DEFAULT_MAXSTARTDELAY),
            maxretry: globals.maxretry.unwrap_or(DEFAULT_MAXRETRY),
            retrydelay: globals.retrydelay.unwrap_or(DEFAULT_RETRYDELAY),
            nowait,
        };
        (config, notes)
    }

    /// The UPSes `action` applies to, in the order to process them: file
    /// order, except `shutdown` of all UPSes, which goes by ascending
    /// `sdorder` group (0, 1, 2...; file order within a group) and leaves
    /// out negative `sdorder`s. A named UPS is used whatever its `sdorder`.
    ///
    /// # Errors
    ///
    /// [`SelectError`] with NUT's messages: no UPS at all, or no UPS of
    /// that name.
    pub fn select(&self, action: Action, ups: Option<&str>) -> Result<Vec<&Device>, SelectError> {
        if self.devices.is_empty() {
            return Err(SelectError::NoDevices {
                named: ups.is_some(),
            });
        }
        if let Some(name) = ups {
            return self
                .devices
                .iter()
                .find(|d| d.name == name)
                .map(|d| vec![d])
                .ok_or_else(|| SelectError::NotFound(name.to_owned()));
        }
        if action != Action::Shutdown {
            return Ok(self.devices.iter().collect());
        }
        let mut ordered: Vec<&Device> = self.devices.iter().filter(|d| d.sdorder >= 0).collect();
        // A stable sort keeps file order inside each group.
        ordered.sort_by_key(|d| d.sdorder);
        Ok(ordered)
    }

    /// The start time limit for `device` (`None`: wait as long as it takes,
    /// NUT's `alarm(0)` for a `maxstartdelay` of 0).
    pub fn start_limit(&self, device: &Device) -> Option<Duration> {
        let seconds = device.maxstartdelay.unwrap_or(self.maxstartdelay);
        (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)))
    }

    /// Start attempts for `device`.
    pub fn attempts(&self, device: &Device) -> u32 {
        device.maxretry.unwrap_or(self.maxretry)
    }

    /// Pause between attempts for `device`.
    pub fn retry_delay(&self, device: &Device) -> Duration {
        Duration::from_secs(u64::from(device.retrydelay.unwrap_or(self.retrydelay)))
    }
}

/// Why no UPS can be acted on (NUT's fatal messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectError {
    /// `ups.conf` has no UPS; NUT words it differently with a UPS name.
    #[error("{}", if *named { "Error: no UPS definitions found in ups.conf!\n" } else { "Error: no UPS definitions found in ups.conf" })]
    NoDevices {
        /// Whether a UPS name was given.
        named: bool,
    },
    /// No section of that name.
    #[error("UPS {0} not found in ups.conf")]
    NotFound(String),
}

/// Finds driver programs: first beside the upsdrvctl program itself (the
/// drivers nut-rs ships are installed there), then in `driverpath` (from
/// `ups.conf`, else [`DEFAULT_DRIVERPATH`]), where NUT's own drivers are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverLocator {
    own_dir: Option<PathBuf>,
    driverpath: PathBuf,
}

impl DriverLocator {
    /// A locator for programs beside `own_dir` (if known), then in
    /// `driverpath`.
    pub fn new(own_dir: Option<&Path>, driverpath: Option<&str>) -> Self {
        Self {
            own_dir: own_dir.map(Path::to_owned),
            driverpath: PathBuf::from(driverpath.unwrap_or(DEFAULT_DRIVERPATH)),
        }
    }

    /// The program for `driver`: the one beside us if `is_program` says it
    /// exists there, else `<driverpath>/<driver>` (whether or not it exists;
    /// the caller reports NUT's "Can't start" if not). Names with a `/` are
    /// never looked up beside us.
    pub fn locate(&self, driver: &str, is_program: impl Fn(&Path) -> bool) -> PathBuf {
        let plain = !driver.is_empty() && !driver.contains('/') && driver != "." && driver != "..";
        if plain && let Some(dir) = &self.own_dir {
            let ours = dir.join(driver);
            if is_program(&ours) {
                return ours;
            }
        }
        // NUT pastes "<driverpath>/<driver>" together, whatever the name.
        PathBuf::from(format!("{}/{driver}", self.driverpath.display()))
    }
}

/// The options upsdrvctl passes on to the drivers it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passthrough {
    /// `-D...` for the driver (with `-d` and a debug level).
    pub debug: Option<u32>,
    /// `-B`, `-F`, `-FF`.
    pub foreground: Foreground,
    /// `-r <dir>`.
    pub chroot: Option<String>,
    /// `-u <user>`.
    pub user: Option<String>,
}

impl Passthrough {
    /// From the command line at the effective `debug_level`; with NUT's
    /// note when the level is too high to pass on whole.
    pub fn new(options: &Options, debug_level: u32) -> (Self, Vec<Message>) {
        let mut notes = Vec::new();
        let debug = (options.pass_debug && debug_level > 0).then(|| {
            if debug_level > MAX_PASSTHROUGH_DEBUG {
                notes.push(Message::debug(
                    1,
                    format!(
                        "Requested debugging level {debug_level} is too high for pass-through \
                         args, truncated to {MAX_PASSTHROUGH_DEBUG}"
                    ),
                ));
            }
            debug_level.min(MAX_PASSTHROUGH_DEBUG)
        });
        let passthrough = Self {
            debug,
            foreground: options.foreground,
            chroot: options.chroot.clone(),
            user: options.user.clone(),
        };
        (passthrough, notes)
    }

    /// The arguments of `<driver> ... -a <ups>` for `start`, in NUT's order:
    /// `-D...`, `-B`/`-F`/`-FF`, `-a <ups>`, `-r <dir>`, `-u <user>`.
    pub fn start_args(&self, ups: &str) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(level) = self.debug {
            args.push(format!("-{}", "D".repeat(level as usize)));
        }
        if let Some(flag) = self.foreground.driver_flag() {
            args.push(flag.to_owned());
        }
        args.extend(["-a".to_owned(), ups.to_owned()]);
        self.push_privileges(&mut args);
        args
    }

    /// The arguments of `<driver> -a <ups> -k` for `shutdown` (no debug or
    /// foreground options, as in NUT).
    pub fn shutdown_args(&self, ups: &str) -> Vec<String> {
        let mut args = vec!["-a".to_owned(), ups.to_owned(), "-k".to_owned()];
        self.push_privileges(&mut args);
        args
    }

    fn push_privileges(&self, args: &mut Vec<String>) {
        if let Some(root) = &self.chroot {
            args.extend(["-r".to_owned(), root.clone()]);
        }
        if let Some(user) = &self.user {
            args.extend(["-u".to_owned(), user.clone()]);
        }
    }
}

/// The debug line that shows a command: `exec:  <program> <args...>`.
pub fn exec_line(program: &Path, args: &[String]) -> String {
    let mut line = format!("exec:  {}", program.display());
    for arg in args {
        line.push(' ');
        line.push_str(arg);
    }
    line
}

/// How a driver process is run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Launch {
    /// Replace upsdrvctl with the driver (`-F` for a single UPS).
    Exec(Message),
    /// Start it and wait for it to exit (a driver exits once it is in the
    /// background), up to the limit (`None`: no limit).
    Wait(Option<Duration>),
    /// Start it and go on at once, for the reason given.
    Detach(Message),
}

/// NUT's choice between exec, waiting and not waiting for one driver, when
/// `count` UPSes are handled in this run.
pub fn launch(
    config: &Config,
    device: &Device,
    count: usize,
    options: &Options,
    debug_level: u32,
) -> Launch {
    let foreground = options.foreground;
    if foreground.is_foreground() && count == 1 {
        return Launch::Exec(Message::debug(
            1,
            "Starting the only driver with explicitly requested foregrounding mode, not forking",
        ));
    }
    if config.nowait {
        return Launch::Detach(Message::debug(2, "'nowait' set, continuing..."));
    }
    if foreground.is_foreground() {
        return Launch::Detach(Message::debug(
            1,
            "Starting driver with explicitly requested foregrounding mode: will not wait for it \
             to fork and detach, continuing...",
        ));
    }
    if foreground != Foreground::Background && debug_level > 0 && options.pass_debug {
        return Launch::Detach(Message::debug(
            2,
            "Starting driver with debug but without explicit backgrounding: will not wait for \
             it to fork and detach, continuing...",
        ));
    }
    Launch::Wait(config.start_limit(device))
}

/// NUT's warning when `start` of several UPSes will not wait for them.
pub fn foreground_warning(
    action: Action,
    count: usize,
    options: &Options,
    debug_level: u32,
) -> Option<Message> {
    let foreground = options.foreground.is_foreground();
    let debug_fg =
        options.foreground != Foreground::Background && debug_level > 0 && options.pass_debug;
    (action == Action::Start && count > 1 && (foreground || debug_fg)).then(|| {
        let (mode, tail) = if foreground {
            (
                "foreground mode",
                ", but upsdrvctl tool will stay foregrounded",
            )
        } else {
            ("debug mode without backgrounding", "")
        };
        Message::always(format!(
            "Starting \"all\" drivers but requested the {mode}! This request will not wait for \
             driver(s) to complete their initialization{tail}."
        ))
    })
}

/// The PID files that may name `device`'s driver, in NUT's order:
/// `<driver>-<ups>.pid`, then (when `port` is set) `<driver>-<basename of
/// port>.pid`, the name of very old drivers.
pub fn pid_files(altpidpath: &Path, device: &Device) -> (PathBuf, Option<PathBuf>) {
    let driver = device.driver_name();
    let main = altpidpath.join(format!("{driver}-{}.pid", device.name));
    let legacy = device.port.as_deref().map(|port| {
        let base = port.rsplit('/').next().unwrap_or(port);
        altpidpath.join(format!("{driver}-{base}.pid"))
    });
    (main, legacy)
}

/// The number at the start of a PID file, read as C's `atoi` does (blanks,
/// an optional sign, digits; 0 when there are none), saturating. NUT
/// refuses anything below 1 ("Ignoring invalid pid number").
pub fn pid_from_text(text: &str) -> i64 {
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, b| {
            acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
        });
    if negative { -value } else { value }
}

/// The driver's state socket: `<statepath>/<driver>-<ups>`.
pub fn socket(statepath: &Path, device: &Device) -> PathBuf {
    statepath.join(format!("{}-{}", device.driver_name(), device.name))
}

/// The signal a `-c` command sends (`None` for the socket commands).
pub fn command_signal(command: DriverCommand) -> Option<Signal> {
    match command {
        DriverCommand::DataDump => Some(Signal::SIGURG),
        DriverCommand::Reload => Some(Signal::SIGHUP),
        DriverCommand::ReloadOrExit => Some(Signal::SIGUSR1),
        DriverCommand::ReloadOrError | DriverCommand::Exit => None,
    }
}

/// C's `strsignal` text for the signals upsdrvctl sends.
pub fn signal_description(signal: Signal) -> &'static str {
    match signal {
        Signal::SIGHUP => "Hangup",
        Signal::SIGUSR1 => "User defined signal 1",
        Signal::SIGURG => "Urgent I/O condition",
        Signal::SIGTERM => "Terminated",
        Signal::SIGKILL => "Killed",
        _ => "Unknown signal",
    }
}

#[cfg(test)]
mod tests;
