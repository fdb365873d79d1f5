//! `ERR <code>` words of the network protocol and libupsclient's message for each.

use std::fmt;
use std::str::FromStr;

/// One error code as upsd sends it after `ERR`.
///
/// Codes are data, not Rust errors: a server answers with one, a client
/// receives one inside [`crate::Error::Server`]. Unknown codes are kept in
/// [`ErrorCode::Other`] so a newer server never breaks an older client.
///
/// ```
/// use nut_proto::net::ErrorCode;
///
/// let code: ErrorCode = "UNKNOWN-UPS".parse().unwrap();
/// assert_eq!(code, ErrorCode::UnknownUps);
/// assert_eq!(code.client_message(), "Unknown UPS");
/// assert_eq!(ErrorCode::parse("FUTURE-CODE").to_string(), "FUTURE-CODE");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `ACCESS-DENIED`: bad credentials or a missing permission.
    AccessDenied,
    /// `UNKNOWN-UPS`: no UPS of that name on this server.
    UnknownUps,
    /// `VAR-NOT-SUPPORTED`: the UPS has no such variable.
    VarNotSupported,
    /// `CMD-NOT-SUPPORTED`: the UPS has no such instant command.
    CmdNotSupported,
    /// `INVALID-ARGUMENT`: wrong number or kind of arguments.
    InvalidArgument,
    /// `INSTCMD-FAILED`: the command could not be passed to the driver.
    InstcmdFailed,
    /// `SET-FAILED`: the new value could not be passed to the driver.
    SetFailed,
    /// `READONLY`: the variable is not writable.
    Readonly,
    /// `TOO-LONG`: the new value is longer than the variable allows.
    TooLong,
    /// `FEATURE-NOT-SUPPORTED`: this server lacks the feature (e.g. TLS).
    FeatureNotSupported,
    /// `FEATURE-NOT-CONFIGURED`: the feature exists but is not set up
    /// (STARTTLS without certificates, GET TRACKING with tracking off).
    FeatureNotConfigured,
    /// `ALREADY-SSL-MODE`: STARTTLS on a connection that is already TLS.
    AlreadySslMode,
    /// `DRIVER-NOT-CONNECTED`: upsd has no connection to the UPS driver.
    DriverNotConnected,
    /// `DATA-STALE`: the driver stopped refreshing the data.
    DataStale,
    /// `ALREADY-LOGGED-IN`: a second LOGIN on one connection.
    AlreadyLoggedIn,
    /// `ALREADY-SET-PASSWORD`: a second PASSWORD on one connection.
    AlreadySetPassword,
    /// `ALREADY-SET-USERNAME`: a second USERNAME on one connection.
    AlreadySetUsername,
    /// `USERNAME-REQUIRED`: the command needs USERNAME first.
    UsernameRequired,
    /// `PASSWORD-REQUIRED`: the command needs PASSWORD first.
    PasswordRequired,
    /// `UNKNOWN-COMMAND`: the first word is not a command.
    UnknownCommand,
    /// `INVALID-VALUE`: the new value is outside the enumeration or range.
    InvalidValue,
    /// `INVALID-PASSWORD`: defined, never sent by current upsd.
    InvalidPassword,
    /// `INVALID-USERNAME`: defined, never sent by current upsd.
    InvalidUsername,
    /// `PASSWORD-INCORRECT`: known to libupsclient, never sent by current upsd.
    PasswordIncorrect,
    /// `VAR-UNKNOWN`: legacy code of old servers.
    VarUnknown,
    /// `UNKNOWN-VAR`: legacy code known to libupsclient.
    UnknownVar,
    /// `UNKNOWN-TYPE`: legacy code of old servers.
    UnknownType,
    /// `UNKNOWN-INSTCMD`: legacy code of old servers.
    UnknownInstcmd,
    /// `MISSING-ARGUMENT`: legacy code of old servers.
    MissingArgument,
    /// `UNKNOWN`: tracking result, the driver did not know the command
    /// (also an unknown or expired tracking id).
    Unknown,
    /// `FAILED`: tracking result, the driver failed to carry out the request.
    Failed,
    /// Any other code, kept verbatim.
    Other(String),
}

