//! `upsname[@hostname[:port]]` and `hostname[:port]` arguments, parsed as
//! libupsclient's `upscli_splitname` / `upscli_splitaddr` do.

use std::fmt;

use crate::net::DEFAULT_PORT;

/// The host used when a target names none.
pub const DEFAULT_HOST: &str = "localhost";

/// Where a client connects, and optionally which UPS it talks about.
///
/// ```
/// use nut_proto::client::Target;
///
/// let t = Target::parse("ups@[::1]:3494")?;
/// assert_eq!((t.ups.as_deref(), t.host.as_str(), t.port), (Some("ups"), "::1", 3494));
/// assert_eq!(t.to_string(), "ups@[::1]:3494");
///
/// let t = Target::parse("ups")?;
/// assert_eq!((t.host.as_str(), t.port), ("localhost", 3493));
///
/// let server = Target::parse_host("nas.example:3493")?;
/// assert_eq!(server.ups, None);
/// # Ok::<(), nut_proto::client::TargetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The UPS name; `None` for a host-only target (`upsc -l host`).
    pub ups: Option<String>,
    /// Host name or address, without IPv6 brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why a target argument was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TargetErrorKind {
    /// Nothing to parse (`""`, `ups@`).
    Empty,
    /// `[` without `]` in a bracketed address.
    MissingBracket,
    /// `:` not followed by a port in 1..=65535.
    BadPort,
    /// `@host` with no UPS name before it (NUT would ask the server for a
    /// UPS named after the host; we refuse instead).
    MissingUpsName,
}

/// A malformed target argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {} {input:?}: {}", if *.host_only { "host" } else { "UPS target" }, .kind.describe())]
#[non_exhaustive]
pub struct TargetError {
    /// The argument as given.
    pub input: String,
    /// What was wrong.
    pub kind: TargetErrorKind,
    /// Whether a `hostname[:port]` (rather than `upsname[@...]`) was parsed.
    pub host_only: bool,
}

impl TargetErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Empty => "can't parse empty string",
            Self::MissingBracket => "missing closing bracket in [domain literal]",
            Self::BadPort => "no port specified after ':' separator",
            Self::MissingUpsName => "no UPS name before '@'",
        }
    }
}

impl TargetError {
    /// The diagnostic line libupsclient writes to stderr before the CLI's
    /// own message, e.g. `upscli_splitaddr: no port specified after ':'
    /// separator`.
    pub fn nut_diagnostic(&self) -> String {
        let function = match self.kind {
            TargetErrorKind::Empty if !self.host_only && self.input.is_empty() => {
                "upscli_splitname"
            }
            TargetErrorKind::MissingUpsName => "upscli_splitname",
            _ => "upscli_splitaddr",
        };
        format!("{function}: {}", self.kind.describe())
    }

    /// What upsc prints after `Error: ` for this argument (two lines).
    pub fn nut_message(&self) -> &'static str {
        if self.host_only {
            "invalid hostname.\nRequired format: [hostname[:port]]"
        } else {
            "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]"
        }
    }
}

impl Target {
    /// A target for `ups` on `host:port`.
    pub fn new(ups: Option<&str>, host: &str, port: u16) -> Self {
        Self {
            ups: ups.map(str::to_owned),
            host: host.to_owned(),
            port,
        }
    }

    /// Parses `upsname[@hostname[:port]]`; host defaults to `localhost`,
    /// port to 3493; IPv6 addresses go in brackets (`ups@[::1]:3493`).
    ///
    /// Like NUT, only the leading digits of the port count (`:3493x` is
    /// 3493) and anything after `]` other than `:port` is ignored.
    ///
    /// # Errors
    ///
    /// [`TargetError`] for an empty argument or host, a missing `]`, a port
    /// outside 1..=65535, or nothing before `@`.
    pub fn parse(input: &str) -> Result<Self, TargetError> {
        let fail = |kind| TargetError {
            input: input.to_owned(),
            kind,
            host_only: false,
        };
        if input.is_empty() {
            return Err(fail(TargetErrorKind::Empty));
        }
        let Some((ups, addr)) = input.split_once('@') else {
            return Ok(Self::new(Some(input), DEFAULT_HOST, DEFAULT_PORT));
        };
        if ups.is_empty() {
            return Err(fail(TargetErrorKind::MissingUpsName));
        }
        let (host, port) = split_addr(addr).map_err(fail)?;
        Ok(Self {
            ups: Some(ups.to_owned()),
            host,
            port,
        })
    }

    /// Parses `hostname[:port]` (as `upsc -l` takes), with bracketed IPv6.
    ///
    /// # Errors
    ///
    /// [`TargetError`] with `host_only` set, as for [`Target::parse`].
    pub fn parse_host(input: &str) -> Result<Self, TargetError> {
        let (host, port) = split_addr(input).map_err(|kind| TargetError {
            input: input.to_owned(),
            kind,
            host_only: true,
        })?;
        Ok(Self {
            ups: None,
            host,
            port,
        })
    }

    /// `host:port` for connecting and messages, with brackets around IPv6.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Target {
    /// `ups@host:port`, or `host:port` for a host-only target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ups) = &self.ups {
            write!(f, "{ups}@")?;
        }
        f.write_str(&self.authority())
    }
}

