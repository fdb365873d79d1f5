//! Seeds for the `snmp_mib_map` fuzz target (input layout in
//! `fuzz_properties.rs`).
//!
//! * `fuzz/corpus/snmp_mib_map/` (committed): synthetic seeds made from
//!   our own tables — for every mapping, a varbind for every row with a
//!   value its lookup table knows (the status rows changed between the
//!   init and update walks), plus edge values for every row with a lookup
//!   conversion (temperatures, unit, US dates, device counts). A test
//!   checks they are current (`UPDATE_FUZZ_SEEDS=1` rewrites them), pass
//!   the property, and reach every [`Conversion`].
//! * `fuzz/corpus/snmp_mib_map-shared/` (git-ignored, as real data never
//!   enters the repository): one seed per corpus recording, each row of
//!   the mapping `mibs=auto` picks given the recording's own value, written
//!   by the ignored test `write_recording_seeds`:
//!   `cargo test -p nut-snmp --test corpus -- --ignored write_recording_seeds`
//!
//! Fuzzing (from `fuzz/`, nightly cargo-fuzz):
//! `cargo +nightly fuzz run snmp_mib_map "$(mktemp -d)" corpus/snmp_mib_map corpus/snmp_mib_map-shared -- -max_total_time=60`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nut_snmp::mib::{Conversion, Kind, Lookup, Row};
use nut_snmp::{Config, Engine, Mib, Oid, Value};

use crate::common::{parsed_recordings, report};

/// The target's property, in a module of its own (its paths are written
/// for a scope without this file's imports).
mod property {
    include!("fuzz_properties.rs");

    /// Runs the property over one input.
    pub(super) fn check(data: &[u8]) {
        check_snmp_mib_map(data);
    }
}

use property::check as check_snmp_mib_map;

/// Row bytes at and above this are markers (sysObjectID, sysDescr, the
/// part separator); rows past it cannot be aimed at.
const FIRST_MARKER_ROW: usize = 0xf0;
/// Longest payload the input layout carries.
const MAX_PAYLOAD: usize = 63;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Kind codes of `snmp_fuzz_value`.
mod kind {
    pub(super) const INTEGER: u8 = 0;
    pub(super) const STRING: u8 = 1;
    pub(super) const NULL: u8 = 2;
    pub(super) const OID: u8 = 3;
    pub(super) const IP: u8 = 4;
    pub(super) const COUNTER: u8 = 5;
    pub(super) const GAUGE: u8 = 6;
    pub(super) const TICKS: u8 = 7;
    pub(super) const OPAQUE: u8 = 8;
    pub(super) const COUNTER64: u8 = 9;
}

/// One varbind in the input layout.
fn varbind(out: &mut Vec<u8>, row: usize, index: u8, code: u8, payload: &[u8]) {
    let payload = &payload[..payload.len().min(MAX_PAYLOAD)];
    out.extend([
        u8::try_from(row).unwrap_or(0),
        index,
        code,
        u8::try_from(payload.len()).unwrap_or(0),
    ]);
    out.extend(payload);
}

fn integer(out: &mut Vec<u8>, row: usize, index: u8, value: i32) {
    varbind(out, row, index, kind::INTEGER, &value.to_le_bytes());
}

/// A template row (`%i`) is aimed at instance 1, others at index 0.
fn index_for(row: &Row) -> u8 {
    u8::from(row.oid.is_some_and(|o| o.contains("%i")))
}

/// The rows the layout can aim at: `(row byte, row)`.
fn reachable(mib: &Mib) -> impl Iterator<Item = (usize, &'static Row)> {
    mib.rows
        .iter()
        .enumerate()
        .take(FIRST_MARKER_ROW)
        .filter(|(_, r)| r.oid.is_some() && r.kind != Kind::Cmd)
}

