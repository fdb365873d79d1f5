//! Unit tests for the descriptor parser: items, state, paths, limits,
//! quirks and vendor corrections.

use super::*;
use crate::config::{
    MAX_COLLECTION_DEPTH, MAX_DESCRIPTOR_LEN, MAX_FIELDS, MAX_LOCAL_USAGES, MAX_PUSH_DEPTH,
    MAX_REPORT_BITS,
};
use crate::item::{ItemData, ItemType};
use crate::usage::{UsageNames, VendorTable};
use crate::writer::DescriptorWriter;

const UPS: u32 = 0x04;
const POWER_SUMMARY: u32 = 0x24;
const PRESENT_STATUS: u32 = 0x02;
const VOLTAGE: u32 = 0x30;
const REMAINING_CAPACITY: u32 = 0x0085_0066;
const CHARGING: u32 = 0x0085_0044;
const DISCHARGING: u32 = 0x0085_0045;

fn strict(bytes: &[u8]) -> Result<ReportDescriptor, Error> {
    ReportDescriptor::decode(bytes, &ParserConfig::strict())
}

fn nut(bytes: &[u8]) -> Result<ReportDescriptor, Error> {
    ReportDescriptor::decode(bytes, &ParserConfig::nut())
}

/// `UPS { PowerSummary { <body> } }` with Report ID 1.
fn ups(body: impl FnOnce(&mut DescriptorWriter)) -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(UPS)
        .collection(CollectionKind::Application)
        .usage(POWER_SUMMARY)
        .collection(CollectionKind::Physical)
        .report_id(1);
    body(&mut w);
    w.end_collection().end_collection();
    w.into_bytes()
}

fn paths(descriptor: &ReportDescriptor) -> Vec<String> {
    descriptor
        .fields()
        .iter()
        .filter(|f| f.is_named())
        .map(|f| f.path.to_string())
        .collect()
}

#[test]
fn fields_get_offsets_paths_and_ranges() {
    let bytes = ups(|w| {
        w.usage(REMAINING_CAPACITY)
            .logical(0, 100)
            .report_size(8)
            .report_count(1)
            .feature(0x02)
            .usage(REMAINING_CAPACITY)
            .input(0x02)
            .usage(VOLTAGE)
            .logical(0, 0xFFFF)
            .unit(0x00F0_D121)
            .unit_exponent(5)
            .report_size(16)
            .feature(0xA2);
    });
    let d = strict(&bytes).unwrap();
    assert!(d.is_power_device() && d.uses_report_ids());
    assert_eq!(d.collections().len(), 2);
    assert_eq!(d.collections()[1].parent, Some(0));
    let f = &d.fields()[2];
    assert_eq!(f.path.to_string(), "UPS.PowerSummary.Voltage");
    assert_eq!(
        (f.kind, f.report_id, f.bit_offset, f.bit_size, f.count),
        (ReportKind::Feature, 1, 8, 16, 1)
    );
    assert_eq!(
        (
            f.logical_minimum,
            f.logical_maximum,
            f.unit,
            f.unit_exponent
        ),
        (0, 65535, 0x00F0_D121, 5)
    );
    assert!(f.flags.is_volatile() && f.flags.is_variable() && !f.flags.is_constant());
    // Offsets are per (type, report ID): the input field starts at 0.
    assert_eq!(
        (d.fields()[1].kind, d.fields()[1].bit_offset),
        (ReportKind::Input, 0)
    );
    assert_eq!(d.report(ReportKind::Feature, 1).map(|r| r.bits), Some(24));
    assert_eq!(d.report_len(ReportKind::Feature, 1), Some(4));
    assert_eq!(d.new_report(ReportKind::Input, 1), Some(vec![1, 0]));
    let path = HidPath::parse("UPS.PowerSummary.RemainingCapacity", &UsageNames::STANDARD);
    assert_eq!(
        d.find(&path, ReportKind::Input).map(|f| f.kind),
        Some(ReportKind::Input)
    );
    assert_eq!(d.fields_at(&path).count(), 2);
    // Prefix binding: `UPS.PowerSummary` binds to the first feature field.
    let prefix = HidPath::parse("UPS.PowerSummary", &UsageNames::STANDARD);
    assert_eq!(
        d.find(&prefix, ReportKind::Feature).and_then(|f| f.usage),
        Some(REMAINING_CAPACITY)
    );
}

