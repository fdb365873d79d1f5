//! Step 3: the engine over every recording with `mibs=auto`, beside what
//! real snmp-ups 2.8.0 (Debian `nut-snmp`) chose and published for the
//! same recording served by snmpsim (`shared/tools/snmp_lab.sh` style run,
//! every recording as its own community, `snmp_version=v2c`).

use nut_proto::model::{Status, StatusToken};
use nut_snmp::{Config, Engine, Error};

use crate::common::{parsed_recordings, report};

/// Per recording: the `mibs=` name real snmp-ups 2.8.0 detected (`None`:
/// "No supported device detected") and the `ups.status` its `upsc`
/// showed (`None` where the driver never finished starting).
///
/// 2.8.0 calls `eaton_pw_nm2` by its old name `pw`; it hung in its init
/// walk (an unbounded outlet loop) on `eatonups_eaton-connectups` and
/// `eatonupsm2_9px` after detecting them.
const NUT_2_8_0: &[(&str, Option<&str>, Option<&str>)] = &[
    ("abbups_abbups", None, None),
    ("apc-mgeups_galaxy7000", Some("mge"), Some("OL")),
    ("apc_powerchute", Some("apcc"), Some("OL")),
    ("apc_smart1500", None, None),
    ("apc_smt750x-nmc2", Some("apcc"), Some("OL")),
    ("apc_smtl1000-nmc3", Some("apcc"), Some("OL")),
    ("apc_smx750", Some("apcc"), Some("OL")),
    ("apc_smx750i", Some("apcc"), Some("OL")),
    ("apc_sua1500rmi2u", Some("apcc"), Some("OL")),
    ("apc_sua750i", Some("apcc"), Some("OL")),
    ("apc_surt3000xl", Some("apcc"), Some("OL")),
    ("apc_symmetralx", Some("apcc"), Some("OL")),
    ("cetpower", Some("tripplite"), Some("OB")),
    ("cxc_ups", None, None),
    ("cyberpower", Some("cyberpower"), Some("")),
    ("cyberpower_cp1000pfclcd", Some("cyberpower"), Some("RB")),
    ("cyberpower_pr2200rt2uc", Some("cyberpower"), Some("")),
    ("dell-ups_rack3750w", None, None),
    ("dell-ups_tower1000w", None, None),
    ("deltaups", Some("delta_ups"), Some("")),
    ("deltaups_mini-snmp", Some("delta_ups"), Some("")),
    ("deltaups_rfc1628string", None, None),
    ("eaton-mgeups_5px", Some("mge"), Some("OL")),
    ("eaton-mgeups_93ps", Some("mge"), Some("OL")),
    ("eaton-mgeups_9px", Some("mge"), Some("OL")),
    ("eaton-mgeups_9pxle", Some("mge"), Some("OL")),
    ("eatonups", None, None),
    ("eatonups_eaton-connectups", Some("pw"), None),
    ("eatonupsm2_9px", Some("pw"), None),
    ("eatonupsm2_9px+empg2", Some("pw"), Some("OL")),
    ("generex-ups_cs121", Some("ietf"), Some("OL")),
    ("generex-ups_cs141", Some("ietf"), Some("OL BYPASS")),
    ("generex-ups_cs141-v22036", Some("ietf"), Some("OL")),
    ("huaweiups_ups2000", Some("tripplite"), Some("OL")),
    ("istars", Some("tripplite"), Some("OL")),
    ("liebert", None, None),
    ("liebert_apm", None, None),
    ("liebert_weblbds", None, None),
    ("marathonups", None, None),
    ("netagent2", None, None),
    ("netagent2_1", None, None),
    ("netmanplus_204", None, None),
    ("netmanplus_208", None, None),
    ("netmanplus_mct20", None, None),
    ("netvision-rfc", None, None),
    ("orvaldi-ups", None, None),
    ("poweralert_2", Some("tripplite"), Some("OL")),
    ("poweralert_ups", Some("tripplite"), Some("")),
    ("powerwalker-vfi_20kcpgpf133", Some("tripplite"), Some("OL")),
    ("powerwalker-vfi_500r1u", Some("tripplite"), Some("OL")),
    ("webpower-smart2", Some("tripplite"), Some("")),
];

