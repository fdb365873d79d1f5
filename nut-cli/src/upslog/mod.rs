//! `upslog`: poll UPS variables and append formatted lines to log files.
//!
//! NUT 2.8.0 behaviour: the banner line always comes first on stdout; bad
//! options are reported but ignored; three or more operands are the old
//! calling convention `<ups> <logfile> <interval> [<format words>...]`; a
//! failed first connection is only a warning; the log file `-` is stdout and
//! keeps upslog in the foreground, any other file sends it to the background
//! unless `-F` (`-B` forces the background); a PID file
//! `<NUT_ALTPIDPATH or NUT_STATEPATH or /run/nut>/<pidbase>.pid` is written;
//! SIGHUP reopens the log files, SIGUSR1 logs at once, SIGTERM/SIGINT/SIGQUIT
//! end it.
//!
//! From newer NUT (2.8.3+): `-m <ups>,<logfile>` (repeatable, combinable with
//! `-s`/`-l`; files shared between systems are opened once), `-N` (prefix
//! `%UPSHOST%%t`), `-d <count>` (exit after that many polls), `%t`, and
//! `-W <secs>` (connect timeout, 2.8.1+, also used for reconnections); the
//! help text stays 2.8.0's.
//!
//! Differences: upslog keeps running as the user who started it (`-u` is
//! accepted and ignored: dropping privileges needs code outside safe Rust);
//! the background copy is a re-executed process in its own process group
//! rather than a fork; an interval below 1 s is taken as 1 s (NUT spins);
//! SIGUSR1 adds a line without moving the regular schedule.

pub mod format;
pub mod strftime;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nut_proto::client::Target;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1};

use crate::admin::strerror;
use crate::connect::{
    Connector, Encryption, Endpoint, connect_timeout_option, invalid_ups_message,
};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::getopt::{Getopt, Opt};
use crate::program::{Invocation, NUT_VERSION};
use crate::session::Session;

use format::{DEFAULT_FORMAT, LineContext, Piece};

/// Environment variable marking the re-executed background copy.
pub const DAEMON_ENV: &str = "NUT_RS_UPSLOG_DAEMON";

/// Where PID files go when neither `NUT_ALTPIDPATH` nor `NUT_STATEPATH` is
/// set (Debian's `ALTPIDPATH`).
pub const DEFAULT_PID_DIR: &str = "/run/nut";

/// Default polling interval in seconds.
pub const DEFAULT_INTERVAL: i64 = 30;

/// Above this interval the connection is closed between polls, as in NUT.
const KEEP_CONNECTION_MAX: i64 = 30;

/// The help text that follows the banner.
pub fn help(prog: &str) -> String {
    format!(
        "UPS status logger.\n\
\n\
usage: {prog} [OPTIONS]\n\
\n\
\x20 -f <format>\t- Log format.  See below for details.\n\
\t\t- Use -f \"<format>\" so your shell doesn't break it up.\n\
\x20 -i <interval>\t- Time between updates, in seconds\n\
\x20 -l <logfile>\t- Log file name, or - for stdout (foreground by default)\n\
\x20 -F\t\t- stay foregrounded even if logging into a file\n\
\x20 -B\t\t- stay backgrounded even if logging to stdout\n\
\x20 -p <pidbase>  - Base name for PID file (defaults to \"{prog}\")\n\
\x20 -s <ups>\t- Monitor UPS <ups> - <upsname>@<host>[:<port>]\n\
\x20       \t- Example: -s myups@server\n\
\x20 -u <user>\t- Switch to <user> if started as root\n\
\n\
Some valid format string escapes:\n\
\t%% insert a single %\n\
\t%TIME format% insert the time with strftime formatting\n\
\t%HOST% insert the local hostname\n\
\t%UPSHOST% insert the host of the ups being monitored\n\
\t%PID% insert the pid of upslog\n\
\t%VAR varname% insert the value of ups variable varname\n\
\n\
format string defaults to:\n\
{DEFAULT_FORMAT}\n\
\n\
See the upslog(8) man page for more information.\n"
    )
}

/// One monitored system and where its lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// The system as given (`ups@host:port`), also `%UPSHOST%`.
    pub system: String,
    /// The log file name; `-` is stdout.
    pub log_file: String,
}