#[test]
fn fewer_usages_than_count_hid_and_nut() {
    let bytes = ups(|w| {
        w.usage(PRESENT_STATUS)
            .collection(CollectionKind::Logical)
            .usage(CHARGING)
            .usage(DISCHARGING)
            .logical(0, 1)
            .report_size(1)
            .report_count(8)
            .input(0x02)
            .end_collection();
    });
    let hid = strict(&bytes).unwrap();
    let counts: Vec<(u32, u32, bool)> = hid
        .fields()
        .iter()
        .map(|f| (f.bit_offset, f.count, f.is_named()))
        .collect();
    assert_eq!(counts, [(0, 1, true), (1, 7, true)]);
    let nut = nut(&bytes).unwrap();
    let counts: Vec<(u32, u32, bool)> = nut
        .fields()
        .iter()
        .map(|f| (f.bit_offset, f.count, f.is_named()))
        .collect();
    assert_eq!(counts, [(0, 1, true), (1, 1, true), (2, 6, false)]);
    assert_eq!(paths(&hid), paths(&nut));
    assert_eq!(paths(&nut)[1], "UPS.PowerSummary.PresentStatus.Discharging");
}

#[test]
fn extra_usages_are_discarded_and_padding_has_no_path() {
    let bytes = ups(|w| {
        w.usage(CHARGING)
            .usage(DISCHARGING)
            .logical(0, 1)
            .report_size(1)
            .report_count(1)
            .input(0x02)
            .report_size(7)
            .input(0x01);
    });
    let d = strict(&bytes).unwrap();
    assert_eq!(d.fields().len(), 2);
    assert_eq!(d.fields()[0].usage, Some(CHARGING));
    assert_eq!(
        (
            d.fields()[1].usage,
            d.fields()[1].bit_offset,
            d.fields()[1].bit_size
        ),
        (None, 1, 7)
    );
    assert_eq!(d.fields()[1].path.to_string(), "UPS.PowerSummary");
    assert!(d.to_string().contains("input 0x01 bits 1+7 (padding)"));
}

#[test]
fn usage_page_is_taken_at_the_usage_item() {
    let bytes = ups(|w| {
        w.usage_page(0x85)
            .usage(0x66)
            .usage_page(0x84)
            .logical(0, 100)
            .report_size(8)
            .report_count(1)
            .feature(0x02);
    });
    assert_eq!(
        strict(&bytes).unwrap().fields()[0].usage,
        Some(REMAINING_CAPACITY)
    );
}

#[test]
fn vendor_collection_types_add_index_nodes() {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(UPS)
        .collection(CollectionKind::Application)
        .usage(0x18)
        .collection(CollectionKind::Physical)
        .usage(0x20)
        .collection(CollectionKind::from_code(0x82))
        .report_id(2)
        .usage(0x6B)
        .logical(0, 1)
        .report_size(8)
        .report_count(1)
        .feature(0x02)
        .end_collection()
        .usage(0x20)
        .collection(CollectionKind::Physical)
        .usage(0x6B)
        .feature(0x02)
        .end_collection()
        .end_collection()
        .collection(CollectionKind::Physical)
        .usage(0xFFFF_0005)
        .feature(0x02)
        .end_collection()
        .end_collection();
    let d = strict(w.bytes()).unwrap();
    assert_eq!(
        paths(&d),
        [
            "UPS.OutletSystem.Outlet.[2].SwitchOn/Off",
            "UPS.OutletSystem.Outlet.SwitchOn/Off",
            "UPS.00000000.ffff0005"
        ]
    );
    let mge = UsageNames::with_vendor(VendorTable::Mge);
    assert_eq!(
        d.fields()[2].path.display(&mge).to_string(),
        "UPS.00000000.USB"
    );
    assert_eq!(d.collections()[2].kind, CollectionKind::Vendor(0x82));
}

