//! `LIST` framing: the query ([`ListQuery`]), its `BEGIN LIST` / `END LIST`
//! lines and the item lines between them ([`ListItem`]).

use std::fmt;

use super::{DecodeError, ErrorCode, Fields, write_fields, write_word};

/// What a `LIST` asks for; also the tail of its `BEGIN LIST` / `END LIST`
/// lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListQuery {
    /// `LIST UPS`: every UPS with its description.
    Ups,
    /// `LIST VAR <ups>`: every variable with its value.
    Var {
        /// UPS name.
        ups: String,
    },
    /// `LIST RW <ups>`: writable variables with their values.
    Rw {
        /// UPS name.
        ups: String,
    },
    /// `LIST CMD <ups>`: instant commands.
    Cmd {
        /// UPS name.
        ups: String,
    },
    /// `LIST ENUM <ups> <var>`: allowed values of a variable.
    Enum {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
    },
    /// `LIST RANGE <ups> <var>`: allowed numeric ranges of a variable.
    Range {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
    },
    /// `LIST CLIENT <ups>`: addresses of the clients logged in to a UPS.
    Client {
        /// UPS name.
        ups: String,
    },
}

impl ListQuery {
    /// Decodes the words after `LIST` as upsd does: sub-keyword
    /// case-insensitive, surplus words ignored.
    ///
    /// # Errors
    ///
    /// `INVALID-ARGUMENT` for a missing word or an unknown sub-keyword.
    pub fn decode_args<S: AsRef<str>>(args: &[S]) -> Result<Self, ErrorCode> {
        let word = |i: usize| args.get(i).map(|s| s.as_ref().to_owned());
        let sub = args.first().ok_or(ErrorCode::InvalidArgument)?.as_ref();
        let is = |name: &str| sub.eq_ignore_ascii_case(name);
        if is("UPS") {
            return Ok(Self::Ups);
        }
        let ups = word(1).ok_or(ErrorCode::InvalidArgument)?;
        if is("VAR") {
            return Ok(Self::Var { ups });
        }
        if is("RW") {
            return Ok(Self::Rw { ups });
        }
        if is("CMD") {
            return Ok(Self::Cmd { ups });
        }
        if is("CLIENT") {
            return Ok(Self::Client { ups });
        }
        let var = word(2).ok_or(ErrorCode::InvalidArgument)?;
        if is("ENUM") {
            Ok(Self::Enum { ups, var })
        } else if is("RANGE") {
            Ok(Self::Range { ups, var })
        } else {
            Err(ErrorCode::InvalidArgument)
        }
    }

    /// The sub-keyword: `UPS`, `VAR`, `RW`, `CMD`, `ENUM`, `RANGE`, `CLIENT`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Self::Ups => "UPS",
            Self::Var { .. } => "VAR",
            Self::Rw { .. } => "RW",
            Self::Cmd { .. } => "CMD",
            Self::Enum { .. } => "ENUM",
            Self::Range { .. } => "RANGE",
            Self::Client { .. } => "CLIENT",
        }
    }

    /// Appends `BEGIN LIST <query>` and its LF to `out`.
    pub fn encode_begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("BEGIN LIST {self}\n").as_bytes());
    }

    /// Appends `END LIST <query>` and its LF to `out`.
    pub fn encode_end(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("END LIST {self}\n").as_bytes());
    }

    /// Whether `item` belongs in this list: same kind, same UPS (and
    /// variable) names, compared exactly since upsd echoes the client's
    /// spelling.
    pub fn admits(&self, item: &ListItem) -> bool {
        match (self, item) {
            (Self::Ups, ListItem::Ups { .. }) => true,
            (Self::Var { ups }, ListItem::Var { ups: u, .. })
            | (Self::Rw { ups }, ListItem::Rw { ups: u, .. })
            | (Self::Cmd { ups }, ListItem::Cmd { ups: u, .. })
            | (Self::Client { ups }, ListItem::Client { ups: u, .. }) => ups == u,
            (Self::Enum { ups, var }, ListItem::Enum { ups: u, var: v, .. })
            | (Self::Range { ups, var }, ListItem::Range { ups: u, var: v, .. }) => {
                ups == u && var == v
            }
            _ => false,
        }
    }
}

impl fmt::Display for ListQuery {
    /// The words after `LIST` (and after `BEGIN LIST` / `END LIST`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())?;
        let names: [Option<&str>; 2] = match self {
            Self::Ups => [None, None],
            Self::Var { ups } | Self::Rw { ups } | Self::Cmd { ups } | Self::Client { ups } => {
                [Some(ups), None]
            }
            Self::Enum { ups, var } | Self::Range { ups, var } => [Some(ups), Some(var)],
        };
        for name in names.into_iter().flatten() {
            f.write_str(" ")?;
            write_word(f, name)?;
        }
        Ok(())
    }
}

