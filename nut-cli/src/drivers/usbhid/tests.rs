//! The runtime glue on the built-in simulated UPS: what reaches the driver
//! state (values, flags, commands, `driver.state`), stale at the first poll
//! after an unplug and fresh after the replug, commands as SET_REPORTs,
//! shutdown, and the option table.

use std::time::{Duration, Instant};

use nut_hid::sim::{SimBus, SimUnit};
use nut_hid::transport::{DriverConfig, UsbHidDriver};
use nut_server::runtime::{Answer, CallId, Driver};
use nut_server::state::{DriverState, Flags, TrackingResult};

use super::sim::{self, SimControl};
use super::{HidBus, UsbHidUps, vartab};

const POLL: Duration = Duration::from_secs(2);

struct Rig {
    bus: SimBus,
    unit: SimUnit,
    driver: UsbHidUps,
    state: DriverState,
    now: Instant,
}

impl Rig {
    fn new() -> Self {
        let spec = sim::load(sim::BUILTIN, None, None).expect("built-in");
        let (bus, unit) = sim::bus(&spec).expect("built-in parses");
        let mut config = DriverConfig::default();
        config.pollinterval = POLL;
        let now = Instant::now();
        let mut hid = UsbHidDriver::new(HidBus::Sim(bus.clone()), config).expect("options");
        hid.handle_start(now).expect("the simulated UPS is found");
        let mut state = DriverState::new();
        let driver = UsbHidUps::new(hid, &mut state);
        Self {
            bus,
            unit,
            driver,
            state,
            now,
        }
    }

    /// One runtime poll, one poll interval later.
    fn poll(&mut self) {
        self.now += POLL;
        self.driver.update(self.now, &mut self.state);
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.state.get(name)
    }

    fn control(&self) -> SimControl {
        SimControl::new(self.bus.clone(), self.unit)
    }
}

#[test]
fn the_maps_reach_the_driver_state() {
    let rig = Rig::new();
    assert_eq!(rig.get("battery.charge"), Some("100"));
    assert_eq!(rig.get("battery.runtime"), Some("1800"));
    assert_eq!(rig.get("input.voltage"), Some("230.0"));
    assert_eq!(rig.get("ups.load"), Some("20.0"));
    assert_eq!(rig.get("ups.status"), Some("OL"));
    assert_eq!(rig.get("driver.state"), Some("quiet"));
    assert_eq!(rig.get("driver.version.data"), Some("APC HID 0.101"));
    assert!(!rig.state.is_stale());
    // Every variable of the mapper is there with its value and flags.
    let vars = rig.driver.core().data().expect("fresh");
    for (name, var) in vars.iter() {
        let published = rig.state.tree().get(name).expect(name);
        assert_eq!(published.value(), var.value, "{name}");
        assert_eq!(
            published.flags().contains(Flags::RW),
            var.writable,
            "{name}"
        );
    }
    let commands: Vec<&str> = rig.state.tree().commands().collect();
    assert!(commands.contains(&"beeper.disable"), "{commands:?}");
    assert_eq!(commands.len(), rig.driver.core().commands().len());
}

#[test]
fn changes_show_at_the_next_poll() {
    let mut rig = Rig::new();
    rig.control().apply("ob").expect("valid");
    rig.control().apply("charge 35").expect("valid");
    rig.poll();
    assert_eq!(rig.get("ups.status"), Some("OB DISCHRG"));
    assert_eq!(rig.get("battery.charge"), Some("35"));
}

#[test]
fn unplug_is_stale_at_the_next_poll_and_replug_fresh_again() {
    let mut rig = Rig::new();
    rig.control().apply("unplug").expect("valid");
    rig.poll();
    assert!(rig.state.is_stale(), "stale within one poll");
    assert_eq!(rig.get("driver.state"), Some("reconnect.trying"));
    // A write while stale is refused without touching the device.
    let answer = rig.driver.instcmd(
        rig.now,
        &mut rig.state,
        CallId::INTERNAL,
        "beeper.disable",
        None,
    );
    assert_eq!(answer, Answer::Done(TrackingResult::Failed));
    rig.control().apply("replug").expect("valid");
    let mut polls = 0;
    while rig.state.is_stale() && polls < 4 {
        rig.poll();
        polls += 1;
    }
    assert!(!rig.state.is_stale(), "fresh after {polls} polls");
    assert!(
        polls <= 2,
        "fresh within two polls of the replug, took {polls}"
    );
    assert_eq!(rig.get("battery.charge"), Some("100"));
    assert_eq!(rig.get("driver.state"), Some("quiet"));
}

#[test]
fn commands_and_setvars_become_set_reports() {
    let mut rig = Rig::new();
    let answer = rig.driver.instcmd(
        rig.now,
        &mut rig.state,
        CallId::INTERNAL,
        "beeper.disable",
        None,
    );
    assert_eq!(answer, Answer::Done(TrackingResult::Handled));
    let writes = rig
        .bus
        .with_device(rig.unit, |d| d.writes().to_vec())
        .expect("unit");
    assert_eq!(writes, vec![(0x18, vec![0x18, 0x01])]);
    let unknown = rig.driver.instcmd(
        rig.now,
        &mut rig.state,
        CallId::INTERNAL,
        "no.such.command",
        None,
    );
    assert_eq!(unknown, Answer::Done(TrackingResult::Unknown));
    let set = rig.driver.set_var(
        rig.now,
        &mut rig.state,
        CallId::INTERNAL,
        "battery.charge.low",
        "15",
    );
    assert_eq!(set, Answer::Done(TrackingResult::Handled));
    rig.poll();
    assert_eq!(rig.get("battery.charge.low"), Some("15"));
}

#[test]
fn shutdown_sends_the_subdriver_sequence() {
    let mut rig = Rig::new();
    let result = rig.driver.shutdown(rig.now, &mut rig.state);
    assert_eq!(result, TrackingResult::Handled);
    let writes = rig
        .bus
        .with_device(rig.unit, |d| d.writes().len())
        .expect("unit");
    assert!(writes > 0, "no SET_REPORT sent");
    let logs: Vec<String> = std::iter::from_fn(|| rig.driver.poll_log())
        .map(|r| r.message)
        .collect();
    assert!(
        logs.iter()
            .any(|l| l.starts_with("Shutdown successful with")),
        "{logs:?}"
    );
    // Unplugged: the shutdown fails (NUT: "Shutdown failed!").
    rig.control().apply("unplug").expect("valid");
    rig.poll();
    assert_eq!(
        rig.driver.shutdown(rig.now, &mut rig.state),
        TrackingResult::Failed
    );
}

#[test]
fn option_table_starts_with_nut_280_in_its_order() {
    let table = vartab();
    let names: Vec<&str> = table.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names.get(..6),
        Some(
            &[
                "lowbatt",
                "offdelay",
                "ondelay",
                "pollfreq",
                "pollonly",
                "onlinedischarge"
            ][..]
        )
    );
    for option in [
        "vendorid",
        "busport",
        "allow_duplicates",
        "subdriver",
        "interruptsize",
        "waitbeforereconnect",
        "onlinedischarge_onbattery",
        "simulate",
    ] {
        assert!(table.find(option).is_some(), "{option}");
    }
    // Every option the loop core knows is accepted by the table.
    for def in table.iter() {
        let mut config = DriverConfig::default();
        let value = match def.kind {
            nut_server::driver::VarKind::Flag => None,
            nut_server::driver::VarKind::Value => Some("1"),
        };
        let known = config.set_option(&def.name, value);
        assert!(
            known.is_ok() || def.name == "usb_set_altinterface",
            "{}: {known:?}",
            def.name
        );
    }
}
