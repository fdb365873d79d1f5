//! `legrand` — "Legrand HID 0.2": Keor PDU and Keor SP (hid-maps.md §2.11).
//! Its conversions undo wrong exponents; `beeper.disable` writes 3 here.

use super::c::*;
use super::{MatchHandler, Row, Subdriver, SubdriverId, UsbId};
use crate::convert::Function as F;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Legrand,
    short_name: "legrand",
    name: "Legrand HID 0.2",
    usb_ids: USB_IDS,
    vendor_table: None,
    rows: ROWS,
    mfr_fallback: Some("Legrand"),
    hint: "Legrand",
};

static USB_IDS: &[UsbId] = &[
    UsbId::with(0x1cb0, 0x0038, MatchHandler::DisableInterruptPipe),
    UsbId::with(0x1cb0, 0x0032, MatchHandler::DisableInterruptPipe),
];

static ROWS: &[Row] = &[
    Row::var("input.voltage", "UPS.Input.Voltage", "%.0f"),
    Row::conv(
        "input.voltage",
        "UPS.PowerConverter.Input.Voltage",
        func(F::LegrandTimes1M),
    ),
    Row::var(
        "input.transfer.high",
        "UPS.Input.HighVoltageTransfer",
        "%.0f",
    )
    .fixed(),
    Row::conv(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        func(F::LegrandTimes10),
    )
    .fixed(),
    Row::var("input.transfer.low", "UPS.Input.LowVoltageTransfer", "%.0f").fixed(),
    Row::var(
        "input.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.0f",
    )
    .fixed(),
    Row::var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f").fixed(),
    Row::var("input.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f").fixed(),
    Row::conv(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        DIVIDE_BY_10,
    )
    .fixed(),
    Row::var(
        "battery.voltage.nominal",
        "UPS.BatterySystem.Battery.ConfigVoltage",
        "%.0f",
    )
    .fixed(),
    Row::conv("battery.voltage", "UPS.PowerSummary.Voltage", DIVIDE_BY_10),
    Row::conv(
        "battery.voltage",
        "UPS.BatterySystem.Battery.Voltage",
        func(F::LegrandTimes100k),
    ),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RuntimeToEmpty", "%.0f"),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
    )
    .fixed(),
    Row::var("output.voltage", "UPS.Output.Voltage", "%.0f"),
    Row::conv(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        func(F::LegrandTimes10M),
    ),
    Row::var("output.frequency", "UPS.Output.Frequency", "%.0f"),
    Row::var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Row::var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Output.ConfigActivePower",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Flow.ConfigApparentPower",
        "%.0f",
    )
    .fixed(),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.Output.Overload", OVERLOAD).quick(),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(10),
    Row::absent(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        "30",
    )
    .rw()
    .string(10),
    Row::absent("ups.delay.shutdown", "UPS.Output.DelayBeforeShutdown", "20")
        .rw()
        .string(10),
    Row::absent("ups.delay.start", "UPS.Output.DelayBeforeStartup", "30")
        .rw()
        .string(10),
    Row::cmd(
        "load.off.delay",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "20",
    ),
    Row::cmd(
        "load.on.delay",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        "30",
    ),
    Row::cmd("load.off.delay", "UPS.Output.DelayBeforeShutdown", "20"),
    Row::cmd("load.on.delay", "UPS.Output.DelayBeforeStartup", "30"),
    Row::cmd(
        "test.battery.start.quick",
        "UPS.BatterySystem.Battery.Test",
        "1",
    ),
    Row::cmd(
        "test.battery.start.deep",
        "UPS.BatterySystem.Battery.Test",
        "2",
    ),
    Row::cmd("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
    Row::cmd("test.battery.start.quick", "UPS.Output.Test", "1"),
    Row::cmd("test.battery.start.deep", "UPS.Output.Test", "2"),
    Row::cmd("test.battery.stop", "UPS.Output.Test", "3"),
    Row::cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd(
        "beeper.disable",
        "UPS.PowerSummary.AudibleAlarmControl",
        "3",
    ),
];
