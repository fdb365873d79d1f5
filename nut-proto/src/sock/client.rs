//! Client → driver lines: dump requests, SET/INSTCMD, keep-alive.

use std::fmt;

use super::driver::write_keyword_word;
use super::wire::{push_int, push_quoted, push_word};
use super::{
    Args, DecodeError, DecodeErrorKind, DecodeOptions, WireMessage, is_tracking_keyword, wire,
};

/// One line a client (upsd, `upsdrvctl`, ...) sends to a driver.
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
    /// Reads the words of one line strictly (see [`DecodeOptions::STRICT`]).
    ///
    /// # Errors
    ///
    /// An empty line, or a known command with the wrong arguments.
    pub fn decode<S: AsRef<str>>(words: &[S]) -> Result<Self, DecodeError> {
        Self::decode_with(words, DecodeOptions::STRICT)
    }

    /// Reads the words of one line with the given leniency.
    ///
    /// # Errors
    ///
    /// As [`Self::decode`], less what `options` allows.
    pub fn decode_with<S: AsRef<str>>(
        words: &[S],
        options: DecodeOptions,
    ) -> Result<Self, DecodeError> {
        let Some(first) = words.first() else {
            return Err(DecodeError::new(words, DecodeErrorKind::Empty));
        };
        let Some(command) = command_name(first.as_ref()) else {
            return Ok(Self::Unknown {
                words: words.iter().map(|w| w.as_ref().to_owned()).collect(),
            });
        };
        let args = Args {
            words,
            command,
            options,
        };
        let message = match command {
            "PING" | "DUMPALL" | "DUMPSTATUS" | "GETPID" | "NOBROADCAST" | "LOGOUT" => {
                let [] = args.exact()?;
                match command {
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
            "BROADCAST" => decode_broadcast(&args)?,
            "INSTCMD" => decode_instcmd(&args)?,
            _ => decode_set(&args)?,
        };
        Ok(message)
    }

    /// Appends the line, LF included, byte-exact with upsd (a parameter of
    /// `INSTCMD` is escaped but bare, as upsd writes it, unless it holds a
    /// space or `=`, which upsd would split; then it is quoted).
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.write_line(out);
        out.push(b'\n');
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
            Self::Unknown { words } => {
                for (i, word) in words.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    push_word(out, word);
                }
            }
        }
    }
}

impl WireMessage for ClientMessage {
    fn decode_with<S: AsRef<str>>(
        words: &[S],
        options: DecodeOptions,
    ) -> Result<Self, DecodeError> {
        Self::decode_with(words, options)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
}

impl fmt::Display for ClientMessage {
    /// The line as [`ClientMessage::encode`] writes it, without its LF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = Vec::new();
        self.write_line(&mut line);
        f.write_str(&String::from_utf8_lossy(&line))
    }
}

/// The upper-case name of a client command word, compared without case as
/// the NUT driver does; `None` for a word it does not know.
fn command_name(word: &str) -> Option<&'static str> {
    const COMMANDS: [&str; 10] = [
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
    COMMANDS
        .into_iter()
        .find(|name| name.eq_ignore_ascii_case(word))
}

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
