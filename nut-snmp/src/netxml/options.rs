//! netxml-ups's options (`ups.conf` / `-x`), read and checked.
//!
//! NUT's options keep NUT's names and defaults. Three are ours, for HTTPS
//! cards with a self-signed certificate (NUT trusts only the system CAs):
//! `certfingerprint` (pin the card's certificate by SHA-256), `cafile`
//! (trust the CAs in a PEM file) and the flag `insecure` (accept any
//! certificate, logged as a warning at start).

use std::path::PathBuf;

use crate::error::Error;

/// Default `timeout`, seconds.
pub const DEFAULT_TIMEOUT: u32 = 5;
/// Default `shutdown_duration`, seconds.
pub const DEFAULT_SHUTDOWN_DURATION: u32 = 120;
/// Largest `timeout` accepted (NUT sets none; an hour keeps every request
/// bounded in time).
pub const MAX_TIMEOUT: u32 = 3600;

/// How a `https://` card's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsTrust {
    /// The system's CA certificates (NUT's behaviour).
    #[default]
    System,
    /// The CA certificates in this PEM file (`cafile`).
    CaFile(PathBuf),
    /// Exactly the certificate with this SHA-256 digest
    /// (`certfingerprint`), whoever signed it.
    Fingerprint([u8; 32]),
    /// Any certificate (`insecure`).
    Insecure,
}

/// The checked options of one netxml-ups instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `port`, as `scheme://host[:port]` without a trailing `/`.
    pub base_url: String,
    /// `timeout`: connect and read time-out, seconds.
    pub timeout: u32,
    /// `subscribe`: open the alarm channel.
    pub subscribe: bool,
    /// `login`.
    pub login: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `shutdown_duration`, seconds.
    pub shutdown_duration: u32,
    /// `shutdown_timer`, seconds (0: none).
    pub shutdown_timer: u32,
    /// `do_convert_deci`.
    pub do_convert_deci: bool,
    /// How an HTTPS certificate is checked.
    pub tls: TlsTrust,
}

impl Options {
    /// Defaults for a card at `base_url` (not checked).
    pub fn with_url(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout: DEFAULT_TIMEOUT,
            subscribe: false,
            login: None,
            password: None,
            shutdown_duration: DEFAULT_SHUTDOWN_DURATION,
            shutdown_timer: 0,
            do_convert_deci: false,
            tls: TlsTrust::System,
        }
    }

    /// Reads the options: `port` and the driver options through `value`
    /// (an option's value) and `flag` (whether a flag was given).
    ///
    /// # Errors
    ///
    /// [`Error::Option`] naming the option for a missing or malformed
    /// `port`, a number out of range or a malformed fingerprint.
    pub fn parse(
        port: Option<&str>,
        value: impl Fn(&str) -> Option<String>,
        flag: impl Fn(&str) -> bool,
    ) -> Result<Self, Error> {
        let port = port.ok_or_else(|| Error::Option {
            option: "port",
            reason: "no port given: use port = http://host[:port] or https://host[:port]".into(),
        })?;
        let base_url = check_url(port)?;
        let mut options = Self::with_url(&base_url);
        if let Some(text) = value("timeout") {
            options.timeout = number(
                "timeout",
                &text,
                1,
                MAX_TIMEOUT,
                "timeout must be greater than 0",
            )?;
        }
        if let Some(text) = value("shutdown_duration") {
            options.shutdown_duration = number(
                "shutdown_duration",
                &text,
                0,
                u32::MAX,
                "shutdown duration must be greater than or equal to 0",
            )?;
        }
        if let Some(text) = value("shutdown_timer") {
            options.shutdown_timer = number(
                "shutdown_timer",
                &text,
                0,
                u32::MAX,
                "shutdown timer must be greater than or equal to 0",
            )?;
        }
        options.subscribe = flag("subscribe");
        options.do_convert_deci = flag("do_convert_deci");
        options.login = value("login");
        options.password = value("password");
        let trusts = [
            value("certfingerprint").map(|f| fingerprint(&f).map(TlsTrust::Fingerprint)),
            value("cafile").map(|f| Ok(TlsTrust::CaFile(PathBuf::from(f)))),
            flag("insecure").then_some(Ok(TlsTrust::Insecure)),
        ];
        let mut given = trusts.into_iter().flatten();
        if let Some(first) = given.next() {
            if given.next().is_some() {
                return Err(Error::Option {
                    option: "certfingerprint",
                    reason: "give only one of certfingerprint, cafile and insecure".into(),
                });
            }
            options.tls = first?;
        }
        Ok(options)
    }

    /// The card's host (without port or IPv6 brackets).
    pub fn host(&self) -> &str {
        let authority = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        if let Some(v6) = authority.strip_prefix('[') {
            return v6.split(']').next().unwrap_or_default();
        }
        authority.split(':').next().unwrap_or_default()
    }

    /// The full URL of `path` on the card.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// Checks `http://host[:port]` / `https://host[:port]` (a path is not
