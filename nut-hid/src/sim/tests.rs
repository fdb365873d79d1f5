//! The simulated bus and device on a small synthetic descriptor.

use super::*;
use crate::descriptor::CollectionKind;
use crate::report::ReportKind;
use crate::select::DeviceInfo;
use crate::writer::DescriptorWriter;

/// UPS { PowerSummary { RemainingCapacity (feature+input 0x0c),
/// PresentStatus { ACPresent, Discharging } (feature+input 0x16) } }
fn descriptor() -> Vec<u8> {
    let mut w = DescriptorWriter::new();
    w.usage_page(0x84)
        .usage(0x04)
        .collection(CollectionKind::Application)
        .usage(0x24)
        .collection(CollectionKind::Physical)
        .report_id(0x0c)
        .report_size(8)
        .report_count(1)
        .logical(0, 100)
        .usage(0x0085_0066)
        .feature(2)
        .usage(0x0085_0066)
        .input(2)
        .usage(0x0084_0002)
        .collection(CollectionKind::Logical)
        .report_id(0x16)
        .report_size(1)
        .report_count(2)
        .logical(0, 1)
        .usage(0x0085_00d0)
        .usage(0x0085_0045)
        .feature(2)
        .usage(0x0085_00d0)
        .usage(0x0085_0045)
        .input(2)
        .report_count(6)
        .feature(3)
        .input(3)
        .end_collection()
        .end_collection()
        .end_collection();
    w.into_bytes()
}

fn device(serial: Option<&str>) -> SimDevice {
    let info = DeviceInfo::new(0x051d, 0x0002).with_strings(
        Some("American Power Conversion"),
        Some("Back-UPS SIM"),
        serial,
    );
    SimDevice::new(&descriptor(), info).expect("synthetic descriptor parses")
}

#[test]
fn values_by_variable_usage_and_status() {
    let mut d = device(None);
    assert_eq!(d.subdriver().map(|s| s.short_name), Some("apc"));
    // Feature and Input twins of RemainingCapacity.
    assert_eq!(d.set_variable("battery.charge", 87.0), 2);
    assert_eq!(
        d.value("UPS.PowerSummary.RemainingCapacity", ReportKind::Feature),
        Some(87.0)
    );
    assert_eq!(
        d.value("UPS.PowerSummary.RemainingCapacity", ReportKind::Input),
        Some(87.0)
    );
    assert_eq!(d.get_feature_report(0x0c, 2), Ok(vec![0x0c, 87]));
    // Setting the same value again changes nothing.
    assert_eq!(d.set_variable("battery.charge", 87.0), 0);
    assert_eq!(d.set_variable("no.such.variable", 1.0), 0);
    d.set_status(SimStatus::OnLine(true));
    assert_eq!(d.get_feature_report(0x16, 2), Ok(vec![0x16, 0b01]));
    d.set_status(SimStatus::OnLine(false));
    assert_eq!(d.get_feature_report(0x16, 2), Ok(vec![0x16, 0b10]));
    assert_eq!(
        d.set_path("UPS.PowerSummary.PresentStatus.ACPresent", 1.0),
        2
    );
    assert_eq!(d.set_path("UPS.NoSuchThing", 1.0), 0);
}

#[test]
fn input_changes_queue_interrupt_reports() {
    let mut d = device(None);
    d.set_variable("battery.charge", 50.0);
    d.set_status(SimStatus::OnLine(false));
    assert_eq!(d.queued_interrupts(), 2);
    assert_eq!(d.read_interrupt(64), Some(vec![0x0c, 50]));
    assert_eq!(d.read_interrupt(1), Some(vec![0x16]));
    assert_eq!(d.read_interrupt(64), None);
    d.set_auto_interrupts(false);
    d.set_variable("battery.charge", 40.0);
    assert_eq!(d.queued_interrupts(), 0);
    assert!(d.queue_interrupt(0x0c));
    assert!(!d.queue_interrupt(0x42));
}

#[test]
fn interrupt_queue_is_bounded() {
    let mut d = device(None);
    for _ in 0..MAX_QUEUED_INTERRUPTS {
        assert!(d.queue_interrupt(0x0c));
    }
    assert_eq!(d.queued_interrupts(), MAX_QUEUED_INTERRUPTS);
    d.set_variable("battery.charge", 1.0);
    assert_eq!(d.queued_interrupts(), MAX_QUEUED_INTERRUPTS);
    // The newest report survived, the oldest went.
    let mut last = None;
    while let Some(report) = d.read_interrupt(64) {
        last = Some(report);
    }
    assert_eq!(last, Some(vec![0x0c, 1]));
}

