//! The `snmp_mib_map` fuzz property without libFuzzer: over generated
//! inputs, over inputs built from every corpus recording, and over the
//! fuzz corpus and crash artifacts when they exist.

use std::path::Path;

use crate::common::{parsed_recordings, report};

include!("fuzz_properties.rs");

/// A small deterministic generator (xorshift64*), so failures replay.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
    }
}

#[test]
fn fuzz_property_holds_on_generated_inputs() {
    let mut bytes = Bytes(0x9e37_79b9_7f4a_7c15);
    let mut runs = 0;
    for mib in 0..=255u8 {
        for _ in 0..6 {
            let len = 3 + usize::from(bytes.next()) * 3;
            let mut data: Vec<u8> = (0..len).map(|_| bytes.next()).collect();
            data[0] = mib;
            check_snmp_mib_map(&data);
            runs += 1;
        }
    }
    report(&format!("fuzz property: {runs} generated inputs passed"));
}

#[test]
fn fuzz_property_holds_on_inputs_shaped_like_the_recordings() {
    // Each recording's INTEGER values aimed at every mapping's rows: real
    // value ranges against every table.
    let Some(all) = parsed_recordings("fuzz_property_holds_on_inputs_shaped_like_the_recordings")
    else {
        return;
    };
    let mut runs = 0;
    for (n, (_, rec)) in all.iter().enumerate() {
        let values: Vec<i32> = rec
            .iter()
            .filter_map(|(_, v)| match v {
                nut_snmp::Value::Integer(i) => Some(*i),
                _ => None,
            })
            .take(120)
            .collect();
        for step in 0..6u8 {
            let mib = u8::try_from(n % 36).unwrap_or(0).wrapping_add(step * 6);
            let mut data = vec![mib, 0, 12];
            for (row, value) in values.iter().enumerate() {
                data.extend([u8::try_from(row % 240).unwrap_or(0), 1, 0, 4]);
                data.extend(value.to_le_bytes());
            }
            check_snmp_mib_map(&data);
            runs += 1;
        }
    }
    report(&format!(
        "fuzz property: {runs} recording-shaped inputs passed"
    ));
}

#[test]
fn fuzz_corpus_and_artifacts_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for dir in ["corpus/snmp_mib_map", "artifacts/snmp_mib_map"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(data) = std::fs::read(entry.path()) {
                check_snmp_mib_map(&data);
                replayed += 1;
            }
        }
    }
    report(&format!(
        "fuzz property: {replayed} committed fuzz inputs replayed"
    ));
}
