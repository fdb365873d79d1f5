//! Megatec/Q* ("nutdrv_qx") protocol core, sans-IO.
//!
//! Each protocol is a table of rows ([`tables`]): a query such as `Q1\r`,
//! the expected reply shape (minimum length, lead byte), a byte window and
//! a conversion to a NUT variable, a status token or alarm text. The
//! [`Engine`] probes the protocols in NUT's order (or the one named by
//! `protocol=`), walks the tables on quick and full polls, runs instant
//! commands and estimates battery charge and runtime. [`usb`] holds the
//! 14 USB bridges that carry the same commands over USB transfers, and
//! [`crc`] the Voltronic CRC of voltronic-axpert.
//!
//! The engine never touches a port or a clock. Drive it like this:
//!
//! ```no_run
//! use std::time::Instant;
//! use nut_serial::qx::{Engine, Event, QxConfig};
//!
//! # fn port_write(_: &[u8]) {}
//! # fn port_read_until(_: Instant) -> Vec<u8> { Vec::new() }
//! let mut engine = Engine::new(QxConfig::default(), Instant::now());
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

pub mod battery;
pub mod commands;
pub mod config;
pub mod crc;
pub mod decode;
pub mod engine;
pub mod protocol;
pub mod qshex;
pub mod rows;
pub mod status;
pub mod tables;
pub mod usb;
pub mod vars;

pub use config::QxConfig;
pub use decode::{Readings, decode_reply};
pub use engine::{Engine, Event};
pub use protocol::{PROBE_ORDER, Protocol};
pub use status::{StatusBit, StatusSet, Token};
