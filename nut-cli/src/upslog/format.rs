//! upslog's log line format: compiled once, rendered every poll.
//!
//! The grammar is NUT's. `%%` is a `%` and (NUT 2.8.3+) `%t` a TAB. Any other
//! `%` starts a command that runs to the next `%`: its first word selects the
//! command by case-insensitive *prefix* (`%host%` and `%HOSTNAME%` are both
//! `HOST`), the rest after the first space is the argument. A `%` with no
//! closing `%` becomes `INVALID` and the text after it is copied literally;
//! so does an unknown command.
//!
//! | command | output |
//! | --- | --- |
//! | `TIME <fmt>` | local time through strftime, with `@` standing for `%` |
//! | `ETIME` | seconds since the epoch |
//! | `HOST` | the local host name |
//! | `UPSHOST` | the monitored system as given (`ups@host:port`) |
//! | `PID` | upslog's process id |
//! | `VAR <name>` | the variable's value; `NA` if it cannot be read, `INVALID` for a name without a dot |
//!
//! `%TIME%` without a format, which crashes NUT 2.8.0, prints nothing.

use chrono::{DateTime, TimeZone};

use super::strftime::strftime;

/// NUT's `LARGEBUF`: a log line holds at most this many bytes minus one.
pub const MAX_LINE: usize = 4096;

/// The default format (NUT's `DEFAULT_LOGFORMAT`).
pub const DEFAULT_FORMAT: &str = "%TIME @Y@m@d @H@M@S% %VAR battery.charge% \
%VAR input.voltage% %VAR ups.load% [%VAR ups.status%] %VAR ups.temperature% \
%VAR input.frequency%";

/// The text `INVALID` that marks a broken escape.
const INVALID: &str = "INVALID";

/// One piece of a compiled format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text copied as is.
    Literal(String),
    /// `%TIME <fmt>%`: the strftime format with `@` already turned into `%`.
    Time(String),
    /// `%ETIME%`.
    EpochTime,
    /// `%HOST%`.
    Host,
    /// `%UPSHOST%`.
    UpsHost,
    /// `%PID%`.
    Pid,
    /// `%VAR <name>%` with its argument (absent or empty: `INVALID`).
    Var(Option<String>),
}

/// Compiles a format string into pieces.
pub fn compile(format: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = format;
    while let Some(pos) = rest.find('%') {
        literal.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            literal.push('%');
            rest = tail;
            continue;
        }
        if let Some(tail) = after.strip_prefix('t') {
            literal.push('\t');
            rest = tail;
            continue;
        }
        let Some(end) = after.find('%') else {
            // No closing %: INVALID, and what follows is read as text.
            literal.push_str(INVALID);
            rest = after;
            continue;
        };
        let command = &after[..end];
        rest = &after[end + 1..];
        let (name, arg) = match command.split_once(' ') {
            Some((name, arg)) => (name, Some(arg)),
            None => (command, None),
        };
        let piece = command_piece(name, arg);
        match piece {
            Some(piece) => {
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(piece);
            }
            None => literal.push_str(INVALID),
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    pieces
}

/// The command whose name starts `name`, case-insensitively.
fn command_piece(name: &str, arg: Option<&str>) -> Option<Piece> {
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("UPSHOST") {
        Some(Piece::UpsHost)
    } else if starts("HOST") {
        Some(Piece::Host)
    } else if starts("PID") {
        Some(Piece::Pid)
    } else if starts("TIME") {
        Some(Piece::Time(arg.unwrap_or("").replace('@', "%")))
    } else if starts("ETIME") {
        Some(Piece::EpochTime)
    } else if starts("VAR") {
        Some(Piece::Var(arg.map(str::to_owned)))
    } else {
        None
    }
}

/// What a rendered line is made of besides the format.
pub trait LineContext {
    /// The current value of `var`, or `None` when it cannot be read.
    fn var(&mut self, var: &str) -> Option<String>;
    /// The local host name.
    fn host_name(&self) -> String;
    /// The monitored system as given on the command line.
    fn ups_host(&self) -> &str;
    /// upslog's process id.
    fn pid(&self) -> u32;
}

/// Renders one log line (without newline) at time `now`.
pub fn render<Tz: TimeZone>(
    pieces: &[Piece],
    now: &DateTime<Tz>,
    context: &mut dyn LineContext,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut line = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => line.push_str(text),
            Piece::Time(format) => line.push_str(&strftime(format, now)),
            Piece::EpochTime => line.push_str(&now.timestamp().to_string()),
            Piece::Host => line.push_str(&context.host_name()),
            Piece::UpsHost => line.push_str(context.ups_host()),
            Piece::Pid => line.push_str(&context.pid().to_string()),
            Piece::Var(None) => line.push_str(INVALID),
            Piece::Var(Some(var)) if var.is_empty() || !var.contains('.') => {
                line.push_str(INVALID);
            }
            Piece::Var(Some(var)) => match context.var(var) {
                Some(value) => line.push_str(&value),
                None => line.push_str("NA"),
            },
        }
        if line.len() >= MAX_LINE {
            break;
        }
    }
    truncate(&mut line, MAX_LINE - 1);
    line
}

