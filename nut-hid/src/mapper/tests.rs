//! The mapping engine on a synthetic APC-like descriptor.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::*;
use crate::descriptor::CollectionKind;
use crate::select::{SelectOptions, select};
use crate::writer::DescriptorWriter;

const VOLT: u32 = 0x00F0_D121;

/// UPS { PowerSummary { … PresentStatus { … } } Battery { … } Output { … } }
fn descriptor_bytes(with_startup: bool) -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application)
        .usage(0x24)
        .collection(CollectionKind::Physical)
        .report_size(8)
        .report_count(1)
        .report_id(0x0c)
        .usage(0x0085_0066)
        .logical(0, 100)
        .feature(2)
        .report_id(0x0e)
        .usage(0x0085_0029)
        .feature(2)
        .report_id(0x15)
        .report_size(16)
        .usage(0x0084_0057)
        .logical(-1, 32767)
        .feature(2)
        .report_id(0x0d)
        .usage(0x0085_0068)
        .logical(0, 0xFFFF)
        .feature(2)
        .logical(-1, 32767);
    if with_startup {
        w.report_id(0x17).usage(0x0084_0056).feature(2);
    }
    w.report_id(0x18)
        .report_size(8)
        .usage(0x0084_005a)
        .logical(1, 3)
        .feature(2)
        // Only command rows use APCPanelTest.
        .report_id(0x30)
        .usage(0xff86_0072)
        .logical(0, 1)
        .feature(2)
        .usage(0xff86_0072)
        .input(2)
        // One Feature ACPresent, and an Input report with one more of them
        // than the mapper handles per interrupt report.
        .report_id(0x31)
        .report_size(1)
        .usage(0x0085_00d0)
        .feature(2)
        .report_count(MAX_INTERRUPT_EVENTS as u32 + 1);
    for _ in 0..=MAX_INTERRUPT_EVENTS {
        w.usage(0x0085_00d0);
    }
    w.input(2)
        .report_size(8)
        .report_count(1)
        .usage(0x0084_0002)
        .collection(CollectionKind::Logical)
        .report_id(0x16)
        .report_size(1)
        .report_count(5)
        .logical(0, 1);
    for usage in [
        0x0085_00d0,
        0x0085_0045,
        0x0085_0044,
        0x0085_0042,
        0x0085_004b,
    ] {
        w.usage(usage);
    }
    w.feature(2);
    for usage in [
        0x0085_00d0,
        0x0085_0045,
        0x0085_0044,
        0x0085_0042,
        0x0085_004b,
    ] {
        w.usage(usage);
    }
    w.input(2)
        .report_count(3)
        .input(3)
        .feature(3)
        .end_collection()
        .end_collection()
        .usage(0x0084_0012)
        .collection(CollectionKind::Physical)
        .report_id(0x20)
        .report_size(16)
        .report_count(1)
        .usage(0x0085_0068)
        .logical(0, 0xFFFF)
        .feature(2)
        .end_collection()
        .usage(0x0084_001c)
        .collection(CollectionKind::Physical)
        .report_id(0x21)
        .usage(0x0084_0030)
        .logical(0, 500)
        .unit(VOLT)
        .unit_exponent(7)
        .feature(2)
        .end_collection()
        .end_collection();
    w.into_bytes()
}

#[derive(Debug, Default)]
struct Device {
    reports: BTreeMap<u8, Vec<u8>>,
    gone: bool,
    requests: Vec<u8>,
}

impl ReportSource for Device {
    fn get_feature_report(&mut self, report_id: u8, _len: usize) -> Result<Vec<u8>, FetchError> {
        self.requests.push(report_id);
        if self.gone {
            return Err(FetchError::Gone);
        }
        self.reports
            .get(&report_id)
            .cloned()
            .ok_or(FetchError::NoData)
    }
}

fn device() -> Device {
    let mut d = Device::default();
    d.reports.insert(0x0c, vec![0x0c, 87]);
    d.reports.insert(0x0e, vec![0x0e, 10]);
    d.reports.insert(0x0d, vec![0x0d, 0x2c, 0x01]);
    d.reports.insert(0x15, vec![0x15, 0xff, 0xff]);
    d.reports.insert(0x17, vec![0x17, 0xff, 0xff]);
    d.reports.insert(0x18, vec![0x18, 2]);
    // ACPresent, Charging.
    d.reports.insert(0x16, vec![0x16, 0b0_0101]);
    d.reports.insert(0x20, vec![0x20, 0x10, 0x0e]);
    d.reports.insert(0x21, vec![0x21, 230, 0]);
    d
}

