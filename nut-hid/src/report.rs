//! Reports: read a field's value out of raw report bytes and write one back
//! for SET_REPORT, computing values exactly as NUT's `usbhid-ups` does.
//!
//! A report on the wire is the report ID byte (only when the descriptor
//! uses report IDs) followed by the payload; field bit offsets count from
//! the first payload bit, least-significant bit first.
//!
//! Reading (NUT's rules, which differ from a plain HID reading):
//! 1. take `bit_size` bits (at most 32) at the field's offset;
//! 2. keep as many low bits as the logical range needs — the significant
//!    bits of the larger of |LogMin| and |LogMax| (−x−1 for negatives) —
//!    plus the next bit as a sign bit when LogMin < 0, and sign-extend; so
//!    LogMin = LogMax = 0 always reads 0 and garbage high bits vanish;
//! 3. clamp to the logical range;
//! 4. scale to the physical range when both bounds were declared, are not
//!    both 0 and both ranges are increasing (clamped to the physical range);
//! 5. multiply by 10^(UnitExponent − k), k = 7 for the SI volt (0x00F0D121)
//!    and VA/W (0x0000D121) units, else 0.
//!
//! Writing inverts steps 5 and 4 (truncating toward zero, clamped to the
//! logical range when scaling) and stores the number as two's complement
//! in `bit_size` bits.

use std::fmt;

use crate::Error;
use crate::descriptor::Field;

/// Widest field that can be read or written as one value.
pub const MAX_VALUE_BITS: u32 = 32;

/// Units whose exponent NUT corrects by 7 (SI volt, SI VA/W).
const UNITS_WITH_EXPONENT_7: [u32; 2] = [0x00F0_D121, 0x0000_D121];

/// Values within this distance of an integer (or this fraction of their
/// size, for large ones) are snapped to it before truncation when writing,
/// so a value read from a field writes back to the same logical number
/// (plain truncation, as NUT does, can be one lower because of
/// floating-point rounding in the scaling).
const WRITE_SNAP: f64 = 1e-6;
/// Relative part of [`WRITE_SNAP`].
const WRITE_SNAP_RELATIVE: f64 = 1e-12;

/// The attribute byte NUT refuses to write: Constant and nothing else.
/// Many UPSes flag writable controls `Cnst,Var,Abs` (0x03), and NUT writes
/// those, so refusing every constant field would break shutdown on them.
const CONSTANT_ONLY: u32 = 0x01;

/// The three report types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReportKind {
    /// Input report (device to host; interrupt IN or GET_REPORT).
    Input,
    /// Output report (host to device).
    Output,
    /// Feature report (GET_REPORT / SET_REPORT on the control endpoint).
    Feature,
}

impl ReportKind {
    /// The three kinds, in HID report type order.
    pub const ALL: [Self; 3] = [Self::Input, Self::Output, Self::Feature];

    /// The name NUT prints in debug dumps (`Input`, `Output`, `Feature`).
    #[must_use]
    pub const fn nut_name(self) -> &'static str {
        match self {
            Self::Input => "Input",
            Self::Output => "Output",
            Self::Feature => "Feature",
        }
    }

    /// The HID report type number used in GET_REPORT/SET_REPORT `wValue`
    /// (high byte): 1 input, 2 output, 3 feature.
    #[must_use]
    pub const fn report_type(self) -> u8 {
        match self {
            Self::Input => 1,
            Self::Output => 2,
            Self::Feature => 3,
        }
    }
}

impl fmt::Display for ReportKind {
    /// Lower-case: `input`, `output`, `feature`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Input => "input",
            Self::Output => "output",
            Self::Feature => "feature",
        })
    }
}

/// Read `size` (≤ 32) bits starting at bit `bit` of `payload`, LSB first.
/// The caller has checked that the bits are inside `payload`.
fn read_bits(payload: &[u8], bit: u64, size: u32) -> u32 {
    let mut value: u64 = 0;
    for k in 0..u64::from(size) {
        let pos = bit + k;
        let byte = usize::try_from(pos / 8)
            .ok()
            .and_then(|index| payload.get(index))
            .copied()
            .unwrap_or(0);
        value |= u64::from((byte >> (pos % 8)) & 1) << k;
    }
    // size ≤ 32, so the value fits.
    (value & 0xFFFF_FFFF) as u32
}

