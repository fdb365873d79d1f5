//! The stateful and vendor conversions through the public dispatch.

use std::collections::BTreeMap;

use super::state::{ConvState, family};
use super::*;

#[derive(Default)]
struct Fake {
    strings: BTreeMap<u32, String>,
    reports: BTreeMap<u8, Vec<u8>>,
}

impl DeviceAccess for Fake {
    fn string(&mut self, index: u32) -> Option<String> {
        self.strings.get(&index).cloned()
    }
    fn report(&mut self, report_id: u8) -> Option<Vec<u8>> {
        self.reports.get(&report_id).cloned()
    }
    fn raw_feature(&mut self, report_id: u8, _len: usize) -> Option<Vec<u8>> {
        self.reports.get(&report_id).cloned()
    }
}

struct World {
    vars: Variables,
    state: ConvState,
    bits: StatusBits,
    device: Fake,
}

impl World {
    fn new() -> Self {
        Self {
            vars: Variables::new(),
            state: ConvState::default(),
            bits: StatusBits::default(),
            device: Fake::default(),
        }
    }

    fn text(&mut self, function: Function, value: f64) -> Option<String> {
        let mut env = Env {
            vars: &mut self.vars,
            state: &mut self.state,
            bits: &self.bits,
            device: &mut self.device,
        };
        Conversion::Function(function).text_for(value, &mut env)
    }

    fn value(&mut self, function: Function, text: &str) -> Option<i64> {
        let mut env = Env {
            vars: &mut self.vars,
            state: &mut self.state,
            bits: &self.bits,
            device: &mut self.device,
        };
        Conversion::Function(function).value_for(text, &mut env)
    }
}

#[test]
fn eaton_abm_state_machine() {
    use Function as F;
    let mut w = World::new();
    w.vars.set("battery.charge", "50");
    assert_eq!(w.text(F::EatonCharging, 1.0).as_deref(), Some("chrg"));
    w.vars.set("battery.charge", "100");
    assert_eq!(
        w.text(F::EatonCharging, 1.0).as_deref(),
        Some("!chrg"),
        "full"
    );
    assert_eq!(w.text(F::EatonAbmEnabled, 1.0), None, "state only");
    assert_eq!(w.text(F::EatonAbmPathStatus, 0.0), None);
    assert_eq!(
        w.text(F::EatonAbmPathMode, 0.0),
        None,
        "first path seen wins"
    );
    assert_eq!(w.text(F::EatonAbmStatus, 2.0).as_deref(), Some("floating"));
    assert_eq!(
        w.text(F::EatonAbmChargeDischarge, 4.0).as_deref(),
        Some("dischrg")
    );
    assert_eq!(
        w.text(F::EatonCharging, 1.0).as_deref(),
        Some("!chrg"),
        "ABM owns CHRG"
    );
    assert_eq!(
        w.text(F::EatonDischarging, 1.0).as_deref(),
        Some("!dischrg")
    );
    w.vars.set("battery.charger.status", "floating");
    assert_eq!(w.text(F::EatonAbmEnabled, 0.0), None);
    assert_eq!(w.text(F::EatonAbmStatus, 2.0), None);
    assert!(
        !w.vars.contains("battery.charger.status"),
        "deleted when ABM is off"
    );
    assert_eq!(w.text(F::EatonAbmChargeDischarge, 1.0), None);
    w.bits.apply("off");
    assert_eq!(
        w.text(F::EatonConverterOnline, 1.0),
        None,
        "ignored while off"
    );
}

