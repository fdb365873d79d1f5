//! USB HID Power Device support (not built yet).
//!
//! This crate will hold the HID report descriptor parser, the report
//! decoder, the Power Device (0x84) and Battery System (0x85) usage tables,
//! the per-vendor usage-to-variable maps of every `usbhid-ups` subdriver and
//! the USB HID driver itself (behind a `usb` feature). Until then it exports
//! nothing.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
