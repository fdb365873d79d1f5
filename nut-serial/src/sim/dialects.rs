//! The simulated UPS in the dialects around the Megatec core: OMRON
//! extension replies (qx-protocols §2.1), voltronic-axpert with its CRC
//! (§2.3), Ablerex binary `Q5`/`At` (§2.14), innovart `BPS`/`FW?`/
//! `SASV07?` (§2.15) and the gtec `Q4` status letters (§2.20), plus the
//! readings only these dialects carry.

use super::encode::{field, text};
use super::state::{DeviceState, SetError};
use crate::qx::crc;

/// Readings only some dialects report.
#[derive(Debug, Clone, PartialEq)]
pub struct DialectState {
    /// `battery.temperature` (omron `TPb`).
    pub battery_temperature: Option<f64>,
    /// `battery.date` as `YYYY-MM-DD` (omron `BRR`).
    pub battery_date: String,
    /// `ups.firmware.aux` (omron `FWV`).
    pub firmware_aux: Option<f64>,
    /// `ups.realpower.nominal` (omron `UN`).
    pub realpower_nominal: Option<f64>,
    /// `ups.power.nominal` (omron `UN`).
    pub power_nominal: Option<f64>,
    /// `input.bypass.L1-N…L3-N.voltage` (innovart `BPS`; L1 is also
    /// innovart31's `input.bypass.voltage`).
    pub bypass_voltage: [Option<f64>; 3],
    /// `input.bypass.frequency` (innovart `BPS`).
    pub bypass_frequency: Option<f64>,
    /// Ablerex `Q5` error code (NUT publishes it as `ups.alarm`).
    pub error_code: u16,
    /// `battery.voltage.low` (Ablerex sends it as the `Q5` raw value Vbc;
    /// `None` sends 0, for which NUT assumes 960 = 80 % of nominal).
    pub battery_low: Option<f64>,
    /// `ups.test.result` (Ablerex `TR`, four characters).
    pub test_result: String,
    /// voltronic-axpert: charging (QPIGS flag byte 88).
    pub charging: bool,
    /// voltronic-axpert `QPIWS` warning bits, bit 1 first.
    pub inverter_warnings: u32,
    /// gtec: the test letter (`E`, `I`, `J`, `K`, `L`), if any.
    pub test_letter: Option<u8>,
    /// OMRON: auto-restart after a shutdown (`An`/`Af`).
    pub auto_restart: bool,
}

impl Default for DialectState {
    fn default() -> Self {
        Self {
            battery_temperature: Some(22.5),
            battery_date: "2026-07-30".into(),
            firmware_aux: Some(2.0),
            realpower_nominal: Some(1125.0),
            power_nominal: Some(1125.0),
            bypass_voltage: [Some(230.4), Some(0.0), Some(0.0)],
            bypass_frequency: Some(49.9),
            error_code: 0,
            battery_low: None,
            test_result: "0000".into(),
            charging: true,
            inverter_warnings: 0,
            test_letter: None,
            auto_restart: true,
        }
    }
}

impl DialectState {
    /// No readings at all (for re-encoding decoded readings).
    pub fn empty() -> Self {
        Self {
            battery_temperature: None,
            battery_date: String::new(),
            firmware_aux: None,
            realpower_nominal: None,
            power_nominal: None,
            bypass_voltage: [None; 3],
            bypass_frequency: None,
            error_code: 0,
            battery_low: None,
            test_result: String::new(),
            charging: false,
            inverter_warnings: 0,
            test_letter: None,
            auto_restart: true,
        }
    }
}

fn num(value: &str) -> Result<Option<f64>, SetError> {
    let v: f64 = value.trim().parse().map_err(|_| SetError::BadValue)?;
    if v.is_finite() {
        Ok(Some(v))
    } else {
        Err(SetError::BadValue)
    }
}

