//! `idowell` — "iDowell HID 0.22": iDowell and GoldenMate LiFePO4 packs
//! (hid-maps.md §2.10).

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Idowell,
    short_name: "idowell",
    name: "iDowell HID 0.22",
    usb_ids: USB_IDS,
    vendor_table: None,
    rows: ROWS,
    mfr_fallback: Some("iDowell"),
    hint: "iDowell",
};

static USB_IDS: &[UsbId] = &[UsbId::new(0x075d, 0x0300), UsbId::new(0x06da, 0xffff)];

static ROWS: &[Row] = &[
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.CommunicationLost",
        COMMFAULT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Good", OFF),
    Row::status("UPS.PowerSummary.PresentStatus.InternalFailure", COMMFAULT),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    ),
    Row::conv("device.mfr", "UPS.PowerSummary.iManufacturer", STRING_ID).fixed(),
    Row::conv("device.model", "UPS.PowerSummary.iProduct", STRING_ID).fixed(),
    Row::conv("device.serial", "UPS.PowerSummary.iSerialNumber", STRING_ID).fixed(),
    Row::var(
        "battery.capacity.design",
        "UPS.PowerSummary.DesignCapacity",
        "%.0f",
    )
    .fixed(),
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
    .fixed(),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "battery.capacity.full",
        "UPS.PowerSummary.FullChargeCapacity",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    )
    .fixed(),
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
    Row::var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Row::var(
        "ups.power.nominal",
        "UPS.Flow.[4].ConfigApparentPower",
        "%.0f",
    )
    .fixed(),
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
    Row::var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%.1f",
    ),
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
    Row::var(
        "output.voltage.nominal",
        "UPS.Flow.[4].ConfigVoltage",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.1f",
    )
    .fixed(),
    Row::var(
        "output.frequency.nominal",
        "UPS.Flow.[4].ConfigFrequency",
        "%.0f",
    )
    .fixed(),
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
];
