//! The criticality rules (§16.4), power values and MINSUPPLIES, DEADTIME,
//! roles, timeouts and clock jumps, scenario by scenario.

use std::time::Duration;

use nut_monitor::{Engine, Output, PollResult, REPLY_TIMEOUT, Request, config};

use crate::support::{Answer, Sim, base};

const BASE: &str = "POLLFREQ 2\nPOLLFREQALERT 1\nFINALDELAY 0\nHOSTSYNC 5\nSHUTDOWNCMD /bin/true\n";

fn one(role: &str, extra: &str) -> Sim {
    Sim::new(&format!("MONITOR ups 1 u p {role}\n{BASE}{extra}"))
}

#[test]
fn secondary_waits_hostsync_for_the_primary() {
    let mut sim = one("secondary", "");
    sim.status("ups", 3500, "OB")
        .status("ups", 6200, "OB LB")
        .run_until(60_000);
    // Last non-critical moment: the 7000 ms poll (OB before LB in the
    // status), so HOSTSYNC 5 s is exceeded at the 13 000 ms poll.
    assert_eq!(sim.shutdown_at(), Some(13_000));
    assert!(
        !sim.kinds().iter().any(|k| k.starts_with("SETFSD")),
        "a secondary never sets FSD"
    );
    assert!(
        sim.logs()
            .iter()
            .any(|l| l.contains("did not set FSD within HOSTSYNC"))
    );
}

#[test]
fn secondary_that_sees_lb_clear_in_time_stays_up() {
    let mut sim = one("secondary", "");
    sim.status("ups", 3500, "OB")
        .status("ups", 6200, "OB LB")
        .status("ups", 10_500, "OB");
    sim.run_until(60_000);
    assert_eq!(sim.shutdown_at(), None);
}

#[test]
fn deadtime_promotes_a_silent_ups_last_on_battery() {
    let mut sim = one("primary", "DEADTIME 5\n");
    sim.status("ups", 1000, "OB")
        .down("ups", 2500)
        .run_until(60_000);
    // Last good poll 2000; silent for more than 5 s at the 8000 ms poll.
    assert_eq!(sim.shutdown_at(), Some(8000));
    assert!(
        !sim.kinds().contains(&"LOWBATT".to_owned()),
        "promotion is silent"
    );
    assert!(sim.logs().contains(&"Promoting dead UPS: ups".to_owned()));
}

#[test]
fn a_silent_ups_last_on_line_is_never_critical() {
    let mut sim = one("primary", "DEADTIME 5\n");
    sim.down("ups", 2500).run_until(120_000);
    assert_eq!(sim.shutdown_at(), None);
}

#[test]
fn offduration() {
    for (setting, want) in [("3", Some(6000)), ("0", Some(2000)), ("-1", None)] {
        let mut sim = one("primary", &format!("OFFDURATION {setting}\n"));
        sim.status("ups", 1000, "OFF").run_until(30_000);
        assert_eq!(sim.shutdown_at(), want, "OFFDURATION {setting}");
    }
}

#[test]
fn off_then_lost_is_critical_at_once_unless_offduration_is_negative() {
    for (setting, want) in [("30", Some(3000)), ("-1", None)] {
        let mut sim = one("primary", &format!("OFFDURATION {setting}\n"));
        sim.status("ups", 1000, "OFF")
            .down("ups", 2500)
            .run_until(20_000);
        assert_eq!(sim.shutdown_at(), want, "OFFDURATION {setting}");
    }
}

#[test]
fn overduration_applies_only_without_communication() {
    let mut sim = one("primary", "OVERDURATION 3\n");
    sim.status("ups", 1000, "OL OVER")
        .down("ups", 2500)
        .run_until(20_000);
    // OVER since 2000; lost at 3000; 3 s elapsed at the 5000 ms poll.
    assert_eq!(sim.shutdown_at(), Some(5000));
    let mut sim = one("primary", "OVERDURATION 3\n");
    sim.status("ups", 1000, "OL OVER").run_until(20_000);
    assert_eq!(sim.shutdown_at(), None, "overloaded but talking");
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OL OVER")
        .down("ups", 2500)
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), None, "OVERDURATION unset = never");
}