#[test]
fn eaton_family_filters() {
    use Function as F;
    let mut w = World::new();
    assert_eq!(w.text(F::MgeBatteryVoltage, 13.6), None, "default family");
    w.state.mge_family = family::EVOLUTION_650;
    assert_eq!(
        w.text(F::MgeBatteryVoltageNominal, 24.0).as_deref(),
        Some("12")
    );
    assert_eq!(w.text(F::MgeBatteryVoltage, 13.64).as_deref(), Some("13.6"));
    w.state.mge_family = family::THREE_S;
    assert_eq!(
        w.text(F::PegasusThreshold, 25.0).as_deref(),
        Some("25"),
        "3S reads as Pegasus"
    );
    assert_eq!(w.text(F::PegasusYesNo, 0.0).as_deref(), Some("no"));
    assert_eq!(w.value(F::PegasusYesNo, "yes please"), Some(1));
    assert_eq!(w.value(F::PegasusThreshold, "60"), Some(60));
    assert_eq!(w.value(F::PegasusThreshold, "61"), None);
}

#[test]
fn nominal_output_voltage_latches_and_filters() {
    use Function as F;
    let mut w = World::new();
    w.state.mge_family = family::DEFAULT_OFFLINE;
    assert_eq!(
        w.text(F::NominalOutputVoltage, 230.0).as_deref(),
        Some("230")
    );
    assert_eq!(w.text(F::NominalOutputVoltage, 120.0), None);
    assert_eq!(
        w.text(F::NominalOutputVoltage, 208.0),
        None,
        "offline family"
    );
    let mut env = Env {
        vars: &mut w.vars,
        state: &mut w.state,
        bits: &w.bits,
        device: &mut w.device,
    };
    let values = Conversion::Function(F::NominalOutputVoltage).enum_values(&mut env);
    assert_eq!(values, ["220", "230", "240"]);
    w.state.mge_family = family::DEFAULT;
    assert_eq!(
        w.text(F::NominalOutputVoltage, 208.0).as_deref(),
        Some("208")
    );
    assert_eq!(w.value(F::NominalOutputVoltage, "208"), Some(208));
    assert_eq!(w.value(F::NominalOutputVoltage, "209"), None);
}

#[test]
fn eaton_eco_and_bypass_range_checks() {
    use Function as F;
    let mut w = World::new();
    assert_eq!(
        w.text(F::EatonInputEcoModeOnOff, 1.0),
        None,
        "inputs missing"
    );
    assert_eq!(w.vars.get("input.eco.switchable"), Some("normal"));
    for (name, value) in [
        ("input.bypass.voltage", "231.0"),
        ("input.bypass.frequency", "50.1"),
        ("output.voltage.nominal", "230"),
        ("output.frequency.nominal", "50"),
    ] {
        w.vars.set(name, value);
    }
    assert_eq!(
        w.text(F::EatonInputEcoModeOnOff, 1.0).as_deref(),
        Some("ECO")
    );
    assert_eq!(w.state.buzzwords, ["vendor:mge-hid:ECO"]);
    assert_eq!(
        w.text(F::EatonInputBypassModeOn, 1.0).as_deref(),
        Some("on")
    );
    w.vars.set("input.bypass.voltage", "260.0");
    assert_eq!(w.text(F::EatonInputEcoModeOnOff, 1.0), None, "outside ±5 %");
    assert_eq!(
        w.text(F::EatonInputBypassModeOn, 1.0).as_deref(),
        Some("on"),
        "inside ×1.15"
    );
    w.vars.set("input.transfer.bypass.low", "200");
    w.vars.set("input.transfer.bypass.high", "250");
    assert_eq!(w.text(F::EatonInputBypassModeOn, 1.0), None);
    assert_eq!(w.vars.get("input.bypass.switch.off"), Some("off"));
    assert_eq!(
        w.text(F::EatonInputEcoModeOnOff, 2.0).as_deref(),
        Some("ESS")
    );
    assert_eq!(
        w.value(F::EatonInputEcoModeOnOff, "vendor:mge-hid:ESS"),
        Some(2)
    );
    assert_eq!(
        w.value(F::EatonInputEcoModeOnOff, "eco"),
        None,
        "case-sensitive"
    );
    // Stop sequencing: both setvars queued, 0 written.
    w.vars.set("input.bypass.switch.off", "disabled");
    w.vars.set("input.eco.switchable", "ECO");
    assert_eq!(w.value(F::EatonInputEcoModeAutoOnOff, "0"), Some(0));
    assert_eq!(w.state.pending_setvars.len(), 2);
}

