//! Instant commands and settings: delay and duration encodings
//! (qx-protocols §1.11), reply judgement (§1.9) and delay normalisation
//! (§1.10).

use std::collections::BTreeMap;

use super::decode::parse_number;
use super::protocol::Protocol;
use super::tables::{Check, CmdKind, CmdRow, Style};
use crate::error::{Error, Received};

/// The two server-side delay variables.
pub const DELAY_VARS: [&str; 2] = ["ups.delay.start", "ups.delay.shutdown"];

fn invalid(name: &str, value: &str, reason: &'static str) -> Error {
    Error::InvalidValue {
        name: name.into(),
        value: value.into(),
        reason,
    }
}

/// The `S…` delay part: `.<off/6>` below 60 s, else two-digit minutes.
fn off_part(off: i64) -> String {
    if off < 60 {
        format!(".{}", off / 6)
    } else {
        format!("{:02}", off / 60)
    }
}

/// Builds the bytes of `cmd` (the `,XX` address tail is substituted later).
///
/// `start`/`shutdown` are the current `ups.delay.start`/`ups.delay.shutdown`.
pub fn build(
    cmd: &CmdRow,
    param: Option<&str>,
    start: i64,
    shutdown: i64,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<u8>, Error> {
    let name = cmd.name;
    let text = match cmd.kind {
        CmdKind::Fixed(bytes) => return Ok(bytes.to_vec()),
        CmdKind::ShutdownReturn(style) | CmdKind::ShutdownStayoff(style) => {
            let stayoff = matches!(cmd.kind, CmdKind::ShutdownStayoff(_));
            if shutdown < 0 && style != Style::Voltronic {
                return Err(invalid(
                    name,
                    &shutdown.to_string(),
                    "negative shutdown delay",
                ));
            }
            let off = off_part(shutdown);
            let on_minutes = start / 60;
            match (style, stayoff) {
                (Style::Bestups | Style::Masterguard, true) => format!("S{off}\r"),
                (Style::Masterguard, false) => format!("S{off}R{start:04}\r"),
                (_, true) => format!("S{off}R0000\r"),
                (Style::Voltronic, false) if on_minutes == 0 => format!("S{off}\r"),
                (_, false) if on_minutes <= 0 => format!("S{off}\r"),
                (_, false) => format!("S{off}R{on_minutes:04}\r"),
            }
        }
        CmdKind::OmronShutdown(stayoff) => {
            if shutdown < 0 {
                return Err(invalid(
                    name,
                    &shutdown.to_string(),
                    "negative shutdown delay",
                ));
            }
            let f = if stayoff { "f" } else { "" };
            format!("S{f}{}\r", off_part(shutdown))
        }
        CmdKind::TestBattery(style) => test_battery(name, style, param, vars)?,
        CmdKind::BeeperToggle => match vars.get("ups.beeper.status").map(String::as_str) {
            Some("enabled") => "BZOFF\r".to_owned(),
            Some("disabled" | "muted") => "BZON\r".to_owned(),
            _ => "BZ\r".to_owned(),
        },
    };
    Ok(text.into_bytes())
}

fn test_battery(
    name: &str,
    style: Style,
    param: Option<&str>,
    vars: &BTreeMap<String, String>,
) -> Result<String, Error> {
    let raw = param.unwrap_or("600");
    let seconds = |p: &str| -> Result<i64, Error> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(name, p, "duration must be whole seconds"));
        }
        p.parse::<i64>()
            .map_err(|_| invalid(name, p, "duration out of range"))
    };
    match style {
        Style::Megatec | Style::Bestups => {
            let s = seconds(raw)?;
            if !(60..=5940).contains(&s) {
                return Err(invalid(name, raw, "duration must be 60..5940 s"));
            }
            Ok(format!("T{:02}\r", s / 60))
        }
        Style::Voltronic | Style::Mecer => {
            let s = seconds(raw)?;
            let p98 =
                vars.get("ups.firmware.aux").map(String::as_str) == Some("Voltronic Power P98");
            let min = if style == Style::Voltronic || p98 {
                12
            } else {
                60
            };
            if !(min..=5940).contains(&s) {
                return Err(invalid(name, raw, "duration out of range"));
            }
            Ok(if s < 60 {
                format!("T.{}\r", s / 6)
            } else {
                format!("T{:02}\r", s / 60)
            })
        }
        Style::Masterguard => {
            let p = param.ok_or_else(|| invalid(name, "", "duration required"))?;
            let s = seconds(p)?;
            if s == 10 {
                Ok("T\r".to_owned())
            } else if (60..=5940).contains(&s) {
                Ok(format!("T{:02}\r", s / 60))
            } else {
                Err(invalid(name, p, "duration must be 10 or 60..5940 s"))
            }
        }
    }
}

