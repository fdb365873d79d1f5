//! `LISTEN_UNIX`: an `upsd.conf` directive of nut-rs (not NUT's) that makes
//! upsd also serve the network protocol on a Unix stream socket, with
//! peer-credential checks.
//!
//! ```text
//! LISTEN_UNIX <path> [<mode>] [uid = <user>[,<user>...]] [gid = <group>[,<group>...]]
//! ```
//!
//! * `<mode>`: octal permission bits of the socket file (default `0660`);
//!   connecting needs write permission, so the mode is the first gate.
//! * `uid = ...` / `gid = ...`: the peers allowed, by user and group (names
//!   or numbers, comma-separated, repeatable). With neither, any peer the
//!   file mode lets in is served; with either, a peer is served when its
//!   uid is listed or its effective gid is listed (`SO_PEERCRED` carries the
//!   effective gid only, not supplementary groups).
//!
//! NUT's tokenizer makes `uid=0` three words (`uid`, `=`, `0`), so both
//! spellings work. Real upsd 2.8.0 logs `upsd.conf: invalid directive
//! LISTEN_UNIX ...` and goes on, so a file using it still starts real NUT.
//! Unlike NUT's lenient directives, a malformed `LISTEN_UNIX` line stops
//! start-up with file and line: it is an access rule, and guessing what it
//! meant could open the socket to the wrong peers.

use std::path::{Path, PathBuf};

use crate::config::config_error;
use crate::error::{Error, Problem, quoted};

/// The directive's name in `upsd.conf`.
pub const DIRECTIVE: &str = "LISTEN_UNIX";

/// Socket file mode when the line gives none: owner and group.
pub const DEFAULT_MODE: u32 = 0o660;

/// Most users and groups one line may list (each lookup costs a passwd
/// search at start-up; a longer list is a mistake).
pub const MAX_PEERS: usize = 64;

/// Longest socket path accepted, in bytes: `sun_path` holds 108 bytes
/// including the terminating NUL on Linux.
pub const MAX_PATH_BYTES: usize = 107;

/// A user or group as written: a number, or a name looked up at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerId {
    /// A numeric uid or gid.
    Id(u32),
    /// A user or group name.
    Name(String),
}

impl PeerId {
    fn parse(word: &str) -> Self {
        match word.parse::<u32>() {
            Ok(n) if word.bytes().all(|b| b.is_ascii_digit()) => Self::Id(n),
            _ => Self::Name(word.to_owned()),
        }
    }
}

/// One `LISTEN_UNIX` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenUnix {
    /// The socket's path.
    pub path: PathBuf,
    /// Permission bits of the socket file.
    pub mode: u32,
    /// Users allowed (empty: no user rule).
    pub uids: Vec<PeerId>,
    /// Effective groups allowed (empty: no group rule).
    pub gids: Vec<PeerId>,
    /// The file it came from, for messages.
    pub file: PathBuf,
    /// 1-based line number.
    pub line: u32,
}

