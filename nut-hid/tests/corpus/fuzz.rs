//! The HID fuzz targets' seeds and replay.
//!
//! * Seeds in `fuzz/corpus/hid_descriptor/` and `fuzz/corpus/hid_report/`
//!   are our own synthetic descriptors (built here with
//!   [`DescriptorWriter`]); a test checks the committed files are current
//!   (`UPDATE_FUZZ_SEEDS=1` rewrites them).
//! * Every file in `fuzz/corpus/hid_*` (including the git-ignored
//!   `*-shared` directories) and `fuzz/artifacts/hid_*` is replayed through
//!   the targets' own property checks (`fuzz_properties.rs`).
//! * Real descriptors never enter the repository: the ignored test
//!   `copy_shared_corpus_into_fuzz_seeds` copies them from
//!   `../shared/corpus/hid` into the git-ignored
//!   `fuzz/corpus/hid_descriptor-shared/` and `fuzz/corpus/hid_report-shared/`:
//!   `cargo test -p nut-hid --test corpus -- --ignored copy_shared_corpus_into_fuzz_seeds`
//!
//! Fuzzing (from `fuzz/`, nightly cargo-fuzz; scratch directory first so
//! libFuzzer's finds stay out of the committed seeds):
//! `cargo +nightly fuzz run hid_descriptor "$(mktemp -d)" corpus/hid_descriptor corpus/hid_descriptor-shared -- -max_total_time=60`
//! and the same for `hid_report`.

use std::fs;
use std::path::{Path, PathBuf};

use nut_hid::{CollectionKind, DescriptorWriter};

use crate::common::{self, report};

include!("fuzz_properties.rs");

const VOLT: u32 = 0x00F0_D121;
const SECOND: u32 = 0x0000_1001;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// A UPS with the usual PowerSummary fields, status bits and a signed delay.
fn ups_basic() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application);
    w.usage(0x24).collection(CollectionKind::Physical);
    w.report_id(1)
        .usage_page(0x85)
        .usage(0x66)
        .logical(0, 100)
        .report_size(8)
        .report_count(1);
    w.input(0xA2).usage(0x66).feature(0xA2);
    w.usage(0x68)
        .logical(0, 0x7FFF_FFFF)
        .unit(SECOND)
        .report_size(32)
        .input(0xA2);
    w.usage(0x68).feature(0xA2);
    w.report_id(2)
        .usage_page(0x84)
        .usage(0x30)
        .logical(0, 0xFFFF)
        .unit(VOLT)
        .unit_exponent(5);
    w.report_size(16).feature(0x22);
    w.report_id(3)
        .usage(0x57)
        .logical(-1, 0x7FFF)
        .physical(-60, 0x1E_0000)
        .unit(SECOND);
    w.unit_exponent(0).feature(0xA2);
    w.usage(0x02)
        .collection(CollectionKind::Logical)
        .report_id(4)
        .usage_page(0x85);
    w.usage(0xD0)
        .usage(0x44)
        .usage(0x45)
        .usage(0x42)
        .logical(0, 1)
        .physical(0, 0)
        .unit(0);
    w.report_size(1)
        .report_count(4)
        .input(0xA2)
        .report_count(4)
        .input(0x01);
    w.end_collection().end_collection().end_collection();
    w.into_bytes()
}

/// MGE-style outlets: vendor collection types (index nodes) and extended
/// usages on the 0xFFFF page.
fn mge_outlets() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application);
    w.usage(0x18).collection(CollectionKind::Physical);
    for outlet in 1..=3u8 {
        w.usage(0x20)
            .collection(CollectionKind::from_code(0x80 | outlet));
        w.report_id(0x10 + outlet)
            .usage(0x21)
            .usage(0x6B)
            .logical(0, 255);
        w.report_size(8).report_count(2).feature(0x03);
        w.usage(0xFFFF_0080)
            .usage(0xFFFF_0081)
            .report_count(2)
            .feature(0xA2);
        w.end_collection();
    }
    w.end_collection();
    w.usage(0xFFFF_0005)
        .collection(CollectionKind::Physical)
        .report_id(0x30);
    w.usage(0xFFFF_00F1)
        .report_size(16)
        .report_count(1)
        .logical(0, 0x7FFF)
        .feature(0x02);
    w.end_collection().end_collection();
    w.into_bytes()
}

/// No Report ID items: reports carry no ID byte.
fn no_report_ids() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application);
    w.usage(0x01)
        .logical(0, 255)
        .report_size(8)
        .report_count(5)
        .input(0x00);
    w.usage(0x03).report_count(12).feature(0x102);
    w.end_collection();
    w.into_bytes()
}