#[test]
fn usage_ranges_expand_lazily_or_are_ignored_like_nut() {
    let bytes = ups(|w| {
        w.usage_page(0x85)
            .usage_range(0x44, 0x47)
            .logical(0, 1)
            .report_size(1)
            .report_count(6)
            .input(0x02);
    });
    let hid = strict(&bytes).unwrap();
    let usages: Vec<Option<u32>> = hid.fields().iter().map(|f| f.usage).collect();
    assert_eq!(
        usages,
        [
            Some(0x0085_0044),
            Some(0x0085_0045),
            Some(0x0085_0046),
            Some(0x0085_0047)
        ]
    );
    assert_eq!(hid.fields()[3].count, 3);
    let nut = nut(&bytes).unwrap();
    assert_eq!(nut.fields().len(), 1);
    assert!(!nut.fields()[0].is_named());

    // A range of 65 536 usages costs only the elements that exist.
    let huge = ups(|w| {
        w.usage_range(0x0001_0000, 0x0001_FFFF)
            .logical(0, 1)
            .report_size(1)
            .report_count(2)
            .input(0x02);
    });
    assert_eq!(strict(&huge).unwrap().fields().len(), 2);
}

#[test]
fn usage_range_errors_carry_offsets() {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x85).usage_range(0x47, 0x44);
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::UsageRangeInverted {
            offset: 4,
            minimum: 0x0085_0047,
            maximum: 0x0085_0044
        }
    );
    let mut w = DescriptorWriter::new();
    w.item(
        ItemType::Local,
        crate::item::local_tag::USAGE_MINIMUM,
        ItemData::new(1, 1),
    )
    .report_size(1)
    .report_count(1)
    .input(2);
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::UnpairedUsageRange { offset: 0 }
    );
    let mut w = DescriptorWriter::new();
    w.item(
        ItemType::Local,
        crate::item::local_tag::USAGE_MAXIMUM,
        ItemData::new(1, 1),
    )
    .item(
        ItemType::Local,
        crate::item::local_tag::USAGE_MAXIMUM,
        ItemData::new(2, 1),
    );
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::UnpairedUsageRange { offset: 0 }
    );
}

#[test]
fn push_and_pop_restore_globals_unless_ignored() {
    let bytes = ups(|w| {
        w.logical(0, 100)
            .report_size(8)
            .report_count(1)
            .push()
            .logical(-5, 5)
            .report_size(4)
            .pop()
            .usage(REMAINING_CAPACITY)
            .feature(0x02);
    });
    let f = strict(&bytes).unwrap().fields()[0].clone();
    assert_eq!(
        (f.logical_minimum, f.logical_maximum, f.bit_size),
        (0, 100, 8)
    );
    let f = nut(&bytes).unwrap().fields()[0].clone();
    assert_eq!(
        (f.logical_minimum, f.logical_maximum, f.bit_size),
        (-5, 5, 4)
    );
    let mut w = DescriptorWriter::new();
    w.usage_page(1).pop();
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::PopWithoutPush { offset: 2 }
    );
    assert!(nut(w.bytes()).is_ok());
}

#[test]
fn push_depth_limit_and_limit_plus_one() {
    let mut w = DescriptorWriter::new();
    for _ in 0..MAX_PUSH_DEPTH {
        w.push();
    }
    assert!(strict(w.bytes()).is_ok());
    w.push();
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::PushTooDeep {
            offset: MAX_PUSH_DEPTH,
            limit: MAX_PUSH_DEPTH
        }
    );
}

#[test]
fn collection_depth_limit_and_limit_plus_one() {
    let nested = |depth: usize| {
        let mut w = DescriptorWriter::new();
        for _ in 0..depth {
            w.collection(CollectionKind::Logical);
        }
        for _ in 0..depth {
            w.end_collection();
        }
        w.into_bytes()
    };
    assert!(strict(&nested(MAX_COLLECTION_DEPTH)).is_ok());
    assert_eq!(
        strict(&nested(MAX_COLLECTION_DEPTH + 1)).unwrap_err(),
        Error::CollectionTooDeep {
            offset: 2 * MAX_COLLECTION_DEPTH,
            limit: MAX_COLLECTION_DEPTH
        }
    );
    // The limit holds even when unbalanced collections are accepted.
    assert!(nut(&nested(MAX_COLLECTION_DEPTH + 1)).is_err());
}

