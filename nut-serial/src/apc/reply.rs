//! Reading APC Smart replies: lines end with LF (CR is ignored), alert
//! characters may arrive anywhere (also inside a reply) and are taken out
//! of the text, and each line is bounded.
//!
//! Which bytes count as alerts depends on what is being read, as in NUT's
//! apcsmart: the capability string (`^Z`) starts with `#`, and the
//! command-set string (`a`) lists the alert characters themselves.

use super::alert::Alert;
use crate::error::{Error, Received};

/// Longest reply text kept (NUT reads into a 512-byte buffer).
pub const MAX_REPLY_LEN: usize = 511;

/// The reply "not available".
pub const NA: &[u8] = b"NA";
/// The reply "accepted".
pub const OK: &[u8] = b"OK";
/// The reply "refused".
pub const NO: &[u8] = b"NO";
/// The reply to `Y`.
pub const SM: &[u8] = b"SM";

/// What is being read, deciding which bytes are alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadMode {
    /// A normal reply: every alert character is an alert.
    Alerts,
    /// The capability string (`^Z`): `#` is data.
    Capabilities,
    /// The command-set string (`a`): only `*` is taken out.
    CommandSet,
    /// The answer to a shutdown command: `*` alone means "accepted".
    ShutdownReply,
}

impl ReadMode {
    /// Every mode, for tests and the fuzz target.
    pub const ALL: [Self; 4] = [
        Self::Alerts,
        Self::Capabilities,
        Self::CommandSet,
        Self::ShutdownReply,
    ];

    /// The alert `b` stands for in this mode, if any.
    pub fn alert(self, b: u8) -> Option<Alert> {
        let alert = Alert::from_byte(b)?;
        match (self, alert) {
            (Self::Capabilities, Alert::ReplaceBattery) => None,
            (Self::CommandSet, a) if a != Alert::PoweringDown => None,
            (_, a) => Some(a),
        }
    }
}

/// How a reply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Terminator {
    /// LF.
    LineFeed,
    /// `*` in [`ReadMode::ShutdownReply`]: the command was accepted.
    Asterisk,
}

/// What one byte did to a [`LineReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feed {
    /// It became part of the reply text.
    Text,
    /// It was an alert.
    Alert(Alert),
    /// It was ignored (CR).
    Ignored,
    /// It ended the reply.
    Complete(Terminator),
    /// The text is already [`MAX_REPLY_LEN`] long; the byte was dropped.
    Overflow,
}

/// A byte-at-a-time reply reader.
#[derive(Debug, Clone)]
pub struct LineReader {
    mode: ReadMode,
    text: Vec<u8>,
}

impl LineReader {
    /// An empty reader for `mode`.
    pub fn new(mode: ReadMode) -> Self {
        Self {
            mode,
            text: Vec::new(),
        }
    }

    /// The mode.
    pub fn mode(&self) -> ReadMode {
        self.mode
    }

    /// Feeds one byte.
    pub fn push(&mut self, b: u8) -> Feed {
        if b == b'\n' {
            return Feed::Complete(Terminator::LineFeed);
        }
        if b == b'\r' {
            return Feed::Ignored;
        }
        if b == b'*' && self.mode == ReadMode::ShutdownReply {
            return Feed::Complete(Terminator::Asterisk);
        }
        if let Some(alert) = self.mode.alert(b) {
            return Feed::Alert(alert);
        }
        if self.text.len() >= MAX_REPLY_LEN {
            return Feed::Overflow;
        }
        self.text.push(b);
        Feed::Text
    }

    /// The text read so far.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// Takes the text, leaving the reader empty.
    pub fn take_text(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.text)
    }
}

/// One reply scanned from the front of a byte stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    /// The reply text (alerts and CRs taken out, terminator excluded).
    pub text: Vec<u8>,
    /// Alerts found, in order.
    pub alerts: Vec<Alert>,
    /// Bytes ignored (CR).
    pub ignored: usize,
    /// Bytes consumed from the input (the terminator included).
    pub consumed: usize,
    /// How the reply ended; `None` = the input ended first (need more).
    pub terminator: Option<Terminator>,
}

