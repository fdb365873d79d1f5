//! Fuzz target: Megatec/Q* reply decoding (`nut_serial::qx::decode_reply`).
//!
//! Byte 0 picks a (protocol, query) pair, the rest is the device's reply.
//! Property: decoding never panics, and whatever decodes re-encodes through
//! the simulator's encoders to a reply that decodes to the same readings
//! (states the simulator cannot hold are skipped, each named in
//! `nut_serial::sim::reencode::unrepresentable`).
//! nut-serial's test suite replays `corpus/megatec_response` through the
//! same `fuzz_property`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = nut_serial::sim::reencode::fuzz_property(data) {
        panic!("decode/re-encode disagreement: {e}");
    }
});
