//! `ups[@host[:port]]`: how `MONITOR` names a UPS on a server.

use std::fmt;

/// NUT's default network port.
pub const DEFAULT_PORT: u16 = 3493;

/// Host used when the name has no `@host` part.
pub const DEFAULT_HOST: &str = "localhost";

/// A UPS on a server, split from `ups[@host[:port]]`.
///
/// IPv6 hosts are written in brackets: `ups@[::1]:3493`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UpsAddress {
    /// The UPS name on the server (`LOGIN <ups>`).
    pub ups: String,
    /// Host name or address, without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why a `ups[@host[:port]]` could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressError {
    /// Nothing before `@`.
    EmptyUps,
    /// Nothing after `@`.
    EmptyHost,
    /// `[` without a closing `]`, or junk after `]`.
    BadBrackets,
    /// The port is not a number in 1..=65535.
    BadPort,
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyUps => "no UPS name before '@'",
            Self::EmptyHost => "no host after '@'",
            Self::BadBrackets => "unbalanced '[' ']' around the host",
            Self::BadPort => "port is not a number from 1 to 65535",
        })
    }
}

impl UpsAddress {
    /// Splits `ups[@host[:port]]`.
    ///
    /// # Errors
    ///
    /// An empty UPS or host name, bad IPv6 brackets, or a bad port.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        let Some((ups, rest)) = text.split_once('@') else {
            if text.is_empty() {
                return Err(AddressError::EmptyUps);
            }
            return Ok(Self {
                ups: text.to_owned(),
                host: DEFAULT_HOST.to_owned(),
                port: DEFAULT_PORT,
            });
        };
        if ups.is_empty() {
            return Err(AddressError::EmptyUps);
        }
        let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']').ok_or(AddressError::BadBrackets)?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or(AddressError::BadBrackets)?),
            };
            (host, port)
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(AddressError::EmptyHost);
        }
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(AddressError::BadPort),
            },
        };
        Ok(Self {
            ups: ups.to_owned(),
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for UpsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}@[{}]:{}", self.ups, self.host, self.port)
        } else {
            write!(f, "{}@{}:{}", self.ups, self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(ups: &str, host: &str, port: u16) -> UpsAddress {
        UpsAddress {
            ups: ups.into(),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn forms() {
        assert_eq!(UpsAddress::parse("ups"), Ok(addr("ups", "localhost", 3493)));
        assert_eq!(UpsAddress::parse("ups@h"), Ok(addr("ups", "h", 3493)));
        assert_eq!(
            UpsAddress::parse("ups@h:13493"),
            Ok(addr("ups", "h", 13493))
        );
        assert_eq!(UpsAddress::parse("u@[::1]"), Ok(addr("u", "::1", 3493)));
        assert_eq!(UpsAddress::parse("u@[::1]:10"), Ok(addr("u", "::1", 10)));
    }

    #[test]
    fn errors() {
        assert_eq!(UpsAddress::parse(""), Err(AddressError::EmptyUps));
        assert_eq!(UpsAddress::parse("@h"), Err(AddressError::EmptyUps));
        assert_eq!(UpsAddress::parse("u@"), Err(AddressError::EmptyHost));
        assert_eq!(UpsAddress::parse("u@:1"), Err(AddressError::EmptyHost));
        assert_eq!(UpsAddress::parse("u@h:0"), Err(AddressError::BadPort));
        assert_eq!(UpsAddress::parse("u@h:65536"), Err(AddressError::BadPort));
        assert_eq!(UpsAddress::parse("u@h:+1"), Err(AddressError::BadPort));
        assert_eq!(UpsAddress::parse("u@h:x"), Err(AddressError::BadPort));
        assert_eq!(UpsAddress::parse("u@[::1"), Err(AddressError::BadBrackets));
        assert_eq!(
            UpsAddress::parse("u@[::1]x"),
            Err(AddressError::BadBrackets)
        );
        assert_eq!(UpsAddress::parse("u@h:65535").map(|a| a.port), Ok(65535));
    }

    #[test]
    fn display_round_trips() {
        for text in ["u@h:1", "u@[::1]:3493"] {
            let a = UpsAddress::parse(text).unwrap();
            assert_eq!(a.to_string(), text);
        }
    }
}