/// Every named code with its wire word, in one place so parse and display agree.
const WORDS: &[(ErrorCode, &str)] = &[
    (ErrorCode::AccessDenied, "ACCESS-DENIED"),
    (ErrorCode::UnknownUps, "UNKNOWN-UPS"),
    (ErrorCode::VarNotSupported, "VAR-NOT-SUPPORTED"),
    (ErrorCode::CmdNotSupported, "CMD-NOT-SUPPORTED"),
    (ErrorCode::InvalidArgument, "INVALID-ARGUMENT"),
    (ErrorCode::InstcmdFailed, "INSTCMD-FAILED"),
    (ErrorCode::SetFailed, "SET-FAILED"),
    (ErrorCode::Readonly, "READONLY"),
    (ErrorCode::TooLong, "TOO-LONG"),
    (ErrorCode::FeatureNotSupported, "FEATURE-NOT-SUPPORTED"),
    (ErrorCode::FeatureNotConfigured, "FEATURE-NOT-CONFIGURED"),
    (ErrorCode::AlreadySslMode, "ALREADY-SSL-MODE"),
    (ErrorCode::DriverNotConnected, "DRIVER-NOT-CONNECTED"),
    (ErrorCode::DataStale, "DATA-STALE"),
    (ErrorCode::AlreadyLoggedIn, "ALREADY-LOGGED-IN"),
    (ErrorCode::AlreadySetPassword, "ALREADY-SET-PASSWORD"),
    (ErrorCode::AlreadySetUsername, "ALREADY-SET-USERNAME"),
    (ErrorCode::UsernameRequired, "USERNAME-REQUIRED"),
    (ErrorCode::PasswordRequired, "PASSWORD-REQUIRED"),
    (ErrorCode::UnknownCommand, "UNKNOWN-COMMAND"),
    (ErrorCode::InvalidValue, "INVALID-VALUE"),
    (ErrorCode::InvalidPassword, "INVALID-PASSWORD"),
    (ErrorCode::InvalidUsername, "INVALID-USERNAME"),
    (ErrorCode::PasswordIncorrect, "PASSWORD-INCORRECT"),
    (ErrorCode::VarUnknown, "VAR-UNKNOWN"),
    (ErrorCode::UnknownVar, "UNKNOWN-VAR"),
    (ErrorCode::UnknownType, "UNKNOWN-TYPE"),
    (ErrorCode::UnknownInstcmd, "UNKNOWN-INSTCMD"),
    (ErrorCode::MissingArgument, "MISSING-ARGUMENT"),
    (ErrorCode::Unknown, "UNKNOWN"),
    (ErrorCode::Failed, "FAILED"),
];

impl ErrorCode {
    /// Every named code (not [`ErrorCode::Other`]), for tests and tables.
    pub fn all() -> impl Iterator<Item = Self> {
        WORDS.iter().map(|(code, _)| code.clone())
    }

    /// Reads a code; never fails. Matching is exact (case-sensitive), as
    /// libupsclient compares.
    pub fn parse(word: &str) -> Self {
        WORDS
            .iter()
            .find(|(_, w)| *w == word)
            .map_or_else(|| Self::Other(word.to_owned()), |(code, _)| code.clone())
    }

    /// The code as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(word) => word,
            named => WORDS
                .iter()
                .find(|(code, _)| code == named)
                .map_or("", |(_, word)| word),
        }
    }

    /// The message NUT's client library (`upscli_strerror`) shows for this
    /// code, which CLIs print after `Error: `. Codes outside libupsclient's
    /// table (e.g. `INVALID-ARGUMENT`, `FEATURE-NOT-CONFIGURED`) read
    /// "Unknown error", exactly as with real NUT.
    pub fn client_message(&self) -> &'static str {
        match self {
            Self::VarNotSupported => "Variable not supported by UPS",
            Self::UnknownUps => "Unknown UPS",
            Self::AccessDenied => "Access denied",
            Self::PasswordRequired => "Password required",
            Self::PasswordIncorrect => "Password incorrect",
            Self::MissingArgument => "Missing argument",
            Self::DataStale => "Data stale",
            Self::VarUnknown => "Variable unknown",
            Self::AlreadyLoggedIn => "Already logged in",
            Self::AlreadySetPassword => "Already set password",
            Self::UnknownType => "Unknown variable type",
            Self::UnknownVar => "Unknown variable",
            Self::Readonly => "Read-only variable",
            Self::TooLong => "New value is too long",
            Self::InvalidValue => "Invalid value for variable",
            Self::SetFailed => "Set command failed",
            Self::UnknownInstcmd => "Unknown instant command",
            Self::InstcmdFailed => "Instant command failed",
            Self::CmdNotSupported => "Instant command not supported",
            Self::InvalidUsername => "Invalid username",
            Self::AlreadySetUsername => "Already set username",
            Self::UnknownCommand => "Unknown command",
            Self::InvalidPassword => "Invalid password",
            Self::UsernameRequired => "Username required",
            Self::DriverNotConnected => "Driver not connected",
            _ => "Unknown error",
        }
    }
}

impl FromStr for ErrorCode {
    type Err = std::convert::Infallible;

    /// Same as [`ErrorCode::parse`]; never fails.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_code_round_trips_and_is_not_other() {
        let mut count = 0;
        for code in ErrorCode::all() {
            let word = code.to_string();
            assert!(!word.is_empty());
            assert_eq!(ErrorCode::parse(&word), code, "{word}");
            count += 1;
        }
        assert_eq!(count, WORDS.len());
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let code = ErrorCode::parse("NEW-THING");
        assert_eq!(code, ErrorCode::Other("NEW-THING".into()));
        assert_eq!(code.as_str(), "NEW-THING");
        assert_eq!(code.client_message(), "Unknown error");
    }

    #[test]
    fn matching_is_case_sensitive_like_libupsclient() {
        assert_eq!(
            ErrorCode::parse("unknown-ups"),
            ErrorCode::Other("unknown-ups".into())
        );
    }

    #[test]
    fn messages_follow_upscli_strerror() {
        assert_eq!(ErrorCode::DataStale.client_message(), "Data stale");
        assert_eq!(
            ErrorCode::DriverNotConnected.client_message(),
            "Driver not connected"
        );
        assert_eq!(ErrorCode::Readonly.client_message(), "Read-only variable");
        // Not in libupsclient's table: NUT itself prints "Unknown error".
        for code in [
            ErrorCode::InvalidArgument,
            ErrorCode::FeatureNotConfigured,
            ErrorCode::FeatureNotSupported,
            ErrorCode::AlreadySslMode,
            ErrorCode::Unknown,
            ErrorCode::Failed,
        ] {
            assert_eq!(code.client_message(), "Unknown error", "{code}");
        }
    }
}
