//! Masterguard conversions: model names and VA, cell counts, status bits,
//! test results and the power/current values derived from the load.

use super::bad;
use super::field::{bit, number, one_char, text_of};
use super::{Context, Outcome};
use crate::error::Error;
use crate::qx::rows::{Mg, MgBit, Row};
use crate::qx::status::StatusBit;

/// Masterguard model text → (name, VA).
pub fn masterguard_model(text: &str) -> Option<(String, f64)> {
    let compact: String = text.chars().take(6).filter(|c| *c != ' ').collect();
    let (base, va) = [
        ("A700", 700.0),
        ("A1000", 1000.0),
        ("A2000", 2000.0),
        ("A3000", 3000.0),
        ("E60", 6000.0),
        ("E100", 10000.0),
        ("E200", 20000.0),
    ]
    .into_iter()
    .find(|(name, _)| compact.starts_with(name) && compact.len() == name.len())
    .or_else(|| {
        [("E60", 6000.0), ("E100", 10000.0), ("E200", 20000.0)]
            .into_iter()
            .find(|(name, _)| compact.starts_with(name))
    })?;
    let suffix = if text.contains("-19") { "-19" } else { "" };
    Some((format!("{base}{suffix}"), va))
}

pub(super) fn masterguard(
    row: &Row,
    mg: Mg,
    field: &[u8],
    reply: &[u8],
    ctx: &mut Context<'_>,
) -> Result<Outcome, Error> {
    let var_num = |name: &str| ctx.vars.get(name).and_then(|v| v.parse::<f64>().ok());
    Ok(match mg {
        Mg::SlaveAddress => {
            if field.len() != 2 || !field.iter().all(u8::is_ascii_digit) {
                return Err(bad(row, field, "slave address is not two digits", reply));
            }
            let v = number(row, field, reply)?;
            ctx.state.mg_slave = Some(v as u8);
            Outcome::value(format!("{v:.0}"))
        }
        Mg::Series => {
            let c = one_char(row, field, reply)?;
            if c != b'A' && c != b'E' {
                return Err(bad(row, field, "series is not A or E", reply));
            }
            ctx.state.mg_series = Some(c);
            Outcome::value(char::from(c).to_string())
        }
        Mg::Model | Mg::Power => {
            let text = text_of(row, field, reply)?;
            let (name, va) =
                masterguard_model(text).ok_or_else(|| bad(row, field, "unknown model", reply))?;
            ctx.state.mg_va = Some(va);
            Outcome::value(if mg == Mg::Model {
                name
            } else {
                format!("{va:.0}")
            })
        }
        Mg::Cells => {
            let v = number(row, field, reply)?;
            ctx.state.mg_cells = Some(v.trunc());
            Outcome::value(format!("{v:.0}"))
        }
        Mg::CellsTimes => {
            let v = number(row, field, reply)?;
            let cells = ctx
                .state
                .mg_cells
                .ok_or_else(|| bad(row, field, "cell count unknown", reply))?;
            Outcome::value(format!("{:.2}", v * cells))
        }
        Mg::MinSec => {
            let text = text_of(row, field, reply)?;
            let (m, s) = text
                .trim()
                .split_once('.')
                .ok_or_else(|| bad(row, field, "not mmm.ss", reply))?;
            let m = number(row, m.as_bytes(), reply)?;
            let s = number(row, s.as_bytes(), reply)?;
            Outcome::value(format!("{:.0}", m * 60.0 + s))
        }
        Mg::UpsPower | Mg::OutputCurrent | Mg::OutputCurrentNominal => {
            let va = ctx
                .state
                .mg_va
                .ok_or_else(|| bad(row, field, "nominal power unknown", reply))?;
            let load = number(row, field, reply)?;
            let vout = var_num("output.voltage").filter(|v| *v > 0.0);
            match mg {
                Mg::UpsPower => Outcome::value(format!("{:.0}", load / 100.0 * va + 0.5)),
                Mg::OutputCurrent => {
                    let vout =
                        vout.ok_or_else(|| bad(row, field, "output voltage unknown", reply))?;
                    Outcome::value(format!("{:.2}", load / 100.0 * va / vout + 0.005))
                }
                _ => {
                    let vout =
                        vout.ok_or_else(|| bad(row, field, "output voltage unknown", reply))?;
                    Outcome::value(format!("{:.2}", va / vout + 0.005))
                }
            }
        }
        Mg::Bit(b) => {
            let on = bit(row, field, reply)?;
            match b {
                MgBit::UtilityFail => Outcome::token(StatusBit::OnLine, !on),
                MgBit::BatteryLow => Outcome::token(StatusBit::LowBattery, on),
                MgBit::Bypass => Outcome::token(StatusBit::Bypass, on),
                MgBit::Test => Outcome::token(StatusBit::Calibrating, on),
                MgBit::ShutdownActive => Outcome::token(StatusBit::ForcedShutdown, on),
                MgBit::ReplaceBattery => Outcome::token(StatusBit::ReplaceBattery, on),
                MgBit::UpsType => Outcome::value(if on { "offline" } else { "online" }.to_owned()),
                MgBit::UpsFailed if on => Outcome::alarm("UPS Failed"),
                MgBit::Parallel if on => Outcome::alarm("problems in parallel operation mode"),
                MgBit::NoBattery if on => Outcome::alarm("no battery connected"),
                MgBit::UpsFailed | MgBit::Parallel | MgBit::NoBattery => Outcome::default(),
            }
        }
        Mg::TestResult => Outcome::value(
            match field {
                b"000" => "no test in progress",
                b"001" => "in progress",
                b"010" => "OK",
                b"011" => "failed",
                b"100" => "not possible",
                b"101" => "aborted",
                b"110" => "autonomy time calibration in progress",
                b"111" => "unknown",
                _ => return Err(bad(row, field, "not three bits", reply)),
            }
            .to_owned(),
        ),
        Mg::Beeper => Outcome::value(
            if bit(row, field, reply)? {
                "enabled"
            } else {
                "disabled"
            }
            .to_owned(),
        ),
    })
}
