//! Properties over random wirings, overrides and line states.

use nut_proto::model::StatusToken;
use nut_serial::genericups::config::{parse_input_signal, parse_output_signal};
use nut_serial::genericups::{
    ContactClosureUps, GenericConfig, InputLine, InputLines, InputSignal, OutputSignal, UPS_TYPES,
};
use proptest::prelude::*;

use super::harness::Rig;

fn input_signal() -> impl Strategy<Value = InputSignal> {
    proptest::array::uniform4(proptest::option::of(any::<bool>())).prop_map(|levels| {
        InputLine::ALL
            .into_iter()
            .zip(levels)
            .fold(InputSignal::NONE, |s, (line, level)| match level {
                Some(level) => s.with(line, level),
                None => s,
            })
    })
}

fn output_signal() -> impl Strategy<Value = OutputSignal> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(dtr, rts, st)| OutputSignal {
        dtr,
        rts,
        st,
    })
}

/// One simulated change: line power, battery low, replace, bypass.
fn contact_state() -> impl Strategy<Value = (bool, bool, bool, bool)> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())
}

proptest! {
    /// Whatever the wiring and the lines: exactly one of OL/OB, NUT's
    /// token order, no other token.
    #[test]
    fn status_is_always_a_valid_combination(
        upstype in 0..24usize,
        ol in proptest::option::of(input_signal()),
        lb in proptest::option::of(input_signal()),
        rb in proptest::option::of(input_signal()),
        bypass in proptest::option::of(input_signal()),
        bits in 0u8..16,
    ) {
        let mut lines = UPS_TYPES[upstype].lines;
        lines.online = ol.unwrap_or(lines.online);
        lines.low_battery = lb.unwrap_or(lines.low_battery);
        lines.replace_battery = rb.unwrap_or(lines.replace_battery);
        lines.bypass = bypass.unwrap_or(lines.bypass);
        let status = lines.status(InputLines::from_bits(bits));
        let ol = status.contains(&StatusToken::OnLine);
        let ob = status.contains(&StatusToken::OnBattery);
        prop_assert!(ol != ob, "{}", status);
        let text = status.to_string();
        let valid = ["", "LB "].iter().any(|lb| {
            ["OL", "OB"].iter().any(|line| {
                ["", " RB"].iter().any(|rb| {
                    ["", " BYPASS"].iter().any(|bp| text == format!("{lb}{line}{rb}{bp}"))
                })
            })
        });
        prop_assert!(valid, "{}", text);
    }

    /// Every type, through the simulator, reads back what the UPS says,
    /// whatever the sequence of changes.
    #[test]
    fn every_type_reads_the_simulated_state(
        upstype in 0..24u8,
        steps in proptest::collection::vec(contact_state(), 1..12),
    ) {
        let mut rig = Rig::of_type(upstype);
        let mut expected_events = vec!["OL".to_owned()];
        for (line_power, battery_low, replace, bypass) in steps {
            rig.ups.state.line_power = line_power;
            rig.ups.state.battery_low = battery_low;
            rig.ups.state.replace_battery = replace;
            rig.ups.state.bypass = bypass;
            rig.poll();
            let four_wire = upstype == 23;
            let mut want = Vec::new();
            if battery_low { want.push("LB"); }
            want.push(if line_power { "OL" } else { "OB" });
            if four_wire && replace { want.push("RB"); }
            if four_wire && bypass { want.push("BYPASS"); }
            let want = want.join(" ");
            prop_assert_eq!(rig.status(), want.clone());
            if expected_events.last() != Some(&want) {
                expected_events.push(want);
            }
        }
        prop_assert_eq!(rig.statuses(), expected_events);
    }

    /// Any override, printed in ups.conf form, parses back to itself.
    #[test]
    fn overrides_round_trip(input in input_signal(), output in output_signal()) {
        prop_assert_eq!(parse_input_signal("OL", &input.to_string()).unwrap(), input);
        prop_assert_eq!(parse_output_signal("SD", &output.to_string()).unwrap(), output);
    }

    /// Override parsing never panics, and what it accepts makes a driver
    /// that reads a rewired UPS correctly.
    #[test]
    fn any_accepted_override_reads_a_matching_ups(
        value in "[-+ A-Za-z]{0,20}",
        which in prop_oneof![Just("OL"), Just("LB")],
        line_power: bool,
        battery_low: bool,
    ) {
        let Ok(cfg) = GenericConfig::from_options([("upstype", "9"), (which, value.as_str())]) else {
            return Ok(());
        };
        let lines = cfg.lines;
        let shared = lines.online.terms().any(|(l, _)| lines.low_battery.level(l).is_some());
        let mut rig = Rig::new(cfg, ContactClosureUps::new(lines));
        rig.ups.set_line_power(line_power);
        rig.ups.set_battery_low(battery_low);
        rig.poll();
        let status = rig.status();
        prop_assert!(status.contains("OL") != status.contains("OB"));
        if !shared && !lines.online.is_disabled() && !lines.low_battery.is_disabled() {
            prop_assert_eq!(status.contains("OL"), line_power, "{}", status);
            prop_assert_eq!(status.contains("LB"), battery_low, "{}", status);
        }
    }
}
