//! The nut-rs client programs: `upsc`, `upscmd`, `upsrw` and `upslog`.
//!
//! Each program is a module with a `run` function over a [`Console`] (its
//! standard streams and prompts) and a [`Connector`] (how it reaches upsd);
//! the binaries in `src/bin/` only gather the real ones and turn the result
//! into an exit status with [`exit_status`]. That keeps the programs' logic
//! testable without processes or sockets.
//!
//! The programs are drop-in replacements for NUT 2.8.0's: same options
//! (parsed by [`getopt`], glibc's rules), same output, same messages on
//! stderr, same exit codes, quirks included; the module docs list where we
//! follow newer NUT instead (`upsc -j`, the warning after a plain `OK`,
//! upslog's `-m`/`-N`/`-d`/`%t`) or deliberately differ.
//!
//! ```no_run
//! use std::process::ExitCode;
//! use nut_cli::{Console, NetConnector, Terminal, args_from_env, exit_status, upsc};
//!
//! fn main() -> ExitCode {
//!     let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
//!     let mut input = Terminal;
//!     let mut console = Console { out: &mut out, err: &mut err, input: &mut input };
//!     let result = upsc::run(&args_from_env(), &mut console, &NetConnector);
//!     exit_status(result, &mut std::io::stderr())
//! }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod admin;
pub mod connect;
pub mod console;
pub mod error;
pub mod getopt;
pub mod json;
pub mod session;
pub mod target;
pub mod upsc;
pub mod upscmd;
pub mod upslog;
pub mod upsrw;

pub use connect::{Connector, NetConnector};
pub use console::{Console, Terminal};
pub use error::{Error, Result, exit_status};

/// The NUT release whose behaviour these programs reproduce; it appears in
/// their banners (`Network UPS Tools upsc 2.8.0`) so that scripts and
/// byte-for-byte comparisons see what they would see with NUT.
pub const NUT_VERSION: &str = "2.8.0";

/// NUT's `xbasename(argv[0])`: the program name used in usage texts.
pub fn program_name(argv0: &str) -> String {
    argv0.rsplit('/').next().unwrap_or(argv0).to_owned()
}

/// Whether `NUT_QUIET_OK_NOTRACKING` is exactly `true`, as NUT tests it.
pub fn quiet_ok_from_env() -> bool {
    std::env::var(admin::QUIET_OK_ENV).is_ok_and(|v| v == "true")
}

/// The command line as strings (non-UTF-8 bytes replaced).
pub fn args_from_env() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_name_is_the_basename() {
        assert_eq!(program_name("/usr/bin/upsc"), "upsc");
        assert_eq!(program_name("upsrw"), "upsrw");
        assert_eq!(program_name("dir/"), "");
    }
}