/// upslog's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Systems to poll, in order.
    pub monitors: Vec<Monitor>,
    /// Seconds between polls (NUT's `atoi`, so possibly 0 or negative).
    pub interval: i64,
    /// The line format (with the `-N` prefix applied).
    pub format: String,
    /// `-d`: polls before exiting; 0 is forever.
    pub count: u64,
    /// `-F`.
    pub foreground: bool,
    /// `-B`.
    pub background: bool,
    /// `-p`: PID file base name or absolute path.
    pub pid_base: String,
    /// `-W`: connect timeout (zero: none); `None` leaves it to
    /// `NUT_DEFAULT_CONNECT_TIMEOUT`.
    pub connect_timeout: Option<Duration>,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Print the help (after the banner) and exit 0.
    Help,
    /// Exit 0 right after the banner (`-V`).
    Version,
    /// Log.
    Run(Config),
}

/// Parses the command line (`argv[0]` first). Option errors are written to
/// `stderr` and otherwise ignored, as NUT does.
pub fn parse_args(args: &[String], stderr: &mut dyn Write) -> Result<Action> {
    let call = Invocation::new(args, "upslog");
    let mut single_system: Option<String> = None;
    let mut single_file: Option<String> = None;
    let mut tuples = Vec::new();
    let mut interval = DEFAULT_INTERVAL;
    let mut format = DEFAULT_FORMAT.to_owned();
    let mut prefix_system = false;
    let mut count = 0;
    let (mut foreground, mut background) = (false, false);
    let mut pid_base = call.prog;
    let mut timeout_text = None;
    let mut getopt = Getopt::new("hs:l:i:f:u:Vp:FBm:Nd:DW:", call.rest);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag('h') => return Ok(Action::Help),
            Opt::Flag('V') => return Ok(Action::Version),
            Opt::Arg('s', system) => single_system = Some(system),
            Opt::Arg('l', file) => single_file = Some(file),
            Opt::Arg('i', text) => interval = atoi(&text),
            Opt::Arg('f', text) => format = text,
            Opt::Arg('p', base) => pid_base = base,
            Opt::Arg('m', tuple) => tuples.push(parse_tuple(&tuple)?),
            Opt::Arg('d', text) => count = u64::try_from(atoi(&text)).unwrap_or(0),
            Opt::Flag('N') => prefix_system = true,
            Opt::Flag('F') => foreground = true,
            Opt::Flag('B') => background = true,
            Opt::Arg('W', text) => timeout_text = Some(text),
            // -u (run as user) and -D (debug) are accepted; see module docs.
            Opt::Arg('u', _) | Opt::Flag('D') => {}
            other => {
                if let Some(diagnostic) = other.diagnostic(call.argv0) {
                    writeln!(stderr, "{diagnostic}")?;
                }
            }
        }
    }
    let connect_timeout = connect_timeout_option(timeout_text.as_deref())?;
    let operands = getopt.operands();
    if matches!(operands.len(), 1 | 2) {
        return Ok(Action::Help);
    }
    if let [system, file, interval_text, words @ ..] = operands {
        single_system = Some(system.clone());
        single_file = Some(file.clone());
        interval = atoi(interval_text);
        if !words.is_empty() {
            format = words.iter().map(|w| format!("{w} ")).collect();
        }
    }
    let mut monitors = Vec::new();
    match (single_system, single_file) {
        (Some(system), Some(log_file)) => monitors.push(Monitor { system, log_file }),
        (Some(_), None) => {
            return Err(Error::fatal(
                "No filename defined for logging - use -l <file>",
            ));
        }
        (None, _) => {}
    }
    monitors.extend(tuples);
    if monitors.is_empty() {
        return Err(Error::fatal(
            "No UPS defined for monitoring - use -s <system>",
        ));
    }
    if prefix_system {
        format = format!("%UPSHOST%%t{format}");
    }
    Ok(Action::Run(Config {
        monitors,
        interval,
        format,
        count,
        foreground,
        background,
        pid_base,
        connect_timeout,
    }))
}

