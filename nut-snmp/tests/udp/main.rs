//! The UDP client against the agent simulator on loopback (ports
//! 14110–14119): walks and the engine over the network equal the same over
//! the recording, for every corpus recording; and misbehaving agents
//! (silent, lossy, stale or garbage answers, looping walks) give typed
//! errors in bounded time, never a wrong value.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use nut_snmp::udp::{Behaviour, Client, Running, Simulator, SnmpVersion, TransportConfig};
use nut_snmp::{Config, Engine, Error, Oid, Recording, Value};

/// Prints past the harness's capture, so counts show in a plain run.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn corpus() -> Option<Vec<(String, Recording)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/snmp/librenms");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus missing at {}",
            dir.display()
        );
        report(&format!(
            "SKIPPED: SNMP corpus not found at {}",
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
            let rec = Recording::parse(&bytes).expect("recording parses");
            (stem, rec)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

fn serve(port: u16, recordings: &[(String, Recording)], behaviour: Behaviour) -> Running {
    let mut sim = Simulator::bind(("127.0.0.1", port)).expect("test port is free");
    sim.set_behaviour(behaviour);
    for (community, rec) in recordings {
        sim.insert(community, rec.clone());
    }
    sim.spawn()
}

fn config(version: SnmpVersion, community: &str, timeout_ms: u64, retries: u32) -> TransportConfig {
    let mut config = TransportConfig::default();
    config.version = version;
    config.community = community.to_owned();
    config.timeout = Duration::from_millis(timeout_ms);
    config.retries = retries;
    config
}

fn everything() -> Oid {
    "1.3".parse().expect("valid OID")
}

#[test]
fn every_recording_walks_the_same_over_udp() {
    let Some(all) = corpus() else { return };
    let _sim = serve(14110, &all, Behaviour::default());
    let mut varbinds = 0;
    for (name, rec) in &all {
        let expected: Vec<(Oid, Value)> = rec.iter().map(|(o, v)| (o.clone(), v.clone())).collect();
        let mut bulk =
            Client::connect("127.0.0.1:14110", &config(SnmpVersion::V2c, name, 500, 2)).unwrap();
        let walked = bulk.walk(&everything(), usize::MAX).unwrap();
        assert_eq!(walked, expected, "{name}: GETBULK walk");
        // v1 cannot carry Counter64: the agent skips them in GETNEXT.
        let v1_expected: Vec<(Oid, Value)> = expected
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Counter64(_)))
            .cloned()
            .collect();
        let mut next =
            Client::connect("127.0.0.1:14110", &config(SnmpVersion::V1, name, 500, 2)).unwrap();
        assert_eq!(
            next.walk(&everything(), usize::MAX).unwrap(),
            v1_expected,
            "{name}: GETNEXT walk"
        );
        varbinds += walked.len();
    }
    report(&format!(
        "walked {} recordings over UDP: {varbinds} varbinds, GETBULK and GETNEXT",
        all.len()
    ));
}

#[test]
fn engine_over_udp_matches_engine_over_the_recording() {
    let Some(all) = corpus() else { return };
    let _sim = serve(14111, &all, Behaviour::default());
    let mut detected = 0;
    for (name, rec) in &all {
        let mut local = rec.clone();
        let offline = Engine::detect(&mut local, &Config::default()).map(|mut e| {
            e.init(&mut local);
            e.update(&mut local);
            e
        });
        for version in [SnmpVersion::V1, SnmpVersion::V2c] {
            let mut client =
                Client::connect("127.0.0.1:14111", &config(version, name, 500, 2)).unwrap();
            let online = Engine::detect(&mut client, &Config::default()).map(|mut e| {
                e.init(&mut client);
                e.update(&mut client);
                e
            });
            assert!(
                client.last_error().is_none(),
                "{name}: {:?}",
                client.last_error()
            );
            match (&offline, &online) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.mib().descriptor, b.mib().descriptor, "{name}");
                    assert_eq!(a.variables(), b.variables(), "{name} {version:?}");
                    assert_eq!(a.commands(), b.commands(), "{name} {version:?}");
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
                _ => panic!("{name}: detection differs over UDP"),
            }
        }
        detected += usize::from(offline.is_ok());
    }
    report(&format!(
        "engine over UDP (v1 and v2c) equals engine over the recording on {} recordings ({detected} detected)",
        all.len()
    ));
}

fn ietf_agent(status: &str) -> Recording {
    let (source, battery, charge) = match status {
        "OL" => (3, 2, 100),
        "OB" => (5, 2, 80),
        _ => (5, 3, 10),
    };
    let text = format!(
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33\n1.3.6.1.2.1.33.1.1.2.0|4|SIM\n1.3.6.1.2.1.33.1.2.1.0|2|{battery}\n\
         1.3.6.1.2.1.33.1.2.4.0|2|{charge}\n1.3.6.1.2.1.33.1.4.1.0|2|{source}\n1.3.6.1.2.1.33.1.9.8.0|2|2\n"
    );
    Recording::parse(text.as_bytes()).expect("generated recording parses")
}

