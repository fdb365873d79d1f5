//! Conversion functions of the smaller subdrivers: apc, belkin (with its
//! Liebert repairs), cps, delta_ups, ecoflow, legrand, openups and
//! tripplite (hid-maps.md §2).

use super::common::{parse_ymd, string_id};
use super::{Env, Function, c_atof, format_float, token, truncate};

/// openUPS thermistor readings ×100 for −40 °C, −35 °C, … 125 °C.
const OPENUPS_THERMISTOR: [u32; 34] = [
    0x031, 0x040, 0x053, 0x068, 0x082, 0x0A0, 0x0C3, 0x0E9, 0x113, 0x13F, 0x16E, 0x19F, 0x1CF,
    0x200, 0x22F, 0x25C, 0x286, 0x2AE, 0x2D3, 0x2F4, 0x312, 0x32D, 0x345, 0x35A, 0x36D, 0x37E,
    0x38C, 0x399, 0x3A5, 0x3AF, 0x3B7, 0x3BF, 0x3C6, 0x3CC,
];

fn bcd(byte: i64) -> i64 {
    ((byte >> 4) & 0xF) * 10 + (byte & 0xF)
}

fn to_bcd(value: i64) -> i64 {
    ((value / 10 % 10) << 4) | (value % 10)
}

pub(super) fn to_text(function: Function, value: f64, env: &mut Env<'_>) -> Option<String> {
    use Function as F;
    let int = truncate(value);
    let scales = env.state.scales;
    match function {
        F::ApcDate => Some(if int == 0 {
            "not set".to_owned()
        } else {
            let yy = bcd(int & 0xFF);
            let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
            let day = bcd((int >> 8) & 0xFF);
            let month = bcd((int >> 16) & 0xFF);
            format!("{year:04}/{month:02}/{day:02}")
        }),
        F::BelkinFirmware => Some(format!("{}", int >> 4)),
        F::BelkinUpsType => Some(
            match int & 0xF {
                1 => "offline",
                2 => "line-interactive",
                3 => "simple online",
                4 => "simple offline",
                5 => "simple line-interactive",
                _ => "online",
            }
            .to_owned(),
        ),
        F::BelkinSensitivity => Some(
            match int {
                1 => "reduced",
                2 => "low",
                _ => "normal",
            }
            .to_owned(),
        ),
        F::BelkinOverload => Some(token(int & 0x0010 != 0, "overload")),
        F::BelkinOverheat => Some(token(int & 0x0040 != 0, "overheat")),
        F::BelkinCommfault => Some(token(int & 0x0080 != 0, "commfault")),
        F::BelkinAwaitingPower => Some(token(int & 0x2000 != 0, "awaitingpower")),
        F::BelkinOnline => Some(token(int & 0x0001 == 0, "online")),
        F::BelkinDepleted => Some(token(int & 0x0040 != 0, "depleted")),
        F::BelkinReplaceBattery => Some(token(int & 0x0080 != 0, "replacebatt")),
        F::BelkinLowBattery => Some(token(int & 0x0004 != 0, "lowbatt")),
        F::LiebertOnline => Some(token(int != 0, "online")),
        F::LiebertDischarging => Some(token(int != 0, "dischrg")),
        F::LiebertCharging => Some(token(int != 0, "chrg")),
        F::LiebertLowBattery => Some(token(int != 0, "lowbatt")),
        F::LiebertReplaceBattery => Some(token(int != 0, "replacebatt")),
        F::LiebertShutdownImminent => Some(token(int != 0, "shutdownimm")),
        F::LiebertConfigVoltage => {
            if value < 1.0 && (value - 1e-7).abs() < 1e-9 {
                env.state.liebert_config_multiplier = 1e8;
                env.state.liebert_line_multiplier = 1e7;
            }
            format_float("%.1f", value * env.state.liebert_config_multiplier)
        }
        F::LiebertLineVoltage => {
            if value < 1.0 {
                if (value - 1e-5).abs() < 4e-5 {
                    env.state.liebert_line_multiplier = 1e7;
                } else if (value - 1e-3).abs() < 4e-3 {
                    env.state.liebert_line_multiplier = 1e5;
                }
            }
            format_float("%.1f", value * env.state.liebert_line_multiplier)
        }
        F::CpsBatteryVoltage => {
            if env.state.cps_detect && env.state.cps_battery_scale.is_none() {
                let nominal = env.var("battery.voltage.nominal").map_or(0.0, c_atof);
                if nominal != 0.0 {
                    let scale = if value / nominal > 1.4 {
                        2.0 / 3.0
                    } else {
                        1.0
                    };
                    env.state.cps_battery_scale = Some(scale);
                }
            }
            format_float("%.1f", value * env.state.cps_battery_scale.unwrap_or(1.0))
        }
        F::CpsInputFrequency | F::CpsOutputFrequency => {
            let input = function == F::CpsInputFrequency;
            let decided = if input {
                env.state.cps_input_frequency_scale
            } else {
                env.state.cps_output_frequency_scale
            };
            let scale = match decided {
                Some(scale) => scale,
                None if env.state.cps_detect => {
                    let decision = cps_frequency_scale(env, input, value);
                    if input {
                        env.state.cps_input_frequency_scale = decision;
                    } else {
                        env.state.cps_output_frequency_scale = decision;
                    }
                    decision.unwrap_or(1.0)
                }
                None => 1.0,
            };
            format_float("%.1f", value * scale)
        }
        F::CpsBatteryCharge => format_float("%.0f", value.min(100.0)),
        F::CpsBatteryStatus => format_float("%.0f%%", value),
        F::DeltaUpsType => {
            let mut t = int & 0xF;
            if t == 6 {
                t = 4;
            } else if (3..=5).contains(&t) {
                t -= 2;
            }
            let text = match t {
                0 => "online",
                1 => "offline",
                2 => "line-interactive",
                3 => "3-phase",
                4 => "split-phase",
                _ => return None,
            };
            Some(text.to_owned())
        }
        F::EcoflowRuntime => (value >= 0.0)
            .then(|| format_float("%.0f", value * 60.0))
            .flatten(),
        F::LegrandTimes10 => format_float("%0.1f", value * 10.0),
        F::LegrandTimes100k => format_float("%0.1f", value * 100_000.0),
        F::LegrandTimes1M => format_float("%0.1f", value * 1_000_000.0),
        F::LegrandTimes10M => format_float("%0.1f", value * 10_000_000.0),
        F::OpenUpsInputVoltage => format_float("%.2f", value * scales.io_voltage),
        F::OpenUpsOutputVoltage => format_float("%.2f", value * scales.output_voltage),
        F::OpenUpsChargeCurrent => format_float("%.3f", value * scales.charge_current),
        F::OpenUpsDischargeCurrent => format_float("%.3f", value * scales.discharge_current),
        F::OpenUpsTemperature => Some(openups_temperature(value)),
        F::OpenUpsCharging => Some(token(int != 0, "chrg")),
        F::OpenUpsDischarging => Some(token(int != 0, "dischrg")),
        F::OpenUpsOnline => Some(token(int != 0, "online")),
        F::OpenUpsOff => Some(token(int == 0, "off")),
        F::TrippLiteBatteryVoltage => format_float("%.1f", value * scales.battery),
        F::TrippLiteIoVoltage => format_float("%.1f", value * scales.io_voltage),
        F::TrippLiteIoFrequency => format_float("%.1f", value * scales.io_frequency),
        F::TrippLiteIoCurrent => format_float("%.1f", value * scales.io_current),
        F::TrippLiteChemistry => {
            if matches!(env.var("ups.productid"), Some("1003" | "2005")) {
                Some("unknown".to_owned())
            } else {
                Some(string_id(value, env))
            }
        }
        _ => None,
    }
}

