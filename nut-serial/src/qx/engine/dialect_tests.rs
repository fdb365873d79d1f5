//! The dialects around the Megatec core (omron, voltronic-axpert,
//! ablerex, innovart31/33, gtec) against the simulator: probing, the
//! values published, status, commands.

use std::time::{Duration, Instant};

use super::*;
use crate::sim::{DeviceState, Pair, Simulator};

fn run(cfg: QxConfig, sim: Protocol, secs: u64) -> Pair {
    let mut p = Pair::new(
        cfg,
        Simulator::new(sim, DeviceState::default()),
        Instant::now(),
    );
    p.run_for(Duration::from_secs(secs));
    p
}

fn forced(protocol: Protocol, secs: u64) -> Pair {
    let cfg = QxConfig {
        protocol: Some(protocol),
        ..QxConfig::default()
    };
    run(cfg, protocol, secs)
}

fn detected(p: &Pair) -> Option<Protocol> {
    p.events.iter().find_map(|e| match e {
        Event::Detected { protocol } => Some(*protocol),
        _ => None,
    })
}

fn var<'p>(p: &'p Pair, name: &str) -> Option<&'p str> {
    p.engine.vars().get(name).map(String::as_str)
}

fn command(p: &mut Pair, name: &str) -> Result<(), Error> {
    let id = p.engine.instcmd(p.now, name, None)?;
    let from = p.events.len();
    p.run_for(Duration::from_secs(3));
    p.events_since(from)
        .iter()
        .find_map(|e| match e {
            Event::CommandDone {
                id: done, result, ..
            } if *done == id => Some(result.clone()),
            _ => None,
        })
        .unwrap_or(Err(Error::NotReady("no outcome")))
}

#[test]
fn omron_reads_its_extension_replies() {
    let p = forced(Protocol::Omron, 40);
    assert_eq!(detected(&p), Some(Protocol::Omron));
    for (name, want) in [
        ("input.voltage", "230.0"),
        ("battery.charge", "100.0"),
        ("battery.temperature", "22.5"),
        ("output.frequency", "50.0"),
        ("ups.serial", "SIM0001"),
        ("ups.firmware", "0.17"),
        ("ups.firmware.aux", "2.00"),
        ("battery.date", "2026-07-30"),
        ("ups.realpower.nominal", "1125"),
        ("ups.power.nominal", "1125"),
        ("battery.voltage.nominal", "24"),
        // Derived from the nominal (§1.12).
        ("battery.voltage.low", "20.80"),
        ("battery.voltage.high", "26.00"),
        ("ups.status", "OL"),
        ("driver.version.data", "Omron 0.01"),
    ] {
        assert_eq!(var(&p, name), Some(want), "{name}");
    }
    // Whole minutes of the simulated runtime.
    let minutes = (p.sim.state.battery_runtime.unwrap() / 60.0).floor();
    assert_eq!(
        var(&p, "battery.runtime"),
        Some(format!("{:.0}", minutes * 60.0).as_str())
    );
    // Bytes 40 and 45 are not read.
    assert_eq!(var(&p, "ups.beeper.status"), None);
    assert_eq!(
        p.engine.commands(),
        ["shutdown.return", "shutdown.stayoff", "shutdown.stop"]
    );
}

#[test]
fn omron_is_probed_only_behind_its_vendor_id() {
    // Without the USB ids a Q1-speaking OMRON ends up with innovatae.
    let p = run(QxConfig::default(), Protocol::Omron, 120);
    assert_eq!(detected(&p), Some(Protocol::Innovatae));
    let cfg = QxConfig {
        usb_ids: Some((0x0590, 0x00b7)),
        ..QxConfig::default()
    };
    let p = run(cfg, Protocol::Omron, 10);
    assert_eq!(detected(&p), Some(Protocol::Omron));
    assert_eq!(var(&p, "ups.vendorid"), Some("0590"));
    assert_eq!(var(&p, "ups.productid"), Some("00b7"));
}

