//! Network-protocol requests on arbitrary bytes: upsd-style decoding agrees
//! with the command table, and whatever decodes re-encodes to itself (see
//! `check_proto_request` in nut-proto/tests/net/fuzz_props.rs).
#![no_main]

include!("../../nut-proto/tests/net/fuzz_props.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_proto_request(data));
