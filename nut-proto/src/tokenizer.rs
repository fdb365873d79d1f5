//! NUT's one grammar: the `parseconf` tokenizer shared by every config file,
//! the network protocol and the driver socket.
//!
//! The grammar, as NUT's C code implements it:
//!
//! * words are split on ASCII white space (space, TAB, CR, VT, FF); LF ends a
//!   physical line;
//! * `"..."` groups a word that may hold spaces; inside quotes `\x` is a
//!   literal `x`, and an open quote runs across newlines;
//! * outside quotes `\x` is a literal `x`; a `\` before LF joins the next line;
//! * `#` outside quotes starts a comment; `#` inside quotes is an error
//!   (NUT: "Unbalanced word due to unescaped # in quotes") and the rest of
//!   that line is skipped;
//! * an unquoted `=` is always a word of its own (`a=b` is `a`, `=`, `b`);
//! * a `"` in the middle of an unquoted word is an ordinary character;
//! * bytes outside `0x20..=0x7F` are dropped (NUT's CVE-2012-2944 fix), so
//!   words are always ASCII;
//! * at most [`MAX_WORDS`] words per line and [`MAX_WORD_LEN`] bytes per word;
//!   the excess is dropped, not rejected.
//!
//! [`Tokenizer`] is a byte-at-a-time state machine: feeding a stream whole, in
//! lines or byte by byte yields the same [`Line`]s. [`encode`] and [`quote`]
//! produce values the tokenizer reads back unchanged.
//!
//! ```
//! use nut_proto::tokenizer::{split_line, quote};
//!
//! let words = split_line(r#"SET VAR ups ups.id "Rack \"A\"""#)?;
//! assert_eq!(words, ["SET", "VAR", "ups", "ups.id", r#"Rack "A""#]);
//! assert_eq!(quote(r#"Rack "A""#), r#""Rack \"A\"""#);
//! # Ok::<(), nut_proto::tokenizer::ParseError>(())
//! ```

use std::borrow::Cow;
use std::fmt;

/// Most words NUT keeps from one line; later words are dropped.
pub const MAX_WORDS: usize = 32;

/// Most bytes NUT keeps in one word; later bytes are dropped.
pub const MAX_WORD_LEN: usize = 512;

/// Bounds applied while tokenizing.
///
/// The defaults are NUT's. `max_line_len` has no NUT equivalent (NUT reads
/// lines of any length); servers set it so that a peer cannot make them
/// buffer without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Words kept per line (NUT: 32).
    pub max_words: usize,
    /// Bytes kept per word (NUT: 512).
    pub max_word_len: usize,
    /// Bytes allowed in one logical line before [`ParseErrorKind::LineTooLong`].
    pub max_line_len: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_words: MAX_WORDS,
            max_word_len: MAX_WORD_LEN,
            max_line_len: None,
        }
    }
}

/// One logical line: the words of a command or config statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    /// 1-based number of the physical line where this logical line started.
    pub number: u32,
    /// The words, unquoted and unescaped. Empty for blank and comment lines.
    pub words: Vec<String>,
}

/// What went wrong in a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A `#` inside double quotes; NUT requires `\#` there.
    HashInQuotes,
    /// The input ended inside double quotes.
    UnterminatedQuote,
    /// The line grew past [`Limits::max_line_len`].
    LineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HashInQuotes => f.write_str("Unbalanced word due to unescaped # in quotes"),
            Self::UnterminatedQuote => f.write_str("Unbalanced quotes at end of input"),
            Self::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
        }
    }
}

/// A line that could not be tokenized, with where it went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ParseError {
    /// 1-based physical line of the offending byte.
    pub line: u32,
    /// 1-based byte column of the offending byte.
    pub column: u32,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

/// Tokenizer states, named after NUT's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between words.
    FindWordStart,
    /// In a comment, or skipping the rest of a bad line.
    FindEol,
    /// Inside `"..."`.
    QuoteCollect,
    /// After `\` inside quotes.
    QuoteLiteral,
    /// Inside an unquoted word.
    Collect,
    /// After `\` outside quotes.
    CollectLiteral,
}

