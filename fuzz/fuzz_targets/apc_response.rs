//! Fuzz target: APC Smart reply reading and decoding
//! (`nut_serial::apc::property::fuzz_property`).
//!
//! Byte 0 picks the read mode and the queried variable, the rest is what
//! the unit sent. Property: nothing panics; every reply's consumed bytes
//! are exactly its text plus the alerts taken out plus ignored CRs plus
//! the terminator; replies stay bounded; status bytes, values and
//! capabilities that decode re-encode consistently. nut-serial's test
//! suite replays `corpus/apc_response` through the same property.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = nut_serial::apc::property::fuzz_property(data) {
        panic!("apc_response property broken: {e}");
    }
});