/// Scans one reply to `query` from the front of `input`.
///
/// Always `consumed == text.len() + alerts.len() + ignored + (1 if
/// terminated)`; an unterminated scan consumes the whole input.
///
/// # Errors
/// [`Error::TooLong`] when more than [`MAX_REPLY_LEN`] text bytes come
/// without a line end.
///
/// ```
/// use nut_serial::apc::alert::Alert;
/// use nut_serial::apc::reply::{ReadMode, scan};
///
/// let s = scan(ReadMode::Alerts, b"L", b"22!9.4\r\nrest").unwrap();
/// assert_eq!(s.text, b"229.4");
/// assert_eq!(s.alerts, vec![Alert::OnBattery]);
/// assert_eq!(s.consumed, 8);
/// ```
pub fn scan(mode: ReadMode, query: &[u8], input: &[u8]) -> Result<Scan, Error> {
    let mut reader = LineReader::new(mode);
    let mut out = Scan::default();
    for &b in input {
        out.consumed += 1;
        match reader.push(b) {
            Feed::Text => {}
            Feed::Alert(a) => out.alerts.push(a),
            Feed::Ignored => out.ignored += 1,
            Feed::Complete(t) => {
                out.terminator = Some(t);
                break;
            }
            Feed::Overflow => {
                return Err(Error::TooLong {
                    query: Received::new(query),
                    limit: MAX_REPLY_LEN,
                    received: Received(reader.take_text()),
                });
            }
        }
    }
    out.text = reader.take_text();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_inside_a_reply_are_taken_out() {
        let s = scan(ReadMode::Alerts, b"B", b"2$7.%3|6\r\n").unwrap();
        assert_eq!(s.text, b"27.36");
        assert_eq!(
            s.alerts,
            vec![Alert::OnLine, Alert::LowBattery, Alert::EepromChanged]
        );
        assert_eq!(s.ignored, 1);
        assert_eq!(s.terminator, Some(Terminator::LineFeed));
    }

    #[test]
    fn modes_differ_on_hash_and_bang() {
        let caps = scan(ReadMode::Capabilities, b"\x1a", b"#u4432532!64\n").unwrap();
        assert_eq!(caps.text, b"#u443253264");
        assert_eq!(caps.alerts, vec![Alert::OnBattery]);
        let set = scan(ReadMode::CommandSet, b"a", b"3.!$%+?=#|.QB*\r\n").unwrap();
        assert_eq!(set.text, b"3.!$%+?=#|.QB");
        assert_eq!(set.alerts, vec![Alert::PoweringDown]);
        let sd = scan(ReadMode::ShutdownReply, b"S", b"*").unwrap();
        assert_eq!(sd.terminator, Some(Terminator::Asterisk));
        let normal = scan(ReadMode::Alerts, b"S", b"*OK\n").unwrap();
        assert_eq!(normal.text, b"OK");
        assert_eq!(normal.alerts, vec![Alert::PoweringDown]);
    }

    #[test]
    fn unterminated_input_needs_more() {
        let s = scan(ReadMode::Alerts, b"Q", b"0").unwrap();
        assert_eq!(s.terminator, None);
        assert_eq!(s.consumed, 1);
    }

    #[test]
    fn reply_length_at_limit_and_limit_plus_one() {
        let mut at = vec![b'1'; MAX_REPLY_LEN];
        at.push(b'\n');
        assert_eq!(
            scan(ReadMode::Alerts, b"L", &at).unwrap().text.len(),
            MAX_REPLY_LEN
        );
        let over = vec![b'1'; MAX_REPLY_LEN + 1];
        let err = scan(ReadMode::Alerts, b"L", &over).unwrap_err();
        assert!(matches!(
            err,
            Error::TooLong {
                limit: MAX_REPLY_LEN,
                ..
            }
        ));
    }
}
