//! Driver → client lines: state updates, dump framing and replies.

use std::fmt;

use super::wire::{push_int, push_quoted, push_word, push_words};
use super::{
    Args, DecodeError, DecodeOptions, Start, TrackingResult, WireMessage, owned_words, start,
    wire_message,
};

/// A variable flag as `SETFLAGS` carries it.
///
/// NUT knows `RW`, `STRING` and `NUMBER` (matched without case) and ignores
/// the rest; unknown flags are kept here so that nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VarFlag {
    /// `RW`: clients may `SET` the variable.
    Rw,
    /// `STRING`: text, at most `SETAUX` bytes long.
    String,
    /// `NUMBER`: numeric.
    Number,
    /// Any other flag, verbatim.
    Other(String),
}

impl VarFlag {
    /// Reads one flag word (known flags without regard to case, as NUT).
    pub fn parse(word: &str) -> Self {
        if word.eq_ignore_ascii_case("RW") {
            Self::Rw
        } else if word.eq_ignore_ascii_case("STRING") {
            Self::String
        } else if word.eq_ignore_ascii_case("NUMBER") {
            Self::Number
        } else {
            Self::Other(word.to_owned())
        }
    }

    /// The flag as NUT writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Rw => "RW",
            Self::String => "STRING",
            Self::Number => "NUMBER",
            Self::Other(word) => word,
        }
    }
}

impl fmt::Display for VarFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line a driver sends to its clients.
///
/// Encoded byte-exact with a NUT driver's dump: values always quoted and
/// escaped (the [module docs](super) say how a 2.8.0 driver's live updates
/// differ).
///
/// ```
/// use nut_proto::sock::{DriverMessage, VarFlag};
///
/// let msg = DriverMessage::decode(&["SETFLAGS", "ups.id", "RW", "STRING"])?;
/// assert_eq!(
///     msg,
///     DriverMessage::SetFlags { var: "ups.id".into(), flags: vec![VarFlag::Rw, VarFlag::String] }
/// );
/// assert_eq!(msg.to_string(), "SETFLAGS ups.id RW STRING");
/// # Ok::<(), nut_proto::sock::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverMessage {
    /// `SETINFO <var> "<value>"`: create or update a variable.
    SetInfo {
        /// Variable name.
        var: String,
        /// New value.
        value: String,
    },
    /// `DELINFO <var>`: delete a variable.
    DelInfo {
        /// Variable name.
        var: String,
    },
    /// `ADDENUM <var> "<value>"`: add an allowed value.
    AddEnum {
        /// Variable name.
        var: String,
        /// The allowed value.
        value: String,
    },
    /// `DELENUM <var> "<value>"`: remove an allowed value.
    DelEnum {
        /// Variable name.
        var: String,
        /// The value to remove.
        value: String,
    },
    /// `ADDRANGE <var> <min> <max>`: add an allowed integer range.
    AddRange {
        /// Variable name.
        var: String,
        /// Lowest allowed value.
        min: i32,
        /// Highest allowed value.
        max: i32,
    },
    /// `DELRANGE <var> <min> <max>`: remove an allowed range.
    DelRange {
        /// Variable name.
        var: String,
        /// Lowest value of the range.
        min: i32,
        /// Highest value of the range.
        max: i32,
    },
    /// `SETAUX <var> <n>`: auxiliary data, the maximum length of a STRING.
    SetAux {
        /// Variable name.
        var: String,
        /// The value (a C `long`).
        aux: i64,
    },
    /// `SETFLAGS <var> [<flag>...]`: replace the variable's flags. NUT
    /// drivers send it with no flag when they clear them all (and upsd
    /// ignores that line).
    SetFlags {
        /// Variable name.
        var: String,
        /// The new flags, in order.
        flags: Vec<VarFlag>,
    },
    /// `ADDCMD <cmd>`: an instant command became available.
    AddCmd {
        /// Command name.
        cmd: String,
    },
    /// `DELCMD <cmd>`: an instant command went away.
    DelCmd {
        /// Command name.
        cmd: String,
    },
    /// `DUMPDONE`: end of a `DUMPALL`, `DUMPVALUE` or `DUMPSTATUS` reply.
    DumpDone,
    /// `DATAOK`: the data is fresh again.
    DataOk,
    /// `DATASTALE`: the driver lost contact with the device.
    DataStale,
    /// `PONG`: reply to `PING`.
    Pong,
    /// `PID <id>`: reply to `GETPID` (an opaque word, a number in practice).
    Pid {
        /// The process id as sent.
        pid: String,
    },
    /// `TRACKING <id> <rc>`: the result of an `INSTCMD` or `SET` that
    /// carried `TRACKING <id>`.
    Tracking {
        /// The tracking id the client sent.
        id: String,
        /// The handler's result.
        result: TrackingResult,
    },
    /// `OK Goodbye`: reply to `LOGOUT`; the driver then closes.
    Goodbye,
    /// A line NUT would not recognise, kept word for word (upsd ignores
    /// these). Decoding never puts a known command word first here.
    Unknown {
        /// The words of the line.
        words: Vec<String>,
    },
}

