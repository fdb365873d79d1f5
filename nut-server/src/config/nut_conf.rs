//! `nut.conf`: the shell-sourced file that says which parts of NUT run.
//!
//! Not parseconf: the init scripts source it, so each line is a shell
//! assignment `NAME=value` with no spaces around `=`. Values may be quoted
//! (`'...'` literally, `"..."` with `\"`, `\\`, `\$`, `` \` `` escapes) or
//! bare with `\` escapes; a `#` after white space starts a comment; an
//! `export ` prefix is accepted. Expansions (`$VAR`) are kept literally.

use std::path::{Path, PathBuf};

use crate::config::{config_error, read_file};
use crate::error::{Error, Problem, quoted};

/// The `MODE` of a NUT installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `none`: NUT is not configured; nothing starts.
    None,
    /// `standalone`: drivers, upsd and upsmon for a local UPS.
    Standalone,
    /// `netserver`: like standalone, serving other hosts.
    NetServer,
    /// `netclient`: only upsmon, watching a remote upsd.
    NetClient,
}

impl Mode {
    /// Reads a `MODE` value (case-sensitive, as the scripts compare it).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Self::None),
            "standalone" => Some(Self::Standalone),
            "netserver" => Some(Self::NetServer),
            "netclient" => Some(Self::NetClient),
            _ => None,
        }
    }

    /// The word as written in `nut.conf`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Standalone => "standalone",
            Self::NetServer => "netserver",
            Self::NetClient => "netclient",
        }
    }
}

/// One `NAME=value` assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variable name.
    pub name: String,
    /// The value, unquoted.
    pub value: String,
    /// 1-based line number.
    pub line: u32,
}

/// A parsed `nut.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NutConf {
    /// The file, for messages.
    pub path: PathBuf,
    /// The last `MODE=` (`None` when absent).
    pub mode: Option<Mode>,
    /// Every assignment in file order, `MODE` included.
    pub assignments: Vec<Assignment>,
}

impl NutConf {
    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    ///
    /// See [`NutConf::parse`]; also [`Error::Open`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = read_file(path)?;
        Self::parse(path, &text)
    }

    /// Parses `text`, naming `path` in messages.
    ///
    /// # Errors
    ///
    /// A line that is not an assignment (spaces around `=` included), an
    /// unterminated quote, or an unknown `MODE`.
    ///
    /// ```
    /// use nut_server::config::{NutConf, nut_conf::Mode};
    ///
    /// let conf = NutConf::parse("nut.conf".as_ref(), b"# comment\nMODE=\"netserver\"  # here\nUPSD_OPTIONS='-D'\n")?;
    /// assert_eq!(conf.mode, Some(Mode::NetServer));
    /// assert_eq!(conf.get("UPSD_OPTIONS"), Some("-D"));
    /// # Ok::<(), nut_server::Error>(())
    /// ```
    pub fn parse(path: &Path, text: &[u8]) -> Result<Self, Error> {
        if text.len() > crate::config::MAX_CONFIG_BYTES {
            return Err(Error::TooLarge {
                path: path.to_owned(),
                limit: crate::config::MAX_CONFIG_BYTES,
            });
        }
        let text = String::from_utf8_lossy(text);
        let mut conf = Self {
            path: path.to_owned(),
            mode: None,
            assignments: Vec::new(),
        };
        for (index, raw) in text.split('\n').enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let malformed = |reason| config_error(path, line, Problem::Malformed { reason });
            let Some(assignment) = parse_line(raw).map_err(malformed)? else {
                continue;
            };
            let (name, value) = assignment;
            if name == "MODE" {
                conf.mode = Some(Mode::parse(&value).ok_or_else(|| {
                    config_error(
                        path,
                        line,
                        Problem::InvalidValue {
                            key: name.clone(),
                            value: quoted(&value),
                            expected: "none, standalone, netserver or netclient",
                        },
                    )
                })?);
            }
            conf.assignments.push(Assignment { name, value, line });
        }
        Ok(conf)
    }

    /// The last value assigned to `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.assignments
            .iter()
            .rev()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }
}

