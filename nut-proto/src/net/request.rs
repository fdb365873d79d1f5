//! Client → server commands: the [`Command`] keyword table, the typed
//! [`Request`], its encoding as NUT clients write it, and upsd's exact
//! argument decoding.

use std::fmt;

use super::ErrorCode;
use super::list::ListQuery;
use super::write_word;
use crate::tokenizer::quote;

/// A command keyword: the first word of a request line, matched
/// case-insensitively, as in upsd's dispatch table.
///
/// A server decodes in two steps so that it can check credentials *before*
/// the argument count, as upsd does (`SET VAR ups` without USERNAME answers
/// `ERR USERNAME-REQUIRED`, not `ERR INVALID-ARGUMENT`):
///
/// ```
/// use nut_proto::net::{Command, ErrorCode, Request};
///
/// let words = ["set", "VAR", "ups"];
/// let command = Command::parse(words[0]).ok_or(ErrorCode::UnknownCommand)?;
/// assert!(command.requires_login());
/// // ... the server answers USERNAME-REQUIRED / PASSWORD-REQUIRED here ...
/// assert_eq!(Request::decode_args(command, &words[1..]), Err(ErrorCode::InvalidArgument));
/// # Ok::<(), ErrorCode>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Command {
    /// `VER`: server version text.
    Ver,
    /// `NETVER`: protocol version.
    Netver,
    /// `PROTVER`: alias of `NETVER` (protocol 1.3).
    Protver,
    /// `HELP`: command list text.
    Help,
    /// `STARTTLS`: switch the connection to TLS.
    StartTls,
    /// `GET <what> ...`.
    Get,
    /// `LIST <what> ...`.
    List,
    /// `USERNAME <name>`.
    Username,
    /// `PASSWORD <password>`.
    Password,
    /// `LOGIN <ups>`: count this connection as a monitoring client.
    Login,
    /// `LOGOUT`: say goodbye and close.
    Logout,
    /// `PRIMARY <ups>`: claim the primary role (protocol 1.3).
    Primary,
    /// `MASTER <ups>`: deprecated alias of `PRIMARY`.
    Master,
    /// `FSD <ups>`: latch forced shutdown.
    Fsd,
    /// `SET VAR ...` / `SET TRACKING ...`.
    Set,
    /// `INSTCMD <ups> <cmd> [<param>]`.
    Instcmd,
}

/// upsd's dispatch table, in its order.
const COMMANDS: &[(Command, &str)] = &[
    (Command::Ver, "VER"),
    (Command::Netver, "NETVER"),
    (Command::Protver, "PROTVER"),
    (Command::Help, "HELP"),
    (Command::StartTls, "STARTTLS"),
    (Command::Get, "GET"),
    (Command::List, "LIST"),
    (Command::Username, "USERNAME"),
    (Command::Password, "PASSWORD"),
    (Command::Login, "LOGIN"),
    (Command::Logout, "LOGOUT"),
    (Command::Primary, "PRIMARY"),
    (Command::Master, "MASTER"),
    (Command::Fsd, "FSD"),
    (Command::Set, "SET"),
    (Command::Instcmd, "INSTCMD"),
];

impl Command {
    /// Every command, in upsd's table order.
    pub fn all() -> impl Iterator<Item = Self> {
        COMMANDS.iter().map(|(c, _)| *c)
    }

    /// Matches a first word case-insensitively; `None` means upsd answers
    /// `ERR UNKNOWN-COMMAND`.
    pub fn parse(word: &str) -> Option<Self> {
        COMMANDS
            .iter()
            .find(|(_, w)| w.eq_ignore_ascii_case(word))
            .map(|(c, _)| *c)
    }

