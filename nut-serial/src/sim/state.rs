//! The state of a simulated Megatec/Q* UPS, settable from NUT variables.

use std::time::Duration;

use super::dialects::DialectState;

/// The eight Megatec status bits (b7…b0, qx-protocols §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bits {
    /// b7: utility fail (on battery).
    pub utility_fail: bool,
    /// b6: battery low.
    pub battery_low: bool,
    /// b5: bypass/boost/buck active.
    pub bypass_boost_buck: bool,
    /// b4: UPS failed.
    pub ups_failed: bool,
    /// b3: line-interactive (offline) type.
    pub line_interactive: bool,
    /// b2: self-test in progress.
    pub test_in_progress: bool,
    /// b1: shutdown active.
    pub shutdown_active: bool,
    /// b0: beeper on.
    pub beeper_on: bool,
}

impl Bits {
    /// The eight `0`/`1` characters, b7 first.
    pub fn to_chars(self) -> String {
        [
            self.utility_fail,
            self.battery_low,
            self.bypass_boost_buck,
            self.ups_failed,
            self.line_interactive,
            self.test_in_progress,
            self.shutdown_active,
            self.beeper_on,
        ]
        .iter()
        .map(|b| if *b { '1' } else { '0' })
        .collect()
    }
}

/// Three-phase readings (q2/q6).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThreePhase {
    /// Input L1-N … L3-N voltages.
    pub input_voltage: [Option<f64>; 3],
    /// Output L1-N … L3-N voltages.
    pub output_voltage: [Option<f64>; 3],
    /// Output L1 … L3 load (%).
    pub load: [Option<f64>; 3],
    /// Output L1 … L3 real power (W).
    pub realpower: [Option<f64>; 3],
    /// Output L1 … L3 apparent power (VA).
    pub power: [Option<f64>; 3],
    /// Output L1 … L3 current (A).
    pub current: [Option<f64>; 3],
    /// Total real power (W).
    pub total_realpower: Option<f64>,
    /// Total apparent power (VA).
    pub total_power: Option<f64>,
    /// Negative battery voltage (q6).
    pub battery_negative: Option<f64>,
    /// Input topology star (`true`) or delta; `None` is sent as `-`.
    pub input_star: Option<bool>,
    /// Output topology star (`true`) or delta; `None` is sent as `-`.
    pub output_star: Option<bool>,
}

/// Everything the simulated UPS reports. `None` numbers are sent as
/// dashes (`---.-`), as real units do for missing sensors.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceState {
    /// `input.voltage`.
    pub input_voltage: Option<f64>,
    /// `input.voltage.fault`.
    pub input_voltage_fault: Option<f64>,
    /// `output.voltage`.
    pub output_voltage: Option<f64>,
    /// `ups.load` (%).
    pub load: Option<f64>,
    /// `input.frequency`.
    pub input_frequency: Option<f64>,
    /// `output.frequency`.
    pub output_frequency: Option<f64>,
    /// `output.current`.
    pub output_current: Option<f64>,
    /// `battery.voltage` as the unit reports it (per cell on some units).
    pub battery_voltage: Option<f64>,
    /// `ups.temperature`.
    pub temperature: Option<f64>,
    /// `battery.charge` (%), for protocols that report it.
    pub battery_charge: Option<f64>,
    /// `battery.runtime` (seconds), for protocols that report it.
    pub battery_runtime: Option<f64>,
    /// `battery.packs` (voltronic `QBV`).
    pub battery_packs: Option<f64>,
    /// `input.transfer.low` and `input.transfer.high` (voltronic-qs `QI`).
    pub transfer: [Option<f64>; 2],
    /// Status bits.
    pub bits: Bits,
    /// `F` ratings: voltage, current, battery voltage, frequency.
    pub rating: [Option<f64>; 4],
    /// `I` vendor data: manufacturer, model, firmware.
    pub vendor: [String; 3],
    /// Serial number (voltronic `QID`, megatec "IC" layout).
    pub serial: String,
    /// Three-phase readings.
    pub phases: ThreePhase,
    /// Voltronic protocol id (`QPI`).
    pub voltronic_id: u8,
    /// Voltronic warning bits (`QWS`, bit 1 first).
    pub warnings: u64,
    /// BestUPS model code and VA.
    pub bestups_model: (String, f64),
    /// BestUPS battery low / high voltages (`ID`).
    pub bestups_battery: (f64, f64),
    /// Nominal battery voltage of a full pack (simulated discharge curve).
    pub battery_nominal: f64,
    /// Runtime at 100 % load on a full battery (simulated discharge).
    pub full_load_runtime: Duration,
    /// Time to recharge from empty.
    pub charge_time: Duration,
    /// Remaining charge (0–100) driving the simulated battery voltage.
    pub charge: f64,
    /// The load is off (after a shutdown command).
    pub output_off: bool,
    /// voltronic `QGS` type `00` ("offline").
    pub offline_type: bool,
    /// Readings only some dialects carry (omron, voltronic-axpert,
    /// ablerex, innovart, gtec).
    pub dialect: DialectState,
}

