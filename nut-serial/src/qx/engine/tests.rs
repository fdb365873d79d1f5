//! Engine against the in-memory simulator with a simulated clock.

use std::time::{Duration, Instant};

use super::*;
use crate::sim::{DeviceState, Fault, Pair, Simulator};

fn pair(protocol: Option<Protocol>, sim_protocol: Protocol) -> Pair {
    let cfg = QxConfig {
        protocol,
        ..QxConfig::default()
    };
    Pair::new(
        cfg,
        Simulator::new(sim_protocol, DeviceState::default()),
        Instant::now(),
    )
}

fn detected(p: &Pair) -> Option<Protocol> {
    p.events.iter().find_map(|e| match e {
        Event::Detected { protocol } => Some(*protocol),
        _ => None,
    })
}

fn status(p: &Pair) -> String {
    p.engine
        .vars()
        .get("ups.status")
        .cloned()
        .unwrap_or_default()
}

#[test]
fn autodetection_follows_nut_probe_order() {
    let cases = [
        (Protocol::Megatec, Protocol::Megatec),
        (Protocol::Zinto, Protocol::Zinto),
        // hunnox answers Q1 + FW? like zinto, which is probed first.
        (Protocol::Hunnox, Protocol::Zinto),
        (Protocol::Mustek, Protocol::Mustek),
        (Protocol::MegatecOld, Protocol::MegatecOld),
        (Protocol::Bestups, Protocol::Bestups),
        (Protocol::Mecer, Protocol::Mecer),
        (Protocol::Voltronic, Protocol::Voltronic),
        (Protocol::VoltronicQs, Protocol::VoltronicQs),
        (Protocol::VoltronicQsHex, Protocol::VoltronicQsHex),
        (Protocol::Masterguard, Protocol::Masterguard),
        // A device answering only Q1 is claimed by innovatae (App. C #2).
        (Protocol::Q1, Protocol::Innovatae),
        (Protocol::Q2, Protocol::Innovatae),
    ];
    for (sim, expected) in cases {
        let mut p = pair(None, sim);
        p.run_for(Duration::from_secs(60));
        assert_eq!(detected(&p), Some(expected), "simulated {sim}");
        assert_eq!(status(&p), "OL", "simulated {sim}: {:?}", p.events.last());
    }
}

#[test]
fn protocol_option_selects_without_probing() {
    for proto in [Protocol::Q1, Protocol::Q2, Protocol::Q6, Protocol::Hunnox] {
        let mut p = pair(Some(proto), proto);
        p.run_for(Duration::from_secs(5));
        assert_eq!(detected(&p), Some(proto));
        assert_eq!(status(&p), "OL", "{proto}");
        // Only the protocol's own queries were sent.
        assert!(!p.sim.received().iter().any(|r| r == b"QGS"), "{proto}");
    }
}

#[test]
fn startup_publishes_megatec_variables() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.sim.vendor_ic = true;
    p.run_for(Duration::from_secs(3));
    let v = p.engine.vars();
    assert_eq!(v["input.voltage"], "230.0");
    assert_eq!(v["ups.load"], "25");
    assert_eq!(v["input.voltage.nominal"], "230");
    assert_eq!(v["battery.voltage.nominal"], "24.0");
    assert_eq!(v["ups.firmware"], "V1.0");
    assert_eq!(v["device.mfr"], "NUTRS");
    assert_eq!(v["ups.delay.start"], "180");
    assert_eq!(v["ups.delay.shutdown"], "30");
    assert_eq!(v["battery.voltage.low"], "20.80");
    assert_eq!(v["driver.version.data"], "Megatec 0.10");
    assert_eq!(v["ups.type"], "offline / line interactive");
    assert_eq!(p.engine.commands().len(), 10);
}

#[test]
fn line_failure_and_battery_drain_reach_the_status() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.run_for(Duration::from_secs(3));
    assert_eq!(status(&p), "OL");
    p.sim.state.fail_line();
    p.sim.state.load = Some(100.0);
    p.run_for(Duration::from_secs(3));
    assert_eq!(status(&p), "OB");
    assert!(p.run_until(Duration::from_secs(600), |e| matches!(
        e,
        Event::Status(s) if s.to_string() == "OB LB"
    )));
    p.sim.state.restore_line();
    p.sim.state.output_off = false;
    assert!(p.run_until(Duration::from_secs(10), |e| matches!(
        e,
        Event::Status(s) if s.to_string() == "OL"
    )));
}

