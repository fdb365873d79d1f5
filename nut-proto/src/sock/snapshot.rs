//! A driver's state as the socket describes it, with NUT's update rules
//! (`common/state.c`, shared by drivers and upsd), and the client-side
//! assembly of a `DUMPALL` reply.

use std::collections::BTreeMap;

use super::dump::{DumpAll, ValueRange, VarState};
use super::{DriverMessage, wire};

/// Default most variables a [`Snapshot`] holds. NUT has no limit; real
/// drivers publish tens to a few hundred, and upsd was exercised with 10,000.
pub const MAX_VARS: usize = 65_536;

/// Default most instant commands a [`Snapshot`] holds.
pub const MAX_COMMANDS: usize = 4_096;

/// Default most enum values per variable.
pub const MAX_ENUMS_PER_VAR: usize = 1_024;

/// Default most ranges per variable.
pub const MAX_RANGES_PER_VAR: usize = 256;

/// Bounds on what a [`Snapshot`] accepts from a peer, so that a runaway or
/// hostile driver cannot make its client grow without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotLimits {
    /// Most variables ([`MAX_VARS`]).
    pub max_vars: usize,
    /// Most instant commands ([`MAX_COMMANDS`]).
    pub max_commands: usize,
    /// Most enum values per variable ([`MAX_ENUMS_PER_VAR`]).
    pub max_enums_per_var: usize,
    /// Most ranges per variable ([`MAX_RANGES_PER_VAR`]).
    pub max_ranges_per_var: usize,
}

impl Default for SnapshotLimits {
    fn default() -> Self {
        Self {
            max_vars: MAX_VARS,
            max_commands: MAX_COMMANDS,
            max_enums_per_var: MAX_ENUMS_PER_VAR,
            max_ranges_per_var: MAX_RANGES_PER_VAR,
        }
    }
}

/// A message that would grow a [`Snapshot`] past its [`SnapshotLimits`].
/// The snapshot is left as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// One variable too many.
    #[error("driver state already holds {limit} variables, cannot add `{var}`")]
    #[non_exhaustive]
    TooManyVariables {
        /// The variable being added (cut for display).
        var: String,
        /// The limit.
        limit: usize,
    },
    /// One enum value too many for a variable.
    #[error("variable `{var}` already has {limit} enum values")]
    #[non_exhaustive]
    TooManyEnums {
        /// The variable (cut for display).
        var: String,
        /// The limit.
        limit: usize,
    },
    /// One range too many for a variable.
    #[error("variable `{var}` already has {limit} ranges")]
    #[non_exhaustive]
    TooManyRanges {
        /// The variable (cut for display).
        var: String,
        /// The limit.
        limit: usize,
    },
    /// One instant command too many.
    #[error("driver state already holds {limit} commands, cannot add `{cmd}`")]
    #[non_exhaustive]
    TooManyCommands {
        /// The command being added (cut for display).
        cmd: String,
        /// The limit.
        limit: usize,
    },
}

/// What [`Snapshot::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// The state changed. A driver broadcasts the message exactly then.
    Changed,
    /// The message restated what was already there.
    Unchanged,
    /// The message refers to a variable that does not exist (NUT logs
    /// "base variable (x) does not exist"); nothing changed.
    UnknownVariable,
    /// The message carries no state (`PONG`, `TRACKING`, unknown lines, ...)
    /// or NUT rejects it (`ADDRANGE` with min > max); nothing changed.
    Ignored,
}

impl Applied {
    /// Whether the state changed.
    pub fn is_changed(self) -> bool {
        self == Self::Changed
    }
}

/// A variable and the spelling of its name when first set.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NamedVar {
    name: String,
    state: VarState,
}

