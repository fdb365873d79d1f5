//! The scenario replayer on the lab scenarios of real-nut-lab.md §3.2, and
//! cross-checked against the independent test driver.

use std::time::Duration;

use nut_monitor::config;
use nut_monitor::replay::{Scenario, Timeline, replay};
use nut_monitor::{Error, Output};
use proptest::prelude::*;

use crate::support::{Sim, base, ms};

fn run(conf: &str, scenario: &str) -> Timeline {
    let parsed = config::parse(conf.as_bytes(), "upsmon.conf").unwrap();
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let scenario = Scenario::parse(scenario.as_bytes()).unwrap();
    replay(parsed.config, &scenario, base()).unwrap()
}

fn at(t: &Timeline, pred: impl Fn(&Output) -> bool) -> u64 {
    ms(t.entries
        .iter()
        .find(|e| pred(&e.output))
        .expect("present")
        .at)
}

fn notified(t: &Timeline, kind: &str) -> u64 {
    t.notifications()
        .into_iter()
        .find(|(_, k)| *k == kind)
        .expect(kind)
        .0
}

/// `ours` (ms after the status change) is within 50 ms of the lab's.
fn near(ours: u64, lab: u64) {
    assert!(ours.abs_diff(lab) <= 50, "ours +{ours} ms, lab +{lab} ms");
}

const LAB: &str = "POLLFREQ 1\nPOLLFREQALERT 1\nFINALDELAY 2\nHOSTSYNC 5\nSHUTDOWNCMD /lab/shutdown.sh\nPOWERDOWNFLAG /lab/killpower\n";

