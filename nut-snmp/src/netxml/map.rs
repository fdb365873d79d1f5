//! The NetXML object → NUT variable table (netxml-ups's `mge_xml2nut`,
//! production build) and the conversions its rows name.
//!
//! The table is data, copied row for row (misspellings and quirks
//! included, see the reference `snmp-maps.md` §3.4): several XML names feed
//! one NUT name, the first row whose XML name matches (ignoring ASCII
//! case) is the one used, and "bit" rows change a status bit instead of
//! publishing a variable.

/// Row flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags(u8);

impl Flags {
    /// No flag.
    pub const NONE: Self = Self(0);
    /// Writable: published empty with the RW flag at start-up, and the
    /// target of `SET VAR` through the card's SET_OBJECT form.
    pub const RW: Self = Self(1);
    /// Published once: a later value for a variable that exists is dropped.
    pub const STATIC: Self = Self(2);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The internal status bits a NetXML document sets or clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bit(u32);

impl Bit {
    /// On line power (`ACPresent`).
    pub const ONLINE: Self = Self(1);
    /// Discharging.
    pub const DISCHRG: Self = Self(1 << 1);
    /// Low battery.
    pub const LOWBATT: Self = Self(1 << 2);
    /// Overload.
    pub const OVERLOAD: Self = Self(1 << 3);
    /// Battery needs replacing.
    pub const REPLACEBATT: Self = Self(1 << 4);
    /// Shutdown imminent (becomes `FSD`).
    pub const SHUTDOWNIMM: Self = Self(1 << 5);
    /// Trimming (buck).
    pub const TRIM: Self = Self(1 << 6);
    /// Boosting.
    pub const BOOST: Self = Self(1 << 7);
    /// Output off (`Good` = 0).
    pub const OFF: Self = Self(1 << 8);
    /// Battery test in progress (becomes `CAL`).
    pub const CALIB: Self = Self(1 << 9);
    /// Charging.
    pub const CHRG: Self = Self(1 << 10);
    /// Automatic bypass.
    pub const BYPASSAUTO: Self = Self(1 << 11);
    /// Manual bypass.
    pub const BYPASSMAN: Self = Self(1 << 12);
    /// Fan failure.
    pub const FANFAIL: Self = Self(1 << 13);
    /// No battery.
    pub const NOBATTERY: Self = Self(1 << 14);
    /// Battery voltage too low.
    pub const BATTVOLTLO: Self = Self(1 << 15);
    /// Battery voltage too high.
    pub const BATTVOLTHI: Self = Self(1 << 16);
    /// Charger failure.
    pub const CHARGERFAIL: Self = Self(1 << 17);
    /// Over temperature.
    pub const OVERHEAT: Self = Self(1 << 18);
    /// Communication lost (between card and UPS).
    pub const COMMFAULT: Self = Self(1 << 19);
    /// Internal fault.
    pub const INTERNALFAULT: Self = Self(1 << 20);
    /// Fuse fault.
    pub const FUSEFAULT: Self = Self(1 << 21);
    /// Input voltage out of range.
    pub const VRANGE: Self = Self(1 << 22);
    /// Input frequency out of range.
    pub const FRANGE: Self = Self(1 << 23);

    /// No bit.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Whether every bit of `other` is set in `self`.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Sets or clears the bits of `other`.
    pub fn set(&mut self, other: Self, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }
}

/// How a bit row reads its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Set when the text starts with `1`.
    One,
    /// Set when the text starts with `0` (inverted objects).
    Zero,
    /// Set when the text starts with `1` or `Yes` (any case).
    OneOrYes,
}

impl Test {
    /// Whether `value` sets the bit.
    pub fn holds(self, value: &str) -> bool {
        match self {
            Self::One => value.starts_with('1'),
            Self::Zero => value.starts_with('0'),
            Self::OneOrYes => {
                value.starts_with('1')
                    || value
                        .get(..3)
                        .is_some_and(|head| head.eq_ignore_ascii_case("yes"))
            }
        }
    }
}

