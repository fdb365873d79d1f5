//! Our v3 client against our v3 simulator.

use std::time::{Duration, Instant};

use nut_snmp::error::UsmFailure;
use nut_snmp::udp::{AuthProtocol, Behaviour, Client, PrivProtocol, SecurityLevel, V3Config};
use nut_snmp::{Config, Engine, Error, Oid, Recording, Value};

use crate::{corpus, ietf_agent, report, serve, sha_aes_user, v3_config};

fn everything() -> Oid {
    "1.3".parse().expect("valid OID")
}

fn walk_of(rec: &Recording) -> Vec<(Oid, Value)> {
    rec.iter().map(|(o, v)| (o.clone(), v.clone())).collect()
}

#[test]
fn every_level_and_protocol_walks_gets_and_sets() {
    let auths = ["MD5", "SHA", "SHA256", "SHA384", "SHA512"];
    let privs = ["DES", "AES", "AES192", "AES256"];
    let mut users = vec![(V3Config::new("plain"), "plain".to_owned())];
    for auth in auths {
        let protocol: AuthProtocol = auth.parse().unwrap();
        users.push((
            V3Config::new(&format!("a-{auth}")).with_auth(protocol, "authpass123"),
            format!("a-{auth}"),
        ));
        for privacy in privs {
            let name = format!("ap-{auth}-{privacy}");
            users.push((
                V3Config::new(&name)
                    .with_auth(protocol, "authpass123")
                    .with_privacy(privacy.parse::<PrivProtocol>().unwrap(), "privpass123"),
                name,
            ));
        }
    }
    let served: Vec<_> = users
        .iter()
        .map(|(u, t)| (u.clone(), t.clone(), ietf_agent(false)))
        .collect();
    let (_sim, peer) = serve(&served, Behaviour::default());
    let expected = walk_of(&ietf_agent(false));
    for (user, _) in &users {
        let mut client = Client::connect(&peer, &v3_config(user, 500, 2)).unwrap();
        assert_eq!(
            client.walk(&everything(), usize::MAX).unwrap(),
            expected,
            "{user:?}: GETBULK walk"
        );
        let charge: Oid = "1.3.6.1.2.1.33.1.2.4.0".parse().unwrap();
        assert_eq!(
            client.get_value(&charge).unwrap(),
            Some(Value::Integer(100))
        );
        assert_eq!(
            client.get_next_value(&charge).unwrap().map(|(o, _)| o),
            Some("1.3.6.1.2.1.33.1.4.1.0".parse().unwrap())
        );
        assert_eq!(
            client
                .get_value(&"1.3.6.1.2.1.33.1.2.9.0".parse().unwrap())
                .unwrap(),
            None,
            "noSuchInstance is no value"
        );
        // The engine runs over v3 and its SETs reach the agent.
        let mut engine = Engine::detect(&mut client, &Config::default()).unwrap();
        engine.init(&mut client);
        engine.update(&mut client);
        assert_eq!(engine.get("ups.status"), Some("OL"), "{user:?}");
        let request = engine.instant_command("beeper.disable", None).unwrap();
        client.set(&request).unwrap();
        engine.update(&mut client);
        assert_eq!(engine.get("ups.beeper.status"), Some("disabled"));
        assert!(client.last_error().is_none(), "{:?}", client.last_error());
    }
    report(&format!(
        "v3: {} users (noAuthNoPriv, authNoPriv x5, authPriv x20) walked, read and set",
        users.len()
    ));
}

