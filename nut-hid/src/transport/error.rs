//! What a USB transfer can answer besides data, and what the driver does
//! about each answer (NUT's classification, hid-maps.md §1.7 and §1.11).

use crate::mapper::FetchError;

/// Longest detail text kept in [`TransportError::Io`] / [`TransportError::Other`].
const MAX_DETAIL_LEN: usize = 128;

/// A failed USB operation. Which of these mean "the device is gone" is
/// [`TransportError::is_gone`]; how the mapping engine treats each is
/// [`TransportError::outcome`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Nothing came before the timeout.
    #[error("transfer timed out")]
    Timeout,
    /// The device stalled the request (it does not have that report).
    #[error("request stalled by the device")]
    Stall,
    /// The device sent more than was asked for.
    #[error("device sent more data than requested")]
    Overflow,
    /// A low-level I/O error (cable noise, a hub reset).
    #[error("i/o error: {0}")]
    Io(String),
    /// The device is no longer there.
    #[error("device disconnected")]
    NoDevice,
    /// Another program (or another driver instance) holds the interface.
    #[error("device busy: interface claimed by another program")]
    Busy,
    /// Not allowed to open the device (permissions, udev rules).
    #[error("access denied (check permissions and udev rules)")]
    Access,
    /// The device, interface or endpoint does not exist.
    #[error("device, interface or endpoint not found")]
    NotFound,
    /// The USB stack ran out of memory.
    #[error("out of memory in the usb stack")]
    NoMemory,
    /// Anything else the USB stack reported.
    #[error("usb error: {0}")]
    Other(String),
}

impl TransportError {
    /// An [`TransportError::Io`] with a bounded detail text.
    #[must_use]
    pub fn io(detail: &str) -> Self {
        Self::Io(detail.chars().take(MAX_DETAIL_LEN).collect())
    }

    /// An [`TransportError::Other`] with a bounded detail text.
    #[must_use]
    pub fn other(detail: &str) -> Self {
        Self::Other(detail.chars().take(MAX_DETAIL_LEN).collect())
    }

    /// What the mapping engine does about this answer to a GET_REPORT:
    /// stall, timeout, overflow and unknown errors are "no data, try
    /// later"; an I/O error skips the item; busy, no device, access
    /// denied, not found and out of memory mean the device is gone.
    #[must_use]
    pub fn outcome(&self) -> FetchError {
        match self {
            Self::Timeout | Self::Stall | Self::Overflow | Self::Other(_) => FetchError::NoData,
            Self::Io(_) => FetchError::Io,
            Self::NoDevice | Self::Busy | Self::Access | Self::NotFound | Self::NoMemory => {
                FetchError::Gone
            }
        }
    }

    /// True when the device must be considered gone: the driver drops the
    /// data (stale) and reconnects.
    #[must_use]
    pub fn is_gone(&self) -> bool {
        self.outcome() == FetchError::Gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_nut() {
        for error in [
            TransportError::Timeout,
            TransportError::Stall,
            TransportError::Overflow,
            TransportError::other("protocol"),
        ] {
            assert_eq!(error.outcome(), FetchError::NoData, "{error}");
            assert!(!error.is_gone());
        }
        assert_eq!(TransportError::io("x").outcome(), FetchError::Io);
        for error in [
            TransportError::NoDevice,
            TransportError::Busy,
            TransportError::Access,
            TransportError::NotFound,
            TransportError::NoMemory,
        ] {
            assert!(error.is_gone(), "{error}");
        }
    }

    #[test]
    fn details_are_bounded() {
        let long = "x".repeat(MAX_DETAIL_LEN + 1);
        let TransportError::Io(detail) = TransportError::io(&long) else {
            panic!("io");
        };
        assert_eq!(detail.len(), MAX_DETAIL_LEN);
        let TransportError::Other(detail) = TransportError::other(&long[..MAX_DETAIL_LEN]) else {
            panic!("other");
        };
        assert_eq!(detail.len(), MAX_DETAIL_LEN);
    }
}