#[test]
fn silence_goes_stale_after_five_polls_and_recovers() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.run_for(Duration::from_secs(3));
    let from = p.events.len();
    p.sim.fault = Fault::Silent;
    p.run_for(Duration::from_secs(14));
    let failures: Vec<u32> = p
        .events_since(from)
        .iter()
        .filter_map(|e| match e {
            Event::PollFailed { failures, error } => {
                assert!(matches!(error, Error::NoReply { .. }), "{error}");
                Some(*failures)
            }
            _ => None,
        })
        .collect();
    assert!(failures.len() >= 5, "{failures:?}");
    let stale_at = p
        .events_since(from)
        .iter()
        .position(|e| matches!(e, Event::Stale { .. }))
        .expect("stale");
    let fifth = p
        .events_since(from)
        .iter()
        .position(|e| matches!(e, Event::PollFailed { failures: 5, .. }))
        .expect("fifth failure");
    assert_eq!(stale_at, fifth + 1);
    assert!(p.engine.is_stale());
    assert_eq!(status(&p), "OL", "a failed poll never rewrites the status");
    p.sim.fault = Fault::None;
    assert!(p.run_until(Duration::from_secs(5), |e| matches!(
        e,
        Event::Recovered { .. }
    )));
    assert!(!p.engine.is_stale());
}

#[test]
fn garbled_replies_are_errors_with_the_bytes_never_a_status() {
    for fault in [Fault::Garbage, Fault::Truncate, Fault::Echo] {
        let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
        p.run_for(Duration::from_secs(3));
        p.sim.state.fail_line();
        p.sim.fault = fault;
        let from = p.events.len();
        p.run_for(Duration::from_secs(4));
        let error = p
            .events_since(from)
            .iter()
            .find_map(|e| match e {
                Event::PollFailed { error, .. } => Some(error.clone()),
                _ => None,
            })
            .expect("a failed poll");
        let msg = error.to_string();
        assert!(msg.contains("\\r\""), "{fault:?}: {msg}");
        assert_eq!(status(&p), "OL", "{fault:?}");
    }
}

#[test]
fn line_noise_before_a_reply_and_over_long_lines() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.run_for(Duration::from_secs(3));
    // Noise arriving while nothing is outstanding is dropped.
    p.engine.handle_input(p.now, b"\x00\xffnoise\r");
    p.run_for(Duration::from_secs(2));
    assert_eq!(status(&p), "OL");
    // An over-long reply (no CR within the limit) fails the poll.
    let mut out = Vec::new();
    p.run_for(Duration::from_secs(2));
    p.engine.handle_timeout(p.now + Duration::from_secs(30));
    while p.engine.poll_transmit(&mut out) {}
    let from = p.engine.events.len();
    p.engine.handle_input(p.now, &[b'1'; MAX_REPLY_LEN + 5]);
    let failed = p.engine.events.iter().skip(from).any(|e| {
        matches!(
            e,
            Event::PollFailed {
                error: Error::TooLong { .. },
                ..
            }
        )
    });
    assert!(failed, "{:?}", p.engine.events);
}

#[test]
fn instant_commands_and_their_replies() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.run_for(Duration::from_secs(3));
    let id = p
        .engine
        .instcmd(p.now, "test.battery.start.quick", None)
        .unwrap();
    p.run_for(Duration::from_secs(1));
    assert!(p.sim.received().iter().any(|r| r == b"T"));
    assert!(p.events.iter().any(|e| matches!(
        e,
        Event::CommandDone { id: i, result: Ok(()), .. } if *i == id
    )));
    p.run_for(Duration::from_secs(3));
    assert!(p.events.iter().any(|e| matches!(
        e,
        Event::Status(s) if s.to_string() == "OL CAL"
    )));
    p.engine
        .instcmd(p.now, "test.battery.start", Some("240"))
        .unwrap();
    p.run_for(Duration::from_secs(1));
    assert!(p.sim.received().iter().any(|r| r == b"T04"));
    assert!(matches!(
        p.engine.instcmd(p.now, "test.battery.start", Some("30")),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        p.engine.instcmd(p.now, "bypass.start", None),
        Err(Error::UnknownCommand(_))
    ));
    p.sim.fault = Fault::Echo;
    let id = p.engine.instcmd(p.now, "beeper.toggle", None).unwrap();
    p.run_for(Duration::from_secs(1));
    assert!(p.events.iter().any(|e| matches!(
        e,
        Event::CommandDone { id: i, result: Err(Error::CommandRefused { .. }), .. } if *i == id
    )));
}

