//! The driver state-socket protocol (driver ⇄ upsd), sans-IO, for both sides.
//!
//! Every NUT driver serves a Unix stream socket (`<STATEPATH>/<driver>-<ups>`)
//! and upsd, `upsdrvctl` and friends connect to it as clients. Lines use the
//! same grammar as everything else in NUT ([`crate::tokenizer`]).
//!
//! * [`DriverMessage`] is what a driver sends (`SETINFO`, `ADDCMD`,
//!   `DUMPDONE`, `TRACKING <id> <rc>`, ...), [`ClientMessage`] what a client
//!   sends (`DUMPALL`, `SET`, `INSTCMD`, `PING`, ...). Both decode from the
//!   words of a line ([`DriverMessage::decode`]) and encode byte-exact with
//!   NUT ([`DriverMessage::encode`]). Lines NUT would not recognise decode to
//!   an `Unknown` variant carrying the words; a known command with the wrong
//!   shape is a [`DecodeError`].
//! * [`Decoder`] turns a byte stream into messages, whatever the chunking.
//! * [`DumpAll`] writes the reply to `DUMPALL` in NUT's order;
//!   [`Snapshot`] holds a driver's state (variables, commands, staleness),
//!   applies messages to it with NUT's semantics, and [`DumpAssembler`]
//!   builds one from a dump.
//!
//! # Values on the wire
//!
//! Values are always written quoted and escaped (`"`, `\` and `#` get a
//! backslash), in dumps and in live updates alike. That is what a NUT driver
//! sends in a dump and what upsd sends in `SET`. A NUT 2.8.0 driver sends
//! *live* updates (`SETINFO` after a change, `ADDENUM`, `DELENUM`) without
//! escaping, so a value holding `"` reaches upsd cut short; for any value
//! without those three characters both forms are the same bytes. Characters
//! NUT's reader drops (outside `0x20..=0x7F`) are not sent, so the receiver
//! sees exactly what the sender meant; words longer than
//! [`crate::tokenizer::MAX_WORD_LEN`] are cut by the receiver, not here.
//!
//! # Strict by default
//!
//! Decoding rejects what NUT would let through half-read: surplus words,
//! `12abc` as an integer. [`DecodeOptions::NUT`] reads lines the way NUT's
//! own driver and upsd do, which a server needs to interoperate with a 2.8.0
//! driver's unescaped updates (`SETINFO v "a"b"` reads as `a`, as upsd reads
//! it).
//!
//! ```
//! use nut_proto::sock::{Decoded, DriverDecoder, DriverMessage, DumpAssembler};
//!
//! let mut decoder = DriverDecoder::new();
//! let mut dump = DumpAssembler::new();
//! let mut input: &[u8] = b"SETINFO ups.status \"OL\"\nADDCMD load.off\nDATAOK\nDUMPDONE\nPONG\n";
//! while let Decoded::Complete { item, consumed } = decoder.decode_next(input) {
//!     input = &input[consumed..];
//!     if dump.handle_message(&item?)?.is_done() {
//!         break;
//!     }
//! }
//! assert_eq!(input, b"PONG\n"); // left for the live-update loop
//! let snapshot = dump.into_snapshot();
//! assert_eq!(snapshot.value("ups.status"), Some("OL"));
//! assert!(!snapshot.is_stale());
//!
//! let mut wire = Vec::new();
//! DriverMessage::Tracking { id: "1234-ab".into(), result: 0.into() }.encode(&mut wire);
//! assert_eq!(wire, b"TRACKING 1234-ab 0\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod driver;
mod dump;
mod snapshot;
mod stream;
mod tracking;
mod wire;

use std::fmt;

pub use client::ClientMessage;
pub use driver::{DriverMessage, VarFlag};
pub use dump::{DumpAll, ValueRange, VarState, encode_var};
pub use snapshot::{
    Applied, DumpAssembler, DumpProgress, MAX_COMMANDS, MAX_ENUMS_PER_VAR, MAX_RANGES_PER_VAR,
    MAX_VARS, Snapshot, SnapshotError, SnapshotLimits,
};
pub use stream::{ClientDecoder, Decoded, Decoder, DriverDecoder};
pub use tracking::TrackingResult;

use crate::tokenizer::ParseError;

/// Longest excerpt of an offending line kept in a [`DecodeError`], in bytes.
pub const MAX_ERROR_EXCERPT: usize = 120;

