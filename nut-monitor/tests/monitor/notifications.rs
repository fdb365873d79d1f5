//! One scenario per notification type: the exact outputs and their times.
//!
//! Unless a test says otherwise: POLLFREQ 2, POLLFREQALERT 1, so polls run
//! at 0, 2000, 4000 ms… and every 1000 ms while the UPS needs watching.

use nut_monitor::Output;
use nut_monitor::notify::{NotifyFlags, NotifyKind};

use crate::support::{Answer, Sim, expect};

const PRIMARY: &str = "MONITOR ups@localhost 1 mon pass primary
POLLFREQ 2
POLLFREQALERT 1
FINALDELAY 2
HOSTSYNC 5
SHUTDOWNCMD \"/sbin/shutdown -h now\"
POWERDOWNFLAG /etc/killpower
";

const UPS: &str = "ups@localhost";

fn primary(extra: &str) -> Sim {
    Sim::new(&format!("{PRIMARY}{extra}"))
}

fn secondary(extra: &str) -> Sim {
    Sim::new(&format!(
        "{}{extra}",
        PRIMARY.replace("primary", "secondary")
    ))
}

#[test]
fn first_online_and_first_commok_are_silent() {
    let mut sim = primary("");
    sim.status(UPS, 0, "OL CHRG").run_until(10_000);
    assert!(sim.trace().is_empty(), "{:?}", sim.trace());
    assert_eq!(sim.polls, [0, 2000, 4000, 6000, 8000, 10_000]);
}

#[test]
fn onbatt_then_online_short_outage() {
    let mut sim = primary("");
    sim.status(UPS, 0, "OL")
        .status(UPS, 3500, "OB DISCHRG")
        .status(UPS, 6200, "OL CHRG");
    sim.run_until(12_000);
    assert_eq!(sim.trace(), expect(&[(4000, "ONBATT"), (7000, "ONLINE")]));
    // Alert polling while on battery, back to POLLFREQ after.
    assert_eq!(sim.polls, [0, 2000, 4000, 5000, 6000, 7000, 9000, 11_000]);
    let n = sim.notifications();
    assert_eq!(n[0].1.message, "UPS ups@localhost on battery");
    assert_eq!(n[0].1.ups.as_deref(), Some(UPS));
    assert_eq!(n[1].1.message, "UPS ups@localhost on line power");
}

#[test]
fn onbatt_at_start_is_not_silent() {
    let mut sim = primary("");
    sim.status(UPS, 0, "OB").run_until(500);
    assert_eq!(sim.trace(), expect(&[(0, "ONBATT")]));
}

#[test]
fn lowbatt_on_a_primary_runs_the_whole_sequence() {
    let mut sim = primary("");
    sim.status(UPS, 3500, "OB").status(UPS, 6200, "OB LB");
    sim.run_until(60_000);
    assert_eq!(
        sim.trace(),
        expect(&[
            (4000, "ONBATT"),
            (7000, "LOWBATT"),
            (7000, "SETFSD ups@localhost"),
            (7000, "SHUTDOWN"),
            (9000, "POWERDOWNFLAG"),
            (9000, "SHUTDOWNCMD"),
            (9000, "EXIT"),
        ])
    );
    assert!(sim.engine.has_exited());
    assert_eq!(sim.engine.poll_timeout(), None);
    let all: Vec<String> = sim
        .outputs
        .iter()
        .map(|(t, o)| format!("{t} {o}"))
        .collect();
    assert!(
        all.contains(&"7000 WALL Executing automatic power-fail shutdown".to_owned()),
        "{all:#?}"
    );
    assert!(all.contains(&"9000 SHUTDOWNCMD /sbin/shutdown -h now".to_owned()));
    assert!(all.contains(&"9000 POWERDOWNFLAG /etc/killpower".to_owned()));
    let n = sim.notifications();
    assert_eq!(n[1].1.message, "UPS ups@localhost battery is low");
    assert_eq!(n[2].1.message, "Auto logout and shutdown proceeding");
    assert_eq!(n[2].1.ups, None);
}

