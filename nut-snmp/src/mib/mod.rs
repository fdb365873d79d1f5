//! snmp-ups's MIB-to-NUT mapping tables as data: one [`Mib`] descriptor per
//! entry of the driver's list (in `mibs=auto` trial order), each pointing at
//! a table of [`Row`]s.
//!
//! The tables are generated from the snmp-maps fact sheet (part 2) by
//! `tools/gen_mib_tables.py`; they hold NUT's OIDs, names, defaults and
//! lookup texts exactly, mistakes included, because they are data the
//! driver's users see.

#[rustfmt::skip]
mod tables;

use std::fmt::Write as _;

/// Row flags (snmp-maps.md 1.15), as bits of [`Row::flags`].
pub mod flag {
    /// Read at init only.
    pub const STATIC: u32 = 1;
    /// Re-read every `semistaticfreq` update walks.
    pub const SEMI_STATIC: u32 = 1 << 1;
    /// Not read: the default is published once at init.
    pub const ABSENT: u32 = 1 << 2;
    /// A negative reading disables the row.
    pub const NEGINVALID: u32 = 1 << 3;
    /// A zero reading disables the row (and rules out a template index).
    pub const ZEROINVALID: u32 = 1 << 4;
    /// Template index test: a value starting with `N/A` does not count.
    pub const NAINVALID: u32 = 1 << 5;
    /// The first success disables every other row of the same name.
    pub const UNIQUE: u32 = 1 << 6;
    /// Outlet template (`outlet.%i.*`).
    pub const OUTLET: u32 = 1 << 7;
    /// Outlet group template (`outlet.group.%i.*`).
    pub const OUTLET_GROUP: u32 = 1 << 8;
    /// Ambient sensor template (`ambient.%i.*`).
    pub const AMBIENT: u32 = 1 << 9;
    /// Kept only with 1 input phase.
    pub const INPUT_1: u32 = 1 << 10;
    /// Kept only with 3 input phases.
    pub const INPUT_3: u32 = 1 << 11;
    /// Kept only with 1 output phase.
    pub const OUTPUT_1: u32 = 1 << 12;
    /// Kept only with 3 output phases.
    pub const OUTPUT_3: u32 = 1 << 13;
    /// Kept only with 1 bypass phase.
    pub const BYPASS_1: u32 = 1 << 14;
    /// Kept only with 3 bypass phases.
    pub const BYPASS_3: u32 = 1 << 15;
    /// Sets are sent as TimeTicks (value × 100).
    pub const TYPE_TIME: u32 = 1 << 16;
    /// A hint only; no effect.
    pub const TYPE_INT: u32 = 1 << 17;
    /// Marks Pulizzi command rows; no effect.
    pub const CMD_OFFSET: u32 = 1 << 18;
    /// Two-`%i` template with the device index first.
    pub const DAISY_1: u32 = 1 << 19;
    /// Ambient template published for daisychain device 1 only.
    pub const DAISY_MASTER_ONLY: u32 = 1 << 20;
    /// Label on a `ups.status` row; no effect.
    pub const STATUS_PWR: u32 = 1 << 21;
    /// Label on a `ups.status` row; no effect.
    pub const STATUS_BATT: u32 = 1 << 22;
    /// Label on a `ups.status` row; no effect.
    pub const STATUS_CAL: u32 = 1 << 23;
    /// Label on a `ups.status` row; no effect.
    pub const STATUS_RB: u32 = 1 << 24;
    /// Internal flag some tables set by mistake; cleared on the first
    /// good read.
    pub const STALE: u32 = 1 << 25;

    /// Any of the phase filters.
    pub const PHASES: u32 = INPUT_1 | INPUT_3 | OUTPUT_1 | OUTPUT_3 | BYPASS_1 | BYPASS_3;
    /// Any of the template kinds.
    pub const TEMPLATES: u32 = OUTLET | OUTLET_GROUP | AMBIENT;
}

/// How a row is read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A string (`ST_FLAG_STRING`): read as text, set as OCTET STRING.
    Str,
    /// A number: read as an integer times the multiplier.
    Num,
    /// An instant command.
    Cmd,
}

/// A conversion function that replaces a lookup table's pairs
/// (snmp-maps.md 1.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conversion {
    /// `mm/dd/yyyy` → `yyyy-mm-dd` (`su_usdate_to_isodate_info_fun`).
    UsDateToIsoDate,
    /// Stores the sensor temperature unit, publishes `celsius`
    /// (`eaton_sensor_temperature_unit_fun`).
    SensorTemperatureUnit,
    /// Tenths in the stored unit → whole degrees Celsius
    /// (`su_temperature_read_fun`).
    TemperatureRead,
    /// Counts the devices in a list such as `0,3,4,5`
    /// (`marlin_device_count_fun`).
    DeviceCount,
}