    /// The keyword in upper case, as clients send it.
    pub fn as_str(self) -> &'static str {
        COMMANDS
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, w)| w)
    }

    /// Whether upsd requires USERNAME and PASSWORD to have been sent before
    /// this command (its `FLAG_USER`): LOGIN, PRIMARY, MASTER, FSD, SET,
    /// INSTCMD. A server checks this before decoding the arguments.
    pub fn requires_login(self) -> bool {
        matches!(
            self,
            Self::Login | Self::Primary | Self::Master | Self::Fsd | Self::Set | Self::Instcmd
        )
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `GET` sub-requests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GetQuery {
    /// `GET VAR <ups> <var>`.
    Var {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
    },
    /// `GET TYPE <ups> <var>`.
    Type {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
    },
    /// `GET DESC <ups> <var>`.
    Desc {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
    },
    /// `GET CMDDESC <ups> <cmd>`.
    CmdDesc {
        /// UPS name.
        ups: String,
        /// Instant command name.
        cmd: String,
    },
    /// `GET UPSDESC <ups>`.
    UpsDesc {
        /// UPS name.
        ups: String,
    },
    /// `GET NUMLOGINS <ups>`.
    NumLogins {
        /// UPS name.
        ups: String,
    },
    /// `GET TRACKING` (this connection's mode) or `GET TRACKING <id>`.
    Tracking {
        /// The tracking id, or `None` for the ON/OFF mode.
        id: Option<String>,
    },
}

/// One request line from a client, typed.
///
/// [`Request::encode`] writes the bytes real NUT clients send: names and
/// keywords bare, `SET VAR` values always quoted and escaped. Where a name
/// or parameter is not a bare word (holds spaces, quotes, `#`...), it is
/// quoted so that upsd reads it back unchanged (NUT's own clients would
/// send a line upsd misreads).
///
/// ```
/// use nut_proto::net::{GetQuery, Request};
///
/// let req = Request::SetVar { ups: "ups".into(), var: "ups.id".into(), value: "Rack 1".into() };
/// assert_eq!(req.to_string(), r#"SET VAR ups ups.id "Rack 1""#);
/// let get = Request::Get(GetQuery::Var { ups: "ups".into(), var: "ups.status".into() });
/// assert_eq!(Request::decode(&["get", "var", "ups", "ups.status", "extra"]), Ok(get));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Request {
    /// `VER`.
    Ver,
    /// `NETVER`.
    Netver,
    /// `PROTVER`.
    Protver,
    /// `HELP`.
    Help,
    /// `STARTTLS`.
    StartTls,
    /// `GET ...`.
    Get(GetQuery),
    /// `LIST ...`.
    List(ListQuery),
    /// `USERNAME <name>`.
    Username(String),
    /// `PASSWORD <password>`.
    Password(String),
    /// `LOGIN <ups>`.
    Login {
        /// UPS name.
        ups: String,
    },
    /// `LOGOUT`.
    Logout,
    /// `PRIMARY <ups>`.
    Primary {
        /// UPS name.
        ups: String,
    },
    /// `MASTER <ups>` (deprecated alias of PRIMARY).
    Master {
        /// UPS name.
        ups: String,
    },
    /// `FSD <ups>`.
    Fsd {
        /// UPS name.
        ups: String,
    },
    /// `SET VAR <ups> <var> "<value>"`.
    SetVar {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// New value.
        value: String,
    },
    /// `SET TRACKING ON|OFF`.
    SetTracking(bool),
    /// `INSTCMD <ups> <cmd> [<param>]`.
    Instcmd {
        /// UPS name.
        ups: String,
        /// Instant command name.
        cmd: String,
        /// Optional parameter (protocol 1.3).
        param: Option<String>,
    },
}

impl Request {
    /// The command keyword of this request.
    pub fn command(&self) -> Command {
        match self {
            Self::Ver => Command::Ver,
            Self::Netver => Command::Netver,
            Self::Protver => Command::Protver,
            Self::Help => Command::Help,
            Self::StartTls => Command::StartTls,
            Self::Get(_) => Command::Get,
            Self::List(_) => Command::List,
            Self::Username(_) => Command::Username,
            Self::Password(_) => Command::Password,
            Self::Login { .. } => Command::Login,
            Self::Logout => Command::Logout,
            Self::Primary { .. } => Command::Primary,
            Self::Master { .. } => Command::Master,
            Self::Fsd { .. } => Command::Fsd,
            Self::SetVar { .. } | Self::SetTracking(_) => Command::Set,
            Self::Instcmd { .. } => Command::Instcmd,
        }
    }