/// `-m <ups>,<logfile>`.
fn parse_tuple(text: &str) -> Result<Monitor> {
    match text.split_once(',') {
        Some((system, log_file)) if !system.is_empty() && !log_file.is_empty() => Ok(Monitor {
            system: system.to_owned(),
            log_file: log_file.to_owned(),
        }),
        _ => Err(Error::fatal(format!(
            "Error: invalid -m argument '{text}': expected <upsname>@<host>[:<port>],<logfile>"
        ))),
    }
}

/// glibc's `atoi`, widened for the arithmetic that follows.
fn atoi(text: &str) -> i64 {
    i64::from(nut_proto::cnum::atoi(text))
}

/// Where the PID file for `base` goes.
pub fn pid_file_path(base: &str) -> PathBuf {
    if base.starts_with('/') {
        return PathBuf::from(base);
    }
    let dir = ["NUT_ALTPIDPATH", "NUT_STATEPATH"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_PID_DIR.to_owned());
    PathBuf::from(dir).join(format!("{base}.pid"))
}

/// A log destination.
#[derive(Debug)]
enum Sink {
    Stdout,
    File { name: String, file: File },
}

/// One monitored system while running.
struct Polled {
    system: String,
    target: Target,
    sink: usize,
    session: Option<Box<dyn Session>>,
}

impl LineContext for Polled {
    fn var(&mut self, var: &str) -> Option<String> {
        let session = self.session.as_mut()?;
        let ups = self.target.ups.as_deref().unwrap_or_default();
        match session.get_var(ups, var) {
            Ok(value) => Some(value),
            Err(e) => {
                if e.connection_lost {
                    self.session = None;
                }
                None
            }
        }
    }

    fn host_name(&self) -> String {
        host_name()
    }

    fn ups_host(&self) -> &str {
        &self.system
    }

    fn pid(&self) -> u32 {
        std::process::id()
    }
}

/// The local host name, as `gethostname` gives it.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// Runs upslog with `args` (`argv[0]` first). `daemon` is true in the
/// re-executed background copy.
pub fn run(
    args: &[String],
    console: &mut Console<'_>,
    connector: &dyn Connector,
    daemon: bool,
) -> Result<()> {
    let call = Invocation::new(args, "upslog");
    writeln!(console.out, "Network UPS Tools {} {NUT_VERSION}", call.prog)?;
    let config = match parse_args(args, console.err)? {
        Action::Help => {
            console.out.write_all(help(&call.prog).as_bytes())?;
            return Ok(());
        }
        Action::Version => return Ok(()),
        Action::Run(config) => config,
    };
    let mut polled = Vec::new();
    let mut sinks: Vec<Sink> = Vec::new();
    let mut sink_by_name: HashMap<String, usize> = HashMap::new();
    for monitor in &config.monitors {
        writeln!(
            console.out,
            "logging status of {} to {} ({}s intervals)",
            monitor.system, monitor.log_file, config.interval
        )?;
        let target = Target::parse(&monitor.system)
            .map_err(|e| Error::fatal(format!("{}\n", invalid_ups_message(&e))))?;
        let endpoint =
            Endpoint::to(&target, Encryption::Try).with_connect_timeout(config.connect_timeout);
        let session = match connector.connect(endpoint, console.err) {
            Ok(session) => Some(session),
            Err(e) => {
                writeln!(console.err, "Warning: initial connect failed: {e}")?;
                None
            }
        };
        let sink = match sink_by_name.get(&monitor.log_file) {
            Some(&index) => index,
            None => {
                sinks.push(open_sink(&monitor.log_file)?);
                sink_by_name.insert(monitor.log_file.clone(), sinks.len() - 1);
                sinks.len() - 1
            }
        };
        polled.push(Polled {
            system: monitor.system.clone(),
            target,
            sink,
            session,
        });
    }
    console.out.flush()?;
    let to_files = sinks.iter().any(|s| matches!(s, Sink::File { .. }));
    if !daemon && !config.foreground && (to_files || config.background) {
        return spawn_background(args);
    }
    let signals = watch_signals()?;
    let pid_path = pid_file_path(&config.pid_base);
    if let Err(e) = std::fs::write(&pid_path, format!("{}\n", std::process::id())) {
        writeln!(
            console.err,
            "writepid: fopen {}: {}",
            pid_path.display(),
            strerror(&e)
        )?;
    }
    let pieces = format::compile(&config.format);
    let mut logger = Logger {
        polled,
        sinks,
        pieces,
        connector,
        connect_timeout: config.connect_timeout,
        disconnect_after_poll: config.interval > KEEP_CONNECTION_MAX,
    };
    let result = logger.run_loop(&config, &signals, console);
    let _ = std::fs::remove_file(&pid_path);
    result
}

