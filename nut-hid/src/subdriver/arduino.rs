//! `arduino` — "Arduino HID 0.22": boards running the HIDPowerDevice
//! sketch (hid-maps.md §2.4).

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Arduino,
    short_name: "arduino",
    name: "Arduino HID 0.22",
    usb_ids: USB_IDS,
    vendor_table: None,
    rows: ROWS,
    mfr_fallback: Some("Arduino"),
    hint: "Arduino",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x2341, 0x0036),
    UsbId::new(0x2341, 0x8036),
    UsbId::new(0x2a03, 0x0036),
    UsbId::new(0x2a03, 0x8036),
    UsbId::new(0x2a03, 0x0040),
    UsbId::new(0x2a03, 0x8040),
];

static ROWS: &[Row] = &[
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
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    )
    .fixed(),
    Row::var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.2f",
    )
    .quick(),
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f").quick(),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f").quick(),
    Row::var(
        "battery.runtime.low",
        "UPS.PowerSummary.RemainingTimeLimit",
        "%.0f",
    )
    .semi(),
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
    .semi(),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    )
    .semi(),
    Row::var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Row::var(
        "input.voltage",
        "UPS.PowerConverter.Input.[1].Voltage",
        "%.1f",
    ),
    Row::var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%.1f",
    ),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
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
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY),
    Row::status("UPS.PowerSummary.PresentStatus.FullyCharged", FULLYCHARGED).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.FullyDischarged", DEPLETED).quick(),
];
