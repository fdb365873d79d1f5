//! The NetXML reader, document parser and netxml-ups session fed arbitrary
//! bytes: no panic, a well-formed status, and object pages that survive
//! being written out and read again (see `check_netxml_parser` in
//! ../../nut-snmp/tests/netxml/fuzz_properties.rs). Seeds: the pages of
//! `nut sim netxml` in corpus/netxml_parser/.
#![no_main]

include!("../../nut-snmp/tests/netxml/fuzz_properties.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check_netxml_parser(data));
