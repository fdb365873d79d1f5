//! The 24 `upstype`s of NUT's genericups: identity strings and wiring.
//!
//! Taken from what genericups 1.38 (NUT 2.8.0) does, checked against the
//! real driver (the integration tests hold its observed status for every
//! type and input combination). Where the man page disagrees with the
//! driver, the driver wins:
//! * type 0 shuts down by raising RTS (the man page says DTR);
//! * type 3 is on line while CTS is low (the man page says high);
//! * types 4 and 23 shut down by dropping every output line (the man page
//!   writes `-RTS` and `none`); only types 8, 16, 17 and 18 have no
//!   shutdown at all.

use super::lines::{InputLine, InputSignal, LineMap, OutputSignal};
use InputLine::{Cts, Dcd, Dsr, Rng};

/// One `upstype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsType {
    /// The `upstype` number.
    pub number: u8,
    /// `ups.mfr` unless `mfr` overrides it.
    pub mfr: &'static str,
    /// `ups.model` unless `model` overrides it.
    pub model: &'static str,
    /// The description `genericups -h` lists and the driver logs at start
    /// (`UPS type: …`).
    pub desc: &'static str,
    /// The wiring before any override.
    pub lines: LineMap,
}

/// The number of upstypes (0 to 23).
pub const UPS_TYPE_COUNT: usize = 24;

const NO_LINES: OutputSignal = OutputSignal::NONE;
const DTR: OutputSignal = OutputSignal::DTR;
const RTS: OutputSignal = OutputSignal::RTS;
const DTR_RTS: OutputSignal = OutputSignal::DTR_RTS;
const BREAK: OutputSignal = OutputSignal::BREAK;
const OFF: InputSignal = InputSignal::NONE;

const fn high(line: InputLine) -> InputSignal {
    InputSignal::high(line)
}

const fn low(line: InputLine) -> InputSignal {
    InputSignal::low(line)
}

/// A type reading only `OL` and `LB`, as all but type 23 do.
#[allow(clippy::too_many_arguments)] // one table row, field for field
const fn entry(
    number: u8,
    mfr: &'static str,
    model: &'static str,
    desc: &'static str,
    cable_power: OutputSignal,
    online: InputSignal,
    low_battery: InputSignal,
    shutdown: Option<OutputSignal>,
) -> UpsType {
    UpsType {
        number,
        mfr,
        model,
        desc,
        lines: LineMap {
            cable_power,
            online,
            low_battery,
            replace_battery: OFF,
            bypass: OFF,
            shutdown,
        },
    }
}

impl UpsType {
    const fn with_rb_bypass(mut self, replace_battery: InputSignal, bypass: InputSignal) -> Self {
        self.lines.replace_battery = replace_battery;
        self.lines.bypass = bypass;
        self
    }

    /// The type numbered `number`, if there is one.
    pub fn get(number: u8) -> Option<&'static Self> {
        UPS_TYPES.get(usize::from(number))
    }
}