#[test]
fn omron_shutdown_switches_auto_restart_first() {
    let mut p = forced(Protocol::Omron, 5);
    assert_eq!(command(&mut p, "shutdown.return"), Ok(()));
    let sent: Vec<&[u8]> = p.sim.received().iter().map(Vec::as_slice).collect();
    let at = sent.iter().position(|r| *r == b"An").expect("An sent");
    assert_eq!(sent.get(at + 1), Some(&b"S.5".as_slice()));
    assert_eq!(var(&p, "ups.start.auto"), Some("yes"));
    assert_eq!(command(&mut p, "shutdown.stop"), Ok(()));
    assert_eq!(command(&mut p, "shutdown.stayoff"), Ok(()));
    let sent: Vec<&[u8]> = p.sim.received().iter().map(Vec::as_slice).collect();
    let at = sent.iter().rposition(|r| *r == b"Af").expect("Af sent");
    assert_eq!(sent.get(at + 1), Some(&b"Sf.5".as_slice()));
    assert_eq!(var(&p, "ups.start.auto"), Some("no"));
    // A unit that refuses the prelude: nothing else is sent.
    p.sim.fault = crate::sim::Fault::Echo;
    let before = p.sim.received().len();
    assert!(command(&mut p, "shutdown.return").is_err());
    assert!(
        !p.sim.received()[before..]
            .iter()
            .any(|r| r.starts_with(b"S"))
    );
}

#[test]
fn omron_shutdown_sequence_runs_the_prelude() {
    let mut p = forced(Protocol::Omron, 5);
    p.engine.shutdown(p.now).unwrap();
    p.run_for(Duration::from_secs(5));
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, Event::ShutdownDone(Ok(()))))
    );
    let sent: Vec<&[u8]> = p.sim.received().iter().map(Vec::as_slice).collect();
    let at = sent.iter().position(|r| *r == b"C").expect("C sent");
    assert_eq!(
        sent.get(at + 1..at + 3),
        Some([b"An".as_slice(), b"S.5"].as_slice())
    );
}

#[test]
fn voltronic_axpert_speaks_with_crc() {
    let p = run(QxConfig::default(), Protocol::VoltronicAxpert, 60);
    assert_eq!(detected(&p), Some(Protocol::VoltronicAxpert));
    assert!(p.sim.received().iter().any(|r| r == b"QPI\xBE\xAC"));
    for (name, want) in [
        ("device.firmware.aux", "P30"),
        ("device.firmware", "0X00074.50"),
        ("device.firmware.scc1", "0X00000.00"),
        ("device.type", "scd"),
        ("device.serial", "SIM0001"),
        ("battery.type", "AGM"),
        ("device.model.type", "Off-grid"),
        ("device.description", "Transformerless"),
        ("input.voltage.nominal", "230.0"),
        ("battery.voltage.nominal", "24.0"),
        ("input.voltage", "230.0"),
        ("battery.charge", "100.0"),
        ("ups.load", "25"),
        ("output.powerfactor.nominal", "99"),
        ("experimental.battery.type.default", "AGM"),
        ("ups.status", "OL CHRG"),
    ] {
        assert_eq!(var(&p, name), Some(want), "{name}");
    }
    let battery = format!("{:.1}", p.sim.state.battery_voltage.unwrap());
    assert_eq!(var(&p, "battery.voltage"), Some(battery.as_str()));
    assert_eq!(var(&p, "ups.delay.start"), None);
    assert!(p.engine.commands().is_empty());
}

#[test]
fn voltronic_axpert_has_no_delays_nor_shutdown() {
    let mut p = forced(Protocol::VoltronicAxpert, 5);
    assert!(matches!(
        p.engine.setvar("ups.delay.start", "60"),
        Err(Error::UnknownVariable(_))
    ));
    assert!(p.engine.shutdown(p.now).is_err());
    // Line failure and warnings reach status and alarm.
    p.sim.state.fail_line();
    p.sim.state.dialect.inverter_warnings = 1 << 15;
    p.run_for(Duration::from_secs(40));
    assert_eq!(var(&p, "ups.status"), Some("OB CHRG LB"));
    assert_eq!(var(&p, "ups.alarm"), Some("Device warnings: Low battery."));
}

