//! Network-protocol replies on arbitrary bytes: the client session answers
//! the same however the input is split, never panics, and decoded replies
//! re-encode to themselves (see `check_proto_reply` in
//! nut-proto/tests/net/fuzz_props.rs).
#![no_main]

include!("../../nut-proto/tests/net/fuzz_props.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_proto_reply(data));