fn mapper(with_startup: bool, config: MapperConfig) -> Mapper {
    let info = DeviceInfo::new(0x051d, 0x0002).with_strings(
        Some("American Power Conversion"),
        Some("Back-UPS RS 1500 FW:8.g9 .D USB FW:g9"),
        Some("ABC123"),
    );
    let selection = select(&info, &SelectOptions::default()).unwrap();
    let config_for_parser = selection.subdriver.parser_config(0x051d, 0x0002, false);
    let descriptor =
        ReportDescriptor::decode(&descriptor_bytes(with_startup), &config_for_parser).unwrap();
    Mapper::new(descriptor, &selection, info, config)
}

fn var<'a>(m: &'a Mapper, name: &str) -> Option<&'a str> {
    m.variables().get(name)
}

#[test]
fn init_publishes_identity_values_and_commands() {
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    m.handle_init(Instant::now(), &mut dev).unwrap();
    assert_eq!(var(&m, "ups.mfr"), Some("American Power Conversion"));
    assert_eq!(var(&m, "ups.model"), Some("Back-UPS RS 1500"));
    assert_eq!(var(&m, "ups.firmware"), Some("8.g9 .D"));
    assert_eq!(var(&m, "ups.firmware.aux"), Some("g9"));
    assert_eq!(var(&m, "ups.serial"), Some("ABC123"));
    assert_eq!(var(&m, "ups.vendorid"), Some("051d"));
    assert_eq!(var(&m, "ups.productid"), Some("0002"));
    assert_eq!(var(&m, "driver.version.data"), Some("APC HID 0.101"));
    assert_eq!(var(&m, "battery.charge"), Some("87"));
    assert_eq!(
        var(&m, "battery.runtime"),
        Some("3600"),
        "0x0e10 from UPS.Battery"
    );
    assert_eq!(var(&m, "ups.timer.shutdown"), Some("-1"));
    assert_eq!(var(&m, "ups.beeper.status"), Some("enabled"));
    assert_eq!(
        var(&m, "output.voltage"),
        Some("230.0"),
        "volt exponent 7 reads in volts"
    );
    let delay = m.variables().variable("ups.delay.shutdown").unwrap();
    assert_eq!(delay.value, "20");
    assert!(delay.writable);
    assert_eq!(delay.string_len, Some(10));
    assert!(
        !m.variables().contains("ups.delay.start"),
        "no DelayBeforeStartup"
    );
    let commands: Vec<&str> = m.commands().collect();
    assert_eq!(
        commands,
        [
            "beeper.disable",
            "beeper.enable",
            "beeper.mute",
            "beeper.off",
            "beeper.on",
            "load.off",
            "load.off.delay",
            "shutdown.stop",
        ]
    );
    assert_eq!(
        var(&m, "ups.status"),
        None,
        "status comes with the first update"
    );
}

#[test]
fn first_hit_wins_only_when_the_first_row_read() {
    let mut m = mapper(false, MapperConfig::default());
    m.handle_init(Instant::now(), &mut device()).unwrap();
    let runtime_rows: Vec<Option<usize>> = m
        .bindings()
        .filter(|(row, _)| row.name() == "battery.runtime")
        .map(|(_, field)| field)
        .collect();
    assert!(runtime_rows[0].is_some() && runtime_rows[1].is_none());
    // UPS.Battery unreadable at start-up: the PowerSummary row is bound
    // too and publishes; both rows then stay bound (NUT's quirk).
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    dev.reports.remove(&0x20);
    m.handle_init(Instant::now(), &mut dev).unwrap();
    assert_eq!(var(&m, "battery.runtime"), Some("300"));
    let bound = m
        .bindings()
        .filter(|(row, field)| row.name() == "battery.runtime" && field.is_some())
        .count();
    assert_eq!(bound, 2);
}