#[test]
fn ablerex_scales_battery_from_q5() {
    // The Q1 battery row uses the Q5 value of the previous full poll
    // (table order, as in NUT): two full polls.
    let p = forced(Protocol::Ablerex, 65);
    assert_eq!(detected(&p), Some(Protocol::Ablerex));
    // 26 V on a 24 V battery: 13.0 V per block, 83 % by the table.
    assert_eq!(p.sim.state.battery_voltage, Some(26.0));
    for (name, want) in [
        ("battery.voltage", "26.00"),
        ("battery.charge", "83"),
        ("battery.voltage.nominal", "24.0"),
        ("battery.voltage.low", "19.20"),
        ("battery.voltage.high", "27.30"),
        ("output.voltage.nominal", "230.0"),
        ("output.frequency", "50.0"),
        ("output.current", "1.2"),
        ("battery.runtime", "2400"),
        ("ups.test.result", "0000"),
        // NUT publishes the Q5 error code even when it is 0 (§2.14).
        ("ups.alarm", "0"),
        ("ups.status", "OL"),
    ] {
        assert_eq!(var(&p, name), Some(want), "{name}");
    }
    assert!(p.engine.commands().contains(&"load.off"));
}

#[test]
fn ablerex_status_bytes_go_to_this_poll_only() {
    let mut p = forced(Protocol::Ablerex, 5);
    p.sim.state.bits.ups_failed = true;
    p.sim.state.bits.bypass_boost_buck = true;
    p.sim.state.bits.line_interactive = false;
    p.run_for(Duration::from_secs(3));
    assert_eq!(var(&p, "ups.status"), Some("OL RB BYPASS"));
    // Cleared by the next quick poll, not only by a full one.
    p.sim.state.bits.ups_failed = false;
    p.sim.state.bits.bypass_boost_buck = false;
    p.run_for(Duration::from_secs(3));
    assert_eq!(var(&p, "ups.status"), Some("OL"));
    // A standby unit classifies by output/input voltage (as published by
    // the last full poll).
    p.sim.state.bits.line_interactive = true;
    p.sim.state.bits.bypass_boost_buck = true;
    p.sim.state.output_voltage = Some(200.0);
    p.run_for(Duration::from_secs(35));
    assert_eq!(var(&p, "ups.status"), Some("OL TRIM"));
}

#[test]
fn innovart31_reads_q6_wa_bps() {
    let p = run(QxConfig::default(), Protocol::Innovart31, 120);
    assert_eq!(detected(&p), Some(Protocol::Innovart31));
    for (name, want) in [
        ("input.phases", "3"),
        ("input.bypass.phases", "1"),
        ("output.phases", "1"),
        ("input.L2-N.voltage", "230.0"),
        ("output.voltage", "230.0"),
        ("output.current", "1.2"),
        ("ups.realpower", "900.00"),
        ("input.bypass.voltage", "230.4"),
        ("input.bypass.frequency", "49.9"),
        ("ups.firmware", "V1.0"),
        ("ups.serial", "SIM0001"),
        ("input.voltage.nominal", "230"),
        ("ups.status", "OL"),
    ] {
        assert_eq!(var(&p, name), Some(want), "{name}");
    }
    assert!(!p.engine.commands().contains(&"beeper.toggle"));
}

#[test]
fn innovart33_never_claims() {
    let p = forced(Protocol::Innovart33, 30);
    assert!(
        p.events
            .iter()
            .any(|e| matches!(e, Event::Fatal(Error::NotSupported { .. })))
    );
    // Q6 and Q1 are asked, then the claim gives up (qx-protocols §2.16).
    assert!(p.sim.received().iter().all(|r| r == b"Q6" || r == b"Q1"));
}

#[test]
fn gtec_status_letters_only_on_full_polls() {
    let mut p = forced(Protocol::Gtec, 5);
    assert_eq!(detected(&p), Some(Protocol::Gtec));
    assert_eq!(var(&p, "ups.status"), Some("OL"));
    assert_eq!(var(&p, "battery.voltage"), Some("27.0"));
    let asked = p.sim.received().len();
    p.sim.state.fail_line();
    p.sim.state.dialect.test_letter = Some(b'J');
    p.run_for(Duration::from_secs(20));
    // Quick polls send nothing: the status row is not a quick row.
    assert_eq!(p.sim.received().len(), asked);
    assert_eq!(var(&p, "ups.status"), Some("OL"));
    p.run_for(Duration::from_secs(15));
    assert_eq!(var(&p, "ups.status"), Some("OB RB"));
    assert_eq!(
        var(&p, "battery.test.status"),
        Some("Test passed - Result: Failed")
    );
    p.sim.state.restore_line();
    p.sim.state.output_off = true;
    p.run_for(Duration::from_secs(35));
    // No mode letter: OFF with OL still set [quirk].
    assert_eq!(var(&p, "ups.status"), Some("OL RB OFF"));
}
