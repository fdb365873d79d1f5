//! The client [`Session`] against the agent [`UsmAgent`] without sockets:
//! discovery, time windows, reports, and the codec's properties.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::error::UsmFailure;
use crate::oid::Oid;
use crate::value::Value;

const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";

fn user() -> V3Config {
    V3Config::new("nut")
        .with_auth(AuthProtocol::Sha1, "authpassword")
        .with_privacy(PrivProtocol::Aes128, "privpassword")
}

fn agent(now: Instant) -> UsmAgent {
    let mut agent = UsmAgent::new(DEFAULT_ENGINE_ID, 7, now);
    agent.add_user(&user(), "rec").unwrap();
    agent
}

/// One agent made once (key derivation hashes 1 MiB per password).
fn shared_agent() -> UsmAgent {
    static AGENT: std::sync::OnceLock<UsmAgent> = std::sync::OnceLock::new();
    AGENT.get_or_init(|| agent(Instant::now())).clone()
}

fn get() -> Pdu {
    let oid: Oid = SYS_OBJECT_ID.parse().unwrap();
    Pdu::new(0xa0, 42, [0, 0], &[(oid, Value::Null)]).unwrap()
}

/// The agent's PDU handler: answers every request with sysObjectID.
fn serve(target: &str, pdu: &Pdu) -> Option<Pdu> {
    assert_eq!(target, "rec");
    let oid: Oid = SYS_OBJECT_ID.parse().unwrap();
    Pdu::new(
        crate::ber::RESPONSE,
        pdu.request_id,
        [0, 0],
        &[(oid, Value::ObjectId("1.3.6.1.2.1.33".parse().unwrap()))],
    )
}

/// Sends `pdu` until answered (at most 6 messages); the answer and the
/// number of messages it took.
fn exchange(
    session: &mut Session,
    agent: &mut UsmAgent,
    client_now: Instant,
    agent_now: Instant,
) -> (Incoming, usize) {
    for sent in 1..=6 {
        let outgoing = session.request(&get(), client_now);
        let Some(reply) = agent.answer(&outgoing.bytes, agent_now, serve) else {
            return (Incoming::Ignored("no reply"), sent);
        };
        match session.receive(&reply, &outgoing, client_now) {
            Incoming::Resend => continue,
            other => return (other, sent),
        }
    }
    (Incoming::Ignored("too many resends"), 6)
}

#[test]
fn discovery_then_an_encrypted_answer() {
    let now = Instant::now();
    let mut agent = agent(now);
    let mut session = Session::new(&user(), 99).unwrap();
    let later = now + Duration::from_secs(30);
    let (answer, messages) = exchange(&mut session, &mut agent, later, later);
    let Incoming::Response(pdu) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(pdu.request_id, 42);
    assert_eq!(messages, 2, "one discovery probe, then the request");
    let (id, boots, time) = session.engine(later).unwrap();
    assert_eq!((id, boots, time), (DEFAULT_ENGINE_ID, 7, 30));
    assert_eq!(agent.stats().unknown_engine_ids, 1);
    // The next request goes straight through.
    assert_eq!(exchange(&mut session, &mut agent, later, later).1, 1);
}

#[test]
fn a_rebooted_or_drifted_agent_is_resynchronised() {
    let now = Instant::now();
    let mut agent = agent(now);
    let mut session = Session::new(&user(), 1).unwrap();
    assert!(matches!(
        exchange(&mut session, &mut agent, now, now).0,
        Incoming::Response(_)
    ));
    // The agent reboots: its boots go up, its time restarts.
    agent.reboot(now + Duration::from_secs(5));
    let (answer, messages) = exchange(&mut session, &mut agent, now, now + Duration::from_secs(6));
    assert!(matches!(answer, Incoming::Response(_)), "{answer:?}");
    assert_eq!(messages, 2, "one notInTimeWindows report, then the request");
    assert_eq!(agent.stats().not_in_time_windows, 1);
    assert_eq!(session.engine(now).unwrap().1, 8);
    // The agent's clock runs 10 minutes ahead of what the client expects.
    let ahead = now + Duration::from_secs(6 + 600);
    let (answer, messages) = exchange(&mut session, &mut agent, now, ahead);
    assert!(matches!(answer, Incoming::Response(_)), "{answer:?}");
    assert_eq!(messages, 2);
    assert_eq!(agent.stats().not_in_time_windows, 2);
    // Within the window (150 s) no resync is needed.
    let near = ahead + Duration::from_secs(140);
    assert_eq!(exchange(&mut session, &mut agent, now, near).1, 1);
}

