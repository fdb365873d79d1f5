//! The 5 decoded-report vectors: descriptor + raw report bytes + the value
//! NUT logged. Each entry must find its field (same report type, ID, bit
//! offset and size, and the path NUT printed) and decode to NUT's value.

use std::path::Path;

use nut_hid::{Field, ReportDescriptor, ReportKind, UsageNames};

use crate::common::{self, report};

fn kind(text: &str) -> ReportKind {
    match text {
        "Input" => ReportKind::Input,
        "Output" => ReportKind::Output,
        "Feature" => ReportKind::Feature,
        other => panic!("unknown report type {other}"),
    }
}

fn hex_bytes(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
        .collect()
}

fn number(value: &serde_json::Value, what: &str) -> u64 {
    match value {
        serde_json::Value::Number(n) => n.as_u64().expect("unsigned"),
        serde_json::Value::String(s) => u64::from_str_radix(s.trim_start_matches("0x"), 16)
            .unwrap_or_else(|_| panic!("{what}: {s}")),
        other => panic!("{what}: {other}"),
    }
}

/// The field an entry names, checking its path with NUT's names for the
/// device (or the standard names: older NUT versions lacked some vendor
/// names, so the logs print those usages as hex).
fn find<'a>(
    descriptor: &'a ReportDescriptor,
    names: UsageNames,
    entry: &serde_json::Value,
) -> Result<&'a Field, String> {
    let path = entry["path"].as_str().expect("path");
    let kind = kind(entry["type"].as_str().expect("type"));
    let report_id = number(&entry["report_id"], "report_id");
    let offset = number(&entry["offset"], "offset");
    let size = number(&entry["size"], "size");
    descriptor
        .fields()
        .iter()
        .find(|field| {
            field.kind == kind
                && u64::from(field.report_id) == report_id
                && u64::from(field.bit_offset) == offset
                && u64::from(field.bit_size) == size
                && field.is_named()
                && (field.path.display(&names).to_string() == path
                    || field.path.display(&UsageNames::STANDARD).to_string() == path)
        })
        .ok_or_else(|| format!("no field {path} {kind} id {report_id} at {offset}+{size}"))
}

#[test]
fn vectors_decode_to_the_value_nut_logged() {
    let Some(hid) = common::hid_dir("vectors_decode_to_the_value_nut_logged") else {
        return;
    };
    let entries = common::entries(&hid);
    let dir = hid.join("ups-to-esp32/nut-issues/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("vectors dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut matched, mut values, mut fractions) = (0, 0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let vector: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("vector readable"))
                .expect("vector JSON");
        let descriptor_file = vector["descriptor_file"].as_str().expect("descriptor_file");
        let entry = entries
            .iter()
            .find(|e| {
                Path::new(&e.relative)
                    .file_name()
                    .is_some_and(|n| n == descriptor_file)
            })
            .unwrap_or_else(|| panic!("{descriptor_file} not in the corpus"));
        let descriptor =
            ReportDescriptor::decode(&entry.data, &entry.nut_config()).expect("parses");
        let before = failures.len();
        for item in vector["decoded"].as_array().expect("decoded") {
            let result = find(&descriptor, entry.names(), item).and_then(|field| {
                let bytes = hex_bytes(item["report_bytes"].as_str().expect("report_bytes"));
                let ours = field.decode(&bytes).map_err(|e| e.to_string())?;
                let logged = item["value"].as_f64().expect("value");
                // NUT logs with %g: six significant digits.
                if (ours - logged).abs() <= 1e-5 * logged.abs().max(1.0) {
                    Ok(false)
                } else if item["match"] == "scaled_by_logged_exponent_or_phys"
                    && ours.trunc() == logged
                {
                    // The vectors hold integers: where NUT's value was
                    // scaled to a fraction (3 with a volt unit and
                    // exponent 5 is 0.03), the file keeps its integer part.
                    Ok(true)
                } else {
                    Err(format!(
                        "{}: ours {ours}, NUT logged {logged}",
                        item["path"]
                    ))
                }
            });
            match result {
                Ok(truncated) => {
                    values += 1;
                    fractions += usize::from(truncated);
                }
                Err(e) => failures.push(format!("{descriptor_file}: {e}")),
            }
        }
        if failures.len() == before {
            matched += 1;
        }
    }
    report(&format!(
        "vectors matched {matched}/{} ({values} values, {fractions} of them fractional values the file keeps as integers)",
        files.len()
    ));
    assert!(
        failures.is_empty(),
        "vector mismatches:\n{}",
        failures.join("\n")
    );
    assert_eq!(files.len(), 5, "the corpus has 5 vectors");
}
