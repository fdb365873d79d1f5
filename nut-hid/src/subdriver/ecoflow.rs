//! `ecoflow` — "EcoFlow HID 0.01": EcoFlow power stations (hid-maps.md §2.8).

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};
use crate::convert::Function as F;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Ecoflow,
    short_name: "ecoflow",
    name: "EcoFlow HID 0.01",
    usb_ids: USB_IDS,
    vendor_table: None,
    rows: ROWS,
    mfr_fallback: Some("EcoFlow"),
    hint: "EcoFlow",
};

static USB_IDS: &[UsbId] = &[UsbId::new(0x3746, 0xffff)];

static ROWS: &[Row] = &[
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    )
    .quick(),
    Row::var(
        "ups.power.nominal",
        "UPS.Flow.[4].ConfigActivePower",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        "%.1f",
    )
    .semi(),
    Row::var(
        "ups.timer.reboot",
        "UPS.OutletSystem.Outlet.DelayBeforeReboot",
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
        "battery.capacity.nominal",
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
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    )
    .fixed(),
    Row::conv(
        "experimental.ups.powersummary.ioeminformation",
        "UPS.PowerSummary.iOEMInformation",
        STRING_ID,
    )
    .fixed(),
    Row::conv("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", DATE),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.CommunicationLost",
        COMMFAULT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Charging", CHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.FullyCharged", FULLYCHARGED).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.FullyDischarged", DEPLETED).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    )
    .quick(),
    Row::var(
        "experimental.ups.powersummary.presentstatus.shutdownrequested",
        "UPS.PowerSummary.PresentStatus.ShutdownRequested",
        "%.0f",
    ),
    Row::var(
        "experimental.ups.powersummary.presentstatus.voltagenotregulated",
        "UPS.PowerSummary.PresentStatus.VoltageNotRegulated",
        "%.0f",
    ),
    Row::var(
        "experimental.ups.powersummary.rechargeable",
        "UPS.PowerSummary.Rechargeable",
        "%.0f",
    ),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    )
    .quick(),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
    )
    .rw()
    .string(5)
    .semi(),
    Row::var(
        "battery.runtime.low",
        "UPS.PowerSummary.RemainingTimeLimit",
        "%.0f",
    )
    .semi(),
    Row::conv(
        "battery.runtime",
        "UPS.PowerSummary.RunTimeToEmpty",
        func(F::EcoflowRuntime),
    )
    .quick(),
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f").quick(),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    )
    .semi(),
];
