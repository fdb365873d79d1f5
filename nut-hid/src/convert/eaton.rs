//! The `mge` subdriver's conversion functions (Eaton, MGE, Dell, HP, IBM…):
//! model-family filters, ABM charger state, the Eaton ECO/bypass range
//! checks and the date/time of the UPS clock (hid-maps.md §2.2).

use super::state::{AbmPath, family};
use super::{Env, Function, c_atof, c_atoi, format_float, token, truncate};

/// Keys of `nominal_output_voltage_info`, in NUT's order.
pub(super) const NOMINAL_VOLTAGES: [i64; 9] = [200, 208, 220, 230, 240, 100, 110, 120, 127];
/// Keys of `pegasus_threshold_info`.
pub(super) const PEGASUS_THRESHOLDS: [i64; 3] = [10, 25, 60];

const LOW_VOLTAGES: [i64; 4] = [100, 110, 120, 127];
const HV_200: [i64; 2] = [200, 208];
const HV_230: [i64; 3] = [220, 230, 240];

/// Families whose battery voltages the mge conversions publish.
fn has_battery_voltage(family_code: u16) -> bool {
    matches!(
        family::class(family_code),
        family::EVOLUTION | family::PULSAR_M | family::EATON_5P | family::EATON_9E
    )
}

fn is_pegasus(env: &Env<'_>) -> bool {
    family::class(env.state.mge_family) == family::PEGASUS
}

fn published(env: &Env<'_>, name: &str) -> Option<f64> {
    env.var(name).map(c_atof)
}