/// A lookup table: SNMP integer → NUT text, or a conversion function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// `(integer, text)` pairs; the first pair with a value wins, and sets
    /// look up the first pair with a text.
    Pairs(&'static [(i64, &'static str)]),
    /// A conversion function instead of pairs.
    Function(Conversion),
}

impl Lookup {
    /// The text for `value` from a pair list; `None` for no match or for
    /// a conversion function.
    pub fn text(&self, value: i64) -> Option<&'static str> {
        match self {
            Self::Pairs(pairs) => pairs.iter().find(|(v, _)| *v == value).map(|(_, t)| *t),
            Self::Function(_) => None,
        }
    }

    /// The integer for `text` (RW sets): the first pair with that exact
    /// text.
    pub fn value(&self, text: &str) -> Option<i64> {
        match self {
            Self::Pairs(pairs) => pairs.iter().find(|(_, t)| *t == text).map(|(v, _)| *v),
            Self::Function(_) => None,
        }
    }

    /// The texts of a pair list, in order (the enum values of an RW
    /// variable); empty for a conversion function.
    pub fn texts(&self) -> impl Iterator<Item = &'static str> {
        let pairs: &'static [(i64, &'static str)] = match self {
            Self::Pairs(pairs) => pairs,
            Self::Function(_) => &[],
        };
        pairs.iter().map(|(_, t)| *t)
    }
}

/// One row of a mapping table (snmp-ups's `snmp_info_t`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// NUT variable or command name; templates hold `%i`.
    pub name: &'static str,
    /// The OID as written in the table (leading dot optional, may hold
    /// `%i`), or `None`.
    pub oid: Option<&'static str>,
    /// String, number or command.
    pub kind: Kind,
    /// Published as writable.
    pub rw: bool,
    /// For strings the maximum length (published as aux); for numbers the
    /// multiplier applied on read and divided out on set.
    pub len_mult: f64,
    /// [`flag`] bits.
    pub flags: u32,
    /// Default text (`%i` filled per instance), or `None`.
    pub default: Option<&'static str>,
    /// Lookup table, or `None`.
    pub lookup: Option<&'static Lookup>,
}

impl Row {
    /// A row, in the column order of the fact sheet's tables.
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn new(
        name: &'static str,
        oid: Option<&'static str>,
        kind: Kind,
        rw: bool,
        len_mult: f64,
        flags: u32,
        default: Option<&'static str>,
        lookup: Option<&'static Lookup>,
    ) -> Self {
        Self {
            name,
            oid,
            kind,
            rw,
            len_mult,
            flags,
            default,
            lookup,
        }
    }

    /// Whether the row has any of the `flags` bits.
    pub fn has(&self, flags: u32) -> bool {
        self.flags & flags != 0
    }
}

/// One entry of an alarm OID table: an OID that, met as a *value* during
/// the `ups.alarms` walk, adds a status token and/or an alarm text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlarmEntry {
    /// The OID text, compared as a string with net-snmp's numeric
    /// rendering (so an entry without a leading dot never matches).
    pub oid: &'static str,
    /// Status token to add.
    pub status: Option<&'static str>,
    /// Alarm text to add.
    pub alarm: Option<&'static str>,
}

/// A mapping descriptor (snmp-ups's `mib2nut_info_t`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mib {
    /// The name `mibs=` accepts (several descriptors may share it).
    pub name: &'static str,
    /// The descriptor's own name in NUT's source.
    pub descriptor: &'static str,
    /// Mapping version, shown in `driver.version.data`.
    pub version: &'static str,
    /// The sysObjectID value that selects this mapping in the first
    /// `mibs=auto` pass (exact equality).
    pub sys_oid: Option<&'static str>,
    /// Printed by `mibs=--list`; not used by detection.
    pub auto_check_oid: Option<&'static str>,
    /// Stored by the driver but never read.
    pub power_status_oid: Option<&'static str>,
    /// The mapping table's name.
    pub table: &'static str,
    /// The mapping table.
    pub rows: &'static [Row],
    /// Alarm OID table for the `ups.alarms` walk.
    pub alarms: Option<&'static [AlarmEntry]>,
}

