//! apcsmart options (ups.conf / `-x`, nut-spec §12) with NUT's checks and
//! defaults, the engine's timing, and the cable types with their
//! modem-control lines behind [`LineControl`].

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::Error;

/// The dual-mode cable that needs power from DTR (`cable=940-0095B`).
pub const CABLE_940_0095B: &str = "940-0095B";

/// The serial cable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cable {
    /// 940-0024C or a clone: nothing to do.
    #[default]
    Standard,
    /// 940-0095B: DTR raised and RTS dropped to power the cable.
    Dual0095B,
}

/// The modem-control lines of a serial port (a real port implements it
/// with ioctls; pseudo-terminals have none).
pub trait LineControl {
    /// Raises (`true`) or drops DTR.
    fn set_dtr(&mut self, on: bool) -> Result<(), Error>;
    /// Raises (`true`) or drops RTS.
    fn set_rts(&mut self, on: bool) -> Result<(), Error>;
}

impl Cable {
    /// Sets up the lines the cable needs (before the first byte is sent).
    pub fn prepare(self, line: &mut dyn LineControl) -> Result<(), Error> {
        match self {
            Self::Standard => Ok(()),
            Self::Dual0095B => {
                line.set_dtr(true)?;
                line.set_rts(false)
            }
        }
    }
}

#[cfg(feature = "pty")]
impl LineControl for serialport::TTYPort {
    fn set_dtr(&mut self, on: bool) -> Result<(), Error> {
        use serialport::SerialPort;
        self.write_data_terminal_ready(on)
            .map_err(|e| Error::Transport(format!("setting DTR: {e}")))
    }

    fn set_rts(&mut self, on: bool) -> Result<(), Error> {
        use serialport::SerialPort;
        self.write_request_to_send(on)
            .map_err(|e| Error::Transport(format!("setting RTS: {e}")))
    }
}

/// The tty discipline (`ttymode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TtyMode {
    /// Canonical mode (NUT's default).
    #[default]
    Canonical,
    /// `ttymode=raw`: non-canonical.
    Raw,
}

/// A shutdown method (the digits of `advorder`, nut-spec §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShutdownMethod {
    /// 0: soft hibernate `S` (works only on battery).
    Soft,
    /// 1: hard hibernate `@nnn` (with `awd`).
    Hard,
    /// 2: delayed power-off `K` (sent twice).
    Delayed,
    /// 3: instant power-off `Z` (sent twice).
    Instant,
    /// 4: the CS hack: `U` (simulated power failure) when on line, wait
    /// `cshdelay`, then `S`.
    Cs,
}

impl ShutdownMethod {
    /// The method of an `advorder` digit.
    pub fn from_digit(d: u8) -> Option<Self> {
        Some(match d {
            b'0' => Self::Soft,
            b'1' => Self::Hard,
            b'2' => Self::Delayed,
            b'3' => Self::Instant,
            b'4' => Self::Cs,
            _ => return None,
        })
    }
}

/// Everything the engine takes from ups.conf, with NUT's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ApcConfig {
    /// `cable`.
    pub cable: Cable,
    /// `ttymode`.
    pub tty_mode: TtyMode,
    /// `sdtype` (0–5).
    pub sdtype: u8,
    /// `advorder` (overrides `sdtype`; `no` = `None`).
    pub advorder: Option<Vec<ShutdownMethod>>,
    /// `awd`: the wake-up delay digits of `@` (default `000`).
    pub awd: Option<String>,
    /// `cshdelay` (default 3.5 s).
    pub cshdelay: Duration,
    /// `ignorelb` (driver core flag).
    pub ignorelb: bool,
    /// `pollinterval` (default 2 s).
    pub pollinterval: Duration,
    /// Period of the full update of every variable (NUT: hourly).
    pub full_update: Duration,
    /// Normal reply timeout (NUT: 3 s).
    pub reply_timeout: Duration,
    /// Short reply timeout: `Y`, shutdown replies (NUT: 1.5 s).
    pub short_timeout: Duration,
    /// Reply timeout of `a` and `^Z` (NUT: 6 s).
    pub long_timeout: Duration,
    /// How long to watch for an unexpected answer between a command and
    /// its argument (NUT: 200 ms).
    pub peek: Duration,
    /// Gap between the two sends of a repeated command (NUT: 1.3 s after
    /// the 200 ms peek).
    pub repeat_gap: Duration,
    /// Gap between the characters of an argument (NUT: 50 ms).
    pub pace: Duration,
    /// How many times `Y` is tried at start-up (NUT: 5).
    pub smart_mode_tries: u32,
    /// While stale, poll slots skipped before `Y` is tried again (NUT: 10).
    pub nudge_after: u32,
    /// The confirmation window of dangerous commands (NUT: 3–15 s).
    pub confirm_window: (Duration, Duration),
    /// `default.<var>` values.
    pub defaults: BTreeMap<String, String>,
    /// `override.<var>` values.
    pub overrides: BTreeMap<String, String>,
}

