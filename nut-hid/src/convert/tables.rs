//! Value tables: a numeric HID value (truncated toward zero) to a text, as
//! NUT's `info_lkp_t` arrays without a function. The first matching entry
//! wins when reading; when writing, the first entry whose text equals the
//! requested text exactly gives the number.
//!
//! Shared tables are NUT's `usbhid-ups.c` ones (hid-maps.md §3); the
//! subdriver tables are listed with their subdriver in §2. Status tables
//! produce the internal status tokens of [`crate::mapper::StatusBits`].

/// A named value table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueTable {
    /// The table's name in NUT (`online_info`, `beeper_info`, …).
    pub name: &'static str,
    /// (key, text) pairs in NUT's order.
    pub entries: &'static [(i64, &'static str)],
}

impl ValueTable {
    /// The text for `key` (first match).
    #[must_use]
    pub fn text(&self, key: i64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, text)| *text)
    }

    /// The key for `text` (first exact, case-sensitive match).
    #[must_use]
    pub fn key(&self, text: &str) -> Option<i64> {
        self.entries
            .iter()
            .find(|(_, t)| *t == text)
            .map(|(key, _)| *key)
    }
}

macro_rules! tables {
    ($($(#[$doc:meta])* $id:ident = $name:literal [$($key:literal => $text:literal),* $(,)?];)*) => {
        $(
            $(#[$doc])*
            pub static $id: ValueTable = ValueTable {
                name: $name,
                entries: &[$(($key, $text)),*],
            };
        )*
    };
}

tables! {
    /// `ACPresent`: 1 online, 0 offline.
    ONLINE = "online_info" [1 => "online", 0 => "offline"];
    /// `Discharging`.
    DISCHARGING = "discharging_info" [1 => "dischrg", 0 => "!dischrg"];
    /// `Charging`.
    CHARGING = "charging_info" [1 => "chrg", 0 => "!chrg"];
    /// `BelowRemainingCapacityLimit`.
    LOWBATT = "lowbatt_info" [1 => "lowbatt", 0 => "!lowbatt"];
    /// `Overload`.
    OVERLOAD = "overload_info" [1 => "overload", 0 => "!overload"];
    /// `NeedReplacement`.
    REPLACEBATT = "replacebatt_info" [1 => "replacebatt", 0 => "!replacebatt"];
    /// `Buck`.
    TRIM = "trim_info" [1 => "trim", 0 => "!trim"];
    /// `Boost`.
    BOOST = "boost_info" [1 => "boost", 0 => "!boost"];
    /// Automatic bypass (Eaton).
    BYPASS_AUTO = "bypass_auto_info" [1 => "bypassauto", 0 => "!bypassauto"];
    /// Manual bypass (Eaton).
    BYPASS_MANUAL = "bypass_manual_info" [1 => "bypassman", 0 => "!bypassman"];
    /// ECO/ESS mode (Eaton); `normal` is no token, so the bits never clear.
    ECO_MODE = "eco_mode_info" [0 => "normal", 1 => "ecomode", 2 => "essmode"];
    /// `Good`: 0 means off.
    OFF = "off_info" [0 => "off", 1 => "!off"];
    /// Calibration (unused by the current subdrivers).
    CALIBRATION = "calibration_info" [1 => "cal", 0 => "!cal"];
    /// `BatteryPresent`: 0 means no battery.
    NOBATTERY = "nobattery_info" [1 => "!nobattery", 0 => "nobattery"];
    /// Fan failure.
    FANFAIL = "fanfail_info" [1 => "fanfail", 0 => "!fanfail"];
    /// `ShutdownImminent`.
    SHUTDOWNIMM = "shutdownimm_info" [1 => "shutdownimm", 0 => "!shutdownimm"];
    /// `OverTemperature`.
    OVERHEAT = "overheat_info" [1 => "overheat", 0 => "!overheat"];
    /// `AwaitingPower`.
    AWAITINGPOWER = "awaitingpower_info" [1 => "awaitingpower", 0 => "!awaitingpower"];
    /// `InternalFailure` / `CommunicationLost`.
    COMMFAULT = "commfault_info" [1 => "commfault", 0 => "!commfault"];
    /// `RemainingTimeLimitExpired`.
    TIMELIMITEXPIRED = "timelimitexpired_info" [1 => "timelimitexp", 0 => "!timelimitexp"];
    /// Battery voltage too low (Eaton).
    BATTVOLTLO = "battvoltlo_info" [1 => "battvoltlo", 0 => "!battvoltlo"];
    /// Battery voltage too high (Eaton).
    BATTVOLTHI = "battvolthi_info" [1 => "battvolthi", 0 => "!battvolthi"];
    /// Charger failure (Eaton).
    CHARGERFAIL = "chargerfail_info" [1 => "chargerfail", 0 => "!chargerfail"];
    /// `FullyCharged`.
    FULLYCHARGED = "fullycharged_info" [1 => "fullycharged", 0 => "notfullycharged"];
    /// `FullyDischarged`.
    DEPLETED = "depleted_info" [1 => "depleted", 0 => "!depleted"];
    /// `VoltageOutOfRange`.
    VRANGE = "vrange_info" [0 => "!vrange", 1 => "vrange"];
    /// `FrequencyOutOfRange`.
    FRANGE = "frange_info" [0 => "!frange", 1 => "frange"];
    /// Test commands (unused by the current subdrivers).
    TEST_WRITE = "test_write_info" [0 => "No test", 1 => "Quick test", 2 => "Deep test", 3 => "Abort test"];
    /// `Test` read back: the result of the last test.
    TEST_READ = "test_read_info" [
        1 => "Done and passed", 2 => "Done and warning", 3 => "Done and error", 4 => "Aborted",
        5 => "In progress", 6 => "No test initiated", 7 => "Test scheduled",
    ];
    /// `AudibleAlarmControl`.
    BEEPER = "beeper_info" [1 => "disabled", 2 => "enabled", 3 => "muted"];
    /// Yes/no.
    YES_NO = "yes_no_info" [0 => "no", 1 => "yes"];
    /// On/off.
    ON_OFF = "on_off_info" [0 => "off", 1 => "on"];

    /// mge: `ChargerType`.
    EATON_CHARGER_TYPE = "eaton_charger_type_info" [
        0 => "None", 1 => "Extended (CLA)", 2 => "Large extension",
        3 => "Extra large extension (XL)", 4 => "ABM", 5 => "Constant Charge (CC)",
    ];
    /// mge: enable/disable settings.
    EATON_ENABLE_DISABLE = "eaton_enable_disable_info" [0 => "disabled", 1 => "enabled"];
    /// mge: `ConverterType`.
    MGE_UPSTYPE = "mge_upstype_conversion" [
        1 => "offline / line interactive", 2 => "online", 3 => "online - unitary/parallel",
        4 => "online - parallel with hot standy", 5 => "online - hot standby redundancy",
    ];
    /// mge: `SensitivityMode`.
    MGE_SENSITIVITY = "mge_sensitivity_info" [0 => "normal", 1 => "high", 2 => "low"];
    /// mge alarm: emergency stop.
    MGE_EMERGENCY_STOP = "mge_emergency_stop" [1 => "Emergency stop!"];
    /// mge alarm: wiring fault.
    MGE_WIRING_FAULT = "mge_wiring_fault" [1 => "Wiring fault!"];
    /// mge alarm: EEPROM fault.
    MGE_CONFIG_FAILURE = "mge_config_failure" [1 => "Fatal EEPROM fault!"];
    /// mge alarm: inverter voltage too high.
    MGE_INVERTER_VOLTHI = "mge_inverter_volthi" [1 => "Inverter AC voltage too high!"];
    /// mge alarm: inverter voltage too low.
    MGE_INVERTER_VOLTLO = "mge_inverter_voltlo" [1 => "Inverter AC voltage too low!"];
    /// mge alarm: output short circuit.
    MGE_SHORT_CIRCUIT = "mge_short_circuit" [1 => "Output short circuit!"];
    /// mge: a converter input in use means on battery.
    MGE_ONBATT = "mge_onbatt_info" [1 => "!online", 0 => "online"];
    /// mge: outlet ECO control.
    OUTLET_ECO_YES_NO = "outlet_eco_yes_no_info" [
        0 => "The outlet is not ECO controlled", 1 => "The outlet is ECO controlled",
    ];
    /// mge: bypass switch-off control.
    EATON_BYPASS_MODE_OFF = "eaton_input_bypass_mode_off_info" [0 => "disabled", 1 => "off"];
    /// mge: outlet protection status.
    EATON_OUTLET_PROTECTION = "eaton_outlet_protection_status_info" [
        0 => "not powered", 1 => "not protected", 2 => "protected",
    ];

    /// apc: `APCStatusFlag` (8 normal, 16 powering on, 0 off).
    APC_STATUSFLAG = "apcstatusflag_info" [8 => "!off", 16 => "!off", 0 => "off"];
    /// apc: `APCLineFailCause` voltage causes.
    APC_LINEFAILCAUSE_VRANGE = "apc_linefailcause_vrange_info" [
        1 => "vrange", 2 => "vrange", 4 => "vrange", 8 => "vrange", 9 => "vrange", 0 => "!vrange",
    ];
    /// apc: `APCLineFailCause` frequency cause.
    APC_LINEFAILCAUSE_FRANGE = "apc_linefailcause_frange_info" [7 => "frange", 0 => "!frange"];
    /// apc: `APCSensitivity`.
    APC_SENSITIVITY = "apc_sensitivity_info" [0 => "low", 1 => "medium", 2 => "high"];
    /// belkin: `BELKINTest` results.
    BELKIN_TEST = "belkin_test_info" [
        0 => "No test initiated", 1 => "Done and passed", 2 => "Done and warning",
        3 => "Done and error", 4 => "Aborted", 5 => "In progress",
    ];
    /// cps: `CPSInputSensitivity`.
    CPS_SENSITIVITY = "cps_sensitivity_info" [0 => "low", 1 => "normal", 2 => "high"];
    /// delta_ups: `DeltaConfigSensitivity`.
    DELTA_SENSITIVITY = "delta_ups_sensitivity_info" [0 => "normal", 1 => "reduced", 2 => "low"];
    /// delta_ups: `DeltaOutputSource`.
    DELTA_OUTPUT_SOURCE = "delta_ups_output_source_info" [
        0 => "normal", 1 => "battery", 2 => "bypass/reserve", 3 => "reducing", 4 => "boosting",
        5 => "manual bypass", 6 => "other", 7 => "no output", 8 => "on eco",
    ];
    /// powercom: `AudibleAlarmControl` (1 enabled, 2 disabled).
    POWERCOM_BEEPER = "powercom_beeper_info" [1 => "enabled", 2 => "disabled"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_wins_both_ways() {
        assert_eq!(APC_STATUSFLAG.text(16), Some("!off"));
        assert_eq!(APC_STATUSFLAG.key("!off"), Some(8));
        assert_eq!(APC_LINEFAILCAUSE_VRANGE.text(3), None);
        assert_eq!(
            BEEPER.key("Enabled"),
            None,
            "text matching is case-sensitive"
        );
        assert_eq!(TEST_READ.text(0), None);
        assert_eq!(BELKIN_TEST.text(0), Some("No test initiated"));
    }
}
