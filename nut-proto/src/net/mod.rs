//! The network protocol (upsd <-> clients), protocol 1.3 / RFC 9271, as a
//! sans-IO codec shared by the client and the server.
//!
//! * [`Request`] / [`Command`]: what clients send. `encode` writes the exact
//!   bytes NUT's clients write; `decode` reproduces upsd's dispatch,
//!   including which `ERR` it answers to malformed commands.
//! * [`Reply`]: every single-line answer; [`ListLine`] / [`ListQuery`] /
//!   [`ListItem`]: `BEGIN LIST` … `END LIST` answers. Encoders are
//!   byte-exact with upsd (values always quoted and escaped); decoders are
//!   for clients and keep what they do not know (unknown `ERR` codes,
//!   unknown `OK` texts, unknown type words).
//! * [`ErrorCode`]: `ERR` words, with libupsclient's message for each.
//!
//! Lines are LF-terminated on the wire; the functions here take and produce
//! one line at a time. Framing a byte stream into lines (with a length
//! limit) is the client [`crate::client::Session`]'s or the server's job.
//!
//! ```
//! use nut_proto::net::{ListItem, ListLine, ListQuery, Request};
//!
//! let mut wire = Vec::new();
//! Request::List(ListQuery::Var { ups: "ups".into() }).encode(&mut wire);
//! assert_eq!(wire, b"LIST VAR ups\n");
//!
//! let line = ListLine::decode(r#"VAR ups ups.status "OL""#)?;
//! assert!(matches!(line, ListLine::Item(ListItem::Var { .. })));
//! # Ok::<(), nut_proto::net::DecodeError>(())
//! ```

mod error_code;
mod list;
mod reply;
mod request;

#[cfg(test)]
mod tests;

use std::fmt;

pub use error_code::ErrorCode;
pub use list::{ListItem, ListLine, ListQuery};
pub use reply::{Reply, ServerError, TrackingStatus};
pub use request::{Command, GetQuery, Request};

use crate::tokenizer::{is_bare_word, quote, split_line};

/// IANA port of the NUT network protocol.
pub const DEFAULT_PORT: u16 = 3493;

/// Protocol version this crate speaks (the `NETVER` answer of NUT 2.8).
pub const PROTOCOL_VERSION: &str = "1.3";

/// Most bytes of an offending line kept in an error message.
pub const MAX_ERROR_EXCERPT: usize = 120;

/// A server line that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid response from server ({reason}): {line:?}")]
#[non_exhaustive]
pub struct DecodeError {
    /// The offending line, cut to [`MAX_ERROR_EXCERPT`] bytes.
    pub line: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl DecodeError {
    /// An error about `line` (truncated for display).
    pub fn new(line: &str, reason: &'static str) -> Self {
        Self {
            line: excerpt(line),
            reason,
        }
    }
}

/// `text` cut to [`MAX_ERROR_EXCERPT`] bytes (on a char boundary), with `…`
/// when something was cut.
pub(crate) fn excerpt(text: &str) -> String {
    crate::excerpt::excerpt(text, MAX_ERROR_EXCERPT)
}

/// Tokenizes a reply line, mapping tokenizer errors to [`DecodeError`].
fn split_reply(line: &str) -> Result<Vec<String>, DecodeError> {
    split_line(line).map_err(|_| DecodeError::new(line, "unbalanced quotes"))
}

/// Writes a name as upsd and NUT clients do: bare when it is a bare word,
/// else quoted so that it reads back unchanged.
fn write_word(f: &mut fmt::Formatter<'_>, word: &str) -> fmt::Result {
    if is_bare_word(word) {
        f.write_str(word)
    } else {
        f.write_str(&quote(word))
    }
}

/// Writes `<keyword> <name>... "<value>"...` as upsd writes its answers:
/// names bare when they read back unchanged, values always quoted and
/// escaped.
fn write_fields(
    f: &mut fmt::Formatter<'_>,
    keyword: &str,
    names: &[&str],
    values: &[&str],
) -> fmt::Result {
    f.write_str(keyword)?;
    for name in names {
        f.write_str(" ")?;
        write_word(f, name)?;
    }
    for value in values {
        write!(f, " {}", quote(value))?;
    }
    Ok(())
}

/// The words of a server line being decoded, read by position; errors name
/// the line.
struct Fields<'a, S> {
    words: &'a [S],
    line: &'a str,
}

impl<S: AsRef<str>> Fields<'_, S> {
    fn error(&self, reason: &'static str) -> DecodeError {
        DecodeError::new(self.line, reason)
    }

    /// Word `i`, owned; "too few words" when the line is shorter.
    fn get(&self, i: usize) -> Result<String, DecodeError> {
        self.words
            .get(i)
            .map(|word| word.as_ref().to_owned())
            .ok_or_else(|| self.error("too few words"))
    }
}