impl DialectState {
    /// Sets the reading behind `name`; `None` when no dialect carries it.
    pub fn set_var(&mut self, name: &str, value: &str) -> Option<Result<(), SetError>> {
        let bypass = ["L1", "L2", "L3"]
            .iter()
            .position(|l| name == format!("input.bypass.{l}-N.voltage"));
        let mut set = || -> Result<(), SetError> {
            match name {
                "battery.temperature" => self.battery_temperature = num(value)?,
                "battery.date" => value.clone_into(&mut self.battery_date),
                "ups.firmware.aux" => self.firmware_aux = num(value)?,
                "ups.realpower.nominal" => self.realpower_nominal = num(value)?,
                "ups.power.nominal" => self.power_nominal = num(value)?,
                "input.bypass.voltage" => self.bypass_voltage[0] = num(value)?,
                "input.bypass.frequency" => self.bypass_frequency = num(value)?,
                "ups.test.result" => value.clone_into(&mut self.test_result),
                "battery.voltage.low" => self.battery_low = num(value)?,
                _ => match bypass {
                    Some(i) => self.bypass_voltage[i] = num(value)?,
                    None => return Err(SetError::Unknown),
                },
            }
            Ok(())
        };
        match set() {
            Err(SetError::Unknown) => None,
            r => Some(r),
        }
    }
}

fn finish(mut s: String) -> Vec<u8> {
    s.push('\r');
    s.into_bytes()
}

/// The reply of an OMRON unit to one of its extension queries.
pub fn omron(s: &DeviceState, q: &str) -> Option<Vec<u8>> {
    let d = &s.dialect;
    let whole = |v: Option<f64>, width: usize| field(v.map(f64::round), width, 0);
    Some(finish(match q {
        "Bl ?" => whole(s.battery_charge, 3),
        "RTS" => whole(s.battery_runtime.map(|r| (r / 60.0).floor()), 4),
        "TPb" => format!("{:+05.1}", d.battery_temperature.unwrap_or(0.0)),
        "Lf ?" => field(s.output_frequency, 4, 1),
        "PSNR" => text(&s.serial, 16),
        "FWV" => format!(
            "M:{:.2}(S:{:.2})",
            s.vendor[2].trim().parse::<f64>().unwrap_or(0.17),
            d.firmware_aux.unwrap_or(0.0)
        ),
        "BRR" => d.battery_date.replace('-', ""),
        "UN" => format!(
            "{}W/{}VA/{}V/160W/020W",
            whole(d.realpower_nominal, 4),
            whole(d.power_nominal, 4),
            whole(s.rating[2], 3)
        ),
        _ => return None,
    }))
}

/// The reply of a voltronic-axpert inverter to `request` (its CRC already
/// checked and removed), CRC added.
pub fn axpert(s: &DeviceState, q: &str) -> Vec<u8> {
    let b = s.bits;
    let body = match q {
        "QPI" => "(PI30".to_owned(),
        "QVFW" => "(VERFW:00074.50".to_owned(),
        "QVFW2" | "QVFW3" | "QVFW4" => format!("(VERFW{}:00000.00", &q[4..]),
        "QID" => format!("({}", s.serial),
        "QPIRI" => format!(
            "({} 21.7 {} {} 21.7 5000 5000 {} 46.0 42.0 56.4 54.0 0 30 060 0 0 2 9 01 0 1 54.0 0 1 000",
            field(s.rating[0], 5, 1),
            field(s.rating[0], 5, 1),
            field(s.rating[3], 4, 1),
            field(s.rating[2], 4, 1),
        ),
        "QMD" => format!(
            "({:#>15} ###5000 99 1/1 230 230 04 12.0",
            text(&s.vendor[1], 15).trim_end()
        ),
        "QDI" => "(230.0 50.0 0030 42.0 54.0 56.4 46.0 60 0 0 2 0 0 0 0 0 1 1 0 0 1 0 54.0 0 1 000"
            .to_owned(),
        "QPIGS" => {
            let va = s.load.map(|l| l * 50.0);
            let on = |x: bool| if x { '1' } else { '0' };
            let flags = format!(
                "000{}0{}0{}",
                on(!s.output_off),
                on(s.dialect.charging),
                on(s.dialect.charging)
            );
            format!(
                "({} {} {} {} {} {} {} 440 {} 000 {} {} 0000 000.0 00.00 00000 {flags} 00 00 00000 110",
                field(s.input_voltage, 5, 1),
                field(s.input_frequency, 4, 1),
                field(s.output_voltage, 5, 1),
                field(s.output_frequency, 4, 1),
                field(va, 4, 0),
                field(va.map(|v| v * 0.8), 4, 0),
                field(s.load, 3, 0),
                field(s.battery_voltage, 5, 2),
                field(s.battery_charge, 3, 0),
                field(s.temperature, 4, 0),
            )
        }
        "QPIGS2" => {
            "(0000 000.0 000.0 00000 00000 00000 00000 0000 000.0 000.0 000000000".to_owned()
        }
        "QPIWS" => {
            let bits: String = (0..32)
                .map(|i| {
                    if s.dialect.inverter_warnings >> i & 1 == 1 {
                        '1'
                    } else {
                        '0'
                    }
                })
                .collect();
            format!("({bits}")
        }
        "QMOD" => {
            let mode = if s.output_off {
                'S'
            } else if b.utility_fail {
                'B'
            } else {
                'L'
            };
            format!("({mode}")
        }
        _ => "(NAK".to_owned(),
    };
    crc::add(body.as_bytes())
}

