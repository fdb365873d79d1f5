use std::time::{Duration, Instant};

use super::*;

fn bits(tokens: &[&str]) -> StatusBits {
    let mut bits = StatusBits::default();
    for token in tokens {
        assert!(bits.apply(token), "{token}");
    }
    bits
}

fn status(bits: &StatusBits, options: &StatusOptions, charge: Option<&str>) -> String {
    let mut timer = None;
    let out = assemble(bits, options, charge, Instant::now(), &mut timer);
    out.tokens
        .iter()
        .map(StatusToken::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn bits_follow_nut_rules() {
    let mut b = bits(&["offline", "online"]);
    assert!(b.online && !b.offline, "online clears offline");
    b.apply("!online");
    assert!(!b.online && !b.offline, "!online does not set offline");
    assert!(b.apply("LOWBATT"), "case-insensitive");
    assert!(b.lowbatt);
    assert!(!b.apply("yes") && !b.apply("normal") && !b.apply("!bogus"));
    let b = bits(&["fullycharged", "notfullycharged"]);
    assert!(b.notfullycharged && !b.fullycharged);
}

#[test]
fn power_state_tokens() {
    let none = StatusOptions::default();
    assert_eq!(status(&bits(&["online"]), &none, None), "OL");
    assert_eq!(status(&bits(&["offline"]), &none, None), "OB");
    assert_eq!(status(&bits(&["dischrg"]), &none, None), "OB DISCHRG");
    assert_eq!(
        status(&StatusBits::default(), &none, None),
        "",
        "no power token at all"
    );
    let ol_dischrg = bits(&["online", "dischrg"]);
    assert_eq!(status(&ol_dischrg, &none, None), "OL DISCHRG");
    let calibration = StatusOptions {
        onlinedischarge_calibration: true,
        ..StatusOptions::default()
    };
    assert_eq!(status(&ol_dischrg, &calibration, None), "CAL DISCHRG");
    let on_battery = StatusOptions {
        onlinedischarge_onbattery: true,
        ..StatusOptions::default()
    };
    assert_eq!(status(&ol_dischrg, &on_battery, None), "OB DISCHRG");
    let both = StatusOptions {
        onlinedischarge_onbattery: true,
        onlinedischarge_calibration: true,
        ..StatusOptions::default()
    };
    assert_eq!(status(&ol_dischrg, &both, None), "CAL OB DISCHRG");
}

#[test]
fn depleted_and_charge_rules() {
    let none = StatusOptions::default();
    assert_eq!(
        status(&bits(&["offline", "dischrg", "depleted"]), &none, None),
        "OB"
    );
    let chrg = bits(&["online", "chrg"]);
    assert_eq!(status(&chrg, &none, Some("50")), "OL CHRG");
    assert_eq!(status(&chrg, &none, Some("100")), "OL");
    assert_eq!(status(&chrg, &none, None), "OL");
    assert_eq!(
        status(
            &bits(&["online", "chrg", "notfullycharged"]),
            &none,
            Some("100")
        ),
        "OL CHRG"
    );
    assert_eq!(
        status(
            &bits(&["online", "chrg", "fullycharged"]),
            &none,
            Some("50")
        ),
        "OL"
    );
}

#[test]
fn token_order_and_derived_values() {
    let b = bits(&[
        "off",
        "trim",
        "replacebatt",
        "overload",
        "lowbatt",
        "online",
        "chrg",
        "notfullycharged",
        "bypassman",
        "boost",
        "cal",
        "vrange",
        "ecomode",
    ]);
    let mut timer = None;
    let out = assemble(
        &b,
        &StatusOptions::default(),
        None,
        Instant::now(),
        &mut timer,
    );
    let text: Vec<&str> = out.tokens.iter().map(StatusToken::as_str).collect();
    assert_eq!(
        text,
        [
            "CAL", "OL", "CHRG", "LB", "OVER", "RB", "TRIM", "BOOST", "BYPASS", "OFF"
        ]
    );
    assert_eq!(out.transfer_reason, Some("input voltage out of range"));
    assert_eq!(out.buzzwords, ["vendor:default:ECO"]);
    assert_eq!(
        b.alarm_texts(),
        ["Replace battery!", "Manual bypass mode!"],
        "status-derived alarms"
    );
}

#[test]
fn lb_and_rb_delay() {
    let options = StatusOptions {
        lbrb_log_delay: Some(Duration::from_secs(3)),
        lbrb_log_delay_without_calibrating: true,
        ..StatusOptions::default()
    };
    let b = bits(&["online", "lowbatt", "replacebatt"]);
    let start = Instant::now();
    let mut timer = None;
    let at = |secs: u64, timer: &mut Option<Instant>, b: &StatusBits| {
        assemble(b, &options, None, start + Duration::from_secs(secs), timer)
            .tokens
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(at(0, &mut timer, &b), "OL");
    assert_eq!(
        at(3, &mut timer, &b),
        "OL",
        "not strictly more than 3 s yet"
    );
    assert_eq!(at(4, &mut timer, &b), "OL LB RB");
    let cleared = bits(&["online", "replacebatt"]);
    assert_eq!(
        at(5, &mut timer, &cleared),
        "OL RB",
        "RB immediate without LB timer"
    );
    assert!(timer.is_none());
    // Off line: no delay.
    let off = bits(&["offline", "lowbatt"]);
    assert_eq!(at(6, &mut timer, &off), "OB LB");
    // Without the flag and not calibrating, the delay does not apply.
    let plain = StatusOptions {
        lbrb_log_delay: Some(Duration::from_secs(3)),
        ..StatusOptions::default()
    };
    let mut timer = None;
    let out = assemble(&b, &plain, None, start, &mut timer);
    assert!(out.tokens.contains(&StatusToken::LowBattery));
}