/// How forgiving decoding is. The default is strict; [`Self::NUT`] reads
/// lines as NUT's own driver and upsd do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Ignore words after the last one a command takes, as NUT does:
    /// `PING now` is a `PING`, `SETINFO v "a"b"` (a 2.8.0 driver's unescaped
    /// live update) sets `a`, and `SET v "x" y` or `SET v "x" a b c` set `x`
    /// without tracking. `INSTCMD` and a 4-argument `SET` are as strict as
    /// in NUT either way.
    pub ignore_extra_words: bool,
    /// Read integers as C's `atoi`/`strtol` do: `12abc` is 12 and `abc` is
    /// 0 (in `ADDRANGE`, `DELRANGE`, `SETAUX`, `TRACKING`). A `BROADCAST`
    /// argument that is not a number is ignored, as the NUT driver does.
    pub c_integers: bool,
}

impl DecodeOptions {
    /// Reject everything NUT would only half-read.
    pub const STRICT: Self = Self {
        ignore_extra_words: false,
        c_integers: false,
    };

    /// Accept what NUT 2.8.x accepts.
    pub const NUT: Self = Self {
        ignore_extra_words: true,
        c_integers: true,
    };
}

/// A message type of the socket protocol: [`DriverMessage`] or
/// [`ClientMessage`]. Lets [`Decoder`] and tests work on either.
pub trait WireMessage: Sized + fmt::Debug {
    /// Reads the words of one line.
    ///
    /// # Errors
    ///
    /// An empty line, or a known command with the wrong arguments.
    fn decode_with<S: AsRef<str>>(words: &[S], options: DecodeOptions)
    -> Result<Self, DecodeError>;

    /// Appends the line, LF included, byte-exact with NUT.
    fn encode(&self, out: &mut Vec<u8>);
}

/// A socket line that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct DecodeError {
    /// Physical line number in the stream (1-based), when decoded by a
    /// [`Decoder`].
    pub line: Option<u32>,
    /// The line as read, re-rendered and cut to [`MAX_ERROR_EXCERPT`] bytes;
    /// empty when the line could not even be tokenized.
    pub excerpt: String,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error about the line made of `words`.
    pub fn new<S: AsRef<str>>(words: &[S], kind: DecodeErrorKind) -> Self {
        Self {
            line: None,
            excerpt: wire::render_words(words),
            kind,
        }
    }

    /// The same error, located at physical line `line` of a stream.
    #[must_use]
    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }
}

impl From<ParseError> for DecodeError {
    fn from(error: ParseError) -> Self {
        Self {
            line: Some(error.line),
            excerpt: String::new(),
            kind: DecodeErrorKind::Syntax(error),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("socket ")?;
        match (self.line, &self.kind) {
            // A syntax error already says where it is.
            (_, DecodeErrorKind::Syntax(_)) | (None, _) => {}
            (Some(line), _) => write!(f, "line {line}: ")?,
        }
        write!(f, "{}", self.kind)?;
        if !self.excerpt.is_empty() {
            write!(f, ": `{}`", self.excerpt)?;
        }
        Ok(())
    }
}

/// What was wrong with a socket line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The line has no words.
    Empty,
    /// A known command with too few or too many arguments.
    ArgCount {
        /// The command, upper-case.
        command: &'static str,
        /// How many arguments it takes (`"2"`, `"1 to 4"`, `"2 or 4"`).
        expected: &'static str,
        /// How many it got.
        got: usize,
    },
    /// A word that should be an integer is not one.
    BadInteger {
        /// The command, upper-case.
        command: &'static str,
        /// The offending word, cut to [`MAX_ERROR_EXCERPT`] bytes.
        word: String,
    },
    /// `INSTCMD` or `SET` with a word where `TRACKING` belongs.
    ExpectedTracking {
        /// The command, upper-case.
        command: &'static str,
        /// The word found instead, cut to [`MAX_ERROR_EXCERPT`] bytes.
        found: String,
    },
    /// The bytes could not be tokenized (e.g. `#` inside quotes).
    Syntax(ParseError),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty line"),
            Self::ArgCount {
                command,
                expected,
                got,
            } => {
                let noun = if expected.ends_with('1') {
                    "argument"
                } else {
                    "arguments"
                };
                write!(f, "{command} takes {expected} {noun}, got {got}")
            }
            Self::BadInteger { command, word } => {
                write!(f, "{command}: `{word}` is not an integer")
            }
            Self::ExpectedTracking { command, found } => {
                write!(f, "{command}: expected TRACKING, found `{found}`")
            }
            Self::Syntax(error) => write!(f, "{error}"),
        }
    }
}

/// The arguments of a line, checked against a command's shape.
struct Args<'w, S> {
    /// The whole line, for error messages.
    words: &'w [S],
    /// The command, upper-case, for error messages.
    command: &'static str,
    options: DecodeOptions,
}

