//! Conversions of the dialects around the Megatec core: OMRON extension
//! replies (qx-protocols §2.1), voltronic-axpert (§2.3), Ablerex (§2.14)
//! and the gtec status letters (§2.20).

use super::convert::{Ratio, ratio};
use super::field::{bit, number, one_char, text_of};
use super::{Context, Outcome, bad};
use crate::error::Error;
use crate::qx::rows::{AblerexConv, AxpertConv, OmronConv, Row};
use crate::qx::status::{StatusBit, Token};

/// A strict decimal: digits with an optional fraction, an optional sign
/// when `signed`.
fn strict_decimal(text: &[u8], signed: bool) -> Option<f64> {
    let body = match text.first() {
        Some(b'+' | b'-') if signed => text.get(1..)?,
        _ => text,
    };
    let (int, frac) = match body.iter().position(|&b| b == b'.') {
        Some(dot) => (&body[..dot], Some(&body[dot + 1..])),
        None => (body, None),
    };
    let digits = |p: &[u8]| !p.is_empty() && p.iter().all(u8::is_ascii_digit);
    if !digits(int) || !frac.is_none_or(digits) || text.len() > 16 {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

fn digits_only(row: &Row, field: &[u8], reply: &[u8]) -> Result<f64, Error> {
    if field.is_empty() || field.len() > 10 || !field.iter().all(u8::is_ascii_digit) {
        return Err(bad(row, field, "not digits only", reply));
    }
    number(row, field, reply)
}

/// The text of the reply up to its terminator.
fn line(reply: &[u8]) -> &[u8] {
    let end = reply
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(reply.len());
    &reply[..end]
}

/// Whether `line` is `ddddW/ddddVA/dddV/dddW/dddW`.
fn omron_un_shape(line: &[u8]) -> bool {
    const SHAPE: &[u8] = b"ddddW/ddddVA/dddV/dddW/dddW";
    line.len() == SHAPE.len()
        && line.iter().zip(SHAPE).all(|(&b, &s)| {
            if s == b'd' {
                b.is_ascii_digit()
            } else {
                b == s
            }
        })
}

fn valid_date(y: u32, m: u32, d: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// OMRON extension replies (§2.1): each reply validated whole.
pub(super) fn omron(
    row: &Row,
    conv: OmronConv,
    field: &[u8],
    reply: &[u8],
) -> Result<Outcome, Error> {
    Ok(match conv {
        OmronConv::Charge => {
            let v = digits_only(row, field, reply)?;
            if v > 100.0 {
                return Err(bad(row, field, "charge above 100", reply));
            }
            Outcome::value(format!("{v:.1}"))
        }
        OmronConv::Runtime => {
            Outcome::value(format!("{:.0}", digits_only(row, field, reply)? * 60.0))
        }
        OmronConv::Temperature => {
            let v = strict_decimal(field, true)
                .ok_or_else(|| bad(row, field, "not a signed decimal", reply))?;
            Outcome::value(format!("{v:.1}"))
        }
        OmronConv::Frequency => {
            let v = strict_decimal(field, false)
                .ok_or_else(|| bad(row, field, "not a decimal", reply))?;
            Outcome::value(format!("{v:.1}"))
        }
        OmronConv::Serial => {
            if field.len() >= 3 && field[..3].eq_ignore_ascii_case(b"NAK") {
                return Err(bad(row, field, "serial refused (NAK)", reply));
            }
            let text = text_of(row, field, reply)?;
            if text.is_empty() {
                return Err(bad(row, field, "empty serial", reply));
            }
            Outcome::value(text.to_owned())
        }
        OmronConv::Firmware => {
            let parsed = field
                .strip_prefix(b"M:")
                .and_then(|rest| rest.strip_suffix(b")"))
                .and_then(|rest| {
                    let open = rest.iter().position(|&b| b == b'(')?;
                    let aux = rest.get(open + 1..)?.strip_prefix(b"S:")?;
                    Some((
                        strict_decimal(&rest[..open], false)?,
                        strict_decimal(aux, false)?,
                    ))
                });
            let (main, aux) =
                parsed.ok_or_else(|| bad(row, field, "not M:<main>(S:<aux>)", reply))?;
            let mut out = Outcome::value(format!("{main:.2}"));
            out.extra.push(("ups.firmware.aux", format!("{aux:.2}")));
            out
        }
        OmronConv::BatteryDate => {
            let date = (field.len() == 8 && field.iter().all(u8::is_ascii_digit))
                .then(|| std::str::from_utf8(field).ok())
                .flatten()
                .ok_or_else(|| bad(row, field, "not YYYYMMDD", reply))?;
            let part = |r: std::ops::Range<usize>| date.get(r).and_then(|p| p.parse::<u32>().ok());
            let (Some(y), Some(m), Some(d)) = (part(0..4), part(4..6), part(6..8)) else {
                return Err(bad(row, field, "not YYYYMMDD", reply));
            };
            if !valid_date(y, m, d) {
                return Err(bad(row, field, "not a calendar date", reply));
            }
            Outcome::value(format!("{y:04}-{m:02}-{d:02}"))
        }
        OmronConv::Nominal => {
            if !omron_un_shape(line(reply)) {
                return Err(bad(
                    row,
                    line(reply),
                    "not ddddW/ddddVA/dddV/dddW/dddW",
                    reply,
                ));
            }
            Outcome::value(format!("{:.0}", digits_only(row, field, reply)?))
        }
    })
}

/// voltronic-axpert `QPIWS` warning texts, by 1-based bit (App. B).
const QPIWS_TEXTS: [(usize, &str); 23] = [
    (1, "Device has fault."),
    (2, "CPU is performing the auto-correction of AD signals."),
    (3, "An external Flash device failed."),
    (4, "Input PV is found lost."),
    (5, "PV input voltage reads low."),
    (6, "Power island."),
    (7, "An Error occurred in the CPU initialization."),
    (8, "Power grid voltage exceeds the upper threshold."),
    (9, "Power grid voltage falls below the lower threshold."),
    (10, "Power grid frequency exceeds the upper threshold."),
    (11, "Power grid frequency falls below the lower threshold."),
    (
        12,
        "Power grid-connected average voltage exceeds the maximum threshold.",
    ),
    (13, "Require power from the power grid."),
    (14, "Emergent grid disconnection."),
    (15, "Battery voltage is too low."),
    (16, "Low battery."),
    (17, "Battery disconnected."),
    (18, "End of battery discharge."),
    (19, "Overload."),
    (20, "EPO active."),
    (23, "Over temperature alarm."),
    (24, "No electrical ground."),
    (25, "Fan fault."),
];
/// Longest `QPIWS` bit string read.
const QPIWS_MAX_BITS: usize = 64;

/// The `QPIGS` device-status flags (bytes 83–90) must be a whole run of
/// `0`/`1`/`-` between separators, so a shifted reply fails.
fn qpigs_flags_whole(reply: &[u8]) -> bool {
    let run = reply.get(83..=90).unwrap_or_default();
    run.len() == 8
        && run.iter().all(|b| matches!(b, b'0' | b'1' | b'-'))
        && reply.get(82) == Some(&b' ')
        && reply.get(91).is_none_or(|b| matches!(b, b' ' | b'\r'))
}

/// voltronic-axpert conversions (§2.3).
pub(super) fn axpert(
    row: &Row,
    conv: AxpertConv,
    field: &[u8],
    reply: &[u8],
) -> Result<Outcome, Error> {
    let pick = |table: &[(&[u8], &str)], what: &'static str| -> Result<Outcome, Error> {
        table
            .iter()
            .find(|(code, _)| *code == field)
            .map(|(_, text)| Outcome::value((*text).to_owned()))
            .ok_or_else(|| bad(row, field, what, reply))
    };
    Ok(match conv {
        AxpertConv::Qpi => {
            if field != b"PI30" {
                return Err(bad(row, field, "not PI30", reply));
            }
            Outcome::value("P30".to_owned())
        }
        AxpertConv::Firmware => Outcome::value(format!("0X{}", text_of(row, field, reply)?)),
        AxpertConv::BatteryType => {
            pick(&[(b"0", "AGM"), (b"1", "Flooded")], "unknown battery type")?
        }
        AxpertConv::ModelType => pick(
            &[
                (b"00", "Grid-tie"),
                (b"01", "Off-grid"),
                (b"10", "Hybrid"),
                (b"11", "Off Grid with 2 Trackers"),
            ],
            "unknown machine type",
        )?,
        AxpertConv::Description => pick(
            &[(b"0", "Transformerless"), (b"1", "With transformer")],
            "unknown topology",
        )?,
        AxpertConv::LoadOn | AxpertConv::Charging => {
            if !qpigs_flags_whole(reply) {
                return Err(bad(row, field, "status flags not a whole run", reply));
            }
            let on = match one_char(row, field, reply)? {
                b'-' => return Ok(Outcome::default()),
                _ => bit(row, field, reply)?,
            };
            if conv == AxpertConv::LoadOn {
                Outcome::token(StatusBit::Off, !on)
            } else {
                Outcome::token(StatusBit::Charging, on)
            }
        }
        AxpertConv::Warnings => {
            if field.is_empty()
                || field.len() > QPIWS_MAX_BITS
                || !field.iter().all(|b| matches!(b, b'0' | b'1' | b'-'))
            {
                return Err(bad(row, field, "not a 0/1/- warning string", reply));
            }
            let mut out = Outcome::default();
            let mut texts = Vec::new();
            for (i, _) in field.iter().enumerate().filter(|(_, b)| **b == b'1') {
                let n = i + 1;
                if let Some((_, text)) = QPIWS_TEXTS.iter().find(|(b, _)| *b == n) {
                    texts.push(*text);
                }
                match n {
                    16 => out.tokens.push(Token::set(StatusBit::LowBattery)),
                    19 => out.tokens.push(Token::set(StatusBit::Overload)),
                    _ => {}
                }
            }
            if !texts.is_empty() {
                out.alarm = Some(format!("Device warnings: {}", texts.join(" ")));
            }
            out
        }
        AxpertConv::ModeStatus => match one_char(row, field, reply)? {
            b'S' => Outcome::token(StatusBit::Off, true),
            b'L' => Outcome::token(StatusBit::OnLine, true),
            b'B' => Outcome::token(StatusBit::OnLine, false),
            _ => Outcome::default(),
        },
        AxpertConv::ModeAlarm => match one_char(row, field, reply)? {
            b'P' => Outcome::alarm("Device is going ON."),
            b'F' => Outcome::alarm("Fault reported by device."),
            _ => Outcome::default(),
        },
    })
}

/// Ablerex "online" (per-cell) charge table: first threshold ≤ v.
const ABLEREX_CELL: [(f64, u8); 55] = [
    (2.22, 100),
    (2.21, 90),
    (2.20, 88),
    (2.19, 87),
    (2.18, 85),
    (2.17, 83),
    (2.16, 82),
    (2.15, 80),
    (2.14, 78),
    (2.13, 77),
    (2.12, 75),
    (2.11, 73),
    (2.10, 72),
    (2.09, 70),
    (2.08, 68),
    (2.07, 65),
    (2.06, 65),
    (2.05, 62),
    (2.04, 62),
    (2.03, 58),
    (2.02, 58),
    (2.01, 55),
    (2.00, 55),
    (1.99, 53),
    (1.98, 52),
    (1.97, 50),
    (1.96, 48),
    (1.95, 47),
    (1.94, 45),
    (1.93, 43),
    (1.92, 42),
    (1.91, 40),
    (1.90, 38),
    (1.89, 37),
    (1.88, 35),
    (1.87, 33),
    (1.86, 32),
    (1.85, 30),
    (1.84, 28),
    (1.83, 27),
    (1.82, 25),
    (1.81, 23),
    (1.80, 22),
    (1.79, 20),
    (1.78, 18),
    (1.77, 17),
    (1.76, 15),
    (1.75, 13),
    (1.74, 12),
    (1.73, 10),
    (1.72, 8),
    (1.71, 7),
    (1.70, 5),
    (1.69, 3),
    (1.68, 2),
];
/// Ablerex "offline" (12 V block) charge table: first threshold ≤ v.
const ABLEREX_BLOCK: [(f64, u8); 34] = [
    (13.5, 100),
    (13.3, 90),
    (13.2, 88),
    (13.1, 86),
    (13.0, 83),
    (12.9, 80),
    (12.8, 77),
    (12.7, 74),
    (12.6, 72),
    (12.5, 69),
    (12.4, 66),
    (12.3, 63),
    (12.2, 61),
    (12.1, 58),
    (12.0, 55),
    (11.9, 52),
    (11.8, 49),
    (11.7, 47),
    (11.6, 44),
    (11.5, 41),
    (11.4, 38),
    (11.3, 36),
    (11.2, 33),
    (11.1, 30),
    (11.0, 27),
    (10.9, 24),
    (10.8, 22),
    (10.7, 19),
    (10.6, 16),
    (10.5, 13),
    (10.4, 11),
    (10.3, 8),
    (10.2, 5),
    (10.1, 2),
];

/// The Ablerex charge for a battery reading `v` (per cell below 3 V,
/// per 12 V block otherwise).
pub(super) fn ablerex_charge(v: f64) -> u8 {
    let table: &[(f64, u8)] = if v < 3.0 {
        &ABLEREX_CELL
    } else {
        &ABLEREX_BLOCK
    };
    table
        .iter()
        .find(|(threshold, _)| *threshold <= v)
        .map_or(0, |(_, charge)| *charge)
}

fn be16(reply: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*reply.get(at)?, *reply.get(at + 1)?]))
}

