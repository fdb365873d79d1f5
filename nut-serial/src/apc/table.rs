//! The APC Smart letter tables (nut-spec §12): variables with their
//! formats, instant commands, and the command sets of old firmware that
//! cannot answer `a`.

/// Length of the two writable strings (`ups.id`, `battery.date`).
pub const STRING_LEN: usize = 8;
/// Most sub-fields read from a packed (comma-separated) variable.
pub const PACK_MAX: usize = 4;
/// Command-set letters NUT does not expose (used internally or unknown).
pub const UNREPORTED: &[u8] = b"\x1a\x7f~')-+8QRYayz";

/// How a raw value becomes a NUT value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// As received.
    Leave,
    /// Percent (as received).
    Percent,
    /// Volts (as received).
    Volt,
    /// Amperes (as received).
    Amp,
    /// Degrees Celsius (as received).
    Celsius,
    /// Hexadecimal (as received).
    Hex,
    /// Decimal (as received).
    Dec,
    /// Seconds (as received).
    Seconds,
    /// Minutes, published as seconds.
    Minutes,
    /// Hours, published as seconds.
    Hours,
    /// A transfer-reason letter, published as text.
    Reason,
}

/// A raw-value check applied before a variable is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pattern {
    /// `alnum+.alnum+.alnum+` (the `b` firmware form).
    Firmware,
    /// `dd.dd` (`T` as ambient temperature).
    AmbientTemperature,
    /// `ddd.d` (`T` as uptime in hours).
    Uptime,
}

/// One variable letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarDef {
    /// NUT variable (`.0.` in packed names is replaced by the sub-field
    /// number).
    pub name: &'static str,
    /// The query letter.
    pub letter: u8,
    /// Read on every poll (others only on the hourly full update).
    pub poll: bool,
    /// A writable 8-character string.
    pub string: bool,
    /// Several letters for one name (or names for one letter); the first
    /// present and valid one wins.
    pub multi: bool,
    /// Comma-separated sub-fields (ambient sensors).
    pub pack: bool,
    /// Conversion.
    pub format: Format,
    /// Raw-value check.
    pub pattern: Option<Pattern>,
}

const POLL: u8 = 1;
const STRING: u8 = 2;
const MULTI: u8 = 4;
const PACK: u8 = 8;

const fn v(name: &'static str, letter: u8, flags: u8, format: Format) -> VarDef {
    VarDef {
        name,
        letter,
        poll: flags & POLL != 0,
        string: flags & STRING != 0,
        multi: flags & MULTI != 0,
        pack: flags & PACK != 0,
        format,
        pattern: None,
    }
}

const fn p(def: VarDef, pattern: Pattern) -> VarDef {
    VarDef {
        pattern: Some(pattern),
        ..def
    }
}

use Format as F;

