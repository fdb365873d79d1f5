//! Variable flags: `RW`, `STRING`, `NUMBER`, and the internal `IMMUTABLE`.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// A set of variable flags.
///
/// `RW`, `STRING` and `NUMBER` travel on the driver socket (`SETFLAGS`);
/// `IMMUTABLE` marks `override.*` values a driver may not change and is
/// never sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u8);

impl Flags {
    /// No flags.
    pub const NONE: Self = Self(0);
    /// Writable with `SET VAR`.
    pub const RW: Self = Self(1);
    /// A string (its maximum length is the aux value).
    pub const STRING: Self = Self(2);
    /// Set by `override.*`: the value can no longer change.
    pub const IMMUTABLE: Self = Self(4);
    /// A number.
    pub const NUMBER: Self = Self(8);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// These flags without those of `other`.
    pub fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Reads `SETFLAGS` words: `RW`, `STRING`, `NUMBER` in any case; other
    /// words are ignored, as NUT does.
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Self {
        words.iter().fold(Self::NONE, |flags, word| {
            let word = word.as_ref();
            if word.eq_ignore_ascii_case("RW") {
                flags | Self::RW
            } else if word.eq_ignore_ascii_case("STRING") {
                flags | Self::STRING
            } else if word.eq_ignore_ascii_case("NUMBER") {
                flags | Self::NUMBER
            } else {
                flags
            }
        })
    }

    /// The words NUT writes after `SETFLAGS <var>`, in its order
    /// (`RW`, `STRING`, `NUMBER`); `IMMUTABLE` has none.
    pub fn words(self) -> impl Iterator<Item = &'static str> {
        [
            (Self::RW, "RW"),
            (Self::STRING, "STRING"),
            (Self::NUMBER, "NUMBER"),
        ]
        .into_iter()
        .filter(move |(flag, _)| self.contains(*flag))
        .map(|(_, word)| word)
    }
}

impl BitOr for Flags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_set();
        for word in self.words() {
            list.entry(&word);
        }
        if self.contains(Self::IMMUTABLE) {
            list.entry(&"IMMUTABLE");
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_in_nuts_order() {
        let all = Flags::NUMBER | Flags::STRING | Flags::RW | Flags::IMMUTABLE;
        assert_eq!(all.words().collect::<Vec<_>>(), ["RW", "STRING", "NUMBER"]);
        assert_eq!(Flags::IMMUTABLE.words().count(), 0);
    }

    #[test]
    fn from_words_ignores_case_and_unknown_words() {
        let flags = Flags::from_words(&["rw", "String", "BOGUS"]);
        assert_eq!(flags, Flags::RW | Flags::STRING);
        assert!(Flags::from_words::<&str>(&[]).is_empty());
    }

    #[test]
    fn without_removes_only_the_given_flags() {
        let flags = (Flags::RW | Flags::NUMBER).without(Flags::RW);
        assert_eq!(flags, Flags::NUMBER);
        assert!(!flags.contains(Flags::RW));
        assert_eq!(format!("{flags:?}"), "{\"NUMBER\"}");
    }
}
