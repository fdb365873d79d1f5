//! `apc` — "APC HID 0.101" (hid-maps.md §2.3).

use super::c::*;
use super::{MatchHandler, Row, Subdriver, SubdriverId, UsbId};
use crate::convert::{Function as F, tables};
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Apc,
    short_name: "apc",
    name: "APC HID 0.101",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Apc),
    rows: ROWS,
    mfr_fallback: Some("APC"),
    hint: "APC",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x051d, 0x0000),
    UsbId::with(0x051d, 0x0002, MatchHandler::ApcGeneralCheck),
    UsbId::with(0x051d, 0x0003, MatchHandler::DisableInterruptPipe),
    UsbId::with(0x051d, 0x0004, MatchHandler::DisableInterruptPipe),
    UsbId::new(0x051d, 0x0005),
];

static ROWS: &[Row] = &[
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
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
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.Battery.RunTimeToEmpty", "%.0f"),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::var(
        "battery.runtime.low",
        "UPS.Battery.RemainingTimeLimit",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::var(
        "battery.runtime.low",
        "UPS.PowerSummary.RemainingTimeLimit",
        "%.0f",
    )
    .rw()
    .string(10)
    .semi(),
    Row::var("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
    Row::var(
        "battery.voltage.nominal",
        "UPS.Battery.ConfigVoltage",
        "%.1f",
    ),
    Row::var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.1f",
    ),
    Row::conv("battery.temperature", "UPS.Battery.Temperature", KELVIN),
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
        "UPS.PowerSummary.APCBattReplaceDate",
        func(F::ApcDate),
    ),
    Row::conv(
        "battery.date",
        "UPS.Battery.APCBattReplaceDate",
        func(F::ApcDate),
    ),
    Row::var("ups.load", "UPS.Output.PercentLoad", "%.1f"),
    Row::var("ups.load", "UPS.PowerConverter.PercentLoad", "%.0f"),
    Row::absent(
        "ups.delay.start",
        "UPS.PowerSummary.DelayBeforeStartup",
        "30",
    )
    .rw()
    .string(10),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(10),
    Row::var(
        "ups.timer.start",
        "UPS.PowerSummary.DelayBeforeStartup",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.reboot",
        "UPS.PowerSummary.DelayBeforeReboot",
        "%.0f",
    )
    .quick(),
    Row::absent("ups.delay.start", "UPS.Output.DelayBeforeStartup", "30")
        .rw()
        .string(10),
    Row::absent("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", "20")
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
    Row::absent(
        "ups.delay.start",
        "UPS.APCGeneralCollection.APCDelayBeforeStartup",
        "30",
    )
    .rw()
    .string(10),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.APCGeneralCollection.APCDelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(10),
    Row::var(
        "ups.timer.start",
        "UPS.APCGeneralCollection.APCDelayBeforeStartup",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.shutdown",
        "UPS.APCGeneralCollection.APCDelayBeforeShutdown",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.reboot",
        "UPS.APCGeneralCollection.APCDelayBeforeReboot",
        "%.0f",
    )
    .quick(),
    Row::conv("ups.test.result", "UPS.Battery.Test", TEST_READ),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    ),
    Row::conv("ups.mfr.date", "UPS.ManufacturerDate", DATE),
    Row::conv("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", DATE),
    Row::var(
        "ups.realpower.nominal",
        "UPS.PowerConverter.ConfigActivePower",
        "%.0f",
    ),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Output.ConfigActivePower",
        "%.0f",
    ),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY),
    Row::status("UPS.PowerSummary.Charging", CHARGING).quick(),
    Row::status("UPS.PowerSummary.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.ACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.BelowRemainingCapacityLimit", LOWBATT).quick(),
    Row::status("UPS.PowerSummary.ShutdownImminent", SHUTDOWNIMM),
    Row::status(
        "UPS.PowerSummary.APCStatusFlag",
        table(&tables::APC_STATUSFLAG),
    )
    .quick(),
    Row::status(
        "UPS.Input.APCLineFailCause",
        table(&tables::APC_LINEFAILCAUSE_VRANGE),
    ),
    Row::status(
        "UPS.Input.APCLineFailCause",
        table(&tables::APC_LINEFAILCAUSE_FRANGE),
    ),
    Row::var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Row::var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
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
    Row::conv(
        "input.sensitivity",
        "UPS.Input.APCSensitivity",
        table(&tables::APC_SENSITIVITY),
    )
    .rw()
    .string(10)
    .semi(),
    Row::var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Row::var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.1f"),
    Row::var("output.current", "UPS.Output.Current", "%.2f"),
    Row::var("output.frequency", "UPS.Output.Frequency", "%.1f"),
    Row::conv(
        "ambient.temperature",
        "UPS.APCEnvironment.APCProbe1.Temperature",
        KELVIN,
    ),
    Row::var(
        "ambient.humidity",
        "UPS.APCEnvironment.APCProbe1.Humidity",
        "%.1f",
    ),
    Row::cmd(
        "test.battery.start.quick",
        "UPS.BatterySystem.Battery.Test",
        "1",
    ),
    Row::cmd("test.battery.start.quick", "UPS.Battery.Test", "1"),
    Row::cmd(
        "test.battery.start.deep",
        "UPS.BatterySystem.Battery.Test",
        "2",
    ),
    Row::cmd("test.battery.start.deep", "UPS.Battery.Test", "2"),
    Row::cmd("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
    Row::cmd("test.battery.stop", "UPS.Battery.Test", "3"),
    Row::cmd("test.panel.start", "UPS.APCPanelTest", "1"),
    Row::cmd("test.panel.stop", "UPS.APCPanelTest", "0"),
    Row::cmd("test.panel.start", "UPS.PowerSummary.APCPanelTest", "1"),
    Row::cmd("test.panel.stop", "UPS.PowerSummary.APCPanelTest", "0"),
    Row::cmd(
        "load.off.delay",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "20",
    ),
    Row::cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", "30"),
    Row::cmd(
        "shutdown.stop",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "-1",
    ),
    Row::cmd(
        "shutdown.reboot",
        "UPS.PowerSummary.DelayBeforeReboot",
        "10",
    ),
    Row::cmd("load.off.delay", "UPS.Output.DelayBeforeShutdown", "20"),
    Row::cmd("load.on.delay", "UPS.Output.DelayBeforeStartup", "30"),
    Row::cmd("shutdown.stop", "UPS.Output.DelayBeforeShutdown", "-1"),
    Row::cmd("shutdown.reboot", "UPS.Output.DelayBeforeReboot", "10"),
    Row::cmd(
        "load.off.delay",
        "UPS.APCGeneralCollection.APCDelayBeforeShutdown",
        "20",
    ),
    Row::cmd(
        "load.on.delay",
        "UPS.APCGeneralCollection.APCDelayBeforeStartup",
        "30",
    ),
    Row::cmd(
        "shutdown.stop",
        "UPS.APCGeneralCollection.APCDelayBeforeShutdown",
        "-1",
    ),
    Row::cmd(
        "shutdown.reboot",
        "UPS.APCGeneralCollection.APCDelayBeforeReboot",
        "10",
    ),
    Row::cmd("shutdown.return", "UPS.Output.APCDelayBeforeReboot", "1"),
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
