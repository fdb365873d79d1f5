//! `openups` — "openUPS HID 0.50": Minibox openUPS / openUPS2
//! (hid-maps.md §2.13). Both USB entries select scale factors by PID.

use super::c::*;
use super::{MatchHandler, Row, Subdriver, SubdriverId, UsbId};
use crate::convert::Function as F;
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::OpenUps,
    short_name: "openups",
    name: "openUPS HID 0.50",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::OpenUps),
    rows: ROWS,
    mfr_fallback: Some("openUPS"),
    hint: "openUPS",
};

static USB_IDS: &[UsbId] = &[
    UsbId::with(0x04d8, 0xd004, MatchHandler::OpenUpsVoltageMultiplier),
    UsbId::with(0x04d8, 0xd005, MatchHandler::OpenUpsVoltageMultiplier),
];

static ROWS: &[Row] = &[
    Row::conv("ups.serial", "UPS.PowerSummary.iSerialNumber", STRING_ID),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    )
    .fixed(),
    Row::conv(
        "battery.mfr.date",
        "UPS.PowerSummary.iOEMInformation",
        STRING_ID,
    )
    .fixed(),
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f").quick(),
    Row::var("battery.current", "UPS.PowerSummary.Current", "%.3f").quick(),
    Row::var(
        "battery.capacity",
        "UPS.PowerSummary.DesignCapacity",
        "%.0f",
    )
    .fixed(),
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
    .quick(),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f").quick(),
    Row::conv(
        "battery.temperature",
        "UPS.PowerSummary.Temperature",
        func(F::OpenUpsTemperature),
    )
    .quick(),
    Row::conv(
        "output.voltage",
        "UPS.PowerSummary.Output.Voltage",
        func(F::OpenUpsOutputVoltage),
    )
    .quick(),
    Row::conv(
        "output.current",
        "UPS.PowerSummary.Output.Current",
        func(F::OpenUpsDischargeCurrent),
    )
    .quick(),
    Row::conv(
        "input.voltage",
        "UPS.PowerSummary.Input.Voltage",
        func(F::OpenUpsInputVoltage),
    )
    .quick(),
    Row::conv(
        "input.current",
        "UPS.PowerSummary.Input.Current",
        func(F::OpenUpsChargeCurrent),
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Good", func(F::OpenUpsOff)).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.InternalFailure", COMMFAULT).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.OverTemperature", OVERHEAT).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        LOWBATT,
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.Charging",
        func(F::OpenUpsCharging),
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.Discharging",
        func(F::OpenUpsDischarging),
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ACPresent",
        func(F::OpenUpsOnline),
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY).quick(),
];