#[test]
fn status_changes_and_sets_reach_the_agent() {
    let sim = serve(
        14116,
        &[("live".to_owned(), ietf_agent("OL"))],
        Behaviour::default(),
    );
    let mut client =
        Client::connect("127.0.0.1:14116", &config(SnmpVersion::V2c, "live", 500, 2)).unwrap();
    let mut engine = Engine::detect(&mut client, &Config::default()).unwrap();
    engine.init(&mut client);
    let mut seen = Vec::new();
    for state in ["OL", "OB", "OB LB"] {
        nut_snmp::udp::sim::lock(&sim.agents()).insert("live".to_owned(), ietf_agent(state));
        engine.update(&mut client);
        seen.push(engine.get("ups.status").unwrap_or_default().to_owned());
    }
    assert_eq!(seen, ["OL", "OB", "LB OB"]);
    // beeper.disable is a SET of INTEGER 1 on upsConfigAudibleStatus.
    let request = engine.instant_command("beeper.disable", None).unwrap();
    client.set(&request).unwrap();
    engine.update(&mut client);
    assert_eq!(engine.get("ups.beeper.status"), Some("disabled"));
    // A SET to an OID the agent lacks is refused with its error status.
    let mut missing = request.clone();
    missing.oid = "1.3.6.1.2.1.33.1.8.2.0".parse().unwrap();
    assert!(matches!(client.set(&missing), Err(Error::SetFailed { .. })));
}

#[test]
fn a_silent_agent_times_out_within_its_tries() {
    let _sim = serve(
        14112,
        &[("public".to_owned(), ietf_agent("OL"))],
        Behaviour {
            silent: true,
            ..Behaviour::default()
        },
    );
    let mut client =
        Client::connect("127.0.0.1:14112", &config(SnmpVersion::V1, "public", 60, 2)).unwrap();
    let started = Instant::now();
    let err = client
        .get_value(&"1.3.6.1.2.1.33.1.1.2.0".parse().unwrap())
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Timeout { tries: 3, .. }), "{err}");
    assert!(
        err.to_string().contains("127.0.0.1:14112"),
        "the message names the agent: {err}"
    );
    assert!(
        elapsed >= Duration::from_millis(170) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    // Through the Agent interface: no value, and the error kept for the log.
    let mut engine = Engine::for_mib(
        nut_snmp::Mib::named("ietf").next().unwrap(),
        &Config::default(),
    );
    let client_timeout = config(SnmpVersion::V1, "public", 5, 0);
    let mut fast = Client::connect("127.0.0.1:14112", &client_timeout).unwrap();
    assert!(!engine.init(&mut fast));
    assert_eq!(
        engine.get("ups.status"),
        Some(""),
        "nothing read, nothing claimed"
    );
    assert!(fast.last_error().is_some());
}

#[test]
fn stale_duplicate_and_garbage_answers_are_discarded() {
    let agents = [("public".to_owned(), ietf_agent("OB"))];
    let behaviour = Behaviour {
        stale_first: true,
        garbage_first: true,
        ..Behaviour::default()
    };
    let _sim = serve(14113, &agents, behaviour);
    let mut client = Client::connect(
        "127.0.0.1:14113",
        &config(SnmpVersion::V2c, "public", 300, 1),
    )
    .unwrap();
    let mut engine = Engine::detect(&mut client, &Config::default()).unwrap();
    engine.init(&mut client);
    engine.update(&mut client);
    assert!(client.last_error().is_none(), "{:?}", client.last_error());
    assert_eq!(engine.get("ups.status"), Some("OB"));
    assert_eq!(engine.get("battery.charge"), Some("80"));
    // A wrong community is ignored by the agent, as real agents do.
    let mut stranger = Client::connect(
        "127.0.0.1:14113",
        &config(SnmpVersion::V2c, "private", 50, 0),
    )
    .unwrap();
    assert!(matches!(
        stranger.get_value(&"1.3.6.1.2.1.1.2.0".parse().unwrap()),
        Err(Error::Timeout { .. })
    ));
}

#[test]
fn a_lossy_agent_is_read_through_retries() {
    let agents = [("public".to_owned(), ietf_agent("OL"))];
    let _sim = serve(
        14115,
        &agents,
        Behaviour {
            answer_every: 2,
            ..Behaviour::default()
        },
    );
    let mut client =
        Client::connect("127.0.0.1:14115", &config(SnmpVersion::V1, "public", 80, 3)).unwrap();
    let mut engine = Engine::detect(&mut client, &Config::default()).unwrap();
    engine.init(&mut client);
    engine.update(&mut client);
    assert_eq!(engine.get("ups.status"), Some("OL"));
    assert!(client.last_error().is_none(), "{:?}", client.last_error());
}

#[test]
fn a_looping_walk_is_reported() {
    let agents = [("public".to_owned(), ietf_agent("OL"))];
    let _sim = serve(
        14114,
        &agents,
        Behaviour {
            loop_walks: true,
            ..Behaviour::default()
        },
    );
    for version in [SnmpVersion::V1, SnmpVersion::V2c] {
        let mut client =
            Client::connect("127.0.0.1:14114", &config(version, "public", 300, 1)).unwrap();
        let err = client
            .walk(&"1.3.6.1.2.1.33".parse().unwrap(), 1000)
            .unwrap_err();
        assert!(matches!(err, Error::WalkLoop { .. }), "{version:?}: {err}");
    }
    // Walks stay bounded by their limit on a faithful agent too.
    let _ok = serve(14117, &agents, Behaviour::default());
    let mut client = Client::connect(
        "127.0.0.1:14117",
        &config(SnmpVersion::V2c, "public", 300, 1),
    )
    .unwrap();
    assert_eq!(client.walk(&everything(), 3).unwrap().len(), 3);
    let subtree: BTreeMap<Oid, Value> = client
        .walk(&"1.3.6.1.2.1.33.1.2".parse().unwrap(), 100)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(subtree.len(), 2, "only the battery group: {subtree:?}");
}