#[test]
fn powercom_delay_encodings() {
    use Function as F;
    let mut w = World::new();
    assert_eq!(
        w.value(F::PowercomShutdown, "90"),
        Some(((1 << 8) + 30) | 0x40)
    );
    assert_eq!(
        w.value(F::PowercomStayOff, "90"),
        Some(((1 << 8) + 30) | 0x80)
    );
    assert_eq!(
        w.value(F::PowercomShutdown, "0"),
        Some(1 | 0x40),
        "0 s is sent as 1 s"
    );
    assert_eq!(
        w.value(F::PowercomShutdown, "70000"),
        Some(1 | 0x40),
        "out of range → 0 s"
    );
    assert_eq!(
        w.value(F::PowercomStartup, "120"),
        Some(0x0200),
        "2 minutes byte-swapped"
    );
    assert_eq!(w.text(F::PowercomStartup, 512.0).as_deref(), Some("120"));
    assert_eq!(
        w.text(F::PowercomShutdown, f64::from((1 << 8) + 30))
            .as_deref(),
        Some("90")
    );
    w.state.powercom_byte_order_fallback = true;
    assert_eq!(
        w.value(F::PowercomShutdown, "90"),
        Some(((30 << 8) + 1) | 0x4000)
    );
    w.state.powercom_discrete_delay = true;
    assert_eq!(w.value(F::PowercomShutdown, "90"), Some(10));
    assert_eq!(w.value(F::PowercomShutdown, "12"), Some(1));
    assert_eq!(w.value(F::PowercomShutdown, "601"), Some(18));
    w.state.offdelay = Some("30".into());
    assert_eq!(
        w.value(F::PowercomShutdown, ""),
        Some(4),
        "offdelay when no argument"
    );
    // Battery voltage from report 0xA4's text.
    w.device.reports.insert(0xA4, b"\xa4 13.7 2".to_vec());
    assert_eq!(w.text(F::PowercomHackVoltage, 1.0).as_deref(), Some("13.7"));
    w.device.reports.insert(0xA4, b"\xa4 nope".to_vec());
    assert_eq!(
        w.text(F::PowercomHackVoltage, 1.0).as_deref(),
        Some("13.7"),
        "cached"
    );
    assert_eq!(
        w.text(F::PowercomTrim, 0x08.into()).as_deref(),
        Some("trim")
    );
    assert_eq!(
        w.text(F::PowercomBoost, 0x08.into()).as_deref(),
        Some("!boost")
    );
    assert_eq!(
        w.text(F::PowercomOnline, 0x01.into()).as_deref(),
        Some("!online")
    );
}

