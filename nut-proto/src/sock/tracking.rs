//! The result codes of INSTCMD and SET handlers (NUT `drivers/upshandler.h`),
//! as `TRACKING <id> <rc>` carries them.

use std::fmt;

/// What a driver's INSTCMD or SET handler returned.
///
/// `STAT_INSTCMD_*` and `STAT_SET_*` share these numbers. Codes outside
/// `0..=4` are kept as [`Self::Other`]; build values with
/// [`Self::from_code`] (or `From<i32>`) so that `Other` never holds a
/// known code.
///
/// ```
/// use nut_proto::sock::TrackingResult;
///
/// assert_eq!(TrackingResult::from_code(1), TrackingResult::Unknown);
/// assert_eq!(TrackingResult::from_code(9).code(), 9);
/// assert!(TrackingResult::Handled.is_success());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrackingResult {
    /// 0: handled (`STAT_*_HANDLED`).
    Handled,
    /// 1: the driver does not know the command or variable.
    Unknown,
    /// 2: known but not valid now (or a bad value).
    Invalid,
    /// 3: tried and failed.
    Failed,
    /// 4: the value could not be converted.
    ConversionFailed,
    /// Any other code.
    Other(i32),
}

impl TrackingResult {
    /// The value for a numeric code.
    pub fn from_code(code: i32) -> Self {
        match code {
            0 => Self::Handled,
            1 => Self::Unknown,
            2 => Self::Invalid,
            3 => Self::Failed,
            4 => Self::ConversionFailed,
            other => Self::Other(other),
        }
    }

    /// The numeric code as it goes on the wire.
    pub fn code(self) -> i32 {
        match self {
            Self::Handled => 0,
            Self::Unknown => 1,
            Self::Invalid => 2,
            Self::Failed => 3,
            Self::ConversionFailed => 4,
            Self::Other(code) => code,
        }
    }

    /// Whether the handler succeeded.
    pub fn is_success(self) -> bool {
        self.code() == 0
    }
}

impl From<i32> for TrackingResult {
    fn from(code: i32) -> Self {
        Self::from_code(code)
    }
}

impl From<TrackingResult> for i32 {
    fn from(result: TrackingResult) -> Self {
        result.code()
    }
}

impl fmt::Display for TrackingResult {
    /// NUT's name for the code (`HANDLED`, `UNKNOWN`, ...), or the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handled => f.write_str("HANDLED"),
            Self::Unknown => f.write_str("UNKNOWN"),
            Self::Invalid => f.write_str("INVALID"),
            Self::Failed => f.write_str("FAILED"),
            Self::ConversionFailed => f.write_str("CONVERSION_FAILED"),
            Self::Other(code) => write!(f, "{code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_their_names() {
        let named = [
            (0, TrackingResult::Handled, "HANDLED"),
            (1, TrackingResult::Unknown, "UNKNOWN"),
            (2, TrackingResult::Invalid, "INVALID"),
            (3, TrackingResult::Failed, "FAILED"),
            (4, TrackingResult::ConversionFailed, "CONVERSION_FAILED"),
        ];
        for (code, result, name) in named {
            assert_eq!(TrackingResult::from_code(code), result);
            assert_eq!(result.code(), code);
            assert_eq!(result.to_string(), name);
        }
    }

    #[test]
    fn other_codes_are_kept() {
        for code in [-1, 5, i32::MAX, i32::MIN] {
            let result = TrackingResult::from(code);
            assert_eq!(result, TrackingResult::Other(code));
            assert_eq!(i32::from(result), code);
            assert!(!result.is_success());
        }
    }
}