/// The reverse of `apc_date_conversion`: out-of-range dates write 0.
pub(super) fn apc_date_from_text(text: &str) -> Option<i64> {
    let (year, month, day) = parse_ymd(text)?;
    if year >= 2070 || month > 12 || day > 31 {
        return Some(0);
    }
    Some((to_bcd(month) << 16) | (to_bcd(day) << 8) | to_bcd(year.rem_euclid(100)))
}

/// The CyberPower frequency-scale decision: `Some(1.0)` or `Some(0.1)`
/// once the value fits the expected window, `None` while undecided.
fn cps_frequency_scale(env: &Env<'_>, input: bool, frequency: f64) -> Option<f64> {
    let prefix = if input { "input" } else { "output" };
    let read = |suffix: &str| {
        env.var(&format!("{prefix}.frequency{suffix}"))
            .map(c_atof)
            .filter(|v| *v != 0.0)
    };
    let (low, high) = (read(".low"), read(".high"));
    let nominal = read(".nominal").or_else(|| {
        let in_range = |v: Option<f64>, lo: f64, hi: f64, lo_open: bool| {
            v.is_some_and(|v| {
                if lo_open {
                    v > lo && v <= hi
                } else {
                    v >= lo && v <= hi
                }
            })
        };
        let f = Some(frequency);
        if in_range(low, 45.0, 50.0, true)
            || in_range(high, 50.0, 55.0, false)
            || in_range(f, 45.0, 55.0, true)
            || in_range(f, 450.0, 550.0, true)
        {
            Some(50.0)
        } else if in_range(low, 55.0, 60.0, true)
            || in_range(high, 60.0, 65.0, false)
            || in_range(f, 55.0, 65.0, true)
            || in_range(f, 550.0, 650.0, true)
        {
            Some(60.0)
        } else {
            None
        }
    });
    let low = low.unwrap_or_else(|| nominal.map_or(45.0, |n| n * 0.95));
    let high = high.unwrap_or_else(|| nominal.map_or(65.0, |n| n * 1.05));
    if (low..=high).contains(&frequency) {
        Some(1.0)
    } else if (low..=high).contains(&(frequency / 10.0)) {
        Some(0.1)
    } else {
        None
    }
}

