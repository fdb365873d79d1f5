//! Per-vendor descriptor corrections (NUT's `fix_report_desc`), applied
//! after decoding when the matching [`Quirks`] flag is set.
//!
//! Each correction locates a field the way NUT does: the **first** field,
//! of any report type, with the given report ID whose last usage is the
//! given one. Only that field is changed (an Input twin of a Feature field
//! keeps its limits, exactly as in NUT).

use crate::config::Quirks;
use crate::descriptor::Field;

const VOLTAGE: u32 = 0x0084_0030;
const CONFIG_VOLTAGE: u32 = 0x0084_0040;
const CONFIG_ACTIVE_POWER: u32 = 0x0084_0044;
const HIGH_VOLTAGE_TRANSFER: u32 = 0x0084_0054;
const RUN_TIME_TO_EMPTY: u32 = 0x0085_0068;

/// The largest output voltage CyberPower firmware can report (9 bits).
const CPS_VOLTAGE_MAX: i64 = 511;
/// The smallest believable CyberPower `ConfigActivePower` maximum.
const CPS_ACTIVE_POWER_MAX: i64 = 2048;
/// iDowell `RunTimeToEmpty` maximum, from the device's own report 0x01.
const IDOWELL_RUNTIME_MAX: i64 = 0x75FF_FFFF;
/// iDowell `Voltage` maximum, from the device's own report 0x01.
const IDOWELL_VOLTAGE_MAX: i64 = 65_535;

fn position(fields: &[Field], report_id: u8, usage: u32) -> Option<usize> {
    fields
        .iter()
        .position(|field| field.report_id == report_id && field.usage == Some(usage))
}

/// Apply every correction `quirks` enables.
pub(crate) fn apply(quirks: &Quirks, fields: &mut [Field]) {
    if quirks.apc_voltage_limits {
        apc_voltage_limits(fields);
    }
    if quirks.cps_voltage_limits {
        cps_voltage_limits(fields);
    }
    if quirks.cps_config_active_power {
        cps_config_active_power(fields);
    }
    if quirks.idowell_limits {
        idowell_limits(fields);
    }
}

/// APC Back-UPS (051d:0002): voltages whose Logical Maximum is below the
/// high transfer voltage.
fn apc_voltage_limits(fields: &mut [Field]) {
    let Some(hvt) = position(fields, 0x33, HIGH_VOLTAGE_TRANSFER)
        .and_then(|index| fields.get(index))
        .map(|field| field.logical_maximum)
    else {
        return;
    };
    if let Some(field) = position(fields, 0x31, VOLTAGE).and_then(|index| fields.get_mut(index))
        && field.logical_maximum < hvt
    {
        field.logical_minimum = 0;
        field.logical_maximum = hvt.saturating_mul(2);
    }
    if let Some(field) =
        position(fields, 0x30, CONFIG_VOLTAGE).and_then(|index| fields.get_mut(index))
        && field.logical_maximum < hvt
    {
        field.logical_maximum = 255;
    }
}

