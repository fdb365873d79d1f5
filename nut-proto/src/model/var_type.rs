//! Variable types as `GET TYPE` reports them: `[RW] [ENUM] [RANGE] STRING:<n>`
//! or `[RW] [ENUM] [RANGE] NUMBER`.

use std::fmt;

use crate::cnum::strtol;

/// Whether a variable holds text (with its maximum length) or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// `STRING:<n>`: text of at most `max_len` bytes (driver `SETAUX`).
    String {
        /// Maximum length in bytes.
        max_len: u32,
    },
    /// `NUMBER`: upsd's answer for anything not flagged STRING.
    Number,
}

/// One word of a `TYPE` reply, recognised as NUT's upsrw does: without
/// regard to case, `STRING:` followed by a length read with C's `strtol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TypeWord<'a> {
    /// `RW`: the variable can be set.
    Rw,
    /// `ENUM`: the driver published a list of allowed values.
    Enum,
    /// `RANGE`: the driver published allowed numeric ranges.
    Range,
    /// `STRING:<n>`.
    String {
        /// The length as `strtol` reads it (so possibly 0 or negative).
        max_len: i64,
    },
    /// `NUMBER`.
    Number,
    /// Any other word, verbatim (a newer server's type, or a bare `STRING`,
    /// which upsd never sends).
    Other(&'a str),
}

impl<'a> TypeWord<'a> {
    /// Recognises one word.
    pub fn parse(word: &'a str) -> Self {
        let is = |name: &str| word.eq_ignore_ascii_case(name);
        if is("RW") {
            Self::Rw
        } else if is("ENUM") {
            Self::Enum
        } else if is("RANGE") {
            Self::Range
        } else if is("NUMBER") {
            Self::Number
        } else {
            match word.split_at_checked("STRING:".len()) {
                Some((prefix, len)) if prefix.eq_ignore_ascii_case("STRING:") => Self::String {
                    max_len: strtol(len),
                },
                _ => Self::Other(word),
            }
        }
    }
}

/// The type of a variable, as carried by a `TYPE` reply.
///
/// The words are kept as the server sent them, in its order, so that a
/// client can follow them the way NUT's upsrw does ([`VarType::words`],
/// [`VarType::type_words`]); the accessors give the meaning upsd puts in
/// them. upsd itself always sends `[RW] [ENUM] [RANGE]` then the kind,
/// which is what [`VarType::new`] builds.
///
/// ```
/// use nut_proto::model::{TypeWord, ValueKind, VarType};
///
/// let t = VarType::parse_words(&["RW", "STRING:32"]);
/// assert!(t.is_writable());
/// assert_eq!(t.kind(), ValueKind::String { max_len: 32 });
/// assert_eq!(t.to_string(), "RW STRING:32");
/// assert_eq!(t, VarType::new(true, false, false, ValueKind::String { max_len: 32 }));
///
/// // A server's odd order is kept.
/// let t = VarType::parse_words(&["NUMBER", "RANGE"]);
/// assert_eq!(t.type_words().next(), Some(TypeWord::Number));
/// assert!(t.has_range());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarType {
    words: Vec<String>,
}

