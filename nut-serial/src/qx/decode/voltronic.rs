//! voltronic `QWS`: the 64-bit warning string to alarm text and status
//! tokens (qx-protocols App. B).

use super::Outcome;
use super::bad;
use crate::error::Error;
use crate::qx::rows::Row;
use crate::qx::status::{StatusBit, Token};

/// voltronic `QWS` warning texts, by 1-based bit (qx-protocols App. B).
const QWS_TEXTS: [(usize, &str); 59] = [
    (1, "Battery disconnected."),
    (2, "Neutral not connected."),
    (3, "Site fault."),
    (4, "Phase sequence incorrect."),
    (5, "Phase sequence incorrect in bypass."),
    (6, "Input frequency unstable in bypass."),
    (7, "Battery overcharged."),
    (8, "Low battery."),
    (9, "Overload alarm."),
    (10, "Fan alarm."),
    (11, "EPO enabled."),
    (12, "Unable to turn on UPS."),
    (13, "Over temperature alarm."),
    (14, "Charger alarm."),
    (15, "Remote auto shutdown."),
    (16, "L1 input fuse not working."),
    (17, "L2 input fuse not working."),
    (18, "L3 input fuse not working."),
    (19, "Positive PFC abnormal in L1."),
    (20, "Negative PFC abnormal in L1."),
    (21, "Positive PFC abnormal in L2."),
    (22, "Negative PFC abnormal in L2."),
    (23, "Positive PFC abnormal in L3."),
    (24, "Negative PFC abnormal in L3."),
    (25, "Abnormal in CAN-bus communication."),
    (26, "Abnormal in synchronous signal circuit."),
    (27, "Abnormal in synchronous pulse signal circuit."),
    (28, "Abnormal in host signal circuit."),
    (29, "Male connector of parallel cable not connected well."),
    (30, "Female connector of parallel cable not connected well."),
    (31, "Parallel cable not connected well."),
    (32, "Battery connection not consistent in parallel systems."),
    (33, "AC connection not consistent in parallel systems."),
    (34, "Bypass connection not consistent in parallel systems."),
    (35, "UPS model types not consistent in parallel systems."),
    (36, "Capacity of UPSes not consistent in parallel systems."),
    (
        37,
        "Auto restart setting not consistent in parallel systems.",
    ),
    (38, "Battery cell over charge."),
    (
        39,
        "Battery protection setting not consistent in parallel systems.",
    ),
    (
        40,
        "Battery detection setting not consistent in parallel systems.",
    ),
    (
        41,
        "Bypass not allowed setting not consistent in parallel systems.",
    ),
    (42, "Converter setting not consistent in parallel systems."),
    (
        43,
        "High loss point for frequency in bypass mode not consistent in parallel systems.",
    ),
    (
        44,
        "Low loss point for frequency in bypass mode not consistent in parallel systems.",
    ),
    (
        45,
        "High loss point for voltage in bypass mode not consistent in parallel systems.",
    ),
    (
        46,
        "Low loss point for voltage in bypass mode not consistent in parallel systems.",
    ),
    (
        47,
        "High loss point for frequency in AC mode not consistent in parallel systems.",
    ),
    (
        48,
        "Low loss point for frequency in AC mode not consistent in parallel systems.",
    ),
    (
        49,
        "High loss point for voltage in AC mode not consistent in parallel systems.",
    ),
    (
        50,
        "Low loss point for voltage in AC mode not consistent in parallel systems.",
    ),
    (
        51,
        "Warning for locking in bypass mode after 3 consecutive overloads within 30 min.",
    ),
    (52, "Warning for three-phase AC input current unbalance."),
    (
        53,
        "Warning for a three-phase input current unbalance detected in battery mode.",
    ),
    (54, "Warning for Inverter inter-current unbalance."),
    (55, "Programmable outlets cut off pre-alarm."),
    (56, "Warning for Battery replace."),
    (57, "Abnormal warning on input phase angle."),
    (58, "Warning!! Cover of maintain switch is open."),
    (62, "EEPROM operation error."),
];
/// Longest `QWS` alarm text before the cryptic form is used.
const QWS_TEXT_LIMIT: usize = 224;

pub(super) fn qws(row: &Row, field: &[u8], reply: &[u8]) -> Result<Outcome, Error> {
    if field.len() != 64 || !field.iter().all(|b| *b == b'0' || *b == b'1') {
        return Err(bad(row, field, "not a 64-bit 0/1 string", reply));
    }
    let mut out = Outcome::default();
    let mut known = Vec::new();
    let mut known_bits = Vec::new();
    let mut unknown = Vec::new();
    for (i, _) in field.iter().enumerate().filter(|(_, b)| **b == b'1') {
        let n = i + 1;
        match QWS_TEXTS.iter().find(|(bit, _)| *bit == n) {
            Some((_, text)) => {
                known.push(*text);
                known_bits.push(format!("#{n}"));
            }
            None => unknown.push(format!("#{n}")),
        }
        match n {
            8 => out.tokens.push(Token::set(StatusBit::LowBattery)),
            9 => out.tokens.push(Token::set(StatusBit::Overload)),
            56 => out.tokens.push(Token::set(StatusBit::ReplaceBattery)),
            _ => {}
        }
    }
    if known.is_empty() && unknown.is_empty() {
        return Ok(out);
    }
    let mut text = String::from("UPS warnings:");
    for k in &known {
        text.push(' ');
        text.push_str(k);
    }
    if !unknown.is_empty() {
        text.push_str(&format!(" Unknown warnings [bit: {}]", unknown.join(", ")));
    }
    if text.len() >= QWS_TEXT_LIMIT {
        text = format!(
            "UPS warnings: Known (see log or manual) [bit: {}]",
            known_bits.join(", ")
        );
        if !unknown.is_empty() {
            text.push_str(&format!("; Unknown warnings [bit: {}]", unknown.join(", ")));
        }
    }
    out.alarm = Some(text);
    Ok(out)
}
