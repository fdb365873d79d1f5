//! The glue against the simulator in memory ([`SimLink`]), with short
//! timeouts: what reaches the published state, commands, settings,
//! shutdown, staleness and recovery, options.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nut_serial::port::{CablePower, SimLink};
use nut_serial::qx::{Protocol, QxConfig};
use nut_serial::sim::{DeviceState, Fault, Simulator};
use nut_server::runtime::log::Level;
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};

use super::driver::QxDriver;
use super::options::{self, Flavour};

type Shared = Arc<Mutex<Simulator>>;

fn fast_config(protocol: Option<Protocol>) -> QxConfig {
    QxConfig {
        protocol,
        reply_timeout: Duration::from_millis(40),
        pollinterval: Duration::from_millis(10),
        ..QxConfig::default()
    }
}

fn start(
    protocol: Protocol,
    candidates: &[Protocol],
    flavour: Flavour,
) -> (QxDriver<SimLink<Simulator>>, Shared, DriverState) {
    let sim = Arc::new(Mutex::new(Simulator::new(protocol, DeviceState::default())));
    let link = SimLink::new(Arc::clone(&sim), "/dev/ttySIM");
    let mut state = DriverState::new();
    let cfg = fast_config(candidates.is_empty().then_some(protocol));
    let driver = QxDriver::start(link, &cfg, candidates, flavour, &mut state).expect("start");
    (driver, sim, state)
}

/// Polls until `done` holds for the state, or a few seconds pass.
fn poll_until(
    driver: &mut QxDriver<SimLink<Simulator>>,
    state: &mut DriverState,
    mut done: impl FnMut(&DriverState) -> bool,
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        driver.update(Instant::now(), state);
        if done(state) {
            return true;
        }
    }
    false
}

fn logs(driver: &mut QxDriver<SimLink<Simulator>>) -> Vec<(Level, String)> {
    std::iter::from_fn(|| driver.poll_log())
        .map(|r| (r.level, r.message))
        .collect()
}

