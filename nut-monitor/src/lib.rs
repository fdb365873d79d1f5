//! upsmon and upssched (not built yet).
//!
//! This crate will hold upsmon's shutdown policy as a pure, clock-driven
//! state machine, its runtime, and upssched's timer daemon. Until then it
//! exports nothing.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