/// `upscli_splitaddr`: host and port from `host[:port]` or `[v6][:port]`.
fn split_addr(addr: &str) -> Result<(String, u16), TargetErrorKind> {
    if addr.is_empty() {
        return Err(TargetErrorKind::Empty);
    }
    let (host, after) = match addr.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest
                .split_once(']')
                .ok_or(TargetErrorKind::MissingBracket)?;
            (host, after.strip_prefix(':'))
        }
        None => match addr.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (addr, None),
        },
    };
    if host.is_empty() {
        return Err(TargetErrorKind::Empty);
    }
    let port = match after {
        None => DEFAULT_PORT,
        Some(text) => parse_port(text)?,
    };
    Ok((host.to_owned(), port))
}

/// `strtol`-style: the leading digits, which must make 1..=65535.
fn parse_port(text: &str) -> Result<u16, TargetErrorKind> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or(text, |end| text.get(..end).unwrap_or_default());
    // Cap the length so that a long digit string cannot overflow the parse.
    if digits.is_empty() || digits.len() > 5 {
        return Err(TargetErrorKind::BadPort);
    }
    match digits.parse::<u32>() {
        Ok(port @ 1..=65535) => u16::try_from(port).map_err(|_| TargetErrorKind::BadPort),
        _ => Err(TargetErrorKind::BadPort),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> (Option<String>, String, u16) {
        let t = Target::parse(input).unwrap();
        (t.ups, t.host, t.port)
    }

    fn err(input: &str) -> TargetErrorKind {
        Target::parse(input).unwrap_err().kind
    }

    #[test]
    fn defaults_and_full_forms() {
        assert_eq!(ok("ups"), (Some("ups".into()), "localhost".into(), 3493));
        assert_eq!(ok("ups@nas"), (Some("ups".into()), "nas".into(), 3493));
        assert_eq!(ok("ups@nas:1234"), (Some("ups".into()), "nas".into(), 1234));
        assert_eq!(
            ok("ups@10.0.0.1:1"),
            (Some("ups".into()), "10.0.0.1".into(), 1)
        );
        assert_eq!(ok("ups@h:65535").2, 65535);
    }

    #[test]
    fn bracketed_ipv6() {
        assert_eq!(
            ok("ups@[::1]:3494"),
            (Some("ups".into()), "::1".into(), 3494)
        );
        assert_eq!(ok("ups@[::1]"), (Some("ups".into()), "::1".into(), 3493));
        assert_eq!(ok("ups@[fe80::1%eth0]:7").1, "fe80::1%eth0");
        // NUT ignores what follows `]` unless it is `:port`.
        assert_eq!(ok("ups@[::1]junk").2, 3493);
        assert_eq!(err("ups@[::1"), TargetErrorKind::MissingBracket);
        // Unbracketed IPv6 is read as host `` / port `:1`, which NUT rejects too.
        assert!(Target::parse("ups@::1").is_err());
    }

    #[test]
    fn port_limits_like_strtol() {
        assert_eq!(err("ups@h:0"), TargetErrorKind::BadPort);
        assert_eq!(ok("ups@h:1").2, 1);
        assert_eq!(ok("ups@h:65535").2, 65535);
        assert_eq!(err("ups@h:65536"), TargetErrorKind::BadPort);
        assert_eq!(err("ups@h:70000"), TargetErrorKind::BadPort);
        assert_eq!(err("ups@h:"), TargetErrorKind::BadPort);
        assert_eq!(err("ups@h:abc"), TargetErrorKind::BadPort);
        assert_eq!(err("ups@h:99999999999999999999"), TargetErrorKind::BadPort);
        // Leading digits count, as with real upsc (`:13600x`, `:13600:5`).
        assert_eq!(ok("ups@h:13600x").2, 13600);
        assert_eq!(ok("ups@h:13600:5").2, 13600);
    }

    #[test]
    fn empty_forms_and_messages() {
        let e = Target::parse("").unwrap_err();
        assert_eq!(e.kind, TargetErrorKind::Empty);
        assert_eq!(
            e.nut_diagnostic(),
            "upscli_splitname: can't parse empty string"
        );
        let e = Target::parse("ups@").unwrap_err();
        assert_eq!(
            e.nut_diagnostic(),
            "upscli_splitaddr: can't parse empty string"
        );
        assert_eq!(
            e.nut_message(),
            "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]"
        );
        assert_eq!(err("@nas"), TargetErrorKind::MissingUpsName);
        assert_eq!(err("ups@:3493"), TargetErrorKind::Empty);
        let e = Target::parse("ups@h:x").unwrap_err();
        assert_eq!(
            e.nut_diagnostic(),
            "upscli_splitaddr: no port specified after ':' separator"
        );
    }

    #[test]
    fn host_only_forms() {
        let t = Target::parse_host("[::1]:3494").unwrap();
        assert_eq!((t.ups, t.host.as_str(), t.port), (None, "::1", 3494));
        let t = Target::parse_host("nas").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("nas", 3493));
        let e = Target::parse_host("127.0.0.1:").unwrap_err();
        assert!(e.host_only);
        assert_eq!(
            e.nut_message(),
            "invalid hostname.\nRequired format: [hostname[:port]]"
        );
        assert_eq!(
            Target::parse_host("[::1").unwrap_err().kind,
            TargetErrorKind::MissingBracket
        );
    }

    #[test]
    fn display_round_trips() {
        for input in ["ups@localhost:3493", "ups@[::1]:3494", "a.b@10.1.2.3:1"] {
            assert_eq!(Target::parse(input).unwrap().to_string(), input);
        }
        assert_eq!(
            Target::parse_host("[::1]:5").unwrap().to_string(),
            "[::1]:5"
        );
    }
}
