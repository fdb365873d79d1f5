//! End to end, issue 6 part 8: a simulated HID UPS → our `usbhid-ups`
//! binary (`-x simulate=…`, or `nut sim hid`) → our `upsd` → the REAL
//! NUT 2.8.0 `upsc`/`upscmd`/`upsrw`.
//!
//! * `upsc` lists exactly the variables the maps publish for the device
//!   (computed in-process by nut-hid's loop core on the same simulated
//!   device), with the same values, plus only the runtime's own
//!   (`driver.*`, `device.*`);
//! * changes to the device show at the next poll; an instant command and a
//!   setvar reach the device as SET_REPORTs;
//! * unplug → `Error: Data stale` within one poll interval, replug → fresh
//!   data again within two; both delays are measured and printed;
//! * `-k` shuts the UPS down; a bad option value is fatal.
//!
//! Without NUT's clients the tests print SKIPPED (they fail when env `CI`
//! is set); corpus descriptors come from `../shared/corpus/hid` likewise.

mod stack;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use nut_cli::drivers::usbhid::{HidBus, sim};
use nut_hid::transport::{DriverConfig, UsbHidDriver};

use stack::{
    DriverKind, POLL, REAL_UPSCMD, REAL_UPSRW, Stack, TempDir, UPS, corpus_file, real_nut,
};

/// Most an unplug may take to show as `Data stale` in upsc: one poll
/// interval, plus upsd and client latency.
const STALE_LIMIT: Duration = Duration::from_millis(POLL.as_millis() as u64 + 1000);
/// Most a replug may take to show fresh data: the reconnect attempt comes
/// one poll interval after the disconnection, the update in the same cycle.
const FRESH_LIMIT: Duration = Duration::from_millis(2 * POLL.as_millis() as u64 + 1500);

/// Variables the driver runtime adds to those of the maps.
fn runtime_variable(name: &str) -> bool {
    name.starts_with("driver.parameter.")
        || name.starts_with("driver.flag.")
        || name.starts_with("device.")
        || matches!(
            name,
            "driver.name"
                | "driver.version"
                | "driver.version.internal"
                | "driver.version.usb"
                | "driver.state"
        )
}

/// What nut-hid's loop core publishes for `spec`'s device, in process.
fn promised(spec: &str) -> BTreeMap<String, String> {
    let spec = sim::load(spec, None, None).expect("simulation spec");
    let (bus, _) = sim::bus(&spec).expect("descriptor parses");
    let mut config = DriverConfig::default();
    config.pollinterval = POLL;
    let mut driver = UsbHidDriver::new(HidBus::Sim(bus), config).expect("options");
    driver.handle_start(Instant::now()).expect("device found");
    driver
        .data()
        .expect("fresh")
        .iter()
        .map(|(name, var)| (name.to_owned(), var.value.clone()))
        .collect()
}

/// upsc shows every promised variable with its value, and nothing else
/// but the runtime's own; prints the counts.
fn compare_with_upsc(stack: &Stack, spec: &str, label: &str) {
    let promised = promised(spec);
    stack.wait_for("upsc lists the UPS", Duration::from_secs(10), |s| {
        s.upsc_all()
            .is_ok_and(|vars| vars.contains_key("ups.status"))
    });
    let shown = stack.upsc_all().expect("upsc lists the UPS");
    let mut missing = Vec::new();
    for (name, value) in &promised {
        match shown.get(name) {
            Some(seen) if seen == value => {}
            other => missing.push(format!("{name}: promised {value:?}, upsc {other:?}")),
        }
    }
    let extra: Vec<&String> = shown
        .keys()
        .filter(|name| !promised.contains_key(*name) && !runtime_variable(name))
        .collect();
    assert!(missing.is_empty(), "{label}: {missing:#?}");
    assert!(
        extra.is_empty(),
        "{label}: upsc shows more than the maps: {extra:?}"
    );
    let added = shown.len() - promised.len();
    eprintln!(
        "usbhid e2e [{label}]: {} variables from the maps, all shown by real upsc with the same values; {added} added by the driver runtime",
        promised.len()
    );
}

fn is_stale(stack: &Stack) -> bool {
    stack
        .upsc(Some("ups.status"))
        .is_err_and(|e| e.contains("Error: Data stale"))
}

