//! Where report bytes come from: the [`ReportSource`] the caller provides
//! (a USB device, a simulation, a recording), and the per-cycle report
//! cache NUT keeps (one buffer per report ID, shared by Input and Feature).

use std::collections::{BTreeMap, BTreeSet};

/// Why a GET_REPORT gave no bytes (NUT's transfer outcomes, 1.7/1.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchError {
    /// Stall, timeout, overflow: no data this time, try later.
    NoData,
    /// An I/O error: this item is skipped (and counted).
    Io,
    /// The device is gone (no device, busy, access denied, not found):
    /// the driver must reconnect.
    Gone,
}

/// A device's reports and strings, as the mapper asks for them.
///
/// Closures `FnMut(u8, usize) -> Result<Vec<u8>, FetchError>` are sources
/// without USB strings.
pub trait ReportSource {
    /// GET_REPORT of feature report `report_id`, `len` bytes expected
    /// (the report ID byte first when the descriptor uses report IDs).
    ///
    /// # Errors
    ///
    /// A [`FetchError`] saying what to do about the failure.
    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, FetchError>;

    /// The USB string descriptor `index`, already reduced to 8-bit
    /// characters as NUT does (`?` for others); `None` when unreadable.
    fn string(&mut self, index: u32) -> Option<String> {
        let _ = index;
        None
    }
}

impl<F> ReportSource for F
where
    F: FnMut(u8, usize) -> Result<Vec<u8>, FetchError>,
{
    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, FetchError> {
        self(report_id, len)
    }
}

/// The report buffers: the last bytes seen per report ID (used to build
/// SET_REPORT data, as NUT writes into its cached buffer) and which of
/// them are fresh for the current cycle.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportCache {
    buffers: BTreeMap<u8, Vec<u8>>,
    fresh: BTreeSet<u8>,
}

impl ReportCache {
    /// Forget freshness (a cycle ended, or a write succeeded).
    pub(crate) fn expire(&mut self) {
        self.fresh.clear();
    }

    /// Store a report and mark it fresh.
    pub(crate) fn store(&mut self, report_id: u8, bytes: Vec<u8>) {
        self.buffers.insert(report_id, bytes);
        self.fresh.insert(report_id);
    }

    /// The report if fresh this cycle.
    pub(crate) fn fresh(&self, report_id: u8) -> Option<&[u8]> {
        self.fresh
            .contains(&report_id)
            .then(|| self.buffers.get(&report_id).map(Vec::as_slice))
            .flatten()
    }

    /// The last bytes seen for a report, fresh or not.
    pub(crate) fn last(&self, report_id: u8) -> Option<&[u8]> {
        self.buffers.get(&report_id).map(Vec::as_slice)
    }

    /// Replace the last bytes (after building a SET_REPORT).
    pub(crate) fn replace(&mut self, report_id: u8, bytes: Vec<u8>) {
        self.buffers.insert(report_id, bytes);
    }
}