/// A driver's whole state: variables, instant commands and staleness.
///
/// Serves both sides: a driver keeps its state here and answers `DUMPALL`
/// with [`Self::encode_dump`]; upsd builds one from a dump
/// ([`DumpAssembler`]) and keeps it current with [`Self::apply`].
///
/// Names are matched without regard to case and kept in the spelling first
/// seen, and iteration is sorted without regard to case, as NUT's state
/// tree does; that order is the order of a NUT dump. A new snapshot is
/// stale, like a NUT driver before its first `dstate_dataok()`.
///
/// ```
/// use nut_proto::sock::{Applied, DriverMessage, Snapshot};
///
/// let mut state = Snapshot::new();
/// let set = DriverMessage::SetInfo { var: "ups.status".into(), value: "OL".into() };
/// assert_eq!(state.apply(&set)?, Applied::Changed);
/// assert_eq!(state.apply(&set)?, Applied::Unchanged); // a driver would not broadcast
/// assert_eq!(state.value("UPS.STATUS"), Some("OL"));
/// # Ok::<(), nut_proto::sock::SnapshotError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Keyed by the ASCII-lower-cased name, which sorts as `strcasecmp`.
    vars: BTreeMap<String, NamedVar>,
    /// Lower-cased name → name as first added.
    commands: BTreeMap<String, String>,
    stale: bool,
    limits: SnapshotLimits,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self::new()
    }
}

impl Snapshot {
    /// An empty, stale snapshot with the default limits.
    pub fn new() -> Self {
        Self::with_limits(SnapshotLimits::default())
    }

