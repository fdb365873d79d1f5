//! The tables against the reference's own counts (hid-maps.md §2, table
//! "Counts per subdriver", default build), and every row well-formed.

use std::collections::BTreeSet;

use super::*;
use crate::HidPath;
use crate::convert::format_float;

/// (short name, USB IDs, rows, value rows, distinct names, ABSENT, BOOL,
/// ups.alarm, command rows, distinct commands) from the reference.
/// One row of [`REFERENCE`].
type Counts = (
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
);

const REFERENCE: [Counts; 17] = [
    ("explore", 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("mge", 12, 251, 182, 169, 6, 32, 6, 31, 26),
    ("apc", 5, 97, 52, 32, 6, 17, 0, 28, 15),
    ("arduino", 6, 31, 16, 16, 2, 11, 0, 4, 4),
    ("belkin", 15, 83, 51, 36, 2, 18, 0, 14, 14),
    ("cps", 4, 57, 36, 33, 2, 9, 0, 12, 12),
    ("delta_ups", 1, 70, 40, 36, 0, 18, 0, 12, 12),
    ("ecoflow", 1, 31, 19, 19, 0, 12, 0, 0, 0),
    ("ever", 3, 116, 96, 93, 1, 18, 0, 2, 2),
    ("idowell", 2, 37, 23, 22, 2, 11, 0, 3, 3),
    ("legrand", 2, 44, 27, 16, 4, 5, 0, 12, 7),
    ("liebert", 1, 39, 24, 24, 2, 10, 0, 5, 5),
    ("openups", 2, 27, 15, 15, 0, 12, 0, 0, 0),
    ("powercom", 7, 82, 39, 25, 3, 31, 0, 12, 9),
    ("powervar", 1, 17, 4, 4, 0, 13, 0, 0, 0),
    ("salicru", 6, 44, 30, 21, 0, 11, 0, 3, 3),
    ("tripplite", 44, 77, 42, 36, 3, 20, 0, 15, 13),
];

#[test]
fn counts_match_the_reference() {
    let mut total = 0;
    for (subdriver, expected) in ALL.iter().zip(REFERENCE) {
        let rows = subdriver.rows;
        let values: Vec<&Row> = rows
            .iter()
            .filter(|r| matches!(r.target, Target::Variable(_)))
            .collect();
        let commands: Vec<&Row> = rows
            .iter()
            .filter(|r| matches!(r.target, Target::Command(_)))
            .collect();
        let distinct = |rows: &[&Row]| rows.iter().map(|r| r.name()).collect::<BTreeSet<_>>().len();
        let got = (
            subdriver.short_name,
            subdriver.usb_ids.len(),
            rows.len(),
            values.len(),
            distinct(&values),
            rows.iter().filter(|r| r.is_absent()).count(),
            rows.iter().filter(|r| r.target == Target::Status).count(),
            rows.iter().filter(|r| r.target == Target::Alarm).count(),
            commands.len(),
            distinct(&commands),
        );
        assert_eq!(got, expected);
        total += rows.len();
    }
    assert_eq!(total, 1103, "rows in NUT's default build");
}

#[test]
fn probe_order_and_names() {
    let names: Vec<&str> = ALL.iter().map(|s| s.name).collect();
    assert_eq!(names[0], "EXPLORE HID 0.2");
    assert_eq!(names[1], "MGE HID 1.59");
    assert_eq!(names[16], "TrippLite HID 0.85");
    for (i, subdriver) in ALL.iter().enumerate() {
        assert_eq!(Subdriver::get(subdriver.id), *subdriver);
        assert_eq!(
            Subdriver::by_short_name(subdriver.short_name),
            Some(*subdriver),
            "{i}"
        );
    }
}

#[test]
fn every_path_resolves_fully() {
    for subdriver in ALL {
        let names = subdriver.names();
        for row in subdriver.rows {
            let tokens = row.path.split('.').count();
            let path = HidPath::parse(row.path, &names);
            assert_eq!(
                path.len(),
                tokens,
                "{}: {} drops a token",
                subdriver.short_name,
                row.path
            );
        }
    }
}

#[test]
fn every_row_is_well_formed() {
    for subdriver in ALL {
        for row in subdriver.rows {
            let what = format!("{}: {} {}", subdriver.short_name, row.name(), row.path);
            match row.target {
                Target::Variable(_) if row.is_absent() => {
                    assert!(!row.text.is_empty(), "{what}: ABSENT without default");
                    assert!(row.conversion.is_none(), "{what}");
                }
                Target::Variable(_) if row.conversion.is_none() => {
                    assert!(format_float(row.text, 1.5).is_some(), "{what}: bad format");
                }
                Target::Status | Target::Alarm => assert!(row.conversion.is_some(), "{what}"),
                Target::Command(_) => {
                    assert!(
                        !row.text.is_empty() || row.conversion.is_some(),
                        "{what}: command without a value"
                    );
                    assert!(!row.flags.contains(RowFlags::RW), "{what}");
                }
                Target::Variable(_) => {}
            }
            if row.flags.contains(RowFlags::ENUM) {
                assert!(row.flags.contains(RowFlags::RW), "{what}: ENUM without RW");
            }
        }
    }
}

#[test]
fn parser_config_applies_fixups_only_where_nut_does() {
    let apc = Subdriver::by_short_name("apc").unwrap();
    assert!(
        apc.parser_config(0x051d, 0x0002, false)
            .quirks
            .apc_voltage_limits
    );
    assert!(
        !apc.parser_config(0x051d, 0x0003, false)
            .quirks
            .any_vendor_fixup()
    );
    assert!(
        !apc.parser_config(0x051d, 0x0002, true)
            .quirks
            .any_vendor_fixup()
    );
    let cps = Subdriver::by_short_name("cps").unwrap();
    assert!(
        cps.parser_config(0x0764, 0x0601, false)
            .quirks
            .cps_voltage_limits
    );
    assert!(
        !cps.parser_config(0x0764, 0x0005, false)
            .quirks
            .any_vendor_fixup()
    );
    let idowell = Subdriver::by_short_name("idowell").unwrap();
    assert!(
        idowell
            .parser_config(0x075d, 0x0300, false)
            .quirks
            .idowell_limits
    );
    // The parser's own LogMax repair is always on.
    assert!(
        idowell
            .parser_config(0x075d, 0x0300, true)
            .quirks
            .repair_logical_maximum
    );
}