#[test]
fn unbalanced_collections_are_errors_unless_accepted() {
    let mut w = DescriptorWriter::new();
    w.usage(1).collection(CollectionKind::Application);
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::UnclosedCollection { offset: 2 }
    );
    assert!(nut(w.bytes()).is_ok());
    let mut w = DescriptorWriter::new();
    w.end_collection();
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::UnbalancedEndCollection { offset: 0 }
    );
    assert!(nut(w.bytes()).is_ok());
}

#[test]
fn descriptor_length_limit_and_limit_plus_one() {
    // End Collection is one byte; pad with Usage Page 0 (one byte each).
    let at_limit = vec![0x04u8; MAX_DESCRIPTOR_LEN];
    assert!(strict(&at_limit).is_ok());
    let over = vec![0x04u8; MAX_DESCRIPTOR_LEN + 1];
    assert_eq!(
        strict(&over).unwrap_err(),
        Error::DescriptorTooLong {
            len: MAX_DESCRIPTOR_LEN + 1,
            limit: MAX_DESCRIPTOR_LEN
        }
    );
}

#[test]
fn usage_limit_and_limit_plus_one() {
    let usages = |n: usize| {
        let mut w = DescriptorWriter::new();
        w.usage_page(0x84);
        for _ in 0..n {
            w.usage(0x30);
        }
        w.report_size(8).report_count(1).input(2);
        w.into_bytes()
    };
    assert!(strict(&usages(MAX_LOCAL_USAGES)).is_ok());
    assert_eq!(
        strict(&usages(MAX_LOCAL_USAGES + 1)).unwrap_err(),
        Error::TooManyUsages {
            offset: 2 + 2 * MAX_LOCAL_USAGES,
            limit: MAX_LOCAL_USAGES
        }
    );
}

#[test]
fn report_size_limit_and_limit_plus_one() {
    let report = |bits: u32| {
        let mut w = DescriptorWriter::new();
        w.report_size(1).report_count(bits).input(1);
        w.into_bytes()
    };
    let d = strict(&report(MAX_REPORT_BITS)).unwrap();
    assert_eq!(
        d.report(ReportKind::Input, 0).map(|r| r.bits),
        Some(MAX_REPORT_BITS)
    );
    match strict(&report(MAX_REPORT_BITS + 1)).unwrap_err() {
        Error::ReportTooLong {
            offset,
            bits,
            limit,
            ..
        } => {
            assert_eq!(
                (offset, bits, limit),
                (7, u64::from(MAX_REPORT_BITS) + 1, MAX_REPORT_BITS)
            );
        }
        other => panic!("unexpected {other}"),
    }
    // Count × size overflowing 32 bits is caught too.
    let mut w = DescriptorWriter::new();
    w.report_size(u32::MAX).report_count(u32::MAX).input(1);
    assert!(matches!(
        strict(w.bytes()),
        Err(Error::ReportTooLong { .. })
    ));
}

#[test]
fn field_limit_and_limit_plus_one() {
    // One main item, one usage range: each element becomes a field.
    let fields = |n: u32| {
        let mut w = DescriptorWriter::new();
        w.usage_range(0x0001_0000, 0x0001_FFFF)
            .report_size(1)
            .report_count(n)
            .input(2);
        w.into_bytes()
    };
    assert_eq!(
        strict(&fields(MAX_FIELDS as u32)).unwrap().fields().len(),
        MAX_FIELDS
    );
    assert_eq!(
        strict(&fields(MAX_FIELDS as u32 + 1)).unwrap_err(),
        Error::TooManyFields {
            offset: 15,
            limit: MAX_FIELDS
        }
    );
}

#[test]
fn report_id_zero_and_wide_are_rejected() {
    let mut w = DescriptorWriter::new();
    w.report_id(0);
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::InvalidReportId {
            offset: 0,
            value: 0
        }
    );
    let mut w = DescriptorWriter::new();
    w.item(
        ItemType::Global,
        crate::item::global_tag::REPORT_ID,
        ItemData::new(256, 2),
    );
    assert_eq!(
        strict(w.bytes()).unwrap_err(),
        Error::InvalidReportId {
            offset: 0,
            value: 256
        }
    );
}