/// The variable letters, in NUT's table order (which is also the poll
/// order, and the preference order among `multi` entries).
pub const VARS: [VarDef; 46] = [
    v("ups.temperature", b'C', POLL, F::Celsius),
    v("ups.load", b'P', POLL, F::Percent),
    v("ups.test.interval", b'E', 0, F::Hours),
    v("ups.test.result", b'X', POLL, F::Leave),
    v("ups.delay.start", b'r', 0, F::Seconds),
    v("ups.delay.shutdown", b'p', 0, F::Seconds),
    v("ups.id", b'c', STRING, F::Leave),
    v("ups.contacts", b'i', POLL, F::Hex),
    v("ups.display.language", 0x0c, 0, F::Leave),
    v("input.voltage", b'L', POLL, F::Volt),
    v("input.frequency", b'F', POLL, F::Dec),
    v("input.sensitivity", b's', 0, F::Leave),
    v("input.quality", b'9', POLL, F::Hex),
    v("input.transfer.low", b'l', 0, F::Volt),
    v("input.transfer.high", b'u', 0, F::Volt),
    v("input.transfer.reason", b'G', POLL, F::Reason),
    v("input.voltage.maximum", b'M', POLL, F::Volt),
    v("input.voltage.minimum", b'N', POLL, F::Volt),
    v("output.current", b'/', POLL, F::Amp),
    v("output.voltage", b'O', POLL, F::Volt),
    v("output.voltage.nominal", b'o', 0, F::Volt),
    v("ambient.humidity", b'h', POLL, F::Percent),
    v("ambient.0.humidity", b'H', POLL | PACK, F::Percent),
    v("ambient.0.humidity.high", b'{', POLL | PACK, F::Percent),
    v("ambient.0.humidity.low", b'}', POLL | PACK, F::Percent),
    v("ambient.temperature", b't', POLL, F::Celsius),
    p(
        v(
            "ambient.0.temperature",
            b'T',
            MULTI | POLL | PACK,
            F::Celsius,
        ),
        Pattern::AmbientTemperature,
    ),
    v("ambient.0.temperature.high", b'[', POLL | PACK, F::Celsius),
    v("ambient.0.temperature.low", b']', POLL | PACK, F::Celsius),
    v("battery.date", b'x', STRING, F::Leave),
    v("battery.charge", b'f', POLL, F::Percent),
    v("battery.charge.restart", b'e', 0, F::Percent),
    v("battery.voltage", b'B', POLL, F::Volt),
    v("battery.voltage.nominal", b'g', 0, F::Leave),
    v("battery.runtime", b'j', POLL, F::Minutes),
    v("battery.runtime.low", b'q', 0, F::Minutes),
    v("battery.packs", b'>', 0, F::Dec),
    v("battery.packs.bad", b'<', 0, F::Dec),
    v("battery.alarm.threshold", b'k', 0, F::Leave),
    p(
        v("device.uptime", b'T', MULTI | POLL, F::Hours),
        Pattern::Uptime,
    ),
    v("ups.serial", b'n', 0, F::Leave),
    v("ups.mfr.date", b'm', 0, F::Leave),
    v("ups.model", 0x01, 0, F::Leave),
    v("ups.firmware.aux", b'v', 0, F::Leave),
    p(v("ups.firmware", b'b', MULTI, F::Leave), Pattern::Firmware),
    v("ups.firmware", b'V', MULTI, F::Leave),
];

/// Which extra argument an instant command row takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Extra {
    /// None.
    None,
    /// `at:<1-3 digits>` (hard hibernate with that wake-up delay).
    AtDelay,
    /// Nothing, or `cs` (the CS soft-hibernate variant).
    SoftOrCs,
}

impl Extra {
    /// Whether `param` fits this row.
    pub fn accepts(self, param: Option<&str>) -> bool {
        match (self, param) {
            (Self::None, None) => true,
            (Self::None, Some(_)) | (Self::AtDelay, None) => false,
            (Self::AtDelay, Some(p)) => {
                let digits = p
                    .get(..3)
                    .filter(|prefix| prefix.eq_ignore_ascii_case("at:"))
                    .and_then(|_| p.get(3..));
                digits.is_some_and(|d| {
                    (1..=3).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())
                })
            }
            (Self::SoftOrCs, None) => true,
            (Self::SoftOrCs, Some(p)) => p.is_empty() || p.eq_ignore_ascii_case("cs"),
        }
    }
}

/// One instant command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmdDef {
    /// NUT command name.
    pub name: &'static str,
    /// The letter whose presence in the command set enables the row.
    pub letter: u8,
    /// The extra argument the row takes.
    pub extra: Extra,
    /// Must be asked for twice, 3–15 s apart, before it runs.
    pub nasty: bool,
    /// The letter is sent twice on the wire (1.5 s apart).
    pub repeat: bool,
}

const fn c(name: &'static str, letter: u8, extra: Extra, nasty: bool, repeat: bool) -> CmdDef {
    CmdDef {
        name,
        letter,
        extra,
        nasty,
        repeat,
    }
}

/// The instant commands, in NUT's table order.
pub const COMMANDS: [CmdDef; 13] = [
    c("shutdown.return", b'@', Extra::AtDelay, true, false),
    c("shutdown.return", b'S', Extra::SoftOrCs, true, false),
    c("shutdown.stayoff", b'K', Extra::None, true, true),
    c("load.off", b'Z', Extra::None, true, true),
    c("load.on", 0x0e, Extra::None, false, true),
    c("calibrate.start", b'D', Extra::None, false, false),
    c("calibrate.stop", b'D', Extra::None, false, false),
    c("test.panel.start", b'A', Extra::None, false, false),
    c("test.failure.start", b'U', Extra::None, false, false),
    c("test.battery.start", b'W', Extra::None, false, false),
    c("test.battery.stop", b'W', Extra::None, false, false),
    c("bypass.start", b'^', Extra::None, false, false),
    c("bypass.stop", b'^', Extra::None, false, false),
];