#[test]
fn start_publishes_readings_status_commands_and_rw_delays() {
    let (mut driver, _sim, state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    assert_eq!(state.get("input.voltage"), Some("230.0"));
    assert_eq!(state.get("ups.status"), Some("OL"));
    assert_eq!(state.get("device.model"), Some("SIMQ1"));
    assert_eq!(state.get("driver.version.data"), Some("Megatec 0.10"));
    assert_eq!(
        state.get("ups.mfr"),
        None,
        "nutdrv_qx does not copy ups.mfr"
    );
    let delay = state.tree().get("ups.delay.shutdown").expect("delay");
    assert_eq!(delay.value(), "30");
    assert!(delay.flags().contains(Flags::RW | Flags::NUMBER));
    assert_eq!(delay.ranges().len(), 1);
    assert!(state.tree().has_command("test.battery.start.quick"));
    assert!(state.tree().has_command("shutdown.return"));
    let lines = logs(&mut driver);
    assert!(
        lines
            .iter()
            .any(|(_, m)| m == "Using protocol: Megatec 0.10")
    );
}

#[test]
fn blazer_tries_its_protocols_in_order_and_copies_mfr_and_model() {
    let candidates = options::BLAZER_PROTOCOLS;
    let (driver, sim, state) = start(Protocol::Zinto, &candidates, Flavour::BlazerSer);
    assert_eq!(driver.engine().protocol(), Some(Protocol::Zinto));
    assert_eq!(state.get("ups.mfr"), state.get("device.mfr"));
    assert_eq!(state.get("ups.model"), Some("SIMQ1"));
    assert_eq!(state.get("driver.version.data"), None);
    // megatec, megatec/old and mustek were asked before zinto answered
    let received = sim.lock().unwrap().received().to_vec();
    for query in [&b"Q1"[..], b"D", b"QS", b"FW?"] {
        assert!(received.iter().any(|r| r == query), "{query:?} not sent");
    }
}

#[test]
fn line_failure_and_low_battery_reach_the_status() {
    let (mut driver, sim, mut state) = start(Protocol::Q1, &[], Flavour::NutdrvQx);
    sim.lock().unwrap().state.fail_line();
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB")));
    sim.lock().unwrap().state.charge = 10.0;
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB LB")));
}

#[test]
fn a_silent_device_goes_stale_and_recovers_with_log_lines() {
    let (mut driver, sim, mut state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    assert!(!state.is_stale());
    sim.lock().unwrap().fault = Fault::Silent;
    assert!(poll_until(&mut driver, &mut state, DriverState::is_stale));
    let lines = logs(&mut driver);
    let lost = lines
        .iter()
        .find(|(level, _)| *level == Level::Warning)
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    assert!(lost.contains("/dev/ttySIM"), "{lost}");
    assert!(lost.contains("no reply to \"Q1\\r\""), "{lost}");
    // the status stays what it last was
    assert_eq!(state.get("ups.status"), Some("OL"));
    sim.lock().unwrap().fault = Fault::None;
    sim.lock().unwrap().state.fail_line();
    assert!(poll_until(&mut driver, &mut state, |s| !s.is_stale()));
    assert!(poll_until(&mut driver, &mut state, |s| s.get("ups.status")
        == Some("OB")));
    let lines = logs(&mut driver);
    assert!(
        lines
            .iter()
            .any(|(_, m)| m.contains("re-established") && m.contains("/dev/ttySIM")),
        "{lines:?}"
    );
}

#[test]
fn garbled_replies_count_as_failures_never_as_status() {
    let (mut driver, sim, mut state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    sim.lock().unwrap().fault = Fault::Garbage;
    assert!(poll_until(&mut driver, &mut state, DriverState::is_stale));
    assert_eq!(state.get("ups.status"), Some("OL"));
    let lines = logs(&mut driver);
    assert!(
        lines.iter().any(|(_, m)| m.contains("=`X?6")),
        "the log names what was received: {lines:?}"
    );
}

#[test]
fn instant_commands_reach_the_device() {
    let (mut driver, sim, mut state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    let now = Instant::now();
    let answer = driver.instcmd(
        now,
        &mut state,
        CallId::INTERNAL,
        "test.battery.start.quick",
        None,
    );
    assert_eq!(answer, Answer::Done(TrackingResult::Handled));
    assert!(sim.lock().unwrap().received().iter().any(|r| r == b"T"));
    let answer = driver.instcmd(now, &mut state, CallId::INTERNAL, "frobnicate", None);
    assert_eq!(answer, Answer::Done(TrackingResult::Unknown));
    // an echoing unit refuses the command
    sim.lock().unwrap().fault = Fault::Echo;
    let answer = driver.instcmd(now, &mut state, CallId::INTERNAL, "beeper.toggle", None);
    assert_eq!(answer, Answer::Done(TrackingResult::Failed));
    // a parameter out of range is refused before sending
    sim.lock().unwrap().fault = Fault::None;
    let answer = driver.instcmd(
        now,
        &mut state,
        CallId::INTERNAL,
        "test.battery.start",
        Some("5"),
    );
    assert_eq!(answer, Answer::Done(TrackingResult::Invalid));
}

#[test]
fn delays_are_writable_within_the_protocol_range() {
    let (mut driver, _sim, mut state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    let now = Instant::now();
    let set = |driver: &mut QxDriver<_>, state: &mut DriverState, var: &str, value: &str| {
        driver.set_var(now, state, CallId::INTERNAL, var, value)
    };
    assert_eq!(
        set(&mut driver, &mut state, "ups.delay.shutdown", "120"),
        Answer::Done(TrackingResult::Handled)
    );
    assert_eq!(state.get("ups.delay.shutdown"), Some("120"));
    assert_eq!(
        set(&mut driver, &mut state, "ups.delay.shutdown", "601"),
        Answer::Done(TrackingResult::Unknown)
    );
    assert_eq!(state.get("ups.delay.shutdown"), Some("120"));
    assert_eq!(
        set(&mut driver, &mut state, "input.voltage", "1"),
        Answer::Done(TrackingResult::Unknown)
    );
}

#[test]
fn shutdown_sends_stop_then_return_with_the_configured_delays() {
    let (mut driver, sim, mut state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    let status = driver.shutdown(Instant::now(), &mut state);
    assert_eq!(status, TrackingResult::Handled);
    let received = sim.lock().unwrap().received().to_vec();
    let at = |q: &[u8]| received.iter().position(|r| r == q);
    let (stop, main) = (at(b"C").expect("C sent"), at(b"S.5R0003").expect("S sent"));
    assert!(stop < main, "{received:?}");
    assert!(
        logs(&mut driver)
            .iter()
            .any(|(_, m)| m == "Shutting down in 30 seconds")
    );
}

#[test]
fn a_device_that_never_answers_is_not_supported() {
    let mut sim = Simulator::new(Protocol::Megatec, DeviceState::default());
    sim.fault = Fault::Silent;
    let link = SimLink::new(Arc::new(Mutex::new(sim)), "/dev/ttyNONE");
    let mut state = DriverState::new();
    let err = QxDriver::start(
        link,
        &fast_config(Some(Protocol::Megatec)),
        &[],
        Flavour::NutdrvQx,
        &mut state,
    )
    .expect_err("silent device");
    assert!(
        err.0.starts_with("/dev/ttyNONE: Device not supported!"),
        "{}",
        err.0
    );
    assert!(err.0.contains("tried megatec"), "{}", err.0);
}

fn opts(
    flavour: Flavour,
    port: &str,
    list: &[(&str, Option<&str>)],
) -> Result<options::QxOptions, String> {
    let list: Vec<(String, Option<String>)> = list
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect();
    options::from_options(flavour, Some(port), 2, &list)
}

#[test]
fn options_translate_like_nut() {
    let o = opts(
        Flavour::NutdrvQx,
        "/dev/ttyS0",
        &[
            ("Protocol", Some("Q1")),
            ("cablepower", Some("reverse")),
            ("novendor", None),
            ("ondelay", Some("120")),
            ("pollfreq", Some("60")),
            ("runtimecal", Some("240,100,720,50")),
            ("bypass_alarm", Some("enabled")),
        ],
    )
    .unwrap();
    assert_eq!(o.config.protocol, Some(Protocol::Q1));
    assert_eq!(o.cable, CablePower::Reverse);
    assert!(o.config.novendor);
    assert_eq!(o.config.ondelay, Some(120));
    assert_eq!(o.config.pollfreq, Duration::from_secs(60));
    assert!(o.candidates.is_empty());
    // blazer_ser: ondelay in minutes, its own four protocols
    let b = opts(Flavour::BlazerSer, "/dev/ttyS0", &[("ondelay", Some("3"))]).unwrap();
    assert_eq!(b.config.ondelay, Some(180));
    assert!(b.config.battery_voltage_reports_one_pack);
    assert_eq!(b.config.pollfreq, Duration::ZERO);
    assert_eq!(b.candidates, options::BLAZER_PROTOCOLS.to_vec());
    let b = opts(
        Flavour::BlazerSer,
        "/dev/ttyS0",
        &[("protocol", Some("mustek"))],
    )
    .unwrap();
    assert_eq!(b.candidates, vec![Protocol::Mustek]);
    // refused
    for bad in [
        opts(
            Flavour::NutdrvQx,
            "/dev/ttyS0",
            &[("cablepower", Some("dtr"))],
        ),
        opts(
            Flavour::NutdrvQx,
            "/dev/ttyS0",
            &[("protocol", Some("nope"))],
        ),
        opts(Flavour::NutdrvQx, "/dev/ttyS0", &[("idleload", Some("0"))]),
        opts(
            Flavour::BlazerSer,
            "/dev/ttyS0",
            &[("protocol", Some("q1"))],
        ),
        opts(Flavour::BlazerSer, "/dev/ttyS0", &[("ondelay", Some("x"))]),
    ] {
        assert!(bad.is_err());
    }
}

#[test]
fn vartabs_match_nut_2_8_0() {
    let qx = options::vartab(Flavour::NutdrvQx);
    for name in [
        "offdelay",
        "stayoff",
        "pollfreq",
        "cablepower",
        "ignoresab",
        "fault_5",
    ] {
        assert!(qx.find(name).is_some(), "{name}");
    }
    assert!(qx.find("frobnicate").is_none());
    let blazer = options::vartab(Flavour::BlazerSer);
    assert_eq!(blazer.iter().count(), 9);
    assert!(blazer.find("pollfreq").is_none());
}

#[test]
fn voltronic_battery_packs_is_writable_on_the_device() {
    let (mut driver, sim, mut state) = start(Protocol::Voltronic, &[], Flavour::NutdrvQx);
    let packs = state.tree().get("battery.packs").expect("battery.packs");
    assert!(packs.flags().contains(Flags::RW), "{:?}", packs.flags());
    assert_eq!(packs.ranges().len(), 1);
    let now = Instant::now();
    let answer = driver.set_var(now, &mut state, CallId::INTERNAL, "battery.packs", "4");
    assert_eq!(answer, Answer::Done(TrackingResult::Handled));
    assert!(
        sim.lock()
            .unwrap()
            .received()
            .iter()
            .any(|r| r == b"BATGN04"),
        "BATGN04 not sent"
    );
    // Re-read from the device at the next full poll.
    assert!(poll_until(&mut driver, &mut state, |s| s
        .get("battery.packs")
        == Some("4")));
    // The range's limits are accepted, one past them refused.
    for (good, sent) in [("1", &b"BATGN01"[..]), ("99", b"BATGN99")] {
        let answer = driver.set_var(now, &mut state, CallId::INTERNAL, "battery.packs", good);
        assert_eq!(answer, Answer::Done(TrackingResult::Handled), "{good}");
        assert!(sim.lock().unwrap().received().iter().any(|r| r == sent));
    }
    for bad in ["0", "100", "x", ""] {
        let answer = driver.set_var(now, &mut state, CallId::INTERNAL, "battery.packs", bad);
        assert_eq!(answer, Answer::Done(TrackingResult::Unknown), "{bad:?}");
    }
    // A unit that refuses it: (NAK.
    sim.lock().unwrap().fault = Fault::Garbage;
    let answer = driver.set_var(now, &mut state, CallId::INTERNAL, "battery.packs", "2");
    assert_eq!(answer, Answer::Done(TrackingResult::Failed));
    // Other protocols: not writable.
    let (mut megatec, _sim, mut state) = start(Protocol::Megatec, &[], Flavour::NutdrvQx);
    let answer = megatec.set_var(now, &mut state, CallId::INTERNAL, "battery.packs", "2");
    assert_eq!(answer, Answer::Done(TrackingResult::Unknown));
}