#[test]
fn lowbatt_while_on_line_is_only_a_notification() {
    let mut sim = primary("");
    sim.status(UPS, 1000, "OL LB").run_until(10_000);
    assert_eq!(sim.trace(), expect(&[(2000, "LOWBATT")]));
}

#[test]
fn fsd_seen_by_a_secondary() {
    let mut sim = secondary("");
    sim.status(UPS, 3500, "OB").status(UPS, 6200, "FSD OB LB");
    sim.run_until(60_000);
    assert_eq!(
        sim.trace(),
        expect(&[
            (4000, "ONBATT"),
            (7000, "FSD"),
            (7000, "LOWBATT"),
            (7000, "SHUTDOWN"),
            (9000, "POWERDOWNFLAG"),
            (9000, "SHUTDOWNCMD"),
            (9000, "EXIT"),
        ])
    );
    assert_eq!(
        sim.notifications()[1].1.message,
        "UPS ups@localhost: forced shutdown in progress"
    );
}

#[test]
fn fsd_latched_at_start_shuts_down() {
    let mut sim = primary("");
    sim.status(UPS, 0, "FSD OL").run_until(5000);
    assert_eq!(
        sim.kinds(),
        [
            "FSD",
            "SETFSD ups@localhost",
            "SHUTDOWN",
            "POWERDOWNFLAG",
            "SHUTDOWNCMD",
            "EXIT"
        ]
    );
}

#[test]
fn commbad_nocomm_commok() {
    let mut sim = primary("NOCOMMWARNTIME 5\n");
    sim.down(UPS, 3000).status(UPS, 20_000, "OL");
    sim.run_until(22_000);
    assert_eq!(
        sim.trace(),
        expect(&[
            (4000, "COMMBAD"),
            (8000, "NOCOMM"),
            (14_000, "NOCOMM"),
            (20_000, "COMMOK")
        ])
    );
    let n = sim.notifications();
    assert_eq!(n[0].1.message, "Communications with UPS ups@localhost lost");
    assert_eq!(n[1].1.message, "UPS ups@localhost is unavailable");
    assert_eq!(
        n[3].1.message,
        "Communications with UPS ups@localhost established"
    );
    assert!(
        sim.logs()
            .contains(&"Poll UPS [ups@localhost] failed - Driver not connected".to_owned())
    );
}

#[test]
fn failure_at_start_is_commbad_then_commok() {
    let mut sim = primary("");
    sim.down(UPS, 0).status(UPS, 3000, "OL").run_until(5000);
    assert_eq!(sim.trace(), expect(&[(0, "COMMBAD"), (4000, "COMMOK")]));
}

#[test]
fn empty_status_counts_as_lost_communications() {
    let mut sim = primary("");
    sim.status(UPS, 1000, "   ").run_until(3000);
    assert_eq!(sim.kinds(), ["COMMBAD"]);
}

#[test]
fn replbatt_repeats_every_rbwarntime() {
    let mut sim = primary("RBWARNTIME 5\n");
    sim.status(UPS, 0, "OL RB").run_until(13_000);
    assert_eq!(
        sim.trace(),
        expect(&[(0, "REPLBATT"), (6000, "REPLBATT"), (12_000, "REPLBATT")])
    );
    assert_eq!(
        sim.notifications()[0].1.message,
        "UPS ups@localhost battery needs to be replaced"
    );
}

/// A flag that comes and goes: (status with it, kind on, kind off, message on).
fn on_off(extra: &str, with: Answer, without: &str, on: &str, off: &str, message: &str) {
    let mut sim = primary(extra);
    sim.answer(UPS, 1000, with)
        .status(UPS, 4500, without)
        .run_until(9000);
    let trace = sim.trace();
    assert_eq!(trace.len(), 2, "{trace:?}");
    assert_eq!((trace[0].0, trace[0].1.as_str()), (2000, on));
    assert_eq!(trace[1].1, off);
    assert_eq!(sim.notifications()[0].1.message, message);
}

