//! The privilege split (NUT's `start_pipe`/`runparent`) without `fork`:
//! the root process re-executes this program as the unprivileged child
//! (`Command::uid`/`gid`, which also drops supplementary groups) and
//! keeps one end of a socket pair; the child gets the other end as its
//! standard input.
//!
//! * The parent only waits on the socket: one byte `1` means "write
//!   POWERDOWNFLAG and run SHUTDOWNCMD" (with the values the parent read at
//!   start: a reload in the child cannot change them); end of file means
//!   the child exited, and the parent exits too.
//! * The child sees end of file when the parent dies, and then notifies
//!   NOPARENT (every two minutes, through the engine).
//!
//! The parent writes the PID file with the child's PID, so `upsmon -c`
//! signals the child, as in NUT (whose child writes it before dropping
//! root).

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsFd as _, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Stdio;

use super::deliver;
use super::pidfile;
use crate::config::Config;
use crate::runtime::Logger;
use crate::{Error, LogLevel};

/// The hidden first argument that makes a process the child.
pub(crate) const CHILD_ARG: &str = "--nut-rs-child";

/// The byte that asks the parent to shut the system down.
pub(crate) const SHUTDOWN_BYTE: u8 = b'1';

/// The user the child runs as when neither `-u` nor RUN_AS_USER says
/// (Debian's build default).
pub(crate) const DEFAULT_USER: &str = "nut";

/// Starts the child and serves it until it asks for the shutdown or exits.
/// Returns the exit code.
pub(crate) fn run_parent(
    args: &[OsString],
    config: &Config,
    user: Option<&str>,
    pid_file: &Path,
    logger: &Logger,
) -> Result<u8, Error> {
    let (mut ours, theirs) =
        UnixStream::pair().map_err(|e| Error::io("socketpair creation failed", &e))?;
    let exe = std::env::current_exe().map_err(|e| Error::io("can't find this program", &e))?;
    let mut command = std::process::Command::new(exe);
    command
        .arg0("upsmon")
        .arg(CHILD_ARG)
        .args(args)
        .stdin(Stdio::from(OwnedFd::from(theirs)));
    if nix::unistd::geteuid().is_root() {
        let name = user
            .or(config.run_as_user.as_deref())
            .unwrap_or(DEFAULT_USER);
        let account = nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .ok_or_else(|| Error::Usage(format!("user {name} not found")))?;
        command.uid(account.uid.as_raw()).gid(account.gid.as_raw());
    }
    let mut child = command.spawn().map_err(|e| Error::io("fork failed", &e))?;
    drop(command);
    pidfile::write(pid_file, child.id(), logger);
    let mut byte = [0u8; 1];
    let code = loop {
        match ours.read(&mut byte) {
            Ok(0) => {
                logger.log(LogLevel::Error, "upsmon parent: exiting (child exited)");
                break 1;
            }
            Ok(_) if byte[0] == SHUTDOWN_BYTE => {
                if let Some(path) = &config.powerdown_flag {
                    deliver::write_powerdown_flag(path, logger);
                }
                match &config.shutdown_cmd {
                    Some(cmd) => {
                        deliver::run_shutdown_cmd(cmd, logger);
                    }
                    None => logger.log(
                        LogLevel::Error,
                        "parent: Unable to call shutdown command: no SHUTDOWNCMD is configured",
                    ),
                }
                break 0;
            }
            Ok(_) => {
                logger.log(
                    LogLevel::Error,
                    &format!("upsmon parent: got bogus pipe command {}", byte[0]),
                );
                break 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                logger.log(
                    LogLevel::Error,
                    &format!("upsmon parent: read: {}", nut_proto::error::strerror(&e)),
                );
                break 1;
            }
        }
    };
    if code == 1 {
        let _ = child.wait();
    }
    pidfile::remove(pid_file);
    Ok(code)
}

/// The child's end of the link: standard input, as set up by the parent.
pub(crate) fn child_link() -> Result<UnixStream, Error> {
    let fd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| Error::io("can't reach the privileged parent", &e))?;
    Ok(UnixStream::from(fd))
}

/// Asks the parent for the shutdown.
pub(crate) fn request_shutdown(link: &mut UnixStream, logger: &Logger) {
    if let Err(e) = link.write_all(&[SHUTDOWN_BYTE]) {
        logger.log(
            LogLevel::Alert,
            &format!(
                "Can't ask the privileged parent to shut down: {} - shutdown impossible",
                nut_proto::error::strerror(&e)
            ),
        );
    }
}
