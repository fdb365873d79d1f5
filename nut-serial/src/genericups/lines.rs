//! The RS-232 modem-control lines of a contact-closure UPS, the conditions
//! genericups reads from them, and the `ups.status` they produce.
//!
//! A contact-closure UPS signals "on line" and "battery low" (some also
//! "replace battery" and "bypass") by holding input lines of the serial port
//! high or low; the computer powers the cable from its output lines and
//! shuts the UPS down by changing them or by sending a break. A
//! [`LineMap`] is one complete wiring: what NUT keeps per `upstype`.

use std::fmt;

use nut_proto::model::{Status, StatusToken};

/// An input line: driven by the UPS, read by the computer. RS-232 has
/// exactly these four, so the enum is exhaustive on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputLine {
    /// Clear To Send.
    Cts,
    /// Data Carrier Detect.
    Dcd,
    /// Ring Indicator (NUT's name: `RNG`).
    Rng,
    /// Data Set Ready.
    Dsr,
}

impl InputLine {
    /// Every input line, in NUT's parsing order.
    pub const ALL: [Self; 4] = [Self::Cts, Self::Dcd, Self::Rng, Self::Dsr];

    /// The name used in ups.conf (`CTS`, `DCD`, `RNG`, `DSR`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Cts => "CTS",
            Self::Dcd => "DCD",
            Self::Rng => "RNG",
            Self::Dsr => "DSR",
        }
    }

    /// The line of a ups.conf name (exact, upper case, as NUT matches it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|line| line.name() == name)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for InputLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A snapshot of the four input lines (`true` = asserted/high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InputLines {
    /// Clear To Send.
    pub cts: bool,
    /// Data Carrier Detect.
    pub dcd: bool,
    /// Ring Indicator.
    pub rng: bool,
    /// Data Set Ready.
    pub dsr: bool,
}

impl InputLines {
    /// The level of `line`.
    pub const fn get(&self, line: InputLine) -> bool {
        match line {
            InputLine::Cts => self.cts,
            InputLine::Dcd => self.dcd,
            InputLine::Rng => self.rng,
            InputLine::Dsr => self.dsr,
        }
    }

    /// Sets the level of `line`.
    pub fn set(&mut self, line: InputLine, high: bool) {
        match line {
            InputLine::Cts => self.cts = high,
            InputLine::Dcd => self.dcd = high,
            InputLine::Rng => self.rng = high,
            InputLine::Dsr => self.dsr = high,
        }
    }

    /// The lines from four bits: CTS = 1, DCD = 2, RNG = 4, DSR = 8 (a
    /// compact form for tables and tests, not NUT's `TIOCM_*` values).
    pub const fn from_bits(bits: u8) -> Self {
        Self {
            cts: bits & 1 != 0,
            dcd: bits & 2 != 0,
            rng: bits & 4 != 0,
            dsr: bits & 8 != 0,
        }
    }

    /// The inverse of [`from_bits`](Self::from_bits).
    pub const fn bits(&self) -> u8 {
        self.cts as u8 | (self.dcd as u8) << 1 | (self.rng as u8) << 2 | (self.dsr as u8) << 3
    }
}

impl fmt::Display for InputLines {
    /// The high lines joined by `+` (`CTS+DCD`), or `-` when none is high.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let high: Vec<&str> = InputLine::ALL
            .into_iter()
            .filter(|l| self.get(*l))
            .map(InputLine::name)
            .collect();
        if high.is_empty() {
            f.write_str("-")
        } else {
            f.write_str(&high.join("+"))
        }
    }
}

/// A condition on the input lines: each named line must be at its level.
///
/// NUT keeps a mask and the expected bits and tests `(lines & mask) ==
/// expected`; with an empty mask that is always true. genericups relies on
/// that for `OL` (a disabled `OL` always reads on line) but skips the other
/// conditions when their mask is empty (a disabled `LB` never reads low
/// battery): see [`LineMap::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InputSignal {
    /// Per line (in [`InputLine::ALL`] order): `None` = not looked at,
    /// `Some(level)` = must be at that level.
    expect: [Option<bool>; 4],
}

