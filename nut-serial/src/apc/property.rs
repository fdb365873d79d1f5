//! The `apc_response` fuzz property, also replayed over the committed
//! corpus by the test suite: a byte stream from a unit is cut into replies
//! exactly as the engine reads it, and every reply goes through every
//! decoder.

use super::caps::{encode_capabilities, parse_capabilities, parse_command_set};
use super::format::{convert, values};
use super::reply::{MAX_REPLY_LEN, ReadMode, Terminator, scan};
use super::status::decode_status;
use super::table::VARS;

/// Byte 0 picks the read mode (low 2 bits) and the variable whose letter
/// was "sent" (the rest); the other bytes are what the unit sent.
///
/// Properties checked (an `Err` names the one that broke):
/// * scanning never panics, and for every reply `consumed` = text +
///   alerts + ignored CRs + terminator, where the text is the consumed
///   bytes without CRs, alert characters and the terminator, and the
///   alerts are those characters in order;
/// * no reply text is longer than [`MAX_REPLY_LEN`];
/// * a status reply that decodes re-encodes to the same status byte;
/// * a value decodes to the table's conversion of its text;
/// * capabilities that parse re-encode to a string that parses the same.
///
/// `Ok` carries the number of complete replies.
pub fn fuzz_property(data: &[u8]) -> Result<usize, String> {
    let Some((&pick, mut rest)) = data.split_first() else {
        return Ok(0);
    };
    let mode = ReadMode::ALL[usize::from(pick & 3)];
    let def = VARS[usize::from(pick >> 2) % VARS.len()];
    let query = [def.letter];
    let mut complete = 0;
    while !rest.is_empty() {
        let Ok(s) = scan(mode, &query, rest) else {
            // Over-long: the engine reports TooLong and drops the line.
            let text = rest
                .iter()
                .filter(|b| **b != b'\r' && mode.alert(**b).is_none())
                .take_while(|b| **b != b'\n')
                .count();
            if text <= MAX_REPLY_LEN {
                return Err(format!("TooLong with only {text} text bytes"));
            }
            return Ok(complete);
        };
        let consumed = rest.get(..s.consumed).ok_or("consumed beyond the input")?;
        let terminated = usize::from(s.terminator.is_some());
        if s.consumed != s.text.len() + s.alerts.len() + s.ignored + terminated {
            return Err(format!("consumed {} != parts of {s:?}", s.consumed));
        }
        let body = consumed
            .get(..consumed.len() - terminated)
            .ok_or("terminator accounting")?;
        let text: Vec<u8> = body
            .iter()
            .copied()
            .filter(|b| *b != b'\r' && mode.alert(*b).is_none())
            .collect();
        let alerts: Vec<u8> = body
            .iter()
            .copied()
            .filter(|b| *b != b'\r' && mode.alert(*b).is_some())
            .collect();
        if text != s.text {
            return Err(format!("text {:?} is not the input without alerts", s.text));
        }
        if alerts != s.alerts.iter().map(|a| a.as_byte()).collect::<Vec<u8>>() {
            return Err(format!(
                "alerts {:?} are not the alert bytes {alerts:?}",
                s.alerts
            ));
        }
        if s.text.len() > MAX_REPLY_LEN {
            return Err("reply over the limit".into());
        }
        rest = rest.get(s.consumed..).unwrap_or_default();
        if s.terminator.is_none() {
            break;
        }
        complete += 1;
        if s.terminator == Some(Terminator::Asterisk) {
            continue;
        }
        check_reply(def, &s.text)?;
    }
    Ok(complete)
}

/// Every decoder on one reply text.
fn check_reply(def: super::table::VarDef, text: &[u8]) -> Result<(), String> {
    if let Ok(bits) = decode_status(text) {
        let again = decode_status(bits.encode().as_bytes()).map_err(|e| e.to_string())?;
        if again != bits {
            return Err(format!("status {bits} re-encodes to {again}"));
        }
    }
    if let Ok(published) = values(&def, text) {
        let raw = String::from_utf8_lossy(text);
        if !def.pack && published != [(def.name.to_owned(), convert(def.format, &raw))] {
            return Err(format!("{published:?} is not the conversion of {raw:?}"));
        }
        if published.is_empty() || published.len() > super::table::PACK_MAX {
            return Err(format!("{} values from one reply", published.len()));
        }
    }
    let _ = parse_command_set(text);
    for quirk in [false, true] {
        if let Ok(caps) = parse_capabilities(text, quirk) {
            let again = parse_capabilities(&encode_capabilities(&caps), false)
                .map_err(|e| format!("re-encoded capabilities do not parse: {e}"))?;
            if again != caps {
                return Err(format!("capabilities {caps:?} re-parse as {again:?}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_holds_on_typical_streams() {
        let cases: [&[u8]; 6] = [
            b"\x00229.4\r\n!\r\n08\r\n",
            b"\x0122!9.4\r\n#u443253264271280\r\n",
            b"\x023.!$%+?=#|.QB*\r\n",
            b"\x03*OK\r\n",
            b"\x00\xff\xfe\r\n\r\n",
            b"\x00partial",
        ];
        let complete: Vec<usize> = cases.iter().map(|c| fuzz_property(c).unwrap()).collect();
        assert_eq!(complete, vec![3, 2, 1, 2, 2, 0]);
        let mut long = vec![0u8];
        long.extend(std::iter::repeat_n(b'9', MAX_REPLY_LEN + 1));
        assert_eq!(fuzz_property(&long), Ok(0));
        assert_eq!(fuzz_property(b""), Ok(0));
    }
}