/// Streaming tokenizer: push bytes, get [`Line`]s (or [`ParseError`]s).
///
/// Each logical line yields exactly one item: `Ok(Line)` or one `Err`. After
/// an error the rest of that line is skipped and the next line starts clean.
///
/// ```
/// use nut_proto::tokenizer::Tokenizer;
///
/// let mut tok = Tokenizer::new();
/// let lines: Vec<_> = tok.feed(b"VER\nGET VAR ups ups.st").collect();
/// assert_eq!(lines.len(), 1);
/// let rest: Vec<_> = tok.feed(b"atus\n").collect();
/// assert_eq!(rest[0].as_ref().unwrap().words, ["GET", "VAR", "ups", "ups.status"]);
/// ```
#[derive(Debug, Clone)]
pub struct Tokenizer {
    limits: Limits,
    state: State,
    word: String,
    words: Vec<String>,
    /// Whether a word is open (an empty `""` is still a word).
    in_word: bool,
    /// Current physical line and column of the next byte (1-based).
    line: u32,
    column: u32,
    /// Physical line where the current logical line began.
    line_start: u32,
    /// Bytes seen in the current logical line.
    line_len: usize,
    /// The current line already reported an error and is being skipped.
    failed: bool,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// A tokenizer with NUT's limits.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A tokenizer with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            state: State::FindWordStart,
            word: String::new(),
            words: Vec::new(),
            in_word: false,
            line: 1,
            column: 1,
            line_start: 1,
            line_len: 0,
            failed: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether a partial line is buffered (bytes seen since the last line ended).
    pub fn has_partial_line(&self) -> bool {
        self.line_len > 0
    }

    /// Feeds bytes and iterates over the lines they complete.
    ///
    /// Bytes after the last LF stay buffered for the next call.
    pub fn feed<'a>(
        &'a mut self,
        bytes: &'a [u8],
    ) -> impl Iterator<Item = Result<Line, ParseError>> + 'a {
        bytes.iter().filter_map(move |&b| self.push(b))
    }

    /// Feeds one byte; returns a line (or error) when this byte completes one.
    pub fn push(&mut self, byte: u8) -> Option<Result<Line, ParseError>> {
        let (line, column) = (self.line, self.column);
        if byte == b'\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        self.line_len += 1;
        // The terminating LF does not count against the limit, so that a
        // failed line still ends (and resets) on it.
        if let Some(limit) = self.limits.max_line_len
            && byte != b'\n'
            && self.line_len > limit
            && !self.failed
        {
            return Some(Err(self.fail(
                line,
                column,
                ParseErrorKind::LineTooLong { limit },
            )));
        }
        self.step(byte, line, column)
    }

    /// Ends the input: a last line without LF is returned, as NUT does for
    /// files. An open quote is an [`ParseErrorKind::UnterminatedQuote`] error.
    ///
    /// Sockets should not call this: NUT ignores a final line without LF there.
    pub fn finish(&mut self) -> Option<Result<Line, ParseError>> {
        let result = match self.state {
            State::QuoteCollect | State::QuoteLiteral if !self.failed => Some(Err(ParseError {
                line: self.line,
                column: self.column,
                kind: ParseErrorKind::UnterminatedQuote,
            })),
            _ if self.failed || self.line_len == 0 => None,
            _ => {
                self.end_word();
                Some(Ok(self.take_line()))
            }
        };
        self.reset_line();
        result
    }

    fn step(&mut self, byte: u8, line: u32, column: u32) -> Option<Result<Line, ParseError>> {
        match self.state {
            State::FindWordStart => match byte {
                b'\n' => return self.end_line(),
                b'#' => self.state = State::FindEol,
                b'\\' => {
                    self.in_word = true;
                    self.state = State::CollectLiteral;
                }
                b'"' => {
                    self.in_word = true;
                    self.state = State::QuoteCollect;
                }
                b'=' => self.push_equals(),
                b if is_space(b) => {}
                b => {
                    self.in_word = true;
                    self.add(b);
                    self.state = State::Collect;
                }
            },
            State::FindEol => {
                if byte == b'\n' {
                    return self.end_line();
                }
            }
            State::QuoteCollect => match byte {
                b'#' => {
                    if !self.failed {
                        return Some(Err(self.fail(line, column, ParseErrorKind::HashInQuotes)));
                    }
                }
                b'"' => {
                    self.end_word();
                    self.state = State::FindWordStart;
                }
                b'\\' => self.state = State::QuoteLiteral,
                b => self.add(b),
            },
            State::QuoteLiteral => {
                self.add(byte);
                self.state = State::QuoteCollect;
            }
            State::Collect => match byte {
                b'#' => {
                    self.end_word();
                    self.state = State::FindEol;
                }
                b'\n' => {
                    self.end_word();
                    return self.end_line();
                }
                b'\\' => self.state = State::CollectLiteral,
                b'=' => {
                    self.end_word();
                    self.push_equals();
                    self.state = State::FindWordStart;
                }
                b if is_space(b) => {
                    self.end_word();
                    self.state = State::FindWordStart;
                }
                b => self.add(b),
            },
            State::CollectLiteral => {
                // `\` LF continues the line: LF is not a kept byte, so it
                // simply vanishes from the word.
                self.add(byte);
                self.state = State::Collect;
            }
        }
        None
    }

    /// Marks the current line failed and skips to its end.
    fn fail(&mut self, line: u32, column: u32, kind: ParseErrorKind) -> ParseError {
        self.failed = true;
        self.state = State::FindEol;
        self.word.clear();
        self.in_word = false;
        ParseError { line, column, kind }
    }

    fn add(&mut self, byte: u8) {
        // NUT keeps only 0x20..=0x7F; everything else is dropped silently.
        if (0x20..=0x7f).contains(&byte) && self.word.len() < self.limits.max_word_len {
            self.word.push(char::from(byte));
        }
    }

    fn push_equals(&mut self) {
        self.in_word = true;
        self.add(b'=');
        self.end_word();
    }

    fn end_word(&mut self) {
        if !self.in_word {
            return;
        }
        self.in_word = false;
        let word = std::mem::take(&mut self.word);
        if self.words.len() < self.limits.max_words {
            self.words.push(word);
        }
    }

    fn end_line(&mut self) -> Option<Result<Line, ParseError>> {
        let result = if self.failed {
            None
        } else {
            Some(Ok(self.take_line()))
        };
        self.reset_line();
        result
    }

    fn take_line(&mut self) -> Line {
        Line {
            number: self.line_start,
            words: std::mem::take(&mut self.words),
        }
    }

    fn reset_line(&mut self) {
        self.state = State::FindWordStart;
        self.word.clear();
        self.words.clear();
        self.in_word = false;
        self.failed = false;
        self.line_len = 0;
        self.line_start = self.line;
    }
}

