//! `powercom` — "PowerCOM HID 0.75" (hid-maps.md §2.14). Page 0x0002 is
//! used as a private page; delays are encoded by conversions.

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};
use crate::convert::{Function as F, tables};
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Powercom,
    short_name: "powercom",
    name: "PowerCOM HID 0.75",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Powercom),
    rows: ROWS,
    mfr_fallback: Some("PowerCOM"),
    hint: "PowerCOM",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x0d9f, 0x00a2),
    UsbId::new(0x0d9f, 0x00a3),
    UsbId::new(0x0d9f, 0x00a4),
    UsbId::new(0x0d9f, 0x00a5),
    UsbId::new(0x0d9f, 0x00a6),
    UsbId::new(0x0d9f, 0x0004),
    UsbId::new(0x0d9f, 0x0001),
];

static ROWS: &[Row] = &[
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING),
    Row::status(
        "UPS.PowerSummary.PresentStatus.CommunicationLost",
        COMMFAULT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD),
    Row::status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    ),
    Row::status("UPS.PresentStatus.ACPresent", ONLINE),
    Row::status("UPS.PresentStatus.BatteryPresent", NOBATTERY),
    Row::status("UPS.PresentStatus.BelowRemainingCapacityLimit", LOWBATT),
    Row::status("UPS.PresentStatus.Boost", BOOST),
    Row::status("UPS.PresentStatus.Buck", TRIM),
    Row::status("UPS.PresentStatus.Charging", CHARGING),
    Row::status("UPS.PresentStatus.CommunicationLost", COMMFAULT),
    Row::status("UPS.PresentStatus.Discharging", DISCHARGING),
    Row::status("UPS.PresentStatus.NeedReplacement", REPLACEBATT),
    Row::status("UPS.PresentStatus.Overload", OVERLOAD),
    Row::status(
        "UPS.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    ),
    Row::status("UPS.PresentStatus.ShutdownImminent", SHUTDOWNIMM),
    Row::conv(
        "battery.voltage",
        "UPS.PowerSummary.PresentStatus.ACPresent",
        func(F::PowercomHackVoltage),
    ),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    ),
    Row::var("battery.charge", "UPS.Battery.RemainingCapacity", "%.0f"),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
    ),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::conv("battery.mfr.date", "UPS.Battery.ManufacturerDate", DATE).fixed(),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    )
    .fixed(),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        table(&tables::POWERCOM_BEEPER),
    ),
    Row::conv(
        "ups.beeper.status",
        "UPS.AudibleAlarmControl",
        table(&tables::POWERCOM_BEEPER),
    ),
    Row::var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Row::conv("ups.date", "UPS.PowerSummary.ManufacturerDate", DATE).fixed(),
    Row::conv("ups.test.result", "UPS.Battery.Test", TEST_READ),
    Row::absent(
        "ups.delay.start",
        "UPS.PowerSummary.DelayBeforeStartup",
        "60",
    )
    .rw()
    .string(8),
    Row::conv(
        "ups.timer.start",
        "UPS.PowerSummary.DelayBeforeStartup",
        func(F::PowercomStartup),
    ),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(8),
    Row::conv(
        "ups.timer.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        func(F::PowercomShutdown),
    )
    .quick(),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(8),
    Row::conv(
        "ups.timer.shutdown",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        func(F::PowercomShutdown),
    )
    .quick(),
    Row::var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Row::var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f").fixed(),
    Row::var("input.frequency", "UPS.Input.Frequency", "%.1f"),
    Row::var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Row::var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f").fixed(),
    Row::var("output.frequency", "UPS.Output.Frequency", "%.1f"),
    Row::cmd("beeper.toggle", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    Row::cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "1"),
    Row::cmd(
        "beeper.disable",
        "UPS.PowerSummary.AudibleAlarmControl",
        "0",
    ),
    Row::cmd("test.battery.start.quick", "UPS.Battery.Test", "1"),
    Row::cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", "")
        .with(func(F::PowercomStartup)),
    Row::cmd(
        "shutdown.return",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "",
    )
    .with(func(F::PowercomShutdown)),
    Row::cmd(
        "shutdown.stayoff",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "",
    )
    .with(func(F::PowercomStayOff)),
    Row::cmd("load.on", "UPS.PowerSummary.PCMDelayBeforeStartup", "0")
        .with(func(F::PowercomStartup)),
    Row::cmd("load.off", "UPS.PowerSummary.PCMDelayBeforeShutdown", "0")
        .with(func(F::PowercomStayOff)),
    Row::cmd(
        "shutdown.return",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        "",
    )
    .with(func(F::PowercomShutdown)),
    Row::cmd(
        "shutdown.stayoff",
        "UPS.PowerSummary.PCMDelayBeforeShutdown",
        "",
    )
    .with(func(F::PowercomStayOff)),
    Row::conv("ups.serial", "PowercomUPS.PowercomSerialNumber", STRING_ID),
    Row::conv("ups.mfr", "PowercomUPS.PowercomManufacturerName", STRING_ID),
    Row::conv("ups.mfr.date", "PowercomUPS.PowercomManufacturerDate", DATE),
    Row::var(
        "battery.temperature",
        "PowercomUPS.PowercomBatterySystem.PowercomTemperature",
        "%.0f",
    ),
    Row::var("battery.temperature", "UPS.Battery.Temperature", "%.1f"),
    Row::var(
        "battery.charge",
        "PowercomUPS.PowercomBatterySystem.PowercomVoltage",
        "%.0f",
    ),
    Row::var(
        "input.frequency",
        "PowercomUPS.PowercomPowerConverter.PowercomInput.PowercomFrequency",
        "%.0f",
    ),
    Row::conv(
        "input.voltage",
        "PowercomUPS.PowercomPowerConverter.PowercomInput.PowercomVoltage",
        func(F::PowercomVoltage),
    ),
    Row::conv(
        "output.voltage",
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomVoltage",
        func(F::PowercomVoltage),
    ),
    Row::var(
        "ups.load",
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPercentLoad",
        "%.0f",
    ),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        func(F::PowercomUpsFail),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        func(F::PowercomReplaceBattery),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        func(F::PowercomTest),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomInternalChargeController",
        func(F::PowercomShutdownImminent),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        func(F::PowercomOnline),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        func(F::PowercomLowBattery),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        func(F::PowercomTrim),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        func(F::PowercomBoost),
    )
    .quick(),
    Row::status(
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomPrimaryBatterySupport",
        func(F::PowercomOverload),
    )
    .quick(),
    Row::var(
        "output.frequency",
        "PowercomUPS.PowercomPowerConverter.PowercomOutput.PowercomFrequency",
        "%.0f",
    ),
    Row::conv(
        "ups.test.result",
        "PowercomUPS.PowercomPowerConverter.PowercomTest",
        TEST_READ,
    ),
    Row::var(
        "ups.delay.shutdown",
        "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeShutdown",
        "%.0f",
    ),
    Row::var(
        "ups.delay.start",
        "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeStartup",
        "%.0f",
    ),
    Row::cmd(
        "load.off",
        "PowercomUPS.PowercomPowerConverter.PowercomDelayBeforeShutdown",
        "0",
    ),
];
