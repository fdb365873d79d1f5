//! NUT's configuration files as upsd and the drivers read them.
//!
//! Each parser is sans-IO: it takes the file's bytes plus the path to name in
//! messages, and returns typed values or an [`Error`] naming file and line.
//! The `load` functions are thin wrappers that read the file first.
//!
//! Two kinds of trouble are told apart, as NUT does:
//!
//! * **errors** stop the parse: a line the tokenizer rejects (NUT logs those
//!   and goes on; we refuse, so that start-up stops with file and line), a
//!   value that must be a number and is not, an empty `[]` section;
//! * **warnings** are what NUT logs and then ignores (an unknown `upsd.conf`
//!   directive, a duplicate password...). They are returned with the parsed
//!   value, carrying NUT's exact message, for the caller to log.

use std::fmt;
use std::path::{Path, PathBuf};

use nut_proto::tokenizer::{self, Line};

use crate::error::{Error, Problem, quoted};

pub mod listen_unix;
pub mod nut_conf;
pub mod ups_conf;
pub mod upsd_conf;
pub mod users;

pub use nut_conf::NutConf;
pub use ups_conf::UpsConf;
pub use upsd_conf::UpsdConf;
pub use users::Users;

/// Largest configuration file the parsers accept, in bytes.
pub const MAX_CONFIG_BYTES: usize = 4 * 1024 * 1024;

/// Something NUT logs about a configuration line and then ignores.
///
/// `Display` prints NUT's message alone (as NUT logs it); [`Warning::line`]
/// says where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number (0 when the warning concerns the whole file).
    pub line: u32,
    /// The message, in NUT's words where NUT has some.
    pub message: String,
}

impl Warning {
    pub(crate) fn new(path: &Path, line: u32, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads a whole file, bounded by [`MAX_CONFIG_BYTES`].
///
/// # Errors
///
/// [`Error::Open`] (NUT's "Can't open" message) or [`Error::TooLarge`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    read_bounded(path, MAX_CONFIG_BYTES)
}

/// Reads a whole file of at most `limit` bytes.
pub(crate) fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let open_error = |source| Error::Open {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(open_error)?;
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap).read_to_end(&mut bytes).map_err(open_error)?;
    if bytes.len() > limit {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// Tokenizes a config file into its non-empty lines; the first line the
/// tokenizer rejects becomes an [`Error::Parse`].
pub(crate) fn tokenize(path: &Path, text: &[u8]) -> Result<Vec<Line>, Error> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit: MAX_CONFIG_BYTES,
        });
    }
    tokenizer::split_text(text)
        .into_iter()
        .map(|item| {
            item.map_err(|e| Error::Parse {
                path: path.to_owned(),
                line: e.line,
                kind: e.kind,
            })
        })
        .collect()
}

/// The name inside a `[name]` section header, if `word` is one.
///
/// NUT's test: the word starts with `[` and ends with `]`.
pub(crate) fn section_header(word: &str) -> Option<&str> {
    if word.len() >= 2 && word.starts_with('[') && word.ends_with(']') {
        Some(&word[1..word.len() - 1])
    } else {
        None
    }
}

/// Reads a section header's name, refusing `[]`.
pub(crate) fn section_name(path: &Path, line: u32, name: &str) -> Result<String, Error> {
    if name.is_empty() {
        return Err(config_error(path, line, Problem::EmptySection));
    }
    Ok(name.to_owned())
}

pub(crate) fn config_error(path: &Path, line: u32, problem: Problem) -> Error {
    Error::Config {
        path: path.to_owned(),
        line,
        problem,
    }
}

/// NUT's boolean words (`parse_boolean`): `true`, `yes`, `on`, `1` and
/// `false`, `no`, `off`, `0`, in any case.
pub fn parse_bool(value: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "yes", "on", "1"];
    const FALSE: [&str; 4] = ["false", "no", "off", "0"];
    if TRUE.iter().any(|w| value.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| value.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// NUT's `isdigit(v[0])` + `atoi(v)` idiom: `None` unless the first byte is a
/// digit; then the leading digits, saturating (C's `atoi` would overflow).
pub(crate) fn leading_number(value: &str) -> Option<u64> {
    if !value.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(
        value
            .bytes()
            .take_while(u8::is_ascii_digit)
            .fold(0u64, |acc, b| {
                acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
            }),
    )
}

/// A strict unsigned number for typed `ups.conf` keys.
pub(crate) fn strict_u32(path: &Path, line: u32, key: &str, value: &str) -> Result<u32, Error> {
    value.parse::<u32>().map_err(|_| {
        config_error(
            path,
            line,
            Problem::NotANumber {
                key: key.to_owned(),
                value: quoted(value),
            },
        )
    })
}

/// A strict signed number for typed `ups.conf` keys.
pub(crate) fn strict_i32(path: &Path, line: u32, key: &str, value: &str) -> Result<i32, Error> {
    value.parse::<i32>().map_err(|_| {
        config_error(
            path,
            line,
            Problem::NotANumber {
                key: key.to_owned(),
                value: quoted(value),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_nuts_words_in_any_case() {
        for w in ["true", "YES", "On", "1"] {
            assert_eq!(parse_bool(w), Some(true), "{w}");
        }
        for w in ["false", "No", "OFF", "0"] {
            assert_eq!(parse_bool(w), Some(false), "{w}");
        }
        for w in ["enabled", "", "2", "y"] {
            assert_eq!(parse_bool(w), None, "{w}");
        }
    }

    #[test]
    fn leading_number_follows_isdigit_then_atoi() {
        assert_eq!(leading_number("15"), Some(15));
        assert_eq!(leading_number("5abc"), Some(5));
        assert_eq!(leading_number("0x"), Some(0));
        assert_eq!(leading_number("-1"), None);
        assert_eq!(leading_number(""), None);
        assert_eq!(leading_number(" 5"), None);
        assert_eq!(leading_number("99999999999999999999999"), Some(u64::MAX));
    }

    #[test]
    fn section_headers_need_both_brackets() {
        assert_eq!(section_header("[ups]"), Some("ups"));
        assert_eq!(section_header("[]"), Some(""));
        assert_eq!(section_header("["), None);
        assert_eq!(section_header("]"), None);
        assert_eq!(section_header("[ups"), None);
    }

    #[test]
    fn oversized_text_is_refused_at_the_limit_plus_one() {
        let path = Path::new("x.conf");
        let at = vec![b'#'; MAX_CONFIG_BYTES];
        assert!(tokenize(path, &at).is_ok());
        let over = vec![b'#'; MAX_CONFIG_BYTES + 1];
        assert!(matches!(tokenize(path, &over), Err(Error::TooLarge { .. })));
    }

    #[test]
    fn missing_file_reports_nuts_message() {
        let err = read_file(Path::new("/nonexistent/dir/ups.conf")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Can't open /nonexistent/dir/ups.conf: "),
            "{err}"
        );
    }
}
