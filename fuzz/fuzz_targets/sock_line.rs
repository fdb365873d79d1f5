//! The driver-socket codec on arbitrary bytes: whatever decodes re-encodes
//! to the same value, decoding ignores chunking, snapshots dump and
//! re-assemble to themselves (see `check_sock_line` in ../properties.rs).
#![no_main]

include!("../properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_sock_line(data));
