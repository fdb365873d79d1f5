//! The process-level steps of a driver's start-up: taking over from a
//! running instance, `-c` commands, `-k` through the running instance,
//! going to the background, the socket, signals.

use std::ffi::OsString;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tokio::sync::mpsc;

use crate::error::Error;
use crate::runtime::cli::SignalCommand;
use crate::runtime::hub::ReloadKind;
use crate::runtime::log::{Level, Logger};
use crate::runtime::process;
use crate::runtime::query::{self, QueryError};
use crate::runtime::serve::Control;

/// How long a one-shot socket request may wait for its answer (NUT: 15 s).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(15);

/// How long `-k` waits for the running instance to power off the load.
pub const KILLPOWER_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a duplicate instance gets to go away after each request.
pub const TAKEOVER_WAIT: Duration = Duration::from_secs(5);

/// How long the foreground parent waits for the background child.
pub const DAEMON_START_TIMEOUT: Duration = Duration::from_secs(75);

/// Environment variable marking the background child of a driver.
pub const DAEMON_CHILD_ENV: &str = "NUT_RS_DRIVER_DAEMON_CHILD";

/// How to start this program again (for going to the background).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reexec {
    /// The executable.
    pub program: PathBuf,
    /// Arguments before the driver's own.
    pub prefix: Vec<OsString>,
    /// When set, the driver's arguments go in this environment variable
    /// (one per line) instead of the command line (test harnesses).
    pub args_env: Option<String>,
}

/// Asks a running instance to stop, then signals it, as NUT does: over the
/// socket first (`INSTCMD driver.exit`), then through the PID file
/// (SIGTERM up to three times, then SIGKILL).
pub fn take_over(socket: &Path, pid_file: &Path, logger: &mut Logger) {
    match query::oneshot(socket, "INSTCMD driver.exit", QUERY_TIMEOUT) {
        Ok(0) => {
            logger.write(
                Level::Warning,
                "Duplicate driver instance detected (local Unix socket exists)! \
                 Asked the other driver nicely to self-terminate!",
            );
            let deadline = Instant::now() + QUERY_TIMEOUT;
            while query::is_listening(socket) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(code) => logger.write(
            Level::Debug(1),
            format!("the other driver instance answered driver.exit with {code}"),
        ),
        Err(QueryError::Connect { .. }) => {}
        Err(e) => logger.write(
            Level::Debug(1),
            format!("Socket dialog with the other driver instance (may be absent) failed: {e}"),
        ),
    }
    let own = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
    let Some(pid) = process::read_pid_file(pid_file).filter(|p| *p != own) else {
        return;
    };
    for _ in 0..3 {
        if !process::is_alive(pid) {
            return;
        }
        logger.write(
            Level::Warning,
            format!(
                "Duplicate driver instance detected (PID file {} exists)! Terminating other driver!",
                pid_file.display()
            ),
        );
        if process::send_signal(pid, Signal::SIGTERM).is_err() {
            return;
        }
        if process::wait_gone(pid, TAKEOVER_WAIT) {
            return;
        }
    }
    logger.write(
        Level::Warning,
        format!(
            "Duplicate driver instance is still alive (PID file {} exists) after several \
             termination attempts! Killing other driver!",
            pid_file.display()
        ),
    );
    if process::send_signal(pid, Signal::SIGKILL).is_ok() {
        process::wait_gone(pid, TAKEOVER_WAIT);
    }
}

/// `-c <command>`: the exit status NUT gives.
pub fn send_command(
    command: SignalCommand,
    socket: &Path,
    pid_file: &Path,
    pid: Option<i32>,
    logger: &mut Logger,
) -> u8 {
    let signal = match command {
        SignalCommand::Exit | SignalCommand::ReloadOrError => {
            let request = format!("INSTCMD driver.{}", command.name());
            return match query::oneshot(socket, &request, QUERY_TIMEOUT) {
                Ok(code) => {
                    logger.write(
                        Level::Info,
                        format!(
                            "Request for driver to {} returned code {code}",
                            command.name()
                        ),
                    );
                    u8::try_from(code).unwrap_or(u8::MAX)
                }
                Err(e) => {
                    logger.write(
                        Level::Error,
                        format!("Socket dialog with the other driver instance: {e}"),
                    );
                    u8::MAX
                }
            };
        }
        SignalCommand::Reload => Signal::SIGHUP,
        SignalCommand::ReloadOrExit => Signal::SIGUSR1,
    };
    let target = pid.or_else(|| process::read_pid_file(pid_file));
    match target.map(|p| process::send_signal(p, signal)) {
        Some(Ok(())) => 0,
        outcome => {
            if target.is_none() {
                logger.write(
                    Level::Warning,
                    format!(
                        "Could not find PID file '{}' to see if previous driver instance is \
                         already running or not!",
                        pid_file.display()
                    ),
                );
            } else if let Some(Err(e)) = outcome {
                logger.write(Level::Debug(1), format!("Just failed to send signal: {e}"));
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
    }
}

/// `-k` through a running instance: allow and request `driver.killpower`.
/// `Some(0)` when it was done; `None` to fall back to doing it here.
pub fn killpower_via_socket(socket: &Path, logger: &mut Logger) -> Option<u8> {
    query::oneshot(socket, "SET driver.flag.allow_killpower 1", QUERY_TIMEOUT).ok()?;
    match query::oneshot(socket, "INSTCMD driver.killpower", KILLPOWER_TIMEOUT) {
        Ok(code) => {
            logger.write(
                Level::Info,
                format!("Request to killpower via running driver returned code {code}"),
            );
            (code == 0).then_some(0)
        }
        Err(e) => {
            logger.write(
                Level::Debug(1),
                format!("Socket dialog with the other driver instance: {e}"),
            );
            None
        }
    }
}

/// Starts the driver again in the background and waits until it has
/// written its PID file (ready) or exited; returns the exit status for the
/// foreground process.
pub fn daemonize(reexec: &Reexec, args: &[String], pid_file: &Path, logger: &mut Logger) -> u8 {
    let mut command = Command::new(&reexec.program);
    command.args(&reexec.prefix);
    match &reexec.args_env {
        Some(name) => {
            command.env(name, args.join("\n"));
        }
        None => {
            command.args(args);
        }
    }
    command.env(DAEMON_CHILD_ENV, "1").stdin(Stdio::null());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            logger.write(
                Level::Error,
                format!("can't start the background process: {e}"),
            );
            return 1;
        }
    };
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    let deadline = Instant::now() + DAEMON_START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1);
        }
        if process::read_pid_file(pid_file) == Some(pid) {
            return 0;
        }
        if Instant::now() >= deadline {
            logger.write(
                Level::Error,
                format!("the background driver (PID {pid}) did not start in time"),
            );
            return 1;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The background child's detachment: its own session, standard streams on
/// `/dev/null` (so that whoever started the driver sees end-of-file).
pub fn detach_stdio() {
    use std::os::fd::AsRawFd;
    let _ = nix::unistd::setsid();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..3 {
            let _ = nix::unistd::dup2(null.as_raw_fd(), fd);
        }
    }
}

