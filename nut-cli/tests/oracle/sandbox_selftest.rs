//! Tests of the sandbox harness itself: it serves what it was given, isolates sandboxes from
//! each other, reports drivers that real dummy-ups rejects, and leaves no process behind.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::compare::{REAL_UPSC_PROGRAM, run_client};
use crate::gate::oracle_available;
use crate::sandbox::{PORT_FIRST, PORT_LAST, Sandbox, TempDir, UpsSpec};

/// Generous: a loaded 2-core CI machine may be slow to start dummy-ups.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the real upsc and returns (exit code, stdout, stderr) as text.
fn real_upsc(args: &[&str]) -> (Option<i32>, String, String) {
    let got = run_client(REAL_UPSC_PROGRAM, args).expect("real upsc runs");
    (
        got.status.and_then(|s| s.code()),
        String::from_utf8_lossy(&got.stdout).into_owned(),
        String::from_utf8_lossy(&got.stderr).into_owned(),
    )
}

fn write_dev(dir: &TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, text).expect("write .dev");
    path
}

#[test]
fn sandboxes_serve_their_own_dumps_and_drop_stops_every_process() {
    if !oracle_available() {
        return;
    }
    let data = TempDir::new("nut-oracle-data").expect("temp dir");
    let alpha = write_dev(&data, "alpha.dev", "battery.charge: 42\nups.status: OB\n");
    let beta = write_dev(&data, "beta.dev", "battery.charge: 77\nups.status: OL\n");

    // Spawn both before waiting, as the corpus test does, so their start-up overlaps.
    let mut a = Sandbox::spawn(&[UpsSpec::new("alpha", &alpha).with_desc("Alpha \"one\"")])
        .expect("spawn a");
    let mut b = Sandbox::spawn(&[UpsSpec::new("beta", &beta)]).expect("spawn b");
    for sandbox in [&mut a, &mut b] {
        let ready = sandbox.wait_ready(START_TIMEOUT).expect("ready");
        assert_eq!(ready.dead_drivers, Vec::<String>::new());
        assert_eq!(ready.unsettled, Vec::<String>::new());
    }
    assert_ne!(a.port(), b.port());
    for port in [a.port(), b.port()] {
        assert!((PORT_FIRST..=PORT_LAST).contains(&port), "port {port}");
    }

    let (code, out, _) = real_upsc(&[&a.target("alpha"), "battery.charge"]);
    assert_eq!((code, out.as_str()), (Some(0), "42\n"));
    let (code, out, _) = real_upsc(&[&b.target("beta"), "ups.status"]);
    assert_eq!((code, out.as_str()), (Some(0), "OL\n"));
    let (code, out, _) = real_upsc(&["-L", &a.host()]);
    assert_eq!((code, out.as_str()), (Some(0), "alpha: Alpha \"one\"\n"));
    let (code, _, err) = real_upsc(&[&a.target("beta")]);
    assert_eq!(code, Some(1));
    assert!(err.contains("Error: Unknown UPS"), "{err}");

    let pids = [a.pids(), b.pids()].concat();
    assert_eq!(pids.len(), 4, "one upsd and one dummy-ups per sandbox");
    let dirs = [a.dir().to_path_buf(), b.dir().to_path_buf()];
    assert!(dirs.iter().all(|d| d.join("ups.conf").is_file()));
    drop(a);
    drop(b);
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} survived"
        );
    }
    for dir in dirs {
        assert!(!dir.exists(), "{} not removed", dir.display());
    }
}

#[test]
fn a_dump_real_dummy_ups_rejects_is_reported_not_waited_for() {
    if !oracle_available() {
        return;
    }
    let data = TempDir::new("nut-oracle-data").expect("temp dir");
    let good = write_dev(&data, "good.dev", "ups.status: OL\n");
    let missing = data.path().join("missing.dev");
    let specs = [UpsSpec::new("good", &good), UpsSpec::new("ghost", &missing)];

    let mut sandbox = Sandbox::spawn(&specs).expect("spawn");
    let ready = sandbox.wait_ready(START_TIMEOUT).expect("ready");
    assert_eq!(ready.ready, ["good"]);
    assert_eq!(ready.dead_drivers, ["ghost"]);
    assert_eq!(ready.unsettled, Vec::<String>::new());
    let (code, out, err) = real_upsc(&[&sandbox.target("ghost")]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("Error: Driver not connected"), "{err}");
    drop(sandbox);

    let refused = Sandbox::start(&specs, START_TIMEOUT).expect_err("start requires every UPS");
    assert!(refused.contains("ghost"), "{refused}");
}

#[test]
fn bad_section_names_are_refused_before_anything_starts() {
    let dev = Path::new("/nonexistent.dev");
    for name in ["", "a b", "x]", "../up"] {
        let err = Sandbox::spawn(&[UpsSpec::new(name, dev)]).expect_err(name);
        assert!(err.contains("bad UPS name"), "{err}");
    }
    let twice = [UpsSpec::new("same", dev), UpsSpec::new("same", dev)];
    let err = Sandbox::spawn(&twice).expect_err("duplicate");
    assert!(err.contains("given twice"), "{err}");
}
