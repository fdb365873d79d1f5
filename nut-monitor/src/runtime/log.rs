//! NUT's `upslogx`: log lines to stderr (foreground) or syslog
//! (background), plus the `-D` debug lines.

use std::io::Write as _;
use std::os::unix::net::UnixDatagram;

use crate::LogLevel;

/// Where syslog listens.
const SYSLOG_SOCKET: &str = "/dev/log";

/// syslog's `LOG_DAEMON` facility, shifted as in `<PRI>`.
const FACILITY_DAEMON: u8 = 3 << 3;

/// A log sink shared by a program's tasks.
#[derive(Debug)]
pub struct Logger {
    program: &'static str,
    to_stderr: bool,
    syslog: Option<UnixDatagram>,
    debug: u8,
}

impl Logger {
    /// Logs to stderr when `foreground`, else to syslog (when `/dev/log`
    /// exists). Debug lines are written when `debug` > 0, to stderr.
    pub fn new(program: &'static str, foreground: bool, debug: u8) -> Self {
        let syslog = if foreground {
            None
        } else {
            UnixDatagram::unbound()
                .and_then(|s| s.connect(SYSLOG_SOCKET).map(|()| s))
                .ok()
        };
        Self {
            program,
            to_stderr: foreground,
            syslog,
            debug,
        }
    }

    /// The `-D` level.
    pub fn debug_level(&self) -> u8 {
        self.debug
    }

    /// Writes one line at `level`.
    pub fn log(&self, level: LogLevel, message: &str) {
        if level == LogLevel::Debug {
            if self.debug > 0 {
                let _ = writeln!(std::io::stderr().lock(), "[D1] {message}");
            }
            return;
        }
        if self.to_stderr {
            let _ = writeln!(std::io::stderr().lock(), "{message}");
        }
        if let Some(socket) = &self.syslog {
            let line = format!(
                "<{}>{}[{}]: {message}",
                FACILITY_DAEMON | severity(level),
                self.program,
                std::process::id()
            );
            let _ = socket.send(line.as_bytes());
        }
    }

    /// A debug line (shown with `-D`).
    pub fn debug(&self, message: &str) {
        self.log(LogLevel::Debug, message);
    }
}

/// syslog severity of a level.
fn severity(level: LogLevel) -> u8 {
    match level {
        LogLevel::Debug => 7,
        LogLevel::Info => 6,
        LogLevel::Notice => 5,
        LogLevel::Warning => 4,
        LogLevel::Error => 3,
        LogLevel::Critical => 2,
        LogLevel::Alert => 1,
    }
}
