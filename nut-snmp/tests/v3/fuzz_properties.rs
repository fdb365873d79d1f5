// The property behind the `snmp_v3_message` fuzz target, shared (by
// `include!`) between fuzz/fuzz_targets/snmp_v3_message.rs and this
// crate's v3 test, which runs it over generated inputs and the seeds.
//
// Input: one datagram, as the network would deliver it.
//
// Properties: nothing panics; a message that decodes re-encodes to bytes
// that decode to the same message, with the digest's range inside them; a
// scoped PDU that decodes re-encodes the same way; the agent simulator's
// engine (an authPriv user) answers it with nothing or with an SNMPv3
// message; a client session waiting for an answer takes it without panic.

/// The agent (key derivation hashes 1 MiB per password: made once).
fn snmp_v3_fuzz_agent() -> nut_snmp::udp::v3::UsmAgent {
    use nut_snmp::udp::v3::{AuthProtocol, DEFAULT_ENGINE_ID, PrivProtocol, UsmAgent, V3Config};
    static AGENT: std::sync::OnceLock<UsmAgent> = std::sync::OnceLock::new();
    AGENT
        .get_or_init(|| {
            let mut agent = UsmAgent::new(DEFAULT_ENGINE_ID, 1, std::time::Instant::now());
            let user = V3Config::new("fuzz")
                .with_auth(AuthProtocol::Sha1, "authpass123")
                .with_privacy(PrivProtocol::Aes128, "privpass123");
            let _ = agent.add_user(&user, "rec");
            agent
        })
        .clone()
}

/// Runs the property over one datagram.
fn check_snmp_v3_message(data: &[u8]) {
    use nut_snmp::udp::v3::{Message, Pdu, ScopedPdu, Session, V3Config, is_v3};
    if let Ok(decoded) = Message::decode(data) {
        let (bytes, range) = decoded.message.encode();
        assert!(range.end <= bytes.len());
        let again = Message::decode(&bytes).expect("re-encoded message decodes");
        assert_eq!(again.message, decoded.message);
        assert_eq!(again.auth_range, range);
        assert!(is_v3(data));
    }
    if let Ok(scoped) = ScopedPdu::decode(data) {
        let again = ScopedPdu::decode(&scoped.encode()).expect("re-encoded scoped PDU decodes");
        assert_eq!(again, scoped);
    }
    let now = std::time::Instant::now();
    let mut agent = snmp_v3_fuzz_agent();
    let answered = agent.answer(data, now, |_, pdu| {
        Pdu::new(0xa2, pdu.request_id, [0, 0], &[])
    });
    if let Some(reply) = answered {
        assert!(Message::decode(&reply).is_ok(), "the agent's reply decodes");
    }
    let mut session = Session::new(&V3Config::new("fuzz"), 7).expect("noAuthNoPriv session");
    let probe = Pdu::new(0xa0, 1, [0, 0], &[]).expect("empty PDU");
    let outgoing = session.request(&probe, now);
    let _ = session.receive(data, &outgoing, now);
}