#[test]
fn refusals_are_typed() {
    let now = Instant::now();
    let cases = [
        (
            V3Config::new("nut")
                .with_auth(AuthProtocol::Sha1, "wrongpassword")
                .with_privacy(PrivProtocol::Aes128, "privpassword"),
            UsmFailure::WrongDigest,
        ),
        (
            V3Config::new("nut")
                .with_auth(AuthProtocol::Md5, "authpassword")
                .with_privacy(PrivProtocol::Aes128, "privpassword"),
            UsmFailure::WrongDigest,
        ),
        (
            V3Config::new("nut")
                .with_auth(AuthProtocol::Sha1, "authpassword")
                .with_privacy(PrivProtocol::Aes128, "wrongpassword"),
            UsmFailure::DecryptionError,
        ),
        (
            V3Config::new("nobody").with_auth(AuthProtocol::Sha1, "authpassword"),
            UsmFailure::UnknownUserName,
        ),
    ];
    for (config, failure) in cases {
        let mut agent = agent(now);
        let mut session = Session::new(&config, 5).unwrap();
        let (answer, _) = exchange(&mut session, &mut agent, now, now);
        assert_eq!(answer, Incoming::Refused(failure), "{config:?}");
    }
    // A user limited to authNoPriv cannot ask for authPriv.
    let mut agent = UsmAgent::new(DEFAULT_ENGINE_ID, 1, now);
    agent
        .add_user(
            &V3Config::new("nut").with_auth(AuthProtocol::Sha1, "authpassword"),
            "rec",
        )
        .unwrap();
    let mut session = Session::new(&user(), 5).unwrap();
    assert_eq!(
        exchange(&mut session, &mut agent, now, now).0,
        Incoming::Refused(UsmFailure::UnsupportedSecLevel)
    );
    assert_eq!(agent.stats().unsupported_sec_levels, 1);
}

#[test]
fn every_level_and_protocol_pair_talks_to_the_agent() {
    let now = Instant::now();
    let auths = [
        AuthProtocol::Md5,
        AuthProtocol::Sha1,
        AuthProtocol::Sha256,
        AuthProtocol::Sha384,
        AuthProtocol::Sha512,
    ];
    let privs = [
        PrivProtocol::Des,
        PrivProtocol::Aes128,
        PrivProtocol::Aes192,
        PrivProtocol::Aes256,
    ];
    let mut configs = vec![V3Config::new("plain")];
    for auth in auths {
        configs.push(V3Config::new("a").with_auth(auth, "authpassword"));
        for privacy in privs {
            configs.push(
                V3Config::new("ap")
                    .with_auth(auth, "authpassword")
                    .with_privacy(privacy, "privpassword"),
            );
        }
    }
    for config in &configs {
        let mut agent = UsmAgent::new(b"\x80\x00\x00\x00\x05\x01\x02\x03\x04\x05", 1, now);
        agent.add_user(config, "rec").unwrap();
        let mut session = Session::new(config, 3).unwrap();
        let (answer, _) = exchange(&mut session, &mut agent, now, now);
        let Incoming::Response(pdu) = answer else {
            panic!("{config:?}: {answer:?}")
        };
        assert_eq!(pdu.varbinds(4).len(), 1, "{config:?}");
    }
    assert_eq!(configs.len(), 26);
}

#[test]
fn replies_to_other_messages_and_forgeries_are_ignored() {
    let now = Instant::now();
    let mut agent = agent(now);
    let mut session = Session::new(&user(), 11).unwrap();
    assert!(matches!(
        exchange(&mut session, &mut agent, now, now).0,
        Incoming::Response(_)
    ));
    let first = session.request(&get(), now);
    let stale = agent.answer(&first.bytes, now, serve).unwrap();
    let second = session.request(&get(), now);
    assert_eq!(
        session.receive(&stale, &second, now),
        Incoming::Ignored("answer to another message")
    );
    let mut reply = agent.answer(&second.bytes, now, serve).unwrap();
    // One flipped bit anywhere in the signed reply makes it unusable.
    let last = reply.len() - 1;
    reply[last] ^= 1;
    assert!(matches!(
        session.receive(&reply, &second, now),
        Incoming::Ignored(_)
    ));
    assert_eq!(
        session.receive(b"garbage", &second, now),
        Incoming::Ignored("unreadable answer")
    );
    // A request replayed long after its time is refused by the agent.
    let late = now + Duration::from_secs(u64::from(TIME_WINDOW) + 10);
    let replayed = agent.answer(&second.bytes, late, serve).unwrap();
    assert!(matches!(
        session.receive(&replayed, &second, now),
        Incoming::Resend
    ));
    assert_eq!(agent.stats().not_in_time_windows, 1);
}

