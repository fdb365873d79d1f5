//! Our upsdrvctl against fake drivers (shell scripts in a private
//! `driverpath`): retries, start time limits, `nowait`, `shutdown` order,
//! the stop escalation, `-c` signals, and drivers found beside upsdrvctl.
//! Needs only `/bin/sh`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{Lab, alive, wait_until};

/// `ups.conf` globals pointing at the lab's fake drivers, then `rest`.
fn conf(lab: &Lab, globals: &str, rest: &str) -> String {
    format!("driverpath = {}\n{globals}\n{rest}", lab.bin().display())
}

/// The lines a fake driver appended to `run/<name>`.
fn record(lab: &Lab, name: &str) -> Vec<String> {
    std::fs::read_to_string(lab.run_dir().join(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_failing_driver_is_retried_maxretry_times_retrydelay_apart() {
    let lab = Lab::new("retry-fail");
    lab.fake_driver("fails", "echo \"$*\" >> \"$RUN/calls\"\nexit 3");
    lab.ups_conf(&conf(
        &lab,
        "maxretry = 3\nretrydelay = 1",
        "[f]\n driver = fails\n port = x\n",
    ));
    let started = Instant::now();
    let out = lab.ours(&["start"]);
    let elapsed = started.elapsed();
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(record(&lab, "calls"), ["-a f", "-a f", "-a f"]);
    assert_eq!(
        out.stderr_lines_with("Driver failed"),
        ["Driver failed to start (exit status=3)"; 3]
    );
    assert!(
        elapsed >= Duration::from_secs(2),
        "two pauses of 1 s: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn a_retry_that_succeeds_makes_the_start_succeed() {
    let lab = Lab::new("retry-ok");
    lab.fake_driver(
        "flaky",
        "echo \"$*\" >> \"$RUN/calls\"\n[ $(wc -l < \"$RUN/calls\") -ge 2 ] && exit 0\nexit 1",
    );
    lab.ups_conf(&conf(
        &lab,
        "maxretry = 5\nretrydelay = 1",
        "[x]\n driver = flaky\n port = p\n",
    ));
    let out = lab.ours(&["-D", "start"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(record(&lab, "calls").len(), 2);
    assert_eq!(out.stderr_lines_with("Driver failed").len(), 1);
    // Per-section settings win over the global ones.
    lab.ups_conf(&conf(
        &lab,
        "maxretry = 5\nretrydelay = 1",
        "[x]\n driver = flaky\n port = p\n maxretry = 1\n",
    ));
    std::fs::remove_file(lab.run_dir().join("calls")).expect("reset");
    let out = lab.ours(&["start"]);
    assert_eq!((out.code, record(&lab, "calls").len()), (1, 1));
}

#[test]
fn zero_attempts_start_nothing_as_in_nut() {
    let lab = Lab::new("retry-zero");
    lab.fake_driver("d", "echo called >> \"$RUN/calls\"");
    lab.ups_conf(&conf(&lab, "maxretry = 0", "[x]\n driver = d\n port = p\n"));
    let out = lab.ours(&["start"]);
    assert_eq!(out.code, 0);
    assert!(record(&lab, "calls").is_empty());
}

#[test]
fn a_driver_still_starting_at_maxstartdelay_fails_the_start() {
    let lab = Lab::new("timeout");
    lab.fake_driver("hangs", "echo $$ > \"$RUN/hang.pid\"\nexec sleep 60");
    lab.ups_conf(&conf(
        &lab,
        "maxstartdelay = 1",
        "[h]\n driver = hangs\n port = p\n",
    ));
    let started = Instant::now();
    let out = lab.ours(&["start"]);
    let elapsed = started.elapsed();
    assert_eq!(out.code, 1, "{out:#?}");
    let pid = lab.pid("hang.pid").expect("the fake driver ran");
    assert!(alive(pid), "a late driver is left running, as NUT does");
    assert_eq!(
        out.stderr_lines_with("initially exceeded"),
        [format!(
            "Driver [h] PID {pid} initially exceeded maxstartdelay and is still starting"
        )]
    );
    assert_eq!(out.stderr_lines_with("Startup timer").len(), 1);
    assert!(
        (Duration::from_secs(1)..Duration::from_secs(6)).contains(&elapsed),
        "{elapsed:?}"
    );
}

#[test]
fn a_late_driver_that_finished_by_the_end_is_fine() {
    let lab = Lab::new("late");
    lab.fake_driver("slow", "sleep 1.3\nexit 0");
    lab.fake_driver("steady", "sleep 2\nexit 0");
    lab.ups_conf(&conf(
        &lab,
        "",
        "[slow]\n driver = slow\n port = p\n maxstartdelay = 1\n\
         [steady]\n driver = steady\n port = p\n maxstartdelay = 20\n",
    ));
    let out = lab.ours(&["-D", "start"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stderr_lines_with("Startup timer elapsed").len(), 1);
    assert_eq!(
        out.stderr_lines_with("initially exceeded").len(),
        1,
        "the second look at [slow] is a debug line: {out:#?}"
    );
    assert!(out.stderr.contains("but has finished by now"));
}

#[test]
fn nowait_goes_on_at_once_unless_the_environment_says_otherwise() {
    let lab = Lab::new("nowait");
    lab.fake_driver("hangs", "echo $$ > \"$RUN/$2.pid\"\nexec sleep 60");
    lab.ups_conf(&conf(
        &lab,
        "nowait\nmaxstartdelay = 1",
        "[a]\n driver = hangs\n port = p\n[b]\n driver = hangs\n port = p\n",
    ));
    let started = Instant::now();
    let out = lab.ours(&["start"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    for ups in ["a", "b"] {
        let pid_file = format!("{ups}.pid");
        assert!(wait_until(Duration::from_secs(5), || lab
            .pid(&pid_file)
            .is_some()));
    }
    // NUT_IGNORE_NOWAIT=true: waits again (and times out here).
    let mut env = lab.environment();
    env.ignore_nowait = true;
    let out = lab.ours_in(&env, &["start", "a"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("NOTE: 'nowait' setting ignored due to NUT_IGNORE_NOWAIT envvar")
    );
    assert_eq!(out.stderr_lines_with("Startup timer elapsed").len(), 1);
}

#[test]
fn shutdown_runs_driver_k_by_sdorder_group() {
    let lab = Lab::new("shutdown");
    lab.fake_driver("d", "echo \"$*\" >> \"$RUN/calls\"");
    lab.ups_conf(&conf(
        &lab,
        "",
        "[a]\n driver = d\n port = p\n sdorder = 2\n\
         [b]\n driver = d\n port = p\n\
         [c]\n driver = d\n port = p\n sdorder = -1\n\
         [e]\n driver = d\n port = p\n sdorder = 1\n",
    ));
    let out = lab.ours(&["-u", "nut", "shutdown"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        record(&lab, "calls"),
        ["-a b -k -u nut", "-a e -k -u nut", "-a a -k -u nut"]
    );
    let out = lab.ours(&["shutdown", "c"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        record(&lab, "calls").last().map(String::as_str),
        Some("-a c -k")
    );
}

/// A fake driver that goes to the background like a real one: it starts
/// `bin/<name>.daemon` (which runs `traps`, writes the PID file
/// `state/<name>-<ups>.pid` and loops) and exits 0 once the PID file is
/// there.
fn daemon_driver(lab: &Lab, name: &str, traps: &str) {
    let state = lab.state();
    let pid_file = format!("{}/{name}-$1.pid", state.display());
    lab.script(
        &lab.bin().join(format!("{name}.daemon")),
        &format!("{traps}\necho $$ > \"{pid_file}\"\nwhile :; do sleep 0.05; done"),
    );
    lab.fake_driver(
        name,
        &format!(
            "\"$0.daemon\" \"$2\" </dev/null >/dev/null 2>&1 &\n\
             while [ ! -s \"{}/{name}-$2.pid\" ]; do sleep 0.01; done\nexit 0",
            state.display()
        ),
    );
}

#[test]
fn stop_terminates_started_drivers_and_reports_stale_pid_files() {
    let lab = Lab::new("stop");
    daemon_driver(&lab, "bg", "");
    lab.ups_conf(&conf(
        &lab,
        "",
        "[u1]\n driver = bg\n port = /dev/x\n[u2]\n driver = bg\n port = p\n",
    ));
    let out = lab.ours(&["start"]);
    assert_eq!(out.code, 0, "{out:#?}");
    let pids: Vec<i32> = ["bg-u1.pid", "bg-u2.pid"]
        .iter()
        .map(|f| lab.pid(f).expect("pid file"))
        .collect();
    assert!(pids.iter().all(|p| alive(*p)));
    let out = lab.ours(&["stop", "u1"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(!alive(pids[0]), "stop waits for the driver to go");
    assert!(alive(pids[1]));
    // The PID file is stale now (our fake does not remove it).
    let pid_file = lab.state().join("bg-u1.pid");
    let out = lab.ours(&["stop", "u1"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "kill: No such process\nStopping {} failed: No such process\n",
            pid_file.display()
        )
    );
    std::fs::write(&pid_file, "garbage\n").expect("write");
    let out = lab.ours(&["stop", "u1"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("Ignoring invalid pid number 0\n"),
        "{}",
        out.stderr
    );
    // Without a PID file, then also without the old port-named one.
    std::fs::remove_file(&pid_file).expect("remove");
    let out = lab.ours(&["stop", "u1"]);
    assert_eq!(
        out.stderr,
        format!(
            "Can't open {}: No such file or directory\nCan't open {} either: No such file or directory\n",
            pid_file.display(),
            lab.state().join("bg-x.pid").display()
        )
    );
    let out = lab.ours(&["stop"]);
    assert_eq!(out.code, 1, "u1 has no PID file");
    assert!(!alive(pids[1]), "u2 was stopped all the same");
}

#[test]
fn a_driver_that_ignores_sigterm_is_killed() {
    let lab = Lab::new("stubborn");
    daemon_driver(&lab, "stubborn", "trap '' TERM");
    lab.ups_conf(&conf(&lab, "", "[s]\n driver = stubborn\n port = p\n"));
    assert_eq!(lab.ours(&["start"]).code, 0);
    let pid = lab.pid("stubborn-s.pid").expect("pid file");
    let started = Instant::now();
    let out = lab.ours(&["stop"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(!alive(pid));
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "SIGTERM grace first"
    );
    let pid_file = lab.state().join("stubborn-s.pid");
    assert_eq!(
        out.stderr,
        format!("Stopping {} failed, retrying harder\n", pid_file.display())
    );
    assert!(!pid_file.exists(), "a killed driver's PID file is removed");
}

#[test]
fn signal_commands_reach_the_driver_through_its_pid_file() {
    let lab = Lab::new("signal");
    daemon_driver(
        &lab,
        "sig",
        "trap 'echo hup >> \"$RUN/signals\"' HUP\ntrap 'echo usr1 >> \"$RUN/signals\"' USR1",
    );
    lab.ups_conf(&conf(&lab, "", "[s]\n driver = sig\n port = p\n"));
    assert_eq!(lab.ours(&["start"]).code, 0);
    let out = lab.ours(&["-DD", "-c", "reload", "s"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        out.stderr_lines_with("Signalling"),
        ["[D1] Signalling UPS [s]: 1 (Hangup)"]
    );
    assert_eq!(lab.ours(&["-c", "reload-or-exit"]).code, 0);
    assert!(wait_until(Duration::from_secs(5), || record(
        &lab, "signals"
    )
    .len()
        == 2));
    assert_eq!(record(&lab, "signals"), ["hup", "usr1"]);
    // Testing mode signals nothing.
    assert_eq!(lab.ours(&["-t", "-c", "reload"]).code, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(record(&lab, "signals").len(), 2);
    // The socket commands need a driver socket, which this fake lacks.
    let out = lab.ours(&["-c", "exit", "s"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("Socket dialog with the other driver instance: can't connect to"),
        "{}",
        out.stderr
    );
    // status: alive by PID, not on the socket.
    let pid = lab.pid("sig-s.pid").expect("pid");
    let out = lab.ours(&["status"]);
    assert_eq!(out.code, 1, "not responsive on its socket");
    assert_eq!(
        out.stdout.lines().skip(1).collect::<Vec<_>>(),
        [
            "UPSNAME\tUPSDRV\tRUNNING\tPF_PID\tS_RESPONSIVE\tS_PID\tS_STATUS".to_owned(),
            format!("s\tsig\tRUNNING\t{pid}\tNOT_RESPONSIVE\tN/A\tN/A")
        ]
    );
}

#[test]
fn drivers_beside_upsdrvctl_come_before_driverpath() {
    let lab = Lab::new("own-dir");
    let own = lab.dir.join("own");
    std::fs::create_dir_all(&own).expect("own dir");
    lab.script(&own.join("mine"), "echo \"own $*\" >> \"$RUN/calls\"");
    lab.fake_driver("mine", "echo \"driverpath $*\" >> \"$RUN/calls\"");
    lab.fake_driver("theirs", "echo \"driverpath $*\" >> \"$RUN/calls\"");
    lab.ups_conf(&conf(
        &lab,
        "",
        "[m]\n driver = mine\n port = p\n[t]\n driver = theirs\n port = p\n",
    ));
    let mut env = lab.environment();
    env.own_dir = Some(own.clone());
    let out = lab.ours_in(&env, &["start"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(record(&lab, "calls"), ["own -a m", "driverpath -a t"]);
    let out = lab.ours_in(&env, &["-t", "start"]);
    let exec: Vec<String> = out.stderr_lines_with("[D2] exec:");
    let mine: PathBuf = own.join("mine");
    assert_eq!(
        exec,
        [
            format!("[D2] exec:  {} -a m", mine.display()),
            format!("[D2] exec:  {} -a t", lab.bin().join("theirs").display())
        ]
    );
    // Without our own directory, driverpath alone.
    let out = lab.ours(&["-t", "start", "m"]);
    assert_eq!(
        out.stderr_lines_with("[D2] exec:"),
        [format!(
            "[D2] exec:  {} -a m",
            lab.bin().join("mine").display()
        )]
    );
}

#[test]
fn help_and_usage_errors() {
    let lab = Lab::new("usage");
    let out = lab.ours(&[]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains(
            "usage: /sbin/upsdrvctl [OPTIONS] (start | stop | shutdown | status) [<ups>]"
        )
    );
    let out = lab.ours(&["-x"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, "/sbin/upsdrvctl: invalid option -- 'x'\n")
    );
    let out = lab.ours(&["-c", "nonsense"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: unknown argument to option -c. Try -h for help.\n"
    );
    let out = lab.ours(&["start", "a", "b"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("Error: extra arguments left on command line\n")
    );
    let mut env = lab.environment();
    env.quiet_banner = true;
    assert_eq!(lab.ours_in(&env, &["-V"]).stdout, "");
    env.debug_level = Some(2);
    let out = lab.ours_in(&env, &["stop", "x"]);
    assert!(out.stderr.starts_with(
        "Defaulting debug verbosity to NUT_DEBUG_LEVEL=2 since none was requested by command-line options\n"
    ));
    assert!(
        out.stderr
            .contains("\t[D2] \nIf you're not a NUT core developer")
    );
}
