//! The two discovery strings: the command set (`a` →
//! `protocol.alerts.commands[.extra]`) and the capabilities (`^Z` →
//! `#` then per writable variable: letter, locale, count, width, values).

use crate::error::{Error, Received};

/// Most capability entries accepted from one `^Z` reply.
pub const MAX_CAPABILITIES: usize = 64;

/// A parsed `a` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSet<'a> {
    /// The protocol version digit.
    pub protocol: u8,
    /// The alert characters the unit sends.
    pub alerts: &'a [u8],
    /// The letters the unit understands.
    pub commands: &'a [u8],
}

/// Parses an `a` reply of the form NUT accepts
/// (`^[0-9]\.[^.]*\.[^.]+(\.[^.]+)?$`); `None` for anything else (an old
/// unit that does not know `a`).
///
/// ```
/// use nut_serial::apc::caps::parse_command_set;
///
/// let set = parse_command_set(b"3.!$%+?=#|.\x01BCQ\x1a").unwrap();
/// assert_eq!(set.protocol, b'3');
/// assert_eq!(set.commands, b"\x01BCQ\x1a");
/// assert!(parse_command_set(b"NA").is_none());
/// ```
pub fn parse_command_set(text: &[u8]) -> Option<CommandSet<'_>> {
    let mut parts = text.split(|b| *b == b'.');
    let protocol = match parts.next()? {
        [d] if d.is_ascii_digit() => *d,
        _ => return None,
    };
    let alerts = parts.next()?;
    let commands = parts.next().filter(|c| !c.is_empty())?;
    match (parts.next(), parts.next()) {
        (None, _) => {}
        (Some(extra), None) if !extra.is_empty() => {}
        _ => return None,
    }
    Some(CommandSet {
        protocol,
        alerts,
        commands,
    })
}

/// One writable variable announced by `^Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// The variable letter.
    pub letter: u8,
    /// The locale the values apply to (`4` = all; else the last character
    /// of the firmware version).
    pub locale: u8,
    /// The values the variable cycles through with `-`.
    pub values: Vec<Vec<u8>>,
}

/// Parses a `^Z` reply.
///
/// `#` starts a normal string, `##` a Matrix-UPS one (each entry is then
/// preceded by `##`). With `tolerate_overflow` (firmware `451.2.I`, known
/// to announce more than it sends) a string that ends early yields the
/// entries read so far instead of an error.
///
/// ```
/// use nut_serial::apc::caps::parse_capabilities;
///
/// let caps = parse_capabilities(b"#u443253264271280", false).unwrap();
/// assert_eq!(caps[0].letter, b'u');
/// assert_eq!(caps[0].values.len(), 4);
/// assert_eq!(caps[0].values[3], b"280");
/// ```
pub fn parse_capabilities(text: &[u8], tolerate_overflow: bool) -> Result<Vec<Capability>, Error> {
    let malformed = |reason| Error::Malformed {
        query: Received::new(b"\x1a"),
        reason,
        received: Received::new(text),
    };
    let (matrix, mut pos) = match text {
        [b'#', b'#', ..] => (true, 0),
        [b'#', ..] => (false, 1),
        _ => return Err(malformed("capabilities do not start with '#'")),
    };
    let mut out = Vec::new();
    while pos < text.len() {
        if matrix {
            pos += 2;
        }
        let header = text.get(pos..pos + 4);
        let Some(&[letter, locale, count, width]) = header else {
            if tolerate_overflow {
                return Ok(out);
            }
            return Err(malformed("capability string has overflowed"));
        };
        let (Some(count), Some(width)) = (digit(count), digit(width)) else {
            return Err(malformed("capability count or width is not a digit"));
        };
        pos += 4;
        let mut values = Vec::with_capacity(count);
        for _ in 0..count {
            let Some(value) = text.get(pos..pos + width) else {
                if tolerate_overflow {
                    return Ok(out);
                }
                return Err(malformed("capability string has overflowed"));
            };
            values.push(value.to_vec());
            pos += width;
        }
        if out.len() >= MAX_CAPABILITIES {
            return Err(malformed("too many capability entries"));
        }
        out.push(Capability {
            letter,
            locale,
            values,
        });
    }
    Ok(out)
}