/// One line: `Ok(None)` for blank and comment lines.
fn parse_line(raw: &str) -> Result<Option<(String, String)>, &'static str> {
    let line = raw.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r');
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let line = line
        .strip_prefix("export")
        .filter(|rest| rest.starts_with([' ', '\t']))
        .map_or(line, |rest| rest.trim_start_matches([' ', '\t']));
    let name_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let (name, rest) = line.split_at(name_len);
    if name.is_empty() || name.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return Err("expected NAME=value");
    }
    let Some(rest) = rest.strip_prefix('=') else {
        return Err(if rest.trim_start().starts_with('=') {
            "no spaces are allowed around '=' (the file is read by the shell)"
        } else {
            "expected NAME=value"
        });
    };
    if rest.starts_with([' ', '\t'])
        && !rest.trim_start().is_empty()
        && !rest.trim_start().starts_with('#')
    {
        return Err("no spaces are allowed around '=' (the file is read by the shell)");
    }
    Ok(Some((name.to_owned(), shell_value(rest)?)))
}

/// A shell word: quotes and escapes removed; stops at white space, after
/// which only a comment may follow.
fn shell_value(text: &str) -> Result<String, &'static str> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                let rest = chars.as_str().trim_start_matches([' ', '\t']);
                if rest.is_empty() || rest.starts_with('#') {
                    return Ok(out);
                }
                return Err("unquoted white space in a value (quote it)");
            }
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err("unterminated ' quote"),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\' | '$' | '`')) => out.push(c),
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err("unterminated \" quote"),
                    },
                    Some(c) => out.push(c),
                    None => return Err("unterminated \" quote"),
                }
            },
            '\\' => {
                if let Some(c) = chars.next() {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<NutConf, Error> {
        NutConf::parse(Path::new("/etc/nut/nut.conf"), text.as_bytes())
    }

    #[test]
    fn reads_every_mode() {
        for mode in [
            Mode::None,
            Mode::Standalone,
            Mode::NetServer,
            Mode::NetClient,
        ] {
            let conf = parse(&format!("MODE={}\n", mode.as_str())).expect("valid");
            assert_eq!(conf.mode, Some(mode));
        }
        assert_eq!(parse("# only comments\n\n").expect("valid").mode, None);
    }

    #[test]
    fn quoting_and_comments_follow_the_shell() {
        let conf = parse(concat!(
            "  MODE=standalone # trailing comment\n",
            "A='single # kept'\n",
            "B=\"double \\\"q\\\" \\$x\"\n",
            "C=bare\\ word\n",
            "export D=1\n",
            "E=\n",
            "F=a'b c'd\n",
            "G=#notacomment\n",
        ))
        .expect("valid");
        assert_eq!(conf.mode, Some(Mode::Standalone));
        assert_eq!(conf.get("A"), Some("single # kept"));
        assert_eq!(conf.get("B"), Some("double \"q\" $x"));
        assert_eq!(conf.get("C"), Some("bare word"));
        assert_eq!(conf.get("D"), Some("1"));
        assert_eq!(conf.get("E"), Some(""));
        assert_eq!(conf.get("F"), Some("ab cd"));
        assert_eq!(conf.get("G"), Some("#notacomment"));
        assert_eq!(conf.assignments[1].line, 2);
    }

    #[test]
    fn shell_mistakes_name_the_line() {
        let err = parse("# x\nMODE = standalone\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/nut/nut.conf:2: no spaces are allowed around '=' (the file is read by the shell)"
        );
        assert!(parse("MODE= standalone\n").is_err());
        assert!(parse("MODE=stand alone\n").is_err());
        assert!(parse("MODE='open\n").is_err());
        assert!(parse("just words\n").is_err());
        let err = parse("MODE=server\n").unwrap_err();
        assert!(
            err.to_string().contains("MODE: invalid value \"server\""),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = NutConf::parse(Path::new("x"), &bytes);
        }

        #[test]
        fn single_quoted_values_round_trip(value in "[^'\n\r]{0,40}") {
            let conf = parse(&format!("X='{value}'\n")).expect("valid");
            prop_assert_eq!(conf.get("X"), Some(value.as_str()));
        }
    }
}
