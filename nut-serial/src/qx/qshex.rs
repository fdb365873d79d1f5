//! The binary `QS` reply of voltronic-qs-hex (qx-protocols §2.5): escape
//! handling, decoding to the hex/binary text the table reads, and the
//! inverse for simulators.

/// Escape introducer.
const ESC: u8 = 0x28;
/// Bytes that must be escaped on the wire, by escape code.
const ESCAPED: [u8; 5] = [0x0D, 0x11, 0x13, 0x0A, 0x20];
/// Number of tokens of a PM-P reply (bits in token 10).
pub const TOKENS_P: usize = 10;
/// Number of tokens of a PM-T reply (bits in tokens 10 and 11).
pub const TOKENS_T: usize = 11;
/// Data bytes of each token (`AAAA BB CCCC DD EE FFFF GGGGGG HH II b t`).
/// Only the total decoded length is NUT's check; a wrong-sized token
/// shifts every field after it.
const TOKEN_BYTES: [usize; TOKENS_T] = [2, 1, 2, 1, 1, 2, 3, 1, 1, 1, 1];
/// Decoded length (without CR) of a PM-P reply.
pub const DECODED_LEN_P: usize = 46;
/// Decoded length (without CR) of a PM-T reply.
pub const DECODED_LEN_T: usize = 55;

/// Splits the raw reply (`#` … CR) into unescaped tokens.
fn tokens(raw: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    let body = raw.strip_prefix(b"#").ok_or("no leading '#'")?;
    // LF is escaped like CR: a raw one ended the serial line early.
    let end = body
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .ok_or("no CR")?;
    if body.get(end) == Some(&b'\n') {
        return Err("raw LF before the CR");
    }
    let body = body.get(..end).ok_or("no CR")?;
    let mut out = vec![Vec::new()];
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        if b == b' ' {
            if out.len() > TOKENS_T {
                return Err("too many tokens");
            }
            out.push(Vec::new());
            i += 1;
            continue;
        }
        let current = out.last_mut().ok_or("no token")?;
        if b == ESC
            && let Some(&code) = body.get(i + 1)
            && let Some(&unescaped) = ESCAPED.get(usize::from(code))
        {
            current.push(unescaped);
            i += 2;
            continue;
        }
        current.push(b);
        i += 1;
    }
    Ok(out)
}

/// Decodes a raw binary `QS` reply into its text form plus CR (e.g.
/// `#6c01 35 6c01 35 03 519a 1312d0 e6 1e 00001001\r`).
pub fn decode(raw: &[u8]) -> Result<Vec<u8>, &'static str> {
    let tokens = tokens(raw)?;
    if tokens.len() != TOKENS_P && tokens.len() != TOKENS_T {
        return Err("wrong number of tokens");
    }
    if tokens.iter().zip(TOKEN_BYTES).any(|(t, n)| t.len() != n) {
        return Err("token of the wrong size");
    }
    let mut text = Vec::with_capacity(DECODED_LEN_T + 1);
    text.push(b'#');
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            text.push(b' ');
        }
        for &b in token {
            if i + 1 >= TOKENS_P {
                text.extend(
                    (0..8)
                        .rev()
                        .map(|bit| if b >> bit & 1 == 1 { b'1' } else { b'0' }),
                );
            } else {
                text.extend(format!("{b:02x}").bytes());
            }
        }
    }
    let expected = if tokens.len() == TOKENS_P {
        DECODED_LEN_P
    } else {
        DECODED_LEN_T
    };
    // Fixed token sizes give a fixed layout.
    debug_assert_eq!(text.len(), expected);
    text.push(b'\r');
    Ok(text)
}

/// Encodes tokens as a raw reply, escaping CR, LF, XON, XOFF and space.
/// Returns `None` when a literal 0x28 would be followed by 0x00–0x04
/// (the wire format cannot express that; pick other field values).
pub fn encode(tokens: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut out = vec![b'#'];
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        for (j, &b) in token.iter().enumerate() {
            if let Some(code) = ESCAPED.iter().position(|&e| e == b) {
                out.push(ESC);
                out.push(u8::try_from(code).ok()?);
            } else {
                if b == ESC {
                    let next = token.get(j + 1).copied().or(if i + 1 < tokens.len() {
                        Some(b' ')
                    } else {
                        Some(b'\r')
                    });
                    if next.is_some_and(|n| usize::from(n) < ESCAPED.len()) {
                        return None;
                    }
                }
                out.push(b);
            }
        }
    }
    out.push(b'\r');
    Some(out)
}

/// Parses a hex field of the decoded text.
pub fn hex_value(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 12 {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source's worked example (27 raw bytes).
    const EXAMPLE: [u8; 27] = [
        0x23, 0x6C, 0x01, 0x20, 0x35, 0x20, 0x6C, 0x01, 0x20, 0x35, 0x20, 0x03, 0x20, 0x51, 0x9A,
        0x20, 0x28, 0x02, 0x12, 0xD0, 0x20, 0xE6, 0x20, 0x1E, 0x20, 0x09, 0x0D,
    ];

    #[test]
    fn decodes_the_reference_example() {
        let text = decode(&EXAMPLE).unwrap();
        assert_eq!(text, b"#6c01 35 6c01 35 03 519a 1312d0 e6 1e 00001001\r");
    }

    #[test]
    fn encode_inverts_decode() {
        let tokens = tokens(&EXAMPLE).unwrap();
        assert_eq!(encode(&tokens).unwrap(), EXAMPLE.to_vec());
    }

    #[test]
    fn refuses_wrong_token_counts_and_lengths() {
        assert_eq!(decode(b"#01 02\r"), Err("wrong number of tokens"));
        assert!(decode(b"01\r").is_err());
        let mut short = EXAMPLE.to_vec();
        short.remove(1);
        assert_eq!(decode(&short), Err("token of the wrong size"));
        let many = [b"#".as_slice(), &[b'1', b' '].repeat(20), b"\r"].concat();
        assert!(decode(&many).is_err());
    }

    #[test]
    fn escape_ambiguity_is_reported() {
        assert!(encode(&[vec![0x28, 0x01]]).is_none());
        assert_eq!(encode(&[vec![0x28, 0x41]]).unwrap(), b"#(A\r");
    }
}