/// CyberPower (0764:0501, 0764:0601): output (report 0x12) and input
/// (report 0x0F) voltage limits.
fn cps_voltage_limits(fields: &mut [Field]) {
    let high_transfer = position(fields, 0x10, HIGH_VOLTAGE_TRANSFER);
    let output = position(fields, 0x12, VOLTAGE);
    let input = position(fields, 0x0F, VOLTAGE);
    let limits = |index: Option<usize>, fields: &[Field]| {
        index
            .and_then(|index| fields.get(index))
            .map(|field| (field.logical_minimum, field.logical_maximum))
    };

    // (a) The output voltage copies the high-transfer limits: widen it, and
    // the input voltage too when it has those same limits.
    if let (Some(copied), Some(out_limits)) =
        (limits(high_transfer, fields), limits(output, fields))
        && copied == out_limits
    {
        for index in [output, input].into_iter().flatten() {
            if limits(Some(index), fields) == Some(copied)
                && let Some(field) = fields.get_mut(index)
            {
                field.logical_minimum = 0;
                field.logical_maximum = CPS_VOLTAGE_MAX;
            }
        }
    }

    // (b) Repaired (assumed) maxima: raise, make consistent, cap.
    let (Some(out_index), Some(in_index)) = (output, input) else {
        return;
    };
    let assumed = |index: usize, fields: &[Field]| {
        fields
            .get(index)
            .is_some_and(|field| field.assumed_logical_maximum)
    };
    let (out_assumed, in_assumed) = (assumed(out_index, fields), assumed(in_index, fields));
    if !out_assumed && !in_assumed {
        return;
    }
    for (index, is_assumed) in [(out_index, out_assumed), (in_index, in_assumed)] {
        if is_assumed && let Some(field) = fields.get_mut(index) {
            field.logical_maximum = field.logical_maximum.max(CPS_VOLTAGE_MAX);
        }
    }
    let maximum =
        |index: usize, fields: &[Field]| fields.get(index).map_or(0, |field| field.logical_maximum);
    let (out_max, in_max) = (maximum(out_index, fields), maximum(in_index, fields));
    if out_assumed && out_max < in_max {
        if let Some(field) = fields.get_mut(out_index) {
            field.logical_maximum = in_max;
        }
    } else if in_assumed
        && in_max < out_max
        && let Some(field) = fields.get_mut(in_index)
    {
        field.logical_maximum = out_max;
    }
    for (index, is_assumed) in [(out_index, out_assumed), (in_index, in_assumed)] {
        if is_assumed
            && let Some(field) = fields.get_mut(index)
            && field.bit_size > 1
            && field.bit_size <= 63
        {
            field.logical_maximum = field.logical_maximum.min((1i64 << field.bit_size) - 1);
        }
    }
}

/// CyberPower: report 0x18 `ConfigActivePower` maximum below 2048.
fn cps_config_active_power(fields: &mut [Field]) {
    if let Some(field) =
        position(fields, 0x18, CONFIG_ACTIVE_POWER).and_then(|index| fields.get_mut(index))
        && field.logical_maximum < CPS_ACTIVE_POWER_MAX
    {
        field.logical_maximum = CPS_ACTIVE_POWER_MAX;
    }
}

