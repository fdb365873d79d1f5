//! Serial UPS protocols (not built yet).
//!
//! This crate will hold the sans-IO Megatec/Q* codecs (`nutdrv_qx`,
//! `blazer_ser`), the APC Smart protocol (`apcsmart`), contact-closure
//! (`genericups`) handling and wire-level device simulators. Until then it
//! exports nothing.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
