//! Network UPS Tools (NUT) wire formats and client.
//!
//! `nut-proto` is the shared vocabulary of the nut-rs workspace. It is not
//! affiliated with the NUT project; it speaks NUT's protocols so that real
//! NUT programs and these crates can talk to each other in both directions.
//!
//! GUIDE_PLACEHOLDER
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod error;
pub mod model;
pub mod net;
pub mod sock;
pub mod tokenizer;

pub use error::Error;
pub use client::{ConnectOptions, Target};
pub use net::{ErrorCode, ListItem, ListQuery, Reply, Request};
pub use sock::{ClientMessage, DriverMessage, Snapshot, TrackingResult};
