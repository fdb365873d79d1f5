//! What goes into and comes out of the [`Engine`](super::Engine).

use std::fmt;

use crate::notify::{Notification, truncate_at_boundary};

/// Longest `ups.status` (or `ups.alarm`) text kept; NUT reads it into a
/// 512-byte buffer.
pub const MAX_STATUS_LEN: usize = 511;

/// A monitored UPS: its position in [`Config::monitors`](crate::config::Config::monitors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UpsId(pub(crate) usize);

impl UpsId {
    /// The index into `Config::monitors`.
    pub fn index(self) -> usize {
        self.0
    }
}

/// The answer to a [`Request::Status`] poll.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollResult {
    /// upsd answered.
    Status {
        /// `ups.status`. Empty counts as a failed poll, as in NUT.
        status: String,
        /// `ups.alarm`, when the runtime fetched it (it should when the
        /// status holds `ALARM`).
        alarm: Option<String>,
        /// `ups.mode.buzzwords` (or its `experimental.` twin), if any.
        buzzwords: Option<String>,
    },
    /// No usable answer: connection refused or lost, `ERR` from upsd,
    /// garbage on the wire, a timeout. The text goes to the log.
    Failed(String),
}

impl PollResult {
    /// A plain `ups.status` answer.
    pub fn status(status: impl Into<String>) -> Self {
        Self::Status {
            status: bounded(status.into()),
            alarm: None,
            buzzwords: None,
        }
    }

    /// A failed poll, with the reason for the log.
    pub fn failed(reason: impl Into<String>) -> Self {
        Self::Failed(reason.into())
    }

    /// Adds the `ups.alarm` text.
    #[must_use]
    pub fn with_alarm(self, text: impl Into<String>) -> Self {
        match self {
            Self::Status {
                status, buzzwords, ..
            } => Self::Status {
                status,
                alarm: Some(bounded(text.into())),
                buzzwords,
            },
            failed @ Self::Failed(_) => failed,
        }
    }

    /// Adds the `ups.mode.buzzwords` text.
    #[must_use]
    pub fn with_buzzwords(self, text: impl Into<String>) -> Self {
        match self {
            Self::Status { status, alarm, .. } => Self::Status {
                status,
                alarm,
                buzzwords: Some(bounded(text.into())),
            },
            failed @ Self::Failed(_) => failed,
        }
    }
}

fn bounded(mut text: String) -> String {
    truncate_at_boundary(&mut text, MAX_STATUS_LEN);
    text
}

/// What the runtime must ask upsd on behalf of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Request {
    /// Poll `ups.status` (plus `ups.alarm` when ALARM is set, and the
    /// buzzwords); answer with [`Engine::handle_poll`](super::Engine::handle_poll).
    Status,
    /// `FSD <ups>`; answer with [`Engine::handle_fsd_ack`](super::Engine::handle_fsd_ack).
    SetFsd,
    /// `GET NUMLOGINS <ups>`; answer with
    /// [`Engine::handle_numlogins`](super::Engine::handle_numlogins).
    NumLogins,
}

/// Syslog priority of a [`Output::Log`] line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `LOG_DEBUG`: what NUT prints with `-D`.
    Debug,
    /// `LOG_INFO`.
    Info,
    /// `LOG_NOTICE`.
    Notice,
    /// `LOG_WARNING`.
    Warning,
    /// `LOG_ERR`.
    Error,
    /// `LOG_CRIT`.
    Critical,
    /// `LOG_ALERT`.
    Alert,
}

/// An action for the runtime, drained with [`Engine::poll_output`](super::Engine::poll_output).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Deliver a notification according to its flags.
    Notify(Notification),
    /// Send a request to upsd for this UPS and report the answer.
    Send {
        /// Which UPS.
        ups: UpsId,
        /// What to ask.
        request: Request,
    },
    /// Write a log line (NUT's `upslogx`).
    Log {
        /// Priority.
        level: LogLevel,
        /// Text.
        message: String,
    },
    /// Broadcast to all terminals with `wall` (independent of NOTIFYFLAG;
    /// NUT does this once, before SHUTDOWN).
    Wall(String),
    /// Create `POWERDOWNFLAG` holding [`POWERDOWN_MAGIC`] (privileged).
    WritePowerdownFlag {
        /// The configured path.
        path: String,
    },
    /// Run `SHUTDOWNCMD` through the shell (privileged).
    RunShutdownCmd {
        /// The command line.
        command: String,
    },
    /// upsmon's work is done: exit with success.
    Exit,
}

/// What `POWERDOWNFLAG` must contain (no newline), as NUT's `SDMAGIC`.
pub const POWERDOWN_MAGIC: &str = "upsmon-shutdown-file";

impl fmt::Display for Output {
    /// One line for timelines and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Notify(n) => write!(
                f,
                "NOTIFY {} [{}] {} ({})",
                n.kind,
                n.ups.as_deref().unwrap_or(""),
                n.message,
                n.flags
            ),
            Self::Send { ups, request } => write!(f, "SEND {request:?} to UPS #{}", ups.0),
            Self::Log { level, message } => write!(f, "LOG {level:?}: {message}"),
            Self::Wall(m) => write!(f, "WALL {m}"),
            Self::WritePowerdownFlag { path } => write!(f, "POWERDOWNFLAG {path}"),
            Self::RunShutdownCmd { command } => write!(f, "SHUTDOWNCMD {command}"),
            Self::Exit => f.write_str("EXIT"),
        }
    }
}
