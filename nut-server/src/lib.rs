//! upsd and the NUT driver runtime: the sans-IO foundations.
//!
//! What is here so far, all synchronous and free of sockets, files (except
//! the thin `load` helpers) and clocks:
//!
//! * [`config`]: `ups.conf`, `upsd.conf`, `upsd.users` (with the access
//!   checks upsd applies) and `nut.conf`, read the way NUT reads them, with
//!   NUT's messages;
//! * [`desc`]: the `cmdvartab` descriptions behind `GET DESC`/`GET CMDDESC`;
//! * [`state`]: the state tree of a UPS (NUT's `state.c`/`dstate.c`), its
//!   status/alarm helpers and the change log a driver broadcasts;
//! * [`driver`]: the device-independent start-up of a driver
//!   (`ups.conf` section handling, `driver.*` variables);
//! * [`dummy`]: dummy-ups's definition files and behaviour.
//!
//! The upsd network server and the driver socket server come next; they
//! will drive these cores with `now: Instant` passed in.
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
