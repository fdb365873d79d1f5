//! `snmp-ups` over SNMPv3 (USM):
//!
//! * ours reads `nut sim snmp`'s built-in device at every security level
//!   (authPriv SHA/AES, authNoPriv MD5, noAuthNoPriv), users given with
//!   `--v3-user`/`--auth`/`--priv`, and publishes what it publishes over
//!   v2c, console changes included;
//! * real NUT 2.8.0 and ours read the same v3 agent (every protocol pair
//!   snmp-ups offers on an RFC 1628 device, corpus recordings over
//!   SHA/AES) and publish the same variables;
//! * a wrong password, privacy password or user name: no data, and the
//!   start-up stops at once with exit 1, as real snmp-ups does; our log
//!   line names the agent, the user and the USM report.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use nut_snmp::Recording;
use nut_snmp::udp::sim::lock_usm;
use nut_snmp::udp::{AuthProtocol, PrivProtocol, Running, Simulator, V3Config};

use crate::support::{
    OUR_SNMP_UPS, REAL_SNMP_UPS, Run, SimProcess, compare, real_nut, recordings, report,
    run_driver, scratch,
};

const AUTH_PASSWORD: &str = "authpass123";
const PRIV_PASSWORD: &str = "privpass123";
/// Corpus recordings read over v3 by both drivers (2.8.0 reads each over
/// v2c without its noSuchInstance hang; several MIBs).
const CORPUS_OVER_V3: &[&str] = &[
    "apc_smt750x-nmc2",
    "cyberpower_cp1000pfclcd",
    "eaton-mgeups_9px",
    "generex-ups_cs141",
];
/// A start-up the agent refuses ends well within this (reports come at
/// once: no time-outs, no tries).
const REFUSAL_LIMIT: Duration = Duration::from_secs(10);

/// An RFC 1628 UPS-MIB device (2.8.0 reads it over v2c and v3 alike).
fn rfc1628_device() -> Recording {
    Recording::parse(
        b"1.3.6.1.2.1.1.1.0|4|RFC 1628 agent\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33\n\
          1.3.6.1.2.1.33.1.1.1.0|4|Acme\n1.3.6.1.2.1.33.1.1.2.0|4|SIM 3000\n\
          1.3.6.1.2.1.33.1.2.1.0|2|2\n1.3.6.1.2.1.33.1.2.3.0|2|45\n\
          1.3.6.1.2.1.33.1.2.4.0|2|100\n1.3.6.1.2.1.33.1.4.1.0|2|3\n",
    )
    .expect("the RFC 1628 device parses")
}

/// A user of `level` with the protocols named as snmp-ups names them.
fn user(name: &str, auth: Option<&str>, privacy: Option<&str>) -> V3Config {
    let mut user = V3Config::new(name);
    if let Some(auth) = auth {
        let protocol: AuthProtocol = auth.parse().expect("auth protocol");
        user = user.with_auth(protocol, AUTH_PASSWORD);
    }
    if let Some(privacy) = privacy {
        let protocol: PrivProtocol = privacy.parse().expect("priv protocol");
        user = user.with_privacy(protocol, PRIV_PASSWORD);
    }
    user
}

/// snmp-ups's `-x` options for `user` (its level, protocols, passwords).
fn v3_options(user: &V3Config) -> Vec<String> {
    vec![
        "snmp_version=v3".to_owned(),
        format!("secName={}", user.user),
        format!("secLevel={}", user.level),
        format!("authProtocol={}", user.auth_protocol),
        format!("authPassword={}", user.auth_password),
        format!("privProtocol={}", user.priv_protocol),
        format!("privPassword={}", user.priv_password),
    ]
    .into_iter()
    // An empty password is an option not given (noAuthNoPriv's).
    .filter(|o| !o.ends_with('='))
    .collect()
}

/// Runs `driver -d 1` over v3 as `options` say.
fn run_v3(driver: &str, state: &Path, agent: &str, options: &[String]) -> Run {
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    run_driver(driver, state, agent, "unused", &options, &["-d", "1"])
}

/// The variables without the `driver.parameter.*` the version and v3
/// options add (the rest must not depend on the version).
fn without_version_parameters(vars: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut vars = vars.clone();
    for option in ["snmp_version", "secLevel", "authProtocol", "privProtocol"] {
        vars.remove(&format!("driver.parameter.{option}"));
    }
    vars
}

/// Serves `users` (user, recording name, recording) in process.
fn serve(users: &[(V3Config, String, Recording)]) -> (Running, String) {
    let sim = Simulator::bind("127.0.0.1:0").expect("simulator binds");
    for (user, target, recording) in users {
        sim.insert_v3_user(user, target, recording.clone())
            .expect("valid user");
    }
    let running = sim.spawn();
    let agent = running.addr().expect("address").to_string();
    (running, agent)
}

