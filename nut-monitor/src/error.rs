//! The crate's error type.
//!
//! Only conditions that stop NUT are errors. Lines NUT merely complains
//! about are [`crate::config::Diagnostic`]s: data for the log, not failures.

/// Everything that makes a configuration unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A config file is larger than the parser accepts.
    #[error("{file}: {len} bytes is more than the {limit}-byte limit")]
    TooLarge {
        /// The file name, as given to the parser.
        file: String,
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// `MONITOR` with four arguments: the pre-2.0 form without a user name,
    /// which NUT refuses to run with.
    #[error("{file} line {line}: old-style MONITOR line without a username is unusable")]
    OldStyleMonitor {
        /// The file name.
        file: String,
        /// The 1-based line.
        line: u32,
    },
    /// The power values add up to less than `MINSUPPLIES`.
    #[error(
        "insufficient power configured: sum of power values {total} is less than MINSUPPLIES {min_supplies}"
    )]
    InsufficientPower {
        /// Sum of the `MONITOR` power values.
        total: u64,
        /// The `MINSUPPLIES` setting.
        min_supplies: u32,
    },
    /// A replay scenario is malformed or names a UPS that is not monitored.
    #[error("scenario line {line}: {message}")]
    Scenario {
        /// The 1-based line (0 when the scenario was built in code).
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// `upssched.conf`: an `AT` line came before a required directive.
    #[error("{file} line {line}: {directive} must be set before any ATs in the config file")]
    MissingBeforeAt {
        /// The file name.
        file: String,
        /// The 1-based line of the `AT`.
        line: u32,
        /// `CMDSCRIPT`, `PIPEFN` or `LOCKFN`.
        directive: &'static str,
    },
    /// A file, socket or process operation of a runtime failed.
    #[error("{context}: {message}")]
    Io {
        /// What was being done, with the path or program.
        context: String,
        /// The OS error text.
        message: String,
    },
    /// A bad command line.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// An [`Error::Io`] from an OS error.
    pub fn io(context: impl Into<String>, error: &std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            message: nut_proto::error::strerror(error),
        }
    }

    /// The text NUT prints for this condition, line by line, so that a CLI
    /// can reproduce NUT's output exactly.
    pub fn nut_message(&self) -> Vec<String> {
        match self {
            Self::TooLarge { .. } | Self::Scenario { .. } | Self::Io { .. } | Self::Usage(_) => {
                vec![self.to_string()]
            }
            Self::OldStyleMonitor { .. } => vec![
                "Unable to use old-style MONITOR line without a username".to_owned(),
                "Convert it and add a username to upsd.users - see the documentation".to_owned(),
                "Fatal error: unusable configuration".to_owned(),
            ],
            Self::InsufficientPower {
                total,
                min_supplies,
            } => vec![
                String::new(),
                "Fatal error: insufficient power configured!".to_owned(),
                String::new(),
                format!("Sum of power values........: {total}"),
                format!("Minimum value (MINSUPPLIES): {min_supplies}"),
                String::new(),
                "Edit your upsmon.conf and change the values.".to_owned(),
            ],
            Self::MissingBeforeAt { directive, .. } => {
                vec![format!(
                    "{directive} must be set before any ATs in the config file!"
                )]
            }
        }
    }
}
