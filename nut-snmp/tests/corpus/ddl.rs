//! Step 3b: the engine's variables beside the nut-ddl dumps of the same
//! device families (pairs from shared/corpus/MANIFEST.md §4). The dumps
//! come from older NUT versions (2.0–2.8) and other units of the same
//! family, so this measures name coverage, and value agreement where the
//! names meet; it is not an equality test.

use std::collections::BTreeMap;

use crate::common::{corpus_dir, parsed_recordings, report};
use nut_snmp::{Config, Engine};

/// (recording stem, dump path under `ddl/`).
const PAIRS: &[(&str, &str)] = &[
    (
        "apc_powerchute",
        "APC/APC__Smart-UPS_1000__snmp-ups__2.7.4__01.dev",
    ),
    (
        "apc_smart1500",
        "APC/APC__Smart-UPS_1500_XLM__snmp-ups__2.4.1__02.dev",
    ),
    (
        "apc_smt750x-nmc2",
        "APC/APC__Smart-UPS_1000__snmp-ups__2.7.4__02.dev",
    ),
    (
        "apc_smtl1000-nmc3",
        "APC/APC__Smart-UPS_1000__snmp-ups__2.7.4__02.dev",
    ),
    (
        "apc_smx750",
        "APC/APC__Smart-UPS_1000__snmp-ups__2.7.4__02.dev",
    ),
    (
        "apc_smx750i",
        "APC/APC__Smart-UPS_1000__snmp-ups__2.7.4__02.dev",
    ),
    (
        "apc_sua1500rmi2u",
        "APC/APC__Smart-UPS_1500_XLM__snmp-ups__2.4.1__02.dev",
    ),
    (
        "apc_sua750i",
        "APC/APC__Smart-UPS_1000__snmp-ups__2.7.4__01.dev",
    ),
    (
        "apc_surt3000xl",
        "APC/APC__Smart-UPS_RT_6000_XL__snmp-ups__2.4.3__01.dev",
    ),
    (
        "apc_symmetralx",
        "APC/APC__Smart-UPS_5000_RM__snmp-ups__2.8.0__01.dev",
    ),
    (
        "cyberpower_pr2200rt2uc",
        "Cyber_Power_Systems/Cyber_Power_Systems__PR2200LCDRT2U__snmp-ups__2.7.2__01.dev",
    ),
    (
        "dell-ups_tower1000w",
        "Dell/Dell__UPS_Tower_1920W_HV__snmp-ups__2.6.0__01.dev",
    ),
    (
        "eaton-mgeups_5px",
        "Eaton/Eaton__5PX__snmp-ups__2.7.4__01.dev",
    ),
    (
        "eaton-mgeups_93ps",
        "Eaton/Eaton__93PS__snmp-ups__2.7.3-167-g0a00ddb__01.dev",
    ),
    (
        "eaton-mgeups_9px",
        "Eaton/Eaton__9PX__snmp-ups__2.7.4__01.dev",
    ),
    (
        "eaton-mgeups_9pxle",
        "Eaton/Eaton__9PX__snmp-ups__2.7.4__02.dev",
    ),
    (
        "eatonups_eaton-connectups",
        "Eaton/Eaton__PW9130_1000VA-T__snmp-ups__2.7.3-167-g0a00ddb__01.dev",
    ),
    (
        "eatonupsm2_9px",
        "Eaton/Eaton__5PX__snmp-ups__2.7.4__02.dev",
    ),
    (
        "eatonupsm2_9px+empg2",
        "Eaton/Eaton__5PX__snmp-ups__2.7.4__02.dev",
    ),
    (
        "liebert",
        "Liebert/Liebert__GXT2-1500RT120__snmp-ups__2.4.3__01.dev",
    ),
    (
        "netvision-rfc",
        "NetVision/NetVision__U4BC02CB00NY100__snmp-ups__2.7.4__01.dev",
    ),
    (
        "poweralert_2",
        "Tripp_Lite/Tripp_Lite__SMART1500RMXL2U__snmp-ups__2.0.0__01.dev",
    ),
    (
        "poweralert_ups",
        "Tripp_Lite/Tripp_Lite__SU2200RTXL2Ua__snmp-ups__2.7.4__01.dev",
    ),
];

