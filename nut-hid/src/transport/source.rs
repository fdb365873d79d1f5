//! The mapping engine's [`ReportSource`] over an open [`Transport`]: each
//! GET_REPORT answer is classified as NUT does, and the first error that
//! means "device gone" is kept so the driver can say why it disconnected.

use crate::mapper::{FetchError, ReportSource};

use super::{Transport, TransportError};

/// GET_REPORT length under NUT's `maxreport` quirk (the size of a C
/// pointer on the 64-bit builds NUT users run).
pub(crate) const MAX_REPORT_QUIRK_LEN: usize = 8;

/// A [`ReportSource`] reading through a transport.
pub(crate) struct TransportSource<'a> {
    transport: &'a mut dyn Transport,
    max_report: bool,
    /// The first error seen that is not "no data" (gone, or I/O).
    pub(crate) failure: Option<TransportError>,
}

impl<'a> TransportSource<'a> {
    pub(crate) fn new(transport: &'a mut dyn Transport, max_report: bool) -> Self {
        Self {
            transport,
            max_report,
            failure: None,
        }
    }
}

impl ReportSource for TransportSource<'_> {
    fn get_feature_report(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, FetchError> {
        let len = if self.max_report {
            MAX_REPORT_QUIRK_LEN
        } else {
            len
        };
        self.transport
            .get_feature_report(report_id, len)
            .map_err(|error| {
                let outcome = error.outcome();
                if outcome != FetchError::NoData && self.failure.is_none() {
                    self.failure = Some(error);
                }
                outcome
            })
    }

    fn string(&mut self, index: u32) -> Option<String> {
        let index = u8::try_from(index).ok()?;
        self.transport.string(index).ok()
    }
}
