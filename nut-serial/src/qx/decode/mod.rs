//! Reply acceptance (qx-protocols §1.4) and value conversion (§1.5) for
//! one table row, plus the stateless [`decode_reply`] entry point.
//!
//! The steps live in their own files: `accept` (answer hooks, length and
//! lead checks, the byte window), `layout` (the window sits on a whole
//! field or in a whole run of status bits), `field` (numeric and text
//! field checks), `convert` (the conversions of every row kind) with the
//! dialect helpers `voltronic`, `bestups`, `qs_hex` and `masterguard`,
//! and `readings` (the stateless [`decode_reply`]).

mod accept;
mod bestups;
mod convert;
mod extra;
mod field;
mod layout;
mod masterguard;
mod qs_hex;
mod readings;
mod voltronic;

use std::collections::BTreeMap;

use super::protocol::Protocol;
use super::rows::Row;
use super::status::{StatusBit, StatusSet, Token};
use crate::error::{Error, Received};

pub use accept::{accept, window};
pub use bestups::{bestups_model, bestups_voltage_set, normalise_bestups_id};
pub use convert::convert;
pub use field::{MAX_FIELD_NUMBER_LEN, parse_number};
pub use masterguard::masterguard_model;
pub use readings::{Readings, decode_reply};

/// Longest reply accepted (NUT reads at most 511 bytes per exchange).
pub const MAX_REPLY_LEN: usize = 511;
/// Longest field text kept in an error message.
const SHOWN_FIELD: usize = 32;

/// Protocol state remembered across rows (protocol ids, model codes …).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtoState {
    /// voltronic protocol id (`QPI`).
    pub voltronic_id: Option<u8>,
    /// BestUPS model code (`ID`).
    pub bestups_model: Option<String>,
    /// voltronic-qs-hex: the PM-T variant (ratings in the reply).
    pub qs_hex_t: bool,
    /// Masterguard series letter.
    pub mg_series: Option<u8>,
    /// Masterguard battery cell count.
    pub mg_cells: Option<f64>,
    /// Masterguard nominal VA.
    pub mg_va: Option<f64>,
    /// Masterguard slave address.
    pub mg_slave: Option<u8>,
    /// Set when a pack-scaling battery row ran in the current walk.
    pub scaled_battery_row: bool,
    /// Ablerex: the last `Q5` battery raw value (Vb).
    pub ablerex_vb: Option<f64>,
    /// Ablerex: the last `Q5` battery-low raw value (Vbc).
    pub ablerex_vbc: Option<f64>,
}

/// What one row produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// A value for the row's variable.
    pub value: Option<String>,
    /// Status tokens.
    pub tokens: Vec<Token>,
    /// Alarm text.
    pub alarm: Option<String>,
    /// Values of other variables the same field carries (OMRON
    /// `ups.firmware.aux`, Ablerex `output.current`, gtec
    /// `battery.test.status`).
    pub extra: Vec<(&'static str, String)>,
}

impl Outcome {
    fn value(v: String) -> Self {
        Self {
            value: Some(v),
            ..Self::default()
        }
    }
    fn token(bit: StatusBit, on: bool) -> Self {
        Self {
            tokens: vec![Token { bit, on }],
            ..Self::default()
        }
    }
    fn alarm(text: &str) -> Self {
        Self {
            alarm: Some(text.to_owned()),
            ..Self::default()
        }
    }
}

/// Everything a conversion may look at.
#[derive(Debug)]
pub struct Context<'a> {
    /// The protocol.
    pub protocol: Protocol,
    /// Published variables so far.
    pub vars: &'a BTreeMap<String, String>,
    /// The status set built so far in this walk.
    pub status: StatusSet,
    /// Remembered protocol state.
    pub state: &'a mut ProtoState,
    /// `battery_voltage_reports_one_pack`.
    pub one_pack: bool,
    /// Known battery pack count (1 when unknown).
    pub packs: f64,
}

/// A [`Error::BadField`] for `row` naming the field (truncated) and the reply.
fn bad(row: &Row, field: &[u8], reason: &'static str, reply: &[u8]) -> Error {
    let shown = &field[..field.len().min(SHOWN_FIELD)];
    Error::BadField {
        query: Received::new(row.query),
        var: row.var,
        field: String::from_utf8_lossy(shown).into_owned(),
        reason,
        received: Received::new(reply),
    }
}

#[cfg(test)]
mod tests;
