//! The crate's error type.
//!
//! Messages follow NUT's own wording where NUT prints one (so that logs read
//! the same as with the C daemons), and are lower-case otherwise.

use std::fmt;
use std::path::PathBuf;

use nut_proto::tokenizer::ParseErrorKind;

/// Longest piece of offending input quoted in an error message.
pub const MAX_QUOTED_INPUT: usize = 64;

/// Everything that can go wrong in `nut-server`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read (NUT: `Can't open <file>: <reason>`).
    #[error("Can't open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A file is larger than the parser accepts.
    #[error("{}: file larger than {limit} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: usize,
    },

    /// A line could not be tokenized (NUT: `Parse error: <file>:<line>: <reason>`).
    #[error("Parse error: {}:{line}: {kind}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u32,
        /// What the tokenizer found.
        kind: ParseErrorKind,
    },

    /// A line was read but means something invalid.
    #[error("{}:{line}: {problem}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u32,
        /// What is wrong with it.
        problem: Problem,
    },

    /// A driver option that the driver does not know (NUT's fatal message).
    #[error("Fatal error: '{name}' is not a valid {} for this driver.", if *flag { "flag" } else { "variable name" })]
    UnknownDriverOption {
        /// The option as written.
        name: String,
        /// Whether it was given as a flag (no value).
        flag: bool,
    },

    /// A `ups.conf` section names another driver (NUT's fatal message).
    #[error("Error: UPS [{section}] is for driver {configured}, but I'm {program}!")]
    WrongDriver {
        /// The section name.
        section: String,
        /// The `driver` value in the section.
        configured: String,
        /// The running driver.
        program: String,
    },

    /// `-a <name>` names no section of `ups.conf` (NUT's fatal message).
    #[error("Error: Section {name} not found in ups.conf")]
    SectionNotFound {
        /// The name given.
        name: String,
    },

    /// A driver without a `port` (NUT's fatal message).
    #[error(
        "Error: you must specify a port name in ups.conf or in '-x port=...' argument.\nTry -h for help."
    )]
    NoPort,

    /// The driver's state socket could not be created.
    #[error("Fatal error: unable to create listener socket: bind {} failed: {source}", path.display())]
    Socket {
        /// The socket path.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// dummy-ups cannot read its definition file (NUT's fatal message).
    #[error(
        "Can't open dummy-ups definition file {}: Can't open {}: {}",
        path.display(),
        path.display(),
        strerror(source)
    )]
    DefinitionFile {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A repeater cannot reach or read its upstream upsd at start-up.
    #[error("can't connect to upstream {target}: {source}")]
    Upstream {
        /// `ups@host[:port]`.
        target: String,
        /// What the client reported.
        #[source]
        source: nut_proto::Error,
    },

    /// A clone driver's upstream socket path does not fit a Unix socket
    /// address (NUT's fatal message).
    #[error(
        "Can't create a unix domain socket: pathname '{}' is too long ({len}) for 'struct sockaddr_un->sun_path' on this system ({max})",
        path.display()
    )]
    SocketPathTooLong {
        /// The path.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
        /// The size of `sun_path`.
        max: usize,
    },

    /// A driver option the driver cannot run without is missing (NUT's
    /// fatal message, e.g. clone-outlet's `prefix`).
    #[error("{message}")]
    MissingDriverOption {
        /// The option.
        option: &'static str,
        /// NUT's message.
        message: &'static str,
    },

    /// upsd: a file it must have is missing (NUT: `stat <file>: <reason>`).
    #[error("stat {}: {}", path.display(), crate::upsd::os_error_text(source))]
    Stat {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// upsd: `ups.conf` cannot be read (NUT 2.8.0 repeats its prefix:
    /// `Can't open <file>: Can't open <file>: <reason>`).
    #[error(
        "Can't open {}: Can't open {}: {}",
        path.display(),
        path.display(),
        crate::upsd::os_error_text(source)
    )]
    UpsConfOpen {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// upsd: `ups.conf` names no usable UPS and `ALLOW_NO_DEVICE` is off.
    #[error("Fatal error: at least one UPS must be defined in ups.conf")]
    NoUps,

    /// upsd: no `LISTEN` address could be bound.
    #[error("no listening interface available")]
    NoListener,

    /// upsd: some `LISTEN` addresses could not be bound and
    /// `ALLOW_NOT_ALL_LISTENERS` is off.
    #[error("Fatal error: some listening interfaces were not available")]
    NotAllListeners,

    /// upsd: another upsd runs (its PID file names a live process).
    #[error(
        "Fatal error: A previous upsd instance is already running!\n\
         Either stop the previous instance first, or use the 'reload' command."
    )]
    AlreadyRunning {
        /// Its process id.
        pid: i32,
    },

    /// upsd: the user to run as cannot be found or switched to.
    #[error("{source}")]
    Privileges {
        /// What went wrong.
        #[source]
        source: crate::runtime::process::PrivilegeError,
    },

    /// upsd: the tokio runtime could not be built, or a listener adopted.
    #[error("can't start the runtime: {source}")]
    Runtime {
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// upsd: the TLS settings of `upsd.conf` cannot be used (a `CERTFILE`
    /// that does not read, holds no certificate or key, or a `CERTREQUEST`
    /// with no CA to verify against); upsd refuses to start.
    #[error("upsd.conf: can't use {} for TLS: {reason}", path.display())]
    Tls {
        /// The file or directory at fault (`CERTFILE` or `CERTPATH`).
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// `nut demo`: the command line is wrong (the text says how).
    #[error("{0}")]
    Usage(String),

    /// `nut demo`: the TCP port cannot be listened on.
    #[error("can't listen on {addr}: {}", crate::upsd::os_error_text(source))]
    Listen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// `nut demo`: a file or directory cannot be created or written.
    #[error("can't write {}: {}", path.display(), crate::upsd::os_error_text(source))]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A driver could not open or initialise its device (the text names
    /// the port and what was, or was not, received).
    #[error("{0}")]
    Device(String),
}

/// What is wrong with a configuration line ([`Error::Config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A value that must be a number is not one.
    NotANumber {
        /// The key or directive.
        key: String,
        /// The value, truncated to [`MAX_QUOTED_INPUT`] bytes.
        value: String,
    },
    /// A value is not one of the accepted words.
    InvalidValue {
        /// The key or directive.
        key: String,
        /// The value, truncated to [`MAX_QUOTED_INPUT`] bytes.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A `[section]` header with nothing between the brackets.
    EmptySection,
    /// A line this file format cannot hold.
    Malformed {
        /// Why.
        reason: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotANumber { key, value } => {
                write!(f, "{key}: value \"{value}\" is not a number")
            }
            Self::InvalidValue {
                key,
                value,
                expected,
            } => write!(f, "{key}: invalid value \"{value}\" (expected {expected})"),
            Self::EmptySection => f.write_str("empty section name \"[]\""),
            Self::Malformed { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for Problem {}

/// An OS error as C's `strerror` words it (without Rust's `(os error N)`).
pub(crate) fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Cuts `input` to [`MAX_QUOTED_INPUT`] bytes (on a character boundary) for
/// quoting in a message.
pub(crate) fn quoted(input: &str) -> String {
    if input.len() <= MAX_QUOTED_INPUT {
        return input.to_owned();
    }
    let mut end = MAX_QUOTED_INPUT;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &input[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_read_like_nut() {
        let e = Error::Parse {
            path: "/etc/nut/ups.conf".into(),
            line: 2,
            kind: ParseErrorKind::HashInQuotes,
        };
        assert_eq!(
            e.to_string(),
            "Parse error: /etc/nut/ups.conf:2: Unbalanced word due to unescaped # in quotes"
        );
    }

    #[test]
    fn driver_option_errors_read_like_nut() {
        let flag = Error::UnknownDriverOption {
            name: "bogus".into(),
            flag: true,
        };
        assert_eq!(
            flag.to_string(),
            "Fatal error: 'bogus' is not a valid flag for this driver."
        );
        let var = Error::UnknownDriverOption {
            name: "bogus".into(),
            flag: false,
        };
        assert!(var.to_string().contains("valid variable name"));
    }

    #[test]
    fn quoting_truncates_at_the_limit() {
        let exact = "x".repeat(MAX_QUOTED_INPUT);
        assert_eq!(quoted(&exact), exact);
        let over = "x".repeat(MAX_QUOTED_INPUT + 1);
        assert_eq!(quoted(&over), format!("{exact}..."));
    }
}
