//! The shutdown sequence (`-k`) of every upstype, seen by the simulated UPS.

use std::time::Duration;

use nut_serial::genericups::engine::BREAK_DURATION;
use nut_serial::genericups::sim::{OutputChange, ShutdownReceived};
use nut_serial::genericups::{
    ContactClosureUps, Engine, Event, GenericConfig, UPS_TYPES, run_actions,
};

use super::harness::Rig;

/// The shutdown the UPS of `number` expects from its own wiring.
fn expected(number: usize) -> Option<ShutdownReceived> {
    UPS_TYPES[number].lines.shutdown.map(|sd| {
        if sd.is_break() {
            ShutdownReceived::Break
        } else {
            ShutdownReceived::Lines {
                dtr: sd.dtr,
                rts: sd.rts,
            }
        }
    })
}

#[test]
fn every_type_shuts_its_ups_down_on_the_right_line() {
    for t in &UPS_TYPES {
        let mut rig = Rig::of_type(t.number);
        rig.ups.set_line_power(false);
        rig.poll();
        let started = rig.now;
        let result = rig.engine.start_shutdown(rig.now);
        let Some(want) = expected(usize::from(t.number)) else {
            assert!(result.is_err(), "type {} has no shutdown", t.number);
            assert_eq!(rig.ups.shutdown_received(), None);
            continue;
        };
        result.unwrap();
        rig.settle();
        while rig.next() {}
        assert_eq!(rig.ups.shutdown_received(), Some(want), "type {}", t.number);
        assert!(!rig.ups.load_powered());
        assert!(rig.engine.is_done());
        assert_eq!(rig.events.last(), Some(&Event::ShutdownDone));
        if want == ShutdownReceived::Break {
            assert_eq!(rig.now - started, BREAK_DURATION, "type {}", t.number);
            assert!(!rig.ups.breaking(), "break ended");
        } else {
            assert_eq!(rig.now, started, "no sdtime: done at once");
        }
    }
}

#[test]
fn minus_k_sets_cable_power_then_the_shutdown_lines() {
    for t in UPS_TYPES.iter().filter(|t| t.lines.shutdown.is_some()) {
        let now = std::time::Instant::now();
        let mut ups = ContactClosureUps::of_type(t);
        let mut engine = Engine::for_shutdown(GenericConfig::of_type(t), now).unwrap();
        run_actions(&mut engine, &mut ups, now).unwrap();
        if let Some(deadline) = engine.poll_timeout() {
            engine.handle_timeout(deadline);
            run_actions(&mut engine, &mut ups, deadline).unwrap();
        }
        let cp = t.lines.cable_power;
        let sd = t.lines.shutdown.unwrap();
        let mut want = vec![OutputChange::Lines {
            dtr: cp.dtr,
            rts: cp.rts,
        }];
        if sd.is_break() {
            want.extend([OutputChange::Break(true), OutputChange::Break(false)]);
        } else {
            want.push(OutputChange::Lines {
                dtr: sd.dtr,
                rts: sd.rts,
            });
        }
        assert_eq!(ups.history(), want, "type {}", t.number);
        assert!(engine.is_done());
        assert_eq!(ups.shutdown_received(), expected(usize::from(t.number)));
    }
}

#[test]
fn sdtime_holds_the_lines() {
    let cfg = GenericConfig::from_options([("upstype", "5"), ("sdtime", "7")]).unwrap();
    let mut rig = Rig::new(cfg, ContactClosureUps::of_type(&UPS_TYPES[5]));
    let started = rig.now;
    rig.engine.start_shutdown(rig.now).unwrap();
    rig.settle();
    assert!(rig.ups.shutdown_received().is_some(), "signal set at once");
    rig.run_for(Duration::from_millis(6999));
    assert!(!rig.engine.is_done(), "still holding");
    rig.run_for(Duration::from_millis(1));
    assert!(rig.engine.is_done());
    assert_eq!(rig.now - started, Duration::from_secs(7));
    assert!(
        rig.logs()
            .contains(&"Holding shutdown signal for 7 seconds...".to_owned())
    );
    assert_eq!(rig.ups.outputs(), (true, true), "lines left as set");
}

#[test]
fn no_reading_after_the_shutdown_starts() {
    let mut rig = Rig::of_type(2);
    rig.engine.start_shutdown(rig.now).unwrap();
    rig.settle();
    let statuses = rig.statuses().len();
    rig.ups.set_line_power(false);
    rig.run_for(Duration::from_secs(60));
    assert_eq!(rig.statuses().len(), statuses);
    assert_eq!(rig.engine.poll_timeout(), None);
}

#[test]
fn a_ups_ignores_another_cables_shutdown() {
    for driver in &UPS_TYPES {
        for device in &UPS_TYPES {
            let now = std::time::Instant::now();
            let mut ups = ContactClosureUps::of_type(device);
            let Ok(mut engine) = Engine::for_shutdown(GenericConfig::of_type(driver), now) else {
                continue;
            };
            run_actions(&mut engine, &mut ups, now).unwrap();
            let (Some(sent), Some(wanted)) = (driver.lines.shutdown, device.lines.shutdown) else {
                assert_eq!(ups.shutdown_received(), None);
                continue;
            };
            let same_signal = if sent.is_break() || wanted.is_break() {
                sent.is_break() && wanted.is_break()
            } else {
                (sent.dtr, sent.rts) == (wanted.dtr, wanted.rts)
            };
            if ups.shutdown_received().is_some() {
                assert!(
                    same_signal,
                    "type {} driver shut down a type {} UPS",
                    driver.number, device.number
                );
            }
        }
    }
}
