//! The shape of one protocol table row: which query, which bytes of the
//! reply, which NUT variable, which conversion (qx-protocols §1.1).

/// Row flags (qx-protocols §0). A plain bit set so tables stay `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(u16);

impl Flags {
    /// No flags: re-read on every full poll.
    pub const NONE: Self = Self(0);
    /// `S`: read once at start-up.
    pub const STATIC: Self = Self(1);
    /// `SS`: read at start-up and on the full poll after a command/setvar.
    pub const SEMI_STATIC: Self = Self(1 << 1);
    /// `Q`: read on every (quick) poll; its failure fails the poll.
    pub const QUICK: Self = Self(1 << 2);
    /// `T`: trim leading/trailing `#` and spaces.
    pub const TRIM: Self = Self(1 << 3);
    /// `N`: not a NUT variable (value only remembered).
    pub const NOT_VAR: Self = Self(1 << 4);
    /// `K`: initially skipped, switched on at run time by another row.
    pub const SKIP: Self = Self(1 << 5);

    /// Union of two sets.
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every flag of `other` is set.
    pub const fn has(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

/// How a numeric field is printed (C printf semantics, half-to-even ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    /// `%.0f`
    F0,
    /// `%.1f`
    F1,
    /// `%.2f`
    F2,
    /// `%d` (integer part)
    Int,
}

impl Fmt {
    /// Prints `v` in this format.
    pub fn apply(self, v: f64) -> String {
        match self {
            Self::F0 => format!("{v:.0}"),
            Self::F1 => format!("{v:.1}"),
            Self::F2 => format!("{v:.2}"),
            Self::Int => format!("{}", v.trunc() as i64),
        }
    }

    /// Number of decimals printed.
    pub fn decimals(self) -> usize {
        match self {
            Self::F0 | Self::Int => 0,
            Self::F1 => 1,
            Self::F2 => 2,
        }
    }
}

/// The role of one Megatec Q1 status byte (qx-protocols §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Q1Bit {
    /// Byte 38: utility fail → `!OL` / `OL`.
    UtilityFail,
    /// Byte 39: battery low → `LB` / `!LB`.
    BatteryLow,
    /// Byte 40: bypass/boost/buck → TRIM/BYPASS/BOOST by Vout/Vin.
    BypassBoostBuck,
    /// Byte 41: UPS failed → alarm.
    UpsFailed,
    /// Byte 42: UPS type → `ups.type`.
    UpsType,
    /// Byte 43: test in progress → `CAL` / `!CAL`.
    TestInProgress,
    /// Byte 44: shutdown active → `FSD` / `!FSD`.
    ShutdownActive,
    /// Byte 45: beeper → `ups.beeper.status`.
    Beeper,
}

/// The role of one Voltronic `QGS` flag byte (qx-protocols §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QgsBit {
    /// Byte 65: utility fail.
    UtilityFail,
    /// Byte 66: battery low.
    BatteryLow,
    /// Byte 67 (status row): bypass/boost/buck.
    BypassBoostBuck,
    /// Byte 67 (alarm row): TRIM/BOOST/AVR alarm texts.
    BypassAlarm,
    /// Byte 70: test in progress.
    TestInProgress,
    /// Byte 71: shutdown active (not affected by `ignoresab`).
    ShutdownActive,
    /// Byte 72: beeper.
    Beeper,
}

/// Decoded fields of the binary voltronic-qs-hex `QS` reply (§2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QsHexField {
    /// Hex pair A B → ⌊A·B/51⌋/256 volts.
    Voltage,
    /// Hex byte → load %.
    Load,
    /// Hex pair A B → B/A Hz, capped at 99.9.
    Frequency,
    /// Hex pair A B → A·B/510 volts.
    Battery,
    /// Bit `0`/`1` → 50/60 Hz.
    NominalFrequency,
    /// Bits → 12/24/36/48 V.
    NominalBattery,
    /// Bits → 110/120/220/230/240 V.
    NominalOutput,
}

/// Fields of the BestUPS `M` voltage-set reply (§2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BestupsM {
    /// Column "low".
    Low,
    /// Column "boost".
    Boost,
    /// Column "nominal".
    Nominal,
    /// Column "buck".
    Buck,
    /// Column "high".
    High,
}

/// Masterguard conversions (§2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mg {
    /// `ups.id`: exactly two digits, remembered as slave address.
    SlaveAddress,
    /// Series letter `A`/`E`, remembered.
    Series,
    /// Model text → model name.
    Model,
    /// Model text → VA.
    Power,
    /// Battery cell count, remembered.
    Cells,
    /// Cell voltage × cells (`%.2f`).
    CellsTimes,
    /// `mmm.ss` → seconds.
    MinSec,
    /// load % × VA + 0.5 (`%.0f`).
    UpsPower,
    /// load % × VA / output.voltage + 0.005 (`%.2f`).
    OutputCurrent,
    /// VA / output.voltage + 0.005 (`%.2f`).
    OutputCurrentNominal,
    /// A `Q3` status byte.
    Bit(MgBit),
    /// `T2T1T0` → `ups.test.result`.
    TestResult,
    /// `GS` beeper byte.
    Beeper,
}