/// Opens a log destination for appending.
fn open_sink(name: &str) -> Result<Sink> {
    if name == "-" {
        return Ok(Sink::Stdout);
    }
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(name)
        .map_err(|e| Error::fatal(format!("could not open logfile {name}: {}", strerror(&e))))?;
    Ok(Sink::File {
        name: name.to_owned(),
        file,
    })
}

/// Starts the background copy of this program and returns (the caller
/// exits 0, as NUT's parent does after `fork`).
fn spawn_background(args: &[String]) -> Result<()> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let exe = std::env::current_exe()
        .map_err(|e| Error::fatal(format!("Unable to enter background mode: {}", strerror(&e))))?;
    let mut command = Command::new(exe);
    command
        .arg0(args.first().map_or("upslog", String::as_str))
        .args(args.get(1..).unwrap_or(&[]))
        .env(DAEMON_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    command
        .spawn()
        .map_err(|e| Error::fatal(format!("Unable to enter background mode: {}", strerror(&e))))?;
    Ok(())
}

/// Delivers the signals upslog acts on through a channel.
fn watch_signals() -> Result<mpsc::Receiver<i32>> {
    let mut signals =
        signal_hook::iterator::Signals::new([SIGHUP, SIGUSR1, SIGTERM, SIGINT, SIGQUIT]).map_err(
            |e| Error::fatal(format!("Can't install signal handlers: {}", strerror(&e))),
        )?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if tx.send(signal).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

/// The polling loop's state.
struct Logger<'a> {
    polled: Vec<Polled>,
    sinks: Vec<Sink>,
    pieces: Vec<Piece>,
    connector: &'a dyn Connector,
    connect_timeout: Option<Duration>,
    disconnect_after_poll: bool,
}

