//! dummy-ups definition files (`.dev` dumps, `.seq` sequences).
//!
//! The format is `upsc` output read with the parseconf tokenizer. Each line
//! is read the way dummy-ups 2.8.0 reads it (checked against the real
//! driver):
//!
//! * a first word starting with `TIMER` (case-sensitive) pauses the file for
//!   `atoi(<second word>)` seconds;
//! * otherwise the first word up to its first `:` is the variable name, so
//!   `var:value` without a space names `var` and has no value;
//! * names starting with `driver.` (case-sensitive) are skipped;
//! * names starting with `ups.status` set the status, one token per word;
//! * other names take the remaining words joined by single spaces, cut to
//!   127 bytes; a line with no value word re-uses the previous line's value
//!   (a dummy-ups quirk, see [`EntryKind::Variable`]); an empty value
//!   (`var: ""`) deletes the variable.
//!
//! Lines the tokenizer rejects are skipped, as dummy-ups does, and listed in
//! [`Definition::diagnostics`]. Comments are ignored, except the nut-ddl
//! annotations `#RW:<var>:<type>` and `#CMD:<cmd>`, collected in
//! [`Definition::annotations`] for tools (dummy-ups itself ignores them).

use nut_proto::tokenizer::{Line, ParseError, Tokenizer};

use crate::error::Error;

/// Largest definition file accepted, in bytes.
pub const MAX_DEFINITION_BYTES: usize = 16 * 1024 * 1024;

/// dummy-ups joins value words into a 128-byte buffer: at most 127 bytes.
pub const MAX_JOINED_VALUE_LEN: usize = 127;

/// A parsed definition file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Definition {
    /// The meaningful lines, in file order.
    pub entries: Vec<Entry>,
    /// nut-ddl `#RW:` / `#CMD:` annotations.
    pub annotations: Annotations,
    /// Lines dummy-ups skips, and why.
    pub diagnostics: Vec<Diagnostic>,
}

/// One meaningful line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: u32,
    /// What the line does.
    pub kind: EntryKind,
}

/// What a line does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    /// `TIMER <seconds>`: pause reading (C `atoi`: `5s` is 5, junk is 0,
    /// negative is allowed and means "no pause").
    Timer {
        /// Seconds to wait.
        seconds: i32,
    },
    /// A name starting with `ups.status`: set the status from these tokens.
    Status {
        /// The name as written (`ups.status`, or any longer name).
        name: String,
        /// Status tokens, one per word (may be empty).
        tokens: Vec<String>,
    },
    /// Any other variable.
    Variable {
        /// Variable name (cut at the first `:`).
        name: String,
        /// The joined value; `None` for a line with no value word, which
        /// re-uses the previous variable line's value in dummy-ups.
        value: Option<String>,
    },
    /// A `driver.*` line, which dummy-ups skips.
    Driver {
        /// The name as written.
        name: String,
    },
}

/// A skipped line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: u32,
    /// Why it was skipped.
    pub message: String,
}

/// nut-ddl annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// `#RW:<var>:<type>` lines: the variable was writable on the device.
    pub rw: Vec<RwAnnotation>,
    /// `#CMD:<cmd>` lines: the device offered this instant command.
    pub commands: Vec<CommandAnnotation>,
}

/// One `#RW:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RwAnnotation {
    /// 1-based line number.
    pub line: u32,
    /// The variable.
    pub name: String,
    /// Its type.
    pub kind: RwKind,
}

/// The type part of a `#RW:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RwKind {
    /// `STRING` or `STRING:<max length>`.
    String {
        /// The length, when given.
        max_len: Option<u32>,
    },
    /// `ENUM:"<value>"`: one allowed value (one line per value).
    Enum(String),
    /// `RANGE:"<min>" "<max>"`.
    Range {
        /// Lowest value, as written.
        min: String,
        /// Highest value, as written.
        max: String,
    },
    /// `NUMBER`.
    Number,
    /// Anything else, as written.
    Other(String),
}

/// One `#CMD:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandAnnotation {
    /// 1-based line number.
    pub line: u32,
    /// The command.
    pub name: String,
}

impl Definition {
    /// Parses a definition file.
    ///
    /// # Errors
    ///
    /// Only [`Error::TooLarge`] past [`MAX_DEFINITION_BYTES`]; bad lines are
    /// skipped into [`Definition::diagnostics`].
    ///
    /// ```
    /// use nut_server::dummy::definition::{Definition, EntryKind};
    ///
    /// let def = Definition::parse("x.seq".as_ref(), b"ups.status: OB LB\nTIMER 60\nups.load:  \"4 2\"\n")?;
    /// assert_eq!(def.entries[1].kind, EntryKind::Timer { seconds: 60 });
    /// assert_eq!(def.entries[2].kind, EntryKind::Variable { name: "ups.load".into(), value: Some("4 2".into()) });
    /// # Ok::<(), nut_server::Error>(())
    /// ```
    pub fn parse(path: &std::path::Path, text: &[u8]) -> Result<Self, Error> {
        if text.len() > MAX_DEFINITION_BYTES {
            return Err(Error::TooLarge {
                path: path.to_owned(),
                limit: MAX_DEFINITION_BYTES,
            });
        }
        let mut def = Self {
            annotations: Annotations::parse(text),
            ..Self::default()
        };
        let mut tokenizer = Tokenizer::new();
        let mut lines: Vec<Result<Line, ParseError>> = tokenizer.feed(text).collect();
        lines.extend(tokenizer.finish());
        for item in lines {
            match item {
                Ok(line) => def.add_line(line),
                Err(e) => def.diagnostics.push(Diagnostic {
                    line: e.line,
                    message: format!("Parse error: {}", e.kind),
                }),
            }
        }
        Ok(def)
    }

