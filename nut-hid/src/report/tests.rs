//! Unit tests for report decoding and encoding, and the encode→decode
//! round-trip properties.

use proptest::prelude::*;

use super::*;
use crate::descriptor::{Field, MainFlags};
use crate::path::HidPath;

const VOLT: u32 = 0x00F0_D121;

fn field(report_id: u8, bit_offset: u32, bit_size: u32, logical: (i64, i64)) -> Field {
    Field {
        kind: ReportKind::Feature,
        report_id,
        bit_offset,
        bit_size,
        count: 1,
        usage: Some(0x0084_0030),
        path: HidPath::new(vec![0x0084_0004, 0x0084_0030]),
        collection: None,
        logical_minimum: logical.0,
        logical_maximum: logical.1,
        assumed_logical_maximum: false,
        physical_minimum: None,
        physical_maximum: None,
        unit: 0,
        unit_exponent: 0,
        flags: MainFlags::new(0x02),
        item_offset: 0,
    }
}

#[test]
fn reads_bits_at_any_offset_lsb_first() {
    // 12 bits at offset 3 of 0b1010_1000, 0b1111_0101 → bits 3..15.
    let f = field(7, 3, 12, (0, 4095));
    let report = [7, 0b1010_1000, 0b1111_0101];
    assert_eq!(f.extract_raw(&report, 0), Ok(0xEB5)); // (0xF5A8 >> 3) & 0xFFF
    let f32 = field(7, 8, 32, (0, i64::from(u32::MAX)));
    assert_eq!(
        f32.extract_raw(&[7, 0, 0x78, 0x56, 0x34, 0x12], 0),
        Ok(0x1234_5678)
    );
    assert_eq!(
        f32.decode(&[7, 0, 0xFF, 0xFF, 0xFF, 0xFF]),
        Ok(4_294_967_295.0)
    );
}

#[test]
fn nut_logical_rule_masks_by_range_and_sign_extends() {
    // LogMin = LogMax = 0 always reads 0.
    assert_eq!(field(1, 0, 8, (0, 0)).logical_from_raw(0xFF), 0);
    // High garbage above the range's bits is dropped: 0..100 keeps 7 bits.
    assert_eq!(field(1, 0, 8, (0, 100)).logical_from_raw(0xE4), 100);
    assert_eq!(field(1, 0, 8, (0, 100)).logical_from_raw(0x85), 5);
    // Signed: −1..32767 over 16 bits, 0xFFFF is −1.
    assert_eq!(field(1, 0, 16, (-1, 32767)).logical_from_raw(0xFFFF), -1);
    // −128..127 over 8 bits.
    assert_eq!(field(1, 0, 8, (-128, 127)).logical_from_raw(0x80), -128);
    // 32-bit −1..0x7FFFFFFF (Eaton DelayBeforeShutdown).
    assert_eq!(
        field(1, 0, 32, (-1, 0x7FFF_FFFF)).logical_from_raw(u32::MAX),
        -1
    );
    // Clamped to the range: 0..100 reading 127.
    assert_eq!(field(1, 0, 8, (0, 100)).logical_from_raw(0x7F), 100);
    // An inverted range (strict parsers never produce it) is not clamped.
    assert_eq!(field(1, 0, 8, (10, 5)).logical_from_raw(3), 3);
}

#[test]
fn physical_scaling_and_unit_exponent() {
    // CyberPower DelayBeforeShutdown: logical −1..32767, physical −60..1966020.
    let mut f = field(0x15, 0, 16, (-1, 32767));
    f.physical_minimum = Some(-60);
    f.physical_maximum = Some(1_966_020);
    assert!(f.has_physical_scaling());
    assert_eq!(f.decode(&[0x15, 0xFF, 0xFF]), Ok(-60.0));
    assert_eq!(f.decode(&[0x15, 0x01, 0x00]), Ok(60.0));
    // Both physical bounds 0: no scaling.
    f.physical_minimum = Some(0);
    f.physical_maximum = Some(0);
    assert!(!f.has_physical_scaling());
    // Only one bound declared: no scaling.
    f.physical_maximum = None;
    assert!(!f.has_physical_scaling());
    // Volt with exponent 5: 1200 → 12 V (APC Back-UPS ConfigVoltage).
    let mut v = field(8, 0, 16, (0, 65534));
    v.unit = VOLT;
    v.unit_exponent = 5;
    assert_eq!(v.effective_exponent(), -2);
    assert_eq!(v.decode(&[8, 0xB0, 0x04]), Ok(12.0));
    // Same exponent on a unit-less field: 1200 × 10^5.
    v.unit = 0;
    assert_eq!(v.decode(&[8, 0xB0, 0x04]), Ok(120_000_000.0));
    // VA/W unit with exponent 7 reads as is.
    v.unit = 0x0000_D121;
    v.unit_exponent = 7;
    assert_eq!(v.decode(&[8, 0xB0, 0x04]), Ok(1200.0));
}

