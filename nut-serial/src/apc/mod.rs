//! APC Smart protocol ("apcsmart") core, sans-IO.
//!
//! An APC Smart UPS answers single-letter queries with LF-terminated lines
//! and sends alert characters on its own at any time. The [`Engine`] does
//! what NUT's apcsmart 3.2 does: enters smart mode (`Y` → `SM`), learns the
//! unit from its firmware, command set (`a`) and capabilities (`^Z`),
//! polls the status byte and the variables of the [`table`], applies
//! [`alert`]s, sets variables by cycling enumerations with `-` or writing
//! the two strings, runs instant commands (the dangerous ones only when
//! asked twice 3–15 s apart) and shuts the unit down by `sdtype` or
//! `advorder`.
//!
//! The codec pieces are usable alone: [`reply`] reads replies and alerts
//! from bytes, [`status`] decodes the status byte, [`format`](mod@format) converts
//! values, [`caps`] parses the discovery strings; [`property`] is the
//! fuzz property over all of them.
//!
//! The engine never touches a port or a clock. Drive it like this:
//!
//! ```no_run
//! use std::time::Instant;
//! use nut_serial::apc::{ApcConfig, Engine, Event};
//!
//! # fn port_write(_: &[u8]) {}
//! # fn port_read_until(_: Instant) -> Vec<u8> { Vec::new() }
//! let mut engine = Engine::new(ApcConfig::default(), Instant::now());
//! loop {
//!     let mut out = Vec::new();
//!     while engine.poll_transmit(&mut out) {
//!         port_write(&out);
//!         out.clear();
//!     }
//!     while let Some(event) = engine.poll_event() {
//!         if let Event::Fatal(e) = event { eprintln!("{e}"); return; }
//!     }
//!     let Some(deadline) = engine.poll_timeout() else { return };
//!     let bytes = port_read_until(deadline);
//!     let now = Instant::now();
//!     if bytes.is_empty() { engine.handle_timeout(now) } else { engine.handle_input(now, &bytes) }
//! }
//! ```

pub mod alert;
pub mod caps;
pub mod config;
pub mod engine;
pub mod format;
pub mod property;
pub mod reply;
pub mod status;
pub mod table;

pub use alert::Alert;
pub use config::{ApcConfig, Cable, LineControl, ShutdownMethod};
pub use engine::{CommandOutcome, Engine, Event, SetOutcome, VarInfo};
pub use status::StatusBits;
