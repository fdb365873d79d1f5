//! The rows of netxml-ups's object → variable table (`mge_xml2nut`),
//! as data; [`super::map`] has their types and lookups.

use super::map::{Bit, Conv, Flags, Row, Test};

const fn row(xml: &'static str, nut: Option<&'static str>, flags: Flags, conv: Conv) -> Row {
    Row {
        xml,
        nut,
        flags,
        conv,
    }
}

/// netxml-ups's table, in source order (row numbers as in the reference).
pub static ROWS: &[Row] = &[
    row(
        "System.Contact",
        Some("device.contact"),
        Flags::RW,
        Conv::Raw,
    ), // 1
    row(
        "System.Location",
        Some("device.location"),
        Flags::RW,
        Conv::Raw,
    ), // 2
    row(
        "UPS.PowerSummary.PresentStatus.ACPresent",
        None,
        Flags::NONE,
        Conv::Bit(Bit::ONLINE, Test::One),
    ), // 3
    row(
        "UPS.PowerSummary.PresentStatus.Charging",
        None,
        Flags::NONE,
        Conv::Bit(Bit::CHRG, Test::One),
    ), // 4
    row(
        "UPS.PowerSummary.PresentStatus.Discharging",
        None,
        Flags::NONE,
        Conv::Bit(Bit::DISCHRG, Test::One),
    ), // 5
    row(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        None,
        Flags::NONE,
        Conv::Bit(Bit::LOWBATT, Test::One),
    ), // 6
    row(
        "UPS.PowerSummary.PresentStatus.Overload",
        None,
        Flags::NONE,
        Conv::Bit(Bit::OVERLOAD, Test::One),
    ), // 7
    row(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        None,
        Flags::NONE,
        Conv::Bit(Bit::REPLACEBATT, Test::One),
    ), // 8
    row(
        "UPS.PowerConverter.Input[1].PresentStatus.Buck",
        None,
        Flags::NONE,
        Conv::Bit(Bit::TRIM, Test::One),
    ), // 9
    row(
        "UPS.PowerConverter.Input[1].PresentStatus.Boost",
        None,
        Flags::NONE,
        Conv::Bit(Bit::BOOST, Test::One),
    ), // 10
    row(
        "UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange",
        None,
        Flags::NONE,
        Conv::Bit(Bit::VRANGE, Test::OneOrYes),
    ), // 11
    row(
        "UPS.PowerConverter.Input[1].PresentStatus.FrequencyOutOfRange",
        None,
        Flags::NONE,
        Conv::Bit(Bit::FRANGE, Test::OneOrYes),
    ), // 12
    row(
        "UPS.PowerConverter.Input[1].PresentStatus.FuseFault",
        None,
        Flags::NONE,
        Conv::Bit(Bit::FUSEFAULT, Test::One),
    ), // 13
    row(
        "UPS.PowerConverter.Input[1].PresentStatus.InternalFailure",
        None,
        Flags::NONE,
        Conv::Bit(Bit::INTERNALFAULT, Test::One),
    ), // 14
    row(
        "UPS.PowerSummary.PresentStatus.Good",
        None,
        Flags::NONE,
        Conv::Bit(Bit::OFF, Test::Zero),
    ), // 15
    row(
        "UPS.PowerConverter.Input[2].PresentStatus.Used",
        None,
        Flags::NONE,
        Conv::Bit(Bit::BYPASSAUTO, Test::One),
    ), // 16
    row(
        "UPS.PowerConverter.Input[4].PresentStatus.Used",
        None,
        Flags::NONE,
        Conv::Bit(Bit::BYPASSMAN, Test::One),
    ), // 17
    row(
        "UPS.PowerSummary.PresentStatus.FanFailure",
        None,
        Flags::NONE,
        Conv::Bit(Bit::FANFAIL, Test::One),
    ), // 18
    row(
        "UPS.BatterySystem.Battery.PresentStatus.Present",
        None,
        Flags::NONE,
        Conv::Bit(Bit::NOBATTERY, Test::Zero),
    ), // 19
    row(
        "UPS.BatterySystem.Charger.PresentStatus.InternalFailure",
        None,
        Flags::NONE,
        Conv::Bit(Bit::CHARGERFAIL, Test::OneOrYes),
    ), // 20
    row(
        "UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh",
        None,
        Flags::NONE,
        Conv::Bit(Bit::BATTVOLTHI, Test::One),
    ), // 21
    row(
        "UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow",
        None,
        Flags::NONE,
        Conv::Bit(Bit::BATTVOLTLO, Test::One),
    ), // 22
    row(
        "UPS.PowerSummary.PresentStatus.InternalFailure",
        None,
        Flags::NONE,
        Conv::Bit(Bit::INTERNALFAULT, Test::One),
    ), // 23
    row(
        "UPS.PowerSummary.PresentStatus.CommunicationLost",
        None,
        Flags::NONE,
        Conv::Bit(Bit::COMMFAULT, Test::One),
    ), // 24
    row(
        "UPS.PowerSummary.PresentStatus.OverTemperature",
        None,
        Flags::NONE,
        Conv::Bit(Bit::OVERHEAT, Test::One),
    ), // 25
    row(
        "UPS.PowerSummary.RemainingCapacity",
        Some("battery.charge"),
        Flags::NONE,
        Conv::Raw,
    ), // 26
    row(
        "UPS.PowerSummary.RemainingCapacityLimitSetting",
        Some("battery.charge.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 27
    row(
        "UPS.PowerSummary.RemainingCapacityLimit",
        Some("battery.charge.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 28
    row(
        "UPS.PowerSummary.RestartLevel",
        Some("battery.charge.restart"),
        Flags::NONE,
        Conv::Raw,
    ), // 29
    row(
        "UPS.BatterySystem.Battery.DesignCapacity",
        Some("battery.capacity"),
        Flags::NONE,
        Conv::Capacity,
    ), // 30
    row(
        "UPS.PowerSummary.RunTimeToEmpty",
        Some("battery.runtime"),
        Flags::NONE,
        Conv::Raw,
    ), // 31
    row(
        "System.RunTimeToEmptyLimit",
        Some("battery.runtime.low"),
        Flags::RW,
        Conv::Raw,
    ), // 32
    row(
        "UPS.BatterySystem.Battery.Temperature",
        Some("battery.temperature"),
        Flags::NONE,
        Conv::Raw,
    ), // 33
    row(
        "UPS.BatterySystem.Battery.Count",
        Some("battery.packs.external"),
        Flags::NONE,
        Conv::Raw,
    ), // 34
    row(
        "UPS.PowerSummary.iDeviceChemistry",
        Some("battery.type"),
        Flags::STATIC,
        Conv::Raw,
    ), // 35
    row(
        "UPS.PowerSummary.iDeviceChemistery",
        Some("battery.type"),
        Flags::STATIC,
        Conv::Raw,
    ), // 36
    row(
        "UPS.BatterySystem.ConfigVoltage",
        Some("battery.voltage.nominal"),
        Flags::STATIC,
        Conv::Raw,
    ), // 37
    row(
        "UPS.BatterySystem.Battery.DeepDischargeProtection",
        Some("battery.protection"),
        Flags::NONE,
        Conv::YesNo,
    ), // 38
    row(
        "UPS.PowerConverter.Input[3].EnergySaving",
        Some("battery.energysave"),
        Flags::NONE,
        Conv::YesNo,
    ), // 39
    row(
        "UPS.PowerSummary.iManufacturer",
        Some("ups.mfr"),
        Flags::STATIC,
        Conv::Raw,
    ), // 40
    row(
        "System.Description",
        Some("ups.model"),
        Flags::STATIC,
        Conv::Raw,
    ), // 41
    row(
        "UPS.PowerSummary.iProduct",
        Some("ups.model"),
        Flags::STATIC,
        Conv::Raw,
    ), // 42
    row(
        "UPS.PowerSummary.iModel",
        Some("ups.model.aux"),
        Flags::STATIC,
        Conv::Raw,
    ), // 43
    row(
        "System.LastAcquisition",
        Some("ups.time"),
        Flags::NONE,
        Conv::Time,
    ), // 44
    row(
        "UPS.PowerSummary.iSerialNumber",
        Some("ups.serial"),
        Flags::STATIC,
        Conv::Raw,
    ), // 45
    row(
        "UPS.PowerSummary.iVersion",
        Some("ups.firmware"),
        Flags::STATIC,
        Conv::Raw,
    ), // 46
    row(
        "UPS.PowerSummary.PercentLoad",
        Some("ups.load"),
        Flags::NONE,
        Conv::Raw,
    ), // 47
    row(
        "UPS.Flow[4].ConfigPercentLoad",
        Some("ups.load.high"),
        Flags::NONE,
        Conv::Raw,
    ), // 48
    row(
        "System.ShutdownDuration",
        Some("ups.delay.shutdown"),
        Flags::RW,
        Conv::Raw,
    ), // 49
    row(
        "UPS.PowerSummary.DelayBeforeStartup",
        Some("ups.timer.start"),
        Flags::RW,
        Conv::Raw,
    ), // 50
    row(
        "UPS.PowerSummary.DelayBeforeShutdown",
        Some("ups.timer.shutdown"),
        Flags::RW,
        Conv::DelayBeforeShutdown,
    ), // 51
    row(
        "System.RunTimeToShutdown",
        None,
        Flags::NONE,
        Conv::RunTimeToShutdown,
    ), // 52
    row(
        "UPS.PowerSummary.DelayBeforeReboot",
        Some("ups.timer.reboot"),
        Flags::NONE,
        Conv::Raw,
    ), // 53
    row(
        "UPS.BatterySystem.Battery.Test",
        Some("ups.test.result"),
        Flags::NONE,
        Conv::TestResult,
    ), // 54
    row(
        "UPS.BatterySystem.Battery.TestPeriod",
        Some("ups.test.interval"),
        Flags::NONE,
        Conv::Raw,
    ), // 55
    row(
        "UPS.BatterySystem.Battery.AudibleAlarmControl",
        Some("ups.beeper.status"),
        Flags::NONE,
        Conv::Beeper,
    ), // 56
    row(
        "UPS.PowerSummary.AudibleAlarmControl",
        Some("ups.beeper.status"),
        Flags::NONE,
        Conv::Beeper,
    ), // 57
    row(
        "UPS.PowerSummary.Temperature",
        Some("ups.temperature"),
        Flags::NONE,
        Conv::Raw,
    ), // 58
    row(
        "UPS.Flow[4].ConfigApparentPower",
        Some("ups.power.nominal"),
        Flags::STATIC,
        Conv::Raw,
    ), // 59
    row(
        "UPS.PowerConverter.Output.ApparentPower",
        Some("ups.power"),
        Flags::NONE,
        Conv::Raw,
    ), // 60
    row(
        "UPS.PowerConverter.Output.Phase[1].ApparentPower",
        Some("ups.L1.power"),
        Flags::NONE,
        Conv::Raw,
    ), // 61
    row(
        "UPS.PowerConverter.Output.Phase[2].ApparentPower",
        Some("ups.L2.power"),
        Flags::NONE,
        Conv::Raw,
    ), // 62
    row(
        "UPS.PowerConverter.Output.Phase[3].ApparentPower",
        Some("ups.L3.power"),
        Flags::NONE,
        Conv::Raw,
    ), // 63
    row(
        "UPS.PowerConverter.Output.ActivePower",
        Some("ups.realpower"),
        Flags::NONE,
        Conv::Raw,
    ), // 64
    row(
        "UPS.PowerConverter.Output.Phase[1].ActivePower",
        Some("ups.L1.realpower"),
        Flags::NONE,
        Conv::Raw,
    ), // 65
    row(
        "UPS.PowerConverter.Output.Phase[2].ActivePower",
        Some("ups.L2.realpower"),
        Flags::NONE,
        Conv::Raw,
    ), // 66
    row(
        "UPS.PowerConverter.Output.Phase[3].ActivePower",
        Some("ups.L3.realpower"),
        Flags::NONE,
        Conv::Raw,
    ), // 67
    row(
        "UPS.Flow[4].ConfigActivePower",
        Some("ups.realpower.nominal"),
        Flags::STATIC,
        Conv::Raw,
    ), // 68
    row(
        "UPS.PowerConverter.Input[1].AutomaticRestart",
        Some("ups.start.auto"),
        Flags::NONE,
        Conv::YesNo,
    ), // 69
    row(
        "UPS.PowerConverter.Input[3].StartOnBattery",
        Some("ups.start.battery"),
        Flags::NONE,
        Conv::YesNo,
    ), // 70
    row(
        "UPS.PowerConverter.Output.ForcedReboot",
        Some("ups.start.reboot"),
        Flags::NONE,
        Conv::YesNo,
    ), // 71
    row(
        "UPS.PowerConverter.ConverterType",
        Some("ups.type"),
        Flags::STATIC,
        Conv::ConverterType,
    ), // 72
    row(
        "UPS.PowerConverter.Input[1].Voltage",
        Some("input.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 73
    row(
        "UPS.PowerConverter.Input[1].Phase[1].Voltage",
        Some("input.L1-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 74
    row(
        "UPS.PowerConverter.Input[1].Phase[2].Voltage",
        Some("input.L2-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 75
    row(
        "UPS.PowerConverter.Input[1].Phase[3].Voltage",
        Some("input.L3-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 76
    row(
        "UPS.PowerConverter.Input[1].Phase[12].Voltage",
        Some("input.L1-L2.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 77
    row(
        "UPS.PowerConverter.Input[1].Phase[23].Voltage",
        Some("input.L2-L3.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 78
    row(
        "UPS.PowerConverter.Input[1].Phase[31].Voltage",
        Some("input.L3-L1.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 79
    row(
        "UPS.PowerConverter.Input[1].Phase[11].Voltage",
        Some("input.L1-L2.voltage"),
        Flags::NONE,
        Conv::Deci,
    ), // 80
    row(
        "UPS.PowerConverter.Input[1].Phase[22].Voltage",
        Some("input.L2-L3.voltage"),
        Flags::NONE,
        Conv::Deci,
    ), // 81
    row(
        "UPS.PowerConverter.Input[1].Phase[33].Voltage",
        Some("input.L3-L1.voltage"),
        Flags::NONE,
        Conv::Deci,
    ), // 82
    row(
        "UPS.Flow[1].ConfigVoltage",
        Some("input.voltage.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 83
    row(
        "UPS.PowerConverter.Input[1].Current",
        Some("input.current"),
        Flags::NONE,
        Conv::Raw,
    ), // 84
    row(
        "UPS.PowerConverter.Input[1].Phase[1].Current",
        Some("input.L1.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 85
    row(
        "UPS.PowerConverter.Input[1].Phase[2].Current",
        Some("input.L2.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 86
    row(
        "UPS.PowerConverter.Input[1].Phase[3].Current",
        Some("input.L3.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 87
    row(
        "UPS.Flow[1].ConfigCurrent",
        Some("input.current.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 88
    row(
        "UPS.PowerConverter.Input[1].Frequency",
        Some("input.frequency"),
        Flags::NONE,
        Conv::Raw,
    ), // 89
    row(
        "UPS.Flow[1].ConfigFrequency",
        Some("input.frequency.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 90
    row(
        "UPS.PowerConverter.Output.ExtendedVoltageMode",
        Some("input.voltage.extended"),
        Flags::NONE,
        Conv::YesNo,
    ), // 91
    row(
        "UPS.PowerConverter.Output.ExtendedFrequencyMode",
        Some("input.frequency.extended"),
        Flags::NONE,
        Conv::YesNo,
    ), // 92
    row(
        "UPS.PowerConverter.Output.LowVoltageTransfer",
        Some("input.transfer.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 93
    row(
        "UPS.PowerConverter.Output.LowVoltageBoostTransfer",
        Some("input.transfer.boost.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 94
    row(
        "UPS.PowerConverter.Output.HighVoltageBoostTransfer",
        Some("input.transfer.boost.high"),
        Flags::NONE,
        Conv::Raw,
    ), // 95
    row(
        "UPS.PowerConverter.Output.LowVoltageBuckTransfer",
        Some("input.transfer.trim.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 96
    row(
        "UPS.PowerConverter.Output.HighVoltageTransfer",
        Some("input.transfer.high"),
        Flags::NONE,
        Conv::Raw,
    ), // 97
    row(
        "UPS.PowerConverter.Output.HighVoltageBuckTransfer",
        Some("input.transfer.trim.high"),
        Flags::NONE,
        Conv::Raw,
    ), // 98
    row(
        "UPS.PowerConverter.Output.SensitivityMode",
        Some("input.sensitivity"),
        Flags::NONE,
        Conv::Sensitivity,
    ), // 99
    row(
        "UPS.PowerConverter.Input[2].Voltage",
        Some("input.bypass.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 100
    row(
        "UPS.PowerConverter.Input[2].Phase[1].Voltage",
        Some("input.bypass.L1-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 101
    row(
        "UPS.PowerConverter.Input[2].Phase[2].Voltage",
        Some("input.bypass.L2-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 102
    row(
        "UPS.PowerConverter.Input[2].Phase[3].Voltage",
        Some("input.bypass.L3-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 103
    row(
        "UPS.PowerConverter.Input[2].Phase[12].Voltage",
        Some("input.bypass.L1-L2.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 104
    row(
        "UPS.PowerConverter.Input[2].Phase[23].Voltage",
        Some("input.bypass.L2-L3.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 105
    row(
        "UPS.PowerConverter.Input[2].Phase[31].Voltage",
        Some("input.bypass.L3-L1.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 106
    row(
        "UPS.PowerConverter.Input[2].Phase[11].Voltage",
        Some("input.bypass.L1-L2.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 107
    row(
        "UPS.PowerConverter.Input[2].Phase[22].Voltage",
        Some("input.bypass.L2-L3.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 108
    row(
        "UPS.PowerConverter.Input[2].Phase[33].Voltage",
        Some("input.bypass.L3-L1.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 109
    row(
        "UPS.Flow[2].ConfigVoltage",
        Some("input.bypass.voltage.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 110
    row(
        "UPS.PowerConverter.Input[2].Current",
        Some("input.bypass.current"),
        Flags::NONE,
        Conv::Raw,
    ), // 111
    row(
        "UPS.PowerConverter.Input[2].Phase[1].Current",
        Some("input.bypass.L1.current"),
        Flags::NONE,
        Conv::Raw,
    ), // 112
    row(
        "UPS.PowerConverter.Input[2].Phase[2].Current",
        Some("input.bypass.L2.current"),
        Flags::NONE,
        Conv::Raw,
    ), // 113
    row(
        "UPS.PowerConverter.Input[2].Phase[3].Current",
        Some("input.bypass.L3.current"),
        Flags::NONE,
        Conv::Raw,
    ), // 114
    row(
        "UPS.Flow[2].ConfigCurrent",
        Some("input.bypass.current.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 115
    row(
        "UPS.PowerConverter.Input[2].Frequency",
        Some("input.bypass.frequency"),
        Flags::NONE,
        Conv::Raw,
    ), // 116
    row(
        "UPS.Flow[2].ConfigFrequency",
        Some("input.bypass.frequency.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 117
    row(
        "UPS.PowerConverter.Output.Voltage",
        Some("output.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 118
    row(
        "UPS.PowerConverter.Output.Phase[1].Voltage",
        Some("output.L1-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 119
    row(
        "UPS.PowerConverter.Output.Phase[2].Voltage",
        Some("output.L2-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 120
    row(
        "UPS.PowerConverter.Output.Phase[3].Voltage",
        Some("output.L3-N.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 121
    row(
        "UPS.PowerConverter.Output.Phase[12].Voltage",
        Some("output.L1-L2.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 122
    row(
        "UPS.PowerConverter.Output.Phase[23].Voltage",
        Some("output.L2-L3.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 123
    row(
        "UPS.PowerConverter.Output.Phase[31].Voltage",
        Some("output.L3-L1.voltage"),
        Flags::NONE,
        Conv::Raw,
    ), // 124
    row(
        "UPS.PowerConverter.Output.Phase[11].Voltage",
        Some("output.L1-L2.voltage"),
        Flags::NONE,
        Conv::DeciNonZero,
    ), // 125
    row(
        "UPS.PowerConverter.Output.Phase[22].Voltage",
        Some("output.L2-L3.voltage"),
        Flags::NONE,
        Conv::DeciNonZero,
    ), // 126
    row(
        "UPS.PowerConverter.Output.Phase[33].Voltage",
        Some("output.L3-L1.voltage"),
        Flags::NONE,
        Conv::DeciNonZero,
    ), // 127
    row(
        "UPS.Flow[4].ConfigVoltage",
        Some("output.voltage.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 128
    row(
        "UPS.PowerConverter.Output.Current",
        Some("output.current"),
        Flags::NONE,
        Conv::Raw,
    ), // 129
    row(
        "UPS.PowerConverter.Output.Phase[1].Current",
        Some("output.L1.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 130
    row(
        "UPS.PowerConverter.Output.Phase[2].Current",
        Some("output.L2.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 131
    row(
        "UPS.PowerConverter.Output.Phase[3].Current",
        Some("output.L3.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 132
    row(
        "UPS.Flow[4].ConfigCurrent",
        Some("output.current.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 133
    row(
        "UPS.PowerConverter.Output.Frequency",
        Some("output.frequency"),
        Flags::NONE,
        Conv::Raw,
    ), // 134
    row(
        "UPS.Flow[4].ConfigFrequency",
        Some("output.frequency.nominal"),
        Flags::NONE,
        Conv::Raw,
    ), // 135
    row(
        "UPS.PowerConverter.Output.PowerFactor",
        Some("output.powerfactor"),
        Flags::NONE,
        Conv::PowerFactor,
    ), // 136
    row(
        "Environment.Humidity",
        Some("ambient.humidity"),
        Flags::NONE,
        Conv::Raw,
    ), // 137
    row(
        "Environment.Humidity.HighThreshold",
        Some("ambient.humidity.high"),
        Flags::RW,
        Conv::Raw,
    ), // 138
    row(
        "Environment.Humidity.LowThreshold",
        Some("ambient.humidity.low"),
        Flags::RW,
        Conv::Raw,
    ), // 139
    row(
        "Environment.PresentStatus.HighHumidity",
        Some("ambient.humidity.maximum"),
        Flags::NONE,
        Conv::Transverse,
    ), // 140
    row(
        "Environment.PresentStatus.LowHumidity",
        Some("ambient.humidity.minimum"),
        Flags::NONE,
        Conv::Transverse,
    ), // 141
    row(
        "Environment.Temperature",
        Some("ambient.temperature"),
        Flags::NONE,
        Conv::Raw,
    ), // 142
    row(
        "Environment.Temperature.HighThreshold",
        Some("ambient.temperature.high"),
        Flags::RW,
        Conv::Raw,
    ), // 143
    row(
        "Environment.Temperature.LowThreshold",
        Some("ambient.temperature.low"),
        Flags::RW,
        Conv::Raw,
    ), // 144
    row(
        "Environment.PresentStatus.HighTemperature",
        Some("ambient.temperature.maximum"),
        Flags::NONE,
        Conv::Transverse,
    ), // 145
    row(
        "Environment.PresentStatus.LowTemperature",
        Some("ambient.temperature.minimum"),
        Flags::NONE,
        Conv::Transverse,
    ), // 146
    row(
        "Environment.Input[1].PresentStatus.State",
        Some("ambient.contacts.1.status"),
        Flags::NONE,
        Conv::Contact,
    ), // 147
    row(
        "Environment.Input[2].PresentStatus.State",
        Some("ambient.contacts.2.status"),
        Flags::NONE,
        Conv::Contact,
    ), // 148
    row(
        "UPS.OutletSystem.Outlet[1].OutletID",
        Some("outlet.id"),
        Flags::NONE,
        Conv::Raw,
    ), // 149
    row(
        "UPS.OutletSystem.Outlet[1].iName",
        Some("outlet.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 150
    row(
        "UPS.OutletSystem.Outlet[1].PresentStatus.Switchable",
        Some("outlet.switchable"),
        Flags::NONE,
        Conv::YesNo,
    ), // 151
    row(
        "UPS.OutletSystem.Outlet[2].OutletID",
        Some("outlet.1.id"),
        Flags::NONE,
        Conv::Raw,
    ), // 152
    row(
        "UPS.OutletSystem.Outlet[2].iName",
        Some("outlet.1.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 153
    row(
        "UPS.OutletSystem.Outlet[2].PresentStatus.Switchable",
        Some("outlet.1.switchable"),
        Flags::NONE,
        Conv::YesNo,
    ), // 154
    row(
        "UPS.OutletSystem.Outlet[2].PresentStatus.SwitchOnOff",
        Some("outlet.1.status"),
        Flags::NONE,
        Conv::OnOff,
    ), // 155
    row(
        "UPS.PowerSummary.PresentStatus.ACPresent",
        Some("outlet.1.status"),
        Flags::NONE,
        Conv::Raw,
    ), // 156
    row(
        "UPS.OutletSystem.Outlet[2].RemainingCapacityLimit",
        Some("outlet.1.battery.charge.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 157
    row(
        "UPS.OutletSystem.Outlet[2].DelayBeforeStartup",
        Some("outlet.1.timer.start"),
        Flags::NONE,
        Conv::Raw,
    ), // 158
    row(
        "UPS.OutletSystem.Outlet[2].DelayBeforeShutdown",
        Some("outlet.1.timer.shutdown"),
        Flags::NONE,
        Conv::Raw,
    ), // 159
    row(
        "UPS.OutletSystem.Outlet[2].StartupTimer",
        Some("outlet.1.delay.start"),
        Flags::NONE,
        Conv::Raw,
    ), // 160
    row(
        "System.Outlet[2].ShutdownDuration",
        Some("outlet.1.delay.shutdown"),
        Flags::RW,
        Conv::Raw,
    ), // 161
    row(
        "UPS.OutletSystem.Outlet[3].OutletID",
        Some("outlet.2.id"),
        Flags::NONE,
        Conv::Raw,
    ), // 162
    row(
        "UPS.OutletSystem.Outlet[3].iName",
        Some("outlet.2.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 163
    row(
        "UPS.OutletSystem.Outlet[3].PresentStatus.Switchable",
        Some("outlet.2.switchable"),
        Flags::NONE,
        Conv::YesNo,
    ), // 164
    row(
        "UPS.OutletSystem.Outlet[3].PresentStatus.SwitchOnOff",
        Some("outlet.2.status"),
        Flags::NONE,
        Conv::OnOff,
    ), // 165
    row(
        "UPS.OutletSystem.Outlet[3].RemainingCapacityLimit",
        Some("outlet.2.battery.charge.low"),
        Flags::NONE,
        Conv::Raw,
    ), // 166
    row(
        "UPS.OutletSystem.Outlet[3].DelayBeforeStartup",
        Some("outlet.2.timer.start"),
        Flags::NONE,
        Conv::Raw,
    ), // 167
    row(
        "UPS.OutletSystem.Outlet[3].DelayBeforeShutdown",
        Some("outlet.2.timer.shutdown"),
        Flags::NONE,
        Conv::Raw,
    ), // 168
    row(
        "UPS.OutletSystem.Outlet[3].StartupTimer",
        Some("outlet.2.delay.start"),
        Flags::NONE,
        Conv::Raw,
    ), // 169
    row(
        "System.Outlet[3].ShutdownDuration",
        Some("outlet.2.delay.shutdown"),
        Flags::RW,
        Conv::Raw,
    ), // 170
    row(
        "PDU.OutletSystem.Outlet[1].iName",
        Some("outlet.1.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 171
    row(
        "PDU.OutletSystem.Outlet[1].Current",
        Some("outlet.1.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 172
    row(
        "PDU.OutletSystem.Outlet[2].iName",
        Some("outlet.2.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 173
    row(
        "PDU.OutletSystem.Outlet[2].Current",
        Some("outlet.2.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 174
    row(
        "PDU.OutletSystem.Outlet[3].iName",
        Some("outlet.3.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 175
    row(
        "PDU.OutletSystem.Outlet[3].Current",
        Some("outlet.3.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 176
    row(
        "PDU.OutletSystem.Outlet[2].iName",
        Some("outlet.4.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 177
    row(
        "PDU.OutletSystem.Outlet[2].Current",
        Some("outlet.4.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 178
    row(
        "PDU.OutletSystem.Outlet[3].iName",
        Some("outlet.5.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 179
    row(
        "PDU.OutletSystem.Outlet[3].Current",
        Some("outlet.5.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 180
    row(
        "PDU.OutletSystem.Outlet[2].iName",
        Some("outlet.6.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 181
    row(
        "PDU.OutletSystem.Outlet[2].Current",
        Some("outlet.6.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 182
    row(
        "PDU.OutletSystem.Outlet[3].iName",
        Some("outlet.7.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 183
    row(
        "PDU.OutletSystem.Outlet[3].Current",
        Some("outlet.7.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 184
    row(
        "PDU.OutletSystem.Outlet[2].iName",
        Some("outlet.8.desc"),
        Flags::NONE,
        Conv::Raw,
    ), // 185
    row(
        "PDU.OutletSystem.Outlet[2].Current",
        Some("outlet.8.current"),
        Flags::NONE,
        Conv::Deci,
    ), // 186
];
