//! Client → driver lines: dump requests, SET/INSTCMD, keep-alive.

use std::fmt;

use super::driver::write_keyword_word;
use super::wire::{push_int, push_quoted, push_word, push_words};
use super::{
    Args, DecodeError, DecodeOptions, Start, WireMessage, is_tracking_keyword, start, wire,
    wire_message,
};

/// One line a client (upsd, `upsdrvctl`, ...) sends to a driver.
///
/// Encoded byte-exact with upsd: values quoted and escaped; a parameter of
/// `INSTCMD` escaped but bare, as upsd writes it, unless it holds a space or
/// `=`, which upsd would split (then it is quoted).
///
/// ```
/// use nut_proto::sock::ClientMessage;
///
/// let msg = ClientMessage::decode(&["SET", "ups.load", "55", "TRACKING", "1234-abcd"])?;
/// assert_eq!(
///     msg,
///     ClientMessage::Set {
///         var: "ups.load".into(),
///         value: "55".into(),
///         tracking: Some("1234-abcd".into()),
///     }
/// );
/// assert_eq!(msg.to_string(), r#"SET ups.load "55" TRACKING 1234-abcd"#);
/// # Ok::<(), nut_proto::sock::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientMessage {
    /// `PING`: the driver answers `PONG`.
    Ping,
    /// `DUMPALL`: the driver sends its whole state, then `DUMPDONE`.
    DumpAll,
    /// `DUMPVALUE <var>`: one variable, framed like a dump.
    DumpValue {
        /// Variable name.
        var: String,
    },
    /// `DUMPSTATUS`: same as `DUMPVALUE ups.status`.
    DumpStatus,
    /// `GETPID`: the driver answers `PID <n>`.
    GetPid,
    /// `INSTCMD <cmd> [<param>] [TRACKING <id>]`.
    InstCmd {
        /// Command name.
        cmd: String,
        /// Optional parameter.
        param: Option<String>,
        /// Tracking id; the driver then answers `TRACKING <id> <rc>`.
        tracking: Option<String>,
    },
    /// `SET <var> "<value>" [TRACKING <id>]`.
    Set {
        /// Variable name.
        var: String,
        /// New value.
        value: String,
        /// Tracking id; the driver then answers `TRACKING <id> <rc>`.
        tracking: Option<String>,
    },
    /// `NOBROADCAST`: stop sending this client unsolicited updates.
    NoBroadcast,
    /// `BROADCAST [<n>]`: resume updates (`n` ≤ 0 stops them instead).
    Broadcast {
        /// The argument, if any.
        level: Option<i32>,
    },
    /// `LOGOUT`: the driver answers `OK Goodbye` and closes.
    Logout,
    /// A line NUT would not recognise, kept word for word (the driver logs
    /// "Unknown command on socket" and ignores it). Decoding never puts a
    /// known command word first here.
    Unknown {
        /// The words of the line.
        words: Vec<String>,
    },
}

impl ClientMessage {
    /// The command words a driver knows (compared without case); a line
    /// starting with any other word decodes as [`ClientMessage::Unknown`].
    pub const COMMAND_WORDS: &'static [&'static str] = &[
        "PING",
        "DUMPALL",
        "DUMPVALUE",
        "DUMPSTATUS",
        "GETPID",
        "INSTCMD",
        "SET",
        "NOBROADCAST",
        "BROADCAST",
        "LOGOUT",
    ];

    /// Reads the arguments of a known command.
    fn decode_args<S: AsRef<str>>(args: &Args<'_, S>) -> Result<Self, DecodeError> {
        let message = match args.command {
            "PING" | "DUMPALL" | "DUMPSTATUS" | "GETPID" | "NOBROADCAST" | "LOGOUT" => {
                let [] = args.exact()?;
                match args.command {
                    "PING" => Self::Ping,
                    "DUMPALL" => Self::DumpAll,
                    "DUMPSTATUS" => Self::DumpStatus,
                    "GETPID" => Self::GetPid,
                    "NOBROADCAST" => Self::NoBroadcast,
                    _ => Self::Logout,
                }
            }
            "DUMPVALUE" => {
                let [var] = args.exact()?;
                Self::DumpValue {
                    var: var.to_owned(),
                }
            }
            "BROADCAST" => decode_broadcast(args)?,
            "INSTCMD" => decode_instcmd(args)?,
            _ => decode_set(args)?,
        };
        Ok(message)
    }

    /// Appends the line without its LF.
    fn write_line(&self, out: &mut Vec<u8>) {
        match self {
            Self::Ping => out.extend_from_slice(b"PING"),
            Self::DumpAll => out.extend_from_slice(b"DUMPALL"),
            Self::DumpValue { var } => write_keyword_word(out, "DUMPVALUE", var),
            Self::DumpStatus => out.extend_from_slice(b"DUMPSTATUS"),
            Self::GetPid => out.extend_from_slice(b"GETPID"),
            Self::InstCmd {
                cmd,
                param,
                tracking,
            } => {
                write_keyword_word(out, "INSTCMD", cmd);
                if let Some(param) = param {
                    out.push(b' ');
                    push_word(out, param);
                }
                write_tracking(out, tracking.as_deref());
            }
            Self::Set {
                var,
                value,
                tracking,
            } => {
                write_keyword_word(out, "SET", var);
                out.push(b' ');
                push_quoted(out, value);
                write_tracking(out, tracking.as_deref());
            }
            Self::NoBroadcast => out.extend_from_slice(b"NOBROADCAST"),
            Self::Broadcast { level } => {
                out.extend_from_slice(b"BROADCAST");
                if let Some(level) = level {
                    out.push(b' ');
                    push_int(out, *level);
                }
            }
            Self::Logout => out.extend_from_slice(b"LOGOUT"),
            Self::Unknown { words } => push_words(out, words),
        }
    }
}