impl Default for DeviceState {
    fn default() -> Self {
        Self {
            input_voltage: Some(230.0),
            input_voltage_fault: Some(140.0),
            output_voltage: Some(230.0),
            load: Some(25.0),
            input_frequency: Some(50.0),
            output_frequency: Some(50.0),
            output_current: Some(1.2),
            battery_voltage: Some(27.0),
            temperature: Some(30.0),
            battery_charge: Some(100.0),
            battery_runtime: Some(1800.0),
            battery_packs: Some(1.0),
            transfer: [Some(177.0), Some(290.0)],
            bits: Bits {
                line_interactive: true,
                beeper_on: true,
                ..Bits::default()
            },
            rating: [Some(230.0), Some(4.0), Some(24.0), Some(50.0)],
            vendor: ["NUTRS".into(), "SIMQ1".into(), "V1.0".into()],
            serial: "SIM0001".into(),
            phases: ThreePhase {
                input_voltage: [Some(230.0); 3],
                output_voltage: [Some(230.0); 3],
                load: [Some(10.0); 3],
                realpower: [Some(300.0); 3],
                power: [Some(400.0); 3],
                current: [Some(1.5); 3],
                total_realpower: Some(900.0),
                total_power: Some(1200.0),
                battery_negative: Some(300.0),
                input_star: Some(true),
                output_star: Some(true),
            },
            voltronic_id: 1,
            warnings: 0,
            bestups_model: ("FOR".into(), 750.0),
            bestups_battery: (20.0, 27.6),
            battery_nominal: 24.0,
            full_load_runtime: Duration::from_secs(600),
            charge_time: Duration::from_secs(4 * 3600),
            charge: 100.0,
            output_off: false,
            offline_type: false,
            dialect: DialectState::default(),
        }
    }
}

/// Why [`DeviceState::set_var`] refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetError {
    /// The variable is not simulated.
    Unknown,
    /// The value does not parse.
    BadValue,
}

fn num(value: &str) -> Result<Option<f64>, SetError> {
    let v: f64 = value.trim().parse().map_err(|_| SetError::BadValue)?;
    if v.is_finite() {
        Ok(Some(v))
    } else {
        Err(SetError::BadValue)
    }
}

impl DeviceState {
    /// A state with no readings at all (every number `None`, bits clear,
    /// empty texts): the starting point for re-encoding decoded readings.
    pub fn empty() -> Self {
        Self {
            input_voltage: None,
            input_voltage_fault: None,
            output_voltage: None,
            load: None,
            input_frequency: None,
            output_frequency: None,
            output_current: None,
            battery_voltage: None,
            temperature: None,
            battery_charge: None,
            battery_runtime: None,
            battery_packs: None,
            transfer: [None; 2],
            bits: Bits::default(),
            rating: [None; 4],
            vendor: Default::default(),
            serial: String::new(),
            phases: ThreePhase {
                input_voltage: [None; 3],
                output_voltage: [None; 3],
                load: [None; 3],
                realpower: [None; 3],
                power: [None; 3],
                current: [None; 3],
                total_realpower: None,
                total_power: None,
                battery_negative: None,
                input_star: None,
                output_star: None,
            },
            dialect: DialectState::empty(),
            ..Self::default()
        }
    }