#[test]
fn lab_primary_ob_then_ob_lb() {
    // Lab second pass, primary only: OB +0.966 ONBATT; OB LB +0.958
    // LOWBATT, +0.970 SHUTDOWN, +2.969 SHUTDOWNCMD (FINALDELAY 2).
    let conf = format!("MONITOR dummy@127.0.0.1:13495 1 monuser monpass primary\n{LAB}");
    let t = run(
        &conf,
        "latency 2\n10.036 status dummy@127.0.0.1:13495 OB\n15.054 status dummy@127.0.0.1:13495 \"OB LB\"\nend 40\n",
    );
    assert_eq!(
        t.notifications(),
        [
            (11_024, "ONBATT"),
            (16_034, "LOWBATT"),
            (16_038, "SHUTDOWN")
        ],
        "{}",
        t.render(true)
    );
    near(notified(&t, "ONBATT") - 10_036, 966);
    near(notified(&t, "LOWBATT") - 15_054, 958);
    near(notified(&t, "SHUTDOWN") - 15_054, 970);
    near(
        at(&t, |o| matches!(o, Output::RunShutdownCmd { .. })) - 15_054,
        2969,
    );
    // The primary gets no FSD notification of its own (lab, 2.8.0).
    assert!(!t.notifications().iter().any(|(_, k)| *k == "FSD"));
    let kinds: Vec<String> = t
        .entries
        .iter()
        .skip_while(|e| !matches!(e.output, Output::Wall(_)))
        .map(|e| e.output.to_string())
        .collect();
    assert_eq!(
        kinds[1..]
            .iter()
            .filter(|k| !k.starts_with("LOG"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            "NOTIFY SHUTDOWN [] Auto logout and shutdown proceeding (SYSLOG+WALL)",
            "POWERDOWNFLAG /lab/killpower",
            "SHUTDOWNCMD /lab/shutdown.sh",
            "EXIT",
        ]
    );
    let text = t.render(false);
    assert!(
        text.contains("    16.034  SEND FSD dummy@127.0.0.1:13495\n"),
        "{text}"
    );
    assert!(
        text.contains("    18.038  SHUTDOWNCMD /lab/shutdown.sh\n"),
        "{text}"
    );
}

#[test]
fn lab_fsd_from_the_primary_seen_by_a_secondary() {
    // Lab second pass, mon1 primary + mon2 secondary, OB LB at t0:
    // mon1 LOWBATT +0.936; mon2 LOWBATT +0.941, FSD +0.942, SHUTDOWN
    // +0.948, SHUTDOWNCMD +2.949 (then exits); mon1 SHUTDOWN +3.193,
    // SHUTDOWNCMD +5.194. Two replays, one per host; the secondary started
    // 0.995 s before the primary, so its polls come 5 ms after the primary's.
    let ups = "dummy@127.0.0.1:13496";
    let primary = format!("MONITOR {ups} 1 monuser monpass primary\n{LAB}");
    let secondary = format!("MONITOR {ups} 1 secuser secpass secondary\n{LAB}");
    let t0 = 15_064;
    let shift = 995;
    let secs = |ms: u64| format!("{}.{:03}", ms / 1000, ms % 1000);

    // 1. The primary alone decides and sets FSD.
    let first = run(
        &primary,
        &format!(
            "{} numlogins {ups} 2\n{} status {ups} \"OB LB\"\nend 60\n",
            secs(0),
            secs(t0)
        ),
    );
    let fsd_set = ms(first.shutdown_decision().unwrap());
    assert_eq!(fsd_set, 16_000);
    // 2. The secondary, on its own clock, sees the latched FSD.
    let sec = run(
        &secondary,
        &format!(
            "{} status {ups} \"OB LB\"\n{} status {ups} \"FSD OB LB\"\nend 60\n",
            secs(t0 + shift),
            secs(fsd_set + shift)
        ),
    );
    assert_eq!(
        sec.notifications(),
        [
            (17_000, "FSD"),
            (17_000, "ONBATT"),
            (17_000, "LOWBATT"),
            (17_000, "SHUTDOWN")
        ],
        "{}",
        sec.render(true)
    );
    let sec_exit = at(&sec, |o| *o == Output::Exit) - shift;
    near(notified(&sec, "FSD") - shift - t0, 942);
    near(notified(&sec, "LOWBATT") - shift - t0, 941);
    near(notified(&sec, "SHUTDOWN") - shift - t0, 948);
    near(
        at(&sec, |o| matches!(o, Output::RunShutdownCmd { .. })) - shift - t0,
        2949,
    );
    // 3. The primary waits for the secondary's login to go away.
    let prim = run(
        &primary,
        &format!(
            "0 numlogins {ups} 2\n{} numlogins {ups} 1\n{} status {ups} \"OB LB\"\nend 60\n",
            secs(sec_exit),
            secs(t0)
        ),
    );
    near(notified(&prim, "LOWBATT") - t0, 936);
    near(notified(&prim, "SHUTDOWN") - t0, 3193);
    near(
        at(&prim, |o| matches!(o, Output::RunShutdownCmd { .. })) - t0,
        5194,
    );
    assert_eq!(
        prim.notifications(),
        [
            (16_000, "ONBATT"),
            (16_000, "LOWBATT"),
            (16_000, "SHUTDOWN_HOSTSYNC"),
            (18_250, "SHUTDOWN")
        ]
    );
}

#[test]
fn short_outage_back_to_line() {
    let conf = "MONITOR ups 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 1\n";
    let t = run(
        conf,
        "9.5 status ups \"OB DISCHRG\"\n10.6 status ups \"OL CHRG\"\nend 30\n",
    );
    assert_eq!(t.notifications(), [(10_000, "ONBATT"), (11_000, "ONLINE")]);
    assert_eq!(t.shutdown_decision(), None);
}

#[test]
fn comms_loss_nocomm_and_recovery() {
    // Lab: COMMBAD at the next poll after the driver is killed, COMMOK at
    // the next poll after it is back.
    let conf = "MONITOR ups 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 1\nNOCOMMWARNTIME 10\n";
    let t = run(conf, "7 down ups\n31 status ups OL\nend 40\n");
    assert_eq!(
        t.notifications(),
        [
            (8000, "COMMBAD"),
            (16_000, "NOCOMM"),
            (28_000, "NOCOMM"),
            (32_000, "COMMOK")
        ],
        "{}",
        t.render(true)
    );
}

#[test]
fn user_fsd_and_alarm_events() {
    let conf = "MONITOR ups 1 u p primary\nPOLLFREQ 2\nFINALDELAY 0\nSHUTDOWNCMD halt\n";
    let t = run(
        conf,
        "3 alarm ups \"Fan failure\"\n3 status ups \"OL ALARM\"\n9 fsd\nend 30\n",
    );
    assert_eq!(t.notifications(), [(4000, "ALARM"), (9000, "SHUTDOWN")]);
    let Some(Output::Notify(n)) = t
        .entries
        .iter()
        .map(|e| &e.output)
        .find(|o| matches!(o, Output::Notify(_)))
    else {
        panic!()
    };
    assert_eq!(
        n.message,
        "UPS ups: one or more active alarms: [Fan failure]"
    );
}

#[test]
fn host_sleep_is_a_clock_jump_not_a_shutdown() {
    // NUT 2.8.0 would count the hour against DEADTIME: the failed poll at
    // wake-up would make the UPS "dead while on battery" and shut down.
    let conf =
        "MONITOR ups 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 2\nDEADTIME 15\nSHUTDOWNCMD halt\n";
    let t = run(
        conf,
        "1 status ups OB\n5 sleep 3600\n3000 down ups\n3606 status ups OB\nend 3700\n",
    );
    assert_eq!(t.shutdown_decision(), None, "{}", t.render(true));
    assert!(
        t.render(false)
            .contains("LOG Warning: Unexpected clock change by 3599 sec"),
        "{}",
        t.render(false)
    );
    assert_eq!(
        t.notifications(),
        [
            (2000, "ONBATT"),
            (3_605_000, "COMMBAD"),
            (3_607_000, "COMMOK")
        ]
    );
}

#[test]
fn scenario_errors_name_the_line() {
    for (text, want) in [
        (
            "1 status ups OL\nx status ups OB\n",
            "scenario line 2: bad time [x]",
        ),
        ("1 explode ups\n", "scenario line 1: bad event: explode ups"),
        ("1 status ups\n", "scenario line 1: bad event: status ups"),
        (
            "1 numlogins ups many\n",
            "scenario line 1: bad event: numlogins ups many",
        ),
        ("end soon\n", "scenario line 1: bad time"),
        (
            "1 status ups \"OB # LB\"\n",
            "scenario line 1: Unbalanced word due to unescaped # in quotes",
        ),
    ] {
        assert_eq!(
            Scenario::parse(text.as_bytes()).unwrap_err().to_string(),
            want
        );
    }
    let conf = config::parse(b"MONITOR ups 1 u p primary\n", "f")
        .unwrap()
        .config;
    let s = Scenario::parse(b"1 status other OB\n").unwrap();
    assert!(matches!(
        replay(conf, &s, base()),
        Err(Error::Scenario { .. })
    ));
    let big = vec![b'#'; nut_monitor::replay::MAX_SCENARIO_LEN + 1];
    assert!(matches!(Scenario::parse(&big), Err(Error::TooLarge { .. })));
}

#[test]
fn end_defaults_to_a_minute_after_the_last_event() {
    let s = Scenario::parse(b"10 status ups OB\n").unwrap();
    assert_eq!(s.end, Duration::from_secs(70));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The replayer and the independent test driver agree on every output.
    #[test]
    fn replayer_agrees_with_the_test_driver(
        steps in prop::collection::vec(
            (prop::sample::select(vec!["OL", "OB", "OB LB", "OL RB", "OFF", "OL CAL", "FSD OL", "DOWN"]), 1u64..80),
            1..10,
        ),
        role in prop::sample::select(vec!["primary", "secondary"]),
    ) {
        let conf = format!("MONITOR ups 1 u p {role}\nPOLLFREQ 3\nPOLLFREQALERT 2\nFINALDELAY 1\nSHUTDOWNCMD halt\nOFFDURATION 4\n");
        let mut text = String::new();
        let mut sim = Sim::new(&conf);
        let mut t = 0;
        for (status, hold) in &steps {
            if *status == "DOWN" {
                text += &format!("{}.{:03} down ups\n", t / 1000, t % 1000);
                sim.down("ups", t);
            } else {
                text += &format!("{}.{:03} status ups \"{status}\"\n", t / 1000, t % 1000);
                sim.status("ups", t, status);
            }
            t += hold * 100;
        }
        let end = t + 20_000;
        text += &format!("end {}.{:03}\n", end / 1000, end % 1000);
        sim.run_until(end);
        let timeline = run(&conf, &text);
        let ours: Vec<(u64, String)> = timeline
            .entries
            .iter()
            .filter(|e| !matches!(e.output, Output::Send { request: nut_monitor::Request::Status, .. }))
            .map(|e| (ms(e.at), e.output.to_string()))
            .collect();
        let theirs: Vec<(u64, String)> = sim.outputs.iter().map(|(t, o)| (*t, o.to_string())).collect();
        prop_assert_eq!(ours, theirs);
    }
}