fn openups_temperature(value: f64) -> String {
    // C's `(unsigned)(value * 100)`; negative readings clamp to 0.
    let t = (value * 100.0).max(0.0) as u32;
    let (first, last) = (OPENUPS_THERMISTOR[0], OPENUPS_THERMISTOR[33]);
    if t <= first {
        return "-40".to_owned();
    }
    if t >= last {
        return "125".to_owned();
    }
    for (i, pair) in OPENUPS_THERMISTOR.windows(2).enumerate() {
        let celsius = -40 + 5 * i as i64;
        if t == pair[0] {
            return celsius.to_string();
        }
        if t > pair[0] && t < pair[1] {
            let fraction = f64::from(t - pair[0]) / f64::from(pair[1] - pair[0]);
            return format!("{:.2}", celsius as f64 + 5.0 * fraction);
        }
    }
    "125".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apc_bcd_dates() {
        assert_eq!(apc_date_from_text("2002/10/22"), Some(0x102202));
        assert_eq!(apc_date_from_text("2071/01/01"), Some(0));
        assert_eq!(apc_date_from_text("1999/12/31"), Some(0x123199));
    }

    #[test]
    fn openups_thermistor() {
        assert_eq!(openups_temperature(0.2), "-40");
        assert_eq!(openups_temperature(0x200 as f64 / 100.0), "25");
        assert_eq!(openups_temperature(10.0), "125");
        // Halfway between 0x200 (25 °C) and 0x22F (30 °C).
        let mid = (0x200 + 0x22F) as f64 / 200.0;
        assert!(openups_temperature(mid).starts_with("27.4"));
    }
}
