//! Variable types as `GET TYPE` reports them: `[RW] [ENUM] [RANGE] STRING:<n>`
//! or `[RW] [ENUM] [RANGE] NUMBER`.

use std::fmt;

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

/// The type of a variable, as carried by a `TYPE` reply.
///
/// ```
/// use nut_proto::model::{ValueKind, VarType};
///
/// let t = VarType::parse_words(&["RW", "STRING:32"]);
/// assert!(t.writable);
/// assert_eq!(t.kind, ValueKind::String { max_len: 32 });
/// assert_eq!(t.to_string(), "RW STRING:32");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct VarType {
    /// `RW`: the variable can be set.
    pub writable: bool,
    /// `ENUM`: the driver published a list of allowed values.
    pub enumerated: bool,
    /// `RANGE`: the driver published allowed numeric ranges.
    pub range: bool,
    /// Text or number.
    pub kind: ValueKind,
    /// Words this crate does not know, kept in order (a newer server's types).
    pub unknown: Vec<String>,
}

impl VarType {
    /// A type with the given flags and kind.
    pub fn new(writable: bool, enumerated: bool, range: bool, kind: ValueKind) -> Self {
        Self {
            writable,
            enumerated,
            range,
            kind,
            unknown: Vec::new(),
        }
    }

    /// Reads the words after `TYPE <ups> <var>`. Never fails: a `STRING:`
    /// without a valid length reads as length 0 (upsd's own default), and
    /// unknown words are kept in [`Self::unknown`]. With neither `STRING`
    /// nor `NUMBER` the kind is [`ValueKind::Number`], as upsd defaults.
    pub fn parse_words<S: AsRef<str>>(words: &[S]) -> Self {
        let mut t = Self::new(false, false, false, ValueKind::Number);
        for word in words.iter().map(AsRef::as_ref) {
            match word {
                "RW" => t.writable = true,
                "ENUM" => t.enumerated = true,
                "RANGE" => t.range = true,
                "NUMBER" => t.kind = ValueKind::Number,
                "STRING" => t.kind = ValueKind::String { max_len: 0 },
                w => match w.strip_prefix("STRING:") {
                    Some(len) => {
                        t.kind = ValueKind::String {
                            max_len: len.parse().unwrap_or(0),
                        }
                    }
                    None => t.unknown.push(w.to_owned()),
                },
            }
        }
        t
    }
}

impl fmt::Display for VarType {
    /// Writes the words in upsd's order: `RW ENUM RANGE` then the kind, then
    /// any unknown words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (set, word) in [
            (self.writable, "RW "),
            (self.enumerated, "ENUM "),
            (self.range, "RANGE "),
        ] {
            if set {
                f.write_str(word)?;
            }
        }
        match self.kind {
            ValueKind::String { max_len } => write!(f, "STRING:{max_len}")?,
            ValueKind::Number => f.write_str("NUMBER")?,
        }
        for word in &self.unknown {
            write!(f, " {word}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_upsd_examples() {
        let t = VarType::parse_words(&["RW", "ENUM", "NUMBER"]);
        assert_eq!(t, VarType::new(true, true, false, ValueKind::Number));
        assert_eq!(t.to_string(), "RW ENUM NUMBER");
        let t = VarType::parse_words(&["RW", "RANGE", "NUMBER"]);
        assert_eq!(t.to_string(), "RW RANGE NUMBER");
        assert_eq!(VarType::parse_words::<&str>(&[]).to_string(), "NUMBER");
    }

    #[test]
    fn keeps_unknown_words_and_bad_lengths() {
        let t = VarType::parse_words(&["STRING:x", "FUTURE"]);
        assert_eq!(t.kind, ValueKind::String { max_len: 0 });
        assert_eq!(t.unknown, ["FUTURE"]);
        assert_eq!(t.to_string(), "STRING:0 FUTURE");
    }
}
