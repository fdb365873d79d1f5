//! The parseconf tokenizer on arbitrary bytes: feeding invariance, words
//! printable ASCII within NUT's limits, quoting round trip
//! (see `check_conf_tokenizer` in ../properties.rs).
#![no_main]

include!("../properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_conf_tokenizer(data));