impl Default for ApcConfig {
    fn default() -> Self {
        Self {
            cable: Cable::Standard,
            tty_mode: TtyMode::Canonical,
            sdtype: 0,
            advorder: None,
            awd: None,
            cshdelay: Duration::from_millis(3500),
            ignorelb: false,
            pollinterval: Duration::from_secs(2),
            full_update: Duration::from_secs(3600),
            reply_timeout: Duration::from_secs(3),
            short_timeout: Duration::from_millis(1500),
            long_timeout: Duration::from_secs(6),
            peek: Duration::from_millis(200),
            repeat_gap: Duration::from_millis(1300),
            pace: Duration::from_millis(50),
            smart_mode_tries: 5,
            nudge_after: 10,
            confirm_window: (Duration::from_secs(3), Duration::from_secs(15)),
            defaults: BTreeMap::new(),
            overrides: BTreeMap::new(),
        }
    }
}

fn invalid(name: &str, value: &str, reason: &'static str) -> Error {
    Error::InvalidOption {
        name: name.into(),
        value: value.into(),
        reason,
    }
}

/// `cshdelay` as NUT accepts it: `^([0-9]\.?|[0-9]?\.[0-9])$`.
fn parse_cshdelay(value: &str) -> Option<Duration> {
    let b = value.as_bytes();
    let ok = match b {
        [d] | [d, b'.'] => d.is_ascii_digit(),
        [b'.', f] => f.is_ascii_digit(),
        [d, b'.', f] => d.is_ascii_digit() && f.is_ascii_digit(),
        _ => false,
    };
    if !ok {
        return None;
    }
    let tenths: u64 = b
        .iter()
        .filter(|c| c.is_ascii_digit())
        .fold(0, |acc, c| acc * 10 + u64::from(c - b'0'));
    // one digit before the point only: "3" = 30 tenths, "3.5" = 35, ".5" = 5
    let tenths = match b {
        [_] | [_, b'.'] => tenths * 10,
        _ => tenths,
    };
    Some(Duration::from_millis(tenths * 100))
}

