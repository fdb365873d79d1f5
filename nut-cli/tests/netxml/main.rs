//! netxml-ups: our driver against our card simulator (`nut sim netxml`),
//! and Debian's netxml-ups (NUT 2.8.0, package nut-xml) side by side with
//! ours on the same simulated card.

mod lab;

use lab::{Driver, Lab, Sim, Sock, Upsd, ours, real_netxml};

/// The state changes the oracle walks through, with the status both
/// drivers must reach after each (console command, expected ups.status).
const STEPS: &[(&str, &str)] = &[
    ("", "OL CHRG"),
    ("ob", "OB DISCHRG"),
    ("lb", "OB DISCHRG LB"),
    ("charge 8", "OB DISCHRG LB"),
    ("ol", "OL CHRG"),
    (
        "set UPS.PowerSummary.PresentStatus.Overload 1",
        "OL CHRG OVER",
    ),
    (
        "set UPS.BatterySystem.Battery.PresentStatus.Present 0",
        "ALARM OL CHRG OVER",
    ),
    (
        "set UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange 1",
        "ALARM OL CHRG OVER",
    ),
    (
        "set UPS.PowerSummary.DelayBeforeShutdown 30",
        "ALARM OL CHRG OVER FSD",
    ),
    (
        "set UPS.PowerSummary.PresentStatus.NeedReplacement 1",
        "ALARM OL CHRG OVER RB FSD",
    ),
    (
        "set UPS.BatterySystem.Battery.Test 5",
        "ALARM OL CHRG OVER RB FSD CAL",
    ),
    (
        "set UPS.PowerConverter.Output.Phase[1].Current 123",
        "ALARM OL CHRG OVER RB FSD CAL",
    ),
    ("ob", "ALARM OB DISCHRG OVER RB FSD CAL"),
];

/// Real netxml-ups and ours read the same simulated card; at every step of
/// [`STEPS`] both publish the same variables, values and RW flags.
#[test]
fn oracle_real_and_ours_publish_the_same() {
    let Some(real) = real_netxml() else {
        return;
    };
    let mut sim = Sim::start(&[]);
    let real_lab = Lab::new("oracle-real");
    let our_lab = Lab::new("oracle-ours");
    real_lab.ups_conf(&sim.url, &[]);
    our_lab.ups_conf(&sim.url, &[]);
    let real_driver = Driver::start(&real_lab, &real, "real").expect("real netxml-ups starts");
    let our_driver = Driver::start(&our_lab, &ours(), "ours").expect("our netxml-ups starts");
    let mut real_sock = Sock::connect(&real_driver.socket).expect("real socket");
    let mut our_sock = Sock::connect(&our_driver.socket).expect("our socket");
    let (mut compared, mut steps) = (0, 0);
    for (command, status) in STEPS {
        if !command.is_empty() {
            let reply = sim.command(command);
            assert!(!reply.starts_with("unknown"), "{command}: {reply}");
        }
        for (name, sock) in [("real", &mut real_sock), ("ours", &mut our_sock)] {
            sock.wait(&format!("{name} showed {status:?}"), |s| {
                s.status() == *status
            })
            .unwrap_or_else(|e| panic!("after {command:?}: {e}"));
        }
        // One more poll on both, so that every page of the change is in.
        std::thread::sleep(std::time::Duration::from_millis(2500));
        real_sock.dumpall().expect("real dump");
        our_sock.dumpall().expect("our dump");
        assert_eq!(
            our_sock.vars, real_sock.vars,
            "after {command:?}: variables differ"
        );
        assert_eq!(
            our_sock.flags, real_sock.flags,
            "after {command:?}: flags differ"
        );
        compared += real_sock.vars.len();
        steps += 1;
        eprintln!(
            "netxml oracle: step {steps} {command:?}: {} variables match, status {status:?}",
            real_sock.vars.len()
        );
    }
    eprintln!("netxml oracle: {steps} steps, {compared} variable values compared, all equal");
}

