//! The `powercom` subdriver's conversions: its delay encodings (byte-swapped
//! minutes, minute/second bytes with restart flags, the discrete-delay
//! table), the side-channel battery voltage of report 0xA4, and the status
//! bits packed in two vendor usages (hid-maps.md §2.14).

use super::{Env, Function, c_atoi, format_float, token, truncate};

/// Feature report carrying the battery voltage as text.
const VOLTAGE_REPORT: u8 = 0xA4;
/// Bytes requested for report 0xA4.
const VOLTAGE_REPORT_LEN: usize = 8;
/// Attempts while no voltage was ever read (NUT waits 100 ms between them;
/// a sans-IO core cannot, so the attempts follow each other).
const VOLTAGE_FIRST_ATTEMPTS: usize = 5;

/// Discrete-delay slots (seconds) for Raptor / Smart KING Pro; index 1..=18.
const DISCRETE_DELAYS: [i64; 17] = [
    12, 18, 24, 30, 36, 42, 48, 54, 60, 120, 180, 240, 300, 360, 420, 480, 540,
];

/// "AC restart enable" flag in the default and fallback byte orders.
const RESTART_FLAGS: (i64, i64) = (0x0040, 0x4000);
/// "AC restart disable" flag in the default and fallback byte orders.
const STAY_OFF_FLAGS: (i64, i64) = (0x0080, 0x8000);

pub(super) fn to_text(function: Function, value: f64, env: &mut Env<'_>) -> Option<String> {
    use Function as F;
    let int = truncate(value);
    let word = int & 0xFFFF;
    match function {
        F::PowercomStartup => Some(format!("{}", 60 * (((word & 0xFF) << 8) + (word >> 8)))),
        F::PowercomShutdown => Some(format!(
            "{}",
            if env.state.powercom_byte_order_fallback {
                60 * (word & 0xFF) + (word >> 8)
            } else {
                60 * (word >> 8) + (word & 0xFF)
            }
        )),
        F::PowercomVoltage => format_float("%0.0f", value * 4.0),
        F::PowercomHackVoltage => Some(battery_voltage(env)),
        F::PowercomUpsFail => Some(token(int & 0x01 != 0, "fanfail")),
        F::PowercomReplaceBattery => Some(token(int & 0x02 != 0, "replacebatt")),
        F::PowercomTest => Some(token(int & 0x04 != 0, "cal")),
        F::PowercomShutdownImminent => Some(token(int & 0x10 != 0, "shutdownimm")),
        F::PowercomOnline => Some(token(int & 0x01 == 0, "online")),
        F::PowercomLowBattery => Some(token(int & 0x02 != 0, "lowbatt")),
        F::PowercomTrim => Some(token(int & 0x18 == 0x08, "trim")),
        F::PowercomBoost => Some(token(int & 0x18 == 0x18, "boost")),
        F::PowercomOverload => Some(token(int & 0x20 != 0, "overload")),
        _ => None,
    }
}

/// Seconds for a delay command: the text if given, else the option, else
/// the published variable, else `default`.
fn delay_seconds(text: &str, option: Option<&str>, published: Option<&str>, default: i64) -> i64 {
    if !text.is_empty() {
        c_atoi(text)
    } else if let Some(option) = option {
        c_atoi(option)
    } else if let Some(published) = published {
        c_atoi(published)
    } else {
        default
    }
}

pub(super) fn from_text(function: Function, text: &str, env: &mut Env<'_>) -> Option<i64> {
    let fallback = env.state.powercom_byte_order_fallback;
    let discrete = env.state.powercom_discrete_delay;
    match function {
        Function::PowercomStartup => {
            let seconds = delay_seconds(
                text,
                env.state.ondelay.as_deref(),
                env.var("ups.delay.start"),
                120,
            );
            let minutes = (seconds / 60).max(0);
            Some(if discrete {
                minutes
            } else {
                ((minutes & 0xFF) << 8) | ((minutes >> 8) & 0xFF)
            })
        }
        Function::PowercomShutdown | Function::PowercomStayOff => {
            let mut seconds = delay_seconds(
                text,
                env.state.offdelay.as_deref(),
                env.var("ups.delay.shutdown"),
                60,
            );
            if !(0..=65_535).contains(&seconds) {
                seconds = 0;
            }
            let stay_off = function == Function::PowercomStayOff;
            if discrete && !stay_off {
                let slot = DISCRETE_DELAYS
                    .iter()
                    .position(|slot| seconds <= *slot)
                    .map_or(18, |i| i as i64 + 1);
                return Some(slot);
            }
            let v = if seconds == 0 { 1 } else { seconds };
            let flags = if stay_off {
                STAY_OFF_FLAGS
            } else {
                RESTART_FLAGS
            };
            Some(if fallback {
                (((v % 60) << 8) + v / 60) | flags.1
            } else {
                (((v / 60) << 8) + v % 60) | flags.0
            })
        }
        _ => None,
    }
}

/// The battery voltage text of report 0xA4: skip leading characters that
/// are neither digits nor `.`, take the run of digits and dots, accept it
/// when it holds a `.`; otherwise keep the last good text.
fn battery_voltage(env: &mut Env<'_>) -> String {
    let attempts = if env.state.powercom_voltage == "0.0" {
        VOLTAGE_FIRST_ATTEMPTS
    } else {
        1
    };
    for _ in 0..attempts {
        let Some(bytes) = env.device.raw_feature(VOLTAGE_REPORT, VOLTAGE_REPORT_LEN) else {
            continue;
        };
        let text: String = bytes
            .iter()
            .skip(1)
            .take(VOLTAGE_REPORT_LEN - 1)
            .map(|b| char::from(*b))
            .skip_while(|c| !(c.is_ascii_digit() || *c == '.'))
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if !text.is_empty() && text.contains('.') {
            env.state.powercom_voltage = text;
            break;
        }
    }
    env.state.powercom_voltage.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_seconds_precedence() {
        assert_eq!(delay_seconds("90", Some("30"), Some("20"), 60), 90);
        assert_eq!(delay_seconds("", Some("30"), Some("20"), 60), 30);
        assert_eq!(delay_seconds("", None, Some("20"), 60), 20);
        assert_eq!(delay_seconds("", None, None, 60), 60);
    }
}
