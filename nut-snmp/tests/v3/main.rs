//! SNMPv3 over UDP on loopback (port 0 everywhere): our client against
//! our v3 simulator at every security level with every protocol snmp-ups
//! offers, typed refusals, resynchronisation after an agent reboot, lossy
//! and stale answers; net-snmp's `snmpget`/`snmpwalk` against our agent and
//! our client against net-snmp's `snmpd` when they are installed; and real
//! `snmp-ups` 2.8.0 reading our v3 agent like it reads it over v2c.

mod client;
mod fuzz;
mod netsnmp;
mod oracle;

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use nut_snmp::Recording;
use nut_snmp::udp::{
    AuthProtocol, Behaviour, PrivProtocol, Running, Simulator, SnmpVersion, TransportConfig,
    V3Config,
};

/// Prints past the harness's capture, so counts show in a plain run.
pub fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Every corpus recording by name, or `None` (SKIPPED, or a failure under
/// `CI`) when the corpus is missing.
pub fn corpus(test: &str) -> Option<Vec<(String, Recording)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/snmp/librenms");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus missing at {}",
            dir.display()
        );
        report(&format!(
            "SKIPPED {test}: SNMP corpus not found at {}",
            dir.display()
        ));
        return None;
    };
    let mut out: Vec<(String, Recording)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "snmprec"))
        .map(|e| {
            let stem = e
                .path()
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            let bytes = std::fs::read(e.path()).expect("recording is readable");
            (stem, Recording::parse(&bytes).expect("recording parses"))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

/// A small IETF UPS-MIB agent.
pub fn ietf_agent(on_battery: bool) -> Recording {
    let (source, charge) = if on_battery { (5, 80) } else { (3, 100) };
    let text = format!(
        "1.3.6.1.2.1.1.1.0|4|nut-rs simulated UPS\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33\n\
         1.3.6.1.2.1.33.1.1.1.0|4|Acme\n1.3.6.1.2.1.33.1.1.2.0|4|SIM 3000\n\
         1.3.6.1.2.1.33.1.2.1.0|2|2\n1.3.6.1.2.1.33.1.2.4.0|2|{charge}\n\
         1.3.6.1.2.1.33.1.4.1.0|2|{source}\n1.3.6.1.2.1.33.1.9.8.0|2|2\n"
    );
    Recording::parse(text.as_bytes()).expect("generated recording parses")
}

/// The authPriv SHA/AES user the oracle and net-snmp tests use.
pub fn sha_aes_user() -> V3Config {
    V3Config::new("nutmon")
        .with_auth(AuthProtocol::Sha1, "authpass123")
        .with_privacy(PrivProtocol::Aes128, "privpass123")
}

/// A simulator on a free loopback port serving `users` (each reading the
/// recording of the same index) and v1/v2c communities of the same names.
pub fn serve(users: &[(V3Config, String, Recording)], behaviour: Behaviour) -> (Running, String) {
    let mut sim = Simulator::bind(("127.0.0.1", 0)).expect("loopback socket");
    sim.set_behaviour(behaviour);
    for (user, target, recording) in users {
        sim.insert_v3_user(user, target, recording.clone())
            .expect("valid user");
    }
    let running = sim.spawn();
    let addr = running.addr().expect("bound address");
    (running, format!("127.0.0.1:{}", addr.port()))
}

/// A v3 transport configuration.
pub fn v3_config(user: &V3Config, timeout_ms: u64, retries: u32) -> TransportConfig {
    let mut config = TransportConfig::default();
    config.version = SnmpVersion::V3;
    config.v3 = Some(user.clone());
    config.timeout = Duration::from_millis(timeout_ms);
    config.retries = retries;
    config
}