/// Pairs that are the same model with a full enough recording: their
/// dumps must be covered almost entirely.
const CLOSE_PAIRS: &[&str] = &[
    "eaton-mgeups_9pxle",
    "cyberpower_pr2200rt2uc",
    "poweralert_2",
];

/// A `upsc`-style dump: `name: value` lines; `#` lines and trailing
/// `\t#…` notes dropped; `driver.*` left out (they describe the run, not
/// the device).
fn parse_dump(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(": ")
                .or_else(|| l.strip_suffix(':').map(|n| (n, "")))
        })
        .filter(|(name, _)| !name.starts_with("driver."))
        .map(|(name, value)| {
            let value = value.split("\t#").next().unwrap_or_default();
            (name.trim().to_owned(), value.to_owned())
        })
        .collect()
}

/// What `upsc` would list: the engine's variables plus the driver core's
/// copies (`device.mfr`/`model`/`serial` from `ups.*`, `device.type` =
/// `ups` unless set), without `driver.*`.
fn as_upsc(engine: &Engine) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = engine
        .variables()
        .iter()
        .filter(|(name, _)| !name.starts_with("driver."))
        .map(|(name, var)| (name.clone(), var.value.clone()))
        .collect();
    for (from, to) in [
        ("ups.mfr", "device.mfr"),
        ("ups.model", "device.model"),
        ("ups.serial", "device.serial"),
    ] {
        if let Some(value) = vars.get(from).cloned() {
            vars.insert(to.to_owned(), value);
        }
    }
    vars.entry("device.type".to_owned())
        .or_insert_with(|| "ups".to_owned());
    vars
}

/// Equal as text, or as numbers (old dumps print `100.00` for `100`).
fn same_value(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
        || matches!((a.trim().parse::<f64>(), b.trim().parse::<f64>()), (Ok(x), Ok(y)) if (x - y).abs() < 1e-9)
}

#[test]
fn engine_variables_beside_ddl_dumps() {
    let test = "engine_variables_beside_ddl_dumps";
    let (Some(recordings), Some(ddl)) = (parsed_recordings(test), corpus_dir(test, "ddl")) else {
        return;
    };
    let recordings: BTreeMap<String, nut_snmp::Recording> = recordings.into_iter().collect();
    let (mut dump_names, mut covered, mut compared, mut agreeing) = (0, 0, 0, 0);
    for (stem, dump_path) in PAIRS {
        let mut rec = recordings
            .get(*stem)
            .unwrap_or_else(|| panic!("{stem} missing"))
            .clone();
        let text = std::fs::read_to_string(ddl.join(dump_path))
            .unwrap_or_else(|e| panic!("{dump_path}: {e}"));
        let dump = parse_dump(&text);
        assert!(
            dump.contains_key("ups.status") || dump.contains_key("device.model"),
            "{dump_path}: not a dump"
        );
        let ours = match Engine::detect(&mut rec, &Config::default()) {
            Ok(mut engine) => {
                engine.init(&mut rec);
                engine.update(&mut rec);
                as_upsc(&engine)
            }
            Err(_) => BTreeMap::new(),
        };
        let common: Vec<&String> = dump.keys().filter(|k| ours.contains_key(*k)).collect();
        let agree = common
            .iter()
            .filter(|k| same_value(&dump[**k], &ours[**k]))
            .count();
        let missing: Vec<&str> = dump
            .keys()
            .filter(|k| !ours.contains_key(*k))
            .map(String::as_str)
            .take(6)
            .collect();
        report(&format!(
            "ddl {stem} ~ {}: {}/{} dump names covered, {agree}/{} values agree{}",
            dump_path.rsplit('/').next().unwrap_or_default(),
            common.len(),
            dump.len(),
            common.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!("; missing e.g. {}", missing.join(" "))
            }
        ));
        if CLOSE_PAIRS.contains(stem) {
            assert!(
                common.len() * 10 >= dump.len() * 9,
                "{stem}: only {}/{} dump names",
                common.len(),
                dump.len()
            );
        }
        dump_names += dump.len();
        covered += common.len();
        compared += common.len();
        agreeing += agree;
    }
    report(&format!(
        "ddl coverage: {covered}/{dump_names} dump variable names published by our engine, {agreeing}/{compared} of those with the same value, over {} pairs",
        PAIRS.len()
    ));
}
