//! The whole driver core (Mapper + loop) on simulated devices serving real
//! descriptors from `../shared/corpus/hid`: values published, OB then
//! OB LB through interrupt reports, a command's SET_REPORT bytes, and
//! unplug/replug delays, measured and printed.

use std::time::Duration;

use nut_hid::DeviceInfo;
use nut_hid::sim::{SimBus, SimDevice, SimStatus};
use nut_hid::transport::{DriverState, WriteOutcome};

use crate::common::{Clock, Driver, STEP, config, corpus_descriptor, report, start, status, var};

/// One real UPS model.
struct Case {
    file: &'static str,
    ids: (u16, u16),
    strings: [Option<&'static str>; 3],
    /// The status usage that makes LB through an interrupt report.
    lb_usage: &'static str,
    /// The map does not quick-poll `lb_usage`: without an interrupt report
    /// LB cannot show before the next full poll.
    lb_needs_interrupt: bool,
    /// A command, its argument, and the SET_REPORT it must send.
    command: (&'static str, Option<&'static str>, u8, &'static [u8]),
}

const CASES: &[Case] = &[
    Case {
        file: "ups-to-esp32/nut-issues/051d-0002-back-ups-es-850g2.hex",
        ids: (0x051d, 0x0002),
        strings: [
            Some("American Power Conversion"),
            Some("Back-UPS ES 850G2 FW:938.a2 .I USB FW:a2"),
            Some("4B1234P56789"),
        ],
        // Not quick-polled by the APC map: only the interrupt brings it
        // before the next full poll.
        lb_usage: "ShutdownImminent",
        lb_needs_interrupt: true,
        // APC beeper: 1 = disabled; AudibleAlarmControl is feature 0x18, 8 bits.
        command: ("beeper.disable", None, 0x18, &[0x18, 0x01]),
    },
    Case {
        file: "ups-to-esp32/nut-issues/0764-0501-cp1500pfclcd.hex",
        ids: (0x0764, 0x0501),
        strings: [Some("CPS"), Some("CP1500PFCLCD"), None],
        lb_usage: "BelowRemainingCapacityLimit",
        lb_needs_interrupt: false,
        // Output.DelayBeforeShutdown: logical -1..32767 scaled to physical
        // -60..1966020, i.e. minutes on the wire: 120 s is logical 2.
        command: ("load.off.delay", Some("120"), 0x15, &[0x15, 0x02, 0x00]),
    },
];

fn device(case: &Case, bytes: &[u8]) -> SimDevice {
    let [vendor, product, serial] = case.strings;
    let info = DeviceInfo::new(case.ids.0, case.ids.1).with_strings(vendor, product, serial);
    let mut device = SimDevice::new(bytes, info).expect("corpus descriptor parses");
    device.preset_online();
    device.set_variable("battery.charge", 87.0);
    device.set_variable("battery.runtime", 1500.0);
    device
}

/// Step until `done`, returning the delay and whether a cycle on the way
/// applied interrupt reports to mapped rows.
fn until_by_interrupt(
    clock: &mut Clock,
    driver: &mut Driver,
    limit: Duration,
    done: impl Fn(&Driver) -> bool,
) -> Option<(Duration, bool)> {
    let begin = clock.now;
    let mut by_interrupt = false;
    while clock.now - begin < limit {
        clock.now += STEP;
        let cycle = driver.handle_timeout(clock.now);
        by_interrupt |= cycle.interrupt_updates > 0;
        if done(driver) {
            return Some((clock.now - begin, by_interrupt));
        }
    }
    None
}

fn has(driver: &Driver, token: &str) -> bool {
    status(driver).iter().any(|t| t == token)
}

#[test]
fn real_descriptors_run_the_whole_driver() {
    for case in CASES {
        let Some(bytes) = corpus_descriptor(case.file, "real_descriptors_run_the_whole_driver")
        else {
            continue;
        };
        let name = case.file.rsplit('/').next().unwrap_or(case.file);
        let bus = SimBus::new();
        let unit = bus.plug_new(device(case, &bytes), 1, &[3]);
        let mut clock = Clock::new();
        let mut driver = start(&bus, &clock, config(&[]));

        // Values published.
        assert_eq!(
            var(&driver, "battery.charge").as_deref(),
            Some("87"),
            "{name}"
        );
        assert_eq!(
            var(&driver, "battery.runtime").as_deref(),
            Some("1500"),
            "{name}"
        );
        assert!(
            has(&driver, "OL") && !has(&driver, "OB"),
            "{name}: {:?}",
            status(&driver)
        );

        // OB, then OB LB, each through interrupt reports within one poll.
        clock.pass(&mut [&mut driver], Duration::from_millis(900));
        bus.with_device(unit, |d| d.set_status(SimStatus::OnLine(false)));
        let (ob, ob_irq) =
            until_by_interrupt(&mut clock, &mut driver, Duration::from_secs(4), |d| {
                has(d, "OB")
            })
            .expect("OB");
        if case.lb_needs_interrupt {
            // Control: the device changes but sends nothing; polling alone
            // does not see it before the full poll.
            bus.with_device(unit, |d| {
                d.set_auto_interrupts(false);
                d.set_usage_named(case.lb_usage, 1.0);
                d.set_auto_interrupts(true);
            });
            clock.pass(&mut [&mut driver], Duration::from_secs(4));
            assert!(
                !has(&driver, "LB"),
                "{name}: LB without an interrupt report"
            );
            bus.with_device(unit, SimDevice::queue_all_interrupts);
        } else {
            bus.with_device(unit, |d| d.set_usage_named(case.lb_usage, 1.0));
        }
        let (lb, lb_irq) =
            until_by_interrupt(&mut clock, &mut driver, Duration::from_secs(4), |d| {
                has(d, "OB") && has(d, "LB")
            })
            .expect("OB LB");
        assert!(
            ob_irq && lb_irq,
            "{name}: changes came through interrupt reports"
        );
        assert!(
            ob <= Duration::from_secs(2) && lb <= Duration::from_secs(2),
            "{name}"
        );

        // A command's SET_REPORT bytes.
        bus.with_device(unit, SimDevice::clear_writes);
        let (command, argument, report_id, expected) = case.command;
        assert_eq!(
            driver.instcmd(clock.now, command, argument),
            WriteOutcome::Done,
            "{name}"
        );
        let writes = bus
            .with_device(unit, |d| d.writes().to_vec())
            .unwrap_or_default();
        assert_eq!(
            writes,
            [(report_id, expected.to_vec())],
            "{name}: {command}"
        );

        // Unplug: stale within one poll; replug: fresh within one poll.
        clock.pass(&mut [&mut driver], Duration::from_millis(1300));
        bus.unplug(unit);
        let stale = clock
            .until(&mut driver, Duration::from_secs(6), Driver::is_stale)
            .expect("stale");
        assert!(driver.data().is_none() && driver.state() == DriverState::ReconnectTrying);
        clock.pass(&mut [&mut driver], Duration::from_millis(4700));
        bus.with_device(unit, |d| {
            d.set_status(SimStatus::OnLine(true));
            d.set_usage_named(case.lb_usage, 0.0);
            d.set_variable("battery.charge", 64.0);
        });
        bus.plug(unit, 1, &[3]);
        let fresh = clock
            .until(&mut driver, Duration::from_secs(6), |d| !d.is_stale())
            .expect("fresh");
        assert_eq!(
            var(&driver, "battery.charge").as_deref(),
            Some("64"),
            "{name}"
        );
        assert!(
            has(&driver, "OL") && !has(&driver, "LB"),
            "{name}: {:?}",
            status(&driver)
        );
        assert!(
            stale <= Duration::from_secs(2) && fresh <= Duration::from_secs(2),
            "{name}"
        );
        report(&format!(
            "corpus {name}: OB after {:.2} s, OB LB after {:.2} s (interrupt), stale {:.2} s after unplug, fresh {:.2} s after replug (pollinterval 2 s, simulated time)",
            ob.as_secs_f64(),
            lb.as_secs_f64(),
            stale.as_secs_f64(),
            fresh.as_secs_f64()
        ));
    }
}