fn status(stack: &Stack) -> Option<String> {
    stack
        .upsc(Some("ups.status"))
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Unplug and replug, measured through real upsc; returns (stale, fresh).
fn unplug_replug(stack: &mut Stack, label: &str) -> (Duration, Duration) {
    stack.command("unplug");
    let stale = stack.wait_for("Data stale after unplug", STALE_LIMIT * 3, is_stale);
    stack.command("replug");
    let fresh = stack.wait_for("fresh data after replug", FRESH_LIMIT * 3, |s| {
        status(s).is_some()
    });
    eprintln!(
        "usbhid e2e [{label}]: unplug -> upsc \"Error: Data stale\" after {} ms (limit {} ms); replug -> fresh after {} ms (limit {} ms); poll interval {} s",
        stale.as_millis(),
        STALE_LIMIT.as_millis(),
        fresh.as_millis(),
        FRESH_LIMIT.as_millis(),
        POLL.as_secs()
    );
    assert!(stale <= STALE_LIMIT, "stale took {stale:?}");
    assert!(fresh <= FRESH_LIMIT, "fresh took {fresh:?}");
    (stale, fresh)
}

#[test]
fn builtin_ups_through_our_upsd_and_real_upsc() {
    if real_nut("builtin_ups_through_our_upsd_and_real_upsc").is_none() {
        return;
    }
    let mut stack = Stack::start(
        &DriverKind::Binary {
            simulate: sim::BUILTIN,
        },
        "",
    );
    compare_with_upsc(&stack, sim::BUILTIN, "builtin, usbhid-ups -x simulate");
    assert_eq!(
        stack
            .upsc(Some("driver.state"))
            .map(|s| s.trim().to_owned()),
        Ok("quiet".to_owned())
    );

    // The device changes; the next poll shows it.
    stack.command("ob");
    stack.command("charge 40");
    stack.wait_for("OB and 40 %", POLL * 4, |s| {
        status(s).as_deref() == Some("OB DISCHRG")
            && s.upsc(Some("battery.charge"))
                .is_ok_and(|c| c.trim() == "40")
    });

    unplug_replug(&mut stack, "builtin, usbhid-ups -x simulate");
    // The device kept its state through the replug.
    assert_eq!(
        stack
            .upsc(Some("battery.charge"))
            .map(|s| s.trim().to_owned()),
        Ok("40".to_owned())
    );

    // An instant command and a setvar become SET_REPORTs on the device.
    let out = run_admin(&stack, REAL_UPSCMD, &[], &["beeper.disable"]);
    assert!(out.contains("OK"), "upscmd: {out}");
    // Without TRACKING, upsd says OK before the driver has run the
    // command: ask the device until the SET_REPORT shows.
    let begin = Instant::now();
    while !stack.log("driver.log").contains("SET_REPORT 0x18: 18 01") {
        assert!(
            begin.elapsed() < Duration::from_secs(5),
            "no SET_REPORT on the device:\n{}",
            stack.log("driver.log")
        );
        stack.command("writes");
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = run_admin(&stack, REAL_UPSRW, &["-s", "battery.charge.low=15"], &[]);
    assert!(out.contains("OK"), "upsrw: {out}");
    stack.wait_for("battery.charge.low = 15", POLL * 4, |s| {
        s.upsc(Some("battery.charge.low"))
            .is_ok_and(|v| v.trim() == "15")
    });
}

fn run_admin(stack: &Stack, tool: &str, before: &[&str], after: &[&str]) -> String {
    let out = stack.admin(tool, before, after);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn corpus_upses_show_what_the_maps_promise() {
    if real_nut("corpus_upses_show_what_the_maps_promise").is_none() {
        return;
    }
    for file in [
        "ups-to-esp32/nut-issues/051d-0002-back-ups-es-850g2.hex",
        "ups-to-esp32/nut-issues/0764-0501-cp1500pfclcd.hex",
        "ups-to-esp32/nut-issues/0463-ffff-eaton-5sc-750.hex",
    ] {
        let Some(path) = corpus_file(file, "corpus_upses_show_what_the_maps_promise") else {
            return;
        };
        let spec = path.to_string_lossy().into_owned();
        let mut stack = Stack::start(&DriverKind::Binary { simulate: &spec }, "");
        let label = path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        compare_with_upsc(&stack, &spec, &label);
        unplug_replug(&mut stack, &label);
    }
}

#[test]
fn nut_sim_hid_serves_upsd_until_quit() {
    if real_nut("nut_sim_hid_serves_upsd_until_quit").is_none() {
        return;
    }
    let mut stack = Stack::start(&DriverKind::NutSim { spec: sim::BUILTIN }, "");
    compare_with_upsc(&stack, sim::BUILTIN, "builtin, nut sim hid");
    stack.command("lb");
    stack.command("ob");
    stack.wait_for("OB LB", POLL * 4, |s| {
        status(s).is_some_and(|st| st.split(' ').any(|t| t == "LB"))
    });
    unplug_replug(&mut stack, "builtin, nut sim hid");
    let socket = stack.statepath().join(format!("usbhid-ups-{UPS}"));
    stack.command("quit");
    let driver = stack.driver();
    let begin = Instant::now();
    let code = loop {
        if let Ok(Some(code)) = driver.try_wait() {
            break Some(code);
        }
        if begin.elapsed() > Duration::from_secs(5) {
            break None;
        }
        std::thread::sleep(stack::STEP);
    };
    assert_eq!(
        code.map(|c| c.code()),
        Some(Some(0)),
        "quit ends nut sim hid"
    );
    assert!(!socket.exists(), "the driver socket is removed");
    stack.close_stdin();
}

/// `usbhid-ups` alone (no upsd) in a private directory.
fn driver_alone(args: &[&str]) -> (i32, String) {
    let dir = TempDir::new("nut-usbhid-alone");
    std::fs::write(
        dir.path().join("ups.conf"),
        format!("[{UPS}]\n  driver = usbhid-ups\n  port = auto\n  simulate = builtin\n"),
    )
    .expect("ups.conf");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_usbhid-ups"));
    cmd.args(["-a", UPS, "-u", "root"])
        .args(args)
        .env("NUT_CONFPATH", dir.path())
        .env("NUT_STATEPATH", dir.path().join("state"))
        .env("NUT_ALTPIDPATH", dir.path().join("state"));
    let out = stack::run_bounded(&mut cmd);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn k_shuts_the_simulated_ups_down() {
    let (code, text) = driver_alone(&["-k"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Shutdown successful with"), "{text}");
}

#[test]
fn dump_mode_shows_the_device_and_bad_options_are_fatal() {
    let (code, text) = driver_alone(&["-d", "1"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("ups.status: OL"), "{text}");
    assert!(
        text.contains("driver.version.data: APC HID 0.101"),
        "{text}"
    );
    let (code, text) = driver_alone(&["-d", "1", "-x", "interruptsize=0"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("interruptsize"), "{text}");
    let (code, text) = driver_alone(&["-d", "1", "-x", "vendorid=0764"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("No matching HID UPS found"), "{text}");
}