    /// An empty, stale snapshot with the given limits.
    pub fn with_limits(limits: SnapshotLimits) -> Self {
        Self {
            vars: BTreeMap::new(),
            commands: BTreeMap::new(),
            stale: true,
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> SnapshotLimits {
        self.limits
    }

    /// A variable, by name (without regard to case).
    pub fn get(&self, name: &str) -> Option<&VarState> {
        self.vars
            .get(&name.to_ascii_lowercase())
            .map(|entry| &entry.state)
    }

    /// A variable's value, by name (without regard to case).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|var| var.value.as_str())
    }

    /// The variables with their names, in NUT's order.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &VarState)> + '_ {
        self.vars
            .values()
            .map(|entry| (entry.name.as_str(), &entry.state))
    }

    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The instant commands, in NUT's order.
    pub fn commands(&self) -> impl Iterator<Item = &str> + '_ {
        self.commands.values().map(String::as_str)
    }

    /// Whether an instant command is offered (without regard to case).
    pub fn has_command(&self, name: &str) -> bool {
        self.commands.contains_key(&name.to_ascii_lowercase())
    }

    /// Whether the data is stale (`DATASTALE` last, or no `DATAOK` yet).
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Applies one driver message with NUT's rules (`common/state.c`),
    /// including its quirks, since upsd and drivers both behave so:
    ///
    /// * `SETINFO` with a value equal to the old one *without regard to
    ///   case* changes nothing (`"ol"` after `"OL"` keeps `"OL"`);
    /// * `ADDENUM` ignores an exact duplicate; `DELENUM` removes the first
    ///   value equal without regard to case;
    /// * `ADDRANGE` with min > max is rejected, and one whose min *or* max
    ///   equals an existing range's is a duplicate; `DELRANGE` removes the
    ///   first range whose min or max matches;
    /// * `ADDENUM`, `ADDRANGE`, `SETAUX` and `SETFLAGS` on a missing
    ///   variable give [`Applied::UnknownVariable`];
    /// * `SETFLAGS` replaces the flags (an empty list clears them; note
    ///   that a real upsd ignores a `SETFLAGS` line without flags);
    /// * `ADDCMD` ignores a duplicate without regard to case.
    ///
    /// # Errors
    ///
    /// The message would exceed a [`SnapshotLimits`] bound; nothing changed.
    pub fn apply(&mut self, message: &DriverMessage) -> Result<Applied, SnapshotError> {
        let applied = match message {
            DriverMessage::SetInfo { var, value } => self.set_info(var, value)?,
            DriverMessage::DelInfo { var } => {
                changed(self.vars.remove(&var.to_ascii_lowercase()).is_some())
            }
            DriverMessage::AddEnum { var, value } => self.add_enum(var, value)?,
            DriverMessage::DelEnum { var, value } => self.with_var(var, Applied::Unchanged, |v| {
                let found = v.enums.iter().position(|e| e.eq_ignore_ascii_case(value));
                changed(found.map(|index| v.enums.remove(index)).is_some())
            }),
            DriverMessage::AddRange { var, min, max } => self.add_range(var, *min, *max)?,
            DriverMessage::DelRange { var, min, max } => {
                self.with_var(var, Applied::Unchanged, |v| {
                    let found = v.ranges.iter().position(|r| r.min == *min || r.max == *max);
                    changed(found.map(|index| v.ranges.remove(index)).is_some())
                })
            }
            DriverMessage::SetAux { var, aux } => {
                self.with_var(var, Applied::UnknownVariable, |v| {
                    changed(std::mem::replace(&mut v.aux, *aux) != *aux)
                })
            }
            DriverMessage::SetFlags { var, flags } => {
                self.with_var(var, Applied::UnknownVariable, |v| {
                    changed(std::mem::replace(&mut v.flags, flags.clone()) != *flags)
                })
            }
            DriverMessage::AddCmd { cmd } => self.add_command(cmd)?,
            DriverMessage::DelCmd { cmd } => {
                changed(self.commands.remove(&cmd.to_ascii_lowercase()).is_some())
            }
            DriverMessage::DataOk => changed(std::mem::replace(&mut self.stale, false)),
            DriverMessage::DataStale => changed(!std::mem::replace(&mut self.stale, true)),
            _ => Applied::Ignored,
        };
        Ok(applied)
    }

    /// Appends the reply to `DUMPALL`, byte-exact with a NUT driver holding
    /// this state.
    pub fn encode_dump(&self, out: &mut Vec<u8>) {
        let mut dump = DumpAll::begin(out, self.stale);
        for (name, var) in self.vars() {
            dump.var(name, var);
        }
        for cmd in self.commands() {
            dump.command(cmd);
        }
        dump.finish();
    }

    /// Appends the reply to `DUMPVALUE <name>` (and `DUMPSTATUS`, which is
    /// `ups.status`): the staleness framing of a dump around the one
    /// variable, or around nothing when it does not exist.
    pub fn encode_dump_value(&self, name: &str, out: &mut Vec<u8>) {
        let mut dump = DumpAll::begin(out, self.stale);
        if let Some(entry) = self.vars.get(&name.to_ascii_lowercase()) {
            dump.var(&entry.name, &entry.state);
        }
        dump.finish();
    }

    fn set_info(&mut self, var: &str, value: &str) -> Result<Applied, SnapshotError> {
        let key = var.to_ascii_lowercase();
        if let Some(entry) = self.vars.get_mut(&key) {
            if entry.state.value.eq_ignore_ascii_case(value) {
                return Ok(Applied::Unchanged);
            }
            value.clone_into(&mut entry.state.value);
            return Ok(Applied::Changed);
        }
        if self.vars.len() >= self.limits.max_vars {
            return Err(SnapshotError::TooManyVariables {
                var: wire::excerpt(var),
                limit: self.limits.max_vars,
            });
        }
        let entry = NamedVar {
            name: var.to_owned(),
            state: VarState::new(value),
        };
        self.vars.insert(key, entry);
        Ok(Applied::Changed)
    }

    fn add_enum(&mut self, var: &str, value: &str) -> Result<Applied, SnapshotError> {
        let limit = self.limits.max_enums_per_var;
        let Some(entry) = self.vars.get_mut(&var.to_ascii_lowercase()) else {
            return Ok(Applied::UnknownVariable);
        };
        let enums = &mut entry.state.enums;
        if enums.iter().any(|e| e == value) {
            return Ok(Applied::Unchanged);
        }
        if enums.len() >= limit {
            return Err(SnapshotError::TooManyEnums {
                var: wire::excerpt(var),
                limit,
            });
        }
        enums.push(value.to_owned());
        Ok(Applied::Changed)
    }

    fn add_range(&mut self, var: &str, min: i32, max: i32) -> Result<Applied, SnapshotError> {
        if min > max {
            return Ok(Applied::Ignored);
        }
        let limit = self.limits.max_ranges_per_var;
        let Some(entry) = self.vars.get_mut(&var.to_ascii_lowercase()) else {
            return Ok(Applied::UnknownVariable);
        };
        let ranges = &mut entry.state.ranges;
        if ranges.iter().any(|r| r.min == min || r.max == max) {
            return Ok(Applied::Unchanged);
        }
        if ranges.len() >= limit {
            return Err(SnapshotError::TooManyRanges {
                var: wire::excerpt(var),
                limit,
            });
        }
        ranges.push(ValueRange::new(min, max));
        Ok(Applied::Changed)
    }

    fn add_command(&mut self, cmd: &str) -> Result<Applied, SnapshotError> {
        let key = cmd.to_ascii_lowercase();
        if self.commands.contains_key(&key) {
            return Ok(Applied::Unchanged);
        }
        if self.commands.len() >= self.limits.max_commands {
            return Err(SnapshotError::TooManyCommands {
                cmd: wire::excerpt(cmd),
                limit: self.limits.max_commands,
            });
        }
        self.commands.insert(key, cmd.to_owned());
        Ok(Applied::Changed)
    }

    /// Runs `change` on an existing variable, or returns `missing`.
    fn with_var(
        &mut self,
        var: &str,
        missing: Applied,
        change: impl FnOnce(&mut VarState) -> Applied,
    ) -> Applied {
        match self.vars.get_mut(&var.to_ascii_lowercase()) {
            Some(entry) => change(&mut entry.state),
            None => missing,
        }
    }
}