impl InputSignal {
    /// No line: the signal is disabled (`NULL` or `none` in ups.conf).
    pub const NONE: Self = Self { expect: [None; 4] };

    /// Active high on `line` (ups.conf `CTS`).
    pub const fn high(line: InputLine) -> Self {
        Self::NONE.with(line, true)
    }

    /// Active low on `line` (ups.conf `-CTS`).
    pub const fn low(line: InputLine) -> Self {
        Self::NONE.with(line, false)
    }

    /// This condition plus `line` at `level`.
    pub const fn with(mut self, line: InputLine, level: bool) -> Self {
        self.expect[line.index()] = Some(level);
        self
    }

    /// The level `line` must have, if it is part of the condition.
    pub const fn level(&self, line: InputLine) -> Option<bool> {
        self.expect[line.index()]
    }

    /// The lines looked at, with their levels, in [`InputLine::ALL`] order.
    pub fn terms(&self) -> impl Iterator<Item = (InputLine, bool)> + '_ {
        InputLine::ALL
            .into_iter()
            .filter_map(|line| self.level(line).map(|level| (line, level)))
    }

    /// Whether no line is looked at.
    pub fn is_disabled(&self) -> bool {
        self.expect.iter().all(Option::is_none)
    }

    /// NUT's test `(lines & mask) == expected`: every named line is at its
    /// level (vacuously true for a disabled signal).
    pub fn matches(&self, lines: InputLines) -> bool {
        self.terms().all(|(line, level)| lines.get(line) == level)
    }
}

impl fmt::Display for InputSignal {
    /// The ups.conf form: `CTS`, `-DCD`, `CTS+-DCD`, or `NULL` when disabled.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_disabled() {
            return f.write_str("NULL");
        }
        for (i, (line, level)) in self.terms().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            if !level {
                f.write_str("-")?;
            }
            f.write_str(line.name())?;
        }
        Ok(())
    }
}

/// Output lines as NUT sets them with one `TIOCMSET`: DTR and RTS take
/// exactly these levels (a line not named is dropped), and `ST` asks for a
/// break instead. The kernel ignores the `ST` bit in `TIOCMSET`, so `ST`
/// means "send a break" only when it is the sole line named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OutputSignal {
    /// Raise DTR (else drop it).
    pub dtr: bool,
    /// Raise RTS (else drop it).
    pub rts: bool,
    /// `ST`: send a break.
    pub st: bool,
}

impl OutputSignal {
    /// Every output dropped (`none`, `NULL`, `-RTS` …).
    pub const NONE: Self = Self {
        dtr: false,
        rts: false,
        st: false,
    };
    /// DTR raised, RTS dropped.
    pub const DTR: Self = Self {
        dtr: true,
        rts: false,
        st: false,
    };
    /// RTS raised, DTR dropped.
    pub const RTS: Self = Self {
        dtr: false,
        rts: true,
        st: false,
    };
    /// Both raised.
    pub const DTR_RTS: Self = Self {
        dtr: true,
        rts: true,
        st: false,
    };
    /// A break on the transmit line, nothing else.
    pub const BREAK: Self = Self {
        dtr: false,
        rts: false,
        st: true,
    };

    /// Whether applying this sends a break (`ST` alone) rather than setting
    /// DTR/RTS, as genericups decides at shutdown.
    pub fn is_break(&self) -> bool {
        *self == Self::BREAK
    }
}

impl fmt::Display for OutputSignal {
    /// The ups.conf form: `DTR`, `DTR+RTS`, `ST`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [(self.dtr, "DTR"), (self.rts, "RTS"), (self.st, "ST")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join("+"))
        }
    }
}

/// One complete contact-closure wiring: the lines that power the cable,
/// the conditions read from the UPS and how to shut it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineMap {
    /// `CP`: output levels set when the port is opened, kept while polling.
    pub cable_power: OutputSignal,
    /// `OL`: the UPS is on line power (else on battery).
    pub online: InputSignal,
    /// `LB`: the battery is low.
    pub low_battery: InputSignal,
    /// `RB`: the battery needs replacing (type 23 only, or by override).
    pub replace_battery: InputSignal,
    /// `BYPASS`: on bypass or no battery (type 23 only, or by override).
    pub bypass: InputSignal,
    /// `SD`: how to shut the UPS down; `None` when NUT knows no way for
    /// this type (`-k` then fails). An override always gives `Some`.
    pub shutdown: Option<OutputSignal>,
}

