//! Parser limits and options: what the descriptor parser accepts.
//!
//! The default [`ParserConfig`] is strict: it follows the HID 1.11
//! specification and rejects the firmware mistakes real UPSes make.
//! [`ParserConfig::nut`] turns on exactly what NUT's `usbhid-ups` does,
//! each as one named, documented boolean, so that paths, offsets and values
//! match what NUT users see.

/// Longest report descriptor accepted, in bytes (NUT's limit, 0x1800).
pub const MAX_DESCRIPTOR_LEN: usize = 6144;

/// Deepest collection nesting accepted.
///
/// Real UPS descriptors nest at most 5 deep; NUT limits a whole path
/// (collections, index nodes and the field usage) to 10 nodes.
pub const MAX_COLLECTION_DEPTH: usize = 32;

/// Most Usage / Usage Minimum / Usage Maximum items pending for one main item.
///
/// Usage ranges count as one entry each: they are never expanded beyond the
/// main item's Report Count (so a range of 65 536 usages costs nothing).
pub const MAX_LOCAL_USAGES: usize = 256;

/// Longest report accepted, in bits, per report type and report ID.
///
/// 8 KiB of payload: far above any UPS (the largest corpus report is under
/// 64 bytes) and bounds what a hostile Report Count × Report Size can claim.
pub const MAX_REPORT_BITS: u32 = 8 * 8192;

/// Most fields (see [`crate::Field`]) one descriptor may declare.
pub const MAX_FIELDS: usize = 4096;

/// Deepest Push nesting accepted.
pub const MAX_PUSH_DEPTH: usize = 16;

/// Known firmware mistakes in report descriptors, each accepted only when
/// its flag is set. The default accepts none of them.
///
/// The first group is what NUT's descriptor parser always does; the second
/// group is the per-subdriver "fix report descriptor" corrections NUT
/// applies after choosing a subdriver (each names the devices it is for).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quirks {
    /// Logical Maximum below Logical Minimum after sign extension: re-read
    /// the Logical Maximum as unsigned and mark the field
    /// [`assumed_logical_maximum`](crate::Field::assumed_logical_maximum).
    ///
    /// Typical case: a 16-bit field with Logical Minimum 0 and Logical
    /// Maximum encoded as the 2-byte `0xFFFF`, which sign-extends to −1
    /// (APC "LogMin is greater than LogMax", NUT issue #1208). Strict: the
    /// error [`crate::Error::LogicalRangeInverted`].
    pub repair_logical_maximum: bool,
    /// Physical Maximum below Physical Minimum: accept the field (NUT then
    /// reads values unscaled). Strict: [`crate::Error::PhysicalRangeInverted`].
    pub allow_inverted_physical_range: bool,
    /// Unit Exponent written as a sign-extended byte (`0xFE` for −2) rather
    /// than the 4-bit nibble the specification defines: accept `-8..=-1` in
    /// that form. Strict: any value above 15 is
    /// [`crate::Error::UnitExponentOutOfRange`].
    pub sign_extended_unit_exponent: bool,
    /// End Collection without an open collection, or collections still open
    /// at the end: accept (NUT does not check). Strict: an error.
    pub allow_unbalanced_collections: bool,
    /// Items with reserved tags or the reserved item type: skip them (NUT
    /// does). Strict: [`crate::Error::ReservedItem`].
    pub ignore_reserved_items: bool,
    /// APC Back-UPS (051d:0002, e.g. XS 1400U) with wrong limits in
    /// 220–240 V regions: report 0x31 `Voltage` whose Logical Maximum is
    /// below report 0x33 `HighVoltageTransfer`'s becomes 0..2×that; report
    /// 0x30 `ConfigVoltage` likewise gets Logical Maximum 255.
    pub apc_voltage_limits: bool,
    /// CyberPower (0764:0501, 0764:0601) output voltage limits (NUT issue
    /// #439, PR #1245): report 0x12 output `Voltage` copying the limits of
    /// `HighVoltageTransfer` becomes 0..511 (and report 0x0F input `Voltage`
    /// too when it has the same limits); repaired (assumed) maxima of the
    /// two voltages are raised to at least 511, made consistent with each
    /// other and capped at 2^size − 1.
    pub cps_voltage_limits: bool,
    /// CyberPower report 0x18 `ConfigActivePower` with a Logical Maximum
    /// below 2048 gets 2048.
    pub cps_config_active_power: bool,
    /// iDowell / GoldenMate (06da:ffff, 075d:0300) byte-order bug: report
    /// 0x02 `RunTimeToEmpty` with Logical Maximum below its minimum gets
    /// 0x75FFFFFF, report 0x02 `Voltage` gets 65535 (both marked assumed).
    pub idowell_limits: bool,
}

impl Quirks {
    /// No quirk accepted (the default).
    #[must_use]
    pub const fn strict() -> Self {
        Self {
            repair_logical_maximum: false,
            allow_inverted_physical_range: false,
            sign_extended_unit_exponent: false,
            allow_unbalanced_collections: false,
            ignore_reserved_items: false,
            apc_voltage_limits: false,
            cps_voltage_limits: false,
            cps_config_active_power: false,
            idowell_limits: false,
        }
    }

    /// What NUT's descriptor parser accepts for every device (the first
    /// group); the per-subdriver corrections stay off.
    #[must_use]
    pub const fn nut() -> Self {
        Self {
            repair_logical_maximum: true,
            allow_inverted_physical_range: true,
            sign_extended_unit_exponent: true,
            allow_unbalanced_collections: true,
            ignore_reserved_items: true,
            ..Self::strict()
        }
    }

    /// True when any per-subdriver correction is on.
    #[must_use]
    pub const fn any_vendor_fixup(&self) -> bool {
        self.apc_voltage_limits
            || self.cps_voltage_limits
            || self.cps_config_active_power
            || self.idowell_limits
    }
}

/// How the descriptor parser behaves.
///
/// `ParserConfig::default()` is strict HID 1.11; [`ParserConfig::nut`] is
/// NUT 2.8's `usbhid-ups`. HID paths are built the same way in both; the
/// differences are listed on each field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParserConfig {
    /// Firmware mistakes to accept.
    pub quirks: Quirks,
    /// Ignore Push and Pop items, as NUT does (its global state is never
    /// saved or restored). Off: Push/Pop save and restore the global state.
    pub ignore_push_pop: bool,
    /// Ignore Usage Minimum / Usage Maximum items, as NUT does (ranges are
    /// never expanded there, so ranged fields get no usage). Off: ranges
    /// supply usages, expanded lazily up to the item's Report Count.
    pub ignore_usage_ranges: bool,
    /// When a main item has fewer usages than Report Count, NUT gives each
    /// usage one element and leaves the rest unnamed. The HID rule (this
    /// flag off) lets the last usage cover all remaining elements. The
    /// paths are the same either way; only [`crate::Field::count`] differs.
    pub no_last_usage_repeat: bool,
}

impl ParserConfig {
    /// Strict HID 1.11 (the default).
    #[must_use]
    pub const fn strict() -> Self {
        Self {
            quirks: Quirks::strict(),
            ignore_push_pop: false,
            ignore_usage_ranges: false,
            no_last_usage_repeat: false,
        }
    }

    /// NUT 2.8 `usbhid-ups` behaviour (without per-subdriver corrections;
    /// set those in [`ParserConfig::quirks`]).
    #[must_use]
    pub const fn nut() -> Self {
        Self {
            quirks: Quirks::nut(),
            ignore_push_pop: true,
            ignore_usage_ranges: true,
            no_last_usage_repeat: true,
        }
    }
}
