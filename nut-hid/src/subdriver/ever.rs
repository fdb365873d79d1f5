//! `ever` — "Ever HID 0.10" (hid-maps.md §2.9). Vendor code 0 names the
//! usage-less top collection (`UPS.EVER1.…`); several conversions decode
//! raw report bytes.

use super::c::*;
use super::{Row, Subdriver, SubdriverId, UsbId};
use crate::convert::Function as F;
use crate::usage::VendorTable;

pub(super) static SUBDRIVER: Subdriver = Subdriver {
    id: SubdriverId::Ever,
    short_name: "ever",
    name: "Ever HID 0.10",
    usb_ids: USB_IDS,
    vendor_table: Some(VendorTable::Ever),
    rows: ROWS,
    mfr_fallback: Some("Ever"),
    hint: "Ever",
};

static USB_IDS: &[UsbId] = &[
    UsbId::new(0x0483, 0xa113),
    UsbId::new(0x2e51, 0xffff),
    UsbId::new(0x2e51, 0x0000),
];

static ROWS: &[Row] = &[
    Row::var(
        "experimental.battery.batteryid",
        "UPS.BatterySystem.Battery.BatteryID",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.systemid",
        "UPS.BatterySystem.BatterySystemID",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.chargerid",
        "UPS.BatterySystem.Charger.ChargerID",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.input_flowid",
        "UPS.BatterySystem.Input.FlowID",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.input_id",
        "UPS.BatterySystem.Input.InputID",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.output_flowid",
        "UPS.BatterySystem.Output.FlowID",
        "%.0f",
    ),
    Row::var(
        "experimental.battery.output_id",
        "UPS.BatterySystem.Output.OutputID",
        "%.0f",
    ),
    Row::conv(
        "experimental.id.firmware_version_inverter",
        "UPS.EVER1.EVER13",
        func(F::EverVersion),
    ),
    Row::conv(
        "experimental.id.firmware_version_interfaces",
        "UPS.EVER1.EVER14",
        func(F::EverVersion),
    ),
    Row::conv(
        "experimental.id.hardware_version",
        "UPS.EVER1.EVER15",
        func(F::EverHardware),
    ),
    Row::conv(
        "experimental.id.protocol_version_inverter",
        "UPS.EVER1.EVER16",
        func(F::EverVersion),
    ),
    Row::conv(
        "experimental.id.protocol_version_interfaces",
        "UPS.EVER1.EVER17",
        func(F::EverVersion),
    ),
    Row::conv("ups.temperature", "UPS.EVER1.EVER42", KELVIN),
    Row::conv("battery.temperature", "UPS.EVER1.EVER43", KELVIN),
    Row::var("output.powerfactor", "UPS.EVER1.EVER44", "%.0f"),
    Row::var(
        "experimental.control.ups_on",
        "UPS.EVER1.EVER45.EVER46",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.control.clear_fault",
        "UPS.EVER1.EVER45.EVER47",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.control.clear_battery_fault",
        "UPS.EVER1.EVER45.EVER48",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.control.epo_blocked",
        "UPS.EVER1.EVER49.EVER50",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.control.green_mode",
        "UPS.EVER1.EVER49.EVER51",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.control.button_sound",
        "UPS.EVER1.EVER49.EVER52",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.control.audible_alarm",
        "UPS.EVER1.EVER49.EVER53",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var("output.voltage", "UPS.EVER1.EVER54", "%.0f")
        .rw()
        .string(3),
    Row::var(
        "experimental.config.overload_clearance_threshold",
        "UPS.EVER1.EVER59",
        "%.0f",
    )
    .rw()
    .string(2),
    Row::var("experimental.config.stb_charge", "UPS.EVER1.EVER60", "%.0f")
        .rw()
        .string(2),
    Row::var("battery.packs.external", "UPS.EVER1.EVER61", "%.0f")
        .rw()
        .string(1),
    Row::var(
        "experimental.statistics.mains_loss_counter",
        "UPS.EVER1.EVER62",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.lowering_AVR_trigger_counter",
        "UPS.EVER1.EVER63",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.rising_AVR_trigger_counter",
        "UPS.EVER1.EVER64",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.overload_counter",
        "UPS.EVER1.EVER65",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.short_circuit_counter",
        "UPS.EVER1.EVER66",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.discharge_counter",
        "UPS.EVER1.EVER67",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.overheat_counter",
        "UPS.EVER1.EVER68",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.mains_operation_time",
        "UPS.EVER1.EVER69",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.autonomous_operation_time",
        "UPS.EVER1.EVER70",
        "%.0f",
    ),
    Row::var(
        "experimental.statistics.overload_operation_time",
        "UPS.EVER1.EVER71",
        "%.0f",
    ),
    Row::conv(
        "experimental.networkcard.mac_address",
        "UPS.EVER1.EVER72",
        func(F::EverMacAddress),
    ),
    Row::conv(
        "experimental.networkcard.notification_destination_ip",
        "UPS.EVER1.EVER73",
        func(F::EverIpAddress),
    ),
    Row::conv(
        "experimental.networkcard.send_packets",
        "UPS.EVER1.EVER77",
        func(F::EverPackets),
    ),
    Row::conv(
        "experimental.networkcard.received_packets",
        "UPS.EVER1.EVER78",
        func(F::EverPackets),
    ),
    Row::conv(
        "experimental.networkcard.send_packets_err",
        "UPS.EVER1.EVER79",
        func(F::EverPackets),
    ),
    Row::conv(
        "experimental.networkcard.received_packets_err",
        "UPS.EVER1.EVER80",
        func(F::EverPackets),
    ),
    Row::var(
        "experimental.networkcard.config_dhcp_enabled",
        "UPS.EVER1.EVER85.EVER86",
        "%.0f",
    ),
    Row::var(
        "experimental.networkcard.config_ethernet_enabled",
        "UPS.EVER1.EVER85.EVER87",
        "%.0f",
    ),
    Row::var(
        "experimental.networkcard.config_http_enabled",
        "UPS.EVER1.EVER85.EVER88",
        "%.0f",
    ),
    Row::var(
        "experimental.networkcard.config_snmp_enabled",
        "UPS.EVER1.EVER85.EVER89",
        "%.0f",
    ),
    Row::var(
        "experimental.networkcard.config_snmp_trap_enabled",
        "UPS.EVER1.EVER85.EVER90",
        "%.0f",
    ),
    Row::var(
        "experimental.networkcard.config_readonly",
        "UPS.EVER1.EVER85.EVER91",
        "%.0f",
    ),
    Row::var(
        "experimental.networkcard.config_restart_eth",
        "UPS.EVER1.EVER85.EVER96",
        "%.0f",
    ),
    Row::conv(
        "experimental.networkcard.ip_address",
        "UPS.EVER1.EVER93",
        func(F::EverIpAddress),
    ),
    Row::conv(
        "experimental.networkcard.network_mask",
        "UPS.EVER1.EVER94",
        func(F::EverIpAddress),
    ),
    Row::conv(
        "experimental.networkcard.default_gateway",
        "UPS.EVER1.EVER95",
        func(F::EverIpAddress),
    ),
    Row::var(
        "ups.realpower.nominal",
        "UPS.Flow.ConfigActivePower",
        "%.0f",
    ),
    Row::var("ups.power.nominal", "UPS.Flow.ConfigApparentPower", "%.0f"),
    Row::var(
        "output.frequency.nominal",
        "UPS.Flow.ConfigFrequency",
        "%.0f",
    ),
    Row::var("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.0f"),
    Row::var("experimental.ups.flow_id", "UPS.Flow.FlowID", "%.0f"),
    Row::var("outlet.1.id", "UPS.OutletSystem.Outlet.OutletID", "%.0f"),
    Row::conv(
        "experimental.outlet.1.present",
        "UPS.OutletSystem.Outlet.PresentStatus.Present",
        YES_NO,
    ),
    Row::conv(
        "outlet.1.switchable",
        "UPS.OutletSystem.Outlet.PresentStatus.Switchable",
        YES_NO,
    ),
    Row::var(
        "outlet.1.status",
        "UPS.OutletSystem.Outlet.PresentStatus.SwitchOn/Off",
        "%.0f",
    ),
    Row::var(
        "experimental.outlet.1.undefined",
        "UPS.OutletSystem.Outlet.PresentStatus.Undefined",
        "%.0f",
    ),
    Row::var(
        "experimental.outlet.1.system_id",
        "UPS.OutletSystem.OutletSystemID",
        "%.0f",
    ),
    Row::var(
        "experimental.outlet.1.switch_off_control",
        "UPS.OutletSystem.Outlet.SwitchOffControl",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.outlet.1.switch_on_control",
        "UPS.OutletSystem.Outlet.SwitchOnControl",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var(
        "experimental.powerconverter.input_flow_id",
        "UPS.PowerConverter.Input.FlowID",
        "%.0f",
    ),
    Row::var(
        "input.frequency",
        "UPS.PowerConverter.Input.Frequency",
        "%.0f",
    ),
    Row::var(
        "experimental.powerconverter.input_id",
        "UPS.PowerConverter.Input.InputID",
        "%.0f",
    ),
    Row::var("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.0f"),
    Row::var(
        "ups.realpower",
        "UPS.PowerConverter.Output.ActivePower",
        "%.0f",
    ),
    Row::var(
        "ups.power",
        "UPS.PowerConverter.Output.ApparentPower",
        "%.0f",
    ),
    Row::var(
        "output.current",
        "UPS.PowerConverter.Output.Current",
        "%.0f",
    ),
    Row::var(
        "experimental.powerconverter.output_flowid",
        "UPS.PowerConverter.Output.FlowID",
        "%.0f",
    ),
    Row::var(
        "output.frequency",
        "UPS.PowerConverter.Output.Frequency",
        "%.0f",
    ),
    Row::var(
        "experimental.powerconverter.output_id",
        "UPS.PowerConverter.Output.OutputID",
        "%.0f",
    ),
    Row::var("ups.load", "UPS.PowerConverter.Output.PercentLoad", "%.0f"),
    Row::var(
        "output.voltage",
        "UPS.PowerConverter.Output.Voltage",
        "%.0f",
    ),
    Row::var(
        "experimental.powerconverter.powerconverterid",
        "UPS.PowerConverter.PowerConverterID",
        "%.0f",
    ),
    Row::var(
        "experimental.powersummary.capacity_granularity_1",
        "UPS.PowerSummary.CapacityGranularity1",
        "%.0f",
    ),
    Row::var(
        "experimental.powersummary.capacity_granularity_2",
        "UPS.PowerSummary.CapacityGranularity2",
        "%.0f",
    ),
    Row::var(
        "experimental.powersummary.capacity_mode",
        "UPS.PowerSummary.CapacityMode",
        "%.0f",
    ),
    Row::absent(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "20",
    )
    .rw()
    .string(10),
    Row::var(
        "battery.capacity",
        "UPS.PowerSummary.DesignCapacity",
        "%.0f",
    ),
    Row::var(
        "experimental.powersummary.flow_id",
        "UPS.PowerSummary.FlowID",
        "%.0f",
    ),
    Row::var(
        "battery.capacity",
        "UPS.PowerSummary.FullChargeCapacity",
        "%.0f",
    ),
    Row::var("battery.type", "UPS.PowerSummary.iDeviceChemistry", "%.0f"),
    Row::var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    Row::var(
        "experimental.powersummary.rechargeable",
        "UPS.PowerSummary.Rechargeable",
        "%.0f",
    ),
    Row::var(
        "battery.charge",
        "UPS.PowerSummary.RemainingCapacity",
        "%.0f",
    ),
    Row::var(
        "battery.runtime.low",
        "UPS.PowerSummary.RemainingTimeLimit",
        "%.0f",
    )
    .rw()
    .number(),
    Row::var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f"),
    Row::var("battery.voltage", "UPS.PowerSummary.Voltage", "%.0f"),
    Row::var(
        "ups.timer.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "%.0f",
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.ACPresent", ONLINE).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.AwaitingPower",
        AWAITINGPOWER,
    )
    .quick(),
    Row::status("UPS.PowerSummary.PresentStatus.BatteryPresent", NOBATTERY),
    Row::status(
        "UPS.PowerSummary.PresentStatus.CommunicationLost",
        COMMFAULT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Discharging", DISCHARGING).quick(),
    Row::status(
        "UPS.PowerSummary.PresentStatus.NeedReplacement",
        REPLACEBATT,
    ),
    Row::status("UPS.PowerSummary.PresentStatus.Overload", OVERLOAD).quick(),
    Row::status("UPS.PowerSummary.PresentStatus.OverTemperature", OVERHEAT),
    Row::status(
        "UPS.PowerSummary.PresentStatus.ShutdownImminent",
        SHUTDOWNIMM,
    ),
    Row::status("UPS.EVER1.EVER18.EVER19", OVERLOAD),
    Row::status("UPS.EVER1.EVER18.EVER20", LOWBATT),
    Row::status("UPS.EVER1.EVER18.EVER21", BOOST),
    Row::status("UPS.EVER1.EVER18.EVER22", TRIM),
    Row::status("UPS.EVER1.EVER18.EVER25", CHARGING),
    Row::status("UPS.EVER1.EVER18.EVER28", REPLACEBATT),
    Row::status("UPS.EVER1.EVER32.EVER33", OVERLOAD),
    Row::status("UPS.EVER1.EVER32.EVER40", COMMFAULT),
    Row::status("UPS.EVER1.EVER97.EVER102", func(F::EverOnOff)),
    Row::conv(
        "experimental.status.workmode",
        "UPS.EVER1.EVER97.EVER98",
        func(F::EverWorkMode),
    ),
    Row::conv(
        "experimental.status.messages",
        "UPS.EVER1.EVER18.EVER28",
        func(F::EverMessages),
    ),
    Row::conv(
        "experimental.status.alarms",
        "UPS.EVER1.EVER32.EVER33",
        func(F::EverAlarms),
    ),
    Row::cmd(
        "load.off.delay",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "20",
    ),
    Row::cmd(
        "shutdown.return",
        "UPS.PowerSummary.DelayBeforeShutdown",
        "20",
    ),
];
