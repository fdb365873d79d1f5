//! Differential check against the `hidreport` crate: where it parses a
//! corpus descriptor too, every report size and every variable field (bit
//! position, size, usage, Logical Minimum) must agree with ours.
//!
//! One known semantic difference is tolerated and counted: `hidreport`
//! combines a 1–2 byte Usage with the Usage Page in force at the *main*
//! item, we (like NUT and Linux) with the page in force at the *Usage*
//! item; such fields agree on the usage ID and differ only in the page.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hidreport::Field as TheirField;
use nut_hid::{ParserConfig, Quirks, ReportDescriptor, ReportKind};

use crate::common::{self, report};

#[derive(Default)]
struct Tally {
    fields: usize,
    page_timing: usize,
    reports: usize,
    disagreements: Vec<String>,
}

fn compare_report(
    ours: &ReportDescriptor,
    kind: ReportKind,
    theirs: &impl hidreport::Report,
    name: &str,
    tally: &mut Tally,
) {
    let id = theirs.report_id().map_or(0, u8::from);
    let id_bits = if ours.uses_report_ids() { 8 } else { 0 };
    let Some(layout) = ours.report(kind, id) else {
        tally
            .disagreements
            .push(format!("{name}: {kind} report 0x{id:02x} missing"));
        return;
    };
    tally.reports += 1;
    if theirs.size_in_bits() != layout.bits as usize + id_bits {
        tally.disagreements.push(format!(
            "{name}: {kind} report 0x{id:02x}: {} bits vs ours {} + id",
            theirs.size_in_bits(),
            layout.bits
        ));
    }
    for field in theirs.fields() {
        let TheirField::Variable(variable) = field else {
            continue;
        };
        let start = variable.bits.start.saturating_sub(id_bits) as u64;
        let size = variable.bits.len() as u64;
        let usage = u32::from(&variable.usage);
        let element = ours.fields().iter().find(|f| {
            f.kind == kind
                && f.report_id == id
                && u64::from(f.bit_size) == size
                && start >= u64::from(f.bit_offset)
                && start < f.bit_end()
                && size > 0
                && (start - u64::from(f.bit_offset)).is_multiple_of(size)
        });
        let Some(element) = element else {
            tally.disagreements.push(format!(
                "{name}: {kind} 0x{id:02x} no field at bit {start}+{size}"
            ));
            continue;
        };
        tally.fields += 1;
        let minimum = i64::from(i32::from(variable.logical_minimum));
        if element.logical_minimum != minimum {
            tally.disagreements.push(format!(
                "{name}: {kind} 0x{id:02x} bit {start}: logical minimum {minimum} vs ours {}",
                element.logical_minimum
            ));
        }
        match element.usage {
            Some(ours) if ours == usage => {}
            Some(ours) if ours & 0xFFFF == usage & 0xFFFF => tally.page_timing += 1,
            other => tally.disagreements.push(format!(
                "{name}: {kind} 0x{id:02x} bit {start}: usage 0x{usage:08x} vs ours {other:x?}"
            )),
        }
    }
}

#[test]
fn agrees_with_hidreport() {
    let Some(hid) = common::hid_dir("agrees_with_hidreport") else {
        return;
    };
    // HID semantics (last usage repeats, ranges, push/pop), but accepting
    // the firmware mistakes so every descriptor is compared.
    let mut config = ParserConfig::strict();
    config.quirks = Quirks::nut();
    let entries = common::entries(&hid);
    let mut tally = Tally::default();
    let mut parsed = 0;
    for entry in &entries {
        let ours = ReportDescriptor::decode(&entry.data, &config)
            .expect("we parse every corpus descriptor");
        // hidreport may panic on some inputs (missing Usage Page); that
        // counts as "does not parse".
        let theirs = catch_unwind(AssertUnwindSafe(|| {
            hidreport::ReportDescriptor::try_from(&entry.data[..])
        }));
        let Ok(Ok(theirs)) = theirs else {
            continue;
        };
        parsed += 1;
        for report in theirs.input_reports() {
            compare_report(
                &ours,
                ReportKind::Input,
                report,
                &entry.relative,
                &mut tally,
            );
        }
        for report in theirs.output_reports() {
            compare_report(
                &ours,
                ReportKind::Output,
                report,
                &entry.relative,
                &mut tally,
            );
        }
        for report in theirs.feature_reports() {
            compare_report(
                &ours,
                ReportKind::Feature,
                report,
                &entry.relative,
                &mut tally,
            );
        }
    }
    report(&format!(
        "differential: hidreport parsed {parsed}/{} descriptors; {} reports and {} variable fields compared, {} differ only by usage page timing, {} disagreements",
        entries.len(),
        tally.reports,
        tally.fields,
        tally.page_timing,
        tally.disagreements.len()
    ));
    assert!(parsed > 0, "hidreport parsed no corpus descriptor");
    assert!(
        tally.disagreements.is_empty(),
        "disagreements with hidreport:\n{}",
        tally.disagreements.join("\n")
    );
}
