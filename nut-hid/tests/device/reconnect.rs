//! Unplug, I/O errors and replug: the data goes stale within one poll,
//! is never shown from the lost device, and is fresh again within one
//! poll of the unit's return; the unit is re-found by serial number, else
//! by port path (two identical units without serial numbers never swap).

use std::time::Duration;

use nut_hid::sim::{SimBus, SimUnit};
use nut_hid::transport::{DriverEvent, DriverState, TransportError, UsbBus};

use crate::common::{Clock, Driver, config, events, report, start, var};
use crate::synthetic::ups;

/// One pollinterval, the bound the issue sets for both delays.
const POLL: Duration = Duration::from_secs(2);

/// Unplug `unit` `offset` after a cycle, replug it (with a new charge
/// value) after `away`, and return the measured (stale, fresh) delays.
fn unplug_replug(
    bus: &SimBus,
    unit: SimUnit,
    driver: &mut Driver,
    clock: &mut Clock,
    offset: Duration,
    away: Duration,
    charge: f64,
) -> (Duration, Duration) {
    // Line the clock up just after a cycle, then wait `offset`.
    let next = driver.poll_timeout().expect("started");
    clock.pass(
        &mut [&mut *driver],
        next.saturating_duration_since(clock.now) + offset,
    );
    let port = bus.location(unit).expect("plugged").ports;
    let _ = events(driver);
    bus.unplug(unit);
    let stale = clock
        .until(driver, 3 * POLL, Driver::is_stale)
        .expect("stale after unplug");
    assert!(driver.data().is_none(), "no last-known values once stale");
    assert_eq!(driver.state(), DriverState::ReconnectTrying);
    let seen = events(driver);
    assert!(seen.contains(&DriverEvent::DataStale), "{seen:?}");
    assert!(seen.contains(&DriverEvent::Disconnected {
        error: Some(TransportError::NoDevice)
    }));
    // While away: stale all along.
    let mut waited = Duration::ZERO;
    while waited < away {
        clock.pass(&mut [&mut *driver], crate::common::STEP);
        waited += crate::common::STEP;
        assert!(driver.is_stale() && driver.status().is_none());
    }
    bus.with_device(unit, |d| d.set_variable("battery.charge", charge));
    bus.plug(unit, 1, &port);
    let fresh = clock
        .until(driver, 3 * POLL, |d| !d.is_stale())
        .expect("fresh after replug");
    assert_eq!(driver.state(), DriverState::Quiet);
    let seen = events(driver);
    assert!(seen.contains(&DriverEvent::DataOk), "{seen:?}");
    assert!(seen.contains(&DriverEvent::State(DriverState::ReconnectUpdateinfo)));
    assert_eq!(
        var(driver, "battery.charge"),
        Some(format!("{charge:.0}")),
        "the returned unit's own value, read after the replug"
    );
    (stale, fresh)
}

#[test]
fn unplug_is_stale_within_one_poll_and_replug_fresh_within_one_poll() {
    let bus = SimBus::new();
    let unit = bus.plug_new(ups(Some("SIM0001"), 87.0), 1, &[4, 2]);
    let mut clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[]));
    let (mut worst_stale, mut worst_fresh) = (Duration::ZERO, Duration::ZERO);
    for (round, offset_ms) in [100u64, 700, 1300, 1950].into_iter().enumerate() {
        let charge = 50.0 + round as f64;
        let away = Duration::from_millis(3100 + 400 * round as u64);
        let (stale, fresh) = unplug_replug(
            &bus,
            unit,
            &mut driver,
            &mut clock,
            Duration::from_millis(offset_ms),
            away,
            charge,
        );
        report(&format!(
            "synthetic unplug {offset_ms} ms after a poll: stale after {:.2} s, fresh {:.2} s after replug (pollinterval {} s, simulated time)",
            stale.as_secs_f64(),
            fresh.as_secs_f64(),
            POLL.as_secs()
        ));
        worst_stale = worst_stale.max(stale);
        worst_fresh = worst_fresh.max(fresh);
    }
    assert!(worst_stale <= POLL, "stale after {worst_stale:?}");
    assert!(worst_fresh <= POLL, "fresh after {worst_fresh:?}");
}

#[test]
fn io_errors_go_stale_at_once_and_recover() {
    let bus = SimBus::new();
    let unit = bus.plug_new(ups(None, 87.0), 1, &[1]);
    let mut clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[("pollonly", None)]));
    clock.pass(&mut [&mut driver], Duration::from_millis(500));
    // Every transfer fails: no row can be read, the driver disconnects.
    bus.set_fault(unit, Some(TransportError::io("cable noise")));
    let stale = clock
        .until(&mut driver, 3 * POLL, Driver::is_stale)
        .expect("stale");
    assert!(stale <= POLL, "{stale:?}");
    assert!(driver.data().is_none());
    // Reconnects fail while the fault lasts.
    clock.pass(&mut [&mut driver], 3 * POLL);
    assert!(
        events(&mut driver)
            .iter()
            .any(|e| matches!(e, DriverEvent::ReconnectFailed { .. }))
    );
    bus.set_fault(unit, None);
    let fresh = clock
        .until(&mut driver, 3 * POLL, |d| !d.is_stale())
        .expect("fresh");
    assert!(fresh <= POLL, "{fresh:?}");
    report(&format!(
        "synthetic i/o fault: stale after {:.2} s, fresh {:.2} s after the fault cleared",
        stale.as_secs_f64(),
        fresh.as_secs_f64()
    ));
}

