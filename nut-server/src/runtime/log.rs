//! A driver's log messages: records as data (the sans-IO hub queues them with
//! NUT's wording) and the [`Logger`] that prints them the way a NUT driver
//! does: on stderr in the foreground (debug lines prefixed with the seconds
//! since start), to syslog through `/dev/log` once backgrounded.

use std::fmt;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::time::Instant;

/// How important a message is (NUT's `upslogx` levels and `upsdebugx(n)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Level {
    /// `LOG_ERR`.
    Error,
    /// `LOG_WARNING`.
    Warning,
    /// `LOG_NOTICE`.
    Notice,
    /// `LOG_INFO`.
    Info,
    /// `upsdebugx(n, ...)`: shown only at debug level `n` or above.
    Debug(u8),
}

impl Level {
    /// The syslog severity (RFC 5424).
    pub fn syslog_severity(self) -> u8 {
        match self {
            Self::Error => 3,
            Self::Warning => 4,
            Self::Notice => 5,
            Self::Info => 6,
            Self::Debug(_) => 7,
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Its level.
    pub level: Level,
    /// The text, in NUT's words where NUT logs the same event.
    pub message: String,
}

impl LogRecord {
    /// A record at `level`.
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
        }
    }
}

impl fmt::Display for LogRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where the [`Logger`] writes.
#[derive(Debug)]
enum Sink {
    /// Standard error (foreground).
    Stderr,
    /// syslog, as a datagram to `/dev/log` (background); silently dropped
    /// when no syslog daemon listens.
    Syslog(Option<UnixDatagram>),
    /// Nowhere (tests, embedded drivers that collect nothing).
    Discard,
}

/// Prints [`LogRecord`]s with NUT's filtering: debug records only up to the
/// debug level, others unless `-q` raised the threshold.
#[derive(Debug)]
pub struct Logger {
    tag: String,
    /// Put before every message (drivers hosted in one process tell
    /// themselves apart with it); empty for a driver process.
    prefix: String,
    debug_level: u8,
    quiet: u8,
    started: Instant,
    sink: Sink,
}

impl Logger {
    /// A logger printing to stderr; `tag` names the program in syslog.
    pub fn stderr(tag: &str, debug_level: u8, quiet: u8) -> Self {
        Self {
            tag: tag.to_owned(),
            prefix: String::new(),
            debug_level,
            quiet,
            started: Instant::now(),
            sink: Sink::Stderr,
        }
    }

    /// A logger that drops everything.
    pub fn discard() -> Self {
        Self {
            sink: Sink::Discard,
            ..Self::stderr("", 0, 0)
        }
    }

    /// The same logger with `prefix` before every message (for a driver
    /// hosted in another program's process, e.g. `dummy-ups-ups: `).
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// Switches to syslog (after backgrounding).
    pub fn to_syslog(&mut self) {
        let socket = UnixDatagram::unbound().ok().and_then(|s| {
            s.connect("/dev/log").ok()?;
            Some(s)
        });
        self.sink = Sink::Syslog(socket);
    }

    /// The debug level in force.
    pub fn debug_level(&self) -> u8 {
        self.debug_level
    }

    /// Changes the debug level (`SET driver.debug`, reload).
    pub fn set_debug_level(&mut self, level: u8) {
        self.debug_level = level;
    }

    /// Whether a record at `level` would be printed.
    pub fn enabled(&self, level: Level) -> bool {
        match level {
            Level::Debug(n) => n <= self.debug_level,
            // `-q` raises the threshold one syslog step at a time.
            other => other.syslog_severity() + self.quiet <= Level::Info.syslog_severity(),
        }
    }

    /// Prints one record if its level passes.
    pub fn log(&mut self, record: &LogRecord) {
        if !self.enabled(record.level) {
            return;
        }
        match &mut self.sink {
            Sink::Discard => {}
            Sink::Stderr => {
                let mut err = std::io::stderr().lock();
                // A closed stderr is not worth dying for.
                let _ = if self.debug_level > 0 {
                    let elapsed = self.started.elapsed();
                    writeln!(
                        err,
                        "{:4}.{:06}\t{}{}",
                        elapsed.as_secs(),
                        elapsed.subsec_micros(),
                        self.prefix,
                        record.message
                    )
                } else {
                    writeln!(err, "{}{}", self.prefix, record.message)
                };
            }
            Sink::Syslog(socket) => {
                if let Some(socket) = socket {
                    // facility daemon (3), RFC 3164 shape that every syslogd takes.
                    let priority = 3 * 8 + record.level.syslog_severity();
                    let line = format!(
                        "<{priority}>{}[{}]: {}{}",
                        self.tag,
                        std::process::id(),
                        self.prefix,
                        record.message
                    );
                    let _ = socket.send(line.as_bytes());
                }
            }
        }
    }

    /// Shorthand for [`Logger::log`] of a new record.
    pub fn write(&mut self, level: Level, message: impl Into<String>) {
        self.log(&LogRecord::new(level, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_records_need_the_level() {
        let mut log = Logger::discard();
        assert!(!log.enabled(Level::Debug(1)));
        log.set_debug_level(2);
        assert!(log.enabled(Level::Debug(2)));
        assert!(!log.enabled(Level::Debug(3)));
        assert!(log.enabled(Level::Info));
    }

    #[test]
    fn quiet_raises_the_threshold() {
        let log = Logger::stderr("x", 0, 1);
        assert!(!log.enabled(Level::Info));
        assert!(log.enabled(Level::Notice));
        let log = Logger::stderr("x", 0, 3);
        assert!(log.enabled(Level::Error));
        assert!(!log.enabled(Level::Warning));
    }
}
