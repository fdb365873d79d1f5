//! The bridges that read replies as USB string descriptors: krauler,
//! fabula, hunnox and snr (qx-protocols §3.3). The command picks the
//! string index; nothing is written (fabula and hunnox encode shutdown
//! delays in the index).

use std::time::Duration;

use super::{Bridge, BridgeOptions, EP_IN, TransferError, UsbTransport, with_cr};

/// The reply text a unit sends when it has nothing to say.
const NO_ACK: &[u8] = b"UPS No Ack";
/// Attempts of krauler and snr.
const ATTEMPTS: usize = 10;
/// Descriptor buffer of hunnox and snr.
const SMALL_BUFFER: usize = 102;
/// Descriptor buffer of the other string reads.
const STRING_BUFFER: usize = 255;
/// Language hunnox primes with when `langid_fix` is unset.
const HUNNOX_DEFAULT_LANGID: u16 = 0x0409;

/// A raw descriptor to ASCII, as NUT does with `langid_fix`: the length
/// must equal byte 0; each UTF-16 unit with a high byte becomes `?`.
pub(super) fn utf16_to_ascii(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.first().map(|&l| usize::from(l)) != Some(raw.len()) {
        return None;
    }
    Some(
        raw.get(2..)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|u| if u[1] != 0 { b'?' } else { u[0] })
            .collect(),
    )
}

/// Whether `reply`'s text before its CR is `UPS No Ack`.
fn no_ack(reply: &[u8]) -> bool {
    let text = reply.split(|&b| b == b'\r').next().unwrap_or_default();
    text.eq_ignore_ascii_case(NO_ACK)
}

/// Reads string `index`: raw in `langid` with the length check (`None` on
/// a mismatch), or through the ASCII helper without a language.
fn read_string<T: UsbTransport + ?Sized>(
    t: &mut T,
    index: u8,
    langid: Option<u16>,
    size: usize,
) -> Result<Option<Vec<u8>>, TransferError> {
    let mut buf = vec![0u8; size];
    match langid {
        Some(lang) => {
            let n = t.get_string_descriptor(index, lang, &mut buf)?;
            if n == 0 {
                // Nothing read is passed on as is (no reply), not retried.
                return Ok(Some(Vec::new()));
            }
            Ok(utf16_to_ascii(&buf[..n.min(size)]))
        }
        None => {
            let n = t.get_string_ascii(index, &mut buf)?;
            buf.truncate(n);
            Ok(Some(buf))
        }
    }
}

/// krauler's string index and replacement first byte for `command`.
fn krauler_index(command: &[u8]) -> Option<(u8, u8)> {
    Some(match command {
        b"Q1\r" => (0x03, b'('),
        b"F\r" => (0x0D, b'#'),
        b"I\r" => (0x0C, b'#'),
        b"T\r" => (0x04, b'\r'),
        b"TL\r" => (0x05, b'\r'),
        b"Q\r" => (0x07, b'\r'),
        b"C\r" | b"CT\r" => (0x0B, b'\r'),
        _ => return None,
    })
}

/// krauler: up to 10 string reads, `UPS No Ack` and length mismatches
/// retried; the first byte replaced; other commands echoed.
pub(super) fn krauler<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
    options: BridgeOptions,
) -> Result<Vec<u8>, TransferError> {
    let Some((index, first)) = krauler_index(command) else {
        return Ok(command.to_vec());
    };
    for _ in 0..ATTEMPTS {
        let Some(reply) = read_string(t, index, options.langid_fix, STRING_BUFFER)? else {
            continue;
        };
        if reply.is_empty() {
            return Ok(reply);
        }
        let mut reply = with_cr(reply);
        if no_ack(&reply) {
            continue;
        }
        reply[0] = first;
        return Ok(reply);
    }
    Ok(Vec::new())
}