#[test]
fn bad_reports_are_typed_errors() {
    let f = field(5, 8, 16, (0, 65535));
    assert_eq!(f.decode(&[]), Err(Error::EmptyReport { expected: 5 }));
    assert_eq!(
        f.decode(&[6, 0, 0, 0]),
        Err(Error::WrongReportId {
            expected: 5,
            got: 6
        })
    );
    assert_eq!(
        f.decode(&[5, 0, 0]),
        Err(Error::ShortReport {
            report_id: 5,
            needed: 4,
            got: 3
        })
    );
    assert_eq!(f.decode(&[5, 0, 1, 2]), Ok(513.0));
    assert_eq!(
        f.decode_element(&[5, 0, 1, 2], 1),
        Err(Error::FieldNotReadable {
            bits: 16,
            index: 1,
            count: 1
        })
    );
    let wide = field(5, 0, 33, (0, 1));
    assert!(matches!(
        wide.decode(&[5; 10]),
        Err(Error::FieldNotReadable { bits: 33, .. })
    ));
}

#[test]
fn reports_without_ids_start_at_byte_zero() {
    let f = field(0, 4, 4, (0, 15));
    assert_eq!(f.decode(&[0xA5]), Ok(10.0));
    assert_eq!(
        f.decode(&[]),
        Err(Error::ShortReport {
            report_id: 0,
            needed: 1,
            got: 0
        })
    );
    let mut report = [0x05];
    f.encode(3.0, &mut report).unwrap();
    assert_eq!(report, [0x35]);
}

#[test]
fn elements_of_a_counted_field() {
    let mut f = field(2, 0, 8, (0, 255));
    f.count = 3;
    let report = [2, 10, 20, 30];
    let values: Vec<f64> = (0..3)
        .map(|i| f.decode_element(&report, i).unwrap())
        .collect();
    assert_eq!(values, [10.0, 20.0, 30.0]);
    let mut report = report;
    f.encode_logical(99, &mut report, 2).unwrap();
    assert_eq!(report, [2, 10, 20, 99]);
}

#[test]
fn encoding_keeps_neighbours_and_follows_nut() {
    let f = field(9, 4, 8, (-1, 127));
    let mut report = [9, 0xFF, 0xFF];
    f.encode(0.0, &mut report).unwrap();
    assert_eq!(report, [9, 0x0F, 0xF0]);
    // −1 is written as two's complement in the field's bits.
    f.encode(-1.0, &mut report).unwrap();
    assert_eq!(report, [9, 0xFF, 0xFF]);
    // Truncation toward zero without physical scaling.
    assert_eq!(f.logical_for_value(2.9), Ok(2));
    assert_eq!(f.logical_for_value(-2.9), Ok(-2));
    assert!(matches!(
        f.logical_for_value(f64::NAN),
        Err(Error::NotFinite { .. })
    ));
    assert!(matches!(
        f.logical_for_value(f64::INFINITY),
        Err(Error::NotFinite { .. })
    ));
    // With a physical range: scaled and clamped to the logical range.
    let mut scaled = field(9, 0, 16, (0, 1000));
    scaled.physical_minimum = Some(0);
    scaled.physical_maximum = Some(100);
    assert_eq!(scaled.logical_for_value(12.34), Ok(123));
    assert_eq!(scaled.logical_for_value(-1.0), Ok(0));
    assert_eq!(scaled.logical_for_value(1e12), Ok(1000));
    // Volt exponent: 12 V with exponent 5 writes 1200.
    let mut volt = field(8, 0, 16, (0, 65534));
    volt.unit = VOLT;
    volt.unit_exponent = 5;
    assert_eq!(volt.logical_for_value(12.0), Ok(1200));
}

