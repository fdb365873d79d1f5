//! The driver core on the crate's built-in synthetic APC-like UPS (written
//! with `DescriptorWriter`, always available): values, interrupts, commands,
//! options, start-up failures.

use std::time::Duration;

use nut_hid::sim::{SimBus, SimDevice, SimStatus};
use nut_hid::transport::{DriverEvent, DriverState, UsbHidDriver, WriteOutcome};
use nut_hid::{DeviceInfo, Error, Refusal};

use crate::common::{Clock, config, events, start, status, var};

/// The crate's built-in simulated UPS (`nut_hid::sim::builtin_descriptor`,
/// also what `nut sim hid` serves): PowerSummary with charge, runtime,
/// limit, delays, beeper and PresentStatus; Input voltage; Output load.
pub(crate) fn descriptor() -> Vec<u8> {
    nut_hid::sim::builtin_descriptor()
}

/// An APC-like UPS on mains with a full battery.
pub(crate) fn ups(serial: Option<&str>, charge: f64) -> SimDevice {
    let info = DeviceInfo::new(0x051d, 0x0002).with_strings(
        Some("American Power Conversion"),
        Some("Back-UPS SIM 1000"),
        serial,
    );
    let mut device = SimDevice::new(&descriptor(), info).expect("synthetic descriptor parses");
    device.preset_online();
    device.set_variable("battery.charge", charge);
    device.set_variable("battery.runtime", 1800.0);
    device.set_variable("battery.charge.low", 10.0);
    device.set_variable("input.voltage", 230.0);
    device.set_path("UPS.PowerSummary.AudibleAlarmControl", 2.0);
    device
}

#[test]
fn values_and_status_are_published() {
    let bus = SimBus::new();
    bus.plug_new(ups(Some("SIM0001"), 87.0), 1, &[1]);
    let clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[]));
    assert!(!driver.is_stale());
    assert_eq!(driver.state(), DriverState::Quiet);
    assert_eq!(var(&driver, "battery.charge").as_deref(), Some("87"));
    assert_eq!(var(&driver, "battery.runtime").as_deref(), Some("1800"));
    assert_eq!(var(&driver, "battery.charge.low").as_deref(), Some("10"));
    assert_eq!(var(&driver, "input.voltage").as_deref(), Some("230.0"));
    assert_eq!(
        var(&driver, "ups.beeper.status").as_deref(),
        Some("enabled")
    );
    assert_eq!(var(&driver, "ups.serial").as_deref(), Some("SIM0001"));
    assert_eq!(var(&driver, "ups.vendorid").as_deref(), Some("051d"));
    assert_eq!(
        var(&driver, "driver.version.data").as_deref(),
        Some("APC HID 0.101")
    );
    assert_eq!(status(&driver), ["OL"]);
    for command in ["beeper.disable", "load.off.delay", "shutdown.return"] {
        assert!(driver.commands().contains(&command), "{command}");
    }
    let states: Vec<DriverState> = events(&mut driver)
        .into_iter()
        .filter_map(|e| match e {
            DriverEvent::State(state) => Some(state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            DriverState::InitDevice,
            DriverState::InitInfo,
            DriverState::InitUpdateinfo,
            DriverState::Quiet
        ]
    );
}

/// OB arrives by interrupt; LB arrives from ShutdownImminent, which the
/// APC map does not quick-poll, so only the interrupt report can bring it
/// before the next full poll (30 s). The same run with `pollonly` shows LB
/// only after the full poll.
#[test]
fn interrupts_bring_ob_then_lb_before_the_full_poll() {
    for pollonly in [false, true] {
        let bus = SimBus::new();
        let unit = bus.plug_new(ups(None, 100.0), 1, &[1]);
        let mut clock = Clock::new();
        let options: &[(&str, Option<&str>)] = if pollonly { &[("pollonly", None)] } else { &[] };
        let mut driver = start(&bus, &clock, config(options));
        assert_eq!(
            driver.mapper().map(|m| m.uses_interrupt_pipe()),
            Some(!pollonly)
        );
        clock.pass(&mut [&mut driver], Duration::from_millis(3300));
        bus.with_device(unit, |d| d.set_status(SimStatus::OnLine(false)));
        let ob = clock
            .until(&mut driver, Duration::from_secs(5), |d| {
                status(d).contains(&"OB".to_owned())
            })
            .expect("OB within one poll");
        assert!(ob <= Duration::from_secs(2), "OB after {ob:?}");
        bus.with_device(unit, |d| {
            d.set_variable("battery.charge", 9.0);
            d.set_status(SimStatus::ShutdownImminent(true));
        });
        let lb = clock.until(&mut driver, Duration::from_secs(40), |d| {
            status(d).contains(&"LB".to_owned())
        });
        let lb = lb.expect("LB eventually");
        assert!(status(&driver).contains(&"OB".to_owned()));
        if pollonly {
            assert!(lb > Duration::from_secs(20), "pollonly saw LB after {lb:?}");
        } else {
            assert!(lb <= Duration::from_secs(2), "interrupt LB after {lb:?}");
        }
        crate::common::report(&format!(
            "synthetic {}: OB after {:.2} s, OB LB after {:.2} s",
            if pollonly { "pollonly" } else { "interrupts" },
            ob.as_secs_f64(),
            lb.as_secs_f64()
        ));
    }
}