/// Push/Pop, a usage range, a delimiter set and a long item.
fn push_pop_ranges() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    let mut bytes = vec![0xFE, 0x02, 0x10, 0xAB, 0xCD];
    w.usage_page(0x85)
        .usage(0x0084_0004)
        .collection(CollectionKind::Application);
    w.report_id(7)
        .logical(0, 1)
        .report_size(1)
        .push()
        .report_size(4)
        .logical(-8, 7);
    w.usage(0x29).report_count(1).feature(0x02).pop();
    w.usage_range(0x40, 0x4B).report_count(12).input(0x02);
    w.item(
        nut_hid::item::ItemType::Local,
        nut_hid::item::local_tag::DELIMITER,
        nut_hid::item::ItemData::new(1, 1),
    );
    w.usage(0x44).usage(0x0084_0044);
    w.item(
        nut_hid::item::ItemType::Local,
        nut_hid::item::local_tag::DELIMITER,
        nut_hid::item::ItemData::new(0, 1),
    );
    w.report_count(4).input(0x02);
    w.end_collection();
    bytes.extend_from_slice(w.bytes());
    bytes
}

/// The firmware mistakes NUT accepts: inverted LogMax (2-byte 0xFFFF),
/// a sign-extended unit exponent, an inverted physical range, a reserved
/// item and an extra End Collection.
fn nut_quirks() -> Vec<u8> {
    use nut_hid::item::{ItemData, ItemType, global_tag};
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application)
        .report_id(0x31);
    w.usage(0x30).logical(0, 0).report_size(16).report_count(1);
    w.item(
        ItemType::Global,
        global_tag::LOGICAL_MAXIMUM,
        ItemData::new(0xFFFF, 2),
    );
    w.item(
        ItemType::Global,
        global_tag::UNIT_EXPONENT,
        ItemData::new(0xFE, 1),
    );
    w.unit(VOLT).feature(0x02);
    w.usage(0x40).physical(100, 0).feature(0x02);
    w.item(ItemType::Reserved, 0x1, ItemData::new(0, 0));
    w.end_collection().end_collection();
    w.into_bytes()
}

/// A Megatec-over-HID bridge: a vendor page, arrays, not a power device.
fn megatec_vendor() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0xFF00)
        .usage(0x01)
        .collection(CollectionKind::Application);
    w.usage(0x02)
        .logical(0, 255)
        .report_size(8)
        .report_count(8)
        .input(0x82);
    w.usage(0x02).report_count(8).output(0x82);
    w.end_collection();
    w.into_bytes()
}

/// Collections nested to the depth limit, a field at the bottom.
fn deep_nesting() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84);
    for level in 0..nut_hid::MAX_COLLECTION_DEPTH {
        w.usage(0x10 + level as u32)
            .collection(CollectionKind::from_code(0x80 | level as u8));
    }
    w.report_id(9)
        .usage(0x30)
        .logical(0, 10)
        .report_size(8)
        .report_count(1)
        .feature(0x02);
    for _ in 0..nut_hid::MAX_COLLECTION_DEPTH {
        w.end_collection();
    }
    w.into_bytes()
}

/// A descriptor cut in the middle of an item.
fn truncated() -> Vec<u8> {
    let mut bytes = ups_basic();
    bytes.truncate(40);
    bytes.push(0x27);
    bytes.push(0xFF);
    bytes
}

/// Our synthetic descriptors: (seed name, bytes).
fn synthetic_descriptors() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("ups_basic", ups_basic()),
        ("mge_outlets", mge_outlets()),
        ("no_report_ids", no_report_ids()),
        ("push_pop_ranges", push_pop_ranges()),
        ("nut_quirks", nut_quirks()),
        ("megatec_vendor", megatec_vendor()),
        ("deep_nesting", deep_nesting()),
        ("truncated", truncated()),
    ]
}

/// `hid_report` seeds: a descriptor with reports that decode, a short
/// one, a wrong ID and an empty one.
fn synthetic_reports() -> Vec<(String, Vec<u8>)> {
    let reports: [(&str, Vec<u8>, &[u8]); 8] = [
        (
            "ups_basic_capacity",
            ups_basic(),
            &[1, 87, 0x10, 0x0E, 0, 0],
        ),
        ("ups_basic_voltage", ups_basic(), &[2, 0xB0, 0x04]),
        ("ups_basic_delay", ups_basic(), &[3, 0xFF, 0xFF]),
        ("ups_basic_status", ups_basic(), &[4, 0b1010_0101]),
        ("ups_basic_short", ups_basic(), &[1, 87]),
        ("ups_basic_wrong_id", ups_basic(), &[9, 1, 2, 3]),
        ("no_report_ids", no_report_ids(), &[1, 2, 3, 4, 5]),
        ("mge_outlets", mge_outlets(), &[0x12, 1, 1, 0, 0]),
    ];
    reports
        .into_iter()
        .map(|(name, descriptor, report)| (name.to_owned(), fuzz_report_input(&descriptor, report)))
        .collect()
}

