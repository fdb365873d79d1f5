//! Writing NUT's `DUMPALL` reply from an abstract list of variables and
//! commands.

use super::VarFlag;
use super::driver::{
    write_keyword_word, write_range, write_setaux, write_setflags, write_var_value,
};
use crate::model::{ValueKind, VarType};

/// An allowed integer range of a variable (`ADDRANGE <var> <min> <max>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValueRange {
    /// Lowest allowed value.
    pub min: i32,
    /// Highest allowed value.
    pub max: i32,
}

impl ValueRange {
    /// The range `min..=max`.
    pub fn new(min: i32, max: i32) -> Self {
        Self { min, max }
    }

    /// Whether `value` lies in the range.
    pub fn contains(self, value: i32) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

/// Everything a dump says about one variable.
///
/// ```
/// use nut_proto::sock::{VarFlag, VarState};
///
/// let mut var = VarState::new("UPS_IDEN");
/// var.aux = 8;
/// var.flags = vec![VarFlag::Rw, VarFlag::String];
/// assert_eq!(var.var_type().to_string(), "RW STRING:8");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct VarState {
    /// The value (unescaped).
    pub value: String,
    /// Allowed values, in the order they were added.
    pub enums: Vec<String>,
    /// Allowed ranges, in the order they were added.
    pub ranges: Vec<ValueRange>,
    /// Auxiliary data: the maximum length of a STRING variable; 0 is "none"
    /// and is not sent.
    pub aux: i64,
    /// Flags, in order; none is not sent.
    pub flags: Vec<VarFlag>,
}

impl VarState {
    /// A variable with this value and nothing else.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            ..Self::default()
        }
    }

    /// Whether `flags` holds `flag`.
    pub fn has_flag(&self, flag: &VarFlag) -> bool {
        self.flags.contains(flag)
    }

    /// The type upsd reports for this variable in `GET TYPE`: `RW` if
    /// flagged so, `ENUM`/`RANGE` if any were added, then `STRING:<aux>` if
    /// flagged STRING, else `NUMBER`.
    pub fn var_type(&self) -> VarType {
        let kind = if self.has_flag(&VarFlag::String) {
            // upsd prints the C long; a length past u32 cannot be real.
            ValueKind::String {
                max_len: u32::try_from(self.aux.max(0)).unwrap_or(u32::MAX),
            }
        } else {
            ValueKind::Number
        };
        VarType::new(
            self.has_flag(&VarFlag::Rw),
            !self.enums.is_empty(),
            !self.ranges.is_empty(),
            kind,
        )
    }
}

/// Appends the lines NUT sends for one variable in a dump: `SETINFO`, its
/// `ADDENUM`s, its `ADDRANGE`s, `SETAUX` if non-zero, `SETFLAGS` if any.
/// This is also the body of a `DUMPVALUE` reply.
pub fn encode_var(out: &mut Vec<u8>, name: &str, var: &VarState) {
    write_var_value(out, "SETINFO", name, &var.value);
    out.push(b'\n');
    for value in &var.enums {
        write_var_value(out, "ADDENUM", name, value);
        out.push(b'\n');
    }
    for range in &var.ranges {
        write_range(out, "ADDRANGE", name, range.min, range.max);
        out.push(b'\n');
    }
    if var.aux != 0 {
        write_setaux(out, name, var.aux);
        out.push(b'\n');
    }
    if !var.flags.is_empty() {
        write_setflags(out, name, &var.flags);
        out.push(b'\n');
    }
}

