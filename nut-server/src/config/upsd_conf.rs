//! `upsd.conf`: upsd's own settings.
//!
//! Directives are matched case-sensitively except `DEBUG_MIN`, as in NUT. A
//! directive NUT does not know, or one with a bad value, is a [`Warning`]
//! carrying NUT's exact message (`upsd.conf: invalid directive MAXAGE abc`,
//! preceded by `MAXAGE has non numeric value (abc)!`), and the setting keeps
//! its default. Numbers follow NUT's `isdigit` + `atoi` reading: `5abc` is 5,
//! `-1` is refused.

use std::path::{Path, PathBuf};

use crate::config::listen_unix::{self, ListenUnix};
use crate::config::{Warning, leading_number, parse_bool, read_file, tokenize};
use crate::error::Error;

/// Default `MAXAGE`, in seconds.
pub const DEFAULT_MAXAGE: u32 = 15;
/// Default `TRACKINGDELAY`, in seconds.
pub const DEFAULT_TRACKINGDELAY: u32 = 3600;
/// upsd's TCP port.
pub const DEFAULT_PORT: u16 = 3493;

/// The port part of a `LISTEN` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenPort {
    /// A port number.
    Number(u16),
    /// Anything else: NUT hands it to `getaddrinfo` as a service name
    /// (`nut` works; `abc` makes upsd fail to listen).
    Service(String),
}

/// One `LISTEN <address> [<port>]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// An IPv4 or IPv6 address, a host name, or `*` (both `0.0.0.0` and `::`).
    pub address: String,
    /// The port ([`DEFAULT_PORT`] when not given).
    pub port: ListenPort,
    /// 1-based line number (0 for the built-in defaults).
    pub line: u32,
}

impl Listen {
    fn new(address: &str, port: Option<&str>, line: u32) -> Self {
        let port = match port {
            None => ListenPort::Number(DEFAULT_PORT),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => ListenPort::Number(n),
                _ => ListenPort::Service(p.to_owned()),
            },
        };
        Self {
            address: address.to_owned(),
            port,
            line,
        }
    }

    /// Whether this is `LISTEN *`: every address of both families.
    pub fn is_any(&self) -> bool {
        self.address == "*"
    }
}

/// `CERTREQUEST`: whether upsd asks TLS clients for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertRequest {
    /// `0` / `NO` (default).
    #[default]
    No,
    /// `1` / `REQUEST`: ask, accept without one.
    Request,
    /// `2` / `REQUIRE`: refuse clients without a valid certificate.
    Require,
}

/// `CERTIDENT "<name>" "<password>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertIdent {
    /// Certificate name (nickname).
    pub name: String,
    /// Private key password.
    pub password: String,
}

/// A parsed `upsd.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpsdConf {
    /// The file, for messages.
    pub path: PathBuf,
    /// `MAXAGE`, in seconds.
    pub maxage: u32,
    /// `TRACKINGDELAY`, in seconds.
    pub trackingdelay: u32,
    /// `ALLOW_NO_DEVICE`.
    pub allow_no_device: bool,
    /// `ALLOW_NOT_ALL_LISTENERS`.
    pub allow_not_all_listeners: bool,
    /// `STATEPATH`.
    pub statepath: Option<PathBuf>,
    /// `DATAPATH` (where `cmdvartab` is read).
    pub datapath: Option<PathBuf>,
    /// `LISTEN` lines in file order (see [`UpsdConf::listeners`] for defaults).
    pub listen: Vec<Listen>,
    /// `MAXCONN`.
    pub maxconn: Option<u64>,
    /// `CERTFILE`: certificate chain and key, PEM.
    pub certfile: Option<PathBuf>,
    /// `CERTPATH`: CA directory or bundle.
    pub certpath: Option<PathBuf>,
    /// `CERTIDENT`.
    pub certident: Option<CertIdent>,
    /// `CERTREQUEST`.
    pub certrequest: CertRequest,
    /// `DISABLE_WEAK_SSL`.
    pub disable_weak_ssl: bool,
    /// `DEBUG_MIN`.
    pub debug_min: Option<u32>,
    /// `LISTEN_UNIX` lines (nut-rs only; see [`crate::config::listen_unix`]).
    pub listen_unix: Vec<ListenUnix>,
    /// What NUT would log and ignore, with NUT's messages.
    pub warnings: Vec<Warning>,
}

