//! Serial UPS protocols for nut-rs.
//!
//! * [`qx`]: the sans-IO Megatec/Q* protocol engine of NUT's `nutdrv_qx`
//!   (and `blazer_ser`): per-protocol tables, probing, polls, instant
//!   commands, battery estimation.
//! * [`apc`]: the sans-IO APC Smart protocol engine of NUT's `apcsmart`:
//!   smart mode, discovery, polls, alerts, settings, instant commands and
//!   shutdown methods.
//! * [`sim`]: wire-level device simulators (a Megatec/Q* UPS per protocol,
//!   an APC Smart UPS) as sans-IO responders, plus a pseudo-terminal
//!   adapter.
//! * [`genericups`]: contact-closure UPSes: the 24 cable types of NUT's
//!   `genericups`, line overrides, a sans-IO engine and the modem-line
//!   trait (with a simulated contact-closure device for tests).
//! * [`port`]: the byte link a blocking driver adapter moves an engine's
//!   bytes through (a real serial port with feature `serial`, or a
//!   simulator in memory).
//!
//! The driver binaries that put these engines on a serial port come with
//! the driver runtime of `nut-server`.
//!
//! # Example: decoding a Megatec Q1 reply
//!
//! ```
//! use nut_serial::qx::{Protocol, decode_reply};
//!
//! let readings = decode_reply(
//!     Protocol::Megatec,
//!     b"Q1\r",
//!     b"(215.0 195.0 230.0 014 49.0 22.7 30.0 10000000\r",
//! )?;
//! assert_eq!(readings.get("input.voltage"), Some("215.0"));
//! assert_eq!(readings.get("battery.voltage"), Some("22.7"));
//! // Bit 7 of the status field: utility fail, so the UPS is on battery.
//! assert_eq!(readings.status().render().to_string(), "OB");
//!
//! // Line noise never becomes a reading.
//! assert!(decode_reply(Protocol::Megatec, b"Q1\r", b"(215.0 1\xff5.0\r").is_err());
//! # Ok::<(), nut_serial::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apc;
pub mod error;
pub mod genericups;
pub mod port;
pub mod qx;
pub mod sim;

pub use error::Error;
