//! `cps` — "CyberPower HID 0.85" (hid-maps.md §2.6). Choosing it also
//! changes core defaults: `pollfreq` 12 s and delays 120/60.

use super::c::*;
use super::{MatchHandler, Row, Subdriver, SubdriverId, UsbId};
use crate::convert::{Function as F, tables};
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Cps,
    short_name: "cps",
    name: "CyberPower HID 0.85",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Cps),
    rows: ROWS,
    mfr_fallback: Some("CPS"),
    hint: "CyberPower",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x0764, 0x0005),
    UsbId::with(0x0764, 0x0501, MatchHandler::CpsBatteryScale),
    UsbId::new(0x0764, 0x0601),
    UsbId::new(0x0483, 0xa430),
];

static ROWS: &[Row] = &[
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    ),
    Row::conv("battery.mfr.date", "UPS.Battery.ManufacturerDate", DATE)
        .rw()
        .string(10)
        .semi(),
    Row::conv(
        "battery.mfr.date",
        "UPS.PowerSummary.iOEMInformation",
        STRING_ID,
    ),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    ),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::conv(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        func(F::CpsBatteryCharge),
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::var(
        "battery.runtime.low",
        "UPS.PowerSummary.RemainingTimeLimit",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.0f",
    ),
    Row::conv(
        "battery.voltage",
        "UPS.PowerSummary.Voltage",
        func(F::CpsBatteryVoltage),
    ),
    Row::conv(
        "battery.status",
        "UPS.PowerSummary.FullChargeCapacity",
        func(F::CpsBatteryStatus),
    ),
    Row::var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    ),
    Row::conv("ups.test.result", "UPS.Output.Test", TEST_READ),
    Row::var("ups.power", "UPS.Output.ApparentPower", "%.0f"),
    Row::var(
        "ups.power.nominal",
        "UPS.Output.ConfigApparentPower",
        "%.0f",
    ),
    Row::var("ups.realpower", "UPS.Output.ActivePower", "%.0f"),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Output.ConfigActivePower",
        "%.0f",
    ),
    Row::absent("ups.delay.start", "UPS.Output.DelayBeforeStartup", "120")
        .rw()
        .string(10),
    Row::absent("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", "60")
        .rw()
        .string(10),
    Row::var("ups.timer.start", "UPS.Output.DelayBeforeStartup", "%.0f").quick(),
    Row::var(
        "ups.timer.shutdown",
        "UPS.Output.DelayBeforeShutdown",
        "%.0f",
    )
    .quick(),
    Row::var("ups.timer.reboot", "UPS.Output.DelayBeforeReboot", "%.0f").quick(),
    Row::conv(
        "ups.firmware",
        "UPS.PowerSummary.CPSFirmwareVersion",
        STRING_ID,
    )
    .fixed(),
    Row::conv("ups.temperature", "UPS.PowerSummary.Temperature", KELVIN),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.FullyCharged", FULLYCHARGED),
    Row::status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status("UPS.Output.Boost", BOOST),
    Row::status("UPS.Output.Overload", OVERLOAD),
    Row::conv(
        "input.frequency",
        "UPS.Input.Frequency",
        func(F::CpsInputFrequency),
    ),
    Row::var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    Row::var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Row::var("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f")
        .rw()
        .string(10)
        .semi(),
    Row::var(
        "input.transfer.high",
        "UPS.Input.HighVoltageTransfer",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::var(
        "input.transfer.low",
        "UPS.Output.LowVoltageTransfer",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::var(
        "input.transfer.high",
        "UPS.Output.HighVoltageTransfer",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::conv(
        "input.sensitivity",
        "UPS.Output.CPSInputSensitivity",
        table(&tables::CPS_SENSITIVITY),
    )
    .rw()
    .string(0)
    .semi()
    .enumerated(),
    Row::conv(
        "output.frequency",
        "UPS.Output.Frequency",
        func(F::CpsOutputFrequency),
    ),
    Row::var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Row::var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f"),
    Row::cmd("test.battery.start.quick", "UPS.Output.Test", "1"),
    Row::cmd("test.battery.start.deep", "UPS.Output.Test", "2"),
    Row::cmd("test.battery.stop", "UPS.Output.Test", "3"),
    Row::cmd("load.off.delay", "UPS.Output.DelayBeforeShutdown", "60"),
    Row::cmd("load.on.delay", "UPS.Output.DelayBeforeStartup", "120"),
    Row::cmd("shutdown.stop", "UPS.Output.DelayBeforeShutdown", "-1"),
    Row::cmd("shutdown.reboot", "UPS.Output.DelayBeforeReboot", "10"),
    Row::cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    Row::cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd(
        "beeper.disable",
        "UPS.PowerSummary.AudibleAlarmControl",
        "1",
    ),
    Row::cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
];