/// [`Applied::Changed`] or [`Applied::Unchanged`].
fn changed(changed: bool) -> Applied {
    if changed {
        Applied::Changed
    } else {
        Applied::Unchanged
    }
}

/// Whether a dump is still arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpProgress {
    /// More lines are expected.
    InProgress,
    /// `DUMPDONE` arrived.
    Done,
}

impl DumpProgress {
    /// Whether `DUMPDONE` arrived.
    pub fn is_done(self) -> bool {
        self == Self::Done
    }
}

/// Builds a [`Snapshot`] from the lines a driver sends after `DUMPALL`.
///
/// Feed it every decoded message until it reports [`DumpProgress::Done`]
/// (see the [module example](super)); messages after that are live updates,
/// to [`Snapshot::apply`] on the finished snapshot. Lines that are not
/// state (`PONG`, `TRACKING`, unknown) are passed over, as upsd does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DumpAssembler {
    snapshot: Snapshot,
    done: bool,
}

impl DumpAssembler {
    /// An assembler with the default [`SnapshotLimits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An assembler with the given limits.
    pub fn with_limits(limits: SnapshotLimits) -> Self {
        Self {
            snapshot: Snapshot::with_limits(limits),
            done: false,
        }
    }

    /// Takes one message.
    ///
    /// # Errors
    ///
    /// The dump exceeds the [`SnapshotLimits`]; the message was not applied.
    pub fn handle_message(
        &mut self,
        message: &DriverMessage,
    ) -> Result<DumpProgress, SnapshotError> {
        if *message == DriverMessage::DumpDone {
            self.done = true;
        } else {
            self.snapshot.apply(message)?;
        }
        Ok(if self.done {
            DumpProgress::Done
        } else {
            DumpProgress::InProgress
        })
    }

    /// Whether `DUMPDONE` arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The state so far.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The state, finished or not.
    pub fn into_snapshot(self) -> Snapshot {
        self.snapshot
    }
}

#[cfg(test)]
mod tests;
