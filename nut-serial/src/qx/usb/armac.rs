//! The armac bridge (Richcomm "PowerManagerII" units, qx-protocols §3.3):
//! the command goes out in `0xA0 + n` framed pieces (one interrupt
//! report, or 3-byte control reports), the reply comes back in reports
//! whose first byte counts the valid bytes.

use std::time::Duration;

use super::{EP_IN, REPLY_BUFFER, SET_REPORT, SET_REPORT_TYPE, TransferError, UsbTransport};

/// Queries these units are known not to support: echoed without I/O.
const UNSUPPORTED: [&[u8]; 5] = [b"QGS\r", b"QS\r", b"QPI\r", b"M\r", b"D\r"];
/// Interrupt-mode endpoints.
const EP_OUT_INT: u8 = 0x02;
const EP_IN_INT: u8 = 0x82;
/// Reply offset from which a NUL is a `0` status bit.
const STATUS_BITS_AT: usize = 38;

/// Sends `command` and collects the reply.
pub(super) fn armac<T: UsbTransport + ?Sized>(
    t: &mut T,
    command: &[u8],
) -> Result<Vec<u8>, TransferError> {
    if UNSUPPORTED.contains(&command) {
        return Ok(command.to_vec());
    }
    let interrupt = t.has_armac_interrupt_endpoints() && command.len() < 64;
    let (endpoint, report) = if interrupt {
        let n = command.len().min(62);
        let mut out = vec![0xA0 + n as u8];
        out.extend_from_slice(&command[..n]);
        t.interrupt_write(EP_OUT_INT, &out, Duration::from_millis(5000))?;
        (EP_IN_INT, 64)
    } else {
        // Drain what the unit still holds.
        for _ in 0..10 {
            let mut junk = [0u8; 8];
            match t.interrupt_read(EP_IN, &mut junk, Duration::from_millis(100)) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        for piece in command.chunks(3) {
            let mut out = [0u8; 4];
            out[0] = 0xA0 + piece.len() as u8;
            out[1..=piece.len()].copy_from_slice(piece);
            t.control_write(
                SET_REPORT_TYPE,
                SET_REPORT,
                0x0200,
                0,
                &out,
                Duration::from_millis(5000),
            )?;
        }
        (EP_IN, 8)
    };
    t.sleep(Duration::from_millis(2));
    let mut reply = Vec::new();
    loop {
        let mut buf = vec![0u8; report];
        let n = t.interrupt_read(endpoint, &mut buf, Duration::from_millis(1000))?;
        if n == 0 {
            return Ok(reply);
        }
        let valid = usize::from(buf[0] & 0x3F).min(n - 1);
        if valid == 0 {
            return Ok(reply);
        }
        for &b in &buf[1..=valid] {
            match b {
                0 if reply.is_empty() => return Ok(Vec::new()), // UPS off
                0 if reply.len() >= STATUS_BITS_AT => reply.push(b'0'),
                0 => return Ok(reply),
                b'\r' => {
                    reply.push(b);
                    return Ok(reply);
                }
                _ => reply.push(b),
            }
            if reply.len() > REPLY_BUFFER {
                return Err(TransferError::Overflow);
            }
        }
        if valid <= 2 {
            t.sleep(Duration::from_millis(10));
        }
    }
}