/// Through upsd: Debian's upsd in front of each driver, and `upsc` shows
/// the same lines for real netxml-ups and ours, through OL → OB → OB LB.
#[test]
fn oracle_upsc_shows_the_same() {
    let Some(real) = real_netxml() else {
        return;
    };
    let mut sim = Sim::start(&[]);
    let real_lab = Lab::new("upsc-real");
    let our_lab = Lab::new("upsc-ours");
    real_lab.ups_conf(&sim.url, &[]);
    our_lab.ups_conf(&sim.url, &[]);
    let _real_driver = Driver::start(&real_lab, &real, "real").expect("real netxml-ups starts");
    let _our_driver = Driver::start(&our_lab, &ours(), "ours").expect("our netxml-ups starts");
    let real_upsd = Upsd::start(&real_lab).expect("upsd for real");
    let our_upsd = Upsd::start(&our_lab).expect("upsd for ours");
    let mut compared = 0;
    for (command, status) in [
        ("", "OL CHRG"),
        ("ob", "OB DISCHRG"),
        ("lb", "OB DISCHRG LB"),
    ] {
        if !command.is_empty() {
            sim.command(command);
        }
        real_upsd.wait_status(status).expect("real");
        our_upsd.wait_status(status).expect("ours");
        std::thread::sleep(std::time::Duration::from_millis(2500));
        let (real_text, our_text) = (real_upsd.upsc(), our_upsd.upsc());
        assert!(!real_text.is_empty());
        assert_eq!(our_text, real_text, "upsc after {command:?}");
        compared += real_text.lines().count();
        eprintln!(
            "netxml upsc oracle: {command:?} → {status:?}: {} lines equal",
            real_text.lines().count()
        );
    }
    eprintln!("netxml upsc oracle: {compared} upsc lines compared, all equal");
}

/// Real netxml-ups and ours with `do_convert_deci` on a card whose phase
/// current is in deci-amperes.
#[test]
fn oracle_do_convert_deci() {
    let Some(real) = real_netxml() else {
        return;
    };
    let mut sim = Sim::start(&[]);
    sim.command("set UPS.PowerConverter.Output.Phase[1].Current 123");
    let real_lab = Lab::new("deci-real");
    let our_lab = Lab::new("deci-ours");
    real_lab.ups_conf(&sim.url, &["do_convert_deci"]);
    our_lab.ups_conf(&sim.url, &["do_convert_deci"]);
    let real_driver = Driver::start(&real_lab, &real, "real").expect("real netxml-ups starts");
    let our_driver = Driver::start(&our_lab, &ours(), "ours").expect("our netxml-ups starts");
    let mut real_sock = Sock::connect(&real_driver.socket).expect("real socket");
    let mut our_sock = Sock::connect(&our_driver.socket).expect("our socket");
    real_sock.dumpall().expect("real dump");
    our_sock.dumpall().expect("our dump");
    assert_eq!(
        our_sock.vars.get("output.L1.current").map(String::as_str),
        Some("12.3")
    );
    assert_eq!(our_sock.vars, real_sock.vars);
    eprintln!(
        "netxml oracle (do_convert_deci): {} variables match",
        real_sock.vars.len()
    );
}

/// An unreachable card makes the data stale with a log line naming the
/// URL and the error; the driver recovers by itself when the card answers
/// again. Likewise for HTTP errors.
#[test]
fn unreachable_card_goes_stale_and_recovers() {
    let mut sim = Sim::start(&[]);
    let lab = Lab::new("stale");
    lab.ups_conf(&sim.url, &["timeout = 2"]);
    let driver = Driver::start(&lab, &ours(), "ours").expect("our netxml-ups starts");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.wait("fresh", |s| !s.stale && s.status() == "OL CHRG")
        .expect("fresh at start");

    sim.command("down");
    sock.wait("stale", |s| s.stale)
        .expect("stale when unreachable");
    let log = driver.log_text();
    let url = format!("{}/getvalue.cgi", sim.url);
    assert!(
        log.lines().any(|l| l.contains(&url)),
        "no log line names {url}: {log}"
    );
    assert!(log.contains("lost"), "no stale notice: {log}");

    sim.command("ob");
    sim.command("up");
    sock.wait("fresh again", |s| !s.stale && s.status() == "OB DISCHRG")
        .expect("recovers by itself");
    assert!(driver.log_text().contains("restored"));

    sim.command("error 503");
    sock.wait("stale on HTTP 503", |s| s.stale)
        .expect("stale on 503");
    assert!(
        driver.log_text().contains("HTTP status 503"),
        "{}",
        driver.log_text()
    );
    sim.command("up");
    sock.wait("fresh after 503", |s| !s.stale)
        .expect("recovers after 503");
}