#[test]
fn synthetic_seeds_satisfy_the_properties() {
    for (name, bytes) in synthetic_descriptors() {
        let outcome = std::panic::catch_unwind(|| check_hid_descriptor(&bytes));
        assert!(outcome.is_ok(), "descriptor seed {name}");
    }
    for (name, bytes) in synthetic_reports() {
        let outcome = std::panic::catch_unwind(|| check_hid_report(&bytes));
        assert!(outcome.is_ok(), "report seed {name}");
    }
    // The seeds cover what they are named for.
    let strict = nut_hid::ParserConfig::strict();
    let nut = nut_hid::ParserConfig::nut();
    assert!(nut_hid::ReportDescriptor::decode(&nut_quirks(), &strict).is_err());
    assert!(nut_hid::ReportDescriptor::decode(&nut_quirks(), &nut).is_ok());
    assert!(nut_hid::ReportDescriptor::decode(&truncated(), &nut).is_err());
    let deep = nut_hid::ReportDescriptor::decode(&deep_nesting(), &strict).expect("at the limit");
    assert_eq!(deep.fields()[0].path.len(), nut_hid::MAX_PATH_NODES);
    assert!(
        !nut_hid::ReportDescriptor::decode(&megatec_vendor(), &strict)
            .expect("parses")
            .is_power_device()
    );
}

/// Compare (or with `UPDATE_FUZZ_SEEDS`, write) one seed file.
fn check_seed(dir: &Path, name: &str, bytes: &[u8], stale: &mut Vec<String>) {
    let path = dir.join(name);
    if std::env::var_os("UPDATE_FUZZ_SEEDS").is_some() {
        fs::create_dir_all(dir).expect("seed dir");
        fs::write(&path, bytes).expect("seed written");
    }
    if fs::read(&path).ok().as_deref() != Some(bytes) {
        stale.push(path.display().to_string());
    }
}

#[test]
fn committed_fuzz_seeds_are_current() {
    let corpus = fuzz_dir().join("corpus");
    let mut stale = Vec::new();
    for (name, bytes) in synthetic_descriptors() {
        check_seed(&corpus.join("hid_descriptor"), name, &bytes, &mut stale);
    }
    for (name, bytes) in synthetic_reports() {
        check_seed(&corpus.join("hid_report"), &name, &bytes, &mut stale);
    }
    assert!(
        stale.is_empty(),
        "fuzz seeds missing or stale (UPDATE_FUZZ_SEEDS=1 rewrites them): {stale:?}"
    );
}

/// A fuzz target's property check.
type Check = fn(&[u8]);

/// Files directly in `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
}

#[test]
fn fuzz_corpus_and_crashes_replay() {
    let targets: [(&str, Check); 2] = [
        ("hid_descriptor", check_hid_descriptor),
        ("hid_report", check_hid_report),
    ];
    let mut counts = Vec::new();
    for kind in ["corpus", "artifacts"] {
        let Ok(dirs) = fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = dirs
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            // `hid_descriptor`, `hid_descriptor-shared`, … share a target.
            let Some((_, check)) = targets
                .iter()
                .find(|(t, _)| name == *t || name.starts_with(&format!("{t}-")))
            else {
                continue;
            };
            let inputs = files(&dir);
            for input in &inputs {
                let data = fs::read(input).expect("readable fuzz input");
                let outcome = std::panic::catch_unwind(|| check(&data));
                assert!(outcome.is_ok(), "{} fails its property", input.display());
            }
            counts.push(format!("{kind}/{name}: {}", inputs.len()));
        }
    }
    report(&format!("fuzz replay: {}", counts.join(", ")));
}

/// Not a check: copies the real descriptors (and the vectors' reports) into
/// the git-ignored `fuzz/corpus/*-shared/` seed directories.
#[test]
#[ignore = "writes into fuzz/corpus; run by hand before fuzzing"]
fn copy_shared_corpus_into_fuzz_seeds() {
    let Some(hid) = common::hid_dir("copy_shared_corpus_into_fuzz_seeds") else {
        return;
    };
    let corpus = fuzz_dir().join("corpus");
    let descriptors = corpus.join("hid_descriptor-shared");
    let reports = corpus.join("hid_report-shared");
    fs::create_dir_all(&descriptors).expect("seed dir");
    fs::create_dir_all(&reports).expect("seed dir");
    let entries = common::entries(&hid);
    for entry in &entries {
        let name = entry.golden_name().replace(".txt", ".bin");
        fs::write(descriptors.join(&name), &entry.data).expect("seed written");
    }
    let mut report_count = 0;
    for file in files(&hid.join("ups-to-esp32/nut-issues/vectors")) {
        let vector: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&file).expect("vector")).expect("vector JSON");
        let descriptor_file = vector["descriptor_file"].as_str().unwrap_or_default();
        let Some(entry) = entries
            .iter()
            .find(|e| e.relative.ends_with(descriptor_file))
        else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        for item in vector["decoded"].as_array().into_iter().flatten() {
            let bytes: Vec<u8> = item["report_bytes"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|b| u8::from_str_radix(b, 16).ok())
                .collect();
            if seen.insert(bytes.clone()) {
                let stem = descriptor_file.trim_end_matches(".hex");
                let name = format!(
                    "{stem}-{:02x}-{}.bin",
                    bytes.first().copied().unwrap_or(0),
                    seen.len()
                );
                fs::write(reports.join(name), fuzz_report_input(&entry.data, &bytes))
                    .expect("seed written");
                report_count += 1;
            }
        }
    }
    report(&format!(
        "copied {} descriptors to {} and {report_count} report inputs to {} (git-ignored)",
        entries.len(),
        descriptors.display(),
        reports.display()
    ));
}