#[test]
fn alarmcritical() {
    let mut sim = one("primary", "");
    sim.answer("ups", 1000, Answer::Alarm("OL ALARM".into(), "x".into()))
        .down("ups", 2500)
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), Some(3000));
    let mut sim = one("primary", "ALARMCRITICAL 0\n");
    sim.answer("ups", 1000, Answer::Alarm("OL ALARM".into(), "x".into()))
        .down("ups", 2500)
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), None);
    let mut sim = one("primary", "");
    sim.answer("ups", 1000, Answer::Alarm("OL ALARM".into(), "x".into()))
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), None, "an alarm alone is not critical");
}

#[test]
fn calibration_exempts_ob_lb_but_not_lost_communication() {
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OB LB CAL").run_until(20_000);
    assert_eq!(sim.shutdown_at(), None);
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OL CAL")
        .down("ups", 2500)
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), Some(4000));
}

#[test]
fn bypass_is_critical_only_without_communication() {
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OL BYPASS").run_until(20_000);
    assert_eq!(sim.shutdown_at(), None);
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OL BYPASS")
        .down("ups", 2500)
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), Some(3000));
}

#[test]
fn eco_trim_boost_are_never_critical() {
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OL ECO TRIM BOOST")
        .down("ups", 2500)
        .run_until(60_000);
    assert_eq!(sim.shutdown_at(), None);
}

#[test]
fn oblbduration_waits_and_polls_on_the_gcd() {
    let mut sim = Sim::new(
        "MONITOR ups 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 2\nOBLBDURATION 3\nFINALDELAY 0\n",
    );
    sim.status("ups", 1000, "OB LB").run_until(20_000);
    // OB+LB from 2000; polled every gcd(2, 3) = 1 s; 3 s reached at 5000.
    assert_eq!(sim.shutdown_at(), Some(5000));
    assert_eq!(sim.polls, [0, 2000, 3000, 4000, 5000]);
    // A glitch shorter than OBLBDURATION does nothing.
    let mut sim =
        Sim::new("MONITOR ups 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 2\nOBLBDURATION 3\n");
    sim.status("ups", 1000, "OB LB")
        .status("ups", 3500, "OB")
        .run_until(20_000);
    assert_eq!(sim.shutdown_at(), None);
}

#[test]
fn minsupplies_and_power_values() {
    let two = "MONITOR a 1 u p primary\nMONITOR b 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 1\nFINALDELAY 0\n";
    // MINSUPPLIES 1: one UPS still feeds the host.
    let mut sim = Sim::new(two);
    sim.status("a", 1000, "OB LB").run_until(20_000);
    assert_eq!(sim.shutdown_at(), None);
    assert_eq!(sim.engine.power_value(sim.now), 1);
    sim.status("b", 21_000, "OB LB").run_until(40_000);
    assert_eq!(sim.shutdown_at(), Some(21_000));
    // MINSUPPLIES 2: losing either is fatal; both primaries get FSD.
    let mut sim = Sim::new(&format!("{two}MINSUPPLIES 2\n"));
    sim.status("b", 1000, "OB LB").run_until(20_000);
    assert_eq!(sim.shutdown_at(), Some(2000));
    assert_eq!(sim.kinds()[2..4], ["SETFSD a", "SETFSD b"]);
    // A power value of 2 covers MINSUPPLIES 2 alone.
    let mut sim = Sim::new("MONITOR a 2 u p primary\nMONITOR b 0 u p primary\nMINSUPPLIES 2\n");
    sim.status("b", 0, "OB LB").run_until(20_000);
    assert_eq!(sim.shutdown_at(), None, "a monitor-only UPS does not count");
}

#[test]
fn insufficient_power_is_refused_at_start() {
    let parsed = config::parse(b"MONITOR a 1 u p primary\nMINSUPPLIES 2\n", "f").unwrap();
    let err = Engine::new(parsed.config, base()).unwrap_err();
    assert!(err.to_string().contains("insufficient power"), "{err}");
}

