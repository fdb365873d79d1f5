//! Field checks shared by the conversions: numbers (NUT's check for
//! values set by users, a stricter one for reply fields), text,
//! single characters and `0`/`1` bits, each failing with
//! [`Error::BadField`] that names the field and the reply.

use super::bad;
use crate::error::Error;
use crate::qx::rows::Row;

/// NUT's numeric check: digits, spaces and `.` only, then the leading
/// decimal number (like `strtod`); empty text is 0.
pub fn parse_number(text: &[u8]) -> Option<f64> {
    if !text
        .iter()
        .all(|b| b.is_ascii_digit() || *b == b' ' || *b == b'.')
    {
        return None;
    }
    let start = text.iter().position(|&b| b != b' ').unwrap_or(text.len());
    let rest = &text[start..];
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut len = int_len;
    if rest.get(int_len) == Some(&b'.') {
        let frac = rest[int_len + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if int_len > 0 || frac > 0 {
            len = int_len + 1 + frac;
        }
    }
    if len == 0 {
        return Some(0.0);
    }
    std::str::from_utf8(&rest[..len]).ok()?.parse().ok()
}

pub(super) fn text_of<'f>(row: &Row, field: &'f [u8], reply: &[u8]) -> Result<&'f str, Error> {
    let text = std::str::from_utf8(field).map_err(|_| bad(row, field, "not text", reply))?;
    if text.chars().any(char::is_control) {
        return Err(bad(row, field, "control characters", reply));
    }
    Ok(text)
}

/// Longest number a reply field may carry (the open-ended `QBV` runtime
/// is `00037` in the reference); longer digit strings are noise, and would
/// lose precision in an `f64`.
pub const MAX_FIELD_NUMBER_LEN: usize = 10;

/// A reply's numeric field: optional leading spaces (right-aligned
/// padding), then digits with an optional fraction (`12`, `012.5`) and
/// nothing else, at most [`MAX_FIELD_NUMBER_LEN`] characters. Stricter
/// than NUT's check ([`parse_number`]), which also takes blank fields (as
/// 0), inner and trailing spaces, bare or several dots and reads the
/// leading number: values made up from a damaged field.
pub(super) fn field_number(text: &[u8]) -> Option<f64> {
    let start = text.iter().position(|&b| b != b' ')?;
    let number = &text[start..];
    let (int, frac) = match number.iter().position(|&b| b == b'.') {
        Some(dot) => (&number[..dot], Some(&number[dot + 1..])),
        None => (number, None),
    };
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if number.len() > MAX_FIELD_NUMBER_LEN || !digits(int) || !frac.is_none_or(digits) {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

pub(super) fn number(row: &Row, field: &[u8], reply: &[u8]) -> Result<f64, Error> {
    field_number(field).ok_or_else(|| bad(row, field, "not numeric", reply))
}

pub(super) fn one_char(row: &Row, field: &[u8], reply: &[u8]) -> Result<u8, Error> {
    match field {
        [c] => Ok(*c),
        _ => Err(bad(row, field, "expected one character", reply)),
    }
}

pub(super) fn bit(row: &Row, field: &[u8], reply: &[u8]) -> Result<bool, Error> {
    match one_char(row, field, reply)? {
        b'1' => Ok(true),
        b'0' => Ok(false),
        _ => Err(bad(row, field, "status bit is not 0 or 1", reply)),
    }
}

pub(super) fn trim_hash_space(field: &[u8]) -> &[u8] {
    let is_pad = |b: &u8| *b == b'#' || *b == b' ';
    let start = field.iter().position(|b| !is_pad(b)).unwrap_or(field.len());
    let end = field
        .iter()
        .rposition(|b| !is_pad(b))
        .map_or(start, |e| e + 1);
    &field[start..end]
}