#[test]
fn every_recording_reads_the_same_over_v3_as_from_the_file() {
    let Some(all) = corpus("every_recording_reads_the_same_over_v3_as_from_the_file") else {
        return;
    };
    // One authPriv user; the context name picks the recording (snmpsim's
    // way), so one user reads them all.
    let user = sha_aes_user();
    let served: Vec<_> = all
        .iter()
        .map(|(name, rec)| (user.clone(), name.clone(), rec.clone()))
        .collect();
    let (_sim, peer) = serve(&served, Behaviour::default());
    let mut varbinds = 0;
    let mut detected = 0;
    for (name, rec) in &all {
        let mut in_context = user.clone();
        in_context.context_name.clone_from(name);
        let mut client = Client::connect(&peer, &v3_config(&in_context, 500, 2)).unwrap();
        let walked = client.walk(&everything(), usize::MAX).unwrap();
        assert_eq!(walked, walk_of(rec), "{name}");
        varbinds += walked.len();
        let mut local = rec.clone();
        let offline = Engine::detect(&mut local, &Config::default()).map(|mut e| {
            e.init(&mut local);
            e.update(&mut local);
            e
        });
        let online = Engine::detect(&mut client, &Config::default()).map(|mut e| {
            e.init(&mut client);
            e.update(&mut client);
            e
        });
        match (&offline, &online) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.variables(), b.variables(), "{name}");
                detected += 1;
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
            _ => panic!("{name}: detection differs over v3"),
        }
    }
    report(&format!(
        "v3 authPriv SHA/AES: {} recordings walked ({varbinds} varbinds), engine equal on {detected}",
        all.len()
    ));
}

/// The error of one GET, and how long the GET took.
fn refused(user: &V3Config, served: &[(V3Config, String, Recording)]) -> (Error, Duration) {
    let (_sim, peer) = serve(served, Behaviour::default());
    let mut client = Client::connect(&peer, &v3_config(user, 300, 1)).expect("client");
    let started = Instant::now();
    let err = client
        .get_value(&"1.3.6.1.2.1.1.2.0".parse().expect("OID"))
        .expect_err("refused");
    (err, started.elapsed())
}

#[test]
fn wrong_settings_give_typed_errors_a_user_can_act_on() {
    let good = sha_aes_user();
    let served = [(good.clone(), "ups".to_owned(), ietf_agent(false))];
    let mut wrong_auth = good.clone();
    wrong_auth.auth_password = "not-the-password".to_owned();
    let mut wrong_protocol = good.clone();
    wrong_protocol.auth_protocol = AuthProtocol::Sha256;
    let mut wrong_priv = good.clone();
    wrong_priv.priv_password = "not-the-password".to_owned();
    let mut wrong_cipher = good.clone();
    wrong_cipher.priv_protocol = PrivProtocol::Des;
    let mut wrong_name = good.clone();
    wrong_name.user = "intruder".to_owned();
    let cases = [
        (wrong_auth, UsmFailure::WrongDigest, "authPassword"),
        (wrong_protocol, UsmFailure::WrongDigest, "authProtocol"),
        (wrong_priv, UsmFailure::DecryptionError, "privPassword"),
        (wrong_cipher, UsmFailure::DecryptionError, "privProtocol"),
        (wrong_name, UsmFailure::UnknownUserName, "secName"),
    ];
    for (user, failure, hint) in cases {
        let (err, took) = refused(&user, &served);
        assert!(
            matches!(&err, Error::Usm { failure: f, .. } if *f == failure),
            "{user:?}: {err}"
        );
        let text = err.to_string();
        assert!(text.contains(hint) && text.contains("127.0.0.1:"), "{text}");
        // A report ends the request at once: no waiting out the time-out
        // (300 ms) and its retry.
        assert!(took < Duration::from_millis(550), "{took:?}");
    }
    // An authNoPriv user asked for authPriv: unsupported security level.
    let auth_only = V3Config::new("nutmon").with_auth(AuthProtocol::Sha1, "authpass123");
    let (err, _) = refused(
        &good,
        &[(auth_only.clone(), "ups".to_owned(), ietf_agent(false))],
    );
    assert!(err.to_string().contains("secLevel"), "{err}");
    // An authPriv user asking with a lower level is refused by access
    // control: an error status, no value.
    let mut lower = good.clone();
    lower.level = SecurityLevel::AuthNoPriv;
    let (_sim, peer) = serve(&served, Behaviour::default());
    let mut client = Client::connect(&peer, &v3_config(&lower, 300, 1)).unwrap();
    assert_eq!(
        client
            .get_value(&"1.3.6.1.2.1.1.2.0".parse().unwrap())
            .unwrap(),
        None
    );
    // A password net-snmp would refuse is refused before any traffic.
    let mut short = good;
    short.priv_password = "1234567".to_owned();
    let err = Client::connect(&peer, &v3_config(&short, 300, 1)).unwrap_err();
    assert!(err.to_string().starts_with("privPassword:"), "{err}");
    let mut missing = v3_config(&auth_only, 300, 1);
    missing.v3 = None;
    let err = Client::connect(&peer, &missing).unwrap_err();
    assert!(
        err.to_string().contains("securityName is required"),
        "{err}"
    );
}