impl DriverMessage {
    /// The command words upsd knows (compared without case); a line starting
    /// with any other word decodes as [`DriverMessage::Unknown`].
    pub const COMMAND_WORDS: &'static [&'static str] = &[
        "SETINFO",
        "DELINFO",
        "ADDENUM",
        "DELENUM",
        "ADDRANGE",
        "DELRANGE",
        "SETAUX",
        "SETFLAGS",
        "ADDCMD",
        "DELCMD",
        "DUMPDONE",
        "DATAOK",
        "DATASTALE",
        "PONG",
        "PID",
        "TRACKING",
        "OK",
    ];

    /// Reads the arguments of a known command.
    fn decode_args<S: AsRef<str>>(args: &Args<'_, S>) -> Result<Self, DecodeError> {
        let command = args.command;
        let message = match command {
            "SETINFO" => {
                let [var, value] = args.exact()?;
                Self::SetInfo {
                    var: var.to_owned(),
                    value: value.to_owned(),
                }
            }
            "DELINFO" => {
                let [var] = args.exact()?;
                Self::DelInfo {
                    var: var.to_owned(),
                }
            }
            "ADDENUM" | "DELENUM" => {
                let [var, value] = args.exact()?;
                let (var, value) = (var.to_owned(), value.to_owned());
                if command == "ADDENUM" {
                    Self::AddEnum { var, value }
                } else {
                    Self::DelEnum { var, value }
                }
            }
            "ADDRANGE" | "DELRANGE" => {
                let [var, min, max] = args.exact()?;
                let (var, min, max) = (var.to_owned(), args.int(min)?, args.int(max)?);
                if command == "ADDRANGE" {
                    Self::AddRange { var, min, max }
                } else {
                    Self::DelRange { var, min, max }
                }
            }
            "SETAUX" => {
                let [var, aux] = args.exact()?;
                Self::SetAux {
                    var: var.to_owned(),
                    aux: args.long(aux)?,
                }
            }
            "SETFLAGS" => {
                let Some((var, flags)) = args.rest().split_first() else {
                    return Err(args.count_error("at least 1"));
                };
                Self::SetFlags {
                    var: var.as_ref().to_owned(),
                    flags: flags.iter().map(|f| VarFlag::parse(f.as_ref())).collect(),
                }
            }
            "ADDCMD" | "DELCMD" => {
                let [cmd] = args.exact()?;
                let cmd = cmd.to_owned();
                if command == "ADDCMD" {
                    Self::AddCmd { cmd }
                } else {
                    Self::DelCmd { cmd }
                }
            }
            "DUMPDONE" | "DATAOK" | "DATASTALE" | "PONG" => {
                let [] = args.exact()?;
                match command {
                    "DUMPDONE" => Self::DumpDone,
                    "DATAOK" => Self::DataOk,
                    "DATASTALE" => Self::DataStale,
                    _ => Self::Pong,
                }
            }
            "PID" => {
                let [pid] = args.exact()?;
                Self::Pid {
                    pid: pid.to_owned(),
                }
            }
            "TRACKING" => {
                let [id, result] = args.exact()?;
                Self::Tracking {
                    id: id.to_owned(),
                    result: TrackingResult::from_code(args.int(result)?),
                }
            }
            _ => {
                // `OK Goodbye` is the only `OK` line; any other is unknown.
                let is_goodbye = args
                    .rest()
                    .first()
                    .is_some_and(|w| w.as_ref().eq_ignore_ascii_case("Goodbye"));
                if !is_goodbye {
                    return Ok(Self::Unknown {
                        words: owned_words(args.words),
                    });
                }
                let [_] = args.exact()?;
                Self::Goodbye
            }
        };
        Ok(message)
    }

    /// Appends the line without its LF.
    fn write_line(&self, out: &mut Vec<u8>) {
        match self {
            Self::SetInfo { var, value } => write_var_value(out, "SETINFO", var, value),
            Self::DelInfo { var } => write_keyword_word(out, "DELINFO", var),
            Self::AddEnum { var, value } => write_var_value(out, "ADDENUM", var, value),
            Self::DelEnum { var, value } => write_var_value(out, "DELENUM", var, value),
            Self::AddRange { var, min, max } => write_range(out, "ADDRANGE", var, *min, *max),
            Self::DelRange { var, min, max } => write_range(out, "DELRANGE", var, *min, *max),
            Self::SetAux { var, aux } => write_setaux(out, var, *aux),
            Self::SetFlags { var, flags } => write_setflags(out, var, flags),
            Self::AddCmd { cmd } => write_keyword_word(out, "ADDCMD", cmd),
            Self::DelCmd { cmd } => write_keyword_word(out, "DELCMD", cmd),
            Self::DumpDone => out.extend_from_slice(b"DUMPDONE"),
            Self::DataOk => out.extend_from_slice(b"DATAOK"),
            Self::DataStale => out.extend_from_slice(b"DATASTALE"),
            Self::Pong => out.extend_from_slice(b"PONG"),
            Self::Pid { pid } => write_keyword_word(out, "PID", pid),
            Self::Tracking { id, result } => {
                write_keyword_word(out, "TRACKING", id);
                out.push(b' ');
                push_int(out, result.code());
            }
            Self::Goodbye => out.extend_from_slice(b"OK Goodbye"),
            Self::Unknown { words } => push_words(out, words),
        }
    }
}

