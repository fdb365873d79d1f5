//! `ups.status`: a space-separated list of status tokens.

use std::fmt;
use std::str::FromStr;

/// One `ups.status` token. Unknown tokens are kept as [`StatusToken::Other`]:
/// NUT requires clients to tolerate them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusToken {
    /// `OL`: on line power.
    OnLine,
    /// `OB`: on battery.
    OnBattery,
    /// `LB`: low battery.
    LowBattery,
    /// `HB`: high battery.
    HighBattery,
    /// `RB`: the battery needs replacing.
    ReplaceBattery,
    /// `CHRG`: charging.
    Charging,
    /// `DISCHRG`: discharging.
    Discharging,
    /// `BYPASS`: on bypass.
    Bypass,
    /// `CAL`: runtime calibration.
    Calibrating,
    /// `OFF`: administratively off.
    Off,
    /// `OVER`: overloaded.
    Overload,
    /// `TRIM`: trimming (buck) the incoming voltage.
    Trim,
    /// `BOOST`: boosting the incoming voltage.
    Boost,
    /// `FSD`: forced shutdown (normally set by upsd).
    ForcedShutdown,
    /// `ALARM`: `ups.alarm` is set.
    Alarm,
    /// `ECO`: economy mode (deprecated as a status).
    Eco,
    /// `WAIT`: upsd has not had the first dump from the driver yet.
    Wait,
    /// Any other token, kept verbatim.
    Other(String),
}

impl StatusToken {
    /// The token as NUT writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::OnLine => "OL",
            Self::OnBattery => "OB",
            Self::LowBattery => "LB",
            Self::HighBattery => "HB",
            Self::ReplaceBattery => "RB",
            Self::Charging => "CHRG",
            Self::Discharging => "DISCHRG",
            Self::Bypass => "BYPASS",
            Self::Calibrating => "CAL",
            Self::Off => "OFF",
            Self::Overload => "OVER",
            Self::Trim => "TRIM",
            Self::Boost => "BOOST",
            Self::ForcedShutdown => "FSD",
            Self::Alarm => "ALARM",
            Self::Eco => "ECO",
            Self::Wait => "WAIT",
            Self::Other(s) => s,
        }
    }

    /// Reads one token; never fails (unknown tokens become [`Self::Other`]).
    /// Known tokens are matched exactly, as NUT does (case-sensitive).
    pub fn parse(token: &str) -> Self {
        match token {
            "OL" => Self::OnLine,
            "OB" => Self::OnBattery,
            "LB" => Self::LowBattery,
            "HB" => Self::HighBattery,
            "RB" => Self::ReplaceBattery,
            "CHRG" => Self::Charging,
            "DISCHRG" => Self::Discharging,
            "BYPASS" => Self::Bypass,
            "CAL" => Self::Calibrating,
            "OFF" => Self::Off,
            "OVER" => Self::Overload,
            "TRIM" => Self::Trim,
            "BOOST" => Self::Boost,
            "FSD" => Self::ForcedShutdown,
            "ALARM" => Self::Alarm,
            "ECO" => Self::Eco,
            "WAIT" => Self::Wait,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for StatusToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A whole `ups.status` value, tokens in the order given.
///
/// ```
/// use nut_proto::model::{Status, StatusToken};
///
/// let status: Status = "OB LB BOGUS".parse().unwrap();
/// assert!(status.contains(&StatusToken::LowBattery));
/// assert_eq!(status.tokens()[2], StatusToken::Other("BOGUS".into()));
/// assert_eq!(status.to_string(), "OB LB BOGUS");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Status(Vec<StatusToken>);

impl Status {
    /// A status from its tokens.
    pub fn new(tokens: Vec<StatusToken>) -> Self {
        Self(tokens)
    }

    /// The tokens in order.
    pub fn tokens(&self) -> &[StatusToken] {
        &self.0
    }

    /// Whether `token` is present.
    pub fn contains(&self, token: &StatusToken) -> bool {
        self.0.contains(token)
    }

    /// Adds `token` at the end unless it is already present.
    pub fn insert(&mut self, token: StatusToken) {
        if !self.contains(&token) {
            self.0.push(token);
        }
    }

    /// Removes every occurrence of `token`.
    pub fn remove(&mut self, token: &StatusToken) {
        self.0.retain(|t| t != token);
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Status {
    type Err = std::convert::Infallible;

    /// Splits on ASCII white space; never fails.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(
            s.split_ascii_whitespace().map(StatusToken::parse).collect(),
        ))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, token) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(token.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_known_token_round_trips() {
        for t in [
            "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF", "OVER",
            "TRIM", "BOOST", "FSD", "ALARM", "ECO", "WAIT",
        ] {
            let token = StatusToken::parse(t);
            assert!(!matches!(token, StatusToken::Other(_)), "{t}");
            assert_eq!(token.as_str(), t);
        }
    }

    #[test]
    fn matching_is_case_sensitive_like_nut() {
        assert_eq!(StatusToken::parse("ol"), StatusToken::Other("ol".into()));
    }

    #[test]
    fn insert_and_remove_keep_order() {
        let mut s: Status = "OL CHRG".parse().unwrap();
        s.insert(StatusToken::OnLine);
        s.insert(StatusToken::LowBattery);
        s.remove(&StatusToken::Charging);
        assert_eq!(s.to_string(), "OL LB");
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(tokens in proptest::collection::vec("[A-Z]{1,8}", 0..10)) {
            let text = tokens.join(" ");
            let status: Status = text.parse().unwrap();
            prop_assert_eq!(status.to_string(), text);
        }
    }
}
