//! `upsname[@hostname[:port]]` and `hostname[:port]` as the NUT clients read
//! them (libupsclient's `upscli_splitname` / `upscli_splitaddr`), with their
//! diagnostics.
//!
//! The diagnostics matter: NUT prints them on stderr *before* the program's own
//! `Error: invalid UPS definition.` line, so they are part of the byte-exact
//! output. The port is read like C's `strtol` (leading blanks, a sign, digits,
//! anything after ignored), so `host:3493x` means port 3493 while `host:0`,
//! `host:-1` and `host:70000` are rejected.

/// NUT's default upsd port.
pub const DEFAULT_PORT: u16 = 3493;

/// The host used when none is given.
pub const DEFAULT_HOST: &str = "localhost";

/// Where to connect, and which UPS to ask about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The UPS name (may be empty: `@host` asks upsd about `""`).
    pub ups: String,
    /// Host name or address, without IPv6 brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why a target could not be read: libupsclient's diagnostic line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError(pub &'static str);

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Reads `upsname[@hostname[:port]]`.
pub fn split_name(text: &str) -> Result<Target, SplitError> {
    if text.is_empty() {
        return Err(SplitError("upscli_splitname: can't parse empty string"));
    }
    match text.split_once('@') {
        None => Ok(Target {
            ups: text.to_owned(),
            host: DEFAULT_HOST.to_owned(),
            port: DEFAULT_PORT,
        }),
        Some((ups, addr)) => {
            let (host, port) = split_addr(addr)?;
            Ok(Target {
                ups: ups.to_owned(),
                host,
                port,
            })
        }
    }
}

/// Reads `hostname[:port]` or `[v6 address][:port]`.
pub fn split_addr(text: &str) -> Result<(String, u16), SplitError> {
    if text.is_empty() {
        return Err(SplitError("upscli_splitaddr: can't parse empty string"));
    }
    if let Some(bracketed) = text.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(SplitError(
                "upscli_splitaddr: missing closing bracket in [domain literal]",
            ));
        };
        // libupsclient only looks for a port right after the bracket.
        let port = match after.strip_prefix(':') {
            Some(port) => parse_port(port)?,
            None => DEFAULT_PORT,
        };
        return Ok((host.to_owned(), port));
    }
    match text.split_once(':') {
        None => Ok((text.to_owned(), DEFAULT_PORT)),
        Some((host, port)) => Ok((host.to_owned(), parse_port(port)?)),
    }
}

/// `strtol(text, NULL, 10)` limited to 1..=65535.
fn parse_port(text: &str) -> Result<u16, SplitError> {
    const NO_PORT: SplitError =
        SplitError("upscli_splitaddr: no port specified after ':' separator");
    let value = strtol(text);
    u16::try_from(value)
        .ok()
        .filter(|&port| port != 0)
        .ok_or(NO_PORT)
}

/// C's `strtol` in base 10, saturating: leading white space, an optional sign,
/// then as many digits as there are; 0 when there are none.
pub(crate) fn strtol(text: &str) -> i64 {
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let mut value: i64 = 0;
    for digit in digits.bytes().take_while(u8::is_ascii_digit) {
        let d = i64::from(digit - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(d)
        } else {
            value.saturating_mul(10).saturating_add(d)
        };
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(ups: &str, host: &str, port: u16) -> Target {
        Target {
            ups: ups.into(),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn names_with_and_without_host_and_port() {
        assert_eq!(split_name("ups"), Ok(target("ups", "localhost", 3493)));
        assert_eq!(split_name("ups@h"), Ok(target("ups", "h", 3493)));
        assert_eq!(split_name("ups@h:1234"), Ok(target("ups", "h", 1234)));
        assert_eq!(split_name("@h:1"), Ok(target("", "h", 1)));
        assert_eq!(split_name("ups@[::1]:99"), Ok(target("ups", "::1", 99)));
        assert_eq!(split_name("ups@[::1]x"), Ok(target("ups", "::1", 3493)));
    }

    #[test]
    fn ports_read_like_strtol() {
        assert_eq!(split_addr("h:13640:5"), Ok(("h".into(), 13640)));
        assert_eq!(split_addr("h:12x"), Ok(("h".into(), 12)));
        assert_eq!(split_addr("h:+5"), Ok(("h".into(), 5)));
        assert_eq!(split_addr("h:65535"), Ok(("h".into(), 65535)));
        for bad in [
            "h:",
            "h:x",
            "h:0",
            "h:-1",
            "h:65536",
            "h:99999999999999999999999",
        ] {
            assert_eq!(
                split_addr(bad),
                Err(SplitError(
                    "upscli_splitaddr: no port specified after ':' separator"
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn diagnostics_match_libupsclient() {
        assert_eq!(
            split_name("").unwrap_err().to_string(),
            "upscli_splitname: can't parse empty string"
        );
        assert_eq!(
            split_name("ups@").unwrap_err().to_string(),
            "upscli_splitaddr: can't parse empty string"
        );
        assert_eq!(
            split_addr("[::1").unwrap_err().to_string(),
            "upscli_splitaddr: missing closing bracket in [domain literal]"
        );
    }

    #[test]
    fn strtol_saturates_and_stops_at_junk() {
        assert_eq!(strtol("  42abc"), 42);
        assert_eq!(strtol("-7"), -7);
        assert_eq!(strtol(""), 0);
        assert_eq!(strtol("abc"), 0);
        assert_eq!(strtol("99999999999999999999999"), i64::MAX);
        assert_eq!(strtol("-99999999999999999999999"), i64::MIN);
    }
}
