//! upsd and the driver runtime (not built yet).
//!
//! This crate will hold upsd (per-connection sans-IO session, access rules,
//! the tokio listener), the driver runtime (state tree, state socket server,
//! common driver options) and the `dummy-ups`, `clone` and `upsdrvctl`
//! logic. Until then it exports nothing.
#![deny(missing_docs)]