#[test]
fn a_rebooted_agent_is_resynchronised() {
    let user = sha_aes_user();
    let (sim, peer) = serve(
        &[(user.clone(), "ups".to_owned(), ietf_agent(false))],
        Behaviour::default(),
    );
    let mut client = Client::connect(&peer, &v3_config(&user, 500, 1)).unwrap();
    let oid: Oid = "1.3.6.1.2.1.33.1.4.1.0".parse().unwrap();
    assert_eq!(client.get_value(&oid).unwrap(), Some(Value::Integer(3)));
    let (engine_id, boots, _) = client.v3_engine().unwrap();
    assert_eq!(engine_id, nut_snmp::udp::v3::DEFAULT_ENGINE_ID);
    assert_eq!(boots, 1);
    nut_snmp::udp::sim::lock_usm(&sim.v3()).reboot(Instant::now());
    nut_snmp::udp::sim::lock(&sim.agents()).insert("ups".to_owned(), ietf_agent(true));
    assert_eq!(client.get_value(&oid).unwrap(), Some(Value::Integer(5)));
    assert_eq!(client.v3_engine().unwrap().1, 2, "boots followed");
    let stats = nut_snmp::udp::sim::lock_usm(&sim.v3()).stats();
    assert_eq!(stats.not_in_time_windows, 1, "{stats:?}");
    assert_eq!(stats.unknown_engine_ids, 1, "one discovery");
}

#[test]
fn lossy_stale_and_silent_agents() {
    let user = sha_aes_user();
    let served = [(user.clone(), "ups".to_owned(), ietf_agent(true))];
    // Stale answers (to the previous message) and garbage are skipped.
    let (_sim, peer) = serve(
        &served,
        Behaviour {
            stale_first: true,
            garbage_first: true,
            ..Behaviour::default()
        },
    );
    let mut client = Client::connect(&peer, &v3_config(&user, 300, 1)).unwrap();
    let mut engine = Engine::detect(&mut client, &Config::default()).unwrap();
    engine.init(&mut client);
    engine.update(&mut client);
    assert!(client.last_error().is_none(), "{:?}", client.last_error());
    assert_eq!(engine.get("ups.status"), Some("OB"));
    // Every other datagram lost: retries get through.
    let (_lossy, peer) = serve(
        &served,
        Behaviour {
            answer_every: 2,
            ..Behaviour::default()
        },
    );
    let mut client = Client::connect(&peer, &v3_config(&user, 80, 3)).unwrap();
    assert_eq!(client.walk(&everything(), 100).unwrap().len(), 8);
    // A silent agent: a time-out after the tries, naming the agent.
    let (_silent, peer) = serve(
        &served,
        Behaviour {
            silent: true,
            ..Behaviour::default()
        },
    );
    let mut client = Client::connect(&peer, &v3_config(&user, 60, 2)).unwrap();
    let started = Instant::now();
    let err = client
        .get_value(&"1.3.6.1.2.1.1.2.0".parse().unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { tries: 3, .. }), "{err}");
    assert!(err.to_string().contains(&peer), "{err}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(170) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    // A looping agent is caught over v3 too.
    let (_looping, peer) = serve(
        &served,
        Behaviour {
            loop_walks: true,
            ..Behaviour::default()
        },
    );
    let mut client = Client::connect(&peer, &v3_config(&user, 300, 1)).unwrap();
    assert!(matches!(
        client.walk(&everything(), 100),
        Err(Error::WalkLoop { .. })
    ));
}
