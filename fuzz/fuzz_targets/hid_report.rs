//! HID report decoding and encoding on arbitrary descriptor + report bytes
//! (a little-endian u16 descriptor length, the descriptor, the report):
//! typed errors for bad reports, values in range, decode → encode → decode
//! stable, other fields' bits untouched (see `check_hid_report` in
//! ../../nut-hid/tests/corpus/fuzz_properties.rs).
#![no_main]

include!("../../nut-hid/tests/corpus/fuzz_properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_hid_report(data));