pub(super) fn to_text(function: Function, value: f64, env: &mut Env<'_>) -> Option<String> {
    use Function as F;
    let abm_enabled = env.state.abm_enabled == Some(true);
    let int = truncate(value);
    match function {
        F::EatonAbmStatus => {
            if !abm_enabled {
                env.vars.delete("battery.charger.status");
                return None;
            }
            let text = match (env.state.abm_path, int) {
                (AbmPath::Status, 1) => "charging",
                (AbmPath::Status, 2) => "floating",
                (AbmPath::Status, 3) => "resting",
                (AbmPath::Status, 4) => "discharging",
                (_, 6) => "off",
                (AbmPath::Status, _) => return None,
                (_, 1) => "charging",
                (_, 2) => "discharging",
                (_, 3) => "floating",
                (_, 4) => "resting",
                _ => return None,
            };
            Some(text.to_owned())
        }
        F::EatonAbmChargeDischarge => {
            if !abm_enabled {
                return None;
            }
            let text = match (env.state.abm_path, int) {
                (AbmPath::Status, 1 | 2) | (AbmPath::Mode | AbmPath::Unknown, 1 | 3) => "chrg",
                (AbmPath::Status, 4) | (AbmPath::Mode | AbmPath::Unknown, 2) => "dischrg",
                _ => return None,
            };
            Some(text.to_owned())
        }
        F::EatonCharging => {
            let full = env.var("battery.charge").is_some_and(|c| c_atoi(c) >= 100);
            Some(token(!abm_enabled && int == 1 && !full, "chrg"))
        }
        F::EatonDischarging => Some(token(!abm_enabled && int == 1, "dischrg")),
        F::EatonConverterOnline => (!env.bits.off).then(|| token(int != 0, "online")),
        F::EatonAbmEnabled => {
            env.state.abm_enabled = match int {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            };
            if env.state.abm_enabled != Some(true) {
                env.state.abm_path = AbmPath::Unknown;
            }
            None
        }
        F::EatonAbmPathMode | F::EatonAbmPathStatus => {
            if abm_enabled && env.state.abm_path == AbmPath::Unknown {
                env.state.abm_path = if function == F::EatonAbmPathMode {
                    AbmPath::Mode
                } else {
                    AbmPath::Status
                };
            }
            None
        }
        F::EatonCheckCountry => {
            env.state.mge_country = if (0..=4).contains(&int) { int } else { -1 };
            None
        }
        F::MgeBatteryVoltageNominal => {
            if !has_battery_voltage(env.state.mge_family) {
                return None;
            }
            let value = if env.state.mge_family == family::EVOLUTION_650 {
                12.0
            } else {
                value
            };
            format_float("%.0f", value)
        }
        F::MgeBatteryVoltage => has_battery_voltage(env.state.mge_family)
            .then(|| format_float("%.1f", value))
            .flatten(),
        F::MgeBatteryCapacity => format_float("%.2f", value / 3600.0),
        F::MgePowerFactor => format_float("%.2f", value / 100.0),
        F::MgeDate | F::MgeTime => {
            let (date, time) = civil(int.saturating_add(env.state.utc_offset))?;
            let text = if function == F::MgeDate { date } else { time };
            let expected = if function == F::MgeDate { 10 } else { 8 };
            (text.len() == expected).then_some(text)
        }
        F::EatonComputeRealpower => {
            let load = c_atoi(env.var("ups.load")?);
            let nominal = c_atoi(env.var("ups.power.nominal")?);
            let factor = published(env, "output.powerfactor").unwrap_or(0.80);
            format_float(
                "%.0f",
                (load as f64 * 0.01 * nominal as f64 * factor).round(),
            )
        }
        F::NominalOutputVoltage => {
            let latched = *env.state.nominal_voltage.get_or_insert(int);
            let wide = family::class(env.state.mge_family) >= family::DEFAULT;
            let accepted = if LOW_VOLTAGES.contains(&latched) {
                LOW_VOLTAGES.contains(&int)
            } else if HV_200.contains(&latched) {
                HV_200.contains(&int) || (wide && HV_230.contains(&int))
            } else if HV_230.contains(&latched) {
                HV_230.contains(&int) || (wide && HV_200.contains(&int))
            } else {
                true
            };
            accepted.then(|| format_float("%.0f", value)).flatten()
        }
        F::PegasusThreshold => is_pegasus(env)
            .then(|| format_float("%.0f", value))
            .flatten(),
        F::PegasusYesNo => is_pegasus(env).then(|| if int == 0 { "no" } else { "yes" }.to_owned()),
        F::EatonInputEcoModeOnOff => match int {
            0 => Some("normal".to_owned()),
            2 => {
                env.state.buzzword("vendor:mge-hid:ESS");
                Some("ESS".to_owned())
            }
            1 => eco_check(env).then(|| "ECO".to_owned()),
            _ => None,
        },
        F::EatonInputBypassModeOn => match int {
            0 => Some("disabled".to_owned()),
            1 => bypass_check(env).then(|| "on".to_owned()),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn from_text(function: Function, text: &str, env: &mut Env<'_>) -> Option<i64> {
    use Function as F;
    match function {
        F::MgeDate | F::MgeTime => {
            let joined = if function == F::MgeDate {
                format!("{text} {}", env.var("ups.time").unwrap_or_default())
            } else {
                format!("{} {text}", env.var("ups.date").unwrap_or_default())
            };
            Some(parse_local(&joined).map_or(0, |t| t - env.state.utc_offset))
        }
        F::NominalOutputVoltage => NOMINAL_VOLTAGES
            .iter()
            .copied()
            .find(|key| key.to_string() == text),
        F::PegasusThreshold => PEGASUS_THRESHOLDS
            .iter()
            .copied()
            .find(|key| key.to_string() == text),
        F::PegasusYesNo => Some(i64::from(is_pegasus(env) && text.starts_with("yes"))),
        F::EatonInputEcoModeOnOff => match text {
            "normal" | "vendor:mge-hid:normal" => Some(0),
            "ECO" | "vendor:mge-hid:ECO" => Some(1),
            "ESS" | "vendor:mge-hid:ESS" => Some(2),
            _ => None,
        },
        F::EatonInputBypassModeOn => match text {
            "disabled" => Some(0),
            "on" => Some(1),
            _ => None,
        },
        F::EatonInputEcoModeAutoOnOff => Some(eco_sequence(text, env)),
        _ => None,
    }
}

/// The bypass + ECO sequencing behind `experimental.bypass.ecomode.*`:
/// returns the number written to `Input.[5].Switchable`. Its "device
/// writes" are queued as setvars that the write plan runs first.
fn eco_sequence(text: &str, env: &mut Env<'_>) -> i64 {
    if text == "1" {
        if env.var("input.bypass.switch.on") == Some("disabled") {
            bypass_check(env);
        } else {
            return 0;
        }
        if env.var("input.eco.switchable") == Some("normal") {
            eco_check(env);
        } else {
            return 0;
        }
        return 1;
    }
    if env.var("input.bypass.switch.off") == Some("disabled") {
        env.state
            .pending_setvars
            .push(("input.bypass.switch.off".to_owned(), "off".to_owned()));
    } else {
        return 1;
    }
    if env.var("input.eco.switchable") == Some("ECO") {
        env.state
            .pending_setvars
            .push(("input.eco.switchable".to_owned(), "normal".to_owned()));
        env.state.buzzword("vendor:mge-hid:normal");
    } else {
        return 1;
    }
    0
}

/// The four published values both range checks need.
fn bypass_inputs(env: &Env<'_>) -> Option<(f64, f64, f64, f64)> {
    Some((
        published(env, "input.bypass.voltage")?,
        published(env, "input.bypass.frequency")?,
        published(env, "output.voltage.nominal")?,
        published(env, "output.frequency.nominal")?,
    ))
}

struct Window {
    frequency_range: &'static str,
    default_percent: f64,
    low: &'static str,
    high: &'static str,
    default_factors: (f64, f64),
}

fn inside(env: &Env<'_>, window: &Window) -> Option<bool> {
    let (voltage, frequency, nominal_voltage, nominal_frequency) = bypass_inputs(env)?;
    let percent = published(env, window.frequency_range)
        .filter(|p| *p > 0.0)
        .unwrap_or(window.default_percent);
    let spread = nominal_frequency * percent / 100.0;
    let frequency_ok =
        (nominal_frequency - spread..=nominal_frequency + spread).contains(&frequency);
    let (low, high) = match (published(env, window.low), published(env, window.high)) {
        (Some(low), Some(high)) if low > 0.0 && high > 0.0 => (low, high),
        _ => (
            nominal_voltage * window.default_factors.0,
            nominal_voltage * window.default_factors.1,
        ),
    };
    Some(frequency_ok && (low..=high).contains(&voltage))
}

/// ECO range check: bypass voltage and frequency inside the ECO window.
fn eco_check(env: &mut Env<'_>) -> bool {
    let window = Window {
        frequency_range: "input.transfer.frequency.eco.range",
        default_percent: 5.0,
        low: "input.transfer.eco.low",
        high: "input.transfer.eco.high",
        default_factors: (0.95, 1.05),
    };
    match inside(env, &window) {
        None => {
            env.vars.set("input.eco.switchable", "normal");
            false
        }
        Some(true) => {
            env.state.buzzword("vendor:mge-hid:ECO");
            true
        }
        Some(false) => {
            env.vars.set("input.eco.switchable", "normal");
            env.state.buzzword("vendor:mge-hid:normal");
            false
        }
    }
}

/// Bypass range check: bypass voltage and frequency inside the bypass window.
fn bypass_check(env: &mut Env<'_>) -> bool {
    let window = Window {
        frequency_range: "input.transfer.frequency.bypass.range",
        default_percent: 10.0,
        low: "input.transfer.bypass.low",
        high: "input.transfer.bypass.high",
        default_factors: (0.8, 1.15),
    };
    if inside(env, &window) == Some(true) {
        true
    } else {
        env.vars.set("input.bypass.switch.off", "off");
        false
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY/MM/DD` and `HH:MM:SS` of Unix seconds (already shifted to local).
fn civil(seconds: i64) -> Option<(String, String)> {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some((
        format!("{year:04}/{month:02}/{day:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        ),
    ))
}

/// `YYYY/MM/DD HH:MM:SS` → seconds (in the same local frame).
fn parse_local(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once(' ')?;
    let (year, month, day) = super::common::parse_ymd(date)?;
    let mut hms = time.trim().splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next()??);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second);
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_time_round_trips() {
        assert_eq!(
            civil(0),
            Some(("1970/01/01".to_owned(), "00:00:00".to_owned()))
        );
        assert_eq!(
            civil(1_700_000_000),
            Some(("2023/11/14".to_owned(), "22:13:20".to_owned()))
        );
        assert_eq!(parse_local("2023/11/14 22:13:20"), Some(1_700_000_000));
        assert_eq!(parse_local("2024/02/29 00:00:00"), Some(1_709_164_800));
        assert_eq!(parse_local("2024/13/01 00:00:00"), None);
        assert_eq!(parse_local("garbage"), None);
    }
}