#[test]
fn commands_send_the_right_set_report_bytes() {
    let bus = SimBus::new();
    let unit = bus.plug_new(ups(None, 100.0), 1, &[1]);
    let mut clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[("offdelay", Some("40"))]));
    let writes = |bus: &SimBus| {
        bus.with_device(unit, |d| d.writes().to_vec())
            .unwrap_or_default()
    };

    // beeper.off is renamed beeper.disable: AudibleAlarmControl = 1.
    assert_eq!(
        driver.instcmd(clock.now, "beeper.off", None),
        WriteOutcome::Done
    );
    assert_eq!(
        driver.instcmd(clock.now, "beeper.enable", None),
        WriteOutcome::Done
    );
    // A command with an argument, then a setvar.
    assert_eq!(
        driver.instcmd(clock.now, "load.off.delay", Some("300")),
        WriteOutcome::Done
    );
    assert_eq!(
        driver.setvar(clock.now, "battery.charge.low", "25"),
        WriteOutcome::Done
    );
    assert_eq!(
        writes(&bus),
        [
            (0x18, vec![0x18, 1]),
            (0x18, vec![0x18, 2]),
            (0x15, vec![0x15, 0x2c, 0x01]),
            (0x11, vec![0x11, 25]),
        ]
    );
    assert_eq!(
        driver.instcmd(clock.now, "no.such.command", None),
        WriteOutcome::Refused(Refusal::Unknown)
    );
    bus.with_device(unit, SimDevice::clear_writes);

    // shutdown.return: DelayBeforeStartup = ondelay (30), 125 ms, then
    // DelayBeforeShutdown = offdelay (40).
    let begin = clock.now;
    assert_eq!(
        driver.instcmd(begin, "shutdown.return", None),
        WriteOutcome::Pending
    );
    assert_eq!(writes(&bus), [(0x17, vec![0x17, 30, 0])]);
    assert_eq!(
        driver.poll_timeout(),
        Some(begin + Duration::from_millis(125))
    );
    assert_eq!(
        driver.instcmd(begin, "beeper.on", None),
        WriteOutcome::Failed(nut_hid::transport::WriteFailure::Busy)
    );
    clock.pass(&mut [&mut driver], Duration::from_millis(100));
    assert_eq!(writes(&bus).len(), 1, "nothing before the pause is over");
    clock.pass(&mut [&mut driver], Duration::from_millis(50));
    assert_eq!(
        writes(&bus),
        [(0x17, vec![0x17, 30, 0]), (0x15, vec![0x15, 40, 0])]
    );
    assert!(events(&mut driver).contains(&DriverEvent::WriteFinished {
        name: "shutdown.return".into(),
        outcome: WriteOutcome::Done
    }));

    // shutdown.default takes the first command that goes through.
    bus.with_device(unit, SimDevice::clear_writes);
    let _ = driver.handle_shutdown(clock.now);
    clock.pass(&mut [&mut driver], Duration::from_millis(200));
    assert!(
        events(&mut driver).contains(&DriverEvent::ShutdownFinished {
            command: Some("shutdown.return".into())
        })
    );
    assert_eq!(writes(&bus).len(), 2);
}

