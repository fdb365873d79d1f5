//! `upsname[@hostname[:port]]` and `hostname[:port]` arguments, read as
//! libupsclient's `upscli_splitname` / `upscli_splitaddr` read them
//! ([`TargetSyntax::Nut`], the default) or strictly
//! ([`TargetSyntax::Strict`]).

use std::fmt;

use crate::cnum::strtol;
use crate::net::DEFAULT_PORT;

/// The host used when a target names none.
pub const DEFAULT_HOST: &str = "localhost";

/// Longest argument that counts, in bytes: libupsclient copies it into a
/// 512-byte buffer (`SMALLBUF`), so NUT ignores what follows byte 511.
/// [`TargetSyntax::Strict`] rejects longer arguments instead.
pub const MAX_TARGET_LEN: usize = 511;

/// How a target argument is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TargetSyntax {
    /// Exactly as NUT 2.8's libupsclient reads it, quirks included: names
    /// are split with C's `strtok`, so separators in a row count as one
    /// and leading ones are skipped (`@nas:3493` asks `nas:3493` for a UPS
    /// named `nas:3493`; `ups@:3493` connects to host `3493`); the port is
    /// read with `strtol` (`:+3493x` is 3493); after `]` anything but
    /// `:port` is ignored; only the first [`MAX_TARGET_LEN`] bytes count.
    /// Arguments on which NUT 2.8.0 crashes (`@`, `ups@:`, `ups@[]`: no
    /// name at all between separators) are rejected.
    #[default]
    Nut,
    /// Only well-formed arguments: a non-empty UPS name before a single
    /// `@`, a non-empty host without `@`, a port of digits only, nothing
    /// after `]` but `:port`, at most [`MAX_TARGET_LEN`] bytes.
    Strict,
}

/// Where a client connects, and optionally which UPS it talks about.
///
/// ```
/// use nut_proto::client::{Target, TargetSyntax};
///
/// let t = Target::parse("ups@[::1]:3494")?;
/// assert_eq!((t.ups.as_deref(), t.host.as_str(), t.port), (Some("ups"), "::1", 3494));
/// assert_eq!(t.to_string(), "ups@[::1]:3494");
///
/// let t = Target::parse("ups")?;
/// assert_eq!((t.host.as_str(), t.port), ("localhost", 3493));
///
/// // NUT's reading of an odd argument, and the strict one.
/// let t = Target::parse("@nas:1234")?;
/// assert_eq!((t.ups.as_deref(), t.host.as_str(), t.port), (Some("nas:1234"), "nas", 1234));
/// assert!(Target::parse_with("@nas:1234", TargetSyntax::Strict).is_err());
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
    /// `:` not followed by a port in 1..=65535 (strict: digits only).
    BadPort,
    /// No UPS name: only `@`s (NUT), or nothing before `@` (strict).
    MissingUpsName,
    /// No host name: only `:`s, or only `]`s inside brackets (NUT), or
    /// nothing before `:` or inside the brackets (strict).
    MissingHost,
    /// Strict only: `@` in the host, or text after `]` other than `:port`.
    Malformed,
    /// Strict only: longer than [`MAX_TARGET_LEN`] bytes.
    TooLong,
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
    /// The syntax the argument was read with.
    pub syntax: TargetSyntax,
}

impl TargetErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Empty => "can't parse empty string",
            Self::MissingBracket => "missing closing bracket in [domain literal]",
            Self::BadPort => "no port specified after ':' separator",
            Self::MissingUpsName => "no UPS name",
            Self::MissingHost => "no host name",
            Self::Malformed => "unexpected '@' in the host, or text after ']'",
            Self::TooLong => "longer than 511 bytes",
        }
    }

    /// What libupsclient prints after `upscli_split...: `. Where NUT 2.8.0
    /// crashes (no name between the separators), newer libupsclient says
    /// `xstrdup failed`.
    fn nut_text(self) -> &'static str {
        match self {
            Self::MissingUpsName | Self::MissingHost => "xstrdup failed",
            other => other.describe(),
        }
    }
}

