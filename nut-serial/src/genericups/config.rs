//! genericups options (ups.conf / `-x`, nut-spec §13): `upstype`, the
//! identity strings, the `CP`/`OL`/`LB`/`RB`/`BYPASS`/`SD` line overrides
//! and `sdtime`, checked and resolved into one [`LineMap`].
//!
//! # Line overrides
//!
//! A value names lines joined by `+` (`DTR+RTS`, `CTS+-DCD`); a leading
//! `-` makes an input active low and leaves an output dropped; `NULL` or
//! `none` disables an input (a disabled `OL` always reads on line) or
//! drops every output. `ST` (break) is valid for `CP` and `SD` only.
//!
//! NUT finds line names anywhere in the value (`strstr`), so a typo such as
//! `LB=dcd` silently disables the signal. We parse the same spellings
//! strictly instead and refuse anything else with an error naming the
//! option; NUT's own refusals (an output line for an input, …) keep NUT's
//! wording. `+`, `,` and white space all separate names.

use std::time::Duration;

use super::lines::{InputLine, InputSignal, LineMap, OutputSignal};
use super::table::UpsType;
use crate::error::Error;

/// `pollinterval` when not set (NUT: 2 s).
pub const DEFAULT_POLLINTERVAL: Duration = Duration::from_secs(2);

/// Longest line-override value accepted (the longest sensible one,
/// `CTS+-DCD+-RNG+-DSR`, has 18 bytes).
pub const MAX_SIGNAL_LEN: usize = 64;

/// Longest shutdown hold: NUT sleeps at most `UINT_MAX` seconds.
pub const MAX_SDTIME_SECS: u64 = u32::MAX as u64;

/// The driver's variables with the descriptions `genericups -h` prints, in
/// its order.
pub const OPTIONS: &[(&str, &str)] = &[
    ("upstype", "Set UPS type (required)"),
    ("mfr", "Override manufacturer name"),
    ("model", "Override model name"),
    ("serial", "Specify the serial number"),
    ("CP", "Override cable power setting"),
    ("OL", "Override on line signal"),
    ("LB", "Override low battery signal"),
    ("RB", "Override replace battery signal"),
    ("BYPASS", "Override battery bypass signal"),
    ("SD", "Override shutdown setting"),
    ("sdtime", "Hold time for shutdown value (seconds)"),
];

/// Everything the engine takes from ups.conf, overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericConfig {
    /// The `upstype` (its table entry, before overrides).
    pub upstype: &'static UpsType,
    /// `ups.mfr` (`mfr`, else the type's).
    pub mfr: String,
    /// `ups.model` (`model`, else the type's).
    pub model: String,
    /// `ups.serial` (`serial`; unset by default).
    pub serial: Option<String>,
    /// The wiring in use: the type's, with `CP`/`OL`/`LB`/`RB`/`BYPASS`/`SD`
    /// applied.
    pub lines: LineMap,
    /// `sdtime` as given (NUT logs the value even when it is 0 or
    /// negative, and holds the shutdown signal only when it is positive).
    pub sdtime: Option<i64>,
    /// `pollinterval` (driver core; default 2 s).
    pub pollinterval: Duration,
    /// `ignorelb` (driver core): never report `LB` (genericups has no
    /// charge or runtime to derive it from).
    pub ignorelb: bool,
    /// Overrides that changed nothing (NUT logs them at notice level: a
    /// hint at a typo).
    pub notices: Vec<String>,
}

fn invalid(name: &str, value: &str, reason: &'static str) -> Error {
    Error::InvalidOption {
        name: name.to_owned(),
        value: value.to_owned(),
        reason,
    }
}