#[test]
fn cal_notcal() {
    on_off(
        "",
        Answer::Status("OL CAL".into()),
        "OL",
        "CAL",
        "NOTCAL",
        "UPS ups@localhost: calibration in progress",
    );
}

#[test]
fn off_notoff() {
    on_off(
        "OFFDURATION -1\n",
        Answer::Status("OFF".into()),
        "OL",
        "OFF",
        "NOTOFF",
        "UPS ups@localhost: administratively OFF or asleep",
    );
}

#[test]
fn bypass_notbypass() {
    on_off(
        "",
        Answer::Status("OL BYPASS".into()),
        "OL",
        "BYPASS",
        "NOTBYPASS",
        "UPS ups@localhost: on bypass (powered, not protecting)",
    );
}

#[test]
fn eco_noteco_from_token_and_buzzwords() {
    on_off(
        "",
        Answer::Status("OL ECO".into()),
        "OL",
        "ECO",
        "NOTECO",
        "UPS ups@localhost: in ECO mode (as defined by vendor)",
    );
    on_off(
        "",
        Answer::Buzz("OL".into(), "vendor:eaton:ESS".into()),
        "OL",
        "ECO",
        "NOTECO",
        "UPS ups@localhost: in ECO mode (as defined by vendor)",
    );
    // NUT's inverted test would raise ECO here (§23.1); we do not.
    let mut sim = primary("");
    sim.answer(UPS, 1000, Answer::Buzz("OL".into(), "vendor:normal".into()))
        .run_until(5000);
    assert!(sim.trace().is_empty());
}

#[test]
fn alarm_notalarm_and_renotification_on_new_text() {
    let mut sim = primary("");
    sim.answer(
        UPS,
        1000,
        Answer::Alarm("OL ALARM".into(), "Replace battery!".into()),
    )
    .answer(
        UPS,
        2500,
        Answer::Alarm("OL ALARM".into(), "Replace battery!".into()),
    )
    .answer(
        UPS,
        3500,
        Answer::Alarm("OL ALARM".into(), "Overheat".into()),
    )
    .status(UPS, 5500, "OL");
    sim.run_until(7000);
    assert_eq!(
        sim.trace(),
        expect(&[(2000, "ALARM"), (4000, "ALARM"), (6000, "NOTALARM")])
    );
    let n = sim.notifications();
    assert_eq!(
        n[0].1.message,
        "UPS ups@localhost: one or more active alarms: [Replace battery!]"
    );
    assert_eq!(
        n[1].1.message,
        "UPS ups@localhost: one or more active alarms: [Overheat]"
    );
    assert_eq!(
        n[2].1.message,
        "UPS ups@localhost is no longer in an alarm state (no active alarms)"
    );
    // ALARM asks for alert polling.
    assert_eq!(sim.polls, [0, 2000, 3000, 4000, 5000, 6000]);
}

#[test]
fn alarm_text_is_tracked_per_ups() {
    // NUT keeps one "previous alarms" buffer for all UPSes (§23.18): two
    // UPSes with different alarms would re-notify on every poll there.
    let mut sim = Sim::new(
        "MONITOR a 1 u p primary\nMONITOR b 1 u p primary\nPOLLFREQ 2\nPOLLFREQALERT 1\nMINSUPPLIES 1\n",
    );
    sim.answer("a", 1000, Answer::Alarm("OL ALARM".into(), "X".into()))
        .answer("b", 1000, Answer::Alarm("OL ALARM".into(), "Y".into()));
    sim.run_until(6000);
    assert_eq!(sim.kinds(), ["ALARM", "ALARM"]);
}

#[test]
fn over_notover() {
    on_off(
        "",
        Answer::Status("OL OVER".into()),
        "OL",
        "OVER",
        "NOTOVER",
        "UPS ups@localhost: overloaded",
    );
}

