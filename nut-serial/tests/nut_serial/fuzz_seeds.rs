//! Replays the committed fuzz corpus (`fuzz/corpus/megatec_response`)
//! through the fuzz target's property, so regressions show up without
//! libFuzzer; also checks the simulator-made seeds decode.

use std::path::PathBuf;

use nut_serial::sim::reencode::fuzz_property as property;

#[test]
fn committed_fuzz_corpus_holds_the_property() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/megatec_response");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: no fuzz corpus at {}", dir.display());
        return;
    };
    let mut decoded = 0;
    let mut total = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        total += 1;
        if property(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
            decoded += 1;
        }
    }
    eprintln!("fuzz corpus: {total} inputs, {decoded} decoded and re-encoded");
    assert!(total == 0 || decoded > 0);
}

/// Replays `fuzz/corpus/apc_response` through `apc_response`'s property.
#[test]
fn committed_apc_fuzz_corpus_holds_the_property() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/apc_response");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: no fuzz corpus at {}", dir.display());
        return;
    };
    let mut total = 0;
    let mut replies = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        total += 1;
        replies += nut_serial::apc::property::fuzz_property(&data)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    eprintln!("apc fuzz corpus: {total} inputs, {replies} complete replies checked");
    assert!(total == 0 || replies > 0);
}

/// The simulator-made seeds of the dialect pairs (omron, ablerex,
/// innovart): each must hold the property and decode. Run with
/// `WRITE_FUZZ_SEEDS=1` to (re)write them into the committed corpus.
#[test]
fn dialect_seeds_from_the_simulator() {
    use nut_serial::qx::Protocol;
    use nut_serial::sim::dialects;
    use nut_serial::sim::reencode::{SUPPORTED, encode_for, pair_selector};
    use nut_serial::sim::{DeviceState, encode};

    let on_line = DeviceState::default();
    let mut on_battery = DeviceState::default();
    on_battery.fail_line();
    on_battery.bits.battery_low = true;
    on_battery.battery_runtime = Some(300.0);
    on_battery.dialect.error_code = 7;
    let seeds: [(&str, Protocol, &[u8], Vec<u8>); 10] = [
        (
            "omron_q1",
            Protocol::Omron,
            b"Q1\r",
            encode::q1(&on_line, on_line.input_frequency),
        ),
        (
            "omron_bl",
            Protocol::Omron,
            b"Bl ?\r",
            dialects::omron(&on_line, "Bl ?").unwrap(),
        ),
        (
            "omron_un",
            Protocol::Omron,
            b"UN\r",
            dialects::omron(&on_line, "UN").unwrap(),
        ),
        (
            "ablerex_q1",
            Protocol::Ablerex,
            b"Q1\r",
            encode::q1(&on_line, on_line.input_frequency),
        ),
        (
            "ablerex_q1_ob_lb",
            Protocol::Ablerex,
            b"Q1\r",
            encode::q1(&on_battery, on_battery.input_frequency),
        ),
        (
            "ablerex_q5",
            Protocol::Ablerex,
            b"Q5\r",
            dialects::ablerex_q5(&on_battery),
        ),
        (
            "ablerex_at",
            Protocol::Ablerex,
            b"At\r",
            dialects::ablerex_at(&on_battery),
        ),
        (
            "innovart31_bps",
            Protocol::Innovart31,
            b"BPS\r",
            dialects::innovart_bps(&on_line),
        ),
        (
            "innovart33_bps",
            Protocol::Innovart33,
            b"BPS\r",
            dialects::innovart_bps(&on_line),
        ),
        (
            "gtec_q4_via_bps",
            Protocol::Innovart33,
            b"BPS\r",
            dialects::gtec_q4(&on_battery),
        ),
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/megatec_response");
    let write = std::env::var_os("WRITE_FUZZ_SEEDS").is_some();
    let mut decoded = 0;
    for (name, protocol, query, reply) in seeds {
        let index = SUPPORTED
            .iter()
            .position(|&(p, q)| p == protocol && q == query)
            .expect("a supported pair");
        let data = [
            &[pair_selector(index).expect("a selector")],
            reply.as_slice(),
        ]
        .concat();
        if property(&data).unwrap_or_else(|e| panic!("{name}: {e}")) {
            decoded += 1;
        }
        // The fuzz re-encoder knows the pair.
        assert!(
            encode_for(protocol, query, &on_line, false).is_some(),
            "{name}"
        );
        if write {
            std::fs::write(dir.join(name), &data).unwrap();
        }
    }
    // Every seed decodes and re-encodes; the gtec `Q4` reply sent as `BPS`
    // (so every input's decode-only pass sees a Q4 with status letters)
    // decodes its first three fields.
    assert_eq!(decoded, 10);
}
