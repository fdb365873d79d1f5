//! Oracle tests: our programs against the real NUT 2.8.0 (Debian's `nut-server`/`nut-client`).
//!
//! The real `upsd` and `dummy-ups` run in private loopback sandboxes ([`sandbox`]); the real
//! client and ours are run with the same arguments and must print the same bytes and exit the
//! same way ([`compare`]). Without real NUT the tests skip loudly, unless `CI` or
//! `NUT_ORACLE_REQUIRED=1` is set, which turns the skip into a failure ([`gate`]).
//!
//! Run: `cargo nextest run -p nut-cli --test oracle` (or `cargo test -p nut-cli --test oracle`).
//! Keep a sandbox's files for inspection with `NUT_ORACLE_KEEP=1`.

mod compare;
mod corpus_upsc;
mod gate;
mod process;
mod sandbox;
mod sandbox_selftest;
mod upsc_cases;
