//! Value conversion (qx-protocols §1.5): one row's field to a value, status
//! tokens or alarm text, including the Q1/QGS status bits and the Vout/Vin
//! classification of the bypass/boost/buck bit.

use std::collections::BTreeMap;

use super::bad;
use super::bestups::{bestups_model, bestups_voltage_set};
use super::extra;
use super::field::{bit, number, one_char, text_of, trim_hash_space};
use super::layout;
use super::masterguard::masterguard;
use super::qs_hex::qs_hex;
use super::voltronic::qws;
use super::{Context, Outcome};
use crate::error::Error;
use crate::qx::rows::{BestupsM, Conv, Flags, Q1Bit, QgsBit, Row};
use crate::qx::status::StatusBit;

/// Converts a field (§1.5 and the protocol value hooks).
pub fn convert(
    row: &Row,
    field: &[u8],
    reply: &[u8],
    ctx: &mut Context<'_>,
) -> Result<Outcome, Error> {
    layout::check(row, field, reply)?;
    let trimmed: &[u8] = if row.flags.has(Flags::TRIM) {
        trim_hash_space(field)
    } else {
        field
    };
    let out = match row.conv {
        Conv::Num(fmt) => Outcome::value(fmt.apply(number(row, trimmed, reply)?)),
        Conv::Text => Outcome::value(text_of(row, trimmed, reply)?.to_owned()),
        Conv::Const(v) => Outcome::value(v.to_owned()),
        Conv::BattVolt(fmt) => {
            let v = number(row, trimmed, reply)?;
            ctx.state.scaled_battery_row = true;
            if ctx.one_pack && ctx.packs >= 2.0 {
                Outcome::value(format!("{:.2}", v * ctx.packs))
            } else {
                // As received when the text is a plain number, else printed.
                let text = text_of(row, trimmed, reply)?.trim();
                let plain = text.parse::<f64>().is_ok_and(|t| t == v);
                Outcome::value(if plain { text.to_owned() } else { fmt.apply(v) })
            }
        }
        Conv::Minutes | Conv::DigitsMinutes => {
            Outcome::value(format!("{:.0}", number(row, trimmed, reply)? * 60.0))
        }
        Conv::Kilo => Outcome::value(format!("{:.2}", number(row, trimmed, reply)? * 1000.0)),
        Conv::Q1Bit(role) => q1_bit(row, role, trimmed, reply, ctx)?,
        Conv::BestupsBit40 => {
            let mut on = bit(row, trimmed, reply)?;
            let st = ctx.status;
            if !st.has(StatusBit::OnLine)
                || st.has(StatusBit::Calibrating)
                || st.has(StatusBit::ForcedShutdown)
            {
                on = false;
            } else if matches!(ctx.state.bestups_model.as_deref(), Some("PR2" | "PRO")) {
                on = !on;
            }
            if on {
                ratio_token(ratio(row, trimmed, reply, ctx.vars)?)
            } else {
                Outcome::default()
            }
        }
        Conv::Topology => Outcome::value(
            if bit(row, trimmed, reply)? {
                "star"
            } else {
                "delta"
            }
            .to_owned(),
        ),
        Conv::QsModel(letters) => {
            let c = one_char(row, trimmed, reply)?.to_ascii_uppercase();
            if !letters.contains(&c) {
                return Err(bad(row, trimmed, "unknown model letter", reply));
            }
            ctx.state.qs_hex_t = c == b'T';
            Outcome::value(format!("PM-{}", char::from(c)))
        }
        Conv::QsHex(f) => qs_hex(row, f, trimmed, reply)?,
        Conv::VoltronicQpi => {
            let id = trimmed
                .strip_prefix(b"PI")
                .and_then(|d| std::str::from_utf8(d).ok())
                .filter(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u8>().ok())
                .ok_or_else(|| bad(row, trimmed, "not a PInn protocol id", reply))?;
            if ![0, 1, 2, 3, 8, 9, 10, 13, 14, 31, 99].contains(&id) {
                return Err(bad(row, trimmed, "unsupported protocol id", reply));
            }
            ctx.state.voltronic_id = Some(id);
            Outcome::value(format!("P{id:02}"))
        }
        Conv::MecerQpi => {
            if !trimmed.eq_ignore_ascii_case(b"PI98") {
                return Err(bad(row, trimmed, "not PI98", reply));
            }
            Outcome::value("Voltronic Power P98".to_owned())
        }
        Conv::QgsType => Outcome::value(
            match trimmed {
                b"00" => "offline",
                b"01" => "line-interactive",
                b"10" => "online",
                _ => return Err(bad(row, trimmed, "unknown ups type", reply)),
            }
            .to_owned(),
        ),
        Conv::QgsBit(role) => qgs_bit(row, role, trimmed, reply, ctx)?,
        Conv::QmodStatus => match one_char(row, trimmed, reply)? {
            b'S' => Outcome::token(StatusBit::Off, true),
            b'Y' => Outcome::token(StatusBit::Bypass, true),
            b'L' => Outcome::token(StatusBit::OnLine, true),
            b'B' => Outcome::token(StatusBit::OnLine, false),
            b'T' => Outcome::token(StatusBit::Calibrating, true),
            b'D' => Outcome::token(StatusBit::ForcedShutdown, true),
            b'P' | b'F' | b'E' | b'C' => Outcome::default(),
            _ => return Err(bad(row, trimmed, "unknown mode letter", reply)),
        },
        Conv::QmodAlarm => match one_char(row, trimmed, reply)? {
            b'P' => Outcome::alarm("UPS is going ON."),
            b'F' => Outcome::alarm("Fault reported by UPS."),
            b'D' => Outcome::alarm("UPS is shutting down!"),
            b'S' | b'Y' | b'L' | b'B' | b'T' | b'E' | b'C' => Outcome::default(),
            _ => return Err(bad(row, trimmed, "unknown mode letter", reply)),
        },
        Conv::Qws => qws(row, trimmed, reply)?,
        Conv::NonZeroSerial => {
            let text = text_of(row, trimmed, reply)?;
            if text.bytes().all(|b| b == b'0') {
                return Err(bad(row, trimmed, "all-zero serial", reply));
            }
            Outcome::value(text.to_owned())
        }
        Conv::PowerFactor => Outcome::value(format!("{:.1}", number(row, trimmed, reply)? * 0.01)),
        Conv::BestupsMfr | Conv::BestupsModel => {
            let code = text_of(row, trimmed, reply)?;
            let (mfr, model) = bestups_model(code);
            ctx.state.bestups_model = Some(code.to_owned());
            Outcome::value(if row.conv == Conv::BestupsMfr {
                mfr.to_owned()
            } else {
                model
            })
        }
        Conv::BestupsM(col) => {
            let digit = one_char(row, trimmed, reply)?;
            if !digit.is_ascii_digit() {
                return Err(bad(row, trimmed, "voltage set is not a digit", reply));
            }
            let nominal = ["input.voltage.nominal", "output.voltage.nominal"]
                .iter()
                .find_map(|n| ctx.vars.get(*n).and_then(|v| v.parse::<f64>().ok()));
            let set = bestups_voltage_set(digit - b'0', nominal.is_some_and(|n| n > 160.0));
            let v = match col {
                BestupsM::Low => set[0],
                BestupsM::Boost => set[1],
                BestupsM::Nominal => set[2],
                BestupsM::Buck => set[3],
                BestupsM::High => set[4],
            };
            Outcome::value(v.to_string())
        }
        Conv::HunnoxBl => {
            let digits = trimmed
                .strip_prefix(b"BL")
                .ok_or_else(|| bad(row, trimmed, "reply does not start with BL", reply))?;
            // An integer (qx-protocols §2.13): no padding, sign or fraction.
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad(row, trimmed, "charge is not an integer", reply));
            }
            let v = number(row, digits, reply)?;
            if !(0.0..=100.0).contains(&v) {
                return Err(bad(row, trimmed, "charge outside 0..100", reply));
            }
            Outcome::value(format!("{v:.0}"))
        }
        Conv::Mg(mg) => masterguard(row, mg, trimmed, reply, ctx)?,
        Conv::Omron(c) => extra::omron(row, c, trimmed, reply)?,
        Conv::Axpert(c) => extra::axpert(row, c, trimmed, reply)?,
        Conv::Ablerex(c) => extra::ablerex(row, c, trimmed, reply, ctx)?,
        Conv::GtecStatus => extra::gtec_status(row, trimmed, reply)?,
    };
    Ok(out)
}