    /// Sets the reading behind NUT variable `name` (as the codec would
    /// publish it). Status and alarm go through [`set_status`](Self::set_status).
    pub fn set_var(&mut self, name: &str, value: &str) -> Result<(), SetError> {
        let phase = |prefix: &str| -> Option<usize> {
            ["L1", "L2", "L3"]
                .iter()
                .position(|l| name.starts_with(&format!("{prefix}.{l}")))
        };
        match name {
            "input.voltage" => self.input_voltage = num(value)?,
            "input.voltage.fault" => self.input_voltage_fault = num(value)?,
            "output.voltage" => self.output_voltage = num(value)?,
            "ups.load" => self.load = num(value)?,
            "input.frequency" => self.input_frequency = num(value)?,
            "output.frequency" => self.output_frequency = num(value)?,
            "output.current" => self.output_current = num(value)?,
            "battery.voltage" => self.battery_voltage = num(value)?,
            "ups.temperature" => self.temperature = num(value)?,
            "battery.charge" => self.battery_charge = num(value)?,
            "battery.runtime" => self.battery_runtime = num(value)?,
            "battery.packs" => self.battery_packs = num(value)?,
            "input.transfer.low" => self.transfer[0] = num(value)?,
            "input.transfer.high" => self.transfer[1] = num(value)?,
            "input.voltage.nominal" | "output.voltage.nominal" => self.rating[0] = num(value)?,
            "input.current.nominal" | "output.current.nominal" => self.rating[1] = num(value)?,
            "battery.voltage.nominal" => self.rating[2] = num(value)?,
            "input.frequency.nominal" | "output.frequency.nominal" => self.rating[3] = num(value)?,
            "device.mfr" => value.clone_into(&mut self.vendor[0]),
            "device.model" => value.clone_into(&mut self.vendor[1]),
            "ups.firmware" => value.clone_into(&mut self.vendor[2]),
            "ups.serial" | "device.serial" => value.clone_into(&mut self.serial),
            "ups.type" => {
                (self.bits.line_interactive, self.offline_type) = match value {
                    "offline / line interactive" | "line-interactive" => (true, false),
                    "online" => (false, false),
                    "offline" => (false, true),
                    _ => return Err(SetError::BadValue),
                }
            }
            "ups.beeper.status" => {
                self.bits.beeper_on = match value {
                    "enabled" => true,
                    "disabled" => false,
                    _ => return Err(SetError::BadValue),
                }
            }
            "ups.realpower" => self.phases.total_realpower = num(value)?,
            "ups.power" => self.phases.total_power = num(value)?,
            "experimental.battery.voltage.negative" => self.phases.battery_negative = num(value)?,
            "experimental.input.topology" | "experimental.output.topology" => {
                let star = match value {
                    "star" => Some(true),
                    "delta" => Some(false),
                    _ => return Err(SetError::BadValue),
                };
                if name.contains("input") {
                    self.phases.input_star = star;
                } else {
                    self.phases.output_star = star;
                }
            }
            _ => {
                if let Some(result) = self.dialect.set_var(name, value) {
                    return result;
                }
                let v = num(value)?;
                let slot = if let Some(i) = phase("input") {
                    self.phases.input_voltage.get_mut(i)
                } else if let (Some(i), true) = (phase("output"), name.ends_with("-N.voltage")) {
                    self.phases.output_voltage.get_mut(i)
                } else if let (Some(i), true) = (phase("output"), name.ends_with(".load")) {
                    self.phases.load.get_mut(i)
                } else if let (Some(i), true) = (phase("output"), name.ends_with(".realpower")) {
                    self.phases.realpower.get_mut(i)
                } else if let (Some(i), true) = (phase("output"), name.ends_with(".power")) {
                    self.phases.power.get_mut(i)
                } else if let (Some(i), true) = (phase("output"), name.ends_with(".current")) {
                    self.phases.current.get_mut(i)
                } else {
                    None
                };
                *slot.ok_or(SetError::Unknown)? = v;
            }
        }
        Ok(())
    }

