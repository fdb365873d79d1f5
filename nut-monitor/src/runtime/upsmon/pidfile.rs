//! upsmon's PID file and `-c` (signal the running upsmon).

use std::path::{Path, PathBuf};

use nix::sys::signal::{Signal as Sig, kill};
use nix::unistd::Pid;

use super::cli::Signal;
use crate::runtime::{Logger, pidpath};
use crate::{Error, LogLevel};

/// upsmon's PID file: `upsmon.pid` in [`pidpath`].
pub fn path() -> PathBuf {
    pidpath().join("upsmon.pid")
}

/// Writes `pid` and a newline; failure is logged, as NUT does.
pub(crate) fn write(path: &Path, pid: u32, logger: &Logger) {
    if let Err(e) = std::fs::write(path, format!("{pid}\n")) {
        logger.log(
            LogLevel::Error,
            &format!(
                "Can't open {} for writing: {}",
                path.display(),
                nut_proto::error::strerror(&e)
            ),
        );
    }
}

/// Removes the PID file.
pub(crate) fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Sends the signal for `-c` to `pid`, or to the PID in the PID file.
///
/// # Errors
///
/// [`Error::Io`] when the PID file cannot be read or holds no PID, or the
/// process cannot be signalled.
pub fn send(signal: Signal, pid: Option<i32>) -> Result<(), Error> {
    let pid = match pid {
        Some(pid) => pid,
        None => {
            let file = path();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::io(format!("fopen {}", file.display()), &e))?;
            text.trim()
                .parse::<i32>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| Error::Io {
                    context: format!("{}", file.display()),
                    message: format!("no PID in [{}]", text.trim()),
                })?
        }
    };
    let sig = match signal {
        Signal::Fsd => Sig::SIGUSR1,
        Signal::Stop => Sig::SIGTERM,
        Signal::Reload => Sig::SIGHUP,
    };
    kill(Pid::from_raw(pid), sig).map_err(|e| Error::Io {
        context: format!("kill {pid}"),
        message: e.desc().to_owned(),
    })
}
