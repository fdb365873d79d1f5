//! Our `snmp-ups`'s options: `mibs=--list`, NUT's fatal messages for bad
//! versions and SNMPv3 settings, an unknown mapping, an agent that does
//! not answer at start-up, and `-h` listing every option NUT lists.

use std::process::{Command, Output, Stdio};

use crate::support::{OUR_SNMP_UPS, REAL_SNMP_UPS, SimProcess, is_root, report, scratch};

/// Runs our snmp-ups `-s opt -x port=<agent>` with `options`, `-d 1`.
fn ours(agent: &str, options: &[&str]) -> Output {
    run(OUR_SNMP_UPS, agent, options)
}

/// Runs `driver -s opt -x port=<agent>` with `options`, `-d 1`.
fn run(driver: &str, agent: &str, options: &[&str]) -> Output {
    let state = scratch("options");
    let mut command = Command::new(driver);
    command.args(["-s", "opt", "-x", &format!("port={agent}")]);
    for option in options {
        command.args(["-x", option]);
    }
    command
        .args(["-d", "1"])
        .env("NUT_STATEPATH", &state)
        .env("NUT_CONFPATH", &state)
        .env("NUT_ALTPIDPATH", &state)
        .stdin(Stdio::null());
    if is_root() {
        command.args(["-u", "root"]);
    }
    let output = command.output().expect("snmp-ups runs");
    let _ = std::fs::remove_dir_all(&state);
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn mibs_list_prints_every_mapping_and_exits_without_an_agent() {
    // Port 9 (discard) on loopback: nothing answers, nothing is asked.
    let output = ours("127.0.0.1:9", &["mibs=--list"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let listing = stdout
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert_eq!(listing, nut_snmp::mib::list_text());
    assert!(listing.contains("eaton_pw_nm2"));
}

#[test]
fn bad_versions_and_v3_settings_stop_with_nut_messages() {
    let short = "authPassword=short";
    // In snmp-ups's order of checks: the level, the name, the passwords
    // the level needs, the protocol names, then net-snmp's key making.
    let cases: [(&[&str], &str); 11] = [
        (&["snmp_version=v4"], "Bad SNMP version: v4"),
        (&["snmp_version=v3"], "securityName is required for SNMPv3"),
        (
            &["snmp_version=v3", "secLevel=bogus"],
            "Bad SNMPv3 securityLevel: bogus",
        ),
        (
            &[
                "snmp_version=v3",
                "secName=u",
                "secLevel=authNoPriv",
                "authProtocol=MD4",
            ],
            "authPassword is required for SNMPv3 in authNoPriv mode",
        ),
        (
            &[
                "snmp_version=v3",
                "secName=u",
                "secLevel=authPriv",
                "authPassword=authpass1",
            ],
            "authPassword and privPassword are required for SNMPv3 in authPriv mode",
        ),
        (
            &[
                "snmp_version=v3",
                "secName=u",
                "secLevel=authPriv",
                "privPassword=privpass1",
            ],
            "authPassword and privPassword are required for SNMPv3 in authPriv mode",
        ),
        (
            &["snmp_version=v3", "secName=u", "authProtocol=MD4"],
            "Bad SNMPv3 authProtocol: MD4",
        ),
        (
            &["snmp_version=v3", "secName=u", "privProtocol=XX"],
            "Bad SNMPv3 privProtocol: XX",
        ),
        (
            &[
                "snmp_version=v3",
                "secName=u",
                "authProtocol=MD4",
                "privProtocol=XX",
            ],
            "Bad SNMPv3 authProtocol: MD4",
        ),
        (
            &["snmp_version=v3", "secName=u", "secLevel=authNoPriv", short],
            "Error: passphrase chosen is below the length requirements of the USM (min=8).\n\
             Error generating Ku from authentication pass phrase",
        ),
        (
            &[
                "snmp_version=v3",
                "secName=u",
                "secLevel=authPriv",
                "authPassword=authpass1",
                "privPassword=short",
            ],
            "Error generating Ku from privacy pass phrase",
        ),
    ];
    let real = std::path::Path::new(REAL_SNMP_UPS).exists();
    for (options, message) in cases {
        let output = ours("127.0.0.1:9", options);
        assert_eq!(output.status.code(), Some(1), "{options:?}");
        assert!(
            stderr(&output).contains(message),
            "{options:?}: {}",
            stderr(&output)
        );
        if real {
            let real = run(REAL_SNMP_UPS, "127.0.0.1:9", options);
            assert_eq!(real.status.code(), Some(1), "real {options:?}");
            assert!(
                stderr(&real).contains(message),
                "real {options:?}: {}",
                stderr(&real)
            );
        }
    }
    report(&format!(
        "snmp-ups fatal option messages: {} cases{}",
        cases.len(),
        if real {
            ", real 2.8.0 prints the same"
        } else {
            " (real snmp-ups not installed: ours only)"
        }
    ));
}

#[test]
fn an_unknown_mapping_or_a_silent_agent_stops_start_up_with_the_reason() {
    let sim = SimProcess::start(&["--port", "0"]);
    let unknown = ours(&sim.addr, &["mibs=nosuch"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("Unknown 'mibs' value: nosuch"));
    let absent = ours(&sim.addr, &["mibs=apcc"]);
    assert_eq!(absent.status.code(), Some(1));
    assert!(stderr(&absent).contains("apcc"), "{}", stderr(&absent));
    // The wrong community: the agent ignores us, as real agents do.
    let silent = ours(
        &sim.addr,
        &["community=wrong", "snmp_timeout=1", "snmp_retries=0"],
    );
    assert_eq!(silent.status.code(), Some(1));
    let text = stderr(&silent);
    assert!(
        text.contains(&format!(
            "No supported device detected at [opt] (host {})",
            sim.addr
        )) && text.contains("no usable answer"),
        "{text}"
    );
    report(&format!(
        "snmp-ups start-up failures: {}",
        text.lines().last().unwrap_or_default()
    ));
}

#[test]
fn help_lists_the_options_real_snmp_ups_lists() {
    let ours = Command::new(OUR_SNMP_UPS).arg("-h").output().expect("runs");
    let ours = String::from_utf8_lossy(&ours.stdout).into_owned();
    let options_of = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.rsplit_once(": -x ").map(|(_, o)| o))
            .map(|o| o.split('=').next().unwrap_or_default().to_owned())
            .collect()
    };
    let listed = options_of(&ours);
    assert!(listed.contains(&"snmp_version".to_owned()), "{ours}");
    if std::path::Path::new(REAL_SNMP_UPS).exists() {
        let real = Command::new(REAL_SNMP_UPS)
            .arg("-h")
            .output()
            .expect("runs");
        let real = String::from_utf8_lossy(&real.stdout).into_owned();
        assert_eq!(listed, options_of(&real));
    }
}