#[test]
fn updates_status_and_interrupts() {
    let start = Instant::now();
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    m.handle_init(start, &mut dev).unwrap();
    let summary = m
        .handle_update(start + Duration::from_secs(2), &mut dev)
        .unwrap();
    assert_eq!(summary.kind, UpdateKind::Quick);
    assert_eq!(m.status().to_string(), "OL CHRG");
    assert_eq!(var(&m, "ups.status"), Some("OL CHRG"));
    // Interrupt: AC lost, discharging.
    let updated = m.handle_interrupt(&[0x16, 0b0_0010], &mut dev);
    assert_eq!(updated, 5);
    dev.reports.insert(0x16, vec![0x16, 0b0_0010]);
    m.handle_update(start + Duration::from_secs(4), &mut dev)
        .unwrap();
    assert_eq!(m.status().to_string(), "OB DISCHRG");
    // Full update after pollfreq.
    let summary = m
        .handle_update(start + Duration::from_secs(31), &mut dev)
        .unwrap();
    assert_eq!(summary.kind, UpdateKind::Full);
    assert!(summary.attempted > summary.succeeded || summary.succeeded > 0);
}

#[test]
fn interrupts_skip_absent_and_command_rows_and_are_bounded() {
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    m.handle_init(Instant::now(), &mut dev).unwrap();
    // Only command rows are bound to APCPanelTest: nothing is published
    // (NUT would publish a variable named `test.panel.start`).
    assert_eq!(m.handle_interrupt(&[0x30, 1], &mut dev), 0);
    assert!(!m.variables().contains("test.panel.start"));
    // At most MAX_INTERRUPT_EVENTS events per report.
    let report = [0x31, 0xff, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(m.handle_interrupt(&report, &mut dev), MAX_INTERRUPT_EVENTS);
    assert!(m.status_bits().online);
    assert_eq!(m.handle_interrupt(&[], &mut dev), 0);
}

#[test]
fn alarm_only_on_full_updates() {
    let start = Instant::now();
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    m.handle_init(start, &mut dev).unwrap();
    dev.reports.insert(0x16, vec![0x16, 0b1_0001]);
    m.handle_update(start + Duration::from_secs(2), &mut dev)
        .unwrap();
    assert_eq!(
        var(&m, "ups.alarm"),
        None,
        "NeedReplacement is not QUICK_POLL"
    );
    m.handle_update(start + Duration::from_secs(31), &mut dev)
        .unwrap();
    assert_eq!(var(&m, "ups.alarm"), Some("Replace battery!"));
    assert_eq!(m.status().to_string(), "ALARM OL RB");
    dev.reports.insert(0x16, vec![0x16, 0b0_0001]);
    m.handle_update(start + Duration::from_secs(33), &mut dev)
        .unwrap();
    assert_eq!(
        m.status().to_string(),
        "ALARM OL RB",
        "bits persist until a full update"
    );
    m.handle_update(start + Duration::from_secs(64), &mut dev)
        .unwrap();
    assert_eq!(m.status().to_string(), "OL");
    assert_eq!(var(&m, "ups.alarm"), None);
}

#[test]
fn commands_and_setvar_become_set_reports() {
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    m.handle_init(Instant::now(), &mut dev).unwrap();
    let set = |plan: WritePlan| plan.steps().to_vec();
    assert_eq!(
        set(m.instcmd("load.off.delay", None).unwrap()),
        [WriteStep::SetReport {
            report_id: 0x15,
            data: vec![0x15, 20, 0]
        }]
    );
    assert_eq!(
        set(m.instcmd("shutdown.stop", None).unwrap()),
        [WriteStep::SetReport {
            report_id: 0x15,
            data: vec![0x15, 0xff, 0xff]
        }]
    );
    assert_eq!(
        set(m.instcmd("beeper.off", None).unwrap()),
        [WriteStep::SetReport {
            report_id: 0x18,
            data: vec![0x18, 1]
        }],
        "beeper.off is beeper.disable (1), not the row's mute (3)"
    );
    assert_eq!(
        set(m.instcmd("load.off", None).unwrap()),
        [WriteStep::SetReport {
            report_id: 0x15,
            data: vec![0x15, 0, 0]
        }]
    );
    assert_eq!(m.instcmd("no.such.command", None), Err(Refusal::Unknown));
    assert_eq!(m.instcmd("battery.charge", None), Err(Refusal::Invalid));
    assert_eq!(
        m.instcmd("shutdown.return", None),
        Err(Refusal::Unknown),
        "no DelayBeforeStartup"
    );
    // ABSENT variables change without a write.
    assert!(m.setvar("ups.delay.shutdown", "45").unwrap().is_empty());
    assert_eq!(var(&m, "ups.delay.shutdown"), Some("45"));
    assert_eq!(m.setvar("battery.charge", "1"), Err(Refusal::Unknown));
    // A write forces the next update to be full.
    m.handle_write_result(true);
    let summary = m.handle_update(Instant::now(), &mut dev).unwrap();
    assert_eq!(summary.kind, UpdateKind::Full);
}

#[test]
fn shutdown_composites_use_the_delays() {
    let config = MapperConfig {
        ondelay: Some("60".into()),
        ..MapperConfig::default()
    };
    let mut m = mapper(true, config);
    m.handle_init(Instant::now(), &mut device()).unwrap();
    assert_eq!(
        var(&m, "ups.delay.start"),
        Some("60"),
        "ondelay overrides the default"
    );
    assert!(m.commands().any(|c| c == "shutdown.return"));
    let plans = m.shutdown_plans();
    let (name, plan) = &plans[0];
    assert_eq!(*name, "shutdown.return");
    assert_eq!(
        plan.as_ref().unwrap().steps(),
        [
            WriteStep::SetReport {
                report_id: 0x17,
                data: vec![0x17, 60, 0]
            },
            WriteStep::Pause(COMPOSITE_PAUSE),
            WriteStep::SetReport {
                report_id: 0x15,
                data: vec![0x15, 20, 0]
            },
        ]
    );
    let stayoff = m.instcmd("shutdown.stayoff", None).unwrap();
    assert_eq!(
        stayoff.steps()[0],
        WriteStep::SetReport {
            report_id: 0x17,
            data: vec![0x17, 0xff, 0xff]
        }
    );
    assert_eq!(plans[1], ("shutdown.reboot", Err(Refusal::Unknown)));
}

#[test]
fn disconnects_and_bad_reports() {
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    dev.gone = true;
    assert_eq!(
        m.handle_init(Instant::now(), &mut dev),
        Err(Error::Disconnected)
    );
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    m.handle_init(Instant::now(), &mut dev).unwrap();
    dev.reports.clear();
    assert_eq!(
        m.handle_update(Instant::now(), &mut dev),
        Err(Error::Disconnected)
    );
    // A report with the wrong ID never publishes.
    let mut m = mapper(false, MapperConfig::default());
    let mut dev = device();
    dev.reports.insert(0x0c, vec![0x0d, 99]);
    dev.reports.insert(0x16, vec![0x17, 0xff]);
    m.handle_init(Instant::now(), &mut dev).unwrap();
    assert_eq!(var(&m, "battery.charge"), None);
    assert_eq!(*m.status_bits(), StatusBits::default());
}

#[test]
fn pollonly_reads_static_rows_and_closures_are_sources() {
    let config = MapperConfig {
        pollonly: true,
        lowbatt: Some("25".into()),
        ..MapperConfig::default()
    };
    let mut m = mapper(false, config);
    assert!(!m.uses_interrupt_pipe());
    let reports = device().reports;
    let mut source = |id: u8, _len: usize| reports.get(&id).cloned().ok_or(FetchError::NoData);
    m.handle_init(Instant::now(), &mut source).unwrap();
    assert_eq!(var(&m, "battery.charge"), Some("87"));
    assert_eq!(
        var(&m, "battery.charge.low"),
        Some("25"),
        "lowbatt replaces the UPS's 10"
    );
    let mut plain = mapper(false, MapperConfig::default());
    plain.handle_init(Instant::now(), &mut device()).unwrap();
    assert_eq!(var(&plain, "battery.charge.low"), Some("10"));
    assert_eq!(m.pollfreq(), DEFAULT_POLLFREQ);
    assert_eq!(var(&m, "driver.parameter.pollfreq"), Some("30"));
}

#[test]
fn apc_automatic_lbrb_delay() {
    let bx =
        DeviceInfo::new(0x051d, 0x0002).with_strings(Some("APC"), Some("Back-UPS BX1600MI"), None);
    assert!(status::apc_auto_lbrb_delay(&bx));
    let bk = DeviceInfo::new(0x051d, 0x0002).with_strings(Some("APC"), Some("BK650M2-CH"), None);
    assert!(status::apc_auto_lbrb_delay(&bk));
    let other =
        DeviceInfo::new(0x051d, 0x0002).with_strings(Some("APC"), Some("Back-UPS RS 1500"), None);
    assert!(!status::apc_auto_lbrb_delay(&other));
    let vendor = DeviceInfo::new(0x051d, 0x0002).with_strings(Some("Foo"), Some("BX1600MI"), None);
    assert!(!status::apc_auto_lbrb_delay(&vendor));
}