/// A request to a voltronic-axpert inverter without its CRC, `None` when
/// the CRC is missing or wrong.
pub fn axpert_request(line: &[u8]) -> Option<&[u8]> {
    let (text, sent) = line.split_at(line.len().checked_sub(2)?);
    (crc::crc_bytes(text) == sent).then_some(text)
}

/// An Ablerex raw battery value for volts `v`: volts = raw × nominal /
/// 1200.
fn ablerex_raw(s: &DeviceState, v: Option<f64>) -> [u8; 2] {
    let nominal = s.rating[2].filter(|n| *n > 0.0).unwrap_or(24.0);
    word(v.unwrap_or(0.0) * 1200.0 / nominal)
}

fn word(v: f64) -> [u8; 2] {
    (v.round().clamp(0.0, f64::from(u16::MAX)) as u16).to_be_bytes()
}

/// Ablerex binary `Q5` (22 bytes): output frequency ×10, battery raw,
/// battery-low raw, error code, output current ×10.
pub fn ablerex_q5(s: &DeviceState) -> Vec<u8> {
    let mut out = vec![b'('];
    out.extend(word(s.output_frequency.unwrap_or(0.0) * 10.0));
    out.extend([0; 4]);
    out.extend(ablerex_raw(s, s.battery_voltage));
    out.extend(ablerex_raw(s, s.dialect.battery_low));
    out.extend([0; 2]);
    out.extend(s.dialect.error_code.to_be_bytes());
    out.extend(word(s.output_current.unwrap_or(0.0) * 10.0));
    out.extend([0; 4]);
    out.push(b'\r');
    out
}

/// Ablerex binary `At`: the runtime as a big-endian 32-bit integer. A
/// runtime whose bytes would hold a CR (which ends the reply) is sent one
/// second longer.
pub fn ablerex_at(s: &DeviceState) -> Vec<u8> {
    let mut secs = s
        .battery_runtime
        .unwrap_or(0.0)
        .round()
        .clamp(0.0, f64::from(i32::MAX)) as u32;
    while secs.to_be_bytes().contains(&b'\r') {
        secs = secs.saturating_add(1);
    }
    let mut out = vec![b'('];
    out.extend(secs.to_be_bytes());
    out.push(b'\r');
    out
}

/// Ablerex `TR`: `#` and four characters of test result.
pub fn ablerex_tr(s: &DeviceState) -> Vec<u8> {
    finish(format!("#{}", text(&s.dialect.test_result, 4)))
}

