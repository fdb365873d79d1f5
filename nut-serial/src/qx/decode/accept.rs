//! Reply acceptance (qx-protocols §1.4 steps 3–7): the answer hook, the
//! protocol's "rejected" answer, minimum length, lead byte and the row's
//! byte window.

use std::borrow::Cow;

use super::MAX_REPLY_LEN;
use super::bad;
use super::bestups::normalise_bestups_id;
use crate::error::{Error, Received};
use crate::qx::protocol::Protocol;
use crate::qx::rows::{Hook, Row};
use crate::qx::{crc, qshex};

/// Applies the answer hook and the acceptance checks (§1.4 steps 3–6).
/// Returns the reply the window is taken from.
pub fn accept<'r>(protocol: Protocol, row: &Row, raw: &'r [u8]) -> Result<Cow<'r, [u8]>, Error> {
    let query = || Received::new(row.query);
    if raw.len() > MAX_REPLY_LEN {
        return Err(Error::TooLong {
            query: query(),
            limit: MAX_REPLY_LEN,
            received: Received::new(&raw[..MAX_REPLY_LEN]),
        });
    }
    let reply: Cow<'r, [u8]> = match row.hook {
        Hook::None => {
            // Text replies are printable ASCII up to the terminator. NUT only
            // checks a minimum length, so a stray byte (line noise) shifts
            // every fixed-width field after it and yields plausible but
            // wrong values; refuse the reply instead.
            let text_len = raw
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .unwrap_or(raw.len());
            if !raw[..text_len].iter().all(|b| (0x20..=0x7e).contains(b)) {
                return Err(Error::Malformed {
                    query: query(),
                    reason: "bytes outside printable ASCII",
                    received: Received::new(raw),
                });
            }
            // The reply ends at its terminator: a serial line ends there,
            // and what a USB bridge returns after it (padding, the start
            // of another reply) is no part of this one.
            Cow::Borrowed(raw.get(..=text_len).unwrap_or(raw))
        }
        Hook::QsHex if raw.is_empty() => Cow::Borrowed(raw),
        Hook::QsHex => Cow::Owned(qshex::decode(raw).map_err(|reason| Error::Malformed {
            query: query(),
            reason,
            received: Received::new(raw),
        })?),
        Hook::VoltronicCrc | Hook::Binary if raw.is_empty() => Cow::Borrowed(raw),
        Hook::VoltronicCrc => {
            let stripped = crc::strip(raw).map_err(|reason| Error::Malformed {
                query: query(),
                reason,
                received: Received::new(raw),
            })?;
            printable(row, &stripped, raw)?;
            Cow::Owned(stripped)
        }
        // Binary data up to the first CR, as NUT's USB bridge cuts it.
        Hook::Binary => {
            let end = raw.iter().position(|&b| b == b'\r').unwrap_or(raw.len());
            Cow::Borrowed(raw.get(..=end).unwrap_or(raw))
        }
        Hook::BestupsId if raw.is_empty() => Cow::Borrowed(raw),
        Hook::BestupsId => {
            Cow::Owned(
                normalise_bestups_id(raw).map_err(|reason| Error::Malformed {
                    query: query(),
                    reason,
                    received: Received::new(raw),
                })?,
            )
        }
    };
    if let Some(rejected) = protocol.rejected()
        && reply.eq_ignore_ascii_case(rejected)
    {
        return Err(Error::Rejected {
            query: query(),
            received: Received::new(raw),
        });
    }
    if row.min_len > 0 && reply.len() < row.min_len {
        if reply.is_empty() {
            return Err(Error::NoReply { query: query() });
        }
        return Err(Error::ShortReply {
            query: query(),
            len: reply.len(),
            min: row.min_len,
            received: Received::new(raw),
        });
    }
    if let Some(lead) = row.lead
        && reply.first() != Some(&lead)
    {
        return Err(Error::WrongLead {
            query: query(),
            lead: char::from(lead),
            received: Received::new(raw),
        });
    }
    Ok(reply)
}

/// Refuses a text reply with bytes outside printable ASCII before its
/// terminator (`shown` is what the error names).
fn printable(row: &Row, reply: &[u8], shown: &[u8]) -> Result<(), Error> {
    let text_len = reply
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(reply.len());
    if reply[..text_len].iter().all(|b| (0x20..=0x7e).contains(b)) {
        Ok(())
    } else {
        Err(Error::Malformed {
            query: Received::new(row.query),
            reason: "bytes outside printable ASCII",
            received: Received::new(shown),
        })
    }
}

/// The row's byte window of an accepted reply (§1.4 step 7).
pub fn window<'r>(row: &Row, reply: &'r [u8]) -> Result<&'r [u8], Error> {
    let end_of_text = reply
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(reply.len());
    if reply.is_empty() {
        return Ok(reply);
    }
    let field = match row.to {
        None => reply.get(row.from..end_of_text),
        Some(to) => reply.get(row.from..=to),
    };
    field.ok_or_else(|| bad(row, &[], "field beyond the end of the reply", reply))
}
