//! upssched: [`main`] is NUT's upssched, run by upsmon as its NOTIFYCMD.
//!
//! Each run reads `$NUT_CONFPATH/upssched.conf`, takes the event from
//! `NOTIFYTYPE`, `UPSNAME` (both required) and the message in its
//! arguments, and performs every matching `AT` rule in file order:
//! `EXECUTE` runs CMDSCRIPT at once and waits for it; the timer actions go
//! to the timer daemon listening on PIPEFN, started on demand (LOCKFN
//! keeps two starts from racing). A CANCEL with no daemon running runs its
//! fallback command directly. `-l` lists the daemon's timers.
//!
//! Deliberate differences from NUT 2.8.0 (see [`crate::upssched`]):
//! CANCEL-TIMER-MATCHED works; timers run CMDSCRIPT with the environment
//! of the event that started them (2.8.0 uses that of the event that
//! started the daemon); NOTIFYMSG is exported (a later-NUT addition);
//! timers fire on time (2.8.0 ticks once a second, up to 1 s early).

mod daemon;
mod wire;

use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use daemon::IDLE_EXIT;

use crate::runtime::{Logger, build_runtime, confpath};
use crate::upssched::{self as conf, Action, Command, Config, EventContext};
use crate::{Error, LogLevel};

/// The hidden first argument of the timer daemon process.
const DAEMON_ARG: &str = "--nut-rs-daemon";

/// How often, and how many times, a client tries to reach a starting daemon
/// (NUT: 30 × 250 ms).
const CONNECT_RETRY: Duration = Duration::from_millis(250);
const CONNECT_TRIES: u32 = 30;

/// A lock file older than this is left over from a crash and removed.
const STALE_LOCK: Duration = Duration::from_secs(10);

/// How long a client waits for the daemon's reply.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// The `-h` text.
pub const HELP: &str = "\
upssched - upsmon's event scheduler (run it as upsmon's NOTIFYCMD)

usage: upssched [OPTIONS] [<message>]

  -l		list the pending timers of the running daemon
  -D		raise debugging level
  -h		display this help
  -V		display the version

Reads $NUT_CONFPATH/upssched.conf; the event comes from the NOTIFYTYPE and
UPSNAME environment variables and the message from the arguments.
";

/// Runs upssched with `args` (program name first); returns its exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let daemon = args.first().is_some_and(|a| a == DAEMON_ARG);
    if daemon {
        args.remove(0);
    }
    let mut debug = 0u8;
    let mut list = false;
    let mut message = Vec::new();
    for arg in &args {
        match arg.as_str() {
            "-l" => list = true,
            "-D" => debug = debug.saturating_add(1),
            "-h" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            "-V" => {
                println!(
                    "Network UPS Tools upssched {} (nut-rs {})",
                    crate::runtime::NUT_VERSION,
                    env!("CARGO_PKG_VERSION")
                );
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') && other.len() > 1 && message.is_empty() => {
                eprintln!("upssched: invalid option {other}");
                eprint!("{HELP}");
                return ExitCode::FAILURE;
            }
            other => message.push(other.to_owned()),
        }
    }
    let logger = Arc::new(Logger::new("upssched", !daemon, debug));
    let Some(config) = load(&logger) else {
        return ExitCode::FAILURE;
    };
    let code = if daemon {
        run_daemon(config, logger)
    } else if list {
        list_timers(&config, &logger)
    } else {
        run_event(&config, &message.join(" "), &logger)
    };
    ExitCode::from(code)
}