/// Writes a `DUMPALL` reply in NUT's exact order into a caller-owned buffer.
///
/// The order is: `DATASTALE` when stale; each variable as [`encode_var`]
/// writes it; every `ADDCMD`; `DATAOK` when not stale; `DUMPDONE`. NUT walks
/// variables and commands sorted by name without regard to case;
/// [`super::Snapshot::encode_dump`] does, and a caller with its own storage
/// must give them in that order. Variables given after the first command are
/// still written where they are given (a caller bug, not checked).
///
/// ```
/// use nut_proto::sock::{DumpAll, VarFlag, VarState};
///
/// let mut out = Vec::new();
/// let mut load = VarState::new("23");
/// load.flags = vec![VarFlag::Rw];
/// let mut dump = DumpAll::begin(&mut out, false);
/// dump.var("ups.load", &load).command("load.off");
/// dump.finish();
/// assert_eq!(
///     out,
///     b"SETINFO ups.load \"23\"\nSETFLAGS ups.load RW\nADDCMD load.off\nDATAOK\nDUMPDONE\n"
/// );
/// ```
#[derive(Debug)]
pub struct DumpAll<'o> {
    out: &'o mut Vec<u8>,
    stale: bool,
}

impl<'o> DumpAll<'o> {
    /// Starts a dump, writing `DATASTALE` first if the data is stale.
    pub fn begin(out: &'o mut Vec<u8>, stale: bool) -> Self {
        if stale {
            out.extend_from_slice(b"DATASTALE\n");
        }
        Self { out, stale }
    }

    /// Writes one variable.
    pub fn var(&mut self, name: &str, var: &VarState) -> &mut Self {
        encode_var(self.out, name, var);
        self
    }

    /// Writes one `ADDCMD`.
    pub fn command(&mut self, name: &str) -> &mut Self {
        write_keyword_word(self.out, "ADDCMD", name);
        self.out.push(b'\n');
        self
    }

    /// Ends the dump: `DATAOK` if the data is not stale, then `DUMPDONE`.
    pub fn finish(self) {
        if !self.stale {
            self.out.extend_from_slice(b"DATAOK\n");
        }
        self.out.extend_from_slice(b"DUMPDONE\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_dump_starts_with_datastale_and_has_no_dataok() {
        let mut out = Vec::new();
        let mut dump = DumpAll::begin(&mut out, true);
        dump.var("ups.status", &VarState::new("OL"));
        dump.finish();
        assert_eq!(out, b"DATASTALE\nSETINFO ups.status \"OL\"\nDUMPDONE\n");
    }

    #[test]
    fn a_variable_is_written_in_nut_order() {
        // apcsmart's input.transfer.high plus a range and aux, to pin the order.
        let mut var = VarState::new("253");
        var.enums = vec!["253".into(), "264".into()];
        var.ranges = vec![ValueRange::new(12, 600)];
        var.aux = 8;
        var.flags = vec![VarFlag::Rw, VarFlag::Number];
        let mut out = Vec::new();
        encode_var(&mut out, "input.transfer.high", &var);
        assert_eq!(
            String::from_utf8(out).expect("ascii"),
            "SETINFO input.transfer.high \"253\"\n\
             ADDENUM input.transfer.high \"253\"\n\
             ADDENUM input.transfer.high \"264\"\n\
             ADDRANGE input.transfer.high 12 600\n\
             SETAUX input.transfer.high 8\n\
             SETFLAGS input.transfer.high RW NUMBER\n"
        );
    }

    #[test]
    fn values_are_escaped_in_dumps() {
        let mut out = Vec::new();
        let mut var = VarState::new(r#"a "q" \ #1"#);
        var.enums = vec!["#".into()];
        encode_var(&mut out, "x", &var);
        assert_eq!(
            String::from_utf8(out).expect("ascii"),
            "SETINFO x \"a \\\"q\\\" \\\\ \\#1\"\nADDENUM x \"\\#\"\n"
        );
    }

    #[test]
    fn var_type_matches_upsd() {
        let mut var = VarState::new("30");
        var.ranges = vec![ValueRange::new(12, 600)];
        var.flags = vec![VarFlag::Rw, VarFlag::Number];
        assert_eq!(var.var_type().to_string(), "RW RANGE NUMBER");
        assert_eq!(VarState::new("x").var_type().to_string(), "NUMBER");
        assert!(ValueRange::new(12, 600).contains(600));
        assert!(!ValueRange::new(12, 600).contains(601));
    }
}