/// Write the low `size` (≤ 32) bits of `value` at bit `bit` of `payload`.
fn write_bits(payload: &mut [u8], bit: u64, size: u32, value: u64) {
    for k in 0..u64::from(size) {
        let pos = bit + k;
        if let Some(byte) = usize::try_from(pos / 8)
            .ok()
            .and_then(|index| payload.get_mut(index))
        {
            let mask = 1u8 << (pos % 8);
            if (value >> k) & 1 == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }
}

/// Power of ten as a divisor or multiplier, whichever is exact for the sign.
fn scale_by_ten(value: f64, exponent: i32) -> f64 {
    if exponent >= 0 {
        value * 10f64.powi(exponent)
    } else {
        value / 10f64.powi(-exponent)
    }
}

impl Field {
    /// Where element `index` starts (bit in the payload), after checking
    /// that it can be read as one value.
    fn element_bit(&self, index: u32) -> Result<u64, Error> {
        if self.bit_size > MAX_VALUE_BITS || index >= self.count {
            return Err(Error::FieldNotReadable {
                bits: self.bit_size,
                index,
                count: self.count,
            });
        }
        Ok(u64::from(self.bit_offset) + u64::from(index) * u64::from(self.bit_size))
    }

    /// Bytes of payload needed to hold element bits up to `end_bit`.
    fn check_len(&self, report_len: usize, end_bit: u64) -> Result<(), Error> {
        let id_len = u64::from(self.report_id != 0);
        let needed = end_bit.div_ceil(8) + id_len;
        if (report_len as u64) < needed {
            return Err(Error::ShortReport {
                report_id: self.report_id,
                needed: usize::try_from(needed).unwrap_or(usize::MAX),
                got: report_len,
            });
        }
        Ok(())
    }

    fn check_id(&self, report: &[u8]) -> Result<(), Error> {
        if self.report_id == 0 {
            return Ok(());
        }
        match report.first() {
            None => Err(Error::EmptyReport {
                expected: self.report_id,
            }),
            Some(&got) if got != self.report_id => Err(Error::WrongReportId {
                expected: self.report_id,
                got,
            }),
            Some(_) => Ok(()),
        }
    }

    fn payload_start(&self) -> usize {
        usize::from(self.report_id != 0)
    }

    /// The raw bits of element `index` (zero-extended).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyReport`], [`Error::WrongReportId`] or
    /// [`Error::ShortReport`] for a report that does not hold the element;
    /// [`Error::FieldNotReadable`] for fields wider than 32 bits or an
    /// index past `count`.
    pub fn extract_raw(&self, report: &[u8], index: u32) -> Result<u32, Error> {
        let bit = self.element_bit(index)?;
        self.check_id(report)?;
        self.check_len(report.len(), bit + u64::from(self.bit_size))?;
        let payload = report.get(self.payload_start()..).unwrap_or_default();
        Ok(read_bits(payload, bit, self.bit_size))
    }

    /// The logical value of raw bits, by NUT's rule (module docs, steps 2–3).
    #[must_use]
    pub fn logical_from_raw(&self, raw: u32) -> i64 {
        let (minimum, maximum) = (self.logical_minimum, self.logical_maximum);
        let magnitude = |x: i64| if x >= 0 { x } else { -(x + 1) };
        // Both magnitudes are ≥ 0, so the cast is lossless.
        let widest = magnitude(minimum).max(magnitude(maximum)) as u64;
        let bits = 64 - widest.leading_zeros();
        let raw = u64::from(raw);
        let mut value = (raw & ((1u64 << bits) - 1)) as i64;
        if minimum < 0 && (raw >> bits) & 1 == 1 {
            value -= 1i64 << bits;
        }
        if minimum <= maximum {
            value.clamp(minimum, maximum)
        } else {
            value
        }
    }

    /// True when NUT scales this field's logical values to its physical
    /// range (module docs, step 4).
    #[must_use]
    pub fn has_physical_scaling(&self) -> bool {
        match (self.physical_minimum, self.physical_maximum) {
            (Some(minimum), Some(maximum)) => {
                !(minimum == 0 && maximum == 0)
                    && maximum > minimum
                    && self.logical_maximum > self.logical_minimum
            }
            _ => false,
        }
    }

    /// The exponent NUT applies: Unit Exponent, less 7 for volt and VA/W.
    #[must_use]
    pub fn effective_exponent(&self) -> i32 {
        let correction = if UNITS_WITH_EXPONENT_7.contains(&self.unit) {
            7
        } else {
            0
        };
        i32::from(self.unit_exponent) - correction
    }

    /// The value NUT publishes for a logical value (module docs, steps 4–5).
    #[must_use]
    pub fn value_from_logical(&self, logical: i64) -> f64 {
        let mut value = logical as f64;
        if let (true, Some(pmin), Some(pmax)) = (
            self.has_physical_scaling(),
            self.physical_minimum,
            self.physical_maximum,
        ) {
            let (lmin, lmax) = (self.logical_minimum as f64, self.logical_maximum as f64);
            let (pmin, pmax) = (pmin as f64, pmax as f64);
            value = ((value - lmin) * (pmax - pmin) / (lmax - lmin) + pmin).clamp(pmin, pmax);
        }
        scale_by_ten(value, self.effective_exponent())
    }

    /// The value of element 0, as NUT computes it.
    ///
    /// # Errors
    ///
    /// As [`Field::extract_raw`].
    pub fn decode(&self, report: &[u8]) -> Result<f64, Error> {
        self.decode_element(report, 0)
    }

    /// The value of element `index`, as NUT computes it.
    ///
    /// # Errors
    ///
    /// As [`Field::extract_raw`].
    pub fn decode_element(&self, report: &[u8], index: u32) -> Result<f64, Error> {
        let raw = self.extract_raw(report, index)?;
        Ok(self.value_from_logical(self.logical_from_raw(raw)))
    }

    /// The logical number NUT writes for `value` (module docs, writing).
    ///
    /// # Errors
    ///
    /// [`Error::NotFinite`] for NaN or infinite values.
    pub fn logical_for_value(&self, value: f64) -> Result<i64, Error> {
        if !value.is_finite() {
            return Err(Error::NotFinite { value });
        }
        let unscaled = scale_by_ten(value, -self.effective_exponent());
        let snap = |x: f64| {
            let nearest = x.round();
            let tolerance = WRITE_SNAP.max(WRITE_SNAP_RELATIVE * x.abs());
            if (x - nearest).abs() < tolerance {
                nearest
            } else {
                x.trunc()
            }
        };
        if let (true, Some(pmin), Some(pmax)) = (
            self.has_physical_scaling(),
            self.physical_minimum,
            self.physical_maximum,
        ) {
            let (pmin, pmax) = (pmin as f64, pmax as f64);
            let span = (self.logical_maximum - self.logical_minimum) as f64;
            // `as` saturates on overflow; the clamp bounds the result anyway.
            let steps = snap((unscaled - pmin) * span / (pmax - pmin)) as i64;
            Ok(steps
                .saturating_add(self.logical_minimum)
                .clamp(self.logical_minimum, self.logical_maximum))
        } else {
            Ok(snap(unscaled) as i64)
        }
    }

    /// Store `logical` as two's complement in element `index` of `report`
    /// (a buffer holding the whole report, ID byte first when used; the
    /// other fields keep their bits).
    ///
    /// # Errors
    ///
    /// [`Error::ConstantField`] when the attribute byte is exactly 0x01
    /// (Constant, Array, Absolute: what NUT refuses); otherwise as
    /// [`Field::extract_raw`].
    pub fn encode_logical(&self, logical: i64, report: &mut [u8], index: u32) -> Result<(), Error> {
        if self.flags.bits() & 0xFF == CONSTANT_ONLY {
            return Err(Error::ConstantField);
        }
        let bit = self.element_bit(index)?;
        self.check_id(report)?;
        self.check_len(report.len(), bit + u64::from(self.bit_size))?;
        let start = self.payload_start();
        if let Some(payload) = report.get_mut(start..) {
            // Two's complement: reinterpreting the i64 keeps the low bits.
            write_bits(payload, bit, self.bit_size, logical as u64);
        }
        Ok(())
    }

    /// Write `value` into element 0 of `report`, as NUT's SET_REPORT does.
    ///
    /// # Errors
    ///
    /// As [`Field::logical_for_value`] and [`Field::encode_logical`].
    pub fn encode(&self, value: f64, report: &mut [u8]) -> Result<(), Error> {
        let logical = self.logical_for_value(value)?;
        self.encode_logical(logical, report, 0)
    }
}

#[cfg(test)]
mod tests;