/// The command that must be accepted before `cmd`, and the
/// `ups.start.auto` value its success publishes: OMRON switches
/// auto-restart on (`An`) before `shutdown.return` and off (`Af`) before
/// `shutdown.stayoff` (qx-protocols §2.1).
pub fn prelude(cmd: &CmdRow) -> Option<(&'static [u8], &'static str)> {
    match cmd.kind {
        CmdKind::OmronShutdown(false) => Some((b"An\r", "yes")),
        CmdKind::OmronShutdown(true) => Some((b"Af\r", "no")),
        _ => None,
    }
}

/// Replaces a `,XX\r` tail with the two-digit masterguard slave address.
pub fn substitute_address(bytes: &[u8], slave: u8) -> Vec<u8> {
    match bytes.strip_suffix(b",XX\r") {
        Some(head) => {
            let mut out = head.to_vec();
            out.extend(format!(",{slave:02}\r").bytes());
            out
        }
        None => bytes.to_vec(),
    }
}

/// Judges a command's reply (§1.9 steps 4–5): silence is success unless a
/// minimum length is required; a non-empty reply must equal the protocol's
/// "accepted" text.
pub fn judge(protocol: Protocol, check: &Check, sent: &[u8], reply: &[u8]) -> Result<(), Error> {
    let refused = || Error::CommandRefused {
        command: Received::new(sent),
        received: Received::new(reply),
    };
    if protocol
        .rejected()
        .is_some_and(|r| reply.eq_ignore_ascii_case(r))
    {
        return Err(refused());
    }
    if protocol == Protocol::Omron {
        // Every OMRON command reply must start with `OK` (§2.1).
        return match reply.get(..2) {
            _ if reply.is_empty() => Err(Error::NoReply {
                query: Received::new(sent),
            }),
            Some(ok) if ok.eq_ignore_ascii_case(b"OK") => Ok(()),
            _ => Err(refused()),
        };
    }
    if check.min_len > 0 && reply.len() < check.min_len {
        if reply.is_empty() {
            return Err(Error::NoReply {
                query: Received::new(sent),
            });
        }
        return Err(refused());
    }
    if let Some(lead) = check.lead
        && reply.first() != Some(&lead)
    {
        return Err(refused());
    }
    if reply.is_empty() {
        return Ok(());
    }
    let Some(accepted) = protocol.accepted() else {
        return Err(refused());
    };
    let text_end = reply
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(reply.len());
    let end = check.to.map_or(text_end, |to| (to + 1).min(text_end));
    let value = reply.get(check.from..end).unwrap_or_default();
    if value.is_empty() || value.eq_ignore_ascii_case(accepted.as_bytes()) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// Validates and normalises a value for `ups.delay.start` or
/// `ups.delay.shutdown` (§1.10): numeric, integer part within the
/// protocol's range, truncated to the Megatec steps.
pub fn normalise_delay(protocol: Protocol, var: &str, value: &str) -> Result<i64, Error> {
    let range = match var {
        "ups.delay.start" => protocol.ondelay(),
        "ups.delay.shutdown" => protocol.offdelay(),
        _ => return Err(Error::UnknownVariable(var.into())),
    };
    if value.trim().is_empty() {
        return Err(invalid(var, value, "empty value"));
    }
    let v = parse_number(value.as_bytes()).ok_or_else(|| invalid(var, value, "not a number"))?;
    let v = v.trunc() as i64;
    if v < range.min || v > range.max {
        return Err(invalid(var, value, "out of range"));
    }
    if !protocol.truncates_delays() {
        return Ok(v);
    }
    Ok(match var {
        "ups.delay.start" => v / 60 * 60,
        _ if v < 60 => v / 6 * 6,
        _ => v / 60 * 60,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qx::tables::table;

    fn cmd(p: Protocol, name: &str) -> CmdRow {
        *table(p)
            .unwrap()
            .commands
            .iter()
            .find(|c| c.name == name)
            .unwrap()
    }

    fn built(p: Protocol, name: &str, param: Option<&str>, start: i64, off: i64) -> String {
        let vars = BTreeMap::new();
        String::from_utf8(build(&cmd(p, name), param, start, off, &vars).unwrap()).unwrap()
    }

    #[test]
    fn megatec_shutdown_encodings() {
        let m = Protocol::Megatec;
        assert_eq!(built(m, "shutdown.return", None, 180, 30), "S.5R0003\r");
        assert_eq!(built(m, "shutdown.stayoff", None, 180, 30), "S.5R0000\r");
        assert_eq!(built(m, "shutdown.return", None, 0, 120), "S02\r");
        assert_eq!(built(m, "shutdown.return", None, 300, 120), "S02R0005\r");
        assert_eq!(built(m, "shutdown.return", None, 59, 30), "S.5\r");
        assert_eq!(built(m, "load.off", None, 0, 0), "S00R0000\r");
        assert_eq!(
            built(Protocol::Bestups, "shutdown.stayoff", None, 180, 30),
            "S.5\r"
        );
        assert_eq!(
            built(Protocol::Masterguard, "shutdown.return", None, 180, 30),
            "S.5R0180\r"
        );
        assert_eq!(
            built(Protocol::Voltronic, "shutdown.return", None, 0, 30),
            "S.5\r"
        );
        assert_eq!(
            built(Protocol::Voltronic, "shutdown.return", None, 1440, 120),
            "S02R0024\r"
        );
        assert_eq!(
            built(Protocol::Voltronic, "shutdown.stop", None, 0, 0),
            "CS\r"
        );
    }

    #[test]
    fn test_durations() {
        let m = Protocol::Megatec;
        assert_eq!(built(m, "test.battery.start", None, 0, 0), "T10\r");
        assert_eq!(built(m, "test.battery.start", Some("240"), 0, 0), "T04\r");
        assert_eq!(built(m, "test.battery.start", Some("60"), 0, 0), "T01\r");
        assert_eq!(built(m, "test.battery.start", Some("5940"), 0, 0), "T99\r");
        let vars = BTreeMap::new();
        for bad in ["59", "5941", "abc", "-60"] {
            assert!(
                build(&cmd(m, "test.battery.start"), Some(bad), 0, 0, &vars).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            built(Protocol::Voltronic, "test.battery.start", Some("18"), 0, 0),
            "T.3\r"
        );
        assert_eq!(
            built(Protocol::Voltronic, "test.battery.start", Some("120"), 0, 0),
            "T02\r"
        );
        assert!(
            build(
                &cmd(Protocol::Mecer, "test.battery.start"),
                Some("18"),
                0,
                0,
                &vars
            )
            .is_err()
        );
        let mut p98 = BTreeMap::new();
        p98.insert(
            "ups.firmware.aux".to_owned(),
            "Voltronic Power P98".to_owned(),
        );
        assert_eq!(
            build(
                &cmd(Protocol::Mecer, "test.battery.start"),
                Some("18"),
                0,
                0,
                &p98
            )
            .unwrap(),
            b"T.3\r"
        );
        assert_eq!(
            built(
                Protocol::Masterguard,
                "test.battery.start",
                Some("10"),
                0,
                0
            ),
            "T\r"
        );
    }

    #[test]
    fn voltronic_beeper_toggle_follows_status() {
        let c = cmd(Protocol::Voltronic, "beeper.toggle");
        let mut vars = BTreeMap::new();
        assert_eq!(build(&c, None, 0, 0, &vars).unwrap(), b"BZ\r");
        vars.insert("ups.beeper.status".to_owned(), "enabled".to_owned());
        assert_eq!(build(&c, None, 0, 0, &vars).unwrap(), b"BZOFF\r");
        vars.insert("ups.beeper.status".to_owned(), "disabled".to_owned());
        assert_eq!(build(&c, None, 0, 0, &vars).unwrap(), b"BZON\r");
    }

    #[test]
    fn judging_replies() {
        let m = Protocol::Megatec;
        let c = cmd(m, "beeper.toggle").check;
        assert!(judge(m, &c, b"Q\r", b"").is_ok());
        assert!(judge(m, &c, b"Q\r", b"ACK\r").is_ok());
        assert!(matches!(
            judge(m, &c, b"Q\r", b"Q\r"),
            Err(Error::CommandRefused { .. })
        ));
        let v = Protocol::Voltronic;
        let vc = cmd(v, "load.on").check;
        assert!(judge(v, &vc, b"SON\r", b"(ACK\r").is_ok());
        assert!(judge(v, &vc, b"SON\r", b"(NAK\r").is_err());
        assert!(matches!(
            judge(v, &vc, b"SON\r", b""),
            Err(Error::NoReply { .. })
        ));
        let q = Protocol::VoltronicQs;
        let qc = cmd(q, "load.on").check;
        assert!(judge(q, &qc, b"C\r", b"").is_ok());
        assert!(judge(q, &qc, b"C\r", b"(ACK\r").is_err());
        let h = Protocol::VoltronicQsHex;
        assert!(judge(h, &cmd(h, "load.on").check, b"C\r", b"N\r").is_err());
    }

    #[test]
    fn delay_normalisation_and_ranges() {
        let m = Protocol::Megatec;
        assert_eq!(normalise_delay(m, "ups.delay.start", "200").unwrap(), 180);
        assert_eq!(normalise_delay(m, "ups.delay.shutdown", "35").unwrap(), 30);
        assert_eq!(
            normalise_delay(m, "ups.delay.shutdown", "125").unwrap(),
            120
        );
        assert_eq!(normalise_delay(m, "ups.delay.shutdown", "12").unwrap(), 12);
        assert!(normalise_delay(m, "ups.delay.shutdown", "11").is_err());
        assert_eq!(
            normalise_delay(m, "ups.delay.shutdown", "600").unwrap(),
            600
        );
        assert!(normalise_delay(m, "ups.delay.shutdown", "601").is_err());
        assert!(normalise_delay(m, "ups.delay.start", "599941").is_err());
        assert!(normalise_delay(m, "ups.delay.start", "-1").is_err());
        assert!(normalise_delay(Protocol::VoltronicQs, "ups.delay.start", "59").is_err());
        assert_eq!(
            normalise_delay(Protocol::Voltronic, "ups.delay.shutdown", "5940").unwrap(),
            5940
        );
        assert_eq!(
            normalise_delay(Protocol::Masterguard, "ups.delay.shutdown", "35").unwrap(),
            35
        );
        assert!(normalise_delay(m, "ups.load", "1").is_err());
    }

    #[test]
    fn address_substitution() {
        assert_eq!(substitute_address(b"GS,XX\r", 7), b"GS,07\r");
        assert_eq!(substitute_address(b"Q3\r", 7), b"Q3\r");
    }
}