/// Which override a value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Override {
    Input(InputKind),
    Output(OutputKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    Online,
    LowBattery,
    ReplaceBattery,
    Bypass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutputKind {
    CablePower,
    Shutdown,
}

impl Override {
    fn from_name(name: &str) -> Option<(Self, &'static str)> {
        let found = [
            ("CP", Self::Output(OutputKind::CablePower)),
            ("OL", Self::Input(InputKind::Online)),
            ("LB", Self::Input(InputKind::LowBattery)),
            ("RB", Self::Input(InputKind::ReplaceBattery)),
            ("BYPASS", Self::Input(InputKind::Bypass)),
            ("SD", Self::Output(OutputKind::Shutdown)),
        ]
        .into_iter()
        .find(|(canonical, _)| canonical.eq_ignore_ascii_case(name))?;
        Some((found.1, found.0))
    }
}

/// Splits an override value into line names (`+`, `,`, white space).
fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == '+' || c == ',' || c.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
}

fn is_null(token: &str) -> bool {
    token == "NULL" || token == "none"
}

/// The checks both kinds of override share: length, emptiness, `NULL`
/// alone. `Ok(true)` for a lone `NULL`/`none`.
fn check_common(name: &str, value: &str) -> Result<bool, Error> {
    if value.len() > MAX_SIGNAL_LEN {
        return Err(invalid(name, value, "longer than 64 bytes"));
    }
    let count = tokens(value).count();
    if count == 0 {
        return Err(invalid(name, value, "no line named"));
    }
    let nulls = tokens(value).filter(|t| is_null(t)).count();
    match (nulls, count) {
        (0, _) => Ok(false),
        (1, 1) => Ok(true),
        _ => Err(invalid(name, value, "NULL/none must stand alone")),
    }
}

/// Parses an input override (`OL`, `LB`, `RB`, `BYPASS`).
pub fn parse_input_signal(name: &str, value: &str) -> Result<InputSignal, Error> {
    if check_common(name, value)? {
        return Ok(InputSignal::NONE);
    }
    let mut signal = InputSignal::NONE;
    for token in tokens(value) {
        let (active_low, line_name) = match token.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, token),
        };
        let line = match line_name {
            "DTR" => return Err(invalid(name, value, "can't override input with DTR (not an input)")),
            "RTS" => return Err(invalid(name, value, "can't override input with RTS (not an input)")),
            "ST" => return Err(invalid(name, value, "can't override input with ST (not an input)")),
            other => InputLine::from_name(other).ok_or_else(|| {
                invalid(
                    name,
                    value,
                    "expected CTS, DCD, RNG or DSR ('-' for active low), joined by '+', or NULL/none",
                )
            })?,
        };
        let level = !active_low;
        match signal.level(line) {
            Some(previous) if previous != level => {
                return Err(invalid(name, value, "a line is given both high and low"));
            }
            _ => signal = signal.with(line, level),
        }
    }
    Ok(signal)
}

/// Parses an output override (`CP`, `SD`).
pub fn parse_output_signal(name: &str, value: &str) -> Result<OutputSignal, Error> {
    if check_common(name, value)? {
        return Ok(OutputSignal::NONE);
    }
    let mut signal = OutputSignal::NONE;
    let mut dropped = OutputSignal::NONE;
    for token in tokens(value) {
        match token {
            "DTR" => signal.dtr = true,
            "RTS" => signal.rts = true,
            "ST" => signal.st = true,
            "-DTR" => dropped.dtr = true,
            "-RTS" => dropped.rts = true,
            "-ST" => return Err(invalid(name, value, "ST (break) cannot be negated")),
            "CTS" | "-CTS" => {
                return Err(invalid(
                    name,
                    value,
                    "can't override output with CTS (not an output)",
                ));
            }
            "DCD" | "-DCD" => {
                return Err(invalid(
                    name,
                    value,
                    "can't override output with DCD (not an output)",
                ));
            }
            "RNG" | "-RNG" => {
                return Err(invalid(
                    name,
                    value,
                    "can't override output with RNG (not an output)",
                ));
            }
            "DSR" | "-DSR" => {
                return Err(invalid(
                    name,
                    value,
                    "can't override output with DSR (not an output)",
                ));
            }
            _ => {
                return Err(invalid(
                    name,
                    value,
                    "expected DTR, RTS or ST ('-' to drop a line), joined by '+', or NULL/none",
                ));
            }
        }
    }
    if (signal.dtr && dropped.dtr) || (signal.rts && dropped.rts) {
        return Err(invalid(
            name,
            value,
            "a line is given both raised and dropped",
        ));
    }
    Ok(signal)
}

