//! Delivery of the engine's outputs that leave the process: notifications
//! (syslog, `wall`, NOTIFYCMD), and the privileged POWERDOWNFLAG and
//! SHUTDOWNCMD.
//!
//! NOTIFYCMD runs asynchronously (NUT forks for each notification) with
//! `NOTIFYTYPE` and `UPSNAME` in its environment and the message as its
//! last argument. NUT 2.8.0 builds a shell command line
//! (`NOTIFYCMD "message"`) and runs it with `system()`, so a message
//! holding a quote or `$(...)` (an `ups.alarm` text comes from the device)
//! is interpreted by the shell; we run the program directly, as NUT 2.8.6
//! does. A single NOTIFYCMD word that contains blanks and names no existing
//! file (`NOTIFYCMD "/usr/bin/logger -t ups"`, fine for 2.8.0's shell) is
//! split at blanks.

use std::path::Path;
use std::process::Stdio;

use tokio::io::AsyncWriteExt as _;

use crate::notify::{Notification, NotifyFlags};
use crate::runtime::Logger;
use crate::{LogLevel, POWERDOWN_MAGIC};

/// Delivers one notification according to its flags.
pub(crate) fn notify(n: &Notification, notify_cmd: Option<&[String]>, logger: &Logger) {
    if n.flags.delivers(NotifyFlags::SYSLOG) {
        logger.log(LogLevel::Notice, &n.message);
    }
    if n.flags.delivers(NotifyFlags::WALL) {
        wall(&n.message, logger);
    }
    if n.flags.delivers(NotifyFlags::EXEC)
        && let Some(cmd) = notify_cmd
    {
        exec_notify(cmd, n, logger);
    }
}

/// The program and arguments of NOTIFYCMD (see the module docs).
fn notify_argv(cmd: &[String]) -> Vec<String> {
    match cmd {
        [single] if single.contains(char::is_whitespace) && !Path::new(single).exists() => {
            single.split_whitespace().map(str::to_owned).collect()
        }
        _ => cmd.to_vec(),
    }
}

fn exec_notify(cmd: &[String], n: &Notification, logger: &Logger) {
    let argv = notify_argv(cmd);
    let Some((program, args)) = argv.split_first() else {
        return;
    };
    let spawned = tokio::process::Command::new(program)
        .args(args)
        .arg(&n.message)
        .env("NOTIFYTYPE", n.kind.name())
        .env("UPSNAME", n.ups.as_deref().unwrap_or(""))
        .stdin(Stdio::null())
        .spawn();
    match spawned {
        // Not awaited: tokio reaps dropped children in the background.
        Ok(child) => drop(child),
        Err(e) => logger.log(
            LogLevel::Error,
            &format!(
                "Can't execute NOTIFYCMD {program} for {}: {}",
                n.kind,
                nut_proto::error::strerror(&e)
            ),
        ),
    }
}

/// Sends `text` to every terminal with `wall`, in the background.
pub(crate) fn wall(text: &str, logger: &Logger) {
    let spawned = tokio::process::Command::new("wall")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            let line = format!("{text}\n");
            tokio::spawn(async move {
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(line.as_bytes()).await;
                }
                let _ = child.wait().await;
            });
        }
        Err(e) => logger.debug(&format!(
            "Can't invoke wall: {}",
            nut_proto::error::strerror(&e)
        )),
    }
}

/// Creates POWERDOWNFLAG with the magic text (no newline), as NUT's
/// `set_pdflag`.
pub(crate) fn write_powerdown_flag(path: &str, logger: &Logger) {
    if let Err(e) = std::fs::write(path, POWERDOWN_MAGIC) {
        logger.log(
            LogLevel::Error,
            &format!(
                "Failed to create power down flag {path}: {}",
                nut_proto::error::strerror(&e)
            ),
        );
    }
}

/// Runs SHUTDOWNCMD with `/bin/sh -c` and waits for it; a failure is
/// logged loudly (NUT 2.8.0 logs it and does not retry).
pub(crate) fn run_shutdown_cmd(command: &str, logger: &Logger) -> bool {
    let status = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => true,
        Ok(s) => {
            logger.log(
                LogLevel::Error,
                &format!("Unable to call shutdown command: {command} ({s})"),
            );
            false
        }
        Err(e) => {
            logger.log(
                LogLevel::Error,
                &format!(
                    "Unable to call shutdown command: {command}: {}",
                    nut_proto::error::strerror(&e)
                ),
            );
            false
        }
    }
}

/// What POWERDOWNFLAG holds (NUT's `pdflag_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlagState {
    /// Absent or unreadable.
    Absent,
    /// Starts with the magic text.
    Set,
    /// Holds something else: not ours.
    Foreign,
}

/// Reads POWERDOWNFLAG.
pub(crate) fn flag_state(path: &str) -> FlagState {
    match std::fs::read(path) {
        Ok(bytes) if bytes.starts_with(POWERDOWN_MAGIC.as_bytes()) => FlagState::Set,
        Ok(_) => FlagState::Foreign,
        Err(_) => FlagState::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_argv_splits_only_a_nonexistent_single_word() {
        let one = vec!["/usr/bin/logger -t ups".to_owned()];
        assert_eq!(notify_argv(&one), ["/usr/bin/logger", "-t", "ups"]);
        let two = vec!["/bin/echo".to_owned(), "a b".to_owned()];
        assert_eq!(notify_argv(&two), two);
        let plain = vec!["/bin/true".to_owned()];
        assert_eq!(notify_argv(&plain), plain);
    }
}