fn q1_bit(
    row: &Row,
    role: Q1Bit,
    field: &[u8],
    reply: &[u8],
    ctx: &Context<'_>,
) -> Result<Outcome, Error> {
    let on = bit(row, field, reply)?;
    Ok(match role {
        Q1Bit::UtilityFail => Outcome::token(StatusBit::OnLine, !on),
        Q1Bit::BatteryLow => Outcome::token(StatusBit::LowBattery, on),
        Q1Bit::BypassBoostBuck if on => ratio_token(ratio(row, field, reply, ctx.vars)?),
        Q1Bit::BypassBoostBuck => Outcome::default(),
        Q1Bit::UpsFailed if on => Outcome::alarm("UPS selftest failed!"),
        Q1Bit::UpsFailed => Outcome::default(),
        Q1Bit::UpsType => Outcome::value(
            if on {
                "offline / line interactive"
            } else {
                "online"
            }
            .to_owned(),
        ),
        Q1Bit::TestInProgress => Outcome::token(StatusBit::Calibrating, on),
        Q1Bit::ShutdownActive => Outcome::token(StatusBit::ForcedShutdown, on),
        Q1Bit::Beeper => Outcome::value(if on { "enabled" } else { "disabled" }.to_owned()),
    })
}

fn qgs_bit(
    row: &Row,
    role: QgsBit,
    field: &[u8],
    reply: &[u8],
    ctx: &Context<'_>,
) -> Result<Outcome, Error> {
    let on = bit(row, field, reply)?;
    let avr_only = matches!(ctx.state.voltronic_id, Some(0 | 8));
    Ok(match role {
        QgsBit::UtilityFail => Outcome::token(StatusBit::OnLine, !on),
        QgsBit::BatteryLow => Outcome::token(StatusBit::LowBattery, on),
        QgsBit::BypassBoostBuck if on => match ratio(row, field, reply, ctx.vars)? {
            Ratio::Bypass if avr_only => Outcome::default(),
            r => ratio_token(r),
        },
        QgsBit::BypassAlarm if on => match ratio(row, field, reply, ctx.vars)? {
            Ratio::Trim => Outcome::alarm("TRIM"),
            Ratio::Bypass if avr_only => Outcome::alarm("UPS is in AVR Mode."),
            Ratio::Bypass => Outcome::default(),
            Ratio::Boost => Outcome::alarm("BOOST"),
        },
        QgsBit::BypassBoostBuck | QgsBit::BypassAlarm => Outcome::default(),
        QgsBit::TestInProgress => Outcome::token(StatusBit::Calibrating, on),
        QgsBit::ShutdownActive => Outcome::token(StatusBit::ForcedShutdown, on),
        // Without the alarm-control capability (QFLAG not read here):
        // `1` = disabled, `0` = enabled.
        QgsBit::Beeper => Outcome::value(if on { "disabled" } else { "enabled" }.to_owned()),
    })
}