    /// Appends the request line and its LF to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
        out.push(b'\n');
    }

    /// Decodes a whole tokenized line, without any credential check: the
    /// first word must be a [`Command`] (else `UNKNOWN-COMMAND`, also for an
    /// empty line), then [`Request::decode_args`].
    ///
    /// # Errors
    ///
    /// The `ERR` code upsd would answer.
    pub fn decode<S: AsRef<str>>(words: &[S]) -> Result<Self, ErrorCode> {
        let (first, args) = words.split_first().ok_or(ErrorCode::UnknownCommand)?;
        let command = Command::parse(first.as_ref()).ok_or(ErrorCode::UnknownCommand)?;
        Self::decode_args(command, args)
    }

    /// Decodes the words after the command keyword exactly as upsd does:
    /// sub-keywords and `ON`/`OFF` case-insensitive; surplus words ignored
    /// after GET, LIST, SET and STARTTLS; any other count is wrong for VER,
    /// NETVER, PROTVER, HELP, LOGOUT (none), USERNAME, PASSWORD, LOGIN,
    /// PRIMARY, MASTER, FSD (one); INSTCMD takes a parameter only when
    /// exactly one word follows the command name (more words: dropped).
    ///
    /// # Errors
    ///
    /// `INVALID-ARGUMENT` for a wrong count or an unknown sub-keyword.
    pub fn decode_args<S: AsRef<str>>(command: Command, args: &[S]) -> Result<Self, ErrorCode> {
        let arg = |i: usize| args.get(i).map(|s| s.as_ref().to_owned());
        let exactly = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(ErrorCode::InvalidArgument)
            }
        };
        let one = || -> Result<String, ErrorCode> {
            exactly(1)?;
            arg(0).ok_or(ErrorCode::InvalidArgument)
        };
        Ok(match command {
            Command::Ver => exactly(0).map(|()| Self::Ver)?,
            Command::Netver => exactly(0).map(|()| Self::Netver)?,
            Command::Protver => exactly(0).map(|()| Self::Protver)?,
            Command::Help => exactly(0).map(|()| Self::Help)?,
            Command::Logout => exactly(0).map(|()| Self::Logout)?,
            // upsd does not look at STARTTLS arguments.
            Command::StartTls => Self::StartTls,
            Command::Username => Self::Username(one()?),
            Command::Password => Self::Password(one()?),
            Command::Login => Self::Login { ups: one()? },
            Command::Primary => Self::Primary { ups: one()? },
            Command::Master => Self::Master { ups: one()? },
            Command::Fsd => Self::Fsd { ups: one()? },
            Command::Get => Self::Get(decode_get(args)?),
            Command::List => Self::List(ListQuery::decode_args(args)?),
            Command::Set => decode_set(args)?,
            Command::Instcmd => {
                let (Some(ups), Some(cmd)) = (arg(0), arg(1)) else {
                    return Err(ErrorCode::InvalidArgument);
                };
                let param = if args.len() == 3 { arg(2) } else { None };
                Self::Instcmd { ups, cmd, param }
            }
        })
    }
}

fn decode_get<S: AsRef<str>>(args: &[S]) -> Result<GetQuery, ErrorCode> {
    let word = |i: usize| args.get(i).map(|s| s.as_ref().to_owned());
    let sub = args.first().ok_or(ErrorCode::InvalidArgument)?.as_ref();
    let is = |name: &str| sub.eq_ignore_ascii_case(name);
    if is("TRACKING") {
        return Ok(GetQuery::Tracking { id: word(1) });
    }
    let ups = word(1).ok_or(ErrorCode::InvalidArgument)?;
    if is("NUMLOGINS") {
        return Ok(GetQuery::NumLogins { ups });
    }
    if is("UPSDESC") {
        return Ok(GetQuery::UpsDesc { ups });
    }
    let name = word(2).ok_or(ErrorCode::InvalidArgument)?;
    if is("VAR") {
        Ok(GetQuery::Var { ups, var: name })
    } else if is("TYPE") {
        Ok(GetQuery::Type { ups, var: name })
    } else if is("DESC") {
        Ok(GetQuery::Desc { ups, var: name })
    } else if is("CMDDESC") {
        Ok(GetQuery::CmdDesc { ups, cmd: name })
    } else {
        Err(ErrorCode::InvalidArgument)
    }
}

