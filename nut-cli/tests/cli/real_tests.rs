//! Our clients and Debian's NUT 2.8.0 clients, run with the same arguments
//! against the same real upsd + dummy-ups: stdout, stderr and exit code must
//! be identical (apart from `Init SSL without certificate database`, which
//! only SSL-enabled builds print: see `nut_cli::connect`).
//!
//! Cases where we follow newer NUT are run with the setting that makes 2.8.0
//! and newer NUT agree (`NUT_QUIET_OK_NOTRACKING=true`).

use crate::real_nut::{Sandbox, assert_all_match, available, compare};
use crate::support::{Run, free_port};

const QUIET: (&str, &str) = ("NUT_QUIET_OK_NOTRACKING", "true");

fn quiet() -> Run {
    Run::default().env(QUIET.0, QUIET.1)
}

#[test]
fn real_nut_upsc_listings_and_errors() {
    if !available("real_nut_upsc_listings_and_errors") {
        return;
    }
    let mut lab = Sandbox::start(&[
        ("dummy", Some("Dummy UPS for interop tests")),
        ("victim", None),
    ]);
    let (dummy, host) = (lab.target("dummy"), lab.host());
    let refused = format!("dummy@127.0.0.1:{}", free_port().expect("free port"));
    let none = Run::default();
    let mut reports = Vec::new();
    for args in [
        vec![dummy.as_str()],
        vec![dummy.as_str(), "ups.status"],
        vec![dummy.as_str(), "device.model"],
        vec!["-l", host.as_str()],
        vec!["-L", host.as_str()],
        vec!["-c", dummy.as_str()],
        vec!["-h"],
        vec!["-V"],
        vec!["-x"],
        vec![],
        vec!["-l", "127.0.0.1:"],
        vec!["ups@"],
        vec![&lab.target("nosuch")],
        vec![dummy.as_str(), "no.such.var"],
        vec![dummy.as_str(), "nodot"],
        vec![refused.as_str()],
        vec!["dummy@nosuch.invalid"],
    ] {
        reports.push(compare("upsc", &args, &none));
    }
    // Targets NUT reads with strtok and strtol: no UPS name (`@host`),
    // doubled `@`, junk after the port, a signed port, brackets.
    let port = lab.port();
    let odd: Vec<String> = [
        "@127.0.0.1:{port}",
        "@@127.0.0.1:{port}",
        "dummy@@127.0.0.1:{port}",
        "dummy@127.0.0.1:{port}@x",
        "dummy@127.0.0.1:+{port}",
        "dummy@127.0.0.1::{port}",
        "dummy@[127.0.0.1]:{port}",
    ]
    .iter()
    .map(|form| form.replace("{port}", &port.to_string()))
    .collect();
    for target in &odd {
        reports.push(compare("upsc", &[target, "ups.status"], &none));
    }
    reports.push(compare(
        "upsc",
        &["-l", &format!("[127.0.0.1]:{port}")],
        &none,
    ));
    reports.push(compare("upscmd", &["-l", &odd[0]], &none));
    reports.push(compare("upsrw", &[&odd[0]], &none));
    for args in [vec!["-l"], vec![dummy.as_str()], vec!["-w", "x"]] {
        reports.push(compare("upscmd", &args, &none));
    }
    // Driver killed: upsd answers DRIVER-NOT-CONNECTED.
    lab.kill_driver("victim");
    let victim = lab.target("victim");
    for args in [
        vec![victim.as_str()],
        vec![victim.as_str(), "ups.status"],
        vec!["-c", victim.as_str()],
    ] {
        reports.push(compare("upsc", &args, &none));
    }
    reports.push(compare("upscmd", &["-l", &victim], &none));
    reports.push(compare("upsrw", &[&victim], &none));
    assert_all_match(reports);
}

#[test]
fn real_nut_stale_data() {
    if !available("real_nut_stale_data") {
        return;
    }
    let lab = Sandbox::start(&[("frozen", None)]);
    let frozen = lab.target("frozen");
    lab.freeze_driver("frozen");
    let none = Run::default();
    let reports = vec![
        compare("upsc", &[&frozen], &none),
        compare("upsc", &[&frozen, "ups.status"], &none),
        compare("upscmd", &["-l", &frozen], &none),
        compare("upsrw", &[&frozen], &none),
        compare(
            "upscmd",
            &["-u", "admin", "-p", "adminpass", &frozen, "load.off"],
            &quiet(),
        ),
    ];
    lab.thaw_driver("frozen");
    assert_all_match(reports);
}

