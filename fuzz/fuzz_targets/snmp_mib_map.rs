//! The SNMP mapping engine fed arbitrary varbinds (any SMI type, the v2c
//! exceptions, OID values, absurd numbers) for the OIDs of any mapping
//! table: no panic, and after every walk a well-formed `ups.status` made
//! only of tokens the tables can produce, `ALARM` exactly when `ups.alarm`
//! is set, bounded values (see `check_snmp_mib_map` in
//! ../../nut-snmp/tests/corpus/fuzz_properties.rs).
#![no_main]

include!("../../nut-snmp/tests/corpus/fuzz_properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_snmp_mib_map(data));
