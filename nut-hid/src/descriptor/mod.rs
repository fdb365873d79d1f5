//! Report descriptors: decode the bytes a HID device describes its reports
//! with into collections and report fields, each with its HID path.
//!
//! Decoding is one bounded pass over the items (see [`crate::config`] for
//! the limits and options). The result answers the questions a UPS driver
//! asks: which fields exist, at which bit of which report, with which
//! logical/physical range and unit, and under which HID path.

mod field;
mod parser;

pub use field::{Collection, CollectionKind, Field, MainFlags};

use crate::Error;
use crate::config::ParserConfig;
use crate::path::HidPath;
use crate::report::ReportKind;
use crate::usage::POWER_DEVICE_PAGE;

/// Last of the usage pages HID reserves for power devices (0x84..=0x87).
const POWER_PAGES_END: u16 = 0x87;

/// The size of one report, per report type and report ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReportLayout {
    /// Input, Output or Feature.
    pub kind: ReportKind,
    /// Report ID (0 when the descriptor uses none).
    pub report_id: u8,
    /// Payload size in bits (without the report ID byte).
    pub bits: u32,
}

impl ReportLayout {
    /// Payload size in bytes, rounded up (without the report ID byte).
    #[must_use]
    pub const fn payload_len(&self) -> usize {
        self.bits.div_ceil(8) as usize
    }
}

/// A decoded report descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDescriptor {
    pub(crate) len: usize,
    pub(crate) item_count: usize,
    pub(crate) collections: Vec<Collection>,
    pub(crate) fields: Vec<Field>,
    pub(crate) reports: Vec<ReportLayout>,
    pub(crate) uses_report_ids: bool,
}

impl ReportDescriptor {
    /// Decode a report descriptor.
    ///
    /// # Errors
    ///
    /// Any descriptor [`Error`], with the byte offset of the offending item:
    /// truncation, a limit hit (length, nesting, usages, report size,
    /// fields, push depth), reserved items, unbalanced collections and
    /// inverted ranges unless `config` accepts them.
    pub fn decode(bytes: &[u8], config: &ParserConfig) -> Result<Self, Error> {
        parser::Parser::new(config).run(bytes)
    }

    /// Length of the descriptor in bytes.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// True for an empty descriptor.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of items (short and long).
    #[must_use]
    pub const fn item_count(&self) -> usize {
        self.item_count
    }

    /// All collections, in descriptor order.
    #[must_use]
    pub fn collections(&self) -> &[Collection] {
        &self.collections
    }

    /// All fields, in descriptor order.
    #[must_use]
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Every (report type, report ID) with its size, sorted by type then ID.
    #[must_use]
    pub fn reports(&self) -> &[ReportLayout] {
        &self.reports
    }

    /// True when the descriptor has Report ID items, so every report starts
    /// with its ID byte.
    #[must_use]
    pub const fn uses_report_ids(&self) -> bool {
        self.uses_report_ids
    }

    /// The layout of one report, if the descriptor declares it.
    #[must_use]
    pub fn report(&self, kind: ReportKind, report_id: u8) -> Option<&ReportLayout> {
        self.reports
            .iter()
            .find(|layout| layout.kind == kind && layout.report_id == report_id)
    }

    /// Length on the wire of one report (payload plus the ID byte when the
    /// descriptor uses report IDs).
    #[must_use]
    pub fn report_len(&self, kind: ReportKind, report_id: u8) -> Option<usize> {
        self.report(kind, report_id)
            .map(|layout| layout.payload_len() + usize::from(self.uses_report_ids))
    }

    /// A zeroed report buffer for SET_REPORT or GET_REPORT, with the report
    /// ID in byte 0 when the descriptor uses report IDs.
    #[must_use]
    pub fn new_report(&self, kind: ReportKind, report_id: u8) -> Option<Vec<u8>> {
        let mut buffer = vec![0; self.report_len(kind, report_id)?];
        if self.uses_report_ids
            && let Some(first) = buffer.first_mut()
        {
            *first = report_id;
        }
        Some(buffer)
    }

    /// True when a top-level Application collection is on one of the HID
    /// Power Pages 0x84..=0x87 (Power Device, Battery System, and the two
    /// reserved power pages some vendors use, e.g. 0x86 for `UPS`), i.e.
    /// this is a UPS or battery as `usbhid-ups` understands it.
    /// Megatec-over-HID bridges (vendor pages 0xFF00/0xFFA0) are not.
    #[must_use]
    pub fn is_power_device(&self) -> bool {
        self.collections.iter().any(|collection| {
            collection.parent.is_none()
                && collection.kind == CollectionKind::Application
                && (POWER_DEVICE_PAGE..=POWER_PAGES_END)
                    .contains(&((collection.usage >> 16) as u16))
        })
    }

    /// The field a NUT mapping path binds to: the first named field of
    /// `kind`, in descriptor order, whose path starts with `path` (NUT
    /// compares prefixes, so a shorter path binds to a longer field path).
    #[must_use]
    pub fn find(&self, path: &HidPath, kind: ReportKind) -> Option<&Field> {
        self.fields
            .iter()
            .find(|field| field.kind == kind && field.is_named() && field.path.starts_with(path))
    }

    /// Every named field whose path is exactly `path`, any report type.
    pub fn fields_at<'a>(&'a self, path: &'a HidPath) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |field| field.is_named() && field.path == *path)
    }
}

#[cfg(test)]
mod tests;