fn digit(b: u8) -> Option<usize> {
    b.is_ascii_digit().then(|| usize::from(b - b'0'))
}

/// Encodes capabilities the way a unit sends them (the simulator's `^Z`):
/// `#` then the entries, or the Matrix-UPS form (`##` before each entry)
/// when the first letter is itself `#`, so the result always parses back.
pub fn encode_capabilities(caps: &[Capability]) -> Vec<u8> {
    let matrix = caps.first().is_some_and(|c| c.letter == b'#');
    let mut out = if matrix { Vec::new() } else { vec![b'#'] };
    for c in caps {
        if matrix {
            out.extend_from_slice(b"##");
        }
        let width = c.values.iter().map(Vec::len).max().unwrap_or(0).min(9);
        let count = c.values.len().min(9);
        out.push(c.letter);
        out.push(c.locale);
        out.push(b'0' + u8::try_from(count).unwrap_or(9));
        out.push(b'0' + u8::try_from(width).unwrap_or(9));
        for v in c.values.iter().take(count) {
            let mut padded = v.clone();
            padded.resize(width, b' ');
            out.extend_from_slice(&padded);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_set_shapes() {
        assert!(parse_command_set(b"3.!$.ABC.x").is_some());
        assert!(parse_command_set(b"3..ABC").is_some());
        assert!(parse_command_set(b"3.!$.").is_none());
        assert!(parse_command_set(b"3.!$.ABC.").is_none());
        assert!(parse_command_set(b"3.!$.ABC.x.y").is_none());
        assert!(parse_command_set(b"x.!$.ABC").is_none());
        assert!(parse_command_set(b"").is_none());
    }

    #[test]
    fn capabilities_of_the_lab_simulator() {
        let caps = parse_capabilities(
            b"#u443253264271280l443196188208204p443020180300600r443000060180300",
            false,
        )
        .unwrap();
        let letters: Vec<u8> = caps.iter().map(|c| c.letter).collect();
        assert_eq!(letters, b"ulpr");
        assert_eq!(caps[1].values[0], b"196");
        assert_eq!(
            encode_capabilities(&caps),
            b"#u443253264271280l443196188208204p443020180300600r443000060180300"
        );
    }

    #[test]
    fn matrix_and_broken_strings() {
        let caps = parse_capabilities(b"##u41233##l41219", false).unwrap();
        assert_eq!(caps.len(), 2);
        assert_eq!(caps[1].values, vec![b"19".to_vec()]);
        let hash_first = vec![Capability {
            letter: b'#',
            locale: b'4',
            values: vec![b"1".to_vec()],
        }];
        let encoded = encode_capabilities(&hash_first);
        assert_eq!(encoded, b"###4111");
        assert_eq!(parse_capabilities(&encoded, false).unwrap(), hash_first);
        assert!(parse_capabilities(b"u4", false).is_err());
        assert!(parse_capabilities(b"#u443253", false).is_err());
        assert_eq!(parse_capabilities(b"#u4132", true).unwrap(), vec![]);
        assert!(parse_capabilities(b"#u4x3253", false).is_err());
        assert_eq!(parse_capabilities(b"#", false).unwrap(), vec![]);
    }

    #[test]
    fn entry_count_limit() {
        let mut at = b"#".to_vec();
        for _ in 0..MAX_CAPABILITIES {
            at.extend_from_slice(b"u410");
        }
        assert_eq!(
            parse_capabilities(&at, false).unwrap().len(),
            MAX_CAPABILITIES
        );
        at.extend_from_slice(b"u410");
        assert!(parse_capabilities(&at, false).is_err());
    }
}
