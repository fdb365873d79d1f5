// Property checks of the `hid_descriptor` and `hid_report` fuzz targets.
//
// One copy, `include!`d by the targets (fuzz/fuzz_targets/hid_*.rs) and by
// nut-hid's corpus test (tests/corpus/fuzz.rs, which replays the fuzz
// corpus), so libFuzzer and `cargo test` check the same things. Public
// nut-hid API only, and no `use` lines, so the file can be included anywhere.

/// Most named fields one `hid_report` input decodes (bounds the time per
/// input; a descriptor can declare thousands).
#[allow(dead_code)] // each target uses only its own checks
const FUZZ_MAX_FIELDS_DECODED: usize = 256;

/// The two standard codes whose names are duplicates: the name parses back
/// to the page-0x84 code.
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_canonical_node(node: u32) -> u32 {
    match node {
        0x0085_0000 => 0x0084_0000,
        0x0085_00d8 => 0x0084_0063,
        other => other,
    }
}

/// Invariants of a successfully decoded descriptor.
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_check_decoded(descriptor: &nut_hid::ReportDescriptor, data: &[u8]) {
    assert_eq!(descriptor.len(), data.len());
    assert!(descriptor.fields().len() <= nut_hid::MAX_FIELDS);
    for layout in descriptor.reports() {
        assert!(layout.bits <= nut_hid::MAX_REPORT_BITS);
        let buffer = descriptor
            .new_report(layout.kind, layout.report_id)
            .expect("declared report has a buffer");
        assert_eq!(
            Some(buffer.len()),
            descriptor.report_len(layout.kind, layout.report_id)
        );
    }
    for collection in descriptor.collections() {
        assert!(collection.offset < data.len());
        assert!(collection.path.len() <= 2 * nut_hid::MAX_COLLECTION_DEPTH);
        if let Some(parent) = collection.parent {
            let parent = &descriptor.collections()[parent];
            assert!(collection.path.starts_with(&parent.path));
        }
    }
    for (index, field) in descriptor.fields().iter().enumerate() {
        assert!(field.item_offset < data.len());
        assert!(field.count > 0);
        // Every field lies inside its report.
        let layout = descriptor
            .report(field.kind, field.report_id)
            .expect("a field's report is declared");
        assert!(
            field.bit_end() <= u64::from(layout.bits),
            "field past the end of its report"
        );
        if let Some(index) = field.collection {
            assert!(
                field
                    .path
                    .starts_with(&descriptor.collections()[index].path)
            );
        }
        if let Some(usage) = field.usage {
            assert_eq!(field.path.nodes().last(), Some(&usage));
        }
        // Paths print and parse back (names, hex codes and `[n]` nodes);
        // checked on the first fields only, to keep inputs fast.
        if index >= FUZZ_MAX_FIELDS_DECODED {
            continue;
        }
        let names = nut_hid::UsageNames::STANDARD;
        let printed = field.path.display(&names).to_string();
        let parsed = nut_hid::HidPath::parse(&printed, &names);
        let expected: Vec<u32> = field
            .path
            .nodes()
            .iter()
            .map(|n| fuzz_canonical_node(*n))
            .collect();
        let parsed: Vec<u32> = parsed
            .nodes()
            .iter()
            .map(|n| fuzz_canonical_node(*n))
            .collect();
        assert_eq!(parsed, expected, "path {printed} does not parse back");
    }
    // Renderings never panic and are well delimited.
    let text = descriptor.to_string();
    assert!(text.starts_with("report descriptor: "));
    let json = descriptor.to_json(nut_hid::UsageNames::with_vendor(nut_hid::VendorTable::Mge));
    assert!(json.starts_with('{') && json.ends_with('}'));
}

/// `hid_descriptor`: decoding never panics under either configuration;
/// errors point inside the input; what decodes satisfies the invariants;
/// items re-encode to the bytes they came from; what the strict parser
/// accepts, NUT's configuration accepts too.
#[allow(dead_code)] // each target uses only its own checks
fn check_hid_descriptor(data: &[u8]) {
    let strict = nut_hid::ReportDescriptor::decode(data, &nut_hid::ParserConfig::strict());
    let nut = nut_hid::ReportDescriptor::decode(data, &nut_hid::ParserConfig::nut());
    for result in [&strict, &nut] {
        match result {
            Ok(descriptor) => fuzz_check_decoded(descriptor, data),
            Err(error) => {
                if let Some(offset) = error.offset() {
                    assert!(offset < data.len(), "{error}: offset outside the input");
                }
                assert!(!error.to_string().is_empty());
            }
        }
    }
    if strict.is_ok() {
        assert!(
            nut.is_ok(),
            "NUT's configuration rejects what strict accepts: {nut:?}"
        );
    }
    // The item layer: short items re-encode byte for byte.
    for item in nut_hid::item::Items::new(data).take(nut_hid::MAX_DESCRIPTOR_LEN) {
        let Ok(item) = item else { break };
        if let nut_hid::item::Item::Short(_) = item {
            let mut out = Vec::new();
            item.encode(&mut out);
            assert_eq!(
                &data[item.offset()..item.offset() + item.encoded_len()],
                &out[..]
            );
        }
    }
}