/// A plausible synthetic value for a row.
fn plausible(out: &mut Vec<u8>, at: usize, row: &Row, second_key: bool) {
    let index = index_for(row);
    match row.lookup {
        Some(Lookup::Pairs(pairs)) => {
            let pick = if second_key { pairs.get(1) } else { None };
            let key = pick.or_else(|| pairs.first()).map_or(1, |(k, _)| *k);
            integer(out, at, index, i32::try_from(key).unwrap_or(1));
        }
        Some(Lookup::Function(conversion)) => {
            conversion_value(out, at, index, *conversion, 0);
        }
        _ if row.kind == Kind::Str => {
            let text = format!("sim {}", row.name);
            varbind(out, at, index, kind::STRING, text.as_bytes());
        }
        _ if row.name.ends_with(".count") => integer(out, at, index, 2),
        _ => integer(out, at, index, 230),
    }
}

/// Edge value number `case` (0 is plausible) for a conversion row.
fn conversion_value(out: &mut Vec<u8>, at: usize, index: u8, conversion: Conversion, case: usize) {
    match conversion {
        Conversion::UsDateToIsoDate => {
            let dates: [&[u8]; 5] = [b"03/15/2021", b"", b"13/45/99", b"1/2/3456789", b"//"];
            varbind(out, at, index, kind::STRING, dates[case % dates.len()]);
        }
        Conversion::DeviceCount => {
            let counts: [&[u8]; 5] = [b"3", b"", b"0", b"999999", b"-2"];
            varbind(out, at, index, kind::STRING, counts[case % counts.len()]);
        }
        Conversion::TemperatureRead => {
            let values = [235, 0, -1, i32::MAX, i32::MIN];
            integer(out, at, index, values[case % values.len()]);
        }
        Conversion::SensorTemperatureUnit => {
            let values = [2, 0, 1, 3, -7];
            integer(out, at, index, values[case % values.len()]);
        }
        _ => integer(out, at, index, 1),
    }
}

/// The committed synthetic seeds: (file name, bytes).
fn synthetic_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (n, mib) in Mib::all().iter().enumerate() {
        let pick = u8::try_from(n).unwrap_or(0);
        // Every reachable row, then the status rows with another value.
        let mut data = vec![pick, 0, 12];
        for (at, row) in reachable(mib) {
            plausible(&mut data, at, row, false);
        }
        data.push(0xff);
        for (at, row) in reachable(mib).filter(|(_, r)| r.name == "ups.status") {
            plausible(&mut data, at, row, true);
        }
        seeds.push((format!("tables-{n:02}-{}", mib.name), data));
        // Each conversion row alone, with each edge value.
        for (at, row) in reachable(mib) {
            let Some(Lookup::Function(conversion)) = row.lookup else {
                continue;
            };
            for case in 0..5 {
                let mut data = vec![pick, 0, 12];
                conversion_value(&mut data, at, index_for(row), *conversion, case);
                seeds.push((
                    format!("conversion-{n:02}-{}-row{at}-{case}", mib.name),
                    data,
                ));
            }
        }
    }
    seeds
}

/// `(mapping, row byte)` pairs an input aims at.
fn rows_aimed_at(data: &[u8]) -> Vec<(usize, usize)> {
    let Some(&pick) = data.first() else {
        return Vec::new();
    };
    let mib = usize::from(pick) % Mib::all().len();
    let mut out = Vec::new();
    let mut rest = data.get(3..).unwrap_or_default();
    while let [row, _, _, len, tail @ ..] = rest {
        if *row == 0xff {
            rest = &rest[1..];
            continue;
        }
        out.push((mib, usize::from(*row)));
        let take = usize::from(*len % 64).min(tail.len());
        rest = &tail[take..];
    }
    out
}