/// Reads upssched.conf; `None` (after logging why) when unusable.
fn load(logger: &Logger) -> Option<Config> {
    let path = confpath().join("upssched.conf");
    let name = path.display().to_string();
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) => {
            logger.log(
                LogLevel::Error,
                &format!("Can't open {name}: {}", nut_proto::error::strerror(&e)),
            );
            return None;
        }
    };
    match conf::parse(&text, &name) {
        Ok(parsed) => {
            for d in &parsed.diagnostics {
                logger.log(LogLevel::Warning, &d.message);
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

fn pipe_path(config: &Config) -> Option<PathBuf> {
    config.pipe_fn.as_ref().map(PathBuf::from)
}

/// One event: every matching `AT` rule, in order.
fn run_event(config: &Config, message: &str, logger: &Logger) -> u8 {
    let (Ok(ups), Ok(notify_type)) = (std::env::var("UPSNAME"), std::env::var("NOTIFYTYPE")) else {
        logger.log(
            LogLevel::Error,
            "Could not read UPSNAME/NOTIFYTYPE environment variable. This program should only be run from upsmon.",
        );
        return 1;
    };
    let event = EventContext {
        notify_type,
        ups,
        message: message.replace(['\n', '\r'], " "),
    };
    let mut code = 0;
    for action in config.actions(&event.notify_type, &event.ups) {
        match action {
            Action::Execute { command } => {
                println!("Executing command: {command}");
                run_now(config, &command_for(command, &event), logger);
            }
            other => {
                if let Err(e) = send(config, other, &event, logger) {
                    logger.log(LogLevel::Error, &e.to_string());
                    code = 1;
                }
            }
        }
    }
    code
}

fn command_for(argument: &str, event: &EventContext) -> Command {
    Command {
        argument: argument.to_owned(),
        notify_type: event.notify_type.clone(),
        ups: event.ups.clone(),
        message: event.message.clone(),
    }
}

/// Runs CMDSCRIPT in the foreground (EXECUTE, or a CANCEL fallback when no
/// daemon runs).
fn run_now(config: &Config, command: &Command, logger: &Logger) {
    let Some((program, fixed)) = config
        .cmd_script
        .as_deref()
        .and_then(<[String]>::split_first)
    else {
        return;
    };
    let status = std::process::Command::new(program)
        .args(fixed)
        .arg(&command.argument)
        .env("UPSNAME", &command.ups)
        .env("NOTIFYTYPE", &command.notify_type)
        .env("NOTIFYMSG", &command.message)
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => logger.log(
            LogLevel::Error,
            &format!("{program} {} failed: {s}", command.argument),
        ),
        Err(e) => logger.log(
            LogLevel::Error,
            &format!(
                "Can't execute CMDSCRIPT {program}: {}",
                nut_proto::error::strerror(&e)
            ),
        ),
    }
}

/// Hands a timer action to the daemon, starting it when needed.
fn send(
    config: &Config,
    action: &Action,
    event: &EventContext,
    logger: &Logger,
) -> Result<(), Error> {
    let Some(line) = wire::encode(action, event) else {
        return Ok(());
    };
    let pipe = pipe_path(config).ok_or_else(|| Error::Usage("PIPEFN is not set".into()))?;
    let stream = match UnixStream::connect(&pipe) {
        Ok(s) => s,
        Err(_) => {
            if let Action::CancelTimer { otherwise, .. }
            | Action::CancelTimerMatched { otherwise, .. } = action
            {
                // No daemon, so no timer: only the fallback runs.
                if let Some(cmd) = otherwise {
                    run_now(config, &command_for(cmd, event), logger);
                }
                return Ok(());
            }
            start_daemon(config, &pipe, logger)?
        }
    };
    let reply = exchange(stream, &line).map_err(|e| {
        Error::io(
            format!("talking to the upssched daemon on {}", pipe.display()),
            &e,
        )
    })?;
    if reply.trim_end() != "OK" {
        logger.log(
            LogLevel::Error,
            &format!(
                "upssched daemon refused [{}]: {}",
                line.trim_end(),
                reply.trim_end()
            ),
        );
    }
    Ok(())
}

/// Sends one line and reads one reply line.
fn exchange(mut stream: UnixStream, line: &str) -> std::io::Result<String> {
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
    stream.write_all(line.as_bytes())?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    Ok(reply)
}

/// Starts the daemon under LOCKFN and returns a connection to it.
fn start_daemon(config: &Config, pipe: &Path, logger: &Logger) -> Result<UnixStream, Error> {
    let lock = config
        .lock_fn
        .as_ref()
        .map(PathBuf::from)
        .ok_or_else(|| Error::Usage("LOCKFN is not set".into()))?;
    for _ in 0..CONNECT_TRIES {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => {
                let started = spawn_daemon(logger);
                let connected = started.and_then(|()| connect_retrying(pipe));
                let _ = std::fs::remove_file(&lock);
                return connected;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Someone else is starting it.
                if let Ok(stream) = UnixStream::connect(pipe) {
                    return Ok(stream);
                }
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > STALE_LOCK);
                if stale {
                    let _ = std::fs::remove_file(&lock);
                }
                std::thread::sleep(CONNECT_RETRY);
            }
            Err(e) => return Err(Error::io(format!("can't create {}", lock.display()), &e)),
        }
    }
    connect_retrying(pipe)
}

fn spawn_daemon(logger: &Logger) -> Result<(), Error> {
    logger.debug("Starting the timer daemon");
    let exe = std::env::current_exe().map_err(|e| Error::io("can't find this program", &e))?;
    std::process::Command::new(exe)
        .arg0("upssched")
        .arg(DAEMON_ARG)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
        .map_err(|e| Error::io("can't start the timer daemon", &e))
}

fn connect_retrying(pipe: &Path) -> Result<UnixStream, Error> {
    let mut last = None;
    for _ in 0..CONNECT_TRIES {
        match UnixStream::connect(pipe) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(CONNECT_RETRY);
    }
    let e = last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into());
    Err(Error::io(
        format!("can't connect to the upssched daemon on {}", pipe.display()),
        &e,
    ))
}

/// `-l`.
fn list_timers(config: &Config, logger: &Logger) -> u8 {
    let Some(pipe) = pipe_path(config) else {
        return 1;
    };
    let Ok(mut stream) = UnixStream::connect(&pipe) else {
        println!("No timers: the upssched daemon is not running");
        return 0;
    };
    let result = stream
        .set_read_timeout(Some(REPLY_TIMEOUT))
        .and_then(|()| stream.write_all(b"LIST-TIMERS\n"));
    if let Err(e) = result {
        logger.log(
            LogLevel::Error,
            &format!("LIST-TIMERS: {}", nut_proto::error::strerror(&e)),
        );
        return 1;
    }
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return 1 };
        println!("{line}");
        if line == "END LIST TIMERS" {
            break;
        }
    }
    0
}

/// The daemon process: bind PIPEFN, serve, exit when idle.
fn run_daemon(config: Config, logger: Arc<Logger>) -> u8 {
    let Some(pipe) = pipe_path(&config) else {
        return 1;
    };
    let config = Arc::new(config);
    let result = build_runtime().and_then(|rt| {
        rt.block_on(async {
            let listener = daemon::bind(&pipe)?;
            daemon::serve(listener, config, pipe.clone(), logger.clone()).await;
            Ok::<(), Error>(())
        })
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            logger.log(LogLevel::Error, &e.to_string());
            1
        }
    }
}
