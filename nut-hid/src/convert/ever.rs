//! The `ever` subdriver's conversions. Several ignore the value and decode
//! raw bytes of a report (byte 0, the report ID, skipped).

use super::{Env, Function, truncate};

/// Reports `ever_ip_address` reads in turn.
const IP_REPORTS: [u8; 4] = [211, 230, 231, 232];
/// Reports `ever_packets` reads in turn.
const PACKET_REPORTS: [u8; 4] = [215, 216, 217, 218];
/// Report holding the MAC address.
const MAC_REPORT: u8 = 210;
/// Report holding the work mode.
const WORK_MODE_REPORT: u8 = 74;
/// Report holding the message bits.
const MESSAGES_REPORT: u8 = 75;
/// Report holding the alarm bits.
const ALARMS_REPORT: u8 = 76;

const MESSAGE_WORDS: [(u16, &str); 10] = [
    (0x0004, "BOOST"),
    (0x0008, "BUCK"),
    (0x0010, "BOOST_BLOCKED"),
    (0x0020, "BUCK_BLOCKED"),
    (0x0040, "CHARGING"),
    (0x0080, "FAN_ON"),
    (0x0100, "EPO_BLOCKED"),
    (0x0200, "NEED_REPLACMENT"),
    (0x0C00, "OVERHEAT"),
    (0x1000, "WAITING_FOR_MIN_CHARGE"),
];
const MESSAGE_LAST: (u16, &str) = (0x2000, "MAINS_OUT_OF_RANGE");

const ALARM_WORDS: [(u16, &str); 8] = [
    (0x0001, "OVERLOAD"),
    (0x0002, "SHORT-CIRCUIT"),
    (0x000C, "OVERHEAT"),
    (0x0010, "EPO"),
    (0x0020, "INERNAL_ERROR"),
    (0x0040, "REVERSE_POWER_SUPPLY"),
    (0x0080, "NO_INETERNAL_COMM"),
    (0x0100, "CRITICAL_BATT_VOLTAGE"),
];

fn payload(env: &mut Env<'_>, report_id: u8) -> Option<Vec<u8>> {
    env.device
        .report(report_id)
        .map(|bytes| bytes.get(1..).unwrap_or_default().to_vec())
}

fn words(bits: u16, table: &[(u16, &str)]) -> String {
    table
        .iter()
        .filter(|(mask, _)| bits & mask != 0)
        .map(|(_, word)| *word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn le16(payload: &[u8]) -> u16 {
    u16::from_le_bytes([
        payload.first().copied().unwrap_or(0),
        payload.get(1).copied().unwrap_or(0),
    ])
}

pub(super) fn to_text(function: Function, value: f64, env: &mut Env<'_>) -> Option<String> {
    use Function as F;
    let int = truncate(value);
    match function {
        F::EverHardware => {
            let index = (int >> 8) & 0xFF;
            let letter = match index {
                0 => '0',
                1..=26 => char::from(b'A' + (index - 1) as u8),
                _ => '?',
            };
            Some(format!("rev.{letter}v{:02}", int & 0xFF))
        }
        F::EverVersion => Some(format!(
            "v{:X}.{:X}b{:02}",
            (int >> 12) & 0xF,
            (int >> 8) & 0xF,
            int & 0xFF
        )),
        F::EverMacAddress => Some(
            payload(env, MAC_REPORT)?
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
        F::EverIpAddress => {
            let report = IP_REPORTS[env.state.ever_ip_turn % IP_REPORTS.len()];
            env.state.ever_ip_turn = (env.state.ever_ip_turn + 1) % IP_REPORTS.len();
            Some(
                payload(env, report)?
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
            )
        }
        F::EverPackets => {
            let report = PACKET_REPORTS[env.state.ever_packets_turn % PACKET_REPORTS.len()];
            env.state.ever_packets_turn = (env.state.ever_packets_turn + 1) % PACKET_REPORTS.len();
            let bytes = payload(env, report)?;
            Some(match bytes.get(..4) {
                Some(&[a, b, c, d]) => i32::from_le_bytes([a, b, c, d]).to_string(),
                _ => String::new(),
            })
        }
        F::EverWorkMode => {
            let mode = payload(env, WORK_MODE_REPORT)?
                .first()
                .copied()
                .unwrap_or(0);
            Some(
                match mode {
                    2 => "STOP",
                    4 => "ONLINE",
                    8 => "ONBATTERY",
                    16 => "WATCH",
                    32 => "WAITING",
                    64 => "EMERGENCY",
                    _ => "UNKNOWN",
                }
                .to_owned(),
            )
        }
        F::EverMessages => {
            let bits = le16(&payload(env, MESSAGES_REPORT)?);
            let mut text = words(bits, &MESSAGE_WORDS);
            if bits & MESSAGE_LAST.0 != 0 {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(MESSAGE_LAST.1);
            }
            Some(text)
        }
        F::EverAlarms => Some(words(le16(&payload(env, ALARMS_REPORT)?), &ALARM_WORDS)),
        F::EverOnOff => {
            let mode = payload(env, WORK_MODE_REPORT)?
                .first()
                .copied()
                .unwrap_or(0);
            Some(if matches!(mode, 4 | 8) { "!off" } else { "off" }.to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists() {
        assert_eq!(words(0x0C44, &MESSAGE_WORDS), "BOOST CHARGING OVERHEAT");
        assert_eq!(words(0x0021, &ALARM_WORDS), "OVERLOAD INERNAL_ERROR");
        assert_eq!(words(0, &ALARM_WORDS), "");
    }
}