#[test]
fn interruptonly_reads_values_from_interrupts_only() {
    let bus = SimBus::new();
    let unit = bus.plug_new(ups(None, 100.0), 1, &[1]);
    let mut clock = Clock::new();
    // Such devices send their reports unasked; the first burst is queued.
    bus.with_device(unit, SimDevice::queue_all_interrupts);
    let mut driver = start(&bus, &clock, config(&[("interruptonly", None)]));
    assert_eq!(var(&driver, "battery.charge").as_deref(), Some("100"));
    assert_eq!(bus.with_device(unit, |d| d.feature_reads()), Some(0));
    bus.with_device(unit, |d| d.set_variable("battery.charge", 55.0));
    clock.pass(&mut [&mut driver], Duration::from_secs(3));
    assert_eq!(var(&driver, "battery.charge").as_deref(), Some("55"));
    assert_eq!(bus.with_device(unit, |d| d.feature_reads()), Some(0));
}

#[test]
fn silent_interrupt_pipe_reconnects_after_the_tolerance() {
    let bus = SimBus::new();
    bus.plug_new(ups(None, 100.0), 1, &[1]);
    let mut clock = Clock::new();
    let options = [("interrupt_pipe_no_events_tolerance", Some("2"))];
    let mut driver = start(&bus, &clock, config(&options));
    let _ = events(&mut driver);
    // Cycles at 0 (start), 2, 4, 6: the third silent one is over 2, and
    // the reconnect comes one pollinterval later.
    clock.pass(&mut [&mut driver], Duration::from_secs(8));
    let seen = events(&mut driver);
    assert!(
        seen.contains(&DriverEvent::Disconnected { error: None }),
        "{seen:?}"
    );
    assert!(seen.iter().any(|e| matches!(
        e,
        DriverEvent::Connected {
            reconnect: true,
            ..
        }
    )));
    assert!(!driver.is_stale());
}

#[test]
fn start_up_failures_are_fatal() {
    // Nothing on the bus.
    let mut driver = UsbHidDriver::new(SimBus::new(), config(&[])).expect("valid");
    let clock = Clock::new();
    assert_eq!(
        driver.handle_start(clock.now),
        Err(Error::NoMatchingDevice { seen: 0 })
    );
    assert!(driver.is_stale() && driver.data().is_none());

    // A UPS that the options exclude.
    let bus = SimBus::new();
    bus.plug_new(ups(Some("AAA"), 100.0), 1, &[1]);
    let mut driver =
        UsbHidDriver::new(bus.clone(), config(&[("serial", Some("BBB"))])).expect("valid");
    assert_eq!(
        driver.handle_start(clock.now),
        Err(Error::NoMatchingDevice { seen: 1 })
    );

    // A bad regex is refused at once.
    let error = UsbHidDriver::new(bus.clone(), config(&[("product", Some("(x"))])).err();
    assert!(matches!(error, Some(Error::InvalidPattern { .. })));

    // Busy without allow_duplicates.
    let _first = start(&bus, &clock, config(&[]));
    let mut second = UsbHidDriver::new(bus, config(&[])).expect("valid");
    let error = second.handle_start(clock.now).expect_err("busy");
    assert!(error.to_string().contains("busy"), "{error}");
}

#[test]
fn matching_options_pick_the_unit() {
    let bus = SimBus::new();
    bus.plug_new(ups(Some("AAA"), 30.0), 1, &[1]);
    bus.plug_new(ups(Some("BBB"), 70.0), 1, &[2]);
    let clock = Clock::new();
    let by_serial = start(&bus, &clock, config(&[("serial", Some("b+"))]));
    assert_eq!(var(&by_serial, "battery.charge").as_deref(), Some("70"));
    drop(by_serial);
    let by_port = start(&bus, &clock, config(&[("busport", Some("001"))]));
    assert_eq!(var(&by_port, "battery.charge").as_deref(), Some("30"));
    let other = start(&bus, &clock, config(&[("allow_duplicates", None)]));
    assert_eq!(var(&other, "battery.charge").as_deref(), Some("70"));
}

/// A runtime may run the driver on its own thread while a simulation
/// (or `nut sim hid`) changes the device from another.
#[test]
fn the_driver_runs_on_another_thread() {
    let bus = SimBus::new();
    let unit = bus.plug_new(ups(None, 100.0), 1, &[1]);
    let clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[]));
    let now = clock.now;
    bus.with_device(unit, |d| d.set_variable("battery.charge", 33.0));
    let charge = std::thread::spawn(move || {
        let _ = driver.handle_timeout(now + Duration::from_secs(2));
        var(&driver, "battery.charge")
    })
    .join()
    .expect("driver thread");
    assert_eq!(charge.as_deref(), Some("33"));
}