    fn add_line(&mut self, line: Line) {
        let mut words = line.words.into_iter();
        let Some(first) = words.next() else {
            return;
        };
        let kind = if first.starts_with("TIMER") {
            let seconds = match words.next() {
                Some(arg) => c_atoi(&arg),
                None => {
                    self.diagnostics.push(Diagnostic {
                        line: line.number,
                        message: "TIMER without a delay, read as 0".to_owned(),
                    });
                    0
                }
            };
            EntryKind::Timer { seconds }
        } else {
            let name = match first.split_once(':') {
                Some((name, _)) => name.to_owned(),
                None => first,
            };
            if name.is_empty() {
                self.diagnostics.push(Diagnostic {
                    line: line.number,
                    message: "empty variable name".to_owned(),
                });
                return;
            }
            if name.starts_with("driver.") {
                EntryKind::Driver { name }
            } else if name.starts_with("ups.status") {
                EntryKind::Status {
                    name,
                    tokens: words.collect(),
                }
            } else {
                let words: Vec<String> = words.collect();
                let value = (!words.is_empty()).then(|| {
                    let joined = words.join(" ");
                    crate::state::truncate(&joined, MAX_JOINED_VALUE_LEN).to_owned()
                });
                EntryKind::Variable { name, value }
            }
        };
        self.entries.push(Entry {
            line: line.number,
            kind,
        });
    }

    /// Number of variable and status lines (what a dump holds).
    pub fn variable_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EntryKind::Variable { .. } | EntryKind::Status { .. }
                )
            })
            .count()
    }
}

/// C's `atoi` for an `int`, saturating at the `int` limits where glibc's
/// `(int)strtol` would wrap (the TIMER tests pin the saturation).
fn c_atoi(text: &str) -> i32 {
    let wide = nut_proto::cnum::atol(text).clamp(i32::MIN.into(), i32::MAX.into());
    i32::try_from(wide).unwrap_or_default()
}

impl Annotations {
    /// Collects `#RW:` and `#CMD:` lines (leading blanks allowed; a trailing
    /// `# remark` after white space is dropped).
    pub fn parse(text: &[u8]) -> Self {
        let mut out = Self::default();
        for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let Ok(raw) = std::str::from_utf8(raw) else {
                continue;
            };
            let raw = raw.trim_start();
            if let Some(rest) = raw.strip_prefix("#RW:") {
                if let Some((name, kind)) = parse_rw(rest) {
                    out.rw.push(RwAnnotation { line, name, kind });
                }
            } else if let Some(rest) = raw.strip_prefix("#CMD:") {
                let name = strip_remark(rest);
                if !name.is_empty() {
                    out.commands.push(CommandAnnotation {
                        line,
                        name: name.to_owned(),
                    });
                }
            }
        }
        out
    }
}

/// Drops a trailing `<blank># remark` and surrounding blanks.
fn strip_remark(text: &str) -> &str {
    let mut cut = text.len();
    let bytes = text.as_bytes();
    for (i, w) in bytes.windows(2).enumerate() {
        if (w[0] == b' ' || w[0] == b'\t') && w[1] == b'#' {
            cut = i;
            break;
        }
    }
    text[..cut].trim()
}

fn parse_rw(rest: &str) -> Option<(String, RwKind)> {
    let rest = strip_remark(rest);
    let (name, spec) = rest.split_once(':')?;
    if name.is_empty() {
        return None;
    }
    let (ty, arg) = spec.split_once(':').unwrap_or((spec, ""));
    let kind = match ty {
        "STRING" => RwKind::String {
            max_len: arg.parse().ok(),
        },
        "NUMBER" => RwKind::Number,
        "ENUM" => RwKind::Enum(unquote_all(arg).into_iter().next().unwrap_or_default()),
        "RANGE" => {
            let mut bounds = unquote_all(arg).into_iter();
            RwKind::Range {
                min: bounds.next().unwrap_or_default(),
                max: bounds.next().unwrap_or_default(),
            }
        }
        _ => RwKind::Other(spec.to_owned()),
    };
    Some((name.to_owned(), kind))
}

/// The `"..."` groups of `text` (or its bare words when unquoted).
fn unquote_all(text: &str) -> Vec<String> {
    nut_proto::tokenizer::split_line(text).unwrap_or_default()
}

#[cfg(test)]
mod tests;
