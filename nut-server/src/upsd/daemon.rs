//! upsd as a process, from parsed options to exit status, in upsd 2.8.0's
//! order: `-c` commands through the PID file, the check for a running
//! instance, `upsd.conf`, the listeners (and the `LISTEN_UNIX` sockets,
//! given to the user upsd becomes), the user switch, `ups.conf`,
//! `cmdvartab`, `upsd.users`, the PID file and background, then the
//! current-thread runtime with SIGHUP (reload), SIGTERM/SIGINT/SIGQUIT
//! (exit). Drivers listed under `nutrs_inprocess` in `ups.conf` run as
//! tasks of that runtime, started before upsd links to them (see
//! [`crate::stack`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use nix::sys::signal::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::files::{self, UpsdPaths};
use super::serve::listen::{self, Family};
use super::serve::unix;
use super::serve::{Control, Upsd, UpsdOptions};
use super::server::{Server, VERSION};
use crate::error::Error;
use crate::runtime::cli::Foreground;
use crate::runtime::log::{Level, LogRecord, Logger};
use crate::runtime::paths::NutPaths;
use crate::runtime::process;
use crate::runtime::program::Environment;
use crate::runtime::program::setup::{DAEMON_CHILD_ENV, Reexec, daemonize, detach_stdio};
use crate::stack::{HostPlan, HostedControls, HostedDrivers};

/// The user upsd switches to when started as root without `-u` (Debian's
/// `RUN_AS_USER`).
pub const DEFAULT_USER: &str = "nut";

/// File descriptors kept for upsd itself when `MAXCONN` is not set and the
/// limit comes from the system.
const RESERVED_FDS: u64 = 16;

/// Without `MAXCONN` or a readable limit, assume the usual soft limit.
const FALLBACK_FD_LIMIT: u64 = 1024;

/// `-c <command>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpsdCommand {
    /// `reload`: SIGHUP.
    Reload,
    /// `stop`: SIGTERM.
    Stop,
}

impl UpsdCommand {
    /// upsd's matching: any prefix of `reload` or `stop` (`-c r` works).
    pub fn parse(arg: &str) -> Option<Self> {
        if arg.is_empty() {
            return None;
        }
        if "reload".starts_with(arg) {
            Some(Self::Reload)
        } else if "stop".starts_with(arg) {
            Some(Self::Stop)
        } else {
            None
        }
    }

    fn signal(self) -> Signal {
        match self {
            Self::Reload => Signal::SIGHUP,
            Self::Stop => Signal::SIGTERM,
        }
    }
}

/// upsd's command-line settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// `-D` count.
    pub debug: u8,
    /// `-q` count.
    pub quiet: u8,
    /// `-F`, `-FF`, `-B`; `None` means background unless debugging.
    pub foreground: Option<Foreground>,
    /// `-u <user>`.
    pub user: Option<String>,
    /// `-r <dir>`.
    pub chroot: Option<PathBuf>,
    /// `-4` / `-6`.
    pub family: Family,
    /// `-c <command>`.
    pub command: Option<UpsdCommand>,
    /// `-P <pid>`.
    pub pid: Option<i32>,
}

/// The banner upsd prints first (`-V` prints only this).
pub fn banner() -> String {
    format!("Network UPS Tools upsd {VERSION}")
}

/// What `-h` prints (after the banner line), upsd 2.8.0's text.
pub const HELP: &str = "Network server for UPS data.

usage: upsd [OPTIONS]

  -c <command>\tsend <command> via signal to background process
\t\tcommands:
\t\t - reload: reread configuration files
\t\t - stop: stop process and exit
  -P <pid>\tsend the signal above to specified PID (bypassing PID file)
  -D\t\traise debugging level (and stay foreground by default)
  -F\t\tstay foregrounded even if no debugging is enabled
  -FF\t\tstay foregrounded and still save the PID file
  -B\t\tstay backgrounded even if debugging is bumped
  -h\t\tdisplay this help
  -r <dir>\tchroots to <dir>
  -q\t\traise log level threshold
  -u <user>\tswitch to <user> (if started as root)
  -V\t\tdisplay the version of this software
  -4\t\tIPv4 only
  -6\t\tIPv6 only
";

/// upsd's fatal message for the retired `-i`/`-p` options.
pub const DEPRECATED_LISTEN_OPTIONS: &str =
    "Specifying a listening addresses with '-i <address>' and '-p <port>'
is deprecated. Use 'LISTEN <address> [<port>]' in 'upsd.conf' instead.
See 'man 8 upsd.conf' for more information.";