#[test]
fn our_snmp_ups_reads_nut_sim_snmp_over_every_v3_level_as_over_v2c() {
    let users = [
        user("sealer", Some("SHA"), Some("AES")),
        user("signer", Some("MD5"), None),
        user("open", None, None),
    ];
    let mut sim = SimProcess::start(&[
        "--port",
        "0",
        "--v3-user",
        "sealer",
        "--auth",
        &format!("SHA:{AUTH_PASSWORD}"),
        "--priv",
        &format!("AES:{PRIV_PASSWORD}"),
        "--v3-user",
        "signer",
        "--auth",
        &format!("MD5:{AUTH_PASSWORD}"),
        "--v3-user",
        "open",
    ]);
    let state = scratch("v3-levels");
    let v2c = run_driver(
        OUR_SNMP_UPS,
        &state,
        &sim.addr,
        "public",
        &["snmp_version=v2c"],
        &["-d", "1"],
    );
    assert_eq!(v2c.code, Some(0), "{}", v2c.log);
    let expected = without_version_parameters(&v2c.vars);
    assert!(expected.len() >= 30, "{expected:?}");
    for user in &users {
        let run = run_v3(OUR_SNMP_UPS, &state, &sim.addr, &v3_options(user));
        let level = user.level.to_string();
        assert_eq!(run.code, Some(0), "{level}: {}", run.log);
        assert_eq!(
            run.vars.get("driver.parameter.secLevel"),
            Some(&level),
            "{level}"
        );
        // secName and the passwords are sensitive: never published.
        assert!(
            run.vars
                .iter()
                .all(|(k, v)| !k.contains("secName") && !v.contains("pass123")),
            "{level}: {:?}",
            run.vars
        );
        assert_eq!(without_version_parameters(&run.vars), expected, "{level}");
        assert_eq!(run.mib, v2c.mib, "{level}");
    }
    // The console changes the recording v2c and v3 both read.
    let reply = sim.command("battery");
    assert!(reply.starts_with("XUPS-MIB"), "{reply}");
    let on_battery = run_v3(OUR_SNMP_UPS, &state, &sim.addr, &v3_options(&users[0]));
    assert_eq!(
        on_battery.vars.get("ups.status").map(String::as_str),
        Some("OB DISCHRG")
    );
    let _ = std::fs::remove_dir_all(&state);
    report(&format!(
        "snmp-ups v3 (ours, nut sim snmp): authPriv SHA/AES, authNoPriv MD5 and noAuthNoPriv \
         each publish the {} variables v2c publishes; console 'battery' seen over v3",
        expected.len()
    ));
}

#[test]
fn real_and_our_snmp_ups_agree_over_v3() {
    let test = "real_and_our_snmp_ups_agree_over_v3";
    if !real_nut(test) {
        return;
    }
    // Every protocol snmp-ups offers, on the RFC 1628 device; each user
    // reads its own copy (snmp-ups sends the empty context name).
    let pairs: [(Option<&str>, Option<&str>); 7] = [
        (Some("SHA"), Some("AES")),
        (Some("SHA256"), Some("AES256")),
        (Some("SHA384"), Some("DES")),
        (Some("SHA512"), Some("AES192")),
        (Some("MD5"), Some("DES")),
        (Some("MD5"), None),
        (None, None),
    ];
    let mut served: Vec<(V3Config, String, Recording)> = pairs
        .iter()
        .enumerate()
        .map(|(i, (auth, privacy))| {
            (
                user(&format!("rfc{i}"), *auth, *privacy),
                "rfc1628".to_owned(),
                rfc1628_device(),
            )
        })
        .collect();
    if let Some(all) = recordings(test) {
        for (name, rec) in all {
            if CORPUS_OVER_V3.contains(&name.as_str()) {
                let user = user(&format!("{name}-user"), Some("SHA"), Some("AES"));
                served.push((user, name, rec));
            }
        }
        assert_eq!(served.len(), pairs.len() + CORPUS_OVER_V3.len());
    }
    let (_running, agent) = serve(&served);
    let state = scratch("v3-oracle");
    let mut variables = 0;
    let mut named = Vec::new();
    for (user, recording, _) in &served {
        let label = format!(
            "{recording} as {} ({} {}/{})",
            user.user, user.level, user.auth_protocol, user.priv_protocol
        );
        let options = v3_options(user);
        let real = run_v3(REAL_SNMP_UPS, &state, &agent, &options);
        let ours = run_v3(OUR_SNMP_UPS, &state, &agent, &options);
        assert_eq!(real.code, Some(0), "{label}: real: {}", real.log);
        assert_eq!(ours.code, Some(0), "{label}: ours: {}", ours.log);
        assert_eq!(real.mib, ours.mib, "{label}: mibs=auto choice");
        let reasons =
            compare(recording, &real.vars, &ours.vars).unwrap_or_else(|e| panic!("{label}: {e}"));
        for (reason, keys) in reasons {
            named.push(format!("{label}: {} — {reason}", keys.join(" ")));
        }
        variables += real.vars.len();
    }
    for line in &named {
        report(&format!("snmp-ups v3 oracle: named difference {line}"));
    }
    let _ = std::fs::remove_dir_all(&state);
    report(&format!(
        "snmp-ups v3 oracle: real 2.8.0 and ours agree on {} v3 users ({} protocol pairs on \
         RFC 1628, {} corpus recordings over SHA/AES); {variables} variables compared, \
         {} named differences",
        served.len(),
        pairs.len(),
        served.len() - pairs.len(),
        named.len()
    ));
}

