//! Usage names: the standard Power Device (0x84) and Battery System (0x85)
//! tables, each subdriver's vendor table, and how NUT turns a usage code
//! into a path node name and back.
//!
//! A usage is a 32-bit number: usage page in the high 16 bits, usage ID in
//! the low 16 (an "extended usage"). NUT resolves a code through the chosen
//! subdriver's vendor table first, then the standard table; the first equal
//! code wins. Names compare case-insensitively when a path is parsed.

mod standard;
mod vendor;

use std::fmt;

/// Usage page of the HID Power Device class (HID PDC 1.0).
pub const POWER_DEVICE_PAGE: u16 = 0x84;
/// Usage page of the HID Battery System class (HID PDC 1.0).
pub const BATTERY_SYSTEM_PAGE: u16 = 0x85;

/// One named usage code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UsageName {
    /// The extended usage (page << 16 | id).
    pub code: u32,
    /// The name NUT uses in paths.
    pub name: &'static str,
}

impl UsageName {
    /// A table entry.
    #[must_use]
    pub const fn new(code: u32, name: &'static str) -> Self {
        Self { code, name }
    }
}

/// The vendor usage tables, one per `usbhid-ups` subdriver that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VendorTable {
    /// `mge` (Eaton, MGE, Dell, Powerware, HP, IBM, AEG, KSTAR): page 0xffff.
    Mge,
    /// `apc`: page 0xff86, plus Back-UPS Pro codes on pages 0x85/0x86.
    Apc,
    /// `belkin` (Belkin, Liebert 0x10af): page 0x86 used as a vendor page.
    Belkin,
    /// `cps` (CyberPower): page 0xff01.
    Cps,
    /// `delta_ups`: page 0xffff (and code 0 for usage-less collections).
    Delta,
    /// `ever`: page 0xff00 (and code 0 for usage-less collections).
    Ever,
    /// `openups`: battery cells on page 0.
    OpenUps,
    /// `powercom`: page 0x0002 as a private page, page 0x00ff, some 0xff86.
    Powercom,
    /// `powervar`: one code on page 0xff00.
    Powervar,
    /// `tripplite`: page 0xffff plus four renamed page-0x84 codes.
    TrippLite,
}

impl VendorTable {
    /// Every vendor table, in `usbhid-ups` subdriver probe order.
    pub const ALL: [Self; 10] = [
        Self::Mge,
        Self::Apc,
        Self::Belkin,
        Self::Cps,
        Self::Delta,
        Self::Ever,
        Self::OpenUps,
        Self::Powercom,
        Self::Powervar,
        Self::TrippLite,
    ];

    /// The table's entries, in NUT's order.
    #[must_use]
    pub fn entries(self) -> &'static [UsageName] {
        match self {
            Self::Mge => vendor::MGE,
            Self::Apc => vendor::APC,
            Self::Belkin => vendor::BELKIN,
            Self::Cps => vendor::CPS,
            Self::Delta => vendor::DELTA,
            Self::Ever => vendor::EVER,
            Self::OpenUps => vendor::OPENUPS,
            Self::Powercom => vendor::POWERCOM,
            Self::Powervar => vendor::POWERVAR,
            Self::TrippLite => vendor::TRIPPLITE,
        }
    }

    /// The `usbhid-ups` subdriver name (as in `subdriver=` and the source file).
    #[must_use]
    pub const fn subdriver(self) -> &'static str {
        match self {
            Self::Mge => "mge",
            Self::Apc => "apc",
            Self::Belkin => "belkin",
            Self::Cps => "cps",
            Self::Delta => "delta_ups",
            Self::Ever => "ever",
            Self::OpenUps => "openups",
            Self::Powercom => "powercom",
            Self::Powervar => "powervar",
            Self::TrippLite => "tripplite",
        }
    }
}

/// The standard Power Device table (78 names).
#[must_use]
pub fn power_device_names() -> &'static [UsageName] {
    standard::POWER_DEVICE
}

/// The standard Battery System table (92 names).
#[must_use]
pub fn battery_system_names() -> &'static [UsageName] {
    standard::BATTERY_SYSTEM
}

/// A name resolver: an optional vendor table searched before the standard
/// tables, as a `usbhid-ups` subdriver does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UsageNames {
    vendor: Option<VendorTable>,
}

impl UsageNames {
    /// Standard tables only (what the `explore` subdriver uses).
    pub const STANDARD: Self = Self { vendor: None };

    /// The standard tables behind `vendor`'s table.
    #[must_use]
    pub const fn with_vendor(vendor: VendorTable) -> Self {
        Self {
            vendor: Some(vendor),
        }
    }

    /// The vendor table searched first, if any.
    #[must_use]
    pub const fn vendor(&self) -> Option<VendorTable> {
        self.vendor
    }

