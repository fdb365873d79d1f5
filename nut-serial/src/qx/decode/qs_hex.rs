//! voltronic-qs-hex fields: hex pairs to voltages, load, frequency and
//! battery voltage, and the rating bit codes.

use super::Outcome;
use super::bad;
use super::field::text_of;
use crate::error::Error;
use crate::qx::qshex;
use crate::qx::rows::{QsHexField, Row};

pub(super) fn qs_hex(
    row: &Row,
    f: QsHexField,
    field: &[u8],
    reply: &[u8],
) -> Result<Outcome, Error> {
    let text = text_of(row, field, reply)?;
    let pair = || -> Option<(u64, u64)> {
        let (a, b) = text.split_once(' ')?;
        Some((qshex::hex_value(a)?, qshex::hex_value(b)?))
    };
    let bad_hex = || bad(row, field, "not a hex field", reply);
    let value = match f {
        QsHexField::Voltage => {
            let (a, b) = pair().ok_or_else(bad_hex)?;
            format!("{:.1}", ((a * b) / 51) as f64 / 256.0)
        }
        QsHexField::Load => qshex::hex_value(text).ok_or_else(bad_hex)?.to_string(),
        QsHexField::Frequency => {
            let (a, b) = pair().ok_or_else(bad_hex)?;
            let hz = if a == 0 {
                99.9
            } else {
                (b as f64 / a as f64).min(99.9)
            };
            format!("{hz:.1}")
        }
        QsHexField::Battery => {
            let (a, b) = pair().ok_or_else(bad_hex)?;
            format!("{:.2}", (a * b) as f64 / 510.0)
        }
        QsHexField::NominalFrequency => match field {
            b"0" => "50.0".to_owned(),
            b"1" => "60.0".to_owned(),
            _ => return Err(bad(row, field, "not a bit", reply)),
        },
        QsHexField::NominalBattery => match field {
            b"00" => "12.0",
            b"01" => "24.0",
            b"10" => "36.0",
            b"11" => "48.0",
            _ => return Err(bad(row, field, "not two bits", reply)),
        }
        .to_owned(),
        QsHexField::NominalOutput => match field {
            b"000" => "110.0",
            b"001" => "120.0",
            b"010" => "220.0",
            b"011" => "230.0",
            b"100" => "240.0",
            _ => return Err(bad(row, field, "unknown nominal voltage code", reply)),
        }
        .to_owned(),
    };
    Ok(Outcome::value(value))
}