#[test]
fn reserved_items_are_errors_unless_ignored() {
    for prefix in [0x0C_u8, 0xD0, 0xC4, 0xB8] {
        let bytes = [prefix];
        assert_eq!(
            strict(&bytes).unwrap_err(),
            Error::ReservedItem { offset: 0, prefix },
            "{prefix:#x}"
        );
        assert!(nut(&bytes).is_ok(), "{prefix:#x}");
    }
}

#[test]
fn truncated_descriptor_reports_the_offset() {
    let mut bytes = ups(|w| {
        w.usage(REMAINING_CAPACITY);
    });
    bytes.truncate(bytes.len() - 2);
    bytes.push(0x27);
    bytes.push(0xFF);
    let err = nut(&bytes).unwrap_err();
    assert_eq!(
        err,
        Error::Truncated {
            offset: bytes.len() - 2,
            needed: 3
        }
    );
    assert!(
        err.to_string()
            .contains(&format!("offset {}", bytes.len() - 2))
    );
    assert_eq!(err.offset(), Some(bytes.len() - 2));
    assert_eq!(Error::EmptyReport { expected: 1 }.offset(), None);
}

#[test]
fn inverted_logical_maximum_strict_error_or_nut_repair() {
    // LogMin 0, LogMax as 2-byte 0xFFFF (−1): the APC/CPS firmware bug.
    let bytes = ups(|w| {
        w.usage(VOLTAGE)
            .item(
                ItemType::Global,
                crate::item::global_tag::LOGICAL_MINIMUM,
                ItemData::new(0, 1),
            )
            .item(
                ItemType::Global,
                crate::item::global_tag::LOGICAL_MAXIMUM,
                ItemData::new(0xFFFF, 2),
            )
            .report_size(16)
            .report_count(1)
            .feature(0x02);
    });
    assert!(matches!(
        strict(&bytes),
        Err(Error::LogicalRangeInverted {
            minimum: 0,
            maximum: -1,
            ..
        })
    ));
    let f = nut(&bytes).unwrap().fields()[0].clone();
    assert_eq!(
        (
            f.logical_minimum,
            f.logical_maximum,
            f.assumed_logical_maximum
        ),
        (0, 65535, true)
    );
    assert!(
        nut(&bytes)
            .unwrap()
            .to_string()
            .contains("logical 0..65535 (assumed)")
    );
}

#[test]
fn inverted_physical_range_strict_error_or_accepted() {
    let bytes = ups(|w| {
        w.usage(VOLTAGE)
            .logical(0, 10)
            .physical(10, 0)
            .report_size(8)
            .report_count(1)
            .feature(2);
    });
    assert!(matches!(
        strict(&bytes),
        Err(Error::PhysicalRangeInverted {
            minimum: 10,
            maximum: 0,
            ..
        })
    ));
    assert!(nut(&bytes).is_ok());
}

#[test]
fn unit_exponent_nibble_and_sign_extended_byte() {
    let exponent = |data: ItemData, config: &ParserConfig| {
        let bytes = ups(|w| {
            w.usage(VOLTAGE)
                .item(
                    ItemType::Global,
                    crate::item::global_tag::UNIT_EXPONENT,
                    data,
                )
                .logical(0, 10)
                .report_size(8)
                .report_count(1)
                .feature(2);
        });
        ReportDescriptor::decode(&bytes, config).map(|d| d.fields()[0].unit_exponent)
    };
    let strict = ParserConfig::strict();
    assert_eq!(exponent(ItemData::new(0x07, 1), &strict), Ok(7));
    assert_eq!(exponent(ItemData::new(0x0E, 1), &strict), Ok(-2));
    assert_eq!(exponent(ItemData::new(0x08, 1), &strict), Ok(-8));
    assert!(matches!(
        exponent(ItemData::new(0xFE, 1), &strict),
        Err(Error::UnitExponentOutOfRange { value: 0xFE, .. })
    ));
    let nut = ParserConfig::nut();
    assert_eq!(exponent(ItemData::new(0xFE, 1), &nut), Ok(-2));
    assert_eq!(exponent(ItemData::new(0xFFF8, 2), &nut), Ok(-8));
    assert!(exponent(ItemData::new(0xF7, 1), &nut).is_err());
    assert!(exponent(ItemData::new(0x10, 1), &nut).is_err());
}

