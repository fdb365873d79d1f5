//! The driver's internal status set (qx-protocols §1.7) and its rendering
//! to `ups.status`.

use nut_proto::model::{Status, StatusToken};

/// One bit of the internal status set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusBit {
    /// `OL` (cleared = on battery, rendered `OB`).
    OnLine,
    /// `LB`.
    LowBattery,
    /// `RB`.
    ReplaceBattery,
    /// `CHRG`.
    Charging,
    /// `DISCHRG`.
    Discharging,
    /// `BYPASS`.
    Bypass,
    /// `CAL`.
    Calibrating,
    /// `OFF`.
    Off,
    /// `OVER`.
    Overload,
    /// `TRIM`.
    Trim,
    /// `BOOST`.
    Boost,
    /// `FSD`.
    ForcedShutdown,
}

impl StatusBit {
    const fn mask(self) -> u16 {
        1 << (self as u16)
    }
}

/// A status change produced by a row: set (`OL`) or clear (`!OL`) a bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// The bit.
    pub bit: StatusBit,
    /// `true` sets it, `false` clears it.
    pub on: bool,
}

impl Token {
    /// Sets `bit`.
    pub const fn set(bit: StatusBit) -> Self {
        Self { bit, on: true }
    }

    /// Clears `bit`.
    pub const fn clear(bit: StatusBit) -> Self {
        Self { bit, on: false }
    }
}

/// The internal status set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct StatusSet(u16);

/// Render order after `OL`/`OB` (qx-protocols §1.7).
const RENDER_ORDER: [(StatusBit, StatusToken); 11] = [
    (StatusBit::Discharging, StatusToken::Discharging),
    (StatusBit::Charging, StatusToken::Charging),
    (StatusBit::LowBattery, StatusToken::LowBattery),
    (StatusBit::Overload, StatusToken::Overload),
    (StatusBit::ReplaceBattery, StatusToken::ReplaceBattery),
    (StatusBit::Trim, StatusToken::Trim),
    (StatusBit::Boost, StatusToken::Boost),
    (StatusBit::Bypass, StatusToken::Bypass),
    (StatusBit::Off, StatusToken::Off),
    (StatusBit::Calibrating, StatusToken::Calibrating),
    (StatusBit::ForcedShutdown, StatusToken::ForcedShutdown),
];

impl StatusSet {
    /// Applies one token.
    pub fn apply(&mut self, token: Token) {
        if token.on {
            self.0 |= token.bit.mask();
        } else {
            self.0 &= !token.bit.mask();
        }
    }

    /// Whether `bit` is set.
    pub fn has(self, bit: StatusBit) -> bool {
        self.0 & bit.mask() != 0
    }

    /// Clears every bit (start of a full poll).
    pub fn clear(&mut self) {
        self.0 = 0;
    }

    /// Renders `ups.status` in NUT's order: `OL`/`OB` first.
    pub fn render(self) -> Status {
        let mut tokens = Vec::with_capacity(4);
        tokens.push(if self.has(StatusBit::OnLine) {
            StatusToken::OnLine
        } else {
            StatusToken::OnBattery
        });
        for (bit, token) in RENDER_ORDER {
            if self.has(bit) {
                tokens.push(token);
            }
        }
        Status::new(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_nut_order() {
        let mut s = StatusSet::default();
        s.apply(Token::set(StatusBit::ForcedShutdown));
        s.apply(Token::set(StatusBit::LowBattery));
        s.apply(Token::set(StatusBit::Trim));
        assert_eq!(s.render().to_string(), "OB LB TRIM FSD");
        s.apply(Token::set(StatusBit::OnLine));
        s.apply(Token::clear(StatusBit::LowBattery));
        assert_eq!(s.render().to_string(), "OL TRIM FSD");
        s.clear();
        assert_eq!(s.render().to_string(), "OB");
    }
}
