//! The Megatec/Q* protocols (NUT's nutdrv_qx "subdrivers"): names, probe
//! order and the per-protocol constants (accepted/rejected replies, delay
//! ranges).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// One Megatec/Q* dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// OMRON (claimed only behind USB vendor id 0590 unless named).
    Omron,
    /// Voltronic Power "P" protocols (QGS/QPI).
    Voltronic,
    /// Voltronic Axpert inverters (P30, CRC-protected).
    VoltronicAxpert,
    /// Voltronic "QS" (PM-V / PM-H).
    VoltronicQs,
    /// Voltronic "QS" binary (PM-P / PM-T).
    VoltronicQsHex,
    /// Q1 block queried with `QS`.
    Mustek,
    /// Q1 block queried with `D`.
    MegatecOld,
    /// Best Power / Sola Australia.
    Bestups,
    /// Mecer / Voltronic P98.
    Mecer,
    /// Generic Megatec (Q1 + F + I).
    Megatec,
    /// Megatec with `FW?` for vendor data.
    Zinto,
    /// Masterguard A / E series.
    Masterguard,
    /// Hunnox / Powercool.
    Hunnox,
    /// Ablerex (625L USB etc.).
    Ablerex,
    /// Ippon Innova RT 3/1.
    Innovart31,
    /// Ippon Innova RT 3/3 (never claims, as in NUT: qx-protocols §2.16).
    Innovart33,
    /// Ippon Innova TAE.
    Innovatae,
    /// 3-phase Megatec variant (Q2 + WA + Q1).
    Q2,
    /// 3-phase Megatec variant (Q6 + WA + Q1).
    Q6,
    /// Gtec (`Q4` with status letters).
    Gtec,
    /// Fallback: Q1 only.
    Q1,
}

/// NUT's probe order (qx-protocols §1.6).
pub const PROBE_ORDER: [Protocol; 21] = [
    Protocol::Omron,
    Protocol::Voltronic,
    Protocol::VoltronicAxpert,
    Protocol::VoltronicQs,
    Protocol::VoltronicQsHex,
    Protocol::Mustek,
    Protocol::MegatecOld,
    Protocol::Bestups,
    Protocol::Mecer,
    Protocol::Megatec,
    Protocol::Zinto,
    Protocol::Masterguard,
    Protocol::Hunnox,
    Protocol::Ablerex,
    Protocol::Innovart31,
    Protocol::Innovart33,
    Protocol::Innovatae,
    Protocol::Q2,
    Protocol::Q6,
    Protocol::Gtec,
    Protocol::Q1,
];

/// The allowed range and default of one delay variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRange {
    /// Smallest accepted value (seconds).
    pub min: i64,
    /// Largest accepted value (seconds).
    pub max: i64,
    /// Default (seconds).
    pub default: i64,
}