#[test]
fn committed_snmp_fuzz_seeds_are_current_hold_and_reach_every_conversion() {
    let dir = fuzz_dir().join("corpus/snmp_mib_map");
    let seeds = synthetic_seeds();
    let mut stale = Vec::new();
    let mut conversions = BTreeSet::new();
    for (name, bytes) in &seeds {
        let path = dir.join(name);
        if std::env::var_os("UPDATE_FUZZ_SEEDS").is_some() {
            std::fs::create_dir_all(&dir).expect("seed dir");
            std::fs::write(&path, bytes).expect("seed written");
        }
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(name.clone());
        }
        check_snmp_mib_map(bytes);
        for (mib, row) in rows_aimed_at(bytes) {
            if let Some(Lookup::Function(c)) = Mib::all()[mib].rows.get(row).and_then(|r| r.lookup)
            {
                conversions.insert(format!("{c:?}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz seeds missing or stale (UPDATE_FUZZ_SEEDS=1 rewrites them): {stale:?}"
    );
    let every: BTreeSet<String> = [
        Conversion::UsDateToIsoDate,
        Conversion::SensorTemperatureUnit,
        Conversion::TemperatureRead,
        Conversion::DeviceCount,
    ]
    .iter()
    .map(|c| format!("{c:?}"))
    .collect();
    assert_eq!(conversions, every, "seeds reach every lookup conversion");
    report(&format!(
        "snmp_mib_map seeds: {} committed seeds current, each holds the property; \
         they reach the conversions {conversions:?}",
        seeds.len()
    ));
}

/// A recording's value in the input layout: (kind code, payload).
fn encoded(value: &Value) -> Option<(u8, Vec<u8>)> {
    Some(match value {
        Value::Integer(i) => (kind::INTEGER, i.to_le_bytes().to_vec()),
        Value::OctetString(bytes) => (kind::STRING, bytes.clone()),
        Value::Null => (kind::NULL, Vec::new()),
        Value::ObjectId(oid) => (
            kind::OID,
            oid.arcs()
                .iter()
                .map(|&a| u8::try_from(a).ok())
                .collect::<Option<Vec<u8>>>()?,
        ),
        Value::IpAddress(ip) => (kind::IP, ip.to_vec()),
        Value::Counter32(n) => (kind::COUNTER, n.to_le_bytes().to_vec()),
        Value::Gauge32(n) => (kind::GAUGE, n.to_le_bytes().to_vec()),
        Value::TimeTicks(n) => (kind::TICKS, n.to_le_bytes().to_vec()),
        Value::Opaque(bytes) => (kind::OPAQUE, bytes.clone()),
        Value::Counter64(n) => (kind::COUNTER64, n.to_le_bytes().to_vec()),
        _ => return None,
    })
}

/// One seed from a recording: every reachable row of the mapping
/// `mibs=auto` picks, with the recording's value.
fn recording_seed(recording: &nut_snmp::Recording) -> Option<Vec<u8>> {
    let mut agent = recording.clone();
    let engine = Engine::detect(&mut agent, &Config::default()).ok()?;
    let pick = Mib::all()
        .iter()
        .position(|m| std::ptr::eq(m, engine.mib()))?;
    let mib = engine.mib();
    let mut data = vec![u8::try_from(pick).ok()?, 0, 12];
    for (at, row) in reachable(mib) {
        let index = index_for(row);
        let text = row.oid?.replace("%i", &index.to_string());
        let Ok(oid) = Oid::parse(&text) else { continue };
        let Some(value) = agent.get(&oid) else {
            continue;
        };
        if let Some((code, payload)) = encoded(value) {
            varbind(&mut data, at, index, code, &payload);
        }
    }
    Some(data)
}

#[test]
fn recording_seeds_hold_the_property() {
    let Some(all) = parsed_recordings("recording_seeds_hold_the_property") else {
        return;
    };
    let mut made = 0;
    for (_, rec) in &all {
        if let Some(seed) = recording_seed(rec) {
            check_snmp_mib_map(&seed);
            made += 1;
        }
    }
    report(&format!(
        "snmp_mib_map: {made} of {} recordings make a seed that holds the property",
        all.len()
    ));
    // 18 recordings hold no device any mapping supports (as for snmp-ups).
    assert!(made >= 30, "only {made} recordings made a seed");
}

/// Not a check: writes the recording seeds into the git-ignored
/// `fuzz/corpus/snmp_mib_map-shared/`.
#[test]
#[ignore = "writes into fuzz/corpus; run by hand before fuzzing"]
fn write_recording_seeds() {
    let Some(all) = parsed_recordings("write_recording_seeds") else {
        return;
    };
    let dir = fuzz_dir().join("corpus/snmp_mib_map-shared");
    std::fs::create_dir_all(&dir).expect("seed dir");
    let mut written = 0;
    for (name, rec) in &all {
        if let Some(seed) = recording_seed(rec) {
            std::fs::write(dir.join(format!("recording-{name}")), seed).expect("seed written");
            written += 1;
        }
    }
    report(&format!("wrote {written} seeds to {}", dir.display()));
}
