//! The nut-rs client programs: `upsc`, `upscmd`, `upsrw` and `upslog`.
//!
//! Each program is a module with a `run` function over a [`Console`] (its
//! standard streams and prompts) and a [`Connector`] (how it reaches upsd);
//! the binaries in `src/bin/` only hand `run` to [`main_with`], which gathers
//! the real ones and turns the result into an exit status with
//! [`exit_status`]. That keeps the programs' logic testable without
//! processes or sockets.
//!
//! The programs are drop-in replacements for NUT 2.8.0's: same options
//! (parsed by [`getopt`], glibc's rules), same output, same messages on
//! stderr, same exit codes, quirks included; the module docs list where we
//! follow newer NUT instead (`upsc -j`, the warning after a plain `OK`,
//! upslog's `-m`/`-N`/`-d`/`%t`) or deliberately differ.
//!
//! ```no_run
//! use nut_cli::{main_with, upsc};
//!
//! fn main() -> std::process::ExitCode {
//!     main_with(upsc::run)
//! }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod admin;
pub mod connect;
pub mod console;
pub mod drivers;
pub mod error;
pub mod getopt;
pub mod json;
pub mod multicall;
pub mod program;
pub mod session;
pub mod upsc;
pub mod upscmd;
pub mod upsd;
pub mod upslog;
pub mod upsrw;

pub use connect::{Connector, NetConnector};
pub use console::{Console, Terminal};
pub use error::{Error, Result, exit_status};
pub use program::{
    Invocation, NUT_VERSION, args_from_env, main_with, program_name, quiet_ok_from_env, run_with,
};