/// Every upstype, indexed by its number.
#[rustfmt::skip]
pub static UPS_TYPES: [UpsType; UPS_TYPE_COUNT] = [
    entry(0, "UPSONIC", "LAN Saver 600", "UPSONIC LAN Saver 600", DTR_RTS, low(Cts), high(Dcd), Some(RTS)),
    entry(1, "APC", "Back-UPS", "APC Back-UPS (940-0095A/C cable)", DTR, low(Rng), high(Dcd), Some(RTS)),
    entry(2, "APC", "Back-UPS", "APC Back-UPS (940-0020B/C cable)", RTS, low(Cts), high(Dcd), Some(DTR_RTS)),
    entry(3, "PowerTech", "Comp1000", "PowerTech Comp1000 with DTR as cable power", DTR, low(Cts), high(Dcd), Some(DTR_RTS)),
    entry(4, "Generic", "Generic RUPS model", "Generic RUPS model", RTS, high(Cts), low(Dcd), Some(NO_LINES)),
    entry(5, "TrippLite", "Internet Office Series", "Tripp Lite UPS with Lan2.2 interface (black 73-0844 cable)", DTR, high(Cts), low(Dcd), Some(DTR_RTS)),
    entry(6, "Best", "Patriot", "Best Patriot (INT51 cable)", DTR, high(Cts), low(Dcd), Some(RTS)),
    entry(7, "CyberPower", "Power99", "CyberPower Power99", RTS, high(Cts), low(Dcd), Some(DTR)),
    entry(8, "Nitram", "Elite UPS", "Nitram Elite 500", DTR, high(Cts), low(Dcd), None),
    entry(9, "APC", "Back-UPS", "APC Back-UPS (940-0023A cable)", NO_LINES, low(Dcd), high(Cts), Some(RTS)),
    entry(10, "Victron", "Lite", "Victron Lite (crack cable)", RTS, high(Cts), low(Dcd), Some(DTR)),
    entry(11, "Powerware", "3115", "Powerware 3115", DTR, low(Cts), low(Dcd), Some(BREAK)),
    entry(12, "APC", "Back-UPS Office", "APC Back-UPS Office (940-0119A cable)", RTS, low(Cts), high(Dcd), Some(DTR)),
    entry(13, "RPT", "Repoteck", "Repoteck RPT-800A, RPT-162A", DTR_RTS, high(Dcd), low(Cts), Some(BREAK)),
    entry(14, "Online", "P250, P500, P750, P1250", "Online P-series", DTR, high(Dcd), low(Cts), Some(RTS)),
    entry(15, "Powerware", "5119", "Powerware 5119", DTR, high(Cts), low(Dcd), Some(BREAK)),
    entry(16, "Nitram", "Elite UPS", "Nitram Elite 2002", DTR_RTS, high(Cts), low(Dcd), None),
    entry(17, "PowerKinetics", "9001", "PowerKinetics 9001", DTR, high(Cts), low(Dcd), None),
    entry(18, "TrippLite", "Omni 450LAN", "TrippLite UPS with Martin's cabling", DTR, high(Cts), high(Dcd), None),
    entry(19, "Fideltronik", "Ares Series", "Fideltronik Ares Series", DTR, high(Cts), low(Dcd), Some(RTS)),
    entry(20, "Powerware", "5119 RM", "Powerware 5119 RM", DTR, low(Cts), high(Dcd), Some(BREAK)),
    entry(21, "Generic", "Generic RUPS 2000", "Generic RUPS 2000 (Megatec M2501 cable)", RTS, high(Cts), low(Dcd), Some(DTR_RTS)),
    entry(22, "Gamatronic Electronic Industries", "Generic Alarm UPS", "Gamatronic UPSs with alarm interface", RTS, high(Cts), low(Dcd), Some(DTR)),
    entry(23, "Generic", "Generic FTTx Battery Backup", "FTTx (Fiber to the x) battery backup with 4-wire telemetry interface", RTS, high(Cts), low(Dcd), Some(NO_LINES)).with_rb_bypass(low(Rng), low(Dsr)),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_positions() {
        for (i, t) in UPS_TYPES.iter().enumerate() {
            assert_eq!(usize::from(t.number), i);
            assert_eq!(UpsType::get(t.number), Some(t));
        }
        assert_eq!(UpsType::get(23).map(|t| t.number), Some(23));
        assert_eq!(UpsType::get(24), None);
    }

    #[test]
    fn only_type_23_reads_rb_and_bypass() {
        for t in &UPS_TYPES {
            let extra = !t.lines.replace_battery.is_disabled() || !t.lines.bypass.is_disabled();
            assert_eq!(extra, t.number == 23, "type {}", t.number);
        }
    }

    #[test]
    fn shutdown_unknown_for_exactly_four_types() {
        let none: Vec<u8> = UPS_TYPES
            .iter()
            .filter(|t| t.lines.shutdown.is_none())
            .map(|t| t.number)
            .collect();
        assert_eq!(none, [8, 16, 17, 18]);
    }
}
