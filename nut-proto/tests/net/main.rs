//! Client integration tests: one shared suite run by both adapters against
//! an in-process fake server and the real upsd 2.8.0, plus STARTTLS and
//! oracle checks of NUT's exact error texts.
//!
//! Ports: fake servers bind in 13611..=13619, the real upsd sandbox uses
//! 13610, and 13609 is kept free for "connection refused".

#![allow(clippy::unwrap_used)]

// The suites need the blocking client (the tokio one runs beside it).
#[cfg(feature = "blocking")]
mod api;
#[cfg(feature = "blocking")]
mod fake;
mod fuzz_replay;
#[cfg(feature = "blocking")]
mod real;
#[cfg(feature = "blocking")]
mod suite;
#[cfg(all(feature = "blocking", feature = "tls"))]
mod tls;

/// A port on which nothing listens.
#[cfg(feature = "blocking")]
pub(crate) const CLOSED_PORT: u16 = 13609;

/// Port of the real upsd sandbox.
#[cfg(feature = "blocking")]
pub(crate) const REAL_UPSD_PORT: u16 = 13610;

/// Ports for fake servers.
#[cfg(feature = "blocking")]
pub(crate) const FAKE_PORTS: std::ops::RangeInclusive<u16> = 13611..=13619;
