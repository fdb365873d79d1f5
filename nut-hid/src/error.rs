//! The crate's error type: everything that can go wrong while decoding a
//! report descriptor, reading a hex dump, or decoding and encoding reports.
//!
//! Descriptor errors carry the byte offset of the offending item (counted
//! from the first byte of the descriptor) so that a user can find it in a
//! `usbhid-ups -DDDDD` dump; report errors carry the report ID and lengths.

use crate::report::ReportKind;

/// Everything that can go wrong in `nut-hid`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The descriptor is longer than [`crate::MAX_DESCRIPTOR_LEN`].
    #[error("report descriptor is {len} bytes, more than the limit of {limit}")]
    DescriptorTooLong {
        /// Length of the descriptor given.
        len: usize,
        /// The limit that was hit.
        limit: usize,
    },
    /// An item's data runs past the end of the descriptor.
    #[error("item at offset {offset} is truncated: needs {needed} more byte(s)")]
    Truncated {
        /// Offset of the item's prefix byte.
        offset: usize,
        /// Bytes missing at the end of the descriptor.
        needed: usize,
    },
    /// An item whose type/tag the HID specification reserves.
    #[error("reserved item 0x{prefix:02x} at offset {offset}")]
    ReservedItem {
        /// Offset of the item's prefix byte.
        offset: usize,
        /// The item's prefix byte.
        prefix: u8,
    },
    /// Collections nest deeper than [`crate::MAX_COLLECTION_DEPTH`].
    #[error("collection at offset {offset} nests deeper than the limit of {limit}")]
    CollectionTooDeep {
        /// Offset of the Collection item.
        offset: usize,
        /// The limit that was hit.
        limit: usize,
    },
    /// An End Collection item without an open collection.
    #[error("end collection at offset {offset} without an open collection")]
    UnbalancedEndCollection {
        /// Offset of the End Collection item.
        offset: usize,
    },
    /// The descriptor ends while a collection is still open.
    #[error("collection opened at offset {offset} is never closed")]
    UnclosedCollection {
        /// Offset of the innermost unclosed Collection item.
        offset: usize,
    },
    /// More usages pending for one main item than [`crate::MAX_LOCAL_USAGES`].
    #[error("usage at offset {offset} exceeds the limit of {limit} usages per main item")]
    TooManyUsages {
        /// Offset of the first usage item over the limit.
        offset: usize,
        /// The limit that was hit.
        limit: usize,
    },
    /// A Usage Minimum greater than its Usage Maximum.
    #[error(
        "usage range at offset {offset} is inverted: minimum 0x{minimum:08x} > maximum 0x{maximum:08x}"
    )]
    UsageRangeInverted {
        /// Offset of the item that completed the range.
        offset: usize,
        /// The extended Usage Minimum.
        minimum: u32,
        /// The extended Usage Maximum.
        maximum: u32,
    },
    /// A Usage Minimum without a Usage Maximum (or the reverse) at a main item.
    #[error("usage minimum/maximum at offset {offset} has no partner before the main item")]
    UnpairedUsageRange {
        /// Offset of the unpaired item.
        offset: usize,
    },
    /// A Report ID item whose value is 0 or above 255.
    #[error("report id {value} at offset {offset} is outside 1..=255")]
    InvalidReportId {
        /// Offset of the Report ID item.
        offset: usize,
        /// The value given.
        value: u32,
    },
    /// A main item makes one report longer than [`crate::MAX_REPORT_BITS`].
    #[error(
        "{kind} report 0x{report_id:02x} grows to {bits} bits at offset {offset}, more than the limit of {limit}"
    )]
    ReportTooLong {
        /// Offset of the main item.
        offset: usize,
        /// Report type.
        kind: ReportKind,
        /// Report ID (0 when the descriptor uses none).
        report_id: u8,
        /// Bits the report would need.
        bits: u64,
        /// The limit that was hit.
        limit: u32,
    },
    /// The descriptor declares more fields than [`crate::MAX_FIELDS`].
    #[error("main item at offset {offset} exceeds the limit of {limit} fields")]
    TooManyFields {
        /// Offset of the main item.
        offset: usize,
        /// The limit that was hit.
        limit: usize,
    },
    /// Logical Maximum below Logical Minimum (after sign extension).
    #[error("main item at offset {offset} has logical maximum {maximum} below minimum {minimum}")]
    LogicalRangeInverted {
        /// Offset of the main item.
        offset: usize,
        /// The Logical Minimum in force.
        minimum: i64,
        /// The Logical Maximum in force.
        maximum: i64,
    },
    /// Physical Maximum below Physical Minimum.
    #[error("main item at offset {offset} has physical maximum {maximum} below minimum {minimum}")]
    PhysicalRangeInverted {
        /// Offset of the main item.
        offset: usize,
        /// The Physical Minimum in force.
        minimum: i64,
        /// The Physical Maximum in force.
        maximum: i64,
    },
    /// A Unit Exponent outside the 4-bit range 0..=15.
    #[error("unit exponent 0x{value:x} at offset {offset} is outside 0..=15")]
    UnitExponentOutOfRange {
        /// Offset of the Unit Exponent item.
        offset: usize,
        /// The raw value given.
        value: u32,
    },
    /// Push nests deeper than [`crate::MAX_PUSH_DEPTH`].
    #[error("push at offset {offset} exceeds the limit of {limit} saved states")]
    PushTooDeep {
        /// Offset of the Push item.
        offset: usize,
        /// The limit that was hit.
        limit: usize,
    },
    /// A Pop without a matching Push.
    #[error("pop at offset {offset} without a matching push")]
    PopWithoutPush {
        /// Offset of the Pop item.
        offset: usize,
    },
    /// A hex dump contains something that is not a hex byte.
    #[error("hex dump line {line}: `{token}` is not a hex byte")]
    InvalidHexDump {
        /// 1-based line number.
        line: usize,
        /// The offending token, truncated to 16 characters.
        token: String,
    },
    /// A report is empty where at least the report ID byte is needed.
    #[error("empty report where report id 0x{expected:02x} was expected")]
    EmptyReport {
        /// The report ID the field belongs to.
        expected: u8,
    },
    /// A report's first byte is not the field's report ID.
    #[error("report id 0x{got:02x} where 0x{expected:02x} was expected")]
    WrongReportId {
        /// The report ID the field belongs to.
        expected: u8,
        /// The first byte of the report given.
        got: u8,
    },
    /// A report is too short to hold the field.
    #[error("report 0x{report_id:02x} is {got} bytes, the field needs {needed}")]
    ShortReport {
        /// The report ID the field belongs to.
        report_id: u8,
        /// Bytes needed (including the report ID byte when used).
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// A field (or element index) that cannot be read as one value.
    #[error(
        "field of {bits} bits cannot be read as one value (limit 32 bits, element {index} of {count})"
    )]
    FieldNotReadable {
        /// The field's size in bits.
        bits: u32,
        /// Element index asked for.
        index: u32,
        /// Elements in the field.
        count: u32,
    },
    /// A write to a field whose attribute byte is exactly 0x01 (Constant).
    #[error("field is constant (attribute 0x01) and cannot be written")]
    ConstantField,
    /// A regular expression option (`subdriver=`, USB matching) that does
    /// not compile.
    #[error("invalid regular expression `{pattern}`: {reason}")]
    InvalidPattern {
        /// The pattern, truncated to 64 characters.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `subdriver=` matches no subdriver name.
    #[error("subdriver `{name}` not found; use one of the names `usbhid-ups` lists")]
    UnknownSubdriver {
        /// The option value, truncated to 64 characters.
        name: String,
    },
    /// `subdriver=` was given without both `vendorid` and `productid`.
    #[error("option subdriver requires options vendorid and productid")]
    SubdriverNeedsIds,
    /// Flag `explore` was given without `vendorid`.
    #[error("option explore requires option vendorid")]
    ExploreNeedsVendorId,
    /// No subdriver claims the device.
    #[error("no subdriver supports device {vendor_id:04x}:{product_id:04x}")]
    NoSubdriver {
        /// USB vendor ID.
        vendor_id: u16,
        /// USB product ID.
        product_id: u16,
    },
    /// The device stopped answering (gone, or no row could be read).
    #[error("device disconnected or not answering")]
    Disconnected,
    /// A value that is not a finite number.
    #[error("value {value} is not a finite number")]
    NotFinite {
        /// The value given.
        value: f64,
    },
    /// A USB transfer or device operation failed (see
    /// [`crate::transport::TransportError`] for what each kind means).
    #[error("usb {operation} failed: {source}")]
    Transport {
        /// What was being done (`open`, `report descriptor`, `enumerate`…).
        operation: &'static str,
        /// The transport's answer.
        #[source]
        source: crate::transport::TransportError,
    },
    /// No USB device passed the matching options and a subdriver claim.
    #[error("no matching usb hid ups found among {seen} usb device(s)")]
    NoMatchingDevice {
        /// USB devices enumerated.
        seen: usize,
    },
    /// A `ups.conf` option of the USB HID driver with a bad value.
    #[error("option {name}={value}: {reason}")]
    InvalidOption {
        /// The option name.
        name: String,
        /// The value given, truncated to 64 characters.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl Error {
    /// The byte offset in the descriptor this error is about (the offending
    /// item's first byte), for descriptor errors that have one.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match self {
            Self::Truncated { offset, .. }
            | Self::ReservedItem { offset, .. }
            | Self::CollectionTooDeep { offset, .. }
            | Self::UnbalancedEndCollection { offset }
            | Self::UnclosedCollection { offset }
            | Self::TooManyUsages { offset, .. }
            | Self::UsageRangeInverted { offset, .. }
            | Self::UnpairedUsageRange { offset }
            | Self::InvalidReportId { offset, .. }
            | Self::ReportTooLong { offset, .. }
            | Self::TooManyFields { offset, .. }
            | Self::LogicalRangeInverted { offset, .. }
            | Self::PhysicalRangeInverted { offset, .. }
            | Self::UnitExponentOutOfRange { offset, .. }
            | Self::PushTooDeep { offset, .. }
            | Self::PopWithoutPush { offset } => Some(*offset),
            _ => None,
        }
    }
}
