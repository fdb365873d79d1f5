//! `tripplite` — "TrippLite HID 0.85" (hid-maps.md §2.17). Each USB entry
//! selects scale factors; `ups.mfr` has no fallback.

use super::c::*;
use super::{MatchHandler, Row, Subdriver, SubdriverId, UsbId};
use crate::convert::Function as F;
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::TrippLite,
    short_name: "tripplite",
    name: "TrippLite HID 0.85",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::TrippLite),
    rows: ROWS,
    mfr_fallback: None,
    hint: "TrippLite",
};

const B01: MatchHandler = MatchHandler::TrippLiteBatteryScale0Dot1;
const B1: MatchHandler = MatchHandler::TrippLiteBatteryScale1Dot0;
const LCDT: MatchHandler = MatchHandler::TrippLiteSmart1500Lcdt;

static USB_IDS: &[UsbId] = &[
    UsbId::with(0x09ae, 0x1003, B01),
    UsbId::with(0x09ae, 0x1007, B01),
    UsbId::with(0x09ae, 0x1008, B01),
    UsbId::with(0x09ae, 0x1009, B01),
    UsbId::with(0x09ae, 0x1010, B01),
    UsbId::with(0x09ae, 0x1330, B1),
    UsbId::with(0x09ae, 0x2005, B01),
    UsbId::with(0x09ae, 0x2007, B01),
    UsbId::with(0x09ae, 0x2008, B01),
    UsbId::with(0x09ae, 0x2009, B01),
    UsbId::with(0x09ae, 0x2010, B01),
    UsbId::with(0x09ae, 0x2011, B01),
    UsbId::with(0x09ae, 0x2012, B01),
    UsbId::with(0x09ae, 0x2013, B01),
    UsbId::with(0x09ae, 0x2014, B01),
    UsbId::with(0x09ae, 0x3008, B1),
    UsbId::with(0x09ae, 0x3009, B1),
    UsbId::with(0x09ae, 0x3010, B1),
    UsbId::with(0x09ae, 0x3011, B1),
    UsbId::with(0x09ae, 0x3012, B1),
    UsbId::with(0x09ae, 0x3013, B1),
    UsbId::with(0x09ae, 0x3014, B1),
    UsbId::with(0x09ae, 0x3015, B1),
    UsbId::with(0x09ae, 0x3016, LCDT),
    UsbId::with(0x09ae, 0x3024, LCDT),
    UsbId::with(0x09ae, 0x4001, B1),
    UsbId::with(0x09ae, 0x4002, B1),
    UsbId::with(0x09ae, 0x4003, B1),
    UsbId::with(0x09ae, 0x4004, B1),
    UsbId::with(0x09ae, 0x4005, B1),
    UsbId::with(0x09ae, 0x4006, B1),
    UsbId::with(0x09ae, 0x4007, B1),
    UsbId::with(0x09ae, 0x4008, B1),
    UsbId::with(0x03f0, 0x0001, B1),
    UsbId::with(0x03f0, 0x1fe0, B1),
    UsbId::with(0x03f0, 0x1fe1, B1),
    UsbId::with(0x03f0, 0x1fe2, B1),
    UsbId::with(0x03f0, 0x1fe3, B1),
    UsbId::with(0x03f0, 0x1f06, B1),
    UsbId::with(0x03f0, 0x1f08, B1),
    UsbId::with(0x03f0, 0x1f09, B1),
    UsbId::with(0x03f0, 0x1f0a, B1),
    UsbId::with(0x05dd, 0xa011, B1),
    UsbId::with(0x05dd, 0xa0a0, B1),
];