#[test]
fn trim_nottrim() {
    on_off(
        "",
        Answer::Status("OL TRIM".into()),
        "OL",
        "TRIM",
        "NOTTRIM",
        "UPS ups@localhost: trimming incoming voltage",
    );
}

#[test]
fn boost_notboost() {
    on_off(
        "",
        Answer::Status("OL BOOST".into()),
        "OL",
        "BOOST",
        "NOTBOOST",
        "UPS ups@localhost: boosting incoming voltage",
    );
}

#[test]
fn other_notother_for_unknown_tokens() {
    let mut sim = primary("");
    sim.status(UPS, 1000, "OL FOO")
        .status(UPS, 2500, "OL FOO")
        .status(UPS, 3500, "OL foo WAIT")
        .status(UPS, 5500, "ol chrg");
    sim.run_until(7000);
    assert_eq!(
        sim.trace(),
        expect(&[(2000, "OTHER"), (4000, "OTHER"), (6000, "NOTOTHER")])
    );
    let n = sim.notifications();
    assert_eq!(
        n[0].1.message,
        "UPS ups@localhost: has at least one unclassified status token: [FOO]"
    );
    assert_eq!(
        n[1].1.message,
        "UPS ups@localhost: has at least one unclassified status token: [foo WAIT]"
    );
    assert_eq!(
        n[2].1.message,
        "UPS ups@localhost has no unclassified status tokens anymore"
    );
}

#[test]
fn status_tokens_ignore_case() {
    let mut sim = primary("");
    sim.status(UPS, 1000, "ob")
        .status(UPS, 2500, "Ob lB")
        .run_until(3000);
    assert_eq!(
        sim.kinds()[..3],
        ["ONBATT", "LOWBATT", "SETFSD ups@localhost"]
    );
}

#[test]
fn noparent_is_throttled_to_two_minutes() {
    let mut sim = primary("");
    for t in [0, 60_000, 119_999, 120_000, 130_000] {
        sim.now = sim.at(t);
        sim.engine.handle_parent_died(sim.now);
        sim.drain();
    }
    assert_eq!(
        sim.trace(),
        expect(&[(0, "NOPARENT"), (120_000, "NOPARENT")])
    );
    assert_eq!(
        sim.notifications()[0].1.message,
        "upsmon parent process died - shutdown impossible"
    );
    assert_eq!(sim.notifications()[0].1.ups, None);
}

#[test]
fn suspend_and_resume() {
    let mut sim = primary("");
    sim.run_until(1000);
    sim.engine.handle_suspend(sim.now);
    sim.drain();
    sim.now = sim.at(600_000);
    sim.engine.handle_resume(sim.now);
    sim.run_until(600_000);
    assert_eq!(
        sim.trace(),
        expect(&[(0, "SUSPEND_STARTING"), (600_000, "SUSPEND_FINISHED")])
    );
    assert_eq!(
        *sim.polls.last().unwrap(),
        600_000,
        "polls at once after resume"
    );
    // An announced resume is not reported as an unexpected jump.
    assert!(
        !sim.logs()
            .iter()
            .any(|l| l.contains("Unexpected clock change"))
    );
}

#[test]
fn shutdown_hostsync_while_secondaries_log_out() {
    let mut sim = primary("");
    sim.status(UPS, 3500, "OB")
        .status(UPS, 6200, "OB LB")
        .logins(UPS, 0, 2)
        .logins(UPS, 8200, 1);
    sim.run_until(60_000);
    assert_eq!(
        sim.trace(),
        expect(&[
            (4000, "ONBATT"),
            (7000, "LOWBATT"),
            (7000, "SETFSD ups@localhost"),
            (7000, "SHUTDOWN_HOSTSYNC"),
            (8250, "SHUTDOWN"),
            (10_250, "POWERDOWNFLAG"),
            (10_250, "SHUTDOWNCMD"),
            (10_250, "EXIT"),
        ])
    );
    let queries: Vec<u64> = sim
        .outputs
        .iter()
        .filter(|(_, o)| {
            matches!(
                o,
                Output::Send {
                    request: nut_monitor::Request::NumLogins,
                    ..
                }
            )
        })
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(queries, [7000, 7250, 7500, 7750, 8000, 8250]);
    assert_eq!(
        sim.notifications()[2].1.message,
        "Shutdown initiated; primary system is waiting for secondaries to log out or time out"
    );
}

