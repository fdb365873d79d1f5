//! `liebert` — "Phoenixtec/Liebert HID 0.41": Phoenixtec-based models on
//! VID 0x06da (real Liebert 0x10af devices go to `belkin`), hid-maps.md §2.12.

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Liebert,
    short_name: "liebert",
    name: "Phoenixtec/Liebert HID 0.41",
    usb_ids: USB_IDS,
    vendor_table: None,
    rows: ROWS,
    mfr_fallback: Some("Liebert"),
    hint: "Liebert",
};

static USB_IDS: &[UsbId] = &[UsbId::new(0x06da, 0xffff)];

static ROWS: &[Row] = &[
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f"),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.capacity",
        "UPS.PowerSummary.FullChargeCapacity",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.capacity.nominal",
        "UPS.PowerSummary.DesignCapacity",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    ),
    Row::var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Row::var(
        "ups.power.nominal",
        "UPS.Flow.[4].ConfigApparentPower",
        "%.0f",
    )
    .semi(),
    Row::conv(
        "ups.test.result",
        "UPS.BatterySystem.Battery.Test",
        TEST_READ,
    ),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    )
    .semi(),
    Row::var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%.1f",
    ),
    Row::var(
        "output.voltage.nominal",
        "UPS.Flow.[4].ConfigVoltage",
        "%.0f",
    )
    .semi(),
    Row::var(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        "%.2f",
    ),
    Row::var(
        "output.frequency.nominal",
        "UPS.Flow.[4].ConfigFrequency",
        "%.0f",
    )
    .semi(),
    Row::var(
        "output.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.1f",
    )
    .semi(),
    Row::var(
        "output.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.1f",
    )
    .semi(),
    Row::var(
        "input.voltage",
        "UPS.PowerConverter.Input.[1].Voltage",
        "%.1f",
    ),
    Row::var(
        "input.frequency",
        "UPS.PowerConverter.Input.[1].Frequency",
        "%.2f",
    ),
    Row::var(
        "input.transfer.low",
        "UPS.PowerConverter.Output.ffff0057",
        "%.0f",
    )
    .semi(),
    Row::var(
        "input.transfer.high",
        "UPS.PowerConverter.Output.ffff0058",
        "%.0f",
    )
    .semi(),
    Row::var(
        "input.frequency.transfer.low",
        "UPS.PowerConverter.Output.ffff00f9",
        "%.0f",
    )
    .semi(),
    Row::var(
        "input.frequency.transfer.high",
        "UPS.PowerConverter.Output.ffff00f8",
        "%.0f",
    )
    .semi(),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Good", OFF).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.InternalFailure", COMMFAULT).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    )
    .quick(),
    Row::status("UPS.PowerConverter.Input.[1].PresentStatus.Buck", TRIM),
    Row::status("UPS.PowerConverter.Input.[1].PresentStatus.Boost", BOOST),
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
    Row::cmd("test.battery.start", "UPS.BatterySystem.Battery.Test", "1"),
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
    Row::cmd("beeper.toggle", "UPS.PowerSummary.AudibleAlarmControl", "1"),
];
