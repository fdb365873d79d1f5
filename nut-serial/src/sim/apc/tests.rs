//! The APC simulator alone, and our engine against it with a simulated
//! clock.

use std::time::{Duration, Instant};

use super::*;
use crate::apc::{ApcConfig, CommandOutcome, Event, SetOutcome};

fn talk(sim: &mut Simulator, now: Instant, bytes: &[u8]) -> Vec<u8> {
    sim.handle_input(now, bytes);
    let mut out = Vec::new();
    while sim.poll_transmit(&mut out) {}
    out
}

#[test]
fn dumb_until_y_then_answers_lines() {
    let now = Instant::now();
    let mut sim = Simulator::new(UnitState::default());
    assert_eq!(talk(&mut sim, now, b"L"), b"");
    assert_eq!(talk(&mut sim, now, b"Y"), b"SM\r\n");
    assert_eq!(talk(&mut sim, now, b"L"), b"229.4\r\n");
    assert_eq!(talk(&mut sim, now, b"Q"), b"08\r\n");
    assert_eq!(talk(&mut sim, now, b"z"), b"NA\r\n");
    assert_eq!(talk(&mut sim, now, b"R"), b"BYE\r\n");
    assert_eq!(talk(&mut sim, now, b"L"), b"");
}

#[test]
fn repeated_commands_need_two_presses_in_the_unit_window() {
    let t0 = Instant::now();
    let mut sim = Simulator::new(UnitState::default());
    talk(&mut sim, t0, b"Y");
    assert_eq!(talk(&mut sim, t0, b"Z"), b"");
    // too soon: counts as a new first press
    assert_eq!(talk(&mut sim, t0 + Duration::from_millis(300), b"Z"), b"");
    assert!(!sim.state.output_off);
    talk(&mut sim, t0 + Duration::from_millis(1800), b"Z");
    assert!(sim.state.output_off, "second press 1.5 s later acts");
    // load on again
    let t1 = t0 + Duration::from_secs(10);
    talk(&mut sim, t1, b"\x0e");
    talk(&mut sim, t1 + Duration::from_secs(5), b"\x0e");
    assert!(sim.state.output_off, "second press too late");
    talk(&mut sim, t1 + Duration::from_secs(7), b"\x0e");
    assert!(!sim.state.output_off);
    // K answers OK and powers off after the p delay (020 s)
    let t2 = t1 + Duration::from_secs(20);
    talk(&mut sim, t2, b"K");
    assert_eq!(
        talk(&mut sim, t2 + Duration::from_millis(1500), b"K"),
        b"OK\r\n"
    );
    sim.tick(t2 + Duration::from_secs(10));
    assert!(!sim.state.output_off);
    sim.tick(t2 + Duration::from_secs(22));
    assert!(sim.state.output_off);
}

#[test]
fn soft_and_hard_hibernate() {
    let t0 = Instant::now();
    let mut sim = Simulator::new(UnitState::default());
    talk(&mut sim, t0, b"Y");
    assert_eq!(talk(&mut sim, t0, b"S"), b"NA\r\n", "S only on battery");
    assert_eq!(talk(&mut sim, t0, b"@00"), b"");
    assert_eq!(talk(&mut sim, t0, b"1"), b"OK\r\n");
    sim.tick(t0 + Duration::from_secs(21));
    assert!(sim.state.output_off);
    // back on 6 minutes (1 unit) after the shutdown, mains present
    assert_eq!(
        talk(&mut sim, t0 + Duration::from_secs(21 + 361), b""),
        b"$"
    );
    assert!(!sim.state.output_off);
    sim.state.fail_line();
    assert_eq!(
        talk(&mut sim, t0 + Duration::from_secs(400), b"S"),
        b"!OK\r\n"
    );
}

#[test]
fn alerts_go_out_when_the_state_changes() {
    let t0 = Instant::now();
    let mut sim = Simulator::new(UnitState::default());
    talk(&mut sim, t0, b"Y");
    sim.state.fail_line();
    assert_eq!(talk(&mut sim, t0, b""), b"!");
    sim.state.overload = true;
    sim.state.replace_battery = true;
    assert_eq!(talk(&mut sim, t0, b""), b"?#");
    sim.state.restore_line();
    sim.state.overload = false;
    assert_eq!(talk(&mut sim, t0, b""), b"=$");
    sim.alerts = false;
    sim.state.fail_line();
    assert_eq!(talk(&mut sim, t0, b""), b"");
}

#[test]
fn settings_cycle_and_strings_take_eight_characters() {
    let t0 = Instant::now();
    let mut sim = Simulator::new(UnitState::default());
    talk(&mut sim, t0, b"Y");
    assert_eq!(talk(&mut sim, t0, b"u-u"), b"253\r\nOK\r\n264\r\n");
    assert_eq!(talk(&mut sim, t0, b"c-AB\r\r\r"), b"UPS_IDEN\r\n");
    assert_eq!(talk(&mut sim, t0, b"\r\r\r"), b"OK\r\n");
    assert_eq!(sim.state.ups_id, "AB");
    assert_eq!(talk(&mut sim, t0, b"L-"), b"229.4\r\nNO\r\n");
}

fn pair() -> Pair {
    Pair::new(
        ApcConfig::default(),
        Simulator::new(UnitState::default()),
        Instant::now(),
    )
}