#[test]
fn configuration_errors_name_the_option() {
    let err = Session::new(&V3Config::new(""), 0).unwrap_err();
    assert!(
        err.to_string().contains("securityName is required"),
        "{err}"
    );
    let err = Session::new(
        &V3Config::new("nut").with_auth(AuthProtocol::Sha1, "short"),
        0,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("authPassword:"), "{err}");
    let err = Session::new(&V3Config::new(&"u".repeat(33)), 0).unwrap_err();
    assert!(err.to_string().contains("secName"), "{err}");
    assert!(Session::new(&V3Config::new(&"u".repeat(32)), 0).is_ok());
    let shown = format!("{:?}", user());
    assert!(!shown.contains("authpassword") && !shown.contains("privpassword"));
}

fn arbitrary_pdu() -> impl Strategy<Value = Pdu> {
    (
        prop_oneof![
            Just(0xa0u8),
            Just(0xa1),
            Just(0xa2),
            Just(0xa3),
            Just(0xa5),
            Just(0xa8)
        ],
        any::<i32>(),
        any::<i32>(),
        any::<i32>(),
        proptest::collection::vec(
            (proptest::collection::vec(0u32..1000, 2..8), any::<i32>()),
            0..5,
        ),
    )
        .prop_map(|(tag, id, status, index, binds)| {
            let varbinds: Vec<(Oid, Value)> = binds
                .into_iter()
                .filter_map(|(mut arcs, v)| {
                    arcs[0] = 1;
                    arcs[1] %= 40;
                    Some((Oid::from_arcs(&arcs)?, Value::Integer(v)))
                })
                .collect();
            Pdu::new(tag, id, [i64::from(status), i64::from(index)], &varbinds).unwrap()
        })
}

fn arbitrary_message() -> impl Strategy<Value = Message> {
    let bytes = |max: usize| proptest::collection::vec(any::<u8>(), 0..=max);
    (
        (0..=i32::MAX as u32, 0..=i32::MAX as u32, any::<u8>()),
        (
            bytes(32),
            0..=i32::MAX as u32,
            0..=i32::MAX as u32,
            bytes(32),
            bytes(48),
            bytes(8),
        ),
        prop_oneof![
            (bytes(32), bytes(32), arbitrary_pdu()).prop_map(|(e, c, pdu)| ScopedData::Plain(
                ScopedPdu {
                    context_engine_id: e,
                    context_name: c,
                    pdu
                }
            )),
            bytes(300).prop_map(ScopedData::Encrypted),
        ],
    )
        .prop_map(
            |((msg_id, max_size, flags), (engine_id, boots, time, user, auth, privacy), data)| {
                let flags = match data {
                    ScopedData::Plain(_) => flags & !0x02,
                    ScopedData::Encrypted(_) => flags | 0x02,
                };
                Message {
                    msg_id,
                    max_size,
                    flags,
                    usm: UsmParams {
                        engine_id,
                        boots,
                        time,
                        user,
                        auth,
                        privacy,
                    },
                    data,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn messages_round_trip(message in arbitrary_message()) {
        let (bytes, range) = message.encode();
        let decoded = Message::decode(&bytes).unwrap();
        prop_assert_eq!(&decoded.message, &message);
        prop_assert_eq!(decoded.auth_range, range);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let now = Instant::now();
        let _ = Message::decode(&bytes);
        let _ = ScopedPdu::decode(&bytes);
        let mut agent = shared_agent();
        let _ = agent.answer(&bytes, now, serve);
        let mut session = Session::new(&V3Config::new("nut"), 1).unwrap();
        let outgoing = session.request(&get(), now);
        let _ = session.receive(&bytes, &outgoing, now);
    }

    #[test]
    fn mutated_messages_never_panic(message in arbitrary_message(), at in any::<usize>(), byte in any::<u8>()) {
        let now = Instant::now();
        let (mut bytes, _) = message.encode();
        let at = at % bytes.len();
        bytes[at] = byte;
        let _ = Message::decode(&bytes);
        let mut agent = shared_agent();
        let _ = agent.answer(&bytes, now, serve);
    }
}