#[test]
fn mixed_roles_set_fsd_only_where_primary() {
    let mut sim = Sim::new(
        "MONITOR a 1 u p primary\nMONITOR b 1 u p secondary\nMINSUPPLIES 2\nFINALDELAY 0\n",
    );
    sim.status("b", 1000, "FSD OL")
        .logins("a", 0, 1)
        .run_until(20_000);
    assert_eq!(sim.kinds(), ["FSD", "SETFSD a", "SHUTDOWN", "EXIT"]);
    let asked: Vec<_> = sim
        .outputs
        .iter()
        .filter_map(|(_, o)| match o {
            Output::Send {
                ups,
                request: Request::NumLogins,
            } => Some(ups.index()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [0]);
}

#[test]
fn missing_answers_count_as_failed_polls() {
    let parsed = config::parse(b"MONITOR ups 1 u p primary\n", "f").unwrap();
    let t0 = base();
    let mut engine = Engine::new(parsed.config, t0).unwrap();
    engine.handle_timeout(t0);
    assert!(matches!(
        engine.poll_output(),
        Some(Output::Send {
            request: Request::Status,
            ..
        })
    ));
    assert_eq!(engine.poll_timeout(), Some(t0 + REPLY_TIMEOUT));
    engine.handle_timeout(t0 + REPLY_TIMEOUT - Duration::from_millis(1));
    assert_eq!(engine.poll_output(), None, "early timeout does nothing");
    engine.handle_timeout(t0 + REPLY_TIMEOUT);
    let outputs: Vec<_> = std::iter::from_fn(|| engine.poll_output()).collect();
    assert!(
        outputs
            .iter()
            .any(|o| matches!(o, Output::Notify(n) if n.kind.name() == "COMMBAD")),
        "{outputs:?}"
    );
    assert_eq!(
        engine.poll_timeout(),
        Some(t0 + REPLY_TIMEOUT + Duration::from_secs(5))
    );
}

#[test]
fn time_going_backwards_and_foreign_ids_are_harmless() {
    let parsed = config::parse(b"MONITOR ups 1 u p primary\n", "f").unwrap();
    let t0 = base() + Duration::from_secs(100);
    let mut engine = Engine::new(parsed.config, t0).unwrap();
    engine.handle_timeout(t0);
    let id = engine.ups_id("ups").unwrap();
    engine.handle_poll(t0 - Duration::from_secs(50), id, PollResult::status("OB"));
    engine.handle_poll(
        t0 - Duration::from_secs(90),
        id,
        PollResult::status("OB LB"),
    );
    let two = config::parse(
        b"MONITOR a 0 u p primary\nMONITOR b 0 u p primary\nMINSUPPLIES 0\n",
        "f",
    )
    .unwrap();
    let other = Engine::new(two.config, t0).unwrap();
    let foreign = other.ups_id("b").unwrap();
    engine.handle_poll(t0, foreign, PollResult::status("OB LB"));
    engine.handle_numlogins(t0, foreign, Ok(5));
    engine.handle_fsd_ack(t0, foreign, Ok(()));
    while engine.poll_output().is_some() {}
}

#[test]
fn clock_jump_with_silent_ups_is_not_a_shutdown() {
    // On battery (not low) when the host sleeps; after resume the network
    // is not up yet. NUT 2.8.0 would count the sleep against DEADTIME and
    // shut down at the first failed poll.
    let mut sim = one("primary", "DEADTIME 15\n");
    sim.status("ups", 1000, "OB").down("ups", 3500);
    sim.pause(3500, 600_000);
    assert!(
        sim.logs()
            .iter()
            .any(|l| l.starts_with("Unexpected clock change by 59")),
        "{:?}",
        sim.logs()
    );
    sim.run_until(610_000);
    assert_eq!(sim.shutdown_at(), None, "{:?}", sim.trace());
    // Still silent: DEADTIME (15 s) after the resume it is taken as dead.
    sim.run_until(700_000);
    assert_eq!(sim.shutdown_at(), Some(616_000));
}

#[test]
fn clock_jump_then_real_low_battery_is_acted_on_at_once() {
    let mut sim = one("primary", "");
    sim.status("ups", 1000, "OB")
        .status("ups", 300_000, "OB LB");
    sim.pause(3500, 600_000);
    sim.run_until(700_000);
    assert_eq!(sim.shutdown_at(), Some(600_000));
}

#[test]
fn clock_jump_restarts_a_secondarys_hostsync_wait() {
    let mut sim = one("secondary", "");
    sim.status("ups", 1000, "OB LB");
    sim.pause(3500, 600_000);
    sim.run_until(700_000);
    // Without the reset the secondary would give up at 600 000 at once.
    assert_eq!(sim.shutdown_at(), Some(606_000));
}

#[test]
fn small_delays_are_not_clock_jumps() {
    let mut sim = one("primary", "DEADTIME 3\n");
    sim.status("ups", 1000, "OB").down("ups", 2500);
    // 4.9 s late: still the same timeline, DEADTIME counts across it.
    sim.pause(2500, 7900);
    sim.run_until(20_000);
    assert!(
        !sim.logs()
            .iter()
            .any(|l| l.contains("Unexpected clock change"))
    );
    assert_eq!(sim.shutdown_at(), Some(7900));
}

#[test]
fn huge_and_garbage_statuses_are_bounded() {
    let parsed = config::parse(b"MONITOR ups 1 u p primary\nMINSUPPLIES 1\n", "f").unwrap();
    let t0 = base();
    let mut engine = Engine::new(parsed.config, t0).unwrap();
    engine.handle_timeout(t0);
    while engine.poll_output().is_some() {}
    let id = engine.ups_id("ups").unwrap();
    // Built directly, bypassing the bounded constructor.
    let huge = PollResult::Status {
        status: format!("OL {}", "X\u{e9}".repeat(100_000)),
        alarm: Some("a".repeat(100_000)),
        buzzwords: None,
    };
    engine.handle_poll(t0, id, huge);
    let other: Vec<String> = std::iter::from_fn(|| engine.poll_output())
        .filter_map(|o| match o {
            Output::Notify(n) => Some(n.message),
            _ => None,
        })
        .collect();
    assert_eq!(other.len(), 1, "{other:?}");
    assert!(other[0].len() <= nut_monitor::notify::MAX_MESSAGE_LEN);
    // Garbage tokens are unclassified, never a status.
    engine.handle_poll(t0, id, PollResult::status("\u{0}\u{7f} OB\u{1} ERR"));
    let kinds: Vec<&str> = std::iter::from_fn(|| engine.poll_output())
        .filter_map(|o| match o {
            Output::Notify(n) => Some(n.kind.name()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["OTHER"]);
    assert!(!engine.is_shutting_down());
    assert_eq!(
        PollResult::failed("x").with_alarm("y"),
        PollResult::failed("x")
    );
}

#[test]
fn reload_keeps_state_and_the_privileged_settings() {
    let mut sim = Sim::new(
        "MONITOR a 1 u p primary\nMONITOR b 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 1\nFINALDELAY 0\n\
         SHUTDOWNCMD /old\nPOWERDOWNFLAG /old-flag\n",
    );
    sim.status("a", 1000, "OB").run_until(2500);
    assert_eq!(sim.kinds(), ["ONBATT"]);
    let new = config::parse(
        b"MONITOR a 2 u p primary\nMONITOR c 1 u p secondary\nMINSUPPLIES 2\nPOLLFREQ 2\nPOLLFREQALERT 1\n\
          FINALDELAY 0\nSHUTDOWNCMD /new\nPOWERDOWNFLAG /new-flag\n",
        "f",
    )
    .unwrap();
    sim.engine.handle_reload(sim.now, new.config).unwrap();
    sim.drain();
    let logs = sim.logs();
    assert!(
        logs.contains(&"No longer monitoring UPS [b]".to_owned()),
        "{logs:?}"
    );
    assert_eq!(
        logs.iter()
            .filter(|l| l.contains("redefined in split-process mode"))
            .count(),
        2
    );
    assert_eq!(sim.engine.config().shutdown_cmd.as_deref(), Some("/old"));
    assert_eq!(sim.engine.ups_id("c").map(|u| u.index()), Some(1));
    // "a" still known to be on battery: no second ONBATT; its LB now
    // leaves only c's 1 < MINSUPPLIES 2.
    sim.status("a", 3000, "OB LB").run_until(10_000);
    assert_eq!(
        sim.kinds(),
        [
            "ONBATT",
            "LOWBATT",
            "SETFSD a",
            "SHUTDOWN",
            "POWERDOWNFLAG",
            "SHUTDOWNCMD",
            "EXIT"
        ]
    );
    let all: Vec<String> = sim.outputs.iter().map(|(_, o)| o.to_string()).collect();
    assert!(all.contains(&"SHUTDOWNCMD /old".to_owned()));
    // A reload that cannot reach MINSUPPLIES is refused.
    let mut sim = Sim::new("MONITOR a 1 u p primary\n");
    let bad = config::parse(b"MONITOR a 1 u p primary\nMINSUPPLIES 3\n", "f").unwrap();
    assert!(sim.engine.handle_reload(sim.now, bad.config).is_err());
    assert_eq!(sim.engine.config().min_supplies, 1);
    sim.run_until(100);
}
