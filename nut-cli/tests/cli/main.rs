//! Journey tests of `upsc`, `upscmd`, `upsrw` and `upslog`: the built
//! binaries against a scripted fake upsd ([`fake_upsd`]) and, when Debian's
//! NUT 2.8.0 is installed, byte for byte against the real programs talking to
//! a real upsd and dummy-ups ([`real_nut`]).
//!
//! Run: `cargo test -p nut-cli --test cli`.

mod fake_upsd;
mod real_nut;
mod real_tests;
mod support;
mod timeout_tests;
mod upsc_tests;
mod upscmd_tests;
mod upslog_tests;
mod upsrw_tests;