impl Protocol {
    /// The `protocol=` name (NUT's, lower case).
    pub fn name(self) -> &'static str {
        match self {
            Self::Omron => "omron",
            Self::Voltronic => "voltronic",
            Self::VoltronicAxpert => "voltronic-axpert",
            Self::VoltronicQs => "voltronic-qs",
            Self::VoltronicQsHex => "voltronic-qs-hex",
            Self::Mustek => "mustek",
            Self::MegatecOld => "megatec/old",
            Self::Bestups => "bestups",
            Self::Mecer => "mecer",
            Self::Megatec => "megatec",
            Self::Zinto => "zinto",
            Self::Masterguard => "masterguard",
            Self::Hunnox => "hunnox",
            Self::Ablerex => "ablerex",
            Self::Innovart31 => "innovart31",
            Self::Innovart33 => "innovart33",
            Self::Innovatae => "innovatae",
            Self::Q2 => "q2",
            Self::Q6 => "q6",
            Self::Gtec => "gtec",
            Self::Q1 => "q1",
        }
    }

    /// The name/version string published as `driver.version.data`.
    pub fn version_data(self) -> &'static str {
        match self {
            Self::Omron => "Omron 0.01",
            Self::Voltronic => "Voltronic 0.14",
            Self::VoltronicAxpert => "Voltronic-Axpert 0.02",
            Self::VoltronicQs => "Voltronic-QS 0.11",
            Self::VoltronicQsHex => "Voltronic-QS-Hex 0.12",
            Self::Mustek => "Mustek 0.08",
            Self::MegatecOld => "Megatec/old 0.08",
            Self::Bestups => "BestUPS 0.08",
            Self::Mecer => "Mecer 0.09",
            Self::Megatec => "Megatec 0.10",
            Self::Zinto => "Zinto 0.07",
            Self::Masterguard => "Masterguard 0.05",
            Self::Hunnox => "Hunnox 0.03",
            Self::Ablerex => "Ablerex 0.02",
            Self::Innovart31 => "INNOVART31 0.02",
            Self::Innovart33 => "INNOVART33 0.01",
            Self::Innovatae => "INNOVATAE 0.01",
            Self::Q2 => "Q2 0.01",
            Self::Q6 => "Q6 0.01",
            Self::Gtec => "Gtec 0.01",
            Self::Q1 => "Q1 0.08",
        }
    }

    /// Whether this crate has a table for the protocol (every protocol of
    /// NUT's probe order has one).
    pub fn is_implemented(self) -> bool {
        super::tables::table(self).is_some()
    }

    /// Whether the protocol has the `ups.delay.start`/`ups.delay.shutdown`
    /// variables (voltronic-axpert's default build has none, so its `-k`
    /// shutdown fails, qx-protocols §1.13).
    pub fn has_delay_vars(self) -> bool {
        self != Self::VoltronicAxpert
    }

    /// The reply text (bytes between the lead and the CR, compared
    /// case-insensitively) that marks a command as accepted, if any.
    pub fn accepted(self) -> Option<&'static str> {
        match self {
            Self::Omron => Some("OK"),
            Self::VoltronicQs | Self::VoltronicQsHex | Self::Bestups | Self::Masterguard => None,
            Self::Hunnox => Some("UPS No Ack"),
            _ => Some("ACK"),
        }
    }

    /// The whole reply (CR included, case-insensitive) that marks a query or
    /// command as rejected, if any.
    pub fn rejected(self) -> Option<&'static [u8]> {
        match self {
            Self::Omron | Self::Innovart31 | Self::Innovart33 | Self::Innovatae => Some(b"NAK\r"),
            Self::Voltronic | Self::VoltronicAxpert | Self::Mecer => Some(b"(NAK\r"),
            Self::VoltronicQsHex => Some(b"N\r"),
            _ => None,
        }
    }

    /// Range and default of `ups.delay.start` (`ondelay`).
    pub fn ondelay(self) -> DelayRange {
        match self {
            Self::Bestups | Self::VoltronicQs | Self::VoltronicQsHex => DelayRange {
                min: 60,
                max: 599_940,
                default: 180,
            },
            Self::Hunnox => DelayRange {
                min: 0,
                max: 599_940,
                default: 0,
            },
            _ => DelayRange {
                min: 0,
                max: 599_940,
                default: 180,
            },
        }
    }

    /// Range and default of `ups.delay.shutdown` (`offdelay`).
    pub fn offdelay(self) -> DelayRange {
        let (min, max, default) = match self {
            Self::Bestups | Self::Voltronic => (12, 5940, 30),
            Self::VoltronicQs | Self::VoltronicQsHex => (12, 540, 30),
            Self::Masterguard => (0, 5940, 30),
            Self::Hunnox => (12, 600, 60),
            _ => (12, 600, 30),
        };
        DelayRange { min, max, default }
    }

    /// Whether delay values are truncated to the Megatec 6-s/60-s steps
    /// (every protocol but masterguard).
    pub fn truncates_delays(self) -> bool {
        self != Self::Masterguard
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Protocol {
    type Err = Error;

    /// Case-insensitive, as `protocol=` is.
    fn from_str(s: &str) -> Result<Self, Error> {
        PROBE_ORDER
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownProtocol(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for p in PROBE_ORDER {
            assert_eq!(p.name().parse::<Protocol>().ok(), Some(p));
            assert_eq!(p.name().to_uppercase().parse::<Protocol>().ok(), Some(p));
        }
        assert!(matches!(
            "megatec2".parse::<Protocol>(),
            Err(Error::UnknownProtocol(_))
        ));
    }

    #[test]
    fn probe_order_starts_and_ends_like_nut() {
        assert_eq!(PROBE_ORDER[0], Protocol::Omron);
        assert_eq!(PROBE_ORDER[9], Protocol::Megatec);
        assert_eq!(PROBE_ORDER[20], Protocol::Q1);
    }

    #[test]
    fn delay_ranges_per_protocol() {
        assert_eq!(Protocol::Megatec.offdelay().max, 600);
        assert_eq!(Protocol::Voltronic.offdelay().max, 5940);
        assert_eq!(Protocol::VoltronicQs.ondelay().min, 60);
        assert_eq!(Protocol::VoltronicQs.offdelay().max, 540);
        assert_eq!(Protocol::Hunnox.ondelay().default, 0);
        assert_eq!(Protocol::Hunnox.offdelay().default, 60);
    }
}
