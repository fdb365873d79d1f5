//! Our upsmon against the fake upsd: the shutdown sequence, the privilege
//! split, signals through the PID file, comms loss, the CLI and
//! `--simulate`.

use std::time::Duration;

use super::fake_upsd::FakeUpsd;
use super::support::{Lab, kill, run, start_upsmon, upsmon_conf, wait_for};

pub(crate) const TESTS: &[(&str, fn())] = &[
    (
        "upsmon::primary_shuts_down_on_low_battery",
        primary_shuts_down_on_low_battery,
    ),
    (
        "upsmon::signals_reach_the_child_through_the_pid_file",
        signals_reach_the_child_through_the_pid_file,
    ),
    (
        "upsmon::noparent_when_the_parent_dies",
        noparent_when_the_parent_dies,
    ),
    ("upsmon::comms_loss_and_recovery", comms_loss_and_recovery),
    (
        "upsmon::secondary_follows_fsd_single_process",
        secondary_follows_fsd_single_process,
    ),
    ("upsmon::command_line", command_line),
    (
        "upsmon::simulate_prints_timeline_and_decision",
        simulate_prints_timeline_and_decision,
    ),
];

const SECS: Duration = Duration::from_secs(1);

fn setup(port: u16, role: &str, extra: &str) -> (Lab, FakeUpsd, String) {
    let lab = Lab::new("mon");
    let fake = FakeUpsd::start(port, "ups");
    let system = format!("ups@127.0.0.1:{port}");
    let (n, s) = lab.logging_scripts();
    let monitor = format!("MONITOR {system} 1 mon pass {role}");
    let extra = format!("POWERDOWNFLAG {}\n{extra}", lab.path("killpower").display());
    lab.write("upsmon.conf", &upsmon_conf(&monitor, &n, &s, &extra));
    (lab, fake, system)
}

fn logged_in(fake: &FakeUpsd) -> bool {
    wait_for(5 * SECS, || {
        fake.requests().iter().any(|r| r.starts_with("GET VAR"))
    })
}

fn primary_shuts_down_on_low_battery() {
    let (lab, fake, system) = setup(13951, "primary", "");
    // A flag left by an earlier shutdown is removed at start.
    lab.write("killpower", "upsmon-shutdown-file");
    let mut mon = start_upsmon(&lab, &["-F", "-u", "root"]);
    assert!(logged_in(&fake), "{}", mon.output());
    assert!(!lab.path("killpower").exists());
    fake.set_status("ups", "OB DISCHRG");
    assert!(wait_for(3 * SECS, || lab
        .event_names()
        .contains(&"ONBATT".into())));
    fake.set_status("ups", "OB LB");
    let code = mon.wait_exit(6 * SECS);
    let events = lab.event_names();
    assert_eq!(
        events,
        ["ONBATT", "LOWBATT", "SHUTDOWN", "SHUTDOWNCMD"],
        "{:?}",
        lab.events()
    );
    assert_eq!(code, Some(0), "the parent exits after SHUTDOWNCMD");
    let requests = fake.requests();
    for expected in [
        "USERNAME mon",
        "PASSWORD pass",
        "LOGIN ups",
        "PRIMARY ups",
        "FSD ups",
    ] {
        assert!(
            requests.iter().any(|r| r == expected),
            "{expected}: {requests:?}"
        );
    }
    assert!(fake.fsd_set("ups"));
    assert_eq!(
        std::fs::read_to_string(lab.path("killpower")).unwrap(),
        "upsmon-shutdown-file"
    );
    // SHUTDOWNCMD ran FINALDELAY (1 s) after the SHUTDOWN notification.
    let ev = lab.events();
    let at = |name: &str| ev.iter().find(|e| e.1 == name).unwrap().0;
    let gap = at("SHUTDOWNCMD") - at("SHUTDOWN");
    assert!((900..2000).contains(&gap), "FINALDELAY gap {gap} ms");
    // The notification carries the UPS name as written in MONITOR.
    let log = std::fs::read_to_string(lab.path("events.log")).unwrap();
    assert!(
        log.contains(&format!("ONBATT {system}|UPS {system} on battery")),
        "{log}"
    );
    assert!(
        log.contains("SHUTDOWN |Auto logout and shutdown proceeding"),
        "{log}"
    );
    let k = run("upsmon", &lab, &["-K"]);
    assert_eq!(k.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&k.stdout).contains("Power down flag is set"));
    assert!(!lab.path("upsmon.pid").exists(), "PID file removed");
}