/// Masterguard `Q3` status bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MgBit {
    /// B7: on battery.
    UtilityFail,
    /// B6: battery low.
    BatteryLow,
    /// B5: bypass.
    Bypass,
    /// B4: UPS failed (alarm).
    UpsFailed,
    /// B3: offline type.
    UpsType,
    /// B2: test.
    Test,
    /// B1: shutdown active.
    ShutdownActive,
    /// T6: parallel problems (alarm).
    Parallel,
    /// T4: replace battery.
    ReplaceBattery,
    /// T3: no battery (alarm).
    NoBattery,
}

/// The value hook of a row: how the extracted field becomes a value, a
/// status token or alarm text.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Conv {
    /// Numeric check (digits, spaces, `.`) then printf.
    Num(Fmt),
    /// Text as received (trimmed with the `T` flag).
    Text,
    /// `A` row: no query; the constant is the (default) value.
    Const(&'static str),
    /// Battery voltage with optional pack scaling (§1.12).
    BattVolt(Fmt),
    /// Minutes → seconds (`%.0f`).
    Minutes,
    /// Kilo-units → units (`%.2f`).
    Kilo,
    /// Megatec Q1 status byte.
    Q1Bit(Q1Bit),
    /// BestUPS byte 40 with its model rules.
    BestupsBit40,
    /// `1` → `star`, `0` → `delta`.
    Topology,
    /// voltronic-qs `M` reply: one of the allowed letters → `PM-<letter>`.
    QsModel(&'static [u8]),
    /// voltronic-qs-hex decoded field.
    QsHex(QsHexField),
    /// voltronic `QPI` protocol id → `P<nn>`.
    VoltronicQpi,
    /// mecer `QPI`: must be `PI98`.
    MecerQpi,
    /// voltronic `QGS` bytes 63–64 → `ups.type`.
    QgsType,
    /// voltronic `QGS` flag byte.
    QgsBit(QgsBit),
    /// voltronic `QMOD` letter → status.
    QmodStatus,
    /// voltronic `QMOD` letter → alarm.
    QmodAlarm,
    /// voltronic `QWS` 64-bit warning string → alarm (and LB/OVER/RB).
    Qws,
    /// voltronic `QID`: all-zero serials are refused.
    NonZeroSerial,
    /// Percent → fraction (`80` → `0.8`).
    PowerFactor,
    /// BestUPS model code → manufacturer.
    BestupsMfr,
    /// BestUPS model code → model name.
    BestupsModel,
    /// BestUPS `M` voltage set.
    BestupsM(BestupsM),
    /// BestUPS `RT`: digits/space/dot only, minutes → seconds.
    DigitsMinutes,
    /// hunnox `BL<n>`: 0..100.
    HunnoxBl,
    /// Masterguard conversions.
    Mg(Mg),
    /// OMRON extension replies (§2.1).
    Omron(OmronConv),
    /// voltronic-axpert conversions (§2.3).
    Axpert(AxpertConv),
    /// Ablerex conversions (§2.14).
    Ablerex(AblerexConv),
    /// gtec `Q4` status letters (§2.20).
    GtecStatus,
}

/// OMRON extension replies (qx-protocols §2.1): no lead byte, each reply
/// validated whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OmronConv {
    /// `Bl ?`: digits only, 0..100, `%.1f`.
    Charge,
    /// `RTS`: digits only, minutes → seconds.
    Runtime,
    /// `TPb`: signed strict decimal, `%.1f`.
    Temperature,
    /// `Lf ?`: strict decimal, `%.1f`.
    Frequency,
    /// `PSNR`: text, a `NAK` reply refused.
    Serial,
    /// `FWV`: `M:<main>(S:<aux>)` → firmware and firmware.aux.
    Firmware,
    /// `BRR`: `YYYYMMDD` → `YYYY-MM-DD`.
    BatteryDate,
    /// `UN`: one integer field of `ddddW/ddddVA/dddV/dddW/dddW`.
    Nominal,
}

/// voltronic-axpert conversions (qx-protocols §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxpertConv {
    /// `QPI`: must be `PI30` → `P30`.
    Qpi,
    /// Firmware text published as `0X` + text.
    Firmware,
    /// `QPIRI`/`QDI` battery type digit.
    BatteryType,
    /// `QPIRI` machine type bits.
    ModelType,
    /// `QPIRI` transformer digit.
    Description,
    /// `QPIGS` flag byte 86: load on (`0` → `OFF`).
    LoadOn,
    /// `QPIGS` flag byte 88: charging (`1` → `CHRG`).
    Charging,
    /// `QPIWS` warning bits → alarm (and LB/OVER).
    Warnings,
    /// `QMOD` letter → status.
    ModeStatus,
    /// `QMOD` letter → alarm.
    ModeAlarm,
}

