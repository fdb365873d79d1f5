//! Server → client single-line answers ([`Reply`]) and tracking results.

use std::fmt;

use super::{DecodeError, ErrorCode, Fields, split_reply, write_fields, write_word};
use crate::model::VarType;

/// An `ERR <code> [<extra>]` answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerError {
    /// The code.
    pub code: ErrorCode,
    /// Words after the code, joined by spaces (upsd only adds them to SSL
    /// failures, e.g. `"SSL handshake failed"`).
    pub extra: Option<String>,
}

impl ServerError {
    /// An error with no extra text.
    pub fn new(code: ErrorCode) -> Self {
        Self { code, extra: None }
    }
}

impl fmt::Display for ServerError {
    /// `ERR <code>` and, when present, the quoted extra text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_fields(
            f,
            "ERR",
            &[self.code.as_str()],
            self.extra.as_deref().as_slice(),
        )
    }
}

/// The state of a tracked SET or INSTCMD, as `GET TRACKING <id>` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrackingStatus {
    /// `PENDING`: the driver has not answered yet.
    Pending,
    /// `SUCCESS`: the driver carried it out.
    Success,
    /// `ERR <code>`: `UNKNOWN` (also for unknown or expired ids),
    /// `INVALID-ARGUMENT` or `FAILED`.
    Failed(ErrorCode),
}

impl TrackingStatus {
    /// The reply line a server sends for this status.
    pub fn to_reply(&self) -> Reply {
        match self {
            Self::Pending => Reply::Pending,
            Self::Success => Reply::Success,
            Self::Failed(code) => Reply::Err(ServerError::new(code.clone())),
        }
    }
}

impl fmt::Display for TrackingStatus {
    /// `PENDING`, `SUCCESS` or `ERR <code>`, as upscmd/upsrw print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pending => f.write_str("PENDING"),
            Self::Success => f.write_str("SUCCESS"),
            Self::Failed(code) => write!(f, "ERR {code}"),
        }
    }
}

/// A single-line answer from upsd (everything but LIST answers, which are
/// [`super::ListLine`]s).
///
/// [`Reply::decode`] is syntactic: free text (VER, NETVER, HELP, old
/// servers' `Goodbye...`) decodes as [`Reply::Text`]; the caller, knowing
/// what it asked, judges whether the reply fits.
///
/// ```
/// use nut_proto::net::{ErrorCode, Reply, ServerError};
///
/// let reply = Reply::decode(r#"VAR ups device.model "Smart \"X\"""#)?;
/// assert_eq!(reply, Reply::Var { ups: "ups".into(), var: "device.model".into(), value: r#"Smart "X""#.into() });
/// assert_eq!(reply.to_string(), r#"VAR ups device.model "Smart \"X\"""#);
/// assert_eq!(Reply::decode("ERR DATA-STALE")?, Reply::Err(ServerError::new(ErrorCode::DataStale)));
/// # Ok::<(), nut_proto::net::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reply {
    /// `OK`.
    Ok,
    /// `OK TRACKING <id>` after SET VAR / INSTCMD with tracking on.
    OkTracking(String),
    /// `OK Goodbye` after LOGOUT.
    OkGoodbye,
    /// `OK PRIMARY-GRANTED`.
    OkPrimaryGranted,
    /// `OK MASTER-GRANTED`.
    OkMasterGranted,
    /// `OK FSD-SET`.
    OkFsdSet,
    /// `OK STARTTLS`: the TLS handshake follows.
    OkStartTls,
    /// `OK <words>` with any other words, kept word by word (a word may hold
    /// spaces or quotes when the server quoted it).
    OkOther(Vec<String>),
    /// `ERR <code> [<extra>]`.
    Err(ServerError),
    /// `VAR <ups> <var> "<value>"`.
    Var {
        /// UPS name, as the client spelled it.
        ups: String,
        /// Variable name, as the client spelled it.
        var: String,
        /// Value.
        value: String,
    },
    /// `TYPE <ups> <var> <type words>`.
    Type {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// The type.
        var_type: VarType,
    },
    /// `DESC <ups> <var> "<text>"`.
    Desc {
        /// UPS name.
        ups: String,
        /// Variable name.
        var: String,
        /// Description (`Description unavailable` when unknown).
        desc: String,
    },
    /// `CMDDESC <ups> <cmd> "<text>"`.
    CmdDesc {
        /// UPS name.
        ups: String,
        /// Instant command name.
        cmd: String,
        /// Description (`Description unavailable` when unknown).
        desc: String,
    },
    /// `UPSDESC <ups> "<text>"`.
    UpsDesc {
        /// UPS name.
        ups: String,
        /// Description (`Unavailable` when none is configured).
        desc: String,
    },
    /// `NUMLOGINS <ups> <n>`.
    NumLogins {
        /// UPS name.
        ups: String,
        /// Connections that did LOGIN on this UPS.
        count: u32,
    },
    /// `ON` / `OFF`: this connection's tracking mode (`GET TRACKING`).
    TrackingMode(bool),
    /// `PENDING` (`GET TRACKING <id>`).
    Pending,
    /// `SUCCESS` (`GET TRACKING <id>`).
    Success,
    /// Free text: VER, NETVER/PROTVER, HELP, and anything else not starting
    /// with a reply keyword, kept verbatim.
    Text(String),
}