impl UpsdConf {
    /// The settings of an empty file.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            maxage: DEFAULT_MAXAGE,
            trackingdelay: DEFAULT_TRACKINGDELAY,
            allow_no_device: false,
            allow_not_all_listeners: false,
            statepath: None,
            datapath: None,
            listen: Vec::new(),
            maxconn: None,
            certfile: None,
            certpath: None,
            certident: None,
            certrequest: CertRequest::No,
            disable_weak_ssl: false,
            debug_min: None,
            listen_unix: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    ///
    /// See [`UpsdConf::parse`]; also [`Error::Open`].
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = read_file(path)?;
        Self::parse(path, &text)
    }

    /// Parses `text`, naming `path` in messages.
    ///
    /// # Errors
    ///
    /// Only a line the tokenizer rejects; bad directives are warnings.
    ///
    /// ```
    /// use nut_server::config::UpsdConf;
    ///
    /// let conf = UpsdConf::parse("upsd.conf".as_ref(), b"LISTEN 127.0.0.1 3493\nMAXAGE abc\n")?;
    /// assert_eq!(conf.maxage, 15);
    /// assert_eq!(conf.warnings[1].to_string(), "upsd.conf: invalid directive MAXAGE abc");
    /// # Ok::<(), nut_server::Error>(())
    /// ```
    pub fn parse(path: &Path, text: &[u8]) -> Result<Self, Error> {
        let mut conf = Self::new(path);
        for line in tokenize(path, text)? {
            if let Some((first, rest)) = line.words.split_first()
                && first == listen_unix::DIRECTIVE
            {
                // Beyond NUT, and an access rule: a bad line stops start-up.
                conf.listen_unix
                    .push(ListenUnix::parse(path, line.number, rest)?);
                continue;
            }
            if !conf.directive(line.number, &line.words) {
                conf.warn(
                    line.number,
                    format!("upsd.conf: invalid directive {}", line.words.join(" ")),
                );
            }
        }
        Ok(conf)
    }

    /// The addresses to listen on: the `LISTEN` lines, or upsd's default
    /// (`127.0.0.1` and `::1` on port 3493) when there are none.
    pub fn listeners(&self) -> Vec<Listen> {
        if self.listen.is_empty() {
            vec![
                Listen::new("127.0.0.1", None, 0),
                Listen::new("::1", None, 0),
            ]
        } else {
            self.listen.clone()
        }
    }

    fn warn(&mut self, line: u32, message: String) {
        self.warnings.push(Warning::new(&self.path, line, message));
    }

    /// Applies one line; `false` means NUT's "invalid directive".
    fn directive(&mut self, line: u32, words: &[String]) -> bool {
        let (Some(name), Some(value)) = (words.first(), words.get(1)) else {
            return false;
        };
        match name.as_str() {
            "MAXAGE" => self.number(line, name, value, |c, n| c.maxage = saturate(n)),
            "TRACKINGDELAY" => self.number(line, name, value, |c, n| c.trackingdelay = saturate(n)),
            "MAXCONN" => self.number(line, name, value, |c, n| c.maxconn = Some(n)),
            "ALLOW_NO_DEVICE" => self.flag(line, name, value, |c, b| c.allow_no_device = b),
            "ALLOW_NOT_ALL_LISTENERS" => {
                self.flag(line, name, value, |c, b| c.allow_not_all_listeners = b)
            }
            "STATEPATH" => {
                self.statepath = Some(PathBuf::from(value));
                true
            }
            "DATAPATH" => {
                self.datapath = Some(PathBuf::from(value));
                true
            }
            "LISTEN" => {
                self.listen
                    .push(Listen::new(value, words.get(2).map(String::as_str), line));
                true
            }
            "CERTFILE" => {
                self.certfile = Some(PathBuf::from(value));
                true
            }
            "CERTPATH" => {
                self.certpath = Some(PathBuf::from(value));
                true
            }
            "CERTIDENT" => match words.get(2) {
                Some(password) => {
                    self.certident = Some(CertIdent {
                        name: value.clone(),
                        password: password.clone(),
                    });
                    true
                }
                None => false,
            },
            "CERTREQUEST" => match cert_request(value) {
                Some(level) => {
                    self.certrequest = level;
                    true
                }
                None => false,
            },
            "DISABLE_WEAK_SSL" => match parse_bool(value) {
                Some(b) => {
                    self.disable_weak_ssl = b;
                    true
                }
                None => {
                    self.warn(
                        line,
                        format!("DISABLE_WEAK_SSL has non boolean value ({value})!"),
                    );
                    false
                }
            },
            "ACCEPT" | "REJECT" | "ACL" => {
                self.warn(
                    line,
                    format!("{name} in upsd.conf is no longer supported - switch to LISTEN"),
                );
                true
            }
            other if other.eq_ignore_ascii_case("DEBUG_MIN") => {
                match leading_number(value) {
                    Some(n) => self.debug_min = Some(saturate(n)),
                    None => self.warn(
                        line,
                        "DEBUG_MIN has non numeric or negative value in upsd.conf".to_owned(),
                    ),
                }
                true
            }
            _ => false,
        }
    }

    fn number(
        &mut self,
        line: u32,
        name: &str,
        value: &str,
        set: impl FnOnce(&mut Self, u64),
    ) -> bool {
        match leading_number(value) {
            Some(n) => {
                set(self, n);
                true
            }
            None => {
                self.warn(line, format!("{name} has non numeric value ({value})!"));
                false
            }
        }
    }

    fn flag(
        &mut self,
        line: u32,
        name: &str,
        value: &str,
        set: impl FnOnce(&mut Self, bool),
    ) -> bool {
        // NUT: a leading digit means a number (non-zero is true), else a boolean word.
        let parsed = leading_number(value)
            .map(|n| n != 0)
            .or_else(|| parse_bool(value));
        match parsed {
            Some(b) => {
                set(self, b);
                true
            }
            None => {
                self.warn(
                    line,
                    format!("{name} has non numeric and non boolean value ({value})!"),
                );
                false
            }
        }
    }
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn cert_request(value: &str) -> Option<CertRequest> {
    match value {
        "0" => Some(CertRequest::No),
        "1" => Some(CertRequest::Request),
        "2" => Some(CertRequest::Require),
        v if v.eq_ignore_ascii_case("NO") => Some(CertRequest::No),
        v if v.eq_ignore_ascii_case("REQUEST") => Some(CertRequest::Request),
        v if v.eq_ignore_ascii_case("REQUIRE") => Some(CertRequest::Require),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> UpsdConf {
        UpsdConf::parse(Path::new("/etc/nut/upsd.conf"), text.as_bytes()).expect("tokenizes")
    }

    fn messages(conf: &UpsdConf) -> Vec<String> {
        conf.warnings.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn empty_file_gives_the_defaults() {
        let conf = parse("");
        assert_eq!((conf.maxage, conf.trackingdelay), (15, 3600));
        assert!(!conf.allow_no_device && !conf.allow_not_all_listeners);
        assert_eq!(conf.certrequest, CertRequest::No);
        assert!(conf.listen.is_empty());
        let defaults = conf.listeners();
        let addrs: Vec<_> = defaults.iter().map(|l| l.address.as_str()).collect();
        assert_eq!(addrs, ["127.0.0.1", "::1"]);
        assert!(defaults.iter().all(|l| l.port == ListenPort::Number(3493)));
    }

    #[test]
    fn reads_every_directive() {
        let conf = parse(concat!(
            "LISTEN 127.0.0.1 3493\nLISTEN ::1\nLISTEN * 13493\nLISTEN ups.example nut\n",
            "MAXAGE 30\nTRACKINGDELAY 60\nALLOW_NO_DEVICE true\nALLOW_NOT_ALL_LISTENERS 1\n",
            "STATEPATH /run/nut\nDATAPATH /usr/share/nut\nMAXCONN 1024\n",
            "CERTFILE /etc/nut/cert.pem\nCERTPATH /etc/ssl/certs\nCERTIDENT \"my cert\" \"secret\"\n",
            "CERTREQUEST REQUIRE\nDISABLE_WEAK_SSL yes\ndebug_min 2\n",
        ));
        assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
        let listen: Vec<_> = conf
            .listen
            .iter()
            .map(|l| (l.address.as_str(), l.port.clone(), l.line))
            .collect();
        assert_eq!(
            listen,
            [
                ("127.0.0.1", ListenPort::Number(3493), 1),
                ("::1", ListenPort::Number(3493), 2),
                ("*", ListenPort::Number(13493), 3),
                ("ups.example", ListenPort::Service("nut".into()), 4),
            ]
        );
        assert!(conf.listen[2].is_any());
        assert_eq!(conf.listeners(), conf.listen);
        assert_eq!((conf.maxage, conf.trackingdelay), (30, 60));
        assert!(conf.allow_no_device && conf.allow_not_all_listeners);
        assert_eq!(conf.statepath.as_deref(), Some(Path::new("/run/nut")));
        assert_eq!(conf.datapath.as_deref(), Some(Path::new("/usr/share/nut")));
        assert_eq!(conf.maxconn, Some(1024));
        assert_eq!(
            conf.certfile.as_deref(),
            Some(Path::new("/etc/nut/cert.pem"))
        );
        assert_eq!(conf.certpath.as_deref(), Some(Path::new("/etc/ssl/certs")));
        assert_eq!(
            conf.certident,
            Some(CertIdent {
                name: "my cert".into(),
                password: "secret".into()
            })
        );
        assert_eq!(conf.certrequest, CertRequest::Require);
        assert!(conf.disable_weak_ssl);
        assert_eq!(conf.debug_min, Some(2));
    }

    #[test]
    fn bad_lines_warn_with_nuts_messages_as_real_upsd_2_8_0_printed_them() {
        let conf = parse(concat!(
            "FOO bar\nMAXAGE abc\nTRACKINGDELAY\nmaxage 5\nACCEPT x\nLISTEN\n",
            "ALLOW_NO_DEVICE maybe\nMAXCONN x\nDISABLE_WEAK_SSL bogus\nTRACKINGDELAY -5\n",
            "DEBUG_MIN x\nMAXAGE \"\"\nCERTREQUEST 5\nCERTIDENT onlyname\n",
        ));
        assert_eq!(
            messages(&conf),
            [
                "upsd.conf: invalid directive FOO bar",
                "MAXAGE has non numeric value (abc)!",
                "upsd.conf: invalid directive MAXAGE abc",
                "upsd.conf: invalid directive TRACKINGDELAY",
                "upsd.conf: invalid directive maxage 5",
                "ACCEPT in upsd.conf is no longer supported - switch to LISTEN",
                "upsd.conf: invalid directive LISTEN",
                "ALLOW_NO_DEVICE has non numeric and non boolean value (maybe)!",
                "upsd.conf: invalid directive ALLOW_NO_DEVICE maybe",
                "MAXCONN has non numeric value (x)!",
                "upsd.conf: invalid directive MAXCONN x",
                "DISABLE_WEAK_SSL has non boolean value (bogus)!",
                "upsd.conf: invalid directive DISABLE_WEAK_SSL bogus",
                "TRACKINGDELAY has non numeric value (-5)!",
                "upsd.conf: invalid directive TRACKINGDELAY -5",
                "DEBUG_MIN has non numeric or negative value in upsd.conf",
                "MAXAGE has non numeric value ()!",
                "upsd.conf: invalid directive MAXAGE ",
                "upsd.conf: invalid directive CERTREQUEST 5",
                "upsd.conf: invalid directive CERTIDENT onlyname",
            ]
        );
        assert_eq!(conf.warnings[0].line, 1);
        assert_eq!(conf.warnings[2].line, 2);
        assert_eq!((conf.maxage, conf.trackingdelay), (15, 3600));
    }

    #[test]
    fn numbers_and_booleans_read_like_atoi_and_parse_boolean() {
        let conf = parse("MAXAGE 5abc\nALLOW_NO_DEVICE Yes\nMAXCONN 10 20\nMAXAGE 99999999999\n");
        assert!(conf.warnings.is_empty(), "{:?}", conf.warnings);
        assert_eq!(conf.maxage, u32::MAX);
        assert!(conf.allow_no_device);
        assert_eq!(conf.maxconn, Some(10));
        let conf = parse("ALLOW_NO_DEVICE 0x\nALLOW_NO_DEVICE enabled\n");
        assert!(!conf.allow_no_device);
        assert_eq!(conf.warnings.len(), 2);
    }

    #[test]
    fn listen_ports_are_numbers_only_when_all_digits_in_range() {
        assert_eq!(
            Listen::new("h", Some("65535"), 1).port,
            ListenPort::Number(65535)
        );
        assert_eq!(
            Listen::new("h", Some("65536"), 1).port,
            ListenPort::Service("65536".into())
        );
        assert_eq!(
            Listen::new("h", Some("+5"), 1).port,
            ListenPort::Service("+5".into())
        );
    }

    #[test]
    fn tokenizer_errors_stop_with_file_and_line() {
        let err = UpsdConf::parse(
            Path::new("/etc/nut/upsd.conf"),
            b"MAXAGE 5\nLISTEN \"a#b\"\n",
        )
        .unwrap_err();
        assert!(matches!(err, Error::Parse { line: 2, .. }), "{err}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = UpsdConf::parse(Path::new("x"), &bytes);
        }

        #[test]
        fn any_maxage_number_is_kept(n in 0u32..) {
            let conf = parse(&format!("MAXAGE {n}\n"));
            prop_assert_eq!(conf.maxage, n);
        }
    }
}
