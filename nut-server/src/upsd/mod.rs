//! upsd: the NUT network server, byte-compatible with NUT 2.8.0's.
//!
//! Two layers, as everywhere in nut-rs:
//!
//! * a sans-IO core: [`Server`] (the UPS table in `ups.conf` order, each
//!   UPS's cached driver state, staleness, the FSD latch, logins, users,
//!   descriptions and tracking) and one [`Session`] per client connection,
//!   which turns request lines into reply bytes with upsd's exact check
//!   order and wording. Time is passed in (`now`); nothing here opens a
//!   socket or reads a clock;
//! * the tokio runtime ([`serve`]): listeners, one task per client that
//!   only moves bytes through its session, one task per driver socket,
//!   reload and shutdown; [`daemon`] adds the process around it (options,
//!   start-up checks and messages, PID file, signals) and [`files`] reads
//!   the configuration the way upsd does.
//!
//! ```
//! use std::time::Instant;
//! use nut_server::config::ups_conf::UpsdDevice;
//! use nut_server::upsd::{Server, ServerConfig};
//!
//! let device = UpsdDevice {
//!     name: "ups".into(),
//!     driver: "dummy-ups".into(),
//!     port: "ups.dev".into(),
//!     desc: None,
//! };
//! let mut server = Server::new(ServerConfig::new(vec![device]));
//! let now = Instant::now();
//! let id = server.ups_ids()[0];
//! server.handle_driver_connected(id, now);
//! server.handle_driver_input(id, now, b"SETINFO ups.status \"OL\"\nDATAOK\nDUMPDONE\n");
//!
//! let mut session = server.open_session("127.0.0.1".parse()?, now);
//! let mut out = Vec::new();
//! session.handle_input(&mut server, now, b"GET VAR ups ups.status\nLIST UPS\n", &mut out);
//! assert_eq!(
//!     out,
//!     b"VAR ups ups.status \"OL\"\nBEGIN LIST UPS\nUPS ups \"Description unavailable\"\nEND LIST UPS\n"
//! );
//! # Ok::<(), std::net::AddrParseError>(())
//! ```

mod control;
pub mod daemon;
pub mod files;
mod query;
pub mod serve;
mod server;
mod session;
mod tracking;
mod ups;

pub use crate::runtime::log::{Level, LogRecord};

/// The text of an OS error as NUT prints it (`strerror`, without Rust's
/// " (os error N)" suffix).
pub(crate) fn os_error_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(cut) if text.ends_with(')') => text.get(..cut).unwrap_or(&text).to_owned(),
        _ => text,
    }
}
pub use server::{
    ClientId, RandomSource, ReloadReport, Server, ServerConfig, VERSION, os_random, version_text,
};
pub use session::{IDLE_TIMEOUT, MAX_LINE_BYTES, Next, Session};
pub use tracking::{MAX_TRACKING_ENTRIES, TRACKING_ID_LEN, format_uuid_v4};
pub use ups::{CONNECT_FAILURE_LOG_INTERVAL, UpsId};
