//! The bridges that write the command with control or interrupt
//! transfers and read the reply from an interrupt endpoint: cypress,
//! phoenix, ippon, omron, gtec, sgs, ablerex, phoenixtec and fuji
//! (qx-protocols §3.3).

use std::time::Duration;

use super::{
    Bridge, EP_IN, GET_REPORT, GET_REPORT_TYPE, REPLY_BUFFER, SET_REPORT, SET_REPORT_TYPE,
    TransferError, UsbTransport, through_cr_or_nul, with_cr,
};

const MS_1000: Duration = Duration::from_millis(1000);
const MS_5000: Duration = Duration::from_millis(5000);

fn too_long(bridge: Bridge, command: &[u8], limit: usize) -> Result<(), TransferError> {
    if command.len() > limit {
        return Err(TransferError::CommandTooLong {
            bridge,
            len: command.len(),
            limit,
        });
    }
    Ok(())
}

/// Sends `command` as consecutive SET_REPORTs of `chunk` bytes (the last
/// zero-padded); `Ok(false)` when a transfer wrote nothing.
fn write_chunks<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
    chunk: usize,
    value: u16,
    timeout: Duration,
    exact: bool,
) -> Result<bool, TransferError> {
    for piece in command.chunks(chunk) {
        let mut report = vec![0u8; chunk];
        report[..piece.len()].copy_from_slice(piece);
        let done = t.control_write(SET_REPORT_TYPE, SET_REPORT, value, 0, &report, timeout)?;
        if exact && done != chunk {
            return Err(TransferError::Short {
                done,
                wanted: chunk,
            });
        }
        if done == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// cypress (and phoenix with `flush`): 8-byte SET_REPORTs (wValue
/// 0x0200), 8-byte interrupt reads until a CR.
pub(super) fn cypress<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
    flush: bool,
) -> Result<Vec<u8>, TransferError> {
    let bridge = if flush {
        Bridge::Phoenix
    } else {
        Bridge::Cypress
    };
    too_long(bridge, command, REPLY_BUFFER)?;
    if flush {
        // Up to 8 stale reports are discarded; a stall clears the halt.
        for _ in 0..8 {
            let mut junk = [0u8; 8];
            match t.interrupt_read(EP_IN, &mut junk, MS_1000) {
                Ok(_) => {}
                Err(TransferError::Pipe) => {
                    let _ = t.clear_halt(EP_IN);
                    break;
                }
                Err(_) => break,
            }
        }
    }
    let timeout = if flush { MS_1000 } else { MS_5000 };
    if !write_chunks(t, command, 8, 0x0200, timeout, false)? {
        return Ok(Vec::new());
    }
    let mut reply = Vec::new();
    while !reply.contains(&b'\r') && reply.len() + 8 <= REPLY_BUFFER {
        let mut chunk = [0u8; 8];
        let n = t.interrupt_read(EP_IN, &mut chunk, MS_1000)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        reply.extend_from_slice(&chunk[..n.min(8)]);
    }
    Ok(reply)
}

/// ippon: 8-byte SET_REPORTs (wValue 0x0002) from a 64-byte buffer, one
/// 64-byte interrupt read.
pub(super) fn ippon<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    too_long(Bridge::Ippon, command, 64)?;
    if !write_chunks(t, command, 8, 0x0002, MS_1000, false)? {
        return Ok(Vec::new());
    }
    let mut buf = [0u8; 64];
    let n = t.interrupt_read(EP_IN, &mut buf, MS_1000)?;
    Ok(with_cr(through_cr_or_nul(&buf[..n.min(64)]).to_vec()))
}

/// omron: whole 16-byte SET_REPORTs (wValue 0x0002), each exactly 16
/// bytes; one interrupt read of up to 64 bytes.
pub(super) fn omron<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    too_long(Bridge::Omron, command, 64)?;
    write_chunks(t, command, 16, 0x0002, MS_1000, true)?;
    let mut buf = [0u8; 64];
    let n = t.interrupt_read(EP_IN, &mut buf, MS_1000)?;
    Ok(with_cr(through_cr_or_nul(&buf[..n.min(64)]).to_vec()))
}

/// gtec: 8-byte SET_REPORTs (wValue 0x0002, 5 s), interrupt reads of up
/// to 128 bytes until a CR.
pub(super) fn gtec<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    too_long(Bridge::Gtec, command, REPLY_BUFFER)?;
    // Sent as a C string: nothing after a NUL.
    let text = &command[..command
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(command.len())];
    if !write_chunks(t, text, 8, 0x0002, MS_5000, false)? {
        return Ok(Vec::new());
    }
    let mut reply = Vec::new();
    while !reply.contains(&b'\r') && reply.len() + 128 <= REPLY_BUFFER {
        let mut chunk = [0u8; 128];
        let n = t.interrupt_read(EP_IN, &mut chunk, MS_1000)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        reply.extend_from_slice(&chunk[..n.min(128)]);
    }
    Ok(reply)
}

/// sgs: `[n, up to 7 bytes, padding]` SET_REPORTs (wValue 0x0200); the
/// reply comes in counted 8-byte reports until a read times out.
pub(super) fn sgs<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    too_long(Bridge::Sgs, command, REPLY_BUFFER)?;
    for piece in command.chunks(7) {
        let mut report = [0u8; 8];
        report[0] = piece.len() as u8;
        report[1..=piece.len()].copy_from_slice(piece);
        if t.control_write(SET_REPORT_TYPE, SET_REPORT, 0x0200, 0, &report, MS_5000)? == 0 {
            return Ok(Vec::new());
        }
    }
    let mut reply = Vec::new();
    while reply.len() + 7 <= REPLY_BUFFER {
        let mut chunk = [0u8; 8];
        let n = match t.interrupt_read(EP_IN, &mut chunk, MS_1000) {
            // A timeout ends the reply.
            Err(TransferError::Timeout) | Ok(0) => break,
            r => r?,
        };
        let count = usize::from(chunk[0]).min(7).min(n.saturating_sub(1));
        reply.extend_from_slice(&chunk[1..=count]);
    }
    Ok(with_cr(reply))
}