/// Vout/Vin classification of the bypass/boost/buck bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ratio {
    Trim,
    Bypass,
    Boost,
}

pub(super) fn ratio(
    row: &Row,
    field: &[u8],
    reply: &[u8],
    vars: &BTreeMap<String, String>,
) -> Result<Ratio, Error> {
    let get = |name: &str| vars.get(name).and_then(|v| v.trim().parse::<f64>().ok());
    let (Some(vin), Some(vout)) = (get("input.voltage"), get("output.voltage")) else {
        return Err(bad(
            row,
            field,
            "no input/output voltage to classify",
            reply,
        ));
    };
    let r = vout / vin;
    if r.is_nan() || r < 0.5 {
        Err(bad(
            row,
            field,
            "output/input voltage ratio below 0.5",
            reply,
        ))
    } else if r < 0.95 {
        Ok(Ratio::Trim)
    } else if r < 1.05 {
        Ok(Ratio::Bypass)
    } else if r < 1.5 {
        Ok(Ratio::Boost)
    } else {
        Err(bad(
            row,
            field,
            "output/input voltage ratio above 1.5",
            reply,
        ))
    }
}

fn ratio_token(r: Ratio) -> Outcome {
    Outcome::token(
        match r {
            Ratio::Trim => StatusBit::Trim,
            Ratio::Bypass => StatusBit::Bypass,
            Ratio::Boost => StatusBit::Boost,
        },
        true,
    )
}
