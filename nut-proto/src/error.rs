//! The crate's error type.

use crate::tokenizer::ParseError;

/// Everything that can go wrong in `nut-proto`.
///
/// NUT's `ERR` codes are *data* ([`crate::net::ErrorCode`]); a client call
/// that receives one returns [`Error::Server`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line could not be tokenized.
    #[error(transparent)]
    Parse(#[from] ParseError),
}