const UNKNOWN_TYPE: &str = "unknown UPS type number (valid: 0 to 23, see genericups -h)";

/// `upstype` as a table entry. NUT reads the number with `strtol` (so
/// `1x` is type 1 and `x` type 0); we take whole numbers only.
fn parse_upstype(value: &str) -> Result<&'static UpsType, Error> {
    let number: u8 = value
        .trim()
        .parse()
        .map_err(|_| invalid("upstype", value, UNKNOWN_TYPE))?;
    UpsType::get(number).ok_or_else(|| invalid("upstype", value, UNKNOWN_TYPE))
}

impl GenericConfig {
    /// The configuration of type `upstype` with no other option set.
    pub fn new(upstype: u8) -> Result<Self, Error> {
        UpsType::get(upstype)
            .map(Self::of_type)
            .ok_or_else(|| invalid("upstype", &upstype.to_string(), UNKNOWN_TYPE))
    }

    /// The configuration of a table entry with no other option set.
    pub fn of_type(entry: &'static UpsType) -> Self {
        Self {
            upstype: entry,
            mfr: entry.mfr.to_owned(),
            model: entry.model.to_owned(),
            serial: None,
            lines: entry.lines,
            sdtime: None,
            pollinterval: DEFAULT_POLLINTERVAL,
            ignorelb: false,
            notices: Vec::new(),
        }
    }

