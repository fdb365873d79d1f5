//! `delta_ups` — "Delta UPS HID 0.6" (hid-maps.md §2.7). Its `RW` rows
//! are numeric (no `STRING` flag).

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};
use crate::convert::{Function as F, tables};
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::DeltaUps,
    short_name: "delta_ups",
    name: "Delta UPS HID 0.6",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Delta),
    rows: ROWS,
    mfr_fallback: Some("Delta"),
    hint: "Delta",
};

static USB_IDS: &[UsbId] = &[UsbId::new(0x05dd, 0x041b)];

static ROWS: &[Row] = &[
    Row::conv(
        "input.sensitivity",
        "UPS.DeltaCustom.[1].DeltaConfigSensitivity",
        table(&tables::DELTA_SENSITIVITY),
    )
    .rw(),
    Row::var(
        "input.voltage.nominal",
        "UPS.PowerSummary.Input.ConfigVoltage",
        "%.1f",
    )
    .semi(),
    Row::var("input.voltage", "UPS.PowerSummary.Input.Voltage", "%.1f").quick(),
    Row::var("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.1f").quick(),
    Row::var(
        "input.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.1f",
    )
    .rw(),
    Row::var(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.1f",
    )
    .rw(),
    Row::var(
        "input.transfer.low.min",
        "UPS.PowerConverter.Output.DeltaConfigTransferLowMin",
        "%.1f",
    )
    .fixed(),
    Row::var(
        "input.transfer.low.max",
        "UPS.PowerConverter.Output.DeltaConfigTransferLowMax",
        "%.1f",
    )
    .fixed(),
    Row::var(
        "input.transfer.high.min",
        "UPS.PowerConverter.Output.DeltaConfigTransferHighMin",
        "%.1f",
    )
    .fixed(),
    Row::var(
        "input.transfer.high.max",
        "UPS.PowerConverter.Output.DeltaConfigTransferHighMax",
        "%.1f",
    )
    .fixed(),
    Row::conv(
        "input.source",
        "UPS.OutletSystem.Outlet.DeltaOutputSource",
        table(&tables::DELTA_OUTPUT_SOURCE),
    ),
    Row::var(
        "input.frequency",
        "UPS.PowerConverter.Input.Frequency",
        "%.1f",
    )
    .quick(),
    Row::var(
        "battery.voltage.nominal",
        "UPS.BatterySystem.Battery.ConfigVoltage",
        "%.1f",
    )
    .fixed(),
    Row::var(
        "battery.voltage",
        "UPS.BatterySystem.Battery.Voltage",
        "%.1f",
    )
    .quick(),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    )
    .quick(),
    Row::var(
        "battery.charge",
        "UPS.BatterySystem.Battery.RemainingCapacity",
        "%.0f",
    ),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
    )
    .rw()
    .string(5)
    .semi(),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    )
    .semi(),
    Row::conv(
        "battery.temperature",
        "UPS.BatterySystem.Temperature",
        KELVIN,
    )
    .quick(),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f").quick(),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    )
    .fixed(),
    Row::var(
        "battery.capacity",
        "UPS.PowerSummary.DesignCapacity",
        "%.0f",
    )
    .semi(),
    Row::var(
        "battery.capacity",
        "UPS.PowerSummary.FullChargeCapacity",
        "%.0f",
    )
    .semi(),
    Row::var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.1f").semi(),
    Row::var(
        "output.frequency.nominal",
        "UPS.Flow.ConfigFrequency",
        "%.1f",
    )
    .semi(),
    Row::var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%.1f",
    )
    .quick(),
    Row::var(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        "%.1f",
    )
    .quick(),
    Row::var(
        "output.current",
        "UPS.PowerConverter.Output.Current",
        "%.1f",
    )
    .quick(),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    )
    .quick(),
    Row::conv("ups.test.result", "UPS.BatterySystem.Test", TEST_READ),
    Row::conv(
        "ups.type",
        "UPS.DeltaCustom.[1].DeltaUPSType",
        func(F::DeltaUpsType),
    )
    .fixed(),
    Row::conv(
        "ups.start.auto",
        "UPS.DeltaCustom.[1].DeltaConfigStartPowerRestore",
        YES_NO,
    )
    .rw(),
    Row::var("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f").fixed(),
    Row::var(
        "ups.realpower",
        "UPS.OutletSystem.Outlet.ActivePower",
        "%.1f",
    )
    .quick(),
    Row::var(
        "ups.realpower",
        "UPS.PowerConverter.Output.ActivePower",
        "%.1f",
    )
    .quick(),
    Row::var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.1f").quick(),
    Row::var(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.DeltaConfigStartPowerRestoreDelay",
        "%.0f",
    )
    .rw(),
    Row::var(
        "ups.timer.start",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.reboot",
        "UPS.OutletSystem.Outlet.DelayBeforeReboot",
        "%.0f",
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Good", OFF).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.InternalFailure", COMMFAULT).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.FullyCharged", FULLYCHARGED).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.FullyDischarged", DEPLETED).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    )
    .quick(),
    Row::status("UPS.PowerConverter.PresentStatus.VoltageOutOfRange", VRANGE).quick(),
    Row::status("UPS.PowerConverter.PresentStatus.Buck", TRIM).quick(),
    Row::status("UPS.PowerConverter.PresentStatus.Boost", BOOST).quick(),
    Row::status("UPS.PowerConverter.PresentStatus.Overload", OVERLOAD).quick(),
    Row::status("UPS.PowerConverter.PresentStatus.Used", NOBATTERY).quick(),
    Row::status("UPS.PowerConverter.PresentStatus.OverTemperature", OVERHEAT).quick(),
    Row::status(
        "UPS.PowerConverter.PresentStatus.InternalFailure",
        COMMFAULT,
    )
    .quick(),
    Row::status(
        "UPS.PowerConverter.PresentStatus.AwaitingPower",
        AWAITINGPOWER,
    )
    .quick(),
    Row::cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    Row::cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd(
        "beeper.disable",
        "UPS.PowerSummary.AudibleAlarmControl",
        "1",
    ),
    Row::cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    Row::cmd("test.battery.start.quick", "UPS.BatterySystem.Test", "1"),
    Row::cmd("test.battery.start.deep", "UPS.BatterySystem.Test", "2"),
    Row::cmd("test.battery.stop", "UPS.BatterySystem.Test", "3"),
    Row::cmd(
        "load.on.delay",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        "30",
    ),
    Row::cmd(
        "load.off.delay",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "20",
    ),
    Row::cmd(
        "shutdown.stop",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "-1",
    ),
    Row::cmd(
        "shutdown.reboot",
        "UPS.OutletSystem.Outlet.DelayBeforeReboot",
        "10",
    ),
];
