//! The crate's error type and the mapping of a program's result to its exit
//! status.
//!
//! NUT's clients end through `fatalx()`: one message on stderr, then an exit
//! code. [`Error::Fatal`] carries exactly that message. Unlike the other
//! crates' errors its text is not ours to style: it is NUT's user-facing
//! wording (`Error: Unknown UPS`, `Unexpected response from upsd: ERR
//! READONLY`), reproduced byte for byte because scripts match on it.

use std::io::{self, Write};
use std::process::ExitCode;

/// Everything that ends a client program early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A fatal condition NUT reports with this exact stderr text (without the
    /// final newline) and exit `code`.
    #[error("{message}")]
    Fatal {
        /// The text as NUT prints it; may span several lines.
        message: String,
        /// The process exit code (NUT uses 1, `EXIT_FAILURE`).
        code: u8,
    },
    /// Writing to stdout, stderr or a log file failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
}

impl Error {
    /// A fatal error with NUT's usual exit code 1.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::Fatal {
            message: message.into(),
            code: 1,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a program's result into its exit status, printing fatal messages on
/// `stderr`.
///
/// A closed stdout (`EPIPE`, e.g. `upsc ups | head -1`) is a quiet success:
/// the reader got what it wanted. Real NUT dies of SIGPIPE there instead;
/// a shell sees no output difference.
pub fn exit_status(result: Result<()>, stderr: &mut dyn Write) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Error::Fatal { message, code }) => {
            // Nothing better to do if stderr itself is gone.
            let _ = writeln!(stderr, "{message}");
            let _ = stderr.flush();
            ExitCode::from(code)
        }
        Err(e @ Error::Output(_)) => {
            let _ = writeln!(stderr, "Error: {e}");
            let _ = stderr.flush();
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_a_quiet_success() {
        let mut err = Vec::new();
        let status = exit_status(
            Err(io::Error::from(io::ErrorKind::BrokenPipe).into()),
            &mut err,
        );
        assert_eq!(status, ExitCode::SUCCESS);
        assert!(err.is_empty());
    }

    #[test]
    fn fatal_prints_the_message_verbatim() {
        let mut err = Vec::new();
        let status = exit_status(Err(Error::fatal("Error: Unknown UPS")), &mut err);
        assert_eq!(status, ExitCode::FAILURE);
        assert_eq!(err, b"Error: Unknown UPS\n");
    }

    #[test]
    fn other_output_errors_fail_with_context() {
        let mut err = Vec::new();
        let status = exit_status(Err(io::Error::other("disk full").into()), &mut err);
        assert_eq!(status, ExitCode::FAILURE);
        assert_eq!(err, b"Error: cannot write output: disk full\n");
    }
}