wire_message!(DriverMessage);

/// `KEYWORD word`.
pub(super) fn write_keyword_word(out: &mut Vec<u8>, keyword: &str, word: &str) {
    out.extend_from_slice(keyword.as_bytes());
    out.push(b' ');
    push_word(out, word);
}

/// `KEYWORD var "value"`.
pub(super) fn write_var_value(out: &mut Vec<u8>, keyword: &str, var: &str, value: &str) {
    write_keyword_word(out, keyword, var);
    out.push(b' ');
    push_quoted(out, value);
}

/// `KEYWORD var min max`.
pub(super) fn write_range(out: &mut Vec<u8>, keyword: &str, var: &str, min: i32, max: i32) {
    write_keyword_word(out, keyword, var);
    out.push(b' ');
    push_int(out, min);
    out.push(b' ');
    push_int(out, max);
}

/// `SETAUX var n`.
pub(super) fn write_setaux(out: &mut Vec<u8>, var: &str, aux: i64) {
    write_keyword_word(out, "SETAUX", var);
    out.push(b' ');
    push_int(out, aux);
}

/// `SETFLAGS var F1 F2...`.
pub(super) fn write_setflags(out: &mut Vec<u8>, var: &str, flags: &[VarFlag]) {
    write_keyword_word(out, "SETFLAGS", var);
    for flag in flags {
        out.push(b' ');
        push_word(out, flag.as_str());
    }
}
