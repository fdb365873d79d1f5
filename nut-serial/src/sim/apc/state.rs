//! The state of a simulated APC Smart UPS: line, battery and load, the
//! status byte derived from them, identity strings, the enumerated
//! settings, and each reply formatted as a Smart-UPS formats it.

use std::time::Duration;

use crate::apc::caps::{Capability, encode_capabilities};
use crate::apc::status::StatusBits;

/// One enumerated setting (`-` cycles it; `^Z` announces it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The query letter.
    pub letter: u8,
    /// The values, in cycling order (all the same width).
    pub values: Vec<String>,
    /// The current value's index.
    pub current: usize,
}

impl Setting {
    fn new(letter: u8, values: &[&str], current: usize) -> Self {
        Self {
            letter,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            current,
        }
    }

    /// The current value.
    pub fn value(&self) -> &str {
        self.values.get(self.current).map_or("", String::as_str)
    }
}

/// Everything the simulated unit reports.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitState {
    /// Mains failed: the unit runs on battery.
    pub line_failed: bool,
    /// The battery needs replacing (`RB`).
    pub replace_battery: bool,
    /// Overload (`OVER`).
    pub overload: bool,
    /// SmartTrim active (`TRIM`).
    pub trim: bool,
    /// SmartBoost active (`BOOST`).
    pub boost: bool,
    /// Runtime calibration running (`CAL`).
    pub calibrating: bool,
    /// The load is switched off.
    pub output_off: bool,
    /// Mains voltage when present.
    pub nominal_input: f64,
    /// `L`: input voltage.
    pub input_voltage: f64,
    /// `M`: highest input voltage seen.
    pub input_max: f64,
    /// `N`: lowest input voltage seen.
    pub input_min: f64,
    /// `F`: input frequency.
    pub input_frequency: f64,
    /// `P`: load in percent.
    pub load: f64,
    /// `C`: internal temperature.
    pub temperature: f64,
    /// `f`: battery charge in percent.
    pub charge: f64,
    /// `g`: nominal battery voltage.
    pub battery_nominal: f64,
    /// `/`: output current, if the model reports it.
    pub output_current: Option<f64>,
    /// Runtime at 100 % load on a full battery.
    pub full_load_runtime: Duration,
    /// Time to recharge from empty.
    pub charge_time: Duration,
    /// `G`: last transfer reason letter.
    pub transfer_reason: u8,
    /// `X`: last self-test result.
    pub test_result: String,
    /// `^A`: model.
    pub model: String,
    /// `n`: serial number.
    pub serial: String,
    /// `b`: firmware (its last character is the locale).
    pub firmware: String,
    /// `m`: manufacturing date.
    pub mfr_date: String,
    /// `x`: battery replacement date (8 characters, writable).
    pub battery_date: String,
    /// `c`: UPS identifier (8 characters, writable).
    pub ups_id: String,
    /// Enumerated settings (`u`, `l`, `p`, `r`, `e`, `q`, `s`).
    pub settings: Vec<Setting>,
    /// Command letters advertised besides the queries (`W`, `S`, `K` …).
    pub commands: Vec<u8>,
}

impl Default for UnitState {
    fn default() -> Self {
        Self {
            line_failed: false,
            replace_battery: false,
            overload: false,
            trim: false,
            boost: false,
            calibrating: false,
            output_off: false,
            nominal_input: 230.0,
            input_voltage: 229.4,
            input_max: 231.0,
            input_min: 227.5,
            input_frequency: 50.0,
            load: 21.3,
            temperature: 31.5,
            charge: 100.0,
            battery_nominal: 24.0,
            output_current: None,
            full_load_runtime: Duration::from_secs(26 * 60),
            charge_time: Duration::from_secs(3 * 3600),
            transfer_reason: b'O',
            test_result: "OK".into(),
            model: "Smart-UPS 1500 RS".into(),
            serial: "AS0000000001".into(),
            firmware: "50.14.I".into(),
            mfr_date: "03/15/19".into(),
            battery_date: "01/01/20".into(),
            ups_id: "UPS_IDEN".into(),
            settings: vec![
                Setting::new(b'u', &["253", "264", "271", "280"], 0),
                Setting::new(b'l', &["196", "188", "208", "204"], 2),
                Setting::new(b'p', &["020", "180", "300", "600"], 0),
                Setting::new(b'r', &["000", "060", "180", "300"], 0),
                Setting::new(b'e', &["00", "15", "50", "90"], 0),
                Setting::new(b'q', &["02", "05", "07", "10"], 0),
                Setting::new(b's', &["H", "M", "L", "A"], 0),
            ],
            commands: b"WUADSK@Z\x0e".to_vec(),
        }
    }
}

