//! Field layout checks: a row's byte window must sit where the reply's
//! layout puts a field, not across one.
//!
//! NUT only slices fixed byte windows, so a reply with a byte inserted,
//! dropped or replaced by line noise still yields plausible numbers from
//! the wrong bytes (a stray byte after the `QBV` charge made `.5 5` the
//! runtime field, published as 30 s). A numeric or letter field must
//! therefore be a whole token: a separator (or the reply's start or end)
//! on each side. Status bits are packed in a run of `0`/`1` characters at
//! a fixed place (the Q1 status byte, bytes 38–45); that whole run must
//! be bits with a separator or the reply's end around it, so a shifted or
//! damaged status byte fails every row read from it. Every real reply of
//! the corpus passes these checks.

use super::bad;
use crate::error::Error;
use crate::qx::rows::{AblerexConv, AxpertConv, Conv, Mg, QsHexField, Row};

/// The bytes that separate the fields of the reply to `query`: a space,
/// plus the punctuation a few layouts use between fields.
fn separators(query: &[u8]) -> &'static [u8] {
    match query {
        // BestUPS `ID` (normalised `FOR, 750,120,…`), Masterguard `(XX,…`.
        b"ID\r" | b"GS,XX\r" | b"GBS,XX\r" => b" ,",
        // voltronic `QMD` phases `1/1`.
        b"QMD\r" => b" /",
        // Masterguard `(PNV=230`.
        b"PNV\r" => b" =",
        _ => b" ",
    }
}

/// How the window of a row must sit in the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A whole token: separators (or the reply's start or end) around it.
    Token,
    /// A status bit: inside the row's declared run of `0`/`1` characters
    /// ([`Row::bits`]).
    Bits,
    /// Not checked: text fields (whose windows NUT may slice mid-token,
    /// qx-protocols App. C #8), fields checked by their own conversion
    /// (`QWS`) or laid out by an answer hook (voltronic-qs-hex values).
    Free,
}

fn layout(conv: Conv) -> Layout {
    match conv {
        Conv::Num(_)
        | Conv::BattVolt(_)
        | Conv::Minutes
        | Conv::DigitsMinutes
        | Conv::Kilo
        | Conv::PowerFactor
        | Conv::QsModel(_)
        | Conv::VoltronicQpi
        | Conv::MecerQpi
        | Conv::QmodStatus
        | Conv::QmodAlarm
        | Conv::BestupsM(_)
        | Conv::HunnoxBl => Layout::Token,
        Conv::Q1Bit(_)
        | Conv::BestupsBit40
        | Conv::QgsType
        | Conv::QgsBit(_)
        | Conv::Topology
        | Conv::QsHex(
            QsHexField::NominalFrequency | QsHexField::NominalBattery | QsHexField::NominalOutput,
        ) => Layout::Bits,
        Conv::Mg(mg) => match mg {
            Mg::SlaveAddress
            | Mg::Series
            | Mg::Cells
            | Mg::CellsTimes
            | Mg::MinSec
            | Mg::UpsPower
            | Mg::OutputCurrent
            | Mg::OutputCurrentNominal => Layout::Token,
            Mg::Bit(_) | Mg::TestResult | Mg::Beeper => Layout::Bits,
            Mg::Model | Mg::Power => Layout::Free,
        },
        Conv::Ablerex(c) => match c {
            AblerexConv::BatteryVoltage | AblerexConv::Charge => Layout::Token,
            AblerexConv::Bypass | AblerexConv::Failed => Layout::Bits,
            // Computed from other values, or binary (`Q5`, `At`), or
            // four characters of a short reply (`TR`).
            AblerexConv::VoltageLow
            | AblerexConv::VoltageHigh
            | AblerexConv::Q5
            | AblerexConv::Runtime
            | AblerexConv::TestResult => Layout::Free,
        },
        Conv::Axpert(c) => match c {
            AxpertConv::Qpi
            | AxpertConv::BatteryType
            | AxpertConv::ModelType
            | AxpertConv::Description
            | AxpertConv::ModeStatus
            | AxpertConv::ModeAlarm => Layout::Token,
            // The flag run may hold `-` (checked by the conversion).
            AxpertConv::LoadOn
            | AxpertConv::Charging
            | AxpertConv::Warnings
            | AxpertConv::Firmware => Layout::Free,
        },
        // OMRON replies are checked whole by their conversions.
        Conv::Omron(_)
        | Conv::GtecStatus
        | Conv::Text
        | Conv::Const(_)
        | Conv::NonZeroSerial
        | Conv::Qws
        | Conv::QsHex(_)
        | Conv::BestupsMfr
        | Conv::BestupsModel => Layout::Free,
    }
}

/// Whether bytes `first`–`last` of `reply` are a whole field: the lead
/// byte, a separator or the reply's start before it, a separator, the
/// terminator or the reply's end after it.
fn delimited(row: &Row, reply: &[u8], first: usize, last: usize) -> bool {
    let separators = separators(row.query);
    let left = match first.checked_sub(1) {
        None => true,
        // The lead byte (already checked) opens the first field.
        Some(0) if row.lead.is_some() => true,
        Some(i) => reply.get(i).is_some_and(|b| separators.contains(b)),
    };
    let right = reply
        .get(last.saturating_add(1))
        .is_none_or(|&b| separators.contains(&b) || b == b'\r' || b == b'\n');
    left && right
}

/// Checks that `field`, the row's window of `reply`, sits where the
/// reply's layout has a field of the row's kind.
pub(super) fn check(row: &Row, field: &[u8], reply: &[u8]) -> Result<(), Error> {
    match layout(row.conv) {
        Layout::Free => Ok(()),
        // An empty window (empty reply, or nothing before the terminator)
        // is left to the conversion's own checks.
        Layout::Token if field.is_empty() => Ok(()),
        Layout::Token => {
            let last = row.from + field.len() - 1;
            if !delimited(row, reply, row.from, last) {
                Err(bad(row, field, "field not delimited by separators", reply))
            } else if row.to.is_none() && reply.get(last + 1).is_none() {
                // An open-ended last field (`QBV` runtime `342` or `00037`)
                // of a reply without its terminator may have been cut short.
                Err(bad(
                    row,
                    field,
                    "open-ended field without the reply's terminator",
                    reply,
                ))
            } else {
                Ok(())
            }
        }
        Layout::Bits => {
            let Some((first, last)) = row.bits else {
                return Err(bad(row, field, "status bit without a declared run", reply));
            };
            let run = reply.get(first..=last).unwrap_or_default();
            let whole = run.len() == last + 1 - first
                && run.iter().all(|b| matches!(b, b'0' | b'1'))
                && delimited(row, reply, first, last);
            if whole {
                Ok(())
            } else {
                Err(bad(row, run, "status bits not a whole run of 0/1", reply))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::protocol::PROBE_ORDER;
    use crate::qx::tables::table;

    #[test]
    fn every_status_bit_lies_in_its_declared_run() {
        let mut checked = 0;
        for protocol in PROBE_ORDER {
            let Some(table) = table(protocol) else {
                continue;
            };
            for row in table.rows() {
                let declared = row.bits.is_some();
                assert_eq!(declared, layout(row.conv) == Layout::Bits, "{row:?}");
                if let (Some((first, last)), Some(to)) = (row.bits, row.to) {
                    assert!(first <= row.from && to <= last, "{row:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 50, "{checked}");
    }
}