impl<'w, S: AsRef<str>> Args<'w, S> {
    /// The arguments after the command word.
    fn rest(&self) -> &'w [S] {
        self.words.get(1..).unwrap_or_default()
    }

    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.words, kind)
    }

    fn count_error(&self, expected: &'static str) -> DecodeError {
        self.error(DecodeErrorKind::ArgCount {
            command: self.command,
            expected,
            got: self.rest().len(),
        })
    }

    /// Exactly `N` arguments (more are ignored with
    /// [`DecodeOptions::ignore_extra_words`]).
    fn exact<const N: usize>(&self) -> Result<[&'w str; N], DecodeError> {
        let rest = self.rest();
        if rest.len() < N || (rest.len() > N && !self.options.ignore_extra_words) {
            return Err(self.count_error(count_text(N)));
        }
        Ok(std::array::from_fn(|i| {
            rest.get(i).map_or("", AsRef::as_ref)
        }))
    }

    /// An `int` argument (`%i` in NUT's format strings).
    fn int(&self, word: &str) -> Result<i32, DecodeError> {
        if self.options.c_integers {
            return Ok(wire::parse_c_int(word));
        }
        wire::parse_strict(word).ok_or_else(|| self.bad_integer(word))
    }

    /// A `long` argument (`%ld`).
    fn long(&self, word: &str) -> Result<i64, DecodeError> {
        if self.options.c_integers {
            return Ok(crate::cnum::strtol(word));
        }
        wire::parse_strict(word).ok_or_else(|| self.bad_integer(word))
    }

    fn bad_integer(&self, word: &str) -> DecodeError {
        self.error(DecodeErrorKind::BadInteger {
            command: self.command,
            word: wire::excerpt(word),
        })
    }

    fn expected_tracking(&self, found: &str) -> DecodeError {
        self.error(DecodeErrorKind::ExpectedTracking {
            command: self.command,
            found: wire::excerpt(found),
        })
    }
}

/// `n` as the `expected` text of [`DecodeErrorKind::ArgCount`].
fn count_text(n: usize) -> &'static str {
    match n {
        0 => "0",
        1 => "1",
        2 => "2",
        3 => "3",
        _ => "more",
    }
}

/// Whether `word` is the `TRACKING` keyword (NUT compares without case).
fn is_tracking_keyword(word: &str) -> bool {
    word.eq_ignore_ascii_case("TRACKING")
}

/// How decoding a line starts, on either side.
enum Start<'w, S> {
    /// A known command, with its arguments to check.
    Known(Args<'w, S>),
    /// A line NUT would not recognise: its words, to keep as they are.
    Unknown(Vec<String>),
}

/// Finds the command word of `words` in `commands` (without regard to
/// case, as NUT compares them).
///
/// # Errors
///
/// [`DecodeErrorKind::Empty`] for a line without words.
fn start<'w, S: AsRef<str>>(
    words: &'w [S],
    commands: &'static [&'static str],
    options: DecodeOptions,
) -> Result<Start<'w, S>, DecodeError> {
    let Some(first) = words.first() else {
        return Err(DecodeError::new(words, DecodeErrorKind::Empty));
    };
    let known = commands
        .iter()
        .find(|name| name.eq_ignore_ascii_case(first.as_ref()));
    Ok(match known {
        Some(command) => Start::Known(Args {
            words,
            command,
            options,
        }),
        None => Start::Unknown(owned_words(words)),
    })
}

/// The words of a line, owned.
fn owned_words<S: AsRef<str>>(words: &[S]) -> Vec<String> {
    words.iter().map(|w| w.as_ref().to_owned()).collect()
}

/// Gives a message type its public `decode` / `decode_with` / `encode`, its
/// [`WireMessage`] impl and its `Display` from two private methods:
/// `decode_args` (the arguments of a known command word) and `write_line`
/// (the line without its LF). A line starting with a word not in
/// `COMMAND_WORDS` decodes to the type's `Unknown` variant.
macro_rules! wire_message {
    ($message:ty) => {
        impl $message {
            /// Reads the words of one line strictly (see
            /// [`DecodeOptions::STRICT`]).
            ///
            /// # Errors
            ///
            /// An empty line, or a known command with the wrong arguments
            /// (their number, an integer, the `TRACKING` keyword).
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
                match start(words, Self::COMMAND_WORDS, options)? {
                    Start::Known(args) => Self::decode_args(&args),
                    Start::Unknown(words) => Ok(Self::Unknown { words }),
                }
            }

            /// Appends the line, LF included, byte-exact with NUT (see the
            /// type's docs and the [module docs](crate::sock) for how names
            /// and values are written).
            pub fn encode(&self, out: &mut Vec<u8>) {
                self.write_line(out);
                out.push(b'\n');
            }
        }

        impl WireMessage for $message {
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

        impl fmt::Display for $message {
            /// The line as `encode` writes it, without its LF.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut line = Vec::new();
                self.write_line(&mut line);
                f.write_str(&String::from_utf8_lossy(&line))
            }
        }
    };
}
use wire_message;

#[cfg(test)]
mod tests;