impl UnitState {
    /// Fails the mains: on battery, no input.
    pub fn fail_line(&mut self) {
        self.line_failed = true;
        self.input_voltage = 0.0;
        self.input_frequency = 0.0;
        self.transfer_reason = b'L';
    }

    /// Restores the mains.
    pub fn restore_line(&mut self) {
        self.line_failed = false;
        self.input_voltage = self.nominal_input;
        self.input_frequency = 50.0;
    }

    /// The setting read by `letter`.
    pub fn setting(&self, letter: u8) -> Option<&Setting> {
        self.settings.iter().find(|s| s.letter == letter)
    }

    /// Sets the setting read by `letter` to `value` (must be one of its
    /// values); `false` otherwise.
    pub fn set_setting(&mut self, letter: u8, value: &str) -> bool {
        let Some(s) = self.settings.iter_mut().find(|s| s.letter == letter) else {
            return false;
        };
        match s.values.iter().position(|v| v == value) {
            Some(i) => {
                s.current = i;
                true
            }
            None => false,
        }
    }

    fn setting_num(&self, letter: u8) -> Option<f64> {
        self.setting(letter)?.value().trim().parse().ok()
    }

    /// Minutes of runtime left at the current load.
    pub fn runtime_minutes(&self) -> f64 {
        let load = self.load.max(5.0) / 100.0;
        self.full_load_runtime.as_secs_f64() / load * self.charge / 100.0 / 60.0
    }

    /// `LB`: on battery with less runtime left than the `q` setting.
    pub fn low_battery(&self) -> bool {
        self.line_failed
            && !self.output_off
            && self.runtime_minutes() < self.setting_num(b'q').unwrap_or(2.0)
    }

    /// Battery voltage following the charge.
    pub fn battery_voltage(&self) -> f64 {
        let nom = self.battery_nominal;
        nom * (0.96 + 0.18 * self.charge / 100.0)
    }

    /// The status byte.
    pub fn status(&self) -> StatusBits {
        let mut bits = StatusBits::default();
        let flags = [
            (self.calibrating, StatusBits::CAL),
            (self.trim, StatusBits::TRIM),
            (self.boost, StatusBits::BOOST),
            (!self.output_off && !self.line_failed, StatusBits::OL),
            (!self.output_off && self.line_failed, StatusBits::OB),
            (self.overload, StatusBits::OVER),
            (self.low_battery(), StatusBits::LB),
            (self.replace_battery, StatusBits::RB),
        ];
        for (on, bit) in flags {
            if on {
                bits = bits.with(bit);
            }
        }
        bits
    }

    /// Advances the battery by `dt`: drains on battery (faster at higher
    /// load), recharges on line; an empty battery switches the load off.
    pub fn advance(&mut self, dt: Duration) {
        let secs = dt.as_secs_f64();
        if secs <= 0.0 {
            return;
        }
        if self.line_failed && !self.output_off {
            let load = self.load.max(5.0) / 100.0;
            let full = self.full_load_runtime.as_secs_f64().max(1.0);
            self.charge = (self.charge - 100.0 * secs * load / full).max(0.0);
            if self.charge <= 0.0 {
                self.output_off = true;
            }
        } else if !self.line_failed {
            let per_second = 100.0 / self.charge_time.as_secs_f64().max(1.0);
            self.charge = (self.charge + per_second * secs).min(100.0);
        }
    }

