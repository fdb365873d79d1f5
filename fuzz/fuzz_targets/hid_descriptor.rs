//! The HID report descriptor parser on arbitrary bytes, strict and with
//! NUT's quirks: no panic, errors point inside the input, every field lies
//! inside its report, paths print and parse back, renderings work, items
//! re-encode (see `check_hid_descriptor` in
//! ../../nut-hid/tests/corpus/fuzz_properties.rs).
#![no_main]

include!("../../nut-hid/tests/corpus/fuzz_properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_hid_descriptor(data));