/// NUT's `isspace` in the C locale, less LF (which ends lines).
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

/// Tokenizes one line of text (no LF needed) into its words.
///
/// # Errors
///
/// A `#` inside quotes or an unterminated quote.
pub fn split_line(text: &str) -> Result<Vec<String>, ParseError> {
    let mut tok = Tokenizer::new();
    let mut first = None;
    for item in tok.feed(text.as_bytes()) {
        first.get_or_insert(item);
    }
    let item = first.or_else(|| tok.finish());
    match item {
        Some(Ok(line)) => Ok(line.words),
        Some(Err(e)) => Err(e),
        None => Ok(Vec::new()),
    }
}

/// Tokenizes a whole file's text into its non-empty lines.
///
/// Blank and comment-only lines are skipped; each error is returned in order
/// with the others, so a caller can report the first and stop, as NUT does.
pub fn split_text(text: &[u8]) -> Vec<Result<Line, ParseError>> {
    let mut tok = Tokenizer::new();
    let mut out: Vec<_> = tok.feed(text).collect();
    out.extend(tok.finish());
    out.retain(|item| !matches!(item, Ok(line) if line.words.is_empty()));
    out
}

/// Escapes `"`, `\` and `#` with a backslash, as NUT's `pconf_encode`.
///
/// Borrows when nothing needs escaping.
pub fn encode(value: &str) -> Cow<'_, str> {
    if !value.bytes().any(needs_escape) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 4);
    encode_into(value, &mut out);
    Cow::Owned(out)
}

/// Appends the escaped form of `value` to `out` (see [`encode`]).
pub fn encode_into(value: &str, out: &mut String) {
    for c in value.chars() {
        if c.is_ascii() && needs_escape(c as u8) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Quotes and escapes a value: `a "b"` becomes `"a \"b\""`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    encode_into(value, &mut out);
    out.push('"');
    out
}

/// Whether a bare word survives tokenizing unchanged, so it needs no quotes.
pub fn is_bare_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| (0x21..=0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'#' | b'='))
}

fn needs_escape(byte: u8) -> bool {
    matches!(byte, b'"' | b'\\' | b'#')
}

#[cfg(test)]
mod tests;