/// allowed: NetXML pages have fixed paths).
fn check_url(port: &str) -> Result<String, Error> {
    let bad = |reason: &str| Error::Option {
        option: "port",
        reason: format!("invalid URL '{}': {reason}", crate::error::shown(port)),
    };
    let rest = port
        .strip_prefix("http://")
        .or_else(|| port.strip_prefix("https://"))
        .ok_or_else(|| bad("the scheme must be http:// or https://"))?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    if authority.contains(['/', '?', '#', '@']) || authority.chars().any(char::is_whitespace) {
        return Err(bad("only scheme://host[:port] is accepted"));
    }
    if let Some((host, number)) = authority.rsplit_once(':')
        && !host.ends_with(']')
        && !host.contains(':')
        && number.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(bad("the port is not a number from 1 to 65535"));
    }
    Ok(port.trim_end_matches('/').to_owned())
}

/// A number read as netxml-ups reads it (C `atoi`: `10s` is 10, `abc` is
/// 0), then checked against `min..=max`; below `min` the error is NUT's
/// `message`.
fn number(
    option: &'static str,
    text: &str,
    min: u32,
    max: u32,
    message: &str,
) -> Result<u32, Error> {
    let n = super::convert::atoi(text);
    if n < i64::from(min) {
        return Err(Error::Option {
            option,
            reason: message.to_owned(),
        });
    }
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| Error::Option {
            option,
            reason: format!("{option} must be at most {max}"),
        })
}

/// A SHA-256 fingerprint: 64 hex digits, optionally in `:`-separated
/// pairs, any case, optionally prefixed `sha256:`.
fn fingerprint(text: &str) -> Result<[u8; 32], Error> {
    let bad = || Error::Option {
        option: "certfingerprint",
        reason: format!(
            "'{}' is not a SHA-256 fingerprint (64 hex digits)",
            crate::error::shown(text)
        ),
    };
    let body = text.trim();
    let body = body
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("sha256:"))
        .map_or(body, |_| body.get(7..).unwrap_or_default());
    let digits: Vec<u8> = body.bytes().filter(|&b| b != b':').collect();
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(digits.chunks(2)) {
        let hex = std::str::from_utf8(pair).map_err(|_| bad())?;
        *slot = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(port: &str, opts: &[(&str, Option<&str>)]) -> Result<Options, Error> {
        let value = |n: &str| {
            opts.iter()
                .find(|(k, v)| *k == n && v.is_some())
                .and_then(|(_, v)| v.map(str::to_owned))
        };
        let flag = |n: &str| opts.iter().any(|(k, v)| *k == n && v.is_none());
        Options::parse(Some(port), value, flag)
    }

    #[test]
    fn defaults() {
        let o = parse("http://card:8080/", &[]).expect("valid");
        assert_eq!(o.base_url, "http://card:8080");
        assert_eq!(o.timeout, DEFAULT_TIMEOUT);
        assert_eq!(o.shutdown_duration, 120);
        assert_eq!(o.shutdown_timer, 0);
        assert_eq!(o.tls, TlsTrust::System);
        assert_eq!(o.url("/product.xml"), "http://card:8080/product.xml");
        assert_eq!(o.host(), "card");
        assert_eq!(
            parse("https://[::1]:8443", &[]).map(|o| o.host().to_owned()),
            Ok("::1".into())
        );
    }

    #[test]
    fn url_checks() {
        for bad in [
            "card",
            "ftp://card",
            "http://",
            "http://card/x",
            "http://card:0",
            "http://card:x",
        ] {
            assert!(parse(bad, &[]).is_err(), "{bad}");
        }
        assert!(parse("https://[::1]:8443", &[]).is_ok());
        assert!(Options::parse(None, |_| None, |_| false).is_err());
    }

    #[test]
    fn timeout_limits() {
        assert_eq!(
            parse("http://c", &[("timeout", Some("0"))]),
            Err(Error::Option {
                option: "timeout",
                reason: "timeout must be greater than 0".into()
            })
        );
        assert!(parse("http://c", &[("timeout", Some("abc"))]).is_err());
        assert_eq!(
            parse("http://c", &[("timeout", Some("10s"))]).map(|o| o.timeout),
            Ok(10)
        );
        assert_eq!(
            parse("http://c", &[("timeout", Some("1"))]).map(|o| o.timeout),
            Ok(1)
        );
        let max = MAX_TIMEOUT.to_string();
        assert!(parse("http://c", &[("timeout", Some(&max))]).is_ok());
        let over = (MAX_TIMEOUT + 1).to_string();
        assert!(parse("http://c", &[("timeout", Some(&over))]).is_err());
        assert!(parse("http://c", &[("shutdown_duration", Some("-1"))]).is_err());
    }

    #[test]
    fn tls_trust() {
        let hex = "AB".repeat(32);
        let o = parse("https://c", &[("certfingerprint", Some(&hex))]).expect("valid");
        assert_eq!(o.tls, TlsTrust::Fingerprint([0xab; 32]));
        let colons = format!("sha256:{}", vec!["ab"; 32].join(":"));
        let o = parse("https://c", &[("certfingerprint", Some(&colons))]).expect("valid");
        assert_eq!(o.tls, TlsTrust::Fingerprint([0xab; 32]));
        assert!(parse("https://c", &[("certfingerprint", Some("abcd"))]).is_err());
        assert!(parse("https://c", &[("certfingerprint", Some(&"zz".repeat(32)))]).is_err());
        assert_eq!(
            parse("https://c", &[("insecure", None)]).map(|o| o.tls),
            Ok(TlsTrust::Insecure)
        );
        assert!(parse("https://c", &[("insecure", None), ("cafile", Some("/x"))]).is_err());
    }
}
