//! Asynchronous alert characters (nut-spec §12): single bytes an APC Smart
//! UPS sends on its own, at any time, even in the middle of a reply.

use std::fmt;

use super::status::StatusBits;

/// One alert character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alert {
    /// `!`: line failure, now on battery (clears OL, sets OB).
    OnBattery,
    /// `$`: utility power restored (clears OB, sets OL).
    OnLine,
    /// `%`: low battery (sets LB).
    LowBattery,
    /// `+`: battery no longer low (clears LB).
    BatteryOk,
    /// `#`: replace the battery (sets RB).
    ReplaceBattery,
    /// `?`: overload (sets OVER).
    Overload,
    /// `=`: overload cleared (clears OVER).
    OverloadCleared,
    /// `*`: powering down now (older models); as the reply to a shutdown
    /// command it means "accepted".
    PoweringDown,
    /// `&`: check the alarm register for a failure.
    CheckAlarms,
    /// `|`: an EEPROM value changed.
    EepromChanged,
    /// `~`: undocumented (seen on some firmware); carries no meaning here.
    Tilde,
}

/// Every alert, in the order of [`Alert::as_byte`]'s table.
pub const ALL: [Alert; 11] = [
    Alert::OnBattery,
    Alert::OnLine,
    Alert::LowBattery,
    Alert::BatteryOk,
    Alert::ReplaceBattery,
    Alert::Overload,
    Alert::OverloadCleared,
    Alert::PoweringDown,
    Alert::CheckAlarms,
    Alert::EepromChanged,
    Alert::Tilde,
];

impl Alert {
    /// The alert a byte stands for, if any.
    pub const fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            b'!' => Self::OnBattery,
            b'$' => Self::OnLine,
            b'%' => Self::LowBattery,
            b'+' => Self::BatteryOk,
            b'#' => Self::ReplaceBattery,
            b'?' => Self::Overload,
            b'=' => Self::OverloadCleared,
            b'*' => Self::PoweringDown,
            b'&' => Self::CheckAlarms,
            b'|' => Self::EepromChanged,
            b'~' => Self::Tilde,
            _ => return None,
        })
    }

    /// The byte on the wire.
    pub const fn as_byte(self) -> u8 {
        match self {
            Self::OnBattery => b'!',
            Self::OnLine => b'$',
            Self::LowBattery => b'%',
            Self::BatteryOk => b'+',
            Self::ReplaceBattery => b'#',
            Self::Overload => b'?',
            Self::OverloadCleared => b'=',
            Self::PoweringDown => b'*',
            Self::CheckAlarms => b'&',
            Self::EepromChanged => b'|',
            Self::Tilde => b'~',
        }
    }

    /// Whether the alert changes the status (NUT's alert handler acts on
    /// `! $ % + # ? =` only).
    pub const fn changes_status(self) -> bool {
        matches!(
            self,
            Self::OnBattery
                | Self::OnLine
                | Self::LowBattery
                | Self::BatteryOk
                | Self::ReplaceBattery
                | Self::Overload
                | Self::OverloadCleared
        )
    }

    /// The status after this alert.
    pub const fn apply(self, bits: StatusBits) -> StatusBits {
        use StatusBits as B;
        match self {
            Self::OnBattery => bits.without(B::OL).with(B::OB),
            Self::OnLine => bits.without(B::OB).with(B::OL),
            Self::LowBattery => bits.with(B::LB),
            Self::BatteryOk => bits.without(B::LB),
            Self::ReplaceBattery => bits.with(B::RB),
            Self::Overload => bits.with(B::OVER),
            Self::OverloadCleared => bits.without(B::OVER),
            Self::PoweringDown | Self::CheckAlarms | Self::EepromChanged | Self::Tilde => bits,
        }
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::OnBattery => "on battery",
            Self::OnLine => "on line power",
            Self::LowBattery => "low battery",
            Self::BatteryOk => "battery no longer low",
            Self::ReplaceBattery => "replace battery",
            Self::Overload => "overload",
            Self::OverloadCleared => "overload cleared",
            Self::PoweringDown => "powering down",
            Self::CheckAlarms => "check alarm register",
            Self::EepromChanged => "eeprom changed",
            Self::Tilde => "undocumented alert ~",
        };
        write!(f, "{text} ('{}')", char::from(self.as_byte()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_nothing_else_is_an_alert() {
        for a in ALL {
            assert_eq!(Alert::from_byte(a.as_byte()), Some(a));
        }
        let alerts = (0..=255u8)
            .filter(|b| Alert::from_byte(*b).is_some())
            .count();
        assert_eq!(alerts, ALL.len());
        assert_eq!(Alert::from_byte(b'A'), None);
    }

    #[test]
    fn alerts_move_the_status_like_nut() {
        let ol = StatusBits::OL;
        let ob = Alert::OnBattery.apply(ol);
        assert_eq!(ob, StatusBits::OB);
        let ob_lb = Alert::LowBattery.apply(ob);
        assert_eq!(ob_lb.render().to_string(), "OB LB");
        assert_eq!(Alert::BatteryOk.apply(ob_lb), ob);
        assert_eq!(Alert::OnLine.apply(ob), ol);
        let over = Alert::Overload.apply(ol);
        assert_eq!(over.render().to_string(), "OL OVER");
        assert_eq!(Alert::OverloadCleared.apply(over), ol);
        assert_eq!(
            Alert::ReplaceBattery.apply(ol).render().to_string(),
            "OL RB"
        );
        for quiet in [
            Alert::PoweringDown,
            Alert::CheckAlarms,
            Alert::EepromChanged,
            Alert::Tilde,
        ] {
            assert!(!quiet.changes_status());
            assert_eq!(quiet.apply(ol), ol);
        }
    }
}