fn decode_set<S: AsRef<str>>(args: &[S]) -> Result<Request, ErrorCode> {
    let word = |i: usize| args.get(i).map(|s| s.as_ref().to_owned());
    let sub = args.first().ok_or(ErrorCode::InvalidArgument)?.as_ref();
    if sub.eq_ignore_ascii_case("VAR") {
        let (Some(ups), Some(var), Some(value)) = (word(1), word(2), word(3)) else {
            return Err(ErrorCode::InvalidArgument);
        };
        return Ok(Request::SetVar { ups, var, value });
    }
    if sub.eq_ignore_ascii_case("TRACKING") {
        let mode = args.get(1).ok_or(ErrorCode::InvalidArgument)?.as_ref();
        if mode.eq_ignore_ascii_case("ON") {
            return Ok(Request::SetTracking(true));
        }
        if mode.eq_ignore_ascii_case("OFF") {
            return Ok(Request::SetTracking(false));
        }
    }
    Err(ErrorCode::InvalidArgument)
}

impl fmt::Display for GetQuery {
    /// The words after `GET`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (keyword, names): (&str, [Option<&str>; 2]) = match self {
            Self::Var { ups, var } => ("VAR", [Some(ups), Some(var)]),
            Self::Type { ups, var } => ("TYPE", [Some(ups), Some(var)]),
            Self::Desc { ups, var } => ("DESC", [Some(ups), Some(var)]),
            Self::CmdDesc { ups, cmd } => ("CMDDESC", [Some(ups), Some(cmd)]),
            Self::UpsDesc { ups } => ("UPSDESC", [Some(ups), None]),
            Self::NumLogins { ups } => ("NUMLOGINS", [Some(ups), None]),
            Self::Tracking { id } => ("TRACKING", [id.as_deref(), None]),
        };
        f.write_str(keyword)?;
        for name in names.into_iter().flatten() {
            f.write_str(" ")?;
            write_word(f, name)?;
        }
        Ok(())
    }
}

impl fmt::Display for Request {
    /// The request line without its LF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let command = self.command().as_str();
        let one = |f: &mut fmt::Formatter<'_>, word: &str| {
            write!(f, "{command} ")?;
            write_word(f, word)
        };
        match self {
            Self::Ver
            | Self::Netver
            | Self::Protver
            | Self::Help
            | Self::StartTls
            | Self::Logout => f.write_str(command),
            Self::Get(query) => write!(f, "GET {query}"),
            Self::List(query) => write!(f, "LIST {query}"),
            Self::Username(word) | Self::Password(word) => one(f, word),
            Self::Login { ups }
            | Self::Primary { ups }
            | Self::Master { ups }
            | Self::Fsd { ups } => one(f, ups),
            Self::SetVar { ups, var, value } => {
                f.write_str("SET VAR ")?;
                write_word(f, ups)?;
                f.write_str(" ")?;
                write_word(f, var)?;
                write!(f, " {}", quote(value))
            }
            Self::SetTracking(on) => f.write_str(if *on {
                "SET TRACKING ON"
            } else {
                "SET TRACKING OFF"
            }),
            Self::Instcmd { ups, cmd, param } => {
                f.write_str("INSTCMD ")?;
                write_word(f, ups)?;
                f.write_str(" ")?;
                write_word(f, cmd)?;
                if let Some(param) = param {
                    f.write_str(" ")?;
                    write_word(f, param)?;
                }
                Ok(())
            }
        }
    }
}