/// Where our `ups.status` differs from 2.8.0's on purpose: the mapping
/// tables follow NUT's current sources (cyberpower MIB 0.56), whose
/// `cyberpower_power_status` maps 2 to `OL`; 2.8.0's 0.51 table did not.
const STATUS_FROM_NEWER_TABLES: &[(&str, &str)] = &[
    ("cyberpower", "OL"),
    ("cyberpower_cp1000pfclcd", "OL RB"),
    ("cyberpower_pr2200rt2uc", "OL"),
];

/// The tokens a `ups.status` may hold here: what the mapping tables can
/// produce, plus `ALARM`.
fn well_formed(status: &str) -> bool {
    let parsed: Status = status.parse().unwrap_or_default();
    let known = parsed
        .tokens()
        .iter()
        .all(|t| !matches!(t, StatusToken::Other(o) if o != "TEST" && o != "FAULT" && o != "OT"));
    let no_duplicates = {
        let mut seen = std::collections::BTreeSet::new();
        status.split_ascii_whitespace().all(|t| seen.insert(t))
    };
    known && no_duplicates
}

#[test]
fn engine_picks_the_mib_nut_picks_on_every_recording() {
    let Some(all) = parsed_recordings("engine_picks_the_mib_nut_picks_on_every_recording") else {
        return;
    };
    assert_eq!(all.len(), NUT_2_8_0.len());
    let dump = std::env::var("SNMP_DUMP").ok();
    let (mut detected, mut variables, mut status_match) = (0, 0, 0);
    for (name, mut rec) in all {
        let (_, nut_mib, nut_status) = NUT_2_8_0
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("{name}: no 2.8.0 result recorded"));
        let nut_mib = nut_mib.map(|m| if m == "pw" { "eaton_pw_nm2" } else { m });
        match Engine::detect(&mut rec, &Config::default()) {
            Ok(mut engine) => {
                assert_eq!(Some(engine.mib().name), nut_mib, "{name}: mibs=auto choice");
                engine.init(&mut rec);
                engine.update(&mut rec);
                let status = engine
                    .get("ups.status")
                    .unwrap_or_else(|| panic!("{name}: no ups.status"));
                assert!(well_formed(status), "{name}: odd ups.status {status:?}");
                let expected = STATUS_FROM_NEWER_TABLES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, s)| *s)
                    .or(*nut_status);
                if let Some(expected) = expected {
                    assert_eq!(status, expected, "{name}: ups.status");
                    status_match += 1;
                }
                if dump.as_deref() == Some(name.as_str()) {
                    for (k, v) in engine.variables() {
                        report(&format!("  {k}: {}", v.value));
                    }
                }
                detected += 1;
                variables += engine.variables().len();
                report(&format!(
                    "{name}: mib {} ({} {}), {} variables, {} commands, ups.status '{status}'",
                    engine.mib().name,
                    engine.mib().descriptor,
                    engine.mib().version,
                    engine.variables().len(),
                    engine.commands().len(),
                ));
            }
            Err(e) => {
                assert_eq!(e, Error::NoSupportedDevice, "{name}");
                assert_eq!(
                    nut_mib, None,
                    "{name}: NUT 2.8.0 detected {nut_mib:?}, we did not"
                );
                report(&format!("{name}: {e} (as NUT 2.8.0)"));
            }
        }
    }
    report(&format!(
        "engine over {} recordings: {detected} detected with the same MIB as NUT 2.8.0, {} undetected by both; \
         {variables} variables published; ups.status checked on {status_match}",
        NUT_2_8_0.len(),
        NUT_2_8_0.len() - detected
    ));
}