/// Ablerex conversions (qx-protocols §2.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AblerexConv {
    /// Q1 battery voltage scaled by the nominal and the `Q5` raw value.
    BatteryVoltage,
    /// Q1 battery voltage → charge by lookup table.
    Charge,
    /// Q1 bytes 40–42: bypass/boost/buck by UPS type.
    Bypass,
    /// Q1 byte 41: `RB` (and `OFF` without output voltage).
    Failed,
    /// `F` row: `battery.voltage.low` from the `Q5` low value.
    VoltageLow,
    /// `F` row: `battery.voltage.high` = 1365 × nominal / 1200.
    VoltageHigh,
    /// Binary `Q5`: output frequency, current, error code.
    Q5,
    /// Binary `At`: big-endian runtime.
    Runtime,
    /// `TR`: four characters of test result.
    TestResult,
}

/// The answer hook of a row: validates or decodes the raw reply first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// The reply is used as received.
    None,
    /// voltronic-qs-hex binary `QS` decoding (§2.5).
    QsHex,
    /// BestUPS `ID` normalisation to 28 bytes (§2.8).
    BestupsId,
    /// voltronic-axpert: CRC checked and stripped (App. A).
    VoltronicCrc,
    /// A binary reply (Ablerex `Q5`, `At`), used as received up to its CR.
    Binary,
}

/// One mapping row of a protocol table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// NUT variable (or `N` name).
    pub var: &'static str,
    /// The query, CR included; empty for `A` rows.
    pub query: &'static [u8],
    /// Minimum reply length (CR included); 0 = none.
    pub min_len: usize,
    /// Required first byte.
    pub lead: Option<u8>,
    /// First byte of the field (0-based).
    pub from: usize,
    /// Last byte of the field (inclusive); `None` = up to the first CR.
    pub to: Option<usize>,
    /// Value hook.
    pub conv: Conv,
    /// Answer hook.
    pub hook: Hook,
    /// Flags.
    pub flags: Flags,
    /// For a status bit: the first and last byte of the run of `0`/`1`
    /// characters it is packed in (the Q1 status byte is 38–45).
    pub bits: Option<(usize, usize)>,
}

impl Row {
    /// Whether the row is a status row (`ups.status`).
    pub fn is_status(&self) -> bool {
        self.var == "ups.status"
    }

    /// Whether the row is an alarm row (`ups.alarm`).
    pub fn is_alarm(&self) -> bool {
        self.var == "ups.alarm"
    }

    /// Whether the row is an `A` row (no query).
    pub fn is_absent(&self) -> bool {
        self.query.is_empty()
    }

    /// The row with its field packed in the run of status bits at bytes
    /// `first`–`last` (for the tables).
    pub(crate) const fn packed(mut self, first: usize, last: usize) -> Self {
        self.bits = Some((first, last));
        self
    }
}

/// Builds a row (terse constructor for the tables).
#[allow(clippy::too_many_arguments)]
pub(crate) const fn row(
    var: &'static str,
    query: &'static [u8],
    min_len: usize,
    lead: u8,
    from: usize,
    to: usize,
    conv: Conv,
    flags: Flags,
) -> Row {
    Row {
        var,
        query,
        min_len,
        lead: if lead == 0 { None } else { Some(lead) },
        from,
        to: if to == END { None } else { Some(to) },
        conv,
        hook: Hook::None,
        flags,
        bits: None,
    }
}

/// Same as [`row`] with an answer hook.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn hooked(
    var: &'static str,
    query: &'static [u8],
    min_len: usize,
    lead: u8,
    from: usize,
    to: usize,
    conv: Conv,
    hook: Hook,
    flags: Flags,
) -> Row {
    let mut r = row(var, query, min_len, lead, from, to, conv, flags);
    r.hook = hook;
    r
}

/// `to` value meaning "up to the first CR".
pub(crate) const END: usize = usize::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_printf() {
        assert_eq!(Fmt::F0.apply(2.5), "2");
        assert_eq!(Fmt::F0.apply(3.5), "4");
        assert_eq!(Fmt::F1.apply(22.75), "22.8");
        assert_eq!(Fmt::F2.apply(2.05), "2.05");
        assert_eq!(Fmt::Int.apply(2.9), "2");
    }

    #[test]
    fn flags_combine() {
        let f = Flags::STATIC.with(Flags::TRIM);
        assert!(f.has(Flags::STATIC) && f.has(Flags::TRIM) && !f.has(Flags::QUICK));
    }
}
