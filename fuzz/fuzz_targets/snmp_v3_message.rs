//! SNMPv3 datagrams fed to the v3 message codec, the simulator's USM
//! engine and the client session: no panic, decoded messages re-encode
//! to the same message (see `check_snmp_v3_message` in
//! ../../nut-snmp/tests/v3/fuzz_properties.rs). Seeds: a recorded
//! discovery, authPriv and authNoPriv exchanges and the reports, in
//! corpus/snmp_v3_message/ (`UPDATE_FUZZ_SEEDS=1 cargo test -p nut-snmp
//! --test v3 fuzz` rewrites them).
#![no_main]

include!("../../nut-snmp/tests/v3/fuzz_properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_snmp_v3_message(data));