/// iDowell / GoldenMate: byte-swapped maxima in report 0x02.
fn idowell_limits(fields: &mut [Field]) {
    for (usage, maximum) in [
        (RUN_TIME_TO_EMPTY, IDOWELL_RUNTIME_MAX),
        (VOLTAGE, IDOWELL_VOLTAGE_MAX),
    ] {
        if let Some(field) = position(fields, 0x02, usage).and_then(|index| fields.get_mut(index))
            && field.logical_maximum < field.logical_minimum
        {
            field.logical_maximum = maximum;
            field.assumed_logical_maximum = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ParserConfig, Quirks};
    use crate::descriptor::{CollectionKind, ReportDescriptor};
    use crate::item::{ItemData, ItemType, global_tag};
    use crate::writer::DescriptorWriter;

    const VOLTAGE: u32 = 0x30;

    /// `UPS { PowerSummary { <body> } }`.
    fn ups(body: impl FnOnce(&mut DescriptorWriter)) -> Vec<u8> {
        let mut w = DescriptorWriter::new();
        w.usage_page(0x84)
            .usage(0x04)
            .collection(CollectionKind::Application)
            .usage(0x24)
            .collection(CollectionKind::Physical);
        body(&mut w);
        w.end_collection().end_collection();
        w.into_bytes()
    }

    fn nut(bytes: &[u8]) -> ReportDescriptor {
        ReportDescriptor::decode(bytes, &ParserConfig::nut()).unwrap()
    }

    fn apc_descriptor(voltage_max: i32, config_max: i32) -> Vec<u8> {
        ups(|w| {
            w.report_size(16)
                .report_count(1)
                .report_id(0x33)
                .usage(0x54)
                .logical(0, 280)
                .feature(2)
                .report_id(0x31)
                .usage(VOLTAGE)
                .logical(0, voltage_max)
                .feature(2)
                .report_id(0x30)
                .usage(0x40)
                .logical(0, config_max)
                .feature(2);
        })
    }

    #[test]
    fn apc_voltage_limits_correction() {
        let mut config = ParserConfig::nut();
        config.quirks.apc_voltage_limits = true;
        let d = ReportDescriptor::decode(&apc_descriptor(250, 127), &config).unwrap();
        let limits: Vec<(i64, i64)> = d
            .fields()
            .iter()
            .map(|f| (f.logical_minimum, f.logical_maximum))
            .collect();
        assert_eq!(limits, [(0, 280), (0, 560), (0, 255)]);
        // Limits already above the transfer voltage are left alone.
        let d = ReportDescriptor::decode(&apc_descriptor(600, 300), &config).unwrap();
        assert_eq!(d.fields()[1].logical_maximum, 600);
        assert_eq!(d.fields()[2].logical_maximum, 300);
        // Off by default.
        let d = nut(&apc_descriptor(250, 127));
        assert_eq!(d.fields()[1].logical_maximum, 250);
    }

    #[test]
    fn cps_corrections() {
        let bytes = ups(|w| {
            w.report_size(16)
                .report_count(1)
                .report_id(0x10)
                .usage(0x54)
                .logical(0, 140)
                .feature(2)
                .report_id(0x12)
                .usage(VOLTAGE)
                .feature(2)
                .report_id(0x0F)
                .usage(VOLTAGE)
                .feature(2)
                .report_id(0x18)
                .usage(0x44)
                .logical(0, 1000)
                .feature(2);
        });
        let mut config = ParserConfig::nut();
        config.quirks.cps_voltage_limits = true;
        config.quirks.cps_config_active_power = true;
        assert!(config.quirks.any_vendor_fixup() && !Quirks::nut().any_vendor_fixup());
        let d = ReportDescriptor::decode(&bytes, &config).unwrap();
        let maxima: Vec<i64> = d.fields().iter().map(|f| f.logical_maximum).collect();
        assert_eq!(maxima, [140, 511, 511, 2048]);

        // (b) an assumed (repaired) output maximum is raised and capped.
        let repaired = ups(|w| {
            w.report_size(8)
                .report_count(1)
                .report_id(0x12)
                .usage(VOLTAGE)
                .item(
                    ItemType::Global,
                    global_tag::LOGICAL_MINIMUM,
                    ItemData::new(0, 1),
                )
                .item(
                    ItemType::Global,
                    global_tag::LOGICAL_MAXIMUM,
                    ItemData::new(0xFA, 1),
                )
                .feature(2)
                .report_id(0x0F)
                .usage(VOLTAGE)
                .logical(0, 100)
                .feature(2);
        });
        let d = ReportDescriptor::decode(&repaired, &config).unwrap();
        // 250 raised to 511, capped at 2^8 − 1; the input one is not assumed.
        assert_eq!(
            (d.fields()[0].logical_maximum, d.fields()[1].logical_maximum),
            (255, 100)
        );
    }

    #[test]
    fn idowell_corrections() {
        let bytes = ups(|w| {
            w.report_id(0x02)
                .report_size(32)
                .report_count(1)
                .usage(0x0085_0068)
                .logical(10, 5)
                .feature(2)
                .usage(VOLTAGE)
                .feature(2);
        });
        let mut config = ParserConfig::nut();
        config.quirks.repair_logical_maximum = false;
        config.quirks.idowell_limits = true;
        let d = ReportDescriptor::decode(&bytes, &config);
        // Without the parser repair the inverted range is an error first.
        assert!(d.is_err());
        config.quirks.repair_logical_maximum = true;
        let d = ReportDescriptor::decode(&bytes, &config).unwrap();
        // The parser repair (unsigned re-read of 5) still leaves 5 < 10: the
        // iDowell correction then applies.
        let maxima: Vec<i64> = d.fields().iter().map(|f| f.logical_maximum).collect();
        assert_eq!(maxima, [0x75FF_FFFF, 65535]);
    }
}
