//! `upsc` argument forms beyond "dump one UPS": listing, single variables, unknown names, a
//! dead driver, a closed port, usage errors. Each runs against the same real upsd with the
//! real upsc and ours, and must match byte for byte.

use std::fs;
use std::time::Duration;

use crate::compare::{
    REAL_UPSC_PROGRAM, build_note, difference, expected_from_real, our_upsc, run_client,
};
use crate::gate::oracle_available;
use crate::sandbox::{Sandbox, TempDir, UpsSpec, next_free_port};

/// Generous: a loaded 2-core CI machine may be slow to start dummy-ups.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A small dump with the value shapes that test quoting on the wire (see real-nut-lab §7).
const DEV: &str = "\
battery.charge: 100
battery.runtime: 1800
device.mfr: Acme
device.model: Simulated 1500
experimental.quoted: \"two  spaces\"
input.voltage: 230.0
ups.status: OL CHRG
ups.serial: SIM0001
";

/// Argument lists; `{ups}`, `{dead}`, `{host}` and `{closed}` are filled in per run.
const CASES: &[&[&str]] = &[
    &["{ups}"],
    &["{ups}", "ups.status"],
    &["{ups}", "experimental.quoted"],
    &["{ups}", "no.such.var"],
    &["{ups}", "ups.status", "extra"],
    &["-l", "{host}"],
    &["-L", "{host}"],
    &["-c", "{ups}"],
    &["nosuch@{host}"],
    &["{dead}"],
    &["{dead}", "ups.status"],
    &["-l", "{closed}"],
    &["sim@{closed}"],
    &[],
    &["-h"],
    &["-V"],
    &["-z"],
];

#[test]
fn upsc_argument_forms_match_the_real_upsc() {
    if !oracle_available() {
        return;
    }
    let data = TempDir::new("nut-oracle-data").expect("temp dir");
    let dev = data.path().join("sim.dev");
    fs::write(&dev, DEV).expect("write .dev");
    let specs = [
        UpsSpec::new("sim", &dev).with_desc("Simulated UPS"),
        UpsSpec::new("dead", data.path().join("missing.dev")),
    ];
    let mut sandbox = Sandbox::spawn(&specs).expect("spawn");
    let ready = sandbox.wait_ready(START_TIMEOUT).expect("ready");
    assert_eq!((ready.ready.len(), ready.dead_drivers.len()), (1, 1));
    let closed = format!("127.0.0.1:{}", next_free_port().expect("a free port"));

    let ours = our_upsc();
    let mut mismatches = Vec::new();
    for case in CASES {
        let args: Vec<String> = case
            .iter()
            .map(|a| {
                a.replace("{ups}", &sandbox.target("sim"))
                    .replace("{dead}", &sandbox.target("dead"))
                    .replace("{host}", &sandbox.host())
                    .replace("{closed}", &closed)
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let real = run_client(REAL_UPSC_PROGRAM, &args).expect("real upsc runs");
        let mine = run_client(ours, &args).expect("our upsc runs");
        if let Some(report) = difference(&expected_from_real(&real), &mine) {
            mismatches.push(format!("upsc {}\n{report}", args.join(" ")));
        }
    }
    println!(
        "compared {} upsc argument forms: {} identical",
        CASES.len(),
        CASES.len() - mismatches.len()
    );
    println!("  {}", build_note());
    assert!(
        mismatches.is_empty(),
        "{} upsc forms differ from the real upsc:\n\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
}