/// Expected reply lengths of the ablerex length gates.
fn ablerex_gate(command: &[u8]) -> Option<usize> {
    match command {
        b"Q1\r" => Some(47),
        b"I\r" => Some(39),
        b"F\r" => Some(22),
        b"Q5\r" => Some(22),
        _ => None,
    }
}

/// Length of an ablerex report.
const ABLEREX_REPORT: usize = 47;

/// ablerex: feature report 5 out (`05 00 <n> <command>`), 500 ms, feature
/// report 5 in; up to 3 attempts for the length-gated queries.
pub(super) fn ablerex<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    too_long(Bridge::Ablerex, command, ABLEREX_REPORT - 3)?;
    let text_len = command.strip_suffix(b"\r").unwrap_or(command).len();
    for _ in 0..3 {
        let mut report = [0u8; ABLEREX_REPORT];
        report[0] = 0x05;
        report[2] = (text_len + 1) as u8;
        report[3..3 + command.len()].copy_from_slice(command);
        t.control_write(SET_REPORT_TYPE, SET_REPORT, 0x0305, 0, &report, MS_1000)?;
        t.sleep(Duration::from_millis(500));
        let mut buf = [0u8; ABLEREX_REPORT];
        let n = t.control_read(GET_REPORT_TYPE, GET_REPORT, 0x0305, 0, &mut buf, MS_1000)?;
        let got = &buf[..n.min(ABLEREX_REPORT)];
        let reply = match got.iter().position(|&b| b == b'\r') {
            Some(cr) => got[..=cr].to_vec(),
            None => Vec::new(),
        };
        match ablerex_gate(command) {
            // A damaged Q5 reads as zeros at once.
            Some(22) if command == b"Q5\r" && reply.len() != 22 => {
                let mut zeros = vec![0u8; 22];
                zeros[0] = b'(';
                return Ok(zeros);
            }
            Some(want) if reply.len() != want => continue,
            _ => return Ok(reply),
        }
    }
    Ok(Vec::new())
}

/// Commands a Masterguard unit does not answer (prefix, not followed by
/// an upper-case letter).
const PHOENIXTEC_SILENT: [&[u8]; 13] = [
    b"T", b"TL", b"S", b"C", b"CT", b"M", b"N", b"O", b"SRC", b"FCLR", b"SS", b"TUD", b"SSN",
];

/// phoenixtec: a vendor control write of the command; silent commands
/// return nothing, others are read until a chunk carries a CR.
pub(super) fn phoenixtec<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    too_long(Bridge::Phoenixtec, command, REPLY_BUFFER)?;
    t.control_write(0x42, 0x0D, 0, 0, command, MS_1000)?;
    let silent = PHOENIXTEC_SILENT.iter().any(|p| {
        command.starts_with(p) && !command.get(p.len()).is_some_and(u8::is_ascii_uppercase)
    });
    if silent {
        return Ok(Vec::new());
    }
    let mut reply = Vec::new();
    while reply.len() < REPLY_BUFFER {
        let mut chunk = vec![0u8; REPLY_BUFFER - reply.len()];
        let n = t.interrupt_read(EP_IN, &mut chunk, MS_1000)?;
        let got = &chunk[..n.min(chunk.len())];
        if let Some(cr) = got.iter().position(|&b| b == b'\r') {
            reply.extend_from_slice(&got[..=cr]);
            return Ok(reply);
        }
        if n == 0 {
            break;
        }
        reply.extend_from_slice(got);
    }
    Ok(Vec::new())
}

/// fuji: one 8-byte interrupt OUT (`80 06 <L> 03 <c1 c2 c3> <A>`), 8-byte
/// interrupt reads until a CR.
pub(super) fn fuji<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    let text = command.strip_suffix(b"\r").unwrap_or(command);
    // `S<n>R<m>` with m ≠ 0 loses its restart part (`S.5R0003` → `S.5`).
    let text = match text.iter().position(|&b| b == b'R') {
        Some(r) if text.starts_with(b"S") && text[r + 1..].iter().any(|&b| b != b'0') => {
            &text[..text.len().min(3)]
        }
        _ => text,
    };
    if text.len() > 3 {
        // Unsupported: echoed, as a Megatec unit does.
        return Ok(command.to_vec());
    }
    let expected = match text {
        b"Q1" => 47,
        b"F" => 22,
        b"I" => 39,
        _ => 0,
    };
    let mut report = [0x80, 0x06, (text.len() + 1) as u8, 0x03, 0, 0, 0, expected];
    report[4..4 + text.len()].copy_from_slice(text);
    if t.interrupt_write(0x02, &report, MS_5000)? == 0 {
        return Ok(Vec::new());
    }
    let mut reply = Vec::new();
    while !reply.contains(&b'\r') && reply.len() + 8 <= REPLY_BUFFER {
        let mut chunk = [0u8; 8];
        let n = t.interrupt_read(EP_IN, &mut chunk, MS_1000)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&chunk[..n.min(8)]);
    }
    // The device pads with NULs: the reply is the C string.
    let len = reply.iter().position(|&b| b == 0).unwrap_or(reply.len());
    reply.truncate(len);
    Ok(reply)
}
