//! The APC status byte (`Q` reply, two hex digits) and its rendering to
//! `ups.status` in NUT's order, plus the `ignorelb` rule of the driver core.

use std::collections::BTreeMap;
use std::fmt;

use nut_proto::model::{Status, StatusToken};

use crate::error::{Error, Received};

/// Longest status reply accepted: two hex digits.
pub const MAX_STATUS_DIGITS: usize = 2;

/// The status byte: bit 0 CAL … bit 7 RB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StatusBits(pub u8);

impl StatusBits {
    /// Bit 0: runtime calibration.
    pub const CAL: Self = Self(1 << 0);
    /// Bit 1: SmartTrim.
    pub const TRIM: Self = Self(1 << 1);
    /// Bit 2: SmartBoost.
    pub const BOOST: Self = Self(1 << 2);
    /// Bit 3: on line.
    pub const OL: Self = Self(1 << 3);
    /// Bit 4: on battery.
    pub const OB: Self = Self(1 << 4);
    /// Bit 5: overload.
    pub const OVER: Self = Self(1 << 5);
    /// Bit 6: low battery.
    pub const LB: Self = Self(1 << 6);
    /// Bit 7: replace battery.
    pub const RB: Self = Self(1 << 7);

    /// With `other`'s bits set.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// With `other`'s bits cleared.
    #[must_use]
    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Whether all of `other`'s bits are set.
    pub const fn has(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// `ups.status` as NUT's apcsmart builds it: `CAL TRIM BOOST OL OB OVER
    /// LB RB` in that order, `OFF` when no bit is set.
    pub fn render(self) -> Status {
        const ORDER: [(StatusBits, StatusToken); 8] = [
            (StatusBits::CAL, StatusToken::Calibrating),
            (StatusBits::TRIM, StatusToken::Trim),
            (StatusBits::BOOST, StatusToken::Boost),
            (StatusBits::OL, StatusToken::OnLine),
            (StatusBits::OB, StatusToken::OnBattery),
            (StatusBits::OVER, StatusToken::Overload),
            (StatusBits::LB, StatusToken::LowBattery),
            (StatusBits::RB, StatusToken::ReplaceBattery),
        ];
        if self.0 == 0 {
            return Status::new(vec![StatusToken::Off]);
        }
        Status::new(
            ORDER
                .into_iter()
                .filter(|(bit, _)| self.has(*bit))
                .map(|(_, token)| token)
                .collect(),
        )
    }

    /// The reply a device sends for this status (two upper-case hex digits).
    pub fn encode(self) -> String {
        format!("{:02X}", self.0)
    }
}

impl fmt::Display for StatusBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X} ({})", self.0, self.render())
    }
}

/// Decodes a `Q` reply (the line without its terminator).
///
/// Stricter than NUT (which takes `strtol(reply, 16)`, so an echoed `Q`
/// would read as 0 = `OFF`): the reply must be one or two hex digits.
///
/// ```
/// use nut_serial::apc::status::decode_status;
///
/// assert_eq!(decode_status(b"08").unwrap().render().to_string(), "OL");
/// assert_eq!(decode_status(b"50").unwrap().render().to_string(), "OB LB");
/// assert!(decode_status(b"Q").is_err());
/// ```
pub fn decode_status(reply: &[u8]) -> Result<StatusBits, Error> {
    let bad = |reason| Error::BadField {
        query: Received::new(b"Q"),
        var: "ups.status",
        field: String::from_utf8_lossy(&reply[..reply.len().min(32)]).into_owned(),
        reason,
        received: Received::new(reply),
    };
    if reply.is_empty() || reply.len() > MAX_STATUS_DIGITS {
        return Err(bad("not one or two hex digits"));
    }
    if !reply.iter().all(u8::is_ascii_hexdigit) {
        return Err(bad("not hexadecimal"));
    }
    let text = std::str::from_utf8(reply).map_err(|_| bad("not text"))?;
    u8::from_str_radix(text, 16)
        .map(StatusBits)
        .map_err(|_| bad("not hexadecimal"))
}

/// NUT's `ignorelb` (driver core): the device's `LB` is dropped, and `LB`
/// is set when `battery.charge < battery.charge.low` or `battery.runtime <
/// battery.runtime.low`, whichever pairs are published.
pub fn ignore_lb(status: &Status, vars: &BTreeMap<String, String>) -> Status {
    let num = |name: &str| vars.get(name).and_then(|v| v.trim().parse::<f64>().ok());
    let below = |value: &str, limit: &str| match (num(value), num(limit)) {
        (Some(v), Some(l)) => v < l,
        _ => false,
    };
    let mut out = status.clone();
    out.remove(&StatusToken::LowBattery);
    if below("battery.charge", "battery.charge.low")
        || below("battery.runtime", "battery.runtime.low")
    {
        out.insert(StatusToken::LowBattery);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_bit_in_nut_order() {
        assert_eq!(
            StatusBits(0xFF).render().to_string(),
            "CAL TRIM BOOST OL OB OVER LB RB"
        );
        assert_eq!(StatusBits(0).render().to_string(), "OFF");
        assert_eq!(StatusBits(0x08).render().to_string(), "OL");
        assert_eq!(StatusBits(0x0A).render().to_string(), "TRIM OL");
        assert_eq!(StatusBits(0x10).render().to_string(), "OB");
    }

    #[test]
    fn decode_is_strict_at_the_limits() {
        assert_eq!(decode_status(b"8").unwrap(), StatusBits::OL);
        assert_eq!(decode_status(b"ff").unwrap(), StatusBits(0xFF));
        assert!(decode_status(b"").is_err());
        // limit (2 digits) passes, limit + 1 fails
        assert!(decode_status(b"080").is_err());
        assert!(decode_status(b"0G").is_err());
        assert!(decode_status(b"NA").is_err());
        assert!(decode_status(b"Q").is_err());
        assert!(decode_status(b"+8").is_err());
    }

    #[test]
    fn encode_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(
                decode_status(StatusBits(b).encode().as_bytes()).unwrap(),
                StatusBits(b)
            );
        }
    }

    #[test]
    fn ignorelb_uses_charge_and_runtime_limits() {
        let mut vars = BTreeMap::new();
        let ob_lb = StatusBits(0x50).render();
        assert_eq!(ignore_lb(&ob_lb, &vars).to_string(), "OB");
        vars.insert("battery.charge".to_owned(), "30.0".to_owned());
        vars.insert("battery.charge.low".to_owned(), "50".to_owned());
        let ob = StatusBits::OB.render();
        assert_eq!(ignore_lb(&ob, &vars).to_string(), "OB LB");
        vars.insert("battery.charge.low".to_owned(), "30".to_owned());
        assert_eq!(ignore_lb(&ob, &vars).to_string(), "OB");
        vars.insert("battery.runtime".to_owned(), "100".to_owned());
        vars.insert("battery.runtime.low".to_owned(), "120".to_owned());
        assert_eq!(ignore_lb(&ob, &vars).to_string(), "OB LB");
    }
}