/// One line between `BEGIN LIST` and `END LIST`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListItem {
    /// `UPS <name> "<description>"`.
    Ups {
        /// UPS name.
        name: String,
        /// Description (`Description unavailable` when none is configured).
        desc: String,
    },
    /// `VAR <ups> <var> "<value>"`.
    Var {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Value.
        value: String,
    },
    /// `RW <ups> <var> "<value>"`.
    Rw {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Value.
        value: String,
    },
    /// `CMD <ups> <cmd>`.
    Cmd {
        /// UPS name.
        ups: String,
        /// Instant command name.
        cmd: String,
    },
    /// `ENUM <ups> <var> "<value>"`.
    Enum {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// One allowed value.
        value: String,
    },
    /// `RANGE <ups> <var> "<min>" "<max>"`.
    Range {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Lower bound, as sent.
        min: String,
        /// Upper bound, as sent.
        max: String,
    },
    /// `CLIENT <ups> <address>`.
    Client {
        /// UPS name.
        ups: String,
        /// The client's IP address.
        addr: String,
    },
}

impl ListItem {
    /// Appends the item line and its LF to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
        out.push(b'\n');
    }

    /// Decodes the words of an item line. Extra trailing words are ignored,
    /// as libupsclient does.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] when the first word is not an item keyword or words
    /// are missing; `line` names the offending line in the error.
    pub fn decode_words<S: AsRef<str>>(words: &[S], line: &str) -> Result<Self, DecodeError> {
        let fields = Fields { words, line };
        let word = |i: usize| fields.get(i);
        let keyword = words.first().ok_or_else(|| fields.error("empty line"))?;
        Ok(match keyword.as_ref() {
            "UPS" => Self::Ups {
                name: word(1)?,
                desc: word(2)?,
            },
            "VAR" => Self::Var {
                ups: word(1)?,
                var: word(2)?,
                value: word(3)?,
            },
            "RW" => Self::Rw {
                ups: word(1)?,
                var: word(2)?,
                value: word(3)?,
            },
            "CMD" => Self::Cmd {
                ups: word(1)?,
                cmd: word(2)?,
            },
            "ENUM" => Self::Enum {
                ups: word(1)?,
                var: word(2)?,
                value: word(3)?,
            },
            "RANGE" => Self::Range {
                ups: word(1)?,
                var: word(2)?,
                min: word(3)?,
                max: word(4)?,
            },
            "CLIENT" => Self::Client {
                ups: word(1)?,
                addr: word(2)?,
            },
            _ => return Err(fields.error("not a list item")),
        })
    }
}

impl fmt::Display for ListItem {
    /// The item line without its LF, byte-exact with upsd: names bare,
    /// values quoted and escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ups { name, desc } => write_fields(f, "UPS", &[name], &[desc]),
            Self::Var { ups, var, value } => write_fields(f, "VAR", &[ups, var], &[value]),
            Self::Rw { ups, var, value } => write_fields(f, "RW", &[ups, var], &[value]),
            Self::Cmd { ups, cmd } => write_fields(f, "CMD", &[ups, cmd], &[]),
            Self::Enum { ups, var, value } => write_fields(f, "ENUM", &[ups, var], &[value]),
            Self::Range { ups, var, min, max } => {
                write_fields(f, "RANGE", &[ups, var], &[min, max])
            }
            Self::Client { ups, addr } => write_fields(f, "CLIENT", &[ups, addr], &[]),
        }
    }
}

/// Any line of a `LIST` answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListLine {
    /// `BEGIN LIST <query>`.
    Begin(ListQuery),
    /// An item.
    Item(ListItem),
    /// `END LIST <query>`.
    End(ListQuery),
}

impl ListLine {
    /// Decodes one line (without LF) of a LIST answer.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] naming the line when it is neither a frame line nor
    /// an item, or cannot be tokenized.
    pub fn decode(line: &str) -> Result<Self, DecodeError> {
        let words = super::split_reply(line)?;
        Self::decode_words(&words, line)
    }

    /// Decodes the words of a LIST answer line; `line` is for errors.
    ///
    /// # Errors
    ///
    /// As [`ListLine::decode`].
    pub fn decode_words<S: AsRef<str>>(words: &[S], line: &str) -> Result<Self, DecodeError> {
        let frame = |rest: &[S]| {
            ListQuery::decode_args(rest).map_err(|_| DecodeError::new(line, "bad LIST query"))
        };
        match words {
            [first, list, rest @ ..] if first.as_ref() == "BEGIN" && list.as_ref() == "LIST" => {
                frame(rest).map(Self::Begin)
            }
            [first, list, rest @ ..] if first.as_ref() == "END" && list.as_ref() == "LIST" => {
                frame(rest).map(Self::End)
            }
            _ => ListItem::decode_words(words, line).map(Self::Item),
        }
    }
}

impl fmt::Display for ListLine {
    /// The line without its LF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Begin(query) => write!(f, "BEGIN LIST {query}"),
            Self::Item(item) => item.fmt(f),
            Self::End(query) => write!(f, "END LIST {query}"),
        }
    }
}