    /// The text a unit answers to query `letter`, `None` when it does not
    /// know the letter.
    pub fn reply(&self, letter: u8) -> Option<String> {
        let out_v = if self.output_off {
            0.0
        } else if self.line_failed {
            self.nominal_input
        } else {
            self.input_voltage
        };
        Some(match letter {
            0x01 => self.model.clone(),
            b'B' => format!("{:05.2}", self.battery_voltage()),
            b'C' => format!("{:05.1}", self.temperature),
            b'F' => format!("{:05.2}", self.input_frequency),
            b'L' => format!("{:05.1}", self.input_voltage),
            b'M' => format!("{:05.1}", self.input_max),
            b'N' => format!("{:05.1}", self.input_min),
            b'O' => format!("{out_v:05.1}"),
            b'P' => format!("{:05.1}", if self.output_off { 0.0 } else { self.load }),
            b'f' => format!("{:05.1}", self.charge),
            b'j' => format!("{:04.0}:", self.runtime_minutes().floor()),
            b'g' => format!("{:03.0}", self.battery_nominal),
            b'o' => format!("{:03.0}", self.nominal_input),
            b'/' => format!("{:05.2}", self.output_current?),
            b'n' => self.serial.clone(),
            b'm' => self.mfr_date.clone(),
            b'x' => self.battery_date.clone(),
            b'c' => self.ups_id.clone(),
            b'b' => self.firmware.clone(),
            b'G' => char::from(self.transfer_reason).to_string(),
            b'X' => self.test_result.clone(),
            b'Q' => self.status().encode(),
            other => self.setting(other)?.value().to_owned(),
        })
    }

    /// The query letters answered (for the command set).
    pub fn query_letters(&self) -> Vec<u8> {
        let mut letters = b"\x01BCFLMNOPfjgonmxcbGXQ".to_vec();
        if self.output_current.is_some() {
            letters.push(b'/');
        }
        letters.extend(self.settings.iter().map(|s| s.letter));
        letters
    }

    /// The `a` reply: protocol, alerts, command letters.
    pub fn command_set(&self) -> Vec<u8> {
        let mut out = b"3.!$%+?=#|.".to_vec();
        out.extend(self.query_letters());
        out.extend_from_slice(&self.commands);
        out.push(0x1a);
        out
    }

    /// The `^Z` reply: every setting, for all locales (`4`).
    pub fn capabilities(&self) -> Vec<u8> {
        let caps: Vec<Capability> = self
            .settings
            .iter()
            .map(|s| Capability {
                letter: s.letter,
                locale: b'4',
                values: s.values.iter().map(|v| v.clone().into_bytes()).collect(),
            })
            .collect();
        encode_capabilities(&caps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_formatted_like_a_smart_ups() {
        let s = UnitState::default();
        assert_eq!(s.reply(b'L').as_deref(), Some("229.4"));
        assert_eq!(s.reply(b'P').as_deref(), Some("021.3"));
        assert_eq!(s.reply(b'F').as_deref(), Some("50.00"));
        assert_eq!(s.reply(b'j').as_deref(), Some("0122:"));
        assert_eq!(s.reply(b'l').as_deref(), Some("208"));
        assert_eq!(s.reply(b'Q').as_deref(), Some("08"));
        assert_eq!(s.reply(b'/'), None);
        assert_eq!(s.reply(b'z'), None);
    }

    #[test]
    fn line_failure_and_drain_move_the_status() {
        let mut s = UnitState::default();
        s.fail_line();
        assert_eq!(s.status().render().to_string(), "OB");
        s.load = 100.0;
        s.advance(Duration::from_secs(25 * 60));
        assert_eq!(s.status().render().to_string(), "OB LB");
        s.advance(Duration::from_secs(5 * 60));
        assert!(s.output_off);
        assert_eq!(s.status().render().to_string(), "OFF");
        s.restore_line();
        s.output_off = false;
        s.advance(Duration::from_secs(3600));
        assert_eq!(s.status().render().to_string(), "OL");
        assert!(s.charge > 30.0);
    }

    #[test]
    fn settings_and_capabilities() {
        let mut s = UnitState::default();
        assert!(s.set_setting(b'u', "271"));
        assert!(!s.set_setting(b'u', "999"));
        assert_eq!(s.reply(b'u').as_deref(), Some("271"));
        let caps = crate::apc::caps::parse_capabilities(&s.capabilities(), false).unwrap();
        assert_eq!(caps.len(), s.settings.len());
        assert!(crate::apc::caps::parse_command_set(&s.command_set()).is_some());
    }
}