impl VarType {
    /// The type upsd reports for these flags and kind, in upsd's order:
    /// `RW ENUM RANGE` as they apply, then `STRING:<n>` or `NUMBER`.
    pub fn new(writable: bool, enumerated: bool, range: bool, kind: ValueKind) -> Self {
        let mut words: Vec<String> = [(writable, "RW"), (enumerated, "ENUM"), (range, "RANGE")]
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, word)| word.to_owned())
            .collect();
        words.push(match kind {
            ValueKind::String { max_len } => format!("STRING:{max_len}"),
            ValueKind::Number => "NUMBER".to_owned(),
        });
        Self { words }
    }

    /// Takes the words after `TYPE <ups> <var>` as they came. Never fails:
    /// what a word means is decided when it is read.
    pub fn parse_words<S: AsRef<str>>(words: &[S]) -> Self {
        Self {
            words: words.iter().map(|w| w.as_ref().to_owned()).collect(),
        }
    }

    /// The words, as sent.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words, recognised, in the order sent.
    pub fn type_words(&self) -> impl Iterator<Item = TypeWord<'_>> {
        self.words.iter().map(|word| TypeWord::parse(word))
    }

    /// `RW`: the variable can be set.
    pub fn is_writable(&self) -> bool {
        self.type_words().any(|w| w == TypeWord::Rw)
    }

    /// `ENUM`: the driver published a list of allowed values.
    pub fn is_enumerated(&self) -> bool {
        self.type_words().any(|w| w == TypeWord::Enum)
    }

    /// `RANGE`: the driver published allowed numeric ranges.
    pub fn has_range(&self) -> bool {
        self.type_words().any(|w| w == TypeWord::Range)
    }

    /// Text or number: the last `STRING:<n>` or `NUMBER` word;
    /// [`ValueKind::Number`] when there is none, as upsd defaults. A length
    /// outside `u32` reads as 0, upsd's own default.
    pub fn kind(&self) -> ValueKind {
        self.type_words()
            .filter_map(|word| match word {
                TypeWord::String { max_len } => Some(ValueKind::String {
                    max_len: u32::try_from(max_len).unwrap_or(0),
                }),
                TypeWord::Number => Some(ValueKind::Number),
                _ => None,
            })
            .last()
            .unwrap_or(ValueKind::Number)
    }

    /// Words this crate does not know, in order (a newer server's types).
    pub fn unknown_words(&self) -> impl Iterator<Item = &str> {
        self.type_words().filter_map(|word| match word {
            TypeWord::Other(word) => Some(word),
            _ => None,
        })
    }
}

impl fmt::Display for VarType {
    /// The words as sent, separated by spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_upsd_examples() {
        let t = VarType::parse_words(&["RW", "ENUM", "NUMBER"]);
        assert_eq!(t, VarType::new(true, true, false, ValueKind::Number));
        assert!(t.is_writable() && t.is_enumerated() && !t.has_range());
        assert_eq!(t.to_string(), "RW ENUM NUMBER");
        let t = VarType::parse_words(&["RW", "RANGE", "NUMBER"]);
        assert_eq!(t, VarType::new(true, false, true, ValueKind::Number));
        assert_eq!(
            VarType::new(false, false, false, ValueKind::String { max_len: 0 }).to_string(),
            "STRING:0"
        );
    }

    #[test]
    fn no_kind_word_means_number() {
        let t = VarType::parse_words::<&str>(&[]);
        assert_eq!(t.kind(), ValueKind::Number);
        assert_eq!(t.to_string(), "");
        assert_eq!(VarType::parse_words(&["RW"]).kind(), ValueKind::Number);
    }

    #[test]
    fn words_keep_their_order_and_case() {
        let t = VarType::parse_words(&["rw", "FANCY", "number", "RANGE"]);
        assert_eq!(t.words(), ["rw", "FANCY", "number", "RANGE"]);
        assert_eq!(
            t.type_words().collect::<Vec<_>>(),
            [
                TypeWord::Rw,
                TypeWord::Other("FANCY"),
                TypeWord::Number,
                TypeWord::Range
            ]
        );
        assert_eq!(t.to_string(), "rw FANCY number RANGE");
        assert!(t.is_writable() && t.has_range());
        assert_eq!(t.unknown_words().collect::<Vec<_>>(), ["FANCY"]);
    }

    #[test]
    fn string_lengths_read_like_strtol() {
        for (word, parsed, kind_len) in [
            ("STRING:32", 32, 32),
            ("string:7x", 7, 7),
            ("STRING:x", 0, 0),
            ("STRING:", 0, 0),
            ("STRING:-5", -5, 0),
            ("STRING:4294967295", 4_294_967_295, u32::MAX),
            ("STRING:4294967296", 4_294_967_296, 0),
        ] {
            assert_eq!(
                TypeWord::parse(word),
                TypeWord::String { max_len: parsed },
                "{word}"
            );
            let t = VarType::parse_words(&[word]);
            assert_eq!(t.kind(), ValueKind::String { max_len: kind_len }, "{word}");
        }
        // Without its length, `STRING` is not a type word.
        assert_eq!(TypeWord::parse("STRING"), TypeWord::Other("STRING"));
        assert_eq!(TypeWord::parse("STRINGY"), TypeWord::Other("STRINGY"));
    }

    #[test]
    fn the_last_kind_word_wins() {
        let t = VarType::parse_words(&["STRING:5", "NUMBER"]);
        assert_eq!(t.kind(), ValueKind::Number);
        let t = VarType::parse_words(&["NUMBER", "STRING:5"]);
        assert_eq!(t.kind(), ValueKind::String { max_len: 5 });
    }
}