/// Split a `hid_report` input: a little-endian u16 descriptor length, the
/// descriptor, then the report bytes.
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_split_report_input(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return (&[], &[]);
    };
    let len = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    rest.split_at(len)
}

/// Build a `hid_report` input from its parts (for seeds).
#[allow(dead_code)] // each target uses only its own checks
fn fuzz_report_input(descriptor: &[u8], report: &[u8]) -> Vec<u8> {
    let len = u16::try_from(descriptor.len()).unwrap_or(u16::MAX);
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(&descriptor[..usize::from(len)]);
    out.extend_from_slice(report);
    out
}

/// `hid_report`: for the named fields of the descriptor (NUT's
/// configuration), decoding the report never panics, bad reports give the
/// typed error, values lie in the declared ranges, and decode → encode →
/// decode is stable (exactly for unscaled fields, within one logical step
/// for physically scaled ones); encoding never touches other fields' bits.
#[allow(dead_code)] // each target uses only its own checks
fn check_hid_report(data: &[u8]) {
    let (descriptor, report) = fuzz_split_report_input(data);
    let Ok(descriptor) =
        nut_hid::ReportDescriptor::decode(descriptor, &nut_hid::ParserConfig::nut())
    else {
        return;
    };
    for field in descriptor
        .fields()
        .iter()
        .filter(|f| f.is_named())
        .take(FUZZ_MAX_FIELDS_DECODED)
    {
        let value = match field.decode(report) {
            Ok(value) => value,
            Err(nut_hid::Error::WrongReportId { expected, got }) => {
                assert_eq!(expected, field.report_id);
                assert_eq!(Some(&got), report.first());
                continue;
            }
            Err(nut_hid::Error::ShortReport { needed, got, .. }) => {
                assert!(got < needed && got == report.len());
                continue;
            }
            Err(nut_hid::Error::EmptyReport { .. }) => {
                assert!(report.is_empty() && field.report_id != 0);
                continue;
            }
            Err(nut_hid::Error::FieldNotReadable { bits, .. }) => {
                assert!(bits > nut_hid::MAX_VALUE_BITS);
                continue;
            }
            Err(other) => panic!("unexpected error {other}"),
        };
        assert!(value.is_finite());
        let raw = field
            .extract_raw(report, 0)
            .expect("decoded, so extractable");
        let logical = field.logical_from_raw(raw);
        if field.logical_minimum <= field.logical_maximum {
            assert!((field.logical_minimum..=field.logical_maximum).contains(&logical));
        }
        let mut written = report.to_vec();
        match field.encode(value, &mut written) {
            Ok(()) => {}
            Err(nut_hid::Error::ConstantField) => continue,
            Err(other) => panic!("re-encoding a decoded value failed: {other}"),
        }
        let again = field.decode(&written).expect("same length and id");
        if field.has_physical_scaling() {
            let (Some(pmin), Some(pmax)) = (field.physical_minimum, field.physical_maximum) else {
                unreachable!("scaling needs both bounds")
            };
            let step =
                (pmax - pmin) as f64 / (field.logical_maximum - field.logical_minimum) as f64;
            let step = step * 10f64.powi(field.effective_exponent());
            let tolerance = step.abs() * (1.0 + 1e-9) + 1e-9 * value.abs().max(1.0);
            assert!(
                (again - value).abs() <= tolerance,
                "{value} re-read as {again}"
            );
        } else {
            let raw_again = field.extract_raw(&written, 0).expect("extractable");
            assert_eq!(
                field.logical_from_raw(raw_again),
                logical,
                "{value} re-read differently"
            );
        }
        // Bits outside the field are untouched.
        let start = usize::from(field.report_id != 0);
        let (first, size) = (u64::from(field.bit_offset), u64::from(field.bit_size));
        for (index, (before, after)) in report.iter().zip(&written).enumerate().skip(start) {
            for bit in 0..8u64 {
                let position = (index - start) as u64 * 8 + bit;
                if position < first || position >= first + size {
                    assert_eq!(
                        (before >> bit) & 1,
                        (after >> bit) & 1,
                        "bit {position} changed"
                    );
                }
            }
        }
    }
}