fn statuses(p: &Pair) -> Vec<String> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::Status(s) => Some(s.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn engine_reads_the_simulator() {
    let mut p = pair();
    p.run_for(Duration::from_secs(1));
    assert!(p.engine.is_ready());
    assert_eq!(p.var("ups.model"), Some("Smart-UPS 1500 RS"));
    assert_eq!(p.var("battery.runtime"), Some("7320"));
    assert_eq!(p.var("battery.voltage.nominal"), Some("024"));
    assert_eq!(p.var("input.sensitivity"), Some("H"));
    assert_eq!(p.var("battery.charge.restart"), Some("00"));
    assert_eq!(p.var("battery.runtime.low"), Some("120"));
    assert_eq!(p.var("ups.status"), Some("OL"));
    let low = p.engine.var_info("battery.runtime.low").unwrap();
    assert_eq!(low.enums, vec!["120", "300", "420", "600"]);
    for cmd in [
        "load.off",
        "load.on",
        "shutdown.return",
        "shutdown.stayoff",
        "test.battery.start",
    ] {
        assert!(p.engine.commands().contains(&cmd), "{cmd}");
    }
}

#[test]
fn line_failure_then_drain_give_ob_then_ob_lb() {
    let mut p = pair();
    p.run_for(Duration::from_secs(1));
    p.sim.state.fail_line();
    p.sim.state.load = 100.0;
    // the '!' alert flips the status before the next poll
    p.run_for(Duration::from_millis(300));
    assert_eq!(p.var("ups.status"), Some("OB"));
    assert!(
        p.events
            .contains(&Event::Alert(crate::apc::Alert::OnBattery))
    );
    assert!(p.run_until(
        Duration::from_secs(30 * 60),
        |e| matches!(e, Event::Status(s) if s.to_string() == "OB LB")
    ));
    assert!(
        p.events
            .contains(&Event::Alert(crate::apc::Alert::LowBattery))
    );
    p.sim.state.restore_line();
    p.run_for(Duration::from_secs(3));
    assert_eq!(statuses(&p), vec!["OL", "OB", "OB LB", "OL"]);
}

fn command(p: &mut Pair, name: &str, param: Option<&str>) -> Result<CommandOutcome, crate::Error> {
    let id = p.engine.instcmd(p.now, name, param).unwrap();
    assert!(p.run_until(
        Duration::from_secs(10),
        |e| matches!(e, Event::CommandDone { id: i, .. } if *i == id)
    ));
    p.events
        .iter()
        .find_map(|e| match e {
            Event::CommandDone { id: i, result, .. } if *i == id => Some(result.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn commands_need_double_send() {
    let mut p = pair();
    p.run_for(Duration::from_secs(1));
    assert_eq!(
        command(&mut p, "load.off", None),
        Ok(CommandOutcome::AwaitingConfirmation)
    );
    p.run_for(Duration::from_secs(3));
    assert!(!p.sim.state.output_off, "asking once does nothing");
    assert_eq!(
        command(&mut p, "load.off", None),
        Ok(CommandOutcome::Executed)
    );
    assert!(p.sim.state.output_off);
    p.run_for(Duration::from_secs(3));
    assert_eq!(p.var("ups.status"), Some("OFF"));
    assert_eq!(
        command(&mut p, "load.on", None),
        Ok(CommandOutcome::Executed)
    );
    p.run_for(Duration::from_secs(3));
    assert_eq!(p.var("ups.status"), Some("OL"));
    // shutdown.stayoff: K twice on the wire, load off after the p delay
    assert_eq!(
        command(&mut p, "shutdown.stayoff", None),
        Ok(CommandOutcome::AwaitingConfirmation)
    );
    p.run_for(Duration::from_secs(4));
    assert_eq!(
        command(&mut p, "shutdown.stayoff", None),
        Ok(CommandOutcome::Executed)
    );
    assert!(!p.sim.state.output_off);
    p.run_for(Duration::from_secs(25));
    assert_eq!(p.var("ups.status"), Some("OFF"));
}

#[test]
fn settings_through_the_engine() {
    let mut p = pair();
    p.run_for(Duration::from_secs(1));
    let id = p.engine.setvar(p.now, "ups.delay.shutdown", "300").unwrap();
    assert!(p.run_until(
        Duration::from_secs(10),
        |e| matches!(e, Event::SetDone { id: i, .. } if *i == id)
    ));
    assert!(p.events.contains(&Event::SetDone {
        id,
        name: "ups.delay.shutdown".into(),
        result: Ok(SetOutcome::Changed),
    }));
    assert_eq!(p.sim.state.setting(b'p').map(Setting::value), Some("300"));
    assert_eq!(p.var("ups.delay.shutdown"), Some("300"));
    let id = p.engine.setvar(p.now, "battery.date", "06/01/24").unwrap();
    assert!(p.run_until(
        Duration::from_secs(10),
        |e| matches!(e, Event::SetDone { id: i, .. } if *i == id)
    ));
    assert_eq!(p.sim.state.battery_date, "06/01/24");
    assert_eq!(p.var("battery.date"), Some("06/01/24"));
}

#[test]
fn faults_go_stale_and_recover_never_a_wrong_status() {
    for fault in [Fault::Silent, Fault::Echo, Fault::Garbage, Fault::Truncate] {
        let mut p = pair();
        p.run_for(Duration::from_secs(1));
        p.sim.fault = fault;
        p.run_for(Duration::from_secs(6));
        assert!(p.engine.is_stale(), "{fault:?}");
        assert_eq!(p.var("ups.status"), Some("OL"), "{fault:?}");
        assert!(
            statuses(&p).iter().all(|s| s == "OL"),
            "{fault:?}: {:?}",
            statuses(&p)
        );
        p.sim.fault = Fault::None;
        assert!(
            p.run_until(Duration::from_secs(40), |e| *e == Event::Recovered),
            "{fault:?}"
        );
    }
}
