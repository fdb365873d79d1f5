//! The Voltronic CRC of voltronic-axpert (qx-protocols App. A): CRC-16
//! XMODEM over the text before the CR, each CRC byte that would read as
//! LF, CR or `(` bumped by one, sent most significant byte first.

/// Bytes a CRC byte must not be (they end or open a reply on the wire).
const BUMPED: [u8; 3] = [0x0A, 0x0D, 0x28];

/// CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection).
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The two CRC bytes as sent (escaped).
pub fn crc_bytes(data: &[u8]) -> [u8; 2] {
    let [hi, lo] = crc16(data).to_be_bytes();
    let bump = |b: u8| if BUMPED.contains(&b) { b + 1 } else { b };
    [bump(hi), bump(lo)]
}

/// Adds the CRC to a command: `QPI\r` → `QPI\xBE\xAC\r`. A command
/// without its CR gets one.
pub fn add(command: &[u8]) -> Vec<u8> {
    let text = command.strip_suffix(b"\r").unwrap_or(command);
    let mut out = text.to_vec();
    out.extend_from_slice(&crc_bytes(text));
    out.push(b'\r');
    out
}

/// Checks and strips the CRC of a reply: `(PI30\x9A\x0B\r` → `(PI30\r`.
pub fn strip(reply: &[u8]) -> Result<Vec<u8>, &'static str> {
    let end = reply
        .iter()
        .position(|&b| b == b'\r')
        .ok_or("no CR after the CRC")?;
    let body = reply.get(..end).unwrap_or_default();
    if body.len() < 3 {
        return Err("too short to carry a CRC");
    }
    let (text, crc) = body.split_at(body.len() - 2);
    if crc != crc_bytes(text) {
        return Err("CRC mismatch");
    }
    let mut out = text.to_vec();
    out.push(b'\r');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference values of qx-protocols App. A.
    #[test]
    fn reference_values() {
        let cases: [(&[u8], [u8; 2]); 17] = [
            (b"QPI", [0xBE, 0xAC]),
            (b"QPIGS", [0xB7, 0xA9]),
            (b"QPIGS2", [0x68, 0x2D]),
            (b"QPIRI", [0xF8, 0x54]),
            (b"QMOD", [0x49, 0xC1]),
            (b"QPIWS", [0xB4, 0xDA]),
            (b"QVFW", [0x62, 0x99]),
            (b"QVFW2", [0xC3, 0xF5]),
            (b"QVFW3", [0xD3, 0xD4]),
            (b"QVFW4", [0xA3, 0x33]),
            (b"QID", [0xD6, 0xEA]),
            (b"QFLAG", [0x98, 0x74]),
            (b"QMD", [0x1A, 0x2E]),
            (b"QDI", [0x71, 0x1B]),
            (b"(PI30", [0x9A, 0x0B]),
            (b"(ACK", [0x39, 0x20]),
            (b"(NAK", [0x73, 0x73]),
        ];
        for (text, want) in cases {
            assert_eq!(crc_bytes(text), want, "{}", String::from_utf8_lossy(text));
        }
        assert_eq!(add(b"QPI\r"), b"QPI\xBE\xAC\r");
    }

    #[test]
    fn strip_checks_the_crc() {
        assert_eq!(strip(b"(PI30\x9A\x0B\r").unwrap(), b"(PI30\r");
        assert!(strip(b"(PI30\x9A\x0C\r").is_err());
        assert!(strip(b"(P\r").is_err());
        assert!(strip(b"(PI30\x9A\x0B").is_err());
        assert!(strip(b"").is_err());
    }

    #[test]
    fn escaped_bytes_never_reach_the_wire() {
        // Some text whose CRC has a byte in BUMPED, found by search.
        let found = (0u32..5000)
            .map(|n| format!("Q{n}"))
            .find(|t| {
                let [a, b] = crc16(t.as_bytes()).to_be_bytes();
                BUMPED.contains(&a) || BUMPED.contains(&b)
            })
            .expect("a text with an escaped CRC byte");
        let sent = crc_bytes(found.as_bytes());
        assert!(!sent.iter().any(|b| BUMPED.contains(b)));
        let reply = add(found.as_bytes());
        assert_eq!(strip(&reply).unwrap(), [found.as_bytes(), b"\r"].concat());
    }
}