static ROWS: &[Row] = &[
    Row::conv("device.part", "UPS.TLCustom.[1].iUPSPartNumber", STRING_ID).fixed(),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    ),
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
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::var(
        "battery.voltage.nominal",
        "UPS.BatterySystem.Battery.ConfigVoltage",
        "%.1f",
    )
    .fixed(),
    Row::conv(
        "battery.voltage",
        "UPS.BatterySystem.Battery.Voltage",
        func(F::TrippLiteBatteryVoltage),
    ),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        func(F::TrippLiteChemistry),
    )
    .fixed(),
    Row::conv(
        "battery.temperature",
        "UPS.BatterySystem.Temperature",
        KELVIN,
    ),
    Row::absent(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        "30",
    )
    .rw()
    .string(10),
    Row::absent(
        "ups.delay.start",
        "UPS.OutletSystem.Outlet.TLDelayBeforeStartup",
        "30",
    )
    .rw()
    .string(10),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(10),
    Row::var(
        "ups.timer.start",
        "UPS.OutletSystem.Outlet.DelayBeforeStartup",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.start",
        "UPS.OutletSystem.Outlet.TLDelayBeforeStartup",
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
    Row::conv("ups.test.result", "UPS.BatterySystem.Test", TEST_READ),
    Row::conv(
        "ups.beeper.status",
        "UPS.PowerSummary.AudibleAlarmControl",
        BEEPER,
    ),
    Row::var("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f").fixed(),
    Row::var("ups.power", "UPS.OutletSystem.Outlet.ActivePower", "%.1f"),
    Row::var("ups.power", "UPS.PowerConverter.Output.ActivePower", "%.1f"),
    Row::var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    Row::var(
        "ups.firmware",
        "UPS.TLCustom.[1].UPSFirmwareVersion",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "ups.watchdog.status",
        "UPS.OutletSystem.Outlet.TLWatchdog",
        "%.0f",
    ),
    Row::status("UPS.PowerSummary.PresentStatus.InternalFailure", COMMFAULT),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    ),
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
    ),
    Row::status("UPS.PowerSummary.PresentStatus.TLACPresent", ONLINE).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.TLDischarging", DISCHARGING).quick(),
    Row::var("ups.load.nominal", "UPS.Flow.ConfigPercentLoad", "%.0f"),
    Row::status("UPS.PowerSummary.PresentStatus.TLCharging", CHARGING).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.TLNeedReplacement",
        REPLACEBATT,
    ),
    Row::status("UPS.PowerConverter.PresentStatus.VoltageOutOfRange", VRANGE),
    Row::status("UPS.PowerConverter.PresentStatus.Buck", TRIM),
    Row::status("UPS.PowerConverter.PresentStatus.Boost", BOOST),
    Row::status("UPS.PowerConverter.PresentStatus.Overload", OVERLOAD),
    Row::status("UPS.PowerConverter.PresentStatus.OverTemperature", OVERHEAT),
    Row::status(
        "UPS.PowerConverter.PresentStatus.InternalFailure",
        COMMFAULT,
    ),
    Row::status(
        "UPS.PowerConverter.PresentStatus.AwaitingPower",
        AWAITINGPOWER,
    ),
    Row::var(
        "input.voltage.nominal",
        "UPS.PowerSummary.Input.ConfigVoltage",
        "%.0f",
    )
    .fixed(),
    Row::conv(
        "input.voltage",
        "UPS.PowerSummary.Input.Voltage",
        func(F::TrippLiteIoVoltage),
    ),
    Row::conv(
        "input.voltage",
        "UPS.PowerConverter.Input.Voltage",
        func(F::TrippLiteIoVoltage),
    ),
    Row::conv(
        "input.frequency",
        "UPS.PowerConverter.Input.Frequency",
        func(F::TrippLiteIoFrequency),
    ),
    Row::var(
        "input.transfer.low",
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        "%.1f",
    )
    .rw()
    .string(5)
    .semi(),
    Row::var(
        "input.transfer.low.max",
        "UPS.PowerConverter.Output.TLLowVoltageTransferMax",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "input.transfer.low.min",
        "UPS.PowerConverter.Output.TLLowVoltageTransferMin",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "input.transfer.high",
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        "%.1f",
    )
    .rw()
    .string(5)
    .semi(),
    Row::var(
        "input.transfer.high.max",
        "UPS.PowerConverter.Output.TLHighVoltageTransferMax",
        "%.0f",
    )
    .fixed(),
    Row::var(
        "input.transfer.high.min",
        "UPS.PowerConverter.Output.TLHighVoltageTransferMin",
        "%.0f",
    )
    .fixed(),
    Row::var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f").fixed(),
    Row::conv(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        func(F::TrippLiteIoVoltage),
    ),
    Row::conv(
        "output.voltage",
        "UPS.PowerSummary.Voltage",
        func(F::TrippLiteIoVoltage),
    ),
    Row::conv(
        "output.current",
        "UPS.PowerConverter.Output.Current",
        func(F::TrippLiteIoCurrent),
    ),
    Row::var(
        "output.frequency.nominal",
        "UPS.Flow.ConfigFrequency",
        "%.0f",
    )
    .fixed(),
    Row::conv(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        func(F::TrippLiteIoFrequency),
    ),
    Row::cmd("test.battery.start.quick", "UPS.BatterySystem.Test", "1"),
    Row::cmd("test.battery.start.deep", "UPS.BatterySystem.Test", "2"),
    Row::cmd("test.battery.stop", "UPS.BatterySystem.Test", "3"),
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
    Row::cmd(
        "load.on.delay",
        "UPS.OutletSystem.Outlet.TLDelayBeforeStartup",
        "30",
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
    Row::cmd(
        "shutdown.reboot",
        "UPS.OutletSystem.Outlet.TLWatchdog",
        "10",
    ),
    Row::cmd("reset.watchdog", "UPS.OutletSystem.Outlet.TLWatchdog", "60"),
    Row::cmd("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
    Row::cmd(
        "beeper.disable",
        "UPS.PowerSummary.AudibleAlarmControl",
        "1",
    ),
    Row::cmd("beeper.enable", "UPS.PowerSummary.AudibleAlarmControl", "2"),
    Row::cmd("beeper.mute", "UPS.PowerSummary.AudibleAlarmControl", "3"),
];