#[test]
fn constant_only_fields_are_not_written() {
    let mut f = field(3, 0, 8, (0, 255));
    f.flags = MainFlags::new(0x01);
    let mut report = [3, 0];
    assert_eq!(f.encode(1.0, &mut report), Err(Error::ConstantField));
    // Cnst,Var,Abs (0x03) is what many UPSes declare for writable delays.
    f.flags = MainFlags::new(0x03);
    f.encode(7.0, &mut report).unwrap();
    assert_eq!(report, [3, 7]);
    // A short buffer is an error, not a panic.
    assert!(matches!(
        f.encode(7.0, &mut [3]),
        Err(Error::ShortReport { .. })
    ));
    assert!(matches!(
        f.encode(7.0, &mut []),
        Err(Error::EmptyReport { .. })
    ));
}

#[test]
fn report_kind_names() {
    assert_eq!(ReportKind::Feature.to_string(), "feature");
    assert_eq!(ReportKind::Input.nut_name(), "Input");
    assert_eq!(ReportKind::ALL.map(ReportKind::report_type), [1, 2, 3]);
}

/// A field geometry and a logical value that fits it.
fn field_and_value() -> impl Strategy<Value = (Field, i64, Vec<u8>)> {
    (
        1u32..=32,
        0u32..40,
        any::<bool>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<u8>(),
    )
        .prop_flat_map(|(size, offset, signed, a, b, v, id)| {
            let (lo, hi) = if signed {
                (-(1i64 << (size - 1)), (1i64 << (size - 1)) - 1)
            } else {
                (0, (1i64 << size) - 1)
            };
            let span = (hi - lo + 1) as u64;
            let x = lo + (a % span) as i64;
            let y = lo + (b % span) as i64;
            let (min, max) = (x.min(y).min(0.max(lo)), x.max(y));
            let min = if signed { min.min(-1) } else { min };
            let value = min + (v % ((max - min + 1) as u64)) as i64;
            let report_id = id.max(1);
            let len = 1 + (offset + size).div_ceil(8) as usize;
            let f = Field {
                report_id,
                bit_offset: offset,
                ..field(report_id, offset, size, (min, max))
            };
            (
                Just(f),
                Just(value),
                proptest::collection::vec(any::<u8>(), len..len + 4),
            )
        })
}

proptest! {
    #[test]
    fn encode_logical_then_decode_round_trips((f, value, mut report) in field_and_value()) {
        report[0] = f.report_id;
        let before = report.clone();
        f.encode_logical(value, &mut report, 0).unwrap();
        let raw = f.extract_raw(&report, 0).unwrap();
        prop_assert_eq!(f.logical_from_raw(raw), value);
        // Bits outside the field are untouched.
        for bit in 0..(report.len() as u32 - 1) * 8 {
            if bit < f.bit_offset || bit >= f.bit_offset + f.bit_size {
                let (byte, shift) = (1 + (bit / 8) as usize, bit % 8);
                prop_assert_eq!((report[byte] >> shift) & 1, (before[byte] >> shift) & 1);
            }
        }
    }

    #[test]
    fn decode_encode_decode_is_stable(
        lmin in -1000i64..1000, lspan in 0i64..30000,
        physical in proptest::option::of((-30000i64..30000, 0i64..30000)),
        exponent in -8i8..=7, volt in any::<bool>(), raw in any::<u16>(),
    ) {
        let mut f = field(1, 0, 16, (lmin, lmin + lspan));
        if let Some((pmin, pspan)) = physical {
            f.physical_minimum = Some(pmin);
            f.physical_maximum = Some(pmin + pspan);
        }
        f.unit_exponent = exponent;
        f.unit = if volt { VOLT } else { 0 };
        let report = [1, raw.to_le_bytes()[0], raw.to_le_bytes()[1]];
        let logical = f.logical_from_raw(u32::from(raw));
        let value = f.decode(&report).unwrap();
        let mut written = [1, 0, 0];
        f.encode(value, &mut written).unwrap();
        prop_assert_eq!(f.logical_from_raw(f.extract_raw(&written, 0).unwrap()), logical);
        prop_assert_eq!(f.decode(&written).unwrap(), value);
    }
}
