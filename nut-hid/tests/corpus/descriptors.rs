//! Every corpus descriptor parses, non-UPS ones are recognised, and each
//! one's rendering matches the golden file checked in under `tests/golden/`.

use std::collections::BTreeSet;
use std::path::Path;

use nut_hid::{ParserConfig, ReportDescriptor};

use crate::common::{self, report};

#[test]
fn every_descriptor_parses() {
    let Some(hid) = common::hid_dir("every_descriptor_parses") else {
        return;
    };
    let entries = common::entries(&hid);
    let mut distinct = BTreeSet::new();
    let (mut power, mut not_power, mut strict_ok) = (0, 0, 0);
    for entry in &entries {
        assert_eq!(
            entry.data.len(),
            entry.bytes,
            "{}: length differs from INDEX.tsv",
            entry.relative
        );
        let descriptor = ReportDescriptor::decode(&entry.data, &entry.nut_config())
            .unwrap_or_else(|e| panic!("{} ({}): {e}", entry.relative, entry.model));
        assert_eq!(
            descriptor.is_power_device(),
            entry.power_device,
            "{}: power device recognition",
            entry.relative
        );
        if descriptor.is_power_device() {
            power += 1;
            assert!(
                descriptor.fields().iter().any(|f| f.is_named()),
                "{}: a power device without named fields",
                entry.relative
            );
        } else {
            not_power += 1;
        }
        // Sanity on every field: inside its report, element size sane.
        for field in descriptor.fields() {
            let layout = descriptor
                .report(field.kind, field.report_id)
                .unwrap_or_else(|| panic!("{}: field in an undeclared report", entry.relative));
            assert!(
                field.bit_end() <= u64::from(layout.bits),
                "{}: field past its report",
                entry.relative
            );
        }
        // The rendering and the JSON are well-formed for every descriptor.
        let json: serde_json::Value =
            serde_json::from_str(&descriptor.to_json(entry.names())).expect("our JSON parses");
        assert_eq!(json["length"], entry.data.len());
        if ReportDescriptor::decode(&entry.data, &ParserConfig::strict()).is_ok() {
            strict_ok += 1;
        }
        distinct.insert(entry.data.clone());
    }
    assert_eq!(not_power, 2, "the two Megatec-over-HID descriptors");
    assert!(
        entries.len() >= 58,
        "corpus shrank: {} descriptors",
        entries.len()
    );
    report(&format!(
        "parsed {} descriptors ({} distinct): {power} power devices, {not_power} not power devices; strict HID parser accepts {strict_ok} (the rest need NUT's quirks)",
        entries.len(),
        distinct.len()
    ));
}

fn golden_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"))
}

/// Our rendering of one descriptor: the tree, with every field's HID path
/// printed with NUT's names for its VID:PID.
fn rendering(entry: &common::Entry) -> String {
    let descriptor = ReportDescriptor::decode(&entry.data, &entry.nut_config()).expect("parses");
    format!(
        "# {} ({} bytes), names: {}\n{}",
        entry.vid_pid,
        entry.data.len(),
        entry
            .names()
            .vendor()
            .map_or("standard", |table| table.subdriver()),
        descriptor.display_with(entry.names()),
    )
}

#[test]
fn golden_renderings_match() {
    let Some(hid) = common::hid_dir("golden_renderings_match") else {
        return;
    };
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    let mut mismatched = Vec::new();
    for entry in common::entries(&hid) {
        let path = golden_dir().join(entry.golden_name());
        let ours = rendering(&entry);
        if update {
            std::fs::create_dir_all(golden_dir()).expect("golden dir");
            std::fs::write(&path, &ours).expect("golden written");
        }
        match std::fs::read_to_string(&path) {
            Ok(golden) if golden == ours => checked += 1,
            Ok(_) => mismatched.push(entry.golden_name()),
            Err(e) => panic!(
                "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
                path.display()
            ),
        }
    }
    assert!(
        mismatched.is_empty(),
        "renderings differ from tests/golden (review, then UPDATE_GOLDEN=1): {mismatched:?}"
    );
    report(&format!("golden renderings matched {checked}"));
}