impl ListenUnix {
    /// A line for `path` with the default mode and no peer rules.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            mode: DEFAULT_MODE,
            uids: Vec::new(),
            gids: Vec::new(),
            file: PathBuf::new(),
            line: 0,
        }
    }

    /// Parses the words after `LISTEN_UNIX` on line `line` of `file`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming file and line: no path, a relative or too
    /// long path, a mode that is not octal up to `0777`, an unknown key, a
    /// key without `= value`, an empty list, more than [`MAX_PEERS`] peers.
    ///
    /// ```
    /// use nut_server::config::listen_unix::{ListenUnix, PeerId};
    ///
    /// let words: Vec<String> = ["/run/nut/upsd.sock", "0600", "uid", "=", "0,nut"]
    ///     .iter().map(|w| w.to_string()).collect();
    /// let line = ListenUnix::parse("upsd.conf".as_ref(), 3, &words)?;
    /// assert_eq!(line.mode, 0o600);
    /// assert_eq!(line.uids, [PeerId::Id(0), PeerId::Name("nut".into())]);
    /// # Ok::<(), nut_server::Error>(())
    /// ```
    pub fn parse(file: &Path, line: u32, words: &[String]) -> Result<Self, Error> {
        let fail = |problem| config_error(file, line, problem);
        let malformed = |reason| fail(Problem::Malformed { reason });
        let Some((path, mut rest)) = words.split_first() else {
            return Err(malformed("LISTEN_UNIX needs a socket path"));
        };
        if !path.starts_with('/') {
            return Err(fail(Problem::InvalidValue {
                key: DIRECTIVE.to_owned(),
                value: quoted(path),
                expected: "an absolute socket path",
            }));
        }
        if path.len() > MAX_PATH_BYTES {
            return Err(malformed("LISTEN_UNIX path is longer than 107 bytes"));
        }
        let mut parsed = Self::new(Path::new(path));
        parsed.file = file.to_owned();
        parsed.line = line;
        if let Some((mode, after)) = rest.split_first()
            && mode.bytes().next().is_some_and(|b| b.is_ascii_digit())
        {
            parsed.mode = u32::from_str_radix(mode, 8)
                .ok()
                .filter(|m| *m <= 0o777)
                .ok_or_else(|| {
                    fail(Problem::InvalidValue {
                        key: "mode".to_owned(),
                        value: quoted(mode),
                        expected: "octal permission bits up to 0777",
                    })
                })?;
            rest = after;
        }
        while let Some((key, after)) = rest.split_first() {
            let list = match key.as_str() {
                "uid" => &mut parsed.uids,
                "gid" => &mut parsed.gids,
                _ => {
                    return Err(fail(Problem::InvalidValue {
                        key: DIRECTIVE.to_owned(),
                        value: quoted(key),
                        expected: "uid = <users> or gid = <groups>",
                    }));
                }
            };
            let [equals, value, after @ ..] = after else {
                return Err(malformed("LISTEN_UNIX uid/gid needs '= <list>'"));
            };
            if equals != "=" || value.split(',').any(str::is_empty) {
                return Err(fail(Problem::InvalidValue {
                    key: key.clone(),
                    value: quoted(value),
                    expected: "a comma-separated list of names or numbers",
                }));
            }
            list.extend(value.split(',').map(PeerId::parse));
            if parsed.uids.len() + parsed.gids.len() > MAX_PEERS {
                return Err(malformed("LISTEN_UNIX lists more than 64 users and groups"));
            }
            rest = after;
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<ListenUnix, String> {
        let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
        ListenUnix::parse(Path::new("/etc/nut/upsd.conf"), 7, &words).map_err(|e| e.to_string())
    }

    #[test]
    fn path_alone_takes_the_defaults() {
        let line = parse("/run/nut/upsd.sock").unwrap();
        assert_eq!(line.path, Path::new("/run/nut/upsd.sock"));
        assert_eq!((line.mode, line.line), (DEFAULT_MODE, 7));
        assert!(line.uids.is_empty() && line.gids.is_empty());
    }

    #[test]
    fn mode_and_repeated_lists() {
        let line = parse("/s 600 uid = 0,nut gid = 120 uid = 1000").unwrap();
        assert_eq!(line.mode, 0o600);
        assert_eq!(
            line.uids,
            [PeerId::Id(0), PeerId::Name("nut".into()), PeerId::Id(1000)]
        );
        assert_eq!(line.gids, [PeerId::Id(120)]);
        assert_eq!(parse("/s gid = adm").unwrap().mode, DEFAULT_MODE);
    }

    #[test]
    fn errors_name_file_and_line() {
        for (text, message) in [
            (
                "",
                "LISTEN_UNIX: invalid value \"\" (expected an absolute socket path)",
            ),
            (
                "run/x",
                "LISTEN_UNIX: invalid value \"run/x\" (expected an absolute socket path)",
            ),
            (
                "/s 0800",
                "mode: invalid value \"0800\" (expected octal permission bits up to 0777)",
            ),
            (
                "/s 1777",
                "mode: invalid value \"1777\" (expected octal permission bits up to 0777)",
            ),
            (
                "/s user = 0",
                "LISTEN_UNIX: invalid value \"user\" (expected uid = <users> or gid = <groups>)",
            ),
            ("/s uid", "LISTEN_UNIX uid/gid needs '= <list>'"),
            ("/s uid =", "LISTEN_UNIX uid/gid needs '= <list>'"),
            (
                "/s uid = 0,",
                "uid: invalid value \"0,\" (expected a comma-separated list of names or numbers)",
            ),
            (
                "/s uid : 0",
                "uid: invalid value \"0\" (expected a comma-separated list of names or numbers)",
            ),
        ] {
            assert_eq!(
                parse(text).unwrap_err(),
                format!("/etc/nut/upsd.conf:7: {message}"),
                "{text}"
            );
        }
        let empty = ListenUnix::parse(Path::new("f"), 2, &[]).unwrap_err();
        assert_eq!(empty.to_string(), "f:2: LISTEN_UNIX needs a socket path");
    }

    #[test]
    fn path_and_peer_limits() {
        let longest = format!("/{}", "p".repeat(MAX_PATH_BYTES - 1));
        assert!(parse(&longest).is_ok());
        assert!(parse(&format!("{longest}p")).is_err());
        let most = vec!["1"; MAX_PEERS].join(",");
        assert_eq!(
            parse(&format!("/s uid = {most}")).unwrap().uids.len(),
            MAX_PEERS
        );
        assert!(parse(&format!("/s uid = {most} gid = 1")).is_err());
    }

    #[test]
    fn upsd_conf_reads_the_directive_and_stops_on_a_bad_one() {
        let path = Path::new("upsd.conf");
        let conf = crate::config::UpsdConf::parse(
            path,
            b"LISTEN 127.0.0.1\nLISTEN_UNIX /run/x.sock 0600 gid = nut\n",
        )
        .unwrap();
        assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
        assert_eq!(conf.listen.len(), 1);
        let [line] = conf.listen_unix.as_slice() else {
            panic!("one LISTEN_UNIX line expected: {:?}", conf.listen_unix);
        };
        assert_eq!((line.mode, line.line), (0o600, 2));
        assert_eq!(line.file, path);
        let bad = crate::config::UpsdConf::parse(path, b"MAXAGE 5\nLISTEN_UNIX /s 999\n");
        assert_eq!(
            bad.unwrap_err().to_string(),
            "upsd.conf:2: mode: invalid value \"999\" (expected octal permission bits up to 0777)"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_words_never_panic(words in proptest::collection::vec("[ -~]{0,12}", 0..8)) {
            let _ = ListenUnix::parse(Path::new("f"), 1, &words);
        }
    }
}
