//! Step 1: the `.snmprec` parser on every recording.

use crate::common::{recordings, report};
use nut_snmp::{Oid, Recording, Value};

#[test]
fn every_recording_parses_into_a_sorted_table() {
    let Some(all) = recordings("every_recording_parses_into_a_sorted_table") else {
        return;
    };
    assert_eq!(all.len(), 51, "the corpus holds 51 recordings");
    let (mut records, mut duplicates, mut hex) = (0, 0, 0);
    for (name, bytes) in &all {
        let rec = Recording::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        // Every line is one record; later lines for the same OID replace earlier ones.
        assert_eq!(rec.len() + rec.duplicates(), lines.len(), "{name}");
        hex += lines
            .iter()
            .filter(|l| l.split('|').nth(1).is_some_and(|t| t.ends_with('x')))
            .count();
        // GETNEXT order: strictly increasing, and each OID answers its own GET.
        let oids: Vec<&Oid> = rec.iter().map(|(o, _)| o).collect();
        assert!(oids.windows(2).all(|w| w[0] < w[1]), "{name}: not sorted");
        for line in &lines {
            let oid: Oid = line.split('|').next().unwrap_or_default().parse().unwrap();
            assert!(rec.get(&oid).is_some(), "{name}: {oid} lost");
        }
        // Every recording names its agent (sysObjectID is an OID value).
        let sys: Oid = "1.3.6.1.2.1.1.2.0".parse().unwrap();
        assert!(
            matches!(rec.get(&sys), Some(Value::ObjectId(_))),
            "{name}: no sysObjectID"
        );
        records += rec.len();
        duplicates += rec.duplicates();
    }
    report(&format!(
        "parsed {} recordings ({records} distinct OIDs, {duplicates} replaced duplicates, {hex} hex-encoded values)",
        all.len()
    ));
}