fn signals_reach_the_child_through_the_pid_file() {
    let (lab, fake, _) = setup(13952, "primary", "");
    let mut mon = start_upsmon(&lab, &["-F", "-u", "root", "-D"]);
    assert!(logged_in(&fake));
    let pid: u32 = std::fs::read_to_string(lab.path("upsmon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_ne!(pid, mon.pid(), "the PID file names the child");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(String::from_utf8_lossy(&cmdline).contains("--nut-rs-child"));

    // Reload: a new NOTIFYMSG takes effect; an unreadable file keeps the old config.
    let conf = std::fs::read_to_string(lab.path("upsmon.conf")).unwrap();
    lab.write(
        "upsmon.conf",
        &format!("{conf}NOTIFYMSG ONBATT \"reloaded %s\"\n"),
    );
    assert_eq!(
        run("upsmon", &lab, &["-c", "reload"]).status.code(),
        Some(0)
    );
    assert!(wait_for(3 * SECS, || mon
        .output()
        .contains("Reloading configuration")));
    std::thread::sleep(SECS);
    fake.set_status("ups", "OB");
    assert!(wait_for(3 * SECS, || {
        std::fs::read_to_string(lab.path("events.log"))
            .unwrap_or_default()
            .contains("ONBATT ups@127.0.0.1:13952|reloaded ups@127.0.0.1:13952")
    }));
    fake.set_status("ups", "OL");
    assert!(wait_for(3 * SECS, || lab
        .event_names()
        .contains(&"ONLINE".into())));

    // `-c fsd`: shutdown although the UPS is on line.
    assert_eq!(run("upsmon", &lab, &["-c", "fsd"]).status.code(), Some(0));
    assert_eq!(mon.wait_exit(6 * SECS), Some(0), "{}", mon.output());
    assert!(fake.fsd_set("ups"));
    assert_eq!(
        lab.event_names(),
        ["ONBATT", "ONLINE", "SHUTDOWN", "SHUTDOWNCMD"]
    );

    // Nothing left to signal.
    let out = run("upsmon", &lab, &["-c", "stop"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("upsmon.pid"));
}

fn noparent_when_the_parent_dies() {
    let (lab, fake, _) = setup(13953, "primary", "");
    let mut mon = start_upsmon(&lab, &["-F", "-u", "root"]);
    assert!(logged_in(&fake));
    kill(i32::try_from(mon.pid()).unwrap());
    assert!(mon.wait_exit(2 * SECS).is_some());
    assert!(
        wait_for(3 * SECS, || lab.event_names().contains(&"NOPARENT".into())),
        "{:?}",
        lab.events()
    );
    let log = std::fs::read_to_string(lab.path("events.log")).unwrap();
    assert!(log.contains("NOPARENT |upsmon parent process died - shutdown impossible"));
    // The child still answers `-c stop`.
    assert_eq!(run("upsmon", &lab, &["-c", "stop"]).status.code(), Some(0));
    let child: i32 = std::fs::read_to_string(lab.path("upsmon.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_for(3 * SECS, || !std::path::Path::new(&format!(
        "/proc/{child}"
    ))
    .exists()
        || std::fs::read_to_string(format!("/proc/{child}/stat"))
            .is_ok_and(|s| s.contains(") Z "))));
}

fn comms_loss_and_recovery() {
    let (lab, fake, _) = setup(13954, "secondary", "NOCOMMWARNTIME 2");
    let _mon = start_upsmon(&lab, &["-F", "-u", "root"]);
    assert!(logged_in(&fake));
    fake.set_down(true);
    assert!(wait_for(5 * SECS, || lab
        .event_names()
        .contains(&"NOCOMM".into())));
    fake.set_down(false);
    assert!(wait_for(3 * SECS, || lab
        .event_names()
        .contains(&"COMMOK".into())));
    let names = lab.event_names();
    assert_eq!(&names[..3], ["COMMBAD", "NOCOMM", "COMMOK"], "{names:?}");
    // A secondary never sends PRIMARY.
    assert!(!fake.requests().iter().any(|r| r.starts_with("PRIMARY")));
}

fn secondary_follows_fsd_single_process() {
    let (lab, fake, _) = setup(13955, "secondary", "");
    let mut mon = start_upsmon(&lab, &["-F", "-p"]);
    assert!(logged_in(&fake));
    fake.state.lock().unwrap().fsd.push("ups".into());
    assert_eq!(mon.wait_exit(5 * SECS), Some(0), "{}", mon.output());
    assert_eq!(lab.event_names(), ["FSD", "SHUTDOWN", "SHUTDOWNCMD"]);
    assert!(mon.output().contains("running as one big root process"));
    assert!(lab.path("killpower").exists());
}

fn command_line() {
    let lab = Lab::new("cli");
    let help = run("upsmon", &lab, &["-h"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in ["-c <cmd>", "--simulate <scenario>", "numlogins", "latency"] {
        assert!(text.contains(needle), "{needle}");
    }
    let bad = run("upsmon", &lab, &["-Z"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid option -- 'Z'"));
    // No config file: NUT exits 1 naming it.
    let none = run("upsmon", &lab, &["-F"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("upsmon.conf"));
    // Not enough power.
    lab.write(
        "upsmon.conf",
        "MONITOR ups@localhost 1 u p primary\nMINSUPPLIES 2\n",
    );
    let weak = run("upsmon", &lab, &["-F"]);
    assert_eq!(weak.status.code(), Some(1));
    let out = String::from_utf8_lossy(&weak.stdout);
    assert!(
        out.contains("Fatal error: insufficient power configured!"),
        "{out}"
    );
    assert!(out.contains("Warning: no shutdown command defined!"));
    // -K without POWERDOWNFLAG, and with a foreign file.
    assert_eq!(run("upsmon", &lab, &["-K"]).status.code(), Some(1));
    let flag = lab.write("flag", "precious data");
    lab.write(
        "upsmon.conf",
        &format!(
            "MONITOR ups@localhost 1 u p primary\nPOWERDOWNFLAG {}\n",
            flag.display()
        ),
    );
    assert_eq!(run("upsmon", &lab, &["-K"]).status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&flag).unwrap(), "precious data");
    // A bad -c command.
    assert_eq!(
        run("upsmon", &lab, &["-c", "explode"]).status.code(),
        Some(1)
    );
}

fn simulate_prints_timeline_and_decision() {
    let lab = Lab::new("sim");
    lab.write(
        "upsmon.conf",
        "MONITOR ups@localhost 1 u p primary\nFINALDELAY 5\nPOLLFREQ 5\nSHUTDOWNCMD \"/sbin/halt\"\n",
    );
    let scenario = lab.write(
        "outage.seq",
        "10 status ups@localhost OB\n60 status ups@localhost \"OB LB\"\nend 120\n",
    );
    let out = run("upsmon", &lab, &["--simulate", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("    10.000  NOTIFY ONBATT [ups@localhost]"),
        "{text}"
    );
    assert!(text.contains("    60.000  NOTIFY LOWBATT"), "{text}");
    assert!(text.contains("shutdown decided at 60000 ms"), "{text}");
    assert!(text.contains("SHUTDOWNCMD at 65000 ms"), "{text}");
    let calm = lab.write(
        "calm.seq",
        "10 status ups@localhost OB\n20 status ups@localhost OL\nend 60\n",
    );
    let out = run("upsmon", &lab, &["--simulate", calm.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("no shutdown\n"));
    let bad = lab.write("bad.seq", "10 status nosuch@host OB\n");
    let out = run("upsmon", &lab, &["--simulate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not monitored"));
}