    /// Sets the status bits from a `ups.status` value (`OB`, `LB`, `CAL`,
    /// `FSD`, `TRIM`/`BOOST`/`BYPASS`; unknown tokens are ignored).
    pub fn set_status(&mut self, status: &str) {
        let has = |t: &str| status.split_ascii_whitespace().any(|s| s == t);
        self.bits.utility_fail = has("OB") && !has("OL");
        self.bits.battery_low = has("LB");
        self.bits.test_in_progress = has("CAL");
        self.bits.shutdown_active = has("FSD");
        self.bits.bypass_boost_buck = has("TRIM") || has("BOOST") || has("BYPASS");
    }

    /// Fails the mains: on battery, no input voltage.
    pub fn fail_line(&mut self) {
        self.bits.utility_fail = true;
        self.input_voltage = Some(0.0);
        self.input_frequency = Some(0.0);
    }

    /// Restores the mains.
    pub fn restore_line(&mut self) {
        self.bits.utility_fail = false;
        self.input_voltage = self.rating[0].or(Some(230.0));
        self.input_frequency = self.rating[3].or(Some(50.0));
    }

    /// Advances the simulated battery by `dt`: drains on battery (faster
    /// at higher load), recharges on line; battery voltage, charge, runtime
    /// and the low-battery bit follow.
    pub fn advance(&mut self, dt: Duration) {
        if dt.is_zero() {
            return;
        }
        let secs = dt.as_secs_f64();
        let load = self.load.unwrap_or(0.0).max(5.0) / 100.0;
        let full = self.full_load_runtime.as_secs_f64().max(1.0);
        if self.bits.utility_fail && !self.output_off {
            self.charge = (self.charge - 100.0 * secs * load / full).max(0.0);
        } else if !self.bits.utility_fail {
            let per_second = 100.0 / self.charge_time.as_secs_f64().max(1.0);
            self.charge = (self.charge + per_second * secs).min(100.0);
        }
        let nom = self.battery_nominal;
        let (low, high) = (104.0 * nom / 120.0, 130.0 * nom / 120.0);
        self.battery_voltage = Some(low + (high - low) * self.charge / 100.0);
        self.battery_charge = Some(self.charge.round());
        self.battery_runtime = Some((full / load * self.charge / 100.0).round());
        self.bits.battery_low = self.bits.utility_fail && self.charge < 20.0;
        if self.charge <= 0.0 && self.bits.utility_fail {
            self.output_off = true;
        }
        if self.output_off {
            self.output_voltage = Some(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_var_and_status() {
        let mut s = DeviceState::default();
        s.set_var("input.voltage", "208.4").unwrap();
        s.set_var("output.L2-N.voltage", "231.0").unwrap();
        s.set_var("output.L3.current", "2.5").unwrap();
        assert_eq!(s.set_var("bogus.var", "1"), Err(SetError::Unknown));
        assert_eq!(s.set_var("input.voltage", "x"), Err(SetError::BadValue));
        assert_eq!(s.input_voltage, Some(208.4));
        assert_eq!(s.phases.output_voltage[1], Some(231.0));
        assert_eq!(s.phases.current[2], Some(2.5));
        s.set_status("OB LB");
        assert_eq!(s.bits.to_chars(), "11001001");
    }

    #[test]
    fn battery_drains_on_battery_and_recharges() {
        let mut s = DeviceState::default();
        s.fail_line();
        s.load = Some(100.0);
        s.advance(Duration::from_secs(300));
        assert!((s.charge - 50.0).abs() < 1e-9);
        s.advance(Duration::from_secs(250));
        assert!(s.bits.battery_low);
        s.advance(Duration::from_secs(100));
        assert!(s.output_off);
        s.restore_line();
        s.advance(Duration::from_secs(3600));
        assert!(s.charge > 20.0 && !s.bits.battery_low);
    }
}