impl LineMap {
    /// The `ups.status` NUT's genericups publishes for `lines`, tokens in its
    /// order: `LB` (low battery), `OL` or `OB` (always exactly one), `RB`,
    /// `BYPASS`.
    ///
    /// `LB` does not depend on `OL`: a UPS that holds its low-battery line
    /// while on line power reads `LB OL`, as NUT reports it. A disabled
    /// `OL` reads on line; a disabled `LB`, `RB` or `BYPASS` never sets its
    /// token.
    pub fn status(&self, lines: InputLines) -> Status {
        let set = |signal: &InputSignal| !signal.is_disabled() && signal.matches(lines);
        let mut tokens = Vec::with_capacity(4);
        if set(&self.low_battery) {
            tokens.push(StatusToken::LowBattery);
        }
        tokens.push(if self.online.matches(lines) {
            StatusToken::OnLine
        } else {
            StatusToken::OnBattery
        });
        if set(&self.replace_battery) {
            tokens.push(StatusToken::ReplaceBattery);
        }
        if set(&self.bypass) {
            tokens.push(StatusToken::Bypass);
        }
        Status::new(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_display_in_ups_conf_form() {
        let s = InputSignal::high(InputLine::Cts).with(InputLine::Dcd, false);
        assert_eq!(s.to_string(), "CTS+-DCD");
        assert_eq!(InputSignal::NONE.to_string(), "NULL");
        assert_eq!(OutputSignal::DTR_RTS.to_string(), "DTR+RTS");
        assert_eq!(OutputSignal::NONE.to_string(), "none");
        assert_eq!(OutputSignal::BREAK.to_string(), "ST");
    }

    #[test]
    fn matching_follows_mask_and_level() {
        let s = InputSignal::high(InputLine::Cts).with(InputLine::Dcd, false);
        assert!(s.matches(InputLines::from_bits(0b0001)));
        assert!(s.matches(InputLines::from_bits(0b1101)));
        assert!(!s.matches(InputLines::from_bits(0b0011)));
        assert!(!s.matches(InputLines::from_bits(0b0000)));
        assert!(InputSignal::NONE.matches(InputLines::from_bits(0b1111)));
    }

    #[test]
    fn bits_round_trip() {
        for bits in 0..16 {
            let lines = InputLines::from_bits(bits);
            assert_eq!(lines.bits(), bits);
        }
        assert_eq!(InputLines::from_bits(0b0101).to_string(), "CTS+RNG");
        assert_eq!(InputLines::default().to_string(), "-");
    }

    #[test]
    fn break_only_when_st_stands_alone() {
        assert!(OutputSignal::BREAK.is_break());
        let with_dtr = OutputSignal {
            st: true,
            ..OutputSignal::DTR
        };
        assert!(!with_dtr.is_break());
    }

    #[test]
    fn status_order_and_disabled_signals() {
        let map = LineMap {
            cable_power: OutputSignal::DTR,
            online: InputSignal::NONE,
            low_battery: InputSignal::NONE,
            replace_battery: InputSignal::low(InputLine::Rng),
            bypass: InputSignal::low(InputLine::Dsr),
            shutdown: None,
        };
        assert_eq!(
            map.status(InputLines::default()).to_string(),
            "OL RB BYPASS"
        );
        let map = LineMap {
            online: InputSignal::high(InputLine::Cts),
            low_battery: InputSignal::high(InputLine::Dcd),
            ..map
        };
        assert_eq!(
            map.status(InputLines::from_bits(0b1110)).to_string(),
            "LB OB"
        );
        assert_eq!(
            map.status(InputLines::from_bits(0b1111)).to_string(),
            "LB OL"
        );
    }
}