#[test]
fn real_nut_upscmd_and_upsrw() {
    if !available("real_nut_upscmd_and_upsrw") {
        return;
    }
    let lab = Sandbox::start(&[("rw", Some("writable"))]);
    let rw = lab.target("rw");
    let nosuch = lab.target("nosuch");
    let q = quiet();
    let admin = ["-u", "admin", "-p", "adminpass"];
    let with_admin = |extra: &[&str]| -> Vec<String> {
        admin.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    let mut reports = Vec::new();
    let mut check = |program: &str, args: Vec<String>, how: &Run| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        reports.push(compare(program, &args, how));
    };
    // upscmd
    check("upscmd", vec!["-l".into(), rw.clone()], &q);
    check("upscmd", vec!["-h".into()], &q);
    check("upscmd", vec!["-V".into()], &q);
    check("upscmd", with_admin(&[&rw, "load.off"]), &q);
    check("upscmd", with_admin(&[&rw, "load.on"]), &q);
    check("upscmd", with_admin(&["-w", &rw, "load.off"]), &q);
    check(
        "upscmd",
        with_admin(&["-w", "-t", "3", &rw, "load.off", "5"]),
        &q,
    );
    check("upscmd", with_admin(&[&nosuch, "load.off"]), &q);
    check("upscmd", with_admin(&[&rw, "loadoff"]), &q);
    check("upscmd", with_admin(&["-t", "x", &rw, "load.off"]), &q);
    // wrong password, and a user without the right (access denied)
    check(
        "upscmd",
        ["-u", "admin", "-p", "wrong", &rw, "load.off"]
            .map(str::to_owned)
            .to_vec(),
        &q,
    );
    check(
        "upscmd",
        ["-u", "monuser", "-p", "monpass", &rw, "load.off"]
            .map(str::to_owned)
            .to_vec(),
        &q,
    );
    // prompts on a pipe
    check(
        "upscmd",
        vec![rw.clone(), "load.off".into()],
        &Run::stdin("admin\nadminpass\n").env(QUIET.0, QUIET.1),
    );
    check(
        "upscmd",
        vec![rw.clone(), "load.off".into()],
        &Run::stdin(""),
    );
    check(
        "upscmd",
        vec!["-u".into(), "admin".into(), rw.clone(), "load.off".into()],
        &Run::stdin("").env(QUIET.0, QUIET.1),
    );
    // upsrw
    check("upsrw", vec![rw.clone()], &q);
    check("upsrw", vec!["-h".into()], &q);
    check("upsrw", vec!["-V".into()], &q);
    check("upsrw", vec![nosuch], &q);
    check("upsrw", with_admin(&["-s", "ups.load=41", &rw]), &q);
    check("upsrw", with_admin(&["-w", "-s", "ups.load=42", &rw]), &q);
    check("upsrw", with_admin(&["-s", "driver.name=x", &rw]), &q);
    check("upsrw", with_admin(&["-s", "no.such=1", &rw]), &q);
    check("upsrw", with_admin(&["-s", "nodot=1", &rw]), &q);
    check(
        "upsrw",
        ["-s", "ups.load=43", "-u", "admin", "-p", "wrong", &rw]
            .map(str::to_owned)
            .to_vec(),
        &q,
    );
    check(
        "upsrw",
        vec!["-s".into(), "ups.load".into(), rw],
        &Run::stdin("admin\nadminpass\n44\n").env(QUIET.0, QUIET.1),
    );
    // upslog: the parts that do not depend on the clock
    check("upslog", vec!["-h".into()], &q);
    check("upslog", vec!["-V".into()], &q);
    check("upslog", vec![], &q);
    check(
        "upslog",
        vec!["-s".into(), "bad@".into(), "-l".into(), "-".into()],
        &q,
    );
    assert_all_match(reports);
}
