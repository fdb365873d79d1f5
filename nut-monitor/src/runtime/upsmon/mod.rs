//! upsmon: [`main`] does what NUT's upsmon does with the same options and
//! files (see `HELP` for the options, [`cli::Options`] for their meaning).
//!
//! Start-up, as NUT 2.8.0: print the banner; `-c` signals the running
//! upsmon and exits; read upsmon.conf (`-f`, else `$NUT_CONFPATH/upsmon.conf`);
//! `-K` checks POWERDOWNFLAG and exits; warn when SHUTDOWNCMD is missing;
//! remove an old POWERDOWNFLAG holding the magic text (one holding
//! anything else disables POWERDOWNFLAG); refuse to run with less power
//! than MINSUPPLIES; go to the background unless `-F`/`-D`; split into the
//! root parent and the unprivileged child unless `-p` (the `privsep` module
//! explains how without `fork`); write the PID file; monitor.
//!
//! Deliberate differences from NUT 2.8.0: the PID file honours
//! `NUT_ALTPIDPATH`; NOTIFYCMD runs without a shell (see `deliver`);
//! STARTTLS is attempted only when TLS is configured (CERTPATH,
//! CERTVERIFY, FORCESSL or CERTHOST), not on every connection; going to the
//! background starts a new process group rather than a new session (no
//! `setsid` without unsafe code).

mod cli;
mod conn;
mod deliver;
mod embed;
mod monitor;
mod pidfile;
mod privsep;
mod simulate;

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;

pub use cli::{Family, HELP, Options, Signal};
pub use embed::run_embedded;
pub use pidfile::{path as pid_file_path, send as send_signal};
pub use simulate::simulate;

use crate::config::{self, Config, Severity};
use crate::runtime::{Logger, NUT_VERSION, build_runtime, confpath};
use crate::{Error, LogLevel};
use deliver::FlagState;
use monitor::{Privileged, Setup};

/// The hidden first argument of the copy that runs in the background.
const DAEMON_ARG: &str = "--nut-rs-daemon";

/// Which process of the upsmon family this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Started by the user.
    Initial,
    /// The background copy of the initial process.
    Daemon,
    /// The unprivileged child of the split.
    Child,
}

/// Runs upsmon with `args` (program name first) and returns its exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args: Vec<OsString> = args.into_iter().skip(1).collect();
    let role = match args.first().and_then(|a| a.to_str()) {
        Some(privsep::CHILD_ARG) => Role::Child,
        Some(DAEMON_ARG) => Role::Daemon,
        _ => Role::Initial,
    };
    if role != Role::Initial {
        args.remove(0);
    }
    let options = match Options::parse(args.clone()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("upsmon: {e}");
            eprint!("{HELP}");
            return ExitCode::FAILURE;
        }
    };
    if role == Role::Initial {
        println!(
            "Network UPS Tools upsmon {NUT_VERSION} (nut-rs {})",
            env!("CARGO_PKG_VERSION")
        );
    }
    if options.help {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    if options.version {
        return ExitCode::SUCCESS;
    }
    if let Some(signal) = options.signal {
        return match send_signal(signal, options.pid) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                eprintln!("Failed to signal the currently running daemon (if any)");
                ExitCode::FAILURE
            }
        };
    }
    let code = run(&options, &args, role);
    ExitCode::from(code)
}

fn config_path(options: &Options) -> PathBuf {
    options
        .config
        .clone()
        .unwrap_or_else(|| confpath().join("upsmon.conf"))
}

/// When [`load_config`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Load {
    /// At start: every complaint is logged.
    Start,
    /// In the child, which re-reads what the parent already complained about:
    /// only fatal problems are logged.
    Child,
    /// On SIGHUP.
    Reload,
}

/// Reads and parses upsmon.conf, logging NUT's complaints. `None` when it
/// cannot be read or NUT would refuse it.
pub(crate) fn load_config(path: &Path, logger: &Logger, when: Load) -> Option<Config> {
    let name = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) => {
            let what = if when == Load::Reload {
                "Reload failed: can't open"
            } else {
                "Can't open"
            };
            logger.log(
                LogLevel::Error,
                &format!("{what} {name}: {}", nut_proto::error::strerror(&e)),
            );
            return None;
        }
    };
    match config::parse(&text, &name) {
        Ok(parsed) => {
            let diagnostics = if when == Load::Child {
                &[][..]
            } else {
                &parsed.diagnostics[..]
            };
            for d in diagnostics {
                let level = match d.severity {
                    Severity::Warning => LogLevel::Warning,
                    _ => LogLevel::Error,
                };
                logger.log(level, &d.message);
            }
            Some(parsed.config)
        }
        Err(e) => {
            for line in e.nut_message() {
                logger.log(LogLevel::Error, &line);
            }
            None
        }
    }
}