/// One refused start-up: exit 1 at once, nothing published.
fn assert_refused(driver: &str, label: &str, run: &Run, took: Duration, agent: &str) {
    assert_eq!(run.code, Some(1), "{label} {driver}: {}", run.log);
    assert!(run.vars.is_empty(), "{label} {driver}: {:?}", run.vars);
    assert!(took < REFUSAL_LIMIT, "{label} {driver}: took {took:?}");
    assert!(
        run.log.contains(&format!(
            "No supported device detected at [oracle] (host {agent})"
        )),
        "{label} {driver}: {}",
        run.log
    );
}

#[test]
fn a_wrong_password_or_user_stops_start_up_at_once_as_real_snmp_ups_does() {
    let sealer = user("nutmon", Some("SHA"), Some("AES"));
    let (running, agent) = serve(&[(sealer.clone(), "rfc1628".to_owned(), rfc1628_device())]);
    let with_real =
        real_nut("a_wrong_password_or_user_stops_start_up_at_once_as_real_snmp_ups_does");
    let state = scratch("v3-refused");
    let mut wrong_auth = sealer.clone();
    wrong_auth.auth_password = "wrongpass123".to_owned();
    let mut wrong_priv = sealer.clone();
    wrong_priv.priv_password = "wrongpass123".to_owned();
    let mut unknown = sealer.clone();
    unknown.user = "nobody".to_owned();
    let cases = [
        ("wrong authPassword", &wrong_auth, "usmStatsWrongDigests"),
        (
            "wrong privPassword",
            &wrong_priv,
            "usmStatsDecryptionErrors",
        ),
        ("unknown secName", &unknown, "usmStatsUnknownUserNames"),
    ];
    let stats = || lock_usm(&running.v3()).stats();
    for (label, user, counter) in cases {
        // snmp-ups's default tries (snmp_retries=5): a report is final.
        let options = v3_options(user);
        let before = stats();
        let began = Instant::now();
        let ours = run_v3(OUR_SNMP_UPS, &state, &agent, &options);
        assert_refused("ours", label, &ours, began.elapsed(), &agent);
        let needle = format!("SNMPv3 agent {agent} refused user '{}'", user.user);
        assert!(
            ours.log.contains(&needle) && ours.log.contains(counter),
            "{label}: our log must name the agent, the user and {counter}: {}",
            ours.log
        );
        let after = stats();
        let counted = match counter {
            "usmStatsWrongDigests" => after.wrong_digests > before.wrong_digests,
            "usmStatsDecryptionErrors" => after.decryption_errors > before.decryption_errors,
            _ => after.unknown_user_names > before.unknown_user_names,
        };
        assert!(
            counted,
            "{label}: the agent counted no {counter}: {after:?}"
        );
        if with_real {
            let began = Instant::now();
            let real = run_v3(REAL_SNMP_UPS, &state, &agent, &options);
            assert_refused("real", label, &real, began.elapsed(), &agent);
        }
        report(&format!(
            "snmp-ups v3 {label}: exit 1 at once, nothing published{}; ours logs: {}",
            if with_real {
                " (real 2.8.0: the same)"
            } else {
                ""
            },
            ours.log.lines().last().unwrap_or_default()
        ));
    }
    // The right user still reads it (the refusals were the passwords').
    let right = run_v3(OUR_SNMP_UPS, &state, &agent, &v3_options(&sealer));
    assert_eq!(right.code, Some(0), "{}", right.log);
    let _ = std::fs::remove_dir_all(&state);
}