/// Ablerex conversions (§2.14).
pub(super) fn ablerex(
    row: &Row,
    conv: AblerexConv,
    field: &[u8],
    reply: &[u8],
    ctx: &mut Context<'_>,
) -> Result<Outcome, Error> {
    let nominal = ctx
        .vars
        .get("battery.voltage.nominal")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite());
    let vout = ctx
        .vars
        .get("output.voltage")
        .and_then(|v| v.trim().parse::<f64>().ok());
    Ok(match conv {
        AblerexConv::BatteryVoltage => {
            let v = number(row, field, reply)?;
            let vb = ctx.state.ablerex_vb.filter(|vb| *vb > 0.0);
            let out = match (nominal, vb) {
                (None, _) => v,
                (Some(nom), Some(vb)) => vb * nom / 1200.0,
                (Some(_), None) if v > 3.0 => v,
                (Some(nom), None) => v * 6.0 * nom / 12.0,
            };
            Outcome::value(format!("{out:.2}"))
        }
        AblerexConv::Charge => {
            let v = number(row, field, reply)?;
            let charge = match nominal {
                None => 100,
                Some(nom) => ablerex_charge(if v > 3.0 { v / (nom / 12.0) } else { v }),
            };
            Outcome::value(charge.to_string())
        }
        AblerexConv::Bypass => {
            let [b40, _, b42] = field else {
                return Err(bad(row, field, "expected bytes 40-42", reply));
            };
            let mut out = Outcome::default();
            let chosen = match b40 {
                b'1' if *b42 == b'1' => Some(match ratio(row, field, reply, ctx.vars)? {
                    Ratio::Trim => StatusBit::Trim,
                    Ratio::Bypass => StatusBit::Bypass,
                    Ratio::Boost => StatusBit::Boost,
                }),
                b'1' => Some(StatusBit::Bypass),
                b'0' => None,
                _ => return Err(bad(row, field, "status bit is not 0 or 1", reply)),
            };
            // The tokens go to the status line of this poll only.
            for b in [StatusBit::Trim, StatusBit::Bypass, StatusBit::Boost] {
                out.tokens.push(Token {
                    bit: b,
                    on: chosen == Some(b),
                });
            }
            out
        }
        AblerexConv::Failed => {
            let failed = bit(row, field, reply)?;
            let off = failed && vout.is_some_and(|v| v < 50.0);
            let mut out = Outcome::token(StatusBit::ReplaceBattery, failed);
            out.tokens.push(Token {
                bit: StatusBit::Off,
                on: off,
            });
            out
        }
        AblerexConv::VoltageLow | AblerexConv::VoltageHigh => {
            let nom =
                nominal.ok_or_else(|| bad(row, field, "no nominal battery voltage", reply))?;
            let raw = if conv == AblerexConv::VoltageHigh {
                1365.0
            } else {
                ctx.state.ablerex_vbc.filter(|v| *v > 0.0).unwrap_or(960.0)
            };
            Outcome::value(format!("{:.2}", raw * nom / 1200.0))
        }
        AblerexConv::Q5 => {
            let word = |at| be16(reply, at).ok_or_else(|| bad(row, field, "Q5 too short", reply));
            let freq = f64::from(word(1)?) / 10.0;
            ctx.state.ablerex_vb = Some(f64::from(word(7)?));
            ctx.state.ablerex_vbc = Some(f64::from(word(9)?));
            let error_code = word(13)?;
            let current = f64::from(word(15)?) / 10.0;
            let mut out = Outcome::value(format!("{freq:.1}"));
            out.extra.push(("output.current", format!("{current:.1}")));
            // NUT adds the error code to the alarms even when it is 0
            // (qx-protocols §2.14 [quirk]; the ddl dumps show `ups.alarm: 0`).
            out.alarm = Some(error_code.to_string());
            out
        }
        AblerexConv::Runtime => {
            let bytes = reply
                .get(1..=4)
                .ok_or_else(|| bad(row, field, "At too short", reply))?;
            let raw = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            // NUT computes it in a C int.
            Outcome::value((raw as i32).to_string())
        }
        AblerexConv::TestResult => {
            let bytes = reply
                .get(1..=4)
                .ok_or_else(|| bad(row, field, "TR too short", reply))?;
            Outcome::value(text_of(row, bytes, reply)?.to_owned())
        }
    })
}