impl Logger<'_> {
    fn run_loop(
        &mut self,
        config: &Config,
        signals: &mpsc::Receiver<i32>,
        console: &mut Console<'_>,
    ) -> Result<()> {
        let interval = Duration::from_secs(u64::try_from(config.interval.max(1)).unwrap_or(1));
        let mut next_poll = Instant::now();
        let mut polls = 0u64;
        loop {
            let wait = next_poll.saturating_duration_since(Instant::now());
            match signals.recv_timeout(wait) {
                Ok(SIGHUP) => {
                    writeln!(console.err, "Signal {SIGHUP}: reopening log file")?;
                    self.reopen(console)?;
                }
                Ok(SIGUSR1) => {}
                Ok(signal) => {
                    // NUT's sleep is cut short by the signal and it logs once
                    // more before it notices the exit flag.
                    self.poll_all(console)?;
                    writeln!(console.err, "Signal {signal}: exiting")?;
                    return Ok(());
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    next_poll += interval;
                    let now = Instant::now();
                    if next_poll <= now {
                        next_poll = now + interval;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(wait);
                    next_poll = Instant::now() + interval;
                }
            }
            self.poll_all(console)?;
            polls += 1;
            if config.count != 0 && polls >= config.count {
                return Ok(());
            }
        }
    }

    /// One line per monitored system.
    fn poll_all(&mut self, console: &mut Console<'_>) -> Result<()> {
        let now = chrono::Local::now();
        for polled in &mut self.polled {
            if polled.session.is_none() {
                let endpoint = Endpoint::to(&polled.target, Encryption::Off)
                    .with_connect_timeout(self.connect_timeout);
                polled.session = self.connector.connect(endpoint, &mut std::io::sink()).ok();
            }
            let line = format::render(&self.pieces, &now, polled);
            match self.sinks.get_mut(polled.sink) {
                Some(Sink::Stdout) => {
                    writeln!(console.out, "{line}")?;
                    console.out.flush()?;
                }
                Some(Sink::File { file, .. }) => {
                    writeln!(file, "{line}")?;
                    file.flush()?;
                }
                None => {}
            }
            if self.disconnect_after_poll {
                polled.session = None;
            }
        }
        Ok(())
    }

    /// SIGHUP: reopen every file (log rotation).
    fn reopen(&mut self, console: &mut Console<'_>) -> Result<()> {
        for sink in &mut self.sinks {
            match sink {
                Sink::Stdout => writeln!(console.err, "logging to stdout")?,
                Sink::File { name, file } => {
                    *file = OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(&*name)
                        .map_err(|e| {
                            Error::fatal(format!(
                                "could not reopen logfile {name}: {}",
                                strerror(&e)
                            ))
                        })?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        std::iter::once("upslog")
            .chain(line.split_whitespace())
            .map(str::to_owned)
            .collect()
    }

    fn parse(line: &str) -> (Result<Action>, String) {
        let mut err = Vec::new();
        let action = parse_args(&args(line), &mut err);
        (action, String::from_utf8(err).unwrap())
    }

    fn config(line: &str) -> Config {
        match parse(line).0 {
            Ok(Action::Run(config)) => config,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn single_system_options() {
        let c = config("-s ups@h:1 -l - -i 5 -d 2 -F -p mylog");
        assert_eq!(
            c.monitors,
            [Monitor {
                system: "ups@h:1".into(),
                log_file: "-".into()
            }]
        );
        assert_eq!((c.interval, c.count, c.foreground), (5, 2, true));
        assert_eq!(c.pid_base, "mylog");
        assert_eq!(c.format, DEFAULT_FORMAT);
    }

    #[test]
    fn tuples_combine_with_the_single_system_and_prefix() {
        let c = config("-s a@h -l one.log -m b@h,two.log -m c@h,one.log -N -f [%VAR_x.y%]");
        let systems: Vec<_> = c.monitors.iter().map(|m| m.system.as_str()).collect();
        assert_eq!(systems, ["a@h", "b@h", "c@h"]);
        assert_eq!(c.format, "%UPSHOST%%t[%VAR_x.y%]");
    }

    #[test]
    fn old_style_operands() {
        let c = config("ups@h /tmp/x.log 7 %VAR a.b% [%VAR c.d%]");
        assert_eq!(c.monitors[0].log_file, "/tmp/x.log");
        assert_eq!(c.interval, 7);
        assert_eq!(c.format, "%VAR a.b% [%VAR c.d%] ");
        assert_eq!(parse("ups@h /tmp/x.log").0.unwrap(), Action::Help);
    }

    #[test]
    fn missing_pieces_are_fatal_with_nut_messages() {
        let (r, _) = parse("");
        assert_eq!(
            r.unwrap_err().to_string(),
            "No UPS defined for monitoring - use -s <system>"
        );
        let (r, _) = parse("-s ups");
        assert_eq!(
            r.unwrap_err().to_string(),
            "No filename defined for logging - use -l <file>"
        );
        assert!(parse("-m nocomma").0.is_err());
    }

    #[test]
    fn bad_options_are_reported_and_ignored() {
        let (r, err) = parse("-x -s ups -l -");
        assert!(matches!(r, Ok(Action::Run(_))));
        assert_eq!(err, "upslog: invalid option -- 'x'\n");
    }

    #[test]
    fn connect_timeout_option() {
        assert_eq!(config("-s u@h -l -").connect_timeout, None);
        let c = config("-W 3 -s u@h -l -");
        assert_eq!(c.connect_timeout, Some(Duration::from_secs(3)));
        assert_eq!(
            config("-W0 -s u@h -l -").connect_timeout,
            Some(Duration::ZERO)
        );
        // Checked after the options, before the operands, as NUT does.
        let (r, _) = parse("-W x -s u@h -l - a b");
        assert_eq!(
            r.unwrap_err().to_string(),
            "Error: invalid network timeout: x"
        );
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse("-h").0.unwrap(), Action::Help);
        assert_eq!(parse("-V").0.unwrap(), Action::Version);
    }

    #[test]
    fn pid_file_location() {
        assert_eq!(pid_file_path("/x/y.pid"), PathBuf::from("/x/y.pid"));
        assert!(pid_file_path("upslog").ends_with("upslog.pid"));
    }
}
