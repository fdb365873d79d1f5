//! Our upsdrvctl driving REAL NUT 2.8.0 drivers (`/lib/nut/dummy-ups`):
//! started, served by a real upsd (real `upsc` reads them), listed by
//! `status`, stopped; and a real driver that fails, retried the way the real
//! upsdrvctl retries it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    Lab, PORT_BASE, REAL_DRIVERPATH, REAL_UPSC, REAL_UPSD, alive, port_is_free, real_nut,
    wait_until,
};

const DEV: &str = "battery.charge: 100\nups.mfr: Acme\nups.model: Simulated 1500\nups.status: OL\n";

/// `-u root` when we are root (real drivers otherwise switch to `nut`,
/// which cannot write the lab's PID files); `None` when the test cannot
/// run as this user.
fn run_as(test: &str) -> Option<&'static str> {
    if nix::unistd::Uid::current().is_root() {
        return Some("root");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: must run as root under CI (real drivers started as root)"
    );
    eprintln!("SKIPPED {test}: real NUT drivers need root here");
    None
}

/// Runs the real `upsc` against `target`; (stdout, status).
fn upsc(lab: &Lab, args: &[&str]) -> (String, i32) {
    let output = Command::new(REAL_UPSC)
        .args(args)
        .env("NUT_CONFPATH", &lab.dir)
        .stdin(Stdio::null())
        .output()
        .expect("run upsc");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn real_drivers_are_started_served_by_real_upsd_and_stopped() {
    let test = "real_drivers_are_started_served_by_real_upsd_and_stopped";
    if !real_nut(test) {
        return;
    }
    let Some(user) = run_as(test) else {
        return;
    };
    let port = PORT_BASE + 1;
    assert!(port_is_free(port), "port {port} is taken");
    let lab = Lab::new("real");
    lab.write("ups1.dev", DEV);
    lab.ups_conf(&format!(
        "driverpath = {REAL_DRIVERPATH}\nmaxretry = 2\nretrydelay = 1\n\
         [ups1]\n  driver = dummy-ups\n  port = ups1.dev\n  desc = \"first\"\n\
         [ups2]\n  driver = dummy-ups\n  port = ups1.dev\n  sdorder = -1\n"
    ));
    lab.write(
        "upsd.conf",
        &format!("LISTEN 127.0.0.1 {port}\nMAXAGE 15\n"),
    );
    lab.write(
        "upsd.users",
        "[admin]\n  password = adminpass\n  actions = SET\n",
    );

    let started = lab.ours(&["-u", user, "start"]);
    assert_eq!(started.code, 0, "{started:#?}");
    // A 2.8.0 driver writes its PID file, goes to the background (the
    // parent exits: upsdrvctl is done), then the child writes it again.
    let pids: Vec<i32> = ["dummy-ups-ups1.pid", "dummy-ups-ups2.pid"]
        .iter()
        .map(|f| {
            let mut pid = None;
            wait_until(Duration::from_secs(10), || {
                pid = lab.pid(f).filter(|p| alive(*p));
                pid.is_some()
            });
            pid.unwrap_or_else(|| panic!("{f} names a running driver"))
        })
        .collect();
    for ups in ["ups1", "ups2"] {
        assert!(
            lab.state().join(format!("dummy-ups-{ups}")).exists(),
            "{ups} socket"
        );
    }

    let upsd = Command::new(REAL_UPSD)
        .args(["-u", user])
        .env("NUT_CONFPATH", &lab.dir)
        .env("NUT_STATEPATH", lab.state())
        .env("NUT_ALTPIDPATH", lab.state())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start upsd");
    assert!(upsd.success(), "upsd went to the background");
    let target = format!("ups1@127.0.0.1:{port}");
    assert!(
        wait_until(Duration::from_secs(10), || upsc(
            &lab,
            &[&target, "ups.status"]
        ) == ("OL\n".to_owned(), 0)),
        "upsc reads ups1 through the real upsd"
    );
    let ups2 = format!("ups2@127.0.0.1:{port}");
    assert!(
        wait_until(Duration::from_secs(10), || upsc(
            &lab,
            &[&ups2, "ups.model"]
        ) == (
            "Simulated 1500\n".to_owned(),
            0
        )),
        "upsc reads ups2 through the real upsd"
    );

    let status = lab.ours(&["status"]);
    assert_eq!(status.code, 0, "{status:#?}");
    let rows: Vec<&str> = status.stdout.lines().skip(2).collect();
    assert_eq!(
        rows,
        [
            format!(
                "ups1\tdummy-ups\tRUNNING\t{}\tRESPONSIVE\tN/A\t\"OL\"",
                pids[0]
            ),
            format!(
                "ups2\tdummy-ups\tRUNNING\t{}\tRESPONSIVE\tN/A\t\"OL\"",
                pids[1]
            ),
        ]
    );

    let stopped = lab.ours(&["stop"]);
    assert_eq!(stopped.code, 0, "{stopped:#?}");
    for pid in &pids {
        assert!(!alive(*pid), "driver {pid} stopped");
    }
    // upsd now has no driver behind ups1.
    assert!(wait_until(Duration::from_secs(5), || upsc(
        &lab,
        &[&target, "ups.status"]
    )
    .1 != 0));
    let gone = lab.ours(&["status", "ups1"]);
    assert_eq!(gone.code, 1);
    // The Lab stops upsd (by the PID in its PID file) on drop.
}

#[test]
fn a_failing_real_driver_is_retried_like_real_upsdrvctl_does() {
    let test = "a_failing_real_driver_is_retried_like_real_upsdrvctl_does";
    if !real_nut(test) {
        return;
    }
    let Some(user) = run_as(test) else {
        return;
    };
    let lab = Lab::new("real-retry");
    // The definition file does not exist: dummy-ups exits 1 at once.
    lab.ups_conf(&format!(
        "driverpath = {REAL_DRIVERPATH}\nmaxretry = 3\nretrydelay = 1\n\
         [broken]\n  driver = dummy-ups\n  port = missing.dev\n"
    ));
    let real = lab.real(&["-u", user, "start"]);
    let at = Instant::now();
    let ours = lab.ours(&["-u", user, "start"]);
    let elapsed = at.elapsed();
    assert_eq!((ours.code, real.code), (1, 1));
    let failures = real.stderr_lines_with("Driver failed to start");
    assert_eq!(failures, ["Driver failed to start (exit status=1)"; 3]);
    assert_eq!(ours.stderr_lines_with("Driver failed to start"), failures);
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(lab.pid("dummy-ups-broken.pid").is_none());
}
