//! `salicru` — "Salicru HID 0.4" (hid-maps.md §2.16).

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Salicru,
    short_name: "salicru",
    name: "Salicru HID 0.4",
    usb_ids: USB_IDS,
    vendor_table: None,
    rows: ROWS,
    mfr_fallback: Some("Salicru"),
    hint: "Salicru",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x2e66, 0x0101),
    UsbId::new(0x2e66, 0x0201),
    UsbId::new(0x2e66, 0x0202),
    UsbId::new(0x2e66, 0x0203),
    UsbId::new(0x2e66, 0x0300),
    UsbId::new(0x2e66, 0x0302),
];

static ROWS: &[Row] = &[
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    ),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
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
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f"),
    Row::var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    ),
    Row::conv("ups.test.result", "UPS.Output.Test", TEST_READ),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Output.ConfigActivePower",
        "%.0f",
    ),
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
    Row::status("UPS.Output.CommunicationLost", COMMFAULT),
    Row::status("UPS.Output.Boost", BOOST),
    Row::status("UPS.Output.Overload", OVERLOAD),
    Row::var("input.frequency", "UPS.Input.Frequency", "%.1f"),
    Row::var("input.voltage.nominal", "UPS.Input.ConfigVoltage", "%.0f"),
    Row::var("input.voltage", "UPS.Input.Voltage", "%.1f"),
    Row::var(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "input.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.0f",
    )
    .fixed(),
    Row::var("output.frequency", "UPS.Output.Frequency", "%.1f"),
    Row::var("output.voltage", "UPS.Output.Voltage", "%.1f"),
    Row::var("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.0f"),
    Row::var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Row::conv(
        "ups.test.result",
        "UPS.BatterySystem.Battery.Test",
        TEST_READ,
    ),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Flow.[4].ConfigActivePower",
        "%.0f",
    ),
    Row::var(
        "ups.realpower",
        "UPS.PowerConverter.Output.ActivePower",
        "%.0f",
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD),
    Row::status("UPS.PowerSummary.PresentStatus.OverTemperature", OVERHEAT),
    Row::var(
        "input.frequency",
        "UPS.PowerConverter.Input.[1].Frequency",
        "%.1f",
    ),
    Row::var(
        "input.voltage",
        "UPS.PowerConverter.Input.[1].Voltage",
        "%.1f",
    ),
    Row::var(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        "%.1f",
    ),
    Row::var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%.1f",
    ),
    Row::var(
        "output.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.0f",
    ),
    Row::conv(
        "ups.test.result",
        "UPS.BatterySystem.Battery.Test",
        TEST_READ,
    ),
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
];