/// Runs upsd; returns the exit status. `args` are the words after the
/// program name (the background child gets them again through `reexec`),
/// `env` reads the environment.
pub fn main(
    options: &Options,
    reexec: &Reexec,
    args: &[String],
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> u8 {
    let paths = UpsdPaths::from_lookup(env);
    let debug = env("NUT_DEBUG_LEVEL")
        .and_then(|v| v.trim().parse::<u8>().ok())
        .filter(|_| options.debug == 0)
        .unwrap_or(options.debug);
    let mut logger = Logger::stderr("upsd", debug, options.quiet);
    if let Some(command) = options.command {
        return send_command(command, options.pid, &paths, &mut logger);
    }
    let foreground = options.foreground.unwrap_or(if debug > 0 {
        Foreground::Foreground
    } else {
        Foreground::Background
    });
    let is_child = env(DAEMON_CHILD_ENV).is_some();
    if foreground == Foreground::Background && !is_child {
        println!("{}", banner());
        return daemonize(reexec, args, &paths.pid_file(), &mut logger);
    }
    if !is_child {
        println!("{}", banner());
    }
    match start(options, foreground, &paths, env, &mut logger) {
        Ok(()) => 0,
        Err(error) => {
            logger.write(Level::Error, error.to_string());
            1
        }
    }
}

/// Signals the running upsd (`-c`).
fn send_command(
    command: UpsdCommand,
    pid: Option<i32>,
    paths: &UpsdPaths,
    logger: &mut Logger,
) -> u8 {
    let pid_file = paths.pid_file();
    let target = pid.or_else(|| process::read_pid_file(&pid_file));
    if let Some(target) = target
        && process::send_signal(target, command.signal()).is_ok()
    {
        return 0;
    }
    if target.is_none() {
        logger.write(
            Level::Warning,
            format!(
                "Could not find PID file '{}' to see if previous upsd instance is already \
                 running or not!",
                pid_file.display()
            ),
        );
    }
    logger.write(
        Level::Notice,
        "Failed to signal the currently running daemon (if any)",
    );
    if pid.is_none() {
        logger.write(Level::Notice, "Try to add '-P $PID' argument");
    }
    1
}

/// Everything from the instance check to the end of serving.
fn start(
    options: &Options,
    foreground: Foreground,
    paths: &UpsdPaths,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    logger: &mut Logger,
) -> Result<(), Error> {
    let own = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    let pid_file = paths.pid_file();
    if let Some(pid) = process::read_pid_file(&pid_file).filter(|p| *p != own)
        && process::is_alive(pid)
    {
        return Err(Error::AlreadyRunning { pid });
    }
    let account = account(options.user.as_deref())?;
    if let Some(dir) = &options.chroot {
        std::os::unix::fs::chroot(dir)
            .and_then(|()| std::env::set_current_dir("/"))
            .map_err(|source| Error::Stat {
                path: dir.clone(),
                source,
            })?;
    }
    let mut log = Vec::new();
    let conf = files::load_upsd_conf(paths, &mut log);
    flush(logger, &mut log);
    let conf = conf?;
    if let Some(min) = conf.debug_min
        && let Ok(min) = u8::try_from(min)
        && min > logger.debug_level()
    {
        logger.set_debug_level(min);
    }
    let listeners = conf.listeners();
    let bound = listen::bind_all(&listeners, options.family);
    for record in &bound.log {
        logger.log(record);
    }
    // Before the user switch, like the TCP ports (the directory may be
    // root's); the files are handed to the account upsd becomes.
    let owner = account.as_ref().map(|a| (a.uid, a.gid));
    let unix_bound = unix::bind_all(&conf.listen_unix, owner)?;
    for record in &unix_bound.log {
        logger.log(record);
    }
    if bound.listeners.is_empty() && unix_bound.listeners.is_empty() {
        return Err(Error::NoListener);
    }
    let allow_partial = files::env_flag(env("ALLOW_NOT_ALL_LISTENERS").as_deref())
        .unwrap_or(conf.allow_not_all_listeners);
    let failed = bound.failed > 0 && !only_localhost_failed(&bound.log);
    if failed || unix_bound.failed > 0 {
        if !allow_partial {
            return Err(Error::NotAllListeners);
        }
        logger.write(
            Level::Warning,
            "WARNING: some listening interfaces were not available, but the \
             ALLOW_NOT_ALL_LISTENERS setting is active",
        );
    }
    if let Some(account) = &account {
        process::become_user(account).map_err(|source| Error::Privileges { source })?;
    }
    let allow_no_device = files::env_flag(env("ALLOW_NO_DEVICE").as_deref());
    let loaded = files::load_all(paths, allow_no_device, &mut log);
    flush(logger, &mut log);
    let loaded = loaded?;
    let statepath_check = files::check_perms(&loaded.statepath, &mut log);
    flush(logger, &mut log);
    statepath_check?;
    let hosting = hosting(paths, &loaded.statepath, options.quiet, foreground, logger);
    let max_clients = max_clients(
        conf.maxconn,
        loaded.devices.len(),
        bound.listeners.len() + unix_bound.listeners.len(),
    );
    let server = Server::new(loaded.server_config());
    let mut options_rt = UpsdOptions::new(loaded.statepath.clone());
    options_rt.max_clients = max_clients;
    // After the user switch, as upsd: CERTFILE must be readable by that user.
    #[cfg(feature = "tls")]
    {
        let tls = super::serve::tls::TlsServer::from_conf(&loaded.upsd_conf, &mut log);
        flush(logger, &mut log);
        options_rt.tls = tls?;
    }
    match foreground {
        Foreground::Background => {
            detach_stdio();
            logger.to_syslog();
            write_pid(&pid_file)?;
        }
        Foreground::ForegroundWithPidFile => {
            logger.write(
                Level::Warning,
                "Running as foreground process, but saving a PID file anyway",
            );
            write_pid(&pid_file)?;
        }
        Foreground::Foreground => {
            logger.write(
                Level::Warning,
                "Running as foreground process, not saving a PID file",
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })?;
    let shared_logger = Arc::new(Mutex::new(std::mem::replace(logger, Logger::discard())));
    let sink_logger = Arc::clone(&shared_logger);
    let sink = Box::new(move |record: &LogRecord| {
        sink_logger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .log(record);
    });
    let upsd = Upsd::new(server, options_rt, sink).with_unix_listeners(unix_bound.listeners);
    let outcome = runtime.block_on(async {
        let listeners = bound
            .listeners
            .into_iter()
            .map(tokio::net::TcpListener::from_std)
            .collect::<Result<Vec<_>, _>>()?;
        let hosted = hosting.start(&shared_logger).await;
        let (control, controls) = mpsc::unbounded_channel();
        let watcher = tokio::spawn(watch_signals(
            control,
            paths.clone(),
            allow_no_device,
            Arc::clone(&shared_logger),
            hosted.controls(),
        ));
        upsd.run(listeners, controls).await;
        watcher.abort();
        hosted.stop().await;
        Ok::<(), std::io::Error>(())
    });
    if foreground != Foreground::Foreground {
        process::remove_pid_file(&pid_file, std::process::id());
    }
    drop(runtime);
    if let Ok(mutex) = Arc::try_unwrap(shared_logger) {
        *logger = mutex.into_inner().unwrap_or_else(PoisonError::into_inner);
    }
    outcome.map_err(|source| Error::Runtime { source })
}

/// The drivers upsd runs itself (see [`crate::stack`]), to be started
/// inside the runtime.
struct Hosting {
    plan: Option<HostPlan>,
    env: Environment,
    debug: u8,
    quiet: u8,
    syslog: bool,
}

/// Reads which drivers to host from `ups.conf` (logging what the
/// selection says); their sockets go to `statepath`, upsd's.
fn hosting(
    paths: &UpsdPaths,
    statepath: &std::path::Path,
    quiet: u8,
    foreground: Foreground,
    logger: &mut Logger,
) -> Hosting {
    let plan = match HostPlan::load(&paths.ups_conf()) {
        Ok(plan) => {
            for record in plan.log() {
                logger.log(record);
            }
            Some(plan).filter(|p| !p.is_empty())
        }
        Err(error) => {
            logger.write(Level::Error, format!("not hosting any driver: {error}"));
            None
        }
    };
    let nut = NutPaths::new(&paths.nut.confpath, statepath, &paths.nut.altpidpath);
    let mut env = Environment::with_paths(nut);
    if let Ok(cwd) = std::env::current_dir() {
        env.cwd = cwd;
    }
    Hosting {
        plan,
        env,
        debug: logger.debug_level(),
        quiet,
        syslog: foreground == Foreground::Background,
    }
}

impl Hosting {
    /// Starts the hosted drivers up to their sockets, logging failures.
    async fn start(&self, upsd_logger: &Mutex<Logger>) -> HostedDrivers {
        let Some(plan) = &self.plan else {
            return HostedDrivers::default();
        };
        let make_logger = |program: &str, ups: &str| {
            let mut logger = Logger::stderr(program, self.debug, self.quiet)
                .with_prefix(&format!("{program}-{ups}: "));
            if self.syslog {
                logger.to_syslog();
            }
            logger
        };
        let (hosted, failures) = HostedDrivers::start(plan, &self.env, &make_logger).await;
        let mut logger = upsd_logger.lock().unwrap_or_else(PoisonError::into_inner);
        for (ups, error) in &failures {
            logger.log(&HostedDrivers::failure_record(ups, error));
        }
        hosted
    }
}

/// Prints and clears queued records.
fn flush(logger: &mut Logger, log: &mut Vec<LogRecord>) {
    for record in log.drain(..) {
        logger.log(&record);
    }
}

fn write_pid(path: &std::path::Path) -> Result<(), Error> {
    process::write_pid_file(path, std::process::id()).map_err(|source| Error::Open {
        path: path.to_owned(),
        source,
    })
}

/// The account to switch to: `-u`, else `nut` when running as root.
fn account(user: Option<&str>) -> Result<Option<process::Account>, Error> {
    let root = nix::unistd::Uid::current().is_root();
    let name = match user {
        Some(name) => name,
        None if root => DEFAULT_USER,
        None => return Ok(None),
    };
    process::lookup_user(name)
        .map(Some)
        .map_err(|source| Error::Privileges { source })
}

/// Whether every failed listener was a localhost address (upsd lets that
/// slide: `::1` is missing on hosts without IPv6).
fn only_localhost_failed(log: &[LogRecord]) -> bool {
    log.iter()
        .filter_map(|r| r.message.strip_prefix("not listening on "))
        .all(|rest| {
            ["127.0.0.1 ", "::1 ", "localhost ", "localhost6 "]
                .iter()
                .any(|a| rest.starts_with(a))
        })
}

/// How many clients may connect: `MAXCONN` less upsd's own sockets, or the
/// system's descriptor limit less a reserve.
///
/// Known difference, measured by the `upsd_vs_real` bench: with `MAXCONN
/// 100` we serve one client fewer than the real upsd 2.8.0 (98 vs 99),
/// because the listening sockets are counted here too.
fn max_clients(maxconn: Option<u64>, upses: usize, listeners: usize) -> usize {
    let own = u64::try_from(upses + listeners).unwrap_or(u64::MAX);
    let limit = match maxconn {
        Some(n) => n.saturating_sub(own),
        None => fd_limit()
            .unwrap_or(FALLBACK_FD_LIMIT)
            .saturating_sub(own + RESERVED_FDS),
    };
    usize::try_from(limit.max(1)).unwrap_or(usize::MAX)
}

/// The soft `RLIMIT_NOFILE`, from `/proc/self/limits`.
fn fd_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.get("Max open files".len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Turns signals into controls: SIGHUP reloads (reading every file again,
/// and asking the hosted drivers to do the same), SIGTERM/SIGINT/SIGQUIT
/// stop.
async fn watch_signals(
    control: mpsc::UnboundedSender<Control>,
    paths: UpsdPaths,
    allow_no_device: Option<bool>,
    logger: Arc<Mutex<Logger>>,
    hosted: HostedControls,
) -> std::io::Result<()> {
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    loop {
        let stop = tokio::select! {
            _ = hup.recv() => None,
            _ = term.recv() => Some(Signal::SIGTERM),
            _ = int.recv() => Some(Signal::SIGINT),
            _ = quit.recv() => Some(Signal::SIGQUIT),
        };
        if let Some(sig) = stop {
            let _ = control.send(Control::Stop(sig as i32));
            return Ok(());
        }
        hosted.reload();
        let mut log = Vec::new();
        let loaded = files::load_all(&paths, allow_no_device, &mut log);
        {
            let mut logger = logger.lock().unwrap_or_else(PoisonError::into_inner);
            flush(&mut logger, &mut log);
        }
        let message = match loaded {
            Ok(files) => Control::Reload(Box::new(files.server_config())),
            Err(error) => Control::ReloadFailed(error.to_string()),
        };
        if control.send(message).is_err() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_match_prefixes() {
        assert_eq!(UpsdCommand::parse("r"), Some(UpsdCommand::Reload));
        assert_eq!(UpsdCommand::parse("reload"), Some(UpsdCommand::Reload));
        assert_eq!(UpsdCommand::parse("st"), Some(UpsdCommand::Stop));
        assert_eq!(UpsdCommand::parse("reloads"), None);
        assert_eq!(UpsdCommand::parse(""), None);
        assert_eq!(UpsdCommand::parse("x"), None);
    }

    #[test]
    fn client_limit_leaves_room_for_upsds_own_sockets() {
        assert_eq!(max_clients(Some(10), 2, 1), 7);
        assert_eq!(max_clients(Some(2), 2, 1), 1);
        let system = max_clients(None, 1, 1);
        assert!(system >= 1);
    }

    #[test]
    fn localhost_failures_are_tolerated() {
        let log = |m: &str| vec![LogRecord::new(Level::Error, m)];
        assert!(only_localhost_failed(&log(
            "not listening on ::1 port 3493"
        )));
        assert!(!only_localhost_failed(&log(
            "not listening on 10.0.0.1 port 3493"
        )));
    }
}
