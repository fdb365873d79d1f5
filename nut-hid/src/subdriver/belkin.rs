//! `belkin` — "Belkin/Liebert HID 0.23": Belkin (private page 0x86) and
//! Liebert VID 0x10af devices (standard paths with wrong exponents),
//! hid-maps.md §2.5.

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};
use crate::convert::{Function as F, tables};
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Belkin,
    short_name: "belkin",
    name: "Belkin/Liebert HID 0.23",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Belkin),
    rows: ROWS,
    mfr_fallback: Some("Belkin"),
    hint: "Belkin",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x050d, 0x0980),
    UsbId::new(0x050d, 0x0900),
    UsbId::new(0x050d, 0x0910),
    UsbId::new(0x050d, 0x0912),
    UsbId::new(0x050d, 0x0551),
    UsbId::new(0x050d, 0x0750),
    UsbId::new(0x050d, 0x0751),
    UsbId::new(0x050d, 0x0375),
    UsbId::new(0x050d, 0x0f51),
    UsbId::new(0x050d, 0x1100),
    UsbId::new(0x10af, 0x0000),
    UsbId::new(0x10af, 0x0001),
    UsbId::new(0x10af, 0x0002),
    UsbId::new(0x10af, 0x0004),
    UsbId::new(0x10af, 0x0008),
];