#[test]
fn twins_without_serial_keep_their_identity_by_port() {
    let bus = SimBus::new();
    let first = bus.plug_new(ups(None, 40.0), 1, &[1]);
    let second = bus.plug_new(ups(None, 90.0), 1, &[2]);
    let mut clock = Clock::new();
    let options = [("allow_duplicates", None)];
    let mut one = start(&bus, &clock, config(&options));
    let mut two = start(&bus, &clock, config(&options));
    let port = |d: &Driver| d.device().map(|dev| dev.location.port_path());
    let before = [
        (port(&one), var(&one, "battery.charge")),
        (port(&two), var(&two, "battery.charge")),
    ];
    assert_ne!(before[0].0, before[1].0, "each driver has its own unit");
    // NUT's reconnect rule cannot tell them apart.
    let listed = UsbBus::devices(&mut bus.clone()).expect("listing");
    let identity = one.identity().expect("started");
    assert!(listed.iter().all(|d| identity.same_strings(d)));

    // Both re-enumerate; the one plugged back last is listed first.
    for (a, b) in [(first, second), (second, first)] {
        bus.unplug(a);
        bus.unplug(b);
        clock.pass(&mut [&mut one, &mut two], 2 * POLL);
        assert!(one.is_stale() && two.is_stale());
        let port_a = if a == first { [1] } else { [2] };
        let port_b = if b == first { [1] } else { [2] };
        bus.plug(a, 1, &port_a);
        bus.plug(b, 1, &port_b);
        clock.pass(&mut [&mut one, &mut two], 2 * POLL);
        let after = [
            (port(&one), var(&one, "battery.charge")),
            (port(&two), var(&two, "battery.charge")),
        ];
        assert_eq!(after, before, "each driver is back on its own unit");
    }
    report(&format!(
        "twins without serial: {:?} and {:?} kept across two replugs",
        before[0], before[1]
    ));
}

#[test]
fn a_lone_unit_may_move_ports_but_never_onto_its_twin() {
    let bus = SimBus::new();
    let lone = bus.plug_new(ups(None, 40.0), 1, &[1]);
    let mut clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[]));
    bus.plug(lone, 1, &[3]);
    let back = clock.until(&mut driver, 3 * POLL, |d| {
        !d.is_stale() && d.device().is_some_and(|dev| dev.location.ports == [3])
    });
    assert!(back.is_some(), "a lone unit is found on its new port");

    // Add its twin (claimed by another driver), then move the first unit:
    // two candidates elsewhere, so it waits rather than guess.
    let twin = bus.plug_new(ups(None, 90.0), 1, &[2]);
    let _other = start(&bus, &clock, config(&[("busport", Some("002"))]));
    assert!(bus.is_claimed(twin));
    bus.plug(lone, 1, &[5]);
    clock.pass(&mut [&mut driver], 3 * POLL);
    assert!(
        driver.is_stale(),
        "not re-bound to a unit it cannot tell apart"
    );
    // Back in its own socket, it is found again.
    bus.plug(lone, 1, &[3]);
    assert!(
        clock
            .until(&mut driver, 3 * POLL, |d| !d.is_stale())
            .is_some()
    );
    assert_eq!(var(&driver, "battery.charge").as_deref(), Some("40"));
}

#[test]
fn a_unit_with_serial_is_found_on_any_port() {
    let bus = SimBus::new();
    let unit = bus.plug_new(ups(Some("AAA"), 40.0), 1, &[1]);
    bus.plug_new(ups(Some("BBB"), 90.0), 1, &[2]);
    let mut clock = Clock::new();
    let mut driver = start(&bus, &clock, config(&[("serial", Some("AAA"))]));
    bus.unplug(unit);
    clock.pass(&mut [&mut driver], POLL);
    assert!(driver.is_stale());
    bus.plug(unit, 2, &[7, 1]);
    assert!(
        clock
            .until(&mut driver, 2 * POLL, |d| !d.is_stale())
            .is_some()
    );
    assert_eq!(var(&driver, "ups.serial").as_deref(), Some("AAA"));
    assert_eq!(
        driver.identity().map(|i| i.location().port_path()),
        Some("2-7.1".to_owned())
    );
    // Coming back without its serial number, it is not the same unit.
    bus.unplug(unit);
    bus.with_device(unit, |d| d.set_serial(None));
    bus.plug(unit, 2, &[7, 1]);
    clock.pass(&mut [&mut driver], 3 * POLL);
    assert!(driver.is_stale());
}