    /// Builds the configuration from ups.conf options (names match without
    /// regard to case, as NUT's do; a later value replaces an earlier one,
    /// as `-x` does). `upstype` is required.
    pub fn from_options<'a, I>(options: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let options: Vec<(&str, &str)> = options.into_iter().collect();
        let upstype = options
            .iter()
            .rev()
            .find(|(name, _)| name.eq_ignore_ascii_case("upstype"))
            .map(|(_, value)| *value)
            .ok_or_else(|| invalid("upstype", "", "no upstype set - see help text / man page"))?;
        let mut config = Self::of_type(parse_upstype(upstype)?);
        for (name, value) in options {
            if !name.eq_ignore_ascii_case("upstype") {
                config.set_option(name, value)?;
            }
        }
        Ok(config)
    }

    /// Applies one option other than `upstype` (`value` is ignored for the
    /// `ignorelb` flag). Unknown names are refused.
    pub fn set_option(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if let Some((which, canonical)) = Override::from_name(name) {
            return self.apply_override(which, canonical, value);
        }
        match name.to_ascii_lowercase().as_str() {
            "upstype" => {
                return Err(invalid(
                    name,
                    value,
                    "the upstype is fixed when the configuration is built",
                ));
            }
            "mfr" => self.mfr = value.to_owned(),
            "model" => self.model = value.to_owned(),
            "serial" => self.serial = Some(value.to_owned()),
            "sdtime" => {
                let secs: i64 = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid("sdtime", value, "not a whole number of seconds"))?;
                self.sdtime = Some(secs);
            }
            "pollinterval" => {
                let secs: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid(name, value, "not a whole number of seconds"))?;
                self.pollinterval = Duration::from_secs(secs.max(1));
            }
            "ignorelb" => self.ignorelb = true,
            _ => return Err(invalid(name, value, "unknown option")),
        }
        Ok(())
    }

    fn apply_override(
        &mut self,
        which: Override,
        canonical: &str,
        value: &str,
    ) -> Result<(), Error> {
        let changed = match which {
            Override::Input(kind) => {
                let parsed = parse_input_signal(canonical, value)?;
                let slot = match kind {
                    InputKind::Online => &mut self.lines.online,
                    InputKind::LowBattery => &mut self.lines.low_battery,
                    InputKind::ReplaceBattery => &mut self.lines.replace_battery,
                    InputKind::Bypass => &mut self.lines.bypass,
                };
                std::mem::replace(slot, parsed) != parsed
            }
            Override::Output(OutputKind::CablePower) => {
                let parsed = parse_output_signal(canonical, value)?;
                std::mem::replace(&mut self.lines.cable_power, parsed) != parsed
            }
            Override::Output(OutputKind::Shutdown) => {
                let parsed = parse_output_signal(canonical, value)?;
                self.lines.shutdown.replace(parsed) != Some(parsed)
            }
        };
        if !changed {
            self.notices.push(format!(
                "{canonical} override {value:?} makes no difference to upstype {} - check for typos?",
                self.upstype.number
            ));
        }
        Ok(())
    }

    /// How long the shutdown signal is held after it is set: `sdtime`
    /// seconds when positive (at most [`MAX_SDTIME_SECS`]), else nothing.
    pub fn sdtime_hold(&self) -> Duration {
        let secs = self.sdtime.unwrap_or(0).clamp(0, MAX_SDTIME_SECS as i64);
        Duration::from_secs(secs.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InputLine::{Cts, Dcd, Dsr, Rng};

    #[test]
    fn input_overrides_parse_like_nut_spellings() {
        let p = |v| parse_input_signal("OL", v);
        assert_eq!(p("CTS").unwrap(), InputSignal::high(Cts));
        assert_eq!(p("-RNG").unwrap(), InputSignal::low(Rng));
        assert_eq!(
            p("CTS+-DCD").unwrap(),
            InputSignal::high(Cts).with(Dcd, false)
        );
        assert_eq!(
            p("DSR DCD").unwrap(),
            InputSignal::high(Dsr).with(Dcd, true)
        );
        assert_eq!(p("NULL").unwrap(), InputSignal::NONE);
        assert_eq!(p("none").unwrap(), InputSignal::NONE);
        assert_eq!(p("CTS+CTS").unwrap(), InputSignal::high(Cts));
    }

    #[test]
    fn input_overrides_refuse_what_nut_would_misread() {
        for (value, reason) in [
            ("DTR", "can't override input with DTR (not an input)"),
            ("-RTS", "can't override input with RTS (not an input)"),
            ("ST", "can't override input with ST (not an input)"),
            ("cts", "expected CTS"),
            ("CD", "expected CTS"),
            ("", "no line named"),
            (" + ", "no line named"),
            ("NULL+CTS", "NULL/none must stand alone"),
            ("CTS+-CTS", "both high and low"),
        ] {
            let e = parse_input_signal("LB", value).unwrap_err();
            assert!(e.to_string().contains(reason), "{value:?}: {e}");
            assert!(e.to_string().contains("option LB"), "{e}");
        }
    }

    #[test]
    fn output_overrides() {
        let p = |v| parse_output_signal("SD", v);
        assert_eq!(p("DTR+RTS").unwrap(), OutputSignal::DTR_RTS);
        assert_eq!(p("RTS+DTR").unwrap(), OutputSignal::DTR_RTS);
        assert_eq!(p("-RTS").unwrap(), OutputSignal::NONE);
        assert_eq!(p("DTR+-RTS").unwrap(), OutputSignal::DTR);
        assert_eq!(p("ST").unwrap(), OutputSignal::BREAK);
        assert_eq!(p("none").unwrap(), OutputSignal::NONE);
        let dtr_st = p("DTR+ST").unwrap();
        assert!(dtr_st.dtr && dtr_st.st && !dtr_st.is_break());
        for (value, reason) in [
            ("CTS", "can't override output with CTS (not an output)"),
            ("-DCD", "can't override output with DCD (not an output)"),
            ("RNG", "can't override output with RNG (not an output)"),
            ("DSR", "can't override output with DSR (not an output)"),
            ("-ST", "cannot be negated"),
            ("DTR+-DTR", "both raised and dropped"),
            ("dtr", "expected DTR"),
        ] {
            let e = p(value).unwrap_err();
            assert!(e.to_string().contains(reason), "{value:?}: {e}");
        }
    }

    #[test]
    fn signal_length_limit() {
        let at_limit = format!("CTS{}", "+CTS".repeat((MAX_SIGNAL_LEN - 3) / 4));
        let at_limit = format!("{at_limit}{}", " ".repeat(MAX_SIGNAL_LEN - at_limit.len()));
        assert_eq!(at_limit.len(), MAX_SIGNAL_LEN);
        assert!(parse_input_signal("OL", &at_limit).is_ok());
        let over = format!("{at_limit} ");
        let e = parse_input_signal("OL", &over).unwrap_err();
        assert!(e.to_string().contains("longer than 64 bytes"), "{e}");
        assert!(parse_output_signal("CP", &over).is_err());
    }

    #[test]
    fn upstype_is_required_and_checked() {
        let e = GenericConfig::from_options([("mfr", "x")]).unwrap_err();
        assert!(e.to_string().contains("no upstype set"), "{e}");
        for bad in ["24", "-1", "x", "1x", ""] {
            let e = GenericConfig::from_options([("upstype", bad)]).unwrap_err();
            assert!(
                e.to_string().contains("unknown UPS type number"),
                "{bad}: {e}"
            );
        }
        let c = GenericConfig::from_options([("UPSTYPE", " 23 ")]).unwrap();
        assert_eq!(c.upstype.number, 23);
        assert!(GenericConfig::new(24).is_err());
        assert_eq!(GenericConfig::new(0).unwrap().upstype.number, 0);
    }

    #[test]
    fn later_values_win_and_names_ignore_case() {
        let c = GenericConfig::from_options([
            ("upstype", "1"),
            ("ol", "CTS"),
            ("Ol", "-DSR"),
            ("upstype", "2"),
            ("Mfr", "Acme"),
        ])
        .unwrap();
        assert_eq!(c.upstype.number, 2);
        assert_eq!(c.lines.online, InputSignal::low(Dsr));
        assert_eq!(c.mfr, "Acme");
        assert_eq!(c.model, "Back-UPS");
    }

    #[test]
    fn identical_override_leaves_a_notice() {
        let c =
            GenericConfig::from_options([("upstype", "1"), ("LB", "DCD"), ("SD", "RTS")]).unwrap();
        assert_eq!(c.notices.len(), 2, "{:?}", c.notices);
        assert!(c.notices[0].contains("LB override"), "{:?}", c.notices);
        let c = GenericConfig::from_options([("upstype", "8"), ("SD", "RTS")]).unwrap();
        assert!(c.notices.is_empty());
        assert_eq!(c.lines.shutdown, Some(OutputSignal::RTS));
    }

    #[test]
    fn sdtime_values() {
        let mut c = GenericConfig::new(1).unwrap();
        assert_eq!(c.sdtime_hold(), Duration::ZERO);
        c.set_option("sdtime", "5").unwrap();
        assert_eq!(c.sdtime_hold(), Duration::from_secs(5));
        c.set_option("sdtime", "-2").unwrap();
        assert_eq!((c.sdtime, c.sdtime_hold()), (Some(-2), Duration::ZERO));
        c.set_option("sdtime", &MAX_SDTIME_SECS.to_string())
            .unwrap();
        assert_eq!(c.sdtime_hold(), Duration::from_secs(MAX_SDTIME_SECS));
        c.set_option("sdtime", &(MAX_SDTIME_SECS + 1).to_string())
            .unwrap();
        assert_eq!(c.sdtime_hold(), Duration::from_secs(MAX_SDTIME_SECS));
        assert!(c.set_option("sdtime", "abc").is_err());
        assert!(c.set_option("frobnicate", "1").is_err());
        assert!(c.set_option("upstype", "2").is_err());
    }
}