/// The fabula/hunnox index of a shutdown command `S<n>[R<m>]`: n minutes
/// (clamped to 0.5…10) in the high nibble, plus 8 unless a zero restart
/// delay is given (`S.5R0000` → 0x10, `S.5R0003` → 0x18, `S03` → 0x88).
pub fn fabula_shutdown_index(command: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(command.strip_suffix(b"\r")?).ok()?;
    let rest = text.strip_prefix('S')?;
    let (delay, restart) = match rest.split_once('R') {
        Some((d, r)) => (d, Some(r)),
        None => (rest, None),
    };
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !ok(delay) || !restart.is_none_or(ok) {
        return None;
    }
    let n: f64 = delay.parse().ok()?;
    let n = n.clamp(0.5, 10.0);
    let base = if n < 1.0 {
        0x10 + ((n - 0.5) * 10.0).round() as u8 * 0x10
    } else {
        0x60 + (n as u8 - 1) * 0x10
    };
    let stay_off = restart
        .and_then(|r| r.parse::<f64>().ok())
        .is_some_and(|r| r == 0.0);
    Some(if stay_off { base } else { base + 8 })
}

/// fabula's (and hunnox's) string index for `command`.
fn fabula_index(command: &[u8], hunnox: bool) -> Option<u8> {
    match command {
        b"Q1\r" => Some(0x03),
        b"F\r" => Some(0x0D),
        b"I\r" => Some(0x0C),
        b"Q\r" => Some(0x07),
        b"C\r" => Some(0x0A),
        b"BL\r" if hunnox => Some(0xF3),
        _ => fabula_shutdown_index(command),
    }
}

/// fabula: one ASCII string read; `UPS No Ack` = no reply.
pub(super) fn fabula<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    let Some(index) = fabula_index(command, false) else {
        return Ok(command.to_vec());
    };
    let reply = read_string(t, index, None, STRING_BUFFER)?.unwrap_or_default();
    if reply.is_empty() {
        return Ok(reply);
    }
    let reply = with_cr(reply);
    Ok(if no_ack(&reply) { Vec::new() } else { reply })
}

/// The strings hunnox primes with after the first exchange, in turn.
const HUNNOX_CYCLE: [u8; 3] = [0x0D, 0x03, 0x0C];

/// hunnox: a priming string read before every exchange, then the
/// target string (102-byte buffer); no CR appended, no byte replaced.
pub(super) fn hunnox<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
    options: BridgeOptions,
    first: bool,
    cycle: &mut usize,
) -> Result<Vec<u8>, TransferError> {
    let target = fabula_index(command, true);
    let lang = options.langid_fix.unwrap_or(HUNNOX_DEFAULT_LANGID);
    let mut junk = vec![0u8; 1026];
    if first {
        // Results ignored: the unit only needs to be asked.
        for index in [0, 0, 1] {
            let _ = t.get_string_descriptor(index, lang, &mut junk);
        }
        t.sleep(Duration::from_millis(10));
    } else {
        let prime = HUNNOX_CYCLE[*cycle % HUNNOX_CYCLE.len()];
        *cycle = (*cycle + 1) % HUNNOX_CYCLE.len();
        let skip = Some(prime) == target || (prime == 0x0C && options.novendor);
        if !skip {
            let _ = t.get_string_descriptor(prime, lang, &mut junk[..SMALL_BUFFER]);
        }
    }
    let Some(index) = target else {
        return Ok(command.to_vec());
    };
    let Some(reply) = read_string(t, index, options.langid_fix, SMALL_BUFFER)? else {
        return Ok(Vec::new());
    };
    Ok(if no_ack(&reply) { Vec::new() } else { reply })
}

/// snr: a discarded interrupt read, then up to 10 raw string reads in
/// `langid_fix`; the first byte replaced; no CR appended.
pub(super) fn snr<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
    options: BridgeOptions,
) -> Result<Vec<u8>, TransferError> {
    let lang = options
        .langid_fix
        .ok_or(TransferError::NeedsLangid(Bridge::Snr))?;
    let mut junk = [0u8; SMALL_BUFFER];
    let _ = t.interrupt_read(EP_IN, &mut junk, Duration::from_millis(1000));
    let (index, first) = match command {
        b"Q1\r" => (0x03, b'('),
        b"F\r" => (0x0D, b'#'),
        b"I\r" => (0x0C, b'#'),
        _ => return Ok(command.to_vec()),
    };
    for _ in 0..ATTEMPTS {
        let Some(mut reply) = read_string(t, index, Some(lang), SMALL_BUFFER)? else {
            continue;
        };
        if reply.is_empty() {
            return Ok(reply);
        }
        if no_ack(&reply) {
            continue;
        }
        reply[0] = first;
        return Ok(reply);
    }
    Ok(Vec::new())
}