/// Cuts `text` to at most `max` bytes on a character boundary.
fn truncate(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::{FixedOffset, TimeZone};

    use super::*;

    struct Fixed(HashMap<&'static str, &'static str>);

    impl LineContext for Fixed {
        fn var(&mut self, var: &str) -> Option<String> {
            self.0.get(var).map(|v| (*v).to_owned())
        }
        fn host_name(&self) -> String {
            "vm".into()
        }
        fn ups_host(&self) -> &str {
            "dummy@127.0.0.1:13640"
        }
        fn pid(&self) -> u32 {
            12698
        }
    }

    fn line(format: &str) -> String {
        let now = FixedOffset::east_opt(0)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 22, 0, 31, 48)
            .unwrap();
        let mut ctx = Fixed(HashMap::from([
            ("ups.status", "OL"),
            ("battery.charge", "100"),
            ("input.voltage", "230.0"),
            ("input.frequency", "50.0"),
        ]));
        render(&compile(format), &now, &mut ctx)
    }

    #[test]
    fn default_format_with_missing_variables() {
        assert_eq!(
            line(DEFAULT_FORMAT),
            "20261122 003148 100 230.0 NA [OL] NA 50.0"
        );
    }

    #[test]
    fn every_escape_as_nut_2_8_0_prints_it() {
        // Observed with Debian's upslog 2.8.0 (same clock, host and pid).
        assert_eq!(
            line(
                "%%|%TIME @Y-@m-@d %|%ETIME%|%HOST%|%UPSHOST%|%PID%|%VAR ups.status%|\
                 %VAR no.var%|%VAR novar%|%FOO%"
            ),
            "%|2026-11-22 |1795307508|vm|dummy@127.0.0.1:13640|12698|OL|NA|INVALID|INVALID"
        );
        assert_eq!(line("%VAR%"), "INVALID");
        assert_eq!(
            line("%host%|%VARx ups.status%|%UPSHOSTX%|%ups%|%ETIME x%|%HOST y%|%PIDS%"),
            "vm|OL|dummy@127.0.0.1:13640|INVALID|1795307508|vm|12698"
        );
        assert_eq!(line("100%"), "100INVALID");
        assert_eq!(line("a%VAR ups"), "aINVALIDVAR ups");
        assert_eq!(line("%TIME @s @Q @@ %%"), "1795307508 %Q % INVALID");
    }

    #[test]
    fn newer_nut_escapes() {
        assert_eq!(
            line("%UPSHOST%%t%VAR ups.status%"),
            "dummy@127.0.0.1:13640\tOL"
        );
        assert_eq!(line("%TIME%"), "");
    }

    #[test]
    fn line_length_is_bounded() {
        let long = "x".repeat(MAX_LINE * 2);
        assert_eq!(line(&long).len(), MAX_LINE - 1);
        let exact = "y".repeat(MAX_LINE - 1);
        assert_eq!(line(&exact), exact);
    }
}