/// innovart `BPS` (24 bytes).
pub fn innovart_bps(s: &DeviceState) -> Vec<u8> {
    let d = &s.dialect;
    finish(format!(
        "({} {} {} {}",
        field(d.bypass_voltage[0], 5, 1),
        field(d.bypass_voltage[1], 5, 1),
        field(d.bypass_voltage[2], 5, 1),
        field(d.bypass_frequency, 4, 1),
    ))
}

/// innovart `SASV07?` (28 bytes): the serial from byte 7.
pub fn innovart_serial(s: &DeviceState) -> Vec<u8> {
    finish(format!("GASV07D{}", text(&s.serial, 20)))
}

/// innovart31 reads its single output from the first phase of `Q6`/`WA`.
pub fn innovart31_state(s: &DeviceState) -> DeviceState {
    let mut one = s.clone();
    one.phases.output_voltage[0] = s.output_voltage;
    one.phases.load[0] = s.load;
    one.phases.current[0] = s.output_current;
    one
}

/// The gtec status letters for the state (qx-protocols §2.20).
pub fn gtec_letters(s: &DeviceState) -> String {
    let b = s.bits;
    let mut letters = String::new();
    for (on, letter) in [
        (b.battery_low, 'B'),
        (b.ups_failed, 'D'),
        (b.shutdown_active, 'F'),
    ] {
        if on {
            letters.push(letter);
        }
    }
    if b.test_in_progress {
        letters.push('E');
    } else if let Some(t) = s.dialect.test_letter {
        letters.push(char::from(t));
    }
    // No mode letter when the output is off: NUT then reports OFF.
    if !s.output_off {
        letters.push(if b.utility_fail {
            'A'
        } else if b.bypass_boost_buck {
            'C'
        } else {
            'M'
        });
    }
    letters
}

/// gtec `Q4` (64 bytes and the status letters).
pub fn gtec_q4(s: &DeviceState) -> Vec<u8> {
    finish(format!(
        "({} 243.2 212.1 {} {} 002 {} {} 371 372 {} {} {}",
        field(s.input_voltage, 5, 1),
        field(s.input_voltage_fault, 5, 1),
        field(s.output_voltage, 5, 1),
        field(s.load, 3, 0),
        field(s.input_frequency, 4, 1),
        field(s.battery_voltage, 5, 1),
        field(s.temperature, 4, 1),
        gtec_letters(s),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_have_reference_lengths() {
        let s = DeviceState::default();
        assert_eq!(ablerex_q5(&s).len(), 22);
        assert_eq!(ablerex_at(&s).len(), 6);
        assert_eq!(innovart_bps(&s).len(), 24);
        assert_eq!(innovart_serial(&s).len(), 28);
        assert!(gtec_q4(&s).len() >= 64);
        assert_eq!(omron(&s, "UN").unwrap().len(), 28);
        assert_eq!(omron(&s, "FWV").unwrap().len(), 15);
        let strip = |q: &str| crc::strip(&axpert(&s, q)).unwrap().len();
        assert!(strip("QPIGS") >= 108, "{}", strip("QPIGS"));
        assert!(strip("QPIRI") >= 99);
        assert!(strip("QDI") >= 80);
        assert!(strip("QPIGS2") >= 69);
        assert!(strip("QMD") >= 48);
        assert_eq!(strip("QVFW"), 16);
        assert_eq!(strip("QVFW2"), 17);
    }

    #[test]
    fn runtime_bytes_never_hold_a_cr() {
        let s = DeviceState {
            battery_runtime: Some(13.0),
            ..DeviceState::default()
        };
        assert_eq!(ablerex_at(&s), b"(\x00\x00\x00\x0e\r");
    }

    #[test]
    fn axpert_requests_need_their_crc() {
        assert_eq!(axpert_request(b"QPI\xBE\xAC"), Some(b"QPI".as_slice()));
        assert_eq!(axpert_request(b"QPI\xBE\xAD"), None);
        assert_eq!(axpert_request(b"Q"), None);
    }
}