static ROWS: &[Row] = &[
    Row::var(
        "battery.charge",
        "UPS.BELKINBatterySystem.BELKINCharge",
        "%.0f",
    ),
    Row::var(
        "battery.charge.low",
        "UPS.PowerSummary.RemainingCapacityLimit",
        "%.0f",
    ),
    Row::var(
        "battery.charge.warning",
        "UPS.PowerSummary.WarningCapacityLimit",
        "%.0f",
    ),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::conv(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        STRING_ID,
    ),
    Row::conv(
        "battery.voltage",
        "UPS.BELKINBatterySystem.BELKINVoltage",
        DIVIDE_BY_10,
    ),
    Row::var(
        "battery.voltage.nominal",
        "UPS.BELKINConfig.BELKINConfigBatteryVoltage",
        "%.0f",
    ),
    Row::conv(
        "input.frequency",
        "UPS.BELKINPowerState.BELKINInput.BELKINFrequency",
        DIVIDE_BY_10,
    ),
    Row::var(
        "input.frequency.nominal",
        "UPS.BELKINConfig.BELKINConfigFrequency",
        "%.0f",
    ),
    Row::conv(
        "input.sensitivity",
        "UPS.BELKINDevice.BELKINVoltageSensitivity",
        func(F::BelkinSensitivity),
    )
    .rw()
    .string(10),
    Row::var(
        "input.transfer.high",
        "UPS.BELKINConfig.BELKINHighVoltageTransfer",
        "%.0f",
    )
    .rw()
    .string(10),
    Row::var(
        "input.transfer.high.max",
        "UPS.BELKINConfig.BELKINHighVoltageTransferMax",
        "%.0f",
    ),
    Row::var(
        "input.transfer.high.min",
        "UPS.BELKINConfig.BELKINHighVoltageTransferMin",
        "%.0f",
    ),
    Row::var(
        "input.transfer.low",
        "UPS.BELKINConfig.BELKINLowVoltageTransfer",
        "%.0f",
    )
    .rw()
    .string(10),
    Row::var(
        "input.transfer.low.max",
        "UPS.BELKINConfig.BELKINLowVoltageTransferMax",
        "%.0f",
    ),
    Row::var(
        "input.transfer.low.min",
        "UPS.BELKINConfig.BELKINLowVoltageTransferMin",
        "%.0f",
    ),
    Row::conv(
        "input.voltage",
        "UPS.BELKINPowerState.BELKINInput.BELKINVoltage",
        DIVIDE_BY_10,
    ),
    Row::var(
        "input.voltage.nominal",
        "UPS.BELKINConfig.BELKINConfigVoltage",
        "%.0f",
    ),
    Row::conv(
        "output.frequency",
        "UPS.BELKINPowerState.BELKINOutput.BELKINFrequency",
        DIVIDE_BY_10,
    ),
    Row::conv(
        "output.voltage",
        "UPS.BELKINPowerState.BELKINOutput.BELKINVoltage",
        DIVIDE_BY_10,
    ),
    Row::conv(
        "ups.beeper.status",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        BEEPER,
    ),
    Row::absent(
        "ups.delay.start",
        "UPS.BELKINControls.BELKINDelayBeforeStartup",
        "30",
    )
    .rw()
    .string(10),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(10),
    Row::var(
        "ups.timer.start",
        "UPS.BELKINControls.BELKINDelayBeforeStartup",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.shutdown",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        "%.0f",
    )
    .quick(),
    Row::var(
        "ups.timer.reboot",
        "UPS.BELKINControls.BELKINDelayBeforeReboot",
        "%.0f",
    )
    .quick(),
    Row::conv(
        "ups.firmware",
        "UPS.BELKINDevice.BELKINUPSType",
        func(F::BelkinFirmware),
    ),
    Row::var(
        "ups.load",
        "UPS.BELKINPowerState.BELKINOutput.BELKINPercentLoad",
        "%.0f",
    ),
    Row::var(
        "ups.load.high",
        "UPS.BELKINConfig.BELKINConfigOverloadTransfer",
        "%.0f",
    ),
    Row::conv("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", DATE),
    Row::var(
        "ups.power.nominal",
        "UPS.BELKINConfig.BELKINConfigApparentPower",
        "%.0f",
    ),
    Row::conv("ups.serial", "UPS.PowerSummary.iSerialNumber", STRING_ID),
    Row::conv(
        "ups.test.result",
        "UPS.BELKINControls.BELKINTest",
        table(&tables::BELKIN_TEST),
    ),
    Row::conv(
        "ups.type",
        "UPS.BELKINDevice.BELKINUPSType",
        func(F::BelkinUpsType),
    ),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    )
    .quick(),
    Row::conv("input.frequency", "UPS.Input.Frequency", DIVIDE_BY_10),
    Row::conv(
        "input.voltage",
        "UPS.Input.Voltage",
        func(F::LiebertLineVoltage),
    ),
    Row::conv(
        "output.voltage",
        "UPS.Output.Voltage",
        func(F::LiebertLineVoltage),
    ),
    Row::conv(
        "battery.voltage",
        "UPS.PowerSummary.Voltage",
        func(F::LiebertLineVoltage),
    ),
    Row::conv(
        "battery.voltage.nominal",
        "UPS.PowerSummary.ConfigVoltage",
        func(F::LiebertConfigVoltage),
    )
    .fixed(),
    Row::var("ups.load", "UPS.Output.PercentLoad", "%.0f"),
    Row::var("input.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f"),
    Row::conv(
        "input.frequency",
        "UPS.PowerConverter.Input.Frequency",
        DIVIDE_BY_100,
    ),
    Row::conv(
        "input.voltage",
        "UPS.PowerConverter.Input.Voltage",
        func(F::LiebertLineVoltage),
    ),
    Row::var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f"),
    Row::conv(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        DIVIDE_BY_100,
    ),
    Row::conv(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        func(F::LiebertLineVoltage),
    ),
    Row::var("ups.load", "UPS.OutletSystem.Outlet.PercentLoad", "%.0f"),
    Row::conv(
        "battery.voltage",
        "UPS.BatterySystem.Battery.Voltage",
        func(F::LiebertLineVoltage),
    ),
    Row::var(
        "battery.voltage.nominal",
        "UPS.BatterySystem.Battery.ConfigVoltage",
        "%.0f",
    ),
    Row::var("battery.capacity", "UPS.Flow.ConfigApparentPower", "%.0f"),
    Row::status("UPS.PowerSummary.Discharging", func(F::LiebertDischarging)).quick(),
    Row::status("UPS.PowerSummary.Charging", func(F::LiebertCharging)).quick(),
    Row::status(
        "UPS.PowerSummary.ShutdownImminent",
        func(F::LiebertShutdownImminent),
    ),
    Row::status("UPS.PowerSummary.ACPresent", func(F::LiebertOnline)).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.Discharging",
        func(F::LiebertDischarging),
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.Charging",
        func(F::LiebertCharging),
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        func(F::LiebertShutdownImminent),
    ),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ACPresent",
        func(F::LiebertOnline),
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        func(F::LiebertReplaceBattery),
    )
    .quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        func(F::LiebertLowBattery),
    )
    .quick(),
    Row::status(
        "UPS.BELKINStatus.BELKINPowerStatus",
        func(F::BelkinOverload),
    ),
    Row::status(
        "UPS.BELKINStatus.BELKINPowerStatus",
        func(F::BelkinOverheat),
    ),
    Row::status(
        "UPS.BELKINStatus.BELKINPowerStatus",
        func(F::BelkinCommfault),
    ),
    Row::status(
        "UPS.BELKINStatus.BELKINPowerStatus",
        func(F::BelkinAwaitingPower),
    ),
    Row::status("UPS.BELKINStatus.BELKINPowerStatus", func(F::BelkinOnline)).quick(),
    Row::status(
        "UPS.BELKINStatus.BELKINBatteryStatus",
        func(F::BelkinDepleted),
    )
    .quick(),
    Row::status(
        "UPS.BELKINStatus.BELKINBatteryStatus",
        func(F::BelkinReplaceBattery),
    ),
    Row::status(
        "UPS.BELKINStatus.BELKINBatteryStatus",
        func(F::BelkinLowBattery),
    )
    .quick(),
    Row::cmd(
        "test.battery.start.quick",
        "UPS.BELKINControls.BELKINTest",
        "1",
    ),
    Row::cmd(
        "test.battery.start.deep",
        "UPS.BELKINControls.BELKINTest",
        "2",
    ),
    Row::cmd("test.battery.stop", "UPS.BELKINControls.BELKINTest", "3"),
    Row::cmd(
        "beeper.on",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        "2",
    ),
    Row::cmd(
        "beeper.off",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        "3",
    ),
    Row::cmd(
        "beeper.disable",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        "1",
    ),
    Row::cmd(
        "beeper.enable",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        "2",
    ),
    Row::cmd(
        "beeper.mute",
        "UPS.BELKINControls.BELKINAudibleAlarmControl",
        "3",
    ),
    Row::cmd(
        "load.off",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        "1",
    ),
    Row::cmd(
        "load.on",
        "UPS.BELKINControls.BELKINDelayBeforeStartup",
        "1",
    ),
    Row::cmd(
        "load.off.delay",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        "20",
    ),
    Row::cmd(
        "load.on.delay",
        "UPS.BELKINControls.BELKINDelayBeforeStartup",
        "30",
    ),
    Row::cmd(
        "shutdown.stop",
        "UPS.BELKINControls.BELKINDelayBeforeShutdown",
        "-1",
    ),
    Row::cmd(
        "shutdown.reboot",
        "UPS.BELKINControls.BELKINDelayBeforeReboot",
        "10",
    ),
];
