//! The upsmon and upssched programs: the sans-IO cores of this crate wired
//! to tokio, the `nut-proto` client, processes, signals and files
//! (feature `runtime`).
//!
//! * [`upsmon`]: NUT's upsmon, options and behaviour included: the
//!   privileged parent and unprivileged child, the PID file and `-c`
//!   signals, NOTIFYCMD/WALL/syslog delivery, POWERDOWNFLAG and SHUTDOWNCMD,
//!   and `--simulate` (a dry run on the replayer).
//! * [`upssched`]: NUT's upssched: the `AT` rules run for one event, and the
//!   timer daemon on `PIPEFN`.
//!
//! The binaries in `nut-cli` only call [`upsmon::main`] and
//! [`upssched::main`]; `nut demo` embeds upsmon with
//! [`upsmon::run_embedded`]. Both programs are single-threaded tokio runtimes
//! (current-thread, as the style guide asks for small devices).
//!
//! Everything here reads the real clock; this module is the crate's I/O
//! edge, so the sans-IO lint (no `Instant::now`) is lifted for it.
#![allow(clippy::disallowed_methods)]

mod log;
mod paths;
pub mod upsmon;
pub mod upssched;

pub use log::Logger;
pub use paths::{
    ALTPIDPATH_ENV, CONFPATH_ENV, DEFAULT_CONFPATH, DEFAULT_PIDPATH, DEFAULT_STATEPATH,
    STATEPATH_ENV, confpath, pidpath, statepath,
};

/// The NUT release whose behaviour these programs follow (printed in the
/// start-up banner, as NUT prints its own version).
pub const NUT_VERSION: &str = "2.8.0";

/// Builds the current-thread runtime both programs run on.
fn build_runtime() -> Result<tokio::runtime::Runtime, crate::Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::io("can't start the runtime", &e))
}
