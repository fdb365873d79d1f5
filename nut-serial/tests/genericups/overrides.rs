//! `CP`/`OL`/`LB`/`RB`/`BYPASS`/`SD` overrides, with negation, against the
//! simulated UPS.

use nut_serial::genericups::sim::ShutdownReceived;
use nut_serial::genericups::{
    ContactClosureUps, GenericConfig, InputLine, InputSignal, OutputSignal, UPS_TYPES,
};

use super::harness::Rig;

/// A driver configured by `options` reading a UPS wired as the driver
/// believes (the override describes the real cable).
fn matched(options: &[(&str, &str)]) -> Rig {
    let cfg = GenericConfig::from_options(options.iter().copied()).expect("valid options");
    let ups = ContactClosureUps::new(cfg.lines);
    Rig::new(cfg, ups)
}

/// A driver configured by `options` reading a UPS with the stock cable of
/// `upstype`.
fn on_stock_cable(options: &[(&str, &str)], upstype: usize) -> Rig {
    let cfg = GenericConfig::from_options(options.iter().copied()).expect("valid options");
    Rig::new(cfg, ContactClosureUps::of_type(&UPS_TYPES[upstype]))
}

#[test]
fn negating_ol_inverts_the_reading() {
    // type 1 is on line while RNG is low (OL=-RNG); OL=RNG says the opposite
    let mut rig = on_stock_cable(&[("upstype", "1"), ("OL", "RNG")], 1);
    assert_eq!(rig.status(), "OB");
    rig.ups.set_line_power(false);
    rig.poll();
    assert_eq!(rig.status(), "OL");
}

#[test]
fn negating_lb_inverts_the_reading() {
    let mut rig = on_stock_cable(&[("upstype", "1"), ("LB", "-DCD")], 1);
    assert_eq!(rig.status(), "LB OL");
    rig.ups.set_battery_low(true);
    rig.poll();
    assert_eq!(rig.status(), "OL");
}

#[test]
fn overridden_lines_follow_a_rewired_ups() {
    for options in [
        &[("upstype", "1"), ("OL", "CTS"), ("LB", "-DSR")][..],
        &[("upstype", "1"), ("OL", "-DSR"), ("LB", "RNG")],
        &[("upstype", "9"), ("OL", "DCD"), ("LB", "-CTS")],
        &[("upstype", "22"), ("OL", "CTS+-DCD"), ("LB", "RNG")],
        &[("upstype", "0"), ("RB", "-RNG"), ("BYPASS", "DSR")],
    ] {
        let mut rig = matched(options);
        rig.ups.set_line_power(false);
        rig.ups.set_battery_low(true);
        rig.poll();
        assert_eq!(rig.status(), "LB OB", "{options:?}");
        rig.ups.state.replace_battery = true;
        rig.ups.state.bypass = true;
        rig.ups.set_line_power(true);
        rig.poll();
        let rb = options.iter().any(|(n, _)| *n == "RB");
        let want = if rb { "LB OL RB BYPASS" } else { "LB OL" };
        assert_eq!(rig.status(), want, "{options:?}");
    }
}

#[test]
fn disabled_ol_always_reads_on_line_and_disabled_lb_never_low() {
    for null in ["NULL", "none"] {
        let mut rig = on_stock_cable(&[("upstype", "1"), ("OL", null), ("LB", null)], 1);
        rig.ups.set_line_power(false);
        rig.ups.set_battery_low(true);
        rig.poll();
        assert_eq!(rig.status(), "OL", "{null}");
    }
}

#[test]
fn cable_power_override_is_set_at_start() {
    let cfg = GenericConfig::from_options([("upstype", "1"), ("CP", "DTR+RTS")]).unwrap();
    assert_eq!(cfg.lines.cable_power, OutputSignal::DTR_RTS);
    let rig = Rig::new(cfg, ContactClosureUps::of_type(&UPS_TYPES[1]));
    assert_eq!(rig.ups.outputs(), (true, true));
    let cfg = GenericConfig::from_options([("upstype", "0"), ("CP", "-DTR+RTS")]).unwrap();
    let rig = Rig::new(cfg, ContactClosureUps::of_type(&UPS_TYPES[0]));
    assert_eq!(rig.ups.outputs(), (false, true));
}

#[test]
fn shutdown_override_gives_a_type_without_one_its_shutdown() {
    let mut rig = matched(&[("upstype", "8"), ("SD", "RTS")]);
    rig.engine.start_shutdown(rig.now).unwrap();
    rig.settle();
    assert_eq!(
        rig.ups.shutdown_received(),
        Some(ShutdownReceived::Lines {
            dtr: false,
            rts: true
        })
    );
}

#[test]
fn negated_shutdown_line_drops_it() {
    // type 21: CP=RTS, SD=RTS+DTR; SD=-RTS+DTR raises DTR and drops RTS
    let mut rig = matched(&[("upstype", "21"), ("SD", "-RTS+DTR")]);
    rig.engine.start_shutdown(rig.now).unwrap();
    rig.settle();
    assert_eq!(rig.ups.outputs(), (true, false));
    assert!(rig.ups.shutdown_received().is_some());
    // SD=ST turns a line shutdown into a break
    let mut rig = matched(&[("upstype", "21"), ("SD", "ST")]);
    rig.engine.start_shutdown(rig.now).unwrap();
    rig.settle();
    assert_eq!(rig.ups.shutdown_received(), Some(ShutdownReceived::Break));
}

#[test]
fn overrides_resolve_to_the_documented_signals() {
    let cfg = GenericConfig::from_options([
        ("upstype", "23"),
        ("OL", "-CTS"),
        ("LB", "DCD"),
        ("RB", "none"),
        ("BYPASS", "DSR+-RNG"),
        ("SD", "DTR"),
        ("CP", "NULL"),
    ])
    .unwrap();
    let l = cfg.lines;
    assert_eq!(l.online, InputSignal::low(InputLine::Cts));
    assert_eq!(l.low_battery, InputSignal::high(InputLine::Dcd));
    assert_eq!(l.replace_battery, InputSignal::NONE);
    assert_eq!(
        l.bypass,
        InputSignal::high(InputLine::Dsr).with(InputLine::Rng, false)
    );
    assert_eq!(l.bypass.to_string(), "-RNG+DSR");
    assert_eq!(l.shutdown, Some(OutputSignal::DTR));
    assert_eq!(l.cable_power, OutputSignal::NONE);
    assert!(cfg.notices.is_empty());
}

#[test]
fn bad_overrides_are_refused_with_the_option_named() {
    for (name, value, reason) in [
        ("OL", "DTR", "can't override input with DTR (not an input)"),
        (
            "CP",
            "CTS",
            "can't override output with CTS (not an output)",
        ),
        ("LB", "dcd", "expected CTS, DCD, RNG or DSR"),
        ("SD", "-ST", "ST (break) cannot be negated"),
    ] {
        let e = GenericConfig::from_options([("upstype", "1"), (name, value)]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(reason), "{text}");
        assert!(text.contains(&format!("option {name}")), "{text}");
        assert!(text.contains(&format!("{value:?}")), "{text}");
    }
}