/// Old firmware (`V` reply) whose command set is known because it cannot
/// answer `a`. `set\x01` stands for the models whose `V` reply is two hex
/// digits.
pub const COMPAT: [(&str, &[u8]); 25] = [
    (
        "0XI",
        b"@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16",
    ),
    (
        "0XM",
        b"@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16",
    ),
    ("0ZI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>"),
    ("5UI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>"),
    ("5ZM", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>"),
    ("6QD", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("6QI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("6TD", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("6TI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("7QD", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("7QI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("7TD", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("7TI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("6JI", b"@789ABCFGKLMNOPQSTUVWXYZfg"),
    ("7II", b"@79ABCEFGKLMNOPQRSUVWXYZcfg"),
    ("9II", b"@79ABCEFGKLMNOPQRSUVWXYZcfg"),
    ("9GI", b"@79ABCEFGKLMNOPQRSUVWXYZcfg"),
    ("8II", b"@79ABCEFGKLMNOPQRSUVWXYZcfg"),
    ("8GI", b"@79ABCEFGKLMNOPQRSUVWXYZfg"),
    ("8QD", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("8QI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("8TD", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("8TI", b"@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"),
    ("5.4.D", b"@\x01ABPQRSUYbdfgjmnx9"),
    ("set\x01", b"@789ABCFGKLMNOPQRSUVWXYZ"),
];

/// The command set of old firmware `fw`, if known.
pub fn compat_commands(fw: &str) -> Option<&'static [u8]> {
    COMPAT.iter().find(|(f, _)| *f == fw).map(|(_, cmds)| *cmds)
}

/// Table indexes of the variables read by `letter`.
pub fn vars_for_letter(letter: u8) -> impl Iterator<Item = usize> {
    VARS.iter()
        .enumerate()
        .filter(move |(_, d)| d.letter == letter)
        .map(|(i, _)| i)
}

/// The NUT name of sub-field `index` (0-based) of a packed variable:
/// `ambient.0.humidity` → `ambient.1.humidity` for index 0.
pub fn packed_name(name: &str, index: usize) -> String {
    match name.split_once(".0.") {
        Some((head, tail)) => format!("{head}.{}.{tail}", index + 1),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_map_to_names_like_the_reference() {
        let name = |l: u8| VARS.iter().find(|d| d.letter == l).map(|d| d.name);
        assert_eq!(name(b'C'), Some("ups.temperature"));
        assert_eq!(name(b'j'), Some("battery.runtime"));
        assert_eq!(name(0x01), Some("ups.model"));
        assert_eq!(name(0x0c), Some("ups.display.language"));
        assert_eq!(vars_for_letter(b'T').count(), 2);
        assert_eq!(VARS.iter().filter(|d| d.name == "ups.firmware").count(), 2);
        assert!(VARS.iter().filter(|d| d.string).all(|d| !d.pack));
        for d in VARS.iter().filter(|d| d.multi) {
            assert!(d.pattern.is_some() || d.letter == b'V', "{}", d.name);
        }
    }

    #[test]
    fn command_extras() {
        assert!(Extra::AtDelay.accepts(Some("at:5")));
        assert!(Extra::AtDelay.accepts(Some("AT:123")));
        assert!(!Extra::AtDelay.accepts(Some("at:1234")));
        assert!(!Extra::AtDelay.accepts(Some("at:")));
        assert!(!Extra::AtDelay.accepts(None));
        assert!(Extra::SoftOrCs.accepts(None));
        assert!(Extra::SoftOrCs.accepts(Some("CS")));
        assert!(!Extra::SoftOrCs.accepts(Some("cs1")));
        assert!(!Extra::None.accepts(Some("x")));
    }

    #[test]
    fn compat_and_packed_names() {
        assert!(compat_commands("6QD").is_some_and(|c| c.contains(&b'@')));
        assert!(compat_commands("50.14.I").is_none());
        assert_eq!(
            packed_name("ambient.0.humidity.high", 1),
            "ambient.2.humidity.high"
        );
        assert_eq!(packed_name("ups.load", 3), "ups.load");
    }
}
