//! SNMP UPS support (not built yet).
//!
//! This crate will hold the MIB-to-variable maps of `snmp-ups` and the SNMP
//! driver built on `snmp2`, and the NetXML (`netxml-ups`) driver. Until then
//! it exports nothing.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