#[test]
fn setvar_and_shutdown_sequence() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.run_for(Duration::from_secs(3));
    p.engine.setvar("ups.delay.shutdown", "125").unwrap();
    assert_eq!(p.engine.vars()["ups.delay.shutdown"], "120");
    assert!(p.engine.setvar("ups.delay.shutdown", "601").is_err());
    assert!(p.engine.setvar("ups.load", "1").is_err());
    p.engine.instcmd(p.now, "shutdown.return", None).unwrap();
    p.run_for(Duration::from_secs(1));
    assert!(p.sim.received().iter().any(|r| r == b"S02R0003"));
    let before = p.sim.received().len();
    p.engine.shutdown(p.now).unwrap();
    // Megatec units answer nothing: each command waits the 1 s timeout.
    p.run_for(Duration::from_secs(3));
    let sent = &p.sim.received()[before..];
    let c = sent.iter().position(|r| r == b"C").expect("shutdown.stop");
    assert_eq!(
        sent.get(c + 1).map(Vec::as_slice),
        Some(b"S.5R0003".as_slice())
    );
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, Event::ShutdownDone(Ok(()))))
    );
}

#[test]
fn voltronic_commands_need_ack() {
    let mut p = pair(Some(Protocol::Voltronic), Protocol::Voltronic);
    p.run_for(Duration::from_secs(3));
    assert_eq!(p.engine.vars()["ups.firmware.aux"], "P01");
    p.engine.instcmd(p.now, "load.on", None).unwrap();
    p.run_for(Duration::from_secs(1));
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, Event::CommandDone { result: Ok(()), .. }))
    );
    p.sim.fault = Fault::Silent;
    p.engine.instcmd(p.now, "load.on", None).unwrap();
    p.run_for(Duration::from_secs(2));
    assert!(p.events.iter().any(|e| matches!(
        e,
        Event::CommandDone {
            result: Err(Error::NoReply { .. }),
            ..
        }
    )));
}

#[test]
fn options_skip_rows() {
    let cfg = QxConfig {
        protocol: Some(Protocol::Megatec),
        norating: true,
        novendor: true,
        ignoresab: true,
        ..QxConfig::default()
    };
    let mut sim = Simulator::new(Protocol::Megatec, DeviceState::default());
    sim.state.bits.shutdown_active = true;
    let mut p = Pair::new(cfg, sim, Instant::now());
    p.run_for(Duration::from_secs(3));
    assert!(!p.sim.received().iter().any(|r| r == b"F" || r == b"I"));
    assert_eq!(status(&p), "OL");
}

#[test]
fn unsupported_devices_and_protocols_are_fatal() {
    let mut p = pair(None, Protocol::Q1);
    p.sim.fault = Fault::Silent;
    p.run_for(Duration::from_secs(600));
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, Event::Fatal(Error::NotSupported { .. })))
    );
    // A named protocol the device does not speak: gtec's Q4 goes
    // unanswered (echoed) by a Q1-only unit.
    let mut p = pair(Some(Protocol::Gtec), Protocol::Q1);
    p.run_for(Duration::from_secs(60));
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, Event::Fatal(Error::NotSupported { tried }) if tried == "gtec"))
    );
}

#[test]
fn full_polls_every_pollfreq_and_after_commands() {
    let mut p = pair(Some(Protocol::Megatec), Protocol::Megatec);
    p.run_for(Duration::from_secs(65));
    let fulls = p
        .events
        .iter()
        .filter(|e| matches!(e, Event::PollOk { full: true }))
        .count();
    let quicks = p
        .events
        .iter()
        .filter(|e| matches!(e, Event::PollOk { full: false }))
        .count();
    assert_eq!(fulls, 2, "at ~31 s and ~62 s");
    assert!(quicks > 25);
    p.engine.instcmd(p.now, "beeper.toggle", None).unwrap();
    p.run_for(Duration::from_secs(3));
    assert_eq!(
        p.events
            .iter()
            .filter(|e| matches!(e, Event::PollOk { full: true }))
            .count(),
        3
    );
}
