//! The `usbhid-ups` subdrivers as data: for each one its name strings, USB
//! ID table, vendor usage table and mapping table (HID path → NUT variable,
//! status bit, alarm text or instant command), written from the reference
//! fact sheet `hid-maps.md` §2, not from NUT's source.
//!
//! A mapping table is read top to bottom; **order matters** (the first row
//! of a variable whose path exists and yields a value at start-up wins,
//! see [`crate::Mapper`]). Rows only present in NUT builds configured with
//! unmapped/debug data points are left out; so are the read-only variants
//! of MGE's `ups.date`/`ups.time` for platforms without `strptime`.

mod apc;
mod arduino;
mod belkin;
mod cps;
mod delta_ups;
mod ecoflow;
mod ever;
mod explore;
mod idowell;
mod legrand;
mod liebert;
mod mge;
mod openups;
mod powercom;
mod powervar;
mod salicru;
mod tripplite;

pub(crate) use mge::MODELS as MGE_MODELS;

use crate::config::ParserConfig;
use crate::convert::{Conversion, Function, ValueTable, tables};
use crate::usage::{UsageNames, VendorTable};

/// Which subdriver a [`Subdriver`] is (for the few behaviours that are
/// code, not data: claim rules, model formatting, descriptor fix-ups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SubdriverId {
    /// `explore`: debug dumps of unknown devices.
    Explore,
    /// `mge`: Eaton, MGE, Dell, Powerware, HP, IBM, AEG, KSTAR.
    Mge,
    /// `apc`.
    Apc,
    /// `arduino`: the HIDPowerDevice sketch.
    Arduino,
    /// `belkin`: Belkin and Liebert (0x10af).
    Belkin,
    /// `cps`: CyberPower.
    Cps,
    /// `delta_ups`.
    DeltaUps,
    /// `ecoflow`.
    Ecoflow,
    /// `ever`.
    Ever,
    /// `idowell`: iDowell, GoldenMate.
    Idowell,
    /// `legrand`.
    Legrand,
    /// `liebert`: Phoenixtec-based models (VID 0x06da).
    Liebert,
    /// `openups`: Minibox openUPS.
    OpenUps,
    /// `powercom`.
    Powercom,
    /// `powervar`.
    Powervar,
    /// `salicru`.
    Salicru,
    /// `tripplite`.
    TrippLite,
}

/// What a claim does on a supported VID:PID besides accepting it (NUT's
/// per-entry "match-time handler").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchHandler {
    /// apc 051d:0002: `maxreport` for `Back-UPS ES 525` / `Back-UPS CS` products.
    ApcGeneralCheck,
    /// Turn the interrupt pipe off, as `pollonly` (APC 5G, Legrand).
    DisableInterruptPipe,
    /// cps 0764:0501: battery-voltage and frequency scale auto-detection.
    CpsBatteryScale,
    /// tripplite: battery voltage × 0.1.
    TrippLiteBatteryScale0Dot1,
    /// tripplite: battery voltage × 1.
    TrippLiteBatteryScale1Dot0,
    /// tripplite 3016/3024: battery and I/O voltage × 100000, frequency and current × 0.01.
    TrippLiteSmart1500Lcdt,
    /// openups: voltage/current scale factors by product ID.
    OpenUpsVoltageMultiplier,
}

/// One entry of a subdriver's USB ID table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct UsbId {
    /// USB vendor ID.
    pub vendor_id: u16,
    /// USB product ID.
    pub product_id: u16,
    /// The handler run when this entry matches, if any.
    pub handler: Option<MatchHandler>,
}

impl UsbId {
    /// An entry without handler.
    #[must_use]
    pub const fn new(vendor_id: u16, product_id: u16) -> Self {
        Self {
            vendor_id,
            product_id,
            handler: None,
        }
    }

    /// An entry with a handler.
    #[must_use]
    pub const fn with(vendor_id: u16, product_id: u16, handler: MatchHandler) -> Self {
        Self {
            vendor_id,
            product_id,
            handler: Some(handler),
        }
    }
}