wire_message!(ClientMessage);

/// ` TRACKING <id>` when there is an id.
fn write_tracking(out: &mut Vec<u8>, tracking: Option<&str>) {
    if let Some(id) = tracking {
        out.push(b' ');
        write_keyword_word(out, "TRACKING", id);
    }
}

/// `BROADCAST [<n>]`.
fn decode_broadcast<S: AsRef<str>>(args: &Args<'_, S>) -> Result<ClientMessage, DecodeError> {
    let rest = args.rest();
    if rest.len() > 1 && !args.options.ignore_extra_words {
        return Err(args.count_error("0 or 1"));
    }
    let level = match rest.first().map(AsRef::as_ref) {
        None => None,
        Some(word) => match wire::parse_strict(word) {
            Some(level) => Some(level),
            // The NUT driver ignores an argument it cannot read.
            None if args.options.c_integers => None,
            None => return Err(args.bad_integer(word)),
        },
    };
    Ok(ClientMessage::Broadcast { level })
}

/// `INSTCMD <cmd> [<param>] [TRACKING <id>]`, with the NUT driver's rules:
/// 3 words are a parameter (even `TRACKING`), 4 need `TRACKING` third, 5
/// need it fourth; anything else is malformed, leniency or not.
fn decode_instcmd<S: AsRef<str>>(args: &Args<'_, S>) -> Result<ClientMessage, DecodeError> {
    let rest: Vec<&str> = args.rest().iter().map(AsRef::as_ref).collect();
    let (cmd, param, tracking) = match rest.as_slice() {
        [cmd] => (cmd, None, None),
        [cmd, param] => (cmd, Some(param), None),
        [cmd, keyword, id] => {
            if !is_tracking_keyword(keyword) {
                return Err(args.expected_tracking(keyword));
            }
            (cmd, None, Some(id))
        }
        [cmd, param, keyword, id] => {
            if !is_tracking_keyword(keyword) {
                return Err(args.expected_tracking(keyword));
            }
            (cmd, Some(param), Some(id))
        }
        _ => return Err(args.count_error("1 to 4")),
    };
    Ok(ClientMessage::InstCmd {
        cmd: (*cmd).to_owned(),
        param: param.map(|p| (*p).to_owned()),
        tracking: tracking.map(|t| (*t).to_owned()),
    })
}

/// `SET <var> <value> [TRACKING <id>]`, with the NUT driver's rules: 4
/// arguments need `TRACKING` third; with [`DecodeOptions::ignore_extra_words`]
/// 3 or more than 4 arguments set the value without tracking, as NUT does.
fn decode_set<S: AsRef<str>>(args: &Args<'_, S>) -> Result<ClientMessage, DecodeError> {
    let rest: Vec<&str> = args.rest().iter().map(AsRef::as_ref).collect();
    let (var, value, tracking) = match rest.as_slice() {
        [var, value] => (var, value, None),
        [var, value, keyword, id] => {
            if !is_tracking_keyword(keyword) {
                return Err(args.expected_tracking(keyword));
            }
            (var, value, Some(id))
        }
        [var, value, _, ..] if args.options.ignore_extra_words => (var, value, None),
        _ => return Err(args.count_error("2 or 4")),
    };
    Ok(ClientMessage::Set {
        var: (*var).to_owned(),
        value: (*value).to_owned(),
        tracking: tracking.map(|t| (*t).to_owned()),
    })
}