/// A SET through the driver socket reaches the card (the simulator applies
/// the SET_OBJECT form) and comes back at the next poll; login and password
/// are sent as HTTP Basic credentials.
#[test]
fn set_reaches_the_card_with_login() {
    let sim = Sim::start(&["--login", "admin:secret"]);
    let lab = Lab::new("set");
    lab.ups_conf(&sim.url, &["login = admin", "password = secret"]);
    let driver = Driver::start(&lab, &ours(), "ours").expect("our netxml-ups starts");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.dumpall().expect("dump");
    assert_eq!(
        sock.flags.get("device.location").map(String::as_str),
        Some("RW")
    );
    sock.send("SET device.location \"Rack 9\"").expect("set");
    sock.wait("the new location", |s| {
        s.vars.get("device.location").map(String::as_str) == Some("Rack 9")
    })
    .expect("set round trip");
}

/// Without the credentials the card answers 401: the start-up fails with
/// NUT's fatal message naming the URL.
#[test]
fn start_fails_without_credentials_or_card() {
    let sim = Sim::start(&["--login", "admin:secret"]);
    let lab = Lab::new("fatal");
    lab.ups_conf(&sim.url, &[]);
    let err = Driver::start(&lab, &ours(), "ours").err().expect("fatal");
    assert!(err.contains("Connectivity test:"), "{err}");
    assert!(err.contains("HTTP status 401"), "{err}");
    lab.ups_conf(&sim.url, &["timeout = 0"]);
    let err = Driver::start(&lab, &ours(), "ours").err().expect("fatal");
    assert!(err.contains("timeout must be greater than 0"), "{err}");
    let url = sim.url.clone();
    drop(sim);
    lab.ups_conf(&url, &[]);
    let err = Driver::start(&lab, &ours(), "ours").err().expect("fatal");
    assert!(
        err.contains("Connectivity test:") && err.contains(&url),
        "{err}"
    );
}

/// `subscribe`: the driver reads the configure page, opens the alarm
/// channel and applies the card's ALARM messages at once, long before its
/// next poll. (NUT 2.8.0's netxml-ups cannot subscribe at all: it rejects
/// every line of the subscription reply, so this has no oracle.)
#[test]
fn subscription_pushes_alarms_between_polls() {
    let mut sim = Sim::start(&[]);
    let lab = Lab::new("subscribe");
    lab.ups_conf(&sim.url, &["subscribe"]);
    let conf = std::fs::read_to_string(lab.dir.join("ups.conf")).expect("conf");
    std::fs::write(
        lab.dir.join("ups.conf"),
        conf.replace("pollinterval = 1", "pollinterval = 60"),
    )
    .expect("conf");
    let driver = Driver::start(&lab, &ours(), "ours").expect("our netxml-ups starts");
    let mut sock = Sock::connect(&driver.socket).expect("socket");
    sock.dumpall().expect("dump");
    assert_eq!(sock.status(), "OL CHRG");
    assert_eq!(
        sock.vars.get("driver.delay.shutdown").map(String::as_str),
        Some("120")
    );
    assert_eq!(
        sock.vars.get("driver.timer.shutdown").map(String::as_str),
        Some("NONE")
    );
    assert!(sock.vars.contains_key("driver.hostname"));
    assert!(
        driver
            .log_text()
            .contains("NSM connection to '127.0.0.1' established")
    );
    let start = std::time::Instant::now();
    sim.command("ob");
    sock.wait("on battery through the alarm channel", |s| {
        s.status() == "OB DISCHRG"
    })
    .expect("alarm applied");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "the change came by polling, not by alarm"
    );
    sim.command("down");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !driver
        .log_text()
        .contains("NSM connection with '127.0.0.1' lost")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            driver.log_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// `-k`: the shutdown sets `battery.runtime.low` (System.RunTimeToEmptyLimit)
/// to 999999999 on the card, which then starts its own shutdown sequence.
#[test]
fn killpower_posts_the_shutdown_form() {
    let mut sim = Sim::start(&[]);
    let lab = Lab::new("killpower");
    lab.ups_conf(&sim.url, &[]);
    let output = lab
        .command(&ours())
        .args(["-a", "card", "-u", "root", "-k"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert_eq!(
        sim.command("get System.RunTimeToEmptyLimit"),
        "System.RunTimeToEmptyLimit = 999999999"
    );
}
