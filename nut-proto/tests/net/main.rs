//! Client integration tests: one shared suite run by both adapters against
//! an in-process fake server and the real upsd 2.8.0, plus STARTTLS and
//! oracle checks of NUT's exact error texts.
//!
//! Ports: fake servers bind in 13611..=13619, the real upsd sandbox uses
//! 13610, and 13609 is kept free for "connection refused" (all moved by
//! `NUT_PROTO_TEST_PORT_BASE`).

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

/// Environment variable moving the ports below to `<base>..=<base>+10`
/// (e.g. `NUT_PROTO_TEST_PORT_BASE=14000`), for machines where the default
/// range is taken.
#[cfg(feature = "blocking")]
const PORT_BASE_ENV: &str = "NUT_PROTO_TEST_PORT_BASE";

/// The first port of the range: [`PORT_BASE_ENV`] or 13609.
#[cfg(feature = "blocking")]
fn port_base() -> u16 {
    std::env::var(PORT_BASE_ENV)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(13609)
}

/// A port on which nothing listens.
#[cfg(feature = "blocking")]
pub(crate) fn closed_port() -> u16 {
    port_base()
}

/// Port of the real upsd sandbox.
#[cfg(feature = "blocking")]
pub(crate) fn real_upsd_port() -> u16 {
    port_base() + 1
}

/// Ports for fake servers.
#[cfg(feature = "blocking")]
pub(crate) fn fake_ports() -> std::ops::RangeInclusive<u16> {
    port_base() + 2..=port_base() + 10
}
