//! Our upssched: EXECUTE, timers, cancels with fallbacks, per-timer
//! environment, CANCEL-TIMER-MATCHED, `-l`, and as upsmon's NOTIFYCMD for
//! an early shutdown.

use std::time::Duration;

use super::fake_upsd::FakeUpsd;
use super::support::{Lab, kill_sched_daemons, program, start_upsmon, upsmon_conf, wait_for};

pub(crate) const TESTS: &[(&str, fn())] = &[
    (
        "upssched::rules_timers_and_cancels",
        rules_timers_and_cancels,
    ),
    (
        "upssched::early_shutdown_as_upsmon_notifycmd",
        early_shutdown_as_upsmon_notifycmd,
    ),
];

const SECS: Duration = Duration::from_secs(1);

fn sched_lab(rules: &str) -> Lab {
    let lab = Lab::new("sched");
    let log = lab.path("events.log");
    let cmd = lab.script(
        "cmd.sh",
        &format!(
            "echo \"$(date +%s%3N) $1 $NOTIFYTYPE $UPSNAME [$NOTIFYMSG]\" >> {}",
            log.display()
        ),
    );
    lab.write(
        "upssched.conf",
        &format!(
            "CMDSCRIPT {}\nPIPEFN {}\nLOCKFN {}\n{rules}",
            cmd.display(),
            lab.path("upssched.pipe").display(),
            lab.path("upssched.lock").display()
        ),
    );
    lab
}

fn event(lab: &Lab, kind: &str, ups: &str, message: &str) -> std::process::Output {
    program("upssched", lab)
        .env("NOTIFYTYPE", kind)
        .env("UPSNAME", ups)
        .arg(message)
        .output()
        .unwrap()
}

fn lines(lab: &Lab) -> Vec<String> {
    std::fs::read_to_string(lab.path("events.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_owned())
        .collect()
}

struct Daemons<'a>(&'a Lab);

impl Drop for Daemons<'_> {
    fn drop(&mut self) {
        kill_sched_daemons(self.0);
    }
}

fn rules_timers_and_cancels() {
    let lab = sched_lab(
        "AT ONBATT * START-TIMER onbatt 1\n\
         AT ONLINE * CANCEL-TIMER onbatt online-no-timer\n\
         AT LOWBATT ups1 EXECUTE lowbatt-now\n\
         AT lowbatt * EXECUTE lowbatt-any\n\
         AT COMMBAD * START-TIMER commbad 1\n\
         AT COMMOK * CANCEL-TIMER-MATCHED commbad\n",
    );
    let _guard = Daemons(&lab);
    // Two ATs match: both EXECUTEs run, in file order, before upssched returns.
    let out = event(&lab, "LOWBATT", "ups1", "low");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Executing command: lowbatt-now\nExecuting command: lowbatt-any\n"
    );
    assert_eq!(
        lines(&lab),
        [
            "lowbatt-now LOWBATT ups1 [low]",
            "lowbatt-any LOWBATT ups1 [low]"
        ]
    );
    // A cancel with no timer (and no daemon) runs its fallback.
    event(&lab, "ONLINE", "ups1", "back");
    assert_eq!(
        lines(&lab).last().unwrap(),
        "online-no-timer ONLINE ups1 [back]"
    );
    // Started then cancelled: nothing runs.
    event(&lab, "ONBATT", "ups1", "ob");
    event(&lab, "ONLINE", "ups1", "ol");
    std::thread::sleep(SECS + SECS / 2);
    assert_eq!(lines(&lab).len(), 3, "{:?}", lines(&lab));
    // Two UPSes: independent timers, each with its own environment; -l lists them.
    event(&lab, "ONBATT", "ups1", "first");
    event(&lab, "ONBATT", "ups2", "second");
    let list = program("upssched", &lab).arg("-l").output().unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.starts_with("BEGIN LIST TIMERS\n") && listed.ends_with("END LIST TIMERS\n"));
    assert_eq!(listed.matches("onbatt\t").count(), 2, "{listed}");
    assert!(wait_for(3 * SECS, || lines(&lab).len() == 5));
    // The two CMDSCRIPTs run in the background: their lines may swap.
    let mut fired = lines(&lab)[3..].to_vec();
    fired.sort();
    assert_eq!(
        fired,
        ["onbatt ONBATT ups1 [first]", "onbatt ONBATT ups2 [second]"]
    );
    // CANCEL-TIMER-MATCHED cancels only the timer of the same UPS.
    event(&lab, "COMMBAD", "ups1", "lost1");
    event(&lab, "COMMBAD", "ups2", "lost2");
    event(&lab, "COMMOK", "ups1", "ok1");
    assert!(wait_for(3 * SECS, || lines(&lab).len() == 6));
    std::thread::sleep(SECS / 2);
    assert_eq!(lines(&lab)[5], "commbad COMMBAD ups2 [lost2]");
    assert_eq!(lines(&lab).len(), 6);
    // Without the environment upsmon sets, upssched refuses to run.
    let bare = program("upssched", &lab).arg("x").output().unwrap();
    assert_eq!(bare.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bare.stderr).contains("UPSNAME/NOTIFYTYPE"));
}

fn early_shutdown_as_upsmon_notifycmd() {
    // upsmon runs upssched; its ONBATT timer runs a CMDSCRIPT that calls
    // `upsmon -c fsd`: the classic early shutdown, with the UPS never low.
    let lab = Lab::new("early");
    let fake = FakeUpsd::start(13956, "ups");
    let sched = lab.program_wrapper("upssched");
    let upsmon = lab.program_wrapper("upsmon");
    let (_, shutdown) = lab.logging_scripts();
    let log = lab.path("events.log");
    let cmd = lab.script(
        "cmd.sh",
        &format!(
            "echo \"$(date +%s%3N) CMD-$1\" >> {}\n[ \"$1\" = early ] && NUT_ALTPIDPATH={} {} -c fsd",
            log.display(),
            lab.dir.display(),
            upsmon.display()
        ),
    );
    lab.write(
        "upssched.conf",
        &format!(
            "CMDSCRIPT {}\nPIPEFN {}\nLOCKFN {}\nAT ONBATT * START-TIMER early 2\nAT ONLINE * CANCEL-TIMER early\n",
            cmd.display(),
            lab.path("upssched.pipe").display(),
            lab.path("upssched.lock").display()
        ),
    );
    let monitor = "MONITOR ups@127.0.0.1:13956 1 mon pass primary";
    lab.write("upsmon.conf", &upsmon_conf(monitor, &sched, &shutdown, ""));
    let _guard = Daemons(&lab);
    let mut mon = start_upsmon(&lab, &["-F", "-u", "root"]);
    assert!(wait_for(5 * SECS, || fake
        .requests()
        .iter()
        .any(|r| r.starts_with("GET VAR"))));
    fake.set_status("ups", "OB");
    assert_eq!(mon.wait_exit(8 * SECS), Some(0), "{}", mon.output());
    assert_eq!(
        super::support::read_events(&log)
            .into_iter()
            .map(|e| e.1)
            .collect::<Vec<_>>(),
        ["CMD-early", "SHUTDOWNCMD"]
    );
    assert!(fake.fsd_set("ups"));
}
