//! Streaming decoding: bytes in any chunking → socket messages.

use std::marker::PhantomData;

use super::{ClientMessage, DecodeError, DecodeOptions, DriverMessage, WireMessage};
use crate::tokenizer::{Limits, Tokenizer};

/// Decodes a byte stream of socket lines into messages of type `M`.
///
/// Built on [`Tokenizer`], so the stream may be cut anywhere: fed whole,
/// byte by byte or in random chunks it yields the same messages. Blank lines
/// are skipped (NUT ignores them); each other line yields one item, a
/// message or the [`DecodeError`] that names it, after which decoding goes
/// on with the next line, as NUT does. Memory is bounded by the tokenizer's
/// [`Limits`].
///
/// ```
/// use nut_proto::sock::{ClientDecoder, ClientMessage};
///
/// let mut decoder = ClientDecoder::new();
/// assert_eq!(decoder.feed(b"PI").count(), 0);
/// let got: Vec<_> = decoder.feed(b"NG\nDUMPALL\n").collect();
/// assert_eq!(got, [Ok(ClientMessage::Ping), Ok(ClientMessage::DumpAll)]);
/// ```
#[derive(Debug, Clone)]
pub struct Decoder<M> {
    tokenizer: Tokenizer,
    options: DecodeOptions,
    message: PhantomData<fn() -> M>,
}

/// Decodes what a driver sends (the client side: upsd, `upsdrvctl`).
pub type DriverDecoder = Decoder<DriverMessage>;

/// Decodes what clients send (the driver side).
pub type ClientDecoder = Decoder<ClientMessage>;

/// The outcome of [`Decoder::decode_next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<M> {
    /// A line ended within the first `consumed` bytes of the input.
    Complete {
        /// The message, or why the line could not be decoded.
        item: Result<M, DecodeError>,
        /// Bytes of the input used, up to and including the line's LF.
        consumed: usize,
    },
    /// No line ended: every byte was consumed and is buffered until more
    /// input arrives.
    Incomplete,
}

impl<M: WireMessage> Default for Decoder<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: WireMessage> Decoder<M> {
    /// A strict decoder with NUT's tokenizer limits.
    pub fn new() -> Self {
        Self::with_options(DecodeOptions::STRICT)
    }

    /// A decoder with NUT's tokenizer limits and the given leniency.
    pub fn with_options(options: DecodeOptions) -> Self {
        Self::with_limits(Limits::default(), options)
    }

    /// A decoder with explicit tokenizer limits.
    pub fn with_limits(limits: Limits, options: DecodeOptions) -> Self {
        Self {
            tokenizer: Tokenizer::with_limits(limits),
            options,
            message: PhantomData,
        }
    }

    /// The leniency in force.
    pub fn options(&self) -> DecodeOptions {
        self.options
    }

    /// Whether bytes of an unfinished line are buffered.
    pub fn has_partial_line(&self) -> bool {
        self.tokenizer.has_partial_line()
    }

    /// Consumes bytes up to the end of the next non-blank line and decodes
    /// it; bytes after it are left for the next call.
    pub fn decode_next(&mut self, bytes: &[u8]) -> Decoded<M> {
        for (index, &byte) in bytes.iter().enumerate() {
            if let Some(item) = self.push(byte) {
                return Decoded::Complete {
                    item,
                    consumed: index + 1,
                };
            }
        }
        Decoded::Incomplete
    }

    /// Feeds bytes and iterates over the items of the lines they complete;
    /// a trailing partial line stays buffered.
    pub fn feed<'a>(
        &'a mut self,
        bytes: &'a [u8],
    ) -> impl Iterator<Item = Result<M, DecodeError>> + 'a {
        bytes.iter().filter_map(move |&byte| self.push(byte))
    }

    /// Feeds one byte; returns an item when it ends a non-blank line.
    pub fn push(&mut self, byte: u8) -> Option<Result<M, DecodeError>> {
        match self.tokenizer.push(byte)? {
            Ok(line) if line.words.is_empty() => None,
            Ok(line) => {
                Some(M::decode_with(&line.words, self.options).map_err(|e| e.at_line(line.number)))
            }
            Err(error) => Some(Err(error.into())),
        }
    }
}