impl ApcConfig {
    /// Applies one ups.conf option (`value` is ignored for flags). Values
    /// are checked as NUT checks them; unknown names are refused.
    pub fn set_option(&mut self, name: &str, value: &str) -> Result<(), Error> {
        match name {
            "cable" => {
                self.cable = if value.eq_ignore_ascii_case(CABLE_940_0095B) {
                    Cable::Dual0095B
                } else {
                    Cable::Standard
                };
            }
            "ttymode" => {
                self.tty_mode = if value == "raw" {
                    TtyMode::Raw
                } else {
                    TtyMode::Canonical
                };
            }
            "awd" => {
                if !(1..=3).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(name, value, "must be 1 to 3 digits"));
                }
                self.awd = Some(value.to_owned());
            }
            "sdtype" => match value.as_bytes() {
                [d @ b'0'..=b'5'] => self.sdtype = d - b'0',
                _ => return Err(invalid(name, value, "must be one digit 0 to 5")),
            },
            "advorder" => {
                if value.eq_ignore_ascii_case("no") {
                    self.advorder = None;
                } else {
                    let methods: Option<Vec<ShutdownMethod>> =
                        value.bytes().map(ShutdownMethod::from_digit).collect();
                    match methods {
                        Some(m) if (1..=5).contains(&m.len()) => self.advorder = Some(m),
                        _ => {
                            return Err(invalid(
                                name,
                                value,
                                "must be 1 to 5 digits 0 to 4, or no",
                            ));
                        }
                    }
                }
            }
            "cshdelay" => {
                self.cshdelay = parse_cshdelay(value)
                    .ok_or_else(|| invalid(name, value, "must be 0 to 9.9 seconds, one decimal"))?;
            }
            "ignorelb" => self.ignorelb = true,
            "pollinterval" => {
                let secs: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid(name, value, "not a whole number of seconds"))?;
                self.pollinterval = Duration::from_secs(secs.max(1));
            }
            _ => {
                if let Some(var) = name.strip_prefix("default.") {
                    self.defaults.insert(var.to_owned(), value.to_owned());
                } else if let Some(var) = name.strip_prefix("override.") {
                    self.overrides.insert(var.to_owned(), value.to_owned());
                } else {
                    return Err(invalid(name, value, "unknown option"));
                }
            }
        }
        Ok(())
    }

    /// The `awd` digits sent after `@`, padded like NUT: two digits stay two
    /// (the 2-digit variant), anything else is padded to three.
    pub fn awd_digits(awd: Option<&str>) -> String {
        let awd = awd.unwrap_or("000");
        if awd.len() == 2 {
            awd.to_owned()
        } else {
            format!("{awd:0>3}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Lines {
        log: Vec<(&'static str, bool)>,
    }

    impl LineControl for Lines {
        fn set_dtr(&mut self, on: bool) -> Result<(), Error> {
            self.log.push(("DTR", on));
            Ok(())
        }
        fn set_rts(&mut self, on: bool) -> Result<(), Error> {
            self.log.push(("RTS", on));
            Ok(())
        }
    }

    #[test]
    fn cables_drive_their_lines() {
        let mut c = ApcConfig::default();
        let mut lines = Lines::default();
        c.cable.prepare(&mut lines).unwrap();
        assert!(lines.log.is_empty());
        c.set_option("cable", "940-0095B").unwrap();
        assert_eq!(c.cable, Cable::Dual0095B);
        c.cable.prepare(&mut lines).unwrap();
        assert_eq!(lines.log, vec![("DTR", true), ("RTS", false)]);
        c.set_option("cable", "940-0024C").unwrap();
        assert_eq!(c.cable, Cable::Standard);
    }

    #[test]
    fn options_are_checked_like_nut() {
        let mut c = ApcConfig::default();
        for (name, good, bad) in [
            ("awd", "123", "1234"),
            ("awd", "1", ""),
            ("sdtype", "5", "6"),
            ("advorder", "01234", "012340"),
            ("advorder", "No", "5"),
            ("cshdelay", "9.9", "10"),
            ("cshdelay", ".5", "1.25"),
        ] {
            assert!(c.set_option(name, good).is_ok(), "{name}={good}");
            assert!(c.set_option(name, bad).is_err(), "{name}={bad}");
        }
        assert!(c.set_option("frobnicate", "1").is_err());
        c.set_option("advorder", "40").unwrap();
        assert_eq!(
            c.advorder,
            Some(vec![ShutdownMethod::Cs, ShutdownMethod::Soft])
        );
        c.set_option("advorder", "no").unwrap();
        assert_eq!(c.advorder, None);
    }

    #[test]
    fn cshdelay_and_awd_values() {
        assert_eq!(parse_cshdelay("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_cshdelay("3."), Some(Duration::from_secs(3)));
        assert_eq!(parse_cshdelay("3.5"), Some(Duration::from_millis(3500)));
        assert_eq!(parse_cshdelay(".5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_cshdelay("."), None);
        assert_eq!(ApcConfig::awd_digits(None), "000");
        assert_eq!(ApcConfig::awd_digits(Some("5")), "005");
        assert_eq!(ApcConfig::awd_digits(Some("12")), "12");
        assert_eq!(ApcConfig::awd_digits(Some("123")), "123");
    }
}
