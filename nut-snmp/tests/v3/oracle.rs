//! The oracle: NUT's real `snmp-ups` 2.8.0 reads recordings from our
//! simulator over SNMPv3 (authPriv, SHA/AES as the brief's command line;
//! other protocol pairs on the IETF agent) and must publish exactly what
//! it publishes reading the same recordings over v2c.
//!
//! Without `/lib/nut/snmp-ups` it prints a SKIPPED line (and fails when
//! env `CI` is set: CI installs `nut-snmp`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nut_snmp::Recording;
use nut_snmp::udp::{AuthProtocol, Behaviour, PrivProtocol, Simulator, V3Config};

use crate::{corpus, ietf_agent, report};

const SNMP_UPS: &str = "/lib/nut/snmp-ups";
/// Recordings read over both versions: several MIBs (apcc, cyberpower,
/// mge, pw, ietf, huawei).
const RECORDINGS: &[&str] = &[
    "apc_smt750x-nmc2",
    "cyberpower_cp1000pfclcd",
    "eaton-mgeups_9px",
    "eatonupsm2_9px+empg2",
    "generex-ups_cs141",
    "huaweiups_ups2000",
];
/// snmp-ups's own time limit per run.
const RUN_LIMIT: Duration = Duration::from_secs(40);

fn available(test: &str) -> bool {
    if Path::new(SNMP_UPS).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{SNMP_UPS} missing (CI installs nut-snmp)"
    );
    report(&format!(
        "SKIPPED {test}: {SNMP_UPS} not installed (apt-get install nut-snmp)"
    ));
    false
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nut-snmp-v3-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let _ = std::fs::write(dir.join("ups.conf"), "");
    dir
}

/// `snmp-ups -d 1` with `options`; its variables without `driver.*`
/// (`driver.version.data` kept), or `None` when it failed.
fn real_snmp_ups(state: &Path, peer: &str, options: &[String]) -> Option<BTreeMap<String, String>> {
    let mut command = Command::new(SNMP_UPS);
    command
        .args(["-s", "oracle", "-x", &format!("port={peer}")])
        .args(["-x", "mibs=auto", "-x", "pollfreq=1", "-d", "1"]);
    for option in options {
        command.args(["-x", option]);
    }
    command
        .env("NUT_STATEPATH", state)
        .env("NUT_CONFPATH", state)
        .env("NUT_ALTPIDPATH", state)
        .env("MIBS", "")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if is_root() {
        command.args(["-u", "root"]);
    }
    let mut child = command.spawn().ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) => return None,
            Ok(None) if started.elapsed() > RUN_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return None,
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut()?, &mut out).ok()?;
    let mut vars = BTreeMap::new();
    for line in out.lines().skip(1) {
        if let Some((k, v)) = line
            .split_once(": ")
            .filter(|(k, _)| !k.contains(' ') && k.contains('.'))
        {
            vars.insert(k.to_owned(), v.to_owned());
        }
    }
    vars.retain(|k: &String, _| !k.starts_with("driver.") || k == "driver.version.data");
    Some(vars)
}

fn v3_options(user: &V3Config, auth: &str, privacy: &str) -> Vec<String> {
    [
        "snmp_version=v3".to_owned(),
        "secLevel=authPriv".to_owned(),
        format!("secName={}", user.user),
        format!("authPassword={}", user.auth_password),
        format!("privPassword={}", user.priv_password),
        format!("authProtocol={auth}"),
        format!("privProtocol={privacy}"),
    ]
    .to_vec()
}

#[test]
fn real_snmp_ups_reads_our_v3_agent_as_over_v2c() {
    let test = "real_snmp_ups_reads_our_v3_agent_as_over_v2c";
    let Some(all) = corpus(test) else { return };
    if !available(test) {
        return;
    }
    let mut chosen: Vec<(String, Recording)> = all
        .into_iter()
        .filter(|(name, _)| RECORDINGS.contains(&name.as_str()))
        .collect();
    chosen.push(("ietf-sim".to_owned(), ietf_agent(true)));
    // Each recording: a v2c community and a v3 user of its own (snmp-ups
    // sends the empty context name, so the user picks the recording).
    let sim = Simulator::bind(("127.0.0.1", 0)).expect("loopback socket");
    let mut users = Vec::new();
    for (index, (name, rec)) in chosen.iter().enumerate() {
        let (auth, privacy) = if name == "ietf-sim" {
            ("SHA256", "AES256")
        } else {
            ("SHA", "AES")
        };
        let user = V3Config::new(&format!("nut{index}"))
            .with_auth(auth.parse::<AuthProtocol>().unwrap(), "authpass123")
            .with_privacy(privacy.parse::<PrivProtocol>().unwrap(), "privpass123");
        sim.insert_v3_user(&user, name, rec.clone()).expect("user");
        users.push((user, auth, privacy));
    }
    let mut sim = sim;
    sim.set_behaviour(Behaviour::default());
    let running = sim.spawn();
    let peer = format!("127.0.0.1:{}", running.addr().expect("address").port());
    let state = scratch();
    let (mut compared, mut variables) = (0, 0);
    for ((name, _), (user, auth, privacy)) in chosen.iter().zip(&users) {
        let v2c = real_snmp_ups(
            &state,
            &peer,
            &["snmp_version=v2c".to_owned(), format!("community={name}")],
        );
        let Some(v2c) = v2c else {
            report(&format!(
                "oracle v3 {name}: snmp-ups does not start over v2c either"
            ));
            continue;
        };
        let v3 =
            real_snmp_ups(&state, &peer, &v3_options(user, auth, privacy)).unwrap_or_else(|| {
                panic!("{name}: snmp-ups read it over v2c but not over v3 ({auth}/{privacy})")
            });
        assert_eq!(
            v3, v2c,
            "{name}: snmp-ups over v3 ({auth}/{privacy}) and over v2c"
        );
        compared += 1;
        variables += v3.len();
        report(&format!(
            "oracle v3 {name} ({auth}/{privacy}): match, {} variables, {}",
            v3.len(),
            v3.get("driver.version.data").map_or("", String::as_str)
        ));
    }
    // A wrong password: snmp-ups does not start.
    let mut wrong = users[0].0.clone();
    wrong.auth_password = "wrongpass123".to_owned();
    assert!(
        real_snmp_ups(&state, &peer, &v3_options(&wrong, users[0].1, users[0].2)).is_none(),
        "snmp-ups must fail with a wrong authPassword"
    );
    let stats = nut_snmp::udp::sim::lock_usm(&running.v3()).stats();
    assert!(stats.wrong_digests >= 1, "{stats:?}");
    let _ = std::fs::remove_dir_all(&state);
    report(&format!(
        "oracle v3: real snmp-ups 2.8.0 read {compared} of {} recordings over SNMPv3 authPriv exactly as over v2c \
         ({variables} variables compared); a wrong authPassword fails ({} wrongDigests reports)",
        chosen.len(),
        stats.wrong_digests
    ));
    assert!(compared >= 2, "only {compared} recordings compared");
}
