//! `powervar` — "Powervar HID 0.21": AMETEK Powervar UPM (hid-maps.md §2.15).
//! Its two `yes_no_info` status rows produce no status token (ignored).

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Powervar,
    short_name: "powervar",
    name: "Powervar HID 0.21",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Powervar),
    rows: ROWS,
    mfr_fallback: Some("Powervar"),
    hint: "Powervar",
};

static USB_IDS: &[UsbId] = &[UsbId::new(0x4234, 0x0002)];

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
        "battery.capacity",
        "UPS.PowerSummary.FullChargeCapacity",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RuntimeToEmpty", "%.0f"),
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
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        TIMELIMITEXPIRED,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.InternalFailure", YES_NO),
    Row::status("UPS.PowerSummary.PresentStatus.Good", YES_NO),
    Row::status("UPS.PowerSummary.PresentStatus.OverTemperature", OVERHEAT),
    Row::status("UPS.PowerSummary.PresentStatus.FullyCharged", FULLYCHARGED),
    Row::status("UPS.PowerSummary.PresentStatus.FullyDischarged", DEPLETED),
];