#[test]
fn vendor_scales_and_repairs() {
    use Function as F;
    let mut w = World::new();
    w.state.cps_detect = true;
    assert_eq!(
        w.text(F::CpsBatteryVoltage, 36.0).as_deref(),
        Some("36.0"),
        "no nominal yet"
    );
    w.vars.set("battery.voltage.nominal", "24");
    assert_eq!(
        w.text(F::CpsBatteryVoltage, 36.0).as_deref(),
        Some("24.0"),
        "scale 2/3"
    );
    assert_eq!(
        w.text(F::CpsBatteryVoltage, 27.0).as_deref(),
        Some("18.0"),
        "decision is final"
    );
    assert_eq!(w.text(F::CpsInputFrequency, 499.0).as_deref(), Some("49.9"));
    assert_eq!(w.text(F::CpsOutputFrequency, 60.0).as_deref(), Some("60.0"));
    assert_eq!(w.text(F::CpsBatteryCharge, 120.0).as_deref(), Some("100"));
    assert_eq!(w.text(F::CpsBatteryStatus, 100.0).as_deref(), Some("100%"));
    assert_eq!(
        w.text(F::LiebertLineVoltage, 1.2e-5).as_deref(),
        Some("120.0")
    );
    assert_eq!(
        w.text(F::LiebertLineVoltage, 230.0).as_deref(),
        Some("2300000000.0"),
        "sticky"
    );
    let mut w = World::new();
    assert_eq!(
        w.text(F::LiebertConfigVoltage, 1e-7).as_deref(),
        Some("10.0")
    );
    let types: Vec<Option<String>> = (0..8)
        .map(|t| w.text(F::DeltaUpsType, f64::from(t)))
        .collect();
    assert_eq!(
        types,
        [
            Some("online".into()),
            Some("offline".into()),
            Some("line-interactive".into()),
            Some("offline".into()),
            Some("line-interactive".into()),
            Some("3-phase".into()),
            Some("split-phase".into()),
            None,
        ]
    );
    assert_eq!(w.text(F::EcoflowRuntime, 5.0).as_deref(), Some("300"));
    assert_eq!(w.text(F::EcoflowRuntime, -1.0), None);
    w.vars.set("ups.productid", "2005");
    assert_eq!(
        w.text(F::TrippLiteChemistry, 3.0).as_deref(),
        Some("unknown")
    );
    w.vars.set("ups.productid", "3016");
    w.device
        .strings
        .insert(3, "PbAc with a name longer than nineteen".into());
    assert_eq!(
        w.text(F::TrippLiteChemistry, 3.0).as_deref(),
        Some("PbAc with a name lo")
    );
    assert_eq!(
        w.text(F::BelkinUpsType, f64::from(0x32)).as_deref(),
        Some("line-interactive")
    );
    assert_eq!(
        w.text(F::BelkinFirmware, f64::from(0x32)).as_deref(),
        Some("3")
    );
    assert_eq!(w.text(F::BelkinOnline, 1.0).as_deref(), Some("!online"));
    assert_eq!(w.text(F::KelvinCelsius, 300.0).as_deref(), Some("26.9"));
    assert_eq!(w.text(F::KelvinCelsius, 26.0).as_deref(), Some("26.0"));
}

#[test]
fn ever_raw_report_conversions() {
    use Function as F;
    let mut w = World::new();
    assert_eq!(
        w.text(F::EverHardware, f64::from(0x0105)).as_deref(),
        Some("rev.Av05")
    );
    assert_eq!(
        w.text(F::EverVersion, f64::from(0x1234)).as_deref(),
        Some("v1.2b52")
    );
    w.device.reports.insert(210, vec![210, 0x00, 0x1a, 0x2b]);
    assert_eq!(w.text(F::EverMacAddress, 0.0).as_deref(), Some("00:1a:2b"));
    w.device.reports.insert(211, vec![211, 10, 0, 0, 1]);
    w.device.reports.insert(230, vec![230, 192, 168, 1, 2]);
    assert_eq!(w.text(F::EverIpAddress, 0.0).as_deref(), Some("10.0.0.1"));
    assert_eq!(
        w.text(F::EverIpAddress, 0.0).as_deref(),
        Some("192.168.1.2"),
        "rotates"
    );
    w.device.reports.insert(215, vec![215, 1, 1, 0, 0]);
    w.device.reports.insert(216, vec![216, 1]);
    assert_eq!(w.text(F::EverPackets, 0.0).as_deref(), Some("257"));
    assert_eq!(
        w.text(F::EverPackets, 0.0).as_deref(),
        Some(""),
        "short report"
    );
    w.device.reports.insert(74, vec![74, 8]);
    assert_eq!(w.text(F::EverWorkMode, 0.0).as_deref(), Some("ONBATTERY"));
    assert_eq!(w.text(F::EverOnOff, 0.0).as_deref(), Some("!off"));
    w.device.reports.insert(76, vec![76, 0x01, 0x01]);
    assert_eq!(
        w.text(F::EverAlarms, 0.0).as_deref(),
        Some("OVERLOAD CRITICAL_BATT_VOLTAGE")
    );
}