/// What a mapping row feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// A NUT variable.
    Variable(&'static str),
    /// The status bits (NUT's `BOOL` rows): the conversion's text is a
    /// status token, optionally prefixed with `!`.
    Status,
    /// A text appended to `ups.alarm` on full updates.
    Alarm,
    /// An instant command; the row's text is the value written when the
    /// command has no argument.
    Command(&'static str),
}

/// Row flags (NUT's `HU_FLAG_*` and `ST_FLAG_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RowFlags(u16);

impl RowFlags {
    /// Writable variable (setvar).
    pub const RW: Self = Self(1);
    /// String variable (`ST_FLAG_STRING`), see [`Row::string_len`].
    pub const STRING: Self = Self(1 << 1);
    /// Numeric variable (`ST_FLAG_NUMBER`).
    pub const NUMBER: Self = Self(1 << 2);
    /// Read once at start-up (and on every full update in poll-only mode).
    pub const STATIC: Self = Self(1 << 3);
    /// Re-read only after a successful write (or in poll-only mode).
    pub const SEMI_STATIC: Self = Self(1 << 4);
    /// Read on every poll cycle.
    pub const QUICK_POLL: Self = Self(1 << 5);
    /// Not read: the variable is created with the row's text as value
    /// (only when the path exists).
    pub const ABSENT: Self = Self(1 << 6);
    /// Publish the conversion's texts as the variable's enum list (with `RW`).
    pub const ENUM: Self = Self(1 << 7);

    /// No flag.
    #[must_use]
    pub const fn empty() -> Self {
        Self(0)
    }

    /// True when every flag of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of flags.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The flag names, space separated (`RW STRING QUICK_POLL`).
    #[must_use]
    pub fn names(self) -> String {
        [
            (Self::RW, "RW"),
            (Self::STRING, "STRING"),
            (Self::NUMBER, "NUMBER"),
            (Self::STATIC, "STATIC"),
            (Self::SEMI_STATIC, "SEMI_STATIC"),
            (Self::QUICK_POLL, "QUICK_POLL"),
            (Self::ABSENT, "ABSENT"),
            (Self::ENUM, "ENUM"),
        ]
        .iter()
        .filter(|(flag, _)| self.contains(*flag))
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// One row of a mapping table.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Row {
    /// What the row feeds.
    pub target: Target,
    /// The HID path, as written in the table (bound with the subdriver's
    /// usage names, see [`crate::HidPath::parse`]).
    pub path: &'static str,
    /// Flags.
    pub flags: RowFlags,
    /// Maximum string length for `STRING` variables (NUT's aux value; 0
    /// when the table gives none).
    pub string_len: u16,
    /// The printf format of the value (no conversion), the default value
    /// (`ABSENT`), or the value a command writes without argument (may be
    /// empty when the conversion computes it).
    pub text: &'static str,
    /// The conversion, if any.
    pub conversion: Option<Conversion>,
}

impl Row {
    const fn new(target: Target, path: &'static str, text: &'static str) -> Self {
        Self {
            target,
            path,
            flags: RowFlags::empty(),
            string_len: 0,
            text,
            conversion: None,
        }
    }

    /// A variable formatted with a printf format.
    #[must_use]
    pub const fn var(name: &'static str, path: &'static str, format: &'static str) -> Self {
        Self::new(Target::Variable(name), path, format)
    }

    /// A variable whose text a conversion produces.
    #[must_use]
    pub const fn conv(name: &'static str, path: &'static str, conversion: Conversion) -> Self {
        Self::new(Target::Variable(name), path, "").with(conversion)
    }

    /// An `ABSENT` variable: created with `default` when the path exists.
    #[must_use]
    pub const fn absent(name: &'static str, path: &'static str, default: &'static str) -> Self {
        Self::new(Target::Variable(name), path, default).flag(RowFlags::ABSENT)
    }

    /// A status row (NUT's `BOOL`).
    #[must_use]
    pub const fn status(path: &'static str, conversion: Conversion) -> Self {
        Self::new(Target::Status, path, "").with(conversion)
    }

    /// An alarm row (NUT's `ups.alarm`).
    #[must_use]
    pub const fn alarm(path: &'static str, conversion: Conversion) -> Self {
        Self::new(Target::Alarm, path, "").with(conversion)
    }

    /// An instant command writing `value` when invoked without argument.
    #[must_use]
    pub const fn cmd(name: &'static str, path: &'static str, value: &'static str) -> Self {
        Self::new(Target::Command(name), path, value)
    }

    /// The same row with a conversion.
    #[must_use]
    pub const fn with(mut self, conversion: Conversion) -> Self {
        self.conversion = Some(conversion);
        self
    }

    const fn flag(mut self, flag: RowFlags) -> Self {
        self.flags = self.flags.union(flag);
        self
    }

    /// `RW`.
    #[must_use]
    pub const fn rw(self) -> Self {
        self.flag(RowFlags::RW)
    }

    /// `STRING` with a maximum length.
    #[must_use]
    pub const fn string(mut self, len: u16) -> Self {
        self.string_len = len;
        self.flag(RowFlags::STRING)
    }

    /// `NUMBER`.
    #[must_use]
    pub const fn number(self) -> Self {
        self.flag(RowFlags::NUMBER)
    }

    /// `STATIC`.
    #[must_use]
    pub const fn fixed(self) -> Self {
        self.flag(RowFlags::STATIC)
    }

    /// `SEMI_STATIC`.
    #[must_use]
    pub const fn semi(self) -> Self {
        self.flag(RowFlags::SEMI_STATIC)
    }

    /// `QUICK_POLL`.
    #[must_use]
    pub const fn quick(self) -> Self {
        self.flag(RowFlags::QUICK_POLL)
    }

    /// `ENUM`.
    #[must_use]
    pub const fn enumerated(self) -> Self {
        self.flag(RowFlags::ENUM)
    }

    /// The NUT name the row publishes or answers to (`BOOL` for status
    /// rows, `ups.alarm` for alarm rows, as in NUT's tables).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self.target {
            Target::Variable(name) | Target::Command(name) => name,
            Target::Status => "BOOL",
            Target::Alarm => "ups.alarm",
        }
    }

    /// True for an `ABSENT` row.
    #[must_use]
    pub const fn is_absent(&self) -> bool {
        self.flags.contains(RowFlags::ABSENT)
    }
}

