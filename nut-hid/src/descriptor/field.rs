//! Report fields and collections: what the descriptor parser produces.

use std::fmt;

use crate::path::HidPath;
use crate::report::ReportKind;

/// The data byte(s) of an Input, Output or Feature item (HID 1.11 §6.2.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MainFlags(u32);

impl MainFlags {
    /// Flags from the item's data.
    #[must_use]
    pub const fn new(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw data (NUT calls the low byte the *Attribute*).
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Bit 0: Constant (else Data).
    #[must_use]
    pub const fn is_constant(self) -> bool {
        self.0 & 0x01 != 0
    }

    /// Bit 1: Variable (else Array).
    #[must_use]
    pub const fn is_variable(self) -> bool {
        self.0 & 0x02 != 0
    }

    /// Bit 2: Relative (else Absolute).
    #[must_use]
    pub const fn is_relative(self) -> bool {
        self.0 & 0x04 != 0
    }

    /// Bit 3: Wrap.
    #[must_use]
    pub const fn wraps(self) -> bool {
        self.0 & 0x08 != 0
    }

    /// Bit 4: Non Linear.
    #[must_use]
    pub const fn is_nonlinear(self) -> bool {
        self.0 & 0x10 != 0
    }

    /// Bit 5: No Preferred state.
    #[must_use]
    pub const fn has_no_preferred_state(self) -> bool {
        self.0 & 0x20 != 0
    }

    /// Bit 6: Null state.
    #[must_use]
    pub const fn has_null_state(self) -> bool {
        self.0 & 0x40 != 0
    }

    /// Bit 7: Volatile (Output and Feature items only).
    #[must_use]
    pub const fn is_volatile(self) -> bool {
        self.0 & 0x80 != 0
    }

    /// Bit 8: Buffered Bytes (else Bit Field).
    #[must_use]
    pub const fn is_buffered_bytes(self) -> bool {
        self.0 & 0x100 != 0
    }
}

impl fmt::Display for MainFlags {
    /// HID-style abbreviations: `Data,Var,Abs` plus any of
    /// `Wrap,NLin,NPrf,Null,Vol,Buf` that are set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_constant() { "Cnst" } else { "Data" })?;
        f.write_str(if self.is_variable() { ",Var" } else { ",Ary" })?;
        f.write_str(if self.is_relative() { ",Rel" } else { ",Abs" })?;
        for (set, name) in [
            (self.wraps(), ",Wrap"),
            (self.is_nonlinear(), ",NLin"),
            (self.has_no_preferred_state(), ",NPrf"),
            (self.has_null_state(), ",Null"),
            (self.is_volatile(), ",Vol"),
            (self.is_buffered_bytes(), ",Buf"),
        ] {
            if set {
                f.write_str(name)?;
            }
        }
        Ok(())
    }
}

/// The type of a Collection item (HID 1.11 §6.2.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CollectionKind {
    /// 0x00 Physical.
    Physical,
    /// 0x01 Application.
    Application,
    /// 0x02 Logical.
    Logical,
    /// 0x03 Report.
    Report,
    /// 0x04 Named Array.
    NamedArray,
    /// 0x05 Usage Switch.
    UsageSwitch,
    /// 0x06 Usage Modifier.
    UsageModifier,
    /// 0x07–0x7F, reserved.
    Reserved(u8),
    /// 0x80–0xFF, vendor-defined. MGE/Eaton put an instance number in the
    /// low 7 bits; NUT adds it to paths as an index node (`[n]`).
    Vendor(u8),
}

impl CollectionKind {
    /// The kind for a collection type byte.
    #[must_use]
    pub const fn from_code(code: u8) -> Self {
        match code {
            0 => Self::Physical,
            1 => Self::Application,
            2 => Self::Logical,
            3 => Self::Report,
            4 => Self::NamedArray,
            5 => Self::UsageSwitch,
            6 => Self::UsageModifier,
            0x07..=0x7F => Self::Reserved(code),
            _ => Self::Vendor(code),
        }
    }

    /// The collection type byte.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Physical => 0,
            Self::Application => 1,
            Self::Logical => 2,
            Self::Report => 3,
            Self::NamedArray => 4,
            Self::UsageSwitch => 5,
            Self::UsageModifier => 6,
            Self::Reserved(code) | Self::Vendor(code) => code,
        }
    }

    /// Lower-case name (`application`, `vendor`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Physical => "physical",
            Self::Application => "application",
            Self::Logical => "logical",
            Self::Report => "report",
            Self::NamedArray => "named-array",
            Self::UsageSwitch => "usage-switch",
            Self::UsageModifier => "usage-modifier",
            Self::Reserved(_) => "reserved",
            Self::Vendor(_) => "vendor",
        }
    }
}

/// One collection of the descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Collection {
    /// Offset of the Collection item.
    pub offset: usize,
    /// The collection type.
    pub kind: CollectionKind,
    /// The collection's usage (the first usage pending at the Collection
    /// item; 0 when there is none).
    pub usage: u32,
    /// Index of the enclosing collection in [`crate::ReportDescriptor::collections`].
    pub parent: Option<usize>,
    /// Path of this collection: the enclosing path, its usage, and an index
    /// node when its type is vendor-defined.
    pub path: HidPath,
}

/// One report field: a run of `count` elements of `bit_size` bits in one
/// report, sharing one usage (or none) and one HID path.
///
/// A main item with several usages yields one field per usage, in order
/// (how NUT builds its data objects). When it has fewer usages than
/// elements, the remaining elements either extend the last field (HID rule)
/// or form a field without usage (NUT; see
/// [`crate::ParserConfig::no_last_usage_repeat`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Field {
    /// Input, Output or Feature.
    pub kind: ReportKind,
    /// Report ID (0 when the descriptor uses no Report ID items).
    pub report_id: u8,
    /// Bit offset of the first element in the report payload (after the
    /// report ID byte).
    pub bit_offset: u32,
    /// Size of one element in bits.
    pub bit_size: u32,
    /// Number of elements.
    pub count: u32,
    /// The field's usage; `None` for padding and unnamed elements, which
    /// have no path of their own.
    pub usage: Option<u32>,
    /// The HID path: collection nodes, then the usage when there is one.
    pub path: HidPath,
    /// Index of the innermost enclosing collection.
    pub collection: Option<usize>,
    /// Logical Minimum (sign-extended from its encoding).
    pub logical_minimum: i64,
    /// Logical Maximum (sign-extended, or unsigned when repaired).
    pub logical_maximum: i64,
    /// The Logical Maximum was re-read as unsigned or set by a vendor
    /// correction (NUT's `assumed_LogMax`).
    pub assumed_logical_maximum: bool,
    /// Physical Minimum, when one was declared.
    pub physical_minimum: Option<i64>,
    /// Physical Maximum, when one was declared.
    pub physical_maximum: Option<i64>,
    /// Unit (HID 1.11 §6.2.2.7 nibble encoding, raw).
    pub unit: u32,
    /// Unit Exponent, −8..=7.
    pub unit_exponent: i8,
    /// The main item's data flags.
    pub flags: MainFlags,
    /// Offset of the main item that declared the field.
    pub item_offset: usize,
}

impl Field {
    /// First bit after the field (`bit_offset + bit_size × count`).
    #[must_use]
    pub fn bit_end(&self) -> u64 {
        u64::from(self.bit_offset) + u64::from(self.bit_size) * u64::from(self.count)
    }

    /// True for a field with a usage, i.e. one addressable by its path
    /// (NUT keeps only these).
    #[must_use]
    pub const fn is_named(&self) -> bool {
        self.usage.is_some()
    }
}
