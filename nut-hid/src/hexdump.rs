//! Descriptor files: raw binary, or hex text as people paste it (the
//! corpus format: whitespace-separated hex bytes, optionally with a leading
//! offset column such as `0010`).

use crate::Error;
use crate::config::MAX_DESCRIPTOR_LEN;

/// Longest hex dump accepted, in bytes of text (a full-size descriptor with
/// offsets and generous spacing fits many times over).
pub const MAX_HEX_DUMP_LEN: usize = 16 * MAX_DESCRIPTOR_LEN;

/// Decode hex text: whitespace-separated two-digit hex bytes per line; a
/// first token of four hex digits followed by byte tokens is an offset
/// column and skipped. Lines starting with `#` are comments. Decoding stops
/// at [`MAX_DESCRIPTOR_LEN`] + 1 bytes (the descriptor parser then reports
/// the length error).
///
/// # Errors
///
/// [`Error::InvalidHexDump`] with the line and the offending token.
pub fn decode_hex_dump(text: &str) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let skip = usize::from(
            tokens.len() > 1
                && tokens
                    .first()
                    .is_some_and(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_hexdigit())),
        );
        for token in tokens.iter().skip(skip) {
            let token = token.trim_start_matches("0x");
            let byte = (token.len() == 2)
                .then(|| u8::from_str_radix(token, 16).ok())
                .flatten()
                .ok_or_else(|| Error::InvalidHexDump {
                    line: line_index + 1,
                    token: token.chars().take(16).collect(),
                })?;
            bytes.push(byte);
            if bytes.len() > MAX_DESCRIPTOR_LEN {
                return Ok(bytes);
            }
        }
    }
    Ok(bytes)
}

/// True when `content` looks like hex text rather than binary: only ASCII
/// hex digits, `x`, whitespace and `#` comment lines. (A binary descriptor
/// never qualifies: it starts with an item prefix such as 0x05 or 0x06.)
#[must_use]
pub fn is_hex_text(content: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(content) else {
        return false;
    };
    !text.trim().is_empty()
        && text.lines().all(|line| {
            let line = line.trim();
            line.starts_with('#')
                || line
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace() || b == b'x')
        })
}

/// The descriptor bytes in a file's content, binary or hex text.
///
/// # Errors
///
/// [`Error::DescriptorTooLong`] for content over [`MAX_HEX_DUMP_LEN`]
/// bytes; [`Error::InvalidHexDump`] for bad hex text.
pub fn descriptor_bytes(content: &[u8]) -> Result<Vec<u8>, Error> {
    if content.len() > MAX_HEX_DUMP_LEN {
        return Err(Error::DescriptorTooLong {
            len: content.len(),
            limit: MAX_HEX_DUMP_LEN,
        });
    }
    if is_hex_text(content) {
        decode_hex_dump(&String::from_utf8_lossy(content))
    } else {
        Ok(content.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_offset_columns() {
        assert_eq!(
            decode_hex_dump("05 84 09 04\na1 01").unwrap(),
            [5, 0x84, 9, 4, 0xa1, 1]
        );
        assert_eq!(
            decode_hex_dump("0000  05 84 09 04\n0004  a1 01\n").unwrap(),
            [5, 0x84, 9, 4, 0xa1, 1]
        );
        // A lone 4-digit token is not an offset column: it is an error.
        assert!(decode_hex_dump("0584").is_err());
    }

    #[test]
    fn bad_token_names_line_and_token() {
        assert_eq!(
            decode_hex_dump("05 84\n09 zz").unwrap_err(),
            Error::InvalidHexDump {
                line: 2,
                token: "zz".into()
            }
        );
    }

    #[test]
    fn binary_or_text() {
        assert_eq!(
            descriptor_bytes(&[0x05, 0x84, 0xc0]).unwrap(),
            [0x05, 0x84, 0xc0]
        );
        assert_eq!(descriptor_bytes(b"05 84 c0\n").unwrap(), [0x05, 0x84, 0xc0]);
        assert!(!is_hex_text(b""));
        // At the limit the text is read (and here rejected as one bad
        // token); one byte more is refused before reading.
        assert!(matches!(
            descriptor_bytes(&vec![b'0'; MAX_HEX_DUMP_LEN]),
            Err(Error::InvalidHexDump { line: 1, .. })
        ));
        assert!(matches!(
            descriptor_bytes(&vec![b'0'; MAX_HEX_DUMP_LEN + 1]),
            Err(Error::DescriptorTooLong { .. })
        ));
    }

    #[test]
    fn decoding_stops_past_the_descriptor_limit() {
        let text = "00 ".repeat(MAX_DESCRIPTOR_LEN + 10);
        assert_eq!(
            decode_hex_dump(&text).unwrap().len(),
            MAX_DESCRIPTOR_LEN + 1
        );
    }
}