/// A `usbhid-ups` subdriver.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Subdriver {
    /// Which one.
    pub id: SubdriverId,
    /// Short name (the source file's, e.g. `mge`, `delta_ups`).
    pub short_name: &'static str,
    /// NUT's name string (`MGE HID 1.59`): `driver.version.data`, and what
    /// option `subdriver=` matches against.
    pub name: &'static str,
    /// USB ID table.
    pub usb_ids: &'static [UsbId],
    /// Vendor usage names, searched before the standard tables.
    pub vendor_table: Option<VendorTable>,
    /// The mapping table.
    pub rows: &'static [Row],
    /// `ups.mfr` when the device has no Vendor string (`None`: deleted).
    pub mfr_fallback: Option<&'static str>,
    /// Hint name in the "not (or perhaps not yet) supported" message.
    pub hint: &'static str,
}

impl Subdriver {
    /// The usage names this subdriver binds and prints paths with.
    #[must_use]
    pub const fn names(&self) -> UsageNames {
        match self.vendor_table {
            Some(table) => UsageNames::with_vendor(table),
            None => UsageNames::STANDARD,
        }
    }

    /// How NUT parses a descriptor for this subdriver and device: its
    /// parser behaviour plus the subdriver's descriptor fix-ups for the
    /// VID:PIDs they are for (hid-maps.md §1.9), unless
    /// `disable_fix_report_desc` is set.
    #[must_use]
    pub fn parser_config(
        &self,
        vendor_id: u16,
        product_id: u16,
        disable_fix_report_desc: bool,
    ) -> ParserConfig {
        let mut config = ParserConfig::nut();
        if disable_fix_report_desc {
            return config;
        }
        let quirks = &mut config.quirks;
        match (self.id, vendor_id, product_id) {
            (SubdriverId::Apc, 0x051d, 0x0002) => quirks.apc_voltage_limits = true,
            (SubdriverId::Cps, 0x0764, 0x0501 | 0x0601) => {
                quirks.cps_voltage_limits = true;
                quirks.cps_config_active_power = true;
            }
            (SubdriverId::Idowell, 0x06da, 0xffff) | (SubdriverId::Idowell, 0x075d, 0x0300) => {
                quirks.idowell_limits = true;
            }
            _ => {}
        }
        config
    }

    /// The subdriver with the given short name (`mge`, `apc`, …).
    #[must_use]
    pub fn by_short_name(name: &str) -> Option<&'static Self> {
        ALL.iter().copied().find(|s| s.short_name == name)
    }

    /// The subdriver of `id`.
    #[must_use]
    pub fn get(id: SubdriverId) -> &'static Self {
        match id {
            SubdriverId::Explore => &explore::SUBDRIVER,
            SubdriverId::Mge => &mge::SUBDRIVER,
            SubdriverId::Apc => &apc::SUBDRIVER,
            SubdriverId::Arduino => &arduino::SUBDRIVER,
            SubdriverId::Belkin => &belkin::SUBDRIVER,
            SubdriverId::Cps => &cps::SUBDRIVER,
            SubdriverId::DeltaUps => &delta_ups::SUBDRIVER,
            SubdriverId::Ecoflow => &ecoflow::SUBDRIVER,
            SubdriverId::Ever => &ever::SUBDRIVER,
            SubdriverId::Idowell => &idowell::SUBDRIVER,
            SubdriverId::Legrand => &legrand::SUBDRIVER,
            SubdriverId::Liebert => &liebert::SUBDRIVER,
            SubdriverId::OpenUps => &openups::SUBDRIVER,
            SubdriverId::Powercom => &powercom::SUBDRIVER,
            SubdriverId::Powervar => &powervar::SUBDRIVER,
            SubdriverId::Salicru => &salicru::SUBDRIVER,
            SubdriverId::TrippLite => &tripplite::SUBDRIVER,
        }
    }
}

