//! The stack in one process: `nut demo` as a process (our clients and
//! NUT's against it, SET through upsrw, SIGTERM clean-up), and upsd hosting
//! its drivers compared with drivers as separate processes (ours, and the
//! real upsd over real dummy-ups).
//!
//! Real-NUT parts print a SKIPPED line when NUT 2.8.0 is not installed,
//! corpus parts when `../shared/corpus` is missing; both fail when `CI` is
//! set. Tests run one at a time; every process is stopped by its PID.
//!
//! Run: `cargo test -p nut-server --test stack -- --nocapture` (build the
//! `nut` binary first, `cargo build -p nut-cli --bin nut`, for the process
//! test to use it and our clients).

mod child;
mod demo;
mod hosting;
mod support;