    fn tables(&self) -> impl Iterator<Item = &'static [UsageName]> {
        self.vendor
            .map(VendorTable::entries)
            .into_iter()
            .chain([standard::POWER_DEVICE, standard::BATTERY_SYSTEM])
    }

    /// The name of `code`, if a table has one (vendor table first).
    #[must_use]
    pub fn name(&self, code: u32) -> Option<&'static str> {
        self.tables()
            .find_map(|table| table.iter().find(|entry| entry.code == code))
            .map(|entry| entry.name)
    }

    /// The code named `name`, compared case-insensitively (vendor table
    /// first; between the standard tables page 0x84 wins, so `Undefined`
    /// and `VoltageOutOfRange` give their page-0x84 codes).
    #[must_use]
    pub fn code(&self, name: &str) -> Option<u32> {
        self.tables()
            .find_map(|table| {
                table
                    .iter()
                    .find(|entry| entry.name.eq_ignore_ascii_case(name))
            })
            .map(|entry| entry.code)
    }

    /// One path node as NUT prints it: its name, else `[n]` for an index
    /// node `0x00FFnnnn`, else 8 lower-case hex digits.
    #[must_use]
    pub fn node(&self, code: u32) -> NodeName {
        match self.name(code) {
            Some(name) => NodeName::Name(name),
            None if code & 0xFFFF_0000 == INDEX_NODE_BASE => NodeName::Index(code & 0xFFFF),
            None => NodeName::Code(code),
        }
    }
}

/// High half of an index node: NUT encodes the instance number of a
/// vendor-defined collection type (≥ 0x80) as `0x00FF0000 | (type & 0x7F)`.
pub const INDEX_NODE_BASE: u32 = 0x00FF_0000;

/// How one path node prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeName {
    /// A named usage.
    Name(&'static str),
    /// An index node, printed `[n]`.
    Index(u32),
    /// An unnamed usage, printed as 8 lower-case hex digits.
    Code(u32),
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Index(index) => write!(f, "[{index}]"),
            Self::Code(code) => write!(f, "{code:08x}"),
        }
    }
}

/// A short human name for a usage page, for renderings (not part of paths).
#[must_use]
pub fn page_name(page: u16) -> Option<&'static str> {
    Some(match page {
        0x01 => "Generic Desktop",
        0x06 => "Generic Device Controls",
        0x08 => "LEDs",
        0x09 => "Button",
        0x0C => "Consumer",
        POWER_DEVICE_PAGE => "Power Device",
        BATTERY_SYSTEM_PAGE => "Battery System",
        0x86..=0x87 => "Power Pages (reserved)",
        0xFF00..=0xFFFF => "Vendor-defined",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sizes_match_the_reference() {
        assert_eq!(power_device_names().len(), 78);
        assert_eq!(battery_system_names().len(), 92);
        let sizes: Vec<usize> = VendorTable::ALL.iter().map(|t| t.entries().len()).collect();
        assert_eq!(sizes, [150, 20, 40, 2, 34, 104, 6, 25, 1, 20]);
        for entry in power_device_names() {
            assert_eq!(
                entry.code >> 16,
                u32::from(POWER_DEVICE_PAGE),
                "{}",
                entry.name
            );
        }
        for entry in battery_system_names() {
            assert_eq!(
                entry.code >> 16,
                u32::from(BATTERY_SYSTEM_PAGE),
                "{}",
                entry.name
            );
        }
    }

    #[test]
    fn standard_names_both_ways() {
        let names = UsageNames::STANDARD;
        assert_eq!(names.name(0x0084_0004), Some("UPS"));
        assert_eq!(names.name(0x0085_0066), Some("RemainingCapacity"));
        assert_eq!(names.name(0x0084_0006), None);
        assert_eq!(names.code("runtimetoempty"), Some(0x0085_0068));
        assert_eq!(names.code("Undefined"), Some(0x0084_0000));
        assert_eq!(names.name(0x0085_0000), Some("Undefined"));
        assert_eq!(names.code("VoltageOutOfRange"), Some(0x0084_0063));
        assert_eq!(names.name(0x0085_00d8), Some("VoltageOutOfRange"));
    }

    #[test]
    fn vendor_table_shadows_standard() {
        let tl = UsageNames::with_vendor(VendorTable::TrippLite);
        assert_eq!(tl.name(0x0084_0044), Some("TLCharging"));
        assert_eq!(
            UsageNames::STANDARD.name(0x0084_0044),
            Some("ConfigActivePower")
        );
        let mge = UsageNames::with_vendor(VendorTable::Mge);
        assert_eq!(mge.code("undefined"), Some(0xffff_0000));
        assert_eq!(mge.name(0xffff_0005), Some("USB"));
        let ever = UsageNames::with_vendor(VendorTable::Ever);
        assert_eq!(ever.node(0).to_string(), "EVER1");
    }

    #[test]
    fn node_rendering_follows_nut() {
        let names = UsageNames::STANDARD;
        assert_eq!(names.node(0x0084_0024).to_string(), "PowerSummary");
        assert_eq!(names.node(0x00FF_0002).to_string(), "[2]");
        assert_eq!(names.node(0xff86_0060).to_string(), "ff860060");
        assert_eq!(names.node(0).to_string(), "00000000");
        assert_eq!(
            UsageNames::with_vendor(VendorTable::Apc)
                .node(0xff86_0060)
                .to_string(),
            "APCStatusFlag"
        );
    }
}