/// First words that make a line a structured reply rather than free text.
const KEYWORDS: &[&str] = &[
    "OK",
    "ERR",
    "VAR",
    "TYPE",
    "DESC",
    "CMDDESC",
    "UPSDESC",
    "NUMLOGINS",
    "ON",
    "OFF",
    "PENDING",
    "SUCCESS",
];

impl Reply {
    /// Appends the reply line and its LF to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
        out.push(b'\n');
    }

    /// Decodes one line (without its LF; a trailing CR is ignored).
    ///
    /// # Errors
    ///
    /// [`DecodeError`] naming the line when a structured reply has too few
    /// words, a bad count, or cannot be tokenized.
    pub fn decode(line: &str) -> Result<Self, DecodeError> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let first = line.split_ascii_whitespace().next().unwrap_or("");
        if !KEYWORDS.contains(&first) {
            return Ok(Self::Text(line.to_owned()));
        }
        let words = split_reply(line)?;
        let fields = Fields {
            words: &words,
            line,
        };
        let word = |i: usize| fields.get(i);
        Ok(match first {
            "OK" => match words.get(1).map(String::as_str) {
                None => Self::Ok,
                Some("TRACKING") if words.len() == 3 => Self::OkTracking(word(2)?),
                Some("Goodbye") if words.len() == 2 => Self::OkGoodbye,
                Some("PRIMARY-GRANTED") if words.len() == 2 => Self::OkPrimaryGranted,
                Some("MASTER-GRANTED") if words.len() == 2 => Self::OkMasterGranted,
                Some("FSD-SET") if words.len() == 2 => Self::OkFsdSet,
                Some("STARTTLS") if words.len() == 2 => Self::OkStartTls,
                Some(_) => Self::OkOther(words.get(1..).unwrap_or_default().to_vec()),
            },
            "ERR" => {
                let rest = words.get(2..).unwrap_or_default();
                Self::Err(ServerError {
                    code: ErrorCode::parse(&word(1)?),
                    extra: (!rest.is_empty()).then(|| rest.join(" ")),
                })
            }
            "VAR" => Self::Var {
                ups: word(1)?,
                var: word(2)?,
                value: word(3)?,
            },
            "TYPE" => Self::Type {
                ups: word(1)?,
                var: word(2)?,
                var_type: VarType::parse_words(words.get(3..).unwrap_or_default()),
            },
            "DESC" => Self::Desc {
                ups: word(1)?,
                var: word(2)?,
                desc: word(3)?,
            },
            "CMDDESC" => Self::CmdDesc {
                ups: word(1)?,
                cmd: word(2)?,
                desc: word(3)?,
            },
            "UPSDESC" => Self::UpsDesc {
                ups: word(1)?,
                desc: word(2)?,
            },
            "NUMLOGINS" => Self::NumLogins {
                ups: word(1)?,
                count: word(2)?
                    .parse()
                    .map_err(|_| fields.error("bad login count"))?,
            },
            single if words.len() == 1 => match single {
                "ON" => Self::TrackingMode(true),
                "OFF" => Self::TrackingMode(false),
                "PENDING" => Self::Pending,
                _ => Self::Success,
            },
            // `ON something`: not a reply upsd sends; keep it as text.
            _ => Self::Text(line.to_owned()),
        })
    }

    /// The server error, when this is an `ERR` reply.
    pub fn as_error(&self) -> Option<&ServerError> {
        match self {
            Self::Err(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Reply {
    /// The reply line without its LF, byte-exact with upsd.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok => f.write_str("OK"),
            Self::OkTracking(id) => write_fields(f, "OK TRACKING", &[id], &[]),
            Self::OkGoodbye => f.write_str("OK Goodbye"),
            Self::OkPrimaryGranted => f.write_str("OK PRIMARY-GRANTED"),
            Self::OkMasterGranted => f.write_str("OK MASTER-GRANTED"),
            Self::OkFsdSet => f.write_str("OK FSD-SET"),
            Self::OkStartTls => f.write_str("OK STARTTLS"),
            Self::OkOther(words) => {
                // Word by word, so that odd words (`#`, quotes) read back.
                f.write_str("OK")?;
                for word in words {
                    f.write_str(" ")?;
                    write_word(f, &one_line(word))?;
                }
                Ok(())
            }
            Self::Err(e) => e.fmt(f),
            Self::Var { ups, var, value } => write_fields(f, "VAR", &[ups, var], &[value]),
            Self::Type { ups, var, var_type } => {
                write_fields(f, "TYPE", &[ups, var], &[])?;
                // Type words are names: bare, or quoted when they would not
                // read back as one word.
                for word in var_type.words() {
                    f.write_str(" ")?;
                    write_word(f, word)?;
                }
                Ok(())
            }
            Self::Desc { ups, var, desc } => write_fields(f, "DESC", &[ups, var], &[desc]),
            Self::CmdDesc { ups, cmd, desc } => write_fields(f, "CMDDESC", &[ups, cmd], &[desc]),
            Self::UpsDesc { ups, desc } => write_fields(f, "UPSDESC", &[ups], &[desc]),
            Self::NumLogins { ups, count } => {
                write_fields(f, "NUMLOGINS", &[ups], &[])?;
                write!(f, " {count}")
            }
            Self::TrackingMode(on) => f.write_str(if *on { "ON" } else { "OFF" }),
            Self::Pending => f.write_str("PENDING"),
            Self::Success => f.write_str("SUCCESS"),
            Self::Text(text) => f.write_str(&one_line(text)),
        }
    }
}

/// Free text with line breaks turned into spaces, so that it stays one line.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(text.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