fn run(options: &Options, args: &[OsString], role: Role) -> u8 {
    let path = config_path(options);
    if let Some(scenario) = &options.simulate {
        return run_simulation(&path, scenario, options.debug > 0);
    }
    let foreground = role == Role::Daemon || options.is_foreground();
    // The background copy logs to syslog; so does its child.
    let to_stderr = options.is_foreground();
    let logger = Arc::new(Logger::new("upsmon", to_stderr, options.debug));
    let when = if role == Role::Child {
        Load::Child
    } else {
        Load::Start
    };
    let Some(mut config) = load_config(&path, &logger, when) else {
        return 1;
    };
    if options.check_flag {
        return check_flag(&config, &logger);
    }
    if role == Role::Child {
        return child(config, options, path, logger);
    }
    if config.shutdown_cmd.is_none() {
        println!("Warning: no shutdown command defined!");
    }
    if let Some(flag) = config.powerdown_flag.clone() {
        match deliver::flag_state(&flag) {
            FlagState::Set => {
                let _ = std::fs::remove_file(&flag);
            }
            FlagState::Foreign => {
                logger.log(
                    LogLevel::Error,
                    &format!(
                        "POWERDOWNFLAG ({flag}) does not contain the upsmon magic string - disabling!"
                    ),
                );
                config.powerdown_flag = None;
            }
            FlagState::Absent => {}
        }
    }
    if let Err(e) = config.check_power() {
        for line in e.nut_message() {
            println!("{line}");
        }
        return 1;
    }
    if !foreground {
        return go_background(args);
    }
    for m in &config.monitors {
        logger.log(
            LogLevel::Info,
            &format!(
                "UPS: {} ({}) (power value {})",
                m.system,
                if m.role == config::Role::Primary {
                    "primary"
                } else {
                    "secondary"
                },
                m.power_value
            ),
        );
    }
    if let Some(flag) = &config.powerdown_flag {
        logger.log(
            LogLevel::Info,
            &format!("Using power down flag file {flag}"),
        );
    }
    let pid_file = pidfile::path();
    if options.single_process {
        logger.log(
            LogLevel::Info,
            "Warning: running as one big root process by request (upsmon -p)",
        );
        pidfile::write(&pid_file, std::process::id(), &logger);
        let setup = Setup {
            config,
            config_path: path,
            family: options.family,
            connect_timeout: options.connect_timeout,
            logger: logger.clone(),
            privileged: Privileged::Local,
        };
        let code = monitor(setup, &logger);
        pidfile::remove(&pid_file);
        return code;
    }
    match privsep::run_parent(args, &config, options.user.as_deref(), &pid_file, &logger) {
        Ok(code) => code,
        Err(e) => {
            logger.log(LogLevel::Critical, &format!("Fatal error: {e}"));
            1
        }
    }
}

fn child(config: Config, options: &Options, path: PathBuf, logger: Arc<Logger>) -> u8 {
    let link = match privsep::child_link() {
        Ok(link) => link,
        Err(e) => {
            logger.log(LogLevel::Critical, &format!("Fatal error: {e}"));
            return 1;
        }
    };
    let setup = Setup {
        config,
        config_path: path,
        family: options.family,
        connect_timeout: options.connect_timeout,
        logger: logger.clone(),
        privileged: Privileged::Parent(link),
    };
    monitor(setup, &logger)
}

fn monitor(setup: Setup, logger: &Logger) -> u8 {
    let result = build_runtime().and_then(|rt| rt.block_on(monitor::run(setup)));
    match result {
        Ok(code) => code,
        Err(e) => {
            for line in e.nut_message() {
                logger.log(LogLevel::Critical, &line);
            }
            1
        }
    }
}

/// `-K`: 0 when POWERDOWNFLAG is configured, exists and holds the magic.
fn check_flag(config: &Config, logger: &Logger) -> u8 {
    let Some(flag) = &config.powerdown_flag else {
        println!("Power down flag is not set");
        return 1;
    };
    match deliver::flag_state(flag) {
        FlagState::Set => {
            println!("Power down flag is set");
            0
        }
        FlagState::Absent => {
            println!("Power down flag is not set");
            1
        }
        FlagState::Foreign => {
            logger.log(
                LogLevel::Error,
                &format!("POWERDOWNFLAG ({flag}) does not contain the upsmon magic string"),
            );
            1
        }
    }
}

/// Starts the background copy (NUT's `background()`) and returns 0.
fn go_background(args: &[OsString]) -> u8 {
    let spawned = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .arg0("upsmon")
            .arg(DAEMON_ARG)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
    });
    match spawned {
        Ok(_) => 0,
        Err(e) => {
            eprintln!(
                "Unable to enter background mode: {}",
                nut_proto::error::strerror(&e)
            );
            1
        }
    }
}

fn run_simulation(config_file: &Path, scenario: &Path, verbose: bool) -> u8 {
    let logger = Logger::new("upsmon", true, 0);
    let Some(config) = load_config(config_file, &logger, Load::Start) else {
        return 1;
    };
    match simulate(config, scenario, verbose) {
        Ok(report) => {
            print!("{report}");
            0
        }
        Err(e @ Error::InsufficientPower { .. }) => {
            for line in e.nut_message() {
                println!("{line}");
            }
            1
        }
        Err(e) => {
            eprintln!("upsmon: {e}");
            2
        }
    }
}
