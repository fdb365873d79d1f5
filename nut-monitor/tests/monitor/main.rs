//! nut-monitor's integration tests: notification scenarios, policy
//! scenarios, the reference model with its property tests, and the
//! scenario replayer.

// Helpers outside `#[test]` functions panic on broken test setups by design.
#![allow(clippy::unwrap_used)]

mod model;
mod notifications;
mod policy;
mod properties;
mod replay;
mod support;