impl TargetError {
    /// The diagnostic line libupsclient writes to stderr before the CLI's
    /// own message, e.g. `upscli_splitaddr: no port specified after ':'
    /// separator`; `None` when NUT would have accepted the argument (a
    /// [`TargetSyntax::Strict`] rejection of something NUT reads).
    pub fn nut_diagnostic(&self) -> Option<String> {
        if self.syntax != TargetSyntax::Nut {
            let nut = if self.host_only {
                Target::parse_host(&self.input)
            } else {
                Target::parse(&self.input)
            };
            return nut.err().and_then(|e| e.nut_diagnostic());
        }
        let in_name = !self.host_only
            && match self.kind {
                TargetErrorKind::Empty => self.input.is_empty(),
                TargetErrorKind::MissingUpsName => true,
                _ => false,
            };
        let function = if in_name {
            "upscli_splitname"
        } else {
            "upscli_splitaddr"
        };
        Some(format!("{function}: {}", self.kind.nut_text()))
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

    /// Parses `upsname[@hostname[:port]]` as NUT does
    /// ([`TargetSyntax::Nut`]); host defaults to `localhost`, port to 3493;
    /// IPv6 addresses go in brackets (`ups@[::1]:3493`).
    ///
    /// # Errors
    ///
    /// [`TargetError`] for an empty argument or host, a missing `]`, a port
    /// outside 1..=65535, or no name at all between the separators.
    pub fn parse(input: &str) -> Result<Self, TargetError> {
        Self::parse_with(input, TargetSyntax::Nut)
    }

    /// Parses `upsname[@hostname[:port]]` with the given syntax.
    ///
    /// # Errors
    ///
    /// As [`Target::parse`], plus the strict rejections of
    /// [`TargetSyntax::Strict`].
    pub fn parse_with(input: &str, syntax: TargetSyntax) -> Result<Self, TargetError> {
        let fail = |kind| TargetError {
            input: input.to_owned(),
            kind,
            host_only: false,
            syntax,
        };
        if input.is_empty() {
            return Err(fail(TargetErrorKind::Empty));
        }
        let text = bounded(input, syntax).map_err(fail)?;
        let (ups, addr) = match syntax {
            TargetSyntax::Nut => {
                // strtok: leading `@`s skipped, the name ends at the next one.
                let ups = first_token(text, '@').ok_or(TargetErrorKind::MissingUpsName);
                (
                    ups.map_err(fail)?,
                    text.split_once('@').map(|(_, addr)| addr),
                )
            }
            TargetSyntax::Strict => match text.split_once('@') {
                Some(("", _)) => return Err(fail(TargetErrorKind::MissingUpsName)),
                Some((ups, addr)) => (ups, Some(addr)),
                None => (text, None),
            },
        };
        let (host, port) = match addr {
            Some(addr) => split_addr(addr, syntax).map_err(fail)?,
            None => (DEFAULT_HOST.to_owned(), DEFAULT_PORT),
        };
        Ok(Self {
            ups: Some(ups.to_owned()),
            host,
            port,
        })
    }

    /// Parses `hostname[:port]` (as `upsc -l` takes), with bracketed IPv6,
    /// as NUT does.
    ///
    /// # Errors
    ///
    /// [`TargetError`] with `host_only` set, as for [`Target::parse`].
    pub fn parse_host(input: &str) -> Result<Self, TargetError> {
        Self::parse_host_with(input, TargetSyntax::Nut)
    }

    /// Parses `hostname[:port]` with the given syntax.
    ///
    /// # Errors
    ///
    /// As [`Target::parse_host`], plus the strict rejections.
    pub fn parse_host_with(input: &str, syntax: TargetSyntax) -> Result<Self, TargetError> {
        let fail = |kind| TargetError {
            input: input.to_owned(),
            kind,
            host_only: true,
            syntax,
        };
        let text = bounded(input, syntax).map_err(fail)?;
        let (host, port) = split_addr(text, syntax).map_err(fail)?;
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

/// The part of `input` that counts: NUT cuts it to [`MAX_TARGET_LEN`]
/// bytes, the strict syntax refuses longer input.
fn bounded(input: &str, syntax: TargetSyntax) -> Result<&str, TargetErrorKind> {
    if input.len() <= MAX_TARGET_LEN {
        return Ok(input);
    }
    if syntax == TargetSyntax::Strict {
        return Err(TargetErrorKind::TooLong);
    }
    let mut end = MAX_TARGET_LEN;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    Ok(input.get(..end).unwrap_or_default())
}

/// C's `strtok(text, separator)` once: the first run of non-separators.
fn first_token(text: &str, separator: char) -> Option<&str> {
    text.split(separator).find(|token| !token.is_empty())
}

/// `upscli_splitaddr`: host and port from `host[:port]` or `[v6][:port]`.
fn split_addr(addr: &str, syntax: TargetSyntax) -> Result<(String, u16), TargetErrorKind> {
    if addr.is_empty() {
        return Err(TargetErrorKind::Empty);
    }
    let strict = syntax == TargetSyntax::Strict;
    let (host, port_text) = match addr.strip_prefix('[') {
        Some(_) if !addr.contains(']') => return Err(TargetErrorKind::MissingBracket),
        Some(rest) if strict => {
            let (host, after) = rest
                .split_once(']')
                .ok_or(TargetErrorKind::MissingBracket)?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(TargetErrorKind::Malformed),
            }
        }
        Some(rest) => {
            // strtok on `]`: leading `]`s skipped, the host ends at the next
            // one; only a `:` right after it introduces a port.
            let rest = rest.trim_start_matches(']');
            let (host, after) = rest.split_once(']').unwrap_or((rest, ""));
            (host, after.strip_prefix(':'))
        }
        None if strict && addr.contains('@') => return Err(TargetErrorKind::Malformed),
        None if strict => match addr.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (addr, None),
        },
        // strtok on `:` for the host; the port follows the first `:`.
        None => (
            first_token(addr, ':').unwrap_or_default(),
            addr.split_once(':').map(|(_, port)| port),
        ),
    };
    if host.is_empty() {
        return Err(TargetErrorKind::MissingHost);
    }
    let port = match port_text {
        None => DEFAULT_PORT,
        Some(text) => parse_port(text, syntax)?,
    };
    Ok((host.to_owned(), port))
}

/// The port after `:`: NUT's `strtol` (leading blanks, a sign, digits,
/// anything after ignored) or, strictly, 1 to 5 digits; 1..=65535 either way.
fn parse_port(text: &str, syntax: TargetSyntax) -> Result<u16, TargetErrorKind> {
    let value = match syntax {
        TargetSyntax::Nut if !text.is_empty() => strtol(text),
        TargetSyntax::Strict if text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().unwrap_or(0)
        }
        _ => 0,
    };
    u16::try_from(value)
        .ok()
        .filter(|&port| port != 0)
        .ok_or(TargetErrorKind::BadPort)
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
