//! SNMP UPS support for nut-rs: snmp-ups's MIB maps and mapping engine.
//!
//! This crate re-implements what NUT's `snmp-ups` driver does between the
//! network and `upsd`: it chooses the MIB mapping for an agent
//! (`mibs=auto`), walks the mapping table, and turns SNMP values into NUT
//! variables, `ups.status`, `ups.alarm` and instant commands — with the
//! same row semantics, lookup tables, multipliers, templates (outlets,
//! outlet groups, ambient sensors) and daisychain handling as NUT 2.8.
//!
//! # Brief overview
//!
//! * [`Oid`] and [`Value`]: SNMP object identifiers and varbind values.
//! * [`Recording`]: an snmpsim `.snmprec` agent recording, sorted in
//!   GETNEXT order; it is an [`Agent`], so the engine runs over it as it
//!   would over the network.
//! * [`mib`]: every mapping NUT ships, as data ([`Mib`], [`mib::Row`]),
//!   in `mibs=auto` trial order, and [`mib::list_text`] (`mibs=--list`).
//! * [`Engine`]: the sans-IO mapping engine. [`Engine::detect`] picks the
//!   mapping, [`Engine::init`] runs the start-up walk, [`Engine::update`]
//!   one periodic walk; the results are [`Engine::variables`] and
//!   [`Engine::commands`]. [`Engine::instant_command`] and
//!   [`Engine::set_variable`] plan the SNMP SETs.
//!
//! * `udp` (feature `udp`, on by default): SNMP v1/v2c/v3 over UDP —
//!   `udp::Client` (tries, time-outs, request-id checks, GETNEXT/GETBULK
//!   walks, SNMPv3 discovery and USM; an [`Agent`]) and `udp::Simulator`,
//!   an agent serving recordings by community and by SNMPv3 user.
//!
//! * `netxml` (feature `netxml`): netxml-ups, for Eaton/MGE cards that
//!   speak NetXML over HTTP(S) — the sans-IO session, the `reqwest`
//!   transport and a card simulator.
//!
//! The engine never does IO and never reads a clock: every read goes
//! through the [`Agent`] it is given, and the driver decides when a poll
//! is due.
//!
//! # Example
//!
//! ```
//! use nut_snmp::{Config, Engine, Recording};
//!
//! let mut agent = Recording::parse(b"\
//! 1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.318.1.3.27
//! 1.3.6.1.4.1.318.1.1.1.1.1.1.0|4|Smart-UPS 1500
//! 1.3.6.1.4.1.318.1.1.1.2.2.1.0|66|100
//! 1.3.6.1.4.1.318.1.1.1.4.1.1.0|2|2
//! ")?;
//! let mut engine = Engine::detect(&mut agent, &Config::default())?;
//! assert_eq!(engine.mib().name, "apcc");
//! engine.init(&mut agent);
//! engine.update(&mut agent);
//! assert_eq!(engine.get("ups.status"), Some("OL"));
//! assert_eq!(engine.get("battery.charge"), Some("100"));
//! assert_eq!(engine.get("ups.mfr"), Some("APC"));
//! # Ok::<(), nut_snmp::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "udp")]
mod ber;
pub mod engine;
pub mod error;
pub mod mib;
#[cfg(feature = "netxml")]
pub mod netxml;
pub mod oid;
pub mod snmprec;
#[cfg(feature = "udp")]
pub mod udp;
pub mod value;

pub use engine::{Agent, Config, Engine, Variable};
pub use error::Error;
pub use mib::Mib;
pub use oid::Oid;
pub use snmprec::Recording;
pub use value::Value;