/// What a row does with the object's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conv {
    /// Publish the text unchanged.
    Raw,
    /// Set or clear a status bit (publishes nothing).
    Bit(Bit, Test),
    /// `atoi(v) / 3600` as `%.2f` (Ah from As).
    Capacity,
    /// First character `1` → `yes`, `0` → `no`, else `<unknown>`.
    YesNo,
    /// First character `1` → `on`, `0` → `off`, else `<unknown>`.
    OnOff,
    /// `System.LastAcquisition`: `ups.date` from the date part, the time
    /// part published.
    Time,
    /// `UPS.PowerSummary.DelayBeforeShutdown`: published as is, and the
    /// shutdown-imminent logic.
    DelayBeforeShutdown,
    /// `System.RunTimeToShutdown`: shutdown imminent when it reads 0.
    RunTimeToShutdown,
    /// Battery test result (and the `CAL` bit).
    TestResult,
    /// Beeper status 1/2/3.
    Beeper,
    /// Converter type 1..5.
    ConverterType,
    /// Input sensitivity 0/1/2.
    Sensitivity,
    /// Dry contact state 0/1.
    Contact,
    /// `atoi(v) / 100` as `%.2f`.
    PowerFactor,
    /// ×0.1 as `%.1f` with `do_convert_deci`, else unchanged.
    Deci,
    /// Nothing when `atoi(v)` is 0, else as [`Conv::Deci`].
    DeciNonZero,
    /// Published only when the product type is `Transverse`.
    Transverse,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The XML object name (matched ignoring ASCII case).
    pub xml: &'static str,
    /// The NUT variable, `None` for status-bit rows.
    pub nut: Option<&'static str>,
    /// RW / STATIC.
    pub flags: Flags,
    /// The conversion.
    pub conv: Conv,
}

pub use super::table::ROWS;

/// The first row for the XML object `name` (ignoring ASCII case).
pub fn by_xml(name: &str) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.xml.eq_ignore_ascii_case(name))
}

/// The first row publishing the NUT variable `name`.
pub fn by_nut(name: &str) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.nut == Some(name))
}

/// The NUT variables registered writable at start-up, in table order.
pub fn writable() -> impl Iterator<Item = &'static str> {
    ROWS.iter()
        .filter(|r| r.flags.contains(Flags::RW))
        .filter_map(|r| r.nut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_row_and_first_match_wins() {
        assert_eq!(ROWS.len(), 186);
        // ACPresent is a status bit; its outlet.1.status row is never used.
        let row = by_xml("ups.powersummary.presentstatus.acpresent").expect("row");
        assert_eq!(row.conv, Conv::Bit(Bit::ONLINE, Test::One));
        assert_eq!(
            by_nut("battery.type").map(|r| r.xml),
            Some("UPS.PowerSummary.iDeviceChemistry")
        );
        assert_eq!(
            by_nut("outlet.4.current").map(|r| r.xml),
            Some("PDU.OutletSystem.Outlet[2].Current")
        );
    }

    #[test]
    fn writable_list_is_nut_s() {
        let names: Vec<&str> = writable().collect();
        assert_eq!(
            names,
            [
                "device.contact",
                "device.location",
                "battery.runtime.low",
                "ups.delay.shutdown",
                "ups.timer.start",
                "ups.timer.shutdown",
                "ambient.humidity.high",
                "ambient.humidity.low",
                "ambient.temperature.high",
                "ambient.temperature.low",
                "outlet.1.delay.shutdown",
                "outlet.2.delay.shutdown",
            ]
        );
    }

    #[test]
    fn bit_tests() {
        assert!(Test::One.holds("1"));
        assert!(!Test::One.holds("0"));
        assert!(!Test::One.holds(""));
        assert!(Test::Zero.holds("0x"));
        assert!(Test::OneOrYes.holds("yes"));
        assert!(Test::OneOrYes.holds("YES please"));
        assert!(!Test::OneOrYes.holds("ye"));
        assert!(!Test::OneOrYes.holds("no"));
    }
}