#[test]
fn hostsync_expiry_forces_the_primary_down() {
    let mut sim = primary("");
    sim.status(UPS, 3500, "OB")
        .status(UPS, 6200, "OB LB")
        .logins(UPS, 0, 3);
    sim.run_until(60_000);
    // Started at 7000; HOSTSYNC 5 s must be exceeded: the 12 250 ms round.
    assert_eq!(sim.shutdown_at(), Some(7000));
    let shutdown = sim
        .trace()
        .into_iter()
        .find(|(_, k)| k == "SHUTDOWN")
        .unwrap();
    assert_eq!(shutdown.0, 12_250);
    assert!(
        sim.logs()
            .contains(&"Host sync timer expired, forcing shutdown".to_owned())
    );
}

#[test]
fn notifymsg_and_notifyflag_are_carried() {
    let mut sim = primary(
        "NOTIFYMSG ONBATT \"Power lost on %s, 100%% on battery\"\nNOTIFYFLAG ONBATT EXEC\nNOTIFYFLAG ONLINE IGNORE+SYSLOG\n",
    );
    sim.status(UPS, 1000, "OB")
        .status(UPS, 2500, "OL")
        .run_until(4000);
    let n = sim.notifications();
    assert_eq!(n.len(), 2);
    assert_eq!(
        n[0].1.message,
        "Power lost on ups@localhost, 100% on battery"
    );
    assert_eq!(n[0].1.flags, NotifyFlags::EXEC);
    assert_eq!(n[1].1.kind, NotifyKind::Online);
    assert!(!n[1].1.flags.delivers(NotifyFlags::SYSLOG), "IGNORE wins");
}

#[test]
fn user_fsd_runs_the_sequence_regardless_of_state() {
    let mut sim = primary("");
    sim.run_until(2500);
    sim.engine.handle_user_fsd(sim.now);
    sim.run_until(10_000);
    assert_eq!(
        sim.trace(),
        expect(&[
            (2000, "SETFSD ups@localhost"),
            (2000, "SHUTDOWN"),
            (4000, "POWERDOWNFLAG"),
            (4000, "SHUTDOWNCMD"),
            (4000, "EXIT"),
        ])
    );
}

#[test]
fn shutdownexit_lingers_then_exits() {
    let mut sim = primary("SHUTDOWNEXIT 30\n");
    sim.status(UPS, 0, "OB LB").run_until(100_000);
    assert_eq!(
        sim.trace()
            .into_iter()
            .filter(|(_, k)| k == "SHUTDOWNCMD" || k == "EXIT")
            .collect::<Vec<_>>(),
        expect(&[(2000, "SHUTDOWNCMD"), (32_000, "EXIT")])
    );
    let mut sim = primary("SHUTDOWNEXIT no\n");
    sim.status(UPS, 0, "OB LB").run_until(100_000);
    assert!(!sim.kinds().contains(&"EXIT".to_owned()));
    assert_eq!(sim.engine.poll_timeout(), None);
    assert!(sim.engine.is_shutting_down());
}

#[test]
fn missing_shutdowncmd_is_logged_loudly() {
    let mut sim = Sim::new("MONITOR ups 1 u p secondary\nFINALDELAY 0\n");
    sim.status("ups", 0, "FSD OB LB").run_until(1000);
    assert!(
        sim.logs().iter().any(|l| l.contains("no SHUTDOWNCMD")),
        "{:?}",
        sim.logs()
    );
    assert!(sim.kinds().contains(&"EXIT".to_owned()));
}