#[test]
fn long_items_are_skipped() {
    let mut bytes = vec![0xFE, 0x03, 0x42, 1, 2, 3];
    bytes.extend(ups(|w| {
        w.usage(REMAINING_CAPACITY)
            .logical(0, 100)
            .report_size(8)
            .report_count(1)
            .feature(2);
    }));
    let d = strict(&bytes).unwrap();
    assert_eq!(d.collections()[0].offset, 6 + 4);
    assert_eq!(paths(&d), ["UPS.PowerSummary.RemainingCapacity"]);
}

#[test]
fn delimiter_keeps_the_preferred_usage() {
    let bytes = ups(|w| {
        w.item(
            ItemType::Local,
            crate::item::local_tag::DELIMITER,
            ItemData::new(1, 1),
        )
        .usage(REMAINING_CAPACITY)
        .usage(CHARGING)
        .item(
            ItemType::Local,
            crate::item::local_tag::DELIMITER,
            ItemData::new(0, 1),
        )
        .usage(DISCHARGING)
        .logical(0, 1)
        .report_size(1)
        .report_count(2)
        .input(2);
    });
    let usages: Vec<Option<u32>> = strict(&bytes)
        .unwrap()
        .fields()
        .iter()
        .map(|f| f.usage)
        .collect();
    assert_eq!(usages, [Some(REMAINING_CAPACITY), Some(DISCHARGING)]);
}

#[test]
fn power_device_recognition() {
    let mut w = DescriptorWriter::new();
    w.usage_page(0xFF00)
        .usage(1)
        .collection(CollectionKind::Application)
        .end_collection();
    assert!(!strict(w.bytes()).unwrap().is_power_device());
    let mut w = DescriptorWriter::new();
    w.usage_page(0x86)
        .usage(4)
        .collection(CollectionKind::Application)
        .end_collection();
    assert!(strict(w.bytes()).unwrap().is_power_device());
    // A nested UPS collection under a vendor application does not count.
    let mut w = DescriptorWriter::new();
    w.usage_page(0xFF00)
        .usage(1)
        .collection(CollectionKind::Application)
        .usage(0x0084_0004)
        .collection(CollectionKind::Application)
        .end_collection()
        .end_collection();
    assert!(!strict(w.bytes()).unwrap().is_power_device());
}

#[test]
fn renderings_are_complete_and_json_is_valid() {
    let bytes = ups(|w| {
        w.usage(REMAINING_CAPACITY)
            .logical(0, 100)
            .physical(0, 1000)
            .unit(0x00F0_D121)
            .unit_exponent(7)
            .report_size(8)
            .report_count(1)
            .feature(0x02)
            .report_size(8)
            .feature(0x01);
    });
    let d = strict(&bytes).unwrap();
    let text = d.to_string();
    assert!(text.starts_with("report descriptor: "), "{text}");
    assert!(
        text.contains("collection application 0x01 @4 UPS (page 0x0084 Power Device)"),
        "{text}"
    );
    assert!(
        text.contains(
            "    feature 0x01 bits 0+8 UPS.PowerSummary.RemainingCapacity logical 0..100 physical 0..1000 unit 0x00f0d121 exp 7 Data,Var,Abs"
        ),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&d.to_json(UsageNames::STANDARD)).unwrap();
    assert_eq!(json["power_device"], true);
    let field = &json["collections"][0]["collections"][0]["fields"][0];
    assert_eq!(field["path"], "UPS.PowerSummary.RemainingCapacity");
    assert_eq!(field["physical_maximum"], 1000);
    assert_eq!(
        json["collections"][0]["collections"][0]["fields"][1]["path"],
        serde_json::Value::Null
    );
    assert!(
        d.path_listing(UsageNames::STANDARD)
            .contains("Feature 0x01    0+8 UPS.PowerSummary.RemainingCapacity")
    );
}