/// gtec `Q4` status letters (§2.20).
pub(super) fn gtec_status(row: &Row, field: &[u8], reply: &[u8]) -> Result<Outcome, Error> {
    let text = text_of(row, field, reply)?;
    let mut out = Outcome::token(StatusBit::OnLine, true);
    let mut alarms = Vec::new();
    let mut mode = None;
    for c in text.bytes() {
        let test = match c {
            b'A' | b'C' | b'M' => {
                mode = Some(c);
                None
            }
            b'B' => {
                out.tokens.push(Token::set(StatusBit::LowBattery));
                None
            }
            b'D' => {
                alarms.push("UPS failed");
                None
            }
            b'E' => Some("Test in progress"),
            b'F' => {
                out.tokens.push(Token::set(StatusBit::ForcedShutdown));
                None
            }
            b'G' => {
                alarms.push("Site fault");
                None
            }
            b'H' => {
                alarms.push("EPROM fail");
                None
            }
            b'I' => Some("Test passed - Result: OK"),
            b'J' => {
                out.tokens.push(Token::set(StatusBit::ReplaceBattery));
                Some("Test passed - Result: Failed")
            }
            b'K' => Some("Battery disconnected"),
            b'L' => Some("Test status unknown"),
            b'N' => {
                out.tokens.push(Token::set(StatusBit::Overload));
                None
            }
            b'P' => {
                alarms.push("Battery disconnected");
                None
            }
            _ => None,
        };
        if let Some(t) = test {
            out.extra.push(("battery.test.status", t.to_owned()));
        }
    }
    out.tokens.push(match mode {
        Some(b'A') => Token::clear(StatusBit::OnLine),
        Some(b'C') => Token::set(StatusBit::Bypass),
        Some(_) => Token::set(StatusBit::OnLine),
        // [quirk] no mode letter: OFF, with OL still set.
        None => Token::set(StatusBit::Off),
    });
    if !alarms.is_empty() {
        out.alarm = Some(alarms.join(" "));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ablerex_charge_tables() {
        assert_eq!(ablerex_charge(2.25), 100);
        assert_eq!(ablerex_charge(2.22), 100);
        assert_eq!(ablerex_charge(2.215), 90);
        assert_eq!(ablerex_charge(1.68), 2);
        assert_eq!(ablerex_charge(1.5), 0);
        assert_eq!(ablerex_charge(13.7), 100);
        assert_eq!(ablerex_charge(12.05), 55);
        assert_eq!(ablerex_charge(10.1), 2);
        assert_eq!(ablerex_charge(9.0), 0);
    }

    #[test]
    fn strict_decimals() {
        assert_eq!(strict_decimal(b"+22.5", true), Some(22.5));
        assert_eq!(strict_decimal(b"-3", true), Some(-3.0));
        assert_eq!(strict_decimal(b"-3", false), None);
        assert_eq!(strict_decimal(b"2.", false), None);
        assert_eq!(strict_decimal(b".5", false), None);
        assert_eq!(strict_decimal(b"1.2.3", false), None);
        assert_eq!(strict_decimal(b"", false), None);
    }

    #[test]
    fn omron_un_shape_is_exact() {
        assert!(omron_un_shape(b"1125W/1125VA/048V/160W/020W"));
        assert!(!omron_un_shape(b"1125W/1125VA/048V/160W/020"));
        assert!(!omron_un_shape(b"1125W/1125VA/048V/160W/020W0"));
        assert!(!omron_un_shape(b"112xW/1125VA/048V/160W/020W"));
    }

    #[test]
    fn calendar_dates() {
        assert!(valid_date(2024, 2, 29));
        assert!(!valid_date(2023, 2, 29));
        assert!(!valid_date(1900, 2, 29));
        assert!(valid_date(2000, 2, 29));
        assert!(!valid_date(2026, 13, 1));
        assert!(!valid_date(2026, 4, 31));
        assert!(!valid_date(2026, 1, 0));
    }
}