/// Every subdriver in NUT's probe order: `explore`, `mge`, then alphabetical.
pub static ALL: [&Subdriver; 17] = [
    &explore::SUBDRIVER,
    &mge::SUBDRIVER,
    &apc::SUBDRIVER,
    &arduino::SUBDRIVER,
    &belkin::SUBDRIVER,
    &cps::SUBDRIVER,
    &delta_ups::SUBDRIVER,
    &ecoflow::SUBDRIVER,
    &ever::SUBDRIVER,
    &idowell::SUBDRIVER,
    &legrand::SUBDRIVER,
    &liebert::SUBDRIVER,
    &openups::SUBDRIVER,
    &powercom::SUBDRIVER,
    &powervar::SUBDRIVER,
    &salicru::SUBDRIVER,
    &tripplite::SUBDRIVER,
];

/// Short names for conversions used in the tables.
pub(crate) mod c {
    use super::{Conversion, Function, ValueTable, tables};

    const fn t(table: &'static ValueTable) -> Conversion {
        Conversion::Table(table)
    }
    const fn f(function: Function) -> Conversion {
        Conversion::Function(function)
    }

    pub(crate) const ONLINE: Conversion = t(&tables::ONLINE);
    pub(crate) const DISCHARGING: Conversion = t(&tables::DISCHARGING);
    pub(crate) const CHARGING: Conversion = t(&tables::CHARGING);
    pub(crate) const LOWBATT: Conversion = t(&tables::LOWBATT);
    pub(crate) const OVERLOAD: Conversion = t(&tables::OVERLOAD);
    pub(crate) const REPLACEBATT: Conversion = t(&tables::REPLACEBATT);
    pub(crate) const TRIM: Conversion = t(&tables::TRIM);
    pub(crate) const BOOST: Conversion = t(&tables::BOOST);
    pub(crate) const BYPASS_AUTO: Conversion = t(&tables::BYPASS_AUTO);
    pub(crate) const BYPASS_MANUAL: Conversion = t(&tables::BYPASS_MANUAL);
    pub(crate) const ECO_MODE: Conversion = t(&tables::ECO_MODE);
    pub(crate) const OFF: Conversion = t(&tables::OFF);
    pub(crate) const NOBATTERY: Conversion = t(&tables::NOBATTERY);
    pub(crate) const FANFAIL: Conversion = t(&tables::FANFAIL);
    pub(crate) const SHUTDOWNIMM: Conversion = t(&tables::SHUTDOWNIMM);
    pub(crate) const OVERHEAT: Conversion = t(&tables::OVERHEAT);
    pub(crate) const AWAITINGPOWER: Conversion = t(&tables::AWAITINGPOWER);
    pub(crate) const COMMFAULT: Conversion = t(&tables::COMMFAULT);
    pub(crate) const TIMELIMITEXPIRED: Conversion = t(&tables::TIMELIMITEXPIRED);
    pub(crate) const BATTVOLTLO: Conversion = t(&tables::BATTVOLTLO);
    pub(crate) const BATTVOLTHI: Conversion = t(&tables::BATTVOLTHI);
    pub(crate) const CHARGERFAIL: Conversion = t(&tables::CHARGERFAIL);
    pub(crate) const FULLYCHARGED: Conversion = t(&tables::FULLYCHARGED);
    pub(crate) const DEPLETED: Conversion = t(&tables::DEPLETED);
    pub(crate) const VRANGE: Conversion = t(&tables::VRANGE);
    pub(crate) const FRANGE: Conversion = t(&tables::FRANGE);
    pub(crate) const TEST_READ: Conversion = t(&tables::TEST_READ);
    pub(crate) const BEEPER: Conversion = t(&tables::BEEPER);
    pub(crate) const YES_NO: Conversion = t(&tables::YES_NO);
    pub(crate) const ON_OFF: Conversion = t(&tables::ON_OFF);

    pub(crate) const DATE: Conversion = f(Function::Date);
    pub(crate) const STRING_ID: Conversion = f(Function::StringId);
    pub(crate) const DIVIDE_BY_10: Conversion = f(Function::DivideBy10);
    pub(crate) const DIVIDE_BY_100: Conversion = f(Function::DivideBy100);
    pub(crate) const KELVIN: Conversion = f(Function::KelvinCelsius);

    /// A function conversion (for the subdriver-specific ones).
    pub(crate) const fn func(function: Function) -> Conversion {
        f(function)
    }
    /// A table conversion (for the subdriver-specific ones).
    pub(crate) const fn table(table: &'static ValueTable) -> Conversion {
        t(table)
    }
}

#[cfg(test)]
mod tests;
