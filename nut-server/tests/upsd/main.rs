//! upsd tests: our upsd against the real upsd 2.8.0, request for request,
//! over the same kind of real drivers; real clients against both; start-up,
//! reload and limits of the runtime.
//!
//! Tests that need real NUT (`/lib/nut/upsd`, `/lib/nut/dummy-ups`) print a
//! SKIPPED line without it, and fail under CI (env `CI`). They run one at a
//! time. Keep a sandbox's files with `NUT_UPSD_TEST_KEEP=1`.
//!
//! Run: `cargo test -p nut-server --test upsd -- --nocapture` (prints the
//! comparison counts).

mod chroot;
mod clients;
mod corpus;
mod daemon;
mod nit;
mod runtime;
mod support;
mod tls;
mod transcripts;
mod unix;