#[test]
fn set_report_is_recorded_and_reflected() {
    let mut d = device(None);
    assert_eq!(d.set_feature_report(0x0c, &[0x0c, 42]), Ok(()));
    assert_eq!(d.writes(), [(0x0c, vec![0x0c, 42])]);
    assert_eq!(
        d.value("UPS.PowerSummary.RemainingCapacity", ReportKind::Input),
        Some(42.0)
    );
    assert_eq!(
        d.set_feature_report(0x0c, &[0x0d, 42]),
        Err(TransportError::Stall)
    );
    assert_eq!(
        d.set_feature_report(0x42, &[0x42]),
        Err(TransportError::Stall)
    );
    assert_eq!(d.get_feature_report(0x42, 2), Err(TransportError::Stall));
    d.clear_writes();
    assert!(d.writes().is_empty());
}

#[test]
fn recorded_writes_are_bounded() {
    let mut d = device(None);
    for value in 0..=MAX_RECORDED_WRITES {
        let byte = (value % 100) as u8;
        d.set_feature_report(0x0c, &[0x0c, byte])
            .expect("declared report");
    }
    assert_eq!(d.writes().len(), MAX_RECORDED_WRITES);
    assert_eq!(d.writes().first(), Some(&(0x0c, vec![0x0c, 1])));
}

#[test]
fn strings_follow_the_info() {
    let mut d = device(Some("SN1"));
    assert_eq!(d.string(SERIAL_STRING).as_deref(), Ok("SN1"));
    d.set_serial(None);
    assert_eq!(d.string(SERIAL_STRING), Err(TransportError::Stall));
    assert_eq!(d.info().serial, None);
    d.set_string(7, "PbAc");
    assert_eq!(d.string(7).as_deref(), Ok("PbAc"));
    assert_eq!(d.string(PRODUCT_STRING).as_deref(), Ok("Back-UPS SIM"));
}

#[test]
fn bad_descriptor_is_an_error() {
    let info = DeviceInfo::new(0x051d, 0x0002);
    assert!(SimDevice::new(&[0x06, 0x84], info).is_err());
}

#[test]
fn unplug_kills_handles_and_replug_needs_a_new_one() {
    let bus = SimBus::new();
    let unit = bus.plug_new(device(None), 1, &[2]);
    let mut probe = bus.clone();
    let listed = probe.devices().expect("listing");
    assert_eq!(listed.len(), 1);
    let first_address = listed[0].location.address;
    let mut handle = probe.open(&listed[0], &OpenOptions::new()).expect("open");
    assert!(bus.is_claimed(unit));
    assert_eq!(
        probe.open(&listed[0], &OpenOptions::new()).err(),
        Some(TransportError::Busy)
    );
    assert!(handle.report_descriptor().is_ok());
    bus.unplug(unit);
    assert!(!bus.is_claimed(unit));
    assert_eq!(probe.devices().map(|d| d.len()), Ok(0));
    assert_eq!(
        handle.get_feature_report(0x0c, 2),
        Err(TransportError::NoDevice)
    );
    bus.plug(unit, 1, &[2]);
    // The old handle stays dead; the unit is back with a new address.
    assert_eq!(
        handle.read_interrupt(8, Duration::ZERO),
        Err(TransportError::NoDevice)
    );
    let listed = probe.devices().expect("listing");
    assert_ne!(listed[0].location.address, first_address);
    assert_eq!(
        probe
            .open(&listed[0], &OpenOptions::new())
            .map(|t| t.unit()),
        Ok(unit)
    );
    // Dropping the dead handle does not release the new claim.
    let mut again = probe.open(&listed[0], &OpenOptions::new());
    assert_eq!(again.as_ref().err(), None);
    drop(handle);
    assert!(bus.is_claimed(unit));
    assert!(
        again
            .as_mut()
            .map(|t| t.string(VENDOR_STRING).is_ok())
            .unwrap_or(false)
    );
}

#[test]
fn faults_and_moves() {
    let bus = SimBus::new();
    let unit = bus.plug_new(device(Some("S")), 1, &[2]);
    let mut probe = bus.clone();
    let listed = probe.devices().expect("listing");
    let mut handle = probe.open(&listed[0], &OpenOptions::new()).expect("open");
    bus.set_fault(unit, Some(TransportError::io("noise")));
    assert_eq!(
        handle.get_feature_report(0x0c, 2),
        Err(TransportError::io("noise"))
    );
    bus.set_fault(unit, None);
    assert!(handle.get_feature_report(0x0c, 2).is_ok());
    bus.plug(unit, 2, &[4, 1]);
    assert_eq!(
        bus.location(unit).map(|l| l.port_path()),
        Some("2-4.1".to_owned())
    );
    assert_eq!(
        handle.get_feature_report(0x0c, 2),
        Err(TransportError::NoDevice)
    );
    assert_eq!(
        bus.with_device(unit, |d| d.info().serial.clone()),
        Some(Some("S".into()))
    );
    assert_eq!(bus.with_device(SimUnit(99), |_| ()), None);
}
