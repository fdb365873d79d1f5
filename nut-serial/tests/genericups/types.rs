//! Every upstype against a UPS wired the same way.

use std::time::Duration;

use nut_serial::genericups::{
    ContactClosureUps, Event, GenericConfig, InputLines, UPS_TYPES, UpsType,
};

use super::harness::Rig;

#[test]
fn every_type_follows_line_power_and_battery() {
    for t in &UPS_TYPES {
        let mut rig = Rig::of_type(t.number);
        assert_eq!(rig.status(), "OL", "type {}", t.number);
        rig.ups.set_line_power(false);
        rig.poll();
        assert_eq!(rig.status(), "OB", "type {}", t.number);
        rig.ups.set_battery_low(true);
        rig.poll();
        assert_eq!(rig.status(), "LB OB", "type {}", t.number);
        // NUT reads LB on its own line: it stays with line power back
        rig.ups.set_line_power(true);
        rig.poll();
        assert_eq!(rig.status(), "LB OL", "type {}", t.number);
        rig.ups.set_battery_low(false);
        rig.poll();
        rig.poll();
        assert_eq!(
            rig.statuses(),
            ["OL", "OB", "LB OB", "LB OL", "OL"],
            "type {}: one event per change",
            t.number
        );
    }
}

#[test]
fn every_type_publishes_its_identity() {
    for t in &UPS_TYPES {
        let rig = Rig::of_type(t.number);
        let vars: Vec<(&str, &str)> = rig
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Var { name, value } => Some((*name, value.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(vars, [("ups.mfr", t.mfr), ("ups.model", t.model)]);
        assert!(rig.logs().contains(&format!("UPS type: {}", t.desc)));
    }
}

#[test]
fn every_type_powers_its_cable_first() {
    for t in &UPS_TYPES {
        let rig = Rig::of_type(t.number);
        let cp = t.lines.cable_power;
        assert_eq!(rig.ups.outputs(), (cp.dtr, cp.rts), "type {}", t.number);
        assert!(rig.ups.cable_powered());
        assert_eq!(
            rig.ups.shutdown_received(),
            None,
            "start-up is not a shutdown"
        );
    }
}

#[test]
fn type_23_reports_replace_battery_and_bypass() {
    let mut rig = Rig::of_type(23);
    rig.ups.state.replace_battery = true;
    rig.poll();
    assert_eq!(rig.status(), "OL RB");
    rig.ups.state.bypass = true;
    rig.ups.set_line_power(false);
    rig.ups.set_battery_low(true);
    rig.poll();
    assert_eq!(rig.status(), "LB OB RB BYPASS");
    // the other types ignore those contacts
    let mut rig = Rig::of_type(22);
    rig.ups.state.replace_battery = true;
    rig.ups.state.bypass = true;
    rig.poll();
    assert_eq!(rig.status(), "OL");
}

#[test]
fn polls_every_pollinterval() {
    let cfg = GenericConfig::from_options([("upstype", "7"), ("pollinterval", "5")]).unwrap();
    let mut rig = Rig::new(cfg, ContactClosureUps::of_type(&UPS_TYPES[7]));
    rig.ups.set_line_power(false);
    rig.run_for(Duration::from_millis(4999));
    assert_eq!(rig.status(), "OL", "no reading before the interval");
    rig.run_for(Duration::from_millis(1));
    assert_eq!(rig.status(), "OB", "no debounce: one reading is enough");
}

#[test]
fn a_lost_port_goes_stale_and_recovers() {
    let mut rig = Rig::of_type(1);
    rig.ups.set_fail_reads(true);
    rig.ups.set_line_power(false);
    rig.poll();
    assert!(rig.engine.is_stale());
    assert_eq!(rig.status(), "OL", "no status is guessed while reads fail");
    assert!(rig.events.contains(&Event::DataStale));
    assert!(
        rig.logs()
            .iter()
            .any(|m| m == "Communications with UPS lost: status read failed: transport error: simulated read failure (port gone)"),
        "{:?}",
        rig.logs()
    );
    rig.ups.set_fail_reads(false);
    rig.poll();
    assert!(!rig.engine.is_stale());
    assert_eq!(rig.status(), "OB");
    assert_eq!(rig.events.last(), Some(&Event::DataOk));
}

#[test]
fn a_cable_without_power_cannot_be_told_from_a_healthy_ups() {
    // NUT's BUGS section: a contact-closure cable that stops working reads
    // as a steady state. With CP dropped, a type-1 cable reads "on line".
    let cfg = GenericConfig::from_options([("upstype", "1"), ("CP", "none")]).unwrap();
    let mut rig = Rig::new(cfg, ContactClosureUps::of_type(&UPS_TYPES[1]));
    rig.ups.set_line_power(false);
    rig.ups.set_battery_low(true);
    rig.poll();
    assert!(!rig.ups.cable_powered());
    assert_eq!(rig.ups.inputs(), InputLines::default());
    assert_eq!(rig.status(), "OL");
}

#[test]
fn mfr_model_serial_overrides() {
    let cfg = GenericConfig::from_options([
        ("upstype", "4"),
        ("mfr", "Acme"),
        ("model", "Brick 500"),
        ("serial", "AB123"),
    ])
    .unwrap();
    let rig = Rig::new(cfg, ContactClosureUps::of_type(UpsType::get(4).unwrap()));
    let vars: Vec<_> = rig
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Var { name, value } => Some(format!("{name}={value}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        vars,
        ["ups.mfr=Acme", "ups.model=Brick 500", "ups.serial=AB123"]
    );
}