impl Mib {
    /// Every descriptor, in `mibs=auto` trial order.
    pub fn all() -> &'static [Self] {
        tables::MIBS
    }

    /// Descriptors whose `mibs=` name is `name`, in order.
    pub fn named(name: &str) -> impl Iterator<Item = &'static Self> {
        let name = name.to_owned();
        tables::MIBS.iter().filter(move |m| m.name == name)
    }

    /// The detection probe row: the first row named `device.model`
    /// (case-insensitively), else the first named `ups.model`.
    pub fn probe_row(&self) -> Option<&'static Row> {
        let find = |wanted: &str| {
            self.rows
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(wanted))
        };
        find("device.model").or_else(|| find("ups.model"))
    }

    /// `driver.version.data`: `"<name> MIB <version>"`.
    pub fn version_data(&self) -> String {
        format!("{} MIB {}", self.name, self.version)
    }
}

/// The text `mibs=--list` prints (snmp-maps.md 1.14), ending with a new
/// line.
pub fn list_text() -> String {
    let mut out = String::new();
    out.push_str(
        "The 'mibs' argument is '--list', so just listing the mappings this driver knows,\n\
         and for 'mibs=auto' these mappings will be tried in the following order until\n\
         the first one matches your device\n\n",
    );
    let _ = writeln!(
        out,
        "{:>7}\t{:<23}\t{:<7}\t{:<31}\tAUTO CHECK OID",
        "NUMBER", "MAPPING NAME", "VERSION", "ENTRY POINT OID"
    );
    for (n, mib) in tables::MIBS.iter().enumerate() {
        let _ = writeln!(
            out,
            " {:>4} \t{:<23}\t{:>7}\t{:<31}\t{}",
            n + 1,
            mib.name,
            mib.version,
            mib.sys_oid.unwrap_or("<NULL>"),
            mib.auto_check_oid.unwrap_or("<NULL>")
        );
    }
    let _ = writeln!(
        out,
        "\nOverall this driver has loaded {} MIB-to-NUT mapping tables",
        tables::MIBS.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_list_matches_the_fact_sheet() {
        let all = Mib::all();
        assert_eq!(all.len(), 36);
        assert_eq!(all[0].name, "apc_ats");
        assert_eq!(all[35].name, "ietf");
        assert_eq!(Mib::named("apc_pdu").count(), 3);
        assert_eq!(Mib::named("cyberpower").count(), 2);
        let names: std::collections::BTreeSet<&str> = all.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), 33);
        let rows: usize = {
            let mut seen = std::collections::BTreeSet::new();
            all.iter()
                .filter(|m| seen.insert(m.table))
                .map(|m| m.rows.len())
                .sum()
        };
        assert_eq!(rows, 1805);
    }

    #[test]
    fn every_descriptor_has_a_probe_row_with_an_oid() {
        for mib in Mib::all() {
            let row = mib
                .probe_row()
                .unwrap_or_else(|| panic!("{}", mib.descriptor));
            assert!(row.oid.is_some(), "{}", mib.descriptor);
        }
        let ietf = Mib::named("ietf").next().unwrap();
        assert_eq!(
            ietf.probe_row().unwrap().oid,
            Some("1.3.6.1.2.1.33.1.1.2.0")
        );
        assert_eq!(ietf.version_data(), "ietf MIB 1.55");
    }

    #[test]
    fn every_oid_in_every_table_parses_once_templates_are_filled() {
        for mib in Mib::all() {
            for row in mib.rows {
                if let Some(oid) = row.oid {
                    let filled = crate::oid::fill_template(oid, &[1, 1]);
                    assert!(
                        crate::Oid::parse(&filled).is_ok(),
                        "{}: {} {oid}",
                        mib.table,
                        row.name
                    );
                }
            }
            for entry in mib.alarms.unwrap_or_default() {
                assert!(crate::Oid::parse(entry.oid).is_ok());
            }
        }
    }

    #[test]
    fn lookups_stop_at_the_null_sentinel_and_work_both_ways() {
        let cps = Mib::named("cyberpower").next().unwrap();
        let status = cps
            .rows
            .iter()
            .find(|r| r.name == "ups.status")
            .and_then(|r| r.lookup)
            .unwrap();
        assert_eq!(status.text(2), Some("OL"));
        assert_eq!(status.text(1), None, "1 → NULL is the list's end");
        assert_eq!(status.value("OB"), Some(3));
        assert!(!status.texts().any(|t| t == "NULL"));
    }

    #[test]
    fn list_text_has_one_line_per_descriptor() {
        let text = list_text();
        assert!(text.starts_with("The 'mibs' argument is '--list'"));
        assert!(text.contains("    1 \tapc_ats"));
        assert!(text.contains("   36 \tietf"));
        assert!(text.ends_with("Overall this driver has loaded 36 MIB-to-NUT mapping tables\n"));
    }
}