/// Binds the state socket at `path` (replacing whatever is there, as NUT
/// does), mode 0660, group `gid` when given.
///
/// # Errors
///
/// [`Error::Socket`] when the socket cannot be created.
pub fn bind_socket(
    path: &Path,
    gid: Option<u32>,
    logger: &mut Logger,
) -> Result<UnixListener, Error> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).map_err(|source| Error::Socket {
        path: path.to_owned(),
        source,
    })?;
    if let Err(e) = process::set_socket_group(path, gid) {
        logger.write(
            Level::Warning,
            format!(
                "WARNING: can't set the group and mode of {}: {e}",
                path.display()
            ),
        );
    }
    listener
        .set_nonblocking(true)
        .map_err(|source| Error::Socket {
            path: path.to_owned(),
            source,
        })?;
    logger.write(
        Level::Debug(1),
        format!("Listening on socket {}", path.display()),
    );
    Ok(listener)
}

/// A file's identity (device and inode), to tell our socket from a
/// successor's.
pub fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Removes `path` if it is still the file identified by `identity` (a new
/// instance that took over has bound its own socket there).
pub fn remove_if_same(path: &Path, identity: Option<(u64, u64)>) {
    if identity.is_some() && file_identity(path) == identity {
        let _ = std::fs::remove_file(path);
    }
}

/// The hints NUT prints when the socket cannot be created.
pub fn socket_hints(error: &Error, statepath: &Path, program: &str) -> String {
    let Error::Socket { path, source } = error else {
        return String::new();
    };
    match source.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "\nThings to try:\n\n - set different owners or permissions on {}\n\n - run this \
             program as some other user (try -u <username>)\n",
            statepath.display()
        ),
        std::io::ErrorKind::NotFound => {
            format!("\nThings to try:\n\n - mkdir {}\n", statepath.display())
        }
        std::io::ErrorKind::AddrInUse => format!(
            "\nThings to try:\n\n - ps -ef | grep '{program}'\n   To check if another copy of \
             the driver is running; if not:\n\n - ls -la {}\n   To check if a (non-socket) \
             filesystem object already exists there\n",
            path.display()
        ),
        _ => String::new(),
    }
}

/// Forwards the signals a NUT driver handles to `controls`: SIGTERM,
/// SIGINT and SIGQUIT exit, SIGHUP reloads, SIGUSR1 reloads or exits,
/// SIGURG and SIGWINCH dump the state. Must run inside the runtime.
///
/// # Errors
///
/// A handler could not be installed.
pub fn forward_signals(controls: mpsc::UnboundedSender<Control>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let table = [
        (SignalKind::terminate(), Control::Exit(Some(15))),
        (SignalKind::interrupt(), Control::Exit(Some(2))),
        (SignalKind::quit(), Control::Exit(Some(3))),
        (SignalKind::hangup(), Control::Reload(ReloadKind::Reload)),
        (
            SignalKind::user_defined1(),
            Control::Reload(ReloadKind::OrExit),
        ),
        (SignalKind::from_raw(23), Control::Dump),
        (SignalKind::window_change(), Control::Dump),
    ];
    for (kind, control) in table {
        let mut stream = signal(kind)?;
        let tx = controls.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(control).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_socket_is_removed() {
        let dir = std::env::temp_dir().join(format!("nut-setup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("sock");
        let mut logger = Logger::discard();
        let first = bind_socket(&path, None, &mut logger).expect("bind");
        let ours = file_identity(&path);
        // A successor replaces the socket file: ours must not remove it.
        let second = bind_socket(&path, None, &mut logger).expect("bind again");
        remove_if_same(&path, ours);
        assert!(path.exists());
        remove_if_same(&path, file_identity(&path));
        assert!(!path.exists());
        drop((first, second));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bind_failures_carry_nuts_hints() {
        let mut logger = Logger::discard();
        let missing = Path::new("/nonexistent-nut-dir/sock");
        let error = bind_socket(missing, None, &mut logger).unwrap_err();
        assert!(error.to_string().starts_with(
            "Fatal error: unable to create listener socket: bind /nonexistent-nut-dir/sock failed"
        ));
        let hints = socket_hints(&error, Path::new("/nonexistent-nut-dir"), "dummy-ups");
        assert_eq!(hints, "\nThings to try:\n\n - mkdir /nonexistent-nut-dir\n");
    }
}
