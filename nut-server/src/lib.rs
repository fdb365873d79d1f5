//! upsd and the NUT driver runtime.
//!
//! This crate serves UPS data the way NUT does: drivers publish a UPS's
//! state on a Unix state socket, upsd collects it and serves it on TCP 3493
//! with NUT's access rules. Real NUT clients and drivers cannot tell these
//! programs from NUT's own (the oracle tests in `tests/` compare bytes).
//!
//! * [`config`]: `ups.conf`, `upsd.conf`, `upsd.users` (with upsd's access
//!   checks) and `nut.conf`, read as NUT reads them, with NUT's messages.
//! * [`desc`]: the `cmdvartab` descriptions behind `GET DESC`/`GET CMDDESC`.
//! * [`state`]: a UPS's state tree (NUT's `state.c`/`dstate.c`), status and
//!   alarm helpers, and the change log a driver broadcasts.
//! * [`upsd`]: the server: a sans-IO [`upsd::Server`] (UPS table, driver
//!   caches, staleness, FSD latch, logins, tracking) and per-connection
//!   [`upsd::Session`], plus the tokio listener and the daemon.
//! * [`runtime`]: what every driver shares: the state-socket server, the
//!   driver command line and `ups.conf` handling, PID files, privileges.
//! * [`driver`], [`dummy`]: driver start-up, and `dummy-ups` (definition
//!   files, modes, repeater).
//! * [`clone`]: `clone`, `clone-outlet` and `failover`.
//! * [`upsdrvctl`]: starting, stopping and shutting down drivers.
//! * [`stack`]: one process hosting upsd and its drivers (`nut demo`).
//!
//! Cores are synchronous and take `now`; tokio lives in the `serve`
//! adapters only.
//!
//! # Example: an upsd session without sockets
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
//!     desc: Some("Rack UPS".into()),
//! };
//! let mut server = Server::new(ServerConfig::new(vec![device]));
//! let now = Instant::now();
//!
//! // The driver connects and sends its dump.
//! let ups = server.ups_ids()[0];
//! server.handle_driver_connected(ups, now);
//! server.handle_driver_input(ups, now, b"SETINFO ups.status \"OB LB\"\nDATAOK\nDUMPDONE\n");
//!
//! // A client asks.
//! let mut session = server.open_session("127.0.0.1".parse().unwrap(), now);
//! let mut out = Vec::new();
//! session.handle_input(&mut server, now, b"GET VAR ups ups.status\nGET VAR ups nope\n", &mut out);
//! assert_eq!(out, b"VAR ups ups.status \"OB LB\"\nERR VAR-NOT-SUPPORTED\n");
//! ```
#![deny(missing_docs)]

pub mod clone;
pub mod config;
pub mod desc;
pub mod driver;
pub mod dummy;
pub mod error;
pub mod runtime;
pub mod stack;
pub mod state;
pub mod upsd;
pub mod upsdrvctl;

pub use error::Error;
